"""Districts like ours (issue #18): the peer selection against a hand calculation, the
Fingertips-style marking, bad inputs, and the page "Vergleichskreise" on Musterland.

The method is CIPFA's Nearest Neighbours Model as its users publish it (Hartlepool Borough
Council, JSNA "Statistical Neighbours": variables standardised to mean 0 and standard deviation
1, Euclidean distance between all pairs, rebased so that the farthest neighbour has distance 1);
the marking is Fingertips' comparison of an interval with a benchmark value.
"""
from __future__ import annotations

import dataclasses
import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sozialanalyse as sa
from sozialanalyse.model.config import Config, ConfigError, PeerSettings
from sozialanalyse.model.errors import DataError
from sozialanalyse.planning import peers

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"

# --------------------------------------------------------------------------- hand calculation
# Four units, two variables; target a.
#   x1: 1, 2, 3, 6   mean 3, deviations -2 -1 0 3, sample variance 14/3
#   x2: 10, 14, 10, 18   mean 13, deviations -3 1 -3 5, sample variance 44/3
# squared z differences from a (z = deviation / sd, so (dx)^2 / variance):
#   b: dx1 = 1, dx2 = 4  -> 3/14 + 48/44 = 0.2142857 + 1.0909091 = 1.3051948 -> d = 1.1424513
#   c: dx1 = 2, dx2 = 0  -> 12/14 = 0.8571429                                 -> d = 0.9258201
#   d: dx1 = 5, dx2 = 8  -> 75/14 + 192/44 = 5.3571429 + 4.3636364 = 9.7207792 -> d = 3.1178165
# nearest first: c, b, d; rebased by the farthest (d): c 0.9258201 / 3.1178165 = 0.2969450, b 0.3664267.
# With weight 0.1 on x2: b 0.2142857 + 0.1090909 = 0.3233766 -> 0.5686621; c stays 0.9258201: b first.
HAND = pd.DataFrame({"x1": [1.0, 2.0, 3.0, 6.0], "x2": [10.0, 14.0, 10.0, 18.0]}, index=list("abcd"))


def test_z_scores_follow_the_hand_calculation():
    z = peers.standardise(HAND)
    assert z.loc["a", "x1"] == pytest.approx(-2 / math.sqrt(14 / 3))
    assert z.loc["d", "x2"] == pytest.approx(5 / math.sqrt(44 / 3))
    assert z.mean().abs().max() < 1e-12 and z.std(ddof=1).tolist() == pytest.approx([1.0, 1.0])


def test_distances_ranks_and_rebasing_follow_the_hand_calculation():
    near = peers.nearest(HAND, "a", k=3)
    assert near["area_id"].tolist() == ["c", "b", "d"]
    assert near["distance"].tolist() == pytest.approx([0.9258201, 1.1424513, 3.1178165], abs=1e-7)
    assert near["rebased"].tolist() == pytest.approx([0.2969450, 0.3664267, 1.0], abs=1e-6)
    assert near["rank"].tolist() == [1, 2, 3]
    assert peers.nearest(HAND, "a", k=2)["area_id"].tolist() == ["c", "b"]  # k is honoured


def test_weights_enter_the_squared_differences():
    near = peers.nearest(HAND, "a", k=2, weights={"x2": 0.1})
    assert near["area_id"].tolist() == ["b", "c"]
    assert near["distance"].tolist() == pytest.approx([0.5686621, 0.9258201], abs=1e-7)


def test_pairwise_matrix_agrees_with_the_single_target():
    d = peers.pairwise(HAND)
    assert d[0, 1:].tolist() == pytest.approx([1.1424513, 0.9258201, 3.1178165], abs=1e-7)
    assert np.allclose(d, d.T) and np.allclose(np.diag(d), 0)


def test_a_variable_without_spread_carries_no_weight():
    v = HAND.assign(same=5.0)
    assert peers.nearest(v, "a", k=3)["distance"].tolist() == pytest.approx([0.9258201, 1.1424513, 3.1178165],
                                                                            abs=1e-7)


# --------------------------------------------------------------------------- the marking
@pytest.mark.parametrize(("value", "lower", "upper", "polarity", "expected"), [
    (12.0, 11.0, 13.0, "higher_is_worse", "schlechter"),   # interval above the median 10
    (12.0, 11.0, 13.0, "higher_is_better", "besser"),
    (8.0, 7.0, 9.5, "higher_is_worse", "besser"),          # interval below
    (8.0, 7.0, 9.5, "neutral", "niedriger"),               # no polarity: blue words
    (12.0, 11.0, 13.0, "neutral", "höher"),
    (10.5, 9.9, 11.0, "higher_is_worse", "ähnlich"),       # interval contains the median
    (10.5, 10.0, 11.0, "higher_is_worse", "ähnlich"),      # touching the median is not above it
    (10.5, float("nan"), float("nan"), "higher_is_worse", "nicht bewertet"),
])
def test_marking_by_the_interval_against_the_peer_median(value, lower, upper, polarity, expected):
    assert peers._compare(value, lower, upper, 10.0, polarity) == expected
    word, symbol, colour, marker = peers.VERDICTS[expected]
    assert word == expected and symbol and colour.startswith("#") and marker


def test_a_suppressed_value_is_not_compared():
    assert peers._compare(float("nan"), float("nan"), float("nan"), 10.0, "neutral", "primary") == "gesperrt"


def test_spine_positions():
    b = pd.DataFrame({"value": [12.0, 4.0], "median": [10.0, 5.0], "minimum": [6.0, 4.5], "maximum": [11.0, 7.0]})
    s = peers.spine(b)
    # first: half range max(4, 1) = 4 -> lo -1, hi 0.25, x 0.5; second: half max(0.5, 2) = 2 -> x -0.5
    assert s.round(4).to_numpy().tolist() == [[-1.0, 0.25, 0.5], [-0.25, 1.0, -0.5]]


# --------------------------------------------------------------------------- bad input
def _write(path: Path, body: str) -> Path:
    path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


def test_bad_rows_of_the_comparison_table_are_named(tmp_path):
    f = _write(tmp_path / "vergleichskreise.csv", """
        area_id,name,year,variable,value
        99001,Landkreis Beispielheim,2024,einwohner,150000
        99001,Landkreis Beispielheim,2024,sgb2_quote,"9,5"
        9902,Landkreis Modelltal,2024,einwohner,120000
        """)
    with pytest.raises(DataError) as e:
        peers.read_comparison(f)
    msg = str(e.value)
    assert "vergleichskreise.csv: row 3, column value, key 99001, variable sgb2_quote, value '9,5'" in msg
    assert "row 4, column area_id, key 9902" in msg and "not a Kreis key" in msg
    wide, problems = peers.read_comparison(f, validation="lenient")
    assert wide.index.tolist() == ["99001"] and len(problems) == 2  # listed, not lost


def test_the_district_itself_is_not_read_from_the_table(tmp_path):
    f = _write(tmp_path / "v.csv", """
        area_id,name,year,variable,value
        03499,Landkreis Musterland,2024,einwohner,150000
        """)
    with pytest.raises(DataError, match="row 2, column area_id, key 03499.*the district itself"):
        peers.read_comparison(f, exclude="03499")


def test_a_peer_variable_missing_for_some_districts():
    values = pd.DataFrame({"name": ["Ziel", "Eins", "Zwei", "Drei"], "x1": [1.0, 2.0, np.nan, 4.0],
                           "x2": [1.0, np.nan, 3.0, 4.0]}, index=["00001", "00002", "00003", "00004"])
    with pytest.raises(DataError) as e:
        peers._check_missing(values, ["x1", "x2"], "00001", "error", "v.csv")
    msg = str(e.value)
    assert "2 comparison district(s) without a value of a peer variable" in msg
    assert "00002 Eins: x2" in msg and "00003 Zwei: x1" in msg and "peers: missing: exclude" in msg
    kept, excluded = peers._check_missing(values, ["x1", "x2"], "00001", "exclude", "v.csv")
    assert kept.index.tolist() == ["00001", "00004"]
    assert excluded[["area_id", "missing"]].to_numpy().tolist() == [["00002", "x2"], ["00003", "x1"]]
    with pytest.raises(DataError, match="the district 00003 itself has no value of the peer variable"):
        peers._check_missing(values, ["x1", "x2"], "00003", "exclude", "v.csv")


def test_config_block_is_checked():
    assert Config.from_mapping({"peers": {"k": 5, "weights": {"sgb2_quote": 2}}}).peers.weight("sgb2_quote") == 2.0
    for block, text in [({"k": 0}, "peers: k: expected a whole number >= 1, got 0"),
                        ({"weights": {"x": -1}}, "peers: weights: x: expected a number > 0"),
                        ({"missing": "skip"}, "peers: missing: 'skip' is neither 'error' nor 'exclude'"),
                        ({"variables": ["a"], "weights": {"b": 1}}, "'b' is not one of the peers' variables")]:
        with pytest.raises(ConfigError, match=text.replace("(", r"\(").replace(")", r"\)")):
            Config.from_mapping({"peers": block})


# --------------------------------------------------------------------------- Musterland
@pytest.fixture(scope="module")
def district():
    return sa.load("musterland")


@pytest.fixture(scope="module")
def selected(district):
    return peers.of(district)


def test_musterland_own_row_is_computed_from_its_data(district, selected):
    pop = pd.read_csv(MUSTERLAND / "population.csv", dtype={"area_id": str})
    pop = pop[pop["year"] == 2024]
    total = pop["value"].sum()
    old = pop[pop["age_group"].isin(["65-69", "70-74", "75-79", "80-84", "85-89", "90+", "90-94", "95+"])]
    v = selected.values.loc["03499"]
    assert v["einwohner"] == total
    assert v["anteil_65plus"] == pytest.approx(old["value"].sum() / total * 100)
    km2 = district.geometry.query("area_id == '03499'").area.sum() / 1e6
    assert v["einwohner_je_km2"] == pytest.approx(total / km2)
    assert "03499" not in selected.ids and len(selected.ids) == 10


def test_musterland_peers_are_the_nearest_of_the_file(selected):
    x = selected.values[list(selected.variables["variable"])]
    d = peers.distances(peers.standardise(x), "03499").drop("03499").sort_values()
    assert selected.ids == d.index[:10].tolist()
    assert selected.neighbours["distance"].tolist() == pytest.approx(d.iloc[:10].tolist())


def test_key_figures_against_the_peers(selected):
    b = peers.compare(selected).set_index("indicator")
    r = b.loc["sgb2_quote"]
    pv = selected.values.loc[selected.ids, "sgb2_quote"]
    assert r["median"] == pytest.approx(pv.median()) and r["minimum"] == pv.min() and r["maximum"] == pv.max()
    # rank 1 = the most favourable: the SGB II rate is higher_is_worse, so 1 + the peers printed lower
    assert r["rank"] == 1 + int((pv.round(1) < round(r["value"], 1)).sum()) and r["n_ranked"] == 11
    assert r["rank_order"] == "günstigster"
    g = b.loc["uebergangsquote_gymnasium"]  # no polarity: 1 = the highest value
    pg = selected.values.loc[selected.ids, "uebergangsquote_gymnasium"]
    assert g["rank"] == 1 + int((pg.round(1) > round(g["value"], 1)).sum()) and g["rank_order"] == "höchster Wert"
    k = b.loc["kita_quote_unter3"]  # higher_is_better: 1 = the highest value
    pk = selected.values.loc[selected.ids, "kita_quote_unter3"]
    assert k["rank"] == 1 + int((pk.round(1) > round(k["value"], 1)).sum()) and k["rank_order"] == "günstigster"
    assert r["verdict"] == peers._compare(r["value"], r["lower"], r["upper"], r["median"], "higher_is_worse")
    assert b.loc["einkommensteuer_je_einwohner", "verdict"] == "nicht bewertet"  # a mean has no interval
    assert {"alg2_quote", "sozialgeldquote", "kita_quote_unter3", "uebergangsquote_gymnasium",
            "schulabgaenger_ohne_abschluss", "niedrigverdiener_anteil"} <= set(b.index)


def test_missing_variable_in_the_file_through_the_config(district, tmp_path):
    t = pd.read_csv(MUSTERLAND / "vergleichskreise.csv", dtype=str, keep_default_na=False)
    drop = (t["area_id"].isin(["99005", "99017"])) & (t["variable"] == "sgb2_quote")
    f = tmp_path / "v.csv"
    t[~drop].to_csv(f, index=False)
    cfg = dataclasses.replace(district.config, peers=PeerSettings(file=f))
    fake = dataclasses.replace(district, config=cfg) if dataclasses.is_dataclass(district) else None
    if fake is None:
        pytest.skip("District is no dataclass")
    with pytest.raises(DataError, match=r"v.csv: 2 comparison district\(s\) without a value of a peer variable"):
        peers.select(fake)
    fake2 = dataclasses.replace(district, config=dataclasses.replace(cfg, peers=PeerSettings(file=f, missing="exclude")))
    p = peers.select(fake2)
    assert set(p.excluded["area_id"]) == {"99005", "99017"} and not {"99005", "99017"} & set(p.ids)


def test_page_vergleichskreise(district):
    from sozialanalyse.pages import vergleichskreise as page

    intro = page.intro(district, 0).data
    assert "Nearest Neighbours Model" in intro and "CIPFA" in intro and "10 statistisch nächsten Nachbarn" in intro
    html = page.neighbours(district, 0).data
    assert "Landkreis Musterland und seine 10 Vergleichskreise, 2024" in html and "146.808" in html
    assert 'data-sa-kind="index">Abstand' in html
    kf = page.key_figures(district, 0).data
    assert "Median der Vergleichskreise" in kf and "von 11" in kf
    assert any(w in kf for w in ("▲ besser", "▼ schlechter", "● ähnlich"))  # word and symbol
    assert "Betreuungsquote unter 3\u00a0Jahren" in kf and "Übergangsquote auf das Gymnasium" in kf
    assert "Strukturmerkmale der Auswahl" in page.variables(district, 0).data
    assert "im Vergleich mit strukturähnlichen Gemeinden" in page.towns(district, 0).data
    assert "Block" not in intro and "peers:" not in intro and "`" not in intro  # reader text, no config keys
    assert "Rang (1 = günstigster)" in kf and "(1 = höchster Wert)" in kf  # Übergangsquote has no polarity
    chart = page.spine_chart(district, 0).data
    assert chart.count('<figure class="sa-figure"') == 1 and 'class="sa-data"' in chart


# --------------------------------------------------------------------------- Harburg (official data)
_MIRROR = Path(__import__("os").environ.get("SOZIALANALYSE_DATA_MIRROR", ROOT.parent.parent / "shared" / "data"))


@pytest.mark.skipif(not (_MIRROR / "inkar-1998-2019").is_dir(), reason="no data mirror")
def test_harburg_peers_among_all_german_landkreise(monkeypatch):
    import warnings

    from sozialanalyse.io.bkg import read_bkg

    monkeypatch.setenv("SOZIALANALYSE_DATA_MIRROR", str(_MIRROR))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = sa.load("harburg")
    p = peers.select(d)
    krs = read_bkg(_MIRROR / "bkg-vg250-ew-2022" / "VG250_KRS.dbf", geometry=False).drop_duplicates("ags")
    landkreise = set(krs.loc[krs["kind"].isin(["Landkreis", "Kreis"]), "ags"])
    assert len(p.values) == len(landkreise) == 294  # every German Landkreis, no kreisfreie Stadt
    assert set(p.ids) <= landkreise - {"03353"} and len(p.ids) == 10
    assert {p.ids[0][:2], p.ids[1][:2]} != {"03"}  # not only Niedersachsen: scope bund
    h = p.values.loc["03353"]
    assert h["beschaeftigtenquote"] == pytest.approx(64.43)  # INKAR 2019, A_BeschaeftigtenquoteKreis
    assert h["einwohner"] == krs.set_index("ags").at["03353", "inhabitants"]
    land = peers.select(dataclasses.replace(d, config=dataclasses.replace(d.config, peers=PeerSettings(scope="land"))))
    assert all(a.startswith("03") for a in land.ids) and len(land.values) == 37  # Niedersachsen's 37 Landkreise
    assert (peers.compare(p)["verdict"] == "nicht bewertet").all()  # official values have no interval


# --------------------------------------------------------------------------- town-level peers (issue 18)
@pytest.fixture(scope="module")
def town_district():
    return sa.load("musterland")


def test_town_peers_by_an_independent_z_score_and_distance(town_district):
    d = town_district
    p = sa.peers.of_town(d, "03499003", 2024)  # Bad Lindenau
    # the comparison units: the other 10 municipalities and the 200 towns of vergleichsgemeinden.csv
    assert len(p.values) == 11 + 200 and p.target_name == "Bad Lindenau"
    # its population from the input file (population.csv, 2024, every base area of the town)
    pop = pd.read_csv(Path(d.folder) / "population.csv", dtype={"area_id": str})
    base = pd.read_csv(Path(d.folder) / "areas.csv", dtype=str)
    parts = base[base["parent_id"] == "03499003"]["area_id"]
    n = pop[pop["area_id"].isin(parts) & (pop["year"] == 2024) & (pop["variable"] == "einwohner")]["value"].sum()
    assert p.values.at["03499003", "einwohner"] == n
    # CIPFA by hand: z = (x - mean) / sd (ddof 1) over all 211 units, Euclidean distance, 10 nearest
    x = p.values[list(p.variables["variable"])].astype(float).to_numpy()
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    t = list(p.values.index).index("03499003")
    dist = np.sqrt(((z - z[t]) ** 2).sum(axis=1))
    dist[t] = np.inf
    want = [p.values.index[i] for i in np.argsort(dist, kind="stable")[:10]]
    assert p.neighbours["area_id"].tolist() == want
    assert p.neighbours["distance"].to_numpy() == pytest.approx(np.sort(dist)[:10])


def test_town_peers_refuse_a_non_municipality_and_town_file_keys(town_district, tmp_path):
    with pytest.raises(DataError, match="not a municipality of Landkreis Musterland"):
        sa.peers.select_town(town_district, "03499003-04", 2024)
    f = tmp_path / "vergleichsgemeinden.csv"
    f.write_text("area_id,name,year,variable,value\n99001,Stadt A,2024,einwohner,1000\n"
                 "03499003,Bad Lindenau,2024,einwohner,5\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        peers.read_comparison(f, exclude=["03499003"], towns=True)
    msg = str(err.value)
    assert "row 2, column area_id, key 99001, variable einwohner, value '99001': not a municipality key" in msg
    assert "row 3, column area_id, key 03499003" in msg and "an area of the district itself" in msg


def test_vergleichskreise_page_shows_the_towns_against_their_peers(town_district):
    from sozialanalyse.pages import vergleichskreise

    html = vergleichskreise.towns(town_district, 2024).data.replace("\n", "")
    assert "Städte und Gemeinden im Vergleich mit strukturähnlichen Gemeinden, 2024" in html
    assert "Median der Vergleichsgemeinden" in html and "von 11" in html
    assert ".0 von 11" not in html and "nan von" not in html  # ranks are whole numbers
    assert "Bad Lindenau: Hohenfeld," in html  # its nearest peer, by the hand-check above
    for word in ("besser", "ähnlich", "schlechter"):
        assert word in html


def test_town_spine_charts_one_per_town_with_markers_alt_text_and_audited_data(town_district):
    import json
    import re

    from sozialanalyse.build import audit
    from sozialanalyse.pages import vergleichskreise
    from sozialanalyse.render import figstyle

    d = town_district
    html = vergleichskreise.town_spine_charts(d, 2024).data
    n_towns = len(d.municipalities())
    assert html.count('<figure class="sa-figure"') == n_towns == 11
    assert "<figcaption>Bad Lindenau im Vergleich mit 10 strukturähnlichen Gemeinden, 2024</figcaption>" in html
    # the house style: text at least 9 pt, at most 6,5 in wide at the figure DPI
    sizes = [float(x) for x in re.findall(r'data-sa-min-font-pt="([0-9.]+)"', html)]
    widths = [int(x) for x in re.findall(r'<img src="data:image/png;base64,[^"]+" alt="[^"]*" width="(\d+)"', html)]
    assert min(sizes) >= figstyle.MIN_PT and max(widths) <= figstyle.MAX_WIDTH_IN * figstyle.DPI * 1.02
    # the alternative text names the findings from the data: Bad Lindenau's markings by compare()
    b = sa.peers.compare(sa.peers.of_town(d, "03499003", 2024))
    worse = b[(b["verdict"] == "schlechter") & (b["status"] == "")]["label"].tolist()
    alt = re.search(r'alt="(Diagramm: Bad Lindenau im Vergleich[^"]*)"', html).group(1)
    assert worse and all(sa.render.fmt.typography(w) in alt for w in worse) and "ungünstiger" in alt
    # the chart's numbers as embedded data: Bad Lindenau's SGB II rate as in the town table
    data = [json.loads(x) for x in re.findall(r'class="sa-data">(.*?)</script>', html)]
    rows = {r["Kennzahl"]: r for obj in data[0] for r in obj["rows"]}
    sgb2 = b.set_index("indicator").loc["sgb2_quote"]
    assert rows["SGB-II-Quote"]["Wert"] == sa.render.fmt.pct(sgb2["value"], 1)
    assert rows["SGB-II-Quote"]["Median"] == sa.render.fmt.pct(sgb2["median"], 1)
    assert audit.audit_html(html, "vergleichskreise", 3) == []
