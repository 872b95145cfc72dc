"""The data hash of each Gemeindeprofil, computed for all profiles at once by the plan
(:func:`sozialanalyse.build.report.profile_data_hashes`, issue 19): the same value as the hash of
the rows each profile reads, found by plain filters, and it changes exactly where the data do."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import sozialanalyse as sa
from sozialanalyse.build import report

ROOT = Path(__file__).resolve().parents[1]


def _by_filters(district, area_id: str, shared: str) -> str:
    """The profile's data hash written out with a filter per table (what the plan did per profile
    before the tables were indexed once): the rows inside the municipality, sorted counts."""
    base = district.base_of(area_id)
    c = district.counts
    own = c[c["area_id"].isin(base)].sort_values(list(c.columns[:-1]))
    areas = district.areas
    inside = areas[areas["area_id"].isin(set(base) | {area_id}) | areas["parent_id"].isin({area_id})]
    geo = district.geometry
    shapes = geo[geo["area_id"].isin(set(inside["area_id"]))].sort_values("area_id")
    fac = district.facilities[district.facilities["area_id"].isin(base)]
    everywhere = district.facilities.reindex(columns=["type", "x", "y"])
    pts = district.addresses
    pts = pts[pts["area_id"].isin(base)]
    f = report._frame_bytes
    return report._sha(f(own), f(inside), b"".join(shapes.geometry.to_wkb()), f(fac), f(everywhere), f(pts), shared)


@pytest.fixture(scope="module")
def musterland():
    return sa.load("musterland")


def test_the_hashes_of_all_profiles_are_those_of_the_rows_each_reads(musterland):
    ids = list(musterland.municipalities()["area_id"])
    assert len(ids) >= 7
    hashes = report.profile_data_hashes(musterland, ids, "geteilt")
    assert hashes == {a: _by_filters(musterland, a, "geteilt") for a in ids}
    assert len(set(hashes.values())) == len(ids)
    # one profile alone, as job_data_hash gives it
    assert report.job_data_hash(musterland, ids[2], "geteilt") == hashes[ids[2]]


def test_a_changed_count_changes_the_hash_of_its_municipality_only(musterland, tmp_path):
    """One SGB II count of one Sozialraum of Bad Lindenau (03499003) changed: with the shared part
    held fixed (the Kreis totals every profile prints are in it), only Bad Lindenau's profile
    hash changes."""
    data = tmp_path / "musterland"
    shutil.copytree(ROOT / "data" / "musterland", data)
    labour = data / "labour.csv"
    lines = labour.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("03499003-01,2023,arbeitslose,,sgb2,"))
    head, value = lines[at].rsplit(",", 1)
    lines[at] = f"{head},{int(value) + 7}\n"
    labour.write_text("".join(lines), encoding="utf-8")
    changed = sa.load(data)
    ids = list(musterland.municipalities()["area_id"])
    before = report.profile_data_hashes(musterland, ids, "geteilt")
    after = report.profile_data_hashes(changed, ids, "geteilt")
    assert [a for a in ids if before[a] != after[a]] == ["03499003"]
