"""Tests of sozialanalyse.stats.access: the straight-line distance to the nearest facility.

Reference values are hand calculations (3-4-5 triangles, the squares of the tiny district of
``tests/tiny_district.py``) and, for many points, the brute-force minimum over all pairs.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from tiny_district import set_population_80plus, tiny, without_rows

from sozialanalyse.stats.access import base_area_distances, facility_distance, nearest_distance


def test_nearest_distance_by_hand():
    assert nearest_distance([(0, 0), (10, 0)], [(3, 4), (10, 1)]).tolist() == [5.0, 1.0]
    assert nearest_distance([(0, 0), (6, 8)], [(0, 0)]).tolist() == [0.0, 10.0]
    # 3-4-5 and 5-12-13 triangles; the nearest, not the first facility counts
    got = nearest_distance([(0, 0), (-3, -4), (-5, -12)], [(30, 40), (3, 4), (0, 0)])
    assert got.tolist() == [0.0, 5.0, 13.0]


def test_nearest_distance_without_facilities_is_missing():
    assert np.isnan(nearest_distance([(0, 0)], np.empty((0, 2)))).all()
    assert nearest_distance(np.empty((0, 2)), [(1, 1)]).shape == (0,)


def test_nearest_distance_equals_the_brute_force_minimum():
    rng = np.random.default_rng(13)
    points = rng.uniform(0, 50_000, size=(500, 2))
    facilities = rng.uniform(0, 50_000, size=(17, 2))
    brute = np.sqrt(((points[:, None, :] - facilities[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    np.testing.assert_allclose(nearest_distance(points, facilities), brute, rtol=1e-12)


def test_facility_distance_matches_hand_calculation(tmp_path):
    d = set_population_80plus(tiny(tmp_path, with_geometry=True))
    res = facility_distance(d, 2024).set_index("area_id")
    # Pflegestützpunkt at (3000, 4000): Nord (0, 0) 5 km, Süd (0, 6000) sqrt(3²+2²) km,
    # Bedorf (10000, 0) sqrt(7²+4²) km - straight lines, the Kita is ignored
    nord, sued, bedorf = 5.0, math.sqrt(13), math.sqrt(65)
    tol = 0.002  # the representative point lies within 1,5 m of the square's centre
    assert res.loc["09999001", "name"] == "Astadt"
    assert res.loc["09999001", "einwohner_80plus"] == 400
    assert res.loc["09999001", "distance_km"] == pytest.approx((100 * nord + 300 * sued) / 400, abs=tol)
    assert res.loc["09999001", "max_km"] == pytest.approx(nord, abs=tol)
    assert res.loc["09999001", "facilities"] == 1
    assert res.loc["09999002", "distance_km"] == pytest.approx(bedorf, abs=tol)
    assert res.loc["09999002", "facilities"] == 0
    assert res.loc["09999", "distance_km"] == pytest.approx((100 * nord + 300 * sued + 50 * bedorf) / 450, abs=tol)
    assert list(res.index) == ["09999001", "09999002", "09999"]
    # at Sozialraum level
    sr = facility_distance(d, 2024, level="sozialraum").set_index("area_id")
    assert sr.loc["09999001-02", "distance_km"] == pytest.approx(sued, abs=tol)
    # per base area
    b = base_area_distances(d, 2024).set_index("area_id")
    assert b["weight"].to_dict() == {"09999001-01": 100, "09999001-02": 300, "09999002": 50}
    assert b.loc["09999001-01", "distance_km"] == pytest.approx(nord, abs=tol)


def test_facility_distance_of_an_incomplete_population_is_missing(tmp_path):
    # Issue 12: an area whose population has an absent row got weight 0 (a NaN summed by
    # groupby is 0), so the town's and the Kreis's "Einwohner ab 80" and mean distances were
    # published smaller and shifted, silently (Musterland: Musterstadt 2.813 for 3.014).
    d = set_population_80plus(tiny(tmp_path, with_geometry=True))
    c = d.counts
    drop = ((c["variable"] == "einwohner") & (c["area_id"] == "09999001-02") & (c["year"] == 2024)
            & (c["age_group"] == "20-24") & (c["sex"] == "m"))
    assert drop.sum() == 1
    res = facility_distance(without_rows(d, drop), 2024).set_index("area_id")
    for a in ("09999001", "09999"):  # Süd (300 persons 80+, 6 km) is unknown: not weight 0
        assert np.isnan(res.loc[a, "einwohner_80plus"]) and np.isnan(res.loc[a, "distance_km"])
    assert res.loc["09999002", "einwohner_80plus"] == 50  # complete: unchanged
    assert res.loc["09999002", "distance_km"] == pytest.approx(math.sqrt(65), abs=0.002)
