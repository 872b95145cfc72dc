"""Standardised annual reports of the Sozialraum projects: one Excel workbook per project and year.

A council that funds projects in its Sozialräume asks that their annual reports be standardised
"in Tabellenform", so that projects can be compared, while each project keeps room for the
topics its own Sozialraum needs (issue #17, item 3). The template is
``data/vorlage/projektbericht.xlsx``; the reports are ``projekte/*.xlsx`` in the district's data
folder, one workbook per project and year, each with three sheets:

``Projekt`` (the standard part), columns ``Feld`` and ``Angabe``, one row per field:

=====================  ========================================================================
``Projekt``            the project's name (the same in every year: it identifies the project)
``Sozialraum``         the area key of its Sozialraum (or Gemeinde) in ``areas.csv``, as text
``Träger``             the organisation running it
``Jahr``               the report year (whole number)
``Zielgruppen``        target groups, separated by semicolons
``Themen``             topics, separated by semicolons
``Angebote``           offers, separated by semicolons
``Stunden``            hours of offers in the year (number >= 0)
``Personal (VZÄ)``     staff in full-time equivalents (number >= 0)
``Kosten (EUR)``       costs of the year in euros (number >= 0)
``Wirkungsmessung``    how the project measures its outcomes (text)
=====================  ========================================================================

``Teilnehmende``, columns ``Gruppe`` and ``Anzahl``: the participants of the year by group, each
person in exactly one group (the groups are a partition: their sum is the total), whole numbers
>= 0 (0 written, not left empty).

``Freitext``, columns ``Thema`` and ``Text``: the project's own topics, as many rows as it needs
(may be empty).

Every problem names file, sheet, row, field, key and value: a missing sheet, a renamed or
missing column or field, a field given twice, a negative count, text in a number field, a
fraction of a person, an empty group, a Sozialraum not in ``areas.csv``, a year outside the
data, the same project and year in two workbooks. ``strict`` (the config's ``validation``)
raises :class:`~sozialanalyse.steering._input.SteeringInputError` listing every problem;
``lenient`` leaves a workbook with a problem out entirely (a report is published whole or not at
all) and lists the problems in :attr:`ProjectReports.problems`: nothing is dropped silently.

Participants are counts of people: a page publishes them only through
:func:`sozialanalyse.protected.projects.participants` (small groups suppressed).

Examples
--------
>>> r = read("musterland")
>>> r.reports[["project", "year"]].drop_duplicates().shape[0] == len(r.reports)
True
>>> sorted(r.reports["year"].unique().tolist())
[2022, 2023, 2024]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..protected.projects import cost_per_participant, reach
from ._input import Problem, SteeringInputError, closest, header_problems, parse_number, read_sheets

__all__ = ["FIELDS", "FOLDER", "LIST_FIELDS", "NUMBER_FIELDS", "SHEETS", "ProjectReports", "cost_per_participant",
           "reach", "read", "read_workbook"]

#: The folder of the workbooks in the data folder.
FOLDER = "projekte"
#: Sheet -> its header row.
SHEETS = {"Projekt": ("Feld", "Angabe"), "Teilnehmende": ("Gruppe", "Anzahl"), "Freitext": ("Thema", "Text")}
#: Field of the sheet ``Projekt`` -> column of :attr:`ProjectReports.reports`.
FIELDS = {"Projekt": "project", "Sozialraum": "area_id", "Träger": "carrier", "Jahr": "year",
          "Zielgruppen": "target_groups", "Themen": "topics", "Angebote": "offers", "Stunden": "hours",
          "Personal (VZÄ)": "staff_fte", "Kosten (EUR)": "cost_eur", "Wirkungsmessung": "outcome"}
#: Fields holding lists (separated by semicolons) and numbers.
LIST_FIELDS = ("Zielgruppen", "Themen", "Angebote")
NUMBER_FIELDS = ("Stunden", "Personal (VZÄ)", "Kosten (EUR)")
_REPORT_COLS = ["file", *FIELDS.values()]


@dataclass
class ProjectReports:
    """The project reports of a district.

    ``reports``: one row per workbook (``file`` and the fields of :data:`FIELDS`: ``project``,
    ``area_id``, ``carrier``, ``year``, ``target_groups``, ``topics``, ``offers`` (tuples of
    text), ``hours``, ``staff_fte``, ``cost_eur`` (float, NaN where left empty), ``outcome``),
    sorted by project and year; ``participants``: ``project``, ``year``, ``group``, ``value``
    (raw counts of people: publish only through :mod:`sozialanalyse.protected.projects`);
    ``free_text``: ``project``, ``year``, ``topic``, ``text``; ``problems``: what was found
    (lenient: those workbooks are left out)."""

    reports: pd.DataFrame
    participants: pd.DataFrame
    free_text: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    folder: Path | None = None

    def projects(self) -> list[str]:
        """The projects, sorted by name."""
        return sorted(self.reports["project"].unique())

    def __len__(self) -> int:
        return len(self.reports)


def _empty(folder=None, problems=()) -> ProjectReports:
    return ProjectReports(pd.DataFrame(columns=_REPORT_COLS),
                          pd.DataFrame(columns=["project", "year", "group", "value"]),
                          pd.DataFrame(columns=["project", "year", "topic", "text"]), list(problems), folder)


def _list(value) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    return tuple(x.strip() for x in str(value).split(";") if x.strip())


def read_workbook(path: str | Path, name: str | None = None, area_ids=None, years=None):
    """Read one project workbook: ``(report, participants, free_text, problems)`` with
    ``report`` a dict of the fields (None when a sheet or field is missing) and the two lists
    of rows; ``name`` is how messages call the file, ``area_ids`` the known area keys (None: not
    checked), ``years`` (first, last) the years a report may have (None: not checked)."""
    path = Path(path)
    name = name or path.name
    problems: list[Problem] = []
    sheets = read_sheets(path)
    for s in SHEETS:
        if s not in sheets:
            problems.append(Problem(name, s, None, None, None, None, "missing_sheet",
                                    f"sheet missing (sheets: {', '.join(sheets) or 'none'})"
                                    + closest(s, [x for x in sheets if x not in SHEETS])))
    for s in sheets:
        if s not in SHEETS:
            problems.append(Problem(name, s, None, None, None, s, "unknown_sheet",
                                    "unknown sheet (its content would be lost)" + closest(s, SHEETS)))
    bodies = {}
    for s, cols in SHEETS.items():
        rows = sheets.get(s)
        if rows is None:
            continue
        if not rows:
            problems.append(Problem(name, s, None, None, None, None, "empty", "sheet has no header row"))
            continue
        hrow, header = rows[0]
        header = [str(h).strip() if h is not None else "" for h in header]
        got = [h for h in header if h]
        missing = [c for c in cols if c not in got]
        extra = [h for h in got if h not in cols]
        if missing or extra:
            problems += header_problems(name, s, hrow, missing, extra, cols)
            continue
        pos = [header.index(c) for c in cols]
        bodies[s] = [(r, tuple(v[p] if p < len(v) else None for p in pos)) for r, v in rows[1:]]
    report = None
    if "Projekt" in bodies:
        report, seen = {"file": name}, {}
        for r, (key, value) in bodies["Projekt"]:
            key = "" if key is None else str(key)
            if key not in FIELDS:
                problems.append(Problem(name, "Projekt", r, key or None, None, value, "unknown_field",
                                        "unknown field" + closest(key, FIELDS)))
                continue
            if key in seen:
                problems.append(Problem(name, "Projekt", r, key, None, value, "duplicate",
                                        f"field given twice (first in row {seen[key]})"))
                continue
            seen[key] = r
            col = FIELDS[key]
            if key in NUMBER_FIELDS:
                try:
                    x = parse_number(value)
                except ValueError as exc:
                    problems.append(Problem(name, "Projekt", r, key, None, value, "not_a_number", str(exc)))
                    continue
                report[col] = np.nan if x is None else x
            elif key == "Jahr":
                try:
                    x = parse_number(value, whole=True)
                except ValueError as exc:
                    problems.append(Problem(name, "Projekt", r, key, None, value, "not_a_year", str(exc)))
                    continue
                if x is None:
                    problems.append(Problem(name, "Projekt", r, key, None, None, "empty", "year missing"))
                    continue
                if years is not None and not years[0] <= x <= years[1]:
                    problems.append(Problem(name, "Projekt", r, key, None, value, "year_out_of_range",
                                            f"year outside the data ({years[0]} to {years[1]})"))
                    continue
                report[col] = int(x)
            elif key in LIST_FIELDS:
                report[col] = _list(value)
            else:
                text = "" if value is None else str(value).strip()
                if key in ("Projekt", "Sozialraum", "Träger") and not text:
                    problems.append(Problem(name, "Projekt", r, key, None, None, "empty", "empty field"))
                    continue
                if key == "Sozialraum" and isinstance(value, int | float):
                    problems.append(Problem(name, "Projekt", r, key, None, value, "key_as_number",
                                            "area key stored as a number (leading zeros lost): write it as text"))
                    continue
                if key == "Sozialraum" and area_ids is not None and text not in area_ids:
                    problems.append(Problem(name, "Projekt", r, key, None, text, "unknown_key",
                                            "area key not in areas.csv" + closest(text, area_ids)))
                    continue
                report[col] = text
        for key in FIELDS:
            if key not in seen:
                problems.append(Problem(name, "Projekt", None, key, None, None, "missing_field",
                                        "field missing (a row with this name in column 'Feld')"))
    parts, groups = [], {}
    for r, (group, value) in bodies.get("Teilnehmende", []):
        g = "" if group is None else str(group).strip()
        if not g:
            problems.append(Problem(name, "Teilnehmende", r, "Gruppe", None, value, "empty", "group without a name"))
            continue
        if g in groups:
            problems.append(Problem(name, "Teilnehmende", r, "Gruppe", g, g, "duplicate",
                                    f"group given twice (first in row {groups[g]})"))
            continue
        groups[g] = r
        if g.lower() == "insgesamt":
            problems.append(Problem(name, "Teilnehmende", r, "Gruppe", g, g, "reserved",
                                    "'insgesamt' is not a group: the total is the sum of the groups, "
                                    "leave its row out"))
            continue
        try:
            x = parse_number(value, whole=True)
        except ValueError as exc:
            code = {"negative number": "negative"}.get(str(exc), "not_a_count")
            problems.append(Problem(name, "Teilnehmende", r, "Anzahl", g, value, code,
                                    f"{exc} (participants are whole numbers >= 0)"))
            continue
        if x is None:
            problems.append(Problem(name, "Teilnehmende", r, "Anzahl", g, None, "empty",
                                    "count missing (write 0 for none)"))
            continue
        parts.append({"group": g, "value": int(x)})
    if "Teilnehmende" in bodies and not bodies["Teilnehmende"]:
        problems.append(Problem(name, "Teilnehmende", None, None, None, None, "empty", "no participants' groups"))
    texts = []
    for r, (topic, text) in bodies.get("Freitext", []):
        t = "" if topic is None else str(topic).strip()
        body = "" if text is None else str(text).strip()
        if not t or not body:
            problems.append(Problem(name, "Freitext", r, "Thema" if not t else "Text", t or None, topic or text,
                                    "empty", "topic without text" if t else "text without a topic"))
            continue
        texts.append({"topic": t, "text": body})
    return report, parts, texts, problems


def _folder_and_mode(source, strict):
    if hasattr(source, "folder") and hasattr(source, "config"):  # a District
        return (Path(source.folder) if getattr(source, "folder", None) is not None else None,
                (getattr(source.config, "validation", "strict") == "strict") if strict is None else bool(strict),
                source)
    p = Path(source)
    if p.is_dir():
        return p, True if strict is None else bool(strict), None
    from ..model.config import read_config

    cfg = read_config(source)
    return cfg.data, (cfg.validation == "strict") if strict is None else bool(strict), None


def read(source, strict: bool | None = None, area_ids=None) -> ProjectReports:
    """The annual reports of a district's Sozialraum projects (``projekte/*.xlsx``).

    Parameters
    ----------
    source : District, str or Path
        A district (``sa.load(...)``: area keys and years are checked against it), a data folder
        (or the ``projekte`` folder itself), or a config (name or path).
    strict : bool, optional
        Raise on any problem (default: the config's ``validation``; a folder: strict). Lenient:
        a workbook with a problem is left out and its problems listed.
    area_ids : iterable of str, optional
        The known area keys when ``source`` is a folder (a district brings its own).

    Returns
    -------
    ProjectReports
        Empty when there is no ``projekte`` folder.

    Notes
    -----
    The total of a project's participants is the sum of its groups, :math:`N = \\sum_g n_g`.
    The key figures derived from it (:func:`reach`, :func:`cost_per_participant`) are computed
    on the published counts in :mod:`sozialanalyse.protected.projects`.

    References
    ----------
    Issue #17 of the project ("Steering, not only describing"), item 3; the template
    ``data/vorlage/projektbericht.xlsx``.

    Examples
    --------
    >>> r = read("musterland")
    >>> len(r.projects()), len(r)
    (5, 15)
    >>> g = r.participants
    >>> int(g[(g["project"] == r.projects()[0]) & (g["year"] == 2024)]["value"].sum()) > 0
    True
    """
    folder, strict_, district = _folder_and_mode(source, strict)
    if folder is None:
        return _empty()
    folder = Path(folder)
    sub = folder / FOLDER if (folder / FOLDER).is_dir() else folder if folder.name == FOLDER else None
    if sub is None:
        return _empty()
    if district is not None:
        area_ids = set(district.areas["area_id"].astype(str))
    elif area_ids is not None:
        area_ids = {str(a) for a in area_ids}
    years = (1990, int(district.report_year)) if district is not None else None
    problems, reports, parts, texts = [], [], [], []
    for path in sorted(sub.glob("*.xlsx")):
        if path.name.startswith("~$"):  # Excel's lock file of an open workbook
            continue
        name = f"{FOLDER}/{path.name}"
        report, p, t, found = read_workbook(path, name, area_ids, years)
        problems += found
        if found:
            continue
        reports.append(report)
        parts += [{"project": report["project"], "year": report["year"], **x} for x in p]
        texts += [{"project": report["project"], "year": report["year"], **x} for x in t]
    seen = {}
    for rep in reports:
        k = (rep["project"], rep["year"])
        if k in seen:
            problems.append(Problem(rep["file"], "Projekt", None, "Projekt", rep["project"], rep["year"], "duplicate",
                                    f"the same project and year as {seen[k]}"))
        else:
            seen[k] = rep["file"]
    dup = {p.file for p in problems if p.code == "duplicate" and p.sheet == "Projekt" and p.row is None}
    reports = [r for r in reports if r["file"] not in dup]
    if problems and strict_:
        raise SteeringInputError(problems)
    keep = {(r["project"], r["year"]) for r in reports}
    rep = pd.DataFrame(reports, columns=_REPORT_COLS).sort_values(["project", "year"]).reset_index(drop=True)
    par = pd.DataFrame(parts, columns=["project", "year", "group", "value"])
    par = par[[(a, b) in keep for a, b in zip(par["project"], par["year"])]].reset_index(drop=True)
    txt = pd.DataFrame(texts, columns=["project", "year", "topic", "text"])
    txt = txt[[(a, b) in keep for a, b in zip(txt["project"], txt["year"])]].reset_index(drop=True)
    return ProjectReports(rep, par, txt, problems, sub)
