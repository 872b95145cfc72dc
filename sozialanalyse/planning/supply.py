"""Services against need per Sozialraum: supply ratios against guide values, reach, the gaps.

The planning floor (imports the protected floor and those below it; the pages read supply and
reach from here, never from :mod:`sozialanalyse.stats.access`). Front door: ``sa.supply``.

For every facility type of the config (``supply: types:``, :class:`sozialanalyse.model.config.SupplyType`)
and every area (the base areas -- Sozialräume, Mitgliedsgemeinden, towns without Sozialräume --,
the municipalities and the Kreis) in the report year:

* **served population** :math:`N_A`: the people of the type's ages, the *published* counts of
  the protected layer (:mod:`sozialanalyse.protected.layer`; registered in
  :mod:`sozialanalyse.protected.measures`). Ages that do not start and end at the five-year bands
  of the input are estimated from the bands, assuming ages spread evenly within a band: the
  children aged 1 to 5 are :math:`\\tfrac45 N_{0-4} + \\tfrac15 N_{5-9}` (:func:`band_weights`).
* **supply** :math:`S_A`: summed over the facilities inside the area (a facility outside every
  area of the district counts for no area's supply, see :func:`outside`): ``places`` (the
  ``capacity`` column), ``facilities`` (their number) or ``fte`` (full-time posts,
  ``staff_hours / fte_hours``).
* **ratio** :math:`r_A = S_A / N_A \\cdot p` (supply per ``per`` = :math:`p` served persons),
  **required** :math:`R_A = g N_A / p` for the guide value :math:`g` and the **gap**
  :math:`\\max(R_A - S_A, 0)` in the type's unit (places, facilities, posts).
* **reach**: the share of the served persons within each distance of ``reach_m`` (straight line)
  of the nearest facility of the type, from the population-weighted address points of the data
  folder (``adressen.csv``, persons by age band at points), never from area centroids; a facility
  outside the district counts here (people near the border use it). Without address points the
  reach is not computed (NaN).
* **reach along streets**: the same shares by the distance along the street network where the
  data folder has one (``strassen.csv``, :mod:`sozialanalyse.planning.streets`: the address
  point's straight way to its nearest street plus the shortest way along the streets to the
  nearest facility, one multi-source Dijkstra run); NaN without a network. Where there is a
  network, the low-reach flag of the gaps reads the reach along the streets.

Disclosure (the rules of the protected layer, issue #14): the ratio, the required supply and the
gap give the served population back (the supply is public), so they are withheld wherever it is
(``status`` of the served population, "secondary" for an estimate from a suppressed band, and
"primary" for an estimate that rounds to a count from 1 to ``threshold - 1``). A reach share is
a share of persons: it is withheld ("primary") where the persons within or beyond the distance
round to 1 to ``threshold - 1`` (or to 0, with ``zeros_visible: false``), exactly where a count
cell of the layer is, or where the served population is withheld; where exactly one
part of an area (a base area of a municipality, a municipality of the Kreis) is withheld, the
smallest other part is withheld too ("secondary"), so that the area's share and the other parts
do not give it back by subtraction. The shares at different distances of one area, straight and
along streets, are withheld together. A published share is written (page, profile, data sheet)
with as many decimals as it takes to admit no count of 1 to ``threshold - 1`` within or beyond
(``0,00 %`` of 2.292 persons), and the build's audit inverts it at those decimals against the
served population in its row.

References
----------
Gemeinsamer Bundesausschuss: Bedarfsplanungs-Richtlinie, § 11 (allgemeine Verhältniszahlen;
hausärztliche Versorgung 1:1.609). The other default guide values are examples of a Landkreis
and say so (:data:`sozialanalyse.model.config.SUPPLY_TYPES`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ..io.validate import FACILITY_TOLERANCE_M
from ..model.areas import AGE_GROUPS, area_names, base_areas, level_ids, level_of, report_year
from ..model.config import SupplySettings, SupplyType, as_config
from ..protected import layer as _layer
from . import streets as _streets

__all__ = ["GAP_COLUMNS", "GAP_STEP", "actionable_gap", "band_weights", "gaps", "has_street_network", "low_reach_column", "outside", "reach_shares", "served_population",
           "served_specs", "settings", "supply_ratio"]

#: The columns of :func:`gaps`, in order (see its docstring).
GAP_COLUMNS = ("area_id", "name", "level", "parent_id", "type", "measure", "facilities", "supply", "served",
               "served_status", "estimated", "ratio", "guide", "per", "required", "gap", "below_guide", "status",
               "reach_status", "low_reach", "shortfall", "rank")


def _band(label: str) -> tuple[int, int | None]:
    lo, _, hi = label.replace("+", "-").partition("-")
    return int(lo), (int(hi) if hi else None)


def band_weights(ages) -> dict[str, float]:
    """The share of each five-year age band that lies within ``ages`` (ages spread evenly in a band).

    Parameters
    ----------
    ages : (int, int or None)
        Lower and upper age in whole years, both included; upper None: and over.

    Returns
    -------
    dict
        Age band label -> weight in (0, 1], for the bands that overlap ``ages``.

    Notes
    -----
    For a band :math:`[a, a+4]`, the weight is :math:`|[a, a+4] \\cap [l, u]| / 5` (whole years);
    the open band ``90+`` counts only whole (``l <= 90`` and ``u`` open).

    Examples
    --------
    >>> band_weights((1, 5))
    {'0-4': 0.8, '5-9': 0.2}
    >>> list(band_weights((80, None)))
    ['80-84', '85-89', '90+']
    """
    lo, hi = int(ages[0]), ages[1]
    out = {}
    for label in AGE_GROUPS:
        b_lo, b_hi = _band(label)
        if b_hi is None:
            if hi is None and lo <= b_lo:
                out[label] = 1.0
            elif hi is not None and hi >= b_lo or (hi is None and lo > b_lo):
                raise ValueError(f"ages {ages}: the open band {label} cannot be split; give ages ending below "
                                 f"{b_lo} or starting at most at {b_lo} with no upper age")
            continue
        top = b_hi if hi is None else min(b_hi, int(hi))
        n = top - max(b_lo, lo) + 1
        if n > 0:
            out[label] = n / 5
    return out


def served_specs(ages) -> list[tuple[dict, float]]:
    """The counts of the protected layer a served population is summed from, with weights.

    Whole bands from ``lower`` to ``upper`` are one count (``einwohner`` with an ``age`` filter);
    ages that split a band are summed band by band with :func:`band_weights`.

    Examples
    --------
    >>> served_specs((65, None))
    [({'variable': 'einwohner', 'age': [65, None]}, 1.0)]
    >>> served_specs((0, None))
    [({'variable': 'einwohner'}, 1.0)]
    >>> served_specs((1, 5))
    [({'variable': 'einwohner', 'age': [0, 4]}, 0.8), ({'variable': 'einwohner', 'age': [5, 9]}, 0.2)]
    """
    w = band_weights(ages)
    if all(v == 1.0 for v in w.values()):
        if int(ages[0]) == 0 and ages[1] is None:
            return [({"variable": "einwohner"}, 1.0)]
        return [({"variable": "einwohner", "age": [int(ages[0]), None if ages[1] is None else int(ages[1])]}, 1.0)]
    return [({"variable": "einwohner", "age": list(_band(b))}, v) for b, v in w.items()]


#: How a gap is shown (:func:`actionable_gap`): measure -> (step, rounding up). Facilities are
#: opened whole, so a fraction of one is rounded up (0,2 Beratungsstellen missing: one must be
#: opened); places and full-time posts are divisible (whole places, tenths of a post) and are
#: rounded to the nearest step, so that 0,03 posts are no gap.
GAP_STEP = {"places": (1.0, False), "facilities": (1.0, True), "fte": (0.1, False)}


def actionable_gap(gap, measure: str):
    """The gap in the steps a planner acts on (:data:`GAP_STEP`): facilities rounded up to whole
    ones, :math:`\\lceil \\text{gap} \\rceil`; places to the nearest whole place and posts to the
    nearest tenth; 0 stays 0 and NaN (withheld, missing) stays NaN.

    Notes
    -----
    A Seniorenberatung planned at 1 per 10.000 inhabitants aged 65+ in a town of 12.000 such
    inhabitants with one Beratungsstelle has the exact gap 0,2: no fifth of a Beratungsstelle can
    be opened, one more can, so the gap shown is 1. A gap of 0,3 Kita places is none worth a
    plan (0 places), 0,86 posts of Hausärzte is 0,9 posts.

    Examples
    --------
    >>> actionable_gap(0.2, "facilities"), actionable_gap(1.0000000001, "facilities"), actionable_gap(5.48, "places")
    (1.0, 1.0, 5.0)
    >>> actionable_gap(0.8636, "fte"), actionable_gap(0.03, "fte"), actionable_gap(0.0, "facilities")
    (0.9, 0.0, 0.0)
    >>> actionable_gap(float("nan"), "fte")
    nan
    """
    g = float(gap)
    if not np.isfinite(g):
        return g
    if g <= 0:
        return 0.0
    step, up = GAP_STEP[measure]
    n = np.ceil(g / step - 1e-9) if up else np.floor(g / step + 0.5)
    return round(float(n) * step, 1)


def supply_ratio(supply, served, per: float):
    """Supply per ``per`` served persons, :math:`S / N \\cdot p`; NaN where :math:`N` is 0 or missing.

    Examples
    --------
    >>> supply_ratio([90.0, 10.0], [100.0, 0.0], 100).tolist()
    [90.0, nan]
    """
    s, n = np.asarray(supply, dtype=float), np.asarray(served, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, s / n * float(per), np.nan)


def reach_shares(points_xy, weights, groups, facilities_xy, distances, network=None) -> pd.DataFrame:
    """Population-weighted share of points within each distance of the nearest facility, by group.

    Parameters
    ----------
    points_xy : array-like (n, 2)
        Address points (projected coordinates, metres).
    weights : array-like (n,)
        Persons at each point (may be fractional, e.g. an estimate of an age range).
    groups : array-like (n,)
        The area of each point.
    facilities_xy : array-like (m, 2)
        The facilities.
    distances : sequence of float
        Distances (metres): straight-line, or along ``network``.
    network : StreetNetwork, optional
        With a street network (:class:`sozialanalyse.planning.streets.StreetNetwork`), the
        distance along it (snap distance plus network distance) instead of the straight line.

    Returns
    -------
    DataFrame
        One row per group (in order of first appearance): ``group``, ``persons`` (:math:`n_A`),
        ``within_<d>`` (persons within ``d``, :math:`x_A(d)`) and ``share_<d>`` (percent) for
        each distance ``d`` (written as a whole number); shares NaN without facilities or
        persons.

    Notes
    -----
    :math:`x_A(d) = \\sum_{i \\in A} w_i [\\min_j \\lVert p_i - f_j \\rVert_2 \\le d]`, the
    nearest facility found with a k-d tree (:class:`scipy.spatial.cKDTree`, one query of
    :math:`O(n \\log m)`), share :math:`100\\,x_A(d)/n_A`; along a network the norm is replaced
    by the network distance :math:`D(p_i)` of :meth:`StreetNetwork.distances`.

    Examples
    --------
    >>> r = reach_shares([(0, 0), (0, 700), (0, 2000)], [2, 1, 1], ["a", "a", "b"], [(0, 100)], [500, 1000])
    >>> r[["group", "persons", "within_500", "share_500", "share_1000"]].values.tolist()
    [['a', 3.0, 2.0, 66.66666666666667, 100.0], ['b', 1.0, 0.0, 0.0, 0.0]]
    """
    p = np.asarray(points_xy, dtype=float).reshape(-1, 2)
    w = np.asarray(weights, dtype=float)
    g = pd.Index(pd.unique(np.asarray(groups, dtype=object)))
    code = g.get_indexer(np.asarray(groups, dtype=object))
    f = np.asarray(facilities_xy, dtype=float).reshape(-1, 2)
    if network is not None:
        d = network.distances(p, f)[0]
    else:
        d = cKDTree(f).query(p, k=1)[0] if len(f) else np.full(len(p), np.inf)
    persons = np.bincount(code, weights=w, minlength=len(g))
    out = {"group": list(g), "persons": persons}
    for dist in distances:
        x = np.bincount(code, weights=w * (d <= dist), minlength=len(g))
        out[f"within_{int(dist)}"] = x
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"share_{int(dist)}"] = np.where((persons > 0) & (len(f) > 0), 100 * x / persons, np.nan)
    return pd.DataFrame(out)


def low_reach_column(district) -> str:
    """The column of :func:`gaps` the low-reach flag and the shortfall read: the share at the
    largest distance of ``supply: reach_m`` along the streets (``reach_street_<d>``) where the
    data folder has a street network (the way people really walk), else the straight line
    (``reach_<d>``).

    Examples
    --------
    >>> import sozialanalyse as sa
    >>> low_reach_column(sa.load("musterland"))
    'reach_street_1000'
    """
    d = int(max(settings(district).reach_m))
    return f"reach_street_{d}" if has_street_network(district) else f"reach_{d}"


def has_street_network(district) -> bool:
    """Whether ``district``'s data folder has a street network (:func:`sozialanalyse.planning.streets.network`
    is not None).

    Where the district's protected layer is at hand (kept with the district, or the build's file
    named by :data:`sozialanalyse.protected.layer.ENV_VAR`), the answer is a shared frame of the
    layer (:meth:`~sozialanalyse.protected.layer.Layer.shared`, key ``street_network``): the build
    reads and checks ``strassen.csv`` once (:func:`gaps` in ``shared_work_once``) and a profile
    kernel reads one boolean instead of the whole file (about 0,09 s). Elsewhere (a planner's
    district without a layer, official data) the network is read here, and no layer is computed
    for this alone. (A kernel whose named file holds another district's layer computes its own
    layer here, as the first page asking for any published number there would.)

    >>> import sozialanalyse as sa
    >>> has_street_network(sa.load("musterland"))
    True
    """
    def present() -> bool:
        return _streets.network(district) is not None

    if not _layer.at_hand(district):
        return present()
    frame = _layer.of(district).shared("street_network", lambda: pd.DataFrame({"network": [present()]}))
    return bool(frame["network"].iloc[0])


def settings(district) -> SupplySettings:
    """The supply settings of ``district``'s config (defaults without a ``supply:`` block)."""
    return as_config(getattr(district, "config", None)).supply


# ---------------------------------------------------------------------------------------------
# facilities
# ---------------------------------------------------------------------------------------------


def _located(district) -> pd.DataFrame:
    """The facilities with ``base`` (their base area, None when outside every area) and
    ``distance_m`` (how far outside the district; 0 inside), cached on the district."""
    cached = getattr(district, "_supply_facilities", None)
    if cached is not None:
        return cached
    import shapely  # GIS stack, loaded only where geometry is used

    fac = district.facilities.copy().reset_index(drop=True)
    base = base_areas(district.areas)["area_id"].tolist()
    geo = district.geometry
    g = geo[geo["area_id"].isin(base)]
    shapes = dict(zip(g["area_id"], g.geometry))
    pts = shapely.points(fac["x"].to_numpy(dtype=float), fac["y"].to_numpy(dtype=float))
    dist = shapely.distance(pts, shapely.union_all(list(shapes.values()))) if len(fac) else np.array([])
    own = fac["area_id"].where(fac["area_id"].isin(set(shapes)))
    # a facility keyed to an area with parts (a Stadt with Sozialräume): the part containing it
    for i in np.flatnonzero(own.isna().to_numpy() & (dist <= FACILITY_TOLERANCE_M)):
        parts = set(district.base_of(fac.at[i, "area_id"])) if fac.at[i, "area_id"] in set(district.areas["area_id"]) \
            else set(shapes)
        near = sorted((shapely.distance(pts[i], shapes[a]), a) for a in parts if a in shapes)
        own.iloc[i] = near[0][1] if near else None
    fac["base"] = own.where(dist <= FACILITY_TOLERANCE_M)
    fac["distance_m"] = np.where(dist <= FACILITY_TOLERANCE_M, 0.0, dist)
    district._supply_facilities = fac
    return fac


def outside(district) -> pd.DataFrame:
    """The facilities more than :data:`sozialanalyse.io.validate.FACILITY_TOLERANCE_M` metres
    outside every area of the district: listed, not lost. They count for the reach of the people
    near them, not for any area's supply.

    Returns
    -------
    DataFrame
        ``facility_id``, ``name``, ``type``, ``area_id`` (as given), ``x``, ``y``,
        ``distance_m`` (to the district's boundary).
    """
    f = _located(district)
    return f[f["base"].isna()][["facility_id", "name", "type", "area_id", "x", "y", "distance_m"]].reset_index(drop=True)


def _supply_values(fac: pd.DataFrame, spec: SupplyType, fte_hours: float) -> pd.Series:
    if spec.measure == "places":
        return fac["capacity"].astype(float) if "capacity" in fac else pd.Series(np.nan, index=fac.index)
    if spec.measure == "fte":
        return (fac["staff_hours"].astype(float) / fte_hours if "staff_hours" in fac
                else pd.Series(np.nan, index=fac.index))
    return pd.Series(1.0, index=fac.index)


# ---------------------------------------------------------------------------------------------
# served population (published)
# ---------------------------------------------------------------------------------------------


def served_population(district, facility_type: str, area_ids, year: int | None = None) -> pd.DataFrame:
    """The published served population of ``facility_type`` for ``area_ids`` in ``year``.

    Returns
    -------
    DataFrame
        ``area_id``, ``value`` (NaN where withheld or incomplete), ``status`` ("" / "primary" /
        "secondary") and ``estimated`` (True where ages split a five-year band, :func:`band_weights`).
    """
    year = report_year(district, year)
    spec = settings(district).types[facility_type]
    L = _layer.of(district)
    ids = [str(a) for a in area_ids]
    parts = served_specs(spec.ages)
    try:
        frames = [(L.counts(s, area_ids=ids, years=[year]).set_index("area_id").reindex(ids), w) for s, w in parts]
    except KeyError:  # an age range no page registered: summed from the bands of the pyramid
        parts = [({"variable": "einwohner", "age": list(_band(b))}, w) for b, w in band_weights(spec.ages).items()]
        frames = [(L.counts(s, area_ids=ids, years=[year]).set_index("area_id").reindex(ids), w) for s, w in parts]
    value = sum(w * c["value"].to_numpy(dtype=float) for c, w in frames)
    status = np.array([""] * len(ids), dtype=object)
    for c, _ in frames:
        st = c["status"].fillna("").to_numpy(dtype=object)
        status = np.where((status == "") & (st != ""), st if len(frames) == 1 else "secondary", status)
    estimated = len(frames) > 1 or any(w != 1.0 for _, w in parts)
    if estimated:  # an estimate that rounds to a small count is a small count
        t = _layer.settings(district).threshold
        r = np.round(value)
        status = np.where((status == "") & (r >= 1) & (r < t), "primary", status)
    value = np.where(status == "", value, np.nan)
    return pd.DataFrame({"area_id": ids, "value": value, "status": status.astype(str), "estimated": estimated})


# ---------------------------------------------------------------------------------------------
# reach (address points)
# ---------------------------------------------------------------------------------------------


def _point_weights(district, spec: SupplyType) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    pts = getattr(district, "addresses", None)
    if pts is None or len(pts) == 0:
        return None
    w = sum(float(v) * pts[b].to_numpy(dtype=float) for b, v in band_weights(spec.ages).items())
    return pts[["x", "y"]].to_numpy(dtype=float), np.asarray(w, dtype=float), pts["area_id"].astype(str).to_numpy()


def _relations(district) -> list[tuple[str, list[str]]]:
    """(parent, parts) of the areas the reach is published for: the base areas of each
    municipality that has parts, and the municipalities of the Kreis."""
    to_muni = level_of(district, "gemeindeverband")
    out = []
    for m, grp in to_muni.groupby(to_muni.to_numpy(), sort=False):
        parts = [b for b in grp.index if b != m]
        if parts:
            out.append((str(m), [str(b) for b in parts]))
    out.append((str(district.kreis["area_id"]), [str(m) for m in level_ids(district, "gemeindeverband")]))
    return out


def _reach(district, facility_type: str, spec: SupplyType, served: pd.DataFrame, distances) -> pd.DataFrame:
    """Reach shares per area (base, municipality, Kreis) with their disclosure status."""
    ids = served["area_id"].tolist()
    kinds = ["reach_", "reach_street_"]
    cols = [f"{k}{int(d)}" for k in kinds for d in distances]
    pw = _point_weights(district, spec)
    net = _streets.network(district)
    if pw is None:
        return pd.DataFrame({"area_id": ids, **{c: np.nan for c in cols}, "reach_status": ""})
    xy, w, area = pw
    fac = _located(district)
    fac = fac[fac["type"] == facility_type]
    fxy = fac[["x", "y"]].to_numpy(dtype=float)
    base = reach_shares(xy, w, area, fxy, distances).set_index("group")
    if net is not None:
        along = reach_shares(xy, w, area, fxy, distances, network=net).set_index("group")
        base = base.join(along[[f"within_{int(d)}" for d in distances]].add_prefix("street_"))
    rows = {}
    for lv in ("base", "gemeindeverband", "kreis"):
        mapping = level_of(district, lv)
        agg = base.groupby(base.index.map(mapping)).sum()
        for a, r in agg.iterrows():
            rows.setdefault(str(a), r)
    ds = _layer.settings(district)
    t, zeros = ds.threshold, ds.zeros_visible
    st_served = dict(zip(served["area_id"], served["status"]))
    out, status = {}, {}
    for a in ids:
        r = rows.get(a)
        if r is None:
            out[a], status[a] = [np.nan] * len(distances), ""
            continue
        n = float(r["persons"])
        xs = [float(r[f"within_{int(d)}"]) for d in distances]
        xs += [float(r[f"street_within_{int(d)}"]) if net is not None else np.nan for d in distances]
        # the persons within and beyond are count cells: small as the layer's (disclosure._sensitive)
        lowest = 0 if not zeros else 1
        small = any((lowest <= round(v) < t) or (lowest <= round(n - v) < t) for v in xs if not np.isnan(v))
        status[a] = st_served.get(a) or ("primary" if small else "")
        out[a] = [100 * v / n if n > 0 and len(fac) else np.nan for v in xs]
    # secondary: no area's share and its other parts give a single withheld part back
    changed = True
    while changed:
        changed = False
        for parent, parts in _relations(district):
            parts = [p for p in parts if p in status]
            held = [p for p in parts if status[p]]
            if len(held) == 1 and parent in status and not status[parent]:
                free = [p for p in parts if not status[p]]
                if free:
                    pick = min(free, key=lambda p: float(rows[p]["persons"]) if p in rows else 0.0)
                    status[pick], changed = "secondary", True
    frame = pd.DataFrame({"area_id": ids, "reach_status": [status[a] for a in ids]})
    for j, c in enumerate(cols):
        frame[c] = [np.nan if status[a] else out[a][j] for a in ids]
    return frame


# ---------------------------------------------------------------------------------------------
# the gaps
# ---------------------------------------------------------------------------------------------


def gaps(district, area_ids=None, year: int | None = None) -> pd.DataFrame:
    """Supply against need per area and facility type, with reach and the ranked gaps.

    Parameters
    ----------
    district : District
        An own-format district with facilities (and, for the reach, address points).
    area_ids : list of str, optional
        The areas to return (default: every base area, municipality and the Kreis).
    year : int, optional
        The report year (the served population is registered for it).

    Returns
    -------
    DataFrame
        One row per facility type (config order) and area (base areas, municipalities, Kreis),
        columns :data:`GAP_COLUMNS` and ``reach_<d>`` for each distance of ``supply: reach_m``:

        ``area_id``, ``name``; ``level`` (``base``, ``gemeindeverband``, ``kreis``; a town
        without Sozialräume is a base area *and* a municipality and appears as ``base``);
        ``parent_id`` (the municipality of a base area, else the Kreis; empty for the Kreis);
        ``type``; ``measure`` (``places``, ``facilities``, ``fte``); ``facilities`` (number
        inside the area); ``supply`` (:math:`S_A`, NaN where a facility lacks its capacity);
        ``served`` (published served population :math:`N_A`), ``served_status``,
        ``estimated``; ``ratio`` (:math:`S_A/N_A \\cdot p`), ``guide`` (:math:`g`, NaN without a
        guide), ``per`` (:math:`p`), ``required`` (:math:`g N_A/p`), ``gap``
        (:math:`\\max(R_A - S_A, 0)`, in the measure's unit, exact; the pages show it in the
        steps a planner acts on, :func:`actionable_gap`), ``below_guide``; ``status`` (of
        ratio, required and gap: withheld where the served population is); ``reach_<d>`` (percent of
        the served persons within ``d`` metres, straight line), ``reach_street_<d>`` (the same along
        the streets; NaN without a street network), ``reach_status``, ``low_reach``
        (the share at the largest distance below ``supply: low_reach``: along the streets where
        the data folder has a street network, straight line otherwise, :func:`low_reach_column`);
        ``shortfall`` (the
        larger of ``gap / required`` and, where reach is low, the share beyond the largest
        distance: 0 to 1) and ``rank`` (1 = largest shortfall among the base areas below the
        guide or with low reach, over all types; NaN otherwise). NaN is missing or withheld,
        never 0.

    Examples
    --------
    >>> import sozialanalyse as sa
    >>> g = sa.supply.gaps(sa.load("musterland"), ["03499"])
    >>> g[["type", "measure", "guide", "per"]].values.tolist()[0]
    ['Kita', 'places', 80.0, 100]
    """
    year = report_year(district, year)
    # every area at once, once per protected layer (kept with the district): read from the file a
    # build saved beside the layer (same fingerprint), else computed here, the same frame either way
    out = _layer.of(district).shared(f"supply_gaps_{int(year)}", lambda: _all_gaps(district, year))
    ids = list(dict.fromkeys(out["area_id"].astype(str)))
    if area_ids is not None:
        want = [str(a) for a in ([area_ids] if isinstance(area_ids, str) else area_ids)]
        unknown = [a for a in want if a not in set(ids)]
        if unknown:
            raise KeyError(f"unknown area key(s) {', '.join(unknown)} (not an area of {district.name})")
        out = out[out["area_id"].isin(want)]
    return out.reset_index(drop=True).copy()


def _all_gaps(district, year: int) -> pd.DataFrame:
    """:func:`gaps` for every area, in the order of the areas (base areas, the municipalities
    that are not one, the Kreis) within each type (computed once per layer and year)."""
    cfg = settings(district)
    names = area_names(district)
    base = base_areas(district.areas)["area_id"].astype(str).tolist()
    munis = [str(m) for m in level_ids(district, "gemeindeverband")]
    kreis = str(district.kreis["area_id"])
    order = [(a, "base") for a in base] + [(m, "gemeindeverband") for m in munis if m not in set(base)] + [(kreis, "kreis")]
    ids = [a for a, _ in order]
    to_muni = level_of(district, "gemeindeverband")
    parent = {a: (str(to_muni.get(a, kreis)) if lv == "base" and str(to_muni.get(a, a)) != a else
                  ("" if lv == "kreis" else kreis)) for a, lv in order}
    fac = _located(district)
    inside = fac[fac["base"].notna()]
    members = {a: set(district.base_of(a)) for a in ids}
    frames = []
    for ftype, spec in cfg.types.items():
        f = inside[inside["type"] == ftype]
        values = _supply_values(f, spec, cfg.fte_hours)
        served = served_population(district, ftype, ids, year)
        reach = _reach(district, ftype, spec, served, cfg.reach_m)
        rows = []
        for (a, lv), n, n_st in zip(order, served["value"], served["status"]):
            sel = f["base"].isin(members[a]).to_numpy()
            s = float(values[sel].sum(skipna=False)) if sel.any() else 0.0
            rows.append({"area_id": a, "name": names.get(a, a), "level": lv, "parent_id": parent[a], "type": ftype,
                         "measure": spec.measure, "facilities": int(sel.sum()), "supply": s, "served": n,
                         "served_status": n_st})
        t = pd.DataFrame(rows)
        t["estimated"] = bool(served["estimated"].iloc[0])
        t["ratio"] = supply_ratio(t["supply"], t["served"], spec.per)
        t["guide"] = np.nan if spec.guide is None else float(spec.guide)
        t["per"] = int(spec.per)
        t["required"] = t["guide"] * t["served"] / spec.per
        t["gap"] = np.clip(t["required"] - t["supply"], 0, None)
        t["below_guide"] = (t["gap"] > 0).fillna(False).astype(bool) if spec.guide is not None else False
        t["status"] = t["served_status"]
        t = t.merge(reach, on="area_id", how="left")
        far = low_reach_column(district)
        t["low_reach"] = (t[far] < cfg.low_reach).fillna(False).astype(bool) & (spec.level == "base")
        with np.errstate(divide="ignore", invalid="ignore"):
            unmet = np.where(t["required"] > 0, t["gap"] / t["required"], 0.0)
        beyond = np.where(t["low_reach"], 1 - t[far] / 100, 0.0)
        t["shortfall"] = np.fmax(np.nan_to_num(unmet), np.nan_to_num(beyond))
        frames.append(t)
    out = pd.concat(frames, ignore_index=True)
    planned = out["type"].map({k: v.level for k, v in cfg.types.items()})
    at_level = np.where(planned == "base", out["level"] == "base",
                        np.where(planned == "kreis", out["level"] == "kreis", out["area_id"].isin(set(munis))))
    flagged = pd.Series(at_level, index=out.index) & (out["below_guide"] | out["low_reach"])
    ranks = out.loc[flagged, "shortfall"].rank(ascending=False, method="first")
    out["rank"] = np.nan
    out.loc[flagged, "rank"] = ranks
    reach_cols = [f"reach_{int(d)}" for d in cfg.reach_m] + [f"reach_street_{int(d)}" for d in cfg.reach_m]
    cols = [c for c in GAP_COLUMNS if c not in ("reach_status", "low_reach", "shortfall", "rank")]
    return out[[*cols, *reach_cols, "reach_status", "low_reach", "shortfall", "rank"]]
