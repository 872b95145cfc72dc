"""The page Vergleichskreise (``notebooks/vergleichskreise.ipynb``): districts like ours.

Floor: pages. Arranges :mod:`sozialanalyse.planning.peers` (nearest statistical neighbours in
the manner of CIPFA's model, the key figures against the peers in the style of Fingertips) into
German text, tables and a spine chart, for both kinds of district: own data (Musterland: its
values are the protected layer's published Kreis values, the comparison districts come from
``vergleichskreise.csv``) and official data (Harburg: all German Landkreise from INKAR, GISD and
BKG in the mirror).

The marking of a key figure is a word and a symbol in the table (never colour alone) and a colour
in the chart: green *besser*, yellow *ähnlich*, red *schlechter* than the peer median by the
value's 95 % interval; dark and light blue *höher*/*niedriger* where the indicator has no
polarity; grey *nicht bewertet* where the value has no interval (official data).
"""
from __future__ import annotations

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
from ..render.figures import finish, style, wrap
from ..render.tables import md_escape, note, table, text

__all__ = ["intro", "key_figures", "neighbours", "spine_chart", "towns", "variables"]

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
    excluded = (f" {len(p.excluded)} Vergleichseinheiten ohne Wert eines Merkmals wurden ausgelassen "
                f"(Einstellung `missing: exclude`; Liste unten)." if len(p.excluded) else "")
    return text(
        f"Welche Landkreise sind dem {md_escape(p.target_name)} strukturell ähnlich? Nicht die Nachbarn auf der "
        f"Karte, sondern die **{len(p.neighbours)} statistisch nächsten Nachbarn** unter "
        f"{md_escape(p.source)}, Stand {p.year}. Das Verfahren folgt dem *Nearest Neighbours Model* der CIPFA, "
        f"mit dem englische Kommunen ihre Vergleichsgruppen bilden: Jedes Strukturmerkmal wird über alle "
        f"Vergleichseinheiten standardisiert (Mittelwert 0, Standardabweichung 1), dann wird der (gewichtete) "
        f"euklidische Abstand zum {md_escape(p.target_name)} berechnet; die {s.k} Einheiten mit dem kleinsten "
        f"Abstand sind die Vergleichskreise.{excluded}\n\n"
        f"Merkmale: {names}. Alle Einstellungen (Zahl der Vergleichskreise, Merkmale, Gewichte, Umgang mit "
        f"fehlenden Werten) stehen im Block `peers:` der Berichtskonfiguration.")


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
                     "Rang": f"{r.rank} von {r.n_ranked}" if r.rank else fmt.MISSING,
                     "Bewertung": _verdict_cell(r.verdict)})
    df = pd.DataFrame(rows)
    kinds = {"Wert": [_kind(u) for u in b["unit"]], "95-%-Intervall": "interval",
             "Median der Vergleichskreise": [_kind(u) if _kind(u) != "count" else "index" for u in b["unit"]],
             "Spannweite": "index", "Rang": "text", "Bewertung": "text"}
    foot = ["Rang: Stellung des eigenen Werts unter dem eigenen Kreis und den Vergleichskreisen mit Wert "
            "(1 = höchster Wert).",
            "Bewertung wie im Fingertips-Portal: ▲ besser / ▼ schlechter, wenn das 95-%-Konfidenzintervall des "
            "Werts ganz unter bzw. über dem Median der Vergleichskreise liegt (je nach Richtung der Kennzahl), "
            "● ähnlich, wenn es den Median einschließt; ◆ höher / ◆ niedriger bei Kennzahlen ohne Richtung; "
            "○ nicht bewertet bei Werten ohne Intervall."]
    if (b["status"] != "").any():
        foot.append(". = gesperrt (Geheimhaltung kleiner Fallzahlen); ohne Wert kein Vergleich.")
    return table(df, caption=f"{p.target_name}: Kennzahlen im Vergleich mit den Vergleichskreisen, {p.year}",
                 footnotes=foot, kinds=kinds)


def spine_chart(district, year: int | None = None):
    """Spine chart: every key figure's peer range (grey) around the peer median (line at the
    centre), the district's value as a dot coloured by its marking."""
    p = _peers.of(district, _year(district, year))
    b = _peers.compare(p)
    b = b[b["status"] == ""].reset_index(drop=True)
    if b.empty:
        return note("Keine Kennzahl mit Wert: kein Diagramm.")
    s = _peers.spine(b)
    n = len(b)
    fig, ax = plt.subplots(figsize=(8.5, 0.42 * n + 1.2))
    for i, r in b.iterrows():
        y = n - 1 - i
        if np.isfinite(s.at[i, "lo"]):
            ax.plot([s.at[i, "lo"], s.at[i, "hi"]], [y, y], color="#d0d0d0", linewidth=9, solid_capstyle="butt")
        _w, _s, colour, marker = _peers.VERDICTS[r["verdict"]]
        x = float(np.clip(s.at[i, "x"], -1.45, 1.45)) if np.isfinite(s.at[i, "x"]) else 0.0
        ax.scatter([x], [y], s=70, color=colour, marker=marker, edgecolor="#333333", zorder=3)
        ax.text(1.55, y, _fmt(r["value"], r["unit"], r["decimals"]), va="center", fontsize=8)
    ax.axvline(0, color="#333333", linewidth=1)
    ax.set_yticks(range(n))
    ax.set_yticklabels([wrap(lab, 42) for lab in b["label"][::-1]], fontsize=8)
    ax.set_xlim(-1.6, 2.2)
    ax.set_xticks([-1, 0, 1])
    ax.set_xticklabels(["weitester Abstand\nunter dem Median", "Median der\nVergleichskreise",
                        "weitester Abstand\nüber dem Median"], fontsize=8)
    style(ax, "x")
    used = [v for v in _peers.VERDICTS if v in set(b["verdict"])]
    handles = [Patch(color="#d0d0d0", label="Spannweite der Vergleichskreise")]
    handles += [Line2D([], [], marker=_peers.VERDICTS[v][3], linestyle="", markerfacecolor=_peers.VERDICTS[v][2],
                       markeredgecolor="#333333", label=f"{_peers.VERDICTS[v][1]} {v}") for v in used]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize=8, frameon=False)
    ax.set_title(f"{wrap(p.target_name, 60)} im Vergleich mit seinen Vergleichskreisen, {p.year}", fontsize=10)
    return finish(fig)


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
                         "Rang": f"{int(r.rank)} von {r.n_ranked}" if pd.notna(r.rank) and r.rank else fmt.MISSING,
                         "Bewertung": _verdict_cell(r.verdict)})
            kinds_value.append(_kind(r.unit))
    df = pd.DataFrame(rows)
    first = _peers.of_town(district, str(munis["area_id"].iloc[0]), year)
    foot = [f"Vergleichsgemeinden: je Stadt oder Gemeinde die {first.settings.k} strukturell ähnlichsten unter "
            f"{first.source}, nach demselben Verfahren und denselben Merkmalen wie die Vergleichskreise "
            "(Einwohner, Einwohner je km², Altersstruktur, Beschäftigung, Einkommensteuer, SGB-II-Quote).",
            "Rang: Stellung des eigenen Werts unter der Gemeinde und ihren Vergleichsgemeinden mit Wert "
            "(1 = höchster Wert). Bewertung wie bei den Vergleichskreisen: nach dem 95-%-Konfidenzintervall des "
            "Werts gegenüber dem Median der Vergleichsgemeinden.",
            "Die Vergleichsgemeinden der einzelnen Städte und Gemeinden, die nächste zuerst: " + " ".join(notes)]
    if (df["Wert"] == SYMBOL_SUPPRESSED).any():
        foot.append(". = gesperrt (Geheimhaltung kleiner Fallzahlen); ohne Wert kein Vergleich.")
    kinds = {"Gemeinde": "text", "Kennzahl": "text", "Wert": kinds_value,
             "Median der Vergleichsgemeinden": [k if k != "count" else "index" for k in kinds_value],
             "Spannweite": "index", "Rang": "text", "Bewertung": "text"}
    return table(df, caption=f"Städte und Gemeinden im Vergleich mit strukturähnlichen Gemeinden, {year}",
                 group="Gemeinde", footnotes=foot, kinds=kinds)
