"""The comparison chapter of the Sozialraum projects (``notebooks/projekte.ipynb``): the
standardised annual reports side by side, across projects and years, then each project with its
standard part beside its free text.

Floor: pages. Reads the reports with :mod:`sozialanalyse.steering.projects` and publishes the
participants, the reach and the costs per participant only as
:mod:`sozialanalyse.protected.projects` returns them: participants by group are counts of
people, a group below the disclosure threshold is ``.`` (with the footnote) and so is one more
cell of its project and year; a reach or a cost per participant whose total is suppressed is
``.`` too. Hours, staff and costs are no counts of people (declared ``index`` for the audit).

The reach (participants per 100 inhabitants of the project's Sozialraum) is in a table of its
own, beside the inhabitants: in one row with the participants, the audit would read each count
of the row as a possible denominator of the percentage.
"""
from __future__ import annotations

import html

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..model import names as _names
from ..model.areas import report_year
from ..model.config import SYMBOL
from ..protected import layer as protected_layer
from ..protected import projects as protected_projects
from ..render import figures, fmt
from ..render.figures import finish, style, wrap
from ..render.tables import md_escape, table, text
from ..steering import projects as _projects
from .common import span

__all__ = ["intro", "key_figures_table", "project_section", "project_sections", "reach_table", "small_multiples", "topics_table"]


def _data(district):
    """The reports, the published participants and key figures (computed once per district)."""
    cached = getattr(district, "_sa_projects", None)
    if cached is None:
        r = _projects.read(district)
        pub = protected_projects.participants(district, r.participants)
        kf = protected_projects.key_figures(district, r.reports, pub)
        cached = (r, pub, kf)
        district._sa_projects = cached
    return cached


def _upto(df: pd.DataFrame, year: int) -> pd.DataFrame:
    return df[df["year"].astype(int) <= year]


def _shown(v, status, decimals: int = 0, unit: str | None = None) -> str:
    if status:
        return SYMBOL
    return fmt.num(v, decimals, unit)


def _footnote(district, any_suppressed: bool) -> list[str]:
    return [protected_layer.settings(district).footnote_line] if any_suppressed else []


def intro(district, year: int | None = None):
    """German paragraph: how many projects and reports, the years, the Sozialräume; problems of
    the workbooks (lenient: those reports are left out)."""
    year = report_year(district, year)
    r, _, kf = _data(district)
    kf = _upto(kf, year)
    if kf.empty and not r.problems:
        return text("Für diesen Landkreis liegen keine Jahresberichte von Sozialraumprojekten vor "
                    "(Ordner projekte/ im Datenordner).")
    years = sorted(kf["year"].unique().tolist())
    parts = [f"Dieses Kapitel vergleicht die Jahresberichte von {kf['project'].nunique()} Projekten in "
             f"{kf['area_id'].nunique()} Sozialräumen aus den Jahren {span(years)} ({len(kf)} Berichte). "
             "Alle Berichte folgen derselben Vorlage (projektbericht.xlsx): einem Standardteil mit Träger, "
             "Zielgruppen, Themen, Angeboten, Teilnehmenden nach Gruppen, Stunden, Personal und Kosten, "
             "und einem freien Teil für die Themen, die das Projekt in seinem Sozialraum selbst setzt."]
    if r.problems:
        files = sorted({p.file for p in r.problems})
        parts.append(f"{len(files)} Bericht{'e' if len(files) != 1 else ''} enthielt{'en' if len(files) != 1 else ''} "
                     f"Fehler und fehlt hier: " + "; ".join(md_escape(str(p)) for p in r.problems[:5]) + ".")
    return text(" ".join(parts))


def key_figures_table(district, year: int | None = None):
    """Table: per project and year the participants (published), hours, staff, costs and the
    costs per participant."""
    year = report_year(district, year)
    _, _, kf = _data(district)
    kf = _upto(kf, year)
    df = pd.DataFrame({
        "Projekt": kf["project"], "Jahr": kf["year"].astype(str), "Sozialraum": kf["name"],
        "Teilnehmende": [_shown(v, s) for v, s in zip(kf["participants"], kf["participants_status"])],
        "Stunden": [fmt.num(v) for v in kf["hours"]],
        "Personal (VZÄ)": [fmt.num(v, 2) for v in kf["staff_fte"]],
        "Kosten": [fmt.num(v, 0, "€") for v in kf["cost_eur"]],
        "Kosten je Teilnehmenden": [_shown(v, s, 0, "€") for v, s in zip(kf["cost_per_participant"],
                                                                         kf["cost_status"])],
    })
    sup = SYMBOL in set(df["Teilnehmende"]) | set(df["Kosten je Teilnehmenden"])
    # hours, staff and money are no counts of people; costs per participant is a derived figure
    kinds = {"Projekt": "text", "Jahr": "text", "Sozialraum": "text", "Teilnehmende": "count",
             "Stunden": "index", "Personal (VZÄ)": "index", "Kosten": "index", "Kosten je Teilnehmenden": "index"}
    return table(df, caption=f"Teilnehmende, Stunden, Personal und Kosten der Projekte, {span(sorted(set(kf['year'])))}",
                 kinds=kinds, align_right=list(df.columns[3:]),
                 footnotes=["Teilnehmende: Summe der Teilnehmenden aller Gruppen des Jahres. VZÄ: Vollzeitäquivalente. "
                            "Kosten je Teilnehmenden: Kosten des Jahres geteilt durch die Teilnehmenden; nicht "
                            "ausgewiesen, wo die Zahl der Teilnehmenden gesperrt ist."] + _footnote(district, sup))


def reach_table(district, year: int | None = None):
    """Table: per project and year the inhabitants of the Sozialraum and the reach
    (participants per 100 inhabitants)."""
    year = report_year(district, year)
    _, _, kf = _data(district)
    kf = _upto(kf, year)
    df = pd.DataFrame({
        "Projekt": kf["project"], "Jahr": kf["year"].astype(str), "Sozialraum": kf["name"],
        "Einwohner": [_shown(v, s) for v, s in zip(kf["population"], kf["population_status"])],
        "Reichweite je 100 Einwohner": [SYMBOL if s else fmt.num(v, 1) for v, s in zip(kf["reach"], kf["reach_status"])],
    })
    sup = SYMBOL in set(df["Einwohner"]) | set(df["Reichweite je 100 Einwohner"])
    return table(df, caption="Reichweite der Projekte: Teilnehmende je 100 Einwohner des Sozialraums",
                 kinds={"Projekt": "text", "Jahr": "text", "Sozialraum": "text", "Einwohner": "count",
                        "Reichweite je 100 Einwohner": "rate"},
                 align_right=["Einwohner", "Reichweite je 100 Einwohner"],
                 footnotes=["Reichweite: Teilnehmende des Jahres je 100 Einwohner des Sozialraums am 31.12. "
                            "(Teilnehmende können auch außerhalb des Sozialraums wohnen; die Reichweite ist "
                            "ein Verhältnis, kein Anteil der Bewohnerinnen und Bewohner)."] + _footnote(district, sup))


def small_multiples(district, year: int | None = None):
    """Small multiples: one column per project, rows participants, reach and costs per
    participant, one bar per year; a suppressed value is not drawn (a "." at its place)."""
    year = report_year(district, year)
    _, _, kf = _data(district)
    kf = _upto(kf, year)
    projects = sorted(kf["project"].unique())
    if not projects:
        return text("Keine Projektberichte.")
    years = sorted(kf["year"].unique())
    rows = [("participants", "participants_status", "Teilnehmende", 0),
            ("reach", "reach_status", "Teilnehmende je 100 Einw.", 1),
            ("cost_per_participant", "cost_status", "Kosten je Teilnehmenden (€)", 0)]
    fig, axes = plt.subplots(len(rows), len(projects), figsize=(1.9 * len(projects) + 0.8, 6.4),
                             sharey="row", squeeze=False)
    for j, p in enumerate(projects):
        sub = kf[kf["project"] == p].set_index("year").reindex(years)
        for i, (col, st, label, dec) in enumerate(rows):
            ax = axes[i][j]
            vals = sub[col].astype(float).to_numpy()
            status = sub[st].fillna("").to_numpy()
            shown = np.where(status != "", np.nan, vals)
            xs = np.arange(len(years))
            ax.bar(xs, np.nan_to_num(shown, nan=0.0), color="#3b6ea8", width=0.7)
            top = np.nanmax(kf[col].astype(float).where(kf[st].fillna("") == "")) if len(kf) else 1
            for x, v, s in zip(xs, shown, status):
                if s:
                    ax.text(x, top * 0.04, SYMBOL, ha="center", va="bottom", fontsize=12, fontweight="bold")
                elif np.isfinite(v):
                    ax.text(x, v, fmt.num(v, dec), ha="center", va="bottom", fontsize=7)
            ax.set_xticks(xs, labels=[str(y) for y in years], fontsize=7)
            ax.set_ylim(0, top * 1.18 if np.isfinite(top) and top > 0 else 1)
            ax.yaxis.set_major_formatter(fmt.axis_formatter())
            if i == 0:
                ax.set_title(wrap(p, 18), fontsize=8)
            if j == 0:
                ax.set_ylabel(wrap(label, 16), fontsize=8)
            style(ax, "y")
    any_sup = any((kf[st].fillna("") != "").any() for _, st, _, _ in rows)
    fig.suptitle("Projekte im Vergleich der Jahre" + (" („.“: gesperrt)" if any_sup else ""), x=0.01, ha="left",
                 fontsize=10, fontweight="bold")
    figures.note(axes[0][0], "Teilnehmende je Projekt – " + "; ".join(
        _participants_finding(p, kf[kf["project"] == p]) for p in projects))
    return finish(fig)


def _participants_finding(project: str, rows: pd.DataFrame) -> str:
    """``Projekt: von 120 (2022) auf 150 (2024)`` from the published participant counts of one
    project (a suppressed count is never stated; a project without any: "gesperrt")."""
    pub = rows[rows["participants_status"].fillna("") == ""].dropna(subset=["participants"]).sort_values("year")
    name = _names.strip(str(project))
    if pub.empty:
        return f"{name}: gesperrt"
    a, b = pub.iloc[0], pub.iloc[-1]
    if len(pub) == 1:
        return f"{name}: {fmt.num(float(b['participants']))} ({int(b['year'])})"
    return (f"{name}: von {fmt.num(float(a['participants']))} ({int(a['year'])}) auf "
            f"{fmt.num(float(b['participants']))} ({int(b['year'])})")


def topics_table(district, year: int | None = None):
    """Table: which topics each project names in its latest report up to ``year`` (● named)."""
    year = report_year(district, year)
    r, _, _ = _data(district)
    rep = _upto(r.reports, year)
    if rep.empty:
        return text("Keine Projektberichte.")
    latest = rep.sort_values("year").groupby("project").tail(1).sort_values("project")
    topics = sorted({t for ts in latest["topics"] for t in ts})
    df = pd.DataFrame({"Projekt": latest["project"].tolist(),
                       **{t: ["●" if t in ts else "" for ts in latest["topics"]] for t in topics}})
    return table(df, caption="Themen der Projekte (jeweils letzter Bericht)", align_right=[],
                 kinds={c: "text" for c in df.columns},
                 footnotes=["●: Das Projekt nennt das Thema im Standardteil seines Berichts (Feld „Themen“)."])


def _anchor(name: str) -> str:
    return "projekt-" + "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")


def project_sections(district, year: int | None = None):
    """One section per project (:func:`project_section`), displayed one after the other."""
    from IPython.display import (  # IPython: present in a kernel, not needed to import the pages
        HTML,
        display,
    )

    year = report_year(district, year)
    r, _, _ = _data(district)
    for project in sorted(_upto(r.reports, year)["project"].unique()):
        head, tables = _project_parts(district, project, year)
        display(HTML(head))
        for t in tables:  # each table an output of its own: the build offers it as CSV and Excel
            display(t)


def project_section(district, project: str, year: int | None = None):
    """The section of one project: a heading, its standard part of the latest report up to
    ``year``, its participants by group over the years (protected) and, beside them, its free
    text (as one HTML block; the page shows the tables one by one, :func:`project_sections`)."""
    from IPython.display import HTML  # IPython: present in a kernel, not needed to import the pages

    head, (std, part, free) = _project_parts(district, project, year)
    return HTML(head + '<div class="sa-side" style="display:flex;flex-wrap:wrap;gap:1.5em;'
                'align-items:flex-start">'
                f'<div style="flex:1 1 22em">{std.data}{part.data}</div>'
                f'<div style="flex:1 1 18em">{free.data}</div></div>')


def _project_parts(district, project: str, year: int | None = None):
    """The heading of one project's section and its three tables (standard part, participants by
    group, free part; the last a note where the report has no free part)."""
    year = report_year(district, year)
    r, pub, _ = _data(district)
    rep = _upto(r.reports, year)
    runs = rep[rep["project"] == project].sort_values("year")
    if runs.empty:
        raise KeyError(f"no report of the project {project!r} up to {year}")
    last = runs.iloc[-1]
    years = runs["year"].astype(int).tolist()
    head = f'<h3 class="sa-project" id="{_anchor(project)}">{html.escape(project)}</h3>'
    known = set(district.areas["area_id"])
    std = pd.DataFrame({"Feld": ["Sozialraum", "Träger", "Zielgruppen", "Themen", "Angebote", "Stunden",
                                 "Personal (VZÄ)", "Kosten", "Wirkungsmessung"],
                        "Angabe": [district.name_of(last["area_id"]) if last["area_id"] in known else last["area_id"],
                                   last["carrier"], "; ".join(last["target_groups"]) or "–",
                                   "; ".join(last["topics"]) or "–", "; ".join(last["offers"]) or "–",
                                   fmt.num(last["hours"]), fmt.num(last["staff_fte"], 2),
                                   fmt.num(last["cost_eur"], 0, "€"), last["outcome"] or "–"]})
    # hours, staff and money are no counts of people ("index")
    std_table = table(std, caption=f"Standardteil des Berichts {int(last['year'])}", align_right=[],
                      kinds={"Feld": "text", "Angabe": ["text"] * 5 + ["index"] * 3 + ["text"]})
    p = pub[(pub["project"] == project) & pub["year"].isin(years)]
    groups = [g for g in dict.fromkeys(p["group"]) if g != protected_projects.TOTAL] + [protected_projects.TOTAL]
    cells = {(g, int(y)): (v, s) for g, y, v, s in zip(p["group"], p["year"], p["value"], p["status"])}
    part = pd.DataFrame({"Gruppe": ["Insgesamt" if g == protected_projects.TOTAL else g for g in groups],
                         **{str(y): [_shown(*cells[(g, y)]) if (g, y) in cells else fmt.MISSING for g in groups]
                            for y in years}})
    sup = any(SYMBOL in set(part[str(y)]) for y in years)
    part_table = table(part, caption="Teilnehmende nach Gruppe", kinds={"Gruppe": "text",
                       **{str(y): "count" for y in years}}, footnotes=_footnote(district, sup))
    ft = r.free_text[(r.free_text["project"] == project) & (r.free_text["year"] == int(last["year"]))]
    if ft.empty:
        from IPython.display import (
            HTML,  # IPython: present in a kernel, not needed to import the pages
        )

        free = HTML('<p class="sa-footnote">Der Bericht enthält keinen freien Teil.</p>')
    else:
        free = table(pd.DataFrame({"Thema": ft["topic"], "Text": ft["text"]}),
                     caption=f"Eigene Themen des Projekts (freier Teil {int(last['year'])})",
                     align_right=[], kinds={"Thema": "text", "Text": "text"})
    return head, (std_table, part_table, free)
