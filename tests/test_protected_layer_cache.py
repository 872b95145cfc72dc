"""The protected layer computed once per build (issue #14 point 1): the build saves it under its
fingerprint (data files, config, catalogs, library), every notebook kernel whose district has that
fingerprint reads it, and no other district ever does (a stale file is computed afresh); the
private manifest of suppressed cells and the count of suppressed cells per page stay beside the
published site."""
from __future__ import annotations

import dataclasses
import inspect
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sozialanalyse.build import report
from sozialanalyse.io.own import load_district
from sozialanalyse.model.config import read_config
from sozialanalyse.protected import layer as pl

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"
AREA, YEAR = "03499001", 2024  # a Gemeinde without Sozialräume
ROW = f"{AREA},{YEAR},einwohner,0-4,m,deutsch,"


def _csv_einwohner(folder: Path) -> float:
    """Einwohner of AREA in YEAR summed straight from the CSV file (the reference)."""
    pop = pd.read_csv(folder / "population.csv", dtype={"area_id": str})
    sel = (pop["area_id"] == AREA) & (pop["year"] == YEAR) & (pop["variable"] == "einwohner")
    return float(pop.loc[sel, "value"].sum())


@pytest.fixture(scope="module")
def original():
    return load_district(MUSTERLAND)


@pytest.fixture(scope="module")
def saved(original, tmp_path_factory) -> Path:
    return pl.save(pl.of(original), tmp_path_factory.mktemp("layer") / "layer.parquet")


@pytest.fixture(scope="module")
def same_data(tmp_path_factory):
    """Another district object of the same files (another folder): what a notebook kernel loads."""
    folder = tmp_path_factory.mktemp("same") / "musterland"
    shutil.copytree(MUSTERLAND, folder)
    return load_district(folder)


@pytest.fixture(scope="module")
def changed(tmp_path_factory):
    """A copy with the 0-4-year-old German boys of AREA in YEAR raised by 5."""
    folder = tmp_path_factory.mktemp("changed") / "musterland"
    shutil.copytree(MUSTERLAND, folder)
    path = folder / "population.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    (i,) = [k for k, ln in enumerate(lines) if ln.startswith(ROW)]
    lines[i] = ROW + str(int(lines[i][len(ROW):]) + 5)
    path.write_text("\n".join(lines), encoding="utf-8")
    return load_district(folder)


def test_a_saved_layer_reads_back_as_computed(original, saved, same_data):
    fresh = pl.of(original)
    back = pl.load(same_data, saved)
    assert back is not None and back.loaded is not None
    pd.testing.assert_frame_equal(back.cells, fresh.cells)
    assert back.relations == fresh.relations and back.check() == fresh.check() == []
    ids = ["sgb2_quote", "anteil_65plus", "kinderarmut"]
    pd.testing.assert_frame_equal(back.indicators(ids, level="sozialraum"), fresh.indicators(ids, level="sozialraum"))
    spec = {"variable": "pflegebeduerftige", "type": ["stationaer"]}
    pd.testing.assert_frame_equal(back.counts(spec, level="sozialraum"), fresh.counts(spec, level="sozialraum"))
    einw = back.counts({"variable": "einwohner"}, area_ids=[AREA], years=[YEAR])
    assert einw["value"].tolist() == [_csv_einwohner(MUSTERLAND)]
    with pytest.raises(KeyError, match="register it"):
        back.counts({"variable": "einwohner", "sex": ["w"], "age": [20, 24], "nationality": ["deutsch"]})


def test_of_reads_the_file_the_environment_names(saved, tmp_path, monkeypatch):
    folder = tmp_path / "musterland"
    shutil.copytree(MUSTERLAND, folder)
    monkeypatch.setenv(pl.ENV_VAR, str(saved))
    layer = pl.of(load_district(folder))
    assert layer.loaded is not None  # read, not computed
    assert layer.counts({"variable": "einwohner"}, area_ids=[AREA], years=[YEAR])["value"].tolist() == [
        _csv_einwohner(MUSTERLAND)]


def test_a_stale_file_is_never_used(original, saved, changed, monkeypatch):
    """The file of the original data is named, but the district's data differ: computed afresh,
    with the changed data's count (hand: the CSV sum, 5 more than in the original)."""
    assert pl.fingerprint(changed) != pl.saved_fingerprint(saved) == pl.fingerprint(original)
    assert pl.load(changed, saved) is None
    monkeypatch.setenv(pl.ENV_VAR, str(saved))
    layer = pl.of(changed)
    assert layer.loaded is None
    value = layer.counts({"variable": "einwohner"}, area_ids=[AREA], years=[YEAR])["value"].tolist()
    assert value == [_csv_einwohner(changed.folder)] == [_csv_einwohner(MUSTERLAND) + 5]


def test_another_config_is_another_layer(original, saved, tmp_path):
    """The same data with threshold 4: another fingerprint, the saved layer is not read."""
    cfg = tmp_path / "vier.yml"
    cfg.write_text(f"data: {MUSTERLAND}\ndisclosure: {{threshold: 4}}\n", encoding="utf-8")
    four = dataclasses.replace(original, config=read_config(cfg))
    assert pl.fingerprint(four) != pl.fingerprint(original)
    assert pl.load(four, saved) is None


def test_other_package_versions_are_another_layer(original, saved, monkeypatch):
    """After an upgrade (here pandas, as the provenance page would list it) the saved layer, and
    with it its snapshot and shared frames, is not read: a reviewer with the new versions would
    compute them anew, so the build does too."""
    from sozialanalyse.io import provenance

    versions = provenance.package_versions()
    monkeypatch.setattr(provenance, "package_versions", lambda: {**versions, "pandas": "99.0"})
    assert pl.fingerprint(original) != pl.saved_fingerprint(saved)
    assert pl.load(original, saved) is None
    monkeypatch.undo()
    assert pl.fingerprint(original) == pl.saved_fingerprint(saved)


def test_a_broken_file_is_not_read(original, tmp_path):
    bad = tmp_path / "layer.parquet"
    bad.write_bytes(b"PAR1 not a parquet file")
    assert pl.saved_fingerprint(bad) is None and pl.load(original, bad) is None
    assert pl.load(original, tmp_path / "absent.parquet") is None


# --- the build: once, in its cache; the manifest beside the site ---------------------------------

def test_the_build_computes_the_layer_once_and_never_reuses_a_stale_file(original, changed, tmp_path):
    planned = report.BuildPlan(config=original.config, district=original)
    env, manifest = report.protected_layer_once(planned, tmp_path, quiet=True)
    path = Path(env[pl.ENV_VAR])
    assert path == tmp_path / ".cache" / "protected" / f"{pl.fingerprint(original)}.parquet"
    assert pl.saved_fingerprint(path) == pl.fingerprint(original)
    # the private manifest: beside the site, the true values of the suppressed cells with names
    assert manifest == tmp_path / "_build" / "disclosure" / "suppressed.csv"
    rows = pd.read_csv(manifest, dtype={"area_id": str, "period": str})
    assert list(rows.columns) == ["area_id", "name", "period", "cell", "measure", "value", "status"]
    expected = pl.of(original).cells
    assert len(rows) == int((expected["status"] != "").sum()) > 0
    primary = rows[rows["status"] == "primary"]
    assert len(primary) and primary["value"].between(1, 2).all()  # threshold 3: counts 1 and 2
    assert rows["name"].notna().all()
    # a second build reads it (the file is not written again)
    before = path.stat().st_mtime_ns
    env2, _ = report.protected_layer_once(planned, tmp_path, quiet=True)
    assert env2 == env and path.stat().st_mtime_ns == before
    # a stale file under this fingerprint's name (saved from other data) is never used: recomputed
    pl.save(pl.of(changed), path)
    assert pl.saved_fingerprint(path) != pl.fingerprint(original)
    report.protected_layer_once(planned, tmp_path, quiet=True)
    assert pl.saved_fingerprint(path) == pl.fingerprint(original)
    back = pl.load(original, path)
    assert back.counts({"variable": "einwohner"}, area_ids=[AREA], years=[YEAR])["value"].tolist() == [
        _csv_einwohner(MUSTERLAND)]


def test_the_audit_gets_the_manifest_only_where_it_takes_it(monkeypatch, tmp_path):
    manifest = tmp_path / "suppressed.csv"
    takes = "suppressed" in inspect.signature(report.audit_site).parameters
    assert report._audit_manifest(manifest) == ({"suppressed": manifest} if takes else {})
    assert report._audit_manifest(None) == {}

    def without(site, threshold=3):
        return []

    def with_manifest(site, threshold=3, suppressed=None):
        return []

    monkeypatch.setattr(report, "audit_site", without)
    assert report._audit_manifest(manifest) == {}
    monkeypatch.setattr(report, "audit_site", with_manifest)
    assert report._audit_manifest(manifest) == {"suppressed": manifest}


def test_suppressed_cells_are_counted_per_page(tmp_path):
    site = tmp_path / "site"
    (site / "book").mkdir(parents=True)
    table = ('<table class="docutils sa-table"><thead><tr><th>Gebiet</th><th>Einwohner</th></tr></thead>'
             '<tbody><tr><td>A</td><td data-sa-kind="count">.</td></tr><tr><td>B</td><td> . </td></tr>'
             '<tr><td>C</td><td>1.234</td></tr><tr><td>D</td><td>. ¹</td></tr></tbody></table>')
    other = "<table><tr><td>.</td></tr></table>"  # not a report table
    (site / "book" / "a.html").write_text(f"<html><body>{table}{other}<p>.</p></body></html>", encoding="utf-8")
    (site / "book" / "b.html").write_text(f"<html><body>{table}{table}</body></html>", encoding="utf-8")
    (site / "search.html").write_text("<html><body><p>.</p></body></html>", encoding="utf-8")
    counts = report.suppressed_per_page(site, tmp_path, quiet=True)
    assert counts == {"book/a.html": 2, "book/b.html": 4}
    assert (tmp_path / "_build" / "disclosure" / "pages.csv").read_text(encoding="utf-8") == (
        "page,suppressed\nbook/a.html,2\nbook/b.html,4\n")
