"""School-entry examinations: shares of children with a finding, pooled over years.

The statistics floor (imports only :mod:`sozialanalyse.model` and this floor). The counts
``einschulung_untersuchte`` (children examined) and one count per finding
(:data:`SCHOOL_VARS`) are summed over the last ``pool`` years (default 3) per area; shares come
with Wilson intervals (:func:`sozialanalyse.stats.health.wilson_ci`).

Missing is missing: a finding (or the number of children examined) that a base area lacks in a
pooled year, or that the district does not deliver at all, makes the share NaN with a
``reason``, which the page prints as "fehlt" with a footnote; it is never 0 %.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .aggregate import area_names, level_of, pool_years, report_year, sum_counts, wide_sum
from .health import wilson_ci

__all__ = ["EXAMINED", "SCHOOL_VARS", "school_entry_shares"]

#: Findings of the school-entry examination: variable of the counts table -> German label.
SCHOOL_VARS = {"einschulung_uebergewicht": "Übergewicht", "einschulung_sprachfoerderbedarf": "Sprachförderbedarf"}
#: Variable of the counts table: children examined (the denominator of every share).
EXAMINED = "einschulung_untersuchte"


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
        ``n`` (children examined), ``value`` (%), the 95 % Wilson limits ``lower`` / ``upper``
        (%) and ``reason``: "" for a complete row, otherwise why ``x`` or ``n`` and so the share
        are NaN (``"incomplete: einschulung_uebergewicht 2024 in 1 of 10 base areas"``, one
        part per variable and year, joined by ``"; "``). A base area lacking the rows of a
        variable in a pooled year (``district.gaps``), or a finding the district delivers for no
        area in the pooled years at all, is missing, never 0. ``attrs["years"]``: the pooled
        years.

    Notes
    -----
    :math:`p = 100\\,x / n` with :math:`x` and :math:`n` summed over the pooled years; the
    interval is Wilson's score interval of :math:`x` in :math:`n`.

    References
    ----------
    Wilson EB (1927). Probable inference, the law of succession, and statistical inference.
    JASA 22: 209-212.

    Examples
    --------
    One Einheitsgemeinde, 2023 and 2024 pooled: 9 of 90 children overweight; the district
    delivers no language-support findings at all, so that share is missing, not 0 %:

    >>> from types import SimpleNamespace
    >>> areas = pd.DataFrame({"area_id": ["01", "01001"], "name": ["Kreis", "Adorf"],
    ...                       "kind": ["Landkreis", "Einheitsgemeinde"], "parent_id": ["", "01"]})
    >>> counts = pd.DataFrame({"area_id": "01001", "year": [2023, 2023, 2024, 2024],
    ...     "variable": ["einschulung_untersuchte", "einschulung_uebergewicht"] * 2,
    ...     "value": [40.0, 4.0, 50.0, 5.0]})
    >>> d = SimpleNamespace(areas=areas, counts=counts, gaps=None, kreis={"area_id": "01"},
    ...                     years=[2023, 2024], report_year=2024)
    >>> r = school_entry_shares(d, level="kreis", pool=2)
    >>> r[["label", "x", "n", "value"]].round(2).values.tolist()
    [['Übergewicht', 9.0, 90.0, 10.0], ['Sprachförderbedarf', nan, 90.0, nan]]
    >>> r["reason"].iloc[1]
    'incomplete: einschulung_sprachfoerderbedarf 2023 in 1 of 1 base area; incomplete: einschulung_sprachfoerderbedarf 2024 in 1 of 1 base area'
    """
    year = report_year(district, year)
    years = pool_years(district, year, pool)
    variables = [EXAMINED, *SCHOOL_VARS]
    mapping = level_of(district, level)
    areas = sorted(set(mapping))
    s = sum_counts(district, variables, level, years, by=["variable"])
    # a variable without any row is a column of NaN, never 0
    wide = wide_sum(s, "area_id", "variable").reindex(index=areas, columns=variables)
    why = _absent(district, variables, mapping, years)
    n = wide[EXAMINED]
    rows = []
    for var, label in SCHOOL_VARS.items():
        x = wide[var]
        lo, hi = wilson_ci(x.to_numpy(), n.to_numpy())
        reason = ["; ".join([*why.get((a, var), []), *why.get((a, EXAMINED), [])]) for a in wide.index]
        rows.append(pd.DataFrame({"area_id": wide.index, "variable": var, "label": label, "x": x.to_numpy(),
                                  "n": n.to_numpy(), "value": 100 * np.where(n > 0, x / n.where(n > 0), np.nan),
                                  "lower": 100 * lo, "upper": 100 * hi, "reason": reason}))
    out = pd.concat(rows, ignore_index=True)
    out.insert(1, "name", out["area_id"].map(area_names(district)))
    out.attrs["years"] = years
    return out


def _absent(district, variables, mapping: pd.Series, years) -> dict[tuple[str, str], list[str]]:
    """(area, variable) -> ``"incomplete: <variable> <year> in <k> of <n> base areas"`` per pooled
    year in which ``k`` of the area's ``n`` base areas (``mapping``: base area -> area) lack the
    variable's rows: those of ``district.gaps``, and every base area for a variable without a
    single row in the pooled years."""
    lacking = set()
    gaps = getattr(district, "gaps", None)
    if gaps is not None and len(gaps):
        g = gaps[gaps["variable"].isin(variables) & gaps["year"].isin(years)]
        lacking |= set(zip(g["area_id"].astype(str), g["variable"], g["year"].astype(int)))
    c = district.counts
    present = set(c.loc[c["year"].isin(years), "variable"])
    lacking |= {(b, v, int(y)) for v in variables if v not in present for b in mapping.index for y in years}
    size = mapping.value_counts()
    hits: dict[tuple[str, str, int], int] = {}
    for b, v, y in lacking:
        if b in mapping.index:
            key = (mapping[b], v, y)
            hits[key] = hits.get(key, 0) + 1
    out: dict[tuple[str, str], list[str]] = {}
    for (a, v, y), k in sorted(hits.items()):
        total = int(size[a])
        out.setdefault((a, v), []).append(
            f"incomplete: {v} {y} in {k} of {total} base area{'s' if total != 1 else ''}")
    return out
