"""A lenient build survives an absent population row (issue #12 item 2).

Musterland with the one row ``03499016-02,2024,einwohner,30-34,m,deutsch`` (Bahnhofsviertel,
Musterstadt) deleted and ``validation: lenient``: every public page function of the page modules
(``pages.gesundheit``, ``pflege``, ``senioren``, ``behinderung`` with what they re-export from
``pages.common``, ``gemeindeprofil``, ``kreisuebersicht``, ``sozialraum_monitoring``, ``herkunft``)
and of ``stats.monitoring`` (which the Sozialraum-Monitoring page arranges) must run (for the Kreis
and for Musterstadt where it takes an area), what rests on the absent row is "fehlt"/NaN with a
reason, and what does not is unchanged. Reference values are hand calculations from the CSV files, written out below, or the
untouched district's numbers where the choice of reference cannot change them.

Choice documented on the pages: a municipality with absent population rows is "fehlt"; the Kreis
references (SMR reference rates, the Kreis DSR, the survival and care rates of the projection)
are computed over the complete base areas only and the page says "ohne Bahnhofsviertel
(Musterstadt), weil dort Eingangsdaten (Einwohner) fehlen".
"""
import inspect
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from faults import lenient_without

from sozialanalyse.io.own import load_district
from sozialanalyse.pages import (
    behinderung,
    gemeindeprofil,
    gesundheit,
    herkunft,
    kreisuebersicht,
    pflege,
    senioren,
    sozialraum_monitoring,
)
from sozialanalyse.stats import monitoring
from sozialanalyse.stats.care import care_projection
from sozialanalyse.stats.health import ESP2013
from sozialanalyse.stats.mortality import pooled_mortality

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"
ROW = "03499016-02,2024,einwohner,30-34,m,deutsch,"
SR, TOWN, OTHER, KREIS = "03499016-02", "03499016", "03499003", "03499"  # Bahnhofsviertel, Musterstadt, Bad Lindenau
POOL = [2020, 2021, 2022, 2023, 2024]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("popgap")
    lenient_without(root, "population.csv", ROW)
    return root


@pytest.fixture(scope="module")
def gap(folder):
    return load_district(folder / "lenient.yml")


@pytest.fixture(scope="module")
def original():
    return load_district(MUSTERLAND)


def _page_functions():
    out, seen = [], set()
    for mod in (gesundheit, pflege, senioren, behinderung, gemeindeprofil, kreisuebersicht, sozialraum_monitoring,
                herkunft, monitoring):
        for name, f in inspect.getmembers(mod, inspect.isfunction):
            # the module's own functions and the shared ones it offers its notebook (pages.common)
            shared = f.__module__ == "sozialanalyse.pages.common" and name in getattr(mod, "__all__", ())
            if name.startswith("_") or not (f.__module__ == mod.__name__ or shared) or f in seen:
                continue
            seen.add(f)
            params = list(inspect.signature(f).parameters)
            if params[:1] != ["district"]:
                continue  # helpers taking a result or arrays (attention, nearest_distance, ...)
            takes_area = "area_id" in params
            for area in ([KREIS, TOWN] if takes_area else [None]):
                out.append(pytest.param(f, area, id=f"{f.__module__.split('.')[-1]}.{name}"
                                                     + (f"[{area}]" if area else "")))
    return out


def _args(f, district, area):
    args = []
    for name, p in inspect.signature(f).parameters.items():
        if name == "district" or p.default is not inspect.Parameter.empty:
            continue
        args.append({"area_id": area, "year": 2024, "ids": [*senioren.SENIOR_IDS, *behinderung.DISABILITY_IDS],
                     "indicator_ids": ["sgb2_quote", "kinderarmut", "anteil_65plus"],
                     "indicator": "sgb2_quote"}[name])
    return args


@pytest.mark.parametrize(("func", "area"), _page_functions())
def test_every_page_function_builds_with_the_gap(gap, func, area):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            func(gap, *_args(func, gap, area))
        finally:
            plt.close("all")


def test_the_gap_is_found(gap):
    g = gap.gaps
    assert g[["variable", "area_id", "year"]].values.tolist() == [["einwohner", SR, 2024]]


# --- mortality ----------------------------------------------------------------------------------


def _csv(name):
    return pd.read_csv(MUSTERLAND / name, dtype={"area_id": str})


def test_mortality_town_with_the_gap_is_missing_with_reason(gap):
    m = pooled_mortality(gap).set_index("area_id")
    for col in ("observed", "expected", "smr", "smr_lower", "dsr", "person_years"):
        assert np.isnan(m.loc[TOWN, col]), col
    assert m.loc[TOWN, "reason"].startswith("incomplete: einwohner")
    assert m.loc[OTHER, "reason"] == ""
    assert m.attrs["left_out"] == [SR]


def test_mortality_reference_is_the_kreis_without_the_incomplete_base_area(gap):
    """SMR of Bad Lindenau against Kreis rates over all base areas but Bahnhofsviertel, by hand
    from the CSV files: rate_band = deaths / population over the complete base areas 2020-2024,
    expected = sum of Bad Lindenau's population x rate, SMR = 100 x observed / expected."""
    pop = _csv("population.csv")
    pop = pop[(pop["variable"] == "einwohner") & pop["year"].isin(POOL)]
    pop = pop[~((pop["area_id"] == SR) & (pop["year"] == 2024) & (pop["age_group"] == "30-34")
                & (pop["sex"] == "m") & (pop["nationality"] == "deutsch"))]
    deaths = _csv("movements.csv")
    deaths = deaths[(deaths["variable"] == "sterbefaelle") & deaths["year"].isin(POOL)]
    complete = lambda df: df[df["area_id"] != SR]
    key = ["sex", "age_group"]
    rate = (complete(deaths).groupby(key)["value"].sum() / complete(pop).groupby(key)["value"].sum())
    own = lambda df: df[df["area_id"].str.startswith(OTHER)]
    expected = (own(pop).groupby(key)["value"].sum() * rate).sum()
    observed = own(deaths)["value"].sum()
    m = pooled_mortality(gap).set_index("area_id")
    assert m.loc[OTHER, "observed"] == observed
    assert m.loc[OTHER, "expected"] == pytest.approx(expected, rel=1e-12)
    assert m.loc[OTHER, "smr"] == pytest.approx(100 * observed / expected, rel=1e-12)
    # the Kreis row is the same reference: its deaths are those of the complete base areas
    assert m.loc[KREIS, "observed"] == complete(deaths)["value"].sum()


def test_mortality_of_an_untouched_town_does_not_depend_on_the_reference(gap, original):
    """The DSR (ESP 2013) of Bad Lindenau uses only its own rows: bit-identical."""
    new = pooled_mortality(gap).set_index("area_id")
    old = pooled_mortality(original).set_index("area_id")
    for town in (OTHER, "03499007", "034995401000"):
        for col in ("observed", "person_years", "dsr", "dsr_lower", "dsr_upper"):
            assert new.loc[town, col] == old.loc[town, col], (town, col)
    assert float(ESP2013.sum()) == 100000.0  # the standard the DSR is per 100.000 of


def test_mortality_table_prints_fehlt_and_names_the_reference(gap):
    html = gesundheit.mortality_table(gap).data
    assert "fehlt ²" in html
    assert "² fehlt: Musterstadt" in html
    assert ("³ Landkreis (Referenz für SMR und DSR): ohne Bahnhofsviertel (Musterstadt), weil dort "
            "Eingangsdaten (Einwohner) fehlen") in html
    assert ">Landkreis Musterland ³<" in html
    text = gesundheit.mortality_intro(gap).data
    assert r"ohne Bahnhofsviertel \(Musterstadt\)" in text  # Markdown-escaped
    assert text.startswith("Im Landkreis Musterland (ohne Bahnhofsviertel, Eingangsdaten unvollständig) starben")


def test_smr_map_hatches_the_town_and_says_fehlt(gap):
    fig = gesundheit.smr_map(gap)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.texts]
    assert "Musterstadt\nfehlt" in labels
    assert "fehlt (Einwohnerzahlen unvollständig)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_mortality_trend_leaves_the_incomplete_year_out(gap, original):
    new = gesundheit.mortality_trend(gap).axes[0]
    old = gesundheit.mortality_trend(original).axes[0]
    xs = lambda ax: sorted({float(x) for line in ax.get_lines() for x in np.asarray(line.get_xdata(), float)})
    assert 2024.0 in xs(old) and 2024.0 not in xs(new)
    assert "2024: fehlt" in new.get_title()
    series = lambda ax: [dict(zip(np.asarray(ln.get_xdata(), float), np.asarray(ln.get_ydata(), float)))
                         for ln in ax.get_lines() if len(ln.get_xdata()) > 1]
    lines_new, lines_old = series(new), series(old)
    assert len(lines_new) == len(lines_old) >= 3  # Insgesamt, Frauen, Männer
    # 2015-2023 are complete: the same DSR values as in the untouched district, bit for bit
    for a, b in zip(lines_new, lines_old):
        assert sorted(a) == [y for y in sorted(b) if y != 2024.0]
        assert all(a[y] == b[y] for y in a)


def test_spine_chart_of_the_town_prints_fehlt(gap):
    fig = gemeindeprofil.spine_chart(gap, TOWN)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "fehlt" in texts
    assert "fehlt: Eingangsdaten unvollständig" in fig._suptitle.get_text()


# --- senior and disability indicators ----------------------------------------------------------


def test_indicator_table_and_intro_print_fehlt_with_the_footnote(gap, original):
    ids = list(senioren.SENIOR_IDS)
    html = senioren.indicator_table(gap, ids).data
    row = lambda h, name: h.split(f">{name}<", 1)[1].split("</tr>", 1)[0]
    assert row(html, "Musterstadt").count("fehlt ²") == len(ids)
    assert row(html, "Landkreis Musterland").count("fehlt ²") == len(ids)
    assert "² fehlt: Eingangsdaten unvollständig, es fehlen Zeilen (einwohner 2024 in 1 von 18 Teilgebieten" in html
    # an untouched town: the same cells as in the untouched district
    assert row(html, "Bad Lindenau") == row(senioren.indicator_table(original, ids).data, "Bad Lindenau")
    sr = senioren.indicator_table(gap, ids, level="sozialraum").data
    assert row(sr, "Bahnhofsviertel").count("fehlt ²") == len(ids)
    intro = senioren.indicator_intro(gap, ids).data
    assert "fehlt ² im Landkreis" in intro and "Musterstadt: fehlt ²" in intro


# --- care projection ----------------------------------------------------------------------------


def test_care_projection_leaves_the_town_out_and_the_total_says_so(gap):
    p = care_projection(gap)
    assert p["absent"] == [TOWN] and p["left_out"] == [SR]
    assert TOWN not in set(p["population"]["area_id"]) and TOWN not in set(p["care"]["area_id"])
    # "Insgesamt" in the base year = the 2024 population of all municipalities but Musterstadt (CSV)
    pop = _csv("population.csv")
    pop = pop[(pop["variable"] == "einwohner") & (pop["year"] == 2024) & ~pop["area_id"].str.startswith(TOWN)]
    tot = p["population"]
    tot = tot[(tot["area_id"] == "Insgesamt") & (tot["year"] == 2024)]["population"].sum()
    assert tot == pytest.approx(pop["value"].sum(), rel=1e-12)
    # the base year reproduces an untouched town's observed care recipients (care.csv)
    care = _csv("care.csv")
    care = care[(care["variable"] == "pflegebeduerftige") & (care["year"] == 2024)
                & care["area_id"].str.startswith(OTHER)]["value"].sum()
    c = p["care"]
    assert c[(c["area_id"] == OTHER) & (c["year"] == 2024)]["status_quo"].sum() == pytest.approx(care, rel=1e-9)
    html = pflege.care_projection_table(gap).data
    assert "fehlt ²" in html and "ohne Musterstadt" in html


def test_senior_projection_total_without_the_town(gap):
    title = senioren.senior_projection(gap).axes[0].get_title()
    assert "ohne Musterstadt (Einwohnerzahlen unvollständig)" in title


# --- Pflegestützpunkte map ----------------------------------------------------------------------


def test_psp_map_hatches_the_base_area_instead_of_a_zero_circle(gap, original):
    new, old = pflege.psp_map(gap).axes[0], pflege.psp_map(original).axes[0]
    n = lambda ax: max(len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_offsets"))
    assert n(old) == 56 and n(new) == 55  # 56 base areas, one without a known 80+ population
    assert "fehlt (Einwohnerzahlen unvollständig)" in [t.get_text() for t in new.get_legend().get_texts()]


# --- one absent care row: the care projection of the town is "fehlt", not 0 ------------------------

CARE_ROW = "03499003-02,2024,pflegebeduerftige,80-84,w,ambulant,"  # Altstadt Lindenau, Bad Lindenau


@pytest.fixture(scope="module")
def care_gap(tmp_path_factory):
    return load_district(lenient_without(tmp_path_factory.mktemp("caregap"), "care.csv", CARE_ROW))


def test_care_projection_pages_print_fehlt_for_the_town(care_gap):
    html = pflege.care_projection_table(care_gap).data
    row = html.split(">Bad Lindenau<", 1)[1].split("</tr>", 1)[0]
    cells = [c.rsplit(">", 1)[1] for c in row.split("</td>")[:-1]]
    assert cells[0].count("→") == 1 and "fehlt" not in cells[0]  # its 80+ population is known
    assert cells[1:] == ["fehlt ²"] * 5  # every care column: today, 2030, 2040, range, change
    assert ">Landkreis Musterland ³<" in html
    assert "² fehlt: Bad Lindenau; Zahl der Pflegebedürftigen 2024 unvollständig" in html
    assert "³ Pflegebedürftige im Landkreis Musterland insgesamt ohne Bad Lindenau" in html
    assert ("Sterbe- und Pflegequoten des Landkreises: ohne Altstadt Lindenau (Bad Lindenau), weil dort "
            "Eingangsdaten (Pflegebedürftige) fehlen") in html
    title = pflege.care_projection_kreis(care_gap).axes[0].get_title()
    assert "ohne Bad Lindenau (Pflegebedürftige unvollständig)" in title
    fig = pflege.care_projection_municipalities(care_gap)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "fehlt\n(Pflegebedürftige\nunvollständig)" in texts
    method = pflege.care_projection_method(care_gap).data
    assert r"Pflegebedürftige nicht vorausberechnet\: Bad Lindenau" in method  # Markdown-escaped
    # the senior projection needs the population only: Bad Lindenau is in it
    assert "ohne" not in senioren.senior_projection(care_gap).axes[0].get_title()


# --- the data page names rejected rows without their counts (issue #14) ---------------------------

SMALL = "03499016-18"  # a Sozialraum of Musterstadt whose school entry 2024 has counts of 1


def _edit(path: Path, old: str, new: str) -> int:
    """Replace the one line ``old`` of ``path`` by ``new``; returns its line number (header = 1)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines.count(old) == 1, old
    i = lines.index(old)
    lines[i] = new
    path.write_text("\n".join(lines), encoding="utf-8")
    return i + 1


@pytest.fixture(scope="module")
def rejected(tmp_path_factory):
    """The lenient copy with rows rejected for their counts: 0 children examined beside 1 overweight
    and 1 with language support (numerator > denominator, the issue's "03499016-18 | 1"), a
    negative count of -2, a row with an extra field, and a row of an unknown area key."""
    root = tmp_path_factory.mktemp("rejected")
    config = lenient_without(root, "population.csv", ROW)
    data = root / "data"
    lines = {
        "examined": _edit(data / "school_entry.csv", f"{SMALL},2024,einschulung_untersuchte,9",
                          f"{SMALL},2024,einschulung_untersuchte,0"),
        "negative": _edit(data / "transfers.csv", f"{SMALL},2024,wohngeld_haushalte,18",
                          f"{SMALL},2024,wohngeld_haushalte,-2"),
        "fields": _edit(data / "transfers.csv", f"{SMALL},2024,sgb2_personen_unter15,13",
                        f"{SMALL},2024,sgb2_personen_unter15,13,7"),
    }
    with open(data / "transfers.csv", "a", encoding="utf-8") as fh:
        fh.write("03499016-77,2024,sgb2_personen,2\n")
    return load_district(config), lines


def _problem_rows(html: str) -> list[dict]:
    import re

    part = html.split("Gefundene Probleme", 1)[1].split("</table>", 1)[0]
    head = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", part, re.S)]
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", part.split("</thead>", 1)[1], re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        rows.append(dict(zip(head, cells)))
    return rows


def test_the_data_page_never_prints_a_count_of_a_rejected_row(rejected):
    from sozialanalyse.pages import daten_methoden

    district, lines = rejected
    html = daten_methoden.validation(district).data
    rows = _problem_rows(html)
    by_problem = {}
    for r in rows:
        by_problem.setdefault(r["Problem"], []).append(r)
    # the leak: the two rows "03499016-18,2024,einschulung_...,1" are named without their 1
    ratio = by_problem["Zähler größer als Nenner"]
    assert sorted((r["Datei"], r["Gebiet"], r["Spalte"], r["Wert"]) for r in ratio) == [
        ("school_entry.csv", SMALL, "value", "gesperrt")] * 2
    school = (MUSTERLAND / "school_entry.csv").read_text(encoding="utf-8").split("\n")
    assert sorted(int(r["Zeile"]) for r in ratio) == sorted(  # the rows of the two numerators (header = 1)
        i + 1 for i, ln in enumerate(school) if ln.startswith(f"{SMALL},2024,einschulung_")
        and "untersuchte" not in ln)
    (neg,) = by_problem["negative Anzahl"]
    assert (neg["Zeile"], neg["Spalte"], neg["Wert"]) == (str(lines["negative"]), "value", "gesperrt")
    (extra,) = by_problem["falsche Anzahl Felder"]  # the value of a whole row holds the count
    assert (extra["Zeile"], extra["Wert"]) == (str(lines["fields"]), "gesperrt")
    # a key is no count: the reader sees which key is unknown
    (key,) = by_problem["unbekannter Gebietsschlüssel"]
    assert (key["Datei"], key["Spalte"], key["Wert"]) == ("transfers.csv", "area_id", "03499016-77")
    # no cell of the table holds a count of a rejected row, and the footnote says why
    assert not any(r["Wert"] in {"1", "-2", "2", "13", "7"} or ",13," in r["Wert"] for r in rows)
    assert "„gesperrt“: Zählwerte der Eingangsdaten werden auch dann nicht veröffentlicht" in html
    # every column of the page's tables declares its kind (the audit fails closed on undeclared ones);
    # the value of a count file's row is a count, so a count printed there by mistake is found
    from sozialanalyse.build.audit import audit_html

    assert audit_html(html, "daten_methoden.html") == []
    assert 'data-sa-kind="count">03499016-77<' in html
    planted = html.replace('data-sa-kind="count">03499016-77<', 'data-sa-kind="count">1<')
    assert [f.problem for f in audit_html(planted, "daten_methoden.html")] == ["count 1 below the threshold 3"]


def test_problems_of_other_files_keep_their_value(tmp_path):
    """Values of areas.csv (names, keys) are no counts: shown as they are."""
    from types import SimpleNamespace as P

    from sozialanalyse.pages.daten_methoden import shown_value

    assert shown_value(P(file="areas.csv", column="parent_id", value="03499099")) == "03499099"
    assert shown_value(P(file="population.csv", column="age_group", value="30-3")) == "30-3"
    assert shown_value(P(file="population.xlsx", column="value", value="2")) == "gesperrt"
    assert shown_value(P(file="care.csv", column="value", value=None)) == "–"
