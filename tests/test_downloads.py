"""Every published table as data: CSV and Excel downloads (sozialanalyse.render.downloads), the
build writing them beside the page (sozialanalyse.build.report.write_downloads), and what the
built site gives a reader (links, files, search index)."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import sozialanalyse as sa
from sozialanalyse.build import report
from sozialanalyse.build.audit import audit_site
from sozialanalyse.render import downloads
from sozialanalyse.render.tables import DOWNLOADS, table

#: the tests reading the session build run in its process (make test: pytest -n 2 --dist loadgroup)
pytestmark = pytest.mark.xdist_group("two_municipality_build")


@pytest.fixture(scope="module")
def musterland():
    return sa.load("musterland")


def _example():
    """A small table as a page writes it: counts with a total, a suppressed cell, a rate with its
    interval and a footnote mark, a missing value, an interval column, a signed change."""
    df = pd.DataFrame({
        "Gebiet": ["Nord", "Süd", "Insgesamt"],
        "Einwohner": ["1.234", "56", "1.290"],
        "Fälle": ["120", ".", "."],
        "Quote": ["9,7\u00a0% ¹ (8,2 – 11,5)", "–", "9,8\u00a0% (8,3 – 11,5)"],
        "Veränderung": ["+3,3\u00a0%", "\u22120,4\u00a0%", "+2,0\u00a0%"],
    })
    return table(df, caption="Beispiel, 2024", footnotes=["¹ Nenner unter der Mindestgröße."],
                 kinds={"Einwohner": "count", "Fälle": "count", "Quote": "rate", "Veränderung": "rate"})


def test_payload_columns_kinds_and_values_by_hand():
    p = _example().payload
    assert p["columns"] == ["Gebiet", "Einwohner", "Fälle", "Quote (%)", "Quote (%): untere Grenze",
                            "Quote (%): obere Grenze", "Quote: Fußnote", "Veränderung (%)"]
    assert p["kinds"] == {"Gebiet": "text", "Einwohner": "count", "Fälle": "count", "Quote (%)": "rate",
                          "Quote (%): untere Grenze": "interval", "Quote (%): obere Grenze": "interval",
                          "Quote: Fußnote": "text", "Veränderung (%)": "rate"}
    # read by hand from the cells above: "1.234" is 1234, "9,7 % ¹ (8,2 – 11,5)" is 9.7 in [8.2, 11.5]
    assert p["rows"][0] == ["Nord", 1234, 120, 9.7, 8.2, 11.5, "¹", 3.3]
    assert p["rows"][1] == ["Süd", 56, ".", None, None, None, None, -0.4]  # "." stays, "–" is no value, never 0
    assert p["file"].startswith("beispiel-2024-") and re.fullmatch(r"beispiel-2024-[0-9a-f]{8}", p["file"])


def test_csv_bytes_written_out_by_hand():
    text = downloads.csv_bytes(_example().payload).decode("utf-8")
    assert text == (
        "\ufeffGebiet;Einwohner;Fälle;Quote (%);Quote (%): untere Grenze;Quote (%): obere Grenze;"
        "Quote: Fußnote;Veränderung (%)\r\n"
        "Nord;1234;120;9,7;8,2;11,5;¹;3,3\r\n"
        "Süd;56;.;;;;;-0,4\r\n"
        "Insgesamt;1290;.;9,8;8,3;11,5;;2,0\r\n")


def test_pandas_reads_numbers_as_numbers(tmp_path):
    body = _example().payload
    downloads.write_files(body, tmp_path)
    df = pd.read_csv(tmp_path / f"{body['file']}.csv", sep=";", decimal=",", na_values=".")
    assert df.columns[0] == "Gebiet"  # the byte order mark is not part of the first label
    assert pd.api.types.is_numeric_dtype(df["Einwohner"]) and pd.api.types.is_numeric_dtype(df["Fälle"])
    assert df["Einwohner"].tolist() == [1234, 56, 1290]
    assert df["Fälle"].isna().tolist() == [False, True, True]  # suppressed: not a number, not 0
    assert df["Quote (%)"].tolist()[0] == 9.7 and df["Veränderung (%)"].tolist() == [3.3, -0.4, 2.0]
    pd.testing.assert_frame_equal(downloads.read_csv(tmp_path / f"{body['file']}.csv"), df)


def test_excel_cells_numbers_with_german_formats(tmp_path):
    body = _example().payload
    downloads.write_files(body, tmp_path, source="Quelle: Testbericht")
    ws = openpyxl.load_workbook(tmp_path / f"{body['file']}.xlsx")["Tabelle"]
    assert ws["A1"].value == "Beispiel, 2024" and ws["A1"].font.bold
    assert [c.value for c in ws[3]][:3] == ["Gebiet", "Einwohner", "Fälle"] and all(c.font.bold for c in ws[3])
    assert ws.tables["Daten"].ref == "A3:H6"
    b4, d4, h4 = ws["B4"], ws["D4"], ws["H4"]
    assert (b4.value, b4.data_type, b4.number_format) == (1234, "n", "#,##0")  # Excel shows 1.234 in German
    assert (d4.value, d4.number_format) == (9.7, "#,##0.0")
    assert (h4.value, h4.number_format) == (3.3, "+#,##0.0;-#,##0.0;#,##0.0")
    assert ws["C5"].value == "." and ws["C5"].data_type == "s"  # suppressed: the text ".", never a number
    assert ws["D5"].value is None  # missing: empty
    under = [ws.cell(row=r, column=1).value for r in range(8, 12)]
    assert under[0] == "¹ Nenner unter der Mindestgröße."
    assert under[1].startswith(". = Wert geheim gehalten") and under[2] == "Quelle: Testbericht"


def test_sidecars_name_every_column(tmp_path):
    body = _example().payload
    downloads.write_files(body, tmp_path)
    csv_kinds = json.loads((tmp_path / f"{body['file']}.csv.kinds.json").read_text(encoding="utf-8"))
    xlsx_kinds = json.loads((tmp_path / f"{body['file']}.xlsx.kinds.json").read_text(encoding="utf-8"))
    header = pd.read_csv(tmp_path / f"{body['file']}.csv", sep=";", nrows=0, encoding="utf-8-sig").columns.tolist()
    assert list(csv_kinds) == header and xlsx_kinds == {"Tabelle": csv_kinds}
    assert audit_site(tmp_path) == []  # the clean files pass the audit (total row 1.290 = 1.234 + 56)


def _mixed(first="261.890"):
    """A column of mixed rows as the peer page writes it (pages/vergleichskreise.variables): a
    count of persons, then a density, shares, euros and an index, each row with its own kind;
    units after a non-breaking space or a space."""
    df = pd.DataFrame({
        "Merkmal": ["Einwohner", "Einwohner je km²", "Beschäftigtenquote", "Haushaltseinkommen", "GISD-Score"],
        "Landkreis Harburg": [first, "209,8\xa0Einw./km²", "64,4\u00a0%", "2.212\xa0€", "0,439"],
        "Spannweite": ["194.174 bis 340.112", "–", "62,7\u00a0% bis 64,9\u00a0%", "2.002 € bis 2.262 €", "0,147 bis 0,544"],
    })
    row_kinds = ["count", "index", "share", "index", "index"]
    return table(df, caption="Strukturmerkmale, 2023",
                 kinds={"Landkreis Harburg": row_kinds, "Spannweite": ["index"] * 5})


def test_a_column_of_mixed_units_and_kinds_by_hand():
    t = _mixed()
    p = t.payload
    assert p["columns"] == ["Merkmal", "Landkreis Harburg", "Landkreis Harburg: Einheit", "Spannweite"]
    # read by hand: "261.890" is 261890 (a thousands dot), "209,8 Einw./km²" 209.8, "2.212 €" 2212
    assert [r[1] for r in p["rows"]] == [261890, 209.8, 64.4, 2212, 0.439]
    assert [r[2] for r in p["rows"]] == [None, "Einw./km²", "%", "€", None]
    assert p["decimals"]["Landkreis Harburg"] == [0, 1, 1, 0, 3]
    # each cell keeps its row's kind: the index 0,439 is no count
    assert p["kinds"]["Landkreis Harburg"] == ["count", "index", "share", "index", "index"]
    assert p["kinds"]["Landkreis Harburg: Einheit"] == "text"
    # a range is no number: kept as the page writes it, in the frame too (not NaN, not 194.174)
    assert p["kinds"]["Spannweite"] == "index"
    assert p["rows"][0][3] == "194.174 bis 340.112" and p["rows"][1][3] is None
    for frame in (t.frame, downloads.data(pd.DataFrame({"Merkmal": [r[0] for r in p["rows"]],
                                                        "Landkreis Harburg": ["261.890", "209,8\xa0Einw./km²",
                                                                              "64,4\u00a0%", "2.212\xa0€", "0,439"]}),
                                          {"Landkreis Harburg": ["count", "index", "share", "index",
                                                                 "index"]}).frame):
        assert frame["Landkreis Harburg"].tolist() == [261890.0, 209.8, 64.4, 2212.0, 0.439]
    assert t.frame["Spannweite"].tolist()[2] == "62,7 % bis 64,9 %"  # text cells: plain spaces in downloads
    text = downloads.csv_bytes(p).decode("utf-8")
    assert text == (
        "\ufeffMerkmal;Landkreis Harburg;Landkreis Harburg: Einheit;Spannweite\r\n"
        "Einwohner;261890;;194.174 bis 340.112\r\n"
        "Einwohner je km²;209,8;Einw./km²;\r\n"
        "Beschäftigtenquote;64,4;%;62,7 % bis 64,9 %\r\n"
        "Haushaltseinkommen;2212;€;2.002 € bis 2.262 €\r\n"
        "GISD-Score;0,439;;0,147 bis 0,544\r\n")


def test_a_column_kept_as_written_keeps_its_rows_kinds():
    # a cell that is no number as the page writes them keeps the column as text: its declared
    # per-row kinds stay per row (not the first row's "count" for every row)
    df = pd.DataFrame({"Merkmal": ["Einwohner", "GISD-Score"], "Wert": ["261.890", "0,439 (Rang 9)"]})
    d = downloads.data(df, {"Wert": ["count", "index"]})
    assert d.kinds["Wert"] == ["count", "index"]
    assert d.rows == [["Einwohner", "261.890"], ["GISD-Score", "0,439 (Rang 9)"]]
    assert d.frame["Wert"].tolist() == ["261.890", "0,439 (Rang 9)"]  # never 261.89 from pandas' parser


def test_audit_reads_mixed_rows_with_their_own_kinds(tmp_path):
    clean = _mixed().payload
    downloads.write_files(clean, tmp_path / "sauber")
    assert audit_site(tmp_path / "sauber") == []  # 0,439 declared index: no count below 3
    leak = _mixed(first="2").payload  # a declared count 2 in the first row
    downloads.write_files(leak, tmp_path / "leck")
    found = sorted(str(f) for f in audit_site(tmp_path / "leck"))
    where = "row 'Zeile 2', column 'Landkreis Harburg': count 2 below the threshold 3"
    assert found == [f"{leak['file']}.csv: table '{leak['file']}.csv', {where}",
                     f"{leak['file']}.xlsx: table 'Tabelle', {where}"]


def test_same_table_same_bytes(tmp_path):
    body = _example().payload
    a = downloads.xlsx_bytes(body, "Quelle: x")
    time.sleep(1.1)  # openpyxl writes the time of day into the workbook and the zip entries
    assert downloads.xlsx_bytes(body, "Quelle: x") == a
    assert downloads.csv_bytes(body) == downloads.csv_bytes(_example().payload)


def test_a_page_table_matches_its_html(musterland, tmp_path):
    t = sa.pages.pflege.care_table(musterland)
    html_rows = [[re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
                 for tr in re.findall(r"<tr>(.*?)</tr>", t.data.split("<tbody>")[1], re.S)]
    downloads.write_files(t.payload, tmp_path)
    df = downloads.read_csv(tmp_path / f"{t.payload['file']}.csv")
    assert df["Gebiet"].tolist() == [r[0] for r in html_rows]
    for col, j in (("Pflegebedürftige", 1), ("ambulant", 3)):
        assert pd.api.types.is_numeric_dtype(df[col])
        shown = [float(r[j].replace(".", "")) if r[j] != "." else None for r in html_rows]
        assert [None if pd.isna(v) else v for v in df[col]] == shown
    # "80,0 %" on the page is 80.0 in the column labelled with its unit
    assert df["häusliche Pflege (%)"].iloc[0] == float(html_rows[0][5].replace("\u00a0%", "").replace(",", "."))
    assert t.frame.shape == df.shape and t.frame["Pflegebedürftige"].tolist() == df["Pflegebedürftige"].tolist()


def test_the_page_links_its_files():
    t = _example()
    shown = t._repr_html_()
    stem = f"{DOWNLOADS}/{t.payload['file']}"
    assert f'<a href="{stem}.csv" download>CSV</a>' in shown and f'<a href="{stem}.xlsx" download>Excel</a>' in shown
    assert "sa-downloads" not in t.data  # a table inside other HTML (t.data) offers no link without its file


def test_long_tables_are_marked_for_the_script():
    rows = pd.DataFrame({"Gebiet": [f"G{i}" for i in range(16)], "Wert": ["1.000"] * 16})
    assert 'class="sa-table sa-long sa-sortable"' in table(rows, kinds={"Wert": "index"}).data
    grouped = rows.assign(Stadt=["A"] * 8 + ["B"] * 8)  # sorted within each group by the script
    assert 'class="sa-table sa-long sa-sortable"' in table(grouped, group="Stadt", kinds={"Wert": "index"}).data
    assert 'class="sa-table"' in table(rows.head(15), kinds={"Wert": "index"}).data


def test_cells_stay_apart_for_the_search_index():
    # Sphinx indexes raw HTML by deleting the tags (sphinx.search.WordCollector): caption, header
    # cells, group rows and cells must stay separated by whitespace
    t = table(pd.DataFrame({"Stadt": ["Musterstadt"], "Gebiet": ["Westend"], "Nr": ["11"]}), caption="Liste, 2024",
              group="Stadt", kinds={"Nr": "text"})
    words = re.sub(r"<[^<]+?>", "", t.data).split()
    assert words == ["Liste,", "2024", "Gebiet", "Nr", "Musterstadt", "Westend", "11"]


def test_build_writes_only_shown_tables(tmp_path):
    shown, hidden = _example().payload, table(pd.DataFrame({"Gebiet": ["X"]}), caption="Versteckt").payload

    def cell(body, tags):
        return {"cell_type": "code", "metadata": {"tags": tags}, "source": "", "execution_count": 1,
                "outputs": [{"output_type": "display_data", "metadata": {},
                             "data": {downloads.MIME: body, "text/plain": "<Table>"}}]}

    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
          "cells": [{"cell_type": "markdown", "metadata": {}, "source": "# Seite \\*A\\*"},
                    cell(shown, ["remove-input"]), cell(hidden, ["remove-cell"])]}
    gen = tmp_path / report.GENERATED / "gemeinden"
    gen.mkdir(parents=True)
    (gen / "0349.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    job = report.Job("gemeindeprofil", "gemeinden/0349", "", "Gemeindeprofil")
    site = tmp_path / "site"
    assert report.write_downloads(site, [job], tmp_path) == 1
    folder = site / report.GENERATED / "gemeinden" / DOWNLOADS
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{shown['file']}{ext}" for ext in (".csv", ".csv.kinds.json", ".xlsx", ".xlsx.kinds.json"))
    ws = openpyxl.load_workbook(folder / f"{shown['file']}.xlsx")["Tabelle"]
    assert "Quelle: Seite „Seite *A*“" in [c.value for c in ws["A"]]


@pytest.mark.slow
def test_built_site_downloads_links_and_search(two_municipality_build):
    site = (two_municipality_build / "_build" / "html").resolve()
    pages = [p for p in site.rglob("*.html") if "_sources" not in p.parts and "_static" not in p.parts]
    links = 0
    for page in pages:
        for href in re.findall(r'<a href="([^"]+\.(?:csv|xlsx))" download>', page.read_text(encoding="utf-8")):
            target = page.parent / href
            assert target.is_file(), f"{page.relative_to(site)}: {href}"
            assert (target.parent / (target.name + ".kinds.json")).is_file()
            links += 1
    assert links >= 20
    # config/zwei.yml does not say publish_inputs: no input file in the site, none linked
    assert not (site / report.GENERATED / "eingangsdaten").exists()
    assert 'href="eingangsdaten/' not in (site / report.GENERATED / "daten_methoden.html").read_text(encoding="utf-8")
    # the search index holds each municipality's name as a word (not glued to the next cell)
    index = (site / "searchindex.js").read_text(encoding="utf-8")
    terms = json.loads(index[index.index("(") + 1:index.rindex(")")])["terms"]
    import snowballstemmer  # Sphinx's stemmer (language: de)
    from sphinx.search.de import german_stopwords

    stemmer = snowballstemmer.stemmer("german")
    d = sa.load(two_municipality_build / "config" / "zwei.yml")
    shown = {a for profile in ("03499016", "034995401000") for a in d.base_of(profile)}  # the two profiles
    names = list(d.municipalities()["name"]) + list(d.areas.loc[d.areas["area_id"].isin(shown), "name"])
    for name in names:
        for word in set(re.findall(r"[^\W\d_]+", name.lower())) - german_stopwords:  # "Am Sonnenhang"
            stem = stemmer.stemWord(word)  # what Sphinx's German search stores and looks up
            assert stem in terms, (word, stem)
            glued = [t for t in terms if re.fullmatch(rf"{re.escape(stem)}\w*\d+\w*|\d+\w*{re.escape(stem)}\w*", t)]
            assert not glued, glued  # "westend11": a name glued to the next cell's number


def test_input_files_only_for_a_synthetic_district_that_opts_in(musterland, tmp_path):
    import dataclasses
    import shutil

    from sozialanalyse.io.own import file_hashes

    # config/musterland.yml says publish_inputs: true; the table links every file of the folder
    t = sa.pages.daten_methoden.input_files(musterland)
    names = sorted(file_hashes(musterland.folder))
    assert [r[0] for r in t.payload["rows"]] == names and "population.csv" in names
    assert all(f'<a href="eingangsdaten/{n}">{n}</a>' in t.data for n in names)
    # the build copies them beside the page and hands the audit their sha256
    plan = report.BuildPlan(config=musterland.config, district=musterland)
    job = report.Job("daten_methoden", "daten_methoden", "", "daten_methoden")
    copies = report.copy_inputs(tmp_path / "site", [job], plan)
    assert copies == {f"book/_generated/eingangsdaten/{n}": sha for n, sha in file_hashes(musterland.folder).items()}
    assert audit_site(tmp_path / "site", inputs=copies) == []
    # a district that is not synthetic: nothing is copied, the page says why
    real = dataclasses.replace(musterland, meta={**musterland.meta, "synthetic": False})
    assert report.copy_inputs(tmp_path / "real", [job], report.BuildPlan(config=musterland.config, district=real)) == {}
    assert "enthalten alle Fallzahlen vor der Geheimhaltung" in sa.pages.daten_methoden.input_files(real).data
    # ... and the build refuses the config key for it
    data = tmp_path / "echt"
    shutil.copytree(musterland.folder, data)
    meta = (data / "meta.yml").read_text(encoding="utf-8").replace("synthetic: true", "synthetic: false")
    (data / "meta.yml").write_text(meta, encoding="utf-8")
    cfg = tmp_path / "echt.yml"
    cfg.write_text(f"data: {data}\nreport_year: 2024\npublish_inputs: true\n", encoding="utf-8")
    with pytest.raises(report.BuildError, match="publish_inputs: true only for a synthetic district"):
        report.plan(cfg, Path(__file__).resolve().parents[1])
