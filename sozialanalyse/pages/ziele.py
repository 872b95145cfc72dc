"""The page Ziele (``notebooks/ziele.ipynb``): the council's goals with their key figures, where
each stands (Ziel/Ist), and the goals of a municipality in its Gemeindeprofil.

Floor: pages. Arranges the results of :mod:`sozialanalyse.steering.goals` (published values of
the protected layer or the goal's own Kennzahl, the Eurostat progress assessment, the trend
forecast) into German text, one table with the status of every goal (a symbol and a word beside
the colour: never colour alone) and one chart per goal.

Disclosure: the values are the protected layer's published ones (a suppressed value is ``.`` in
the table and "gesperrt" in the text, not drawn, not used for the growth rate or the trend); a
custom Kennzahl declared a count has its small values suppressed (:mod:`.steering.goals`).
Targets and the trend are not data about people: the table declares them ``index``.
"""
from __future__ import annotations

import html

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from ..model import names as _names
from ..model.config import SYMBOL
from ..render import figures, fmt
from ..render.figures import finish, style, wrap
from ..render.tables import md_escape, note, table, text
from ..steering import goals as steering_goals

__all__ = ["goal_sections", "intro", "method", "overview", "profile_goals"]

_DIRECTION_WORDS = {"increase": "steigen", "decrease": "sinken"}


def _value(v, unit: str, decimals: int) -> str:
    """A goal's value in German format with its unit (``12,5 %``, ``2.249 Beratungen``)."""
    if v is None or pd.isna(v):
        return fmt.MISSING
    shown = fmt.pct(v, decimals) if unit == "%" else fmt.num(v, decimals, unit or None)
    return "\u2212" + shown[1:] if shown.startswith("-") else shown  # a true minus


def _status_cell(a: steering_goals.Assessment) -> str:
    return f"{a.symbol} {a.label}"


def _coloured(html_text: str) -> str:
    """The status cells of a table's HTML with a coloured bar beside the symbol and the word."""
    for key, (label, symbol, colour) in steering_goals.STATUS.items():
        cell = html.escape(f"{symbol} {label}")
        html_text = html_text.replace(
            f">{cell}</td>",
            f'><span class="sa-status sa-status-{key}" style="border-left: 0.7em solid {colour}; '
            f'padding-left: 0.35em">{cell}</span></td>')
    return html_text


def _goals(district, year):
    year = int(year or district.report_year)
    return year, steering_goals.of(district), steering_goals.progress(district, year)


def intro(district, year: int | None = None):
    """A German paragraph: how many goals, how many on course, where the goals come from (and
    the goals left out for problems of their input, ``validation: lenient``)."""
    year, gs, ps = _goals(district, year)
    if gs.file is None:
        return text(f"Für den {md_escape(district.name)} sind keine Ziele hinterlegt (Datei `goals.yml` "
                    "neben den Daten; Aufbau in `data/README.md`).")
    n = len(ps)
    counts = pd.Series([p.assessment.status for p in ps]).value_counts()
    parts = [f"Der {md_escape(district.name)} verfolgt **{fmt.num(n)}** {'Ziel' if n == 1 else 'Ziele'} mit "
             f"Kennzahlen. Stand {year}: "]
    words = [f"{fmt.num(counts[k])} × {steering_goals.STATUS[k][1]} {steering_goals.STATUS[k][0]}"
             for k in steering_goals.STATUS if k in counts.index]
    parts.append(", ".join(words) + ". ")
    parts.append("Jedes Ziel nennt seine Kennzahl, das Gebiet, den Ausgangswert, den Zielwert oder die gewünschte "
                 "Richtung, die Frist und die verantwortliche Stelle. Die Bewertung folgt dem Verfahren des "
                 "Statistischen Amts der Europäischen Union (Eurostat) für die Nachhaltigkeitsziele (siehe "
                 "*Methode* unten).")
    out = [text("".join(parts))]
    if gs.problems:
        out.append(note(f"Nicht ausgewertet ({len(gs.problems)} Problem(e) in {gs.file.name}): "
                        + "; ".join(gs.problems)))
    return out[0] if len(out) == 1 else _Many(out)


class _Many:
    """Several display objects from one call, shown in order."""

    def __init__(self, items):
        self.items = list(items)

    def _ipython_display_(self):
        from IPython.display import display  # IPython: only inside a notebook kernel

        for item in self.items:
            display(item)


def _rows(ps, year: int, with_area: bool = True):
    rows, kinds_base, kinds_now, ids = [], [], [], []
    for p in ps:
        g = p.goal
        held_base = g.baseline_value is None and p.baseline is None and bool(
            p.history.loc[p.history["year"] == g.baseline_year, "status"].astype(str).str.len().gt(0).any())
        row = {"Nr.": g.id, "Ziel": g.title}
        if with_area:
            row["Gebiet"] = p.name
        row.update({
            "Kennzahl": p.figure,
            "Basisjahr": str(g.baseline_year),
            "Ausgangswert": SYMBOL if held_base else _value(p.baseline, p.unit, p.decimals),
            "Ist-Jahr": str(p.year) if p.year is not None else fmt.MISSING,
            "Istwert": SYMBOL if p.status else _value(p.value, p.unit, p.decimals),
            "Ziel bis": str(g.deadline),
            "Zielwert": (_value(g.target, p.unit, p.decimals) if g.target is not None
                         else _DIRECTION_WORDS.get(p.target_direction, fmt.MISSING)),
            "Status": _status_cell(p.assessment),
        })
        rows.append(row)
        kinds_base.append(p.kind)
        kinds_now.append(p.kind)
        ids.append(f"ziel-{g.id}")
    return rows, kinds_base, kinds_now, ids


def overview(district, year: int | None = None):
    """Table: every goal with its area, key figure, baseline, latest value, target, deadline and
    status (symbol, word and a coloured bar)."""
    year, gs, ps = _goals(district, year)
    if not ps:
        return text("Es sind keine Ziele auszuwerten.")
    rows, kb, kn, ids = _rows(ps, year)
    df = pd.DataFrame(rows)
    kinds = {"Nr.": "text", "Ziel": "text", "Gebiet": "text", "Kennzahl": "text", "Basisjahr": "text",
             "Ausgangswert": kb, "Ist-Jahr": "text", "Istwert": kn, "Ziel bis": "text", "Zielwert": "index",
             "Status": "text"}
    foot = ["Status nach dem Verfahren von Eurostat (siehe Methode): ✓ Ziel erreicht, ↑ deutlicher Fortschritt, "
            "↗ mäßiger Fortschritt, → unzureichender Fortschritt, ↓ Entwicklung weg vom Ziel, ? zu wenige Werte, "
            "– nicht bewertbar. Die Pfeile zeigen zum Ziel hin oder von ihm weg, nicht die Richtung der Werte.",
            f"{SYMBOL} gesperrt (Geheimhaltung kleiner Fallzahlen). Istwert: letzter Wert bis {year}."]
    t = table(df, caption=f"Ziele und Kennzahlen, Stand {year}", footnotes=foot, kinds=kinds, row_ids=ids,
              align_right=["Ausgangswert", "Istwert", "Zielwert"])
    t.data = _coloured(t.data)
    return t


def method(district, year: int | None = None):
    """The method of the assessment and the forecast, in German."""
    return text(
        "**Bewertung.** Wie im Nachhaltigkeitsbericht von Eurostat (*Sustainable development in the European "
        "Union*, Ausgaben 2023 und 2024, methodischer Anhang) wird das Tempo einer Kennzahl als **durchschnittliche "
        "jährliche Veränderungsrate** vom Basisjahr bis zum letzten Jahr gemessen: "
        "(Istwert ÷ Ausgangswert)^(1 ÷ Jahre) − 1. Bei einem **Zielwert** wird sie mit der Rate verglichen, die "
        "nötig ist, um den Zielwert bis zur Frist zu erreichen: ab 95 % des nötigen Tempos *deutlicher "
        "Fortschritt*, von 60 % bis unter 95 % *mäßiger Fortschritt*, von 0 bis unter 60 % *unzureichender "
        "Fortschritt*, darunter (Bewegung in die falsche Richtung) *Entwicklung weg vom Ziel*. Bei einem Ziel "
        "**nur mit Richtung** (steigen oder sinken) zählt die Rate selbst: ab 1 % pro Jahr in der gewünschten "
        "Richtung *deutlicher Fortschritt*, von 0 bis unter 1 % *mäßiger Fortschritt*, darunter *Entwicklung weg "
        "vom Ziel*. Hat der letzte Wert den Zielwert erreicht, heißt der Status *Ziel erreicht*. Liegen seit dem "
        f"Basisjahr weniger als {steering_goals.MIN_VALUES} Werte vor, wird nicht bewertet (*zu wenige Werte*); "
        "ebenso nicht, wenn der Ausgangswert 0 ist oder ein Wert gesperrt ist (*nicht bewertbar*).\n\n"
        "**Trend.** Die gestrichelte Linie setzt den linearen Trend der Werte seit dem Basisjahr bis zur Frist "
        "fort (Regression der Werte auf das Jahr); das graue Band ist das 95-%-Prognoseintervall, in dem ein "
        "einzelner Jahreswert bei gleichbleibendem Trend liegen würde (bei Anzahlen, Anteilen und Raten bei 0, "
        "bei Anteilen in Prozent auch bei 100 % abgeschnitten). Der Trend ist keine Vorhersage der "
        "Wirkung von Maßnahmen und geht nicht in die Bewertung ein. Der Zielpfad zeigt den Verlauf mit der "
        "nötigen jährlichen Rate.")


def _chart(p: steering_goals.Progress):
    g = p.goal
    fig, ax = plt.subplots(figsize=(7.2, 3.4))
    h = p.history.dropna(subset=["value"])
    colour = "#1f3b73"
    if len(p.forecast):
        f = p.forecast
        ax.fill_between(f["year"], f["lower"], f["upper"], color="#bbbbbb", alpha=0.35, linewidth=0)
        ax.plot(f["year"], f["value"], color="#555555", linestyle="--", linewidth=1.2)
    has_ci = h["lower"].notna() & h["upper"].notna()
    if has_ci.any():
        hc = h[has_ci]
        ax.errorbar(hc["year"], hc["value"], yerr=[hc["value"] - hc["lower"], hc["upper"] - hc["value"]],
                    fmt="none", ecolor=colour, alpha=0.45, capsize=2, linewidth=1)
    ax.plot(h["year"], h["value"], color=colour, marker="o", markersize=3.5, linewidth=1.4)
    if g.baseline_value is not None:
        ax.plot([g.baseline_year], [g.baseline_value], marker="s", color="#8a8a8a", markersize=5, linestyle="none")
    if g.target is not None and p.baseline is not None and p.baseline > 0:
        yrs = np.arange(g.baseline_year, g.deadline + 1)
        rate = (g.target / p.baseline) ** (1.0 / (g.deadline - g.baseline_year))
        ax.plot(yrs, p.baseline * rate ** (yrs - g.baseline_year), color="#b2182b", linestyle=":", linewidth=1.3)
    if g.target is not None:
        ax.plot([g.deadline], [g.target], marker="*", color="#b2182b", markersize=12, linestyle="none")
    ax.axvline(g.baseline_year, color="#cccccc", linewidth=0.8, zorder=0)
    ax.set_xlabel("Jahr")
    shown_unit = p.unit and p.unit != "%" and p.unit.lower() not in p.figure.lower()
    ax.set_ylabel(wrap(f"{p.figure} ({p.unit})" if shown_unit else p.figure, 34))
    ax.yaxis.set_major_locator(plt.MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(fmt.axis_formatter(0, "%" if p.unit == "%" else None))
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _p: f"{int(round(v))}"))
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    handles = [Line2D([], [], color=colour, marker="o", markersize=3.5,
                      label="Werte" + (" mit 95-%-Intervall" if has_ci.any() else ""))]
    if len(p.forecast):
        handles.append(Line2D([], [], color="#555555", linestyle="--", label="Trend, 95-%-Prognoseintervall"))
    if g.target is not None:
        handles.append(Line2D([], [], color="#b2182b", linestyle=":", label="Zielpfad"))
        handles.append(Line2D([], [], color="#b2182b", marker="*", markersize=10, linestyle="none",
                              label=f"Zielwert {g.deadline}"))
    if g.baseline_value is not None:
        handles.append(Line2D([], [], color="#8a8a8a", marker="s", linestyle="none", label="Ausgangswert (Vorgabe)"))
    ax.legend(handles=handles, frameon=False, fontsize=7.5, loc="best")
    ax.set_title(wrap(f"{g.id}: {g.title}", 70), fontsize=10)
    style(ax, "y")
    figures.note(ax, _chart_finding(p))
    return finish(fig)


def _chart_finding(p: steering_goals.Progress) -> str:
    """The goal chart's finding for its alternative text: the key figure's first and last
    published value, the target and the assessment (a suppressed value is never stated)."""
    g = p.goal
    h = p.history.dropna(subset=["value"]).sort_values("year")
    h = h[h["status"].fillna("") == ""] if "status" in h else h
    text = f"{_names.strip(p.figure)}, {_names.strip(p.name)}: "
    if len(h) >= 2:
        a, b = h.iloc[0], h.iloc[-1]
        text += (f"von {_value(a['value'], p.unit, p.decimals)} ({int(a['year'])}) auf "
                 f"{_value(b['value'], p.unit, p.decimals)} ({int(b['year'])})")
    elif len(h) == 1:
        text += f"{_value(h.iloc[0]['value'], p.unit, p.decimals)} ({int(h.iloc[0]['year'])})"
    else:
        text += "kein veröffentlichter Wert"
    if g.target is not None:
        text += f"; Zielwert {_value(g.target, p.unit, p.decimals)} bis {g.deadline}"
    return text + f"; Bewertung: {p.assessment.label}"


def _rate(x: float) -> str:
    """A growth rate per year in German with its sign (``+0,6 % pro Jahr``)."""
    return f"{fmt.signed(100 * x, 1, '%')} pro Jahr"


def _rate_text(p: steering_goals.Progress) -> str:
    """The assessment in a sentence: actual and required growth rate and their ratio."""
    a, g = p.assessment, p.goal
    since = f"seit {g.baseline_year}"
    if a.status == "reached":
        return (f"Der letzte Wert hat den Zielwert erreicht (Veränderung {since}: {_rate(a.actual)})."
                if a.actual is not None else "Der letzte Wert hat den Zielwert erreicht.")
    if a.actual is None:
        return ""
    if a.required is None:
        way = {"increase": "steigt", "decrease": "sinkt"}.get(p.target_direction, "")
        return (f"Durchschnittliche Veränderung {since}: {_rate(a.actual)}; gewünscht ist, dass die Kennzahl "
                f"{way} (ab 1 % pro Jahr in dieser Richtung: deutlicher Fortschritt).")
    if a.ratio is not None and a.ratio < 0:
        return (f"Durchschnittliche Veränderung {since}: {_rate(a.actual)}; nötig wären {_rate(a.required)}: "
                "die Kennzahl entfernt sich vom Zielwert.")
    return (f"Durchschnittliche Veränderung {since}: {_rate(a.actual)}; nötig sind {_rate(a.required)}, das "
            f"Tempo erreicht {fmt.num(100 * a.ratio, 0)} % des nötigen.")


def _served_by(district) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Goal id -> the ids of the measures of the Teilkonzepte (``massnahmen.xlsx``) that name
    it, and measure id -> its Teilkonzept; both {} without a measures file. The page lists them
    with the measures ``goals.yml`` names, so that it does not contradict the pages
    *Umsetzungsstand*."""
    from ..steering import teilkonzepte as _tk

    out: dict[str, list[str]] = {}
    m = _tk.read(district).table
    for mid, gs in zip(m["id"], m["goals"]):
        for g in gs:
            out.setdefault(str(g), []).append(str(mid))
    return out, {str(k): str(v) for k, v in zip(m["id"], m["teilkonzept"])}


def _measure_list(listed, served: dict[str, list[str]], teilkonzept: dict[str, str], goal_id: str) -> str:
    """The measures of a goal: those ``goals.yml`` names, then those of the Teilkonzepte naming
    the goal, each once, a measure of a Teilkonzept with its name.

    >>> _measure_list(["PF-05", "M-JU-01"], {"Z3": ["PF-03", "PF-05"]}, {"PF-03": "Pflege", "PF-05": "Pflege"}, "Z3")
    'PF-05 (Pflege), M-JU-01, PF-03 (Pflege)'
    """
    ids = list(dict.fromkeys([str(m) for m in listed] + served.get(goal_id, [])))
    return ", ".join(f"{m} ({teilkonzept[m]})" if m in teilkonzept else m for m in ids)


def _facts(p: steering_goals.Progress, year: int, served=None) -> str:
    g, a = p.goal, p.assessment
    area = md_escape(p.name)
    lines = [f"**{md_escape(g.id)} · {md_escape(g.title)}** — {a.symbol} *{a.label}*"]
    if g.description:
        lines.append(md_escape(g.description))
    base = (f"{_value(p.baseline, p.unit, p.decimals)} ({'Vorgabe' if p.baseline_source == 'goals.yml' else 'aus den Daten'})"
            if p.baseline is not None else "gesperrt" if a.status == "not_assessable" and "Ausgangswert" in p.note
            else fmt.MISSING)
    goal_text = (f"Zielwert {_value(g.target, p.unit, p.decimals)} bis {g.deadline}" if g.target is not None else
                 f"die Kennzahl soll bis {g.deadline} {_DIRECTION_WORDS.get(p.target_direction, '')}")
    if p.status:
        now = f"Wert {p.year}: gesperrt (Geheimhaltung kleiner Fallzahlen)"
    elif p.value is None:
        now = "kein aktueller Wert"
    else:
        now = f"Wert {p.year}: {_value(p.value, p.unit, p.decimals)}"
        if p.lower is not None and p.upper is not None:
            now += (f", 95-%-Intervall {_value(p.lower, p.unit, p.decimals)} bis "
                    f"{_value(p.upper, p.unit, p.decimals)}")
    lines.append(f"Kennzahl: {md_escape(p.figure)}, {area}. Ausgangswert {g.baseline_year}: {base}; {goal_text}; "
                 f"{now}.")
    lines.append(_rate_text(p))
    if p.note:
        lines.append(md_escape(p.note))
    if len(p.forecast):
        last = p.forecast.iloc[-1]
        lines.append(f"Setzt sich der lineare Trend fort, läge die Kennzahl {int(last['year'])} bei etwa "
                     f"{_value(last['value'], p.unit, p.decimals)} (Prognoseintervall "
                     f"{_value(last['lower'], p.unit, p.decimals)} bis {_value(last['upper'], p.unit, p.decimals)}).")
    resp = f"Verantwortlich: {md_escape(g.responsible)}."
    measures = _measure_list(g.measures or [], *(served or ({}, {})), g.id)
    if measures:
        resp += f" Maßnahmen: {md_escape(measures)}."
    lines.append(resp)
    return "\n\n".join(lines)


def goal_sections(district, year: int | None = None):
    """One section per goal: the facts in German and a chart of the values, the trend with its
    prediction interval to the deadline and the target (path and value)."""
    year, gs, ps = _goals(district, year)
    if not ps:
        return text("Es sind keine Ziele auszuwerten.")
    items = []
    served = _served_by(district)
    for p in ps:
        items.append(text(_facts(p, year, served)))
        if p.history["value"].notna().any():
            items.append(_chart(p))
    return _Many(items)


def _descendants(district, area_id: str) -> set[str]:
    areas = district.areas
    out, frontier = {area_id}, {area_id}
    while frontier:
        kids = set(areas.loc[areas["parent_id"].astype(str).isin(frontier), "area_id"].astype(str))
        frontier = kids - out
        out |= kids
    return out


def profile_goals(district, area_id: str, year: int | None = None):
    """The goals of a municipality and of its Sozialräume (or Mitgliedsgemeinden) for its
    Gemeindeprofil: a short table with the status, or one sentence when it has none."""
    year, gs, ps = _goals(district, year)
    own = _descendants(district, str(area_id))
    mine = [p for p in ps if p.goal.area_id in own]
    name = md_escape(district.name_of(area_id))
    if not mine:
        kids = set(district.children(area_id)["kind"].astype(str)) if len(district.children(area_id)) else set()
        with_kids = (" und die Sozialräume dort" if "Sozialraum" in kids else
                     " und ihre Mitgliedsgemeinden" if "Mitgliedsgemeinde" in kids else "")
        return text(f"Für {name}{with_kids} sind keine Ziele mit Kennzahlen hinterlegt.")
    rows = []
    for p in mine:
        g = p.goal
        rows.append({"Nr.": g.id, "Ziel": g.title, "Gebiet": p.name, "Kennzahl": p.figure,
                     "Istwert": SYMBOL if p.status else _value(p.value, p.unit, p.decimals),
                     "Ist-Jahr": str(p.year) if p.year is not None else fmt.MISSING,
                     "Zielwert": (_value(g.target, p.unit, p.decimals) if g.target is not None
                                  else _DIRECTION_WORDS.get(p.target_direction, fmt.MISSING)),
                     "Ziel bis": str(g.deadline), "Status": _status_cell(p.assessment)})
    kinds = {"Nr.": "text", "Ziel": "text", "Gebiet": "text", "Kennzahl": "text", "Istwert": [p.kind for p in mine],
             "Ist-Jahr": "text", "Zielwert": "index", "Ziel bis": "text", "Status": "text"}
    links = {"Nr.": [f"../ziele.html#ziel-{p.goal.id}" for p in mine]}
    t = table(pd.DataFrame(rows), caption=f"Ziele für {district.name_of(area_id)}, Stand {year}", kinds=kinds,
              links=links, align_right=["Istwert", "Zielwert"],
              footnotes=["Bewertung nach dem Verfahren von Eurostat; Einzelheiten, Verlauf und Trend auf der Seite "
                         "„Ziele und Kennzahlen“.", f"{SYMBOL} gesperrt (Geheimhaltung kleiner Fallzahlen)."])
    t.data = _coloured(t.data)
    return t
