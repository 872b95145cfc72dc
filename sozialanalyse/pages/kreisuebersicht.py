"""The Kreis overview (``notebooks/kreisuebersicht.ipynb``): the Kreis as a whole and its
Städte, Gemeinden and Samtgemeinden side by side.

Floor: pages. The introduction, key figures, trends and population pyramid of the Kreis are the
Gemeindeprofil's functions (:mod:`sozialanalyse.pages.gemeindeprofil`) called with the Kreis
key; they are imported here so that the notebook calls one module. The map and the table of all
municipalities are only on this page.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..model.config import SYMBOL
from ..model.district import District
from ..protected import layer as protected_layer
from ..render import figures, fmt, maps
from ..render.tables import table
from ..stats import indicators
from .common import (
    absent_footnote,
    format_value,
    gap_count,
    kind_label,
    mark_absent,
    mask,
    missing_label,
    published_results,
)
from .gemeindeprofil import (
    intro,
    key_figures,
    population_development,
    pyramid_and_locator,
    trends_table,
)
from .indikatorenkatalog import catalog_href

__all__ = [
    # shared with the Gemeindeprofil (pages.gemeindeprofil), called with the Kreis key
    "intro",
    "key_figures",
    "population_development",
    "pyramid_and_locator",
    "trends_table",
    # only on this page
    "municipality_map",
    "municipality_map_interactive",
    "municipality_table",
]


def municipality_table(district: District, year: int, ids: list[str] | None = None):
    """Table: selected indicators for every municipality and the Kreis (one row each), with the
    published values of the protected layer (``.`` where suppressed)."""
    ids = ids or ["sgb2_quote", "kinderarmut", "arbeitslosenquote", "anteil_65plus", "anteil_nichtdeutsche",
                  "pflegequote"]
    cat = indicators.catalog(indicators.district_catalog(district)).set_index("id")
    res = published_results(district, ids, ["gemeindeverband", "kreis"], years=[year])
    res = res.drop_duplicates(["area_id", "indicator"]).set_index(["area_id", "indicator"])
    order = [str(a) for a in district.municipalities()["area_id"]] + [str(district.kreis["area_id"])]
    pop = protected_layer.of(district).counts({"variable": "einwohner"}, area_ids=order, years=[year])
    pop = pop.set_index("area_id")
    rows, absent = [], {}
    reasons: dict[str, list[str]] = {"Einwohner": []}
    header_links = {}
    for a in order:
        value = pop["value"].get(a, float("nan"))
        held = str(pop["status"].get(a, "") or "")
        gap = gap_count(district, a, "einwohner", year) if pd.isna(value) and not held else 0
        row = {"Gebiet": district.name_of(a), "Art": kind_label(district, a),
               "Einwohner": SYMBOL if held else f"{fmt.ABSENT} ²" if gap else fmt.num(value)}
        reasons["Einwohner"].append(held)
        if gap:
            n = len(district.base_of(a))
            absent.setdefault(f"incomplete: einwohner {year} in {gap} of {n} base area{'s' if n != 1 else ''}",
                              None)
        for i in ids:
            label = f"{cat.loc[i, 'name']} ({cat.loc[i, 'unit']})"
            header_links[label] = catalog_href(i, from_profile=False)
            r = res.loc[(a, i)] if (a, i) in res.index else None
            st = str(r["status"]) if r is not None else ""
            reasons.setdefault(label, []).append(st)
            if r is None:
                row[label] = fmt.MISSING
            elif st:
                row[label] = SYMBOL
            else:
                row[label] = (mark_absent({"reason": r.get("reason", "")}, absent)
                              or format_value(r["value"], str(cat.loc[i, "unit"])))
        rows.append(row)
    df, held_notes = mask(district, pd.DataFrame(rows), reasons)
    kinds = {c: "text" if c in ("Gebiet", "Art") else "count" if c == "Einwohner" else "rate" for c in df.columns}
    return table(df, caption=f"Einwohner und Kennzahlen der Städte, Gemeinden und Samtgemeinden, {year}", header_links=header_links,
                 footnotes=[*held_notes, *absent_footnote(absent)] or None,
                 align_right=[c for c in df.columns if c not in ("Gebiet", "Art")], kinds=kinds)


def _map_level_and_shapes(district: District, area_id: str | None):
    """The level and shapes of the municipality map: the municipalities of the Kreis, or the
    Sozialräume (else Mitgliedsgemeinden) of ``area_id``; the static and the interactive map
    draw the same."""
    geo = district.geometry
    if area_id is None:
        return "gemeindeverband", geo[geo["kind"].isin(["Stadt", "Einheitsgemeinde", "Samtgemeinde"])]
    children = district.children(area_id)
    level = "sozialraum" if (children["kind"] == "Sozialraum").all() else "gemeinde"
    return level, geo[geo["area_id"].isin(children["area_id"])]


def municipality_map_interactive(district: District, year: int, indicator_id: str = "sgb2_quote",
                                 area_id: str | None = None):
    """The map of :func:`municipality_map` as an interactive map (zoom; tooltip with name,
    value, 95 % interval and class; :func:`sozialanalyse.render.maps.choropleth`), same classes,
    with the Pflegestützpunkte on the Kreis map. Suppressed areas carry no value."""
    cat = indicators.catalog(indicators.district_catalog(district)).set_index("id")
    level, shapes = _map_level_and_shapes(district, area_id)
    res = published_results(district, [indicator_id], level, years=[year]).drop_duplicates(["area_id"])
    cols = ["area_id", "value", "lower", "upper", "status"] + (["reason"] if "reason" in res.columns else [])
    shapes = shapes.merge(res[cols], on="area_id", how="left")
    unit = str(cat.loc[indicator_id, "unit"])
    psp = district.facilities[district.facilities["type"] == "Pflegestützpunkt"]
    return maps.choropleth(shapes, shapes["value"], shapes["lower"], shapes["upper"], shapes["status"],
                           shapes["reason"] if "reason" in shapes.columns else None,
                           title=f"{cat.loc[indicator_id, 'name']}, {year}", unit=unit, kind="rate",
                           label_names=area_id is None, value_label=str(cat.loc[indicator_id, "name"]),
                           points=psp if area_id is None and len(psp) else None)


def municipality_map(district: District, year: int, indicator_id: str = "sgb2_quote", area_id: str | None = None):
    """Choropleth of an indicator over the municipalities (or the Sozialräume of ``area_id``),
    with the published values of the protected layer (suppressed: hatched like missing)."""
    cat = indicators.catalog(indicators.district_catalog(district)).set_index("id")
    level, shapes = _map_level_and_shapes(district, area_id)
    res = published_results(district, [indicator_id], level, years=[year])
    res = res.drop_duplicates(["area_id"])
    cols = ["area_id", "value", "status"] + (["reason"] if "reason" in res.columns else [])
    shapes = shapes.merge(res[cols], on="area_id", how="left")
    incomplete = "reason" in shapes.columns and ((shapes["reason"].astype(object).fillna("") != "")
                                                 & (shapes["status"].astype(object).fillna("") == "")).any()
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    extra = []
    if area_id is None:
        from matplotlib.lines import Line2D  # matplotlib: heavy, loaded on first figure

        fac = district.facilities_gdf()
        psp = fac[fac["type"] == "Pflegestützpunkt"]
        if len(psp):
            psp.plot(ax=ax, color="#1f3b73", marker="^", markersize=40, zorder=5)
            extra.append(Line2D([], [], color="#1f3b73", marker="^", linestyle="", label="Pflegestützpunkt"))
    figures.choropleth(shapes, "value", ax=ax, decimals=1, unit=str(cat.loc[indicator_id, "unit"]),
                     labels="name" if area_id is None else None,
                     legend_title=f"{cat.loc[indicator_id, 'name']} {year}",
                     title=f"{cat.loc[indicator_id, 'name']}, {year}", extra_handles=extra,
                     missing_label=("fehlt (Eingangsdaten unvollständig) / " if incomplete else "")
                     + missing_label(shapes["status"]))
    return figures.finish(fig)
