"""Every published table as data: the numbers behind a table's German text, as CSV and Excel.

:func:`sozialanalyse.render.tables.table` renders every table of the report. Besides the HTML it
gives the same table as data (:func:`data`: a :class:`pandas.DataFrame` of numbers with German
column labels and units, the planner's frame in JupyterLab) and, in the notebook output, a JSON
copy of it (MIME type :data:`MIME`), from which the build writes the downloads linked under the
table (:func:`write_csv`, :func:`write_xlsx`, each with the sidecar ``<file>.kinds.json`` the
disclosure audit reads). The numbers are read back from the text the page shows, so a download
holds exactly the page's figures at the page's precision, never more: a suppressed cell (``.``)
stays ``.``, a missing one (``–``, ``fehlt``) is empty, never a zero.

How a cell is read (columns of kind ``text`` are kept as written):

* ``1.234``, ``12,5 %``, ``+3,3 %``, ``−0,4``, ``3,1 km``, ``9,3 % ¹`` → the number; the unit
  moves into the column label (``SGB-II-Quote (%)``) unless the label names it already;
  footnote marks (``¹``) go to a column ``<label>: Fußnote``;
* ``9,3 % (3,7 – 21,6)`` → the value and two columns ``<label>: untere Grenze`` and
  ``<label>: obere Grenze`` (kind ``interval``); an interval column ``12,7 – 14,1 %`` → the two
  bounds;
* ``1.735 → 1.929`` → two columns (``Einwohner ab 80, 2024`` and ``Einwohner ab 80, 2040`` for a
  label ``Einwohner ab 80, 2024 → 2040``);
* a column whose units differ from row to row (a key-figure table: Einwohner, then rates, euros
  and an index: ``261.890``, ``209,8 Einw./km²``, ``64,4 %``, ``2.212 €``, ``0,439``) gets a
  column ``<label>: Einheit``; declared per-row kinds stay per row (``kinds[label]`` a list);
* a column with any cell that is none of these is kept as text, in ``frame`` too (nothing is
  guessed), with its declared kinds.

The files (see the README, *Downloads*):

* **CSV**: UTF-8 with byte order mark, ``;`` between fields, decimal comma, no thousands
  separator, ``.`` for a suppressed cell, empty for a missing one: German Excel opens it with a
  double click, R reads it with ``read.csv2(path, fileEncoding = "UTF-8-BOM", na.strings = ".")``
  and pandas with ``pd.read_csv(path, sep=";", decimal=",", na_values=".")`` (:func:`read_csv`);
* **Excel** (``.xlsx``): one sheet ``Tabelle``: the caption in row 1, the table from row 3 as an
  Excel table (named ``Daten``, with filter buttons) whose header row is bold, numbers as numbers
  with a number format showing the page's decimals (Excel shows ``#,##0.0`` as ``1.234,5`` in a
  German locale), a suppressed cell as the text ``.``; under the table the footnotes and the
  source. Its metadata carry fixed dates, so the same table gives the same bytes.

Examples
--------
>>> df = pd.DataFrame({"Gebiet": ["Nord", "Süd"], "Einwohner": ["1.234", "."],
...                    "Quote": ["12,5 % (11,0 – 14,1)", "–"]})
>>> out = data(df, {"Gebiet": "text", "Einwohner": "count", "Quote": "rate"})
>>> list(out.frame.columns)
['Gebiet', 'Einwohner', 'Quote (%)', 'Quote (%): untere Grenze', 'Quote (%): obere Grenze']
>>> out.rows[0], str(out.frame["Einwohner"].dtype)
(['Nord', 1234.0, 12.5, 11.0, 14.1], 'float64')
>>> out.kinds["Quote (%): untere Grenze"]
'interval'
>>> out.rows[1]
['Süd', '.', None, None, None]
>>> mixed = data(pd.DataFrame({"Merkmal": ["Einwohner", "Dichte", "GISD"],
...                            "Wert": ["261.890", "209,8\xa0Einw./km²", "0,439"]}),
...              {"Wert": ["count", "index", "index"]})
>>> mixed.frame["Wert"].tolist(), [r[2] for r in mixed.rows], mixed.kinds["Wert"]
([261890.0, 209.8, 0.439], [None, 'Einw./km²', None], ['count', 'index', 'index'])
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["MIME", "SUPPRESSED", "TableData", "csv_bytes", "data", "file_stem", "payload", "read_csv",
           "write_files", "write_xlsx", "xlsx_bytes"]

#: MIME type of the table data a table's notebook output carries (read by the build).
MIME = "application/vnd.sozialanalyse.table+json"
#: A suppressed cell, in the page and in every download.
SUPPRESSED = "."
#: Cells that mean "no value" (missing, not computable, absent rows): empty in a download.
_EMPTY = {"", "–", "—", "-", "fehlt", "x", "/", "..."}
_MARKS = "¹²³⁴⁵⁶⁷⁸⁹⁰*"
_N = r"[+\-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?"
#: A unit after a number: ``%``, ``‰``, a currency or degree sign (``€``, ``°C``) or a word
#: (``Einw./km²``, ``Prozentpunkte``).
_UNIT = r"(?:(?:%|‰|[€$£°][\w./²³]*|[^\W\d_][\w./²³]*)(?:\s+je\s+[^\W\d_][\w./²³]*)?)"  # also "€ je Einw."
_VALUE = re.compile(rf"^(?P<v>{_N})\s*(?P<u>{_UNIT})?\s*(?P<m>[{_MARKS}]+)?"
                    rf"(?:\s*\(\s*(?P<lo>{_N})\s*{_UNIT}?\s*[–-]\s*(?P<hi>{_N})\s*(?P<iu>{_UNIT})?\s*\))?$")
_INTERVAL = re.compile(rf"^\(?\s*(?P<lo>{_N})\s*{_UNIT}?\s*[–-]\s*(?P<hi>{_N})\s*(?P<u>{_UNIT})?\s*\)?$")
_ARROW = re.compile(rf"^(?P<a>{_N})\s*→\s*(?P<b>{_N})$")
#: The fixed date written into the Excel file's metadata (deterministic bytes).
FIXED_DATE = _dt.datetime(2000, 1, 1)


def _number(text: str) -> tuple[float, int]:
    """A German number token as a float and its number of decimals."""
    decimals = len(text.split(",", 1)[1]) if "," in text else 0
    return float(text.replace(".", "").replace(",", ".")), decimals


def _clean(value) -> str:
    text = str("" if value is None else value).replace("\u2212", "-")
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


@dataclass
class TableData:
    """A published table as data: ``frame`` (numbers; NaN where the page shows ``.`` or no
    value), ``kinds`` per column (:data:`sozialanalyse.render.tables.KINDS`), ``rows`` as they go
    into the files (numbers, ``"."`` for a suppressed cell, ``None`` for a missing one, text),
    ``decimals`` per numeric cell (``None`` elsewhere) and whether a column shows a plus sign."""

    frame: pd.DataFrame
    kinds: dict[str, str]
    rows: list[list]
    decimals: dict[str, list]
    signed: list[str] = field(default_factory=list)


def _split_header(header: str) -> tuple[str, str]:
    """``Einwohner ab 80, 2024 → 2040`` → (``Einwohner ab 80, 2024``, ``Einwohner ab 80, 2040``)."""
    m = re.match(r"^(?P<p>.*?)(?P<a>[^\s,]+)\s*→\s*(?P<b>\S+)$", header)
    if m:
        return f"{m['p']}{m['a']}", f"{m['p']}{m['b']}"
    return f"{header} (Anfang)", f"{header} (Ende)"


def _with_unit(header: str, unit: str | None) -> str:
    if not unit or unit in header or (unit == "%" and "Prozent" in header):
        return header
    return f"{header} ({unit})"


def _read_column(texts: list[str], kinds: list[str]) -> dict | None:
    """The parsed cells of one numeric column, or None if any cell is not a number as the page
    writes them (then the column stays text)."""
    cells = []
    for t, k in zip(texts, kinds):
        if k == "text" or t in _EMPTY or t == SUPPRESSED:
            cells.append({"raw": t, "kind": k})
            continue
        m = _ARROW.match(t)
        if m:
            (a, da), (b, db) = _number(m["a"]), _number(m["b"])
            cells.append({"arrow": (a, b), "dec": (da, db), "kind": k})
            continue
        m = _INTERVAL.match(t) if k == "interval" else None
        if m and not _VALUE.match(t):
            (lo, dl), (hi, dh) = _number(m["lo"]), _number(m["hi"])
            cells.append({"bounds": (lo, hi), "bdec": (dl, dh), "unit": m["u"], "kind": k})
            continue
        m = _VALUE.match(t)
        if not m:
            return None
        v, d = _number(m["v"])
        cell = {"v": v, "dec": d, "unit": m["u"] or m["iu"], "marks": m["m"] or "", "kind": k,
                "plus": m["v"].startswith("+")}
        if m["lo"]:
            (lo, dl), (hi, dh) = _number(m["lo"]), _number(m["hi"])
            cell.update(bounds=(lo, hi), bdec=(dl, dh))
        cells.append(cell)
    shapes = {("arrow" in c, "v" in c) for c in cells if "raw" not in c}
    if len(shapes) > 1:  # arrows beside single values: nothing is guessed
        return None
    return {"cells": cells}


def data(df: pd.DataFrame, kinds: dict[str, str | list[str]] | None = None, group: str | None = None) -> TableData:
    """The table ``df`` (cells as the page shows them, German text) as data: see the module
    docstring. ``kinds`` as for :func:`sozialanalyse.render.tables.table` (the first column is
    ``text`` unless declared); ``group`` names a column shown as group header rows on the page
    (in the data it is the first column, kind ``text``).
    """
    if group:
        df = df[[group] + [c for c in df.columns if c != group]]
    declared = {df.columns[0]: "text"} if len(df.columns) else {}
    if group:
        declared[group] = "text"
    declared.update({c: k for c, k in (kinds or {}).items() if c in df.columns})
    columns: list[tuple[str, str | list[str], list]] = []  # (label, kind or per-row kinds, cells)
    as_written: set[int] = set()  # columns kept as the page writes them (text, never coerced)
    decimals: dict[str, list] = {}
    signed: list[str] = []
    n = len(df)
    for c in df.columns:
        texts = [_clean(v) for v in df[c].tolist()]
        k = declared.get(c)
        row_kinds = list(k) if k is not None and not isinstance(k, str) else [k or "text"] * n
        label = str(c)
        parsed = None if all(x == "text" for x in row_kinds) else _read_column(texts, row_kinds)
        # declared per-row kinds stay per row (a key-figure column: a count, then shares and an
        # index); never the first row's kind for every row
        if isinstance(k, str) or k is None:
            kind = k or "text"
        else:
            kind = row_kinds if len(set(row_kinds)) > 1 else row_kinds[0] if row_kinds else "text"
        if parsed is None:  # text, or not numbers as the page writes them: as written
            as_written.add(len(columns))
            columns.append((label, kind, [t if t not in _EMPTY else None for t in texts]))
            continue
        cells = parsed["cells"]
        nums = [x for x in cells if "raw" not in x]
        if not nums:  # only suppressed or missing cells
            columns.append((label, kind, [_raw(x) for x in cells]))
            continue
        kind_set = {x["kind"] for x in nums}
        value_kind = kind_set.pop() if len(kind_set) == 1 else None
        if value_kind == "interval" and any("v" in x for x in nums):
            value_kind = "rate"  # a rate with its interval in a column declared "interval"
        if any("arrow" in x for x in nums):
            a_label, b_label = _split_header(label)
            for side, lab in ((0, a_label), (1, b_label)):
                columns.append((lab, value_kind or "count", [x["arrow"][side] if "arrow" in x else _raw(x)
                                                             for x in cells]))
                decimals[lab] = [x["dec"][side] if "arrow" in x else None for x in cells]
            continue
        units = {x.get("unit") for x in nums}
        mixed_units = len(units) > 1
        unit = None if mixed_units else next(iter(units), None)
        if any("v" in x for x in nums):
            vlabel = _with_unit(label, unit)
            kinds_col = value_kind or [x["kind"] if x["kind"] != "interval" else "rate" for x in cells]
            columns.append((vlabel, kinds_col, [x["v"] if "v" in x else _raw(x) for x in cells]))
            decimals[vlabel] = [x["dec"] if "v" in x else None for x in cells]
            if any(x.get("plus") for x in nums):
                signed.append(vlabel)
        else:
            vlabel = _with_unit(label, unit)
        if any("bounds" in x for x in nums):
            base = vlabel if any("v" in x for x in nums) else label
            for side, word in ((0, "untere"), (1, "obere")):
                lab = f"{base}: {word} Grenze" if any("v" in x for x in nums) else _with_unit(f"{label}: {word} Grenze", unit)
                columns.append((lab, "interval", [x["bounds"][side] if "bounds" in x else _raw(x) for x in cells]))
                decimals[lab] = [x["bdec"][side] if "bounds" in x else None for x in cells]
        if mixed_units:
            columns.append((f"{label}: Einheit", "text", [x.get("unit") if "raw" not in x else None for x in cells]))
        if any(x.get("marks") for x in nums):
            columns.append((f"{label}: Fußnote", "text", [x.get("marks") or None for x in cells]))
    labels = _unique([lab for lab, _, _ in columns])
    out_kinds: dict[str, str] = {}
    per_row: dict[str, list] = {}
    for lab, (_, kind, _cells) in zip(labels, columns):
        if isinstance(kind, list):
            per_row[lab] = kind
            kind = "mixed"
        out_kinds[lab] = kind
    rows = [[columns[j][2][i] for j in range(len(columns))] for i in range(n)]
    frame = pd.DataFrame({lab: [v if not (isinstance(v, str) and v == SUPPRESSED and out_kinds[lab] != "text")
                                else None for v in col[2]]
                          for lab, col in zip(labels, columns)}, index=range(n))
    for j, (lab, kind) in enumerate(out_kinds.items()):
        if kind != "text" and j not in as_written:  # German text is never read by pandas' parser
            frame[lab] = pd.to_numeric(frame[lab], errors="coerce")
    out = TableData(frame=frame, kinds={lab: (per_row[lab] if lab in per_row else k) for lab, k in out_kinds.items()},
                    rows=rows, decimals={labels[[lab for lab, _, _ in columns].index(o)]: d
                                         for o, d in decimals.items()}, signed=signed)
    return out


def _raw(cell: dict):
    """A cell that is no number: ``.`` stays, anything else is missing."""
    return SUPPRESSED if cell.get("raw") == SUPPRESSED else None


def _unique(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
        out.append(lab if seen[lab] == 1 else f"{lab} ({seen[lab]})")
    return out


def _slug(text: str, limit: int = 60) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
    s = re.sub(r"[^A-Za-z0-9]+", "-", text.translate(table)).strip("-").lower()
    return (s[:limit].rstrip("-") or "tabelle")


def payload(d: TableData, caption: str | None, footnotes: list[str] | None) -> dict:
    """The JSON a table's notebook output carries (MIME type :data:`MIME`), from which the build
    writes the files; ``file`` is their name without extension (:func:`file_stem`)."""
    body = {"caption": caption or "", "footnotes": list(footnotes or []), "columns": list(d.frame.columns),
            "kinds": d.kinds, "rows": [[_json_value(v) for v in r] for r in d.rows],
            "decimals": d.decimals, "signed": d.signed}
    return {"file": file_stem(body), **body}


def _json_value(v):
    if isinstance(v, float) and v.is_integer() and abs(v) < 2 ** 53:
        return int(v)
    return v


def file_stem(body: dict) -> str:
    """A table's file name without extension: the caption as a slug and the first 8 hex digits
    of the sha256 of its data (``kennzahlen-2024-1a2b3c4d``), unique among the tables a page
    folder holds and the same for the same table in every build."""
    digest = hashlib.sha256(json.dumps({k: v for k, v in body.items() if k != "file"}, sort_keys=True,
                                       ensure_ascii=False).encode("utf-8")).hexdigest()[:8]
    return f"{_slug(body.get('caption') or 'tabelle')}-{digest}"


def _decimals_of(body: dict, col: str, i: int) -> int:
    d = body.get("decimals", {}).get(col)
    return (d[i] if d is not None and d[i] is not None else 0)


def _csv_text(v, decimals: int) -> str:
    if v is None:
        return ""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    return f"{float(v):.{decimals}f}".replace(".", ",") if decimals else str(int(round(v)))


def _kind_list(body: dict, col: str) -> str | list[str]:
    return body["kinds"][col]


def csv_bytes(body: dict) -> bytes:
    """The CSV of a table (UTF-8 with BOM, ``;``, decimal comma, ``\\r\\n``: see the module
    docstring)."""
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(body["columns"])
    for i, r in enumerate(body["rows"]):
        w.writerow([_csv_text(v, _decimals_of(body, c, i)) for c, v in zip(body["columns"], r)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _number_format(decimals: int, plus: bool) -> str:
    base = "#,##0" + ("." + "0" * decimals if decimals else "")
    return f"+{base};-{base};{base}" if plus else base


def xlsx_bytes(body: dict, source: str = "") -> bytes:
    """The formatted Excel workbook of a table (module docstring), the same bytes for the same
    table: the metadata dates are fixed and the zip entries carry a fixed time."""
    from openpyxl import Workbook  # openpyxl: only when the build writes downloads
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    wb = Workbook()
    ws = wb.active
    ws.title = "Tabelle"
    columns = body["columns"]
    ws.cell(row=1, column=1, value=body.get("caption") or "Tabelle").font = Font(bold=True, size=12)
    for j, c in enumerate(columns, start=1):
        cell = ws.cell(row=3, column=j, value=str(c))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, r in enumerate(body["rows"]):
        for j, (c, v) in enumerate(zip(columns, r), start=1):
            cell = ws.cell(row=4 + i, column=j, value=v)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                cell.number_format = _number_format(_decimals_of(body, c, i), c in body.get("signed", []))
            elif v == SUPPRESSED:
                cell.alignment = Alignment(horizontal="right")
    last = 3 + len(body["rows"])
    if body["rows"]:
        ref = f"A3:{get_column_letter(len(columns))}{last}"
        tab = Table(displayName="Daten", ref=ref)
        tab.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
        ws.add_table(tab)
    notes = list(body.get("footnotes") or [])
    if any(SUPPRESSED == v for r in body["rows"] for v in r):
        notes.append(". = Wert geheim gehalten (Schutz kleiner Fallzahlen, siehe Daten und Methoden); "
                     "leere Zelle = kein Wert.")
    if source:
        notes.append(source)
    row = last + 2
    for note in notes:
        ws.cell(row=row, column=1, value=note).alignment = Alignment(wrap_text=False)
        row += 1
    for j, c in enumerate(columns, start=1):
        width = max([len(str(c))] + [len(_csv_text(r[j - 1], 1)) for r in body["rows"]])
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, width + 2))
    wb.properties.created = FIXED_DATE
    wb.properties.modified = FIXED_DATE
    wb.properties.creator = "sozialanalyse"
    wb.properties.lastModifiedBy = None
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip(buf.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The zip archive ``data`` again, every entry with the same fixed time (openpyxl writes the
    current time into each entry and ``docProps/core.xml`` writes ``modified`` as now)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>2000-01-01T00:00:00Z\g<2>", content)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, content)
    return out.getvalue()


def write_xlsx(body: dict, path: Path, source: str = "") -> None:
    Path(path).write_bytes(xlsx_bytes(body, source))


def _sidecar(body: dict) -> dict:
    return {c: body["kinds"][c] for c in body["columns"]}


def write_files(body: dict, folder: Path, source: str = "") -> list[Path]:
    """Write ``<file>.csv`` and ``<file>.xlsx`` of a table payload into ``folder`` with their
    sidecars ``<file>.csv.kinds.json`` (``{column: kind}``) and ``<file>.xlsx.kinds.json``
    (``{"Tabelle": {column: kind}}``); returns the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = body["file"]
    csv_path, xlsx_path = folder / f"{stem}.csv", folder / f"{stem}.xlsx"
    csv_path.write_bytes(csv_bytes(body))
    xlsx_path.write_bytes(xlsx_bytes(body, source))
    kinds = _sidecar(body)
    dump = lambda obj: (json.dumps(obj, ensure_ascii=False, indent=1) + "\n").encode("utf-8")  # noqa: E731
    (folder / f"{stem}.csv.kinds.json").write_bytes(dump(kinds))
    (folder / f"{stem}.xlsx.kinds.json").write_bytes(dump({"Tabelle": kinds}))
    return [csv_path, xlsx_path]


def read_csv(path) -> pd.DataFrame:
    """A table's CSV download as pandas reads it: ``pd.read_csv(path, sep=";", decimal=",",
    na_values=".")`` (numbers as numbers, a suppressed ``.`` and an empty cell as NaN)."""
    return pd.read_csv(path, sep=";", decimal=",", na_values=".", encoding="utf-8-sig")
