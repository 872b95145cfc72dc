"""Population projection (cohort-component method) and long-term care need (Pflegebedarf).

Population tables are long: one row per area, sex (``m``/``w``), five-year age band
(``0-4`` ... ``85-89``, ``90+``; :data:`sozialanalyse.model.areas.AGE_GROUPS`) and year.

**Choice of step.** :func:`cohort_component` steps by one calendar year: each year the
survivors of a five-year band move on by a fifth (uniform ages within the band), the rest stay;
the open band ``90+`` keeps its survivors. Annual steps give a value for every year up to
2040 (which a five-year step from e.g. 2023 does not reach) and let births, deaths and migration
be updated yearly.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..model.areas import AGE_GROUPS, age_groups_between
from . import _checks as check

__all__ = [
    "CARE_TYPES",
    "CARE_TYPE_LABELS",
    "SCENARIO_LABELS",
    "SEXES",
    "care_need",
    "care_scenarios",
    "cohort_component",
    "general_fertility_rate",
    "residual_migration",
    "survival_rates",
]

SEXES = ("m", "w")
#: Types of care benefit (SGB XI): cash benefit, home care service, residential care.
CARE_TYPES = ("pflegegeld", "ambulant", "stationaer")
#: German labels for report readers.
CARE_TYPE_LABELS = {
    "pflegegeld": "Pflegegeld",
    "ambulant": "ambulante Pflege",
    "stationaer": "stationäre Pflege",
}
SCENARIO_LABELS = {
    "status_quo": "Status quo (konstante Pflegequoten)",
    "compression": "Kompression (Pflegebedürftigkeit verschiebt sich ins höhere Alter)",
    "trend": "Trend (jährliche Veränderung der Pflegequoten)",
}


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _to_array(fn, df, value, areas, age_groups, area, what, sexes=SEXES):
    """Long table -> array [area, sex, band]; a table without area column applies to all."""
    check.columns(fn, df, ["sex", "age_group", value], what)
    check.numeric(fn, df, [value], what, keys=[area, "sex", "age_group"])
    unknown = sorted(set(df["age_group"].astype(str)) - set(age_groups))
    if unknown:
        raise ValueError(f"{fn}(): {what} has unknown age band(s) {unknown} "
                         f"(age_groups: {list(age_groups)})")
    bad_sex = sorted(set(df["sex"]) - set(sexes))
    if bad_sex:
        raise ValueError(f"{fn}(): {what} has unknown sex value(s) {bad_sex}; use {list(sexes)}")
    keys = ["sex", "age_group"]
    has_area = area in df.columns
    if has_area:
        keys = [area, *keys]
    if df.duplicated(keys).any():
        pos = check.first_bad(df.duplicated(keys))
        raise ValueError(f"{fn}(): {what} has more than one row "
                         f"{check.location(df, pos, keys)}")
    idx = pd.MultiIndex.from_product(
        ([list(areas)] if has_area else []) + [list(sexes), list(age_groups)], names=keys
    )
    s = df.assign(age_group=df["age_group"].astype(str)).set_index(keys)[value].astype(float)
    s = s.reindex(idx)
    if s.isna().any():
        first = s.index[s.isna().to_numpy()][0]
        where = ", ".join(f"{k} {check.show(v)}" for k, v in zip(keys, np.atleast_1d(first)))
        raise ValueError(f"{fn}(): {what} has no value in column {value!r} for {where}")
    arr = s.to_numpy().reshape((len(areas) if has_area else 1, len(sexes), len(age_groups)))
    return np.broadcast_to(arr, (len(areas), len(sexes), len(age_groups))).copy()


# ---------------------------------------------------------------------------------------------
# rates from data
# ---------------------------------------------------------------------------------------------


def survival_rates(data: pd.DataFrame, deaths: str = "deaths", population: str = "population",
                   by=("sex", "age_group")) -> pd.DataFrame:
    """Annual survival probabilities from deaths and mid-year population.

    Parameters
    ----------
    data : DataFrame
        Deaths and population by ``by`` (e.g. area, sex, age band); rows of several years are
        pooled (summed) before the rate is taken.
    deaths, population : str
        Column names.
    by : sequence of str
        Columns that define one rate (add the area column for area-specific rates).

    Returns
    -------
    DataFrame
        ``by`` columns, ``mortality`` (m) and ``survival`` (s).

    Notes
    -----
    Central death rate :math:`m = D/P`; probability of dying within a year
    :math:`q = 2m/(2+m)` (deaths spread evenly over the year); :math:`s = 1 - q
    = (1 - m/2)/(1 + m/2)`.

    References
    ----------
    Preston SH, Heuveline P, Guillot M (2001). Demography: Measuring and Modeling Population
    Processes. Oxford: Blackwell, ch. 3 (conversion of m to q with a = 0.5).

    Examples
    --------
    >>> d = pd.DataFrame({"sex": ["w"], "age_group": ["80-84"], "deaths": [10],
    ...                   "population": [1000]})
    >>> round(float(survival_rates(d)["survival"].iloc[0]), 6)
    0.99005
    """
    by = list(by)
    check.columns("survival_rates", data, [*by, deaths, population])
    check.numeric("survival_rates", data, [deaths, population], keys=["area_id", *by])
    check.non_negative("survival_rates", data[deaths], deaths, data, ["area_id", *by])
    g = data.groupby(by, sort=False)[[deaths, population]].sum().reset_index()
    check.positive("survival_rates", g[population], f"{population} (summed)", g, by)
    m = g[deaths] / g[population]
    g["mortality"] = m
    g["survival"] = ((1 - m / 2) / (1 + m / 2)).clip(lower=0)
    return g.drop(columns=[deaths, population])


def general_fertility_rate(births, population: pd.DataFrame, *, area: str = "area_id",
                           value: str = "population") -> pd.Series:
    """General fertility rate: births per woman aged 15-49, per area.

    Parameters
    ----------
    births : Series or scalar
        Births per year, indexed by area (or one number for one area).
    population : DataFrame
        Long population with ``area``, ``sex``, ``age_group`` and ``value`` columns.

    Returns
    -------
    Series
        GFR indexed by area.

    Notes
    -----
    .. math:: GFR = B / W_{15-49}

    References
    ----------
    Preston SH, Heuveline P, Guillot M (2001). Demography, ch. 5.

    Examples
    --------
    >>> p = pd.DataFrame({"area_id": "A", "sex": "w", "age_group": ["20-24", "50-54"],
    ...                   "population": [1000, 500]})
    >>> float(general_fertility_rate(pd.Series({"A": 50}), p)["A"])
    0.05
    """
    check.columns("general_fertility_rate", population, [area, "sex", "age_group", value],
                  "population")
    fertile = population["age_group"].isin(age_groups_between(15, 49)) & population["sex"].eq("w")
    women = population[fertile].groupby(area)[value].sum()
    births = births if isinstance(births, pd.Series) else pd.Series(births, index=women.index)
    none = women.reindex(births.index).fillna(0) <= 0
    if none.any():
        raise ValueError(f"general_fertility_rate(): no women aged 15-49 in {area} "
                         f"{check.show(births.index[none.to_numpy()][0])}, which has births")
    return (births / women.reindex(births.index)).rename("gfr")


# ---------------------------------------------------------------------------------------------
# cohort-component projection
# ---------------------------------------------------------------------------------------------


def _step(P, S, fert, migr, male_share, width):
    """One annual step. P, S, migr: [area, sex, band]; fert: [area, band] ASFR."""
    births = (fert * P[:, 1, :]).sum(axis=1)  # women at the start of the year, [area]
    Q = P * S  # survivors
    move = Q / width
    new = Q - move
    new[:, :, 1:] += move[:, :, :-1]
    new[:, :, -1] += move[:, :, -1]  # open band keeps its survivors
    share = np.array([male_share, 1 - male_share])
    new[:, :, 0] += births[:, None] * share[None, :] * np.sqrt(S[:, :, 0])
    new += migr
    return np.maximum(new, 0.0), births


def _fertility_array(fertility, areas, age_groups, fertile_groups, area):
    """Fertility as [area, band] rates per woman: GFR spread over the fertile bands, or ASFR."""
    n_a, n_b = len(areas), len(age_groups)
    fertile = np.array([b in set(fertile_groups) for b in age_groups], dtype=float)
    if isinstance(fertility, pd.DataFrame):
        check.columns("cohort_component", fertility, ["age_group", "fertility"], "fertility")
        check.numeric("cohort_component", fertility, ["fertility"], "fertility",
                      keys=[area, "age_group"])
        check.non_negative("cohort_component", fertility["fertility"], "fertility", fertility,
                           [area, "age_group"])
        f = fertility.assign(age_group=fertility["age_group"].astype(str))
        unknown = sorted(set(f["age_group"]) - set(age_groups))
        if unknown:
            raise ValueError(f"cohort_component(): fertility has unknown age band(s) {unknown}")
        if area in f.columns:
            wide = f.pivot_table(index=area, columns="age_group", values="fertility",
                                 aggfunc="sum")
            missing = sorted(set(areas) - set(wide.index))
            if missing:
                raise ValueError(f"cohort_component(): fertility has no rates for {area} "
                                 f"{', '.join(map(check.show, missing))}")
            arr = wide.reindex(index=list(areas), columns=list(age_groups)).fillna(0).to_numpy()
        else:
            s = f.groupby("age_group")["fertility"].sum()
            arr = np.broadcast_to(s.reindex(list(age_groups)).fillna(0).to_numpy(), (n_a, n_b))
        arr = np.array(arr, dtype=float)
    elif isinstance(fertility, pd.Series):
        missing = sorted(set(areas) - set(fertility.index))
        if missing:
            raise ValueError(f"cohort_component(): fertility has no rate for {area} "
                             f"{', '.join(map(check.show, missing))}")
        arr = fertility.reindex(list(areas)).to_numpy(dtype=float)[:, None] * fertile[None, :]
    else:
        arr = np.full((n_a, 1), float(fertility)) * fertile[None, :]
    if np.any(arr < 0) or np.any(np.isnan(arr)):
        pos = check.first_bad((arr < 0) | np.isnan(arr))
        a = areas[pos // n_b]
        raise ValueError(f"cohort_component(): fertility rates must be non-negative numbers, got "
                         f"{check.show(arr.ravel()[pos])} for {area} {check.show(a)}")
    return arr


def cohort_component(
    base_pop: pd.DataFrame,
    survival: pd.DataFrame,
    fertility,
    migration: pd.DataFrame | None = None,
    years: int | Iterable[int] = 10,
    *,
    area: str = "area_id",
    value: str = "population",
    base_year: int | None = None,
    age_groups=AGE_GROUPS,
    fertile_groups=None,
    band_width: int = 5,
    sex_ratio_at_birth: float = 1.05,
    return_births: bool = False,
):
    """Cohort-component population projection by five-year age band and sex, per area.

    Parameters
    ----------
    base_pop : DataFrame
        Base population: ``area``, ``sex`` (``m``/``w``), ``age_group``, ``value``; an optional
        ``year`` column (one value) gives the base year.
    survival : DataFrame
        Annual survival probabilities (``sex``, ``age_group``, ``survival``; with an ``area``
        column for area-specific rates), e.g. from :func:`survival_rates`.
    fertility : float, Series or DataFrame
        General fertility rate (births per woman in ``fertile_groups`` per year; a Series for
        one rate per area, e.g. :func:`general_fertility_rate`) or age-specific rates as a
        DataFrame with ``age_group`` and ``fertility`` (and optionally ``area``) columns.
    migration : DataFrame, optional
        Net migration per year (``sex``, ``age_group``, ``migration``, optionally ``area``),
        given or estimated with :func:`residual_migration`; constant over the projection.
    years : int or iterable of int
        Number of annual steps, or the calendar years to return (projection runs to the last).
    base_year : int, optional
        Calendar year of ``base_pop`` (default: its ``year`` column, else 0).
    age_groups : sequence of str
        Ordered bands, the last open-ended (default the 19 project bands).
    fertile_groups : sequence of str, optional
        Bands of women a general fertility rate applies to (default 15-19 ... 45-49).
    band_width : int
        Width of the closed bands in years (a ``1/band_width`` share moves on each year).
    sex_ratio_at_birth : float
        Boys per girl (1.05).
    return_births : bool
        Also return the projected births (years x areas).

    Returns
    -------
    DataFrame, or (DataFrame, DataFrame) with ``return_births``
        ``area``, ``year``, ``sex``, ``age_group``, ``value`` for the base year and every
        requested year; births per projected year (rows) and area (columns).

    Notes
    -----
    One annual step for band :math:`a` (survival :math:`s_a`, population :math:`P_a`,
    net migration :math:`M_a`, width :math:`w = 5`):

    .. math::

        P_a(t+1) = (1 - \\tfrac{1}{w}) s_a P_a(t) + \\tfrac{1}{w} s_{a-1} P_{a-1}(t) + M_a

    the open band keeps all its survivors, :math:`P_{90+}(t+1) = s_{90+}P_{90+}(t) +
    \\tfrac{1}{w}s_{85-89}P_{85-89}(t) + M_{90+}`; births :math:`B = \\sum_a f_a W_a(t)`
    (women at the start of the year) enter ``0-4`` split by the sex ratio at birth
    (:math:`B \\cdot 1.05/2.05` boys) after half a year of infant survival,
    :math:`B_s \\sqrt{s_{0-4,s}}`. Negative results are set to 0.

    References
    ----------
    Preston SH, Heuveline P, Guillot M (2001). Demography, ch. 6 (cohort-component
    projection); Statistisches Bundesamt (2022). Bevölkerung Deutschlands bis 2070 -
    Ergebnisse der 15. koordinierten Bevölkerungsvorausberechnung (method).

    Examples
    --------
    >>> base = pd.DataFrame({"area_id": "A", "sex": ["m", "w", "m", "w"],
    ...                      "age_group": ["0-4", "0-4", "5+", "5+"],
    ...                      "population": [100., 100., 400., 400.]})
    >>> surv = pd.DataFrame({"sex": ["m", "w", "m", "w"], "age_group": ["0-4", "0-4", "5+", "5+"],
    ...                      "survival": 1.0})
    >>> out = cohort_component(base, surv, 0.0, years=1, age_groups=("0-4", "5+"),
    ...                        fertile_groups=("5+",))
    >>> out[out.year == 1]["population"].tolist()
    [80.0, 420.0, 80.0, 420.0]
    """
    age_groups = tuple(age_groups)
    if fertile_groups is None:
        fertile_groups = [b for b in age_groups_between(15, 49) if b in age_groups]
    check.columns("cohort_component", base_pop, [area, "sex", "age_group", value], "base_pop")
    check.numeric("cohort_component", base_pop, [value], "base_pop", keys=[area, "sex", "age_group"])
    check.non_negative("cohort_component", base_pop[value], value, base_pop,
                       [area, "sex", "age_group"])
    if base_year is None:
        if "year" in base_pop.columns:
            ys = base_pop["year"].unique()
            if len(ys) != 1:
                raise ValueError(f"cohort_component(): base_pop holds several years "
                                 f"{sorted(ys)}; pass one year")
            base_year = int(ys[0])
        else:
            base_year = 0
    if isinstance(years, (int, np.integer)):
        if years < 0:
            raise ValueError(f"cohort_component(): years must not be negative, got {years!r}")
        wanted = list(range(base_year, base_year + int(years) + 1))
    else:
        wanted = sorted({int(y) for y in years} | {base_year})
        if wanted[0] < base_year:
            raise ValueError(f"cohort_component(): years: cannot project backwards from "
                             f"{base_year} to {wanted[0]}")
    if band_width < 1:
        raise ValueError(f"cohort_component(): band_width must be at least 1, got {band_width!r}")
    areas = list(pd.unique(base_pop[area]))
    P = _to_array("cohort_component", base_pop, value, areas, age_groups, area, "base_pop")
    S = _to_array("cohort_component", survival, "survival", areas, age_groups, area, "survival")
    sv = survival["survival"].to_numpy(dtype=float)
    pos = check.first_bad((sv < 0) | (sv > 1))
    if pos is not None:
        raise ValueError(f"cohort_component(): survival probabilities must lie between 0 and 1, "
                         f"got {check.show(sv[pos])} "
                         f"{check.location(survival, pos, [area, 'sex', 'age_group'])}")
    if migration is None:
        M = np.zeros_like(P)
    else:
        M = _to_array("cohort_component", migration, "migration", areas, age_groups, area,
                      "migration")
    fert = _fertility_array(fertility, areas, age_groups, fertile_groups, area)
    male_share = sex_ratio_at_birth / (1 + sex_ratio_at_birth)
    frames, births = {base_year: P.copy()}, {}
    for year in range(base_year + 1, wanted[-1] + 1):
        P, b = _step(P, S, fert, M, male_share, band_width)
        frames[year] = P.copy()
        births[year] = b
    idx = pd.MultiIndex.from_product([areas, SEXES, age_groups], names=[area, "sex", "age_group"])
    out = pd.concat(
        [pd.DataFrame({"year": y, value: frames[y].reshape(-1)}, index=idx) for y in wanted]
    ).reset_index()
    out = out[[area, "year", "sex", "age_group", value]]
    if return_births:
        b = pd.DataFrame(births, index=pd.Index(areas, name=area)).T.rename_axis("year")
        return out, b
    return out


def residual_migration(
    pop_start: pd.DataFrame,
    pop_end: pd.DataFrame,
    survival: pd.DataFrame,
    fertility,
    *,
    area: str = "area_id",
    value: str = "population",
    age_groups=AGE_GROUPS,
    fertile_groups=None,
    band_width: int = 5,
    sex_ratio_at_birth: float = 1.05,
) -> pd.DataFrame:
    """Net migration by area, sex and band estimated as the residual of one annual step.

    Notes
    -----
    :math:`M_a = P_a^{obs}(t+1) - \\hat P_a(t+1)` with :math:`\\hat P` the projection of
    :math:`P(t)` one year on without migration (:func:`cohort_component`).

    References
    ----------
    Preston SH, Heuveline P, Guillot M (2001). Demography, ch. 6 (residual methods).

    Examples
    --------
    >>> p0 = pd.DataFrame({"area_id": "A", "sex": ["m", "w", "m", "w"],
    ...                    "age_group": ["0-4", "0-4", "5+", "5+"], "population": 100.})
    >>> p1 = p0.assign(population=[90., 90., 115., 115.])
    >>> s = p0[["sex", "age_group"]].assign(survival=1.0)
    >>> residual_migration(p0, p1, s, 0.0, age_groups=("0-4", "5+"),
    ...                    fertile_groups=("5+",))["migration"].tolist()
    [10.0, -5.0, 10.0, -5.0]
    """
    kw = {"area": area, "value": value, "age_groups": age_groups, "fertile_groups": fertile_groups,
              "band_width": band_width, "sex_ratio_at_birth": sex_ratio_at_birth}
    start = pop_start.drop(columns="year", errors="ignore")
    proj = cohort_component(start, survival, fertility, None, 1, base_year=0, **kw)
    proj = proj[proj["year"] == 1].drop(columns="year")
    end = pop_end.drop(columns="year", errors="ignore")
    check.columns("residual_migration", end, [area, "sex", "age_group", value], "pop_end")
    m = proj.merge(end, on=[area, "sex", "age_group"], how="left", suffixes=("_proj", ""))
    if m[value].isna().any():
        pos = check.first_bad(m[value].isna())
        raise ValueError(f"residual_migration(): pop_end has no value in column {value!r} "
                         f"{check.location(m, pos, [area, 'sex', 'age_group'])} (pop_start has)")
    m["migration"] = m[value] - m[f"{value}_proj"]
    return m[[area, "sex", "age_group", "migration"]]


# ---------------------------------------------------------------------------------------------
# long-term care need
# ---------------------------------------------------------------------------------------------


def _shift_rates(R, shift_bands):
    """Rates [..., band] read ``shift_bands`` bands younger (linear, flat beyond the ends).

    ``shift_bands`` broadcasts against ``R[..., :1]``.
    """
    n = R.shape[-1]
    u = np.arange(n) - shift_bands
    u = np.clip(u, 0, n - 1)
    k = np.floor(u).astype(int)
    k1 = np.minimum(k + 1, n - 1)
    f = u - k
    return np.take_along_axis(R, np.broadcast_to(k, np.broadcast_shapes(R.shape, k.shape)),
                              -1) * (1 - f) + np.take_along_axis(
        R, np.broadcast_to(k1, np.broadcast_shapes(R.shape, k1.shape)), -1) * f


def care_need(
    population_projection: pd.DataFrame,
    care_rates: pd.DataFrame,
    scenario: str = "status_quo",
    *,
    area: str = "area_id",
    value: str = "population",
    base_year: int | None = None,
    end_year: int = 2040,
    shift_years_per_decade: float = 1.0,
    annual_change: dict | None = None,
    trend_cap: float | None = None,
    staff_ratio: dict | None = None,
    age_groups=AGE_GROUPS,
    band_width: int = 5,
    total_label: str = "Insgesamt",
) -> pd.DataFrame:
    """Number of people in need of long-term care (and staff) from Pflegequoten and population.

    Parameters
    ----------
    population_projection : DataFrame
        ``area``, ``year``, ``sex``, ``age_group``, ``value`` (e.g. :func:`cohort_component`).
    care_rates : DataFrame
        Pflegequoten as shares (0-1): ``sex``, ``age_group``, ``type`` (``pflegegeld``,
        ``ambulant``, ``stationaer``), ``rate``; with an ``area`` column for area-specific
        rates. Bands without a row have rate 0.
    scenario : {"status_quo", "compression", "trend"}
        ``status_quo``: rates of the base year throughout. ``compression``: rates move to
        older ages by ``shift_years_per_decade`` years per decade after the base year.
        ``trend``: rates change by ``annual_change[type]`` per year (e.g. 0.02 = +2 %).
    trend_cap : float, optional
        Largest absolute annual change of the ``trend`` scenario (e.g. 0.03 = ±3 % a year):
        ``annual_change`` beyond it is cut to ``±trend_cap`` and the rows say so (``capped``).
    base_year : int, optional
        Year the rates refer to (default: first year of the projection).
    end_year : int
        Last year returned (2040).
    staff_ratio : dict, optional
        Care recipients per full-time staff member by type, e.g.
        ``{"ambulant": 2.5, "stationaer": 1.3}``; staff need = recipients / ratio (NaN for
        types without a ratio, e.g. Pflegegeld).
    total_label : str
        Area label of the rows summed over all areas.

    Returns
    -------
    DataFrame
        ``area``, ``year``, ``type``, ``scenario``, ``recipients``, ``staff`` per area and
        for the total (``area == total_label``), summed over sex and age; ``annual_change``
        (the change applied in the ``trend`` scenario, NaN in the others), ``capped`` (True
        where ``trend_cap`` cut the requested change) and ``cap`` (``trend_cap``, NaN without).

    Notes
    -----
    Status quo: :math:`N_{t,k} = \\sum_{a,s} r_{a,s,k} P_{a,s,t}`.
    Trend: :math:`r_{a,s,k}(t) = r_{a,s,k}(1+g_k)^{t-t_0}`.
    Compression: with shift :math:`\\delta_t = c (t - t_0)/10` years,
    :math:`r_{a,s,k}(t) = r_{s,k}(x_a - \\delta_t)` where :math:`r_{s,k}(x)` interpolates the
    base rates linearly between band midpoints :math:`x_a` (2.5, 7.5, ..., 92.5) and is
    constant beyond the first and last midpoints. As care rates rise with age, the shift lowers
    the need (healthy-ageing / "compression of morbidity" hypothesis).

    References
    ----------
    Fries JF (1980). Aging, natural death, and the compression of morbidity. N Engl J Med 303:
    130-135. Statistisches Bundesamt (2023). Pflegevorausberechnung: Status-quo-Szenario.
    Rothgang H, Müller R, Unger R (2012). Themenreport "Pflege 2030". Gütersloh: Bertelsmann
    Stiftung (scenarios of constant and shifting care rates).

    Examples
    --------
    >>> pop = pd.DataFrame({"area_id": "A", "year": 2025, "sex": "w",
    ...                     "age_group": ["80-84", "85-89"], "population": [1000., 500.]})
    >>> rates = pd.DataFrame({"sex": "w", "age_group": ["80-84", "85-89"],
    ...                       "type": "stationaer", "rate": [0.05, 0.10]})
    >>> r = care_need(pop, rates, staff_ratio={"stationaer": 2.0})
    >>> r[["area_id", "recipients", "staff"]].values.tolist()
    [['A', 100.0, 50.0], ['Insgesamt', 100.0, 50.0]]
    """
    if scenario not in SCENARIO_LABELS:
        raise ValueError(f"care_need(): scenario must be one of {list(SCENARIO_LABELS)}, "
                         f"got {scenario!r}")
    check.columns("care_need", population_projection, [area, "year", "sex", "age_group", value],
                  "population_projection")
    check.numeric("care_need", population_projection, [value], "population_projection",
                  keys=[area, "year", "sex", "age_group"])
    check.columns("care_need", care_rates, ["sex", "age_group", "type", "rate"], "care_rates")
    check.numeric("care_need", care_rates, ["rate"], "care_rates",
                  keys=[area, "sex", "age_group", "type"])
    rate_keys = [area, "sex", "age_group", "type"]
    age_groups = tuple(age_groups)
    bad_types = sorted(set(care_rates["type"]) - set(CARE_TYPES))
    if bad_types:
        raise ValueError(f"care_need(): care_rates column 'type' has unknown care type(s) "
                         f"{bad_types}; use {list(CARE_TYPES)}")
    pos = check.first_bad((care_rates["rate"] < 0) | (care_rates["rate"] > 1))
    if pos is not None:
        raise ValueError(f"care_need(): care_rates column 'rate' must hold shares between 0 and 1, "
                         f"got {check.show(care_rates['rate'].iloc[pos])} "
                         f"{check.location(care_rates, pos, rate_keys)}")
    unknown = sorted(set(care_rates["age_group"].astype(str)) - set(age_groups))
    if unknown:
        raise ValueError(f"care_need(): care_rates has unknown age band(s) {unknown}")
    pop = population_projection
    if base_year is None:
        base_year = int(pop["year"].min())
    pop = pop[(pop["year"] >= base_year) & (pop["year"] <= end_year)]
    if pop.empty:
        raise ValueError(f"care_need(): population_projection has no population between "
                         f"{base_year} and {end_year}")
    years = np.sort(pop["year"].unique())

    # rates wide: rows (area?, sex, type), columns bands
    keys = ([area] if area in care_rates.columns else []) + ["sex", "type"]
    if care_rates.duplicated([*keys, "age_group"]).any():
        pos = check.first_bad(care_rates.duplicated([*keys, "age_group"]))
        raise ValueError(f"care_need(): care_rates has more than one row "
                         f"{check.location(care_rates, pos, rate_keys)}")
    wide = care_rates.assign(age_group=care_rates["age_group"].astype(str)).pivot_table(
        index=keys, columns="age_group", values="rate", aggfunc="sum"
    ).reindex(columns=list(age_groups)).fillna(0.0)
    R = wide.to_numpy()  # [row, band]
    dt = (years - base_year).astype(float)[:, None, None]  # [year, 1, 1]
    if scenario == "status_quo":
        Rt = np.broadcast_to(R, (len(years), *R.shape))
    elif scenario == "trend":
        if not annual_change:
            raise ValueError("care_need(): scenario 'trend' needs annual_change, "
                             "e.g. {'ambulant': 0.02}")
        bad = sorted(set(annual_change) - set(CARE_TYPES))
        if bad:
            raise ValueError(f"care_need(): annual_change has unknown care type(s) {bad}; "
                             f"use {list(CARE_TYPES)}")
        if trend_cap is not None and not 0 <= trend_cap < 1:
            raise ValueError(f"care_need(): trend_cap must be between 0 and 1 (e.g. 0.03), "
                             f"got {trend_cap!r}")
        requested = {t: float(annual_change.get(t, 0.0)) for t in CARE_TYPES}
        applied = ({t: float(np.clip(v, -trend_cap, trend_cap)) for t, v in requested.items()}
                   if trend_cap is not None else requested)
        g = wide.index.get_level_values("type").map(applied)
        g = np.asarray(g, dtype=float)[None, :, None]
        if np.any(g <= -1):
            low = {t: v for t, v in applied.items() if v <= -1}
            raise ValueError(f"care_need(): annual_change must be greater than -1, got {low!r}")
        Rt = R[None] * (1 + g) ** dt
    else:
        shift = shift_years_per_decade * dt / 10 / band_width  # in bands
        Rt = _shift_rates(np.broadcast_to(R, (len(years), *R.shape)), shift)
    long = pd.DataFrame(
        Rt.reshape(len(years) * len(wide), len(age_groups)),
        index=pd.MultiIndex.from_tuples(
            [(y, *(k if isinstance(k, tuple) else (k,))) for y in years for k in wide.index],
            names=["year", *keys]),
        columns=list(age_groups),
    ).rename_axis(columns="age_group").stack().rename("rate").reset_index()
    merged = pop.merge(long, on=[c for c in ["year", *keys, "age_group"] if c != "type"],
                       how="inner")
    if area in care_rates.columns:
        missing = sorted(set(pop[area]) - set(care_rates[area]))
        if missing:
            raise ValueError(f"care_need(): care_rates has no rates for {area} "
                             f"{', '.join(map(check.show, missing))}")
    merged["recipients"] = merged["rate"] * merged[value]
    out = merged.groupby([area, "year", "type"], as_index=False)["recipients"].sum()
    total = out.groupby(["year", "type"], as_index=False)["recipients"].sum()
    total[area] = total_label
    out = pd.concat([out, total[out.columns]], ignore_index=True)
    ratio = out["type"].map(staff_ratio or {}).astype(float)
    if (ratio <= 0).any():
        bad = {t: v for t, v in (staff_ratio or {}).items() if not float(v) > 0}
        raise ValueError(f"care_need(): staff_ratio must be positive, got {bad!r}")
    out["staff"] = out["recipients"] / ratio
    out["scenario"] = scenario
    out["annual_change"] = out["type"].map(applied).astype(float) if scenario == "trend" else np.nan
    out["capped"] = (out["type"].map(lambda t: applied[t] != requested[t]).astype(bool)
                     if scenario == "trend" else False)
    out["cap"] = np.nan if trend_cap is None else float(trend_cap)
    return out[[area, "year", "type", "scenario", "recipients", "staff", "annual_change", "capped", "cap"]]


def care_scenarios(population_projection: pd.DataFrame, care_rates: pd.DataFrame, *,
                   scenarios=("status_quo", "compression", "trend"), area: str = "area_id",
                   **kwargs) -> pd.DataFrame:
    """Care need under several scenarios with the scenario band (min / max).

    Parameters
    ----------
    scenarios : sequence of str
        Scenarios to run (see :func:`care_need`); ``trend`` needs ``annual_change``.
    **kwargs
        Passed to :func:`care_need`.

    Returns
    -------
    DataFrame
        ``area``, ``year``, ``type``, one column of recipients per scenario,
        ``recipients_min``, ``recipients_max``, ``staff_min``, ``staff_max``; with the ``trend``
        scenario also ``trend_annual_change`` (the annual change applied), ``trend_capped``
        (True where ``trend_cap`` cut it) and ``trend_cap``.

    Notes
    -----
    Band: :math:`\\min_k N_k` and :math:`\\max_k N_k` over the scenarios k.

    References
    ----------
    See :func:`care_need`.

    Examples
    --------
    >>> pop = pd.DataFrame({"area_id": "A", "year": [2025, 2035], "sex": "w",
    ...                     "age_group": "85-89", "population": 100.})
    >>> rates = pd.DataFrame({"sex": "w", "age_group": ["80-84", "85-89"],
    ...                       "type": "ambulant", "rate": [0.1, 0.2]})
    >>> b = care_scenarios(pop, rates, annual_change={"ambulant": 0.0}, shift_years_per_decade=5)
    >>> b[(b.area_id == "A") & (b.year == 2035)][["recipients_min", "recipients_max"]].values
    array([[10., 20.]])
    """
    runs = [care_need(population_projection, care_rates, s, area=area, **kwargs)
            for s in scenarios]
    long = pd.concat(runs, ignore_index=True)
    keys = [area, "year", "type"]
    wide = long.pivot_table(index=keys, columns="scenario", values="recipients",
                            sort=False).reindex(columns=list(scenarios))
    wide.columns = list(wide.columns)
    wide["recipients_min"] = wide[list(scenarios)].min(axis=1)
    wide["recipients_max"] = wide[list(scenarios)].max(axis=1)
    staff = long.groupby(keys, sort=False)["staff"].agg(["min", "max"])
    wide["staff_min"] = staff["min"]
    wide["staff_max"] = staff["max"]
    if "trend" in scenarios:
        tr = long[long["scenario"] == "trend"].set_index(keys)
        for col in ("annual_change", "capped", "cap"):
            wide[f"trend_{col}"] = tr[col]
    return wide.reset_index()
