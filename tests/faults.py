"""Fault injection: seeded, named variants of the Musterland district, each one change of one table.

Not a test file: ``tests/test_faults.py`` uses it. :func:`variants` reads ``data/musterland`` once and
returns a few dozen :class:`Variant` objects, each of which removes, duplicates, truncates or corrupts
rows of one table (every count table of :data:`sozialanalyse.io.own.COUNT_FILES`, ``areas.csv`` and
``facilities.csv``). :meth:`Variant.write` writes the variant into a folder (a copy of Musterland with
that one file changed). Every random choice is drawn from ``numpy.random.default_rng`` seeded with the
variant's id, so a variant is the same in every run and adding a variant changes no other one.

A variant knows

* what it changed: :attr:`Variant.changed`, the ``(base area, year)`` cells whose rows were removed,
  altered or added (``None`` for "every area" / "every year"), and :attr:`Variant.facilities`, the
  facility ids it touched;
* what validation must name: :attr:`Variant.expect`, the file and, where the variant knows them, the
  area key, variable, year, row (line of the file) and a piece of the bad text.

The files of Musterland hold no quoted fields, so lines are rows and rows are split at commas.

Examples
--------
>>> vs = variants()
>>> len(vs) >= 30, len({v.id for v in vs}) == len(vs)
(True, True)
>>> v = by_id("transfers-remove-row-sgb2")
>>> v.expect["area_id"], v.expect["variable"], v.expect["year"], sorted(v.changed)
('03499016-03', 'sgb2_personen', 2024, [('03499016-03', 2024)])
"""
from __future__ import annotations

import shutil
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"
COUNT_FILES = ("population.csv", "households.csv", "movements.csv", "transfers.csv", "labour.csv",
               "housing.csv", "school_entry.csv", "care.csv", "disability.csv", "elections.csv")
SEED = 12  # issue #12

__all__ = ["COUNT_FILES", "MUSTERLAND", "Source", "Variant", "by_id", "source", "variants"]


class Source:
    """The CSV files of a district folder as lines (header + data rows, no line ends)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.files: dict[str, tuple[str, list[str]]] = {}
        for name in (*COUNT_FILES, "areas.csv", "facilities.csv"):
            text = (self.folder / name).read_text(encoding="utf-8")
            if '"' in text or "\r" in text:
                raise ValueError(f"{name}: quoted fields or CR line ends; the fault generator splits at commas")
            lines = text.split("\n")
            if lines[-1] == "":
                lines.pop()
            self.files[name] = (lines[0], lines[1:])
        header, rows = self.files["areas.csv"]
        cols = header.split(",")
        recs = [dict(zip(cols, r.split(","))) for r in rows]
        self.parent = {r["area_id"]: r["parent_id"] or None for r in recs}
        parents = {p for p in self.parent.values() if p}
        self.base = sorted(a for a in self.parent if a not in parents)

    def header(self, name: str) -> list[str]:
        return self.files[name][0].split(",")

    def rows(self, name: str) -> list[str]:
        return self.files[name][1]

    def field(self, name: str, i: int, col: str) -> str:
        return self.rows(name)[i].split(",")[self.header(name).index(col)]

    def cell(self, name: str, i: int) -> tuple[str, int]:
        """(area_id, year) of data row ``i`` of a count table."""
        return self.field(name, i, "area_id"), int(self.field(name, i, "year"))

    def subtree_base(self, area_id: str) -> list[str]:
        """Base areas inside ``area_id`` (itself if it is one)."""
        out = []
        for b in self.base:
            a = b
            while a:
                if a == area_id:
                    out.append(b)
                    break
                a = self.parent.get(a)
        return out


@lru_cache(maxsize=None)
def source(folder: Path = MUSTERLAND) -> Source:
    return Source(folder)


@dataclass
class Variant:
    """One fault: a named, described change of one table of the district."""

    id: str
    description: str
    file: str
    edit: Callable[[str, list[str]], str] = field(repr=False)  #: (header, rows) -> new file text
    changed: frozenset = frozenset()  #: (base area or None, year or None) cells whose data changed
    facilities: frozenset = frozenset()  #: facility ids whose rows changed
    expect: dict = field(default_factory=dict)  #: what a validation problem must name
    #: rows the format requires are absent: strict validation itself must name the gap (issue #12,
    #: item 1), a lenient build publishing "fehlt" is not enough
    must_name: bool = False

    def write(self, dest: Path, src: Source | None = None) -> Path:
        """A copy of the source district in ``dest`` with this variant's file changed."""
        src = src or source()
        dest = Path(dest)
        shutil.copytree(src.folder, dest)
        header, rows = src.files[self.file]
        (dest / self.file).write_text(self.edit(header, list(rows)), encoding="utf-8")
        return dest


def _text(header: str, rows: list[str], newline_at_end: bool = True) -> str:
    return "\n".join([header, *rows]) + ("\n" if newline_at_end else "")


def _rng(vid: str) -> np.random.Generator:
    return np.random.default_rng([SEED, zlib.crc32(vid.encode())])


def _set(row: str, header: list[str], col: str, value: str) -> str:
    f = row.split(",")
    f[header.index(col)] = value
    return ",".join(f)


class _Builder:
    def __init__(self, src: Source):
        self.src = src
        self.out: list[Variant] = []

    # ------------------------------------------------------------------ helpers
    def _pick(self, vid: str, name: str, where: Callable[[list[str]], bool] | None = None, k: int = 1) -> list[int]:
        """``k`` seeded random data rows of ``name`` (sorted), among rows satisfying ``where(fields)``."""
        rows = self.src.rows(name)
        cand = [i for i, r in enumerate(rows) if where is None or where(r.split(","))]
        idx = _rng(vid).choice(len(cand), size=k, replace=False)
        return sorted(cand[j] for j in idx)

    def _col(self, name: str, col: str) -> int:
        return self.src.header(name).index(col)

    def _cells(self, name: str, idx) -> frozenset:
        return frozenset(self.src.cell(name, i) for i in idx)

    def _add(self, vid, description, name, edit, changed=frozenset(), facilities=frozenset(), expect_file=None,
             must_name=False, **expect):
        expect = {"file": expect_file or name, **{k: v for k, v in expect.items() if v is not None}}
        self.out.append(Variant(vid, description, name, edit, frozenset(changed), frozenset(facilities), expect,
                                must_name))

    def _line(self, i: int) -> int:
        return i + 2  # header = line 1, no blank lines in the source

    # ------------------------------------------------------------------ count tables
    def remove_rows(self, name: str, vid: str, description: str, idx: list[int], **expect):
        drop = set(idx)
        self._add(vid, description, name, lambda h, rows: _text(h, [r for i, r in enumerate(rows) if i not in drop]),
                  self._cells(name, idx), must_name=True, **expect)

    def remove_row(self, name: str, where=None, vid=None, **expect):
        vid = vid or f"{name[:-4]}-remove-row"
        (i,) = self._pick(vid, name, where)
        area, year = self.src.cell(name, i)
        var = self.src.field(name, i, "variable")
        self.remove_rows(name, vid, f"{name}: data row {self._line(i)} ({var}, {area}, {year}) deleted", [i],
                         area_id=area, variable=var, year=year, **expect)

    def remove_share(self, name: str, share: float = 0.01):
        vid = f"{name[:-4]}-remove-1pct"
        k = max(1, round(len(self.src.rows(name)) * share))
        idx = self._pick(vid, name, k=k)
        self.remove_rows(name, vid, f"{name}: {k} random data rows ({share:.0%}) deleted", idx,
                         variable=self.src.field(name, idx[0], "variable"))

    def remove_area_year(self, name: str):
        vid = f"{name[:-4]}-remove-area-year"
        (i,) = self._pick(vid, name)
        area, year = self.src.cell(name, i)
        idx = [j for j in range(len(self.src.rows(name))) if self.src.cell(name, j) == (area, year)]
        self.remove_rows(name, vid, f"{name}: all {len(idx)} rows of area {area} in {year} deleted", idx,
                         area_id=area, year=year, variable=self.src.field(name, idx[0], "variable"))

    def remove_year(self, name: str, year: int):
        vid = f"{name[:-4]}-remove-year-{year}"
        idx = [j for j in range(len(self.src.rows(name))) if self.src.cell(name, j)[1] == year]
        self.remove_rows(name, vid, f"{name}: all {len(idx)} rows of {year} deleted", idx,
                         year=year, variable=self.src.field(name, idx[0], "variable"))

    def duplicate(self, name: str, k: int = 1):
        vid = f"{name[:-4]}-duplicate-{'row' if k == 1 else f'{k}-rows'}"
        idx = self._pick(vid, name, k=k)
        dup = set(idx)

        def edit(h, rows):
            out = []
            for i, r in enumerate(rows):
                out.append(r)
                if i in dup:
                    out.append(r)
            return _text(h, out)

        first = idx[0]
        if name in COUNT_FILES:
            changed, facilities = self._cells(name, idx), ()
        else:
            changed, facilities = (), {self.src.field(name, i, "facility_id") for i in idx}
        self._add(vid, f"{name}: {k} data row(s) written twice (first: row {self._line(first)})", name, edit,
                  changed, facilities, row=self._line(first) + 1, area_id=self.src.field(name, first, "area_id"))

    def truncate_line(self, name: str, keep: int):
        vid = f"{name[:-4]}-truncate-{keep}-rows"
        n = len(self.src.rows(name))
        self.remove_rows(name, vid, f"{name} cut at a line boundary after {keep} of {n} data rows",
                         list(range(keep, n)), variable=self.src.field(name, keep, "variable"))

    def truncate_midrow(self, name: str):
        """The file ends inside its last row that has a value of two or more digits (``49`` -> ``4``)."""
        vid = f"{name[:-4]}-truncate-mid-row"
        rows = self.src.rows(name)
        j = self._col(name, "value")
        k = max(i for i, r in enumerate(rows) if len(r.split(",")[j]) >= 2 and r.split(",")[j].isdigit())
        area, year = self.src.cell(name, k)
        cut = rows[k][:-1]
        self._add(vid, f"{name} ends inside row {self._line(k)} ({rows[k]!r} -> {cut!r}, no line break; "
                       f"{len(rows) - k - 1} later rows lost)", name,
                  lambda h, rs: _text(h, [*rs[:k], cut], newline_at_end=False),
                  self._cells(name, range(k, len(rows))), must_name=True, row=self._line(k))

    def header_only(self, name: str):
        changed = self._cells(name, range(len(self.src.rows(name)))) if name in COUNT_FILES else ()
        facilities = {self.src.field(name, i, "facility_id") for i in range(len(self.src.rows(name)))} \
            if name == "facilities.csv" else ()
        self._add(f"{name[:-4]}-header-only", f"{name} holds its header and no data rows", name,
                  lambda h, rows: _text(h, []), changed, facilities, must_name=True)

    def replace_field(self, name: str, vid: str, col: str, make: Callable[[str], str], where=None,
                      description: str = "", changed_extra=(), names=("row", "area_id", "text"), must_name=False,
                      text: str | None = None):
        """Row ``i`` (seeded) gets ``col`` = ``make(old)``; validation must name ``names`` of it (the
        row, the area key, the new text, or ``text`` where the problem shows the new text otherwise)."""
        (i,) = self._pick(vid, name, where)
        h = self.src.header(name)
        old = self.src.rows(name)[i].split(",")[h.index(col)]
        new = make(old)
        row = _set(self.src.rows(name)[i], h, col, new)
        area = self.src.field(name, i, "area_id")
        if name in COUNT_FILES:
            changed = {self.src.cell(name, i), *changed_extra}
            if col == "year":  # the row now counts for another year too (2015.6 -> 2015, 1555, 2031)
                changed.add((area, int(float(new))))
            facilities = ()
        else:
            changed = set(changed_extra)
            facilities = {self.src.field(name, i, "facility_id")} if name == "facilities.csv" else ()
        desc = description or f"{name}: row {self._line(i)}, column {col}: {old!r} -> {new!r}"
        known = {"row": self._line(i), "area_id": area if col != "area_id" else None,
                 "text": new if text is None else text}
        self._add(vid, desc, name, lambda hh, rows: _text(hh, [*rows[:i], row, *rows[i + 1:]]), changed, facilities,
                  must_name=must_name, **{k: v for k, v in known.items() if k in names})

    def rename_variable(self, name: str, old: str, new: str):
        """Every row of variable ``old`` renamed to ``new`` (a misspelling in the export)."""
        vid = f"{name[:-4]}-misspelt-variable-all-rows"
        j = self._col(name, "variable")
        idx = [i for i, r in enumerate(self.src.rows(name)) if r.split(",")[j] == old]
        h = self.src.header(name)

        def edit(hh, rows):
            return _text(hh, [_set(r, h, "variable", new) if i in set(idx) else r for i, r in enumerate(rows)])

        self._add(vid, f"{name}: variable {old!r} written {new!r} in all {len(idx)} rows", name, edit,
                  self._cells(name, idx), text=new)

    def swap_year_value(self, name: str):
        vid = f"{name[:-4]}-swap-year-value"
        (i,) = self._pick(vid, name, lambda f: f[-1].isdigit() and 1 <= int(f[-1]) < 1000)
        h = self.src.header(name)
        f = self.src.rows(name)[i].split(",")
        jy, jv = h.index("year"), h.index("value")
        f[jy], f[jv] = f[jv], f[jy]
        row = ",".join(f)
        area, year = self.src.cell(name, i)
        self._add(vid, f"{name}: row {self._line(i)}: year and value swapped ({year} <-> {f[jy]})", name,
                  lambda hh, rows: _text(hh, [*rows[:i], row, *rows[i + 1:]]),
                  {(area, year), (area, int(f[jy]))}, row=self._line(i), area_id=area)

    # ------------------------------------------------------------------ areas.csv
    def areas_edit(self, vid: str, description: str, area: str, make_row: Callable[[str], str | None],
                   row_offset: int | None = 0, **expect):
        """The row of ``area`` in areas.csv replaced by ``make_row(row)`` (None: deleted); every base area
        under it counts as changed in every year."""
        rows = self.src.rows("areas.csv")
        i = next(k for k, r in enumerate(rows) if r.split(",")[0] == area)
        new = make_row(rows[i])

        def edit(h, rs):
            return _text(h, [*rs[:i], *([] if new is None else [new]), *rs[i + 1:]])

        changed = {(b, None) for b in self.src.subtree_base(area)}
        row = None if row_offset is None else self._line(i) + row_offset
        self._add(vid, description, "areas.csv", edit, changed, row=row, **expect)


def variants(src: Source | None = None) -> list[Variant]:
    """The fault variants of ``src`` (default: Musterland), in a fixed order with unique ids."""
    src = src or source()
    b = _Builder(src)

    # --- rows removed -------------------------------------------------------------------------------
    # the case of the issue: SGB II persons of one Sozialraum in 2024 missing from the delivery
    tr = src.rows("transfers.csv")
    i = next(k for k, r in enumerate(tr) if r.startswith("03499016-03,2024,sgb2_personen,"))
    b.remove_rows("transfers.csv", "transfers-remove-row-sgb2",
                  f"transfers.csv: row {i + 2} (sgb2_personen of Sozialraum 03499016-03 in 2024) deleted, "
                  "as in an incomplete Jobcenter delivery", [i],
                  area_id="03499016-03", variable="sgb2_personen", year=2024)
    for name in ("population.csv", "households.csv", "care.csv", "disability.csv", "elections.csv"):
        b.remove_row(name)
    b.remove_share("transfers.csv")
    b.remove_area_year("population.csv")
    b.remove_area_year("labour.csv")
    b.remove_year("school_entry.csv", 2024)
    b.remove_year("housing.csv", 2015)

    # --- rows duplicated ------------------------------------------------------------------------------
    b.duplicate("households.csv")
    b.duplicate("care.csv", k=300)

    # --- truncated files ------------------------------------------------------------------------------
    b.truncate_line("transfers.csv", 1499)  # the case: 1,499 of 2,240 rows
    b.truncate_midrow("population.csv")  # the case: the last value 49 became 4
    b.header_only("school_entry.csv")

    # --- corrupt values ---------------------------------------------------------------------------------
    def big(f, col="value"):
        return f[-1].isdigit() and int(f[-1]) >= 1000

    b.replace_field("elections.csv", "elections-value-thousands-separator", "value",
                    lambda v: f"{v[:-3]}.{v[-3:]}", where=big)  # 2695 written "2.695"
    b.replace_field("labour.csv", "labour-value-thousands-separator", "value",
                    lambda v: f"{v[:-3]}.{v[-3:]}", where=big)
    b.replace_field("households.csv", "households-value-fraction", "value", lambda v: "0.5")
    b.replace_field("movements.csv", "movements-value-inf", "value", lambda v: "inf")
    b.replace_field("care.csv", "care-value-1e308", "value", lambda v: "1e308")
    b.replace_field("disability.csv", "disability-value-negative", "value", lambda v: "-3")

    # --- corrupt years, keys, names, categories ---------------------------------------------------------
    b.replace_field("transfers.csv", "transfers-year-fraction", "year", lambda v: f"{v}.6",
                    where=lambda f: f[1] == "2015")  # 2015 -> 2015.6
    b.replace_field("school_entry.csv", "school_entry-year-1555", "year", lambda v: "1555",
                    where=lambda f: f[1] == "2015")
    b.replace_field("population.csv", "population-year-2031", "year", lambda v: "2031",
                    where=lambda f: f[1] == "2024")
    b.replace_field("transfers.csv", "transfers-key-lost-leading-zero", "area_id", lambda v: v.lstrip("0"))
    b.replace_field("housing.csv", "housing-key-unknown", "area_id", lambda v: v[:-2] + "99",
                    where=lambda f: "-" in f[0])
    b.replace_field("transfers.csv", "transfers-misspelt-variable-row", "variable", lambda v: "sgb2_persnen",
                    where=lambda f: f[2] == "sgb2_personen", names=("row", "text"))
    b.rename_variable("labour.csv", "langzeitarbeitslose", "langzeitarbeitlose")
    b.replace_field("households.csv", "households-misspelt-type", "type", lambda v: "alleinerziehend",
                    where=lambda f: f[3] == "alleinerziehende", names=("area_id",), must_name=True)
    b.swap_year_value("transfers.csv")

    # --- areas.csv ----------------------------------------------------------------------------------------
    b.areas_edit("areas-remove-sozialraum", "areas.csv: the row of Sozialraum 03499013-04 deleted",
                 "03499013-04", lambda r: None, row_offset=None, area_id="03499013-04",
                 expect_file="population.csv")  # found as an unknown key of every count table
    b.areas_edit("areas-key-lost-leading-zero", "areas.csv: key 03499016-07 written 3499016-07",
                 "03499016-07", lambda r: r.replace("03499016-07", "3499016-07", 1), text="3499016-07")
    b.areas_edit("areas-misspelt-kind", "areas.csv: kind of 03499013-02 written 'Sozialraun'",
                 "03499013-02", lambda r: r.replace("Sozialraum", "Sozialraun"), text="Sozialraun")
    # issue #14, item 5: a right-to-left override (visual spoofing), named as U+202E
    b.areas_edit("areas-name-bidi-override", "areas.csv: a right-to-left override (U+202E) in the name of "
                 "03499016-05", "03499016-05", lambda r: r.replace(",", ",\u202e", 1), area_id="03499016-05",
                 text="U+202E")

    # --- facilities.csv -------------------------------------------------------------------------------------
    fac = "facilities.csv"
    fh = src.header(fac)
    with_capacity = lambda f: f[fh.index("capacity")] != ""  # noqa: E731
    b.duplicate(fac)
    b.replace_field(fac, "facilities-capacity-thousands-separator", "capacity", lambda v: f"1.{int(v):03d}",
                    where=with_capacity)
    b.replace_field(fac, "facilities-x-inf", "x", lambda v: "inf")
    b.replace_field(fac, "facilities-misspelt-type", "type", lambda v: "KiTa", where=lambda f: f[2] == "Kita")
    b.replace_field(fac, "facilities-name-bidi-override", "name", lambda v: f"{v[:4]}\u202e{v[4:]}", text="U+202E")
    b.header_only(fac)
    i = b._pick("facilities-swap-x-y", fac)[0]
    frow = src.rows(fac)[i].split(",")
    jx, jy = fh.index("x"), fh.index("y")
    frow[jx], frow[jy] = frow[jy], frow[jx]
    swapped = ",".join(frow)
    b._add("facilities-swap-x-y", f"facilities.csv: row {i + 2}: x and y swapped", fac,
           lambda h, rows: _text(h, [*rows[:i], swapped, *rows[i + 1:]]), (), {frow[0]}, row=i + 2,
           area_id=frow[fh.index("area_id")])

    ids = [v.id for v in b.out]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    return b.out


def by_id(vid: str) -> Variant:
    """The variant named ``vid``."""
    for v in variants():
        if v.id == vid:
            return v
    raise KeyError(vid)


def lenient_without(root: Path, file: str, row: str) -> Path:
    """Musterland copied to ``root/data`` without the one row of ``file`` that starts with ``row``,
    and a config ``root/lenient.yml`` reading it with ``validation: lenient``; returns the config.

    A lenient build then publishes everything that does not rest on the absent row, and "fehlt"
    where a number does.
    """
    data = root / "data"
    shutil.copytree(MUSTERLAND, data)
    lines = (data / file).read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [ln for ln in lines if not ln.startswith(row)]
    assert len(kept) == len(lines) - 1, f"{file}: expected exactly one row starting with {row!r}"
    (data / file).write_text("".join(kept), encoding="utf-8")
    cfg = (ROOT / "config" / "musterland.yml").read_text(encoding="utf-8").splitlines()
    cfg = [f"data: {data}" if ln.startswith("data:") else
           "validation: lenient" if ln.startswith("validation:") else ln for ln in cfg]
    config = root / "lenient.yml"
    config.write_text("\n".join(cfg) + "\n", encoding="utf-8")
    return config
