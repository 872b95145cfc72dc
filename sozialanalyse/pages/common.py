"""What several pages share: the page footer, the footnote behind "fehlt", figure and table
helpers used by more than one template notebook.

Floor: pages. A function used by one notebook only lives in that notebook's page module.
"""
from __future__ import annotations

import html
import re

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D

from ..io import official
from ..model.areas import area_names, base_areas, level_ids, report_year
from ..model.config import SYMBOL
from ..model.district import District
from ..protected import layer as protected_layer
from ..render import figures, fmt, maps
from ..render.tables import md_escape, table, text
from ..stats import indicators

__all__ = [
    "KIND_LABELS",
    "MARKER_LEGEND",
    "compare_marker",
    "trend_marker",
    "absent_footnote",
    "footer",
    "format_value",
    "gap_count",
    "kind_label",
    "mark_absent",
]


# --- page footer and "fehlt" footnote (every page) -----------------------------------------------

#: German names of the pages' parameters in the box "Für Prüfende" (others are shown as written).
PARAMETER_LABELS = {"config": "Konfiguration", "year": "Berichtsjahr", "area_id": "Gebietsschlüssel",
                    "teilkonzept": "Teilkonzept", "map_indicator": "Kennzahl der Karte"}


def parameter_value(name: str, value) -> str:
    """A page parameter's value as a reader reads it: text as written, ``year = 0`` as the
    latest year of the data, true/false in German, years and keys without separators.

    Examples
    --------
    >>> parameter_value("year", 0), parameter_value("year", 2024), parameter_value("config", "musterland")
    ('0 (das neueste Jahr der Daten)', '2024', 'musterland')
    >>> parameter_value("x", True), parameter_value("x", None)
    ('ja', 'keiner')
    """
    if name == "year" and value in (0, None):
        return f"{value if value is not None else 'keins'} (das neueste Jahr der Daten)"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if value is None:
        return "keiner"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def reviewer_box(parameters: dict, text: str = "") -> str:
    """HTML of the collapsed box "Für Prüfende": the page's parameters as "Name: Wert" and how
    to recompute the page (``text``, HTML)."""
    items = "".join(f"<dt>{html.escape(PARAMETER_LABELS.get(k, k))}:</dt><dd>{html.escape(parameter_value(k, v))}</dd>"
                    for k, v in parameters.items())
    return ('<details class="sa-reviewers sa-parameters"><summary>Für Prüfende: Parameter dieser Seite</summary>'
            + (f"<dl>{items}</dl>" if items else "") + (f'<p class="sa-footnote">{text}</p>' if text else "")
            + "</details>")


def footer(**parameters):
    """The last cell of every page: a collapsed box "Für Prüfende" with the parameters the page
    was computed with (German names, "Name: Wert") and where its executed notebook is.

    Examples
    --------
    >>> h = footer(config="musterland", area_id="03499016", year=0).data
    >>> "<summary>Für Prüfende" in h, "<dt>Gebietsschlüssel:</dt><dd>03499016</dd>" in h
    (True, True)
    >>> "<dt>Berichtsjahr:</dt><dd>0 (das neueste Jahr der Daten)</dd>" in h, "&#x27;" in h
    (True, False)
    """
    from IPython.display import HTML  # IPython: present in a kernel, not needed to import the pages

    return HTML(reviewer_box(parameters, 'Das ausgeführte Notebook dieser Seite lässt sich über die Schaltfläche '
                                         '„Herunterladen“ (.ipynb) oben rechts laden und mit '
                                         '<code>sozialanalyse verify</code> nachrechnen (siehe „Für Prüfende“ im '
                                         'Teil „Daten und Methoden“).'))


def absent_footnote(absent) -> list[str]:
    """German footnote naming what is missing (variables, year, base areas) behind "fehlt".

    ``absent`` holds the ``reason`` strings of result rows whose inputs are incomplete
    (``"incomplete: einwohner 2024 in 1 of 18 base areas"``).

    Examples
    --------
    >>> note, = absent_footnote(["incomplete: einwohner 2024 in 1 of 18 base areas"])
    >>> "(einwohner 2024 in 1 von 18 Teilgebieten)" in note
    True
    >>> absent_footnote([])
    []
    """
    if not absent:
        return []
    parts = []
    for r in absent:
        m = re.match(r"incomplete: (.+) (\d{4}) in (\d+) of (\d+) base areas?", r)
        if m and m.group(4) == "1":  # the area is a base area itself
            parts.append(f"{m.group(1)} {m.group(2)}")
        else:
            parts.append(f"{m.group(1)} {m.group(2)} in {m.group(3)} von {m.group(4)} Teilgebieten" if m else r)
    return ["² fehlt: Eingangsdaten unvollständig, es fehlen Zeilen (" + "; ".join(dict.fromkeys(parts))
            + "); der Wert wird nicht aus unvollständigen Daten berechnet (keine 0)."]


def mark_absent(row, absent: dict) -> str:
    """``"fehlt ²"`` for a result row whose inputs are incomplete (its ``reason``), collecting
    the reason in ``absent`` for :func:`absent_footnote`; "" otherwise.

    Examples
    --------
    >>> seen = {}
    >>> mark_absent({"reason": "incomplete: einwohner 2024 in 1 of 1 base area"}, seen), len(seen)
    ('fehlt ²', 1)
    >>> mark_absent({"reason": ""}, seen), mark_absent(None, seen)
    ('', '')
    """
    reason = str(row.get("reason", "") or "") if row is not None else ""
    if not reason or reason == "nan":
        return ""
    absent.setdefault(reason, None)
    return f"{fmt.ABSENT} ²"


def gap_count(district, area_id: str, variable: str, year: int) -> int:
    """Number of base areas of ``area_id`` lacking rows of ``variable`` in ``year``."""
    g = getattr(district, "gaps", None)
    if g is None or g.empty:
        return 0
    g = g[(g["variable"] == variable) & (g["year"] == year)]
    return int(g["area_id"].isin(district.base_of(area_id)).sum())


# --- end of the block of page footer and "fehlt" footnote -----------------------------------------


# --- areas and values in the profile tables (Gemeindeprofil, Kreisübersicht) ---------------------

#: German label of each kind of area in tables and sentences.
KIND_LABELS = {
    "Landkreis": "Landkreis",
    "Stadt": "Stadt",
    "Einheitsgemeinde": "Einheitsgemeinde",
    "Samtgemeinde": "Samtgemeinde",
    "Mitgliedsgemeinde": "Mitgliedsgemeinde",
    "Sozialraum": "Sozialraum",
}


def kind_label(district, area_id: str) -> str:
    """German label of the kind of an area (``"Samtgemeinde"``, ``"Landkreis"``, ...)."""
    return KIND_LABELS.get(str(district.area(area_id)["kind"]), str(district.area(area_id)["kind"]))


def format_value(value: float, unit: str) -> str:
    """An indicator value in German format for its catalog unit (``%``, ``Jahre``, ...).

    Examples
    --------
    >>> format_value(12.345, "%"), format_value(41.27, "Jahre"), format_value(3.14, "je 1.000")
    ('12,3\\xa0%', '41,3\\xa0Jahre', '3,1')
    """
    if unit == "%":
        return fmt.pct(value)
    if unit in ("Jahre", "m²", "EUR/m²"):
        return fmt.num(value, 1, unit)
    return fmt.num(value, 1)


# --- end of the block of areas and values in the profile tables ----------------------------------


# --- health chapters: shared by gesundheit, pflege, senioren, behinderung and the spine chart ----

__all__ += [
    "MUNI_KINDS",
    "catalog",
    "fmt_ci",
    "fmt_value",
    "indicator_intro",
    "indicator_maps",
    "indicator_maps_interactive",
    "indicator_table",
    "indicator_trend",
    "left_out_note",
    "mask",
    "missing_label",
    "muni_shapes",
    "published_results",
    "span",
    "suppressed_footnotes",
]

#: Kinds of area drawn as a municipality (Stadt, Gemeinde, Samtgemeinde) on the maps.
MUNI_KINDS = ("Stadt", "Einheitsgemeinde", "Samtgemeinde")

_INPUT_LABELS = {"einwohner": "Einwohner", "sterbefaelle": "Sterbefälle", "pflegebeduerftige": "Pflegebedürftige"}


def span(years) -> str:
    """``2020–2024`` (en dash), or the single year.

    Examples
    --------
    >>> span([2020, 2021, 2022]), span([2024])
    ('2020–2022', '2024')
    """
    return f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])


def left_out_note(district, left_out, what: str, variables=("einwohner",)) -> str:
    """German sentence (plain text: md_escape it for Markdown): ``what`` is computed without the
    base areas ``left_out`` (named with their town), because their input rows of ``variables``
    are absent; "" when nothing was left out.

    The inputs named are those of ``variables`` that the district's gaps of ``left_out`` concern
    (``Einwohner`` when none can be told)."""
    if not len(left_out):
        return ""
    names = area_names(district)
    parent = dict(zip(district.areas["area_id"], district.areas["parent_id"]))
    def label(a):
        p = parent.get(a)
        town = f" ({names[p]})" if p in names and p != district.kreis["area_id"] else ""
        return f"{names.get(a, a)}{town}"
    gaps = getattr(district, "gaps", None)
    found = set() if gaps is None else set(gaps.loc[gaps["area_id"].isin(list(left_out)), "variable"])
    inputs = [_INPUT_LABELS.get(v, v) for v in variables if v in found] or ["Einwohner"]
    return (f"{what} ohne {', '.join(label(a) for a in left_out)}, weil dort Eingangsdaten "
            f"({', '.join(inputs)}) fehlen; nicht mit 0 gerechnet.")


def catalog(district=None) -> pd.DataFrame:
    """The indicator catalog indexed by ``id``: with ``district``, extended by the catalog files its
    config names (the definitions :func:`sozialanalyse.stats.indicators.compute` used)."""
    return indicators.catalog(None if district is None else indicators.district_catalog(district)).set_index("id")


def fmt_value(value: float, unit: str, decimals: int = 1) -> str:
    """A value in German format, as a percentage when ``unit`` is ``%``."""
    if unit == "%":
        return fmt.pct(value, decimals)
    return fmt.num(value, decimals)


def fmt_ci(low: float, high: float, unit: str = "", decimals: int = 1) -> str:
    """An interval ``low – high`` in German format; the missing sign when a limit is NaN."""
    if pd.isna(low) or pd.isna(high):
        return fmt.MISSING
    suffix = " %" if unit == "%" else ""
    return f"{fmt.num(low, decimals)} – {fmt.num(high, decimals)}{suffix}"


def published_results(district, ids, levels, years=None) -> pd.DataFrame:
    """The protected indicator results (:meth:`sozialanalyse.protected.layer.Layer.indicators`):
    ``value``, ``lower``, ``upper``, ``numerator`` and ``denominator`` NaN where ``status`` says
    the cell is suppressed; ``area_id``, ``indicator``, ``notes``, ``level`` as plain strings."""
    res = protected_layer.of(district).indicators(list(ids), level=levels, years=years)
    for col in ("area_id", "indicator", "notes", "level", "status"):
        if col in res.columns:
            res[col] = res[col].astype(str)
    if "reason" in res.columns:
        res["reason"] = res["reason"].astype(object).fillna("").astype(str)
    return res


def suppressed_footnotes(district, n: int = 1) -> list[str]:
    """The footnote behind ``.`` (the config's wording), when ``n`` cells were suppressed."""
    return [protected_layer.of(district).settings.footnote_line] if n else []


def mask(district, frame: pd.DataFrame, reasons: dict) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with ``.`` in the cells whose status in ``reasons`` (column -> one status per
    row, ``""``, ``"primary"`` or ``"secondary"``) is not empty, and the footnotes for it.

    Examples
    --------
    >>> import sozialanalyse as sa
    >>> d = sa.load_district("musterland")
    >>> f, notes = mask(d, pd.DataFrame({"Gebiet": ["A", "B"], "Anteil": ["0,5 %", "12,0 %"]}),
    ...                 {"Anteil": ["primary", ""]})
    >>> f["Anteil"].tolist(), len(notes)
    (['.', '12,0 %'], 1)
    """
    out = frame.copy()
    n = 0
    for col, status in reasons.items():
        out[col] = out[col].astype(object)
        for pos, st in enumerate(status):
            if st:
                out.iat[pos, out.columns.get_loc(col)] = SYMBOL
                n += 1
    return out, suppressed_footnotes(district, n)


def missing_label(status) -> str:
    """Legend entry of the hatched areas of a map: also "gesperrt" when anything is suppressed."""
    return "keine Angabe / gesperrt" if (pd.Series(status, dtype=object).fillna("") != "").any() else "keine Angabe"


def muni_shapes(district):
    """The polygons of the municipalities (Städte, Gemeinden, Samtgemeinden)."""
    geo = district.geometry
    return geo[geo["kind"].isin(MUNI_KINDS)].copy()



def indicator_intro(district, ids, year: int | None = None):
    """German sentences: each indicator's Kreis value, the range over the municipalities and the
    change over the data years, from the protected layer: the range runs over published values
    only, and a suppressed Kreis value is "gesperrt"."""
    year = report_year(district, year)
    cat = catalog(district)
    res = published_results(district, ids, ["gemeindeverband", "kreis"])
    names = area_names(district)
    kreis = district.kreis["area_id"]
    lines = []
    absent: dict[str, None] = {}
    held = False
    for i in ids:
        unit = str(cat.loc[i, "unit"])
        sub = res[res["indicator"] == i]
        now = sub[sub["year"] == year]
        k = now[now["area_id"] == kreis]
        first = sub[(sub["area_id"] == kreis) & (sub["year"] == district.years[0])]
        m = now[(now["area_id"] != kreis) & (now["status"] == "")].dropna(subset=["value"])
        if k.empty or m.empty:
            continue
        lo, hi = m.loc[m["value"].idxmin()], m.loc[m["value"].idxmax()]

        def shown(row, unit=unit) -> str:
            nonlocal held
            if row["status"]:
                held = True
                return "gesperrt"
            return fmt_value(row["value"], unit)

        change = f" ({district.years[0]}: {shown(first.iloc[0])})" if len(first) else ""
        # incomplete inputs: "fehlt ²" (the footnote names them), never a number computed with 0
        gone = now[(now["reason"] != "") & now["value"].isna() & (now["status"] == "")]
        for r in gone["reason"]:
            absent.setdefault(str(r), None)
        kval = f"{fmt.ABSENT} ²" if kreis in set(gone["area_id"]) else shown(k.iloc[0])
        without = [names[a] for a in gone["area_id"] if a != kreis]
        without = f"; {', '.join(md_escape(n) for n in without)}: {fmt.ABSENT} ²" if without else ""
        n_held = int((now["status"] != "").sum() - (k["status"] != "").sum())
        held = held or n_held > 0
        held_txt = (f"; {n_held} {'Wert' if n_held == 1 else 'Werte'} gesperrt" if n_held else "")
        lines.append(f"- **{md_escape(str(cat.loc[i, 'name']))}**: {kval} im Landkreis"
                     f"{change}; zwischen {fmt_value(lo['value'], unit)} ({md_escape(names[lo['area_id']])}) und "
                     f"{fmt_value(hi['value'], unit)} ({md_escape(names[hi['area_id']])}){without}{held_txt}.")
    notes = "".join(f"\n\n{md_escape(n)}" for n in absent_footnote(list(absent)))
    if held:
        notes += ("\n\nGesperrt: aus Gründen der Geheimhaltung nicht veröffentlicht (Fallzahl kleiner als "
                  f"{protected_layer.of(district).settings.threshold} oder daraus zu errechnen); "
                  "die Spannweite nennt nur veröffentlichte Werte.")
    return text(f"Kennzahlen {year} im Überblick:\n\n" + "\n".join(lines) + notes)


def indicator_table(district, ids, year: int | None = None, level: str = "gemeindeverband"):
    """Table: indicators with 95 % intervals per municipality and Kreis (``gemeindeverband``) or
    per Sozialraum grouped by town (``sozialraum``), from the protected layer (``.`` where
    suppressed)."""
    year = report_year(district, year)
    cat = catalog(district)
    ids = list(ids)

    levels = ["gemeindeverband", "kreis"] if level == "gemeindeverband" else [level]
    res = published_results(district, ids, levels, years=[year])
    res = res.drop_duplicates(["area_id", "indicator"]).set_index(["area_id", "indicator"])
    names = area_names(district)
    parent = dict(zip(district.areas["area_id"], district.areas["parent_id"]))
    area_ids = ([*level_ids(district, "gemeindeverband"), district.kreis["area_id"]] if level == "gemeindeverband"
                else level_ids(district, level))
    rows = []
    reasons: dict[str, list[str]] = {}
    absent: dict[str, None] = {}
    for a in area_ids:
        row = {"Stadt": names.get(parent.get(a), ""), "Gebiet": names[a]}
        for i in ids:
            unit = str(cat.loc[i, "unit"])
            label = f"{cat.loc[i, 'name']}"
            if (a, i) not in res.index:
                row[label] = fmt.MISSING
                reasons.setdefault(label, []).append("")
                continue
            r = res.loc[(a, i)]
            reason = str(r.get("reason", "") or "")
            if pd.isna(r["value"]) and not r["status"] and reason not in ("", "nan"):
                # incomplete inputs: "fehlt ²" with the footnote naming them, never a 0
                absent.setdefault(reason, None)
                row[label] = f"{fmt.ABSENT} ²"
                reasons.setdefault(label, []).append("")
                continue
            flag = " ¹" if "small_denominator" in str(r["notes"]) else ""
            row[label] = (SYMBOL if r["status"] else
                          f"{fmt_value(r['value'], unit)}{flag} ({fmt_ci(r['lower'], r['upper'])})")
            reasons.setdefault(label, []).append(str(r["status"]))
        rows.append(row)
    df, held = mask(district, pd.DataFrame(rows), reasons)
    if level == "gemeindeverband":
        df = df.drop(columns="Stadt")
    what = "Städte, Gemeinden und Samtgemeinden" if level == "gemeindeverband" else "Sozialräume"
    # the caption says what the table holds, for which areas and when (review #16)
    shown = str(cat.loc[ids[0], "name"]) if len(ids) == 1 else "Kennzahlen"
    return table(df, caption=f"{shown} der {what}, {year}", group="Stadt" if level != "gemeindeverband" else None,
                 footnotes=[("In Klammern: 95-%-Intervall (Wilson). ¹ Nenner unter der Mindestgröße: Wert "
                            "statistisch unsicher. Definitionen: siehe Daten und Methoden."), *held,
                            *absent_footnote(list(absent))],
                 align_right=[c for c in df.columns if c not in ("Stadt", "Gebiet")],
                 kinds={c: "text" if c in ("Stadt", "Gebiet") else "interval" for c in df.columns})


def _map_data(district, ids: list[str], year: int, level: str):
    """The published values of ``ids`` in ``year`` and the shapes they are drawn on, for a map at
    ``level`` (``base``: the finest areas; else the municipalities): the static and the
    interactive maps draw the same."""
    geo = district.geometry
    if level == "base":
        base = base_areas(district.areas)["area_id"].tolist()
        res = published_results(district, ids, ["sozialraum", "gemeinde"], years=[year])
        res = res[res["area_id"].isin(base)].drop_duplicates(["area_id", "year", "indicator"])
        return res, geo[geo["area_id"].isin(base)]
    return published_results(district, ids, level, years=[year]), muni_shapes(district)


def indicator_maps(district, ids, year: int | None = None, level: str = "gemeindeverband",
                   facility_type: str | None = None):
    """Figure: one choropleth per indicator, for the municipalities (``gemeindeverband``) or the
    finest areas (``base``: Sozialräume, Mitgliedsgemeinden and towns without Sozialräume);
    optionally with the facilities of ``facility_type``. Values from the protected layer:
    a suppressed value is not drawn (hatched, "keine Angabe / gesperrt")."""
    year = report_year(district, year)
    cat = catalog(district)
    ids = list(ids)
    res, shapes = _map_data(district, ids, year, level)
    ncol = 1  # one map per row: at a phone's width the labels need the whole width
    nrow = len(ids)
    fig, axes = plt.subplots(nrow, ncol, figsize=(6.5, 5.6 * nrow), squeeze=False)
    outlines = muni_shapes(district)
    fac = district.facilities_gdf()
    fac = fac[fac["type"] == facility_type] if facility_type else fac.iloc[:0]
    for ax, i in zip(axes.flat, ids):
        cols = ["area_id", "value", "status"] + (["reason"] if "reason" in res.columns else [])
        sub = shapes.merge(res[res["indicator"] == i][cols], on="area_id", how="left")
        gap = "reason" in sub.columns and ((sub["reason"].astype(object).fillna("") != "")
                                           & (sub["status"].astype(object).fillna("") == "")).any()
        extra = []
        if len(fac):
            fac.plot(ax=ax, color="#1f3b73", marker="^", markersize=25, zorder=5)
            extra.append(Line2D([], [], color="#1f3b73", marker="^", linestyle="", label=facility_type))
        figures.choropleth(sub, "value", ax=ax, k=5, decimals=1,
                         unit=str(cat.loc[i, "unit"]) if str(cat.loc[i, "unit"]) == "%" else None,
                         labels="name" if level == "gemeindeverband" else None,
                         title=f"{cat.loc[i, 'name']}, {year}", extra_handles=extra,
                         missing_label=("fehlt / " if gap else "") + missing_label(sub["status"]))
        if level == "base":
            outlines.plot(ax=ax, facecolor="none", edgecolor="#555555", linewidth=0.7)
    for ax in list(axes.flat)[len(ids):]:
        ax.set_axis_off()
    return figures.finish(fig)


def indicator_maps_interactive(district, ids, year: int | None = None, level: str = "gemeindeverband",
                               facility_type: str | None = None):
    """Interactive maps (:func:`sozialanalyse.render.maps.choropleth`): the maps of
    :func:`indicator_maps`, one per indicator, with the same classes, as zoomable SVG with a
    tooltip (name, value, 95 % interval, class). Suppressed areas carry no value.
    With ``facility_type``, those facilities are marked (their names in the tooltip)."""
    from IPython.display import HTML  # IPython: present in a kernel, not needed to import the pages

    year = report_year(district, year)
    cat = catalog(district)
    ids = list(ids)
    res, shapes = _map_data(district, ids, year, level)
    fac = district.facilities
    fac = fac[fac["type"] == facility_type] if facility_type else None
    out = []
    for i in ids:
        cols = ["area_id", "value", "lower", "upper", "status"] + (["reason"] if "reason" in res.columns else [])
        sub = shapes.merge(res[res["indicator"] == i][cols], on="area_id", how="left")
        unit = str(cat.loc[i, "unit"])
        out.append(maps.choropleth(
            sub, sub["value"], sub["lower"], sub["upper"], sub["status"],
            sub["reason"] if "reason" in sub.columns else None, title=f"{cat.loc[i, 'name']}, {year}",
            unit=unit if unit == "%" else None, kind="rate", k=5,
            label_names=level == "gemeindeverband",
            outlines=muni_shapes(district) if level == "base" else None,
            value_label=str(cat.loc[i, "name"]) + ("" if unit == "%" else f" ({unit})"), points=fac).data)
    return HTML('<div class="sa-maps">' + "".join(out) + "</div>")


def indicator_trend(district, ids, area_ids: list[str] | None = None):
    """Figure: indicators of the Kreis (and optional areas) over the years with 95 % intervals,
    from the protected layer (a suppressed year is a gap in the line, with no interval)."""
    cat = catalog(district)
    ids = list(ids)
    kreis = district.kreis["area_id"]
    area_ids = list(area_ids or [])
    res = published_results(district, ids, ["gemeindeverband", "kreis"])
    res = res[res["area_id"].isin([kreis, *area_ids])].drop_duplicates(["area_id", "year", "indicator"]).copy()
    res["Gebiet"] = res["area_id"].map(area_names(district))
    # one panel per row: at a phone's width a panel needs the whole width for its year labels
    fig, axes = plt.subplots(len(ids), 1, figsize=(6.5, 2.5 * len(ids) + 0.3), squeeze=False)
    held = False
    for ax, i in zip(axes[:, 0], ids):
        sub = res[res["indicator"] == i]
        held = held or bool((sub["status"] != "").any())
        figures.trend(sub, "year", "value", hue="Gebiet", ax=ax, low="lower", high="upper", decimals=1,
                    ylabel=str(cat.loc[i, "unit"]), title=str(cat.loc[i, "name"]))
    if held:
        fig.text(0.01, -0.02, "Lücken: Wert aus Gründen der Geheimhaltung gesperrt.", fontsize=9, color="#555555")
    return figures.finish(fig)


# --- end of the block of the health chapters ------------------------------------------------------


# --- official data pages: shared by amtlich_kreis and amtlich_profil ------------------------------

__all__ += [
    "attribution",
    "indicator_text",
]

def official_kind(ind: str) -> str:
    """The audit's kind (:mod:`sozialanalyse.build.audit`) of an official indicator's values:
    ``share`` for percentages, ``count`` for persons, ``index`` for the rest (euros per
    inhabitant, GISD scores)."""
    unit = official.INDICATORS[ind]["unit"]
    return "share" if unit == "%" else "count" if unit == "Personen" else "index"


def indicator_text(ind: str, value) -> str:
    """A value of an official indicator (:data:`sozialanalyse.io.official.INDICATORS`) in German,
    with its unit and decimals."""
    spec = official.INDICATORS[ind]
    if spec["unit"] == "%":
        return fmt.pct(value, spec["decimals"])
    return fmt.num(value, spec["decimals"], spec["unit"] or None)


def attribution(od: District | None = None, **parameters):
    """Every page of official data: the publishers' attributions and the page's parameters."""
    from IPython.display import HTML  # IPython: present in a kernel, not needed to import the pages

    lines = od.attributions if od is not None else official.attributions()
    items = "".join(f"<li>{official.attribution_html(a)}</li>" for a in lines)
    return HTML('<div class="sa-attribution"><p><strong>Quellenangaben</strong></p><ul>' + items + "</ul>"
                '<p class="sa-footnote">Die Dateien wurden unverändert von ihren Herausgebern übernommen '
                "(Prüfsummen auf der Seite „Herkunft und Nachvollziehbarkeit“); die Zuordnung der Gebiete, "
                "die zu Gemeindeverbänden zusammengefassten Grenzen und Einwohnerzahlen, Summen und der "
                "Arbeitslosenanteil sind eigene Berechnungen.</p>"
                + (reviewer_box(parameters) if parameters else "") + "</div>")


# --- end of the block of the official data pages --------------------------------------------------


# --- benchmark markers (issue #20): key-figure tables of the profile and the Kreisübersicht -------

#: Legend of the markers, one footnote line each (symbol and word carry the meaning; the colour
#: repeats it: green better, red worse, amber similar, blue where the indicator has no polarity).
MARKER_LEGEND = (
    "Vergleich zum Kreis: ▲ günstiger (blau) bzw. ▼ ungünstiger (orangerot) als der Kreiswert, wenn das "
    "95-%-Intervall der Gemeinde den Kreiswert nicht enthält, doppelt (▲▲, ▼▼), wenn auch das "
    "99,8-%-Intervall ihn nicht enthält; in Klammern, ob der Wert höher oder niedriger ist. ● ähnlich "
    "(grau): kein signifikanter Unterschied. ◆ höher bzw. niedriger (violett): Kennzahl ohne Wertungsrichtung, "
    "Unterschied signifikant. ○ höher bzw. niedriger, ohne Test (grau): Mittelwert oder Saldo ohne "
    "Intervall; der Unterschied ist beschrieben, nicht auf Zufall geprüft. – : kein Vergleich (Wert fehlt).",
    "Trend: ↑ steigend bzw. ↓ fallend, wenn sich der Wert in den letzten fünf Jahren signifikant verändert "
    "hat (99,8 %; Anteile: Chi-Quadrat-Test auf Trend nach Armitage, Raten: gewichtete Regression mit "
    "Gewichten aus den Intervallen, wie in den Fingertips-Profilen von Public Health England); → keine "
    "signifikante Veränderung; – : nicht berechenbar (weniger als fünf Jahre, Lücke, kein Intervall oder "
    "ein Jahr gesperrt).",
)


def _up(code: str, polarity: str) -> bool:
    """Whether a marker's value lies above the comparator."""
    if code in ("higher", "lower"):
        return code == "higher"
    return (code == "better") == (polarity == "higher_is_better")


def compare_marker(code: str, polarity: str, strong: bool = False) -> tuple[str, str]:
    """German text and CSS class of a comparison marker (:func:`sozialanalyse.stats.benchmark.compare`),
    one vocabulary on every page (issue #16): the symbol says günstiger/ungünstiger (▲/▼, doubled
    when ``strong``: significant at 99,8 % too), the word in brackets whether the value is higher
    or lower; ◆ for an indicator without polarity; ● similar; ○ for a difference that is not
    tested (no interval; codes ``untested_higher``/``untested_lower``/``untested_equal``). Symbol
    and word carry the meaning, the colour (the CSS class) repeats it.

    >>> compare_marker("worse", "higher_is_worse", strong=True)
    ('▼▼ ungünstiger (höher)', 'sa-mark-worse')
    >>> compare_marker("better", "higher_is_worse")
    ('▲ günstiger (niedriger)', 'sa-mark-better')
    >>> compare_marker("lower", "neutral"), compare_marker("similar", "neutral")
    (('◆ niedriger', 'sa-mark-neutral'), ('● ähnlich', 'sa-mark-similar'))
    >>> compare_marker("untested_lower", "higher_is_worse")
    ('○ niedriger, ohne Test', 'sa-mark-none')
    """
    n = 2 if strong else 1
    if code == "similar":
        return "● ähnlich", "sa-mark-similar"
    if code.startswith("untested_"):
        word = {"untested_higher": "höher", "untested_lower": "niedriger"}.get(code, "gleich")
        return f"○ {word}, ohne Test", "sa-mark-none"
    if code in ("higher", "lower"):
        return f"{'◆' * n} {'höher' if code == 'higher' else 'niedriger'}", "sa-mark-neutral"
    if code in ("better", "worse"):
        word = "höher" if _up(code, polarity) else "niedriger"
        if code == "better":
            return f"{'▲' * n} günstiger ({word})", "sa-mark-better"
        return f"{'▼' * n} ungünstiger ({word})", "sa-mark-worse"
    return "–", "sa-mark-none"


def trend_marker(code: str, polarity: str) -> tuple[str, str]:
    """German text and CSS class of a recent-trend marker (:func:`sozialanalyse.stats.benchmark.recent_trend`).

    >>> trend_marker("decreasing", "higher_is_worse")
    ('↓ fallend (besser)', 'sa-mark-better')
    >>> trend_marker("no_change", "neutral")
    ('→ keine signifikante Veränderung', 'sa-mark-similar')
    """
    if code == "no_change":
        return "→ keine signifikante Veränderung", "sa-mark-similar"
    if code not in ("increasing", "decreasing"):
        return "–", "sa-mark-none"
    word = "↑ steigend" if code == "increasing" else "↓ fallend"
    if polarity == "neutral":
        return word, "sa-mark-neutral"
    better = (code == "increasing") == (polarity == "higher_is_better")
    return f"{word} ({'besser' if better else 'schlechter'})", "sa-mark-better" if better else "sa-mark-worse"
