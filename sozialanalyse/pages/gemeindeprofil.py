"""The Gemeindeprofil (``notebooks/gemeindeprofil.ipynb``): one page per municipality with its
findings "Auf einen Blick" (:func:`at_a_glance`), population, key figures beside the Kreis with
their marker and rank among the municipalities (:func:`benchmarks`, also behind the page
"Kennzahlen im Vergleich"), trends, Sozialräume or Mitgliedsgemeinden, the map and the
monitoring classes of its Sozialräume.

Floor: pages. The Kreis overview (:mod:`sozialanalyse.pages.kreisuebersicht`) shows the same
introduction, key figures, trends and pyramid for the Kreis: it calls the functions of this
module with the Kreis key. Template notebooks call these functions and nothing else, so that
every figure and table of the book is library code that is tested and documented.
"""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..model.areas import AGE_GROUPS, level_ids, report_year
from ..model.config import SYMBOL
from ..model.district import District
from ..protected import layer as protected_layer
from ..protected import population as protected_population
from ..protected.health import published_life_expectancy, published_mortality
from ..protected.monitoring import MIN_POPULATION, attention_list, population, published_monitoring
from ..render import figstyle, figures, fmt
from ..render.tables import md_escape, note, table, text
from ..stats import indicators
from ..stats.benchmark import POINTS, compare, limits, recent_trend, recent_trend_proportion
from ..stats.health import POLARITIES, spine_chart_data
from . import angebote
from .common import (
    MARKER_LEGEND,
    absent_footnote,
    catalog,
    compare_marker,
    fmt_value,
    format_value,
    gap_count,
    kind_label,
    mark_absent,
    mask,
    published_results,
    span,
    trend_marker,
)
from .gesundheit import SEX_WORDS, le_reason
from .indikatorenkatalog import catalog_href
from .sozialraum_monitoring import not_classifiable, sozialraum_number, towns_text
from .ziele import profile_goals  # the section "Ziele" of a profile

__all__ = [
    "DEFAULT_KEY_FIGURES",
    "key_figure_ids",
    "published_population",
    "intro",
    "key_figures",
    "trends_table",
    "population_development",
    "pyramid_and_locator",
    "pyramid_data",
    "trend_vs_kreis",
    "subareas",
    "profile_classes",
    "life_expectancy",
    "profile_goals",
    "kgst_fields",
    "KGST_FIELDS",
    "kgst_ids",
    "shared_frames",
]

#: Indicators shown in every profile (ids of the indicator catalog); a config may override them
#: with ``key_figures: [...]``.
DEFAULT_KEY_FIGURES = (
    "anteil_unter15",
    "anteil_65plus",
    "anteil_80plus",
    "anteil_nichtdeutsche",
    "wanderungssaldo",
    "sgb2_quote",
    "kinderarmut",
    "altersarmut",
    "arbeitslosenquote",
    "anteil_langzeitarbeitslose",
    "beschaeftigtenquote",
    "wohnflaeche_je_einwohner",
    "mietniveau",
    "anteil_alleinlebende_65plus",
    "uebergewicht_einschulung",
    "sprachfoerderbedarf",
    "pflegequote",
    "anteil_haeusliche_pflege",
    "schwerbehindertenquote",
    "wahlbeteiligung_bundestag",
)


def key_figure_ids(district: District) -> list[str]:
    """The indicator ids for profile tables: the config's ``key_figures`` or the default list."""
    return list(district.config.key_figures or DEFAULT_KEY_FIGURES)



def _level(district: District, area_id: str) -> str:
    """The level at which the profile shows ``area_id``: ``kreis`` or ``gemeindeverband``."""
    return "kreis" if area_id == district.kreis["area_id"] else "gemeindeverband"


def _shared(district: District, key: tuple, compute):
    """A result every profile of ``district`` shares (a table over all municipalities, the
    catalog), computed on first use and kept on the district object:
    the next profile in the same process reads it (a fresh kernel computes it itself, with the
    same result). A frame is handed out as a copy, so no caller can change what the next reads."""
    cache = district.__dict__.setdefault("_profile_shared", {})
    if key not in cache:
        cache[key] = compute()
    hit = cache[key]
    return hit.copy() if isinstance(hit, pd.DataFrame) else hit


def _catalog(district: District) -> pd.DataFrame:
    """The district's indicator catalog indexed by ``id`` (read and checked once per district)."""
    return _shared(district, ("catalog",),
                   lambda: indicators.catalog(indicators.district_catalog(district)).set_index("id"))


def published_population(district: District, area_id: str, year: int) -> dict:
    """:func:`population_summary` from the protected layer: ``einwohner`` and
    ``einwohner_first`` the published counts (NaN where suppressed or incomplete; ``status``
    and ``status_first`` say which), ``anteil_65plus`` the published share (NaN where
    suppressed, ``status_65plus``), ``change_pct`` only from two published counts. For the
    Kreis and its municipalities read from :func:`_population_table` (one table for every
    profile), for another area computed alone, by the same rule (:func:`_population_row`)."""
    t = _population_table(district, year)
    hit = t[t["area_id"] == str(area_id)]
    if len(hit):
        r = hit.iloc[0]
        return {"year": year, "first_year": district.years[0],
                **{k: (str(r[k]) if k.startswith("status") else float(r[k])) for k in _POPULATION_COLUMNS}}
    counts = protected_layer.of(district).counts({"variable": "einwohner"}, area_ids=[area_id],
                                                 years=[district.years[0], year])
    old = published_results(district, ["anteil_65plus"], _level(district, area_id), years=[year])
    return _population_row(counts, old[old["area_id"] == str(area_id)], district.years[0], year)


#: The columns of :func:`_population_table` (and keys of :func:`published_population`).
_POPULATION_COLUMNS = ("einwohner", "status", "einwohner_first", "status_first", "change_pct", "anteil_65plus",
                       "status_65plus")


def _population_row(counts: pd.DataFrame, old: pd.DataFrame, first: int, year: int) -> dict:
    """:func:`published_population` of one area from its published counts of ``einwohner``
    (``counts``: rows of the years ``first`` and ``year``) and its ``anteil_65plus`` in ``year``
    (``old``: none or one row)."""
    c = counts.set_index("year")
    get = lambda y, col: c.loc[y, col] if y in c.index else (np.nan if col == "value" else "")
    now, then = float(get(year, "value")), float(get(first, "value"))
    return {
        "year": year,
        "first_year": first,
        "einwohner": now,
        "status": str(get(year, "status")),
        "einwohner_first": then,
        "status_first": str(get(first, "status")),
        "change_pct": 100 * (now / then - 1) if then else float("nan"),
        "anteil_65plus": float(old["value"].iloc[0]) if len(old) else float("nan"),
        "status_65plus": str(old["status"].iloc[0]) if len(old) else "",
    }


def _population_table(district: District, year: int) -> pd.DataFrame:
    """:func:`published_population` of the Kreis and of every municipality (``area_id`` and
    :data:`_POPULATION_COLUMNS`): the same table for every profile, a shared frame of the
    protected layer (:func:`shared_frames`)."""
    def compute() -> pd.DataFrame:
        first = district.years[0]
        kreis = str(district.kreis["area_id"])
        counts = protected_layer.of(district).counts({"variable": "einwohner"}, years=[first, year])
        counts = counts[counts["area_id"].astype(str).isin(set(level_ids(district, "gemeindeverband")) | {kreis})]
        by_area = {str(a): g for a, g in counts.groupby(counts["area_id"].astype(str), sort=False)}
        rows = []
        for level, ids in (("kreis", [kreis]), ("gemeindeverband", [str(a) for a in level_ids(district, "gemeindeverband")])):
            old = published_results(district, ["anteil_65plus"], level, years=[year])
            olds = {str(a): g for a, g in old.groupby(old["area_id"].astype(str), sort=False)}
            for a in ids:
                if a == kreis and level != "kreis":
                    continue  # the Kreis's row is the one of its own level (_level)
                r = _population_row(by_area.get(a, counts.iloc[:0]), olds.get(a, old.iloc[:0]), first, year)
                rows.append({"area_id": a, **{k: r[k] for k in _POPULATION_COLUMNS}})
        return pd.DataFrame(rows, columns=["area_id", *_POPULATION_COLUMNS])
    return protected_layer.of(district).shared(f"population_{int(year)}", compute)


_HELD = "ist aus Gründen der Geheimhaltung gesperrt"


def _population_absent(district: District, area_id: str, year: int) -> str:
    """German predicate for a population total that is missing: "fehlt (Eingangsdaten
    unvollständig: einwohner 2024 in 1 von 18 Teilgebieten; ...)"."""
    k = gap_count(district, area_id, "einwohner", year)
    n = len(district.base_of(area_id))
    where = "" if not k else f": einwohner {year}" + (f" in {k} von {n} Teilgebieten" if n > 1 else "")
    return (f"{fmt.ABSENT} (Eingangsdaten unvollständig{where}; nicht aus unvollständigen "
            "Daten berechnet)")


def intro(district: District, area_id: str, year: int):
    """A short German paragraph introducing an area (Kreis or municipality), with the published
    counts of the protected layer (a suppressed total is "gesperrt", never printed)."""
    s = published_population(district, area_id, year)
    name = md_escape(district.name_of(area_id))
    kind = kind_label(district, area_id)
    parts = []
    known = bool(np.isfinite(s["einwohner"]))
    held = bool(s["status"])
    missing = (lambda a, y: _HELD) if held else (lambda a, y: _population_absent(district, a, y))
    if kind == "Landkreis":
        n = len(district.municipalities())
        if known:
            parts.append(f"Im **{name}** lebten am 31.12.{year} **{fmt.num(s['einwohner'])}** Menschen "
                         f"in {n} Städten, Gemeinden und Samtgemeinden.")
        else:
            parts.append(f"Zum **{name}** gehören {n} Städte, Gemeinden und Samtgemeinden. Die Einwohnerzahl "
                         f"am 31.12.{year} {missing(area_id, year)}.")
    else:
        kreis = published_population(district, district.kreis["area_id"], year)
        share = 100 * s["einwohner"] / kreis["einwohner"]
        label = name if name.startswith(kind) else f"{kind} {name}"
        if not known:
            parts.append(f"**{label}**: Die Einwohnerzahl am 31.12.{year} {missing(area_id, year)}.")
        elif np.isfinite(share):
            parts.append(f"**{label}** hatte am 31.12.{year} **{fmt.num(s['einwohner'])}** Einwohnerinnen "
                         f"und Einwohner, das sind {fmt.pct(share)} der Bevölkerung im {md_escape(district.name)}.")
        else:
            why = (_HELD if kreis["status"] else
                   _population_absent(district, district.kreis["area_id"], year))
            parts.append(f"**{label}** hatte am 31.12.{year} **{fmt.num(s['einwohner'])}** Einwohnerinnen "
                         f"und Einwohner (Anteil an der Bevölkerung im {md_escape(district.name)}: {why}).")
        children = district.children(area_id)
        if len(children):
            label = "Mitgliedsgemeinden" if kind == "Samtgemeinde" else "Sozialräume"
            parts.append(f"Zur {kind} gehören {len(children)} {label}." if kind == "Samtgemeinde"
                         else f"Für die {kind} sind {len(children)} {label} abgegrenzt.")
    old = (f"{fmt.pct(s['anteil_65plus'])} der Einwohnerinnen und Einwohner sind 65 Jahre oder älter"
           if np.isfinite(s["anteil_65plus"]) else
           ("der Anteil der Einwohnerinnen und Einwohner ab 65 Jahren " + _HELD if s["status_65plus"]
            else "der Anteil der Einwohnerinnen und Einwohner ab 65 Jahren fehlt"))
    if np.isfinite(s["change_pct"]):
        direction = "gewachsen" if s["change_pct"] > 0 else "geschrumpft"
        parts.append(f"Seit dem 31.12.{s['first_year']} ist die Bevölkerung um {fmt.pct(abs(s['change_pct']))} "
                     f"{direction}; {old}.")
    elif known:  # the first year is missing or suppressed: no direction is claimed from it
        first = _HELD if s["status_first"] else _population_absent(district, area_id, s["first_year"])
        parts.append(f"Die Einwohnerzahl am 31.12.{s['first_year']} {first}, daher keine Angabe zur "
                     f"Entwicklung; {old}.")
    if district.synthetic:
        parts.append("\n\n*Synthetische Beispieldaten eines fiktiven Landkreises.*")
    return text(" ".join(parts))



def _published(district: District, ids: list[str], level: str | list[str], years=None) -> pd.DataFrame:
    """The protected indicator results (published values; ``status`` says what is suppressed)."""
    return published_results(district, ids, level, years=years)


def _latest(res: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per area and indicator the row of ``year``, or of the latest earlier year with a value
    (elections are held only every few years); a suppressed or incomplete value stays in its year."""
    incomplete = res["reason"].astype(str) != "" if "reason" in res.columns else False
    held = res["status"].astype(str) != "" if "status" in res.columns else False
    res = res[(res["year"] <= year) & (res["value"].notna() | incomplete | held)]
    res = res.sort_values("year")
    return res.groupby(["area_id", "indicator"], observed=True).tail(1)


def _interval(row, unit: str) -> str:
    if row is None or pd.isna(row["lower"]):
        return fmt.MISSING
    low, high = format_value(row["lower"], unit), format_value(row["upper"], unit)
    suffix = f"{fmt.NBSP}{unit}" if unit in ("%", "Jahre", "m²", "EUR/m²") else ""
    return f"{low.removesuffix(suffix)} – {high}"


def _recent(series: pd.DataFrame, kind: str):
    """The recent trend (:mod:`sozialanalyse.stats.benchmark`) of one indicator's published series
    (sorted by year, up to the report year), or None where a year of the last five is suppressed
    (the marker would be derived from it). The one test of the key table's "Trend" column and of
    the trend findings of "Auf einen Blick"."""
    if (series.tail(POINTS)["status"].astype(str) != "").any():
        return None
    if kind == "proportion":
        return recent_trend_proportion(series["year"], series["numerator"], series["denominator"])
    return recent_trend(series["year"], series["value"], series["lower"], series["upper"])


def _trend_cell(res: pd.DataFrame, cat: pd.DataFrame, i: str, area_id: str, year: int) -> tuple[str, str, str]:
    """(text, CSS class, status) of the recent trend of indicator ``i`` for ``area_id``; status
    set where a year of the window is suppressed (the marker would be derived from it)."""
    series = res[(res["indicator"] == i) & (res["area_id"] == area_id) & (res["year"] <= year)].sort_values("year")
    t = _recent(series, str(cat.loc[i, "kind"]))
    if t is None:
        return (SYMBOL, "", "secondary")
    return trend_marker(t.marker, _polarity(cat, i)) + ("",)


def key_figures(district: District, area_id: str, year: int, ids: list[str] | None = None,
                caption: str | None = None):
    """Table: each key indicator for the area with its 95 % interval beside the Kreis value,
    grouped by Handlungsfeld, with the benchmark markers: "Vergleich zum Kreis" (the area's 95 %
    and 99,8 % intervals against the Kreis value, read with the indicator's polarity; not on the
    Kreis's own table) and "Trend" (the Fingertips recent trend over the last five years,
    :mod:`sozialanalyse.stats.benchmark`), each a symbol and a German word, coloured, with a
    legend. An indicator without a value in ``year`` (elections) shows the latest earlier year.
    Values and intervals from the protected layer: ``.`` where suppressed (an interval would give
    the suppressed count away), and so is a marker computed from a suppressed value. ``ids``:
    other indicators than the key figures (:func:`kgst_fields`)."""
    ids = list(ids) if ids is not None else key_figure_ids(district)
    cat = _catalog(district)
    is_kreis = area_id == district.kreis["area_id"]
    levels = ["kreis"] if is_kreis else ["gemeindeverband", "kreis"]
    res_all = _published(district, ids, levels)
    res = _latest(res_all, year)
    bench = None if is_kreis else benchmarks(district, year, ids).query("area_id == @area_id").set_index("indicator")
    own = res[res["area_id"] == area_id].set_index("indicator")
    kreis = res[res["area_id"] == district.kreis["area_id"]].set_index("indicator")
    own_all = res_all[res_all["area_id"] == area_id]  # the area's years: the trend of each row, not all areas'
    order = {f: i for i, f in enumerate(indicators.FIELDS)}
    rows, absent = [], {}
    reasons: dict[str, list[str]] = {}
    classes: dict[str, list[str | None]] = {"Vergleich zum Kreis": [], "Trend": []}
    own_col = district.name_of(area_id)
    sorted_ids = sorted(ids, key=lambda i: (order.get(cat.loc[i, "field"], 99), ids.index(i)))
    for i in sorted_ids:
        unit = str(cat.loc[i, "unit"])
        v = own.loc[i] if i in own.index else None
        name = str(cat.loc[i, "name"])
        if unit not in ("%", "Jahre", "m²", "EUR/m²"):
            name += f" ({unit})"
        if v is not None and int(v["year"]) != year:
            name += f" ({int(v['year'])})"
        held = str(v["status"]) if v is not None else ""
        flag = " ¹" if v is not None and "small_denominator" in str(v["notes"]) else ""
        row = {
            "Handlungsfeld": cat.loc[i, "field"],
            "Kennzahl": name,
            own_col: (SYMBOL if held else mark_absent(v, absent) or format_value(v["value"], unit) + flag)
            if v is not None else fmt.MISSING,
            "95-%-Intervall": SYMBOL if held else _interval(v, unit),
        }
        reasons.setdefault(own_col, []).append(held)
        reasons.setdefault("95-%-Intervall", []).append(held)
        if not is_kreis:
            k = kreis.loc[i] if i in kreis.index else None
            kheld = str(k["status"]) if k is not None else ""
            row[district.name] = ((SYMBOL if kheld else mark_absent(k, absent) or format_value(k["value"], unit))
                                  if k is not None else fmt.MISSING)
            reasons.setdefault(district.name, []).append(kheld)
        tr = _trend_cell(own_all, cat, i, area_id, year)
        if not is_kreis:
            b = bench.loc[i]
            comp = kreis_marker(str(b["code"]), str(b["polarity"]), bool(b["strong"])) if not b["held"] else ("", "")
            row["Vergleich zum Kreis"] = comp[0]
            classes["Vergleich zum Kreis"].append(comp[1] or None)
            reasons.setdefault("Vergleich zum Kreis", []).append(str(b["held"]))
            ranked = int(b["ranked"])
            row["Rang"] = (f"{int(b['rank'])} von {ranked}" if np.isfinite(b["rank"]) else fmt.MISSING)
            reasons.setdefault("Rang", []).append(held)
        row["Trend"] = tr[0]
        classes["Trend"].append(tr[1] or None)
        reasons.setdefault("Trend", []).append(tr[2])
        rows.append(row)
    df, held_notes = mask(district, pd.DataFrame(rows), reasons)
    hrefs = [catalog_href(i, from_profile=not is_kreis) for i in sorted_ids]
    kinds = {"Handlungsfeld": "text", "Kennzahl": "text", own_col: "rate", "95-%-Intervall": "interval",
             "Vergleich zum Kreis": "text", "Trend": "text", "Rang": "index"}
    if not is_kreis:
        kinds[district.name] = "rate"
    legend = [KREIS_MARKER_LEGEND, RANK_NOTE, MARKER_LEGEND[1]] if not is_kreis else [MARKER_LEGEND[1]]
    return table(df, caption=caption or f"Kennzahlen {year}", group="Handlungsfeld", links={"Kennzahl": hrefs},
                 footnotes=["95-%-Intervall: Wilson-Intervall für Anteile, exaktes Poisson- bzw. Byar-Intervall "
                            "für Raten; ohne Intervall: Mittelwerte und Salden. Jahreszahl in Klammern: letzter "
                            "verfügbarer Wert (Wahlen). ¹ Nenner unter der Mindestgröße, Wert unsicher. "
                            "Definitionen: siehe Daten und Methoden.", *legend, *held_notes,
                            *absent_footnote(absent)],
                 align_right=[c for c in df.columns if c not in ("Handlungsfeld", "Kennzahl", "Vergleich zum Kreis",
                                                                 "Trend", "Rang")],
                 kinds=kinds, classes={c: v for c, v in classes.items() if c in df.columns})


def trends_table(district: District, area_id: str, indicator_ids: list[str] | None = None):
    """Table: each indicator in the first and last year, its change between them and whether it
    rises or falls: the one trend test of the profile (:func:`_recent`, the Fingertips test over
    the last five years at 99,8 %, as the key table's "Trend" column and "Auf einen Blick"; review
    #16: this table had a ten-year test at 5 %). Values from the protected layer; where a year of
    the area is suppressed, its value shows ``.`` and the change is not published, nor the trend
    when the suppressed year lies in its five.

    The change is the difference of the two published values as printed
    (:func:`sozialanalyse.render.fmt.change`): for shares and rates in ``%`` in percentage
    points (``+4,4 Pp.`` from 30,5 % to 34,9 %), never the trend model's relative change of the
    odds, which reads like points and is not what a reader computes from the table."""
    ids = list(indicator_ids or TREND_IDS)
    cat = _catalog(district)
    res = _published(district, ids, _level(district, area_id))
    res = res[res["area_id"] == area_id]
    first, last = district.years[0], district.years[-1]
    change = f"Veränderung {first}–{last}"
    rows, absent, trend_classes = [], {}, []
    reasons: dict[str, list[str]] = {}
    for i in ids:
        mine = res[res["indicator"] == i].set_index("year")
        if mine["value"].isna().all():
            if (mine["status"] != "").any():  # every year with events suppressed: no trend, no value
                rows.append({"Kennzahl": cat.loc[i, "name"], **{c: SYMBOL for c in (str(first), str(last),
                                                                                    change, "Trend")}})
                for c in (str(first), str(last), change, "Trend"):
                    reasons.setdefault(c, []).append("secondary")
                trend_classes.append(None)
            continue
        unit = str(cat.loc[i, "unit"])
        obs = mine["value"]
        st = mine["status"]
        why = mine["reason"].astype(str).where(st == "", "")
        for r in why[why != ""]:
            mark_absent({"reason": r}, absent)
        trend_text, trend_css, trend_held = _trend_cell(res, cat, i, area_id, last)
        any_held = "secondary" if (st != "").any() else ""

        def shown(y, st=st, why=why, obs=obs, unit=unit):
            if st.get(y, ""):
                return SYMBOL
            return mark_absent({"reason": why.get(y, "")}, absent) or format_value(obs.get(y), unit)

        rows.append({"Kennzahl": cat.loc[i, "name"], str(first): shown(first), str(last): shown(last),
                     change: SYMBOL if any_held else (
                         fmt.MISSING if why.get(first, "") or why.get(last, "")  # a value "fehlt": no change
                         else fmt.change(obs.get(first), obs.get(last), 1, unit)),
                     "Trend": SYMBOL if trend_held else trend_text})
        trend_classes.append(None if trend_held else trend_css or None)
        for col, stv in ((str(first), st.get(first, "")), (str(last), st.get(last, "")),
                         (change, any_held), ("Trend", trend_held)):
            reasons.setdefault(col, []).append(stv)
    df = pd.DataFrame(rows)
    df, held_notes = mask(district, df, reasons) if len(df) else (df, [])
    # the window in the header: the last five years, as the key figures' "Trend"
    window = [y for y in district.years if y <= last][-POINTS:]
    span = f"Trend {window[0]}–{window[-1]}"
    df = df.rename(columns={"Trend": span})
    return table(df, caption=f"Entwicklung der Sozial- und Gesundheitskennzahlen {first}–{last}",
                 footnotes=[f"{span}: derselbe Test wie in der Spalte „Trend“ der Kennzahlen: ↑ steigend bzw. "
                            "↓ fallend, wenn sich der Wert in den letzten fünf Jahren auf dem 99,8-%-Niveau "
                            "signifikant verändert hat (Anteile: Chi-Quadrat-Test auf Trend nach Armitage, Raten: "
                            "gewichtete Regression mit Gewichten aus den Intervallen, wie in den Fingertips-Profilen "
                            "von Public Health England); in Klammern, ob das besser oder schlechter ist; → keine "
                            "signifikante Veränderung; – : nicht berechenbar (Lücke oder kein Intervall). "
                            f"{change}: Differenz der beiden veröffentlichten Werte über alle Jahre, bei Anteilen "
                            "in Prozentpunkten (Pp.), ohne Test.",
                            *[f + " Jahre mit fehlenden Werten gehen nicht in den Trendtest ein."
                              for f in absent_footnote(absent)],
                            *([held_notes[0] + " Ist ein Jahr gesperrt, wird die Veränderung nicht "
                               "veröffentlicht, liegt es in den letzten fünf Jahren, auch der Trend nicht."]
                              if held_notes else [])],
                 align_right=[c for c in df.columns if c not in ("Kennzahl", span)],
                 kinds={"Kennzahl": "text", str(first): "rate", str(last): "rate",
                        change: "index", span: "text"},
                 classes={span: trend_classes} if len(df) else None)


def population_development(district: District, area_id: str):
    """Figure: inhabitants per year (left, the published counts of the protected layer: a
    suppressed year is a gap) and births, deaths and net migration (right; a year whose deaths
    are suppressed has no bar of births minus deaths), as
    :func:`sozialanalyse.protected.population.development` publishes them."""
    dev = protected_population.development(district, area_id)
    pop = dev[dev["variable"] == "einwohner"]
    natural = dev[dev["variable"] == "natuerlicher_saldo"]
    migration = dev[dev["variable"] == "wanderungssaldo"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4))
    figures.trend(pop, "year", "value", ax=ax1, ylabel="Einwohnerinnen und Einwohner",
                title="Bevölkerung am 31.12.")
    ax2.bar(natural["year"].to_numpy() - 0.2, natural["value"].to_numpy(), width=0.4, color=figures.PALETTE["w"],
            label=protected_population.BALANCES["natuerlicher_saldo"])
    ax2.bar(migration["year"].to_numpy() + 0.2, migration["value"].to_numpy(), width=0.4,
            color=figures.PALETTE["m"], label=protected_population.BALANCES["wanderungssaldo"])
    ax2.axhline(0, color="#555555", linewidth=0.8)
    ax2.yaxis.set_major_formatter(fmt.axis_formatter())
    ax2.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax2.set_title("Natürliche Bevölkerungsbewegung und Wanderungen", fontsize=10)
    ax2.legend(frameon=False, fontsize=8)
    ax2.spines[["top", "right"]].set_visible(False)
    if (dev["status"] != "").any():
        fig.text(0.01, -0.02, "Lücken: Wert aus Gründen der Geheimhaltung gesperrt.", fontsize=9, color="#555555")
    return figures.finish(fig)


def pyramid_data(district: District, area_id: str, year: int) -> pd.DataFrame:
    """The population pyramid of ``area_id`` from the protected layer's pyramid cells (five-year
    bands x sex, :mod:`sozialanalyse.protected.measures`): ``age_group, sex, value, status``
    with ``value`` the published count (NaN where suppressed or incomplete)."""
    every = protected_layer.of(district).shared(f"pyramid_{int(year)}", lambda: _pyramid_cells(district, year))
    out = every[every["area_id"] == str(area_id)].reset_index(drop=True)
    return out[["age_group", "sex", "value", "status"]]


def _pyramid_cells(district: District, year: int) -> pd.DataFrame:
    """The pyramid cells of every area in ``year`` (one call of the layer per band and sex, not
    one per band, sex and profile): ``area_id, ..., age_group, sex`` in the order of
    :func:`pyramid_data` within each area. The same table for every profile: a shared frame of
    the protected layer (:func:`shared_frames`)."""
    L = protected_layer.of(district)
    from ..protected.measures import _band

    frames = []
    for band in AGE_GROUPS:
        for sex in ("m", "w"):
            c = L.counts({"variable": "einwohner", "age": _band(band), "sex": [sex]}, years=[year])
            frames.append(c.assign(age_group=band, sex=sex))
    return pd.concat(frames, ignore_index=True)


def _pyramid(district: District, area_id: str, year: int, ax):
    """Draw the protected pyramid: published bars only; suppressed bands are not drawn and are
    marked by a hatched frame (legend "gesperrt")."""
    t = pyramid_data(district, area_id, year)
    title = f"Bevölkerung nach Alter und Geschlecht, 31.12.{year}"
    if t.empty or (t["value"].isna() & (t["status"] == "")).any():
        ax.text(0.5, 0.5, f"Bevölkerung {year}: fehlt\n(Eingangsdaten unvollständig)", ha="center", va="center",
                transform=ax.transAxes, fontsize=10, color="#555555")
        ax.set_axis_off()
        ax.set_title(title, fontsize=10)
        return ax
    y = np.arange(len(AGE_GROUPS))
    lim = float(np.nanmax(t["value"].to_numpy(dtype=float))) if t["value"].notna().any() else 1.0
    held = 0
    for sex, sign in (("m", -1), ("w", 1)):
        v = t[t["sex"] == sex].set_index("age_group").reindex(AGE_GROUPS)
        val = v["value"].to_numpy(dtype=float)
        ax.barh(y, sign * np.nan_to_num(val), color=figures.PALETTE[sex], height=0.85,
                label=figures.SEX_LABELS[sex])
        gone = (v["status"].fillna("") != "").to_numpy()
        held += int(gone.sum())
        if gone.any():
            ax.barh(y[gone], sign * np.full(gone.sum(), 0.04 * lim), height=0.85, color="none",
                    edgecolor="#9a9a9a", hatch="///", linewidth=0.5,
                    label="gesperrt" if held == int(gone.sum()) else None)
    if held:
        ax.annotate("Schraffiert: aus Gründen der Geheimhaltung gesperrt (Fallzahl kleiner als "
                    f"{protected_layer.of(district).settings.threshold} oder daraus zu errechnen), "
                    "nicht dargestellt.", (0.0, -0.3), xycoords="axes fraction", fontsize=9, color="#555555",
                    wrap=True)
    ax.set_yticks(y, AGE_GROUPS)
    ax.set_xlim(-lim * 1.05, lim * 1.05)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _p: fmt.num(abs(v))))
    ax.set_xlabel("Einwohnerinnen und Einwohner")
    ax.set_ylabel("Altersgruppe (Jahre)")
    # the legend above the bars, never on them
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    ax.set_title(title, pad=24, wrap=True)
    figures.style(ax)
    figures.note(ax, figures.pyramid_finding(t.assign(nationality="alle"), district.name_of(area_id), year))
    return ax


def pyramid_and_locator(district: District, area_id: str, year: int):
    """Figure: population pyramid (from the protected layer), with a locator map for a
    municipality."""
    if area_id == district.kreis["area_id"]:
        fig, ax = plt.subplots(figsize=(6.5, 5.2))
        _pyramid(district, area_id, year, ax=ax)
    else:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(6.5, 5.2), gridspec_kw={"width_ratios": [1, 2.4]})
        figures.locator_map(district, area_id, ax=ax1)
        _pyramid(district, area_id, year, ax=ax2)
    return figures.finish(fig)


def trend_vs_kreis(district: District, area_id: str, indicator_ids: list[str]):
    """Figure: an indicator over the years for the area and the Kreis, with 95 % intervals, from
    the protected layer (a suppressed year is a gap without interval)."""
    cat = _catalog(district)
    res = _published(district, indicator_ids, ["gemeindeverband", "kreis"])
    res = res[res["area_id"].isin([area_id, district.kreis["area_id"]])]
    res = res.drop_duplicates(["area_id", "year", "indicator"]).copy()
    names = {a: district.name_of(a) for a in res["area_id"].unique()}
    res["Gebiet"] = res["area_id"].map(names)
    # one panel per row: at the phone's width a panel needs the whole width for its year labels
    fig, axes = plt.subplots(len(indicator_ids), 1, figsize=(6.5, 2.5 * len(indicator_ids) + 0.3), squeeze=False)
    for ax, i in zip(axes[:, 0], indicator_ids):
        sub = res[res["indicator"] == i]
        figures.trend(sub, "year", "value", hue="Gebiet", ax=ax, low="lower", high="upper", decimals=1,
                    ylabel=str(cat.loc[i, "unit"]), title=str(cat.loc[i, "name"]))
    if (res["status"] != "").any():
        fig.text(0.01, -0.02, "Lücken: Wert aus Gründen der Geheimhaltung gesperrt.", fontsize=9, color="#555555")
    return figures.finish(fig)


def subareas(district: District, area_id: str, year: int):
    """Table of the area's Sozialräume or Mitgliedsgemeinden with key indicators, or a note.

    Einwohner and shares are the published ones of the protected layer
    (:mod:`sozialanalyse.protected.layer`): a value whose count is below the threshold, or would
    follow from another published count (the area's own total, another page, another year),
    shows ``.`` with the footnote, the same cells on every page."""
    children = district.children(area_id)
    if children.empty:
        return text(f"Für {md_escape(district.name_of(area_id))} sind keine Sozialräume abgegrenzt.")
    level = "sozialraum" if (children["kind"] == "Sozialraum").all() else "gemeinde"
    ids = ["sgb2_quote", "kinderarmut", "anteil_65plus", "anteil_nichtdeutsche", "wahlbeteiligung_bundestag"]
    cat = _catalog(district)
    kids = [str(a) for a in children["area_id"]]
    L = protected_layer.of(district)
    res = L.indicators(ids, level=level)
    res = res[res["area_id"].astype(str).isin(kids)].assign(area_id=lambda r: r["area_id"].astype(str),
                                                           indicator=lambda r: r["indicator"].astype(str))
    pop = population(district, kids, year)
    votes = res[(res["indicator"] == "wahlbeteiligung_bundestag") & (res["year"] <= year)
                & (res["value"].notna() | (res["status"] != ""))]
    vote_year = int(votes["year"].max()) if len(votes) else year
    rows, absent = [], {}
    locked = bool((pop["status"] != "").any())
    header_links: dict[str, str] = {}
    for _, child in children.iterrows():
        a = str(child["area_id"])
        row = {"Gebiet": child["name"], "Einwohner": pop.loc[a, "text"]}
        for i in ids:
            y = vote_year if i == "wahlbeteiligung_bundestag" else year
            hit = res[(res["area_id"] == a) & (res["indicator"] == i) & (res["year"] == y)]
            label = f"{cat.loc[i, 'name']} ({cat.loc[i, 'unit']})" + (f", {y}" if y != year else "")
            header_links[label] = catalog_href(i, from_profile=True)
            if len(hit) and hit["status"].iloc[0]:
                row[label] = SYMBOL
                locked = True
                continue
            value = hit["value"].iloc[0] if len(hit) else float("nan")
            flag = " ¹" if len(hit) and "small_denominator" in str(hit["notes"].iloc[0]) else ""
            gap = mark_absent(hit.iloc[0], absent) if len(hit) and "reason" in hit.columns else ""
            row[label] = gap or format_value(value, str(cat.loc[i, "unit"])) + flag
        rows.append(row)
    df = pd.DataFrame(rows)
    name = md_escape(district.name_of(area_id))
    caption = (f"Kennzahlen der Sozialräume in {name}, {year}" if level == "sozialraum"
               else f"Kennzahlen der Mitgliedsgemeinden, {year}")
    return table(df, caption=caption,
                 footnotes=["¹ Nenner unter der Mindestgröße: Wert statistisch unsicher, nur eingeschränkt vergleichbar.",
                            *absent_footnote(absent), *([L.settings.footnote_line] if locked else [])],
                 align_right=[c for c in df.columns if c != "Gebiet"], header_links=header_links,
                 kinds={c: "text" if c == "Gebiet" else "count" if c == "Einwohner" else "rate" for c in df.columns})


def profile_classes(district: District, area_id: str, year: int | None = None):
    """Table of a municipality's Sozialräume with their status and dynamics classes, or a note
    when the municipality has no Sozialräume.

    The classes are those of :func:`sozialanalyse.protected.monitoring.published_monitoring`
    (computed from published rates only); an area whose status rate is suppressed shows ``.``
    for index and class (only the dynamics where only a start-year rate is suppressed), and the
    Einwohner are the protected layer's (``.`` where suppressed, as in :func:`subareas`)."""
    children = district.children(area_id)
    name = district.name_of(area_id)
    if children.empty or not (children["kind"] == "Sozialraum").any():
        if not (district.areas["kind"] == "Sozialraum").any():
            return note(f"Für {name} sind keine Sozialräume abgegrenzt.")
        m = published_monitoring(district, year)
        return note(f"Für {name} sind keine Sozialräume abgegrenzt. Das Sozialraum-Monitoring "
                    f"(Status und Dynamik) umfasst die Sozialräume der Städte {towns_text(m)}.")
    m = published_monitoring(district, year)
    t = m.result.table
    att = attention_list(district, m.year)
    srs = [str(a) for a in children.loc[children["kind"] == "Sozialraum", "area_id"]]
    pop = population(district, srs, m.year)
    rows = []
    locked = bool((pop["status"] != "").any())
    absent = not_classifiable(m, [str(a) for a in children["area_id"]])
    for a in srs:
        r = t.loc[a]
        valid = bool(r["valid"])
        why = str(r["reason"] or "")
        unclassified = "fehlt (nicht klassifizierbar)" if valid and why.startswith(
            "nicht klassifizierbar") else "nicht bewertet"
        no_status = valid and why.startswith("gesperrt: Status")
        no_dyn = no_status or (valid and why.startswith("gesperrt: Dynamik"))
        locked = locked or no_dyn
        status = (SYMBOL if no_status else str(r["status_class"]) if valid and pd.notna(r["status_class"])
                  else unclassified)
        dyn = (SYMBOL if no_dyn else str(r["dynamics_class"]) if valid and pd.notna(r["dynamics_class"])
               else unclassified)
        rows.append({"Nr.": sozialraum_number(a), "Sozialraum": m.data.loc[a, "name"],
                     "Einwohner": pop.loc[a, "text"],
                     "Statusindex": SYMBOL if no_status else fmt.num(r["status_index"], 2) if valid else fmt.MISSING,
                     "Status": status,
                     "Dynamikindex": SYMBOL if no_dyn else fmt.num(r["dynamics_index"], 2) if valid else fmt.MISSING,
                     "Dynamik": dyn,
                     # on the list by its status alone, or unknown while the dynamics are suppressed
                     "Besonderer Aufmerksamkeitsbedarf": "ja" if a in att.index else SYMBOL if no_dyn else "–"})
    df = pd.DataFrame(rows)
    return table(df, caption=f"Sozialraum-Monitoring: Status {m.year} und Dynamik {m.start}–{m.year}",
                 footnotes=[f"Klassen im Vergleich aller Sozialräume der Städte {towns_text(m)} (Verfahren des "
                            "Monitorings Soziale Stadtentwicklung Berlin). Statusindex über +1: niedriger Status; "
                            "Dynamikindex über +1: negative Dynamik. Besonderer Aufmerksamkeitsbedarf: Status "
                            "»niedrig« oder »sehr niedrig« oder Dynamik »negativ«. Methode: Kapitel "
                            "Sozialraum-Monitoring.",
                            *([f"Nicht klassifizierbar, weil Eingangsdaten fehlen: {'; '.join(absent)}."]
                              if absent else []),
                            *([protected_layer.of(district).settings.footnote_line] if locked else [])],
                 align_right=["Nr.", "Einwohner", "Statusindex", "Dynamikindex"],
                 kinds={c: "count" if c == "Einwohner" else "index" if c.endswith("index") else "text"
                        for c in df.columns})


# --- health: the spine chart (moved from the health pages) --------------------------------------

__all__ += ["HEALTH_SPINE_IDS", "spine_chart"]

#: Indicators of the spine chart in each Gemeindeprofil (plus the SMR, computed here).
HEALTH_SPINE_IDS = ("uebergewicht_einschulung", "sprachfoerderbedarf", "vorzeitige_sterblichkeit",
                    "sterberate_65plus", "schwerbehindertenquote", "schwerbehindertenquote_65plus",
                    "pflegequote", "pflegequote_80plus", "anteil_haeusliche_pflege")



def _spine_data(district, year: int) -> pd.DataFrame:
    """Spine chart data from the protected layer: a suppressed value (and an SMR whose pooled
    deaths are suppressed) is NaN with its ``status``, and the range and quartiles of the
    municipalities run over published values only. The same table for every profile: a shared
    frame of the protected layer (:func:`shared_frames`), else computed (:func:`_spine_table`)."""
    return protected_layer.of(district).shared(f"spine_{int(year)}", lambda: _spine_table(district, year)).copy()


def _spine_table(district, year: int) -> pd.DataFrame:
    """:func:`_spine_data` computed (every area, every spine indicator)."""
    cat = catalog(district)
    kreis = district.kreis["area_id"]
    res = published_results(district, HEALTH_SPINE_IDS, ["gemeindeverband", "kreis"], years=[year])
    res = res.drop_duplicates(["area_id", "indicator"])[["area_id", "indicator", "value", "lower", "upper", "status"]]
    m = published_mortality(district, year)  # NaN where the pooled deaths are suppressed
    years = list(m.attrs["years"])
    smr_rows = pd.DataFrame({"area_id": m["area_id"].astype(str), "indicator": "smr",
                             "value": m["smr"], "lower": m["smr_lower"], "upper": m["smr_upper"],
                             "status": m["status"].astype(object)})
    data = pd.concat([res, smr_rows], ignore_index=True)
    bench = data[data["area_id"] == kreis].set_index("indicator")["value"]
    pol = {i: str(cat.loc[i, "polarity"]) if cat.loc[i, "polarity"] in POLARITIES else "neutral"
           for i in HEALTH_SPINE_IDS}
    pol["smr"] = "higher_is_worse"
    munis = level_ids(district, "gemeindeverband")
    out = spine_chart_data(data, by="indicator", benchmark=bench, polarity=pol, comparison_areas=munis)
    out.attrs["smr_years"] = years
    return out


def spine_chart(district, area_id: str, year: int | None = None):
    """Figure: spine chart of the area's health indicators against the municipalities of the
    Kreis (range and middle half) and the Kreis value (centre line); the dot's colour says
    whether the area differs significantly (95 % interval) from the Kreis."""
    year = report_year(district, year)
    cat = catalog(district)
    s = _spine_data(district, year)
    own = s[s["area_id"] == area_id].set_index("indicator")
    kreis = s[s["area_id"] == district.kreis["area_id"]].set_index("indicator")
    smr_years = s.attrs["smr_years"]
    ids = [i for i in [*HEALTH_SPINE_IDS, "smr"] if i in own.index]
    # At the phone's width a row is two lines: the indicator's name, then the spine with the
    # area's value, the Kreis value and the range of the municipalities (columns at the right).
    pitch = 0.62  # inches per indicator
    fig = plt.figure(figsize=(6.5, pitch * len(ids) + 2.3))
    bottom = 1.25 / fig.get_figheight()
    ax = fig.add_axes([0.01, bottom, 0.98, 1 - bottom - 0.75 / fig.get_figheight()])
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.45, len(ids) - 0.1)
    left, right = 0.02, 0.50  # the spine's extent in axes fraction; its centre is the Kreis
    cols = {"own": 0.68, "kreis": 0.82, "range": 1.0}
    mid = (left + right) / 2
    absent_rows = held_rows = 0
    findings = {"besser": [], "schlechter": []}
    for row, i in enumerate(ids):
        r = own.loc[i]
        y = len(ids) - 1 - row
        bm = r["benchmark"]
        half = max(abs(r["max"] - bm), abs(bm - r["min"])) or 1.0
        scale = lambda v, bm=bm, half=half: mid + (v - bm) / half * (right - left) / 2
        ax.barh(y, scale(r["max"]) - scale(r["min"]), left=scale(r["min"]), height=0.34, color="#e3e3e3")
        ax.barh(y, scale(r["q75"]) - scale(r["q25"]), left=scale(r["q25"]), height=0.34, color="#b9b9b9")
        ax.plot([mid, mid], [y - 0.24, y + 0.24], color="#333333", linewidth=1)
        code = r["bewertung"] if r["bewertung"] in figstyle.ASSESSMENT_COLORS else None
        color = figstyle.ASSESSMENT_COLORS.get(code, "#9a9a9a")
        if pd.notna(r["value"]):  # shape and colour as in the tables: better ▲, worse ▼, similar ●, no polarity ◆
            ax.scatter([scale(r["value"])], [y], s=70, marker=figstyle.ASSESSMENT_MARKERS.get(code, "o"),
                       color=color, edgecolor="#333333", linewidth=0.9, zorder=3)
        unit = "SMR" if i == "smr" else str(cat.loc[i, "unit"])
        dec = 0 if i == "smr" else 1
        # NaN: suppressed (".") or inputs incomplete ("fehlt", named below the chart), never a 0
        fv = lambda v, st="", unit=unit, dec=dec: (SYMBOL if st else fmt.ABSENT) if pd.isna(v) else fmt_value(v, unit, dec)
        if i == "smr":
            name = f"Sterblichkeit, altersstandardisiert (SMR, {span(smr_years)})"
        else:
            name = str(cat.loc[i, "name"]) + ("" if unit == "%" else f" ({unit})")
        if code in findings:
            findings[code].append(name)
        ax.text(left, y + 0.22, name, ha="left", va="bottom", fontsize=9)
        ax.text(cols["own"], y, fv(r["value"], r["status"]), ha="right", va="center", fontsize=9, fontweight="bold")
        ax.text(cols["kreis"], y, fv(kreis.loc[i, "value"], kreis.loc[i, "status"]) if i in kreis.index
                else fmt.MISSING, ha="right", va="center", fontsize=9)
        ax.text(cols["range"], y, f"{fv(r['min'])} – {fv(r['max'])}", ha="right", va="center", fontsize=9,
                color="#444444")
        held_rows += int(bool(r["status"]) or (i in kreis.index and bool(kreis.loc[i, "status"])))
        absent_rows += int((pd.isna(r["value"]) and not r["status"])
                           or (i in kreis.index and pd.isna(kreis.loc[i, "value"]) and not kreis.loc[i, "status"]))
    header = {"own": textwrap.fill(district.name_of(area_id), 12), "kreis": "Land-\nkreis",
              "range": "Spannweite\nder Gemeinden"}
    for key, label in header.items():
        ax.text(cols[key], len(ids) - 0.2, label, ha="right", va="bottom", fontsize=9, fontweight="bold")
    ax.set_axis_off()
    handles = [Patch(color="#e3e3e3", label="Spannweite der Städte und Gemeinden"),
               Patch(color="#b9b9b9", label="mittlere Hälfte"),
               Line2D([], [], color="#333333", label="Landkreis (Mitte)"),
               *[Line2D([], [], marker=figstyle.ASSESSMENT_MARKERS[k], linestyle="", markersize=8,
                        color=figstyle.ASSESSMENT_COLORS[k], markeredgecolor="#333333", label=lab)
                 for k, lab in (("besser", "günstiger als Landkreis"), ("ähnlich", "kein signifikanter Unterschied"),
                                ("schlechter", "ungünstiger als Landkreis"),
                                ("höher", "höher bzw. niedriger, ohne Wertung"))]]
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, 0.0), ncol=2, frameon=False, fontsize=9)
    fig.suptitle(f"Gesundheit und Pflege in {district.name_of(area_id)} im Vergleich mit dem Landkreis, {year}"
                 + ("\nfehlt: Eingangsdaten unvollständig (Zeilen fehlen), nicht aus unvollständigen Daten berechnet"
                    if absent_rows else "")
                 + (f"\n„{SYMBOL}“ gesperrt: aus Gründen der Geheimhaltung nicht veröffentlicht" if held_rows else ""),
                 fontsize=10.5, fontweight="bold", x=0.01, ha="left", wrap=True)
    words = [f"günstiger als der Landkreis: {', '.join(findings['besser'])}" if findings["besser"] else "",
             f"ungünstiger als der Landkreis: {', '.join(findings['schlechter'])}" if findings["schlechter"] else ""]
    words = [w for w in words if w] or ["bei keiner Kennzahl signifikant günstiger oder ungünstiger als der Landkreis"]
    figures.note(ax, f"{district.name_of(area_id)}: " + "; ".join(words))
    return figures.closed(fig)


# --- end of the block of the spine chart ----------------------------------------------------------


def life_expectancy(district: District, area_id: str, year: int):
    """Text: the area's life expectancy at birth and at 65 by sex over five pooled years with
    95 % intervals beside the Kreis's, and whether it is significantly higher or lower; where a
    value is not published, why (:func:`sozialanalyse.pages.gesundheit.le_reason`)."""
    le = published_life_expectancy(district, year)
    years = le.attrs["years"]
    kreis_id = str(district.kreis["area_id"])
    own = le[le["area_id"] == str(area_id)].set_index(["sex", "age"])
    kreis = le[le["area_id"] == kreis_id].set_index(["sex", "age"])
    lines = []
    for s in ("w", "m"):
        r0 = own.loc[(s, 0)]
        why = le_reason(r0)
        if why:
            lines.append(f"- **{SEX_WORDS[s]}:** nicht veröffentlicht, weil {why}.")
            continue
        k0 = kreis.loc[(s, 0)]
        parts = [f"bei Geburt {fmt.num(r0['value'], 1)} Jahre ({fmt.num(r0['lower'], 1)} – {fmt.num(r0['upper'], 1)})"]
        r65 = own.loc[(s, 65)]
        if le_reason(r65):
            parts.append(f"mit 65 nicht veröffentlicht, weil {le_reason(r65)}")
        else:
            parts.append(f"mit 65 weitere {fmt.num(r65['value'], 1)} Jahre ({fmt.num(r65['lower'], 1)} – "
                         f"{fmt.num(r65['upper'], 1)})")
        line = f"- **{SEX_WORDS[s]}:** " + "; ".join(parts)
        if area_id != kreis_id and not le_reason(k0):
            code = str(compare(r0["value"], r0["lower"], r0["upper"], k0["value"], "higher_is_better")[0])
            mark = kreis_marker(code, "higher_is_better")[0]
            line += f". {md_escape(district.name)}: {fmt.num(k0['value'], 1)} Jahre bei Geburt; Vergleich: {mark}"
        lines.append(line + ".")
    head = (f"Lebenserwartung {span(years)} (fünf Jahre zusammen; in Klammern das 95-%-Intervall; Methode und "
            f"Regeln für die Veröffentlichung: siehe Kapitel Gesundheit):")
    return text(head + "\n\n" + "\n".join(lines))


__all__ += ["supply_section"]


def supply_section(district, area_id: str, year: int | None = None):
    """Section "Angebote und Bedarf": supply against need in the municipality, its reach and its
    parts among the Kreis's gaps (:func:`sozialanalyse.pages.angebote.profile_section`)."""
    return angebote.profile_section(district, area_id, report_year(district, year))


#: The KGSt fields (issue #18): income, low earners, Sozialgeld beside Arbeitslosengeld II, and the
#: education field (Kita attendance by age, transitions to the Gymnasium, leavers without a
#: qualification); from the optional tables income.csv and education.csv (data/README.md).
KGST_FIELDS = ("einkommensteuer_je_einwohner", "niedrigverdiener_anteil", "alg2_quote", "sozialgeldquote",
               "kita_quote_unter3", "kita_quote_3bis5", "uebergangsquote_gymnasium", "schulabgaenger_ohne_abschluss")


def kgst_ids(district: District, year: int) -> list[str]:
    """The KGST fields (:data:`KGST_FIELDS`) in the district's catalog with a published or a
    suppressed Kreis value in ``year``: the indicators of :func:`kgst_fields`."""
    cat = indicators.load_catalog(indicators.district_catalog(district))
    ids = [i for i in KGST_FIELDS if i in cat]
    kreis = protected_layer.of(district).indicators(ids, level="kreis", years=[year]) if ids else pd.DataFrame()
    there = set(kreis.loc[kreis["value"].notna() | (kreis["status"] != ""), "indicator"].astype(str)) if len(kreis) else set()
    return [i for i in ids if i in there]


def kgst_fields(district: District, area_id: str, year: int):
    """Table: the KGSt fields of income and education for the area beside the Kreis, as
    :func:`key_figures`; a note where the data folder has none of their tables (the Kreis has no
    published value and no suppressed one: the counts are not there)."""
    ids = kgst_ids(district, year)
    if not ids:
        return text("Für Einkommen und Bildung (Einkommensteuer, Niedrigverdiener, Sozialgeld, Kita-Besuch, "
                    "Übergänge auf das Gymnasium, Schulabgänger ohne Abschluss) liegen keine Daten vor "
                    "(Tabellen income.csv und education.csv, siehe Datenformat).")
    return key_figures(district, area_id, year, ids=ids, caption=f"Einkommen und Bildung {year}")


# --- the two-minute profile (issue #16): markers against the Kreis, ranks, findings, Sozialraum map

__all__ += ["KREIS_MARKER_LEGEND", "RANK_NOTE", "kreis_marker", "rank_values", "benchmarks", "deviation_findings",
            "trend_findings", "supply_gap_types", "select_findings", "findings", "at_a_glance", "sozialraum_map",
            "sozialraum_map_interactive", "TREND_IDS", "FINDING_ORDER", "glance_html"]

#: Indicators of the profile's trend table (:func:`trends_table`; the trend findings follow the key figures).
TREND_IDS = ("sgb2_quote", "kinderarmut", "altersarmut", "arbeitslosenquote", "anteil_langzeitarbeitslose",
             "anteil_nichtdeutsche", "pflegequote", "uebergewicht_einschulung", "sprachfoerderbedarf")

#: Colours of the markers (those of ``book/_static/sozialanalyse.css``), for text outside tables.
MARK_COLORS = {"sa-mark-better": "#005a9c", "sa-mark-worse": "#b03a00", "sa-mark-similar": "#595959",
               "sa-mark-neutral": "#8a3d7a", "sa-mark-none": "#666666"}

#: The legend line of the marker "Vergleich zum Kreis" (key figures, Kennzahlen im Vergleich).
KREIS_MARKER_LEGEND = MARKER_LEGEND[0]  # one vocabulary on every page (pages.common)

#: The footnote of the column "Rang".
RANK_NOTE = ("Rang: Platz unter den Städten, Gemeinden und Samtgemeinden mit veröffentlichtem Wert (wie viele "
             "verglichen wurden, steht dahinter); 1 = günstigster Wert, bei Kennzahlen ohne Wertungsrichtung "
             "1 = höchster Wert; gleiche angezeigte Werte teilen sich den besten Rang.")


def kreis_marker(code: str, polarity: str, strong: bool = False) -> tuple[str, str]:
    """The comparison with the Kreis in a profile: :func:`sozialanalyse.pages.common.compare_marker`
    (one vocabulary on every page); an untested or unknown code without a comparison reads
    "– kein Vergleich".

    >>> kreis_marker("better", "higher_is_worse")
    ('▲ günstiger (niedriger)', 'sa-mark-better')
    """
    text, cls = compare_marker(code, polarity, strong)
    if text == "–":
        return f"{fmt.MISSING} kein Vergleich", "sa-mark-none"
    return text, cls


def rank_values(values, polarity: str, decimals: int = 1) -> np.ndarray:
    """Rank of each value among the finite ones: 1 = most favourable by ``polarity`` (the
    lowest for ``higher_is_worse``, the highest otherwise, also for ``neutral``), ties (equal
    after rounding to the ``decimals`` shown) share the lowest rank (min-rank: 1, 2, 2, 4); NaN
    (suppressed, missing) is not ranked and stays NaN.

    Examples
    --------
    >>> rank_values([10.0, 12.04, 11.96, np.nan, 8.0], "higher_is_worse").tolist()
    [2.0, 3.0, 3.0, nan, 1.0]
    >>> rank_values([10.0, 12.0, 8.0], "higher_is_better").tolist()
    [2.0, 1.0, 3.0]
    """
    v = pd.Series(np.asarray(values, dtype=float)).round(decimals)
    return v.rank(method="min", ascending=polarity == "higher_is_worse", na_option="keep").to_numpy()


def _polarity(cat: pd.DataFrame, i: str) -> str:
    p = str(cat.loc[i, "polarity"])
    return p if p in POLARITIES else "neutral"


def _compare_rows(o, k, kind: str, mult: float, polarity: str) -> tuple[str, bool, str]:
    """(code, strong, held) of a municipality's row ``o`` against the Kreis row ``k``: the code of
    :func:`sozialanalyse.stats.benchmark.compare` at 95 %, ``strong`` when the 99,8-% interval
    gives the same; without an interval ``untested_higher``/``untested_lower``/``untested_equal``
    (values as shown, one decimal); ``held`` set (and no code) where a value is suppressed.
    One row of :func:`_compare_all` (which :func:`benchmarks` uses, for every municipality at once)."""
    if o is None:
        return "not_compared", False, ""
    rows = pd.DataFrame([o]).reset_index(drop=True)
    code, strong, held = _compare_all(rows, np.array([True]), k, kind, mult, polarity)
    return code[0], strong[0], held[0]


def _compare_all(rows: pd.DataFrame, present: np.ndarray, k, kind: str, mult: float,
                 polarity: str) -> tuple[list[str], list[bool], list[str]]:
    """:func:`_compare_rows` of every row of ``rows`` (columns ``value``, ``lower``, ``upper``,
    ``numerator``, ``denominator``, ``status``) against the Kreis row ``k`` (None: no Kreis value)
    at once, ``present`` False for a row without a result (``not_compared``): the markers as
    lists (code, strong, held) in the order of ``rows``."""
    n = len(rows)
    code = np.full(n, "not_compared", dtype=object)
    strong = np.zeros(n, dtype=bool)
    held = np.full(n, "", dtype=object)
    if k is None or not n:
        return code.tolist(), strong.tolist(), held.tolist()
    present = np.asarray(present, dtype=bool)
    # the strongest status of the row and the Kreis: "primary" before "secondary", the row's own first
    own_st = rows["status"].fillna("").astype(str).to_numpy(dtype=object)
    k_st = str(k["status"])
    first = np.where(own_st != "", own_st, k_st)
    any_primary = (own_st == "primary") | (k_st == "primary")
    h = np.where(any_primary, "primary", first).astype(object)
    is_held = present & (h != "")
    held[is_held] = h[is_held]
    code[is_held] = ""
    v = rows["value"].to_numpy(dtype=float)
    kv = float(k["value"])
    test = present & ~is_held & np.isfinite(v) & np.isfinite(kv)
    if not test.any():
        return code.tolist(), strong.tolist(), held.tolist()
    c = compare(v, rows["lower"], rows["upper"], kv, polarity)
    untested = test & (c == "not_compared")
    for j in np.flatnonzero(untested):  # no interval (means, balances): the difference only described
        d = round(float(v[j]), 1) - round(kv, 1)  # as shown (Python's round, as the tables print)
        code[j] = "untested_higher" if d > 0 else "untested_lower" if d < 0 else "untested_equal"
    tested = test & ~untested
    code[tested] = c[tested]
    rest = tested & (c != "similar")
    if rest.any():
        lo, hi = limits(kind, rows["numerator"].to_numpy(dtype=float)[rest],
                        rows["denominator"].to_numpy(dtype=float)[rest], mult, 0.998)
        strong[rest] = compare(v[rest], lo, hi, kv, polarity) == c[rest]
    return code.tolist(), strong.tolist(), held.tolist()


def benchmarks(district: District, year: int, ids: list[str] | None = None) -> pd.DataFrame:
    """Every municipality's key figures against the Kreis, from the protected layer.

    One row per municipality (level ``gemeindeverband``, in the order of the area tree) and
    indicator: ``area_id``, ``indicator``, ``year`` (``year`` or the latest earlier year with a
    value, elections), ``value``, ``lower``, ``upper``, ``numerator``, ``denominator``, ``status``,
    ``reason``, ``notes`` (the published result), ``kreis_value``, ``kreis_status``, ``polarity``,
    ``code``, ``strong``, ``held`` (:func:`_compare_rows`: the marker against the Kreis; ``held``
    is the status of a marker that would come from a suppressed value), ``rank`` and ``ranked``.

    Notes
    -----
    The rank (:func:`rank_values`) runs over the municipalities with a published value of the
    indicator's year (the latest year any municipality has): a suppressed or missing value is not
    ranked, and ``ranked`` says how many were compared. The comparison: Fingertips' rule, the
    Kreis value outside the municipality's 95 % interval (:func:`sozialanalyse.stats.benchmark.compare`).
    """
    ids = list(ids) if ids is not None else key_figure_ids(district)
    # the same table in every profile kernel: a shared frame of the protected layer (Layer.shared),
    # saved once by the build (shared_frames) and read here, else computed here, the same frame
    key = f"benchmarks_{int(year)}_{_ids_key(ids)}"
    return protected_layer.of(district).shared(key, lambda: _benchmarks(district, year, ids)).copy()


def _ids_key(ids: list[str]) -> str:
    """A short name of a list of indicator ids (order counts) for the key of a shared frame.

    >>> a, b = _ids_key(["sgb2_quote", "kinderarmut"]), _ids_key(["kinderarmut", "sgb2_quote"])
    >>> len(a), a == b, a == _ids_key(["sgb2_quote", "kinderarmut"])
    (12, False, True)
    """
    import hashlib

    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:12]


def _benchmarks(district: District, year: int, ids: list[str]) -> pd.DataFrame:
    """:func:`benchmarks` computed (every municipality and the Kreis)."""
    cat = _catalog(district)
    kreis_id = str(district.kreis["area_id"])
    munis = [str(a) for a in district.municipalities()["area_id"]]
    res = _latest(_published(district, ids, ["gemeindeverband", "kreis"]), year)
    frames = []
    for i in ids:
        pol, kind, mult = _polarity(cat, i), str(cat.loc[i, "kind"]), float(cat.loc[i, "multiplier"] or 1)
        sub = res[res["indicator"] == i].drop_duplicates("area_id").set_index("area_id")
        k = sub.loc[kreis_id] if kreis_id in sub.index else None
        rows = sub.reindex(munis)
        rows["area_id"] = munis
        rows["indicator"] = i
        rows["status"] = rows["status"].fillna("").astype(str)
        rows["polarity"] = pol
        rows["kreis_value"] = float(k["value"]) if k is not None else np.nan
        rows["kreis_status"] = str(k["status"]) if k is not None else ""
        rows["code"], rows["strong"], rows["held"] = _compare_all(rows, rows["year"].notna().to_numpy(), k, kind,
                                                                  mult, pol)
        last = rows["year"].max()
        rankable = (rows["year"] == last) & (rows["status"] == "") & rows["value"].notna()
        rows["rank"] = rank_values(rows["value"].where(rankable), pol)
        rows["ranked"] = int(rankable.sum())
        frames.append(rows.reset_index(drop=True))
    out = pd.concat(frames, ignore_index=True)
    if isinstance(out["name"].dtype, pd.CategoricalDtype):  # categories as a saved shared frame reads them
        out["name"] = out["name"].cat.set_categories(out["name"].cat.categories.astype(str))
    return out


def shared_frames(district: District, year: int | None = None) -> list[str]:
    """Compute the tables over all municipalities that every Gemeindeprofil of ``district``
    computes alike, by the calls the profile makes: :func:`benchmarks` of the key figures and
    of the KGSt fields, the spine chart's table (:func:`_spine_data`), the population of
    every municipality (:func:`published_population`) and the cells of every population pyramid
    (:func:`pyramid_data`). Each is a shared frame of the protected
    layer (:meth:`sozialanalyse.protected.layer.Layer.shared`): the build calls this once
    before the kernels and saves them beside the layer
    (:func:`sozialanalyse.build.report.shared_work_once`), a kernel reads them through the same
    calls, and without the files (a reviewer's re-execution) the calls compute the same frames.
    Returns what was computed, or which was not and why: a call that fails here (a district
    without health data) is left to the page that makes it, which reports its own error."""
    year = report_year(district, year)
    return protected_layer.compute_each((
        ("benchmarks", lambda: benchmarks(district, year)),
        ("benchmarks KGSt", lambda: kgst_ids(district, year) and benchmarks(district, year, kgst_ids(district, year))),
        ("spine chart", lambda: _spine_data(district, year)),
        ("population", lambda: _population_table(district, year)),
        ("pyramid", lambda: pyramid_data(district, str(district.kreis["area_id"]), year))))


#: The kinds of finding of "Auf einen Blick", in the order :func:`select_findings` takes them.
FINDING_ORDER = ("kreis", "sozialraeume", "trend", "angebote")


def _difference(value: float, comparator: float, unit: str) -> tuple[str, str]:
    """(amount, "höher"/"niedriger") of ``value`` against ``comparator`` as a reader can check
    it from the two values shown (one decimal): percentage points for percentages, never a
    relative change.

    >>> _difference(18.24, 13.94, "%")
    ('4,3 Prozentpunkte', 'höher')
    >>> _difference(48.1, 51.0, "m²")
    ('2,9\\xa0m²', 'niedriger')
    """
    d = round(float(value), 1) - round(float(comparator), 1)
    word = "höher" if d > 0 else "niedriger"
    if unit == "%":
        return f"{fmt.num(abs(d), 1)} Prozentpunkte", word
    if unit in ("Jahre", "m²", "EUR/m²"):
        return fmt.num(abs(d), 1, unit), word
    return f"{fmt.num(abs(d), 1)} ({unit})", word


def _change(value: float, before: float, unit: str) -> str:
    """The signed change between two values as shown (one decimal): percentage points for
    percentages.

    >>> _change(4.81, 3.64, "%"), _change(3.0, 4.31, "je 1.000 Einw.")
    ('+1,2 Prozentpunkte', '−1,3 je 1.000 Einw.')
    """
    d = round(float(value), 1) - round(float(before), 1)
    if unit == "%":
        return fmt.signed(d, 1) + " Prozentpunkte"
    return fmt.signed(d, 1, unit if unit in ("Jahre", "m²", "EUR/m²") else None) + (
        "" if unit in ("Jahre", "m²", "EUR/m²") else f" {unit}")


def deviation_findings(rows: pd.DataFrame, kreis_name: str) -> list[dict]:
    """The significant differences from the Kreis as findings, ranked.

    Parameters
    ----------
    rows : DataFrame
        One municipality's rows of :func:`benchmarks` with the catalog's ``name`` and ``unit``.
    kreis_name : str
        The Kreis as the sentence names it ("Landkreis Musterland").

    Returns
    -------
    list of dict
        ``{"kind": "kreis", "indicator", "symbol", "css", "text"}`` (``text`` is HTML), ranked:
        indicators with a polarity before those without; within, significant at 99,8 % before
        95 %; then the larger relative difference :math:`|v/k - 1|` first (:math:`v` the
        municipality's value, :math:`k` the Kreis's). Only codes ``better``, ``worse``,
        ``higher``, ``lower`` (the Kreis value outside the 95 % interval) and only where neither
        value is suppressed.
    """
    import html

    ok = rows["code"].isin(["better", "worse", "higher", "lower"]) & (rows["status"] == "") \
        & (rows["kreis_status"].astype(str) == "") & rows["value"].notna() & rows["kreis_value"].notna() \
        & (rows["kreis_value"] != 0)
    r = rows[ok].copy()
    r["_pol"] = (r["polarity"] == "neutral").astype(int)
    r["_strong"] = (~r["strong"].astype(bool)).astype(int)
    r["_rel"] = -(r["value"] / r["kreis_value"] - 1).abs()
    r = r.sort_values(["_pol", "_strong", "_rel"], kind="stable")
    out = []
    for _, x in r.iterrows():
        unit = str(x["unit"])
        amount, word = _difference(x["value"], x["kreis_value"], unit)
        label, css = kreis_marker(str(x["code"]), str(x["polarity"]), bool(x["strong"]))
        symbol = label.split(" ")[0]
        judge = {"better": "günstiger als im Kreis, ", "worse": "ungünstiger als im Kreis, "}.get(str(x["code"]), "")
        when = f" ({int(x['year'])})" if "report_year" in x and int(x["year"]) != int(x["report_year"]) else ""
        text_ = (f"<strong>{html.escape(str(x['name']))}</strong>{when}: {format_value(x['value'], unit)}, "
                 f"{amount} {word} als im {html.escape(kreis_name)} ({format_value(x['kreis_value'], unit)}) – "
                 f"{judge}statistisch gesichert.")
        out.append({"kind": "kreis", "indicator": str(x["indicator"]), "symbol": symbol, "css": css,
                    "text": text_})
    return out


def trend_findings(res: pd.DataFrame, kinds: dict, names: dict, units: dict, polarity: dict) -> list[dict]:
    """The recent trends of one area as findings, strongest first: exactly those the key table's
    "Trend" column shows as ↑ or ↓ (:func:`_recent`, the Fingertips test over the last five
    years at 99,8 %).

    Parameters
    ----------
    res : DataFrame
        The area's published results up to the report year
        (:func:`sozialanalyse.pages.common.published_results`).
    kinds, names, units, polarity : dict
        Indicator id to the catalog's kind, name, unit and polarity; the findings are taken in
        the order of ``kinds`` before ranking.

    Returns
    -------
    list of dict
        As :func:`deviation_findings` (``kind`` ``"trend"``), ranked by the chi-squared
        statistic (largest first): a trend only where no year of the five is suppressed and the
        first and last year's values are published; the change is the difference of the two
        values shown (percentage points for percentages).
    """
    import html

    found = []
    for i, kind in kinds.items():
        series = res[res["indicator"] == i].sort_values("year")
        t = _recent(series, kind)
        if t is None or t.marker not in ("increasing", "decreasing"):
            continue
        mine = series.set_index("year")
        first, last = int(min(t.years)), int(max(t.years))
        if first not in mine.index or last not in mine.index:
            continue
        v0, v1 = mine.loc[first, "value"], mine.loc[last, "value"]
        if not (np.isfinite(v0) and np.isfinite(v1)):
            continue
        unit = units[i]
        up = t.marker == "increasing"
        pol = polarity.get(i, "neutral")
        css = trend_marker(t.marker, pol)[1]
        judge = "" if pol == "neutral" else (" und günstig" if css == "sa-mark-better" else " und ungünstig")
        text_ = (f"<strong>{html.escape(names[i])}</strong>: in den letzten fünf Jahren von "
                 f"{format_value(v0, unit)} ({first}) auf {format_value(v1, unit)} ({last}) "
                 f"{'gestiegen' if up else 'gesunken'} ({_change(v1, v0, unit)}); der "
                 f"{'Anstieg' if up else 'Rückgang'} ist auf dem 99,8-%-Niveau statistisch gesichert{judge}.")
        found.append((-float(t.chi2), {"kind": "trend", "indicator": i, "symbol": "↑" if up else "↓", "css": css,
                                      "text": text_}))
    return [f for _, f in sorted(found, key=lambda x: x[0])]


def select_findings(candidates: list[dict], k: int = 5, order=FINDING_ORDER) -> list[dict]:
    """At most ``k`` findings, taken in turns from each kind in ``order`` (each kind's candidates
    already ranked): the best difference from the Kreis, the Sozialräume, the best trend, the
    supply gaps, then the second difference, the second trend, and so on.

    Examples
    --------
    >>> c = [{"kind": "trend", "text": "t1"}, {"kind": "kreis", "text": "k1"}, {"kind": "kreis", "text": "k2"},
    ...      {"kind": "kreis", "text": "k3"}, {"kind": "trend", "text": "t2"}, {"kind": "angebote", "text": "a"}]
    >>> [f["text"] for f in select_findings(c, k=5)]
    ['k1', 't1', 'a', 'k2', 't2']
    """
    queues = {kind: [c for c in candidates if c["kind"] == kind] for kind in order}
    picked: list[dict] = []
    turn = 0
    while len(picked) < k and any(len(q) > turn for q in queues.values()):
        for kind in order:
            if len(picked) < k and len(queues[kind]) > turn:
                picked.append(queues[kind][turn])
        turn += 1
    return picked


def _sozialraum_finding(district: District, area_id: str, year: int) -> list[dict]:
    """The Sozialräume of a town with besonderem Aufmerksamkeitsbedarf (published monitoring; a
    Sozialraum whose class is suppressed is counted as such, never as on or off the list)."""
    import html

    children = district.children(area_id)
    srs = [str(a) for a in children.loc[children["kind"] == "Sozialraum", "area_id"]] if len(children) else []
    if not srs:
        return []
    m = published_monitoring(district, year)
    t = m.result.table.reindex(srs)
    att = attention_list(district, m.year)
    on = [a for a in srs if a in att.index]
    held = [a for a in srs if a not in att.index and str(t.loc[a, "status"] or "") not in ("", "nan")]
    unrated = [a for a in srs if not (bool(t.loc[a, "valid"]) if pd.notna(t.loc[a, "valid"]) else False)]
    n = len(srs)
    extra = []
    if held:
        extra.append(f"bei {fmt.num(len(held))} ist die Einstufung gesperrt")
    if unrated:
        extra.append(f"{fmt.num(len(unrated))} {'ist' if len(unrated) == 1 else 'sind'} wegen zu weniger "
                     "Einwohner nicht bewertet")
    tail = f" ({'; '.join(extra)})" if extra else ""
    if on:
        names = ", ".join(f"Nr. {sozialraum_number(a)} {html.escape(str(m.data.loc[a, 'name']))}" for a in on)
        verb = "hat" if len(on) == 1 else "haben"
        text_ = (f"<strong>Sozialräume</strong>: {fmt.num(len(on))} von {fmt.num(n)} {verb} besonderen "
                 f"Aufmerksamkeitsbedarf (Status niedrig oder sehr niedrig oder Dynamik negativ, {m.year}): "
                 f"{names}{tail}.")
        return [{"kind": "sozialraeume", "indicator": "", "symbol": "!", "css": "sa-mark-worse", "text": text_}]
    text_ = (f"<strong>Sozialräume</strong>: keiner der {fmt.num(n)} Sozialräume hat besonderen "
             f"Aufmerksamkeitsbedarf ({m.year}){tail}.")
    return [{"kind": "sozialraeume", "indicator": "", "symbol": "●", "css": "sa-mark-similar", "text": text_}]


def supply_gap_types(gaps: pd.DataFrame, levels: dict, area_id: str) -> tuple[list[str], list[str]]:
    """The facility types of ``area_id`` with a gap and those with low reach, by the rule of the
    Angebote table (:func:`sozialanalyse.pages.angebote.profile_section`).

    A gap is a finding only where the type is planned for this kind of area (a type planned
    ``for the Landkreis``, level ``kreis``, has no municipal gap: its Soll is met or missed by the
    Kreis as a whole), where the ratio is published, and where the Lücke shown
    (:func:`sozialanalyse.pages.angebote.gap_shown`: places whole, posts to one decimal,
    facilities rounded up to whole ones) is above zero. Low reach
    (planning.supply marks it for base-level types only) where the reach is published.

    Examples
    --------
    >>> g = pd.DataFrame({"area_id": "1", "level": "gemeindeverband", "type": ["Pflegestützpunkt", "Hausarzt", "Kita"],
    ...                   "measure": ["facilities", "fte", "places"], "gap": [0.3, 0.04, 12.0],
    ...                   "below_guide": True, "status": "", "low_reach": False, "reach_status": ""})
    >>> supply_gap_types(g, {"Pflegestützpunkt": "kreis", "Hausarzt": "gemeindeverband", "Kita": "base"}, "1")
    (['Kita'], [])
    """
    own = gaps[gaps["area_id"] == str(area_id)].drop_duplicates("type")
    below, far = [], []
    for _, r in own.iterrows():
        t = str(r["type"])
        if levels.get(t) == "kreis" and r["level"] != "kreis":
            continue
        if (bool(r["below_guide"]) and str(r["status"]) in ("", "nan") and np.isfinite(r["gap"])
                and angebote.gap_shown(float(r["gap"]), str(r["measure"])) > 0):
            below.append(t)
        if bool(r["low_reach"]) and str(r["reach_status"]) in ("", "nan"):
            far.append(t)
    return below, far


def _supply_finding(district: District, area_id: str, year: int) -> list[dict]:
    """Facility types with a gap or with low reach in the municipality (names only, from the gap
    table of :mod:`sozialanalyse.planning.supply` by the rule of :func:`supply_gap_types`)."""
    from ..planning import supply

    try:
        g = supply.gaps(district, year=year)
    except (KeyError, ValueError, FileNotFoundError):  # a district without facilities
        return []
    levels = {k: v.level for k, v in supply.settings(district).types.items()}
    below, far = supply_gap_types(g, levels, area_id)
    if not below and not far:
        return []
    q = lambda xs: " und ".join(", ".join(f"„{x}“" for x in xs).rsplit(", ", 1))
    parts = []
    if below:
        parts.append(f"unter dem Orientierungswert {'liegt das Angebot' if len(below) == 1 else 'liegen die Angebote'} "
                     f"{q(below)}")
    if far:
        parts.append(f"für {q(far)} ist die Erreichbarkeit gering")
    return [{"kind": "angebote", "indicator": "", "symbol": "!", "css": "sa-mark-worse",
             "text": f"<strong>Angebote und Bedarf</strong>: {'; '.join(parts)} (Abschnitt „Angebote und Bedarf“)."}]


def findings(district: District, area_id: str, year: int, k: int = 5) -> list[dict]:
    """The findings of "Auf einen Blick" (:func:`at_a_glance`): the candidates of
    :func:`deviation_findings` (key figures), :func:`_sozialraum_finding`,
    :func:`trend_findings` (the key figures' "Trend" column) and :func:`_supply_finding`,
    chosen by :func:`select_findings`."""
    area_id = str(area_id)
    cat = _catalog(district)
    b = benchmarks(district, year)
    mine = b[b["area_id"] == area_id].copy()
    mine["name"] = [str(cat.loc[i, "name"]) for i in mine["indicator"]]
    mine["unit"] = [str(cat.loc[i, "unit"]) for i in mine["indicator"]]
    mine["report_year"] = year
    cands = deviation_findings(mine, str(district.name))
    cands += _sozialraum_finding(district, area_id, year)
    ids = [i for i in key_figure_ids(district) if i in cat.index]
    res = _published(district, ids, _level(district, area_id))
    res = res[(res["area_id"] == area_id) & (res["year"] <= year)]
    if len(res):
        cands += trend_findings(res, {i: str(cat.loc[i, "kind"]) for i in ids}, {i: str(cat.loc[i, "name"]) for i in ids},
                                {i: str(cat.loc[i, "unit"]) for i in ids}, {i: _polarity(cat, i) for i in ids})
    cands += _supply_finding(district, area_id, year)
    return select_findings(cands, k=k)


_RULE = ("▲ günstiger, ▼ ungünstiger als der Kreis (doppelt: auch bei 99,8\u00a0% gesichert), ◆ höher bzw. niedriger "
         "(Kennzahl ohne Wertungsrichtung); ↑ ↓ Trend steigend bzw. fallend; blau günstig, orangerot ungünstig. "
         "Auswahl: Unterschiede zum Kreis, bei denen der Kreiswert außerhalb des 95-%-Intervalls der Gemeinde "
         "liegt (Kennzahlen mit Wertungsrichtung zuerst, dann die auch bei 99,8\u00a0% gesicherten, dann der größte "
         "relative Abstand), Sozialräume mit besonderem Aufmerksamkeitsbedarf, Trends der letzten fünf Jahre "
         "wie in der Spalte „Trend“ der Kennzahlen (bei 99,8\u00a0% gesichert, stärkster zuerst) und Angebote mit "
         "einer Lücke auf ihrer Planungsebene (nicht die für den Landkreis geplanten) – "
         "abwechselnd je einer, höchstens fünf. Gesperrte Werte gehen in keinen Befund ein.")


def glance_html(found: list[dict], name: str) -> str:
    """The HTML of "Auf einen Blick" for the findings ``found`` (:func:`findings`) of the area
    ``name``: a list, each item with its symbol in its colour; a plain sentence when fewer than
    three qualify; the rule of the choice and the link to "Kennzahlen im Vergleich".

    >>> h = glance_html([{"css": "sa-mark-worse", "symbol": "▼", "text": "<strong>A</strong>: 1,0 %."}], "X")
    >>> "Nur ein Befund erfüllt die Auswahlregel" in h, h.count("<li>")
    (True, 1)
    """
    import html

    name = html.escape(name)
    items = "".join(f'<li><span class="{f["css"]}" style="color:{MARK_COLORS[f["css"]]};font-weight:600">'
                    f'{f["symbol"]}</span> {f["text"]}</li>\n' for f in found)
    parts = ['<div class="sa-glance">']
    if items:
        parts.append(f'<ul class="sa-findings">\n{items}</ul>')
    if len(found) < 3:
        count = {0: "Kein Befund erfüllt", 1: "Nur ein Befund erfüllt", 2: "Nur zwei Befunde erfüllen"}[len(found)]
        parts.append(f"<p>{count} die Auswahlregel: Die übrigen Kennzahlen von {name} unterscheiden sich nicht "
                     "gesichert vom Kreis, zeigen keinen signifikanten Trend, und bei Sozialräumen und Angeboten "
                     "ist nichts Weiteres zu berichten.</p>")
    parts.append(f'<p class="sa-footnote">{html.escape(_RULE)} Alle Städte und Gemeinden nebeneinander: '
                 '<a href="../kennzahlen.html">Kennzahlen im Vergleich</a>.</p></div>')
    return "\n".join(parts)


def at_a_glance(district: District, area_id: str, year: int):
    """Section "Auf einen Blick": three to five findings in German sentences (:func:`findings`),
    each with its marker symbol and colour, the rule of the choice, a plain sentence when fewer
    than three qualify (:func:`glance_html`), and the link to "Kennzahlen im Vergleich"."""
    from IPython.display import HTML  # IPython: present in a kernel, not needed to import the pages

    year = report_year(district, year)
    return HTML(glance_html(findings(district, area_id, year), district.name_of(area_id)))


def _town_classes(district: District, area_id: str, year: int):
    """(shapes, rows) of the town's Sozialräume for its maps: the published status and dynamics
    class, whether the Sozialraum has besonderen Aufmerksamkeitsbedarf; None without Sozialräume."""
    children = district.children(area_id)
    srs = [str(a) for a in children.loc[children["kind"] == "Sozialraum", "area_id"]] if len(children) else []
    if not srs:
        return None
    m = published_monitoring(district, year)
    t = m.result.table.reindex(srs)
    att = attention_list(district, m.year)
    geo = district.geometry
    shapes = geo[geo["area_id"].astype(str).isin(srs)].copy()
    shapes["area_id"] = shapes["area_id"].astype(str)
    shapes = shapes.set_index("area_id").reindex([a for a in srs if a in set(shapes["area_id"])]).reset_index()
    rows = []
    for a in shapes["area_id"]:
        r = t.loc[a]
        valid = bool(r["valid"]) if pd.notna(r["valid"]) else False
        held = str(r["status"] or "") not in ("", "nan")
        if not valid:
            cls = f"nicht bewertet (unter {fmt.num(MIN_POPULATION)} Einw.)"
        elif isinstance(r["status_class"], str):
            cls = r["status_class"]
        else:
            cls = "gesperrt" if held else "fehlt (Eingangsdaten unvollständig)"
        dyn = r["dynamics_class"] if valid and isinstance(r["dynamics_class"], str) else None
        rows.append({"area_id": a, "name": str(m.data.loc[a, "name"]) if a in m.data.index else district.name_of(a),
                     "nr": sozialraum_number(a), "class": cls, "dynamik": dyn,
                     "aufmerksamkeit": "ja" if a in att.index else ("gesperrt" if held else "nein"),
                     "status": "primary" if held and cls == "gesperrt" else ""})
    return shapes, rows, m


def sozialraum_map(district: District, area_id: str, year: int | None = None):
    """Map: the town's own Sozialräume coloured by their status class (published monitoring), a
    thick dark outline for those with besonderem Aufmerksamkeitsbedarf, each labelled with its
    number (the tables' "Nr."); for a municipality without Sozialräume a sentence instead."""
    import matplotlib.patheffects as pe  # matplotlib: heavy, loaded on first figure

    from .sozialraum_monitoring import STATUS_COLORS

    year = report_year(district, year)
    got = _town_classes(district, area_id, year)
    name = district.name_of(area_id)
    if got is None:
        kind = kind_label(district, area_id)
        what = ("Sie besteht aus Mitgliedsgemeinden; die Tabelle „Teilräume“ zeigt deren Kennzahlen."
                if kind == "Samtgemeinde" else "Die Lage im Kreis zeigt die Karte unter „Lage und Bevölkerung“.")
        who = f"die {name}" if name.startswith(kind) and kind in ("Samtgemeinde", "Stadt", "Einheitsgemeinde") else name
        return note(f"Für {who} sind keine Sozialräume abgegrenzt, daher gibt es keine Karte der Sozialräume. {what}")
    shapes, rows, m = got
    fig, ax = plt.subplots(figsize=(7.5, 7.2))
    handles = []
    with figures.no_idle_draw(ax):  # GeoPandas' plot would rasterise the whole figure each time
        for cls, color in STATUS_COLORS.items():
            part = shapes[[r["class"] == cls for r in rows]]
            if len(part):
                part.plot(ax=ax, color=color, edgecolor="#777777", linewidth=0.6, zorder=2)
                handles.append(Patch(facecolor=color, edgecolor="#777777", label=f"Status {cls}"))
        other = shapes[[r["class"] not in STATUS_COLORS for r in rows]]
        if len(other):
            other.plot(ax=ax, facecolor="#f4f4f4", edgecolor="#999999", hatch="///", linewidth=0.5, zorder=2)
            handles.append(Patch(facecolor="#f4f4f4", edgecolor="#999999", hatch="///",
                                 label="ohne Klasse (nicht bewertet, fehlt oder gesperrt)"))
        hot = shapes[[r["aufmerksamkeit"] == "ja" for r in rows]]
        if len(hot):
            hot.plot(ax=ax, facecolor="none", edgecolor="#1a1a1a", linewidth=2.6, zorder=3)
            handles.append(Patch(facecolor="none", edgecolor="#1a1a1a", linewidth=2.6,
                                 label="besonderer Aufmerksamkeitsbedarf"))
    for geom, r in zip(shapes.geometry, rows):
        p = geom.representative_point()
        ax.annotate(r["nr"], (p.x, p.y), ha="center", va="center", fontsize=9, fontweight="bold",
                    color="#1a1a1a", zorder=5, path_effects=[pe.withStroke(linewidth=3, foreground="white")])
    handles.append(Line2D([], [], linestyle="", label="Zahl: Nr. des Sozialraums (Tabelle „Sozialraum-Monitoring“)"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), fontsize=9, frameon=False, ncol=2)
    ax.set_title(f"Sozialräume in {name}: Status {m.year}", fontsize=11)
    counts = [f"{n} mit Status {cls}" for cls in STATUS_COLORS if (n := sum(r["class"] == cls for r in rows))]
    if len(other):
        counts.append(f"{len(other)} ohne Klasse")
    figures.note(ax, f"{len(rows)} Sozialräume: {', '.join(counts)}; davon {len(hot)} mit besonderem "
                     "Aufmerksamkeitsbedarf (dick umrandet).")
    ax.set_axis_off()
    ax.set_aspect("equal")
    return figures.finish(fig)


def sozialraum_map_interactive(district: District, area_id: str, year: int | None = None):
    """The map of :func:`sozialraum_map` as an interactive map (:func:`sozialanalyse.render.maps.svg_map`):
    each Sozialraum's name, number, classes and attention in the tooltip; nothing for a
    municipality without Sozialräume (the static map's cell says so)."""
    from ..render import maps
    from .sozialraum_monitoring import STATUS_COLORS

    year = report_year(district, year)
    got = _town_classes(district, area_id, year)
    if got is None:
        return None
    shapes, rows, m = got
    fills = [STATUS_COLORS.get(r["class"]) for r in rows]
    legend = [(STATUS_COLORS[c], f"Status {c}") for c in STATUS_COLORS if any(r["class"] == c for r in rows)]
    legend += [(None, lab) for lab in sorted({r["class"] for r in rows if r["class"] not in STATUS_COLORS})]
    kinds = {k: "text" for k in ("area_id", "name", "nr", "class", "dynamik", "aufmerksamkeit", "status")}
    return maps.svg_map(shapes, rows, fills, kinds, f"Sozialräume in {district.name_of(area_id)}: Status {m.year}",
                        legend, labels={"nr": "Nr.", "class": f"Status {m.year}",
                                        "dynamik": f"Dynamik {m.start}–{m.year}",
                                        "aufmerksamkeit": "Besonderer Aufmerksamkeitsbedarf"},
                        label_names=False, number_key="nr",  # numbers and the town's outline, as the static map
                        outlines=district.geometry[district.geometry["area_id"] == area_id])
