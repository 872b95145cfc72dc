"""Compute once, render many (issue #19): the supply gaps and the published life expectancy are
computed once per build and saved beside the protected layer's file (``Layer.shared``,
``save_shared``); a kernel reads them through the same library calls a planner makes and gets
the frame a fresh computation gives (values, dtypes, ``attrs``); a file written for other data
is never read, and a notebook re-executed without the files computes them itself."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sozialanalyse.build import report
from sozialanalyse.io.own import load_district
from sozialanalyse.planning import supply
from sozialanalyse.protected import health
from sozialanalyse.protected import layer as pl
from sozialanalyse.protected import snapshot as ps

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"
TOWNS = ["03499007", "03499016"]  # Brakenhagen (no Sozialräume) and Musterstadt (with Sozialräume)
YEAR = 2024
GAPS, LE = f"supply_gaps_{YEAR}", f"life_expectancy_{YEAR}_5"
NETWORK = "street_network"  # whether the data folder has strassen.csv (supply.has_street_network)


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    """What the build leaves in its cache: the layer, its snapshot and the shared frames."""
    district = load_district(MUSTERLAND)
    path = tmp_path_factory.mktemp("cache") / f"{pl.fingerprint(district)}.parquet"
    pl.save(pl.of(district), path)
    report.shared_work_once(district, path)
    return path


@pytest.fixture()
def fresh(monkeypatch):
    """A district of a reviewer's re-execution: no saved layer named, everything computed."""
    monkeypatch.delenv(pl.ENV_VAR, raising=False)
    district = load_district(MUSTERLAND)
    assert pl.of(district).loaded is None  # the layer is read (or not) on first use: now
    return district


@pytest.fixture()
def kernel(monkeypatch, saved):
    """A district as a notebook kernel of the build loads it (the layer file named)."""
    monkeypatch.setenv(pl.ENV_VAR, str(saved))
    district = load_district(MUSTERLAND)
    assert pl.of(district).loaded is not None
    return district


def _origin(district, key: str) -> str:
    return pl.of(district)._shared[key][1]


def test_the_build_saves_the_frames_beside_the_layer(saved):
    for key in (GAPS, LE, NETWORK):
        assert pl.shared_path(saved, key) == saved.with_name(f"{saved.stem}.shared.{key}.parquet")
        assert pl.shared_path(saved, key).is_file(), key


def test_gaps_read_from_the_build_equal_a_fresh_computation(kernel, fresh):
    for towns in (TOWNS[:1], TOWNS[1:], None):
        got = supply.gaps(kernel, towns, year=YEAR)
        want = supply.gaps(fresh, towns, year=YEAR)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert _origin(kernel, GAPS) == "file" and _origin(fresh, GAPS) == "computed"
    # by hand from facilities.csv: the Kita places of both towns (all their Kitas lie inside)
    fac = pd.read_csv(MUSTERLAND / "facilities.csv", dtype={"area_id": str})
    kita = supply.gaps(kernel, TOWNS, year=YEAR).set_index(["type", "area_id"]).loc["Kita"]
    for town in TOWNS:
        mine = fac[(fac["type"] == "Kita") & fac["area_id"].str.startswith(town)]
        assert kita.loc[town, "supply"] == mine["capacity"].sum() and kita.loc[town, "facilities"] == len(mine)
    assert kita.loc["03499007", "supply"] == 425.0 and kita.loc["03499016", "supply"] == 1910.0


def test_life_expectancy_read_from_the_build_equals_a_fresh_computation(kernel, fresh):
    got = health.published_life_expectancy(kernel, YEAR)
    want = health.published_life_expectancy(fresh, YEAR)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.attrs == want.attrs == {"years": [2020, 2021, 2022, 2023, 2024]}
    assert _origin(kernel, LE) == "file" and _origin(fresh, LE) == "computed"
    rows = got[got["area_id"].isin(TOWNS)]
    assert sorted(set(rows["area_id"])) == TOWNS and len(rows) == 2 * 2 * 2  # towns x sexes x ages


def test_a_shared_file_of_other_data_is_never_read(saved, tmp_path, monkeypatch, fresh):
    folder = tmp_path / "copy"
    shutil.copytree(saved.parent, folder)
    path = folder / saved.name
    target = pl.shared_path(path, GAPS)
    good = ps.read_frame(target, pl.fingerprint(fresh))
    assert good is not None
    marked = good.copy()
    marked.loc[0, "supply"] = 123456.0  # a value no computation gives: shows which frame was read
    # the marked frame under another fingerprint (other data, config or library): computed afresh
    ps.write_frame(marked, target, "0" * 64)
    monkeypatch.setenv(pl.ENV_VAR, str(path))
    stale = load_district(MUSTERLAND)
    pd.testing.assert_frame_equal(supply.gaps(stale, year=YEAR), supply.gaps(fresh, year=YEAR), check_exact=True)
    assert _origin(stale, GAPS) == "computed"
    # under the district's fingerprint the file is what the kernel reads (so the test above can fail)
    ps.write_frame(marked, target, pl.fingerprint(fresh))
    trusted = load_district(MUSTERLAND)
    assert supply.gaps(trusted, year=YEAR).loc[0, "supply"] == 123456.0 and _origin(trusted, GAPS) == "file"


def test_shared_keys_and_frames_are_checked(fresh, tmp_path):
    layer = pl.of(fresh)
    with pytest.raises(ValueError, match="shared key"):
        layer.shared("../escape", lambda: pd.DataFrame())
    with pytest.raises(ValueError, match="default index"):
        ps.write_frame(pd.DataFrame({"a": [1.0]}, index=[5]), tmp_path / "x.parquet", "f")
    assert ps.read_frame(tmp_path / "absent.parquet", "f") is None
    frame = pd.DataFrame({"a": pd.Series(["x", "y"], dtype=object), "b": [1, 2], "c": [True, False]})
    frame.attrs = {"years": [2023, 2024]}
    back = ps.read_frame(ps.write_frame(frame, tmp_path / "f.parquet", "f"), "f")
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert back["a"].dtype == object and back.attrs == frame.attrs


def test_the_build_writes_the_shared_frames_once(tmp_path, monkeypatch):
    monkeypatch.delenv(pl.ENV_VAR, raising=False)
    district = load_district(MUSTERLAND)
    planned = report.BuildPlan(config=district.config, district=district)
    # five older builds' layers (other data) in the cache, each with its snapshot and a shared frame
    cache = tmp_path / report.LAYER_CACHE
    cache.mkdir(parents=True)
    old = []
    for k in range(5):
        layer = cache / f"{k:064x}.parquet"
        for f in (layer, pl.snapshot_path(layer), pl.shared_path(layer, GAPS)):
            f.write_bytes(b"old")
            os.utime(f, (1_000_000 + k, 1_000_000 + k))
        old.append(layer)
    env, _ = report.protected_layer_once(planned, tmp_path, quiet=True)
    path = Path(env[pl.ENV_VAR])
    files = {key: pl.shared_path(path, key) for key in (GAPS, LE, NETWORK)}
    assert all(f.is_file() for f in files.values())
    # the four newest layers stay (this build's and the three newest old ones), each with its files;
    # the two oldest go with everything beside them
    left = sorted(f.name for f in cache.iterdir())
    want = [f.name for layer in old[2:] for f in (layer, pl.snapshot_path(layer), pl.shared_path(layer, GAPS))]
    want += [path.name, pl.snapshot_path(path).name, *(f.name for f in files.values())]
    assert left == sorted(want)
    before = {key: f.stat().st_mtime_ns for key, f in files.items()}
    again = load_district(MUSTERLAND)  # the next build: read, not written again
    report.protected_layer_once(report.BuildPlan(config=again.config, district=again), tmp_path, quiet=True)
    assert {key: f.stat().st_mtime_ns for key, f in files.items()} == before
    assert _origin(again, GAPS) == _origin(again, LE) == "file"
    assert supply.has_street_network(again) and _origin(again, NETWORK) == "file"


@pytest.mark.parametrize("streets", [True, False])
def test_the_street_network_is_known_from_the_build(streets, tmp_path, monkeypatch):
    """A kernel learns whether there is a street network from the build's shared frame, without
    reading ``strassen.csv`` (0,09 s): Musterland has one (reach along the streets), a copy
    without the file has none (straight line); a fresh district reads the folder and agrees."""
    folder = tmp_path / "data"
    shutil.copytree(MUSTERLAND, folder)
    if not streets:
        (folder / "strassen.csv").unlink()
    monkeypatch.delenv(pl.ENV_VAR, raising=False)
    built = load_district(folder)
    path = tmp_path / "cache" / f"{pl.fingerprint(built)}.parquet"
    pl.save(pl.of(built), path)
    report.shared_work_once(built, path)
    assert pl.shared_path(path, NETWORK).is_file()
    monkeypatch.setenv(pl.ENV_VAR, str(path))
    kernel = load_district(folder)
    assert supply.has_street_network(kernel) is streets
    assert supply.low_reach_column(kernel) == ("reach_street_1000" if streets else "reach_1000")
    assert _origin(kernel, NETWORK) == "file" and "_street_network" not in kernel.__dict__  # not read
    monkeypatch.delenv(pl.ENV_VAR)
    planner = load_district(folder)  # no layer at hand: the folder is read, no layer computed for it
    assert supply.has_street_network(planner) is streets and not pl.at_hand(planner)
