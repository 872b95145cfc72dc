"""The chapter *Sozialraum-Monitoring* (``notebooks/sozialraum_monitoring.ipynb``): status and
dynamics classes of the Sozialräume (MSS), areas with special attention need, Lorenz curves,
Theil decomposition, LISA clusters and the robustness of the classes.

Floor: pages. The numbers come from :mod:`sozialanalyse.protected.monitoring` (the published
classes, attention list, Einwohner, rates, Theil shares and robustness), which computes them
with the MSS of the statistics floor from the protected layer's published values;
:mod:`sozialanalyse.stats.disparity` and :mod:`sozialanalyse.stats.spatial` work on those
published values here. This module only formats and draws: each function returns a closed
matplotlib Figure or an escaped table (:func:`sozialanalyse.render.tables.table`). Labels a
reader sees are German. The classes of one town's Sozialräume are in its Gemeindeprofil
(:func:`sozialanalyse.pages.gemeindeprofil.profile_classes`). ``published_monitoring`` and
``population`` are re-exported from the protected module.

Disclosure control (issue #14). Every input comes from the protected layer
(:mod:`sozialanalyse.protected.layer`), the same for every page:

* **Rates**: the status indicators are the published ones (:meth:`Layer.indicators`); a rate
  whose numerator, denominator or complement is suppressed is NaN.
* **The classification uses published rates only**
  (:func:`sozialanalyse.protected.monitoring.published_monitoring`). A
  suppressed rate is a missing input of the MSS: the area gets no z-value, no status or
  dynamics index and no class for it (shown ``.``, named "gesperrt"), and it does not enter the
  means and standard deviations by which the other areas are standardised. The reason for the
  second half: the attention table prints rates with their z-values, and two of them give the
  mean and the standard deviation of the indicator; were the suppressed rates inside them, the
  mean times the number of areas minus the published rates would give back the sum of the
  suppressed ones (and the variance their sum of squares: two suppressed rates exactly). So
  every figure this chapter publishes (z-values, indices, classes, class counts, robustness) is
  a function of published rates alone. A rate suppressed only in the start year of the dynamics
  leaves the status class and removes the dynamics class.
* **One exception, a class boundary**: areas with fewer than :data:`MIN_POPULATION`
  inhabitants are not classified (as in the Berlin MSS); this test uses the real number of
  inhabitants, also where that number is suppressed. It publishes only "under 300", a range
  far above the threshold of 3, never the number.
* **Einwohner** are the layer's count (:func:`sozialanalyse.protected.monitoring.population`),
  the very cell the Gemeindeprofil shows: a number suppressed there is ``.`` here too, so no
  page prints what another one hides (the town's total minus the published Sozialräume).
* **Lorenz curves, Gini, Theil decomposition and LISA clusters** are computed from the
  published rates and denominators; suppressed areas are left out with a note saying how many.
"""
from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..model.areas import base_areas
from ..model.config import SYMBOL
from ..model.district import District
from ..protected import layer as protected_layer
from ..protected.monitoring import (
    ATTENTION_STATUS,
    MIN_POPULATION,
    Monitoring,
    attention_list,
    base_rates,
    population,
    published_monitoring,
    rates,
    robustness,
    theil,
)
from ..render import figstyle, figures, fmt, maps
from ..render.tables import md_escape, note, table, text
from ..stats import disparity, indicators, spatial
from ..stats.index import DYNAMICS_CLASSES, STATUS_CLASSES
from .common import absent_footnote

__all__ = [
    "STATUS_COLORS",
    "SHORT_NAMES",
    "attention_table",
    "class_counts",
    "class_map",
    "class_map_interactive",
    "lisa_map",
    "lorenz_figure",
    "method_text",
    "not_classifiable",
    "population",
    "published_monitoring",
    "robustness_table",
    "sozialraum_number",
    "suppressed_areas",
    "theil_table",
    "theil_units",
    "towns_text",
]

#: Colours of the status classes (best to worst).
STATUS_COLORS = {"hoch": "#7fb3d5", "mittel": "#f3eddc", "niedrig": "#f5a25d", "sehr niedrig": "#c8372d"}
#: dynamics: a triangle beside the Sozialraum's number (never on it), told apart by direction and colour
#: (Okabe-Ito blue, near-black), with a white halo readable on every status colour
_DYN_MARKERS = {"positiv": ("^", "#0072B2"), "negativ": ("v", "#1a1a1a")}
_GREY = "#e3e3e3"

#: Short German names for tables and legends (the catalog's names are long).
SHORT_NAMES = {
    "sgb2_quote": "SGB-II-Quote",
    "kinderarmut": "Kinderarmut",
    "arbeitslosenquote": "Arbeitslosenanteil",
    "altersarmut": "Altersarmut",
    "sgb2_quote_15_64": "SGB-II-Quote 15–64 J.",
    "mindestsicherungsquote": "Mindestsicherungsquote",
    "langzeitarbeitslosenquote": "Langzeitarbeitslosenanteil",
    "wohngeldquote": "Wohngeldquote",
}


def _short(indicator_id: str) -> str:
    if indicator_id in SHORT_NAMES:
        return SHORT_NAMES[indicator_id]
    cat = indicators.catalog().set_index("id")
    return str(cat.loc[indicator_id, "name"]) if indicator_id in cat.index else indicator_id


def sozialraum_number(area_id: str) -> str:
    """Number of a Sozialraum inside its town (``03499016-07`` -> ``7``)."""
    return str(int(area_id.rsplit("-", 1)[1])) if "-" in area_id and area_id.rsplit("-", 1)[1].isdigit() else area_id


def suppressed_areas(m: Monitoring) -> list[str]:
    """The Sozialräume that are valid (enough inhabitants) but not classified, or not classified
    for their dynamics, because a status rate is suppressed (reason ``"gesperrt: ..."``)."""
    t = m.result.table
    return [str(a) for a in t.index if str(t.loc[a, "reason"] or "").startswith("gesperrt")]


def _hidden_text(hidden: list[str]) -> str:
    """German sentence counting the Sozialräume without a class because rates are suppressed."""
    if not hidden:
        return ""
    k = len(hidden)
    return (f"Ohne Status- oder Dynamikklasse, weil Kennzahlen gesperrt sind (Geheimhaltung): {fmt.num(k)} "
            f"{'Sozialraum' if k == 1 else 'Sozialräume'}.")


def _footnote_line(district: District) -> str:
    return protected_layer.of(district).settings.footnote_line


def towns_text(m: Monitoring) -> str:
    names = sorted(m.data["town_name"].unique())
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " und " + names[-1]


def method_text(district: District, year: int | None = None):
    """German explanation of the method with the indicators and the numbers of this report."""
    m = published_monitoring(district, year)
    t = m.result.table
    n, valid = len(t), int(t["valid"].sum())
    hidden = suppressed_areas(m)
    left = n - valid
    inds = ", ".join(_short(i) for i in m.status)
    parts = [
        f"Das Sozialraum-Monitoring vergleicht die **{n} Sozialräume** der Städte "
        f"{md_escape(towns_text(m))} untereinander. Es folgt dem Verfahren des *Monitorings "
        "Soziale Stadtentwicklung* (MSS) des Landes Berlin.",
        "",
        f"- **Status:** Für jeden Sozialraum werden {len(m.status)} Kennzahlen des Jahres {m.year} "
        f"betrachtet ({md_escape(inds)}). Jede Kennzahl wird standardisiert (z-Wert: Abstand vom "
        "Mittelwert aller Sozialräume in Standardabweichungen), die z-Werte werden addiert und die "
        "Summe erneut standardisiert (Statusindex). Klassen: *hoch* (Index unter −1), *mittel* "
        "(−1 bis +1), *niedrig* (über +1 bis +1,5), *sehr niedrig* (über +1,5).",
        f"- **Dynamik:** Dieselben Kennzahlen als Veränderung von {m.start} bis {m.year} in "
        "Prozentpunkten, ebenso standardisiert und zusammengefasst. Klassen: *positiv* (Index "
        "unter −1: die Lage verbessert sich deutlich stärker als im Durchschnitt), *stabil*, "
        "*negativ* (über +1: die Lage verschlechtert sich deutlich stärker).",
        f"- **Ausgeschlossen** werden Sozialräume mit weniger als {fmt.num(MIN_POPULATION)} "
        "Einwohnerinnen und Einwohnern, weil Anteile dort zu stark vom Zufall abhängen"
        + (f" (in diesem Bericht: {left})." if left else " (in diesem Bericht: keiner)."),
        "- **Geheimhaltung:** Klassifiziert wird nur mit veröffentlichten Kennzahlen. Ist eine Kennzahl "
        "eines Sozialraums gesperrt (Fallzahl unter der Geheimhaltungsgrenze oder Sekundärsperrung), "
        "erhält er für Status bzw. Dynamik weder z-Wert noch Index noch Klasse („gesperrt“) und geht "
        "auch nicht in Mittelwert und Standardabweichung der übrigen ein"
        + (f" (in diesem Bericht: {len(hidden)})." if hidden else " (in diesem Bericht: keiner)."),
        "",
        "Die Klassen sind **relativ**: Sie zeigen, wo die Lage im Vergleich zu den anderen "
        "Sozialräumen des Landkreises ungünstig ist, nicht, ob sie absolut gut oder schlecht ist.",
    ]
    return text("\n".join(parts))


def class_counts(district: District, year: int | None = None):
    """Table: number of Sozialräume per status class (rows) and dynamics class (columns).

    The numbers count areas, not persons: their columns are declared ``text`` (no disclosure
    control applies to a number of Sozialräume)."""
    m = published_monitoring(district, year)
    hidden = suppressed_areas(m)
    t = m.result.table[m.result.table["valid"]]
    ct = pd.crosstab(t["status_class"].astype(object), t["dynamics_class"].astype(object))
    ct = ct.reindex(index=list(STATUS_CLASSES), columns=list(DYNAMICS_CLASSES), fill_value=0)
    df = pd.DataFrame({"Status": [s for s in ct.index]})
    for d in ct.columns:
        df[f"Dynamik {d}"] = [fmt.num(v) for v in ct[d]]
    df["zusammen"] = [fmt.num(v) for v in ct.sum(axis=1)]
    gone = " " + _hidden_text(hidden) if hidden else ""
    return table(df, caption=f"Sozialräume nach Status und Dynamik, {m.year}",
                 footnotes=[f"Status {m.year}, Dynamik {m.start}–{m.year}. Bewertet: {len(t)} Sozialräume.{gone}"],
                 kinds={c: "text" for c in df.columns})


def _town_outlines(district: District, towns, ax, labels: bool = True):
    import matplotlib.patheffects as pe  # matplotlib: heavy, loaded on first figure

    geo = district.geometry
    shapes = geo[geo["area_id"].isin(list(towns))]
    shapes.plot(ax=ax, facecolor="none", edgecolor="#222222", linewidth=1.4, zorder=4)
    if labels:
        for _, row in shapes.iterrows():
            minx, _, maxx, maxy = row.geometry.bounds
            ax.annotate(district.name_of(row["area_id"]), ((minx + maxx) / 2, maxy), xytext=(0, 4),
                        textcoords="offset points", ha="center", va="bottom", fontsize=9,
                        fontweight="bold", color="#222222", zorder=6,
                        path_effects=[pe.withStroke(linewidth=3, foreground="white")])


def _rest_of_district(district: District, towns, ax):
    geo = district.geometry
    munis = geo[geo["kind"].isin(["Stadt", "Einheitsgemeinde", "Samtgemeinde"])
                & ~geo["area_id"].isin(list(towns))]
    munis.plot(ax=ax, color=_GREY, edgecolor="white", linewidth=0.8, zorder=1)


def class_map_interactive(district: District, year: int | None = None):
    """The map of :func:`class_map` as an interactive map: each Sozialraum with its status and
    dynamics class in the tooltip (:func:`sozialanalyse.render.maps.svg_map`), the towns'
    outlines over them. A Sozialraum whose class rests on a suppressed rate shows "gesperrt"."""
    m = published_monitoring(district, year)
    t = m.result.table
    hidden = set(suppressed_areas(m))
    geo = district.geometry
    towns = m.data["town"].unique()
    shapes = geo[geo["area_id"].isin(m.data.index)].reset_index(drop=True)
    tt = t.reindex(shapes["area_id"])
    rows, fills = [], []
    for (a, name), (_, r) in zip(zip(shapes["area_id"], shapes["name"]), tt.iterrows()):
        status = "primary" if a in hidden and pd.isna(r["status_class"]) else ""
        if not bool(r["valid"]) if pd.notna(r["valid"]) else True:
            cls, dyn, fill = f"nicht bewertet (unter {fmt.num(MIN_POPULATION)} Einw.)", None, None
        elif isinstance(r["status_class"], str):
            cls, fill = r["status_class"], STATUS_COLORS[r["status_class"]]
            dyn = r["dynamics_class"] if isinstance(r["dynamics_class"], str) else (
                "gesperrt" if a in hidden else "fehlt")
        else:
            cls, dyn, fill = ("gesperrt" if status else "fehlt (Eingangsdaten unvollständig)"), None, None
        rows.append({"name": str(name), "area_id": str(a), "nr": sozialraum_number(a), "class": cls,
                     "dynamik": None if status else dyn, "stadt": district.name_of(m.data.loc[a, "town"]),
                     "status": status})
        fills.append(fill)
    arrows = {"positiv": ("up", _DYN_MARKERS["positiv"][1]), "negativ": ("down", _DYN_MARKERS["negativ"][1])}
    symbols = [arrows.get(r["dynamik"]) for r in rows]
    legend = [(STATUS_COLORS[c], f"Status {c}") for c in STATUS_CLASSES]
    legend += [(("▲", arrows["positiv"][1]), "Dynamik positiv (Lage verbessert sich)"),
               (("▼", arrows["negativ"][1]), "Dynamik negativ (Lage verschlechtert sich)")]
    legend += [(None, lab) for lab in sorted({r["class"] for r in rows if r["class"] not in STATUS_CLASSES})]
    kinds = {"name": "text", "area_id": "text", "nr": "text", "stadt": "text", "class": "text", "dynamik": "text",
             "status": "text"}
    return maps.svg_map(shapes, rows, fills, kinds, f"Sozialräume nach Status und Dynamik, {m.year}", legend,
                        labels={"nr": "Nr.", "class": f"Status {m.year}", "dynamik": f"Dynamik {m.start}–{m.year}",
                                "stadt": "Stadt"},
                        outlines=geo[geo["area_id"].isin(list(towns))], symbols=symbols, number_key="nr")


def class_map(district: District, year: int | None = None):
    """Map: status class (colour) and dynamics class (triangle) of every Sozialraum, with the
    towns' outlines and the rest of the district in grey."""
    import matplotlib.patheffects as pe  # matplotlib: heavy, loaded on first figure

    m = published_monitoring(district, year)
    t = m.result.table
    hidden = set(suppressed_areas(m))
    geo = district.geometry
    towns = m.data["town"].unique()
    shapes = geo[geo["area_id"].isin(m.data.index)].set_index("area_id")
    fig, ax = plt.subplots(figsize=(6.5, 8.4))
    _rest_of_district(district, towns, ax)
    for cls, color in STATUS_COLORS.items():
        part = shapes[t.reindex(shapes.index)["status_class"].astype(object) == cls]
        if len(part):
            part.plot(ax=ax, color=color, edgecolor="white", linewidth=0.7, zorder=2)
    out = shapes[~t.reindex(shapes.index)["valid"].astype(bool)]
    if len(out):
        out.plot(ax=ax, facecolor="#f4f4f4", edgecolor="#999999", hatch="///", linewidth=0.5, zorder=2)
    tt = t.reindex(shapes.index)
    no_class = (tt["valid"].astype(bool) & tt["status_class"].isna()).to_numpy()
    gesperrt = shapes.index.isin(list(hidden))
    absent = shapes[no_class & ~gesperrt]  # data incomplete
    if len(absent):
        absent.plot(ax=ax, facecolor="#d9d9d9", edgecolor="#666666", hatch="xx", linewidth=0.5, zorder=2)
    locked = shapes[no_class & gesperrt]  # a status rate is suppressed: no class is published
    if len(locked):
        locked.plot(ax=ax, facecolor="#d9d9d9", edgecolor="#666666", hatch="\\\\", linewidth=0.5, zorder=2)
    no_dyn = (tt["status_class"].notna() & tt["dynamics_class"].isna()).to_numpy()
    _town_outlines(district, towns, ax)
    for a, row in shapes.iterrows():
        p = row.geometry.representative_point()
        dyn = t.loc[a, "dynamics_class"] if a in t.index else None
        label = sozialraum_number(a)
        if no_dyn[shapes.index.get_loc(a)]:  # status shown, dynamics missing or suppressed
            ax.plot(p.x, p.y, marker="o", markerfacecolor="none", markeredgecolor="#555555", markersize=16,
                    markeredgewidth=1.0, zorder=5, linestyle="")
        status = t.loc[a, "status_class"] if a in t.index else None
        fill = STATUS_COLORS.get(status, "#d9d9d9") if isinstance(status, str) else "#d9d9d9"
        ink = figstyle.text_color_on(fill)  # the number readable on its fill, with a halo
        halo = "#1a1a1a" if ink == "#ffffff" else "white"
        ax.annotate(label, (p.x, p.y), ha="center", va="center", fontsize=9, color=ink, fontweight="bold",
                    zorder=6, path_effects=[pe.withStroke(linewidth=2, foreground=halo)])
        if isinstance(dyn, str) and dyn in _DYN_MARKERS:
            marker, color = _DYN_MARKERS[dyn]
            ax.annotate("▲" if marker == "^" else "▼", (p.x, p.y), xytext=(7 + 3 * len(label), 0),
                        textcoords="offset points", ha="center", va="center", fontsize=10, color=color, zorder=6,
                        path_effects=[pe.withStroke(linewidth=2, foreground="white")])
    handles = [Patch(color=STATUS_COLORS[c], label=f"Status {c}") for c in STATUS_CLASSES]
    handles += [Line2D([], [], marker=_DYN_MARKERS["negativ"][0], color=_DYN_MARKERS["negativ"][1],
                       linestyle="", markersize=9, label="Dynamik negativ (Lage verschlechtert sich)"),
                Line2D([], [], marker=_DYN_MARKERS["positiv"][0], color=_DYN_MARKERS["positiv"][1],
                       linestyle="", markersize=9, label="Dynamik positiv (Lage verbessert sich)"),
                Line2D([], [], linestyle="", label="ohne Dreieck: Dynamik stabil (Dreieck neben der Nummer)")]
    if no_dyn.any():
        handles.append(Line2D([], [], marker="o", markerfacecolor="none", markeredgecolor="#555555",
                              linestyle="", markersize=9, label="Kreis: Dynamik nicht klassifiziert "
                                                                 "(fehlt / gesperrt)"))
    if len(out):
        handles.append(Patch(facecolor="#f4f4f4", edgecolor="#999999", hatch="///",
                             label=f"nicht bewertet (unter {fmt.num(MIN_POPULATION)} Einw.)"))
    if len(absent):
        handles.append(Patch(facecolor="#d9d9d9", edgecolor="#666666", hatch="xx",
                             label="fehlt (Eingangsdaten unvollständig, nicht klassifizierbar)"))
    if len(locked):
        handles.append(Patch(facecolor="#d9d9d9", edgecolor="#666666", hatch="\\\\",
                             label="gesperrt (Kennzahl unterliegt der Geheimhaltung, keine Klasse)"))
    handles += [Patch(facecolor="none", edgecolor="#222222", linewidth=1.4, label="Stadtgrenze"),
                Patch(color=_GREY, label="übriger Landkreis (ohne Sozialräume)"),
                Line2D([], [], linestyle="", label="Zahl im Gebiet: Nr. des Sozialraums (Tabellen)")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), frameon=False,
              ncol=1, title=f"Status {m.year}, Dynamik {m.start}–{m.year}", title_fontsize=9)
    ax.set_title(f"Sozialräume nach Status und Dynamik, {m.year}", fontsize=10)
    ax.set_axis_off()
    ax.set_aspect("equal")
    minx, miny, maxx, maxy = geo[geo["area_id"].isin(list(towns))].total_bounds  # zoom to the towns
    pad = 0.06 * max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + 1.6 * pad)
    shown = tt[tt["status_class"].notna()]
    counts = "; ".join(f"Status {c}: {(shown['status_class'] == c).sum()}" for c in STATUS_CLASSES
                       if (shown["status_class"] == c).any())
    worst = [district.name_of(a) for a in shown.index if shown.loc[a, "status_class"] == STATUS_CLASSES[-1]]
    figures.note(ax, f"{len(shown)} Sozialräume mit Klasse ({counts})"
                     + (f"; Status {STATUS_CLASSES[-1]}: {', '.join(worst)}" if worst else "")
                     + f"; Dynamik negativ: {int((tt['dynamics_class'] == 'negativ').sum())}, "
                       f"positiv: {int((tt['dynamics_class'] == 'positiv').sum())} Sozialräume")
    return figures.finish(fig)


_SUM_ONLY = "keine einzeln: Summe mehrerer kleinerer Abweichungen"


def not_classifiable(m: Monitoring, areas=None) -> list[str]:
    """German lines naming the Sozialräume (of ``areas``, default all) that are not classified
    because input data are missing (never a class, never silently off the list), with what is
    missing."""
    t, d = m.result.table, m.data
    out = []
    for a in (t.index if areas is None else [x for x in t.index if x in set(areas)]):
        r = str(t.loc[a, "reason"] or "")
        miss = str(d.loc[a, "missing"]) if "missing" in d.columns else ""
        if r.startswith("nicht klassifizierbar") or miss:
            what = absent_footnote(miss.split("; ")) if miss else []
            detail = what[0].split("(", 1)[1].split(")")[0] if what else r.split(": ", 1)[-1]
            out.append(f"{d.loc[a, 'name']} ({d.loc[a, 'town_name']}, Nr. {sozialraum_number(a)}): fehlt ({detail})")
    return out


def attention_table(district: District, year: int | None = None):
    """Table: Quartiere mit besonderem Aufmerksamkeitsbedarf, with the indicators (z >= 1)
    that put each area there and the area's Einwohner (from the protected layer: ``.`` where
    suppressed, as on every page). Sozialräume whose data are incomplete are named below the
    table as not classifiable; those whose rates are suppressed are counted."""
    m = published_monitoring(district, year)
    att = attention_list(district, m.year)
    missing = not_classifiable(m)
    hidden = suppressed_areas(m)
    missing_line = ("Nicht klassifizierbar, weil Eingangsdaten fehlen (weder auf der Liste noch "
                    "ausgeschlossen): " + "; ".join(missing) + ".") if missing else None
    hidden_line = _hidden_text(hidden) or None
    if att.empty:
        return note("Kein Sozialraum erfüllt die Kriterien für besonderen Aufmerksamkeitsbedarf."
                    + "".join(" " + x for x in (missing_line, hidden_line) if x))
    d = m.data
    pop = population(district, list(att.index), m.year)
    z_s, z_d = m.result.z_status, m.result.z_dynamics

    def shown(v, text: str) -> str:  # the rates are the published ones: never a suppressed value
        return SYMBOL if pd.isna(v) else text

    rows = []
    for a, r in att.iterrows():
        st = "; ".join(f"{_short(i)} {shown(d.loc[a, i], fmt.pct(d.loc[a, i]))} (z {fmt.num(z_s.loc[a, i], 1)})"
                       for i in r["status_drivers"])
        dy = "; ".join(f"{_short(i)} "
                       + shown(d.loc[a, i] - d.loc[a, f"{i}@{m.start}"],
                               f"{fmt.signed(d.loc[a, i] - d.loc[a, f'{i}@{m.start}'], 1)} Pp.")
                       + f" (z {fmt.num(z_d.loc[a, i], 1)})" for i in r["dynamics_drivers"])
        rows.append({"Sozialraum": f"{d.loc[a, 'name']} ({d.loc[a, 'town_name']}, Nr. {sozialraum_number(a)})",
                     "Einwohner": pop.loc[a, "text"],
                     "Status / Dynamik": f"{r['status_class']} / " + (
                         str(r["dynamics_class"]) if pd.notna(r["dynamics_class"])
                         else SYMBOL if a in hidden else fmt.MISSING),
                     "Kennzahlen mit z ≥ 1 (Status)": st or (_SUM_ONLY if r["status_class"] in ATTENTION_STATUS
                                                              else fmt.MISSING),
                     "Kennzahlen mit z ≥ 1 (Veränderung)": dy or (_SUM_ONLY if r["dynamics_class"] == "negativ"
                                                                   else fmt.MISSING)})
    df = pd.DataFrame(rows)
    locked = (pop["status"] != "").any() or any(a in hidden for a in att.index)
    return table(df, caption=f"Quartiere mit besonderem Aufmerksamkeitsbedarf, {m.year}",
                 footnotes=["Regel: Statusklasse »niedrig« oder »sehr niedrig« oder Dynamikklasse »negativ«. "
                            "Genannt sind die Kennzahlen, deren z-Wert mindestens 1 beträgt (mindestens eine "
                            f"Standardabweichung ungünstiger als der Durchschnitt der Sozialräume); Veränderung "
                            f"{m.start}–{m.year} in Prozentpunkten (Pp.). Einwohner am 31.12.{m.year}.",
                            *([missing_line] if missing_line else []),
                            *([hidden_line] if hidden_line else []),
                            *([_footnote_line(district)] if locked else [])],
                 align_right=["Einwohner"],
                 kinds={c: "count" if c == "Einwohner" else "text" for c in df.columns})


def _percent_axis(ax):
    from matplotlib.ticker import FuncFormatter  # matplotlib: heavy, loaded on first figure

    f = FuncFormatter(lambda v, _: fmt.num(100 * v, 0) + " %")
    ax.xaxis.set_major_formatter(f)
    ax.yaxis.set_major_formatter(f)


def _left_out_text(k: int) -> str:
    """German note for ``k`` areas left out because their value is suppressed."""
    return (f"Ohne {fmt.num(k)} {'Gebiet' if k == 1 else 'Gebiete'} mit gesperrtem Wert (Geheimhaltung): "
            "berechnet nur aus veröffentlichten Werten.")


#: The legend of the Lorenz curves: the curve of the Gemeinden counts every Mitgliedsgemeinde
#: of a Samtgemeinde on its own (23 in Musterland), unlike the Theil table, which groups by the
#: 11 Städte, Einheits- und Samtgemeinden: the words say which set is counted.
LORENZ_LABELS = {"sozialraum": "Sozialräume der Städte",
                 "gemeinde": "Gemeinden einzeln (Städte, Einheits- und Mitgliedsgemeinden)"}


def lorenz_figure(district: District, year: int | None = None, indicator: str = "sgb2_quote"):
    """Figure: population-weighted Lorenz curves of an indicator's numerator (e.g. SGB II
    recipients) over the Sozialräume and over the Städte und Gemeinden, Gini in the legend;
    from the published values (areas whose value is suppressed are left out, counted below)."""
    year = int(year or district.report_year)
    res = rates(district, indicator, year)
    res = res.assign(level=res["level"].astype(str))
    locked = res[res["status"].astype(str) != ""]
    res = res[res["status"].astype(str) == ""]
    labels = LORENZ_LABELS
    colors = {"sozialraum": "#c8372d", "gemeinde": "#3b6ea8"}
    fig, ax = plt.subplots(figsize=(6.2, 5.2))
    ax.plot([0, 1], [0, 1], color="#999999", linewidth=0.9, linestyle="--", label="Gleichverteilung")
    gone = res[res["reason"].astype(str) != ""] if "reason" in res.columns else res.iloc[:0]
    if len(gone):  # computed over the complete areas only: say which are left out
        names = ", ".join(dict.fromkeys(district.name_of(str(a)) for a in gone["area_id"]))
        ax.annotate(f"Ohne Gebiete mit fehlenden Daten: {names}", (0.0, -0.2), xycoords="axes fraction",
                    fontsize=7, color="#555555", va="top")
    if len(locked):
        ax.annotate(_left_out_text(int(locked["area_id"].nunique())), (0.0, -0.26), xycoords="axes fraction",
                    fontsize=7, color="#555555", va="top")
    for level in ("sozialraum", "gemeinde"):
        sub = res[(res["level"] == level) & res["value"].notna()]
        g = disparity.gini(sub, "value", "denominator")
        lc = disparity.lorenz(sub, "value", "denominator")
        ax.plot(lc["p"], lc["L"], color=colors[level], linewidth=1.8, marker="o", markersize=2.5,
                label=f"{labels[level]} ({len(sub)}): Gini {fmt.num(g, 2)}")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    _percent_axis(ax)
    name = _short(indicator)
    ax.set_xlabel("Anteil an der Bevölkerung (kumuliert, Gebiete nach Quote sortiert)")
    ax.set_ylabel(f"Anteil an den Betroffenen ({name}, kumuliert)")
    ax.set_title(f"Lorenzkurven: {name}, {year}", fontsize=10)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ginis = [ln.get_label() for ln in ax.get_lines() if "Gini" in ln.get_label()]
    figures.note(ax, "je weiter eine Kurve unter der Diagonalen liegt, desto ungleicher verteilt; " + "; ".join(ginis))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(color="#e5e5e5", linewidth=0.6)
    return figures.finish(fig)


def theil_units(shares: pd.DataFrame) -> str:
    """German phrase naming the areas a Theil decomposition covers
    (:func:`sozialanalyse.protected.monitoring.theil`), e.g. "56 kleinste Gebiete
    (36 Sozialräume, 16 Mitgliedsgemeinden und 4 Gemeinden ohne Sozialräume)"."""
    a = shares.attrs
    parts = [f"{fmt.num(k)} {unit}" for unit, k in a["unit_counts"].items()]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " und " + parts[-1]
    if a["over"] == "sozialraum":
        towns = "einer Stadt" if a["n_groups"] == 1 else f"{fmt.num(a['n_groups'])} Städten"
        return f"{fmt.num(a['n_areas'])} Sozialräume in {towns}"
    return f"{fmt.num(a['n_areas'])} kleinste Gebiete ({listed})"


def theil_table(district: District, year: int | None = None, indicator: str = "sgb2_quote"):
    """Table: Wie viel der Ungleichheit liegt zwischen und wie viel innerhalb der Städte und
    Gemeinden (Theil T over the base areas, shares in %); the caption and footnote name the
    areas, and the footnote gives the between share over the Sozialräume alone beside it.
    Computed from the published values: areas whose value is suppressed are left out and
    counted in a footnote."""
    year = int(year or district.report_year)
    sh = theil(district, year, indicator)
    rows = [
        {"Teil der Ungleichheit": "zwischen den Städten, Einheits- und Samtgemeinden", "Theil T": fmt.num(sh.loc["between", "theil"], 4),
         "Anteil": fmt.pct(sh.loc["between", "share"])},
        {"Teil der Ungleichheit": "innerhalb der Städte, Einheits- und Samtgemeinden", "Theil T": fmt.num(sh.loc["within", "theil"], 4),
         "Anteil": fmt.pct(sh.loc["within", "share"])},
    ]
    for part in [p for p in sh.index if p.startswith("within:")]:
        muni = part.split(":", 1)[1]
        k = int(sh.loc[part, "n_areas"])
        unit = "Sozialräume" if district.area(muni)["kind"] == "Stadt" else "Mitgliedsgemeinden"
        rows.append({"Teil der Ungleichheit": f"– davon innerhalb {district.name_of(muni)} ({k} {unit})",
                     "Theil T": fmt.num(sh.loc[part, "theil"], 4), "Anteil": fmt.pct(sh.loc[part, "share"])})
    rows.append({"Teil der Ungleichheit": "insgesamt", "Theil T": fmt.num(sh.loc["total", "theil"], 4),
                 "Anteil": fmt.pct(100)})
    df = pd.DataFrame(rows)
    name = _short(indicator)
    notes = [f"Theil-Index T der {name} über {theil_units(sh)}, gewichtet mit der Bezugsbevölkerung, "
             f"zerlegt nach {fmt.num(sh.attrs['n_groups'])} Städten, Einheits- und Samtgemeinden. 0 bedeutet: "
             "überall dieselbe Quote. Der Teil »zwischen« entsteht, weil sich die Quoten der "
             "Gemeinden unterscheiden, der Teil »innerhalb« durch Unterschiede in den Gemeinden."]
    if sh.attrs["left_out"]:  # computed over the complete areas only: say which are left out
        k = len(sh.attrs["left_out"])
        notes.append(f"Ohne {fmt.num(k)} {'Gebiet' if k == 1 else 'Gebiete'} mit fehlenden Daten („fehlt“): "
                     + ", ".join(sh.attrs["left_out_names"]) + ".")
    if sh.attrs["suppressed"]:
        notes.append(_left_out_text(len(sh.attrs["suppressed"])))
    sr = sh.attrs["unit_counts"].get("Sozialräume", 0)
    if 0 < sr < sh.attrs["n_areas"]:
        try:
            so = theil(district, year, indicator, over="sozialraum")
        except ValueError:
            so = None
        if so is not None and so.attrs["n_groups"] > 1:
            notes.append(f"Der Anteil »zwischen« hängt davon ab, welche Gebiete verglichen werden: nur über die "
                         f"{theil_units(so)} gerechnet, liegen {fmt.pct(so.loc['between', 'share'])} der "
                         "Ungleichheit zwischen den Städten.")
    return table(df, caption=f"Wie viel der Ungleichheit ({name}, {year}) liegt zwischen und wie viel "
                             f"innerhalb der {fmt.num(sh.attrs['n_groups'])} Städte, Einheits- und "
                             f"Samtgemeinden? Berechnet über {theil_units(sh)}",
                 footnotes=notes, align_right=["Theil T", "Anteil"],
                 kinds={"Teil der Ungleichheit": "text", "Theil T": "index", "Anteil": "index"})


_LISA_COLORS = {"Hoch-Hoch": "#c8372d", "Niedrig-Niedrig": "#2c7bb6", "Hoch-Niedrig": "#f5a25d",
                "Niedrig-Hoch": "#9ecae1", "nicht signifikant": "#f0f0f0"}
_LISA_TEXT = {"Hoch-Hoch": "Hoch-Hoch: hohe Quote, Nachbarn ebenfalls hoch",
              "Niedrig-Niedrig": "Niedrig-Niedrig: niedrige Quote, Nachbarn ebenfalls niedrig",
              "Hoch-Niedrig": "Hoch-Niedrig: hohe Quote inmitten niedriger",
              "Niedrig-Hoch": "Niedrig-Hoch: niedrige Quote inmitten hoher",
              "nicht signifikant": "kein signifikantes Muster"}


def _lisa(district: District, year: int, indicator: str, seed: int, permutations: int, alpha: float):
    """The published base-area rates of ``indicator`` (:func:`base_rates`), the areas with their
    local Moran's I cluster (column ``cluster``) and the global Moran's I: what the static and
    the interactive cluster maps draw."""
    base = base_rates(district, indicator, year)
    gdf = district.geometry.merge(base[["area_id", "value"]], on="area_id", how="inner").reset_index(drop=True)
    with warnings.catch_warnings():  # tqdm (imported by the pysal stack) warns about IProgress
        warnings.filterwarnings("ignore", message=".*IProgress.*")
        w = spatial.contiguity_weights(gdf)
        loc = spatial.lisa(gdf, "value", w=w, permutations=permutations, seed=seed, alpha=alpha)
        glob = spatial.moran(gdf, "value", w=spatial.contiguity_weights(gdf), permutations=permutations,
                             seed=seed)
    gdf["cluster"] = loc["cluster"].to_numpy()
    return base, gdf, glob


def lisa_map_interactive(district: District, year: int | None = None, indicator: str = "sgb2_quote",
                         seed: int = 12345, permutations: int = 999, alpha: float = 0.05):
    """The map of :func:`lisa_map` as an interactive map (:func:`sozialanalyse.render.maps.svg_map`):
    each base area with its published rate and its local cluster in the tooltip; areas left out
    (suppressed or missing input) carry no value and no cluster."""
    year = int(year or district.report_year)
    base, gdf, glob = _lisa(district, year, indicator, seed, permutations, alpha)
    geo = district.geometry
    shapes = geo[geo["area_id"].isin(base_areas(district.areas)["area_id"])].reset_index(drop=True)
    cluster = dict(zip(gdf["area_id"], gdf["cluster"]))
    value = dict(zip(gdf["area_id"], gdf["value"]))
    locked = base.attrs.get("suppressed")
    locked_ids = set(locked["area_id"].astype(str)) if locked is not None else set()
    cat = indicators.catalog(indicators.district_catalog(district)).set_index("id")
    unit = str(cat.loc[indicator, "unit"]) if indicator in cat.index else None
    rows, fills = [], []
    for a, name in zip(shapes["area_id"].astype(str), shapes["name"]):
        c = cluster.get(a)
        status = "primary" if a in locked_ids else ""
        shown = c is not None and not status
        rows.append({"name": str(name), "area_id": a,
                     "value": fmt.num(value[a], 1, unit) if shown else None,
                     "class": (_LISA_TEXT[c] if shown else "gesperrt (Geheimhaltung)" if status
                               else "fehlt (nicht berechnet)"), "status": status})
        fills.append(_LISA_COLORS[c] if shown else None)
    legend = [(_LISA_COLORS[c], _LISA_TEXT[c]) for c in _LISA_COLORS] + [(None, "gesperrt oder fehlt (nicht berechnet)")]
    kinds = {"name": "text", "area_id": "text", "value": "rate", "class": "text", "status": "text"}
    p = "p < 0,001" if glob.p_sim < 0.001 else f"p = {fmt.num(glob.p_sim, 3)}"
    return maps.svg_map(shapes, rows, fills, kinds,
                        f"Räumliche Cluster der {_short(indicator)}, {year} (Moran's I = {fmt.num(glob.I, 2)}, {p})",
                        legend, labels={"value": _short(indicator), "class": f"Lokales Cluster (p ≤ {fmt.num(alpha, 2)})"},
                        outlines=geo[geo["kind"].isin(["Stadt", "Einheitsgemeinde", "Samtgemeinde"])])


def lisa_map(district: District, year: int | None = None, indicator: str = "sgb2_quote",
             seed: int = 12345, permutations: int = 999, alpha: float = 0.05):
    """Map: local Moran's I clusters of an indicator over all base areas of the district
    (Queen contiguity, permutation test with a fixed seed); Moran's I in the title. From the
    published values: areas whose value is suppressed are left out (hatched, counted in the
    legend) and are nobody's neighbour."""
    year = int(year or district.report_year)
    base, gdf, glob = _lisa(district, year, indicator, seed, permutations, alpha)
    geo = district.geometry
    fig, ax = plt.subplots(figsize=(6.5, 8.0))
    present = []
    for cls, color in _LISA_COLORS.items():
        part = gdf[gdf["cluster"] == cls]
        if len(part):
            part.plot(ax=ax, color=color, edgecolor="white", linewidth=0.6, zorder=2)
            present.append(cls)
    gone = base.attrs.get("left_out")
    gone_ids = set(gone["area_id"].astype(str)) if gone is not None else set()
    if gone_ids:  # left out for missing data: drawn hatched and named, not a blank hole
        geo[geo["area_id"].astype(str).isin(gone_ids)].plot(ax=ax, facecolor="white", edgecolor="#999999",
                                                            hatch="///", linewidth=0.6, zorder=2)
    locked = base.attrs.get("suppressed")
    locked_ids = set(locked["area_id"].astype(str)) if locked is not None else set()
    if locked_ids:  # suppressed: not computed, drawn hatched like missing values
        geo[geo["area_id"].astype(str).isin(locked_ids)].plot(ax=ax, facecolor="white", edgecolor="#999999",
                                                              hatch="\\\\", linewidth=0.6, zorder=2)
    munis = geo[geo["kind"].isin(["Stadt", "Einheitsgemeinde", "Samtgemeinde"])]
    munis.plot(ax=ax, facecolor="none", edgecolor="#888888", linewidth=0.7, zorder=3)
    towns = [a for a in district.municipalities()["area_id"]
             if (district.children(a)["kind"] == "Sozialraum").any()]
    _town_outlines(district, towns, ax)
    handles = [Patch(color=_LISA_COLORS[c], label=_LISA_TEXT[c]) for c in _LISA_COLORS if c in present]
    handles.append(Patch(facecolor="none", edgecolor="#222222", linewidth=1.4, label="Stadt mit Sozialräumen"))
    if gone_ids:
        names = ", ".join(f"{district.name_of(a)} ({district.name_of(m)})"
                          for a, m in sorted(zip(gone["area_id"].astype(str), gone["muni"].astype(str))))
        handles.append(Patch(facecolor="white", edgecolor="#999999", hatch="///",
                             label=f"fehlt (Eingangsdaten unvollständig, nicht berechnet): {names}"))
    if locked_ids:
        k = len(locked_ids)
        handles.append(Patch(facecolor="white", edgecolor="#999999", hatch="\\\\",
                             label=f"gesperrt (Geheimhaltung, nicht berechnet): {fmt.num(k)} "
                                   f"{'Gebiet' if k == 1 else 'Gebiete'}"))
    handles.append(Line2D([], [], linestyle="", label=f"{len(gdf)} kleinste Gebiete; Nachbarn: gemeinsame Grenze"))
    handles.append(Line2D([], [], linestyle="", label=f"oder Ecke; {fmt.num(permutations)} Permutationen, Startwert {seed}"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), frameon=False,
              ncol=1, title=f"Lokale Cluster (p ≤ {fmt.num(alpha, 2)})", title_fontsize=9)
    p = "p < 0,001" if glob.p_sim < 0.001 else f"p = {fmt.num(glob.p_sim, 3)}"
    ax.set_title(f"Räumliche Cluster der {_short(indicator)}, {year} (Moran's I = {fmt.num(glob.I, 2)}, {p})",
                 fontsize=10)
    ax.set_axis_off()
    ax.set_aspect("equal")
    found = [f"{c}: {int((gdf['cluster'] == c).sum())} Gebiete" for c in _LISA_COLORS if c in present]
    figures.note(ax, f"{len(gdf)} kleinste Gebiete; " + ("; ".join(found) if found else "keine Cluster"))
    return figures.finish(fig)


def robustness_table(district: District, year: int | None = None):
    """Table: how many Sozialräume change their status class (and their combined status /
    dynamics class) when one indicator at a time is left out (over the published rates: see
    :func:`published_monitoring`). The numbers count areas, not persons (columns ``text``)."""
    m = published_monitoring(district, year)
    if len(m.status) < 2:
        return note("Die Robustheitsprüfung braucht mindestens zwei Statuskennzahlen.")
    st, gi = robustness(district, m.year)
    rows = []
    for i in m.status:
        s, g = st.summary.loc[i], gi.summary.loc[i]
        rows.append({"ohne Kennzahl": _short(i),
                     "Statusklasse wechselt": f"{fmt.num(s['changed'])} von {fmt.num(s['compared'])} "
                                               f"({fmt.pct(100 * s['share_changed'], 0)})",
                     "Status- oder Dynamikklasse wechselt": f"{fmt.num(g['changed'])} von {fmt.num(g['compared'])} "
                                                             f"({fmt.pct(100 * g['share_changed'], 0)})"})
    df = pd.DataFrame(rows)
    return table(df, caption="Wie stabil sind die Klassen? Sozialräume, die ohne eine Kennzahl die Klasse wechseln",
                 footnotes=["Jede Statuskennzahl wird einmal weggelassen und die Klassen werden mit den übrigen "
                            "neu berechnet. Wenige Wechsel: Die Einordnung hängt nicht an einer einzelnen Kennzahl."],
                 align_right=[c for c in df.columns if c != "ohne Kennzahl"],
                 kinds={c: "text" for c in df.columns})
