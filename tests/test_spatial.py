"""Tests of sozialanalyse.stats.spatial on regular lattices against numpy formulas."""
import numpy as np
import pandas as pd
import pytest

gpd = pytest.importorskip("geopandas")
from libpysal.weights import lat2W  # noqa: E402
from shapely.geometry import box  # noqa: E402

from sozialanalyse.stats import spatial as sp


def grid(k: int, values) -> "gpd.GeoDataFrame":
    """k x k unit squares, row by row, with a column ``y``."""
    geoms = [box(j, -i, j + 1, -i + 1) for i in range(k) for j in range(k)]
    return gpd.GeoDataFrame({"y": np.asarray(values, dtype=float)}, geometry=geoms,
                            index=[f"SR{i:02d}" for i in range(k * k)])


def moran_numpy(y, w):
    """Moran's I from the dense row-standardised weight matrix."""
    W = w.full()[0]
    W = W / W.sum(axis=1, keepdims=True)
    z = y - y.mean()
    return len(y) / W.sum() * (z @ W @ z) / (z @ z)


def test_contiguity_counts():
    g = grid(5, np.arange(25))
    q = sp.contiguity_weights(g, "queen")
    r = sp.contiguity_weights(g, "rook")
    assert q.cardinalities[0] == 3 and q.cardinalities[12] == 8
    assert r.cardinalities[0] == 2 and r.cardinalities[12] == 4
    assert q.transform == "R"
    np.testing.assert_allclose(q.full()[0].sum(axis=1), 1.0)


def test_checkerboard_rook_is_minus_one_and_queen_matches_numpy():
    k = 6
    cb = [(i + j) % 2 for i in range(k) for j in range(k)]
    g = grid(k, cb)
    rook = sp.moran(g, "y", kind="rook", permutations=99)
    assert rook.I == pytest.approx(-1.0)  # every neighbour has the opposite value
    assert rook.p_sim <= 0.01
    queen = sp.moran(g, "y", permutations=99)
    wq = sp.contiguity_weights(g, "queen")
    assert queen.I == pytest.approx(moran_numpy(np.array(cb, float), wq), abs=1e-12)
    assert queen.I < 0
    assert queen.expected == pytest.approx(-1 / (k * k - 1))


def test_moran_random_values_vs_numpy_on_lat2w():
    rng = np.random.default_rng(9)
    y = rng.normal(size=49)
    w = lat2W(7, 7, rook=False)
    res = sp.moran(pd.DataFrame({"y": y}), "y", w=w, permutations=0)
    assert res.I == pytest.approx(moran_numpy(y, lat2W(7, 7, rook=False)), abs=1e-12)
    assert set(res.to_series().index) >= {"I", "p_sim", "z_norm"}


def test_clustered_pattern_positive_and_seeded():
    k = 8
    y = [j + 0.1 * i for i in range(k) for j in range(k)]
    g = grid(k, y)
    a = sp.moran(g, "y", seed=1)
    b = sp.moran(g, "y", seed=1)
    assert a.I > 0.5 and a.p_sim == b.p_sim and a.p_sim < 0.01
    l1 = sp.lisa(g, "y", seed=7, permutations=199)
    l2 = sp.lisa(g, "y", seed=7, permutations=199)
    pd.testing.assert_frame_equal(l1, l2)
    # esda scales I_i with m2 = sum z^2 / (n - 1): sum of I_i = (n - 1) I (row-standardised)
    assert l1["Ii"].sum() == pytest.approx((k * k - 1) * a.I)
    assert l1.index.equals(g.index)
    assert l1.loc["SR08", "cluster"] == "Niedrig-Niedrig"  # west edge, low values
    assert l1.loc["SR15", "cluster"] == "Hoch-Hoch"  # east edge, high values
    assert set(l1["cluster"].cat.categories) == {
        "Hoch-Hoch", "Niedrig-Niedrig", "Hoch-Niedrig", "Niedrig-Hoch", "nicht signifikant"}
    ns = l1["p_sim"] > 0.05
    assert (l1.loc[ns, "cluster"] == "nicht signifikant").all()


def test_outlier_quadrants():
    k = 7
    y = np.zeros(k * k) + np.linspace(0, 0.1, k * k)
    y[24] = 10.0  # high value in the centre of low values
    out = sp.lisa(grid(k, y), "y", permutations=199)
    assert out["quadrant"].iloc[24] == 4  # high among low -> "Hoch-Niedrig" if significant
    assert (out["quadrant"].iloc[[17, 23, 25, 31]] == 2).all()  # low among high-ish lag
    sig = out[out["p_sim"] <= 0.05]
    expected = sig["quadrant"].map(sp.CLUSTER_LABELS)
    assert (sig["cluster"].astype(str) == expected).all()


def test_empirical_bayes_rate_vs_hand_formula():
    rng = np.random.default_rng(10)
    k = 6
    pop = rng.integers(200, 5000, k * k).astype(float)
    risk = np.repeat([0.01, 0.03], k * k // 2)
    events = rng.binomial(pop.astype(int), risk).astype(float)
    g = grid(k, events)
    g["pop"] = pop
    res = sp.moran(g, "y", population="pop", permutations=99)
    # Assuncao & Reis (1999): b = sum e / sum n; a = sum n (r - b)^2 / sum n - b / mean n;
    # v_i = a + b / n_i (b / n_i where a + b / n_i < 0); z_i = (r_i - b) / sqrt(v_i)
    r = events / pop
    b = events.sum() / pop.sum()
    a = (pop * (r - b) ** 2).sum() / pop.sum() - b / pop.mean()
    v = a + b / pop
    v = np.where(v < 0, b / pop, v)
    z = (r - b) / np.sqrt(v)
    wq = sp.contiguity_weights(g)
    assert res.rate
    assert res.I == pytest.approx(moran_numpy(z, wq), abs=1e-10)
    local = sp.lisa(g, "y", population="pop", permutations=99)
    np.testing.assert_allclose(local["value"], z, rtol=1e-10)
    assert local["Ii"].sum() == pytest.approx((k * k - 1) * res.I)


def test_missing_values_rejected():
    g = grid(3, [1, 2, np.nan, 4, 5, 6, 7, 8, 9])
    with pytest.raises(ValueError, match="missing"):
        sp.moran(g, "y")


def test_errors_name_function_column_value_and_area():
    g = grid(3, [1, 2, np.nan, 4, 5, 6, 7, 8, 9])
    g["area_id"] = [f"SR{i}" for i in range(9)]
    with pytest.raises(ValueError, match=r"^moran\(\): column 'y' has a missing value for "
                       r"area_id 'SR2'; drop those areas"):
        sp.moran(g, "y")
    g["y"] = g["y"].fillna(3)
    g["pop"] = [10, 10, 10, 0, 10, 10, 10, 10, 10]
    with pytest.raises(ValueError, match=r"^lisa\(\): column 'pop' must be positive for "
                       r"empirical-Bayes rates, got 0 for area_id 'SR3'$"):
        sp.lisa(g, "y", population="pop")
    with pytest.raises(ValueError, match=r"^moran\(\): gdf has no column\(s\) 'x'"):
        sp.moran(g, "x")
