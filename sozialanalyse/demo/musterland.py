"""Deterministic generator of the embedded demo district "Landkreis Musterland".

Landkreis Musterland (Kreis key ``03499``) is a *fictional* district shaped like a district in
Lower Saxony: a Kreisstadt with Sozialräume, two smaller towns with Sozialräume, four
Einheitsgemeinden and four Samtgemeinden with their member municipalities. All figures are
synthetic; they are drawn from a seeded random generator so that every analysis of the toolkit
has something to find (a latent deprivation score per base area drives SGB II, child poverty,
unemployment, turnout, school-entry findings, rents, ...).

The population is simulated as a cohort-component model (single years of age, sex,
nationality) from 31.12.2014 to 31.12.2024, so that stocks and flows are consistent
(stock(t) = stock(t-1) + births - deaths + moves in - moves out). All other counts are derived
from the simulated population.

Regenerate the committed data with::

    python -m sozialanalyse.demo.musterland data/musterland

The output is byte-identical for the same seed (the GeoPackage timestamp is pinned with the
GDAL config option ``OGR_CURRENT_DATE``).
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..model.areas import AGE_GROUPS
from . import land, planning_peers, planning_supply, steering_projects
from .steering_goals import write_goals

__all__ = ["DEFAULT_SEED", "KREIS_KEY", "KREIS_NAME", "YEARS", "generate", "main"]

KREIS_KEY = "03499"
KREIS_NAME = "Landkreis Musterland"
DEFAULT_SEED = 2024
YEARS = tuple(range(2015, 2025))
ELECTIONS = {"bundestagswahl": (2017, 2021), "kommunalwahl": (2016, 2021)}
CRS = "EPSG:25832"
CENTRE = (540_000.0, 5_860_000.0)
MAX_AGE = 100  # single years 0..100, 100 = 100 and older
_AGES = np.arange(MAX_AGE + 1)
_BAND_OF_AGE = np.minimum(_AGES // 5, len(AGE_GROUPS) - 1)
SEXES = ("m", "w")
NATIONALITIES = ("deutsch", "nichtdeutsch")
HOUSEHOLD_TYPES = ("einpersonen_unter65", "einpersonen_65plus", "paare_ohne_kinder",
                   "paare_mit_kindern", "alleinerziehende", "sonstige")
CARE_TYPES = ("pflegegeld", "ambulant", "stationaer")
FACILITY_TYPES = ("Stadtteilhaus", "Pflegestützpunkt", "Seniorenberatung", "Kita", "Hausarztpraxis")
DIM_ORDER = ("age_group", "sex", "nationality", "type")


# --------------------------------------------------------------------------------------------
# The area tree
# --------------------------------------------------------------------------------------------

@dataclass
class Base:
    """Parameters of one base area (a leaf of the area tree)."""

    name: str
    pop: int                 # inhabitants 31.12.2014 (target)
    dep: float               # latent deprivation score (z-like, 0 = district average)
    old: float = 0.0         # tilt of the age structure towards old age
    ya: float = 0.0          # tilt towards young adults (18-35)
    fam: float = 0.0         # tilt towards families (children and 30-45)
    urban: float = 0.0       # 0 rural ... 1 inner town
    growth: float = 0.003    # net migration rate (share of population per year)
    rent: float = 6.0        # mean offer rent 2015 (EUR/m²)
    area_id: str = ""
    kind: str = ""
    parent_id: str = ""


@dataclass
class Muni:
    """A child of the Kreis: Stadt, Einheitsgemeinde or Samtgemeinde."""

    name: str
    kind: str
    xy: tuple[float, float]          # seed position in km relative to CENTRE
    km2: float                       # target area
    children: list[Base] = field(default_factory=list)
    verband: str = ""                # 4-digit Samtgemeinde number
    inner_radius: float = 0.0        # Städte: radius (m) of the built-up core
    cluster: tuple[int, float] = (0, 0.0)  # Städte: fine points around the centre, sd (m)
    area_id: str = ""


def _sr(name, pop, dep, old=0.0, ya=0.0, fam=0.0, urban=0.8, growth=0.003):
    return Base(name, pop, dep, old, ya, fam, urban, growth)


def _outer(name, pop, dep=-0.8, old=0.5):
    return Base(name, pop, dep, old, -0.3, 0.1, 0.0, 0.0)


def _municipalities(rng: np.random.Generator) -> list[Muni]:
    """The fixed design of the district (names, sizes, deprivation)."""
    musterstadt = Muni("Musterstadt", "Stadt", (0.5, 1.0), 88.0, inner_radius=3200,
                       cluster=(340, 1700.0))
    musterstadt.children = [
        _sr("Altstadt", 2600, 0.6, 0.0, 0.9, -0.5, 1.0, 0.004),
        _sr("Bahnhofsviertel", 3100, 2.8, -0.5, 0.8, 0.2, 1.0, 0.006),
        _sr("Am Sonnenhang", 3900, 3.0, -0.2, 0.2, 0.5, 0.8, 0.002),
        _sr("Neustadt", 2900, 1.3, -0.1, 0.4, 0.0, 0.9),
        _sr("Schlossviertel", 1800, -0.8, 0.4, 0.2, -0.2, 1.0),
        _sr("Am Mühlenbach", 2200, 0.2, 0.2, 0.0, 0.0, 0.8),
        _sr("Westend", 2700, 0.9, 0.0, 0.3, 0.1, 0.9),
        _sr("Rosenhöhe", 2000, -1.3, 0.6, -0.3, 0.1, 0.6),
        _sr("Gartenstadt", 2400, -0.4, 0.5, -0.2, 0.0, 0.6),
        _sr("Neubaugebiet Süd", 1500, -1.0, -1.2, -0.3, 1.1, 0.5, 0.035),
        _sr("Lindenhof", 2100, -0.2, 0.1, 0.0, 0.2, 0.7),
        _sr("Am Stadtpark", 1900, -0.6, 0.3, 0.1, 0.0, 0.9),
        _sr("Kasernenviertel", 1700, 1.1, -0.3, 0.4, 0.3, 0.8, 0.012),
        _outer("Ortschaft Birkenhof", 1300),
        _outer("Ortschaft Wöltingen", 1600, -0.6, 0.3),
        _outer("Ortschaft Ahrensdorf", 1400, -1.0),
        _outer("Ortschaft Kleinmühlen", 1300, -0.9, 0.7),
        _outer("Ortschaft Osterwald", 1500, -0.7),
    ]
    lindenau = Muni("Bad Lindenau", "Stadt", (-11.0, -6.5), 62.0, inner_radius=2500,
                    cluster=(170, 1300.0))
    lindenau.children = [
        _sr("Kurviertel", 2200, -0.5, 1.6, -0.4, -0.5, 1.0),
        _sr("Altstadt Lindenau", 2300, 0.4, 0.3, 0.6, -0.3, 1.0),
        _sr("Am Kurpark", 1800, -0.9, 1.3, -0.4, -0.3, 0.8),
        _sr("Salinenviertel", 2100, 1.0, 0.0, 0.3, 0.1, 0.9),
        _sr("Siedlung Tannenkamp", 2500, 2.2, -0.3, 0.3, 0.4, 0.7, 0.004),
        _sr("Hainberg", 1900, -0.7, 0.5, -0.2, 0.1, 0.6),
        _sr("Neubaugebiet Am Steinfeld", 1300, -0.9, -1.2, -0.3, 1.1, 0.5, 0.03),
        _sr("Brunnenweg", 1700, 0.1, 0.3, 0.0, 0.0, 0.7),
        _outer("Ortschaft Ellerbek", 1500),
        _outer("Ortschaft Rotenhagen", 1400, -0.7, 0.6),
    ]
    hohenfeld = Muni("Hohenfeld", "Stadt", (10.5, 8.5), 56.0, inner_radius=2300,
                     cluster=(150, 1200.0))
    hohenfeld.children = [
        _sr("Marktviertel", 2300, 0.3, 0.1, 0.6, -0.3, 1.0),
        _sr("Nordstadt", 2900, 1.9, -0.3, 0.3, 0.4, 0.8, 0.004),
        _sr("Südstadt", 2400, -0.2, 0.1, 0.1, 0.1, 0.8),
        _sr("Am Wasserturm", 1900, -0.6, 0.3, -0.1, 0.1, 0.7),
        _sr("Heideblick", 1700, -0.9, 0.6, -0.3, 0.0, 0.6),
        _sr("Eschenweg", 1600, 0.6, 0.0, 0.2, 0.2, 0.7),
        _outer("Ortschaft Klein Hohenfeld", 1500),
        _outer("Ortschaft Moordorf", 1300, -0.6, 0.6),
    ]
    munis = [musterstadt, lindenau, hohenfeld]

    def eg(name, xy, km2, pop, dep, old):
        m = Muni(name, "Einheitsgemeinde", xy, km2)
        m.children = [Base(name, pop, dep, old, 0.0, 0.1, 0.3, 0.004)]
        return m

    munis += [
        eg("Eichenbrück", (-13.0, 7.0), 98.0, 10800, 0.2, 0.3),
        eg("Brakenhagen", (13.5, -5.5), 92.0, 9300, -0.3, 0.4),
        eg("Wiesenfelde", (2.5, -11.5), 88.0, 8100, -0.5, 0.5),
        eg("Ostermoor", (-2.5, 12.5), 84.0, 6900, 0.0, 0.6),
    ]

    def sg(name, verband, xy, km2, members):
        m = Muni(f"Samtgemeinde {name}", "Samtgemeinde", xy, km2, verband=verband)
        for mname, pop in members:
            dep = float(np.round(-0.7 + 0.35 * rng.standard_normal(), 2))
            old = float(np.round(0.35 + 0.3 * rng.standard_normal(), 2))
            m.children.append(Base(mname, pop, dep, old, -0.3, 0.1, 0.0, 0.001))
        return m

    munis += [
        sg("Heidetal", "5401", (-17.0, -1.0), 150.0,
           [("Altenheide", 3400), ("Birkenwalde", 2300), ("Lüttenbeek", 1700), ("Sandhorst", 2600)]),
        sg("Großmoor", "5402", (7.0, 16.0), 135.0,
           [("Großmoor", 4200), ("Moorwede", 2700), ("Torfkamp", 1900)]),
        sg("Auenland", "5403", (17.5, 3.5), 160.0,
           [("Auenhagen", 3800), ("Weidenbruch", 2500), ("Erlenried", 2200), ("Hasselbusch", 1600),
            ("Bornsiek", 1400)]),
        sg("Geestrand", "5404", (-5.0, -14.0), 140.0,
           [("Geesthofen", 3300), ("Steinkamp", 2400), ("Wulfsode", 2000), ("Bockelhagen", 1500)]),
    ]
    for m in munis:  # the sizes above are relative; the district starts with about 139,000
        for c in m.children:
            c.pop = round(c.pop * 0.94)
    return munis


def _sort_key(name: str) -> str:
    return (name.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
            .replace("ß", "ss"))


def _assign_keys(munis: list[Muni]) -> None:
    """AGS in alphabetical order of the Gemeinden; Samtgemeinde and Sozialraum keys."""
    gemeinden = []  # (name, object) for Städte, Einheitsgemeinden, Mitgliedsgemeinden
    for m in munis:
        if m.kind == "Samtgemeinde":
            gemeinden += [(c.name, c) for c in m.children]
        else:
            gemeinden.append((m.name, m))
    for i, (_, obj) in enumerate(sorted(gemeinden, key=lambda t: _sort_key(t[0])), start=1):
        obj.area_id = f"{KREIS_KEY}{i:03d}"
    for m in munis:
        if m.kind == "Samtgemeinde":
            m.area_id = f"{KREIS_KEY}{m.verband}000"
            for c in m.children:
                c.kind, c.parent_id = "Mitgliedsgemeinde", m.area_id
        elif m.kind == "Stadt":
            for j, c in enumerate(m.children, start=1):
                c.area_id, c.kind, c.parent_id = f"{m.area_id}-{j:02d}", "Sozialraum", m.area_id
        else:  # Einheitsgemeinde without Sozialräume: the Gemeinde is its own base area
            c = m.children[0]
            c.area_id, c.kind, c.parent_id = m.area_id, "Einheitsgemeinde", KREIS_KEY


def _rents(munis: list[Muni]) -> None:
    """Mean offer rent 2015 per base area."""
    base = {"Musterstadt": 7.3, "Bad Lindenau": 6.9, "Hohenfeld": 6.5}
    for m in munis:
        for i, c in enumerate(m.children):
            if m.kind == "Stadt":
                r = base[m.name] + (0.9 if c.urban >= 1.0 and c.dep < 1.0 else 0.0) - (
                    0.5 if c.urban == 0.0 else 0.0)
            elif m.kind == "Einheitsgemeinde":
                r = 6.25
            else:
                r = 5.95
            c.rent = round(r - 0.35 * max(c.dep, -1.0), 2)


def _areas_table(munis: list[Muni]) -> pd.DataFrame:
    rows = [(KREIS_KEY, KREIS_NAME, "Landkreis", "")]
    for m in sorted(munis, key=lambda m: m.area_id):
        rows.append((m.area_id, m.name, m.kind, KREIS_KEY))
        if m.kind == "Einheitsgemeinde":
            continue
        for c in sorted(m.children, key=lambda c: c.area_id):
            rows.append((c.area_id, c.name, c.kind, m.area_id))
    return pd.DataFrame(rows, columns=["area_id", "name", "kind", "parent_id"])


# --------------------------------------------------------------------------------------------
# Demography
# --------------------------------------------------------------------------------------------

# Germany 31.12.2014, five-year bands (millions, both sexes) and female share per band
_PYRAMID = np.array([3.5, 3.5, 3.8, 4.1, 4.6, 5.0, 4.9, 4.7, 5.9, 7.0, 6.7, 5.8, 5.1, 4.0, 5.0,
                     3.9, 2.4, 1.4, 0.6])
_FEMALE_SHARE = np.array([.487, .487, .487, .485, .49, .495, .497, .497, .496, .495, .497, .503,
                          .51, .52, .535, .56, .61, .67, .76])


def _single_year_base() -> np.ndarray:
    """Base population weights by single year of age 0..100 and sex (shape (101, 2))."""
    w = np.zeros(MAX_AGE + 1)
    w[:90] = np.repeat(_PYRAMID[:18] / 5.0, 5)
    tail = 0.8 ** np.arange(11)  # 90..100+
    w[90:] = _PYRAMID[18] * tail / tail.sum()
    fem = _FEMALE_SHARE[_BAND_OF_AGE]
    return np.stack([w * (1 - fem), w * fem], axis=1)


def _mortality() -> np.ndarray:
    """Annual death probabilities by single year of age and sex (Gompertz-Makeham)."""
    a = _AGES.astype(float)
    q = np.empty((MAX_AGE + 1, 2))
    q[:, 0] = 0.0002 + 2.5e-5 * np.exp(0.095 * a)
    q[:, 1] = 0.0001 + 7.6e-6 * np.exp(0.107 * a)
    q[0] += [0.0036, 0.0030]
    q[1:5] += [0.0002, 0.0002]
    q[15:30, 0] += 0.0003
    q[MAX_AGE] = np.maximum(q[MAX_AGE], 0.45)
    return np.minimum(q, 0.5)


def _fertility() -> np.ndarray:
    """Age-specific fertility rates (births per woman and year, TFR about 1.55)."""
    a = _AGES.astype(float)
    f = np.exp(-0.5 * ((a - 31.0) / 5.5) ** 2)
    f[(a < 15) | (a > 49)] = 0.0
    return 1.55 * f / f.sum()


def _out_rates() -> np.ndarray:
    """Annual probability of moving out of a (small) area, by single year of age."""
    a = _AGES.astype(float)
    r = 0.035 + 0.13 * np.exp(-0.5 * ((a - 24) / 5.0) ** 2) + 0.04 * np.exp(-0.5 * (a / 4.0) ** 2)
    r += 0.025 * np.exp(-0.5 * ((a - 35) / 6.0) ** 2)
    r[a >= 45] = 0.028
    r[a >= 65] = 0.022
    r[a >= 82] = 0.035
    return r


def _initial_population(b: Base, nd0: float, rng: np.random.Generator) -> np.ndarray:
    """Population 31.12.2014 by age, sex, nationality (shape (101, 2, 2))."""
    a = _AGES.astype(float)
    g_old = np.clip((a - 50.0) / 30.0, -0.6, 1.3)
    g_ya = np.exp(-0.5 * ((a - 26.0) / 5.5) ** 2)
    g_fam = np.exp(-0.5 * ((a - 38.0) / 6.0) ** 2) + np.exp(-0.5 * ((a - 8.0) / 5.0) ** 2)
    tilt = np.exp(0.35 * b.old * g_old + 0.6 * b.ya * g_ya + 0.5 * b.fam * g_fam + 0.12 * b.dep
                  * (g_fam - np.clip((a - 60) / 30, 0, 1)))
    w = _single_year_base() * tilt[:, None]
    nd_shape = np.where(a < 18, 1.0, np.where(a < 50, 1.5, np.where(a < 65, 0.8, 0.25)))
    wd = np.stack([w * (1 - nd0 * nd_shape)[:, None], w * (nd0 * nd_shape)[:, None]], axis=2)
    wd /= wd.sum()
    return rng.multinomial(b.pop, wd.ravel()).reshape(wd.shape)


def _migration_profile() -> np.ndarray:
    """Age/sex distribution of movers (shape (101, 2))."""
    w = _single_year_base() * _out_rates()[:, None]
    return w / w.sum()


def _refugee_profile(kind: str) -> np.ndarray:
    a = _AGES.astype(float)
    if kind == "2015":   # mainly young men, some families
        m = 0.7 * np.exp(-0.5 * ((a - 24) / 6.0) ** 2) + 0.25 * np.exp(-0.5 * (a / 7.0) ** 2)
        w = 0.25 * np.exp(-0.5 * ((a - 28) / 7.0) ** 2) + 0.25 * np.exp(-0.5 * (a / 7.0) ** 2)
    else:                # 2022: mainly women, children and older people
        m = 0.35 * np.exp(-0.5 * (a / 8.0) ** 2) + 0.05 * np.exp(-0.5 * ((a - 65) / 10.0) ** 2)
        w = 0.6 * np.exp(-0.5 * ((a - 38) / 9.0) ** 2) + 0.35 * np.exp(-0.5 * (a / 8.0) ** 2) \
            + 0.12 * np.exp(-0.5 * ((a - 65) / 10.0) ** 2)
    p = np.stack([m, w], axis=1)
    return p / p.sum()


def _simulate(bases: list[Base], rng: np.random.Generator) -> dict:
    """Cohort-component simulation 2015-2024 for every base area.

    Returns dict with arrays indexed [base, year] :
    ``pop`` (nb, ny, 101, 2, 2) stocks 31.12., ``deaths`` (nb, ny, 101, 2) by age at the start
    of the year, ``births`` (nb, ny, 2), ``moves_in`` / ``moves_out`` (nb, ny, 2) by nationality.
    """
    nb, ny = len(bases), len(YEARS)
    q = _mortality()
    fert = _fertility()
    out_r = _out_rates()
    mig = _migration_profile()
    ref15, ref22 = _refugee_profile("2015"), _refugee_profile("2022")
    pop = np.zeros((nb, ny + 1, MAX_AGE + 1, 2, 2), dtype=np.int64)
    deaths = np.zeros((nb, ny, MAX_AGE + 1, 2), dtype=np.int64)
    births = np.zeros((nb, ny, 2), dtype=np.int64)
    moves_in = np.zeros((nb, ny, 2), dtype=np.int64)
    moves_out = np.zeros((nb, ny, 2), dtype=np.int64)
    for i, b in enumerate(bases):
        nd0 = float(np.clip(0.05 + 0.028 * b.dep + 0.025 * b.urban, 0.02, 0.22))
        pop[i, 0] = _initial_population(b, nd0, rng)
    for t, year in enumerate(YEARS):
        for i, b in enumerate(bases):
            p = pop[i, t].copy()
            # deaths (excess mortality with deprivation)
            mf = 1.0 + 0.07 * b.dep
            d = rng.binomial(p, np.minimum(q * mf, 0.9)[:, :, None])
            p -= d
            deaths[i, t] = d.sum(axis=2)
            # births
            ff = 1.0 + 0.06 * b.dep + 0.1 * b.fam
            women = p[:, 1, :]
            exp_b = (women * fert[:, None]).sum(axis=0) * ff * np.array([1.0, 1.35])
            nb_de, nb_nd = rng.poisson(exp_b)
            nb_nd_nd = rng.binomial(nb_nd, 0.55)
            newborn_nat = np.array([nb_de + nb_nd - nb_nd_nd, nb_nd_nd])
            newborn = np.zeros((2, 2), dtype=np.int64)  # sex x nat
            for k in range(2):
                m_ = rng.binomial(newborn_nat[k], 0.513)
                newborn[:, k] = [m_, newborn_nat[k] - m_]
            births[i, t] = newborn.sum(axis=1)
            # moves out
            om = (0.85 + 0.35 * b.urban) * (1.0 + 0.06 * b.dep)
            rate = np.minimum(out_r[:, None, None] * om * np.array([1.0, 1.4])[None, None, :], 0.9)
            o = rng.binomial(p, np.broadcast_to(rate, p.shape))
            p -= o
            moves_out[i, t] = o.sum(axis=(0, 1))
            # moves in: replacement of the expected outflow plus net migration
            total = pop[i, t].sum()
            exp_out = (pop[i, t] * rate).sum()
            net = b.growth + 0.002 * (year >= 2021)
            exp_in = max(exp_out + net * total, 0.0)
            nd_share_stock = pop[i, t][:, :, 1].sum() / max(total, 1)
            s_nd = min(0.6, 1.25 * nd_share_stock + 0.02)
            lam = np.stack([mig * exp_in * (1 - s_nd), mig * exp_in * s_nd], axis=2)
            alloc = np.exp(0.35 * b.dep) * (0.4 + 0.6 * b.urban + 0.3)
            if year == 2015:
                lam[:, :, 1] += ref15 * total * 0.013 * alloc
            elif year == 2016:
                lam[:, :, 1] += ref15 * total * 0.007 * alloc
            elif year == 2022:
                lam[:, :, 1] += ref22 * total * 0.012 * alloc
            elif year == 2023:
                lam[:, :, 1] += ref22 * total * 0.002 * alloc
            inn = rng.poisson(lam)
            moves_in[i, t] = inn.sum(axis=(0, 1))
            # ageing: survivors/stayers one year older; newborns at age 0; movers at end-year age
            new = np.zeros_like(p)
            new[1:] = p[:-1]
            new[MAX_AGE] += p[MAX_AGE]
            new[0] += newborn
            new += inn
            pop[i, t + 1] = new
    return {"pop": pop, "deaths": deaths, "births": births, "in": moves_in, "out": moves_out}


def _bands(x: np.ndarray, axis: int) -> np.ndarray:
    """Sum single years of age along ``axis`` into the 19 five-year bands."""
    x = np.moveaxis(x, axis, 0)
    out = np.zeros((len(AGE_GROUPS),) + x.shape[1:], dtype=x.dtype)
    np.add.at(out, _BAND_OF_AGE, x)
    return np.moveaxis(out, 0, axis)


# --------------------------------------------------------------------------------------------
# Derived topics
# --------------------------------------------------------------------------------------------

def _logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p):
    return np.log(p / (1 - p))


_CARE_RATE = np.array([0.006, 0.022, 0.024, 0.018, 0.012, 0.010, 0.009, 0.010, 0.011, 0.013,
                       0.016, 0.021, 0.028, 0.042, 0.070, 0.130, 0.245, 0.450, 0.720])
_CARE_STAT = np.array([0.04] * 13 + [0.12, 0.14, 0.17, 0.22, 0.29, 0.40])
_CARE_AMB = np.array([0.12] * 13 + [0.22, 0.25, 0.27, 0.28, 0.27, 0.24])
_DISAB_RATE = np.array([0.004, 0.012, 0.016, 0.018, 0.020, 0.024, 0.028, 0.034, 0.042, 0.058,
                        0.080, 0.110, 0.150, 0.180, 0.200, 0.230, 0.280, 0.330, 0.360])


def _derive(bases: list[Base], sim: dict, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """All count tables (long format) from the simulated population."""
    nb, ny = len(bases), len(YEARS)
    P = sim["pop"][:, 1:]                      # stocks 31.12. of each year (nb, ny, 101, 2, 2)
    Pb = _bands(P, axis=2)                     # (nb, ny, 19, 2, 2)
    tot = P.sum(axis=(2, 3, 4)).astype(float)  # (nb, ny)
    age_tot = P.sum(axis=(3, 4))               # (nb, ny, 101)
    u15 = age_tot[:, :, :15].sum(axis=2)
    a15_64 = age_tot[:, :, 15:65].sum(axis=2)
    a65 = age_tot[:, :, 65:].sum(axis=2)
    nd_share = P[..., 1].sum(axis=(2, 3)) / tot
    dep = np.array([b.dep for b in bases])[:, None]
    urban = np.array([b.urban for b in bases])[:, None]
    yr = np.array(YEARS)[None, :]
    # persistent area effect + slowly varying noise
    area_eff = rng.normal(0.0, 0.12, (nb, 1))
    ar = np.cumsum(rng.normal(0.0, 0.04, (nb, ny)), axis=1)
    tables: dict[str, list] = {k: [] for k in (
        "population", "households", "movements", "transfers", "labour", "housing",
        "school_entry", "care", "disability", "elections")}
    ids = np.array([b.area_id for b in bases])

    def add(table, var, values, dims=None):
        """values: array (nb, ny, *dim shape); dims: list of (name, labels)."""
        dims = dims or []
        values = np.asarray(values)
        idx = np.indices(values.shape).reshape(values.ndim, -1)
        df = pd.DataFrame({"area_id": ids[idx[0]], "year": np.array(YEARS)[idx[1]],
                           "variable": var})
        for k, (dname, labels) in enumerate(dims):
            df[dname] = np.array(labels)[idx[2 + k]]
        df["value"] = values.reshape(-1)
        tables[table].append(df)

    # population
    add("population", "einwohner", Pb, [("age_group", AGE_GROUPS), ("sex", SEXES),
                                        ("nationality", NATIONALITIES)])
    # movements
    add("movements", "geburten", sim["births"], [("sex", SEXES)])
    add("movements", "sterbefaelle", _bands(sim["deaths"], axis=2),
        [("age_group", AGE_GROUPS), ("sex", SEXES)])
    add("movements", "zuzuege", sim["in"], [("nationality", NATIONALITIES)])
    add("movements", "fortzuege", sim["out"], [("nationality", NATIONALITIES)])

    # transfers: SGB II (persons), quotas driven by deprivation, nationality and the year
    year_eff = np.array([0.0, 0.02, 0.03, 0.0, -0.05, 0.02, 0.0, 0.02, 0.06, 0.08])[None, :]
    lq = _logit(0.055) + 0.36 * dep + area_eff + ar + year_eff
    q_de = _logistic(lq)
    q_nd = np.minimum(0.65, 3.2 * q_de + 0.04 * ((yr >= 2016) & (yr <= 2019))
                      + 0.08 * (yr >= 2022))
    nd_u15 = P[:, :, :15, :, 1].sum(axis=(2, 3))
    nd_15_64 = P[:, :, 15:65, :, 1].sum(axis=(2, 3))
    exp_kids = np.minimum(1.6 * q_de, 0.5) * (u15 - nd_u15) + np.minimum(1.2 * q_nd, 0.6) * nd_u15
    sgb2_u15 = rng.binomial(u15, np.clip(exp_kids / np.maximum(u15, 1), 0, 1))
    exp_ad = q_de * (a15_64 - nd_15_64) + q_nd * nd_15_64
    sgb2_ad = rng.binomial(a15_64, np.clip(exp_ad / np.maximum(a15_64, 1), 0, 1))
    add("transfers", "sgb2_personen", sgb2_u15 + sgb2_ad)
    add("transfers", "sgb2_personen_unter15", sgb2_u15)
    gs_rate = np.clip(0.028 + 0.008 * dep + 0.0012 * (yr - 2015) + 0.04 * nd_share
                      + 0.004 * urban, 0.012, 0.09)
    add("transfers", "grundsicherung_65plus", rng.binomial(a65, gs_rate))

    # households
    adults_18_64 = age_tot[:, :, 18:65].sum(axis=2)
    kids18 = age_tot[:, :, :18].sum(axis=2)
    fam = kids18 / 1.65
    ae_share = np.clip(0.14 + 0.045 * dep + 0.02 * urban, 0.06, 0.35)
    ae = fam * ae_share
    pmk = fam - ae
    e65 = a65 * np.clip(0.27 + 0.06 * urban + 0.02 * dep, 0.2, 0.45)
    eu65 = adults_18_64 * np.clip(0.10 + 0.09 * urban + 0.025 * dep + 0.001 * (yr - 2015), 0.06, 0.4)
    rest = np.maximum(adults_18_64 - 2 * pmk - ae - eu65, 0) + (a65 - e65)
    pok = rest * 0.9 / 2.0
    son = rest * 0.1 / 2.3 + 0.005 * tot
    hh = np.stack([eu65, e65, pok, pmk, ae, son], axis=2)
    hh = np.rint(hh * rng.lognormal(0.0, 0.02, hh.shape)).astype(np.int64)
    add("households", "haushalte", hh, [("type", HOUSEHOLD_TYPES)])
    n_hh = hh.sum(axis=2)
    wg_rate = np.clip(0.016 + 0.006 * np.clip(dep, -1.5, 1.5) - 0.002 * np.clip(dep - 1.5, 0, None),
                      0.004, 0.05)
    wg_rate = wg_rate * np.where(yr >= 2023, 2.0, np.where(yr >= 2020, 1.2, 1.0)) * (1 - 0.03 * (yr - 2015) * (yr < 2020))
    add("transfers", "wohngeld_haushalte", rng.binomial(n_hh, wg_rate))

    # labour
    covid = np.where(yr == 2020, 1.25, np.where(yr == 2021, 1.15, 1.0))
    trend = 1.0 - 0.03 * np.clip(yr - 2015, 0, 4) + 0.02 * np.clip(yr - 2022, 0, None)
    al2_rate = np.clip(0.28 * (sgb2_ad / np.maximum(a15_64, 1)) * trend * np.where(yr == 2020, 1.08, 1.0),
                       0, 0.2)
    al3_rate = np.clip((0.018 + 0.003 * dep) * covid * trend, 0.005, 0.05)
    al2 = rng.binomial(a15_64, al2_rate)
    al3 = rng.binomial(a15_64, al3_rate)
    add("labour", "arbeitslose", np.stack([al2, al3], axis=2), [("type", ("sgb2", "sgb3"))])
    lza = rng.binomial(al2, 0.45) + rng.binomial(al3, 0.13 * np.where(yr >= 2021, 1.3, 1.0))
    add("labour", "langzeitarbeitslose", lza)
    by_sex_15_64 = P[:, :, 15:65].sum(axis=(2, 4))   # (nb, ny, 2)
    emp_trend = (0.008 * np.clip(yr - 2015, 0, 4) + 0.003 * np.clip(yr - 2020, 0, None)
                 - 0.006 * (yr == 2020))
    svb_rate = np.stack([0.615 + emp_trend - 0.035 * dep, 0.555 + emp_trend * 1.3 - 0.04 * dep],
                        axis=2)
    svb_rate = np.clip(svb_rate - 0.15 * (nd_share[:, :, None] - 0.08), 0.35, 0.8)
    add("labour", "svb_wohnort", rng.binomial(by_sex_15_64, svb_rate), [("sex", SEXES)])

    # housing
    share65 = a65 / tot
    space = np.clip(45.5 + 4.5 * (1 - urban) - 2.2 * dep + 25.0 * (share65 - 0.21)
                    + 0.22 * (yr - 2015), 37.0, 58.0)
    add("housing", "wohnflaeche_qm", np.rint(tot * space * rng.lognormal(0, 0.004, tot.shape))
        .astype(np.int64))
    offers = rng.poisson(np.maximum(n_hh * (0.012 + 0.01 * urban + 0.004 * np.clip(dep, 0, None)),
                                    4.0))
    rent = np.array([b.rent for b in bases])[:, None] * (1.026 ** (yr - 2015)) \
        * np.exp(area_eff * 0.2)
    # sum of individual offer rents: mean rent * n + noise of a sum of n offers (sd 12 % each)
    rent_sum = offers * rent + rng.standard_normal(offers.shape) * rent * 0.10 * np.sqrt(offers)
    add("housing", "mietangebote", offers)
    add("housing", "miete_summe_eur_qm", np.round(np.maximum(rent_sum, 0.0), 2))
    dur = np.clip(11.5 + 3.0 * (1 - urban) + 22.0 * (share65 - 0.21) - 1.3 * dep
                  - 0.5 * np.array([b.growth > 0.02 for b in bases])[:, None] * 6
                  + 0.06 * (yr - 2015), 7.5, 22.0)
    add("housing", "wohndauer_jahre_summe", np.rint(tot * dur).astype(np.int64))

    # school entry: the cohort aged 5 at the end of the previous year
    age5_prev = sim["pop"][:, :-1, 5].sum(axis=(2, 3))
    exam = rng.binomial(age5_prev, 0.97)
    ow_p = _logistic(_logit(0.105) + 0.22 * dep + 0.12 * (yr >= 2021) + area_eff)
    sp_p = _logistic(_logit(0.17) + 0.33 * dep + 2.5 * (nd_share - 0.08) + 0.15 * (yr >= 2017)
                     + 0.15 * (yr >= 2021) + 0.1 * (yr >= 2023) + area_eff)
    add("school_entry", "einschulung_untersuchte", exam)
    add("school_entry", "einschulung_uebergewicht", rng.binomial(exam, ow_p))
    add("school_entry", "einschulung_sprachfoerderbedarf", rng.binomial(exam, sp_p))

    # care (SGB XI): age-specific rates rising over time (Pflegegrade since 2017)
    band_sex = Pb.sum(axis=4)                                    # (nb, ny, 19, 2)
    time_f = np.array([0.66, 0.70, 0.80, 0.84, 0.88, 0.91, 0.95, 0.97, 0.99, 1.0])[None, :, None, None]
    sex_f = np.array([[1.0, 1.0]] * 13 + [[1.0, 0.95], [0.95, 1.0], [0.85, 1.08], [0.82, 1.1],
                                         [0.82, 1.08], [0.8, 1.05]])[None, None]
    cr = np.clip(_CARE_RATE[None, None, :, None] * time_f * sex_f
                 * (1 + 0.07 * dep + 0.05 * (1 - urban))[:, :, None, None], 0, 0.95)
    n_care = rng.binomial(band_sex, cr)
    stat = _CARE_STAT[None, None, :, None] * (1.18 - 0.03 * (yr - 2015))[:, :, None, None] \
        * np.ones((nb, 1, 1, 1)) * (1 - 0.1 * (1 - urban))[:, :, None, None]
    amb = _CARE_AMB[None, None, :, None] * (1 + 0.15 * urban)[:, :, None, None] * np.ones((1, ny, 1, 1))
    stat = np.broadcast_to(np.clip(stat, 0, 0.9), n_care.shape)
    amb = np.broadcast_to(np.clip(amb, 0, 0.9), n_care.shape)
    n_stat = rng.binomial(n_care, stat)
    n_amb = rng.binomial(n_care - n_stat, np.clip(amb / (1 - stat), 0, 1))
    n_geld = n_care - n_stat - n_amb
    add("care", "pflegebeduerftige", np.stack([n_geld, n_amb, n_stat], axis=4),
        [("age_group", AGE_GROUPS), ("sex", SEXES), ("type", CARE_TYPES)])

    # severely disabled
    dsex = np.array([[1.0, 1.0]] * 9 + [[1.05, 0.95]] + [[1.15, 0.87]] * 6 + [[1.1, 0.92]] * 3)
    dr = np.clip(_DISAB_RATE[None, None, :, None] * dsex[None, None]
                 * (1 + 0.1 * dep + area_eff)[:, :, None, None] * (1 + 0.004 * (yr - 2015))[:, :, None, None],
                 0, 0.9)
    add("disability", "schwerbehinderte", rng.binomial(band_sex, dr),
        [("age_group", AGE_GROUPS), ("sex", SEXES)])

    # elections
    de_18 = P[:, :, 18:, :, 0].sum(axis=(2, 3))
    de_16 = P[:, :, 16:, :, 0].sum(axis=(2, 3))
    eu_16 = np.rint(0.4 * P[:, :, 16:, :, 1].sum(axis=(2, 3))).astype(np.int64)
    rural = 1 - urban
    turnout = {"bundestagswahl": {2017: 0.765, 2021: 0.772}, "kommunalwahl": {2016: 0.575, 2021: 0.59}}
    elig_all = {"bundestagswahl": de_18, "kommunalwahl": de_16 + eu_16}
    slope = {"bundestagswahl": 0.055, "kommunalwahl": 0.065}
    for etype in ("bundestagswahl", "kommunalwahl"):
        for y in ELECTIONS[etype]:
            t = YEARS.index(y)
            elig = np.rint(elig_all[etype][:, t] * 0.985).astype(np.int64)
            p = np.clip(turnout[etype][y] - slope[etype] * dep[:, 0] + 0.02 * rural[:, 0]
                        + 0.03 * area_eff[:, 0], 0.3, 0.9)
            voters = rng.binomial(elig, p)
            for var, val in (("wahlberechtigte", elig), ("waehler", voters)):
                tables["elections"].append(pd.DataFrame({
                    "area_id": ids, "year": y, "variable": var, "type": etype, "value": val}))
    return {k: pd.concat(v, ignore_index=True) for k, v in tables.items()}


# --------------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------------

def _outline(rng: np.random.Generator, scale: float = 1.0):
    import shapely  # shapely: GIS stack, loaded only where geometry is used

    th = np.linspace(0, 2 * np.pi, 240, endpoint=False)
    r = np.ones_like(th)
    for k in range(2, 16):
        amp = (0.07 / k if k < 7 else 0.018) * rng.uniform(0.5, 1.0)
        r += amp * np.cos(k * th + rng.uniform(0, 2 * np.pi))
    x = CENTRE[0] + 20_500 * scale * r * np.cos(th)
    y = CENTRE[1] + 17_500 * scale * r * np.sin(th)
    return shapely.set_precision(shapely.Polygon(np.column_stack([x, y])), 0.01)


def _farthest_points(pts: np.ndarray, k: int, start: int) -> list[int]:
    chosen = [start]
    d = np.hypot(*(pts - pts[start]).T)
    for _ in range(k - 1):
        j = int(np.argmax(d))
        chosen.append(j)
        d = np.minimum(d, np.hypot(*(pts - pts[j]).T))
    return chosen


def _merge_exclaves(ids: list[str], geoms: dict) -> None:
    """Give detached small parts of sibling areas to the sibling they share most border with.

    The union of the siblings (and so the parent) does not change.
    """
    import shapely  # shapely: GIS stack, loaded only where geometry is used

    for aid in ids:
        parts = sorted(shapely.get_parts(geoms[aid]), key=lambda p: -p.area)
        if len(parts) < 2:
            continue
        keep = [parts[0]]
        for part in parts[1:]:
            border = {o: shapely.length(shapely.intersection(part.boundary, geoms[o].boundary,
                                                             grid_size=0.01))
                      for o in ids if o != aid}
            best = max(border, key=lambda o: (border[o], o))
            if border[best] > 0:
                geoms[best] = shapely.union_all([geoms[best], part], grid_size=0.01)
            else:
                keep.append(part)
        geoms[aid] = shapely.union_all(keep, grid_size=0.01)


def _geometry(munis: list[Muni], rng: np.random.Generator, scale: float = 1.0):
    """Polygons for every area: {area_id: geometry}; ``scale``: the linear size of the outline
    (a synthetic Land, :mod:`.land`), with as many more fine cells as its area needs."""
    import shapely  # shapely: GIS stack, loaded only where geometry is used

    outline = _outline(rng, scale)
    cx, cy = CENTRE
    # fine cells: uniform points plus dense clusters around the town centres
    minx, miny, maxx, maxy = outline.bounds
    n_cand, n_cells = int(round(3000 * scale ** 2)), int(round(1300 * scale ** 2))
    cand = np.column_stack([rng.uniform(minx, maxx, n_cand), rng.uniform(miny, maxy, n_cand)])
    cand = cand[shapely.contains_xy(outline, cand[:, 0], cand[:, 1])][:n_cells]
    pts = [cand]
    for m in munis:
        if m.kind == "Stadt":
            n, sd = m.cluster
            c = rng.normal(0.0, sd, (n, 2)) + [cx + m.xy[0] * 1000, cy + m.xy[1] * 1000]
            pts.append(c[shapely.contains_xy(outline, c[:, 0], c[:, 1])])
    pts = np.round(np.vstack(pts), 1)
    pts = np.unique(pts, axis=0)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(pts), extend_to=outline, ordered=True)
    cells = np.array(shapely.get_parts(cells))
    cells = shapely.set_precision(shapely.intersection(cells, outline), 0.01)
    cent = pts  # seeds are inside their own cell
    # municipalities: additively weighted nearest seed, weights tuned to target areas
    seeds = np.array([[cx + m.xy[0] * 1000, cy + m.xy[1] * 1000] for m in munis])
    target = np.array([m.km2 for m in munis])
    target = target / target.sum() * outline.area
    cell_area = shapely.area(cells)
    dist = np.hypot(cent[:, None, 0] - seeds[None, :, 0], cent[:, None, 1] - seeds[None, :, 1])
    w = np.zeros(len(munis))
    for _ in range(60):
        lab = np.argmin(dist - w[None, :], axis=1)
        area = np.bincount(lab, weights=cell_area, minlength=len(munis))
        w += 0.5 * (np.sqrt(target / np.pi) - np.sqrt(area / np.pi))
    lab = np.argmin(dist - w[None, :], axis=1)
    have = np.bincount(lab, minlength=len(munis))
    for k in np.flatnonzero(have == 0):  # a seed crowded out (a large Land, :mod:`.land`; never Musterland)
        spare = have[lab] > len(munis[0].children) + 2  # taken from a municipality with cells to spare
        j = int(np.flatnonzero(spare)[np.argmin(dist[spare, k])])
        have[lab[j]] -= 1
        lab[j], have[k] = k, 1
    geoms: dict[str, object] = {}
    for k, m in enumerate(munis):
        idx = np.nonzero(lab == k)[0]
        sub = cent[idx]
        n = len(m.children)
        if m.kind == "Einheitsgemeinde":
            sub_lab = np.zeros(len(idx), dtype=int)
        elif m.kind == "Samtgemeinde":
            start = int(np.argmax(np.hypot(*(sub - sub.mean(axis=0)).T)))
            far = _farthest_points(sub, n + 1, start)[1:]   # spread seeds, skip the extreme one
            sd_ = sub[far]
            sub_lab = np.argmin(np.hypot(sub[:, None, 0] - sd_[None, :, 0],
                                         sub[:, None, 1] - sd_[None, :, 1]), axis=1)
        else:  # Stadt: inner Sozialräume around the centre, Ortschaften outside
            centre = seeds[k]
            r = np.hypot(*(sub - centre).T)
            inner = [j for j, c in enumerate(m.children) if c.urban > 0]
            outer = [j for j, c in enumerate(m.children) if c.urban == 0]
            in_idx = np.nonzero(r < m.inner_radius)[0]
            out_idx = np.nonzero(r >= m.inner_radius * 1.6)[0]
            s_in = in_idx[_farthest_points(sub[in_idx], len(inner), int(np.argmin(r[in_idx])))]
            s_in = s_in[np.argsort(r[s_in], kind="stable")]   # closest to the centre first
            s_out = out_idx[_farthest_points(sub[out_idx], len(outer) + 1,
                                             int(np.argmin(r[out_idx])))[1:]]
            seed_idx = np.empty(n, dtype=int)
            seed_idx[inner] = s_in
            seed_idx[outer] = s_out
            sd_ = sub[seed_idx]
            scale = np.array([1.0 if c.urban > 0 else 2.2 for c in m.children])
            sub_lab = np.argmin(np.hypot(sub[:, None, 0] - sd_[None, :, 0],
                                         sub[:, None, 1] - sd_[None, :, 1]) / scale[None, :], axis=1)
            sub_lab[seed_idx] = np.arange(n)
        for j, c in enumerate(m.children):
            mine = idx[sub_lab == j]
            if len(mine) == 0:
                raise RuntimeError(f"no cell for {c.name}")
            geoms[c.area_id] = shapely.union_all(cells[mine], grid_size=0.01)
        if m.kind != "Einheitsgemeinde":
            _merge_exclaves([c.area_id for c in m.children], geoms)
            geoms[m.area_id] = shapely.union_all([geoms[c.area_id] for c in m.children],
                                                 grid_size=0.01)
    geoms[KREIS_KEY] = shapely.union_all([geoms[m.area_id] for m in munis], grid_size=0.01)
    return geoms


# --------------------------------------------------------------------------------------------
# Facilities
# --------------------------------------------------------------------------------------------

_KITA_NAMES = ["Sonnenschein", "Regenbogen", "Pusteblume", "Löwenzahn", "Kunterbunt", "Arche Noah",
               "Sternschnuppe", "Wirbelwind", "Schatzkiste", "Spatzennest", "Waldwichtel",
               "Rasselbande", "Marienkäfer", "Villa Kunterbunt", "Zwergenland", "Kleeblatt",
               "Abenteuerland", "Apfelbaum", "Wiesenzwerge", "Lummerland"]
_SURNAMES = ["Meyer", "Schulz", "Hoffmann", "Krüger", "Brandt", "Voss", "Lange", "Behrens",
             "Wolters", "Hartmann", "Bruns", "Rehbein", "Oltmanns", "Janssen", "Böhm", "Freese",
             "Dierks", "Kühl", "Lüdtke", "Peters", "Heinemann", "Köhler", "Sander", "Timmermann"]


def _point_in(geom, rng: np.random.Generator) -> tuple[float, float]:
    import shapely  # shapely: GIS stack, loaded only where geometry is used

    minx, miny, maxx, maxy = geom.bounds
    shapely.prepare(geom)
    prepared = geom
    for _ in range(200):
        x, y = rng.uniform(minx, maxx, 64), rng.uniform(miny, maxy, 64)
        x, y = np.round(x, 1), np.round(y, 1)
        ok = shapely.contains_xy(prepared, x, y)
        if ok.any():
            j = int(np.argmax(ok))
            return float(x[j]), float(y[j])
    raise RuntimeError("could not place a point")


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    exact = weights / weights.sum() * total
    n = np.floor(exact).astype(int)
    rest = total - n.sum()
    order = np.argsort(-(exact - n), kind="stable")
    n[order[:rest]] += 1
    return n


def _facilities(munis: list[Muni], bases: list[Base], pop2024: np.ndarray, geoms: dict,
                rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    by_id = {b.area_id: b for b in bases}
    ids = [b.area_id for b in bases]

    def place(name, ftype, area_id, capacity=None):
        x, y = _point_in(geoms[area_id], rng)
        rows.append([name, ftype, area_id, x, y, capacity])

    # Stadtteilhäuser in the deprived and central Sozialräume of the towns
    for b in bases:
        if b.kind == "Sozialraum" and (b.dep >= 0.9 or (b.urban >= 1.0 and b.dep > 0)):
            place(f"Stadtteilhaus {b.name}", "Stadtteilhaus", b.area_id)
    # Pflegestützpunkte: Kreisstadt (main office) and two branch offices
    towns = {m.name: m for m in munis}
    psp = [("Pflegestützpunkt Landkreis Musterland", towns["Musterstadt"].children[0]),
           ("Pflegestützpunkt Landkreis Musterland – Außenstelle Bad Lindenau",
            towns["Bad Lindenau"].children[1]),
           ("Pflegestützpunkt Landkreis Musterland – Außenstelle Samtgemeinde Auenland",
            towns["Samtgemeinde Auenland"].children[0])]
    for name, b in psp:
        place(name, "Pflegestützpunkt", b.area_id)
    # Seniorenberatung: one per Stadt / Einheitsgemeinde / Samtgemeinde (some missing)
    for m in munis:
        if m.name in ("Ostermoor", "Samtgemeinde Geestrand"):
            continue
        best = max(m.children, key=lambda c: (c.old, c.pop))
        place(f"Seniorenberatung {m.name}", "Seniorenberatung", best.area_id)
    # Kitas (~1 per 1,500 inhabitants) and Hausarztpraxen (~1 per 1,600)
    n_kita = _largest_remainder(pop2024, int(np.rint(pop2024.sum() / 1500)))
    urban_weight = np.array([1.15 if by_id[i].urban >= 0.8 else 1.0 for i in ids])
    n_ha = _largest_remainder(pop2024 * urban_weight, int(np.rint(pop2024.sum() / 1600)))
    k = 0
    for j, aid in enumerate(ids):
        for _ in range(n_kita[j]):
            nm = _KITA_NAMES[k % len(_KITA_NAMES)]
            cap = int(rng.choice([25, 40, 50, 60, 75, 80, 90, 100, 110, 125]))
            place(f"Kita {nm} {by_id[aid].name}", "Kita", aid, cap)
            k += 1
    h = 0
    for j, aid in enumerate(ids):
        for _ in range(n_ha[j]):
            s1 = _SURNAMES[(h * 7) % len(_SURNAMES)]
            nm = (f"Hausarztpraxis Dr. med. {s1}" if h % 3 else
                  f"Gemeinschaftspraxis {s1} & {_SURNAMES[(h * 7 + 5) % len(_SURNAMES)]}")
            place(f"{nm} ({by_id[aid].name})", "Hausarztpraxis", aid)
            h += 1
    df = pd.DataFrame(rows, columns=["name", "type", "area_id", "x", "y", "capacity"])
    df["type"] = pd.Categorical(df["type"], FACILITY_TYPES, ordered=True)
    df = df.sort_values(["type", "area_id", "name"], kind="stable").reset_index(drop=True)
    df["type"] = df["type"].astype(str)
    prefix = {"Stadtteilhaus": "STH", "Pflegestützpunkt": "PSP", "Seniorenberatung": "SEN",
              "Kita": "KITA", "Hausarztpraxis": "HAP"}
    df.insert(0, "facility_id", [f"{prefix[t]}-{n:03d}" for t, n in
                                 zip(df["type"], df.groupby("type", sort=False).cumcount() + 1)])
    df["capacity"] = df["capacity"].astype("Int64")
    return df


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

def _write_counts(df: pd.DataFrame, path: Path) -> None:
    dims = [d for d in DIM_ORDER if d in df.columns]
    df = df.copy()
    order = {"age_group": AGE_GROUPS, "sex": SEXES, "nationality": NATIONALITIES}
    sort_cols = ["area_id", "year", "variable"]
    for d in dims:
        labels = order.get(d) or tuple(dict.fromkeys(df[d].dropna()))
        df[f"_{d}"] = df[d].map({lab: i for i, lab in enumerate(labels)}).fillna(-1)
        sort_cols.append(f"_{d}")
    df = df.sort_values(sort_cols, kind="stable")
    floats = df["variable"].eq("miete_summe_eur_qm")
    vals = df["value"].to_numpy()
    df["value"] = [f"{float(v):.2f}" if f else str(int(v)) for v, f in zip(vals, floats)]
    df = df[["area_id", "year", "variable", *dims, "value"]]
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _write_meta(path: Path, seed: int) -> None:
    text = f"""\
name: "Landkreis Musterland"
key: "{KREIS_KEY}"
stand: "31.12.2024"
synthetic: true
note: >-
  Alle Daten sind synthetisch (fiktiver Landkreis). Der Landkreis Musterland, seine Städte,
  Gemeinden und Sozialräume existieren nicht; die Zahlen wurden mit einem Zufallsgenerator
  erzeugt und beschreiben keinen realen Ort. Sie dienen als Beispiel für das Eingabeformat
  und zur Erprobung der Auswertungen.
source: "Synthetische Daten, erzeugt mit sozialanalyse.demo.musterland (Seed {seed})"
licence: "CC0 1.0 (gemeinfrei; erzeugt mit sozialanalyse.demo.musterland, Seed {seed})"
licence_url: "https://creativecommons.org/publicdomain/zero/1.0/deed.de"
generator: "python -m sozialanalyse.demo.musterland data/musterland --seed {seed}"
seed: {seed}
"""
    path.write_text(text, encoding="utf-8", newline="\n")


def _write_gpkg(areas: pd.DataFrame, geoms: dict, path: Path) -> None:
    import geopandas as gpd  # geopandas: GIS stack, loaded only where geometry is used
    import pyogrio  # pyogrio: GIS stack, loaded only where geometry is read
    import shapely  # shapely: GIS stack, loaded only where geometry is used

    geom = [shapely.MultiPolygon(shapely.get_parts(g)) if g.geom_type == "Polygon" else g
            for g in (geoms[a] for a in areas["area_id"])]
    gdf = gpd.GeoDataFrame({"area_id": areas["area_id"].to_numpy()}, geometry=geom, crs=CRS)
    if path.exists():
        path.unlink()
    # pin the timestamp GDAL writes into gpkg_contents so that the file is reproducible
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2024-12-31T00:00:00Z"})
    try:
        gdf.to_file(path, driver="GPKG", layer="gebiete", engine="pyogrio")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})


def generate(out_dir, seed: int = DEFAULT_SEED, municipalities: int | None = None) -> None:
    """Write the complete Musterland data folder (CSV tables, gebiete.gpkg, meta.yml).

    Parameters
    ----------
    out_dir : str or Path
        Target folder (created if missing; existing files of the same names are overwritten).
    seed : int
        Seed of the numpy random generator; the output is a pure function of the seed.
    municipalities : int, optional
        A synthetic Land instead (:mod:`.land`): Musterland's municipalities and generated
        Einheitsgemeinden, ``municipalities`` Gemeindeprofile in all. Default: Musterland.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    root = np.random.default_rng(seed)
    # independent streams so that changing one part does not shift the others
    rng_design, rng_pop, rng_derive, rng_geo, rng_fac = (
        np.random.default_rng(s) for s in root.bit_generator.seed_seq.spawn(5))
    munis = _municipalities(rng_design)
    _assign_keys(munis)
    scale = 1.0 if municipalities is None else land.extend(munis, municipalities, seed)  # issue 19
    _rents(munis)
    areas = _areas_table(munis)
    order = {a: i for i, a in enumerate(areas["area_id"])}
    bases = sorted([c for m in munis for c in m.children], key=lambda c: order[c.area_id])
    sim = _simulate(bases, rng_pop)
    tables = _derive(bases, sim, rng_derive)
    geoms = _geometry(munis, rng_geo, scale)
    pop2024 = sim["pop"][:, -1].sum(axis=(1, 2, 3)).astype(float)
    fac = _facilities(munis, bases, pop2024, geoms, rng_fac)

    areas.to_csv(out / "areas.csv", index=False, lineterminator="\n", encoding="utf-8")
    for name, df in tables.items():
        _write_counts(df, out / f"{name}.csv")
    fac.to_csv(out / "facilities.csv", index=False, lineterminator="\n", encoding="utf-8",
               float_format="%.1f")
    _write_meta(out / "meta.yml", seed)
    _write_gpkg(areas, geoms, out / "gebiete.gpkg")
    write_goals(out, areas, seed)  # goals.yml and its Kennzahlen: a stream of their own
    steering_projects.generate(out, seed)  # Teilkonzepte, measures, project reports (issue #17)
    planning_peers.write(out, seed)  # KGSt fields and comparison districts: own stream (issue #18)
    planning_supply.write(out, seed)  # capacities and address points (issue 18), its own stream


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sozialanalyse.demo.musterland",
        description="Erzeugt die synthetischen Daten des fiktiven Landkreises Musterland.")
    parser.add_argument("out_dir", nargs="?", default="data/musterland",
                        help="Zielordner (Standard: data/musterland)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Startwert des Zufallsgenerators")
    args = parser.parse_args(argv)
    generate(args.out_dir, seed=args.seed)
    print(f"Landkreis Musterland geschrieben nach {args.out_dir} (Seed {args.seed})")


if __name__ == "__main__":
    main()
