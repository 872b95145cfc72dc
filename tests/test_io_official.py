"""Readers for official formats: GENESIS, INKAR, BKG, GISD, and the data mirror lookup.

Tests marked with the ``mirror`` fixture read the real files of the local read-only mirror
(``SOZIALANALYSE_DATA_MIRROR`` or ``<repo>/../shared/data``) and are skipped when there is none.
The expected numbers were read off the files by hand; each says where it came from.
"""
from __future__ import annotations

import math
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sozialanalyse.io.bkg import read_bkg
from sozialanalyse.io.genesis import GENESIS_COLUMNS, read_genesis
from sozialanalyse.io.gisd import GISD_COLUMNS, read_gisd
from sozialanalyse.io.inkar import INKAR_COLUMNS, read_inkar
from sozialanalyse.io.mirror import ENV_VAR, mirror_dir

FIXTURES = Path(__file__).parent / "fixtures" / "official"




def value(table: pd.DataFrame, **where) -> float:
    mask = np.ones(len(table), dtype=bool)
    for column, wanted in where.items():
        mask &= (table[column] == wanted).to_numpy()
    hits = table.loc[mask, "value"]
    assert len(hits) == 1, f"{len(hits)} rows match {where}"
    return float(hits.iloc[0])


# --------------------------------------------------------------------------------------- mirror
def test_mirror_dir_explicit_env_and_missing(tmp_path, monkeypatch):
    assert mirror_dir(tmp_path) == tmp_path.resolve()
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert mirror_dir() == tmp_path.resolve()
    assert mirror_dir(tmp_path / "..") == tmp_path.parent.resolve()  # explicit wins
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match=ENV_VAR):
        mirror_dir()
    with pytest.raises(FileNotFoundError, match="explicit"):
        mirror_dir(tmp_path / "missing")


def test_mirror_dir_default_is_existing_or_none(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    found = mirror_dir()
    assert found is None or found.is_dir()


# ------------------------------------------------------------------------------ GENESIS fixtures
def test_genesis_three_header_rows_and_special_values():
    table = read_genesis(FIXTURES / "genesis_three_header.csv")
    assert tuple(table.columns) == GENESIS_COLUMNS
    assert table.attrs["table_code"] == "99999-01-02-4"
    assert table.attrs["header_rows"] == 3
    assert table.attrs["encoding"] == "latin-1"
    assert "Städte" in table.attrs["title"]
    assert table.attrs["stand"] == datetime(2024, 3, 5, 8, 15, 30)
    assert table.attrs["notes"] == ['zu "gesamte Tabelle":\nTestnotiz mit Umlauten: Grünflächen']
    assert table.attrs["licence"].startswith("© Statistische Ämter")
    assert len(table) == 6 * 5
    # header: variable / category / unit; empty category for totals
    first = table[table.area_id == "DG"]
    assert list(first.variable) == ["Einwohner"] * 3 + ["Quote"] * 2
    assert list(first.category) == ["", "männlich", "weiblich", "", "Ausländer"]
    assert list(first.unit) == ["Anzahl"] * 3 + ["Prozent"] * 2
    assert value(table, area_id="DG", category="Ausländer") == 1234.5  # thousands point
    assert value(table, area_id="011", variable="Quote", category="") == -3.5
    # every special value with its reason
    land = table[table.area_id == "01"]
    assert list(land.missing_reason.fillna("")) == [
        "", "nichts vorhanden / keine Daten", "unbekannt oder geheim", "nicht sinnvoll",
        "noch nicht verfügbar"]
    assert table.loc[(table.area_id == "011") & (table.category == "männlich"),
                     "missing_reason"].item() == "zu unsicher"
    assert table.loc[table.missing_reason.notna(), "value"].isna().all()
    assert table.loc[table.missing_reason.isna(), "value"].notna().all()
    hamburg = table[(table.area_id == "02") & (table.category == "")].iloc[0]
    assert math.isnan(hamburg.value) and hamburg.missing_reason == "leer"
    # levels, indentation depth, hierarchy
    areas = table.drop_duplicates("area_id").set_index("area_id")
    assert areas.area_level.to_dict() == {
        "DG": "bund", "01": "land", "011": "regierungsbezirk", "01001": "kreis",
        "01001001": "gemeinde", "02": "land"}
    assert areas.area_depth.to_dict() == {
        "DG": 0, "01": 1, "011": 2, "01001": 3, "01001001": 3, "02": 1}
    assert areas.parent_id.fillna("").to_dict() == {
        "DG": "", "01": "DG", "011": "01", "01001": "011", "01001001": "01001", "02": "DG"}
    assert areas.loc["01001", "area_name"] == "Flensburg, kreisfreie Stadt"


def test_genesis_two_header_rows_crlf():
    table = read_genesis(FIXTURES / "genesis_two_header_crlf.csv")
    assert table.attrs["table_code"] == "88888-01-01-4"
    assert table.attrs["header_rows"] == 2
    assert (table.category == "").all()
    assert set(table.unit) == {"Tsd. EUR", "EUR"}
    assert table.attrs["stand"] == datetime(2023, 11, 10, 13, 27, 18)
    assert table.attrs["notes"] == ["Berechnungsstand: November 2021"]
    assert value(table, area_id="03353", year=2020, unit="EUR") == 25500
    assert value(table, area_id="03353", year=2021, unit="EUR") == 26921
    assert table.area_name.str.startswith(" ").sum() == 0
    assert table.loc[table.area_id == "033", "area_name"].iloc[0] == "Lüneburg"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("genesis_bad_width.csv", r"genesis_bad_width\.csv: line 6: data row has 4 cells, the header has 5"),
        ("genesis_bad_value.csv", r"genesis_bad_value\.csv: line 6: cannot read value 'fünf' in column 5"),
        ("genesis_bad_code.csv", r"genesis_bad_code\.csv: line 6: unknown area code '0335'"),
        ("genesis_no_title.csv", r"genesis_no_title\.csv: line 1: expected 'Tabelle: <code>'"),
    ],
)
def test_genesis_malformed(name, message):
    with pytest.raises(ValueError, match=message):
        read_genesis(FIXTURES / name)


# -------------------------------------------------------------------------------- GENESIS mirror
def test_genesis_mirror_13211(mirror):
    table = read_genesis(mirror / "genesis" / "13211-02-05-4.csv")
    assert table.attrs["table_code"] == "13211-02-05-4"
    assert table.attrs["header_rows"] == 3
    assert table.attrs["stand"] == datetime(2026, 7, 9, 11, 1, 42)
    assert "Datenlizenz Deutschland" in table.attrs["licence"]
    assert table.area_id.str.len().isin([2, 3, 5, 8]).all()
    assert set(table.year) == {2023}
    # line 54: 2023;03353;      Harburg, Landkreis;6456;2252;...;4,8;4,5;...
    assert value(table, area_id="03353", variable="Arbeitslose", category="") == 6456
    assert value(table, area_id="03353", variable="Arbeitslose", category="ausländisch") == 2252
    assert value(table, area_id="03353", unit="Prozent",
                 variable="Arbeitslosenquote bez. abh. zivile Erwerbspers.") == 4.8
    harburg = table[table.area_id == "03353"].iloc[0]
    assert (harburg.area_name, harburg.area_level, harburg.parent_id) == (
        "Harburg, Landkreis", "kreis", "033")
    # line 44: Hannover, Landeshauptstadt (8 digits) with '.' for the rate
    hannover = table[(table.area_id == "03241001")
                     & (table.variable == "Arbeitslosenquote bez. abh. zivile Erwerbspers.")].iloc[0]
    assert hannover.area_level == "gemeinde" and hannover.parent_id == "03241"
    assert math.isnan(hannover.value) and hannover.missing_reason == "unbekannt oder geheim"
    # line 34: the dissolved Landkreis Göttingen (old key 03152) has '-' throughout
    assert (table.loc[table.area_id == "03152", "missing_reason"]
            == "nichts vorhanden / keine Daten").all()
    counts = table.drop_duplicates("area_id").area_level.value_counts()
    assert counts["bund"] == 1 and counts["land"] == 16


def test_genesis_mirror_13211_2025_and_82411(mirror):
    table = read_genesis(mirror / "genesis" / "13211-02-05-4_2025.csv")
    assert set(table.year) == {2025}
    assert table.attrs["stand"] == datetime(2026, 2, 26, 15, 28, 28)
    assert value(table, area_id="03353", variable="Arbeitslose", category="") == 7068  # line 54

    income = read_genesis(mirror / "genesis" / "82411-01-03-4.csv")
    assert income.attrs["table_code"] == "82411-01-03-4"  # "GENESIS-Tabelle:" first line
    assert income.attrs["header_rows"] == 2
    assert income.attrs["stand"] == datetime(2023, 11, 10, 13, 27, 18)
    assert (income.category == "").all()
    assert set(income.unit) == {"Tsd. EUR", "EUR"}
    assert value(income, area_id="03353", unit="EUR") == 26921  # line 52
    assert value(income, area_id="DG", unit="Tsd. EUR") == 2031201000  # line 7
    aachen = income[income.area_id == "05334002"]  # line 104: '.;.'
    assert (aachen.missing_reason == "unbekannt oder geheim").all()


# --------------------------------------------------------------------------------------- INKAR
def _workbook(path: Path, rows, sheet="Daten"):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_inkar_restores_numeric_keys(tmp_path):
    path = _workbook(tmp_path / "x.xlsx", [
        ["Kennziffer", "Raumeinheit", "Aggregat", "Quote", "Quote", "Anzahl"],
        [None, None, None, "2018", 2019, "2019"],
        [1001, "Flensburg, Stadt", "kreisfreie Stadt", 1.5, 2, 10],
        [3353, "Harburg", "Landkreis", None, 3.25, 20],
        [3353901, "Elbmarsch", "Gemeindeverband", 1, 2, 3],
        ["03353005", "Buchholz", "verbandsfreie Gemeinde", 1, 2, "4,5"],
        [None, None, None, None, None, None],
    ])
    table = read_inkar(path)
    assert tuple(table.columns) == INKAR_COLUMNS
    assert list(table.area_id.unique()) == ["01001", "03353", "03353901", "03353005"]
    assert table.attrs["key_width"] == {"gemeindeverband": 8, "kreis": 5}
    assert table.attrs["indicators"] == ["Quote", "Anzahl"]
    assert value(table, area_id="03353", indicator="Quote", year=2019) == 3.25
    assert math.isnan(value(table, area_id="03353", indicator="Quote", year=2018))
    assert value(table, area_id="03353005", indicator="Anzahl", year=2019) == 4.5
    assert table.year.dtype == np.int64


def test_inkar_nine_digit_gemeindeverband_keys(tmp_path):
    path = _workbook(tmp_path / "x.xlsx", [
        ["Kennziffer", "Raumeinheit", "Aggregat", "Quote"],
        [None, None, None, "2019"],
        ["033535401", "Elbmarsch", "Gemeindeverband", 1],
        [33530005, "Buchholz", "verbandsfreie Gemeinde", 2],
    ])
    table = read_inkar(path)
    assert list(table.area_id) == ["033535401", "033530005"]


@pytest.mark.parametrize(
    ("rows", "sheet", "message"),
    [
        ([["Kennziffer", "Raumeinheit", "Aggregat", "Quote"], [None, None, None, "2019"]],
         "Tabelle1", r"x\.xlsx: no sheet 'Daten'"),
        ([["Schlüssel", "Name", "Aggregat", "Quote"], [None, None, None, "2019"], ["01001", "F", "Landkreis", 1]],
         "Daten", r"x\.xlsx \[sheet Daten\]: row 1: expected columns 'Kennziffer'"),
        ([["Kennziffer", "Raumeinheit", "Aggregat", "Quote"], [None, None, None, "Jahr"], ["01001", "F", "Landkreis", 1]],
         "Daten", r"cell D2: expected a year, found 'Jahr'"),
        ([["Kennziffer", "Raumeinheit", "Aggregat", "Quote"], [None, None, None, "2019"], ["01001", "F", "Landkreis", "viel"]],
         "Daten", r"cell D3: value 'viel' \(Kennziffer 01001\) is not a number"),
        ([["Kennziffer", "Raumeinheit", "Aggregat", "Quote"], [None, None, None, "2019"], ["0100x", "F", "Landkreis", 1]],
         "Daten", r"cell A3: Kennziffer '0100x' is not a number"),
    ],
)
def test_inkar_malformed(tmp_path, rows, sheet, message):
    path = _workbook(tmp_path / "x.xlsx", rows, sheet=sheet)
    with pytest.raises(ValueError, match=message):
        read_inkar(path)


def test_inkar_fallback_reader_gives_the_same_table(tmp_path, monkeypatch):
    from sozialanalyse.io import inkar

    path = _workbook(tmp_path / "x.xlsx", [
        ["Kennziffer", "Raumeinheit", "Aggregat", "Quote & Rate <%>", "Quote & Rate <%>"],
        [None, None, None, "2018", 2019],
        [3353, "Harburg", "Landkreis", 4.25, None],
        ["03353901", "Elbmarsch", "Gemeindeverband", 1, 2],
    ])
    fast = read_inkar(path)

    def unsupported(*args, **kwargs):
        raise inkar._FastPathUnsupported("test")

    monkeypatch.setattr(inkar, "_read_xlsx_fast", unsupported)
    slow = read_inkar(path)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast.indicator.iloc[0] == "Quote & Rate <%>"


def test_inkar_old_xls_format():
    """An INKAR export in the old .xls format (fixture written by make_inkar_xls.py with xlwt):
    the sheet 'Daten' after another one, keys that lost their zero, a German number as text, an
    empty cell, a TRUE cell and a date cell; expected values read off the fixture by hand."""
    table = read_inkar(Path(__file__).parent / "fixtures" / "official" / "inkar_old.xls")
    assert tuple(table.columns) == INKAR_COLUMNS
    assert list(table.area_id.unique()) == ["03353", "03353901", "10041100", "03353005"]
    assert table.attrs["gemeindeverband_key"] == "bbsr8"
    assert value(table, area_id="03353", indicator="Arbeitslose", year=2018) == 4321
    assert value(table, area_id="03353", indicator="Arbeitslose", year=2019) == 4123  # text "4.123"
    assert value(table, area_id="03353", indicator="Einkommensteuer", year=2019) == 1234.5  # "1.234,5"
    reasons = table.set_index(["area_id", "indicator", "year"])["missing_reason"]
    assert reasons[("03353901", "Arbeitslose", 2019)] == "leer"
    assert reasons[("10041100", "Einkommensteuer", 2019)] == "ungültig: Wahrheitswert statt Zahl"
    assert reasons[("03353005", "Einkommensteuer", 2019)] == "ungültig: Datum statt Zahl"
    assert table.attrs["invalid_cells"] == ["F5", "F6"]
    assert len(table) == 4 * 3  # every cell of the block, none dropped


def test_inkar_not_a_workbook():
    with pytest.raises(ValueError, match=r"genesis_bad_code\.csv: cannot open as an Excel workbook"):
        read_inkar(FIXTURES / "genesis_bad_code.csv")


def test_inkar_mirror_all_files(mirror):
    folder = mirror / "inkar-1998-2019"
    files = sorted(folder.rglob("*.xls*"))
    assert len(files) == 15  # 12 + 3 in Indikatoren_Kreisebene/
    start = time.perf_counter()
    tables = {f.relative_to(folder).as_posix(): read_inkar(f) for f in files}
    elapsed = time.perf_counter() - start
    assert elapsed < 10, f"reading all INKAR files took {elapsed:.1f} s"
    for name, table in tables.items():
        assert tuple(table.columns) == INKAR_COLUMNS, name
        levels = set(table.area_level)
        assert len(levels) == 1, name
        n_areas = table.area_id.nunique()
        if levels == {"kreis"}:
            assert n_areas == 401 and (table.area_id.str.len() == 5).all(), name
        else:
            assert n_areas == 4618 and (table.area_id.str.len() == 8).all(), name
        assert table.area_id.str.fullmatch(r"\d+").all(), name
        assert not table.duplicated(["area_id", "indicator", "year"]).any(), name

    # Values picked by opening the workbooks (sheet Daten, cell given).
    def at(name, key, year):
        return value(tables[name], area_id=key, year=year)

    assert at("Indikatoren_Kreisebene/A_ArbeitslosigkeitKreis.xlsx", "03353", 1995) == 6279  # D38
    assert at("Indikatoren_Kreisebene/A_ArbeitslosigkeitKreis.xlsx", "03353", 2019) == 5155  # AB38
    assert at("E_Schuldnerquote.xlsx", "03353", 2004) == 7.88  # D38
    assert at("E_Schuldnerquote.xlsx", "03353", 2019) == 7.94  # S38
    assert at("B_SVBeschaeftigte.xlsx", "03353", 2019) == 103720  # U38 (year header a number)
    assert at("A_Arbeitslosigkeit.xlsx", "03353901", 1998) == 372  # D384 Elbmarsch
    assert at("A_Arbeitslosigkeit.xlsx", "03353901", 2019) == 246  # Y384
    assert at("A_Arbeitslosigkeit.xlsx", "03353005", 2019) == 894  # Y378 Buchholz
    assert at("E_Einkommensteuer.xlsx", "03353906", 2019) == 484.9  # AB389 Tostedt
    # A4620 of A_ErwerbsfaehigeBevoelkerung is the number 16077952, not text
    assert "16077952" in set(tables["A_ErwerbsfaehigeBevoelkerung.xlsx"].area_id)
    # the 2012 column of the Beschäftigte-by-qualification files is empty
    ohne = tables["B_BeschaeftigteohneAbschluss.xlsx"]
    assert ohne.loc[ohne.year == 2012, "value"].isna().all()
    aggregates = set(tables["B_SVBeschaeftigte.xlsx"].aggregat)
    assert aggregates == {"krsfr. Stadt", "Landkreis"}
    harburg_gvb = tables["A_Arbeitslosigkeit.xlsx"]
    harburg_gvb = harburg_gvb[harburg_gvb.area_id.str.startswith("03353")].drop_duplicates("area_id")
    assert len(harburg_gvb) == 12  # 6 verbandsfreie Gemeinden + 6 Samtgemeinden (9xx)


# ----------------------------------------------------------------------------------------- BKG
def test_bkg_vg5000_harburg(mirror):
    gem = read_bkg(mirror / "bkg-vg5000-2021", layer="GEM", to_crs="EPSG:25832")
    assert gem.attrs["crs"] == "EPSG:31467"
    assert gem.crs.to_epsg() == 25832
    assert len(gem) == 10997 and gem.ags.is_unique
    assert (gem.ags.str.len() == 8).all() and (gem.ars.str.len() == 12).all()
    harburg = gem[gem.kreis_ags == "03353"]
    assert len(harburg) == 42
    groups = harburg.groupby("gemeindeverband_ars").name.apply(sorted)
    assert len(groups) == 12  # 6 Einheitsgemeinden + 6 Samtgemeinden
    assert groups["033535401"] == ["Drage", "Marschacht", "Tespe"]  # SG Elbmarsch
    assert groups["033530005"] == ["Buchholz in der Nordheide"]
    assert (groups.str.len() > 1).sum() == 6
    # plausible projected coordinates (UTM 32N, metres) for Harburg
    x, y = harburg.geometry.union_all().centroid.coords[0]
    assert 540_000 < x < 600_000 and 5_890_000 < y < 5_930_000
    assert gem.loc[gem.ags == "03353040", "kind"].item() == "Stadt"  # Winsen (Luhe)


def test_bkg_vg5000_krs_lan(mirror):
    krs = read_bkg(mirror / "bkg-vg5000-2021" / "VG5000_KRS.shp", geometry=False)
    assert len(krs) == 401 and krs.attrs["layer"] == "KRS"
    assert krs.loc[krs.ags == "03353", ["name", "kind"]].values.tolist() == [["Harburg", "Landkreis"]]
    lan = read_bkg(mirror / "bkg-vg5000-2021", layer="LAN")
    assert len(lan) == 16  # 9 water rows (GF 8) dropped
    assert len(read_bkg(mirror / "bkg-vg5000-2021", layer="LAN", land_only=False)) == 25


def test_bkg_vg250_ew_inhabitants(mirror):
    gem = read_bkg(mirror / "bkg-vg250-ew-2022" / "VG250_GEM.dbf")
    assert isinstance(gem, pd.DataFrame) and "geometry" not in gem
    assert len(gem) == 10990 and gem.ags.is_unique  # 11,119 rows minus 129 water rows (GF 2)
    # 31.12.2022: EWZ of the 42 Gemeinden of 03353 sums to 261,890 = EWZ of VG250_KRS 03353
    harburg = gem[gem.kreis_ags == "03353"]
    assert len(harburg) == 42
    assert harburg.inhabitants.sum() == 261_890
    assert gem.inhabitants.sum() == 84_358_845  # Germany
    assert gem.loc[gem.ags == "01001000", "area_km2"].item() == 56.73
    krs = read_bkg(mirror / "bkg-vg250-ew-2022" / "VG250_KRS.dbf")
    # no .cpg beside VG250_KRS.dbf: the reader must still find UTF-8
    assert krs.attrs["encoding"] == "UTF-8"
    assert krs.loc[krs.ags == "01003", "name"].item() == "Lübeck"
    assert krs.loc[krs.ags == "03353", "inhabitants"].item() == 261_890
    assert len(krs) == 400  # Gebietsstand 2022
    with pytest.raises(ValueError, match="to_crs given, but no geometry"):
        read_bkg(mirror / "bkg-vg250-ew-2022" / "VG250_GEM.dbf", to_crs=25832)


def test_bkg_malformed(tmp_path):
    import pyogrio

    table = pd.DataFrame({"AGS": ["03353005"], "NAME": ["Buchholz"]})
    pyogrio.write_dataframe(table, tmp_path / "VG250_GEM.dbf", driver="ESRI Shapefile")
    with pytest.raises(ValueError, match=r"VG250_GEM\.dbf: missing field\(s\) \['ARS', 'GEN', 'BEZ'\]"):
        read_bkg(tmp_path / "VG250_GEM.dbf")
    bad = pd.DataFrame({"AGS": ["03353005", "0335300X"], "ARS": ["1", "2"], "GEN": ["a", "b"],
                        "BEZ": ["c", "d"]})
    pyogrio.write_dataframe(bad, tmp_path / "X_KRS.dbf", driver="ESRI Shapefile")
    with pytest.raises(ValueError, match=r"X_KRS\.dbf: record 2: field AGS '0335300X'"):
        read_bkg(tmp_path / "X_KRS.dbf")
    with pytest.raises(ValueError, match="name the layer"):
        read_bkg(tmp_path)
    with pytest.raises(FileNotFoundError):
        read_bkg(tmp_path, layer="LAN")


# ---------------------------------------------------------------------------------------- GISD
def test_gisd_mirror_all_files(mirror):
    files = sorted(mirror.glob("gisd-*/*.csv"))
    assert len(files) == 16
    for path in files:
        table = read_gisd(path)
        assert tuple(table.columns[: len(GISD_COLUMNS)]) == GISD_COLUMNS, path
        width = {"kreis": {5}, "gemeinde": {8}, "raumordnungsregion": {4},
                 "gemeindeverband": {8, 9}}[table.attrs["area_level"]]
        assert set(table.area_id.str.len()) <= width, path
        assert not table.duplicated(["area_id", "year"]).any(), path
        assert table.gisd_score.notna().all(), path


def test_gisd_mirror_values(mirror):
    kreis = read_gisd(mirror / "gisd-2022" / "GISD_Bund_Kreis.csv")
    # line 793: "03353",0.43937,2,3,2,"Harburg",2019
    row = kreis[(kreis.area_id == "03353") & (kreis.year == 2019)].iloc[0]
    assert (row.gisd_score, row.gisd_5, row.gisd_10, row.gisd_k) == (0.43937, 2, 3, 2)
    assert kreis.area_id.nunique() == 401 and set(kreis.year) == set(range(1998, 2020))

    k25 = read_gisd(mirror / "gisd-2025" / "GISD_Bund_Kreis.csv")
    # line 865: 03353,Harburg,2021,0.42054,2,3,2
    row = k25[(k25.area_id == "03353") & (k25.year == 2021)].iloc[0]
    assert (row.area_name, row.gisd_score, row.gisd_5) == ("Harburg", 0.42054, 2)

    gvb22 = read_gisd(mirror / "gisd-2022" / "GISD_Niedersachsen_Gemeindeverband.csv")
    assert gvb22.attrs["gemeindeverband_key"] == "bbsr8"
    assert value(gvb22.rename(columns={"gisd_score": "value"}), area_id="03353901",
                 year=2019) == 0.33476  # Elbmarsch, BBSR key
    assert gvb22.gisd_5.isna().all()  # per-Land files carry the score only
    gvb25 = read_gisd(mirror / "gisd-2025" / "GISD_Niedersachsen_Gemeindeverband.csv")
    assert gvb25.attrs["gemeindeverband_key"] == "ars9"
    assert value(gvb25.rename(columns={"gisd_score": "value"}), area_id="033535401",
                 year=2019) == 0.35571  # Elbmarsch, ARS[:9]
    assert (gvb25.kreis_id == gvb25.area_id.str[:5]).all()

    rev = read_gisd(mirror / "gisd-rev2019" / "Niedersachsen_Gemeinde_with_subscores.csv")
    assert rev.attrs["encoding"] == "latin-1"
    # line 8011: "8010",3353001,2015,1936,0.3872...,0.3722...,0.3822...,0.3227...,"Appel",3353903,...
    appel = rev[(rev.area_id == "03353001") & (rev.year == 2015)].iloc[0]
    assert appel.area_name == "Appel" and appel.population == 1936
    assert appel.gemeindeverband_id == "03353903" and appel.gemeindeverband_name == "Hollenstedt"
    assert appel.kreis_id == "03353" and appel.ror_id == "0306" and appel.nuts2 == "DE93"
    assert appel.ts_arbeitswelt == pytest.approx(0.387251824307634)
    assert appel.ts_einkommen == pytest.approx(0.372209749293827)
    assert appel.ts_bildung == pytest.approx(0.382221281738017)
    assert appel.gisd_score == pytest.approx(0.322720864588417)
    assert rev.loc[rev.area_id.str.startswith("03101"), "nuts2_name"].iloc[0] == "Braunschweig"

    bund = read_gisd(mirror / "gisd-rev2019" / "Bund_Kreis.csv")
    # line 667: "666",3353,"Harburg",2015,248122,0.322823,2,3,2 (key written as a number)
    row = bund[(bund.area_id == "03353") & (bund.year == 2015)].iloc[0]
    assert (row.population, row.gisd_score, row.gisd_10) == (248122, 0.322823, 3)
    assert set(bund.area_id.str.len()) == {5}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("gisd_bad_score.csv", r"gisd_bad_score\.csv: line 3: column 'gisd_score': 'hoch' is not a number"),
        ("gisd_no_key.csv", r"gisd_no_key\.csv: line 1: no key column"),
        ("gisd_bad_width.csv", r"gisd_bad_width\.csv: .*line 3"),
    ],
)
def test_gisd_malformed(name, message):
    with pytest.raises(ValueError, match=message):
        read_gisd(FIXTURES / name)


# ------------------------------------------- Gemeindeverband keys of Länder 10-16 (INKAR, GISD)
# Background: BBSR keys have 8 digits (Kreis + 3), ARS[:9] 9 digits; a key stored as a number
# loses the leading zero of Länder 01-09 only. The expected keys below are written by hand.
def _gvb_workbook(tmp_path, keys, name="x.xlsx"):
    rows = [["Kennziffer", "Raumeinheit", "Aggregat", "Quote"], [None, None, None, "2019"]]
    rows += [[key, f"Gebiet {k}", "Gemeindeverband", k] for k, key in enumerate(keys)]
    return _workbook(tmp_path / name, rows)


def test_inkar_numeric_bbsr8_keys_of_laender_10_to_16(tmp_path):
    # Saarbrücken, Berlin, Brandenburg a.d.H., Erfurt: 8-digit BBSR keys, no zero to lose
    path = _gvb_workbook(tmp_path, [10041100, 11000000, 12051000, 16051000])
    table = read_inkar(path)
    assert list(table.area_id) == ["10041100", "11000000", "12051000", "16051000"]
    assert table.attrs["key_width"] == {"gemeindeverband": 8}
    assert table.attrs["gemeindeverband_key"] == "bbsr8"


def test_inkar_numeric_bbsr8_keys_with_lost_zeros_and_land_10_to_16(tmp_path):
    path = _gvb_workbook(tmp_path, [3353901, 10041100, "03353005", 5111000])
    assert list(read_inkar(path).area_id) == ["03353901", "10041100", "03353005", "05111000"]


def test_inkar_numeric_ars9_keys(tmp_path):
    # Elbmarsch 033535401 and Buchholz 033530005 lose their zero; Saarbrücken 100410100 has none
    path = _gvb_workbook(tmp_path, [33535401, 33530005, 100410100])
    table = read_inkar(path)
    assert list(table.area_id) == ["033535401", "033530005", "100410100"]
    assert table.attrs["gemeindeverband_key"] == "ars9"
    # all 8 digits, but a Land 03 key cannot be an 8-digit BBSR key of 'Land 33'
    assert list(read_inkar(_gvb_workbook(tmp_path, [33535401, 33530005], "y.xlsx")).area_id) == [
        "033535401", "033530005"]


def test_inkar_gvb_key_ambiguous_needs_the_argument(tmp_path):
    # Saarland only, as numbers: 8-digit BBSR keys of Land 10, or ARS[:9] of Land 01 (Neumünster
    # 01004) that lost its zero -- the file cannot tell
    path = _gvb_workbook(tmp_path, [10041100, 10042111])
    with pytest.raises(ValueError, match=r"x\.xlsx.*'10041100'.*gvb_key='bbsr8'"):
        read_inkar(path)
    assert list(read_inkar(path, gvb_key="bbsr8").area_id) == ["10041100", "10042111"]
    assert list(read_inkar(path, gvb_key="ars9").area_id) == ["010041100", "010042111"]


def test_inkar_gvb_key_mix_that_fits_neither(tmp_path):
    path = _gvb_workbook(tmp_path, [3353901, 100410100, 3353005])  # 7 and 9 digits
    with pytest.raises(ValueError, match=r"x\.xlsx.*neither") as error:
        read_inkar(path)
    assert "'100410100' (9 digits)" in str(error.value)
    assert "'3353901' (7 digits)" in str(error.value)
    with pytest.raises(ValueError, match=r"x\.xlsx.*gvb_key='ars9'.*'03353901'"):
        read_inkar(_gvb_workbook(tmp_path, ["03353901"]), gvb_key="ars9")
    with pytest.raises(ValueError, match=r"gvb_key must be 'bbsr8', 'ars9' or None"):
        read_inkar(path, gvb_key="ars12")


def test_gisd_numeric_bbsr8_keys_of_laender_10_to_16():
    table = read_gisd(FIXTURES / "gisd_gvb_numeric_land10_16.csv")
    assert list(table.area_id) == ["10041100", "11000000", "12051000", "16051000"]
    assert list(table.kreis_id) == ["10041", "11000", "12051", "16051"]
    assert table.attrs["gemeindeverband_key"] == "bbsr8"


def test_gisd_gvb_key_ambiguous_kreis_column_and_argument():
    with pytest.raises(ValueError, match=r"gisd_gvb_numeric_saarland\.csv.*gvb_key="):
        read_gisd(FIXTURES / "gisd_gvb_numeric_saarland.csv")
    table = read_gisd(FIXTURES / "gisd_gvb_numeric_saarland.csv", gvb_key="bbsr8")
    assert list(table.area_id) == ["10041100", "10042111"]
    assert list(table.kreis_id) == ["10041", "10042"]
    # the Kreis column decides: 10041100 lies in Kreis 10041 only as an 8-digit key
    rev = read_gisd(FIXTURES / "gisd_gemeinde_numeric_saarland.csv")
    assert list(rev.gemeindeverband_id) == ["10041100", "10042111"]
    assert rev.attrs["gemeindeverband_key"] == "bbsr8"
    with pytest.raises(ValueError, match=r"gisd_gvb_mixed_width\.csv.*neither"):
        read_gisd(FIXTURES / "gisd_gvb_mixed_width.csv")


def test_gvb_key_inference_on_the_mirror_keys_stored_as_numbers(mirror):
    from sozialanalyse.io.inkar import gemeindeverband_key

    bbsr = sorted(set(read_inkar(mirror / "inkar-1998-2019" / "A_Arbeitslosigkeit.xlsx").area_id))
    ars = sorted(set(read_gisd(mirror / "gisd-2025" / "GISD_Niedersachsen_Gemeindeverband.csv")
                     .area_id))
    assert gemeindeverband_key(bbsr, "x") == "bbsr8" and gemeindeverband_key(ars, "x") == "ars9"
    numeric = [str(int(k)) for k in bbsr]
    assert gemeindeverband_key(numeric, "x") == "bbsr8"
    assert gemeindeverband_key([str(int(k)) for k in ars], "x") == "ars9"
    # Länder 10-16 only: the keys that used to get a zero in front of them
    east = [k for k in numeric if len(k) == 8]  # Saarland 10 ... Thüringen 16
    assert len(east) == 989 and gemeindeverband_key(east, "x") == "bbsr8"
    saarland = [k for k in east if k.startswith("10")]
    with pytest.raises(ValueError, match="gvb_key="):
        gemeindeverband_key(saarland, "x")


# ------------------------------------------------------------------ BKG keys stored as numbers
def _dbf(path, **columns):
    import pyogrio

    pyogrio.write_dataframe(pd.DataFrame(columns), path, driver="ESRI Shapefile")
    return path


def test_bkg_restores_numeric_keys(tmp_path):
    gem = read_bkg(_dbf(tmp_path / "X_GEM.dbf", AGS=[3353005, 10041100],
                        ARS=[33530005005, 100410100100], GEN=["Buchholz", "Saarbrücken"],
                        BEZ=["Stadt", "Landeshauptstadt"]))
    assert list(gem.ags) == ["03353005", "10041100"]
    assert list(gem.ars) == ["033530005005", "100410100100"]
    assert list(gem.kreis_ags) == ["03353", "10041"]
    assert list(gem.gemeindeverband_ars) == ["033530005", "100410100"]
    # text without the zero, as some exports write it
    text = read_bkg(_dbf(tmp_path / "Y_GEM.dbf", AGS=["3353005"], ARS=["33530005005"],
                         GEN=["Buchholz"], BEZ=["Stadt"]))
    assert (text.ags.item(), text.kreis_ags.item()) == ("03353005", "03353")
    krs = read_bkg(_dbf(tmp_path / "X_KRS.dbf", AGS=[3353, 10041], ARS=[3353, 10041],
                        GEN=["Harburg", "Saarbrücken"], BEZ=["Landkreis", "Regionalverband"]))
    assert list(krs.ags) == ["03353", "10041"] and list(krs.ars) == ["03353", "10041"]
    lan = read_bkg(_dbf(tmp_path / "X_LAN.dbf", AGS=[3, 10], ARS=[3, 10], GEN=["NI", "SL"],
                        BEZ=["Land", "Land"]))
    assert list(lan.ags) == ["03", "10"]
    floats = read_bkg(_dbf(tmp_path / "F_GEM.dbf", AGS=[3353005.0], ARS=[33530005005.0],
                           GEN=["Buchholz"], BEZ=["Stadt"]))
    assert (floats.ags.item(), floats.ars.item()) == ("03353005", "033530005005")
    vwg = read_bkg(_dbf(tmp_path / "X_VWG.dbf", AGS=[3353, 10041], ARS=[33535401, 100410100],
                        GEN=["Elbmarsch", "Saarbrücken"], BEZ=["Samtgemeinde", "Stadt"]))
    assert list(vwg.ars) == ["033535401", "100410100"]
    assert list(vwg.ags) == ["03353", "10041"] and list(vwg.kreis_ags) == ["03353", "10041"]


def test_bkg_keys_that_cannot_be_restored(tmp_path):
    path = _dbf(tmp_path / "X_GEM.dbf", AGS=[3353005, 335300], ARS=[33530005005, 3353000500],
                GEN=["a", "b"], BEZ=["c", "d"])
    with pytest.raises(ValueError, match=r"X_GEM\.dbf: record 2: field AGS '335300' .*8 digits"):
        read_bkg(path)
    path = _dbf(tmp_path / "Y_KRS.dbf", AGS=["033530"], ARS=["03353"], GEN=["a"], BEZ=["b"])
    with pytest.raises(ValueError, match=r"Y_KRS\.dbf: record 1: field AGS '033530' .*5 digits"):
        read_bkg(path)
    path = _dbf(tmp_path / "Z_KRS.dbf", AGS=[99001], ARS=[99001], GEN=["a"], BEZ=["b"])
    with pytest.raises(ValueError, match=r"Z_KRS\.dbf: record 1: field AGS '99001' .*Land 99"):
        read_bkg(path)
    path = _dbf(tmp_path / "W_GEM.dbf", AGS=[10041100], ARS=[33530005005], GEN=["a"], BEZ=["b"])
    with pytest.raises(ValueError, match=r"W_GEM\.dbf: record 1: field AGS '10041100' .*"
                                         r"but ARS '033530005005' Land 03"):
        read_bkg(path)


# ------------------------------------------------------------------------ INKAR text cells
def test_inkar_german_number_text_and_invalid_cells(tmp_path):
    import datetime as dt

    path = _workbook(tmp_path / "x.xlsx", [
        ["Kennziffer", "Raumeinheit", "Aggregat", "Q", "Q", "Q", "Q", "Q", "Q", "Q"],
        [None, None, None, 2013, 2014, 2015, 2016, 2017, 2018, 2019],
        ["03353", "Harburg", "Landkreis", "1.234", "1.234,5", "1,5", " -3,25 ",
         dt.datetime(2020, 1, 1), True, None],
        ["03354", "Lüchow-Dannenberg", "Landkreis", "12.345.678", "-", ".", "", 7,
         dt.date(2019, 5, 1), 2.5],
    ])
    table = read_inkar(path)
    assert tuple(table.columns) == INKAR_COLUMNS
    harburg = table[table.area_id == "03353"].set_index("year")
    assert list(harburg.value[:4]) == [1234.0, 1234.5, 1.5, -3.25]
    assert harburg.missing_reason[:4].isna().all()
    assert math.isnan(harburg.value[2018]) and math.isnan(harburg.value[2017])
    assert harburg.missing_reason[2017] == "ungültig: Datum statt Zahl"
    assert harburg.missing_reason[2018] == "ungültig: Wahrheitswert statt Zahl"
    assert harburg.missing_reason[2019] == "leer"
    other = table[table.area_id == "03354"].set_index("year")
    assert other.value[2013] == 12345678.0
    assert list(other.missing_reason[[2014, 2015, 2016]]) == [
        "nichts vorhanden / keine Daten", "unbekannt oder geheim", "leer"]
    assert other.value[2017] == 7 and other.value[2019] == 2.5
    assert other.missing_reason[2018] == "ungültig: Datum statt Zahl"
    assert table.attrs["invalid_cells"] == ["H3", "I3", "I4"]
    assert table.loc[table.missing_reason.notna(), "value"].isna().all()
    assert table.loc[table.missing_reason.isna(), "value"].notna().all()


@pytest.mark.parametrize("text", ["1.5", "1234.5", "1.23", "1,234.5", "1e3"])
def test_inkar_text_that_is_no_german_number(tmp_path, text):
    path = _workbook(tmp_path / "x.xlsx", [
        ["Kennziffer", "Raumeinheit", "Aggregat", "Q"], [None, None, None, 2019],
        ["03353", "Harburg", "Landkreis", text]])
    with pytest.raises(ValueError, match=r"cell D3: value .* is not a number"):
        read_inkar(path)


def test_inkar_fallback_reader_same_invalid_cells(tmp_path, monkeypatch):
    import datetime as dt

    from sozialanalyse.io import inkar

    path = _workbook(tmp_path / "x.xlsx", [
        ["Kennziffer", "Raumeinheit", "Aggregat", "Q", "Q", "Q", "Q"],
        [None, None, None, 2016, 2017, 2018, 2019],
        ["03353", "Harburg", "Landkreis", dt.datetime(2020, 1, 1, 12), False, "1.234", 4],
    ])
    fast = read_inkar(path)
    assert list(fast.missing_reason.fillna("")) == [
        "ungültig: Datum statt Zahl", "ungültig: Wahrheitswert statt Zahl", "", ""]

    def unsupported(*args, **kwargs):
        raise inkar._FastPathUnsupported("test")

    monkeypatch.setattr(inkar, "_read_xlsx_fast", unsupported)
    pd.testing.assert_frame_equal(fast, read_inkar(path))


# --------------------------------------------------------- GENESIS trailing separators
def test_genesis_trailing_semicolons_are_ignored():
    table = read_genesis(FIXTURES / "genesis_trailing_semicolons.csv")
    assert table.attrs["header_rows"] == 3
    assert len(table) == 3 * 3
    assert list(table.category.unique()) == ["", "weiblich"]
    assert value(table, area_id="DG", variable="Quote") == 5.5
    assert value(table, area_id="03", variable="Quote") == 6.0
    saar = table[table.area_id == "10"]
    assert list(saar.value[:1]) == [1.0]
    assert list(saar.missing_reason.fillna("")) == ["", "unbekannt oder geheim", "leer"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("genesis_bad_width_trailing.csv", r"line 6: data row has 4 cells, the header has 5"),
        ("genesis_extra_value.csv", r"line 5: data row has 6 cells, the header has 5"),
    ],
)
def test_genesis_real_width_mismatch_with_trailing_semicolons(name, message):
    with pytest.raises(ValueError, match=message):
        read_genesis(FIXTURES / name)
