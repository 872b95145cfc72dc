"""Tests of sozialanalyse.stats.projection: hand-calculated toy projections and care need."""
import numpy as np
import pandas as pd
import pytest

from sozialanalyse.model.areas import AGE_GROUPS
from sozialanalyse.stats.projection import (
    care_need,
    care_scenarios,
    cohort_component,
    general_fertility_rate,
    residual_migration,
    survival_rates,
)

TOY = ("0-4", "5+")


def _toy():
    base = pd.DataFrame({
        "area_id": ["A"] * 4 + ["B"] * 4,
        "year": 2024,
        "sex": ["m", "m", "w", "w"] * 2,
        "age_group": list(TOY) * 4,
        "population": [100., 400., 100., 500., 0., 0., 0., 1000.],
    })
    surv = pd.DataFrame({"sex": ["m", "m", "w", "w"], "age_group": list(TOY) * 2,
                         "survival": [0.99, 0.9, 0.99, 0.9]})
    migr = pd.DataFrame({"area_id": ["A"] * 4 + ["B"] * 4, "sex": ["m", "m", "w", "w"] * 2,
                         "age_group": list(TOY) * 4,
                         "migration": [2., 0., 0., -10., 0., 0., 0., 0.]})
    return base, surv, migr


def test_cohort_component_toy_hand_calculation():
    # Toy population, bands 0-4 and 5+ (open), one annual step, width 5 (1/5 moves on):
    # Area A: m 0-4 100, m 5+ 400, w 0-4 100, w 5+ 500; survival 0-4 0.99, 5+ 0.9;
    # GFR 0.05 per woman in 5+; net migration m 0-4 +2, w 5+ -10; sex ratio 1.05.
    #   births B = 0.05 * 500 = 25; boys 25 * 1.05/2.05 = 12.80487805, girls 12.19512195;
    #   newborns survive half a year: sqrt(0.99) = 0.99498744
    #   m 0-4: 0.8 * 0.99 * 100 + 12.80487805 * 0.99498744 + 2 = 79.2 + 12.74069279 + 2
    #          = 93.94069279
    #   m 5+ : 0.9 * 400 + 0.2 * 0.99 * 100                 = 360 + 19.8        = 379.8
    #   w 0-4: 79.2 + 12.19512195 * 0.99498744              = 91.33399314
    #   w 5+ : 0.9 * 500 + 19.8 - 10                        = 459.8
    # Area B: only w 5+ 1000 -> B = 50; m 0-4 = 25.60975610 * 0.99498744 = 25.48138558,
    #   w 0-4 = 24.39024390 * 0.99498744 = 24.26798627, w 5+ = 900.
    base, surv, migr = _toy()
    out, births = cohort_component(base, surv, 0.05, migr, 1, age_groups=TOY,
                                   fertile_groups=("5+",), return_births=True)
    y1 = out[out.year == 2025].set_index(["area_id", "sex", "age_group"])["population"]
    assert y1["A", "m", "0-4"] == pytest.approx(93.94069279, abs=1e-8)
    assert y1["A", "m", "5+"] == pytest.approx(379.8)
    assert y1["A", "w", "0-4"] == pytest.approx(91.33399314, abs=1e-8)
    assert y1["A", "w", "5+"] == pytest.approx(459.8)
    assert y1["B", "m", "0-4"] == pytest.approx(25.48138558, abs=1e-8)
    assert y1["B", "w", "0-4"] == pytest.approx(24.26798627, abs=1e-8)
    assert y1["B", "w", "5+"] == pytest.approx(900)
    assert births.loc[2025].tolist() == pytest.approx([25, 50])
    # second year, area A, m 5+: 0.9 * 379.8 + 0.2 * 0.99 * 93.94069279 = 341.82 + 18.60025717
    out2 = cohort_component(base, surv, 0.05, migr, [2026], age_groups=TOY,
                            fertile_groups=("5+",))
    assert sorted(out2.year.unique()) == [2024, 2026]
    y2 = out2[out2.year == 2026].set_index(["area_id", "sex", "age_group"])["population"]
    assert y2["A", "m", "5+"] == pytest.approx(341.82 + 18.60025717, abs=1e-7)


def test_cohort_component_full_bands_closed_population_ages():
    # No deaths, births or migration: the total stays, and people move up a band.
    base = pd.DataFrame({"area_id": "X", "sex": np.repeat(["m", "w"], 19),
                         "age_group": list(AGE_GROUPS) * 2, "population": 100.0})
    surv = base[["sex", "age_group"]].assign(survival=1.0)
    out = cohort_component(base, surv, 0.0, None, 16, base_year=2024)
    last = out[out.year == 2040]
    assert last["population"].sum() == pytest.approx(3800)
    assert last.set_index(["sex", "age_group"]).loc[("w", "90+"), "population"] > 100
    # age-specific fertility (per band) equals a GFR spread over the same bands
    asfr = pd.DataFrame({"age_group": ["25-29", "30-34"], "fertility": [0.1, 0.1]})
    a = cohort_component(base, surv, asfr, years=1)
    g = cohort_component(base, surv, 0.1, years=1, fertile_groups=("25-29", "30-34"))
    np.testing.assert_allclose(a["population"], g["population"])


def test_rates_from_data():
    # m = 10 / 1000 = 0.01 -> s = (1 - 0.005) / (1 + 0.005) = 0.990049751
    d = pd.DataFrame({"sex": ["w", "w"], "age_group": ["80-84", "80-84"],
                      "deaths": [4, 6], "population": [500, 500]})
    assert survival_rates(d)["survival"].iloc[0] == pytest.approx(0.990049751)
    p = pd.DataFrame({"area_id": ["A", "A", "A"], "sex": ["w", "w", "m"],
                      "age_group": ["15-19", "45-49", "30-34"], "population": [300, 700, 500]})
    assert general_fertility_rate(pd.Series({"A": 40}), p)["A"] == pytest.approx(0.04)


def test_residual_migration_reproduces_projection():
    base, surv, migr = _toy()
    out = cohort_component(base, surv, 0.05, migr, 1, age_groups=TOY, fertile_groups=("5+",))
    est = residual_migration(base, out[out.year == 2025], surv, 0.05, age_groups=TOY,
                             fertile_groups=("5+",))
    m = est.merge(migr, on=["area_id", "sex", "age_group"], suffixes=("", "_true"))
    np.testing.assert_allclose(m["migration"], m["migration_true"], atol=1e-9)


def test_cohort_component_errors():
    base, surv, _migr = _toy()
    with pytest.raises(ValueError, match=r"^cohort_component\(\): survival has no value in column "
                       r"'survival' for sex 'w', age_group '5\+'$"):
        cohort_component(base, surv.iloc[:3], 0.05, None, 1, age_groups=TOY)
    with pytest.raises(ValueError, match="between 0 and 1"):
        cohort_component(base, surv.assign(survival=1.2), 0.05, None, 1, age_groups=TOY)
    with pytest.raises(ValueError, match="unknown age band"):
        cohort_component(base, surv, 0.05, None, 1)  # toy bands vs the 19 default bands
    with pytest.raises(ValueError, match="several years"):
        cohort_component(pd.concat([base, base.assign(year=2023)]), surv, 0.05, None, 1,
                         age_groups=TOY)
    with pytest.raises(ValueError, match="non-negative"):
        cohort_component(base, surv, -0.1, None, 1, age_groups=TOY, fertile_groups=("5+",))
    with pytest.raises(ValueError, match="backwards"):
        cohort_component(base, surv, 0.05, None, [2020], age_groups=TOY)
    with pytest.raises(ValueError, match=r"^cohort_component\(\): base_pop has no column\(s\) 'sex'"):
        cohort_component(base.drop(columns="sex"), surv, 0.05, None, 1, age_groups=TOY)


# --- care need -------------------------------------------------------------------------------

def _care_inputs():
    pop = pd.DataFrame({
        "area_id": ["A", "A", "B", "B"] * 2,
        "year": [2025] * 4 + [2035] * 4,
        "sex": "w",
        "age_group": ["80-84", "85-89"] * 4,
        "population": [1000., 500., 200., 100., 1100., 600., 200., 120.],
    })
    rates = pd.DataFrame({
        "sex": "w",
        "age_group": ["75-79", "80-84", "85-89"] * 2,
        "type": ["ambulant"] * 3 + ["stationaer"] * 3,
        "rate": [0.02, 0.05, 0.10, 0.01, 0.03, 0.08],
    })
    return pop, rates


def test_care_need_status_quo_is_rate_times_population():
    # Hand check, area A 2025, ambulant: 0.05 * 1000 + 0.10 * 500 = 100;
    #   stationaer: 0.03 * 1000 + 0.08 * 500 = 70; staff at 2.5 / 1.25 recipients per
    #   staff member: 40 and 56. Area B 2035 ambulant: 0.05 * 200 + 0.10 * 120 = 22.
    #   Total 2025 ambulant: 100 + (0.05 * 200 + 0.10 * 100 = 20) = 120.
    pop, rates = _care_inputs()
    out = care_need(pop, rates, staff_ratio={"ambulant": 2.5, "stationaer": 1.25})
    r = out.set_index(["area_id", "year", "type"])
    assert r.loc[("A", 2025, "ambulant"), "recipients"] == pytest.approx(100)
    assert r.loc[("A", 2025, "stationaer"), "recipients"] == pytest.approx(70)
    assert r.loc[("A", 2025, "ambulant"), "staff"] == pytest.approx(40)
    assert r.loc[("A", 2025, "stationaer"), "staff"] == pytest.approx(56)
    assert r.loc[("B", 2035, "ambulant"), "recipients"] == pytest.approx(22)
    assert r.loc[("Insgesamt", 2025, "ambulant"), "recipients"] == pytest.approx(120)
    assert set(out["scenario"]) == {"status_quo"}
    # no staff ratio given for a type -> NaN staff
    assert care_need(pop, rates)["staff"].isna().all()


def test_care_need_compression_and_trend():
    pop, rates = _care_inputs()
    sq = care_need(pop, rates).set_index(["area_id", "year", "type"])["recipients"]
    # Compression, 2 years per decade: in 2035 the shift is 2 years = 0.4 band, so the rate
    # of 85-89 becomes 0.6 * 0.10 + 0.4 * 0.05 = 0.08 and of 80-84 0.6 * 0.05 + 0.4 * 0.02
    # = 0.038 (ambulant). Area A 2035: 0.038 * 1100 + 0.08 * 600 = 41.8 + 48 = 89.8
    # (status quo: 0.05 * 1100 + 0.10 * 600 = 115). The base year is unchanged.
    co = care_need(pop, rates, "compression", shift_years_per_decade=2)
    co = co.set_index(["area_id", "year", "type"])["recipients"]
    assert co["A", 2035, "ambulant"] == pytest.approx(89.8)
    assert sq["A", 2035, "ambulant"] == pytest.approx(115)
    assert co["A", 2025, "ambulant"] == pytest.approx(sq["A", 2025, "ambulant"])
    later = co.xs(2035, level="year")
    assert (later < sq.xs(2035, level="year").reindex(later.index)).all()
    # Trend: +2 % per year for ambulant over 10 years: 115 * 1.02^10 = 140.18...
    tr = care_need(pop, rates, "trend", annual_change={"ambulant": 0.02})
    tr = tr.set_index(["area_id", "year", "type"])["recipients"]
    assert tr["A", 2035, "ambulant"] == pytest.approx(115 * 1.02**10)
    assert tr["A", 2035, "stationaer"] == pytest.approx(sq["A", 2035, "stationaer"])
    band = care_scenarios(pop, rates, annual_change={"ambulant": 0.02},
                          shift_years_per_decade=2, staff_ratio={"ambulant": 2.5})
    b = band.set_index(["area_id", "year", "type"])
    assert b.loc[("A", 2035, "ambulant"), "recipients_min"] == pytest.approx(89.8)
    assert b.loc[("A", 2035, "ambulant"), "recipients_max"] == pytest.approx(115 * 1.02**10)
    assert b.loc[("A", 2035, "ambulant"), "staff_max"] == pytest.approx(115 * 1.02**10 / 2.5)


def test_trend_cap_is_applied_and_stated():
    # Requested +5 % a year for ambulant, -1 % for stationaer, cap 3 %: ambulant is cut to +3 %,
    # stationaer is not. Area A 2035 ambulant: 115 * 1.03^10 = 154.55...; stationaer:
    # (0.03 * 1100 + 0.08 * 600) * 0.99^10 = 81 * 0.99^10 = 73.25...
    pop, rates = _care_inputs()
    tr = care_need(pop, rates, "trend", annual_change={"ambulant": 0.05, "stationaer": -0.01}, trend_cap=0.03)
    tr = tr.set_index(["area_id", "year", "type"])
    assert tr.loc[("A", 2035, "ambulant"), "recipients"] == pytest.approx(115 * 1.03**10)
    assert tr.loc[("A", 2035, "stationaer"), "recipients"] == pytest.approx(81 * 0.99**10)
    assert tr.xs("ambulant", level="type")["capped"].all()
    assert not tr.xs("stationaer", level="type")["capped"].any()
    assert tr.xs("ambulant", level="type")["annual_change"].eq(0.03).all()
    assert tr.xs("stationaer", level="type")["annual_change"].eq(-0.01).all()
    assert (tr["cap"] == 0.03).all()
    sq = care_need(pop, rates)  # no trend: nothing applied, nothing capped
    assert sq["annual_change"].isna().all() and not sq["capped"].any() and sq["cap"].isna().all()
    band = care_scenarios(pop, rates, annual_change={"ambulant": -0.2}, trend_cap=0.03)
    b = band.set_index(["area_id", "year", "type"])
    assert b.loc[("Insgesamt", 2035, "ambulant"), "trend_capped"]
    assert b.loc[("Insgesamt", 2035, "ambulant"), "trend_annual_change"] == pytest.approx(-0.03)
    assert b.loc[("A", 2035, "ambulant"), "trend"] == pytest.approx(115 * 0.97**10)
    assert not b.xs("stationaer", level="type")["trend_capped"].any()
    with pytest.raises(ValueError, match="trend_cap"):
        care_need(pop, rates, "trend", annual_change={"ambulant": 0.05}, trend_cap=-0.03)


def test_care_need_end_year_and_errors():
    pop, rates = _care_inputs()
    assert care_need(pop, rates, end_year=2030)["year"].unique().tolist() == [2025]
    with pytest.raises(ValueError, match="scenario"):
        care_need(pop, rates, "optimistisch")
    with pytest.raises(ValueError, match="annual_change"):
        care_need(pop, rates, "trend")
    with pytest.raises(ValueError, match="unknown care type"):
        care_need(pop, rates.assign(type="tagespflege"))
    with pytest.raises(ValueError, match="between 0 and 1"):
        care_need(pop, rates.assign(rate=1.5))
    with pytest.raises(ValueError, match="no population"):
        care_need(pop, rates, end_year=2000)
    with pytest.raises(ValueError, match=r"no rates for area_id 'B'"):
        care_need(pop, rates.assign(area_id="A"))


def test_errors_name_function_argument_value_key_and_column():
    base, surv, _migr = _toy()
    neg = base.copy()
    neg.loc[5, "population"] = -3
    with pytest.raises(ValueError, match=r"^cohort_component\(\): column 'population' has a "
                       r"negative value -3 for area_id 'B', sex 'm', age_group '5\+'$"):
        cohort_component(neg, surv, 0.05, None, 1, age_groups=TOY)
    with pytest.raises(ValueError, match=r"^cohort_component\(\): survival probabilities must lie "
                       r"between 0 and 1, got 1.2 for sex 'w', age_group '0-4'$"):
        cohort_component(base, surv.assign(survival=[0.99, 0.9, 1.2, 0.9]), 0.05, None, 1,
                         age_groups=TOY)
    with pytest.raises(ValueError, match=r"^cohort_component\(\): base_pop has more than one row "
                       r"for area_id 'A', sex 'm', age_group '0-4'$"):
        cohort_component(pd.concat([base, base.iloc[[0]]]), surv, 0.05, None, 1, age_groups=TOY)
    with pytest.raises(ValueError, match=r"^survival_rates\(\): column 'deaths' has a negative "
                       r"value -1 for sex 'w', age_group '80-84'$"):
        survival_rates(pd.DataFrame({"sex": ["w"], "age_group": ["80-84"], "deaths": [-1],
                                     "population": [1000]}))
    pop, rates = _care_inputs()
    with pytest.raises(ValueError, match=r"^care_need\(\): care_rates column 'rate' must hold "
                       r"shares between 0 and 1, got 1.5 for sex 'w', age_group '85-89', "
                       r"type 'ambulant'$"):
        care_need(pop, rates.assign(rate=[0.02, 0.05, 1.5, 0.01, 0.03, 0.08]))
    with pytest.raises(TypeError, match=r"^care_need\(\): population_projection column "
                       r"'population' is not numeric: value 'viele' for area_id 'A', year 2025, "
                       r"sex 'w', age_group '80-84'$"):
        care_need(pop.assign(population=["viele"] + [1.0] * 7), rates)
