"""Issue #16: the page "Kennzahlen im Vergleich" (all municipalities x key figures, Fingertips'
overview) on Musterland: rows, the Kreis last, value and marker per cell as in the profiles,
sortable and scrolling within itself, downloads with numbers and the markers in words."""
from __future__ import annotations

import re

import pytest

import sozialanalyse as sa
from sozialanalyse.build.audit import audit_html
from sozialanalyse.pages import gemeindeprofil as gp
from sozialanalyse.pages import kennzahlen as kz

MUSTERSTADT = "03499016"


@pytest.fixture(scope="module")
def d():
    return sa.load("musterland")


@pytest.fixture(scope="module")
def overview(d):
    return kz.overview(d, d.report_year)


def _rows(html: str) -> list[list[str]]:
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, flags=re.S)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html.replace("\n", ""), flags=re.S)]


def test_rows_are_the_municipalities_and_the_kreis_last(d, overview):
    rows = _rows(overview.data)
    names = [r[0] for r in rows[1:]]
    assert names == [*d.municipalities()["name"], "Landkreis Musterland"]
    assert len(rows[0]) == 1 + len(gp.DEFAULT_KEY_FIGURES)
    assert '<tr class="sa-total"><td data-sa-kind="text">Landkreis Musterland' in overview.data.replace("\n", "")
    assert 'href="gemeinden/03499016.html"' in overview.data


def test_cells_carry_the_profile_value_and_marker(d, overview):
    rows = _rows(overview.data)
    header = rows[0]
    col = header.index("SGB-II-Quote (%)")
    town = [r for r in rows if r[0] == "Musterstadt"][0]
    prof = _rows(gp.key_figures(d, MUSTERSTADT, d.report_year).data)
    ph = prof[0]
    sgb2 = [r for r in prof if r[0] == "SGB-II-Quote"][0]
    value = sgb2[1].removesuffix("\u00a0%")
    symbol = sgb2[ph.index("Vergleich zum Kreis")].split(" ")[0]
    assert town[col] == f"{value} {symbol}" == "13,2 ▼▼"
    assert rows[-1][col] == sgb2[3].removesuffix("\u00a0%")  # the Kreis row: its value, no marker
    assert "Wahlbeteiligung Bundestag (%, 2021)" in header  # elections: the year of the last one


def test_sortable_scrolls_within_itself_and_passes_the_audit(overview):
    h = overview.data
    assert h.startswith('<div class="sa-scroll" role="region"') and '<table class="sa-table sa-long sa-sortable sa-overview">' in h
    assert "</table></div>" in h
    assert "Zeichen hinter dem Wert: ▲ günstiger" in h
    assert audit_html(f"<html><body>{h}</body></html>", "kennzahlen.html") == []


def test_downloads_hold_numbers_and_the_markers_in_words(overview):
    p = overview.payload
    cols = p["columns"]
    assert "SGB-II-Quote (%)" in cols and "SGB-II-Quote (%): Vergleich zum Kreis" in cols
    row = [r for r in p["rows"] if r[0] == "Musterstadt"][0]
    assert row[cols.index("SGB-II-Quote (%)")] == pytest.approx(13.2)
    assert row[cols.index("SGB-II-Quote (%): Vergleich zum Kreis")] == "▼▼ ungünstiger (höher)"
    assert p["kinds"]["SGB-II-Quote (%)"] == "rate"
