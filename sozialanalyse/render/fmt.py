"""German number and date formatting for everything a reader of the report sees.

The typographic rules of the report (every page formats through this module):

* thousands separated by ``.``, decimals by ``,`` (``1.234,5``);
* between a number and its unit or ``%`` a **no-break space** :data:`NBSP` (U+00A0), so that
  ``12,5 %`` never breaks across lines. U+00A0 rather than the narrow U+202F: every font of
  the site, of the PDF and of Excel has it, and it is as wide as the space a reader expects
  from print (DIN 5008 writes a full space before ``%``);
* negative numbers with the true minus :data:`MINUS` (U+2212), never the hyphen, in tables,
  text and figures (matplotlib: ``axes.unicode_minus``, set by
  :func:`sozialanalyse.render.tables.setup`);
* a change of a rate or share is written in percentage points (:func:`change`,
  ``+4,4 Pp.``), never as ``%``: a relative change is labelled as one where it is shown;
* dates German: ``31.12.2024`` (:func:`date`) or ``2. Dezember 2026`` (:func:`long_date`).

Examples
--------
>>> num(1234567)
'1.234.567'
>>> pct(12.5) == "12,5\u00a0%"
True
>>> num(3.14159, 2)
'3,14'
>>> date("2024-12-31")
'31.12.2024'
>>> long_date("2026-12-02")
'2. Dezember 2026'
"""
from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import math
import re

__all__ = ["num", "pct", "signed", "change", "typography", "date", "long_date", "MISSING", "ABSENT", "NBSP", "MINUS",
           "POINTS", "axis_formatter"]

#: Between a number and its unit: the no-break space (see the module docstring).
NBSP = "\u00a0"
#: The minus sign of a negative number.
MINUS = "\u2212"
#: The unit of a difference of two percentages (Prozentpunkte), as a table cell writes it.
POINTS = "Pp."
_MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember")

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
    """A number with German separators: ``1.234,5``; ``unit`` is appended after a no-break
    space (:data:`NBSP`); a negative number has the typographic minus (``−1,23``, as :func:`signed` writes it), not the
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
        text = text[1:] if float(text[1:].replace(".", "").replace(",", ".")) == 0 else MINUS + text[1:]
    return f"{text}{NBSP}{unit}" if unit else text


def pct(value, decimals: int = 1) -> str:
    """A percentage (value already in percent): ``12,5 %`` (no-break space before ``%``).

    >>> pct(-3.25).replace(NBSP, "_")
    '−3,3_%'
    """
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


def change(first, last, decimals: int = 1, unit: str | None = None) -> str:
    """The change from ``first`` to ``last`` as a reader computes it from the two values shown:
    both rounded to ``decimals`` (as :func:`num` prints them), then subtracted, with sign. For
    values in ``%`` pass ``unit="%"``: the change is written in percentage points
    (:data:`POINTS`), because a difference of two percentages is not a percentage.

    Notes
    -----
    .. math:: \\Delta = \\operatorname{round}(x_\\text{last}) - \\operatorname{round}(x_\\text{first})

    rounded half away from zero (:func:`num`), so that the printed change always equals the
    difference of the printed values (30,5 % to 34,9 %: +4,4 Pp., never +4,3 from unrounded
    values). Missing ``first`` or ``last``: :data:`MISSING`.

    >>> change(30.5, 34.9, 1, "%").replace(NBSP, " ")
    '+4,4 Pp.'
    >>> change(30.54, 30.46, 1, "%").replace(NBSP, " "), change(5.0, 2.25, 1)
    ('0,0 Pp.', '−2,7')
    >>> change(None, 3.0)
    '–'
    """
    if _is_missing(first) or _is_missing(last):
        return MISSING
    q = _decimal.Decimal(1).scaleb(-decimals)

    def shown(v):
        return _decimal.Decimal(repr(float(v))).quantize(q, rounding=_decimal.ROUND_HALF_UP)

    delta = shown(last) - shown(first)
    return signed(float(delta), decimals, POINTS if unit == "%" else unit)


#: A space between a number and a unit that must not break (see :func:`typography`); a ``%``
#: may be escaped for Markdown (``\\%``).
_UNIT_SPACE = re.compile(r"(?<=\d) (?=\\?%|‰|Pp\.|Prozentpunkt|Jahre\b|Jahren\b|km²|m²|m\b|EUR\b|€|Einw\.)")
#: A hyphen used as the sign of a number: after a space, an opening bracket or the start, before
#: a digit (never inside a key ``03499016-06`` or a range ``2015-2024``).
_HYPHEN_MINUS = re.compile(r"(?:(?<=^)|(?<=[\s(\[]))-(?=\d)")


def typography(text: str) -> str:
    """Text as the reader sees it, with the typographic rules of this module applied to numbers
    that were written into it by hand: a no-break space (:data:`NBSP`) between a number and
    ``%``, ``‰``, ``Pp.``, ``Jahre``, ``km²``, ``m``, ``EUR``/``€``, and the true minus
    (:data:`MINUS`) for a hyphen used as the sign of a number. The table, text and note
    functions of :mod:`sozialanalyse.render.tables` pass everything they show through it.

    >>> typography("95 % und -1,5 Pp. in 03499016-06, 2015-2024").replace(NBSP, "_")
    '95_% und −1,5_Pp. in 03499016-06, 2015-2024'
    >>> print(typography("12,5 \\\\% (Markdown)").replace(NBSP, "_"))
    12,5_\\% (Markdown)
    """
    text = _UNIT_SPACE.sub(NBSP, str(text))
    return _HYPHEN_MINUS.sub(MINUS, text)


def date(value) -> str:
    """A date as ``31.12.2024``."""
    if isinstance(value, str):
        value = _dt.date.fromisoformat(value[:10])
    return value.strftime("%d.%m.%Y")


def long_date(value) -> str:
    """A date with the month's German name, as a publication date: ``2. Dezember 2026``."""
    if isinstance(value, str):
        value = _dt.date.fromisoformat(value[:10])
    return f"{value.day}. {_MONTHS[value.month - 1]} {value.year}"


def axis_formatter(decimals: int = 0, unit: str | None = None):
    """A matplotlib tick formatter that writes German numbers."""
    from matplotlib.ticker import FuncFormatter  # matplotlib: heavy, loaded on first figure

    return FuncFormatter(lambda v, _pos: num(v, decimals, unit))
