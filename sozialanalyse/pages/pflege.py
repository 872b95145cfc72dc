"""The page Pflege (``notebooks/pflege.ipynb``): care recipients, care projection and the
distance to a Pflegestützpunkt.

Floor: pages. Arranges the published results of :mod:`sozialanalyse.protected.care` (care
counts, care by age, the projection, the distances; computed there from the raw counts and
masked by the protected layer) into German text, tables and matplotlib figures.

Methods (stated on the page as well):

* **Care projection**: cohort-component projection per municipality (Kreis survival rates by
  age and sex, fertility per municipality, net migration by age and sex as the residual of the
  last five years), then the care need with the scenarios of
  :func:`sozialanalyse.stats.projection.care_need` (published by
  :func:`sozialanalyse.protected.care.care_projection`).
* **Distance to a Pflegestützpunkt**: straight-line distance from the representative point of
  each base area to the nearest Pflegestützpunkt, weighted with the area's population aged 80+
  (published by :func:`sozialanalyse.protected.care.psp_distances`).

Disclosure control (issue #14): every count printed or drawn here, and every share, rate and
interval, comes from the protected layer (:mod:`sozialanalyse.protected.layer`; the counts are
registered in :mod:`sozialanalyse.protected.measures`): care by type, the Pflegequote and the
share cared for at home per municipality, care by age band (Kreis), the people aged 80+, the
observed recipients per year. A suppressed value is ``.`` in tables (with the layer's footnote),
"gesperrt" in text, not drawn in figures. Statistics a model computes from counts follow their
inputs:

* **Care projection**: the base-year recipients printed are the layer's published counts. The
  projected values (2030, the end year, the range of the scenarios, the change) are model
  results, rounded, not counts of real people, and are published as such, except for a
  municipality whose base-year care counts (total or any care type) are suppressed: its
  projection scales exactly those counts, so none of its care figures is shown (the layer
  suppresses at least two municipalities together, so the Kreis total minus the others gives
  only their sum).
* **Distance to a Pflegestützpunkt**: the mean is weighted with the 80+ population of the base
  areas; with the area's total and the distances (public geometry) it would give a suppressed
  base-area count back, so it is computed from the published weights and not shown for an
  area with a suppressed weight (nor for the Kreis when any municipality's mean is withheld).
  The number of Pflegestützpunkte and the largest distance count no people (facilities and
  geometry are public).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..model.areas import area_names, base_areas, level_ids, report_year
from ..model.config import SYMBOL
from ..protected import care as protected_care
from ..protected import layer as protected_layer
from ..protected.care import CARE, CARE_AGE_BANDS, TREND_CAP, care_of
from ..render import figures, fmt
from ..render.figures import finish, style
from ..render.tables import md_escape, table, text
from ..stats.projection import CARE_TYPE_LABELS
from .common import indicator_maps, indicator_maps_interactive, left_out_note, muni_shapes, span

__all__ = [
    "care_by_age",
    "care_intro",
    "care_projection_kreis",
    "care_projection_method",
    "care_projection_municipalities",
    "care_projection_table",
    "care_table",
    "indicator_maps",
    "indicator_maps_interactive",
    "psp_map",
    "psp_table",
]

CARE_COLORS = {"pflegegeld": "#7fb3a3", "ambulant": "#2a7f62", "stationaer": "#1f3b73"}


SCENARIO_SHORT = {"status_quo": "Status quo", "compression": "Kompression", "trend": "Trend"}


# ---------------------------------------------------------------------------------------------
# care recipients today
# ---------------------------------------------------------------------------------------------


TYPES = protected_care.CARE_TYPES


def _published(district, spec: dict, area_ids, year: int) -> pd.DataFrame:
    """The layer's published ``value`` and ``status`` of a registered count, indexed by area_id
    (:func:`sozialanalyse.protected.care.published_counts`)."""
    return protected_care.published_counts(district, spec, area_ids, year).set_index("area_id")[["value", "status"]]


def _shown(v, status, decimals: int = 0, absent: str = fmt.MISSING) -> str:
    """A published count as table text: ``.`` where suppressed, ``absent`` where missing."""
    if isinstance(status, str) and status:
        return SYMBOL
    return absent if pd.isna(v) else fmt.num(v, decimals)


def care_intro(district, year: int | None = None):
    """A German paragraph: care recipients by type, share cared for at home, Pflegequote (the
    published values of the protected layer; "gesperrt" where suppressed)."""
    year = report_year(district, year)
    kreis = str(district.kreis["area_id"])
    L = protected_layer.of(district)
    total = _published(district, CARE, [kreis], year).iloc[0]
    if pd.isna(total["value"]) or total["value"] <= 0:
        why = ("gesperrt (Geheimhaltung)" if total["status"] else
               "Eingangsdaten unvollständig" if pd.isna(total["value"]) else "keine Pflegebedürftigen in den Daten")
        return text(f"Die Zahl der Pflegebedürftigen am 15.12.{year} im {md_escape(district.name)} "
                    f"{fmt.ABSENT} ({why}; sie wird nicht aus unvollständigen Daten berechnet).")
    res = L.indicators(["pflegequote", "anteil_haeusliche_pflege"], level="kreis", years=[year])
    res = res.assign(indicator=res["indicator"].astype(str)).set_index("indicator")
    quote = res.loc["pflegequote"] if "pflegequote" in res.index else None
    home = res.loc["anteil_haeusliche_pflege"] if "anteil_haeusliche_pflege" in res.index else None
    has_quote = quote is not None and pd.notna(quote["value"])
    if has_quote:
        share = f"das sind {fmt.pct(quote['value'])} der Bevölkerung"
    elif quote is not None and quote["status"]:
        share = "(Anteil an der Bevölkerung: gesperrt)"
    else:
        share = f"(Anteil an der Bevölkerung: {fmt.ABSENT}, Eingangsdaten unvollständig)"
    parts = [(f"Am 15.12.{year} waren im {md_escape(district.name)} **{fmt.num(total['value'])}** Menschen "
              f"pflegebedürftig nach SGB XI{',' if has_quote else ''} {share}. ")]
    if home is not None and pd.notna(home["value"]):
        parts.append(f"**{fmt.pct(home['value'])}** von ihnen werden zu Hause versorgt: ")
    else:
        parts.append("Der Anteil der zu Hause Versorgten ist gesperrt: ")

    def count(t):
        c = _published(district, care_of(t), [kreis], year).iloc[0]
        return "gesperrt" if c["status"] else (fmt.ABSENT if pd.isna(c["value"]) else fmt.num(c["value"]))

    parts.append(", ".join(f"{count(t)} {lab_}" for t, lab_ in (
        ("pflegegeld", "allein durch Angehörige (nur Pflegegeld)"),
        ("ambulant", "mit einem ambulanten Pflegedienst"))) + "; ")
    parts.append(f"{count('stationaer')} leben in einem Pflegeheim ({CARE_TYPE_LABELS['stationaer']}).")
    return text("".join(parts))


def _band_label(band) -> str:
    lo, hi = band
    return "unter 60" if lo == 0 else (f"{lo}+" if hi is None else f"{lo}-{hi}")


def care_by_age(district, year: int | None = None):
    """Figure: care recipients by age band and type (left) and the Pflegequote by age and sex
    with 95-%-Wilson intervals (right), Kreis; from the published counts of the protected layer
    (a suppressed band is not drawn and marked "gesperrt")."""
    year = report_year(district, year)
    bands = [_band_label(b) for b in CARE_AGE_BANDS]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6.5, 8.0))  # one above the other: phone width
    x = np.arange(len(bands))
    c = protected_care.care_types_by_age(district, year)
    by_type = {t: c.loc[c["type"] == t, "value"].to_numpy(dtype=float) for t in TYPES}
    # a band with a suppressed (or missing) type is not stacked at all: a shorter stack would
    # misstate it, and its top would be the band total minus the hidden part
    whole = np.all([np.isfinite(v) for v in by_type.values()], axis=0)
    left = np.zeros(len(bands))
    for t in TYPES:
        v = np.where(whole, by_type[t], np.nan)
        ax1.bar(x, v, bottom=left, color=CARE_COLORS[t], label=CARE_TYPE_LABELS[t][:1].upper() + CARE_TYPE_LABELS[t][1:]
                if t != "pflegegeld" else "Pflegegeld (nur Angehörige)")
        left += np.nan_to_num(v)
    for i in np.flatnonzero(~whole):
        ax1.text(x[i], 0, "gesperrt", rotation=90, ha="center", va="bottom", fontsize=7, color="#555555")
    ax1.set_xticks(x, [b.replace("90+", "90 +") for b in bands], rotation=45, ha="right")
    ax1.yaxis.set_major_formatter(fmt.axis_formatter())
    ax1.set_xlabel("Altersgruppe (Jahre)")
    ax1.set_ylabel("Pflegebedürftige")
    ax1.set_title(f"Pflegebedürftige nach Alter und Versorgungsart, {year}", fontsize=10)
    handles, labels = ax1.get_legend_handles_labels()
    if not whole.all():
        handles.append(Patch(facecolor="white", edgecolor="#999999", hatch="///"))
        labels.append("keine Angabe / gesperrt")
    ax1.legend(handles, labels, frameon=False, fontsize=8)
    style(ax1, "y")
    rates = protected_care.rate_by_age(district, "pflegebeduerftige", CARE_AGE_BANDS, year)
    for sex in ("w", "m"):
        r = rates[rates["sex"] == sex]  # suppressed or missing: NaN, not drawn
        rate, lo, hi = (r[col].to_numpy(dtype=float) for col in ("value", "lower", "upper"))
        ax2.plot(x, 100 * rate, marker="o", markersize=3, color=figures.PALETTE[sex], label=figures.SEX_LABELS[sex])
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
    """Table: care recipients by type, share at home and Pflegequote per municipality and Kreis,
    the published values of the protected layer (``.`` where suppressed)."""
    year = report_year(district, year)
    ids = [str(a) for a in [*level_ids(district, "gemeindeverband"), district.kreis["area_id"]]]
    L = protected_layer.of(district)
    res = L.indicators(["pflegequote", "pflegequote_80plus", "anteil_haeusliche_pflege"],
                       level=["gemeindeverband", "kreis"], years=[year])
    res["area_id"] = res["area_id"].astype(str)
    res["indicator"] = res["indicator"].astype(str)
    val = res.drop_duplicates(["area_id", "indicator"]).set_index(["area_id", "indicator"])
    total = _published(district, CARE, ids, year)
    by_type = {t: _published(district, care_of(t), ids, year) for t in TYPES}
    names = area_names(district)
    rows = []
    suppressed = False
    for a in ids:
        def cell(i, a=a):
            if (a, i) not in val.index:
                return fmt.MISSING
            r = val.loc[(a, i)]
            return SYMBOL if r["status"] else fmt.pct(r["value"])
        row = {"Gebiet": names[a], "Pflegebedürftige": _shown(*total.loc[a])}
        row.update({lab: _shown(*by_type[t].loc[a]) for t, lab in (
            ("pflegegeld", "nur Pflegegeld"), ("ambulant", "ambulant"), ("stationaer", "stationär"))})
        row.update({"häusliche Pflege": cell("anteil_haeusliche_pflege"), "Pflegequote": cell("pflegequote"),
                    "Pflegequote ab 80": cell("pflegequote_80plus")})
        suppressed |= SYMBOL in row.values()
        rows.append(row)
    df = pd.DataFrame(rows)
    kinds = {"Gebiet": "text", "Pflegebedürftige": "total", "nur Pflegegeld": "count", "ambulant": "count",
             "stationär": "count", "häusliche Pflege": "share", "Pflegequote": "rate", "Pflegequote ab 80": "rate"}
    return table(df, caption=f"Pflegebedürftige nach Versorgungsart, 15.12.{year}",
                 footnotes=[("Häusliche Pflege: Pflegegeld (Versorgung allein durch Angehörige) oder ambulanter "
                            "Pflegedienst, je 100 Pflegebedürftige. Pflegequote: Pflegebedürftige je 100 Einwohner "
                            "(ab 80: je 100 Einwohner ab 80 Jahren).")]
                 + ([L.settings.footnote_line] if suppressed else []),
                 align_right=[col for col in df.columns if col != "Gebiet"], kinds=kinds)


# ---------------------------------------------------------------------------------------------
# care projection
# ---------------------------------------------------------------------------------------------


def care_projection_method(district, year: int | None = None, end_year: int = 2040):
    """German text: how the projection was made and what the scenarios assume."""
    p = protected_care.care_projection(district, year, end_year)
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
        f"(angesetzt als relative Veränderung der Quoten je Jahr, nicht in Prozentpunkten: {trend_text}). {_care_cap_text(p, types)}\n\n"
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
    p = protected_care.care_projection(district, year, end_year)
    t = p["care"]
    k = t[t["area_id"] == "Insgesamt"].sort_values("year")
    h = p["observed"]
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
                 + _without_title(district, p), fontsize=10, wrap=True)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    style(ax, "y")
    return finish(fig)


def care_projection_municipalities(district, year: int | None = None, end_year: int = 2040):
    """Figure: small multiples per municipality, care recipients observed and projected (band)."""
    p = protected_care.care_projection(district, year, end_year)
    t = p["care"]  # a municipality in p["hidden"] is withheld (NaN), drawn as "gesperrt"
    h = p["observed"]
    hidden = p["hidden"]
    ids = level_ids(district, "gemeindeverband")
    names = area_names(district)
    ncol = 2  # two panels per row: year labels and names stay readable at a phone's width
    nrow = int(np.ceil(len(ids) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(6.5, 2.0 * nrow), squeeze=False)
    for ax, a in zip(axes.flat, ids):
        k = t[t["area_id"] == a].sort_values("year")
        hh = h[h["area_id"] == a].sort_values("year")
        # population incomplete, or population projected but the care need unknown: "fehlt", no line
        what = ("fehlt\n(Einwohnerzahlen\nunvollständig)" if a in p.get("absent", []) else
                "fehlt\n(Pflegebedürftige\nunvollständig)" if a in p.get("care_absent", []) else
                "gesperrt\n(Geheimhaltung)" if a in hidden else None)
        if what:
            ax.set_title(names[a], fontsize=8.5)
            ax.text(0.5, 0.5, what, transform=ax.transAxes, ha="center",
                    va="center", fontsize=8, color="#555555")
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        ax.plot(hh["year"], hh["value"], color="#333333", linewidth=1.2)
        ax.fill_between(k["year"], k["lower"], k["upper"], color=figures.PALETTE["area"], alpha=0.25, linewidth=0)
        ax.plot(k["year"], k["status_quo"], color=figures.PALETTE["area"], linewidth=1.2)
        ax.set_title(names[a], fontsize=8.5)
        end = k.dropna(subset=["status_quo"])
        if len(end):
            figures.note(ax, f"{names[a]}: {fmt.num(float(end['status_quo'].iloc[-1]))} im Jahr "
                             f"{int(end['year'].iloc[-1])} (Status quo)")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(fmt.axis_formatter())
        ax.xaxis.set_major_locator(plt.MaxNLocator(3, integer=True))
        ax.tick_params(labelsize=7)
        style(ax, "y")
    for ax in list(axes.flat)[len(ids):]:
        ax.set_axis_off()
    fig.suptitle(f"Pflegebedürftige je Stadt, Gemeinde und Samtgemeinde: Statistik (schwarz), Status quo "
                 f"(Linie) und Spannweite der Szenarien (Band) bis {p['end_year']}", fontsize=9, wrap=True)
    return finish(fig)


def care_projection_table(district, year: int | None = None, end_year: int = 2040):
    """Table: people aged 80+ and care recipients today, 2030 and ``end_year`` per municipality.

    The base-year counts are the layer's published ones; the projected values are rounded model
    results; a municipality with a suppressed base-year count shows ``.`` (see the module
    docstring)."""
    p = protected_care.care_projection(district, year, end_year)
    t = p["care"].set_index(["area_id", "year"])
    old = p["old"].set_index(["area_id", "year"])["value"]
    y0, ye = p["year"], p["end_year"]
    mid = 2030 if y0 < 2030 < ye else (y0 + ye) // 2
    obs = p["observed"]
    obs = obs[obs["year"] == y0].set_index("area_id")
    obs80 = p["observed_80"]
    obs80 = obs80[obs80["year"] == y0].set_index("area_id")
    hidden, hidden_pop = p["hidden"], p["hidden_population"]
    names = area_names(district)
    rows = []
    absent = p.get("absent", [])
    care_absent = p.get("care_absent", [])
    col_old, col_now = f"Einwohner ab 80, {y0} → {ye}", f"Pflegebedürftige {y0}"
    col_mid, col_end, col_range, col_change = f"{mid}", f"{ye}", f"{ye}, Spannweite", f"Veränderung bis {ye}"

    def old_text(a):
        o = obs80.loc[a] if a in obs80.index else None
        if o is None:
            return fmt.MISSING
        return f"{_shown(o['value'], o['status'])} → {SYMBOL if a in hidden_pop or o['status'] else fmt.num(old.loc[(a, ye)])}"

    for a in [*level_ids(district, "gemeindeverband"), "Insgesamt"]:
        if a in absent:
            gone = f"{fmt.ABSENT} ²"
            rows.append({"Gebiet": names[a], col_old: gone, col_now: gone,
                         col_mid: gone, col_end: gone, col_range: gone, col_change: gone})
            continue
        if a in care_absent:  # population projected, care need unknown: "fehlt", never 0
            gone = f"{fmt.ABSENT} ²"
            rows.append({"Gebiet": names[a], col_old: old_text(a),
                         col_now: gone, col_mid: gone, col_end: gone, col_range: gone, col_change: gone})
            continue
        label = names.get(a, district.name) + (" ³" if a == "Insgesamt" and (absent or care_absent) else "")
        now = obs.loc[a] if a in obs.index else None
        if a in hidden or now is None or now["status"] or pd.isna(now["value"]):
            # a suppressed base-year count (or one the projection scales): the published base
            # year only, no projected figure
            gone = SYMBOL if a in hidden or (now is not None and now["status"]) else fmt.MISSING
            rows.append({"Gebiet": label, col_old: old_text(a),
                         col_now: fmt.MISSING if now is None else _shown(now["value"], now["status"]),
                         col_mid: gone, col_end: gone, col_range: gone, col_change: gone})
            continue
        end = t.loc[(a, ye)]
        rows.append({
            "Gebiet": label,
            col_old: old_text(a),
            col_now: fmt.num(now["value"]),
            col_mid: fmt.num(t.loc[(a, mid), "status_quo"], 0),
            col_end: fmt.num(end["status_quo"], 0),
            col_range: f"{fmt.num(end['lower'], 0)} – {fmt.num(end['upper'], 0)}",
            col_change: fmt.signed(100 * (end["status_quo"] / now["value"] - 1), 0, "%"),
        })
    df = pd.DataFrame(rows)
    suppressed = any(SYMBOL == v for r in rows for v in r.values())
    # the base-year columns hold counts; the projected ones are model results (not counts of people)
    kinds = {"Gebiet": "text", col_old: "count", col_now: "count", col_mid: "index", col_end: "index",
             col_range: "interval", col_change: "index"}
    return table(df, caption=f"Vorausberechnung der Zahl der Pflegebedürftigen bis {ye}",
                 footnotes=[("Spannweite: kleinster und größter Wert der Szenarien Status quo, Kompression und "
                            "Trend. Gerundete Modellwerte; Annahmen siehe oben."),
                            _care_cap_footnote(p), *_care_gap_notes(district, p)]
                 + ([protected_layer.of(district).settings.footnote_line
                     + " Für eine Gemeinde mit gesperrten Ausgangswerten wird keine Vorausberechnung gezeigt."]
                    if suppressed else []),
                 align_right=[c for c in df.columns if c != "Gebiet"], kinds=kinds)


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
    b = protected_care.psp_distances(district, year)["base"]  # in the order of g
    x, y, dist = b["x"].to_numpy(), b["y"].to_numpy(), b["distance_km"].to_numpy()
    # a base area with absent population rows is unknown ("fehlt", hatched, no circle), not a
    # circle of size 0; a suppressed 80+ population is not drawn either (the circle's size is the count)
    w = b["value"].to_numpy(dtype=float)
    locked = (b["status"] != "").to_numpy()
    known = ~np.isnan(w)
    fig, ax = plt.subplots(figsize=(6.5, 6.8))
    g.plot(ax=ax, color="#f2f2f2", edgecolor="#cccccc", linewidth=0.4)
    if not known.all():
        g[~known].plot(ax=ax, facecolor="white", edgecolor="#999999", hatch="///", linewidth=0.4)
    muni_shapes(district).plot(ax=ax, facecolor="none", edgecolor="#777777", linewidth=0.9)
    bins = [0, 5, 10, 15, np.inf]
    labels = ["unter 5 km", "5 bis unter 10 km", "10 bis unter 15 km", "15 km und mehr"]
    colors = ["#2166ac", "#92c5de", "#f4a582", "#b2182b"]  # RdBu: apart also under red-green blindness
    cls = np.digitize(dist, bins[1:-1])
    far = known & ~locked & (dist >= 10)
    figures.note(ax, f"{len(fac)} Pflegestützpunkte; {fmt.num(float(w[known & ~locked].sum()))} Einwohner ab 80 "
                     f"in Teilgebieten mit veröffentlichter Zahl, davon {fmt.num(float(w[far].sum()))} "
                     "10 km Luftlinie oder weiter vom nächsten Stützpunkt")
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
    if (~known & ~locked).any():
        handles.append(Patch(facecolor="white", edgecolor="#999999", hatch="///",
                             label="fehlt (Einwohnerzahlen unvollständig)"))
    if locked.any():
        handles.append(Patch(facecolor="white", edgecolor="#999999", hatch="///",
                             label="keine Angabe / gesperrt"))
    ax.legend(handles=handles, title="Luftlinie zum nächsten Pflegestützpunkt", loc="lower left", fontsize=8,
              title_fontsize=8, frameon=True, framealpha=0.9)
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_title(f"Pflegestützpunkte und Einwohner ab 80 Jahren, {year}\n"
                 "(ein Kreis je Teilgebiet, Größe nach Zahl der Einwohner ab 80, Farbe nach Luftlinie)",
                 fontsize=10)
    return finish(fig)


def psp_table(district, year: int | None = None):
    """Table: mean straight-line distance of the 80+ population to a Pflegestützpunkt, from the
    published 80+ counts of the protected layer (see the module docstring)."""
    year = report_year(district, year)
    d = protected_care.psp_distances(district, year)["areas"]
    means = [SYMBOL if st else f"{fmt.ABSENT} ²" if gone else fmt.MISSING if pd.isna(v) else fmt.num(v, 1, "km")
             for v, st, gone in zip(d["value"], d["status"], d["incomplete"])]
    gap = bool(d["incomplete"].any())
    pop = [_shown(v, st, absent=f"{fmt.ABSENT} ²") for v, st in zip(d["population"], d["population_status"])]
    gap |= any(v.startswith(fmt.ABSENT) for v in pop)
    df = pd.DataFrame({
        "Gebiet": d["name"],
        "Einwohner ab 80": pop,
        "Stützpunkte im Gebiet": [str(v) for v in d["facilities"]],
        "mittlere Luftlinie": means,
        "weiteste Luftlinie": [fmt.num(v, 1, "km") for v in d["max_km"]],
    })
    suppressed = SYMBOL in pop or SYMBOL in means
    # facilities and distances count no people (public register and geometry): "text"; the mean is
    # a statistic weighted with counts ("index")
    kinds = {"Gebiet": "text", "Einwohner ab 80": "count", "Stützpunkte im Gebiet": "text",
             "mittlere Luftlinie": "index", "weiteste Luftlinie": "text"}
    return table(df, caption=f"Entfernung der Einwohner ab 80 Jahren zum nächsten Pflegestützpunkt, {year}",
                 footnotes=[("Luftlinie (nicht Straßen- oder Fahrweg) vom Mittelpunkt jedes Teilgebiets (Sozialraum, "
                            "Mitgliedsgemeinde oder Gemeinde ohne Sozialräume; ein Punkt innerhalb der Fläche) zum "
                            "nächsten Pflegestützpunkt, auch über Gemeindegrenzen; gemittelt mit der Zahl der "
                            "Einwohner ab 80 Jahren. Weiteste Luftlinie: das am weitesten entfernte Teilgebiet.")]
                 + _psp_gap_note(district, year, gap)
                 + ([protected_layer.of(district).settings.footnote_line] if suppressed else []),
                 align_right=[c for c in df.columns if c != "Gebiet"], kinds=kinds)


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
