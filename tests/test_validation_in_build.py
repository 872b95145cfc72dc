"""Validation in the build: strict stops with every problem listed, lenient builds from the rows
that pass and shows the problems on the data page."""
import shutil
from pathlib import Path

import pytest

from sozialanalyse.build import report
from sozialanalyse.build.report import BuildError
from sozialanalyse.io.own import DataError, load_district
from sozialanalyse.pages import daten_methoden

ROOT = Path(__file__).resolve().parents[1]
BROKEN = ROOT / "tests" / "fixtures" / "broken"


def _project(tmp_path: Path, mode: str, problems=("negative", "mixed_total")) -> Path:
    root = tmp_path / "projekt"
    root.mkdir()
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    data = root / "data" / "kaputt"
    shutil.copytree(BROKEN / "base", data)
    for problem in problems:  # by default two problems in two files
        for f in (BROKEN / problem).glob("*.csv"):
            shutil.copy(f, data / f.name)
    (root / "config").mkdir()
    (root / "config" / "kaputt.yml").write_text(
        f"data: ../data/kaputt\nreport_year: 2023\nvalidation: {mode}\nchapters: [kreisuebersicht]\n",
        encoding="utf-8")
    return root


def test_strict_lists_every_problem(tmp_path):
    root = _project(tmp_path, "strict")
    with pytest.raises(BuildError) as err:
        report.plan(root / "config" / "kaputt.yml", root)
    message = str(err.value)
    assert "did not pass validation" in message
    assert "[negative]" in message and "[mixed_total]" in message  # both, not only the first
    assert "rows read" in message  # the reconciliation


def test_lenient_builds_from_the_rows_that_pass(tmp_path):
    root = _project(tmp_path, "lenient")
    _cfg, jobs = report.plan(root / "config" / "kaputt.yml", root)
    assert jobs  # the plan goes ahead
    district = load_district(root / "config" / "kaputt.yml")
    assert (district.counts["value"] >= 0).all()  # the negative row is not used
    page = daten_methoden.validation(district).data
    assert "Gefundene Probleme (2)" in page and "abgelehnt" in page


def test_bad_mode_is_named(tmp_path):
    root = _project(tmp_path, "locker")
    with pytest.raises(Exception, match="validation: 'locker'"):
        load_district(root / "config" / "kaputt.yml")


def test_musterland_passes_validation():
    page = daten_methoden.validation(load_district("musterland")).data
    assert "keine Probleme" in page


def test_strict_build_names_a_row_pandas_could_not_read(tmp_path):
    root = _project(tmp_path, "strict", problems=())
    with open(root / "data" / "kaputt" / "transfers.csv", "a", encoding="utf-8") as fh:
        fh.write("03499001-01,2024,sgb2_personen,40,EXTRA\n")  # line 38
    with pytest.raises(BuildError) as err:
        report.plan(root / "config" / "kaputt.yml", root)
    assert ("transfers.csv, row 38, area 03499001-01: 5 fields, the header has 4 "
            "(value '03499001-01,2024,sgb2_personen,40,EXTRA') [field_count]") in str(err.value)
    with pytest.raises(DataError, match="transfers.csv, row 38, area 03499001-01: 5 fields, the header has 4"):
        load_district(root / "data" / "kaputt")  # the loader names it too


def test_lenient_build_with_a_rejected_area_leaves_out_its_boundary(tmp_path):
    root = _project(tmp_path, "lenient", problems=())
    areas = root / "data" / "kaputt" / "areas.csv"
    areas.write_text(areas.read_text(encoding="utf-8").replace("03499001-02,Süd,Sozialraum",
                                                               "03499001-02,Süd,Ortsteil"), encoding="utf-8")
    _cfg, jobs = report.plan(root / "config" / "kaputt.yml", root)
    assert [j.output for j in jobs] == ["kreisuebersicht", "gemeinden/03499001", "gemeinden/03499002"]
    district = load_district(root / "config" / "kaputt.yml")
    assert sorted(district.geometry["area_id"]) == ["03499", "03499001", "03499001-01", "03499002"]
    assert "03499001-02" not in set(district.counts["area_id"])


def test_lenient_build_uses_the_facilities_that_pass(tmp_path):
    root = _project(tmp_path, "lenient", problems=())
    (root / "data" / "kaputt" / "facilities.csv").write_text(
        "facility_id,name,type,area_id,x,y,capacity\n"
        "K-1,Kita Nord,Kita,03499001-01,500.0,700.0,40\n"
        "K-2,Kita Süd,Kita,03499001-09,500.0,200.0,\n"
        "STH-1,Stadtteilhaus Nord,Stadtteilhaus,03499001-01,abc,700.0,\n", encoding="utf-8")
    report.plan(root / "config" / "kaputt.yml", root)
    district = load_district(root / "config" / "kaputt.yml")
    assert district.facilities["facility_id"].tolist() == ["K-1"]
    assert district.facilities_gdf().geometry.iloc[0].coords[0] == (500.0, 700.0)
    with pytest.raises(DataError, match=r"facilities.csv, row 3, column area_id, area 03499001-09: "
                                        r"unknown area key \(not in areas.csv\)"):
        load_district(root / "data" / "kaputt")  # strict: any problem stops the loader, all are listed


def test_lenient_build_without_a_usable_area_tree_names_the_problem(tmp_path):
    root = _project(tmp_path, "lenient", problems=())
    data = root / "data" / "kaputt"
    shutil.copy(data / "areas.csv", data / "areas.parquet")  # not a Parquet file, and areas given twice
    with pytest.raises(BuildError, match="areas.csv and areas.parquet both exist"):
        report.plan(root / "config" / "kaputt.yml", root)
