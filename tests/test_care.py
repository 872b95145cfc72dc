"""Tests of sozialanalyse.stats.care: the population and care-need projection of a district.

Musterland: the base year reproduces every municipality's observed care recipients, the trend
scenario runs at its cap where the observed change exceeds it.
"""
from __future__ import annotations

import pytest

import sozialanalyse as sa
from sozialanalyse.stats.care import TREND_CAP, care_projection


@pytest.fixture(scope="module")
def d():
    return sa.load_district("musterland")


def test_care_projection_reproduces_the_base_year(d):
    p = care_projection(d, 2024)
    assert p["absent"] == [] and p["left_out"] == []
    care = p["care"]
    base = care[care["year"] == 2024].groupby("area_id")[["status_quo", "compression", "trend"]].sum()
    hist = p["history"]
    observed = hist[hist["year"] == 2024].set_index("area_id")["value"]
    for a, row in base.iterrows():
        for s in ("status_quo", "compression", "trend"):
            assert row[s] == pytest.approx(observed[a], rel=1e-9), (a, s)
    end = care[care["year"] == 2040]
    assert (end["recipients_min"] <= end["status_quo"] + 1e-9).all()
    assert (end["status_quo"] <= end["recipients_max"] + 1e-9).all()
    pop = p["population"]
    assert pop["year"].max() == 2040 and (pop["population"] >= 0).all()
    assert all(abs(g) <= TREND_CAP for g in p["trend"].values())


def test_care_trend_cap(d):
    # Musterland's age-standardised care ratios rose by more than 3 % a year 2020-2024 for
    # Pflegegeld and ambulant, less for stationär: the first two run at the cap of +3 %.
    p = care_projection(d, 2024)
    assert p["trend_observed"]["pflegegeld"] > TREND_CAP and p["trend_observed"]["ambulant"] > TREND_CAP
    assert abs(p["trend_observed"]["stationaer"]) < TREND_CAP
    assert p["trend_capped"] == {"pflegegeld": True, "ambulant": True, "stationaer": False}
    care = p["care"].set_index(["area_id", "year", "type"])
    for t, capped in p["trend_capped"].items():
        rows = care.xs(t, level="type")
        assert rows["trend_capped"].eq(capped).all() and rows["trend_cap"].eq(TREND_CAP).all()
    # capped: the trend scenario is the status quo times 1.03 per year (16 years to 2040)
    k = care.loc[("Insgesamt", 2040, "ambulant")]
    assert k["trend"] == pytest.approx(k["status_quo"] * 1.03**16, rel=1e-9)
