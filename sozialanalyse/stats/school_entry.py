"""School-entry examinations: shares of children with a finding, pooled over years.

The statistics floor (imports only :mod:`sozialanalyse.model` and this floor). The counts
``einschulung_untersuchte`` (children examined) and one count per finding
(:data:`SCHOOL_VARS`) are summed over the last ``pool`` years (default 3) per area; shares come
with Wilson intervals (:func:`sozialanalyse.stats.health.wilson_ci`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .aggregate import area_names, pool_years, report_year, sum_counts, wide_sum
from .health import wilson_ci

__all__ = ["SCHOOL_VARS", "school_entry_shares"]

#: Findings of the school-entry examination: variable of the counts table -> German label.
SCHOOL_VARS = {"einschulung_uebergewicht": "Übergewicht", "einschulung_sprachfoerderbedarf": "Sprachförderbedarf"}


def school_entry_shares(district, year: int | None = None, level: str = "gemeindeverband",
                        pool: int = 3) -> pd.DataFrame:
    """School-entry results pooled over the last ``pool`` years for the areas of ``level``.

    Parameters
    ----------
    district : District
    year : int, optional
        Last pooled year (default: the district's report year).
    level : str
        Level of the area tree, ``kreis`` or ``base`` (:func:`sozialanalyse.stats.aggregate.level_of`).
    pool : int
        Number of examination years pooled.

    Returns
    -------
    DataFrame
        ``area_id``, ``name``, ``variable``, ``label``, ``x`` (children with the finding),
        ``n`` (children examined), ``value`` (%) and the 95 % Wilson limits ``lower`` / ``upper``
        (%); NaN where rows are absent. ``attrs["years"]``: the pooled years.

    Notes
    -----
    :math:`p = 100\\,x / n`; the interval is Wilson's score interval of :math:`x` in :math:`n`.

    References
    ----------
    Wilson EB (1927). Probable inference, the law of succession, and statistical inference.
    JASA 22: 209-212.
    """
    year = report_year(district, year)
    years = pool_years(district, year, pool)
    s = sum_counts(district, ["einschulung_untersuchte", *SCHOOL_VARS], level, years, by=["variable"])
    wide = wide_sum(s, "area_id", "variable")
    rows = []
    for var, label in SCHOOL_VARS.items():
        x = wide.get(var, pd.Series(0.0, index=wide.index))
        n = wide["einschulung_untersuchte"]
        lo, hi = wilson_ci(x.to_numpy(), n.to_numpy())
        rows.append(pd.DataFrame({"area_id": wide.index, "variable": var, "label": label, "x": x.to_numpy(),
                                  "n": n.to_numpy(), "value": 100 * np.where(n > 0, x / n.where(n > 0), np.nan),
                                  "lower": 100 * lo, "upper": 100 * hi}))
    out = pd.concat(rows, ignore_index=True)
    out.insert(1, "name", out["area_id"].map(area_names(district)))
    out.attrs["years"] = years
    return out
