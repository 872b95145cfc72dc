"""Validate a district folder in the project's input format, reporting every problem at once.

:func:`sozialanalyse.io.load_district` stops at the first problem. :func:`validate` reads the
same folder and collects **all** problems, each naming the file, row (line number in the file,
the header being line 1), column, area key and value:

=========================  ===================================================================
code                       problem
=========================  ===================================================================
``missing_file``           a file of the format is missing
``missing_column``         a required column is missing (every row of the file is rejected)
``malformed_key``          an area key of the wrong form: Kreis 5 digits, Stadt /
                           Einheitsgemeinde / Mitgliedsgemeinde 8 digits (AGS), Samtgemeinde 12
                           digits, Sozialraum ``<AGS>-<nn>``
``prefix_mismatch``        a key whose Land / Kreis prefix differs from the Kreis, or a
                           Sozialraum whose AGS is not its parent's
``unknown_kind``           ``kind`` not one of :data:`sozialanalyse.areas.KINDS`
``unknown_parent``         ``parent_id`` not in ``areas.csv``
``unknown_key``            an area key of a count table that is not in ``areas.csv``
``not_base_area``          counts for an area that has children (counts belong to base areas)
``not_a_number``           ``year`` or ``value`` is not a number
``negative``               a negative count
``unknown_category``       a dimension value outside its list (``sex``: m, w; ...)
``duplicate``              the same area, year, variable and dimensions twice
``mixed_total``            a variable with total rows (dimension empty) and category rows
``numerator_gt_denominator`` a count larger than the count it is part of (:data:`RATIO_PAIRS`)
``year_gap``               a variable missing a year between its first and last (elections
                           excepted); flagged, no row rejected
``not_nested``             a boundary reaching more than 1 m² outside its parent's; flagged
``missing_geometry``       an area without a boundary in ``gebiete.gpkg``; flagged
=========================  ===================================================================

A rejected row is counted once, under its first problem; a row may carry several problems.
For every file a reconciliation line states ``rows read = rows kept + rows rejected`` by reason.
``strict=True`` raises :class:`ValidationError` with the full list; otherwise the result holds the
cleaned tables and the problem list.

Examples
--------
>>> from sozialanalyse.io.own import _project_root
>>> r = validate(_project_root() / "data" / "musterland", geometry=False)
>>> r.ok, len(r.counts) > 0
(True, True)
>>> r.reconciliation["transfers.csv"].line().split(" = ")[1]
'kept 2240 + rejected 0'
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import areas as _areas
from .io.own import COUNT_FILES, DIMENSIONS, TOTAL, DataError, _DIMENSION_VALUES

__all__ = ["Problem", "Reconciliation", "ValidationResult", "ValidationError", "validate", "cli_validate", "RATIO_PAIRS",
           "KEY_PATTERNS"]

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
GAP_EXEMPT = {"waehler", "wahlberechtigte"}
#: Tolerance of the nesting check, in m².
NEST_TOLERANCE_M2 = 1.0


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
            where.append(f"area {self.area_id}")
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

    @property
    def ok(self) -> bool:
        return not self.problems

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

    def __init__(self, name: str, df: pd.DataFrame, problems: list[Problem], recon: Reconciliation):
        self.name, self.df, self.problems, self.recon = name, df, problems, recon
        self.reason = pd.Series([None] * len(df), index=df.index, dtype=object)
        recon.read = len(df)

    def flag(self, mask, code: str, column: str | None, message, reject: bool = True) -> None:
        """Record a problem for every row in ``mask``; ``message(row) -> str``."""
        mask = pd.Series(mask, index=self.df.index).fillna(False).astype(bool)
        for i in self.df.index[mask]:
            row = self.df.loc[i]
            self.problems.append(Problem(self.name, int(i) + 2, column, _s(row.get("area_id")),
                                         None if column is None else _s(row.get(column)), code, message(row)))
        if reject:
            self.reason[mask & self.reason.isna()] = code
        elif mask.any():
            self.recon.flagged[code] += int(mask.sum())

    @property
    def alive(self) -> pd.Series:
        return self.reason.isna()

    def finish(self) -> pd.DataFrame:
        self.recon.rejected.update(self.reason.dropna().tolist())
        kept = self.df[self.alive]
        self.recon.kept = len(kept)
        assert self.recon.read == self.recon.kept + sum(self.recon.rejected.values())
        return kept


def _s(v):
    return None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")


def _check_areas(folder: Path, problems, recon) -> pd.DataFrame:
    name = "areas.csv"
    rc = recon[name] = Reconciliation(name)
    path = folder / name
    if not path.is_file():
        problems.append(Problem(name, None, None, None, None, "missing_file", f"{path}: file missing"))
        return pd.DataFrame(columns=["area_id", "name", "kind", "parent_id"])
    df = _read(path)
    f = _File(name, df, problems, rc)
    missing = [c for c in ("area_id", "name", "kind", "parent_id") if c not in df.columns]
    if missing:
        problems.append(Problem(name, None, ", ".join(missing), None, None, "missing_column",
                                f"column(s) {', '.join(missing)} missing (has: {', '.join(df.columns)})"))
        f.reason[:] = "missing_column"
        f.finish()
        return pd.DataFrame(columns=["area_id", "name", "kind", "parent_id"])
    key, kind, parent = df["area_id"].fillna(""), df["kind"].fillna(""), df["parent_id"]
    f.flag(~kind.isin(_areas.KINDS), "unknown_kind", "kind",
           lambda r: f"unknown kind (allowed: {', '.join(_areas.KINDS)})")
    pattern = kind.map(KEY_PATTERNS)
    wellformed = pd.Series([bool(p) and re.fullmatch(p, k) is not None if isinstance(p, str) else
                            _ANY_KEY.fullmatch(k) is not None for k, p in zip(key, pattern)], index=df.index)
    f.flag(~wellformed, "malformed_key", "area_id",
           lambda r: f"malformed key for a {r['kind']} (expected {_describe(r['kind'])})")
    f.flag(df["area_id"].duplicated(keep="first") & df["area_id"].notna(), "duplicate", "area_id",
           lambda r: f"duplicate key (first in row {int(df.index[df['area_id'] == r['area_id']][0]) + 2})")
    known = set(df["area_id"].dropna())
    f.flag(parent.notna() & ~parent.isin(known), "unknown_parent", "parent_id", lambda r: "unknown parent")
    kreise = df[(kind == "Landkreis") & wellformed]
    if len(kreise) != 1:
        problems.append(Problem(name, None, "kind", None, None, "kreis_count",
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
    return f.finish()


def _describe(kind: str) -> str:
    return {"Landkreis": "5 digits", "Samtgemeinde": "12 digits", "Sozialraum": "<8-digit AGS>-<nn>"}.get(
        kind, "8 digits (AGS)" if kind in KEY_PATTERNS else "a 5, 8 or 12-digit key or <AGS>-<nn>")


def _check_counts(folder: Path, fname: str, areas: pd.DataFrame, problems, recon) -> pd.DataFrame | None:
    rc = recon[fname] = Reconciliation(fname)
    path = folder / fname
    if not path.is_file():
        problems.append(Problem(fname, None, None, None, None, "missing_file", f"{path}: file missing"))
        return None
    df = _read(path)
    f = _File(fname, df, problems, rc)
    missing = [c for c in ("area_id", "year", "variable", "value") if c not in df.columns]
    if missing:
        problems.append(Problem(fname, None, ", ".join(missing), None, None, "missing_column",
                                f"column(s) {', '.join(missing)} missing (has: {', '.join(df.columns)}); "
                                f"all {len(df)} row(s) rejected"))
        f.reason[:] = "missing_column"
        f.finish()
        return None
    key = df["area_id"].fillna("")
    wellformed = key.map(lambda k: _ANY_KEY.fullmatch(k) is not None)
    f.flag(~wellformed, "malformed_key", "area_id",
           lambda r: "malformed area key (5, 8 or 12 digits, or <AGS>-<nn>)")
    base = set(_areas.base_areas(areas)["area_id"]) if len(areas) else set()
    f.flag(wellformed & ~key.isin(set(areas["area_id"])), "unknown_key", "area_id",
           lambda r: "unknown area key (not in areas.csv)")
    f.flag(key.isin(set(areas["area_id"]) - base), "not_base_area", "area_id",
           lambda r: "counts for an area that has children (give them for its base areas)")
    nums = {}
    for col in ("year", "value"):
        nums[col] = pd.to_numeric(df[col], errors="coerce")
        f.flag(nums[col].isna(), "not_a_number", col, lambda r, col=col: f"{col} is not a number")
    f.flag(nums["year"].notna() & (nums["year"] % 1 != 0), "not_a_number", "year", lambda r: "year is not an integer")
    f.flag(nums["value"] < 0, "negative", "value", lambda r: f"negative count of {r['variable']}")
    for dim in DIMENSIONS:
        if dim in df.columns and dim in _DIMENSION_VALUES:
            allowed = _DIMENSION_VALUES[dim]
            f.flag(df[dim].notna() & ~df[dim].isin(allowed | {TOTAL}), "unknown_category", dim,
                   lambda r, dim=dim: f"unknown {dim} of {r['variable']} (allowed: {', '.join(sorted(allowed))})")
    # a variable mixing total rows (dimension empty) and category rows: the total rows are rejected
    for dim in DIMENSIONS:
        if dim not in df.columns:
            continue
        alive = f.alive
        filled = df[dim].notna() & (df[dim] != TOTAL)
        mixed_vars = set(df.loc[alive & filled, "variable"]) & set(df.loc[alive & ~filled, "variable"])
        f.flag(alive & ~filled & df["variable"].isin(mixed_vars), "mixed_total", dim,
               lambda r, dim=dim: f"total row of {r['variable']}, which other rows break down by {dim}")
    out = df.copy()
    for dim in DIMENSIONS:
        out[dim] = out[dim].fillna(TOTAL).astype(str) if dim in out.columns else TOTAL
    out["year"], out["value"] = nums["year"], nums["value"]
    dkeys = ["area_id", "year", "variable", *DIMENSIONS]
    alive = f.alive
    dup = out[alive].duplicated(dkeys, keep="first")
    first = out[alive].drop_duplicates(dkeys).reset_index().set_index(dkeys)["index"]
    dup_rows = dup[dup].index
    firsts = {i: int(first.loc[tuple(out.loc[i, dkeys])]) + 2 for i in dup_rows}
    f.flag(pd.Series(out.index.isin(dup_rows), index=out.index), "duplicate", "value",
           lambda r: f"duplicate of row {firsts[r.name]} (same area, year, variable {r['variable']} and dimensions)")
    f._out = out
    return f


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
            msgs = {}
            for i in hit[hit].index:
                k = tuple(o.loc[i, c] for c in keys)
                msgs[i] = (f"{num} {cmp.loc[k, 'num']:g} > {den}{filt} {cmp.loc[k, 'den']:g} "
                           f"in {int(o.loc[i, 'year'])}")
            f.flag(mask, "numerator_gt_denominator", "value", lambda r: msgs[r.name])


def _check_gaps(f, problems) -> None:
    o = f._out[f.alive & ~f._out["variable"].isin(GAP_EXEMPT)]
    if o.empty:
        return
    years = o.groupby(["variable", "area_id"])["year"].agg(lambda s: sorted(set(int(y) for y in s)))
    for (var, area), ys in years.items():
        missing = sorted(set(range(ys[0], ys[-1] + 1)) - set(ys))
        if missing:
            problems.append(Problem(f.name, None, "year", area, None, "year_gap",
                                    f"variable {var} has no rows for year(s) {', '.join(map(str, missing))} "
                                    f"between {ys[0]} and {ys[-1]}"))
            f.recon.flagged["year_gap"] += 1


def _check_geometry(folder: Path, areas: pd.DataFrame, problems, recon) -> None:
    import geopandas as gpd

    name = "gebiete.gpkg"
    rc = recon[name] = Reconciliation(name)
    path = folder / name
    if not path.is_file():
        problems.append(Problem(name, None, None, None, None, "missing_file", f"{path}: file missing"))
        return
    gdf = gpd.read_file(path, layer="gebiete")
    gdf["area_id"] = gdf["area_id"].astype(str)
    f = _File(name, pd.DataFrame(gdf.drop(columns="geometry")), problems, rc)
    f.flag(~gdf["area_id"].isin(set(areas["area_id"])), "unknown_key", "area_id",
           lambda r: "unknown area key (not in areas.csv)")
    f.flag(gdf["area_id"].duplicated(), "duplicate", "area_id", lambda r: "second boundary of the same area")
    geom = dict(zip(gdf["area_id"], gdf.geometry))
    for a in sorted(set(areas["area_id"]) - set(gdf["area_id"])):
        problems.append(Problem(name, None, "area_id", a, None, "missing_geometry", "no boundary for this area"))
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


def validate(folder: str | Path, strict: bool = False, geometry: bool = True) -> ValidationResult:
    """Validate a district folder; see the module docstring for the checks.

    Parameters
    ----------
    folder : path
        District folder in the project's input format (``data/README.md``).
    strict : bool
        Raise :class:`ValidationError` (listing every problem) if there is any problem.
    geometry : bool
        Check ``gebiete.gpkg`` (nesting of boundaries); slower.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"data folder {folder} does not exist")
    problems: list[Problem] = []
    recon: dict[str, Reconciliation] = {}
    areas = _check_areas(folder, problems, recon)
    files = {}
    for fname in COUNT_FILES:
        f = _check_counts(folder, fname, areas, problems, recon)
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
    if geometry:
        _check_geometry(folder, areas, problems, recon)
    result = ValidationResult(folder=folder, problems=problems, reconciliation=recon, tables=tables, areas=areas)
    if strict and problems:
        raise ValidationError(result)
    return result


def cli_validate(args) -> int:
    """``sozialanalyse validate <folder> [--strict]``: print every problem and the reconciliation."""
    import sys

    try:
        result = validate(args.folder, strict=False, geometry=not getattr(args, "no_geometry", False))
    except DataError as exc:
        print(f"sozialanalyse validate: error: {exc}", file=sys.stderr)
        return 2
    print(result.report())
    if result.problems and args.strict:
        print(f"sozialanalyse validate: {len(result.problems)} problem(s) (strict mode)", file=sys.stderr)
        return 1
    return 0
