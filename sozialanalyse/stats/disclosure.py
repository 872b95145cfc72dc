"""Statistical disclosure control: nothing the report publishes may reveal a small count.

Small-area counts of social data (SGB II recipients, persons in need of care, ...) can identify
people. Every count table of the report goes through one of three modes, chosen per report in
the config (``disclosure:`` block) or per table:

``suppress`` (default)
    **Primary suppression**: counts from 1 to ``threshold - 1`` (default: 1 and 2) are not
    published; zeros stay visible unless ``zeros_visible: false``. A rate or share is suppressed
    when its numerator or denominator is (:func:`rate_status`).

    **Secondary suppression**: a suppressed cell must not be recoverable by subtraction from a
    published total. The table's *additive constraints* are found from its keys: every
    dimension with a total category (``insgesamt``: age bands add up to all ages, ``m`` and
    ``w`` to both sexes) and, given the area tree, every area whose sub-areas are in the table
    (Sozialräume add up to their Stadt, Städte and Gemeinden to the Landkreis). For each
    constraint (a total and its parts) with exactly one suppressed cell, one more cell is
    suppressed: the smallest non-zero visible part (least information loss), else the total.
    This repeats over all constraints until nothing changes (a fixed point; rows, columns and
    hierarchy levels interact, e.g. a suppressed Stadt total cascades into the Kreis table).

    This is a **heuristic**, like the hypercube method of τ-ARGUS: it is not guaranteed to
    suppress the fewest cells, and it protects against recovery by one subtraction per
    constraint (each suppressed cell has a suppressed partner in every constraint it belongs
    to); it does not compute protection intervals. Afterwards :meth:`Protection.check` verifies
    exactly that no constraint has a single suppressed cell. Constraints are only known within
    one call: tables published together must be protected together.

``round``
    Every count is rounded to a multiple of ``round_base`` (default 5), halves upwards
    (``base * floor(v / base + 1/2)``: with base 5, 1 and 2 become 0, 3 to 7 become 5, 8 becomes
    10). Totals are rounded on their own, so rounded parts need not add up to the rounded total.

``cellkey``
    A cell-key method in the style of the Zensus 2022: every cell gets a deterministic key in
    [0, 1) from a SHA-256 hash of its identifiers (area, year, variable, dimensions) and a fixed
    ``seed``; the perturbation is looked up from a small table by the key and the cell's value
    (:func:`perturbation_table`). The same cell therefore gets the same perturbation in every
    table and on every page (no averaging attack by re-publishing it). Counts from 1 to
    ``threshold - 1`` become 0 or ``threshold`` (unbiased in expectation), larger counts move
    by at most 2 and never below ``threshold``. The table is this project's, not the Zensus's
    (whose parameters are not published).

Suppressed cells are shown as ``.`` (:data:`SYMBOL`) with the footnote
"Wert kleiner als 3 oder aus Gründen der Geheimhaltung gesperrt (Sekundärsperrung)."
(:func:`mask`, :attr:`Settings.footnote`).

Examples
--------
Two Sozialräume of a Stadt: the 2 is suppressed (primary); it would follow from the Stadt's
total, so the smaller visible Sozialraum is suppressed too (secondary):

>>> areas = pd.DataFrame({"area_id": ["K", "A", "A1", "A2", "A3"],
...                       "kind": ["Landkreis", "Stadt", "Sozialraum", "Sozialraum", "Sozialraum"],
...                       "parent_id": [None, "K", "A", "A", "A"]})
>>> counts = pd.DataFrame({"area_id": ["A", "A1", "A2", "A3"], "value": [19, 2, 10, 7]})
>>> p = protect(counts, areas)
>>> p.table[["area_id", "value", "status"]].to_string(index=False)
'area_id  value    status\\n      A     19          \\n     A1      2   primary\\n     A2     10          \\n     A3      7 secondary'
>>> p.check()
[]
"""
from __future__ import annotations

import dataclasses
import hashlib
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..model.config import MIN_THRESHOLD, MODES, SYMBOL, Config, DisclosureSettings, check_block
from .indicators import load_catalog

__all__ = [
    "MIN_THRESHOLD",
    "MODES",
    "SYMBOL",
    "TOTAL",
    "Constraint",
    "Masked",
    "Protection",
    "Settings",
    "cell_key",
    "check_block",
    "constraints",
    "mask",
    "perturb",
    "perturbation_table",
    "protect",
    "protect_indicators",
    "protect_with_totals",
    "rate_status",
    "round_to_base",
    "settings",
]

#: The total category of a dimension (the project's long tables use it for "all").
TOTAL = "insgesamt"
#: The settings of a report's ``disclosure:`` block and their checks live with the config.
Settings = DisclosureSettings
PRIMARY, SECONDARY = "primary", "secondary"


def settings(config: Config | dict | None = None) -> Settings:
    """The disclosure settings of a report config (a :class:`~sozialanalyse.model.config.Config`,
    a district holding one, or, for callers with plain dicts, a config mapping or its
    ``disclosure`` block); defaults for everything absent.

    Examples
    --------
    >>> settings({"data": "x", "disclosure": {"threshold": 5, "mode": "round"}})
    DisclosureSettings(threshold=5, mode='round', round_base=5, zeros_visible=True, seed='sozialanalyse')
    >>> settings(None).threshold
    3
    """
    if config is None:
        return Settings()
    if isinstance(config, Config):
        return config.disclosure
    if hasattr(config, "config") and not isinstance(config, dict):  # a District
        return settings(config.config)
    if "disclosure" in config or "data" in config:
        block = config.get("disclosure") or {}
    else:
        block = config
    return check_block(block)


# --------------------------------------------------------------------------- constraints
@dataclass(frozen=True)
class Constraint:
    """``total = sum(parts)``: row positions in the protected table, and where it comes from."""

    total: int
    parts: tuple[int, ...]
    source: str  # a dimension name or "area_id" (the area tree)

    @property
    def cells(self) -> tuple[int, ...]:
        return (self.total, *self.parts)


def _children(areas: pd.DataFrame) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for a, p in zip(areas["area_id"].astype(str), areas["parent_id"]):
        if isinstance(p, str) and p:
            out.setdefault(p, []).append(a)
    return out


def constraints(df: pd.DataFrame, keys: list[str], additive: list[str], areas: pd.DataFrame | None = None,
                total: str = TOTAL) -> list[Constraint]:
    """The additive constraints of a long table (positions are row numbers of ``df``).

    * for each dimension in ``additive``: within each combination of the other keys, the row
      whose dimension is ``total`` is the sum of the rows with the other categories;
    * with ``areas`` (and ``area_id`` among the keys): within each combination of the other
      keys, an area is the sum of its nearest descendants present in the table. Sub-areas
      absent from the table count as known (published elsewhere), which is the safe side.
    """
    out: list[Constraint] = []
    df = df.reset_index(drop=True)
    for dim in additive:
        others = [k for k in keys if k != dim]
        groups = df.groupby(others, sort=False, dropna=False).indices if others else {(): np.arange(len(df))}
        for idx in groups.values():
            is_total = df[dim].iloc[idx].astype(str).to_numpy() == total
            tot, parts = idx[is_total], idx[~is_total]
            if len(tot) == 1 and len(parts):
                out.append(Constraint(int(tot[0]), tuple(int(i) for i in parts), dim))
    if areas is not None and "area_id" in keys:
        kids = _children(areas)
        others = [k for k in keys if k != "area_id"]
        groups = df.groupby(others, sort=False, dropna=False).indices if others else {(): np.arange(len(df))}
        for idx in groups.values():
            pos = {str(a): int(i) for a, i in zip(df["area_id"].iloc[idx], idx)}

            def present_below(a: str, pos: dict[str, int]) -> list[int]:
                found = []
                for c in kids.get(a, []):
                    found.extend([pos[c]] if c in pos else present_below(c, pos))
                return found

            for a, i in pos.items():
                parts = present_below(a, pos)
                if parts:
                    out.append(Constraint(i, tuple(parts), "area_id"))
    return out


# --------------------------------------------------------------------------- rounding, cell key
def round_to_base(values, base: int = 5) -> np.ndarray:
    """Round to a multiple of ``base``, halves upwards; NaN stays NaN.

    >>> round_to_base([0, 1, 2, 3, 7, 8, 12, 13], 5).tolist()
    [0.0, 0.0, 0.0, 5.0, 5.0, 10.0, 10.0, 15.0]
    """
    v = np.asarray(values, dtype=float)
    return base * np.floor(v / base + 0.5)


def cell_key(identifiers: dict, seed: str) -> float:
    """Deterministic key in [0, 1) of a cell: SHA-256 of the seed and the sorted identifiers.

    >>> cell_key({"area_id": "A1", "year": 2024}, "s") == cell_key({"year": 2024, "area_id": "A1"}, "s")
    True
    """
    text = seed + "\x00" + "\x00".join(f"{k}={identifiers[k]}" for k in sorted(identifiers))
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:13], 16) / 16 ** 13


#: Deviations of counts at or above the threshold and their probabilities (symmetric).
_DEVIATIONS = ((-2, 0.05), (-1, 0.2), (0, 0.5), (1, 0.2), (2, 0.05))


def perturbation_table(value: int, threshold: int = 3) -> list[tuple[float, int]]:
    """Rows ``(upper key bound, published value)`` for a true ``value``: a cell with key ``k``
    gets the value of the first row whose bound exceeds ``k``.

    >>> perturbation_table(1, 3)
    [(0.6666666666666667, 0), (1.0, 3)]
    >>> [v for _, v in perturbation_table(10, 3)]
    [8, 9, 10, 11, 12]
    """
    value = int(value)
    if value <= 0:
        return [(1.0, value)]
    if value < threshold:  # 0 or the threshold, unbiased: P(threshold) = value / threshold
        return [(1 - value / threshold, 0), (1.0, threshold)]
    rows, upper = [], 0.0
    for d, p in _DEVIATIONS:
        upper += p
        rows.append((min(upper, 1.0), max(value + d, threshold)))
    rows[-1] = (1.0, rows[-1][1])
    return rows


def perturb(value: float, key: float, threshold: int = 3) -> float:
    """The published value of a cell from its true value and its key."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return float("nan")
    for bound, out in perturbation_table(int(round(value)), threshold):  # noqa: RUF046 - numpy floats
        if key < bound:
            return float(out)
    return float(out)  # pragma: no cover - the last bound is 1.0


# --------------------------------------------------------------------------- protection
@dataclass
class Protection:
    """The result of :func:`protect`.

    ``table`` is the input table with two more columns: ``status`` (``""``, ``"primary"`` or
    ``"secondary"``) and ``published`` (the value to show: NaN where suppressed, rounded or
    perturbed in those modes).
    """

    table: pd.DataFrame
    settings: Settings
    keys: list[str]
    constraints: list[Constraint] = field(default_factory=list)
    value: str = "value"

    @property
    def suppressed(self) -> pd.DataFrame:
        """The suppressed cells with the reason (``status``)."""
        return self.table[self.table["status"] != ""]

    @property
    def footnote(self) -> str | None:
        """The footnote text when anything is suppressed, else None."""
        return self.settings.footnote if len(self.suppressed) else None

    def status_of(self, **key) -> str:
        """Status of one cell, e.g. ``status_of(area_id="A1")``; KeyError if absent."""
        hit = self.table
        for k, v in key.items():
            hit = hit[hit[k].astype(str) == str(v)]
        if len(hit) != 1:
            raise KeyError(f"{len(hit)} cells match {key}")
        return str(hit["status"].iloc[0])

    def lookup(self, frame: pd.DataFrame, column: str = "status") -> pd.Series:
        """``column`` (status or published) for each row of ``frame``, matched on the key columns
        ``frame`` has; ``""`` / NaN where there is no such cell."""
        on = [k for k in self.keys if k in frame.columns]
        left = frame[on].astype(str).reset_index(drop=True)
        right = self.table[on + [column]].copy()
        right[on] = right[on].astype(str)
        merged = left.merge(right, on=on, how="left")
        out = merged[column]
        if column == "status":
            out = out.fillna("")
        out.index = frame.index
        return out

    def formatted(self, formatter) -> pd.Series:
        """The published values as text: ``.`` where suppressed, else ``formatter(value)``.

        ``formatter`` turns one number into text, e.g. ``render.fmt.num`` for German figures (the
        statistics floor does not format for readers itself)."""
        return pd.Series([SYMBOL if s else formatter(v) for s, v in
                          zip(self.table["status"], self.table["published"])], index=self.table.index)

    def check(self) -> list[str]:
        """Exact verification of the pattern: every constraint with a suppressed cell has at least
        two. Returns one message per violation (empty: protected)."""
        status = self.table["status"].to_numpy()
        problems = []
        for c in self.constraints:
            sup = [i for i in c.cells if status[i]]
            if len(sup) == 1:
                row = self.table.iloc[sup[0]]
                ident = ", ".join(f"{k}={row[k]}" for k in self.keys)
                problems.append(f"cell ({ident}) is the only suppressed cell of a {c.source} constraint "
                                f"and can be recomputed from the total")
        return problems


def _sensitive(values: np.ndarray, s: Settings) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        small = (values > 0) & (values < s.threshold)
        if not s.zeros_visible:
            small |= values == 0
    return small


def _complement(c: Constraint, values: np.ndarray, status: np.ndarray) -> int | None:
    """The cell to suppress next in a constraint with one suppressed cell: the smallest
    non-zero visible part, else the total, else a visible zero part."""
    visible = [i for i in c.parts if not status[i] and not np.isnan(values[i])]
    nonzero = sorted((abs(values[i]), i) for i in visible if values[i] != 0)
    if nonzero:
        return nonzero[0][1]
    if not status[c.total] and not np.isnan(values[c.total]):
        return c.total
    return visible[0] if visible else None


def _secondary(cons: list[Constraint], values: np.ndarray, status: np.ndarray, n: int) -> None:
    """Secondary suppression to a fixed point: visit the constraints in order, and in every one with
    exactly one suppressed cell suppress one more (:func:`_complement`); repeat until a pass
    changes nothing (the set of suppressed cells only grows: it terminates). The number of
    suppressed cells per constraint is kept up to date as cells are suppressed, so a pass costs
    one look-up per constraint."""
    if not cons:
        return
    from scipy import sparse  # scipy: only for the secondary suppression of large tables

    rows = np.repeat(np.arange(len(cons)), [len(c.cells) for c in cons])
    cols = np.fromiter((i for c in cons for i in c.cells), dtype=np.int64, count=len(rows))
    member = sparse.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(cons), n))
    count = (member @ (status != "").astype(float)).astype(int).tolist()
    changed = True
    while changed:
        changed = False
        for k, c in enumerate(cons):
            if count[k] != 1:
                continue
            pick = _complement(c, values, status)
            if pick is not None:
                status[pick] = SECONDARY
                for j in member.indices[member.indptr[pick]:member.indptr[pick + 1]]:
                    count[j] += 1
                changed = True


def protect(df: pd.DataFrame, areas: pd.DataFrame | None = None, additive: list[str] | None = None,
            config: Settings | Config | dict | None = None, value: str = "value", mode: str | None = None,
            total: str = TOTAL, extra: list[Constraint] | None = None) -> Protection:
    """Protect a long table of counts (columns ``area_id``, dimensions, ``value``).

    Parameters
    ----------
    df
        One row per cell; every column except ``value`` is a key (``area_id``, ``year``,
        ``variable``, ``age_group``, ...). Keys must be unique.
    areas
        The area tree (``area_id, parent_id``): areas add up to their parent.
    additive
        Dimensions with a total category ``total`` whose other categories add up to it.
        Default: every key column except ``area_id`` that has ``total`` and other values.
    config
        :class:`Settings`, a report config or its ``disclosure`` block.
    mode
        Overrides the configured mode for this table.
    extra
        More additive constraints (row positions of ``df``), e.g. cells of different variables
        that add up to another one (:mod:`sozialanalyse.protected.layer`).
    """
    s = config if isinstance(config, Settings) else settings(config)
    if mode is not None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        s = dataclasses.replace(s, mode=mode)
    table = df.reset_index(drop=True).copy()
    if value not in table.columns:
        raise ValueError(f"the table has no column {value!r}")
    keys = [c for c in table.columns if c != value]
    if keys and table.duplicated(keys).any():
        dup = table[table.duplicated(keys, keep=False)].iloc[0]
        raise ValueError("duplicate cell " + ", ".join(f"{k}={dup[k]}" for k in keys))
    if additive is None:
        additive = []
        for k in keys:
            if k == "area_id":
                continue
            txt = table[k].astype(str)
            if (txt == total).any() and (txt != total).any():
                additive.append(k)
    values = pd.to_numeric(table[value], errors="coerce").to_numpy(dtype=float)
    cons = constraints(table, keys, list(additive), areas, total) if s.mode == "suppress" else []
    if s.mode == "suppress" and extra:
        cons += list(extra)
    status = np.array([""] * len(table), dtype=object)
    if s.mode == "suppress":
        status[_sensitive(values, s)] = PRIMARY
        _secondary(cons, values, status, len(table))
        published = np.where(status != "", np.nan, values)
    elif s.mode == "round":
        published = round_to_base(values, s.round_base)
    else:
        ident = table[keys].astype(str).to_dict("records")
        published = np.array([perturb(v, cell_key(k, s.seed), s.threshold) for v, k in zip(values, ident)])
    table["status"] = status.astype(str)
    table["published"] = published
    return Protection(table, s, keys, cons, value)


def rate_status(numerator, denominator=None) -> np.ndarray:
    """Status of rates from the statuses of their numerators and denominators: suppressed when
    either is; ``primary`` wins over ``secondary``.

    >>> rate_status(["", "primary", "", "secondary"], ["", "", "secondary", "primary"]).tolist()
    ['', 'primary', 'secondary', 'primary']
    """
    num = np.asarray(numerator, dtype=object)
    den = np.asarray(denominator if denominator is not None else [""] * len(num), dtype=object)
    out = np.where((num == PRIMARY) | (den == PRIMARY), PRIMARY,
                   np.where((num == SECONDARY) | (den == SECONDARY), SECONDARY, ""))
    return out.astype(object)


def protect_indicators(res: pd.DataFrame, areas: pd.DataFrame | None = None,
                       config: Settings | Config | dict | None = None, multipliers: dict | None = None) -> pd.DataFrame:
    """Protect count-based indicators (shares, rates) through their numerators and denominators.

    ``res`` has the columns of :func:`sozialanalyse.stats.indicators.compute` (``area_id, year,
    indicator, value, numerator, denominator``) for the areas of one table *and* the areas
    whose totals are published elsewhere (e.g. the Sozialräume and their Stadt). Numerators
    and denominators are protected as counts (the area tree makes Sozialräume add up to their
    Stadt); an indicator is suppressed when its numerator or denominator is
    (:func:`rate_status`). Returns ``res`` with ``status`` and ``published``: NaN where
    suppressed; in the modes ``round`` and ``cellkey`` the indicator recomputed from the
    published numerator and denominator (``multipliers``: indicator -> multiplier, default
    from the indicator catalog).

    Examples
    --------
    >>> res = pd.DataFrame({"area_id": ["A", "A1", "A2"], "year": 2024, "indicator": "q",
    ...                     "numerator": [12, 2, 10], "denominator": [300, 100, 200]})
    >>> res["value"] = 100 * res["numerator"] / res["denominator"]
    >>> areas = pd.DataFrame({"area_id": ["A", "A1", "A2"], "parent_id": [None, "A", "A"]})
    >>> protect_indicators(res, areas, multipliers={"q": 100})[["area_id", "status"]].values.tolist()
    [['A', ''], ['A1', 'primary'], ['A2', 'secondary']]
    """
    s = config if isinstance(config, Settings) else settings(config)
    out = res.reset_index(drop=True).copy()
    for col in ("area_id", "indicator"):
        out[col] = out[col].astype(str)
    cells = []
    for part in ("numerator", "denominator"):
        t = out[["area_id", "year", "indicator", part]].rename(columns={part: "value"})
        t.insert(2, "variable", part)
        cells.append(t)
    long = pd.concat(cells, ignore_index=True)
    p = protect(long, areas, additive=[], config=s)
    key = ["area_id", "year", "indicator"]
    num = p.table[p.table["variable"] == "numerator"].set_index(key)
    den = p.table[p.table["variable"] == "denominator"].set_index(key)
    idx = pd.MultiIndex.from_frame(out[key])
    out["status"] = rate_status(num["status"].reindex(idx).fillna("").to_numpy(),
                                den["status"].reindex(idx).fillna("").to_numpy())
    if s.mode == "suppress":
        out["published"] = np.where(out["status"] != "", np.nan, out["value"].to_numpy(dtype=float))
    else:
        if multipliers is None:
            user = config.catalog if isinstance(config, Config) else None  # a user catalog's indicators too
            multipliers = {i: e["multiplier"] for i, e in load_catalog(list(user) if user else None).items()}
        mult = out["indicator"].map(lambda i: float(multipliers.get(i, 1) or 1)).to_numpy()
        pn = num["published"].reindex(idx).to_numpy(dtype=float)
        pdn = den["published"].reindex(idx).to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["published"] = np.where(pdn > 0, mult * pn / pdn, np.nan)
    return out


def protect_with_totals(res: pd.DataFrame, totals: pd.DataFrame, areas: pd.DataFrame | None = None,
                        config: Settings | Config | dict | None = None) -> pd.DataFrame:
    """Protect the indicators of a table's areas (``res``) together with the totals published
    elsewhere (``totals``: e.g. the municipalities and the Kreis the areas add up to).

    Both have the columns ``area_id, year, indicator, value, numerator, denominator``; an area in
    both counts once. Returns ``res`` (same index and order) with ``status`` and ``published``
    (:func:`protect_indicators`).

    Examples
    --------
    >>> res = pd.DataFrame({"area_id": ["A1", "A2"], "year": 2024, "indicator": "q",
    ...                     "numerator": [2, 10], "denominator": [100, 200]})
    >>> res["value"] = 100 * res["numerator"] / res["denominator"]
    >>> tot = pd.DataFrame({"area_id": ["A"], "year": 2024, "indicator": "q", "value": 4.0,
    ...                     "numerator": [12], "denominator": [300]})
    >>> areas = pd.DataFrame({"area_id": ["A", "A1", "A2"], "parent_id": [None, "A", "A"]})
    >>> protect_with_totals(res, tot, areas)["status"].tolist()
    ['primary', 'secondary']
    """
    key = ["area_id", "year", "indicator"]
    cols = [*key, "value", "numerator", "denominator"]
    out = res.copy()
    own = res[cols].copy()
    tot = totals[cols].copy()
    for f in (own, tot):
        f["area_id"] = f["area_id"].astype(str)
        f["indicator"] = f["indicator"].astype(str)
        f["year"] = f["year"].astype(int)
    both = pd.concat([own, tot], ignore_index=True).drop_duplicates(key)
    safe = protect_indicators(both, areas, config=config).set_index(key)
    idx = pd.MultiIndex.from_frame(own[key])
    out["status"] = safe["status"].reindex(idx).fillna("").to_numpy()
    out["published"] = safe["published"].reindex(idx).to_numpy(dtype=float)
    return out


# --------------------------------------------------------------------------- display
@dataclass
class Masked:
    """A formatted table with suppressed cells shown as ``.``.

    ``cells`` lists them (``row`` = index label, ``column``, ``reason``); ``footnotes`` is the
    footnote to print under the table (empty when nothing is suppressed).
    """

    frame: pd.DataFrame
    cells: pd.DataFrame
    settings: Settings

    @property
    def footnotes(self) -> list[str]:
        return [self.settings.footnote_line] if len(self.cells) else []


def mask(frame: pd.DataFrame, reasons: pd.DataFrame | dict, config: Settings | Config | dict | None = None) -> Masked:
    """Show ``.`` in the cells of ``frame`` whose reason is not empty.

    ``reasons`` has the same index as ``frame`` and some of its columns (or is a dict column ->
    list of reasons), each ``""``, ``"primary"`` or ``"secondary"``.

    Examples
    --------
    >>> m = mask(pd.DataFrame({"Gebiet": ["A", "B"], "Anteil": ["0,5 %", "12,0 %"]}),
    ...          {"Anteil": ["primary", ""]})
    >>> m.frame["Anteil"].tolist(), m.cells.to_dict("records")
    (['.', '12,0 %'], [{'row': 0, 'column': 'Anteil', 'reason': 'primary'}])
    >>> m.footnotes
    ['„.“ Wert kleiner als 3 oder aus Gründen der Geheimhaltung gesperrt (Sekundärsperrung).']
    """
    s = config if isinstance(config, Settings) else settings(config)
    reasons = reasons if isinstance(reasons, pd.DataFrame) else pd.DataFrame(reasons, index=frame.index)
    out = frame.copy()
    cells = []
    for col in reasons.columns:
        if col not in out.columns:
            raise KeyError(f"column {col!r} not in the table")
        out[col] = out[col].astype(object)
        for label, reason in reasons[col].items():
            if reason:
                out.at[label, col] = SYMBOL
                cells.append({"row": label, "column": col, "reason": str(reason)})
    return Masked(out, pd.DataFrame(cells, columns=["row", "column", "reason"]), s)
