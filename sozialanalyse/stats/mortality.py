"""Mortality of a district: deaths pooled over years, DSR and SMR per municipality and Kreis.

The statistics floor (imports only :mod:`sozialanalyse.model` and this floor). Deaths are
pooled over the last ``pool`` years (default 5) so that every municipality has enough of them;
the populations at 31.12. of the pooled years approximate the person-years.

* The directly age-standardised rate (DSR) per 100.000 uses the European Standard Population
  2013 and Dobson limits (:func:`sozialanalyse.stats.health.dsr`).
* The standardised mortality ratio (SMR, Kreis = 100) is the indirect standardisation of each
  municipality against the Kreis rates by age band and sex
  (:func:`sozialanalyse.stats.health.isr`); the funnel classification uses the exact Poisson
  test at 95 % and 99,8 % (:func:`sozialanalyse.stats.health.funnel_significance`).

Missing is missing: a municipality with absent population rows is NaN with a ``reason``; the
Kreis reference is computed over the complete base areas and names the others
(``attrs["left_out"]``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .aggregate import (
    area_names,
    gap_base_areas,
    level_ids,
    pool_years,
    report_year,
    sum_complete,
    sum_counts,
)
from .health import dsr, funnel_significance, isr

__all__ = ["kreis_dsr_by_year", "mortality_input", "pooled_mortality"]


def _span(years) -> str:
    return f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])


def mortality_input(district, years, level: str) -> pd.DataFrame:
    """Deaths and population per area of ``level``, age band and sex, summed over ``years``.

    Returns
    -------
    DataFrame
        ``area_id``, ``age_group``, ``sex``, ``population`` (NaN where rows are absent,
        :func:`sozialanalyse.stats.aggregate.sum_counts`), ``deaths`` (0 where no death was
        recorded in a band that has a population).
    """
    deaths = sum_counts(district, "sterbefaelle", level, years, by=["age_group", "sex"]).rename(
        columns={"value": "deaths"})
    pop = sum_counts(district, "einwohner", level, years, by=["age_group", "sex"]).rename(
        columns={"value": "population"})
    m = pop.merge(deaths, on=["area_id", "age_group", "sex"], how="left")
    m["deaths"] = m["deaths"].fillna(0.0)
    return m


def _reference(district, years) -> pd.DataFrame:
    """The Kreis's deaths and population by age band and sex over the base areas with complete
    rows of both (``attrs["left_out"]``: the others, left out of deaths and population alike)."""
    kw = {"by": ["age_group", "sex"], "among": ["einwohner", "sterbefaelle"]}
    deaths = sum_complete(district, "sterbefaelle", "kreis", years, **kw).rename(columns={"value": "deaths"})
    pop = sum_complete(district, "einwohner", "kreis", years, **kw)
    left_out = pop.attrs["left_out"]
    m = pop.rename(columns={"value": "population"}).merge(deaths, on=["area_id", "age_group", "sex"], how="left")
    m["deaths"] = m["deaths"].fillna(0.0)
    m.attrs["left_out"] = left_out
    return m


def pooled_mortality(district, year: int | None = None, pool: int = 5) -> pd.DataFrame:
    """Deaths pooled over the last ``pool`` years per municipality and for the Kreis.

    Parameters
    ----------
    district : District
    year : int, optional
        Last pooled year (default: the district's report year).
    pool : int
        Number of years pooled.

    Returns
    -------
    DataFrame
        One row per municipality (``gemeindeverband`` level, in the order of the area tree) and
        a last row for the Kreis with ``area_id``, ``name``, ``observed`` (deaths),
        ``person_years``, ``expected`` (deaths expected at the Kreis rates by age band and sex),
        ``smr`` with its 95 % limits ``smr_lower`` / ``smr_upper`` (Kreis = 100), the DSR per
        100.000 (ESP 2013) with its 95 % limits ``dsr_lower`` / ``dsr_upper``, the funnel
        classification at 95 % and 99,8 % ``einstufung_95`` / ``einstufung_998``
        (``niedriger`` / ``im Rahmen`` / ``höher``; NaN for the Kreis) and
        ``reason`` ("" or why the row is NaN). ``attrs``: ``years`` (the pooled years),
        ``absent`` (municipalities with absent population rows: NaN) and ``left_out`` (base
        areas left out of the Kreis reference).

    Notes
    -----
    :math:`\\mathrm{SMR}_i = 100\\,O_i / E_i` with :math:`E_i = \\sum_{a,s} P_{ias} R_{as}`,
    :math:`R_{as}` the Kreis rate of age band *a* and sex *s* over the pooled years. The Kreis
    row's SMR is 100 by construction.

    References
    ----------
    Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, Vol. II. IARC.
    Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance.
    Statistics in Medicine 24: 1185-1202.
    """
    year = report_year(district, year)
    years = pool_years(district, year, pool)
    kreis_id = district.kreis["area_id"]
    muni = mortality_input(district, years, "gemeindeverband")
    # a municipality with absent population rows is left out (its rows stay NaN: "fehlt"); the Kreis
    # reference is computed over the complete base areas and says so (attrs["left_out"])
    absent = sorted(set(muni.loc[muni["population"].isna(), "area_id"]))
    muni = muni[~muni["area_id"].isin(absent)]
    kreis = _reference(district, years)
    both = pd.concat([muni, kreis], ignore_index=True)
    # SMR: indirect standardisation against the Kreis by age band and sex
    band = lambda df: df["sex"] + " " + df["age_group"]
    ref = pd.DataFrame({"band": band(kreis), "count": kreis["deaths"], "population": kreis["population"]})
    data = pd.DataFrame({"area_id": both["area_id"], "band": band(both), "count": both["deaths"],
                         "population": both["population"]})
    s = isr(data, ref, age_group="band", by="area_id")
    # DSR (ESP 2013, sexes together)
    by_age = both.groupby(["area_id", "age_group"], as_index=False)[["deaths", "population"]].sum()
    r = dsr(by_age, "deaths", "population", by="area_id")
    r = r.rename(columns={"value": "dsr", "lower": "dsr_lower", "upper": "dsr_upper",
                          "total_pop": "person_years"})
    out = s.merge(r[["area_id", "dsr", "dsr_lower", "dsr_upper", "person_years"]], on="area_id")
    munis = out[out["area_id"] != kreis_id]
    fs = funnel_significance(munis, "observed", "expected", "ratio", multiplier=100)
    out = out.merge(fs[["area_id", "einstufung_95", "einstufung_998"]], on="area_id", how="left")
    order = [*level_ids(district, "gemeindeverband"), kreis_id]
    out = out.set_index("area_id").reindex(order).reset_index()
    out.insert(1, "name", out["area_id"].map(area_names(district)))
    out["reason"] = np.where(out["area_id"].isin(absent),
                             "incomplete: einwohner " + _span(years) + " (absent rows)", "")
    out.attrs["years"] = years
    out.attrs["absent"] = absent
    out.attrs["left_out"] = kreis.attrs["left_out"]
    return out


def kreis_dsr_by_year(district) -> pd.DataFrame:
    """The Kreis DSR per 100.000 (ESP 2013) per year, for both sexes together and per sex.

    A year in which a base area lacks rows of ``einwohner`` or ``sterbefaelle`` is left out (a
    value from part of the Kreis would not be comparable with the other years).

    Returns
    -------
    DataFrame
        The columns of :func:`sozialanalyse.stats.health.dsr` (``value`` with its 95 % limits
        ``lower`` / ``upper``, ...) with ``year`` and ``sex`` (``insgesamt``, ``w``, ``m``), the rows of
        both sexes first; ``attrs["absent"]`` lists the years left out.
    """
    absent = [y for y in district.years if gap_base_areas(district, ["einwohner", "sterbefaelle"], [y])]
    m = pd.concat([mortality_input(district, [y], "kreis").assign(year=y) for y in district.years
                   if y not in absent], ignore_index=True)
    per_sex = dsr(m, "deaths", "population", by=["year", "sex"])
    total = dsr(m.groupby(["year", "age_group"], as_index=False)[["deaths", "population"]].sum(),
                "deaths", "population", by="year").assign(sex="insgesamt")
    res = pd.concat([total, per_sex], ignore_index=True)
    res.attrs["absent"] = absent
    return res
