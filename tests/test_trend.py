"""Trend tests: reference values by hand (a saturated two-year binomial model, a Poisson model
whose maximum-likelihood slope has a closed form)."""
import math

import pandas as pd
import pytest

from sozialanalyse.trend import trend


def _res(ind, years, x, n):
    return pd.DataFrame({"area_id": "A", "indicator": ind, "year": years, "numerator": x, "denominator": n})


def test_two_years_binomial_is_the_odds_ratio():
    # p0 = 10/100, p1 = 20/100: odds ratio = (0.2/0.8) / (0.1/0.9) = 2.25, fitted values = observed
    t = trend(_res("sgb2_quote", [2023, 2024], [10, 20], [100, 100])).iloc[0]
    assert t["ratio_per_year"] == pytest.approx(2.25, rel=1e-6)
    assert t["fitted_first"] == pytest.approx(10.0, rel=1e-6)
    assert t["fitted_last"] == pytest.approx(20.0, rel=1e-6)
    # Wald z = log(2.25) / sqrt(1/10 + 1/90 + 1/20 + 1/80)
    z = math.log(2.25) / math.sqrt(1 / 10 + 1 / 90 + 1 / 20 + 1 / 80)
    assert t["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-6)
    assert t["direction"] == "none" and t["label"] == "kein signifikanter Trend"  # z = 1.65


def test_poisson_rate_trend_equal_exposure():
    # Equal exposure, three years, counts 1000, 1100, 1210 = growth 1.1 a year: with equal
    # offsets the Poisson MLE solves sum(x_t * t) = sum(mu_t * t), satisfied by mu_t = 1000 * 1.1**t
    # exactly, so the rate ratio is 1.1 (and with these counts z is about 4.5: significant).
    t = trend(_res("sterberate", [2020, 2021, 2022], [1000, 1100, 1210], [100000] * 3)).iloc[0]
    assert t["ratio_per_year"] == pytest.approx(1.1, rel=1e-6)
    assert t["direction"] == "up" and t["label"] == "steigend"


def test_means_and_empty_series_are_left_out():
    res = pd.concat([_res("mittlere_wohndauer", [2023, 2024], [10, 20], [1, 1]),
                     _res("sgb2_quote", [2024], [5], [50]),
                     _res("kinderarmut", [2023, 2024], [0, 0], [50, 50])])
    assert trend(res).empty
