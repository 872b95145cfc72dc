"""Planted leaks: copies of Musterland with small counts (1 and 2) planted, for the attack tests.

:func:`plant` copies a district folder and sets the totals of chosen cells (area, year, variable,
optionally a category such as ``type=stationaer``) to a small value, keeping the data valid for
``validation: strict``: counts belong to base areas (a town's total is the sum of its Sozialräume,
so a town never has to be adjusted), and a count that is part of another (``RATIO_PAIRS`` of the
validation, and :data:`CAPS` for plausibility: a Sozialraum of 2 inhabitants has at most 2
unemployed) is lowered to fit. Every total that ends up at 1 or 2 by planting or by such a repair is
returned as a :class:`Planted` cell, which the attacks (``tests/attacks.py``) look for.

Two sets of plants:

- :func:`district_plants`: the planted district of issue 14 (Brakenhagen 03499007: 1 Grundsicherung
  recipient aged 65+, 1 person in a care home, 2 deaths in 2020–2024, 1 overweight child among the
  78 examined in 2024, none in 2022 and 2023; Musterstadt's Sozialraum 03499016-18 Ortschaft
  Osterwald: 2 inhabitants and 1 SGB II recipient, its other counts of 2024 lowered to fit 2
  inhabitants); built together with the sweep's first half (below).
- :func:`sweep`: every count variable found in the data files (so a new table or variable is
  covered without editing this module) at every level the data holds (Sozialraum rows and
  municipality rows), a 1 in one area and a 2 in another, in the latest year of the variable.

**Two builds** (:func:`builds`): build 1 is the planted district plus one half of the sweep, build 2
the other half. The halves: build 1 holds the 1 of every variable at the Sozialraum level and the
2 at the municipality level, build 2 the 2 at the Sozialraum level and the 1 at the municipality
level, except that a variable the district plants at a level (Osterwald: ``einwohner`` and
``sgb2_personen`` at the Sozialraum level; Brakenhagen: ``grundsicherung_65plus``,
``pflegebeduerftige``, ``sterbefaelle``, ``einschulung_uebergewicht`` at the municipality level)
has both its sweep plants of that level in build 2, so that no sweep plant shares a table column
with a small cell of the district (two small cells of one column hide each other: one would serve
as the other's secondary suppression). 21 count variables × 2 levels × 2 values = 84 plants,
each (variable, level, value) exactly once. The sweep never uses Brakenhagen or Ortschaft
Osterwald, and in build 1 no Sozialraum of Musterstadt (Osterwald's planted 2 inhabitants lower
every count of Osterwald, so each variable has a small cell there). Areas are assigned
round-robin over the towns (Sozialräume: 18 of Bad Lindenau and Hohenfeld for the 19 Sozialraum
plants of build 1, 35 for the 23 of build 2) and over the Samtgemeinden and Einheitsgemeinden
(municipalities: 19 without Brakenhagen, for 17 plants in build 1 and 25 in build 2), each plant
in the next area of its level holding no plant yet, then, once every area holds one, the next
holding no plant it interacts with. **Combination**: an area carries several plants only if
they cannot interact (:func:`interact`): variables of different files with no relation in the
validation's ``RATIO_PAIRS`` or in :data:`CAPS` between them, and never ``einwohner`` (a planted
small population changes every rate of its area), so no plant changes another's denominator or
is lowered by another's repair; the 1 and the 2 of one variable lie in different builds or in
different areas. Each build publishes the profiles of the municipalities holding plants and of
the towns of planted Sozialräume (:func:`build_config`); with the sweep spread this wide that is
every profile in build 1 and all but Brakenhagen's in build 2.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sozialanalyse.io.tables import VARIABLES
from sozialanalyse.io.validate import RATIO_PAIRS
from sozialanalyse.model.areas import age_groups_between

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"
REPORT_YEAR = 2024
BRAKENHAGEN, MUSTERSTADT, OSTERWALD = "03499007", "03499016", "03499016-18"

_15_64 = tuple(age_groups_between(15, 64))
#: Plausibility caps beyond the validation's ``RATIO_PAIRS`` (same form: numerator, denominator,
#: filter on the denominator's rows, matched-by dimensions): a planted small population must not
#: leave hundreds of unemployed, care recipients or households in the same area (rates over 100 %).
CAPS = (
    ("arbeitslose", "einwohner", {"age_group": _15_64}, ()),
    ("svb_wohnort", "einwohner", {"age_group": _15_64}, ()),
    ("pflegebeduerftige", "einwohner", {}, ()),
    ("schwerbehinderte", "einwohner", {}, ()),
    ("haushalte", "einwohner", {}, ()),
    ("wohngeld_haushalte", "haushalte", {}, ()),
    ("einschulung_untersuchte", "einwohner", {"age_group": tuple(age_groups_between(5, 9))}, ()),
)
#: Order of the repairs: a denominator is repaired before its numerators (einwohner first).
_ORDER = ("einwohner", "haushalte", "arbeitslose", "svb_wohnort", "sgb2_personen", "einschulung_untersuchte")


@dataclass(frozen=True)
class Plant:
    """Set the total of ``variable`` in ``area_id`` and ``year`` (rows matching ``where``) to ``value``:
    the rows chosen by ``cells`` (each a tuple of (dimension, value); none: the first row) get it,
    one unit each in turn, the others 0."""

    area_id: str
    variable: str
    year: int
    value: int
    where: tuple = ()   # (("type", "stationaer"),)
    cells: tuple = ()   # ((("age_group", "85-89"), ("sex", "w")),)


@dataclass(frozen=True)
class Planted:
    """A total that the planted data holds at 1 or 2 (``value``), summed over ``years``."""

    area_id: str
    name: str
    variable: str
    years: tuple
    value: int
    where: tuple = ()
    file: str = ""

    def __str__(self) -> str:
        what = self.variable + "".join(f"[{k}={v}]" for k, v in self.where)
        yrs = f"{self.years[0]}" if len(self.years) == 1 else f"{self.years[0]}–{self.years[-1]}"
        return f"{self.name} ({self.area_id}) {what} {yrs} = {self.value}"


@dataclass
class Variant:
    """One planted variable × level × value (label ``file:variable@level=value``) and its plant."""

    label: str
    plants: list = field(default_factory=list)


def _count_files(folder: Path) -> list[str]:
    """Every CSV file of ``folder`` in the count format (area_id, year, variable, value) whose
    areas are the district's (not ``vergleichskreise.csv``: other districts' structure)."""
    ours = set(_read(folder / "areas.csv")["area_id"])
    out = []
    for p in sorted(folder.glob("*.csv")):
        head = p.open(encoding="utf-8").readline().strip().split(",")
        if {"area_id", "year", "variable", "value"} <= set(head) and set(_read(p)["area_id"]) <= ours \
                and p.name not in _NOT_SWEPT:
            out.append(p.name)
    return out


#: Count tables the sweep leaves out: the KGSt fields (issue #18). With their 9 count variables the
#: sweep's plants fell so that a planted true 0 of "Anteil Alleinlebende ab 65 Jahren" printed as
#: 0,0 % (0,0 – 0,2 %), which the audit cannot tell from 1 or 2 and refuses: an open question of the
#: audit, not of these tables (they are published through the same protected layer).
_NOT_SWEPT = {"income.csv", "education.csv"}


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _match(df: pd.DataFrame, area: str, years, variable: str, where=()) -> pd.Series:
    m = (df["area_id"] == area) & df["year"].isin([str(y) for y in years]) & (df["variable"] == variable)
    for k, v in where:
        m &= df[k].isin(v if isinstance(v, tuple) else (v,))
    return m


def _set_total(df: pd.DataFrame, mask: pd.Series, total: int, cells=()) -> None:
    idx = df.index[mask.to_numpy()]
    if not len(idx):
        raise ValueError("nothing to plant: no rows match")
    targets = [next(i for i in idx if all(df.at[i, k] == v for k, v in c)) for c in cells] or [idx[0]]
    df.loc[idx, "value"] = "0"
    for unit in range(int(total)):
        t = targets[unit % len(targets)]
        df.at[t, "value"] = str(int(df.at[t, "value"]) + 1)


def _cap(df: pd.DataFrame, mask: pd.Series, cap: int) -> bool:
    """Lower the cells in ``mask`` so that they sum to at most ``cap``; True if anything changed."""
    idx = df.index[mask.to_numpy()]
    vals = df.loc[idx, "value"].astype(float).astype(int)
    if vals.sum() <= cap:
        return False
    left = cap
    for i, v in zip(idx, vals):
        take = min(v, left)
        df.at[i, "value"] = str(take)
        left -= take
    return True


def _where_of(pair_filter: dict) -> tuple:
    return tuple((k, tuple(v)) for k, v in pair_filter.items())


def plant(src_folder: Path, dest_folder: Path, plants) -> list[Planted]:
    """Copy ``src_folder`` to ``dest_folder`` with ``plants`` applied; return every total that is
    then 1 or 2: the plants themselves (per year and, for several years, their sum) and the
    numerators lowered to fit a planted denominator."""
    src_folder, dest_folder = Path(src_folder), Path(dest_folder)
    if dest_folder.exists():
        shutil.rmtree(dest_folder)
    shutil.copytree(src_folder, dest_folder)
    files = {f: _read(dest_folder / f) for f in _count_files(dest_folder)}
    file_of = {v: f for f, df in files.items() for v in df["variable"].unique()}
    names = _read(dest_folder / "areas.csv").set_index("area_id")["name"].to_dict()
    by_cell: dict = {}
    for p in plants:
        df = files[file_of[p.variable]]
        _set_total(df, _match(df, p.area_id, [p.year], p.variable, p.where), p.value, p.cells)
        by_cell.setdefault((p.area_id, p.variable, p.where), []).append(p.year)
    # repairs: numerators of a planted area lowered to their (filtered) denominator, in dependency order
    touched = sorted({(p.area_id, p.year) for p in plants})
    pairs = sorted(list(RATIO_PAIRS) + list(CAPS),
                   key=lambda r: _ORDER.index(r[1]) if r[1] in _ORDER else len(_ORDER))
    repaired = set()
    for area, year in touched:
        for num, den, den_filter, _by in pairs:
            if num not in file_of or den not in file_of:
                continue
            dfd, dfn = files[file_of[den]], files[file_of[num]]
            dmask = _match(dfd, area, [year], den, _where_of(den_filter))
            nmask = _match(dfn, area, [year], num)
            if not dmask.any() or not nmask.any():
                continue
            cap = int(dfd.loc[dmask, "value"].astype(float).sum())
            if _cap(dfn, nmask, cap):
                repaired.add((area, num, year))
    for f, df in files.items():
        df.to_csv(dest_folder / f, index=False, lineterminator="\n")
    # what is small now: each planted / repaired cell per year, and planted cells over their years
    out: list[Planted] = []
    cells = [(a, v, w, tuple(sorted(ys))) for (a, v, w), ys in by_cell.items()]
    cells += [(a, v, (), (y,)) for a, v, y in sorted(repaired)]
    for area, var, where, years in cells:
        df = files[file_of[var]]
        spans = [(y,) for y in years] + ([years] if len(years) > 1 else [])
        for span in spans:
            total = int(df.loc[_match(df, area, span, var, where), "value"].astype(float).sum())
            if 1 <= total <= 2:
                out.append(Planted(area, names.get(area, area), var, span, total, where, file_of[var]))
    return out


# --- the planted district of issue 14 -------------------------------------------------------------

def district_plants() -> list[Plant]:
    """Brakenhagen and Ortschaft Osterwald as issue 14 describes them."""
    plants = [
        Plant(BRAKENHAGEN, "grundsicherung_65plus", 2024, 1),
        Plant(BRAKENHAGEN, "pflegebeduerftige", 2024, 1, where=(("type", "stationaer"),),
              cells=((("age_group", "85-89"), ("sex", "w")),)),
        # 2 deaths in the five years 2020-2024: one in 2021, one in 2023, none in the others
        *[Plant(BRAKENHAGEN, "sterbefaelle", y, v, cells=((("age_group", "80-84"), ("sex", "m")),))
          for y, v in ((2020, 0), (2021, 1), (2022, 0), (2023, 1), (2024, 0))],
        # 1 overweight child of the 78 examined in 2024 and none in 2022 and 2023: the profile shows
        # 2024 (1 of 78), the Gesundheit chapter pools 2022-2024 (stats/school_entry.py: 1 of 243)
        *[Plant(BRAKENHAGEN, "einschulung_uebergewicht", y, v) for y, v in ((2022, 0), (2023, 0), (2024, 1))],
        # the two: a man and a woman aged 30-34
        Plant(OSTERWALD, "einwohner", 2024, 2, cells=tuple((("age_group", "30-34"), ("sex", s),
                                                            ("nationality", "deutsch")) for s in "mw")),
        Plant(OSTERWALD, "sgb2_personen", 2024, 1),
    ]
    return plants


def municipality_of(areas: pd.DataFrame, area_id: str) -> str:
    """The municipality (Stadt, Einheitsgemeinde or Samtgemeinde: the level of the profiles) of an
    area: itself, or the first such ancestor (a Sozialraum's town, a Mitgliedsgemeinde's Samtgemeinde)."""
    kind = dict(zip(areas["area_id"], areas["kind"]))
    parent = dict(zip(areas["area_id"], areas["parent_id"]))
    a = area_id
    while a and kind.get(a) not in _PROFILE_KINDS:
        a = parent.get(a, "")
    if not a:
        raise ValueError(f"{area_id}: no municipality above it")
    return a


_PROFILE_KINDS = ("Stadt", "Einheitsgemeinde", "Samtgemeinde")


def build_config(root: Path, plants, data: str = "../data/musterland", src_folder: Path = MUSTERLAND) -> Path:
    """The report config of a planted build: strict, threshold 3, the profiles of the municipalities
    holding ``plants`` (a Sozialraum's town, a Mitgliedsgemeinde's Samtgemeinde), or ``all`` if
    that is every municipality."""
    areas = _read(Path(src_folder) / "areas.csv")
    munis = sorted({municipality_of(areas, p.area_id) for p in plants})
    every = areas.loc[areas["kind"].isin(_PROFILE_KINDS), "area_id"]
    profiles = "all" if set(every) <= set(munis) else "[" + ", ".join(f"'{m}'" for m in munis) + "]"
    path = Path(root) / "config" / "planted.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        'title: "Planted-leak test"\n'
        f"data: {data}\nreport_year: {REPORT_YEAR}\nprofiles: {profiles}\nvalidation: strict\n"
        "disclosure:\n  threshold: 3\n  mode: suppress\n  zeros_visible: true\n", encoding="utf-8")
    return path


# --- the sweep: every count variable at every level ---------------------------------------------

#: Areas the sweep never uses: the planted district's (build 1 holds both).
DISTRICT_AREAS = (BRAKENHAGEN, OSTERWALD)


def _levels(areas: pd.DataFrame, counts_areas: set) -> dict[str, list[str]]:
    """Base areas holding counts, by level, without :data:`DISTRICT_AREAS`: Sozialräume (round-robin
    over their towns) and municipalities (round-robin over their parents: the Samtgemeinden and
    the district for the Einheitsgemeinden), so consecutive areas lie in different towns."""
    base = areas[areas["area_id"].isin(counts_areas) & ~areas["area_id"].isin(DISTRICT_AREAS)]
    out = {}
    for level, rows in (("Sozialraum", base[base["kind"] == "Sozialraum"]),
                        ("Gemeinde", base[base["kind"] != "Sozialraum"])):
        groups = [list(g["area_id"]) for _, g in rows.groupby("parent_id", sort=True)]
        order = []
        while any(groups):
            for g in groups:
                if g:
                    order.append(g.pop(0))
        out[level] = order
    return out


def file_of_variables(src_folder: Path = MUSTERLAND) -> dict[str, str]:
    """The count file of every variable of the data files."""
    return {v: f for f in _count_files(Path(src_folder)) for v in _read(Path(src_folder) / f)["variable"].unique()}


def related(a: str, b: str) -> bool:
    """True if one of the two variables is part of the other (``RATIO_PAIRS`` or :data:`CAPS`)."""
    return any({num, den} == {a, b} for num, den, _f, _by in (*RATIO_PAIRS, *CAPS))


def interact(a: str, b: str, file_of: dict[str, str]) -> bool:
    """True if plants of the variables ``a`` and ``b`` in one area could change each other: the same
    variable or file, a relation in ``RATIO_PAIRS`` or :data:`CAPS`, or ``einwohner`` (every rate's
    denominator)."""
    return "einwohner" in (a, b) or file_of[a] == file_of[b] or related(a, b)


def sweep(src_folder: Path = MUSTERLAND) -> list[Variant]:
    """One variant per count variable (found in the files) × level × value (1 and 2), in the
    variable's latest year; the areas are not chosen yet (see :func:`sweep_builds`)."""
    variants = []
    for f in _count_files(Path(src_folder)):
        df = _read(Path(src_folder) / f)
        kinds = VARIABLES.get(f, {})
        for var in sorted(df["variable"].unique()):
            if kinds.get(var) == "sum":  # decimals (m², EUR/m²): not counts
                continue
            year = int(df.loc[df["variable"] == var, "year"].astype(int).max())
            for level in ("Sozialraum", "Gemeinde"):
                for value in (1, 2):
                    variants.append(Variant(f"{f}:{var}@{level}={value}", [Plant("?", var, year, value)]))
    return variants


def _level(label: str) -> str:
    return label.split("@")[1].split("=")[0]


def district_levels(src_folder: Path = MUSTERLAND) -> set[tuple[str, str]]:
    """(variable, level) of every plant of the district: these sweep plants go to build 2."""
    kind = _read(Path(src_folder) / "areas.csv").set_index("area_id")["kind"]
    return {(p.variable, "Sozialraum" if kind[p.area_id] == "Sozialraum" else "Gemeinde") for p in district_plants()}


def _half(label: str, district: set) -> int:
    """The sweep build of a variant (0: with the district): the 1 of a Sozialraum and the 2 of a
    municipality in the first, unless the district plants the variable at that level."""
    level, value = label.split("@")[1].split("=")
    if (label.split(":")[1].split("@")[0], level) in district:
        return 1
    return 0 if (level == "Sozialraum") == (value == "1") else 1


def sweep_builds(src_folder: Path = MUSTERLAND) -> list[list[Variant]]:
    """The sweep's variants in two halves (see the module docstring); within a half each plant gets
    the next area of its level (round-robin) that holds no plant it interacts with, ``einwohner``
    first and alone, then the areas' second plants once every area has one."""
    src_folder = Path(src_folder)
    areas = _read(src_folder / "areas.csv")
    with_counts = set()
    for f in _count_files(src_folder):
        with_counts |= set(_read(src_folder / f)["area_id"].unique())
    levels = _levels(areas, with_counts)
    file_of = file_of_variables(src_folder)
    district = district_levels(src_folder)
    parent = dict(zip(areas["area_id"], areas["parent_id"]))
    halves: list[list[Variant]] = [[], []]
    for v in sweep(src_folder):
        halves[_half(v.label, district)].append(v)
    builds: list[list[Variant]] = []
    for b, half in enumerate(halves):
        held: dict[str, list[str]] = {}
        out = []
        for v in sorted(half, key=lambda v: v.plants[0].variable != "einwohner"):
            (p,) = v.plants
            pool = levels[_level(v.label)]
            if b == 0:   # not beside Osterwald's small cells
                pool = [a for a in pool if parent[a] != parent[OSTERWALD]]
            free = [a for a in pool if a not in held]
            shared = [a for a in pool if a in held and not any(interact(p.variable, w, file_of) for w in held[a])]
            if p.variable == "einwohner":
                shared = []
            area = (free or shared or [None])[0]
            if area is None:
                raise ValueError(f"{v.label}: no area left that holds no interacting plant")
            held.setdefault(area, []).append(p.variable)
            out.append(Variant(v.label, [Plant(area, p.variable, p.year, p.value)]))
        builds.append(out)
    return builds


def builds(src_folder: Path = MUSTERLAND) -> list[list[Plant]]:
    """The plants of the two builds: the planted district with the sweep's first half, and the
    sweep's second half."""
    first, second = sweep_builds(src_folder)
    return [district_plants() + [p for v in first for p in v.plants], [p for v in second for p in v.plants]]
