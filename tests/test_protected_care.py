"""Tests of :mod:`sozialanalyse.protected.care`: the published care and access results.

Reference values are sums over the Musterland CSV files (written out in the comments, or summed
here with pandas from the files, independent of the layer), the hand calculations of the tiny
district (``tests/tiny_district.py``) and the planted copy of issue #14 used by
``tests/test_disclosure_care.py`` (Brakenhagen with exactly 1 person in a care home in 2024).
"""
from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tiny_district import set_population_80plus, tiny

import sozialanalyse as sa
from sozialanalyse.protected import care

MUSTERLAND = Path(__file__).resolve().parents[1] / "data" / "musterland"
BRAKENHAGEN, LINDENAU, KREIS = "03499007", "03499003", "03499"


def _csv(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype={"area_id": str}, keep_default_na=False)


@pytest.fixture(scope="module")
def muster():
    return sa.load_district(MUSTERLAND)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("protected_care") / "musterland"
    shutil.copytree(MUSTERLAND, folder)
    c = _csv(folder, "care.csv")
    hit = (c["area_id"] == BRAKENHAGEN) & (c["year"] == 2024) & (c["type"] == "stationaer")
    c.loc[hit, "value"] = 0
    c.loc[hit & (c["age_group"] == "85-89") & (c["sex"] == "w"), "value"] = 1
    c.to_csv(folder / "care.csv", index=False)
    return sa.load_district(folder)


def _wilson(x: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval, written out (Wilson 1927)."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_names_of_brakenhagen():
    a = _csv(MUSTERLAND, "areas.csv")
    assert a.set_index("area_id").loc[[BRAKENHAGEN, LINDENAU], "name"].tolist() == ["Brakenhagen", "Bad Lindenau"]


# --- published counts ---------------------------------------------------------------------------------


def test_published_counts_in_the_order_asked(muster):
    r = care.published_counts(muster, care.CARE, [KREIS, BRAKENHAGEN], 2024)
    # Musterland 2024: Brakenhagen 297 + 149 + 105 = 551, the Kreis 8.582 (care.csv)
    assert r["area_id"].tolist() == [KREIS, BRAKENHAGEN]
    assert r["name"].tolist() == ["Landkreis Musterland", "Brakenhagen"]
    assert r["value"].tolist() == [8582, 551]
    assert r["status"].tolist() == ["", ""]


def test_published_counts_suppress_the_planted_care_home_resident(planted):
    r = care.published_counts(planted, care.care_of("stationaer"), [BRAKENHAGEN], 2024).iloc[0]
    assert np.isnan(r["value"]) and r["status"] == "primary"
    ok = care.published_counts(planted, care.care_of("pflegegeld"), [BRAKENHAGEN], 2024).iloc[0]
    assert ok["value"] == 297 and ok["status"] == ""


# --- by age -------------------------------------------------------------------------------------------


def test_care_types_by_age_add_up_to_the_kreis_types(muster):
    c = care.care_types_by_age(muster, 2024)
    assert len(c) == len(care.CARE_AGE_BANDS) * 3 and (c["status"] == "").all()
    # Kreis 2024: Pflegegeld 4.883, ambulant 2.117, stationär 1.582 (care.csv)
    assert c.groupby("type")["value"].sum().to_dict() == {"ambulant": 2117, "pflegegeld": 4883, "stationaer": 1582}
    # the band 85-89, care home: summed from the CSV here
    raw = _csv(MUSTERLAND, "care.csv")
    ref = raw[(raw["year"] == 2024) & (raw["age_group"] == "85-89") & (raw["type"] == "stationaer")]["value"].sum()
    got = c[(c["age_from"] == 85) & (c["type"] == "stationaer")]["value"].item()
    assert got == ref


def test_rate_by_age_is_the_share_with_a_wilson_interval(muster):
    r = care.rate_by_age(muster, "pflegebeduerftige", care.CARE_AGE_BANDS, 2024)
    row = r[(r["sex"] == "w") & (r["age_from"] == 80)].iloc[0]
    raw, pop = _csv(MUSTERLAND, "care.csv"), _csv(MUSTERLAND, "population.csv")
    # the CSV files hold the base areas only (Sozialräume and towns without): their sum is the Kreis
    sel = lambda f: f[(f["year"] == 2024) & (f["age_group"] == "80-84") & (f["sex"] == "w")]["value"].sum()
    x, n = sel(raw), sel(pop[pop["variable"] == "einwohner"])
    assert (row["count"], row["population"]) == (x, n)
    assert row["value"] == pytest.approx(x / n)
    lo, hi = _wilson(x, n)
    assert (row["lower"], row["upper"]) == pytest.approx((lo, hi), rel=1e-9)
    assert row["lower"] < row["value"] < row["upper"]


def test_rate_by_age_does_not_compute_from_a_suppressed_count(tmp_path_factory):
    folder = tmp_path_factory.mktemp("protected_young") / "musterland"
    shutil.copytree(MUSTERLAND, folder)
    s = _csv(folder, "disability.csv")
    hit = (s["year"] == 2024) & (s["age_group"] == "0-4") & (s["sex"] == "m")
    s.loc[hit, "value"] = 0
    s.loc[hit & (s["area_id"] == BRAKENHAGEN), "value"] = 1  # one boy in the whole Kreis
    s.to_csv(folder / "disability.csv", index=False)
    r = care.rate_by_age(sa.load_district(folder), "schwerbehinderte", year=2024)
    boy = r[(r["sex"] == "m") & (r["age_from"] == 0)].iloc[0]
    assert boy["status"] != "" and np.isnan(boy["count"])
    assert np.isnan(boy["value"]) and np.isnan(boy["lower"]) and np.isnan(boy["upper"])
    # the girls of the band are its partner (both sexes add up to the published band); an ordinary band is shown
    girls = r[(r["sex"] == "w") & (r["age_from"] == 50)].iloc[0]
    assert girls["status"] == "" and np.isfinite(girls["value"])


# --- care projection ----------------------------------------------------------------------------------


def test_care_projection_withholds_a_municipality_with_a_suppressed_base_count(planted):
    p = care.care_projection(planted, 2024)
    assert BRAKENHAGEN in p["hidden"] and len(p["hidden"]) >= 2
    t = p["care"]
    b = t[t["area_id"] == BRAKENHAGEN]
    assert (b["status"] == "secondary").all()
    assert b[["status_quo", "compression", "trend", "lower", "upper"]].isna().all().all()
    # an ordinary municipality: projected, with its scenario band
    lind = t[(t["area_id"] == LINDENAU) & (t["year"] == 2040)].iloc[0]
    assert lind["status"] == "" and lind["lower"] <= lind["status_quo"] <= lind["upper"]
    # the observed base year as the layer publishes it: Bad Lindenau 629 + 269 + 224 = 1.122,
    # the Kreis 8.582 - 105 + 1 = 8.478 (care.csv)
    o = p["observed"]
    o = o[o["year"] == 2024].set_index("area_id")
    assert o.loc[LINDENAU, "value"] == 1122 and o.loc["Insgesamt", "value"] == 8478
    assert o.loc[BRAKENHAGEN, "value"] == 447 and o.loc[BRAKENHAGEN, "status"] == ""
    # no raw model frame leaves the module
    assert "population" not in p and "care_absent" in p


def test_care_projection_unplanted_withholds_nothing(muster):
    p = care.care_projection(muster, 2024)
    assert p["hidden"] == [] and p["hidden_population"] == []
    assert (p["care"]["status"] == "").all() and (p["old"]["status"] == "").all()
    o80 = p["observed_80"]
    # Musterland's 80+ population 2024: 12.826 (population.csv, as the Pflege page prints it)
    assert o80[(o80["area_id"] == "Insgesamt") & (o80["year"] == 2024)]["value"].item() == 12826


def test_senior_projection_starts_at_the_published_base_year(muster):
    p = care.senior_projection(muster, 2024)
    h, f = p["groups"]["80 Jahre und älter"]
    pop = _csv(MUSTERLAND, "population.csv")
    pop = pop[(pop["variable"] == "einwohner") & pop["age_group"].isin(["80-84", "85-89", "90+"])]
    assert h.to_dict() == pytest.approx(pop.groupby("year")["value"].sum().to_dict())
    assert f.loc[2024] == h.loc[2024] == 12826 and f.index.max() == 2040


# --- Pflegestützpunkte ----------------------------------------------------------------------------------


def test_psp_distances_weighted_with_the_published_80plus(tmp_path):
    # tiny district: Pflegestützpunkt at (3000, 4000); Nord (0, 0) 5 km, Süd (0, 6000)
    # sqrt(3² + 2²) = 3,606 km, Bedorf (10000, 0) sqrt(7² + 4²) = 8,062 km; 80+ weights Nord 100,
    # Süd 300, Bedorf 50 -> Astadt (500 + 300·3,606) / 400 = 3,954 km, Kreis
    # (500 + 1.081,7 + 403,1) / 450 = 4,411 km
    d = set_population_80plus(tiny(tmp_path, with_geometry=True))
    r = care.psp_distances(d, 2024)
    b = r["base"].set_index("area_id")
    assert b["value"].to_dict() == {"09999001-01": 100, "09999001-02": 300, "09999002": 50}
    assert b.loc["09999001-02", "distance_km"] == pytest.approx(math.sqrt(13), abs=1e-3)
    a = r["areas"].set_index("area_id")
    assert a.index.tolist() == ["09999001", "09999002", "09999"]
    d1, d2, d3 = 5.0, math.sqrt(13), math.sqrt(65)
    assert a.loc["09999001", "value"] == pytest.approx((100 * d1 + 300 * d2) / 400, abs=1e-3)
    assert a.loc["09999", "value"] == pytest.approx((100 * d1 + 300 * d2 + 50 * d3) / 450, abs=1e-3)
    assert a.loc["09999", "population"] == 450 and a.loc["09999001", "facilities"] == 1
    assert a.loc["09999", "max_km"] == pytest.approx(d3, abs=1e-3)
    assert (a["status"] == "").all() and not a["incomplete"].any()


def test_psp_distances_withhold_a_mean_with_a_suppressed_weight(tmp_path_factory):
    folder = tmp_path_factory.mktemp("protected_old") / "musterland"
    shutil.copytree(MUSTERLAND, folder)
    old_sr, old = "03499016-10", ["80-84", "85-89", "90+"]
    p = _csv(folder, "population.csv")
    hit = (p["area_id"] == old_sr) & (p["year"] == 2024) & p["age_group"].isin(old)
    p.loc[hit, "value"] = 0
    p.loc[hit & (p["age_group"] == "90+") & (p["sex"] == "w") & (p["nationality"] == "deutsch"), "value"] = 1
    p.to_csv(folder / "population.csv", index=False)
    for name in ("care.csv", "disability.csv"):
        c = _csv(folder, name)
        c.loc[(c["area_id"] == old_sr) & (c["year"] == 2024) & c["age_group"].isin(old), "value"] = 0
        c.to_csv(folder / name, index=False)
    r = care.psp_distances(sa.load_district(folder), 2024)
    b = r["base"].set_index("area_id")
    assert np.isnan(b.loc[old_sr, "value"]) and b.loc[old_sr, "status"] != ""
    a = r["areas"].set_index("area_id")
    # Musterstadt's 80+ total is published (3.014 - 94 + 1 = 2.921), its mean is withheld, so is the Kreis's
    assert a.loc["03499016", "population"] == 2921
    assert a.loc["03499016", "status"] == "secondary" and np.isnan(a.loc["03499016", "value"])
    assert a.loc[KREIS, "status"] == "secondary" and np.isnan(a.loc[KREIS, "value"])
    # Bad Lindenau untouched: 1.735 aged 80+, 3,1 km
    assert a.loc[LINDENAU, "population"] == 1735 and round(a.loc[LINDENAU, "value"], 1) == 3.1
