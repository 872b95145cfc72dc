"""The Sozialraum-Monitoring as a computation: status and dynamics classes of the Sozialräume
(Berlin's Monitoring Soziale Stadtentwicklung, MSS), areas with special attention need and the
Theil decomposition of an indicator between and within the municipalities.

Floor: statistics. The chapter that shows these results is
:mod:`sozialanalyse.pages.sozialraum_monitoring`; the method itself (z-values, indices, classes)
is :func:`sozialanalyse.stats.index.mss`.

The indicator set is configurable in the report config::

    monitoring:
      status: [sgb2_quote, kinderarmut, arbeitslosenquote, altersarmut]
      dynamics_years: 2
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.areas import base_to_level
from ..model.config import as_config
from . import disparity, index, indicators
from ._results import ShortRepr
from .index import STATUS_CLASSES, MSSResult, RobustnessResult, mss

__all__ = [
    "ATTENTION_STATUS",
    "BASE_UNITS",
    "DEFAULT_DYNAMICS_YEARS",
    "DEFAULT_STATUS",
    "MIN_POPULATION",
    "OTHER_BASE",
    "Monitoring",
    "attention",
    "base_values",
    "forget",
    "monitoring",
    "robustness",
    "settings",
    "theil_shares",
]

#: Status indicators (ids of the indicator catalog; higher = more disadvantaged).
DEFAULT_STATUS = ("sgb2_quote", "kinderarmut", "arbeitslosenquote", "altersarmut")
#: Dynamics: change of the status indicators over this many years (percentage points).
DEFAULT_DYNAMICS_YEARS = 2
#: Areas with fewer inhabitants are not classified (as in the Berlin MSS).
MIN_POPULATION = 300
#: Status classes that put an area on the attention list (besides dynamics "negativ").
ATTENTION_STATUS = ("niedrig", "sehr niedrig")


def settings(district) -> dict:
    """The monitoring settings: the config's ``monitoring:`` entry over the defaults.

    Returns ``{"status": [...], "dynamics_years": int}``.
    """
    block = as_config(getattr(district, "config", None)).monitoring  # a plain dict too (tests)
    status = [str(s) for s in (block.status or DEFAULT_STATUS)]
    years = int(block.dynamics_years or DEFAULT_DYNAMICS_YEARS)
    return {"status": status, "dynamics_years": years}


@dataclass(repr=False)
class Monitoring(ShortRepr):
    """The MSS of a district's Sozialräume in one year.

    Attributes
    ----------
    data : DataFrame
        Per Sozialraum (index ``area_id``): ``name``, ``town`` (area id), ``town_name``,
        ``population``, ``missing`` (why an input is incomplete), ``suppressed`` (the rates
        withheld by disclosure control when :func:`monitoring` got published ``rates``, e.g.
        ``"sgb2_quote 2024"``; else ""), each status indicator in ``year`` and (column
        ``<id>@<start>``) in ``start``.
    result : MSSResult
        Status and dynamics indices, classes and z-values.
    status : list of str
        The status indicators.
    year, start : int
        Report year and start year of the dynamics.
    """

    data: pd.DataFrame
    result: MSSResult
    status: list
    year: int
    start: int

    @property
    def dynamics(self) -> dict:
        return {k: (k, f"{k}@{self.start}") for k in self.status}


_CACHE: dict = {}


def forget() -> None:
    """Drop the result :func:`monitoring` keeps, so the next call computes afresh (the build's
    fork server undoes its computation ahead this way when that computation printed or warned).

    >>> forget()
    >>> _CACHE
    {}
    """
    _CACHE.clear()


def monitoring(district, year: int | None = None, rates: pd.DataFrame | None = None) -> Monitoring:
    """Compute the MSS (status, dynamics, Gesamtindex) over all Sozialräume of the district.

    The result of the last call is kept (one district and year at a time): the pages of one
    notebook ask for it several times.

    Parameters
    ----------
    district : District
        Its ``config`` may hold a ``monitoring:`` entry (:func:`settings`).
    year : int, optional
        The report year (default: the district's report year).
    rates : DataFrame, optional
        The status indicators of the Sozialräume in the start and the report year as the pages
        publish them (:meth:`sozialanalyse.protected.layer.Layer.indicators`: ``value`` NaN
        where ``status`` says suppressed). Given, the MSS is computed from these values only:
        a suppressed rate is a missing input (the area gets no z-value, index or class for
        it, and it does not enter the means and standard deviations of the others), the area's
        ``reason`` says ``"gesperrt: ..."`` and ``data["suppressed"]`` names the rates
        (``"sgb2_quote 2024, ..."``). Default: the unprotected values
        (:func:`sozialanalyse.stats.indicators.compute`), for analyses that publish nothing.

    Raises
    ------
    ValueError
        If the data do not cover the start year of the dynamics.
    """
    year = int(year or district.report_year)
    st = settings(district)
    key = (id(district), year, tuple(st["status"]), st["dynamics_years"], rates is not None)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is district:
        return hit[1]
    start = year - st["dynamics_years"]
    if start not in district.years:
        raise ValueError(f"monitoring: dynamics need data for {start} ({st['dynamics_years']} years "
                         f"before {year}); the data cover {district.years[0]}–{district.years[-1]}")
    areas = district.areas
    sr = areas[areas["kind"] == "Sozialraum"].set_index("area_id")
    res = (indicators.compute(district, st["status"], level="sozialraum", years=[start, year])
           if rates is None else rates)
    res = res.assign(area_id=res["area_id"].astype(str), indicator=res["indicator"].astype(str))
    if "status" in res.columns:  # suppressed rates: missing inputs, never their real values
        res = res.assign(value=res["value"].where(res["status"].astype(str) == ""))
    wide = res.pivot_table(index="area_id", columns=["indicator", "year"], values="value",
                           aggfunc="first", observed=True)
    data = pd.DataFrame(index=pd.Index(sr.index, name="area_id"))
    data["name"] = sr["name"].astype(str)
    data["town"] = sr["parent_id"].astype(str)
    data["town_name"] = data["town"].map(lambda a: district.name_of(a))
    c = district.counts
    pop = c[(c["variable"] == "einwohner") & (c["year"] == year) & c["area_id"].isin(sr.index)]
    data["population"] = pop.groupby(pop["area_id"].astype(str))["value"].sum().reindex(data.index)
    g = getattr(district, "gaps", None)
    absent = set() if g is None or g.empty else set(
        g.loc[(g["variable"] == "einwohner") & (g["year"] == year), "area_id"].astype(str))
    data.loc[data.index.isin(absent) | data["population"].isna(), "population"] = np.nan  # missing, not 0
    why = res[res["reason"].astype(str) != ""].groupby("area_id")["reason"].agg(
        lambda r: "; ".join(dict.fromkeys(r.astype(str))))
    data["missing"] = why.reindex(data.index).fillna("")
    hidden = res[res["status"].astype(str) != ""] if "status" in res.columns else res.iloc[:0]
    hidden = hidden[hidden["year"].isin([start, year])].sort_values(["year", "indicator"], ascending=[False, True])
    data["suppressed"] = (hidden.groupby("area_id")[["indicator", "year"]]
                          .apply(lambda g: ", ".join(f"{i} {y}" for i, y in zip(g["indicator"], g["year"])))
                          .reindex(data.index).fillna("") if len(hidden) else "")
    for i in st["status"]:
        data[i] = wide.get((i, year), pd.Series(dtype=float)).reindex(data.index)
        data[f"{i}@{start}"] = wide.get((i, start), pd.Series(dtype=float)).reindex(data.index)
    m = Monitoring(data, None, st["status"], year, start)
    m.result = mss(data.drop(columns=["suppressed"]), m.status, m.dynamics, population="population",
                   min_population=MIN_POPULATION)
    t = m.result.table
    gone = data["suppressed"] != ""
    t.loc[gone & t["valid"] & t["status_class"].isna(), "reason"] = "gesperrt: Statuswert der Geheimhaltung unterworfen"
    if "dynamics_class" in t.columns:
        t.loc[gone & t["valid"] & t["status_class"].notna() & t["dynamics_class"].isna(),
              "reason"] = "gesperrt: Dynamikwert der Geheimhaltung unterworfen"
    _CACHE.clear()
    _CACHE[key] = (district, m)
    return m


def attention(result: MSSResult, threshold: float = 1.0) -> pd.DataFrame:
    """Areas with special attention need and the indicators that put them there.

    Rule: status class ``niedrig`` or ``sehr niedrig``, or dynamics class ``negativ``.
    Drivers: the indicators whose z-value (status) or z-value of the change (dynamics) is at
    least ``threshold``, largest first.

    Parameters
    ----------
    result : MSSResult
        From :func:`sozialanalyse.stats.index.mss` (with dynamics).
    threshold : float
        z-value from which an indicator is named (1: one standard deviation above the mean).

    Returns
    -------
    DataFrame
        Index: the areas on the list (worst status first, then by dynamics index); columns
        ``name`` (where the MSS table has it), ``status_class``, ``dynamics_class``, ``status_index``, ``dynamics_index``,
        ``reason`` (German, e.g. ``"Status sehr niedrig; Dynamik negativ"``),
        ``status_drivers`` and ``dynamics_drivers`` (lists of indicator ids).

    Examples
    --------
    >>> import pandas as pd
    >>> from sozialanalyse.stats.index import mss
    >>> df = pd.DataFrame({"a": [1., 2, 3, 4, 10], "a0": [1., 2, 3, 4, 5], "population": 500},
    ...                   index=list("VWXYZ"))
    >>> r = mss(df, ["a"], {"a": ("a", "a0")})
    >>> attention(r)[["reason", "status_drivers"]].to_dict("index")
    {'Z': {'reason': 'Status sehr niedrig; Dynamik negativ', 'status_drivers': ['a']}}
    """
    t = result.table
    sc = t["status_class"].astype(object)
    dc = t["dynamics_class"].astype(object) if "dynamics_class" in t else pd.Series(None, index=t.index)
    bad_status = sc.isin(ATTENTION_STATUS)
    bad_dyn = dc == "negativ"
    on = t.index[bad_status | bad_dyn]

    def drivers(z, area):
        if z is None or area not in z.index:
            return []
        row = z.loc[area].dropna()
        row = row[row >= threshold].sort_values(ascending=False, kind="stable")
        return [str(k) for k in row.index]

    rows = []
    for a in on:
        reason = []
        if bad_status[a]:
            reason.append(f"Status {sc[a]}")
        if bad_dyn[a]:
            reason.append("Dynamik negativ")
        rows.append({"area_id": a, **({"name": t.loc[a, "name"]} if "name" in t else {}), "status_class": sc[a], "dynamics_class": dc[a],
                     "status_index": t.loc[a, "status_index"],
                     "dynamics_index": t.loc[a, "dynamics_index"] if "dynamics_index" in t else np.nan,
                     "reason": "; ".join(reason),
                     "status_drivers": drivers(result.z_status, a),
                     "dynamics_drivers": drivers(result.z_dynamics, a)})
    cols = [*(["name"] if "name" in t else []), "status_class", "dynamics_class", "status_index",
            "dynamics_index", "reason", "status_drivers", "dynamics_drivers"]
    if not rows:
        return pd.DataFrame(columns=cols, index=pd.Index([], name=t.index.name))
    out = pd.DataFrame(rows).set_index("area_id")
    rank = {c: i for i, c in enumerate(STATUS_CLASSES)}
    out["_r"] = out["status_class"].map(lambda c: -rank.get(c, -1))
    out = out.sort_values(["_r", "dynamics_index"], ascending=[True, False], kind="stable")
    out.index.name = t.index.name
    return out[cols]


def base_values(district, indicator: str, year: int, res: pd.DataFrame | None = None) -> pd.DataFrame:
    """The indicator on every base area with its municipality (Stadt, Einheits- or Samtgemeinde).

    Returns the rows of :func:`sozialanalyse.stats.indicators.compute` with a value and a
    denominator, plus ``muni`` (the municipality's key) and ``muni_name``; ``attrs["left_out"]``
    holds ``area_id`` and ``muni`` of the base areas left out because their value is missing.

    ``res`` replaces the computation with given rows of the same columns for the levels
    ``sozialraum`` and ``gemeinde`` (the published values of the protected layer, with a
    ``status`` column): rows whose ``status`` says suppressed are left out too and listed in
    ``attrs["suppressed"]`` (``area_id``, ``muni``), not in ``left_out`` (their data are not
    missing, they are not published).
    """

    if res is None:
        res = indicators.compute(district, [indicator], level=["sozialraum", "gemeinde"], years=[year])
    else:
        res = res[(res["indicator"].astype(str) == indicator) & (res["year"] == year)]
    res = res.assign(area_id=res["area_id"].astype(str))
    areas = district.areas
    parents = set(areas["parent_id"].dropna().astype(str))
    res = res[~res["area_id"].isin(parents)].drop_duplicates("area_id")
    muni = base_to_level(areas, "gemeindeverband")
    muni.index = muni.index.astype(str)
    res["muni"] = res["area_id"].map(muni).astype(str)
    res["muni_name"] = res["muni"].map(lambda a: district.name_of(a))
    hidden = (res["status"].astype(str) != "") if "status" in res.columns else pd.Series(False, index=res.index)
    shown = res[~hidden]
    out = shown.dropna(subset=["value", "denominator"]).reset_index(drop=True)
    # the areas left out for missing data ('fehlt'), so that a result can say it covers fewer
    out.attrs["left_out"] = shown.loc[shown["value"].isna() | shown["denominator"].isna(), ["area_id", "muni"]]
    out.attrs["suppressed"] = res.loc[hidden, ["area_id", "muni"]]
    return out


def robustness(m: Monitoring) -> tuple[RobustnessResult, RobustnessResult]:
    """How many Sozialräume change class when one status indicator at a time is left out.

    Returns two :class:`~sozialanalyse.stats.index.RobustnessResult` (see
    :func:`sozialanalyse.stats.index.robustness`): for the status class, and for the combined
    status / dynamics class (``gesamtindex``), both over the Sozialräume of ``m`` with the same
    minimum population (:data:`MIN_POPULATION`).
    """
    kw = {"population": "population", "min_population": MIN_POPULATION}
    status = index.robustness(m.data, m.status, **kw)

    def gesamt(d, ind, **k):
        return mss(d, ind, {i: (i, f"{i}@{m.start}") for i in ind}, **k).table["gesamtindex"]

    combined = index.robustness(m.data, m.status, classify=gesamt, **kw)
    return status, combined


#: The groups of base areas a decomposition counts (German plural of the area kind; every other
#: base area is a municipality without Sozialräume), in the order a page names them.
BASE_UNITS = {"Sozialraum": "Sozialräume", "Mitgliedsgemeinde": "Mitgliedsgemeinden"}
OTHER_BASE = "Gemeinden ohne Sozialräume"


def _unit_counts(district, base: pd.DataFrame, over: str) -> dict:
    """Which areas a Theil decomposition covers: counts by group of base areas."""
    kinds = district.areas.assign(area_id=district.areas["area_id"].astype(str)).set_index("area_id")["kind"]
    unit = base["area_id"].map(kinds).map(lambda k: BASE_UNITS.get(k, OTHER_BASE))
    found = {u: int(c) for u, c in unit.value_counts().items()}
    counts = {u: found[u] for u in [*BASE_UNITS.values(), OTHER_BASE] if u in found}
    return {"over": over, "unit_counts": counts, "n_areas": int(len(base)),
            "n_groups": int(base["muni"].nunique())}


def theil_shares(district, year: int | None = None, indicator: str = "sgb2_quote",
                 over: str = "base", res: pd.DataFrame | None = None) -> pd.DataFrame:
    """Theil T decomposition of an indicator over the base areas grouped by municipality.

    Parameters
    ----------
    over : {"base", "sozialraum"}
        The areas decomposed: ``"base"`` (default, the report's table) all base areas
        (Sozialräume, Mitgliedsgemeinden and municipalities without Sozialräume);
        ``"sozialraum"`` only the Sozialräume, grouped by their town. The between share depends
        on this choice (Musterland 2024: 27,6 % over the 56 base areas, 2,9 % over the 36
        Sozialräume of the three towns), so the result says which it is.

    Returns a DataFrame with the rows ``between``, ``within`` and ``total`` and the columns
    ``theil``, ``share`` (percent of the total; between + within = 100) and ``n_areas`` (the
    areas the part covers), followed by one row per municipality with more than one area
    (``within:<area_id>``, its contribution to the within part). ``attrs`` names the areas:
    ``over``, ``unit_counts`` (areas by group, :data:`BASE_UNITS`), ``n_areas`` and ``n_groups`` (municipalities), and
    ``left_out`` (area keys whose value is missing, e.g. incomplete input rows: the
    decomposition covers the complete areas only) with ``left_out_names``, and ``suppressed``
    (area keys left out because ``res``, the published values, suppresses them: see
    :func:`base_values`).
    """
    if over not in ("base", "sozialraum"):
        raise ValueError(f"over must be 'base' or 'sozialraum', got {over!r}")
    year = int(year or district.report_year)
    base = base_values(district, indicator, year, res=res)
    gone = base.attrs.get("left_out", base.iloc[:0][["area_id", "muni"]])
    hidden = base.attrs.get("suppressed", base.iloc[:0][["area_id", "muni"]])
    if over == "sozialraum":
        kinds = district.areas.assign(area_id=district.areas["area_id"].astype(str)).set_index("area_id")["kind"]
        base = base[base["area_id"].map(kinds) == "Sozialraum"].reset_index(drop=True)
        gone = gone[gone["area_id"].map(kinds) == "Sozialraum"]
        hidden = hidden[hidden["area_id"].map(kinds) == "Sozialraum"]
        if base.empty:
            raise ValueError(f"{district.name} has no Sozialraum with a value of {indicator} in {year}")
    dec = disparity.theil_decomposition(base, "value", "denominator", group="muni", measure="T")
    total = float(dec.total)
    rows = [("between", float(dec.bg), len(base)), ("within", float(dec.wg), len(base)),
            ("total", total, len(base))]
    n = base.groupby("muni").size()
    g = dec.groups.set_index("muni")
    for muni in n[n > 1].index:
        rows.append((f"within:{muni}", float(g.loc[muni, "within_contribution"]), int(n[muni])))
    out = pd.DataFrame(rows, columns=["part", "theil", "n_areas"]).set_index("part")
    out.insert(1, "share", 100 * out["theil"] / total)
    out.attrs.update(_unit_counts(district, base, over))
    out.attrs["left_out"] = sorted(gone["area_id"].astype(str))
    out.attrs["left_out_names"] = [f"{district.name_of(a)} ({district.name_of(m)})"
                                   for a, m in sorted(zip(gone["area_id"].astype(str), gone["muni"].astype(str)))]
    out.attrs["suppressed"] = sorted(hidden["area_id"].astype(str))
    return out
