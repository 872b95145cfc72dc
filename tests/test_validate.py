"""Validation of a district folder: one broken fixture per problem, all problems at once."""
import shutil
from pathlib import Path

import pytest
import yaml

from sozialanalyse import cli
from sozialanalyse.validate import ValidationError, validate

ROOT = Path(__file__).resolve().parents[1]
BROKEN = ROOT / "tests" / "fixtures" / "broken"
CASES = sorted(d.name for d in BROKEN.iterdir() if d.is_dir() and d.name != "base")


def district(tmp_path: Path, *cases: str) -> Path:
    """base/ with the files of the named fixture folders laid over it."""
    target = tmp_path / "district"
    shutil.copytree(BROKEN / "base", target)
    for case in cases:
        for f in (BROKEN / case).iterdir():
            if f.name != "expected.yml":
                shutil.copy(f, target / f.name)
    return target


def test_base_fixture_and_musterland_are_valid():
    for folder in (BROKEN / "base", ROOT / "data" / "musterland"):
        r = validate(folder)
        assert r.ok, r.report()
        for rc in r.reconciliation.values():
            assert rc.read == rc.kept and not rc.rejected


def test_every_problem_has_a_fixture():
    assert set(CASES) >= {"malformed_key", "unknown_key", "prefix_mismatch", "duplicate", "negative",
                          "numerator_gt_denominator", "not_a_number", "year_gap", "not_nested", "mixed_total",
                          "unknown_category", "missing_column"}


@pytest.mark.parametrize("case", CASES)
def test_broken_fixture(tmp_path, case):
    expected = yaml.safe_load((BROKEN / case / "expected.yml").read_text(encoding="utf-8"))
    r = validate(district(tmp_path, case))
    assert [str(p) for p in r.problems] == expected["problems"]
    # a row under a wrong key leaves its area without the row: that is the gap it names
    assert all(p.code in (case, "incomplete") for p in r.problems)
    lines = {k: rc.line() for k, rc in r.reconciliation.items() if rc.read != rc.kept or rc.flagged}
    assert lines == expected["reconciliation"]
    # nothing is lost: every file reconciles and the kept rows are in the cleaned tables
    for name, rc in r.reconciliation.items():
        assert rc.read == rc.kept + sum(rc.rejected.values())
        if name in r.tables:
            assert len(r.tables[name]) == rc.kept


def test_all_problems_at_once_and_strict_mode(tmp_path):
    cases = ["duplicate", "not_a_number", "numerator_gt_denominator", "year_gap", "mixed_total",
             "unknown_category", "missing_column", "prefix_mismatch", "not_nested"]  # distinct files
    folder = district(tmp_path, *cases)
    r = validate(folder)
    want = [p for c in cases for p in yaml.safe_load((BROKEN / c / "expected.yml").read_text("utf-8"))["problems"]]
    assert sorted(str(p) for p in r.problems) == sorted(want)
    with pytest.raises(ValidationError) as e:
        validate(folder, strict=True)
    assert len(e.value.result.problems) == len(want)
    for line in want:
        assert line in str(e.value)
    # lenient: cleaned tables hold the kept rows; the long table has the loader's columns
    assert list(r.counts.columns) == ["area_id", "year", "variable", "age_group", "sex", "nationality", "type",
                                      "value"]
    assert (r.counts["value"] >= 0).all()


def test_cli_validate(tmp_path, capsys):
    folder = district(tmp_path, "negative")
    assert cli.main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "negative count of wohngeld_haushalte" in out
    assert "transfers.csv: rows read 36 = kept 35 + rejected 1 (negative 1)" in out
    assert cli.main(["validate", str(folder), "--strict"]) == 1
    assert cli.main(["validate", str(BROKEN / "base"), "--strict"]) == 0


# --- files that pandas could not read, true line numbers, one message per rejected area ---------

def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_a_row_with_a_field_too_many_is_one_problem_among_the_others(tmp_path):
    folder = district(tmp_path, "not_a_number")
    with open(folder / "transfers.csv", "a", encoding="utf-8") as fh:  # header + 36 rows: this is line 38
        fh.write("03499001-01,2024,sgb2_personen,40,EXTRA\n")
    r = validate(folder)
    assert sorted(str(p) for p in r.problems) == [
        "labour.csv, row 2, column value, area 03499001-01: value is not a number (value 'zwölf') [not_a_number]",
        ("transfers.csv, row 38, area 03499001-01: 5 fields, the header has 4 "
        "(value '03499001-01,2024,sgb2_personen,40,EXTRA') [field_count]"),
    ]
    assert r.reconciliation["transfers.csv"].line() == (
        "transfers.csv: rows read 37 = kept 36 + rejected 1 (field_count 1)")
    assert len(r.tables["transfers.csv"]) == 36


def test_cli_lists_a_bad_row_instead_of_a_traceback(tmp_path, capsys):
    folder = district(tmp_path)
    with open(folder / "transfers.csv", "a", encoding="utf-8") as fh:
        fh.write("03499001-01,2024,sgb2_personen,40,EXTRA\n")
    assert cli.main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "transfers.csv, row 38, area 03499001-01: 5 fields, the header has 4" in out
    assert "transfers.csv: rows read 37 = kept 36 + rejected 1 (field_count 1)" in out
    assert cli.main(["validate", str(folder), "--strict"]) == 1


def test_latin1_areas_names_row_and_byte_and_keeps_the_other_rows(tmp_path):
    folder = district(tmp_path)
    areas = folder / "areas.csv"
    areas.write_bytes(areas.read_text(encoding="utf-8").encode("latin-1"))  # what Excel's plain "CSV" writes
    r = validate(folder)
    assert str(r.problems[0]) == (
        "areas.csv, row 5, column name, area 03499001-02: not UTF-8: byte 0xfc (in Windows-1252 / Latin-1: 'ü'); "
        "save the file as UTF-8 (in Excel: 'CSV UTF-8') or as .xlsx (value 'S\ufffdd') [not_utf8]")
    assert r.reconciliation["areas.csv"].line() == "areas.csv: rows read 5 = kept 4 + rejected 1 (not_utf8 1)"
    assert sorted(r.areas["area_id"]) == ["03499", "03499001", "03499001-01", "03499002"]
    # the count rows of that area are rejected as such, not as "unknown key"
    assert r.reconciliation["transfers.csv"].line() == (
        "transfers.csv: rows read 36 = kept 24 + rejected 12 (area_rejected 12)")


def test_utf8_with_byte_order_mark_is_read_silently(tmp_path):
    folder = district(tmp_path)
    for name in ("areas.csv", "transfers.csv"):
        p = folder / name
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())  # Excel's "CSV UTF-8"
    r = validate(folder)
    assert r.ok, r.report()
    assert r.reconciliation["areas.csv"].line() == "areas.csv: rows read 5 = kept 5 + rejected 0"
    assert "Süd" in set(r.areas["name"])


def test_rows_are_lines_of_the_file_with_blank_lines(tmp_path):
    folder = district(tmp_path)
    path = folder / "labour.csv"
    lines = _lines(path)  # header + 27 rows
    lines[5:5] = ["", "", ""]  # three blank lines after line 5
    lines.append("03499001-01,2024,arbeitslose,sgb2,zwölf")  # line 32
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = validate(folder)
    [problem] = r.problems
    assert problem.row == 32
    assert "zwölf" in _lines(path)[problem.row - 1]  # the line the problem names holds the bad value
    # rows read = the data rows of the file (lines after the header that are not blank)
    assert r.reconciliation["labour.csv"].read == 28 == sum(1 for x in _lines(path)[1:] if x.strip())
    assert r.reconciliation["labour.csv"].line() == "labour.csv: rows read 28 = kept 27 + rejected 1 (not_a_number 1)"


def test_rows_are_lines_of_the_file_with_a_line_break_in_a_quoted_field(tmp_path):
    folder = district(tmp_path)
    (folder / "areas.csv").write_text(
        "area_id,name,kind,parent_id\n"
        "03499,Landkreis Probe,Landkreis,\n"
        "03499001,Probestadt,Stadt,03499\n"
        '03499001-01,"Nord\n(Altstadt)",Sozialraum,03499001\n'
        "03499001-02,Süd,Ortsteil,03499001\n"
        "03499002,Probedorf,Einheitsgemeinde,03499\n", encoding="utf-8")
    r = validate(folder, geometry=False)
    [kind] = [p for p in r.problems if p.file == "areas.csv"]
    assert (kind.row, kind.area_id, kind.code) == (6, "03499001-02", "unknown_kind")
    assert _lines(folder / "areas.csv")[kind.row - 1].startswith("03499001-02,")
    assert r.reconciliation["areas.csv"].read == 5
    assert "Nord\n(Altstadt)" in set(r.areas["name"])


def test_a_rejected_area_gives_one_message_per_file(tmp_path):
    folder = district(tmp_path)
    areas = folder / "areas.csv"
    areas.write_text(areas.read_text(encoding="utf-8").replace("03499001-02,Süd,Sozialraum",
                                                               "03499001-02,Süd,Ortsteil"), encoding="utf-8")
    r = validate(folder)
    assert str(r.problems[0]).startswith("areas.csv, row 5, column kind, area 03499001-02: unknown kind")
    transfers = [str(p) for p in r.problems if p.file == "transfers.csv"]
    assert transfers == [
        ("transfers.csv, row 14, column area_id, area 03499001-02: the row of this area in areas.csv "
        "(row 5: unknown_kind) was rejected; 12 rows with this key, first in row 14, last in row 25 "
        "(value '03499001-02') [area_rejected]")]
    assert r.reconciliation["transfers.csv"].line() == (
        "transfers.csv: rows read 36 = kept 24 + rejected 12 (area_rejected 12)")
    assert r.reconciliation["population.csv"].line() == (
        "population.csv: rows read 72 = kept 48 + rejected 24 (area_rejected 24)")
    # one message for the area in areas.csv, one in each of the 10 count tables, one in gebiete.gpkg
    assert len(r.problems) == 12
    assert {p.code for p in r.problems[1:]} == {"area_rejected"}


_FACILITIES = ("facility_id,name,type,area_id,x,y,capacity\n"
               "K-1,Kita Nord,Kita,03499001-01,500.0,700.0,40\n"
               "K-2,Kita Süd,Kita,03499001-09,500.0,200.0,\n"
               "STH-1,Stadtteilhaus Nord,Stadtteilhaus,03499001-01,abc,700.0,\n")


def test_facilities_are_validated(tmp_path, capsys):
    folder = district(tmp_path)
    (folder / "facilities.csv").write_text(_FACILITIES, encoding="utf-8")
    r = validate(folder)
    assert [str(p) for p in r.problems] == [
        ("facilities.csv, row 3, column area_id, area 03499001-09: unknown area key (not in areas.csv) "
        "(value '03499001-09') [unknown_key]"),
        ("facilities.csv, row 4, column x, area 03499001-01: x is not a number (coordinates in EPSG:25832) "
        "(value 'abc') [not_a_number]"),
    ]
    assert r.reconciliation["facilities.csv"].line() == (
        "facilities.csv: rows read 3 = kept 1 + rejected 2 (not_a_number 1, unknown_key 1)")
    assert r.facilities["facility_id"].tolist() == ["K-1"]
    assert r.facilities[["x", "y", "capacity"]].iloc[0].tolist() == [500.0, 700.0, 40.0]
    with pytest.raises(ValidationError):
        validate(folder, strict=True)
    assert cli.main(["validate", str(folder), "--strict"]) == 1


def test_every_problem_code_has_german_wording_for_the_report():
    """The data page shows problems in German: every code the data check can emit has a label."""
    import re
    from pathlib import Path

    from sozialanalyse.methods import PROBLEM_DE

    import sozialanalyse.validate as v

    codes = set(re.findall(r"^``([a-z_]+)``\s", v.__doc__, re.M))  # the documented codes
    src = "".join((Path(__file__).parents[1] / "sozialanalyse" / f).read_text(encoding="utf-8")
                  for f in ("validate.py", "io/own.py"))
    codes |= set(re.findall(r'flag(?:_keys)?\(\s*.*?,\s*"([a-z0-9_]+)"', src, re.S))  # and those in the code
    codes |= set(re.findall(r'BadRow\([^)]*?"([a-z0-9_]+)"', src, re.S))
    assert {"not_utf8", "field_count", "unknown_key", "numerator_gt_denominator", "unreadable"} <= codes
    assert sorted(codes - set(PROBLEM_DE)) == []


def test_cli_validate_takes_a_report_config(capsys, mirror):
    """`sozialanalyse validate` also takes a config: its data folder, or the official files."""
    from sozialanalyse import cli

    assert cli.main(["validate", "musterland", "--strict"]) == 0
    assert "population.csv: rows read" in capsys.readouterr().out
    assert cli.main(["validate", "config/harburg.yml", "--strict"]) == 0
    out = capsys.readouterr().out
    assert "inkar-1998-2019/A_Arbeitslosigkeit.xlsx: rows read 101,596 = used 264" in out  # 12 GVB x 22 years
    assert "Landkreis Harburg: 12 Gemeindeverbände, 0 key(s) without a partner" in out
    assert cli.main(["validate", "keine_konfiguration"]) == 2
    assert "neither a district folder nor a report config" in capsys.readouterr().err
