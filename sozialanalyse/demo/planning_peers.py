"""Musterland's KGSt fields and its synthetic comparison districts (issue #18).

Called by :func:`sozialanalyse.demo.musterland.generate` after the count tables are written; it
reads them back from the folder (so the other files stay byte-identical: this module has its
own random generator, ``np.random.default_rng([seed, STREAM])``) and writes three new files:

``income.csv``
    ``einkommensteuer_eur`` (sum in EUR), ``svb_vollzeit_wohnort``, ``niedrigverdiener``,
    ``sozialgeld_personen`` per base area and year.
``education.csv``
    ``kinder_kita_alter`` and ``kita_kinder`` by ``type`` (``unter3``, ``3bis5``),
    ``grundschulabgaenger``, ``uebergaenge_gymnasium``, ``schulabgaenger``,
    ``schulabgaenger_ohne_abschluss`` per base area and year.
``vergleichskreise.csv``
    :data:`N_PEERS` fictional comparison districts (keys ``99001`` ...; Land ``99`` does not
    exist) with the structural variables and key figures of the report year, in the long layout
    ``area_id, name, year, variable, value`` (``data/README.md``). Musterland's own row is not in
    the file: :mod:`sozialanalyse.planning.peers` computes it from Musterland's data.
``vergleichsgemeinden.csv``
    :data:`N_TOWNS` fictional comparison towns (keys ``99900001`` ...) in the same layout, for
    the town-level peers of Musterland's municipalities (which are compared among these and
    each other); drawn from the same factor model with a town's size and density, after the
    districts (so ``vergleichskreise.csv`` stays as it was).

The counts follow the age structure and the SGB II rate of each base area (a deprived area has
fewer children in Kita under 3, fewer transitions to the Gymnasium, more leavers without a
qualification, more low earners, less income tax). The comparison districts are drawn from three
latent factors (urbanity, deprivation, ageing) so that the variables correlate as in German
Landkreise; the centres are near Musterland's values so that it has real neighbours.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["N_PEERS", "N_TOWNS", "PEER_YEAR", "STREAM", "write"]

#: The constant of this module's random stream (``default_rng([seed, STREAM])``): issue number.
STREAM = 18
N_PEERS = 100
N_TOWNS = 200
PEER_YEAR = 2024

# obviously fictional names ("Landkreis Beispielheim"), so that no real Kreis is named
_NAMES_A = ("Muster", "Beispiel", "Modell", "Vorbild", "Entwurf", "Skizzen", "Schema", "Proben", "Vorlage", "Ideal",
            "Plan", "Typen", "Norm", "Raster", "Format", "Profil", "Abbild", "Spiegel", "Vergleich", "Zwilling")
_NAMES_B = ("au", "feld", "heim", "burg", "tal", "hagen", "dorf", "stedt", "berg", "hausen")


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype={"area_id": str}, keep_default_na=False)


def _wide(df: pd.DataFrame, variable: str, **filters) -> pd.DataFrame:
    sub = df[df["variable"] == variable]
    for col, allowed in filters.items():
        sub = sub[sub[col].isin(allowed)]
    return sub.assign(value=sub["value"].astype(float)).pivot_table(
        index="area_id", columns="year", values="value", aggfunc="sum")


def _long(values: dict[str, pd.DataFrame], types: dict[str, str] | None = None) -> pd.DataFrame:
    rows = []
    for var, w in values.items():
        name, typ = (var.split("|") + [""])[:2]
        t = w.stack().rename("value").reset_index().rename(columns={"level_1": "year"})
        t.columns = ["area_id", "year", "value"]
        t["variable"], t["type"] = name, typ
        rows.append(t)
    out = pd.concat(rows, ignore_index=True)
    order = {v.split("|")[0]: i for i, v in enumerate(values)}
    out["_v"] = out["variable"].map(order)
    out["_t"] = out["type"].map({"": 0, "unter3": 0, "3bis5": 1})
    out = out.sort_values(["area_id", "year", "_v", "_t"], kind="stable")
    out["value"] = out["value"].round().astype(np.int64).astype(str)
    out["year"] = out["year"].astype(int)
    return out


def _binom(rng, n: pd.DataFrame, p) -> pd.DataFrame:
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    return pd.DataFrame(rng.binomial(n.to_numpy().astype(np.int64), p), index=n.index, columns=n.columns)


def _counts(folder: Path, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    pop = _read(folder, "population.csv")
    tr = _read(folder, "transfers.csv")
    lab = _read(folder, "labour.csv")
    total = _wide(pop, "einwohner")
    band = {b: _wide(pop, "einwohner", age_group=[b]) for b in ("0-4", "5-9", "10-14", "15-19")}
    sgb2 = _wide(tr, "sgb2_personen").reindex_like(total)
    u15 = _wide(tr, "sgb2_personen_unter15").reindex_like(total)
    svb = _wide(lab, "svb_wohnort").reindex_like(total)
    rate = sgb2 / total
    z = (rate - rate.stack().mean()) / rate.stack().std()  # deprivation of the area, z-like
    urban = np.log(total / total.stack().median())
    # education: Kita by age (single years from the five-year bands), school transitions, leavers
    under3 = _binom(rng, band["0-4"], 0.6)
    three5 = (band["0-4"] - under3) + _binom(rng, band["5-9"], 0.2)
    kita_u3 = _binom(rng, under3, 0.34 - 0.06 * z + 0.04 * urban)
    kita_35 = _binom(rng, three5, 0.93 - 0.02 * z)
    gs = _binom(rng, band["5-9"], 0.2)
    gym = _binom(rng, gs, 0.44 - 0.09 * z + 0.03 * urban)
    leavers = _binom(rng, band["15-19"], 0.2)
    without = _binom(rng, leavers, 0.055 + 0.025 * z)
    education = {"kinder_kita_alter|unter3": under3, "kinder_kita_alter|3bis5": three5,
                 "kita_kinder|unter3": kita_u3, "kita_kinder|3bis5": kita_35,
                 "grundschulabgaenger": gs, "uebergaenge_gymnasium": gym,
                 "schulabgaenger": leavers, "schulabgaenger_ohne_abschluss": without}
    # income: full-time employees, low earners, Sozialgeld, income tax (Gemeindeanteil)
    vollzeit = _binom(rng, svb, 0.71)
    low = _binom(rng, vollzeit, 0.17 + 0.035 * z)
    sozialgeld = u15 + _binom(rng, sgb2 - u15, 0.035)
    years = np.array(total.columns, dtype=float)[None, :]
    per_head = (560.0 - 70.0 * z + 40.0 * urban) * (1.0 + 0.035 * (years - 2015))
    noise = rng.lognormal(0.0, 0.04, total.shape)
    tax = (total * np.clip(per_head, 250.0, None) * noise).round()
    income = {"einkommensteuer_eur": tax, "svb_vollzeit_wohnort": vollzeit, "niedrigverdiener": low,
              "sozialgeld_personen": sozialgeld}
    return _long(income).drop(columns=["type", "_v", "_t"]), _long(education).drop(columns=["_v", "_t"])


#: Comparison variables: centre (near Musterland), loadings on (urban, deprived, old), noise sd,
#: bounds and decimals. ``einwohner`` and density are drawn on the log scale.
_PEER_MODEL = {
    "einwohner": (np.log(150_000), (0.35, 0.0, -0.1), 0.35, (40_000, 700_000), 0),
    "einwohner_je_km2": (np.log(140), (0.7, 0.1, -0.15), 0.25, (35, 1_200), 1),
    "anteil_unter15": (13.8, (0.2, 0.3, -0.8), 0.35, (10.5, 17.5), 1),
    "anteil_65plus": (23.5, (-0.6, 0.1, 2.0), 0.6, (17.0, 31.0), 1),
    "anteil_80plus": (7.9, (-0.2, 0.05, 0.9), 0.3, (5.0, 11.0), 1),
    "anteil_nichtdeutsche": (9.0, (2.5, 1.5, -0.8), 1.2, (3.0, 22.0), 1),
    "beschaeftigtenquote": (63.0, (-0.8, -2.5, -0.8), 1.0, (52.0, 71.0), 1),
    "arbeitslosenquote": (4.1, (0.5, 1.2, 0.1), 0.35, (1.8, 9.5), 1),
    "sgb2_quote": (9.5, (1.5, 3.0, 0.0), 0.8, (3.0, 20.0), 1),
    "kinderarmut": (13.5, (2.0, 4.5, 0.0), 1.2, (4.0, 30.0), 1),
    "altersarmut": (3.6, (0.8, 0.9, -0.2), 0.35, (1.5, 8.0), 1),
    "einkommensteuer_je_einwohner": (720.0, (55.0, -85.0, -25.0), 30.0, (450.0, 1_100.0), 0),
    "niedrigverdiener_anteil": (17.5, (-1.8, 3.0, 0.8), 1.2, (9.0, 30.0), 1),
    "sozialgeldquote": (14.0, (2.0, 4.5, 0.0), 1.2, (4.0, 30.0), 1),
    "alg2_quote": (7.0, (1.0, 2.2, 0.0), 0.6, (2.0, 15.0), 1),
    "kita_quote_unter3": (33.0, (3.0, -2.0, -1.0), 3.0, (18.0, 55.0), 1),
    "kita_quote_3bis5": (92.5, (0.5, -1.2, 0.0), 1.2, (85.0, 98.5), 1),
    "uebergangsquote_gymnasium": (43.0, (4.0, -4.0, 0.0), 2.5, (28.0, 60.0), 1),
    "schulabgaenger_ohne_abschluss": (5.8, (0.4, 1.3, 0.1), 0.7, (2.5, 12.0), 1),
    "pflegequote": (5.7, (-0.3, 0.4, 0.9), 0.35, (3.5, 8.5), 1),
    "schwerbehindertenquote": (10.0, (0.2, 0.6, 1.0), 0.6, (7.0, 14.0), 1),
    "uebergewicht_einschulung": (11.5, (0.3, 1.5, 0.0), 1.0, (7.0, 17.0), 1),
    "sprachfoerderbedarf": (25.0, (3.0, 4.0, -0.5), 2.5, (12.0, 42.0), 1),
}


def _comparison_areas(rng: np.random.Generator, n: int, name, ids: list[str], model: dict,
                      spread: float = 1.0) -> pd.DataFrame:
    """``n`` fictional areas in the long layout (``area_id, name, year, variable, value``): three
    latent factors per area, then per variable of ``model`` centre + loadings x factors + noise
    (sd times ``spread``), exp() for size and density, clipped and rounded; ``name(rng)`` draws a
    name until ``n`` differ. The order of the draws is fixed (the files are seeded)."""
    f = rng.normal(0.0, 1.0, (n, 3))
    names, seen = [], set()
    while len(names) < n:
        drawn = name(rng)
        if drawn not in seen:
            seen.add(drawn)
            names.append(drawn)
    rows = []
    for var, (centre, load, sd, (lo, hi), dec) in model.items():
        x = centre + f @ np.array(load) + rng.normal(0.0, sd * spread, n)
        if var in ("einwohner", "einwohner_je_km2"):
            x = np.exp(x)
        x = np.clip(x, lo, hi).round(dec)
        rows.append(pd.DataFrame({"area_id": ids, "name": names, "year": PEER_YEAR, "variable": var, "value": x}))
    out = pd.concat(rows, ignore_index=True).sort_values(["area_id"], kind="stable")
    out["value"] = [str(int(v)) if float(v).is_integer() and v >= 1000 else f"{v:.1f}" for v in out["value"]]
    return out


def _peers(rng: np.random.Generator) -> pd.DataFrame:
    return _comparison_areas(rng, N_PEERS, lambda r: f"Landkreis {r.choice(_NAMES_A)}{r.choice(_NAMES_B)}",
                             [f"99{i:03d}" for i in range(1, N_PEERS + 1)], _PEER_MODEL)


#: A town's size and density (log scale: centre, factor loadings, sd, clip, decimals); the
#: other variables as for the districts.
_TOWN_SIZE = {
    "einwohner": (np.log(14_000), (0.6, 0.0, -0.1), 0.55, (2_500, 120_000), 0),
    "einwohner_je_km2": (np.log(180), (0.8, 0.1, -0.15), 0.45, (30, 2_500), 1),
}
_TOWN_KINDS = ("Stadt", "Gemeinde", "Samtgemeinde")


def _towns(rng: np.random.Generator) -> pd.DataFrame:
    return _comparison_areas(rng, N_TOWNS,
                             lambda r: f"{r.choice(_TOWN_KINDS)} {r.choice(_NAMES_A)}{r.choice(_NAMES_B)}",
                             [f"999{i:05d}" for i in range(1, N_TOWNS + 1)], {**_PEER_MODEL, **_TOWN_SIZE},
                             spread=1.5)  # towns spread more than districts


def write(folder, seed: int) -> None:
    """Write ``income.csv``, ``education.csv``, ``vergleichskreise.csv`` and ``vergleichsgemeinden.csv`` into ``folder`` (which
    holds the other tables of Musterland already), from the stream ``[seed, STREAM]``."""
    folder = Path(folder)
    rng = np.random.default_rng([seed, STREAM])
    income, education = _counts(folder, rng)
    income[["area_id", "year", "variable", "value"]].to_csv(folder / "income.csv", index=False,
                                                            lineterminator="\n", encoding="utf-8")
    education[["area_id", "year", "variable", "type", "value"]].to_csv(folder / "education.csv", index=False,
                                                                       lineterminator="\n", encoding="utf-8")
    _peers(rng).to_csv(folder / "vergleichskreise.csv", index=False, lineterminator="\n", encoding="utf-8")
    _towns(rng).to_csv(folder / "vergleichsgemeinden.csv", index=False, lineterminator="\n", encoding="utf-8")
