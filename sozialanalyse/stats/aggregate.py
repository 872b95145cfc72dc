"""Counts of a district summed to the areas of a level, with absent rows kept absent.

The statistics floor (imports only :mod:`sozialanalyse.model`). These are the sums the health,
care and access statistics build on: the long counts table
``area_id, year, variable, age_group, sex, nationality, type, value`` of the base areas summed
to a level of the area tree (``kreis``, ``gemeindeverband``, ``sozialraum``, ... or ``base``)
and over years.

Missing is missing: a base area that lacks rows of a variable in a year
(``district.gaps``, :func:`sozialanalyse.model.completeness.find_gaps`) makes the sum of its
area NaN (:func:`sum_counts`), or is left out of a reference computed from the complete part of
the district and named (:func:`sum_complete`); it is never counted as 0.

``district`` is a district of the own format (``areas``, ``counts``, ``gaps``, ``kreis``,
``years``, ``report_year``, ``municipalities()``).

Examples
--------
A Kreis ``01`` with the Stadt ``01001`` (Sozialräume Nord and Süd) and the Einheitsgemeinde
``01002``; Süd reports an explicit 0, Bedorf's row of 2024 is absent:

>>> from types import SimpleNamespace
>>> areas = pd.DataFrame({"area_id": ["01", "01001", "01001-01", "01001-02", "01002"],
...                       "name": ["Kreis", "Astadt", "Nord", "Süd", "Bedorf"],
...                       "kind": ["Landkreis", "Stadt", "Sozialraum", "Sozialraum", "Einheitsgemeinde"],
...                       "parent_id": ["", "01", "01001", "01001", "01"]})
>>> counts = pd.DataFrame({"area_id": ["01001-01", "01001-02", "01002", "01001-01", "01001-02"],
...                        "year": [2023, 2023, 2023, 2024, 2024], "variable": "einwohner",
...                        "value": [90.0, 0.0, 40.0, 100.0, 0.0]})
>>> gaps = pd.DataFrame({"area_id": ["01002"], "year": [2024], "variable": ["einwohner"]})
>>> d = SimpleNamespace(areas=areas, counts=counts, gaps=gaps, kreis={"area_id": "01"})
>>> sum_counts(d, "einwohner", "gemeindeverband", [2024])["value"].tolist()  # Astadt; Bedorf has no rows
[100.0]
>>> sum_counts(d, "einwohner", "kreis", [2023, 2024], by=["year"])["value"].tolist()
[130.0, nan]
"""
from __future__ import annotations

import numpy as np
import pandas as pd

# the district's area-tree helpers live with the area tree; kept here for the statistics that sum along it
from ..model.areas import area_names, level_ids, level_of, pool_years, report_year

__all__ = [
    "area_names",
    "gap_base_areas",
    "level_ids",
    "level_of",
    "pool_years",
    "population_by",
    "report_year",
    "sum_complete",
    "sum_counts",
    "wide_sum",
]


def _as_list(variables) -> list[str]:
    return [variables] if isinstance(variables, str) else list(variables)







def sum_counts(district, variables, level: str, years, by=()) -> pd.DataFrame:
    """Counts of ``variables`` summed to the areas of ``level`` and over ``years``.

    Parameters
    ----------
    district : District
    variables : str or list of str
        Variables of the counts table.
    level : str
        See :func:`level_of`.
    years : iterable of int
    by : sequence of str
        Further columns to keep (``year``, ``age_group``, ``sex``, ``type``, ...).

    Returns
    -------
    DataFrame
        ``area_id``, ``by`` ..., ``value``. The value is NaN for an area with a base area that
        lacks rows of ``variables`` in one of ``years`` (``district.gaps``), never a sum with 0;
        with ``year`` (``variable``) in ``by``, only in the years (of the variables) with the gap.
        An explicit 0 is a value and stays 0.

    Examples
    --------
    Nord 100 and Süd an explicit 0; Bedorf lacks its row of 2024:

    >>> from types import SimpleNamespace
    >>> areas = pd.DataFrame({"area_id": ["01", "01001", "01001-01", "01001-02", "01002"],
    ...                       "kind": ["Landkreis", "Stadt", "Sozialraum", "Sozialraum", "Einheitsgemeinde"],
    ...                       "parent_id": ["", "01", "01001", "01001", "01"]})
    >>> counts = pd.DataFrame({"area_id": ["01001-01", "01001-02", "01001-01", "01002"],
    ...                        "year": 2024, "variable": ["einwohner", "einwohner", "geburten", "geburten"],
    ...                        "value": [100.0, 0.0, 3.0, 1.0]})
    >>> gaps = pd.DataFrame({"area_id": ["01002"], "year": [2024], "variable": ["einwohner"]})
    >>> d = SimpleNamespace(areas=areas, counts=counts, gaps=gaps, kreis={"area_id": "01"})
    >>> sum_counts(d, "einwohner", "sozialraum", [2024]).values.tolist()
    [['01001-01', 100.0], ['01001-02', 0.0]]
    >>> sum_counts(d, ["einwohner", "geburten"], "kreis", [2024], by=["variable"]).values.tolist()
    [['01', 'einwohner', nan], ['01', 'geburten', 4.0]]
    """
    variables = _as_list(variables)
    c = district.counts
    c = c[c["variable"].isin(variables) & c["year"].isin(list(years))]
    mapping = level_of(district, level)
    c = c.assign(area_id=c["area_id"].map(mapping)).dropna(subset=["area_id"])
    out = c.groupby(["area_id", *by], as_index=False, observed=True)["value"].sum()
    gaps = getattr(district, "gaps", None)
    if gaps is not None and len(gaps):
        g = gaps[gaps["variable"].isin(variables) & gaps["year"].isin(list(years))]
        g = g.assign(area_id=g["area_id"].map(mapping)).dropna(subset=["area_id"])
        # per year and per variable where the result keeps them: a gap in one year (of one
        # variable) leaves the other years (variables) of the area known
        keys = ["area_id", *[k for k in ("year", "variable") if k in by]]
        if len(keys) > 1:
            g = g[keys].astype({k: out[k].dtype for k in keys})
            hit = pd.MultiIndex.from_frame(out[keys]).isin(pd.MultiIndex.from_frame(g))
        else:
            hit = out["area_id"].isin(set(g["area_id"]))
        out.loc[hit, "value"] = np.nan
    return out


def gap_base_areas(district, variables, years) -> list[str]:
    """Base areas lacking rows of ``variables`` in one of ``years`` (``district.gaps``), sorted.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> gaps = pd.DataFrame({"area_id": ["02", "01", "03"], "year": [2024, 2023, 2024],
    ...                      "variable": ["einwohner", "einwohner", "geburten"]})
    >>> gap_base_areas(SimpleNamespace(gaps=gaps), "einwohner", [2023, 2024])
    ['01', '02']
    >>> gap_base_areas(SimpleNamespace(gaps=gaps), "einwohner", [2022])
    []
    """
    variables = _as_list(variables)
    gaps = getattr(district, "gaps", None)
    if gaps is None or not len(gaps):
        return []
    g = gaps[gaps["variable"].isin(variables) & gaps["year"].isin([int(y) for y in years])]
    return sorted(set(g["area_id"].astype(str)))


def sum_complete(district, variables, level: str, years, by=(), among=(), exclude=()) -> pd.DataFrame:
    """Like :func:`sum_counts`, but over the complete base areas only.

    A reference (Kreis rates, Kreis totals) from the complete part of the district: the base
    areas lacking rows of ``variables`` or ``among`` in ``years``, and those in ``exclude``, are
    left out, not counted as 0.

    Returns
    -------
    DataFrame
        ``area_id``, ``by`` ..., ``value``; ``attrs["left_out"]`` lists the base areas left out
        (sorted). A page must say so.

    Examples
    --------
    The Kreis without Bedorf, whose row of 2024 is absent:

    >>> from types import SimpleNamespace
    >>> areas = pd.DataFrame({"area_id": ["01", "01001", "01002"],
    ...                       "kind": ["Landkreis", "Einheitsgemeinde", "Einheitsgemeinde"],
    ...                       "parent_id": ["", "01", "01"]})
    >>> counts = pd.DataFrame({"area_id": ["01001", "01001", "01002"], "year": [2023, 2024, 2023],
    ...                        "variable": "einwohner", "value": [90.0, 100.0, 40.0]})
    >>> gaps = pd.DataFrame({"area_id": ["01002"], "year": [2024], "variable": ["einwohner"]})
    >>> d = SimpleNamespace(areas=areas, counts=counts, gaps=gaps, kreis={"area_id": "01"})
    >>> k = sum_complete(d, "einwohner", "kreis", [2023, 2024])
    >>> k["value"].tolist(), k.attrs["left_out"]
    ([190.0], ['01002'])
    """
    variables = _as_list(variables)
    left_out = sorted(set(gap_base_areas(district, [*variables, *among], years)) | set(exclude))
    c = district.counts
    c = c[c["variable"].isin(variables) & c["year"].isin(list(years)) & ~c["area_id"].isin(left_out)]
    mapping = level_of(district, level)
    c = c.assign(area_id=c["area_id"].map(mapping)).dropna(subset=["area_id"])
    out = c.groupby(["area_id", *by], as_index=False, observed=True)["value"].sum()
    out.attrs["left_out"] = left_out
    return out


def population_by(district, level: str, years, by=("sex", "age_group")) -> pd.DataFrame:
    """Population per area of ``level``, year and ``by`` (column ``population``; NaN as in
    :func:`sum_counts`).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> areas = pd.DataFrame({"area_id": ["01", "01001"], "kind": ["Landkreis", "Einheitsgemeinde"],
    ...                       "parent_id": ["", "01"]})
    >>> counts = pd.DataFrame({"area_id": "01001", "year": 2024, "variable": "einwohner",
    ...                        "sex": ["m", "w", "m"], "value": [10.0, 12.0, 5.0]})
    >>> d = SimpleNamespace(areas=areas, counts=counts, gaps=None, kreis={"area_id": "01"})
    >>> population_by(d, "kreis", [2024], by=["sex"]).values.tolist()
    [['01', 2024, 'm', 15.0], ['01', 2024, 'w', 12.0]]
    """
    return sum_counts(district, "einwohner", level, years, by=["year", *by]).rename(
        columns={"value": "population"})


def wide_sum(df: pd.DataFrame, index: str, columns: str) -> pd.DataFrame:
    """``value`` summed by ``index`` x ``columns``; a NaN stays NaN.

    ``pivot_table(aggfunc="sum")`` would make it 0.

    Examples
    --------
    >>> df = pd.DataFrame({"area_id": ["a", "a", "b"], "type": ["x", "y", "x"],
    ...                    "value": [1.0, 2.0, float("nan")]})
    >>> w = wide_sum(df, "area_id", "type")
    >>> w.loc["a"].tolist(), bool(w.loc["b"].isna().all())
    ([1.0, 2.0], True)
    """
    return df.groupby([index, columns])["value"].agg(lambda v: v.sum(skipna=False)).unstack(columns)
