"""School-entry shares (``sozialanalyse.stats.school_entry``) against hand calculations.

The pooled share of a municipality is summed here from the rows of
``data/musterland/school_entry.csv`` and its Wilson interval written out with z = 1.959964;
the rest is built on copies of Musterland without some rows, or on the tiny district of
``tests/tiny_district.py``. A finding that is absent (for one base area or for the whole district)
is NaN and "fehlt" on the page, never 0\u00a0%.
"""
from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import pytest
from tiny_district import COLUMNS, tiny

from sozialanalyse.io.own import District, load_district
from sozialanalyse.pages import gesundheit
from sozialanalyse.stats.school_entry import EXAMINED, SCHOOL_VARS, school_entry_shares

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"
TOWN, SR, KREIS = "03499003", "03499003-02", "03499"  # Bad Lindenau, Altstadt Lindenau
HEIDETAL = "034995401000"
HEIDETAL_MEMBERS = ["03499001", "03499004", "03499014", "03499018"]  # areas.csv, parent 034995401000
POOL = [2022, 2023, 2024]
Z = 1.959964
OVER, LANG = "einschulung_uebergewicht", "einschulung_sprachfoerderbedarf"


def _csv() -> pd.DataFrame:
    return pd.read_csv(MUSTERLAND / "school_entry.csv", dtype={"area_id": str})


def _wilson(x: float, n: float) -> tuple[float, float]:
    """Wilson score interval of x in n, in percent, written out:
    (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n) with p = x/n."""
    p = x / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return 100 * (centre - half), 100 * (centre + half)


def _row(res: pd.DataFrame, area: str, var: str) -> pd.Series:
    hit = res[(res["area_id"] == area) & (res["variable"] == var)]
    assert len(hit) == 1, (area, var)
    return hit.iloc[0]


def _copy(tmp_path_factory, name: str, drop) -> Path:
    """A copy of Musterland whose school_entry.csv lacks the lines where ``drop`` is true and a
    config with ``validation: lenient``; returns the config path."""
    root = tmp_path_factory.mktemp(name)
    data = root / "data"
    shutil.copytree(MUSTERLAND, data)
    lines = (data / "school_entry.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [ln for ln in lines if not drop(ln)]
    assert len(kept) < len(lines)
    (data / "school_entry.csv").write_text("".join(kept), encoding="utf-8")
    cfg = (ROOT / "config" / "musterland.yml").read_text(encoding="utf-8").splitlines()
    cfg = [f"data: {data}" if ln.startswith("data:") else
           "validation: lenient" if ln.startswith("validation:") else ln for ln in cfg]
    (root / f"{name}.yml").write_text("\n".join(cfg) + "\n", encoding="utf-8")
    return root / f"{name}.yml"


@pytest.fixture(scope="module")
def d():
    return load_district(MUSTERLAND)


@pytest.fixture(scope="module")
def no_overweight(tmp_path_factory):
    """Musterland without a single overweight row: the finding is absent for the whole district."""
    return load_district(_copy(tmp_path_factory, "noover", lambda ln: f",{OVER}," in ln))


@pytest.fixture(scope="module")
def one_gap(tmp_path_factory):
    """Musterland without the overweight row of Altstadt Lindenau in 2024."""
    return load_district(_copy(tmp_path_factory, "onegap", lambda ln: ln.startswith(f"{SR},2024,{OVER},")))


@pytest.fixture(scope="module")
def examined_gap(tmp_path_factory):
    """Musterland without the row of children examined in Altstadt Lindenau in 2023."""
    return load_district(_copy(tmp_path_factory, "exgap", lambda ln: ln.startswith(f"{SR},2023,{EXAMINED},")))


# --- the pooled share and its interval ------------------------------------------------------------


def test_pooled_share_of_a_stadt_by_hand(d):
    # school_entry.csv: Bad Lindenau's Sozialräume 03499003-01 ... -10, years 2022-2024
    s = _csv()
    own = s[s["area_id"].str.startswith(TOWN + "-") & s["year"].isin(POOL)]
    n = own.loc[own["variable"] == EXAMINED, "value"].sum()
    res = school_entry_shares(d, 2024)
    assert res.attrs["years"] == POOL
    for var, label in SCHOOL_VARS.items():
        x = own.loc[own["variable"] == var, "value"].sum()
        r = _row(res, TOWN, var)
        assert (r["name"], r["label"], r["x"], r["n"]) == ("Bad Lindenau", label, x, n)
        assert r["value"] == pytest.approx(100 * x / n, rel=1e-12)
        low, high = _wilson(x, n)
        assert r["lower"] == pytest.approx(low, rel=1e-6)
        assert r["upper"] == pytest.approx(high, rel=1e-6)
        assert r["reason"] == ""
    # the numbers of the written-out check, so a change of the data shows here too
    assert (_row(res, TOWN, OVER)["x"], n) == (75.0, 536.0)


def test_pooled_share_of_a_samtgemeinde_and_the_kreis(d):
    s = _csv()
    pooled = s[s["year"].isin(POOL)]
    for area, rows, level in ((HEIDETAL, pooled[pooled["area_id"].isin(HEIDETAL_MEMBERS)], "gemeindeverband"),
                              (KREIS, pooled, "kreis")):
        n = rows.loc[rows["variable"] == EXAMINED, "value"].sum()
        x = rows.loc[rows["variable"] == LANG, "value"].sum()
        r = _row(school_entry_shares(d, 2024, level), area, LANG)
        assert (r["x"], r["n"]) == (x, n)
        assert r["value"] == pytest.approx(100 * x / n, rel=1e-12)
        assert (r["lower"], r["upper"]) == pytest.approx(_wilson(x, n), rel=1e-6)


def test_pool_and_year(d):
    # a single year, 2020, at the Sozialraum level: Altstadt Lindenau's own row
    s = _csv()
    own = s[(s["area_id"] == SR) & (s["year"] == 2020)].set_index("variable")["value"]
    r = _row(school_entry_shares(d, 2020, "sozialraum", pool=1), SR, OVER)
    assert (r["x"], r["n"]) == (own[OVER], own[EXAMINED])
    assert school_entry_shares(d, 2016, pool=3).attrs["years"] == [2015, 2016]


# --- missing is missing --------------------------------------------------------------------------


def test_a_finding_absent_for_the_whole_district_is_nan_not_zero(no_overweight, d):
    assert no_overweight.gaps.empty  # nothing to find row by row: the finding is not delivered at all
    for level in ("sozialraum", "gemeindeverband", "kreis"):
        res = school_entry_shares(no_overweight, 2024, level)
        over = res[res["variable"] == OVER]
        assert len(over) > 0
        for col in ("x", "value", "lower", "upper"):
            assert over[col].isna().all(), (level, col)
        assert over["reason"].str.contains(f"incomplete: {OVER} 2022 in ").all()
        assert over["reason"].str.contains(f"incomplete: {OVER} 2024 in ").all()
        # the children examined and the other finding are untouched
        lang = res[res["variable"] == LANG].reset_index(drop=True)
        old = school_entry_shares(d, 2024, level)
        old = old[old["variable"] == LANG].reset_index(drop=True)
        pd.testing.assert_frame_equal(lang, old)
    r = _row(school_entry_shares(no_overweight, 2024, "gemeindeverband"), TOWN, OVER)
    assert r["n"] == 536.0
    assert r["reason"] == "; ".join(f"incomplete: {OVER} {y} in 10 of 10 base areas" for y in POOL)


def test_an_absent_row_is_nan_for_its_area_and_the_levels_above(one_gap, d):
    s = _csv()
    for level, area in (("sozialraum", SR), ("gemeindeverband", TOWN), ("kreis", KREIS)):
        res = school_entry_shares(one_gap, 2024, level)
        r = _row(res, area, OVER)
        assert np.isnan(r["x"]) and np.isnan(r["value"]) and np.isnan(r["lower"]), level
        assert r["reason"].startswith(f"incomplete: {OVER} 2024 in 1 of "), level
        # the other finding and the children examined of the same area are known
        assert _row(res, area, LANG)["value"] == _row(school_entry_shares(d, 2024, level), area, LANG)["value"]
        assert not np.isnan(r["n"])
    # a neighbouring Sozialraum keeps its value: its rows in school_entry.csv
    other = "03499003-01"
    own = s[(s["area_id"] == other) & s["year"].isin(POOL)]
    x = own.loc[own["variable"] == OVER, "value"].sum()
    n = own.loc[own["variable"] == EXAMINED, "value"].sum()
    assert _row(school_entry_shares(one_gap, 2024, "sozialraum"), other, OVER)["value"] == \
        pytest.approx(100 * x / n, rel=1e-12)
    # pooled over 2021-2023 the area is complete
    assert _row(school_entry_shares(one_gap, 2023, "sozialraum"), SR, OVER)["reason"] == ""


def test_an_absent_denominator_makes_both_shares_nan(examined_gap):
    res = school_entry_shares(examined_gap, 2024, "gemeindeverband")
    for var in SCHOOL_VARS:
        r = _row(res, TOWN, var)
        assert np.isnan(r["n"]) and np.isnan(r["value"])
        assert r["reason"] == f"incomplete: {EXAMINED} 2023 in 1 of 10 base areas"


def _tiny_school(tmp_path, over: float | None) -> District:
    """The tiny district with school-entry rows 2022-2024 in every base area: 20 children examined
    and 5 with language-support need a year; ``over`` overweight a year (None: no overweight rows)."""
    t = tiny(tmp_path)
    rows = []
    for a in ("09999001-01", "09999001-02", "09999002"):
        for y in POOL:
            vals = {EXAMINED: 20.0, LANG: 5.0, **({} if over is None else {OVER: over})}
            rows += [[a, y, v, "insgesamt", "insgesamt", "insgesamt", "insgesamt", val] for v, val in vals.items()]
    counts = pd.concat([t.counts, pd.DataFrame(rows, columns=COLUMNS)], ignore_index=True)
    return District(folder=t.folder, areas=t.areas, counts=counts, facilities=t.facilities, meta=t.meta)


def test_tiny_explicit_zero_is_zero_and_absent_is_nan(tmp_path):
    # explicit 0 overweight children: 0 of 60 per base area pooled (Astadt 0 of 120), a share of 0 %
    zero = school_entry_shares(_tiny_school(tmp_path, 0.0), 2024)
    r = _row(zero, "09999001", OVER)
    assert (r["x"], r["n"], r["value"], r["reason"]) == (0.0, 120.0, 0.0, "")
    assert r["lower"] == 0.0 and r["upper"] == pytest.approx(_wilson(0, 120)[1], rel=1e-6)
    # language support: 3 years x 2 Sozialräume x 5 = 30 of 120 = 25 %
    assert _row(zero, "09999001", LANG)["value"] == 25.0
    # no overweight rows at all: NaN with the reason, never 0 %
    absent = school_entry_shares(_tiny_school(tmp_path, None), 2024)
    r = _row(absent, "09999001", OVER)
    assert np.isnan(r["x"]) and np.isnan(r["value"]) and np.isnan(r["upper"])
    assert r["reason"] == "; ".join(f"incomplete: {OVER} {y} in 2 of 2 base areas" for y in POOL)
    assert _row(absent, "09999002", OVER)["reason"].endswith("2024 in 1 of 1 base area")
    assert _row(absent, "09999001", LANG)["value"] == 25.0


# --- the page prints "fehlt" with the footnote ------------------------------------------------------


def _cells(html: str, name: str) -> list[str]:
    row = html.split(f">{name}<", 1)[1].split("</tr>", 1)[0]
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.DOTALL)]


def test_table_prints_fehlt_for_a_finding_absent_in_the_district(no_overweight, d):
    html = gesundheit.school_entry_table(no_overweight, 2024, level="sozialraum").data
    cells = _cells(html, "Altstadt Lindenau")  # Untersuchte Kinder, Übergewicht, Sprachförderbedarf
    assert cells[1] == "fehlt ²"
    assert cells[0] == _cells(gesundheit.school_entry_table(d, 2024, level="sozialraum").data,
                              "Altstadt Lindenau")[0]
    assert not re.search(r">0,0\u00a0%", html)  # no cell starts with 0 %
    assert html.count(">fehlt ²<") == 36  # the Übergewicht cell of every Sozialraum (areas.csv)
    assert ("² fehlt: Eingangsdaten unvollständig, es fehlen Zeilen (einschulung_uebergewicht 2022; "
            "einschulung_uebergewicht 2023; einschulung_uebergewicht 2024); der Wert wird nicht aus "
            "unvollständigen Daten berechnet (keine 0).") in html
    fig = gesundheit.school_entry_figure(no_overweight, 2024)
    assert fig.axes[0].get_title().endswith("Landkreis: fehlt")
    assert "fehlt (Eingangsdaten unvollständig): Übergewicht 2022–2024" in fig._suptitle.get_text()
    assert sum(t.get_text() == "fehlt" for t in fig.axes[0].texts) == 11  # every municipality
    trend = gesundheit.school_entry_trend(no_overweight).axes[0]
    assert "Übergewicht 2015–2024: fehlt (Eingangsdaten unvollständig)" in trend.get_title()


def test_table_prints_fehlt_for_an_absent_row(one_gap, examined_gap, d):
    html = gesundheit.school_entry_table(one_gap, 2024, level="gemeindeverband").data
    old = gesundheit.school_entry_table(d, 2024, level="gemeindeverband").data
    cells, before = _cells(html, "Bad Lindenau"), _cells(old, "Bad Lindenau")
    assert cells[1] == "fehlt ²" and cells[0] == before[0] and cells[2] == before[2]
    assert _cells(html, "Brakenhagen") == _cells(old, "Brakenhagen")
    assert "(einschulung_uebergewicht 2024 in 1 von 10 Teilgebieten)" in html
    assert "² fehlt" not in old  # the untouched page has no such footnote
    ex = gesundheit.school_entry_table(examined_gap, 2024, level="gemeindeverband").data
    assert _cells(ex, "Bad Lindenau") == ["fehlt ²"] * 3
    assert "(einschulung_untersuchte 2023 in 1 von 10 Teilgebieten)" in ex
    ax = gesundheit.school_entry_trend(one_gap).axes[0]
    assert ax.get_title().endswith("\nÜbergewicht 2024: fehlt (Eingangsdaten unvollständig)")
    # the Kreis line of Übergewicht breaks in 2024 (NaN), it does not drop to 0
    over, = [ln for ln in ax.get_lines() if ln.get_label() == "Übergewicht"]
    ys = dict(zip(np.asarray(over.get_xdata(), float), np.asarray(over.get_ydata(), float)))
    assert np.isnan(ys[2024.0]) and ys[2023.0] > 0
