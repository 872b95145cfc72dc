"""The protected layer: every count the report publishes, protected once, together.

One :class:`Layer` per district and report holds every *count cell* any page publishes or
implies: the numerators and denominators of every indicator of the catalog, the complements of
the shares (``denominator - numerator``: a published share and its denominator give it away),
and the extra count tables of :mod:`.measures` (population pyramid, care by type, deaths and
school entry pooled over years, ...), for every area of every level (Sozialraum, Gemeinde,
Gemeindeverband, Kreis) and every year or pool of years.

A cell is a sum over the long counts table (a *spec* of the indicator catalog: a variable and
filters on age, sex, nationality and type); two specs that select the same rows are one cell, so
the Einwohner of a Sozialraum are one cell whether a page shows them as a count, as the
denominator of a share or as the sum of its population pyramid.

All cells are protected in **one** call of :func:`sozialanalyse.stats.disclosure.protect` with
every additive relation between them:

* the area tree (Sozialräume add up to their Stadt, municipalities to the Kreis),
* partitions between cells (five-year age bands add up to all ages, ``m`` and ``w`` to both
  sexes, care types to all care; found from the specs themselves),
* share complements (numerator + complement = denominator),
* pools of years (a five-year pool is the sum of its years, where those are cells too).

So a cell suppressed on one page is suppressed on every page, in every year and at every level,
and no published total anywhere gives it back by one subtraction (secondary suppression, a
fixed point over all relations). Pages read their counts, shares and indicators from the layer
(:meth:`Layer.counts`, :meth:`Layer.indicators`, :meth:`Layer.status`); they never protect on
their own.

The layer is computed once per district object (:func:`of`), and its list of suppressed cells
(:meth:`Layer.suppressed`) is the private manifest the build's audit checks the pages against.

**Once per build.** The build runs every page in a kernel of its own; so that the layer is not
computed again in each of them, the build computes it once, writes it with :func:`save` into its
cache (never into the published site) and names the file in the environment variable
:data:`ENV_VAR`. :func:`of` then reads that file (:func:`load`) if its :func:`fingerprint` (the
district's data files, the report config, the indicator catalogs and the library source) is the
district's own, and computes the layer otherwise: a file of other data is never used.
Beside it go the indicator snapshot (:mod:`.snapshot`) and the *shared frames* of
:meth:`Layer.shared` (results every kernel would compute alike from the published layer, such as
the supply gaps of every area), each under the same fingerprint.
"""
from __future__ import annotations

import base64
import json
import os
import re
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..io import atomic
from ..io.own import file_hashes
from ..io.provenance import digest, library_hash
from ..io.provenance import fingerprint as versions_fingerprint
from ..model.areas import LEVELS, age_groups_between, level_ids
from ..stats import disclosure, indicators
from ..stats.indicators import _key as spec_key
from ..stats.indicators import _spec_text as spec_text
from ..stats.indicators import _terms
from . import measures as _measures
from . import snapshot as _snapshot

__all__ = ["ENV_VAR", "Layer", "at_hand", "cell_of", "compute_each", "fingerprint", "keep", "kept", "load", "of", "period", "save", "save_shared", "settings", "warm",
           "shared_path", "snapshot_path"]

#: German words for whole variables, as the pages' column headers name them (the manifest's
#: ``measure``, :meth:`Layer.suppressed`).
MEASURE_WORDS = {
    "einwohner": "Einwohner", "sterbefaelle": "Sterbefälle", "pflegebeduerftige": "Pflegebedürftige",
    "einschulung_untersuchte": "Untersuchte", "einschulung_uebergewicht": "Übergewicht",
    "einschulung_sprachfoerderbedarf": "Sprachförderbedarf", "schwerbehinderte": "Schwerbehinderte",
    "sgb2_personen": "SGB II", "grundsicherung_65plus": "Grundsicherung", "arbeitslose": "Arbeitslose",
    "langzeitarbeitslose": "Langzeitarbeitslose", "haushalte": "Haushalte", "geburten": "Geburten",
}
#: Dimensions of the long counts table a spec filters on.
DIMS = ("age_group", "sex", "nationality", "type")
#: The attribute of a district that keeps its layer (:func:`of`).
_ATTRIBUTE = "_protected_layer"
#: The environment variable naming a layer file the build saved (:func:`save`) for its kernels.
ENV_VAR = "SOZIALANALYSE_PROTECTED_LAYER"
#: The version of the file format of :func:`save` (a file of another version is not read).
FORMAT = 1
_META = b"sozialanalyse.protected_layer"


def settings(district):
    """The disclosure settings in force for ``district`` (or a config): threshold, mode, the
    footnote; what a page says about the protection, read here and not from the statistics floor.

    >>> settings({"data": "x", "disclosure": {"threshold": 4}}).threshold
    4
    """
    return disclosure.settings(district)


def period(year: int, pool: int = 1) -> str:
    """The period key of a cell: ``"2024"``, or ``"2020-2024"`` for a pool of five years.

    >>> period(2024), period(2024, 5)
    ('2024', '2020-2024')
    """
    return str(int(year)) if pool <= 1 else f"{int(year) - pool + 1}-{int(year)}"


def _domain(counts: pd.DataFrame) -> dict[str, dict[str, frozenset]]:
    """variable -> dimension -> the values the counts hold (missing dimension: ``{""}``)."""
    out: dict[str, dict[str, frozenset]] = {}
    cols = [d for d in DIMS if d in counts.columns]
    sub = counts[["variable", *cols]].drop_duplicates()
    for var, g in sub.groupby("variable", sort=False, observed=True):
        out[str(var)] = {d: frozenset(g[d].fillna("").astype(str)) if d in g else frozenset({""})
                         for d in DIMS}
    return out


def _norm(spec: dict, domain: dict) -> tuple | None:
    """The rows a simple spec selects as (variable, age set, sex set, nationality set, type set);
    None for a spec that is not one filter (sums and differences are their own cells)."""
    terms = _terms(spec)
    if len(terms) != 1 or terms[0][0] != 1:
        return None
    s = terms[0][1]
    var = s["variable"]
    dom = domain.get(var)
    if dom is None:
        return None
    out = [var]
    for d in DIMS:
        have = dom[d]
        key = {"age_group": "age"}.get(d, d)
        want = s.get(key)
        if want is None:
            sel = have
        elif d == "age_group":
            lo, hi = want
            sel = frozenset(age_groups_between(lo, hi)) & have
        else:
            sel = frozenset(str(v) for v in (want if isinstance(want, list | tuple) else [want])) & have
        out.append(frozenset(sel))
    return tuple(out)


def cell_of(spec: dict, domain: dict | None = None) -> str:
    """The identity of a count cell: specs that select the same rows of the counts are one cell.

    >>> cell_of({"variable": "einwohner"}) == cell_of({"variable": "einwohner"})
    True
    """
    n = _norm(spec, domain) if domain is not None else None
    if n is None:
        return spec_key(spec)
    var, *sets = n
    return var + "|" + "|".join(",".join(sorted(s)) for s in sets)


@dataclass(frozen=True)
class _Relation:
    total: str
    parts: tuple[str, ...]
    source: str  # "partition:<dim>", "complement", "pool"


def _exact_covers(target: frozenset, cands: list[tuple[str, frozenset]], limit: int = 20) -> list[tuple[str, ...]]:
    """Sets of candidates whose disjoint union is ``target`` (at most ``limit``)."""
    found: list[tuple[str, ...]] = []
    cands = [(c, s) for c, s in cands if s and s < target]

    def walk(covered: frozenset, chosen: tuple[str, ...]):
        if len(found) >= limit:
            return
        rest = target - covered
        if not rest:
            found.append(chosen)
            return
        e = min(rest)
        for c, s in cands:
            if e in s and not (s & covered):
                walk(covered | s, (*chosen, c))

    walk(frozenset(), ())
    return found


def _partitions(norms: dict[str, tuple]) -> list[_Relation]:
    """Cells that add up to another cell along one dimension (from the specs)."""
    out = []
    for di in range(1, 1 + len(DIMS)):
        groups: dict[tuple, list[tuple[str, frozenset]]] = {}
        for cell, n in norms.items():
            groups.setdefault(n[:di] + n[di + 1:], []).append((cell, n[di]))
        for members in groups.values():
            if len(members) < 3:
                continue
            for cell, s in members:
                for cover in _exact_covers(s, members):
                    if len(cover) > 1:
                        out.append(_Relation(cell, cover, f"partition:{DIMS[di - 1]}"))
    return out


@dataclass
class Layer:
    """The protected cells of one district (see the module docstring).

    ``cells`` has one row per cell: ``area_id, name, period, cell, label, value, status,
    published`` (``status`` ``""``, ``"primary"`` or ``"secondary"``; ``published`` NaN where
    suppressed, rounded or perturbed in the modes ``round`` and ``cellkey``).
    """

    district: object
    cells: pd.DataFrame
    settings: disclosure.Settings
    relations: list[_Relation] = field(default_factory=list)
    seconds: float = 0.0
    loaded: float | None = None  #: seconds to read it from a saved file (:func:`load`); None: computed
    # what the lookups need, set by the builder (:func:`_build`) or the reader (:func:`load`)
    _index: dict = field(default_factory=dict, repr=False)  #: (area_id, period, cell) -> row (computed layers only)
    _protection: object = field(default=None, repr=False)  #: the Protection (None when read from a file)
    _saved_constraints: tuple | None = field(default=None, repr=False)  #: its constraints, when read
    _domain: dict = field(default_factory=dict, repr=False)  #: variable -> dimension -> values
    _catalog: dict | None = field(default=None, repr=False)  #: the indicator catalog (read on first use)
    _cells_known: set = field(default_factory=set, repr=False)  #: the registered cells
    _complement_of: dict = field(default_factory=dict, repr=False)  #: indicator -> its complement cell
    _level_ids: dict = field(default_factory=dict, repr=False)  #: level -> area ids
    _snapshot: object = field(default=None, repr=False)  #: every published indicator (:meth:`snapshot`)
    _snapshot_tried: bool = field(default=False, repr=False)
    _snapshot_path: Path | None = field(default=None, repr=False)  #: the build's saved snapshot, if any
    _fingerprint: str | None = field(default=None, repr=False)  #: of the district, when read from a file
    _path: Path | None = field(default=None, repr=False)  #: the file the layer was read from (:func:`load`)
    _shared: dict = field(default_factory=dict, repr=False)  #: key -> (frame, origin) of :meth:`shared`

    def __repr__(self) -> str:
        n = len(self.cells)
        s = int((self.cells["status"] != "").sum())
        return f"<Layer {self.district.name}: {n} cells, {s} suppressed, {len(self.relations)} relations>"

    # --------------------------------------------------------------- lookups
    def _positions(self, keys: np.ndarray, cell: str) -> np.ndarray:
        """Row positions in ``cells`` of ``cell`` for ``keys`` (``area_id + "\\x1f" + period``,
        :func:`_keys`; -1: the layer holds no such cell), vectorised: one index per cell."""
        hit = self._cell_index(cell)
        if hit is None or not len(keys):
            return np.full(len(keys), -1, dtype=np.int64)
        loc = hit[0].get_indexer(pd.Index(keys, dtype=object))
        return np.where(loc >= 0, hit[1][np.maximum(loc, 0)], -1)

    def _cell_index(self, cell: str):
        """(Index of the keys, row positions in ``cells``) of the rows of ``cell`` in the order
        of ``cells``, None where the layer holds no such cell: built on first use of each cell
        (a kernel asks for a few of the layer's cells, whose number grows with the areas)."""
        by_cell = self.__dict__.setdefault("_by_cell", {})
        if cell not in by_cell:
            codes = self.__dict__.get("_cell_codes")
            if codes is None:  # the cell of each row as an integer, once per layer
                codes, names = pd.factorize(self.cells["cell"])
                codes = self.__dict__["_cell_codes"] = (codes, {str(n): k for k, n in enumerate(names)})
            k = codes[1].get(cell)
            if k is None:
                by_cell[cell] = None
            else:
                rows = np.flatnonzero(codes[0] == k)
                c = self.cells
                key = _keys(c["area_id"].take(rows), c["period"].take(rows))
                by_cell[cell] = (pd.Index(key, dtype=object), rows)
        return by_cell[cell]

    def _lookup(self, keys: np.ndarray, cell: str, column: str):
        """``column`` of ``cell`` for ``keys`` (:func:`_keys`): None (``status``) or NaN where
        the layer holds no such cell."""
        pos = self._positions(keys, cell)
        cols = self.__dict__.setdefault("_columns", {})
        if column not in cols:  # plain arrays: arrow strings are slow to take from row by row
            cols[column] = self.cells[column].to_numpy(dtype=object if column == "status" else float)
        col = cols[column]
        found = pos >= 0
        if column == "status":
            out = np.full(len(pos), None, dtype=object)
            out[found] = col[pos[found]]
            return out
        out = np.full(len(pos), np.nan)
        out[found] = col[pos[found]]
        return out

    def status(self, spec: dict, area_ids, year: int, pool: int = 1) -> pd.Series:
        """Disclosure status of a registered count for ``area_ids`` in ``year`` (``pool`` years
        ending there); KeyError for a count no page registered (:mod:`.measures`) and for an area
        or a period the layer does not hold: an unknown cell is never "publishable"."""
        cell = self._cell(spec)
        ids = _ids(area_ids)
        st = self._lookup(_keys(ids, [period(year, pool)] * len(ids)), cell, "status")
        absent = [a for a, s in zip(ids, st) if s is None]
        if absent:
            raise KeyError(f"the protected layer holds no {spec!r} for {period(year, pool)} in "
                           f"{', '.join(absent[:5])}{' ...' if len(absent) > 5 else ''} (an area or a period "
                           "no page registered: see sozialanalyse.protected.measures)")
        return pd.Series(list(st), index=ids, dtype=object)

    def _cell(self, spec) -> str:
        cell = spec if isinstance(spec, str) else cell_of(spec, self._domain)
        if cell not in self._cells_known:
            raise KeyError(f"the count {spec!r} is not in the protected layer: register it in "
                           "sozialanalyse.protected.measures (pages publish only registered counts)")
        return cell

    def counts(self, spec: dict, area_ids=None, level: str | None = None, years=None, pool: int = 1) -> pd.DataFrame:
        """A registered count for areas (``area_ids`` or every area of ``level``) and years:
        ``area_id, name, year, period, value, status`` with ``value`` the published value (NaN
        where suppressed or where the data are incomplete: never a 0)."""
        cell = self._cell(spec)
        hit = self._cell_index(cell)
        narrow = self.__dict__.get("_counts_columns")
        if narrow is None:  # taking rows of five columns, not of every column of the cells
            narrow = self.__dict__["_counts_columns"] = self.cells[list(_COUNT_COLUMNS)]
        c = narrow.iloc[hit[1] if hit is not None else []]
        if area_ids is not None:
            c = c[c["area_id"].isin(set(_ids(area_ids)))]
        if level is not None:
            c = c[c["area_id"].isin(set(self._level_ids[level]))]
        if years is not None:
            ys = [years] if isinstance(years, int | np.integer) else list(years)
            c = c[c["period"].isin({period(y, pool) for y in ys})]
        else:  # every period of that length: single years, or pools of exactly ``pool`` years
            span_ = c["period"].map(lambda p: int(p[-4:]) - int(p[:4]) + 1)
            c = c[span_.to_numpy() == max(pool, 1)]
        out = c.rename(columns={"published": "value"})
        out.insert(2, "year", out["period"].str[-4:].astype(int))
        return out.reset_index(drop=True)

    def indicators(self, ids, level="gemeindeverband", years=None, conf_level: float = 0.95) -> pd.DataFrame:
        """:func:`sozialanalyse.stats.indicators.compute` with ``status``: ``value``, ``lower``,
        ``upper``, ``numerator`` and ``denominator`` are the published ones (NaN where the
        numerator, the denominator or the share's complement is suppressed; recomputed from the
        published counts in the modes ``round`` and ``cellkey``).

        Answered from the layer's :class:`~sozialanalyse.protected.snapshot.Snapshot` (every
        indicator, area and year, computed once: read from the build's cache beside the layer's
        file, else computed on the first call), with the same frame the computation gives; a
        call the snapshot cannot answer (another ``conf_level``, an id outside the district's
        catalog) is computed on its own."""
        snap = self.snapshot()
        if snap is not None:
            out = snap.slice(ids, level, years, conf_level, self.district.areas)
            if out is not None:
                return out
        return self._indicators(ids, level, years, conf_level)

    def snapshot(self):
        """Every published indicator of the district at once (:mod:`.snapshot`): read from the
        file the build saved beside the layer's, or computed now (once per layer); None where
        the catalog cannot be computed as a whole."""
        if self._snapshot is None and not self._snapshot_tried:
            self._snapshot_tried = True
            if self._snapshot_path is not None and self._fingerprint is not None:
                self._snapshot = _snapshot.read(self._snapshot_path, self._fingerprint)
            if self._snapshot is None:
                self._snapshot = _snapshot.build(self, self._indicators)
        return self._snapshot

    def shared(self, key: str, compute) -> pd.DataFrame:
        """A result every kernel of a build would compute alike from this layer (``key``: lower
        case letters, digits, ``_`` and ``-``, naming the function and its arguments, e.g.
        ``supply_gaps_2024``): read from the file the build saved beside the layer's
        (:func:`save_shared`, same fingerprint), else ``compute()`` (once per layer). The frame
        is the same either way (values, dtypes, ``attrs``); the caller gets it, not a copy."""
        if not re.fullmatch(r"[a-z0-9_-]+", key):
            raise ValueError(f"a shared key is lower case letters, digits, '_' and '-', not {key!r}")
        hit = self._shared.get(key)
        if hit is None:
            frame = None
            if self._path is not None and self._fingerprint is not None:
                frame = _snapshot.read_frame(shared_path(self._path, key), self._fingerprint)
            hit = (frame, "file") if frame is not None else (compute(), "computed")
            self._shared[key] = hit
        return hit[0]

    def _indicators(self, ids, level="gemeindeverband", years=None, conf_level: float = 0.95) -> pd.DataFrame:
        """:meth:`indicators` computed for this call alone (the snapshot's source)."""
        d = self.district
        res = indicators.compute(d, list(ids) if not isinstance(ids, str) else [ids], level=level,
                                 years=years, conf_level=conf_level)
        if res.empty:
            return res.assign(status=pd.Series(dtype=object))
        if getattr(self, "_catalog", None) is None:
            self._catalog = indicators.load_catalog(indicators.district_catalog(d))
        cat = self._catalog
        st_num = np.full(len(res), "", dtype=object)
        st_den = np.full(len(res), "", dtype=object)
        pub_num = res["numerator"].to_numpy(dtype=float).copy()
        pub_den = res["denominator"].to_numpy(dtype=float).copy()
        keys = _keys(res["area_id"], res["year"])
        ind = res["indicator"].astype(str).to_numpy(dtype=object)
        for iid in pd.unique(ind):
            rows = np.flatnonzero(ind == iid)
            e = cat[iid]
            sub = keys[rows]
            for part, st, pub in (("numerator", st_num, pub_num), ("denominator", st_den, pub_den)):
                cell = cell_of(e[part], self._domain)
                s = self._lookup(sub, cell, "status")
                st[rows] = [x if x is not None else "" for x in s]
                pub[rows] = self._lookup(sub, cell, "published")
            comp = self._complement_of.get(iid)
            if comp is not None:
                s = self._lookup(sub, comp, "status")
                st_num[rows] = [a or (b or "") for a, b in zip(st_num[rows], s)]
        status = disclosure.rate_status(st_num, st_den)
        out = res.copy()
        out["status"] = pd.Series(status, index=out.index, dtype=object).astype(str)
        hide = out["status"].to_numpy() != ""
        if self.settings.mode != "suppress":
            kinds = np.array([cat[i]["kind"] for i in ind])
            mult = np.array([float(cat[i]["multiplier"]) for i in ind])
            with np.errstate(divide="ignore", invalid="ignore"):
                out["value"] = np.where(pub_den > 0, mult * pub_num / pub_den, np.nan)
            lo, hi = _intervals(pub_num, pub_den, kinds, mult, conf_level)
            out["lower"], out["upper"] = lo, hi
            out["numerator"], out["denominator"] = pub_num, pub_den
        for col in ("value", "lower", "upper", "numerator", "denominator"):
            v = out[col].to_numpy(dtype=float).copy()
            v[hide] = np.nan
            out[col] = v
        return out

    def suppressed(self) -> pd.DataFrame:
        """The suppressed cells with their true values: the private manifest for the audit
        (never published). ``measure`` is the German word a table's column header uses for a
        whole variable (``Einwohner``, :data:`MEASURE_WORDS`), else the spec as text
        (``einwohner[65+]``): the audit compares a row's count cell with a suppressed cell of
        the row's area only under a header that names the measure."""
        s = self.cells[self.cells["status"] != ""]
        out = s[["area_id", "name", "period", "cell", "label", "value", "status"]].rename(columns={"label": "measure"})
        out["measure"] = out["measure"].map(lambda m: MEASURE_WORDS.get(m, m))
        return out.reset_index(drop=True)  # the columns the audit reads: name, measure, value, status

    def check(self) -> list[str]:
        """Relations with exactly one suppressed cell (empty: protected)."""
        prot = self._restored_protection()
        return prot.check() if prot is not None else []

    def _restored_protection(self):
        """The protection of the cells with its constraints (those of a saved layer are decoded
        on first use: only :meth:`check` needs them)."""
        saved = getattr(self, "_saved_constraints", None)
        if getattr(self, "_protection", None) is None and saved is not None:
            keys, c = saved
            total, size, parts, src = (_unpack(c[k]) for k in ("total", "size", "parts", "source"))
            ends = np.cumsum(size)
            cons = [disclosure.Constraint(int(t), tuple(int(i) for i in parts[e - n:e]), c["sources"][k])
                    for t, n, e, k in zip(total, size, ends, src)]
            self._protection = disclosure.Protection(self.cells, self.settings, keys, cons)
        return getattr(self, "_protection", None)


#: The columns of the cells :meth:`Layer.counts` answers with (``published`` named ``value``).
_COUNT_COLUMNS = ("area_id", "name", "period", "published", "status")


def _keys(area_ids, periods) -> np.ndarray:
    """``area_id + "\\x1f" + period`` per row, as plain Python strings (the lookup key of a cell)."""
    a = [str(x) for x in (area_ids.tolist() if hasattr(area_ids, "tolist") else area_ids)]
    p = [str(x) for x in (periods.tolist() if hasattr(periods, "tolist") else periods)]
    return np.array([x + "\x1f" + y for x, y in zip(a, p)], dtype=object)


def _ids(area_ids) -> list[str]:
    """Area keys as strings, from one key or a sequence of them."""
    if isinstance(area_ids, str) or not isinstance(area_ids, list | tuple | set | pd.Index | pd.Series | np.ndarray):
        return [str(area_ids)]
    return [str(a) for a in area_ids]


def _intervals(x, n, kinds, mult, conf_level):
    from ..stats.health import poisson_ci, wilson_ci

    lo = np.full(len(x), np.nan)
    hi = np.full(len(x), np.nan)
    prop = (kinds == "proportion") & (n > 0) & (x >= 0) & (x <= n)
    if prop.any():
        a, b = wilson_ci(x[prop], n[prop], conf_level=conf_level)
        lo[prop], hi[prop] = a * mult[prop], b * mult[prop]
    pois = ((kinds == "rate") | (kinds == "ratio")) & (n > 0) & (x >= 0)
    if pois.any():
        a, b = poisson_ci(x[pois], conf_level=conf_level)
        lo[pois], hi[pois] = a * mult[pois] / n[pois], b * mult[pois] / n[pois]
    return lo, hi


def _registered(district, cat: dict, domain: dict):
    """(cell -> spec, cell -> {(years kind, pool, levels: () for every level)}, relations,
    indicator -> complement cell)."""
    specs: dict[str, dict] = {}
    periods: dict[str, set[tuple[str, int]]] = {}
    relations: list[_Relation] = []
    complement: dict[str, str] = {}
    variables = set(domain)
    check = indicators._Cells(district.counts, "protected layer")

    def add(spec, years="all", pool=1, levels=()) -> str | None:
        need = {s["variable"] for _, s in _terms(spec)}
        if not need <= variables or check.check({"c": {"numerator": spec, "denominator": spec}}):
            return None  # a count this district cannot have (variable or category absent): nobody publishes it
        c = cell_of(spec, domain)
        specs.setdefault(c, spec)
        periods.setdefault(c, set()).add((years, pool, tuple(sorted(levels))))
        return c

    def share(num, den, years="all", pool=1, iid=None, levels=()):
        cn, cd = add(num, years, pool, levels), add(den, years, pool, levels)
        if cn is None or cd is None or cn == cd:
            return
        comp = {"minus": [den, num]}
        cc = add(comp, years, pool, levels)
        if cc is not None:
            relations.append(_Relation(cd, (cn, cc), "complement"))
            if iid is not None:
                complement[iid] = cc

    def plain(spec) -> bool:  # a sum of counts, not a difference (a saldo identifies nobody)
        return all(sign > 0 for sign, _ in _terms(spec))

    for iid, e in cat.items():
        if e["kind"] == "proportion" and plain(e["numerator"]) and plain(e["denominator"]):
            share(e["numerator"], e["denominator"], iid=iid)
        else:
            for part in ("numerator", "denominator"):
                if plain(e[part]):
                    add(e[part])
    for m in _measures.MEASURES:
        for spec in m.counts:
            add(spec, m.years, m.pool, m.levels)
        for num, den in m.shares:
            share(num, den, m.years, m.pool, levels=m.levels)
    return specs, periods, relations, complement


def _build(district) -> Layer:
    t0 = time.perf_counter()
    s = disclosure.settings(district.config)
    cat = indicators.load_catalog(indicators.district_catalog(district))
    counts = district.counts
    domain = _domain(counts)
    specs, periods, relations, complement = _registered(district, cat, domain)
    norms = {c: n for c, sp in specs.items() if (n := _norm(sp, domain)) is not None}
    relations += _partitions(norms)

    # the values of every cell for every area of every level and year (compute() does the sums,
    # with gaps: an incomplete sum is NaN, never a partial count)
    pseudo = {}
    proto = next(iter(indicators.load_catalog().values()))
    for i, (c, sp) in enumerate(specs.items()):
        e = dict(proto)
        # only the numerator is used; a denominator must be a plain sum
        den = {"variable": _terms(sp)[0][1]["variable"]}
        e.update({"id": f"cell{i}", "name": c, "numerator": sp, "denominator": den, "kind": "mean",
                  "multiplier": 1, "unit": "Anzahl", "min_level": "sozialraum", "min_denominator": 0,
                  "polarity": "neutral"})
        pseudo[f"cell{i}"] = e
    cell_of_id = {f"cell{i}": c for i, c in enumerate(specs)}
    levels = [lv for lv in LEVELS if lv != "base"] if "base" in LEVELS else list(LEVELS)
    res = indicators.compute(district, list(pseudo), level=levels, catalog=pseudo)
    res = res.drop_duplicates(["area_id", "year", "indicator"])
    yearly = pd.DataFrame({  # plain object columns: iterating arrow strings is slow
        "area_id": res["area_id"].astype(str).to_numpy(dtype=object),
        "year": res["year"].to_numpy(dtype=int),
        "cell": res["indicator"].astype(str).map(cell_of_id).to_numpy(dtype=object),
        "value": np.where(res["reason"].astype(str).to_numpy() == "", res["numerator"].to_numpy(dtype=float), np.nan),
    })
    report_year = district.report_year
    ids_at = {lv: {str(a) for a in level_ids(district, lv)} for lv in levels}
    frames = []
    by_name = dict(tuple(yearly.groupby("cell", sort=False)))
    for c, ps in periods.items():
        every = by_name.get(c, yearly.iloc[:0])
        for years, pool, lvs in sorted(ps):
            # registered for some levels only (Measure.levels): the cells of those levels' areas
            rows = every[every["area_id"].isin(set().union(*(ids_at[lv] for lv in lvs)))] if lvs else every
            if pool <= 1:
                r = rows if years == "all" else rows[rows["year"] == report_year]
                frames.append(r.assign(period=r["year"].astype(str)))
            else:
                ends = sorted(rows["year"].unique()) if years == "all" else [report_year]
                have = set(rows["year"].unique())
                wide = rows.pivot(index="area_id", columns="year", values="value")
                for end in ends:
                    span_ = list(range(end - pool + 1, end + 1))
                    if not set(span_) <= have:
                        continue
                    v = wide[span_].sum(axis=1, min_count=pool)
                    v[wide[span_].isna().any(axis=1)] = np.nan
                    frames.append(pd.DataFrame({"area_id": v.index, "year": end, "cell": c, "value": v.to_numpy(),
                                                "period": period(end, pool)}))
                    relations.append(_Relation(f"{c}@{period(end, pool)}",
                                               tuple(f"{c}@{y}" for y in span_), "pool"))
    cells = pd.concat(frames, ignore_index=True).drop_duplicates(["area_id", "period", "cell"])
    cells = cells[["area_id", "period", "cell", "value"]].reset_index(drop=True)
    for col in ("area_id", "period", "cell"):
        cells[col] = cells[col].astype(str).to_numpy(dtype=object)
    index = {k: i for i, k in enumerate(zip(cells["area_id"].to_numpy(), cells["period"].to_numpy(),
                                            cells["cell"].to_numpy()))}

    # relations -> constraints on row positions, per area and period (pools: per area)
    extra: list[disclosure.Constraint] = []
    by_cell: dict[str, list[tuple[str, str]]] = {}
    for a, p, c in index:
        by_cell.setdefault(c, []).append((a, p))
    for r in relations:
        if r.source == "pool":
            tc, tp = r.total.split("@")
            for a, p in by_cell.get(tc, []):
                if p != tp:
                    continue
                tot = index.get((a, tp, tc))
                parts = [index.get((a, pp.split("@")[1], tc)) for pp in r.parts]
                if tot is not None and parts and all(x is not None for x in parts):
                    extra.append(disclosure.Constraint(tot, tuple(parts), "pool"))
            continue
        for a, p in by_cell.get(r.total, []):
            tot = index[(a, p, r.total)]
            parts = [index.get((a, p, q)) for q in r.parts]
            if all(x is not None for x in parts):
                extra.append(disclosure.Constraint(tot, tuple(parts), r.source))
    prot = disclosure.protect(cells, district.areas, additive=[], config=s, extra=extra)
    table = prot.table
    names = dict(zip(district.areas["area_id"].astype(str), district.areas["name"].astype(str)))
    table.insert(1, "name", table["area_id"].map(names).fillna(table["area_id"]))
    table["label"] = table["cell"].map({c: spec_text(sp) for c, sp in specs.items()})
    layer = Layer(district, table, s, relations, time.perf_counter() - t0)
    layer._index = index
    layer._protection = prot
    layer._domain = domain
    layer._catalog = cat
    layer._cells_known = set(specs)
    layer._complement_of = complement
    layer._level_ids = {lv: [str(a) for a in level_ids(district, lv)] for lv in levels}
    return layer


def of(district) -> Layer:
    """The protected layer of ``district`` (computed on first use, then kept with the district;
    read from the file :data:`ENV_VAR` names where that holds this district's layer).

    A district of official data (already published by the statistical offices) has no layer:
    ValueError.
    """
    if getattr(district, "kind", "own") != "own":
        raise ValueError("official data are published by the statistical offices: they have no protected layer")
    hit = getattr(district, _ATTRIBUTE, None)
    if isinstance(hit, Layer) and hit.district is district:
        return hit
    saved = os.environ.get(ENV_VAR)
    layer = load(district, saved) if saved else None
    if layer is None:
        layer = _build(district)
    return keep(layer)


def at_hand(district) -> bool:
    """Whether ``district`` has its layer at hand without computing it for the asking: kept with
    the district already, or a build's saved layer named by :data:`ENV_VAR` (a notebook kernel of
    the build: :func:`of` reads it, and computes only where that file holds another district's
    layer). False for official data (no layer) and for a planner's district not yet protected."""
    if getattr(district, "kind", "own") != "own":
        return False
    return isinstance(getattr(district, _ATTRIBUTE, None), Layer) or bool(os.environ.get(ENV_VAR))


def keep(layer: Layer) -> Layer:
    """Keep ``layer`` with its district, where :func:`of` finds it (and the results kept with
    the layer, :meth:`Layer.shared`): on the district itself, so both go when the district goes
    (a module-level cache would hold every district ever protected)."""
    object.__setattr__(layer.district, _ATTRIBUTE, layer)
    return layer


def kept(district) -> Layer | None:
    """The layer kept with ``district`` (:func:`keep`, :func:`of`), or None: reads and computes
    nothing."""
    hit = getattr(district, _ATTRIBUTE, None)
    return hit if isinstance(hit, Layer) and hit.district is district else None



# ------------------------------------------------------------------ once per build: save and load
def fingerprint(district) -> str:
    """What the layer of ``district`` is computed from: the sha256 of its data files (as the
    build's execution cache hashes them, :func:`sozialanalyse.io.own.file_hashes`), the report
    config (threshold, mode, validation, report year, ...), the indicator catalogs it names and
    the library's source (:func:`sozialanalyse.io.provenance.library_hash`: the measures, the
    catalog, this code) and the versions of Python and the packages
    (:func:`sozialanalyse.io.provenance.fingerprint`, as the build's execution cache keys a page):
    after an upgrade the layer, its snapshot and its shared frames are computed again, as a
    reviewer's re-execution with those versions would compute them."""
    cfg = district.config
    catalogs = [Path(c).read_bytes() for c in getattr(cfg, "catalog", ())]
    return digest("protected layer", str(FORMAT), json.dumps(file_hashes(district.folder), sort_keys=True),
                  json.dumps(cfg.as_dict(), sort_keys=True, default=str), *catalogs, library_hash(),
                  versions_fingerprint(git=False))


def _pack(ints) -> str:
    """Integers (row positions) as compressed text for the file's metadata."""
    return base64.b64encode(zlib.compress(np.asarray(ints, dtype="<i8").tobytes(), 1)).decode("ascii")


def _unpack(text: str) -> np.ndarray:
    return np.frombuffer(zlib.decompress(base64.b64decode(text)), dtype="<i8")


def save(layer: Layer, path: str | Path) -> Path:
    """Write ``layer`` to ``path`` (Parquet: the cells, and in the file's metadata its
    fingerprint and what :class:`Layer` needs besides them), atomically: a reader sees the whole
    file or none. The file holds the true values of suppressed cells: keep it out of the
    published site (the build writes it into its cache)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    prot = layer._restored_protection()
    cons = prot.constraints if prot is not None else []
    sources = sorted({c.source for c in cons})
    meta = {
        "relations": [[r.total, list(r.parts), r.source] for r in layer.relations],
        "keys": list(prot.keys) if prot is not None else [],
        # the constraints (~50,000 on Musterland) as flat integer arrays: read only by check()
        "constraints": {"total": _pack([c.total for c in cons]), "size": _pack([len(c.parts) for c in cons]),
                        "parts": _pack([i for c in cons for i in c.parts]),
                        "source": _pack([sources.index(c.source) for c in cons]), "sources": sources},
        "domain": {v: {d: sorted(x) for d, x in dims.items()} for v, dims in layer._domain.items()},
        "cells_known": sorted(layer._cells_known), "complement": layer._complement_of,
        "level_ids": layer._level_ids, "seconds": layer.seconds,
    }
    head = {"format": FORMAT, "fingerprint": fingerprint(layer.district), "district": str(layer.district.name)}
    table = pa.Table.from_pandas(layer.cells, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), _META: json.dumps(head).encode(),
                                           _META + b".layer": json.dumps(meta).encode()})
    snap = layer.snapshot()  # every published indicator, computed once for all kernels
    if snap is not None:
        _snapshot.write(snap, snapshot_path(path), head["fingerprint"])
    else:
        snapshot_path(path).unlink(missing_ok=True)
    return atomic.write(path, lambda tmp: pq.write_table(table, tmp))


def snapshot_path(path: str | Path) -> Path:
    """The file of the indicator snapshot (:mod:`.snapshot`) beside a layer file ``path``:
    ``<fingerprint>.parquet`` -> ``<fingerprint>.indicators.parquet``."""
    path = Path(path)
    return path.with_name(path.name.removesuffix(".parquet") + ".indicators.parquet")


def shared_path(path: str | Path, key: str) -> Path:
    """The file of the shared frame ``key`` (:meth:`Layer.shared`) beside a layer file ``path``:
    ``<fingerprint>.parquet`` -> ``<fingerprint>.shared.<key>.parquet``."""
    path = Path(path)
    return path.with_name(f"{path.name.removesuffix('.parquet')}.shared.{key}.parquet")


def compute_each(calls) -> list[str]:
    """Run each ``(name, call)`` of ``calls`` for its shared frames (:meth:`Layer.shared`) and
    say how it went: ``name``, or ``"<name> not computed (<error type>)"`` where it failed. A
    failure is left to the page that makes the same call, which reports its own error in its
    notebook; the other frames are still computed.

    >>> compute_each([("eins", lambda: 1), ("zwei", lambda: 1 / 0)])
    ['eins', 'zwei not computed (ZeroDivisionError)']
    """
    done = []
    for name, call in calls:
        try:
            call()
        except Exception as e:  # noqa: BLE001 - the page making this call reports it in its notebook
            done.append(f"{name} not computed ({type(e).__name__})")
        else:
            done.append(name)
    return done


def warm(district) -> list[str]:
    """Read now, and keep with ``district``, what a build's kernel reads first from the files the
    build saved (:data:`ENV_VAR`): the layer (as :func:`of` would read it), its indicator snapshot
    (:meth:`Layer.snapshot`) and every shared frame saved beside it (:meth:`Layer.shared`).
    Nothing is computed: a file that is absent, unreadable or saved for other data is left to
    the page that needs it, which reads or computes it as always. What a build's fork server
    (:mod:`sozialanalyse.build.forkserver`) does once for the district it forks its kernels with;
    the objects are those the kernel's own reads would give (same files, same readers).

    Returns what was read: ``"layer"``, ``"snapshot"``, ``"shared <key>"``; empty where the
    district already has its layer, is not of the own format, or no saved layer is its own.
    """
    saved = os.environ.get(ENV_VAR)
    if not saved or getattr(district, "kind", "own") != "own" or isinstance(getattr(district, _ATTRIBUTE, None), Layer):
        return []
    layer = load(district, saved)
    if layer is None:
        return []
    keep(layer)
    done = ["layer"]
    if layer._snapshot_path is not None and layer._snapshot_path.is_file():
        snap = _snapshot.read(layer._snapshot_path, layer._fingerprint)
        if snap is not None:
            layer._snapshot, layer._snapshot_tried = snap, True
            done.append("snapshot")
    head, tail = shared_path(saved, "*").name.split("*")  # the files Layer.shared reads, by their names
    for file in sorted(Path(saved).parent.glob(shared_path(saved, "*").name)):
        key = file.name[len(head):-len(tail)]
        if not re.fullmatch(r"[a-z0-9_-]+", key) or key in layer._shared:
            continue
        frame = _snapshot.read_frame(file, layer._fingerprint)
        if frame is not None:  # else the page computes it, as Layer.shared does for a file it cannot use
            layer._shared[key] = (frame, "file")
            done.append(f"shared {key}")
    return done


def save_shared(layer: Layer, path: str | Path) -> list[Path]:
    """Write every shared frame ``layer`` computed so far (:meth:`Layer.shared`) beside the
    layer file ``path`` under the district's fingerprint, for the kernels that read the layer
    from there; frames read from such files already are not written again. A frame the file
    cannot hold (attrs that are not JSON, a column of mixed types Parquet refuses) is not
    written: a kernel computes it itself, as where no build ran, instead of the build stopping
    (``shared_work_once`` leaves a failing call to its page). Returns the files written."""
    import pyarrow as pa

    fp = None  # hashed once, and only where a frame is to be written (not in a rebuild that read them all)
    written = []
    for key, (frame, origin) in sorted(layer._shared.items()):
        if origin != "computed":
            continue
        fp = fp or fingerprint(layer.district)
        try:
            written.append(_snapshot.write_frame(frame, shared_path(path, key), fp))
        except (ValueError, pa.ArrowException):  # ArrowTypeError, ArrowInvalid: refused by Parquet
            continue
    return written


def saved_fingerprint(path: str | Path) -> str | None:
    """The fingerprint a layer file was saved with (None: no such file, not a layer file, or
    another format), read from its metadata without reading the cells."""
    import pyarrow.parquet as pq

    try:
        raw = (pq.read_schema(path).metadata or {}).get(_META)
        head = json.loads(raw) if raw else None
    except (OSError, ValueError):
        return None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        return None
    return head.get("fingerprint")


def load(district, path: str | Path, fp: str | None = None) -> Layer | None:
    """The layer of ``district`` saved in ``path`` (:func:`save`), or None when the file is
    absent, unreadable or was saved for other data, another config or another library version
    (its fingerprint is not the district's): then the caller computes the layer. ``fp``: the
    district's :func:`fingerprint`, where the caller has just computed it (it hashes every data
    file: 0.25 s for a Land of 400 municipalities)."""
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    want = saved_fingerprint(path)
    if want is None or want != (fp if fp is not None else fingerprint(district)):
        return None
    fp = want
    try:
        table = pq.read_table(path)
        meta = json.loads(table.schema.metadata[_META + b".layer"])
    except (OSError, ValueError, KeyError):
        return None
    cells = table.to_pandas()
    s = disclosure.settings(district.config)
    relations = [_Relation(t, tuple(p), src) for t, p, src in meta["relations"]]
    layer = Layer(district, cells, s, relations, meta["seconds"])
    layer._protection = None
    layer._saved_constraints = (list(meta["keys"]), meta["constraints"])
    layer._domain = {v: {d: frozenset(x) for d, x in dims.items()} for v, dims in meta["domain"].items()}
    layer._catalog = None  # read on first use (Layer.indicators), as the pages read it anyway
    layer._cells_known = set(meta["cells_known"])
    layer._complement_of = dict(meta["complement"])
    layer._level_ids = {lv: list(ids) for lv, ids in meta["level_ids"].items()}
    layer._fingerprint = fp
    layer._snapshot_path = snapshot_path(path)  # read on first use (Layer.snapshot)
    layer._path = Path(path)  # the shared frames beside it: read on first use (Layer.shared)
    layer.loaded = time.perf_counter() - t0
    return layer
