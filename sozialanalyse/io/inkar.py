"""Reader for INKAR indicator exports (BBSR: Indikatoren und Karten zur Raumentwicklung).

An INKAR export is a workbook (``.xlsx``, older releases ``.xls``) whose sheet ``Daten`` has two
header rows::

    Kennziffer | Raumeinheit      | Aggregat         | Arbeitslose | Arbeitslose | ...
               |                  |                  | 1998        | 1999        | ...
    01001      | Flensburg, Stadt | kreisfreie Stadt | 5784        | 5155        | ...

Row 1 names the indicator of each value column, row 2 its year (text or number). Further sheets
(``Metadaten``, ``Quellangabe``) hold the definitions and the citation and are not read here.

Keys (``Kennziffer``)
---------------------
INKAR writes keys as text in recent exports and as numbers in places (a number loses its leading
zero: ``3353`` for ``03353``). :func:`read_inkar` restores the width from the ``Aggregat`` column:

- ``kreisfreie Stadt``, ``krsfr. Stadt``, ``Landkreis``, ``Kreis``: Kreis, 5 digits.
- ``Gemeindeverband``, ``verbandsfreie Gemeinde``, ``gemeindefreies Gebiet``: Gemeindeverband.
  The INKAR 2021 exports (data 1998-2019) use an **8-digit BBSR key**, *not* ``ARS[:9]``: the
  5-digit Kreis followed by three digits, which are the Gemeinde number for a verbandsfreie
  Gemeinde (``03353005`` Buchholz i.d.N. = AGS ``03353005``), ``9xx`` for a Gemeindeverband
  numbered by BBSR (``03353901`` Samtgemeinde Elbmarsch = ARS ``033535401``) and ``5xx`` for a
  gemeindefreies Gebiet. Other releases write the 9-digit ``ARS[:9]``. The scheme is decided
  per file from all Gemeindeverband keys together (:func:`gemeindeverband_key`), or named with
  ``gvb_key="bbsr8"``/``"ars9"``. A key stored as a number loses the leading zero of Länder
  01-09 only (``3353901``), Länder 10-16 have none to lose (``10041100`` Saarbrücken), so the
  length of a single key does not tell the scheme: an 8-digit key is a BBSR key of Land 10-16
  or an ``ARS[:9]`` of Land 01-09 without its zero.
- ``Land``/``Bundesland``: 2 digits. For any other ``Aggregat`` the level follows from the
  magnitude of the key: up to 2 digits Land, up to 5 Kreis, otherwise Gemeindeverband as above.

Values
------
Number cells are read as they are. Text cells are read as German numbers, with the point as
thousands separator and the comma as decimal mark (``"1.234"`` = 1234, ``"1.234,5"`` = 1234.5,
``"1,5"`` = 1.5); any other text (``"1.5"``, ``"viel"``) is an error, except the special values
of the official statistics (``-``, ``.``, ``x``, ``...``, ``/``, as in GENESIS). Empty cells,
special values and cells that hold no number at all -- dates and truth values, which Excel stores
as numbers (2020-01-01 = 43831, TRUE = 1) -- give a missing value with its reason in
``missing_reason``.
"""
from __future__ import annotations

import datetime as dt
import html
import numbers
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..model.errors import DataError
from .genesis import parse_value

__all__ = ["GVB_KEYS", "INKAR_COLUMNS", "INVALID_BOOL", "INVALID_DATE", "gemeindeverband_key",
           "read_inkar"]

#: Output columns of :func:`read_inkar`, in order.
INKAR_COLUMNS = ("area_id", "area_name", "aggregat", "area_level", "indicator", "year", "value",
                 "missing_reason")

#: ``missing_reason`` of a cell that holds a date or time (Excel stores it as a day number).
INVALID_DATE = "ungültig: Datum statt Zahl"
#: ``missing_reason`` of a cell that holds a truth value (TRUE/FALSE, stored as 1/0).
INVALID_BOOL = "ungültig: Wahrheitswert statt Zahl"
#: ``missing_reason`` of an empty cell and of the special values written as text.

_KREIS_AGGREGATE = {"kreisfreie stadt", "krsfr. stadt", "kreisfr. stadt", "landkreis", "kreis",
                    "kreise", "stadtkreis"}
_GVB_AGGREGATE = {"gemeindeverband", "gemeindeverbände", "verbandsfreie gemeinde",
                  "gemeindefreies gebiet", "gemeinde"}
_LAND_AGGREGATE = {"land", "bundesland", "länder"}

#: Gemeindeverband key schemes and their widths: the 8-digit BBSR key (Kreis + 3 digits) and the
#: 9-digit ``ARS[:9]`` (Kreis + 4-digit Gemeindeverband number).
GVB_KEYS = {"bbsr8": 8, "ars9": 9}


def _key_problem(key: str, width: int) -> str | None:
    """Why ``key`` (digits as read, leading zero possibly lost) is no key of ``width`` digits."""
    if not width - 1 <= len(key) <= width:  # at most one zero (Land 01-09) can be lost
        return f"{len(key)} digits"
    full = key.zfill(width)
    land = full[:2]
    if not "01" <= land <= "16":
        return f"Land {land}"
    if land == "01" and full[2] != "0":  # Schleswig-Holstein has no Regierungsbezirke
        return f"Land 01 with Regierungsbezirk {full[2]}"
    return None


def gemeindeverband_key(keys, where: str, *, kreis=None, gvb_key: str | None = None) -> str:
    """Decide the Gemeindeverband key scheme of a file: ``"bbsr8"`` or ``"ars9"``.

    Parameters
    ----------
    keys : iterable of str
        Gemeindeverband keys as read, digits only; a key stored as a number has lost its leading
        zero (Länder 01-09), a key written as text keeps it.
    where : str
        The file (and sheet), for error messages.
    kreis : iterable of str, optional
        The 5-digit Kreis key of each entry of ``keys``, where the file has one; it decides
        between the schemes when the keys themselves cannot.
    gvb_key : {"bbsr8", "ars9", None}
        The scheme, when known; ``None`` infers it. A given scheme is checked against the keys.

    Returns
    -------
    str
        ``"bbsr8"`` (8-digit BBSR key) or ``"ars9"`` (``ARS[:9]``); see :data:`GVB_KEYS`.

    Raises
    ------
    DataError
        A :class:`ValueError` naming ``where`` and example keys: ``gvb_key`` is unknown or does not fit the keys; the
        keys fit neither scheme (e.g. 7 and 9 digits in one file); or they fit both (8-digit
        keys that all start with ``10``: Saarland BBSR keys, or Schleswig-Holstein ``ARS[:9]``
        without the zero) and no Kreis column decides.

    Notes
    -----
    A scheme of width ``w`` fits when every key has at most ``w`` digits and, padded with zeros
    to ``w``, starts with a Land ``01``-``16`` (so a text key ``03353901`` excludes ``ars9`` and
    a 9-digit key excludes ``bbsr8``), Schleswig-Holstein keys with ``010``.

    Examples
    --------
    >>> gemeindeverband_key(["03353901", "10041100"], "x")  # zeros kept: 8 digits
    'bbsr8'
    >>> gemeindeverband_key(["3353901", "10041100"], "x")  # numbers, Länder 03 and 10
    'bbsr8'
    >>> gemeindeverband_key(["33535401", "100410100"], "x")
    'ars9'
    >>> gemeindeverband_key(["10041100", "11000000"], "x")  # Saarland and Berlin
    'bbsr8'
    >>> gemeindeverband_key(["10041100"], "x", kreis=["10041"])
    'bbsr8'
    """
    unique = sorted(set(keys))
    if gvb_key is not None:
        if gvb_key not in GVB_KEYS:
            raise DataError(f"{where}: gvb_key must be 'bbsr8', 'ars9' or None, "
                             f"not {gvb_key!r}")
        bad = [(k, p) for k in unique if (p := _key_problem(k, GVB_KEYS[gvb_key]))]
        if bad:
            examples = ", ".join(f"{k!r} ({p})" for k, p in bad[:3])
            raise DataError(f"{where}: gvb_key={gvb_key!r}, but {len(bad)} Gemeindeverband "
                             f"key(s) are no {GVB_KEYS[gvb_key]}-digit keys: {examples}")
        return gvb_key
    if not unique:
        return "bbsr8"
    problems = {name: [(k, p) for k in unique if (p := _key_problem(k, width))]
                for name, width in GVB_KEYS.items()}
    fitting = [name for name, bad in problems.items() if not bad]
    if len(fitting) == 1:
        return fitting[0]
    if not fitting:
        detail = "; ".join(
            f"not {GVB_KEYS[name]}-digit keys ({name}): "
            + ", ".join(f"{k!r} ({p})" for k, p in bad[:3])
            for name, bad in problems.items())
        raise DataError(f"{where}: the Gemeindeverband keys fit neither the 8-digit BBSR key "
                         f"nor the 9-digit ARS[:9]: {detail}")
    if kreis is not None:
        pairs = set(zip(keys, kreis))
        by_kreis = [name for name, width in GVB_KEYS.items()
                    if all(k.zfill(width)[:5] == kr for k, kr in pairs)]
        if len(by_kreis) == 1:
            return by_kreis[0]
    examples = ", ".join(repr(k) for k in unique[:3])
    raise DataError(f"{where}: cannot tell the Gemeindeverband key scheme: all {len(unique)} "
                     f"keys (e.g. {examples}) have 8 digits and start with '10', as 8-digit BBSR "
                     f"keys of the Saarland or as ARS[:9] of Schleswig-Holstein stored as numbers "
                     f"(leading zero lost); pass gvb_key='bbsr8' or gvb_key='ars9'")


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_CELL_RE = re.compile(r'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.DOTALL)
_V_RE = re.compile(r"<v>(.*?)</v>", re.DOTALL)
_T_RE = re.compile(r"<t(?: [^>]*)?>(.*?)</t>", re.DOTALL)
_TYPE_RE = re.compile(r'\bt="(\w+)"')
_STYLE_RE = re.compile(r'\bs="(\d+)"')
# Built-in number formats that show dates or times (ECMA-376 18.8.30, with the East Asian ones).
_BUILTIN_DATE_FORMATS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48),
                                   *range(50, 59)])
_FORMAT_LITERAL_RE = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|[_*].')
_DATE_TOKEN_RE = re.compile(r"[dmyhs]", re.IGNORECASE)


def _is_date_format(code: str) -> bool:
    """Whether a number format code shows a date or time (``yyyy-mm-dd``, ``h:mm``)."""
    return bool(_DATE_TOKEN_RE.search(_FORMAT_LITERAL_RE.sub("", code)))


def _date_styles(styles_xml: bytes) -> set[int]:
    """Indices of the cell formats (``s="..."``) whose number format is a date or time."""
    root = ET.fromstring(styles_xml)
    custom = {el.get("numFmtId"): el.get("formatCode", "") for el in root.iter(_NS + "numFmt")}
    cell_xfs = root.find(_NS + "cellXfs")
    if cell_xfs is None:
        return set()
    out = set()
    for index, xf in enumerate(cell_xfs.findall(_NS + "xf")):
        fmt = xf.get("numFmtId", "0")
        if _is_date_format(custom[fmt]) if fmt in custom else (
                fmt.isdigit() and int(fmt) in _BUILTIN_DATE_FORMATS):
            out.add(index)
    return out


class _FastPathUnsupported(Exception):
    """The workbook uses a feature the fast reader does not handle; use openpyxl."""


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def _read_xlsx_fast(path: Path, sheet: str) -> list[tuple]:
    """Cell values of one sheet, parsed straight from the XML (about 5x faster than openpyxl)."""
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        workbook = ET.fromstring(archive.read("xl/workbook.xml"))
        sheets = {el.get("name"): el.get(_REL_NS + "id")
                  for el in workbook.iter(_NS + "sheet")}
        if sheet not in sheets:
            raise DataError(f"{path}: no sheet {sheet!r} (sheets: {list(sheets)})")
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        target = next((el.get("Target") for el in rels if el.get("Id") == sheets[sheet]), None)
        if target is None:
            raise _FastPathUnsupported("sheet relation not found")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target))
        epoch = dt.datetime(1899, 12, 30)
        pr = workbook.find(_NS + "workbookPr")
        if pr is not None and pr.get("date1904") in ("1", "true"):
            epoch = dt.datetime(1904, 1, 1)
        date_styles = _date_styles(archive.read("xl/styles.xml")) \
            if "xl/styles.xml" in names else set()
        shared: list[str] = []
        if "xl/sharedStrings.xml" in names:
            root = ET.fromstring(archive.read("xl/sharedStrings.xml"))
            for si in root.iter(_NS + "si"):
                shared.append("".join(t.text or "" for t in si.iter(_NS + "t")))
        xml = archive.read(target).decode("utf-8")
    if "<c " in xml and '<c r="' not in xml:
        raise _FastPathUnsupported("cells without references")
    rows: dict[int, dict[int, object]] = {}
    for letters, row_number, attributes, body in _CELL_RE.findall(xml):
        if not body:
            continue
        kind_match = _TYPE_RE.search(attributes)
        kind = kind_match.group(1) if kind_match else "n"
        if kind == "inlineStr":
            cell = html.unescape("".join(_T_RE.findall(body)))
        else:
            v = _V_RE.search(body)
            if v is None:
                continue
            text = v.group(1)
            if kind == "s":
                cell = shared[int(text)]
            elif kind in ("str", "e"):
                cell = html.unescape(text)
            elif kind == "b":
                cell = text == "1"
            elif kind == "n":
                number = float(text)
                cell = int(number) if number.is_integer() and not ("." in text or "E" in text
                                                                     or "e" in text) else number
                if date_styles:
                    style = _STYLE_RE.search(attributes)
                    if style and int(style.group(1)) in date_styles:
                        cell = epoch + dt.timedelta(days=number)
            elif kind == "d":
                cell = dt.datetime.fromisoformat(text)
            else:
                raise _FastPathUnsupported(f"cell type {kind!r}")
        rows.setdefault(int(row_number), {})[_column_index(letters)] = cell
    if not rows:
        return []
    width = max(max(cells) for cells in rows.values()) + 1
    out = []
    for number in range(1, max(rows) + 1):
        cells = rows.get(number, {})
        out.append(tuple(cells.get(k) for k in range(width)))
    return out


def _load_sheet(path: Path, sheet: str) -> list[tuple]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            return _read_xlsx_fast(path, sheet)
        except (_FastPathUnsupported, KeyError, ValueError, IndexError, ET.ParseError,
                zipfile.BadZipFile, UnicodeDecodeError) as exc:
            if isinstance(exc, DataError):
                raise
    if suffix == ".xls":
        import xlrd  # xlrd: loaded only for old .xls files

        book = xlrd.open_workbook(str(path), on_demand=True)
        try:
            if sheet not in book.sheet_names():
                raise DataError(f"{path}: no sheet {sheet!r} (sheets: {book.sheet_names()})")
            ws = book.sheet_by_name(sheet)
            rows = []
            for r in range(ws.nrows):
                row = []
                for cell in ws.row(r):
                    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        row.append(None)
                    elif cell.ctype == xlrd.XL_CELL_DATE:
                        row.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        row.append(bool(cell.value))
                    elif cell.ctype == xlrd.XL_CELL_ERROR:
                        row.append(xlrd.error_text_from_code.get(cell.value, "#ERROR"))
                    else:
                        row.append(cell.value)
                rows.append(tuple(row))
            return rows
        finally:
            book.release_resources()
    import openpyxl  # openpyxl: loaded only for Excel files

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, InvalidFileException, KeyError ...
        raise DataError(f"{path}: cannot open as an Excel workbook: {exc}") from exc
    try:
        if sheet not in workbook.sheetnames:
            raise DataError(f"{path}: no sheet {sheet!r} (sheets: {workbook.sheetnames})")
        return list(workbook[sheet].iter_rows(values_only=True))
    finally:
        workbook.close()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _key_text(value) -> str:
    """Key as written: text stripped, a number without decimals (its leading zeros are lost)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    return str(value).strip()


def _level(aggregat: str | None, key: str) -> str:
    agg = (aggregat or "").strip().lower()
    if agg in _KREIS_AGGREGATE:
        return "kreis"
    if agg in _GVB_AGGREGATE:
        return "gemeindeverband"
    if agg in _LAND_AGGREGATE:
        return "land"
    if len(key) <= 2:
        return "land"
    if len(key) <= 5:
        return "kreis"
    return "gemeindeverband"


_CELL_KIND = {int: 0, float: 0, type(None): 1, str: 2, bool: 3}


def _read_values(flat: np.ndarray, n_cols: int, area_ids: list[str], sheet_rows: list[int],
                 where: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Values, missing reasons and invalid cells of the value block (row-major, flattened)."""
    kinds = np.fromiter((_CELL_KIND.get(type(v), 4) for v in flat), dtype=np.int8,
                        count=flat.size)
    values = np.full(flat.size, np.nan)
    reasons = np.full(flat.size, None, dtype=object)
    numeric = kinds == 0
    values[numeric] = flat[numeric].astype(float)
    reasons[kinds == 1] = "leer"
    invalid: list[str] = []

    def cell(pos: int) -> str:
        row_i, col_i = divmod(pos, n_cols)
        return f"{_column_letter(col_i + 3)}{sheet_rows[row_i]}"

    for pos in np.flatnonzero(kinds >= 2).tolist():
        item = flat[pos]
        if isinstance(item, str):
            parsed = parse_value(item)  # German number or special value, as in GENESIS
            if parsed is not None:
                values[pos], reason = parsed
                if reason is not None:
                    reasons[pos] = reason
            else:
                row_i = pos // n_cols
                raise DataError(f"{where}: cell {cell(pos)}: value {item!r} (Kennziffer "
                                f"{area_ids[row_i]}) is not a number (text is read as a German "
                                f"number: '1.234,5' = 1234.5)")
        elif isinstance(item, (bool, np.bool_)):
            reasons[pos] = INVALID_BOOL
            invalid.append(cell(pos))
        elif isinstance(item, (dt.date, dt.time, dt.timedelta)):
            reasons[pos] = INVALID_DATE
            invalid.append(cell(pos))
        elif isinstance(item, numbers.Real):
            values[pos] = float(item)
        else:
            row_i = pos // n_cols
            raise DataError(f"{where}: cell {cell(pos)}: value {item!r} (Kennziffer "
                            f"{area_ids[row_i]}) is not a number")
    return values, reasons, invalid


def read_inkar(path: str | Path, sheet: str = "Daten", *,
               gvb_key: str | None = None) -> pd.DataFrame:
    """Read an INKAR export (xlsx or xls) into a long table.

    Parameters
    ----------
    path : str or path-like
        The workbook. ``.xlsx`` is parsed straight from its XML (zipfile + regular
        expressions, no extra dependency; all 15 INKAR files of the mirror in about 1.3 s);
        a workbook using features that parser does not handle falls back to openpyxl in
        read-only mode (tested). ``.xls`` is read with xlrd.
    sheet : str, default ``"Daten"``
        Sheet with the data.
    gvb_key : {None, "bbsr8", "ars9"}
        Key scheme of the Gemeindeverband rows: 8-digit BBSR key or 9-digit ``ARS[:9]``.
        ``None`` (default) infers it from all Gemeindeverband keys of the file (see
        :func:`gemeindeverband_key`); a named scheme is checked against the keys.

    Returns
    -------
    pandas.DataFrame
        One row per area, indicator and year (empty cells give NaN and are kept), columns

        - ``area_id`` (str): ``Kennziffer`` with leading zeros restored (see the module notes:
          Kreis 5 digits, Gemeindeverband 8-digit BBSR key or 9-digit ``ARS[:9]``),
        - ``area_name`` (str): ``Raumeinheit``,
        - ``aggregat`` (str): ``Aggregat`` as written (``Landkreis``, ``kreisfreie Stadt``,
          ``krsfr. Stadt``, ``Gemeindeverband``, ``verbandsfreie Gemeinde``, ...),
        - ``area_level`` (str): ``kreis``, ``gemeindeverband`` or ``land``,
        - ``indicator`` (str): the indicator name of header row 1,
        - ``year`` (int): header row 2,
        - ``value`` (float): numbers as they are, text as a German number (``"1.234,5"`` =
          1234.5); NaN where ``missing_reason`` is set,
        - ``missing_reason`` (str, NaN where a value is present): ``"leer"`` for an empty
          cell; for the special values ``-``, ``.``, ``x``, ``...``, ``/`` their meaning as in
          GENESIS (``"nichts vorhanden / keine Daten"``, ...); :data:`INVALID_DATE` for a date
          or time cell, :data:`INVALID_BOOL` for TRUE/FALSE.

        ``attrs`` holds ``source``, ``sheet``, ``indicators``, ``key_width`` (per level),
        ``gemeindeverband_key`` (``"bbsr8"``/``"ars9"``, None without Gemeindeverband rows) and
        ``invalid_cells`` (the cells, e.g. ``"D5"``, with a date or truth value instead of a
        number).

    Raises
    ------
    DataError
        A :class:`ValueError` naming the file, the cell and the problem: missing sheet, header
        not ``Kennziffer, Raumeinheit, Aggregat``, a year that is not a number, a text value that
        is no German number nor a special value, a missing key, Gemeindeverband keys of no or no clear scheme.

    Examples
    --------
    >>> import tempfile, os, openpyxl
    >>> wb = openpyxl.Workbook()
    >>> ws = wb.active
    >>> ws.title = "Daten"
    >>> for row in [["Kennziffer", "Raumeinheit", "Aggregat", "Quote", "Quote"],
    ...             [None, None, None, "2018", "2019"],
    ...             [3353, "Harburg", "Landkreis", 4.1, 3.9],
    ...             ["03353901", "Elbmarsch", "Gemeindeverband", 5, None]]:
    ...     ws.append(row)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "x.xlsx")
    ...     wb.save(path)
    ...     table = read_inkar(path)
    >>> table[["area_id", "area_level", "year", "value", "missing_reason"]]
        area_id       area_level  year  value missing_reason
    0     03353            kreis  2018    4.1            NaN
    1     03353            kreis  2019    3.9            NaN
    2  03353901  gemeindeverband  2018    5.0            NaN
    3  03353901  gemeindeverband  2019    NaN           leer
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    rows = _load_sheet(path, sheet)
    where = f"{path} [sheet {sheet}]"
    if len(rows) < 2:
        raise DataError(f"{where}: expected two header rows (indicator, year), "
                        f"found {len(rows)} rows")
    head0 = [("" if c is None else str(c).strip()) for c in rows[0]]
    if [c.lower() for c in head0[:3]] != ["kennziffer", "raumeinheit", "aggregat"]:
        raise DataError(f"{where}: row 1: expected columns 'Kennziffer', 'Raumeinheit', "
                        f"'Aggregat' in A1:C1, found {head0[:3]}")
    width = len(head0)
    while width > 3 and not head0[width - 1] and rows[1][width - 1] in (None, ""):
        width -= 1
    if width <= 3:
        raise DataError(f"{where}: row 1: no value columns after 'Aggregat'")
    indicators: list[str] = []
    years: list[int] = []
    current = ""
    for k in range(3, width):
        current = head0[k] or current
        if not current:
            raise DataError(f"{where}: cell {_column_letter(k)}1: missing indicator name")
        indicators.append(current)
        cell = rows[1][k] if k < len(rows[1]) else None
        try:
            year = int(float(str(cell).strip()))
        except (TypeError, ValueError):
            raise DataError(f"{where}: cell {_column_letter(k)}2: expected a year, "
                            f"found {cell!r}") from None
        years.append(year)

    keys: list[str] = []
    names: list[str] = []
    aggregates: list[str] = []
    levels: list[str] = []
    data: list[tuple] = []
    sheet_rows: list[int] = []
    for r, row in enumerate(rows[2:], start=3):
        row = tuple(row) + (None,) * (width - len(row))
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in row[:width]):
            continue
        if row[0] is None or (isinstance(row[0], str) and not row[0].strip()):
            raise DataError(f"{where}: cell A{r}: missing Kennziffer")
        key = _key_text(row[0])
        if not key.isdigit():
            raise DataError(f"{where}: cell A{r}: Kennziffer {row[0]!r} is not a number")
        aggregat = "" if row[2] is None else str(row[2]).strip()
        keys.append(key)
        names.append("" if row[1] is None else str(row[1]).strip())
        aggregates.append(aggregat)
        levels.append(_level(aggregat, key))
        data.append(row[3:width])
        sheet_rows.append(r)
    if not keys:
        raise DataError(f"{where}: no data rows below the two header rows")

    # Key widths per level.
    gvb_keys = [k for k, lv in zip(keys, levels) if lv == "gemeindeverband"]
    scheme = gemeindeverband_key(gvb_keys, where, gvb_key=gvb_key)
    widths = {"land": 2, "kreis": 5, "gemeindeverband": GVB_KEYS[scheme]}
    area_ids = []
    for r, (key, level) in enumerate(zip(keys, levels)):
        if len(key) > widths[level]:
            raise DataError(f"{where}: cell A{sheet_rows[r]}: Kennziffer {key!r} "
                            f"({aggregates[r]!r}) is longer than the "
                            f"{widths[level]} digits of level {level!r}")
        area_ids.append(key.zfill(widths[level]))

    block = np.array(data, dtype=object)
    if block.ndim != 2:
        block = block.reshape(len(data), width - 3)
    values, reasons, invalid = _read_values(block.reshape(-1), width - 3, area_ids, sheet_rows,
                                            where)
    n_rows, n_cols = len(area_ids), width - 3
    out = pd.DataFrame({
        "area_id": np.repeat(np.array(area_ids, dtype=object), n_cols),
        "area_name": np.repeat(np.array(names, dtype=object), n_cols),
        "aggregat": np.repeat(np.array(aggregates, dtype=object), n_cols),
        "area_level": np.repeat(np.array(levels, dtype=object), n_cols),
        "indicator": np.tile(np.array(indicators, dtype=object), n_rows),
        "year": np.tile(np.array(years, dtype=np.int64), n_rows),
        "value": values,
        "missing_reason": reasons,
    })
    out.attrs.update({
        "source": str(path),
        "sheet": sheet,
        "indicators": list(dict.fromkeys(indicators)),
        "key_width": {lv: widths[lv] for lv in sorted(set(levels))},
        "gemeindeverband_key": scheme if gvb_keys else None,
        "invalid_cells": invalid,
    })
    return out
