"""Attacks on a built site, written as an attacker would, independently of the library's audit.

Nothing of ``sozialanalyse`` is imported: the pages are read as HTML (every text, every table, class
``sa-table`` or not, the alt texts of images), the area tree comes from the district's
``areas.csv``, and the Wilson interval is computed here from its formula.

- :func:`direct`: a planted small value printed next to its area's name: in the same table row (or
  the column headed by the area, or a table on the area's own profile page) under a heading that
  names the measure, or in one sentence with the area's name and the measure.
- :func:`interval_inversion`: every share "p %" with its interval "(lo – hi %)" is inverted: all
  counts x of all denominators n up to :data:`N_MAX` consistent with the rounded p, lo and hi
  (Wilson, 95 %); without an interval, the denominators n published for the same area (same row,
  same sentence, or a count of the area under a denominator's name (:data:`DENOMINATORS`)
  anywhere on the site) are tried. Flagged when every consistent x, or every complement n − x,
  lies in 1..2, or every x in 0..2 while the same measure of the area is suppressed elsewhere
  (a suppressed cell is not 0).
- :func:`differencing`: every published count per (area, measure, year) of all pages; where a
  parent and all its children but one are published, the missing child is the difference; where
  a span of years (2020–2024) and all its single years but one are published, the missing year.
  Flagged when it equals a planted small value (every recovered value of 1..2 is returned too).
- :func:`z_values`: a z value printed beside a suppressed value, or an index / z value printed for
  an area whose input of the index (:data:`INDEX_INPUTS`) is suppressed anywhere on the site (the
  Senioren chapter's Altersarmut and the profile's Statusindex).

A finding is a :class:`Finding` naming the page and the text that gives the value away.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from bs4 import BeautifulSoup

#: Mark of a suppressed cell (statistical offices' "."), and of a missing value.
SUPPRESSED = "."
#: The normal quantile of the 95 % interval.
Z95 = 1.959963984540054
#: Largest denominator tried when inverting an interval without a published denominator.
N_MAX = 5000
#: Measure of a variable as a page names it (regex, case-insensitive), for the direct attack.
MEASURES = {
    "einwohner": r"einw|bevölkerung",
    "sgb2_personen": r"sgb[ -]?ii|bürgergeld|leistungsberecht",
    "sgb2_personen_unter15": r"unter 15|kinderarmut",
    "grundsicherung_65plus": r"grundsicherung|altersarmut",
    "wohngeld_haushalte": r"wohngeld",
    "arbeitslose": r"arbeitslos",
    "langzeitarbeitslose": r"langzeitarbeitslos",
    "svb_wohnort": r"sozialversicherungspflichtig|beschäftigt",
    "pflegebeduerftige": r"pflege",
    "schwerbehinderte": r"schwerbehindert|behinderung",
    "haushalte": r"haushalt|alleinleb",
    "sterbefaelle": r"sterbef|starben|gestorben|todesf",
    "geburten": r"geburt|geboren",
    "zuzuege": r"zuz[uü]g|zugezogen|wanderung",
    "fortzuege": r"fortz[uü]g|fortgezogen|wanderung",
    "einschulung_untersuchte": r"untersucht|einschulung|schuleingang",
    "einschulung_uebergewicht": r"übergewicht",
    "einschulung_sprachfoerderbedarf": r"sprachförder",
    "mietangebote": r"mietangebot|angebot",
    "wahlberechtigte": r"wahlberechtigt",
    "waehler": r"wähler|wahlbeteiligung",
}
#: A category of a dimension as a page names it.
CATEGORIES = {"stationaer": r"station|pflegeheim|heim", "ambulant": r"ambulant", "pflegegeld": r"pflegegeld"}

_NUM = r"\d{1,3}(?:\.\d{3})+|\d+"
_DEC = r"\d+(?:\.\d{3})*(?:,\d+)?"
_INT_CELL = re.compile(rf"^({_NUM})$")
_FOOT = re.compile(r"[¹²³⁴⁵⁶⁷⁸⁹⁰*†]+")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_SPAN = re.compile(r"\b((?:19|20)\d{2})\s*[–-]\s*((?:19|20)\d{2})\b")
_PCT_CELL = re.compile(rf"^({_DEC})\s*%\s*(?:\(\s*({_DEC})\s*[–-]\s*({_DEC})\s*%?\s*\))?$")
_IVL_CELL = re.compile(rf"^({_DEC})\s*%?\s*[–-]\s*({_DEC})\s*%?$")
#: A whole number in running text (not part of a decimal, a share, or a date blanked by _undated).
_INT_TEXT = re.compile(rf"(?<![\d,.#])({_NUM})(?![\d]|[,.]\d|\s*%)")
_PCT_TEXT = re.compile(rf"(?<![\d,.])({_DEC})\s*%(?:\s*\(\s*(?:95-%-Intervall\s*)?({_DEC})\s*[–-]\s*({_DEC})\s*%?\s*\))?")


@dataclass(frozen=True)
class Finding:
    attack: str
    page: str
    area: str
    text: str
    detail: str = ""

    def __str__(self) -> str:
        return f"[{self.attack}] {self.page}: {self.area}: {self.text!r} {self.detail}".rstrip()


@dataclass
class Table:
    caption: str
    header: list          # texts of the column headers (last header row)
    rows: list            # rows of cell texts (body)
    kinds: list = field(default_factory=list)  # per row, each cell's data-sa-kind ("" if none)


@dataclass
class Page:
    path: str
    title: str
    tables: list = field(default_factory=list)
    sentences: list = field(default_factory=list)
    subject: str | None = None   # area id of a page about one area (its title is the area's name)


# --- reading the site ------------------------------------------------------------------------------

def _text(el) -> str:
    return re.sub(r"\s+", " ", el.get_text(" ", strip=True)).strip()


def _clean(cell: str) -> str:
    """A cell without footnote marks and the heading anchor."""
    return _FOOT.sub("", cell).replace("#", "").strip()


_DATE = re.compile(r"\b\d{1,2}\.\d{1,2}\.((?:19|20)\d{2})\b")


def _undated(s: str) -> str:
    """``s`` with the day and month of dates blanked (``31.12.2024`` → ``######2024``), same length."""
    return _DATE.sub(lambda m: "#" * (len(m.group(0)) - 4) + m.group(1), s)


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?;])\s+(?=[A-ZÄÖÜ(])", text)
    return [p.strip() for p in parts if p.strip()]


def parse_html(html: str, path: str = "page.html") -> Page:
    """One page: its tables (every ``<table>``) and its sentences (text outside tables, image alt
    texts and titles, text outputs)."""
    soup = BeautifulSoup(html, "html.parser")
    for bad in soup.find_all(["script", "style", "noscript"]):
        bad.decompose()
    for number in soup.select("span.sa-number"):  # "Abbildung 2: ", "Tabelle 1: ": page furniture, no data
        number.decompose()
    main = soup.find("main") or soup.find("article") or soup.body or soup
    h1 = main.find("h1")
    page = Page(path, _clean(_text(h1)) if h1 else "")
    for t in main.find_all("table"):
        cap = t.find("caption")
        trs = t.find_all("tr")
        head_rows = [tr for tr in trs if tr.find_parent("thead") is not None]
        body_rows = [tr for tr in trs if tr not in head_rows]
        if not head_rows and body_rows and body_rows[0].find("td") is None:  # header row of <th> only
            head_rows, body_rows = body_rows[:1], body_rows[1:]
        header = [_text(c) for c in head_rows[-1].find_all(["th", "td"])] if head_rows else []
        rows = [[_text(c) for c in tr.find_all(["th", "td"])] for tr in body_rows]
        kinds = [[c.get("data-sa-kind") or "" for c in tr.find_all(["th", "td"])] for tr in body_rows]
        page.tables.append(Table(_text(cap) if cap else "", header, rows, kinds))
    for img in main.find_all(["img", "svg", "area"]):
        for attr in ("alt", "title", "aria-label"):
            if img.get(attr):
                page.sentences += _sentences(img.get(attr))
    for t in main.find_all("table"):
        t.decompose()
    for block in main.find_all(["p", "li", "dd", "dt", "figcaption", "pre", "h1", "h2", "h3", "h4", "span"]):
        if block.find(["p", "li", "pre"]) is None:
            page.sentences += _sentences(_text(block))
    return page


def read_site(site: Path) -> list[Page]:
    """Every HTML page of a built site (without Sphinx's search and index pages)."""
    out = []
    for p in sorted(Path(site).rglob("*.html")):
        rel = p.relative_to(site).as_posix()
        if rel.startswith("_") or rel in ("search.html", "genindex.html"):
            continue
        out.append(parse_html(p.read_text(encoding="utf-8"), rel))
    return out


@dataclass
class Areas:
    """The area tree of the district (``areas.csv``)."""

    names: dict     # area_id -> name
    parent: dict    # area_id -> parent_id

    @classmethod
    def read(cls, data_folder: Path) -> Areas:
        df = pd.read_csv(Path(data_folder) / "areas.csv", dtype=str, keep_default_na=False)
        return cls(dict(zip(df["area_id"], df["name"])), dict(zip(df["area_id"], df["parent_id"])))

    def children(self, area: str) -> list[str]:
        return [a for a, p in self.parent.items() if p == area]

    def by_name(self) -> dict:
        return {n: a for a, n in self.names.items()}

    def find(self, text: str) -> list[tuple[int, str]]:
        """(position, area id) of every area name in ``text``, the longest name first, not overlapping."""
        taken = np.zeros(len(text) + 1, dtype=bool)
        out = []
        for name, a in sorted(self.by_name().items(), key=lambda kv: -len(kv[0])):
            for m in re.finditer(rf"(?<![\wäöüÄÖÜß]){re.escape(name)}(?![\wäöüÄÖÜß])", text):
                if not taken[m.start():m.end()].any():
                    taken[m.start():m.end()] = True
                    out.append((m.start(), a))
        return sorted(out)

    def cell(self, text: str) -> str | None:
        """The area a table cell names: the whole cell is a name (or starts with it, followed by
        a parenthesis as in "Salinenviertel (Bad Lindenau, Nr. 4)")."""
        c = _clean(text)
        by = self.by_name()
        if c in by:
            return by[c]
        m = re.match(r"^(.+?)\s*\(", c)
        return by.get(m.group(1)) if m else None


def assign_subjects(pages: list[Page], areas: Areas) -> None:
    by = areas.by_name()
    for p in pages:
        p.subject = by.get(p.title)


# --- numbers -----------------------------------------------------------------------------------------

def de_number(s: str) -> float:
    """``1.234`` → 1234, ``12,5`` → 12.5."""
    return float(s.replace(".", "").replace(",", "."))


def decimals(s: str) -> int:
    return len(s.split(",")[1]) if "," in s else 0


def _years(text: str) -> tuple | None:
    """The years a text refers to: a span (first, last) or one year; None if it names none."""
    m = _SPAN.search(text)
    if m:
        return int(m.group(1)), int(m.group(2))
    ys = _YEAR.findall(text)
    return (int(ys[-1]), int(ys[-1])) if ys else None


def _year_fits(context_years: tuple | None, planted_years: tuple, default: int | None) -> bool:
    span = context_years or ((default, default) if default else None)
    if span is None:
        return True
    return (span[0], span[1]) == (planted_years[0], planted_years[-1])


@dataclass(frozen=True)
class Cell:
    """One number of a page with what it belongs to."""

    page: str
    area: str
    label: str     # the measure as the page names it (column or row header, sentence)
    years: tuple | None
    text: str      # the cell or sentence shown
    raw: str       # the number as printed
    row: str = ""  # the whole row or sentence


def table_cells(page: Page, areas: Areas) -> list[Cell]:
    """Every non-empty cell of the page's tables with its area, measure label and years: the area
    is the one the column header names, else the one the row names, else the page's subject."""
    out = []
    for t in page.tables:
        head_areas = [areas.cell(h) for h in t.header]
        for r in t.rows:
            row_area = next((a for a in (areas.cell(c) for c in r[:3]) if a), None)
            row_text = " | ".join(r)
            for j, c in enumerate(r):
                h = t.header[j] if j < len(t.header) and len(r) == len(t.header) else ""
                area = (head_areas[j] if j < len(head_areas) and len(r) == len(t.header) else None) \
                    or row_area or page.subject
                if area is None or areas.cell(c):
                    continue
                if head_areas and j < len(head_areas) and head_areas[j]:
                    label = r[0]                      # area in the column: the row names the measure
                elif row_area:
                    label = h
                else:
                    label = f"{r[0]} {h}"            # profile tables: row = measure, column = year
                years = _years(h) or (_years(r[0]) if not row_area else None) or _years(t.caption)
                out.append(Cell(page.path, area, f"{label} | {t.caption}", years, c, c, row_text))
    return out


#: Words right after a number that make it an age or a span of years, not a count of persons.
_AGE_AFTER = re.compile(r"\s*(?:-?\s*Jährig|Jahre\b|Jahren\b|J\.|Lebensjahr|-\s+(?:bis|und)\s+\d+\s*-?\s*Jährig)", re.I)
#: Words right before a number that make it the base of a rate ("je 1.000 Einw."), not a count.
_BASE_BEFORE = re.compile(r"\b(?:je|pro)\s+$", re.I)


def _text_counts(s: str):
    """The whole numbers of a sentence that may count something: not years, not ages, not the
    base of a rate."""
    for m in _INT_TEXT.finditer(_undated(s)):
        if _YEAR.fullmatch(m.group(0)) or _AGE_AFTER.match(s, m.end()) or _BASE_BEFORE.search(s[:m.start()]):
            continue
        yield m


def text_numbers(page: Page, areas: Areas) -> list[Cell]:
    """Integers of the sentences with the area they stand next to: the nearest area name before the
    number in the sentence (else the page's subject) and the words right after the number."""
    out = []
    for s in page.sentences:
        found = areas.find(s)
        for m in _text_counts(s):
            raw = m.group(0)
            if s[max(0, m.start() - 1):m.start()] in (".",):
                continue
            before = [a for pos, a in found if pos < m.start()]
            area = before[-1] if before else page.subject
            if area is None:
                continue
            after = s[m.end():m.end() + 40]
            out.append(Cell(page.path, area, after + " | " + s, _years(s), s, raw, s))
    return out


def _is_count(raw: str) -> bool:
    return bool(_INT_CELL.match(_clean(raw)))


# --- (a) direct ----------------------------------------------------------------------------------------

def _measure_re(planted) -> re.Pattern:
    pat = MEASURES.get(planted.variable, re.escape(planted.variable.replace("_", " ")))
    return re.compile(pat, re.I)


def _category_ok(planted, label: str) -> bool:
    for _k, v in planted.where:
        vals = v if isinstance(v, tuple) else (v,)
        pats = [CATEGORIES.get(x) for x in vals if CATEGORIES.get(x)]
        if pats and not any(re.search(p, label, re.I) for p in pats):
            return False
    return True


def direct(pages: list[Page], areas: Areas, planted: list, report_year: int) -> list[Finding]:
    """A planted small value printed as a count next to its area and measure."""
    out = []
    for page in pages:
        for c in table_cells(page, areas) + text_numbers(page, areas):
            if not _is_count(c.raw):
                continue
            v = de_number(_clean(c.raw))
            for p in planted:
                if c.area != p.area_id or v != p.value:
                    continue
                if not _measure_re(p).search(c.label) or not _category_ok(p, c.label):
                    continue
                if not _year_fits(c.years, p.years, report_year):
                    continue
                out.append(Finding("direct", page.path, areas.names[c.area], c.row[:200], f"= {p}"))
    return sorted(set(out), key=str)


# --- (b) interval inversion --------------------------------------------------------------------------

def wilson(x, n, z: float = Z95):
    """Wilson score interval (proportions) of x in n, from its formula."""
    x, n = np.asarray(x, float), np.asarray(n, float)
    c = 2 * x + z * z
    d = z * np.sqrt(z * z + 4 * x * (1 - x / n))
    e = 2 * (n + z * z)
    return np.clip((c - d) / e, 0, 1), np.clip((c + d) / e, 0, 1)


def consistent(p: str, lo: str | None = None, hi: str | None = None, ns=None) -> list[tuple[int, int]]:
    """Every (x, n) whose share 100·x/n rounds to ``p`` and (if given) whose Wilson interval rounds
    to ``lo`` – ``hi`` (German numbers as printed; each rounded to its own decimals, half up or
    half even alike). ``ns``: the denominators to try (default 1..:data:`N_MAX`)."""
    def tol(s):
        return 0.5 * 10 ** -decimals(s) + 1e-9
    pv, pt = de_number(p), tol(p)
    ns = np.arange(1, N_MAX + 1) if ns is None else np.asarray(sorted(set(int(n) for n in ns if n >= 1)))
    if not len(ns):
        return []
    xlo = np.ceil((pv - pt) / 100 * ns - 1e-9).clip(0)
    xhi = np.minimum(np.floor((pv + pt) / 100 * ns + 1e-9), ns)
    k = (xhi - xlo + 1).clip(0).astype(int)
    nn = np.repeat(ns, k)
    xx = np.repeat(xlo, k) + (np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k))
    if lo is not None and hi is not None and len(nn):
        lw, up = wilson(xx, nn)
        keep = (np.abs(100 * lw - de_number(lo)) <= tol(lo)) & (np.abs(100 * up - de_number(hi)) <= tol(hi))
        nn, xx = nn[keep], xx[keep]
    return list(zip(xx.astype(int).tolist(), nn.astype(int).tolist()))


def small_by_inversion(pairs: list[tuple[int, int]], threshold: int = 3) -> str | None:
    """Why ``pairs`` give a small count away: all x in 1..threshold-1, or all n − x; else None."""
    if not pairs:
        return None
    if all(1 <= x < threshold for x, _ in pairs):
        return f"x ∈ {sorted({x for x, _ in pairs})} (n ∈ {_ns(pairs)})"
    if all(1 <= n - x < threshold for x, n in pairs):
        return f"n − x ∈ {sorted({n - x for x, n in pairs})} (n ∈ {_ns(pairs)})"
    return None


def _ns(pairs) -> str:
    ns = sorted({n for _, n in pairs})
    return str(ns) if len(ns) <= 4 else f"{ns[0]}..{ns[-1]}, {len(ns)} values"


@dataclass(frozen=True)
class Share:
    page: str
    area: str
    p: str
    lower: str | None
    upper: str | None
    text: str
    near: tuple      # counts printed in the same row or sentence
    label: str = ""  # the measure as the page names it


#: The kinds of a report table's cell (``data-sa-kind``, :func:`sozialanalyse.render.tables.table`)
#: that count persons; facilities, places and staff hours are declared ``index``.
_PERSONS = ("count", "total")


def _persons(t: Table, i: int, j: int) -> bool:
    """Whether cell ``j`` of row ``i`` may count persons: by its declared kind in a report table;
    any count in a table without kinds (the attacker reads every number)."""
    kinds = t.kinds[i] if i < len(t.kinds) else []
    return not any(kinds) or (j < len(kinds) and kinds[j] in _PERSONS)


def shares(page: Page, areas: Areas) -> list[Share]:
    """Every share of the page with its interval if printed, its area and the counts beside it."""
    out = []
    for t in page.tables:
        head_areas = [areas.cell(h) for h in t.header]
        for i, r in enumerate(t.rows):
            row_area = next((a for a in (areas.cell(c) for c in r[:3]) if a), None)
            # counts beside the share, but not those declared to count no persons (a reader
            # sees that "Einrichtungen: 6" is no denominator of a share of the people in reach)
            near = tuple(de_number(_clean(c)) for j, c in enumerate(r) if _is_count(c) and _persons(t, i, j))
            for j, c in enumerate(r):
                m = _PCT_CELL.match(_clean(c))
                if not m:
                    continue
                area = (head_areas[j] if j < len(head_areas) and len(r) == len(t.header) else None) \
                    or row_area or page.subject
                if area is None:
                    continue
                lo, hi = m.group(2), m.group(3)
                if lo is None and j + 1 < len(r):  # the interval in the next cell ("12,7 – 14,1 %")
                    m2 = _IVL_CELL.match(_clean(r[j + 1]))
                    if m2:
                        lo, hi = m2.group(1), m2.group(2)
                h = t.header[j] if j < len(t.header) and len(r) == len(t.header) else ""
                label = r[0] if (head_areas and j < len(head_areas) and head_areas[j]) or not row_area else h
                out.append(Share(page.path, area, m.group(1), lo, hi, " | ".join(r)[:200], near,
                                 f"{label} | {t.caption}"))
    for s in page.sentences:
        found = areas.find(s)
        near = tuple(de_number(m.group(0)) for m in _text_counts(s))
        for m in _PCT_TEXT.finditer(s):
            # the area: the name right after the share ("0,0 % (Brakenhagen)") or the nearest before
            after = [a for pos, a in found if m.end() <= pos <= m.end() + 3]
            before = [a for pos, a in found if pos < m.start()]
            area = (after or before[-1:] or [page.subject])[0]
            if area is None:
                continue
            out.append(Share(page.path, area, m.group(1), m.group(2), m.group(3), s[:200], near, s))
    return out


#: Which printed counts are the denominator of a share (share's label, count's label), for shares
#: printed without an interval: a count of the area printed anywhere on the site under that label.
DENOMINATORS = (
    (r"übergewicht|sprachförder|einschulung|schuleingang", r"untersucht"),
    (r"häusliche|ambulant|station|pflegegeld|heim", r"pflegebedürftig"),
    (r"pflegequote", r"einw"),
    (r"jährig|hochaltrig|nichtdeutsch|sgb|armut|grundsicherung", r"einw"),
    (r"langzeit", r"arbeitslos"),
    (r"arbeitslos", r"einw"),
    (r"wahlbeteiligung", r"wahlberechtigt"),
    (r"alleinleb|haushalt", r"haushalt"),
)


def _denominator_of(share_label: str, count_label: str) -> bool:
    first = share_label.split(" | ")[0]
    return any(re.search(a, first, re.I) and re.search(b, count_label.split(" | ")[0], re.I)
               for a, b in DENOMINATORS)


def _measures(label: str) -> set:
    first = label.split(" | ")[0]
    return {k for k, pat in MEASURES.items() if re.search(pat, first, re.I)}


def interval_inversion(pages: list[Page], areas: Areas, threshold: int = 3) -> list[Finding]:
    """Shares whose printed value and interval (or a denominator printed for the area) leave only
    small counts; also a share that leaves only 0..threshold-1 for an area whose value of the same
    measure is suppressed somewhere on the site (a suppressed cell is not 0: zeros are shown)."""
    published: dict = {}   # area -> [(label, count)] printed for it anywhere
    suppressed: dict = {}  # area -> {measures} with a suppressed cell
    for page in pages:
        for c in table_cells(page, areas) + text_numbers(page, areas):
            if _is_count(c.raw):
                published.setdefault(c.area, []).append((c.label, de_number(_clean(c.raw))))
            elif _clean(c.raw) == SUPPRESSED:
                suppressed.setdefault(c.area, set()).update(_measures(c.label))
    out = []
    cache: dict = {}
    for page in pages:
        for s in shares(page, areas):
            tries = []   # (pairs, what was used)
            if s.lower is not None:
                key = (s.p, s.lower, s.upper)
                if key not in cache:
                    cache[key] = consistent(s.p, s.lower, s.upper)
                tries.append((cache[key], f"{s.p} % ({s.lower} – {s.upper})"))
            ns = set(s.near) | {n for lab, n in published.get(s.area, []) if _denominator_of(s.label, lab)}
            tries += [(consistent(s.p, s.lower, s.upper, ns=[n]), f"{s.p} % of n = {n:g}")
                      for n in sorted(n for n in ns if n >= threshold)]
            hidden = suppressed.get(s.area, set()) & _measures(s.label)
            for pairs, what in tries:
                why = small_by_inversion(pairs, threshold)
                if not why and hidden and pairs and all(x < threshold for x, _ in pairs) \
                        and any(x >= 1 for x, _ in pairs):
                    why = (f"x ∈ {sorted({x for x, _ in pairs})}, and x ≠ 0 as {', '.join(sorted(hidden))} "
                           "is suppressed elsewhere")
                if why:
                    out.append(Finding("interval", page.path, areas.names[s.area], s.text, f"{what}: {why}"))
                    break
    return sorted(set(out), key=str)


# --- (c) differencing across pages ---------------------------------------------------------------------

_SYNONYMS = ((r"einwohnerinnen und einwohner", "einwohner"), (r"\beinw(?:\.|ohner\w*)?(?=\s|$|\))", "einwohner"),
             (r"\(%\)", ""), (r"\s+", " "))


def measure_key(label: str) -> str:
    """The measure a label names, normalised across pages (``Einw.`` = ``Einwohner``), years dropped."""
    s = label.split(" | ")[0].lower()
    s = _SPAN.sub("", s)
    s = _YEAR.sub("", s)
    for pat, rep in _SYNONYMS:
        s = re.sub(pat, rep, s)
    return s.strip(" ,;:()–-")


def published_counts(pages: list[Page], areas: Areas, report_year: int) -> dict:
    """(measure, years) -> area -> {values}: every count the site prints, from tables and from the
    text ("Salinenviertel (Bad Lindenau, Nr. 4; 2.199 Einw.)": the word right after the number)."""
    out: dict = {}
    for page in pages:
        for c in table_cells(page, areas):
            if _is_count(c.raw):
                key = (measure_key(c.label), c.years or (report_year, report_year))
                out.setdefault(key, {}).setdefault(c.area, set()).add(de_number(_clean(c.raw)))
        for t in page.tables:   # counts inside cells of text ("...; 2.199 Einw.)")
            for r in t.rows:
                for c in r:
                    found = areas.find(c)
                    for m in re.finditer(rf"(?<![\d,.])({_NUM})\s+(Einw\.|Einwohner\w*)", c):
                        # the cell's own area ("Am Sonnenhang (Musterstadt, Nr. 3; 4.440 Einw.)"),
                        # else the nearest name before the number
                        before = [a for pos, a in found if pos < m.start()]
                        a = areas.cell(c) or (before[-1] if before else None)
                        if a is None:
                            continue
                        key = (measure_key(m.group(2)), _years(t.caption) or (report_year, report_year))
                        out.setdefault(key, {}).setdefault(a, set()).add(de_number(m.group(1)))
        for s in page.sentences:
            for pos, a in areas.find(s):
                m = re.match(rf"[^()]{{0,40}}?(?<![\d,.])({_NUM})\s+(Einw\.|Einwohner\w*)", s[pos:])
                if m:
                    key = (measure_key(m.group(2)), _years(s) or (report_year, report_year))
                    out.setdefault(key, {}).setdefault(a, set()).add(de_number(m.group(1)))
    return out


@dataclass(frozen=True)
class Recovered:
    area: str
    measure: str
    years: tuple
    value: float
    parent: str


def differencing(pages: list[Page], areas: Areas, planted: list, report_year: int) -> tuple[list, list]:
    """Children recovered as parent − the other children (each printed with one value).

    Returns (findings, recovered): findings where the recovered value equals a planted small
    value of that area and measure; ``recovered``: every recovered value in 1..2."""
    counts = published_counts(pages, areas, report_year)
    findings, recovered = [], []
    for (measure, years), by_area in counts.items():
        for parent in {areas.parent.get(a) for a in by_area} | set(by_area):
            kids = areas.children(parent)
            if len(kids) < 2 or len(by_area.get(parent, ())) != 1:
                continue
            missing = [k for k in kids if len(by_area.get(k, ())) != 1]
            if len(missing) != 1 or by_area.get(missing[0]):
                continue
            value = next(iter(by_area[parent])) - sum(next(iter(by_area[k])) for k in kids if k != missing[0])
            if 1 <= value <= 2:
                rec = Recovered(missing[0], measure, years, value, parent)
                recovered.append(rec)
                for p in planted:
                    if p.area_id == missing[0] and p.value == value and _measure_re(p).search(measure) \
                            and (years[0], years[1]) == (p.years[0], p.years[-1]):
                        findings.append(Finding("differencing", "site", areas.names[missing[0]],
                                                f"{measure} {years[0]}: {areas.names[parent]} minus "
                                                f"{len(kids) - 1} other children = {value:g}", f"= {p}"))
    # across years: a span (2020–2024) minus its single years but one
    by_measure: dict = {}
    for (measure, years), by_area in counts.items():
        for a, vals in by_area.items():
            if len(vals) == 1:
                by_measure.setdefault((measure, a), {})[years] = next(iter(vals))
    for (measure, a), got in by_measure.items():
        for (y0, y1), total in got.items():
            if y1 <= y0:
                continue
            missing = [y for y in range(y0, y1 + 1) if (y, y) not in got]
            if len(missing) != 1:
                continue
            value = total - sum(got[(y, y)] for y in range(y0, y1 + 1) if y != missing[0])
            if 1 <= value <= 2:
                y = missing[0]
                recovered.append(Recovered(a, measure, (y, y), value, f"{y0}–{y1}"))
                for p in planted:
                    if p.area_id == a and p.value == value and _measure_re(p).search(measure) \
                            and (p.years[0], p.years[-1]) == (y, y):
                        findings.append(Finding("differencing", "site", areas.names[a],
                                                f"{measure} {y}: {y0}–{y1} minus the other years = {value:g}",
                                                f"= {p}"))
    return sorted(set(findings), key=str), recovered


# --- (d) z values and indices beside suppressed values --------------------------------------------------

_Z_CELL = re.compile(r"(?:^|[\s;|])\.\s*\(z\s*[−+-]?\d")
_INDEX_HEAD = re.compile(r"index|\bz\b|z-wert", re.I)
#: The inputs of the Sozialraum-Monitoring's indices (its status indicators, as the methods page
#: names them, and their denominator): an index printed for an area with one of them suppressed
#: tells something about the suppressed value.
INDEX_INPUTS = re.compile(r"sgb|kinderarmut|arbeitslos|altersarmut|grundsicherung|^einwohner$", re.I)


def z_values(pages: list[Page], areas: Areas) -> list[Finding]:
    """A z value printed beside a suppressed value (". (z 3,3)"), or an index / z value printed for
    an area with an input of the index suppressed on any page."""
    out = []
    suppressed: dict = {}
    indexed: list = []
    for page in pages:
        for t in page.tables:
            head_areas = [areas.cell(h) for h in t.header]
            for r in t.rows:
                row_area = next((a for a in (areas.cell(c) for c in r[:3]) if a), None)
                for j, c in enumerate(r):
                    if _Z_CELL.search(" " + c):
                        out.append(Finding("z", page.path, areas.names.get(row_area or page.subject or "", "?"),
                                           " | ".join(r)[:200], "z value of a suppressed value"))
                    h = t.header[j] if j < len(t.header) and len(r) == len(t.header) else ""
                    area = (head_areas[j] if j < len(head_areas) and len(r) == len(t.header) else None) \
                        or row_area or page.subject
                    if area is None:
                        continue
                    if _clean(c) == SUPPRESSED and INDEX_INPUTS.search(re.sub(r"\s*\(.*", "", h or r[0])):
                        suppressed.setdefault(area, []).append(f"{page.path}: {h or r[0]}")
                    elif _INDEX_HEAD.search(h) and re.fullmatch(rf"[−+-]?{_DEC}", _clean(c)):
                        indexed.append((area, page.path, h, c, " | ".join(r)[:200]))
        for s in page.sentences:
            if _Z_CELL.search(" " + s):
                out.append(Finding("z", page.path, "?", s[:200], "z value of a suppressed value"))
    for area, path, h, c, row in indexed:
        if area in suppressed:
            out.append(Finding("z", path, areas.names[area], row,
                               f"{h} {c} printed, but an input is suppressed: {suppressed[area][0]}"))
    return sorted(set(out), key=str)


def attack_all(site: Path, data_folder: Path, planted: list, report_year: int, threshold: int = 3) -> dict:
    """Every attack on the built ``site``: {"direct": [...], "interval": [...], "differencing": [...],
    "z": [...], "recovered": [...]}."""
    areas = Areas.read(data_folder)
    pages = read_site(site)
    assign_subjects(pages, areas)
    diff, recovered = differencing(pages, areas, planted, report_year)
    return {"direct": direct(pages, areas, planted, report_year),
            "interval": interval_inversion(pages, areas, threshold),
            "differencing": diff,
            "z": z_values(pages, areas),
            "recovered": recovered}
