"""Musterland's Teilkonzepte with their measures and the annual reports of five Sozialraum
projects over three years (issue #17), synthetic and seeded.

Writes into the Musterland folder:

* ``massnahmen.xlsx`` (report year) and ``massnahmen_vorjahr.xlsx`` (the previous report): two
  Teilkonzepte, *Pflege* and *Menschen mit Behinderungen*, with 13 and 12 measures; between the
  two files some measures are new, one is no longer listed, states changed and dates moved;
* ``projekte/<project>_<year>.xlsx``: five projects in Sozialräume of the three towns, 2022 to
  2024, each with the standard part, participants by group (one planted small group of two
  people, so that the comparison chapter shows the suppression) and a free-text part.

The workbooks are byte-identical for the same seed: openpyxl's timestamps are replaced by a
fixed date, in the document properties and in the zip entries (:func:`write_xlsx`).
"""
from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["FIXED_TIME", "MEASURES", "PROJECTS", "generate", "templates", "write_xlsx"]

#: The date written into every workbook (properties and zip entries).
FIXED_TIME = _dt.datetime(2025, 1, 1, 0, 0, 0)
_STREAM = 17  # this module's own stream of the seed (issue #17)

# id, title, Teilkonzept, unit, goals, (state, start, end) in the previous and the current report
# (None: not in that report); dates as (year, month).
MEASURES = [
    ("PF-01", "Pflegestützpunkt Südkreis mit Außensprechstunden", "Pflege", "Pflegestützpunkt", "Z7",
     ("begonnen", (2023, 4), (2024, 12)), ("umgesetzt", (2023, 4), (2024, 10))),
    ("PF-02", "Kurzzeitpflegeplätze: Bedarfsplanung mit den Trägern", "Pflege", "Sozialplanung", "Z7",
     ("geplant", (2024, 6), (2025, 6)), ("begonnen", (2024, 9), (2025, 12))),
    ("PF-03", "Präventive Hausbesuche ab 80 Jahren", "Pflege", "Fachdienst Soziales", "Z7, Z3",
     ("begonnen", (2023, 1), (2025, 12)), ("begonnen", (2023, 1), (2025, 12))),
    ("PF-04", "Pflegekonferenz zweimal im Jahr", "Pflege", "Sozialplanung", "",
     ("umgesetzt", (2022, 3), (2022, 11)), ("umgesetzt", (2022, 3), (2022, 11))),
    ("PF-05", "Entlastungsangebote für pflegende Angehörige", "Pflege", "Fachdienst Soziales", "Z3",
     ("begonnen", (2023, 9), (2024, 12)), ("begonnen", (2023, 9), (2025, 6))),
    ("PF-06", "Tagespflege in der Samtgemeinde Heideland", "Pflege", "Sozialplanung", "Z7",
     ("geplant", (2025, 1), (2026, 12)), ("zurückgestellt", (2026, 1), (2027, 12))),
    ("PF-07", "Ausbildungsverbund Pflege mit den Berufsschulen", "Pflege", "Wirtschaftsförderung", "Z2",
     ("begonnen", (2022, 8), (2025, 7)), ("begonnen", (2022, 8), (2025, 7))),
    ("PF-08", "Wohnberatung und Anpassung von Wohnungen", "Pflege", "Pflegestützpunkt", "Z3",
     ("umgesetzt", (2022, 1), (2023, 6)), ("umgesetzt", (2022, 1), (2023, 6))),
    ("PF-09", "Demenznetzwerk im Landkreis", "Pflege", "Fachdienst Gesundheit", "",
     ("geplant", (2024, 10), None), ("begonnen", (2024, 10), (2026, 3))),
    ("PF-10", "Pflegebedarfsplanung 2030 veröffentlichen", "Pflege", "Sozialplanung", "Z7",
     ("begonnen", (2024, 1), (2024, 9)), ("umgesetzt", (2024, 1), (2024, 11))),
    ("PF-11", "Nachbarschaftshilfe in den Ortschaften", "Pflege", "Fachdienst Soziales", "Z3",
     ("geplant", (2025, 3), (2026, 12)), ("geplant", (2025, 3), (2026, 12))),
    ("PF-12", "Digitale Pflegeplatzbörse", "Pflege", "Pflegestützpunkt", "",
     ("geplant", (2024, 3), (2024, 12)), None),
    ("PF-13", "Hitzeschutzplan für Pflegeeinrichtungen", "Pflege", "Fachdienst Gesundheit", "Z7",
     None, ("geplant", (2025, 4), (2025, 9))),
    ("PF-14", "Sprechstunde Pflege im Rathaus Bad Lindenau", "Pflege", "Pflegestützpunkt", "Z3",
     None, ("begonnen", (2024, 11), (2025, 10))),
    ("BH-01", "Aktionsplan Inklusion fortschreiben", "Menschen mit Behinderungen", "Behindertenbeauftragte",
     "", ("begonnen", (2023, 5), (2024, 12)), ("begonnen", (2023, 5), (2025, 6))),
    ("BH-02", "Barrierefreie Bushaltestellen (40 Haltestellen)", "Menschen mit Behinderungen",
     "Fachdienst Verkehr", "", ("begonnen", (2022, 4), (2026, 12)), ("begonnen", (2022, 4), (2026, 12))),
    ("BH-03", "Beratungsstelle Ergänzende unabhängige Teilhabeberatung", "Menschen mit Behinderungen",
     "Fachdienst Eingliederungshilfe", "", ("umgesetzt", (2022, 1), (2022, 12)),
     ("umgesetzt", (2022, 1), (2022, 12))),
    ("BH-04", "Inklusive Kita-Plätze in allen Städten", "Menschen mit Behinderungen", "Fachdienst Jugend",
     "Z6", ("begonnen", (2023, 8), (2025, 7)), ("begonnen", (2023, 8), (2025, 7))),
    ("BH-05", "Budget für Arbeit bekannt machen", "Menschen mit Behinderungen", "Fachdienst Eingliederungshilfe",
     "Z2", ("geplant", (2024, 9), (2025, 3)), ("begonnen", (2024, 9), (2025, 3))),
    ("BH-06", "Leichte Sprache auf der Website des Landkreises", "Menschen mit Behinderungen",
     "Öffentlichkeitsarbeit", "", ("begonnen", (2024, 2), (2024, 12)), ("umgesetzt", (2024, 2), (2024, 12))),
    ("BH-07", "Wohnschule für junge Erwachsene mit Behinderung", "Menschen mit Behinderungen",
     "Fachdienst Eingliederungshilfe", "", ("geplant", (2025, 1), (2025, 12)),
     ("geplant", (2025, 8), (2026, 7))),
    ("BH-08", "Barrierefreiheit der Kreisverwaltung prüfen", "Menschen mit Behinderungen", "Gebäudemanagement",
     "", ("umgesetzt", (2022, 6), (2023, 3)), ("umgesetzt", (2022, 6), (2023, 3))),
    ("BH-09", "Inklusionsbeirat einrichten", "Menschen mit Behinderungen", "Behindertenbeauftragte", "",
     ("umgesetzt", (2023, 1), (2023, 6)), ("umgesetzt", (2023, 1), (2023, 6))),
    ("BH-10", "Freizeitassistenz im Sozialraum Bahnhofsviertel", "Menschen mit Behinderungen",
     "Fachdienst Soziales", "", ("geplant", (2024, 4), (2025, 3)), ("zurückgestellt", None, None)),
    ("BH-11", "Schulbegleitung: Pool-Modell erproben", "Menschen mit Behinderungen", "Fachdienst Jugend", "",
     ("begonnen", (2024, 8), (2025, 7)), ("begonnen", (2024, 8), (2025, 7))),
    ("BH-12", "Gebärdensprachdolmetschen für Sprechstunden", "Menschen mit Behinderungen",
     "Behindertenbeauftragte", "", None, ("geplant", (2025, 2), (2025, 12))),
]

# name, Sozialraum, Träger, target groups, topics, offers, groups with base numbers
PROJECTS = [
    ("Stadtteilmütter Bahnhofsviertel", "03499016-02", "Diakonisches Werk Musterland",
     "Familien mit Migrationsgeschichte; Eltern mit kleinen Kindern",
     "Sprache; Bildung; Gesundheit", "Hausbesuche; Elterncafé; Begleitung zu Ämtern",
     {"Kinder (0 bis 13 Jahre)": 70, "Jugendliche (14 bis 17 Jahre)": 6, "Erwachsene (18 bis 64 Jahre)": 95,
      "Ältere (ab 65 Jahren)": 4}),
    ("Quartierstreff Nordstadt", "03499013-02", "AWO Kreisverband Musterland",
     "Nachbarschaft; Ältere; Alleinerziehende", "Nachbarschaft; Einsamkeit; Armut",
     "Offener Treff; Mittagstisch; Sozialberatung",
     {"Kinder (0 bis 13 Jahre)": 25, "Jugendliche (14 bis 17 Jahre)": 10, "Erwachsene (18 bis 64 Jahre)": 80,
      "Ältere (ab 65 Jahren)": 110}),
    ("Jugendwerkstatt Neustadt", "03499016-04", "Jugendhilfe Musterland e. V.",
     "Jugendliche; junge Erwachsene ohne Ausbildung", "Ausbildung; Arbeit; Bildung",
     "Werkstatttage; Bewerbungstraining; Lernhilfe",
     {"Kinder (0 bis 13 Jahre)": 0, "Jugendliche (14 bis 17 Jahre)": 45, "Erwachsene (18 bis 64 Jahre)": 30,
      "Ältere (ab 65 Jahren)": 0}),
    ("Gesund älter werden im Kurviertel", "03499003-01", "Paritätischer Musterland",
     "Ältere; pflegende Angehörige", "Gesundheit; Bewegung; Einsamkeit; Pflege",
     "Bewegungsgruppen; Gesprächskreis; Hausbesuche",
     {"Kinder (0 bis 13 Jahre)": 0, "Jugendliche (14 bis 17 Jahre)": 0, "Erwachsene (18 bis 64 Jahre)": 35,
      "Ältere (ab 65 Jahren)": 140}),
    ("Familienzentrum Südstadt", "03499013-03", "Caritasverband Musterland",
     "Familien; Kinder; Alleinerziehende", "Bildung; Armut; Gesundheit; Sprache",
     "Krabbelgruppe; Familienberatung; Ferienprogramm",
     {"Kinder (0 bis 13 Jahre)": 120, "Jugendliche (14 bis 17 Jahre)": 15, "Erwachsene (18 bis 64 Jahre)": 90,
      "Ältere (ab 65 Jahren)": 8}),
]
PROJECT_YEARS = (2022, 2023, 2024)
_COST = {0: 62000, 1: 48000, 2: 115000, 3: 39000, 4: 84000}  # euros in 2022
_FREE = {
    0: [("Sprachmittlung", "Die Stadtteilmütter sprechen zusammen elf Sprachen; Termine beim Jobcenter werden "
                           "häufiger wahrgenommen, seit eine Stadtteilmutter begleitet."),
        ("Wohnungssuche", "Viele Familien leben beengt; der Treff sammelt Anfragen und gibt sie an die "
                          "Wohnungsbaugesellschaft weiter.")],
    1: [("Mittagstisch", "Der Mittagstisch ist das Angebot mit den meisten regelmäßigen Gästen; ein Drittel "
                         "kommt allein."),
        ("Ehrenamt", "Zwölf Ehrenamtliche tragen den Treff an zwei Abenden in der Woche.")],
    2: [("Übergänge", "Von den Teilnehmenden, die die Werkstatt im Sommer verließen, begann die Mehrzahl eine "
                      "Ausbildung oder eine Maßnahme der Agentur für Arbeit.")],
    3: [("Sturzprävention", "Die Bewegungsgruppen folgen einem Programm zur Sturzprävention; die Gruppen sind "
                            "voll, eine Warteliste besteht."),
        ("Erreichbarkeit", "Ältere aus den Randlagen des Kurviertels erreichen den Treff schlecht; ein "
                           "Fahrdienst wird erprobt.")],
    4: [("Ferienprogramm", "Das Ferienprogramm war in allen Wochen ausgebucht."),
        ("Beratung", "Die Familienberatung wird vor allem zu Kita-Plätzen, Wohngeld und Kinderzuschlag "
                     "gesucht.")],
}
_OUTCOME = ("Jährliche Befragung der Teilnehmenden (Zufriedenheit, selbst eingeschätzte Wirkung); "
            "Zählung der Kontakte; Fallbeispiele")


def write_xlsx(wb, path: Path) -> Path:
    """Save an openpyxl workbook with fixed timestamps (:data:`FIXED_TIME`): byte-identical for
    the same content."""
    wb.properties.creator = "sozialanalyse"
    wb.properties.created = FIXED_TIME
    raw = io.BytesIO()
    wb.save(raw)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                              rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            dst.writestr(info, data)
    path.write_bytes(out.getvalue())
    return path


def _sheet(wb, title: str, header, rows, widths=None, text_cols=()):
    from openpyxl.styles import Font  # openpyxl: loaded only for Excel files

    ws = wb.create_sheet(title)
    ws.append(list(header))
    for c in ws[1]:
        c.font = Font(bold=True)
    for row in rows:
        ws.append(list(row))
    for j in text_cols:  # keys typed into these stay text
        for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            cell.number_format = "@"
    for letter, w in (widths or {}).items():
        ws.column_dimensions[letter].width = w
    ws.freeze_panes = "A2"
    return ws


def _date(ym, last: bool = False):
    """(year, month) -> the first (or, with ``last``, the last) day of the month; None stays None."""
    if ym is None:
        return None
    y, m = ym
    if not last:
        return _dt.datetime(y, m, 1)
    return _dt.datetime(y + (m == 12), m % 12 + 1, 1) - _dt.timedelta(days=1)


def _measures_workbook(which: int):
    import openpyxl  # openpyxl: loaded only for Excel files

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    rows = []
    for mid, title, tk, unit, goals, *states in MEASURES:
        st = states[which]
        if st is None:
            continue
        state, start, end = st
        rows.append((mid, title, tk, state, _date(start), _date(end, last=True), unit, goals))
    ws = _sheet(wb, "Maßnahmen", ("Nr", "Maßnahme", "Teilkonzept", "Stand", "Beginn", "Ende", "Zuständig", "Ziele"),
                rows, {"A": 8, "B": 55, "C": 28, "D": 15, "E": 12, "F": 12, "G": 30, "H": 12})
    for col in ("E", "F"):
        for (cell,) in ws.iter_rows(min_row=2, min_col=ord(col) - 64, max_col=ord(col) - 64):
            cell.number_format = "DD.MM.YYYY"
    return wb


def _project_workbook(fields: list[tuple], groups: list[tuple], free: list[tuple]):
    import openpyxl  # openpyxl: loaded only for Excel files

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _sheet(wb, "Projekt", ("Feld", "Angabe"), fields, {"A": 18, "B": 70})
    ws = wb["Projekt"]
    ws["B3"].number_format = "@"  # the Sozialraum key stays text
    _sheet(wb, "Teilnehmende", ("Gruppe", "Anzahl"), groups, {"A": 32, "B": 10})
    _sheet(wb, "Freitext", ("Thema", "Text"), free, {"A": 22, "B": 90})
    return wb


def _slug(text: str) -> str:
    t = text.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        t = t.replace(a, b)
    return re.sub(r"[^a-z0-9]+", "_", t).strip("_")


def generate(out_dir, seed: int) -> None:
    """Write the measures files and the project workbooks into ``out_dir`` (the Musterland
    folder); a pure function of ``seed`` (own stream ``[seed, 17]``)."""
    rng = np.random.default_rng([seed, _STREAM])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_xlsx(_measures_workbook(0), out / "massnahmen_vorjahr.xlsx")
    write_xlsx(_measures_workbook(1), out / "massnahmen.xlsx")
    folder = out / "projekte"
    folder.mkdir(exist_ok=True)
    for i, (name, area, carrier, targets, topics, offers, groups) in enumerate(PROJECTS):
        fte = round(float(rng.choice([1.0, 1.25, 1.5, 1.75, 2.0, 2.5])), 2)  # staff of the project
        for k, year in enumerate(PROJECT_YEARS):
            growth = 1.0 + 0.08 * k
            counts = []
            for g, base in groups.items():
                n = 0 if base == 0 else int(rng.poisson(base * growth))
                counts.append((g, n))
            if i == 0 and year == 2023:  # the planted small group: two older participants
                counts[3] = (counts[3][0], 2)
            hours = int(round(rng.normal(1400, 150) * (1 + 0.3 * (i == 2)), -1))
            cost = int(round(_COST[i] * (1.03 ** k) * float(rng.uniform(0.95, 1.05)), -2))
            fields = [("Projekt", name), ("Sozialraum", area), ("Träger", carrier), ("Jahr", year),
                      ("Zielgruppen", targets), ("Themen", topics), ("Angebote", offers), ("Stunden", hours),
                      ("Personal (VZÄ)", fte), ("Kosten (EUR)", cost), ("Wirkungsmessung", _OUTCOME)]
            free = _FREE[i][: 1 + (k > 0)]
            write_xlsx(_project_workbook(fields, counts, free), folder / f"{_slug(name)}_{year}.xlsx")


def templates(out_dir) -> None:
    """Write the empty templates with one example row each: ``massnahmen.xlsx`` and
    ``projektbericht.xlsx`` (``data/vorlage/``)."""
    import openpyxl  # openpyxl: loaded only for Excel files

    out = Path(out_dir)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _sheet(wb, "Maßnahmen", ("Nr", "Maßnahme", "Teilkonzept", "Stand", "Beginn", "Ende", "Zuständig", "Ziele"),
           [("PF-01", "Pflegestützpunkt mit Außensprechstunden", "Pflege", "begonnen", "01.04.2024",
             "31.12.2025", "Pflegestützpunkt", "Z7")],
           {"A": 8, "B": 55, "C": 28, "D": 15, "E": 12, "F": 12, "G": 30, "H": 12}, text_cols=(1, 5, 6, 8))
    write_xlsx(wb, out / "massnahmen.xlsx")
    fields = [("Projekt", "Name des Projekts"), ("Sozialraum", "03499016-02"), ("Träger", "Name des Trägers"),
              ("Jahr", 2024), ("Zielgruppen", "Familien; Ältere"), ("Themen", "Bildung; Gesundheit"),
              ("Angebote", "Offener Treff; Beratung"), ("Stunden", 1200), ("Personal (VZÄ)", 1.5),
              ("Kosten (EUR)", 60000), ("Wirkungsmessung", "Befragung der Teilnehmenden")]
    groups = [("Kinder (0 bis 13 Jahre)", 40), ("Jugendliche (14 bis 17 Jahre)", 10),
              ("Erwachsene (18 bis 64 Jahre)", 60), ("Ältere (ab 65 Jahren)", 25)]
    write_xlsx(_project_workbook(fields, groups, [("Eigenes Thema", "Freier Text zum Thema des Projekts.")]),
               out / "projektbericht.xlsx")
