"""The tables of the project's own format: schema, strict values, reading (io floor, lowest module).

What a district folder holds (``data/README.md``) and how its files are read, shared by the loader
(:func:`sozialanalyse.io.own.load_district`) and the validation
(:func:`sozialanalyse.io.validate.validate`), so that both see the same rows:

- the schema: :data:`COUNT_FILES`, :data:`VARIABLES` (the variables of every count table and
  which are whole-number counts), :data:`DIMENSIONS` and their values, :data:`FACILITY_COLUMNS`;
- :func:`parse_values`: reads numbers strictly (a German thousands separator is a problem, never
  reinterpreted); :func:`year_range`: the plausible years;
- :func:`read_table`: one table given as ``<table>.csv`` (UTF-8), ``<table>.xlsx`` or
  ``<table>.parquet`` as text, with the file's row numbers; rows that cannot be read are kept
  as :class:`BadRow` with the reason;
- :func:`read_boundaries` and :func:`geometry_problems`: ``gebiete.gpkg`` or ``gebiete.shp``.

Imports only the model floor.
"""
from __future__ import annotations

import codecs
import csv
import datetime
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..model import areas as _areas
from ..model.config import FACILITY_TYPES
from ..model.errors import DataError

__all__ = [
    "AREA_KEY_PATTERN",
    "BOUNDARY_FILES",
    "COUNT_COLUMNS",
    "COUNT_FILES",
    "CRS",
    "DIMENSIONS",
    "DIMENSION_VALUES",
    "FACILITY_COLUMNS",
    "FACILITY_NUMBERS",
    "FACILITY_TYPES",
    "KEY_COLUMNS",
    "OPTIONAL_COUNT_FILES",
    "TABLE_SUFFIXES",
    "TOTAL",
    "VALUE_MAX",
    "VARIABLES",
    "YEAR_MIN",
    "BadRow",
    "Table",
    "boundary_path",
    "check_keys",
    "geometry_problems",
    "parse_values",
    "read_boundaries",
    "read_required",
    "read_table",
    "separator_hint",
    "table_path",
    "year_range",
]

DIMENSIONS = ("age_group", "sex", "nationality", "type")
COUNT_COLUMNS = ("area_id", "year", "variable", *DIMENSIONS, "value")
COUNT_FILES = (
    "population.csv",
    "households.csv",
    "movements.csv",
    "transfers.csv",
    "labour.csv",
    "housing.csv",
    "school_entry.csv",
    "care.csv",
    "disability.csv",
    "elections.csv",
    "income.csv",
    "education.csv",
)
#: Count tables a district folder may leave out (issue #18, the KGSt fields: income, low earners,
#: Sozialgeld, Kita attendance, school transitions and leavers): a missing file is no problem, and
#: the indicators computed from it are missing (never zero) for that district.
OPTIONAL_COUNT_FILES = ("income.csv", "education.csv")
#: The variables of every count table (data/README.md, "Count tables") and the kind of their
#: values, in one place: ``"count"`` = a non-negative integer (``12``; ``12.0`` as Excel or Parquet
#: store whole numbers is the same number); ``"sum"`` = a non-negative finite decimal with ``.`` as
#: the decimal point (sums of non-integer quantities: m², EUR/m², years). A German thousands
#: separator (``1.234``, ``12.345.678``) in a count, a decimal comma, several dots, a sign, an
#: exponent, ``inf`` or ``nan`` are problems naming the cell, never reinterpreted
#: (:func:`parse_values`). A variable not listed for its file is a problem with the closest name.
VARIABLES: dict[str, dict[str, str]] = {
    "population.csv": {"einwohner": "count"},
    "households.csv": {"haushalte": "count"},
    "movements.csv": {"geburten": "count", "sterbefaelle": "count", "zuzuege": "count", "fortzuege": "count"},
    "transfers.csv": {"sgb2_personen": "count", "sgb2_personen_unter15": "count", "grundsicherung_65plus": "count",
                      "wohngeld_haushalte": "count"},
    "labour.csv": {"arbeitslose": "count", "langzeitarbeitslose": "count", "svb_wohnort": "count"},
    "housing.csv": {"wohnflaeche_qm": "sum", "mietangebote": "count", "miete_summe_eur_qm": "sum",
                    "wohndauer_jahre_summe": "sum"},
    "school_entry.csv": {"einschulung_untersuchte": "count", "einschulung_uebergewicht": "count",
                         "einschulung_sprachfoerderbedarf": "count"},
    "care.csv": {"pflegebeduerftige": "count"},
    "disability.csv": {"schwerbehinderte": "count"},
    "elections.csv": {"wahlberechtigte": "count", "waehler": "count"},
    "income.csv": {"einkommensteuer_eur": "sum", "svb_vollzeit_wohnort": "count", "niedrigverdiener": "count",
                   "sozialgeld_personen": "count"},
    "education.csv": {"kinder_kita_alter": "count", "kita_kinder": "count", "grundschulabgaenger": "count",
                      "uebergaenge_gymnasium": "count", "schulabgaenger": "count",
                      "schulabgaenger_ohne_abschluss": "count"},
}
#: Largest plausible value of one cell (a count or sum of one base area, year and category):
#: 100 million, more than the inhabitants of Germany; a larger value is a problem (``1e308``).
VALUE_MAX = 100_000_000
#: Earliest plausible year of a count (the monitoring's data start after 1990); the latest is
#: the config's ``report_year`` if given, else the current year + 1 (:func:`year_range`).
YEAR_MIN = 1990
FACILITY_COLUMNS = ("facility_id", "name", "type", "area_id", "x", "y")
#: Optional number columns of ``facilities``: places, weekly staff hours, weekly opening hours.
FACILITY_NUMBERS = ("capacity", "staff_hours", "opening_hours")
DIMENSION_VALUES = {
    "age_group": set(_areas.AGE_GROUPS),
    "sex": {"m", "w"},
    "nationality": {"deutsch", "nichtdeutsch"},
}
TOTAL = "insgesamt"


#: Area keys as documented in data/README.md: Kreis ``03499``, AGS ``03499001``, Samtgemeinde
#: ``034995401000``, Sozialraum ``03499001-07``. Keys become page and file names and notebook
#: parameters, so nothing else is accepted.
AREA_KEY_PATTERN = r"[0-9]{5}|[0-9]{8}|[0-9]{12}|[0-9]{8}(?:[0-9]{4})?-[0-9]{1,4}"


def year_range(report_year: int | None = None) -> tuple[int, int]:
    """Plausible years of a count: :data:`YEAR_MIN` to ``report_year`` (else the current year + 1).

    >>> year_range(2024)
    (1990, 2024)
    """
    return YEAR_MIN, int(report_year) if report_year is not None else datetime.date.today().year + 1


_THOUSANDS = r"-?[0-9]{1,3}(?:\.[0-9]{3})+"
_DECIMAL_COMMA = r"-?[0-9]*,[0-9]+"
_PLAIN = r"[0-9]+(?:\.[0-9]+)?"


def parse_values(text: pd.Series, kinds: pd.Series | str = "count", low: float = 0,
                 high: float = VALUE_MAX) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Strictly parse a column of text cells into numbers, vectorised.

    Parameters
    ----------
    text : Series of str
        The cells as read (``NaN`` for an empty cell).
    kinds : Series or str
        Per cell ``"count"`` (a non-negative integer) or ``"sum"`` (a non-negative decimal with
        ``.`` as decimal point); see :data:`VARIABLES`.
    low, high : float
        Plausible range; a value outside it is ``implausible``.

    Returns
    -------
    values : Series of float
        The number, ``NaN`` where the cell is rejected.
    code, why : Series of object
        Per rejected cell the problem code and an English explanation (missing where the cell is fine):
        ``not_a_number`` (empty, text, ``inf``, ``nan``, an exponent), ``ambiguous_number`` (a
        German thousands separator or a decimal comma), ``not_integer`` (a fraction in a count),
        ``negative`` and ``implausible`` (outside ``low`` to ``high``).

    Examples
    --------
    >>> v, code, why = parse_values(pd.Series(["12", "1.234", "0.5", "inf", "12.0", "-3", "2e8"]))
    >>> v.tolist()[:1], v.tolist()[4]
    ([12.0], 12.0)
    >>> code.fillna("").tolist()
    ['', 'ambiguous_number', 'not_integer', 'not_a_number', '', 'negative', 'not_a_number']
    >>> parse_values(pd.Series(["1.234"]), "sum")[0].tolist()
    [1.234]
    """
    s = text.astype(_STR).str.strip()
    count = np.full(len(s), True) if isinstance(kinds, str) and kinds != "sum" else (
        np.full(len(s), False) if isinstance(kinds, str) else (kinds != "sum").to_numpy())

    plain = s.str.fullmatch(_PLAIN).fillna(False).to_numpy(dtype=bool)

    def match(pattern, where):  # the other patterns only on the cells they can match (usually none)
        out = np.zeros(len(s), dtype=bool)
        if where.any():
            out[where] = s[where].str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
        return out
    neg, comma = match("-" + _PLAIN, ~plain), match(_DECIMAL_COMMA, ~plain)
    thousands = match(_THOUSANDS, s.str.contains(".", regex=False).fillna(False).to_numpy(dtype=bool))
    ambiguous = (thousands & count) | comma
    ok = (plain | neg) & ~ambiguous
    arr = np.full(len(s), np.nan)
    if ok.any():
        arr[ok] = s[ok].astype(float).to_numpy()
    code = np.full(len(s), None, dtype=object)
    why = np.full(len(s), None, dtype=object)
    with np.errstate(invalid="ignore"):
        fraction = ok & count & (arr % 1 != 0)
        too_low, too_high = ok & (arr < low), ok & (arr > high)
    for mask, c, w in (
            (~ok & ~ambiguous, "not_a_number", "not a number (write digits only, '.' as decimal point; "
                                               "no sign, exponent, inf or nan)"),
            (ambiguous & comma, "ambiguous_number", "decimal comma: write '.' as decimal point"),
            (ambiguous & ~comma, "ambiguous_number", "German thousands separator? a count holds digits only "
                                                     "(1234, not 1.234); the cell is not reinterpreted"),
            (fraction, "not_integer", "a count must be a whole number"),
            (too_low & neg & (low == 0), "negative", "negative"),
            (too_low & ~(neg & (low == 0)), "implausible", f"below the plausible minimum {low:.0f}"),
            (too_high, "implausible", f"above the plausible maximum {high:.0f}")):
        free = mask & (code == None)
        if free.any():
            code[free], why[free] = c, w
    arr[code != None] = np.nan
    num = pd.Series(arr, index=s.index)
    code, why = pd.Series(code, index=s.index, dtype=object), pd.Series(why, index=s.index, dtype=object)
    return num, code, why


#: Columns holding keys: always text (a number would have lost its leading zeros).
KEY_COLUMNS = ("area_id", "parent_id", "facility_id")
#: A table may be given in any one of these formats (same base name, e.g. ``areas.xlsx``).
TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet")
#: Boundaries: a GeoPackage (layer ``gebiete``) or a Shapefile with its sidecar files.
BOUNDARY_FILES = ("gebiete.gpkg", "gebiete.shp")
CRS = "EPSG:25832"
_SURROGATE = re.compile("[\udc80-\udcff]")
_STR = "str" if int(pd.__version__.split(".")[0]) >= 3 else object  # pandas 2: NaN must stay NaN


@dataclass
class BadRow:
    """A row rejected while reading a file (before any check of its values)."""

    line: int
    code: str
    message: str
    column: str | None = None
    area_id: str | None = None
    value: object = None


@dataclass
class Table:
    """One table of a district folder as read from its file (CSV, Excel or Parquet).

    ``df`` holds every well-formed row as text (``NaN`` for an empty cell), ``lines`` the row's
    number in the file: the line of a CSV file (where its record starts; blank lines and line
    breaks inside quoted fields counted), the row of an Excel sheet, or the position in a Parquet
    file counted like a spreadsheet (header = row 1). ``bad`` holds the rows rejected while
    reading: a wrong number of fields, bytes that are not UTF-8, a key stored as a number.
    """

    name: str
    df: pd.DataFrame
    lines: list[int]
    bad: list[BadRow] = field(default_factory=list)

    @property
    def read(self) -> int:
        """Rows read: the rows of ``df`` plus the rows rejected while reading."""
        return len(self.df) + len(self.bad)

    def line(self, i: int) -> int:
        """Row number in the file of the ``i``-th row of ``df``."""
        return int(self.lines[i])


def table_path(folder: Path, fname: str) -> Path | None:
    """The file of table ``fname`` (``"areas.csv"`` or ``"areas"``) in ``folder``: the one of
    ``areas.csv``, ``areas.xlsx``, ``areas.parquet`` that exists; ``None`` if none does.

    Raises :class:`DataError` naming them if more than one exists (which one counts is not guessed).
    """
    stem = Path(fname).stem
    found = [folder / f"{stem}{s}" for s in TABLE_SUFFIXES if (folder / f"{stem}{s}").is_file()]
    if len(found) > 1:
        raise DataError(f"{folder}: {' and '.join(p.name for p in found)} both exist; "
                        f"keep exactly one file for the table {stem!r}")
    return found[0] if found else None


def _cell_text(v) -> str | None:
    """A cell of an Excel sheet or a Parquet column as the text a CSV file would hold."""
    if v is None or v is pd.NA or v is pd.NaT:  # pandas' nullable types (Int64, string) hold pd.NA
        return None
    if isinstance(v, str):
        return v or None
    if isinstance(v, float):
        return None if math.isnan(v) else repr(v)
    if isinstance(v, int):  # bool too: str(True) == "True"
        return str(v)
    if pd.isna(v):
        return None
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and not math.isnan(v)


def _key_as_number(header: list[str], fields: list, line: int) -> BadRow | None:
    """A key column holding a number (Excel, Parquet): its leading zeros may be lost. Rejected,
    never restored by guessing; the message says what the key probably was."""
    for j, col in enumerate(header):
        v = fields[j] if j < len(fields) else None
        if col in KEY_COLUMNS and _is_number(v):
            num = str(int(v)) if float(v).is_integer() else repr(v)
            guess = [f"'{num.zfill(n)}'" for n in (5, 8, 12) if len(num) < n and len(num) >= n - 2]
            hint = f" (e.g. {' or '.join(guess)})" if guess else ""
            area = None if col != "area_id" else num
            return BadRow(line, "key_as_number", f"key stored as a number ({num}): a leading zero may be lost; "
                          f"format the column as text and enter the key as written in areas{hint}", col, area, num)
    return None


def _frame(header: list[str], rows: list[list]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header, dtype=object)
    return df.replace({"": None}).astype(_STR)


def _plain(text: str) -> bool:
    """No quoting and no old-Mac line ends: every line is one record, split at each comma."""
    return '"' not in text and "\r" not in text.replace("\r\n", "")


def _csv_records(text: str) -> list[tuple[int, list[str]]]:
    """``(line, fields)`` of every non-empty record; ``line`` is where the record starts (blank
    lines and line breaks inside quoted fields counted, as an editor counts them). Files without
    quotes take the faster path in :func:`_read_csv_table` and never come here."""
    out, prev = [], 0
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return out
        except csv.Error as exc:
            out.append((prev + 1, [f"<{exc}>"]))
            prev = reader.line_num
            continue
        start, prev = prev + 1, reader.line_num
        if "".join(fields).strip(" \t,"):
            out.append((start, fields))


def _read_csv_table(path: Path) -> Table:
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(f"{path.name}: the file is UTF-16 encoded (Excel 'Unicode text'); "
                        "save it as 'CSV UTF-8' or as .xlsx")
    raw = raw.removeprefix(codecs.BOM_UTF8)  # Excel's "CSV UTF-8": the byte order mark is no content
    try:
        text, lossy = raw.decode("utf-8"), False
    except UnicodeDecodeError:
        text, lossy = raw.decode("utf-8", "surrogateescape"), True
    if _plain(text) and not lossy:  # the common case: pyarrow's parser when every line is a row
        fast = _fast_csv(path, raw, text)
        if fast is not None:
            return fast
    if _plain(text):  # parsed by pandas' C parser after the lines are checked one by one
        lines = text.replace("\r\n", "\n").split("\n")
        numbered = [(i, line) for i, line in enumerate(lines, start=1) if line.strip(" \t,")]
        if not numbered:
            raise DataError(f"{path.name}: the file is empty (no header row)")
        hline, htext = numbered[0]
        header = _header(path, hline, htext.split(","), lossy)
        commas = len(header) - 1
        good = [(i, line) for i, line in numbered[1:] if line.count(",") == commas
                and not (lossy and _SURROGATE.search(line))]
        bad = [] if len(good) == len(numbered) - 1 else _bad_rows(
            header, [(i, line.split(",")) for i, line in numbered[1:] if line.count(",") != commas
                     or (lossy and _SURROGATE.search(line))])
        if good and good[-1][0] == len(lines):  # the file ends without a line break after this row
            i, line = good.pop()
            bad = [*bad, _cut_off(header, i, line.split(","))]
        if good:
            df = pd.read_csv(io.StringIO("\n".join(line for _, line in good)), header=None, names=header,
                             dtype=str, keep_default_na=False, na_values=[""], skip_blank_lines=False)
        else:
            df = _frame(header, [])
        return Table(path.name, df, [i for i, _ in good], bad)
    records = _csv_records(text)
    if not records:
        raise DataError(f"{path.name}: the file is empty (no header row)")
    header = _header(path, records[0][0], records[0][1], lossy)
    n = len(header)
    ok = [(i, f) for i, f in records[1:] if len(f) == n and not (lossy and _SURROGATE.search("".join(f)))]
    bad = _bad_rows(header, [(i, f) for i, f in records[1:]
                             if len(f) != n or (lossy and _SURROGATE.search("".join(f)))])
    if ok and ok[-1][0] == records[-1][0] and len(records) > 1 and not text.endswith(("\n", "\r")):
        bad.append(_cut_off(header, *ok.pop()))  # no line break after the last row
    return Table(path.name, _frame(header, [f for _, f in ok]), [i for i, _ in ok], bad)


def _fast_csv(path: Path, raw: bytes, text: str) -> Table | None:
    """A plain CSV file (no quotes, UTF-8) without blank lines, read by pyarrow (vectorised, for
    files of millions of rows): row ``k`` is line ``k + 1``. ``None`` when the file needs the
    line-by-line path: a blank line, a row with another number of fields (pyarrow refuses it),
    or anything else pyarrow does not read exactly like that path."""
    import pyarrow as pa  # pyarrow: loaded only for Parquet/fast CSV
    import pyarrow.csv as pacsv  # pyarrow: loaded only for Parquet/fast CSV

    end = len(raw) - (raw.endswith(b"\n") + raw.endswith(b"\r\n"))
    if raw.startswith((b"\n", b"\r\n")) or raw.find(b"\n\n", 0, end) >= 0 or raw.find(b"\n\r\n", 0, end) >= 0:
        return None  # a blank line
    first = text[:text.find("\n")] if "\n" in text else text
    first = first.removesuffix("\r")
    header = _header(path, 1, first.split(","), False)
    try:
        tab = pacsv.read_csv(
            io.BytesIO(raw), read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(quote_char=False, newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                 strings_can_be_null=True, null_values=[""],
                                                 quoted_strings_can_be_null=True))
    except (pa.ArrowException, ValueError):
        # also an internal error of pyarrow's threaded reader (ArrowException "Unknown error: a
        # chunk failed converting for an unknown reason", once in a CI run's test of a load of
        # Musterland): the line-by-line path reads the file exactly, only slower
        return None
    n_lines = raw.count(b"\n") + (not raw.endswith(b"\n"))  # lines of the file, the header included
    if tab.num_rows != n_lines - 1:
        return None
    df = tab.to_pandas()
    if any(df[h].dtype != _STR for h in header):
        df = df.astype(_STR)
    first = df[header[0]]
    if (first.isna() | first.str.match(r"[ \t]")).any() and (  # a line of spaces and commas only?
            df.apply(lambda c: c.fillna("").str.strip(" \t") == "").all(axis=1).any()):
        return None
    lines = np.arange(2, tab.num_rows + 2)
    bad = []
    if tab.num_rows and not raw.endswith(b"\n"):  # no line break after the last row
        last = int(lines[-1])
        bad = [_cut_off(header, last, text.rstrip("\r\n").rsplit("\n", 1)[-1].removesuffix("\r").split(","))]
        df, lines = df.iloc[:-1], lines[:-1]
    return Table(path.name, df, lines, bad)


def _header(path: Path, line: int, fields: list[str], lossy: bool) -> list[str]:
    if lossy and _SURROGATE.search(",".join(fields)):
        raise DataError(f"{path.name}: row {line} (the header): {_not_utf8(','.join(fields))}")
    header = [h.strip() for h in fields]
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise DataError(f"{path.name}: row {line} (the header): column(s) {', '.join(map(repr, twice))} "
                        "appear more than once")
    return header


def _bad_rows(header: list[str], records) -> list[BadRow]:
    """Rows that cannot be read: bytes that are not UTF-8, or a wrong number of fields."""
    n, out = len(header), []
    for line, fields in records:
        key = header.index("area_id") if "area_id" in header else None
        area = fields[key] if key is not None and key < len(fields) else None
        area = None if area is None or _SURROGATE.search(area) else area
        hit = [j for j, v in enumerate(fields) if _SURROGATE.search(v)]
        if hit:
            j = hit[0]
            out.append(BadRow(line, "not_utf8", _not_utf8(fields[j]), header[j] if j < n else None, area,
                              _SURROGATE.sub("\ufffd", fields[j])))
        else:
            joined = ",".join(fields)
            hint = " (a quote opened and not closed?)" if "\n" in joined else ""
            out.append(BadRow(line, "field_count", f"{_fields(len(fields))}, the header has {n}{hint}", None, area,
                              joined[:80]))
    return out


def _cut_off(header: list[str], line: int, fields: list[str]) -> BadRow:
    """The last row of a CSV file that ends without a line break: a file cut off in the middle of
    a row (49 becoming 4) looks exactly like this, so the row is rejected, never guessed at."""
    key = header.index("area_id") if "area_id" in header else None
    area = fields[key] if key is not None and key < len(fields) else None
    return BadRow(line, "no_final_newline", "file ends without a line break: its last row may be cut off "
                  "(if the row is complete, end the file with a line break)", None, area, ",".join(fields)[:80])


def _fields(k: int) -> str:
    return f"{k} field" + ("s" if k != 1 else "")


def _not_utf8(text: str) -> str:
    b = _SURROGATE.search(text).group().encode("utf-8", "surrogateescape")
    try:
        meant = f" (in Windows-1252 / Latin-1: {b.decode('cp1252')!r})"
    except UnicodeDecodeError:
        meant = ""
    return (f"not UTF-8: byte 0x{b[0]:02x}{meant}; save the file as UTF-8 (in Excel: 'CSV UTF-8') "
            "or as .xlsx")


def _typed_rows(name: str, header: list[str], records) -> Table:
    """Rows of typed cells (Excel, Parquet) -> a :class:`Table` of text, rejecting rows with too
    many cells and keys stored as numbers."""
    n = len(header)
    rows, lines, bad = [], [], []
    for line, cells in records:
        cells = list(cells)
        extra = [j for j in range(n, len(cells)) if _cell_text(cells[j]) is not None]
        if extra:
            bad.append(BadRow(line, "field_count", f"{_fields(extra[-1] + 1)}, the header has {n}", None, None,
                              ",".join(str(_cell_text(c) or "") for c in cells[:extra[-1] + 1])[:80]))
            continue
        cells = (cells + [None] * n)[:n]
        number = _key_as_number(header, cells, line)
        if number is not None:
            bad.append(number)
            continue
        rows.append([_cell_text(c) for c in cells])
        lines.append(line)
    return Table(name, _frame(header, rows), lines, bad)


def _read_xlsx_table(path: Path) -> Table:
    import openpyxl  # openpyxl: loaded only for Excel files

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # not a zip, not a workbook, encrypted ...
        raise DataError(f"{path.name}: cannot be read as an Excel workbook ({type(exc).__name__}: {exc})") from exc
    try:  # a sheet named like the table (e.g. "areas"), else the first sheet
        ws = wb[path.stem] if path.stem in wb.sheetnames else wb.worksheets[0]
        rows = [(i, r) for i, r in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1)
                if any(_cell_text(c) is not None and str(c).strip() for c in r)]
    finally:
        wb.close()
    if not rows:
        raise DataError(f"{path.name}: sheet {ws.title!r} is empty (no header row)")
    header = [str(_cell_text(c) or "").strip() for c in rows[0][1]]
    while header and not header[-1]:
        header.pop()
    return _typed_rows(f"{path.name}", header, rows[1:])


def _read_parquet_table(path: Path) -> Table:
    try:
        df = pd.read_parquet(path)
    except Exception as exc:
        raise DataError(f"{path.name}: cannot be read as a Parquet file ({type(exc).__name__}: {exc})") from exc
    header = [str(c) for c in df.columns]
    columns = [df[c].tolist() for c in df.columns]
    return _typed_rows(path.name, header, zip(range(2, len(df) + 2), map(list, zip(*columns))))


def read_table(path: str | Path) -> Table:
    """Read one table file of a district folder (``.csv``, ``.xlsx`` or ``.parquet``) as text.

    CSV files are UTF-8 (a byte order mark, as Excel's "CSV UTF-8" writes it, is skipped), comma
    separated, quoted with ``"``. An Excel workbook is read from the sheet named like the table
    (``areas`` for ``areas.xlsx``), else from its first sheet. Empty rows are skipped. Rows that
    cannot be read are rejected in :attr:`Table.bad` with the reason; nothing stops at them.
    Raises :class:`DataError` if the file as a whole cannot be read (no header, UTF-16, not a
    workbook).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = Path(tmp) / "t.csv"
    ...     _ = p.write_bytes(b"area_id,value\\n\\n03499001,1\\n03499002,2,3\\n")
    ...     t = read_table(p)
    >>> t.df["area_id"].tolist(), t.lines, t.read
    (['03499001'], [3], 2)
    >>> t.bad[0].line, t.bad[0].message
    (4, '3 fields, the header has 2')
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx_table(path)
    if suffix == ".parquet":
        return _read_parquet_table(path)
    return _read_csv_table(path)


def read_required(path: Path, required: tuple[str, ...]) -> Table:
    """The table ``path`` names (in whichever format it is given), for the strict loader: the first
    row that cannot be read raises :class:`DataError` naming file and row."""
    found = table_path(path.parent, path.name)
    if found is None:
        raise DataError(f"{path}: file missing (or {path.stem}.xlsx, {path.stem}.parquet)")
    t = read_table(found)
    missing = [c for c in required if c not in t.df.columns]
    if missing:
        raise DataError(f"{t.name}: column(s) {', '.join(missing)} missing (has: {', '.join(t.df.columns)})"
                        f"{separator_hint(list(t.df.columns))}")
    if t.bad:
        b = min(t.bad, key=lambda b: b.line)
        col = f", column {b.column}" if b.column else ""
        raise DataError(f"{t.name}: row {b.line}{col}: {b.message}" + (f" (value {b.value!r})" if b.value else "")
                        + (f"; {len(t.bad)} such row(s)" if len(t.bad) > 1 else ""))
    return t


def separator_hint(columns: list[str]) -> str:
    if len(columns) == 1 and ";" in columns[0]:
        return "; the file seems to use ';' as separator: save it with ',' (CSV UTF-8) or as .xlsx"
    return ""


def check_keys(t: Table, known: set[str]) -> None:
    df = t.df
    bad = ~df["area_id"].isin(known)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(
            f"{t.name}: row {t.line(i)}, column area_id: unknown area key {df['area_id'].iloc[i]!r} "
            f"({int(bad.sum())} row(s) with keys not in areas)"
        )


def boundary_path(folder: Path) -> Path | None:
    """``gebiete.gpkg`` or ``gebiete.shp`` in ``folder`` (``None`` if neither); both: :class:`DataError`."""
    found = [folder / n for n in BOUNDARY_FILES if (folder / n).is_file()]
    if len(found) > 1:
        raise DataError(f"{folder}: {' and '.join(p.name for p in found)} both exist; keep exactly one")
    return found[0] if found else None


def read_boundaries(path: Path):
    """Boundaries from a GeoPackage (layer ``gebiete``, or its only layer) or a Shapefile, in
    EPSG:25832 (reprojected if given in another system).

    Returns the GeoDataFrame with ``area_id`` as text and a boolean Series: ``True`` where the
    file stores the key as a number (its leading zeros may be lost; such rows are rejected).
    A Shapefile without ``.prj`` is taken to be in EPSG:25832 (as documented); :func:`validate`
    flags it.
    """
    import geopandas as gpd  # geopandas: GIS stack, loaded only where geometry is used
    import pyogrio  # pyogrio: GIS stack, loaded only where geometry is read

    path = Path(path)
    if path.suffix.lower() == ".shp":
        missing = [path.with_suffix(s).name for s in (".shx", ".dbf") if not path.with_suffix(s).is_file()]
        if missing:
            raise DataError(f"{path.name}: the Shapefile's {' and '.join(missing)} missing beside it "
                            "(a Shapefile is several files: .shp, .shx, .dbf, .prj)")
        layer = None
    else:
        layers = [str(n) for n, _ in pyogrio.list_layers(path)]
        if "gebiete" in layers:
            layer = "gebiete"
        elif len(layers) == 1:
            layer = layers[0]
        else:
            raise DataError(f"{path.name}: no layer 'gebiete' (layers: {', '.join(layers)})")
    try:
        gdf = gpd.read_file(path, layer=layer)
    except Exception as exc:
        raise DataError(f"{path.name}: cannot be read ({type(exc).__name__}: {exc})") from exc
    if "area_id" not in gdf.columns:
        raise DataError(f"{path.name}: column area_id missing (has: {', '.join(map(str, gdf.columns))})")
    if gdf.crs is None:
        gdf = gdf.set_crs(CRS)
        gdf.attrs["crs_missing"] = True
    elif gdf.crs != CRS:
        gdf = gdf.to_crs(CRS)
    numeric = pd.Series([_is_number(v) for v in gdf["area_id"].tolist()], index=gdf.index)
    gdf["area_id"] = [_cell_text(v) for v in gdf["area_id"].tolist()]
    gdf["area_id"] = gdf["area_id"].astype(str)
    gdf.loc[numeric, "area_id"] = [str(int(v)) if float(v).is_integer() else repr(v)
                                   for v in gdf.loc[numeric, "area_id"].astype(float)]
    return gdf, numeric


def geometry_problems(gdf) -> dict[int, tuple[str, str]]:
    """What is wrong with each boundary that cannot be used, by position in ``gdf``:
    ``{i: (code, reason)}`` with code ``missing_geometry`` (NULL or EMPTY) or ``invalid_geometry``
    (not a polygon, or not valid: self-intersection, ring not closed, ...; the reason is GEOS's
    ``explain_validity``, with the place). Nothing is repaired: a repair would change an area.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, Polygon
    >>> bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    >>> gdf = gpd.GeoDataFrame({"area_id": ["a", "b", "c", "d"]},
    ...                        geometry=[Point(0, 0).buffer(1), bowtie, None, Polygon()])
    >>> for i, (code, reason) in geometry_problems(gdf).items():
    ...     print(i, code, reason)
    1 invalid_geometry invalid polygon: Self-intersection at x=0.50, y=0.50
    2 missing_geometry no geometry (NULL)
    3 missing_geometry empty geometry (EMPTY)
    """
    import shapely  # shapely: GIS stack, loaded only where geometry is used

    out: dict[int, tuple[str, str]] = {}
    for i, g in enumerate(gdf.geometry.tolist()):
        if g is None:
            out[i] = ("missing_geometry", "no geometry (NULL)")
        elif g.is_empty:
            out[i] = ("missing_geometry", "empty geometry (EMPTY)")
        elif g.geom_type not in ("Polygon", "MultiPolygon"):
            out[i] = ("invalid_geometry", f"a {g.geom_type}, not a polygon")
        elif not g.is_valid:
            why = shapely.is_valid_reason(g)
            m = re.fullmatch(r"(.*?)\[(-?[0-9.e+-]+) (-?[0-9.e+-]+)\]", why)
            if m:  # the place, in the file's coordinates (EPSG:25832 after reading)
                why = f"{m.group(1)} at x={float(m.group(2)):.2f}, y={float(m.group(3)):.2f}"
            out[i] = ("invalid_geometry", f"invalid polygon: {why}")
    return out
