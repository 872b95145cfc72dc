"""Goals with key figures for Landkreis Musterland (``goals.yml`` and two custom Kennzahlen).

Eight fictional goals of the kinds ``goals.yml`` allows (``data/README.md``): indicators of the
catalog at the Kreis, a Stadt, an Einheitsgemeinde and a Sozialraum, targets above and below
the baseline, goals with a direction only, a goal whose indicator has too few values (the
Kommunalwahl, every five years), and two custom Kennzahlen (a share per municipality and a count
for the Kreis), whose values are drawn from their own seeded generator
(``numpy.random.default_rng([seed, 17])``), so that the rest of Musterland stays unchanged.
The targets were chosen so that the statuses of the assessment all occur.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["GOALS_FILE", "write_goals"]

GOALS_FILE = "goals.yml"
_STREAM = 17
_YEARS = range(2015, 2025)

_HEADER = """\
# Ziele mit Kennzahlen des Landkreises Musterland (fiktiv, erzeugt von
# sozialanalyse/demo/steering_goals.py). Aufbau: data/README.md, Abschnitt "goals.yml".
"""

_GOALS = """\
goals:
  - id: Z1
    title: Kinderarmut in Musterstadt senken
    indicator: kinderarmut
    area: "03499016"
    baseline_year: 2019
    target: 12.0
    deadline: 2030
    responsible: Fachbereich Jugend und Familie
    measures: [M-JU-03, M-JU-07]
    description: Weniger Kinder unter 15 Jahren in Bedarfsgemeinschaften nach dem SGB II.
  - id: Z2
    title: Mehr Frauen in sozialversicherungspflichtiger Beschäftigung
    indicator: frauenbeschaeftigtenquote
    area: "03499"
    baseline_year: 2019
    direction: increase
    deadline: 2030
    responsible: Stabsstelle Wirtschaftsförderung
    measures: [M-WI-01]
  - id: Z3
    title: Häusliche Pflege in Hohenfeld stärken
    indicator: anteil_haeusliche_pflege
    area: "03499013"
    baseline_year: 2019
    target: 85.0
    deadline: 2030
    responsible: Fachbereich Soziales, Pflegeplanung
    measures: [PF-05]
  - id: Z4
    title: Übergewicht bei der Einschulung in Bad Lindenau senken
    indicator: uebergewicht_einschulung
    area: "03499003"
    baseline_year: 2019
    target: 10.0
    deadline: 2030
    responsible: Gesundheitsamt, Kinder- und Jugendgesundheitsdienst
    measures: [M-GE-04]
  - id: Z5
    title: Wahlbeteiligung bei der Kommunalwahl in Brakenhagen erhöhen
    indicator: wahlbeteiligung_kommunal
    area: "03499007"
    baseline_year: 2016
    target: 65.0
    deadline: 2026
    responsible: Gemeinde Brakenhagen, Ratsbüro
  - id: Z6
    title: Mehr Betreuungsplätze für Kinder unter 3 Jahren im Kreis
    kennzahl:
      name: Versorgungsquote unter 3 Jahren (Plätze je 100 Kinder)
      file: kennzahl_betreuungsquote_u3.csv
      unit: "%"
      polarity: higher_is_better
      kind: share
      decimals: 1
    area: "03499"
    baseline_year: 2018
    target: 45.0
    deadline: 2027
    responsible: Fachbereich Jugend und Familie, Kita-Bedarfsplanung
    measures: [M-JU-01]
    description: Plätze in Kitas und Kindertagespflege je 100 Kinder unter 3 Jahren (Kita-Bedarfsplanung);
      nicht die Betreuungsquote der amtlichen Statistik, die die betreuten Kinder zählt.
  - id: Z7
    title: Mehr Beratungen in den Pflegestützpunkten
    kennzahl:
      name: Beratungen der Pflegestützpunkte
      file: kennzahl_pflegeberatungen.csv
      unit: Beratungen
      polarity: higher_is_better
      kind: count
    area: "03499"
    baseline_year: 2019
    direction: increase
    deadline: 2028
    responsible: Fachbereich Soziales, Pflegestützpunkte
    measures: [PF-01]
  - id: Z8
    title: Weniger allein lebende Ältere in der Altstadt Lindenau
    indicator: anteil_alleinlebende_65plus
    area: "03499003-02"
    baseline_year: 2019
    target: 30.0
    deadline: 2030
    responsible: Quartiersmanagement Altstadt Lindenau
    measures: [M-SE-02, M-SE-06]
"""


def _write(df: pd.DataFrame, path: Path, decimals: int) -> None:
    out = df.copy()
    out["value"] = out["value"].map(lambda v: f"{v:.{decimals}f}")
    out.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_goals(out_dir, areas: pd.DataFrame, seed: int) -> None:
    """Write ``goals.yml`` and the tables of its two custom Kennzahlen into ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        The Musterland data folder.
    areas : DataFrame
        The area tree (``area_id, name, kind, parent_id``): the Betreuungsquote is written for
        the Kreis and every Stadt, Einheitsgemeinde and Samtgemeinde.
    seed : int
        Musterland's seed; the stream of this module is ``[seed, 17]``.
    """
    out = Path(out_dir)
    rng = np.random.default_rng([seed, _STREAM])
    (out / GOALS_FILE).write_text(_HEADER + _GOALS, encoding="utf-8")
    munis = areas[areas["kind"].isin(["Landkreis", "Stadt", "Einheitsgemeinde", "Samtgemeinde"])]
    rows = []
    for area_id, kind in zip(munis["area_id"], munis["kind"]):
        start = 31.0 if kind == "Landkreis" else float(rng.uniform(22.0, 38.0))
        slope = 2.4 if kind == "Landkreis" else float(rng.uniform(1.2, 3.2))
        for y in _YEARS:
            v = start + slope * (y - 2015) + float(rng.normal(0.0, 0.6))
            rows.append({"area_id": area_id, "year": y, "value": min(v, 95.0)})
    _write(pd.DataFrame(rows), out / "kennzahl_betreuungsquote_u3.csv", 1)
    counts = [{"area_id": str(areas.loc[areas["kind"] == "Landkreis", "area_id"].iloc[0]), "year": y,
               "value": float(round(1480 * 1.045 ** (y - 2015) + rng.normal(0.0, 35.0)))} for y in _YEARS]
    _write(pd.DataFrame(counts), out / "kennzahl_pflegeberatungen.csv", 0)
