"""Disclosure control of the page Gesundheit (:mod:`sozialanalyse.pages.gesundheit`, issue 14):
planted small counts in a copy of Musterland are published nowhere on the page (tables, text,
funnel plot, map, charts), while ordinary values still are (hand-checked from the CSV files).

Planted in Brakenhagen (03499007, an Einheitsgemeinde): 2 deaths in 2020-2024 (one woman aged
80-84 in 2021, one man aged 85-89 in 2023; every other death row of those years 0) and, at
school entry 2022-2024, 1 overweight child among 78 examined (26 a year; language support
5 + 6 + 5 = 16).
"""
from __future__ import annotations

import dataclasses
import math
import re
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection

import sozialanalyse as sa
from sozialanalyse.pages import gesundheit
from sozialanalyse.stats.mortality import pooled_mortality

MUSTERLAND = Path(__file__).resolve().parents[1] / "data" / "musterland"
BRAK, BRAK_NAME = "03499007", "Brakenhagen"
TOWN, TOWN_NAME = "03499016", "Musterstadt"


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted_health") / "musterland"
    shutil.copytree(MUSTERLAND, folder)
    mv = pd.read_csv(folder / "movements.csv", dtype={"area_id": str}, keep_default_na=False)
    deaths = (mv["area_id"] == BRAK) & (mv["variable"] == "sterbefaelle") & mv["year"].between(2020, 2024)
    mv.loc[deaths, "value"] = 0
    for year, age, sex in ((2021, "80-84", "w"), (2023, "85-89", "m")):
        mv.loc[deaths & (mv["year"] == year) & (mv["age_group"] == age) & (mv["sex"] == sex), "value"] = 1
    assert mv.loc[deaths, "value"].astype(int).sum() == 2
    mv.to_csv(folder / "movements.csv", index=False)
    se = pd.read_csv(folder / "school_entry.csv", dtype={"area_id": str})
    here = (se["area_id"] == BRAK) & se["year"].between(2022, 2024)
    for var, values in (("einschulung_untersuchte", (26, 26, 26)), ("einschulung_uebergewicht", (0, 1, 0)),
                        ("einschulung_sprachfoerderbedarf", (5, 6, 5))):
        for year, v in zip((2022, 2023, 2024), values):
            se.loc[here & (se["variable"] == var) & (se["year"] == year), "value"] = v
    se.to_csv(folder / "school_entry.csv", index=False)
    return sa.load_district(folder)


@pytest.fixture(scope="module")
def truth(planted):
    """Brakenhagen's figures as the statistics compute them from the raw counts: what would leak."""
    return pooled_mortality(planted, 2024).set_index("area_id").loc[BRAK]


def _rows(html: str, key: int = 0) -> dict[str, list[str]]:
    """Table rows by their "Gebiet" cell (column ``key``): the cell texts (tags stripped), from the
    "Gebiet" cell on."""
    out = {}
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.S)]
        if cells:
            out[cells[key]] = cells[key:]
    return out


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


def _wilson(x: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson's score interval written out (Wilson 1927), in %."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return 100 * (centre - half), 100 * (centre + half)


# --- mortality -----------------------------------------------------------------------------------


def test_planted_deaths_are_what_the_statistics_see(truth):
    # the plant reached the statistics (else the tests below would prove nothing)
    assert truth["observed"] == 2 and truth["smr"] < 5


def test_mortality_table_suppresses_the_deaths_and_all_that_follows(planted, truth):
    html = gesundheit.mortality_table(planted, 2024).data
    rows = _rows(html)
    # Gebiet, Sterbefälle, erwartet, DSR, SMR, Einstufung 95 %, Einstufung 99,8 %
    assert rows[BRAK_NAME][1:] == ["."] * 6
    # the Kreis's deaths are published: a second municipality is suppressed with it
    locked = [n for n, r in rows.items() if r[1] == "."]
    assert BRAK_NAME in locked and len(locked) >= 2
    assert "„.“ Wert kleiner als 3 oder aus Gründen der Geheimhaltung gesperrt" in html
    assert 'data-sa-kind="count">Sterbefälle<' in html
    # an ordinary value: Musterstadt's deaths 2020-2024, summed by hand from movements.csv
    assert rows[TOWN_NAME][1] == "2.113"
    # the Kreis: 8.563 deaths in Musterland, minus Brakenhagen's 524, plus the planted 2
    assert rows["Landkreis Musterland"][1] == "8.041"
    from sozialanalyse.build.audit import audit_html

    assert audit_html(html, "gesundheit.html") == []


def test_mortality_intro_names_the_suppressed_and_no_figure_of_them(planted, truth):
    text = gesundheit.mortality_intro(planted, 2024).data
    gesperrt = text.split("Gesperrt (Geheimhaltung", 1)[1].split(".", 1)[0]
    assert BRAK_NAME in gesperrt
    assert text.count(BRAK_NAME) == 1  # only there: not among the significant ones
    assert "**8.041**" in text


def test_funnel_plot_does_not_draw_the_suppressed(planted, truth):
    fig = gesundheit.mortality_funnel(planted, 2024)
    ax = fig.axes[0]
    points = np.vstack([c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)])
    m = gesundheit._mortality(planted, 2024)
    published = m.iloc[:-1].dropna(subset=["smr"])
    assert len(points) == len(published) == len(m) - 1 - (m["status"].iloc[:-1] != "").sum()
    assert not np.isclose(points[:, 1], truth["smr"]).any()
    assert not np.isclose(points[:, 0], truth["expected"]).any()
    labels = [t.get_text() for t in ax.texts]
    assert BRAK_NAME not in labels and TOWN_NAME in labels
    assert "gesperrt (Geheimhaltung): " in ax.get_title() and BRAK_NAME in ax.get_title()
    # the data behind it: nothing derived from Brakenhagen's deaths
    row = m.set_index("area_id").loc[BRAK]
    assert row[list(gesundheit.FROM_DEATHS)].isna().all()


def test_smr_map_hatches_the_suppressed(planted, truth):
    fig = gesundheit.smr_map(planted, 2024)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.texts]
    assert f"{BRAK_NAME}\ngesperrt" in labels
    assert "keine Angabe / gesperrt" in [t.get_text() for t in ax.get_legend().get_texts()]
    # Musterstadt keeps its SMR: 100 x observed / expected of the statistics
    town = pooled_mortality(planted, 2024).set_index("area_id").loc[TOWN]
    assert town["observed"] == 2113
    smr = round(100 * 2113 / town["expected"])
    assert any(lab.startswith(f"{TOWN_NAME}\n{smr}") for lab in labels)


def test_overview_leaves_the_suppressed_out(planted):
    fig = gesundheit.mortality_overview(planted, 2024)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert BRAK_NAME not in ticks and TOWN_NAME in ticks
    assert BRAK_NAME in fig.axes[0].get_title()


def test_kreis_trend_keeps_every_year(planted):
    # the Kreis's deaths per year are large: no year is suppressed
    ax = gesundheit.mortality_trend(planted).axes[0]
    xs = {float(x) for line in ax.get_lines() for x in np.asarray(line.get_xdata(), float)}
    assert set(range(2015, 2025)) <= xs
    assert "gesperrt" not in ax.get_title()


# --- school entry --------------------------------------------------------------------------------


def test_school_entry_table_hides_one_overweight_child(planted):
    html = gesundheit.school_entry_table(planted, 2024, level="gemeindeverband").data
    rows = _rows(html, key=1)  # Stadt, Gebiet, ...
    row = rows[BRAK_NAME]  # Gebiet, Untersuchte Kinder, Übergewicht, Sprachförderbedarf
    assert row[1] == "78 ¹" or row[1] == "78"
    assert row[2] == "."
    lo, hi = _wilson(1, 78)  # 0,2 % - 6,9 %: the interval that gave the 1 away
    assert "1,3\u00a0%" not in html and f"{lo:.1f}".replace(".", ",") + " %" not in html
    assert f"{hi:.1f}".replace(".", ",") not in row[2]
    # 16 of 78 with language support (62 without): published, 20,5 %
    assert row[3].startswith("20,5\u00a0%")
    # the Kreis's share is published: a second municipality's overweight share is suppressed too
    assert sum(r[2] == "." for r in rows.values()) >= 2
    # an ordinary value: Musterstadt, 170 of 1.165 children overweight 2022-2024 (school_entry.csv)
    lo, hi = _wilson(170, 1165)
    assert (round(lo, 1), round(hi, 1)) == (12.7, 16.7)
    assert rows[TOWN_NAME][1] == "1.165" and rows[TOWN_NAME][2] == "14,6\u00a0% (12,7 – 16,7)"
    assert 'data-sa-kind="share"' in html
    from sozialanalyse.build.audit import audit_html

    assert audit_html(html, "gesundheit.html") == []


def test_school_entry_figure_does_not_draw_the_share(planted):
    fig = gesundheit.school_entry_figure(planted, 2024)
    ax = fig.axes[0]  # Übergewicht
    xs = np.concatenate([np.asarray(line.get_xdata(), float) for line in ax.get_lines()])
    assert not np.isclose(xs[~np.isnan(xs)], 100 / 78).any()
    assert "gesperrt" in [t.get_text() for t in ax.texts]
    assert f"Übergewicht: {BRAK_NAME}" in fig._suptitle.get_text()
    assert np.isclose(xs, 100 * 170 / 1165).any()  # Musterstadt's point is drawn


def test_school_entry_trend_shows_pools(planted):
    ax = gesundheit.school_entry_trend(planted).axes[0]
    assert "je 3 Jahre" in ax.get_title()
    xs = {float(x) for line in ax.get_lines() for x in np.asarray(line.get_xdata(), float)}
    assert min(xs) == 2017.0 and max(xs) == 2024.0  # 2015-2017 is the first pool of three years


@pytest.fixture(scope="module")
def few_men(tmp_path_factory):
    """Musterland in which only 2 men died in the whole Kreis in 2018 (Brakenhagen, 80-84 and
    85-89; every other row of men's deaths in 2018 is 0)."""
    folder = tmp_path_factory.mktemp("few_men") / "musterland"
    shutil.copytree(MUSTERLAND, folder)
    mv = pd.read_csv(folder / "movements.csv", dtype={"area_id": str}, keep_default_na=False)
    men = (mv["variable"] == "sterbefaelle") & (mv["year"] == 2018) & (mv["sex"] == "m")
    mv.loc[men, "value"] = 0
    for age in ("80-84", "85-89"):
        mv.loc[men & (mv["area_id"] == BRAK) & (mv["age_group"] == age), "value"] = 1
    assert mv.loc[men, "value"].astype(int).sum() == 2
    mv.to_csv(folder / "movements.csv", index=False)
    return sa.load_district(folder)


def test_kreis_trend_leaves_out_a_suppressed_year_of_one_sex(few_men):
    ax = gesundheit.mortality_trend(few_men).axes[0]
    lines = {ln.get_label(): {float(x) for x in np.asarray(ln.get_xdata(), float)}
             for ln in ax.get_lines() if len(ln.get_xdata()) > 1}
    assert 2018.0 not in lines["Männer"] and 2017.0 in lines["Männer"]
    # women + men = all: one of the two others is suppressed with it, else 2 = all - women
    assert (2018.0 not in lines["Frauen"]) or (2018.0 not in lines["Insgesamt"])
    assert "2018: gesperrt (Geheimhaltung)" in ax.get_title()


def test_round_mode_publishes_rounded_deaths_and_the_smr_from_them():
    d = sa.load_district(MUSTERLAND)
    d.config = dataclasses.replace(d.config, disclosure=dataclasses.replace(d.config.disclosure, mode="round"))
    raw = pooled_mortality(d, 2024).set_index("area_id").loc[TOWN]
    row = _rows(gesundheit.mortality_table(d, 2024).data)[TOWN_NAME]
    # Musterstadt's 2.113 deaths (movements.csv) rounded to the base 5: 2.115, never the true count
    assert raw["observed"] == 2113 and row[1] == "2.115"
    m = gesundheit._mortality(d, 2024).set_index("area_id").loc[TOWN]
    assert m["observed"] == 2115 and m["smr"] == pytest.approx(100 * 2115 / raw["expected"], rel=1e-12)
