"""The page Vergleichskreise (``notebooks/vergleichskreise.ipynb``): districts like ours.

Floor: pages. Arranges :mod:`sozialanalyse.planning.peers` (nearest statistical neighbours in
the manner of CIPFA's model, the key figures against the peers in the style of Fingertips) into
German text, tables and spine charts (the district's and, where there are comparison towns, one
per town), for both kinds of district: own data (Musterland: its
values are the protected layer's published Kreis values, the comparison districts come from
``vergleichskreise.csv``) and official data (Harburg: all German Landkreise from INKAR, GISD and
BKG in the mirror).

The marking of a key figure is a word and a symbol in the table (never colour alone) and a
marker shape with its colour in the chart (:data:`sozialanalyse.planning.peers.VERDICTS`): ▲ blue
*besser*, ● grey *ähnlich*, ▼ vermillion *schlechter* than the peer median by the value's 95 %
interval; ◆ purple *höher*/*niedriger* where the indicator has no polarity; ○ *nicht bewertet*
where the value has no interval (official data). Ranks count 1 = the most favourable value where
the key figure has a polarity, 1 = the highest where it has none (the cell says so), as the
Gemeindeprofile do. A spine chart's numbers are also embedded in the page as data for the
build's audit.
"""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..model.areas import report_year
from ..model.errors import DataError
from ..planning import peers as _peers
from ..render import fmt
from ..render.figures import finish, wrap
from ..render.figures import note as note_fig
from ..render.tables import md_escape, note, table, text

__all__ = ["RANK_HEADER", "intro", "key_figures", "neighbours", "spine_chart", "town_spine_charts", "towns", "variables"]

SYMBOL_SUPPRESSED = "."


def _year(district, year):
    return report_year(district, year) if getattr(district, "kind", "own") == "own" else int(year or district.report_year)


def _fmt(value, unit: str, decimals: int) -> str:
    if unit == "%":
        return fmt.pct(value, decimals)
    if unit in ("Personen", ""):
        return fmt.num(value, decimals)
    return fmt.num(value, decimals, unit.replace("EUR", "€"))


def _kind(unit: str) -> str:
    return "share" if unit == "%" else "count" if unit == "Personen" else "index"


def intro(district, year: int | None = None):
    """What the page shows and how the peers were chosen (settings from the config)."""
    p = _peers.of(district, _year(district, year))
    s = p.settings
    names = ", ".join(md_escape(r.label) + (f" (Gewicht {fmt.num(r.weight, 1)})" if r.weight != 1 else "")
                      for r in p.variables.itertuples())
    excluded = (f" {fmt.num(len(p.excluded))} Vergleichseinheiten ohne Wert eines Merkmals wurden ausgelassen "
                "(so im Bericht eingestellt; sie sind unten aufgeführt)." if len(p.excluded) else "")
    return text(
        f"Welche Landkreise sind dem {md_escape(p.target_name)} strukturell ähnlich? Nicht die Nachbarn auf der "
        f"Karte, sondern die **{len(p.neighbours)} statistisch nächsten Nachbarn** unter "
        f"{md_escape(p.source)}, Stand {p.year}. Das Verfahren folgt dem *Nearest Neighbours Model* der CIPFA, "
        f"mit dem englische Kommunen ihre Vergleichsgruppen bilden: Jedes Strukturmerkmal wird über alle "
        f"Vergleichseinheiten standardisiert (Mittelwert 0, Standardabweichung 1), dann wird der (gewichtete) "
        f"euklidische Abstand zum {md_escape(p.target_name)} berechnet; die {s.k} Einheiten mit dem kleinsten "
        f"Abstand sind die Vergleichskreise.{excluded}\n\n"
        f"Merkmale: {names}. Die Zahl der Vergleichskreise, die Merkmale, ihre Gewichte und der Umgang mit "
        "fehlenden Werten sind in den Einstellungen dieses Berichts festgelegt und lassen sich dort ändern.")


def neighbours(district, year: int | None = None):
    """The peers with their distance and the structural variables."""
    p = _peers.of(district, _year(district, year))
    v = p.values
    rows, kinds = [], {"Rang": "text", "Abstand": "index", "Abstand (0 bis 1)": "index"}
    ids = [p.target, *p.ids]
    dist = dict(zip(p.neighbours["area_id"], zip(p.neighbours["distance"], p.neighbours["rebased"], p.neighbours["rank"])))
    for a in ids:
        d, r, rank = dist.get(a, (0.0, 0.0, None))
        row = {"Rang": "–" if rank is None else str(rank), "Kreis": p.target_name if a == p.target else str(v.at[a, "name"]),
               "Abstand": fmt.num(d, 2), "Abstand (0 bis 1)": fmt.num(r, 3)}
        for var in p.variables.itertuples():
            row[var.label] = _fmt(v.at[a, var.variable], var.unit, var.decimals)
            kinds[var.label] = _kind(var.unit)
        rows.append(row)
    df = pd.DataFrame(rows)
    return table(df, caption=f"{p.target_name} und seine {len(p.neighbours)} Vergleichskreise, {p.year}",
                 footnotes=["Abstand: gewichteter euklidischer Abstand der standardisierten Merkmale; "
                            "„0 bis 1“: geteilt durch den Abstand der unähnlichsten aller Vergleichseinheiten "
                            "(wie bei der CIPFA).", f"Auswahl unter {p.source}."],
                 kinds=kinds, align_right=[c for c in df.columns if c not in ("Kreis",)])


def variables(district, year: int | None = None):
    """The structural variables: weight, the district's value, mean and spread over all units, z."""
    p = _peers.of(district, _year(district, year))
    med = p.values.loc[p.ids]
    df = pd.DataFrame({
        "Merkmal": p.variables["label"],
        "Gewicht": [fmt.num(w, 1) for w in p.variables["weight"]],
        p.target_name: [_fmt(r.target, r.unit, r.decimals) for r in p.variables.itertuples()],
        "Mittelwert aller": [_fmt(r.mean, r.unit, r.decimals) for r in p.variables.itertuples()],
        "Standardabweichung": [fmt.num(r.sd, r.decimals, "Prozentpunkte") if r.unit == "%" else
                               _fmt(r.sd, r.unit, r.decimals) for r in p.variables.itertuples()],
        "z-Wert": [fmt.signed(z, 2) for z in p.variables["z"]],
        "Median der Vergleichskreise": [_fmt(med[r.variable].median(), r.unit, r.decimals)
                                        for r in p.variables.itertuples()],
    })
    per_row = [_kind(u) for u in p.variables["unit"]]
    kinds = {"Gewicht": "index", p.target_name: per_row, "Mittelwert aller": ["index"] * len(df),
             "Standardabweichung": ["index"] * len(df), "z-Wert": "index",
             "Median der Vergleichskreise": ["index"] * len(df)}
    return table(df, caption=f"Strukturmerkmale der Auswahl, {p.year}", kinds=kinds,
                 footnotes=[f"Mittelwert und Standardabweichung über alle {len(p.values) - len(p.excluded)} "
                            "Vergleichseinheiten einschließlich des eigenen Kreises; z-Wert = (Wert − Mittelwert) "
                            "/ Standardabweichung.", *p.notes])


#: The header of the rank column: rank 1 is the most favourable value wherever the key figure has a
#: polarity (as in the Gemeindeprofile); a key figure without one says so in its cell (:func:`_rank_cell`).
RANK_HEADER = "Rang (1 = günstigster)"
#: The rule of the ranks, for the footnotes.
RANK_RULE = ("1 = günstigster Wert; bei Kennzahlen ohne Wertungsrichtung 1 = höchster Wert (steht dann in der "
             "Zelle); gleiche angezeigte Werte teilen sich den besseren Rang.")


def _rank_cell(r) -> str:
    """``3 von 11``; for a key figure without polarity ``3 von 11 (1 = höchster Wert)``; ``–`` without rank.

    >>> from types import SimpleNamespace as R
    >>> _rank_cell(R(rank=3, n_ranked=11, rank_order="günstigster")), _rank_cell(R(rank=2, n_ranked=11, rank_order="höchster Wert"))
    ('3 von 11', '2 von 11 (1 = höchster Wert)')
    """
    if r.rank is None or pd.isna(r.rank) or not r.rank:
        return fmt.MISSING
    tail = "" if r.rank_order == "günstigster" else f" (1 = {r.rank_order})"
    return f"{int(r.rank)} von {int(r.n_ranked)}{tail}"


def _verdict_cell(v: str) -> str:
    word, symbol = _peers.VERDICTS[v][:2]
    return f"{symbol} {word}"


def key_figures(district, year: int | None = None):
    """Every key figure against the peer median and range, with rank and marking."""
    p = _peers.of(district, _year(district, year))
    b = _peers.compare(p)
    if b.empty:
        return note("Für die Kennzahlen liegen bei den Vergleichskreisen keine Werte vor.")
    rows = []
    for r in b.itertuples():
        value = SYMBOL_SUPPRESSED if r.status else _fmt(r.value, r.unit, r.decimals)
        interval = (f"{fmt.num(r.lower, r.decimals)} – {_fmt(r.upper, r.unit, r.decimals)}"
                    if np.isfinite(r.lower) and not r.status else fmt.MISSING)  # "9,9 – 10,2 %", as in the book
        rows.append({"Kennzahl": r.label, "Wert": value, "95-%-Intervall": interval,
                     "Median der Vergleichskreise": _fmt(r.median, r.unit, r.decimals),
                     "Spannweite": f"{_fmt(r.minimum, r.unit, r.decimals)} bis {_fmt(r.maximum, r.unit, r.decimals)}",
                     RANK_HEADER: _rank_cell(r),
                     "Bewertung": _verdict_cell(r.verdict)})
    df = pd.DataFrame(rows)
    kinds = {"Wert": [_kind(u) for u in b["unit"]], "95-%-Intervall": "interval",
             "Median der Vergleichskreise": [_kind(u) if _kind(u) != "count" else "index" for u in b["unit"]],
             "Spannweite": "index", RANK_HEADER: "text", "Bewertung": "text"}
    foot = ["Rang: Platz des eigenen Werts unter dem eigenen Kreis und den Vergleichskreisen mit Wert; "
            + RANK_RULE,
            "Bewertung wie im Fingertips-Portal: ▲ besser / ▼ schlechter, wenn das 95-%-Konfidenzintervall des "
            "Werts ganz unter bzw. über dem Median der Vergleichskreise liegt (je nach Richtung der Kennzahl), "
            "● ähnlich, wenn es den Median einschließt; ◆ höher / ◆ niedriger bei Kennzahlen ohne Richtung; "
            "○ nicht bewertet bei Werten ohne Intervall."]
    if (b["status"] != "").any():
        foot.append(". = gesperrt (Geheimhaltung kleiner Fallzahlen); ohne Wert kein Vergleich.")
    return table(df, caption=f"{p.target_name}: Kennzahlen im Vergleich mit den Vergleichskreisen, {p.year}",
                 footnotes=foot, kinds=kinds)


def _num(value, unit: str, decimals: int) -> str:
    """A value in a chart's column: percent with its sign, other units named in the row's label."""
    return fmt.pct(value, decimals) if unit == "%" else fmt.num(value, decimals)


def _row_label(label: str, unit: str) -> str:
    return label if unit in ("%", "", "Personen") else f"{label} ({unit.replace('EUR', '€')})"


#: Chart words of the markings (:data:`sozialanalyse.planning.peers.VERDICTS`) for the legend.
LEGEND_WORDS = {"besser": "günstiger als der Median", "ähnlich": "kein signifikanter Unterschied",
                "schlechter": "ungünstiger als der Median", "höher": "höher, ohne Wertung",
                "niedriger": "niedriger, ohne Wertung", "nicht bewertet": "nicht bewertet (ohne Intervall)"}


def _spine_figure(b: pd.DataFrame, name: str, peers_word: str, title: str):
    """A spine chart in the layout of the Gemeindeprofile (:func:`sozialanalyse.pages.gemeindeprofil.
    spine_chart`), 6,5 in wide: one row per key figure, its name above the spine; the peers' range
    (grey) around their median (the line at the centre), the own value as a marker of its marking
    (shape and colour of :data:`~sozialanalyse.planning.peers.VERDICTS`); at the right the own
    value, the median and the range as numbers. ``b``: rows of :func:`sozialanalyse.planning.peers.compare`
    with a published value."""
    s = _peers.spine(b)
    n = len(b)
    pitch = 0.62  # inches per key figure: a line of text, then the spine
    fig = plt.figure(figsize=(6.5, pitch * n + 2.4))
    bottom = 1.3 / fig.get_figheight()
    ax = fig.add_axes([0.01, bottom, 0.98, 1 - bottom - 0.8 / fig.get_figheight()])
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.45, n - 0.1)
    left, right = 0.02, 0.50
    mid, half = (left + right) / 2, (right - left) / 2 / 1.15  # +-1.15 of the peers' half range fits
    cols = {"own": 0.68, "median": 0.82, "range": 1.0}
    found = {"besser": [], "schlechter": []}
    for i, r in b.reset_index(drop=True).iterrows():
        y = n - 1 - i
        lo, hi, x = s.iloc[i]["lo"], s.iloc[i]["hi"], s.iloc[i]["x"]
        if np.isfinite(lo) and np.isfinite(hi):
            ax.barh(y, (hi - lo) * half, left=mid + lo * half, height=0.34, color="#e3e3e3")
        ax.plot([mid, mid], [y - 0.24, y + 0.24], color="#333333", linewidth=1)
        _w, _sym, colour, marker = _peers.VERDICTS[r["verdict"]]
        pos = mid + float(np.clip(x, -1.15, 1.15)) * half if np.isfinite(x) else mid
        ax.scatter([pos], [y], s=70, marker=marker, color=colour, edgecolor="#333333", linewidth=0.9, zorder=3)
        label = _row_label(r["label"], r["unit"])
        if r["verdict"] in found:
            found[r["verdict"]].append(r["label"])
        ax.text(left, y + 0.22, wrap(label, 90), ha="left", va="bottom", fontsize=9)
        ax.text(cols["own"], y, _num(r["value"], r["unit"], r["decimals"]), ha="right", va="center", fontsize=9,
                fontweight="bold")
        ax.text(cols["median"], y, _num(r["median"], r["unit"], r["decimals"]), ha="right", va="center", fontsize=9)
        ax.text(cols["range"], y, f"{_num(r['minimum'], r['unit'], r['decimals'])} – "
                f"{_num(r['maximum'], r['unit'], r['decimals'])}", ha="right", va="center", fontsize=9,
                color="#444444")
    header = {"own": wrap(name, 14), "median": "Median", "range": "Spannweite"}
    for key, lab in header.items():
        ax.text(cols[key], n - 0.2, lab, ha="right", va="bottom", fontsize=9, fontweight="bold")
    ax.set_axis_off()
    used = [v for v in _peers.VERDICTS if v in set(b["verdict"]) and v in LEGEND_WORDS]
    handles = [Patch(color="#e3e3e3", label=f"Spannweite der {peers_word}"),
               Line2D([], [], color="#333333", label=f"Median der {peers_word} (Mitte)")]
    handles += [Line2D([], [], marker=_peers.VERDICTS[v][3], linestyle="", markersize=8,
                       markerfacecolor=_peers.VERDICTS[v][2], markeredgecolor="#333333", label=LEGEND_WORDS[v])
                for v in used]
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, 0.0), ncol=2, frameon=False, fontsize=9)
    fig.suptitle(title, fontsize=10.5, fontweight="bold", x=0.01, ha="left", wrap=True)
    words = [f"günstiger als der Median der {peers_word}: {', '.join(found['besser'])}" if found["besser"] else "",
             f"ungünstiger: {', '.join(found['schlechter'])}" if found["schlechter"] else ""]
    words = [w for w in words if w] or [f"bei keiner Kennzahl signifikant günstiger oder ungünstiger als der Median "
                                        f"der {peers_word}"]
    note_fig(ax, f"{name}: " + "; ".join(words))
    return finish(fig)


def _spine_data(b: pd.DataFrame, caption: str) -> str:
    """The numbers a spine chart shows, as embedded data for the build's audit
    (``<script type="application/json" class="sa-data">``, :mod:`sozialanalyse.build.audit`): one
    object per kind of value (shares, counts, other values), each row a key figure."""
    groups: dict[str, list] = {}
    for r in b.itertuples():
        unit = "%" if r.unit == "%" else ""
        cell = lambda v, r=r: _fmt(v, r.unit, r.decimals)  # noqa: E731
        groups.setdefault(_kind(r.unit), []).append(
            {"Kennzahl": r.label, "Wert": cell(r.value), "Median": cell(r.median), "Minimum": cell(r.minimum),
             "Maximum": cell(r.maximum), "Bewertung": r.verdict, "Einheit": unit or r.unit})
    objs = [{"caption": caption, "kinds": {"Kennzahl": "text", "Wert": kind, "Median": "index", "Minimum": "index",
                                           "Maximum": "index", "Bewertung": "text", "Einheit": "text"},
             "rows": rows} for kind, rows in groups.items()]
    payload = json.dumps(objs, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/json" class="sa-data">{payload}</script>'


def _chart_html(fig, b: pd.DataFrame) -> str:
    return fig._repr_html_() + "\n" + _spine_data(b, fig.caption)


def spine_chart(district, year: int | None = None):
    """Spine chart: every key figure's peer range (grey) around the peer median (line at the
    centre), the district's value as a marker of its marking; the numbers at the right and, for
    the audit, in the page's embedded data."""
    from IPython.display import HTML  # IPython: present in a kernel, not needed to import the pages

    p = _peers.of(district, _year(district, year))
    b = _peers.compare(p)
    b = b[b["status"] == ""].reset_index(drop=True)
    if b.empty:
        return note("Keine Kennzahl mit Wert: kein Diagramm.")
    fig = _spine_figure(b, p.target_name, "Vergleichskreise",
                        f"{p.target_name} im Vergleich mit seinen {len(p.neighbours)} Vergleichskreisen, {p.year}")
    return HTML(_chart_html(fig, b))


def town_spine_charts(district, year: int | None = None):
    """One spine chart per town with town-level peers (:func:`sozialanalyse.planning.peers.of_town`),
    built as the district's (:func:`spine_chart`); nothing where there are no comparison towns
    (:func:`towns` says so)."""
    from IPython.display import HTML

    year = _year(district, year)
    if getattr(district, "kind", "own") != "own" or not (Path(district.folder) / _peers.TOWN_FILE).is_file():
        return None
    out = []
    munis = district.municipalities()
    for a, name in zip(munis["area_id"].astype(str), munis["name"].astype(str)):
        try:
            p = _peers.of_town(district, a, year)
        except DataError:  # listed by towns()
            continue
        b = _peers.compare(p)
        b = b[b["status"] == ""].reset_index(drop=True)
        if b.empty:
            continue
        fig = _spine_figure(b, name, "Vergleichsgemeinden",
                            f"{name} im Vergleich mit {len(p.neighbours)} strukturähnlichen Gemeinden, {year}")
        out.append(_chart_html(fig, b))
    return HTML("\n".join(out)) if out else None


def towns(district, year: int | None = None):
    """Town-level peers: for every municipality its key figures against the median and range of
    its own peers (:func:`sozialanalyse.planning.peers.select_town`: the other municipalities and
    the towns of ``vergleichsgemeinden.csv``), with rank and marking; where there is no table of
    comparison towns, said plainly, with what it would need; units left out and problems listed."""
    year = _year(district, year)
    p = _peers.of(district, year)
    if getattr(district, "kind", "own") == "own" and (Path(district.folder) / _peers.TOWN_FILE).is_file():
        return _town_table(district, year, p)
    parts = ["Vergleichskreise gibt es hier für den Kreis als Ganzes. Für die Städte und Gemeinden liegt keine "
             "Vergleichsgruppe strukturähnlicher Gemeinden vor; ihre Kennzahlen stehen in den Gemeindeprofilen "
             "im Vergleich mit dem Kreis. "
             + ("Dafür wären dieselben Strukturmerkmale und Kennzahlen für alle Gemeinden bzw. Gemeindeverbände "
                "eines Landes nötig (Einwohner, Fläche, Altersstruktur, Beschäftigung, Einkommen, SGB-II-Bezug; "
                "INKAR auf Gemeindeverbandsebene liefert im Datenspiegel nur Arbeitslosigkeit, "
                "Beschäftigtenquote, erwerbsfähige Bevölkerung und Einkommensteuer)."
                if getattr(district, "kind", "own") != "own" else
                f"Dafür wäre eine Tabelle {_peers.TOWN_FILE} mit Vergleichsgemeinden nötig (Aufbau wie "
                f"{_peers.PEER_FILE}, siehe Datenformat).")]
    if len(p.excluded):
        parts.append("Ausgelassen (ohne Wert eines Merkmals): " + "; ".join(
            f"{r.name} ({r.area_id}): {r.missing}" for r in p.excluded.itertuples()) + ".")
    if p.problems:
        parts.append(f"{len(p.problems)} Zeilen der Vergleichstabelle wurden nicht gelesen (Prüfung „lenient“): "
                     + "; ".join(p.problems[:5]) + ("; …" if len(p.problems) > 5 else ""))
    if p.attribution:
        parts.append("Quellen: " + "; ".join(f"{a['titel']}: {a['quellenvermerk']}. Lizenz: {a['lizenz']}"
                                             for a in p.attribution))
    return note(" ".join(parts))


def _town_table(district, year: int, kreis_peers):
    """Table: each municipality's key figures against its town-level peers."""
    rows, kinds_value, notes = [], [], []
    munis = district.municipalities()
    for a, name in zip(munis["area_id"].astype(str), munis["name"].astype(str)):
        try:
            p = _peers.of_town(district, a, year)
        except DataError:  # the town's own value of a structural variable is suppressed or absent
            notes.append(f"{name}: nicht verglichen (ein Strukturmerkmal ist gesperrt oder fehlt).")
            continue
        b = _peers.compare(p)
        notes.append(f"{name}: " + ", ".join(p.neighbours["name"]) + ".")
        for r in b.itertuples():
            rows.append({"Gemeinde": name, "Kennzahl": r.label,
                         "Wert": SYMBOL_SUPPRESSED if r.status else _fmt(r.value, r.unit, r.decimals),
                         "Median der Vergleichsgemeinden": _fmt(r.median, r.unit, r.decimals),
                         "Spannweite": f"{_fmt(r.minimum, r.unit, r.decimals)} bis "
                                       f"{_fmt(r.maximum, r.unit, r.decimals)}",
                         RANK_HEADER: _rank_cell(r),
                         "Bewertung": _verdict_cell(r.verdict)})
            kinds_value.append(_kind(r.unit))
    df = pd.DataFrame(rows)
    first = _peers.of_town(district, str(munis["area_id"].iloc[0]), year)
    foot = [f"Vergleichsgemeinden: je Stadt oder Gemeinde die {first.settings.k} strukturell ähnlichsten unter "
            f"{first.source}, nach demselben Verfahren und denselben Merkmalen wie die Vergleichskreise "
            "(Einwohner, Einwohner je km², Altersstruktur, Beschäftigung, Einkommensteuer, SGB-II-Quote).",
            "Rang: Platz des eigenen Werts unter der Gemeinde und ihren Vergleichsgemeinden mit Wert; "
            + RANK_RULE + " Bewertung wie bei den Vergleichskreisen: nach dem 95-%-Konfidenzintervall des "
            "Werts gegenüber dem Median der Vergleichsgemeinden.",
            "Die Vergleichsgemeinden der einzelnen Städte und Gemeinden, die nächste zuerst: " + " ".join(notes)]
    if (df["Wert"] == SYMBOL_SUPPRESSED).any():
        foot.append(". = gesperrt (Geheimhaltung kleiner Fallzahlen); ohne Wert kein Vergleich.")
    kinds = {"Gemeinde": "text", "Kennzahl": "text", "Wert": kinds_value,
             "Median der Vergleichsgemeinden": [k if k != "count" else "index" for k in kinds_value],
             "Spannweite": "index", RANK_HEADER: "text", "Bewertung": "text"}
    return table(df, caption=f"Städte und Gemeinden im Vergleich mit strukturähnlichen Gemeinden, {year}",
                 group="Gemeinde", footnotes=foot, kinds=kinds)
