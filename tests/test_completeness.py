"""Completeness: an absent row is found by validation and published as missing, never as 0.

The reference numbers are hand counts of Musterland's rows (56 base areas, 2015-2024, 76
population cells per area and year) and the untouched district's own results: where the data
did not change, the numbers must not change either.
"""
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sozialanalyse.io.own import District, load_district
from sozialanalyse.io.validate import ValidationError, validate
from sozialanalyse.model import completeness
from sozialanalyse.pages import gemeindeprofil, sozialraum_monitoring
from sozialanalyse.stats import indicators
from sozialanalyse.stats import monitoring as sm

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"
SR = "03499016-02"  # the Sozialraum of the issue: Musterstadt, status "sehr niedrig", on the attention list
TOWN = "03499016"  # Musterstadt: SGB II quota 2024 13.24 % (4,087 / 30,866), 18 base areas


@pytest.fixture(scope="module")
def original():
    return load_district(MUSTERLAND)


def _copy(tmp_path: Path, drop) -> Path:
    """Musterland in tmp_path with the rows ``drop(df) -> bool mask`` of transfers.csv removed."""
    folder = tmp_path / "district"
    shutil.copytree(MUSTERLAND, folder)
    path = folder / "transfers.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df[~drop(df)].to_csv(path, index=False)
    return folder


def _lenient(district: District, counts: pd.DataFrame) -> District:
    return District(folder=district.folder, areas=district.areas, counts=counts.reset_index(drop=True),
                    facilities=district.facilities, meta=district.meta, config=district.config, lenient=True)


def _deleted_row(df):
    return (df["area_id"] == SR) & (df["year"] == "2024") & (df["variable"] == "sgb2_personen")


def test_deleted_row_stops_strict_validation(tmp_path):
    folder = _copy(tmp_path, _deleted_row)
    with pytest.raises(ValidationError) as exc:
        validate(folder, strict=True, geometry=False)
    gap = [p for p in exc.value.result.problems if p.code == "incomplete"]
    assert len(gap) == 1, exc.value.result.report()
    assert str(gap[0]).startswith(f"transfers.csv, column variable: variable sgb2_personen has no rows for area {SR} "
                                  "in 2024 (1 area-year)")
    assert exc.value.result.reconciliation["transfers.csv"].flagged["incomplete"] == 1


def test_deleted_row_is_missing_with_reason_up_to_the_kreis(tmp_path, original):
    folder = _copy(tmp_path, _deleted_row)
    r = validate(folder, geometry=False)
    d = _lenient(original, r.counts)
    assert d.gaps[["variable", "area_id", "year"]].values.tolist() == [["sgb2_personen", SR, 2024]]
    levels = ["sozialraum", "gemeinde", "gemeindeverband", "kreis"]
    ids = ["sgb2_quote", "kinderarmut", "anteil_65plus"]
    new = indicators.compute(d, ids, level=levels)
    old = indicators.compute(original, ids, level=levels)
    key = ["area_id", "level", "year", "indicator"]
    m = old.merge(new, on=key, suffixes=("_old", "_new"))
    assert len(m) == len(old) == len(new)
    hit = m["reason_new"].astype(str) != ""
    assert sorted(m.loc[hit, "area_id"].astype(str).unique()) == ["03499", TOWN, SR]
    assert set(m.loc[hit, "year"]) == {2024} and set(m.loc[hit, "indicator"].astype(str)) == {"sgb2_quote"}
    assert m.loc[hit, ["value_new", "numerator_new", "denominator_new", "lower_new", "upper_new"]].isna().all().all()
    kreis = m[hit & (m["area_id"].astype(str) == "03499")]
    assert kreis["reason_new"].astype(str).tolist() == ["incomplete: sgb2_personen 2024 in 1 of 56 base areas"]
    town = m[hit & (m["area_id"].astype(str) == TOWN)]["reason_new"].astype(str)
    assert set(town) == {"incomplete: sgb2_personen 2024 in 1 of 18 base areas"}
    # everything else is exactly the untouched district's number
    rest = m[~hit]
    assert np.array_equal(rest["value_old"].to_numpy(), rest["value_new"].to_numpy(), equal_nan=True)
    assert (old["reason"].astype(str) == "").all()


def test_deleted_row_is_not_classified_and_shows_fehlt(tmp_path, original):
    folder = _copy(tmp_path, _deleted_row)
    d = _lenient(original, validate(folder, geometry=False).counts)
    before = sm.monitoring(original).result
    assert before.table.loc[SR, "status_class"] == "sehr niedrig" and SR in sm.attention(before).index
    m = sm.monitoring(d)
    t = m.result.table
    assert pd.isna(t.loc[SR, "status_class"]) and t.loc[SR, "reason"].startswith("nicht klassifizierbar")
    assert SR not in sm.attention(m.result).index
    assert any(line.startswith(f"{m.data.loc[SR, 'name']} (") and "fehlt" in line
               for line in sozialraum_monitoring.not_classifiable(m))
    html = sozialraum_monitoring.attention_table(d).data
    assert "fehlt (nicht klassifizierbar)" in gemeindeprofil.profile_classes(d, TOWN).data
    assert "fehlt ²" in gemeindeprofil.subareas(d, TOWN, 2024).data
    assert "Nicht klassifizierbar, weil Eingangsdaten fehlen" in html
    page = gemeindeprofil.key_figures(d, TOWN, 2024).data
    assert "fehlt ²" in page and "sgb2_personen 2024 in 1 von 18 Teilgebieten" in page
    before = gemeindeprofil.key_figures(original, TOWN, 2024).data
    assert "13,2\u00a0%" in before and "10,7\u00a0%" not in page  # the silently wrong town quota
    assert page.count("fehlt ²") == 2  # SGB-II-Quote of the town and of the Kreis, and the footnote's mark
    assert page.count("0,0\u00a0%") <= before.count("0,0\u00a0%")  # no new zero (the 95-% interval went too)
    sm._CACHE.clear()


def test_file_cut_at_a_line_boundary(tmp_path):
    """1,499 of 2,240 rows of transfers.csv: every area-year after the cut is a gap."""
    folder = tmp_path / "cut"
    shutil.copytree(MUSTERLAND, folder)
    lines = (folder / "transfers.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2241
    (folder / "transfers.csv").write_text("\n".join(lines[:1500]) + "\n", encoding="utf-8")
    r = validate(folder, geometry=False)
    gaps = r.gaps
    # 2,240 rows = 56 areas x 10 years x 4 variables; 741 rows cut = 741 area-year-variable gaps
    assert len(gaps) == 2240 - 1499
    assert {p.code for p in r.problems} == {"incomplete"}
    assert all(p.file == "transfers.csv" for p in r.problems)


def test_one_areas_2024_rows_removed(original):
    c = original.counts
    g = completeness.find_gaps(original.areas, c[~((c["area_id"] == SR) & (c["year"] == 2024))])
    # every variable but the elections (no election in 2024) lacks its rows: 22 of the ten
    # mandatory tables + 10 of the optional income.csv and education.csv (issue #18)
    assert len(g) == 32 and set(g["area_id"]) == {SR} and set(g["year"]) == {2024}
    assert set(g["reason"]) == {"no rows"} and "waehler" not in set(g["variable"])


def test_a_missing_age_band_cell(original):
    c = original.counts
    drop = ((c["area_id"] == SR) & (c["year"] == 2020) & (c["variable"] == "einwohner")
            & (c["age_group"] == "90+") & (c["sex"] == "w") & (c["nationality"] == "nichtdeutsch"))
    assert drop.sum() == 1
    g = completeness.find_gaps(original.areas, c[~drop])
    assert g[["file", "variable", "area_id", "year", "reason", "missing", "expected", "example"]].values.tolist() == [
        ["population.csv", "einwohner", SR, 2020, "missing cells", 1, 76,
         "age_group 90+, sex w, nationality nichtdeutsch"]]


def test_whole_table_missing_its_last_year(original):
    c = original.counts
    g = completeness.find_gaps(original.areas, c[~((c["variable"] == "sgb2_personen") & (c["year"] == 2024))])
    assert len(g) == 56 and set(g["year"]) == {2024}


def test_explicit_zero_is_present_and_elections_only_in_election_years(original):
    c = original.counts.copy()
    assert completeness.find_gaps(original.areas, c).empty  # elections: 2016, 2017, 2021 only
    c.loc[(c["area_id"] == SR) & (c["variable"] == "sgb2_personen"), "value"] = 0.0
    assert completeness.find_gaps(original.areas, c).empty
    res = indicators.compute(_lenient(original, c), "sgb2_quote", level="sozialraum", years=[2024])
    assert res.loc[res["area_id"].astype(str) == SR, "value"].tolist() == [0.0]
    # an election type missing in one area in an election year is a gap
    drop = (c["area_id"] == SR) & (c["variable"] == "waehler") & (c["year"] == 2021) & (c["type"] == "kommunalwahl")
    g = completeness.find_gaps(original.areas, c[~drop])
    assert g[["variable", "area_id", "year", "example"]].values.tolist() == [["waehler", SR, 2021, "type kommunalwahl"]]


def test_compute_for_a_year_not_in_the_data_raises(original):
    with pytest.raises(ValueError, match=r"year\(s\) 2030 not in the data; the counts hold 2015, 2016, .*, 2024"):
        indicators.compute(original, "sgb2_quote", years=[2030])


def test_plain_frame_gaps_and_change_carry_the_reason():
    areas = pd.DataFrame({"area_id": ["01", "01001", "01002"], "name": ["K", "A", "B"],
                          "kind": ["Landkreis", "Stadt", "Einheitsgemeinde"], "parent_id": [None, "01", "01"]})
    rows = [("01001", 2020, "einwohner", 1000.0), ("01002", 2020, "einwohner", 300.0),
            ("01001", 2020, "sgb2_personen", 100.0), ("01002", 2020, "sgb2_personen", 90.0),
            ("01001", 2021, "einwohner", 1000.0), ("01002", 2021, "einwohner", 300.0),
            ("01001", 2021, "sgb2_personen", 110.0)]  # 01002 has no sgb2_personen in 2021
    counts = pd.DataFrame(rows, columns=["area_id", "year", "variable", "value"]).assign(
        age_group="insgesamt", sex="insgesamt", nationality="insgesamt", type="insgesamt")
    counts.loc[counts["variable"] == "einwohner", "age_group"] = "20-24"
    res = indicators.compute(counts, "sgb2_quote", level=["gemeinde", "kreis"], areas=areas)
    r = res.set_index(["area_id", "year"])
    assert r.loc[("01001", 2021), "value"] == pytest.approx(11.0)  # 110 / 1000
    assert np.isnan(r.loc[("01002", 2021), "value"]) and np.isnan(r.loc[("01", 2021), "value"])
    assert r.loc[("01", 2021), "reason"] == "incomplete: sgb2_personen 2021 in 1 of 2 base areas"
    assert r.loc[("01", 2020), "value"] == pytest.approx(100 * 190 / 1300)
    ch = indicators.change(res, years=1).set_index("area_id")
    assert np.isnan(ch.loc["01", "value"]) and ch.loc["01", "reason"].startswith("incomplete")
    assert ch.loc["01001", "reason"] == "" and ch.loc["01001", "value"] == pytest.approx(1.0)


def test_two_million_rows_take_seconds():
    """Not a benchmark: a guard against a per-row loop (2 million rows in well under a minute)."""
    rng = np.random.default_rng(1)
    n_area = 2700
    areas = pd.DataFrame({"area_id": ["01"] + [f"01{i:06d}" for i in range(n_area)], "name": "x",
                          "kind": ["Landkreis"] + ["Einheitsgemeinde"] * n_area,
                          "parent_id": [None] + ["01"] * n_area})
    ages = list(completeness.GRID["einwohner"][1]["age_group"])
    idx = np.indices((n_area, 10, 19, 2, 2)).reshape(5, -1)
    counts = pd.DataFrame({
        "area_id": pd.Categorical.from_codes(idx[0], areas["area_id"][1:].tolist()),
        "year": 2015 + idx[1], "variable": "einwohner",
        "age_group": np.array(ages, dtype=object)[idx[2]],
        "sex": np.array(["m", "w"], dtype=object)[idx[3]],
        "nationality": np.array(["deutsch", "nichtdeutsch"], dtype=object)[idx[4]],
        "type": "insgesamt", "value": rng.poisson(20, idx.shape[1]).astype(float)})
    assert len(counts) > 2_000_000
    t = time.perf_counter()
    g = completeness.find_gaps(areas, counts.iloc[1:])
    assert time.perf_counter() - t < 30
    assert len(g) == 1 and g["missing"].tolist() == [1]


def test_data_page_lists_the_gap_in_german(tmp_path, original):
    from sozialanalyse.pages import daten_methoden

    folder = _copy(tmp_path, _deleted_row)
    d = District(folder=folder, areas=original.areas, counts=validate(folder, geometry=False).counts,
                 facilities=original.facilities, meta=original.meta, lenient=True)
    page = daten_methoden.validation(d).data
    assert "Gefundene Probleme (1)" in page and "Zeilen fehlen (Werte „fehlt“, nicht 0)" in page
    assert "Fehlende Zeilen (1 Gebiet-Jahre)" in page and f"{SR}: 2024" in page


def test_profile_intro_says_fehlt_and_claims_no_direction_for_an_incomplete_population(original):
    # One population cell of the Sozialraum absent in 2024: the intro printed "hatte am 31.12.2024 **–**
    # Einwohnerinnen und Einwohner" and "ist die Bevölkerung um – geschrumpft" (a NaN change is not > 0),
    # a statement the data do not support (Musterstadt grew from 36,535 in 2015).
    c = original.counts
    drop = ((c["area_id"] == SR) & (c["year"] == 2024) & (c["variable"] == "einwohner")
            & (c["age_group"] == "30-34") & (c["sex"] == "m") & (c["nationality"] == "deutsch"))
    assert drop.sum() == 1
    d = _lenient(original, c[~drop])
    for area in (TOWN, "03499"):
        page = gemeindeprofil.intro(d, area, 2024).data
        assert "geschrumpft" not in page and "gewachsen" not in page and "**–**" not in page
        assert "Die Einwohnerzahl am 31.12.2024 fehlt (Eingangsdaten unvollständig: einwohner 2024 in 1 von" in page
    assert "Seit dem 31.12.2015 ist die Bevölkerung um" in gemeindeprofil.intro(original, TOWN, 2024).data
    assert "gewachsen" in gemeindeprofil.intro(original, TOWN, 2024).data
    # another town's profile: its own number stands, the share of the incomplete Kreis total is 'fehlt'
    page = gemeindeprofil.intro(d, "03499007", 2024).data
    assert "Einwohnerinnen und Einwohner (Anteil an der Bevölkerung im Landkreis Musterland: fehlt (" in page
    assert "das sind" not in page and "gewachsen" in page
