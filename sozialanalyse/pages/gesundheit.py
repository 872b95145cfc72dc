"""The page Gesundheit (``notebooks/gesundheit.ipynb``): mortality, life expectancy, school entry
and the social gradient of a school-entry finding.

Floor: pages. Arranges the published mortality and school-entry results of
:mod:`sozialanalyse.protected.health` into German text, tables (escaped HTML,
:func:`sozialanalyse.render.tables.table`) and matplotlib figures (closed before they are
returned, so a notebook shows each exactly once).

Methods (stated on the page as well):

* **Mortality** is pooled over the last ``pool`` years (default 5); directly age-standardised
  rates (DSR, European Standard Population 2013, Dobson limits), the standardised mortality
  ratio (SMR) against the Kreis rates by age band and sex, and the funnel plot with the 95 % and
  99,8 % limits of the exact Poisson test (:func:`sozialanalyse.protected.health.published_mortality`).
* **Life expectancy** at birth and at 65 by sex per Gemeindeverband and the Kreis, five pooled
  years, abridged life table (Chiang II, Silcocks' variance; the 0-4 band with a = 0,1), not
  published by PHE's rules or where the deaths are suppressed
  (:func:`sozialanalyse.protected.health.published_life_expectancy`).
* **Social gradient**: SII and RII of overweight at school entry across the Sozialraum
  deprivation quintiles (:func:`sozialanalyse.protected.health.published_gradient`).
* **School entry** proportions are pooled over the last three examination years, with Wilson
  intervals (:func:`sozialanalyse.protected.health.published_school_entry`).

Disclosure control comes from the protected layer (:mod:`sozialanalyse.protected`), never from
the page itself: :mod:`sozialanalyse.protected.health` computes the statistics from the counts and
masks them by the status of the count cells they rest on; the page only formats and draws them. Where an area's observed deaths (``sterbefaelle`` pooled over the
years, registered in :mod:`sozialanalyse.protected.measures`) are suppressed, its deaths, expected
deaths, SMR, DSR, their intervals and its funnel classification are not published (``.`` in tables,
not drawn in charts and maps, "gesperrt" in text); the same for a Kreis year of the DSR trend. A
school-entry share is published only where its numerator, the number of children examined and
their difference (the children without the finding) are all published.
"""
from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from ..model.areas import area_names, level_ids, pool_years, report_year
from ..model.config import SYMBOL
from ..protected import layer as protected_layer
from ..protected.health import (
    EXAMINED,
    FROM_DEATHS,  # noqa: F401  (re-exported: the columns hidden with suppressed deaths)
    SCHOOL_VARS,
    published_gradient,
    published_kreis_dsr,
    published_life_expectancy,
    published_mortality,
    published_school_entry,
)
from ..render import figstyle, figures, fmt, maps
from ..render.figures import finish, style
from ..render.tables import md_escape, table, text
from ..stats.benchmark import compare
from ..stats.health import funnel_plot_data
from .common import (
    absent_footnote,
    compare_marker,
    fmt_ci,
    left_out_note,
    mark_absent,
    mask,
    muni_shapes,
    span,
)

__all__ = [
    "gradient_chart",
    "gradient_text",
    "le_reason",
    "life_expectancy_chart",
    "life_expectancy_intro",
    "life_expectancy_table",
    "mortality_funnel",
    "mortality_intro",
    "mortality_overview",
    "mortality_table",
    "mortality_trend",
    "school_entry_figure",
    "school_entry_table",
    "school_entry_trend",
    "smr_map",
    "smr_map_interactive",
]

CLASS_COLORS = {"höher": "#c8553d", "niedriger": "#3b6ea8", "im Rahmen": "#9a9a9a"}
LOCKED = "gesperrt"


def _locked_names(rows: pd.DataFrame) -> list[str]:
    return rows.loc[rows["status"] != "", "name"].astype(str).tolist()


#: The published mortality the page draws (:func:`sozialanalyse.protected.health.published_mortality`).
_mortality = published_mortality


# ---------------------------------------------------------------------------------------------
# mortality
# ---------------------------------------------------------------------------------------------


def _without(district, m: pd.DataFrame) -> str:
    """" (ohne Bahnhofsviertel, Eingangsdaten unvollständig)" behind the Kreis name when its
    reference leaves base areas out (Markdown-escaped); "" otherwise."""
    left_out = m.attrs.get("left_out", [])
    if not left_out:
        return ""
    return f" (ohne {md_escape(', '.join(area_names(district)[a] for a in left_out))}, Eingangsdaten unvollständig)"


def _mortality_notes(district, m: pd.DataFrame, mark: str = "") -> list[str]:
    """German footnotes (plain text) of a mortality page: which municipality is "fehlt" and what
    the Kreis reference leaves out."""
    notes = []
    if m.attrs.get("absent"):
        names = ", ".join(area_names(district)[a] for a in m.attrs["absent"])
        notes.append(f"² fehlt: {names}; Einwohnerzahlen der Jahre {span(m.attrs['years'])} unvollständig, "
                     "daher keine Sterberate und kein SMR (nicht aus unvollständigen Daten berechnet).")
    note = left_out_note(district, m.attrs.get("left_out", []), f"{mark}Landkreis (Referenz für SMR und DSR):",
                         variables=("einwohner", "sterbefaelle"))
    if note:
        notes.append(note)
    return notes


def mortality_intro(district, year: int | None = None, pool: int = 5):
    """A German paragraph: the Kreis mortality, the pooling, and which municipalities stand out."""
    m = _mortality(district, year, pool)
    years = m.attrs["years"]
    k = m.iloc[-1]
    hi = m[m["einstufung_95"] == "höher"]["name"].tolist()
    lo = m[m["einstufung_95"] == "niedriger"]["name"].tolist()
    if k["status"]:
        kreis = (f"Im {md_escape(district.name)}{_without(district, m)} ist die Zahl der Sterbefälle der Jahre "
                 f"{span(years)} gesperrt (Geheimhaltung), ebenso die altersstandardisierte Sterberate.")
    else:
        kreis = (f"Im {md_escape(district.name)}{_without(district, m)} starben in den Jahren {span(years)} "
                 f"zusammen **{fmt.num(k['observed'])}** Menschen. Altersstandardisiert (Europäische "
                 f"Standardbevölkerung 2013) entspricht das **{fmt.num(k['dsr'], 0)} Sterbefällen je 100.000 "
                 f"Einwohner und Jahr** (95-%-Intervall {fmt_ci(k['dsr_lower'], k['dsr_upper'], decimals=0)}).")
    parts = [
        kreis,
        (f"Weil in kleinen Gemeinden in einem Jahr nur wenige Menschen sterben, sind die "
        f"{len(years)} Jahre {span(years)} zusammengefasst."),
    ]
    if hi or lo:
        if hi:
            parts.append("Signifikant **höher** als im Landkreis (nach Alter und Geschlecht standardisiert, "
                         "95-%-Grenze) ist die Sterblichkeit in: " + ", ".join(md_escape(n) for n in hi) + ".")
        if lo:
            parts.append("Signifikant **niedriger** ist sie in: " + ", ".join(md_escape(n) for n in lo) + ".")
    else:
        parts.append("Keine Stadt, Gemeinde oder Samtgemeinde weicht statistisch gesichert (95-%-Grenze) "
                     "vom Landkreis ab.")
    locked = _locked_names(m.iloc[:-1])
    if locked:
        parts.append("Gesperrt (Geheimhaltung, zu wenige Sterbefälle oder zum Schutz einer anderen Zahl) sind "
                     "Sterbefälle, SMR und Sterberate für: " + ", ".join(md_escape(n) for n in locked) + ".")
    parts += [md_escape(n.removeprefix("² ")) for n in _mortality_notes(district, m)]
    return text(" ".join(parts))


def mortality_overview(district, year: int | None = None, pool: int = 5):
    """Figure: DSR per 100.000 (ESP 2013) by municipality with 95 % intervals and the Kreis."""
    m = _mortality(district, year, pool)
    years = m.attrs["years"]
    munis = m.iloc[:-1].dropna(subset=["dsr"]).sort_values("dsr")  # "fehlt", "gesperrt": left out
    k = m.iloc[-1]
    fig, ax = plt.subplots(figsize=(6.5, 0.38 * len(munis) + 2.6))
    y = np.arange(len(munis))
    if not k["status"]:
        ax.axvspan(k["dsr_lower"], k["dsr_upper"], color=figures.PALETTE["kreis"], alpha=0.15, linewidth=0)
        ax.axvline(k["dsr"], color=figures.PALETTE["kreis"], linewidth=1.2)
    colors = [CLASS_COLORS.get(c, CLASS_COLORS["im Rahmen"]) for c in munis["einstufung_95"]]
    ax.errorbar(munis["dsr"], y, xerr=[munis["dsr"] - munis["dsr_lower"], munis["dsr_upper"] - munis["dsr"]],
                fmt="none", ecolor="#555555", elinewidth=1, capsize=2)
    ax.scatter(munis["dsr"], y, color=colors, zorder=3, s=30)
    ax.set_yticks(y, munis["name"])
    ax.xaxis.set_major_formatter(fmt.axis_formatter())
    ax.set_xlabel("Sterbefälle je 100.000 Einwohner und Jahr (altersstandardisiert, ESP 2013)")
    ax.set_title(f"Altersstandardisierte Sterberate, {span(years)}" + _absent_title(district, m)
                 + _locked_title(m), fontsize=10)
    handles = [Line2D([], [], color=figures.PALETTE["kreis"], label=f"{district.name} (mit 95-%-Intervall)"),
               Line2D([], [], color="#555555", marker="|", linestyle="-", label="95-%-Intervall"),
               *[Line2D([], [], color=c, marker="o", linestyle="", label=f"SMR {lab} als im Landkreis")
                 for lab, c in CLASS_COLORS.items() if lab != "im Rahmen"]]
    ax.legend(handles=handles, frameon=False, fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1)
    style(ax, "x")
    if len(munis):
        lo, hi = munis.iloc[0], munis.iloc[-1]
        figures.note(ax, f"niedrigste Rate {lo['name']} ({fmt.num(lo['dsr'], 1)}), höchste {hi['name']} "
                         f"({fmt.num(hi['dsr'], 1)} je 100.000)"
                         + ("" if k["status"] else f"; {district.name}: {fmt.num(k['dsr'], 1)}"))
    return finish(fig)


def mortality_table(district, year: int | None = None, pool: int = 5):
    """Table: deaths, DSR and SMR with intervals and the funnel classification per municipality."""
    m = _mortality(district, year, pool)
    years = m.attrs["years"]
    rows = []
    for _, r in m.iterrows():
        is_kreis = r["area_id"] == district.kreis["area_id"]
        if r["area_id"] in m.attrs.get("absent", []):
            gone = f"{fmt.ABSENT} ²"
            rows.append({"Gebiet": r["name"], "Sterbefälle": gone, "erwartet": gone,
                         "DSR je 100.000 (95-%-Intervall)": gone, "SMR (95-%-Intervall)": gone,
                         "Einstufung (95 %)": gone, "Einstufung (99,8 %)": gone})
            continue
        name = r["name"] + (" ³" if is_kreis and m.attrs.get("left_out") else "")
        if r["status"]:  # the deaths are suppressed: nothing that follows from them
            rows.append({"Gebiet": name, **{c: SYMBOL for c in MORTALITY_COLUMNS}})
            continue
        rows.append({
            "Gebiet": name,
            "Sterbefälle": fmt.num(r["observed"]),
            "erwartet": fmt.num(r["expected"]),
            "DSR je 100.000 (95-%-Intervall)": f"{fmt.num(r['dsr'], 0)} "
                                               f"({fmt_ci(r['dsr_lower'], r['dsr_upper'], decimals=0)})",
            "SMR (95-%-Intervall)": f"{fmt.num(r['smr'], 0)} "
                                    f"({fmt_ci(r['smr_lower'], r['smr_upper'], decimals=0)})",
            "Einstufung (95 %)": fmt.MISSING if is_kreis else r["einstufung_95"],
            "Einstufung (99,8 %)": fmt.MISSING if is_kreis else r["einstufung_998"],
        })
    df = pd.DataFrame(rows)
    locked = [protected_layer.of(district).settings.footnote_line] if (m["status"] != "").any() else []
    return table(df, caption=f"Sterblichkeit nach Städten, Gemeinden und Samtgemeinden, {span(years)} zusammengefasst",
                 footnotes=[
                     ("DSR: direkt altersstandardisierte Sterberate je 100.000 Einwohner und Jahr "
                     "(Europäische Standardbevölkerung 2013, Intervall nach Dobson). Als Personenjahre "
                     "dienen die Einwohner am 31.12. der zusammengefassten Jahre."),
                     ("SMR: standardisiertes Mortalitätsverhältnis, beobachtete je 100 erwartete Sterbefälle; "
                     "erwartet = Sterberaten des Landkreises nach Altersgruppe und Geschlecht (indirekte "
                     "Standardisierung, Landkreis = 100). Einstufung: außerhalb der 95-%- bzw. 99,8-%-Grenze "
                     "des Trichterdiagramms (exakter Poisson-Test)."), *locked, *_mortality_notes(district, m, "³ ")],
                 align_right=[c for c in df.columns if c not in ("Gebiet", "Einstufung (95 %)", "Einstufung (99,8 %)")],
                 kinds=MORTALITY_KINDS)


#: The columns of the mortality table after "Gebiet" and their kinds for the audit (the expected
#: deaths are a model figure, Kreis rates times population: not a count of persons).
MORTALITY_KINDS = {"Gebiet": "text", "Sterbefälle": "count", "erwartet": "rate",
                   "DSR je 100.000 (95-%-Intervall)": "rate", "SMR (95-%-Intervall)": "index",
                   "Einstufung (95 %)": "text", "Einstufung (99,8 %)": "text"}
MORTALITY_COLUMNS = [c for c in MORTALITY_KINDS if c != "Gebiet"]


def _locked_title(m: pd.DataFrame) -> str:
    """Line of a mortality chart's title naming the municipalities whose deaths are suppressed."""
    locked = _locked_names(m.iloc[:-1])
    return ("\ngesperrt (Geheimhaltung): " + ", ".join(locked)) if locked else ""


def _absent_title(district, m: pd.DataFrame) -> str:
    """Second title line of a mortality chart: what is left out and why; "" when nothing is."""
    bits = []
    if m.attrs.get("absent"):
        bits.append("fehlt: " + ", ".join(area_names(district)[a] for a in m.attrs["absent"]))
    if m.attrs.get("left_out"):
        bits.append(f"Landkreis ohne {len(m.attrs['left_out'])} Teilgebiet(e)")
    return ("\n" + "; ".join(bits) + " (Einwohnerzahlen unvollständig)") if bits else ""


def _place_labels(ax, xs, ys, labels, fontsize=figstyle.MIN_PT, avoid=()):
    """Label points without overlaps (greedy: the first candidate position whose box stays inside
    the axes and does not touch an earlier label, a point or a box of ``avoid``, e.g. the
    legend's); deterministic. Call it at the figure's final size and text size: the boxes are
    measured in pixels."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    candidates = [(10, 6, "left", "bottom"), (10, -6, "left", "top"), (-10, 6, "right", "bottom"),
                  (-10, -6, "right", "top"), (0, 10, "center", "bottom"), (0, -10, "center", "top"),
                  (18, 16, "left", "bottom"), (-18, -16, "right", "top"), (18, -18, "left", "top"),
                  (-18, 18, "right", "bottom"), (0, 22, "center", "bottom"), (0, -22, "center", "top"),
                  (30, 24, "left", "bottom"), (-30, -24, "right", "top"), (30, -24, "left", "top"),
                  (-30, 24, "right", "bottom")]
    for r in (40, 56, 72):  # farther out, with a leader, before a label may touch another
        candidates += [(r, r // 2, "left", "bottom"), (-r, -r // 2, "right", "top"), (r, -r // 2, "left", "top"),
                       (-r, r // 2, "right", "bottom"), (0, r, "center", "bottom"), (0, -r, "center", "top")]
    leader = {"arrowstyle": "-", "color": "#999999", "linewidth": 0.5, "shrinkA": 0, "shrinkB": 3}
    pts = ax.transData.transform(np.column_stack([xs, ys]))
    placed = list(avoid)
    for (x, y), label, (px, py) in zip(zip(xs, ys), labels, pts):
        chosen = None
        for dx, dy, ha, va in candidates:
            t = ax.annotate(label, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                            fontsize=fontsize, color="#222222", arrowprops=leader)
            # the text's own box: an Annotation's box would include its leader, which ends at the point
            t.update_positions(renderer)  # the text's place from its offset (done at draw otherwise)
            bb = Text.get_window_extent(t, renderer).expanded(1.05, 1.1)
            near = bb.padded(14)  # a label beside a point that is not its own would be read as that point's
            hits_point = any(near.contains(qx, qy) for qx, qy in pts)
            inside = frame.x0 <= bb.x0 and bb.x1 <= frame.x1 and frame.y0 <= bb.y0 and bb.y1 <= frame.y1
            if inside and not hits_point and not any(bb.overlaps(o) for o in placed):
                chosen = bb
                break
            t.remove()
        if chosen is None:
            t = ax.annotate(label, (x, y), xytext=(6, 3), textcoords="offset points", fontsize=fontsize,
                            color="#222222")
            chosen = t.get_window_extent(renderer)
        placed.append(chosen)


def mortality_funnel(district, year: int | None = None, pool: int = 5):
    """Figure: funnel plot of the SMR against the expected deaths with 95 % and 99,8 % limits."""
    m = _mortality(district, year, pool)
    years = m.attrs["years"]
    munis = m.iloc[:-1].dropna(subset=["smr"]).sort_values("expected").reset_index(drop=True)
    lim = funnel_plot_data(munis, "observed", "expected", "ratio", multiplier=100, n_points=200)
    fig, ax = plt.subplots(figsize=(figstyle.MAX_WIDTH_IN, 5.6))  # the final width: labels are placed in it
    ax.axhline(100, color="#333333", linewidth=1)
    ax.plot(lim["denominator"], lim["upper_95"], color="#777777", linestyle="--", linewidth=1, label="95-%-Grenze")
    ax.plot(lim["denominator"], lim["lower_95"], color="#777777", linestyle="--", linewidth=1)
    ax.plot(lim["denominator"], lim["upper_998"], color="#333333", linestyle=":", linewidth=1.2,
            label="99,8-%-Grenze")
    ax.plot(lim["denominator"], lim["lower_998"], color="#333333", linestyle=":", linewidth=1.2)
    colors = [CLASS_COLORS.get(c, CLASS_COLORS["im Rahmen"]) for c in munis["einstufung_95"]]
    ax.scatter(munis["expected"], munis["smr"], color=colors, s=36, zorder=3, edgecolor="white", linewidth=0.5)
    ax.xaxis.set_major_formatter(fmt.axis_formatter())
    ax.yaxis.set_major_formatter(fmt.axis_formatter())
    lo = min(float(munis["smr"].min()), float(lim["lower_998"].min()))
    hi = max(float(munis["smr"].max()), float(lim["upper_998"].max()))
    ax.set_ylim(max(0, lo - 5), hi + 5)
    ax.set_xlim(0, float(lim["denominator"].max()))
    ax.set_xlabel(f"Erwartete Sterbefälle {span(years)} (bei den Sterberaten des Landkreises)")
    ax.set_ylabel("SMR (Landkreis = 100)")
    ax.set_title(f"Trichterdiagramm: standardisiertes Mortalitätsverhältnis, {span(years)}"
                 + _absent_title(district, m) + _locked_title(m), fontsize=10)
    handles = ax.get_legend_handles_labels()[0] + [
        Line2D([], [], color=c, marker="o", linestyle="", label=lab) for lab, c in CLASS_COLORS.items()]
    leg = ax.legend(handles=handles, frameon=False, fontsize=figstyle.MIN_PT, loc="upper right", ncol=2)
    style(ax, "y")
    figstyle.enforce(fig)  # final size, text size and layout before the labels are measured
    _place_labels(ax, munis["expected"].to_numpy(), munis["smr"].to_numpy(), munis["name"].tolist(),
                  avoid=[leg.get_window_extent(fig.canvas.get_renderer())])
    figures.note(ax, funnel_finding(munis))
    return finish(fig)


def funnel_finding(munis: pd.DataFrame) -> str:
    """The funnel plot's finding for its alternative text: how many municipalities lie above or
    below the 95 % limit (named) and the highest and lowest SMR (Landkreis = 100)."""
    hi_ = munis[munis["einstufung_95"] == "höher"]["name"].astype(str).tolist()
    lo_ = munis[munis["einstufung_95"] == "niedriger"]["name"].astype(str).tolist()
    top, bottom = munis.loc[munis["smr"].idxmax()], munis.loc[munis["smr"].idxmin()]
    text = (f"SMR von {len(munis)} Städten und Gemeinden gegen die erwarteten Sterbefälle (Landkreis = 100); "
            f"höchstes SMR {md_plain(top['name'])} ({fmt.num(float(top['smr']), 0)}), niedrigstes "
            f"{md_plain(bottom['name'])} ({fmt.num(float(bottom['smr']), 0)}); ")
    if not hi_ and not lo_:
        return text + "keine Gemeinde liegt außerhalb der 95-%-Grenzen"
    parts = []
    if hi_:
        parts.append(f"über der oberen 95-%-Grenze: {', '.join(md_plain(n) for n in hi_)}")
    if lo_:
        parts.append(f"unter der unteren 95-%-Grenze: {', '.join(md_plain(n) for n in lo_)}")
    return text + "; ".join(parts)


def smr_map(district, year: int | None = None, pool: int = 5):
    """Figure: map of the SMR by municipality (Landkreis = 100); * marks a significant deviation."""
    m = _mortality(district, year, pool)
    years = m.attrs["years"]
    shapes = muni_shapes(district).merge(m[["area_id", "smr", "einstufung_95", "status"]], on="area_id",
                                         how="left")
    locked = shapes["status"].fillna("").astype(str).to_numpy() != ""
    bins = [-np.inf, 90, 95, 105, 110, np.inf]
    labels = ["unter 90", "90 bis unter 95", "95 bis unter 105", "105 bis unter 110", "110 und mehr"]
    colors = ["#3b6ea8", "#9bbbd9", "#eeeeee", "#f0a58f", "#c8553d"]
    cls = pd.cut(shapes["smr"], bins=bins, labels=False, right=False)
    fig, ax = plt.subplots(figsize=(6.5, 7.0))
    for i, color in enumerate(colors):
        part = shapes[cls == i]
        if len(part):
            part.plot(ax=ax, color=color, edgecolor="#888888", linewidth=0.6)
    gone = shapes[shapes["smr"].isna() & ~locked]
    if len(gone):  # absent population rows: hatched, "fehlt"
        gone.plot(ax=ax, facecolor="white", edgecolor="#888888", hatch="///", linewidth=0.6)
    if locked.any():  # suppressed deaths: hatched like a missing value, "gesperrt"
        shapes[locked].plot(ax=ax, facecolor="white", edgecolor="#888888", hatch="///", linewidth=0.6)
    for (_, r), lock in zip(shapes.iterrows(), locked):
        p = r.geometry.representative_point()
        star = "*" if r["einstufung_95"] in ("höher", "niedriger") else ""
        val = LOCKED if lock else fmt.ABSENT if pd.isna(r["smr"]) else f"{fmt.num(r['smr'], 0)}{star}"
        # a long name on two lines: "Samtgemeinde Geestrand" ran into its neighbour's label
        ax.annotate(f"{figures.wrap(r['name'], 14)}\n{val}", (p.x, p.y), ha="center", va="center",
                    fontsize=figstyle.MIN_PT, color="#1a1a1a",
                    path_effects=[patheffects.withStroke(linewidth=2, foreground="white")])  # halo on every fill
    handles = [Patch(facecolor=c, edgecolor="#888888", label=lab) for c, lab in zip(colors, labels)]
    if len(gone):
        handles.append(Patch(facecolor="white", edgecolor="#888888", hatch="///",
                             label="fehlt (Einwohnerzahlen unvollständig)"))
    if locked.any():
        handles.append(Patch(facecolor="white", edgecolor="#888888", hatch="///", label="keine Angabe / gesperrt"))
    ax.legend(handles=handles, title="SMR (Landkreis = 100)", loc="upper center", bbox_to_anchor=(0.5, 0.0),
              ncol=2, frameon=False)
    shown = shapes[~locked & shapes["smr"].notna()]
    words = [f"signifikant {w} als im Landkreis: " + ", ".join(f"{n} ({fmt.num(v, 0)})" for n, v in
                                                             zip(g["name"], g["smr"]))
             for w in ("höher", "niedriger") if len(g := shown[shown["einstufung_95"] == w])]
    figures.note(ax, f"SMR von {len(shown)} Städten und Gemeinden (Landkreis = 100); "
                     + ("; ".join(words) if words else "keine signifikant verschieden vom Landkreis"))
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_title(f"Standardisiertes Mortalitätsverhältnis, {span(years)}\n"
                 "* signifikant verschieden vom Landkreis (95 %)" + _absent_title(district, m), fontsize=10)
    return finish(fig)


def smr_map_interactive(district, year: int | None = None, pool: int = 5):
    """The map of :func:`smr_map` as an interactive map: tooltip with the SMR, its 95 % interval,
    its class and whether it differs significantly from the Landkreis; suppressed areas carry
    no value."""
    m = _mortality(district, year, pool)
    years = m.attrs["years"]
    shapes = muni_shapes(district).merge(
        m[["area_id", "smr", "smr_lower", "smr_upper", "einstufung_95", "status"]], on="area_id", how="left")
    absent = set(m.attrs.get("absent") or [])
    reason = ["fehlt" if a in absent else "" for a in shapes["area_id"]]
    sig = {"höher": "signifikant höher als im Landkreis", "niedriger": "signifikant niedriger als im Landkreis"}
    return maps.choropleth(
        shapes, shapes["smr"], shapes["smr_lower"], shapes["smr_upper"], shapes["status"], reason,
        title=f"Standardisiertes Mortalitätsverhältnis (SMR, Landkreis = 100), {span(years)}", kind="index",
        decimals=0, label_names=True, value_label="SMR",
        bins=[-np.inf, 90, 95, 105, 110, np.inf],
        colors=["#3b6ea8", "#9bbbd9", "#eeeeee", "#f0a58f", "#c8553d"],
        class_labels=["unter 90", "90 bis unter 95", "95 bis unter 105", "105 bis unter 110", "110 und mehr"],
        extra={"einstufung": ("text", [sig.get(e, "nicht signifikant verschieden") if isinstance(e, str) else None
                                       for e in shapes["einstufung_95"]], "Einstufung (95 %)")})


def mortality_trend(district):
    """Figure: the Kreis DSR per year for women, men and all, with 95 % intervals."""
    # a year whose population rows are incomplete is left out (a point computed from part of the
    # Kreis would not be comparable with the other years); the title says so
    res = published_kreis_dsr(district)
    absent = res.attrs["absent"]
    # a point whose Kreis deaths of the year (and sex) are suppressed is left out; the title says so
    hide = (res["status"] != "").to_numpy()
    locked = sorted({int(y) for y in res.loc[hide, "year"]})
    res = res[~hide].reset_index(drop=True)
    res["Gruppe"] = res["sex"].map({"insgesamt": "Insgesamt", **figures.SEX_LABELS})
    fig, ax = plt.subplots(figsize=(8, 3.6))
    figures.trend(res, "year", "value", hue="Gruppe", ax=ax, low="lower", high="upper",
                ylabel="je 100.000 Einwohner",
                title=f"Altersstandardisierte Sterberate im {district.name} (ESP 2013, mit 95-%-Intervall)"
                + (f"\n{', '.join(map(str, absent))}: fehlt (Einwohnerzahlen unvollständig)" if absent else "")
                + (f"\n{', '.join(map(str, locked))}: gesperrt (Geheimhaltung)" if locked else ""))
    return finish(fig)


# ---------------------------------------------------------------------------------------------
# school entry
# ---------------------------------------------------------------------------------------------


def _absent_cell(parts, absent: dict) -> str:
    """``"fehlt ²"`` for a school-entry cell whose inputs are incomplete, collecting each part of
    its reason (``"incomplete: <variable> <year> in <k> of <n> base areas"``) in ``absent`` for
    :func:`sozialanalyse.pages.common.absent_footnote`."""
    for part in parts:
        mark_absent({"reason": part}, absent)
    return f"{fmt.ABSENT} ²"


def _absent_years(rows: pd.DataFrame) -> str:
    """``"2022–2024"`` (or ``"2019, 2024"``): the years named by the reasons of ``rows``; ""
    when there are none."""
    years = sorted({int(y) for r in rows["reason"] for y in re.findall(r" (\d{4}) in ", str(r))})
    if not years:
        return ""
    return span(years) if years == list(range(years[0], years[-1] + 1)) else ", ".join(map(str, years))


#: The published school-entry shares the page draws
#: (:func:`sozialanalyse.protected.health.published_school_entry`).
_school = published_school_entry


def school_entry_figure(district, year: int | None = None, pool: int = 3):
    """Figure: overweight and language-support need by municipality with 95 % Wilson intervals."""
    d = _school(district, year, "gemeindeverband", pool)
    k = _school(district, year, "kreis", pool)
    years = d.attrs["years"]
    order = d[d["variable"] == "einschulung_uebergewicht"].sort_values("name")["area_id"].tolist()
    fig, axes = plt.subplots(1, 2, figsize=(figstyle.MAX_WIDTH_IN, 0.4 * len(order) + 2.2), sharey=True)
    gone = []  # "Übergewicht 2022–2024": findings with "fehlt" in the chart
    locked_all = []  # "Übergewicht: Brakenhagen": findings with "gesperrt" in the chart
    for ax, (var, label) in zip(axes, SCHOOL_VARS.items()):
        sub = d[d["variable"] == var].set_index("area_id").reindex(order)
        kk = k[k["variable"] == var].iloc[0]
        y = np.arange(len(order))[::-1]
        kreis_absent = bool(pd.isna(kk["value"]) and kk["reason"])
        kreis_locked = bool(kk["status"]) and not kreis_absent
        if not (kreis_absent or kreis_locked):
            ax.axvspan(kk["lower"], kk["upper"], color=figures.PALETTE["kreis"], alpha=0.15, linewidth=0)
            ax.axvline(kk["value"], color=figures.PALETTE["kreis"], linewidth=1.2)
        ax.errorbar(sub["value"], y, xerr=[sub["value"] - sub["lower"], sub["upper"] - sub["value"]], fmt="o",
                    color=figures.PALETTE["area"], ecolor="#555555", elinewidth=1, capsize=2, markersize=5)
        missing = sub["value"].isna().to_numpy() & (sub["reason"] != "").to_numpy()
        locked = (sub["status"] != "").to_numpy() & ~missing
        for yy, word in [*((yy, fmt.ABSENT) for yy in y[missing]), *((yy, LOCKED) for yy in y[locked])]:
            # incomplete inputs: "fehlt"; suppressed: "gesperrt" in the row, no point (never 0 %)
            ax.text(0.02, yy, word, transform=ax.get_yaxis_transform(), va="center", fontsize=8, color="#555555")
        if missing.any() or kreis_absent:
            gone.append(f"{label} {_absent_years(pd.concat([sub[missing], k[k['variable'] == var]]))}")
        if locked.any():
            locked_all.append(f"{label}: {', '.join(sub.loc[locked, 'name'].astype(str))}")
        ax.set_yticks(y, sub["name"])
        ax.xaxis.set_major_formatter(fmt.axis_formatter(0, "%"))
        ax.set_xlabel("Anteil der\nuntersuchten Kinder")
        kreis_text = fmt.ABSENT if kreis_absent else LOCKED if kreis_locked else fmt.pct(kk["value"])
        # two panels side by side: a title as wide as a panel (≈ 22 characters at 10 pt)
        ax.set_title(f"{figures.wrap(label + ' bei der Einschulung', 22)}\nLandkreis: {kreis_text}", fontsize=10)
        style(ax, "x")
        shown = sub[sub["value"].notna() & (sub["status"] == "")]
        if len(shown):
            top, low = shown.loc[shown["value"].idxmax()], shown.loc[shown["value"].idxmin()]
            figures.note(ax, f"{label}: höchster Anteil {md_plain(top['name'])} ({fmt.pct(top['value'], 1)}), "
                             f"niedrigster {md_plain(low['name'])} ({fmt.pct(low['value'], 1)}), "
                             f"Landkreis {kreis_text}")
    fig.suptitle(f"Schuleingangsuntersuchungen {span(years)} (Punkte mit 95-%-Intervall, "
                 "grau: Landkreis)"
                 + (f"\nfehlt (Eingangsdaten unvollständig): {'; '.join(gone)}" if gone else "")
                 + (f"\ngesperrt (Geheimhaltung): {'; '.join(locked_all)}" if locked_all else ""), fontsize=9)
    return finish(fig)


def school_entry_table(district, year: int | None = None, level: str = "sozialraum", pool: int = 3):
    """Table: school-entry results by Sozialraum (grouped by town) or municipality, with intervals.

    The counts come from the protected layer (:func:`_school`): a share whose numerator, number
    of children or children without the finding is suppressed (below the threshold, or because
    it would follow from a published total) shows ``.`` with the footnote, and so does a
    suppressed number of children."""
    year = report_year(district, year)
    d = _school(district, year, level, pool)
    years = d.attrs["years"]
    parent = dict(zip(district.areas["area_id"], district.areas["parent_id"]))
    names = area_names(district)
    ids = (district.areas[district.areas["kind"] == "Sozialraum"]["area_id"].tolist() if level == "sozialraum"
           else level_ids(district, "gemeindeverband"))
    rows = []
    reasons: dict[str, list[str]] = {"Untersuchte Kinder": []}
    absent: dict = {}  # reasons of the "fehlt" cells, for the footnote
    for a in ids:
        sub = d[d["area_id"] == a].set_index("variable")
        if sub.empty:
            continue
        n = sub["n"].iloc[0]
        small = " ¹" if n < 50 else ""
        examined = [p for p in str(sub["reason"].iloc[0]).split("; ") if f" {EXAMINED} " in p]
        row = {"Stadt": names.get(parent.get(a), ""), "Gebiet": names[a],
               "Untersuchte Kinder": _absent_cell(examined, absent) if pd.isna(n) and examined else fmt.num(n)}
        reasons["Untersuchte Kinder"].append(str(sub["n_status"].iloc[0]))
        for var, label in SCHOOL_VARS.items():
            r = sub.loc[var]
            col = f"{label} (95-%-Intervall)"
            row[col] = (_absent_cell(r["reason"].split("; "), absent) if pd.isna(r["value"]) and r["reason"]
                        else f"{fmt.pct(r['value'])}{small} ({fmt_ci(r['lower'], r['upper'])})")
            reasons.setdefault(col, []).append(str(r["status"]))
        rows.append(row)
    df = pd.DataFrame(rows)
    locked = False
    for col, why in reasons.items():  # "." where the layer suppressed the cell
        hide = np.array(why, dtype=object) != ""
        if hide.any():
            df[col] = np.where(hide, SYMBOL, df[col].astype(object))
            locked = True
    caption = ("Schuleingangsuntersuchungen nach Sozialräumen" if level == "sozialraum"
               else "Schuleingangsuntersuchungen nach Städten, Gemeinden und Samtgemeinden")
    return table(df, caption=f"{caption}, {span(years)} zusammengefasst",
                 group="Stadt" if level == "sozialraum" else None,
                 footnotes=[("Anteil der untersuchten Kinder; 95-%-Intervall nach Wilson. "
                            "¹ weniger als 50 untersuchte Kinder: Wert statistisch unsicher."),
                            *([protected_layer.of(district).settings.footnote_line] if locked else []),
                            *absent_footnote(list(absent))],
                 align_right=[c for c in df.columns if c not in ("Stadt", "Gebiet")],
                 kinds={c: "text" if c in ("Stadt", "Gebiet") else "count" if c == "Untersuchte Kinder" else "share"
                        for c in df.columns})


def school_entry_trend(district, pool: int = 3):
    """Figure: school-entry results of the Kreis with 95 % Wilson intervals, each point ``pool``
    examination years up to the year shown (the pools the protected layer holds; a single year
    would be a count of its own, protected nowhere)."""
    frames = [_school(district, y, "kreis", pool).assign(year=y) for y in district.years
              if len(pool_years(district, y, pool)) == pool]
    d = pd.concat(frames, ignore_index=True)
    d["Merkmal"] = d["label"]
    # years whose inputs are incomplete are NaN, a break in the line (never 0 %); the title says so
    gone = d[d["value"].isna() & (d["reason"] != "")]
    absent = [f"{label} {_absent_years(gone[gone['label'] == label])}" for label in SCHOOL_VARS.values()
              if (gone["label"] == label).any()]
    shut = d[(d["status"] != "") & (d["reason"] == "")]
    locked = [f"{label} {', '.join(map(str, sorted(shut.loc[shut['label'] == label, 'year'])))}"
              for label in SCHOOL_VARS.values() if (shut["label"] == label).any()]
    fig, ax = plt.subplots(figsize=(8, 3.4))
    figures.trend(d, "year", "value", hue="Merkmal", ax=ax, low="lower", high="upper", decimals=0,
                  ylabel="% der untersuchten Kinder",
                  title=f"Schuleingangsuntersuchungen im {district.name} (je {pool} Jahre bis zum "
                  "genannten zusammengefasst, mit 95-%-Intervall)"
                  + (f"\n{'; '.join(absent)}: fehlt (Eingangsdaten unvollständig)" if absent else "")
                  + (f"\n{'; '.join(locked)}: gesperrt (Geheimhaltung)" if locked else ""))
    return finish(fig)


# ---------------------------------------------------------------------------------------------
# life expectancy and the social gradient (issue #20)
# ---------------------------------------------------------------------------------------------

#: Why a life expectancy is not published (``reason`` of
#: :func:`sozialanalyse.protected.health.published_life_expectancy`), as the end of a German
#: sentence "nicht veröffentlicht, weil ...".
LE_REASONS = {
    "population_at_most_5000": "die Bevölkerung der fünf Jahre zusammen nicht mehr als 5.000 Personenjahre umfasst",
    "ci_wider_than_20_years": "das 95-%-Intervall breiter als 20 Jahre wäre",
    "deaths_exceed_population": "in einer Altersgruppe mehr Sterbefälle als Einwohner verzeichnet sind",
    "population_not_positive": "eine Altersgruppe keine Einwohner hat",
    "negative_deaths": "negative Sterbefallzahlen vorliegen",
    "no_deaths_in_top_band": "in der obersten Altersgruppe (90 Jahre und älter) kein Sterbefall verzeichnet ist",
    "missing_age_band": "Bevölkerungs- oder Sterbefallzahlen fehlen",
    "absent": "Bevölkerungszahlen fehlen (Eingangsdaten unvollständig)",
    "years_missing": "nicht für alle fünf Jahre Daten vorliegen",
    "status": "die Zahl der Sterbefälle gesperrt ist (Geheimhaltung)",
}
SEX_WORDS = {"w": "Frauen", "m": "Männer"}
SEX_MARKERS = {"w": ("o", "#8e3b8f"), "m": ("s", "#2f6f73")}


def le_reason(row) -> str:
    """German reason why a row of :func:`published_life_expectancy` has no value ("" if it has)."""
    if str(row["status"]):
        return LE_REASONS["status"]
    if pd.notna(row["value"]):
        return ""
    return LE_REASONS.get(str(row["reason"]), "die Regeln für eine Veröffentlichung nicht erfüllt sind")


def _years(value) -> str:
    return fmt.num(value, 1) if pd.notna(value) else fmt.MISSING


def life_expectancy_intro(district, year: int | None = None):
    """Text: what life expectancy is, how it is computed here (pooled years, Chiang II, the
    0-4 band), when it is not published, and the Kreis's values."""
    le = published_life_expectancy(district, year)
    years = le.attrs["years"]
    k = le[(le["level"] == "kreis") & (le["age"] == 0)].set_index("sex")
    parts = []
    for s in ("w", "m"):
        if s in k.index and pd.notna(k.loc[s, "value"]):
            parts.append(f"{SEX_WORDS[s]} {_years(k.loc[s, 'value'])} Jahre")
        elif s in k.index:
            parts.append(f"{SEX_WORDS[s]}: nicht veröffentlicht, weil {le_reason(k.loc[s])}")
    kreis = "; ".join(parts)
    return text(
        f"Die **Lebenserwartung bei Geburt** gibt an, wie viele Jahre ein neugeborenes Kind im Durchschnitt "
        f"leben würde, wenn die Sterblichkeit jeder Altersgruppe so bliebe, wie sie in den Jahren "
        f"{span(years)} war; die **Lebenserwartung mit 65** entsprechend die weiteren Lebensjahre einer "
        f"65-jährigen Person. Sie hängt nicht vom Altersaufbau ab und lässt sich daher zwischen Gemeinden "
        f"vergleichen. Im {md_escape(district.name)}: {kreis}.\n\n"
        f"Berechnet wird sie aus den Sterbefällen und Einwohnern der fünf Jahre {span(years)} zusammen, "
        f"nach Geschlecht und Fünfjahres-Altersgruppen, mit einer abgekürzten Sterbetafel nach Chiang "
        f"(Methode II) und dem 95-%-Intervall nach Silcocks u. a. (2001), wie im Verfahren von Public Health "
        f"England. Die Einwohnerzahl am Jahresende steht für die Personenjahre des Jahres. Die jüngste "
        f"Altersgruppe umfasst hier 0 bis 4 Jahre (statt 0 und 1 bis 4): Wer in ihr stirbt, hat im Mittel "
        f"etwa ein Zehntel der fünf Jahre gelebt (Säuglinge sterben meist kurz nach der Geburt; Trennfaktoren "
        f"nach Chiang 0,1 für das erste und 0,5 für die folgenden Lebensjahre, gewichtet mit dem Anteil der "
        f"Säuglingssterbefälle). Das Ergebnis hängt davon kaum ab (weniger als 0,1 Jahre).\n\n"
        f"**Nicht veröffentlicht** wird eine Lebenserwartung, wenn die Bevölkerung der fünf Jahre zusammen "
        f"nicht mehr als 5.000 Personenjahre umfasst, eine Altersgruppe keine Einwohner oder mehr "
        f"Sterbefälle als Einwohner hat, das 95-%-Intervall breiter als 20 Jahre wäre oder die Zahl der "
        f"Sterbefälle gesperrt ist (Regeln von Public Health England; Geheimhaltung)."
    )


def life_expectancy_table(district, year: int | None = None):
    """Table: life expectancy at birth and at 65 with 95 % intervals by Gemeindeverband and sex,
    the Kreis last, the deaths behind them, and the comparison with the Kreis (same sex) as a
    marker; a value not published shows ``–`` and the reason in a footnote, ``.`` where the
    deaths are suppressed."""
    le = published_life_expectancy(district, year)
    years = le.attrs["years"]
    w = le.pivot_table(index=["area_id", "sex"], columns="age",
                       values=["value", "lower", "upper"], aggfunc="first", dropna=False)
    base = le[le["age"] == 0].set_index(["area_id", "sex"])
    kreis_id = str(district.kreis["area_id"])
    rows, reasons, classes, notes = [], {"Sterbefälle": []}, [], {}
    for (a, s), r in base.iterrows():
        held = str(r["status"])
        why = le_reason(r)
        mark = ""
        if why and not held:
            mark = notes.setdefault(why, "¹²³⁴⁵⁶⁷⁸⁹"[len(notes)] if len(notes) < 9 else "*")
        row = {"Gebiet": r["name"], "Geschlecht": SEX_WORDS[s],
               "Sterbefälle": SYMBOL if held else fmt.num(r["deaths"]) if pd.notna(r["deaths"]) else fmt.MISSING}
        reasons["Sterbefälle"].append(held)
        for age, label in ((0, "bei Geburt"), (65, "mit 65")):
            v = w.loc[(a, s), ("value", age)]
            row[f"Lebenserwartung {label} (Jahre)"] = (SYMBOL if held else
                                                      (fmt.num(v, 1) if pd.notna(v) else f"{fmt.MISSING} {mark}".strip()))
            row[f"95-%-Intervall {label}"] = SYMBOL if held else fmt_ci(w.loc[(a, s), ("lower", age)],
                                                                        w.loc[(a, s), ("upper", age)])
            for c in (f"Lebenserwartung {label} (Jahre)", f"95-%-Intervall {label}"):
                reasons.setdefault(c, []).append(held)
        if a == kreis_id:
            comp = ("Vergleichswert", None)
        elif held:
            comp = (SYMBOL, None)
        else:
            k = base.loc[(kreis_id, s)]
            code = str(compare(r["value"], r["lower"], r["upper"], k["value"], "higher_is_better")[0])
            comp = compare_marker(code, "higher_is_better")
        row["Vergleich zum Kreis"] = comp[0]
        classes.append(comp[1])
        reasons.setdefault("Vergleich zum Kreis", []).append(held)
        rows.append(row)
    df = pd.DataFrame(rows)
    df, held_notes = mask(district, df, reasons)
    kinds = {"Gebiet": "text", "Geschlecht": "text", "Sterbefälle": "count", "Vergleich zum Kreis": "text"}
    for label in ("bei Geburt", "mit 65"):
        kinds[f"Lebenserwartung {label} (Jahre)"] = "index"
        kinds[f"95-%-Intervall {label}"] = "interval"
    return table(df, caption=f"Lebenserwartung nach Geschlecht, {span(years)}",
                 footnotes=[f"Sterbefälle: {span(years)} zusammen. Lebenserwartung: abgekürzte Sterbetafel nach "
                            "Chiang, 95-%-Intervall nach Silcocks u. a. (2001).",
                            *[f"{m} Nicht veröffentlicht, weil {why}." for why, m in notes.items()],
                            "Vergleich zum Kreis (Lebenserwartung bei Geburt, gleiches Geschlecht): ▲ günstiger (höher) "
                            "bzw. ▼ ungünstiger (niedriger), wenn das 95-%-Intervall den Kreiswert nicht enthält; "
                            "● ähnlich, wenn es ihn enthält; – : kein Vergleich.", *held_notes],
                 align_right=[c for c in df.columns if c not in ("Gebiet", "Geschlecht", "Vergleich zum Kreis")],
                 kinds=kinds, classes={"Vergleich zum Kreis": classes})


def life_expectancy_chart(district, year: int | None = None):
    """Figure: life expectancy at birth with 95 % intervals by Gemeindeverband, women and men
    (different symbols and colours), the Kreis values as lines; areas whose value is not
    published are named under the chart."""
    le = published_life_expectancy(district, year)
    years = le.attrs["years"]
    d0 = le[le["age"] == 0]
    munis = d0[d0["level"] != "kreis"]
    names = list(dict.fromkeys(munis["name"]))
    fig, ax = plt.subplots(figsize=(6.5, 0.42 * len(names) + 1.6))
    y = {n: i for i, n in enumerate(reversed(names))}
    missing = []
    for s, off in (("w", 0.15), ("m", -0.15)):
        marker, color = SEX_MARKERS[s]
        g = munis[munis["sex"] == s]
        shown = g[g["value"].notna()]
        ys = np.array([y[n] + off for n in shown["name"]])
        ax.errorbar(shown["value"], ys, xerr=[shown["value"] - shown["lower"], shown["upper"] - shown["value"]],
                    fmt=marker, color=color, ecolor=color, elinewidth=1, capsize=2, markersize=5,
                    label=f"{SEX_WORDS[s]} (mit 95-%-Intervall)")
        k = d0[(d0["level"] == "kreis") & (d0["sex"] == s)]
        if len(k) and pd.notna(k["value"].iloc[0]):
            ax.axvline(float(k["value"].iloc[0]), color=color, linestyle="--", linewidth=1,
                       label=f"{md_plain(district.name)}, {SEX_WORDS[s]}")
        missing += [f"{n} ({SEX_WORDS[s]})" for n in g.loc[g["value"].isna(), "name"]]
    ax.set_yticks(list(y.values()), list(y.keys()), fontsize=8)
    ax.xaxis.set_major_formatter(fmt.axis_formatter())
    ax.set_xlabel("Lebenserwartung bei Geburt in Jahren")
    title = f"Lebenserwartung bei Geburt, {span(years)}"
    if missing:
        title += "\nnicht veröffentlicht: " + ", ".join(missing[:6]) + (" …" if len(missing) > 6 else "")
    ax.set_title(title, fontsize=10)
    ax.legend(frameon=False, fontsize=7.5, loc="lower center", bbox_to_anchor=(0.5, 1.0 + 0.6 / len(names)),
              ncol=2)
    style(ax, "x")
    for s_ in ("w", "m"):
        g = munis[(munis["sex"] == s_) & munis["value"].notna()].sort_values("value")
        k = d0[(d0["level"] == "kreis") & (d0["sex"] == s_)]["value"].dropna()
        if len(g):
            figures.note(ax, f"{SEX_WORDS[s_]}: " + (f"{md_plain(district.name)} {fmt.num(float(k.iloc[0]), 1)} Jahre, "
                                                     if len(k) else "")
                         + f"von {fmt.num(g['value'].iloc[0], 1)} ({g['name'].iloc[0]}) bis "
                           f"{fmt.num(g['value'].iloc[-1], 1)} Jahre ({g['name'].iloc[-1]})")
    return finish(fig)


def md_plain(name) -> str:
    """A name for a matplotlib label: without ``$`` (mathtext)."""
    return str(name).replace("$", "")


def gradient_text(district, year: int | None = None, variable: str = "einschulung_uebergewicht"):
    """Text: the Slope and Relative Index of Inequality of a school-entry finding across the
    Sozialraum deprivation quintiles, explained in German with its interval."""
    g, t = published_gradient(district, variable, year)
    what = {"einschulung_uebergewicht": "Übergewicht", "einschulung_sprachfoerderbedarf": "Sprachförderbedarf"}[variable]
    years = t.attrs["years"]
    head = (f"Wie stark hängt {what} bei der Einschulung mit der sozialen Lage des Wohnviertels zusammen? "
            f"Dazu werden die Sozialräume nach ihrem Statusindex des Sozialraum-Monitorings in fünf Gruppen "
            f"mit gleich vielen Sozialräumen geteilt (Quintile; 1: die am stärksten benachteiligten "
            f"Sozialräume; die Gruppen umfassen verschieden viele Kinder) und der Anteil der Kinder mit {what} "
            f"je Gruppe berechnet (Einschulungsjahrgänge {span(years)}). ")
    if g is None:
        return text(head + "Eine Gruppe hat keinen veröffentlichten Wert; der Index wird daher nicht berechnet.")
    body = (f"Eine nach der Zahl der untersuchten Kinder gewichtete Gerade durch die Gruppenwerte über dem "
            f"relativen Rang (0: am stärksten, 1: am wenigsten benachteiligt) ergibt den **Slope Index of "
            f"Inequality (SII)**: Am Ende der am stärksten benachteiligten Sozialräume liegt der Anteil um "
            f"**{fmt.num(abs(g.sii), 1)} Prozentpunkte** {'höher' if g.sii >= 0 else 'niedriger'} als am Ende "
            f"der am wenigsten benachteiligten (95-%-Intervall {fmt.num(g.sii_lower, 1)} bis "
            f"{fmt.num(g.sii_upper, 1)}). Der **Relative Index of Inequality (RII)** setzt beide Enden ins "
            f"Verhältnis: {fmt.num(g.rii, 2)} (95-%-Intervall {fmt.num(g.rii_lower, 2)} bis "
            f"{fmt.num(g.rii_upper, 2)}); 1 hieße kein Unterschied. "
            + ("Das Intervall des SII schließt 0 nicht ein: Der Unterschied ist statistisch gesichert. "
               if g.sii_lower > 0 or g.sii_upper < 0 else
               "Das Intervall des SII schließt 0 ein: Ein Unterschied ist statistisch nicht gesichert. ")
            + "Das Intervall stammt aus einer Simulation (100.000 Ziehungen, fester Startwert), wie im Verfahren "
              "von Public Health England (Low und Low 2004).")
    left = t.attrs["left_out"]
    tail = ""
    if left:
        tail = (f" Nicht berücksichtigt, weil ihr Anteil gesperrt ist (Geheimhaltung): "
                f"{', '.join(md_escape(n) for n in left)}.")
    return text(head + body + tail)


def _quintile_labels(ax, xs, quintiles) -> None:
    """"Quintil q" at the top of the axes above each quintile's rank; a label that would touch
    its left neighbour goes one line lower (ranks of unequal groups can lie close together)."""
    fig = ax.figure
    figstyle.enforce(fig)  # final width and text size: the boxes are measured in pixels
    renderer = fig.canvas.get_renderer()
    rows: list[list] = []
    for xi, q in zip(xs, quintiles):
        for r in range(len(xs)):
            t = ax.annotate(f"Quintil {q}", (xi, 1), xycoords=("data", "axes fraction"), xytext=(0, -4 - 13 * r),
                            textcoords="offset points", ha="center", va="top", fontsize=figstyle.MIN_PT,
                            color="#555555")
            bb = t.get_window_extent(renderer).expanded(1.08, 1.0)
            if r >= len(rows):
                rows.append([])
            if not any(bb.overlaps(o) for o in rows[r]):
                rows[r].append(bb)
                break
            t.remove()


def gradient_chart(district, year: int | None = None, variable: str = "einschulung_uebergewicht"):
    """Figure: the finding's share per deprivation quintile (95 % Wilson intervals) at the
    quintile's relative rank, and the fitted SII line."""
    g, t = published_gradient(district, variable, year)
    what = {"einschulung_uebergewicht": "Übergewicht", "einschulung_sprachfoerderbedarf": "Sprachförderbedarf"}[variable]
    fig, ax = plt.subplots(figsize=(figstyle.MAX_WIDTH_IN, 4.8))
    if g is None:
        ax.text(0.5, 0.5, "nicht berechnet: eine Gruppe ohne veröffentlichten Wert", ha="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return finish(fig)
    x = g.table["rank"].to_numpy()
    ax.errorbar(x, t["value"], yerr=[t["value"] - t["lower"], t["upper"] - t["value"]], fmt="o", color="#1f3b73",
                ecolor="#1f3b73", capsize=3, label="Anteil je Quintil (mit 95-%-Intervall)")
    xs = np.linspace(0, 1, 50)
    f = g.table["fitted"].to_numpy()  # a straight line in the rank: two points give it
    slope = (f[-1] - f[0]) / (x[-1] - x[0])
    b0 = f[0] - slope * x[0]
    ax.plot(xs, 100 * (b0 + slope * xs), color="#c8553d", linewidth=1.5,
            label=f"Gerade (SII {fmt.num(g.sii, 1)} Prozentpunkte)")
    ax.set_xlim(0, 1)
    ax.set_xlabel("Relativer Rang der sozialen Lage\n(0: am stärksten benachteiligt, 1: am wenigsten)")
    ax.set_ylabel(f"{what} in %")
    ax.xaxis.set_major_formatter(fmt.axis_formatter(1))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(fmt.axis_formatter())
    lo, hi = float(t["lower"].min()), float(t["upper"].max())
    ax.set_ylim(max(0.0, lo - 2), hi + 0.35 * (hi - lo))
    ax.set_title(figures.wrap(f"{what} bei der Einschulung nach sozialer Lage der Sozialräume, "
                              f"{span(t.attrs['years'])}", 60), fontsize=10, pad=8)
    ax.legend(frameon=False, fontsize=figstyle.MIN_PT, loc="lower left")
    style(ax, "y")
    _quintile_labels(ax, x, t["quantile"])
    vals = "; ".join(f"Quintil {q}: {fmt.pct(float(v), 1)}" for q, v in zip(t["quantile"], t["value"]))
    figures.note(ax, f"Anteil mit {what} je Quintil der sozialen Lage (1: am stärksten benachteiligt) – {vals}; "
                     f"die gewichtete Gerade ergibt einen SII von {fmt.num(g.sii, 1)} Prozentpunkten "
                     f"(95-%-Intervall {fmt.num(g.sii_lower, 1)} bis {fmt.num(g.sii_upper, 1)})")
    return finish(fig)
