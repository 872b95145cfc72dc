"""Tests of sozialanalyse.stats.index against hand calculations."""
import math

import numpy as np
import pandas as pd
import pytest

from sozialanalyse.stats import index as ix


def _boundary_table():
    # z-values chosen so that mean = 0 and population SD = 1 exactly (sum of squares = n = 13):
    # -2, -1, -0.5 (x3), 0 (x5), 1, 1.5, 2; shifted by 10 to look like percentages.
    z = [-2, -1, -0.5, -0.5, -0.5, 0, 0, 0, 0, 0, 1, 1.5, 2]
    ids = [f"P{i:02d}" for i in range(len(z))]
    df = pd.DataFrame({"alo": np.array(z) + 10.0, "population": 1000, "ok": True}, index=ids)
    # two areas that must be left out (they would shift mean and SD):
    df.loc["KLEIN"] = [90.0, 299, True]  # under 300 inhabitants
    df.loc["UNGUELTIG"] = [-50.0, 5000, False]  # marked invalid
    return df, z


def test_mss_class_boundaries_exact():
    df, z = _boundary_table()
    r = ix.mss(df, ["alo"], population="population", valid="ok")
    t = r.table
    valid = t.index.str.startswith("P")
    np.testing.assert_array_equal(r.z_status.loc[valid, "alo"], z)  # exact, ddof = 0
    np.testing.assert_array_equal(t.loc[valid, "status_index"], z)
    assert t.loc[valid, "status_class"].tolist() == [
        "hoch",  # -2 < -1
        "mittel",  # -1 belongs to mittel
        "mittel", "mittel", "mittel", "mittel", "mittel", "mittel", "mittel", "mittel",
        "mittel",  # +1 belongs to mittel
        "niedrig",  # +1.5 belongs to niedrig
        "sehr niedrig",  # 2 > 1.5
    ]
    assert not t.loc["KLEIN", "valid"] and t.loc["KLEIN", "reason"] == "unter 300 Einwohner"
    assert t.loc["UNGUELTIG", "reason"] == "als ungültig markiert"
    assert t.loc[["KLEIN", "UNGUELTIG"], "status_index"].isna().all()
    assert t.loc[["KLEIN", "UNGUELTIG"], "status_class"].isna().all()


def test_mss_dynamics_boundaries_and_gesamtindex():
    df, z = _boundary_table()
    # change in percentage points = z (end - start)
    df["alo_2021"] = 5.0
    df["alo_2023"] = 5.0 + pd.Series(z + [0.0, 0.0], index=df.index)
    r = ix.mss(df, ["alo"], {"alo_dyn": ("alo_2023", "alo_2021")}, valid="ok")
    t = r.table
    valid = t.index.str.startswith("P")
    np.testing.assert_array_equal(r.changes.loc[valid, "alo_dyn"], z)
    np.testing.assert_array_equal(t.loc[valid, "dynamics_index"], z)
    assert t.loc[valid, "dynamics_class"].tolist() == (
        ["positiv"] + ["stabil"] * 10 + ["negativ"] * 2)  # -1 and +1 are stabil
    assert t.loc["P00", "gesamtindex"] == "hoch / positiv"
    assert t.loc["P00", "gesamtindex_code"] == "1.1"
    assert t.loc["P12", "gesamtindex"] == "sehr niedrig / negativ"
    assert t.loc["P12", "gesamtindex_code"] == "4.3"
    assert t.loc["P11", "gesamtindex_code"] == "3.3"
    assert pd.isna(t.loc["KLEIN", "gesamtindex"])


def test_mss_two_indicators_hand_z():
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 6.0], "b": [2.0, 2.0, 4.0, 4.0],
                       "population": [400, 400, 400, 400]}, index=list("wxyz"))
    r = ix.mss(df, ["a", "b"])
    # a: mean 3, population variance (4 + 1 + 0 + 9) / 4 = 3.5; b: mean 3, variance 1
    za = (np.array([1, 2, 3, 6]) - 3) / math.sqrt(3.5)
    zb = np.array([-1.0, -1.0, 1.0, 1.0])
    np.testing.assert_allclose(r.z_status["a"], za)
    np.testing.assert_allclose(r.z_status["b"], zb)
    s = za + zb
    np.testing.assert_allclose(r.table["status_sum"], s)
    np.testing.assert_allclose(r.table["status_index"], (s - s.mean()) / s.std())  # numpy ddof 0


def test_percentile_rank_svi_by_hand():
    df = pd.DataFrame({
        "armut": [5, 10, 10, 20, 40],  # ranks (min) 1, 2, 2, 4, 5 -> (r-1)/4
        "alo": [3, 1, 2, 5, 4],  # ranks 3, 1, 2, 5, 4
        "einkommen": [30, 25, 20, 10, 30],  # higher is better: ranks of -x: 1, 3, 4, 5, 1
    }, index=list("ABCDE"))
    r = ix.percentile_rank(df, {"sozio": ["armut", "alo"], "eink": ["einkommen"]},
                           higher_is_better=["einkommen"])
    np.testing.assert_allclose(r.ranks["armut"], [0, 0.25, 0.25, 0.75, 1.0])
    np.testing.assert_allclose(r.ranks["alo"], [0.5, 0, 0.25, 1.0, 0.75])
    np.testing.assert_allclose(r.ranks["einkommen"], [0, 0.5, 0.75, 1.0, 0])
    # theme sums sozio: 0.5, 0.25, 0.5, 1.75, 1.75 -> ranks (min) 2, 1, 2, 4, 4
    np.testing.assert_allclose(r.theme_sums["sozio"], [0.5, 0.25, 0.5, 1.75, 1.75])
    np.testing.assert_allclose(r.theme_ranks["sozio"], [0.25, 0, 0.25, 0.75, 0.75])
    # overall: sozio + eink = 0.5, 0.75, 1.25, 2.75, 1.75 -> ranks 1, 2, 3, 5, 4
    np.testing.assert_allclose(r.overall, [0, 0.25, 0.5, 1.0, 0.75])
    # flags >= 0.90: armut E; alo D; einkommen D
    assert r.flags.loc["E", "armut"] == 1 and r.flags.loc["D", "alo"] == 1
    assert r.flag_counts["total"].tolist() == [0, 0, 0, 2, 1]
    assert r.flag_counts["eink"].tolist() == [0, 0, 0, 1, 0]


def test_pca_two_indicators_vs_eigen():
    rng = np.random.default_rng(7)
    a = rng.normal(size=200)
    b = 0.6 * a + rng.normal(scale=0.8, size=200)
    inc = -(0.5 * a + rng.normal(scale=1.0, size=200))  # income: higher = less deprived
    df = pd.DataFrame({"a": a, "b": b, "einkommen": inc})
    r = ix.pca_index(df, {"bildung": ["a", "b"], "einkommen": ["einkommen"]},
                     higher_is_better=["einkommen"])
    w = r.weights.set_index("indicator")
    # 2 x 2 correlation matrix [[1, r], [r, 1]]: eigenvector (1, 1)/sqrt(2), eigenvalue 1 + r
    rho = np.corrcoef(a, b)[0, 1]
    np.testing.assert_allclose(w.loc[["a", "b"], "weight"], [1 / math.sqrt(2)] * 2, rtol=1e-12)
    assert w.loc["a", "explained"] == pytest.approx((1 + rho) / 2)
    vals, vecs = np.linalg.eigh(np.corrcoef(np.c_[a, b], rowvar=False))
    np.testing.assert_allclose(np.abs(vecs[:, -1]), w.loc[["a", "b"], "weight"])
    # scores in [0, 1], sum and quintiles of equal size
    s = r.scores
    assert s["bildung"].min() == 0 and s["bildung"].max() == 1
    assert s["einkommen"].corr(pd.Series(-inc)) == pytest.approx(1.0)  # sign flipped
    np.testing.assert_allclose(s["sum"], s["bildung"] + s["einkommen"])
    assert s["quintile"].value_counts().tolist() == [40] * 5
    assert s.loc[s["sum"].idxmax(), "quintile"] == 5


def test_pca_three_indicators_vs_svd_and_sign():
    rng = np.random.default_rng(8)
    f = rng.normal(size=300)
    X = np.c_[f + rng.normal(size=300) * 0.5, 2 * f + rng.normal(size=300), f + rng.normal(size=300)]
    df = pd.DataFrame(X, columns=["x", "y", "z"])
    r = ix.pca_index(df, {"d": ["x", "y", "z"]})
    Z = (X - X.mean(0)) / X.std(0)
    v = np.linalg.svd(Z, full_matrices=False)[2][0]  # first right singular vector
    v = v if v.sum() > 0 else -v
    np.testing.assert_allclose(r.weights["weight"], v, rtol=1e-10)
    assert (r.weights["weight"] > 0).all()


def test_weighted_z_by_hand():
    df = pd.DataFrame({"rauchen": [10.0, 20.0, 30.0], "einkommen": [1.0, 1.0, 4.0]})
    out = ix.weighted_z(df, {"rauchen": 3, "einkommen": 1}, higher_is_better=["einkommen"])
    zr = np.array([-1, 0, 1]) / math.sqrt(2 / 3)
    ze = -(np.array([1, 1, 4]) - 2) / math.sqrt(2)  # sd ddof 0: sqrt((1 + 1 + 4) / 3)
    np.testing.assert_allclose(out["rauchen"], zr)
    np.testing.assert_allclose(out["einkommen"], ze)
    np.testing.assert_allclose(out["score"], 0.75 * zr + 0.25 * ze)
    assert out["rank"].tolist() == [1.0, 2.0, 3.0]
    clipped = ix.weighted_z(df, {"rauchen": 1}, clip=1.0)
    assert clipped["rauchen"].max() == 1.0


def test_robustness_counts_changes():
    df = pd.DataFrame({
        "a": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9.0],
        "b": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9.0],
        "c": [9, 0, 0, 0, 0, 0, 0, 0, 0, 0.0],  # drives area 0 up
        "population": 1000,
    })
    r = ix.robustness(df, ["a", "b", "c"])
    base = ix.mss(df, ["a", "b", "c"]).table["status_class"].astype(object)
    without_c = ix.mss(df, ["a", "b"]).table["status_class"].astype(object)
    assert r.summary.loc["c", "changed"] == int((base != without_c).sum())
    assert r.summary.loc["c", "changed"] > 0
    assert list(r.classes.columns) == ["alle", "ohne a", "ohne b", "ohne c"]
    assert r.summary["compared"].eq(10).all()


def test_errors_name_function_argument_value_and_column():
    """index checks its inputs; every message names the function, the argument or column and
    the offending value (and for a frame the area)."""
    df = pd.DataFrame({"alo": [1.0, 2.0, 3.0], "kinder": [4.0, np.nan, 6.0],
                       "population": [500, 800, 900]}, index=pd.Index(list("ABC"), name="area_id"))
    with pytest.raises(ValueError, match=r"^mss\(\): data has no column\(s\) 'sgb2'"):
        ix.mss(df, ["alo", "sgb2"])
    with pytest.raises(TypeError, match=r"^mss\(\): status must be a list of column names, got "
                       r"the string 'alo'"):
        ix.mss(df, "alo")
    with pytest.raises(TypeError, match=r"^mss\(\): data column 'alo' is not numeric: value "
                       r"'viel' for area_id 'B'$"):
        ix.mss(df.assign(alo=[1, "viel", 3]), ["alo"])
    with pytest.raises(ValueError, match=r"^mss\(\): an index compares areas and needs at least "
                       r"2, data has 1$"):
        ix.mss(df.iloc[:1], ["alo"])
    with pytest.raises(ValueError, match=r"^mss\(\): dynamics\['alo'\] must be a pair"):
        ix.mss(df, ["alo"], {"alo": ("alo",)})
    with pytest.raises(ValueError, match=r"^percentile_rank\(\): column\(s\) 'kinder' of themes "
                       r"have no value for any area$"):
        ix.percentile_rank(df.assign(kinder=np.nan), {"soz": ["alo", "kinder"]})
    with pytest.raises(ValueError, match=r"^percentile_rank\(\): higher_is_better names "
                       r"'einkommen', which is not an indicator"):
        ix.percentile_rank(df, {"soz": ["alo"]}, higher_is_better=["einkommen"])
    with pytest.raises(ValueError, match=r"^pca_index\(\): dimensions\['leer'\] names no column$"):
        ix.pca_index(df, {"soz": ["alo"], "leer": []})
    with pytest.raises(ValueError, match=r"^weighted_z\(\): weights\['kinder'\] must be a number "
                       r">= 0, got -1$"):
        ix.weighted_z(df, {"alo": 1, "kinder": -1})
    with pytest.raises(ValueError, match=r"^weighted_z\(\): data has no column\(s\) 'rauchen'"):
        ix.weighted_z(df, {"alo": 1, "rauchen": 1})
    with pytest.raises(ValueError, match=r"^robustness\(\): leaving one indicator out needs at "
                       r"least 2, got \['alo'\]$"):
        ix.robustness(df, ["alo"])
