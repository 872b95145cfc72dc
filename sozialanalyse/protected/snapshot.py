"""Compute once, render many: every published indicator of a district in one table.

A Gemeindeprofil asks the protected layer for indicators some twenty times (key figures, the
trends table, the spine chart, the Teilräume, ...), each time for a few ids at one or two levels;
every other profile of the same build asks the same questions about its neighbours. Each call of
:func:`sozialanalyse.stats.indicators.compute` costs a fixed 40-60 ms (catalog, cell index)
however small the answer, and the layer's status lookup a few more: about a second per profile,
nearly all of it spent again in the next profile's kernel.

The :class:`Snapshot` is the answer to every such question at once: the published indicators
(:meth:`sozialanalyse.protected.layer.Layer.indicators`: value, interval, numerator,
denominator, ``status``) of **every** indicator of the district's catalog, for every area of
every level and every year, computed in one vectorised call per level (Musterland: 43,000 rows
in well under a second). :meth:`Snapshot.slice` answers a call of ``Layer.indicators`` from it
with **the same frame** that call would compute: the same rows in the same order, the same
categories of the categorical columns (``area_id``, ``name``, ``level``, ``indicator``,
``notes``, ``reason``), the same dtypes; ``tests/test_snapshot.py`` checks that equality on
Musterland for every id, level and year. Where it cannot be sure (another confidence level, an
id the snapshot does not hold, a year the data do not have, an empty answer) it returns None and
the layer computes the answer itself, as before.

The snapshot travels with the layer: the build (``protected_layer_once``) writes it beside the
layer's file in its cache, under the same fingerprint (data files, config, catalogs, library
source), and a kernel reads it with the layer (:func:`read`); a reviewer who re-executes a
notebook without that file gets the snapshot computed in the kernel, with identical results.

Row order and categories follow :func:`sozialanalyse.stats.indicators.compute`: the levels in
the order asked, within a level the areas in the sorted order of their keys, then the years, then
the indicators in the order asked; a row depends only on its area, year and indicator, so a slice
of the whole table is the answer of the smaller call.

**Shared frames.** Other results every kernel of a build computes alike from the published
layer travel the same way (the supply gaps of every area, :func:`sozialanalyse.planning.supply.gaps`,
and whether there is a street network, :func:`~sozialanalyse.planning.supply.has_street_network`;
the published life expectancy, :func:`sozialanalyse.protected.health.published_life_expectancy`;
the Gemeindeprofil's tables over all municipalities, :func:`sozialanalyse.pages.gemeindeprofil.shared_frames`;
all computed once by ``sozialanalyse.build.report.shared_work_once``): :func:`write_frame` saves one such frame beside the layer's file under its fingerprint,
:func:`read_frame` gives it back identical (values, column order, dtypes, ``attrs``) or None
(absent, another fingerprint, a column it cannot restore), and
:meth:`sozialanalyse.protected.layer.Layer.shared` is the one place that decides between the file
and a computation.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..io import atomic
from ..stats.indicators import _NOTE_NAMES, LEVEL_ORDER

__all__ = ["CONF_LEVEL", "Snapshot", "build", "read", "read_frame", "write", "write_frame"]

#: The confidence level the snapshot holds (the default of ``Layer.indicators``).
CONF_LEVEL = 0.95
FORMAT = 1
_META = b"sozialanalyse.indicator_snapshot"
_FRAME_META = b"sozialanalyse.shared_frame"
_FLOATS = ("value", "numerator", "denominator", "lower", "upper")


def _flag(label: str) -> int:
    """The bit flags of a ``notes`` label (``"small_denominator;below_min_level"`` -> 5)."""
    return sum(1 << _NOTE_NAMES.index(n) for n in label.split(";") if n)


def _label(flag: int) -> str:
    return ";".join(f for b, f in enumerate(_NOTE_NAMES) if flag >> b & 1)


@dataclass
class Snapshot:
    """Every published indicator of one district (see the module docstring).

    ``table`` has one row per level, area, year and indicator in the order of
    :func:`sozialanalyse.stats.indicators.compute` with plain columns: ``level`` (position in
    ``levels``), ``area`` (position of the area key in ``level_ids[level]``), ``year``,
    ``ind`` (position in ``ids``), the float columns, ``notes`` (bit flags), ``reason`` and
    ``status`` (text). ``level_ids[level]`` is None for a level no area maps to.
    """

    table: pd.DataFrame
    ids: list[str]
    levels: list[str]
    level_ids: dict[str, list[str] | None]
    years: list[int]
    conf_level: float = CONF_LEVEL
    origin: str = "computed"  #: ``"computed"`` in this process, or ``"file"`` (:func:`read`)

    def __post_init__(self):
        self._id_pos = {i: k for k, i in enumerate(self.ids)}
        lv = self.table["level"].to_numpy()
        bounds = np.searchsorted(lv, np.arange(len(self.levels) + 1))
        self._parts = {name: {c: self.table[c].to_numpy()[bounds[k]:bounds[k + 1]] for c in self.table.columns}
                       for k, name in enumerate(self.levels)}
        self._uniq = {name: np.array(ids, dtype=str) for name, ids in self.level_ids.items() if ids is not None}

    def __repr__(self) -> str:
        return (f"<Snapshot: {len(self.table)} rows, {len(self.ids)} indicators, levels "
                f"{', '.join(self.levels)}, years {self.years[0] if self.years else ''}-"
                f"{self.years[-1] if self.years else ''}>")

    def _years(self, years):
        """The asked years as ints (None: all), or False where compute() would refuse them."""
        if years is None:
            return None
        asked = list(years) if isinstance(years, list | tuple | range | np.ndarray | pd.Series) else [years]
        out = []
        for y in asked:
            if isinstance(y, bool | np.bool_) or not isinstance(y, int | float | np.integer | np.floating) \
                    or not float(y).is_integer():
                return False
            out.append(int(y))
        return out if set(out) <= set(self.years) else False

    def slice(self, ids, level, years, conf_level: float, areas: pd.DataFrame) -> pd.DataFrame | None:
        """The frame ``Layer.indicators(ids, level, years, conf_level)`` computes, cut from the
        snapshot; None where the snapshot cannot answer (then the layer computes)."""
        if conf_level != self.conf_level:
            return None
        ids = [ids] if isinstance(ids, str) else list(ids)
        levels = [level] if isinstance(level, str) else list(level)
        if not ids or len(set(ids)) != len(ids) or any(i not in self._id_pos for i in ids):
            return None
        if len(set(levels)) != len(levels) or any(lv not in self._parts for lv in levels):
            return None
        ys = self._years(years)
        if ys is False:
            return None
        pos = np.full(len(self.ids), -1, dtype=np.int64)
        pos[[self._id_pos[i] for i in ids]] = np.arange(len(ids))
        used = [lv for lv in levels if self.level_ids.get(lv) is not None]
        if not used:
            return None
        area_uniq = np.unique(np.concatenate([self._uniq[lv] for lv in used]))
        parts, reasons = [], []
        for lv in used:
            p = self._parts[lv]
            idpos = pos[p["ind"]]
            keep = idpos >= 0
            if ys is not None:
                keep &= np.isin(p["year"], ys)
            rows = np.flatnonzero(keep)
            idpos = idpos[rows]
            area = p["area"][rows]
            year = p["year"][rows]
            order = np.lexsort((idpos, year, area))  # compute(): area, year, indicator as asked
            rows, idpos, area, year = rows[order], idpos[order], area[order], year[order]
            # the reasons in the order compute() meets them: per indicator, then area and year
            r = p["reason"][rows]
            meet = np.lexsort((year, area, idpos))
            reasons.extend(x for x in pd.unique(r[meet]) if x != "")
            glob = np.searchsorted(area_uniq, self._uniq[lv])
            parts.append({"area": glob[area], "level": np.full(rows.size, levels.index(lv), dtype=np.int8),
                          "year": year, "ind": idpos, "rows": rows, "lv": lv})
        n = sum(len(q["rows"]) for q in parts)
        if n == 0:
            return None
        cols = {c: np.concatenate([q[c] for q in parts]) for c in ("area", "level", "year", "ind")}
        vals = {c: np.concatenate([self._parts[q["lv"]][c][q["rows"]] for q in parts])
                for c in (*_FLOATS, "notes", "reason", "status")}
        flag_codes, flag_uniq = pd.factorize(vals["notes"], sort=True)
        name_of = dict(zip(areas["area_id"].astype(str), areas["name"].astype(str))) if "name" in areas else {}
        name_codes, name_uniq = pd.factorize(pd.Index(area_uniq, dtype=object).map(lambda a: name_of.get(a, a)))
        reason_cats = ["", *pd.unique(np.asarray(reasons, dtype=object))] if reasons else [""]
        reason_codes = pd.Index(reason_cats, dtype=object).get_indexer(vals["reason"])
        out = pd.DataFrame({
            "area_id": pd.Categorical.from_codes(cols["area"], categories=pd.Index(area_uniq, dtype=object)),
            "name": pd.Categorical.from_codes(name_codes[cols["area"]], categories=pd.Index(name_uniq, dtype=object)),
            "level": pd.Categorical.from_codes(cols["level"], categories=pd.Index(levels, dtype=object)),
            "year": cols["year"].astype(np.int64),
            "indicator": pd.Categorical.from_codes(cols["ind"], categories=pd.Index(ids, dtype=object)),
            **{c: vals[c].astype(float) for c in _FLOATS},
            "notes": pd.Categorical.from_codes(flag_codes, categories=pd.Index([_label(int(f)) for f in flag_uniq],
                                                                               dtype=object)),
            "reason": pd.Categorical.from_codes(reason_codes, categories=pd.Index(reason_cats, dtype=object)),
        }, copy=False)
        out["status"] = pd.Series(vals["status"], index=out.index, dtype=object).astype(str)
        return out


def build(layer, compute) -> Snapshot | None:
    """The snapshot of ``layer``: ``compute(ids, level, years, conf_level)`` (the layer's own
    computation of :meth:`~sozialanalyse.protected.layer.Layer.indicators`) called once per
    level for every indicator of the district's catalog its counts can give. None where the
    catalog cannot be computed as a whole (then each call computes its own answer)."""
    import warnings

    from ..stats import indicators

    d = layer.district
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # indicators whose variables the counts lack: not in it
            probe = indicators.compute(d, None, level="kreis")
    except ValueError:
        return None
    if not isinstance(probe["indicator"].dtype, pd.CategoricalDtype):
        return None
    ids = [str(i) for i in probe["indicator"].cat.categories]
    years = sorted(int(y) for y in pd.unique(d.counts["year"]))
    frames, level_ids = [], {}
    for k, lv in enumerate(LEVEL_ORDER):
        res = compute(ids, lv, None, CONF_LEVEL)
        if not isinstance(res["area_id"].dtype, pd.CategoricalDtype):  # no area at this level
            level_ids[lv] = None
            continue
        level_ids[lv] = [str(a) for a in res["area_id"].cat.categories]
        ind_pos = {i: j for j, i in enumerate(ids)}
        frame = pd.DataFrame({
            "level": np.full(len(res), k, dtype=np.int8),
            "area": res["area_id"].cat.codes.to_numpy(dtype=np.int32),
            "year": res["year"].to_numpy(dtype=np.int64),
            "ind": res["indicator"].astype(str).map(ind_pos).to_numpy(dtype=np.int32),
            **{c: res[c].to_numpy(dtype=float) for c in _FLOATS},
            "notes": np.array([_flag(x) for x in res["notes"].astype(str)], dtype=np.int64),
            "reason": res["reason"].astype(str).to_numpy(dtype=object),
            "status": res["status"].astype(str).to_numpy(dtype=object),
        })
        frames.append(frame)
    if not frames:
        return None
    table = pd.concat(frames, ignore_index=True)
    return Snapshot(table, ids, list(LEVEL_ORDER), level_ids, years)


def write(snapshot: Snapshot, path: str | Path, fingerprint: str) -> Path:
    """Write ``snapshot`` to ``path`` (Parquet, atomically) with the layer's ``fingerprint`` in
    its metadata. Like the layer's file it belongs in the build's cache, not in the site (the
    snapshot holds only published values, but its numerators may be read against the layer's)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    head = {"format": FORMAT, "fingerprint": fingerprint, "ids": snapshot.ids, "levels": snapshot.levels,
            "level_ids": snapshot.level_ids, "years": snapshot.years, "conf_level": snapshot.conf_level}
    table = pa.Table.from_pandas(snapshot.table, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), _META: json.dumps(head).encode()})
    return atomic.write(path, lambda tmp: pq.write_table(table, tmp))


def read(path: str | Path, fingerprint: str) -> Snapshot | None:
    """The snapshot in ``path`` if it was written for ``fingerprint`` (None: absent, unreadable,
    another format or other data)."""
    import pyarrow.parquet as pq

    try:
        raw = (pq.read_schema(path).metadata or {}).get(_META)
        head = json.loads(raw) if raw else None
        if not isinstance(head, dict) or head.get("format") != FORMAT or head.get("fingerprint") != fingerprint:
            return None
        table = pq.read_table(path).to_pandas()
    except (OSError, ValueError):
        return None
    for c in ("reason", "status"):
        table[c] = table[c].astype(str).to_numpy(dtype=object)
    return Snapshot(table, list(head["ids"]), list(head["levels"]), dict(head["level_ids"]),
                    [int(y) for y in head["years"]], float(head["conf_level"]), origin="file")


def write_frame(frame: pd.DataFrame, path: str | Path, fingerprint: str) -> Path:
    """Write a shared frame (see the module docstring) to ``path`` (Parquet, atomically) with the
    layer's ``fingerprint``, its dtypes and its ``attrs`` (JSON) in the metadata. The frame must
    have the default index (0 to n-1); ValueError otherwise, and for ``attrs`` that are not JSON."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not frame.index.equals(pd.RangeIndex(len(frame))) or not frame.columns.is_unique:
        raise ValueError("a shared frame has the default index and unique column names")
    head = {"format": FORMAT, "fingerprint": fingerprint, "columns": [str(c) for c in frame.columns],
            "dtypes": [str(t) for t in frame.dtypes], "attrs": frame.attrs}
    try:
        meta = json.dumps(head).encode()
    except TypeError as e:  # attrs JSON cannot hold (a set, a numpy integer): the ValueError promised
        raise ValueError(f"a shared frame's attrs are JSON: {e}") from e
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), _FRAME_META: meta})
    return atomic.write(Path(path), lambda tmp: pq.write_table(table, tmp))


def read_frame(path: str | Path, fingerprint: str) -> pd.DataFrame | None:
    """The frame :func:`write_frame` saved in ``path`` for ``fingerprint``, with its dtypes and
    ``attrs``; None where the file is absent or unreadable, was written for other data (another
    fingerprint) or in another format, or a column does not come back with its dtype."""
    import pyarrow.parquet as pq

    try:
        raw = (pq.read_schema(path).metadata or {}).get(_FRAME_META)
        head = json.loads(raw) if raw else None
        if not isinstance(head, dict) or head.get("format") != FORMAT or head.get("fingerprint") != fingerprint:
            return None
        frame = pq.read_table(path).to_pandas()
    except (OSError, ValueError):
        return None
    dtypes, attrs = head.get("dtypes"), head.get("attrs")
    columns = [str(c) for c in frame.columns]
    if columns != head.get("columns") or not isinstance(dtypes, list) or len(dtypes) != len(columns) \
            or not isinstance(attrs, dict):
        return None  # a header without its columns, dtypes or attrs: not a frame this version wrote
    for c, want in zip(frame.columns, dtypes):
        if str(frame[c].dtype) != want:
            try:
                frame[c] = frame[c].astype(want)
            except (TypeError, ValueError):
                return None
            if str(frame[c].dtype) != want:
                return None
    frame.attrs = attrs
    return frame
