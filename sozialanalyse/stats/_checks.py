"""Input checks shared by the statistics floor (``stats``).

Every check raises :class:`ValueError` (or :class:`TypeError` for a wrong type) with one line that
names the function, the argument or column, the first offending value and where it sits: for a
frame the area key and the other key columns of its row (or the index label), for an array its
position. The style follows the input layer's messages (file, row, column, key), e.g.::

    dsr(): column 'population' has a negative value -3 for area_id '03499001-01', age_group '80-84'

Private to the floor: the public functions of ``health``, ``projection``, ``disparity``, ``index``
and their neighbours call these before they compute.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "KEY_COLUMNS",
    "at_most",
    "columns",
    "first_bad",
    "location",
    "non_negative",
    "numeric",
    "positive",
    "same_length",
    "show",
]

#: Columns that identify a row, in the order they are named in a message (when present).
KEY_COLUMNS = ("area_id", "indicator", "year", "sex", "age_group", "variable", "type")


def show(value) -> str:
    """A value as a message shows it: whole numbers without a decimal point (``2025``, ``-3``),
    other numbers with up to 10 significant digits, everything else with ``repr``."""
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.10g}"
    return repr(value.item() if isinstance(value, np.generic) else value)


def location(frame: pd.DataFrame | None, position: int, keys=None) -> str:
    """Where row ``position`` (0-based) sits: ``for area_id 'A', age_group '80-84'`` for a frame
    (its key columns, else its index label), ``at position 3`` for an array."""
    if frame is None:
        return f"at position {position}"
    keys = [k for k in (KEY_COLUMNS if keys is None else keys) if k in frame.columns]
    if keys:
        row = frame.iloc[position]
        return "for " + ", ".join(f"{k} {show(row[k])}" for k in keys)
    label = frame.index[position]
    name = frame.index.name or "area"
    return f"for {name} {show(label)}"


def first_bad(mask) -> int | None:
    """Position of the first ``True`` in ``mask`` (None if there is none)."""
    hit = np.flatnonzero(np.asarray(mask, dtype=bool).ravel())
    return int(hit[0]) if hit.size else None


def _subject(name: str, frame) -> str:
    return f"column {name!r}" if frame is not None else name


def columns(fn: str, frame, wanted, arg: str = "data") -> None:
    """``frame`` is a DataFrame that has every column in ``wanted``."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{fn}(): {arg} must be a DataFrame, got {type(frame).__name__}")
    missing = [c for c in dict.fromkeys(wanted) if c not in frame.columns]
    if missing:
        raise ValueError(f"{fn}(): {arg} has no column(s) {', '.join(map(repr, missing))} "
                         f"(has: {', '.join(map(repr, map(str, frame.columns)))})")


def numeric(fn: str, frame: pd.DataFrame, wanted, arg: str = "data", keys=None) -> None:
    """Every column in ``wanted`` holds numbers (or missing values)."""
    for c in wanted:
        s = frame[c]
        if pd.api.types.is_bool_dtype(s) or not (pd.api.types.is_numeric_dtype(s)
                                                 or s.isna().all()):
            as_num = pd.to_numeric(s, errors="coerce")
            pos = first_bad(as_num.isna() & s.notna())
            if pos is None and pd.api.types.is_bool_dtype(s):
                pos = 0
            if pos is not None:
                raise TypeError(f"{fn}(): {arg} column {c!r} is not numeric: value "
                                f"{show(s.iloc[pos])} {location(frame, pos, keys)}")


def non_negative(fn: str, values, name: str, frame: pd.DataFrame | None = None, keys=None,
                 hint: str = "") -> None:
    """No value is below zero (missing values pass); ``hint`` is appended after a semicolon."""
    v = np.asarray(values, dtype=float)
    pos = first_bad(v < 0)
    if pos is not None:
        raise ValueError(f"{fn}(): {_subject(name, frame)} has a negative value "
                         f"{show(v.ravel()[pos])} {location(frame, pos, keys)}"
                         + (f"; {hint}" if hint else ""))


def positive(fn: str, values, name: str, frame: pd.DataFrame | None = None, keys=None) -> None:
    """Every value is greater than zero (a missing value fails too)."""
    v = np.asarray(values, dtype=float)
    pos = first_bad(~(v > 0))
    if pos is not None:
        raise ValueError(f"{fn}(): {_subject(name, frame)} must be greater than zero, got "
                         f"{show(v.ravel()[pos])} {location(frame, pos, keys)}")




def at_most(fn: str, numerator, denominator, names: tuple[str, str],
            frame: pd.DataFrame | None = None, keys=None) -> None:
    """``numerator <= denominator`` element by element (missing values pass)."""
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    x, n = np.broadcast_arrays(x, n)
    pos = first_bad(x > n)
    if pos is not None:
        a, b = names
        raise ValueError(f"{fn}(): {_subject(a, frame)} is greater than {_subject(b, frame)} "
                         f"({show(x.ravel()[pos])} > {show(n.ravel()[pos])}) "
                         f"{location(frame, pos, keys)}")


def same_length(fn: str, **arrays) -> None:
    """All arrays given by keyword have the same length."""
    lengths = {k: len(np.atleast_1d(np.asarray(v))) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"{fn}(): {', '.join(lengths)} must be equally long, got lengths "
                         f"{', '.join(f'{k}={n}' for k, n in lengths.items())}")
