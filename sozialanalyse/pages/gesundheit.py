"""The content of the thematic chapters Gesundheit, Pflege, Senioren and Menschen mit
Behinderungen, and the spine chart of each Gemeindeprofil.

Template notebooks call these functions and nothing else. Figures are matplotlib figures
(closed before they are returned, so a notebook shows each exactly once); tables are escaped
HTML tables (:func:`sozialanalyse.render.tables.table`); text is German Markdown with every value from
the data escaped.

Methods (stated on the pages as well):

* **Mortality** is pooled over the last ``pool`` years (default 5) so that every municipality
  has enough deaths; the populations at 31.12. of the pooled years approximate the person-years.
  Directly age-standardised rates (DSR) use the European Standard Population 2013 and Dobson
  limits (:func:`sozialanalyse.stats.health.dsr`); the standardised mortality ratio (SMR) is the
  indirect standardisation of each municipality against the Kreis rates by age band and sex
  (:func:`sozialanalyse.stats.health.isr`); the funnel plot shows the 95 % and 99,8 % limits of the
  exact Poisson test (:func:`sozialanalyse.stats.health.funnel_significance`).
* **School entry** proportions are pooled over the last three examination years, with Wilson
  intervals (:func:`sozialanalyse.stats.health.wilson_ci`).
* **Care projection**: cohort-component projection per municipality (Kreis survival rates by age
  and sex, fertility per municipality, net migration by age and sex as the residual of the last
  five years), then the care need with the scenarios of :func:`sozialanalyse.stats.projection.care_need`.
* **Distance to a Pflegestützpunkt**: straight-line distance from the representative point of
  each base area to the nearest Pflegestützpunkt, weighted with the area's population aged 80+.
"""
from __future__ import annotations

import itertools
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..render import fmt, figures
from ..model.areas import AGE_GROUPS, age_groups_between, base_areas, base_to_level
from ..render.tables import table, text, md_escape
from ..stats.health import dsr, funnel_plot_data, funnel_significance, isr, spine_chart_data, wilson_ci
from ..io.own import District

__all__ = [
    "DISABILITY_IDS",
    "HEALTH_SPINE_IDS",
    "SENIOR_IDS",
    "care_by_age",
    "care_intro",
    "care_projection_data",
    "care_projection_kreis",
    "care_projection_method",
    "care_projection_municipalities",
    "care_projection_table",
    "care_table",
    "disability_by_age",
    "indicator_intro",
    "indicator_maps",
    "indicator_table",
    "indicator_trend",
    "mortality_data",
    "mortality_funnel",
    "mortality_intro",
    "mortality_overview",
    "mortality_table",
    "mortality_trend",
    "nearest_distance",
    "psp_distance_data",
    "psp_map",
    "psp_table",
    "school_entry_data",
    "school_entry_figure",
    "school_entry_table",
    "school_entry_trend",
    "senior_projection",
    "smr_map",
    "spine_chart",
]

#: Indicators of the chapter Senioren (ids of the indicator catalog).
SENIOR_IDS = ("anteil_65plus", "anteil_80plus", "altersarmut", "anteil_alleinlebende_65plus",
              "pflegequote_80plus")
#: Indicators of the chapter Menschen mit Behinderungen.
DISABILITY_IDS = ("schwerbehindertenquote", "schwerbehindertenquote_65plus")
#: Indicators of the spine chart in each Gemeindeprofil (plus the SMR, computed here).
HEALTH_SPINE_IDS = ("uebergewicht_einschulung", "sprachfoerderbedarf", "vorzeitige_sterblichkeit",
                    "sterberate_65plus", "schwerbehindertenquote", "schwerbehindertenquote_65plus",
                    "pflegequote", "pflegequote_80plus", "anteil_haeusliche_pflege")

MUNI_KINDS = ("Stadt", "Einheitsgemeinde", "Samtgemeinde")
CLASS_COLORS = {"höher": "#c8553d", "niedriger": "#3b6ea8", "im Rahmen": "#9a9a9a"}
CARE_COLORS = {"pflegegeld": "#7fb3a3", "ambulant": "#2a7f62", "stationaer": "#1f3b73"}
SCENARIO_SHORT = {"status_quo": "Status quo", "compression": "Kompression", "trend": "Trend"}


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _year(district: District, year) -> int:
    return int(year or district.report_year)


def _pool_years(district: District, year: int, pool: int) -> list[int]:
    return [y for y in district.years if year - pool < y <= year]


def _span(years: list[int]) -> str:
    return f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])


def _names(district: District) -> dict[str, str]:
    return dict(zip(district.areas["area_id"], district.areas["name"]))


def _level_of(district: District, level: str) -> pd.Series:
    """Base area -> area at ``level`` (``kreis``: the Kreis; ``base``: itself)."""
    if level == "kreis":
        base = base_areas(district.areas)["area_id"]
        return pd.Series(district.kreis["area_id"], index=pd.Index(base, name="area_id"))
    if level == "base":
        base = base_areas(district.areas)["area_id"]
        return pd.Series(base.to_numpy(), index=pd.Index(base, name="area_id"))
    return base_to_level(district.areas, level)


def _sum(district: District, variables, level: str, years, by=()) -> pd.DataFrame:
    """Counts of ``variables`` summed to the areas of ``level`` and over ``years``; NaN for an
    area with a base area lacking rows of them in one of the years (``district.gaps``), never a
    sum with 0."""
    variables = [variables] if isinstance(variables, str) else list(variables)
    c = district.counts
    c = c[c["variable"].isin(variables) & c["year"].isin(list(years))]
    mapping = _level_of(district, level)
    c = c.assign(area_id=c["area_id"].map(mapping)).dropna(subset=["area_id"])
    out = c.groupby(["area_id", *by], as_index=False, observed=True)["value"].sum()
    gaps = getattr(district, "gaps", None)
    if gaps is not None and len(gaps):
        g = gaps[gaps["variable"].isin(variables) & gaps["year"].isin(list(years))]
        out.loc[out["area_id"].isin(set(g["area_id"].map(mapping).dropna())), "value"] = np.nan
    return out


def _gap_base(district: District, variables, years) -> list[str]:
    """Base areas lacking rows of ``variables`` in one of ``years`` (``district.gaps``), sorted."""
    variables = [variables] if isinstance(variables, str) else list(variables)
    gaps = getattr(district, "gaps", None)
    if gaps is None or not len(gaps):
        return []
    g = gaps[gaps["variable"].isin(variables) & gaps["year"].isin([int(y) for y in years])]
    return sorted(set(g["area_id"].astype(str)))


def _sum_complete(district: District, variables, level: str, years, by=(), among=(), exclude=()) -> pd.DataFrame:
    """Like :func:`_sum`, but over the base areas that have every row of ``variables`` and
    ``among`` in ``years`` only (the others are left out, not counted as 0): a reference (Kreis
    rates, Kreis totals) from the complete part of the district. ``attrs["left_out"]`` lists the
    base areas left out; the page must say so (:func:`_left_out_note`)."""
    variables = [variables] if isinstance(variables, str) else list(variables)
    left_out = sorted(set(_gap_base(district, [*variables, *among], years)) | set(exclude))
    c = district.counts
    c = c[c["variable"].isin(variables) & c["year"].isin(list(years)) & ~c["area_id"].isin(left_out)]
    mapping = _level_of(district, level)
    c = c.assign(area_id=c["area_id"].map(mapping)).dropna(subset=["area_id"])
    out = c.groupby(["area_id", *by], as_index=False, observed=True)["value"].sum()
    out.attrs["left_out"] = left_out
    return out


def _left_out_note(district: District, left_out, what: str) -> str:
    """German sentence (plain text: md_escape it for Markdown): ``what`` is computed without the
    base areas ``left_out`` (named with their town), because their input rows are absent; ""
    when nothing was left out."""
    if not len(left_out):
        return ""
    names = _names(district)
    parent = dict(zip(district.areas["area_id"], district.areas["parent_id"]))
    def label(a):
        p = parent.get(a)
        town = f" ({names[p]})" if p in names and p != district.kreis["area_id"] else ""
        return f"{names.get(a, a)}{town}"
    return (f"{what} ohne {', '.join(label(a) for a in left_out)}, weil dort Eingangsdaten "
            "(Einwohner) fehlen; nicht mit 0 gerechnet.")


def _wide(df: pd.DataFrame, index: str, columns: str) -> pd.DataFrame:
    """``value`` summed by ``index`` x ``columns``; a NaN (absent rows, :func:`_sum`) stays NaN
    (``pivot_table(aggfunc="sum")`` would make it 0)."""
    return df.groupby([index, columns])["value"].agg(lambda v: v.sum(skipna=False)).unstack(columns)


def _municipality_ids(district: District) -> list[str]:
    return list(district.municipalities()["area_id"])


def _catalog():
    from ..stats import indicators

    return indicators.catalog().set_index("id")


def _fmt_value(value: float, unit: str, decimals: int = 1) -> str:
    if unit == "%":
        return fmt.pct(value, decimals)
    return fmt.num(value, decimals)


def _fmt_ci(low: float, high: float, unit: str = "", decimals: int = 1) -> str:
    if pd.isna(low) or pd.isna(high):
        return fmt.MISSING
    suffix = " %" if unit == "%" else ""
    return f"{fmt.num(low, decimals)} – {fmt.num(high, decimals)}{suffix}"


def _protected(district: District, res: pd.DataFrame, levels=("gemeindeverband", "kreis")) -> pd.DataFrame:
    """``res`` (indicator results: ``area_id, year, indicator, value, numerator, denominator``)
    with ``status`` and ``published`` (:mod:`sozialanalyse.stats.disclosure`), protected together with
    the totals of the municipalities and the Kreis (published elsewhere in the report)."""
    from ..stats import disclosure, indicators

    if res.empty:
        return res.assign(status=pd.Series(dtype=object), published=pd.Series(dtype=float))
    ids = sorted(set(res["indicator"].astype(str)))
    years = sorted({int(y) for y in res["year"]})
    tot = indicators.compute(district, ids, level=list(levels), years=years)
    return disclosure.protect_with_totals(res, tot, district.areas, config=district.config)


def _missing_label(status) -> str:
    """Legend entry of the hatched areas of a map: also "gesperrt" when anything is suppressed."""
    return "keine Angabe / gesperrt" if (pd.Series(status, dtype=object).fillna("") != "").any() else "keine Angabe"


def _finish(fig):
    fig.tight_layout()
    plt.close(fig)
    return fig


def _style(ax, grid="x"):
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis=grid, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def _muni_shapes(district: District):
    geo = district.geometry
    return geo[geo["kind"].isin(MUNI_KINDS)].copy()


# ---------------------------------------------------------------------------------------------
# Gesundheit: mortality
# ---------------------------------------------------------------------------------------------


def _mortality_input(district: District, years: list[int], level: str) -> pd.DataFrame:
    deaths = _sum(district, "sterbefaelle", level, years, by=["age_group", "sex"]).rename(
        columns={"value": "deaths"})
    pop = _sum(district, "einwohner", level, years, by=["age_group", "sex"]).rename(
        columns={"value": "population"})
    m = pop.merge(deaths, on=["area_id", "age_group", "sex"], how="left")
    m["deaths"] = m["deaths"].fillna(0.0)
    return m


def _mortality_reference(district: District, years: list[int]) -> pd.DataFrame:
    """The Kreis's deaths and population by age band and sex over the base areas with complete
    rows of both (``attrs["left_out"]``: the others, left out of deaths and population alike)."""
    kw = dict(by=["age_group", "sex"], among=["einwohner", "sterbefaelle"])
    deaths = _sum_complete(district, "sterbefaelle", "kreis", years, **kw).rename(columns={"value": "deaths"})
    pop = _sum_complete(district, "einwohner", "kreis", years, **kw)
    left_out = pop.attrs["left_out"]
    m = pop.rename(columns={"value": "population"}).merge(deaths, on=["area_id", "age_group", "sex"], how="left")
    m["deaths"] = m["deaths"].fillna(0.0)
    m.attrs["left_out"] = left_out
    return m


def mortality_data(district: District, year: int | None = None, pool: int = 5) -> pd.DataFrame:
    """Deaths pooled over the last ``pool`` years per municipality and for the Kreis.

    Returns one row per municipality (``gemeindeverband`` level, in the order of the area tree)
    and a last row for the Kreis with ``area_id``, ``name``, ``observed`` (deaths),
    ``person_years``, ``expected`` (deaths expected at the Kreis rates by age band and sex),
    ``smr`` with ``smr_lower_95`` ... (Kreis = 100), the DSR per 100.000 (ESP 2013) with
    ``dsr_lower_95`` / ``dsr_upper_95``, and the funnel classification ``einstufung_95`` /
    ``einstufung_99_8`` (``niedriger`` / ``im Rahmen`` / ``höher``; NaN for the Kreis).
    ``attrs["years"]`` holds the pooled years.
    """
    year = _year(district, year)
    years = _pool_years(district, year, pool)
    kreis_id = district.kreis["area_id"]
    muni = _mortality_input(district, years, "gemeindeverband")
    # a municipality with absent population rows is left out (its rows stay NaN: "fehlt"); the Kreis
    # reference is computed over the complete base areas and says so (attrs["left_out"])
    absent = sorted(set(muni.loc[muni["population"].isna(), "area_id"]))
    muni = muni[~muni["area_id"].isin(absent)]
    kreis = _mortality_reference(district, years)
    both = pd.concat([muni, kreis], ignore_index=True)
    # SMR: indirect standardisation against the Kreis by age band and sex
    band = lambda df: df["sex"] + " " + df["age_group"]
    ref = pd.DataFrame({"band": band(kreis), "count": kreis["deaths"], "population": kreis["population"]})
    data = pd.DataFrame({"area_id": both["area_id"], "band": band(both), "count": both["deaths"],
                         "population": both["population"]})
    s = isr(data, ref, age_group="band", by="area_id", levels=(0.95, 0.998))
    # DSR (ESP 2013, sexes together)
    by_age = both.groupby(["area_id", "age_group"], as_index=False)[["deaths", "population"]].sum()
    r = dsr(by_age, "deaths", "population", by="area_id", levels=0.95)
    r = r.rename(columns={"value": "dsr", "lower_95": "dsr_lower_95", "upper_95": "dsr_upper_95",
                          "total_pop": "person_years"})
    out = s.merge(r[["area_id", "dsr", "dsr_lower_95", "dsr_upper_95", "person_years"]], on="area_id")
    munis = out[out["area_id"] != kreis_id]
    fs = funnel_significance(munis, "observed", "expected", "ratio", multiplier=100)
    out = out.merge(fs[["area_id", "einstufung_95", "einstufung_99_8"]], on="area_id", how="left")
    order = [*_municipality_ids(district), kreis_id]
    out = out.set_index("area_id").reindex(order).reset_index()
    out.insert(1, "name", out["area_id"].map(_names(district)))
    out["reason"] = np.where(out["area_id"].isin(absent),
                             "incomplete: einwohner " + _span(years) + " (absent rows)", "")
    out.attrs["years"] = years
    out.attrs["absent"] = absent
    out.attrs["left_out"] = kreis.attrs["left_out"]
    return out


def _without(district: District, m: pd.DataFrame) -> str:
    """" (ohne Bahnhofsviertel, Eingangsdaten unvollständig)" behind the Kreis name when its
    reference leaves base areas out (Markdown-escaped); "" otherwise."""
    left_out = m.attrs.get("left_out", [])
    if not left_out:
        return ""
    return f" (ohne {md_escape(', '.join(_names(district)[a] for a in left_out))}, Eingangsdaten unvollständig)"


def _mortality_notes(district: District, m: pd.DataFrame, mark: str = "") -> list[str]:
    """German footnotes (plain text) of a mortality page: which municipality is "fehlt" and what
    the Kreis reference leaves out."""
    notes = []
    if m.attrs.get("absent"):
        names = ", ".join(_names(district)[a] for a in m.attrs["absent"])
        notes.append(f"² fehlt: {names}; Einwohnerzahlen der Jahre {_span(m.attrs['years'])} unvollständig, "
                     "daher keine Sterberate und kein SMR (nicht aus unvollständigen Daten berechnet).")
    note = _left_out_note(district, m.attrs.get("left_out", []), f"{mark}Landkreis (Referenz für SMR und DSR):")
    if note:
        notes.append(note)
    return notes


def mortality_intro(district: District, year: int | None = None, pool: int = 5):
    """A German paragraph: the Kreis mortality, the pooling, and which municipalities stand out."""
    m = mortality_data(district, year, pool)
    years = m.attrs["years"]
    k = m.iloc[-1]
    hi = m[m["einstufung_95"] == "höher"]["name"].tolist()
    lo = m[m["einstufung_95"] == "niedriger"]["name"].tolist()
    parts = [
        (f"Im {md_escape(district.name)}{_without(district, m)} starben in den Jahren {_span(years)} zusammen "
        f"**{fmt.num(k['observed'])}** Menschen. Altersstandardisiert (Europäische Standardbevölkerung 2013) "
        f"entspricht das **{fmt.num(k['dsr'], 0)} Sterbefällen je 100.000 Einwohner und Jahr** "
        f"(95-%-Intervall {_fmt_ci(k['dsr_lower_95'], k['dsr_upper_95'], decimals=0)})."),
        (f"Weil in kleinen Gemeinden in einem Jahr nur wenige Menschen sterben, sind die "
        f"{len(years)} Jahre {_span(years)} zusammengefasst."),
    ]
    if hi or lo:
        if hi:
            parts.append("Signifikant **höher** als im Landkreis (nach Alter und Geschlecht standardisiert, "
                         "95-%-Grenze) ist die Sterblichkeit in: " + ", ".join(md_escape(n) for n in hi) + ".")
        if lo:
            parts.append("Signifikant **niedriger** ist sie in: " + ", ".join(md_escape(n) for n in lo) + ".")
    else:
        parts.append("Keine Stadt, Gemeinde oder Samtgemeinde weicht statistisch gesichert (95-%-Grenze) "
                     "vom Landkreis ab.")
    parts += [md_escape(n.removeprefix("² ")) for n in _mortality_notes(district, m)]
    return text(" ".join(parts))


def mortality_overview(district: District, year: int | None = None, pool: int = 5):
    """Figure: DSR per 100.000 (ESP 2013) by municipality with 95 % intervals and the Kreis."""
    m = mortality_data(district, year, pool)
    years = m.attrs["years"]
    munis = m.iloc[:-1].dropna(subset=["dsr"]).sort_values("dsr")  # "fehlt": left out of the chart
    k = m.iloc[-1]
    fig, ax = plt.subplots(figsize=(8, 0.38 * len(munis) + 1.4))
    y = np.arange(len(munis))
    ax.axvspan(k["dsr_lower_95"], k["dsr_upper_95"], color=figures.PALETTE["kreis"], alpha=0.15, linewidth=0)
    ax.axvline(k["dsr"], color=figures.PALETTE["kreis"], linewidth=1.2)
    colors = [CLASS_COLORS.get(c, CLASS_COLORS["im Rahmen"]) for c in munis["einstufung_95"]]
    ax.errorbar(munis["dsr"], y, xerr=[munis["dsr"] - munis["dsr_lower_95"], munis["dsr_upper_95"] - munis["dsr"]],
                fmt="none", ecolor="#555555", elinewidth=1, capsize=2)
    ax.scatter(munis["dsr"], y, color=colors, zorder=3, s=30)
    ax.set_yticks(y, munis["name"])
    ax.xaxis.set_major_formatter(fmt.axis_formatter())
    ax.set_xlabel("Sterbefälle je 100.000 Einwohner und Jahr (altersstandardisiert, ESP 2013)")
    ax.set_title(f"Altersstandardisierte Sterberate, {_span(years)}" + _absent_title(district, m), fontsize=10)
    handles = [Line2D([], [], color=figures.PALETTE["kreis"], label=f"{district.name} (mit 95-%-Intervall)"),
               Line2D([], [], color="#555555", marker="|", linestyle="-", label="95-%-Intervall"),
               *[Line2D([], [], color=c, marker="o", linestyle="", label=f"SMR {lab} als im Landkreis")
                 for lab, c in CLASS_COLORS.items() if lab != "im Rahmen"]]
    ax.legend(handles=handles, frameon=False, fontsize=7.5, loc="lower right")
    _style(ax)
    return _finish(fig)


def mortality_table(district: District, year: int | None = None, pool: int = 5):
    """Table: deaths, DSR and SMR with intervals and the funnel classification per municipality."""
    m = mortality_data(district, year, pool)
    years = m.attrs["years"]
    rows = []
    for _, r in m.iterrows():
        is_kreis = r["area_id"] == district.kreis["area_id"]
        if r["area_id"] in m.attrs.get("absent", []):
            gone = f"{fmt.ABSENT} ²"
            rows.append({"Gebiet": r["name"], "Sterbefälle": gone, "erwartet": gone,
                         "DSR je 100.000 (95-%-Intervall)": gone, "SMR (95-%-Intervall)": gone,
                         "Einstufung (95 %)": gone, "Einstufung (99,8 %)": gone})
            continue
        rows.append({
            "Gebiet": r["name"] + (" ³" if is_kreis and m.attrs.get("left_out") else ""),
            "Sterbefälle": fmt.num(r["observed"]),
            "erwartet": fmt.num(r["expected"]),
            "DSR je 100.000 (95-%-Intervall)": f"{fmt.num(r['dsr'], 0)} "
                                               f"({_fmt_ci(r['dsr_lower_95'], r['dsr_upper_95'], decimals=0)})",
            "SMR (95-%-Intervall)": f"{fmt.num(r['smr'], 0)} "
                                    f"({_fmt_ci(r['smr_lower_95'], r['smr_upper_95'], decimals=0)})",
            "Einstufung (95 %)": fmt.MISSING if is_kreis else r["einstufung_95"],
            "Einstufung (99,8 %)": fmt.MISSING if is_kreis else r["einstufung_99_8"],
        })
    df = pd.DataFrame(rows)
    return table(df, caption=f"Sterblichkeit nach Städten, Gemeinden und Samtgemeinden, {_span(years)} zusammengefasst",
                 footnotes=[
                     ("DSR: direkt altersstandardisierte Sterberate je 100.000 Einwohner und Jahr "
                     "(Europäische Standardbevölkerung 2013, Intervall nach Dobson). Als Personenjahre "
                     "dienen die Einwohner am 31.12. der zusammengefassten Jahre."),
                     ("SMR: standardisiertes Mortalitätsverhältnis, beobachtete je 100 erwartete Sterbefälle; "
                     "erwartet = Sterberaten des Landkreises nach Altersgruppe und Geschlecht (indirekte "
                     "Standardisierung, Landkreis = 100). Einstufung: außerhalb der 95-%- bzw. 99,8-%-Grenze "
                     "des Trichterdiagramms (exakter Poisson-Test)."), *_mortality_notes(district, m, "³ ")],
                 align_right=[c for c in df.columns if c not in ("Gebiet", "Einstufung (95 %)", "Einstufung (99,8 %)")])


def _absent_title(district: District, m: pd.DataFrame) -> str:
    """Second title line of a mortality chart: what is left out and why; "" when nothing is."""
    bits = []
    if m.attrs.get("absent"):
        bits.append("fehlt: " + ", ".join(_names(district)[a] for a in m.attrs["absent"]))
    if m.attrs.get("left_out"):
        bits.append(f"Landkreis ohne {len(m.attrs['left_out'])} Teilgebiet(e)")
    return ("\n" + "; ".join(bits) + " (Einwohnerzahlen unvollständig)") if bits else ""


def _place_labels(ax, xs, ys, labels, fontsize=7):
    """Label points without overlaps (greedy: the first candidate position whose box does not
    touch an earlier label or a point); deterministic."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    candidates = [(10, 6, "left", "bottom"), (10, -6, "left", "top"), (-10, 6, "right", "bottom"),
                  (-10, -6, "right", "top"), (0, 10, "center", "bottom"), (0, -10, "center", "top"),
                  (18, 16, "left", "bottom"), (-18, -16, "right", "top"), (18, -18, "left", "top"),
                  (-18, 18, "right", "bottom")]
    leader = {"arrowstyle": "-", "color": "#999999", "linewidth": 0.5, "shrinkA": 0, "shrinkB": 3}
    pts = ax.transData.transform(np.column_stack([xs, ys]))
    placed = []
    for (x, y), label, (px, py) in zip(zip(xs, ys), labels, pts):
        chosen = None
        for dx, dy, ha, va in candidates:
            t = ax.annotate(label, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                            fontsize=fontsize, color="#222222", arrowprops=leader)
            bb = t.get_window_extent(renderer).expanded(1.05, 1.1)
            hits_point = any(bb.contains(qx, qy) for qx, qy in pts)
            if not hits_point and not any(bb.overlaps(o) for o in placed):
                chosen = bb
                break
            t.remove()
        if chosen is None:
            t = ax.annotate(label, (x, y), xytext=(6, 3), textcoords="offset points", fontsize=fontsize,
                            color="#222222")
            chosen = t.get_window_extent(renderer)
        placed.append(chosen)


def mortality_funnel(district: District, year: int | None = None, pool: int = 5):
    """Figure: funnel plot of the SMR against the expected deaths with 95 % and 99,8 % limits."""
    m = mortality_data(district, year, pool)
    years = m.attrs["years"]
    munis = m.iloc[:-1].dropna(subset=["smr"]).sort_values("expected").reset_index(drop=True)
    lim = funnel_plot_data(munis, "observed", "expected", "ratio", multiplier=100, n_points=200)
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.axhline(100, color="#333333", linewidth=1)
    ax.plot(lim["denominator"], lim["upper_95"], color="#777777", linestyle="--", linewidth=1, label="95-%-Grenze")
    ax.plot(lim["denominator"], lim["lower_95"], color="#777777", linestyle="--", linewidth=1)
    ax.plot(lim["denominator"], lim["upper_99_8"], color="#333333", linestyle=":", linewidth=1.2,
            label="99,8-%-Grenze")
    ax.plot(lim["denominator"], lim["lower_99_8"], color="#333333", linestyle=":", linewidth=1.2)
    colors = [CLASS_COLORS.get(c, CLASS_COLORS["im Rahmen"]) for c in munis["einstufung_95"]]
    ax.scatter(munis["expected"], munis["smr"], color=colors, s=36, zorder=3, edgecolor="white", linewidth=0.5)
    ax.xaxis.set_major_formatter(fmt.axis_formatter())
    ax.yaxis.set_major_formatter(fmt.axis_formatter())
    lo = min(float(munis["smr"].min()), float(lim["lower_99_8"].min()))
    hi = max(float(munis["smr"].max()), float(lim["upper_99_8"].max()))
    ax.set_ylim(max(0, lo - 5), hi + 5)
    ax.set_xlim(0, float(lim["denominator"].max()))
    ax.set_xlabel(f"Erwartete Sterbefälle {_span(years)} (bei den Sterberaten des Landkreises)")
    ax.set_ylabel("SMR (Landkreis = 100)")
    ax.set_title(f"Trichterdiagramm: standardisiertes Mortalitätsverhältnis, {_span(years)}"
                 + _absent_title(district, m), fontsize=10)
    fig.tight_layout()
    _place_labels(ax, munis["expected"].to_numpy(), munis["smr"].to_numpy(), munis["name"].tolist())
    handles = ax.get_legend_handles_labels()[0] + [
        Line2D([], [], color=c, marker="o", linestyle="", label=lab) for lab, c in CLASS_COLORS.items()]
    ax.legend(handles=handles, frameon=False, fontsize=7.5, loc="upper right", ncol=2)
    _style(ax, "y")
    return _finish(fig)


def smr_map(district: District, year: int | None = None, pool: int = 5):
    """Figure: map of the SMR by municipality (Landkreis = 100); * marks a significant deviation."""
    m = mortality_data(district, year, pool)
    years = m.attrs["years"]
    shapes = _muni_shapes(district).merge(m[["area_id", "smr", "einstufung_95"]], on="area_id", how="left")
    bins = [-np.inf, 90, 95, 105, 110, np.inf]
    labels = ["unter 90", "90 bis unter 95", "95 bis unter 105", "105 bis unter 110", "110 und mehr"]
    colors = ["#3b6ea8", "#9bbbd9", "#eeeeee", "#f0a58f", "#c8553d"]
    cls = pd.cut(shapes["smr"], bins=bins, labels=False, right=False)
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    for i, color in enumerate(colors):
        part = shapes[cls == i]
        if len(part):
            part.plot(ax=ax, color=color, edgecolor="#888888", linewidth=0.6)
    gone = shapes[shapes["smr"].isna()]
    if len(gone):  # absent population rows: hatched, "fehlt"
        gone.plot(ax=ax, facecolor="white", edgecolor="#888888", hatch="///", linewidth=0.6)
    for _, r in shapes.iterrows():
        p = r.geometry.representative_point()
        star = "*" if r["einstufung_95"] in ("höher", "niedriger") else ""
        val = fmt.ABSENT if pd.isna(r["smr"]) else f"{fmt.num(r['smr'], 0)}{star}"
        ax.annotate(f"{r['name']}\n{val}", (p.x, p.y), ha="center", va="center",
                    fontsize=6.5, color="#222222")
    handles = [Patch(facecolor=c, edgecolor="#888888", label=lab) for c, lab in zip(colors, labels)]
    if len(gone):
        handles.append(Patch(facecolor="white", edgecolor="#888888", hatch="///",
                             label="fehlt (Einwohnerzahlen unvollständig)"))
    ax.legend(handles=handles, title="SMR (Landkreis = 100)", loc="lower left", fontsize=8, title_fontsize=8,
              frameon=True, framealpha=0.9)
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_title(f"Standardisiertes Mortalitätsverhältnis, {_span(years)}\n"
                 "* signifikant verschieden vom Landkreis (95 %)" + _absent_title(district, m), fontsize=10)
    return _finish(fig)


def mortality_trend(district: District):
    """Figure: the Kreis DSR per year for women, men and all, with 95 % intervals."""
    # a year whose population rows are incomplete is left out (a point computed from part of the
    # Kreis would not be comparable with the other years); the title says so
    absent = [y for y in district.years if _gap_base(district, ["einwohner", "sterbefaelle"], [y])]
    m = pd.concat([_mortality_input(district, [y], "kreis").assign(year=y) for y in district.years
                   if y not in absent], ignore_index=True)
    per_sex = dsr(m, "deaths", "population", by=["year", "sex"], levels=0.95)
    total = dsr(m.groupby(["year", "age_group"], as_index=False)[["deaths", "population"]].sum(),
                "deaths", "population", by="year", levels=0.95).assign(sex="insgesamt")
    res = pd.concat([total, per_sex], ignore_index=True)
    res["Gruppe"] = res["sex"].map({"insgesamt": "Insgesamt", **figures.SEX_LABELS})
    fig, ax = plt.subplots(figsize=(8, 3.6))
    figures.trend(res, "year", "value", hue="Gruppe", ax=ax, low="lower_95", high="upper_95",
                ylabel="je 100.000 Einwohner",
                title=f"Altersstandardisierte Sterberate im {district.name} (ESP 2013, mit 95-%-Intervall)"
                + (f"\n{', '.join(map(str, absent))}: fehlt (Einwohnerzahlen unvollständig)" if absent else ""))
    return _finish(fig)


# ---------------------------------------------------------------------------------------------
# Gesundheit: school entry
# ---------------------------------------------------------------------------------------------

SCHOOL_VARS = {"einschulung_uebergewicht": "Übergewicht", "einschulung_sprachfoerderbedarf": "Sprachförderbedarf"}


def school_entry_data(district: District, year: int | None = None, level: str = "gemeindeverband",
                      pool: int = 3) -> pd.DataFrame:
    """School-entry results pooled over the last ``pool`` years for the areas of ``level``.

    Returns ``area_id``, ``name``, ``variable``, ``label``, ``x``, ``n`` (children examined),
    ``value`` (%) and the 95 % Wilson limits ``low`` / ``high`` (%); ``attrs["years"]``.
    """
    year = _year(district, year)
    years = _pool_years(district, year, pool)
    s = _sum(district, ["einschulung_untersuchte", *SCHOOL_VARS], level, years, by=["variable"])
    wide = _wide(s, "area_id", "variable")
    rows = []
    for var, label in SCHOOL_VARS.items():
        x = wide.get(var, pd.Series(0.0, index=wide.index))
        n = wide["einschulung_untersuchte"]
        lo, hi = wilson_ci(x.to_numpy(), n.to_numpy())
        rows.append(pd.DataFrame({"area_id": wide.index, "variable": var, "label": label, "x": x.to_numpy(),
                                  "n": n.to_numpy(), "value": 100 * np.where(n > 0, x / n.where(n > 0), np.nan),
                                  "low": 100 * lo, "high": 100 * hi}))
    out = pd.concat(rows, ignore_index=True)
    out.insert(1, "name", out["area_id"].map(_names(district)))
    out.attrs["years"] = years
    return out


def school_entry_figure(district: District, year: int | None = None, pool: int = 3):
    """Figure: overweight and language-support need by municipality with 95 % Wilson intervals."""
    d = school_entry_data(district, year, "gemeindeverband", pool)
    k = school_entry_data(district, year, "kreis", pool)
    years = d.attrs["years"]
    order = d[d["variable"] == "einschulung_uebergewicht"].sort_values("name")["area_id"].tolist()
    fig, axes = plt.subplots(1, 2, figsize=(10, 0.36 * len(order) + 1.6), sharey=True)
    for ax, (var, label) in zip(axes, SCHOOL_VARS.items()):
        sub = d[d["variable"] == var].set_index("area_id").reindex(order)
        kk = k[k["variable"] == var].iloc[0]
        y = np.arange(len(order))[::-1]
        ax.axvspan(kk["low"], kk["high"], color=figures.PALETTE["kreis"], alpha=0.15, linewidth=0)
        ax.axvline(kk["value"], color=figures.PALETTE["kreis"], linewidth=1.2)
        ax.errorbar(sub["value"], y, xerr=[sub["value"] - sub["low"], sub["high"] - sub["value"]], fmt="o",
                    color=figures.PALETTE["area"], ecolor="#555555", elinewidth=1, capsize=2, markersize=5)
        ax.set_yticks(y, sub["name"])
        ax.xaxis.set_major_formatter(fmt.axis_formatter(0, "%"))
        ax.set_xlabel("Anteil der untersuchten Kinder")
        ax.set_title(f"{label} bei der Einschulung\nLandkreis: {fmt.pct(kk['value'])}", fontsize=10)
        _style(ax)
    fig.suptitle(f"Schuleingangsuntersuchungen {_span(years)} (Punkte mit 95-%-Intervall, "
                 "grau: Landkreis)", fontsize=9)
    return _finish(fig)


def school_entry_table(district: District, year: int | None = None, level: str = "sozialraum", pool: int = 3):
    """Table: school-entry results by Sozialraum (grouped by town) or municipality, with intervals.

    Shares go through :mod:`sozialanalyse.stats.disclosure` together with the municipalities' and the
    Kreis' totals: a share whose numerator or number of children is below the threshold (or
    would follow from a total) shows ``.`` with the footnote."""
    from ..stats import disclosure

    year = _year(district, year)
    d = school_entry_data(district, year, level, pool)
    years = d.attrs["years"]
    tot = pd.concat([school_entry_data(district, year, lv, pool) for lv in ("gemeindeverband", "kreis")],
                    ignore_index=True)

    def as_res(f):
        return pd.DataFrame({"area_id": f["area_id"].astype(str), "year": year, "indicator": f["variable"],
                             "value": f["value"], "numerator": f["x"], "denominator": f["n"]})

    safe = disclosure.protect_with_totals(as_res(d), as_res(tot), district.areas, config=district.config)
    d = d.assign(status=safe["status"].to_numpy())
    ns = pd.concat([d, tot]).drop_duplicates("area_id")[["area_id", "n"]].rename(columns={"n": "value"})
    counts = disclosure.protect(ns.assign(area_id=ns["area_id"].astype(str)), district.areas,
                                config=district.config).table.set_index("area_id")
    parent = dict(zip(district.areas["area_id"], district.areas["parent_id"]))
    names = _names(district)
    ids = (district.areas[district.areas["kind"] == "Sozialraum"]["area_id"].tolist() if level == "sozialraum"
           else _municipality_ids(district))
    rows = []
    reasons: dict[str, list[str]] = {"Untersuchte Kinder": []}
    for a in ids:
        sub = d[d["area_id"] == a].set_index("variable")
        if sub.empty:
            continue
        n = sub["n"].iloc[0]
        small = " ¹" if n < 50 else ""
        row = {"Stadt": names.get(parent.get(a), ""), "Gebiet": names[a], "Untersuchte Kinder": fmt.num(n)}
        reasons["Untersuchte Kinder"].append(counts.loc[str(a), "status"] if str(a) in counts.index else "")
        for var, label in SCHOOL_VARS.items():
            r = sub.loc[var]
            col = f"{label} (95-%-Intervall)"
            row[col] = f"{fmt.pct(r['value'])}{small} ({_fmt_ci(r['low'], r['high'])})"
            reasons.setdefault(col, []).append(str(r["status"]))
        rows.append(row)
    masked = disclosure.mask(pd.DataFrame(rows), reasons, config=district.config)
    df = masked.frame
    caption = ("Schuleingangsuntersuchungen nach Sozialräumen" if level == "sozialraum"
               else "Schuleingangsuntersuchungen nach Städten, Gemeinden und Samtgemeinden")
    return table(df, caption=f"{caption}, {_span(years)} zusammengefasst",
                 group="Stadt" if level == "sozialraum" else None,
                 footnotes=[("Anteil der untersuchten Kinder; 95-%-Intervall nach Wilson. "
                            "¹ weniger als 50 untersuchte Kinder: Wert statistisch unsicher."), *masked.footnotes],
                 align_right=[c for c in df.columns if c not in ("Stadt", "Gebiet")],
                 kinds={c: "text" if c in ("Stadt", "Gebiet") else "count" if c == "Untersuchte Kinder" else "rate"
                        for c in df.columns})


def school_entry_trend(district: District):
    """Figure: school-entry results of the Kreis per year with 95 % Wilson intervals."""
    frames = [school_entry_data(district, y, "kreis", 1).assign(year=y) for y in district.years]
    d = pd.concat(frames, ignore_index=True)
    d["Merkmal"] = d["label"]
    fig, ax = plt.subplots(figsize=(8, 3.4))
    figures.trend(d, "year", "value", hue="Merkmal", ax=ax, low="low", high="high", decimals=0,
                ylabel="% der untersuchten Kinder",
                title=f"Schuleingangsuntersuchungen im {district.name} (mit 95-%-Intervall)")
    return _finish(fig)


# ---------------------------------------------------------------------------------------------
# Pflege
# ---------------------------------------------------------------------------------------------


def care_intro(district: District, year: int | None = None):
    """A German paragraph: care recipients by type, share cared for at home, Pflegequote."""
    from ..stats.projection import CARE_TYPE_LABELS

    year = _year(district, year)
    c = _sum(district, "pflegebeduerftige", "kreis", [year], by=["type"]).set_index("type")["value"]
    # skipna=False: absent rows (NaN, _sum) make the total missing, never a smaller sum or a 0
    pop = float(_sum(district, "einwohner", "kreis", [year])["value"].sum(skipna=False))
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


def care_by_age(district: District, year: int | None = None):
    """Figure: care recipients by age band and type (left) and the Pflegequote by age and sex."""
    from ..stats.projection import CARE_TYPE_LABELS

    year = _year(district, year)
    c = _sum(district, "pflegebeduerftige", "kreis", [year], by=["age_group", "sex", "type"])
    pop = _sum(district, "einwohner", "kreis", [year], by=["age_group", "sex"])
    bands = ["unter 60", *age_groups_between(60)]
    young = set(age_groups_between(0, 59))
    c["band"] = np.where(c["age_group"].isin(young), "unter 60", c["age_group"])
    pop["band"] = np.where(pop["age_group"].isin(young), "unter 60", pop["age_group"])
    wide = _wide(c, "band", "type").reindex(bands)
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
    _style(ax1, "y")
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
    _style(ax2, "y")
    return _finish(fig)


def care_table(district: District, year: int | None = None):
    """Table: care recipients by type, share at home and Pflegequote per municipality and Kreis."""
    from ..stats import indicators

    year = _year(district, year)
    ids = _municipality_ids(district) + [district.kreis["area_id"]]
    c = pd.concat([_sum(district, "pflegebeduerftige", lv, [year], by=["type"]) for lv in ("gemeindeverband", "kreis")])
    wide = _wide(c, "area_id", "type")
    res = indicators.compute(district, ["pflegequote", "pflegequote_80plus", "anteil_haeusliche_pflege"],
                             level=["gemeindeverband", "kreis"], years=[year])
    res["area_id"] = res["area_id"].astype(str)
    res["indicator"] = res["indicator"].astype(str)
    val = res.set_index(["area_id", "indicator"])
    names = _names(district)
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


# --- projection ------------------------------------------------------------------------------

_PROJECTION_CACHE: dict = {}
TREND_CAP = 0.03


def _pop_by(district: District, level: str, years, by=("sex", "age_group")) -> pd.DataFrame:
    """Population per area of ``level``, year and ``by`` (column ``population``)."""
    return _sum(district, "einwohner", level, years, by=["year", *by]).rename(columns={"value": "population"})


def care_projection_data(district: District, year: int | None = None, end_year: int = 2040,
                         pool: int = 5) -> dict:
    """Population and care-need projection per municipality and for the Kreis.

    Steps: (1) Kreis survival rates by age band and sex from deaths and population of the last
    ``pool`` years; (2) general fertility rate per municipality over the same years; (3) net
    migration per municipality, age band and sex as the mean residual of the annual steps of
    those years (:func:`sozialanalyse.stats.projection.residual_migration`); (4) cohort-component
    projection from 31.12. of ``year`` to ``end_year``; (5) Pflegequoten by age band, sex and type:
    the Kreis rates of ``year`` scaled per municipality and type by its observed / expected care
    recipients (so the base year reproduces each municipality's count); (6) care need under the
    scenarios status quo, compression (one year per decade) and trend (the annual change of the
    age-standardised Kreis care ratio over the last ``pool`` years, capped at ±3 %).

    Returns a dict with ``population`` (area_id incl. ``Insgesamt``, year, sex, age_group,
    population), ``care`` (:func:`sozialanalyse.stats.projection.care_scenarios` output plus the
    area name; ``trend_annual_change``, ``trend_capped``, ``trend_cap`` say per row whether the
    cap cut the trend scenario), ``history`` (observed recipients per area and year), ``trend``
    (annual change applied per type), ``trend_observed`` (the change before the cap),
    ``trend_capped`` (per type: True where the cap applied) and ``years`` (the pooled years).
    """
    from ..stats.projection import care_scenarios, cohort_component, general_fertility_rate, residual_migration, survival_rates

    year = _year(district, year)
    key = (id(district), year, end_year, pool)
    if key in _PROJECTION_CACHE:
        return _PROJECTION_CACHE[key]
    years = _pool_years(district, year, pool)
    # Base areas with absent rows are left out of every Kreis rate (survival, care, trend) alike, not
    # counted as 0; a municipality with absent population rows is not projected ("fehlt") and the
    # Kreis total ("Insgesamt") is the sum of the projected municipalities (p["absent"], p["left_out"]).
    left_out = _gap_base(district, ["einwohner", "sterbefaelle", "pflegebeduerftige"], years)
    ref = dict(among=["einwohner", "sterbefaelle", "pflegebeduerftige"], exclude=left_out)
    # (1) survival, Kreis
    deaths = _sum_complete(district, "sterbefaelle", "kreis", years, by=["sex", "age_group"], **ref).rename(
        columns={"value": "deaths"})
    kpop = _sum_complete(district, "einwohner", "kreis", years, by=["sex", "age_group"], **ref).rename(
        columns={"value": "population"})
    surv = survival_rates(kpop.merge(deaths, on=["area_id", "sex", "age_group"], how="left").fillna({"deaths": 0}),
                          by=("sex", "age_group"))
    # (2) fertility per municipality (pooled)
    mpop = _pop_by(district, "gemeindeverband", years)
    absent = sorted(set(mpop.loc[mpop["population"].isna(), "area_id"]))
    mpop = mpop[~mpop["area_id"].isin(absent)]
    births = _sum(district, "geburten", "gemeindeverband", years).set_index("area_id")["value"]
    births = births[~births.index.isin(absent)]
    women = mpop.groupby(["area_id", "sex", "age_group"], as_index=False)["population"].sum()
    gfr = general_fertility_rate(births, women)
    # (3) residual migration, mean of the annual steps inside the pooled years
    steps = []
    for y0, y1 in itertools.pairwise(years):
        p0 = mpop[mpop["year"] == y0].drop(columns="year")
        p1 = mpop[mpop["year"] == y1].drop(columns="year")
        steps.append(residual_migration(p0, p1, surv, gfr))
    migration = (pd.concat(steps).groupby(["area_id", "sex", "age_group"], as_index=False)["migration"].mean()
                 if steps else None)
    # (4) projection
    base = mpop[mpop["year"] == year].drop(columns="year")
    proj = cohort_component(base, surv, gfr, migration, years=list(range(year, end_year + 1)), base_year=year)
    ktot = proj.groupby(["year", "sex", "age_group"], as_index=False)["population"].sum().assign(area_id="Insgesamt")
    population = pd.concat([proj, ktot[proj.columns]], ignore_index=True)
    # (5) care rates: Kreis rates by sex, age, type, scaled per municipality and type (O/E)
    kc = _sum_complete(district, "pflegebeduerftige", "kreis", [year], by=["sex", "age_group", "type"], **ref)
    kp = _sum_complete(district, "einwohner", "kreis", [year], by=["sex", "age_group"], **ref)
    krates = kc.merge(kp, on=["area_id", "sex", "age_group"], suffixes=("", "_pop"))
    krates["rate"] = np.where(krates["value_pop"] > 0, krates["value"] / krates["value_pop"], 0.0)
    krates = krates[["sex", "age_group", "type", "rate"]]
    mc = _sum(district, "pflegebeduerftige", "gemeindeverband", [year], by=["type"]).rename(columns={"value": "observed"})
    exp = base.merge(krates, on=["sex", "age_group"])
    exp["expected"] = exp["population"] * exp["rate"]
    exp = exp.groupby(["area_id", "type"], as_index=False)["expected"].sum().merge(mc, on=["area_id", "type"], how="left")
    exp["factor"] = np.where(exp["expected"] > 0, exp["observed"].fillna(0) / exp["expected"], 1.0)
    rates = krates.merge(exp[["area_id", "type", "factor"]], on="type")
    rates["rate"] = (rates["rate"] * rates["factor"]).clip(upper=1.0)
    rates = rates[["area_id", "sex", "age_group", "type", "rate"]]
    # (6) trend: annual change of the age-standardised care ratio (observed / expected at the
    # rates of the report year) over the pooled years, per type
    first = years[0]
    fc = _sum_complete(district, "pflegebeduerftige", "kreis", [first], by=["type"], **ref).set_index("type")["value"]
    fp = _sum_complete(district, "einwohner", "kreis", [first], by=["sex", "age_group"], **ref)
    fe = fp.merge(krates, on=["sex", "age_group"]).assign(e=lambda t: t["value"] * t["rate"]).groupby("type")["e"].sum()
    observed = {}
    for t in fe.index:
        ratio = fe[t] / fc[t] if fc.get(t, 0) > 0 else 1.0  # rates of `year` relative to `first`
        observed[t] = float(ratio ** (1 / max(year - first, 1)) - 1 if year > first else 0.0)
    trend = {t: float(np.clip(g, -TREND_CAP, TREND_CAP)) for t, g in observed.items()}
    care = care_scenarios(proj, rates, annual_change=observed, trend_cap=TREND_CAP, base_year=year,
                          end_year=end_year)
    care["name"] = care["area_id"].map(_names(district)).fillna(district.name)
    hist = _sum(district, "pflegebeduerftige", "gemeindeverband", district.years, by=["year"])
    if absent:  # "Insgesamt" observed over the same municipalities as projected
        ktot = hist[~hist["area_id"].isin(absent)].groupby("year", as_index=False)["value"].sum()
    else:
        ktot = _sum(district, "pflegebeduerftige", "kreis", district.years, by=["year"])
    hist = pd.concat([hist, ktot.assign(area_id="Insgesamt")[hist.columns]], ignore_index=True)
    hist = hist[~hist["area_id"].isin(absent)]
    out = {"absent": absent, "left_out": left_out,
           "population": population, "care": care, "history": hist, "trend": trend, "years": years,
           "year": year, "end_year": end_year, "trend_observed": observed,
           "trend_capped": {t: trend[t] != g for t, g in observed.items()}}
    _PROJECTION_CACHE.clear()
    _PROJECTION_CACHE[key] = out
    return out


def _care_totals(p: dict) -> pd.DataFrame:
    """Recipients summed over the types per area, year: scenarios and band."""
    c = p["care"]
    cols = ["status_quo", "compression", "trend"]
    return c.groupby(["area_id", "name", "year"], as_index=False)[cols].sum().assign(
        low=lambda t: t[cols].min(axis=1), high=lambda t: t[cols].max(axis=1))


def care_projection_method(district: District, year: int | None = None, end_year: int = 2040):
    """German text: how the projection was made and what the scenarios assume."""
    p = care_projection_data(district, year, end_year)
    tr = p["trend"]
    types = (("pflegegeld", "Pflegegeld"), ("ambulant", "ambulant"), ("stationaer", "stationär"))
    trend_text = ", ".join(f"{lab} {fmt.signed(100 * tr.get(t, 0), 1)} %" for t, lab in types)
    return text(
        f"**So wurde gerechnet.** Die Bevölkerung jeder Stadt, Gemeinde und Samtgemeinde wird vom 31.12.{p['year']} "
        f"an Jahr für Jahr bis {p['end_year']} fortgeschrieben (Kohorten-Komponenten-Methode): Sterbewahrscheinlichkeiten "
        f"des Landkreises nach Alter und Geschlecht, Geburten je Frau von 15 bis 49 Jahren der jeweiligen Gemeinde und "
        f"Wanderungsgewinne bzw. -verluste nach Alter und Geschlecht, wie sie sich im Mittel der Jahre "
        f"{_span(p['years'])} ergeben haben. Auf die fortgeschriebene Bevölkerung werden die Pflegequoten nach Alter, "
        f"Geschlecht und Versorgungsart von {p['year']} angewandt (für jede Gemeinde so angepasst, dass sie ihre "
        f"heutige Zahl trifft). Drei Szenarien spannen das Band auf:\n\n"
        f"- **Status quo**: Die Pflegequoten bleiben, wie sie {p['year']} waren.\n"
        f"- **Kompression**: Pflegebedürftigkeit tritt je Jahrzehnt ein Jahr später im Leben ein.\n"
        f"- **Trend**: Die altersbereinigten Pflegequoten ändern sich weiter wie in den Jahren {_span(p['years'])} "
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


def care_projection_kreis(district: District, year: int | None = None, end_year: int = 2040):
    """Figure: observed care recipients of the Kreis and the projection band to ``end_year``."""
    p = care_projection_data(district, year, end_year)
    t = _care_totals(p)
    k = t[t["area_id"] == "Insgesamt"].sort_values("year")
    h = p["history"]
    h = h[h["area_id"] == "Insgesamt"].sort_values("year")
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(h["year"], h["value"], color="#333333", marker="o", markersize=3, label="Pflegebedürftige (Statistik)")
    ax.fill_between(k["year"], k["low"], k["high"], color=figures.PALETTE["area"], alpha=0.2, linewidth=0,
                    label="Spannweite der Szenarien")
    styles = {"status_quo": "-", "compression": "--", "trend": ":"}
    for s, ls in styles.items():
        ax.plot(k["year"], k[s], color=figures.PALETTE["area"], linestyle=ls, linewidth=1.4, label=SCENARIO_SHORT[s])
    last = k.iloc[-1]
    ax.annotate(f"{p['end_year']}: {fmt.num(last['low'], 0)} bis {fmt.num(last['high'], 0)}",
                (last["year"], last["high"]), xytext=(-8, 0), textcoords="offset points", ha="right",
                va="center", fontsize=8)
    ax.yaxis.set_major_formatter(fmt.axis_formatter())
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_ylabel("Pflegebedürftige")
    ax.set_ylim(bottom=0)
    without = ", ".join(_names(district)[a] for a in p.get("absent", []))
    ax.set_title(f"Pflegebedürftige im {district.name}: Entwicklung und Vorausberechnung bis {p['end_year']}"
                 + (f"\nohne {without} (Einwohnerzahlen unvollständig)" if without else ""), fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    _style(ax, "y")
    return _finish(fig)


def care_projection_municipalities(district: District, year: int | None = None, end_year: int = 2040):
    """Figure: small multiples per municipality, care recipients observed and projected (band)."""
    p = care_projection_data(district, year, end_year)
    t = _care_totals(p)
    h = p["history"]
    ids = _municipality_ids(district)
    names = _names(district)
    ncol = 4
    nrow = int(np.ceil(len(ids) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(10, 2.2 * nrow), squeeze=False)
    for ax, a in zip(axes.flat, ids):
        k = t[t["area_id"] == a].sort_values("year")
        hh = h[h["area_id"] == a].sort_values("year")
        if a in p.get("absent", []):
            ax.set_title(names[a], fontsize=8.5)
            ax.text(0.5, 0.5, "fehlt\n(Einwohnerzahlen\nunvollständig)", transform=ax.transAxes, ha="center",
                    va="center", fontsize=8, color="#555555")
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        ax.plot(hh["year"], hh["value"], color="#333333", linewidth=1.2)
        ax.fill_between(k["year"], k["low"], k["high"], color=figures.PALETTE["area"], alpha=0.25, linewidth=0)
        ax.plot(k["year"], k["status_quo"], color=figures.PALETTE["area"], linewidth=1.2)
        ax.set_title(names[a], fontsize=8.5)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(fmt.axis_formatter())
        ax.xaxis.set_major_locator(plt.MaxNLocator(3, integer=True))
        ax.tick_params(labelsize=7)
        _style(ax, "y")
    for ax in list(axes.flat)[len(ids):]:
        ax.set_axis_off()
    fig.suptitle(f"Pflegebedürftige je Stadt, Gemeinde und Samtgemeinde: Statistik (schwarz), Status quo "
                 f"(Linie) und Spannweite der Szenarien (Band) bis {p['end_year']}", fontsize=9)
    return _finish(fig)


def care_projection_table(district: District, year: int | None = None, end_year: int = 2040):
    """Table: people aged 80+ and care recipients today, 2030 and ``end_year`` per municipality."""
    p = care_projection_data(district, year, end_year)
    t = _care_totals(p).set_index(["area_id", "year"])
    pop = p["population"]
    old = pop[pop["age_group"].isin(age_groups_between(80))].groupby(["area_id", "year"])["population"].sum()
    y0, ye = p["year"], p["end_year"]
    mid = 2030 if y0 < 2030 < ye else (y0 + ye) // 2
    names = _names(district)
    rows = []
    absent = p.get("absent", [])
    for a in [*_municipality_ids(district), "Insgesamt"]:
        if a in absent:
            gone = f"{fmt.ABSENT} ²"
            rows.append({"Gebiet": names[a], f"Einwohner ab 80, {y0} → {ye}": gone, f"Pflegebedürftige {y0}": gone,
                         f"{mid}": gone, f"{ye}": gone, f"{ye}, Spannweite": gone, f"Veränderung bis {ye}": gone})
            continue
        now = t.loc[(a, y0), "status_quo"]
        end = t.loc[(a, ye)]
        rows.append({
            "Gebiet": names.get(a, district.name) + (" ³" if a == "Insgesamt" and absent else ""),
            f"Einwohner ab 80, {y0} → {ye}": f"{fmt.num(old.loc[(a, y0)])} → {fmt.num(old.loc[(a, ye)])}",
            f"Pflegebedürftige {y0}": fmt.num(now),
            f"{mid}": fmt.num(t.loc[(a, mid), "status_quo"], 0),
            f"{ye}": fmt.num(end["status_quo"], 0),
            f"{ye}, Spannweite": f"{fmt.num(end['low'], 0)} – {fmt.num(end['high'], 0)}",
            f"Veränderung bis {ye}": fmt.signed(100 * (end["status_quo"] / now - 1), 0, "%"),
        })
    df = pd.DataFrame(rows)
    return table(df, caption=f"Vorausberechnung der Zahl der Pflegebedürftigen bis {ye}",
                 footnotes=[("Spannweite: kleinster und größter Wert der Szenarien Status quo, Kompression und "
                            "Trend. Gerundete Modellwerte; Annahmen siehe oben."),
                            _care_cap_footnote(p), *_care_gap_notes(district, p)],
                 align_right=[c for c in df.columns if c != "Gebiet"])


def _care_gap_notes(district: District, p: dict, marks: bool = True) -> list[str]:
    """German footnotes (plain text) of the care projection: the municipalities not projected
    ("fehlt") and the base areas the Kreis rates leave out; [] when the inputs are complete."""
    names = _names(district)
    notes = []
    if p.get("absent"):
        which = ", ".join(names[a] for a in p["absent"])
        notes.append(("² fehlt: " if marks else "Nicht vorausberechnet: ") + f"{which}; Einwohnerzahlen der Jahre "
                     f"{_span(p['years'])} unvollständig (nicht aus unvollständigen Daten berechnet).")
        notes.append(("³ " if marks else "") + f"{district.name} insgesamt ohne {which}, "
                     "weil dort Eingangsdaten (Einwohner) fehlen.")
    note = _left_out_note(district, p.get("left_out", []), "Sterbe- und Pflegequoten des Landkreises:")
    if note:
        notes.append(note)
    return notes


# --- Pflegestützpunkte --------------------------------------------------------------------------


def nearest_distance(points_xy, facilities_xy) -> np.ndarray:
    """Straight-line (Euclidean) distance from each point to the nearest facility, in the
    units of the coordinates (metres in EPSG:25832).

    Examples
    --------
    >>> nearest_distance([(0, 0), (10, 0)], [(3, 4), (10, 1)]).tolist()
    [5.0, 1.0]
    """
    p = np.asarray(points_xy, dtype=float).reshape(-1, 2)
    f = np.asarray(facilities_xy, dtype=float).reshape(-1, 2)
    if len(f) == 0:
        return np.full(len(p), np.nan)
    d = np.sqrt(((p[:, None, :] - f[None, :, :]) ** 2).sum(axis=2))
    return d.min(axis=1)


def psp_distance_data(district: District, year: int | None = None, level: str = "gemeindeverband",
                      facility_type: str = "Pflegestützpunkt") -> pd.DataFrame:
    """Population-weighted mean straight-line distance of people aged 80+ to the nearest
    Pflegestützpunkt, per area of ``level`` (and the Kreis as the last row).

    Each base area (Sozialraum, Mitgliedsgemeinde, or Stadt / Einheitsgemeinde without
    Sozialräume) is represented by the representative point of its polygon (a point inside it);
    its distance to the nearest facility is weighted with its population aged 80+.

    Returns ``area_id``, ``name``, ``einwohner_80plus``, ``distance_km`` (weighted mean),
    ``max_km`` (largest base-area distance), ``facilities`` (number inside the area).
    """
    year = _year(district, year)
    base = base_areas(district.areas)["area_id"].tolist()
    geo = district.geometry
    g = geo[geo["area_id"].isin(base)]
    pts = g.geometry.representative_point()
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    fac = district.facilities[district.facilities["type"] == facility_type]
    dist = nearest_distance(xy, fac[["x", "y"]].to_numpy()) / 1000
    pop = _sum(district, "einwohner", "base", [year], by=["age_group"])
    # skipna=False: a base area with absent population rows (NaN, _sum) is unknown, not weight 0
    pop = pop[pop["age_group"].isin(age_groups_between(80))].groupby("area_id")["value"].agg(
        lambda v: v.sum(skipna=False))
    b = pd.DataFrame({"base": g["area_id"].to_numpy(), "distance": dist})
    b["weight"] = b["base"].map(pop)
    names = _names(district)
    rows = []
    for lv in (level, "kreis"):
        mapping = _level_of(district, lv)
        b["area_id"] = b["base"].map(mapping)
        fac_area = fac["area_id"].map(mapping)
        for a, grp in b.dropna(subset=["area_id"]).groupby("area_id", sort=False):
            w = grp["weight"].sum(skipna=False)  # NaN if a part is incomplete: 'fehlt', not a smaller sum
            rows.append({"area_id": a, "name": names.get(a, a), "einwohner_80plus": w,
                         "distance_km": float((grp["distance"] * grp["weight"]).sum() / w) if w > 0 else np.nan,
                         "max_km": float(grp["distance"].max()),
                         "facilities": int((fac_area == a).sum())})
    out = pd.DataFrame(rows)
    order = [*_level_ids(district, level), district.kreis["area_id"]]
    return out.set_index("area_id").reindex([a for a in order if a in set(out["area_id"])]).reset_index()


def _level_ids(district: District, level: str) -> list[str]:
    if level == "gemeindeverband":
        return _municipality_ids(district)
    if level == "base":
        return base_areas(district.areas)["area_id"].tolist()
    from ..model.areas import areas_at_level

    return areas_at_level(district.areas, level)["area_id"].tolist()


def psp_map(district: District, year: int | None = None):
    """Figure: Pflegestützpunkte and the 80+ population of each base area (circles by size,
    coloured by the straight-line distance to the nearest Pflegestützpunkt)."""
    year = _year(district, year)
    geo = district.geometry
    base = base_areas(district.areas)["area_id"].tolist()
    g = geo[geo["area_id"].isin(base)].copy()
    pts = g.geometry.representative_point()
    fac = district.facilities[district.facilities["type"] == "Pflegestützpunkt"]
    dist = nearest_distance(np.column_stack([pts.x, pts.y]), fac[["x", "y"]].to_numpy()) / 1000
    pop = _sum(district, "einwohner", "base", [year], by=["age_group"])
    # skipna=False: a base area with absent population rows is unknown ("fehlt", hatched, no
    # circle), not a circle of size 0
    pop = pop[pop["age_group"].isin(age_groups_between(80))].groupby("area_id")["value"].agg(
        lambda v: v.sum(skipna=False))
    w = g["area_id"].map(pop).to_numpy(dtype=float)
    known = ~np.isnan(w)
    fig, ax = plt.subplots(figsize=(8, 6.8))
    g.plot(ax=ax, color="#f2f2f2", edgecolor="#cccccc", linewidth=0.4)
    if not known.all():
        g[~known].plot(ax=ax, facecolor="white", edgecolor="#999999", hatch="///", linewidth=0.4)
    _muni_shapes(district).plot(ax=ax, facecolor="none", edgecolor="#777777", linewidth=0.9)
    bins = [0, 5, 10, 15, np.inf]
    labels = ["unter 5 km", "5 bis unter 10 km", "10 bis unter 15 km", "15 km und mehr"]
    colors = ["#2a7f62", "#a6c96a", "#f0a58f", "#c8553d"]
    cls = np.digitize(dist, bins[1:-1])
    ax.scatter(pts.x[known], pts.y[known], s=np.sqrt(w[known]) * 3, c=[colors[i] for i in cls[known]], alpha=0.85,
               edgecolor="white", linewidth=0.5, zorder=3)
    ax.scatter(fac["x"], fac["y"], marker="^", s=110, color="#1f3b73", edgecolor="white", zorder=4)
    for _, r in _muni_shapes(district).iterrows():
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
    return _finish(fig)


def psp_table(district: District, year: int | None = None):
    """Table: mean straight-line distance of the 80+ population to a Pflegestützpunkt."""
    year = _year(district, year)
    d = psp_distance_data(district, year)
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


def _psp_gap_note(district: District, year: int, any_gap: bool) -> list[str]:
    """German footnote behind "fehlt ²" of :func:`psp_table`: how many base areas lack population rows."""
    if not any_gap:
        return []
    gaps = getattr(district, "gaps", None)
    k = 0 if gaps is None else int(gaps.loc[(gaps["variable"] == "einwohner") & (gaps["year"] == year),
                                            "area_id"].nunique())
    where = f" (einwohner {year} in {k} {'Teilgebiet' if k == 1 else 'Teilgebieten'})" if k else ""
    return [f"² fehlt: Eingangsdaten unvollständig{where}; der Wert wird nicht aus unvollständigen Daten "
            "berechnet (keine 0)."]


# ---------------------------------------------------------------------------------------------
# Senioren, Menschen mit Behinderungen: indicators at town and Sozialraum level
# ---------------------------------------------------------------------------------------------


def _indicator_results(district: District, ids, levels, years=None) -> pd.DataFrame:
    from ..stats import indicators

    res = indicators.compute(district, list(ids), level=levels, years=years)
    for col in ("area_id", "indicator", "flags", "level"):
        res[col] = res[col].astype(str)
    return res


def indicator_intro(district: District, ids, year: int | None = None):
    """German sentences: each indicator's Kreis value, the range over the municipalities and the
    change over the data years."""
    year = _year(district, year)
    cat = _catalog()
    res = _indicator_results(district, ids, ["gemeindeverband", "kreis"])
    from .gemeindeprofil import absent_footnote

    names = _names(district)
    kreis = district.kreis["area_id"]
    lines = []
    absent: dict[str, None] = {}
    has_reason = lambda df: df["reason"].fillna("").astype(str).ne("") if "reason" in df else False
    for i in ids:
        unit = str(cat.loc[i, "unit"])
        sub = res[res["indicator"] == i]
        now = sub[sub["year"] == year]
        k = now[now["area_id"] == kreis]["value"]
        first = sub[(sub["area_id"] == kreis) & (sub["year"] == district.years[0])]["value"]
        m = now[now["area_id"] != kreis].dropna(subset=["value"])
        if k.empty or m.empty:
            continue
        lo, hi = m.loc[m["value"].idxmin()], m.loc[m["value"].idxmax()]
        change = ""
        if len(first):
            change = (f" ({district.years[0]}: {_fmt_value(first.iloc[0], unit)})")
        # incomplete inputs: "fehlt ²" (the footnote names them), never a number computed with 0
        gone = now[has_reason(now) & now["value"].isna()]
        for r in gone["reason"]:
            absent.setdefault(str(r), None)
        kval = f"{fmt.ABSENT} ²" if kreis in set(gone["area_id"]) else _fmt_value(k.iloc[0], unit)
        without = [names[a] for a in gone["area_id"] if a != kreis]
        without = f"; {', '.join(md_escape(n) for n in without)}: {fmt.ABSENT} ²" if without else ""
        lines.append(f"- **{md_escape(str(cat.loc[i, 'name']))}**: {kval} im Landkreis"
                     f"{change}; zwischen {_fmt_value(lo['value'], unit)} ({md_escape(names[lo['area_id']])}) und "
                     f"{_fmt_value(hi['value'], unit)} ({md_escape(names[hi['area_id']])}){without}.")
    notes = "".join(f"\n\n{md_escape(n)}" for n in absent_footnote(list(absent)))
    return text(f"Kennzahlen {year} im Überblick:\n\n" + "\n".join(lines) + notes)


def indicator_table(district: District, ids, year: int | None = None, level: str = "gemeindeverband"):
    """Table: indicators with 95 % intervals per municipality and Kreis (``gemeindeverband``) or
    per Sozialraum grouped by town (``sozialraum``)."""
    year = _year(district, year)
    cat = _catalog()
    ids = list(ids)
    from ..stats import disclosure

    levels = ["gemeindeverband", "kreis"] if level == "gemeindeverband" else [level]
    res = _protected(district, _indicator_results(district, ids, levels, years=[year]))
    res = res.set_index(["area_id", "indicator"])
    names = _names(district)
    parent = dict(zip(district.areas["area_id"], district.areas["parent_id"]))
    area_ids = ([*_municipality_ids(district), district.kreis["area_id"]] if level == "gemeindeverband"
                else _level_ids(district, level))
    from .gemeindeprofil import absent_footnote

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
            if pd.isna(r["value"]) and reason not in ("", "nan"):
                # incomplete inputs: "fehlt ²" with the footnote naming them, never a 0
                absent.setdefault(reason, None)
                row[label] = f"{fmt.ABSENT} ²"
                reasons.setdefault(label, []).append("")
                continue
            flag = " ¹" if "small_denominator" in str(r["flags"]) else ""
            row[label] = f"{_fmt_value(r['value'], unit)}{flag} ({_fmt_ci(r['ci_low'], r['ci_high'])})"
            reasons.setdefault(label, []).append(str(r["status"]))
        rows.append(row)
    masked = disclosure.mask(pd.DataFrame(rows), reasons, config=district.config)
    df = masked.frame
    if level == "gemeindeverband":
        df = df.drop(columns="Stadt")
    what = "Städte, Gemeinden und Samtgemeinden" if level == "gemeindeverband" else "Sozialräume"
    return table(df, caption=f"{what}, {year}", group="Stadt" if level != "gemeindeverband" else None,
                 footnotes=[("In Klammern: 95-%-Intervall (Wilson). ¹ Nenner unter der Mindestgröße: Wert "
                            "statistisch unsicher. Definitionen: siehe Daten und Methoden."), *masked.footnotes,
                            *absent_footnote(list(absent))],
                 align_right=[c for c in df.columns if c not in ("Stadt", "Gebiet")],
                 kinds={c: "text" if c in ("Stadt", "Gebiet") else "rate" for c in df.columns})


def indicator_maps(district: District, ids, year: int | None = None, level: str = "gemeindeverband",
                   facility_type: str | None = None):
    """Figure: one choropleth per indicator, for the municipalities (``gemeindeverband``) or the
    finest areas (``base``: Sozialräume, Mitgliedsgemeinden and towns without Sozialräume);
    optionally with the facilities of ``facility_type``."""
    year = _year(district, year)
    cat = _catalog()
    ids = list(ids)
    geo = district.geometry
    if level == "base":
        base = base_areas(district.areas)["area_id"].tolist()
        res = _indicator_results(district, ids, ["sozialraum", "gemeinde"], years=[year])
        res = res[res["area_id"].isin(base)].drop_duplicates(["area_id", "year", "indicator"])
        shapes = geo[geo["area_id"].isin(base)]
    else:
        res = _indicator_results(district, ids, level, years=[year])
        shapes = _muni_shapes(district)
    # suppressed values (disclosure control) are not drawn: hatched like missing values
    res = _protected(district, res)
    res = res.assign(value=res["published"])
    ncol = 2 if len(ids) > 1 else 1
    nrow = int(np.ceil(len(ids) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(5.2 * ncol, 4.6 * nrow), squeeze=False)
    outlines = _muni_shapes(district)
    fac = district.facilities_gdf()
    fac = fac[fac["type"] == facility_type] if facility_type else fac.iloc[:0]
    for ax, i in zip(axes.flat, ids):
        cols = ["area_id", "value", "status"] + (["reason"] if "reason" in res.columns else [])
        sub = shapes.merge(res[res["indicator"] == i][cols], on="area_id", how="left")
        gap = "reason" in sub.columns and (sub["reason"].astype(object).fillna("") != "").any()
        extra = []
        if len(fac):
            fac.plot(ax=ax, color="#1f3b73", marker="^", markersize=25, zorder=5)
            extra.append(Line2D([], [], color="#1f3b73", marker="^", linestyle="", label=facility_type))
        figures.choropleth(sub, "value", ax=ax, k=5, decimals=1,
                         unit=str(cat.loc[i, "unit"]) if str(cat.loc[i, "unit"]) == "%" else None,
                         labels="name" if level == "gemeindeverband" else None,
                         title=f"{cat.loc[i, 'name']}, {year}", extra_handles=extra,
                         missing_label=("fehlt / " if gap else "") + _missing_label(sub["status"]))
        if level == "base":
            outlines.plot(ax=ax, facecolor="none", edgecolor="#555555", linewidth=0.7)
        leg = ax.get_legend()
        if leg is not None:
            for t in leg.get_texts():
                t.set_fontsize(6.5)
    for ax in list(axes.flat)[len(ids):]:
        ax.set_axis_off()
    return _finish(fig)


def indicator_trend(district: District, ids, area_ids: list[str] | None = None):
    """Figure: indicators of the Kreis (and optional areas) over the years with 95 % intervals."""
    cat = _catalog()
    ids = list(ids)
    kreis = district.kreis["area_id"]
    area_ids = list(area_ids or [])
    res = _indicator_results(district, ids, ["gemeindeverband", "kreis"])
    res = res[res["area_id"].isin([kreis, *area_ids])].copy()
    res["Gebiet"] = res["area_id"].map(_names(district))
    fig, axes = plt.subplots(1, len(ids), figsize=(4.4 * len(ids), 3.3), squeeze=False)
    for ax, i in zip(axes[0], ids):
        sub = res[res["indicator"] == i]
        figures.trend(sub, "year", "value", hue="Gebiet", ax=ax, low="ci_low", high="ci_high", decimals=1,
                    ylabel=str(cat.loc[i, "unit"]), title=str(cat.loc[i, "name"]))
    return _finish(fig)


def senior_projection(district: District, year: int | None = None, end_year: int = 2040):
    """Figure: people aged 65-79 and 80+ in the Kreis, observed and projected to ``end_year``."""
    p = care_projection_data(district, year, end_year)
    pop = p["population"]
    k = pop[pop["area_id"] == "Insgesamt"]
    groups = {"65 bis 79 Jahre": age_groups_between(65, 79), "80 Jahre und älter": age_groups_between(80)}
    absent = p.get("absent", [])
    if absent:  # observed over the same municipalities as projected ("Insgesamt" without them)
        hist = _sum(district, "einwohner", "gemeindeverband", district.years, by=["year", "age_group"])
        hist = hist[~hist["area_id"].isin(absent)]
        # a base area of another municipality with absent rows in some year stays NaN (left out)
        hist = hist.groupby(["year", "age_group"], as_index=False)["value"].agg(lambda v: v.sum(skipna=False))
    else:
        hist = _sum(district, "einwohner", "kreis", district.years, by=["year", "age_group"])
    fig, ax = plt.subplots(figsize=(8, 3.6))
    colors = ["#d89a2b", "#6b4c9a"]
    for (label, bands), color in zip(groups.items(), colors):
        h = hist[hist["age_group"].isin(bands)].groupby("year")["value"].sum()
        f = k[k["age_group"].isin(bands)].groupby("year")["population"].sum()
        ax.plot(h.index, h.to_numpy(), color=color, marker="o", markersize=3, label=f"{label} (Melderegister)")
        ax.plot(f.index, f.to_numpy(), color=color, linestyle="--", label=f"{label} (Vorausberechnung)")
        ax.annotate(fmt.num(f.iloc[-1], 0), (f.index[-1], f.iloc[-1]), xytext=(4, 0), textcoords="offset points",
                    fontsize=8, va="center")
    ax.yaxis.set_major_formatter(fmt.axis_formatter())
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    ax.set_ylabel("Einwohnerinnen und Einwohner")
    without = ", ".join(_names(district)[a] for a in absent)
    ax.set_title(f"Ältere Menschen im {district.name} bis {p['end_year']}"
                 + (f"\nohne {without} (Einwohnerzahlen unvollständig)" if without else ""), fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="lower left", ncol=2)
    _style(ax, "y")
    return _finish(fig)


def disability_by_age(district: District, year: int | None = None):
    """Figure: Schwerbehindertenquote by age band and sex with 95 % Wilson intervals (Kreis)."""
    year = _year(district, year)
    sb = _sum(district, "schwerbehinderte", "kreis", [year], by=["age_group", "sex"])
    pop = _sum(district, "einwohner", "kreis", [year], by=["age_group", "sex"])
    m = pop.merge(sb, on=["area_id", "age_group", "sex"], how="left", suffixes=("_pop", "")).fillna({"value": 0})
    fig, ax = plt.subplots(figsize=(8, 3.6))
    x = np.arange(len(AGE_GROUPS))
    for sex in ("w", "m"):
        s = m[m["sex"] == sex].set_index("age_group").reindex(list(AGE_GROUPS))
        lo, hi = wilson_ci(s["value"].to_numpy(), s["value_pop"].to_numpy())
        ax.plot(x, 100 * s["value"] / s["value_pop"], marker="o", markersize=3, color=figures.PALETTE[sex],
                label=figures.SEX_LABELS[sex])
        ax.fill_between(x, 100 * lo, 100 * hi, color=figures.PALETTE[sex], alpha=0.15, linewidth=0)
    ax.set_xticks(x, AGE_GROUPS, rotation=45, ha="right")
    ax.yaxis.set_major_formatter(fmt.axis_formatter(0, "%"))
    ax.set_xlabel("Altersgruppe (Jahre)")
    ax.set_ylabel("je 100 Einwohner der Altersgruppe")
    ax.set_title(f"Schwerbehinderte Menschen nach Alter und Geschlecht im {district.name}, {year} "
                 "(mit 95-%-Intervall)", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    _style(ax, "y")
    return _finish(fig)


# ---------------------------------------------------------------------------------------------
# Gemeindeprofil: spine chart
# ---------------------------------------------------------------------------------------------

_POLARITY = {"higher_is_worse": "low_is_good", "higher_is_better": "high_is_good", "neutral": "none"}
_BEWERTUNG_COLORS = {"besser": "#2a7f62", "schlechter": "#c8553d", "ähnlich": "#e0b040",
                     "höher": "#3b6ea8", "niedriger": "#3b6ea8"}


def _spine_data(district: District, year: int) -> pd.DataFrame:
    cat = _catalog()
    kreis = district.kreis["area_id"]
    res = _indicator_results(district, HEALTH_SPINE_IDS, ["gemeindeverband", "kreis"], years=[year])
    res = res.rename(columns={"ci_low": "lower", "ci_high": "upper"})
    res = res[["area_id", "indicator", "value", "lower", "upper"]]
    m = mortality_data(district, year)
    smr_rows = pd.DataFrame({"area_id": m["area_id"], "indicator": "smr", "value": m["smr"],
                             "lower": m["smr_lower_95"], "upper": m["smr_upper_95"]})
    data = pd.concat([res, smr_rows], ignore_index=True)
    bench = data[data["area_id"] == kreis].set_index("indicator")["value"]
    pol = {i: _POLARITY.get(str(cat.loc[i, "polarity"]), "none") for i in HEALTH_SPINE_IDS}
    pol["smr"] = "low_is_good"
    munis = _municipality_ids(district)
    out = spine_chart_data(data, by="indicator", benchmark=bench, polarity=pol, comparison_areas=munis)
    out.attrs["smr_years"] = m.attrs["years"]
    return out


def spine_chart(district: District, area_id: str, year: int | None = None):
    """Figure: spine chart of the area's health indicators against the municipalities of the
    Kreis (range and middle half) and the Kreis value (centre line); the dot's colour says
    whether the area differs significantly (95 % interval) from the Kreis."""
    year = _year(district, year)
    cat = _catalog()
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
        fv = lambda v, unit=unit, dec=dec: fmt.ABSENT if pd.isna(v) else _fmt_value(v, unit, dec)
        if i == "smr":
            name = f"Sterblichkeit, altersstandardisiert (SMR, {_span(smr_years)})"
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
    plt.close(fig)
    return fig
