"""The page ``notebooks/amtlich_kreis.ipynb``: a Landkreis from official open data (pages floor).

The Kreis and its Gemeindeverbände (:func:`intro`, :func:`gvb_table`, :func:`indicator_map`),
the Kreis among the Landkreise of its Land (:func:`kreis_comparison`, :func:`trends`), the
Gemeindeverbände over the years (:func:`gvb_trends`), how the keys of the sources were matched
(:func:`mapping_table`) and every file read, reconciled (:func:`reconciliation_table`). Each
function takes the district of :func:`sozialanalyse.io.official.load_or_none` and returns
``None`` when there is none (no data mirror: the page shows nothing).
"""
from __future__ import annotations

import html

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..io import official
from ..model.district import District
from ..render import figures, fmt, maps
from ..render.figures import closed
from ..render.tables import note, table, text
from .common import attribution, indicator_text, official_kind

__all__ = ["attribution", "gvb_table", "gvb_trends", "indicator_map", "indicator_map_interactive", "intro", "kreis_comparison", "mapping_table",
           "reconciliation_table", "trends"]


def intro(od: District | None):
    """Kreis page: what the report shows."""
    if od is None:
        return None
    munis = od.municipalities()
    kinds = munis["kind"].value_counts()
    parts = [f"{kinds.get(k, 0)} {p}" for k, p in (("Stadt", "Städte"), ("Einheitsgemeinde", "Einheitsgemeinden"),
                                                   ("Samtgemeinde", "Samtgemeinden")) if kinds.get(k, 0)]
    md = (f"Der **{html.escape(od.name)}** hat {fmt.num(od.area(od.kreis_id)['inhabitants'])} Einwohnerinnen und "
          f"Einwohner (31.12.2022, BKG VG250-EW) in {fmt.num(len(od.gemeinden))} Gemeinden, die zu "
          f"{len(munis)} Gemeindeverbänden gehören: {', '.join(parts)}. Diese Seiten beruhen ausschließlich auf "
          "amtlichen, offen lizenzierten Daten (INKAR des BBSR, GISD des Robert Koch-Instituts, "
          f"Verwaltungsgrenzen des BKG) für die Jahre {official.YEARS[0]} bis {official.YEARS[1]}; verglichen wird mit allen "
          f"{od.comparison['area_id'].nunique()} Landkreisen in {official.LAND_NAMES[od.land_id]}.\n\n"
          "Der Arbeitslosenanteil ist die Zahl der Arbeitslosen je 100 Einwohner von 15 bis 64 Jahren "
          "(eigene Berechnung aus zwei INKAR-Indikatoren, ab 2001 für die Gemeindeverbände), keine amtliche "
          "Arbeitslosenquote.")
    return text(md)


def gvb_table(od: District | None, year: int | None = None):
    """Kreis page: one row per Gemeindeverband with the indicators of ``year``."""
    if od is None:
        return None
    year = year or od.report_year
    rows = []
    for a in [od.area(od.kreis_id), *[r for _, r in od.municipalities().iterrows()]]:
        rows.append({"Gebiet": a["label"], "Art": a["kind"], "Einwohner 2022": fmt.num(a["inhabitants"]),
                     **{official.INDICATORS[i]["short"]: indicator_text(i, od.value(i, a["area_id"], year))
                        for i in ("arbeitslosenanteil", "beschaeftigtenquote", "einkommensteuer", "gisd_score")}})
    shown = ("arbeitslosenanteil", "beschaeftigtenquote", "einkommensteuer", "gisd_score")
    return table(pd.DataFrame(rows), caption=f"Amtliche Kennzahlen der Gemeindeverbände im {od.name}, {year}",
                 kinds={"Art": "text", "Einwohner 2022": "count",
                        **{official.INDICATORS[i]["short"]: official_kind(i) for i in shown}},
                 footnotes=[("Einwohner: BKG VG250-EW, 31.12.2022. Einkommensteuer je Einwohner gibt es nur "
                            "für Gemeindeverbände (–: kein Kreiswert). GISD-Score: Release 2022, innerhalb "
                            f"{official.LAND_NAMES[od.land_id]}s skaliert (höher = stärker benachteiligt)."),
                            "Quellen: siehe Quellenangaben unten."])


def indicator_map(od: District | None, indicator: str = "arbeitslosenanteil", year: int | None = None):
    """Kreis page: a choropleth of ``indicator`` over the Gemeindeverbände."""
    if od is None:
        return None
    year = year or od.report_year
    spec = official.INDICATORS[indicator]
    gdf = od.geometry.copy()
    gdf["wert"] = [od.value(indicator, a, year) for a in gdf["area_id"]]
    fig, ax = plt.subplots(figsize=(7, 6))
    figures.choropleth(gdf, "wert", ax=ax, k=4, decimals=spec["decimals"], unit=spec["unit"] or None,
                     cmap="YlOrRd" if spec["better"] == "lower" else "YlGnBu", labels="name",
                     title=f"{spec['short']} {year}")
    return closed(fig)


def indicator_map_interactive(od: District | None, indicator: str = "arbeitslosenanteil", year: int | None = None):
    """Kreis page: the map of :func:`indicator_map` as an interactive map (same classes)."""
    if od is None:
        return None
    year = year or od.report_year
    spec = official.INDICATORS[indicator]
    gdf = od.geometry.copy()
    values = [od.value(indicator, a, year) for a in gdf["area_id"]]
    return maps.choropleth(gdf, values, title=f"{spec['short']} {year}", k=4, decimals=spec["decimals"],
                           unit=spec["unit"] or None, kind=official_kind(indicator),
                           cmap="YlOrRd" if spec["better"] == "lower" else "YlGnBu", label_names=True,
                           value_label=spec["short"])


def kreis_comparison(od: District | None, year: int | None = None):
    """Kreis page: the Kreis among all Landkreise of the Land (table with rank, and a dot plot)."""
    from IPython.display import (  # IPython: only inside a notebook kernel; importing the pages must not need it
        display,  # IPython: present in a kernel, not needed to import the pages
    )

    if od is None:
        return None
    year = year or od.report_year
    inds = ["arbeitslosenanteil", "beschaeftigtenquote", "gisd_bund"]
    c = od.comparison[od.comparison["year"] == year]
    rows = []
    fig, axes = plt.subplots(len(inds), 1, figsize=(7, 1.1 * len(inds) + 0.6))
    for ax, ind in zip(np.atleast_1d(axes), inds):
        s = c[c["indicator"] == ind].set_index("area_id")["value"].dropna()
        spec = official.INDICATORS[ind]
        ascending = spec["better"] != "higher"
        rank = int(s.rank(ascending=ascending, method="min")[od.kreis_id]) if od.kreis_id in s else None
        rows.append({"Indikator": spec["short"], od.name: indicator_text(ind, s.get(od.kreis_id)),
                     "Rang": f"{rank} von {len(s)}" if rank else fmt.MISSING,
                     "Minimum": indicator_text(ind, s.min()), "Median": indicator_text(ind, s.median()), "Maximum": indicator_text(ind, s.max())})
        jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(s))
        other = s.index != od.kreis_id
        ax.scatter(s[other], jitter[other], s=18, color="#9e9e9e", alpha=0.8)
        ax.scatter(s[~other], jitter[~other] * 0, s=60, color="#c0392b", zorder=3, label=od.name)
        ax.axvline(s.median(), color="#555555", lw=0.8, ls="--")
        ax.set_yticks([])
        ax.set_ylim(-0.5, 0.5)
        ax.set_title(spec["short"], fontsize=9, loc="left")
        ax.xaxis.set_major_formatter(fmt.axis_formatter(spec["decimals"],
                                                        "%" if spec["unit"] == "%" else None))
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
    fig.suptitle(f"{od.name} (rot) unter den Landkreisen in {official.LAND_NAMES[od.land_id]}, {year} "
                 "(grau: die anderen Landkreise, Linie: Median)", fontsize=9)
    fig.tight_layout()
    display(table(pd.DataFrame(rows), caption=f"{od.name} im Vergleich der {c['area_id'].nunique()} Landkreise in "
                                              f"{official.LAND_NAMES[od.land_id]}, {year}",
                  footnotes=[("Rang 1: der günstigste Wert (niedrigster Arbeitslosenanteil und GISD-Score, höchste "
                             "Beschäftigtenquote). Kreisfreie Städte sind nicht im Vergleich."),
                             "Quellen: INKAR (Kreisebene), GISD 2022 Bund Kreis."],
                  # one indicator per row: the value columns take the row's kind
                  kinds={"Rang": "text", **{col: [official_kind(i) for i in inds]
                                            for col in (od.name, "Minimum", "Median", "Maximum")}}))
    return closed(fig)


def trends(od: District | None):
    """Kreis page: the Kreis over 1998–2019 against the median and range of the Landkreise."""
    if od is None:
        return None
    inds = ["arbeitslosenanteil", "beschaeftigtenquote", "gisd_bund"]
    fig, axes = plt.subplots(1, len(inds), figsize=(10, 3.2))
    for ax, ind in zip(axes, inds):
        spec = official.INDICATORS[ind]
        c = od.comparison[od.comparison["indicator"] == ind]
        g = c.groupby("year")["value"]
        ax.fill_between(g.min().index, g.min(), g.max(), color="#dddddd", label="Spanne der Landkreise")
        ax.plot(g.median().index, g.median(), color="#777777", ls="--", label="Median der Landkreise")
        k = c[c["area_id"] == od.kreis_id].sort_values("year")
        ax.plot(k["year"], k["value"], color="#c0392b", lw=2, label=od.name)
        ax.set_title(spec["short"], fontsize=9)
        ax.yaxis.set_major_formatter(fmt.axis_formatter(spec["decimals"],
                                                        "%" if spec["unit"] == "%" else None))
        ax.set_xlim(official.YEARS)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[0].legend(fontsize=7, frameon=False, loc="upper right")
    fig.suptitle(f"Entwicklung {official.YEARS[0]}–{official.YEARS[1]}", fontsize=10)
    return figures.finish(fig)


def gvb_trends(od: District | None, indicator: str = "arbeitslosenanteil"):
    """Kreis page: ``indicator`` over the years for every Gemeindeverband and the Kreis."""
    if od is None:
        return None
    spec = official.INDICATORS[indicator]
    fig, ax = plt.subplots(figsize=(8, 3.8))
    for a in od.municipalities().itertuples():
        s = od.series(indicator, a.area_id)
        ax.plot(s["year"], s["value"], lw=1, alpha=0.8, label=a.name)
    s = od.series(indicator, od.kreis_id)
    if len(s):
        ax.plot(s["year"], s["value"], lw=2.5, color="black", label=od.name)
    ax.set_title(f"{spec['short']} der Gemeindeverbände", fontsize=10)
    ax.yaxis.set_major_formatter(fmt.axis_formatter(spec["decimals"],
                                                    "%" if spec["unit"] == "%" else spec["unit"] or None))
    ax.legend(fontsize=7, frameon=False, bbox_to_anchor=(1.01, 1), loc="upper left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return figures.finish(fig)


def mapping_table(od: District | None):
    """Kreis page: how the keys of the sources were matched, and everything unmatched."""
    from IPython.display import (  # IPython: only inside a notebook kernel; importing the pages must not need it
        display,  # IPython: present in a kernel, not needed to import the pages
    )

    if od is None:
        return None
    munis = od.municipalities()
    display(table(pd.DataFrame({"Gemeindeverband": munis["label"], "ARS (9 Stellen)": munis["area_id"],
                                "BBSR-Schlüssel (INKAR, GISD 2022)": munis["bbsr_key"].fillna(fmt.MISSING),
                                "Gemeinden": munis["n_gemeinden"].map(fmt.num)}),
                  caption="Schlüssel der Gemeindeverbände", align_right=["Gemeinden"],
                  # keys, and numbers of municipalities (administrative units, not persons)
                  kinds=dict.fromkeys(["ARS (9 Stellen)", "BBSR-Schlüssel (INKAR, GISD 2022)", "Gemeinden"], "text"),
                  footnotes=[("INKAR und GISD 2022 verwenden achtstellige BBSR-Schlüssel (Kreis + 3 Stellen, 9xx für "
                             "Samtgemeinden), die Verwaltungsgrenzen den Regionalschlüssel (ARS, erste 9 Stellen). "
                             "Zugeordnet wird über den Namen innerhalb des Kreises (Namen aus GISD 2025, das den ARS "
                             "verwendet); bei verbandsfreien Gemeinden wird zusätzlich BBSR-Schlüssel = AGS geprüft.")]))
    un = od.unmatched
    if un.empty:
        return note("Alle Schlüssel aller Quellen wurden zugeordnet; kein Gebiet fehlt.")
    return table(un.rename(columns={"source": "Quelle", "source_key": "Schlüssel", "source_name": "Name",
                                    "area_id": "ARS", "status": "Status"}).fillna(fmt.MISSING),
                 caption="Nicht zugeordnete Schlüssel (nicht verwendet)",
                 kinds=dict.fromkeys(["Schlüssel", "ARS", "Name", "Status"], "text"))


def reconciliation_table(od: District | None):
    """Every file read, reconciled: Zeilen gelesen = verwendet + anderes Gebiet/Jahr + Schlüssel ohne
    Gegenstück + ohne Wert. Nothing read disappears without being counted."""
    if od is None or od.loads.empty:
        return None
    t = od.loads
    df = pd.DataFrame({"Datei": t["file"], "gelesen": t["read"].map(fmt.num), "verwendet": t["used"].map(fmt.num),
                       "anderes Gebiet oder Jahr": t["outside"].map(fmt.num),
                       "Schlüssel ohne Gegenstück": t["unmatched"].map(fmt.num),
                       "ohne Wert": t["no_value"].map(fmt.num)})
    return table(df, caption="Abgleich je Datei: gelesene Zeilen = verwendet + anderes Gebiet oder Jahr + "
                             "Schlüssel ohne Gegenstück + ohne Wert",
                 footnotes=[("Eine Zeile ist ein Wert für ein Gebiet und ein Jahr (bei Grenzdateien ein Gebiet). "
                             "„Anderes Gebiet oder Jahr“: Gebiete außerhalb des Landkreises (bei den Vergleichsdaten: "
                             "außerhalb der Landkreise des Landes), Jahre außerhalb 1998–2019 und die Gewässerflächen "
                             "der Grenzdateien. „Ohne Wert“: in der Quelle leer.")],
                 # numbers of file rows, not of persons: no disclosure control applies
                 kinds={c: "text" for c in df.columns[1:]})
