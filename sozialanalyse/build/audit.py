"""Audit a built site for disclosure problems before it is published; it fails closed.

``sozialanalyse audit <site> [--suppressed FILE]`` (and the build, before its atomic publish) reads

* every table of every HTML page (``<table>``, not only the report's ``sa-table``\\ s written by
  :func:`sozialanalyse.render.tables.table`),
* the data embedded in pages for interactive charts and maps (see *Embedded data* below),
* every CSV and Excel download (``*.csv``, ``*.tsv``, ``*.xlsx``, ``*.xls``) and every JSON data
  file (``*.json``, ``*.geojson``) under the site (not under ``_sources``),
* the text of every page (paragraphs, list items, headings, table rows) when a manifest of
  suppressed cells is given,
* every PDF: it must be the print of an audited page (``pdf/<page>.pdf`` beside the page
  ``<page>.html``, or ``pdf/bericht.pdf``, the whole report; :mod:`sozialanalyse.build.pdf`),
  else it is a finding (a PDF is not read as a table: it holds nothing its pages do not),

and reports as findings (any finding stops the publish):

1. **undeclared numbers**: a column holding a number in any cell (a German number at the
   start of the cell, :func:`parse_number`) that declares no kind; a column declaring a kind not
   in :data:`KINDS`. Nothing is guessed from headers: a column of numbers is checked only as
   what it declares, and a column declaring nothing is itself a finding.
2. **unprotected small counts**: a cell of a ``count`` or ``total`` column whose value is from 1
   to ``threshold - 1`` (default: 1 or 2);
3. **recoverable suppressed cells**: a suppressed cell (``.``) of a count column that follows
   from the table's published totals by subtraction, also in chains (a recovered cell can give
   away the next one);
4. **rates that imply a small count** (interval inversion, in tables and in the text): see below;
5. **suppressed values in the text**: a suppressed cell's area name and its true value in the
   same sentence or table row (see *Manifest of suppressed cells*);
6. a manifest of suppressed cells stored inside the published site.

Every finding names the page (or file), the table caption, the row and the column.

Kinds
-----
Every numeric column declares one of :data:`KINDS`:

``count``
    a number of persons, cases or households (checked for small values and recoverability);
``total``
    a count that is the sum of the row's ``count`` columns;
``rate`` / ``share``
    a rate or a share (checked by interval inversion against counts in the same row);
``interval``
    the confidence interval of the nearest ``rate``/``share`` column to its left;
``index``
    an index, z value, ratio or any other derived number;
``text``
    labels that contain digits: area keys (``03499016``), years, age groups, hashes.

HTML: the header cell carries ``data-sa-kind="<kind>"``, or every numeric body cell of the column
does (a cell's own kind overrides its column's; a column whose cells declare different kinds,
e.g. a key-figure table's value column, is checked cell by cell and an ``interval`` column may
belong to it). Total rows: a row with class ``sa-total`` or whose first cell reads
*Insgesamt*, *Zusammen*, *Summe* or *Gesamt*; it is the sum of the other rows of its group (rows
between two group header rows ``sa-group`` of a grouped table), column by column. Group header
rows are labels and are not read as data. A body row with another number of cells than the
header (spanning cells) is read cell by cell: a number in a cell without ``data-sa-kind`` is a
finding.

Interval inversion
------------------
For each cell of a ``rate``/``share`` column whose value is written with a unit the audit
knows exactly -- ``%`` (in the cell or the column header), ``‰``, or a header saying
``je 1.000``, ``je 10.000`` or ``je 100.000`` -- and each ``count``/``total`` cell published in
the same row (every such column is taken as a possible denominator ``n``), the audit computes the
counts ``x`` the rounded rate admits (``x/n`` times the unit rounds to the written value, at the
written number of decimals, exact rational arithmetic). If the rate comes with an interval (in the
cell, ``1,3 % (0,2 – 6,9 %)``, or in an ``interval`` column beside it), only the ``x`` whose
Wilson score interval (95 %) rounds to the written bounds are kept, unless none is (then the page
used another method and all are kept). A finding is reported when all admitted ``x`` lie below
the threshold and one of them is at least 1, or the same holds for the complement ``n - x``
("share 99,8 % of 447 implies a count of 1 in the complement (447 - 446)"). A count of exactly 0
is not a finding.

Without a published denominator (or when it gives no finding), a percentage with its interval
(in a ``rate``/``share`` cell or its ``interval`` column, in any other table cell, or in the text
of a page, written ``1,3 % (0,2 – 6,9 %)``) is inverted against every denominator
``n`` up to :data:`N_MAX` (20.000): the pairs ``(x, n)`` whose percentage and Wilson interval
round to the written values. If all of them have a count (or a complement) below the threshold,
one of them at least 1, that is a finding ("rate 1,3 % (0,2 – 6,9 %) fits only a count of 1
(Wilson 95 %, denominators 78 to 78)"). Not covered: rates per other units without a
denominator in their row, intervals of other methods without a denominator, and denominators
published elsewhere than the rate's row.

Manifest of suppressed cells
----------------------------
A private file the build writes **outside** the published site (a manifest inside the site is
itself a finding): CSV (comma-separated, UTF-8, header row) or a DataFrame with the columns

``name``
    the area's name as printed on the pages;
``measure``
    the German label or id of the suppressed measure (named in the finding);
``value``
    the true value in machine format (``1195``, ``35.46``), in the unit the pages print
    (percent for rates);
``status``
    ``primary`` or ``secondary`` (rows with an empty status are not suppressed and are skipped);

further columns (``area_id``, ``year``, ``page``) are allowed and ignored. A finding is reported
for every sentence (paragraphs, list items, headings, captions; split at ``.``, ``!``, ``?``
before a capital letter, not after common abbreviations) or table row (also of downloads and
embedded data) that holds the area's name (as a whole word) and the value: an integral value as a
number without decimals equal to it (``1.195`` or ``1195``), another value as a number with one
to four decimals equal to the value rounded to those decimals (``35,5`` for 35.46).

Embedded data
-------------
Interactive charts and maps embed their data as
``<script type="application/json" class="sa-data">{...}</script>`` (any script whose type ends in
``json`` is read) or in an attribute ``data-sa-values='{...}'`` on any element, holding::

    {"caption": "Karte SGB-II-Quote",             # optional
     "kinds": {"name": "text", "einwohner": "count", "quote": "rate"},
     "rows": [{"name": "Nord", "einwohner": 1234, "quote": "12,5 %"}, ...]}

Each object is audited as a table whose columns are the ``kinds`` keys (in their order, the
first labelling the rows) followed by any other keys of the rows; values are numbers or German
text. Embedded JSON that is not of this shape and holds any number is a finding. Two adjacent
``interval`` columns (``lower``, ``upper``: an interactive map's data) are read together as the
interval of the ``rate``/``share`` column to their left.

An interactive map (an element of class ``sa-map``, :mod:`sozialanalyse.render.maps`) publishes
values only in its declared data: a ``data-*`` attribute of its markup (other than ``data-key``,
the area key) holding a number, or a label of the map (``<title>``, ``<text>``, ``<desc>``)
holding a number once the names of the map's rows (and of its marked facilities, ``points``) are
taken out, is a finding.

Data files under the site (``*.json``, ``*.geojson``, e.g. the data an interactive map loads)
follow the same convention; a GeoJSON ``FeatureCollection`` declares ``"kinds"`` as a top-level
member and its rows are the features' ``properties`` (coordinates are not read).

Downloads
---------
A download ``<file>`` declares the kinds of its columns in a sidecar ``<file>.kinds.json`` beside
it: for CSV/TSV ``{"<column>": "<kind>", ...}``, for Excel ``{"<sheet>": {"<column>": "<kind>",
...}, ...}``; a kind may also be a list, one kind per data row (a column of mixed rows). Without a
sidecar (or with one that cannot be read) every numeric column is undeclared; a sidecar naming a
column the file does not have is a finding. Values may be machine numbers (``0.5``) or German text
(the report's CSV: UTF-8 with byte order mark, ``;``, decimal comma; see
:mod:`sozialanalyse.render.downloads`). Rows are named ``Zeile <n>`` (row 1 is the header). An
Excel sheet with an Excel table is read as that table (its range, header first) and the cells
around it (title, footnotes, source) as page text; without one, from its first non-empty row.
Two adjacent ``interval`` columns of single numbers (``Quote (%): untere Grenze``, ``...: obere
Grenze``) are read as one interval ``lo – hi``; a column ``<label>: Einheit`` gives ``<label>``'s
cells their unit (``%``). Copies of input files the build publishes deliberately (a synthetic
district's data folder) are passed as ``inputs`` to :func:`audit_site` and checked byte for byte
instead (see there).

Examples
--------
>>> page = ('<table class="sa-table"><caption>T</caption><thead><tr><th data-sa-kind="text">Gebiet</th>'
...         '<th data-sa-kind="count">Fälle</th></tr></thead><tbody><tr><td>A</td>'
...         '<td data-sa-kind="count">2</td></tr></tbody></table>')
>>> [str(f) for f in audit_html(page, "x.html")]
["x.html: table 'T', row 'A', column 'Fälle': count 2 below the threshold 3"]
>>> [str(f) for f in audit_html(page.replace(' data-sa-kind="count"', ''), "x.html")]
["x.html: table 'T', row 'A', column 'Fälle': holds numbers but declares no kind"]
"""
from __future__ import annotations

import csv
import json
import math
import multiprocessing
import re
import sys
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

__all__ = ["KINDS", "Finding", "audit_download", "audit_embedded", "audit_files", "audit_html", "audit_site",
           "audit_table", "audit_text", "parse_number", "read_suppressed"]

#: The kinds a numeric column declares (the same tuple as ``render.tables.KINDS``).
KINDS = ("count", "total", "rate", "share", "interval", "index", "text")
COUNTED = ("count", "total")
PROPORTIONS = ("rate", "share")
TOTAL_LABELS = {"insgesamt", "zusammen", "summe", "gesamt"}
SUPPRESSED = "."
TEXT_CAPTION = "(page text)"
_NUM = r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?"
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?")
_TOKEN = re.compile(rf"(?<![\w.,]){_NUM}(?!\w|[.,]\d)")
_UNIT = r"(?:%|‰)"
_RATE_CELL = re.compile(rf"^\s*(?P<p>{_NUM})\s*(?P<unit>{_UNIT})?"
                        rf"(?:\s*\(\s*(?P<lo>{_NUM})\s*{_UNIT}?\s*[–-]\s*(?P<hi>{_NUM})\s*{_UNIT}?\s*\))?")
_INTERVAL_CELL = re.compile(rf"^\s*\(?\s*(?P<lo>{_NUM})\s*{_UNIT}?\s*[–-]\s*(?P<hi>{_NUM})\s*{_UNIT}?\s*\)?\s*$")
_TEXT_RATE = re.compile(rf"(?<![\w.,])(?P<p>{_NUM})\s*%\s*\(\s*(?P<lo>{_NUM})\s*%?\s*[–-]\s*(?P<hi>{_NUM})\s*%?\s*\)")
#: Denominators tried when a rate with its interval stands without one (see the module docstring).
N_MAX = 20_000
_PER = re.compile(r"je\s+(1\.000|10\.000|100\.000)\b")
_Z95 = 1.959963984540054
_ABBREVIATIONS = {"einw", "nr", "bzw", "ca", "vgl", "abb", "tab", "mio", "mrd", "std", "jh", "inkl",
                  "ggf", "evtl", "usw", "etc", "z", "b", "u", "a", "d", "h", "s", "o", "e", "v", "dr"}
#: "Tabelle 3: " before a caption, written by :func:`sozialanalyse.build.site.number_figures_and_tables`;
#: a finding names the table by its own caption, which stays the same when tables are added before it.
_CAPTION_NUMBER = re.compile(r"^(?:Tabelle|Abbildung) \d+: ")
_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "div", "section", "article", "caption",
           "dt", "dd", "blockquote", "figcaption", "pre", "tr", "table", "ul", "ol", "dl", "br",
           "thead", "tbody", "main", "header", "footer", "nav", "aside", "figure", "details", "summary"}


#: Attributes of an interactive map's markup that may hold digits: the area key, the audit's own.
_MAP_ATTRS = {"data-key", "data-sa-kind", "data-sa-values", "data-sa-static"}
#: Elements of a map whose text is a label (a tooltip title, a name written on the map).
_MAP_LABELS = {"title", "text", "desc", "tspan"}


@dataclass(frozen=True)
class Finding:
    """One disclosure problem in a published table, text or download."""

    page: str
    caption: str
    row: str
    column: str
    problem: str

    def __str__(self) -> str:
        return f"{self.page}: table '{self.caption}', row '{self.row}', column '{self.column}': {self.problem}"


def parse_number(text: str) -> float | None:
    """A German-formatted number at the start of a cell (``1.234``, ``1,5 %``, ``12 ¹``); None
    for anything else (``.``, ``–``, text).

    >>> parse_number("1.234"), parse_number("2"), parse_number("1,5 %"), parse_number(".")
    (1234.0, 2.0, 1.5, None)
    """
    t = text.strip().replace("\u2212", "-").replace("\xa0", " ")
    m = _NUMBER.match(t)
    if not m:
        return None
    return float(m.group(0).replace(".", "").replace(",", "."))


def _exact(text: str) -> tuple[Fraction, int]:
    """A German number token as an exact fraction and its number of decimals."""
    t = text.replace("\u2212", "-")
    decimals = len(t.split(",", 1)[1]) if "," in t else 0
    return Fraction(t.replace(".", "").replace(",", ".")), decimals


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v).replace(".", ",")


def _german(v) -> str:
    """A JSON value as the text a page would show: numbers in German format, text as written."""
    if v is None or isinstance(v, bool):
        return "" if v is None else str(v)
    if isinstance(v, (int, float)):
        return _download_value(repr(v))
    return str(v).strip()


# --------------------------------------------------------------------------- HTML
class _Page(HTMLParser):
    """Collects every table of a page (caption, header, rows of cells with their kind), the
    text blocks (paragraph-like units and table rows) and embedded JSON data."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.blocks: list[tuple[str, str, bool]] = []  # (where, text, is_row)
        self.embedded: list[str] = []
        self._stack: list[dict] = []  # open tables, innermost last
        self._skip = 0  # inside <style> or a non-JSON <script>
        self._json: list[str] | None = None
        self._buf: list[str] = []
        self.maps: list[dict] = []  # interactive maps (class sa-map): their attributes and labels
        self._map: dict | None = None

    # interactive maps: what the map's own markup holds besides its declared data
    def _map_start(self, tag: str, a: dict) -> None:
        if self._map is None:
            if "sa-map" in (a.get("class") or "").split():
                self._map = {"tag": tag, "open": 1, "attrs": [], "labels": [], "label": None,
                             "first": len(self.embedded)}
            return
        m = self._map
        if tag == m["tag"]:
            m["open"] += 1
        m["attrs"].extend((tag, k, v) for k, v in a.items()
                          if k.startswith("data-") and k not in _MAP_ATTRS and v)
        if tag in _MAP_LABELS and m["label"] is None:
            m["label"] = [tag, []]

    def _map_end(self, tag: str) -> None:
        m = self._map
        if m is None:
            return
        if m["label"] is not None and tag == m["label"][0]:
            m["labels"].append(" ".join("".join(m["label"][1]).split()))
            m["label"] = None
        if tag == m["tag"]:
            m["open"] -= 1
            if not m["open"]:
                m["data"] = self.embedded[m.pop("first"):]
                self.maps.append(m)
                self._map = None

    # text blocks
    def _flush(self, is_row: bool = False) -> None:
        text = " ".join("".join(self._buf).split())
        self._buf = []
        if text:
            where = (self._stack[-1]["caption"].strip() or "(ohne Überschrift)") if is_row and self._stack else TEXT_CAPTION
            self.blocks.append((" ".join(where.split()), text, is_row))

    def _in_row(self) -> bool:
        return bool(self._stack) and self._stack[-1]["row"] is not None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._map_start(tag, a)
        if "data-sa-values" in a:
            self.embedded.append(a["data-sa-values"] or "")
        if tag == "script":
            typ = (a.get("type") or "").strip().lower()
            if typ.endswith("json"):
                self._json = []
            else:
                self._skip += 1
            return
        if tag == "style":
            self._skip += 1
            return
        if tag in _BLOCKS and not self._in_row():  # a row is one unit, whatever its cells hold
            self._flush()
        if tag in ("td", "th"):
            self._buf.append(" ")
        if tag == "table":
            self._stack.append({"caption": "", "header": [], "rows": [], "row": None, "cell": None,
                                "in_caption": False, "in_head": False})
            return
        if not self._stack:
            return
        t = self._stack[-1]
        if tag == "caption":
            t["in_caption"] = True
        elif tag == "thead":
            t["in_head"] = True
        elif tag == "tr":
            t["row"] = {"cells": [], "class": (a.get("class") or "").split(), "head": t["in_head"]}
        elif tag in ("td", "th") and t["row"] is not None:
            t["cell"] = {"text": "", "kind": a.get("data-sa-kind"), "tag": tag}

    def handle_endtag(self, tag):
        self._map_end(tag)
        if tag == "script":
            if self._json is not None:
                self.embedded.append("".join(self._json))
                self._json = None
            elif self._skip:
                self._skip -= 1
            return
        if tag == "style":
            self._skip = max(0, self._skip - 1)
            return
        if tag == "tr" and self._in_row():
            self._flush(is_row=True)
        elif tag in _BLOCKS and not self._in_row():
            self._flush()
        if tag in ("td", "th"):
            self._buf.append(" ")
        if not self._stack:
            return
        t = self._stack[-1]
        if tag == "table":
            self._stack.pop()
            t.pop("row"), t.pop("cell"), t.pop("in_caption"), t.pop("in_head")
            # the caption as its author wrote it: without the number the site's tidy step puts before it
            t["caption"] = _CAPTION_NUMBER.sub("", " ".join(t["caption"].split()))
            self.tables.append(t)
        elif tag == "caption":
            t["in_caption"] = False
        elif tag == "thead":
            t["in_head"] = False
        elif tag in ("td", "th") and t["cell"] is not None and t["row"] is not None:
            t["cell"]["text"] = " ".join(t["cell"]["text"].split())
            t["row"]["cells"].append(t["cell"])
            t["cell"] = None
        elif tag == "tr" and t["row"] is not None:
            row = t["row"]
            t["row"] = None
            if row["head"]:
                if not t["header"]:
                    t["header"] = row["cells"]
            elif not t["header"] and not t["rows"] and row["cells"] and all(c["tag"] == "th" for c in row["cells"]):
                t["header"] = row["cells"]  # a table without <thead>: a first row of <th> is its header
            else:
                t["rows"].append(row)

    def handle_data(self, data):
        if self._map is not None and self._map["label"] is not None:
            self._map["label"][1].append(data)
            return  # an area's name in the map's markup: checked with the map, not as a sentence
        if self._json is not None:
            self._json.append(data)
            return
        if self._skip:
            return
        self._buf.append(data)
        if not self._stack:
            return
        t = self._stack[-1]
        if t["in_caption"]:
            t["caption"] += data
        elif t["cell"] is not None:
            t["cell"]["text"] += data

    def close(self):
        super().close()
        self._flush()
        while self._stack:  # unclosed tables still count
            self.handle_endtag("table")


def _is_total_row(row: dict) -> bool:
    if "sa-total" in row["class"]:
        return True
    first = row["cells"][0]["text"].strip().rstrip(":").casefold() if row["cells"] else ""
    return first in TOTAL_LABELS


def _unit(cell: str, header: str) -> int | None:
    """The unit a rate is written in (100 for percent), None if not known exactly."""
    if "%" in cell or "%" in header or "Prozent" in header:
        return 100
    if "‰" in cell or "‰" in header:
        return 1000
    m = _PER.search(header)
    return int(m.group(1).replace(".", "")) if m else None


def _wilson(x: int, n: int) -> tuple[float, float]:
    p = x / n
    z2 = _Z95 * _Z95
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = _Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return centre - half, centre + half


def _admitted(p_text: str, n: int, unit: int, interval: tuple[str, str] | None) -> list[int]:
    """The counts x (0..n) whose rate x/n*unit rounds to ``p_text``, narrowed by a Wilson interval."""
    p, d = _exact(p_text)
    h = Fraction(1, 2 * 10 ** d)
    lo = max(0, math.ceil((p - h) * n / unit))
    hi = min(n, math.floor((p + h) * n / unit))
    xs = list(range(lo, hi + 1))
    if interval and xs and len(xs) <= 10_000:
        (lo_v, lo_d), (hi_v, hi_d) = _exact(interval[0]), _exact(interval[1])
        tol_lo, tol_hi = 0.5 / 10 ** lo_d + 1e-9, 0.5 / 10 ** hi_d + 1e-9
        fit = [x for x in xs
               if abs(_wilson(x, n)[0] * unit - float(lo_v)) <= tol_lo
               and abs(_wilson(x, n)[1] * unit - float(hi_v)) <= tol_hi]
        xs = fit or xs
    return xs


def _confined(xs: list[int], threshold: int) -> bool:
    return bool(xs) and max(xs) <= threshold - 1 and max(xs) >= 1


@lru_cache(maxsize=4096)
def _fits(p_text: str, lo_text: str, hi_text: str, n_max: int = N_MAX) -> tuple[tuple[int, int], ...]:
    """Every (x, n) with 1 <= n <= ``n_max`` whose percentage 100 x / n rounds to ``p_text`` and
    whose Wilson 95 % interval rounds to ``lo_text`` and ``hi_text`` (at their decimals)."""
    (p, d), (lo, dl), (hi, dh) = _exact(p_text), _exact(lo_text), _exact(hi_text)
    p, lo, hi = float(p), float(lo), float(hi)
    h, tol_lo, tol_hi = 0.5 / 10 ** d, 0.5 / 10 ** dl + 1e-9, 0.5 / 10 ** dh + 1e-9
    z2 = _Z95 * _Z95

    def wilson(x, n):
        q = x / n
        den = 1 + z2 / n
        centre = (q + z2 / (2 * n)) / den
        half = _Z95 * np.sqrt(q * (1 - q) / n + z2 / (4 * n * n)) / den
        return 100 * (centre - half), 100 * (centre + half)

    # Denominators whose interval at the rate itself comes near the written bounds (the bounds
    # move by less than the rate's rounding over the admitted x), then every admitted x of them.
    n = np.arange(1, n_max + 1, dtype=np.int64)
    lo_c, hi_c = wilson(np.clip(p / 100, 0, 1) * n, n)
    near = (np.abs(lo_c - lo) <= tol_lo + 2 * h + 0.05) & (np.abs(hi_c - hi) <= tol_hi + 2 * h + 0.05)
    n = n[near]
    xmin = np.maximum(0, np.ceil((p - h) * n / 100 - 1e-9)).astype(np.int64)
    xmax = np.minimum(n, np.floor((p + h) * n / 100 + 1e-9)).astype(np.int64)
    cnt = np.maximum(0, xmax - xmin + 1)
    nn = np.repeat(n, cnt)
    xx = np.repeat(xmin, cnt) + (np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    lo_x, hi_x = wilson(xx, nn)
    ok = (np.abs(lo_x - lo) <= tol_lo) & (np.abs(hi_x - hi) <= tol_hi)
    return tuple(zip(xx[ok].tolist(), nn[ok].tolist()))


@lru_cache(maxsize=16384)  # the same rates stand on many pages (the Kreis on every profile)
def _interval_problem(kind: str, shown: str, p_text: str, lo_text: str, hi_text: str, threshold: int) -> str | None:
    """The finding's text if a percentage with its interval fits only small counts (or small
    complements) for every denominator up to :data:`N_MAX`, else None."""
    pairs = _fits(p_text, lo_text, hi_text)
    if not pairs:
        return None
    xs = sorted({x for x, _ in pairs})
    rest = sorted({n - x for x, n in pairs})
    ns = f"{min(n for _, n in pairs)} to {max(n for _, n in pairs)}"
    if _confined(xs, threshold):
        return f"{kind} {shown} fits only a count of {_or(xs)} (Wilson 95 %, denominators {ns})"
    if _confined(rest, threshold):
        return f"{kind} {shown} fits only a count of {_or(rest)} in the complement (Wilson 95 %, denominators {ns})"
    return None


def _or(values: list[int]) -> str:
    """``1``, ``1 or 2``, ``0, 1 or 2``."""
    words = [str(v) for v in values]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def audit_table(table: dict, page: str, threshold: int = 3) -> list[Finding]:
    """Findings for one parsed table (see the module docstring).

    ``table`` holds ``caption``, ``header`` (cells) and ``rows`` (``{"cells": [...], "class":
    [...]}``); a cell is ``{"text": ..., "kind": ...}``; optional ``labels`` name the rows.
    """
    caption = " ".join(table["caption"].split()) or "(ohne Überschrift)"
    all_rows = [r for r in table["rows"] if "sa-group" not in r["class"] and r["cells"]]
    ncols = len(table["header"]) or max((len(r["cells"]) for r in all_rows), default=0)
    header = [h["text"] or f"Spalte {j + 1}" for j, h in enumerate(table["header"])] or \
        [f"Spalte {j + 1}" for j in range(ncols)]
    labels = table.get("labels")
    findings: list[Finding] = []

    def name(r_index: int, row: dict) -> str:
        if labels is not None:
            return labels[r_index]
        return row["cells"][0]["text"] or str(r_index + 1)

    position = {id(r): k for k, r in enumerate(all_rows)}
    regular = [(k, r) for k, r in enumerate(all_rows) if len(r["cells"]) == ncols]
    irregular = [(k, r) for k, r in enumerate(all_rows) if len(r["cells"]) != ncols]
    # Kinds: a column's is its header's, else its body cells' one kind ("mixed" if they declare
    # several: per-row kinds of a column such as a key-figure table's value column); a cell's
    # own kind overrides its column's.
    kinds: list[str | None] = []
    for j in range(ncols):
        kind = table["header"][j]["kind"] if table["header"] else None
        if not kind:
            marked = {r["cells"][j]["kind"] for _, r in regular if r["cells"][j]["kind"]}
            kind = marked.pop() if len(marked) == 1 else "mixed" if marked else None
        kinds.append(kind)

    def kind_of(row: dict, j: int) -> str | None:
        """The cell's kind: its own, else its column's (none in a column of per-row kinds)."""
        return row["cells"][j]["kind"] or (kinds[j] if kinds[j] != "mixed" else None)

    for j, kind in enumerate(kinds):
        hit = next(((k, r) for k, r in regular
                    if not kind_of(r, j) and parse_number(r["cells"][j]["text"]) is not None), None)
        if hit:
            findings.append(Finding(page, caption, name(*hit), header[j], "holds numbers but declares no kind"))
        bad = sorted({kind_of(r, j) for _, r in regular if kind_of(r, j)} - set(KINDS) - {"mixed"}
                     | ({kind} - set(KINDS) - {"mixed", None}))
        if bad:
            findings.append(Finding(page, caption, "", header[j],
                                    f"declares the unknown kind '{bad[0]}' (known: {', '.join(KINDS)})"))
    for k, r in irregular:
        for c_i, c in enumerate(r["cells"]):
            if not c["kind"] and parse_number(c["text"]) is not None:
                findings.append(Finding(page, caption, name(k, r), f"Zelle {c_i + 1}",
                                        "holds a number but its column cannot be told (the row has "
                                        f"{len(r['cells'])} cells, the header {ncols}) and it declares no kind"))
            elif c["kind"] and c["kind"] not in KINDS:
                findings.append(Finding(page, caption, name(k, r), f"Zelle {c_i + 1}",
                                        f"declares the unknown kind '{c['kind']}'"))
            elif c["kind"] in COUNTED and 0 < (parse_number(c["text"]) or 0) < threshold:
                findings.append(Finding(page, caption, name(k, r), f"Zelle {c_i + 1}",
                                        f"count {_fmt(parse_number(c['text']))} below the threshold {threshold}"))

    # Small counts and recoverability, over the regular rows grouped into sections.
    counted = [j for j, k in enumerate(kinds) if k in COUNTED]
    sections: list[list[int]] = [[]]
    rows: list[dict] = []
    row_names: list[str] = []
    for r in table["rows"]:
        if "sa-group" in r["class"]:
            sections.append([])
            continue
        if len(r["cells"]) != ncols or not r["cells"]:
            continue
        sections[-1].append(len(rows))
        row_names.append(name(position[id(r)], r))
        rows.append(r)

    values: dict[tuple[int, int], float] = {}
    unknown: set[tuple[int, int]] = set()
    for i, r in enumerate(rows):
        for j in range(ncols):
            if kind_of(r, j) not in COUNTED:
                continue
            text = r["cells"][j]["text"]
            if text == SUPPRESSED:
                unknown.add((i, j))
                continue
            v = parse_number(text)
            if v is None:
                continue
            values[(i, j)] = v
            if 0 < v < threshold:
                findings.append(Finding(page, caption, row_names[i], header[j],
                                        f"count {_fmt(v)} below the threshold {threshold}"))
    cons: list[tuple[tuple[int, int], list[tuple[int, int]]]] = []
    totals_cols = [j for j in counted if kinds[j] == "total"]
    parts_cols = [j for j in counted if kinds[j] == "count"]
    for i in range(len(rows)):
        for jt in totals_cols:
            cons.append(((i, jt), [(i, j) for j in parts_cols]))
    for sec in sections:
        tot_rows = [i for i in sec if _is_total_row(rows[i])]
        part_rows = [i for i in sec if i not in tot_rows]
        for it in tot_rows[:1]:
            for j in counted:
                cons.append(((it, j), [(i, j) for i in part_rows]))
    cons = [(t, p) for t, p in cons if p and all(c in values or c in unknown for c in (t, *p))]
    changed = True
    while changed and unknown:
        changed = False
        for t, parts in cons:
            hidden = [c for c in (t, *parts) if c in unknown]
            if len(hidden) != 1:
                continue
            c = hidden[0]
            if c == t:
                v = sum(values[p] for p in parts)
            else:
                v = values[t] - sum(values[p] for p in parts if p != c)
            values[c] = v
            unknown.discard(c)
            changed = True
            findings.append(Finding(page, caption, row_names[c[0]], header[c[1]],
                                    f"suppressed cell can be recomputed from the table's totals (= {_fmt(v)})"))

    # Interval inversion: rates and shares against the counts of their row.
    interval_of: dict[int, int] = {}
    for j, k in enumerate(kinds):
        if k == "interval":
            left = [q for q in range(j) if kinds[q] in (*PROPORTIONS, "mixed")]
            if left:
                interval_of.setdefault(left[-1], j)
    for i, r in enumerate(rows):
        denominators = []
        for j in range(ncols):
            v = parse_number(r["cells"][j]["text"]) if kind_of(r, j) in COUNTED else None
            if v is not None and v.is_integer() and v > 0:
                denominators.append((j, int(v), r["cells"][j]["text"]))
        for j in range(ncols):
            k = kind_of(r, j)
            text = r["cells"][j]["text"]
            shown = " ".join(text.split())
            if k not in PROPORTIONS:  # a rate with its interval in a label or index column
                tm = _TEXT_RATE.search(text.replace("\u2212", "-"))
                problem = tm and _interval_problem("rate", shown, tm["p"], tm["lo"], tm["hi"], threshold)
                if problem:
                    findings.append(Finding(page, caption, row_names[i], header[j], problem))
                continue
            m = _RATE_CELL.match(text.replace("\u2212", "-"))
            unit = _unit(text, header[j]) if m else None
            if unit is None:
                continue
            interval = (m.group("lo"), m.group("hi")) if m.group("lo") else None
            if interval is None and j in interval_of:
                jl = interval_of[j]
                itext = r["cells"][jl]["text"]
                if _INTERVAL_CELL.match(itext) is None and jl + 1 < ncols and kinds[jl + 1] == "interval":
                    hi_t = r["cells"][jl + 1]["text"]  # lower and upper in two columns (map data)
                    itext = f"{itext} – {hi_t}" if itext and hi_t else itext
                mi = _INTERVAL_CELL.match(itext)
                interval = (mi.group("lo"), mi.group("hi")) if mi else None
                if mi:
                    shown += f" ({' '.join(itext.split())})"
            problem = None
            for jn, n, n_text in denominators:
                xs = _admitted(m.group("p"), n, unit, interval)
                if _confined(xs, threshold):
                    problem = f"{k} {shown} of {n_text} implies a count of {_or(xs)}"
                elif _confined([n - x for x in xs], threshold):
                    problem = (f"{k} {shown} of {n_text} implies a count of {_or([n - x for x in xs])} "
                               f"in the complement ({n} - {_or(xs)})")
                else:
                    continue
                problem += f" (denominator: column '{header[jn]}')"
                break
            if problem is None and interval and unit == 100:
                problem = _interval_problem(k, shown, m.group("p"), *interval, threshold)
            if problem:
                findings.append(Finding(page, caption, row_names[i], header[j], problem))
    return findings


def audit_html(text: str, page: str, threshold: int = 3, suppressed=None) -> list[Finding]:
    """Findings for every table, every embedded data object and (with a manifest of suppressed
    cells, see :func:`read_suppressed`) the text of an HTML page."""
    parser = _Page()
    parser.feed(text)
    parser.close()
    out: list[Finding] = []
    for t in parser.tables:
        out.extend(audit_table(t, page, threshold))
    for where, block, is_row in parser.blocks:  # rates with intervals in the text (tables: above)
        if is_row:
            continue
        for sentence in _sentences(block):
            for tm in _TEXT_RATE.finditer(sentence.replace("\u2212", "-")):
                problem = _interval_problem("rate", " ".join(tm[0].split()), tm["p"], tm["lo"], tm["hi"], threshold)
                if problem:
                    excerpt = sentence if len(sentence) <= 120 else sentence[:117] + "..."
                    out.append(Finding(page, where, excerpt, "", problem))
    for where, block, is_row in parser.blocks:  # "SGB-II-Quote . (z 3,3)": the z value gives the rate back
        for zm in _Z_BESIDE_SUPPRESSED.finditer(block):
            out.append(Finding(page, where, " ".join(block.split())[:120], "",
                               f"a z value beside a suppressed value ('{zm.group(0)}') gives the value back "
                               "with the published values and z values of the other areas"))
    out.extend(_audit_maps(parser.maps, page))
    units = [(where, block, False) for where, block, is_row in parser.blocks if not is_row]
    units += [u for t in parser.tables for u in _row_units(t)]
    for raw in parser.embedded:
        found, tables = audit_embedded(raw, page, threshold)
        out.extend(found)
        units.extend(u for t in tables for u in _row_units(t))
    if suppressed is not None:
        out.extend(audit_text(units, page, read_suppressed(suppressed)))
    return out


def _audit_maps(maps: list[dict], page: str) -> list[Finding]:
    """An interactive map (an element of class ``sa-map``) publishes its values only in its
    declared data (``sa-data``): a ``data-*`` attribute of its markup holding a number, or a
    label (``<title>``, ``<text>``, ``<desc>``) holding a number once the names of the map's
    declared rows are taken out of it, is a finding (it would bypass the kinds and checks)."""
    out = []
    for m in maps:
        names, caption = [], "(interactive map)"
        for raw in m.get("data", []):
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            if isinstance(data, dict):
                caption = f"(interactive map) {data.get('caption') or ''}".strip()
                names += [str(r.get("name")) for key in ("rows", "points") for r in data.get(key) or []
                          if isinstance(r, dict) and r.get("name")]
        names.sort(key=len, reverse=True)
        for tag, attr, value in m["attrs"]:
            if parse_number(str(value)) is not None or _TOKEN.search(str(value)):
                out.append(Finding(page, caption, f"<{tag} {attr}>", attr,
                                   f"the map's markup holds a number ('{value}') outside its declared data"))
        for label in m["labels"]:
            rest = label
            for n in names:
                rest = rest.replace(n, " ")
            if _TOKEN.search(rest):
                out.append(Finding(page, caption, label[:120], "",
                                   "a label of the map holds a number outside its declared data"))
    return out


def _row_units(table: dict) -> list[tuple[str, str, str]]:
    """One unit per table row for the manifest check: ``(caption, label text, count text)``. The
    area's name is looked for in the row's label cells (kind ``text`` or none) and a suppressed
    value in its ``count`` and ``total`` cells (and undeclared ones) only: a row number or a z
    value that happens to equal a suppressed count is no leak, a count column is."""
    caption = table["caption"] or "(ohne Überschrift)"
    header = table.get("header") or []
    out = []
    for r in table["rows"]:
        label, counts = [], []
        aligned = len(r["cells"]) == len(header)
        for j, c in enumerate(r["cells"]):
            kind = c.get("kind") or (header[j]["kind"] if j < len(header) and aligned else None)
            if kind in ("count", "total", None):  # an undeclared cell may hold anything (fail closed)
                counts.append((header[j]["text"] if j < len(header) and aligned else "", c["text"]))
            if kind in (None, "text"):
                label.append(c["text"])
        out.append((caption, _CELL_SEP.join(label), counts))
    return out


def _safe_exact(token: str) -> bool:
    try:
        _exact(token)
    except (ValueError, ZeroDivisionError, InvalidOperation):
        return False
    return True


#: A suppressed value ("." after a word) with its z value: ``SGB-II-Quote . (z 3,3)``.
_Z_BESIDE_SUPPRESSED = re.compile(r"(?<=[^\W\d_] )\.\s*\(\s*z\s*[=:]?\s*[+\-\u2212]?\d[\d,]*\s*\)")
_PERCENT = re.compile(r"[+-]?\d[\d.,]*\s*-?\s*[%‰]")
#: Separates the label cells of a row unit: a name must stand at the start of a cell (not a
#: whitespace character for ``re``'s ``\s``, unlike the ASCII unit separator).
_CELL_SEP = "\x00"



def _has_number(obj) -> bool:
    if isinstance(obj, bool):
        return False
    if isinstance(obj, (int, float)):
        return True
    if isinstance(obj, str):
        return parse_number(obj) is not None
    if isinstance(obj, dict):
        return any(_has_number(v) for v in obj.values())
    if isinstance(obj, list):
        return any(_has_number(v) for v in obj)
    return False


def _records_table(caption: str, kinds: dict, rows: list[dict]) -> dict:
    columns = list(kinds)
    for r in rows:
        columns.extend(c for c in r if c not in columns)
    return {"caption": caption,
            "header": [{"text": str(c), "kind": kinds.get(c)} for c in columns],
            "rows": [{"cells": [{"text": _german(r.get(c)), "kind": None} for c in columns], "class": []}
                     for r in rows]}


def audit_embedded(raw: str, page: str, threshold: int = 3) -> tuple[list[Finding], list[dict]]:
    """Findings for one embedded data object (a JSON script's text or a ``data-sa-values``
    attribute, see *Embedded data* in the module docstring), and the tables read from it."""
    where = "(embedded data)"
    try:
        data = json.loads(raw) if raw.strip() else None
    except ValueError as exc:
        return [Finding(page, where, "", "", f"embedded JSON cannot be read ({exc})")], []
    if isinstance(data, dict) and data.get("type") == "FeatureCollection" and isinstance(data.get("features"), list):
        # GeoJSON: the features' properties are the rows, a top-level "kinds" declares them
        data = {"caption": data.get("caption") or data.get("name"), "kinds": data.get("kinds"),
                "rows": [(f.get("properties") or {}) if isinstance(f, dict) else f for f in data["features"]]}
        if not isinstance(data["kinds"], dict) and not _has_number(data["rows"]):
            return [], []
    objs = data if isinstance(data, list) and data and all(isinstance(d, dict) and "rows" in d for d in data) \
        else [data]
    out, tables = [], []
    for obj in objs:
        ok = (isinstance(obj, dict) and isinstance(obj.get("kinds"), dict) and isinstance(obj.get("rows"), list)
              and all(isinstance(r, dict) for r in obj["rows"]))
        if not ok:
            if _has_number(obj):
                out.append(Finding(page, where, "", "", 'embedded JSON holds numbers but declares no kinds '
                                                        '(expected {"kinds": {...}, "rows": [{...}, ...]})'))
            continue
        t = _records_table(str(obj.get("caption") or where), obj["kinds"], obj["rows"])
        tables.append(t)
        out.extend(audit_table(t, page, threshold))
    return out, tables


# --------------------------------------------------------------------------- page text
def read_suppressed(suppressed) -> list[dict]:
    """The suppressed cells of a manifest (a CSV path or a DataFrame; format in the module
    docstring) as dicts with ``name``, ``measure``, ``value`` (float), ``status``.

    >>> import pandas as pd
    >>> read_suppressed(pd.DataFrame({"name": ["Nord", "Süd"], "measure": ["Einwohner"] * 2,
    ...                               "value": [2, 40], "status": ["primary", ""]}))
    [{'name': 'Nord', 'measure': 'Einwohner', 'value': 2.0, 'status': 'primary'}]
    """
    if isinstance(suppressed, (list, _Manifest)):
        return suppressed
    if isinstance(suppressed, (str, Path)):
        with open(suppressed, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            records = list(reader)
            columns = set(reader.fieldnames or [])
    else:  # a DataFrame
        columns = {str(c) for c in suppressed.columns}
        records = suppressed.astype(object).where(suppressed.notna(), None).to_dict("records")
    missing = [c for c in ("name", "measure", "value", "status") if c not in columns]
    if missing:
        raise ValueError(f"manifest of suppressed cells: column(s) {', '.join(missing)} missing "
                         "(needs name, measure, value, status)")
    out = []
    for r in records:
        status = "" if r["status"] is None else str(r["status"]).strip()
        if not status or status.casefold() == "nan":
            continue
        try:
            value = float(str(r["value"]).strip())
        except ValueError:
            value = parse_number(str(r["value"] or ""))
        if value is None or math.isnan(value) or not str(r["name"] or "").strip():
            continue
        out.append({"name": str(r["name"]).strip(), "measure": str(r["measure"] or ""), "value": value,
                    "status": status})
    return out


def _sentences(text: str) -> list[str]:
    out, start = [], 0
    for m in re.finditer(r"[.!?]\s+(?=[A-ZÄÖÜ])", text):
        word = re.findall(r"(\w+)$", text[start:m.start()])
        if word and word[0].casefold() in _ABBREVIATIONS:
            continue
        out.append(text[start:m.start() + 1])
        start = m.end()
    out.append(text[start:])
    return [s for s in out if s.strip()]


def _keys(value: float) -> set[tuple[Fraction, int]]:
    if float(value).is_integer():
        return {(Fraction(int(value)), 0)}
    keys = set()
    dec = Decimal(repr(float(value)))
    for d in range(1, 5):
        q = Decimal(1).scaleb(-d)
        for mode in (ROUND_HALF_UP, ROUND_HALF_EVEN):
            keys.add((Fraction(dec.quantize(q, rounding=mode)), d))
        keys.add((Fraction(Decimal(f"{value:.{d}f}")), d))
    return keys


def audit_text(units: list[tuple[str, str, bool | list]], page: str, suppressed: list[dict]) -> list[Finding]:
    """Findings for text units: a suppressed cell's area name and value in one sentence or table
    row (see *Manifest of suppressed cells*). A unit is ``(where, text, False)`` for running text
    (split into sentences; name, value and the measure's first four letters anywhere in one) or
    ``(where, label text, [(header,
    cell), ...])`` for a table row (:func:`_row_units`): there the name must begin one of the
    row's label cells and the value stand in a count cell whose column header names the cell's
    measure (or has no header: fail closed), so that a Sozialraum's 22 examined children are not
    taken for its suppressed 22 deaths. A name inside a longer area name of the manifest
    ("Altstadt" in "Altstadt Lindenau") is not that area."""
    manifest = suppressed if isinstance(suppressed, _Manifest) else _Manifest(suppressed)
    index: dict[tuple[Fraction, int], set[int]] = {}
    pieces: list[tuple[str, str, str, bool]] = []  # where, text with the name, text with the value, a row?
    headers: dict[tuple[int, tuple[Fraction, int]], list[str]] = {}  # a row's value -> its headers
    for where, text, rest in units:
        if isinstance(rest, list):  # a table row: (header, cell) pairs
            parts = [(text, " ".join(cell for _, cell in rest), rest)]
        else:
            parts = [(sentence, sentence, None) for sentence in _sentences(text)]
        for named, valued, cells in parts:
            k = len(pieces)
            pieces.append((where, named, valued, cells is not None))
            for head, cell in (cells if cells is not None else [("", valued)]):
                for tok in _TOKEN.findall(cell):
                    try:
                        key = _exact(tok)
                    except (ValueError, ZeroDivisionError, InvalidOperation):
                        continue
                    index.setdefault(key, set()).add(k)
                    if cells is not None:
                        headers.setdefault((k, key), []).append(head)
    # the cells whose value stands on the page at all, from the page's numbers (not from every cell
    # of the manifest: a Land's manifest holds tens of thousands of cells, a page a few hundred numbers)
    hits_of: dict[int, set[int]] = {}
    for key, ks in index.items():
        for i in manifest.by_key.get(key, ()):
            hits_of.setdefault(i, set()).update(ks)
    out = []
    for i in sorted(hits_of):
        cell, keys = manifest.cells[i], manifest.keys[i]
        pattern, in_cell, word, stem = manifest.patterns(i)
        for k in sorted(hits_of[i]):
            where, named, valued, is_row = pieces[k]
            shown = named
            if is_row:  # the value under a header naming the measure
                heads = [h for key in keys for h in headers.get((k, key), [])]
                hit = in_cell.search(named) and any(not h or (word and word.search(h)) for h in heads)
            else:
                for m in manifest.longer(cell["name"]):
                    named = named.replace(m, " ")
                hit = pattern.search(named) and (stem is None or stem.search(named))
                if hit and float(cell["value"]).is_integer():  # a count: a percentage ("95-%-Grenze") is none
                    bare = {_exact(t) for t in _TOKEN.findall(_PERCENT.sub(" ", valued)) if _safe_exact(t)}
                    hit = any(key in bare for key in keys)
            if hit:
                named = shown.replace(_CELL_SEP, " ")  # as the page shows it, longer names and all
                s = f"{named} | {valued}" if is_row and named != valued else named
                excerpt = s if len(s) <= 120 else s[:117] + "..."
                out.append(Finding(page, where, excerpt, cell["measure"],
                                   f"the {cell['status']} suppressed value {_fmt(cell['value'])} of "
                                   f"'{cell['name']}' stands beside the area's name"))
    return out


class _Manifest:
    """The suppressed cells of a manifest (:func:`read_suppressed`) prepared once for every page of
    a site: each cell's rounded values (:func:`_keys`) indexed, its patterns and the longer area
    names containing its name computed on first use. :func:`audit_text` with a plain list
    prepares it per call, which costs the manifest's size per page."""

    def __init__(self, cells: list[dict]):
        self.cells = list(cells)
        self.keys = [_keys(c["value"]) for c in self.cells]
        self.by_key: dict[tuple[Fraction, int], list[int]] = {}
        for i, keys in enumerate(self.keys):
            for key in keys:
                self.by_key.setdefault(key, []).append(i)
        self._names = sorted({c["name"] for c in self.cells})
        self._longer: dict[str, list[str]] = {}
        self._patterns: dict[int, tuple] = {}

    def longer(self, name: str) -> list[str]:
        """The manifest's area names that contain ``name`` as whole words ("Altstadt Lindenau")."""
        if name not in self._longer:
            whole = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
            self._longer[name] = [m for m in self._names if m != name and name in m and whole.search(m)]
        return self._longer[name]

    def patterns(self, i: int) -> tuple:
        """``(name in text, name at a label cell's beginning, measure word in a header, measure stem)``."""
        if i not in self._patterns:
            cell = self.cells[i]
            pattern = re.compile(rf"(?<!\w){re.escape(cell['name'])}(?!\w)")
            # in a table row the name is a label cell's beginning, not followed by more words
            # ("Altstadt" is not "Altstadt Lindenau"; "Brakenhagen ¹" is Brakenhagen)
            in_cell = re.compile(rf"(?:^|{_CELL_SEP})[ \t\xa0]*{re.escape(cell['name'])}(?![ \t\xa0]*[^\W\d_])")
            word = re.compile(rf"(?<!\w){re.escape(cell['measure'])}", re.IGNORECASE) if cell["measure"] else None
            # in running text the sentence must also speak of the measure, else every intro listing
            # areas and ages would match: its first word as a whole word ("Einwohner", inflected
            # "Einwohnern", "Einwohnerinnen") or abbreviated with a full stop ("Einw."), never a word
            # that merely begins with the same letters ("Einwanderung" is not "Einwohner")
            self._patterns[i] = (pattern, in_cell, word, _measure_word(cell["measure"]))
        return self._patterns[i]


def _measure_word(measure: str | None):
    """A pattern finding the first word of ``measure`` in running text as a whole word, inflected
    (``-n``, ``-en``, ``-s``, ``-e``, ``-innen``) or abbreviated with a full stop (at least four
    letters); None for a measure without a word.

    >>> w = _measure_word("Einwohner")
    >>> [bool(w.search(t)) for t in ("1.195 Einw. 2024", "Einwohnerinnen", "den Einwohnern", "Einwanderung", "Ein.")]
    [True, True, True, False, False]
    """
    first = re.match(r"[^\W\d_]+", measure or "")
    if not first:
        return None
    w = first.group(0)
    short = "".join(f"|{re.escape(w[:n])}\\." for n in range(4, len(w)))
    return re.compile(rf"(?<!\w)(?:{re.escape(w)}(?:innen|en|n|s|e)?(?!\w){short})", re.IGNORECASE)


# --------------------------------------------------------------------------- downloads
def _download_value(text) -> str:
    """A download cell as German text (machine numbers converted, text kept)."""
    if text is None:
        return ""
    t = str(text).strip()
    if t in ("nan", "None"):
        return ""
    try:
        f = float(t)
    except ValueError:
        return t
    if math.isnan(f) or math.isinf(f):
        return ""
    return _fmt(f) if re.fullmatch(r"[+-]?\d+(\.\d+)?(e[+-]?\d+)?", t, re.IGNORECASE) else t


def _read_csv_rows(path: Path) -> list[list[str]]:
    """The rows of a CSV/TSV download as text: UTF-8 (a byte order mark is dropped), the
    delimiter ``;`` if the header line holds one (the report's downloads), tab for ``.tsv``,
    else what :class:`csv.Sniffer` finds (``,`` when it finds nothing)."""
    text = path.read_bytes().decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    if path.suffix.lower() == ".tsv":
        delim = "\t"
    elif ";" in first:
        delim = ";"
    else:
        try:
            delim = csv.Sniffer().sniff(text[:4096]).delimiter
        except csv.Error:
            delim = ","
    return [row for row in csv.reader(text.splitlines(), delimiter=delim)]


#: An Excel number format that fixes the decimals shown: ``0``, ``#,##0``, ``#,##0.0``, ``+0.00`` (first section).
_FIXED_FORMAT = re.compile(r"^\+?(?:#,##)?0(?:\.(0+))?$")


def _excel_text(value, number_format: str | None) -> str:
    """An Excel cell as the text the reader sees: a number whose format fixes its decimals
    (``#,##0.0``: 0 reads ``0,0``, not ``0``) at those decimals, in German notation, so that an
    exact 0 or 100 is audited at the precision it is shown with; anything else as its value.

    >>> _excel_text(0.0, "#,##0.0"), _excel_text(100, "0.00"), _excel_text(0.0, "General"), _excel_text("x", "0.0")
    ('0,0', '100,00', '0.0', 'x')
    >>> _excel_text(-1234.5, "+#,##0.0;-#,##0.0;#,##0.0"), _excel_text(7, "#,##0")
    ('-1234,5', '7')
    """
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        m = _FIXED_FORMAT.match(str(number_format or "").split(";", 1)[0])
        if m:
            d = len(m.group(1) or "")
            return f"{value:.{d}f}".replace(".", ",")
    return str(value)


def _read_excel_sheets(path: Path) -> list[tuple[str, list[list[str]], list[str]]]:
    """Every sheet of an Excel download as ``(sheet, table rows, other text)``: the table is the
    sheet's Excel table (its range, header first) if it has one, else every row from the first
    non-empty one; the other text is every cell outside that range (title, footnotes, source),
    one unit per row. Cells are machine values as text (numbers converted by
    :func:`_download_value`)."""
    if path.suffix.lower() == ".xls":
        import pandas as pd  # pandas (xlrd): old Excel files only

        out = []
        for name, df in pd.read_excel(path, sheet_name=None, header=None, dtype=str, keep_default_na=False).items():
            rows = [[str(v) for v in r] for r in df.itertuples(index=False)]
            out.append((str(name), rows, []))
        return out
    from openpyxl import load_workbook  # openpyxl: Excel downloads only
    from openpyxl.utils.cell import range_boundaries

    wb = load_workbook(path, data_only=True)
    out = []
    for ws in wb.worksheets:
        grid = [[_excel_text(c.value, c.number_format) for c in row] for row in ws.iter_rows()]
        tables = list(ws.tables.values())
        if tables:
            c0, r0, c1, r1 = range_boundaries(tables[0].ref)
            inside = {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
            rows = [[grid[r - 1][c - 1] if r - 1 < len(grid) and c - 1 < len(grid[r - 1]) else ""
                     for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]
        else:
            first = next((i for i, r in enumerate(grid) if any(v.strip() for v in r)), len(grid))
            inside = {(r + 1, c + 1) for r in range(first, len(grid)) for c in range(len(grid[r]))}
            rows = grid[first:]
        other = [" ".join(v for c, v in enumerate(row, start=1) if v.strip() and (r, c) not in inside)
                 for r, row in enumerate(grid, start=1)]
        out.append((ws.title, rows, [t for t in other if t.strip()]))
    return out


def _pair_intervals(header: list[dict], rows: list[list[str]]) -> tuple[list[dict], list[list[str]]]:
    """Two adjacent ``interval`` columns holding single numbers (a download's lower and upper
    bound, ``Quote (%): untere Grenze`` and ``...: obere Grenze``) as one interval column
    ``lo – hi``, as a page writes it, for the interval checks."""
    j = 0
    header, rows = list(header), [list(r) for r in rows]
    while j + 1 < len(header):
        a, b = header[j], header[j + 1]
        single = all(parse_number(r[j]) is not None or r[j].strip() in ("", SUPPRESSED) for r in rows if len(r) > j + 1) \
            and all(parse_number(r[j + 1]) is not None or r[j + 1].strip() in ("", SUPPRESSED)
                    for r in rows if len(r) > j + 1)
        if a["kind"] == "interval" and b["kind"] == "interval" and single:
            header[j:j + 2] = [{"text": a["text"], "kind": "interval"}]
            for r in rows:
                if len(r) > j + 1:
                    lo, hi = r[j].strip(), r[j + 1].strip()
                    r[j:j + 2] = [f"{lo} – {hi}" if lo and hi and SUPPRESSED not in (lo, hi)
                                  else SUPPRESSED if SUPPRESSED in (lo, hi) else ""]
        j += 1
    return header, rows


def audit_download(path: Path, page: str, threshold: int = 3, suppressed=None) -> list[Finding]:
    """Findings for a CSV or Excel download: its columns' kinds come from the sidecar
    ``<file>.kinds.json`` (module docstring); every sheet is audited as a table (an Excel sheet's
    Excel table, if it has one, and the text around it: title, footnotes, source)."""
    path = Path(path)
    excel = path.suffix.lower() in (".xlsx", ".xls")
    try:
        if excel:
            sheets = _read_excel_sheets(path)
        else:
            sheets = [("", _read_csv_rows(path), [])]
    except Exception as exc:  # noqa: BLE001 - an unreadable download is a finding, not a crash
        return [Finding(page, "", "", "", f"cannot be read ({type(exc).__name__}: {exc})")]
    out: list[Finding] = []
    sidecar = path.with_name(path.name + ".kinds.json")
    declared: dict = {}
    if sidecar.is_file():
        try:
            declared = json.loads(sidecar.read_text(encoding="utf-8"))
            if not isinstance(declared, dict):
                raise ValueError("not a JSON object")  # noqa: TRY004 - reported like bad JSON
        except ValueError as exc:
            out.append(Finding(page, sidecar.name, "", "", f"declaration of kinds cannot be read ({exc})"))
            declared = {}
    units: list = []
    for sheet, grid, other in sheets:
        caption = sheet or path.name
        kinds = declared.get(sheet, {}) if excel else declared
        if not isinstance(kinds, dict):
            kinds = {}
        if not grid:
            continue
        columns = [str(c).strip() for c in grid[0]]
        body = [[_download_value(v) for v in r] + [""] * (len(columns) - len(r)) for r in grid[1:]]
        for c in kinds:
            if c not in columns:
                out.append(Finding(page, caption, "", str(c), "the sidecar declares a column the file does not have"))
        header = []
        row_kinds: dict[int, list] = {}
        for j, c in enumerate(columns):
            k = kinds.get(c)
            if isinstance(k, list):  # one kind per data row (a column of mixed rows)
                if len(k) != len(body):
                    out.append(Finding(page, caption, "", c, f"the sidecar gives {len(k)} kinds for {len(body)} rows"))
                row_kinds[j] = list(k) + [None] * (len(body) - len(k))
                k = None
            header.append({"text": c, "kind": k if isinstance(k, str) or k is None else str(k)})
        for j, c in enumerate(columns):  # "<label>: Einheit" gives a column of mixed rows its unit per row
            u = columns.index(f"{c}: Einheit") if f"{c}: Einheit" in columns else None
            if u is not None:
                for r in body:
                    if r[u].strip() in ("%", "‰") and parse_number(r[j]) is not None:
                        r[j] = f"{r[j]} {r[u].strip()}"
        cells = [[{"text": v, "kind": row_kinds[j][i] if j in row_kinds else None} for j, v in enumerate(r)]
                 for i, r in enumerate(body)]
        if not row_kinds:
            header, texts = _pair_intervals(header, body)
            cells = [[{"text": v, "kind": None} for v in r] for r in texts]
        t = {"caption": caption, "header": header,
             "rows": [{"cells": r, "class": []} for r in cells],
             "labels": [f"Zeile {n}" for n in range(2, len(body) + 2)]}
        out.extend(audit_table(t, page, threshold))
        units.extend(_row_units(t))
        for n, r in zip(t["labels"], cells):  # "SGB-II-Quote . (z 3,3)" in a cell
            joined = " ".join(c["text"] for c in r)
            for zm in _Z_BESIDE_SUPPRESSED.finditer(joined):
                out.append(Finding(page, caption, n, "", f"a z value beside a suppressed value ('{zm.group(0)}') "
                                                         "gives the value back"))
        for line in other:  # title, footnotes, source: text as on a page
            units.append((caption, line, False))
            for sentence in _sentences(line):
                for tm in _TEXT_RATE.finditer(sentence.replace("\u2212", "-")):
                    problem = _interval_problem("rate", " ".join(tm[0].split()), tm["p"], tm["lo"], tm["hi"], threshold)
                    if problem:
                        out.append(Finding(page, caption, sentence[:120], "", problem))
    if suppressed is not None:
        out.extend(audit_text(units, page, read_suppressed(suppressed)))
    return out


def _print_of_page(site: Path, rel: str) -> bool:
    """Whether ``rel`` is a PDF the build printed from audited pages (:mod:`sozialanalyse.build.pdf`):
    ``pdf/<page>.pdf`` of an HTML page of the site, or ``pdf/bericht.pdf``, the whole report."""
    if rel == "pdf/bericht.pdf":
        return True
    return rel.startswith("pdf/") and (site / (rel[len("pdf/"):-len(".pdf")] + ".html")).is_file()


def audit_files(folder: str | Path, threshold: int = 3, suppressed=None,
                stop=None) -> dict[str, tuple[str, list[Finding]]]:
    """Audit every file under ``folder`` ahead of the site it will be moved into, as
    :func:`audit_site` audits a file of a site (the same rules; ``folder`` laid out as the site):
    ``{path: (digest, findings)}``, for :func:`audit_site`'s ``audited``. The digest covers what
    the findings depend on (:func:`_audited_digest`): the file's bytes, its ``.kinds.json``
    sidecar, the threshold and the manifest. The build audits its downloads this way while
    Jupyter Book writes the pages (issue 19). ``stop``: a callable asked before each file; when it
    returns true the audit ends early, returning what it has (the build stops on an error)."""
    folder = Path(folder)
    cells = None if suppressed is None else _cells(suppressed)
    prepared = None if cells is None else _Manifest(cells)
    rules = _rules_digest(threshold, cells)
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if stop is not None and stop():
            break
        rel = path.relative_to(folder).as_posix()
        out[rel] = (_audited_digest(folder, rel, rules), _audit_file(folder, rel, threshold, prepared))
    return out


def _rules_digest(threshold: int, cells: list[dict] | None) -> str:
    """sha256 of the rules a file is audited by: the threshold and the manifest's cells."""
    import hashlib
    import json

    return hashlib.sha256(json.dumps([threshold, cells], sort_keys=True, default=str).encode()).hexdigest()


def _audited_digest(site: Path, rel: str, rules: str) -> str:
    """sha256 of what the findings for the file ``rel`` of ``site`` depend on: its bytes, the
    bytes of its ``.kinds.json`` sidecar (a download's column kinds) if there is one, and
    ``rules`` (:func:`_rules_digest`)."""
    import hashlib

    h = hashlib.sha256(rules.encode())
    path = site / rel
    for part in (path, path.with_name(path.name + ".kinds.json")):
        data = part.read_bytes() if part.is_file() else b""
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def _cells(suppressed) -> list[dict]:
    cells = read_suppressed(suppressed)
    return cells.cells if isinstance(cells, _Manifest) else cells


def audit_site(site: str | Path, threshold: int = 3, suppressed=None, inputs: dict[str, str] | None = None,
               jobs: int = 1, audited: dict[str, tuple[str, list[Finding]]] | None = None) -> list[Finding]:
    """Findings for every HTML page and every CSV/Excel download under ``site``.

    ``suppressed``: the manifest of suppressed cells (a CSV path or a DataFrame, see the module
    docstring); without it the text of the pages is not compared with suppressed values.
    ``inputs``: copies of input files the report publishes deliberately (a synthetic district's
    data folder, page *Daten und Methoden*), ``{path in the site: sha256}``: such a file is not
    read as a table when its bytes have that sha256; a listed file with other bytes, or missing,
    is a finding. Never pass real input files: they hold every count before protection.
    ``jobs``: processes reading the files (a Land's site has thousands; one process per
    :data:`_FILES_PER_WORKER` files or :data:`_BYTES_PER_WORKER` bytes at most); the findings are the same and in the same order (by
    file) with any number. ``audited``: files audited ahead (:func:`audit_files`),
    ``{path in the site: (digest, findings)}``: such a file's findings are taken where the
    digest of the file in the site, its sidecar and this audit's threshold and manifest is the
    same (:func:`_audited_digest`); any other file is audited here. The processes are fresh interpreters (spawn), which import the
    caller's script again: a script that calls this at its top level, without
    ``if __name__ == "__main__":``, is read by one process (:func:`_spawn_safe`).
    """
    import hashlib

    inputs = dict(inputs or {})
    site = Path(site).resolve()  # the published _build/html is a symlink
    if not site.is_dir():
        raise FileNotFoundError(f"{site}: no such site folder")
    out: list[Finding] = []
    cells = None
    if suppressed is not None:
        if isinstance(suppressed, (str, Path)):
            manifest = Path(suppressed).resolve()
            if manifest.is_relative_to(site):
                out.append(Finding(manifest.relative_to(site).as_posix(), "", "", "",
                                   "the manifest of suppressed cells lies inside the published site"))
        cells = _cells(suppressed)
    for rel, sha in sorted(inputs.items()):
        path = site / rel
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != sha:
            out.append(Finding(rel, "", "", "", "a published input file is missing or differs from its data folder's "
                                                "file (sha256)"))
    files = [rel for rel in (p.relative_to(site).as_posix() for p in sorted(site.rglob("*"))
                             if p.is_file() and "_sources" not in p.relative_to(site).parts)
             if rel not in inputs]  # an input file is checked byte for byte above
    ahead = {}
    rules = _rules_digest(threshold, cells) if audited else ""
    for rel, (digest, found) in (audited or {}).items():
        if (site / rel).is_file() and _audited_digest(site, rel, rules) == digest:
            ahead[rel] = found
    todo = [rel for rel in files if rel not in ahead]
    size = sum((site / rel).stat().st_size for rel in todo)
    workers = max(1, min(int(jobs), max(len(todo) // _FILES_PER_WORKER, size // _BYTES_PER_WORKER)))
    if workers == 1 or not _spawn_safe():
        prepared = None if cells is None else _Manifest(cells)
        found = {rel: _audit_file(site, rel, threshold, prepared) for rel in todo}
    else:
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        # fresh interpreters (spawn), as the build's other pools: no state of the caller is forked
        from .lifetime import end_with_parent

        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=end_with_parent,
                                 initargs=(_start_worker, str(site), threshold, cells)) as pool:
            found = dict(zip(todo, pool.map(_audit_in_worker, todo, chunksize=8)))
    for rel in files:
        out.extend(ahead[rel] if rel in ahead else found[rel])
    return out


#: A second process pays for itself from this many files on (it starts a fresh interpreter).
_FILES_PER_WORKER = 400
#: ... or from this many bytes to read: once a Land of 400's downloads were audited ahead, the
#: files left (its 401 pages of about 0.8 MB, static files, chart data: by estimate fewer than
#: 800) fell under the rule above, and the audit took 45.1 s against 45.8 s for the whole site
#: in two processes before; with this rule 24.0 s (versions.py at 400, dbcbb1d; issue 19). The
#: number of processes is inferred from the times and the code, not logged.
_BYTES_PER_WORKER = 32 * 2**20
def _spawn_safe() -> bool:
    """Whether a spawned process can start from this ``__main__``: an interactive session or a
    kernel (no file), ``python -m package`` (a ``__main__`` module, which spawn does not run
    again), or a script with an ``if __name__ == "__main__":`` guard. A script without one would
    run again in every process and start its own audit there (Python stops that with an error
    and the pool waits for a worker that never comes)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    spec = getattr(main, "__spec__", None)
    if not path or (spec is not None and spec.name.rpartition(".")[2] == "__main__"):
        return True
    if multiprocessing.parent_process() is not None:  # already in a spawned process
        return False
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"""__name__\s*==\s*['"]__main__['"]""", text) is not None


#: The state of a process of :func:`audit_site`'s pool: the site's folder, threshold and prepared manifest.
_WORKER: dict = {}


def _start_worker(site: str, threshold: int, cells: list[dict] | None) -> None:
    _WORKER.update(site=Path(site), threshold=threshold, cells=None if cells is None else _Manifest(cells))


def _audit_in_worker(rel: str) -> list[Finding]:
    return _audit_file(_WORKER["site"], rel, _WORKER["threshold"], _WORKER["cells"])


def _audit_file(site: Path, rel: str, threshold: int, cells: _Manifest | None) -> list[Finding]:
    """Findings for the file ``rel`` of ``site`` (see :func:`audit_site`)."""
    path = site / rel
    suffix = path.suffix.lower()
    if suffix == ".html":
        return audit_html(path.read_text(encoding="utf-8", errors="replace"), rel, threshold, cells)
    if suffix in (".csv", ".tsv", ".xlsx", ".xls"):
        return audit_download(path, rel, threshold, cells)
    if suffix == ".pdf" and not _print_of_page(site, rel):
        return [Finding(rel, "", "", "", "a PDF that is not the print of an audited page of this site "
                                         "(pdf/<page>.pdf or pdf/bericht.pdf)")]
    if suffix in (".json", ".geojson") and not path.name.endswith(".kinds.json"):  # chart and map data
        found, tables = audit_embedded(path.read_text(encoding="utf-8", errors="replace"), rel, threshold)
        if cells is not None:
            found = found + audit_text([u for t in tables for u in _row_units(t)], rel, cells)
        return found
    return []
