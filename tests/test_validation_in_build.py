"""Validation in the build: strict stops with every problem listed, lenient builds from the rows
that pass and shows the problems on the data page."""
import shutil
from pathlib import Path

import pytest

from sozialanalyse import methods, report
from sozialanalyse.io.own import load_district
from sozialanalyse.report import BuildError

ROOT = Path(__file__).resolve().parents[1]
BROKEN = ROOT / "tests" / "fixtures" / "broken"


def _project(tmp_path: Path, mode: str) -> Path:
    root = tmp_path / "projekt"
    root.mkdir()
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    data = root / "data" / "kaputt"
    shutil.copytree(BROKEN / "base", data)
    for problem in ("negative", "mixed_total"):  # two problems in two files
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
    cfg, jobs = report.plan(root / "config" / "kaputt.yml", root)
    assert jobs  # the plan goes ahead
    district = load_district(root / "config" / "kaputt.yml")
    assert (district.counts["value"] >= 0).all()  # the negative row is not used
    page = methods.validation(district).data
    assert "Gefundene Probleme (2)" in page and "abgelehnt" in page


def test_bad_mode_is_named(tmp_path):
    root = _project(tmp_path, "locker")
    with pytest.raises(Exception, match="validation: 'locker'"):
        load_district(root / "config" / "kaputt.yml")


def test_musterland_passes_validation():
    page = methods.validation(load_district("musterland")).data
    assert "keine Probleme" in page
