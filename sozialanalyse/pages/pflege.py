"""The page Pflege (``notebooks/pflege.ipynb``): care recipients, care projection and the
distance to a Pflegestützpunkt.

Floor: pages. Arranges the results of :mod:`sozialanalyse.stats.care` (projection),
:mod:`sozialanalyse.stats.access` (distances) and the care counts into German text, tables
and matplotlib figures.

Methods (stated on the page as well):

* **Care projection**: cohort-component projection per municipality (Kreis survival rates by
  age and sex, fertility per municipality, net migration by age and sex as the residual of the
  last five years), then the care need with the scenarios of
  :func:`sozialanalyse.stats.projection.care_need` (:func:`sozialanalyse.stats.care.care_projection`).
* **Distance to a Pflegestützpunkt**: straight-line distance from the representative point of
  each base area to the nearest Pflegestützpunkt, weighted with the area's population aged 80+
  (:func:`sozialanalyse.stats.access.facility_distance`).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..model.areas import age_groups_between, base_areas
from ..render import figures, fmt
from ..render.figures import finish, style
from ..render.tables import md_escape, table, text
from ..stats import indicators
from ..stats.access import base_area_distances, facility_distance
from ..stats.aggregate import area_names, level_ids, report_year, sum_counts, wide_sum
from ..stats.care import TREND_CAP, care_projection
from ..stats.health import wilson_ci
from ..stats.projection import CARE_TYPE_LABELS
from .common import indicator_maps, left_out_note, muni_shapes, span

__all__ = [
    "care_by_age",
    "care_intro",
    "care_projection_kreis",
    "care_projection_method",
    "care_projection_municipalities",
    "care_projection_table",
    "care_table",
    "indicator_maps",
    "psp_map",
    "psp_table",
]

CARE_COLORS = {"pflegegeld": "#7fb3a3", "ambulant": "#2a7f62", "stationaer": "#1f3b73"}


SCENARIO_SHORT = {"status_quo": "Status quo", "compression": "Kompression", "trend": "Trend"}


# ---------------------------------------------------------------------------------------------
# care recipients today
# ---------------------------------------------------------------------------------------------


def care_intro(district, year: int | None = None):
    """A German paragraph: care recipients by type, share cared for at home, Pflegequote."""
    year = report_year(district, year)
    c = sum_counts(district, "pflegebeduerftige", "kreis", [year], by=["type"]).set_index("type")["value"]
    # skipna=False: absent rows (NaN, _sum) make the total missing, never a smaller sum or a 0
    pop = float(sum_counts(district, "einwohner", "kreis", [year])["value"].sum(skipna=False))
    total = float(c.sum(skipna=False)) if len(c) else float("nan")
    if not np.isfinite(total) or total <= 0:
        why = "Eingangsdaten unvollständig" if not np.isfinite(total) else "keine Pflegebedürftigen in den Daten"
        return text(f"Die Zahl der Pflegebedürftigen am 15.12.{year} im {md_escape(district.name)} "
                    f"{fmt.ABSENT} ({why}; sie wird nicht aus unvollständigen Daten berechnet).")
    home = float(c.get("pflegegeld", 0) + c.get("ambulant", 0))
    share = (f"das sind {fmt.pct(100 * total / pop)} der Bevölkerung" if np.isfinite(pop) and pop > 0
             else f"(Anteil an der Bevölkerung: {fmt.ABSENT}, Eingangsdaten unvollständig)")
    parts = [(f"Am 15.12.{year} waren im {md_escape(district.name)} **{fmt.num(total)}** Menschen "
             f"pflegebedürftig nach SGB XI{',' if np.isfinite(pop) and pop > 0 else ''} {share}. "
             f"**{fmt.pct(100 * home / total)}** von ihnen werden zu Hause versorgt: ")]
    parts.append(", ".join(f"{fmt.num(c.get(t, 0))} {lab_}" for t, lab_ in (
        ("pflegegeld", "allein durch Angehörige (nur Pflegegeld)"),
        ("ambulant", "mit einem ambulanten Pflegedienst"))) + "; ")
    parts.append(f"{fmt.num(c.get('stationaer', 0))} leben in einem Pflegeheim ({CARE_TYPE_LABELS['stationaer']}).")
    return text("".join(parts))


def care_by_age(district, year: int | None = None):
    """Figure: care recipients by age band and type (left) and the Pflegequote by age and sex."""
    year = report_year(district, year)
    c = sum_counts(district, "pflegebeduerftige", "kreis", [year], by=["age_group", "sex", "type"])
    pop = sum_counts(district, "einwohner", "kreis", [year], by=["age_group", "sex"])
    bands = ["unter 60", *age_groups_between(60)]
    young = set(age_groups_between(0, 59))
    c["band"] = np.where(c["age_group"].isin(young), "unter 60", c["age_group"])
    pop["band"] = np.where(pop["age_group"].isin(young), "unter 60", pop["age_group"])
    wide = wide_sum(c, "band", "type").reindex(bands)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    left = np.zeros(len(bands))
    x = np.arange(len(bands))
    for t in ("pflegegeld", "ambulant", "stationaer"):
        v = wide.get(t, pd.Series(0.0, index=wide.index)).to_numpy()
        ax1.bar(x, v, bottom=left, color=CARE_COLORS[t], label=CARE_TYPE_LABELS[t][:1].upper() + CARE_TYPE_LABELS[t][1:]
                if t != "pflegegeld" else "Pflegegeld (nur Angehörige)")
        left += v
    ax1.set_xticks(x, [b.replace("90+", "90 +") for b in bands], rotation=45, ha="right")
    ax1.yaxis.set_major_formatter(fmt.axis_formatter())
    ax1.set_xlabel("Altersgruppe (Jahre)")
    ax1.set_ylabel("Pflegebedürftige")
    ax1.set_title(f"Pflegebedürftige nach Alter und Versorgungsart, {year}", fontsize=10)
    ax1.legend(frameon=False, fontsize=8)
    style(ax1, "y")
    cs = c.groupby(["band", "sex"])["value"].agg(lambda v: v.sum(skipna=False))
    ps = pop.groupby(["band", "sex"])["value"].agg(lambda v: v.sum(skipna=False))
    for sex in ("w", "m"):
        num = cs.xs(sex, level="sex").reindex(bands)
        den = ps.xs(sex, level="sex").reindex(bands)
        lo, hi = wilson_ci(num.to_numpy(), den.to_numpy())
        ax2.plot(x, 100 * num / den, marker="o", markersize=3, color=figures.PALETTE[sex], label=figures.SEX_LABELS[sex])
        ax2.fill_between(x, 100 * lo, 100 * hi, color=figures.PALETTE[sex], alpha=0.15, linewidth=0)
    ax2.set_xticks(x, bands, rotation=45, ha="right")
    ax2.yaxis.set_major_formatter(fmt.axis_formatter(0, "%"))
    ax2.set_xlabel("Altersgruppe (Jahre)")
    ax2.set_ylabel("Pflegebedürftige je 100 Einwohner")
    ax2.set_title(f"Pflegequote nach Alter und Geschlecht, {year}", fontsize=10)
    ax2.legend(frameon=False, fontsize=8)
    style(ax2, "y")
    return finish(fig)


def care_table(district, year: int | None = None):
    """Table: care recipients by type, share at home and Pflegequote per municipality and Kreis."""
    year = report_year(district, year)
    ids = level_ids(district, "gemeindeverband") + [district.kreis["area_id"]]
    c = pd.concat([sum_counts(district, "pflegebeduerftige", lv, [year], by=["type"]) for lv in ("gemeindeverband", "kreis")])
    wide = wide_sum(c, "area_id", "type")
    res = indicators.compute(district, ["pflegequote", "pflegequote_80plus", "anteil_haeusliche_pflege"],
                             level=["gemeindeverband", "kreis"], years=[year])
    res["area_id"] = res["area_id"].astype(str)
    res["indicator"] = res["indicator"].astype(str)
    val = res.set_index(["area_id", "indicator"])
    names = area_names(district)
    rows = []
    for a in ids:
        w = wide.loc[a] if a in wide.index else pd.Series(dtype=float)
        def cell(i, a=a):
            return fmt.pct(val.loc[(a, i), "value"]) if (a, i) in val.index else fmt.MISSING
        rows.append({
            "Gebiet": names[a],
            "Pflegebedürftige": fmt.num(w.sum(skipna=False) if len(w) else float("nan")),
            "nur Pflegegeld": fmt.num(w.get("pflegegeld", 0)),
            "ambulant": fmt.num(w.get("ambulant", 0)),
            "stationär": fmt.num(w.get("stationaer", 0)),
            "häusliche Pflege": cell("anteil_haeusliche_pflege"),
            "Pflegequote": cell("pflegequote"),
            "Pflegequote ab 80": cell("pflegequote_80plus"),
        })
    df = pd.DataFrame(rows)
    return table(df, caption=f"Pflegebedürftige nach Versorgungsart, 15.12.{year}",
                 footnotes=[("Häusliche Pflege: Pflegegeld (Versorgung allein durch Angehörige) oder ambulanter "
                            "Pflegedienst. Pflegequote: Pflegebedürftige je 100 Einwohner (ab 80: je 100 Einwohner "
                            "ab 80 Jahren). In Klammern: 95-%-Intervall nach Wilson.")],
                 align_right=[col for col in df.columns if col != "Gebiet"])


# ---------------------------------------------------------------------------------------------
# care projection
# ---------------------------------------------------------------------------------------------


def _care_totals(p: dict) -> pd.DataFrame:
    """Recipients summed over the types per area, year: scenarios and their band (``lower`` / ``upper``:
    the smallest and largest scenario)."""
    c = p["care"]
    cols = ["status_quo", "compression", "trend"]
    # skipna=False: a municipality with unknown care need (p["care_absent"]) stays NaN, not 0
    return c.groupby(["area_id", "name", "year"], as_index=False)[cols].agg(lambda v: v.sum(skipna=False)).assign(
        lower=lambda t: t[cols].min(axis=1), upper=lambda t: t[cols].max(axis=1))


def care_projection_method(district, year: int | None = None, end_year: int = 2040):
    """German text: how the projection was made and what the scenarios assume."""
    p = care_projection(district, year, end_year)
    tr = p["trend"]
    types = (("pflegegeld", "Pflegegeld"), ("ambulant", "ambulant"), ("stationaer", "stationär"))
    trend_text = ", ".join(f"{lab} {fmt.signed(100 * tr.get(t, 0), 1)} %" for t, lab in types)
    return text(
        f"**So wurde gerechnet.** Die Bevölkerung jeder Stadt, Gemeinde und Samtgemeinde wird vom 31.12.{p['year']} "
        f"an Jahr für Jahr bis {p['end_year']} fortgeschrieben (Kohorten-Komponenten-Methode): Sterbewahrscheinlichkeiten "
        f"des Landkreises nach Alter und Geschlecht, Geburten je Frau von 15 bis 49 Jahren der jeweiligen Gemeinde und "
        f"Wanderungsgewinne bzw. -verluste nach Alter und Geschlecht, wie sie sich im Mittel der Jahre "
        f"{span(p['years'])} ergeben haben. Auf die fortgeschriebene Bevölkerung werden die Pflegequoten nach Alter, "
        f"Geschlecht und Versorgungsart von {p['year']} angewandt (für jede Gemeinde so angepasst, dass sie ihre "
        f"heutige Zahl trifft). Drei Szenarien spannen das Band auf:\n\n"
        f"- **Status quo**: Die Pflegequoten bleiben, wie sie {p['year']} waren.\n"
        f"- **Kompression**: Pflegebedürftigkeit tritt je Jahrzehnt ein Jahr später im Leben ein.\n"
        f"- **Trend**: Die altersbereinigten Pflegequoten ändern sich weiter wie in den Jahren {span(p['years'])} "
        f"(angesetzt je Jahr: {trend_text}). {_care_cap_text(p, types)}\n\n"
        "Eine Vorausberechnung ist keine Vorhersage: Sie zeigt, was unter diesen Annahmen folgt."
        + "".join(f"\n\n{md_escape(n)}" for n in _care_gap_notes(district, p, marks=False)))


def _care_cap_footnote(p: dict) -> str:
    """German footnote: the trend scenario's cap and the care types at it."""
    cap = fmt.num(100 * TREND_CAP, 0 if float(100 * TREND_CAP).is_integer() else 1)
    labels = {"pflegegeld": "Pflegegeld", "ambulant": "ambulante Pflege", "stationaer": "stationäre Pflege"}
    hit = [lab for t, lab in labels.items() if p["trend_capped"].get(t)]
    return (f"Szenario Trend: jährliche Veränderung der Pflegequoten höchstens ±{cap} %; "
            + (f"an dieser Grenze: {', '.join(hit)}." if hit else "keine Versorgungsart an dieser Grenze."))


def _care_cap_text(p: dict, types) -> str:
    """German sentences: the trend scenario's cap and which care types reached it."""
    cap = fmt.num(100 * TREND_CAP, 0 if float(100 * TREND_CAP).is_integer() else 1)
    text = f"Die jährliche Veränderung ist in diesem Szenario auf höchstens ±{cap} % begrenzt"
    hit = [(t, lab) for t, lab in types if p["trend_capped"].get(t)]
    if not hit:
        return text + "; keine Versorgungsart erreicht diese Grenze."
    labels = [lab for _, lab in hit]
    which = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " und " + labels[-1]
    observed = " bzw. ".join(f"{fmt.signed(100 * p['trend_observed'][t], 1)} %" for t, _ in hit)
    verb = "erreichen" if len(hit) > 1 else "erreicht"
    return (f"{text}. {which} {verb} diese Grenze (beobachtet {observed} je Jahr): Das Szenario rechnet "
            "dort mit dem Grenzwert, nicht mit der beobachteten Entwicklung.")


def care_projection_kreis(district, year: int | None = None, end_year: int = 2040):
    """Figure: observed care recipients of the Kreis and the projection band to ``end_year``."""
    p = care_projection(district, year, end_year)
    t = _care_totals(p)
    k = t[t["area_id"] == "Insgesamt"].sort_values("year")
    h = p["history"]
    h = h[h["area_id"] == "Insgesamt"].sort_values("year")
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(h["year"], h["value"], color="#333333", marker="o", markersize=3, label="Pflegebedürftige (Statistik)")
    ax.fill_between(k["year"], k["lower"], k["upper"], color=figures.PALETTE["area"], alpha=0.2, linewidth=0,
                    label="Spannweite der Szenarien")
    styles = {"status_quo": "-", "compression": "--", "trend": ":"}
    for s, ls in styles.items():
        ax.plot(k["year"], k[s], color=figures.PALETTE["area"], linestyle=ls, linewidth=1.4, label=SCENARIO_SHORT[s])
    last = k.iloc[-1]
    ax.annotate(f"{p['end_year']}: {fmt.num(last['lower'], 0)} bis {fmt.num(last['upper'], 0)}",
                (last["year"], last["upper"]), xytext=(-8, 0), textcoords="offset points", ha="right",
                va="center", fontsize=8)
    ax.yaxis.set_major_formatter(fmt.axis_formatter())
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_ylabel("Pflegebedürftige")
    ax.set_ylim(bottom=0)
    ax.set_title(f"Pflegebedürftige im {district.name}: Entwicklung und Vorausberechnung bis {p['end_year']}"
                 + _without_title(district, p), fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    style(ax, "y")
    return finish(fig)


def care_projection_municipalities(district, year: int | None = None, end_year: int = 2040):
    """Figure: small multiples per municipality, care recipients observed and projected (band)."""
    p = care_projection(district, year, end_year)
    t = _care_totals(p)
    h = p["history"]
    ids = level_ids(district, "gemeindeverband")
    names = area_names(district)
    ncol = 4
    nrow = int(np.ceil(len(ids) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(10, 2.2 * nrow), squeeze=False)
    for ax, a in zip(axes.flat, ids):
        k = t[t["area_id"] == a].sort_values("year")
        hh = h[h["area_id"] == a].sort_values("year")
        # population incomplete, or population projected but the care need unknown: "fehlt", no line
        what = ("Einwohnerzahlen" if a in p.get("absent", []) else
                "Pflegebedürftige" if a in p.get("care_absent", []) else None)
        if what:
            ax.set_title(names[a], fontsize=8.5)
            ax.text(0.5, 0.5, f"fehlt\n({what}\nunvollständig)", transform=ax.transAxes, ha="center",
                    va="center", fontsize=8, color="#555555")
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        ax.plot(hh["year"], hh["value"], color="#333333", linewidth=1.2)
        ax.fill_between(k["year"], k["lower"], k["upper"], color=figures.PALETTE["area"], alpha=0.25, linewidth=0)
        ax.plot(k["year"], k["status_quo"], color=figures.PALETTE["area"], linewidth=1.2)
        ax.set_title(names[a], fontsize=8.5)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(fmt.axis_formatter())
        ax.xaxis.set_major_locator(plt.MaxNLocator(3, integer=True))
        ax.tick_params(labelsize=7)
        style(ax, "y")
    for ax in list(axes.flat)[len(ids):]:
        ax.set_axis_off()
    fig.suptitle(f"Pflegebedürftige je Stadt, Gemeinde und Samtgemeinde: Statistik (schwarz), Status quo "
                 f"(Linie) und Spannweite der Szenarien (Band) bis {p['end_year']}", fontsize=9)
    return finish(fig)


def care_projection_table(district, year: int | None = None, end_year: int = 2040):
    """Table: people aged 80+ and care recipients today, 2030 and ``end_year`` per municipality."""
    p = care_projection(district, year, end_year)
    t = _care_totals(p).set_index(["area_id", "year"])
    pop = p["population"]
    old = pop[pop["age_group"].isin(age_groups_between(80))].groupby(["area_id", "year"])["population"].sum()
    y0, ye = p["year"], p["end_year"]
    mid = 2030 if y0 < 2030 < ye else (y0 + ye) // 2
    names = area_names(district)
    rows = []
    absent = p.get("absent", [])
    care_absent = p.get("care_absent", [])
    for a in [*level_ids(district, "gemeindeverband"), "Insgesamt"]:
        if a in absent:
            gone = f"{fmt.ABSENT} ²"
            rows.append({"Gebiet": names[a], f"Einwohner ab 80, {y0} → {ye}": gone, f"Pflegebedürftige {y0}": gone,
                         f"{mid}": gone, f"{ye}": gone, f"{ye}, Spannweite": gone, f"Veränderung bis {ye}": gone})
            continue
        if a in care_absent:  # population projected, care need unknown: "fehlt", never 0
            gone = f"{fmt.ABSENT} ²"
            rows.append({"Gebiet": names[a],
                         f"Einwohner ab 80, {y0} → {ye}": f"{fmt.num(old.loc[(a, y0)])} → {fmt.num(old.loc[(a, ye)])}",
                         f"Pflegebedürftige {y0}": gone, f"{mid}": gone, f"{ye}": gone, f"{ye}, Spannweite": gone,
                         f"Veränderung bis {ye}": gone})
            continue
        now = t.loc[(a, y0), "status_quo"]
        end = t.loc[(a, ye)]
        rows.append({
            "Gebiet": names.get(a, district.name) + (" ³" if a == "Insgesamt" and (absent or care_absent) else ""),
            f"Einwohner ab 80, {y0} → {ye}": f"{fmt.num(old.loc[(a, y0)])} → {fmt.num(old.loc[(a, ye)])}",
            f"Pflegebedürftige {y0}": fmt.num(now),
            f"{mid}": fmt.num(t.loc[(a, mid), "status_quo"], 0),
            f"{ye}": fmt.num(end["status_quo"], 0),
            f"{ye}, Spannweite": f"{fmt.num(end['lower'], 0)} – {fmt.num(end['upper'], 0)}",
            f"Veränderung bis {ye}": fmt.signed(100 * (end["status_quo"] / now - 1), 0, "%"),
        })
    df = pd.DataFrame(rows)
    return table(df, caption=f"Vorausberechnung der Zahl der Pflegebedürftigen bis {ye}",
                 footnotes=[("Spannweite: kleinster und größter Wert der Szenarien Status quo, Kompression und "
                            "Trend. Gerundete Modellwerte; Annahmen siehe oben."),
                            _care_cap_footnote(p), *_care_gap_notes(district, p)],
                 align_right=[c for c in df.columns if c != "Gebiet"])


def _care_gap_notes(district, p: dict, marks: bool = True) -> list[str]:
    """German footnotes (plain text) of the care projection: the municipalities not projected
    ("fehlt": population or care rows absent) and the base areas the Kreis rates leave out; []
    when the inputs are complete."""
    names = area_names(district)
    notes = []
    absent, care_absent = p.get("absent", []), p.get("care_absent", [])
    which = ", ".join(names[a] for a in absent)
    which_care = ", ".join(names[a] for a in care_absent)
    if absent:
        notes.append(("² fehlt: " if marks else "Nicht vorausberechnet: ") + f"{which}; Einwohnerzahlen der Jahre "
                     f"{span(p['years'])} unvollständig (nicht aus unvollständigen Daten berechnet).")
    if care_absent:
        notes.append(("² fehlt: " if marks else "Pflegebedürftige nicht vorausberechnet: ") + f"{which_care}; "
                     f"Zahl der Pflegebedürftigen {p['year']} unvollständig (nicht aus unvollständigen Daten "
                     "berechnet, keine 0).")
    if absent:
        notes.append(("³ " if marks else "") + f"{district.name} insgesamt ohne {which}, "
                     "weil dort Eingangsdaten (Einwohner) fehlen.")
    if care_absent:
        notes.append(("³ " if marks else "") + f"Pflegebedürftige im {district.name} insgesamt ohne {which_care}, "
                     "weil dort Eingangsdaten (Pflegebedürftige) fehlen.")
    note = left_out_note(district, p.get("left_out", []), "Sterbe- und Pflegequoten des Landkreises:",
                         variables=("einwohner", "sterbefaelle", "pflegebeduerftige"))
    if note:
        notes.append(note)
    return notes


def _without_title(district, p: dict) -> str:
    """Second title line of a Kreis care chart: the municipalities left out and why; "" when none."""
    names = area_names(district)
    parts = []
    if p.get("absent"):
        parts.append(f"{', '.join(names[a] for a in p['absent'])} (Einwohnerzahlen unvollständig)")
    if p.get("care_absent"):
        parts.append(f"{', '.join(names[a] for a in p['care_absent'])} (Pflegebedürftige unvollständig)")
    return f"\nohne {'; '.join(parts)}" if parts else ""


# ---------------------------------------------------------------------------------------------
# Pflegestützpunkte
# ---------------------------------------------------------------------------------------------


def psp_map(district, year: int | None = None):
    """Figure: Pflegestützpunkte and the 80+ population of each base area (circles by size,
    coloured by the straight-line distance to the nearest Pflegestützpunkt)."""
    year = report_year(district, year)
    geo = district.geometry
    base = base_areas(district.areas)["area_id"].tolist()
    g = geo[geo["area_id"].isin(base)].copy()
    fac = district.facilities[district.facilities["type"] == "Pflegestützpunkt"]
    b = base_area_distances(district, year, "Pflegestützpunkt", min_age=80)  # in the order of g
    x, y, dist = b["x"].to_numpy(), b["y"].to_numpy(), b["distance_km"].to_numpy()
    # a base area with absent population rows is unknown ("fehlt", hatched, no circle), not a
    # circle of size 0
    w = b["weight"].to_numpy(dtype=float)
    known = ~np.isnan(w)
    fig, ax = plt.subplots(figsize=(8, 6.8))
    g.plot(ax=ax, color="#f2f2f2", edgecolor="#cccccc", linewidth=0.4)
    if not known.all():
        g[~known].plot(ax=ax, facecolor="white", edgecolor="#999999", hatch="///", linewidth=0.4)
    muni_shapes(district).plot(ax=ax, facecolor="none", edgecolor="#777777", linewidth=0.9)
    bins = [0, 5, 10, 15, np.inf]
    labels = ["unter 5 km", "5 bis unter 10 km", "10 bis unter 15 km", "15 km und mehr"]
    colors = ["#2a7f62", "#a6c96a", "#f0a58f", "#c8553d"]
    cls = np.digitize(dist, bins[1:-1])
    ax.scatter(x[known], y[known], s=np.sqrt(w[known]) * 3, c=[colors[i] for i in cls[known]], alpha=0.85,
               edgecolor="white", linewidth=0.5, zorder=3)
    ax.scatter(fac["x"], fac["y"], marker="^", s=110, color="#1f3b73", edgecolor="white", zorder=4)
    for _, r in muni_shapes(district).iterrows():
        p = r.geometry.representative_point()
        ax.annotate(r["name"], (p.x, p.y), xytext=(0, -10), textcoords="offset points", ha="center",
                    fontsize=6.5, color="#555555")
    handles = [Line2D([], [], marker="^", color="#1f3b73", linestyle="", markersize=9, label="Pflegestützpunkt"),
               *[Line2D([], [], marker="o", color=c, linestyle="", markersize=7, label=lab)
                 for c, lab in zip(colors, labels)]]
    if not known.all():
        handles.append(Patch(facecolor="white", edgecolor="#999999", hatch="///",
                             label="fehlt (Einwohnerzahlen unvollständig)"))
    ax.legend(handles=handles, title="Luftlinie zum nächsten Pflegestützpunkt", loc="lower left", fontsize=8,
              title_fontsize=8, frameon=True, framealpha=0.9)
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_title(f"Pflegestützpunkte und Einwohner ab 80 Jahren, {year}\n"
                 "(ein Kreis je Teilgebiet, Größe nach Zahl der Einwohner ab 80, Farbe nach Luftlinie)",
                 fontsize=10)
    return finish(fig)


def psp_table(district, year: int | None = None):
    """Table: mean straight-line distance of the 80+ population to a Pflegestützpunkt."""
    year = report_year(district, year)
    d = facility_distance(district, year)
    gap = d["einwohner_80plus"].isna()
    df = pd.DataFrame({
        "Gebiet": d["name"],
        "Einwohner ab 80": [f"{fmt.ABSENT} ²" if m else fmt.num(v) for v, m in zip(d["einwohner_80plus"], gap)],
        "Stützpunkte im Gebiet": [str(v) for v in d["facilities"]],
        "mittlere Luftlinie": [f"{fmt.ABSENT} ²" if m else fmt.num(v, 1, "km") for v, m in zip(d["distance_km"], gap)],
        "weiteste Luftlinie": [fmt.num(v, 1, "km") for v in d["max_km"]],
    })
    return table(df, caption=f"Entfernung der Einwohner ab 80 Jahren zum nächsten Pflegestützpunkt, {year}",
                 footnotes=[("Luftlinie (nicht Straßen- oder Fahrweg) vom Mittelpunkt jedes Teilgebiets (Sozialraum, "
                            "Mitgliedsgemeinde oder Gemeinde ohne Sozialräume; ein Punkt innerhalb der Fläche) zum "
                            "nächsten Pflegestützpunkt, auch über Gemeindegrenzen; gemittelt mit der Zahl der "
                            "Einwohner ab 80 Jahren. Weiteste Luftlinie: das am weitesten entfernte Teilgebiet.")]
                 + _psp_gap_note(district, year, bool(gap.any())),
                 align_right=[c for c in df.columns if c != "Gebiet"])


def _psp_gap_note(district, year: int, any_gap: bool) -> list[str]:
    """German footnote behind "fehlt ²" of :func:`psp_table`: how many base areas lack population rows."""
    if not any_gap:
        return []
    gaps = getattr(district, "gaps", None)
    k = 0 if gaps is None else int(gaps.loc[(gaps["variable"] == "einwohner") & (gaps["year"] == year),
                                            "area_id"].nunique())
    where = f" (einwohner {year} in {k} {'Teilgebiet' if k == 1 else 'Teilgebieten'})" if k else ""
    return [(f"² fehlt: Eingangsdaten unvollständig{where}; der Wert wird nicht aus unvollständigen Daten "
             "berechnet (keine 0).")]
