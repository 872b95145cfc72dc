"""The Sozialraum-Monitoring as published: classes, attention list, Einwohner, the rates behind
the disparity figures, Theil shares and robustness, all computed from what the protected layer
(:mod:`.layer`) publishes.

Floor: protected. The statistics are those of :mod:`sozialanalyse.stats.monitoring`; this module
feeds them the published rates of the layer and nothing else, so that the pages
(:mod:`sozialanalyse.pages.sozialraum_monitoring`, the Gemeindeprofil) only format and draw.

* :func:`published_monitoring`: the MSS over the published status rates. A suppressed rate is
  a missing input: no z-value, index or class for its area, and it does not enter the means and
  standard deviations of the others (so no printed z-value gives a suppressed rate back). The
  result table carries a ``status`` column: ``""``, or the strongest status (``"primary"`` over
  ``"secondary"``) of the suppressed rates that withhold the area's class or dynamics.
* One exception, a class boundary: areas with fewer than :data:`MIN_POPULATION` inhabitants are
  not classified; this test reads the real number of inhabitants, also where it is suppressed,
  and publishes only "under 300" (far above the threshold of 3), never the number.
* :func:`population`: the Einwohner cell of the layer, the same on every page.
* :func:`attention_list`, :func:`robustness`: functions of the published monitoring.
* :func:`rates`, :func:`base_rates`, :func:`theil`: the published rates of one indicator on the
  Sozialräume and Gemeinden, and what the Lorenz curves, LISA clusters and the Theil
  decomposition are computed from (suppressed areas left out and listed in ``attrs``).

The constants :data:`ATTENTION_STATUS` and :data:`MIN_POPULATION` and the result type
:class:`Monitoring` are re-exported for the pages.
"""
from __future__ import annotations

import pandas as pd

from ..model.config import SYMBOL
from ..render import fmt
from ..stats.monitoring import (
    ATTENTION_STATUS,
    MIN_POPULATION,
    Monitoring,
    base_values,
    monitoring,
    settings,
    theil_shares,
)
from ..stats.monitoring import attention as _attention
from ..stats.monitoring import robustness as _robustness
from . import layer as protected_layer

__all__ = [
    "ATTENTION_STATUS",
    "MIN_POPULATION",
    "Monitoring",
    "attention_list",
    "base_rates",
    "population",
    "published_monitoring",
    "rates",
    "robustness",
    "theil",
]


def published_monitoring(district, year: int | None = None) -> Monitoring:
    """The MSS of the district's Sozialräume computed from the published rates of the protected
    layer only (see the module docstring): what every page shows of the monitoring.

    ``result.table`` has, besides the columns of :func:`sozialanalyse.stats.index.mss`, a
    ``status`` column: ``""`` where nothing is withheld, else the strongest status of the
    suppressed rates for which the area has no status or no dynamics class (``reason``
    ``"gesperrt: ..."``)."""
    year = int(year or district.report_year)
    st = settings(district)
    res = protected_layer.of(district).indicators(st["status"], level="sozialraum",
                                                  years=[year - st["dynamics_years"], year])
    m = monitoring(district, year, rates=res)
    t = m.result.table
    held = res[res["status"].astype(str) != ""]
    worst = {}
    for a, g in held.groupby(held["area_id"].astype(str)):
        worst[a] = "primary" if (g["status"].astype(str) == "primary").any() else "secondary"
    gone = t["reason"].fillna("").astype(str).str.startswith("gesperrt")
    t["status"] = [worst.get(str(a), "secondary") if g else "" for a, g in zip(t.index, gone)]
    return m


def population(district, area_ids=None, year: int | None = None) -> pd.DataFrame:
    """Einwohner of areas (default: every Sozialraum) in ``year`` (default: the report year)
    from the protected layer, index ``area_id``, columns ``value`` (published; NaN where
    suppressed or incomplete), ``status`` and ``text`` (German: the number, ``.`` where
    suppressed, ``–`` where missing). Every page takes its Einwohner from here or from the same
    cell of the layer, so one area's number is hidden on all pages or on none."""
    year = int(year or district.report_year)
    if area_ids is None:
        area_ids = district.areas.loc[district.areas["kind"] == "Sozialraum", "area_id"]
    ids = [str(a) for a in area_ids]
    c = protected_layer.of(district).counts({"variable": "einwohner"}, area_ids=ids, years=[year])
    c = c.drop_duplicates("area_id").set_index("area_id").reindex(ids)
    c["status"] = c["status"].fillna("").astype(str)
    c["text"] = [SYMBOL if s else fmt.num(v) for v, s in zip(c["value"], c["status"])]
    return c[["value", "status", "text"]]


def attention_list(district, year: int | None = None, threshold: float = 1.0) -> pd.DataFrame:
    """The Quartiere mit besonderem Aufmerksamkeitsbedarf of the published monitoring
    (:func:`sozialanalyse.stats.monitoring.attention` of :func:`published_monitoring`): an area
    whose class is withheld is not on it, and its drivers are published z-values only."""
    return _attention(published_monitoring(district, year).result, threshold=threshold)


def robustness(district, year: int | None = None):
    """How many Sozialräume change class when one status indicator is left out
    (:func:`sozialanalyse.stats.monitoring.robustness`), over the published monitoring."""
    return _robustness(published_monitoring(district, year))


def rates(district, indicator: str, year: int) -> pd.DataFrame:
    """The indicator on the Sozialräume and the Gemeinden in ``year`` as published (protected
    layer: ``value``, ``numerator``, ``denominator`` NaN where ``status`` says suppressed)."""
    return protected_layer.of(district).indicators([indicator], level=["sozialraum", "gemeinde"], years=[year])


def base_rates(district, indicator: str, year: int) -> pd.DataFrame:
    """The published indicator on every base area with its municipality
    (:func:`sozialanalyse.stats.monitoring.base_values` of :func:`rates`): suppressed areas are
    left out and listed in ``attrs["suppressed"]``, areas with missing data in
    ``attrs["left_out"]``."""
    return base_values(district, indicator, year, res=rates(district, indicator, year))


def theil(district, year: int | None = None, indicator: str = "sgb2_quote", over: str = "base") -> pd.DataFrame:
    """Theil T decomposition of the published indicator
    (:func:`sozialanalyse.stats.monitoring.theil_shares` of :func:`rates`); suppressed areas
    are left out and listed in ``attrs["suppressed"]``. ValueError as there (e.g. ``over=
    "sozialraum"`` without a published Sozialraum)."""
    year = int(year or district.report_year)
    return theil_shares(district, year, indicator, over=over, res=rates(district, indicator, year))
