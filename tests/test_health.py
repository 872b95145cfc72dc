"""Tests of sozialanalyse.stats.health against published reference numbers and hand calculations.

Sources of the reference numbers are given next to each test.
"""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sozialanalyse.model.areas import AGE_GROUPS
from sozialanalyse.stats.health import (
    ESP2013,
    ESP2013_FINE,
    dsr,
    funnel_axis,
    funnel_limits,
    funnel_plot_data,
    funnel_significance,
    isr,
    overdispersion,
    poisson_ci,
    rate_ci,
    smr,
    spine_chart_data,
    wilson_ci,
)

# --- proportions and crude rates -------------------------------------------------------------

def test_wilson_65_of_100():
    # Source: PHE Technical Guide "Confidence intervals" (2018), worked example for a
    # proportion, 65/100 -> 0.552544 to 0.736358 (also Newcombe 1998, method 3).
    low, high = wilson_ci(65, 100)
    assert float(low) == pytest.approx(0.552544, abs=1e-6)
    assert float(high) == pytest.approx(0.736358, abs=1e-6)


def test_wilson_zero_and_full():
    low, high = wilson_ci([0, 10], [10, 10])
    assert low[0] == 0 and high[1] == pytest.approx(1)
    with pytest.raises(ValueError):
        wilson_ci(11, 10)


def test_byar_65():
    # Source: PHE Technical Guide "Confidence intervals" (2018), Byar's method worked example
    # O = 65 -> 50.16319 to 82.84914.
    low, high = poisson_ci(65)
    assert float(low) == pytest.approx(50.16319, abs=1e-5)
    assert float(high) == pytest.approx(82.84914, abs=1e-5)


def test_exact_poisson_small_counts_vs_r():
    # Source: R 4.2.2 (Debian r-base-core), exact limits qchisq(p, df) / 2:
    #   print(qchisq(0.025, c(10, 18)) / 2, digits = 12)   -> 1.62348639012 4.11537309738
    #   print(qchisq(0.975, c(2, 12, 20)) / 2, digits = 12) -> 3.68887945411 11.66833207932
    #                                                          17.08480345142
    #   print(qchisq(0.001, 10) / 2, digits = 12)            -> 0.739371731918
    #   print(qchisq(0.999, 12) / 2, digits = 12)            -> 16.4547452037
    # (epitools::pois.exact gives the same to 5 decimals; its uniroot is less precise.)
    low, high = poisson_ci([0, 5, 9])
    np.testing.assert_allclose(low, [0, 1.62348639012, 4.11537309738], atol=1e-10)
    np.testing.assert_allclose(high, [3.68887945411, 11.66833207932, 17.08480345142],
                               atol=1e-10)
    low, high = poisson_ci(5, 0.998)
    assert float(low) == pytest.approx(0.739371731918, abs=1e-11)
    assert float(high) == pytest.approx(16.4547452037, abs=1e-9)


def test_rate_ci_is_count_ci_over_denominator():
    # 65 events in 50 000 person-years per 100 000: Byar limits (see test_byar_65) * 2.
    low, high = rate_ci(65, 50_000)
    assert float(low) == pytest.approx(2 * 50.16319, abs=1e-4)
    assert float(high) == pytest.approx(2 * 82.84914, abs=1e-4)
    # 99.8 % level, 5 events in 1000 -> exact limits (R qchisq above) per 1000
    low, high = rate_ci(5, 1000, multiplier=1000, conf_level=0.998)
    assert float(low) == pytest.approx(0.739371731918, abs=1e-11)
    assert np.isnan(rate_ci(1, 0)[0])
    with pytest.raises(ValueError):
        rate_ci(1, -5)


# --- ESP 2013 and DSR ------------------------------------------------------------------------

def test_esp2013():
    # Source: Eurostat (2013), Revision of the European Standard Population, table 3.
    assert ESP2013.sum() == 100_000
    assert list(ESP2013.index) == list(AGE_GROUPS)
    assert ESP2013["0-4"] == 5000 and ESP2013["90+"] == 1000 and ESP2013["45-49"] == 7000
    assert ESP2013_FINE.sum() == 100_000
    assert ESP2013_FINE[["0", "1-4"]].tolist() == [1000, 4000]
    assert ESP2013_FINE[["90-94", "95+"]].tolist() == [800, 200]


def test_dsr_dobson_hand_calculation():
    # Hand calculation, three bands with standard weights w = (1000, 2000, 1000):
    #   counts x = (10, 20, 30), populations n = (1000, 2000, 1000)
    #   DSR = sum(w x / n) / sum(w) = (10 + 20 + 30) / 4000 = 0.015 -> 1500 per 100 000
    #   Var = sum(x (w/n)^2) / sum(w)^2 = (10*1 + 20*1 + 30*1) / 4000^2 = 3.75e-6
    #   O = 60; sqrt(Var / O) = sqrt(6.25e-8) = 2.5e-4
    #   Byar (z = 1.959964): O_L = 60 (1 - 1/540 - z/(3 sqrt 60))^3       = 45.78375952
    #                        O_U = 61 (1 - 1/549 + z/(3 sqrt 61))^3       = 77.23322395
    #   DSR_L = (0.015 + 2.5e-4 (O_L - 60)) * 1e5 = 1500 + 25 (O_L - 60) = 1144.593988
    #   DSR_U = 1500 + 25 (O_U - 60)                                     = 1930.830599
    out = dsr(count=[10, 20, 30], population=[1000, 2000, 1000], age_group=["a", "b", "c"],
              standard={"a": 1000, "b": 2000, "c": 1000})
    row = out.iloc[0]
    assert row["value"] == pytest.approx(1500)
    assert row["lower"] == pytest.approx(1144.593988, abs=1e-6)
    assert row["upper"] == pytest.approx(1930.830599, abs=1e-6)
    z = stats.norm.ppf(0.999)
    o_l = 60 * (1 - 1 / 540 - z / (3 * np.sqrt(60))) ** 3
    wide = dsr(count=[10, 20, 30], population=[1000, 2000, 1000], age_group=["a", "b", "c"],
               standard={"a": 1000, "b": 2000, "c": 1000}, conf_level=0.998).iloc[0]
    assert wide["lower"] == pytest.approx(1500 + 25 * (o_l - 60))
    assert row["total_count"] == 60 and row["total_pop"] == 4000 and row["reason"] == ""


def test_dsr_grouped_dataframe_equals_single_calls():
    rng = np.random.default_rng(1)
    rows = []
    for area in ("A", "B"):
        for year in (2022, 2023):
            pop = rng.integers(500, 3000, 19)
            cnt = rng.binomial(pop, 0.01)
            rows.append(pd.DataFrame({"area_id": area, "year": year, "age_group": AGE_GROUPS,
                                      "count": cnt, "population": pop}))
    df = pd.concat(rows, ignore_index=True).sample(frac=1, random_state=3)  # order irrelevant
    out = dsr(df, by=["area_id", "year"], conf_level=0.998)
    assert len(out) == 4
    for _, r in out.iterrows():
        sub = df[(df.area_id == r.area_id) & (df.year == r.year)].set_index("age_group")
        sub = sub.loc[list(AGE_GROUPS)]
        single = dsr(count=sub["count"].to_numpy(), population=sub["population"].to_numpy(),
                     conf_level=0.998)
        assert r["value"] == pytest.approx(single["value"].iloc[0])
        assert r["upper"] == pytest.approx(single["upper"].iloc[0])
        # DSR = sum(ESP_i * rate_i) / 100 000 * 100 000
        assert r["value"] == pytest.approx(
            (ESP2013.to_numpy() * sub["count"] / sub["population"]).sum())


def test_dsr_below_ten_events_is_nan_with_reason():
    out = dsr(count=[0] * 18 + [9], population=[100] * 19)
    assert np.isnan(out["value"].iloc[0]) and np.isnan(out["lower"].iloc[0])
    assert "weniger als 10" in out["reason"].iloc[0]
    zero = dsr(count=[0] * 19, population=[100] * 19)
    assert zero["total_count"].iloc[0] == 0 and np.isnan(zero["value"].iloc[0])
    # with min_count=0 a zero count gives rate 0
    assert dsr(count=[0] * 19, population=[100] * 19, min_count=0)["value"].iloc[0] == 0


def test_dsr_errors():
    df = pd.DataFrame({"area_id": "A", "age_group": AGE_GROUPS, "count": 5, "population": 100})
    with pytest.raises(ValueError, match="'85-89' missing"):
        dsr(df[df.age_group != "85-89"], by="area_id")
    bad = df.copy()
    bad.loc[3, "count"] = 101
    with pytest.raises(ValueError, match=r"dsr\(\): column 'count' is greater than column 'population' \(101 > 100\) "
                       r"for area_id 'A', age_group '15-19'"):
        dsr(bad, by="area_id")
    dup = pd.concat([df, df.iloc[[0]]])
    with pytest.raises(ValueError, match="more than once"):
        dsr(dup)
    with pytest.raises(ValueError, match="not in the standard"):
        dsr(df.assign(age_group=df.age_group.replace("90+", "90-94")))
    with pytest.raises(ValueError, match="greater than zero"):
        dsr(df.assign(population=0, count=0))


# --- indirect standardisation -----------------------------------------------------------------

def test_smr_exact_small_counts_vs_chi2_formula():
    # Hand formula (Breslow & Day 1987): O < 10 -> exact limits
    #   O_L = chi2_{0.025}(2 O) / 2, O_U = chi2_{0.975}(2 O + 2) / 2, divided by E.
    for o, e in [(0, 3.0), (3, 2.2), (9, 4.5)]:
        v, lo, hi = smr(o, e)
        exp_lo = stats.chi2.ppf(0.025, 2 * o) / 2 / e if o > 0 else 0.0
        exp_hi = stats.chi2.ppf(0.975, 2 * o + 2) / 2 / e
        assert float(v) == pytest.approx(o / e)
        assert float(lo) == pytest.approx(exp_lo)
        assert float(hi) == pytest.approx(exp_hi)
    # O = 5, E = 1: R qchisq(0.025, 10) / 2 = 1.62348639012, qchisq(0.975, 12) / 2 =
    # 11.66833207932; PHEindicatormethods testdata_funnel_ratio_outputs.csv (Observed_events
    # 5): 1.623486324 and 11.6683331 (its bisection is accurate to about 1e-7).
    _, lo, hi = smr(5, 1.0, multiplier=100)
    assert float(lo) == pytest.approx(162.348639012) and float(hi) == pytest.approx(1166.833207932)


def test_isr_hand_calculation():
    # Reference rates: 0-4: 20/10000 = 0.002, 5-9: 30/20000 = 0.0015; crude 50/30000.
    # Area A: populations 1000, 2000 -> E = 2 + 3 = 5; O = 3 + 7 = 10 -> SMR = 200,
    #   ISR = 10/5 * 50/30000 * 1e5 = 333.33; O = 10 -> Byar limits 4.795389... / 5
    # Area B: O = 2, E = 0.5*2... populations 500, 1000 -> E = 1 + 1.5 = 2.5; O = 2 (exact)
    d = pd.DataFrame({"area_id": ["A", "A", "B", "B"], "age_group": ["0-4", "5-9"] * 2,
                      "count": [3, 7, 1, 1], "population": [1000, 2000, 500, 1000]})
    ref = pd.DataFrame({"age_group": ["0-4", "5-9"], "count": [20, 30],
                        "population": [10000, 20000]})
    out = isr(d, ref, by="area_id").set_index("area_id")
    assert out.loc["A", "expected"] == pytest.approx(5)
    assert out.loc["A", "smr"] == pytest.approx(200)
    assert out.loc["A", "isr"] == pytest.approx(10 / 5 * 50 / 30000 * 1e5)
    z = stats.norm.ppf(0.975)
    byar_low = 10 * (1 - 1 / 90 - z / (3 * np.sqrt(10))) ** 3
    assert out.loc["A", "smr_lower"] == pytest.approx(byar_low / 5 * 100)
    assert out.loc["B", "expected"] == pytest.approx(2.5)
    assert out.loc["B", "smr_upper"] == pytest.approx(stats.chi2.ppf(0.975, 6) / 2 / 2.5 * 100)
    # rates Series as reference: ISR rate needs reference_rate
    rates = pd.Series({"0-4": 0.002, "5-9": 0.0015})
    out2 = isr(d, rates, by="area_id", reference_rate=50 / 30000)
    assert out2["isr"].tolist() == pytest.approx(out["isr"].tolist())
    with pytest.raises(ValueError, match="no reference rate"):
        isr(d.assign(age_group="90+"), ref)


# --- funnel plots ----------------------------------------------------------------------------

def test_funnel_axis_matches_pheindicatormethods():
    # Source: PHEindicatormethods, tests/testthat/testdata_funnel_prop_outputs.csv (column
    # Population; axis from 0 since max > 2 min, axis max = signif.ceiling(max) = 110000).
    ref = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 18, 20, 22, 24, 27, 30, 33, 37,
           41, 45, 50, 55, 61, 68, 75, 83, 92, 102, 113, 125, 139, 154, 171, 190, 211, 234, 260,
           289, 321, 356, 395, 438, 486, 539, 598, 664, 737, 818, 908, 1008, 1119, 1242, 1379,
           1531, 1699, 1886, 2093, 2323, 2578, 2861, 3175, 3524, 3911, 4341, 4818, 5348, 5936,
           6588, 7312, 8116, 9008, 9998, 11097, 12316, 13669, 15171, 16838, 18688, 20742,
           23022, 25552, 28360, 31477, 34936, 38775, 43036, 47766, 53016, 58842, 65309, 72486,
           80452, 89294, 99108, 110000]
    assert funnel_axis(1000, 104000).tolist() == ref


def test_funnel_proportion_limits_match_pheindicatormethods():
    # Source: PHEindicatormethods, tests/testthat/testdata_funnel_prop_outputs.csv
    # (Baseline 80.642448 %; rows Population = 10, 1008, 110000):
    #   10:     56.154344, 100 (capped), 42.03259, 100
    #   1008:   78.203374, 83.081521, 76.796814, 84.488082
    #   110000: 80.408963, 80.875933, 80.274317, 81.010578
    t = funnel_limits("proportion", 0.80642448, [10, 1008, 110000], multiplier=100)
    ref = np.array([[56.154344, 100, 42.03259, 100],
                    [78.203374, 83.081521, 76.796814, 84.488082],
                    [80.408963, 80.875933, 80.274317, 81.010578]])
    got = t[["lower_95", "upper_95", "lower_998", "upper_998"]].to_numpy()
    np.testing.assert_allclose(got, ref, atol=2e-6)


def test_funnel_proportion_hand_check_wilson_touches_baseline():
    # Hand check of the definition: at the lower 95 % limit p_L for n = 500, the upper
    # Wilson limit of p_L * n events out of n equals the baseline 0.3 (and vice versa).
    t = funnel_limits("proportion", 0.3, [500], levels=0.95)
    low, high = t["lower_95"].iloc[0], t["upper_95"].iloc[0]
    assert float(wilson_ci(low * 500, 500)[1]) == pytest.approx(0.3)
    assert float(wilson_ci(high * 500, 500)[0]) == pytest.approx(0.3)


def test_funnel_ratio_limits_match_pheindicatormethods():
    # Source: PHEindicatormethods, tests/testthat/testdata_funnel_ratio_outputs.csv, row
    # Observed_events = 10: lower_2s_exp_events 18.39035799 -> lower_2s_isr 54.3763205;
    # upper_2s_exp_events 4.795387629 -> upper_2s_isr 208.5337156; lower_3s_exp_events
    # 24.13397235 -> lower_3s_isr 41.43536693; upper_3s_exp_events 2.960519925 ->
    # upper_3s_isr 337.778507. (I.e. the limit at expected E is where 10 observed events
    # would sit exactly on it.) PHE finds these by bisection to about 1e-7 relative, hence
    # the tolerance of 1e-4 on the per-100 scale.
    t = funnel_limits("ratio", 1.0, [18.39035799, 4.795387629, 24.13397235, 2.960519925],
                      multiplier=100)
    assert t["lower_95"].iloc[0] == pytest.approx(54.3763205, abs=1e-4)
    assert t["upper_95"].iloc[1] == pytest.approx(208.5337156, abs=1e-4)
    assert t["lower_998"].iloc[2] == pytest.approx(41.43536693, abs=1e-4)
    assert t["upper_998"].iloc[3] == pytest.approx(337.778507, abs=1e-4)


def test_funnel_rate_is_ratio_times_baseline():
    # Rate funnel: mu = r0 * n; limits of counts as for a ratio with E = mu.
    r0, n = 0.002, 5000
    rate = funnel_limits("rate", r0, [n], multiplier=100_000)
    ratio = funnel_limits("ratio", 1.0, [r0 * n])
    assert rate["lower_95"].iloc[0] == pytest.approx(ratio["lower_95"].iloc[0] * r0 * 1e5)
    assert rate["upper_998"].iloc[0] == pytest.approx(ratio["upper_998"].iloc[0] * r0 * 1e5)


def test_funnel_significance_and_labels():
    d = pd.DataFrame({"area_id": list("ABC"), "obs": [5, 40, 20], "exp": [20.0, 20.0, 20.0]})
    out = funnel_significance(d, "obs", "exp", "ratio", multiplier=100)
    assert out["class_95"].tolist() == ["below", "above", "within"]
    assert out["einstufung_95"].tolist() == ["niedriger", "höher", "im Rahmen"]
    # consistent with the exact CI of O excluding E (PHE assign_funnel_significance):
    # O=5: exact upper 11.668 < 20 -> below; O=40: Byar lower 28.58 > 20 -> above
    assert float(poisson_ci(5)[1]) < 20 and float(poisson_ci(40)[0]) > 20
    with pytest.raises(ValueError, match=r"funnel_significance\(\): column 'obs' is greater than "
                       r"column 'exp' \(40 > 20\) for area_id 'B'"):
        funnel_significance(d, "obs", "exp", "proportion")
    with pytest.raises(ValueError, match="statistic"):
        funnel_significance(d, "obs", "exp", "mean")


def test_overdispersion_hand_calculation():
    # Five areas, proportions with n = 100 each, target 0.5: s = sqrt(0.25/100) = 0.05
    # y = (0.30, 0.45, 0.50, 0.55, 0.80) -> z = (-4, -1, 0, 1, 6)
    # 10th/90th percentiles (linear): -4 + 0.4*3 = -2.8 and 1 + 0.6*5 = 4
    # winsorised z = (-2.8, -1, 0, 1, 4); phi = (7.84 + 1 + 0 + 1 + 16)/5 = 5.168
    # w = 1/s^2 = 400 each: sum w - sum w^2/sum w = 2000 - 400 = 1600
    # tau2 = (5*5.168 - 4)/1600 = 21.84/1600 = 0.01365
    phi, tau2 = overdispersion([0.30, 0.45, 0.50, 0.55, 0.80], [100] * 5, "proportion", 0.5)
    assert phi == pytest.approx(5.168)
    assert tau2 == pytest.approx(0.01365)
    # limits widen: 0.5 +- 1.959964 sqrt(0.0025 + 0.01365)
    t = funnel_limits("proportion", 0.5, [100], levels=0.95, tau2=tau2)
    assert t["upper_95"].iloc[0] == pytest.approx(0.5 + stats.norm.ppf(0.975) * np.sqrt(0.01615))
    d = pd.DataFrame({"x": [30, 45, 50, 55, 80], "n": [100] * 5})
    plain = funnel_significance(d, "x", "n", "proportion")
    adj = funnel_significance(d, "x", "n", "proportion", adjust_overdispersion=True)
    assert (plain["class_95"] != "within").sum() > (adj["class_95"] != "within").sum()
    grid = funnel_plot_data(d, "x", "n", "proportion", target=0.5, adjust_overdispersion=True)
    assert grid["tau2"].iloc[0] == pytest.approx(0.01365)


# --- spine charts ----------------------------------------------------------------------------

def test_spine_chart():
    d = pd.DataFrame({
        "indicator": ["rauchen"] * 4 + ["bewegung"] * 4,
        "area_id": list("ABCD") * 2,
        "value": [10, 20, 30, 40, 1, 2, 3, 4.0],
        "lower": [8, 18, 25, 35, 0.5, 1.5, 2.5, 3.5],
        "upper": [12, 22, 35, 45, 1.5, 2.5, 3.5, 4.5],
    })
    out = spine_chart_data(d, by="indicator", benchmark={"rauchen": 25, "bewegung": 2.5},
                           polarity={"rauchen": "higher_is_worse", "bewegung": "higher_is_better"})
    r = out[out.indicator == "rauchen"]
    # quartiles of 10, 20, 30, 40 (linear): 17.5 and 32.5
    assert r["q25"].iloc[0] == 17.5 and r["q75"].iloc[0] == 32.5
    assert r["min"].iloc[0] == 10 and r["max"].iloc[0] == 40
    assert r["bewertung"].tolist() == ["besser", "besser", "ähnlich", "schlechter"]
    b = out[out.indicator == "bewegung"]
    assert b["bewertung"].tolist() == ["schlechter", "ähnlich", "ähnlich", "besser"]
    neutral = spine_chart_data(d[d.indicator == "rauchen"], benchmark=25, polarity="neutral")
    assert neutral["bewertung"].tolist() == ["niedriger", "niedriger", "ähnlich", "höher"]
    with pytest.raises(ValueError, match="polarity"):
        spine_chart_data(d, polarity="up")


def test_errors_name_function_argument_value_key_and_column():
    """Every check says which function, which argument or column, which value and where."""
    df = pd.DataFrame({"area_id": "03499001-01", "age_group": AGE_GROUPS, "count": 5,
                       "population": 100})
    df.loc[16, "population"] = -3
    with pytest.raises(ValueError, match=r"^dsr\(\): column 'population' must be greater than "
                       r"zero, got -3 for area_id '03499001-01', age_group '80-84'$"):
        dsr(df, by="area_id")
    with pytest.raises(ValueError, match=r"^isr\(\): column 'population' has a negative value -3 "
                       r"for area_id '03499001-01', age_group '80-84'$"):
        isr(df, ESP2013 / 1e6, by="area_id")
    with pytest.raises(ValueError, match=r"^isr\(\): data has no column\(s\) 'deaths'"):
        isr(df, ESP2013 / 1e6, count="deaths")
    with pytest.raises(TypeError, match=r"^dsr\(\): data column 'count' is not numeric: value "
                       r"'viele' for area_id '03499001-01', age_group '0-4'$"):
        dsr(df.assign(count=["viele"] + [5] * 18, population=100), by="area_id")
    with pytest.raises(ValueError, match=r"^wilson_ci\(\): x has a negative value -1 at position 1$"):
        wilson_ci([1, -1], [5, 5])
    with pytest.raises(ValueError, match=r"^wilson_ci\(\): x is greater than n \(11 > 10\) "
                       r"at position 0$"):
        wilson_ci(11, 10)
    with pytest.raises(ValueError, match=r"^rate_ci\(\): n has a negative value -5 at position 0$"):
        rate_ci(1, -5)
    with pytest.raises(ValueError, match=r"^smr\(\): expected has a negative value -2"):
        smr([1, 2], [3, -2])
    with pytest.raises(ValueError, match=r"^poisson_ci\(\): conf_level must lie between 0 and 1 "
                       r"\(e.g. 0.95\), got 95"):
        poisson_ci(3, 95)
    with pytest.raises(ValueError, match=r"^funnel_limits\(\): denominators must be greater than "
                       r"zero, got 0 at position 1$"):
        funnel_limits("proportion", 0.1, [10, 0])
    with pytest.raises(ValueError, match=r"^overdispersion\(\): values, denominators must be "
                       r"equally long, got lengths values=2, denominators=3$"):
        overdispersion([0.1, 0.2], [10, 20, 30], "proportion", 0.1)
    d = pd.DataFrame({"area_id": list("AB"), "value": [1.0, 2], "lower": [0.5, 1],
                      "upper": [1.5, 3], "indicator": ["x", "y"]})
    with pytest.raises(ValueError, match=r"^spine_chart_data\(\): unknown polarity 'bad' for "
                       r"area_id 'B', indicator 'y'"):
        spine_chart_data(d, by="indicator", polarity={"x": "neutral", "y": "bad"})
