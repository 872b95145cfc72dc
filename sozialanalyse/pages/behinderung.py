"""The page Menschen mit Behinderungen (``notebooks/behinderung.ipynb``): the
Schwerbehindertenquote at town and Sozialraum level and by age and sex.

Floor: pages. The indicator tables, maps and trends are shared with other chapters
(:mod:`sozialanalyse.pages.common`).

Disclosure control (issue #14): the Schwerbehindertenquote by age and sex is computed from the
published counts of the protected layer (schwerbehinderte and inhabitants per five-year band and
sex, registered in :mod:`sozialanalyse.protected.measures` as shares, so that their complements
are protected too); a suppressed band is not drawn, and its Wilson interval neither.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..model.areas import AGE_GROUPS, report_year
from ..protected import layer as protected_layer
from ..render import figures, fmt
from ..render.figures import finish, style
from ..stats.health import wilson_ci
from .common import indicator_intro, indicator_maps, indicator_table, indicator_trend

__all__ = [
    "DISABILITY_IDS",
    "disability_by_age",
    "indicator_intro",
    "indicator_maps",
    "indicator_table",
    "indicator_trend",
]

#: Indicators of the chapter Menschen mit Behinderungen.
DISABILITY_IDS = ("schwerbehindertenquote", "schwerbehindertenquote_65plus")


def disability_by_age(district, year: int | None = None):
    """Figure: Schwerbehindertenquote by age band and sex with 95 % Wilson intervals (Kreis)."""
    year = report_year(district, year)
    kreis = str(district.kreis["area_id"])
    L = protected_layer.of(district)

    def published(variable, band, sex):
        lo, _, hi = band.replace("+", "-").partition("-")
        spec = {"variable": variable, "age": [int(lo), int(hi) if hi else None], "sex": [sex]}
        r = L.counts(spec, area_ids=[kreis], years=[year])["value"]
        return float(r.iloc[0]) if len(r) else np.nan

    fig, ax = plt.subplots(figsize=(8, 3.6))
    x = np.arange(len(AGE_GROUPS))
    for sex in ("w", "m"):
        num = np.array([published("schwerbehinderte", b, sex) for b in AGE_GROUPS])
        den = np.array([published("einwohner", b, sex) for b in AGE_GROUPS])
        ok = np.isfinite(num) & np.isfinite(den) & (den > 0)  # suppressed or missing: not drawn
        rate, lo, hi = (np.full(len(x), np.nan) for _ in range(3))
        rate[ok] = num[ok] / den[ok]
        if ok.any():
            lo[ok], hi[ok] = wilson_ci(num[ok], den[ok])
        ax.plot(x, 100 * rate, marker="o", markersize=3, color=figures.PALETTE[sex], label=figures.SEX_LABELS[sex])
        ax.fill_between(x, 100 * lo, 100 * hi, color=figures.PALETTE[sex], alpha=0.15, linewidth=0)
    ax.set_xticks(x, AGE_GROUPS, rotation=45, ha="right")
    ax.yaxis.set_major_formatter(fmt.axis_formatter(0, "%"))
    ax.set_xlabel("Altersgruppe (Jahre)")
    ax.set_ylabel("je 100 Einwohner der Altersgruppe")
    ax.set_title(f"Schwerbehinderte Menschen nach Alter und Geschlecht im {district.name}, {year} "
                 "(mit 95-%-Intervall)", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    style(ax, "y")
    return finish(fig)
