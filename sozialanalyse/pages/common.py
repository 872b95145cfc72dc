"""What several pages share: the page footer, the footnote behind "fehlt", figure and table
helpers used by more than one template notebook.

Floor: pages. A function used by one notebook only lives in that notebook's page module.
"""
from __future__ import annotations

import html

from ..io import official
from ..model.district import District
from ..render import fmt

__all__ = [
    "attribution",
    "closed",
    "indicator_text",
    "new_figure",
]


# --- official data pages: shared by amtlich_kreis and amtlich_profil ------------------------------

def indicator_text(ind: str, value) -> str:
    """A value of an official indicator (:data:`sozialanalyse.io.official.INDICATORS`) in German,
    with its unit and decimals."""
    spec = official.INDICATORS[ind]
    if spec["unit"] == "%":
        return fmt.pct(value, spec["decimals"])
    return fmt.num(value, spec["decimals"], spec["unit"] or None)


def new_figure(*args, **kw):
    """``plt.subplots(*args, **kw)``."""
    import matplotlib.pyplot as plt  # optional heavy dependency: only pages with figures need it

    return plt.subplots(*args, **kw)


def closed(fig):
    """``fig`` after closing it in pyplot (shown once, as the cell's result, not twice)."""
    import matplotlib.pyplot as plt  # optional heavy dependency: only pages with figures need it

    plt.close(fig)
    return fig


def attribution(od: District | None = None, **parameters):
    """Every page of official data: the publishers' attributions and the page's parameters."""
    from IPython.display import HTML  # IPython: present in a kernel, not needed to import the pages

    lines = od.attributions if od is not None else official.attributions()
    items = "".join(f"<li>{official.attribution_html(a)}</li>" for a in lines)
    shown = ", ".join(f"{k} = {v!r}" for k, v in parameters.items())
    return HTML('<div class="sa-attribution"><p><strong>Quellenangaben</strong></p><ul>' + items + "</ul>"
                '<p class="sa-footnote">Die Dateien wurden unverändert von ihren Herausgebern übernommen '
                "(Prüfsummen auf der Seite „Herkunft und Nachvollziehbarkeit“); die Zuordnung der Gebiete, "
                "die zu Gemeindeverbänden zusammengefassten Grenzen und Einwohnerzahlen, Summen und der "
                "Arbeitslosenanteil sind eigene Berechnungen.</p>"
                + (f'<p class="sa-footnote sa-parameters">Parameter dieser Seite: <code>{html.escape(shown)}</code>.</p>'
                   if shown else "") + "</div>")


# --- end of the block of the official data pages --------------------------------------------------
