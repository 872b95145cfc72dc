"""Tests of :mod:`sozialanalyse.steering.teilkonzepte` and the status page per Teilkonzept
(:mod:`sozialanalyse.pages.umsetzung`).

Reference values are counted by hand from the measures the Musterland generator writes
(``sozialanalyse/demo/steering_projects.py``, the list ``MEASURES``: the current report and the
previous one), and from small workbooks written in the tests.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import sozialanalyse as sa
from sozialanalyse.steering import teilkonzepte as tk
from sozialanalyse.steering._input import SteeringInputError

MUSTERLAND = Path(__file__).resolve().parents[1] / "data" / "musterland"
HEADER = ["Nr", "Maßnahme", "Teilkonzept", "Stand", "Beginn", "Ende", "Zuständig", "Ziele"]


def _write(path: Path, rows, header=HEADER, sheet="Maßnahmen") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


GOOD = ("A-1", "Beratung", "Pflege", "begonnen", dt.datetime(2024, 1, 1), dt.datetime(2025, 6, 30), "Amt", "G01")


@pytest.fixture(scope="module")
def district():
    return sa.load("musterland")


def test_musterland_measures_by_state_counted_by_hand():
    m = tk.read("musterland")
    assert m.teilkonzepte() == ["Pflege", "Menschen mit Behinderungen"]
    # current report, Pflege (PF-01..PF-11, PF-13, PF-14; PF-12 dropped): umgesetzt PF-01, 04, 08, 10;
    # begonnen PF-02, 03, 05, 07, 09, 14; geplant PF-11, 13; zurückgestellt PF-06
    t = tk.by_state(m.of("Pflege"))
    assert t["count"].tolist() == [2, 6, 4, 1]
    assert t["share"].round(6).tolist() == [round(100 * k / 13, 6) for k in (2, 6, 4, 1)]
    # Menschen mit Behinderungen (BH-01..BH-12): geplant BH-07, 12; begonnen BH-01, 02, 04, 05, 11;
    # umgesetzt BH-03, 06, 08, 09; zurückgestellt BH-10
    assert tk.by_state(m.of("Menschen mit Behinderungen"))["count"].tolist() == [2, 5, 4, 1]
    assert m.of("Pflege").set_index("id").loc["PF-03", "goals"] == ("Z7", "Z3")
    assert m.of("Pflege").set_index("id").loc["PF-04", "goals"] == ()


def test_changes_since_the_previous_report_by_hand():
    cur = tk.read("musterland").table
    prev = tk.read("musterland", previous=True).table
    ch = tk.changes(cur, prev)
    got = {(i, c) for i, c in zip(ch["id"], ch["change"])}
    # new: PF-13, PF-14, BH-12; dropped: PF-12
    assert {i for i, c in got if c == "neu"} == {"PF-13", "PF-14", "BH-12"}
    assert {i for i, c in got if c == "nicht mehr aufgeführt"} == {"PF-12"}
    # state changes: PF-01 begonnen->umgesetzt, PF-02 geplant->begonnen, PF-06 geplant->zurückgestellt,
    # PF-09 geplant->begonnen, PF-10 begonnen->umgesetzt, BH-05 geplant->begonnen, BH-06 begonnen->umgesetzt,
    # BH-10 geplant->zurückgestellt
    states = ch[ch["change"] == "Stand"]
    assert set(states["id"]) == {"PF-01", "PF-02", "PF-06", "PF-09", "PF-10", "BH-05", "BH-06", "BH-10"}
    row = states.set_index("id").loc["PF-06"]
    assert (row["before"], row["after"]) == ("geplant", "zurückgestellt")
    # PF-05's end moved from 31.12.2024 to 30.06.2025; BH-10 lost its dates
    end = ch[(ch["id"] == "PF-05") & (ch["change"] == "Ende")].iloc[0]
    assert (end["before"], end["after"]) == ("31.12.2024", "30.06.2025")
    assert set(ch[ch["id"] == "BH-10"]["change"]) == {"Stand", "Beginn", "Ende"}
    # unchanged measures do not appear
    assert not ({"PF-03", "PF-04", "BH-02", "BH-11"} & set(ch["id"]))


def test_changes_rename_and_move():
    prev = pd.DataFrame({"id": ["X"], "title": ["alt"], "teilkonzept": ["A"], "state": ["geplant"],
                         "start": [None], "end": [None]})
    cur = prev.assign(title=["neu"], teilkonzept=["B"])
    assert tk.changes(cur, prev)[["change", "before", "after"]].values.tolist() == [
        ["Teilkonzept", "A", "B"], ["Maßnahme", "alt", "neu"]]
    assert tk.changes(prev, prev).empty


def test_folder_without_measures_is_empty(tmp_path):
    m = tk.read(tmp_path)
    assert len(m) == 0 and m.path is None and m.teilkonzepte() == []


def _problems(tmp_path, rows, **kw) -> list[str]:
    _write(tmp_path / tk.FILE, rows, **kw)
    with pytest.raises(SteeringInputError) as err:
        tk.read(tmp_path, strict=True)
    lenient = tk.read(tmp_path, strict=False)
    assert [str(p) for p in lenient.problems] == [str(p) for p in err.value.problems]
    return [str(p) for p in err.value.problems]


def test_missing_sheet(tmp_path):
    msgs = _problems(tmp_path, [GOOD], sheet="Massnahmen")
    assert msgs == ["massnahmen.xlsx, sheet 'Maßnahmen': sheet missing (sheets: Massnahmen); "
                    "did you mean 'Massnahmen'? [missing_sheet]"]


def test_renamed_column(tmp_path):
    header = HEADER.copy()
    header[3] = "Status"
    msgs = _problems(tmp_path, [GOOD], header=header)
    assert msgs == ["massnahmen.xlsx, sheet 'Maßnahmen', row 1, field 'Stand': column missing; renamed to "
                    "'Status'? [missing_column]",
                    "massnahmen.xlsx, sheet 'Maßnahmen', row 1, field 'Status': unknown column (value 'Status') "
                    "[unknown_column]"]


def test_bad_rows_each_named_and_left_out_when_lenient(tmp_path):
    rows = [GOOD,
            ("A-2", "Treff", "Pflege", "begonen", None, None, "Amt", ""),              # misspelt state
            ("A-3", "Bus", "Pflege", "geplant", "im Frühjahr", None, "Amt", ""),      # not a date
            ("A-4", "Haus", "Pflege", "umgesetzt", dt.datetime(2025, 5, 1), dt.datetime(2024, 5, 1), "Amt", ""),
            ("A-1", "Doppelt", "Pflege", "geplant", None, None, "Amt", ""),          # duplicate id
            ("A-5", "Ohne", "", "geplant", None, None, "Amt", "")]                    # no Teilkonzept
    msgs = _problems(tmp_path, rows)
    assert msgs == [
        "massnahmen.xlsx, sheet 'Maßnahmen', row 3, field 'Stand', key 'A-2': unknown state (allowed: geplant, "
        "begonnen, umgesetzt, zurückgestellt); did you mean 'begonnen'? (value 'begonen') [unknown_state]",
        "massnahmen.xlsx, sheet 'Maßnahmen', row 4, field 'Beginn', key 'A-3': not a date (write 31.12.2025 or "
        "use a date cell) (value 'im Frühjahr') [not_a_date]",
        "massnahmen.xlsx, sheet 'Maßnahmen', row 5, field 'Ende', key 'A-4': end before the start 01.05.2025 "
        "(value '01.05.2024') [end_before_start]",
        "massnahmen.xlsx, sheet 'Maßnahmen', row 6, field 'Nr', key 'A-1': id used twice (first in row 2) "
        "(value 'A-1') [duplicate]",
        "massnahmen.xlsx, sheet 'Maßnahmen', row 7, field 'Teilkonzept', key 'A-5': empty cell [empty]",
    ]
    kept = tk.read(tmp_path, strict=False)
    assert kept.table["id"].tolist() == ["A-1"]


def test_german_dates_in_text_cells(tmp_path):
    _write(tmp_path / tk.FILE, [("A-1", "x", "T", "geplant", "1.4.2025", "2025-12-31", "Amt", "G01; G02")])
    row = tk.read(tmp_path).table.iloc[0]
    assert (row["start"], row["end"], row["goals"]) == (dt.date(2025, 4, 1), dt.date(2025, 12, 31), ("G01", "G02"))


def test_lenient_district_reads_in_its_mode(tmp_path):
    folder = tmp_path / "musterland"
    shutil.copytree(MUSTERLAND, folder)
    wb = openpyxl.load_workbook(folder / tk.FILE)
    wb["Maßnahmen"]["D2"] = "fertig"
    wb.save(folder / tk.FILE)
    with pytest.raises(SteeringInputError, match=r"row 2, field 'Stand', key 'PF-01'"):
        tk.read(folder)  # a folder is read strictly
    m = tk.read(folder, strict=False)
    assert "PF-01" not in set(m.table["id"]) and len(m.problems) == 1


# ------------------------------------------------------------------------------------ the page
def test_status_page_pflege(district):
    from sozialanalyse.pages import umsetzung

    intro = umsetzung.intro(district, "Pflege").data
    assert "umfasst 13 Maßnahmen" in intro and "4 umgesetzt, 6 begonnen, 2 geplant und 1 zurückgestellt" in intro
    st = umsetzung.state_table(district, "Pflege").data.replace("\n", "")  # cells on lines of their own
    # 4 of 13 = 30,8 %, rounded to whole per cent: 31 %
    assert '<td data-sa-kind="text">umgesetzt</td><td class="num" data-sa-kind="text">4</td>' in st
    assert "31\u00a0%" in st and "Insgesamt" in st
    ch = umsetzung.changes_table(district, "Pflege").data.replace("\n", "")  # cells on lines of their own
    # PF-12 is no longer listed: the caption counts it beside the 2 new ones (it once did not)
    assert "2 neu, 1 nicht mehr aufgeführt, 5-mal Stand geändert, 8-mal Termin geändert" in ch
    assert "Ende festgelegt" in ch
    # PF-01 was finished on 31.10.2024, before its planned end 31.12.2024: brought forward, not postponed
    assert "<td data-sa-kind=\"text\">Ende vorgezogen</td><td data-sa-kind=\"text\">31.12.2024</td>" in ch
    assert ch.count("Ende verschoben") == 4  # PF-02, PF-05, PF-06, PF-10: all later than before
    assert "Digitale Pflegeplatzbörse" in ch and "nicht mehr aufgeführt" in ch
    assert "Gebärdensprachdolmetschen" not in ch  # a measure of the other Teilkonzept
    goals = umsetzung.goals_served(district, "Pflege").data
    assert "Z7" in goals and "PF-01, PF-02, PF-03, PF-06, PF-10, PF-13" in goals
    assert "Mehr Beratungen in den Pflegestützpunkten" in goals  # its title from goals.yml
    assert "deutlicher Fortschritt" in goals  # its status as the page Ziele und Kennzahlen shows it
    fig = umsetzung.state_chart(district, "Pflege")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["geplant", "begonnen", "umgesetzt", "zurückgestellt"]  # top to bottom
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["1", "2", "4", "6"]


def test_unknown_teilkonzept_is_named(district):
    with pytest.raises(KeyError, match="there are: Pflege, Menschen mit Behinderungen"):
        tk.read(district).of("Senioren")


def test_front_door():
    assert sa.teilkonzepte.read is tk.read


def test_lenient_status_page_names_the_rows_left_out(tmp_path):
    from sozialanalyse.pages import umsetzung

    folder = tmp_path / "musterland"
    shutil.copytree(MUSTERLAND, folder)
    wb = openpyxl.load_workbook(folder / tk.FILE)
    wb["Maßnahmen"]["D2"] = "fertig"  # PF-01
    wb.save(folder / tk.FILE)
    cfg = tmp_path / "lenient.yml"
    cfg.write_text(f"data: {folder}\nvalidation: lenient\n", encoding="utf-8")
    d = sa.load(cfg)
    intro = umsetzung.intro(d, "Pflege").data
    assert "umfasst 12 Maßnahmen" in intro and "3 umgesetzt" in intro
    assert "1 Angabe der Maßnahmenliste enthielt Fehler" in intro and "PF\\-01" in intro
    ch = umsetzung.changes_table(d, "Pflege").data
    assert "PF-01" not in ch  # left out for its problem, not "nicht mehr aufgeführt"
