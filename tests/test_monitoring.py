"""Tests of sozialanalyse.stats.monitoring (classes, attention list, Theil shares) and of the pages that
show them: the chapter Sozialraum-Monitoring (pages.sozialraum_monitoring) and the profile table
(pages.gemeindeprofil.profile_classes)."""
import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import sozialanalyse as sa
from sozialanalyse.stats import index
from sozialanalyse.pages import gemeindeprofil
from sozialanalyse.pages import sozialraum_monitoring as mo
from sozialanalyse.stats import monitoring as sm


@pytest.fixture(scope="module")
def d():
    return sa.load_district("musterland")


def _texts(fig) -> str:
    """All text of a figure: titles, labels, tick labels, legends and annotations."""
    out = []
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.texts]
        leg = ax.get_legend()
        if leg is not None:
            out.append(leg.get_title().get_text())
            out += [t.get_text() for t in leg.get_texts()]
    return " | ".join(out)


# ---------------------------------------------------------------- attention list (hand-derived)


def _tiny_result() -> index.MSSResult:
    """Five areas with given z-values and classes (two status, two dynamics indicators)."""
    ids = ["A", "B", "C", "D", "E"]
    z_status = pd.DataFrame({"alo": [2.0, 0.5, 1.0, -1.0, np.nan],
                             "sgb2": [1.5, 0.2, 0.4, -1.2, np.nan]}, index=ids)
    z_dyn = pd.DataFrame({"alo": [0.1, 1.2, -0.5, 0.3, np.nan],
                          "sgb2": [-0.2, 0.9, -1.0, 1.1, np.nan]}, index=ids)
    st = pd.Categorical(["sehr niedrig", "mittel", "niedrig", "hoch", None],
                        categories=index.STATUS_CLASSES, ordered=True)
    dy = pd.Categorical(["stabil", "negativ", "positiv", "negativ", None],
                        categories=index.DYNAMICS_CLASSES, ordered=True)
    table = pd.DataFrame({"valid": [True, True, True, True, False],
                          "status_index": [1.8, 0.3, 1.2, -1.4, np.nan], "status_class": st,
                          "dynamics_index": [0.0, 1.6, -1.2, 1.1, np.nan], "dynamics_class": dy},
                         index=pd.Index(ids, name="area_id"))
    return index.MSSResult(z_status, z_dyn, table, None)


def test_attention_list_matches_hand_derivation():
    att = sm.attention(_tiny_result())
    # A: status sehr niedrig; B: dynamics negativ; C: status niedrig; D: dynamics negativ
    # (status hoch does not matter); E: not classified (left out) -> not on the list.
    # Order: worst status first (A, C), then the rest by dynamics index (B 1.6 before D 1.1).
    assert list(att.index) == ["A", "C", "B", "D"]
    assert att.loc["A", "reason"] == "Status sehr niedrig"
    assert att.loc["C", "reason"] == "Status niedrig"
    assert att.loc["B", "reason"] == "Dynamik negativ"
    assert att.loc["D", "reason"] == "Dynamik negativ"
    # drivers: z >= 1, largest first
    assert att.loc["A", "status_drivers"] == ["alo", "sgb2"]
    assert att.loc["A", "dynamics_drivers"] == []
    assert att.loc["C", "status_drivers"] == ["alo"]  # z exactly 1 counts
    assert att.loc["B", "status_drivers"] == []
    assert att.loc["B", "dynamics_drivers"] == ["alo"]  # 0.9 for sgb2 is below 1
    assert att.loc["D", "dynamics_drivers"] == ["sgb2"]


def test_attention_both_reasons_and_empty_list():
    df = pd.DataFrame({"a": [1.0, 2, 3, 4, 10], "a0": [1.0, 2, 3, 4, 5], "population": 500},
                      index=list("VWXYZ"))
    r = index.mss(df, ["a"], {"a": ("a", "a0")})
    att = sm.attention(r)
    assert list(att.index) == ["Z"]
    assert att.loc["Z", "reason"] == "Status sehr niedrig; Dynamik negativ"
    # two-point distribution: z = -1 / +1 exactly -> all "mittel"; equal changes -> no dynamics class
    flat = pd.DataFrame({"a": [1.0, 1, 3, 3], "a0": [0.0, 0, 2, 2], "population": 500}, index=list("WXYZ"))
    assert sm.attention(index.mss(flat, ["a"], {"a": ("a", "a0")})).empty


# ---------------------------------------------------------------- Musterland


def test_settings_defaults_and_config(d):
    assert sm.settings(d) == {"status": list(sm.DEFAULT_STATUS), "dynamics_years": 2}

    class Fake:
        config = {"monitoring": {"status": ["sgb2_quote", "kinderarmut"], "dynamics_years": 3}}

    assert sm.settings(Fake()) == {"status": ["sgb2_quote", "kinderarmut"], "dynamics_years": 3}


def test_monitoring_covers_all_sozialraeume(d):
    m = sm.monitoring(d, 2024)
    assert len(m.data) == 36 and m.start == 2022
    assert set(m.data["town_name"]) == {"Musterstadt", "Bad Lindenau", "Hohenfeld"}
    t = m.result.table
    assert t["valid"].all()  # no Sozialraum under 300 inhabitants in Musterland
    # the known deprived quarters are on the attention list
    att = sm.attention(m.result)
    names = set(m.data.loc[att.index, "name"])
    assert {"Bahnhofsviertel", "Am Sonnenhang"} <= names


def test_theil_shares_sum_to_100(d):
    sh = sm.theil_shares(d, 2024)
    assert sh.loc["between", "share"] + sh.loc["within", "share"] == pytest.approx(100)
    assert sh.loc["between", "theil"] + sh.loc["within", "theil"] == pytest.approx(sh.loc["total", "theil"])
    within = sh.loc[[p for p in sh.index if p.startswith("within:")], "share"].sum()
    assert within == pytest.approx(sh.loc["within", "share"])  # Einheitsgemeinden contribute 0
    html = mo.theil_table(d, 2024).data
    assert "zwischen den Städten und Gemeinden" in html and "innerhalb der Städte und Gemeinden" in html
    assert "100,0 %" in html


def test_theil_result_and_table_name_the_areas(d):
    # Musterland's base areas, counted from areas.csv: 36 Sozialräume in 3 towns (10 + 8 + 18),
    # 16 Mitgliedsgemeinden in 4 Samtgemeinden, 4 Einheitsgemeinden without Sozialräume.
    sh = sm.theil_shares(d, 2024)
    assert sh.attrs["over"] == "base" and sh.attrs["n_areas"] == 56 and sh.attrs["n_groups"] == 11
    assert sh.attrs["unit_counts"] == {"Sozialräume": 36, "Mitgliedsgemeinden": 16, "Gemeinden ohne Sozialräume": 4}
    assert mo.theil_units(sh) == ("56 kleinste Gebiete (36 Sozialräume, 16 Mitgliedsgemeinden und "
                                  "4 Gemeinden ohne Sozialräume)")
    assert sh.loc["within:03499016", "n_areas"] == 18
    so = sm.theil_shares(d, 2024, over="sozialraum")
    assert mo.theil_units(so) == "36 Sozialräume in 3 Städten" and so.attrs["n_areas"] == 36
    # Hand calculation over the 36 Sozialräume from the counts (SGB II persons / persons under 65):
    # T = sum_i s_i ln(r_i / r), between = sum_k S_k/S ln(r_k / r), s_i = x_i / S, r = S / N.
    res = sa.stats.indicators.compute(d, ["sgb2_quote"], level="sozialraum", years=[2024])
    x = res["numerator"].to_numpy(float)
    n = res["denominator"].to_numpy(float)
    town = res["area_id"].astype(str).str[:8].to_numpy()
    r = x.sum() / n.sum()
    total = float(np.sum(x / x.sum() * np.log((x / n) / r)))
    between = sum(x[town == k].sum() / x.sum() * np.log(x[town == k].sum() / n[town == k].sum() / r)
                  for k in np.unique(town))
    assert len(x) == 36 and len(np.unique(town)) == 3
    assert so.loc["total", "theil"] == pytest.approx(total, rel=1e-9)
    assert so.loc["between", "share"] == pytest.approx(100 * between / total, rel=1e-9)
    assert round(so.loc["between", "share"], 1) == 2.9 and round(sh.loc["between", "share"], 1) == 27.6
    html = mo.theil_table(d, 2024).data
    assert "Berechnet über 56 kleinste Gebiete (36 Sozialräume" in html
    assert "nur über die 36 Sozialräume in 3 Städten gerechnet, liegen 2,9 % der Ungleichheit" in html
    with pytest.raises(ValueError, match="over"):
        sm.theil_shares(d, 2024, over="gemeinde")


def test_figures_have_german_labels(d):
    from matplotlib.figure import Figure

    cm = mo.class_map(d, 2024)
    lz = mo.lorenz_figure(d, 2024)
    li = mo.lisa_map(d, 2024)
    for fig in (cm, lz, li):
        assert isinstance(fig, Figure)
    t = _texts(cm)
    assert "Status sehr niedrig" in t and "Dynamik negativ" in t and "Musterstadt" in t
    assert "übriger Landkreis" in t
    t = _texts(lz)
    assert "Gini 0," in t and "Gleichverteilung" in t and "Sozialräume" in t
    t = _texts(li)
    assert "Moran's I" in t and "Startwert 12345" in t
    assert any(k in t for k in ("Hoch-Hoch", "Niedrig-Niedrig", "kein signifikantes Muster"))


def test_tables_and_text(d):
    att = mo.attention_table(d, 2024).data
    assert "Quartiere mit besonderem Aufmerksamkeitsbedarf" in att and "Bahnhofsviertel" in att
    assert "(z " in att and "Regel:" in att
    rob = mo.robustness_table(d, 2024).data
    assert "SGB II-Quote" in rob and "von 36" in rob
    assert "Status" in mo.class_counts(d, 2024).data
    assert "Sozialräume" in mo.method_text(d, 2024).data


def test_profile_classes(d):
    html = gemeindeprofil.profile_classes(d, "03499016", 2024).data
    assert html.startswith("<table") and "Bahnhofsviertel" in html and "sehr niedrig" in html
    assert html.count("<tr>") == 1 + 18  # header + 18 Sozialräume
    other = gemeindeprofil.profile_classes(d, "03499007", 2024).data  # Einheitsgemeinde without Sozialräume
    assert "keine Sozialräume" in other and "sa-note" in other


def test_escaped_names(d):
    """Area names from data are escaped in tables."""
    import copy

    d2 = copy.copy(d)
    d2.areas = d.areas.copy()
    d2.areas.loc[d2.areas["area_id"] == "03499016-02", "name"] = "<b>X</b>"
    sm._CACHE.clear()
    html = gemeindeprofil.profile_classes(d2, "03499016", 2024).data
    sm._CACHE.clear()
    assert "&lt;b&gt;X&lt;/b&gt;" in html and "<b>X</b>" not in html


def test_theil_names_the_areas_left_out_for_missing_data(d):
    # Issue 12: a base area whose value is missing ('fehlt') was dropped from the Theil
    # decomposition without a word; the page said "über 55 kleinste Gebiete" and nothing else.
    from sozialanalyse.io.own import District

    c = d.counts
    drop = ((c["area_id"].astype(str) == "03499016-02") & (c["year"] == 2024)
            & (c["variable"].astype(str) == "sgb2_personen"))
    assert drop.sum() == 1
    d2 = District(folder=d.folder, areas=d.areas, counts=c[~drop].reset_index(drop=True),
                  facilities=d.facilities, meta=d.meta, config=d.config, lenient=True)
    sh = sm.theil_shares(d2, 2024)
    assert sh.attrs["n_areas"] == 55 and sh.attrs["left_out"] == ["03499016-02"]
    assert sm.theil_shares(d2, 2024, over="sozialraum").attrs["left_out"] == ["03499016-02"]
    assert sm.theil_shares(d, 2024).attrs["left_out"] == []
    html = mo.theil_table(d2, 2024).data
    assert "Ohne 1 Gebiet mit fehlenden Daten („fehlt“): Bahnhofsviertel (Musterstadt)." in html
    assert "fehlenden Daten" not in mo.theil_table(d, 2024).data


def test_lisa_map_names_an_area_left_out_for_missing_data(d):
    # the area without a value was a blank hole in the map and the legend only said "55 kleinste Gebiete"
    from sozialanalyse.io.own import District

    c = d.counts
    drop = ((c["area_id"].astype(str) == "03499016-02") & (c["year"] == 2024)
            & (c["variable"].astype(str) == "sgb2_personen"))
    d2 = District(folder=d.folder, areas=d.areas, counts=c[~drop].reset_index(drop=True),
                  facilities=d.facilities, meta=d.meta, config=d.config, lenient=True)
    text = _texts(mo.lisa_map(d2, 2024, permutations=99))
    assert "fehlt (Eingangsdaten unvollständig, nicht berechnet): Bahnhofsviertel (Musterstadt)" in text
    assert "55 kleinste Gebiete" in text
    assert "fehlt" not in _texts(mo.lisa_map(d, 2024, permutations=99))
