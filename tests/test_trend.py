"""Trend tests: reference values by hand (a saturated two-year binomial model, a Poisson model
whose maximum-likelihood slope has a closed form) and from R (glm with the quasibinomial and
quasipoisson families, R 4.2.2 from Debian, run once; R is not needed to run these tests).

The R calls, with ``show`` printing the slope row of ``coef(summary(fit))``, the dispersion
``summary(fit)$dispersion`` and the residual df::

    show <- function(fit) { s <- summary(fit); print(coef(s), digits = 10)
                            print(c(s$dispersion, fit$df.residual), digits = 10) }
    # A: proportion, strong extra variation
    year <- 2018:2023; x <- c(120, 95, 140, 110, 160, 150); n <- c(1000, 1010, 990, 1005, 1000, 995)
    show(glm(cbind(x, n - x) ~ I(year - 2018), family = quasibinomial))
    #   I(year - 2018)  0.08164861023 0.04573510346 1.785250367 0.1487713648741   dispersion 4.072812184, df 4
    show(glm(cbind(x, n - x) ~ I(year - 2018), family = binomial))
    #   I(year - 2018)  0.08164861023 0.0226622212  3.602851173 0.0003147457548
    # B: proportion, less variation than binomial chance (X^2 = 0.0748572636, df 3)
    year <- 2019:2023; x <- c(50, 56, 58, 65, 70); n <- rep(1000, 5)
    show(glm(cbind(x, n - x) ~ I(year - 2019), family = quasibinomial))
    #   I(year - 2019)  0.08741726748 0.00669236976 13.06222917 0.0009690153203  dispersion 0.0249524215
    show(glm(cbind(x, n - x) ~ I(year - 2019), family = binomial))
    #   I(year - 2019)  0.08741726748 0.04236659675 2.063353542 0.03907905045
    # C: rate, extra variation
    year <- 2016:2022; x <- c(30, 45, 28, 52, 41, 60, 38)
    n <- c(10000, 10100, 10250, 10300, 10400, 10500, 10650)
    show(glm(x ~ I(year - 2016) + offset(log(n)), family = quasipoisson))
    #   (Intercept)    -5.65115152355 0.19279036477 -29.3124167816 8.662542011e-07
    #   I(year - 2016)  0.04707366948 0.05082587059   0.9261753696 3.968591139e-01  dispersion 3.014181136, df 5
    show(glm(x ~ I(year - 2016) + offset(log(n)), family = poisson))
    #   I(year - 2016)  0.04707366948 0.029275219   1.607969849 0.1078417824
    # D: rate, less variation than Poisson chance (X^2 = 0.009406716498, df 3)
    year <- 2016:2020; x <- c(100, 104, 109, 115, 119); n <- rep(50000, 5)
    show(glm(x ~ I(year - 2016) + offset(log(n)), family = quasipoisson))
    #   I(year - 2016)  0.04482875404 0.001695183223 26.44478392 0.0001186368266  dispersion 0.003135572166
    show(glm(x ~ I(year - 2016) + offset(log(n)), family = poisson))
    #   I(year - 2016)  0.04482875404 0.03027319409 1.480806878 0.1386580431
    # E: three years (df 1)
    year <- 2022:2024; x <- c(20, 35, 28); n <- c(400, 410, 405)
    show(glm(cbind(x, n - x) ~ I(year - 2022), family = quasibinomial))
    #   (Intercept)    -2.7699680315 0.3306537047 -8.3772478332 0.07563600313
    #   I(year - 2022)  0.1500231557 0.2435221868  0.6160553897 0.64849589044   dispersion 3.00662526, df 1
"""
import math

import pandas as pd
import pytest

from sozialanalyse.stats.trend import TREND_COLUMNS, trend


def _res(ind, years, x, n):
    return pd.DataFrame({"area_id": "A", "indicator": ind, "year": years, "numerator": x, "denominator": n})


A = ("sgb2_quote", list(range(2018, 2024)), [120, 95, 140, 110, 160, 150], [1000, 1010, 990, 1005, 1000, 995])
B = ("sgb2_quote", list(range(2019, 2024)), [50, 56, 58, 65, 70], [1000] * 5)
C = ("sterberate", list(range(2016, 2023)), [30, 45, 28, 52, 41, 60, 38],
     [10000, 10100, 10250, 10300, 10400, 10500, 10650])
D = ("sterberate", list(range(2016, 2021)), [100, 104, 109, 115, 119], [50000] * 5)
E = ("sgb2_quote", [2022, 2023, 2024], [20, 35, 28], [400, 410, 405])


@pytest.mark.parametrize("series, slope, se, p, phi, df, method", [
    (A, 0.08164861023, 0.04573510346, 0.1487713648741, 4.072812184, 4, "quasibinomial"),
    (C, 0.04707366948, 0.05082587059, 0.3968591139, 3.014181136, 5, "quasipoisson"),
    (E, 0.1500231557, 0.2435221868, 0.64849589044, 3.00662526, 1, "quasibinomial"),
    # less variation than chance: phi = max(1, X^2/df) = 1, the plain model (R's binomial/poisson)
    (B, 0.08741726748, 0.04236659675, 0.03907905045, 1.0, 3, "binomial"),
    (D, 0.04482875404, 0.03027319409, 0.1386580431, 1.0, 3, "poisson"),
])
def test_overdispersion_matches_r(series, slope, se, p, phi, df, method):
    t = trend(_res(*series)).iloc[0]
    assert t["slope"] == pytest.approx(slope, rel=1e-7)
    assert t["ratio_per_year"] == pytest.approx(math.exp(slope), rel=1e-7)
    assert t["std_error"] == pytest.approx(se, rel=1e-6)
    assert t["p_value"] == pytest.approx(p, rel=1e-6)
    assert t["dispersion"] == pytest.approx(phi, rel=1e-6)
    assert t["df_resid"] == df and t["method"] == method


def test_overdispersed_rise_is_no_longer_significant():
    # Series A under binomial chance alone: p = 0.0003147457548 (R, binomial), "steigend";
    # with the observed extra variation p = 0.1487713649 (R, quasibinomial): no significant trend.
    plain = trend(_res(*A), overdispersion=False).iloc[0]
    assert plain["p_value"] == pytest.approx(0.0003147457548, rel=1e-6)
    assert plain["std_error"] == pytest.approx(0.0226622212, rel=1e-6)
    assert (plain["direction"], plain["label"], plain["method"], plain["dispersion"]) == \
        ("up", "steigend", "binomial", 1.0)
    quasi = trend(_res(*A)).iloc[0]
    assert (quasi["direction"], quasi["label"]) == ("none", "kein signifikanter Trend")
    # R's quasipoisson intercept of series C: the fitted rate of 2016 is exp(-5.65115152355) per
    # person, i.e. 3.51 per 1,000 (the catalog's multiplier of sterberate)
    c = trend(_res(*C)).iloc[0]
    assert c["fitted_first"] == pytest.approx(1000 * math.exp(-5.65115152355), rel=1e-7)


def test_underdispersion_never_narrows_the_test():
    # R's quasibinomial would give p = 0.00097 for series B (dispersion 0.025); the rule keeps
    # the plain binomial p = 0.039 (never narrower than binomial chance).
    t = trend(_res(*B)).iloc[0]
    assert t["p_value"] > 0.01 and t["direction"] == "up"


def test_two_years_binomial_is_the_odds_ratio():
    # p0 = 10/100, p1 = 20/100: odds ratio = (0.2/0.8) / (0.1/0.9) = 2.25, fitted values = observed
    t = trend(_res("sgb2_quote", [2023, 2024], [10, 20], [100, 100]), overdispersion=False).iloc[0]
    assert t["ratio_per_year"] == pytest.approx(2.25, rel=1e-6)
    assert t["fitted_first"] == pytest.approx(10.0, rel=1e-6)
    assert t["fitted_last"] == pytest.approx(20.0, rel=1e-6)
    # Wald z = log(2.25) / sqrt(1/10 + 1/90 + 1/20 + 1/80)
    z = math.log(2.25) / math.sqrt(1 / 10 + 1 / 90 + 1 / 20 + 1 / 80)
    assert t["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-6)
    assert t["direction"] == "none" and t["label"] == "kein signifikanter Trend"  # z = 1.65


def test_two_years_are_not_tested_by_default():
    # No residual df: the year-to-year variation cannot be estimated, so no label claims a trend,
    # however large the counts (the plain model: z = log(2.25)/sqrt(4 * 0.1736/1000) = 16.5).
    t = trend(_res("sgb2_quote", [2023, 2024], [10000, 20000], [100000, 100000])).iloc[0]
    assert t["ratio_per_year"] == pytest.approx(2.25, rel=1e-6)
    assert math.isnan(t["p_value"]) and math.isnan(t["dispersion"]) and t["df_resid"] == 0
    assert (t["direction"], t["label"]) == ("untested", "nicht prüfbar (nur zwei Jahre)")


def test_poisson_rate_trend_equal_exposure():
    # Equal exposure, three years, counts 1000, 1100, 1210 = growth 1.1 a year: with equal
    # offsets the Poisson MLE solves sum(x_t * t) = sum(mu_t * t), satisfied by mu_t = 1000 * 1.1**t
    # exactly, so the rate ratio is 1.1, the fit is exact (X^2 = 0, dispersion 1) and with these
    # counts z is about 4.5: significant.
    t = trend(_res("sterberate", [2020, 2021, 2022], [1000, 1100, 1210], [100000] * 3)).iloc[0]
    assert t["ratio_per_year"] == pytest.approx(1.1, rel=1e-6)
    assert t["method"] == "poisson" and t["dispersion"] == 1.0
    assert t["direction"] == "up" and t["label"] == "steigend"


def test_means_and_empty_series_are_left_out():
    res = pd.concat([_res("mittlere_wohndauer", [2023, 2024], [10, 20], [1, 1]),
                     _res("sgb2_quote", [2024], [5], [50]),
                     _res("kinderarmut", [2023, 2024], [0, 0], [50, 50])])
    t = trend(res)
    assert t.empty and list(t.columns) == TREND_COLUMNS


def test_musterland_profile_labels_follow_the_corrected_test():
    # Musterstadt (03499016), 2015-2024. R 4.2.2 on the counts of the demo district:
    #   SGB-II-Quote  binomial p = 6.495333015e-18, quasibinomial p = 0.098316386947 (dispersion 21.25215)
    #   Kinderarmut   binomial p = 0.0006443098022, quasibinomial p = 0.20234366482  (dispersion 6.037009)
    # Both were printed as "↑ steigend"; with the year-to-year extra variation neither is significant.

    import sozialanalyse as sa
    from sozialanalyse.stats import indicators

    d = sa.load_district("musterland")
    res = indicators.compute(d, ["sgb2_quote", "kinderarmut"], level="gemeindeverband")
    t = trend(res[res["area_id"].astype(str) == "03499016"]).set_index("indicator")
    assert t.loc["sgb2_quote", "p_value"] == pytest.approx(0.098316386947, rel=1e-5)
    assert t.loc["sgb2_quote", "dispersion"] == pytest.approx(21.25215, rel=1e-5)
    assert t.loc["kinderarmut", "p_value"] == pytest.approx(0.20234366482, rel=1e-5)
    assert t.loc["kinderarmut", "dispersion"] == pytest.approx(6.037009, rel=1e-5)


def _cells_by_name(html: str) -> dict[str, list[str]]:
    import re

    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", html.replace("\n", "")):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr)]
        if cells:
            rows[cells[0]] = cells
    return rows


def test_profile_development_table_uses_the_one_trend_test_of_the_profile():
    """Review #16: the key table's "Trend" is the five-year test at 99,8 %, the "Entwicklung" table
    had a ten-year GLM test at 5 %. Now both show the same marker for every indicator they share,
    and the header and the note name the window and the level. Musterstadt's SGB-II-Quote: the
    key figures mark it ↑ over 2020–2024 (the case that read differently in the two tables)."""
    import sozialanalyse as sa

    d = sa.load("musterland")
    gp = sa.pages.gemeindeprofil
    dev_html = gp.trends_table(d, "03499016").data
    dev = _cells_by_name(dev_html)
    keys = _cells_by_name(gp.key_figures(d, "03499016", d.report_year).data)
    head = dev["Kennzahl"]
    assert head[-1] == "Trend 2020–2024", head  # the window of the test, not 2015–2024
    key_col = keys["Kennzahl"].index("Trend")
    shared = [n for n in dev if n in keys and n != "Kennzahl"]
    assert len(shared) >= 4, shared
    for name in shared:
        assert dev[name][-1] == keys[name][key_col], (name, dev[name][-1], keys[name][key_col])
    assert dev["SGB-II-Quote"][-1].startswith("↑ steigend")
    assert "99,8-%-Niveau" in dev_html and "letzten fünf Jahren" in dev_html
    assert "Signifikanzniveau 5" not in dev_html and "Quasi-Likelihood" not in dev_html


def test_errors_name_function_column_value_and_key():
    res = pd.DataFrame({"area_id": "03353001", "indicator": "sgb2_quote", "year": [2022, 2023],
                        "numerator": [10, -1], "denominator": [100, 100]})
    with pytest.raises(ValueError, match=r"^trend\(\): column 'numerator' has a negative value -1 "
                       r"for area_id '03353001', indicator 'sgb2_quote', year 2023$"):
        trend(res)
    with pytest.raises(ValueError, match=r"^trend\(\): result has no column\(s\) 'denominator'"):
        trend(res.drop(columns="denominator"))
    with pytest.raises(ValueError, match=r"^trend\(\): alpha must lie between 0 and 1"):
        trend(res.assign(numerator=[10, 12]), alpha=5)


def test_trends_table_shows_the_change_in_percentage_points_of_the_printed_values():
    """Issue #16: the change column was the model's relative change of the odds per year, printed
    "+2,0 %" beside 8,1 % → 10,0 %, which reads like points. Now it is the difference of the two
    printed values in Prozentpunkte. By hand from the printed cells of Musterland's Kreis:
    SGB-II-Quote 8,1 % (2015) → 10,0 % (2024): 10,0 − 8,1 = +1,9 Pp.; Pflegequote 3,4 % → 5,8 %:
    +2,4 Pp.; and for every row the printed change equals last minus first, digit by digit."""
    import re
    from decimal import Decimal

    import sozialanalyse as sa

    d = sa.load("musterland")
    html = sa.pages.gemeindeprofil.trends_table(d, d.kreis["area_id"]).data.replace("\n", "")
    assert ">Veränderung 2015–2024</th>" in html and "Veränderung je Jahr" not in html
    assert "Entwicklung der Sozial- und Gesundheitskennzahlen 2015–2024" in html
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", html):
        cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr)]
        if cells:
            rows[cells[0]] = cells
    assert rows["SGB-II-Quote"][1:4] == ["8,1\u00a0%", "10,0\u00a0%", "+1,9\u00a0Pp."]
    assert rows["Pflegequote"][1:4] == ["3,4\u00a0%", "5,8\u00a0%", "+2,4\u00a0Pp."]

    def number(cell):
        t = cell.split("\u00a0")[0].replace("\u2212", "-").replace("+", "").replace(",", ".")
        return Decimal(t)

    for name, c in rows.items():
        if c[1].endswith("%") and c[2].endswith("%"):
            assert c[3].endswith("Pp."), name
            assert number(c[3]) == number(c[2]) - number(c[1]), name
