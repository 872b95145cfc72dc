"""The Gemeindeprofil, the Kreisübersicht and the shared chapter functions publish only what
the protected layer publishes (issue #14): planted small counts in a copy of Musterland and the
figures that would give them away (intervals, min/max in intros, trends, pyramid bars, chart
data) are not in the output; ordinary values still are."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import sozialanalyse as sa
from sozialanalyse.pages import common
from sozialanalyse.pages import gemeindeprofil as gp
from sozialanalyse.pages import kreisuebersicht as ku
from sozialanalyse.protected import layer as protected_layer

MUSTERLAND = Path(__file__).resolve().parents[1] / "data" / "musterland"
BRAKENHAGEN = "03499007"
MUSTERSTADT, SMALL = "03499016", "03499016-18"
KREIS = "03499"
WIESENFELDE = "03499022"


def _cells(html: str) -> dict[str, list[str]]:
    """Table rows by their first cell: the cell texts (tags stripped)."""
    out = {}
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.DOTALL):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.DOTALL)]
        if cells:
            out[cells[0]] = cells
    return out


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [t.get_text() for t in fig.texts] + \
        [fig._suptitle.get_text() if fig._suptitle else ""]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Musterland with, in 2024: 1 Grundsicherung recipient aged 65+ in Brakenhagen, 1 overweight
    child of the 78 examined there, and 2 inhabitants (1 SGB II recipient) in the Sozialraum
    Ortschaft Osterwald of Musterstadt (its other 2024 rows set to match); and 2 deaths in
    Brakenhagen in the five years 2020-2024 (a woman of 80-84 in 2020 and in 2021); and 2 men
    aged 90+ in Wiesenfelde in 2024 (a bar of the population pyramid)."""
    folder = tmp_path_factory.mktemp("planted") / "musterland"
    shutil.copytree(MUSTERLAND, folder)

    def edit(name, fn):
        df = pd.read_csv(folder / name, dtype={"area_id": str}, keep_default_na=False)
        df["value"] = pd.to_numeric(df["value"])
        fn(df)
        df.to_csv(folder / name, index=False)

    def brakenhagen(df, variable, value):
        hit = (df["area_id"] == BRAKENHAGEN) & (df["year"] == 2024) & (df["variable"] == variable)
        assert hit.sum() == 1
        df.loc[hit, "value"] = value

    edit("transfers.csv", lambda df: brakenhagen(df, "grundsicherung_65plus", 1))
    edit("school_entry.csv", lambda df: brakenhagen(df, "einschulung_uebergewicht", 1))

    def deaths(df):
        rows = (df["area_id"] == BRAKENHAGEN) & df["year"].between(2020, 2024) & (df["variable"] == "sterbefaelle")
        df.loc[rows, "value"] = 0
        for year in (2020, 2021):
            one = rows & (df["year"] == year) & (df["age_group"] == "80-84") & (df["sex"] == "w")
            assert one.sum() == 1
            df.loc[one, "value"] = 1
    edit("movements.csv", deaths)

    def old_men(df):
        rows = (df["area_id"] == WIESENFELDE) & (df["year"] == 2024) & (df["age_group"] == "90+") & (df["sex"] == "m")
        assert rows.sum() == 2  # deutsch, nichtdeutsch
        df.loc[rows, "value"] = [2, 0]
    edit("population.csv", old_men)
    for name in ("population.csv", "transfers.csv", "labour.csv", "households.csv", "housing.csv", "care.csv",
                 "disability.csv", "movements.csv", "school_entry.csv"):
        def small(df, name=name):
            rows = (df["area_id"] == SMALL) & (df["year"] == 2024)
            df.loc[rows, "value"] = 0
            if name == "population.csv":
                two = rows & (df["age_group"] == "30-34") & (df["nationality"] == "deutsch")
                assert two.sum() == 2  # m and w
                df.loc[two, "value"] = 1
            if name == "transfers.csv":
                df.loc[rows & (df["variable"] == "sgb2_personen"), "value"] = 1
            if name == "housing.csv":
                df.loc[rows & (df["variable"] == "wohnflaeche_qm"), "value"] = 110
        edit(name, small)
    return sa.load_district(folder)


@pytest.fixture(scope="module")
def musterland():
    return sa.load_district(MUSTERLAND)


def test_the_plants_are_in_the_data(planted):
    # guard: the fixture planted what the tests below look for (true values, private manifest)
    s = protected_layer.of(planted).suppressed()
    s = s[s["period"] == "2024"]
    assert set(s.loc[s["area_id"] == BRAKENHAGEN, "measure"]) >= {"Grundsicherung", "Übergewicht"}
    assert 2.0 in set(s.loc[(s["area_id"] == SMALL) & (s["measure"] == "Einwohner"), "value"])


def test_key_figures_publish_no_planted_count_nor_its_interval(planted):
    html = gp.key_figures(planted, BRAKENHAGEN, 2024).data
    rows = _cells(html)
    # Wilson 95 % for 1 of 78: p = 0.0128, centre (1 + 1.92) / 81.84 = 0.0357, half width
    # 1.96 * sqrt(0.0128 * 0.9872 / 78 + 1.96² / (4 * 78²)) / 1.0492 = 0.0332 -> 0,2 – 6,9 %
    assert "0,2 – 6,9\u00a0%" not in html and "1,3\u00a0%" not in rows["Übergewicht bei der Einschulung"][1]
    assert rows["Übergewicht bei der Einschulung"][1:3] == [".", "."]
    # Altersarmut: 1 of about 2.300 inhabitants aged 65+: 0,0 % (0,0 – 0,2 %)
    assert "0,0 – 0,2\u00a0%" not in html
    assert rows["Altersarmut (Grundsicherung im Alter)"][1:3] == [".", "."]
    assert "Wert kleiner als 3 oder aus Gründen der Geheimhaltung gesperrt" in html
    # ordinary values stay: Sprachförderbedarf 18 of 78 = 23,08 % (Wilson 15,1 – 33,6 %)
    assert rows["Sprachförderbedarf bei der Einschulung"][1:3] == ["23,1\u00a0%", "15,1 – 33,6\u00a0%"]
    assert 'data-sa-kind="interval"' in html


def test_trends_table_hides_suppressed_years_and_their_trend(planted):
    rows = _cells(gp.trends_table(planted, BRAKENHAGEN).data)
    alt = rows["Altersarmut (Grundsicherung im Alter)"]  # Kennzahl, 2015, 2024, Veränderung, Trend
    assert alt[2:] == [".", ".", "."]
    # 2015 is not small: 3,1 % (grundsicherung_65plus / einwohner 65+ of transfers.csv and population.csv)
    assert alt[1] == "3,1\u00a0%"
    sgb2 = rows["SGB-II-Quote"]
    assert sgb2[2] == "7,8\u00a0%"  # 540 / 6.933 aged 15-64 -> 7,8 %
    # nothing suppressed in its last five years: its trend (the key table's test) is published
    assert sgb2[4] != "." and sgb2[4][0] in "↑↓→", sgb2[4]


def test_intro_min_max_over_published_values_only(planted):
    html = common.indicator_table(planted, ["altersarmut"], 2024).data
    assert _cells(html)["Brakenhagen"][1] == "." and "0,0 – 0,2" not in html
    md = common.indicator_intro(planted, ["altersarmut"], 2024).data
    assert "(Brakenhagen)" not in md and "0,0\u00a0%" not in md
    # Ostermoor's 5,4 % is the largest published value (unplanted, see the chapter tables)
    assert "5,4\u00a0% (Ostermoor)" in md
    # Brakenhagen and, since the Kreis value is published, a second municipality in secondary
    assert "2 Werte gesperrt" in md


def test_indicator_table_and_maps_do_not_show_the_small_sozialraum(planted):
    html = common.indicator_table(planted, ["anteil_65plus", "sgb2_quote"], 2024, level="sozialraum").data
    rows = _cells(html)
    name = planted.name_of(SMALL)
    assert rows[name][1:] == [".", "."]
    assert "data-sa-kind" in html
    fig = ku.municipality_map(planted, 2024, "sgb2_quote", area_id=MUSTERSTADT)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()] if hasattr(fig, "axes") else []
    assert any("gesperrt" in lab for lab in labels)


def test_profile_intro_total_is_the_published_count(planted):
    md = gp.intro(planted, MUSTERSTADT, 2024).data
    # 39.749 inhabitants in Musterland's population.csv, minus Osterwald's 1.369, plus the planted 2
    assert "**38.382**" in md
    md = gp.intro(planted, BRAKENHAGEN, 2024).data
    assert "**9.270**" in md  # sum of Brakenhagen's 2024 rows of population.csv


def test_municipality_table(planted):
    html = ku.municipality_table(planted, 2024, ids=["altersarmut", "sgb2_quote"]).data
    rows = _cells(html)
    assert rows["Brakenhagen"][2] == "9.270"
    assert rows["Brakenhagen"][3] == "."  # Altersarmut with 1 recipient
    assert rows["Brakenhagen"][4] == "7,8\u00a0%"
    assert 'data-sa-kind="count"' in html
    from sozialanalyse.build.audit import audit_html

    assert audit_html(html, "kreisuebersicht.html") == []


def test_trend_charts_leave_suppressed_years_out(planted):
    for fig in (gp.trend_vs_kreis(planted, BRAKENHAGEN, ["altersarmut"]),
                common.indicator_trend(planted, ["altersarmut"], [BRAKENHAGEN])):
        ax = fig.axes[0]
        lines = {l.get_label(): l for l in ax.get_lines()}
        line = next(l for k, l in lines.items() if "Brakenhagen" in k)
        years, values = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        assert np.isnan(values[years == 2024]).all()
        assert np.isfinite(values[years == 2015]).all()


def test_spine_chart_shows_no_suppressed_value(planted):
    fig = gp.spine_chart(planted, BRAKENHAGEN, 2024)
    texts = _texts(fig)
    assert "1,3\u00a0%" not in texts
    assert "." in texts and any("gesperrt" in t for t in texts)
    # the SMR of 2 deaths in five years (pooled deaths suppressed) is not published either
    data = gp._spine_data(planted, 2024)
    smr = data[(data["area_id"] == BRAKENHAGEN) & (data["indicator"] == "smr")].iloc[0]
    assert smr["status"] != "" and np.isnan([smr["value"], smr["lower"], smr["upper"]]).all()
    # another municipality's SMR stays (Bad Lindenau: its pooled deaths are not small)
    other = data[(data["area_id"] == "03499003") & (data["indicator"] == "smr")].iloc[0]
    assert other["status"] == "" and 50 < other["value"] < 150


def test_population_development_leaves_out_suppressed_deaths(planted):
    fig = gp.population_development(planted, BRAKENHAGEN)
    bars = [p for p in fig.axes[1].patches if p.get_facecolor()[:3] == matplotlib.colors.to_rgb(sa.render.figures.PALETTE["w"])]
    years = {round(p.get_x() + 0.2): p.get_height() for p in bars}
    assert np.isnan(years[2020]) and np.isnan(years[2021])  # births minus 1 death: not drawn


def test_pyramid_reads_protected_cells(planted):
    """No drawn bar is a count of 1 or 2, and a suppressed band never stands alone beside the
    published total (the total in the intro minus the drawn bars would give it back)."""
    L = protected_layer.of(planted)
    for area in [*planted.municipalities()["area_id"].astype(str), KREIS]:
        t = gp.pyramid_data(planted, area, 2024)
        shown = t.loc[t["status"] == "", "value"]
        assert not ((shown > 0) & (shown < 3)).any()
        total = L.counts({"variable": "einwohner"}, area_ids=[area], years=[2024])
        if total["status"].iloc[0] == "":
            assert (t["status"] != "").sum() != 1
    # Wiesenfelde's 2 men aged 90+: not drawn, and a second bar is withheld with them
    t = gp.pyramid_data(planted, WIESENFELDE, 2024).set_index(["age_group", "sex"])
    assert t.loc[("90+", "m"), "status"] == "primary"
    assert (t["status"] == "secondary").sum() >= 1
    fig = gp.pyramid_and_locator(planted, WIESENFELDE, 2024)
    drawn = [p for p in fig.axes[1].patches if p.get_facecolor()[3] > 0]
    widths = sorted(round(abs(p.get_width())) for p in drawn if abs(p.get_width()) >= 1)
    assert 2 not in widths
    assert widths == sorted(int(v) for v in t["value"].dropna() if v >= 1)
    assert any("gesperrt" in t.get_text() for t in fig.axes[1].get_legend().get_texts())
    # the intro's total is the published one, and the drawn bars do not add up to it less one band
    total = int(L.counts({"variable": "einwohner"}, area_ids=[WIESENFELDE], years=[2024])["value"].iloc[0])
    assert f"**{fmt_num(total)}**" in gp.intro(planted, WIESENFELDE, 2024).data
    assert total - sum(widths) != 2


def fmt_num(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def test_unplanted_profile_keeps_its_values(musterland):
    rows = _cells(gp.key_figures(musterland, BRAKENHAGEN, 2024).data)
    # 73 Grundsicherung recipients among 2.345 inhabitants aged 65+: 3,1 %
    assert rows["Altersarmut (Grundsicherung im Alter)"][1] == "3,1\u00a0%"


def test_glance_and_rank_use_no_suppressed_value(planted):
    """Issue #16: "Auf einen Blick" and the rank never use a suppressed value: Brakenhagen's planted
    Altersarmut (1 recipient) and Übergewicht (1 of 78) are in no finding, have no rank, and
    the others are ranked among the published values only."""
    found = gp.findings(planted, BRAKENHAGEN, 2024)
    text = " ".join(f["text"] for f in found)
    assert "Altersarmut" not in text and "Übergewicht" not in text
    rows = _cells(gp.key_figures(planted, BRAKENHAGEN, 2024).data)
    assert rows["Altersarmut (Grundsicherung im Alter)"][-2] == "."  # the column "Rang"
    assert rows["Altersarmut (Grundsicherung im Alter)"][4] == "."  # the marker against the Kreis
    res = common.published_results(planted, ["altersarmut"], "gemeindeverband", years=[2024])
    published = int(((res["status"] == "") & res["value"].notna()).sum())
    b = gp.benchmarks(planted, 2024)
    alt = b[b["indicator"] == "altersarmut"]
    assert alt.loc[alt["area_id"] == BRAKENHAGEN, "rank"].isna().all()
    assert published < 11 and (alt["ranked"] == published).all()
    # by hand: 1 + the number of published values shown lower (higher is worse; ties share the rank)
    shown = res.loc[(res["status"] == "") & res["value"].notna()].set_index("area_id")["value"].round(1)
    expected = {a: 1 + int((shown < v).sum()) for a, v in shown.items()}
    assert alt.dropna(subset=["rank"]).set_index("area_id")["rank"].astype(int).to_dict() == expected
