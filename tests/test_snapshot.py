"""Compute once, render many (issue #19 part 1): the indicator snapshot of the protected layer
answers every call of ``Layer.indicators`` with the frame that call computes on its own (same
rows, order, categories and dtypes), travels with the layer's file under its fingerprint, and is
never used for other data; its values are checked against sums read straight from the CSV."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sozialanalyse.io.own import load_district
from sozialanalyse.protected import layer as pl
from sozialanalyse.protected import snapshot as ps

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"
LEVELS = ["sozialraum", "gemeinde", "gemeindeverband", "kreis"]


@pytest.fixture(scope="module")
def district():
    return load_district(MUSTERLAND)


@pytest.fixture(scope="module")
def layer(district):
    return pl.of(district)


@pytest.fixture(scope="module")
def snap(layer):
    s = layer.snapshot()
    assert s is not None
    return s


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Identical frames: values bit for bit, dtypes, index and the categories in their order."""
    pd.testing.assert_frame_equal(a, b, check_exact=True, check_categorical=True)
    for c in a.columns:
        if isinstance(a[c].dtype, pd.CategoricalDtype):
            assert list(a[c].cat.categories) == list(b[c].cat.categories), c


def test_snapshot_holds_every_indicator_area_and_year(district, snap):
    years = sorted(int(y) for y in pd.unique(district.counts["year"]))
    assert snap.years == years and snap.origin == "computed"
    assert len(snap.ids) >= 60  # Musterland's counts give 62 indicators of the catalog
    assert set(snap.levels) == set(LEVELS)
    for lv in LEVELS:
        assert snap.level_ids[lv], lv


@pytest.mark.parametrize("level", [*LEVELS, LEVELS, ["kreis", "sozialraum"]], ids=str)
def test_all_ids_per_level_equal_the_computation(layer, snap, level):
    _same(layer.indicators(snap.ids, level=level), layer._indicators(snap.ids, level=level))


def test_every_year_alone_and_ids_in_another_order(layer, snap):
    for y in snap.years:
        _same(layer.indicators(snap.ids, level=LEVELS, years=[y]), layer._indicators(snap.ids, level=LEVELS, years=[y]))
    ids = snap.ids[::-1][:20]
    years = [snap.years[-1], snap.years[0]]  # out of order: compute() reports them in data order
    _same(layer.indicators(ids, level=["kreis", "gemeinde"], years=years),
          layer._indicators(ids, level=["kreis", "gemeinde"], years=years))


def test_every_id_alone(layer, snap):
    for i in snap.ids:
        for level, years in ((["gemeinde", "kreis"], None), ("sozialraum", snap.years[-1])):
            _same(layer.indicators([i], level=level, years=years), layer._indicators([i], level=level, years=years))
    _same(layer.indicators(snap.ids[0], level="kreis"), layer._indicators(snap.ids[0], level="kreis"))


def test_values_against_the_csv(district, layer):
    """anteil_65plus of Gemeinde 03499001 in 2024 = 100 * Einwohner 65+ / Einwohner, summed from
    population.csv by hand (the age bands 65-69 ... 95+ start at 65 or more)."""
    pop = pd.read_csv(MUSTERLAND / "population.csv", dtype={"area_id": str, "age_group": str})
    sel = pop[(pop["area_id"] == "03499001") & (pop["year"] == 2024) & (pop["variable"] == "einwohner")]
    start = sel["age_group"].str.extract(r"^(\d+)")[0].astype(int)
    num, den = float(sel.loc[start >= 65, "value"].sum()), float(sel["value"].sum())
    row = layer.indicators(["anteil_65plus"], level="gemeinde", years=[2024]).set_index("area_id").loc["03499001"]
    assert row["status"] == ""
    assert row["numerator"] == num and row["denominator"] == den
    assert row["value"] == pytest.approx(100 * num / den, rel=1e-12)
    # Wilson interval at 95 %: z = 1.959964 (independent of the library's own code)
    p, n, z = num / den, den, 1.959963984540054
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert (row["lower"], row["upper"]) == pytest.approx((100 * (centre - half), 100 * (centre + half)), rel=1e-9)


def test_suppressed_rows_stay_suppressed(layer, snap):
    res = layer.indicators(snap.ids, level="sozialraum")
    hidden = res[res["status"] != ""]
    assert len(hidden) > 0  # Musterland has suppressed Sozialraum counts
    assert hidden[["value", "lower", "upper", "numerator", "denominator"]].isna().all().all()


def test_calls_the_snapshot_cannot_answer_are_computed(layer, snap):
    # another confidence level: computed, and wider than the 95 % interval of the snapshot
    a = layer.indicators(["anteil_65plus"], level="kreis", conf_level=0.99)
    _same(a, layer._indicators(["anteil_65plus"], level="kreis", conf_level=0.99))
    b = layer.indicators(["anteil_65plus"], level="kreis")
    assert (a["upper"] - a["lower"] > b["upper"] - b["lower"]).all()
    with pytest.raises(ValueError, match="unknown indicator"):
        layer.indicators(["no_such_indicator"], level="kreis")
    with pytest.raises(ValueError, match="not in the data"):
        layer.indicators(snap.ids[:1], level="kreis", years=[1990])
    with pytest.raises(ValueError, match="unknown level"):
        layer.indicators(snap.ids[:1], level="Kreis")


def test_saved_with_the_layer_and_read_by_a_kernel(district, layer, tmp_path):
    path = pl.save(layer, tmp_path / "layer.parquet")
    assert pl.snapshot_path(path).is_file()
    other = load_district(MUSTERLAND)  # what a notebook kernel loads
    read = pl.load(other, path)
    assert read is not None and read.snapshot().origin == "file"
    _same(read.indicators(read.snapshot().ids, level=LEVELS), layer.indicators(layer.snapshot().ids, level=LEVELS))


def test_a_snapshot_of_other_data_is_never_used(layer, tmp_path):
    path = pl.save(layer, tmp_path / "layer.parquet")
    folder = tmp_path / "changed"
    shutil.copytree(MUSTERLAND, folder)
    pop = folder / "population.csv"
    pop.write_text(pop.read_text(encoding="utf-8").replace("03499001,2024,einwohner,65-69,m,deutsch,",
                                                           "03499001,2024,einwohner,65-69,m,deutsch,1", 1),
                   encoding="utf-8")
    changed = load_district(folder)
    assert pl.load(changed, path) is None  # the layer's fingerprint differs
    fp = pl.fingerprint(changed)
    assert ps.read(pl.snapshot_path(path), fp) is None  # and so does the snapshot's
    assert ps.read(pl.snapshot_path(path), pl.fingerprint(layer.district)) is not None
