"""The page ``notebooks/amtlich_profil.ipynb``: one Gemeindeverband from official open data (pages floor).

What the Gemeindeverband is (:func:`profile_intro`), its indicators beside the Kreis and its
rank in the Kreis (:func:`profile_key_figures`), where it lies (:func:`locator`) and its
indicators over the years (:func:`profile_trends`). Each function takes the district of
:func:`sozialanalyse.io.official.load_or_none` and returns ``None`` when there is none.
"""
from __future__ import annotations

import html

import matplotlib.pyplot as plt
import pandas as pd

from ..io import official
from ..model.district import District
from ..render import figures, fmt
from ..render.tables import table, text
from .common import attribution, indicator_text, official_kind

__all__ = ["attribution", "locator", "profile_intro", "profile_key_figures", "profile_trends"]


def profile_intro(od: District | None, area_id: str):
    """Profile page: what the Gemeindeverband is."""
    if od is None:
        return None
    a = od.area(area_id)
    kreis = od.area(od.kreis_id)
    share = a["inhabitants"] / kreis["inhabitants"] * 100
    kind = {"Samtgemeinde": f"eine Samtgemeinde aus {a['n_gemeinden']} Gemeinden ({html.escape(a['gemeinden'])})",
            "Stadt": "eine verbandsfreie Stadt", "Einheitsgemeinde": "eine Einheitsgemeinde"}[a["kind"]]
    return text(f"**{html.escape(a['label'])}** ist {kind} im {html.escape(od.name)} mit "
                f"{fmt.num(a['inhabitants'])} Einwohnerinnen und Einwohnern am 31.12.2022 "
                f"({fmt.pct(share)} des Kreises). Regionalschlüssel (ARS, 9 Stellen) {a['area_id']}, "
                f"BBSR-Schlüssel in INKAR und GISD {a['bbsr_key'] if isinstance(a['bbsr_key'], str) else fmt.MISSING}.")


def profile_key_figures(od: District | None, area_id: str, year: int | None = None):
    """Profile page: the indicators of ``year`` beside the Kreis and the rank within the Kreis."""
    if od is None:
        return None
    year = year or od.report_year
    n = len(od.municipalities())
    rows = []
    shown = ("arbeitslosenanteil", "arbeitslose", "beschaeftigtenquote", "einkommensteuer", "gisd_score")
    for ind in shown:
        spec = official.INDICATORS[ind]
        t = od.indicators[(od.indicators["indicator"] == ind) & (od.indicators["year"] == year)]
        own = t.set_index("area_id")["value"]
        gv = own[own.index.isin(od.municipalities()["area_id"])]
        rank = fmt.MISSING
        if area_id in gv and ind != "arbeitslose":
            rank = f"{int(gv.rank(ascending=spec['better'] != 'higher', method='min')[area_id])} von {n}"
        rows.append({"Indikator": spec["short"], "Gemeindeverband": indicator_text(ind, own.get(area_id)),
                     od.name: indicator_text(ind, own.get(od.kreis_id)), "Rang im Kreis": rank})
    kinds = [official_kind(i) for i in shown]  # one indicator per row
    return table(pd.DataFrame(rows), caption=f"{od.area(area_id)['label']}: Kennzahlen {year}",
                 kinds={"Gemeindeverband": kinds, od.name: kinds, "Rang im Kreis": "text"},
                 footnotes=[("Rang 1: der günstigste Wert unter den Gemeindeverbänden des Kreises. –: keine Angabe "
                            "(Einkommensteuer je Einwohner gibt es in INKAR nicht auf Kreisebene)."),
                            "Quellen: INKAR (BBSR), GISD 2022 (RKI); Arbeitslosenanteil: eigene Berechnung."])


def profile_trends(od: District | None, area_id: str):
    """Profile page: four indicators over the years, the Gemeindeverband beside the Kreis."""
    if od is None:
        return None
    inds = ["arbeitslosenanteil", "beschaeftigtenquote", "einkommensteuer", "gisd_score"]
    fig, axes = plt.subplots(2, 2, figsize=(8.5, 5.6))
    a = od.area(area_id)
    for ax, ind in zip(axes.ravel(), inds):
        spec = official.INDICATORS[ind]
        others = od.indicators[(od.indicators["indicator"] == ind)
                               & od.indicators["area_id"].isin(od.municipalities()["area_id"])]
        g = others.groupby("year")["value"]
        if len(others):
            ax.fill_between(g.min().index, g.min(), g.max(), color="#e3e3e3", label="Spanne der Gemeindeverbände")
        s = od.series(ind, od.kreis_id)
        if len(s):
            ax.plot(s["year"], s["value"], color="#555555", ls="--", label=od.name)
        s = od.series(ind, area_id)
        ax.plot(s["year"], s["value"], color="#1f5fa8", lw=2, label=a["name"])
        ax.set_title(spec["short"], fontsize=9)
        ax.set_xlim(official.YEARS)
        ax.yaxis.set_major_formatter(fmt.axis_formatter(spec["decimals"],
                                                        "%" if spec["unit"] == "%" else spec["unit"] or None))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[0, 0].legend(fontsize=7, frameon=False)
    fig.suptitle(f"{a['label']}: Entwicklung {official.YEARS[0]}–{official.YEARS[1]}", fontsize=10)
    return figures.finish(fig)


def locator(od: District | None, area_id: str):
    """Profile page: the Gemeindeverbände of the Kreis, ``area_id`` highlighted."""
    if od is None:
        return None
    fig, ax = plt.subplots(figsize=(3.6, 3.6))
    geo = od.geometry
    geo.plot(ax=ax, color="#e4e4e4", edgecolor="white", linewidth=0.8)
    geo[geo["area_id"] == area_id].plot(ax=ax, color="#1f5fa8", edgecolor="white", linewidth=0.8)
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_title(f"Lage im {od.name}", fontsize=9)
    return figures.closed(fig)
