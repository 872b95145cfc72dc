"""Care need of a district: population and care-recipient projection per municipality.

The statistics floor (imports only :mod:`sozialanalyse.model` and this floor). Puts the
building blocks of :mod:`sozialanalyse.stats.projection` (survival, fertility, residual
migration, cohort-component projection, care scenarios) together on a district's counts:
a cohort-component projection per municipality with the Kreis survival rates, then the care
need under the scenarios status quo, compression and trend (:func:`care_projection`).

Missing is missing: base areas with absent rows are left out of every Kreis rate and named
(``left_out``); a municipality with absent population rows is not projected (``absent``); a
municipality with absent care rows in the base year has NaN care need (``care_absent``), never
a projection of 0.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from .aggregate import (
    area_names,
    gap_base_areas,
    pool_years,
    population_by,
    report_year,
    sum_complete,
    sum_counts,
)
from .projection import (
    care_scenarios,
    cohort_component,
    general_fertility_rate,
    residual_migration,
    survival_rates,
)

__all__ = ["TREND_CAP", "care_projection"]

#: Largest annual change of the care ratios in the trend scenario (±3 % a year).
TREND_CAP = 0.03

_CACHE: dict = {}
_SCENARIO_COLUMNS = ("status_quo", "compression", "trend", "recipients_min", "recipients_max",
                     "staff_min", "staff_max")


def care_projection(district, year: int | None = None, end_year: int = 2040, pool: int = 5) -> dict:
    """Population and care-need projection per municipality and for the Kreis.

    Parameters
    ----------
    district : District
    year : int, optional
        Base year (default: the district's report year); the projection starts at 31.12.
    end_year : int
        Last projected year.
    pool : int
        Number of years up to ``year`` the rates are estimated from.

    Returns
    -------
    dict
        ``population``
            ``area_id`` (incl. ``Insgesamt``), ``year``, ``sex``, ``age_group``, ``population``.
        ``care``
            :func:`sozialanalyse.stats.projection.care_scenarios` output with the area ``name``
            beside ``area_id``;
            ``trend_annual_change``, ``trend_capped``, ``trend_cap`` say per row whether the cap
            cut the trend scenario. A municipality of ``care_absent`` has rows with NaN
            recipients and staff.
        ``history``
            Observed recipients per area (``area_id``, ``name``; incl. ``Insgesamt``) and year
            (``value``).
        ``trend``, ``trend_observed``, ``trend_capped``
            Per care type: the annual change applied, the change before the cap, whether the
            cap applied.
        ``years``, ``year``, ``end_year``
            The pooled years, the base year, the last year.
        ``absent``
            Municipalities with absent population rows in the pooled years: not projected, left
            out of ``Insgesamt``.
        ``care_absent``
            Municipalities with absent care rows in ``year`` (their population is projected):
            care need NaN, left out of the care and history of ``Insgesamt``.
        ``left_out``
            Base areas left out of the Kreis rates (absent rows of ``einwohner``,
            ``sterbefaelle`` or ``pflegebeduerftige`` in the pooled years).

    Notes
    -----
    Steps: (1) Kreis survival rates by age band and sex from deaths and population of the pooled
    years; (2) general fertility rate per municipality over the same years; (3) net migration per
    municipality, age band and sex as the mean residual of the annual steps of those years
    (:func:`sozialanalyse.stats.projection.residual_migration`); (4) cohort-component projection
    from 31.12. of ``year`` to ``end_year``; (5) care rates by age band, sex and type: the Kreis
    rates of ``year`` scaled per municipality and type by its observed / expected care
    recipients, so that the base year reproduces each municipality's count; (6) care need under
    the scenarios status quo, compression (one year per decade) and trend (the annual change of
    the age-standardised Kreis care ratio over the pooled years, capped at ±:data:`TREND_CAP`).

    References
    ----------
    Preston SH, Heuveline P, Guillot M (2001). Demography. Blackwell, ch. 6.
    Rothgang H, Müller R, Unger R (2012). Themenreport "Pflege 2030". Bertelsmann Stiftung.
    """
    year = report_year(district, year)
    key = (id(district), year, end_year, pool)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is district:  # an id can be reused once a district is freed
        return hit[1]
    years = pool_years(district, year, pool)
    # Base areas with absent rows are left out of every Kreis rate (survival, care, trend) alike, not
    # counted as 0; a municipality with absent population rows is not projected ("fehlt") and the
    # Kreis total ("Insgesamt") is the sum of the projected municipalities (absent, left_out).
    left_out = gap_base_areas(district, ["einwohner", "sterbefaelle", "pflegebeduerftige"], years)
    ref = {"among": ["einwohner", "sterbefaelle", "pflegebeduerftige"], "exclude": left_out}
    # (1) survival, Kreis
    deaths = sum_complete(district, "sterbefaelle", "kreis", years, by=["sex", "age_group"], **ref).rename(
        columns={"value": "deaths"})
    kpop = sum_complete(district, "einwohner", "kreis", years, by=["sex", "age_group"], **ref).rename(
        columns={"value": "population"})
    surv = survival_rates(kpop.merge(deaths, on=["area_id", "sex", "age_group"], how="left").fillna({"deaths": 0}),
                          by=("sex", "age_group"))
    # (2) fertility per municipality (pooled)
    mpop = population_by(district, "gemeindeverband", years)
    absent = sorted(set(mpop.loc[mpop["population"].isna(), "area_id"]))
    mpop = mpop[~mpop["area_id"].isin(absent)]
    births = sum_counts(district, "geburten", "gemeindeverband", years).set_index("area_id")["value"]
    births = births[~births.index.isin(absent)]
    women = mpop.groupby(["area_id", "sex", "age_group"], as_index=False)["population"].sum()
    gfr = general_fertility_rate(births, women)
    # (3) residual migration, mean of the annual steps inside the pooled years
    steps = []
    for y0, y1 in itertools.pairwise(years):
        p0 = mpop[mpop["year"] == y0].drop(columns="year")
        p1 = mpop[mpop["year"] == y1].drop(columns="year")
        steps.append(residual_migration(p0, p1, surv, gfr))
    migration = (pd.concat(steps).groupby(["area_id", "sex", "age_group"], as_index=False)["migration"].mean()
                 if steps else None)
    # (4) projection
    base = mpop[mpop["year"] == year].drop(columns="year")
    proj = cohort_component(base, surv, gfr, migration, years=list(range(year, end_year + 1)), base_year=year)
    ktot = proj.groupby(["year", "sex", "age_group"], as_index=False)["population"].sum().assign(area_id="Insgesamt")
    population = pd.concat([proj, ktot[proj.columns]], ignore_index=True)
    # (5) care rates: Kreis rates by sex, age, type, scaled per municipality and type (O/E)
    kc = sum_complete(district, "pflegebeduerftige", "kreis", [year], by=["sex", "age_group", "type"], **ref)
    kp = sum_complete(district, "einwohner", "kreis", [year], by=["sex", "age_group"], **ref)
    krates = kc.merge(kp, on=["area_id", "sex", "age_group"], suffixes=("", "_pop"))
    krates["rate"] = np.where(krates["value_pop"] > 0, krates["value"] / krates["value_pop"], 0.0)
    krates = krates[["sex", "age_group", "type", "rate"]]
    mc = sum_counts(district, "pflegebeduerftige", "gemeindeverband", [year], by=["type"]).rename(
        columns={"value": "observed"})
    exp = base.merge(krates, on=["sex", "age_group"])
    exp["expected"] = exp["population"] * exp["rate"]
    exp = exp.groupby(["area_id", "type"], as_index=False)["expected"].sum().merge(mc, on=["area_id", "type"], how="left")
    # a municipality whose observed recipients of a type are unknown (absent care rows: NaN) has
    # no factor: its care need is NaN ("fehlt"), never a projection of 0
    care_absent = sorted(set(exp.loc[exp["observed"].isna(), "area_id"]))
    exp = exp[~exp["area_id"].isin(care_absent)]
    exp["factor"] = np.where(exp["expected"] > 0, exp["observed"] / exp["expected"], 1.0)
    rates = krates.merge(exp[["area_id", "type", "factor"]], on="type")
    rates["rate"] = (rates["rate"] * rates["factor"]).clip(upper=1.0)
    rates = rates[["area_id", "sex", "age_group", "type", "rate"]]
    # (6) trend: annual change of the age-standardised care ratio (observed / expected at the
    # rates of the report year) over the pooled years, per type
    first = years[0]
    fc = sum_complete(district, "pflegebeduerftige", "kreis", [first], by=["type"], **ref).set_index("type")["value"]
    fp = sum_complete(district, "einwohner", "kreis", [first], by=["sex", "age_group"], **ref)
    fe = fp.merge(krates, on=["sex", "age_group"]).assign(e=lambda t: t["value"] * t["rate"]).groupby("type")["e"].sum()
    observed = {}
    for t in fe.index:
        ratio = fe[t] / fc[t] if fc.get(t, 0) > 0 else 1.0  # rates of `year` relative to `first`
        observed[t] = float(ratio ** (1 / max(year - first, 1)) - 1 if year > first else 0.0)
    trend = {t: float(np.clip(g, -TREND_CAP, TREND_CAP)) for t, g in observed.items()}
    care = care_scenarios(proj[~proj["area_id"].isin(care_absent)], rates, annual_change=observed,
                          trend_cap=TREND_CAP, base_year=year, end_year=end_year)
    if care_absent:  # rows of NaN recipients (the scenario assumptions per type stay)
        total = care[care["area_id"] == "Insgesamt"]
        gone = [total.assign(area_id=a) for a in care_absent]
        gone = pd.concat(gone, ignore_index=True)
        gone[[c for c in _SCENARIO_COLUMNS if c in gone.columns]] = np.nan
        care = pd.concat([care, gone], ignore_index=True)
    names = area_names(district)
    care.insert(care.columns.get_loc("area_id") + 1, "name", care["area_id"].map(names).fillna(district.name))
    hist = sum_counts(district, "pflegebeduerftige", "gemeindeverband", district.years, by=["year"])
    without = set(absent) | set(care_absent)
    if without:  # "Insgesamt" observed over the same municipalities as projected; NaN stays NaN
        ktot = hist[~hist["area_id"].isin(without)].groupby("year", as_index=False)["value"].agg(
            lambda v: v.sum(skipna=False))
    else:
        ktot = sum_counts(district, "pflegebeduerftige", "kreis", district.years, by=["year"])
    hist = pd.concat([hist, ktot.assign(area_id="Insgesamt")[hist.columns]], ignore_index=True)
    hist = hist[~hist["area_id"].isin(absent)]
    hist.insert(hist.columns.get_loc("area_id") + 1, "name", hist["area_id"].map(names).fillna(district.name))
    out = {"absent": absent, "care_absent": care_absent, "left_out": left_out,
           "population": population, "care": care, "history": hist, "trend": trend, "years": years,
           "year": year, "end_year": end_year, "trend_observed": observed,
           "trend_capped": {t: trend[t] != g for t, g in observed.items()}}
    _CACHE.clear()
    _CACHE[key] = (district, out)
    return out
