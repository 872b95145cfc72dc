"""Disclosure control on the pages Pflege, Senioren and Menschen mit Behinderungen (issue #14).

Planted copies of Musterland (the attacks of issue #14):

* ``planted``: in Brakenhagen (03499007) exactly 1 person in a care home (stationär) in 2024,
  summed over ages and sexes (the other care types untouched: 297 Pflegegeld + 149 ambulant + 1
  = 447 Pflegebedürftige), and 1 recipient of Grundsicherung im Alter;
* ``planted_old``: in the Sozialraum 03499016-10 of Musterstadt exactly 1 inhabitant aged 80+
  in 2024 (its care and disability rows of those ages set to 0, so no numerator exceeds its
  denominator), the weight of the Pflegestützpunkt distances;
* ``planted_young``: in the whole Kreis exactly 1 schwerbehinderter boy aged 0-4 in 2024.

Each test asserts that the planted value and what gives it back (share, interval, complement,
differences) is not in the page output, and that an ordinary value is still shown; the
reference numbers are sums over the CSV files written out in the comments, or computed here
with pandas from the CSV files (independent of the pages and of the layer).
"""
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
from sozialanalyse.pages import behinderung, pflege, senioren

MUSTERLAND = Path(__file__).resolve().parents[1] / "data" / "musterland"
BRAKENHAGEN, OLD_SR, KREIS = "03499007", "03499016-10", "03499"
OLD = ("80-84", "85-89", "90+")


def _rows(html: str) -> dict[str, list[str]]:
    """Table rows by their first cell: the cell texts (tags stripped)."""
    out = {}
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.S)]
        if cells:
            out[cells[0]] = cells
    return out


def _header(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<th[^>]*>(.*?)</th>", html, flags=re.S)]


def _csv(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype={"area_id": str}, keep_default_na=False)


def _copy(tmp_path_factory, name: str) -> Path:
    folder = tmp_path_factory.mktemp(name) / "musterland"
    shutil.copytree(MUSTERLAND, folder)
    return folder


@pytest.fixture(scope="module")
def planted_folder(tmp_path_factory) -> Path:
    folder = _copy(tmp_path_factory, "care_planted")
    c = _csv(folder, "care.csv")
    hit = (c["area_id"] == BRAKENHAGEN) & (c["year"] == 2024) & (c["type"] == "stationaer")
    c.loc[hit, "value"] = 0
    c.loc[hit & (c["age_group"] == "85-89") & (c["sex"] == "w"), "value"] = 1
    c.to_csv(folder / "care.csv", index=False)
    t = _csv(folder, "transfers.csv")
    t.loc[(t["area_id"] == BRAKENHAGEN) & (t["year"] == 2024) & (t["variable"] == "grundsicherung_65plus"), "value"] = 1
    t.to_csv(folder / "transfers.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def planted(planted_folder):
    return sa.load_district(planted_folder)


@pytest.fixture(scope="module")
def planted_old(tmp_path_factory):
    folder = _copy(tmp_path_factory, "care_planted_old")
    p = _csv(folder, "population.csv")
    hit = (p["area_id"] == OLD_SR) & (p["year"] == 2024) & p["age_group"].isin(OLD)
    p.loc[hit, "value"] = 0
    p.loc[hit & (p["age_group"] == "90+") & (p["sex"] == "w") & (p["nationality"] == "deutsch"), "value"] = 1
    p.to_csv(folder / "population.csv", index=False)
    for name in ("care.csv", "disability.csv"):
        c = _csv(folder, name)
        c.loc[(c["area_id"] == OLD_SR) & (c["year"] == 2024) & c["age_group"].isin(OLD), "value"] = 0
        c.to_csv(folder / name, index=False)
    return sa.load_district(folder)


@pytest.fixture(scope="module")
def planted_young(tmp_path_factory):
    folder = _copy(tmp_path_factory, "care_planted_young")
    s = _csv(folder, "disability.csv")
    hit = (s["year"] == 2024) & (s["age_group"] == "0-4") & (s["sex"] == "m")
    s.loc[hit, "value"] = 0
    s.loc[hit & (s["area_id"] == BRAKENHAGEN), "value"] = 1
    s.to_csv(folder / "disability.csv", index=False)
    return sa.load_district(folder)


# --- Pflege: the municipality table -----------------------------------------------------------------


def test_planted_counts(planted_folder):
    # the planted data themselves (hand-checked in the CSV: 297 Pflegegeld, 149 ambulant)
    c = _csv(planted_folder, "care.csv")
    b = c[(c["area_id"] == BRAKENHAGEN) & (c["year"] == 2024)].groupby("type")["value"].sum()
    assert b.to_dict() == {"ambulant": 149, "pflegegeld": 297, "stationaer": 1}


def test_care_table_hides_the_planted_care_home_resident(planted):
    html = pflege.care_table(planted, 2024).data
    head = _header(html)
    rows = _rows(html)
    col = {h: i for i, h in enumerate(head)}
    row = rows["Brakenhagen"]
    assert row[col["stationär"]] == "."
    # the total and the share at home would give it back: 447 - 297 - 149 = 1, 446 of 447 = 99,8 %
    assert row[col["häusliche Pflege"]] == "."
    assert row[col["ambulant"]] == "."  # total - Pflegegeld - ambulant = stationär
    assert "99,8" not in html and "98,7" not in html
    # an ordinary value is still shown: the total (297 + 149 + 1) and the Pflegegeld recipients
    assert row[col["Pflegebedürftige"]] == "447" and row[col["nur Pflegegeld"]] == "297"
    # the Kreis minus the shown municipalities must not give one hidden cell: a partner is hidden too
    hidden = [n for n, r in rows.items() if r[col["stationär"]] == "."]
    assert "Brakenhagen" in hidden and len(hidden) >= 2
    # Kreis: stationär 1.582 in Musterland, here 1.582 - 105 + 1 = 1.478 (shown, not small)
    assert rows["Landkreis Musterland"][col["stationär"]] == "1.478"
    assert "„.“ Wert kleiner als 3" in html
    for h, kind in (("Pflegebedürftige", "total"), ("stationär", "count"), ("häusliche Pflege", "share"),
                    ("Pflegequote", "rate")):
        assert f'data-sa-kind="{kind}">{h}<' in html


def test_care_table_no_cell_follows_from_the_others(planted):
    # attack: every row's total minus its shown types, every column's Kreis minus its shown rows
    html = pflege.care_table(planted, 2024).data
    head = _header(html)
    rows = _rows(html)
    num = lambda s: float(s.replace(".", "")) if s not in (".", "–") else None
    parts = [head.index(h) for h in ("nur Pflegegeld", "ambulant", "stationär")]
    tot = head.index("Pflegebedürftige")
    for name, r in rows.items():
        hidden = [j for j in parts if num(r[j]) is None]
        assert len(hidden) != 1 or num(r[tot]) is None, name
    munis = [r for n, r in rows.items() if n != "Landkreis Musterland"]
    for j in [tot, *parts]:
        hidden = [r for r in munis if num(r[j]) is None]
        assert len(hidden) != 1, head[j]


def test_care_table_unplanted_shows_brakenhagen():
    html = pflege.care_table(sa.load_district(MUSTERLAND), 2024).data
    row = _rows(html)["Brakenhagen"]
    # Musterland 2024: 297 + 149 + 105 = 551; at home 446 of 551 = 80,9 %
    assert row[1:6] == ["551", "297", "149", "105", "80,9\u00a0%"]
    assert "„.“" not in html


def test_care_intro_of_the_planted_kreis(planted):
    text = pflege.care_intro(planted, 2024).data
    # Kreis: 8.582 - 105 + 1 = 8.478; at home 4.883 + 2.117 = 7.000 of 8.478 = 82,6 %
    assert "**8.478** Menschen pflegebedürftig" in text and "**82,6\u00a0%**" in text
    assert "1.478 leben in einem Pflegeheim" in text
    assert "Brakenhagen" not in text


# --- Pflege: care projection --------------------------------------------------------------------------


def test_care_projection_table_withholds_the_projection_of_brakenhagen(planted):
    html = pflege.care_projection_table(planted, 2024).data
    row = _rows(html)["Brakenhagen"]
    # base year: the published total (447); no projected figure (it scales the hidden type counts)
    assert row[2] == "447"
    assert row[3:] == ["."] * 4
    assert "keine Vorausberechnung" in html
    # the partner municipality of the layer is withheld too, so the Kreis minus the rest gives a sum
    withheld = [n for n, r in _rows(html).items() if r[3] == "."]
    assert len(withheld) >= 2
    # an ordinary municipality: Bad Lindenau 2024, 629 + 269 + 224 = 1.122 (care.csv)
    assert _rows(html)["Bad Lindenau"][2] == "1.122" and _rows(html)["Bad Lindenau"][3] != "."
    fig = pflege.care_projection_municipalities(planted, 2024)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert texts.count("gesperrt\n(Geheimhaltung)") == len(withheld)


def test_care_projection_table_unplanted_projects_brakenhagen():
    html = pflege.care_projection_table(sa.load_district(MUSTERLAND), 2024).data
    row = _rows(html)["Brakenhagen"]
    assert row[2] == "551" and "." not in row[3:]


# --- Pflege: Pflegestützpunkte -----------------------------------------------------------------------


def test_psp_table_withholds_the_mean_weighted_with_a_suppressed_count(planted_old):
    html = pflege.psp_table(planted_old, 2024).data
    rows = _rows(html)
    # Musterstadt's 80+ total is published (3.014 - 94 + 1 = 2.921); its mean distance would give
    # the Sozialraum's weight back (total and distances known): withheld, and so is the Kreis's
    assert rows["Musterstadt"][1] == "2.921"
    assert rows["Musterstadt"][3] == "." and rows["Landkreis Musterland"][3] == "."
    # an ordinary municipality, untouched: Bad Lindenau 1.735 aged 80+, 3,1 km (unplanted value)
    assert rows["Bad Lindenau"][1:4] == ["1.735", "1", "3,1\u00a0km"]
    assert 'data-sa-kind="count">Einwohner ab 80<' in html


def test_psp_map_draws_no_circle_for_a_suppressed_count(planted_old):
    ax = pflege.psp_map(planted_old, 2024).axes[0]
    n = max(len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_offsets"))
    # 56 base areas; the planted one and its partner in Musterstadt are not drawn
    assert n <= 54
    sizes = np.concatenate([c.get_sizes() for c in ax.collections if hasattr(c, "get_sizes")])
    assert not np.isclose(sizes, np.sqrt(1.0) * 3).any()  # a circle of the planted 1
    assert "keine Angabe / gesperrt" in [t.get_text() for t in ax.get_legend().get_texts()]


# --- Senioren ---------------------------------------------------------------------------------------


def test_senior_table_hides_the_planted_altersarmut(planted):
    html = senioren.indicator_table(planted, senioren.SENIOR_IDS, 2024).data
    head = _header(html)
    row = _rows(html)["Brakenhagen"]
    assert row[head.index("Altersarmut (Grundsicherung im Alter)")] == "."
    assert row[head.index("Anteil 65-Jährige und Ältere")] != "."


def test_senior_intro_does_not_name_the_planted_altersarmut(planted):
    text = senioren.indicator_intro(planted, senioren.SENIOR_IDS, 2024).data
    line = next(s for s in text.splitlines() if "Altersarmut" in s)
    assert "Brakenhagen" not in line and "0,0\u00a0%" not in line


def test_senior_projection_observed_from_published_counts(planted_folder, planted):
    fig = senioren.senior_projection(planted, 2024)
    lines = {ln.get_label(): ln for ln in fig.axes[0].lines}
    p = _csv(planted_folder, "population.csv")
    p = p[(p["variable"] == "einwohner") & p["age_group"].isin(OLD)]
    expect = p.groupby("year")["value"].sum()
    got = lines["80 Jahre und älter (Melderegister)"]
    assert dict(zip(got.get_xdata(), got.get_ydata())) == pytest.approx(expect.to_dict())
    assert expect[2024] == 12826  # Musterland's 80+ population 2024, as the Pflege page prints it


# --- Menschen mit Behinderungen ----------------------------------------------------------------------


def test_disability_by_age_does_not_draw_a_suppressed_band(planted_young, tmp_path_factory):
    fig = behinderung.disability_by_age(planted_young, 2024)
    lines = {ln.get_label(): ln.get_ydata() for ln in fig.axes[0].lines}
    # 0-4, boys: 1 in the whole Kreis: neither the rate nor its Wilson interval is drawn
    assert np.isnan(lines["Männer"][0])
    men_band = fig.axes[0].collections[1]  # fill_between of the women, then of the men
    assert len(men_band.get_paths()) and not any(np.isclose(path.vertices[:, 0], 0).any()
                                                 for path in men_band.get_paths())
    # an ordinary band: 70-74, women, from the CSV files (schwerbehinderte / einwohner * 100)
    s = _csv(MUSTERLAND, "disability.csv")
    p = _csv(MUSTERLAND, "population.csv")
    sel = lambda df: df[(df["year"] == 2024) & (df["age_group"] == "70-74") & (df["sex"] == "w")]["value"].sum()
    expect = 100 * sel(s[s["variable"] == "schwerbehinderte"]) / sel(p[p["variable"] == "einwohner"])
    assert lines["Frauen"][14] == pytest.approx(expect, rel=1e-12)
