"""Tests of the health chapters' pages: :mod:`sozialanalyse.pages.gesundheit`, ``pflege``,
``senioren``, ``behinderung``, their shared functions in ``pages.common`` and the spine chart of
``pages.gemeindeprofil``.

The numbers behind them are tested with the statistics (``tests/test_mortality.py``,
``test_care.py``, ``test_access.py``); here every page function runs on Musterland, and the
pages print "fehlt", never a number from incomplete inputs, on the tiny district of
``tests/tiny_district.py``.
"""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from matplotlib.figure import Figure
from tiny_district import COLUMNS, set_population_80plus, tiny, without_rows

import sozialanalyse as sa
from sozialanalyse.io.own import District
from sozialanalyse.pages import behinderung, gemeindeprofil, gesundheit, pflege, senioren
from sozialanalyse.render import figures as sa_figures

ROOT = Path(__file__).resolve().parents[1]


# --- "fehlt" on the tiny district ------------------------------------------------------------------


def test_psp_table_prints_fehlt_for_an_incomplete_population(tmp_path):
    # Issue 12: the 80+ population and mean distance of a town with an absent population row were
    # published smaller (weight 0); the numbers are in tests/test_access.py, here the page.
    d = set_population_80plus(tiny(tmp_path, with_geometry=True))
    c = d.counts
    drop = ((c["variable"] == "einwohner") & (c["area_id"] == "09999001-02") & (c["year"] == 2024)
            & (c["age_group"] == "20-24") & (c["sex"] == "m"))
    html = pflege.psp_table(without_rows(d, drop), 2024).data
    assert html.count("fehlt ²") == 4  # Astadt and the Kreis, each 80+ population and mean distance
    assert "² fehlt: Eingangsdaten unvollständig (einwohner 2024 in 1 Teilgebiet)" in html
    assert "fehlt" not in pflege.psp_table(d, 2024).data


def test_care_intro_with_absent_rows_says_fehlt_not_a_smaller_total(tmp_path):
    # Issue 12: the Kreis's care total was c.sum() (NaN types skipped: a smaller total printed as
    # fact) and its population float(...sum()) (NaN -> 0: ZeroDivisionError broke the lenient build).
    d = tiny(tmp_path)
    care = []
    for a in ("09999001-01", "09999001-02", "09999002"):
        for t, v in (("pflegegeld", 10.0), ("ambulant", 5.0), ("stationaer", 3.0)):
            care.append([a, 2024, "pflegebeduerftige", "90+", "w", "insgesamt", t, v])
    c = pd.concat([d.counts, pd.DataFrame(care, columns=COLUMNS)], ignore_index=True)
    full = District(folder=d.folder, areas=d.areas, counts=c, facilities=d.facilities, meta=d.meta)
    page = pflege.care_intro(full, 2024).data
    # hand count: 3 areas x (10 + 5 + 3) = 54 of 3 x 2 x 19 x 1.000 = 114.000 inhabitants; at home 45 of 54
    assert "**54** Menschen pflegebedürftig nach SGB XI, das sind 0,0\u00a0% der Bevölkerung" in page
    assert "**83,3\u00a0%** von ihnen werden zu Hause versorgt: 30 allein" in page
    drop_care = (c["variable"] == "pflegebeduerftige") & (c["area_id"] == "09999002") & (c["type"] == "stationaer")
    gap = District(folder=d.folder, areas=d.areas, counts=c[~drop_care].reset_index(drop=True),
                   facilities=d.facilities, meta=d.meta, lenient=True)
    page = pflege.care_intro(gap, 2024).data
    assert "**51**" not in page and "**54**" not in page  # 51 = the total without Bedorf's stationary cases
    assert ("Die Zahl der Pflegebedürftigen am 15.12.2024 im Landkreis Klein fehlt "
            "(Eingangsdaten unvollständig") in page
    drop_pop = ((c["variable"] == "einwohner") & (c["area_id"] == "09999002") & (c["year"] == 2024)
                & (c["age_group"] == "20-24") & (c["sex"] == "m"))
    gap = District(folder=d.folder, areas=d.areas, counts=c[~drop_pop].reset_index(drop=True),
                   facilities=d.facilities, meta=d.meta, lenient=True)
    page = pflege.care_intro(gap, 2024).data  # raised ZeroDivisionError
    assert "**54** Menschen pflegebedürftig nach SGB XI (Anteil an der Bevölkerung: fehlt" in page


# --- the Musterland pages ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def d():
    return sa.load_district("musterland")


def _html(obj) -> str:
    return obj.data if hasattr(obj, "data") else str(obj)


def _figure_text(fig: Figure) -> str:
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    return " ".join(texts)


@pytest.mark.parametrize("name, call, labels", [
    ("mortality_overview", lambda d: gesundheit.mortality_overview(d, 2024), ["Altersstandardisierte Sterberate", "2020–2024"]),
    ("mortality_funnel", lambda d: gesundheit.mortality_funnel(d, 2024),
     ["Trichterdiagramm", "95-%-Grenze", "99,8-%-Grenze", "Musterstadt", "Erwartete Sterbefälle"]),
    ("smr_map", lambda d: gesundheit.smr_map(d, 2024), ["SMR (Landkreis = 100)", "Musterstadt"]),
    ("mortality_trend", lambda d: gesundheit.mortality_trend(d), ["Frauen", "Männer", "Insgesamt"]),
    ("school_entry_figure", lambda d: gesundheit.school_entry_figure(d, 2024), ["Übergewicht", "Sprachförderbedarf"]),
    ("school_entry_trend", lambda d: gesundheit.school_entry_trend(d), ["Schuleingangsuntersuchungen"]),
    ("care_by_age", lambda d: pflege.care_by_age(d, 2024), ["Pflegegeld (nur Angehörige)", "Stationäre Pflege",
                                                        "Pflegequote nach Alter"]),
    ("care_projection_kreis", lambda d: pflege.care_projection_kreis(d, 2024),
     ["Status quo", "Kompression", "Trend", "Spannweite der Szenarien", "2040"]),
    ("care_projection_municipalities", lambda d: pflege.care_projection_municipalities(d, 2024),
     ["Musterstadt", "Samtgemeinde Heidetal"]),
    ("psp_map", lambda d: pflege.psp_map(d, 2024), ["Pflegestützpunkt", "Luftlinie", "unter 5 km"]),
    ("senior_projection", lambda d: senioren.senior_projection(d, 2024), ["80 Jahre und älter", "Vorausberechnung"]),
    ("senior_maps", lambda d: senioren.indicator_maps(d, senioren.SENIOR_IDS[:2], 2024, level="base",
                                                facility_type="Seniorenberatung"), ["Seniorenberatung", "%"]),
    ("disability_by_age", lambda d: behinderung.disability_by_age(d, 2024), ["Schwerbehinderte Menschen", "90+"]),
    ("disability_trend", lambda d: behinderung.indicator_trend(d, behinderung.DISABILITY_IDS), ["Schwerbehindertenquote"]),
    ("spine_chart", lambda d: gemeindeprofil.spine_chart(d, "03499016", 2024),
     ["Musterstadt", "Landkreis", "Übergewicht bei der Einschulung", "SMR", "Spannweite der"]),
])
def test_figures(d, name, call, labels):
    fig = call(d)
    # a figure of the report: the matplotlib figure with its caption and alternative text (issue #16)
    assert isinstance(fig, sa_figures.Figure) and isinstance(fig.figure, Figure), name
    assert fig.caption and fig.alt and "/" not in fig.alt.split()[0], name
    words = _figure_text(fig)
    for label in labels:
        assert label in words, f"{name}: {label!r} missing"


@pytest.mark.parametrize("name, call, labels", [
    ("mortality_table", lambda d: gesundheit.mortality_table(d, 2024),
     ["DSR je 100.000", "SMR", "Einstufung (99,8\u00a0%)", "Landkreis Musterland"]),
    ("school_entry_table", lambda d: gesundheit.school_entry_table(d, 2024), ["Sozialräume", "Wilson", "Musterstadt"]),
    ("care_table", lambda d: pflege.care_table(d, 2024), ["nur Pflegegeld", "stationär", "Pflegequote ab 80"]),
    ("care_projection_table", lambda d: pflege.care_projection_table(d, 2024), ["2040, Spannweite", "Einwohner ab 80"]),
    ("psp_table", lambda d: pflege.psp_table(d, 2024), ["Luftlinie", "\u00a0km", "Stützpunkte im Gebiet"]),
    ("senior_table", lambda d: senioren.indicator_table(d, senioren.SENIOR_IDS, 2024),
     ["Altersarmut", "Alleinlebende", "Pflegequote ab 80\u00a0Jahren"]),
    ("senior_table_sr", lambda d: senioren.indicator_table(d, senioren.SENIOR_IDS, 2024, level="sozialraum"),
     ["Sozialräume", "sa-group"]),
    ("disability_table", lambda d: behinderung.indicator_table(d, behinderung.DISABILITY_IDS, 2024),
     ["Schwerbehindertenquote ab 65\u00a0Jahren"]),
])
def test_tables(d, name, call, labels):
    out = _html(call(d))
    assert out.split(">", 1)[1].startswith('<table class="sa-table'), name  # long tables: also "sa-long sa-sortable"
    for label in labels:
        assert label in out, f"{name}: {label!r} missing"
    assert "<script" not in out


@pytest.mark.parametrize("call, labels", [
    (lambda d: gesundheit.mortality_intro(d, 2024), ["2020–2024", "je 100.000"]),
    (lambda d: pflege.care_intro(d, 2024), ["pflegebedürftig", "zu Hause"]),
    (lambda d: pflege.care_projection_method(d, 2024), ["Status quo", "Kompression", "Trend", "2040"]),
    (lambda d: senioren.indicator_intro(d, senioren.SENIOR_IDS, 2024), ["Altersarmut", "im Landkreis"]),
])
def test_texts(d, call, labels):
    out = _html(call(d))
    for label in labels:
        assert label in out


def test_care_trend_cap_is_stated(d):
    # the numbers: tests/test_care.py::test_care_trend_cap; here what the page says about them
    text = _html(pflege.care_projection_method(d, 2024))
    assert "höchstens ±3\u00a0% begrenzt" in text and "Pflegegeld und ambulant erreichen diese Grenze" in text
    assert "+3,7\u00a0%" in text  # the observed Pflegegeld trend on Musterland, before the cap
    table_html = _html(pflege.care_projection_table(d, 2024))
    assert "an dieser Grenze: Pflegegeld, ambulante Pflege." in table_html


def test_mortality_funnel_is_deterministic(d):
    import io

    def png():
        buf = io.BytesIO()
        gesundheit.mortality_funnel(d, 2024).savefig(buf, format="png", metadata={"Software": None})
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
    assert src[i + 1] == "sa.pages.gemeindeprofil.spine_chart(d, area_id, year)"
    assert "remove-input" in nb["cells"][i + 1]["metadata"]["tags"]
    # issue #20: the town's life expectancy follows the spine chart
    assert src[i + 2] == "## Lebenserwartung"
    assert src[i + 3] == "sa.pages.gemeindeprofil.life_expectancy(d, area_id, year)"
    assert src[i + 4] == "## Teilräume"
