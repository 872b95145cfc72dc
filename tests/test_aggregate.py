"""Counts summed to a level (``sozialanalyse.stats.aggregate``), against hand sums of the CSV rows.

Every expected number is summed here from the rows of ``data/musterland/*.csv`` (read with
pandas; the comment says which rows) or is a hand calculation on the tiny district of
``tests/tiny_district.py``, never the output of the function under test. An absent row makes the
sum of its area and of every level above it NaN, never a smaller sum; an explicit 0 stays 0.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from faults import lenient_without
from tiny_district import tiny, without_rows

from sozialanalyse.io.own import load_district
from sozialanalyse.stats.aggregate import (
    area_names,
    gap_base_areas,
    level_ids,
    level_of,
    pool_years,
    population_by,
    report_year,
    sum_complete,
    sum_counts,
    wide_sum,
)

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"
SR, TOWN, OTHER, KREIS = "03499016-02", "03499016", "03499003", "03499"  # Bahnhofsviertel, Musterstadt, Bad Lindenau
HEIDETAL = "034995401000"  # Samtgemeinde Heidetal: Altenheide, Birkenwalde, Lüttenbeek, Sandhorst
ALTENHEIDE = "03499001"
ROW = "03499016-02,2024,einwohner,30-34,m,deutsch,"  # the row deleted in the lenient copy


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(MUSTERLAND / name, dtype={"area_id": str, "parent_id": str})


def _pop(year) -> pd.DataFrame:
    """Rows of population.csv with variable einwohner in ``year`` (an int or a list)."""
    p = _csv("population.csv")
    years = [year] if isinstance(year, int) else list(year)
    return p[(p["variable"] == "einwohner") & p["year"].isin(years)]


def _value(res: pd.DataFrame, area: str, **where) -> float:
    hit = res["area_id"] == area
    for col, v in where.items():
        hit &= res[col] == v
    assert hit.sum() == 1, (area, where)
    return float(res.loc[hit, "value"].iloc[0])


@pytest.fixture(scope="module")
def d():
    return load_district(MUSTERLAND)


@pytest.fixture(scope="module")
def gap(tmp_path_factory):
    """Musterland without the row ``ROW`` (Bahnhofsviertel, 2024, men 30-34, deutsch), loaded
    with ``validation: lenient`` as in ``tests/test_lenient_pages.py``."""
    return load_district(lenient_without(tmp_path_factory.mktemp("agggap"), "population.csv", ROW))


# --- one variable and year summed to each level ----------------------------------------------------


def test_sum_to_a_sozialraum(d):
    # rows of population.csv: area_id 03499016-02, year 2024, einwohner (every band, sex, nationality)
    p = _pop(2024)
    expected = p.loc[p["area_id"] == SR, "value"].sum()
    assert expected > 0
    assert _value(sum_counts(d, "einwohner", "sozialraum", [2024]), SR) == expected


def test_sum_to_a_stadt_and_a_samtgemeinde(d):
    p = _pop(2024)
    # Musterstadt: the rows of its 18 Sozialräume 03499016-01 ... -18
    town = p.loc[p["area_id"].str.startswith(TOWN + "-"), "value"].sum()
    # Samtgemeinde Heidetal: the rows of its member municipalities (areas.csv, parent 034995401000)
    areas = _csv("areas.csv")
    members = areas.loc[areas["parent_id"] == HEIDETAL, "area_id"].tolist()
    assert members == ["03499001", "03499004", "03499014", "03499018"]
    heidetal = p.loc[p["area_id"].isin(members), "value"].sum()
    res = sum_counts(d, "einwohner", "gemeindeverband", [2024])
    assert _value(res, TOWN) == town
    assert _value(res, HEIDETAL) == heidetal
    assert len(res) == 11  # the Städte, Einheitsgemeinden and Samtgemeinden of areas.csv


def test_sum_to_a_mitgliedsgemeinde(d):
    # Altenheide at the gemeinde level: its own rows
    p = _pop(2024)
    assert _value(sum_counts(d, "einwohner", "gemeinde", [2024]), ALTENHEIDE) == \
        p.loc[p["area_id"] == ALTENHEIDE, "value"].sum()


def test_sum_to_the_kreis(d):
    p = _pop(2024)
    res = sum_counts(d, "einwohner", "kreis", [2024])
    assert res["area_id"].tolist() == [KREIS]
    assert _value(res, KREIS) == p["value"].sum()
    # by sex: the rows with sex w
    by_sex = sum_counts(d, "einwohner", "kreis", [2024], by=["sex"])
    assert _value(by_sex, KREIS, sex="w") == p.loc[p["sex"] == "w", "value"].sum()


def test_sum_of_a_school_entry_variable_to_a_stadt(d):
    # rows of school_entry.csv: Bad Lindenau's Sozialräume 03499003-01 ... -10, 2024, children examined
    s = _csv("school_entry.csv")
    rows = s[s["area_id"].str.startswith(OTHER + "-") & (s["year"] == 2024)
             & (s["variable"] == "einschulung_untersuchte")]
    assert len(rows) == 10
    assert _value(sum_counts(d, "einschulung_untersuchte", "gemeindeverband", [2024]), OTHER) == rows["value"].sum()


def test_population_by_sex_and_band(d):
    # rows of population.csv: Musterstadt's Sozialräume, 2024, women aged 80-84 (both nationalities)
    p = _pop(2024)
    expected = p[p["area_id"].str.startswith(TOWN + "-") & (p["sex"] == "w") & (p["age_group"] == "80-84")]
    res = population_by(d, "gemeindeverband", [2024])
    hit = (res["area_id"] == TOWN) & (res["sex"] == "w") & (res["age_group"] == "80-84") & (res["year"] == 2024)
    assert res.loc[hit, "population"].tolist() == [expected["value"].sum()]


# --- pooled years --------------------------------------------------------------------------------


def test_pool_years(d, tmp_path):
    assert pool_years(d, 2024, 3) == [2022, 2023, 2024]
    assert pool_years(d, 2016, 5) == [2015, 2016]  # Musterland starts in 2015
    assert pool_years(tiny(tmp_path), 2021, 3) == [2020, 2021]  # the tiny district starts in 2020


def test_sum_over_pooled_years(d):
    # rows of population.csv: Samtgemeinde Heidetal's members, years 2022, 2023 and 2024
    p = _pop([2022, 2023, 2024])
    members = ["03499001", "03499004", "03499014", "03499018"]
    expected = p.loc[p["area_id"].isin(members), "value"].sum()
    years = pool_years(d, 2024, 3)
    assert _value(sum_counts(d, "einwohner", "gemeindeverband", years), HEIDETAL) == expected
    per_year = sum_counts(d, "einwohner", "gemeindeverband", years, by=["year"])
    for y in years:
        assert _value(per_year, HEIDETAL, year=y) == p.loc[p["area_id"].isin(members) & (p["year"] == y),
                                                           "value"].sum()


# --- an absent row: NaN for its area and every level above, never a smaller sum ----------------------


def test_absent_row_makes_the_sums_above_it_nan(gap):
    for level, area in (("sozialraum", SR), ("gemeindeverband", TOWN), ("gemeinde", TOWN), ("kreis", KREIS)):
        assert np.isnan(_value(sum_counts(gap, "einwohner", level, [2024]), area)), level
        # pooled with a complete year: still NaN, not the sum of the rest
        assert np.isnan(_value(sum_counts(gap, "einwohner", level, [2023, 2024]), area)), level


def test_absent_row_leaves_the_rest_known(gap):
    p = _pop([2023, 2024])
    # another Sozialraum of the same town, another town: their CSV sums
    other_sr = "03499016-01"
    assert _value(sum_counts(gap, "einwohner", "sozialraum", [2024]), other_sr) == \
        p.loc[(p["area_id"] == other_sr) & (p["year"] == 2024), "value"].sum()
    assert _value(sum_counts(gap, "einwohner", "gemeindeverband", [2024]), OTHER) == \
        p.loc[p["area_id"].str.startswith(OTHER + "-") & (p["year"] == 2024), "value"].sum()
    # per year: 2023 of Musterstadt is complete
    per_year = sum_counts(gap, "einwohner", "gemeindeverband", [2023, 2024], by=["year"])
    assert _value(per_year, TOWN, year=2023) == \
        p.loc[p["area_id"].str.startswith(TOWN + "-") & (p["year"] == 2023), "value"].sum()
    assert np.isnan(_value(per_year, TOWN, year=2024))
    # another variable of the same area and year is not touched by the gap
    m = _csv("movements.csv")
    births = m[(m["variable"] == "geburten") & (m["year"] == 2024) & m["area_id"].str.startswith(TOWN + "-")]
    both = sum_counts(gap, ["einwohner", "geburten"], "gemeindeverband", [2024], by=["variable"])
    assert _value(both, TOWN, variable="geburten") == births["value"].sum()
    assert np.isnan(_value(both, TOWN, variable="einwohner"))


def test_population_by_is_nan_in_the_year_of_the_gap_only(gap):
    res = population_by(gap, "sozialraum", [2023, 2024])
    res = res[res["area_id"] == SR]
    # 2024: every band and sex of Bahnhofsviertel NaN (its inputs are incomplete); 2023 complete
    assert res.loc[res["year"] == 2024, "population"].isna().all()
    p = _pop(2023)
    men = p[(p["area_id"] == SR) & (p["sex"] == "m") & (p["age_group"] == "30-34")]["value"].sum()
    hit = (res["year"] == 2023) & (res["sex"] == "m") & (res["age_group"] == "30-34")
    assert res.loc[hit, "population"].tolist() == [men]


def test_gap_base_areas(gap, d):
    assert gap_base_areas(gap, "einwohner", [2024]) == [SR]
    assert gap_base_areas(gap, ["geburten", "einwohner"], [2022, 2024]) == [SR]
    assert gap_base_areas(gap, "einwohner", [2023]) == []
    assert gap_base_areas(d, "einwohner", [2024]) == []


def test_sum_complete_leaves_the_incomplete_base_area_out_and_says_so(gap):
    # the Kreis over every base area but Bahnhofsviertel: population.csv 2024 without its rows
    p = _pop(2024)
    expected = p.loc[p["area_id"] != SR, "value"].sum()
    res = sum_complete(gap, "einwohner", "kreis", [2024])
    assert _value(res, KREIS) == expected
    assert res.attrs["left_out"] == [SR]
    # ``exclude`` leaves out more; ``among`` a gap of another variable
    res = sum_complete(gap, "geburten", "kreis", [2024], among=["einwohner"], exclude=["03499001"])
    m = _csv("movements.csv")
    births = m[(m["variable"] == "geburten") & (m["year"] == 2024) & ~m["area_id"].isin([SR, "03499001"])]
    assert _value(res, KREIS) == births["value"].sum()
    assert res.attrs["left_out"] == ["03499001", SR]


# --- the tiny district: explicit zeros and absent rows by hand -----------------------------------------


def test_tiny_explicit_zero_stays_zero(tmp_path):
    # deaths only among women aged 90+: Nord and Süd 3 a year, Bedorf 2 a year; every other cell an
    # explicit 0. Men: 0 everywhere, a value, not a gap.
    t = tiny(tmp_path)
    res = sum_counts(t, "sterbefaelle", "gemeindeverband", [2024], by=["sex"])
    assert _value(res, "09999001", sex="m") == 0.0
    assert _value(res, "09999002", sex="m") == 0.0
    assert _value(res, "09999001", sex="w") == 6.0  # Nord 3 + Süd 3
    assert _value(res, "09999002", sex="w") == 2.0
    # Bedorf's deaths set to 0 explicitly: a sum of 0, and the Kreis is Astadt's 6
    c = t.counts
    c.loc[(c["area_id"] == "09999002") & (c["variable"] == "sterbefaelle"), "value"] = 0.0
    assert _value(sum_counts(t, "sterbefaelle", "gemeindeverband", [2024]), "09999002") == 0.0
    assert _value(sum_counts(t, "sterbefaelle", "kreis", [2024]), "09999") == 6.0


def test_tiny_absent_row_is_nan_up_the_tree(tmp_path):
    t = tiny(tmp_path)
    c = t.counts
    drop = ((c["area_id"] == "09999001-02") & (c["variable"] == "sterbefaelle") & (c["year"] == 2024)
            & (c["sex"] == "w") & (c["age_group"] == "90+"))
    assert drop.sum() == 1
    g = without_rows(t, drop)
    years = [2023, 2024]
    assert np.isnan(_value(sum_counts(g, "sterbefaelle", "sozialraum", years), "09999001-02"))
    assert _value(sum_counts(g, "sterbefaelle", "sozialraum", years), "09999001-01") == 6.0  # Nord 3 + 3
    assert np.isnan(_value(sum_counts(g, "sterbefaelle", "gemeindeverband", years), "09999001"))
    assert _value(sum_counts(g, "sterbefaelle", "gemeindeverband", years), "09999002") == 4.0  # Bedorf 2 + 2
    assert np.isnan(_value(sum_counts(g, "sterbefaelle", "kreis", years), "09999"))
    # base level: Süd NaN, the others their own rows
    base = sum_counts(g, "sterbefaelle", "base", years)
    assert np.isnan(_value(base, "09999001-02")) and _value(base, "09999002") == 4.0
    # the Kreis reference without Süd: Nord 6 + Bedorf 4
    ref = sum_complete(g, "sterbefaelle", "kreis", years)
    assert _value(ref, "09999") == 10.0 and ref.attrs["left_out"] == ["09999001-02"]
    # the population of Süd is complete: not touched (2 years x 19 bands x 2 sexes x 1.000)
    pop = sum_counts(g, ["einwohner", "sterbefaelle"], "sozialraum", years, by=["variable"])
    assert _value(pop, "09999001-02", variable="einwohner") == 2 * 19 * 2 * 1000.0


# --- the area tree -------------------------------------------------------------------------------


def test_level_of_and_level_ids(d):
    areas = _csv("areas.csv")
    gv = level_of(d, "gemeindeverband")
    assert gv[ALTENHEIDE] == HEIDETAL and gv[SR] == TOWN and gv["03499007"] == "03499007"
    assert level_of(d, "gemeinde")[ALTENHEIDE] == ALTENHEIDE
    assert set(level_of(d, "kreis")) == {KREIS}
    base = areas[~areas["area_id"].isin(set(areas["parent_id"].dropna()))]["area_id"].tolist()
    assert len(base) == 56
    assert level_of(d, "base").to_dict() == dict(zip(base, base))
    assert ALTENHEIDE not in level_of(d, "sozialraum").index  # no Sozialraum above a Mitgliedsgemeinde
    assert level_ids(d, "gemeindeverband") == areas.loc[
        areas["kind"].isin(["Stadt", "Einheitsgemeinde", "Samtgemeinde"]), "area_id"].tolist()
    assert level_ids(d, "sozialraum") == areas.loc[areas["kind"] == "Sozialraum", "area_id"].tolist()
    assert level_ids(d, "base") == base


def test_area_names_and_report_year(d):
    names = area_names(d)
    assert names[SR] == "Bahnhofsviertel" and names[HEIDETAL] == "Samtgemeinde Heidetal"
    assert len(names) == len(_csv("areas.csv"))
    assert report_year(d) == 2024 and report_year(d, 0) == 2024 and report_year(d, 2020) == 2020


def test_wide_sum_keeps_nan():
    df = pd.DataFrame({"area_id": ["a", "a", "b", "b"], "type": ["x", "y", "x", "x"],
                       "value": [1.0, 2.0, np.nan, 4.0]})
    w = wide_sum(df, "area_id", "type")
    assert w.loc["a", "x"] == 1.0 and w.loc["a", "y"] == 2.0
    assert np.isnan(w.loc["b", "x"])  # NaN + 4 is NaN, not 4
    assert np.isnan(w.loc["b", "y"])  # no row at all: NaN, not 0
