"""The page "Daten und Methoden" (``notebooks/daten_methoden.ipynb``): sources, licences, input
files, the data check and the disclosure rules of the report.

Floor: pages. The indicator definitions are the page "Indikatorenkatalog"
(:mod:`sozialanalyse.pages.indikatorenkatalog`).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..io.tables import COUNT_FILES, DIMENSIONS, read_table, table_path
from ..io.validate import validate, with_geometry
from ..model.config import MIN_THRESHOLD, SYMBOL
from ..model.district import OWN, District
from ..protected import layer as protected_layer
from ..render import fmt
from ..render.tables import md_escape, note, table, text

__all__ = ["INPUTS", "PROBLEM_DE", "WITHHELD", "disclosure", "disclosure_text", "gap_table", "input_files", "inputs",
           "inputs_published", "shown_value", "sources", "validation", "validation_tables"]

#: The folder beside this page into which the build copies the input files it may publish.
INPUTS = "eingangsdaten"


def sources(district: District):
    """Who produced the data, its status and licence (from the district's ``meta.yml``)."""
    m = district.meta
    lines = [f"**Gebiet:** {md_escape(district.name)}  ",
             f"**Datenstand:** {md_escape(str(m.get('stand', fmt.MISSING)))}  "]
    if m.get("source"):
        lines.append(f"**Quelle:** {md_escape(str(m['source']))}  ")
    if m.get("licence") or m.get("license"):
        lines.append(f"**Lizenz:** {md_escape(str(m.get('licence') or m.get('license')))}  ")
    if m.get("note"):
        lines.append("\n" + md_escape(str(m["note"])))
    if district.synthetic:
        lines.append("\n*Alle Daten dieses Berichts sind synthetisch: Sie wurden für einen fiktiven Landkreis "
                     "erzeugt und beschreiben keinen realen Ort.*")
    return text("\n".join(lines))


def inputs(district: District):
    """Table of the input tables (CSV, Excel or Parquet): variables, years and rows in the file.

    The rows kept after the data check are in :func:`validation`."""
    rows = []
    for fname in COUNT_FILES:
        path = table_path(district.folder, fname)
        if path is None:
            continue
        sub = read_table(path).df
        years = pd.to_numeric(sub["year"], errors="coerce").dropna().astype(int)
        rows.append({
            "Datei": path.name,
            "Merkmale": ", ".join(sorted(sub["variable"].dropna().unique())),
            "Jahre": f"{years.min()}–{years.max()}" if len(years) else fmt.MISSING,
            "Zeilen": fmt.num(len(sub)),
        })
    for fname, what, frame in (("facilities.csv", "Einrichtungen (Punkte)", district.facilities),
                               ("areas.csv", "Gebietsgliederung", district.areas)):
        path = table_path(district.folder, fname)
        rows.append({"Datei": path.name if path else fname, "Merkmale": what, "Jahre": fmt.MISSING,
                     "Zeilen": fmt.num(len(frame))})
    path = table_path(district.folder, "adressen.csv")
    if path is not None:  # optional: address points with their inhabitants (reach, Angebote und Bedarf)
        rows.append({"Datei": path.name, "Merkmale": "Adresspunkte mit Einwohnern je Altersgruppe",
                     "Jahre": fmt.MISSING, "Zeilen": fmt.num(len(district.addresses))})
    # years and numbers of rows of the files: no statistic, never suppressed ("text")
    return table(pd.DataFrame(rows), caption="Eingangsdaten", align_right=["Zeilen"],
                 kinds=dict.fromkeys(["Datei", "Merkmale", "Jahre", "Zeilen"], "text"))


def inputs_published(district) -> bool:
    """Whether the report publishes copies of the district's input files: only when its config
    says so (``publish_inputs: true``) and the district is in the project's own format and
    synthetic (``meta.yml``: ``synthetic: true``, the demo district). Real input files hold every
    count before protection (a Sozialraum's 2 recipients), so they are never published (the build
    refuses ``publish_inputs`` for them); official open data are linked at their publishers
    (page *Herkunft und Nachvollziehbarkeit*), not copied."""
    return (district.kind == OWN and bool(district.synthetic) and district.folder is not None
            and bool(getattr(district.config, "publish_inputs", False)))


def input_files(district):
    """Table of the input files to download (name linked to the copy the build puts beside the
    page, size, sha256 as on *Herkunft und Nachvollziehbarkeit*), or a note saying why the input
    files are not published (:func:`inputs_published`)."""
    from ..io.own import file_hashes
    from .herkunft import _size

    if not inputs_published(district):
        if district.kind != OWN:
            return note("Die amtlichen Eingangsdateien stehen bei ihren Herausgebern zum Herunterladen bereit "
                        "(Bezugsquellen auf der Seite Herkunft und Nachvollziehbarkeit).")
        if district.synthetic:
            return None  # a synthetic district whose config does not offer its files: nothing to say
        return note("Die Eingangsdateien werden nicht veröffentlicht: Sie enthalten alle Fallzahlen vor der "
                    "Geheimhaltung. Veröffentlicht werden nur die geschützten Zahlen der Tabellen.")
    hashes = file_hashes(district.folder)
    rows = [{"Datei": name, "Größe": _size((Path(district.folder) / name).stat().st_size), "SHA-256": sha}
            for name, sha in hashes.items()]
    return table(pd.DataFrame(rows), caption=f"Eingangsdateien zum Herunterladen ({len(rows)} Dateien, synthetisch)",
                 footnotes=["Kopien der Dateien des Datenordners, aus denen dieser Bericht berechnet wurde; die "
                            "Prüfsumme SHA-256 steht auch auf der Seite Herkunft und Nachvollziehbarkeit. Die Daten "
                            "sind synthetisch und enthalten daher auch kleine Fallzahlen."],
                 links={"Datei": [f"{INPUTS}/{name}" for name in hashes]}, align_right=["Größe"],
                 kinds={"Datei": "text", "Größe": "text", "SHA-256": "text"})


def _layer(district):
    """The protected layer of ``district``; None for official data (published by the statistical
    offices) or a bare config."""
    if not isinstance(district, District) or district.kind != OWN:
        return None
    return protected_layer.of(district)


def _n(k: int, one: str, many: str) -> str:
    return f"{fmt.num(k)} {one if k == 1 else many}"


def disclosure_text(district: District) -> str:
    """The German paragraphs on statistical disclosure control (Geheimhaltung) of this report:
    the method and threshold in force (for a threshold below 3, that it is below the usual
    minimum and the reason the config gives, ``threshold_below_3_acknowledged``); what the one
    protected layer (:mod:`sozialanalyse.protected.layer`) suppresses and why (the area tree, the
    age, sex and type partitions, share complements and pools of years, alike on every page;
    rates and intervals from published counts only; no z or index values over suppressed
    inputs); and how many cells it suppressed for this district (primary, secondary)."""
    s = protected_layer.settings(district)
    t = fmt.num(s.threshold)
    own = getattr(district, "kind", OWN) == OWN
    suppress = s.mode == "suppress" and (s.threshold > 1 or not s.zeros_visible)
    zeros = "" if s.zeros_visible else " Auch Nullen werden nicht veröffentlicht."
    if s.mode == "round":
        how = (f"Fallzahlen werden auf Vielfache von {fmt.num(s.round_base)} gerundet, so dass kleine Fallzahlen "
               "nicht erkennbar sind.")
        if own:
            how += (" Das gilt für alle Fallzahlen des Berichts, auf allen Gebietsebenen und in allen Jahren: Eine "
                    "Zahl ist auf jeder Seite gleich gerundet, und Quoten, Anteile und ihre Konfidenzintervalle "
                    "werden aus den gerundeten Fallzahlen berechnet.")
    elif s.mode == "cellkey":
        how = (f"Fallzahlen werden mit einem Zufallsüberlagerungsverfahren (Cell-Key-Verfahren) leicht verändert; "
               f"Werte unter {t} werden dabei zu 0 oder {t}.")
        if own:
            how += (" Jede Zahl hat einen festen Schlüssel (Gebiet, Zeitraum, Merkmal) und ist deshalb auf jeder "
                    "Seite gleich verändert; Quoten, Anteile und ihre Konfidenzintervalle werden aus den veränderten "
                    "Fallzahlen berechnet.")
    elif s.threshold <= 1:
        how = "Es werden keine Fallzahlen gesperrt." if s.zeros_visible else \
            f"Es werden nur Nullen nicht veröffentlicht („{SYMBOL}“); ebenso weitere Werte, aus denen sie sich " \
            "zurückrechnen ließen (Sekundärsperrung)."
    elif s.threshold == 2:
        how = (f"Die Fallzahl 1 wird nicht veröffentlicht („{SYMBOL}“); ebenso weitere Werte, aus denen sie "
               f"sich zurückrechnen ließe (Sekundärsperrung).{zeros}")
    else:
        small_ones = "Die Fallzahlen 1 und 2" if s.threshold == 3 else f"Fallzahlen von 1 bis {fmt.num(s.threshold - 1)}"
        how = (f"{small_ones} werden nicht veröffentlicht („{SYMBOL}“); "
               f"ebenso weitere Werte, aus denen sie sich zurückrechnen ließen (Sekundärsperrung).{zeros}")
    lines = [f"**Geheimhaltung.** Zum Schutz einzelner Personen gilt in diesem Bericht die Schwelle {t}. {how}"]
    if s.threshold < MIN_THRESHOLD:
        lines.append(f"**Abweichende Schwelle:** Die Schwelle {t} liegt unter der in der amtlichen Statistik "
                     f"üblichen Mindestschwelle {fmt.num(MIN_THRESHOLD)}. Begründung laut Berichtskonfiguration: "
                     f"{md_escape(s.threshold_below_3_acknowledged)}")
    if not (own and suppress):
        return "\n\n".join(lines)
    small = "unter der Schwelle" if s.threshold > 1 else "von 0"
    lines.append(
        "**Ein Schutz für alle Seiten.** Alle Fallzahlen, die der Bericht zeigt oder aus denen er Quoten und "
        "Anteile berechnet, werden vor der Veröffentlichung in einem einzigen Schritt gemeinsam geschützt, für "
        "jede Gebietsebene (vom Sozialraum bis zum Landkreis) und alle Jahre. Gesperrt wird "
        f"zuerst jede Fallzahl {small} (Primärsperrung), danach so viele weitere Werte, dass keine Summe mit ihren "
        "Teilen eine einzelne gesperrte Zahl durch Abziehen verrät (Sekundärsperrung). Geprüft wird das "
        "über den Gebietsbaum (die Sozialräume ergeben ihre Stadt, die Gemeinden den Landkreis), über die "
        "Aufgliederungen nach Alter, Geschlecht und Art (etwa der Pflege: ambulant, Pflegegeld, stationär), über "
        f"das Gegenstück eines Anteils (Nenner minus Zähler: Neben einem Anteil von {fmt.pct(99.8)} und seinem Nenner bliebe "
        "sonst eine kleine Restzahl erkennbar) und über zusammengefasste Jahre (ein Zeitraum von mehreren Jahren "
        "und seine einzelnen Jahre). Eine Zahl, die auf einer Seite gesperrt ist, ist deshalb auf allen Seiten "
        "gesperrt.")
    lines.append(
        "**Abgeleitete Werte.** Quoten, Anteile und ihre Konfidenzintervalle werden nur aus veröffentlichten "
        "Fallzahlen berechnet: Ist der Zähler, der Nenner oder das Gegenstück eines Anteils gesperrt, ist es auch "
        "die Quote mit ihrem Intervall. z-Werte und Indexwerte werden für Gebiete, deren Eingangswerte gesperrt "
        "sind, nicht gezeigt.")
    layer = _layer(district)
    if layer is not None:
        st = layer.cells["status"]
        primary, secondary = int((st == "primary").sum()), int((st == "secondary").sum())
        lines.append(
            f"**Umfang.** Geprüft wurden {_n(len(st), 'Zelle', 'Zellen')} (eine Fallzahl je Gebiet, Merkmal und "
            f"Jahr oder Zeitraum). Davon {'wurde' if primary == 1 else 'wurden'} {fmt.num(primary)} wegen einer "
            f"Fallzahl {small} gesperrt (Primärsperrung) und {fmt.num(secondary)} zu deren Schutz "
            "(Sekundärsperrung). Nicht jede gesperrte Zelle erscheint in einer Tabelle des Berichts; gesperrte "
            f"Werte sind in den Tabellen mit „{SYMBOL}“ gekennzeichnet.")
    return "\n\n".join(lines)


def disclosure(district: District):
    """The paragraph of :func:`disclosure_text` for the page "Daten und Methoden"."""
    return text(disclosure_text(district))


#: German wording of the data check's problem codes (:mod:`sozialanalyse.io.validate`) for the report
#: page; the English message with all details is what ``sozialanalyse validate`` prints.
PROBLEM_DE = {
    "area_id": "Gebietsschlüssel fehlt",
    "ambiguous_file": "Tabelle doppelt vorhanden (zwei Dateiformate)",
    "area_rejected": "Gebiet in areas.csv abgelehnt",
    "bidi_control": "Steuerzeichen der Textrichtung (Text würde verfälscht angezeigt)",
    "crs_missing": "Koordinatensystem fehlt",
    "duplicate": "doppelte Zeile",
    "field_count": "falsche Anzahl Felder",
    "incomplete": "Zeilen fehlen (Werte „fehlt“, nicht 0)",
    "invalid_geometry": "ungültige Grenze (z. B. Selbstüberschneidung)",
    "key_as_number": "Schlüssel als Zahl gespeichert (führende Null verloren)",
    "kreis_count": "nicht genau ein Landkreis",
    "malformed_key": "Schlüssel hat nicht das vorgesehene Format",
    "missing_column": "Spalte fehlt",
    "missing_file": "Datei fehlt",
    "missing_geometry": "Gebiet ohne Grenze (fehlende oder leere Geometrie)",
    "missing_value": "Wert fehlt",
    "mixed_total": "Summenzeile gemischt mit Einzelzeilen",
    "negative": "negative Anzahl",
    "not_a_number": "keine Zahl",
    "not_base_area": "Zahlen für ein übergeordnetes Gebiet statt für Basisgebiete",
    "not_nested": "Gebiet liegt nicht in seinem übergeordneten Gebiet",
    "outside_area": "Einrichtung liegt außerhalb ihres Gebiets",
    "outside_district": "Einrichtung liegt außerhalb aller Gebiete des Kreises (aufgeführt, nicht verloren)",
    "not_utf8": "Zeichenkodierung nicht UTF-8",
    "numerator_gt_denominator": "Zähler größer als Nenner",
    "prefix_mismatch": "Schlüssel passt nicht zum übergeordneten Gebiet",
    "unknown_category": "unbekannte Ausprägung",
    "unknown_key": "unbekannter Gebietsschlüssel",
    "unknown_kind": "unbekannte Gebietsart",
    "unknown_parent": "unbekanntes übergeordnetes Gebiet",
    "unreadable": "Datei nicht lesbar",
    "no_data_rows": "Tabelle ohne Datenzeilen",
    "no_final_newline": "Datei endet ohne Zeilenumbruch (letzte Zeile evtl. abgeschnitten)",
    "ambiguous_number": "mehrdeutige Zahl (Tausenderpunkt oder Dezimalkomma)",
    "not_integer": "keine ganze Zahl",
    "implausible": "unplausibler Wert",
    "unknown_variable": "unbekannte Variable",
    "year_gap": "Lücke in den Jahren",
}


#: What the problems table shows instead of a count value of the input data.
WITHHELD = "gesperrt"
#: The columns of a count table whose values are keys or categories, never counts.
_KEY_COLUMNS = frozenset({"area_id", "year", "variable", *DIMENSIONS})
_COUNT_TABLES = frozenset(Path(f).stem for f in COUNT_FILES)


def shown_value(problem) -> str:
    """The value of a data check problem as the page shows it.

    A rejected row of a count table may hold a small count (``1`` in a row whose numerator
    exceeds its denominator): the page is public, so a value of a count table is shown only where
    it is a key or a category (``area_id``, ``year``, ``variable``, the dimensions), never the
    ``value`` column nor a whole row as read (a row with the wrong number of fields, a cut-off
    last row): :data:`WITHHELD` there. Values of the other files (area names, facilities) are
    shown as they are.

    >>> from types import SimpleNamespace as P
    >>> shown_value(P(file="care.csv", column="value", value="1"))
    'gesperrt'
    >>> shown_value(P(file="care.xlsx", column=None, value="03499016-18,2024,pflegebeduerftige,1"))
    'gesperrt'
    >>> shown_value(P(file="care.csv", column="area_id", value="03499999"))
    '03499999'
    """
    value = problem.value
    if value is None or value != value:
        return fmt.MISSING
    if Path(problem.file).stem in _COUNT_TABLES and problem.column not in _KEY_COLUMNS:
        return WITHHELD
    return str(value)


def _de(code: str) -> str:
    return PROBLEM_DE.get(code, code.replace("_", " "))


def gap_table(gaps: pd.DataFrame, examples: int = 5):
    """German table of the absent rows (:func:`sozialanalyse.model.completeness.find_gaps`), one row per
    file and variable: the Gebiete and years whose values the report shows as "fehlt"."""
    rows = []
    for (file, var), g in gaps.groupby(["file", "variable"], sort=True):
        by_area = g.groupby("area_id", sort=True)["year"].agg(lambda s: ", ".join(str(int(y)) for y in sorted(set(s))))
        shown = "; ".join(f"{a}: {ys}" for a, ys in list(by_area.items())[:examples])
        if len(by_area) > examples:
            shown += f" und {fmt.num(len(by_area) - examples)} weitere"
        rows.append({"Datei": str(file), "Variable": str(var), "Gebiete (Jahre)": shown,
                     "Gebiet-Jahre": fmt.num(len(g))})
    return table(pd.DataFrame(rows), caption=f"Fehlende Zeilen ({fmt.num(len(gaps))} Gebiet-Jahre)",
                 align_right=["Gebiet-Jahre"],  # numbers of area-years without data, not of persons: "text"
                 kinds=dict.fromkeys(["Datei", "Variable", "Gebiete (Jahre)", "Gebiet-Jahre"], "text"),
                 footnotes=["Für diese Gebiete und Jahre fehlen Zeilen (oder sie wurden abgelehnt). Kennzahlen, "
                            "die darauf beruhen, erscheinen im Bericht als „fehlt“, auch für die Gemeinde und den "
                            "Landkreis, zu denen das Gebiet gehört; sie werden nie mit 0 gerechnet."])


def _validation_parts(district: District) -> list:
    """The parts of the data check (:mod:`sozialanalyse.io.validate`): every problem found and, per file, rows read
    = rows kept + rows rejected. With ``validation: lenient`` the report was built from the kept
    rows, and this is where a reader sees what was left out (in German: :data:`PROBLEM_DE`)."""
    from IPython.display import (
        HTML,  # IPython: only inside a notebook kernel; importing the pages must not need it
    )

    # the loader's result (one validation per kernel), plus the boundaries' checks
    result = validate(district.folder) if district.validation is None else with_geometry(district.validation)
    rows = [{"Datei": r.file, "Zeilen gelesen": fmt.num(r.read), "übernommen": fmt.num(r.kept),
             "abgelehnt": fmt.num(sum(r.rejected.values())),
             "Gründe": "; ".join(f"{_de(k)}: {fmt.num(v)}" for k, v in sorted(r.rejected.items())) or fmt.MISSING}
            for r in result.reconciliation.values()]
    # numbers of rows of a file, not of persons: no statistic, never suppressed ("text")
    parts = [table(pd.DataFrame(rows), caption="Datenprüfung: Abgleich der Zeilen je Datei",
                   align_right=["Zeilen gelesen", "übernommen", "abgelehnt"],
                   kinds=dict.fromkeys(["Datei", "Zeilen gelesen", "übernommen", "abgelehnt", "Gründe"], "text"))]
    if result.problems:
        problems = pd.DataFrame([{"Datei": p.file, "Zeile": fmt.MISSING if p.row is None else str(p.row),
                                  "Spalte": p.column or fmt.MISSING, "Gebiet": p.area_id or fmt.MISSING,
                                  "Wert": shown_value(p), "Problem": _de(p.code)} for p in result.problems])
        notes = ["Zeilen mit Problemen wurden nicht verwendet (Prüfmodus „lenient“). Die ausführliche "
                 "Meldung zu jedem Problem gibt „sozialanalyse validate“ aus."]
        if (problems["Wert"] == WITHHELD).any():
            notes.append(f"„{WITHHELD}“: Zählwerte der Eingangsdaten werden auch dann nicht veröffentlicht, "
                         "wenn die Zeile abgelehnt wurde (Geheimhaltung: eine kleine Fallzahl bliebe sonst "
                         "sichtbar). Datei, Zeile und Spalte nennen die Stelle.")
        # the value of a count file's row is declared a count: it shows keys, categories or
        # "gesperrt", and a count printed there by mistake would stop the publish (audit)
        kinds = {**dict.fromkeys(problems.columns, "text"),
                 "Wert": ["count" if p.file in COUNT_FILES else "text" for p in result.problems]}
        parts.append(table(problems, caption=f"Gefundene Probleme ({len(problems)})", align_right=[],
                           kinds=kinds, footnotes=notes))
    else:
        parts.append(HTML('<p>Die Datenprüfung hat keine Probleme gefunden.</p>'))
    gaps = getattr(result, "gaps", None)
    if gaps is not None and len(gaps):
        parts.append(gap_table(gaps))
    return parts


def validation(district: District):
    """The data check (:func:`validation_tables`) as one HTML block."""
    from IPython.display import (
        HTML,  # IPython: only inside a notebook kernel; importing the pages must not need it
    )

    return HTML("".join(part.data for part in _validation_parts(district)))


def validation_tables(district: District) -> None:
    """The data check, each table an output of its own (the build offers each as CSV and Excel):
    every problem found and, per file, rows read = rows kept + rows rejected. With ``validation:
    lenient`` the report was built from the kept rows, and this is where a reader sees what was
    left out (in German: :data:`PROBLEM_DE`)."""
    from IPython.display import (
        display,  # IPython: only inside a notebook kernel; importing the pages must not need it
    )

    for part in _validation_parts(district):
        display(part)
