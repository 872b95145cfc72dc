"""Tests of sozialanalyse.pages.gesundheit: the chapters Gesundheit, Pflege, Senioren, Menschen mit
Behinderungen and the spine chart of the Gemeindeprofil.

The funnel classification and the distance to a Pflegestützpunkt are checked against hand
calculations on a tiny constructed district; every page function runs on Musterland.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scipy import stats

import sozialanalyse as sa
from sozialanalyse.pages import gesundheit as hp
from sozialanalyse.model.areas import AGE_GROUPS
from sozialanalyse.io.own import District

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ["area_id", "year", "variable", "age_group", "sex", "nationality", "type", "value"]


# --- a tiny constructed district ---------------------------------------------------------------


def _rows(area, years, variable, values: dict, sexes=("m", "w")):
    """Rows for every age band and sex; ``values`` maps (sex, band) or band to a value (else 0)."""
    out = []
    for y in years:
        for s in sexes:
            for b in AGE_GROUPS:
                v = values.get((s, b), values.get(b, values.get("*", 0.0)))
                out.append([area, y, variable, b, s, "deutsch" if variable == "einwohner" else "insgesamt",
                            "insgesamt", float(v)])
    return out


def _tiny(tmp_path: Path, with_geometry: bool = False) -> District:
    """Kreis 09999 with the Stadt 09999001 (Sozialräume -01 and -02) and the Einheitsgemeinde
    09999002; 1.000 inhabitants in every age band and sex of each base area, 2020-2024."""
    areas = pd.DataFrame({
        "area_id": ["09999", "09999001", "09999001-01", "09999001-02", "09999002"],
        "name": ["Landkreis Klein", "Astadt", "Nord", "Süd", "Bedorf"],
        "kind": ["Landkreis", "Stadt", "Sozialraum", "Sozialraum", "Einheitsgemeinde"],
        "parent_id": ["", "09999", "09999001", "09999001", "09999"],
    })
    years = range(2020, 2025)
    rows = []
    for a in ("09999001-01", "09999001-02", "09999002"):
        rows += _rows(a, years, "einwohner", {"*": 1000.0})
    # deaths only among women aged 90+: Astadt 30 in five years (3 per year in each Sozialraum),
    # Bedorf 10 (2 per year)
    rows += _rows("09999001-01", years, "sterbefaelle", {("w", "90+"): 3.0})
    rows += _rows("09999001-02", years, "sterbefaelle", {("w", "90+"): 3.0})
    rows += _rows("09999002", years, "sterbefaelle", {("w", "90+"): 2.0})
    counts = pd.DataFrame(rows, columns=COLUMNS)
    facilities = pd.DataFrame({
        "facility_id": ["PSP-1", "KITA-1"], "name": ["Pflegestützpunkt Astadt", "Kita Nord"],
        "type": ["Pflegestützpunkt", "Kita"], "area_id": ["09999001-02", "09999001-01"],
        "x": [3000.0, 1.0], "y": [4000.0, 1.0], "capacity": [np.nan, 50.0]})
    d = District(folder=tmp_path, areas=areas, counts=counts, facilities=facilities,
                 meta={"name": "Landkreis Klein"})
    if with_geometry:
        import geopandas as gpd
        from shapely.geometry import box

        def sq(x, y):  # a 2 m square around (x, y): its representative point is within 1,5 m
            return box(x - 1, y - 1, x + 1, y + 1)

        nord, sued, bedorf = sq(0, 0), sq(0, 6000), sq(10000, 0)
        geo = gpd.GeoDataFrame({"area_id": list(areas["area_id"])},
                               geometry=[nord.union(sued).union(bedorf), nord.union(sued), nord, sued, bedorf],
                               crs="EPSG:25832")
        geo.to_file(tmp_path / "gebiete.gpkg", layer="gebiete", driver="GPKG")
    return d


def _by_hand(o, e, level):
    """The funnel test by hand (exact Poisson): "höher" when the lower limit of the observed
    count lies above the expected count, "niedriger" when the upper limit lies below it."""
    alpha = 1 - level
    low = stats.chi2.ppf(alpha / 2, 2 * o) / 2 if o > 0 else 0.0
    high = stats.chi2.ppf(1 - alpha / 2, 2 * o + 2) / 2
    return "höher" if low > e else "niedriger" if high < e else "im Rahmen"


@pytest.mark.parametrize("o_a, o_b, expected", [
    # deaths in five years in Astadt and Bedorf -> classes (95 %, 99,8 %) of Astadt and Bedorf
    (30, 2, {"09999001": ("im Rahmen", "im Rahmen"), "09999002": ("niedriger", "im Rahmen")}),
    (40, 2, {"09999001": ("höher", "im Rahmen"), "09999002": ("niedriger", "niedriger")}),
])
def test_funnel_classification_matches_hand_calculation(tmp_path, o_a, o_b, expected):
    d = _tiny(tmp_path)
    c = d.counts
    deaths = (c["variable"] == "sterbefaelle") & (c["sex"] == "w") & (c["age_group"] == "90+")
    c.loc[deaths & c["area_id"].str.startswith("09999001-"), "value"] = o_a / 10  # two Sozialräume, 5 years
    c.loc[deaths & (c["area_id"] == "09999002"), "value"] = o_b / 5
    m = hp.mortality_data(d, 2024, pool=5).set_index("area_id")
    assert m.attrs["years"] == [2020, 2021, 2022, 2023, 2024]
    # Kreis rate for women 90+: (o_a + o_b) deaths / 15.000 person-years; Astadt has 10.000
    # person-years in that band, Bedorf 5.000; all other bands have no deaths
    e = {"09999001": (o_a + o_b) * 10000 / 15000, "09999002": (o_a + o_b) * 5000 / 15000}
    o = {"09999001": o_a, "09999002": o_b}
    for a, exp in e.items():
        assert m.loc[a, "observed"] == pytest.approx(o[a])
        assert m.loc[a, "expected"] == pytest.approx(exp)
        assert m.loc[a, "smr"] == pytest.approx(100 * o[a] / exp)
        hand = (_by_hand(o[a], exp, 0.95), _by_hand(o[a], exp, 0.998))
        assert hand == expected[a]
        assert (m.loc[a, "einstufung_95"], m.loc[a, "einstufung_99_8"]) == hand
    assert m.loc["09999", "smr"] == pytest.approx(100)


def test_pflegestuetzpunkt_distance_of_an_incomplete_population_is_missing(tmp_path):
    # Issue 12: an area whose population has an absent row got weight 0 (a NaN summed by
    # groupby is 0), so the town's and the Kreis's "Einwohner ab 80" and mean distances were
    # published smaller and shifted, silently (Musterland: Musterstadt 2.813 for 3.014).
    d = _tiny(tmp_path, with_geometry=True)
    c = d.counts
    pop = c["variable"] == "einwohner"
    c.loc[pop, "value"] = 0.0
    c.loc[pop & (c["area_id"] == "09999001-01") & (c["age_group"] == "80-84") & (c["sex"] == "w"), "value"] = 100
    c.loc[pop & (c["area_id"] == "09999001-02") & (c["age_group"] == "90+") & (c["sex"] == "w"), "value"] = 300
    c.loc[pop & (c["area_id"] == "09999002") & (c["age_group"] == "85-89") & (c["sex"] == "w"), "value"] = 50
    drop = (pop & (c["area_id"] == "09999001-02") & (c["year"] == 2024) & (c["age_group"] == "20-24")
            & (c["sex"] == "m"))
    assert drop.sum() == 1
    d2 = District(folder=d.folder, areas=d.areas, counts=c[~drop].reset_index(drop=True),
                  facilities=d.facilities, meta=d.meta, lenient=True)
    res = hp.psp_distance_data(d2, 2024).set_index("area_id")
    for a in ("09999001", "09999"):  # Süd (300 persons 80+, 6 km) is unknown: not weight 0
        assert np.isnan(res.loc[a, "einwohner_80plus"]) and np.isnan(res.loc[a, "distance_km"])
    assert res.loc["09999002", "einwohner_80plus"] == 50  # complete: unchanged
    assert res.loc["09999002", "distance_km"] == pytest.approx(math.sqrt(65), abs=0.002)
    html = hp.psp_table(d2, 2024).data
    assert html.count("fehlt ²") == 4  # Astadt and the Kreis, each 80+ population and mean distance
    assert "² fehlt: Eingangsdaten unvollständig (einwohner 2024 in 1 Teilgebiet)" in html
    assert "fehlt" not in hp.psp_table(d, 2024).data


def test_care_intro_with_absent_rows_says_fehlt_not_a_smaller_total(tmp_path):
    # Issue 12: the Kreis's care total was c.sum() (NaN types skipped: a smaller total printed as
    # fact) and its population float(...sum()) (NaN -> 0: ZeroDivisionError broke the lenient build).
    d = _tiny(tmp_path)
    care = []
    for a in ("09999001-01", "09999001-02", "09999002"):
        for t, v in (("pflegegeld", 10.0), ("ambulant", 5.0), ("stationaer", 3.0)):
            care.append([a, 2024, "pflegebeduerftige", "90+", "w", "insgesamt", t, v])
    c = pd.concat([d.counts, pd.DataFrame(care, columns=COLUMNS)], ignore_index=True)
    full = District(folder=d.folder, areas=d.areas, counts=c, facilities=d.facilities, meta=d.meta)
    page = hp.care_intro(full, 2024).data
    # hand count: 3 areas x (10 + 5 + 3) = 54 of 3 x 2 x 19 x 1.000 = 114.000 inhabitants; at home 45 of 54
    assert "**54** Menschen pflegebedürftig nach SGB XI, das sind 0,0 % der Bevölkerung" in page
    assert "**83,3 %** von ihnen werden zu Hause versorgt: 30 allein" in page
    drop_care = (c["variable"] == "pflegebeduerftige") & (c["area_id"] == "09999002") & (c["type"] == "stationaer")
    gap = District(folder=d.folder, areas=d.areas, counts=c[~drop_care].reset_index(drop=True),
                   facilities=d.facilities, meta=d.meta, lenient=True)
    page = hp.care_intro(gap, 2024).data
    assert "**51**" not in page and "**54**" not in page  # 51 = the total without Bedorf's stationary cases
    assert ("Die Zahl der Pflegebedürftigen am 15.12.2024 im Landkreis Klein fehlt "
            "(Eingangsdaten unvollständig") in page
    drop_pop = ((c["variable"] == "einwohner") & (c["area_id"] == "09999002") & (c["year"] == 2024)
                & (c["age_group"] == "20-24") & (c["sex"] == "m"))
    gap = District(folder=d.folder, areas=d.areas, counts=c[~drop_pop].reset_index(drop=True),
                   facilities=d.facilities, meta=d.meta, lenient=True)
    page = hp.care_intro(gap, 2024).data  # raised ZeroDivisionError
    assert "**54** Menschen pflegebedürftig nach SGB XI (Anteil an der Bevölkerung: fehlt" in page


def test_pflegestuetzpunkt_distance_matches_hand_calculation(tmp_path):
    d = _tiny(tmp_path, with_geometry=True)
    # 80+ population: Nord 100 (80-84), Süd 300 (90+), Bedorf 50 (85-89); younger people must not count
    c = d.counts
    pop = c["variable"] == "einwohner"
    c.loc[pop, "value"] = 0.0
    c.loc[pop & (c["area_id"] == "09999001-01") & (c["age_group"] == "20-24") & (c["sex"] == "m"), "value"] = 5000
    c.loc[pop & (c["area_id"] == "09999001-01") & (c["age_group"] == "80-84") & (c["sex"] == "w"), "value"] = 100
    c.loc[pop & (c["area_id"] == "09999001-02") & (c["age_group"] == "90+") & (c["sex"] == "w"), "value"] = 200
    c.loc[pop & (c["area_id"] == "09999001-02") & (c["age_group"] == "90+") & (c["sex"] == "m"), "value"] = 100
    c.loc[pop & (c["area_id"] == "09999002") & (c["age_group"] == "85-89") & (c["sex"] == "w"), "value"] = 50
    res = hp.psp_distance_data(d, 2024).set_index("area_id")
    # Pflegestützpunkt at (3000, 4000): Nord (0, 0) 5 km, Süd (0, 6000) sqrt(3²+2²) km,
    # Bedorf (10000, 0) sqrt(7²+4²) km - straight lines, the Kita is ignored
    nord, sued, bedorf = 5.0, math.sqrt(13), math.sqrt(65)
    tol = 0.002  # the representative point lies within 1,5 m of the square's centre
    assert res.loc["09999001", "einwohner_80plus"] == 400
    assert res.loc["09999001", "distance_km"] == pytest.approx((100 * nord + 300 * sued) / 400, abs=tol)
    assert res.loc["09999001", "max_km"] == pytest.approx(nord, abs=tol)
    assert res.loc["09999001", "facilities"] == 1
    assert res.loc["09999002", "distance_km"] == pytest.approx(bedorf, abs=tol)
    assert res.loc["09999002", "facilities"] == 0
    assert res.loc["09999", "distance_km"] == pytest.approx((100 * nord + 300 * sued + 50 * bedorf) / 450, abs=tol)
    assert list(res.index) == ["09999001", "09999002", "09999"]
    # at Sozialraum level
    sr = hp.psp_distance_data(d, 2024, level="sozialraum").set_index("area_id")
    assert sr.loc["09999001-02", "distance_km"] == pytest.approx(sued, abs=tol)


def test_nearest_distance_without_facilities_is_missing():
    assert np.isnan(hp.nearest_distance([(0, 0)], np.empty((0, 2)))).all()
    assert hp.nearest_distance([(0, 0), (6, 8)], [(0, 0)]).tolist() == [0.0, 10.0]


# --- the Musterland pages ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def d():
    return sa.load_district("musterland")


def _html(obj) -> str:
    return obj.data if hasattr(obj, "data") else str(obj)


def _figure_text(fig: Figure) -> str:
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    return " ".join(texts)


def test_mortality_data_musterland(d):
    m = hp.mortality_data(d, 2024)
    assert m.attrs["years"] == [2020, 2021, 2022, 2023, 2024]
    assert list(m["area_id"]) == [*d.municipalities()["area_id"], "03499"]
    kreis = m.iloc[-1]
    # the municipalities' expected deaths add up to the Kreis deaths (indirect standardisation)
    assert m.iloc[:-1]["expected"].sum() == pytest.approx(kreis["observed"])
    assert kreis["smr"] == pytest.approx(100)
    assert (m["dsr_lower_95"] < m["dsr"]).all() and (m["dsr"] < m["dsr_upper_95"]).all()
    assert set(m.iloc[:-1]["einstufung_95"]) <= {"niedriger", "im Rahmen", "höher"}


@pytest.mark.parametrize("name, call, labels", [
    ("mortality_overview", lambda d: hp.mortality_overview(d, 2024), ["Altersstandardisierte Sterberate", "2020–2024"]),
    ("mortality_funnel", lambda d: hp.mortality_funnel(d, 2024),
     ["Trichterdiagramm", "95-%-Grenze", "99,8-%-Grenze", "Musterstadt", "Erwartete Sterbefälle"]),
    ("smr_map", lambda d: hp.smr_map(d, 2024), ["SMR (Landkreis = 100)", "Musterstadt"]),
    ("mortality_trend", lambda d: hp.mortality_trend(d), ["Frauen", "Männer", "Insgesamt"]),
    ("school_entry_figure", lambda d: hp.school_entry_figure(d, 2024), ["Übergewicht", "Sprachförderbedarf"]),
    ("school_entry_trend", lambda d: hp.school_entry_trend(d), ["Schuleingangsuntersuchungen"]),
    ("care_by_age", lambda d: hp.care_by_age(d, 2024), ["Pflegegeld (nur Angehörige)", "Stationäre Pflege",
                                                        "Pflegequote nach Alter"]),
    ("care_projection_kreis", lambda d: hp.care_projection_kreis(d, 2024),
     ["Status quo", "Kompression", "Trend", "Spannweite der Szenarien", "2040"]),
    ("care_projection_municipalities", lambda d: hp.care_projection_municipalities(d, 2024),
     ["Musterstadt", "Samtgemeinde Heidetal"]),
    ("psp_map", lambda d: hp.psp_map(d, 2024), ["Pflegestützpunkt", "Luftlinie", "unter 5 km"]),
    ("senior_projection", lambda d: hp.senior_projection(d, 2024), ["80 Jahre und älter", "Vorausberechnung"]),
    ("senior_maps", lambda d: hp.indicator_maps(d, hp.SENIOR_IDS[:2], 2024, level="base",
                                                facility_type="Seniorenberatung"), ["Seniorenberatung", "%"]),
    ("disability_by_age", lambda d: hp.disability_by_age(d, 2024), ["Schwerbehinderte Menschen", "90+"]),
    ("disability_trend", lambda d: hp.indicator_trend(d, hp.DISABILITY_IDS), ["Schwerbehindertenquote"]),
    ("spine_chart", lambda d: hp.spine_chart(d, "03499016", 2024),
     ["Musterstadt", "Landkreis", "Übergewicht bei der Einschulung", "SMR", "Spannweite der"]),
])
def test_figures(d, name, call, labels):
    fig = call(d)
    assert isinstance(fig, Figure), name
    words = _figure_text(fig)
    for label in labels:
        assert label in words, f"{name}: {label!r} missing"


@pytest.mark.parametrize("name, call, labels", [
    ("mortality_table", lambda d: hp.mortality_table(d, 2024),
     ["DSR je 100.000", "SMR", "Einstufung (99,8 %)", "Landkreis Musterland"]),
    ("school_entry_table", lambda d: hp.school_entry_table(d, 2024), ["Sozialräume", "Wilson", "Musterstadt"]),
    ("care_table", lambda d: hp.care_table(d, 2024), ["nur Pflegegeld", "stationär", "Pflegequote ab 80"]),
    ("care_projection_table", lambda d: hp.care_projection_table(d, 2024), ["2040, Spannweite", "Einwohner ab 80"]),
    ("psp_table", lambda d: hp.psp_table(d, 2024), ["Luftlinie", " km", "Stützpunkte im Gebiet"]),
    ("senior_table", lambda d: hp.indicator_table(d, hp.SENIOR_IDS, 2024),
     ["Altersarmut", "Alleinlebende", "Pflegequote ab 80 Jahren"]),
    ("senior_table_sr", lambda d: hp.indicator_table(d, hp.SENIOR_IDS, 2024, level="sozialraum"),
     ["Sozialräume", "sa-group"]),
    ("disability_table", lambda d: hp.indicator_table(d, hp.DISABILITY_IDS, 2024),
     ["Schwerbehindertenquote ab 65 Jahren"]),
])
def test_tables(d, name, call, labels):
    out = _html(call(d))
    assert out.startswith('<table class="sa-table">'), name
    for label in labels:
        assert label in out, f"{name}: {label!r} missing"
    assert "<script" not in out


@pytest.mark.parametrize("call, labels", [
    (lambda d: hp.mortality_intro(d, 2024), ["2020–2024", "je 100.000"]),
    (lambda d: hp.care_intro(d, 2024), ["pflegebedürftig", "zu Hause"]),
    (lambda d: hp.care_projection_method(d, 2024), ["Status quo", "Kompression", "Trend", "2040"]),
    (lambda d: hp.indicator_intro(d, hp.SENIOR_IDS, 2024), ["Altersarmut", "im Landkreis"]),
])
def test_texts(d, call, labels):
    out = _html(call(d))
    for label in labels:
        assert label in out


def test_care_projection_reproduces_the_base_year(d):
    p = hp.care_projection_data(d, 2024)
    care = p["care"]
    base = care[care["year"] == 2024].groupby("area_id")[["status_quo", "compression", "trend"]].sum()
    hist = p["history"]
    observed = hist[hist["year"] == 2024].set_index("area_id")["value"]
    for a, row in base.iterrows():
        for s in ("status_quo", "compression", "trend"):
            assert row[s] == pytest.approx(observed[a], rel=1e-9), (a, s)
    end = care[care["year"] == 2040]
    assert (end["recipients_min"] <= end["status_quo"] + 1e-9).all()
    assert (end["status_quo"] <= end["recipients_max"] + 1e-9).all()
    pop = p["population"]
    assert pop["year"].max() == 2040 and (pop["population"] >= 0).all()
    assert all(abs(g) <= hp.TREND_CAP for g in p["trend"].values())


def test_care_trend_cap_is_stated(d):
    # Musterland's age-standardised care ratios rose by more than 3 % a year 2020-2024 for
    # Pflegegeld and ambulant, less for stationär: the first two run at the cap of +3 %.
    p = hp.care_projection_data(d, 2024)
    assert p["trend_observed"]["pflegegeld"] > hp.TREND_CAP and p["trend_observed"]["ambulant"] > hp.TREND_CAP
    assert abs(p["trend_observed"]["stationaer"]) < hp.TREND_CAP
    assert p["trend_capped"] == {"pflegegeld": True, "ambulant": True, "stationaer": False}
    care = p["care"].set_index(["area_id", "year", "type"])
    for t, capped in p["trend_capped"].items():
        rows = care.xs(t, level="type")
        assert rows["trend_capped"].eq(capped).all() and rows["trend_cap"].eq(hp.TREND_CAP).all()
    # capped: the trend scenario is the status quo times 1.03 per year (16 years to 2040)
    k = care.loc[("Insgesamt", 2040, "ambulant")]
    assert k["trend"] == pytest.approx(k["status_quo"] * 1.03**16, rel=1e-9)
    text = _html(hp.care_projection_method(d, 2024))
    assert "höchstens ±3 % begrenzt" in text and "Pflegegeld und ambulant erreichen diese Grenze" in text
    observed = f"+{100 * p['trend_observed']['pflegegeld']:.1f} %".replace(".", ",")
    assert observed in text
    table_html = _html(hp.care_projection_table(d, 2024))
    assert "an dieser Grenze: Pflegegeld, ambulante Pflege." in table_html


def test_mortality_funnel_is_deterministic(d):
    import io

    def png():
        buf = io.BytesIO()
        hp.mortality_funnel(d, 2024).savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()

    assert png() == png()


@pytest.mark.parametrize("name, title", [("gesundheit", "Gesundheit"), ("pflege", "Pflege"),
                                         ("senioren", "Senioren"), ("behinderung", "Menschen mit Behinderungen")])
def test_templates(name, title):
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    cells = nb["cells"]
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]) == f"# {title}"
    params = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1
    src = "".join(params[0]["source"])
    assert 'config = "musterland"' in src and "year = 0" in src
    for c in cells:
        if c["cell_type"] == "code":
            assert c["outputs"] == [] and c["execution_count"] is None


def test_gemeindeprofil_has_the_spine_chart():
    nb = json.loads((ROOT / "notebooks" / "gemeindeprofil.ipynb").read_text(encoding="utf-8"))
    src = ["".join(c["source"]) for c in nb["cells"]]
    i = src.index("## Gesundheit im Vergleich")
    assert src[i + 1] == "sa.pages.gesundheit.spine_chart(d, area_id, year)"
    assert "remove-input" in nb["cells"][i + 1]["metadata"]["tags"]
    assert src[i + 2] == "## Teilräume"
