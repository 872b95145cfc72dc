"""The project's own input format in CSV, Excel and Parquet, boundaries as GeoPackage or Shapefile,
the strict loader's messages, and the template folder data/vorlage/."""
import shutil
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest

from sozialanalyse.io.own import DataError, load_district, read_table
from sozialanalyse.io.validate import validate

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "tests" / "fixtures" / "broken" / "base"
MUSTERLAND = ROOT / "data" / "musterland"
VORLAGE = ROOT / "data" / "vorlage"
KEYS = {"area_id": str, "parent_id": str, "facility_id": str}
FACILITIES = ("facility_id,name,type,area_id,x,y,capacity\n"
              "K-1,Kita Nord,Kita,03499001-01,500.5,700.0,40\n"
              "P-1,Pflegestützpunkt Süd,Pflegestützpunkt,03499001-02,500.0,200.25,\n")


def _base(tmp_path: Path) -> Path:
    folder = tmp_path / "csv"
    shutil.copytree(BASE, folder)
    (folder / "facilities.csv").write_text(FACILITIES, encoding="utf-8")
    return folder


def _convert(src: Path, dst: Path, fmt: str) -> Path:
    """Every CSV table of ``src`` as ``fmt``, written the way a user's tool would: numbers as
    numbers, keys as text."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.csv"))
    for p in sorted(src.glob("*.csv")):
        df = pd.read_csv(p, dtype=KEYS, keep_default_na=False, na_values=[""])
        if fmt == "xlsx":
            df.to_excel(dst / f"{p.stem}.xlsx", index=False)
        else:
            df.to_parquet(dst / f"{p.stem}.parquet", index=False)
    return dst


def _summary(result):
    return {k: (rc.read, rc.kept, dict(rc.rejected), dict(rc.flagged)) for k, rc in result.reconciliation.items()}


def _load(folder: Path):
    """load_district of ``folder``; leniently if validation lists problems (the template's gaps),
    as the strict loader refuses exactly what validation lists."""
    import tempfile

    import yaml

    if validate(folder).ok:
        return load_district(folder)
    cfg = Path(tempfile.mkdtemp()) / "lenient.yml"
    cfg.write_text(yaml.safe_dump({"data": str(folder), "validation": "lenient"}), encoding="utf-8")
    return load_district(cfg)


def _same_district(a: Path, b: Path) -> None:
    ra, rb = validate(a), validate(b)
    real = [p for r in (ra, rb) for p in r.problems if p.code != "incomplete"]  # the template has gaps
    assert not real, ra.report() + rb.report()
    assert [str(p) for p in ra.problems] == [str(p).replace(Path(p.file).suffix, ".csv", 1)
                                              for p in rb.problems]
    assert _summary(ra) == _summary(rb)
    for name, table in ra.tables.items():
        pd.testing.assert_frame_equal(table, rb.tables[name], check_dtype=False)
    da, db = _load(a), _load(b)
    pd.testing.assert_frame_equal(da.counts, db.counts)
    pd.testing.assert_frame_equal(da.areas, db.areas)
    pd.testing.assert_frame_equal(da.facilities, db.facilities)


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_every_table_as_excel_or_parquet_reads_like_csv(tmp_path, fmt):
    csv_folder = _base(tmp_path)
    other = _convert(csv_folder, tmp_path / fmt, fmt)
    assert not list(other.glob("*.csv"))
    _same_district(csv_folder, other)
    r = validate(other)
    assert r.reconciliation["transfers.csv"].line() == f"transfers.{fmt}: rows read 36 = kept 36 + rejected 0"
    assert r.facilities["facility_id"].tolist() == ["K-1", "P-1"]
    assert r.facilities["capacity"].tolist()[0] == 40.0 and pd.isna(r.facilities["capacity"].tolist()[1])


@pytest.mark.slow  # end-to-end: the whole district converted to Parquet and loaded (`make test-slow`, CI runs it)
def test_musterland_as_parquet_reads_like_csv(tmp_path):
    _same_district(MUSTERLAND, _convert(MUSTERLAND, tmp_path / "parquet", "parquet"))


def test_data_page_lists_parquet_tables(tmp_path):
    """The "Daten und Methoden" page reads the tables in whatever format they were given."""
    import re

    from sozialanalyse.pages import daten_methoden

    other = _convert(_base(tmp_path), tmp_path / "parquet", "parquet")
    page = re.sub(r"<[^>]+>", " ", daten_methoden.inputs(load_district(other)).data)
    assert "transfers.parquet" in page and "transfers.csv" not in page
    assert re.search(r"transfers\.parquet\s+\S.*?\s+2021–2023\s+36\b", page), page


@pytest.mark.slow
def test_musterland_as_excel_reads_like_csv(tmp_path):  # about half a minute: openpyxl is slow
    _same_district(MUSTERLAND, _convert(MUSTERLAND, tmp_path / "xlsx", "xlsx"))


def test_a_table_given_twice_is_named(tmp_path):
    folder = _base(tmp_path)
    pd.read_csv(folder / "areas.csv", dtype=KEYS).to_excel(folder / "areas.xlsx", index=False)
    r = validate(folder)
    assert r.problems[0].code == "ambiguous_file"
    assert "areas.csv and areas.xlsx both exist; keep exactly one file for the table 'areas'" in str(r.problems[0])
    with pytest.raises(DataError, match="areas.csv and areas.xlsx both exist"):
        load_district(folder)


def test_excel_sheet_named_like_the_table_and_true_sheet_rows(tmp_path):
    folder = _base(tmp_path)
    rows = list(pd.read_csv(folder / "transfers.csv", dtype=KEYS).itertuples(index=False))
    wb = openpyxl.Workbook()
    wb.active.title = "Hinweise"
    wb.active.append(["Bitte das Blatt transfers ausfüllen"])
    ws = wb.create_sheet("transfers")
    ws.append(["area_id", "year", "variable", "value"])
    for row in rows[:3]:
        ws.append(list(row))
    ws.append([])  # an empty row 5 is skipped, but counted in the row numbers
    ws.append(["03499001-01", 2021, "wohngeld_haushalte", "vier"])  # row 6
    for row in rows[4:]:
        ws.append(list(row))
    wb.save(folder / "transfers.xlsx")
    (folder / "transfers.csv").unlink()
    r = validate(folder)
    assert [str(p) for p in r.problems] == [
        "transfers.xlsx, row 6, column value, area 03499001-01: value is not a number (value 'vier') [not_a_number]"]
    assert r.reconciliation["transfers.csv"].line() == (
        "transfers.xlsx: rows read 36 = kept 35 + rejected 1 (not_a_number 1)")


def test_a_key_excel_stored_as_a_number_is_rejected_with_the_reason(tmp_path):
    folder = _base(tmp_path)
    df = pd.read_csv(folder / "transfers.csv", dtype=KEYS)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):  # what Excel makes of a key typed into a General cell
        ws.append([int(row.area_id) if row.area_id == "03499002" else row.area_id, *row[1:]])
    wb.save(folder / "transfers.xlsx")
    (folder / "transfers.csv").unlink()
    r = validate(folder)
    gaps = [p for p in r.problems if p.code == "incomplete"]  # the area has no rows left: named as such
    assert gaps and all(p.file == "transfers.xlsx" and "area 03499002 in 2021, 2022, 2023" in p.message for p in gaps)
    assert [str(p) for p in r.problems if p.code != "incomplete"] == [
        ("transfers.xlsx, row 26, column area_id, area 3499002: key stored as a number (3499002): a leading zero "
        "may be lost; format the column as text and enter the key as written in areas (e.g. '03499002'); "
        "12 rows with this key, first in row 26, last in row 37 (value '3499002') [key_as_number]")]
    assert r.reconciliation["transfers.csv"].line() == (
        "transfers.xlsx: rows read 36 = kept 24 + rejected 12 (key_as_number 12); flagged: incomplete 12")
    with pytest.raises(DataError, match=r"transfers.xlsx, row 26, column area_id, area 3499002: key stored as a number \(3499002\)"):
        load_district(folder)


def test_a_key_parquet_stores_as_an_integer_is_rejected(tmp_path):
    folder = _base(tmp_path)
    df = pd.read_csv(folder / "areas.csv", dtype=KEYS)
    df[df["area_id"].str.len() == 8].assign(area_id=lambda d: d["area_id"].astype(int)).to_parquet(
        tmp_path / "x.parquet", index=False)
    t = read_table(tmp_path / "x.parquet")
    assert [(b.line, b.code, b.value) for b in t.bad] == [(2, "key_as_number", "3499001"),
                                                          (3, "key_as_number", "3499002")]
    assert t.read == 2 and t.df.empty


def test_boundaries_as_shapefile(tmp_path):
    folder = _base(tmp_path)
    gdf = gpd.read_file(folder / "gebiete.gpkg", layer="gebiete")
    gdf.to_file(folder / "gebiete.shp")
    r = validate(folder)
    assert r.problems[-1].code == "ambiguous_file"
    assert "gebiete.gpkg and gebiete.shp both exist" in str(r.problems[-1])
    (folder / "gebiete.gpkg").unlink()
    r = validate(folder)
    assert r.ok, r.report()
    assert r.reconciliation["gebiete.gpkg"].line() == "gebiete.shp: rows read 5 = kept 5 + rejected 0"
    geo = load_district(folder).geometry
    assert sorted(geo["area_id"]) == sorted(gdf["area_id"])
    assert geo.crs == "EPSG:25832"
    assert geo.set_index("area_id").geometry.area.to_dict() == gdf.set_index("area_id").geometry.area.to_dict()
    (folder / "gebiete.prj").unlink()
    r = validate(folder)
    assert [p.code for p in r.problems] == ["crs_missing"]
    (folder / "gebiete.dbf").unlink()
    with pytest.raises(DataError, match="gebiete.shp: the Shapefile's gebiete.dbf missing beside it"):
        _ = load_district(folder).geometry


def test_loader_names_file_and_row_for_bytes_that_are_not_utf8(tmp_path):
    folder = _base(tmp_path)
    areas = folder / "areas.csv"
    areas.write_bytes(areas.read_text(encoding="utf-8").encode("cp1252"))
    with pytest.raises(DataError, match=r"areas.csv, row 5, column name, area 03499001-02: not UTF-8: byte 0xfc"):
        load_district(folder)


def test_loader_reads_utf8_with_byte_order_mark(tmp_path):
    folder = _base(tmp_path)
    plain = load_district(folder)
    for p in folder.glob("*.csv"):
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    bom = load_district(folder)
    pd.testing.assert_frame_equal(plain.areas, bom.areas)
    pd.testing.assert_frame_equal(plain.counts, bom.counts)
    pd.testing.assert_frame_equal(plain.facilities, bom.facilities)


def test_loader_counts_blank_lines_in_row_numbers(tmp_path):
    folder = _base(tmp_path)
    path = folder / "labour.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5:5] = ["", "", ""]
    lines.append("03499001-01,2024,arbeitslose,sgb2,zwölf")  # line 32
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"labour.csv, row 32, column value, area 03499001-01: value is not a number \(value 'zwölf'\)"):
        load_district(folder)


# --- the template --------------------------------------------------------------------------------

def test_template_folder_is_valid():
    """The template shows the format, not a complete district: its only problems are the gaps
    (rows the format requires for the other areas and years), one per file and variable."""
    r = validate(VORLAGE)
    assert r.problems and {p.code for p in r.problems} == {"incomplete"}
    assert len(r.problems) == len({(p.file, p.value) for p in r.problems})
    assert r.reconciliation["areas.csv"].line() == "areas.csv: rows read 8 = kept 8 + rejected 0"
    files = {p.stem for p in VORLAGE.glob("*.csv")}
    assert files == {"areas", "facilities", "population", "households", "movements", "transfers", "labour",
                     "housing", "school_entry", "care", "disability", "elections", "income", "education",
                     "strassen"}
    from sozialanalyse.io.validate import ValidationError

    with pytest.raises(ValidationError, match=r"\[incomplete\]"):  # strict: refuses what validation lists
        load_district(VORLAGE)
    d = _load(VORLAGE)
    assert d.kreis["area_id"] == "03499" and len(d.geometry) == 8
    assert set(d.areas["kind"]) == {"Landkreis", "Stadt", "Sozialraum", "Einheitsgemeinde", "Samtgemeinde",
                                    "Mitgliedsgemeinde"}


def test_template_workbook_holds_the_csv_templates(tmp_path):
    """A copy of vorlage.xlsx named like a table is read from that table's sheet; copies for
    every table validate and load like the CSV files."""
    folder = tmp_path / "excel"
    shutil.copytree(VORLAGE, folder, ignore=shutil.ignore_patterns("*.csv", "vorlage.xlsx"))
    wb = openpyxl.load_workbook(VORLAGE / "vorlage.xlsx")
    # strassen.csv, the optional street network, is read by the planning floor as CSV only: no sheet
    from sozialanalyse.planning.streets import STREET_FILE

    tables = [p for p in VORLAGE.glob("*.csv") if p.name != STREET_FILE]
    assert sorted(wb.sheetnames) == sorted(p.stem for p in tables)
    assert wb["areas"]["A2"].value == "03499" and wb["areas"]["A2"].number_format == "@"
    shutil.copy(VORLAGE / STREET_FILE, folder)
    for p in tables:
        shutil.copy(VORLAGE / "vorlage.xlsx", folder / f"{p.stem}.xlsx")
    _same_district(VORLAGE, folder)


def test_parquet_with_pandas_nullable_types(tmp_path):
    """Parquet written after df.convert_dtypes() holds pd.NA in Int64/string columns: read as empty."""
    folder = _base(tmp_path)
    other = _convert(folder, tmp_path / "parquet", "parquet")
    df = pd.read_parquet(other / "transfers.parquet").convert_dtypes()
    df.loc[0, "value"] = pd.NA
    df.to_parquet(other / "transfers.parquet", index=False)
    r = validate(other)
    assert r.reconciliation["transfers.csv"].read == 36
    assert [p.code for p in r.problems if p.file.startswith("transfers")] == ["not_a_number"]


# --- one reading path: the loader reads through validate, in every format --------------------------

def test_excel_cells_are_read_as_strictly_as_csv(tmp_path):
    """A thousands separator typed as text into Excel and a fraction stored as a number are named
    by validate and refused by the loader, with the sheet row; a whole number Excel stores as a
    float is the count it shows."""
    from sozialanalyse.io.validate import ValidationError

    folder = _base(tmp_path)
    df = pd.read_csv(folder / "transfers.csv", dtype=KEYS)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(df.columns))
    for i, row in enumerate(df.itertuples(index=False)):
        value = {0: "1.234", 1: 2.5, 2: 5.0}.get(i, row.value)
        ws.append([row.area_id, row.year, row.variable, value])
    wb.save(folder / "transfers.xlsx")
    (folder / "transfers.csv").unlink()
    want = [
        ("transfers.xlsx, row 2, column value, area 03499001-01: value of sgb2_personen: German thousands "
         "separator? a count holds digits only (1234, not 1.234); the cell is not reinterpreted (value '1.234') "
         "[ambiguous_number]"),
        ("transfers.xlsx, row 3, column value, area 03499001-01: value of sgb2_personen_unter15 is not a whole "
         "number (a count) (value '2.5') [not_integer]")]
    r = validate(folder)
    assert [str(p) for p in r.problems] == want
    assert r.tables["transfers.csv"]["value"].iloc[0] == 5  # row 4: 5.0 in the sheet
    with pytest.raises(ValidationError) as e:
        load_district(folder)
    assert all(w in str(e.value) for w in want)


def test_the_data_page_reuses_the_loaders_validation(tmp_path, monkeypatch):
    """load_district keeps its ValidationResult; the data page adds only the boundaries' checks
    instead of reading every table again."""
    import sozialanalyse.io.validate as v
    from sozialanalyse.pages import daten_methoden

    folder = _base(tmp_path)
    d = load_district(folder)
    assert d.validation is not None and d.validation.ok
    assert "gebiete.gpkg" not in d.validation.reconciliation  # the loader skips the boundaries

    def no_second_read(*args, **kwargs):
        raise AssertionError("validated again")
    monkeypatch.setattr(v, "validate", no_second_read)
    html = daten_methoden.validation(d).data
    assert "gebiete.gpkg" in html and "Die Datenprüfung hat keine Probleme gefunden." in html


def test_the_committed_workbook_template_is_what_write_workbook_makes_of_the_csv_files(tmp_path):
    """``data/vorlage/vorlage.xlsx`` is written by :func:`write_workbook` from the CSV files beside
    it: a change to one of them without the other shows here (same sheets, cells and text formats)."""
    from sozialanalyse.io.own import write_workbook

    fresh = openpyxl.load_workbook(write_workbook(VORLAGE, tmp_path / "vorlage.xlsx"))
    committed = openpyxl.load_workbook(VORLAGE / "vorlage.xlsx")
    assert fresh.sheetnames == committed.sheetnames
    for name in fresh.sheetnames:
        a, b = fresh[name], committed[name]
        assert [[c.value for c in row] for row in a.iter_rows()] == [[c.value for c in row] for row in b.iter_rows()], name
        assert [c.number_format for c in a[2]] == [c.number_format for c in b[2]], name


def test_a_csv_file_is_read_exactly_when_pyarrows_reader_fails_inside(tmp_path, monkeypatch):
    """pyarrow's threaded CSV reader once failed inside ("Unknown error: a chunk failed converting
    for an unknown reason", an ArrowException that is neither ArrowInvalid nor ValueError) while a
    CI run's test loaded Musterland: the load stopped. The line-by-line path reads the file instead."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = tmp_path / "x.csv"
    path.write_text("area_id,year,value\nA,2024,7\nB,2024,\n", encoding="utf-8")
    fast = read_table(path)

    def broken(*args, **kwargs):
        raise pa.ArrowException("Unknown error: a chunk failed converting for an unknown reason")

    monkeypatch.setattr(pacsv, "read_csv", broken)
    slow = read_table(path)
    pd.testing.assert_frame_equal(slow.df, fast.df)
    assert list(slow.df["value"].isna()) == [False, True] and list(slow.lines) == list(fast.lines) == [2, 3]
