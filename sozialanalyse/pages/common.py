"""What several pages share: the page footer, the footnote behind "fehlt", figure and table
helpers used by more than one template notebook.

Floor: pages. A function used by one notebook only lives in that notebook's page module.
"""
from __future__ import annotations

import html
import re

from ..render import fmt

__all__ = [
    "KIND_LABELS",
    "absent_footnote",
    "footer",
    "format_value",
    "gap_count",
    "kind_label",
    "mark_absent",
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



def mark_absent(row, absent: dict) -> str:
    """``"fehlt ²"`` for a result row whose inputs are incomplete (its ``reason``), collecting
    the reason in ``absent`` for :func:`absent_footnote`; "" otherwise.

    Examples
    --------
    >>> seen = {}
    >>> mark_absent({"reason": "incomplete: einwohner 2024 in 1 of 1 base area"}, seen), len(seen)
    ('fehlt ²', 1)
    >>> mark_absent({"reason": ""}, seen), mark_absent(None, seen)
    ('', '')
    """
    reason = str(row.get("reason", "") or "") if row is not None else ""
    if not reason or reason == "nan":
        return ""
    absent.setdefault(reason, None)
    return f"{fmt.ABSENT} ²"


def gap_count(district, area_id: str, variable: str, year: int) -> int:
    """Number of base areas of ``area_id`` lacking rows of ``variable`` in ``year``."""
    g = getattr(district, "gaps", None)
    if g is None or g.empty:
        return 0
    g = g[(g["variable"] == variable) & (g["year"] == year)]
    return int(g["area_id"].isin(district.base_of(area_id)).sum())


# --- end of the block of page footer and "fehlt" footnote -----------------------------------------


# --- areas and values in the profile tables (Gemeindeprofil, Kreisübersicht) ---------------------

#: German label of each kind of area in tables and sentences.
KIND_LABELS = {
    "Landkreis": "Landkreis",
    "Stadt": "Stadt",
    "Einheitsgemeinde": "Einheitsgemeinde",
    "Samtgemeinde": "Samtgemeinde",
    "Mitgliedsgemeinde": "Mitgliedsgemeinde",
    "Sozialraum": "Sozialraum",
}


def kind_label(district, area_id: str) -> str:
    """German label of the kind of an area (``"Samtgemeinde"``, ``"Landkreis"``, ...)."""
    return KIND_LABELS.get(str(district.area(area_id)["kind"]), str(district.area(area_id)["kind"]))


def format_value(value: float, unit: str) -> str:
    """An indicator value in German format for its catalog unit (``%``, ``Jahre``, ...).

    Examples
    --------
    >>> format_value(12.345, "%"), format_value(41.27, "Jahre"), format_value(3.14, "je 1.000")
    ('12,3 %', '41,3 Jahre', '3,1')
    """
    if unit == "%":
        return fmt.pct(value)
    if unit in ("Jahre", "m²", "EUR/m²"):
        return fmt.num(value, 1, unit)
    return fmt.num(value, 1)


# --- end of the block of areas and values in the profile tables ----------------------------------
