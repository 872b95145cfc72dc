"""Issue #16, the two-minute profile: "Auf einen Blick" (findings chosen by a documented rule),
the marker of every key figure against the Kreis, the rank among the municipalities and the map
of the town's Sozialräume. Hand calculations on small fixtures; page tests on Musterland."""
from __future__ import annotations

import json
import math
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import sozialanalyse as sa
from sozialanalyse.build.audit import audit_html
from sozialanalyse.pages import gemeindeprofil as gp
from sozialanalyse.pages.common import published_results
from sozialanalyse.protected.monitoring import attention_list

MUSTERSTADT, BRAKENHAGEN, KREIS = "03499016", "03499007", "03499"


@pytest.fixture(scope="module")
def d():
    return sa.load("musterland")


def _rows(html: str) -> list[list[str]]:
    out = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html.replace("\n", ""), flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, flags=re.S)]
        out.append(cells)
    return out


# --- the rank: a hand-made ranking ----------------------------------------------------------------

def test_rank_by_hand_min_rank_on_shown_values_and_polarity():
    # six municipalities; 8,54 is shown as 8,5 and ties with 8,5; the suppressed one (NaN) is not ranked
    values = [12.0, 8.5, 8.54, np.nan, 15.0, 10.0]
    # lower is better: 8,5 8,5 | 10,0 | 12,0 | 15,0 -> 1 1 3 4 5 (min-rank: the tie takes 1, the next is 3)
    assert gp.rank_values(values, "higher_is_worse").tolist()[:3] == [4.0, 1.0, 1.0]
    r = gp.rank_values(values, "higher_is_worse")
    assert math.isnan(r[3]) and r[4] == 5.0 and r[5] == 3.0
    # higher is better: 15 | 12 | 10 | 8,5 8,5 -> 1 2 3 4 4
    r = gp.rank_values(values, "higher_is_better")
    assert [r[4], r[0], r[5], r[1], r[2]] == [1.0, 2.0, 3.0, 4.0, 4.0]
    # without polarity: 1 = the highest value, as for higher_is_better
    assert np.array_equal(gp.rank_values(values, "neutral"), r, equal_nan=True)


def test_rank_column_matches_a_ranking_of_the_published_values(d):
    # independent: sort the published SGB II rates of the 11 municipalities by hand
    res = published_results(d, ["sgb2_quote"], "gemeindeverband", years=[d.report_year])
    res = res[(res["status"] == "") & res["value"].notna()].drop_duplicates("area_id")
    shown = {a: round(v, 1) for a, v in zip(res["area_id"], res["value"])}
    own = shown[MUSTERSTADT]
    expected = 1 + sum(v < own for v in shown.values())  # lower is better; ties share the best rank
    rows = _rows(gp.key_figures(d, MUSTERSTADT, d.report_year).data)
    header = rows[0]
    sgb2 = [r for r in rows if r[0] == "SGB-II-Quote"][0]
    assert sgb2[header.index("Rang")] == f"{expected} von {len(shown)}"
    assert len(shown) == 11


# --- the marker per polarity ----------------------------------------------------------------------

@pytest.mark.parametrize("code, polarity, strong, text, css", [
    ("better", "higher_is_worse", False, "▲ günstiger (niedriger)", "sa-mark-better"),
    ("better", "higher_is_better", True, "▲▲ günstiger (höher)", "sa-mark-better"),
    ("worse", "higher_is_worse", True, "▼▼ ungünstiger (höher)", "sa-mark-worse"),
    ("worse", "higher_is_better", False, "▼ ungünstiger (niedriger)", "sa-mark-worse"),
    ("higher", "neutral", False, "◆ höher", "sa-mark-neutral"),
    ("lower", "neutral", True, "◆◆ niedriger", "sa-mark-neutral"),
    ("similar", "higher_is_worse", False, "● ähnlich", "sa-mark-similar"),
    ("untested_higher", "higher_is_worse", False, "○ höher, ohne Test", "sa-mark-none"),
    ("not_compared", "neutral", False, "– kein Vergleich", "sa-mark-none"),
])
def test_marker_words_symbol_and_class(code, polarity, strong, text, css):
    assert gp.kreis_marker(code, polarity, strong) == (text, css)


def _row(value, lower, upper, x=np.nan, n=np.nan, status=""):
    return pd.Series({"value": value, "lower": lower, "upper": upper, "numerator": x, "denominator": n,
                      "status": status})


def test_comparison_by_hand_at_95_and_99_8_percent():
    # 1.324 of 10.000 = 13,24 %; 99,8 % Wald by hand: 3,0902 * sqrt(0,1324 * 0,8676 / 10.000) = 1,05
    # points, so about 12,2 to 14,3 % (Wilson differs in the second decimal)
    o = _row(13.24, 12.9, 13.6, 1324, 10000)
    assert gp._compare_rows(o, _row(10.0, 9.9, 10.1), "proportion", 100, "higher_is_worse") == ("worse", True, "")
    # Kreis 12,5 %: outside the 95 % interval (12,9 - 13,6), inside the 99,8 % one (12,2 - 14,3)
    assert gp._compare_rows(o, _row(12.5, 12.4, 12.6), "proportion", 100, "higher_is_worse") == ("worse", False, "")
    assert gp._compare_rows(o, _row(12.5, 12.4, 12.6), "proportion", 100, "higher_is_better") == ("better", False, "")
    assert gp._compare_rows(o, _row(13.0, 12.9, 13.1), "proportion", 100, "neutral")[0] == "similar"
    # no interval (a mean): the difference of the shown values, not tested
    assert gp._compare_rows(_row(48.1, np.nan, np.nan), _row(51.0, np.nan, np.nan), "mean", 1,
                            "neutral") == ("untested_lower", False, "")
    # a suppressed value: no marker, the status instead
    assert gp._compare_rows(_row(np.nan, np.nan, np.nan, status="primary"), _row(10.0, 9.9, 10.1), "proportion",
                            100, "higher_is_worse") == ("", False, "primary")


def test_every_key_figure_has_a_marker_and_the_legend(d):
    html = gp.key_figures(d, MUSTERSTADT, d.report_year).data
    rows = _rows(html)
    header = rows[0]
    assert header[-3:] == ["Vergleich zum Kreis", "Rang", "Trend"]
    body = [r for r in rows[1:] if len(r) == len(header)]
    assert len(body) == len(gp.DEFAULT_KEY_FIGURES)
    marks = [r[header.index("Vergleich zum Kreis")] for r in body]
    assert all(m.split(" ")[0] in ("▲", "▲▲", "▼", "▼▼", "●", "◆", "◆◆", "○", ".") for m in marks), marks
    # SGB II 13,2 % against 10,0 %, interval 12,9 - 13,6: higher, higher is worse -> ungünstiger
    sgb2 = [r for r in body if r[0] == "SGB-II-Quote"][0]
    assert sgb2[header.index("Vergleich zum Kreis")].endswith("ungünstiger (höher)")
    # Wohnfläche 48,1 m² against 51,0 m², a mean without interval: described, not tested
    wohn = [r for r in body if r[0] == "Wohnfläche je Einwohner"][0]
    assert wohn[header.index("Vergleich zum Kreis")] == "○ niedriger, ohne Test"
    assert "▲ günstiger (blau) bzw. ▼ ungünstiger (orangerot)" in html and "1 = günstigster Wert" in html
    assert 'class="sa-mark-worse"' in html and 'class="sa-mark-better"' in html
    assert audit_html(html, "gemeinden/03499016.html") == []


# --- findings: chosen by the rule on small fixtures ---------------------------------------------------

def _bench(rows):
    cols = ["indicator", "name", "unit", "polarity", "value", "kreis_value", "code", "strong", "status",
            "kreis_status", "year"]
    return pd.DataFrame([dict(zip(cols, [*r, 2024])) for r in rows])


def test_deviation_findings_rank_and_words_by_hand():
    b = _bench([
        # relative differences |v/k - 1|: a 0,5; b 0,32; c 1,0; f 0,375
        ("a", "Altersarmut", "%", "higher_is_worse", 6.0, 4.0, "worse", False, "", ""),
        ("b", "SGB-II-Quote", "%", "higher_is_worse", 13.24, 10.03, "worse", True, "", ""),
        ("c", "Anteil Nichtdeutsche", "%", "neutral", 20.0, 10.0, "higher", True, "", ""),
        ("d", "Pflegequote", "%", "higher_is_worse", 5.5, 5.8, "similar", False, "", ""),
        ("e", "Kinderarmut", "%", "higher_is_worse", np.nan, 13.9, "", False, "primary", ""),
        ("f", "Beschäftigtenquote", "%", "higher_is_better", 66.0, 48.0, "better", True, "", ""),
        ("g", "Übergewicht", "%", "higher_is_worse", 30.0, np.nan, "", False, "", "secondary"),
    ])
    found = gp.deviation_findings(b, "Landkreis Musterland")
    # polarity first; among those the 99,8-% ones (b 0,32, f 0,375: f first), then a; c (neutral) last;
    # d is similar, e and g rest on a suppressed value: never a finding
    assert [f["indicator"] for f in found] == ["f", "b", "a", "c"]
    b_text = found[1]["text"]
    assert b_text == ("<strong>SGB-II-Quote</strong>: 13,2\u00a0%, 3,2 Prozentpunkte höher als im Landkreis "
                      "Musterland (10,0\u00a0%) – ungünstiger als im Kreis, statistisch gesichert.")
    assert found[1]["symbol"] == "▼▼" and found[0]["symbol"] == "▲▲" and found[3]["symbol"] == "◆◆"
    assert "günstiger" not in found[3]["text"]  # no valuation without a polarity


def test_trend_findings_by_hand():
    # proportions of 10.000 a year, 2015-2024; the test looks at the last five years (2020-2024) only
    years = list(range(2015, 2025))
    def series(i, counts, held_year=None):
        return pd.DataFrame({"indicator": i, "year": years, "numerator": counts, "denominator": 10000.0,
                             "value": [c / 100 for c in counts], "lower": np.nan, "upper": np.nan,
                             "status": ["primary" if y == held_year else "" for y in years]})
    res = pd.concat([
        # x: 400 ... 600 in 2020-2024. Armitage by hand (t = 1..5, n_t = 10.000): N = 50.000, R = 2.500,
        # sum r t = 8.000, sum n t = 150.000, sum n t^2 = 550.000; N sum r t - R sum n t = 2,5e7;
        # chi2 = 50.000 * (2,5e7)^2 / (2.500 * 47.500 * (50.000 * 550.000 - 150.000^2)) = 52,6 > 9,55
        series("x", [300, 300, 300, 300, 300, 400, 450, 500, 550, 600]),
        # y: 1.000 ... 800: R = 4.500, sum r t = 13.000, difference -2,5e7;
        # chi2 = 50.000 * 6,25e14 / (4.500 * 45.500 * 5e9) = 30,5 > 9,55, falling
        series("y", [1000] * 5 + [1000, 950, 900, 850, 800]),
        # z: flat with noise: no trend
        series("z", [500] * 5 + [500, 510, 495, 505, 500]),
        # v: rose 2015-2019 (the ten-year GLM would call it a rise), flat since 2020: no recent trend
        series("v", [300, 400, 500, 600, 700, 700, 700, 700, 700, 700]),
        # w: a strong rise, but 2022 is suppressed: no marker in the key table, so no finding
        series("w", [100] * 5 + [100, 200, 300, 400, 500], held_year=2022),
    ], ignore_index=True)
    ids = ["x", "y", "z", "v", "w"]
    names = {"x": "Altersarmut", "y": "SGB-II-Quote", "z": "Pflegequote", "v": "Kinderarmut", "w": "Arbeitslosenquote"}
    found = gp.trend_findings(res, dict.fromkeys(ids, "proportion"), names, dict.fromkeys(ids, "%"),
                              {**dict.fromkeys(ids, "higher_is_worse"), "z": "neutral"})
    # x before y (chi2 52,6 > 30,5)
    assert [f["indicator"] for f in found] == ["x", "y"]
    assert found[0]["text"] == ("<strong>Altersarmut</strong>: in den letzten fünf Jahren von 4,0\u00a0% (2020) auf "
                                "6,0\u00a0% (2024) gestiegen (+2,0 Prozentpunkte); der Anstieg ist auf dem "
                                "99,8-%-Niveau statistisch gesichert und ungünstig.")
    assert (found[0]["symbol"], found[0]["css"]) == ("↑", "sa-mark-worse")
    assert (found[1]["symbol"], found[1]["css"]) == ("↓", "sa-mark-better")
    assert "(\u22122,0 Prozentpunkte); der Rückgang ist auf dem 99,8-%-Niveau statistisch gesichert und günstig." in found[1]["text"]


def test_every_trend_finding_agrees_with_the_key_tables_trend_column(d):
    # the reviewer's case: findings "↑ ... gesichert" beside "→ keine signifikante Veränderung"
    from sozialanalyse.model.areas import level_ids
    from sozialanalyse.stats import indicators
    cat = indicators.catalog(indicators.district_catalog(d)).set_index("id")
    checked = 0
    for a in level_ids(d, "gemeindeverband"):
        a = str(a)
        rows = _rows(gp.key_figures(d, a, d.report_year).data)
        header = rows[0]
        body = [r for r in rows[1:] if len(r) == len(header)]
        def trend_of(i):
            name = str(cat.loc[i, "name"])
            # the Kennzahl cell: the name, its unit unless a percentage, the year of an earlier value
            shown = [re.sub(r" \(\d{4}\)$", "", r[0].replace("\u00a0", " ")) for r in body]
            hits = [r for r, s in zip(body, shown) if s in (name, f"{name} ({cat.loc[i, 'unit']})")]
            assert len(hits) == 1, (a, i)
            return hits[0][header.index("Trend")]
        found = [f for f in gp.findings(d, a, d.report_year, k=100) if f["kind"] == "trend"]
        for f in found:
            shown = trend_of(f["indicator"])
            word = "↑ steigend" if f["symbol"] == "↑" else "↓ fallend"
            assert shown.startswith(word), (a, f["indicator"], shown)
            if f["css"] != "sa-mark-neutral":
                good = f["css"] == "sa-mark-better"
                assert shown.endswith("(besser)" if good else "(schlechter)"), (a, f["indicator"], shown)
                assert f["text"].endswith(" und günstig." if good else " und ungünstig.")
            assert "in den letzten fünf Jahren" in f["text"] and "99,8-%-Niveau" in f["text"]
            checked += 1
        # and the other way round: every ↑/↓ of the key table is a candidate finding
        moving = {i for i in gp.key_figure_ids(d) if trend_of(i)[:1] in ("↑", "↓")}
        assert moving == {f["indicator"] for f in found}, a
    assert checked > 0


def test_supply_gaps_by_hand_kreis_level_and_rounding():
    levels = {"Pflegestützpunkt": "kreis", "Hausarztpraxis": "gemeindeverband", "Kita": "base",
              "Seniorenberatung": "gemeindeverband"}
    def row(area, level, t, measure, gap, status="", low_reach=False):
        return {"area_id": area, "level": level, "type": t, "measure": measure, "gap": gap,
                "below_guide": gap > 0, "status": status, "low_reach": low_reach, "reach_status": ""}
    g = pd.DataFrame([
        # a Kreis-level type: the municipality's 0,7 missing is no municipal gap, the Kreis's is one
        row("1", "gemeindeverband", "Pflegestützpunkt", "facilities", 0.7),
        row("K", "kreis", "Pflegestützpunkt", "facilities", 0.3),
        # 6,8 required, 6,77 present: the gap 0,03 is shown as 0,0 (one decimal): no gap
        row("1", "gemeindeverband", "Hausarztpraxis", "fte", 0.03),
        # 0,4 places is shown as 0 (places without decimals): no gap; 12 places are one
        row("2", "base", "Kita", "places", 0.4, low_reach=True),
        row("1", "gemeindeverband", "Kita", "places", 12.0),
        # 0,06 full-time posts are shown as 0,1: a gap
        row("2", "base", "Seniorenberatung", "fte", 0.06),
        # a withheld ratio is never used
        row("1", "gemeindeverband", "Seniorenberatung", "fte", 2.0, status="primary"),
    ])
    assert gp.supply_gap_types(g, levels, "1") == (["Kita"], [])
    assert gp.supply_gap_types(g, levels, "K") == (["Pflegestützpunkt"], [])
    assert gp.supply_gap_types(g, levels, "2") == (["Seniorenberatung"], ["Kita"])


def test_supply_findings_on_musterland_follow_the_angebote_table(d):
    from sozialanalyse.model.areas import level_ids
    from sozialanalyse.pages import angebote
    for a in level_ids(d, "gemeindeverband"):
        a = str(a)
        text = " ".join(f["text"] for f in gp.findings(d, a, d.report_year, k=100) if f["kind"] == "angebote")
        # Pflegestützpunkte are planned for the Landkreis as a whole: never a municipal gap
        assert "Pflegestützpunkt" not in text, a
        below = text.split("unter dem Orientierungswert")[1].split(";")[0] if "Orientierungswert" in text else ""
        rows = _rows(angebote.profile_section(d, a, d.report_year).data)
        header = rows[0]
        for r in rows[1:]:
            if len(r) != len(header):
                continue
            gap = r[header.index("Lücke")]
            if f"„{r[0]}“" in below:  # a named gap is a gap the table shows above zero
                assert gap not in ("0", "0,0", ".", "–"), (a, r[0], gap)
    eich = [str(a) for a in level_ids(d, "gemeindeverband") if d.name_of(a) == "Eichenbrück"]
    assert eich
    text = " ".join(f["text"] for f in gp.findings(d, eich[0], d.report_year, k=100))
    # its Hausarzt gap of 0,03 posts is shown as 0,0: no gap (its reach along the streets is low, a
    # finding of its own since the low-reach flag reads the streets where there is a network)
    below = text.split("unter dem Orientierungswert")[1].split(";")[0] if "Orientierungswert" in text else ""
    assert "Hausarztpraxis" not in below


def test_select_findings_takes_turns_and_says_when_fewer_than_three():
    c = [{"kind": "kreis", "text": "k1"}, {"kind": "kreis", "text": "k2"}, {"kind": "kreis", "text": "k3"},
         {"kind": "trend", "text": "t1"}, {"kind": "sozialraeume", "text": "s"}, {"kind": "angebote", "text": "a"}]
    assert [f["text"] for f in gp.select_findings(c)] == ["k1", "s", "t1", "a", "k2"]
    assert [f["text"] for f in gp.select_findings(c[:3])] == ["k1", "k2", "k3"]
    two = [{"kind": "kreis", "css": "sa-mark-worse", "symbol": "▼", "text": "<strong>A</strong>"},
           {"kind": "trend", "css": "sa-mark-better", "symbol": "↓", "text": "<strong>B</strong>"}]
    h = gp.glance_html(gp.select_findings(two), "Eichenbrück")
    assert h.count("<li>") == 2 and "Nur zwei Befunde erfüllen die Auswahlregel" in h
    assert "Kein Befund erfüllt" in gp.glance_html([], "X")
    five = [{**f, "css": "sa-mark-similar", "symbol": "●"} for f in gp.select_findings(c)]
    assert "Nur" not in gp.glance_html(five, "X") and gp.glance_html(five, "X").count("<li>") == 5


# --- the section and the map on Musterland ------------------------------------------------------------

def test_at_a_glance_on_musterstadt(d):
    h = gp.at_a_glance(d, MUSTERSTADT, d.report_year).data
    items = re.findall(r"<li>(.*?)</li>", h, flags=re.S)
    assert 3 <= len(items) <= 5
    text = re.sub(r"<[^>]+>", "", h)
    # the SGB II finding uses the values the key-figure table shows
    rows = _rows(gp.key_figures(d, MUSTERSTADT, d.report_year).data)
    sgb2 = [r for r in rows if r[0] == "SGB-II-Quote"][0]
    assert f"SGB-II-Quote: {sgb2[1]}, " in text and f"({sgb2[3]})" in text
    assert "Prozentpunkte" in text and "Veränderung je Jahr" not in text
    # the Sozialräume finding names the town's Sozialräume on the attention list, and no other
    att = attention_list(d, d.report_year)
    mine = [a for a in att.index if a.startswith(MUSTERSTADT + "-")]
    assert f"{len(mine)} von 18 haben besonderen Aufmerksamkeitsbedarf" in text
    assert all(str(att.loc[a, "name"]) in text for a in mine)
    assert 'href="../kennzahlen.html"' in h
    assert audit_html(f"<html><body>{h}</body></html>", "gemeinden/03499016.html") == []


def test_sozialraum_map_labels_and_the_sentence_without_sozialraeume(d):
    fig = gp.sozialraum_map(d, MUSTERSTADT, d.report_year)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert sorted(labels, key=int) == [str(i) for i in range(1, 19)]
    assert min(t.get_fontsize() for t in fig.axes[0].texts) >= 9
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "besonderer Aufmerksamkeitsbedarf" in legend
    i = gp.sozialraum_map_interactive(d, MUSTERSTADT, d.report_year).data
    data = json.loads(i.split('class="sa-data">')[1].split("</script>")[0])
    assert len(data["rows"]) == 18 and {r["aufmerksamkeit"] for r in data["rows"]} <= {"ja", "nein", "gesperrt"}
    assert audit_html(f"<html><body>{i}</body></html>", "gemeinden/03499016.html") == []
    note = gp.sozialraum_map(d, BRAKENHAGEN, d.report_year).data
    assert "Für Brakenhagen sind keine Sozialräume abgegrenzt" in note
    assert gp.sozialraum_map_interactive(d, BRAKENHAGEN, d.report_year) is None
