"""The protected layer (sozialanalyse.protected.layer): one suppression over every published count,
checked by hand on a constructed district."""
from __future__ import annotations

import pandas as pd
import pytest

from sozialanalyse.io.own import District
from sozialanalyse.model.config import Config
from sozialanalyse.protected import layer as protected_layer

AREAS = pd.DataFrame({
    "area_id": ["K", "A", "A1", "A2", "A3", "B"],
    "name": ["Landkreis K", "Astadt", "Nord", "Mitte", "Süd", "Bedorf"],
    "kind": ["Landkreis", "Stadt", "Sozialraum", "Sozialraum", "Sozialraum", "Einheitsgemeinde"],
    "parent_id": ["", "K", "A", "A", "A", "K"],
})
COLUMNS = ["area_id", "year", "variable", "age_group", "sex", "nationality", "type", "value"]


def _district(rows, **config) -> District:
    counts = pd.DataFrame(rows, columns=COLUMNS)
    cfg = Config.from_mapping(config) if config else Config()
    return District(areas=AREAS, counts=counts, meta={"name": "Landkreis K"}, config=cfg)


def _pop(area, women, men=0, year=2024):
    return [[area, year, "einwohner", "30-34", "w", "deutsch", "", women],
            [area, year, "einwohner", "30-34", "m", "deutsch", "", men]]


@pytest.fixture(scope="module")
def town():
    """Einwohner 2024: Nord 2 (women), Mitte 500, Süd 300, Bedorf 1.000 (all women aged 30-34)."""
    rows = _pop("A1", 2) + _pop("A2", 500) + _pop("A3", 300) + _pop("B", 1000)
    return protected_layer.of(_district(rows))


def test_a_small_area_and_its_smallest_sibling_are_suppressed(town):
    e = town.counts({"variable": "einwohner"}, level="sozialraum", years=2024).set_index("area_id")
    # Nord (2) is below 3: primary; Astadt's total (802) would give it back from Mitte and Süd, so the
    # smaller of the two, Süd (300), is suppressed too; Mitte stays published
    assert e.loc["A1", "status"] == "primary"
    assert e.loc["A3", "status"] == "secondary"
    assert e.loc["A2", "status"] == "" and e.loc["A2", "value"] == 500
    assert pd.isna(e.loc["A1", "value"]) and pd.isna(e.loc["A3", "value"])
    town_total = town.counts({"variable": "einwohner"}, area_ids=["A"], years=2024)["value"].iloc[0]
    assert town_total == 802


def test_the_same_cell_has_the_same_status_everywhere(town):
    # Nord's women are its whole population: the pyramid's cell (30-34, w) is the same count as
    # Einwohner in another partition: both are suppressed, wherever they are asked for
    women = town.status({"variable": "einwohner", "age": [30, 34], "sex": ["w"]}, ["A1"], 2024)
    assert women["A1"] != ""
    assert town.status({"variable": "einwohner", "sex": ["w"]}, ["A1"], 2024)["A1"] != ""


def test_an_unregistered_count_is_refused(town):
    with pytest.raises(KeyError, match="register it"):
        town.counts({"variable": "sgb2_personen"}, level="sozialraum")


def test_the_protection_leaves_no_constraint_with_one_suppressed_cell(town):
    assert town.check() == []


def _care(area, amb, geld, stat, year=2024):
    return [[area, year, "pflegebeduerftige", "80-84", "w", "", t, v]
            for t, v in (("ambulant", amb), ("pflegegeld", geld), ("stationaer", stat))]


def test_a_share_whose_complement_is_small_is_suppressed():
    # Bedorf: 447 Pflegebedürftige, 1 of them stationär: the share at home (446 of 447 = 99,8 %)
    # and the total would give the 1 back, so the share is not published
    rows = (_pop("A1", 400) + _pop("A2", 500) + _pop("A3", 300) + _pop("B", 1000)
            + _care("A1", 100, 50, 20) + _care("A2", 100, 50, 21) + _care("A3", 100, 50, 22)
            + _care("B", 300, 146, 1))
    layer = protected_layer.of(_district(rows))
    home = {"variable": "pflegebeduerftige", "type": ["ambulant", "pflegegeld"]}
    stat = {"variable": "pflegebeduerftige", "type": ["stationaer"]}
    st = layer.status(stat, ["B", "A", "A1", "A2", "A3"], 2024)
    assert st["B"] == "primary"
    assert layer.status(home, ["B"], 2024)["B"] != ""
    # the Kreis has two municipalities: its 64 stationär minus Astadt's 63 would give Bedorf's 1, so
    # Astadt's stationär is suppressed too (and with it its share at home: 450 of 513)
    assert st["A"] == "secondary"
    assert layer.status(home, ["A"], 2024)["A"] != ""
    # Astadt's total would give back the one Sozialraum suppressed next: the smallest, Nord (20)
    assert (st["A1"], st["A2"], st["A3"]) == ("secondary", "", "")
    assert layer.counts(stat, area_ids=["A3"], years=2024)["value"].iloc[0] == 22
    assert layer.check() == []


def test_a_pool_of_years_is_protected_with_its_years():
    # deaths in Bedorf: 2020-2024 = 1 + 0 + 0 + 1 + 0 = 2: the five-year pool is below 3
    rows = []
    for y, (a, b) in zip(range(2020, 2025), [(5, 1), (5, 0), (5, 0), (5, 1), (5, 0)]):
        rows += _pop("A1", 400, year=y) + _pop("A2", 500, year=y) + _pop("A3", 300, year=y) + _pop("B", 1000, year=y)
        rows += [["A1", y, "sterbefaelle", "80-84", "w", "", "", a], ["A2", y, "sterbefaelle", "80-84", "w", "", "", a],
                 ["A3", y, "sterbefaelle", "80-84", "w", "", "", a], ["B", y, "sterbefaelle", "80-84", "w", "", "", b]]
    layer = protected_layer.of(_district(rows))
    pool = layer.counts({"variable": "sterbefaelle"}, area_ids=["B", "A", "A1", "A2", "A3"], years=2024,
                        pool=5).set_index("area_id")
    assert pool.loc["B", "status"] == "primary"
    assert pool.loc["B", "period"] == "2020-2024"
    # the Kreis (77 = 3 * 25 + 2) minus Astadt (75) would give Bedorf's 2: Astadt is suppressed, and
    # with it one of its Sozialräume (the first of three equal ones, Nord); Mitte's 25 stay published
    assert pool.loc["A", "status"] == "secondary"
    assert pool.loc["A1", "status"] == "secondary"
    assert pool.loc["A2", "value"] == 25
    # Bedorf's single years (1, 0, 0, 1, 0): the 1s are suppressed, the zeros shown
    years = layer.counts({"variable": "sterbefaelle"}, area_ids=["B"], years=range(2020, 2025)).set_index("year")
    assert years.loc[2020, "status"] == "primary" and years.loc[2021, "value"] == 0
    assert layer.check() == []


def test_round_mode_recomputes_shares_from_the_rounded_counts():
    # SGB II: 12 of 298 in Nord. Rounded to multiples of 5: 10 of 300, the share 3,33 %
    rows = (_pop("A1", 298) + _pop("A2", 500) + _pop("A3", 300) + _pop("B", 1000)
            + [[a, 2024, "sgb2_personen", "", "", "", "", v] for a, v in (("A1", 12), ("A2", 40), ("A3", 30), ("B", 50))])
    layer = protected_layer.of(_district(rows, data=".", disclosure={"mode": "round"}))
    res = layer.indicators(["sgb2_quote"], level="sozialraum", years=[2024]).set_index("area_id")
    assert res.loc["A1", "numerator"] == 10 and res.loc["A1", "denominator"] == 300
    assert res.loc["A1", "value"] == pytest.approx(100 * 10 / 300)


def test_the_manifest_of_suppressed_cells_is_what_the_audit_reads(town):
    from sozialanalyse.build.audit import read_suppressed

    cells = read_suppressed(town.suppressed())
    nord = [c for c in cells if c["name"] == "Nord" and c["value"] == 2.0]
    assert nord and all(c["status"] == "primary" for c in nord)


def test_an_unknown_area_or_period_is_never_publishable(town):
    with pytest.raises(KeyError, match="holds no"):
        town.status({"variable": "einwohner"}, ["A1", "nope"], 2024)
    with pytest.raises(KeyError, match="2030"):
        town.status({"variable": "einwohner"}, "A1", 2030)
    # one key as well as a list of them
    assert town.counts({"variable": "einwohner"}, area_ids="A2", years=2024)["value"].tolist() == [500]


def test_the_layer_goes_with_its_district():
    import gc
    import weakref

    d = _district(_pop("A1", 400) + _pop("A2", 500) + _pop("A3", 300) + _pop("B", 1000))
    layer = protected_layer.of(d)
    assert protected_layer.of(d) is layer  # computed once per district
    gone = weakref.ref(layer)
    del d, layer
    gc.collect()
    assert gone() is None


def test_pools_below_the_kreis_do_not_overlap():
    # Overlapping pools (2020-2022 and 2021-2023) would give a single year back by differencing two
    # pools, a chain no single relation shows: below the Kreis only the report year's pool is a cell
    rows = []
    for y in range(2018, 2025):
        rows += _pop("A1", 400, year=y) + _pop("A2", 500, year=y) + _pop("A3", 300, year=y) + _pop("B", 1000, year=y)
        rows += [[a, y, v, "", "", "", "", n] for a in ("A1", "A2", "A3", "B")
                 for v, n in (("einschulung_untersuchte", 30), ("einschulung_uebergewicht", 4))]
    layer = protected_layer.of(_district(rows))
    examined = {"variable": "einschulung_untersuchte"}
    below = layer.counts(examined, level="sozialraum", pool=3)
    assert sorted(set(below["period"])) == ["2022-2024"]
    assert layer.counts(examined, area_ids="A1", years=2024, pool=3)["value"].tolist() == [90]
    kreis = layer.counts(examined, level="kreis", pool=3)
    assert sorted(set(kreis["period"])) == [f"{e - 2}-{e}" for e in range(2020, 2025)]
