"""Disparity (inequality and segregation) measures, vectorised over many distributions.

Every measure takes values ``y`` (e.g. a rate per area) with optional population weights
``w`` and computes one number per *distribution*. Distributions can be given as

* a long :class:`pandas.DataFrame` with ``value=`` (and ``weight=``) columns and
  ``by=[...]`` group columns, e.g. ``by=["indicator", "year"]``: one result per group,
  returned as a Series (or DataFrame) indexed by the groups;
* a long DataFrame without ``by``: one result (a float);
* a 1-d array: one result (a float);
* a 2-d array of shape ``(n, t)``: ``t`` distributions over the same ``n`` areas (one per
  column, as in pysal's ``inequality``), with weights of shape ``(n,)`` or ``(n, t)``:
  an array of ``t`` results.

All groups are computed together with sorting, cumulative sums, ``np.bincount`` and
row sums: there is no Python loop per group or column (2-d arrays are processed in column
blocks, optionally on several threads, to bound memory).

Missing values and weights
--------------------------
A row whose value or weight is missing is dropped together with its weight. A group with no
rows left gives NaN. Weights must be non-negative; a zero weight drops the row's influence.
Values must be non-negative for Gini, Theil and Atkinson (they measure the distribution of a
non-negative quantity) – a negative value raises :class:`ValueError`.

Zeros
-----
* Gini, coefficient of variation, Theil T, Atkinson with ``epsilon < 1``: zeros are fine
  (Theil T uses :math:`0 \\cdot \\ln 0 = 0`).
* Theil L and Atkinson with ``epsilon >= 1`` are undefined when a value is zero
  (:math:`\\ln 0`, :math:`0^{1-\\varepsilon}` with :math:`1 - \\varepsilon \\le 0`): the
  affected groups are NaN and a :class:`UndefinedMeasureWarning` states how many and why
  (``zeros="raise"`` raises :class:`ValueError` instead).
* A group whose weighted mean is zero gives NaN for every relative measure.
"""
from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import _checks as check

__all__ = [
    "UndefinedMeasureWarning",
    "gini",
    "lorenz",
    "theil_t",
    "theil_l",
    "theil_decomposition",
    "TheilDecomposition",
    "atkinson",
    "cv",
    "weighted_quantile",
    "quantile_ratio",
    "max_min_ratio",
    "dissimilarity",
    "location_quotient",
    "summary",
]

#: Target number of values per block when 2-d arrays are processed in column blocks.
_BLOCK_VALUES = 1 << 19


class UndefinedMeasureWarning(RuntimeWarning):
    """A measure is undefined for some distributions (e.g. Theil L with a zero value)."""


# --------------------------------------------------------------------------------------
# Internal representation: one block of distributions stored contiguously
# --------------------------------------------------------------------------------------


@dataclass
class _Block:
    """Values of ``g`` distributions, flat.

    ``rect`` blocks hold ``g`` distributions of equal length ``m`` (row-major ``(g, m)``),
    other blocks carry an explicit group ``code`` per value.
    """

    y: np.ndarray
    w: np.ndarray | None  # None: unweighted (all weights 1)
    g: int
    code: np.ndarray | None = None  # group of each value (non-rect)
    m: int = 0  # length of each distribution (rect)
    sub: np.ndarray | None = None  # subgroup code of each value (decomposition)
    nsub: int = 0
    _sorted: object = field(default=None, repr=False)
    start: np.ndarray | None = field(default=None, repr=False)
    sub_start: np.ndarray | None = None  # rect blocks with rows ordered by subgroup

    @property
    def rect(self) -> bool:
        return self.code is None

    def gsum(self, x: np.ndarray) -> np.ndarray:
        """Sum of ``x`` (one entry per value) within each group."""
        if self.rect:
            return x.reshape(self.g, self.m).sum(axis=1)
        return np.bincount(self.code, weights=x, minlength=self.g)

    def expand(self, v: np.ndarray) -> np.ndarray:
        """Per-group ``v`` repeated for each value of the group."""
        if self.rect:
            return np.repeat(v, self.m)
        return v[self.code]

    def weights(self) -> np.ndarray:
        return np.ones_like(self.y) if self.w is None else self.w

    def counts(self) -> np.ndarray:
        if self.rect:
            return np.full(self.g, self.m, dtype=np.int64)
        return np.bincount(self.code, minlength=self.g)

    def wsum(self) -> np.ndarray:
        return self.counts().astype(float) if self.w is None else self.gsum(self.w)

    def sorted(self) -> "_Block":
        """The same distributions with values sorted ascending within each group.

        The returned block has ``start`` (group offsets) set; its ``gsum``/``expand`` refer to
        the sorted order.
        """
        if self._sorted is not None:
            return self._sorted
        if self.rect:
            ym = self.y.reshape(self.g, self.m)
            if self.w is None:
                ys, ws = np.sort(ym, axis=1).ravel(), None
            else:
                order = np.argsort(ym, axis=1)
                ys = np.take_along_axis(ym, order, axis=1).ravel()
                ws = np.take_along_axis(self.w.reshape(self.g, self.m), order, axis=1).ravel()
            out = _Block(y=ys, w=ws, g=self.g, m=self.m)
            out.start = np.arange(self.g) * self.m
        else:
            o1 = np.argsort(self.y)
            c = self.code[o1]
            if self.g < 65536:
                c = c.astype(np.uint16)  # stable radix sort on small integer codes
            order = o1[np.argsort(c, kind="stable")]
            out = _Block(y=self.y[order], w=None if self.w is None else self.w[order], g=self.g,
                         code=self.code[order])
            out.start = np.concatenate([[0], np.cumsum(self.counts())[:-1]])
        out._sorted = out
        self._sorted = out
        return out

    def pairs(self):
        """Codes of the (group, subgroup) pairs, number of pairs and group of each pair."""
        if self.sub is None:
            raise ValueError("no grouping given for the decomposition")
        if self.rect:
            p = (np.arange(self.g)[:, None] * self.nsub + self.sub[None, :]).ravel()
        else:
            p = self.code.astype(np.int64) * self.nsub + self.sub
        npairs = self.g * self.nsub
        if npairs > 50_000_000:  # sparse pairs: compress codes
            uniq, p = np.unique(p, return_inverse=True)
            return p, len(uniq), uniq // self.nsub, uniq % self.nsub
        return p, npairs, np.arange(npairs) // self.nsub, np.arange(npairs) % self.nsub


@dataclass
class _Input:
    blocks: list
    kind: str  # "frame_by", "scalar", "columns"
    index: pd.Index | None = None
    sub_labels: np.ndarray | None = None


def _as_list(by):
    if by is None:
        return []
    if isinstance(by, (str, int)) or not np.iterable(by):
        return [by]
    return list(by)


def _factorize_groups(frame: pd.DataFrame, by: list):
    """Integer group codes for the combinations of ``by`` columns (sorted), and their index."""
    codes = np.zeros(len(frame), dtype=np.int64)
    uniques = []
    for col in by:
        c, u = pd.factorize(frame[col], sort=True, use_na_sentinel=False)
        codes = codes * len(u) + c
        uniques.append(u)
    total = int(np.prod([len(u) for u in uniques]))
    present = np.bincount(codes, minlength=total) > 0
    remap = np.cumsum(present) - 1
    codes = remap[codes]
    if len(by) == 1:
        index = pd.Index(uniques[0], name=by[0])[present]
    else:
        index = pd.MultiIndex.from_product(uniques, names=by)[present]
    return codes, index


def _clean(y, w, extra=()):
    """Boolean mask of usable rows (weights are checked by :func:`_prepare`)."""
    ok = ~np.isnan(y)
    if w is not None:
        ok &= ~np.isnan(w)
    for e in extra:
        ok &= ~pd.isna(e)
    return ok


def _prepare(data, value=None, weight=None, by=None, group=None, *, fn: str,
             nonneg: bool = False) -> _Input:
    """Check the input of measure ``fn`` (values ``>= 0`` if ``nonneg``) and cut it into blocks."""
    by = _as_list(by)
    if isinstance(data, pd.DataFrame):
        if value is None:
            raise ValueError(f"{fn}(): value= (the column with the values) is required for a "
                             "DataFrame")
        check.columns(fn, data, [value] + [c for c in (weight, group) if c is not None] + by)
        keys = ["area_id", *by]
        check.numeric(fn, data, [value] + ([] if weight is None else [weight]), keys=keys)
        y = data[value].to_numpy(dtype=float, na_value=np.nan)
        w = None if weight is None else data[weight].to_numpy(dtype=float, na_value=np.nan)
        if w is not None:
            check.non_negative(fn, w, weight, data, keys)
        if nonneg:
            check.non_negative(fn, y, value, data, keys, hint=f"{fn} needs non-negative values")
        sub = None if group is None else data[group]
        if by:
            code, index = _factorize_groups(data, by)
            g, kind = len(index), "frame_by"
        else:
            code, index, g, kind = np.zeros(len(data), dtype=np.int64), None, 1, "scalar"
    else:
        if isinstance(weight, str) or isinstance(group, str) or by:
            raise ValueError(f"{fn}(): column names (weight=, group=, by=) need a DataFrame, "
                             f"got data of type {type(data).__name__}")
        y = np.asarray(data, dtype=float)
        w = None if weight is None else np.asarray(weight, dtype=float)
        sub = None if group is None else np.asarray(group)
        if w is not None:
            check.non_negative(fn, w, "weight")
        if nonneg:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN array
                neg = y.size and np.nanmin(y) < 0
            if neg:
                pos = np.unravel_index(check.first_bad(y < 0), y.shape)
                at = ", ".join(map(str, pos))
                raise ValueError(f"{fn}(): data has a negative value {check.show(y[pos])} at "
                                 f"position {at}; {fn} needs non-negative values")
        if y.ndim == 2:
            return _prepare_columns(y, w, sub, fn)
        if y.ndim != 1:
            raise ValueError(f"{fn}(): arrays must be 1-d (one distribution) or 2-d (n, t), got "
                             f"shape {y.shape}")
        if w is not None and w.shape != y.shape:
            raise ValueError(f"{fn}(): weight must have the shape of the values {y.shape}, got "
                             f"{w.shape}")
        code, index, g, kind = np.zeros(len(y), dtype=np.int64), None, 1, "scalar"
    sub_codes, sub_labels, nsub = None, None, 0
    ok = _clean(y, w, () if sub is None else (np.asarray(sub),))
    if sub is not None:
        sub_codes, sub_labels = pd.factorize(np.asarray(sub)[ok], sort=True)
        nsub = len(sub_labels)
    block = _Block(y=y[ok], w=None if w is None else w[ok], g=g, code=code[ok],
                   sub=sub_codes, nsub=nsub)
    return _Input([block], kind, index, sub_labels)


def _prepare_columns(y: np.ndarray, w, sub, fn: str) -> _Input:
    n, t = y.shape
    if w is not None and w.shape not in ((n,), (n, t)):
        raise ValueError(f"{fn}(): weight must have shape ({n},) or ({n}, {t}), got {w.shape}")
    sub_codes, sub_labels, nsub, row_order, sub_start = None, None, 0, None, None
    if sub is not None:
        if sub.shape != (n,):
            raise ValueError(f"{fn}(): group must have shape ({n},), got {sub.shape}")
        sub_codes, sub_labels = pd.factorize(sub, sort=True)
        nsub = len(sub_labels)
        if np.any(sub_codes < 0):
            raise ValueError(f"{fn}(): group has a missing value at position "
                             f"{check.first_bad(sub_codes < 0)}")
        if np.any(np.diff(sub_codes) < 0):  # order the areas by subgroup (block by block)
            row_order = np.argsort(sub_codes, kind="stable")
            sub_codes = sub_codes[row_order]
        sub_start = np.flatnonzero(np.r_[True, np.diff(sub_codes) != 0])
    step = max(1, _BLOCK_VALUES // max(n, 1))

    def make(a):
        def build() -> _Block:
            yb = np.ascontiguousarray(y[:, a:a + step].T)
            gb = yb.shape[0]
            if w is None:
                wb = None
            elif w.ndim == 1:
                wb = np.broadcast_to(w if row_order is None else w[row_order], (gb, n))
            else:
                wb = np.ascontiguousarray(w[:, a:a + step].T)
            if row_order is not None:
                yb = yb[:, row_order]
                if wb is not None and w.ndim == 2:
                    wb = wb[:, row_order]
            bad = np.isnan(yb) if wb is None else (np.isnan(yb) | np.isnan(wb))
            if not bad.any():
                return _Block(y=yb.ravel(), w=None if wb is None else np.ascontiguousarray(wb).ravel(),
                              g=gb, m=n, sub=sub_codes, nsub=nsub, sub_start=sub_start)
            ok = ~bad.ravel()  # missing values: flat block with explicit codes
            return _Block(
                y=yb.ravel()[ok], w=None if wb is None else np.ascontiguousarray(wb).ravel()[ok],
                g=gb, code=np.repeat(np.arange(gb), n)[ok],
                sub=None if sub_codes is None else np.tile(sub_codes, gb)[ok], nsub=nsub)

        return build

    # blocks are built lazily (one column block at a time) to bound memory
    blocks = [make(a) for a in range(0, t, step)]
    return _Input(blocks, "columns", None, sub_labels)


def _get(b) -> _Block:
    return b() if callable(b) else b


def _run(inp: _Input, kernel, n_jobs: int = 1) -> dict:
    """Apply ``kernel(block) -> dict of per-group arrays`` to all blocks and concatenate."""
    def call(b):
        return kernel(_get(b))

    if n_jobs and n_jobs > 1 and len(inp.blocks) > 1:
        with ThreadPoolExecutor(max_workers=n_jobs) as ex:
            parts = list(ex.map(call, inp.blocks))
    else:
        parts = [call(b) for b in inp.blocks]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _wrap(inp: _Input, arr: np.ndarray, name: str):
    if inp.kind == "frame_by":
        return pd.Series(arr, index=inp.index, name=name)
    if inp.kind == "scalar":
        return float(arr[0])
    return arr


def _report_zeros(zero: np.ndarray, measure: str, zeros: str):
    k = int(np.count_nonzero(zero))
    if not k:
        return
    msg = (f"{measure} is undefined for {k} of {zero.size} distribution(s) containing a zero "
           "value (logarithm or negative power of 0); set to NaN")
    if zeros == "raise":
        raise ValueError(msg.replace("; set to NaN", ""))
    if zeros != "nan":
        raise ValueError(f"{measure}: zeros must be 'nan' or 'raise', got {zeros!r}")
    warnings.warn(msg, UndefinedMeasureWarning, stacklevel=3)


def _div(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)


def _xlogx(x):
    """``x * ln(x)`` with ``0 ln 0 = 0``."""
    out = np.zeros_like(x, dtype=float)
    pos = x > 0
    np.multiply(x, np.log(x, where=pos, out=np.ones_like(x, dtype=float)), out=out, where=pos)
    return out


# --------------------------------------------------------------------------------------
# Kernels (one call per block; all groups of the block at once)
# --------------------------------------------------------------------------------------


def _k_gini(b: _Block) -> dict:
    sb = b.sorted()
    W = sb.wsum()
    if sb.rect:  # equal-length distributions: row-wise cumulative sums, no offsets needed
        ym = sb.y.reshape(sb.g, sb.m)
        if sb.w is None:
            wv = ym
            cw = np.arange(1, sb.m + 1, dtype=float)
            S = wv.sum(axis=1)
            num = 2.0 * (wv @ cw) - S - W * S
        else:
            wm = sb.w.reshape(sb.g, sb.m)
            wv = wm * ym
            cw = np.cumsum(wm, axis=1)
            S = wv.sum(axis=1)
            num = (2.0 * np.einsum("ij,ij->i", wv, cw) - np.einsum("ij,ij->i", wv, wm)
                   - W * S)
        return {"gini": _div(num, W * S)}
    w = sb.weights()
    cum = np.cumsum(w)
    offset = np.concatenate([[0.0], cum])[sb.start]
    c_in = cum - offset[sb.code]  # cumulative weight within the group (inclusive)
    wv = w * sb.y
    S = sb.gsum(wv)
    num = sb.gsum(wv * (2.0 * c_in - w - sb.expand(W)))
    return {"gini": _div(num, W * S)}


def _k_moments(b: _Block) -> dict:
    """Weight sum, weighted sum and weighted mean per group."""
    w = b.weights()
    W = b.wsum()
    S = b.gsum(w * b.y) if b.w is not None else b.gsum(b.y)
    return {"W": W, "S": S, "mu": _div(S, W)}


def _k_theil_t(b: _Block) -> dict:
    m = _k_moments(b)
    wy_lny = b.gsum(_xlogx(b.y) * (1.0 if b.w is None else b.w))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = _div(wy_lny, m["S"]) - np.log(np.where(m["mu"] > 0, m["mu"], np.nan))
    return {"theil_t": t}


def _has_zero(b: _Block) -> np.ndarray:
    z = (b.y == 0) if b.w is None else ((b.y == 0) & (b.w > 0))
    return b.gsum(z.astype(float)) > 0


def _k_theil_l(b: _Block) -> dict:
    m = _k_moments(b)
    zero = _has_zero(b)
    lny = np.log(b.y, where=b.y > 0, out=np.zeros_like(b.y))
    mean_ln = _div(b.gsum(lny if b.w is None else b.w * lny), m["W"])
    with np.errstate(divide="ignore", invalid="ignore"):
        l_ = np.log(np.where(m["mu"] > 0, m["mu"], np.nan)) - mean_ln
    return {"theil_l": np.where(zero, np.nan, l_), "_zero": zero & (m["mu"] > 0)}


def _k_atkinson(eps: float):
    def kernel(b: _Block) -> dict:
        m = _k_moments(b)
        mu = m["mu"]
        if eps == 0:
            return {"atkinson": np.where(np.isnan(mu) | (mu == 0), np.nan, 0.0),
                    "_zero": np.zeros(b.g, bool)}
        rel = b.y / b.expand(np.where(mu > 0, mu, np.nan))  # y / mu: avoids overflow
        zero = _has_zero(b) if eps >= 1 else np.zeros(b.g, bool)
        if eps == 1:
            lr = np.log(rel, where=rel > 0, out=np.zeros_like(rel))
            ede_rel = np.exp(_div(b.gsum(lr if b.w is None else b.w * lr), m["W"]))
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                pw = np.where(rel > 0, rel, 1.0) ** (1.0 - eps)
            pw = np.where(rel > 0, pw, 0.0)
            ede_rel = _div(b.gsum(pw if b.w is None else b.w * pw), m["W"]) ** (1.0 / (1.0 - eps))
        a = 1.0 - ede_rel
        a = np.where(zero | ~(mu > 0), np.nan, a)
        return {"atkinson": a, "_zero": zero & (mu > 0)}

    return kernel


def _k_cv(b: _Block) -> dict:
    m = _k_moments(b)
    d = b.y - b.expand(m["mu"])
    var = _div(b.gsum(d * d if b.w is None else b.w * d * d), m["W"])
    return {"cv": _div(np.sqrt(var), m["mu"])}


def _quantiles(b: _Block, qs) -> list:
    """Weighted quantiles (inverted CDF) for all groups: one array per ``q``."""
    b = b.sorted()
    ys, ws, start = b.y, b.w, b.start
    W = b.wsum()
    cum = np.cumsum(np.ones_like(ys) if ws is None else ws)
    offset = np.concatenate([[0.0], cum])[start]
    off = np.repeat(offset, b.m) if b.rect else offset[b.code]
    cdf = (cum - off) / b.expand(np.where(W > 0, W, np.nan))
    n = ys.size
    idx = np.arange(n)
    counts = b.counts()
    nonempty = counts > 0
    out = []
    for q in qs:
        if not 0 <= q <= 1:
            raise ValueError(f"quantiles must lie between 0 and 1, got {q!r}")
        # first value whose cumulative weight share reaches q (skipping zero weights)
        hit = cdf >= q
        if ws is not None:
            hit &= ws > 0
        first = np.where(hit, idx, n)
        res = np.full(b.g, np.nan)
        if n:
            mins = np.minimum.reduceat(first, start[nonempty])
            vals = np.where(mins < n, ys[np.minimum(mins, n - 1)], np.nan)
            res[nonempty] = vals
        out.append(res)
    return out


def _k_quantile(qs):
    def kernel(b):
        return {f"q{i}": r for i, r in enumerate(_quantiles(b, qs))}

    return kernel


def _k_maxmin(b: _Block) -> dict:
    y = b.y if b.w is None else np.where(b.w > 0, b.y, np.nan)
    counts = b.counts()
    if b.rect:
        ym = y.reshape(b.g, b.m)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mx, mn = np.nanmax(ym, axis=1), np.nanmin(ym, axis=1)
    else:
        mx = np.full(b.g, -np.inf)
        mn = np.full(b.g, np.inf)
        ok = ~np.isnan(y)
        np.maximum.at(mx, b.code[ok], y[ok])
        np.minimum.at(mn, b.code[ok], y[ok])
        mx[~np.isfinite(mx)] = np.nan
        mn[~np.isfinite(mn)] = np.nan
    mx[counts == 0] = np.nan
    return {"max": mx, "min": mn}


# --------------------------------------------------------------------------------------
# Public measures
# --------------------------------------------------------------------------------------

_PARAMS = """
    data : DataFrame, array_like
        Long DataFrame (with ``value=``), 1-d array (one distribution) or 2-d array of
        shape ``(n, t)`` (one distribution per column).
    value : str, optional
        Column with the values (DataFrame input).
    weight : str or array_like, optional
        Population weights: a column name (DataFrame) or an array of shape ``(n,)`` or
        ``(n, t)``. Unweighted if omitted.
    by : str or list of str, optional
        Group columns (e.g. ``["indicator", "year"]``): one result per group."""


def gini(data, value=None, weight=None, by=None, *, n_jobs: int = 1):
    """Gini coefficient (population-weighted or unweighted).

    Parameters
    ----------
    {params}
    n_jobs : int
        Threads for 2-d arrays processed in column blocks.

    Returns
    -------
    float, ndarray or Series
        Gini coefficient(s) between 0 (equality) and :math:`1 - w_{{max}}/W` (one area
        holds everything); NaN for an empty group or a zero total.

    Notes
    -----
    With values sorted ascending, weights :math:`w_i`, :math:`W = \\sum w_i`, cumulative
    weights :math:`C_i = \\sum_{{j \\le i}} w_j` and :math:`S = \\sum w_i y_i`:

    .. math:: G = \\frac{{\\sum_i w_i y_i (2 C_i - w_i - W)}}{{W S}}
              = \\frac{{\\sum_i \\sum_j w_i w_j |y_i - y_j|}}{{2 W^2 \\bar y}}

    i.e. one minus twice the area under the (piecewise linear) Lorenz curve. Ties need no
    special treatment. Unweighted (:math:`w_i = 1`) this is pysal's ``inequality.gini.Gini``;
    no small-sample factor :math:`n/(n-1)` is applied.

    References
    ----------
    Lerman RI, Yitzhaki S (1989). Improving the accuracy of estimates of Gini coefficients.
    Journal of Econometrics 42: 43-47.

    Examples
    --------
    >>> gini([1, 2, 3, 4])
    0.25
    >>> gini([1, 2, 3], weight=[2, 1, 1]) == gini([1, 1, 2, 3])  # weights = replication
    True
    >>> import pandas as pd
    >>> df = pd.DataFrame({{"year": [2020, 2020, 2021, 2021], "y": [1, 1, 0, 2]}})
    >>> gini(df, "y", by="year").tolist()
    [0.0, 0.5]
    """
    inp = _prepare(data, value, weight, by, fn="gini", nonneg=True)
    return _wrap(inp, _run(inp, _k_gini, n_jobs)["gini"], "gini")


def lorenz(data, value=None, weight=None, by=None) -> pd.DataFrame:
    """Points of the Lorenz curve(s): cumulative population share ``p`` and value share ``L``.

    Parameters
    ----------
    {params}

    Returns
    -------
    DataFrame
        Columns ``by...`` (or ``column`` for 2-d arrays), ``p`` and ``L``; each curve starts
        at (0, 0) and ends at (1, 1), values sorted ascending.

    Notes
    -----
    :math:`p_k = \\sum_{{i \\le k}} w_i / W`, :math:`L_k = \\sum_{{i \\le k}} w_i y_i / S`.

    References
    ----------
    Lorenz MO (1905). Methods of measuring the concentration of wealth. Publications of the
    American Statistical Association 9(70): 209-219.

    Examples
    --------
    >>> lorenz([3, 1]).round(3).values.tolist()
    [[0.0, 0.0], [0.5, 0.25], [1.0, 1.0]]
    """
    inp = _prepare(data, value, weight, by, fn="lorenz", nonneg=True)
    frames = []
    g0 = 0
    for b in map(_get, inp.blocks):
        b = b.sorted()
        ys, ws, start = b.y, b.w, b.start
        w = np.ones_like(ys) if ws is None else ws
        counts = b.counts()
        grp = np.repeat(np.arange(b.g), counts)
        cw = np.cumsum(w)
        cwy = np.cumsum(w * ys)
        o_w = np.concatenate([[0.0], cw])[start][grp]
        o_wy = np.concatenate([[0.0], cwy])[start][grp]
        W = b.wsum()[grp]
        S = b.gsum(w * ys)[grp]
        p = (cw - o_w) / W
        L = _div(cwy - o_wy, S)
        gid = np.concatenate([np.arange(b.g), grp]) + g0
        order = np.argsort(gid, kind="stable")
        frames.append(pd.DataFrame({
            "_g": gid[order],
            "p": np.concatenate([np.zeros(b.g), p])[order],
            "L": np.concatenate([np.zeros(b.g), L])[order],
        }))
        g0 += b.g
    out = pd.concat(frames, ignore_index=True)
    if inp.kind == "frame_by":
        keys = inp.index.to_frame(index=False).iloc[out["_g"].to_numpy()].reset_index(drop=True)
        return pd.concat([keys, out[["p", "L"]]], axis=1)
    if inp.kind == "columns":
        return out.rename(columns={"_g": "column"})
    return out[["p", "L"]]


def theil_t(data, value=None, weight=None, by=None, *, n_jobs: int = 1):
    """Theil's T index (GE(1)), population-weighted or unweighted.

    Parameters
    ----------
    {params}
    n_jobs : int
        Threads for 2-d arrays processed in column blocks.

    Returns
    -------
    float, ndarray or Series

    Notes
    -----
    With population shares :math:`p_i = w_i / W` and weighted mean :math:`\\mu`:

    .. math:: T = \\sum_i p_i \\frac{{y_i}}{{\\mu}} \\ln \\frac{{y_i}}{{\\mu}}

    with :math:`0 \\ln 0 = 0`, so zeros are allowed. Unweighted this is pysal's
    ``inequality.theil.Theil`` (which adds a tiny constant to zeros instead).

    References
    ----------
    Theil H (1967). Economics and Information Theory. Amsterdam: North-Holland.

    Examples
    --------
    >>> round(theil_t([1, 1, 2]), 6)
    0.058892
    >>> theil_t([0, 2])  # 0.5 * (0 + 2 ln 2) = ln 2
    0.6931471805599453
    """
    inp = _prepare(data, value, weight, by, fn="theil_t", nonneg=True)
    return _wrap(inp, _run(inp, _k_theil_t, n_jobs)["theil_t"], "theil_t")


def theil_l(data, value=None, weight=None, by=None, *, zeros: str = "nan", n_jobs: int = 1):
    """Theil's L index (mean log deviation, GE(0)), population-weighted or unweighted.

    Parameters
    ----------
    {params}
    zeros : {{"nan", "raise"}}
        Distributions containing a zero (with positive weight) are undefined: NaN with an
        :class:`UndefinedMeasureWarning`, or :class:`ValueError`.
    n_jobs : int
        Threads for 2-d arrays processed in column blocks.

    Returns
    -------
    float, ndarray or Series

    Notes
    -----
    .. math:: L = \\sum_i p_i \\ln \\frac{{\\mu}}{{y_i}}

    References
    ----------
    Theil H (1967). Economics and Information Theory. Amsterdam: North-Holland.
    Shorrocks AF (1980). The class of additively decomposable inequality measures.
    Econometrica 48(3): 613-625.

    Examples
    --------
    >>> round(theil_l([1, 1, 2]), 6)
    0.056633
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     theil_l([0, 2])
    nan
    """
    inp = _prepare(data, value, weight, by, fn="theil_l", nonneg=True)
    res = _run(inp, _k_theil_l, n_jobs)
    _report_zeros(res["_zero"], "Theil L", zeros)
    return _wrap(inp, res["theil_l"], "theil_l")


def atkinson(data, epsilon: float = 0.5, value=None, weight=None, by=None, *,
             zeros: str = "nan", n_jobs: int = 1):
    """Atkinson index for any inequality aversion ``epsilon >= 0``.

    Parameters
    ----------
    data : DataFrame, array_like
        See :func:`gini`.
    epsilon : float
        Inequality aversion :math:`\\varepsilon \\ge 0` (0: no aversion, index 0).
    value, weight, by
        See :func:`gini`.
    zeros : {{"nan", "raise"}}
        For :math:`\\varepsilon \\ge 1` a zero value makes the index undefined: NaN with an
        :class:`UndefinedMeasureWarning`, or :class:`ValueError`. (For
        :math:`\\varepsilon > 1` the limit would be 1; for :math:`\\varepsilon = 1`,
        :math:`\\ln 0`.)
    n_jobs : int
        Threads for 2-d arrays processed in column blocks.

    Returns
    -------
    float, ndarray or Series

    Notes
    -----
    .. math::
        A_\\varepsilon = 1 - \\frac{{1}}{{\\mu}}
            \\Big(\\sum_i p_i y_i^{{1-\\varepsilon}}\\Big)^{{1/(1-\\varepsilon)}}
            \\quad (\\varepsilon \\ne 1), \\qquad
        A_1 = 1 - \\frac{{\\exp(\\sum_i p_i \\ln y_i)}}{{\\mu}}

    The bracket divided by :math:`\\mu` is the equally distributed equivalent relative to the
    mean; it is computed on :math:`y_i / \\mu` to avoid overflow.

    References
    ----------
    Atkinson AB (1970). On the measurement of inequality. Journal of Economic Theory 2(3):
    244-263.

    Examples
    --------
    >>> round(atkinson([10, 20, 30, 40, 50], 0.5), 5)
    0.06315
    >>> round(atkinson([10, 20, 30, 40, 50], 1), 5)
    0.13161
    >>> round(atkinson([1, 4], 2), 6)  # 1 - harmonic mean / mean = 1 - 1.6 / 2.5
    0.36
    """
    if epsilon < 0:
        raise ValueError(f"atkinson(): epsilon must be non-negative, got {epsilon!r}")
    inp = _prepare(data, value, weight, by, fn="atkinson", nonneg=True)
    res = _run(inp, _k_atkinson(float(epsilon)), n_jobs)
    _report_zeros(res["_zero"], f"Atkinson (epsilon={epsilon:g})", zeros)
    return _wrap(inp, res["atkinson"], f"atkinson_{epsilon:g}")


def cv(data, value=None, weight=None, by=None, *, n_jobs: int = 1):
    """Coefficient of variation: (weighted) population standard deviation over mean.

    Parameters
    ----------
    {params}
    n_jobs : int
        Threads for 2-d arrays processed in column blocks.

    Returns
    -------
    float, ndarray or Series

    Notes
    -----
    .. math:: CV = \\frac{{\\sqrt{{\\sum_i p_i (y_i - \\mu)^2}}}}{{\\mu}}

    (``ddof=0``; NaN if :math:`\\mu \\le 0`).

    References
    ----------
    Cowell FA (2011). Measuring Inequality. 3rd ed. Oxford University Press, ch. 2.

    Examples
    --------
    >>> cv([1, 3])
    0.5
    """
    inp = _prepare(data, value, weight, by, fn="cv")
    return _wrap(inp, _run(inp, _k_cv, n_jobs)["cv"], "cv")


def weighted_quantile(data, q: float = 0.5, value=None, weight=None, by=None, *,
                      n_jobs: int = 1):
    """Weighted quantile by the inverted empirical distribution function.

    Parameters
    ----------
    data : DataFrame, array_like
        See :func:`gini`.
    q : float
        Probability between 0 and 1.
    value, weight, by
        See :func:`gini`.
    n_jobs : int
        Threads for 2-d arrays processed in column blocks.

    Returns
    -------
    float, ndarray or Series

    Notes
    -----
    The smallest value :math:`y_{{(k)}}` (with positive weight) whose cumulative weight share
    :math:`\\sum_{{i \\le k}} w_i / W` reaches ``q``; identical to
    ``numpy.quantile(y, q, weights=w, method="inverted_cdf")``.

    References
    ----------
    Hyndman RJ, Fan Y (1996). Sample quantiles in statistical packages. The American
    Statistician 50(4): 361-365 (definition 1).

    Examples
    --------
    >>> weighted_quantile([1, 2, 3, 4], 0.5)
    2.0
    >>> weighted_quantile([1, 2, 3, 4], 0.5, weight=[1, 1, 1, 5])
    4.0
    """
    if not 0 <= q <= 1:
        raise ValueError(f"weighted_quantile(): q must lie between 0 and 1, got {q!r}")
    inp = _prepare(data, value, weight, by, fn="weighted_quantile")
    return _wrap(inp, _run(inp, _k_quantile([q]), n_jobs)["q0"], f"q{q:g}")


def quantile_ratio(data, value=None, weight=None, by=None, *, upper: float = 0.9,
                   lower: float = 0.1, n_jobs: int = 1):
    """Ratio of two weighted quantiles, by default P90/P10.

    Parameters
    ----------
    {params}
    upper, lower : float
        Probabilities of numerator and denominator.
    n_jobs : int
        Threads for 2-d arrays processed in column blocks.

    Returns
    -------
    float, ndarray or Series
        NaN where the lower quantile is 0.

    Notes
    -----
    :math:`Q_{{upper}} / Q_{{lower}}` with quantiles as in :func:`weighted_quantile`.

    References
    ----------
    OECD (2008). Growing Unequal? Income Distribution and Poverty in OECD Countries
    (decile ratios P90/P10).

    Examples
    --------
    >>> quantile_ratio(list(range(1, 11)))  # P90 = 9, P10 = 1
    9.0
    """
    for name, v in (("upper", upper), ("lower", lower)):
        if not 0 <= v <= 1:
            raise ValueError(f"quantile_ratio(): {name} must lie between 0 and 1, got {v!r}")
    inp = _prepare(data, value, weight, by, fn="quantile_ratio")
    res = _run(inp, _k_quantile([upper, lower]), n_jobs)
    return _wrap(inp, _div(res["q0"], res["q1"]), f"p{upper * 100:g}_p{lower * 100:g}")


def max_min_ratio(data, value=None, weight=None, by=None, *, n_jobs: int = 1):
    """Ratio of the largest to the smallest value (rows with zero weight ignored).

    Parameters
    ----------
    {params}
    n_jobs : int
        Threads for 2-d arrays processed in column blocks.

    Returns
    -------
    float, ndarray or Series
        NaN where the minimum is 0.

    Notes
    -----
    :math:`\\max_i y_i / \\min_i y_i` over rows with :math:`w_i > 0`.

    References
    ----------
    Cowell FA (2011). Measuring Inequality. 3rd ed. Oxford University Press, ch. 2 (range).

    Examples
    --------
    >>> max_min_ratio([2, 8, 4])
    4.0
    """
    inp = _prepare(data, value, weight, by, fn="max_min_ratio")
    res = _run(inp, _k_maxmin, n_jobs)
    return _wrap(inp, _div(res["max"], res["min"]), "max_min")


for _f in (gini, lorenz, theil_t, theil_l, cv, quantile_ratio, max_min_ratio):
    _f.__doc__ = _f.__doc__.replace("{params}", _PARAMS.strip()).replace("{{", "{").replace("}}", "}")
for _f in (atkinson, weighted_quantile):
    _f.__doc__ = _f.__doc__.replace("{{", "{").replace("}}", "}")


# --------------------------------------------------------------------------------------
# Theil decomposition
# --------------------------------------------------------------------------------------


@dataclass
class TheilDecomposition:
    """Exact between/within decomposition of Theil's T or L (like pysal's ``TheilD``).

    Attributes
    ----------
    measure : str
        ``"T"`` or ``"L"``.
    total, bg, wg : float, ndarray or Series
        Total inequality, between-group and within-group part (``bg + wg == total``).
    share_between : float, ndarray or Series
        ``bg / total``.
    groups : DataFrame
        Per distribution and group: population share, value share, mean, the group's own
        index and its contribution to ``wg``.
    """

    measure: str
    total: object
    bg: object
    wg: object
    share_between: object
    groups: pd.DataFrame

    @property
    def T(self):  # noqa: N802 - pysal naming
        """Total inequality (pysal's ``TheilD.T``)."""
        return self.total

    @property
    def table(self) -> pd.DataFrame | dict:
        """Total, between, within and share between as one table."""
        cols = {"total": self.total, "between": self.bg, "within": self.wg,
                "share_between": self.share_between}
        if isinstance(self.total, pd.Series):
            return pd.DataFrame(cols)
        if isinstance(self.total, np.ndarray):
            return pd.DataFrame(cols)
        return pd.DataFrame(cols, index=[0])


def _k_decomp(measure: str):
    def kernel(b: _Block) -> dict:
        if b.rect and b.sub_start is not None:
            # rows ordered by subgroup: pair sums are contiguous row-wise reductions
            npairs = b.g * b.nsub
            pair_group = np.repeat(np.arange(b.g), b.nsub)
            pair_sub = np.tile(np.arange(b.nsub), b.g)

            def psum(x):
                return np.add.reduceat(x.reshape(b.g, b.m), b.sub_start, axis=1).ravel()
        else:
            p, npairs, pair_group, pair_sub = b.pairs()

            def psum(x):
                return np.bincount(p, weights=x, minlength=npairs)

        def gsum_pairs(x):
            return np.bincount(pair_group, weights=x, minlength=b.g)

        w = b.weights() if b.w is None else b.w
        wy = b.y if b.w is None else w * b.y
        Wp = psum(w)
        Sp = psum(wy)
        W, S = gsum_pairs(Wp), gsum_pairs(Sp)
        mu = _div(S, W)
        mup = _div(Sp, Wp)
        mu_pg = mu[pair_group]
        with np.errstate(divide="ignore", invalid="ignore"):
            if measure == "T":
                xl = _xlogx(b.y)
                A = psum(xl if b.w is None else w * xl)
                Tp = _div(A, Sp) - np.log(np.where(mup > 0, mup, np.nan))
                sp = _div(Sp, S[pair_group])  # value share of the group
                contrib_w = np.where(Sp > 0, sp * Tp, 0.0)
                contrib_b = np.where(Sp > 0, sp * np.log(mup / mu_pg), 0.0)
                total = _div(gsum_pairs(A), S) - np.log(np.where(mu > 0, mu, np.nan))
                zero = np.zeros(b.g, bool)
            else:
                lny = np.log(b.y, where=b.y > 0, out=np.zeros_like(b.y))
                Bp = psum(lny if b.w is None else w * lny)
                Tp = np.log(np.where(mup > 0, mup, np.nan)) - _div(Bp, Wp)
                sp = _div(Wp, W[pair_group])  # population share of the group
                contrib_w = np.where(Wp > 0, sp * Tp, 0.0)
                contrib_b = np.where(Wp > 0, sp * np.log(mu_pg / mup), 0.0)
                zero = _has_zero(b)
                total = np.log(np.where(mu > 0, mu, np.nan)) - _div(gsum_pairs(Bp), W)
        wg = gsum_pairs(contrib_w)
        bg = gsum_pairs(contrib_b)
        bad = zero | ~(mu > 0)
        total, wg, bg = (np.where(bad, np.nan, a) for a in (total, wg, bg))
        return {"total": total, "bg": bg, "wg": wg, "_zero": zero & (mu > 0),
                "p_group": pair_group, "p_sub": pair_sub, "p_W": Wp,
                "p_popshare": _div(Wp, W[pair_group]), "p_valshare": _div(Sp, S[pair_group]),
                "p_mean": mup, "p_index": Tp, "p_contrib": contrib_w, "p_between": contrib_b}

    return kernel


def theil_decomposition(data, value=None, weight=None, by=None, group=None, *,
                        measure: str = "T", zeros: str = "nan", n_jobs: int = 1
                        ) -> TheilDecomposition:
    """Decompose Theil's T or L into between-group and within-group inequality.

    Parameters
    ----------
    data : DataFrame, array_like
        See :func:`gini`.
    value, weight, by
        See :func:`gini`.
    group : str or array_like
        The partition, e.g. the town of each Sozialraum or the Kreis of each municipality:
        a column name (DataFrame) or an array of length ``n``. Nested levels (Sozialräume
        within towns within the Kreis) are decomposed one level at a time.
    measure : {"T", "L"}
        Theil T (weights of the within part: value shares) or Theil L (population shares).
    zeros : {"nan", "raise"}
        Treatment of zeros for Theil L (see :func:`theil_l`).
    n_jobs : int
        Threads for 2-d arrays processed in column blocks.

    Returns
    -------
    TheilDecomposition

    Notes
    -----
    With groups :math:`k`, population shares :math:`P_k = W_k / W`, value shares
    :math:`s_k = S_k / S = P_k \\mu_k / \\mu` and the groups' own indices :math:`T_k, L_k`:

    .. math::
        T = \\underbrace{\\sum_k s_k \\ln \\frac{\\mu_k}{\\mu}}_{\\text{between}}
          + \\underbrace{\\sum_k s_k T_k}_{\\text{within}}, \\qquad
        L = \\sum_k P_k \\ln \\frac{\\mu}{\\mu_k} + \\sum_k P_k L_k

    Both identities are exact; ``total`` is computed independently of the two parts.

    References
    ----------
    Shorrocks AF (1980). The class of additively decomposable inequality measures.
    Econometrica 48(3): 613-625.
    Rey SJ, Sastré-Gutiérrez ML (2010). Interregional inequality dynamics in Mexico.
    Spatial Economic Analysis 5(3): 277-298.

    Examples
    --------
    >>> d = theil_decomposition([1, 1, 2, 4], group=["a", "a", "b", "b"])
    >>> abs(d.bg + d.wg - d.T) < 1e-12
    True
    >>> round(d.bg, 6), round(d.wg, 6)  # 0.25 ln(1/2) + 0.75 ln(3/2); 0.75 T(2, 4)
    (0.130812, 0.042475)
    """
    if measure not in ("T", "L"):
        raise ValueError(f"theil_decomposition(): measure must be 'T' or 'L', got {measure!r}")
    if group is None:
        raise ValueError("theil_decomposition(): group= (the partition) is required")
    inp = _prepare(data, value, weight, by, group, fn="theil_decomposition", nonneg=True)
    kernel = _k_decomp(measure)

    def call(b):
        b = _get(b)
        out = kernel(b)
        out["_g"], out["_nsub"] = b.g, b.nsub
        return out

    if n_jobs > 1 and len(inp.blocks) > 1:
        with ThreadPoolExecutor(max_workers=n_jobs) as ex:
            parts = list(ex.map(call, inp.blocks))
    else:
        parts = [call(b) for b in inp.blocks]
    cat = {k: np.concatenate([p[k] for p in parts]) for k in ("total", "bg", "wg", "_zero")}
    _report_zeros(cat["_zero"], f"Theil {measure}", zeros)
    # subgroup table
    rows = []
    g0 = 0
    for p in parts:
        keep = p["p_W"] > 0
        sub = p["p_sub"]
        rows.append(pd.DataFrame({
            "_g": (p["p_group"] + g0)[keep], "_s": sub[keep],
            "pop_share": p["p_popshare"][keep], "value_share": p["p_valshare"][keep],
            "mean": p["p_mean"][keep], f"theil_{measure.lower()}": p["p_index"][keep],
            "within_contribution": p["p_contrib"][keep],
            "between_contribution": p["p_between"][keep]}))
        g0 += p["_g"]
    gt = pd.concat(rows, ignore_index=True)
    gcol = group if isinstance(group, str) else "group"
    gt.insert(1, gcol, np.asarray(inp.sub_labels)[gt["_s"].to_numpy()])
    gt = gt.drop(columns="_s")
    if inp.kind == "frame_by":
        keys = inp.index.to_frame(index=False).iloc[gt["_g"].to_numpy()].reset_index(drop=True)
        gt = pd.concat([keys, gt.drop(columns="_g")], axis=1)
    elif inp.kind == "columns":
        gt = gt.rename(columns={"_g": "column"})
    else:
        gt = gt.drop(columns="_g")
    name = f"theil_{measure.lower()}"
    total = _wrap(inp, cat["total"], name)
    bg = _wrap(inp, cat["bg"], "between")
    wg = _wrap(inp, cat["wg"], "within")
    share = _wrap(inp, _div(cat["bg"], cat["total"]), "share_between")
    return TheilDecomposition(measure, total, bg, wg, share, gt)


# --------------------------------------------------------------------------------------
# Segregation: dissimilarity and location quotients
# --------------------------------------------------------------------------------------


def _counts(data, count, total, by, fn):
    by = _as_list(by)
    if isinstance(data, pd.DataFrame):
        check.columns(fn, data, [count, total, *by])
        check.numeric(fn, data, [count, total], keys=["area_id", *by])
        a = data[count].to_numpy(dtype=float, na_value=np.nan)
        t = data[total].to_numpy(dtype=float, na_value=np.nan)
        if by:
            code, index = _factorize_groups(data, by)
        else:
            code, index = np.zeros(len(data), dtype=np.int64), None
    else:
        if by:
            raise ValueError(f"{fn}(): by= needs a DataFrame, got data of type "
                             f"{type(data).__name__}")
        a = np.asarray(count if data is None else data, dtype=float)
        t = np.asarray(total, dtype=float)
        code, index = np.zeros(a.shape, dtype=np.int64), None
    frame = data if isinstance(data, pd.DataFrame) else None
    names = (count, total) if frame is not None else ("count", "total")
    keys = ["area_id", *by]
    check.non_negative(fn, a, names[0], frame, keys)
    check.non_negative(fn, t, names[1], frame, keys)
    check.at_most(fn, a, t, names, frame, keys)
    return a, t, code, index


def dissimilarity(data, count=None, total=None, by=None):
    """Index of dissimilarity (Duncan & Duncan) of a population group against the rest.

    Parameters
    ----------
    data : DataFrame or array_like or None
        Long DataFrame with the columns ``count`` and ``total`` per area, or the counts of the
        group per area as an array (then ``total`` is an array, too).
    count : str or array_like
        Column with the group's count per area (e.g. SGB II recipients, foreign nationals).
    total : str or array_like
        Column with the total population per area.
    by : str or list of str, optional
        Group columns: one index per group (e.g. per year).

    Returns
    -------
    float or Series
        Share of the group (or of the rest) that would have to move for an even
        distribution, between 0 and 1. Areas with a missing count or total are dropped.

    Notes
    -----
    With the group's counts :math:`a_i`, the rest :math:`b_i = t_i - a_i` and their totals
    :math:`A, B`:

    .. math:: D = \\frac{1}{2} \\sum_i \\left| \\frac{a_i}{A} - \\frac{b_i}{B} \\right|

    References
    ----------
    Duncan OD, Duncan B (1955). A methodological analysis of segregation indexes. American
    Sociological Review 20(2): 210-217.

    Examples
    --------
    >>> round(dissimilarity([10, 0], total=[20, 20]), 6)  # a: (1, 0), rest: (1/3, 2/3)
    0.666667
    """
    a, t, code, index = _counts(data, count, total, by, "dissimilarity")
    ok = ~(np.isnan(a) | np.isnan(t))
    a, t, code = a[ok], t[ok], code[ok]
    g = 1 if index is None else len(index)
    b = t - a
    A = np.bincount(code, weights=a, minlength=g)
    B = np.bincount(code, weights=b, minlength=g)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = 0.5 * np.bincount(code, weights=np.abs(a / A[code] - b / B[code]), minlength=g)
    d = np.where((A > 0) & (B > 0), d, np.nan)
    if index is None:
        return float(d[0])
    return pd.Series(d, index=index, name="dissimilarity")


def location_quotient(data, count=None, total=None, by=None):
    """Location quotient of a population group per area.

    Parameters
    ----------
    data, count, total, by
        As in :func:`dissimilarity`; ``by`` defines the reference (e.g. the Kreis per year).

    Returns
    -------
    ndarray or Series
        One quotient per row (Series aligned to ``data.index`` for a DataFrame): 1 = the
        area's share equals the reference share, 2 = twice as high; NaN for ``total == 0``.

    Notes
    -----
    .. math:: LQ_i = \\frac{a_i / t_i}{A / T}

    with :math:`A, T` summed over the rows of the same ``by`` group.

    References
    ----------
    Isard W (1960). Methods of Regional Analysis. Cambridge, MA: MIT Press.

    Examples
    --------
    >>> location_quotient([10, 5], total=[20, 30]).round(3).tolist()
    [1.667, 0.556]
    """
    a, t, code, index = _counts(data, count, total, by, "location_quotient")
    ok = ~(np.isnan(a) | np.isnan(t))
    g = 1 if index is None else len(index)
    A = np.bincount(code[ok], weights=a[ok], minlength=g)
    T = np.bincount(code[ok], weights=t[ok], minlength=g)
    lq = _div(_div(a, t), _div(A, T)[code])
    if isinstance(data, pd.DataFrame):
        return pd.Series(lq, index=data.index, name="location_quotient")
    return lq


# --------------------------------------------------------------------------------------
# All measures at once
# --------------------------------------------------------------------------------------


def summary(data, value=None, weight=None, by=None, *, epsilons=(0.5, 1.0, 2.0),
            n_jobs: int = 1):
    """All disparity measures of :mod:`sozialanalyse.stats.disparity` in one table.

    Parameters
    ----------
    data, value, weight, by
        See :func:`gini`.
    epsilons : sequence of float
        Atkinson aversion parameters.
    n_jobs : int
        Threads for 2-d arrays processed in column blocks.

    Returns
    -------
    DataFrame
        Columns ``n``, ``mean``, ``gini``, ``theil_t``, ``theil_l``, ``atkinson_<eps>``,
        ``cv``, ``p90_p10``, ``max_min``; one row per distribution. Undefined values are
        NaN (without warnings).

    Notes
    -----
    The sort and group sums are shared between the measures; see the single functions for
    the formulas.

    References
    ----------
    Cowell FA (2011). Measuring Inequality. 3rd ed. Oxford University Press.

    Examples
    --------
    >>> summary([1, 2, 3, 4])[["gini", "cv"]].round(4).values.tolist()
    [[0.25, 0.4472]]
    """
    inp = _prepare(data, value, weight, by, fn="summary", nonneg=True)

    def kernel(b):
        out = {"n": b.counts().astype(float), "mean": _k_moments(b)["mu"]}
        out.update(_k_gini(b))
        out.update(_k_theil_t(b))
        out["theil_l"] = _k_theil_l(b)["theil_l"]
        for e in epsilons:
            out[f"atkinson_{e:g}"] = _k_atkinson(float(e))(b)["atkinson"]
        out.update(_k_cv(b))
        q90, q10 = _quantiles(b, [0.9, 0.1])
        out["p90_p10"] = _div(q90, q10)
        mm = _k_maxmin(b)
        out["max_min"] = _div(mm["max"], mm["min"])
        return out

    res = _run(inp, kernel, n_jobs)
    df = pd.DataFrame(res)
    if inp.kind == "frame_by":
        df.index = inp.index
    return df
