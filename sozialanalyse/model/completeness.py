"""Completeness of the long counts table: which base area lacks which variable in which year.

Counts are a long table (``area_id, year, variable, age_group, sex, nationality, type,
value``), so a missing delivery is not a wrong number but an *absent row*, and an absent row
summed is a 0. This module finds every absent row the documented format requires
(``data/README.md``, "Count tables"), so that validation can name it and the indicators can
publish "fehlt" instead of a number built on a silent zero.

The rule (:func:`find_gaps`): for every variable that occurs in the district, every *base
area* (:func:`sozialanalyse.model.areas.base_areas`) must have

* for every year in which any count table has rows (first to last year of all count tables;
  a year no table has at all is validation's ``year_gap``), or,
  for the variables of :data:`EXEMPT` (elections), for every year in which the variable occurs
  anywhere in the district,
* every dimension cell of the variable's grid: the product, over its dimensions, of the
  documented values (:data:`GRID`: 19 age bands, ``m``/``w``, ``deutsch``/``nichtdeutsch``,
  the ``type`` values) that occur for the variable anywhere in the district (``grid="observed"``,
  the default, used by validation, :attr:`sozialanalyse.io.own.District.gaps` and
  :func:`sozialanalyse.stats.indicators.compute`: a band or type a district delivers for no area at all
  is not required, so small test districts and the template stay checkable; one area lacking a
  band the others have is a gap), or all documented values (``grid="documented"``); for
  :data:`EXEMPT` variables the cells that occur anywhere in the district in that year (a
  Kommunalwahl year has no Bundestagswahl rows).

An explicit 0 is a value, not a gap. Rows outside the grid (an unknown category, a total row
of a variable broken down by a dimension) are not this module's business: validation rejects
them.

Variables not in :data:`GRID` are checked on the values that occur for them.

Examples
--------
>>> import pandas as pd
>>> areas = pd.DataFrame({"area_id": ["01", "01001", "01002"], "name": ["K", "A", "B"],
...                       "kind": ["Landkreis", "Stadt", "Einheitsgemeinde"],
...                       "parent_id": [None, "01", "01"]})
>>> counts = pd.DataFrame({"area_id": ["01001", "01002", "01001"], "year": [2023, 2023, 2024],
...     "variable": "sgb2_personen", "age_group": "insgesamt", "sex": "insgesamt",
...     "nationality": "insgesamt", "type": "insgesamt", "value": [10.0, 0.0, 12.0]})
>>> g = find_gaps(areas, counts)
>>> g[["file", "variable", "area_id", "year", "reason"]]
            file       variable area_id  year   reason
0  transfers.csv  sgb2_personen   01002  2024  no rows
>>> print(describe(g)[0][2])
variable sgb2_personen has no rows for area 01002 in 2024 (1 area-year)
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import areas as _areas

__all__ = ["EXEMPT", "GAP_COLUMNS", "GRID", "describe", "find_gaps", "lookup"]

DIMENSIONS = ("age_group", "sex", "nationality", "type")
TOTAL = "insgesamt"
_AGE = tuple(_areas.AGE_GROUPS)
_SEX = ("m", "w")
_NAT = ("deutsch", "nichtdeutsch")


def _spec(file: str, age=False, sex=False, nat=False, types=None) -> tuple[str, dict[str, tuple[str, ...]]]:
    return file, {"age_group": _AGE if age else (TOTAL,), "sex": _SEX if sex else (TOTAL,),
                  "nationality": _NAT if nat else (TOTAL,), "type": tuple(types) if types else (TOTAL,)}


#: The documented format (data/README.md, "Count tables"): variable -> (file, dimension grid).
GRID: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "einwohner": _spec("population.csv", age=True, sex=True, nat=True),
    "haushalte": _spec("households.csv", types=("einpersonen_unter65", "einpersonen_65plus", "paare_ohne_kinder",
                                                "paare_mit_kindern", "alleinerziehende", "sonstige")),
    "geburten": _spec("movements.csv", sex=True),
    "sterbefaelle": _spec("movements.csv", age=True, sex=True),
    "zuzuege": _spec("movements.csv", nat=True),
    "fortzuege": _spec("movements.csv", nat=True),
    "sgb2_personen": _spec("transfers.csv"),
    "sgb2_personen_unter15": _spec("transfers.csv"),
    "grundsicherung_65plus": _spec("transfers.csv"),
    "wohngeld_haushalte": _spec("transfers.csv"),
    "arbeitslose": _spec("labour.csv", types=("sgb2", "sgb3")),
    "langzeitarbeitslose": _spec("labour.csv"),
    "svb_wohnort": _spec("labour.csv", sex=True),
    "wohnflaeche_qm": _spec("housing.csv"),
    "mietangebote": _spec("housing.csv"),
    "miete_summe_eur_qm": _spec("housing.csv"),
    "wohndauer_jahre_summe": _spec("housing.csv"),
    "einschulung_untersuchte": _spec("school_entry.csv"),
    "einschulung_uebergewicht": _spec("school_entry.csv"),
    "einschulung_sprachfoerderbedarf": _spec("school_entry.csv"),
    "pflegebeduerftige": _spec("care.csv", age=True, sex=True, types=("pflegegeld", "ambulant", "stationaer")),
    "schwerbehinderte": _spec("disability.csv", age=True, sex=True),
    "wahlberechtigte": _spec("elections.csv", types=("bundestagswahl", "kommunalwahl")),
    "waehler": _spec("elections.csv", types=("bundestagswahl", "kommunalwahl")),
    # the KGSt fields (issue #18): optional tables income.csv and education.csv
    "einkommensteuer_eur": _spec("income.csv"),
    "svb_vollzeit_wohnort": _spec("income.csv"),
    "niedrigverdiener": _spec("income.csv"),
    "sozialgeld_personen": _spec("income.csv"),
    "kinder_kita_alter": _spec("education.csv", types=("unter3", "3bis5")),
    "kita_kinder": _spec("education.csv", types=("unter3", "3bis5")),
    "grundschulabgaenger": _spec("education.csv"),
    "uebergaenge_gymnasium": _spec("education.csv"),
    "schulabgaenger": _spec("education.csv"),
    "schulabgaenger_ohne_abschluss": _spec("education.csv"),
}
#: Variables counted only in some years (elections): expected are the years and cells in which
#: the variable occurs anywhere in the district (``validate.GAP_EXEMPT`` is this set).
EXEMPT = frozenset({"waehler", "wahlberechtigte"})
#: Columns of the gap table.
GAP_COLUMNS = ["file", "variable", "area_id", "year", "reason", "missing", "expected", "example"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("year", "missing", "expected") else object)
                         for c in GAP_COLUMNS})


def _codes(values: pd.Series, categories) -> np.ndarray:
    """Codes of ``values`` in ``categories`` (-1 where not among them)."""
    cats = pd.Index(list(categories), dtype=object)
    if isinstance(values.dtype, pd.CategoricalDtype):
        own = values.cat.categories.astype(str)
        return np.append(cats.get_indexer(own), -1)[values.cat.codes.to_numpy()]
    return cats.get_indexer(values.astype(str).to_numpy(dtype=object))


def find_gaps(areas: pd.DataFrame, counts: pd.DataFrame, grid: str = "observed",
              years: tuple[int, int] | None = None) -> pd.DataFrame:
    """Every base area, year and variable whose rows the format requires but the counts lack.

    Parameters
    ----------
    areas : DataFrame
        The area tree (``area_id, name, kind, parent_id``).
    counts : DataFrame
        The long counts table (``area_id, year, variable, age_group, sex, nationality, type,
        value``; absent dimensions ``insgesamt``). Rows of areas that are not base areas are
        ignored.
    grid : {"observed", "documented"}
        The cells required of a variable: the values of each dimension that occur for the
        variable anywhere in ``counts`` (for a variable of :data:`GRID` only its documented
        values, so an unknown category is not required of every area), or all documented values
        (:data:`GRID`; variables not in it: observed).
    years : (int, int), optional
        First and last year of the district (default: those of ``counts``); years outside are
        ignored.

    Returns
    -------
    DataFrame
        One row per base area, year and variable with a gap: ``file`` (the table the variable
        belongs to; ``"counts"`` for a variable not in :data:`GRID`), ``variable``, ``area_id``,
        ``year``, ``reason`` (``"no rows"``: not one row of the variable for the area in that
        year; ``"missing cells"``: some of its dimension cells absent), ``missing`` and
        ``expected`` (number of dimension cells), ``example`` (the first missing cell, e.g.
        ``"age_group 30-34, sex w, nationality deutsch"``; "" for a variable without
        dimensions). Sorted by file, variable, area, year. Empty if complete.

    Notes
    -----
    Vectorised: one boolean array *base area x year x cell* per variable, filled from the rows'
    integer codes; 2 million rows take about a second.
    """
    if grid not in ("documented", "observed"):
        raise ValueError(f"grid must be 'documented' or 'observed', got {grid!r}")
    if counts is None or len(counts) == 0 or len(areas) == 0:
        return _empty()
    base = pd.Index(_areas.base_areas(areas)["area_id"].astype(str).to_numpy(dtype=object))
    if len(base) == 0:
        return _empty()
    area_code = _codes(counts["area_id"], base)
    yc = counts["year"]
    if pd.api.types.is_integer_dtype(yc.dtype):
        year = yc.to_numpy()
        ok_year = np.ones(len(year), dtype=bool)
    else:
        year = pd.to_numeric(yc, errors="coerce").to_numpy(dtype=float)
        ok_year = ~np.isnan(year)
        year = np.where(ok_year, year, 0).astype(np.int64)
    if not ok_year.any():
        return _empty()
    y0, y1 = (int(year[ok_year].min()), int(year[ok_year].max())) if years is None else map(int, years)
    ny = y1 - y0 + 1
    year_code = np.where(ok_year & (year >= y0) & (year <= y1), year - y0, -1).astype(np.int32)
    year_seen = np.bincount(year_code[year_code >= 0], minlength=ny)[:ny] > 0  # years any table has
    var_codes, var_names = _factorize(counts["variable"])
    dim_all = {d: _factorize(counts[d]) for d in DIMENSIONS}
    order = np.argsort(var_codes, kind="stable")
    bounds = np.searchsorted(var_codes[order], np.arange(len(var_names) + 1))
    out = []
    for vi, var in enumerate(var_names):
        rows = order[bounds[vi]:bounds[vi + 1]]
        spec = GRID.get(var) if grid == "documented" else None
        file = GRID[var][0] if var in GRID else "counts"
        a, y = area_code[rows], year_code[rows]
        inside = (a >= 0) & (y >= 0)
        cell = np.zeros(len(rows), dtype=np.int32)
        labels, n_cells = [], 1
        for d in DIMENSIONS:
            codes, cats = dim_all[d]
            local = codes[rows].astype(np.int32)
            if spec is not None:
                vals = list(spec[1][d])
            else:
                used = np.bincount(local[local >= 0], minlength=len(cats)) > 0
                vals = sorted(cats[used].tolist())
                allowed = set(GRID[var][1][d]) if var in GRID else None
                if allowed is not None and set(vals) & allowed:
                    vals = [v for v in vals if v in allowed]
            # map the frame's category codes to positions in this variable's value list (-1: none)
            lut = np.append(pd.Index(vals, dtype=object).get_indexer(cats), -1).astype(np.int32)
            pos = lut[local]  # local == -1 (missing) picks the appended -1
            inside &= pos >= 0
            cell *= len(vals)
            cell += np.maximum(pos, 0)
            n_cells *= len(vals)
            labels.append((d, vals))
        present = np.zeros(len(base) * ny * n_cells, dtype=bool)
        flat = (a[inside].astype(np.int64) * ny + y[inside]) * n_cells + cell[inside]
        present[flat] = True
        present = present.reshape(len(base), ny, n_cells)
        y = np.where(inside, y, -1)
        if var in EXEMPT:  # election years and types: what occurs anywhere in the district
            expected = np.zeros((ny, n_cells), dtype=bool)
            expected[y[inside], cell[inside]] = True
        else:
            expected = np.repeat(year_seen[:, None], n_cells, axis=1)
        missing = expected[None, :, :] & ~present
        n_missing = missing.sum(axis=2)
        ai, yi = np.nonzero(n_missing)
        if ai.size == 0:
            continue
        n_expected = expected.sum(axis=1)[yi]
        first = missing[ai, yi].argmax(axis=1)
        nm = n_missing[ai, yi]
        reason = np.where(present[ai, yi].any(axis=1), "missing cells", "no rows")
        shown = [(d, vals) for d, vals in labels if vals != [TOTAL]]
        out.append(pd.DataFrame({
            "file": file, "variable": var, "area_id": base.to_numpy()[ai], "year": (yi + y0).astype(np.int64),
            "reason": reason, "missing": nm.astype(np.int64), "expected": n_expected.astype(np.int64),
            "example": _cell_text(first, labels, shown),
        }))
    if not out:
        return _empty()
    res = pd.concat(out, ignore_index=True)
    return res.sort_values(["file", "variable", "area_id", "year"], kind="stable").reset_index(drop=True)


def _factorize(col: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and categories of a column as text (categoricals without a copy)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy(), pd.Index(col.cat.categories.astype(str), dtype=object)
    codes, cats = pd.factorize(col.astype(str), sort=False)
    return codes, pd.Index(cats, dtype=object)


def _cell_text(flat: np.ndarray, labels, shown) -> list[str]:
    """``"age_group 30-34, sex w"`` for flat cell indices (dimensions with values only)."""
    if not shown:
        return [""] * len(flat)
    parts, rest = {}, flat.copy()
    for d, vals in reversed(labels):
        parts[d] = np.asarray(vals, dtype=object)[rest % len(vals)]
        rest //= len(vals)
    return [", ".join(f"{d} {parts[d][i]}" for d, _ in shown) for i in range(len(flat))]


def _years(ys) -> str:
    ys = sorted({int(y) for y in ys})
    return ", ".join(map(str, ys))


def describe(gaps: pd.DataFrame, examples: int = 5) -> list[tuple[str, str, str]]:
    """Group a gap table into one message per file and variable.

    Returns ``[(file, variable, message), ...]``; the message names the first ``examples``
    area keys with their years and the counts, never one line per row, e.g.
    ``variable sgb2_personen has no rows for area 03499003-02 in 2024 (1 area-year)``.
    """
    out = []
    if gaps is None or gaps.empty:
        return out
    for (file, var), g in gaps.groupby(["file", "variable"], sort=True):
        parts = []
        for reason, h in g.groupby("reason", sort=False):
            by_area = h.groupby("area_id", sort=True)["year"].agg(_years)
            shown = [f"area {a} in {ys}" for a, ys in list(by_area.items())[:examples]]
            more = f" and {len(by_area) - examples} more area(s)" if len(by_area) > examples else ""
            if reason == "no rows":
                parts.append(f"has no rows for {'; '.join(shown)}{more}")
            else:
                ex = h.iloc[0]
                parts.append(f"lacks dimension cells for {'; '.join(shown)}{more} (e.g. area {ex['area_id']} "
                             f"{int(ex['year'])}: {int(ex['missing'])} of {int(ex['expected'])} cells missing, "
                             f"first {ex['example']})")
        n, n_areas, n_years = len(g), g["area_id"].nunique(), g["year"].nunique()
        count = f"{n} area-year" + ("s" if n != 1 else "")
        if n > 1:
            count += f": {n_areas} area(s), {n_years} year(s)"
        out.append((file, var, f"variable {var} {' and '.join(parts)} ({count})"))
    return out


def lookup(gaps: pd.DataFrame) -> dict[tuple[str, int], list[str]]:
    """``{(area_id, year): [variables]}`` of a gap table, for quick checks by base area."""
    out: dict[tuple[str, int], list[str]] = {}
    if gaps is None or gaps.empty:
        return out
    for a, y, v in zip(gaps["area_id"], gaps["year"], gaps["variable"]):
        out.setdefault((str(a), int(y)), []).append(str(v))
    return out
