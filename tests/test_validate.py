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
    assert all(p.code == case for p in r.problems)
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
