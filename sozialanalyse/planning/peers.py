"""Districts like ours: nearest statistical neighbours and the key figures against them (issue #18).

Floor: planning (above the protected layer, below the pages). Front door: ``sa.peers``.

Method
------
In the manner of CIPFA's *Nearest Neighbours Model* for English local authorities [1]_, as its
users describe it [2]_: a set of structural variables (size, density, age structure, employment,
income, deprivation) is **standardised over all comparison units** (mean 0, standard deviation
1), the **Euclidean distance** between the district and every other unit is computed over the
standardised variables, each variable's squared difference multiplied by its weight, and the
``k`` units with the smallest distance are its peers. CIPFA rebases the distances so that the
farthest unit has distance 1; :func:`nearest` reports both the distance and the rebased one.

.. math::

    z_{ij} = \\frac{x_{ij} - \\bar x_j}{s_j}, \\qquad
    d_i = \\sqrt{\\sum_j w_j\\,(z_{ij} - z_{tj})^2}, \\qquad
    d_i^{\\mathrm{rebased}} = d_i / \\max_l d_l

with :math:`s_j` the sample standard deviation (``ddof=1``, as R's ``scale()``) over all units
including the district :math:`t` itself, :math:`w_j` the weights (1 unless the config names
others). A unit's rank is the position of its distance (1 = nearest); ties keep the order of
the keys. Every choice is in the config's ``peers:`` block (:class:`~sozialanalyse.model.config.
PeerSettings`): ``k`` (default 10), ``variables``, ``weights``, ``missing`` (a unit without a
value of a variable: ``error`` stops with a message naming variable and units, ``exclude``
leaves the unit out and lists it), ``file``, ``scope``, ``key_figures``.

Comparison sets
---------------
* **Own data** (Musterland): a table of comparison districts, ``vergleichskreise.csv`` in the
  data folder (``data/README.md``: ``area_id, name, year, variable, value``; for Musterland a
  synthetic set from the generator). The district's own row is computed from its data, from
  published values of the protected layer only (Kreis level): Einwohner, Einwohner je km²
  (boundaries), and every catalog indicator among the variables.
* **Official data** (Harburg): every German Landkreis (``scope: bund``; ``land``: the Land's
  only) from the mirror: BKG VG250-EW 2022 (Einwohner, area), INKAR 2019 at Kreis level
  (Beschäftigtenquote, Arbeitslose je 100 Einwohner 15–64, Haushaltseinkommen, Bruttoverdienst,
  Schuldnerquote, Schulabgänger ohne Abschluss / mit Hochschulreife) and GISD 2022 (Bund). The
  mirror has no age structure of all Kreise for 2019 (INKAR's Kreis files give the
  population aged 15–64, but no total of the same year): the default variables name none.

Key figures against the peers
-----------------------------
:func:`compare`: for every key figure, the district's published value with its 95 % interval,
the peers' median, minimum and maximum (over the peers with a value), the rank of the district
among itself and its peers (1 = the most favourable value by the indicator's polarity, 1 = the
highest where it has none) and a marking in the style of Fingertips [3]_:
the value is *higher* than the peer median when its interval's lower bound lies above the
median, *lower* when the upper bound lies below it, *similar* otherwise; with the indicator's
polarity higher/lower become *besser*/*schlechter*, without one they stay *höher*/*niedriger*
(drawn in blue). A value without interval (official data) is *nicht bewertet*; a suppressed one
*gesperrt*.

References
----------
.. [1] CIPFA, Nearest Neighbours Model (England), https://www.cipfa.org/services/cipfastats/nearest-neighbour-model
.. [2] Hartlepool Borough Council, JSNA "Statistical Neighbours": "a selection of variables is
   standardised (with a mean value of zero and a standard deviation of one) and the Euclidian
   distance between all possible pairs of local authorities is calculated ... 'rebased' (by
   assigning a distance of 1 to the farthest neighbour)",
   https://www.hartlepool.gov.uk/info/20015/social_care_and_health/946/jsna_living_well/4
.. [3] Public Health England / OHID, Fingertips technical guidance: benchmarking against a
   goal or a comparator by the confidence interval of the area's value.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..io import official as _official
from ..model.config import PeerSettings
from ..model.errors import DataError
from ..stats import benchmark
from ..stats import indicators as _indicators

__all__ = ["DEFAULT_KEY_FIGURES", "DEFAULT_VARIABLES", "PEER_FILE", "TOWN_FILE", "VERDICTS", "Peers", "compare", "of",
           "of_town", "spine", "distances", "nearest", "official_values", "pairwise", "rank_order", "read_comparison", "select",
           "select_town", "standardise"]

#: The table of comparison districts in a data folder of the own format.
PEER_FILE = "vergleichskreise.csv"
PEER_COLUMNS = ("area_id", "name", "year", "variable", "value")

#: The structural variables of the distance, by data source (size, density, age structure,
#: employment, income, deprivation).
DEFAULT_VARIABLES = {
    "own": ("einwohner", "einwohner_je_km2", "anteil_unter15", "anteil_65plus", "beschaeftigtenquote",
            "einkommensteuer_je_einwohner", "sgb2_quote"),
    "official": ("einwohner", "einwohner_je_km2", "beschaeftigtenquote", "arbeitslosenanteil",
                 "haushaltseinkommen", "bruttoverdienst", "gisd_bund"),
}
#: The key figures compared with the peers, by data source.
DEFAULT_KEY_FIGURES = {
    "own": ("sgb2_quote", "alg2_quote", "sozialgeldquote", "kinderarmut", "altersarmut", "arbeitslosenquote",
            "beschaeftigtenquote", "niedrigverdiener_anteil", "einkommensteuer_je_einwohner",
            "kita_quote_unter3", "kita_quote_3bis5", "uebergangsquote_gymnasium",
            "schulabgaenger_ohne_abschluss", "sprachfoerderbedarf", "uebergewicht_einschulung", "pflegequote",
            "schwerbehindertenquote"),
    "official": ("arbeitslosenanteil", "beschaeftigtenquote", "haushaltseinkommen", "bruttoverdienst",
                 "schuldnerquote", "schulabgaenger_ohne_abschluss", "schulabgaenger_hochschulreife", "gisd_bund"),
}
#: Variables that are not indicators of the catalog: label, unit, decimals, polarity.
EXTRA_VARIABLES = {
    "einwohner": ("Einwohner", "Personen", 0, "neutral"),
    "einwohner_je_km2": ("Einwohner je km²", "Einw./km²", 0, "neutral"),
    "arbeitslosenanteil": ("Arbeitslose je 100 Einwohner von 15 bis 64 Jahren", "%", 1, "higher_is_worse"),
    "beschaeftigtenquote": ("Beschäftigtenquote", "%", 1, "higher_is_better"),
    "haushaltseinkommen": ("Verfügbares Haushaltseinkommen je Einwohner und Monat", "EUR", 0, "higher_is_better"),
    "bruttoverdienst": ("Bruttoverdienst je Beschäftigten und Monat", "EUR", 0, "higher_is_better"),
    "schuldnerquote": ("Schuldnerquote (überschuldete Personen je 100 Einwohner ab 18 Jahren)", "%", 1,
                       "higher_is_worse"),
    "schulabgaenger_ohne_abschluss": ("Schulabgänger ohne Abschluss", "%", 1, "higher_is_worse"),
    "schulabgaenger_hochschulreife": ("Schulabgänger mit allgemeiner Hochschulreife", "%", 1, "neutral"),
    "gisd_bund": ("GISD-Score (Deprivationsindex, bundesweit skaliert)", "", 3, "higher_is_worse"),
}
#: The marking of a key figure: word, symbol, colour, chart marker. The symbols are those of every
#: other page (:func:`sozialanalyse.pages.common.compare_marker`: ▲ better, ▼ worse, ● similar, ◆
#: without polarity, ○ not tested), the colours the colour-blind-safe ones of
#: :mod:`sozialanalyse.render.figstyle` (Okabe–Ito blue / vermillion, grey, purple): shape and word
#: carry the meaning, the colour repeats it (issue #16).
VERDICTS = {
    "besser": ("besser", "▲", "#0072B2", "^"),
    "ähnlich": ("ähnlich", "●", "#BDBDBD", "o"),
    "schlechter": ("schlechter", "▼", "#D55E00", "v"),
    "höher": ("höher", "◆", "#CC79A7", "D"),
    "niedriger": ("niedriger", "◆", "#CC79A7", "D"),
    "nicht bewertet": ("nicht bewertet", "○", "#FFFFFF", "o"),
    "gesperrt": ("gesperrt", "·", "#FFFFFF", "o"),
    "fehlt": ("fehlt", "·", "#FFFFFF", "o"),
}

# mirror files of the official comparison set (relative to the mirror folder; ``data fetch``
# fetches them with the report's other files, :func:`sozialanalyse.io.official.mirror_files`)
F_KRS = _official.F_VG250_KRS
F_INKAR = _official.F_PEERS_INKAR
F_GISD = _official.F_GISD22_BUND
#: Every mirror file the official comparison set reads (``data fetch`` fetches them).
MIRROR_FILES = (F_KRS, *F_INKAR.values(), F_GISD)
#: Kinds of the BKG ``BEZ`` that are Landkreise (``Kreis`` in Schleswig-Holstein and NRW).
LANDKREIS_KINDS = ("Landkreis", "Kreis")


# --------------------------------------------------------------------------- the method
def standardise(values: pd.DataFrame, ddof: int = 1) -> pd.DataFrame:
    """z-scores of every column over all rows: ``(x - mean) / sd`` (sample sd, ``ddof=1``).

    A column without spread (every unit the same value) has no information about similarity:
    its z-scores are 0.

    Examples
    --------
    >>> standardise(pd.DataFrame({"a": [1.0, 2.0, 3.0]}, index=["x", "y", "z"]))["a"].tolist()
    [-1.0, 0.0, 1.0]
    """
    x = values.astype(float)
    sd = x.std(ddof=ddof)
    return ((x - x.mean()) / sd.where(sd > 0)).fillna(0.0)


def _weights(columns, weights) -> np.ndarray:
    w = dict(weights or {})
    return np.array([float(w.get(c, 1.0)) for c in columns])


def distances(z: pd.DataFrame, target: str, weights=None) -> pd.Series:
    """Weighted Euclidean distance of every row of ``z`` from the row ``target``:
    ``sqrt(sum_j w_j (z_ij - z_tj)^2)``.

    Examples
    --------
    >>> z = pd.DataFrame({"a": [0.0, 3.0], "b": [0.0, 4.0]}, index=["t", "u"])
    >>> distances(z, "t").tolist(), distances(z, "t", {"a": 4})["u"].round(4)
    ([0.0, 5.0], np.float64(7.2111))
    """
    w = _weights(z.columns, weights)
    diff = z.to_numpy(dtype=float) - z.loc[target].to_numpy(dtype=float)
    return pd.Series(np.sqrt((diff * diff) @ w), index=z.index, name="distance")


def pairwise(values: pd.DataFrame, weights=None) -> np.ndarray:
    """The matrix of weighted Euclidean distances between all pairs of units (z-scores over all
    units): every unit's peers at once, vectorised (``||a-b||² = |a|² + |b|² - 2ab``).

    Examples
    --------
    >>> pairwise(pd.DataFrame({"a": [1.0, 2.0, 3.0]})).round(3).tolist()
    [[0.0, 1.0, 2.0], [1.0, 0.0, 1.0], [2.0, 1.0, 0.0]]
    """
    z = standardise(values).to_numpy(dtype=float)
    zw = z * np.sqrt(_weights(values.columns, weights))
    sq = (zw * zw).sum(axis=1)
    d2 = sq[:, None] + sq[None, :] - 2.0 * zw @ zw.T
    np.fill_diagonal(d2, 0.0)
    return np.sqrt(np.clip(d2, 0.0, None))


def nearest(values: pd.DataFrame, target: str, k: int = 10, weights=None) -> pd.DataFrame:
    """The ``k`` nearest statistical neighbours of ``target`` among the rows of ``values``.

    Parameters
    ----------
    values : DataFrame
        One row per unit (index: key), one column per structural variable; no missing values.
    target : str
        The key of the district whose peers are sought (a row of ``values``).
    k : int
        How many peers.
    weights : mapping, optional
        Weight per variable (default 1).

    Returns
    -------
    DataFrame
        ``area_id, distance, rebased, rank``: the ``k`` nearest units, nearest first;
        ``rebased`` = distance / the largest distance of any unit from ``target``.

    Notes
    -----
    CIPFA's Nearest Neighbours Model, see the module docstring: z-scores over all units
    (:func:`standardise`), weighted Euclidean distance (:func:`distances`).

    Examples
    --------
    >>> v = pd.DataFrame({"a": [1.0, 2.0, 4.0, 8.0]}, index=["t", "u", "v", "w"])
    >>> nearest(v, "t", k=2)["area_id"].tolist()
    ['u', 'v']
    """
    if target not in values.index:
        raise KeyError(f"nearest(): target {target!r} is not a row of the values")
    if values.isna().any().any():
        raise ValueError("nearest(): missing values (use read_comparison/select, which name them)")
    d = distances(standardise(values), target, weights).drop(index=target)
    order = np.lexsort((d.index.to_numpy(dtype=str), d.to_numpy()))
    d = d.iloc[order]
    far = float(d.max()) if len(d) else np.nan
    out = pd.DataFrame({"area_id": d.index.astype(str), "distance": d.to_numpy(),
                        "rebased": d.to_numpy() / far if far > 0 else 0.0})
    out["rank"] = np.arange(1, len(out) + 1)
    return out.head(int(k)).reset_index(drop=True)


# --------------------------------------------------------------------------- the comparison set
@dataclass
class Peers:
    """The peers of a district: the neighbours, the variables, the values and what was left out."""

    target: str
    target_name: str
    year: int
    source: str  # German, dative: "unter <source>" (where the comparison units come from)
    kind: str  # "own" or "official"
    settings: PeerSettings
    neighbours: pd.DataFrame  # area_id, name, distance, rebased, rank
    variables: pd.DataFrame  # variable, label, unit, decimals, weight, mean, sd, target
    values: pd.DataFrame  # every unit (index area_id): name + every variable (structural and key figures)
    excluded: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["area_id", "name", "missing"]))
    problems: list = field(default_factory=list)  # German: rows of the comparison file left out (lenient)
    attribution: list = field(default_factory=list)  # German: source lines the licences require
    notes: list = field(default_factory=list)  # German: what the comparison set lacks or mixes

    @property
    def ids(self) -> list[str]:
        """The keys of the peers, nearest first."""
        return self.neighbours["area_id"].tolist()

    def __repr__(self) -> str:
        return (f"Peers({self.target} {self.target_name!r}, k={len(self.neighbours)} of {len(self.values) - 1} "
                f"units, variables={list(self.variables['variable'])})")


def describe(variable: str, catalog: dict | None = None) -> tuple[str, str, int, str]:
    """Label, unit, decimals and polarity of a variable (the catalog's, else :data:`EXTRA_VARIABLES`)."""
    if variable in EXTRA_VARIABLES:
        return EXTRA_VARIABLES[variable]
    cat = catalog if catalog is not None else _indicators.load_catalog()
    if variable in cat:
        e = cat[variable]
        unit = str(e.get("unit") or "")
        return str(e["name"]), unit, 0 if unit.startswith("EUR") else 1, str(e.get("polarity") or "neutral")
    return variable, "", 1, "neutral"


def read_comparison(path, validation: str = "strict", exclude=None, towns: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Read a table of comparison districts (``vergleichskreise.csv``: ``area_id, name, year,
    variable, value``; one row per district, year and variable).

    Returns the wide table (index ``area_id``; ``name``, ``year`` and one column per variable, the
    latest year of each district and variable) and the problems of the rows left out (lenient).
    Every problem names file, row, column, key and value; with ``validation="strict"`` the first
    ones raise :class:`DataError`. ``exclude``: a key that must not be in the file (the district
    itself, whose row is computed from its data; or several keys). ``towns``: a table of
    comparison towns (:data:`TOWN_FILE`), whose keys have 8 to 12 digits (AGS or ARS).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file missing (the comparison districts, {PEER_FILE}; data/README.md)")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in PEER_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"{path.name}: column {missing[0]} missing (expected {', '.join(PEER_COLUMNS)})")
    problems = []
    ok = pd.Series(True, index=raw.index)

    def flag(mask, column, why):
        for i in raw.index[mask & ok]:
            problems.append(f"{path.name}: row {i + 2}, column {column}, key {raw.at[i, 'area_id'] or '(leer)'}, "
                            f"variable {raw.at[i, 'variable'] or '(leer)'}, value {raw.at[i, column]!r}: {why}")
        ok[mask] = False

    if towns:
        flag(~raw["area_id"].str.fullmatch(r"[0-9]{8,12}"), "area_id", "not a municipality key (8 to 12 digits, AGS or ARS)")
    else:
        flag(~raw["area_id"].str.fullmatch(r"[0-9]{5}"), "area_id", "not a Kreis key (five digits)")
    flag(raw["name"].str.strip() == "", "name", "name missing")
    flag(raw["variable"].str.strip() == "", "variable", "variable missing")
    year = pd.to_numeric(raw["year"].where(raw["year"].str.fullmatch(r"[0-9]{4}"), None), errors="coerce")
    flag(year.isna(), "year", "not a year")
    plain = raw["value"].str.fullmatch(r"-?[0-9]+(?:\.[0-9]+)?")
    value = pd.to_numeric(raw["value"].where(plain, None), errors="coerce")
    flag(raw["value"].str.strip() == "", "value", "value missing (leave the row out instead of writing nothing)")
    flag(~plain, "value", "not a number (decimal point '.', no thousands separator)")
    if exclude is not None and len(exclude):
        keys = {exclude} if isinstance(exclude, str) else set(exclude)
        flag(raw["area_id"].isin(keys), "area_id", "an area of the district itself (its values are computed from its data)")
    dup = raw.duplicated(["area_id", "year", "variable"], keep="first")
    flag(dup, "variable", "given twice for this district and year")
    names = raw[ok].groupby("area_id")["name"].nunique()
    for key in names[names > 1].index:
        flag(raw["area_id"] == key, "name", "the same key with different names")
    if problems and validation == "strict":
        more = f"\n... and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise DataError(f"{path.name}: {len(problems)} problem(s) in the comparison districts:\n"
                        + "\n".join(problems[:10]) + more)
    t = raw[ok].assign(year=year[ok].astype(int), value=value[ok])
    t = t.sort_values("year").groupby(["area_id", "variable"], as_index=False).last()
    wide = t.pivot(index="area_id", columns="variable", values="value")
    wide.columns.name = None
    meta = t.groupby("area_id").agg(name=("name", "first"), year=("year", "max"))
    return meta.join(wide), problems


def _own_row(district, variables, year: int) -> dict:
    """The district's own values (Kreis, published values of the protected layer)."""
    kreis = str(district.kreis["area_id"])
    return _own_rows(district, variables, year, "kreis", [kreis])[kreis]


def _own_rows(district, variables, year: int, level: str, area_ids) -> dict:
    """Published values (value, lower, upper, status) of ``variables`` for ``area_ids`` at ``level``."""
    from ..protected import layer as _layer

    L = _layer.of(district)
    ids_ = [str(a) for a in area_ids]
    out: dict = {a: {} for a in ids_}
    cat = _indicators.load_catalog(_indicators.district_catalog(district))
    ids = list(dict.fromkeys(v for v in variables if v in cat))
    if ids:
        res = L.indicators(ids, level=level, years=[year])
        for row in res[res["area_id"].astype(str).isin(ids_)].itertuples():
            out[str(row.area_id)][row.indicator] = (row.value, row.lower, row.upper, row.status)
    if {"einwohner", "einwohner_je_km2"} & set(variables):
        pop = L.counts({"variable": "einwohner"}, area_ids=ids_, years=[year]).set_index("area_id")
        try:
            geo = district.geometry
            km2 = geo.set_index("area_id").area / 1e6
        except DataError:
            km2 = pd.Series(dtype=float)
        for a in ids_:
            n = float(pop.at[a, "value"]) if a in pop.index else np.nan
            status = str(pop.at[a, "status"]) if a in pop.index else ""
            k = float(km2.get(a, np.nan))
            out[a]["einwohner"] = (n, np.nan, np.nan, status)
            out[a]["einwohner_je_km2"] = (n / k if k > 0 else np.nan, np.nan, np.nan, status)
    return out


def official_values(mirror, year: int = 2019) -> pd.DataFrame:
    """Every German Kreis from the mirror: ``name``, ``kind``, ``land`` and the variables of the
    official comparison set (index: 5-digit key). INKAR and GISD of ``year``; Einwohner and area
    of VG250-EW 31.12.2022 (the mirror's only Kreis population of all Germany)."""
    from ..io.bkg import read_bkg
    from ..io.gisd import read_gisd
    from ..io.inkar import read_inkar

    m = Path(mirror)
    krs = read_bkg(m / F_KRS, geometry=False)
    krs = krs.drop_duplicates("ags").set_index("ags")
    out = pd.DataFrame({"name": krs["name"], "kind": krs["kind"], "land": krs.index.str[:2],
                        "einwohner": krs["inhabitants"].astype(float)})
    out["einwohner_je_km2"] = out["einwohner"] / krs["area_km2"].astype(float)
    for var, rel in F_INKAR.items():
        t = read_inkar(m / rel)
        t = t[(t["area_level"] == "kreis") & (t["year"] == year)]
        out[var] = t.set_index("area_id")["value"].reindex(out.index)
    out["arbeitslosenanteil"] = out.pop("arbeitslose") / out.pop("erwerbsfaehige") * 100
    g = read_gisd(m / F_GISD)
    g = g[g["year"] == year].drop_duplicates("area_id").set_index("area_id")
    out["gisd_bund"] = g["gisd_score"].reindex(out.index)
    out.index.name = "area_id"
    return out


def _check_missing(values: pd.DataFrame, variables, target: str, missing: str, where: str):
    """Units without a value of a variable: DataError naming them, or left out (``exclude``)."""
    gaps = values[list(variables)].isna()
    if gaps.loc[target].any():
        lacking = [v for v in variables if gaps.at[target, v]]
        raise DataError(f"{where}: the district {target} itself has no value of the peer variable(s) "
                        f"{', '.join(lacking)} (suppressed or not in its data); choose other variables "
                        f"(peers: variables)")
    bad = gaps.any(axis=1)
    excluded = pd.DataFrame({"area_id": values.index[bad], "name": values.loc[bad, "name"].to_numpy(),
                             "missing": [", ".join(v for v in variables if gaps.at[a, v]) for a in values.index[bad]]})
    if bad.any() and missing == "error":
        lines = [f"{r.area_id} {r.name}: {r.missing}" for r in excluded.head(10).itertuples()]
        more = f"\n... and {len(excluded) - 10} more" if len(excluded) > 10 else ""
        raise DataError(f"{where}: {len(excluded)} comparison district(s) without a value of a peer variable:\n"
                        + "\n".join(lines) + more
                        + "\nComplete them, choose other variables (peers: variables) or leave those districts "
                          "out (peers: missing: exclude).")
    return values[~bad], excluded


def _neighbours(usable: pd.DataFrame, variables, target: str, settings: PeerSettings, cat) -> tuple:
    """The ``k`` nearest of ``target`` among the ``usable`` units (:func:`nearest`, with their
    names) and the table of the structural variables (label, unit, decimals, weight, mean and
    standard deviation over all units, the target's value and z): what :func:`select` and
    :func:`select_town` both publish."""
    x = usable[list(variables)].astype(float)
    near = nearest(x, target, k=settings.k, weights=dict(settings.weights))
    near.insert(1, "name", usable.loc[near["area_id"], "name"].to_numpy())
    z = standardise(x)
    rows = []
    for v in variables:
        label, unit, dec, _ = describe(v, cat)
        rows.append({"variable": v, "label": label, "unit": unit, "decimals": dec, "weight": settings.weight(v),
                     "mean": float(x[v].mean()), "sd": float(x[v].std(ddof=1)), "target": float(x.at[target, v]),
                     "z": float(z.at[target, v])})
    return near, pd.DataFrame(rows)


def select(district, year: int | None = None) -> Peers:
    """The peers of ``district`` (own data: the comparison table of its folder; official data:
    every German Landkreis from the mirror), with every setting from its config's ``peers:``.

    Raises :class:`DataError` naming the file, the variable and the units when a variable is
    unknown or missing for some units (unless ``peers: missing: exclude``).
    """
    cfg = district.config
    settings = cfg.peers if cfg is not None else PeerSettings()
    kind = "official" if getattr(district, "kind", "own") == "official" else "own"
    variables = tuple(settings.variables or DEFAULT_VARIABLES[kind])
    key_figures = tuple(settings.key_figures or DEFAULT_KEY_FIGURES[kind])
    cat = _indicators.load_catalog(_indicators.district_catalog(district))
    target = str(district.kreis["area_id"])
    target_name = str(district.kreis["name"])
    problems: list = []
    attribution: list = []
    notes: list = []
    if kind == "own":
        from ..model.areas import report_year

        year = report_year(district, year)
        path = settings.file or Path(district.folder) / PEER_FILE
        where = Path(path).name
        table, problems = read_comparison(path, cfg.validation if cfg is not None else "strict", exclude=target)
        own = _own_row(district, [*variables, *key_figures], year)
        row = {v: own[v][0] for v in own}
        values = pd.concat([pd.DataFrame([{"name": target_name, "year": year, **row}], index=[target]), table])
        values.index.name = "area_id"
        intervals = {v: own[v][1:] for v in own}
        source = (f"{len(table)} Vergleichskreisen der Datei {where}"
                  + (" (erfundene Vergleichskreise des Beispiel-Landkreises)" if district.synthetic else ""))
    else:
        year = int(year or 2019)
        where = "official comparison set (mirror)"
        values = official_values(district.mirror, year)
        land = target[:2]
        scope = values["kind"].isin(LANDKREIS_KINDS) | (values.index == target)
        if settings.scope == "land":
            scope &= values["land"] == land
        values = values[scope]
        intervals = {}
        source = (f"{int(scope.sum()) - 1} Landkreisen {'Deutschlands' if settings.scope == 'bund' else 'des Landes'}"
                  f" (INKAR {year}, GISD 2022, BKG VG250-EW 2022)")
        attribution = [a for a in getattr(district, "attributions", []) or []
                       if any(w in a.get("titel", "") for w in ("INKAR", "VG250", "GISD"))
                       and "2025" not in a.get("titel", "")]  # GISD 2025 is not read here
        if target not in values.index:
            raise DataError(f"{where}: the Kreis {target} is not in the comparison set")
        notes = [f"Einwohner und Fläche: Stand 31.12.2022 (BKG VG250-EW), die übrigen Merkmale {year} "
                 "(INKAR, GISD): der Datenspiegel enthält keine Einwohnerzahl aller Kreise für "
                 f"{year}.", "Die Altersstruktur fehlt unter den Merkmalen: INKAR liefert im Datenspiegel für "
                 "die Kreise nur die Einwohner von 15 bis 64 Jahren, keine Gesamtzahl desselben Jahres."]
    unknown = [v for v in variables if v not in values.columns]
    if unknown:
        close = difflib.get_close_matches(unknown[0], [c for c in values.columns if c not in ("name", "year")], n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise DataError(f"{where}: peer variable {unknown[0]!r} is not in the comparison set{hint}; "
                        f"variables there: {', '.join(c for c in values.columns if c not in ('name', 'year', 'kind', 'land'))}")
    usable, excluded = _check_missing(values, variables, target, settings.missing, where)
    near, described = _neighbours(usable, variables, target, settings, cat)
    p = Peers(target=target, target_name=target_name, year=int(year), source=source, kind=kind, settings=settings,
              neighbours=near, variables=described, values=values, excluded=excluded, problems=problems,
              attribution=attribution, notes=notes)
    p.key_figures = key_figures
    p.intervals = intervals
    p.catalog = cat
    return p


#: The table of comparison towns in a data folder of the own format (same layout as :data:`PEER_FILE`).
TOWN_FILE = "vergleichsgemeinden.csv"


def select_town(district, area_id: str, year: int | None = None) -> Peers:
    """The peers of one town (a municipality: Stadt, Einheits- or Samtgemeinde) of ``district``.

    The comparison units are the district's other municipalities (their published values,
    computed from its data at Gemeindeverband level) and the towns of ``vergleichsgemeinden.csv``
    in the data folder (:data:`TOWN_FILE`, layout as ``vergleichskreise.csv``); the method, the
    variables, ``k`` and the handling of missing values are those of :func:`select`.

    Raises
    ------
    DataError
        Official data (the town-level comparison set is not in the data mirror's reach: see
        ``data/README.md``), an area that is not a municipality, or a missing variable.
    FileNotFoundError
        Without ``vergleichsgemeinden.csv``.
    """
    from ..model.areas import report_year

    if getattr(district, "kind", "own") != "own":
        raise DataError("town-level peers need a table of comparison towns (vergleichsgemeinden.csv) of the "
                        "own format; the official data read here have none")
    cfg = district.config
    settings = cfg.peers if cfg is not None else PeerSettings()
    variables = tuple(settings.variables or DEFAULT_VARIABLES["own"])
    key_figures = tuple(settings.key_figures or DEFAULT_KEY_FIGURES["own"])
    year = report_year(district, year)
    munis = district.municipalities()[["area_id", "name"]].astype(str)
    area_id = str(area_id)
    if area_id not in set(munis["area_id"]):
        raise DataError(f"{area_id!r} is not a municipality of {district.name} (town-level peers are for "
                        f"municipalities: {', '.join(munis['area_id'])})")
    path = Path(district.folder) / TOWN_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no table of comparison towns")
    table, problems = read_comparison(path, cfg.validation if cfg is not None else "strict",
                                      exclude=munis["area_id"].tolist(), towns=True)
    cache = district.__dict__.setdefault("_planning_town_rows", {})
    if year not in cache:  # every municipality's published values, once per year
        cache[year] = _own_rows(district, [*variables, *key_figures], year, "gemeindeverband", munis["area_id"])
    own = cache[year]
    rows = pd.DataFrame([{"name": n, "year": year, **{v: t[0] for v, t in own[a].items()}}
                         for a, n in zip(munis["area_id"], munis["name"])], index=munis["area_id"].tolist())
    values = pd.concat([rows, table])
    values.index.name = "area_id"
    cat = _indicators.load_catalog(_indicators.district_catalog(district))
    where = path.name
    # the district's other municipalities without a published value of a peer variable (suppressed
    # for disclosure, routine in small towns, or absent) are left out and named, whatever
    # ``peers: missing`` says: that setting is about the comparison table, not the report's own data
    others = [a for a in munis["area_id"] if a != area_id]
    gaps = values.loc[others, list(variables)].isna()
    own_out = gaps.index[gaps.any(axis=1)]
    left_out = pd.DataFrame({"area_id": list(own_out), "name": values.loc[own_out, "name"].to_numpy(),
                             "missing": [", ".join(v for v in variables if gaps.at[a, v]) for a in own_out]})
    values = values.drop(index=own_out)
    usable, excluded = _check_missing(values, variables, area_id, settings.missing, where)
    if len(left_out):
        excluded = pd.concat([left_out, excluded], ignore_index=True)
    near, described = _neighbours(usable, variables, area_id, settings, cat)
    source = (f"{len(munis) - 1} weiteren Städten und Gemeinden des Kreises und {len(table)} Vergleichsgemeinden "
              f"der Datei {where}" + (" (erfundene Vergleichsgemeinden)" if district.synthetic else ""))
    p = Peers(target=area_id, target_name=str(munis.set_index("area_id").at[area_id, "name"]), year=int(year),
              source=source, kind="own", settings=settings, neighbours=near, variables=described,
              values=values, excluded=excluded, problems=problems)
    p.key_figures = key_figures
    p.intervals = {v: t[1:] for v, t in own[area_id].items()}
    p.catalog = cat
    return p


def of_town(district, area_id: str, year: int | None = None) -> Peers:
    """:func:`select_town` computed once per district, town and year."""
    cache = district.__dict__.setdefault("_planning_town_peers", {})
    key = (str(area_id), int(year or 0))
    if key not in cache:
        cache[key] = select_town(district, area_id, year or None)
    return cache[key]


# --------------------------------------------------------------------------- key figures
def _compare(value, lower, upper, reference, polarity: str, status: str = "") -> str:
    """Fingertips-style marking of ``value`` (with its interval) against ``reference``, in
    German (:func:`sozialanalyse.stats.benchmark.compare`, the same test as the markers of the
    profiles).

    >>> _compare(12.0, 11.0, 13.0, 10.0, "higher_is_worse"), _compare(12.0, 9.0, 13.0, 10.0, "higher_is_worse")
    ('schlechter', 'ähnlich')
    >>> _compare(8.0, 7.0, 9.0, 10.0, "higher_is_worse"), _compare(8.0, 7.0, 9.0, 10.0, "neutral")
    ('besser', 'niedriger')
    >>> _compare(8.0, float("nan"), float("nan"), 10.0, "neutral"), _compare(float("nan"), 1, 2, 10.0, "neutral", "primary")
    ('nicht bewertet', 'gesperrt')
    """
    if status:
        return "gesperrt"
    if value is None or not np.isfinite(value) or reference is None or not np.isfinite(reference):
        return "fehlt"
    if lower is None or upper is None or not (np.isfinite(lower) and np.isfinite(upper)):
        return "nicht bewertet"
    code = str(benchmark.compare(value, lower, upper, reference, polarity)[0])
    return _WORDS[code]


#: German words of :func:`sozialanalyse.stats.benchmark.compare`'s markers.
_WORDS = {"better": "besser", "worse": "schlechter", "higher": "höher", "lower": "niedriger",
          "similar": "ähnlich", "not_compared": "nicht bewertet"}


def compare(peers: Peers, ids=None) -> pd.DataFrame:
    """Every key figure of the district against its peers.

    Returns
    -------
    DataFrame
        ``indicator, label, unit, decimals, polarity, value, lower, upper, status, median, minimum,
        maximum, n_peers, rank, n_ranked, rank_order, verdict`` (one row per key figure;
        ``rank``: position of the district's value among itself and the peers with a value, by
        the indicator's polarity: 1 = the most favourable value, ``rank_order`` "günstigster",
        where it has one -- the lowest for ``higher_is_worse``, the highest for
        ``higher_is_better`` --, and 1 = the highest value, ``rank_order`` "höchster Wert",
        where it has none). ``value`` is the published value (NaN where suppressed: ``status``
        says why, and nothing is compared).

    Notes
    -----
    :math:`\\text{rank} = 1 + \\#\\{j : v_j \\succ v\\}` over the peers' values :math:`v_j`, with
    :math:`\\succ` "lower" for ``higher_is_worse`` and "higher" otherwise, on the values rounded
    as printed (the key figure's decimals): equal printed values share the better rank, as the
    ranks of the Gemeindeprofile (``RANK_NOTE`` of :mod:`sozialanalyse.pages.gemeindeprofil`).
    """
    ids = list(ids or peers.key_figures)
    rows = []
    for iid in ids:
        label, unit, dec, pol = describe(iid, peers.catalog)
        if iid not in peers.values.columns:
            continue
        pv = peers.values.loc[peers.ids, iid].astype(float).dropna()
        value = float(peers.values.at[peers.target, iid])
        lower, upper, status = peers.intervals.get(iid, (np.nan, np.nan, ""))
        status = str(status or "")
        med = float(pv.median()) if len(pv) else np.nan
        ranked = np.append(pv.to_numpy(), value) if np.isfinite(value) else np.array([])
        shown, own = np.round(ranked, dec), round(value, dec) if np.isfinite(value) else value  # as printed
        ahead = shown < own if pol == "higher_is_worse" else shown > own
        rank = int(ahead.sum() + 1) if len(ranked) else None
        rows.append({"indicator": iid, "label": label, "unit": unit, "decimals": dec, "polarity": pol,
                     "value": value, "lower": float(lower), "upper": float(upper), "status": status,
                     "median": med, "minimum": float(pv.min()) if len(pv) else np.nan,
                     "maximum": float(pv.max()) if len(pv) else np.nan, "n_peers": int(len(pv)),
                     "rank": rank, "n_ranked": int(len(ranked)), "rank_order": rank_order(pol),
                     "verdict": _compare(value, lower, upper, med, pol, status)})
    return pd.DataFrame(rows)


def rank_order(polarity: str) -> str:
    """What rank 1 of :func:`compare` means for an indicator of ``polarity``, in German.

    >>> rank_order("higher_is_worse"), rank_order("higher_is_better"), rank_order("neutral")
    ('günstigster', 'günstigster', 'höchster Wert')
    """
    return "günstigster" if polarity in ("higher_is_worse", "higher_is_better") else "höchster Wert"


def of(district, year: int | None = None) -> Peers:
    """:func:`select` computed once per district and year (kept on the district, as the protected
    layer is: both go when the district goes)."""
    cache = getattr(district, "_planning_peers", None)
    if not isinstance(cache, dict):
        cache = {}
        object.__setattr__(district, "_planning_peers", cache)
    key = int(year or 0)
    if key not in cache:
        cache[key] = select(district, year or None)
    return cache[key]


def spine(bench: pd.DataFrame) -> pd.DataFrame:
    """Positions for a spine chart (Fingertips style): every key figure's peer median at 0, the
    farther of the peers' minimum and maximum at -1 or +1, the district's value on that scale
    (``x``; ``lo``/``hi`` the peers' range). Rows without a value or a spread have NaN.

    >>> b = pd.DataFrame({"value": [12.0], "median": [10.0], "minimum": [6.0], "maximum": [11.0]})
    >>> spine(b)[["lo", "hi", "x"]].iloc[0].tolist()
    [-1.0, 0.25, 0.5]
    """
    half = np.maximum((bench["median"] - bench["minimum"]).abs(), (bench["maximum"] - bench["median"]).abs())
    half = half.where(half > 0)
    return pd.DataFrame({"lo": (bench["minimum"] - bench["median"]) / half,
                         "hi": (bench["maximum"] - bench["median"]) / half,
                         "x": (bench["value"] - bench["median"]) / half}, index=bench.index)
