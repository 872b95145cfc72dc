"""Content of the page "Daten und Methoden": sources, licences, input files and definitions."""
from __future__ import annotations

import html

import pandas as pd

from . import fmt
from .display import table, text
from .io.own import COUNT_FILES, District

__all__ = ["sources", "inputs", "definitions"]


def sources(district: District):
    """Who produced the data, its status and licence (from the district's ``meta.yml``)."""
    m = district.meta
    lines = [f"**Gebiet:** {html.escape(district.name)}  ",
             f"**Datenstand:** {html.escape(str(m.get('stand', fmt.MISSING)))}  "]
    if m.get("source"):
        lines.append(f"**Quelle:** {html.escape(str(m['source']))}  ")
    if m.get("licence") or m.get("license"):
        lines.append(f"**Lizenz:** {html.escape(str(m.get('licence') or m.get('license')))}  ")
    if m.get("note"):
        lines.append("\n" + html.escape(str(m["note"])))
    if district.synthetic:
        lines.append("\n*Alle Daten dieses Berichts sind synthetisch: Sie wurden für einen fiktiven Landkreis "
                     "erzeugt und beschreiben keinen realen Ort.*")
    return text("\n".join(lines))


def inputs(district: District):
    """Table of the input tables: variables, years and number of rows."""
    c = district.counts
    rows = []
    for fname in COUNT_FILES:
        path = district.folder / fname
        sub = pd.read_csv(path, usecols=["variable", "year"])
        rows.append({
            "Datei": fname,
            "Merkmale": ", ".join(sorted(sub["variable"].unique())),
            "Jahre": f"{sub['year'].min()}–{sub['year'].max()}",
            "Zeilen": fmt.num(len(sub)),
        })
    rows.append({"Datei": "facilities.csv", "Merkmale": "Einrichtungen (Punkte)", "Jahre": fmt.MISSING,
                 "Zeilen": fmt.num(len(district.facilities))})
    rows.append({"Datei": "areas.csv", "Merkmale": "Gebietsgliederung", "Jahre": fmt.MISSING,
                 "Zeilen": fmt.num(len(district.areas))})
    del c
    return table(pd.DataFrame(rows), caption="Eingangsdaten", align_right=["Zeilen"])


def definitions():
    """The indicator catalog: name, definition, unit and source, grouped by field."""
    from . import indicators

    cat = indicators.catalog()
    polarity = {"higher_is_worse": "höher = ungünstiger", "higher_is_better": "höher = günstiger",
                "neutral": "neutral"}
    df = pd.DataFrame({
        "Handlungsfeld": cat["field"],
        "Kennzahl": cat["name"],
        "Definition": cat["definition"],
        "Einheit": cat["unit"],
        "Richtung": cat["polarity"].map(polarity).fillna(cat["polarity"]),
        "Quelle": cat["source"],
    }).sort_values(["Handlungsfeld", "Kennzahl"], kind="stable")
    return table(df, caption="Kennzahlenkatalog", align_right=[])
