"""The disclosure audit of a built site: planted leaks are found, clean pages pass, and a
number nobody declared is a finding (the audit fails closed)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sozialanalyse import cli
from sozialanalyse.build import audit
from sozialanalyse.build.site import number_figures_and_tables
from sozialanalyse.model.config import Config
from sozialanalyse.render.tables import table

PAGE = "<html><body><h1>Seite</h1>{}</body></html>"


def _site(tmp_path: Path, pages: dict[str, str]) -> Path:
    site = tmp_path / "site"
    for name, body in pages.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    return site


def _table(df, caption, kinds, **kw) -> str:
    return PAGE.format(table(df, caption=caption, kinds=kinds, **kw).data)


CLEAN = pd.DataFrame({"Gebiet": ["Nord", "Süd", "Insgesamt"], "Fälle": ["12", "30", "42"],
                      "Anteil": ["1,2 %", "2,0 %", "1,7 %"]})
KINDS = {"Gebiet": "text", "Fälle": "count", "Anteil": "rate"}


def test_display_marks_column_kinds():
    html = table(CLEAN, kinds=KINDS).data
    assert '<th class="num" data-sa-kind="count">Fälle</th>' in html
    assert '<td class="num" data-sa-kind="count">12</td>' in html
    # Without kinds only the first (label) column is declared, as text; Fälle and Anteil are not.
    plain = table(CLEAN).data
    assert '<th data-sa-kind="text">Gebiet</th>' in plain and plain.count("data-sa-kind") == 4
    # The first column can be declared otherwise; an unknown kind is written as given, and the
    # audit reports it (test_unknown_kind_is_a_finding).
    assert '<th data-sa-kind="count">Fälle</th>' in table(CLEAN[["Fälle"]], kinds={"Fälle": "count"}).data
    found = audit.audit_html(table(CLEAN, caption="K", kinds={"Fälle": "hash", "Anteil": "rate"}).data, "k.html")
    assert [(f.column, f.problem.split(" (")[0]) for f in found] == [("Fälle", "declares the unknown kind 'hash'")]


def test_vocabulary_of_kinds_is_one():
    from sozialanalyse.render import tables

    assert audit.KINDS == tables.KINDS == ("count", "total", "rate", "share", "interval", "index", "text")


def test_clean_page_passes(tmp_path):
    site = _site(tmp_path, {"a.html": _table(CLEAN, "Fälle 2024", KINDS)})
    assert audit.audit_site(site) == []
    assert cli.main(["audit", str(site)]) == 0


def test_planted_small_count_is_found(tmp_path, capsys):
    leak = CLEAN.assign(Fälle=["2", "40", "42"])
    site = _site(tmp_path, {"gemeinden/x.html": _table(leak, "Fälle 2024", KINDS)})
    found = audit.audit_site(site)
    assert [str(f) for f in found] == [
        "gemeinden/x.html: table 'Fälle 2024', row 'Nord', column 'Fälle': count 2 below the threshold 3"]
    assert cli.main(["audit", str(site)]) == 1
    err = capsys.readouterr()
    assert "gemeinden/x.html" in err.out + err.err and "Nord" in err.out + err.err
    # A rate column with a small value is not a count; a raised threshold finds more.
    assert len(audit.audit_site(site, threshold=41)) == 2


def test_finding_names_the_caption_without_the_sites_number(tmp_path):
    # the site numbers captions ("Tabelle 1: Fälle 2024"); a finding names the table by its own caption
    leak = CLEAN.assign(Fälle=["2", "40", "42"])
    numbered = number_figures_and_tables(_table(leak, "Fälle 2024", KINDS))
    assert "Tabelle 1: </span>Fälle 2024" in numbered
    assert [str(f) for f in audit.audit_html(numbered, "x.html")] == [
        "x.html: table 'Fälle 2024', row 'Nord', column 'Fälle': count 2 below the threshold 3"]


def test_suppressed_cell_recoverable_from_total_row_is_found(tmp_path):
    # Nord is suppressed, but Insgesamt (42) minus Süd (40) gives it away.
    leak = CLEAN.assign(Fälle=[".", "40", "42"])
    site = _site(tmp_path, {"b.html": _table(leak, "Fälle", KINDS)})
    assert [str(f) for f in audit.audit_site(site)] == [
        ("b.html: table 'Fälle', row 'Nord', column 'Fälle': suppressed cell can be recomputed from the "
         "table's totals (= 2)")]
    # Two suppressed cells against the total: protected.
    ok = pd.DataFrame({"Gebiet": ["Nord", "Mitte", "Süd", "Insgesamt"], "Fälle": [".", ".", "40", "47"]})
    assert audit.audit_site(_site(tmp_path / "2", {"b.html": _table(ok, "Fälle", {"Fälle": "count"})})) == []


def test_suppressed_cells_recoverable_via_total_column_then_total_row(tmp_path):
    #           m    w    zusammen (total column)
    # Nord      .    .    7          <- two suppressed in the row: protected by the row alone
    # Süd       10   .    22         <- Süd/w = 22 - 10 = 12 from the total column
    # Insgesamt 12   17   29         <- Nord/m = 12 - 10 = 2 (column m); then Nord/w = 17 - 12 = 5
    df = pd.DataFrame({"Gebiet": ["Nord", "Süd", "Insgesamt"], "m": [".", "10", "12"],
                       "w": [".", ".", "17"], "zusammen": ["7", "22", "29"]})
    kinds = {"m": "count", "w": "count", "zusammen": "total"}
    found = audit.audit_site(_site(tmp_path, {"c.html": _table(df, "Nach Geschlecht", kinds)}))
    got = [(f.row, f.column) for f in found]
    assert set(got) == {("Süd", "w"), ("Nord", "m"), ("Nord", "w")}
    assert ("Nord", "m") in got and any("(= 2)" in str(f) for f in found)


def test_grouped_table_totals_per_group(tmp_path):
    df = pd.DataFrame({"Stadt": ["A", "A", "A", "B", "B", "B"],
                       "Gebiet": ["A1", "A2", "Insgesamt", "B1", "B2", "Insgesamt"],
                       "Fälle": [".", ".", "20", ".", "9", "14"]})
    found = audit.audit_site(_site(tmp_path, {"d.html": _table(df, "Gruppen", {"Fälle": "count"}, group="Stadt")}))
    assert [(f.row, f.column) for f in found] == [("B1", "Fälle")]


def test_undeclared_numeric_column_is_a_finding(tmp_path, capsys):
    # "Einwohner" is not read as a count from its header: it declares nothing, which is a finding.
    df = pd.DataFrame({"Gebiet": ["X", "Y"], "Einwohner": ["–", "1.234"], "Hinweis": ["ja", "nein"]})
    site = _site(tmp_path, {"e.html": PAGE.format(table(df, caption="E").data)})
    assert [str(f) for f in audit.audit_site(site)] == [
        "e.html: table 'E', row 'Y', column 'Einwohner': holds numbers but declares no kind"]
    assert cli.main(["audit", str(site)]) == 1
    # A table not written by table() (a pandas DataFrame output, no thead, no sa-table class).
    raw = ("<table><tr><th>Ort</th><th>Anzahl</th></tr><tr><td>Nord</td><td>12</td></tr></table>"
           "<p>Seit 2020 gibt es 3 Schulen.</p>")
    assert [str(f) for f in audit.audit_html(raw, "r.html")] == [
        "r.html: table '(ohne Überschrift)', row 'Nord', column 'Anzahl': holds numbers but declares no kind"]
    # A row with spanning cells: a number in a cell whose column cannot be told is a finding.
    span = ('<table><thead><tr><th data-sa-kind="text">A</th><th data-sa-kind="count">B</th>'
            '<th data-sa-kind="count">C</th></tr></thead><tbody><tr><td>Nord</td><td colspan="2">7</td></tr>'
            '</tbody></table>')
    assert [(f.row, f.column) for f in audit.audit_html(span, "s.html")] == [("Nord", "Zelle 2")]


def test_unknown_kind_is_a_finding():
    page = ('<table class="sa-table"><caption>Quellen</caption><thead><tr><th data-sa-kind="text">Datei</th>'
            '<th data-sa-kind="hash">SHA-256</th></tr></thead><tbody><tr><td>a.csv</td>'
            '<td data-sa-kind="hash">3fa4</td></tr></tbody></table>')
    assert [str(f) for f in audit.audit_html(page, "h.html")] == [
        ("h.html: table 'Quellen', row '', column 'SHA-256': declares the unknown kind 'hash' "
        "(known: count, total, rate, share, interval, index, text)")]


def test_per_row_kinds_of_a_key_figure_table():
    # A key-figure table: one value column per area, each row another measure; the interval
    # column belongs to Nord's (mixed) column to its left. Einwohner 2 is a small count; the
    # 1,3 % with its interval 0,2 – 6,9 % fits only 1 of 78 (see test_rate_with_interval_...).
    df = pd.DataFrame({"Kennzahl": ["Einwohner", "Übergewicht (%)", "Durchschnittsalter"],
                       "Nord": ["2", "1,3 %", "44,1"], "95-%-Intervall": ["", "0,2 – 6,9", ""],
                       "Kreis": ["12.345", "8,1 %", "45,0"]})
    kinds = {"Nord": ["count", "share", "index"], "95-%-Intervall": "interval",
             "Kreis": ["count", "share", "index"]}
    html = table(df, caption="Kennzahlen", kinds=kinds).data
    assert '<td class="num" data-sa-kind="count">2</td>' in html and '<th class="num">Nord</th>' in html
    assert [(f.row, f.column, f.problem) for f in audit.audit_html(html, "k.html")] == [
        ("Einwohner", "Nord", "count 2 below the threshold 3"),
        ("Übergewicht (%)", "Nord", "share 1,3 % (0,2 – 6,9) fits only a count of 1 (Wilson 95 %, denominators 78 to 78)"),
    ]
    # A row left undeclared in such a column is a finding; so is a list of the wrong length.
    kinds["Kreis"] = ["count", None, "index"]
    assert [(f.row, f.column) for f in audit.audit_html(table(df, kinds=kinds).data, "k.html")
            if "declares no kind" in f.problem] == [("Übergewicht (%)", "Kreis")]
    with pytest.raises(ValueError, match="2 kinds for 3 rows"):
        table(df, kinds={"Nord": ["count", "rate"]})


def test_declared_text_columns_with_digits_pass(tmp_path):
    # Area keys with leading zeros, years and age groups are labels: declared text, no finding.
    df = pd.DataFrame({"Jahr": ["2023", "2024"], "Gemeinde": ["03499016", "03499017"],
                       "Altersgruppe": ["65 bis 79", "80 und älter"], "Fälle": ["12", "30"],
                       "Index": ["-1,2", "0,4"]})
    kinds = {"Gemeinde": "text", "Altersgruppe": "text", "Fälle": "count", "Index": "index"}
    site = _site(tmp_path, {"k.html": _table(df, "Schlüssel", kinds)})
    assert audit.audit_site(site) == []
    # The same table without the declaration of the keys: exactly that column is named.
    kinds.pop("Gemeinde")
    site = _site(tmp_path / "2", {"k.html": _table(df, "Schlüssel", kinds)})
    assert [(f.row, f.column) for f in audit.audit_site(site)] == [("2023", "Gemeinde")]


def test_csv_and_xlsx_downloads(tmp_path):
    site = _site(tmp_path, {"index.html": PAGE.format("")})
    (site / "_downloads").mkdir()
    pd.DataFrame({"area_id": ["03499016", "03499017"], "Fälle": [1, 7], "Anteil": [0.5, 0.25]}).to_csv(
        site / "_downloads" / "daten.csv", index=False)
    (site / "_downloads" / "daten.csv.kinds.json").write_text(
        json.dumps({"area_id": "text", "Fälle": "count", "Anteil": "share"}), encoding="utf-8")
    pd.DataFrame({"Gebiet": ["A1", "A2"], "Anzahl": [5, 2]}).to_excel(site / "_downloads" / "daten.xlsx", index=False)
    (site / "_downloads" / "daten.xlsx.kinds.json").write_text(
        json.dumps({"Sheet1": {"Gebiet": "text", "Anzahl": "count"}}), encoding="utf-8")
    found = [str(f) for f in audit.audit_site(site)]
    assert found == [
        "_downloads/daten.csv: table 'daten.csv', row 'Zeile 2', column 'Fälle': count 1 below the threshold 3",
        "_downloads/daten.xlsx: table 'Sheet1', row 'Zeile 3', column 'Anzahl': count 2 below the threshold 3",
    ]


def test_download_without_declaration_is_a_finding(tmp_path):
    site = _site(tmp_path, {"index.html": PAGE.format("")})
    pd.DataFrame({"area_id": ["03499016"], "name": ["Nord"], "value": [40]}).to_csv(site / "daten.csv", index=False)
    assert [str(f) for f in audit.audit_site(site)] == [
        "daten.csv: table 'daten.csv', row 'Zeile 2', column 'area_id': holds numbers but declares no kind",
        "daten.csv: table 'daten.csv', row 'Zeile 2', column 'value': holds numbers but declares no kind",
    ]
    # A declaration that cannot be read is a finding, and declares nothing.
    (site / "daten.csv.kinds.json").write_text("{area_id: text", encoding="utf-8")
    found = audit.audit_site(site)
    assert len(found) == 3 and "declaration of kinds cannot be read" in str(found[0])


# --------------------------------------------------------------------------- interval inversion
def _rates(rows, caption="Raten", rate_kind="rate", header="Anteil"):
    df = pd.DataFrame(rows, columns=["Gebiet", "Kinder", header])
    return PAGE.format(table(df, caption=caption, kinds={"Kinder": "count", header: rate_kind}).data)


def test_rate_with_interval_implies_one_child():
    from statsmodels.stats.proportion import proportion_confint

    # 1 of 78 children: 100 * 1 / 78 = 1,282... -> "1,3 %"; the rates 1,25 <= 100 x / 78 <= 1,35
    # admit only x = 1 (0,975 <= x <= 1,053). Wilson 95 %: p = 1/78 = 0,012821, z^2 = 3,8415,
    # centre (p + z^2/156) / (1 + z^2/78) = 0,037446 / 1,049250 = 0,035688,
    # half 1,96 * sqrt(p (1 - p) / 78 + z^2 / 24336) / 1,049250 = 1,96 * 0,017892 / 1,04925 = 0,033422
    # -> 0,2 % to 6,9 %, as statsmodels gives:
    lo, hi = proportion_confint(1, 78, method="wilson")
    assert (round(100 * lo, 1), round(100 * hi, 1)) == (0.2, 6.9)
    page = _rates([["Brakenhagen", "78", "1,3 % (0,2 – 6,9 %)"], ["Nord", "780", "1,3 % (0,7 – 2,3 %)"]],
                  caption="Übergewicht bei der Einschulung")
    assert [str(f) for f in audit.audit_html(page, "p.html")] == [
        ("p.html: table 'Übergewicht bei der Einschulung', row 'Brakenhagen', column 'Anteil': rate "
        "1,3 % (0,2 – 6,9 %) of 78 implies a count of 1 (denominator: column 'Kinder')")]


def test_interval_column_narrows_the_counts():
    from statsmodels.stats.proportion import proportion_confint

    # 0,1 % of 2.000 admits x = 1, 2, 3 (0,05 <= 100 x / 2000 <= 0,15 -> 1 <= x <= 3): not
    # confined below 3 by the rate alone. The interval 0,03 – 0,36 % is Wilson's for x = 2 only
    # (x = 1: 0,01 – 0,28 %; x = 3: 0,05 – 0,44 %).
    bounds = {x: tuple(round(100 * b, 2) for b in proportion_confint(x, 2000, method="wilson")) for x in (1, 2, 3)}
    assert bounds == {1: (0.01, 0.28), 2: (0.03, 0.36), 3: (0.05, 0.44)}
    df = pd.DataFrame({"Gebiet": ["Süd"], "Kinder": ["2.000"], "Quote": ["0,1 %"], "KI": ["0,03 – 0,36 %"]})
    kinds = {"Kinder": "count", "Quote": "rate", "KI": "interval"}
    found = audit.audit_html(table(df, caption="Q", kinds=kinds).data, "q.html")
    assert [f.problem for f in found] == [
        "rate 0,1 % (0,03 – 0,36 %) of 2.000 implies a count of 2 (denominator: column 'Kinder')"]
    assert audit.audit_html(table(df.drop(columns=["KI"]), caption="Q", kinds=kinds).data, "q.html") == []


def test_share_implies_small_complement():
    # 99,8 % of 447: 99,75 <= 100 x / 447 <= 99,85 -> 445,88 <= x <= 446,33 -> x = 446, 447 - 446 = 1.
    page = _rates([["Brakenhagen", "447", "99,8 % (98,7 – 100,0 %)"]], rate_kind="share")
    assert [f.problem for f in audit.audit_html(page, "c.html")] == [
        ("share 99,8 % (98,7 – 100,0 %) of 447 implies a count of 1 in the complement (447 - 446) "
        "(denominator: column 'Kinder')")]
    # 99,8 % of 1.000 (percent in the header only): 997,5 <= x <= 998,5 -> x = 998, complement 2.
    page = _rates([["Nord", "1.000", "99,8"]], rate_kind="share", header="Anteil (%)")
    assert [f.problem for f in audit.audit_html(page, "c.html")] == [
        "share 99,8 of 1.000 implies a count of 2 in the complement (1000 - 998) (denominator: column 'Kinder')"]
    # 99,8 % of 5.000 admits 4.987,5 <= x <= 4.992,5, complements 8 to 12: safe. An exact 0,0 % of
    # 447 (x <= 0,22) is a zero, not a small count. 0,0 % of 5.000 admits x = 0, 1, 2: a finding.
    assert audit.audit_html(_rates([["Süd", "5.000", "99,8 %"], ["Ost", "447", "0,0 %"]]), "c.html") == []
    assert [f.problem for f in audit.audit_html(_rates([["West", "5.000", "0,0 %"]]), "c.html")] == [
        "rate 0,0 % of 5.000 implies a count of 0, 1 or 2 (denominator: column 'Kinder')"]


def _wilson_pairs(p, lo, hi, n_max=20_000):
    """Brute force with statsmodels' Wilson interval: every (x, n) whose percentage rounds to
    ``p`` (one decimal) and whose interval rounds to ``lo`` and ``hi`` (one decimal)."""
    import numpy as np
    from statsmodels.stats.proportion import proportion_confint

    # every x whose percentage lies within 0,05 of p: at most n / 1.000 + 1 of them around p n / 100
    n = np.repeat(np.arange(1, n_max + 1), 51)
    x = np.rint(p * n / 100).astype(int) + np.tile(np.arange(-25, 26), n_max)
    keep = (x >= 0) & (x <= n) & (np.abs(100 * x / np.maximum(n, 1) - p) <= 0.05 + 1e-9)
    n, x = n[keep], x[keep]
    low, upp = proportion_confint(x, n, method="wilson")
    fit = (np.abs(100 * low - lo) <= 0.05 + 1e-9) & (np.abs(100 * upp - hi) <= 0.05 + 1e-9)
    return sorted(set(zip(x[fit].tolist(), n[fit].tolist())))


def test_rate_with_interval_without_denominator():
    # The key figure "1,3 % (0,2 – 6,9 %)" fits only 1 child of 78 among all denominators up to
    # 20.000; "0,0 % (0,0 – 0,2 %)" fits only 0, 1 or 2 (x = 0: the upper bound 100 z^2/(n + z^2)
    # is 0,15 to 0,25 for n = 1.533 to 2.557); 99,8 % (98,7 – 100,0 %) only a complement of 1.
    assert _wilson_pairs(1.3, 0.2, 6.9) == [(1, 78)]
    assert {x for x, _ in _wilson_pairs(0.0, 0.0, 0.2)} == {0, 1, 2}
    share = _wilson_pairs(99.8, 98.7, 100.0)
    assert {n - x for x, n in share} == {1} and (share[0][1], share[-1][1]) == (416, 449)
    page = PAGE.format(
        "<p>Übergewicht bei der Einschulung: 1,3 % (0,2 – 6,9 %). Altersarmut zwischen 0,0 % "
        "(0,0 – 0,2 %) in Brakenhagen und 12,5 % (11,0 – 14,1 %) in Nord.</p>"
        + table(pd.DataFrame({"Gebiet": ["Brakenhagen"], "Häusliche Pflege": ["99,8 % (98,7 – 100,0 %)"]}),
                caption="Pflege", kinds={"Häusliche Pflege": "share"}).data)
    assert [(f.caption, f.row, f.problem) for f in audit.audit_html(page, "k.html")] == [
        ("Pflege", "Brakenhagen", ("share 99,8 % (98,7 – 100,0 %) fits only a count of 1 in the complement "
                                  "(Wilson 95 %, denominators 416 to 449)")),
        ("(page text)", "Übergewicht bei der Einschulung: 1,3 % (0,2 – 6,9 %).",
         "rate 1,3 % (0,2 – 6,9 %) fits only a count of 1 (Wilson 95 %, denominators 78 to 78)"),
        ("(page text)", "Altersarmut zwischen 0,0 % (0,0 – 0,2 %) in Brakenhagen und 12,5 % (11,0 – 14,1 %) in Nord.",
         "rate 0,0 % (0,0 – 0,2 %) fits only a count of 0, 1 or 2 (Wilson 95 %, denominators 1533 to 4857)"),
    ]


def test_denominator_free_inversion_matches_brute_force():
    import random

    from statsmodels.stats.proportion import proportion_confint

    from sozialanalyse.build.audit import _fits

    random.seed(14)
    for _ in range(8):
        n = random.randint(5, 3000)
        x = random.choice([0, 1, 2, random.randint(0, n), n - 1])
        lo, hi = proportion_confint(x, n, method="wilson")
        p, lo, hi = round(100 * x / n, 1), round(100 * lo, 1), round(100 * hi, 1)
        de = [f"{v:.1f}".replace(".", ",") for v in (p, lo, hi)]
        assert set(_fits(*de)) == set(_wilson_pairs(p, lo, hi)), (x, n)


# --------------------------------------------------------------------------- page text
MANIFEST = pd.DataFrame({"area_id": ["sr1", "sr2", "sr3"], "name": ["Nord", "Altstadt", "Süd"],
                         "measure": ["Einwohner", "SGB-II-Quote", "Einwohner"],
                         "value": [1195, 35.46, 40], "status": ["secondary", "primary", ""]})


def test_suppressed_value_beside_the_name_in_text():
    page = PAGE.format(
        "<p>Die Aufmerksamkeit gilt Nord (1.195 Einw.) und Altstadt. Ost hat 1.195 Einw. im Jahr 2024.</p>"
        "<ul><li>SGB-II-Quote in Altstadt: 35,5 %</li><li>Süd: 40 Einwohner</li></ul>"
        '<table class="x"><tr><td>Nord</td><td>Einwohner</td><td>1195</td></tr></table>')
    found = audit.audit_html(page, "t.html", suppressed=MANIFEST)
    got = [(f.caption, f.row, f.column) for f in found if "suppressed value" in f.problem]
    # Nord with 1.195 in a sentence and in a table row; Altstadt's 35,46 printed rounded as 35,5.
    # Ost's 1.195 (another area) and Süd's 40 (not suppressed) are no findings.
    assert sorted(got) == sorted([
        ("(page text)", "Die Aufmerksamkeit gilt Nord (1.195 Einw.) und Altstadt.", "Einwohner"),
        ("(page text)", "SGB-II-Quote in Altstadt: 35,5 %", "SGB-II-Quote"),
        ("(ohne Überschrift)", "Nord Einwohner 1195", "Einwohner"),
    ])
    assert any(str(f) == ("t.html: table '(page text)', row 'SGB-II-Quote in Altstadt: 35,5 %', column "
                          "'SGB-II-Quote': the primary suppressed value 35,46 of 'Altstadt' stands beside the "
                          "area's name") for f in found)
    # The name must stand as a word: "Nordstadt" is another area.
    assert audit.audit_html("<p>Nordstadt hat 1.195 Einwohner.</p>", "t.html", suppressed=MANIFEST) == []


def test_text_speaks_of_the_measure_by_whole_word_not_by_its_first_letters():
    """Issue #16 4b: a sentence with Nord and the suppressed 1.195 is a finding when it speaks of
    Einwohner (whole word, inflected or abbreviated "Einw."), not when a word merely begins with
    the same four letters ("Einwanderung", "Einwurf")."""
    def found(text):
        return [f for f in audit.audit_html(PAGE.format(f"<p>{text}</p>"), "t.html", suppressed=MANIFEST)
                if "suppressed value" in f.problem]

    assert found("In Nord zählte die Einwanderungsstatistik 1.195 Fälle.") == []
    assert found("Nord: 1.195 Einwürfe.") == []
    assert len(found("In Nord leben 1.195 Einwohnerinnen und Einwohner.")) == 1
    assert len(found("Nord mit 1.195 Einw. im Jahr 2024.")) == 1
    assert len(found("Nord mit 1.195 einwohnern.")) == 1


def test_suppressed_manifest_in_site_and_cli(tmp_path, capsys):
    site = _site(tmp_path, {"a.html": PAGE.format("<p>In Nord leben 1.195 Einwohner.</p>")})
    manifest = tmp_path / "suppressed.csv"
    MANIFEST.to_csv(manifest, index=False)
    assert cli.main(["audit", str(site)]) == 0  # without the manifest the text is not compared
    assert cli.main(["audit", str(site), "--suppressed", str(manifest)]) == 1
    assert "'Nord' stands beside" in capsys.readouterr().out
    MANIFEST.to_csv(site / "suppressed.csv", index=False)
    found = [str(f) for f in audit.audit_site(site, suppressed=site / "suppressed.csv")]
    assert found[0] == ("suppressed.csv: table '', row '', column '': the manifest of suppressed cells lies "
                        "inside the published site")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,value\nNord,2\n", encoding="utf-8")
    assert cli.main(["audit", str(site), "--suppressed", str(bad)]) == 2
    assert "measure, status missing" in capsys.readouterr().err


# --------------------------------------------------------------------------- embedded data
def test_embedded_json_counts_are_audited():
    data = {"caption": "Karte Fälle", "kinds": {"name": "text", "faelle": "count", "quote": "rate"},
            "rows": [{"name": "Nord", "faelle": 2, "quote": "1,2 %"}, {"name": "Süd", "faelle": 40, "quote": 0.5}]}
    page = PAGE.format(f'<script type="application/json" class="sa-data">{json.dumps(data)}</script>')
    assert [str(f) for f in audit.audit_html(page, "m.html")] == [
        "m.html: table 'Karte Fälle', row 'Nord', column 'faelle': count 2 below the threshold 3"]
    # The same in an attribute; a key holding numbers without a kind; JSON of another shape.
    attr = json.dumps({"kinds": {"name": "text"}, "rows": [{"name": "Nord", "einw": 1234}]})
    page = PAGE.format(f"<div data-sa-values='{attr}'></div>"
                       '<script type="application/json">{"werte": [1, 5]}</script>'
                       '<script type="application/json">{"titel": "ohne Zahlen"}</script>'
                       '<script>var x = 1;</script>')
    assert [str(f) for f in audit.audit_html(page, "m.html")] == [
        "m.html: table '(embedded data)', row 'Nord', column 'einw': holds numbers but declares no kind",
        ("m.html: table '(embedded data)', row '', column '': embedded JSON holds numbers but declares no "
        'kinds (expected {"kinds": {...}, "rows": [{...}, ...]})')]


def test_json_and_geojson_data_files(tmp_path):
    site = _site(tmp_path, {"index.html": PAGE.format("")})
    geo = {"type": "FeatureCollection", "name": "Karte", "kinds": {"name": "text", "einwohner": "count"},
           "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [9.1, 52.3]},
                         "properties": {"name": "Nord", "einwohner": 1}}]}
    (site / "karte.geojson").write_text(json.dumps(geo), encoding="utf-8")
    geo_undeclared = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [9.1, 52.3]}, "properties": {"n": 12}}]}
    (site / "ohne.geojson").write_text(json.dumps(geo_undeclared), encoding="utf-8")
    shapes = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [9.1, 52.3]}, "properties": {"name": "Süd"}}]}
    (site / "umrisse.geojson").write_text(json.dumps(shapes), encoding="utf-8")  # coordinates only: no finding
    assert [str(f) for f in audit.audit_site(site)] == [
        "karte.geojson: table 'Karte', row 'Nord', column 'einwohner': count 1 below the threshold 3",
        ("ohne.geojson: table '(embedded data)', row '', column '': embedded JSON holds numbers but declares no "
        'kinds (expected {"kinds": {...}, "rows": [{...}, ...]})')]


def _fake_build(monkeypatch, tmp_path, page: str):
    """report.build with planning, execution and Jupyter Book replaced: the site is ``page``."""
    from sozialanalyse.build import report

    monkeypatch.setattr(report, "plan", lambda config, root: (report.BuildPlan(Config(path=Path("cfg.yml"))), []))
    monkeypatch.setattr(report, "execute", lambda jobs, root, jobs_n=2, quiet=False, **kw: {"executed": 0, "cached": 0})
    def fake_toc(cfg, jobs, root):
        (tmp_path / "toc.yml").write_text("root: index\n", encoding="utf-8")
        (tmp_path / "config.yml").write_text("title: Test\n", encoding="utf-8")
        return tmp_path / "toc.yml", tmp_path / "config.yml"

    monkeypatch.setattr(report, "_toc_and_config", fake_toc)
    monkeypatch.setattr(report, "_inputs_hash", lambda root: "f" * 64)

    def fake_book(root, toc, config, work, quiet):
        out = work / "_build" / "html"
        out.mkdir(parents=True, exist_ok=True)
        (out / "index.html").write_text(page, encoding="utf-8")

    monkeypatch.setattr(report, "_jupyter_book", fake_book)
    return lambda: report.build(root=tmp_path, quiet=True)


def test_build_refuses_to_publish_a_leak(monkeypatch, tmp_path):
    from sozialanalyse.build.report import BuildError

    leak = _table(CLEAN.assign(Fälle=["1", "41", "42"]), "Fälle 2024", KINDS)
    build = _fake_build(monkeypatch, tmp_path, leak)
    with pytest.raises(BuildError, match=r"(?s)disclosure audit: 1 finding.*index\.html: table 'Fälle 2024', row 'Nord'"):
        build()
    assert not (tmp_path / "_build" / "html").exists()
    assert not list((tmp_path / "_build").glob("site-*")) and not list((tmp_path / "_build").glob(".incoming-*"))


def test_build_publishes_a_clean_site(monkeypatch, tmp_path):
    build = _fake_build(monkeypatch, tmp_path, _table(CLEAN, "Fälle 2024", KINDS))
    result = build()
    assert result["book"] == "built" and (tmp_path / "_build" / "html" / "index.html").is_file()


def test_build_refuses_to_publish_a_leak_in_a_download_audited_beside_the_book(monkeypatch, tmp_path):
    """The downloads are written and audited while Jupyter Book writes the pages: a small count
    that only a download shows (the page's table is clean) still stops the publish, named by the
    download's path in the site, and the folder they were written to is gone."""
    from sozialanalyse.build import report
    from sozialanalyse.render.downloads import MIME

    build = _fake_build(monkeypatch, tmp_path, _table(CLEAN, "Fälle 2024", KINDS))
    leak = table(CLEAN.assign(Fälle=["1", "41", "42"]), caption="Fälle je Gebiet", kinds=KINDS).payload
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
          "cells": [{"cell_type": "markdown", "metadata": {}, "source": "# Nord"},
                    {"cell_type": "code", "metadata": {}, "source": "", "execution_count": 1,
                     "outputs": [{"output_type": "display_data", "metadata": {},
                                  "data": {MIME: leak, "text/plain": "<Table>"}}]}]}
    gen = tmp_path / report.GENERATED / "gemeinden"
    gen.mkdir(parents=True)
    (gen / "nord.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    job = report.Job("gemeindeprofil", "gemeinden/nord", "Nord", "Gemeindeprofil Nord")
    monkeypatch.setattr(report, "plan", lambda config, root: (report.BuildPlan(Config(path=Path("cfg.yml"))), [job]))
    with pytest.raises(report.BuildError) as info:
        build()
    msg = str(info.value)
    assert f"book/_generated/gemeinden/tabellen/{leak['file']}.csv: table " in msg
    assert "column 'Fälle': count 1 below the threshold 3" in msg and msg.startswith("disclosure audit: 2 finding(s)")
    assert not (tmp_path / "_build" / "html").exists()
    assert not list((tmp_path / "_build").glob(".downloads-*")) and not list((tmp_path / "_build").glob("site-*"))


def test_suppressed_value_only_in_count_cells_of_a_row():
    # Row numbers (text) and z values (index) that equal a suppressed count are no leak; the same
    # number in the row's count column of that measure is. "Altstadt" inside "Altstadt Lindenau"
    # is another area; Süd's 40 Einwohner are not its suppressed 40 overweight children.
    manifest = pd.DataFrame({"name": ["Kurviertel", "Altstadt", "Süd"], "measure": ["Übergewicht"] * 3,
                             "value": [1, 2, 40], "status": ["primary", "primary", "secondary"]})
    page = PAGE.format(
        '<table class="sa-table"><thead><tr><th data-sa-kind="text">Nr.</th><th>Sozialraum</th>'
        '<th data-sa-kind="count">Einwohner</th><th data-sa-kind="count">Übergewicht</th>'
        '<th data-sa-kind="index">z</th></tr></thead><tbody>'
        '<tr><td>1</td><td>Kurviertel</td><td>2.142</td><td>.</td><td>1</td></tr>'
        '<tr><td>2</td><td>Altstadt Lindenau</td><td>2.000</td><td>2</td><td>0,5</td></tr>'
        '<tr><td>4</td><td>Süd</td><td>40</td><td>.</td><td>0,5</td></tr>'
        '<tr><td>3</td><td>Kurviertel</td><td>2.142</td><td>1</td><td>0,5</td></tr></tbody></table>')
    found = [f for f in audit.audit_html(page, "t.html", suppressed=manifest) if "suppressed value" in f.problem]
    assert [(f.row, f.problem) for f in found] == [
        ("3 Kurviertel | Kurviertel 2.142 1", "the primary suppressed value 1 of 'Kurviertel' stands beside the area's name")]


def test_a_percentage_in_the_text_is_no_suppressed_count():
    # "95-%-Grenze" and "12 %" beside Eichenbrück are no counts; "95 Sterbefälle" are
    manifest = pd.DataFrame({"name": ["Eichenbrück", "Eichenbrück"], "measure": ["Sterbefälle", "Einwohner"],
                             "value": [95, 12], "status": ["secondary", "secondary"]})
    prose = PAGE.format("<p>Signifikant höher (95-%-Grenze) ist die Sterblichkeit in Eichenbrück, "
                        "um 12 % höher.</p>")
    assert audit.audit_html(prose, "t.html", suppressed=manifest) == []
    leak = PAGE.format("<p>In Eichenbrück gab es 95 Sterbefälle.</p>")
    # an intro naming the area beside an age is no leak: the sentence does not speak of deaths
    assert audit.audit_html(PAGE.format("<p>Anteil ab 95 Jahren: am höchsten in Eichenbrück.</p>"),
                            "t.html", suppressed=manifest) == []
    assert [f.problem for f in audit.audit_html(leak, "t.html", suppressed=manifest)] == [
        "the secondary suppressed value 95 of 'Eichenbrück' stands beside the area's name"]


def test_a_z_value_beside_a_suppressed_rate_is_a_finding():
    leak = PAGE.format("<table class='sa-table'><thead><tr><th>Sozialraum</th><th data-sa-kind='text'>Kennzahlen</th>"
                       "</tr></thead><tbody><tr><td>Osterwald</td><td>SGB-II-Quote . (z 3,3), Kinderarmut 30,1 % "
                       "(z 2,1)</td></tr></tbody></table>")
    found = audit.audit_html(leak, "t.html")
    assert [f.problem.split(" gives")[0] for f in found] == ["a z value beside a suppressed value ('. (z 3,3)')"]
    # a sentence ending before a bracket, or a z value beside a published rate, is none
    fine = PAGE.format("<p>Die Quote steigt. (z 3,3 ist der Wert des Vorjahres)</p><p>SGB-II-Quote 35,5 % (z 3,3)</p>")
    assert audit.audit_html(fine, "t.html") == []


# --------------------------------------------------------------------------- the report's downloads
def _download(site: Path, df: pd.DataFrame, kinds: dict, caption: str = "Download", footnotes=None) -> Path:
    """Write ``df`` (cells as a page shows them) as the build does: CSV, Excel, sidecars."""
    from sozialanalyse.render import downloads

    body = table(df, caption=caption, kinds=kinds, footnotes=footnotes).payload
    downloads.write_files(body, site / "tabellen", source="Quelle: Test")
    return site / "tabellen" / body["file"]


def _xlsx_set(path: Path, cell: str, value) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb["Tabelle"][cell] = value
    wb.save(path)


def test_report_downloads_pass_clean_and_planted_leaks_are_found(tmp_path):
    site = _site(tmp_path, {"index.html": PAGE.format("")})
    stem = _download(site, CLEAN, KINDS)
    assert audit.audit_site(site) == []
    # a small count planted into the CSV (decimal comma, ';', BOM) and into the Excel sheet
    csv_path = stem.with_suffix(".csv")
    csv_path.write_bytes(csv_path.read_bytes().replace(b"Nord;12;", b"Nord;2;"))
    _xlsx_set(stem.with_suffix(".xlsx"), "B5", 1)  # row 5 of the sheet: Süd (caption row 1, header row 3)
    found = [str(f) for f in audit.audit_site(site)]
    name = stem.name
    assert f"tabellen/{name}.csv: table '{name}.csv', row 'Zeile 2', column 'Fälle': count 2 below the threshold 3" in found
    assert f"tabellen/{name}.xlsx: table 'Tabelle', row 'Zeile 3', column 'Fälle': count 1 below the threshold 3" in found


def test_download_suppressed_cell_recoverable_from_total_row(tmp_path):
    site = _site(tmp_path, {"index.html": PAGE.format("")})
    df = CLEAN.assign(Fälle=["12", ".", "42"])  # 42 - 12 = 30: the "." gives itself away
    stem = _download(site, df, KINDS)
    found = [(f.page, f.row, f.problem) for f in audit.audit_site(site)]
    for ext in (".csv", ".xlsx"):
        assert (f"tabellen/{stem.name}{ext}", "Zeile 3",
                "suppressed cell can be recomputed from the table's totals (= 30)") in found


def test_download_bounds_columns_are_read_as_the_rate_interval(tmp_path):
    # "1,3 % (0,2 – 6,9)" fits only 1 child of 78 (test_rate_with_interval_without_denominator); in
    # a download the bounds stand in two columns "...: untere Grenze", "...: obere Grenze"
    site = _site(tmp_path, {"index.html": PAGE.format("")})
    df = pd.DataFrame({"Gebiet": ["Nord"], "Übergewicht": ["1,3 % (0,2 – 6,9)"]})
    stem = _download(site, df, {"Übergewicht": "share"})
    assert json.loads(stem.with_name(stem.name + ".csv.kinds.json").read_text(encoding="utf-8")) == {
        "Gebiet": "text", "Übergewicht (%)": "share", "Übergewicht (%): untere Grenze": "interval",
        "Übergewicht (%): obere Grenze": "interval"}
    found = [(f.page, f.problem) for f in audit.audit_site(site)]
    for ext in (".csv", ".xlsx"):
        assert (f"tabellen/{stem.name}{ext}",
                "share 1,3 (0,2 – 6,9) fits only a count of 1 (Wilson 95 %, denominators 78 to 78)") in found


def test_download_text_around_the_excel_table_is_read(tmp_path):
    site = _site(tmp_path, {"index.html": PAGE.format("")})
    stem = _download(site, CLEAN, KINDS, footnotes=["Übergewicht in Nord: 1,3 % (0,2 – 6,9 %)."])
    found = [(f.page, f.problem) for f in audit.audit_site(site)]
    assert (f"tabellen/{stem.name}.xlsx",
            "rate 1,3 % (0,2 – 6,9 %) fits only a count of 1 (Wilson 95 %, denominators 78 to 78)") in found


def test_download_manifest_value_and_z_beside_suppressed(tmp_path):
    site = _site(tmp_path, {"index.html": PAGE.format("")})
    df = pd.DataFrame({"Sozialraum": ["Nord", "Süd"], "Einwohner": ["2.199", "4.440"],
                       "Kennzahlen": ["SGB-II-Quote . (z 3,3)", "Altersarmut 7,2 % (z 2,1)"]})
    stem = _download(site, df, {"Einwohner": "count", "Kennzahlen": "text"})
    manifest = pd.DataFrame({"name": ["Süd"], "measure": ["Einwohner"], "value": [4440], "status": ["primary"]})
    found = [(f.page, f.row, f.problem) for f in audit.audit_site(site, suppressed=manifest)]
    for ext in (".csv", ".xlsx"):
        page = f"tabellen/{stem.name}{ext}"
        assert any(p == page and "z value beside a suppressed value" in problem for p, _, problem in found), ext
        assert any(p == page and "suppressed value 4440 of 'Süd'" in problem for p, _, problem in found), ext


def test_download_sidecar_naming_an_unknown_column_or_missing(tmp_path):
    site = _site(tmp_path, {"index.html": PAGE.format("")})
    stem = _download(site, CLEAN, KINDS)
    sidecar = stem.with_name(stem.name + ".xlsx.kinds.json")
    sidecar.write_text(json.dumps({"Tabelle": {"Gebiet": "text", "Fälle": "count", "Anteil (%)": "rate",
                                               "Faelle": "count"}}), encoding="utf-8")
    stem.with_name(stem.name + ".csv.kinds.json").unlink()
    found = [str(f) for f in audit.audit_site(site)]
    assert (f"tabellen/{stem.name}.xlsx: table 'Tabelle', row '', column 'Faelle': the sidecar declares a column "
            "the file does not have") in found
    assert any(f.startswith(f"tabellen/{stem.name}.csv:") and "column 'Fälle': holds numbers but declares no kind" in f
               for f in found)


def test_published_input_files_are_checked_byte_for_byte(tmp_path):
    import hashlib

    site = _site(tmp_path, {"index.html": PAGE.format("")})
    (site / "eingangsdaten").mkdir()
    raw = b"area_id,year,variable,value\n0349901,2024,einwohner,2\n"
    (site / "eingangsdaten" / "population.csv").write_bytes(raw)
    sha = hashlib.sha256(raw).hexdigest()
    assert len(audit.audit_site(site)) == 3  # area_id, year, value undeclared: raw counts are findings like any download
    assert audit.audit_site(site, inputs={"eingangsdaten/population.csv": sha}) == []
    (site / "eingangsdaten" / "population.csv").write_bytes(raw.replace(b",2\n", b",1\n"))
    assert [f.problem for f in audit.audit_site(site, inputs={"eingangsdaten/population.csv": sha})][0] == (
        "a published input file is missing or differs from its data folder's file (sha256)")


def test_an_excel_number_is_audited_at_the_decimals_its_format_shows(tmp_path):
    # A share of 0 of 251 persons: "0,0 %" admits only 0 persons (1 / 251 = 0,398 % rounds to 0,4),
    # but read as a bare 0 (whole per cent) it admits 0 or 1 (0,398 % rounds to 0). The report's own
    # Excel download shows "0,0" (number format #,##0.0): that is what is audited, and so a share
    # of 1 of 251 written as 0.4 with one decimal is still found.
    from sozialanalyse.render import downloads

    site = _site(tmp_path, {"index.html": PAGE.format("")})
    rows = pd.DataFrame({"Gebiet": ["Nord", "Süd"], "Zielgruppe": ["251", "251"], "in 500 m": ["0,0 %", "0,4 %"]})
    body = downloads.payload(downloads.data(rows, {"Gebiet": "text", "Zielgruppe": "count", "in 500 m": "share"}),
                             "Erreichbarkeit", [])
    downloads.write_files(body, site / "tabellen")
    found = [str(f) for f in audit.audit_site(site) if f.page.endswith(".xlsx")]
    assert found == [f"tabellen/{body['file']}.xlsx: table 'Tabelle', row 'Zeile 3', column 'in 500 m (%)': share 0,4 of "
                     "251 implies a count of 1 (denominator: column 'Zielgruppe')"]
    # the same cell without a number format that fixes its decimals is read as written: 0 of 251
    assert audit._excel_text(0.0, "General") == "0.0" and audit._download_value("0.0") == "0"
    assert audit._admitted("0", 251, 100, None) == [0, 1] and audit._admitted("0,0", 251, 100, None) == [0]


def _many_pages_site(tmp_path: Path) -> Path:
    """A site with findings of every sort a file can give: a small count in a table, a suppressed
    value beside its name in the text, a CSV download without kinds, a stray PDF; and clean pages."""
    pages = {f"p{i:02d}.html": _table(CLEAN, f"Tabelle {i}", KINDS) for i in range(12)}
    small = pd.DataFrame({"Gebiet": ["Nord", "Süd"], "Fälle": ["2", "30"]})
    pages["gemeinden/nord.html"] = _table(small, "Fälle", {"Gebiet": "text", "Fälle": "count"})
    pages["text.html"] = PAGE.format("<p>In Nord leben 1.195 Einwohner.</p><p>Altstadt: SGB-II-Quote 35,5 %.</p>")
    site = _site(tmp_path, pages)
    pd.DataFrame({"area_id": ["03499016"], "value": [40]}).to_csv(site / "daten.csv", index=False)
    (site / "pdf").mkdir()
    (site / "pdf" / "fremd.pdf").write_bytes(b"%PDF-1.4\n")
    return site


def test_audit_site_in_processes_finds_the_same(tmp_path, monkeypatch):
    """A Land's site has thousands of files: ``jobs=2`` reads them in two processes, with the same
    findings in the same order as one (here forced below the size where a second process pays)."""
    site = _many_pages_site(tmp_path)
    manifest = tmp_path / "suppressed.csv"
    MANIFEST.to_csv(manifest, index=False)
    one = [str(f) for f in audit.audit_site(site, suppressed=manifest)]
    assert one == [
        "daten.csv: table 'daten.csv', row 'Zeile 2', column 'area_id': holds numbers but declares no kind",
        "daten.csv: table 'daten.csv', row 'Zeile 2', column 'value': holds numbers but declares no kind",
        "gemeinden/nord.html: table 'Fälle', row 'Nord', column 'Fälle': count 2 below the threshold 3",
        "pdf/fremd.pdf: table '', row '', column '': a PDF that is not the print of an audited page of this site "
        "(pdf/<page>.pdf or pdf/bericht.pdf)",
        "text.html: table '(page text)', row 'In Nord leben 1.195 Einwohner.', column 'Einwohner': the secondary "
        "suppressed value 1195 of 'Nord' stands beside the area's name",
        "text.html: table '(page text)', row 'Altstadt: SGB-II-Quote 35,5 %.', column 'SGB-II-Quote': the primary "
        "suppressed value 35,46 of 'Altstadt' stands beside the area's name",
    ]
    monkeypatch.setattr(audit, "_FILES_PER_WORKER", 1)
    assert [str(f) for f in audit.audit_site(site, suppressed=manifest, jobs=2)] == one
    assert [str(f) for f in audit.audit_site(site, jobs=2)] == [f for f in one if "suppressed value" not in f]


def test_a_few_large_pages_are_read_by_two_processes(tmp_path, monkeypatch):
    """Few files but many bytes (a Land's 401 pages of 0.8 MB once its downloads were audited
    ahead) are worth a second process too; the same findings."""
    import concurrent.futures

    site = _many_pages_site(tmp_path)
    one = [str(f) for f in audit.audit_site(site)]
    started = []
    pool = concurrent.futures.ProcessPoolExecutor
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor",
                        lambda max_workers, **kw: started.append(max_workers) or pool(max_workers, **kw))
    audit.audit_site(site, jobs=2)
    assert started == []  # a few small files: one process
    monkeypatch.setattr(audit, "_BYTES_PER_WORKER", 1000)
    assert [str(f) for f in audit.audit_site(site, jobs=2)] == one
    assert started == [2]


def test_files_audited_ahead_count_only_while_their_bytes_are_those_audited(tmp_path, monkeypatch):
    """The build audits its downloads in a folder of their own while the book is written
    (``audit_files``), then moves them into the site: the site's audit takes those findings for a
    file whose bytes still have the audited sha256 and audits a file whose bytes changed again;
    the findings are those of one audit of the whole site, in the same order."""
    site = _many_pages_site(tmp_path)
    manifest = tmp_path / "suppressed.csv"
    MANIFEST.to_csv(manifest, index=False)
    whole = [str(f) for f in audit.audit_site(site, suppressed=manifest)]
    ahead_folder = tmp_path / "ahead"
    ahead_folder.mkdir()
    (ahead_folder / "daten.csv").write_bytes((site / "daten.csv").read_bytes())
    ahead = audit.audit_files(ahead_folder, suppressed=manifest)
    assert sorted(ahead) == ["daten.csv"] and len(ahead["daten.csv"][1]) == 2
    read = []
    audit_file = audit._audit_file
    monkeypatch.setattr(audit, "_audit_file", lambda site, rel, *a: read.append(rel) or audit_file(site, rel, *a))
    assert [str(f) for f in audit.audit_site(site, suppressed=manifest, audited=ahead)] == whole
    assert "daten.csv" not in read and "text.html" in read  # taken from the audit ahead, not read again
    # found in review: the findings also depend on the sidecar, the threshold and the manifest
    for kwargs in ({"threshold": 5, "suppressed": manifest}, {}):
        read.clear()
        audit.audit_site(site, audited=ahead, **kwargs)
        assert "daten.csv" in read, kwargs
    (site / "daten.csv.kinds.json").write_text('{"area_id": "text", "value": "count"}', encoding="utf-8")
    read.clear()
    audit.audit_site(site, suppressed=manifest, audited=ahead)
    assert "daten.csv" in read
    (site / "daten.csv.kinds.json").unlink()
    # the file changed after its audit (here: a count of 2 where the audit ahead saw none): audited again
    pd.DataFrame({"Gebiet": ["Nord"], "Fälle": [2]}).to_csv(site / "daten.csv", index=False)
    read.clear()
    again = [str(f) for f in audit.audit_site(site, suppressed=manifest, audited=ahead)]
    assert "daten.csv" in read
    assert again[0] == "daten.csv: table 'daten.csv', row 'Zeile 2', column 'Fälle': holds numbers but declares no kind"
    assert again != whole


def test_text_check_reads_the_manifest_once_per_site(monkeypatch):
    """The rounded values of a manifest's cells are computed once, not once per page: a Land's
    manifest holds tens of thousands of cells and its site hundreds of pages (the audit of 400
    profiles ran for more than 12 minutes when each page went through the whole manifest)."""
    cells = audit.read_suppressed(pd.concat([MANIFEST] * 50, ignore_index=True))
    calls = []
    keys = audit._keys
    monkeypatch.setattr(audit, "_keys", lambda v: calls.append(v) or keys(v))
    prepared = audit._Manifest(cells)
    assert len(calls) == 100  # the 100 cells with a status, once each
    units = [("(page text)", "In Nord leben 1.195 Einwohner.", False)]
    for _ in range(20):  # twenty pages
        found = audit.audit_text(units, "p.html", prepared)
        assert len(found) == 50 and found[0].problem.startswith("the secondary suppressed value 1195 of 'Nord'")
    assert len(calls) == 100
    assert audit.audit_text(units, "p.html", cells) == found  # a plain list: prepared per call
    assert len(calls) == 200


def test_audit_site_prepares_the_manifest_once_for_all_pages(tmp_path, monkeypatch):
    pages = {f"p{i:02d}.html": PAGE.format("<p>In Nord leben 1.195 Einwohner.</p>") for i in range(20)}
    site = _site(tmp_path, pages)
    calls = []
    keys = audit._keys
    monkeypatch.setattr(audit, "_keys", lambda v: calls.append(v) or keys(v))
    found = audit.audit_site(site, suppressed=MANIFEST)
    assert len(found) == 20 and len(calls) == 2  # Nord and Altstadt once, not once per page


def test_a_finding_shows_the_sentence_as_the_page_does():
    """The longer names are left out only to look for the shorter one; the finding quotes the page."""
    manifest = pd.DataFrame({"name": ["Nord", "Bad Nord"], "measure": ["Einwohner"] * 2, "value": [1195, 40],
                             "status": ["primary", "primary"]})
    found = audit.audit_html(PAGE.format("<p>Nord und Bad Nord haben 1.195 Einwohner.</p>"), "t.html",
                             suppressed=manifest)
    assert [f.row for f in found] == ["Nord und Bad Nord haben 1.195 Einwohner."]


@pytest.mark.parametrize("guarded", [True, False])
def test_audit_in_processes_from_a_script(tmp_path, guarded):
    """A planner's script calling ``audit_site(jobs=2)``: with the ``__main__`` guard it is read by
    two processes; without it (spawn would run the script again in each) by one, with the same
    findings, instead of waiting for a worker that never comes."""
    import subprocess
    import sys

    site = _many_pages_site(tmp_path)
    body = ("from sozialanalyse.build import audit\n"
            "audit._FILES_PER_WORKER = 1\n"
            f"found = audit.audit_site({str(site)!r}, jobs=2)\n"
            "print(audit._spawn_safe(), len(found))\n")
    script = tmp_path / "planer.py"
    script.write_text(("def main():\n" + "".join("    " + line + "\n" for line in body.splitlines())
                       + "\n\nif __name__ == '__main__':\n    main()\n") if guarded else body, encoding="utf-8")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [str(guarded), "4"]
