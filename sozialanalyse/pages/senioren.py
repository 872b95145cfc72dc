"""The page Senioren (``notebooks/senioren.ipynb``): indicators of older people at town and
Sozialraum level and the projection of the people aged 65-79 and 80+.

Floor: pages. The indicator tables, maps and trends are shared with other chapters
(:mod:`sozialanalyse.pages.common`); the projection is
:func:`sozialanalyse.protected.care.senior_projection`.

Disclosure control (issue #14): the observed people aged 65-79 and 80+ per year come from the
protected layer (registered in :mod:`sozialanalyse.protected.measures`); a suppressed year is
not drawn (nor its sum over the projected municipalities). The projected values are model
results (rounded in the annotation), not counts of real people; the line starts at the base
year's published value.
"""
from __future__ import annotations

import matplotlib.pyplot as plt

from ..model.areas import area_names
from ..protected import care as protected_care
from ..render import fmt
from ..render.figures import finish, style
from .common import (
    indicator_intro,
    indicator_maps,
    indicator_maps_interactive,
    indicator_table,
    indicator_trend,
)

__all__ = [
    "SENIOR_IDS",
    "indicator_intro",
    "indicator_maps",
    "indicator_maps_interactive",
    "indicator_table",
    "indicator_trend",
    "senior_projection",
]

#: Indicators of the chapter Senioren (ids of the indicator catalog).
SENIOR_IDS = ("anteil_65plus", "anteil_80plus", "altersarmut", "anteil_alleinlebende_65plus",
              "pflegequote_80plus")


def senior_projection(district, year: int | None = None, end_year: int = 2040):
    """Figure: people aged 65-79 and 80+ in the Kreis, observed and projected to ``end_year``."""
    p = protected_care.senior_projection(district, year, end_year)
    absent = p["absent"]
    fig, ax = plt.subplots(figsize=(8, 3.6))
    colors = ["#d89a2b", "#6b4c9a"]
    for (label, (h, f)), color in zip(p["groups"].items(), colors):
        ax.plot(h.index, h.to_numpy(), color=color, marker="o", markersize=3, label=f"{label} (Melderegister)")
        ax.plot(f.index, f.to_numpy(), color=color, linestyle="--", label=f"{label} (Vorausberechnung)")
        # above the last point and ending there: a label right of the axes would widen the PNG
        ax.annotate(fmt.num(f.iloc[-1], 0), (f.index[-1], f.iloc[-1]), xytext=(-2, 5), textcoords="offset points",
                    fontsize=8, ha="right", va="bottom")
    ax.yaxis.set_major_formatter(fmt.axis_formatter())
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    ax.set_ylabel("Einwohnerinnen und Einwohner")
    without = ", ".join(area_names(district)[a] for a in absent)
    ax.set_title(f"Ältere Menschen im {district.name} bis {p['end_year']}"
                 + (f"\nohne {without} (Einwohnerzahlen unvollständig)" if without else ""), fontsize=10)
    # below the axes, one entry a line: two columns of these labels are wider than a figure may be
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(0.0, -0.1), ncol=1)
    style(ax, "y")
    return finish(fig)
