"""Published care and access results: what the pages Pflege, Senioren and Menschen mit
Behinderungen show of care recipients, their projection, the Schwerbehindertenquote by age and
the distance to a Pflegestützpunkt, computed here from the raw counts and returned masked by
the protected layer (:mod:`.layer`), so that the pages only format and draw.

Floor: protected. Every function returns *published* numbers: a value is NaN where the layer
suppresses it (or an input it is computed from), with ``status`` "" / "primary" / "secondary"
beside it; NaN with status "" means the inputs are incomplete (never a 0).

* :func:`published_counts`: a registered count of the layer for a list of areas and a year.
* :func:`care_types_by_age`, :func:`rate_by_age`: care recipients by age band and type, and
  shares by age band and sex with 95-%-Wilson intervals (Pflegequote, Schwerbehindertenquote),
  from the layer's published counts of the Kreis.
* :func:`care_projection`: :func:`sozialanalyse.stats.care.care_projection` with the
  municipalities whose base-year counts are suppressed withheld (their projection scales exactly
  those counts; status "secondary"), the observed counts as the layer publishes them, and the
  projected 80+ population withheld where a base-year inhabitant count is suppressed. The
  projected values of the other areas are model results (not counts of people) and published as
  such (see the module docstring of :mod:`sozialanalyse.pages.pflege`).
* :func:`senior_projection`: the observed (published) and projected people aged 65-79 and 80+
  of the Kreis.
* :func:`psp_distances`: distances to the nearest Pflegestützpunkt per base area and the mean
  weighted with the layer's *published* 80+ counts; a mean that would give a suppressed weight
  back (a part with a suppressed weight, the Kreis when any municipality's mean is withheld) is
  withheld with status "secondary".
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..model.areas import (
    AGE_GROUPS,
    age_groups_between,
    area_names,
    level_ids,
    level_of,
    report_year,
)
from ..stats import access as _access
from ..stats import care as _care
from ..stats.care import TREND_CAP
from ..stats.health import wilson_ci
from . import layer as _layer
from .measures import CARE_AGE_BANDS

__all__ = [
    "CARE",
    "CARE_AGE_BANDS",
    "CARE_TYPES",
    "OLD",
    "SCENARIOS",
    "TREND_CAP",
    "age_band",
    "care_of",
    "care_projection",
    "care_types_by_age",
    "psp_distances",
    "published_counts",
    "rate_by_age",
    "senior_projection",
]

#: All care recipients, the people aged 80+ (specs of the protected layer).
CARE = {"variable": "pflegebeduerftige"}
OLD = {"variable": "einwohner", "age": [80, None]}
#: The care types in the order the pages show them.
CARE_TYPES = ("pflegegeld", "ambulant", "stationaer")
#: The scenarios of the care projection.
SCENARIOS = ("status_quo", "compression", "trend")


def care_of(t: str) -> dict:
    """The spec of the care recipients of type ``t``."""
    return {"variable": "pflegebeduerftige", "type": [t]}


def age_band(label: str) -> tuple[int, int | None]:
    """``"85-89"`` -> ``(85, 89)``, ``"90+"`` -> ``(90, None)``."""
    lo, _, hi = label.replace("+", "-").partition("-")
    return int(lo), (int(hi) if hi else None)


def _first(values) -> str:
    return next((v for v in values if isinstance(v, str) and v), "")


def published_counts(district, spec: dict, area_ids, year: int) -> pd.DataFrame:
    """The layer's published ``value`` and ``status`` of a registered count: ``area_id``, ``name``,
    ``value``, ``status`` in the order of ``area_ids`` (NaN with status "": incomplete inputs or
    no row; NaN with a status: suppressed)."""
    ids = [str(a) for a in area_ids]
    r = _layer.of(district).counts(spec, area_ids=ids, years=[year])
    out = r.set_index("area_id")[["value", "status"]].reindex(ids)
    out["status"] = out["status"].map(lambda s: s if isinstance(s, str) else "")
    names = area_names(district)
    out.insert(0, "name", [names.get(a, a) for a in ids])
    return out.reset_index()


def care_types_by_age(district, year: int | None = None) -> pd.DataFrame:
    """Care recipients of the Kreis by age band (:data:`CARE_AGE_BANDS`) and type, as the layer
    publishes them: ``age_from``, ``age_to``, ``type``, ``value``, ``status`` (bands in order,
    then types in :data:`CARE_TYPES` order)."""
    year = report_year(district, year)
    kreis = str(district.kreis["area_id"])
    rows = []
    for lo, hi in CARE_AGE_BANDS:
        for t in CARE_TYPES:
            r = published_counts(district, {"variable": "pflegebeduerftige", "age": [lo, hi], "type": [t]},
                                 [kreis], year).iloc[0]
            rows.append({"age_from": lo, "age_to": hi, "type": t, "value": r["value"], "status": r["status"]})
    return pd.DataFrame(rows)


def rate_by_age(district, variable: str, bands=None, year: int | None = None,
                sexes=("w", "m")) -> pd.DataFrame:
    """Share of ``variable`` among the inhabitants by age band and sex in the Kreis, from the
    layer's published counts, with the 95-%-Wilson interval.

    ``bands``: ``(lower age, upper age or None)`` pairs (default: the five-year bands of
    :data:`AGE_GROUPS`). Returns ``sex``, ``age_from``, ``age_to``, ``count``, ``population``,
    ``value`` (the share), ``lower``, ``upper``, ``status`` (of the count, else of the
    population); ``value`` and interval NaN where either count is suppressed or missing or the
    population is 0 (never drawn from a hidden count)."""
    year = report_year(district, year)
    bands = [age_band(b) for b in AGE_GROUPS] if bands is None else [tuple(b) for b in bands]
    kreis = str(district.kreis["area_id"])
    out = []
    for sex in sexes:
        num = [published_counts(district, {"variable": variable, "age": [lo, hi], "sex": [sex]}, [kreis], year).iloc[0]
               for lo, hi in bands]
        den = [published_counts(district, {"variable": "einwohner", "age": [lo, hi], "sex": [sex]}, [kreis], year).iloc[0]
               for lo, hi in bands]
        x = np.array([r["value"] for r in num], dtype=float)
        n = np.array([r["value"] for r in den], dtype=float)
        ok = np.isfinite(x) & np.isfinite(n) & (n > 0)
        rate, lo_, hi_ = (np.full(len(bands), np.nan) for _ in range(3))
        rate[ok] = x[ok] / n[ok]
        if ok.any():
            lo_[ok], hi_[ok] = wilson_ci(x[ok], n[ok])
        out.append(pd.DataFrame({
            "sex": sex, "age_from": [b[0] for b in bands], "age_to": [b[1] for b in bands],
            "count": x, "population": n, "value": rate, "lower": lo_, "upper": hi_,
            "status": [_first([a["status"], b["status"]]) for a, b in zip(num, den)]}))
    return pd.concat(out, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# care projection
# ---------------------------------------------------------------------------------------------


def _care_totals(p: dict) -> pd.DataFrame:
    """Recipients summed over the types per area, year: scenarios and their band (``lower`` /
    ``upper``: the smallest and largest scenario)."""
    c = p["care"]
    cols = list(SCENARIOS)
    # skipna=False: a municipality with unknown care need (p["care_absent"]) stays NaN, not 0
    return c.groupby(["area_id", "name", "year"], as_index=False)[cols].agg(lambda v: v.sum(skipna=False)).assign(
        lower=lambda t: t[cols].min(axis=1), upper=lambda t: t[cols].max(axis=1))


def _hidden(district, p: dict, population_only: bool = False) -> list[str]:
    """Municipalities whose projection is withheld: a base-year count it scales (care recipients
    in total or of a type, inhabitants of a five-year band and sex) is suppressed in the layer;
    ``population_only``: of the population projection (the inhabitants only)."""
    L = _layer.of(district)
    ids = [str(a) for a in level_ids(district, "gemeindeverband")]
    specs = [] if population_only else [CARE, *(care_of(t) for t in CARE_TYPES)]
    specs += [{"variable": "einwohner", "age": [lo, hi], "sex": [sx]}
              for lo, hi in (age_band(b) for b in AGE_GROUPS) for sx in ("m", "w")]
    hidden = set()
    for spec in specs:
        st = L.status(spec, ids, p["year"])
        hidden |= {a for a, v in st.items() if v}
    return [a for a in ids if a in hidden]


def _observed(district, p: dict, spec: dict = CARE) -> pd.DataFrame:
    """Observed counts per municipality and "Insgesamt" and year (``area_id, year, value, status``)
    as the layer publishes them; "Insgesamt" is the Kreis, or, when municipalities are not
    projected, the sum over the projected ones (NaN if any of them is suppressed or missing:
    never a sum that gives a hidden part back)."""
    L = _layer.of(district)
    m = L.counts(spec, level="gemeindeverband")[["area_id", "year", "value", "status"]]
    without = set(p.get("absent", [])) | set(p.get("care_absent", []) if spec is CARE else [])
    if without:
        k = (m[~m["area_id"].isin(without)].groupby("year", as_index=False)
             .agg(value=("value", lambda v: v.sum(skipna=False)), status=("status", _first)))
    else:
        k = L.counts(spec, level="kreis")[["year", "value", "status"]]
    out = pd.concat([m, k.assign(area_id="Insgesamt")[m.columns]], ignore_index=True)
    out["status"] = out["status"].map(lambda s: s if isinstance(s, str) else "")
    return out[~out["area_id"].isin(p.get("absent", []))].reset_index(drop=True)


_META = ("year", "end_year", "years", "trend", "trend_capped", "trend_observed", "absent", "care_absent",
         "left_out")


def care_projection(district, year: int | None = None, end_year: int = 2040) -> dict:
    """The care projection as the page Pflege publishes it.

    Returns a dict with the assumptions of :func:`sozialanalyse.stats.care.care_projection`
    (``year``, ``end_year``, ``years``, ``trend``, ``trend_capped``, ``trend_observed``,
    ``absent``, ``care_absent``, ``left_out``) and:

    * ``care``: recipients summed over the types per ``area_id`` (municipalities and
      "Insgesamt"), ``name``, ``year``: the scenarios, ``lower`` / ``upper`` (smallest and largest
      scenario) and ``status``; NaN with status "secondary" for a municipality in ``hidden``;
    * ``observed``: the observed recipients per area and year as the layer publishes them
      (``area_id, year, value, status``; "Insgesamt" as in ``care``);
    * ``observed_80``: the same for the people aged 80+;
    * ``old``: the projected people aged 80+ per ``area_id`` and ``year`` (``value``, ``status``),
      NaN with status "secondary" for a municipality in ``hidden_population``;
    * ``hidden``: municipalities with a suppressed base-year count the projection scales (care
      recipients in total or of a type, inhabitants of a five-year band and sex);
      ``hidden_population``: those with a suppressed base-year inhabitant count.
    """
    p = _care.care_projection(district, year, end_year)
    out = {k: p[k] for k in _META if k in p}
    out.setdefault("absent", [])
    out.setdefault("care_absent", [])
    hidden = _hidden(district, p)
    hidden_pop = _hidden(district, p, population_only=True)
    t = _care_totals(p)
    t["status"] = np.where(t["area_id"].isin(hidden), "secondary", "")
    t.loc[t["status"] != "", [*SCENARIOS, "lower", "upper"]] = np.nan
    pop = p["population"]
    old = (pop[pop["age_group"].isin(age_groups_between(80))].groupby(["area_id", "year"], as_index=False)
           ["population"].sum().rename(columns={"population": "value"}))
    old["status"] = np.where(old["area_id"].isin(hidden_pop), "secondary", "")
    old.loc[old["status"] != "", "value"] = np.nan
    out.update(care=t, observed=_observed(district, p), observed_80=_observed(district, p, OLD), old=old,
               hidden=hidden, hidden_population=hidden_pop)
    return out


#: The age groups of :func:`senior_projection`: label -> age span of the layer.
SENIOR_GROUPS = {"65 bis 79 Jahre": (65, 79), "80 Jahre und älter": (80, None)}


def senior_projection(district, year: int | None = None, end_year: int = 2040) -> dict:
    """The people aged 65-79 and 80+ of the Kreis (without the municipalities not projected),
    observed and projected.

    Returns a dict with ``year``, ``end_year``, ``absent`` (municipalities not projected) and
    ``groups``: label -> (``observed``: the layer's published values by year, NaN where
    suppressed or where a part is suppressed or missing; ``projected``: the model result by
    year, whose base year is the published observed value)."""
    p = _care.care_projection(district, year, end_year)
    pop = p["population"]
    k = pop[pop["area_id"] == "Insgesamt"]
    absent = p.get("absent", [])
    L = _layer.of(district)
    groups = {}
    for label, (lo, hi) in SENIOR_GROUPS.items():
        spec = {"variable": "einwohner", "age": [lo, hi]}
        bands = age_groups_between(lo, hi) if hi is not None else age_groups_between(lo)
        if absent:  # observed over the same municipalities as projected ("Insgesamt" without them)
            m = L.counts(spec, level="gemeindeverband")
            # a suppressed or missing part leaves the year out (NaN), never a smaller sum
            h = m[~m["area_id"].isin(absent)].groupby("year")["value"].agg(lambda v: v.sum(skipna=False))
        else:
            h = L.counts(spec, level="kreis").set_index("year")["value"]
        h = h.sort_index().astype(float)
        f = k[k["age_group"].isin(bands)].groupby("year")["population"].sum().astype(float)
        if p["year"] in f.index:  # the base year is the observed count: its published value
            f.loc[p["year"]] = h.get(p["year"], np.nan)
        groups[label] = (h, f)
    return {"year": p["year"], "end_year": p["end_year"], "absent": list(absent), "groups": groups}


# ---------------------------------------------------------------------------------------------
# Pflegestützpunkte
# ---------------------------------------------------------------------------------------------


def psp_distances(district, year: int | None = None) -> dict:
    """Straight-line distances to the nearest Pflegestützpunkt, weighted with the layer's
    published counts of the people aged 80+.

    Returns a dict with

    * ``base``: one row per base area in the order of the geometry: ``area_id``, ``name``, ``x``,
      ``y``, ``distance_km`` (public geometry), ``value`` (published 80+ count) and ``status``;
    * ``areas``: one row per municipality and the Kreis (last): ``area_id``, ``name``,
      ``facilities`` (number inside), ``max_km`` (largest base-area distance), ``population``
      (published 80+ count) and ``population_status``, ``value`` (mean distance weighted with
      the published 80+ counts of the base areas), ``status`` ("secondary" where a part's
      weight is suppressed, and for the Kreis when any municipality's mean is withheld) and
      ``incomplete`` (True where a part's weight is missing: "fehlt", never a mean over the
      other parts); ``value`` NaN with status "" and not incomplete where the weights sum to 0.
    """
    year = report_year(district, year)
    d = _access.facility_distance(district, year)  # names, order, facilities, largest distance
    b = _access.base_area_distances(district, year, "Pflegestützpunkt", min_age=80)
    b = b.drop(columns=["weight"]).assign(area_id=b["area_id"].astype(str))
    pub = published_counts(district, OLD, b["area_id"].tolist(), year)
    b = b.assign(value=pub["value"].to_numpy(dtype=float), status=pub["status"].to_numpy())
    ids = d["area_id"].astype(str).tolist()
    kreis = str(district.kreis["area_id"])
    total = published_counts(district, OLD, ids, year)
    rows = []
    for a, name, fac, mx, n, n_st in zip(ids, d["name"], d["facilities"], d["max_km"], total["value"],
                                          total["status"]):
        parts = b[b["area_id"].map(level_of(district, "kreis" if a == kreis else "gemeindeverband"))
                  .astype(str) == a]
        value, status, incomplete = np.nan, "", False
        if (parts["status"] != "").any() or (a == kreis and any(r["status"] for r in rows)):
            status = "secondary"  # the mean would give a suppressed weight back
        elif parts["value"].isna().any() or not len(parts):
            incomplete = True
        else:
            w = parts["value"].to_numpy()
            if w.sum() > 0:
                value = float((w * parts["distance_km"]).sum() / w.sum())
        rows.append({"area_id": a, "name": name, "facilities": int(fac), "max_km": float(mx),
                     "population": n, "population_status": n_st, "value": value, "status": status,
                     "incomplete": incomplete})
    return {"base": b[["area_id", "name", "x", "y", "distance_km", "value", "status"]].reset_index(drop=True),
            "areas": pd.DataFrame(rows)}
