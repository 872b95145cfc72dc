"""Audit a built site for disclosure problems before it is published.

``sozialanalyse audit <site>`` (and the build, before its atomic publish) reads

* every report table in the site's HTML pages (``<table class="sa-table">``, written by
  :func:`sozialanalyse.render.tables.table`), and
* every CSV and Excel download (``*.csv``, ``*.xlsx``, ``*.xls``) under the site,

and reports

1. **unprotected small counts**: a cell of a *count column* whose value is from 1 to
   ``threshold - 1`` (default: 1 or 2);
2. **recoverable suppressed cells**: a suppressed cell (``.``) of a count column that follows
   from the table's published totals by subtraction, also in chains (a recovered cell can give
   away the next one).

Which columns hold counts:

* HTML: a header or cell with ``data-sa-kind="count"`` (``render.tables.table(..., kinds=...)``);
  ``data-sa-kind="total"`` marks a count column that is the sum of the row's count columns.
  Unmarked columns whose header starts with *Anzahl*, *Einwohner*, *Fälle* or *Personen* count
  as counts too; ``rate`` and ``text`` columns are never checked.
* Total rows: a row with class ``sa-total`` or whose first cell reads *Insgesamt*,
  *Zusammen*, *Summe* or *Gesamt*; it is the sum of the other rows of its group (rows between
  two group headers of a grouped table), column by column.
* Downloads: columns named ``value``, ``Wert``, ``Anzahl``, ``Einwohner`` or ``count`` (when a
  ``kind`` column exists, only its rows with kind ``count``).

Every finding names the page (or file), the table caption, the row and the column.

Examples
--------
>>> page = ('<table class="sa-table"><caption>T</caption><thead><tr><th>Gebiet</th>'
...         '<th data-sa-kind="count">Fälle</th></tr></thead><tbody><tr><td>A</td>'
...         '<td data-sa-kind="count">2</td></tr></tbody></table>')
>>> [str(f) for f in audit_html(page, "x.html")]
["x.html: table 'T', row 'A', column 'Fälle': count 2 below the threshold 3"]
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

__all__ = ["Finding", "audit_download", "audit_html", "audit_site", "parse_number"]

COUNT_HEADER = re.compile(r"^(Anzahl|Einwohner|Fälle|Personen)\b", re.IGNORECASE)
TOTAL_LABELS = {"insgesamt", "zusammen", "summe", "gesamt"}
DOWNLOAD_COUNT_COLUMNS = {"value", "wert", "anzahl", "einwohner", "count"}
SUPPRESSED = "."
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?")


@dataclass(frozen=True)
class Finding:
    """One disclosure problem in a published table."""

    page: str
    caption: str
    row: str
    column: str
    problem: str

    def __str__(self) -> str:
        return f"{self.page}: table '{self.caption}', row '{self.row}', column '{self.column}': {self.problem}"


def parse_number(text: str) -> float | None:
    """A German-formatted number at the start of a cell (``1.234``, ``1,5 %``, ``12 ¹``); None
    for anything else (``.``, ``–``, text).

    >>> parse_number("1.234"), parse_number("2"), parse_number("1,5 %"), parse_number(".")
    (1234.0, 2.0, 1.5, None)
    """
    t = text.strip().replace("\u2212", "-").replace("\xa0", " ")
    m = _NUMBER.match(t)
    if not m:
        return None
    return float(m.group(0).replace(".", "").replace(",", "."))


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v).replace(".", ",")


# --------------------------------------------------------------------------- HTML
class _Tables(HTMLParser):
    """Collects the sa-tables of a page: caption, header (text, attrs), rows of cells."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self._t: dict | None = None
        self._depth = 0
        self._cell: dict | None = None
        self._row: dict | None = None
        self._in_caption = False
        self._in_head = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            if self._t is not None:
                self._depth += 1
                return
            if "sa-table" in (a.get("class") or "").split():
                self._t = {"caption": "", "header": [], "rows": []}
                self._depth = 0
            return
        if self._t is None or self._depth:
            return
        if tag == "caption":
            self._in_caption = True
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = {"cells": [], "class": (a.get("class") or "").split(), "head": self._in_head}
        elif tag in ("td", "th") and self._row is not None:
            self._cell = {"text": "", "kind": a.get("data-sa-kind"), "tag": tag}

    def handle_endtag(self, tag):
        if tag == "table" and self._t is not None:
            if self._depth:
                self._depth -= 1
                return
            self.tables.append(self._t)
            self._t = None
            return
        if self._t is None or self._depth:
            return
        if tag == "caption":
            self._in_caption = False
        elif tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._cell["text"] = " ".join(self._cell["text"].split())
            self._row["cells"].append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row["head"] and not self._t["header"]:
                self._t["header"] = self._row["cells"]
            elif not self._row["head"]:
                self._t["rows"].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._t is None or self._depth:
            return
        if self._in_caption:
            self._t["caption"] += data
        elif self._cell is not None:
            self._cell["text"] += data


def _column_kinds(table: dict) -> list[str]:
    kinds = []
    for j, h in enumerate(table["header"]):
        kind = h["kind"]
        if kind is None:  # a marked body cell decides, else the header's wording
            marked = [r["cells"][j]["kind"] for r in table["rows"] if len(r["cells"]) > j and r["cells"][j]["kind"]]
            kind = marked[0] if marked else ("count" if COUNT_HEADER.match(h["text"]) else "text")
        kinds.append(kind)
    return kinds


def _is_total_row(row: dict) -> bool:
    if "sa-total" in row["class"]:
        return True
    first = row["cells"][0]["text"].strip().rstrip(":").casefold() if row["cells"] else ""
    return first in TOTAL_LABELS


def audit_table(table: dict, page: str, threshold: int = 3) -> list[Finding]:
    """Findings for one parsed table (see the module docstring)."""
    caption = " ".join(table["caption"].split()) or "(ohne Überschrift)"
    header = [h["text"] for h in table["header"]]
    kinds = _column_kinds(table)
    counted = [j for j, k in enumerate(kinds) if k in ("count", "total")]
    findings: list[Finding] = []
    # Body rows grouped into sections (a group header row opens a new section).
    sections: list[list[int]] = [[]]
    rows = []
    for r in table["rows"]:
        if "sa-group" in r["class"]:
            sections.append([])
            continue
        if len(r["cells"]) != len(header):
            continue
        sections[-1].append(len(rows))
        rows.append(r)

    def label(i):
        return rows[i]["cells"][0]["text"] if rows[i]["cells"] else str(i + 1)

    values: dict[tuple[int, int], float] = {}
    unknown: set[tuple[int, int]] = set()
    for i, r in enumerate(rows):
        for j in counted:
            text = r["cells"][j]["text"]
            if text == SUPPRESSED:
                unknown.add((i, j))
                continue
            v = parse_number(text)
            if v is None:
                continue
            values[(i, j)] = v
            if 0 < v < threshold:
                findings.append(Finding(page, caption, label(i), header[j],
                                        f"count {_fmt(v)} below the threshold {threshold}"))
    # Constraints: (total cell, part cells).
    cons: list[tuple[tuple[int, int], list[tuple[int, int]]]] = []
    totals_cols = [j for j in counted if kinds[j] == "total"]
    parts_cols = [j for j in counted if kinds[j] == "count"]
    for i in range(len(rows)):
        for jt in totals_cols:
            cons.append(((i, jt), [(i, j) for j in parts_cols]))
    for sec in sections:
        tot_rows = [i for i in sec if _is_total_row(rows[i])]
        part_rows = [i for i in sec if i not in tot_rows]
        for it in tot_rows[:1]:
            for j in counted:
                cons.append(((it, j), [(i, j) for i in part_rows]))
    cons = [(t, p) for t, p in cons if p and all(c in values or c in unknown for c in (t, *p))]
    changed = True
    while changed and unknown:
        changed = False
        for t, parts in cons:
            hidden = [c for c in (t, *parts) if c in unknown]
            if len(hidden) != 1:
                continue
            c = hidden[0]
            if c == t:
                v = sum(values[p] for p in parts)
            else:
                v = values[t] - sum(values[p] for p in parts if p != c)
            values[c] = v
            unknown.discard(c)
            changed = True
            findings.append(Finding(page, caption, label(c[0]), header[c[1]],
                                    f"suppressed cell can be recomputed from the table's totals (= {_fmt(v)})"))
    return findings


def audit_html(text: str, page: str, threshold: int = 3) -> list[Finding]:
    """Findings for every ``sa-table`` of an HTML page."""
    parser = _Tables()
    parser.feed(text)
    parser.close()
    out: list[Finding] = []
    for t in parser.tables:
        out.extend(audit_table(t, page, threshold))
    return out


# --------------------------------------------------------------------------- downloads
def _download_value(text) -> float | None:
    if text is None:
        return None
    t = str(text).strip()
    if t in ("", SUPPRESSED, "nan", "None"):
        return None
    try:
        return float(t)
    except ValueError:
        return parse_number(t)


def audit_download(path: Path, page: str, threshold: int = 3) -> list[Finding]:
    """Findings for a CSV or Excel download: small counts in its count columns."""
    import pandas as pd  # pandas: only for CSV and Excel downloads; the HTML audit runs without it

    try:
        if path.suffix.lower() == ".csv":
            sheets = {"": pd.read_csv(path, sep=None, engine="python", dtype=str, keep_default_na=False)}
        else:
            sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False)
    except Exception as exc:  # noqa: BLE001 - an unreadable download is a finding, not a crash
        return [Finding(page, "", "", "", f"cannot be read ({type(exc).__name__}: {exc})")]
    out = []
    for sheet, df in sheets.items():
        caption = sheet or path.name
        cols = [c for c in df.columns if str(c).strip().casefold() in DOWNLOAD_COUNT_COLUMNS]
        kind = next((c for c in df.columns if str(c).strip().casefold() == "kind"), None)
        for n, (_, row) in enumerate(df.iterrows(), start=2):  # row 1 is the header
            if kind is not None and str(row[kind]).strip().casefold() != "count":
                continue
            for c in cols:
                v = _download_value(row[c])
                if v is not None and 0 < v < threshold:
                    out.append(Finding(page, caption, f"Zeile {n}", str(c),
                                       f"count {_fmt(v)} below the threshold {threshold}"))
    return out


def audit_site(site: str | Path, threshold: int = 3) -> list[Finding]:
    """Findings for every HTML page and every CSV/Excel download under ``site``."""
    site = Path(site).resolve()  # the published _build/html is a symlink
    if not site.is_dir():
        raise FileNotFoundError(f"{site}: no such site folder")
    out: list[Finding] = []
    for path in sorted(site.rglob("*")):
        if not path.is_file() or "_sources" in path.relative_to(site).parts:
            continue
        rel = path.relative_to(site).as_posix()
        suffix = path.suffix.lower()
        if suffix == ".html":
            out.extend(audit_html(path.read_text(encoding="utf-8", errors="replace"), rel, threshold))
        elif suffix in (".csv", ".xlsx", ".xls"):
            out.extend(audit_download(path, rel, threshold))
    return out
