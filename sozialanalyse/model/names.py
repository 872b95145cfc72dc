"""Names from data files as a reader sees them: bidirectional control characters (model floor).

An area or facility name is text from a data file that the report prints. A bidirectional control
character in it is invisible and makes the text show in another order than it is stored: the
override ``"Nord\\u202eTSO"`` shows as "NordOST", and a mark before numbers swaps them
(``"Haus \\u200f12 34"`` shows "34 12" in a left-to-right paragraph, the Unicode Bidirectional
Algorithm, rules W2 and N1). That is visual spoofing (Boucher and Anderson, "Trojan Source", 2021).
The characters are

- the embeddings, overrides and their end U+202A–U+202E and the isolates U+2066–U+2069
  (what the "Trojan Source" attacks use, and the list of Rust's ``text_direction_codepoint`` lints);
- the marks U+200E (LEFT-TO-RIGHT MARK), U+200F (RIGHT-TO-LEFT MARK) and U+061C (ARABIC LETTER
  MARK): they reorder less (neutral characters and numbers beside them, as above), but they are
  as invisible, and a name in a German report needs none of them (Arabic or Hebrew letters carry
  their own direction).

The input floor refuses them (:mod:`sozialanalyse.io.validate`, code ``bidi_control``) or strips them
with a warning (official data, :mod:`sozialanalyse.io.official`); the render floor removes them from
everything it prints (:func:`sozialanalyse.render.tables.md_escape`,
:func:`sozialanalyse.render.tables.table`, :func:`sozialanalyse.render.figures.wrap`), should one
slip through.

Examples
--------
>>> controls("Nord\\u202eTSO")
['U+202E']
>>> strip("Nord\\u202eTSO")
'NordTSO'
>>> shown("Nord\\u202eTSO")
'Nord<U+202E>TSO'
"""
from __future__ import annotations

import re
import unicodedata

__all__ = ["BIDI_CONTROLS", "PATTERN", "codepoint", "controls", "describe", "shown", "strip"]

#: The bidirectional control characters refused in names (see the module docstring for the choice).
BIDI_CONTROLS = ("\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
                 "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
                 "\u200e\u200f\u061c")  # LRM, RLM, ALM
#: A regular expression matching one of :data:`BIDI_CONTROLS` (for ``Series.str.contains``).
PATTERN = "[" + BIDI_CONTROLS + "]"
_RE = re.compile(PATTERN)


def codepoint(char: str) -> str:
    """``"U+202E"`` for ``"\\u202e"``.

    >>> codepoint("\\u061c")
    'U+061C'
    """
    return f"U+{ord(char):04X}"


def controls(text) -> list[str]:
    """The bidirectional control characters in ``text`` as ``"U+202E"``, each once, in order of
    first appearance (empty: none; ``None`` and numbers have none)."""
    if not isinstance(text, str):
        return []
    return list(dict.fromkeys(codepoint(c) for c in _RE.findall(text)))


def describe(text) -> str:
    """The characters of :func:`controls` with their Unicode names, for a message.

    >>> describe("a\\u202eb\\u2066c")
    'U+202E (RIGHT-TO-LEFT OVERRIDE), U+2066 (LEFT-TO-RIGHT ISOLATE)'
    """
    found = dict.fromkeys(_RE.findall(text)) if isinstance(text, str) else {}
    return ", ".join(f"{codepoint(c)} ({unicodedata.name(c)})" for c in found)


def strip(text: str) -> str:
    """``text`` without bidirectional control characters."""
    return _RE.sub("", text)


def shown(text: str) -> str:
    """``text`` with each bidirectional control character written as ``<U+202E>``: what a problem
    shows as the cell's value, so that the message itself is not reordered."""
    return _RE.sub(lambda m: f"<{codepoint(m.group())}>", text)
