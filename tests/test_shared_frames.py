"""Compute once, render many (issue #19): the supply gaps, the published life expectancy and the
Gemeindeprofil's tables over all municipalities (benchmarks, spine chart, population, pyramid
cells: ``gemeindeprofil.shared_frames``) are computed once per build and saved beside the protected layer's file (``Layer.shared``,
``save_shared``); a kernel reads them through the same library calls a planner makes and gets
the frame a fresh computation gives (values, dtypes, ``attrs``); a file written for other data
is never read, and a notebook re-executed without the files computes them itself."""
from __future__ import annotations

import importlib
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

# end-to-end: builds of Musterland's layer and frames, kernels that read them; `make test-slow`, CI runs them
pytestmark = pytest.mark.slow

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


def test_a_frame_with_a_malformed_header_is_not_read(tmp_path):
    """A header of the right format and fingerprint but without its columns, dtypes or attrs (cut
    off, or written by hand) is no frame of this version: None, so the kernel computes the frame."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"a": [1, 2]})
    full = {"format": ps.FORMAT, "fingerprint": "f", "columns": ["a"], "dtypes": ["int64"], "attrs": {}}
    for drop in (None, "columns", "dtypes", "attrs", "attrs as a list"):
        head = {k: v for k, v in full.items() if k != drop}
        if drop == "attrs as a list":
            head["attrs"] = ["not", "a", "dict"]
        path = tmp_path / f"{drop}.parquet"
        pq.write_table(table.replace_schema_metadata({ps._FRAME_META: json.dumps(head)}), path)
        back = ps.read_frame(path, "f")
        if drop is None:  # the same file with a whole header is read (so the test can fail)
            assert back["a"].tolist() == [1, 2]
        else:
            assert back is None, drop


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
    files = {key: pl.shared_path(path, key) for key in (GAPS, LE, NETWORK, *_profile_keys(district).values())}
    assert all(f.is_file() for f in files.values()) and len(files) == 8
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


# --- the Gemeindeprofil's tables over all municipalities (gemeindeprofil.shared_frames) -----------

from sozialanalyse.pages import gemeindeprofil as gp  # noqa: E402

KREIS = "03499"


def _profile_keys(district) -> dict:
    ids = gp.key_figure_ids(district)
    return {"key figures": f"benchmarks_{YEAR}_{gp._ids_key(ids)}",
            "kgst": f"benchmarks_{YEAR}_{gp._ids_key(gp.kgst_ids(district, YEAR))}",
            "spine": f"spine_{YEAR}", "population": f"population_{YEAR}", "pyramid": f"pyramid_{YEAR}"}


def test_the_build_saves_the_profile_tables_beside_the_layer(saved, fresh):
    keys = _profile_keys(fresh)
    assert len(set(keys.values())) == 5 and gp.kgst_ids(fresh, YEAR)  # Musterland has the KGSt tables
    for key in keys.values():
        assert pl.shared_path(saved, key).is_file(), key


def test_profile_tables_read_from_the_build_equal_a_fresh_computation(kernel, fresh):
    keys = _profile_keys(fresh)
    for ids in (None, gp.kgst_ids(fresh, YEAR)):
        got, want = gp.benchmarks(kernel, YEAR, ids), gp.benchmarks(fresh, YEAR, ids)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        for town in TOWNS:  # the two towns' rows as each profile takes them
            pd.testing.assert_frame_equal(got[got["area_id"] == town], want[want["area_id"] == town],
                                          check_exact=True)
    got, want = gp._spine_data(kernel, YEAR), gp._spine_data(fresh, YEAR)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.attrs == want.attrs and got.attrs["smr_years"] == [2020, 2021, 2022, 2023, 2024]
    for area in [*TOWNS, KREIS, "03499016-01"]:  # the towns, the Kreis and a Sozialraum (computed alone)
        got, want = gp.published_population(kernel, area, YEAR), gp.published_population(fresh, area, YEAR)
        pd.testing.assert_series_equal(pd.Series(got), pd.Series(want), check_exact=True)
        assert got["einwohner"] > 0
    for area in [*TOWNS, KREIS]:
        got, want = gp.pyramid_data(kernel, area, YEAR), gp.pyramid_data(fresh, area, YEAR)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert len(got) == 2 * 19  # sexes x five-year bands
    for key in keys.values():
        assert _origin(kernel, key) == "file" and _origin(fresh, key) == "computed", key
    # the pages the kernel draws from them: the same text
    for town in TOWNS:
        assert gp.key_figures(kernel, town, YEAR).data == gp.key_figures(fresh, town, YEAR).data
        assert gp.intro(kernel, town, YEAR).data == gp.intro(fresh, town, YEAR).data


def test_population_and_a_marker_of_the_shared_tables_by_hand(kernel):
    pop = pd.read_csv(MUSTERLAND / "population.csv", dtype={"area_id": str})
    pop = pop[pop["variable"] == "einwohner"]
    for town, now, then in (("03499007", 9270, 8845), ("03499016", 39749, 36535)):
        mine = pop[pop["area_id"].str.startswith(town)]
        # the sums of population.csv (no cell of these totals is suppressed)
        assert mine.loc[mine["year"] == YEAR, "value"].sum() == now
        assert mine.loc[mine["year"] == 2015, "value"].sum() == then
        s = gp.published_population(kernel, town, YEAR)
        assert (s["einwohner"], s["einwohner_first"], s["status"]) == (now, then, "")
        assert s["change_pct"] == pytest.approx(100 * (now / then - 1), rel=1e-12)
    # a pyramid cell: the women of 40-44 in Brakenhagen, 219 German and 31 other (population.csv)
    pyr = gp.pyramid_data(kernel, "03499007", YEAR).set_index(["age_group", "sex"])
    assert pyr.loc[("40-44", "w"), "value"] == 219 + 31 and pyr.loc[("40-44", "w"), "status"] == ""
    # Fingertips' rule by hand on every row of the key figures: the Kreis value above the
    # municipality's 95 % interval is "lower" for the municipality, below it "higher" (then better
    # or worse by the polarity), inside it "similar"
    b = gp.benchmarks(kernel, YEAR)
    rows = b[(b["status"] == "") & (b["kreis_status"] == "") & b["lower"].notna() & b["value"].notna()]
    assert len(rows) > 100
    for _, r in rows.iterrows():
        higher = r["lower"] > r["kreis_value"]
        lower = r["upper"] < r["kreis_value"]
        want = {"higher_is_worse": ("worse", "better"), "higher_is_better": ("better", "worse"),
                "neutral": ("higher", "lower")}[r["polarity"]]
        assert r["code"] == (want[0] if higher else want[1] if lower else "similar"), (r["area_id"], r["indicator"])
    # the rank by hand: 1 + the municipalities with a more favourable value (one decimal, as shown)
    i = "sgb2_quote"  # higher is worse
    sub = b[(b["indicator"] == i) & (b["status"] == "") & b["value"].notna()]
    for _, r in sub.iterrows():
        assert r["rank"] == 1 + int((sub["value"].round(1) < round(r["value"], 1)).sum())
    assert (sub["ranked"] == len(sub)).all()


def test_a_profile_table_of_other_ids_or_data_is_never_read(saved, tmp_path, monkeypatch, fresh):
    folder = tmp_path / "copy"
    shutil.copytree(saved.parent, folder)
    path = folder / saved.name
    key = _profile_keys(fresh)["key figures"]
    good = ps.read_frame(pl.shared_path(path, key), pl.fingerprint(fresh))
    marked = good.copy()
    marked["rank"] = 99.0  # no municipality of eleven has rank 99: shows which frame was read
    monkeypatch.setenv(pl.ENV_VAR, str(path))
    # under another fingerprint (other data, config or library): computed afresh
    ps.write_frame(marked, pl.shared_path(path, key), "0" * 64)
    stale = load_district(MUSTERLAND)
    assert not (gp.benchmarks(stale, YEAR)["rank"] == 99.0).any() and _origin(stale, key) == "computed"
    assert "99 von" not in gp.key_figures(stale, TOWNS[0], YEAR).data
    # under the district's fingerprint the profile reads it (so the checks above can fail) ...
    ps.write_frame(marked, pl.shared_path(path, key), pl.fingerprint(fresh))
    trusted = load_district(MUSTERLAND)
    assert "99 von" in gp.key_figures(trusted, TOWNS[0], YEAR).data and _origin(trusted, key) == "file"
    # ... but not for other indicators: their key names the ids (and the year)
    other = gp.key_figure_ids(fresh)[:3]
    assert not (gp.benchmarks(trusted, YEAR, other)["rank"] == 99.0).any()
    assert set(gp.benchmarks(trusted, YEAR, other)["indicator"]) == set(other)


def test_a_profile_after_changed_data_never_shows_the_stale_table(saved, tmp_path, monkeypatch):
    # the build saved layer and tables for the data as they were; then a town's population.csv
    # changes: a kernel given the old files must show the new count (the stale table had the old)
    data = tmp_path / "musterland"
    shutil.copytree(MUSTERLAND, data)
    pop = pd.read_csv(data / "population.csv", dtype={"area_id": str, "age_group": str})
    row = (pop["area_id"] == "03499007") & (pop["year"] == YEAR) & (pop["variable"] == "einwohner") \
        & (pop["age_group"] == "40-44") & (pop["sex"] == "w") & (pop["nationality"] == "deutsch")
    assert row.sum() == 1
    pop.loc[row, "value"] += 1000
    pop.to_csv(data / "population.csv", index=False)
    monkeypatch.setenv(pl.ENV_VAR, str(saved))
    changed = load_district(data)
    s = gp.published_population(changed, "03499007", YEAR)
    assert s["einwohner"] == 9270 + 1000  # the hand sum of the changed file
    assert "**10.270**" in gp.intro(changed, "03499007", YEAR).data
    assert _origin(changed, f"population_{YEAR}") == "computed"


def test_a_frame_the_file_cannot_hold_is_left_to_the_kernels(fresh, tmp_path):
    """The build saves its shared frames after computing them, outside the guard of each call
    (``shared_work_once``): a frame Parquet or JSON cannot hold (attrs with a set, a column of
    numbers and text) is not written, and the others still are, instead of stopping the build."""
    layer = pl.of(fresh)
    good = layer.shared("good", lambda: pd.DataFrame({"a": [1.0, 2.0]}))
    odd = pd.DataFrame({"a": [1.0]})
    odd.attrs = {"ids": {"03499007"}}
    layer.shared("odd_attrs", lambda: odd)
    layer.shared("mixed", lambda: pd.DataFrame({"a": pd.Series([1, "x"], dtype=object)}))
    path = tmp_path / f"{pl.fingerprint(fresh)}.parquet"
    written = pl.save_shared(layer, path)
    assert written == [pl.shared_path(path, "good")]
    pd.testing.assert_frame_equal(ps.read_frame(written[0], pl.fingerprint(fresh)), good, check_exact=True)
    assert not pl.shared_path(path, "odd_attrs").exists() and not pl.shared_path(path, "mixed").exists()
    with pytest.raises(ValueError, match="attrs"):
        ps.write_frame(odd, tmp_path / "odd.parquet", "f")


# --- what a build's fork server reads once for its kernels (pl.warm) ------------------------------
def test_warm_reads_the_layer_snapshot_and_frames_a_kernel_reads_and_computes_nothing(saved, monkeypatch, fresh):
    def computed(*args, **kwargs):
        raise AssertionError("warm computed instead of reading the build's files")

    monkeypatch.setattr(pl, "_build", computed)
    monkeypatch.setattr(ps, "build", computed)
    monkeypatch.setenv(pl.ENV_VAR, str(saved))
    district = load_district(MUSTERLAND)
    got = pl.warm(district)
    on_disk = sorted(p.name.split(".shared.")[1].removesuffix(".parquet")
                     for p in saved.parent.glob(f"{saved.stem}.shared.*.parquet"))
    assert got == ["layer", "snapshot"] + [f"shared {k}" for k in on_disk]
    assert {GAPS, LE, NETWORK} <= set(on_disk)
    layer = pl.of(district)
    assert layer.loaded is not None and layer._snapshot is not None and layer._snapshot.origin == "file"
    assert all(layer._shared[k][1] == "file" for k in on_disk)
    assert pl.warm(district) == []  # kept with the district: read once
    # what the pages then get is what a fresh computation gives (and the Kita places by hand)
    monkeypatch.undo()
    pd.testing.assert_frame_equal(supply.gaps(district, year=YEAR), supply.gaps(fresh, year=YEAR), check_exact=True)
    pd.testing.assert_frame_equal(health.published_life_expectancy(district, YEAR),
                                  health.published_life_expectancy(fresh, YEAR), check_exact=True)
    ids = ["sgb2_quote", "anteil_65plus", "kinderarmut"]
    pd.testing.assert_frame_equal(pl.of(district).indicators(ids, level="sozialraum"),
                                  pl.of(fresh).indicators(ids, level="sozialraum"), check_exact=True)
    kita = supply.gaps(district, TOWNS, year=YEAR).set_index(["type", "area_id"]).loc["Kita"]
    assert kita.loc["03499007", "supply"] == 425.0 and kita.loc["03499016", "supply"] == 1910.0


def test_the_fork_server_computes_goals_and_monitoring_once_as_a_kernel_would(saved, monkeypatch, fresh):
    """forkserver._warm: after the saved files, the goals' progress and the published monitoring
    of the report year are computed once in the server and kept where the library keeps them, so
    a forked kernel's calls return them without computing; what it gets is what a fresh district
    computes (a reviewer's re-execution)."""
    from sozialanalyse.build import forkserver
    io_load = importlib.import_module("sozialanalyse.io.load")  # the module (the package's attribute is the function)
    from sozialanalyse.protected import monitoring as pm
    from sozialanalyse.stats import monitoring as sm
    from sozialanalyse.steering import goals as sg

    monkeypatch.setenv(pl.ENV_VAR, str(saved))
    monkeypatch.setattr(io_load, "_PRELOADED", {})
    source = str(MUSTERLAND)
    assert io_load.preload(source)
    got = forkserver._warm(source)
    assert got[:2] == ["layer", "snapshot"] and got[-3:] == ["boundaries", "goals", "monitoring"], got
    kept, files = io_load.preloaded(source)
    assert MUSTERLAND / sg.FILE in files and MUSTERLAND / "population.csv" in files
    district = io_load.load(source)  # the kernel's first load: the server's district
    assert district is kept and io_load.preloaded(source) is None  # taken by the load
    assert sg._PROGRESS_ATTRIBUTE in district.__dict__

    def computed(*args, **kwargs):
        raise AssertionError("the kernel computed what the server had computed")

    with monkeypatch.context() as m:  # the kernel's calls: nothing computed again
        m.setattr(sg, "evaluate", computed)
        m.setattr(sm, "mss", computed)
        kept = sg.progress(district, YEAR)
        mon = pm.published_monitoring(district, YEAR)
    want = sg.progress(fresh, YEAR)
    assert [(p.goal.id, p.value, p.assessment.status) for p in kept] == \
        [(p.goal.id, p.value, p.assessment.status) for p in want]
    for a, b in zip(kept, want):
        pd.testing.assert_frame_equal(a.history, b.history, check_exact=True)
        pd.testing.assert_frame_equal(a.forecast, b.forecast, check_exact=True)
    pd.testing.assert_frame_equal(mon.result.table, pm.published_monitoring(fresh, YEAR).result.table,
                                  check_exact=True)


def test_the_fork_server_leaves_goals_read_outside_the_data_folder_to_the_kernel(saved, monkeypatch, tmp_path):
    """A goals file the preload did not stamp (the config names one outside the data folder) may
    change after the server read it: the server leaves the goals to the kernel."""
    from sozialanalyse.build import forkserver
    io_load = importlib.import_module("sozialanalyse.io.load")  # the module (the package's attribute is the function)
    from sozialanalyse.steering import goals as sg

    outside = tmp_path / "ziele.yml"  # with its Kennzahl tables: a goal set that reads without problems
    outside.write_text((MUSTERLAND / sg.FILE).read_text(encoding="utf-8"), encoding="utf-8")
    for table in MUSTERLAND.glob("kennzahl_*.csv"):
        shutil.copy(table, tmp_path / table.name)
    monkeypatch.setenv(pl.ENV_VAR, str(saved))
    monkeypatch.setattr(io_load, "_PRELOADED", {})
    monkeypatch.setattr(sg, "goals_file", lambda district: outside)
    source = str(MUSTERLAND)
    assert io_load.preload(source)
    got = forkserver._warm(source)
    assert "goals" not in got and "monitoring" in got
    district = io_load.load(source)
    assert sg._ATTRIBUTE not in district.__dict__ and sg._PROGRESS_ATTRIBUTE not in district.__dict__
    assert not sg.of(district).problems and len(sg.of(district)) == 8  # read fine, by the kernel


def test_the_fork_server_leaves_goals_with_a_problem_to_the_kernel(saved, monkeypatch):
    """A goal left out for a problem (validation: lenient) may name a file the goal set does not
    list, which may be fixed after the server read it: the server leaves the goals to the kernel."""
    import dataclasses

    from sozialanalyse.build import forkserver
    from sozialanalyse.steering import goals as sg

    io_load = importlib.import_module("sozialanalyse.io.load")
    read = sg.read
    problem = "kennzahl_fehlt.csv: file missing (goal Z9, field kennzahl.file)"
    monkeypatch.setattr(sg, "read", lambda *a, **k: dataclasses.replace(read(*a, **k), problems=[problem]))
    monkeypatch.setenv(pl.ENV_VAR, str(saved))
    monkeypatch.setattr(io_load, "_PRELOADED", {})
    source = str(MUSTERLAND)
    assert io_load.preload(source)
    got = forkserver._warm(source)
    assert "layer" in got and "monitoring" in got and "goals" not in got, got
    district = io_load.load(source)
    assert sg._ATTRIBUTE not in district.__dict__ and sg._PROGRESS_ATTRIBUTE not in district.__dict__


def test_warm_keeps_nothing_where_no_saved_layer_is_the_districts(saved, tmp_path, monkeypatch):
    monkeypatch.setattr(pl, "_build", lambda *a, **k: pytest.fail("computed"))
    monkeypatch.delenv(pl.ENV_VAR, raising=False)
    district = load_district(MUSTERLAND)
    assert pl.warm(district) == [] and not pl.at_hand(district)  # a planner's session: nothing named
    monkeypatch.setenv(pl.ENV_VAR, str(tmp_path / "absent.parquet"))
    assert pl.warm(district) == [] and pl._ATTRIBUTE not in district.__dict__
    other = tmp_path / saved.name  # a file under the name that is no layer (pl.load refuses it)
    other.write_bytes(b"PAR1 not a parquet file")
    monkeypatch.setenv(pl.ENV_VAR, str(other))
    assert pl.warm(district) == [] and pl._ATTRIBUTE not in district.__dict__
