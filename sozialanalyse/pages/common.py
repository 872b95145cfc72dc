"""What several pages share: the page footer, the footnote behind "fehlt", figure and table
helpers used by more than one template notebook.

Floor: pages. A function used by one notebook only lives in that notebook's page module.
"""
from __future__ import annotations

import html
import re

__all__ = [
    "absent_footnote",
    "footer",
]


# --- page footer and "fehlt" footnote (every page) -----------------------------------------------

def footer(**parameters):
    """The last cell of every page: the parameters the page was computed with and where its
    executed notebook is.

    Examples
    --------
    >>> "area_id = &#x27;03499016&#x27;" in footer(config="musterland", area_id="03499016").data
    True
    """
    from IPython.display import HTML  # IPython: present in a kernel, not needed to import the pages

    shown = ", ".join(f"{k} = {v!r}" for k, v in parameters.items())
    return HTML('<p class="sa-footnote sa-parameters">Parameter dieser Seite: '
                f'<code>{html.escape(shown)}</code>. Das ausgeführte Notebook dieser Seite lässt sich '
                'über die Schaltfläche „Herunterladen“ (.ipynb) oben rechts laden und mit '
                '<code>sozialanalyse verify</code> nachrechnen (siehe „Für Prüfende“).</p>')


def absent_footnote(absent) -> list[str]:
    """German footnote naming what is missing (variables, year, base areas) behind "fehlt".

    ``absent`` holds the ``reason`` strings of result rows whose inputs are incomplete
    (``"incomplete: einwohner 2024 in 1 of 18 base areas"``).

    Examples
    --------
    >>> note, = absent_footnote(["incomplete: einwohner 2024 in 1 of 18 base areas"])
    >>> "(einwohner 2024 in 1 von 18 Teilgebieten)" in note
    True
    >>> absent_footnote([])
    []
    """
    if not absent:
        return []
    parts = []
    for r in absent:
        m = re.match(r"incomplete: (.+) (\d{4}) in (\d+) of (\d+) base areas?", r)
        if m and m.group(4) == "1":  # the area is a base area itself
            parts.append(f"{m.group(1)} {m.group(2)}")
        else:
            parts.append(f"{m.group(1)} {m.group(2)} in {m.group(3)} von {m.group(4)} Teilgebieten" if m else r)
    return ["² fehlt: Eingangsdaten unvollständig, es fehlen Zeilen (" + "; ".join(dict.fromkeys(parts))
            + "); der Wert wird nicht aus unvollständigen Daten berechnet (keine 0)."]


# --- end of the block of page footer and "fehlt" footnote -----------------------------------------
