"""Validate a district folder in the project's input format, reporting every problem at once.

:func:`sozialanalyse.io.load_district` stops at the first problem. :func:`validate` reads the
same folder with the same reader (:func:`sozialanalyse.io.tables.read_table`: every table as CSV,
Excel or Parquet; boundaries as GeoPackage or Shapefile) and collects **all** problems, each
naming the file, row, column, area key and value. The row is the line of a CSV file (the header
being line 1; blank lines and line breaks inside quoted fields counted, as an editor counts them),
the row of an Excel sheet, or the position in a Parquet file or the boundaries counted the same way.

=========================  ===================================================================
code                       problem
=========================  ===================================================================
``missing_file``           a file of the format is missing
``ambiguous_file``         a table given twice (``areas.csv`` and ``areas.xlsx``); not read
``unreadable``             a file that cannot be read as a whole (no header row, UTF-16, not a
                           workbook)
``no_data_rows``           a table with only its header row
``no_final_newline``       a CSV file ending without a line break: its last row may be cut off
                           (``49`` cut to ``4``), so that row is rejected
``missing_column``         a required column is missing (every row of the file is rejected)
``field_count``            a CSV row with more or fewer fields than the header (an Excel row
                           with cells beyond the header)
``not_utf8``               a CSV row with bytes that are not UTF-8 (e.g. Latin-1 from Excel)
``key_as_number``          a key column holding a number (Excel, Parquet, Shapefile): its
                           leading zero may be lost; rejected, never restored by guessing
``malformed_key``          an area key of the wrong form: Kreis 5 digits, Stadt /
                           Einheitsgemeinde / Mitgliedsgemeinde 8 digits (AGS), Samtgemeinde 12
                           digits, Sozialraum ``<AGS>-<nn>``
``prefix_mismatch``        a key whose Land / Kreis prefix differs from the Kreis, or a
                           Sozialraum whose AGS is not its parent's
``unknown_kind``           ``kind`` not one of :data:`sozialanalyse.model.areas.KINDS`
``unknown_parent``         ``parent_id`` not in ``areas.csv``
``unknown_key``            an area key of a table that is not in ``areas.csv``
``area_rejected``          an area key whose own row in ``areas.csv`` was rejected
``not_base_area``          counts for an area that has children (counts belong to base areas)
``not_a_number``           ``year``, ``value`` or a facility's ``x``, ``y``, ``capacity``,
                           ``staff_hours``, ``opening_hours`` is not a number (also ``inf``, ``nan``, ``1e308``: digits and ``.`` only)
``ambiguous_number``       a German thousands separator in a count (``1.234``, ``12.345.678``) or
                           a decimal comma: never reinterpreted
``not_integer``            a fraction in a count (``0.5``) or a year (``2015.6``); only the
                           ``"sum"`` variables of :data:`sozialanalyse.io.tables.VARIABLES` hold decimals
``implausible``            a value above :data:`sozialanalyse.io.tables.VALUE_MAX` (100 million), a
                           year before 1990 or after the report year (else the current year + 1)
``unknown_variable``       a variable not documented for its file (``data/README.md``), named with
                           the closest valid name
``negative``               a negative count or capacity
``unknown_category``       a dimension value outside its list (``sex``: m, w; ...) or an
                           unknown facility type
``missing_value``          a facility without ``facility_id`` or without ``type``
``bidi_control``           a cell of ``areas`` or ``facilities`` (a name above all) holding a
                           bidirectional control character (U+202A–U+202E, U+2066–U+2069, the
                           marks U+200E, U+200F, U+061C: :data:`sozialanalyse.model.names.BIDI_CONTROLS`),
                           which shows the text in another order than it is stored (visual
                           spoofing); named as ``U+202E``. In a name flagged (lenient: the name is
                           kept without the characters, its area stays in the tree); in any other
                           column rejected. Also a text of ``meta.yml`` (``name`` is the Kreis's
                           name in the book's title), named by its line and key; flagged
``duplicate``              the same area, year, variable and dimensions twice (a facility id,
                           an area key, a boundary twice)
``mixed_total``            a variable with total rows (dimension empty) and category rows
``numerator_gt_denominator`` a count larger than the count it is part of (:data:`RATIO_PAIRS`)
``year_gap``               a variable missing a year between its first and last (elections
                           excepted); flagged, no row rejected
``not_nested``             a boundary reaching more than 1 m² outside its parent's; flagged
``missing_geometry``       an area without a boundary in ``gebiete.gpkg``; flagged (a row with a
                           NULL or EMPTY geometry: rejected)
``outside_area``           a facility more than :data:`FACILITY_TOLERANCE_M` metres outside the
                           boundary of its area (x and y swapped, another coordinate system, the
                           wrong ``area_id``); checked with the boundaries; rejected
``outside_district``       a facility more than :data:`FACILITY_TOLERANCE_M` metres outside
                           every boundary of the district (a Hausarztpraxis across the Kreis
                           border, or x and y swapped); flagged, not rejected: the row is kept
                           with ``outside`` True, listed on the page "Angebote und Bedarf",
                           counted for the reach of the people near it, not for the supply of
                           its ``area_id``
``invalid_geometry``       a boundary that is not a valid polygon (self-intersection, ...: GEOS's
                           reason and place); rejected, never repaired
``crs_missing``            a Shapefile without ``.prj`` (EPSG:25832 assumed); flagged
``incomplete``             a base area without the rows of a variable the format requires in a
                           year (or some of its dimension cells), after the checks above: rows
                           they rejected count as absent. One problem per file and variable,
                           naming the first area keys and years
                           (:func:`sozialanalyse.model.completeness.find_gaps`; gaps in ``.gaps``);
                           flagged. Missing is never 0: lenient builds publish "fehlt"
=========================  ===================================================================

Problems of an area key (``malformed_key``, ``unknown_key``, ``area_rejected``,
``not_base_area``, ``key_as_number``) are listed once per file and key, with the number of rows
and the first and last row; every one of those rows is rejected and counted.
A rejected row is counted once, under its first problem; a row may carry several problems.
More than :data:`LIST_LIMIT` rows with the same problem (file, code, column) are one problem
naming how many rows have it and the first rows, so messages stay short for any file size.
For every file a reconciliation line states ``rows read = rows kept + rows rejected`` by reason.
``strict=True`` raises :class:`ValidationError` with the full list; otherwise the result holds the
cleaned tables and the problem list.

Examples
--------
>>> from sozialanalyse.io.provenance import PACKAGE_DIR
>>> r = validate(PACKAGE_DIR.parent / "data" / "musterland", geometry=False)
>>> r.ok, len(r.counts) > 0
(True, True)
>>> r.reconciliation["transfers.csv"].line().split(" = ")[1]
'kept 2240 + rejected 0'
"""
from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..model import areas as _areas
from ..model import completeness as _completeness
from ..model import names as _names
from ..model.errors import DataError
from ..stats.indicators import catalog
from .tables import (
    COUNT_FILES,
    DIMENSION_VALUES,
    DIMENSIONS,
    FACILITY_COLUMNS,
    FACILITY_NUMBERS,
    FACILITY_TYPES,
    OPTIONAL_COUNT_FILES,
    TOTAL,
    VALUE_MAX,
    VARIABLES,
    Table,
    boundary_path,
    geometry_problems,
    parse_values,
    read_boundaries,
    read_table,
    separator_hint,
    table_path,
    year_range,
)

__all__ = ["KEY_PATTERNS", "NAME_COLUMNS", "RATIO_PAIRS", "Problem", "Reconciliation", "ValidationError", "ValidationResult",
           "validate", "with_geometry"]

#: Form of the area key of each kind.
KEY_PATTERNS = {
    "Landkreis": r"\d{5}",
    "Stadt": r"\d{8}",
    "Einheitsgemeinde": r"\d{8}",
    "Mitgliedsgemeinde": r"\d{8}",
    "Samtgemeinde": r"\d{12}",
    "Sozialraum": r"\d{8}-\d{2}",
}
_ANY_KEY = re.compile("|".join(f"(?:{p})" for p in set(KEY_PATTERNS.values())))

_UNDER15 = ("0-4", "5-9", "10-14")
_65PLUS = tuple(_areas.age_groups_between(65))

#: Numerator <= denominator: (numerator, denominator, filter on the denominator's rows, matched by).
#: Both are summed by area, year and the ``by`` dimensions before comparing.
RATIO_PAIRS = (
    ("sgb2_personen_unter15", "einwohner", {"age_group": _UNDER15}, ()),
    ("sgb2_personen_unter15", "sgb2_personen", {}, ()),
    ("sgb2_personen", "einwohner", {}, ()),
    ("grundsicherung_65plus", "einwohner", {"age_group": _65PLUS}, ()),
    ("langzeitarbeitslose", "arbeitslose", {}, ()),
    ("einschulung_uebergewicht", "einschulung_untersuchte", {}, ()),
    ("einschulung_sprachfoerderbedarf", "einschulung_untersuchte", {}, ()),
    ("waehler", "wahlberechtigte", {}, ("type",)),
)
#: Variables only counted in some years (no gap check).
GAP_EXEMPT = _completeness.EXEMPT
#: Tolerance of the nesting check, in m².
NEST_TOLERANCE_M2 = 1.0
#: How far (m) a facility may lie outside the boundary of its area (an address point on the
#: boundary street, rounding of coordinates).
FACILITY_TOLERANCE_M = 50.0
#: At most this many problems of one kind (file, code, column) are listed one by one; more are
#: one problem naming how many rows have it and the first of them, so that a file of two million
#: duplicate rows gives one line, not two million.
LIST_LIMIT = 5
#: Columns of free text (names) that a bidirectional control character does not make unusable: a
#: lenient validation keeps the row with the characters removed (``bidi_control``).
NAME_COLUMNS = ("name",)


@dataclass(frozen=True)
class Problem:
    """One problem: file, row (line in the file; None for the whole file), column, key, value."""

    file: str
    row: int | None
    column: str | None
    area_id: str | None
    value: object
    code: str
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        if self.area_id is not None:
            where.append(f"area {_names.shown(self.area_id)}")  # a key with U+202E must not reorder the line
        val = "" if self.value is None else f" (value {self.value!r})"
        return f"{', '.join(where)}: {self.message}{val} [{self.code}]"


@dataclass
class Reconciliation:
    """Rows read = rows kept + rows rejected (by reason); flags do not reject rows."""

    file: str
    read: int = 0
    kept: int = 0
    rejected: Counter = field(default_factory=Counter)
    flagged: Counter = field(default_factory=Counter)

    def line(self) -> str:
        n_rej = sum(self.rejected.values())
        why = ", ".join(f"{k} {v}" for k, v in sorted(self.rejected.items()))
        out = f"{self.file}: rows read {self.read} = kept {self.kept} + rejected {n_rej}"
        if why:
            out += f" ({why})"
        if self.flagged:
            out += "; flagged: " + ", ".join(f"{k} {v}" for k, v in sorted(self.flagged.items()))
        return out


@dataclass
class ValidationResult:
    folder: Path
    problems: list[Problem]
    reconciliation: dict[str, Reconciliation]
    tables: dict[str, pd.DataFrame]
    areas: pd.DataFrame
    #: keys whose rows in ``areas`` were all rejected, with where and why (for the boundaries' check)
    rejected_areas: dict[str, str] = field(default_factory=dict)
    #: every absent row the format requires (:func:`sozialanalyse.model.completeness.find_gaps`)
    gaps: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def facilities(self) -> pd.DataFrame:
        """The kept rows of ``facilities`` (``x``, ``y``, ``capacity`` as numbers)."""
        return self.tables["facilities.csv"]

    @property
    def addresses(self) -> pd.DataFrame | None:
        """The kept rows of the optional address points (``adressen.csv``); None without the file."""
        return self.tables.get(ADDRESS_FILE)

    @property
    def counts(self) -> pd.DataFrame:
        """The kept rows of every count table as one long table (like ``District.counts``)."""
        frames = [t for f, t in self.tables.items() if f in COUNT_FILES]
        cols = ["area_id", "year", "variable", *DIMENSIONS, "value"]
        return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)

    def report(self) -> str:
        lines = [f"{len(self.problems)} problem(s) in {self.folder}"]
        lines += [f"  {p}" for p in self.problems]
        lines.append("reconciliation:")
        lines += [f"  {r.line()}" for r in self.reconciliation.values()]
        return "\n".join(lines)


class ValidationError(DataError):
    """Raised by ``validate(..., strict=True)``; ``.result`` holds every problem."""

    def __init__(self, result: ValidationResult):
        self.result = result
        super().__init__(result.report())


class _File:
    """Rows of one file with the first rejection reason per row, collecting problems."""

    def __init__(self, table: Table, problems: list[Problem], recon: Reconciliation):
        self.name, self.df, self.problems, self.recon = table.name, table.df, problems, recon
        self.lines = pd.Series(table.lines, index=table.df.index, dtype="int64")
        self.reason = pd.Series([None] * len(self.df), index=self.df.index, dtype=object)
        recon.file, recon.read = table.name, table.read
        numbers: dict = {}
        others: dict = {}
        for b in table.bad:  # rows that could not be read: rejected before any check
            recon.rejected[b.code] += 1
            if b.code == "key_as_number":  # one problem per key, as for the other key problems
                numbers.setdefault((b.column, b.value), []).append(b)
            else:
                others.setdefault(b.code, []).append(b)
        for bs in others.values():
            for b in bs[:LIST_LIMIT] if len(bs) <= LIST_LIMIT else bs[:1]:
                msg = b.message if len(bs) <= LIST_LIMIT else b.message + _more(len(bs), table.read,
                                                                                 [x.line for x in bs])
                problems.append(Problem(table.name, b.line, b.column, b.area_id, b.value, b.code, msg))
        for bs in numbers.values():
            b, n = bs[0], len(bs)
            more = f"; {n} rows with this key, first in row {b.line}, last in row {bs[-1].line}" if n > 1 else ""
            problems.append(Problem(table.name, b.line, b.column, b.area_id, b.value, b.code, b.message + more))

    def line(self, i) -> int:
        """Line (row) of the file of the row with index ``i``."""
        return int(self.lines.loc[i])

    def flag(self, mask, code: str, column: str | None, message, reject: bool = True, shown=None) -> None:
        """Record a problem for every row in ``mask``; ``message(row) -> str``.

        Up to :data:`LIST_LIMIT` rows are listed one by one; more are one problem (the first row's,
        with the number of rows and the first rows), and ``message`` is called for that row only.
        ``shown(text) -> str``: the problem's value instead of the cell as read."""
        mask = pd.Series(mask, index=self.df.index).fillna(False).astype(bool)
        idx = self.df.index[mask.to_numpy()]
        n = len(idx)
        for i in idx[:LIST_LIMIT] if n <= LIST_LIMIT else idx[:1]:
            row = self.df.loc[i]
            msg = message(row)
            if n > LIST_LIMIT:
                msg += _more(n, self.recon.read, self.lines.loc[idx[:LIST_LIMIT]].tolist())
            value = None if column is None else _s(row.get(column))
            self.problems.append(Problem(self.name, self.line(i), column, _s(row.get("area_id")),
                                         value if shown is None or value is None else shown(value), code, msg))
        self._mark(mask, code, reject)

    def flag_keys(self, mask, code: str, message, column: str = "area_id") -> None:
        """Like :meth:`flag` for a problem of a key (the area key, a variable name): one problem per
        key (naming its first and last row and the number of rows), every row of it rejected and
        counted. More than :data:`LIST_LIMIT` keys: the rest in one problem with their number."""
        mask = pd.Series(mask, index=self.df.index).fillna(False).astype(bool)
        if mask.any():
            keys = self.df.loc[mask, column].fillna("")
            lines = self.lines[mask]
            first = lines.groupby(keys, sort=False).agg(min="min", max="max", size="size")
            for n_key, (key, (lo, hi, n)) in enumerate(first.iterrows()):
                if n_key == LIST_LIMIT and len(first) > LIST_LIMIT + 1:
                    rest = first.iloc[LIST_LIMIT:]
                    self.problems.append(Problem(
                        self.name, int(rest["min"].min()), column, None, None, code,
                        f"and {len(rest):,} more keys with this problem ({int(rest['size'].sum()):,} rows), e.g. "
                        + ", ".join(map(repr, rest.index[:LIST_LIMIT]))))
                    break
                i = lines.index[(lines == lo).to_numpy()][0]
                msg = message(self.df.loc[i])
                if n > 1:
                    msg += f"; {n} rows with this key, first in row {lo}, last in row {hi}"
                area = key or None if column == "area_id" else _s(self.df.loc[i].get("area_id"))
                self.problems.append(Problem(self.name, int(lo), column, area, key, code, msg))
        self._mark(mask, code, True)

    def _mark(self, mask: pd.Series, code: str, reject: bool) -> None:
        if reject:
            hit = mask.to_numpy() & self.reason.isna().to_numpy()
            if hit.any():
                self.reason[hit] = code
        elif mask.any():
            self.recon.flagged[code] += int(mask.sum())

    @property
    def alive(self) -> pd.Series:
        return self.reason.isna()

    def finish(self) -> pd.DataFrame:
        self.recon.rejected.update(self.reason.dropna().value_counts().to_dict())
        kept = self.df[self.alive]
        self.recon.kept = len(kept)
        assert self.recon.read == self.recon.kept + sum(self.recon.rejected.values())
        return kept


def _more(n: int, read: int, lines: list[int]) -> str:
    """``; 1,960,000 of 2,000,000 rows have this problem: rows 2, 3, 4, 5, 6 and 1,959,995 more``."""
    shown = lines[:LIST_LIMIT]
    return (f"; {n:,} of {read:,} rows have this problem: rows {', '.join(map(str, shown))}"
            + (f" and {n - len(shown):,} more" if n > len(shown) else ""))


def _s(v):
    return None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)


def _absent(folder: Path, fname: str) -> bool:
    """Whether the table ``fname`` is given in no form (CSV, Excel, Parquet); a file given twice is
    not absent (:func:`_open` reports it)."""
    try:
        return table_path(folder, fname) is None
    except DataError:
        return False


def _open(folder: Path, fname: str, problems: list[Problem], recon: dict) -> Table | None:
    """Read the table ``fname`` (CSV, Excel or Parquet); a problem instead of an exception when
    the file is missing, given twice or unreadable as a whole."""
    rc = recon[fname] = Reconciliation(fname)
    try:
        path = table_path(folder, fname)
    except DataError as exc:
        problems.append(Problem(fname, None, None, None, None, "ambiguous_file", str(exc)))
        return None
    try:
        if path is None:
            stem = Path(fname).stem
            problems.append(Problem(fname, None, None, None, None, "missing_file",
                                    f"{folder / fname}: file missing (or {stem}.xlsx, {stem}.parquet)"))
            return None
        rc.file = path.name
        t = read_table(path)
        if not t.read:
            problems.append(Problem(rc.file, None, None, None, None, "no_data_rows",
                                    "no data rows (only the header): the file is empty or was cut off"))
        return t
    except DataError as exc:
        problems.append(Problem(rc.file, None, None, None, None, "unreadable", str(exc)))
        return None


def _missing_columns(t: Table, required, problems: list[Problem], recon: Reconciliation) -> bool:
    """Record a missing required column (every row rejected); True if one is missing."""
    missing = [c for c in required if c not in t.df.columns]
    if not missing:
        return False
    hint = separator_hint(list(t.df.columns))
    problems.append(Problem(t.name, None, ", ".join(missing), None, None, "missing_column",
                            f"column(s) {', '.join(missing)} missing (has: {', '.join(t.df.columns)}); "
                            f"all {t.read} row(s) rejected{hint}"))
    f = _File(t, [], recon)  # read problems need no listing once the whole file is rejected
    recon.rejected.clear()
    f.reason[:] = "missing_column"
    recon.rejected["missing_column"] += len(t.bad)
    f.finish()
    return True


def _check_bidi(f: _File) -> None:
    """Cells holding a bidirectional control character (:data:`sozialanalyse.model.names.BIDI_CONTROLS`),
    in every column of the file. In a name (:data:`NAME_COLUMNS`) flagged: a lenient validation keeps
    the row without the characters, since rejecting the row of an area would drop it from the area
    tree and its Gemeinde's and the Kreis's totals would silently lack it. In any other column (a
    key, a kind, a type, a number: never what the format allows) the row is rejected. Run first, so
    a row is counted under this code."""
    for col in f.df.columns:
        text = f.df[col]
        if not (pd.api.types.is_object_dtype(text) or pd.api.types.is_string_dtype(text)):
            continue
        hit = text.str.contains(_names.PATTERN, regex=True, na=False)
        name = col in NAME_COLUMNS
        then = ("strict: refused; lenient: the name is kept without it" if name else
                "the row is rejected, the text is never repaired")
        f.flag(hit, "bidi_control", col, lambda r, col=col, then=then: (
            f"{col} holds {_names.describe(r[col])}, a bidirectional control character: the text would show "
            f"in another order than it is stored (visual spoofing); remove it ({then})"),
            reject=not name, shown=_names.shown)


def _check_meta(folder: Path, problems: list[Problem]) -> None:
    """Texts of ``meta.yml`` (the Kreis's name, the note, the source) holding a bidirectional control
    character, by line and key; the loader keeps them without it (lenient). A file that is not YAML
    is left to the loader, which says so."""
    path = folder / "meta.yml"
    if not path.is_file():
        return
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return
    if not isinstance(node, yaml.MappingNode):
        return
    for key, value in node.value:
        if isinstance(value, yaml.ScalarNode) and _names.controls(value.value):
            problems.append(Problem(
                path.name, value.start_mark.line + 1, str(key.value), None, _names.shown(value.value), "bidi_control",
                f"{key.value} holds {_names.describe(value.value)}, a bidirectional control character: the text "
                "would show in another order than it is stored (visual spoofing); remove it (strict: refused; "
                "lenient: kept without it)"))


def _without_bidi(kept: pd.DataFrame) -> pd.DataFrame:
    """The kept rows with the bidirectional control characters removed from their names."""
    for col in NAME_COLUMNS:
        if col in kept.columns:
            kept[col] = kept[col].str.replace(_names.PATTERN, "", regex=True)
    return kept


_AREA_COLUMNS = ("area_id", "name", "kind", "parent_id")


def _check_areas(folder: Path, problems, recon) -> tuple[pd.DataFrame, dict[str, str]]:
    """The kept rows of ``areas`` and, for every key whose rows were all rejected, where and why
    (``"row 5: unknown_kind"``), so that the tables using it say so instead of "unknown key"."""
    name = "areas.csv"
    empty = pd.DataFrame(columns=list(_AREA_COLUMNS))
    t = _open(folder, name, problems, recon)
    if t is None:
        return empty, {}
    if _missing_columns(t, _AREA_COLUMNS, problems, recon[name]):
        return empty, {}
    f = _File(t, problems, recon[name])
    df = f.df
    _check_bidi(f)
    key, kind, parent = df["area_id"].fillna(""), df["kind"].fillna(""), df["parent_id"]
    f.flag(~kind.isin(_areas.KINDS), "unknown_kind", "kind",
           lambda r: f"unknown kind (allowed: {', '.join(_areas.KINDS)})")
    pattern = kind.map(KEY_PATTERNS)
    wellformed = pd.Series([bool(p) and re.fullmatch(p, k) is not None if isinstance(p, str) else
                            _ANY_KEY.fullmatch(k) is not None for k, p in zip(key, pattern)], index=df.index)
    f.flag(~wellformed, "malformed_key", "area_id",
           lambda r: f"malformed key for a {r['kind']} (expected {_describe(r['kind'])})")
    f.flag(df["area_id"].duplicated(keep="first") & df["area_id"].notna(), "duplicate", "area_id",
           lambda r: f"duplicate key (first in row {f.line(df.index[df['area_id'] == r['area_id']][0])})")
    known = set(df["area_id"].dropna())
    f.flag(parent.notna() & ~parent.isin(known), "unknown_parent", "parent_id", lambda r: "unknown parent")
    kreise = df[(kind == "Landkreis") & wellformed]
    if len(kreise) != 1:
        problems.append(Problem(t.name, None, "kind", None, None, "kreis_count",
                                f"exactly one area of kind 'Landkreis' is required (found {len(kreise)})"))
    if len(kreise):
        k = kreise["area_id"].iloc[0]
        land_bad = wellformed & (kind != "Landkreis") & (key.str[:2] != k[:2])
        f.flag(land_bad, "prefix_mismatch", "area_id",
               lambda r: f"Land prefix {r['area_id'][:2]!r} differs from the Kreis {k!r}")
        f.flag(wellformed & ~land_bad & (kind != "Landkreis") & (key.str[:5] != k), "prefix_mismatch", "area_id",
               lambda r: f"Kreis prefix {r['area_id'][:5]!r} differs from the Kreis {k!r}")
    soz = wellformed & (kind == "Sozialraum") & parent.notna() & (key.str[:8] != parent.fillna(""))
    f.flag(soz, "prefix_mismatch", "area_id", lambda r: f"Sozialraum key does not start with its parent {r['parent_id']!r}")
    kept = _without_bidi(f.finish().copy())
    rejected = {}
    for b in t.bad:
        if b.area_id:
            rejected.setdefault(b.area_id, f"row {b.line}: {b.code}")
    for i in f.reason.dropna().index:
        rejected.setdefault(str(df.loc[i, "area_id"]), f"row {f.line(i)}: {f.reason[i]}")
    kept_keys = set(kept["area_id"])
    return kept.reset_index(drop=True), {k: v for k, v in rejected.items() if k not in kept_keys}


def _describe(kind: str) -> str:
    return {"Landkreis": "5 digits", "Samtgemeinde": "12 digits", "Sozialraum": "<8-digit AGS>-<nn>"}.get(
        kind, "8 digits (AGS)" if kind in KEY_PATTERNS else "a 5, 8 or 12-digit key or <AGS>-<nn>")


def _check_keys(f: _File, areas: pd.DataFrame, rejected: dict[str, str], base: set[str] | None = None) -> None:
    """Area keys of a table: malformed, not in ``areas`` (or its row there rejected), not a base
    area (counts). One problem per key; every row of it rejected."""
    key = f.df["area_id"].fillna("").astype(str)
    forms = {k: _ANY_KEY.fullmatch(k) is not None for k in key.unique()}  # each key once, not each row
    wellformed = key.map(forms).astype(bool)
    f.flag_keys(~wellformed, "malformed_key", lambda r: "malformed area key (5, 8 or 12 digits, or <AGS>-<nn>)")
    known = set(areas["area_id"])
    gone = key.isin(set(rejected))
    f.flag_keys(wellformed & gone, "area_rejected",
                lambda r: f"the row of this area in areas.csv ({rejected[r['area_id']]}) was rejected")
    f.flag_keys(wellformed & ~gone & ~key.isin(known), "unknown_key", lambda r: "unknown area key (not in areas.csv)")
    if base is not None:
        f.flag_keys(key.isin(known - base), "not_base_area",
                    lambda r: "counts for an area that has children (give them for its base areas)")


def _check_counts(folder: Path, fname: str, areas: pd.DataFrame, rejected: dict[str, str], problems,
                  recon, report_year: int | None = None) -> _File | None:
    t = _open(folder, fname, problems, recon)
    if t is None or _missing_columns(t, ("area_id", "year", "variable", "value"), problems, recon[fname]):
        return None
    f = _File(t, problems, recon[fname])
    df = f.df
    base = set(_areas.base_areas(areas)["area_id"]) if len(areas) else set()
    _check_keys(f, areas, rejected, base)
    known = VARIABLES.get(fname, {})
    var = df["variable"]
    f.flag_keys(~var.isin(set(known)), "unknown_variable", lambda r: _unknown_variable(r["variable"], fname),
                column="variable")
    lo, hi = year_range(report_year)
    year, ycode, _ = parse_values(df["year"], "count", lo, hi)
    sums = [v for v, kind in known.items() if kind == "sum"]
    kinds = pd.Series(np.where(var.isin(sums), "sum", "count"), index=df.index)
    value, vcode, vwhy = parse_values(df["value"], kinds)
    for code in ("not_a_number", "not_integer", "implausible"):
        f.flag(ycode == code, code, column="year", message=lambda r, code=code: {
            "not_a_number": f"year of {r['variable']} is not a number",
            "not_integer": f"year of {r['variable']} is not an integer",
            "implausible": f"year of {r['variable']} outside the plausible range {lo} to {hi}"
                           + (f" (report_year {report_year} in the config)" if report_year is not None else "")}[code])
    for code in ("not_a_number", "ambiguous_number", "not_integer", "negative", "implausible"):
        for why in vwhy[vcode == code].unique():
            f.flag((vcode == code) & (vwhy == why), code, column="value", message=lambda r, code=code, why=why: {
                "not_a_number": "value is not a number",
                "negative": f"negative count of {r['variable']}",
                "not_integer": f"value of {r['variable']} is not a whole number (a count)",
                "implausible": f"value of {r['variable']} above the plausible maximum {VALUE_MAX:,}",
            }.get(code, f"value of {r['variable']}: {why}"))
    for dim in DIMENSIONS:
        if dim in df.columns and dim in DIMENSION_VALUES:
            allowed = DIMENSION_VALUES[dim]
            f.flag(df[dim].notna() & ~df[dim].isin(allowed | {TOTAL}), "unknown_category", dim,
                   lambda r, dim=dim, allowed=allowed: f"unknown {dim} of {r['variable']} "
                                                       f"(allowed: {', '.join(sorted(allowed))})")
    if "type" in df.columns:  # the types documented for each variable (data/README.md, completeness.GRID)
        types = {v: set(_completeness.GRID[v][1]["type"]) - {TOTAL} for v in known if v in _completeness.GRID}
        allowed = pd.MultiIndex.from_tuples([(v, t) for v, ts in types.items() for t in ts], names=["v", "t"])
        typ = df["type"]
        given = typ.notna() & (typ != TOTAL) & var.isin(set(types))
        pairs = pd.MultiIndex.from_arrays([var.fillna(""), typ.fillna("")])
        f.flag(given & ~pairs.isin(allowed), "unknown_category", "type",
               lambda r: f"unknown type of {r['variable']} (allowed: "
                         f"{', '.join(sorted(types[r['variable']])) or 'none, leave the column empty'})")
    # a variable mixing total rows (dimension empty) and category rows: the total rows are rejected
    for dim in DIMENSIONS:
        if dim not in df.columns:
            continue
        alive = f.alive
        filled = df[dim].notna() & (df[dim] != TOTAL)
        mixed_vars = (set(df.loc[alive & filled, "variable"].unique())
                      & set(df.loc[alive & ~filled, "variable"].unique()))
        f.flag(alive & ~filled & df["variable"].isin(mixed_vars), "mixed_total", dim,
               lambda r, dim=dim: f"total row of {r['variable']}, which other rows break down by {dim}")
    out = df.copy()
    for dim in DIMENSIONS:
        out[dim] = out[dim].fillna(TOTAL).astype(str) if dim in out.columns else TOTAL
    out["year"], out["value"] = year, value
    dkeys = ["area_id", "year", "variable", *DIMENSIONS]
    live = out.loc[f.alive.to_numpy(), dkeys]
    dup = live.duplicated(keep="first")
    if dup.any():  # every row after the first of its area, year, variable and dimensions
        group = live.groupby(dkeys, sort=False, dropna=False).ngroup().to_numpy()
        first = pd.Series(live.index, index=live.index).groupby(group).transform("first")
        f.flag(pd.Series(out.index.isin(dup.index[dup.to_numpy()]), index=out.index), "duplicate", "value",
               lambda r: f"duplicate of row {f.line(first[r.name])} (same area, year, variable {r['variable']} "
                         "and dimensions)")
    f._out = out
    return f


def _unknown_variable(name, fname: str) -> str:
    known = list(VARIABLES.get(fname, {}))
    close = difflib.get_close_matches(str(name), known, n=1)
    other = [f for f, vs in VARIABLES.items() if name in vs]
    hint = (f" (did you mean {close[0]!r}?)" if close else
            f" (it belongs in {other[0]})" if other else f" (variables of {fname}: {', '.join(known)})")
    return f"unknown variable {name!r}{hint}"


def _check_ratios(files: dict, problems) -> None:
    """Numerator > denominator: reject the numerator rows of that area and year."""
    where = {}
    for fname, f in files.items():
        for v in f._out.loc[f.alive, "variable"].unique():
            where.setdefault(v, []).append(fname)
    for num, den, den_filter, by in RATIO_PAIRS:
        if num not in where or den not in where:
            continue
        keys = ["area_id", "year", *by]
        dparts = []
        for fname in where[den]:
            o = files[fname]._out[files[fname].alive]
            o = o[o["variable"] == den]
            for col, vals in den_filter.items():
                o = o[o[col].isin(vals)]
            dparts.append(o)
        dsum = pd.concat(dparts).groupby(keys)["value"].sum().rename("den")
        for fname in where[num]:
            f = files[fname]
            o = f._out[f.alive & (f._out["variable"] == num)]
            nsum = o.groupby(keys)["value"].sum().rename("num")
            cmp = pd.concat([nsum, dsum], axis=1, join="inner")
            bad = cmp[cmp["num"] > cmp["den"]]
            if bad.empty:
                continue
            idx = pd.MultiIndex.from_frame(o[keys])
            hit = pd.Series(idx.isin(bad.index), index=o.index)
            filt = "".join(f" {','.join(v)}" for v in den_filter.values())
            mask = pd.Series(False, index=f._out.index)
            mask[hit[hit].index] = True

            def msg(r, o=o, cmp=cmp, num=num, den=den, filt=filt):  # called for the listed rows only
                k = tuple(o.loc[r.name, c] for c in keys)
                k = k[0] if len(k) == 1 else k
                return (f"{num} {cmp.loc[k, 'num']:g} > {den}{filt} {cmp.loc[k, 'den']:g} "
                        f"in {int(o.loc[r.name, 'year'])}")
            f.flag(mask, "numerator_gt_denominator", "value", msg)


def _check_gaps(f, problems) -> None:
    o = f._out[f.alive & ~f._out["variable"].isin(GAP_EXEMPT)]
    if o.empty:
        return
    span = o.groupby(["variable", "area_id"])["year"].agg(["min", "max", "nunique"])
    gappy = span[span["max"] - span["min"] + 1 > span["nunique"]]  # only these groups are listed
    if gappy.empty:
        return
    f.recon.flagged["year_gap"] += len(gappy)
    for var, areas in gappy.groupby(level="variable", sort=True):  # listed: the first areas of each variable
        shown = areas.index.get_level_values("area_id")[:len(areas) if len(areas) <= LIST_LIMIT + 1 else LIST_LIMIT]
        sub = o[(o["variable"] == var) & o["area_id"].isin(set(shown))]
        years = sub.groupby("area_id")["year"].agg(lambda s: sorted({int(y) for y in s}))
        for area in shown:
            ys = years[area]
            missing = sorted(set(range(ys[0], ys[-1] + 1)) - set(ys))
            problems.append(Problem(f.name, None, "year", area, None, "year_gap",
                                    f"variable {var} has no rows for year(s) {', '.join(map(str, missing))} "
                                    f"between {ys[0]} and {ys[-1]}"))
        if len(areas) > len(shown):
            rest = areas.index.get_level_values("area_id")[len(shown):]
            problems.append(Problem(f.name, None, "year", None, None, "year_gap",
                                    f"variable {var} has gaps in its years in {len(rest):,} more areas too, e.g. "
                                    + ", ".join(rest[:LIST_LIMIT])))


def _check_facilities(folder: Path, areas: pd.DataFrame, rejected: dict[str, str], problems, recon,
                      places: dict | None = None) -> pd.DataFrame:
    """Facilities: key, type, coordinates and capacity of every row; the kept rows with ``x``,
    ``y``, ``capacity`` as numbers. ``places`` (area key -> boundary, from :func:`_check_geometry`):
    a facility must lie within :data:`FACILITY_TOLERANCE_M` of its area's boundary."""
    name = "facilities.csv"
    numbers = ("x", "y", *FACILITY_NUMBERS)
    empty = pd.DataFrame({c: pd.Series(dtype=float if c in numbers else object)
                          for c in (*FACILITY_COLUMNS, *FACILITY_NUMBERS)}).assign(outside=pd.Series(dtype=bool))
    t = _open(folder, name, problems, recon)
    if t is None or _missing_columns(t, FACILITY_COLUMNS, problems, recon[name]):
        return empty
    f = _File(t, problems, recon[name])
    df = f.df
    _check_bidi(f)
    for col in FACILITY_NUMBERS:
        if col not in df.columns:
            df[col] = None
    fid = df["facility_id"]
    f.flag(fid.isna(), "missing_value", "facility_id", lambda r: "facility without facility_id")
    f.flag(fid.notna() & fid.duplicated(keep="first"), "duplicate", "facility_id",
           lambda r: f"duplicate facility_id (first in row {f.line(df.index[fid == r['facility_id']][0])})")
    _check_keys(f, areas, rejected)
    f.flag(df["type"].isna(), "missing_value", "type", lambda r: (
        f"facility {r['facility_id']} without type (one of: {', '.join(FACILITY_TYPES)})"))
    f.flag(df["type"].notna() & ~df["type"].isin(FACILITY_TYPES), "unknown_category", "type",
           lambda r: f"unknown facility type (allowed: {', '.join(FACILITY_TYPES)})")
    nums = {}
    for col in numbers:  # read as strictly as counts: capacity a count, the others decimals
        nums[col], code, why = parse_values(df[col], "count" if col == "capacity" else "sum")
        code = code.where(~(df[col].isna() & (col in FACILITY_NUMBERS)))  # an empty capacity is allowed
        f.flag(code == "not_a_number", "not_a_number", column=col, message=lambda r, col=col: (
            f"facility {r['facility_id']}: {col} is not a number"
            + (" (coordinates in EPSG:25832)" if col in ("x", "y") else "")))
        f.flag(code == "negative", "negative", column=col, message=lambda r, col=col: f"negative {col}")
        for c in ("ambiguous_number", "not_integer", "implausible"):
            for w in why[code == c].unique():
                f.flag((code == c) & (why == w), c, column=col, message=lambda r, col=col, w=w: f"{col}: {w}")
    outside = pd.Series(False, index=df.index)
    if places:
        import shapely  # shapely: GIS stack, loaded only where geometry is used

        x, y = nums["x"].astype(float), nums["y"].astype(float)
        shape = df["area_id"].map(places)
        has = f.alive & shape.notna() & x.notna() & y.notna()
        dist = pd.Series(float("nan"), index=df.index)
        anywhere = pd.Series(float("nan"), index=df.index)  # to the nearest boundary of any area
        if has.any():
            pts = shapely.points(x[has].to_numpy(), y[has].to_numpy())
            dist[has] = shapely.distance(pts, shape[has].to_numpy())
            union = shapely.union_all(list(places.values()))
            anywhere[has] = shapely.distance(pts, union)
        outside = (anywhere > FACILITY_TOLERANCE_M).fillna(False)
        f.flag(outside, "outside_district", "x", lambda r: (
            f"facility {r['facility_id']} ({r['type']}) at x {float(x[r.name]):.1f}, y {float(y[r.name]):.1f} lies "
            f"{anywhere[r.name]:,.0f} m outside every area of the district (tolerance {FACILITY_TOLERANCE_M:g} m); "
            f"kept as a facility outside the district: listed, counted for reach, not for the supply of "
            f"{r['area_id']} (x and y swapped, or another coordinate system than EPSG:25832?)"), reject=False)
        f.flag((dist > FACILITY_TOLERANCE_M) & ~outside, "outside_area", "x", lambda r: (
            f"the facility at x {float(x[r.name]):.1f}, y {float(y[r.name]):.1f} lies {dist[r.name]:,.0f} m "
            f"outside the boundary of its area {r['area_id']} (tolerance {FACILITY_TOLERANCE_M:g} m; "
            "x and y swapped, another coordinate system than EPSG:25832, or the wrong area_id?)"))
    kept = _without_bidi(f.finish().copy())
    for col in nums:
        kept[col] = nums[col][kept.index].astype(float)
    kept["outside"] = outside[kept.index].astype(bool)
    return kept.reset_index(drop=True)


#: The optional file of address points (or a population grid): persons by age band at points.
ADDRESS_FILE = "adressen.csv"
#: Its key and coordinate columns; then one column per age band (:data:`sozialanalyse.model.areas.AGE_GROUPS`).
ADDRESS_COLUMNS = ("point_id", "area_id", "x", "y")


def _check_addresses(folder: Path, areas: pd.DataFrame, rejected: dict[str, str], problems, recon) -> pd.DataFrame:
    """Address points: key (a base area), coordinates and the persons of every age band (counts);
    the kept rows with numbers. A point's persons belong to its base area (``area_id``)."""
    name = ADDRESS_FILE
    bands = list(_areas.AGE_GROUPS)
    cols = (*ADDRESS_COLUMNS, *bands)
    empty = pd.DataFrame({c: pd.Series(dtype=object if c in ("point_id", "area_id") else float) for c in cols})
    t = _open(folder, name, problems, recon)
    if t is None or _missing_columns(t, cols, problems, recon[name]):
        return empty
    f = _File(t, problems, recon[name])
    df = f.df
    pid = df["point_id"]
    f.flag(pid.isna(), "missing_value", "point_id", lambda r: "address point without point_id")
    f.flag(pid.notna() & pid.duplicated(keep="first"), "duplicate", "point_id",
           lambda r: f"duplicate point_id (first in row {f.line(df.index[pid == r['point_id']][0])})")
    base = set(_areas.base_areas(areas)["area_id"]) if len(areas) else set()
    _check_keys(f, areas, rejected, base)
    nums = {}
    for col in ("x", "y", *bands):
        nums[col], code, why = parse_values(df[col], "sum" if col in ("x", "y") else "count")
        f.flag(code == "not_a_number", "not_a_number", column=col, message=lambda r, col=col: (
            f"point {r['point_id']}: {col} is not a number" + (" (coordinates in EPSG:25832)" if col in "xy" else
                                                                " (persons aged " + col + ")")))
        f.flag(code == "negative", "negative", column=col, message=lambda r, col=col: f"negative {col}")
        for c in ("ambiguous_number", "not_integer", "implausible"):
            for w in why[code == c].unique():
                f.flag((code == c) & (why == w), c, column=col, message=lambda r, col=col, w=w: f"{col}: {w}")
    kept = f.finish().copy()
    for col in nums:
        kept[col] = nums[col][kept.index].astype(float)
    return kept[list(cols)].reset_index(drop=True)


def _check_geometry(folder: Path, areas: pd.DataFrame, rejected: dict[str, str], problems, recon) -> dict:
    """Boundaries; returns the usable ones (area key -> geometry; empty if none could be read)."""
    name = "gebiete.gpkg"
    rc = recon[name] = Reconciliation(name)
    try:
        path = boundary_path(folder)
        if path is None:
            problems.append(Problem(name, None, None, None, None, "missing_file",
                                    f"{folder / name}: file missing (or gebiete.shp)"))
            return {}
    except DataError as exc:
        problems.append(Problem(name, None, None, None, None, "ambiguous_file", str(exc)))
        return {}
    try:
        rc.file = path.name
        gdf, numeric = read_boundaries(path)
    except DataError as exc:
        problems.append(Problem(rc.file, None, None, None, None, "unreadable", str(exc)))
        return {}
    gdf = gdf.reset_index(drop=True)
    t = Table(path.name, pd.DataFrame(gdf.drop(columns="geometry")), list(range(2, len(gdf) + 2)))
    f = _File(t, problems, rc)
    if gdf.attrs.get("crs_missing"):
        problems.append(Problem(path.name, None, "geometry", None, None, "crs_missing",
                                "no coordinate system given (.prj missing); EPSG:25832 assumed, as documented"))
        rc.flagged["crs_missing"] += 1
    f.flag(numeric, "key_as_number", "area_id",
           lambda r: "key stored as a number: a leading zero may be lost; store area_id as text")
    known = set(areas["area_id"])
    gone = gdf["area_id"].isin(set(rejected)) & ~numeric
    f.flag(gone, "area_rejected", "area_id",
           lambda r: f"the row of this area in areas.csv ({rejected[r['area_id']]}) was rejected")
    f.flag(~numeric & ~gone & ~gdf["area_id"].isin(known), "unknown_key", "area_id",
           lambda r: "unknown area key (not in areas.csv)")
    f.flag(gdf["area_id"].duplicated(), "duplicate", "area_id", lambda r: "second boundary of the same area")
    bad_shape = geometry_problems(gdf)  # NULL, EMPTY, self-intersecting: named here, not a GEOS error later
    shown = {i: ("NULL" if g is None else "EMPTY" if g.is_empty else f"invalid {g.geom_type}")
             for i, g in enumerate(gdf.geometry.tolist()) if i in bad_shape}
    f.df = f.df.assign(geometry=[shown.get(i) for i in range(len(gdf))])
    def shape(code):
        return pd.Series([bad_shape.get(i, ("",))[0] == code for i in range(len(gdf))], index=gdf.index)

    def why(r):
        return f"{bad_shape[r.name][1]}; correct the boundary in the GIS (it is not repaired)"

    f.flag(shape("missing_geometry"), "missing_geometry", "geometry", why)
    f.flag(shape("invalid_geometry"), "invalid_geometry", "geometry", why)
    geom = {a: (None if i in bad_shape else g) for i, (a, g) in enumerate(zip(gdf["area_id"], gdf.geometry))}
    for a in sorted(known - set(gdf["area_id"])):
        problems.append(Problem(path.name, None, "area_id", a, None, "missing_geometry", "no boundary for this area"))
        rc.flagged["missing_geometry"] += 1
    parent = dict(zip(areas["area_id"], areas["parent_id"]))
    excess = {}
    for i, a in gdf["area_id"].items():
        p = parent.get(a)
        if isinstance(p, str) and p in geom and geom[a] is not None and geom[p] is not None:
            out = geom[a].difference(geom[p]).area
            if out > NEST_TOLERANCE_M2:
                excess[i] = (p, out)
    mask = pd.Series(gdf.index.isin(list(excess)), index=gdf.index)
    f.df = f.df.assign(geometry=[f"{excess[i][1]:.1f} m² outside" if i in excess else None for i in gdf.index])
    f.flag(mask, "not_nested", "geometry",
           lambda r: f"boundary reaches {excess[r.name][1]:.1f} m² outside its parent {excess[r.name][0]} "
                     f"(tolerance {NEST_TOLERANCE_M2:g} m²)", reject=False)
    f.finish()
    return {a: g for a, g in geom.items() if g is not None and a not in rejected}


def validate(folder: str | Path, strict: bool = False, geometry: bool = True,
             report_year: int | None = None) -> ValidationResult:
    """Validate a district folder; see the module docstring for the checks.

    Parameters
    ----------
    folder : path
        District folder in the project's input format (``data/README.md``).
    strict : bool
        Raise :class:`ValidationError` (listing every problem) if there is any problem.
    geometry : bool
        Check ``gebiete.gpkg`` (nesting of boundaries); slower.
    report_year : int, optional
        The config's ``report_year``: no count may be of a later year (else the current year + 1,
        :func:`sozialanalyse.io.tables.year_range`).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"data folder {folder} does not exist")
    problems: list[Problem] = []
    recon: dict[str, Reconciliation] = {}
    areas, rejected = _check_areas(folder, problems, recon)
    _check_meta(folder, problems)
    files = {}
    for fname in COUNT_FILES:
        if fname in OPTIONAL_COUNT_FILES and _absent(folder, fname):
            continue  # an optional table left out: its indicators are missing, not zero
        f = _check_counts(folder, fname, areas, rejected, problems, recon, report_year)
        if f is not None:
            files[fname] = f
    _check_ratios(files, problems)
    tables = {"areas.csv": areas}
    for fname, f in files.items():
        _check_gaps(f, problems)
        f.finish()
        kept = f._out[f.alive].copy()
        kept["year"] = kept["year"].astype(int)
        tables[fname] = kept.reset_index(drop=True)
    places = _check_geometry(folder, areas, rejected, problems, recon) if geometry else None
    tables["facilities.csv"] = _check_facilities(folder, areas, rejected, problems, recon, places)
    if table_path(folder, ADDRESS_FILE) is not None:  # optional
        tables[ADDRESS_FILE] = _check_addresses(folder, areas, rejected, problems, recon)
    result = ValidationResult(folder=folder, problems=problems, reconciliation=recon, tables=tables, areas=areas,
                              rejected_areas=rejected)
    _check_completeness(result, files)
    if strict and problems:
        raise ValidationError(result)
    return result


def with_geometry(result: ValidationResult) -> ValidationResult:
    """``result`` (validated with ``geometry=False``, as :func:`sozialanalyse.io.load_district`
    does) with the boundaries' checks added, without reading the tables again."""
    if "gebiete.gpkg" in result.reconciliation:
        return result
    problems, recon = list(result.problems), dict(result.reconciliation)
    _check_geometry(result.folder, result.areas, result.rejected_areas, problems, recon)
    return replace(result, problems=problems, reconciliation=recon)


def _check_completeness(result: ValidationResult, files: dict) -> None:
    """Gaps (:func:`sozialanalyse.model.completeness.find_gaps`). ``result.gaps``: those of the kept
    rows, so a rejected row is absent too (what a lenient build publishes as "fehlt"). Problems:
    one per file and variable (:func:`sozialanalyse.model.completeness.describe`) for the rows absent
    from the files themselves (a rejected row has its problem above; a year missing between an
    area's first and last is ``year_gap``), flagged in the file's reconciliation."""
    counts = result.counts
    if result.areas.empty or counts.empty:
        return
    span = (int(counts["year"].min()), int(counts["year"].max()))
    result.gaps = gaps = _completeness.find_gaps(result.areas, counts, years=span)
    if gaps.empty:
        return
    read = pd.concat([f._out for f in files.values()], ignore_index=True)
    keys = ["variable", "area_id", "year"]
    absent = _completeness.find_gaps(result.areas, read, years=span)
    rows = read.groupby(keys).size().rename("rows").reset_index()  # also rows of unknown categories
    absent = absent.merge(rows, on=keys, how="left")
    absent = absent.loc[absent["rows"].fillna(0) < absent["expected"], keys]
    ys = counts.groupby(["variable", "area_id"])["year"].agg(["min", "max"]).reset_index()
    absent = gaps.merge(absent, on=keys).merge(ys, on=["variable", "area_id"], how="left")
    inner = (absent["year"] > absent["min"]) & (absent["year"] < absent["max"]) & ~absent["variable"].isin(GAP_EXEMPT)
    inner &= absent["reason"] == "no rows"  # year_gap names only whole years; a missing cell is listed here
    absent = absent[~inner]
    recon = {Path(rc.file).stem: rc for rc in result.reconciliation.values()}  # transfers.xlsx, ...
    for fname, var, message in _completeness.describe(absent):
        rc = recon.get(Path(fname).stem)
        result.problems.append(Problem(rc.file if rc else fname, None, "variable", None, var, "incomplete", message))
    for fname, n in absent.groupby("file").size().items():
        if Path(fname).stem in recon:
            recon[Path(fname).stem].flagged["incomplete"] += int(n)


def config_references(cfg, areas: pd.DataFrame | None = None) -> list[str]:
    """What a report config names that does not exist, one message each (empty: nothing).

    ``key_figures`` and ``monitoring: status`` must name indicators of the catalog (with the
    config's own catalog files), each unknown id with the closest one; with ``areas`` (the
    district's area table), ``profiles`` must name its municipalities (Städte, Einheitsgemeinden,
    Samtgemeinden). ``sozialanalyse validate`` and the build's plan both ask this, so a config
    that ``validate`` passes does not fail later inside an executed page.
    """
    messages = []
    known = list(catalog(list(cfg.catalog) or None)["id"])
    for key, ids in (("key_figures", cfg.key_figures), ("monitoring: status", cfg.monitoring.status)):
        unknown = [str(i) for i in ids or () if i not in known]
        if unknown:
            close = {i: difflib.get_close_matches(i, known, n=1) for i in unknown}
            hint = "".join(f"; did you mean {c[0]!r} for {i!r}?" for i, c in close.items() if c)
            messages.append(f"{cfg.path}: {key}: unknown indicator id(s) {', '.join(map(repr, unknown))}{hint} "
                            "(the ids are listed on the page Indikatorenkatalog)")
    if areas is not None and not cfg.all_profiles:
        munis = _areas.areas_at_level(areas, "gemeindeverband")
        ids = set(munis["area_id"].astype(str))
        unknown = [str(a) for a in cfg.profiles if str(a) not in ids]
        if unknown:
            messages.append(f"{cfg.path}: profiles: unknown area key(s) {', '.join(unknown)} "
                            f"(municipalities: {', '.join(sorted(ids))})")
    return messages
