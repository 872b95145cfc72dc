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

The raw sums behind the statistics that no page shows (the indirectly standardised rate and the
person-years of the mortality, the Kreis's deaths and population per year behind the DSR) are
not part of the published frames.

Imports the model, statistics and the protected layer.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats.health import funnel_significance, smr, wilson_ci
from ..stats.mortality import kreis_dsr_by_year, pooled_mortality
from ..stats.school_entry import EXAMINED, SCHOOL_VARS, school_entry_shares
from . import layer as protected_layer

__all__ = ["DEATHS", "EXAMINED", "FROM_DEATHS", "SCHOOL_VARS", "pooled_count", "published_kreis_dsr",
           "published_mortality", "published_school_entry"]

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
    if not _variables(spec) <= set(district.counts["variable"].astype(str)):
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
