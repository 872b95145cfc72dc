"""The page Menschen mit Behinderungen (``notebooks/behinderung.ipynb``): the
Schwerbehindertenquote at town and Sozialraum level and by age and sex.

Floor: pages. The indicator tables, maps and trends are shared with other chapters
(:mod:`sozialanalyse.pages.common`).

Disclosure control (issue #14): the Schwerbehindertenquote by age and sex is computed from the
published counts of the protected layer (schwerbehinderte and inhabitants per five-year band and
sex, registered in :mod:`sozialanalyse.protected.measures` as shares, so that their complements
are protected too; :func:`sozialanalyse.protected.care.rate_by_age`); a suppressed band is not
drawn, and its Wilson interval neither.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..model.areas import AGE_GROUPS, report_year
from ..protected import care as protected_care
from ..render import figures, fmt
from ..render.figures import finish, style
from .common import (
    indicator_intro,
    indicator_maps,
    indicator_maps_interactive,
    indicator_table,
    indicator_trend,
)

__all__ = [
    "DISABILITY_IDS",
    "disability_by_age",
    "indicator_intro",
    "indicator_maps",
    "indicator_maps_interactive",
    "indicator_table",
    "indicator_trend",
]

#: Indicators of the chapter Menschen mit Behinderungen.
DISABILITY_IDS = ("schwerbehindertenquote", "schwerbehindertenquote_65plus")


def disability_by_age(district, year: int | None = None):
    """Figure: Schwerbehindertenquote by age band and sex with 95 % Wilson intervals (Kreis)."""
    year = report_year(district, year)
    rates = protected_care.rate_by_age(district, "schwerbehinderte", year=year)  # the bands of AGE_GROUPS
    fig, ax = plt.subplots(figsize=(8, 3.6))
    x = np.arange(len(AGE_GROUPS))
    for sex in ("w", "m"):
        r = rates[rates["sex"] == sex]  # suppressed or missing: NaN, not drawn
        rate, lo, hi = (r[col].to_numpy(dtype=float) for col in ("value", "lower", "upper"))
        ax.plot(x, 100 * rate, marker="o", markersize=3, color=figures.PALETTE[sex], label=figures.SEX_LABELS[sex])
        ax.fill_between(x, 100 * lo, 100 * hi, color=figures.PALETTE[sex], alpha=0.15, linewidth=0)
    ax.set_xticks(x, AGE_GROUPS, rotation=45, ha="right")
    ax.yaxis.set_major_formatter(fmt.axis_formatter(0, "%"))
    ax.set_xlabel("Altersgruppe (Jahre)")
    ax.set_ylabel("je 100 Einwohner der Altersgruppe")
    ax.set_title(figures.wrap(f"Schwerbehinderte Menschen nach Alter und Geschlecht im {district.name}, {year} "
                              "(mit 95-%-Intervall)", 70), fontsize=10)  # wrapped: one line would widen the PNG
    ax.legend(frameon=False, fontsize=8)
    style(ax, "y")
    return finish(fig)
