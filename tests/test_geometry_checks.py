"""Boundaries that cannot be used (issue 12, item 5): a self-intersecting, a NULL and an EMPTY
Sozialraum polygon in a copy of Musterland's gebiete.gpkg are problems naming the file, the row,
the area and what is wrong; the strict loader refuses with the same words instead of a GEOS
traceback later, the lenient one leaves them out. Nothing is repaired."""
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from shapely.geometry import Polygon

from sozialanalyse.cli import main
from sozialanalyse.io.own import DataError, load_district
from sozialanalyse.io.validate import validate

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"
BOWTIE, NULL, EMPTY = "03499003-01", "03499003-02", "03499003-03"


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("geo") / "district"
    shutil.copytree(MUSTERLAND, folder)
    g = gpd.read_file(folder / "gebiete.gpkg", layer="gebiete")
    # rows of the file (header = row 1, as in the messages)
    assert list(g.index[g["area_id"].isin([BOWTIE, NULL, EMPTY])] + 2) == [4, 5, 6]
    x0, y0, x1, y1 = g.loc[g["area_id"] == BOWTIE].geometry.iloc[0].bounds
    # corners in the order of a figure eight: the edges cross at the centre of the box
    g.loc[g["area_id"] == BOWTIE, "geometry"] = Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    g.loc[g["area_id"] == NULL, "geometry"] = None
    g.loc[g["area_id"] == EMPTY, "geometry"] = Polygon()
    g.to_file(folder / "gebiete.gpkg", layer="gebiete")
    (folder / "_centre.txt").write_text(f"x={(x0 + x1) / 2:.2f}, y={(y0 + y1) / 2:.2f}")
    return folder


def test_validate_lists_invalid_null_and_empty_boundaries(broken):
    r = validate(broken)  # used to raise shapely's GEOSException (TopologyException) naming no file
    geo = {p.area_id: p for p in r.problems if p.file == "gebiete.gpkg"}
    assert set(geo) == {BOWTIE, NULL, EMPTY}
    centre = (broken / "_centre.txt").read_text()
    assert str(geo[BOWTIE]) == (
        f"gebiete.gpkg, row 4, column geometry, area {BOWTIE}: invalid polygon: Self-intersection at {centre}; "
        "correct the boundary in the GIS (it is not repaired) (value 'invalid MultiPolygon') [invalid_geometry]")
    assert str(geo[NULL]) == (
        f"gebiete.gpkg, row 5, column geometry, area {NULL}: no geometry (NULL); "
        "correct the boundary in the GIS (it is not repaired) (value 'NULL') [missing_geometry]")
    assert (geo[EMPTY].code, geo[EMPTY].row) == ("missing_geometry", 6)
    assert "empty geometry (EMPTY)" in geo[EMPTY].message
    assert r.reconciliation["gebiete.gpkg"].line() == (
        "gebiete.gpkg: rows read 64 = kept 61 + rejected 3 (invalid_geometry 1, missing_geometry 2)")


def test_validate_cli_strict_names_them(broken, capsys):
    assert main(["validate", str(broken), "--strict"]) == 1
    out = capsys.readouterr().out
    assert f"area {BOWTIE}: invalid polygon: Self-intersection" in out
    assert f"area {NULL}: no geometry (NULL)" in out


def test_strict_loader_refuses_with_the_same_message(broken):
    d = load_district(broken)
    with pytest.raises(DataError) as info:
        d.geometry  # noqa: B018 - the property reads the file
    assert str(info.value) == (
        f"gebiete.gpkg: row 4, column geometry, area {BOWTIE}: invalid polygon: Self-intersection at "
        f"{(broken / '_centre.txt').read_text()}; correct the boundary in the GIS (it is not repaired) "
        "[invalid_geometry] (and 2 more; sozialanalyse validate lists them)")


def test_lenient_loader_leaves_them_out_unrepaired(broken, tmp_path):
    cfg = tmp_path / "lenient.yml"
    cfg.write_text(yaml.safe_dump({"data": str(broken), "validation": "lenient"}), encoding="utf-8")
    geo = load_district(cfg).geometry
    assert len(geo) == 61
    assert not geo["area_id"].isin([BOWTIE, NULL, EMPTY]).any()
    assert geo.geometry.is_valid.all() and not geo.geometry.is_empty.any()
