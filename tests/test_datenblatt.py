"""Data sheets for funding applications (issue #18): ``sozialanalyse datenblatt`` writes a
workbook that opens with pandas and openpyxl, with the expected sheets, numbers as numbers with
number formats, "." for suppressed values, and the same content as a printable HTML page."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

import sozialanalyse as sa
from sozialanalyse.build.audit import audit_site
from sozialanalyse.cli import main
from sozialanalyse.model.errors import DataError
from sozialanalyse.planning import datenblatt

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"
AREA = "03499003-04"  # Salinenviertel (Bad Lindenau): a Sozialraum with a suppressed key figure


@pytest.fixture(scope="module")
def district():
    return sa.load("musterland")


@pytest.fixture(scope="module")
def written(district, tmp_path_factory):
    out = tmp_path_factory.mktemp("db") / "site" / "datenblatt.xlsx"
    return datenblatt.write(district, AREA, out)


def test_workbook_opens_with_pandas_and_has_the_sheets(written):
    xlsx, _ = written
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert list(sheets) == ["Kennzahlen", "Trend", "Vergleich", "Versorgung", "Quellen"]
    k = sheets["Kennzahlen"]
    assert {"Kennzahl", "Definition", "Einheit", "Jahr", "Wert", "Untere Grenze (95 %)", "Obere Grenze (95 %)",
            "Wert Bad Lindenau", "Wert Kreis", "Median der Vergleichskreise", "Quelle"} <= set(k.columns)
    assert list(sheets["Trend"].columns) == ["Kennzahl", "Einheit", "2020", "2021", "2022", "2023", "2024"]


def test_values_are_numbers_with_formats_and_match_a_hand_calculation(written):
    import openpyxl

    xlsx, _ = written
    ws = openpyxl.load_workbook(xlsx)["Kennzahlen"]
    head = [c.value for c in ws[1]]
    rows = {r[head.index("Kennzahl")].value: r for r in ws.iter_rows(min_row=2) if r[0].value}
    cell = rows["SGB-II-Quote"][head.index("Wert")]
    assert cell.data_type == "n" and cell.number_format == "#,##0.0"
    # hand calculation from the input files: SGB II recipients per 100 inhabitants under 65
    pop = pd.read_csv(MUSTERLAND / "population.csv", dtype={"area_id": str})
    tr = pd.read_csv(MUSTERLAND / "transfers.csv", dtype={"area_id": str})
    sel = (pop["area_id"] == AREA) & (pop["year"] == 2024) & ~pop["age_group"].isin(
        ["65-69", "70-74", "75-79", "80-84", "85-89", "90+"])
    sgb2 = tr[(tr["area_id"] == AREA) & (tr["year"] == 2024) & (tr["variable"] == "sgb2_personen")]["value"].sum()
    # rounded to the published decimal (issue 18: no unrounded 8,6207 behind a shown 8,6)
    assert cell.value == round(sgb2 / pop.loc[sel, "value"].sum() * 100, 1)
    tax = rows["Einkommensteuer je Einwohner"][head.index("Wert")]
    assert tax.data_type == "n" and tax.number_format == "#,##0"
    # suppressed: the text "." (the protected layer withholds the leavers without a qualification here)
    assert rows["Schulabgänger ohne Abschluss"][head.index("Wert")].value == "."
    assert rows["Schulabgänger ohne Abschluss"][head.index("Untere Grenze (95 %)")].value == "."
    assert ws.freeze_panes == "A2"


def test_every_number_is_rounded_to_its_number_format(written):
    import openpyxl

    xlsx, _ = written
    checked = 0
    for ws in openpyxl.load_workbook(xlsx):
        for row in ws.iter_rows(min_row=2):
            for c in row:
                if c.data_type == "n" and isinstance(c.value, float):
                    fmt_ = c.number_format
                    d = len(fmt_.split(".")[1]) if "." in fmt_ else 0
                    assert c.value == round(c.value, d), (ws.title, c.coordinate, c.value, fmt_)
                    checked += 1
    assert checked > 50


def test_sidecar_html_and_audit(written):
    xlsx, page = written
    kinds = json.loads(Path(str(xlsx) + ".kinds.json").read_text(encoding="utf-8"))
    assert kinds["Kennzahlen"]["Wert"] == "index" and kinds["Kennzahlen"]["Untere Grenze (95 %)"] == "interval"
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "@media print" in html
    assert "Datenblatt Salinenviertel (Sozialraum), 2024" in html and "95-%-Intervall" in html
    assert "das Modul sozialanalyse.planning.supply fehlt" in html or "Versorgung" in html
    assert "CIPFA" in html and "Lizenz" in html
    assert "● ähnlich wie der Median" in html and "ähnlich als" not in html
    assert audit_site(xlsx.parent, threshold=3) == []  # declared kinds, no small or implied counts


def test_unknown_area_key_names_the_key_and_close_matches(district):
    with pytest.raises(DataError, match=r"unknown area key '03499003-4' in Landkreis Musterland; did you mean "
                                        r"03499003-04"):
        datenblatt.area_key(district, "03499003-4")
    assert datenblatt.area_key(district, "Salinenviertel")["area_id"] == AREA  # an exact name works too


def test_cli(tmp_path, capsys):
    out = tmp_path / "blatt.xlsx"
    assert main(["datenblatt", "--config", "musterland", "--area", "03499", "--out", str(out)]) == 0
    printed = capsys.readouterr().out.split()
    assert [Path(p).name for p in printed] == ["blatt.xlsx", "blatt.html"]
    v = pd.read_excel(out, sheet_name="Vergleich")
    v = v[v["Bewertung"].notna()]  # the notes below the table name the peers and the marking
    rank = v["Rang (1 = günstigster)"]  # the Übergangsquote (no polarity) says its own order
    assert len(v) == 17 and rank.str.match(r"^\d+ von 11( \(1 = höchster Wert\))?$").all()
    assert rank.str.endswith("(1 = höchster Wert)").sum() == 1
    assert v["Bewertung"].str.match(r"^[▲●▼◆○] ").all()  # symbol and word
    assert main(["datenblatt", "--config", "musterland", "--area", "99999"]) == 2
    assert "unknown area key '99999'" in capsys.readouterr().err


@pytest.mark.skipif(not Path(os.environ.get("SOZIALANALYSE_DATA_MIRROR", ROOT.parent.parent / "shared" / "data"),
                             "inkar-1998-2019").is_dir(), reason="no data mirror")
def test_official_datenblatt(tmp_path, monkeypatch):
    monkeypatch.setenv("SOZIALANALYSE_DATA_MIRROR",
                       os.environ.get("SOZIALANALYSE_DATA_MIRROR", str(ROOT.parent.parent / "shared" / "data")))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = sa.load("harburg")
    xlsx, page = datenblatt.write(d, "03353", tmp_path / "h.xlsx")
    k = pd.read_excel(xlsx, sheet_name="Kennzahlen").set_index("Kennzahl")
    # INKAR 2019, Landkreis Harburg: 64,43, published on the sheet with one decimal
    assert k.loc["Beschäftigtenquote", "Wert"] == 64.4
    assert "INKAR" in pd.read_excel(xlsx, sheet_name="Quellen")["Inhalt"].str.cat()


def test_supply_sheet_speaks_german_and_matches_a_hand_calculation(written):
    """The Versorgung sheet once was the raw frame of supply.gaps (area_id, measure 'places',
    True/False, counts with a decimal); now German headers, words, and the page's decimals."""
    import openpyxl

    xlsx, _ = written
    ws = openpyxl.load_workbook(xlsx)["Versorgung"]
    head = [c.value for c in ws[1]]
    assert head[:6] == ["Angebot", "Bestand gemessen in", "Einrichtungen", "Bestand", "Zielgruppe (Personen)",
                        "Zielgruppe geschätzt"]
    assert not {"area_id", "measure", "served", "below_guide", "shortfall"} & set(head)
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2) if r[0].value in ("Kita", "Hausarztpraxis")}
    kita = {h: c for h, c in zip(head, rows["Kita"])}
    assert kita["Bestand gemessen in"].value == "Plätze" and kita["Zielgruppe geschätzt"].value == "ja"
    # hand calculation: places of the Kitas in the Sozialraum (facilities.csv) per 100 children aged
    # 1 to 5, estimated as 4/5 of the 0-4 and 1/5 of the 5-9 year olds (population.csv, 2024)
    fac = pd.read_csv(MUSTERLAND / "facilities.csv", dtype={"area_id": str})
    places = fac[(fac["area_id"] == AREA) & (fac["type"] == "Kita")]["capacity"].sum()
    pop = pd.read_csv(MUSTERLAND / "population.csv", dtype={"area_id": str})
    p = pop[(pop["area_id"] == AREA) & (pop["year"] == 2024) & (pop["variable"] == "einwohner")]
    kids = 0.8 * p[p["age_group"] == "0-4"]["value"].sum() + 0.2 * p[p["age_group"] == "5-9"]["value"].sum()
    assert kita["Bestand"].value == places and kita["Bestand"].number_format == "#,##0"
    def dec(c):  # the decimals of the cell's number format: the value is rounded to them
        return len(c.number_format.split(".")[1]) if "." in c.number_format else 0

    r = kita["Bestand je Bezugsgröße"]
    assert dec(r) == 1 and r.value == round(100 * places / kids, 1)
    assert kita["Orientierungswert"].value == 80 and kita["Bezugsgröße (Personen der Zielgruppe)"].value == 100
    assert kita["Lücke"].value == round(max(0.8 * kids - places, 0), dec(kita["Lücke"]))
    assert kita["unter dem Orientierungswert"].value == ("ja" if places < 0.8 * kids else "nein")
    assert rows["Hausarztpraxis"][head.index("Bestand gemessen in")].value == "Vollzeitstellen"
