"""The Gemeindeprofil (``notebooks/gemeindeprofil.ipynb``): one page per municipality with its
population, key figures beside the Kreis, trends, Sozialräume or Mitgliedsgemeinden and the
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

from ..model.areas import age_groups_between
from ..model.config import SYMBOL
from ..model.district import District, totals
from ..protected import layer as protected_layer
from ..render import figures, fmt
from ..render.tables import md_escape, note, table, text
from ..stats import indicators
from ..stats.aggregate import level_ids, report_year
from ..stats.health import POLARITIES, spine_chart_data
from ..stats.monitoring import attention
from ..stats.mortality import pooled_mortality
from ..stats.trend import trend
from .common import (
    absent_footnote,
    catalog,
    fmt_value,
    format_value,
    gap_count,
    indicator_results,
    kind_label,
    mark_absent,
    span,
)
from .indikatorenkatalog import catalog_href
from .sozialraum_monitoring import (
    not_classifiable,
    population,
    published_monitoring,
    sozialraum_number,
    towns_text,
)

__all__ = [
    "DEFAULT_KEY_FIGURES",
    "key_figure_ids",
    "population_summary",
    "intro",
    "key_figures",
    "trends_table",
    "population_development",
    "pyramid_and_locator",
    "trend_vs_kreis",
    "subareas",
    "profile_classes",
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


def population_summary(district: District, area_id: str, year: int) -> dict:
    """Inhabitants in ``year`` and the first data year, change in %, and the 65+ share."""
    first = district.years[0]
    pop = totals(district, area_id, "einwohner", by=["age_group"], years=[first, year])
    now = pop[pop["year"] == year]
    # skipna=False: a year with absent rows (NaN from totals) is missing, not a smaller sum
    total_now = float(now["value"].sum(skipna=False)) if len(now) else float("nan")
    first_rows = pop.loc[pop["year"] == first, "value"]
    total_first = float(first_rows.sum(skipna=False)) if len(first_rows) else float("nan")
    old = float(now.loc[now["age_group"].isin(age_groups_between(65)), "value"].sum(skipna=False))
    return {
        "year": year,
        "first_year": first,
        "einwohner": total_now,
        "einwohner_first": total_first,
        "change_pct": 100 * (total_now / total_first - 1) if total_first else float("nan"),
        "anteil_65plus": 100 * old / total_now if total_now else float("nan"),
    }


def _population_absent(district: District, area_id: str, year: int) -> str:
    """German predicate for a population total that is missing: "fehlt (Eingangsdaten
    unvollständig: einwohner 2024 in 1 von 18 Teilgebieten; ...)"."""
    k = gap_count(district, area_id, "einwohner", year)
    n = len(district.base_of(area_id))
    where = "" if not k else f": einwohner {year}" + (f" in {k} von {n} Teilgebieten" if n > 1 else "")
    return (f"{fmt.ABSENT} (Eingangsdaten unvollständig{where}; nicht aus unvollständigen "
            "Daten berechnet)")


def intro(district: District, area_id: str, year: int):
    """A short German paragraph introducing an area (Kreis or municipality)."""
    s = population_summary(district, area_id, year)
    name = md_escape(district.name_of(area_id))
    kind = kind_label(district, area_id)
    parts = []
    known = bool(np.isfinite(s["einwohner"]))
    if kind == "Landkreis":
        n = len(district.municipalities())
        if known:
            parts.append(f"Im **{name}** lebten am 31.12.{year} **{fmt.num(s['einwohner'])}** Menschen "
                         f"in {n} Städten, Gemeinden und Samtgemeinden.")
        else:
            parts.append(f"Zum **{name}** gehören {n} Städte, Gemeinden und Samtgemeinden. Die Einwohnerzahl "
                         f"am 31.12.{year} {_population_absent(district, area_id, year)}.")
    else:
        kreis = population_summary(district, district.kreis["area_id"], year)
        share = 100 * s["einwohner"] / kreis["einwohner"]
        label = name if name.startswith(kind) else f"{kind} {name}"
        if not known:
            parts.append(f"**{label}**: Die Einwohnerzahl am 31.12.{year} "
                         f"{_population_absent(district, area_id, year)}.")
        elif np.isfinite(share):
            parts.append(f"**{label}** hatte am 31.12.{year} **{fmt.num(s['einwohner'])}** Einwohnerinnen "
                         f"und Einwohner, das sind {fmt.pct(share)} der Bevölkerung im {md_escape(district.name)}.")
        else:
            parts.append(f"**{label}** hatte am 31.12.{year} **{fmt.num(s['einwohner'])}** Einwohnerinnen "
                         f"und Einwohner (Anteil an der Bevölkerung im {md_escape(district.name)}: "
                         f"{_population_absent(district, district.kreis['area_id'], year)}).")
        children = district.children(area_id)
        if len(children):
            label = "Mitgliedsgemeinden" if kind == "Samtgemeinde" else "Sozialräume"
            parts.append(f"Zur {kind} gehören {len(children)} {label}." if kind == "Samtgemeinde"
                         else f"Für die {kind} sind {len(children)} {label} abgegrenzt.")
    if np.isfinite(s["change_pct"]):
        direction = "gewachsen" if s["change_pct"] > 0 else "geschrumpft"
        parts.append(f"Seit dem 31.12.{s['first_year']} ist die Bevölkerung um {fmt.pct(abs(s['change_pct']))} "
                     f"{direction}; {fmt.pct(s['anteil_65plus'])} der Einwohnerinnen und Einwohner sind 65 Jahre "
                     "oder älter.")
    elif known:  # the first year is incomplete: no direction is claimed from a missing value
        parts.append(f"Die Einwohnerzahl am 31.12.{s['first_year']} "
                     f"{_population_absent(district, area_id, s['first_year'])}, daher keine Angabe zur "
                     f"Entwicklung; {fmt.pct(s['anteil_65plus'])} der Einwohnerinnen und Einwohner sind 65 Jahre "
                     "oder älter.")
    if district.synthetic:
        parts.append("\n\n*Synthetische Beispieldaten eines fiktiven Landkreises.*")
    return text(" ".join(parts))


def _indicator_values(district: District, ids: list[str], level: str | list[str], years=None) -> pd.DataFrame:
    return indicators.compute(district, ids, level=level, years=years)


def _latest(res: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per area and indicator the row of ``year``, or of the latest earlier year with a value
    (elections are held only every few years)."""
    incomplete = res["reason"].astype(str) != "" if "reason" in res.columns else False
    res = res[(res["year"] <= year) & (res["value"].notna() | incomplete)]  # "fehlt" stays in its year
    res = res.sort_values("year")
    return res.groupby(["area_id", "indicator"], observed=True).tail(1)


def _interval(row, unit: str) -> str:
    if row is None or pd.isna(row["lower"]):
        return fmt.MISSING
    low, high = format_value(row["lower"], unit), format_value(row["upper"], unit)
    suffix = f" {unit}" if unit in ("%", "Jahre", "m²", "EUR/m²") else ""
    return f"{low.removesuffix(suffix)} – {high}"


def key_figures(district: District, area_id: str, year: int):
    """Table: each key indicator for the area with its 95 % interval beside the Kreis value,
    grouped by Handlungsfeld; an indicator without a value in ``year`` (elections) shows the
    latest earlier year."""
    ids = key_figure_ids(district)
    cat = indicators.catalog(indicators.district_catalog(district)).set_index("id")
    is_kreis = area_id == district.kreis["area_id"]
    levels = ["kreis"] if is_kreis else ["gemeindeverband", "kreis"]
    res = _latest(_indicator_values(district, ids, levels), year)
    res["area_id"] = res["area_id"].astype(str)
    res["indicator"] = res["indicator"].astype(str)
    own = res[res["area_id"] == area_id].set_index("indicator")
    kreis = res[res["area_id"] == district.kreis["area_id"]].set_index("indicator")
    order = {f: i for i, f in enumerate(indicators.FIELDS)}
    rows, absent = [], {}
    sorted_ids = sorted(ids, key=lambda i: (order.get(cat.loc[i, "field"], 99), ids.index(i)))
    for i in sorted_ids:
        unit = str(cat.loc[i, "unit"])
        v = own.loc[i] if i in own.index else None
        name = str(cat.loc[i, "name"])
        if unit not in ("%", "Jahre", "m²", "EUR/m²"):
            name += f" ({unit})"
        if v is not None and int(v["year"]) != year:
            name += f" ({int(v['year'])})"
        flag = " ¹" if v is not None and "small_denominator" in str(v["notes"]) else ""
        row = {
            "Handlungsfeld": cat.loc[i, "field"],
            "Kennzahl": name,
            district.name_of(area_id): (mark_absent(v, absent) or format_value(v["value"], unit) + flag)
            if v is not None else fmt.MISSING,
            "95-%-Intervall": _interval(v, unit),
        }
        if not is_kreis:
            k = kreis.loc[i] if i in kreis.index else None
            row[district.name] = ((mark_absent(k, absent) or format_value(k["value"], unit)) if k is not None
                                  else fmt.MISSING)
        rows.append(row)
    df = pd.DataFrame(rows)
    hrefs = [catalog_href(i, from_profile=not is_kreis) for i in sorted_ids]
    return table(df, caption=f"Kennzahlen {year}", group="Handlungsfeld", links={"Kennzahl": hrefs},
                 footnotes=["95-%-Intervall: Wilson-Intervall für Anteile, exaktes Poisson- bzw. Byar-Intervall "
                            "für Raten; ohne Intervall: Mittelwerte und Salden. Jahreszahl in Klammern: letzter "
                            "verfügbarer Wert (Wahlen). ¹ Nenner unter der Mindestgröße, Wert unsicher. "
                            "Definitionen: siehe Daten und Methoden.", *absent_footnote(absent)],
                 align_right=[c for c in df.columns if c not in ("Handlungsfeld", "Kennzahl")])


def trends_table(district: District, area_id: str, indicator_ids: list[str] | None = None):
    """Table: each indicator in the first and last year and whether it rises or falls
    (binomial / Poisson GLM trend test over all years allowing for overdispersion, see
    :func:`sozialanalyse.stats.trend.trend`)."""
    ids = indicator_ids or ["sgb2_quote", "kinderarmut", "altersarmut", "arbeitslosenquote",
                            "anteil_langzeitarbeitslose", "anteil_nichtdeutsche", "pflegequote",
                            "uebergewicht_einschulung", "sprachfoerderbedarf"]
    cat = indicators.catalog(indicators.district_catalog(district)).set_index("id")
    level = "kreis" if area_id == district.kreis["area_id"] else "gemeindeverband"
    res = _indicator_values(district, ids, level)
    res = res[res["area_id"].astype(str) == area_id]
    tr = trend(res).set_index("indicator")
    first, last = district.years[0], district.years[-1]
    rows, absent = [], {}
    for i in ids:
        if i not in tr.index:
            continue
        unit = str(cat.loc[i, "unit"])
        mine = res[res["indicator"].astype(str) == i].set_index("year")
        obs = mine["value"]
        why = mine["reason"].astype(str) if "reason" in mine.columns else pd.Series(dtype=object)
        for r in why[why != ""]:
            mark_absent({"reason": r}, absent)
        t = tr.loc[i]
        arrow = {"up": "↑ ", "down": "↓ "}.get(t["direction"], "")
        rows.append({"Kennzahl": cat.loc[i, "name"],
                     str(first): mark_absent({"reason": why.get(first, "")}, absent) or format_value(obs.get(first), unit),
                     str(last): mark_absent({"reason": why.get(last, "")}, absent) or format_value(obs.get(last), unit),
                     "Veränderung je Jahr": fmt.signed(100 * (t["ratio_per_year"] - 1), 1, "%"),
                     "Trend": arrow + t["label"]})
    df = pd.DataFrame(rows)
    return table(df, caption=f"Entwicklung {first}–{last}",
                 footnotes=["Trend: Test der jährlichen Veränderung in einem verallgemeinerten linearen "
                            "Modell über alle Jahre (Anteile: binomial, Raten: Poisson), Signifikanzniveau 5 %. "
                            "Schwanken die Werte von Jahr zu Jahr stärker, als der Zufall allein erklärt, wird "
                            "diese zusätzliche Streuung aus den Daten geschätzt und der Test entsprechend "
                            "vorsichtiger (Quasi-Likelihood); mit nur zwei Jahren wird nicht getestet. "
                            "Veränderung je Jahr: relative Veränderung der Chance bzw. Rate.",
                            *[f + " Jahre mit fehlenden Werten gehen nicht in den Trendtest ein."
                              for f in absent_footnote(absent)]],
                 align_right=[c for c in df.columns if c not in ("Kennzahl", "Trend")])


def population_development(district: District, area_id: str):
    """Figure: inhabitants per year (left) and births, deaths and net migration (right)."""
    pop = totals(district, area_id, "einwohner")
    flows = totals(district, area_id, ["geburten", "sterbefaelle", "zuzuege", "fortzuege"], by=["variable"])
    # one row per year and variable; a year with absent rows stays NaN (no bar), never 0
    wide = flows.pivot(index="year", columns="variable", values="value")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4))
    figures.trend(pop, "year", "value", ax=ax1, ylabel="Einwohnerinnen und Einwohner",
                title="Bevölkerung am 31.12.")
    natural = wide.get("geburten", 0) - wide.get("sterbefaelle", 0)
    migration = wide.get("zuzuege", 0) - wide.get("fortzuege", 0)
    years = wide.index.to_numpy()
    ax2.bar(years - 0.2, natural, width=0.4, color=figures.PALETTE["w"], label="Geburten minus Sterbefälle")
    ax2.bar(years + 0.2, migration, width=0.4, color=figures.PALETTE["m"], label="Zuzüge minus Fortzüge")
    ax2.axhline(0, color="#555555", linewidth=0.8)
    ax2.yaxis.set_major_formatter(fmt.axis_formatter())
    ax2.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax2.set_title("Natürliche Bevölkerungsbewegung und Wanderungen", fontsize=10)
    ax2.legend(frameon=False, fontsize=8)
    ax2.spines[["top", "right"]].set_visible(False)
    return figures.finish(fig)


def pyramid_and_locator(district: District, area_id: str, year: int):
    """Figure: population pyramid, with a locator map for a municipality."""
    if area_id == district.kreis["area_id"]:
        fig, ax = plt.subplots(figsize=(7, 4.8))
        figures.population_pyramid(district, area_id, year, ax=ax)
    else:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.6), gridspec_kw={"width_ratios": [1, 2.2]})
        figures.locator_map(district, area_id, ax=ax1)
        figures.population_pyramid(district, area_id, year, ax=ax2)
    return figures.finish(fig)


def trend_vs_kreis(district: District, area_id: str, indicator_ids: list[str]):
    """Figure: an indicator over the years for the area and the Kreis, with 95 % intervals."""
    cat = indicators.catalog(indicators.district_catalog(district)).set_index("id")
    level = "gemeindeverband"
    res = _indicator_values(district, indicator_ids, [level, "kreis"])
    res = res[res["area_id"].isin([area_id, district.kreis["area_id"]])].copy()
    res["Gebiet"] = res["area_id"].map(lambda a: district.name_of(a))
    fig, axes = plt.subplots(1, len(indicator_ids), figsize=(4.6 * len(indicator_ids), 3.3), squeeze=False)
    for ax, i in zip(axes[0], indicator_ids):
        sub = res[res["indicator"] == i]
        figures.trend(sub, "year", "value", hue="Gebiet", ax=ax, low="lower", high="upper", decimals=1,
                    ylabel=str(cat.loc[i, "unit"]), title=str(cat.loc[i, "name"]))
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
    cat = indicators.catalog(indicators.district_catalog(district)).set_index("id")
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
    label = "Sozialräume" if level == "sozialraum" else "Mitgliedsgemeinden"
    return table(df, caption=f"{label}, {year}",
                 footnotes=["¹ Nenner unter der Mindestgröße: Wert statistisch unsicher, nur eingeschränkt vergleichbar.",
                            *absent_footnote(absent), *([L.settings.footnote_line] if locked else [])],
                 align_right=[c for c in df.columns if c != "Gebiet"], header_links=header_links,
                 kinds={c: "text" if c == "Gebiet" else "count" if c == "Einwohner" else "rate" for c in df.columns})


def profile_classes(district: District, area_id: str, year: int | None = None):
    """Table of a municipality's Sozialräume with their status and dynamics classes, or a note
    when the municipality has no Sozialräume.

    The classes are those of :func:`sozialanalyse.pages.sozialraum_monitoring.published_monitoring`
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
    att = attention(m.result)
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

_BEWERTUNG_COLORS = {"besser": "#2a7f62", "schlechter": "#c8553d", "ähnlich": "#e0b040",
                     "höher": "#3b6ea8", "niedriger": "#3b6ea8"}


def _spine_data(district, year: int) -> pd.DataFrame:
    cat = catalog(district)
    kreis = district.kreis["area_id"]
    res = indicator_results(district, HEALTH_SPINE_IDS, ["gemeindeverband", "kreis"], years=[year])
    res = res[["area_id", "indicator", "value", "lower", "upper"]]
    m = pooled_mortality(district, year)
    smr_rows = pd.DataFrame({"area_id": m["area_id"], "indicator": "smr", "value": m["smr"],
                             "lower": m["smr_lower"], "upper": m["smr_upper"]})
    data = pd.concat([res, smr_rows], ignore_index=True)
    bench = data[data["area_id"] == kreis].set_index("indicator")["value"]
    pol = {i: str(cat.loc[i, "polarity"]) if cat.loc[i, "polarity"] in POLARITIES else "neutral"
           for i in HEALTH_SPINE_IDS}
    pol["smr"] = "higher_is_worse"
    munis = level_ids(district, "gemeindeverband")
    out = spine_chart_data(data, by="indicator", benchmark=bench, polarity=pol, comparison_areas=munis)
    out.attrs["smr_years"] = m.attrs["years"]
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
    fig = plt.figure(figsize=(10, 0.42 * len(ids) + 1.9))
    # columns in figure fractions: names | spine | area value | Kreis value | range
    ax = fig.add_axes([0.30, 0.1, 0.34, 0.76])
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(-0.6, len(ids) - 0.4)
    cols = {"own": 0.75, "kreis": 0.85, "range": 0.99}
    tr = ax.get_yaxis_transform()  # x in axes fraction, y in data
    absent_rows = 0
    for row, i in enumerate(ids):
        r = own.loc[i]
        y = len(ids) - 1 - row
        bm = r["benchmark"]
        half = max(abs(r["max"] - bm), abs(bm - r["min"])) or 1.0
        scale = lambda v, bm=bm, half=half: (v - bm) / half
        ax.barh(y, scale(r["max"]) - scale(r["min"]), left=scale(r["min"]), height=0.6, color="#e3e3e3")
        ax.barh(y, scale(r["q75"]) - scale(r["q25"]), left=scale(r["q25"]), height=0.6, color="#b9b9b9")
        color = _BEWERTUNG_COLORS.get(r["bewertung"], "#9a9a9a")
        ax.scatter([scale(r["value"])], [y], s=55, color=color, edgecolor="#333333", linewidth=0.6, zorder=3)
        unit = "SMR" if i == "smr" else str(cat.loc[i, "unit"])
        dec = 0 if i == "smr" else 1
        # NaN: inputs incomplete ("fehlt", named below the chart), never a number computed with 0
        fv = lambda v, unit=unit, dec=dec: fmt.ABSENT if pd.isna(v) else fmt_value(v, unit, dec)
        if i == "smr":
            name = f"Sterblichkeit, altersstandardisiert (SMR, {span(smr_years)})"
        else:
            name = str(cat.loc[i, "name"]) + ("" if unit == "%" else f" ({unit})")
        ax.text(-0.03, y, name, transform=tr, ha="right", va="center", fontsize=8)
        def at(key, txt, y=y, **kw):
            x = (cols[key] - 0.30) / 0.34
            ax.text(x, y, txt, transform=tr, ha="right", va="center", **kw)
        at("own", fv(r["value"]), fontsize=8, fontweight="bold")
        at("kreis", fv(kreis.loc[i, "value"]) if i in kreis.index else fmt.MISSING, fontsize=8)
        at("range", f"{fv(r['min'])} – {fv(r['max'])}", fontsize=7.5, color="#555555")
        absent_rows += int(pd.isna(r["value"]) or (i in kreis.index and pd.isna(kreis.loc[i, "value"])))
    header = {"own": textwrap.fill(district.name_of(area_id), 14), "kreis": "Landkreis",
              "range": "Spannweite der\nGemeinden"}
    for key, label in header.items():
        ax.text((cols[key] - 0.30) / 0.34, len(ids) - 0.45, label, transform=tr, ha="right", va="bottom",
                fontsize=7.5, fontweight="bold")
    ax.axvline(0, color="#333333", linewidth=1)
    ax.set_yticks([])
    ax.set_xticks([])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    handles = [Patch(color="#e3e3e3", label="Spannweite der Städte, Gemeinden und Samtgemeinden"),
               Patch(color="#b9b9b9", label="mittlere Hälfte"),
               Line2D([], [], color="#333333", label="Landkreis"),
               *[Line2D([], [], marker="o", linestyle="", color=_BEWERTUNG_COLORS[k], markeredgecolor="#333333",
                        label=lab) for k, lab in (("besser", "günstiger als Landkreis"),
                                                  ("ähnlich", "kein signifikanter Unterschied"),
                                                  ("schlechter", "ungünstiger als Landkreis"),
                                                  ("höher", "abweichend (ohne Wertung)"))]]
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=4, frameon=False, fontsize=7)
    fig.suptitle(f"Gesundheit und Pflege in {district.name_of(area_id)} im Vergleich mit dem Landkreis, {year}"
                 + ("\nfehlt: Eingangsdaten unvollständig (Zeilen fehlen), nicht aus unvollständigen Daten berechnet"
                    if absent_rows else ""), fontsize=10, fontweight="bold")
    return figures.closed(fig)


# --- end of the block of the spine chart ----------------------------------------------------------
