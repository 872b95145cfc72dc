"""Access to facilities: straight-line distance from the base areas to the nearest facility.

The statistics floor (imports only :mod:`sozialanalyse.model` and this floor). Each base area
(Sozialraum, Mitgliedsgemeinde, or Stadt / Einheitsgemeinde without Sozialräume) is represented
by the representative point of its polygon (a point inside it); its straight-line distance to
the nearest facility of a type is weighted with a population (by default the people aged 80+)
to a mean per area. Distances are Euclidean in the coordinates of the geometry (metres in
EPSG:25832), not distances along roads.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ..model.areas import age_groups_between, base_areas
from .aggregate import area_names, level_ids, level_of, report_year, sum_counts

__all__ = ["base_area_distances", "facility_distance", "nearest_distance"]


def nearest_distance(points_xy, facilities_xy) -> np.ndarray:
    """Straight-line (Euclidean) distance from each point to the nearest facility.

    Parameters
    ----------
    points_xy, facilities_xy : array-like of shape (n, 2)
        Coordinates (x, y), in a projected reference system.

    Returns
    -------
    ndarray of float
        One distance per point, in the units of the coordinates; NaN for every point when there
        is no facility.

    Notes
    -----
    :math:`d_i = \\min_j \\lVert p_i - f_j \\rVert_2`, found with a k-d tree
    (:class:`scipy.spatial.cKDTree`).

    Examples
    --------
    >>> nearest_distance([(0, 0), (10, 0)], [(3, 4), (10, 1)]).tolist()
    [5.0, 1.0]
    """
    p = np.asarray(points_xy, dtype=float).reshape(-1, 2)
    f = np.asarray(facilities_xy, dtype=float).reshape(-1, 2)
    if len(f) == 0:
        return np.full(len(p), np.nan)
    d, _ = cKDTree(f).query(p, k=1)
    return np.asarray(d, dtype=float)


def _base_weights(district, year: int, min_age: int) -> pd.Series:
    """Population aged ``min_age``+ per base area; NaN for a base area with absent rows
    (``skipna=False``: unknown, not weight 0)."""
    pop = sum_counts(district, "einwohner", "base", [year], by=["age_group"])
    return pop[pop["age_group"].isin(age_groups_between(min_age))].groupby("area_id")["value"].agg(
        lambda v: v.sum(skipna=False))


def base_area_distances(district, year: int | None = None, facility_type: str = "Pflegestützpunkt",
                        min_age: int = 80):
    """Distance of every base area to the nearest facility of ``facility_type``, with its weight.

    Parameters
    ----------
    district : District
        With ``geometry`` and ``facilities`` (``type``, ``x``, ``y``, ``area_id``).
    year : int, optional
        Year of the population (default: the district's report year).
    facility_type : str
        Value of the facilities' ``type`` column.
    min_age : int
        The weight is the population aged ``min_age`` and over.

    Returns
    -------
    DataFrame
        One row per base area with a polygon, in the order of the geometry: ``area_id``,
        ``name``, ``x``, ``y`` (representative point), ``distance_km``, ``weight`` (population aged ``min_age``+;
        NaN where its rows are absent).
    """
    year = report_year(district, year)
    base = base_areas(district.areas)["area_id"].tolist()
    geo = district.geometry
    g = geo[geo["area_id"].isin(base)]
    pts = g.geometry.representative_point()
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    fac = district.facilities[district.facilities["type"] == facility_type]
    dist = nearest_distance(xy, fac[["x", "y"]].to_numpy()) / 1000
    ids = g["area_id"].to_numpy()
    names = area_names(district)
    out = pd.DataFrame({"area_id": ids, "name": [names.get(a, a) for a in ids], "x": xy[:, 0], "y": xy[:, 1],
                        "distance_km": dist})
    out["weight"] = out["area_id"].map(_base_weights(district, year, min_age))
    return out


def facility_distance(district, year: int | None = None, level: str = "gemeindeverband",
                      facility_type: str = "Pflegestützpunkt") -> pd.DataFrame:
    """Mean straight-line distance of the people aged 80+ to the nearest facility, per area of
    ``level`` and for the Kreis (last row).

    Parameters
    ----------
    district : District
    year : int, optional
        Year of the population (default: the district's report year).
    level : str
        Level of the area tree, or ``base``.
    facility_type : str
        Value of the facilities' ``type`` column.

    Returns
    -------
    DataFrame
        ``area_id``, ``name``, ``einwohner_80plus`` (the weight), ``distance_km`` (weighted
        mean), ``max_km`` (largest base-area distance), ``facilities`` (number inside the area).
        An area with a base area whose population rows are absent has NaN weight and distance
        ("fehlt"), not a mean over its other parts.

    Notes
    -----
    :math:`\\bar d_A = \\sum_{i \\in A} w_i d_i / \\sum_{i \\in A} w_i` over the base areas
    *i* of area *A*, :math:`d_i` from :func:`nearest_distance`.
    """
    year = report_year(district, year)
    b = base_area_distances(district, year, facility_type, min_age=80)
    b = pd.DataFrame({"base": b["area_id"], "distance": b["distance_km"], "weight": b["weight"]})
    fac = district.facilities[district.facilities["type"] == facility_type]
    names = area_names(district)
    rows = []
    for lv in (level, "kreis"):
        mapping = level_of(district, lv)
        b["area_id"] = b["base"].map(mapping)
        fac_area = fac["area_id"].map(mapping)
        for a, grp in b.dropna(subset=["area_id"]).groupby("area_id", sort=False):
            w = grp["weight"].sum(skipna=False)  # NaN if a part is incomplete: 'fehlt', not a smaller sum
            rows.append({"area_id": a, "name": names.get(a, a), "einwohner_80plus": w,
                         "distance_km": float((grp["distance"] * grp["weight"]).sum() / w) if w > 0 else np.nan,
                         "max_km": float(grp["distance"].max()),
                         "facilities": int((fac_area == a).sum())})
    out = pd.DataFrame(rows)
    order = [*level_ids(district, level), district.kreis["area_id"]]
    return out.set_index("area_id").reindex([a for a in order if a in set(out["area_id"])]).reset_index()
