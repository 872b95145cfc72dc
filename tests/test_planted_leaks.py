"""Planted leaks (issue 14): small counts planted into copies of Musterland must be neither
published nor recoverable by an attacker.

The generator is ``tests/leaks.py``, the attacks ``tests/attacks.py`` (independent of the library's
audit). The fast tests prove each attack on hand-written HTML with hand-computed values; the slow
tests run two builds once per session (the planted district of the issue with half of the sweep,
and the other half: every count variable × level × value 1 and 2, see ``tests/leaks.py``) and run
every attack on every page.

A build that the disclosure audit stops fails :func:`test_audit_lets_the_planted_site_publish` with
the audit's findings; the attacks still read the pages from the build's work folder."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import attacks
import leaks
import pytest
from attacks import Areas, consistent, parse_html, small_by_inversion, wilson
from leaks import Planted
from test_build import _copy_sources

from sozialanalyse.build import report
from sozialanalyse.build.report import BuildError
from sozialanalyse.io.validate import validate

#: the tests sharing one session build run in one process (make test: pytest -n 2 --dist loadgroup)
pytestmark = pytest.mark.xdist_group("planted_builds")

# --- the generator ------------------------------------------------------------------------------------


def test_planted_district_is_valid_and_holds_the_issues_small_counts(tmp_path):
    planted = leaks.plant(leaks.MUSTERLAND, tmp_path / "d", leaks.district_plants())
    assert validate(tmp_path / "d", geometry=False).problems == []
    got = {(p.area_id, p.variable, p.years, p.where): p.value for p in planted}
    assert got[("03499007", "grundsicherung_65plus", (2024,), ())] == 1
    assert got[("03499007", "pflegebeduerftige", (2024,), (("type", "stationaer"),))] == 1
    assert got[("03499007", "sterbefaelle", (2020, 2021, 2022, 2023, 2024), ())] == 2
    assert got[("03499007", "einschulung_uebergewicht", (2024,), ())] == 1
    assert got[("03499016-18", "einwohner", (2024,), ())] == 2
    assert got[("03499016-18", "sgb2_personen", (2024,), ())] == 1
    # the file holds what the plant says: the care home cell and the 78 examined children of 2024
    care = (tmp_path / "d" / "care.csv").read_text().splitlines()
    stationaer = [r for r in care if r.startswith("03499007,2024,") and r.split(",")[5] == "stationaer"]
    assert sum(int(r.split(",")[-1]) for r in stationaer) == 1
    assert "03499007,2024,einschulung_untersuchte,78" in (tmp_path / "d" / "school_entry.csv").read_text()


def test_sweep_plants_every_variable_level_and_value_once_in_two_builds(tmp_path):
    builds = leaks.sweep_builds()
    assert len(builds) == 2
    # every count variable of the data files (the "sum" variables of housing.csv are not counts),
    # but those of the KGSt fields (income.csv, education.csv: leaks._NOT_SWEPT)
    counts = {(v, f) for f, vs in leaks.VARIABLES.items() for v, kind in vs.items() if kind == "count"
              and f not in leaks._NOT_SWEPT}
    assert len(counts) == 21
    areas = leaks._read(leaks.MUSTERLAND / "areas.csv").set_index("area_id")["kind"]
    got = [(p.variable, "Sozialraum" if areas[p.area_id] == "Sozialraum" else "Gemeinde", p.value)
           for b in builds for v in b for p in v.plants]
    expected = [(v, lv, x) for v, _f in counts for lv in ("Sozialraum", "Gemeinde") for x in (1, 2)]
    assert sorted(got) == sorted(expected) and len(got) == 84   # each exactly once: 21 x 2 levels x 2 values
    # build 1 (with the district) holds no sweep plant of a variable the district plants at that
    # level, and no Sozialraum of Musterstadt (Osterwald's town); neither build uses the district's areas
    first, second = ([(v.plants[0], leaks._level(v.label)) for v in b] for b in builds)
    district = {("einwohner", "Sozialraum"), ("sgb2_personen", "Sozialraum"), ("grundsicherung_65plus", "Gemeinde"),
                ("pflegebeduerftige", "Gemeinde"), ("sterbefaelle", "Gemeinde"), ("einschulung_uebergewicht", "Gemeinde")}
    assert leaks.district_levels() == district
    assert not [p for p, lv in first if (p.variable, lv) in district]
    assert not [p for p, _lv in first if p.area_id.startswith("03499016-")]
    assert len(first) == 84 - 42 - 6 and len(second) == 42 + 6
    for plants in (first, second):
        assert not {p.area_id for p, _lv in plants} & {leaks.BRAKENHAGEN, leaks.OSTERWALD}
    # the 1 and the 2 of a variable in one build lie in different areas
    assert not [p for p, _lv in second if p.value == 1
                and any(q.variable == p.variable and q.area_id == p.area_id for q, _ in second if q.value == 2)]


def test_no_two_plants_in_one_area_interact():
    file_of = {v: f for f, vs in leaks.VARIABLES.items() for v in vs}
    pairs = [(num, den) for num, den, _f, _by in (*leaks.RATIO_PAIRS, *leaks.CAPS)]
    assert ("wohngeld_haushalte", "haushalte") in pairs and ("sgb2_personen", "einwohner") in pairs
    shared = 0
    for plants in leaks.builds():
        by_area: dict = {}
        for p in plants:
            by_area.setdefault(p.area_id, set()).add(p.variable)
        for area, vs in by_area.items():
            if area in (leaks.BRAKENHAGEN, leaks.OSTERWALD):   # the issue's district, planted as written
                continue
            shared += len(vs) > 1
            assert len(vs) == 1 or "einwohner" not in vs, area
            assert len({file_of[v] for v in vs}) == len(vs), (area, vs)
            assert not [(a, b) for a, b in pairs if a in vs and b in vs], (area, vs)
    # 19 municipalities for 21 municipality plants per build: some carry two, checked above
    assert shared >= 2
    # the helper says the same: a file, a relation and einwohner interact; care and disability do not
    assert leaks.interact("haushalte", "wohngeld_haushalte", file_of)
    assert leaks.interact("arbeitslose", "svb_wohnort", file_of)
    assert leaks.interact("einwohner", "pflegebeduerftige", file_of)
    assert not leaks.interact("pflegebeduerftige", "schwerbehinderte", file_of)


def test_planted_builds_are_valid_and_leave_every_plant_small(tmp_path):
    for i, plants in enumerate(leaks.builds()):
        planted = leaks.plant(leaks.MUSTERLAND, tmp_path / f"b{i}", plants)
        assert validate(tmp_path / f"b{i}", geometry=False).problems == []
        small = {(p.area_id, p.variable, p.years) for p in planted}
        missing = [p for p in plants if p.value and (p.area_id, p.variable, (p.year,)) not in small]
        assert missing == []


def test_build_config_lists_the_planted_municipalities(tmp_path):
    # a Sozialraum of Hohenfeld and a Mitgliedsgemeinde of Samtgemeinde Heidetal (Altenheide)
    plants = [leaks.Plant("03499013-02", "einwohner", 2024, 1), leaks.Plant("03499001", "geburten", 2024, 2)]
    text = leaks.build_config(tmp_path, plants).read_text()
    assert "profiles: ['03499013', '034995401000']" in text
    # build 1 plants in every municipality (Brakenhagen is the district's): all profiles; build 2
    # in every one but Brakenhagen: the other ten of the 3 Städte, 4 Einheitsgemeinden, 4 Samtgemeinden
    first, second = leaks.builds()
    assert "profiles: all" in leaks.build_config(tmp_path, first).read_text()
    assert ("profiles: ['03499003', '03499008', '03499013', '03499016', '03499017', '03499022', "
            "'034995401000', '034995402000', '034995403000', '034995404000']") in leaks.build_config(
                tmp_path, second).read_text()


# --- the attacks on hand-written pages -----------------------------------------------------------------

AREAS = Areas(names={"1": "Landkreis", "A": "Astadt", "B": "Beeken", "C": "Cedorf", "D": "Dahl"},
              parent={"1": "", "A": "1", "B": "A", "C": "A", "D": "A"})


def _pages(*htmls):
    pages = [parse_html(h, f"p{i}.html") for i, h in enumerate(htmls)]
    attacks.assign_subjects(pages, AREAS)
    return pages


def test_wilson_formula_matches_a_hand_calculation():
    # x = 1, n = 78, z = 1.96: (2 + z² ± z·sqrt(z² + 4·(1 − 1/78))) / (2·(78 + z²))
    #   = (5.8415 ± 5.4706) / 163.683 -> 0.00227 and 0.06911
    lo, hi = wilson(1, 78)
    assert round(float(lo), 4) == 0.0023 and round(float(hi), 4) == 0.0691


def test_interval_inversion_recovers_one_of_78():
    # 1/78 = 1,28 % -> "1,3 %", Wilson 0,23 – 6,91 % -> "0,2 – 6,9 %": only x = 1, n = 78 fit
    assert consistent("1,3", "0,2", "6,9") == [(1, 78)]
    assert small_by_inversion(consistent("1,3", "0,2", "6,9")).startswith("x ∈ [1]")
    # a share of a large count is not small: 125/1000 = 12,5 % (10,6 – 14,7 %)
    assert small_by_inversion(consistent("12,5", "10,6", "14,7")) is None
    # the complement: 446 of 447 = 99,8 %; any n − x is 1
    assert small_by_inversion(consistent("99,8", ns=[447])).startswith("n − x ∈ [1]")
    # a share printed without its count and interval tells nothing: 0,0 % fits x = 0
    assert small_by_inversion(consistent("0,0", ns=[3000])) is None


def test_interval_attack_on_pages_finds_the_share_in_a_table_and_in_text():
    page = _pages(
        "<main><h1>Beeken</h1><table><thead><tr><th>Kennzahl</th><th>Beeken</th><th>95-%-Intervall</th></tr>"
        "</thead><tbody><tr><td>Übergewicht bei der Einschulung</td><td>1,3 %</td><td>0,2 – 6,9 %</td></tr>"
        "<tr><td>Anteil 65-Jährige</td><td>25,3 %</td><td>24,4 – 26,2 %</td></tr></tbody></table></main>",
        "<main><h1>Pflege</h1><table><thead><tr><th>Gebiet</th><th>Pflegebedürftige</th><th>häusliche Pflege</th>"
        "</tr></thead><tbody><tr><td>Cedorf</td><td>447</td><td>99,8 %</td></tr></tbody></table>"
        "<p>Altersarmut: zwischen 0,7 % (Dahl) und 5,4 % (Beeken).</p></main>",
        "<main><h1>Dahl</h1><table><tr><th>Gebiet</th><th>Einwohner 65+</th></tr>"
        "<tr><td>Dahl</td><td>286</td></tr></table></main>")
    found = attacks.interval_inversion(page, AREAS)
    assert [(f.page, f.area) for f in found] == [("p0.html", "Beeken"), ("p1.html", "Cedorf"), ("p1.html", "Dahl")]
    assert "x ∈ [1]" in found[0].detail and "n − x ∈ [1]" in found[1].detail
    # 0,7 % of the 286 inhabitants aged 65+ printed on another page: x = 2 (2/286 = 0,70 %)
    assert "n = 286" in found[2].detail and "x ∈ [2]" in found[2].detail


def test_ages_and_rate_bases_in_text_are_no_counts_but_inhabitants_are():
    # "ab 65 Jahren (je 1.000 Einw. ab 65 J.)" names an age and a rate's base: a reader takes neither
    # 65 nor 1.000 for Dahl's inhabitants, so 3,1 % of Dahl is not inverted with n = 65 ...
    ages = _pages(
        "<main><h1>Dahl</h1><p>Dahl: günstiger als der Landkreis: Sterberate ab 65 Jahren "
        "(je 1.000 Einw. ab 65 J.), Anteil der 15- bis 64-Jährigen.</p>"
        "<table><tr><th>Gebiet</th><th>Altersarmut</th></tr><tr><td>Dahl</td><td>3,1 %</td></tr></table></main>")
    assert [c.raw for c in attacks.text_numbers(ages[0], AREAS)] == []
    assert attacks.interval_inversion(ages, AREAS) == []
    # ... while a count of inhabitants in the text still is one: 3,1 % of 65 → x = 2
    counts = _pages(
        "<main><h1>Dahl</h1><p>In Dahl leben 65 Einwohner ab 65 Jahren.</p>"
        "<table><tr><th>Gebiet</th><th>Altersarmut</th></tr><tr><td>Dahl</td><td>3,1 %</td></tr></table></main>")
    assert [c.raw for c in attacks.text_numbers(counts[0], AREAS)] == ["65"]
    found = attacks.interval_inversion(counts, AREAS)
    assert len(found) == 1 and "n = 65" in found[0].detail and "x ∈ [2]" in found[0].detail


def test_direct_attack_finds_the_value_in_a_row_and_a_sentence_not_a_suppressed_cell():
    planted = [Planted("B", "Beeken", "pflegebeduerftige", (2024,), 1, (("type", "stationaer"),)),
               Planted("B", "Beeken", "sterbefaelle", (2020, 2021, 2022, 2023, 2024), 2)]
    row = ("<main><h1>Pflege</h1><table><caption>Pflegebedürftige, 15.12.2024</caption><thead><tr><th>Gebiet</th>"
           "<th>ambulant</th><th>stationär</th></tr></thead><tbody><tr><td>Beeken</td><td>1</td><td>{}</td></tr>"
           "</tbody></table><p>In Beeken starben 2020–2024 zusammen 2 Menschen.</p></main>")
    found = attacks.direct(_pages(row.format("1")), AREAS, planted, 2024)
    assert sorted((f.area, f.detail.split(") ")[1]) for f in found) == [
        ("Beeken", "pflegebeduerftige[type=stationaer] 2024 = 1"), ("Beeken", "sterbefaelle 2020–2024 = 2")]
    # suppressed: only the sentence remains (the "1" under "ambulant" is not the planted care home)
    found = attacks.direct(_pages(row.format(".")), AREAS, planted, 2024)
    assert [f.text for f in found] == ["In Beeken starben 2020–2024 zusammen 2 Menschen."]


def test_differencing_recovers_the_missing_child_from_three_pages():
    planted = [Planted("C", "Cedorf", "einwohner", (2024,), 2)]
    pages = _pages(
        "<main><h1>Astadt</h1><p>Stadt Astadt hatte am 31.12.2024 1.209 Einwohnerinnen und Einwohner.</p>"
        "<table><caption>Sozialräume, 2024</caption><thead><tr><th>Gebiet</th><th>Einwohner</th></tr></thead>"
        "<tbody><tr><td>Beeken</td><td>12</td></tr><tr><td>Cedorf</td><td>.</td></tr><tr><td>Dahl</td>"
        "<td>.</td></tr></tbody></table></main>",
        "<main><h1>Monitoring</h1><table><caption>Aufmerksamkeitsbedarf, 2024</caption><tr><th>Sozialraum</th>"
        "<th>Status</th></tr><tr><td>Dahl (Astadt, Nr. 3; 1.195 Einw.)</td><td>niedrig</td></tr></table></main>")
    found, recovered = attacks.differencing(pages, AREAS, planted, 2024)
    assert [r.value for r in recovered] == [2.0] and recovered[0].area == "C"   # 1209 − 12 − 1195
    assert len(found) == 1 and found[0].area == "Cedorf"
    # without the monitoring page two children are missing: nothing is recoverable
    assert attacks.differencing(pages[:1], AREAS, planted, 2024) == ([], [])


def test_differencing_recovers_a_missing_year_from_a_five_year_sum():
    planted = [Planted("B", "Beeken", "sterbefaelle", (2023,), 1)]
    page = ("<main><h1>Beeken</h1><table><caption>Sterbefälle</caption><thead><tr><th>Kennzahl</th><th>2020</th>"
            "<th>2021</th><th>2022</th><th>2023</th><th>2024</th><th>2020–2024</th></tr></thead><tbody><tr>"
            "<td>Sterbefälle</td><td>10</td><td>12</td><td>9</td><td>{}</td><td>11</td><td>{}</td></tr></tbody>"
            "</table></main>")
    found, recovered = attacks.differencing(_pages(page.format(".", "43")), AREAS, planted, 2024)
    assert [(r.area, r.years, r.value) for r in recovered] == [("B", (2023, 2023), 1.0)]   # 43 − 42
    assert len(found) == 1
    # the sum suppressed too: nothing
    assert attacks.differencing(_pages(page.format(".", ".")), AREAS, planted, 2024) == ([], [])


def test_z_attack_finds_z_values_and_indices_of_suppressed_areas_across_pages():
    pages = _pages(
        "<main><h1>Senioren</h1><table><tr><th>Gebiet</th><th>Altersarmut (Grundsicherung im Alter)</th>"
        "<th>Wahlbeteiligung (%)</th></tr><tr><td>Cedorf</td><td>.</td><td>70,1 %</td></tr>"
        "<tr><td>Beeken</td><td>4,1 %</td><td>.</td></tr></table></main>",
        "<main><h1>Astadt</h1><table><tr><th>Nr.</th><th>Sozialraum</th><th>Statusindex</th></tr><tr><td>2</td>"
        "<td>Cedorf</td><td>-0,26</td></tr><tr><td>1</td><td>Beeken</td><td>0,67</td></tr></table>"
        "<table><tr><th>Sozialraum</th><th>Kennzahlen mit z ≥ 1</th></tr><tr><td>Dahl</td>"
        "<td>SGB-II-Quote . (z 3,3); Altersarmut 7,7 % (z 2,5)</td></tr></table></main>")
    found = attacks.z_values(pages, AREAS)
    # Cedorf: an input of the index suppressed on another page; Dahl: a z value beside ".";
    # not Beeken (its suppressed Wahlbeteiligung is no input of the index)
    assert sorted(f.area for f in found) == ["Cedorf", "Dahl"]


def test_parse_html_reads_every_table_alt_texts_and_skips_scripts():
    page = parse_html("<html><body><main><h1>Beeken #</h1><script>var x = '1 stationär';</script>"
                      "<img alt='Karte: Beeken 2 Sterbefälle'><table class='other'><tr><td>a</td><td>1</td></tr>"
                      "</table><p>Satz eins. Satz zwei.</p></main></body></html>")
    assert page.title == "Beeken"
    assert page.tables[0].rows == [["a", "1"]]
    assert page.sentences == ["Karte: Beeken 2 Sterbefälle", "Beeken #", "Satz eins.", "Satz zwei."]


# --- the builds -------------------------------------------------------------------------------------------

@dataclass
class Built:
    site: Path
    data: Path
    planted: list
    audit: str | None   # the audit's findings if it stopped the publish


def _build(base: Path, plants, config) -> Built:
    """Plant, build (the library's CLI build function), and return the published site; if the
    disclosure audit stops the publish, the pages of the build's work folder and the audit's text."""
    root = _copy_sources(base / "projekt")
    data = root / "data" / "musterland"
    shutil.rmtree(data, ignore_errors=True)
    planted = leaks.plant(leaks.MUSTERLAND, data, plants)
    cfg = config(root)
    try:
        report.build(cfg, jobs_n=2, quiet=True, root=root)
    except BuildError as exc:
        if "disclosure audit" not in str(exc):
            raise
        return Built(root / "_build" / ".work" / "_build" / "html", data, planted, str(exc))
    return Built(root / "_build" / "html", data, planted, None)


#: The two builds (tests/leaks.py): the planted district with half of the sweep, and the other half.
BUILDS = leaks.builds()


@pytest.fixture(scope="session", params=["district+sweep1", "sweep2"])
def built(request, tmp_path_factory) -> Built:
    """Each build once per session (the tests of one build run one after another)."""
    plants = BUILDS[0 if request.param.startswith("district") else 1]
    return _build(tmp_path_factory.mktemp("planted"), plants, lambda root: leaks.build_config(root, plants))


def _attacks(b: Built) -> dict:
    key = id(b)
    if key not in _ATTACKED:
        _ATTACKED[key] = attacks.attack_all(b.site, b.data, b.planted, leaks.REPORT_YEAR)
    return _ATTACKED[key]


_ATTACKED: dict = {}


def _say(found) -> str:
    return f"{len(found)} leak(s):\n  " + "\n  ".join(map(str, found))


@pytest.mark.slow
def test_audit_lets_the_planted_site_publish(built):
    assert built.audit is None, f"the build did not publish:\n{built.audit}"


@pytest.mark.slow
def test_no_planted_value_is_printed_next_to_its_area(built):
    assert (b := _attacks(built)["direct"]) == [], _say(b)


@pytest.mark.slow
def test_no_share_or_interval_gives_a_small_count_away(built):
    assert (b := _attacks(built)["interval"]) == [], _say(b)


@pytest.mark.slow
def test_no_planted_value_is_recoverable_across_pages(built):
    assert (b := _attacks(built)["differencing"]) == [], _say(b)


@pytest.mark.slow
def test_no_z_value_or_index_beside_a_suppressed_value(built):
    assert (b := _attacks(built)["z"]) == [], _say(b)


@pytest.mark.slow
def test_the_site_was_read(built):
    """The attacks saw the pages: a profile of every built municipality and its tables (a test that
    reads an empty folder would pass every attack)."""
    pages = attacks.read_site(built.site)
    assert any(p.path.endswith("gemeinden/03499016.html") for p in pages)
    assert sum(len(p.tables) for p in pages) >= 20


@pytest.mark.slow
def test_the_audit_finds_each_leak_replanted_by_hand(built, tmp_path):
    """The five leaks of the issue, written back into a copy of the published site by hand: the
    audit (with the build's private manifest) reports each of them, and nothing on the untouched
    copy."""
    import re

    import pandas as pd

    from sozialanalyse.build.audit import audit_site
    from sozialanalyse.render import fmt

    if built.audit is not None:
        pytest.skip("the build did not publish (test_audit_lets_the_planted_site_publish says why)")
    site = tmp_path / "site"
    shutil.copytree(built.site.resolve(), site)
    manifest = built.site.parent / "disclosure" / "suppressed.csv"
    assert audit_site(site, suppressed=manifest) == []

    def plant(page: str, html: str) -> None:
        path = site / "book" / "_generated" / page
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("</main>", html + "</main>", 1), encoding="utf-8")

    cells = pd.read_csv(manifest, dtype={"area_id": str, "period": str})
    # 1. a count below the threshold in a municipality table (Pflege: "stationär 1")
    pflege = site / "book" / "_generated" / "pflege.html"
    text = pflege.read_text(encoding="utf-8")
    text, n = re.subn(r'(<td[^>]*data-sa-kind="count"[^>]*>)\d[\d.]*(<)', r"\g<1>1\g<2>", text, count=1)
    assert n == 1
    pflege.write_text(text, encoding="utf-8")
    # 2. a share whose interval gives the count away (1 of 78: 1,3 % (0,2 – 6,9 %))
    plant("gesundheit.html", "<p>Übergewicht bei der Einschulung in Brakenhagen: 1,3 % (0,2 – 6,9 %).</p>")
    # 3. a cell suppressed on one page printed on another (a secondary Einwohner cell of a Sozialraum)
    sec = cells[(cells["status"] == "secondary") & (cells["measure"] == "Einwohner")
                & cells["area_id"].str.contains("-")].iloc[0]
    plant("kreisuebersicht.html", f"<p>{sec['name']} hat {fmt.num(sec['value'])} Einwohner.</p>")
    # 4. a z value beside a suppressed rate
    plant("sozialraum_monitoring.html", "<p>Ortschaft Osterwald: SGB-II-Quote . (z 3,3)</p>")
    # 5. a rejected row's count on the data page
    plant("daten_methoden.html", '<table class="sa-table"><thead><tr><th data-sa-kind="text">Gebiet</th>'
                                 '<th data-sa-kind="count">Wert</th></tr></thead><tbody><tr><td>03499016-18</td>'
                                 '<td data-sa-kind="count">1</td></tr></tbody></table>')
    found = audit_site(site, suppressed=manifest)
    by_page = {}
    for f in found:
        by_page.setdefault(f.page.rsplit("/", 1)[-1], []).append(f.problem)
    assert any("below the threshold" in p for p in by_page.get("pflege.html", [])), found
    assert any("1 of 78" in p or "implies" in p or "fits only" in p for p in by_page.get("gesundheit.html", [])), found
    assert any(f"suppressed value {fmt.num(sec['value'])}" in p or "suppressed value" in p
               for p in by_page.get("kreisuebersicht.html", [])), found
    assert any("z value beside a suppressed value" in p for p in by_page.get("sozialraum_monitoring.html", [])), found
    assert any("below the threshold" in p for p in by_page.get("daten_methoden.html", [])), found
