"""Tests of sozialanalyse.stats.mortality: pooled deaths, SMR, DSR and the funnel classification.

The funnel classification is checked against a hand calculation (exact Poisson limits from the
chi-square distribution) on the tiny district of ``tests/tiny_district.py``; the Musterland
results against the identities of indirect standardisation.
"""
from __future__ import annotations

import pytest
from scipy import stats
from tiny_district import tiny

import sozialanalyse as sa
from sozialanalyse.stats.mortality import kreis_dsr_by_year, pooled_mortality


def _by_hand(o, e, level):
    """The funnel test by hand (exact Poisson): "höher" when the lower limit of the observed
    count lies above the expected count, "niedriger" when the upper limit lies below it."""
    alpha = 1 - level
    low = stats.chi2.ppf(alpha / 2, 2 * o) / 2 if o > 0 else 0.0
    high = stats.chi2.ppf(1 - alpha / 2, 2 * o + 2) / 2
    return "höher" if low > e else "niedriger" if high < e else "im Rahmen"


@pytest.mark.parametrize("o_a, o_b, expected", [
    # deaths in five years in Astadt and Bedorf -> classes (95 %, 99,8 %) of Astadt and Bedorf
    (30, 2, {"09999001": ("im Rahmen", "im Rahmen"), "09999002": ("niedriger", "im Rahmen")}),
    (40, 2, {"09999001": ("höher", "im Rahmen"), "09999002": ("niedriger", "niedriger")}),
])
def test_funnel_classification_matches_hand_calculation(tmp_path, o_a, o_b, expected):
    d = tiny(tmp_path)
    c = d.counts
    deaths = (c["variable"] == "sterbefaelle") & (c["sex"] == "w") & (c["age_group"] == "90+")
    c.loc[deaths & c["area_id"].str.startswith("09999001-"), "value"] = o_a / 10  # two Sozialräume, 5 years
    c.loc[deaths & (c["area_id"] == "09999002"), "value"] = o_b / 5
    m = pooled_mortality(d, 2024, pool=5).set_index("area_id")
    assert m.attrs["years"] == [2020, 2021, 2022, 2023, 2024]
    # Kreis rate for women 90+: (o_a + o_b) deaths / 15.000 person-years; Astadt has 10.000
    # person-years in that band, Bedorf 5.000; all other bands have no deaths
    e = {"09999001": (o_a + o_b) * 10000 / 15000, "09999002": (o_a + o_b) * 5000 / 15000}
    o = {"09999001": o_a, "09999002": o_b}
    for a, exp in e.items():
        assert m.loc[a, "observed"] == pytest.approx(o[a])
        assert m.loc[a, "expected"] == pytest.approx(exp)
        assert m.loc[a, "smr"] == pytest.approx(100 * o[a] / exp)
        hand = (_by_hand(o[a], exp, 0.95), _by_hand(o[a], exp, 0.998))
        assert hand == expected[a]
        assert (m.loc[a, "einstufung_95"], m.loc[a, "einstufung_998"]) == hand
    assert m.loc["09999", "smr"] == pytest.approx(100)
    assert m.loc["09999001", "name"] == "Astadt" and (m["reason"] == "").all()


def test_kreis_dsr_by_year_of_the_tiny_district(tmp_path):
    # deaths only among women 90+, doubled in 2024 (16, at least the 10 a DSR needs); the ESP 2013
    # weight of the band 90+ is 1.000 of 100.000: DSR = 1.000 x the band's rate
    d = tiny(tmp_path)
    c = d.counts
    deaths = (c["variable"] == "sterbefaelle") & (c["year"] == 2024)
    c.loc[deaths, "value"] *= 2
    res = kreis_dsr_by_year(d)
    assert res.attrs["absent"] == []
    total = res[res["sex"] == "insgesamt"].set_index("year")["value"]
    assert list(total.index) == [2020, 2021, 2022, 2023, 2024]
    assert total.loc[2024] == pytest.approx(1000 * 16 / 6000)  # 3 areas x 2 sexes x 1.000 aged 90+
    assert total.drop(2024).isna().all()  # 8 deaths a year: fewer than 10, not computed
    women = res[res["sex"] == "w"].set_index("year")["value"]
    assert women.loc[2024] == pytest.approx(1000 * 16 / 3000)


def test_pooled_mortality_musterland():
    d = sa.load_district("musterland")
    m = pooled_mortality(d, 2024)
    assert m.attrs["years"] == [2020, 2021, 2022, 2023, 2024]
    assert list(m["area_id"]) == [*d.municipalities()["area_id"], "03499"]
    kreis = m.iloc[-1]
    # the municipalities' expected deaths add up to the Kreis deaths (indirect standardisation)
    assert m.iloc[:-1]["expected"].sum() == pytest.approx(kreis["observed"])
    assert kreis["smr"] == pytest.approx(100)
    assert (m["dsr_lower"] < m["dsr"]).all() and (m["dsr"] < m["dsr_upper"]).all()
    assert set(m.iloc[:-1]["einstufung_95"]) <= {"niedriger", "im Rahmen", "höher"}
