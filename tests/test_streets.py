"""Reach along streets (issue #18): the street network file, snapping, the multi-source Dijkstra
and the shares in sa.supply and on the page, against distances worked out by hand."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import sozialanalyse as sa
from sozialanalyse.model.errors import DataError
from sozialanalyse.planning import streets
from sozialanalyse.planning.supply import reach_shares

# A tiny network (metres):
#   e0: A(0,0) - B(400,0)      e1: B(400,0) - C(400,600)      e2: A(0,0) - D(0,300)
#   e3: E(1000,1000) - G(1000,1100), a separate piece without a facility
# One facility at (410, 600): snapped to C on e1 (t = 1) with 10 m to the street.
SEGMENTS = [(0, 0, 400, 0), (400, 0, 400, 600), (0, 0, 0, 300), (1000, 1000, 1000, 1100)]
FACILITY = [(410, 600)]
# Network distance of each junction to the facility, by hand: C 10; B 10 + 600 = 610;
# A 610 + 400 = 1010; D 1010 + 300 = 1310; E, G not connected.
POINTS = [(400, 450), (200, 30), (-20, 300), (1005, 1050)]
# p1 on e1 at t = 0.75, 0 m off the street: min(610 + 450, 10 + 150) = 160
# p2 on e0 at t = 0.5, 30 m off: 30 + min(1010 + 200, 610 + 200) = 840
# p3 at D (e2, t = 1), 20 m off: 20 + 1310 = 1330
# p4 on e3, 5 m off, in the piece without a facility: infinite
BY_HAND = [160.0, 840.0, 1330.0, math.inf]
WEIGHTS = [2, 3, 1, 4]
GROUPS = ["x", "x", "y", "y"]


def test_network_distances_by_hand():
    net = streets.StreetNetwork.from_segments(SEGMENTS)
    assert net.nodes == 6
    d, snap = net.distances(POINTS, FACILITY)
    assert d.tolist() == pytest.approx(BY_HAND)
    assert snap.tolist() == pytest.approx([0.0, 30.0, 20.0, 5.0])


def test_reach_along_streets_against_straight_line():
    straight = reach_shares(POINTS, WEIGHTS, GROUPS, FACILITY, [500, 1000]).set_index("group")
    along = reach_shares(POINTS, WEIGHTS, GROUPS, FACILITY, [500, 1000],
                         network=streets.StreetNetwork.from_segments(SEGMENTS)).set_index("group")
    # straight line: p1 150.3 m, p2 hypot(210, 570) = 607.5 m, p3 hypot(430, 300) = 524.3 m,
    # p4 hypot(595, 450) = 746.0 m
    assert straight.loc["x", "share_500"] == pytest.approx(100 * 2 / 5)
    assert straight.loc["x", "share_1000"] == pytest.approx(100.0)
    assert straight.loc["y", "share_500"] == pytest.approx(0.0)
    assert straight.loc["y", "share_1000"] == pytest.approx(100.0)
    # along the streets: x has p1 (160 m) within 500 and p2 (840 m) within 1000; y nobody
    assert along.loc["x", "within_500"] == pytest.approx(2.0)
    assert along.loc["x", "share_1000"] == pytest.approx(100.0)
    assert along.loc["y", "share_500"] == pytest.approx(0.0)
    assert along.loc["y", "share_1000"] == pytest.approx(0.0)
    assert along.loc["y", "persons"] == pytest.approx(5.0)


def test_two_facilities_on_one_segment_and_a_point_beside_them():
    # e0: (0,0)-(1000,0) with facilities at 100 m and 900 m; e1: (1000,0)-(1000,500).
    # Junction (1000,0): 100 m from the facility at 900 m (not 900 + 100 summed); the point at
    # (1000, 500): 100 + 500 = 600. A point at (500, 40) on e0 between them: 40 + 400 = 440.
    net = streets.StreetNetwork.from_segments([(0, 0, 1000, 0), (1000, 0, 1000, 500)])
    d, _ = net.distances([(1000, 500), (500, 40)], [(100, 0), (900, 0)])
    assert d.tolist() == pytest.approx([600.0, 440.0])


def test_end_points_within_a_metre_are_one_junction_a_crossing_is_not():
    # e0 ends at (100, 0), e1 starts 0.6 m away: joined. e2 crosses e0 at (50, 0) without a
    # shared end point (a bridge): not joined, so the way from e2's top to the facility at
    # (0, 0) is infinite.
    net = streets.StreetNetwork.from_segments([(0, 0, 100, 0), (100.6, 0, 100, 200), (50, -50, 50, 50)])
    d, _ = net.distances([(100, 200), (50, 50)], [(0, 0)])
    assert d[0] == pytest.approx(100.0 + math.hypot(0.6, 200))
    assert d[1] == math.inf


def test_no_facility_means_nobody_within_reach():
    net = streets.StreetNetwork.from_segments(SEGMENTS)
    d, snap = net.distances(POINTS, np.empty((0, 2)))
    assert np.isinf(d).all() and snap.tolist() == pytest.approx([0.0, 30.0, 20.0, 5.0])


def _write(tmp_path, text):
    p = tmp_path / "strassen.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_read_streets_names_file_row_column_edge_and_value(tmp_path):
    p = _write(tmp_path, "edge_id,x1,y1,x2,y2\n"
                         "E1,500000,5800000,500100,5800000\n"
                         "E1,500100,5800000,500100,5800100\n"
                         "E3,500100,5800100,5,1\n"
                         "E4,500100,5800100,500100.5,5800100\n"
                         "E5,5800100,500100,500100,5800100\n"
                         ",500000,5800000,500000,5800100\n")
    with pytest.raises(DataError) as err:
        streets.read_streets(p)
    msg = str(err.value)
    assert "strassen.csv: 6 problem(s)" in msg
    assert "row 3, column edge_id, edge E1: duplicate edge_id (first in row 2)" in msg
    assert "row 4, column y2, edge E3: value '1' outside the range of EPSG:25832" in msg
    assert "row 5, columns x1-y2, edge E4: segment of length 0.50 m" in msg
    assert "row 6, column x1, edge E5: value '5800100' outside the range" in msg
    assert "row 7, column edge_id: segment without edge_id" in msg
    kept, problems = streets.read_streets(p, strict=False)
    assert kept["edge_id"].tolist() == ["E1"] and len(problems) == 6


def test_read_streets_missing_column_and_text(tmp_path):
    with pytest.raises(DataError, match="column\\(s\\) y2 missing"):
        streets.read_streets(_write(tmp_path, "edge_id,x1,y1,x2\nE1,1,2,3\n"))
    with pytest.raises(DataError, match="row 2, column y1, edge E1: value 'zwei' is not a number"):
        streets.read_streets(_write(tmp_path, "edge_id,x1,y1,x2,y2\nE1,500000,zwei,500100,5800000\n"))


@pytest.fixture(scope="module")
def musterland():
    return sa.load("musterland")


def test_musterland_street_reach_is_never_above_the_straight_line(musterland):
    # the way along the streets is at least the straight line (triangle inequality), so no
    # area's share along the streets can exceed its straight-line share
    net = streets.network(musterland)
    assert net is not None and musterland.street_problems == []
    g = sa.supply.gaps(musterland, year=2024)
    for d in (500, 1000):
        both = g[g[f"reach_{d}"].notna()]
        assert both[f"reach_street_{d}"].notna().all()
        assert (both[f"reach_street_{d}"] <= both[f"reach_{d}"] + 1e-9).all()
        assert (both[f"reach_street_{d}"] < both[f"reach_{d}"] - 1).any()
    withheld = g[g["reach_status"] != ""]
    assert len(withheld) and withheld["reach_street_500"].isna().all()


def test_musterland_point_distances_against_a_straight_line_check(musterland):
    # every address point: distance along streets >= straight line to the nearest facility
    from scipy.spatial import cKDTree

    pts = musterland.addresses[["x", "y"]].to_numpy(dtype=float)[::20]
    fac = musterland.facilities
    f = fac[fac["type"] == "Kita"][["x", "y"]].to_numpy(dtype=float)
    d, snap = streets.network(musterland).distances(pts, f)
    straight = cKDTree(f).query(pts)[0]
    assert (d >= straight - 1e-6).all() and np.isfinite(d).all()
    assert snap.max() < 200  # every point lies in or beside a block of the generated grid


def test_angebote_page_shows_the_reach_along_streets(musterland):
    from sozialanalyse.pages import angebote

    intro = angebote.intro(musterland, 2024).data
    assert "Weg entlang der Straßen" in intro and "Straßennetz mit 12.943 Abschnitten" in intro
    html = angebote.supply_table(musterland, 2024).data.replace("\n", "")
    assert "in 500\u00a0m Weg" in html and "in 1.000\u00a0m Weg" in html and "entlang des Straßennetzes" in html
    prof = angebote.profile_section(musterland, "03499002", 2024).data.replace("\n", "")
    assert "in 1.000\u00a0m Weg" in prof and "kürzesten Weg entlang der Straßen" in prof


@pytest.mark.slow  # end-to-end: validates the whole district through the CLI (`make test-slow`, CI runs it)
def test_validate_checks_the_street_network(tmp_path, capsys):
    # `sozialanalyse validate` reads strassen.csv like the reach does (not only when first used): the
    # same message per problem, naming file, row, column, edge and value; exit status 1
    import shutil

    from sozialanalyse.cli import main

    folder = tmp_path / "m"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "musterland", folder)
    lines = (folder / "strassen.csv").read_text(encoding="utf-8").splitlines()
    key2, *rest2 = lines[2].split(",")
    lines[2] = ",".join([key2, rest2[0], "abc", *rest2[2:]])                 # row 3: y1 is no number
    lines[4] = ",".join([lines[1].split(",")[0], *lines[4].split(",")[1:]])  # row 5: edge_id of row 2 again
    (folder / "strassen.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["validate", str(folder), "--no-geometry"]) == 1
    out = capsys.readouterr().out
    assert f"strassen.csv, row 3, column y1, edge {key2}: value 'abc' is not a number (metres, EPSG:25832)" in out
    assert (f"strassen.csv, row 5, column edge_id, edge {lines[1].split(',')[0]}: duplicate edge_id (first in row 2)"
            in out)
    # a file without a column: one line naming it
    (folder / "strassen.csv").write_text("edge_id,x1,y1,x2\nE1,1,2,3\n", encoding="utf-8")
    assert main(["validate", str(folder), "--no-geometry"]) == 1
    assert "strassen.csv: column(s) y2 missing (expected edge_id, x1, y1, x2, y2; found edge_id, x1, y1, x2)" in \
        capsys.readouterr().out
    # the untouched network: no problem of it
    shutil.copy(Path(__file__).resolve().parents[1] / "data" / "musterland" / "strassen.csv", folder)
    main(["validate", str(folder), "--no-geometry"])
    assert "strassen.csv" not in capsys.readouterr().out
