"""German number and date formatting for everything a reader of the report sees.

Examples
--------
>>> num(1234567)
'1.234.567'
>>> pct(12.5)
'12,5 %'
>>> num(3.14159, 2)
'3,14'
>>> date("2024-12-31")
'31.12.2024'
"""
from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import math

__all__ = ["num", "pct", "signed", "date", "MISSING", "ABSENT", "axis_formatter"]

#: Shown for a value that is missing or cannot be computed.
MISSING = "–"
#: A value whose input data are incomplete (absent rows): printed instead of a number, with a
#: footnote naming what is missing; never a 0.
ABSENT = "fehlt"


def _is_missing(value) -> bool:
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def num(value, decimals: int = 0, unit: str | None = None) -> str:
    """A number with German separators: ``1.234,5``; ``unit`` is appended after a space; a
    negative number has the typographic minus (``−1,23``, as :func:`signed` writes it), not the
    hyphen.

    Halves are rounded away from zero, as a reader rounds by hand (``6,25`` -> ``6,3``), on the
    shortest decimal form of the float (Python's own formatting rounds half to even on the
    binary value: ``6,2``).

    >>> num(-1.234, 2), num(1234.5, 1), num(-0.04, 1), num(6.25, 1), num(9.45, 1), num(2.5)
    ('−1,23', '1.234,5', '0,0', '6,3', '9,5', '3')
    """
    if _is_missing(value):
        return MISSING
    exact = float(value)
    if math.isfinite(exact):
        exact = _decimal.Decimal(repr(exact)).quantize(_decimal.Decimal(1).scaleb(-decimals),
                                                       rounding=_decimal.ROUND_HALF_UP)
    text = f"{exact:,.{decimals}f}".replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    if text.startswith("-"):
        text = text[1:] if float(text[1:].replace(".", "").replace(",", ".")) == 0 else "\u2212" + text[1:]
    return f"{text} {unit}" if unit else text


def pct(value, decimals: int = 1) -> str:
    """A percentage (value already in percent): ``12,5 %``."""
    return num(value, decimals, "%")


def signed(value, decimals: int = 1, unit: str | None = None) -> str:
    """A change with explicit sign: ``+1,2`` / ``−0,4`` (typographic minus)."""
    if _is_missing(value):
        return MISSING
    text = num(abs(float(value)), decimals, unit)
    if round(float(value), decimals) > 0:
        return "+" + text
    if round(float(value), decimals) < 0:
        return "\u2212" + text
    return text


def date(value) -> str:
    """A date as ``31.12.2024``."""
    if isinstance(value, str):
        value = _dt.date.fromisoformat(value[:10])
    return value.strftime("%d.%m.%Y")


def axis_formatter(decimals: int = 0, unit: str | None = None):
    """A matplotlib tick formatter that writes German numbers."""
    from matplotlib.ticker import FuncFormatter  # matplotlib: heavy, loaded on first figure

    return FuncFormatter(lambda v, _pos: num(v, decimals, unit))
