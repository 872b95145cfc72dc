"""Life expectancy (Chiang II, Silcocks) against the published test values of PHEindicatormethods
(tests/data/phe, README there) and the non-publication rules at their thresholds."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sozialanalyse.stats.lifetable import A_0_4, life_expectancy, life_table

PHE = Path(__file__).parent / "data" / "phe"


@pytest.fixture(scope="module")
def ref():
    return pd.read_csv(PHE / "life_expectancy.csv")


def test_life_table_equals_the_reference_to_four_decimals(ref):
    # testLifeExpectancy.R: expect_equal(round(test1[, c("value", "lowercl", "uppercl")], 4), round(answer1, 4))
    t = life_table(ref["deaths"], ref["pops"], ref["startage"])
    for ours, theirs in (("value", "value"), ("lower", "lowercl"), ("upper", "uppercl")):
        np.testing.assert_array_equal(t[ours].round(4).to_numpy(), ref[theirs].round(4).to_numpy())
    assert (t["reason"] == "").all()


def test_cumulated_deaths_and_population_as_the_reference(ref):
    # df1_cum of testLifeExpectancy.R at ages 5 and 25
    t = life_table(ref["deaths"], ref["pops"], ref["startage"]).set_index("start_age")
    assert t.loc[5, "pops_used"] == 745835 and t.loc[5, "dths_used"] == 9331
    assert t.loc[25, "pops_used"] == 568592 and t.loc[25, "dths_used"] == 9284


def test_one_start_age_and_a_998_interval(ref):
    le = life_expectancy(ref["deaths"], ref["pops"], ref["startage"], age=65)
    assert round(le.value, 4) == round(18.76856852, 4)
    wide = life_expectancy(ref["deaths"], ref["pops"], ref["startage"], age=65, conf_level=0.998)
    # the same standard error, z = 3.0902 instead of 1.9600
    se = (18.96143352 - 18.57570352) / 2 / 1.959963985
    assert wide.upper - wide.value == pytest.approx(3.090232306 * se, abs=1e-4)


def test_interval_wider_than_20_years_withholds_that_age_only():
    ref = pd.read_csv(PHE / "life_expectancy_wide_ci.csv")
    t = life_table(ref["deaths"], ref["pops"], ref["startage"])
    np.testing.assert_array_equal(t["value"].round(4).to_numpy(), ref["value"].round(4).to_numpy())
    shown = ref["value"].notna()
    np.testing.assert_array_equal(t.loc[shown, "lower"].round(4), ref.loc[shown, "lower95_0cl"].round(4))
    assert (t.loc[~shown, "reason"] == "ci_wider_than_20_years").all()
    assert t.loc[~shown, ["lower", "upper"]].isna().all().all()  # not published without the value


def test_interval_width_threshold_is_20_years():
    # hand-made: width exactly at 20 years published, just above not. Scale the SE via deaths:
    # search the population factor where 2*1.96*se crosses 20 for start age 40 of the wide-CI data
    ref = pd.read_csv(PHE / "life_expectancy_wide_ci.csv")
    t = life_table(ref["deaths"], ref["pops"], ref["startage"])
    assert t.loc[8, "upper"] - t.loc[8, "lower"] == pytest.approx(21.53930839 - 2.37762283, abs=1e-6)
    assert t.loc[8, "upper"] - t.loc[8, "lower"] < 20  # 19.16: published
    assert 50.29765396 - (-1.60695210) > 20 and np.isnan(t.loc[9, "value"])  # 51.9: not


@pytest.mark.parametrize("change, reason", [
    (("deaths", 3, -5), "negative_deaths"),
    (("pops", 5, 0), "population_not_positive"),
    (("pops", 18, 119), "deaths_exceed_population"),
])
def test_band_rules_withhold_everything(ref, change, reason):
    col, pos, v = change
    d = ref.copy()
    d.loc[pos, col] = v
    t = life_table(d["deaths"], d["pops"], d["startage"])
    assert t[["value", "lower", "upper"]].isna().all().all()
    assert (t["reason"] == reason).all()


def test_total_population_threshold_5000():
    # PHE suppresses total_pop <= 5000. Flat population: 20 bands; 250 each = 5000 (withheld),
    # one more person-year (5001) is published
    ages = [0, 1] + list(range(5, 95, 5))
    deaths = [1] * 19 + [100]
    at = life_table(deaths, [250] * 20, ages)
    assert (at["reason"] == "population_at_most_5000").all() and at["value"].isna().all()
    above = life_table(deaths, [251] + [250] * 19, ages)
    assert above["reason"].iloc[0] == "" and above["value"].notna().iloc[0]


def test_deaths_equal_to_population_are_allowed_more_are_not(ref):
    d = ref.copy()
    d.loc[18, "pops"] = 1936  # deaths 1936 = population: allowed by the reference (deaths > pops withheld)
    assert life_table(d["deaths"], d["pops"], d["startage"])["reason"].iloc[0] != "deaths_exceed_population"
    d.loc[18, "pops"] = 1935
    assert life_table(d["deaths"], d["pops"], d["startage"])["reason"].iloc[0] == "deaths_exceed_population"


def test_no_deaths_in_the_open_band():
    ages = [0] + list(range(5, 95, 5))
    t = life_table([1] * 18 + [0], [1000] * 19, ages)
    assert (t["reason"] == "no_deaths_in_top_band").all()


def test_a_0_4_band_is_close_to_separate_bands(ref):
    # merging 0 and 1-4 into one band 0-4 (a = A_0_4) moves e0 by 0.026 years on the reference data
    d, p = ref["deaths"].tolist(), ref["pops"].tolist()
    ages = [0] + list(range(5, 95, 5))
    merged = life_table([d[0] + d[1]] + d[2:], [p[0] + p[1]] + p[2:], ages)
    assert abs(merged["value"].iloc[0] - 80.16960813) < 0.03
    # later ages do not depend on the first band at all
    np.testing.assert_allclose(merged["value"].iloc[1:].to_numpy(), ref["value"].iloc[2:].to_numpy(), atol=5e-5)
    # and doubling a for 0-4 moves e0 by about 5 * 0.1 * 5q0 (hand: 5q0 = 0.0006197 -> 0.0003 per 0.1 a)
    other = life_table([d[0] + d[1]] + d[2:], [p[0] + p[1]] + p[2:], ages, a=[2 * A_0_4] + [0.5] * 18)
    assert 0 < other["value"].iloc[0] - merged["value"].iloc[0] < 0.01


def test_hand_calculation_of_a_three_band_table():
    # bands 0-49, 50-89, 90+; a = 0.5 given; D = (10, 200, 500), P = (10000, 5000, 1000)
    # M = (0.001, 0.04, 0.5); q0 = 50*0.001/(1+50*0.001*0.5) = 0.05/1.025 = 0.0487805
    # q1 = 40*0.04/(1+1.6*0.5) = 1.6/1.8 = 0.888889; l = (1e5, 95121.95, 10569.11)
    # L0 = 50*(95121.95 + 0.5*4878.05) = 4878048.8; L1 = 40*(10569.11 + 0.5*84552.85) = 2113821.1
    # L2 = 10569.11/0.5 = 21138.2; e0 = (4878048.8 + 2113821.1 + 21138.2)/1e5 = 70.1301
    t = life_table([10, 200, 500], [10000, 5000, 1000], [0, 50, 90], a=[0.5, 0.5, 0.5])
    assert t["value"].iloc[0] == pytest.approx(70.1301, abs=1e-3)
    assert t["value"].iloc[2] == pytest.approx(2.0)  # 1/M of the open band


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="ascend from 0"):
        life_table([1, 2], [10, 20], [1, 5])
    with pytest.raises(ValueError, match="not a start age"):
        life_expectancy([1, 2], [10000, 20000], [0, 5], age=3)
