"""Tests of sozialanalyse.stats.care: the population and care-need projection of a district.

Musterland: the base year reproduces every municipality's observed care recipients, the trend
scenario runs at its cap where the observed change exceeds it. Musterland with one absent care
row (``validation: lenient``): the town is "fehlt" (NaN), never a projection of 0, and the
Kreis total is the sum over the other towns, by hand from ``care.csv``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from faults import lenient_without

import sozialanalyse as sa
from sozialanalyse.io.own import load_district
from sozialanalyse.stats.care import TREND_CAP, care_projection

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"
CARE_ROW = "03499003-02,2024,pflegebeduerftige,80-84,w,ambulant,"
TOWN, SR, KREIS = "03499003", "03499003-02", "03499"  # Bad Lindenau, Altstadt Lindenau


@pytest.fixture(scope="module")
def d():
    return sa.load_district("musterland")


def test_care_projection_reproduces_the_base_year(d):
    p = care_projection(d, 2024)
    assert p["absent"] == [] and p["care_absent"] == [] and p["left_out"] == []
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


# --- one absent care row --------------------------------------------------------------------------


def care_gap_district(tmp_path: Path):
    """Musterland without the row ``03499003-02,2024,pflegebeduerftige,80-84,w,ambulant``
    (Altstadt Lindenau, Bad Lindenau), loaded with ``validation: lenient``."""
    return load_district(lenient_without(tmp_path, "care.csv", CARE_ROW))


@pytest.fixture(scope="module")
def care_gap(tmp_path_factory):
    return care_gap_district(tmp_path_factory.mktemp("caregap"))


def test_a_town_with_an_absent_care_row_is_missing_not_zero(care_gap):
    p = care_projection(care_gap, 2024)
    assert p["care_absent"] == [TOWN] and p["absent"] == [] and p["left_out"] == [SR]
    c = p["care"]
    town = c[c["area_id"] == TOWN]
    # every projected year and care type is there, with unknown recipients: not 0
    assert set(town["year"]) == set(range(2024, 2041)) and set(town["type"]) == {"pflegegeld", "ambulant", "stationaer"}
    for col in ("status_quo", "compression", "trend", "recipients_min", "recipients_max"):
        assert town[col].isna().all(), col
    assert (town["name"] == "Bad Lindenau").all()
    # its population is complete: projected like every other town
    pop = p["population"]
    assert pop.loc[pop["area_id"] == TOWN, "population"].notna().all()
    assert len(pop[pop["area_id"] == TOWN]) == len(pop[pop["area_id"] == "03499007"])
    # "Insgesamt" in the base year and its history: the other towns' recipients, by hand from care.csv
    csv = pd.read_csv(MUSTERLAND / "care.csv", dtype={"area_id": str})
    csv = csv[(csv["variable"] == "pflegebeduerftige") & ~csv["area_id"].str.startswith(TOWN)]
    by_year = csv.groupby("year")["value"].sum()
    base = c[(c["area_id"] == "Insgesamt") & (c["year"] == 2024)]["status_quo"].sum()
    assert base == pytest.approx(by_year[2024], rel=1e-9)
    h = p["history"]
    total = h[h["area_id"] == "Insgesamt"].set_index("year")["value"]
    assert total.to_dict() == pytest.approx(by_year.to_dict(), rel=1e-12)
    # the town's own history: unknown in 2024 only
    own = h[h["area_id"] == TOWN].set_index("year")["value"]
    assert np.isnan(own[2024]) and own.drop(2024).notna().all()
