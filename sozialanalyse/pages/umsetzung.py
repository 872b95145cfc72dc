"""The status report of one Teilkonzept (``notebooks/umsetzung.ipynb``, run once per Teilkonzept
with the parameter ``teilkonzept``): "Umsetzungsstand: Pflege", "Umsetzungsstand: Menschen mit
Behinderungen".

Floor: pages. Arranges the measures of :mod:`sozialanalyse.steering.teilkonzepte` for the
committee: the measures by state (table and bar chart, the states named on the axis and the
numbers written on the bars, never colour alone), every measure with its dates and responsible
unit, what changed since the previous report (``massnahmen_vorjahr.xlsx``) and the goals the
measures serve (titles and status from :mod:`sozialanalyse.steering.goals`, as the page
*Ziele und Kennzahlen* shows them).

Measures are no counts of people: their numbers are declared ``text`` for the audit (like the
number of Pflegestützpunkte on the page Pflege).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..model.areas import report_year
from ..render import figures, fmt
from ..render.figures import finish, style
from ..render.tables import md_escape, table, text
from ..steering import goals as _goals
from ..steering import teilkonzepte as _tk

__all__ = ["STATE_COLOURS", "changes_table", "goals_served", "intro", "measures_table", "state_chart",
           "state_table"]

#: One colour per state (the chart also names each state on its axis and writes its number).
STATE_COLOURS = {"geplant": "#9db4d0", "begonnen": "#3b6ea8", "umgesetzt": "#2a7f62", "zurückgestellt": "#b0b0b0"}
_CHANGE_WORDS = {"neu": "neu aufgenommen", "nicht mehr aufgeführt": "nicht mehr aufgeführt",
                 "Stand": "Stand geändert", "Beginn": "Beginn verschoben", "Ende": "Ende verschoben",
                 "Teilkonzept": "anderem Teilkonzept zugeordnet", "Maßnahme": "umbenannt"}


def _measures(district, teilkonzept: str) -> pd.DataFrame:
    return _tk.read(district).of(teilkonzept)


def _date(d) -> str:
    return "" if d is None or (isinstance(d, float) and d != d) else fmt.date(d)


def intro(district, teilkonzept: str, year: int | None = None):
    """German paragraph: how many measures the Teilkonzept has, how many are implemented or
    under way, and (lenient) the rows of the file left out for problems."""
    year = report_year(district, year)
    m = _tk.read(district)
    sub = m.of(teilkonzept)
    st = _tk.by_state(sub).set_index("state")["count"]
    prev = _tk.read(district, previous=True)
    n = len(sub)
    parts = [f"Das Teilkonzept **{md_escape(teilkonzept)}** umfasst {n} Maßnahme{'n' if n != 1 else ''} "
             f"(Stand des Berichts {year}). Davon sind {st['umgesetzt']} umgesetzt, {st['begonnen']} begonnen, "
             f"{st['geplant']} geplant und {st['zurückgestellt']} zurückgestellt."]
    if prev.path is None:
        parts.append("Ein Bericht des Vorjahres (massnahmen\\_vorjahr.xlsx) liegt nicht vor; Veränderungen "
                     "werden daher nicht ausgewiesen.")
    if m.problems:
        parts.append(f"{len(m.problems)} Angabe{'n' if len(m.problems) != 1 else ''} der Maßnahmenliste "
                     "enthielt Fehler; diese Zeilen fehlen hier (siehe *Daten und Methoden*): "
                     + "; ".join(md_escape(str(p)) for p in m.problems[:5]) + ".")
    return text(" ".join(parts))


def state_table(district, teilkonzept: str, year: int | None = None):
    """Table: measures by state (every state, zeros included) with their share."""
    t = _tk.by_state(_measures(district, teilkonzept))
    df = pd.DataFrame({"Stand": t["state"], "Maßnahmen": [fmt.num(v) for v in t["count"]],
                       "Anteil": [fmt.pct(v, 0) for v in t["share"]]})
    df.loc[len(df)] = ["Insgesamt", fmt.num(t["count"].sum()), fmt.pct(100, 0)]
    # measures are no counts of people ("text", like facilities); the share is of measures
    return table(df, caption=f"Maßnahmen des Teilkonzepts {teilkonzept} nach Stand",
                 kinds={"Stand": "text", "Maßnahmen": "text", "Anteil": "share"})


def state_chart(district, teilkonzept: str, year: int | None = None):
    """Horizontal bars: measures by state, the state named on the axis, the number on each bar."""
    t = _tk.by_state(_measures(district, teilkonzept))
    fig, ax = plt.subplots(figsize=(6.4, 2.2))
    ys = list(range(len(t)))[::-1]
    ax.barh(ys, t["count"], color=[STATE_COLOURS[s] for s in t["state"]], height=0.6)
    for y, v in zip(ys, t["count"]):
        ax.text(v + 0.1, y, fmt.num(v), va="center", fontsize=9)
    ax.set_yticks(ys, labels=list(t["state"]))
    ax.set_xlabel("Zahl der Maßnahmen")
    ax.set_xlim(0, max(1, int(t["count"].max())) + 1.5)
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_title(f"Umsetzungsstand: {teilkonzept}", loc="left")
    style(ax, "x")
    total = int(t["count"].sum())
    figures.note(ax, f"{fmt.num(total)} Maßnahmen des Teilkonzepts {teilkonzept}, davon "
                     + ", ".join(f"{fmt.num(int(v))} {s}" for s, v in zip(t["state"], t["count"])))
    return finish(fig)


def measures_table(district, teilkonzept: str, year: int | None = None):
    """Table: every measure with state, dates, responsible unit and goals served."""
    sub = _measures(district, teilkonzept)
    order = {s: i for i, s in enumerate(_tk.STATES)}
    sub = sub.assign(_o=sub["state"].map(order)).sort_values(["_o", "id"], kind="stable")
    df = pd.DataFrame({"Nr.": sub["id"], "Maßnahme": sub["title"], "Stand": sub["state"],
                       "Beginn": [_date(d) for d in sub["start"]], "Ende": [_date(d) for d in sub["end"]],
                       "Zuständig": sub["unit"], "Ziele": [", ".join(g) or "–" for g in sub["goals"]]})
    return table(df, caption=f"Maßnahmen des Teilkonzepts {teilkonzept}", align_right=[],
                 kinds={c: "text" for c in df.columns},
                 footnotes=["Ende: bei umgesetzten Maßnahmen das Datum des Abschlusses, sonst das geplante Ende."])


def changes_table(district, teilkonzept: str, year: int | None = None):
    """Table of what changed since the previous report (new measures, states, moved dates), or a
    sentence when nothing changed or there is no previous report."""
    prev = _tk.read(district, previous=True)
    if prev.path is None:
        return text("Ein Bericht des Vorjahres liegt nicht vor (Datei massnahmen\\_vorjahr.xlsx im Datenordner).")
    cur = _measures(district, teilkonzept)
    before = prev.table
    ch = _tk.changes(cur, before)
    # lenient: a measure whose row has a problem is left out of the current list, not dropped
    faulty = {p.key for p in _tk.read(district).problems if p.key}
    ch = ch[~((ch["change"] == "nicht mehr aufgeführt") & ch["id"].isin(faulty))]
    ids = set(cur["id"]) | set(before[before["teilkonzept"] == teilkonzept]["id"])
    ch = ch[ch["id"].isin(ids) & ((ch["teilkonzept"] == teilkonzept) | (ch["change"] == "Teilkonzept"))]
    if ch.empty:
        return text(f"Seit dem letzten Bericht hat sich bei den Maßnahmen des Teilkonzepts "
                    f"{md_escape(teilkonzept)} nichts geändert.")
    df = pd.DataFrame({"Nr.": ch["id"], "Maßnahme": ch["title"],
                       "Veränderung": [_change_word(c, b, a) for c, b, a in zip(ch["change"], ch["before"],
                                                                                ch["after"])],
                       "bisher": [b or "–" for b in ch["before"]], "jetzt": [a or "–" for a in ch["after"]]})
    return table(df, caption=f"Veränderungen seit dem letzten Bericht: {_change_counts(ch['change'])}",
                 align_right=[], kinds={c: "text" for c in df.columns})


def _change_counts(changes) -> str:
    """German summary of the kinds of change, every kind the table lists (a measure no longer
    listed is counted too, not only new ones and moved dates).

    >>> _change_counts(["neu", "Stand", "Ende", "Beginn", "nicht mehr aufgeführt"])
    '1 neu, 1 nicht mehr aufgeführt, 1-mal Stand geändert, 2-mal Termin geändert'
    >>> _change_counts(["Stand", "Teilkonzept", "Maßnahme"])
    '1-mal Stand geändert, 1-mal Teilkonzept geändert, 1-mal umbenannt'
    """
    changes = list(changes)
    n = {k: changes.count(k) for k in ("neu", "nicht mehr aufgeführt", "Stand", "Teilkonzept", "Maßnahme")}
    n_moved = sum(c in ("Beginn", "Ende") for c in changes)
    parts = [f"{n['neu']} neu" if n["neu"] else "",
             f"{n['nicht mehr aufgeführt']} nicht mehr aufgeführt" if n["nicht mehr aufgeführt"] else "",
             f"{n['Stand']}-mal Stand geändert" if n["Stand"] else "",
             f"{n_moved}-mal Termin geändert" if n_moved else "",
             f"{n['Teilkonzept']}-mal Teilkonzept geändert" if n["Teilkonzept"] else "",
             f"{n['Maßnahme']}-mal umbenannt" if n["Maßnahme"] else ""]
    return ", ".join(p for p in parts if p)


def _change_word(change: str, before: str, after: str) -> str:
    """German word of a change; a date that was open and is now set is "festgelegt", a date
    removed is "offen" (not "verschoben"), a date set earlier than before is "vorgezogen".

    >>> _change_word("Ende", "", "31.03.2026"), _change_word("Beginn", "01.04.2024", ""), _change_word("neu", "", "")
    ('Ende festgelegt', 'Beginn wieder offen', 'neu aufgenommen')
    >>> _change_word("Ende", "31.12.2024", "31.10.2024"), _change_word("Ende", "30.09.2024", "30.11.2024")
    ('Ende vorgezogen', 'Ende verschoben')
    """
    if change in ("Beginn", "Ende") and not before:
        return f"{change} festgelegt"
    if change in ("Beginn", "Ende") and not after:
        return f"{change} wieder offen"
    if change in ("Beginn", "Ende") and _earlier(after, before):
        return f"{change} vorgezogen"
    return _CHANGE_WORDS.get(change, change)


def _earlier(a: str, b: str) -> bool:
    """Whether German date ``a`` (``TT.MM.JJJJ``) lies before ``b``; False when either is no date.

    >>> _earlier("31.10.2024", "31.12.2024"), _earlier("01.09.2024", "01.06.2024"), _earlier("x", "01.06.2024")
    (True, False, False)
    """
    try:
        da, db = (pd.to_datetime(x, format="%d.%m.%Y") for x in (a, b))
    except (ValueError, TypeError):
        return False
    return bool(da < db)


def _goal_titles(district) -> dict[str, str]:
    """Goal id -> title of the district's goals (:func:`sozialanalyse.steering.goals.of`; {}
    when it has no goals file)."""
    return {g.id: g.title for g in _goals.of(district)}


def _goal_status(district, year: int) -> dict[str, str]:
    """Goal id -> its status as the page *Ziele und Kennzahlen* shows it (symbol and German word
    of Eurostat's assessment, :func:`sozialanalyse.steering.goals.progress`)."""
    return {p.goal.id: f"{p.assessment.symbol} {p.assessment.label}".strip()
            for p in _goals.progress(district, year)}


def goals_served(district, teilkonzept: str, year: int | None = None):
    """Table: the goals the Teilkonzept's measures serve, with their titles (``goals.yml``), the
    measures serving each and the goal's status; sentences where goals or their status are not
    available."""
    year = report_year(district, year)
    sub = _measures(district, teilkonzept)
    served: dict[str, list[str]] = {}
    for mid, gs in zip(sub["id"], sub["goals"]):
        for g in gs:
            served.setdefault(g, []).append(mid)
    if not served:
        return text(f"Die Maßnahmen des Teilkonzepts {md_escape(teilkonzept)} nennen keine Ziele.")
    titles = _goal_titles(district)
    status = _goal_status(district, year)
    ids = sorted(served)
    df = pd.DataFrame({"Ziel": ids,
                       "Bezeichnung": [titles.get(g, "nicht in goals.yml" if titles else "–") for g in ids],
                       "Maßnahmen": [", ".join(served[g]) for g in ids]})
    notes = []
    if titles:
        df["Stand des Ziels"] = [status.get(g, "–") for g in ids]
        notes.append("Stand des Ziels: Bewertung wie auf der Seite „Ziele und Kennzahlen“ (Ziel/Ist).")
    else:
        notes.append("Die Ziele des Landkreises (goals.yml) sind nicht erfasst: ihre Bezeichnung und ihr "
                     "Stand fehlen hier.")
    return table(df, caption=f"Ziele, denen die Maßnahmen des Teilkonzepts {teilkonzept} dienen", align_right=[],
                 kinds={c: "text" for c in df.columns}, footnotes=notes or None)
