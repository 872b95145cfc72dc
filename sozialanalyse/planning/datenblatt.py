"""Data sheets for funding applications (issue #18): one area's figures as an Excel workbook and
as one printable HTML page (``sozialanalyse datenblatt --config C --area KEY [--out FILE]``).

Floor: planning. A funder asks for "einen datengestützten Nachweis über bestehende
Herausforderungen und Bedarfe" of one Quartier; the sheet gives, for the area ``KEY`` (a
Sozialraum, a municipality or the Kreis):

``Kennzahlen``
    every key figure with definition, unit, year, value and 95 % interval, the value of its town
    (the Stadt of a Sozialraum, the Samtgemeinde of a member municipality), of the Kreis and the
    peers' median (:mod:`.peers`), and its source;
``Trend``
    the key figures of the area over the last years (up to :data:`TREND_YEARS`);
``Vergleich``
    the Kreis against its comparison districts (median, range, rank, marking) and the peers;
``Versorgung``
    the supply gaps of the area when :mod:`sozialanalyse.planning.supply` is installed
    (``supply.gaps``), else a sentence saying so;
``Quellen``
    sources, data status, disclosure control and the attribution lines the licences require
    (``meta.yml`` of the data folder; ``datasets.yml`` for official data).

**Only published values.** For own data every value comes from the protected layer
(:mod:`sozialanalyse.protected.layer`): a suppressed value is the text ``.`` in Excel and HTML,
never a number; an indicator below its minimum level says so. Official data (INKAR, GISD) are
published by the statistical offices and shown as they are, without intervals.

Excel: numbers are numbers with German-readable number formats (``#,##0.0``: Excel shows them
with the reader's separators, ``12,5``), rounded to the decimals they are published with (the
number format's: a cell holds ``8,6``, not the ``8,6207`` behind it), headers are German, the
first row is frozen. A sidecar
``<file>.kinds.json`` (``{sheet: {column: kind}}``, the audit convention of
:mod:`sozialanalyse.build.audit`) is written beside the workbook so that it may be offered in the
site.
"""
from __future__ import annotations

import datetime as _dt
import difflib
import html as _html
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..model.errors import DataError
from ..render import fmt
from ..stats import indicators as _indicators
from . import peers as _peers

__all__ = ["SHEETS", "TREND_YEARS", "Datenblatt", "area_key", "build", "to_html", "write", "write_xlsx"]

#: The sheets of the workbook, in order.
SHEETS = ("Kennzahlen", "Trend", "Vergleich", "Versorgung", "Quellen")
#: How many years the trend shows (the report year and the years before it).
TREND_YEARS = 5
SUPPRESSED = "."
LEVEL_OF_KIND = {"Landkreis": "kreis", "Stadt": "gemeindeverband", "Einheitsgemeinde": "gemeindeverband",
                 "Samtgemeinde": "gemeindeverband", "Mitgliedsgemeinde": "gemeinde", "Sozialraum": "sozialraum",
                 "Kreis": "kreis", "kreis": "kreis", "gemeindeverband": "gemeindeverband"}
_MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember")
_NO_SUPPLY = ("Angaben zur Versorgung (Angebote und Bedarf) sind in dieser Installation nicht verfügbar: "
              "das Modul sozialanalyse.planning.supply fehlt.")


@dataclass
class Datenblatt:
    """The content of one data sheet: a table per sheet and the column kinds (audit)."""

    area_id: str
    name: str
    kind: str
    year: int
    title: str
    tables: dict = field(default_factory=dict)  # sheet -> DataFrame (numbers as floats, "." suppressed)
    kinds: dict = field(default_factory=dict)  # sheet -> {column: kind}
    decimals: dict = field(default_factory=dict)  # sheet -> {column: decimals or list per row}
    notes: dict = field(default_factory=dict)  # sheet -> list of German sentences


def area_key(district, key: str) -> pd.Series:
    """The row of ``key`` in the district's areas; an unknown key is a :class:`DataError` naming
    it and the closest keys and names."""
    areas = district.areas
    key = str(key).strip()
    hit = areas[areas["area_id"].astype(str) == key]
    if len(hit):
        return hit.iloc[0]
    by_name = areas[areas["name"].astype(str).str.casefold() == key.casefold()]
    if len(by_name) == 1:
        return by_name.iloc[0]
    ids = areas["area_id"].astype(str).tolist()
    close = difflib.get_close_matches(key, ids, n=3, cutoff=0.6)
    close += [f"{r.area_id} ({r.name})" for r in areas.itertuples()
              if r.area_id not in close and difflib.SequenceMatcher(None, key.casefold(), str(r.name).casefold()).ratio() > 0.7][:3]
    hint = f"; did you mean {', '.join(close)}?" if close else f" (keys such as {', '.join(ids[:3])}; sozialanalyse validate lists them)"
    raise DataError(f"unknown area key {key!r} in {district.name}{hint}")


def _level(row) -> str:
    return LEVEL_OF_KIND.get(str(row["kind"]), str(row.get("level", "gemeindeverband")))


def _town(district, row) -> pd.Series | None:
    """The Stadt of a Sozialraum, the Samtgemeinde of a member municipality; None otherwise."""
    if str(row["kind"]) not in ("Sozialraum", "Mitgliedsgemeinde"):
        return None
    parent = district.areas[district.areas["area_id"] == row["parent_id"]]
    return parent.iloc[0] if len(parent) else None


def _value(v, status=""):
    return SUPPRESSED if status else (float(v) if v is not None and np.isfinite(v) else None)


def _own_tables(district, row, year: int, peers: _peers.Peers | None, bench: pd.DataFrame) -> dict:
    from ..protected import layer as _layer

    L = _layer.of(district)
    cat = _indicators.load_catalog(_indicators.district_catalog(district))
    settings = district.config.peers if district.config is not None else None
    ids = [i for i in (settings.key_figures if settings and settings.key_figures else _peers.DEFAULT_KEY_FIGURES["own"])
           if i in cat]
    level = _level(row)
    area = str(row["area_id"])
    town = _town(district, row)
    kreis = str(district.kreis["area_id"])

    def at(lvl, key, years):
        r = L.indicators(ids, level=lvl, years=years)
        return r[r["area_id"] == key]

    own = at(level, area, [year]).set_index("indicator")
    tw = at(_level(town), str(town["area_id"]), [year]).set_index("indicator") if town is not None else None
    kr = at("kreis", kreis, [year]).set_index("indicator")
    med = bench.set_index("indicator")["median"] if len(bench) else pd.Series(dtype=float)
    rows, dec = [], []
    for iid in ids:
        e = cat[iid]
        o = own.loc[iid] if iid in own.index else None
        st = str(o["status"]) if o is not None else ""
        note = "unterhalb der Mindestebene der Kennzahl" if o is not None and "below_min_level" in str(o["notes"]) else ""
        if o is not None and "small_denominator" in str(o["notes"]):
            note = (note + "; " if note else "") + "kleiner Nenner"
        r = {"Bereich": e["field"], "Kennzahl": e["name"], "Definition": " ".join(str(e["definition"]).split()),
             "Einheit": e["unit"], "Jahr": str(year),
             "Wert": _value(o["value"], st) if o is not None else None,
             "Untere Grenze (95 %)": _value(o["lower"], st) if o is not None else None,
             "Obere Grenze (95 %)": _value(o["upper"], st) if o is not None else None}
        if town is not None:
            t = tw.loc[iid] if iid in tw.index else None
            r[f"Wert {town['name']}"] = _value(t["value"], str(t["status"])) if t is not None else None
        k = kr.loc[iid] if iid in kr.index else None
        r["Wert Kreis"] = _value(k["value"], str(k["status"])) if k is not None else None
        r["Median der Vergleichskreise"] = float(med[iid]) if iid in med.index and np.isfinite(med[iid]) else None
        r["Hinweis"] = note
        r["Quelle"] = e["source"]
        rows.append(r)
        dec.append(0 if str(e["unit"]).startswith("EUR") else 1)
    kenn = pd.DataFrame(rows)
    num_cols = [c for c in kenn.columns if c.startswith(("Wert", "Untere", "Obere", "Median"))]
    kinds = {c: "text" for c in kenn.columns}
    for c in num_cols:
        kinds[c] = "interval" if c.startswith(("Untere", "Obere")) else "index"
    # trend: the area's key figures over the last years
    years = [y for y in range(year - TREND_YEARS + 1, year + 1)]
    tr = at(level, area, years)
    trend = pd.DataFrame({"Kennzahl": [cat[i]["name"] for i in ids], "Einheit": [cat[i]["unit"] for i in ids]})
    for y in years:
        sub = tr[tr["year"] == y].set_index("indicator")
        trend[str(y)] = [(_value(sub.at[i, "value"], str(sub.at[i, "status"])) if i in sub.index else None) for i in ids]
    tkinds = {"Kennzahl": "text", "Einheit": "text", **{str(y): "index" for y in years}}
    return {"Kennzahlen": (kenn, kinds, {c: dec for c in num_cols}),
            "Trend": (trend, tkinds, {str(y): dec for y in years})}


def _official_tables(district, row, year: int, bench: pd.DataFrame) -> dict:
    from ..io.official import INDICATORS

    ind = district.indicators
    area = str(row["area_id"])
    kreis = str(district.kreis["area_id"])
    med = bench.set_index("indicator")["median"] if len(bench) else pd.Series(dtype=float)
    rows, dec, ids = [], [], [i for i, m in INDICATORS.items() if m["unit"] not in ("Personen",)]
    for iid in ids:
        m = INDICATORS[iid]
        sub = ind[(ind["indicator"] == iid) & (ind["year"] == year)]
        v = sub[sub["area_id"] == area]["value"]
        k = sub[sub["area_id"] == kreis]["value"]
        src = sub["source"].iloc[0] if len(sub) else ""
        rows.append({"Kennzahl": m["short"], "Definition": m["label"], "Einheit": m["unit"], "Jahr": str(year),
                     "Wert": float(v.iloc[0]) if len(v) else None, "Wert Kreis": float(k.iloc[0]) if len(k) else None,
                     "Median der Vergleichskreise": float(med[iid]) if iid in med.index else None, "Quelle": src})
        dec.append(int(m["decimals"]))
    kenn = pd.DataFrame(rows)
    num_cols = ["Wert", "Wert Kreis", "Median der Vergleichskreise"]
    kinds = {c: ("index" if c in num_cols else "text") for c in kenn.columns}
    years = list(range(year - TREND_YEARS + 1, year + 1))
    trend = pd.DataFrame({"Kennzahl": [INDICATORS[i]["short"] for i in ids], "Einheit": [INDICATORS[i]["unit"] for i in ids]})
    for y in years:
        sub = ind[(ind["area_id"] == area) & (ind["year"] == y)].set_index("indicator")["value"]
        trend[str(y)] = [float(sub[i]) if i in sub.index else None for i in ids]
    return {"Kennzahlen": (kenn, kinds, {c: dec for c in num_cols}),
            "Trend": (trend, {"Kennzahl": "text", "Einheit": "text", **{str(y): "index" for y in years}},
                      {str(y): dec for y in years})}


def _actionable_gap(gap: float, measure: str) -> float:
    from .supply import actionable_gap  # planning.supply: imported where used, as in _supply

    return actionable_gap(gap, measure)


def _supply(district, area: str, year: int):
    try:
        from . import supply  # the services against need (issue #18, part 1); optional here
    except ImportError:
        return pd.DataFrame({"Hinweis": [_NO_SUPPLY]}), {"Hinweis": "text"}, {}
    try:
        gaps = supply.gaps(district, area_ids=[area], year=year)
    except (DataError, ValueError, KeyError) as exc:
        return (pd.DataFrame({"Hinweis": [f"Versorgungslücken konnten nicht berechnet werden: {exc}"]}),
                {"Hinweis": "text"}, {})
    gaps = pd.DataFrame(gaps)
    if gaps.empty:
        return pd.DataFrame({"Hinweis": ["Für dieses Gebiet ist keine Versorgungslücke verzeichnet."]}), {"Hinweis": "text"}, {}
    return _supply_frame(gaps)


_MEASURE_WORDS = {"places": "Plätze", "facilities": "Einrichtungen", "fte": "Vollzeitstellen"}


def _yes(b) -> str:
    return "" if b is None or (isinstance(b, float) and np.isnan(b)) else ("ja" if bool(b) else "nein")


def _supply_frame(gaps: pd.DataFrame):
    """The rows of :func:`sozialanalyse.planning.supply.gaps` for the sheet: German headers,
    the measure's unit in words, yes/no instead of booleans, ``.`` where the served population
    (and with it ratio, target and gap) or the reach is withheld, and the decimals of the page
    *Angebote und Bedarf* (places and facilities whole, posts to one decimal; the Soll of
    facilities to one decimal); the Lücke as the page shows it (5,48 places: 5; 0,2 facilities: 1).

    >>> g = pd.DataFrame({"type": ["Kita"], "measure": ["places"], "facilities": [3], "supply": [215.0],
    ...     "served": [275.6], "served_status": [""], "estimated": [True], "ratio": [78.01], "guide": [80.0],
    ...     "per": [100], "required": [220.48], "gap": [5.48], "below_guide": [True], "status": [""],
    ...     "reach_500": [67.8], "reach_1000": [100.0], "reach_status": [""], "low_reach": [False],
    ...     "rank": [71.0]})
    >>> df, kinds, dec = _supply_frame(g)
    >>> df.iloc[0][["Angebot", "Bestand gemessen in", "unter dem Orientierungswert", "geringe Erreichbarkeit"]].tolist()
    ['Kita', 'Plätze', 'ja', 'nein']
    >>> dec["Bestand"], dec["Lücke"], dec["in 500 m (%)"], kinds["Zielgruppe (Personen)"], float(df.at[0, "Lücke"])
    ([0], [0], [1], 'count', 5.0)
    """
    reach = [c for c in gaps.columns if c.startswith("reach_") and c[6:].isdigit()]
    # along the streets: only where the data folder has a street network (else all NaN)
    street = [c for c in gaps.columns if c.startswith("reach_street_") and gaps[c].notna().any()]
    held = gaps["status"].astype(str).ne("") | gaps["served_status"].astype(str).ne("")
    rheld = gaps["reach_status"].astype(str).ne("")

    def num(col, mask=None):
        vals = gaps[col].astype(float)
        return [SUPPRESSED if mask is not None and m else (None if not np.isfinite(v) else float(v))
                for v, m in zip(vals, mask if mask is not None else [False] * len(vals))]

    df = pd.DataFrame({
        "Angebot": gaps["type"].astype(str),
        "Bestand gemessen in": [_MEASURE_WORDS.get(m, m) for m in gaps["measure"]],
        "Einrichtungen": num("facilities"),
        "Bestand": num("supply"),
        "Zielgruppe (Personen)": num("served", gaps["served_status"].astype(str).ne("")),
        "Zielgruppe geschätzt": [_yes(e) for e in gaps["estimated"]],
        "Bestand je Bezugsgröße": num("ratio", held),
        "Orientierungswert": num("guide"),
        "Bezugsgröße (Personen der Zielgruppe)": num("per"),
        "Soll": num("required", held),
        # the gap as the page shows it (supply.actionable_gap: facilities rounded up to whole ones)
        "Lücke": [v if not isinstance(v, float) else _actionable_gap(v, m)
                  for v, m in zip(num("gap", held), gaps["measure"])],
        "unter dem Orientierungswert": [_yes(b) for b in gaps["below_guide"]],
        **{f"in {fmt.num(int(c[6:]))} m (%)": num(c, rheld) for c in reach},
        **{f"in {fmt.num(int(c[13:]))} m Weg (%)": num(c, rheld) for c in street},
        "geringe Erreichbarkeit": [_yes(b) for b in gaps["low_reach"]],
        "Rang": num("rank"),
    })
    one = [0 if m == "places" else 1 for m in gaps["measure"]]
    whole = [1 if m == "fte" else 0 for m in gaps["measure"]]  # whole places and facilities, tenths of posts
    dec = {"Einrichtungen": 0, "Bestand": whole, "Zielgruppe (Personen)": 0, "Bestand je Bezugsgröße": 1,
           "Orientierungswert": 1, "Bezugsgröße (Personen der Zielgruppe)": 0, "Soll": one, "Lücke": whole,
           **{c: [_reach_decimals(v, n) if isinstance(v, float) else 1
                  for v, n in zip(df[c], df["Zielgruppe (Personen)"])] for c in df.columns if c.startswith("in ")},
           "Rang": 0}
    # the reach shares rounded as the page writes them: the exact float beside the served
    # population would give the number of persons within reach (or beyond it) away
    for c in [c for c in df.columns if c.startswith("in ")]:
        df[c] = [v if not isinstance(v, float) else round(v, _reach_decimals(v, n))
                 for v, n in zip(df[c], df["Zielgruppe (Personen)"])]
    kinds = {c: "text" for c in df.columns}
    kinds.update({c: "index" for c in dec})
    # the reach is a share of the served persons in the same row: the audit inverts it at the
    # decimals its number format shows (an exact 0 written "0,0", not "0")
    kinds.update({c: "share" for c in df.columns if c.startswith("in ")})
    kinds["Zielgruppe (Personen)"] = "count"
    return df, kinds, dec


def _reach_decimals(share: float, n, threshold: int = 3) -> int:
    """Decimals of a reach share (percent) of ``n`` persons: one, more where one decimal would
    admit only 1 to ``threshold - 1`` persons within or beyond reach (the rule of the page
    *Angebote und Bedarf*).

    0 of 2.292: "0,0" admits 0 or 1 person (1 / 2.292 = 0,044 %), "0,00" only 0; 0 of 1.710:
    1 / 1.710 = 0,058 % rounds to 0,1, so "0,0" admits only 0; 100 of 5.000: "100,0" admits 0 to
    2 persons beyond; 55,5 % of 80: 44 persons, no small count near.

    >>> _reach_decimals(0.0, 2292), _reach_decimals(0.0, 1710), _reach_decimals(100.0, 5000), _reach_decimals(55.5, 80)
    (2, 1, 2, 1)
    """
    if not isinstance(n, (int, float)) or not np.isfinite(n) or n <= 0:
        return 1
    n = round(float(n))
    d = 1
    while d < 4:
        v, half = round(share, d), 0.5 * 10 ** -d
        lo, hi = (v - half) * n / 100, (v + half) * n / 100
        xs = [x for x in range(max(0, int(np.floor(lo))), int(np.ceil(hi)) + 1) if lo - 1e-9 <= x <= hi + 1e-9 and x <= n]
        if not any(c and 1 <= max(c) < threshold for c in (xs, [n - x for x in xs])):
            return d
        d += 1
    return d


def build(district, area, year: int | None = None) -> Datenblatt:
    """The content of the data sheet of ``area`` (an area key or an exact area name)."""
    row = area_key(district, area)
    official = getattr(district, "kind", "own") == "official"
    year = int(year or district.report_year)
    p = None
    bench = pd.DataFrame(columns=["indicator", "median"])
    peer_note = ""
    try:
        p = _peers.of(district, year)
        bench = _peers.compare(p)
    except (DataError, FileNotFoundError) as exc:
        peer_note = f"Keine Vergleichskreise: {exc}"
    parts = (_official_tables(district, row, year, bench) if official
             else _own_tables(district, row, year, p, bench))
    name = str(row.get("label", row["name"])) if official else str(row["name"])
    kind = str(row["kind"])
    sheet = Datenblatt(area_id=str(row["area_id"]), name=name, kind=kind, year=year,
                       title=f"Datenblatt {name} ({kind}), {year}")
    for s, (df, kinds, dec) in parts.items():
        sheet.tables[s], sheet.kinds[s], sheet.decimals[s] = df, kinds, dec
    # Vergleich: the Kreis against its peers, and the peers
    if len(bench):
        v = pd.DataFrame({"Kennzahl": bench["label"], "Einheit": bench["unit"],
                          "Wert Kreis": [SUPPRESSED if s else (x if np.isfinite(x) else None)
                                         for x, s in zip(bench["value"], bench["status"])],
                          "Median der Vergleichskreise": bench["median"], "Minimum": bench["minimum"],
                          "Maximum": bench["maximum"], "Rang (1 = günstigster)": [
                              (f"{r} von {n}" + ("" if o == "günstigster" else f" (1 = {o})")) if r else ""
                              for r, n, o in zip(bench["rank"], bench["n_ranked"], bench["rank_order"])],
                          "Bewertung": [f"{_peers.VERDICTS[x][1]} {x}" for x in bench["verdict"]]})
        dv = bench["decimals"].tolist()
        sheet.tables["Vergleich"] = v
        sheet.kinds["Vergleich"] = {c: ("index" if c in ("Wert Kreis", "Median der Vergleichskreise", "Minimum",
                                                         "Maximum") else "text") for c in v.columns}
        sheet.decimals["Vergleich"] = {c: dv for c in ("Wert Kreis", "Median der Vergleichskreise", "Minimum", "Maximum")}
        sheet.notes["Vergleich"] = [
            f"Vergleichskreise ({len(p.neighbours)} statistisch nächste Nachbarn nach dem Verfahren der CIPFA, "
            f"Auswahl unter {p.source}): " + ", ".join(p.neighbours["name"]) + ".",
            "Rang: Platz unter dem Kreis und seinen Vergleichskreisen mit Wert; 1 = günstigster Wert, bei "
            "Kennzahlen ohne Wertungsrichtung 1 = höchster Wert (steht dann in der Zelle).",
            "Bewertung nach dem 95-%-Intervall des Werts: ▲ besser bzw. ▼ schlechter als der Median, ● ähnlich "
            "wie der Median; ◆ höher / ◆ niedriger ohne Richtung der Kennzahl; ○ nicht bewertet ohne Intervall."]
    else:
        sheet.tables["Vergleich"] = pd.DataFrame({"Hinweis": [peer_note or "Keine Vergleichskreise."]})
        sheet.kinds["Vergleich"] = {"Hinweis": "text"}
    sup, sk, sd = _supply(district, sheet.area_id, year)
    sheet.tables["Versorgung"], sheet.kinds["Versorgung"], sheet.decimals["Versorgung"] = sup, sk, sd
    if "Angebot" in sup.columns:
        sheet.notes["Versorgung"] = [(
            "Bestand je Bezugsgröße und Orientierungswert: je Bezugsgröße Personen der Zielgruppe; Soll: Bestand, "
            "der dem Orientierungswert entspräche; Lücke: Soll minus Bestand, wo positiv, in ganzen Plätzen bzw. "
            "Zehntel-Vollzeitstellen; fehlende Einrichtungen auf ganze aufgerundet. in … m: Anteil der "
            "Zielgruppe, der die nächste Einrichtung der Art in dieser Luftlinie erreicht"
            + ("; in … m Weg: auf dem kürzesten Weg entlang der Straßen. " if any(
                c.endswith("Weg (%)") for c in sup.columns) else ". ") + "Rang: Stellung unter "
            "den Versorgungslücken aller Sozialräume des Kreises (1 = größte Lücke; – : keine Lücke). "
            "Zielgruppe geschätzt: aus Fünf-Jahres-Altersgruppen (siehe Kapitel „Angebote und Bedarf“).")]
    sheet.tables["Quellen"] = pd.concat([pd.DataFrame([("Datenblatt", sheet.title)], columns=["Angabe", "Inhalt"]),
                                         _sources(district, p)], ignore_index=True)
    sheet.kinds["Quellen"] = {"Angabe": "text", "Inhalt": "text"}
    _round(sheet)
    return sheet


def _round(sheet: Datenblatt) -> None:
    """Round every number to the decimals it is published with (its number format), so that a
    cell holds the published value (``8,6``), not the unrounded one (``8,6207``) behind it.

    Examples
    --------
    >>> s = Datenblatt("a", "A", "Stadt", 2024, "t", tables={"T": pd.DataFrame({"x": [8.6207, ".", None]})},
    ...                decimals={"T": {"x": [1, 1, 1]}})
    >>> _round(s); s.tables["T"]["x"].tolist()
    [8.6, '.', None]
    """
    for name, df in sheet.tables.items():
        for col, d in sheet.decimals.get(name, {}).items():
            if col not in df.columns:
                continue
            per_row = d if isinstance(d, list) else [d] * len(df)
            df[col] = pd.Series([round(float(v), int(k)) if isinstance(v, (int, float, np.number))
                                 and not isinstance(v, bool) and np.isfinite(v) else v
                                 for v, k in zip(df[col], per_row)], index=df.index, dtype=object)


def _sources(district, p) -> pd.DataFrame:
    today = _dt.date.today()
    rows = [("Erstellt am", f"{today.day}. {_MONTHS[today.month - 1]} {today.year}"), ("Bericht", str(district.name))]
    if getattr(district, "kind", "own") == "official":
        rows.append(("Datenstand", str(district.meta.get("stand", ""))))
        for a in getattr(district, "attributions", []) or []:
            rows.append(("Quelle und Lizenz", f"{a['titel']}: {a['quellenvermerk']}. Lizenz: {a['lizenz']} "
                                               f"({a['lizenz_url']})"))
    else:
        meta = district.meta or {}
        rows.append(("Datenstand", str(meta.get("stand", ""))))
        rows.append(("Quelle", str(meta.get("source", ""))))
        if meta.get("licence"):
            rows.append(("Lizenz", f"{meta['licence']}" + (f" ({meta['licence_url']})" if meta.get("licence_url") else "")))
        if meta.get("note"):
            rows.append(("Hinweis", " ".join(str(meta["note"]).split())))
        from ..protected import layer as _layer

        rows.append(("Geheimhaltung", _layer.settings(district).footnote
                     + f" Gesperrte Werte stehen als „{SUPPRESSED}“."))
        rows.append(("Intervalle", "95-%-Konfidenzintervalle: Wilson für Anteile, exakt nach Poisson bzw. Byar für "
                                   "Raten; Mittelwerte ohne Intervall."))
    if p is not None:
        rows.append(("Vergleichskreise", f"Nächste statistische Nachbarn nach dem Nearest Neighbours Model der CIPFA "
                                         f"(standardisierte Merkmale, euklidischer Abstand), Auswahl unter {p.source}; "
                                         f"Merkmale: {', '.join(p.variables['label'])}."))
        for a in p.attribution:
            line = f"{a['titel']}: {a['quellenvermerk']}. Lizenz: {a['lizenz']} ({a['lizenz_url']})"
            if ("Quelle und Lizenz", line) not in rows:
                rows.append(("Quelle und Lizenz", line))
    return pd.DataFrame(rows, columns=["Angabe", "Inhalt"])


# --------------------------------------------------------------------------- writing
def _number_format(decimals: int) -> str:
    return "#,##0" if decimals <= 0 else "#,##0." + "0" * int(decimals)


def write_xlsx(sheet: Datenblatt, path) -> Path:
    """Write the workbook (one sheet per table, numbers as numbers) and its ``.kinds.json``."""
    import openpyxl  # openpyxl: loaded only for Excel files
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    path = Path(path)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in SHEETS:
        df = sheet.tables.get(name)
        if df is None:
            continue
        ws = wb.create_sheet(name)
        # the header is the first row (pandas and the audit read it so); the title is printed
        # in the page header and stands in the sheet "Quellen"
        ws.oddHeader.center.text = f"{sheet.title}: {name}"
        ws.oddFooter.right.text = "Seite &P von &N"
        ws.append(list(df.columns))
        for c in ws[1]:
            c.font = Font(bold=True)
            c.alignment = Alignment(wrap_text=True, vertical="top")
        dec = sheet.decimals.get(name, {})
        for i, row in enumerate(df.itertuples(index=False)):
            out = []
            for col, v in zip(df.columns, row):
                if v is None or (isinstance(v, float) and not np.isfinite(v)):
                    out.append("–" if sheet.kinds[name].get(col) != "text" else "")
                else:
                    out.append(v.item() if isinstance(v, np.generic) else v)
            ws.append(out)
            for j, (col, v) in enumerate(zip(df.columns, out), start=1):
                if isinstance(v, str) and v.startswith("="):  # text, never a formula ("= ähnlich", names)
                    ws.cell(row=i + 2, column=j).data_type = "s"
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    d = dec.get(col, 1)
                    ws.cell(row=i + 2, column=j).number_format = _number_format(d[i] if isinstance(d, list) else d)
        for n, line in enumerate(sheet.notes.get(name, [])):
            ws.cell(row=len(df) + 3 + n, column=1, value=line)
        for j, col in enumerate(df.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in df[col].head(50)])
            ws.column_dimensions[get_column_letter(j)].width = min(max(10, width + 2), 60)
        ws.freeze_panes = "A2"
    wb.save(path)
    kinds = {name: {str(k): v for k, v in sheet.kinds[name].items()} for name in SHEETS if name in sheet.tables}
    path.with_name(path.name + ".kinds.json").write_text(json.dumps(kinds, ensure_ascii=False, indent=1),
                                                         encoding="utf-8")
    return path


_CSS = """
body { font-family: "Source Sans Pro", "Helvetica Neue", Arial, sans-serif; color: #222; margin: 2em auto;
       max-width: 60em; line-height: 1.4; font-size: 10.5pt; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.4em; border-bottom: 1px solid #ccc; }
table.sa-table { border-collapse: collapse; width: 100%; margin: 0.5em 0; font-size: 0.92em; }
table.sa-table th, table.sa-table td { border-bottom: 1px solid #ddd; padding: 0.25em 0.4em; text-align: left;
       vertical-align: top; }
table.sa-table td.num, table.sa-table th.num { text-align: right; white-space: nowrap; }
table.sa-table caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
.sa-footnote { font-size: 0.85em; color: #555; } .sa-note { background: #f3f3f3; padding: 0.5em; }
@media print { body { margin: 0; max-width: none; font-size: 9pt; } h2 { page-break-after: avoid; }
       table.sa-table { page-break-inside: auto; } tr { page-break-inside: avoid; } }
"""


def _cell(v, unit: str, d: int) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return fmt.MISSING
    if isinstance(v, str):
        return v
    return fmt.pct(v, d) if unit == "%" else fmt.num(v, d)


def to_html(sheet: Datenblatt) -> str:
    """The same content as one printable HTML page in the book's style (German numbers, ``.``
    for suppressed values, every numeric column declaring its kind for the audit)."""
    from ..render.tables import table

    parts = [f"<h1>{_html.escape(sheet.title)}</h1>"]
    for name in SHEETS:
        df = sheet.tables.get(name)
        if df is None:
            continue
        dec = sheet.decimals.get(name, {})
        units = df["Einheit"].tolist() if "Einheit" in df.columns else [""] * len(df)
        shown = df.copy().astype(object)
        for col in df.columns:
            if col in dec:
                d = dec[col]
                shown[col] = [_cell(v, units[i], d[i] if isinstance(d, list) else d) for i, v in enumerate(df[col])]
            else:
                shown[col] = ["" if v is None or (isinstance(v, float) and not np.isfinite(v)) else str(v)
                              for v in df[col]]
        kinds = {}
        for col, k in sheet.kinds.get(name, {}).items():
            if k == "index" and col in dec:  # a value with unit % is a share; the audit reads its unit
                kinds[col] = ["share" if u == "%" else "index" for u in units]
            elif k == "interval":
                kinds[col] = "interval"
            else:
                kinds[col] = k
        lo, hi = "Untere Grenze (95 %)", "Obere Grenze (95 %)"
        if lo in shown.columns and hi in shown.columns:  # one interval column, as in the book
            both = [f"{a} – {b}" if a != fmt.MISSING and b != fmt.MISSING and a != SUPPRESSED else
                    (SUPPRESSED if a == SUPPRESSED else fmt.MISSING) for a, b in zip(shown[lo], shown[hi])]
            at = list(shown.columns).index(lo)
            shown = shown.drop(columns=[lo, hi])
            shown.insert(at, "95-%-Intervall", both)
            kinds = {k: v for k, v in kinds.items() if k not in (lo, hi)}
            kinds["95-%-Intervall"] = "interval"
        parts.append(f"<h2>{_html.escape(name)}</h2>")
        parts.append(table(shown, footnotes=sheet.notes.get(name), kinds=kinds,
                           align_right=[c for c in shown.columns if c in dec or c == "95-%-Intervall"]).data)
    return ("<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">"
            f"<title>{_html.escape(sheet.title)}</title><style>{_CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


def write(district, area, out=None, year: int | None = None) -> tuple[Path, Path]:
    """Build the data sheet of ``area`` and write ``out`` (``.xlsx``; default
    ``datenblatt_<key>.xlsx``) with its ``.kinds.json`` and the HTML page beside it (``.html``)."""
    sheet = build(district, area, year)
    out = Path(out) if out else Path(f"datenblatt_{sheet.area_id}.xlsx")
    if out.suffix.lower() != ".xlsx":
        out = out.with_suffix(".xlsx")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_xlsx(sheet, out)
    page = out.with_suffix(".html")
    page.write_text(to_html(sheet), encoding="utf-8")
    return out, page
