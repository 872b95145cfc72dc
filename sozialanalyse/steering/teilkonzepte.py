"""Teilkonzepte and their measures: what was planned, what is under way, what changed.

A district's social concept consists of Teilkonzepte (Pflege, Menschen mit Behinderungen,
Senioren, ...), each with measures (Maßnahmen). The committee wants "eine regelmäßige
Berichterstattung zum jeweiligen Umsetzungsstand" (issue #17): how many measures are planned,
begun, implemented or deferred, what changed since the last report, and which goals they serve.

Input
-----
``massnahmen.xlsx`` in the district's data folder, sheet ``Maßnahmen``, one row per measure,
with the columns (header row exactly as written; ``data/vorlage/massnahmen.xlsx``):

==============  ==============================================================================
``Nr``          the measure's id, unique in the file (``PF-01``)
``Maßnahme``    its title
``Teilkonzept`` the Teilkonzept it belongs to (``Pflege``, ``Menschen mit Behinderungen``)
``Stand``       one of :data:`STATES`: geplant, begonnen, umgesetzt, zurückgestellt
``Beginn``      start (date cell or ``31.12.2025``; may be empty for a planned measure)
``Ende``        end, done or planned (may be empty; not before ``Beginn``)
``Zuständig``   the responsible unit
``Ziele``       the goals or key figures it serves: goal ids of ``goals.yml`` (``Z1, Z3``),
                separated by commas or semicolons; may be empty
==============  ==============================================================================

The file of the previous report, ``massnahmen_vorjahr.xlsx`` in the same folder and format, is
the base of :func:`changes`: new measures, measures no longer listed, changes of state and moved
dates.

Every problem names file, sheet, row, field, key (the measure's id) and value: a missing sheet
or column (a renamed column is named with the closest expected one), an empty or duplicate id,
an empty title or Teilkonzept, an unknown state (with the closest valid one), a date that is no
date, an end before the start. ``strict`` (the config's ``validation: strict``, the default)
raises :class:`~sozialanalyse.steering._input.SteeringInputError` listing every problem;
``lenient`` leaves the rows with a problem out and lists them in :attr:`Measures.problems`
(the status pages print them): nothing is dropped silently.

Examples
--------
>>> m = read("musterland")
>>> m.teilkonzepte()
['Pflege', 'Menschen mit Behinderungen']
>>> int(by_state(m.of("Pflege"))["count"].sum()) == len(m.of("Pflege"))
True
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ._input import Problem, SteeringInputError, closest, header_problems, parse_date, read_sheets

__all__ = ["COLUMNS", "FILE", "PREVIOUS", "SHEET", "STATES", "Measures", "by_state", "changes", "read",
           "teilkonzepte"]

#: The input file in the data folder, and the previous report's file beside it.
FILE = "massnahmen.xlsx"
PREVIOUS = "massnahmen_vorjahr.xlsx"
#: The sheet holding the measures.
SHEET = "Maßnahmen"
#: Column header -> field of :attr:`Measures.table`.
COLUMNS = {"Nr": "id", "Maßnahme": "title", "Teilkonzept": "teilkonzept", "Stand": "state",
           "Beginn": "start", "Ende": "end", "Zuständig": "unit", "Ziele": "goals"}
#: The states of a measure, in the order of the reports.
STATES = ("geplant", "begonnen", "umgesetzt", "zurückgestellt")
_FIELDS = ["id", "title", "teilkonzept", "state", "start", "end", "unit", "goals", "row"]


@dataclass
class Measures:
    """The measures of one file: ``table`` (columns ``id``, ``title``, ``teilkonzept``,
    ``state``, ``start``, ``end`` (dates or None), ``unit``, ``goals`` (tuple of ids), ``row``
    (the Excel row)), the ``problems`` found (lenient: their rows are not in ``table``) and the
    file read (None: the folder has no such file)."""

    table: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    path: Path | None = None

    def teilkonzepte(self) -> list[str]:
        """The Teilkonzepte in the order of their first measure."""
        return list(dict.fromkeys(self.table["teilkonzept"]))

    def of(self, teilkonzept: str) -> pd.DataFrame:
        """The measures of one Teilkonzept (KeyError naming the ones there are if unknown)."""
        sub = self.table[self.table["teilkonzept"] == teilkonzept]
        if sub.empty:
            raise KeyError(f"no Teilkonzept {teilkonzept!r} in {self.path} "
                           f"(there are: {', '.join(self.teilkonzepte()) or 'none'})")
        return sub.reset_index(drop=True)

    def __len__(self) -> int:
        return len(self.table)


def _folder_and_mode(source, strict):
    """The data folder and the validation mode of a district, a config name or a folder."""
    if hasattr(source, "folder") and hasattr(source, "config"):  # a District
        folder = getattr(source, "folder", None)
        mode = getattr(source.config, "validation", "strict")
    else:
        p = Path(source)
        if p.is_dir():
            folder, mode = p, "strict"
        else:
            from ..model.config import read_config

            cfg = read_config(source)
            folder, mode = cfg.data, cfg.validation
    return (Path(folder) if folder is not None else None,
            (mode == "strict") if strict is None else bool(strict))


def _goal_ids(value) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    return tuple(x.strip() for x in re.split(r"[,;]", str(value)) if x.strip())


def read_file(path: str | Path, strict: bool = True, name: str | None = None) -> Measures:
    """Read one measures workbook (see the module docstring); ``name`` is how messages call the
    file (default: its name)."""
    path = Path(path)
    name = name or path.name
    sheets = read_sheets(path)
    problems: list[Problem] = []
    if SHEET not in sheets:
        problems.append(Problem(name, SHEET, None, None, None, None, "missing_sheet",
                                f"sheet missing (sheets: {', '.join(sheets) or 'none'})"
                                + closest(SHEET, sheets)))
        return _finish(pd.DataFrame(columns=_FIELDS), problems, path, strict)
    rows = sheets[SHEET]
    if not rows:
        problems.append(Problem(name, SHEET, None, None, None, None, "empty", "sheet has no header row"))
        return _finish(pd.DataFrame(columns=_FIELDS), problems, path, strict)
    head_row, header = rows[0]
    header = [str(h).strip() if h is not None else "" for h in header]
    missing = [c for c in COLUMNS if c not in header]
    extra = [h for h in header if h and h not in COLUMNS]
    problems += header_problems(name, SHEET, head_row, missing, extra, COLUMNS)
    if missing:
        return _finish(pd.DataFrame(columns=_FIELDS), problems, path, strict)
    pos = {c: header.index(c) for c in COLUMNS}
    records, seen = [], {}
    for r, values in rows[1:]:
        cell = {f: (values[pos[c]] if pos[c] < len(values) else None) for c, f in COLUMNS.items()}
        rid = "" if cell["id"] is None else str(cell["id"]).strip()
        bad = []

        def problem(col, code, message, value=None, rid=rid, r=r, bad=bad):
            bad.append(Problem(name, SHEET, r, col, rid or None, value, code, message))

        if not rid:
            problem("Nr", "empty", "measure without an id")
        elif rid in seen:
            problem("Nr", "duplicate", f"id used twice (first in row {seen[rid]})", rid)
        else:
            seen[rid] = r
        for col in ("Maßnahme", "Teilkonzept", "Zuständig"):
            if cell[COLUMNS[col]] in (None, ""):
                problem(col, "empty", "empty cell")
        state = cell["state"]
        if state not in STATES:
            problem("Stand", "unknown_state", f"unknown state (allowed: {', '.join(STATES)})"
                    + closest(str(state), STATES), state)
        dates = {}
        for col in ("Beginn", "Ende"):
            try:
                dates[col] = parse_date(cell[COLUMNS[col]])
            except ValueError:
                problem(col, "not_a_date", "not a date (write 31.12.2025 or use a date cell)", cell[COLUMNS[col]])
                dates[col] = None
        if dates["Beginn"] and dates["Ende"] and dates["Ende"] < dates["Beginn"]:
            problem("Ende", "end_before_start", f"end before the start {dates['Beginn']:%d.%m.%Y}",
                    f"{dates['Ende']:%d.%m.%Y}")
        if bad:
            problems.extend(bad)
            continue
        records.append({"id": rid, "title": str(cell["title"]), "teilkonzept": str(cell["teilkonzept"]),
                        "state": state, "start": dates["Beginn"], "end": dates["Ende"],
                        "unit": str(cell["unit"]), "goals": _goal_ids(cell["goals"]), "row": r})
    return _finish(pd.DataFrame(records, columns=_FIELDS), problems, path, strict)


def _finish(table, problems, path, strict) -> Measures:
    if problems and strict:
        raise SteeringInputError(problems)
    return Measures(table.reset_index(drop=True), problems, path)


def read(source, strict: bool | None = None, previous: bool = False) -> Measures:
    """The measures of a district: ``massnahmen.xlsx`` (or, with ``previous``, the previous
    report's ``massnahmen_vorjahr.xlsx``) in its data folder.

    Parameters
    ----------
    source : District, str or Path
        A district (``sa.load(...)``), a data folder, or a config (name or path).
    strict : bool, optional
        Raise on any problem (default: the config's ``validation``; a folder: strict). Lenient:
        rows with a problem are left out and listed in :attr:`Measures.problems`.
    previous : bool
        Read the previous report's file instead.

    Returns
    -------
    Measures
        Empty (no rows, ``path`` None) when the folder has no such file: a district without
        Teilkonzepte.

    Notes
    -----
    The checks and the columns are those of the module docstring; the goal ids are plain
    strings (``goals.yml`` of :mod:`sozialanalyse.steering.goals` gives their titles and
    status; an id it does not know is shown as such, not refused).

    References
    ----------
    Issue #17 of the project ("Steering, not only describing"), item 2.

    Examples
    --------
    >>> m = read("musterland")
    >>> len(m) >= 20, sorted(set(m.table["state"])) <= sorted(STATES)
    (True, True)
    >>> read("musterland", previous=True).path.name
    'massnahmen_vorjahr.xlsx'
    """
    folder, strict_ = _folder_and_mode(source, strict)
    if folder is None:
        return Measures(pd.DataFrame(columns=_FIELDS))
    path = folder / (PREVIOUS if previous else FILE)
    if not path.is_file():
        return Measures(pd.DataFrame(columns=_FIELDS))
    return read_file(path, strict=strict_)


def teilkonzepte(source) -> list[str]:
    """The Teilkonzepte of a district's ``massnahmen.xlsx`` (empty: none), read in the mode of
    its config (what the build plans one status page for; strict: a problem stops the build)."""
    return read(source).teilkonzepte()


def by_state(measures: pd.DataFrame) -> pd.DataFrame:
    """Number of measures per state, every state of :data:`STATES` in order (zeros included):
    ``state``, ``count``, ``share`` (per cent of all measures).

    Examples
    --------
    >>> t = by_state(pd.DataFrame({"state": ["geplant", "umgesetzt", "umgesetzt", "begonnen"]}))
    >>> t.to_dict("list")
    {'state': ['geplant', 'begonnen', 'umgesetzt', 'zurückgestellt'], 'count': [1, 1, 2, 0], 'share': [25.0, 25.0, 50.0, 0.0]}
    """
    counts = measures["state"].value_counts()
    n = [int(counts.get(s, 0)) for s in STATES]
    total = sum(n)
    return pd.DataFrame({"state": list(STATES), "count": n,
                         "share": [100.0 * k / total if total else float("nan") for k in n]})


def _fmt_date(d) -> str:
    return "" if d is None or (isinstance(d, float) and d != d) else f"{d:%d.%m.%Y}"


def changes(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """What changed between the previous report's measures and the current ones (matched by
    id): ``id``, ``title``, ``teilkonzept``, ``change``, ``before``, ``after``, one row per
    change, in the order of the current file (measures no longer listed last).

    ``change`` is ``"neu"`` (an id not in the previous file), ``"nicht mehr aufgeführt"`` (an id
    only in the previous file), ``"Stand"``, ``"Beginn"``, ``"Ende"`` (a state or date that
    differs; ``before``/``after`` the values, dates as ``31.12.2025``, ``""`` for none),
    ``"Teilkonzept"`` (moved to another Teilkonzept) or ``"Maßnahme"`` (renamed).

    Examples
    --------
    >>> import datetime as dt
    >>> prev = pd.DataFrame({"id": ["A", "B"], "title": ["a", "b"], "teilkonzept": ["T", "T"],
    ...                      "state": ["geplant", "begonnen"], "start": [None, dt.date(2024, 1, 1)],
    ...                      "end": [None, None]})
    >>> cur = pd.DataFrame({"id": ["A", "C"], "title": ["a", "c"], "teilkonzept": ["T", "T"],
    ...                     "state": ["begonnen", "geplant"], "start": [dt.date(2025, 3, 1), None],
    ...                     "end": [None, None]})
    >>> changes(cur, prev)[["id", "change", "before", "after"]].values.tolist()
    [['A', 'Stand', 'geplant', 'begonnen'], ['A', 'Beginn', '', '01.03.2025'], ['C', 'neu', '', 'geplant'], ['B', 'nicht mehr aufgeführt', 'begonnen', '']]
    """
    cols = ["id", "title", "teilkonzept", "change", "before", "after"]
    prev = {str(r["id"]): r for _, r in previous.iterrows()}
    cur_ids = set(str(i) for i in current["id"])
    out = []
    for _, r in current.iterrows():
        i = str(r["id"])
        base = {"id": i, "title": r["title"], "teilkonzept": r["teilkonzept"]}
        if i not in prev:
            out.append({**base, "change": "neu", "before": "", "after": r["state"]})
            continue
        p = prev[i]
        for col, label in (("teilkonzept", "Teilkonzept"), ("title", "Maßnahme"), ("state", "Stand")):
            if str(p[col]) != str(r[col]):
                out.append({**base, "change": label, "before": str(p[col]), "after": str(r[col])})
        for col, label in (("start", "Beginn"), ("end", "Ende")):
            a, b = _fmt_date(p[col]), _fmt_date(r[col])
            if a != b:
                out.append({**base, "change": label, "before": a, "after": b})
    for i, p in prev.items():
        if i not in cur_ids:
            out.append({"id": i, "title": p["title"], "teilkonzept": p["teilkonzept"],
                        "change": "nicht mehr aufgeführt", "before": p["state"], "after": ""})
    return pd.DataFrame(out, columns=cols)
