"""Tests of the Sozialraum projects' annual reports: the reader
(:mod:`sozialanalyse.steering.projects`), the protection of participants and the key figures
(:mod:`sozialanalyse.protected.projects`) and the comparison chapter
(:mod:`sozialanalyse.pages.projekte`).

Reference values are hand calculations from the Musterland workbooks (the cells are written
out in the comments) and the population file ``data/musterland/population.csv`` (summed here with
the csv module, independent of the library), and small workbooks written in the tests.
"""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import sozialanalyse as sa
from sozialanalyse.protected import projects as pp
from sozialanalyse.steering import projects as pr
from sozialanalyse.steering._input import SteeringInputError

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"
TEMPLATE = ROOT / "data" / "vorlage" / "projektbericht.xlsx"
STM = "Stadtteilmütter Bahnhofsviertel"


@pytest.fixture(scope="module")
def district():
    return sa.load("musterland")


@pytest.fixture(scope="module")
def published(district):
    r = pr.read(district)
    pub = pp.participants(district, r.participants)
    return r, pub, pp.key_figures(district, r.reports, pub)


def _population(area_id: str, year: int) -> int:
    with open(MUSTERLAND / "population.csv", encoding="utf-8") as f:
        return sum(int(r["value"]) for r in csv.DictReader(f)
                   if r["area_id"] == area_id and r["year"] == str(year) and r["variable"] == "einwohner")


# ------------------------------------------------------------------------------------ hand calculations
def test_planted_small_group_is_suppressed_with_a_partner(published):
    _, pub, _ = published
    # stadtteilmuetter_bahnhofsviertel_2023.xlsx, sheet Teilnehmende: Kinder 70, Jugendliche 4,
    # Erwachsene 104, Ältere 2 (planted). 2 < 3: primary; the smallest other non-zero group (4) is
    # suppressed too, so that 180 - 70 - 104 does not give the 2 back; the total 180 is published.
    p = pub[(pub["project"] == STM) & (pub["year"] == 2023)].set_index("group")
    assert p["status"].to_dict() == {"Kinder (0 bis 13 Jahre)": "", "Jugendliche (14 bis 17 Jahre)": "secondary",
                                     "Erwachsene (18 bis 64 Jahre)": "", "Ältere (ab 65 Jahren)": "primary",
                                     "insgesamt": ""}
    assert p.loc["insgesamt", "value"] == 180
    assert np.isnan(p.loc["Ältere (ab 65 Jahren)", "value"])
    # every other project and year: nothing below 3 (zeros stay visible)
    rest = pub[~((pub["project"] == STM) & (pub["year"] == 2023))]
    assert (rest["status"] == "").all()


def test_reach_and_cost_per_participant_by_hand(published):
    _, _, kf = published
    row = kf[(kf["project"] == STM) & (kf["year"] == 2023)].iloc[0]
    # Einwohner 03499016-02 on 31.12.2023 (population.csv): 3677; reach 100 * 180 / 3677 = 4.8953 %
    assert _population("03499016-02", 2023) == 3677 == row["population"]
    assert row["reach"] == pytest.approx(4.895295, abs=1e-6)
    # Kosten (EUR) 62000 / 180 participants = 344.44 EUR
    assert row["cost_per_participant"] == pytest.approx(344.444444, abs=1e-6)


def test_every_reach_from_the_files(published):
    _, _, kf = published
    for path in sorted((MUSTERLAND / "projekte").glob("*.xlsx")):
        wb = openpyxl.load_workbook(path, read_only=True)
        fields = dict(list(wb["Projekt"].values)[1:])
        total = sum(v for _, v in list(wb["Teilnehmende"].values)[1:])
        row = kf[(kf["project"] == fields["Projekt"]) & (kf["year"] == fields["Jahr"])].iloc[0]
        assert row["participants"] == total, path.name
        assert row["reach"] == pytest.approx(100 * total / _population(fields["Sozialraum"], fields["Jahr"]))
        assert row["cost_per_participant"] == pytest.approx(fields["Kosten (EUR)"] / total)


def test_derived_figures_follow_a_suppressed_total():
    # one project of 2 participants: the total is below 3 (primary) and so is its only group
    counts = pd.DataFrame({"project": ["P"], "year": [2024], "group": ["Kinder"], "value": [2]})
    pub = pp.participants({"disclosure": {"threshold": 3}}, counts)
    assert pub["status"].tolist() == ["primary", "primary"]
    # threshold 5: 40, 12, 4 -> 4 primary, 12 secondary; total 56 published
    counts = pd.DataFrame({"project": "P", "year": 2024, "group": ["a", "b", "c"], "value": [40, 12, 4]})
    pub = pp.participants({"disclosure": {"threshold": 5}}, counts)
    assert pub["status"].tolist() == ["", "secondary", "primary", ""]
    assert pub["value"].tolist()[-1] == 56


def test_key_figures_withhold_reach_and_cost_when_the_total_is_suppressed(tmp_path):
    folder = tmp_path / "musterland"
    shutil.copytree(MUSTERLAND, folder)
    path = folder / "projekte" / "jugendwerkstatt_neustadt_2024.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["Teilnehmende"]
    for r in range(2, ws.max_row + 1):  # every group 0 but one person in one group
        ws.cell(r, 2).value = 0
    ws.cell(3, 2).value = 1
    wb.save(path)
    d = sa.load_district(folder)
    r = pr.read(d)
    pub = pp.participants(d, r.participants)
    kf = pp.key_figures(d, r.reports, pub).set_index(["project", "year"])
    row = kf.loc[("Jugendwerkstatt Neustadt", 2024)]
    assert row["participants_status"] == "primary"
    assert np.isnan(row["participants"]) and np.isnan(row["reach"]) and np.isnan(row["cost_per_participant"])
    assert row["reach_status"] == "primary" and row["cost_status"] == "primary"
    assert row["cost_eur"] > 0  # money is published as reported


def test_reach_and_cost_functions():
    assert pp.reach([180], [3677])[0] == pytest.approx(100 * 180 / 3677)
    assert np.isnan(pp.reach([5], [0])[0]) and np.isnan(pp.cost_per_participant([100], [0])[0])
    assert pr.reach is pp.reach


# ------------------------------------------------------------------------------------ the reader
def test_musterland_reports():
    r = sa.projects.read("musterland")
    assert len(r) == 15 and len(r.projects()) == 5
    row = r.reports[(r.reports["project"] == STM) & (r.reports["year"] == 2023)].iloc[0]
    assert row["area_id"] == "03499016-02" and row["topics"] == ("Sprache", "Bildung", "Gesundheit")
    assert row["staff_fte"] == 1.75 and row["cost_eur"] == 62000
    ft = r.free_text[(r.free_text["project"] == STM) & (r.free_text["year"] == 2023)]
    assert ft["topic"].tolist() == ["Sprachmittlung", "Wohnungssuche"]


def _workbook(folder: Path, name="p_2024.xlsx", edit=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.load_workbook(TEMPLATE)
    if edit:
        edit(wb)
    path = folder / name
    wb.save(path)
    return path


def _messages(folder: Path) -> list[str]:
    with pytest.raises(SteeringInputError) as err:
        pr.read(folder, strict=True)
    lenient = pr.read(folder, strict=False)
    assert [str(p) for p in lenient.problems] == [str(p) for p in err.value.problems]
    assert len(lenient) == 0  # the workbook with a problem is left out, and listed
    return [str(p) for p in err.value.problems]


def test_template_reads(tmp_path):
    (tmp_path / "projekte").mkdir()
    shutil.copy(TEMPLATE, tmp_path / "projekte" / "x.xlsx")
    r = pr.read(tmp_path)
    assert r.reports["project"].tolist() == ["Name des Projekts"]
    assert r.participants["value"].tolist() == [40, 10, 60, 25]


def test_renamed_column(tmp_path):
    def edit(wb):
        wb["Teilnehmende"]["B1"] = "Anzahl Personen"
    _workbook(tmp_path / "projekte", edit=edit)
    assert _messages(tmp_path) == [
        "projekte/p_2024.xlsx, sheet 'Teilnehmende', row 1, field 'Anzahl': column missing; renamed to "
        "'Anzahl Personen'? [missing_column]",
        "projekte/p_2024.xlsx, sheet 'Teilnehmende', row 1, field 'Anzahl Personen': unknown column "
        "(value 'Anzahl Personen') [unknown_column]"]


def test_renamed_field(tmp_path):
    def edit(wb):
        wb["Projekt"]["A4"] = "Traeger"
    _workbook(tmp_path / "projekte", edit=edit)
    assert _messages(tmp_path) == [
        "projekte/p_2024.xlsx, sheet 'Projekt', row 4, field 'Traeger': unknown field; did you mean 'Träger'? "
        "(value 'Name des Trägers') [unknown_field]",
        "projekte/p_2024.xlsx, sheet 'Projekt', field 'Träger': field missing (a row with this name in column "
        "'Feld') [missing_field]"]


def test_negative_participants(tmp_path):
    def edit(wb):
        wb["Teilnehmende"]["B3"] = -3
    _workbook(tmp_path / "projekte", edit=edit)
    assert _messages(tmp_path) == [
        "projekte/p_2024.xlsx, sheet 'Teilnehmende', row 3, field 'Anzahl', key 'Jugendliche (14 bis 17 Jahre)': "
        "negative number (participants are whole numbers >= 0) (value -3) [negative]"]


def test_text_in_a_number_field(tmp_path):
    def edit(wb):
        wb["Projekt"]["B11"] = "ca. 60.000"
        wb["Teilnehmende"]["B2"] = "vierzig"
    _workbook(tmp_path / "projekte", edit=edit)
    assert _messages(tmp_path) == [
        "projekte/p_2024.xlsx, sheet 'Projekt', row 11, field 'Kosten (EUR)': text in a number field "
        "(value 'ca. 60.000') [not_a_number]",
        "projekte/p_2024.xlsx, sheet 'Teilnehmende', row 2, field 'Anzahl', key 'Kinder (0 bis 13 Jahre)': "
        "text in a number field (participants are whole numbers >= 0) (value 'vierzig') [not_a_count]"]


def test_missing_sheet(tmp_path):
    def edit(wb):
        del wb["Freitext"]
    _workbook(tmp_path / "projekte", edit=edit)
    assert _messages(tmp_path) == [
        "projekte/p_2024.xlsx, sheet 'Freitext': sheet missing (sheets: Projekt, Teilnehmende) [missing_sheet]"]


def test_fraction_of_a_person_and_the_total_row(tmp_path):
    def edit(wb):
        wb["Teilnehmende"]["B2"] = 2.5
        wb["Teilnehmende"].append(["Insgesamt", 135])
    _workbook(tmp_path / "projekte", edit=edit)
    msgs = _messages(tmp_path)
    assert msgs[0].endswith("field 'Anzahl', key 'Kinder (0 bis 13 Jahre)': not a whole number (participants are "
                            "whole numbers >= 0) (value 2.5) [not_a_count]")
    assert msgs[1].startswith("projekte/p_2024.xlsx, sheet 'Teilnehmende', row 6, field 'Gruppe', key 'Insgesamt': "
                              "'insgesamt' is not a group")


def test_area_key_checked_against_the_district(tmp_path, district):
    folder = tmp_path / "musterland"
    shutil.copytree(MUSTERLAND, folder)
    path = folder / "projekte" / "quartierstreff_nordstadt_2024.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["Projekt"]["B3"] = "03499013-20"
    wb.save(path)
    d = sa.load_district(folder)
    with pytest.raises(SteeringInputError) as err:
        pr.read(d)
    (msg,) = [str(p) for p in err.value.problems]
    assert msg.startswith("projekte/quartierstreff_nordstadt_2024.xlsx, sheet 'Projekt', row 3, field 'Sozialraum': "
                          "area key not in areas.csv")
    assert "(value '03499013-20') [unknown_key]" in msg
    lenient = pr.read(d, strict=False)
    assert len(lenient) == 14 and ("Quartierstreff Nordstadt", 2024) not in set(
        zip(lenient.reports["project"], lenient.reports["year"]))
    assert not ((lenient.participants["project"] == "Quartierstreff Nordstadt")
                & (lenient.participants["year"] == 2024)).any()


def test_area_key_as_a_number_and_duplicate_report(tmp_path):
    def edit(wb):
        wb["Projekt"]["B3"] = 3499016
    _workbook(tmp_path / "projekte", "a.xlsx", edit=edit)
    msgs = _messages(tmp_path)
    assert msgs == ["projekte/a.xlsx, sheet 'Projekt', row 3, field 'Sozialraum': area key stored as a number "
                    "(leading zeros lost): write it as text (value 3499016) [key_as_number]"]
    (tmp_path / "projekte" / "a.xlsx").unlink()
    _workbook(tmp_path / "projekte", "a.xlsx")
    _workbook(tmp_path / "projekte", "b.xlsx")
    with pytest.raises(SteeringInputError, match=r"projekte/b.xlsx, sheet 'Projekt', field 'Projekt', key "
                                                 r"'Name des Projekts': the same project and year as projekte/a.xlsx"):
        pr.read(tmp_path)


# ------------------------------------------------------------------------------------ the chapter
def test_chapter_tables(district):
    from sozialanalyse.pages import projekte

    intro = projekte.intro(district).data
    assert "5 Projekten in 5 Sozialräumen aus den Jahren 2022–2024 (15 Berichte)" in intro
    kf = projekte.key_figures_table(district).data.replace("\n", "")  # cells on lines of their own
    # Stadtteilmütter 2023: 180 participants, 62.000 €, 344 € per participant
    assert ('<td data-sa-kind="text">2023</td><td data-sa-kind="text">Bahnhofsviertel</td>'
            '<td class="num" data-sa-kind="count">180</td>') in kf
    assert "62.000\u00a0€" in kf and "344\u00a0€" in kf
    reach = projekte.reach_table(district).data.replace("\n", "")  # cells on lines of their own
    # a ratio, not a share (participants may live elsewhere): per 100 inhabitants, no "%"
    assert '<td class="num" data-sa-kind="count">3.677</td><td class="num" data-sa-kind="rate">4,9</td>' in reach
    topics = projekte.topics_table(district).data
    assert "Sprache" in topics and "●" in topics


def test_project_sections_show_the_suppression(district):
    from sozialanalyse.pages import projekte

    html = projekte.project_section(district, STM).data
    assert html.count('class="sa-project"') == 1
    part = html.split(f">{STM}</h3>", 1)[1].split("Teilnehmende nach Gruppe", 1)[1].split("</table>", 1)[0]
    # columns 2022, 2023, 2024; 2023: Jugendliche "." (secondary), Ältere "." (planted 2), Insgesamt 180
    rows = {r.split("</td>", 1)[0].split(">")[-1]: r for r in part.split("<tr>")[2:]}
    assert rows["Ältere (ab 65\u00a0Jahren)"].count('data-sa-kind="count">.</td>') == 1
    assert rows["Jugendliche (14 bis 17\u00a0Jahre)"].count('data-sa-kind="count">.</td>') == 1
    assert '<td class="num" data-sa-kind="count">180</td>' in rows["Insgesamt"]
    assert "Wert kleiner als 3 oder aus Gründen der Geheimhaltung gesperrt" in html
    assert "Sprachmittlung" in html  # the free text beside the standard part


def test_small_multiples_leave_suppressed_values_out(district):
    from sozialanalyse.pages import projekte

    fig = projekte.small_multiples(district)
    assert len(fig.axes) == 15  # three rows of five projects
    assert [a.get_title() for a in fig.axes[:5]][0].startswith("Familienzentrum")


def test_validate_lists_the_project_problems(tmp_path, capsys):
    from sozialanalyse import cli

    folder = tmp_path / "musterland"
    shutil.copytree(MUSTERLAND, folder)
    path = folder / "projekte" / "quartierstreff_nordstadt_2024.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["Teilnehmende"]["B2"] = -1
    wb.save(path)
    assert cli.main(["validate", str(folder), "--no-geometry"]) == 1
    out = capsys.readouterr()
    assert ("projekte/quartierstreff_nordstadt_2024.xlsx, sheet 'Teilnehmende', row 2, field 'Anzahl', key "
            "'Kinder (0 bis 13 Jahre)': negative number (participants are whole numbers >= 0) (value -1) "
            "[negative]") in out.out
    assert "1 problem(s)" in out.err


def test_lenient_report_leaves_the_bad_workbook_out_and_says_so(tmp_path):
    from sozialanalyse.pages import projekte

    folder = tmp_path / "musterland"
    shutil.copytree(MUSTERLAND, folder)
    path = folder / "projekte" / "jugendwerkstatt_neustadt_2023.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["Projekt"]["B9"] = "viele"  # Stunden
    wb.save(path)
    cfg = tmp_path / "lenient.yml"
    cfg.write_text(f"data: {folder}\nvalidation: lenient\n", encoding="utf-8")
    d = sa.load(cfg)
    intro = projekte.intro(d).data
    assert "(14 Berichte)" in intro and "1 Bericht enthielt Fehler und fehlt hier" in intro
    assert "jugendwerkstatt\\_neustadt\\_2023" in intro and "Stunden" in intro
    kf = projekte.key_figures_table(d).data
    assert kf.count("Jugendwerkstatt Neustadt") == 2  # 2022 and 2024 only
