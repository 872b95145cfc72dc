"""Indicators (Kennzahlen) from the long counts table: catalog, engine, change and index.

Every indicator is the quotient of two sums over the long counts table
``area_id, year, variable, age_group, sex, nationality, type, value``::

    value = multiplier * sum(numerator rows) / sum(denominator rows)

The indicators are described in a YAML catalog (``catalog.yml`` shipped with the package;
a user file can extend it or override single keys). :func:`compute` evaluates any set of
indicators for every area at one or more levels of the area tree. Counts are summed from
the base areas up to the level *before* dividing, so a rate for a Gemeinde is never a mean
of Sozialraum rates.

The front door::

    import sozialanalyse as sa
    sa.stats.indicators.catalog()                       # one row per indicator
    res = sa.stats.indicators.compute(district, level=["gemeinde", "kreis"])
    sa.stats.indicators.change(res, years=5)            # change in percentage points / units
    sa.stats.indicators.index_base(res, base_year=2015) # 2015 = 100

Notes
-----
The engine is vectorised: every numerator and denominator is a signed set of *cells*
(combinations of variable, age group, sex, nationality and type). The counts become a sparse
matrix *(base area x year) by cell*; one sparse product with the matrix *cell by
numerator/denominator* yields all sums for all base areas, and one more sparse product with
the *level area by base area* indicator matrix sums them up to each level. No loop runs over
areas; loops run only over catalog entries (to build the small cell matrix) and levels.

Confidence intervals (``lower`` / ``upper`` at the level ``conf_level``, default 95 %):

* ``proportion``: Wilson score interval (:func:`sozialanalyse.stats.health.wilson_ci`), only where
  ``0 <= numerator <= denominator``;
* ``rate`` and ``ratio``: Poisson interval of the numerator (exact below 10 events, Byar from
  10 on, :func:`sozialanalyse.stats.health.poisson_ci`) divided by the denominator, which is
  treated as fixed;
* ``mean`` (e.g. mean rent = sum of rents / offers) and ``saldo`` (a difference of counts
  per population): no interval (NaN). A mean's interval would need the spread of the
  individual values, which the counts table does not hold; a difference of two Poisson
  counts is not Poisson.

Notes on a value (``;``-separated in the ``notes`` column; results are flagged, never hidden):

* ``small_denominator``: denominator below the indicator's ``min_denominator``;
* ``zero_denominator``: denominator zero, value NaN;
* ``below_min_level``: level finer than the indicator's ``min_level``;
* ``numerator_exceeds_denominator``: a proportion above 100 % (data error), no interval;
* ``negative_numerator``: a negative numerator for a kind that needs a count, no interval.

References
----------
Wilson EB (1927). Probable inference, the law of succession, and statistical inference.
JASA 22: 209-212.
Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, Vol. II. IARC, p. 69.
Public Health England (2018). Technical Guide: Confidence intervals.
Bertelsmann Stiftung, Wegweiser Kommune; BBSR, INKAR: definitions of the demographic and
social indicators.

Examples
--------
>>> import pandas as pd
>>> areas = pd.DataFrame({"area_id": ["01", "01001", "01002"],
...                       "name": ["Kreis", "A", "B"],
...                       "kind": ["Landkreis", "Stadt", "Einheitsgemeinde"],
...                       "parent_id": [None, "01", "01"]})
>>> counts = pd.DataFrame({
...     "area_id": ["01001", "01001", "01002", "01002"], "year": 2020,
...     "variable": ["einwohner", "sgb2_personen"] * 2, "age_group": ["20-24", "insgesamt"] * 2,
...     "sex": "insgesamt", "nationality": "insgesamt", "type": "insgesamt",
...     "value": [1000.0, 100.0, 300.0, 90.0]})
>>> res = compute(counts, ids=["sgb2_quote"], level=["gemeinde", "kreis"], areas=areas)
>>> res[["area_id", "name", "level", "value", "numerator", "denominator"]].round(2)
  area_id   name     level  value  numerator  denominator
0   01001      A  gemeinde  10.00      100.0       1000.0
1   01002      B  gemeinde  30.00       90.0        300.0
2      01  Kreis     kreis  14.62      190.0       1300.0
"""
from __future__ import annotations

import copy
import difflib
import functools
import re
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import sparse

from ..model import completeness as _completeness
from ..model.areas import LEVEL_KINDS, LEVELS, age_groups_between
from ..model.config import Config
from . import _checks as check
from .health import POLARITIES, poisson_ci, wilson_ci

__all__ = [
    "DIMENSIONS",
    "FIELDS",
    "KINDS",
    "LEVEL_ORDER",
    "POLARITIES",
    "REQUIRED_KEYS",
    "RESULT_COLUMNS",
    "catalog",
    "change",
    "check_catalog",
    "district_catalog",
    "compute",
    "index_base",
    "load_catalog",
]

#: Handlungsfelder, in report order.
FIELDS = (
    "Demografie",
    "Einkommen und Transferleistungen",
    "Arbeit",
    "Wohnen",
    "Bildung",
    "Gesundheit",
    "Pflege",
    "Migration und Integration",
    "Partizipation",
)
#: Kinds of indicator and their confidence interval.
KINDS = ("proportion", "rate", "ratio", "mean", "saldo")
DIMENSIONS = ("age_group", "sex", "nationality", "type")
RESULT_COLUMNS = [
    "area_id", "name", "level", "year", "indicator", "value", "numerator", "denominator",
    "lower", "upper", "notes", "reason",
]
REQUIRED_KEYS = (
    "id", "name", "definition", "field", "numerator", "denominator", "unit", "multiplier",
    "kind", "polarity", "source", "min_level", "min_denominator",
)
#: Area levels from finest to coarsest (for ``min_level``).
LEVEL_ORDER = ("sozialraum", "gemeinde", "gemeindeverband", "kreis")
_SPEC_KEYS = {"variable", "age", "sex", "nationality", "type"}
_NOTE_NAMES = (
    "small_denominator",
    "zero_denominator",
    "below_min_level",
    "numerator_exceeds_denominator",
    "negative_numerator",
)
_TOTAL = "insgesamt"


# --------------------------------------------------------------------------- catalog


def _default_catalog_path() -> Path:
    return Path(str(resources.files(__package__).joinpath("catalog.yml")))


def _read_yaml(path) -> tuple[dict, ...]:
    """The entries of a catalog file; read once per file version (pages ask for the catalog in
    every table, and parsing the packaged YAML takes about 40 ms). Callers copy what they change."""
    p = Path(path)
    stat = p.stat()
    return _read_yaml_version(str(p.resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _read_yaml_version(path: str, mtime_ns: int, size: int) -> tuple[dict, ...]:
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    entries = doc.get("indicators", []) if isinstance(doc, dict) else doc
    if not isinstance(entries, list):
        raise TypeError(f"{path}: expected a list under 'indicators'")
    for e in entries:
        if not isinstance(e, dict) or "id" not in e:
            raise ValueError(f"{path}: every indicator needs an 'id' (got {e!r})")
    return tuple(entries)


def load_catalog(paths=None, include_default: bool = True) -> dict[str, dict]:
    """Read indicator catalogs and merge them into one dict ``{id: definition}``.

    Parameters
    ----------
    paths : str, Path or list of them, optional
        User YAML files (same layout as the packaged ``catalog.yml``). Later files win; an
        entry whose ``id`` already exists overrides only the keys it names, a new ``id`` is
        added (and must then be complete).
    include_default : bool
        Start from the packaged catalog (default) or from nothing.

    Returns
    -------
    dict
        Indicator id -> definition dict, in catalog order. Checked with
        :func:`check_catalog` (structure only).

    Examples
    --------
    >>> cat = load_catalog()
    >>> cat["sgb2_quote"]["name"], cat["sgb2_quote"]["unit"]
    ('SGB-II-Quote', '%')
    """
    files = [_default_catalog_path()] if include_default else []
    if paths is not None:
        files += [paths] if isinstance(paths, (str, Path)) else list(paths)
    out: dict[str, dict] = {}
    for f in files:
        for entry in _read_yaml(f):
            iid = entry["id"]
            if iid in out:
                out[iid].update(copy.deepcopy(entry))
            else:
                out[iid] = copy.deepcopy(entry)
    check_catalog(out)
    return out


def district_catalog(district):
    """The user catalog file(s) a district's config names (``catalog:``), else ``None``."""
    config = getattr(district, "config", None)
    if isinstance(config, Config):  # the typed config of a loaded district: paths already resolved
        return list(config.catalog) or None
    return (config or {}).get("catalog") or None if isinstance(config, dict) else None


def _resolve_catalog(cat) -> dict[str, dict]:
    if cat is None:
        return load_catalog()
    if isinstance(cat, dict):
        check_catalog(cat)
        return cat
    if isinstance(cat, pd.DataFrame):
        raise TypeError("pass the dict from load_catalog(), not the display table of catalog()")
    return load_catalog(cat)


def _spec_text(spec) -> str:
    """Compact text of a numerator/denominator for display, e.g. ``einwohner[65+]``."""
    terms = _terms(spec)
    parts = []
    for i, (sign, s) in enumerate(terms):
        txt = s["variable"]
        filt = []
        if s.get("age") is not None:
            lo, hi = s["age"]
            filt.append(f"{lo}+" if hi is None else f"{lo}-{hi}")
        for d in ("sex", "nationality", "type"):
            if s.get(d) is not None:
                filt.append(",".join(_as_list(s[d])))
        if filt:
            txt += "[" + "; ".join(filt) + "]"
        parts.append(("- " if sign < 0 else ("+ " if i else "")) + txt)
    return " ".join(parts)


def catalog(path=None) -> pd.DataFrame:
    """The indicator catalog as a table, one row per indicator (for display).

    Parameters
    ----------
    path : str, Path or list, optional
        User catalog file(s) extending the packaged catalog (see :func:`load_catalog`).

    Returns
    -------
    DataFrame
        Columns ``id, name, field, definition, unit, multiplier, kind, polarity, numerator,
        denominator, source, min_level, min_denominator``.

    Examples
    --------
    >>> cat = catalog()
    >>> len(cat) >= 40
    True
    >>> cat.set_index("id").loc["altenquotient", ["field", "unit"]].tolist()
    ['Demografie', 'je 100 Einw. 20-64 J.']
    """
    cat = load_catalog(path)
    rows = []
    for iid, e in cat.items():
        rows.append({
            "id": iid,
            "name": e["name"],
            "field": e["field"],
            "definition": " ".join(str(e["definition"]).split()),
            "unit": e["unit"],
            "multiplier": e["multiplier"],
            "kind": e["kind"],
            "polarity": e["polarity"],
            "numerator": _spec_text(e["numerator"]),
            "denominator": _spec_text(e["denominator"]),
            "source": e["source"],
            "min_level": e["min_level"],
            "min_denominator": e["min_denominator"],
        })
    return pd.DataFrame(rows)


def _as_list(v) -> list:
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _terms(spec) -> list[tuple[int, dict]]:
    """Normalise a numerator/denominator to a list of ``(sign, filter spec)``."""
    if isinstance(spec, list):
        return [t for s in spec for t in _terms(s)]
    if not isinstance(spec, dict):
        raise TypeError(f"expected a mapping, got {spec!r}")
    if "minus" in spec:
        parts = [_terms(s) for s in _as_list(spec["minus"])]
        out = list(parts[0])
        for p in parts[1:]:
            out += [(-sign, s) for sign, s in p]
        return out
    if "sum" in spec:
        return _terms(list(_as_list(spec["sum"])))
    return [(1, spec)]


def _unit_per(unit: str) -> int | None:
    """The multiplier a unit implies (``%`` -> 100, ``je 1.000 ...`` -> 1000), else None."""
    if unit == "%":
        return 100
    m = re.match(r"^je (\d{1,3}(?:\.\d{3})*|\d+)(?:\s|$)", unit)
    if m:
        return int(m.group(1).replace(".", ""))
    if unit == "Index":
        return 100
    if unit == "Verhältnis":
        return 1
    return None


def _check_entry(iid: str, e: dict, errors: list[str]) -> None:
    def err(field, msg):
        errors.append(f"indicator {iid!r}, field {field!r}: {msg}")

    for k in REQUIRED_KEYS:
        if k not in e or e[k] is None or (isinstance(e[k], str) and not e[k].strip()):
            err(k, "missing")
    if e.get("field") is not None and e["field"] not in FIELDS:
        err("field", f"unknown Handlungsfeld {e['field']!r}; known: {', '.join(FIELDS)}")
    kind = e.get("kind")
    if kind is not None and kind not in KINDS:
        err("kind", f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
    if e.get("polarity") is not None and e["polarity"] not in POLARITIES:
        err("polarity", f"unknown polarity {e['polarity']!r}; known: {', '.join(POLARITIES)}")
    if e.get("min_level") is not None and e["min_level"] not in LEVEL_ORDER:
        err("min_level", f"unknown level {e['min_level']!r}; known: {', '.join(LEVEL_ORDER)}")
    md = e.get("min_denominator")
    if md is not None and (not isinstance(md, (int, float)) or md < 0):
        err("min_denominator", f"must be a number >= 0, got {md!r}")
    mult = e.get("multiplier")
    if mult is not None and (not isinstance(mult, (int, float)) or mult <= 0):
        err("multiplier", f"must be a positive number, got {mult!r}")
        mult = None
    unit = e.get("unit")
    if isinstance(unit, str) and kind in KINDS:
        per = _unit_per(unit)
        if kind == "mean":
            if per is not None:
                err("unit", f"unit {unit!r} is a per-population unit, it does not fit kind 'mean'")
        elif per is None:
            err("unit", f"unit {unit!r} does not fit kind {kind!r} (use '%' or 'je N ...')")
        elif mult is not None and per != mult:
            err("multiplier", f"unit {unit!r} requires multiplier {per}, got {mult}")
        if kind == "proportion" and unit in ("Index", "Verhältnis"):
            err("unit", f"unit {unit!r} does not fit kind 'proportion'")
    for part in ("numerator", "denominator"):
        if e.get(part) is None:
            continue
        try:
            terms = _terms(e[part])
        except (TypeError, IndexError) as exc:
            err(part, f"malformed: {exc}")
            continue
        if part == "denominator" and any(sign < 0 for sign, _ in terms):
            err(part, "a denominator must not contain 'minus'")
        for _, s in terms:
            if "variable" not in s:
                err(f"{part}.variable", "missing")
            for key in s:
                if key not in _SPEC_KEYS:
                    err(f"{part}.{key}", f"unknown column {key!r}; known: "
                        + ", ".join(sorted(_SPEC_KEYS)))
            if s.get("age") is not None:
                age = s["age"]
                if not isinstance(age, (list, tuple)) or len(age) != 2 or age[0] is None:
                    err(f"{part}.age", f"expected [lower, upper] (upper may be null), got {age!r}")
                else:
                    try:
                        if not age_groups_between(int(age[0]),
                                                  None if age[1] is None else int(age[1])):
                            err(f"{part}.age", f"no age band in {age!r}")
                    except ValueError as exc:
                        err(f"{part}.age", str(exc))


def check_catalog(catalog: dict[str, dict], counts: pd.DataFrame | None = None) -> None:
    """Check a catalog (and, given ``counts``, that it fits the data); raise on errors.

    Structure: required keys, known Handlungsfeld / kind / polarity / ``min_level``, a unit
    that fits the kind and the multiplier (``%`` needs 100, ``je 1.000 ...`` needs 1000, a
    ``mean`` needs a physical unit such as ``EUR/m²``), filters naming known columns and valid
    age bounds. With ``counts``: every variable and dimension value exists for that variable
    (a filter on a dimension a variable is not broken down by is an error), and the
    denominator is not zero in all areas.

    Parameters
    ----------
    catalog : dict
        ``{id: definition}`` as from :func:`load_catalog`.
    counts : DataFrame, optional
        Long counts table.

    Raises
    ------
    ValueError
        Listing every problem as ``indicator '<id>', field '<field>': <message>``.

    Examples
    --------
    >>> cat = load_catalog()
    >>> bad = {"x": dict(cat["sgb2_quote"], id="x", unit="%", multiplier=1000)}
    >>> check_catalog(bad)
    Traceback (most recent call last):
    ...
    ValueError: indicator 'x', field 'multiplier': unit '%' requires multiplier 100, got 1000
    """
    errors: list[str] = []
    for iid, e in catalog.items():
        if e.get("id", iid) != iid:
            errors.append(f"indicator {iid!r}, field 'id': key and id {e.get('id')!r} differ")
        _check_entry(iid, e, errors)
    if errors:
        raise ValueError("\n".join(errors))
    if counts is not None:
        cells = _Cells(counts, "check_catalog")
        errors += cells.check(catalog)
        if not errors:
            groups, _ = _groups(catalog, list(catalog), cells)
            z = cells.sums(groups)  # (A*Y, G)
            for iid, e in catalog.items():
                g = groups.index_of[_key(e["denominator"])]
                present = cells.present(groups.variables[g])
                if present.any() and not np.any(z[:, g] != 0):
                    errors.append(f"indicator {iid!r}, field 'denominator': "
                                  "zero in every area and year")
    if errors:
        raise ValueError("\n".join(errors))


# ---------------------------------------------------------------------------- engine


def _codes(col: pd.Series, fn: str, counts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and categories of a column (categoricals without a copy)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()
        cats = np.asarray(col.cat.categories, dtype=object)
    else:
        codes, cats = pd.factorize(col, sort=False)
        cats = np.asarray(cats, dtype=object)
    if codes.size and codes.min() < 0:
        pos = check.first_bad(codes < 0)
        keys = [k for k in ("area_id", "year", "variable") if k != col.name]
        raise ValueError(f"{fn}(): counts column {col.name!r} has a missing value "
                         f"{check.location(counts, pos, keys)}")
    return codes, cats


class _Cells:
    """Counts as integer codes: row = (area, year), cell = (variable, dimensions)."""

    def __init__(self, counts: pd.DataFrame, fn: str):
        check.columns(fn, counts, ("area_id", "year", "variable", *DIMENSIONS, "value"), "counts")
        area_codes, self.area_ids = _codes(counts["area_id"], fn, counts)
        year = counts["year"].to_numpy()
        self.year0 = int(year.min()) if year.size else 0
        self.years = np.arange(self.year0, int(year.max()) + 1) if year.size else np.array([])
        ny = len(self.years)
        self.dim_cats = {}
        codes = {}
        for d in ("variable", *DIMENSIONS):
            codes[d], self.dim_cats[d] = _codes(counts[d], fn, counts)
        self.sizes = [len(self.dim_cats[d]) for d in ("variable", *DIMENSIONS)]
        self.n_cells = int(np.prod(self.sizes))
        # int32 indices where they fit: half the memory of int64 for tens of millions of rows
        itype = np.int32 if max(self.n_cells, len(self.area_ids) * ny) < 2**31 else np.int64
        key = codes["variable"].astype(itype)
        for d, n in zip(DIMENSIONS, self.sizes[1:]):
            key *= n
            key += codes[d]
        self.key = key
        year_codes = (year - self.year0).astype(itype)
        # (variable, year) pairs with data
        nv = self.sizes[0]
        vy = codes["variable"].astype(itype) * ny + year_codes
        self.var_year = (np.bincount(vy, minlength=nv * ny) > 0).reshape(nv, ny)
        del vy, codes
        self.row = area_codes.astype(itype)
        self.row *= ny
        self.row += year_codes
        del year_codes
        self.value = counts["value"].to_numpy(dtype=float)
        self.var_index = {v: i for i, v in enumerate(self.dim_cats["variable"])}
        self.cat_index = {d: {v: i for i, v in enumerate(self.dim_cats[d])} for d in DIMENSIONS}
        # cells that occur
        self.cell_present = np.bincount(key, minlength=self.n_cells) > 0
        self._x = None

    def present(self, variables) -> np.ndarray:
        """Years (bool per year) in which all ``variables`` have rows."""
        out = np.ones(len(self.years), dtype=bool)
        for v in variables:
            out &= self.var_year[self.var_index[v]] if v in self.var_index else False
        return out

    def _cell_block(self, spec) -> np.ndarray:
        """Flat indices of the cells a filter spec selects (unknown values raise KeyError)."""
        v = self.var_index[spec["variable"]]
        sel = [np.array([v])]
        for d in DIMENSIONS:
            wanted = self._wanted(spec, d)
            if wanted is None:
                sel.append(np.arange(len(self.dim_cats[d])))
            else:
                sel.append(np.array([self.cat_index[d][w] for w in wanted
                                     if w in self.cat_index[d]], dtype=np.int64))
        flat = np.zeros(1, dtype=np.int64)
        for s, n in zip(sel, self.sizes):
            flat = (flat[:, None] * n + s[None, :]).ravel()
        return flat

    @staticmethod
    def _wanted(spec, d):
        if d == "age_group":
            if spec.get("age") is None:
                return None
            lo, hi = spec["age"]
            return age_groups_between(int(lo), None if hi is None else int(hi))
        return None if spec.get(d) is None else [str(x) for x in _as_list(spec[d])]

    def check(self, catalog: dict) -> list[str]:
        """Errors for variables / dimension values the counts table does not have."""
        errors = []
        for iid, e in catalog.items():
            for part in ("numerator", "denominator"):
                for _, s in _terms(e[part]):
                    var = s["variable"]
                    if var not in self.var_index:
                        errors.append(f"indicator {iid!r}, field '{part}.variable': unknown "
                                      f"variable {var!r}")
                        continue
                    v = self.var_index[var]
                    cells = self.cell_present.reshape(self.sizes)[v]
                    for j, d in enumerate(DIMENSIONS):
                        wanted = self._wanted(s, d)
                        if wanted is None:
                            continue
                        axes = tuple(k for k in range(len(DIMENSIONS)) if k != j)
                        have = {self.dim_cats[d][i] for i in np.flatnonzero(cells.any(axis=axes))}
                        field = "age" if d == "age_group" else d
                        if d == "age_group":
                            # a band may be absent from small data; the variable must have bands
                            bad = [] if have - {_TOTAL} else wanted
                        else:
                            bad = [w for w in wanted if w not in have]
                        if bad:
                            hint = (" (the variable is not broken down by it)"
                                    if have == {_TOTAL} else "")
                            errors.append(
                                f"indicator {iid!r}, field '{part}.{field}': value(s) "
                                f"{', '.join(map(repr, bad))} not in the data for variable "
                                f"{var!r}{hint}")
        return errors

    def sums(self, groups) -> np.ndarray:
        """Dense (area*year, group) sums of all numerators/denominators at base level."""
        if self._x is None:
            nrow = len(self.area_ids) * len(self.years)
            self._x = sparse.csr_matrix((self.value, (self.row, self.key)),
                                        shape=(nrow, self.n_cells))
            del self.row, self.key, self.value  # the matrix holds the counts now
        return np.asarray((self._x @ groups.weights).todense())


class _Groups:
    pass


def _key(spec) -> str:
    return repr(sorted((sign, sorted((k, repr(v)) for k, v in s.items()))
                       for sign, s in _terms(spec)))


def _groups(cat: dict, ids: list[str], cells: _Cells):
    """Distinct numerators/denominators as a sparse (cell x group) weight matrix."""
    g = _Groups()
    g.index_of, g.variables = {}, []
    rows, cols, data = [], [], []
    num_idx, den_idx = [], []
    for iid in ids:
        e = cat[iid]
        for part, target in (("numerator", num_idx), ("denominator", den_idx)):
            k = _key(e[part])
            if k not in g.index_of:
                j = g.index_of[k] = len(g.variables)
                terms = _terms(e[part])
                g.variables.append(sorted({s["variable"] for _, s in terms}))
                for sign, s in terms:
                    block = cells._cell_block(s)
                    rows.append(block)
                    cols.append(np.full(block.size, j))
                    data.append(np.full(block.size, float(sign)))
            target.append(g.index_of[k])
    g.weights = sparse.csr_matrix(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
        shape=(cells.n_cells, len(g.variables)))
    g.weights.sum_duplicates()
    return g, (np.array(num_idx), np.array(den_idx))


def _level_map(areas: pd.DataFrame, level: str) -> pd.Series:
    """Base area -> area at ``level``; same result as :func:`sozialanalyse.model.areas.base_to_level`.

    Vectorised (one pass per tree depth instead of one ancestor walk per base area), so that
    it stays fast for thousands of areas.
    """
    if level not in LEVEL_KINDS:
        raise ValueError(f"unknown level {level!r}; known levels: {', '.join(LEVELS)}")
    ids = areas["area_id"].astype(object).to_numpy()
    parent = areas["parent_id"].astype(object).where(areas["parent_id"].notna(), None)
    parent = parent.map(lambda p: p if isinstance(p, str) and p else None).to_numpy()
    is_parent = pd.Series(ids).isin({p for p in parent if p is not None}).to_numpy()
    base = ids[~is_parent]
    pos = pd.Series(np.arange(len(ids)), index=ids)
    parent_pos = pd.Series(parent).map(pos).to_numpy()  # NaN for the root
    in_level = areas["kind"].isin(LEVEL_KINDS[level]).to_numpy()
    cur = pos.loc[base].to_numpy().astype(float)
    found = np.full(len(base), np.nan)
    for _ in range(len(ids) + 1):
        alive = ~np.isnan(cur) & np.isnan(found)
        if not alive.any():
            break
        ci = cur[alive].astype(int)
        hit = in_level[ci]
        idx = np.flatnonzero(alive)
        found[idx[hit]] = ci[hit]
        cur[idx[~hit]] = parent_pos[ci[~hit]]
    ok = ~np.isnan(found)
    return pd.Series(ids[found[ok].astype(int)], index=pd.Index(base[ok], name="area_id"),
                     name=level, dtype="object")


def _unpack(data, areas):
    if hasattr(data, "counts") and hasattr(data, "areas"):
        counts = data.counts
        areas = data.areas if areas is None else areas
    else:
        counts = data
    if not isinstance(counts, pd.DataFrame):
        raise TypeError("compute(): data must be a counts DataFrame or an object with .counts and "
                        f".areas, got {type(counts).__name__}")
    if areas is None:
        raise ValueError("compute(): pass the area tree as areas= (or an object with .counts and "
                         ".areas)")
    return counts, areas


def compute(data, ids=None, level="gemeindeverband", years=None, areas=None, catalog=None,
            conf_level: float = 0.95, gaps=None) -> pd.DataFrame:
    """Compute indicators for every area at one or more levels.

    Parameters
    ----------
    data : DataFrame or District-like
        The long counts table, or an object with ``.counts`` (long table) and ``.areas``
        (area tree ``area_id, name, kind, parent_id``).
    ids : str or list of str, optional
        Indicator ids; default all indicators of the catalog whose variables occur in the
        counts (others are skipped with a warning). Explicitly named ids must be computable.
    level : str or list of str
        ``sozialraum``, ``gemeinde``, ``gemeindeverband``, ``kreis`` or a list of them.
    years : int or list of int, optional
        Years to report (default all years of the counts).
    areas : DataFrame, optional
        The area tree if ``data`` is a plain counts table.
    catalog : dict, path or list of paths, optional
        Catalog from :func:`load_catalog`, or user YAML file(s) extending the packaged one.
    conf_level : float
        Confidence level of ``lower`` / ``upper`` (default 0.95).
    gaps : DataFrame, optional
        Absent rows (:func:`sozialanalyse.model.completeness.find_gaps`). Default: ``data.gaps`` of a
        district; for a plain counts table, the gaps of that table
        (:func:`~sozialanalyse.model.completeness.find_gaps` with the values each variable has anywhere
        in it as its grid, every base area of ``areas`` and every year from the first to the last
        of the table).

    Returns
    -------
    DataFrame
        Columns ``area_id, name, level, year, indicator, value, numerator, denominator, lower,
        upper, notes, reason``; one row per area, year and indicator (years in which a
        variable of the indicator has no data at all, e.g. elections, are left out). ``name``
        is the area's name from the area tree. ``value`` and its confidence limits ``lower`` /
        ``upper`` (at ``conf_level``) are in the indicator's unit (``multiplier`` applied),
        numerator and denominator are the summed counts. ``notes`` is a ``;``-separated string
        of caveats on the value ("" if none; see the module docstring).
        ``reason`` is "" for a complete value and says why a value is missing (NaN) otherwise,
        e.g. ``incomplete: sgb2_personen 2024 in 1 of 18 base areas``: a base area below the
        area lacks rows of a numerator or denominator variable in that year (``gaps``).
        ``area_id``, ``name``, ``level``, ``indicator``, ``notes`` and ``reason`` are categoricals
        of strings (millions of rows at Sozialraum level stay small and fast); they merge,
        compare and group with plain string columns as they are (``result.merge(frame,
        on="area_id")``), and ``.astype(str)`` gives plain strings where a value outside the
        categories is to be written into them.

    Notes
    -----
    Counts are summed from base areas to each area of the level before dividing. See the
    module docstring for intervals and notes.

    Raises
    ------
    ValueError
        For ``years`` the counts do not hold (naming the years that exist), unknown ids or
        levels.

    Examples
    --------
    See the module docstring.
    """
    counts, areas = _unpack(data, areas)
    cat = _resolve_catalog(district_catalog(data) if catalog is None else catalog)
    levels = [level] if isinstance(level, str) else list(level)
    for lv in levels:
        if lv not in LEVEL_KINDS:
            case = (f" (level names are lower case: {lv.lower()!r})"
                    if isinstance(lv, str) and lv.lower() in LEVEL_KINDS else "")
            raise ValueError(f"compute(): unknown level {lv!r}; known levels: {', '.join(LEVELS)}{case}")
    have_years = sorted(int(y) for y in pd.unique(counts["year"]))
    if years is not None:
        asked = list(years) if isinstance(years, (list, tuple, range, np.ndarray, pd.Series)) else [years]
        for y in asked:
            if isinstance(y, (bool, np.bool_)) or not isinstance(y, (int, float, np.integer, np.floating)) \
                    or not float(y).is_integer():
                raise ValueError(f"compute(): years must be whole years such as 2024, got {y!r}")
        years = [int(y) for y in asked]
        absent = sorted(set(years) - set(have_years))
        if absent:
            raise ValueError(f"compute(): year(s) {', '.join(map(str, absent))} not in the data; "
                             "the counts hold "
                             f"{', '.join(map(str, have_years)) or 'no year'}")
    if gaps is None:
        gaps = getattr(data, "gaps", None) if data is not counts else None
        if gaps is None:
            gaps = _completeness.find_gaps(areas, counts)
    cells = _Cells(counts, "compute")
    if ids is None:
        variables = set(cells.var_index)
        ids, skipped = [], []
        for iid, e in cat.items():
            need = {s["variable"] for p in ("numerator", "denominator") for _, s in _terms(e[p])}
            (ids if need <= variables else skipped).append(iid)
        if skipped:
            warnings.warn("indicators skipped (variables not in the counts): "
                          + ", ".join(skipped), stacklevel=2)
    else:
        ids = [ids] if isinstance(ids, str) else list(ids)
        unknown = [i for i in ids if i not in cat]
        if unknown:
            close = {i: difflib.get_close_matches(str(i), list(cat), n=1) for i in unknown}
            hint = "".join(f"; did you mean {c[0]!r} for {i!r}?" for i, c in close.items() if c)
            raise ValueError(f"compute(): unknown indicator id(s): {', '.join(map(str, unknown))}{hint} "
                             "(sa.catalog() lists every id)")
    if not ids:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    sub = {i: cat[i] for i in ids}

    errors = cells.check(sub)
    if errors:
        raise ValueError("\n".join(errors))
    groups, (num_idx, den_idx) = _groups(sub, ids, cells)
    z = cells.sums(groups)  # (A*Y, G) at base level
    n_area, n_year, n_group = len(cells.area_ids), len(cells.years), z.shape[1]
    z = z.reshape(n_area, n_year * n_group)

    # years reported per indicator: all its variables have data, and requested
    present = np.stack([cells.present(groups.variables[num_idx[k]])
                        & cells.present(groups.variables[den_idx[k]])
                        for k in range(len(ids))], axis=1)  # (Y, I)
    gap_of = _gap_matrices(gaps, cells.years)  # variable -> (base area ids, bool (base, year))
    ind_vars = [sorted(set(groups.variables[num_idx[k]]) | set(groups.variables[den_idx[k]]))
                for k in range(len(ids))]
    for k, vs in enumerate(ind_vars):  # a year with gaps is reported (as missing), not left out
        for v in vs:
            if v in gap_of:
                present[:, k] |= gap_of[v][1].any(axis=0)
    if years is not None:
        wanted = np.isin(cells.years, np.asarray(_as_list(years), dtype=int))
        present &= wanted[:, None]

    mult = np.array([float(sub[i]["multiplier"]) for i in ids])
    min_den = np.array([float(sub[i]["min_denominator"]) for i in ids])
    kinds = np.array([sub[i]["kind"] for i in ids])
    min_rank = np.array([LEVEL_ORDER.index(sub[i]["min_level"]) for i in ids])

    parts, area_names, offset = [], [], 0
    reasons = {"": 0}  # reason text -> code (categories of the ``reason`` column)
    for lv in levels:
        mapping = _level_map(areas, lv)
        level_ids, level_pos = np.unique(mapping.to_numpy().astype(str), return_inverse=True)
        pos_of = pd.Series(level_pos, index=mapping.index)
        col = pd.Series(cells.area_ids).map(pos_of).to_numpy()
        ok = ~np.isnan(col)
        if not ok.any():
            continue
        p = sparse.csr_matrix((np.ones(ok.sum()), (col[ok].astype(int), np.flatnonzero(ok))),
                              shape=(len(level_ids), n_area))
        zl = np.asarray(p @ z).reshape(len(level_ids), n_year, n_group)
        keep = np.broadcast_to(present[None, :, :], (len(level_ids), n_year, len(ids)))
        li, yi, ii = np.nonzero(keep)
        x = zl[:, :, num_idx][li, yi, ii]
        n = zl[:, :, den_idx][li, yi, ii]
        part = _assemble(LEVEL_ORDER.index(lv), ii, x, n, mult, min_den, kinds, min_rank,
                         conf_level)
        part["reason"] = _incomplete(part, mapping, level_ids, gap_of, ind_vars, li, yi, ii, cells.years,
                                     reasons)
        part["area"] = li + offset
        part["level"] = np.full(li.size, levels.index(lv), dtype=np.int8)
        part["year"] = cells.years[yi]
        parts.append(part)
        area_names.append(level_ids)
        offset += len(level_ids)
    if not parts:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    cat_ = {k: np.concatenate([q[k] for q in parts]) for k in parts[0]}
    flag_codes, flag_uniq = pd.factorize(cat_["notes"], sort=True)
    flag_labels = [";".join(f for b, f in enumerate(_NOTE_NAMES) if fl >> b & 1)
                   for fl in flag_uniq]
    # an area can belong to several levels (a Stadt is gemeinde and gemeindeverband)
    area_uniq, area_inv = np.unique(np.concatenate(area_names), return_inverse=True)
    area_codes = area_inv[cat_["area"]]
    name_of = dict(zip(areas["area_id"].astype(str), areas["name"].astype(str))) if "name" in areas else {}
    name_codes, name_uniq = pd.factorize(pd.Index(area_uniq, dtype=object).map(lambda a: name_of.get(a, a)))
    out = pd.DataFrame({
        "area_id": pd.Categorical.from_codes(area_codes, categories=pd.Index(area_uniq, dtype=object)),
        "name": pd.Categorical.from_codes(name_codes[area_codes], categories=pd.Index(name_uniq, dtype=object)),
        "level": pd.Categorical.from_codes(cat_["level"],
                                           categories=pd.Index(levels, dtype=object)),
        "year": cat_["year"].astype(np.int64),
        "indicator": pd.Categorical.from_codes(cat_["ind"], categories=pd.Index(ids, dtype=object)),
        "value": cat_["value"],
        "numerator": cat_["x"],
        "denominator": cat_["n"],
        "lower": cat_["lo"],
        "upper": cat_["hi"],
        "notes": pd.Categorical.from_codes(flag_codes,
                                           categories=pd.Index(flag_labels, dtype=object)),
        "reason": pd.Categorical.from_codes(cat_["reason"], categories=pd.Index(list(reasons), dtype=object)),
    }, copy=False)
    return out


def _gap_matrices(gaps, years: np.ndarray) -> dict:
    """``{variable: (base area ids, bool array base area x year)}`` of a gap table."""
    out = {}
    if gaps is None or len(gaps) == 0 or not len(years):
        return out
    y0 = int(years[0])
    for var, g in gaps.groupby("variable", sort=False):
        yi = g["year"].to_numpy(dtype=np.int64) - y0
        ok = (yi >= 0) & (yi < len(years))
        ids, ai = np.unique(g["area_id"].astype(str).to_numpy()[ok], return_inverse=True)
        m = np.zeros((len(ids), len(years)), dtype=bool)
        m[ai, yi[ok]] = True
        out[str(var)] = (ids, m)
    return out


def _incomplete(part: dict, mapping: pd.Series, level_ids, gap_of: dict, ind_vars, li, yi, ii,
                years, reasons: dict) -> np.ndarray:
    """Code of the reason per result row (0: "", complete; texts in ``reasons``); sets value,
    counts and interval of incomplete rows to NaN. An area is incomplete where any base area
    below it lacks a variable of the indicator in that year."""
    reason = np.zeros(li.size, dtype=np.int32)
    if not gap_of or not li.size:
        return reason
    pos = pd.Series(np.arange(len(level_ids)), index=pd.Index(level_ids, dtype=object))
    level_of_base = mapping.astype(str).map(pos)
    total = np.bincount(level_of_base.to_numpy(dtype=np.int64), minlength=len(level_ids))
    bad_by_var = {}
    for v, (ids, m) in gap_of.items():
        lp = pd.Series(ids).map(level_of_base).to_numpy(dtype=float)
        ok = ~np.isnan(lp)
        if not ok.any():
            continue
        cnt = np.zeros((len(level_ids), len(years)), dtype=np.int64)
        np.add.at(cnt, lp[ok].astype(np.int64), m[ok].astype(np.int64))
        bad_by_var[v] = (cnt, ids[ok], m[ok], lp[ok].astype(np.int64))
    if not bad_by_var:
        return reason
    for k in np.unique(ii):
        vs = [v for v in ind_vars[k] if v in bad_by_var]
        if not vs:
            continue
        rows = np.flatnonzero(ii == k)
        hit = np.zeros(rows.size, dtype=bool)
        for v in vs:
            hit |= bad_by_var[v][0][li[rows], yi[rows]] > 0
        for r in rows[hit]:
            a, y = li[r], yi[r]
            missing = [v for v in vs if bad_by_var[v][0][a, y] > 0]
            bases = set()
            for v in missing:
                _, ids, m, lp = bad_by_var[v]
                bases.update(ids[(lp == a) & m[:, y]].tolist())
            text = (f"incomplete: {', '.join(missing)} {int(years[y])} in {len(bases)} of {int(total[a])} "
                    f"base area{'s' if total[a] != 1 else ''}")
            reason[r] = reasons.setdefault(text, len(reasons))
    bad = reason != 0
    for key in ("value", "x", "n", "lo", "hi"):
        part[key][bad] = np.nan
    part["notes"][bad] = 0  # notes on a partial sum would mislead
    return reason


def _assemble(rank, ii, x, n, mult, min_den, kinds, min_rank, conf_level) -> dict:
    m = mult[ii]
    kind = kinds[ii]
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(n != 0, x / n * m, np.nan)
    flags = (n < min_den[ii]).astype(np.int64)
    flags |= (n == 0) << 1
    flags |= (min_rank[ii] > rank) << 2
    lo = np.full(len(x), np.nan)
    hi = np.full(len(x), np.nan)

    prop = kind == "proportion"
    good = prop & (n > 0) & (x >= 0) & (x <= n)
    flags |= (prop & (x > n) & (n > 0)) << 3
    countlike = prop | (kind == "rate") | (kind == "ratio")
    flags |= (countlike & (x < 0)) << 4
    if good.any():
        wl, wh = wilson_ci(x[good], n[good], conf_level=conf_level)
        lo[good], hi[good] = wl * m[good], wh * m[good]
    pois = ((kind == "rate") | (kind == "ratio")) & (n > 0) & (x >= 0)
    if pois.any():
        # the Poisson limits depend on the count only: evaluate once per distinct count
        uniq, inv = np.unique(x[pois], return_inverse=True)
        pl, ph = poisson_ci(uniq, conf_level=conf_level)
        scale = m[pois] / n[pois]
        lo[pois], hi[pois] = pl[inv] * scale, ph[inv] * scale
    return {"ind": ii.astype(np.int32), "value": value, "x": x, "n": n, "lo": lo, "hi": hi,
            "notes": flags}


# ------------------------------------------------------------------ derived indicators


def _units(result: pd.DataFrame, catalog) -> pd.Series:
    cat = _resolve_catalog(catalog)
    return pd.Series({i: cat[i]["unit"] for i in pd.unique(result["indicator"]) if i in cat})


def change(result: pd.DataFrame, years: int = 5, catalog=None) -> pd.DataFrame:
    """Change of each indicator over ``years`` years (derived indicator).

    Parameters
    ----------
    result : DataFrame
        Output of :func:`compute`.
    years : int
        Length of the period: the change reported for year *t* is value(*t*) -
        value(*t* - ``years``).
    catalog : optional
        Catalog for the units (default: the packaged one).

    Returns
    -------
    DataFrame
        ``area_id, name, level, year, indicator, from_year, value_from, value_to, value, unit,
        notes, reason`` (``name`` where ``result`` has it). ``value`` is the difference, in
        percentage points (``unit`` = ``Prozentpunkte``) for indicators in ``%`` and in the
        indicator's own unit otherwise. Rows without a value ``years`` earlier are left out.
        ``notes`` joins the notes of both years, ``reason`` their reasons (a change from or to
        a missing value is missing).

    Examples
    --------
    >>> res = pd.DataFrame({"area_id": "01", "level": "kreis", "year": [2015, 2020],
    ...     "indicator": "sgb2_quote", "value": [10.0, 8.5], "notes": ""})
    >>> change(res, years=5)[["year", "value", "unit"]]
       year  value           unit
    0  2020   -1.5  Prozentpunkte
    """
    keys = _keys(result)
    a = _with_reason(result)[keys + ["year", "value", "notes", "reason"]].astype({"notes": object})
    b = a.assign(year=a["year"] + years)
    m = a.merge(b, on=keys + ["year"], suffixes=("_to", "_from"))
    units = _units(result, catalog)
    unit = m["indicator"].astype(object).map(units)
    f = (m["notes_from"].fillna("") + ";" + m["notes_to"].fillna("")).str.split(";")
    out = pd.DataFrame({
        **{k: m[k] for k in keys if k not in ("level", "indicator")},
        "level": m["level"],
        "year": m["year"],
        "indicator": m["indicator"],
        "from_year": m["year"] - years,
        "value_from": m["value_from"],
        "value_to": m["value_to"],
        "value": m["value_to"] - m["value_from"],
        "unit": unit.where(unit != "%", "Prozentpunkte"),
        "notes": [";".join(dict.fromkeys(x for x in fl if x)) for fl in f],
        "reason": _join_reasons(m["reason_from"], m["reason_to"]),
    })
    return out.reset_index(drop=True)


def _keys(result: pd.DataFrame) -> list[str]:
    """The key columns of a :func:`compute` result (with the area ``name`` where it has one)."""
    return ["area_id", *(["name"] if "name" in result.columns else []), "level", "indicator"]


def _with_reason(result: pd.DataFrame) -> pd.DataFrame:
    """``result`` with a ``reason`` column of text ("" where it has none)."""
    if "reason" in result.columns:
        r = result["reason"]
        if not isinstance(r.dtype, pd.CategoricalDtype) or set(r.cat.categories) - {""}:
            return result
    return result.assign(reason="")  # complete: a plain constant keeps merges and joins cheap


def _join_reasons(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Both reasons joined with ``; `` (one if equal or the other empty), vectorised."""
    a = pd.Series(a).astype(object).fillna("").to_numpy()
    b = pd.Series(b).astype(object).fillna("").to_numpy()
    if not (a != "").any() and not (b != "").any():
        return a
    both = (a != "") & (b != "") & (a != b)
    out = np.where(a == "", b, a)
    if both.any():
        out[both] = a[both] + "; " + b[both]
    return out


def index_base(result: pd.DataFrame, base_year: int = 2015) -> pd.DataFrame:
    """Index of each indicator relative to ``base_year`` (= 100).

    Parameters
    ----------
    result : DataFrame
        Output of :func:`compute`.
    base_year : int
        The year whose value is 100.

    Returns
    -------
    DataFrame
        ``area_id, name, level, year, indicator, value, base_year, base_value, notes, reason``
        (``name`` where ``result`` has it) with ``value`` = 100 * value / value in
        ``base_year`` of the same area and indicator. Areas without a base-year value are left
        out; a base value of zero gives NaN and the note ``zero_base``. ``reason`` joins the reasons of the year and the base year (missing if
        either is).

    Examples
    --------
    >>> res = pd.DataFrame({"area_id": "01", "level": "kreis", "year": [2015, 2020],
    ...     "indicator": "anteil_65plus", "value": [20.0, 23.0], "notes": ""})
    >>> index_base(res, 2015)[["year", "value"]]
       year  value
    0  2015  100.0
    1  2020  115.0
    """
    keys = _keys(result)
    result = _with_reason(result)
    base = result.loc[result["year"] == base_year, keys + ["value", "reason"]].rename(
        columns={"value": "base_value", "reason": "base_reason"})
    m = result[keys + ["year", "value", "notes", "reason"]].astype({"notes": object}).merge(base, on=keys)
    with np.errstate(divide="ignore", invalid="ignore"):
        idx = np.where(m["base_value"] != 0, 100 * m["value"] / m["base_value"], np.nan)
    zero = (m["base_value"] == 0).to_numpy()
    notes = m["notes"].fillna("").to_numpy(dtype=object).copy()
    notes[zero] = [f + ";zero_base" if f else "zero_base" for f in notes[zero]]
    return pd.DataFrame({
        **{k: m[k] for k in keys if k not in ("level", "indicator")},
        "level": m["level"],
        "year": m["year"],
        "indicator": m["indicator"],
        "value": idx,
        "base_year": base_year,
        "base_value": m["base_value"],
        "notes": notes,
        "reason": _join_reasons(m["base_reason"], m["reason"]),
    })
