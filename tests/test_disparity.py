"""Tests of sozialanalyse.stats.disparity against hand calculations, closed forms and pysal's
``inequality`` package (documented examples and, where installed, direct comparison)."""
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from sozialanalyse.stats import disparity as dp


@pytest.fixture(scope="module")
def mexico():
    """pysal's documented example data: per-capita GDP of 32 Mexican states, 1940-2000."""
    libpysal = pytest.importorskip("libpysal")
    f = libpysal.io.open(libpysal.examples.get_path("mexico.csv"))
    y = np.array([f.by_col[f"pcgdp{dec}"] for dec in range(1940, 2010, 10)]).T
    regimes = np.array(f.by_col("hanson98"))
    return y, regimes


# ---------------------------------------------------------------- Gini / Lorenz


def test_weighted_gini_by_hand():
    # y = (1, 2, 4), w = (3, 1, 1): W = 5, mean = (3 + 2 + 4) / 5 = 1.8
    # sum over unordered pairs w_i w_j |y_i - y_j| = 3*1*1 + 3*1*3 + 1*1*2 = 14
    # G = 2 * 14 / (2 * W^2 * mean) = 28 / (2 * 25 * 1.8) = 28 / 90
    assert dp.gini([1, 2, 4], weight=[3, 1, 1]) == pytest.approx(28 / 90, abs=1e-14)
    # order of the input does not matter
    assert dp.gini([4, 1, 2], weight=[1, 3, 1]) == pytest.approx(28 / 90, abs=1e-14)


def test_unweighted_gini_by_hand_and_replication():
    # (1, 2, 3, 4): sum_{i<j} |yi - yj| = 1+2+3+1+2+1 = 10; G = 2*10 / (2 * 16 * 2.5) = 0.25
    assert dp.gini([1, 2, 3, 4]) == pytest.approx(0.25)
    assert dp.gini([5, 5, 5]) == 0.0
    assert dp.gini([0, 0, 0, 8]) == pytest.approx(0.75)  # 1 - 1/n
    # integer weights are replications
    assert dp.gini([1, 2, 4], weight=[3, 1, 2]) == pytest.approx(dp.gini([1, 1, 1, 2, 4, 4]))


def test_gini_documented_mexico(mexico):
    inequality = pytest.importorskip("inequality")
    y, _ = mexico
    ref = np.array([inequality.gini.Gini(y[:, j]).g for j in range(y.shape[1])])
    np.testing.assert_allclose(dp.gini(y), ref, rtol=1e-12)
    np.testing.assert_allclose(dp.gini(y[:, 0]), ref[0], rtol=1e-12)


def test_lorenz_points_by_hand():
    out = dp.lorenz([4, 1, 2], weight=[1, 3, 1])
    # sorted: 1 (w 3), 2 (w 1), 4 (w 1); S = 9
    np.testing.assert_allclose(out["p"], [0, 0.6, 0.8, 1.0])
    np.testing.assert_allclose(out["L"], [0, 3 / 9, 5 / 9, 1.0])
    df = pd.DataFrame({"k": ["a", "a", "b", "b", "b"], "y": [1, 3, 2, 2, 2]})
    lz = dp.lorenz(df, "y", by="k")
    assert lz.groupby("k").size().to_dict() == {"a": 3, "b": 4}
    np.testing.assert_allclose(lz.loc[lz.k == "a", "L"], [0, 0.25, 1])
    # Gini = 1 - sum of trapezoids
    p, L = lz.loc[lz.k == "a", "p"].to_numpy(), lz.loc[lz.k == "a", "L"].to_numpy()
    assert 1 - np.sum(np.diff(p) * (L[1:] + L[:-1])) == pytest.approx(dp.gini([1, 3]))


# ---------------------------------------------------------------- Theil


def test_theil_t_documented_mexico(mexico):
    y, _ = mexico
    # inequality.theil.Theil docstring
    ref = [0.20894344, 0.15222451, 0.10472941, 0.10194725, 0.09560113, 0.10511256, 0.10660832]
    np.testing.assert_allclose(dp.theil_t(y), ref, atol=5e-9)


def test_theil_decomposition_documented_mexico(mexico):
    y, regimes = mexico
    d = dp.theil_decomposition(y, group=regimes)
    # inequality.theil.TheilD docstring
    bg = [0.0345889, 0.02816853, 0.05260921, 0.05931219, 0.03205257, 0.02963731, 0.03635872]
    wg = [0.17435454, 0.12405598, 0.0521202, 0.04263506, 0.06354856, 0.07547525, 0.0702496]
    np.testing.assert_allclose(d.bg, bg, atol=5e-9)
    np.testing.assert_allclose(d.wg, wg, atol=5e-9)
    np.testing.assert_allclose(d.bg + d.wg, d.T, atol=1e-15)


def test_theil_by_hand():
    # T(1, 1, 2): mean 4/3; (2/3)(3/4)ln(3/4) + (1/3)(3/2)ln(3/2)
    t = (2 / 3) * 0.75 * math.log(0.75) + (1 / 3) * 1.5 * math.log(1.5)
    assert dp.theil_t([1, 1, 2]) == pytest.approx(t, abs=1e-15)
    # L(1, 1, 2) = ln(4/3) - ln(2)/3
    assert dp.theil_l([1, 1, 2]) == pytest.approx(math.log(4 / 3) - math.log(2) / 3, abs=1e-15)
    # weights = replications
    assert dp.theil_t([1, 2], weight=[2, 1]) == pytest.approx(t, abs=1e-15)


def test_theil_l_decomposition_by_hand():
    # y = (1, 1, 2, 4), groups a = (1, 1), b = (2, 4); mean 2, means 1 and 3
    d = dp.theil_decomposition([1, 1, 2, 4], group=list("aabb"), measure="L")
    total = math.log(2) - (0 + 0 + math.log(2) + math.log(4)) / 4
    between = 0.5 * math.log(2 / 1) + 0.5 * math.log(2 / 3)
    within = 0.5 * 0 + 0.5 * (math.log(3) - (math.log(2) + math.log(4)) / 2)
    assert d.total == pytest.approx(total, abs=1e-15)
    assert d.bg == pytest.approx(between, abs=1e-15)
    assert d.wg == pytest.approx(within, abs=1e-15)
    assert d.share_between == pytest.approx(between / total)


def test_decomposition_adds_up_long_frame():
    rng = np.random.default_rng(1)
    n = 3000
    df = pd.DataFrame({
        "indicator": rng.choice(["sgb2", "alo", "kinder"], n),
        "year": rng.choice([2021, 2022, 2023], n),
        "town": rng.choice(list("ABCDEFG"), n),
        "y": rng.lognormal(1, 0.7, n),
        "pop": rng.integers(100, 5000, n).astype(float),
    })
    for measure, single in (("T", dp.theil_t), ("L", dp.theil_l)):
        d = dp.theil_decomposition(df, "y", "pop", by=["indicator", "year"], group="town",
                                   measure=measure)
        assert isinstance(d.total, pd.Series) and len(d.total) == 9
        np.testing.assert_allclose(d.bg + d.wg, d.total, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(d.total, single(df, "y", "pop", by=["indicator", "year"]),
                                   rtol=1e-12)
        # within part = sum of the towns' contributions; towns' own index recomputed alone
        g = d.groups
        np.testing.assert_allclose(
            g.groupby(["indicator", "year"])["within_contribution"].sum(), d.wg, rtol=1e-12)
        sub = df[(df.indicator == "alo") & (df.year == 2022) & (df.town == "C")]
        row = g[(g.indicator == "alo") & (g.year == 2022) & (g.town == "C")].iloc[0]
        assert row[f"theil_{measure.lower()}"] == pytest.approx(single(sub, "y", "pop"))
        assert row["pop_share"] == pytest.approx(
            sub["pop"].sum() / df[(df.indicator == "alo") & (df.year == 2022)]["pop"].sum())
    assert set(d.table.columns) == {"total", "between", "within", "share_between"}


def test_theil_unweighted_vs_pysal_per_group():
    inequality = pytest.importorskip("inequality")
    rng = np.random.default_rng(2)
    y = rng.lognormal(0, 1, (500, 6))
    part = rng.integers(0, 12, 500)
    d = dp.theil_decomposition(y, group=part)
    ref = inequality.theil.TheilD(y, part)
    np.testing.assert_allclose(d.T, ref.T, rtol=1e-10)
    np.testing.assert_allclose(d.bg, ref.bg, rtol=1e-10)
    np.testing.assert_allclose(d.wg, ref.wg, rtol=1e-10)


# ---------------------------------------------------------------- zeros, missing, errors


def test_zeros():
    # Theil T: 0 ln 0 = 0 -> T(0, 2) = 0.5 * (2/1) ln 2 = ln 2
    assert dp.theil_t([0, 2]) == pytest.approx(math.log(2))
    with pytest.warns(dp.UndefinedMeasureWarning, match="1 of 1"):
        assert math.isnan(dp.theil_l([0, 2]))
    with pytest.raises(ValueError, match="zero"):
        dp.theil_l([0, 2], zeros="raise")
    for eps in (1, 2):
        with pytest.warns(dp.UndefinedMeasureWarning):
            assert math.isnan(dp.atkinson([0, 2], eps))
    # eps < 1 with a zero is defined: 1 - (0.5 * 2^0.5)^2 / 1 = 0.5
    assert dp.atkinson([0, 2], 0.5) == pytest.approx(0.5)
    # a zero with zero weight does not matter
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dp.theil_l([0, 1, 2], weight=[0, 1, 1]) == pytest.approx(dp.theil_l([1, 2]))
    # only the affected group is NaN
    df = pd.DataFrame({"k": [1, 1, 2, 2], "y": [0, 1, 1, 3]})
    with pytest.warns(dp.UndefinedMeasureWarning, match="1 of 2"):
        out = dp.theil_l(df, "y", by="k")
    assert math.isnan(out[1]) and out[2] == pytest.approx(dp.theil_l([1, 3]))
    assert math.isnan(dp.gini([0, 0]))  # zero total


def test_missing_dropped_with_weight():
    y = [1.0, np.nan, 3.0, 7.0, 2.0]
    w = [10.0, 5.0, np.nan, 2.0, 4.0]
    ref_y, ref_w = [1.0, 7.0, 2.0], [10.0, 2.0, 4.0]
    for f in (dp.gini, dp.theil_t, dp.theil_l, dp.cv):
        assert f(y, weight=w) == pytest.approx(f(ref_y, weight=ref_w))
    assert dp.atkinson(y, 1.5, weight=w) == pytest.approx(dp.atkinson(ref_y, 1.5, weight=ref_w))
    # 2-d array with NaN in one column only
    Y = np.array([[1, 2], [2, np.nan], [4, 8.0]])
    np.testing.assert_allclose(dp.gini(Y), [dp.gini([1, 2, 4]), dp.gini([2, 8])])


def test_errors():
    with pytest.raises(ValueError, match="non-negative"):
        dp.gini([1, -1])
    with pytest.raises(ValueError, match="non-negative"):
        dp.theil_t(np.array([[1.0, -1.0], [2.0, 3.0]]))
    with pytest.raises(ValueError, match=r"^gini\(\): weight has a negative value -1 at position 1$"):
        dp.gini([1, 2], weight=[1, -1])
    with pytest.raises(ValueError):
        dp.atkinson([1, 2], -0.5)
    assert dp.cv([-1, 3]) == pytest.approx(2.0)  # CV allows negatives: sd 2 / mean 1


# ---------------------------------------------------------------- Atkinson


def test_atkinson_closed_forms():
    y = np.array([1.0, 4.0])  # arithmetic 2.5, geometric 2, harmonic 1.6, (mean sqrt)^2 2.25
    assert dp.atkinson(y, 0) == 0.0
    assert dp.atkinson(y, 0.5) == pytest.approx(1 - 2.25 / 2.5)
    assert dp.atkinson(y, 1) == pytest.approx(1 - 2 / 2.5)
    assert dp.atkinson(y, 2) == pytest.approx(1 - 1.6 / 2.5)
    # weighted (1, 3): mean 13/4; geometric 4^(3/4); harmonic 1 / (1/4 + 3/16)
    assert dp.atkinson(y, 1, weight=[1, 3]) == pytest.approx(1 - 4 ** 0.75 / 3.25)
    assert dp.atkinson(y, 2, weight=[1, 3]) == pytest.approx(1 - (1 / (0.25 + 3 / 16)) / 3.25)
    # eps -> 1 is continuous
    assert dp.atkinson(y, 1 + 1e-7) == pytest.approx(dp.atkinson(y, 1), abs=1e-6)


def test_atkinson_documented_and_vs_pysal():
    incomes = [10, 20, 30, 40, 50]  # inequality.atkinson docstring
    assert round(dp.atkinson(incomes, 0.5), 5) == 0.06315
    assert round(dp.atkinson(incomes, 1), 5) == 0.13161
    inequality = pytest.importorskip("inequality")
    rng = np.random.default_rng(3)
    y = rng.lognormal(2, 1, 200)
    for eps in (0.25, 0.5, 1, 1.5, 2, 3):
        assert dp.atkinson(y, eps) == pytest.approx(inequality.atkinson.atkinson(y, eps),
                                                    rel=1e-10)


# ---------------------------------------------------------------- vectorised paths


def test_long_frame_equals_per_group_loop():
    rng = np.random.default_rng(4)
    n = 2000
    df = pd.DataFrame({"ind": rng.integers(0, 5, n), "year": rng.integers(2019, 2023, n),
                       "y": rng.gamma(2, 3, n), "w": rng.integers(1, 900, n).astype(float)})
    df.loc[rng.choice(n, 30), "y"] = np.nan
    res = {
        "gini": dp.gini(df, "y", "w", by=["ind", "year"]),
        "theil_t": dp.theil_t(df, "y", "w", by=["ind", "year"]),
        "cv": dp.cv(df, "y", "w", by=["ind", "year"]),
        "p90": dp.quantile_ratio(df, "y", "w", by=["ind", "year"]),
    }
    summ = dp.summary(df, "y", "w", by=["ind", "year"])
    for (i, yr), g in df.groupby(["ind", "year"]):
        assert res["gini"][(i, yr)] == pytest.approx(dp.gini(g["y"].to_numpy(), weight=g["w"].to_numpy()))
        assert res["theil_t"][(i, yr)] == pytest.approx(dp.theil_t(g, "y", "w"))
        assert summ.loc[(i, yr), "cv"] == pytest.approx(dp.cv(g, "y", "w"))
        assert summ.loc[(i, yr), "atkinson_2"] == pytest.approx(dp.atkinson(g, 2, "y", "w"))
        assert summ.loc[(i, yr), "p90_p10"] == pytest.approx(res["p90"][(i, yr)])


def test_2d_blocks_and_threads(monkeypatch):
    monkeypatch.setattr(dp, "_BLOCK_VALUES", 64)  # many small column blocks
    rng = np.random.default_rng(5)
    y = rng.lognormal(0, 1, (40, 25))
    w = rng.integers(1, 100, 40).astype(float)
    part = rng.integers(0, 4, 40)
    g1 = dp.gini(y, weight=w)
    g2 = dp.gini(y, weight=w, n_jobs=2)
    ref = [dp.gini(y[:, j], weight=w) for j in range(25)]
    np.testing.assert_allclose(g1, ref, rtol=1e-12)
    np.testing.assert_allclose(g2, ref, rtol=1e-12)
    d = dp.theil_decomposition(y, weight=w, group=part, n_jobs=2)
    np.testing.assert_allclose(d.bg[7], dp.theil_decomposition(y[:, 7], weight=w, group=part).bg)
    np.testing.assert_allclose(dp.atkinson(y, 1, weight=np.tile(w, (25, 1)).T),
                               [dp.atkinson(y[:, j], 1, weight=w) for j in range(25)])


# ---------------------------------------------------------------- quantiles, ratios, CV


def test_weighted_quantile_matches_numpy():
    rng = np.random.default_rng(6)
    y = rng.normal(10, 3, 101)
    w = rng.integers(0, 20, 101).astype(float)
    for q in (0.0, 0.1, 0.25, 0.5, 0.9, 1.0):
        ref = np.quantile(y, q, weights=w, method="inverted_cdf")
        assert dp.weighted_quantile(y, q, weight=w) == pytest.approx(ref)
        assert dp.weighted_quantile(y, q) == pytest.approx(np.quantile(y, q, method="inverted_cdf"))


def test_ratios_by_hand():
    assert dp.quantile_ratio(np.arange(1, 11)) == 9.0  # P90 = 9, P10 = 1
    # weights: value 1 carries 50 % of the population -> P10 = 1; P90: cum share reaches 0.9 at 10
    assert dp.quantile_ratio([1, 5, 10], weight=[5, 4, 1]) == 5.0
    assert dp.max_min_ratio([2, 8, 4]) == 4.0
    assert dp.max_min_ratio([2, 8, 4], weight=[0, 1, 1]) == 2.0
    df = pd.DataFrame({"k": [1, 1, 2, 2], "y": [2, 6, 1, 1]})
    assert dp.max_min_ratio(df, "y", by="k").tolist() == [3.0, 1.0]


def test_cv_by_hand():
    assert dp.cv([1, 3]) == pytest.approx(0.5)
    # weights (3, 1): mean 1.5, variance (3 * 0.25 + 2.25) / 4 = 0.75
    assert dp.cv([1, 3], weight=[3, 1]) == pytest.approx(math.sqrt(0.75) / 1.5)


# ---------------------------------------------------------------- segregation


def test_dissimilarity_and_location_quotient_by_hand():
    df = pd.DataFrame({"area": list("xyz"), "sgb2": [10, 20, 30], "pop": [100, 100, 100]})
    # a/A = 1/6, 1/3, 1/2; rest 90/240, 80/240, 70/240 -> D = (5/24 + 0 + 5/24) / 2
    assert dp.dissimilarity(df, "sgb2", "pop") == pytest.approx(5 / 24)
    lq = dp.location_quotient(df, "sgb2", "pop")
    np.testing.assert_allclose(lq, [0.5, 1.0, 1.5])
    assert dp.dissimilarity([0, 0, 5], total=[5, 5, 5]) == pytest.approx(1.0)
    two = pd.concat([df.assign(year=2022), df.assign(year=2023, sgb2=[20, 20, 20])])
    out = dp.dissimilarity(two, "sgb2", "pop", by="year")
    assert out[2022] == pytest.approx(5 / 24) and out[2023] == pytest.approx(0.0)
    with pytest.raises(ValueError):
        dp.dissimilarity([5], total=[3])


def test_errors_name_function_argument_value_key_and_column():
    df = pd.DataFrame({"area_id": ["01", "02", "03"], "year": [2024] * 3, "y": [1.0, -2.0, 3.0],
                       "w": [1.0, 1.0, 1.0]})
    with pytest.raises(ValueError, match=r"^theil_t\(\): column 'y' has a negative value -2 for "
                       r"area_id '02', year 2024; theil_t needs non-negative values$"):
        dp.theil_t(df, "y", by="year")
    with pytest.raises(ValueError, match=r"^gini\(\): column 'w' has a negative value -1 for "
                       r"area_id '03'$"):
        dp.gini(df.assign(y=1.0, w=[1.0, 1.0, -1.0]), "y", "w")
    with pytest.raises(ValueError, match=r"^cv\(\): data has no column\(s\) 'x'"):
        dp.cv(df, "x")
    with pytest.raises(TypeError, match=r"^cv\(\): data column 'y' is not numeric: value 'n/a' "
                       r"for area_id '01'$"):
        dp.cv(df.assign(y=["n/a", 1, 2]), "y")
    with pytest.raises(ValueError, match=r"^atkinson\(\): data has a negative value -1 at "
                       r"position 1, 0; atkinson needs non-negative values$"):
        dp.atkinson(np.array([[1.0, 2.0], [-1.0, 3.0]]), 0.5)
    counts = pd.DataFrame({"area_id": ["01", "02"], "a": [5, 12], "t": [10, 10]})
    with pytest.raises(ValueError, match=r"^dissimilarity\(\): column 'a' is greater than column "
                       r"'t' \(12 > 10\) for area_id '02'$"):
        dp.dissimilarity(counts, "a", "t")
    with pytest.raises(ValueError, match=r"^location_quotient\(\): total has a negative value -3 "
                       r"at position 0$"):
        dp.location_quotient([1, 2], total=[-3, 4])
    with pytest.raises(ValueError, match=r"^weighted_quantile\(\): q must lie between 0 and 1, "
                       r"got 50$"):
        dp.weighted_quantile([1, 2], 50)
