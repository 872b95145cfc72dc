"""Tests of sozialanalyse.stats.monitoring (classes, attention list, Theil shares) and of the pages that
show them: the chapter Sozialraum-Monitoring (pages.sozialraum_monitoring) and the profile table
(pages.gemeindeprofil.profile_classes)."""
import re
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import sozialanalyse as sa
from sozialanalyse.pages import gemeindeprofil
from sozialanalyse.pages import sozialraum_monitoring as mo
from sozialanalyse.stats import index
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
    assert "zwischen den Städten, Einheits- und Samtgemeinden" in html
    assert "innerhalb der Städte, Einheits- und Samtgemeinden" in html
    assert "100,0\u00a0%" in html


def test_lorenz_and_theil_count_the_same_municipalities_by_the_same_words(d):
    """The Lorenz curve of the Gemeinden and the Theil table count different sets (issue #16: the
    figure said 23 Städte und Gemeinden, the text 11): each says which set it counts. By hand from
    areas.csv: 3 Städte + 4 Einheitsgemeinden + 16 Mitgliedsgemeinden = 23 Gemeinden counted one by
    one; 3 Städte + 4 Einheitsgemeinden + 4 Samtgemeinden = 11 groups of the decomposition."""
    kinds = d.areas["kind"].value_counts()
    assert kinds["Stadt"] + kinds["Einheitsgemeinde"] + kinds["Mitgliedsgemeinde"] == 23
    assert kinds["Stadt"] + kinds["Einheitsgemeinde"] + kinds["Samtgemeinde"] == 11
    assert "Mitgliedsgemeinden" in mo.LORENZ_LABELS["gemeinde"]
    assert "Städte und Gemeinden" not in mo.LORENZ_LABELS["gemeinde"]
    html = mo.theil_table(d, 2024).data
    assert "innerhalb der 11 Städte, Einheits- und Samtgemeinden?" in html
    # the curve of the Gemeinden has one point per published Gemeinde: 23 (none suppressed in 2024)
    res = mo.rates(d, "sgb2_quote", 2024)
    gem = res[(res["level"].astype(str) == "gemeinde") & (res["status"].astype(str) == "")]
    assert len(gem) == 23


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
    assert "nur über die 36 Sozialräume in 3 Städten gerechnet, liegen 2,9\u00a0% der Ungleichheit" in html
    with pytest.raises(ValueError, match="over"):
        sm.theil_shares(d, 2024, over="gemeinde")


def test_figures_have_german_labels(d):
    from matplotlib.figure import Figure

    from sozialanalyse.render import figures as sa_figures

    cm = mo.class_map(d, 2024)
    lz = mo.lorenz_figure(d, 2024)
    li = mo.lisa_map(d, 2024)
    for fig in (cm, lz, li):  # report figures: the matplotlib figure with caption and alt text
        assert isinstance(fig, sa_figures.Figure) and isinstance(fig.figure, Figure)
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
    assert "SGB-II-Quote" in rob and "von 36" in rob
    assert "Status" in mo.class_counts(d, 2024).data
    assert "Sozialräume" in mo.method_text(d, 2024).data


def test_profile_classes(d):
    html = gemeindeprofil.profile_classes(d, "03499016", 2024).data
    assert html.startswith('<div class="sa-scroll"') and "<table" in html and "Bahnhofsviertel" in html and "sehr niedrig" in html
    assert html.count("<tr>") == 1 + 18  # header + 18 Sozialräume
    other = gemeindeprofil.profile_classes(d, "03499007", 2024).data  # Einheitsgemeinde without Sozialräume
    assert "keine Sozialräume" in other and "sa-note" in other


def test_escaped_names(d):
    """Area names from data are escaped in tables."""
    import copy

    d2 = copy.copy(d)
    d2.areas = d.areas.copy()
    d2.areas.loc[d2.areas["area_id"] == "03499016-02", "name"] = "<b>X</b>"
    sm.forget()
    html = gemeindeprofil.profile_classes(d2, "03499016", 2024).data
    sm.forget()
    assert "&lt;b&gt;X&lt;/b&gt;" in html and "<b>X</b>" not in html


def test_the_kept_result_is_computed_afresh_after_forget(d, monkeypatch):
    """The last result is kept (the pages of a notebook ask several times); ``forget`` drops it,
    as the build's fork server does when its computation ahead printed or warned."""
    calls = []
    real = sm.mss
    monkeypatch.setattr(sm, "mss", lambda *a, **k: calls.append(1) or real(*a, **k))
    sm.forget()
    first = sm.monitoring(d, 2024)
    assert sm.monitoring(d, 2024) is first and len(calls) == 1
    sm.forget()
    again = sm.monitoring(d, 2024)
    assert again is not first and len(calls) == 2
    assert again.result.table.equals(first.result.table)


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


# ---------------------------------------------------------------- disclosure control (issue #14)
# A planted copy of Musterland: Musterstadt's Sozialraum 03499016-18 (Ortschaft Osterwald) has
# 2 inhabitants (a man and a woman aged 30-34) and 1 SGB II recipient in 2024. The other
# monitoring inputs of the area in 2024 are made to fit (no children or pensioners on benefits,
# no unemployed, no employees); its earlier years and every other area are untouched.

PLANTED_SR, TOWN = "03499016-18", "03499016"
#: Einwohner 2024 of Musterstadt's Sozialräume, summed by hand from population.csv (Birkenhof:
#: the number the attention table used to print while the profile suppressed it).
BIRKENHOF, SONNENHANG = 1195, 4440


def _plant(folder):
    import shutil

    shutil.copytree(MUSTERLAND, folder)
    p = pd.read_csv(folder / "population.csv", dtype={"area_id": str}, keep_default_na=False)
    hit = (p["area_id"] == PLANTED_SR) & (p["year"] == 2024)
    p.loc[hit, "value"] = 0
    for sex in ("m", "w"):
        p.loc[hit & (p["age_group"] == "30-34") & (p["sex"] == sex) & (p["nationality"] == "deutsch"), "value"] = 1
    p.to_csv(folder / "population.csv", index=False)
    for name, keep in (("transfers.csv", {"sgb2_personen": 1}), ("labour.csv", {})):
        t = pd.read_csv(folder / name, dtype={"area_id": str}, keep_default_na=False)
        hit = (t["area_id"] == PLANTED_SR) & (t["year"] == 2024)
        t.loc[hit, "value"] = [keep.get(v, 0) for v in t.loc[hit, "variable"]]
        t.to_csv(folder / name, index=False)


MUSTERLAND = Path(__file__).resolve().parents[1] / "data" / "musterland"


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted_sr") / "musterland"
    _plant(folder)
    return sa.load_district(folder)


def _cells(html: str) -> list[list[str]]:
    out = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.S)]
        if cells:
            out.append(cells)
    return out


def _raw_sgb2(folder) -> pd.DataFrame:
    """SGB-II-Quote 2024 of the Sozialräume straight from the CSV files (no library code):
    sgb2_personen / Einwohner under 65."""
    p = pd.read_csv(folder / "population.csv", dtype={"area_id": str})
    t = pd.read_csv(folder / "transfers.csv", dtype={"area_id": str})
    young = p[(p["year"] == 2024) & (p["age_group"].map(lambda g: int(g.rstrip("+").split("-")[0]) < 65))]
    n = young.groupby("area_id")["value"].sum()
    x = t[(t["year"] == 2024) & (t["variable"] == "sgb2_personen")].set_index("area_id")["value"]
    out = pd.DataFrame({"x": x, "n": n}).dropna()
    out = out[out.index.str.contains("-")]  # Sozialräume only
    out["rate"] = 100 * out["x"] / out["n"]
    return out


def test_planted_sozialraum_gets_no_z_value_index_or_class(planted):
    m = mo.published_monitoring(planted, 2024)
    # 03499016-18 is under 300 inhabitants (not classified); 14 and 17 (SGB-II-Quote,
    # Kinderarmut, Arbeitslosenanteil) and 16 (Kinderarmut, Arbeitslosenanteil) lose their rates
    # to secondary suppression in the protected layer: no z-value, index or class for any of them
    locked = ["03499016-14", "03499016-16", "03499016-17"]
    assert mo.suppressed_areas(m) == locked
    for a in [*locked, PLANTED_SR]:
        assert m.result.z_status.loc[a].isna().all() and m.result.z_dynamics.loc[a].isna().all()
        assert pd.isna(m.result.table.loc[a, "status_index"]) and pd.isna(m.result.table.loc[a, "status_class"])
    rows = {r[1]: r for r in _cells(gemeindeprofil.profile_classes(planted, TOWN, 2024).data)}
    for name in ("Ortschaft Birkenhof", "Ortschaft Ahrensdorf", "Ortschaft Kleinmühlen"):
        # Nr., Sozialraum, Einwohner, Statusindex, Status, Dynamikindex, Dynamik, Aufmerksamkeit
        assert rows[name][3:] == [".", ".", ".", ".", "."], rows[name]
    assert rows["Ortschaft Osterwald"][3:7] == ["–", "nicht bewertet", "–", "nicht bewertet"]
    att = mo.attention_table(planted, 2024).data
    for name in ("Birkenhof", "Ahrensdorf", "Kleinmühlen", "Osterwald"):
        assert name not in att
    assert re.search(r"[a-zäöü] \. \(z", att) is None  # no "SGB-II-Quote . (z 3,3)"
    assert "Ohne Status- oder Dynamikklasse, weil Kennzahlen gesperrt sind (Geheimhaltung): 3 Sozialräume." in att


def test_z_values_are_standardised_over_published_rates_only(planted):
    # Hand calculation: the z-value of Am Sonnenhang's SGB-II-Quote over the 32 Sozialräume that
    # are classified (36 minus the planted one, under 300, and the three with suppressed rates),
    # mean and population SD (ddof=0) of the rates computed from the CSV files.
    raw = _raw_sgb2(planted.folder)
    assert len(raw) == 36
    shown = raw.drop(index=["03499016-14", "03499016-16", "03499016-17", PLANTED_SR])
    z = (shown.loc["03499016-03", "rate"] - shown["rate"].mean()) / shown["rate"].std(ddof=0)
    m = mo.published_monitoring(planted, 2024)
    assert m.result.z_status.loc["03499016-03", "sgb2_quote"] == pytest.approx(z, rel=1e-9)
    # with the suppressed areas' real rates inside the mean and SD it would differ
    real = raw.drop(index=[PLANTED_SR])
    z_real = (real.loc["03499016-03", "rate"] - real["rate"].mean()) / real["rate"].std(ddof=0)
    assert abs(z - z_real) > 1e-3
    att = mo.attention_table(planted, 2024).data
    assert "SGB-II-Quote 25,9\u00a0% (z " + f"{z:.1f}".replace(".", ",") + ")" in att


def test_einwohner_are_suppressed_alike_on_every_table(planted):
    prof = {r[1]: r[2] for r in _cells(gemeindeprofil.profile_classes(planted, TOWN, 2024).data)}
    sub = {r[0]: r[1] for r in _cells(gemeindeprofil.subareas(planted, TOWN, 2024).data)}
    att = {r[0].split(" (")[0]: r[1] for r in _cells(mo.attention_table(planted, 2024).data)}
    assert prof == sub  # the same 18 Sozialräume, the same numbers and dots
    assert {k: v for k, v in att.items() if k in prof} == {k: prof[k] for k in att if k in prof}
    dots = sorted(k for k, v in prof.items() if v == ".")
    assert dots == ["Ortschaft Birkenhof", "Ortschaft Osterwald"]
    # the town's total (38.382, summed by hand from population.csv) minus every Einwohner
    # published on these pages leaves the sum of the two suppressed ones, never one of them
    published = sum(int(v.replace(".", "")) for v in prof.values() if v != ".")
    assert 38382 - published == BIRKENHOF + 2
    for html in (gemeindeprofil.profile_classes(planted, TOWN, 2024).data,
                 gemeindeprofil.subareas(planted, TOWN, 2024).data, mo.attention_table(planted, 2024).data):
        assert "1.195" not in html and "Einw.)" not in html
        from sozialanalyse.build.audit import audit_html

        assert audit_html(html, "p.html") == []
    assert prof["Am Sonnenhang"] == "4.440" and att["Am Sonnenhang"] == "4.440"  # ordinary values shown


def test_disparity_figures_leave_suppressed_areas_out(planted):
    # SGB-II-Quote 2024 is suppressed for 03499016-14, -17 (secondary) and -18 (1 recipient):
    # Lorenz/Gini, Theil and LISA are computed over the other 33 Sozialräume.
    raw = _raw_sgb2(planted.folder).drop(index=["03499016-14", "03499016-17", PLANTED_SR])
    assert len(raw) == 33
    # population-weighted Gini by its double-sum definition
    y, w = (raw["x"] / raw["n"]).to_numpy(), raw["n"].to_numpy(float)
    g = np.sum(w[:, None] * w[None, :] * np.abs(y[:, None] - y[None, :])) / (2 * w.sum() ** 2 * np.average(y, weights=w))
    text = _texts(mo.lorenz_figure(planted, 2024))
    assert f"Sozialräume der Städte (33): Gini {g:.2f}".replace(".", ",") in text
    assert "Ohne 3 Gebiete mit gesperrtem Wert (Geheimhaltung)" in text
    # Theil T between the three towns over the 33 Sozialräume (as in the test above)
    x, n = raw["x"].to_numpy(float), raw["n"].to_numpy(float)
    town = raw.index.str[:8].to_numpy()
    r = x.sum() / n.sum()
    total = float(np.sum(x / x.sum() * np.log((x / n) / r)))
    between = sum(x[town == k].sum() / x.sum() * np.log(x[town == k].sum() / n[town == k].sum() / r)
                  for k in np.unique(town))
    html = mo.theil_table(planted, 2024).data
    share = f"{100 * between / total:.1f}".replace(".", ",")
    assert f"nur über die 33 Sozialräume in 3 Städten gerechnet, liegen {share}\u00a0% der Ungleichheit" in html
    assert "Ohne 3 Gebiete mit gesperrtem Wert (Geheimhaltung)" in html
    assert 'data-sa-kind="index"' in html
    lisa = _texts(mo.lisa_map(planted, 2024, permutations=99))
    assert "gesperrt (Geheimhaltung, nicht berechnet): 3 Gebiete" in lisa and "53 kleinste Gebiete" in lisa


def test_monitoring_tables_without_suppression_and_their_kinds(d):
    att = mo.attention_table(d, 2024).data
    rows = {r[0]: r for r in _cells(att)}
    assert rows["Am Sonnenhang (Musterstadt, Nr. 3)"][1] == f"{SONNENHANG:,}".replace(",", ".")
    assert f'data-sa-kind="count">{SONNENHANG:,}<'.replace(",", ".") in att
    assert "gesperrt" not in att and "Geheimhaltung" not in att
    prof = gemeindeprofil.profile_classes(d, TOWN, 2024).data
    assert 'data-sa-kind="index"' in prof and "Geheimhaltung" not in prof
    for html in (att, prof, gemeindeprofil.subareas(d, TOWN, 2024).data, mo.class_counts(d, 2024).data,
                 mo.theil_table(d, 2024).data, mo.robustness_table(d, 2024).data):
        heads = re.findall(r"<th[ >][^>]*>?", html.split("</thead>")[0])
        assert heads and all("data-sa-kind=" in h for h in heads), heads
    assert "(in diesem Bericht: keiner)." in mo.method_text(d, 2024).data


def test_a_rate_suppressed_in_the_start_year_removes_only_the_dynamics(d):
    # stats.monitoring with given (published) rates: Bahnhofsviertel's SGB-II-Quote of 2022 marked
    # suppressed. Its status inputs are unchanged, so every status z-value equals the unprotected
    # one; its dynamics get no z-value, index or class and it leaves the others' standardisation.
    raw = sm.monitoring(d, 2024)
    rates = sa.stats.indicators.compute(d, list(sm.DEFAULT_STATUS), level="sozialraum", years=[2022, 2024])
    hit = (rates["area_id"].astype(str) == "03499016-02") & (rates["indicator"].astype(str) == "sgb2_quote") \
        & (rates["year"] == 2022)
    assert hit.sum() == 1
    rates = rates.assign(status=np.where(hit, "secondary", ""))
    m = sm.monitoring(d, 2024, rates=rates)
    t = m.result.table
    assert t.loc["03499016-02", "reason"] == "gesperrt: Dynamikwert der Geheimhaltung unterworfen"
    assert t.loc["03499016-02", "status_class"] == raw.result.table.loc["03499016-02", "status_class"]
    assert pd.isna(t.loc["03499016-02", "dynamics_index"]) and m.result.z_dynamics.loc["03499016-02"].isna().all()
    np.testing.assert_allclose(m.result.z_status.to_numpy(float), raw.result.z_status.to_numpy(float))
    # the change of SGB-II-Quote standardised over the other 35 areas (hand: mean and SD, ddof=0)
    ch = (raw.data["sgb2_quote"] - raw.data["sgb2_quote@2022"]).drop("03499016-02")
    z = (ch - ch.mean()) / ch.std(ddof=0)
    np.testing.assert_allclose(m.result.z_dynamics["sgb2_quote"].drop("03499016-02").to_numpy(float),
                               z.to_numpy(float), rtol=1e-9)
    assert m.data.loc["03499016-02", "suppressed"] == "sgb2_quote 2022"
