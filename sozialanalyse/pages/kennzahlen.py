"""Kennzahlen im Vergleich (``notebooks/kennzahlen.ipynb``): every municipality by every key
figure of the profiles in one table, each value marked better / similar / worse than the Kreis
(Fingertips' "overview" of Public Health England), the Kreis as the last row.

Floor: pages. The values, markers and ranks are those of the Gemeindeprofile
(:func:`sozialanalyse.pages.gemeindeprofil.benchmarks`, from the protected layer): a suppressed
value shows ``.``, and so does nothing derived from it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..model.areas import report_year
from ..model.config import SYMBOL
from ..model.district import District
from ..render import downloads, fmt
from ..render.tables import Table, md_escape, table, text
from ..stats import indicators
from .common import mask
from .gemeindeprofil import KREIS_MARKER_LEGEND, benchmarks, key_figure_ids, kreis_marker
from .indikatorenkatalog import catalog_href

__all__ = ["SHORT_NAMES", "column_label", "intro", "overview"]

#: Short German column headers of the key figures (the catalog's names are long); others: the
#: catalog's name.
SHORT_NAMES = {
    "anteil_unter15": "unter 15 Jahren",
    "anteil_65plus": "65 Jahre und älter",
    "anteil_80plus": "80 Jahre und älter",
    "anteil_nichtdeutsche": "Nichtdeutsche",
    "wanderungssaldo": "Wanderungssaldo",
    "sgb2_quote": "SGB-II-Quote",
    "kinderarmut": "Kinderarmut",
    "altersarmut": "Altersarmut",
    "arbeitslosenquote": "Arbeitslosenanteil",
    "anteil_langzeitarbeitslose": "Langzeitarbeitslose",
    "beschaeftigtenquote": "Beschäftigtenquote",
    "wohnflaeche_je_einwohner": "Wohnfläche je Einwohner",
    "mietniveau": "Mietniveau",
    "anteil_alleinlebende_65plus": "Alleinlebende ab 65",
    "uebergewicht_einschulung": "Übergewicht bei Einschulung",
    "sprachfoerderbedarf": "Sprachförderbedarf",
    "pflegequote": "Pflegequote",
    "anteil_haeusliche_pflege": "häusliche Pflege",
    "schwerbehindertenquote": "Schwerbehindertenquote",
    "wahlbeteiligung_bundestag": "Wahlbeteiligung Bundestag",
}


def column_label(indicator_id: str, name: str, unit: str, year: int | None = None) -> str:
    """The column header of a key figure: short name, unit and (elections) the year.

    Examples
    --------
    >>> column_label("sgb2_quote", "SGB II-Quote", "%")
    'SGB-II-Quote (%)'
    >>> column_label("wahlbeteiligung_bundestag", "Wahlbeteiligung", "%", 2021)
    'Wahlbeteiligung Bundestag (%, 2021)'
    """
    label = SHORT_NAMES.get(indicator_id, name)
    return f"{label} ({unit}{f', {year}' if year else ''})"


def intro(district: District, year: int | None = None):
    """A short German paragraph: what the table shows and how to read it."""
    year = report_year(district, year)
    n = len(district.municipalities())
    return text(f"Die Tabelle stellt alle {n} Städte, Gemeinden und Samtgemeinden im "
                f"{md_escape(district.name)} mit den Kennzahlen ihrer Gemeindeprofile nebeneinander, Stand {year}. "
                "Das Zeichen hinter jedem Wert sagt, ob er günstiger (▲), ähnlich (●) oder ungünstiger (▼) ist als "
                "der Wert des Kreises in der letzten Zeile; bei Kennzahlen ohne Wertungsrichtung steht ◆ für einen "
                "gesicherten Unterschied. Ein Klick auf eine Spaltenüberschrift sortiert die Tabelle, ein Klick "
                "auf den Namen einer Gemeinde öffnet ihr Profil.")


def overview(district: District, year: int | None = None, ids: list[str] | None = None):
    """Table: rows the municipalities and (last) the Kreis, columns the key figures; each cell
    the published value and the symbol of :func:`sozialanalyse.pages.gemeindeprofil.kreis_marker`
    (coloured by its class), sortable, in a ``<div class="sa-scroll">`` that scrolls sideways on
    a narrow screen. The downloads hold the values as numbers and, per key figure, the marker in
    words (column ``<Kennzahl>: Vergleich zum Kreis``)."""
    year = report_year(district, year)
    ids = list(ids) if ids is not None else key_figure_ids(district)
    cat = indicators.catalog(indicators.district_catalog(district)).set_index("id")
    b = benchmarks(district, year, ids)
    munis = district.municipalities()
    kreis_id = str(district.kreis["area_id"])
    profiles = district.config.profiles if getattr(district, "config", None) is not None else "all"
    linked = set(munis["area_id"].astype(str)) if profiles == "all" else {str(a) for a in profiles}
    names = [str(n) for n in munis["name"]] + [str(district.name)]
    area_ids = [str(a) for a in munis["area_id"]] + [kreis_id]
    shown = {"Gebiet": names}
    words = {"Gebiet": names}
    reasons: dict[str, list[str]] = {}
    classes: dict[str, list[str | None]] = {}
    kinds = {"Gebiet": "text"}
    dl_kinds = {"Gebiet": "text"}
    header_links = {}
    small = False
    for i in ids:
        unit = str(cat.loc[i, "unit"])
        rows = b[b["indicator"] == i].set_index("area_id")
        last = rows["year"].max()
        label = column_label(i, str(cat.loc[i, "name"]), unit, int(last) if pd.notna(last) and last != year else None)
        header_links[label] = catalog_href(i, from_profile=False)
        kinds[label] = dl_kinds[label] = "rate"
        cells, values, cls, held, marks, marks_held = [], [], [], [], [], []
        for a in area_ids[:-1]:
            r = rows.loc[a]
            st = str(r["status"])
            flag = " ¹" if "small_denominator" in str(r["notes"]) else ""
            small = small or bool(flag)
            if st or pd.isna(r["value"]):
                value = SYMBOL if st else fmt.ABSENT if str(r["reason"] or "") not in ("", "nan") else fmt.MISSING
                cells.append(value)
                values.append(value)
                cls.append(None)
                marks.append(SYMBOL if st else fmt.MISSING)
            else:
                word, css = kreis_marker(str(r["code"]), str(r["polarity"]), bool(r["strong"]))
                if r["held"]:  # the Kreis value is suppressed: no marker
                    word, css = SYMBOL, None
                values.append(fmt.num(r["value"], 1) + flag)
                cells.append(values[-1] + ("" if r["held"] else " " + word.split(" ")[0]))
                cls.append(css)
                marks.append(word)
            held.append(st)
            marks_held.append(st or str(r["held"]))
        kv = rows["kreis_value"].iloc[0] if len(rows) else np.nan
        ks = str(rows["kreis_status"].iloc[0]) if len(rows) else ""
        cells.append(SYMBOL if ks else fmt.MISSING if pd.isna(kv) else fmt.num(kv, 1))
        values.append(cells[-1])
        cls.append(None)
        held.append(ks)
        marks.append("")
        marks_held.append("")
        shown[label] = cells
        classes[label] = cls
        reasons[label] = held
        words[label] = values
        words[f"{label}: Vergleich zum Kreis"] = marks
        dl_kinds[f"{label}: Vergleich zum Kreis"] = "text"
        reasons[f"{label}: Vergleich zum Kreis"] = marks_held
    df, held_notes = mask(district, pd.DataFrame(shown), {k: v for k, v in reasons.items() if k in shown})
    dl, _ = mask(district, pd.DataFrame(words), reasons)
    caption = f"Kennzahlen im Vergleich mit dem Kreis, {year}"
    notes = [KREIS_MARKER_LEGEND.replace("Vergleich zum Kreis: ", "Zeichen hinter dem Wert: ").replace(
                 "; in Klammern, ob der Wert höher oder niedriger ist", ""),
             "Die Zeile des Kreises steht beim Sortieren immer am Ende. Werte in der Einheit der Spaltenüberschrift; "
             "Definitionen: Indikatorenkatalog (Link in der Überschrift).",
             *(["¹ Nenner unter der Mindestgröße, Wert unsicher."] if small else []), *held_notes]
    t = table(df, caption=caption, footnotes=notes, align_right=[c for c in df.columns if c != "Gebiet"],
              links={"Gebiet": [f"gemeinden/{a}.html" if a in linked else None for a in area_ids]},
              kinds=kinds, header_links=header_links, classes=classes)
    body = downloads.payload(downloads.data(dl, dl_kinds), caption, notes)
    # sortable although short; the Kreis row stays last (class sa-total); scrolls within itself
    html_text = t.data.replace('<table class="sa-table">', '<table class="sa-table sa-long sa-sortable sa-overview">', 1)
    last_row = html_text.rfind("<tr>")
    html_text = html_text[:last_row] + '<tr class="sa-total">' + html_text[last_row + len("<tr>"):]
    return Table(html_text, body)
