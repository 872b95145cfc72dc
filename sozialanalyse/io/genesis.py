"""Reader for GENESIS CSV exports (Regionalstatistik, Destatis GENESIS-Online).

A GENESIS "flat" CSV export (as downloaded from regionalstatistik.de) looks like this::

    Tabelle: 13211-02-05-4                         <- or "GENESIS-Tabelle: <code>"
    Arbeitslose nach ausgewählten ...;;;;          <- title lines
    regionale Tiefe:;;;;
    Kreise und krfr. Städte;;;;
    ;;;Arbeitslose;Arbeitslose;Arbeitslosenquote   <- header: variable
    ;;;;ausländisch;                               <- header: category (optional row)
    ;;;Anzahl;Anzahl;Prozent                       <- header: unit
    2023;DG;Deutschland;2608672;967226;6,2         <- data: Jahr;Code;Name;values...
    2023;01;  Schleswig-Holstein;87757;27690;6,0   <- names indented by hierarchy level
    2023;03152;      Göttingen, Landkreis;-;-;-    <- special values
    __________                                     <- footer starts
    "zu ""gesamte Tabelle"": ..."                  <- notes (quoted, multi-line)
    "© Statistische Ämter ..."                     <- licence
    Stand: 09.07.2026 / 11:01:42

Some exports end every line with a separator (``;;;Anzahl;Prozent;``); such trailing empty
cells are ignored in header and data rows alike.

:func:`read_genesis` turns it into a tidy long table with string area keys and the metadata in
``DataFrame.attrs``.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..model.errors import DataError

__all__ = ["GENESIS_COLUMNS", "SPECIAL_VALUES", "genesis_area_level", "parse_value", "read_genesis"]

#: Output columns of :func:`read_genesis`, in order.
GENESIS_COLUMNS = (
    "area_id",
    "area_name",
    "area_level",
    "area_depth",
    "parent_id",
    "year",
    "variable",
    "category",
    "unit",
    "value",
    "missing_reason",
)

#: GENESIS special values ("Zeichenerklärung") and the reason recorded for the missing value.
SPECIAL_VALUES = {
    "-": "nichts vorhanden / keine Daten",
    ".": "unbekannt oder geheim",
    "x": "nicht sinnvoll",
    "...": "noch nicht verfügbar",
    "/": "zu unsicher",
}

_LEVEL_BY_LENGTH = {
    2: "land",
    3: "regierungsbezirk",
    5: "kreis",
    8: "gemeinde",
    9: "gemeindeverband",
    12: "gemeinde",
}
_TITLE_RE = re.compile(r"^\s*(?:GENESIS-)?Tabelle:\s*(\S+)")
_STAND_RE = re.compile(r"Stand:\s*(\d{2}\.\d{2}\.\d{4})(?:\s*/\s*(\d{2}:\d{2}(?::\d{2})?))?")
_NUMBER_RE = re.compile(r"^[+-]?(\d+|\d{1,3}(\.\d{3})+)(,\d+)?$")
_DATE_RE = re.compile(r"^\d{2}\.\d{2}\.(\d{4})$")


def genesis_area_level(code: str) -> str:
    """Return the regional level of a GENESIS area code.

    Parameters
    ----------
    code : str
        Area code as written in the ``Code`` column (``"DG"`` or digits, leading zeros kept).

    Returns
    -------
    str
        ``"bund"`` for ``DG``; by number of digits: 2 ``"land"``, 3 ``"regierungsbezirk"``,
        5 ``"kreis"``, 8 ``"gemeinde"`` (AGS), 9 ``"gemeindeverband"``, 12 ``"gemeinde"`` (ARS).

    Raises
    ------
    ValueError
        For any other code.

    Examples
    --------
    >>> [genesis_area_level(c) for c in ["DG", "03", "031", "03353", "03241001"]]
    ['bund', 'land', 'regierungsbezirk', 'kreis', 'gemeinde']
    """
    if code == "DG":
        return "bund"
    if code.isdigit() and len(code) in _LEVEL_BY_LENGTH:
        return _LEVEL_BY_LENGTH[len(code)]
    raise ValueError(f"unknown GENESIS area code {code!r}")


def _decode(raw: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding is not None:
        return raw.decode(encoding), encoding
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _split(line: str) -> list[str]:
    return next(csv.reader([line], delimiter=";"))


def _trim(cells: list[str]) -> list[str]:
    """Cells without the empty ones at the end (a line ending in ``;`` has one more cell)."""
    end = len(cells)
    while end > 0 and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def parse_value(text: str) -> tuple[float, str | None] | None:
    """Number or special value; ``None`` if the cell is neither."""
    cell = text.strip()
    if cell in SPECIAL_VALUES:
        return np.nan, SPECIAL_VALUES[cell]
    if cell == "":
        return np.nan, "leer"
    if _NUMBER_RE.match(cell):
        return float(cell.replace(".", "").replace(",", ".")), None
    return None


def _parse_footer(lines: list[str]) -> dict:
    records = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=";"))
    notes: list[str] = []
    licence = None
    stand = None
    for record in records:
        text = "\n".join(cell for cell in record if cell.strip()).strip()
        if not text:
            continue
        match = _STAND_RE.search(text)
        if match and text.startswith("Stand"):
            stamp = match.group(1) + " " + (match.group(2) or "00:00:00")
            fmt = "%d.%m.%Y %H:%M:%S" if stamp.count(":") == 2 else "%d.%m.%Y %H:%M"
            stand = datetime.strptime(stamp, fmt)
        elif text.startswith("©") or "Datenlizenz" in text:
            licence = text
        else:
            notes.append(text)
    return {"notes": notes, "licence": licence, "stand": stand}


def read_genesis(path: str | Path, encoding: str | None = None) -> pd.DataFrame:
    """Read a GENESIS / Regionalstatistik CSV export into a tidy long table.

    Parameters
    ----------
    path : str or path-like
        The ``.csv`` export (``;``-separated, decimal comma).
    encoding : str, optional
        Text encoding. By default a UTF-8 BOM means UTF-8, a file that decodes as UTF-8 is UTF-8,
        anything else is latin-1 (the encoding of the classic exports).

    Returns
    -------
    pandas.DataFrame
        One row per area, year and value column, with columns

        - ``area_id`` (str): ``"DG"`` or the code with leading zeros as written,
        - ``area_name`` (str): name with the indentation stripped,
        - ``area_level`` (str): ``bund``, ``land``, ``regierungsbezirk``, ``kreis``,
          ``gemeinde`` (see :func:`genesis_area_level`),
        - ``area_depth`` (int): indentation depth of the name (leading spaces // 2; Germany 0,
          Länder 1, Regierungsbezirke 2, Kreise 3 in the Kreis tables),
        - ``parent_id`` (str or NaN): the nearest preceding area with a smaller depth; for an
          8-digit Gemeinde whose 5-digit Kreis is in the table (Hannover, Landeshauptstadt in
          Region Hannover 03241) that Kreis, although GENESIS indents both alike,
        - ``year`` (int): the ``Jahr`` column (for a reference date ``dd.mm.yyyy`` its year),
        - ``variable``, ``category``, ``unit`` (str): the header rows; ``category`` is ``""``
          for tables with only two header rows and for columns without a category,
        - ``value`` (float): NaN for special values,
        - ``missing_reason`` (str, NaN where a value is present): for the special values
          ``-`` "nichts vorhanden / keine Daten", ``.`` "unbekannt oder geheim", ``x`` "nicht
          sinnvoll", ``...`` "noch nicht verfügbar", ``/`` "zu unsicher"; an empty cell gives
          "leer".

        ``attrs`` holds ``table_code``, ``title`` (title lines joined), ``title_lines``,
        ``header_rows`` (2 or 3), ``notes`` (list of footer notes), ``licence``, ``stand``
        (:class:`datetime.datetime` of ``Stand: dd.mm.yyyy / hh:mm:ss`` or None), ``encoding``
        and ``source`` (the path).

    Raises
    ------
    DataError
        A :class:`ValueError` naming the file, the line and the problem: no ``Tabelle:`` line,
        no header rows, a data row with the wrong number of cells (empty cells at the end of a
        header or data row do not count), an unknown area code, a year or value that cannot be
        read.

    Examples
    --------
    >>> import tempfile, os
    >>> text = (
    ...     "Tabelle: 12345-01-01-4\\nBeispiel;;\\n"
    ...     ";;;Einwohner;Quote\\n;;;Anzahl;Prozent\\n"
    ...     "2023;DG;Deutschland;100;5,5\\n2023;03;  Niedersachsen;.;-\\n"
    ...     "__________\\nStand: 01.02.2024 / 10:00:00\\n"
    ... )
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "t.csv")
    ...     with open(path, "w", encoding="latin-1") as fh:
    ...         _ = fh.write(text)
    ...     table = read_genesis(path)
    >>> table[["area_id", "area_level", "variable", "value", "missing_reason"]]
      area_id area_level   variable  value                  missing_reason
    0      DG       bund  Einwohner  100.0                             NaN
    1      DG       bund      Quote    5.5                             NaN
    2      03       land  Einwohner    NaN           unbekannt oder geheim
    3      03       land      Quote    NaN  nichts vorhanden / keine Daten
    >>> table.attrs["table_code"], table.attrs["stand"].date().isoformat()
    ('12345-01-01-4', '2024-02-01')
    """
    path = Path(path)
    raw = path.read_bytes()
    text, used_encoding = _decode(raw, encoding)
    lines = text.splitlines()

    def fail(lineno: int, problem: str) -> DataError:
        return DataError(f"{path}: line {lineno}: {problem}")

    # Title block.
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise fail(1, "file is empty")
    match = _TITLE_RE.match(lines[first])
    if not match:
        raise fail(first + 1, "expected 'Tabelle: <code>' or 'GENESIS-Tabelle: <code>', "
                              f"found {lines[first][:60]!r}")
    table_code = match.group(1).rstrip(";")
    i = first + 1
    title_lines: list[str] = []
    while i < len(lines):
        cells = _split(lines[i]) if lines[i].strip() else []
        if len(cells) >= 3 and not any(c.strip() for c in cells[:3]):
            break
        if len(cells) >= 3 and [c.strip().lower() for c in cells[:3]] == ["jahr", "code", "name"]:
            break
        if lines[i].startswith("_____"):
            raise fail(i + 1, "footer reached before any header row (first three cells empty)")
        if cells:
            title_lines.append(" ".join(c.strip() for c in cells if c.strip()))
        i += 1
    else:
        raise fail(i, "no header row found (a row whose first three cells are empty)")

    # Header rows.
    header: list[list[str]] = []
    header_start = i
    while i < len(lines):
        cells = _split(lines[i])
        lead = [c.strip().lower() for c in cells[:3]]
        if len(cells) >= 3 and (not any(lead) or lead == ["jahr", "code", "name"]):
            header.append([c.strip() for c in cells])
            i += 1
        else:
            break
    header = [_trim(row) for row in header if any(c for c in row[3:])]
    if len(header) < 2:
        raise fail(header_start + 1, f"expected two or three header rows (variable, [category,] "
                                     f"unit), found {len(header)}")
    width = max(len(row) for row in header)
    header = [row + [""] * (width - len(row)) for row in header]
    n_values = width - 3
    variables = header[0][3:]
    units = header[-1][3:]
    if len(header) == 2:
        categories = [""] * n_values
    else:
        categories = [
            " | ".join(row[3 + k] for row in header[1:-1] if row[3 + k]) for k in range(n_values)
        ]
    # Variable cells may be left empty after the first column of a group: carry forward.
    for k in range(n_values):
        if not variables[k] and k > 0:
            variables[k] = variables[k - 1]

    # Data rows until the footer line of underscores.
    ids: list[str] = []
    names: list[str] = []
    levels: list[str] = []
    depths: list[int] = []
    parents: list[str | None] = []
    years: list[int] = []
    value_rows: list[list[float]] = []
    reason_rows: list[list[str | None]] = []
    stack: list[tuple[int, str]] = []
    known_ids: set[str] = set()
    footer_start = None
    while i < len(lines):
        line = lines[i]
        lineno = i + 1
        i += 1
        if not line.strip() or not line.strip(";").strip():
            continue
        if line.startswith("___"):
            footer_start = i
            break
        cells = _split(line)
        if len(cells) > width and not any(c.strip() for c in cells[width:]):
            cells = cells[:width]  # trailing separators, as in the header rows
        if len(cells) != width:
            raise fail(lineno, f"data row has {len(cells)} cells, the header has {width}")
        year_text, code, name = cells[0].strip(), cells[1].strip(), cells[2]
        if year_text.isdigit() and len(year_text) == 4:
            year = int(year_text)
        elif _DATE_RE.match(year_text):
            year = int(_DATE_RE.match(year_text).group(1))
        else:
            raise fail(lineno, f"cannot read year {year_text!r} in column 'Jahr'")
        try:
            level = genesis_area_level(code)
        except ValueError:
            raise fail(lineno, f"unknown area code {code!r} in column 'Code'") from None
        depth = (len(name) - len(name.lstrip(" "))) // 2
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parent = stack[-1][1] if stack else None
        if level == "gemeinde" and code[:5] in known_ids:
            parent = code[:5]
        known_ids.add(code)
        stack.append((depth, code))
        row_values: list[float] = []
        row_reasons: list[str | None] = []
        for k, cell in enumerate(cells[3:]):
            parsed = parse_value(cell)
            if parsed is None:
                raise fail(lineno, f"cannot read value {cell!r} in column {k + 4} "
                                   f"({variables[k]} {categories[k]} {units[k]})".rstrip())
            row_values.append(parsed[0])
            row_reasons.append(parsed[1])
        ids.append(code)
        names.append(name.strip())
        levels.append(level)
        depths.append(depth)
        parents.append(parent)
        years.append(year)
        value_rows.append(row_values)
        reason_rows.append(row_reasons)
    if not ids:
        raise fail(i, "no data rows found")
    values = np.array(value_rows, dtype=float)
    reasons = np.array(reason_rows, dtype=object)

    footer = _parse_footer(lines[footer_start:]) if footer_start is not None else {
        "notes": [], "licence": None, "stand": None}

    n_rows = len(ids)
    out = pd.DataFrame({
        "area_id": np.repeat(np.array(ids, dtype=object), n_values),
        "area_name": np.repeat(np.array(names, dtype=object), n_values),
        "area_level": np.repeat(np.array(levels, dtype=object), n_values),
        "area_depth": np.repeat(np.array(depths, dtype=np.int64), n_values),
        "parent_id": np.repeat(np.array(parents, dtype=object), n_values),
        "year": np.repeat(np.array(years, dtype=np.int64), n_values),
        "variable": np.tile(np.array(variables, dtype=object), n_rows),
        "category": np.tile(np.array(categories, dtype=object), n_rows),
        "unit": np.tile(np.array(units, dtype=object), n_rows),
        "value": values.reshape(-1),
        "missing_reason": reasons.reshape(-1),
    })
    out.attrs.update({
        "table_code": table_code,
        "title": " ".join(title_lines),
        "title_lines": title_lines,
        "header_rows": len(header),
        "notes": footer["notes"],
        "licence": footer["licence"],
        "stand": footer["stand"],
        "encoding": used_encoding,
        "source": str(path),
    })
    return out
