"""The page Angebote und Bedarf (``notebooks/angebote.ipynb``) and the section of each Gemeindeprofil.

Floor: pages. Arranges the results of :mod:`sozialanalyse.planning.supply` (supply against the
guide values, reach from the address points, the ranked gaps; served populations from the
protected layer) into German text, tables and a map.

Methods (stated on the page as well): the served population of each type is the published count
of the protected layer (children aged 1 to 5 estimated from the five-year bands: four fifths of
the 0-4-year-olds and one fifth of the 5-9-year-olds); the supply is summed over the facilities
inside an area (places, facilities, or full-time posts from the weekly staff hours); the gap is
what the guide value requires minus the supply; the reach is the share of the served persons
living within 500 m and 1,000 m straight line of the nearest facility, computed from address
points weighted with their inhabitants (not from area centroids); where the data folder has a
street network (``strassen.csv``), also the share within those distances along the streets
(:mod:`sozialanalyse.planning.streets`), columns "in 500 m Weg"; without one the page says so.

Disclosure control (issue #14): the served populations are registered counts of the layer
(:mod:`sozialanalyse.protected.measures`, "served population"); a withheld one is ``.`` and so
are the ratio, the required supply and the gap computed from it; reach shares of small numbers
of persons are withheld with a second part of the same area (see
:mod:`sozialanalyse.planning.supply`). Supply, facilities and distances count no people (public
register and geometry).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from ..model.areas import area_names, base_areas, report_year
from ..model.config import SYMBOL
from ..planning import streets, supply
from ..protected import layer as protected_layer
from ..render import figures, fmt, maps
from ..render.tables import md_escape, table, text
from .common import muni_shapes

__all__ = ["TOP", "GAP_BINS", "gap_map", "gap_shown", "gap_map_interactive", "gap_table", "guide_table", "intro", "method", "outside_table", "profile_section",
           "supply_table"]

#: Rows of the ranked gap table on the chapter page (the rest are counted in a footnote).
TOP = 25
#: German names of the facility types (plural) and of the measures' units.
TYPE_PLURAL = {"Kita": "Kitas", "Hausarztpraxis": "Hausarztpraxen", "Seniorenberatung": "Seniorenberatungen",
               "Pflegestützpunkt": "Pflegestützpunkte", "Stadtteilhaus": "Stadtteilhäuser"}
UNIT = {"places": "Plätze", "facilities": "Einrichtungen", "fte": "Vollzeitstellen"}
LEVEL_WORD = {"base": "je Sozialraum bzw. Gemeinde", "gemeindeverband": "je Stadt, Gemeinde bzw. Samtgemeinde",
              "kreis": "für den Landkreis"}
COLORS = {"Kita": "#c8553d", "Hausarztpraxis": "#1f3b73", "Seniorenberatung": "#2a7f62",
          "Pflegestützpunkt": "#7a4ea3", "Stadtteilhaus": "#b08a2e"}


def _ages(ages) -> str:
    lo, hi = ages
    if lo == 0 and hi is None:
        return "alle Einwohner"
    if hi is None:
        return f"Einwohner ab {lo} Jahren"
    return f"Kinder von {lo} bis {hi} Jahren" if hi < 18 else f"Einwohner von {lo} bis {hi} Jahren"


def _guide_text(s) -> str:
    """``80 Plätze je 100 Kinder von 1 bis 5 Jahren``, ``1 Einrichtung je 10.000 Einwohner ab 65 Jahren``."""
    if s.guide is None:
        return fmt.MISSING
    unit = {"places": ("Platz", "Plätze"), "facilities": ("Einrichtung", "Einrichtungen"),
            "fte": ("Vollzeitstelle", "Vollzeitstellen")}[s.measure][0 if s.guide == 1 else 1]
    lo, hi = s.ages
    group = ("Einwohner" if lo == 0 and hi is None else f"Einwohner ab {lo} Jahren" if hi is None else
             f"Kinder von {lo} bis {hi} Jahren" if hi < 18 else f"Einwohner von {lo} bis {hi} Jahren")
    return f"{fmt.num(s.guide, 1 if s.guide % 1 else 0)} {unit} je {fmt.num(s.per)} {group}"


def _decimals(measure: str) -> int:
    """Decimals of the Soll (what the guide value requires: 1,2 Einrichtungen is a fair statement)."""
    return {"places": 0, "facilities": 1, "fte": 1}[measure]


def _count_decimals(measure: str) -> int:
    """Decimals of the Bestand and the Lücke: whole places and facilities, tenths of a post."""
    return {"places": 0, "facilities": 0, "fte": 1}[measure]


def gap_shown(gap, measure: str) -> float:
    """The Lücke as the pages show it (:func:`sozialanalyse.planning.supply.actionable_gap`): whole
    facilities rounded up (a fifth of a Beratungsstelle cannot be opened), places to the nearest
    whole place, posts to the nearest tenth.

    >>> gap_shown(0.2, "facilities"), gap_shown(0.04, "fte"), gap_shown(0.0, "places")
    (1.0, 0.0, 0.0)
    """
    return supply.actionable_gap(gap, measure)


def _served(v, status, estimated: bool) -> str:
    if isinstance(status, str) and status:
        return SYMBOL
    return fmt.num(v, 0) if not pd.isna(v) else fmt.MISSING


def _withheld(v, status, decimals: int, unit: str | None = None) -> str:
    if isinstance(status, str) and status:
        return SYMBOL
    return fmt.num(v, decimals, unit)


def _implies_small(text_value: float, decimals: int, n: float, threshold: int) -> bool:
    """Whether a share written as ``text_value`` (percent, ``decimals``) of ``n`` persons admits
    only counts (or complements) below ``threshold``, one of them at least 1: what the audit's
    interval inversion reports (:mod:`sozialanalyse.build.audit`)."""
    half = 0.5 * 10 ** -decimals
    lo, hi = (text_value - half) * n / 100, (text_value + half) * n / 100
    xs = [x for x in range(max(0, int(np.floor(lo))), int(np.ceil(hi)) + 1) if lo - 1e-9 <= x <= hi + 1e-9 and x <= n]
    for cand in (xs, [n - x for x in xs]):
        if cand and max(cand) < threshold and max(cand) >= 1:
            return True
    return False


def _reach(v, status, n=None, threshold: int = 3) -> str:
    """A reach share with one decimal, more where one decimal of ``n`` persons would admit only a
    count of 1 to ``threshold - 1`` (``0,0 %`` of 2.292 admits 0 or 1 person: ``0,00 %`` does not)."""
    if isinstance(status, str) and status:
        return SYMBOL
    if pd.isna(v):
        return fmt.MISSING
    decimals = 1
    if n is not None and not pd.isna(n) and n > 0:
        while decimals < 4 and _implies_small(round(float(v), decimals), decimals, round(float(n)), threshold):
            decimals += 1
    return fmt.pct(v, decimals)


def _footnote_symbol(district, *frames) -> list[str]:
    shown = any((f[c].astype(str) != "").any() for f in frames for c in ("status", "reach_status") if c in f)
    return [protected_layer.of(district).settings.footnote_line] if shown else []


def _reach_cols(district) -> list[int]:
    return [int(d) for d in supply.settings(district).reach_m]


def _dist_label(d: int) -> str:
    return f"in {fmt.num(d)} m"


def _street_label(d: int) -> str:
    return f"in {fmt.num(d)} m Weg"


def _has_streets(district) -> bool:
    """Whether the data folder has a street network (the reach along streets is shown): the
    build's answer where it saved one (:func:`sozialanalyse.planning.supply.has_street_network`)."""
    return supply.has_street_network(district)


def _street_note(district) -> str:
    """The footnote of the reach along streets, with the rows a lenient build left out."""
    left = len(getattr(district, "street_problems", []) or [])
    dists = " / ".join(f"{fmt.num(d)} m" for d in _reach_cols(district))
    return (f"in {dists} Weg: Anteil der Zielgruppe, der die nächste Einrichtung der Art auf diesem Weg erreicht: "
            "von der Adresse auf kürzestem Weg zur nächsten Straße, dann entlang des Straßennetzes (kürzester Weg)."
            + (f" {fmt.num(left)} fehlerhafte Zeilen des Straßennetzes wurden nicht verwendet." if left else ""))


def intro(district, year: int | None = None):
    """A German paragraph: what the chapter shows, how many facilities and address points."""
    year = report_year(district, year)
    cfg = supply.settings(district)
    g = supply.gaps(district, year=year)
    kreis = g[g["level"] == "kreis"]
    n_fac = {r["type"]: int(r["facilities"]) for _, r in kreis.iterrows()}
    parts = ", ".join(f"{fmt.num(n_fac.get(t, 0))} {TYPE_PLURAL.get(t, t)}" for t in cfg.types)
    pts = getattr(district, "addresses", None)
    n_pts = 0 if pts is None else len(pts)
    dists = " und ".join(f"{fmt.num(d)} m" for d in _reach_cols(district))
    where = (f"Die Erreichbarkeit beruht auf {fmt.num(n_pts)} Adresspunkten mit ihren Einwohnerinnen und "
             f"Einwohnern (nicht auf Gebietsmittelpunkten): Anteil der Zielgruppe, der in {dists} Luftlinie "
             "die nächste Einrichtung der Art erreicht." if n_pts else
             "Für diesen Landkreis liegen keine Adresspunkte vor; die Erreichbarkeit wird daher nicht berechnet "
             "(Gebietsmittelpunkte allein wären zu ungenau).")
    if n_pts and _has_streets(district):
        net = streets.network(district)
        roads = (f" Daneben steht der Anteil, der die nächste Einrichtung in {dists} **Weg entlang der Straßen** "
                 f"erreicht (Straßennetz mit {fmt.num(len(net.length))} Abschnitten); er ist nie größer und meist "
                 "kleiner, weil der tatsächliche Weg mindestens so lang ist wie die Luftlinie.")
    elif n_pts:
        roads = (" Entfernungen entlang der Straßen werden nicht berechnet, weil die Daten kein Straßennetz "
                 "enthalten; der tatsächliche Weg ist länger als die Luftlinie.")
    else:
        roads = ""
    return text(f"Dieses Kapitel stellt für {md_escape(district.name)} ({year}) den **Bestand** an Angeboten dem "
                f"**Bedarf** gegenüber: {parts} im Landkreis, jeweils bezogen auf die Einwohnergruppe, für die sie "
                f"da sind, und verglichen mit einem Orientierungswert. {where}{roads}")


def guide_table(district, year: int | None = None):
    """Table: each facility type with its target group, measure, guide value, planning level and source."""
    cfg = supply.settings(district)
    rows = []
    for t, s in cfg.types.items():
        guide = _guide_text(s)
        est = " (geschätzt ¹)" if any(w != 1.0 for w in supply.band_weights(s.ages).values()) else ""
        rows.append({"Angebot": t, "Zielgruppe": _ages(s.ages) + est, "Bestand gemessen in": UNIT[s.measure],
                     "Orientierungswert": guide, "geplant": LEVEL_WORD[s.level], "Quelle": s.source})
    df = pd.DataFrame(rows)
    return table(df, caption="Angebote, Zielgruppen und Orientierungswerte",
                 footnotes=["¹ Die Einwohnerzahlen liegen in Fünf-Jahres-Altersgruppen vor. Kinder von 1 bis 5 "
                            "Jahren: vier Fünftel der 0- bis 4-Jährigen und ein Fünftel der 5- bis 9-Jährigen "
                            "(gleichmäßige Verteilung der Jahrgänge innerhalb einer Altersgruppe angenommen).",
                            f"Vollzeitstellen: Wochenstunden des Fachpersonals (Hausarztpraxis: der Ärztinnen und "
                            f"Ärzte) geteilt durch {fmt.num(cfg.fte_hours, 1 if cfg.fte_hours % 1 else 0)} Stunden."],
                 kinds={c: "text" for c in df.columns})


def _type_rows(g: pd.DataFrame, district) -> pd.DataFrame:
    """Formatted rows of the supply gaps of one type (planning.supply, function gaps)."""
    out = {"Gebiet": g["name"].tolist(), "Zielgruppe": [_served(v, s, e) for v, s, e in
                                                       zip(g["served"], g["served_status"], g["estimated"])],
           "Einrichtungen": [fmt.num(v) for v in g["facilities"]]}
    dec = [_decimals(m) for m in g["measure"]]
    whole = [_count_decimals(m) for m in g["measure"]]
    out["Bestand"] = [fmt.num(v, d) for v, d in zip(g["supply"], whole)]
    out["je Bezugsgröße"] = [_withheld(v, s, 1) for v, s in zip(g["ratio"], g["status"])]
    out["Soll"] = [_withheld(v, s, d) for v, s, d in zip(g["required"], g["status"], dec)]
    out["Lücke"] = [_withheld(gap_shown(v, m), s, d) if not pd.isna(v) or s else fmt.MISSING for v, s, d, m in
                    zip(g["gap"], g["status"], whole, g["measure"])]
    t = protected_layer.of(district).settings.threshold
    for d in _reach_cols(district):
        out[_dist_label(d)] = [_reach(v, s, n, t) for v, s, n in zip(g[f"reach_{d}"], g["reach_status"], g["served"])]
    if _has_streets(district):
        for d in _reach_cols(district):
            out[_street_label(d)] = [_reach(v, s, n, t) for v, s, n in
                                     zip(g[f"reach_street_{d}"], g["reach_status"], g["served"])]
    return pd.DataFrame(out)


def _kinds(df: pd.DataFrame) -> dict:
    kinds = {c: "index" for c in df.columns}
    kinds.update({"Gebiet": "text", "Angebot": "text", "Gemeinde": "text", "Grund": "text", "Rang": "text",
                  "Zielgruppe": "count"})
    kinds.update({c: "share" for c in df.columns if c.startswith("in ")})
    return {c: k for c, k in kinds.items() if c in df.columns}


def supply_table(district, year: int | None = None):
    """Table: supply against need per municipality and the Kreis, one group per facility type."""
    year = report_year(district, year)
    g = supply.gaps(district, year=year)
    munis = set(district.municipalities()["area_id"].astype(str))
    g = g[g["area_id"].isin(munis) | (g["level"] == "kreis")]
    frames = []
    for t, grp in g.groupby("type", sort=False):
        s = supply.settings(district).types[t]
        label = f"{t}: {UNIT[s.measure]}" + (f", Orientierungswert {fmt.num(s.guide, 1 if s.guide % 1 else 0)} je "
                                             f"{fmt.num(s.per)}" if s.guide is not None else ", ohne Orientierungswert")
        frames.append(_type_rows(grp, district).assign(Angebot=label))
    df = pd.concat(frames, ignore_index=True)
    df = df[["Angebot", *[c for c in df.columns if c != "Angebot"]]]
    return table(df, caption=f"Bestand und Bedarf nach Städten und Gemeinden, {year}", group="Angebot",
                 footnotes=["Zielgruppe: Einwohnerinnen und Einwohner der Altersgruppe, für die das Angebot da ist "
                            "(Kinder von 1 bis 5 Jahren geschätzt). Bestand: Plätze, Einrichtungen oder "
                            "Vollzeitstellen im Gebiet; je Bezugsgröße: Bestand je 100 bzw. 10.000 bzw. 100.000 "
                            "der Zielgruppe (wie der Orientierungswert). Soll: Orientierungswert mal Zielgruppe; "
                            "Lücke: was zum Orientierungswert fehlt (Soll minus Bestand, wo positiv), in ganzen Plätzen bzw. "
                            "Zehntel-Vollzeitstellen; fehlende Einrichtungen aufgerundet auf ganze, denn eine "
                            "Einrichtung lässt sich nur ganz eröffnen.",
                            "in 500 m / 1.000 m: Anteil der Zielgruppe, der die nächste Einrichtung der Art in "
                            "dieser Luftlinie erreicht, auch über Gemeinde- und Kreisgrenzen; aus Adresspunkten.",
                            *([_street_note(district)] if _has_streets(district) else []),
                            *_footnote_symbol(district, g)],
                 align_right=[c for c in df.columns if c not in ("Gebiet", "Angebot")], kinds=_kinds(df))


def _low_reach_way(district) -> str:
    """How the low-reach flag measures (:func:`sozialanalyse.planning.supply.low_reach_column`):
    along the streets where the data folder has a street network, else straight line."""
    return "Weg entlang der Straßen" if supply.low_reach_column(district).startswith("reach_street_") else "Luftlinie"


def _reason(r) -> str:
    why = []
    if r["below_guide"]:
        why.append("unter Orientierungswert")
    if r["low_reach"]:
        why.append("geringe Erreichbarkeit")
    return ", ".join(why)


def gap_table(district, year: int | None = None, top: int = TOP):
    """Table "Versorgungslücken": the areas below the guide value or with low reach, ranked by
    their shortfall (the larger of the unmet share of the required supply and the share of the
    target group beyond the largest distance)."""
    year = report_year(district, year)
    cfg = supply.settings(district)
    g = supply.gaps(district, year=year)
    flagged = g[g["rank"].notna()].sort_values("rank")
    names = area_names(district)
    shown = flagged.head(top)
    df = _type_rows(shown, district)
    df.insert(0, "Rang", [fmt.num(v) for v in shown["rank"]])
    df.insert(2, "Gemeinde", [names.get(p, "") if p != str(district.kreis["area_id"]) else "" for p in shown["parent_id"]])
    df.insert(3, "Angebot", shown["type"].tolist())
    df = df.drop(columns=["Einrichtungen", "je Bezugsgröße"])
    df["Grund"] = [_reason(r) for _, r in shown.iterrows()]
    far = max(_reach_cols(district))
    way = _low_reach_way(district)
    rest = len(flagged) - len(shown)
    notes = [f"Gereiht nach dem Fehlbetrag: dem größeren Wert aus ungedecktem Anteil des Solls (Lücke ÷ Soll) "
             f"und dem Anteil der Zielgruppe jenseits von {fmt.num(far)} m {way}, wo die Erreichbarkeit gering ist "
             f"(unter {fmt.num(cfg.low_reach)} % in {fmt.num(far)} m {way}; nur bei Angeboten, die je Sozialraum "
             "geplant werden). Seniorenberatungen werden je Stadt bzw. Gemeinde, Pflegestützpunkte für den Landkreis "
             "bewertet.",
             "Bestand, Soll und Lücke in Plätzen (Kita), Vollzeitstellen (Hausarztpraxis) bzw. Einrichtungen.",
             *([_street_note(district)] if _has_streets(district) else [])]
    if rest > 0:
        notes.append(f"Gezeigt sind die ersten {fmt.num(len(shown))} von {fmt.num(len(flagged))} Einträgen; "
                     f"die übrigen {fmt.num(rest)} haben einen kleineren Fehlbetrag (alle Einträge liefert "
                     "die Bibliothek mit sa.supply.gaps()).")
    if flagged.empty:
        return text("Kein Gebiet liegt unter dem Orientierungswert oder hat eine geringe Erreichbarkeit.")
    return table(df, caption=f"Versorgungslücken, {year}", footnotes=[*notes, *_footnote_symbol(district, shown)],
                 align_right=[c for c in df.columns if c not in ("Gebiet", "Gemeinde", "Angebot", "Grund")],
                 kinds=_kinds(df))


def _gap_layers(district, year: int) -> list:
    """Per type planned per Sozialraum with a guide value: ``(type, base areas with the column
    met = supply in % of the guide value and its status, the type's facilities)``; what the static
    and the interactive gap maps draw."""
    cfg = supply.settings(district)
    g = supply.gaps(district, year=year)
    geo = district.geometry
    shapes = geo[geo["area_id"].isin(base_areas(district.areas)["area_id"])]
    fac = district.facilities
    out = []
    for t in (t for t, s in cfg.types.items() if s.level == "base" and s.guide is not None):
        sub = g[(g["type"] == t) & (g["level"] == "base")][["area_id", "ratio", "guide", "status"]]
        sub = sub.assign(met=100 * sub["ratio"] / sub["guide"])
        out.append((t, shapes.merge(sub, on="area_id", how="left"), fac[fac["type"] == t]))
    return out


def gap_map(district, year: int | None = None):
    """Figure: per type planned per Sozialraum with a guide value, the base areas coloured by
    the share of the guide value their supply reaches (withheld: hatched), with the facilities."""
    year = report_year(district, year)
    layers = _gap_layers(district, year)
    outlines = muni_shapes(district)
    # one map per row: at a phone's width a map needs the whole width
    fig, axes = plt.subplots(max(1, len(layers)), 1, figsize=(6.5, 6.0 * max(1, len(layers))), squeeze=False)
    for ax, (t, m, f) in zip(axes[:, 0], layers):
        ax.scatter(f["x"], f["y"], marker="^", s=14, color="#222222", zorder=5)
        extra = [Line2D([], [], color="#222222", marker="^", linestyle="", label=t)]
        figures.choropleth(m, "met", ax=ax, k=5, decimals=0, unit="%", cmap="RdYlBu",
                           title=f"{t}: Bestand in % des Orientierungswerts, {year}", extra_handles=extra,
                           missing_label="keine Angabe / gesperrt")
        outlines.plot(ax=ax, facecolor="none", edgecolor="#555555", linewidth=0.7)
    return figures.finish(fig)


#: The classes of the interactive gap map: supply in % of the guide value, broken at 100 %
#: (the guide met), with the labels its legend and tooltip show.
GAP_BINS = (0.0, 50.0, 80.0, 100.0, 120.0, 1e9)
GAP_LABELS = tuple(fmt.typography(t) for t in ("unter 50 %", "50 bis unter 80 %", "80 bis unter 100 %",
                                                 "100 bis unter 120 %", "120 % und mehr"))
GAP_COLORS = ("#d73027", "#fc8d59", "#fee090", "#91bfdb", "#4575b4")  # RdYlBu: colour-blind safe


def gap_map_interactive(district, year: int | None = None):
    """Interactive maps (:func:`sozialanalyse.render.maps.choropleth`), one per type planned per
    Sozialraum with a guide value: the base areas by the share of the guide value their supply
    reaches, in fixed classes broken at 100 % (:data:`GAP_BINS`), with the facilities marked;
    zoom and a tooltip with name, value and class. Withheld areas carry no value."""
    from IPython.display import HTML  # IPython: present in a kernel, not needed to import the pages

    year = report_year(district, year)
    out = []
    for t, m, f in _gap_layers(district, year):
        m["status"] = m["status"].fillna("").astype(str)
        out.append(maps.choropleth(
            m, m["met"], None, None, m["status"], title=f"{t}: Bestand in % des Orientierungswerts, {year}",
            kind="index", unit="%", decimals=1, bins=list(GAP_BINS), colors=list(GAP_COLORS),
            class_labels=list(GAP_LABELS), outlines=muni_shapes(district),
            value_label="Bestand in % des Orientierungswerts", points=f if len(f) else None).data)
    if not out:
        return text("Für keine Art von Einrichtung ist ein Orientierungswert je Sozialraum gesetzt.")
    return HTML('<div class="sa-maps">' + "".join(out) + "</div>")


def outside_table(district, year: int | None = None):
    """Table (or a sentence): the facilities outside every area of the district, listed, not lost."""
    o = supply.outside(district)
    if o.empty:
        return text("Alle Einrichtungen der Daten liegen innerhalb eines Gebiets des Landkreises.")
    df = pd.DataFrame({"Einrichtung": o["name"], "Art": o["type"], "angegebenes Gebiet": o["area_id"],
                       "Abstand zur Kreisgrenze": [fmt.num(v / 1000, 1, "km") for v in o["distance_m"]]})
    return table(df, caption="Einrichtungen außerhalb des Landkreises",
                 footnotes=["Sie zählen für die Erreichbarkeit der Menschen in ihrer Nähe, nicht für den Bestand "
                            "eines Gebiets. Liegt eine Einrichtung unerwartet außerhalb, sind oft x und y vertauscht."],
                 kinds={"Einrichtung": "text", "Art": "text", "angegebenes Gebiet": "text",
                        "Abstand zur Kreisgrenze": "index"})


def method(district, year: int | None = None):
    """German text: how the figures are computed and protected."""
    cfg = supply.settings(district)
    dists = " und ".join(f"{fmt.num(d)} m" for d in _reach_cols(district))
    return text(
        "**Berechnung.** Der *Bestand* eines Gebiets ist die Summe über die Einrichtungen in ihm: Plätze "
        "(Kita), Vollzeitstellen aus den Wochenstunden (Hausarztpraxis) oder die Zahl der Einrichtungen. Das "
        "*Soll* ist der Orientierungswert mal der Zielgruppe, die *Lücke* Soll minus Bestand, wo positiv, "
        "in ganzen Plätzen bzw. Zehntel-Vollzeitstellen; fehlende Einrichtungen werden auf ganze aufgerundet (eine "
        "Einrichtung lässt sich nur ganz eröffnen: fehlen 0,2, muss eine hinzukommen). Die "
        f"*Erreichbarkeit* ist der Anteil der Zielgruppe, der in {dists} Luftlinie die nächste Einrichtung der Art "
        "erreicht; gezählt werden die Menschen an ihren Adresspunkten (Einwohner je Altersgruppe je Adresse), "
        "gesucht mit einem räumlichen Index (k-d-Baum). Eine Einrichtung jenseits der Kreisgrenze zählt für die "
        "Erreichbarkeit, nicht für den Bestand."
        + (" Der *Weg entlang der Straßen* beginnt an der Adresse mit der Luftlinie zum nächsten Punkt des "
           "nächsten Straßenabschnitts und folgt dann dem kürzesten Weg im Straßennetz zur nächsten Einrichtung, "
           "die ebenso an ihre nächste Straße angebunden ist (Dijkstra-Algorithmus, von allen Einrichtungen einer "
           "Art zugleich); Abschnitte, deren Endpunkte weniger als 1 m auseinander liegen, sind verbunden. Wer in "
           "einem Teil des Netzes ohne Einrichtung der Art wohnt, gilt als nicht erreicht."
           if _has_streets(district) else "") + "\n\n"
        "**Geheimhaltung.** Die Zielgruppen sind geschützte Fallzahlen (wie überall im Bericht); wo eine gesperrt "
        "ist, sind es auch die daraus berechneten Werte (je Bezugsgröße, Soll, Lücke). Ein Anteil der "
        f"Erreichbarkeit wird nicht gezeigt, wenn innerhalb oder außerhalb der Entfernung weniger als "
        f"{fmt.num(protected_layer.of(district).settings.threshold)} Personen leben; dann wird ein weiteres "
        "Teilgebiet derselben Gemeinde gesperrt, damit sich der Wert nicht aus der Summe zurückrechnen lässt.\n\n"
        f"**Gering** ist die Erreichbarkeit, wenn weniger als {fmt.num(cfg.low_reach)} % der Zielgruppe die "
        f"nächste Einrichtung in {fmt.num(max(_reach_cols(district)))} m {_low_reach_way(district)} erreichen"
        + (" (gibt es ein Straßennetz, zählt der Weg, nicht die Luftlinie)." if _has_streets(district) else "."))


def profile_section(district, area_id: str, year: int | None = None):
    """Section of a Gemeindeprofil: supply against need for the municipality ``area_id`` (and
    its Sozialräume or member municipalities among the Kreis's gaps)."""
    year = report_year(district, year)
    area_id = str(area_id)
    g = supply.gaps(district, year=year)
    own = g[(g["area_id"] == area_id)].drop_duplicates("type")
    df = _type_rows(own, district).drop(columns=["Gebiet"])
    df.insert(0, "Angebot", own["type"].tolist())
    name = area_names(district).get(area_id, area_id)
    parts = g[(g["parent_id"] == area_id) & g["rank"].notna()].sort_values("rank")
    notes = ["Zielgruppe, Bestand, Soll und Lücke wie im Kapitel „Angebote und Bedarf“; Erreichbarkeit: Anteil der "
             "Zielgruppe in dieser Luftlinie zur nächsten Einrichtung der Art"
             + ("; „Weg“: dasselbe auf dem kürzesten Weg entlang der Straßen." if _has_streets(district) else "."),
             *_footnote_symbol(district, own)]
    if len(parts):  # names without numbers: no sentence pairs an area's name with a count
        listed = "; ".join(f"{t}: {', '.join(grp['name'])}" for t, grp in parts.groupby("type", sort=False))
        notes.append(f"Teilgebiete mit Versorgungslücken in der Rangliste des Kapitels „Angebote und Bedarf“ – "
                     f"{listed}.")
    return table(df, caption=f"Angebote und Bedarf in {name}, {year}", footnotes=notes,
                 align_right=[c for c in df.columns if c != "Angebot"], kinds=_kinds(df))
