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
  inhabitants), built by :func:`district_config` for the two municipalities 03499007 and 03499016.
- :func:`sweep`: every count variable found in the data files (so a new table or variable is
  covered without editing this module) at every level the data holds (Sozialraum rows and
  municipality rows), a 1 in one area and a 2 in another, in the latest year of the variable.
  **Combination**: one build holds many variants: each variant gets its own two areas of its level
  (never an area of another variant, so no plant changes another's denominators), assigned
  round-robin over the towns (Sozialräume) and over the municipalities. A build takes as many
  variants per level as there are area pairs of that level (36 Sozialräume → 18 pairs; 20
  municipalities holding counts, 16 Mitgliedsgemeinden and 4 Einheitsgemeinden → 10 pairs), so the
  21 count variables × 2 levels need ``ceil(21 / 10) = 3`` builds (:func:`sweep_builds`: 7
  variables per build at each level, 28 areas), each with every profile.
"""
from __future__ import annotations

import math
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
    """One planted table × level: its plants and the totals they leave small."""

    label: str
    plants: list = field(default_factory=list)


def _count_files(folder: Path) -> list[str]:
    """Every CSV file of ``folder`` in the count format (area_id, year, variable, value)."""
    out = []
    for p in sorted(folder.glob("*.csv")):
        head = p.open(encoding="utf-8").readline().strip().split(",")
        if {"area_id", "year", "variable", "value"} <= set(head):
            out.append(p.name)
    return out


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


def district_config(root: Path, data: str = "../data/musterland") -> Path:
    """The report config of the planted district: its two municipalities, strict, threshold 3."""
    path = Path(root) / "config" / "planted.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        'title: "Planted-leak test"\n'
        f"data: {data}\n"
        f"report_year: {REPORT_YEAR}\n"
        f"profiles: ['{BRAKENHAGEN}', '{MUSTERSTADT}']\n"
        "validation: strict\n"
        "disclosure:\n  threshold: 3\n  mode: suppress\n  zeros_visible: true\n", encoding="utf-8")
    return path


# --- the sweep: every count variable at every level ---------------------------------------------

def _levels(areas: pd.DataFrame, counts_areas: set) -> dict[str, list[str]]:
    """Base areas holding counts, by level: Sozialräume (round-robin over their towns) and
    municipalities (round-robin over their parents), so consecutive areas lie in different towns."""
    base = areas[areas["area_id"].isin(counts_areas)]
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


def sweep(src_folder: Path = MUSTERLAND) -> list[Variant]:
    """One variant per count variable (found in the files) × level: a 1 in one area, a 2 in another,
    in the variable's latest year; the areas are not chosen yet (see :func:`sweep_builds`)."""
    variants = []
    for f in _count_files(Path(src_folder)):
        df = _read(Path(src_folder) / f)
        kinds = VARIABLES.get(f, {})
        for var in sorted(df["variable"].unique()):
            if kinds.get(var) == "sum":  # decimals (m², EUR/m²): not counts
                continue
            year = int(df.loc[df["variable"] == var, "year"].astype(int).max())
            for level in ("Sozialraum", "Gemeinde"):
                variants.append(Variant(f"{f}:{var}@{level}", [("?", var, year, 1), ("?", var, year, 2)]))
    return variants


def sweep_builds(src_folder: Path = MUSTERLAND) -> list[list[Variant]]:
    """The sweep's variants combined into builds: in each build every variant has two areas of its
    level of its own, taken in turn from the round-robin list of that level."""
    src_folder = Path(src_folder)
    areas = _read(src_folder / "areas.csv")
    with_counts = set()
    for f in _count_files(src_folder):
        with_counts |= set(_read(src_folder / f)["area_id"].unique())
    levels = _levels(areas, with_counts)
    variants = sweep(src_folder)
    per_level = {lv: [v for v in variants if v.label.endswith("@" + lv)] for lv in levels}
    pairs = {lv: len(a) // 2 for lv, a in levels.items()}
    n_builds = max(math.ceil(len(per_level[lv]) / pairs[lv]) for lv in levels if per_level[lv])
    builds: list[list[Variant]] = [[] for _ in range(n_builds)]
    for lv, vs in per_level.items():
        for i, v in enumerate(vs):
            b, slot = i % n_builds, i // n_builds
            a1, a2 = levels[lv][2 * slot], levels[lv][2 * slot + 1]
            plants = [Plant(a, var, y, val) for a, (_, var, y, val) in zip((a1, a2), v.plants)]
            builds[b].append(Variant(v.label, plants))
    return builds


def sweep_config(root: Path, data: str = "../data/musterland") -> Path:
    """The report config of a sweep build: every municipality, strict, threshold 3."""
    path = Path(root) / "config" / "planted.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        'title: "Planted-leak sweep"\n'
        f"data: {data}\nreport_year: {REPORT_YEAR}\nprofiles: all\nvalidation: strict\n"
        "disclosure:\n  threshold: 3\n  mode: suppress\n  zeros_visible: true\n", encoding="utf-8")
    return path
