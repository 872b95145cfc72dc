"""Benchmark markers: comparison with the Kreis by intervals and the Fingertips recent trend,
against hand calculations and the expectations of the Fingertips source's own tests."""
import numpy as np
import pytest

from sozialanalyse.stats.benchmark import (
    chi2_critical,
    compare,
    recent_trend,
    recent_trend_proportion,
)


def test_compare_by_interval_and_polarity():
    v, lo, hi = [5, 5, 5, 5], [4, 6, 1, 3], [6, 7, 4.99, 4.0]
    assert compare(v, lo, hi, 5.0, "higher_is_better").tolist() == ["similar", "better", "worse", "worse"]
    assert compare(v, lo, hi, 5.0, "higher_is_worse").tolist() == ["similar", "worse", "better", "better"]
    assert compare(v, lo, hi, 5.0).tolist() == ["similar", "higher", "lower", "lower"]
    # a limit equal to the comparator is not significant
    assert compare([5], [4], [5.0], 5.0).tolist() == ["similar"]
    assert compare([np.nan, 5], [4, 4], [6, 6], [5, np.nan]).tolist() == ["not_compared", "not_compared"]
    with pytest.raises(ValueError, match="polarity"):
        compare([1], [0], [2], 1, "up")


def test_critical_values():
    assert chi2_critical(0.998) == pytest.approx(9.54953570608324)  # Fingertips' constant
    assert chi2_critical(0.95) == pytest.approx(3.84145882069412)


def _armitage(r, n):
    """Textbook form (Armitage & Berry): chi2 = (sum r (t - tbar))^2 / (p q sum n (t - tbar)^2)."""
    r, n = np.asarray(r, float), np.asarray(n, float)
    t = np.arange(1, len(r) + 1)
    p = r.sum() / n.sum()
    tbar = (n * t).sum() / n.sum()
    return ((r * (t - tbar)).sum()) ** 2 / (p * (1 - p) * (n * (t - tbar) ** 2).sum())


# Fingertips source, WhenUsingTrendMarkerCalculator (GetTrendData_1, _2, _3, _5, _5a; those tests
# compare at 95 %, ComparatorConfidence unset)
FT = {
    "1": ([621, 599, 556, 535, 447], [3454, 3195, 3256, 3227, 3121], "decreasing"),
    "2": ([2157, 2090, 2194, 2134.81, 2094], [3454, 3195, 3256, 3152, 3062], "increasing"),
    "3": ([8116, 8145, 8222, 8506, 8728], [91530, 91773, 92088, 92238, 92665.89], "increasing"),
    "5": ([5405, 5500, 5435, 5480, 5315], [18095, 18170, 18005, 17890, 17860], "no_change"),
    "5a": ([22435, 22445, 21365, 20955, 19055], [65880, 67900, 68705, 69835, 70910], "decreasing"),
}


@pytest.mark.parametrize("key", FT)
def test_proportion_trend_as_fingertips(key):
    r, n, expected = FT[key]
    t = recent_trend_proportion(range(2010, 2015), r, n, conf_level=0.95)
    assert t.marker == expected
    assert t.chi2 == pytest.approx(_armitage(r, n), rel=1e-10)


def test_proportion_trend_uses_the_last_five_consecutive_points():
    r, n, _ = FT["5"]
    t = recent_trend_proportion(range(2007, 2013), [5645, *r], [18285, *n])
    assert t.years == (2008, 2009, 2010, 2011, 2012)
    assert recent_trend_proportion(range(4), [1, 2, 3, 4], [10] * 4).marker == "cannot_be_calculated"
    gap = recent_trend_proportion([2015, 2016, 2018, 2019, 2020], [1, 2, 3, 4, 5], [10] * 5)
    assert gap.reason == "gap_in_series"


def test_ci_trend_hand_calculation():
    # equal precision (U - L = 3.92, se = 1): ordinary least squares on t = 1..5;
    # y = 10, 12, 11, 14, 15: slope = sum (t - 3)(y - 12.4) / 10 = 12/10 = 1.2;
    # chi2 = slope^2 * sum w (t - 3)^2 = 1.44 * 10 = 14.4 > 9.55
    y = np.array([10, 12, 11, 14, 15.0])
    t = recent_trend(range(2020, 2025), y, y - 1.96, y + 1.96)
    assert t.slope == pytest.approx(1.2) and t.chi2 == pytest.approx(14.4)
    assert t.marker == "increasing"
    # the same values with twice the interval: chi2 = 14.4 / 4 = 3.6: no significant change
    assert recent_trend(range(2020, 2025), y, y - 3.92, y + 3.92).marker == "no_change"


def test_ci_trend_needs_robustness_to_one_point():
    # one jump at the end makes the trend: leaving it out gives slope 0 -> no marker
    y = np.array([10, 10, 10, 10, 30.0])
    t = recent_trend(range(2020, 2025), y, y - 0.196, y + 0.196)
    assert t.chi2 > chi2_critical(0.998) and t.marker == "no_change"


def test_trend_years_are_python_integers_and_a_duplicate_year_is_named():
    """The years of every result are Python integers (also where the trend cannot be calculated:
    they were numpy's, which ``json`` cannot write), and a year given twice among the last five
    points is a reason of its own: which of its two rows would count was not defined (it changed
    with the sorting algorithm). A duplicate further back does not matter."""
    import json

    short = recent_trend([2022, 2023, 2024], [1, 2, 3], [0.5, 1.5, 2.5], [1.5, 2.5, 3.5])
    assert short.reason == "fewer_than_five_points" and json.dumps(short.years) == "[2022, 2023, 2024]"
    gap = recent_trend_proportion(np.array([2018, 2020, 2021, 2022, 2023]), [5, 6, 7, 8, 9], [100] * 5)
    assert gap.reason == "gap_in_series" and all(type(y) is int for y in gap.years)
    twice = recent_trend_proportion([2014, 2012, 2018, 2014, 2016, 2015, 2017, 2012], [1, 9, 50, 2, 30, 20, 40, 9],
                                    [100] * 8)
    assert (twice.marker, twice.reason) == ("cannot_be_calculated", "duplicate_year")
    assert twice.years == (2014, 2015, 2016, 2017, 2018)
    back = recent_trend_proportion([2012, 2012, 2014, 2015, 2016, 2017, 2018], [9, 9, 10, 20, 30, 40, 50], [100] * 7)
    # 2014..2018 as the docstring example's 1..5 with counts 10..50 of 100: chi-squared 47,619
    assert back.marker == "increasing" and round(back.chi2, 3) == 47.619 and back.years == (2014, 2015, 2016, 2017, 2018)
