"""Published health statistics: mortality pooled over years per area, the Kreis DSR by year
and the school-entry shares, computed by the statistics floor from the raw counts and masked
here by the protected layer (:mod:`.layer`), so that the pages draw and format them without
ever reaching the counts.

Every function returns the statistic's frame with a ``status`` column (``""``, ``"primary"``
or ``"secondary"``): where it is set, every figure that follows from the suppressed count is
NaN (a missing value, never a zero).

* :func:`published_mortality`: :func:`sozialanalyse.stats.mortality.pooled_mortality` masked by
  the status of each area's observed deaths pooled over the years (``sterbefaelle``, registered
  in :mod:`.measures`): deaths, expected deaths, SMR, DSR, their intervals and the funnel
  classification (:data:`FROM_DEATHS`). In the modes ``round`` and ``cellkey`` the deaths are the
  published ones and the SMR, its limits and the funnel classification follow from them.
* :func:`published_kreis_dsr`: :func:`sozialanalyse.stats.mortality.kreis_dsr_by_year`, a point
  masked where the Kreis's deaths of its year (and sex) are suppressed.
* :func:`published_school_entry`: :func:`sozialanalyse.stats.school_entry.school_entry_shares`;
  a share is published only where its numerator, the children examined and their difference
  (the children without the finding) are all published; ``n_status`` is the status of the
  children examined.

* :func:`published_life_expectancy`: life expectancy at birth and at 65 by sex per
  Gemeindeverband and the Kreis over five pooled years (:mod:`sozialanalyse.stats.lifetable`),
  published only where the area's deaths of that sex over those years (a cell registered in
  :mod:`.measures`, printed beside it) are, and where PHE's rules allow (``reason``).
* :func:`published_gradient`: SII and RII of a school-entry finding across quintiles of the
  Sozialraum deprivation (status index of :mod:`.monitoring`), computed from the published
  Sozialraum counts only: a Sozialraum whose share is suppressed is left out of its quintile
  (and named), so the quintile sums give nothing away that is not printed elsewhere.

The raw sums behind the statistics that no page shows (the indirectly standardised rate and the
person-years of the mortality, the Kreis's deaths and population per year behind the DSR) are
not part of the published frames.

Imports the model, statistics and the protected layer.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..model.areas import AGE_GROUPS, level_ids
from ..stats.gradient import sii
from ..stats.health import funnel_significance, smr, wilson_ci
from ..stats.lifetable import life_table
from ..stats.mortality import kreis_dsr_by_year, mortality_input, pooled_mortality
from ..stats.school_entry import EXAMINED, SCHOOL_VARS, school_entry_shares
from . import layer as protected_layer
from . import monitoring as protected_monitoring

__all__ = ["DEATHS", "EXAMINED", "FROM_DEATHS", "LE_AGES", "LE_POOL", "SCHOOL_VARS", "pooled_count",
           "published_gradient", "published_kreis_dsr", "published_life_expectancy", "published_mortality",
           "published_school_entry"]

#: The deaths the mortality pages rest on: all ages and both sexes (the layer's cell, per year
#: and pooled over years; :mod:`.measures`).
DEATHS = {"variable": "sterbefaelle"}
#: Columns of :func:`published_mortality` not published where the area's deaths are suppressed.
FROM_DEATHS = ("observed", "expected", "smr", "smr_lower", "smr_upper", "dsr", "dsr_lower", "dsr_upper",
               "einstufung_95", "einstufung_998")
#: Columns of the statistics that no page publishes: raw sums, protected nowhere, left out.
_UNPUBLISHED = ("isr", "isr_lower", "isr_upper", "person_years", "total_count", "total_pop")


def _variables(spec) -> set[str]:
    """The variables a spec (a count, or a ``minus``/``plus`` of counts) reads."""
    if "variable" in spec:
        return {str(spec["variable"])}
    return set().union(*(_variables(t) for v in spec.values() if isinstance(v, list) for t in v))


def _worst(*statuses) -> np.ndarray:
    """Per row: ``"primary"`` if any status is, else ``"secondary"`` if any is set, else ``""``."""
    st = np.array([[str(x) for x in s] for s in statuses], dtype=object)
    return np.where((st == "primary").any(axis=0), "primary", np.where((st != "").any(axis=0), "secondary", ""))


def pooled_count(district, spec: dict, area_ids, years) -> pd.DataFrame:
    """A registered count pooled over ``years`` for ``area_ids`` from the protected layer:
    ``value`` (published, NaN where suppressed) and ``status`` indexed by ``area_id``, in the
    order of ``area_ids``.

    Fails closed: years that are not one run (a data year missing), or an area the layer holds
    no cell of, count as suppressed (``"secondary"``): the layer cannot vouch for such a sum. A
    count the district does not deliver at all is NaN with no status (the page says "fehlt")."""
    L = protected_layer.of(district)
    ids = [str(a) for a in area_ids]
    years = [int(y) for y in years]
    if not _variables(spec) <= set(L._domain):  # the variables of the counts (read once per layer)
        return pd.DataFrame({"value": np.nan, "status": ""}, index=pd.Index(ids, name="area_id"))
    if years != list(range(years[0], years[-1] + 1)):
        return pd.DataFrame({"value": np.nan, "status": "secondary"}, index=pd.Index(ids, name="area_id"))
    c = L.counts(spec, area_ids=sorted(set(ids)), years=[years[-1]], pool=len(years)).set_index("area_id")
    out = c[["value", "status"]].reindex(ids)
    out["status"] = out["status"].fillna("secondary").astype(str)
    return out


def published_mortality(district, year: int | None = None, pool: int = 5) -> pd.DataFrame:
    """Mortality pooled over ``pool`` years up to ``year`` per municipality and the Kreis (last
    row), as the pages may publish it: the columns of
    :func:`sozialanalyse.stats.mortality.pooled_mortality` (``area_id, name, observed, expected,
    smr, smr_lower, smr_upper, dsr, dsr_lower, dsr_upper, einstufung_95, einstufung_998,
    reason``; its ``attrs`` ``years``, ``absent``, ``left_out``) with ``status`` of each area's
    observed deaths in the protected layer; where that is set, :data:`FROM_DEATHS` are NaN."""
    m = pooled_mortality(district, year, pool)
    pub = pooled_count(district, DEATHS, m["area_id"], m.attrs["years"])
    out = m.drop(columns=[c for c in _UNPUBLISHED if c in m.columns])
    out["status"] = pub["status"].to_numpy()
    if protected_layer.of(district).settings.mode != "suppress":
        o = pub["value"].to_numpy(dtype=float)
        e = out["expected"].to_numpy(dtype=float)
        ok = ~np.isnan(o) & ~np.isnan(e)
        v, lo, hi = smr(np.where(ok, o, 0.0), np.where(ok, e, 0.0), multiplier=100)
        out["observed"] = np.where(ok, o, np.nan)
        out["smr"], out["smr_lower"], out["smr_upper"] = (np.where(ok, a, np.nan) for a in (v, lo, hi))
        munis = out.iloc[:-1][ok[:-1]]
        fs = funnel_significance(munis, "observed", "expected", "ratio", multiplier=100).set_index("area_id")
        for col in ("einstufung_95", "einstufung_998"):
            out[col] = out["area_id"].map(fs[col]) if len(fs) else np.nan
    hide = out["status"].to_numpy() != ""
    for col in FROM_DEATHS:
        out[col] = out[col].astype(object if col.startswith("einstufung") else float)
        out.loc[hide, col] = np.nan
    return out


def published_kreis_dsr(district) -> pd.DataFrame:
    """The Kreis DSR per 100.000 (ESP 2013) per year for all (``sex`` ``insgesamt``), women and
    men as the pages may publish it: ``year, sex, value, lower, upper, reason, status`` (the rows
    of :func:`sozialanalyse.stats.mortality.kreis_dsr_by_year`, ``attrs["absent"]`` the years
    whose inputs are incomplete). ``status`` is that of the Kreis's deaths of the year (of the
    sex); where it is set, ``value``, ``lower`` and ``upper`` are NaN."""
    res = kreis_dsr_by_year(district)
    out = res.drop(columns=[c for c in _UNPUBLISHED if c in res.columns]).reset_index(drop=True)
    kreis = district.kreis["area_id"]
    status = np.full(len(out), "", dtype=object)
    for sex, spec in (("insgesamt", DEATHS), *((s, {**DEATHS, "sex": [s]}) for s in ("m", "w"))):
        for y in out["year"].unique():
            st = pooled_count(district, spec, [kreis], [int(y)])["status"].iloc[0]
            if st:
                status[((out["sex"] == sex) & (out["year"] == y)).to_numpy()] = st
    out["status"] = status
    out.loc[status != "", ["value", "lower", "upper"]] = np.nan
    out.attrs["absent"] = res.attrs["absent"]
    return out


def published_school_entry(district, year: int | None = None, level: str = "gemeindeverband",
                           pool: int = 3) -> pd.DataFrame:
    """School-entry shares pooled over ``pool`` examination years up to ``year`` per area of
    ``level``, as the pages may publish them: the columns of
    :func:`sozialanalyse.stats.school_entry.school_entry_shares` (``area_id, name, variable,
    label, x, n, value, lower, upper, reason``; ``attrs["years"]``) with ``status`` of each share
    (its numerator, the children examined and the children without the finding, from the
    protected layer) and ``n_status`` of the children examined; ``x``, ``value``, ``lower`` and
    ``upper`` are NaN where ``status`` is set, ``n`` where ``n_status`` is. In the modes ``round``
    and ``cellkey`` the counts are the published ones and the shares and their limits follow from
    them."""
    d = school_entry_shares(district, year, level, pool).copy()
    years = d.attrs["years"]
    examined = {"variable": EXAMINED}
    mode = protected_layer.of(district).settings.mode
    d["status"], d["n_status"] = "", ""
    for var in SCHOOL_VARS:
        rows = (d["variable"] == var).to_numpy()
        ids = d.loc[rows, "area_id"]
        n = pooled_count(district, examined, ids, years)
        x = pooled_count(district, {"variable": var}, ids, years)
        rest = pooled_count(district, {"minus": [examined, {"variable": var}]}, ids, years)
        d.loc[rows, "status"] = _worst(x["status"], rest["status"], n["status"])
        d.loc[rows, "n_status"] = n["status"].to_numpy()
        if mode != "suppress":
            xv, nv = x["value"].to_numpy(dtype=float), n["value"].to_numpy(dtype=float)
            ok = (nv > 0) & ~np.isnan(xv)
            lo, hi = wilson_ci(np.where(ok, xv, 0.0), np.where(ok, nv, 1.0))
            d.loc[rows, "x"], d.loc[rows, "n"] = xv, nv
            d.loc[rows, "value"] = np.where(ok, 100 * xv / np.where(ok, nv, 1.0), np.nan)
            d.loc[rows, "lower"], d.loc[rows, "upper"] = np.where(ok, 100 * lo, np.nan), np.where(ok, 100 * hi, np.nan)
    hide = d["status"].to_numpy() != ""
    d.loc[hide, ["x", "value", "lower", "upper"]] = np.nan
    d.loc[d["n_status"].to_numpy() != "", "n"] = np.nan
    d.attrs["years"] = years
    return d


#: Start ages of the published life expectancies (at birth and at 65).
LE_AGES = (0, 65)
#: Years pooled for life expectancy (as the deaths of the mortality pages).
LE_POOL = 5


def published_life_expectancy(district, year: int | None = None, pool: int = LE_POOL) -> pd.DataFrame:
    """Life expectancy at birth and at 65 by sex per Gemeindeverband and the Kreis (last), pooled
    over ``pool`` years up to ``year``, as the pages may publish it.

    Returns
    -------
    DataFrame
        ``area_id, name, level, sex`` (``w``, ``m``), ``age`` (:data:`LE_AGES`), ``value,
        lower, upper`` (95 %), ``deaths`` (the published deaths of the sex over the years: the
        layer's cell), ``population`` (person-years: population summed over the years),
        ``reason`` ("" or why not published, :mod:`sozialanalyse.stats.lifetable`; ``absent``
        where population rows are missing, ``years_missing`` where the data lack a year of the
        pool) and ``status`` (of the deaths cell; where set, ``value``, ``lower``, ``upper`` and
        ``deaths`` are NaN). ``attrs["years"]``: the pooled years.

    Notes
    -----
    Five-year bands 0-4, ..., 85-89, 90+ (:data:`sozialanalyse.model.areas.AGE_GROUPS`); the 0-4
    band has :data:`sozialanalyse.stats.lifetable.A_0_4`. The population of each year (at
    31.12.) stands for that year's person-years, as for the pooled mortality.
    """
    year = int(year or district.report_year)
    # once per protected layer (kept with the district) for the three page calls (text, chart,
    # table); the kernels of a build read it from the file the build saved beside the layer
    return protected_layer.of(district).shared(f"life_expectancy_{year}_{int(pool)}",
                                               lambda: _life_expectancy(district, year, pool)).copy()


def _life_expectancy(district, year: int, pool: int) -> pd.DataFrame:
    """:func:`published_life_expectancy` computed (once per layer)."""
    years = [y for y in range(year - pool + 1, year + 1)]
    complete = all(y in district.years for y in years)
    starts = [int(b.split("-")[0].rstrip("+")) for b in AGE_GROUPS]
    rows = []
    for level in ("gemeindeverband", "kreis"):
        m = mortality_input(district, [y for y in years if y in district.years], level) if complete else None
        ids = level_ids(district, level)
        for sex in ("w", "m"):
            pub = pooled_count(district, {**DEATHS, "sex": [sex]}, ids, years)
            for a in ids:
                reason, table = "", None
                if not complete:
                    reason = "years_missing"
                else:
                    g = m[(m["area_id"] == a) & (m["sex"] == sex)].set_index("age_group").reindex(list(AGE_GROUPS))
                    if g["population"].isna().any():
                        reason = "absent"
                    else:
                        table = life_table(g["deaths"].to_numpy(), g["population"].to_numpy(), starts).set_index(
                            "start_age")
                for age in LE_AGES:
                    r = table.loc[age] if table is not None else None
                    rows.append({"area_id": a, "name": district.name_of(a), "level": level, "sex": sex, "age": age,
                                 "value": r["value"] if r is not None else np.nan,
                                 "lower": r["lower"] if r is not None else np.nan,
                                 "upper": r["upper"] if r is not None else np.nan,
                                 "deaths": pub.loc[a, "value"],
                                 "population": float(table["population"].sum()) if table is not None else np.nan,
                                 "reason": str(r["reason"]) if r is not None else reason,
                                 "status": str(pub.loc[a, "status"])})
    out = pd.DataFrame(rows)
    held = out["status"] != ""
    out.loc[held, ["value", "lower", "upper", "deaths"]] = np.nan
    out.attrs["years"] = years
    return out


def _memo(district) -> dict:
    """Results kept on the district object, like its protected layer (:func:`.layer.of`): a page
    calls a function several times for one table, chart and text."""
    memo = getattr(district, "_protected_health_memo", None)
    if memo is None:
        memo = {}
        setattr(district, "_protected_health_memo", memo)
    return memo


def published_gradient(district, variable: str = "einschulung_uebergewicht", year: int | None = None,
                       pool: int = 3, quantiles: int = 5, repetitions: int = 100_000, seed: int = 20):
    """SII and RII of a school-entry finding across deprivation quintiles of the Sozialräume.

    The Sozialräume with a status index of the published monitoring are cut into ``quantiles``
    groups of equal number by that index (1: the most deprived, highest index); each group's
    share is the sum of the published counts (finding and children examined, pooled over
    ``pool`` years) of its Sozialräume with a published share, with a Wilson interval.

    Returns
    -------
    tuple (Gradient or None, DataFrame)
        The :class:`sozialanalyse.stats.gradient.Gradient` (``multiplier=-100``: SII in
        percentage points, most minus least deprived end; RII most over least deprived; None
        where a quintile has no published Sozialraum) and the quintile table ``quantile, areas,
        x, n, value, lower, upper`` (shares in %) with ``attrs``: ``left_out`` (names of
        Sozialräume with a suppressed share), ``unranked`` (without index), ``years``.
    """
    key = ("gradient", variable, year, pool, quantiles, repetitions, seed)
    memo = _memo(district)
    if key in memo:
        g, t = memo[key]
        return g, t.copy()
    mon = protected_monitoring.published_monitoring(district, year).result.table
    ranked = mon[mon["status_index"].notna()].sort_values("status_index", ascending=False)
    q = pd.Series(np.floor(np.arange(len(ranked)) * quantiles / max(len(ranked), 1)).astype(int) + 1,
                  index=ranked.index.astype(str))
    se = published_school_entry(district, year, level="sozialraum", pool=pool)
    se = se[se["variable"] == variable].set_index("area_id")
    shown = se[(se["status"] == "") & se["x"].notna() & (se["n"] > 0)]
    left_out = [str(se.loc[a, "name"]) for a in q.index if a in se.index and a not in shown.index]
    rows = []
    for k in range(1, quantiles + 1):
        ids = [a for a in q.index[q == k] if a in shown.index]
        x, n = float(shown.loc[ids, "x"].sum()), float(shown.loc[ids, "n"].sum())
        lo, hi = wilson_ci(np.array([x]), np.array([n])) if n > 0 else (np.array([np.nan]), np.array([np.nan]))
        rows.append({"quantile": k, "areas": len(ids), "x": x if ids else np.nan, "n": n if ids else np.nan,
                     "value": 100 * x / n if n > 0 else np.nan, "lower": 100 * float(lo[0]),
                     "upper": 100 * float(hi[0])})
    t = pd.DataFrame(rows)
    t.attrs.update(left_out=left_out, unranked=[str(n) for n in mon.loc[mon["status_index"].isna(), "name"]],
                   years=se.attrs.get("years", []))
    ok = (t["n"] > 0).all() and (t["x"] > 0).all() and (t["x"] < t["n"]).all()
    g = None
    if ok:
        g = sii(t["quantile"], t["n"], t["x"] / t["n"], lower=t["lower"] / 100, upper=t["upper"] / 100, value_type=2,
                multiplier=-100, repetitions=repetitions, seed=seed)
    memo[key] = (g, t)
    return g, t.copy()
