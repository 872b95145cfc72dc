"""Shared reading and checking of the steering floor's Excel inputs (private).

A :class:`Problem` names the file, the sheet, the row, the field (column), the key and the
value, like the problems of :mod:`sozialanalyse.io.validate`; :class:`SteeringInputError` (a
:class:`~sozialanalyse.model.errors.DataError`) lists every problem of a strict read at once.
"""
from __future__ import annotations

import datetime as _dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from ..model import names as _names
from ..model.errors import DataError

__all__ = ["Problem", "SteeringInputError", "closest", "header_problems", "parse_date", "parse_number",
           "read_sheets"]


@dataclass(frozen=True)
class Problem:
    """One problem of an input workbook: file, sheet, row (Excel row number; None: the whole
    sheet or file), field (a column or a field name), key (what the row is about), value."""

    file: str
    sheet: str | None
    row: int | None
    field: str | None
    key: str | None
    value: object
    code: str
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet is not None:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field {self.field!r}")
        if self.key:
            where.append(f"key {_names.shown(self.key)!r}")
        val = "" if self.value is None else f" (value {self.value!r})"
        return f"{', '.join(where)}: {self.message}{val} [{self.code}]"


class SteeringInputError(DataError):
    """A strict read found problems; ``.problems`` holds every one, the message lists them."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def closest(word: str, choices) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices``, or ``""``.

    >>> closest("Traeger", ["Träger", "Projekt"])
    "; did you mean 'Träger'?"
    """
    hit = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {hit[0]!r}?" if hit else ""


def header_problems(file: str, sheet: str, row: int, missing, extra, expected) -> list[Problem]:
    """Problems of a header row: each expected column ``missing`` (naming the unknown column it
    was probably renamed to) and each unknown column ``extra`` (naming the closest expected one).

    >>> print(header_problems("x.xlsx", "Teilnehmende", 1, ["Anzahl"], ["Anzahl Personen"], ["Gruppe", "Anzahl"])[0])
    x.xlsx, sheet 'Teilnehmende', row 1, field 'Anzahl': column missing; renamed to 'Anzahl Personen'? [missing_column]
    """
    out = []
    for c in missing:
        hit = difflib.get_close_matches(c, [str(e) for e in extra], n=1, cutoff=0.5)
        out.append(Problem(file, sheet, row, c, None, None, "missing_column",
                           "column missing" + (f"; renamed to {hit[0]!r}?" if hit else "")))
    for h in extra:
        out.append(Problem(file, sheet, row, h, None, h, "unknown_column", "unknown column" + closest(h, expected)))
    return out


def read_sheets(path: Path) -> dict[str, list[tuple[int, tuple]]]:
    """Every sheet of an Excel workbook: sheet name -> [(Excel row number, cell values), ...]
    with the empty rows left out. Raises :class:`DataError` naming the file if it is no workbook."""
    import openpyxl  # openpyxl: loaded only for Excel files

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException, ...
        raise DataError(f"{path}: not an Excel workbook (.xlsx) that can be read: {exc}") from exc
    out = {}
    try:
        for ws in wb.worksheets:
            rows = []
            for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
                values = tuple(v.strip() if isinstance(v, str) else v for v in values)
                if any(v not in (None, "") for v in values):
                    rows.append((i, values))
            out[ws.title] = rows
    finally:
        wb.close()
    return out


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def parse_date(value) -> _dt.date | None:
    """A date from an Excel cell: a date, or text ``2025-03-31`` or ``31.3.2025``; None if
    the cell is empty; ValueError for anything else.

    >>> parse_date("31.3.2025"), parse_date("2025-03-31"), parse_date(None)
    (datetime.date(2025, 3, 31), datetime.date(2025, 3, 31), None)
    """
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    text = str(value).strip()
    m = _ISO.match(text)
    if m:
        return _dt.date(int(m[1]), int(m[2]), int(m[3]))
    m = _DE.match(text)
    if m:
        return _dt.date(int(m[3]), int(m[2]), int(m[1]))
    raise ValueError(f"not a date (write 31.12.2025 or a date cell): {value!r}")


_PLAIN = re.compile(r"^\d+(\.\d+)?$")


def parse_number(value, whole: bool = False) -> float | None:
    """A number from an Excel cell: a number cell or text of digits (with one decimal point);
    None if the cell is empty. ValueError for text that is no number (``"zwölf"``, ``"1.234,5"``:
    never guessed), a negative number, and, with ``whole``, a fraction.

    >>> parse_number(12), parse_number("12"), parse_number(None), parse_number(2.5)
    (12.0, 12.0, None, 2.5)
    >>> parse_number("zwölf")
    Traceback (most recent call last):
    ...
    ValueError: text in a number field
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("text in a number field")
    if isinstance(value, int | float):
        x = float(value)
    else:
        text = str(value).strip()
        if text.startswith("-") and _PLAIN.match(text[1:]):
            x = -float(text[1:])
        elif _PLAIN.match(text):
            x = float(text)
        else:
            raise ValueError("text in a number field")
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    if x < 0:
        raise ValueError("negative number")
    if whole and x != int(x):
        raise ValueError("not a whole number")
    return x
