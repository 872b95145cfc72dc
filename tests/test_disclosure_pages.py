"""Disclosure control on the report pages: small-area rates show "." in tables and maps."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

import sozialanalyse as sa
from sozialanalyse.pages import gesundheit as hp
from sozialanalyse.pages import sozialraum_monitoring as mo

MUSTERLAND = Path(__file__).resolve().parents[1] / "data" / "musterland"
AREA, NAME = "03499003-02", "Altstadt Lindenau"


def _rows(html: str) -> dict[str, list[str]]:
    """Table rows by their "Gebiet" cell: the cell texts (tags stripped)."""
    out = {}
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.S)]
        if cells:
            out[cells[0]] = cells
    return out


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Musterland with 2 overweight children in the Sozialraum Altstadt Lindenau over the
    pooled years 2022-2024 (1 + 1 + 0; 76 children examined)."""
    folder = tmp_path_factory.mktemp("planted") / "musterland"
    shutil.copytree(MUSTERLAND, folder)
    se = pd.read_csv(folder / "school_entry.csv", dtype={"area_id": str})
    hit = (se["area_id"] == AREA) & (se["variable"] == "einschulung_uebergewicht")
    for year, value in ((2022, 1), (2023, 1), (2024, 0)):
        se.loc[hit & (se["year"] == year), "value"] = value
    se.to_csv(folder / "school_entry.csv", index=False)
    return sa.load_district(folder)


def test_school_entry_table_suppresses_a_small_numerator(planted):
    html = hp.school_entry_table(planted, 2024, level="sozialraum").data
    row = _rows(html)[NAME]
    # columns: Gebiet, Untersuchte Kinder, Übergewicht, Sprachförderbedarf
    assert row[1] == "76"
    assert row[2] == "."
    assert row[3] != "."
    assert "Wert kleiner als 3 oder aus Gründen der Geheimhaltung gesperrt" in html
    # the count column is marked for the audit, and the audit finds nothing
    assert 'data-sa-kind="count">76<' in html
    from sozialanalyse.build.audit import audit_html

    assert audit_html(html, "gesundheit.html") == []


def test_school_entry_suppression_has_a_partner_in_the_town(planted):
    # Bad Lindenau's total is published: a single suppressed Sozialraum would follow from it.
    html = hp.school_entry_table(planted, 2024, level="sozialraum").data
    rows = _rows(html)
    lindenau = [n for n in planted.children("03499003")["name"]]
    suppressed = [n for n in lindenau if n in rows and rows[n][2] == "."]
    assert NAME in suppressed and len(suppressed) >= 2


def test_unplanted_value_stays_visible():
    d = sa.load_district(MUSTERLAND)
    row = _rows(hp.school_entry_table(d, 2024, level="sozialraum").data)[NAME]
    assert row[2] != "."


def test_attention_table_and_profile_classes_build(planted):
    # the MSS classification keeps the real values; the tables are still produced
    assert "Aufmerksamkeitsbedarf" in (mo.attention_table(planted, 2024).data)
    html = sa.pages.gemeindeprofil.profile_classes(planted, "03499003", 2024).data
    assert 'data-sa-kind="count"' in html


def test_population_pyramid_hides_small_counts(tmp_path):
    """A bar of 1 or 2 persons would publish a count below the threshold: the pyramid draws the
    band's total instead of the nationality split, or nothing when the total itself is that small."""
    import matplotlib.pyplot as plt

    from sozialanalyse.io.own import load_district
    from sozialanalyse.render import figures

    d = load_district("musterland")
    c = d.counts
    area = "034995401000"  # a Samtgemeinde
    base = d.base_of(area)
    rows = (c["variable"] == "einwohner") & (c["year"] == 2024) & c["area_id"].isin(base) & \
        (c["age_group"] == "90+") & (c["sex"] == "m")
    c.loc[rows & (c["nationality"] == "nichtdeutsch"), "value"] = 0
    first_nd = c.index[rows & (c["nationality"] == "nichtdeutsch")][0]
    c.loc[first_nd, "value"] = 2  # 2 non-German men aged 90+ in the whole Samtgemeinde
    fig, ax = plt.subplots()
    figures.population_pyramid(d, area, 2024, ax=ax)
    widths = {round(abs(p.get_width())) for p in ax.patches if abs(p.get_y() + p.get_height() / 2 - 18) < 0.5}
    assert 2 not in widths  # the 2 is not drawn ...
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "zusammen (Aufteilung gesperrt)" in labels  # ... the band shows its total in grey
    assert any("Geheimhaltung" in t.get_text() for t in ax.texts)
    plt.close(fig)
