"""Services against need (issue 18): supply ratios, reach shares and gaps against hand calculations.

The small district of these tests (``_district``) is written out here: Kreis 09999 with the Stadt
09999001 (Sozialräume Nord -01: x 0..2000, y 0..2000; Süd -02: x 0..2000, y 2000..4000) and the
Einheitsgemeinde Bedorf 09999002 (x 10000..12000, y 0..2000); 100 men and 100 women in every
five-year band of every base area (3.800 inhabitants each), 2020-2024. Every number expected below
is worked out by hand in the comments.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sozialanalyse as sa
from sozialanalyse.io.validate import validate
from sozialanalyse.model.areas import AGE_GROUPS
from sozialanalyse.model.config import Config, ConfigError
from sozialanalyse.model.district import District
from sozialanalyse.planning import supply

COLUMNS = ["area_id", "year", "variable", "age_group", "sex", "nationality", "type", "value"]
NORD, SUED, BEDORF, ASTADT, KREIS = "09999001-01", "09999001-02", "09999002", "09999001", "09999"


# ------------------------------------------------------------------------------ pure functions

def test_band_weights_of_the_children_aged_1_to_5_and_a_range_splitting_three_bands():
    # ages 1-5: 0-4 holds the ages 1, 2, 3, 4 (4 of 5 years), 5-9 holds age 5 (1 of 5)
    assert supply.band_weights((1, 5)) == {"0-4": 0.8, "5-9": 0.2}
    # ages 3-12: 0-4 -> 3, 4 (2/5); 5-9 whole; 10-14 -> 10, 11, 12 (3/5)
    assert supply.band_weights((3, 12)) == {"0-4": 0.4, "5-9": 1.0, "10-14": 0.6}
    assert supply.band_weights((65, None)) == {b: 1.0 for b in ("65-69", "70-74", "75-79", "80-84", "85-89", "90+")}
    with pytest.raises(ValueError, match="open band 90\\+"):
        supply.band_weights((60, 92))


def test_supply_ratio_by_hand():
    # 90 places for 112,5 children: 90 / 112,5 * 100 = 80 places per 100; no children: no ratio (not 0)
    r = supply.supply_ratio([90.0, 3.0, 5.0], [112.5, 0.0, np.nan], 100)
    assert r[0] == pytest.approx(80.0) and np.isnan(r[1]) and np.isnan(r[2])
    # 1,5 posts for 3.800 inhabitants per 100.000: 1,5 / 3.800 * 100.000 = 39,4737
    assert supply.supply_ratio([1.5], [3800], 100_000)[0] == pytest.approx(39.47368, rel=1e-6)


def test_reach_shares_by_hand():
    # facilities at (0, 0) and (3000, 0)
    # group A: 4 persons at (300, 400): 500 m (on the limit: within); 2 at (600, 800): 1.000 m;
    #          1 at (2000, 0): 1.000 m from the second facility
    # group B: 3 at (0, 5000): 5.000 m; 1 at (3000, 400): 400 m
    r = supply.reach_shares([(300, 400), (600, 800), (2000, 0), (0, 5000), (3000, 400)], [4, 2, 1, 3, 1],
                            ["A", "A", "A", "B", "B"], [(0, 0), (3000, 0)], [500, 1000]).set_index("group")
    assert r.loc["A", "persons"] == 7 and r.loc["B", "persons"] == 4
    assert r.loc["A", "within_500"] == 4 and r.loc["A", "within_1000"] == 7
    assert r.loc["A", "share_500"] == pytest.approx(400 / 7)      # 57,14 %
    assert r.loc["A", "share_1000"] == pytest.approx(100.0)
    assert r.loc["B", "share_500"] == pytest.approx(25.0) and r.loc["B", "share_1000"] == pytest.approx(25.0)
    # no facility: no share (NaN), not 0 %
    none = supply.reach_shares([(0, 0)], [1], ["A"], np.empty((0, 2)), [500])
    assert np.isnan(none.loc[0, "share_500"])


def test_reach_agrees_with_the_double_loop_on_random_points():
    """The k-d tree against the straightforward double loop (an independent implementation)."""
    rng = np.random.default_rng(18)
    pts, fac = rng.uniform(0, 5000, (300, 2)), rng.uniform(0, 5000, (20, 2))
    w, groups = rng.integers(0, 5, 300).astype(float), rng.choice(["a", "b", "c"], 300)
    got = supply.reach_shares(pts, w, groups, fac, [500, 1000]).set_index("group")
    for g in "abc":
        within = 0.0
        for (x, y), wi, gi in zip(pts, w, groups):
            if gi == g and min(((x - fx) ** 2 + (y - fy) ** 2) ** 0.5 for fx, fy in fac) <= 1000:
                within += wi
        assert got.loc[g, "within_1000"] == pytest.approx(within)


# ------------------------------------------------------------------------------ a small district

def _rows(area, band_values):
    out = []
    for y in range(2020, 2025):
        for s in ("m", "w"):
            for b in AGE_GROUPS:
                out.append([area, y, "einwohner", b, s, "deutsch", "insgesamt", float(band_values.get(b, 100.0))])
    return out


def _district(tmp_path, small_bedorf: bool = False, one_far: bool = False) -> District:
    import geopandas as gpd
    from shapely.geometry import box

    areas = pd.DataFrame({"area_id": [KREIS, ASTADT, NORD, SUED, BEDORF],
                          "name": ["Landkreis Klein", "Astadt", "Nord", "Süd", "Bedorf"],
                          "kind": ["Landkreis", "Stadt", "Sozialraum", "Sozialraum", "Einheitsgemeinde"],
                          "parent_id": ["", KREIS, ASTADT, ASTADT, KREIS]})
    # small_bedorf: one boy and one girl aged 0-4 in Bedorf (cells of 1: suppressed)
    counts = pd.DataFrame(_rows(NORD, {}) + _rows(SUED, {}) + _rows(BEDORF, {"0-4": 1.0} if small_bedorf else {}),
                          columns=COLUMNS)
    fac = pd.DataFrame([
        ["K-N", "Kita Nord", "Kita", NORD, 1000.0, 1000.0, 120.0, 400.0, 50.0],
        ["K-S1", "Kita Süd 1", "Kita", SUED, 1000.0, 3000.0, 150.0, 500.0, 50.0],
        ["K-S2", "Kita Süd 2", "Kita", SUED, 1500.0, 3500.0, 100.0, 300.0, 50.0],
        ["H-N", "Praxis Nord", "Hausarztpraxis", NORD, 1000.0, 1000.0, np.nan, 60.0, 30.0],
        ["H-S", "Praxis Süd", "Hausarztpraxis", SUED, 1000.0, 3000.0, np.nan, 100.0, 30.0],
        ["H-B", "Praxis Bedorf", "Hausarztpraxis", BEDORF, 11000.0, 1000.0, np.nan, 40.0, 30.0],
    ], columns=["facility_id", "name", "type", "area_id", "x", "y", "capacity", "staff_hours", "opening_hours"])
    others = {b: 200 for b in AGE_GROUPS if b not in ("0-4", "5-9")}

    def point(pid, area, x, y, p04, p59, rest=False):
        return {"point_id": pid, "area_id": area, "x": x, "y": y, **{b: 0 for b in AGE_GROUPS},
                "0-4": p04, "5-9": p59, **(others if rest else {})}

    addresses = pd.DataFrame([
        point("P1", NORD, 1000.0, 1300.0, 120, 80),    # 300 m from Kita Nord
        point("P2", NORD, 1000.0, 1800.0, 80, 120),    # 800 m from Kita Nord, 1.200 m from Kita Süd 1
        point("Q1", NORD, 1000.0, 1000.0, 0, 0, rest=True),
        point("P3", SUED, 1000.0, 3400.0, 100, 100),   # 400 m from Kita Süd 1
        point("P4", SUED, 200.0, 2200.0, 100, 100),    # 1.131 m from Kita Süd 1, 1.442 m from Kita Nord
        point("Q2", SUED, 1000.0, 3000.0, 0, 0, rest=True),
        point("P5", BEDORF, 11000.0, 1000.0, 2 if small_bedorf else 200, 200, rest=True),  # 9 km from a Kita
    ])
    if one_far:  # one person aged 30-34 in Nord at (0, 1999): 1.413 m from Praxis Nord, 1.415 m from Praxis Süd
        addresses = pd.concat([addresses, pd.DataFrame([{**point("P6", NORD, 0.0, 1999.0, 0, 0), "30-34": 1}])],
                              ignore_index=True)
    geo = gpd.GeoDataFrame({"area_id": list(areas["area_id"])}, geometry=[
        box(0, 0, 2000, 4000).union(box(10000, 0, 12000, 2000)), box(0, 0, 2000, 4000), box(0, 0, 2000, 2000),
        box(0, 2000, 2000, 4000), box(10000, 0, 12000, 2000)], crs="EPSG:25832")
    geo.to_file(tmp_path / "gebiete.gpkg", layer="gebiete", driver="GPKG")
    return District(folder=tmp_path, areas=areas, counts=counts, facilities=fac, addresses=addresses,
                    meta={"name": "Landkreis Klein"})


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    d = _district(tmp_path_factory.mktemp("supply"))
    return supply.gaps(d)


def _row(g, area, ftype):
    (r,) = g[(g["area_id"] == area) & (g["type"] == ftype)].to_dict("records")
    return r


def test_kita_supply_against_the_guide_by_hand(small):
    # children 1-5 per base area: 0,8 * 200 + 0,2 * 200 = 200; guide 80 places per 100
    nord = _row(small, NORD, "Kita")
    assert nord["served"] == pytest.approx(200) and nord["estimated"]
    assert nord["supply"] == 120 and nord["ratio"] == pytest.approx(60.0)           # 120 / 200 * 100
    assert nord["required"] == pytest.approx(160.0) and nord["gap"] == pytest.approx(40.0)  # 80 * 200 / 100
    assert nord["below_guide"]
    sued = _row(small, SUED, "Kita")
    assert sued["supply"] == 250 and sued["ratio"] == pytest.approx(125.0) and sued["gap"] == 0
    bedorf = _row(small, BEDORF, "Kita")
    assert bedorf["facilities"] == 0 and bedorf["supply"] == 0 and bedorf["gap"] == pytest.approx(160.0)
    astadt = _row(small, ASTADT, "Kita")                                           # 370 places, 400 children
    assert astadt["ratio"] == pytest.approx(92.5) and astadt["gap"] == 0
    kreis = _row(small, KREIS, "Kita")                                             # 370 / 600 * 100
    assert kreis["ratio"] == pytest.approx(370 / 6) and kreis["gap"] == pytest.approx(110.0)  # 480 - 370


def test_hausarzt_posts_from_staff_hours_by_hand(small):
    # 60 h / 40 h = 1,5 posts for 3.800 inhabitants: 39,47 per 100.000; guide 62,2 (1:1.609 per 100.000)
    nord = _row(small, NORD, "Hausarztpraxis")
    assert nord["supply"] == pytest.approx(1.5) and nord["ratio"] == pytest.approx(1.5 / 3800 * 1e5)
    assert nord["required"] == pytest.approx(62.2 * 3800 / 1e5)                    # 2,3636
    assert nord["gap"] == pytest.approx(62.2 * 3800 / 1e5 - 1.5)                   # 0,8636
    sued = _row(small, SUED, "Hausarztpraxis")                                     # 100 h: 2,5 posts, 65,79
    assert sued["ratio"] == pytest.approx(2.5 / 3800 * 1e5) and sued["gap"] == 0 and not sued["below_guide"]


def test_kita_reach_by_hand(small):
    # weight of a point: 0,8 * (0-4) + 0,2 * (5-9): P1 96 + 16 = 112, P2 64 + 24 = 88, P3 = P4 = 100, P5 200
    nord, sued, bedorf = (_row(small, a, "Kita") for a in (NORD, SUED, BEDORF))
    assert nord["reach_500"] == pytest.approx(56.0) and nord["reach_1000"] == pytest.approx(100.0)   # 112/200
    assert sued["reach_500"] == pytest.approx(50.0) and sued["reach_1000"] == pytest.approx(50.0)    # P3 only
    assert bedorf["reach_500"] == 0 and bedorf["reach_1000"] == 0
    astadt, kreis = _row(small, ASTADT, "Kita"), _row(small, KREIS, "Kita")
    assert astadt["reach_500"] == pytest.approx(53.0)                    # (112 + 100) / 400
    assert astadt["reach_1000"] == pytest.approx(75.0)                   # (200 + 100) / 400
    assert kreis["reach_500"] == pytest.approx(212 / 6)                  # 212 / 600 = 35,33 %
    # low reach: under 50 % within 1.000 m (Süd's 50 % is not under it)
    assert bedorf["low_reach"] and not sued["low_reach"] and not nord["low_reach"]


def test_gaps_are_ranked_by_shortfall_over_all_types(small):
    ranked = small[small["rank"].notna()].sort_values("rank")
    got = [(r["type"], r["area_id"], r["rank"]) for _, r in ranked.iterrows()]
    # shortfalls: Kita Bedorf 1 (160 of 160 missing; nobody within 1.000 m); Seniorenberatung (planned per
    # municipality, none anywhere) Astadt and Bedorf 1; Pflegestützpunkt (planned for the Kreis) 1;
    # Hausarzt Bedorf (2,3636 - 1) / 2,3636 = 0,577; Hausarzt Nord 0,8636 / 2,3636 = 0,365; Kita Nord
    # 40 / 160 = 0,25. Ties keep the order of the rows: type by type, the base areas (Bedorf is one), then
    # the other municipalities (Astadt), then the Kreis.
    assert got == [("Kita", BEDORF, 1), ("Seniorenberatung", BEDORF, 2), ("Seniorenberatung", ASTADT, 3),
                   ("Pflegestützpunkt", KREIS, 4), ("Hausarztpraxis", BEDORF, 5), ("Hausarztpraxis", NORD, 6),
                   ("Kita", NORD, 7)]
    assert _row(small, BEDORF, "Hausarztpraxis")["shortfall"] == pytest.approx(1 - 1 / (62.2 * 0.038))
    assert list(small.columns[:len(supply.GAP_COLUMNS) - 4]) == list(supply.GAP_COLUMNS[:-4])


def test_gaps_for_one_area_and_an_unknown_key(tmp_path):
    d = _district(tmp_path)
    one = supply.gaps(d, [NORD])
    assert set(one["area_id"]) == {NORD} and len(one) == len(supply.settings(d).types)
    with pytest.raises(KeyError, match="09999099"):
        supply.gaps(d, ["09999099"])


def test_a_suppressed_served_population_withholds_ratio_gap_and_reach(tmp_path):
    # Bedorf with one boy and one girl aged 0-4: the layer suppresses those cells, so the estimate
    # of the children aged 1-5 (and what follows from it) is not published, and is no 0 either
    g = supply.gaps(_district(tmp_path, small_bedorf=True))
    bedorf = _row(g, BEDORF, "Kita")
    assert bedorf["served_status"] != "" and np.isnan(bedorf["served"])
    assert np.isnan(bedorf["ratio"]) and np.isnan(bedorf["gap"]) and not bedorf["below_guide"]
    assert bedorf["reach_status"] != "" and np.isnan(bedorf["reach_500"])
    # a Hausarzt's served population (everyone) stays published
    assert _row(g, BEDORF, "Hausarztpraxis")["served"] == 3800 - 200 + 2


def test_a_reach_share_with_one_person_out_of_reach_is_withheld_with_a_second_part(tmp_path):
    # Nord's Hausarzt reach with the one person of P6: 3.801 persons at the points (P1, P2: 200 children
    # each; Q1: 17 bands of 200 = 3.400; P6: 1), 3.800 within 1.000 m (Q1 and P1 at 0 and 300 m, P2 at
    # 800 m), so 1 beyond: 99,97 % would give that person away. Withheld ("primary", both distances
    # together), and Süd with it ("secondary"): Astadt's share (published: 201 of 7.601 beyond, P4 and
    # P6) and Süd's would give Nord's back.
    g = supply.gaps(_district(tmp_path, one_far=True))
    nord, sued, astadt = (_row(g, a, "Hausarztpraxis") for a in (NORD, SUED, ASTADT))
    assert nord["reach_status"] == "primary" and np.isnan(nord["reach_1000"]) and np.isnan(nord["reach_500"])
    assert sued["reach_status"] == "secondary" and np.isnan(sued["reach_1000"])
    assert astadt["reach_status"] == "" and astadt["reach_1000"] == pytest.approx(100 * 7400 / 7601)
    # the Kita reach of Nord is untouched: P6 holds no child (112 of 200 within 500 m, all within 1.000 m)
    kita = _row(g, NORD, "Kita")
    assert kita["reach_status"] == "" and kita["reach_500"] == pytest.approx(56.0)


def test_low_reach_is_flagged_along_the_streets_where_a_network_is_given(tmp_path):
    # Süd's Kita reach in 1.000 m: straight line 50 % (P3 400 m from Kita Süd 1; P4 1.131 m), not under
    # the 50 % of "low". With a street network of two pieces -- one joining Kita Süd 1 (1000, 3000) and
    # Kita Süd 2 (1500, 3500), and a short street (900, 3400)-(900, 3500) 100 m from P3, nearer to P3
    # than the first (283 m) and reaching no Kita -- nobody of Süd reaches a Kita along the streets
    # (P4 is 1.131 m from the first street's end alone): 0 %, so Süd's reach is low and Süd is ranked.
    for sub in "abc":
        (tmp_path / sub).mkdir()
    straight = supply.gaps(_district(tmp_path / "a"))
    assert supply.low_reach_column(_district(tmp_path / "b")) == "reach_1000"
    from sozialanalyse.planning.streets import StreetNetwork

    d = _district(tmp_path / "c")
    # the small district's coordinates are no EPSG:25832 of Germany (strassen.csv is range-checked):
    # the network is given as read (planning.streets.network keeps it on the district the same way)
    d.__dict__["_street_network"] = StreetNetwork.from_segments([(1000.0, 3000.0, 1500.0, 3500.0),
                                                                  (900.0, 3400.0, 900.0, 3500.0)])
    assert supply.low_reach_column(d) == "reach_street_1000"
    streets = supply.gaps(d)
    before, after = _row(straight, SUED, "Kita"), _row(streets, SUED, "Kita")
    assert before["reach_1000"] == pytest.approx(50.0) and not before["low_reach"] and np.isnan(before["rank"])
    assert after["reach_1000"] == pytest.approx(50.0) and after["reach_street_1000"] == 0
    assert after["low_reach"] and after["rank"] >= 1
    assert after["shortfall"] == pytest.approx(1.0)  # the whole target group beyond 1.000 m along the streets


# ------------------------------------------------------------------------------ bad input

def test_config_refuses_a_guide_value_for_an_unknown_type():
    with pytest.raises(ConfigError, match="unknown facility type 'Kitta'.*did you mean 'Kita'"):
        Config.from_mapping({"supply": {"types": {"Kitta": {"guide": 90, "source": "x"}}}})
    with pytest.raises(ConfigError, match="a guide value needs its source"):
        Config.from_mapping({"supply": {"types": {"Kita": {"ages": [1, 5], "guide": 90}}}})
    cfg = Config.from_mapping({"supply": {"reach_m": [300], "types": {"Kita": {
        "ages": [1, 5], "measure": "places", "per": 100, "guide": 90, "source": "Bedarfsplan"}}}})
    assert cfg.supply.reach_m == (300.0,) and cfg.supply.types["Kita"].guide == 90
    assert cfg.supply.types["Hausarztpraxis"].guide == 62.2  # the other defaults stay


def _folder(tmp_path, facilities: str):
    from test_validate import district  # the broken-input fixtures' base district

    folder = district(tmp_path)
    (folder / "facilities.csv").write_text(facilities, encoding="utf-8")
    return folder


def test_facility_without_type_capacity_not_a_number_and_outside_the_district(tmp_path):
    # the fixture's boundaries: 03499001-01 is x 0..1000, y 500..1000; 03499002 x 1000..2000, y 0..1000
    folder = _folder(tmp_path, "facility_id,name,type,area_id,x,y,capacity,staff_hours\n"
                               "K-1,Kita Nord,Kita,03499001-01,500.0,700.0,40,300\n"
                               "K-2,Kita ohne Art,,03499001-01,500.0,700.0,40,\n"
                               "K-3,Kita Zahl,Kita,03499001-01,500.0,700.0,vierzig,\n"
                               "H-1,Praxis drüben,Hausarztpraxis,03499002,5000.0,500.0,,40\n")
    r = validate(folder)
    got = [str(p) for p in r.problems if p.code != "incomplete"]
    assert got == [
        "facilities.csv, row 3, column type, area 03499001-01: facility K-2 without type (one of: Stadtteilhaus, "
        "Pflegestützpunkt, Seniorenberatung, Kita, Hausarztpraxis) [missing_value]",
        "facilities.csv, row 4, column capacity, area 03499001-01: facility K-3: capacity is not a number "
        "(value 'vierzig') [not_a_number]",
        "facilities.csv, row 5, column x, area 03499002: facility H-1 (Hausarztpraxis) at x 5000.0, y 500.0 lies "
        "3,000 m outside every area of the district (tolerance 50 m); kept as a facility outside the district: "
        "listed, counted for reach, not for the supply of 03499002 (x and y swapped, or another coordinate "
        "system than EPSG:25832?) (value '5000.0') [outside_district]"]
    # the facility outside is kept (listed, not lost), the others are rejected
    assert r.facilities["facility_id"].tolist() == ["K-1", "H-1"]
    assert r.facilities["outside"].tolist() == [False, True] and r.facilities["staff_hours"].tolist()[0] == 300
    assert r.reconciliation["facilities.csv"].line() == (
        "facilities.csv: rows read 4 = kept 2 + rejected 2 (missing_value 1, not_a_number 1); "
        "flagged: outside_district 1")


def test_outside_facilities_are_listed_and_count_for_reach_only(tmp_path):
    d = _district(tmp_path)
    fac = pd.concat([d.facilities, pd.DataFrame([["K-X", "Kita jenseits", "Kita", BEDORF, 12300.0, 1000.0, 500.0,
                                                  0.0, 0.0]], columns=d.facilities.columns)], ignore_index=True)
    d.facilities = fac
    out = supply.outside(d)
    assert out["facility_id"].tolist() == ["K-X"] and out["distance_m"].iloc[0] == pytest.approx(300.0)
    g = supply.gaps(d)
    bedorf = _row(g, BEDORF, "Kita")
    assert bedorf["supply"] == 0 and bedorf["facilities"] == 0       # not Bedorf's supply
    assert bedorf["reach_1000"] == 0 and bedorf["reach_500"] == 0    # P5 is 1.300 m away: still out of reach


def test_an_address_point_with_a_count_that_is_no_number(tmp_path):
    from test_validate import district

    folder = district(tmp_path)
    bands = ",".join(AGE_GROUPS)
    zeros = ",".join(["0"] * (len(AGE_GROUPS) - 1))
    (folder / "adressen.csv").write_text(f"point_id,area_id,x,y,{bands}\n"
                                         f"P1,03499001-01,500.0,700.0,3,{zeros}\n"
                                         f"P2,03499001-01,500.0,700.0,drei,{zeros}\n", encoding="utf-8")
    r = validate(folder, geometry=False)
    got = [str(p) for p in r.problems if p.file == "adressen.csv"]
    assert got == ["adressen.csv, row 3, column 0-4, area 03499001-01: point P2: 0-4 is not a number (persons "
                   "aged 0-4) (value 'drei') [not_a_number]"]
    assert r.addresses["point_id"].tolist() == ["P1"]


# ------------------------------------------------------------------------------ Musterland pages

@pytest.fixture(scope="module")
def musterland():
    return sa.load("musterland")


def test_musterland_address_points_add_up_to_the_population(musterland):
    pts = musterland.addresses
    per_area = pts.groupby("area_id")[list(AGE_GROUPS)].sum().sum(axis=1)
    layer = sa.protected.layer.of(musterland)
    pub = layer.counts({"variable": "einwohner"}, area_ids=list(per_area.index), years=[2024])
    pub = pub.set_index("area_id")["value"]
    ok = pub.notna()
    assert ok.sum() > 40 and (per_area[ok.index[ok]] == pub[ok]).all()


def test_chapter_shows_gap_table_map_and_german_numbers(musterland):
    from sozialanalyse.pages import angebote

    html = angebote.gap_table(musterland, 2024).data
    assert "Versorgungslücken, 2024" in html and 'data-sa-kind="share"' in html and "unter Orientierungswert" in html
    assert "geringe Erreichbarkeit" in html and "%" in html
    supply_html = angebote.supply_table(musterland, 2024).data
    assert "Landkreis Musterland" in supply_html and "7.575" in supply_html  # the Kreis's Kita places
    guide = angebote.guide_table(musterland, 2024).data
    assert "80 Plätze je 100 Kinder von 1 bis 5\u00a0Jahren" in guide and "1:1.609" in guide
    intro = angebote.intro(musterland, 2024).data
    assert "19.923 Adresspunkten" in intro and "Straßennetz" in intro
    fig = angebote.gap_map(musterland, 2024)
    assert len(fig.axes) >= 2


def test_interactive_gap_map_classes_break_at_the_guide_value(musterland):
    """The interactive gap map classes each Sozialraum by its supply in % of the guide value in
    fixed classes that break at 100 % (the guide met), not in quantiles; withheld areas carry no
    value and no class."""
    import json
    import re

    from sozialanalyse.pages import angebote

    html = angebote.gap_map_interactive(musterland, 2024).data
    blocks = [json.loads(b) for b in re.findall(r'<script type="application/json" class="sa-data">(.*?)</script>',
                                                 html, flags=re.S)]
    # the two types planned per Sozialraum with a guide value (model.config.SUPPLY_TYPES)
    assert [b["caption"] for b in blocks] == ["Kita: Bestand in % des Orientierungswerts, 2024",
                                              "Hausarztpraxis: Bestand in % des Orientierungswerts, 2024"]
    rows = [r for b in blocks for r in b["rows"]]
    assert {b["kinds"]["value"] for b in blocks} == {"index"}
    # by hand: below 50, 50 to below 80, 80 to below 100, 100 to below 120, 120 and more
    expected = {0: "unter 50\u00a0%", 50: "50 bis unter 80\u00a0%", 80: "80 bis unter 100\u00a0%", 100: "100 bis unter 120\u00a0%",
                120: "120\u00a0% und mehr"}
    shown = [r for r in rows if r["value"]]
    assert len(shown) > 20
    for r in shown:
        v = float(r["value"].replace(".", "").replace(",", ".").split()[0])  # one decimal: 99,6 % is not 100
        assert r["class"] == expected[max(b for b in expected if v >= b)], r
    assert all(r["class"] in ("", None) or r["class"] not in expected.values()
               for r in rows if not r["value"] and r["status"])


def test_profile_section(musterland):
    from sozialanalyse.pages import gemeindeprofil

    html = gemeindeprofil.supply_section(musterland, "03499016", 2024).data
    assert "Angebote und Bedarf in Musterstadt, 2024" in html and "Kita" in html and "Hausarztpraxis" in html
    assert "Teilgebiete mit Versorgungslücken in der Rangliste" in html


def test_a_reach_share_of_zero_is_written_so_that_it_implies_no_single_person():
    from sozialanalyse.pages.angebote import _reach

    # 0 of 2.292: "0,0 %" would admit 0 or 1 person (1 / 2.292 = 0,044 %); "0,00 %" admits only 0
    assert _reach(0.0, "", 2292) == "0,00\u00a0%"
    # 0 of 1.710: 1 / 1.710 = 0,058 % rounds to 0,1 %, so "0,0 %" admits only 0
    assert _reach(0.0, "", 1710) == "0,0\u00a0%"
    # 100 % of 5.000: "100,0 %" admits 0 to 2 persons beyond (2 / 5.000 = 0,04 %); one person is
    # 0,02 %, so "100,00 %" admits only 0 beyond
    assert _reach(100.0, "", 5000) == "100,00\u00a0%"
    # 0 of 9.270: "0,0 %" admits 0 to 4 persons (4 / 9.270 = 0,043 %): not only small counts
    assert _reach(0.0, "", 9270) == "0,0\u00a0%"
    assert _reach(33.6, "", 442) == "33,6\u00a0%" and _reach(12.0, "primary", 442) == "."


def test_gap_table_and_method_say_the_low_reach_is_measured_along_the_streets(musterland):
    from sozialanalyse.pages import angebote

    # Musterland's data folder has strassen.csv: "low" reads the way along the streets
    note = angebote.gap_table(musterland, 2024).data.replace("\n", "")
    assert "unter 50\u00a0% in 1.000\u00a0m Weg entlang der Straßen" in note
    method = angebote.method(musterland, 2024).data
    assert "in 1.000 m Weg entlang der Straßen erreichen (gibt es ein Straßennetz" in method.replace("\u00a0", " ")


def test_a_gap_is_shown_as_what_must_be_added(tmp_path):
    import re

    from sozialanalyse.pages import angebote

    d = _district(tmp_path)
    g = supply.gaps(d)
    # Seniorenberatung: guide 1 per 10.000 aged 65+, planned per municipality; none in Astadt: 2 x 100 in each
    # of the 6 bands 65-69 .. 90+ = 1.200 per Sozialraum, 2.400 in Astadt: 0,24 required, gap 0,24
    # facilities. A quarter of a Beratungsstelle cannot be opened: one can, so the Lücke reads 1
    r = _row(g, ASTADT, "Seniorenberatung")
    assert r["served"] == 2400 and r["gap"] == pytest.approx(0.24)
    assert supply.actionable_gap(r["gap"], "facilities") == 1.0
    html = angebote.profile_section(d, ASTADT).data
    row = re.search(r"<tr>(?:(?!</tr>).)*Seniorenberatung(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>.*?</td>", row, re.S)]
    # Angebot, Zielgruppe, Einrichtungen, Bestand, je Bezugsgröße, Soll, Lücke, ...
    assert cells[:7] == ["Seniorenberatung", "2.400", "0", "0", "0,0", "0,2", "1"]
    # Kita Nord: 40 places missing exactly (160 - 120); Hausarzt Nord 0,8636 posts: 0,9 posts (nearest tenth)
    assert supply.actionable_gap(_row(g, NORD, "Kita")["gap"], "places") == 40.0
    assert supply.actionable_gap(_row(g, NORD, "Hausarztpraxis")["gap"], "fte") == 0.9
