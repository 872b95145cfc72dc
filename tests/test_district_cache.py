"""The validated tables of a data folder kept for the build's kernels (issue #19): a kernel whose
data files, mode, report year and library are those of the saved file reads it instead of
validating again; any changed data file gives another file; a broken file is validated again."""
from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sozialanalyse.io import own

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"


@pytest.fixture
def folder(tmp_path):
    dest = tmp_path / "musterland"
    shutil.copytree(MUSTERLAND, dest)
    return dest


def test_saved_once_then_read(folder, tmp_path, monkeypatch):
    plain = own.load_district(folder)  # no cache
    cache = tmp_path / "cache"
    monkeypatch.setenv(own.DISTRICT_CACHE, str(cache))
    first = own.load_district(folder)
    (saved,) = cache.glob("*.pickle")
    pd.testing.assert_frame_equal(first.counts, plain.counts)
    pd.testing.assert_frame_equal(first.areas, plain.areas)
    # what a kernel reads is that file: a marked copy of its tables comes back as written
    checked = pickle.loads(saved.read_bytes())
    pop = checked.tables["population.csv"]
    pop.loc[pop.index[0], "value"] = 123456789
    saved.write_bytes(pickle.dumps(checked))
    second = own.load_district(folder)
    assert second.counts["value"].max() == 123456789
    assert plain.counts["value"].max() < 123456789
    assert list(cache.glob("*.pickle")) == [saved]


def test_changed_data_are_validated_again(folder, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv(own.DISTRICT_CACHE, str(cache))
    own.load_district(folder)
    pop = folder / "population.csv"
    lines = pop.read_text(encoding="utf-8").split("\n")
    head, value = lines[1].rsplit(",", 1)
    lines[1] = f"{head},{int(value) + 7}"
    pop.write_text("\n".join(lines), encoding="utf-8")
    d = own.load_district(folder)
    assert len(list(cache.glob("*.pickle"))) == 2
    area, year, var, age, sex, nat = head.split(",")
    c = d.counts
    row = c[(c["area_id"] == area) & (c["year"] == int(year)) & (c["variable"] == var) & (c["age_group"] == age)
            & (c["sex"] == sex) & (c["nationality"] == nat)]
    assert row["value"].tolist() == [int(value) + 7]


def test_a_broken_file_is_validated_again(folder, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv(own.DISTRICT_CACHE, str(cache))
    own.load_district(folder)
    (saved,) = cache.glob("*.pickle")
    saved.write_bytes(b"cut off")
    d = own.load_district(folder)
    pd.testing.assert_frame_equal(d.counts, own.load_district(MUSTERLAND).counts)
    assert pickle.loads(saved.read_bytes()).counts is not None  # replaced by a whole file
