"""Issue #20 on the pages: life expectancy (Gesundheit chapter and Gemeindeprofil), the SII
chart with its text, and the benchmark markers of the key-figure tables, on Musterland and the
tiny district (hand calculations in the tests)."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import sozialanalyse as sa
from sozialanalyse.build.audit import audit_html
from sozialanalyse.model.areas import AGE_GROUPS
from sozialanalyse.pages import gemeindeprofil as gp
from sozialanalyse.pages import gesundheit as gs
from sozialanalyse.protected.health import (
    published_gradient,
    published_life_expectancy,
    published_school_entry,
)
from sozialanalyse.protected.monitoring import published_monitoring
from sozialanalyse.stats.lifetable import life_table

sys.path.insert(0, str(Path(__file__).parent))
from tiny_district import tiny  # noqa: E402

MUSTERSTADT, KREIS = "03499016", "03499"


@pytest.fixture(scope="module")
def d():
    return sa.load("musterland")


def _rows(html: str) -> list[list[str]]:
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S)]  # a line per cell


def test_kreis_life_expectancy_from_the_raw_counts_summed_here(d):
    # independent aggregation: sum the long counts table by band over 2020-2024 for women
    le = published_life_expectancy(d)
    years = le.attrs["years"]
    assert years == list(range(d.report_year - 4, d.report_year + 1))
    c = d.counts
    c = c[c["year"].isin(years) & (c["sex"] == "w") & c["area_id"].isin(d.base_of(KREIS))]
    deaths = c[c["variable"] == "sterbefaelle"].groupby("age_group", observed=True)["value"].sum()
    pop = c[c["variable"] == "einwohner"].groupby("age_group", observed=True)["value"].sum()
    starts = [int(b.split("-")[0].rstrip("+")) for b in AGE_GROUPS]
    ref = life_table(deaths.reindex(list(AGE_GROUPS)).to_numpy(), pop.reindex(list(AGE_GROUPS)).to_numpy(), starts)
    row = le[(le["area_id"] == KREIS) & (le["sex"] == "w") & (le["age"] == 0)].iloc[0]
    assert row["value"] == pytest.approx(ref["value"].iloc[0])
    assert row["deaths"] == deaths.sum()  # the published cell (nothing suppressed at Kreis level)
    assert 75 < row["value"] < 90


def test_tiny_district_rules_withhold_with_the_reason(tmp_path):
    # women: nobody dies before 90; 90+: 1.000 per base area and year, deaths 3 a year per
    # Sozialraum: Astadt M = 30 / 10.000 = 0,003, e90 = 1/M = 333,3, se = 1/(M sqrt(D)) = 60,9 ->
    # interval 238 years wide > 20: withheld. Men: no deaths in 90+ -> withheld.
    d = tiny(tmp_path)
    le = published_life_expectancy(d).set_index(["area_id", "sex", "age"])
    w = le.loc[("09999001", "w", 0)]
    assert np.isnan(w["value"]) and w["reason"] == "ci_wider_than_20_years"
    assert le.loc[("09999001", "m", 0), "reason"] == "no_deaths_in_top_band"
    html = gs.life_expectancy_table(d).data
    assert "das 95-%-Intervall breiter als 20\u00a0Jahre wäre" in html
    assert "in der obersten Altersgruppe (90\u00a0Jahre und älter) kein Sterbefall verzeichnet ist" in html
    text = gp.life_expectancy(d, "09999001", d.report_year).data
    assert "nicht veröffentlicht, weil das 95-%-Intervall breiter als 20\u00a0Jahre wäre" in text


def test_life_expectancy_table_reads_and_passes_the_audit(d):
    html = gs.life_expectancy_table(d).data
    rows = _rows(html)
    assert rows[0] == ["Gebiet", "Geschlecht", "Sterbefälle", "Lebenserwartung bei Geburt (Jahre)",
                       "95-%-Intervall bei Geburt", "Lebenserwartung mit 65 (Jahre)", "95-%-Intervall mit 65",
                       "Vergleich zum Kreis"]
    le = published_life_expectancy(d)
    k = le[(le["area_id"] == KREIS) & (le["sex"] == "w") & (le["age"] == 0)].iloc[0]
    kreis_row = [r for r in rows if r[:2] == ["Landkreis Musterland", "Frauen"]][0]
    assert kreis_row[3] == f"{k['value']:.1f}".replace(".", ",")
    assert kreis_row[-1] == "Vergleichswert"
    assert len(rows) == 1 + 2 * 12  # 11 Gemeindeverbände and the Kreis, two sexes
    assert all(r[-1] in ("● ähnlich", "▲ günstiger (höher)", "▼ ungünstiger (niedriger)", "Vergleichswert")
               for r in rows[1:])
    assert audit_html(html, "gesundheit.html") == []


def test_life_expectancy_marker_against_the_kreis_by_hand(d):
    # Musterstadt men: interval upper limit below the Kreis value -> lower (worse)
    le = published_life_expectancy(d).set_index(["area_id", "sex", "age"])
    m, k = le.loc[(MUSTERSTADT, "m", 0)], le.loc[(KREIS, "m", 0)]
    expected = "▼ ungünstiger (niedriger)" if m["upper"] < k["value"] else (
        "▲ günstiger (höher)" if m["lower"] > k["value"] else "● ähnlich")
    rows = _rows(gs.life_expectancy_table(d).data)
    assert [r for r in rows if r[:2] == ["Musterstadt", "Männer"]][0][-1] == expected


def test_life_expectancy_chart_and_intro(d):
    fig = gs.life_expectancy_chart(d)
    ax = fig.axes[0]
    assert "Lebenserwartung bei Geburt" in ax.get_title()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "Musterstadt" in labels and "Samtgemeinde Heidetal" in labels
    text = gs.life_expectancy_intro(d).data
    assert "0 bis 4\u00a0Jahre" in text and "Silcocks" in text and "5.000 Personenjahre" in text


def test_gradient_from_published_sozialraum_counts_only(d):
    g, t = published_gradient(d, repetitions=2000)
    mon = published_monitoring(d).result.table
    ranked = mon[mon["status_index"].notna()].sort_values("status_index", ascending=False)
    se = published_school_entry(d, level="sozialraum")
    se = se[se["variable"] == "einschulung_uebergewicht"].set_index("area_id")
    first = [a for a in ranked.index[:8] if se.loc[a, "status"] == ""]  # 36 areas: quintile 1 holds 8
    assert t.loc[0, "x"] == se.loc[first, "x"].sum() and t.loc[0, "n"] == se.loc[first, "n"].sum()
    held = set(se.index[se["status"] != ""])
    assert sorted(t.attrs["left_out"]) == sorted(se.loc[sorted(held), "name"])
    # the SII is the most deprived minus the least deprived end of the fitted line, in points
    f = g.table["fitted"].to_numpy()
    b = g.table["rank"].to_numpy()
    slope = (f[-1] - f[0]) / (b[-1] - b[0])
    assert g.sii == pytest.approx(-100 * slope)


def test_gradient_text_and_chart(d):
    text = gs.gradient_text(d).data
    assert "Slope Index of Inequality (SII)" in text and "Prozentpunkte" in text
    assert "Relative Index of Inequality (RII)" in text
    # the sentence about 0 names the SII: it follows the RII's interval, which is read against 1
    assert "Das Intervall des SII schließt 0 nicht ein" in text or "Das Intervall des SII schließt 0 ein" in text
    # quintiles of Sozialräume, not of children (published_gradient cuts the ranked areas in five)
    assert "fünf Gruppen mit gleich vielen Sozialräumen" in text and "gleich große" not in text
    fig = gs.gradient_chart(d)
    ax = fig.axes[0]
    assert "nach sozialer Lage" in ax.get_title()
    assert any("SII" in t.get_text() for t in ax.get_legend().get_texts())


def test_key_figures_carry_markers_with_a_legend(d):
    html = gp.key_figures(d, MUSTERSTADT, d.report_year).data
    rows = _rows(html)
    assert rows[0][-3:] == ["Vergleich zum Kreis", "Rang", "Trend"]
    sgb2 = [r for r in rows if r[0] == "SGB-II-Quote"][0]
    # value 13,2 % (12,9 – 13,6 %) against the Kreis 10,0 %: higher, and higher_is_worse (issue #16:
    # the symbol says günstiger/ungünstiger, the word in brackets higher/lower)
    lo = float(sgb2[2].split("–")[0].replace(",", "."))
    kreis = float(sgb2[3].rstrip(" %").replace(",", "."))
    assert lo > kreis and sgb2[4].startswith("▼") and sgb2[4].endswith("ungünstiger (höher)")
    assert 'class="sa-mark-worse"' in html and "Vergleich zum Kreis: ▲ günstiger" in html and "Trend: ↑ steigend" in html
    # a mean without interval is described, not tested
    assert [r for r in rows if r[0] == "Wohnfläche je Einwohner"][0][4] == "○ niedriger, ohne Test"
    assert audit_html(html, "gemeinden/musterstadt.html") == []


def test_kreis_key_figures_have_the_trend_only(d):
    html = gp.key_figures(d, KREIS, d.report_year).data
    header = _rows(html)[0]
    assert "Trend" in header and "Vergleich zum Kreis" not in header


def test_profile_life_expectancy_text(d):
    text = gp.life_expectancy(d, MUSTERSTADT, d.report_year).data
    assert "**Frauen:** bei Geburt" in text and "**Männer:** bei Geburt" in text
    assert "Landkreis Musterland:" in text and "Vergleich:" in text
