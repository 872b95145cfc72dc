"""The disclosure audit of a built site: planted leaks are found, clean pages pass."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from sozialanalyse.build import audit
from sozialanalyse import cli
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
    assert "data-sa-kind" not in table(CLEAN).data  # unchanged without kinds


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


def test_unmarked_einwohner_column_counts(tmp_path):
    df = pd.DataFrame({"Gebiet": ["X"], "Einwohner": ["1"]})
    found = audit.audit_site(_site(tmp_path, {"e.html": PAGE.format(table(df, caption="E").data)}))
    assert [(f.caption, f.row, f.column) for f in found] == [("E", "X", "Einwohner")]


def test_csv_and_xlsx_downloads(tmp_path):
    site = _site(tmp_path, {"index.html": PAGE.format("")})
    (site / "_downloads").mkdir()
    pd.DataFrame({"area_id": ["A1", "A2"], "kind": ["count", "rate"], "value": [1, 0.5]}).to_csv(
        site / "_downloads" / "daten.csv", index=False)
    pd.DataFrame({"Gebiet": ["A1", "A2"], "Anzahl": [5, 2]}).to_excel(site / "_downloads" / "daten.xlsx", index=False)
    found = [str(f) for f in audit.audit_site(site)]
    assert found == [
        "_downloads/daten.csv: table 'daten.csv', row 'Zeile 2', column 'value': count 1 below the threshold 3",
        "_downloads/daten.xlsx: table 'Sheet1', row 'Zeile 3', column 'Anzahl': count 2 below the threshold 3",
    ]


def _fake_build(monkeypatch, tmp_path, page: str):
    """report.build with planning, execution and Jupyter Book replaced: the site is ``page``."""
    from sozialanalyse.build import report

    monkeypatch.setattr(report, "plan", lambda config, root: (report.BuildPlan(Config(path=Path("cfg.yml"))), []))
    monkeypatch.setattr(report, "execute", lambda jobs, root, jobs_n=2, quiet=False: {"executed": 0, "cached": 0})
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
    import pytest

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
