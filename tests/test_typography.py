"""Typographic German on every page a reader sees (issue #16 part 5): the rules are in
:mod:`sozialanalyse.render.fmt` (no-break space between a number and ``%`` or its unit, true
minus, changes of percentages in percentage points); this test scans the built HTML of the
session build (``tests/conftest.py``) for what slips past them: a number and ``%`` separated by an
ordinary space, a hyphen as the sign of a number in a table's number cell, and English words
from a short list. The scanner is tested on hand-written HTML both ways first.
"""
from __future__ import annotations

import html as _html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sozialanalyse.render import fmt

#: English words that must not reach a German reader (whole words, case-sensitive where a German
#: word of the same letters exists).
ENGLISH = ("the", "and", "of", "with", "missing", "None", "nan", "NaN", "True", "False", "Figure",
           "Table", "Source", "Page", "Previous", "Next", "Contents", "Search", "not available")
#: Names of methods and publications that are English in German text too.
NAMES = ("Slope Index of Inequality", "Relative Index of Inequality", "Sustainable development in the European Union")
_ENGLISH = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in ENGLISH) + r")\b")
#: A number and a percent sign (or per mille) separated by an ordinary space.
_SPACE_PCT = re.compile(r"\d [%‰]")
#: A number cell that starts with a hyphen-minus before a digit.
_HYPHEN = re.compile(r"^\s*-\d")


class _Scan(HTMLParser):
    """Collects the text a reader sees in ``<main>`` (no script, style, code) and the text of the
    number cells (``<td data-sa-kind>`` other than ``text``)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.main = 0
        self.text: list[str] = []
        self.cell: list[str] | None = None
        self.cells: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style", "code", "pre", "svg"):
            self.skip += 1
        if tag == "main":
            self.main += 1
        if tag == "td" and a.get("data-sa-kind") not in (None, "text"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre", "svg"):
            self.skip = max(0, self.skip - 1)
        if tag == "main":
            self.main -= 1
        if tag == "td" and self.cell is not None:
            self.cells.append("".join(self.cell))
            self.cell = None

    def handle_data(self, data):
        if self.main and not self.skip:
            self.text.append(data)
            if self.cell is not None:
                self.cell.append(data)


def findings(page: str) -> list[str]:
    """What breaks the typographic rules in one page's HTML (see the module docstring)."""
    s = _Scan()
    s.feed(page)
    out = []
    text = re.sub(r"[ \t\r\n]+", " ", " ".join(s.text))  # ASCII whitespace only: a no-break space stays
    words = text
    for name in NAMES:
        words = words.replace(name, "")
    for m in _SPACE_PCT.finditer(text):
        out.append(f"ordinary space before %: …{text[max(0, m.start() - 30):m.end() + 5]}…")
    for c in s.cells:
        if _HYPHEN.match(c):
            out.append(f"hyphen as minus in a number cell: {c.strip()!r}")
    for m in _ENGLISH.finditer(words):
        out.append(f"English word {m.group(0)!r}: …{words[max(0, m.start() - 30):m.end() + 30]}…")
    return out


def test_the_scanner_finds_what_it_looks_for_and_nothing_else():
    bad = ('<main><p>Quote 12,5 % und None</p><table><tr><td data-sa-kind="index">-1,2</td>'
           '<td data-sa-kind="text">03499016-06</td></tr></table><script>var x = "1 %"</script></main>')
    found = findings(bad)
    assert len(found) == 3, found
    assert any("12,5 %" in f for f in found) and any("'-1,2'" in f for f in found)
    assert any("'None'" in f for f in found)
    good = (f'<main><p>Quote 12,5{fmt.NBSP}% und {fmt.num(-1.2, 1)}; Andrea und Theo</p><table><tr>'
            f'<td data-sa-kind="index">{_html.escape(fmt.signed(-1.2))}</td><td data-sa-kind="text">2015-2024</td>'
            '</tr></table></main><p>outside main: 5 % the</p>')
    assert findings(good) == []


def test_fmt_writes_the_rules():
    """By hand: 30,5 % → 34,9 % is +4,4 Prozentpunkte (34,9 − 30,5), over 9 years 0,49 Pp. a year."""
    assert fmt.pct(12.5) == "12,5\u00a0%"
    assert fmt.change(30.5, 34.9, 1, "%") == "+4,4\u00a0Pp."
    assert fmt.change(34.9, 30.5, 1, "%") == "\u22124,4\u00a0Pp."
    assert fmt.num((34.9 - 30.5) / 9, 2) == "0,49"
    # the change is the difference of the values as printed: 8,06 % → 8,1 %, 9,96 % → 10,0 %: +1,9
    # (the unrounded difference 1,90 would print the same; 8,04 → 8,0 and 9,96 → 10,0 give +2,0, not 1,9)
    assert fmt.change(8.04, 9.96, 1, "%") == "+2,0\u00a0Pp."
    assert fmt.typography("95 % und -3 Jahre") == "95\u00a0% und \u22123\u00a0Jahre"
    assert fmt.long_date("2026-03-01") == "1. März 2026"


@pytest.mark.slow
def test_built_pages_are_typographic_german(_first_build):
    """Every page of the session build (two municipalities) passes the scanner."""
    root, _ = _first_build
    site = root / "_build" / "html"
    pages = sorted(p for p in site.rglob("*.html") if not {"_sources", "_static"} & set(p.relative_to(site).parts))
    assert len(pages) >= 10
    bad = [f"{p.relative_to(site)}: {f}" for p in pages for f in findings(p.read_text(encoding="utf-8"))]
    assert not bad, "\n".join(bad[:40]) + (f"\n… {len(bad) - 40} more" if len(bad) > 40 else "")


if __name__ == "__main__":  # python tests/test_typography.py SITE: the findings of any built site
    import sys

    site = Path(sys.argv[1])
    for p in sorted(site.rglob("*.html")):
        if not {"_sources", "_static"} & set(p.relative_to(site).parts):
            for f in findings(p.read_text(encoding="utf-8")):
                print(f"{p.relative_to(site)}: {f}")
