"""Composite social indices for small areas: MSS Berlin, CDC SVI ranks, GISD-style PCA,
County-Health-Rankings weighted z-scores, and a leave-one-indicator-out robustness check.

All functions take a wide DataFrame with one row per area (the index identifies the area)
and one column per indicator. Every intermediate step is returned so that a reader can
check it. Class labels a report reader sees are German.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import _checks as check
from ._results import ShortRepr

__all__ = [
    "STATUS_CLASSES",
    "DYNAMICS_CLASSES",
    "MSSResult",
    "mss",
    "SVIResult",
    "percentile_rank",
    "PCAIndexResult",
    "pca_index",
    "weighted_z",
    "RobustnessResult",
    "robustness",
]

#: Status classes of the MSS from best to worst.
STATUS_CLASSES = ("hoch", "mittel", "niedrig", "sehr niedrig")
#: Dynamics classes of the MSS from best to worst.
DYNAMICS_CLASSES = ("positiv", "stabil", "negativ")


def _names(fn: str, value, arg: str) -> list[str]:
    """A list of column names; a lone string is refused (it would be read letter by letter)."""
    if isinstance(value, str):
        raise TypeError(f"{fn}(): {arg} must be a list of column names, got the string {value!r} "
                        f"(write [{value!r}])")
    return list(value)


def _indicators(fn: str, data, cols, arg: str, all_missing: bool = True) -> None:
    """``data`` is a frame with at least two areas and numeric indicator columns ``cols``."""
    check.columns(fn, data, cols)
    if not cols:
        raise ValueError(f"{fn}(): {arg} names no indicator")
    if len(data) < 2:
        raise ValueError(f"{fn}(): an index compares areas and needs at least 2, data has "
                         f"{len(data)}")
    check.numeric(fn, data, cols)
    if all_missing:
        empty = [c for c in cols if data[c].isna().all()]
        if empty:
            raise ValueError(f"{fn}(): column(s) {', '.join(map(repr, empty))} of {arg} have no "
                             "value for any area")


def _polarity(fn: str, higher_is_better, cols) -> list[str]:
    """``higher_is_better`` names only indicators of the index."""
    hib = _names(fn, higher_is_better, "higher_is_better")
    unknown = [c for c in hib if c not in cols]
    if unknown:
        raise ValueError(f"{fn}(): higher_is_better names {', '.join(map(repr, unknown))}, which "
                         f"is not an indicator of the index ({', '.join(map(repr, cols))})")
    return hib


def _groups(fn: str, groups, arg: str) -> list[str]:
    """``{name: [columns]}`` with at least one column per group; the columns in order."""
    if not isinstance(groups, dict) or not groups:
        raise TypeError(f"{fn}(): {arg} must be a non-empty mapping {{name: [columns]}}, "
                        f"got {groups!r}")
    cols = []
    for name, cs in groups.items():
        cs = _names(fn, cs, f"{arg}[{name!r}]")
        if not cs:
            raise ValueError(f"{fn}(): {arg}[{name!r}] names no column")
        cols += cs
    return cols


def _zscore(frame: pd.DataFrame, mask: pd.Series, ddof: int = 0) -> pd.DataFrame:
    """z-values with mean and SD taken over the rows in ``mask`` (NaN elsewhere)."""
    sub = frame[mask]
    z = (sub - sub.mean()) / sub.std(ddof=ddof)
    return z.reindex(frame.index)


def _status_class(x: pd.Series) -> pd.Series:
    """hoch < -1 <= mittel <= +1 < niedrig <= +1.5 < sehr niedrig."""
    v = x.to_numpy(dtype=float)
    lab = np.select([v < -1, v <= 1, v <= 1.5, v > 1.5], list(STATUS_CLASSES), default="")
    out = pd.Series(pd.Categorical(np.where(np.isnan(v), None, lab),
                                   categories=STATUS_CLASSES, ordered=True), index=x.index)
    return out


def _dynamics_class(x: pd.Series) -> pd.Series:
    """positiv < -1 <= stabil <= +1 < negativ."""
    v = x.to_numpy(dtype=float)
    lab = np.select([v < -1, v <= 1, v > 1], list(DYNAMICS_CLASSES), default="")
    return pd.Series(pd.Categorical(np.where(np.isnan(v), None, lab),
                                    categories=DYNAMICS_CLASSES, ordered=True), index=x.index)


@dataclass(repr=False)
class MSSResult(ShortRepr):
    """Result of :func:`mss`.

    Attributes
    ----------
    z_status : DataFrame
        z-value of each status indicator per area (NaN for areas left out).
    z_dynamics : DataFrame or None
        z-value of each dynamics indicator (change in percentage points) per area.
    table : DataFrame
        Per area (the index of ``data``): ``name`` (the area's name, where ``data`` has a
        ``name`` column), ``valid``, ``reason`` (why an area was left out), ``status_sum``,
        ``status_index``, ``status_class``, ``dynamics_sum``, ``dynamics_index``,
        ``dynamics_class``, ``gesamtindex`` (e.g. ``"niedrig / negativ"``) and
        ``gesamtindex_code`` (status 1-4 and dynamics 1-3, e.g. ``"3.3"``).
    changes : DataFrame or None
        The dynamics indicators' changes in percentage points.
    """

    z_status: pd.DataFrame
    z_dynamics: pd.DataFrame | None
    table: pd.DataFrame
    changes: pd.DataFrame | None


def mss(data: pd.DataFrame, status, dynamics=None, *, population: str | None = "population",
        valid: str | None = None, min_population: float = 300) -> MSSResult:
    """Status and dynamics index of Berlin's Monitoring Soziale Stadtentwicklung (MSS).

    Parameters
    ----------
    data : DataFrame
        One row per area (index = area id).
    status : list of str
        Status indicators (shares in percent; higher = more disadvantaged).
    dynamics : list of str or dict, optional
        Dynamics indicators: either columns that already hold the change over two years in
        percentage points, or a mapping ``{name: (column_end, column_start)}`` from which the
        change ``end - start`` is computed.
    population : str or None
        Column with the inhabitants; areas with fewer than ``min_population`` are left out.
    valid : str, optional
        Boolean column: areas marked ``False`` are left out (e.g. implausible data).
    min_population : float
        Threshold (300 inhabitants in the MSS).

    Returns
    -------
    MSSResult

    Notes
    -----
    For the valid areas only, each indicator :math:`x_k` is z-standardised with the
    population standard deviation (``ddof=0``):
    :math:`z_{ik} = (x_{ik} - \\bar x_k) / \\sigma_k`. The sum :math:`s_i = \\sum_k z_{ik}` is
    standardised again: :math:`I_i = (s_i - \\bar s) / \\sigma_s` (status index). Classes:
    ``hoch`` :math:`I < -1 \\le` ``mittel`` :math:`\\le +1 <` ``niedrig``
    :math:`\\le +1.5 <` ``sehr niedrig``. The dynamics index is built the same way from the
    changes in percentage points, classes ``positiv`` :math:`< -1 \\le` ``stabil``
    :math:`\\le +1 <` ``negativ``. The Gesamtindex combines both (4 x 3 classes).

    References
    ----------
    Senatsverwaltung für Stadtentwicklung und Wohnen Berlin (2021). Monitoring Soziale
    Stadtentwicklung 2021, Kapitel 2 (Methodik: Index-Indikatoren, Status- und
    Dynamik-Index, Gesamtindex Soziale Ungleichheit).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"alo": [1.0, 2.0, 3.0, 4.0], "population": [500, 800, 900, 250]},
    ...                   index=["A", "B", "C", "D"])
    >>> r = mss(df, ["alo"])
    >>> r.table["status_index"].round(4).tolist()  # D (250 inhabitants) is left out
    [-1.2247, 0.0, 1.2247, nan]
    >>> r.table["status_class"].tolist()
    ['hoch', 'mittel', 'niedrig', nan]
    """
    status = _names("mss", status, "status")
    _indicators("mss", data, status, "status")
    if dynamics is not None:
        if isinstance(dynamics, dict):
            for k, pair in dynamics.items():
                if isinstance(pair, str) or len(pair) != 2:
                    raise ValueError(f"mss(): dynamics[{k!r}] must be a pair (column_end, "
                                     f"column_start), got {pair!r}")
            used = [c for pair in dynamics.values() for c in pair]
        else:
            used = _names("mss", dynamics, "dynamics")
        # no all-missing check: areas without a start value get the reason "fehlender Dynamikwert"
        _indicators("mss", data, used, "dynamics", all_missing=False)
    if population is not None:
        check.columns("mss", data, [population])
        check.numeric("mss", data, [population])
    if valid is not None:
        check.columns("mss", data, [valid])
    idx = data.index
    ok = pd.Series(True, index=idx)
    reason = pd.Series("", index=idx, dtype=object)
    if population is not None:
        small = ~(data[population] >= min_population)
        reason[small] = f"unter {min_population:g} Einwohner"
        reason[data[population].isna()] = "nicht klassifizierbar: Einwohnerzahl fehlt"
        ok &= ~small
    if valid is not None:
        bad = ~data[valid].fillna(False).astype(bool)
        reason[bad & ok] = "als ungültig markiert"
        ok &= ~bad
    table = pd.DataFrame({"valid": ok, "reason": reason.where(~ok, None)}, index=idx)
    if "name" in data.columns:  # the area's name beside its key, for a planner's table
        table.insert(0, "name", data["name"])

    def build(frame: pd.DataFrame, prefix: str, classify):
        miss = frame.isna().any(axis=1) & ok
        z = _zscore(frame.astype(float), ok & ~miss)
        s = z.sum(axis=1, min_count=len(frame.columns))
        index = (s - s.mean()) / s.std(ddof=0)
        table[f"{prefix}_sum"] = s
        table[f"{prefix}_index"] = index
        table[f"{prefix}_class"] = classify(index)
        return z, miss

    z_status, miss = build(data[status], "status", _status_class)
    table.loc[miss, "reason"] = "nicht klassifizierbar: fehlender Statuswert"
    z_dyn = changes = None
    if dynamics is not None:
        if isinstance(dynamics, dict):
            changes = pd.DataFrame({k: data[e] - data[s] for k, (e, s) in dynamics.items()},
                                   index=idx)
        else:
            changes = data[list(dynamics)].copy()
        z_dyn, dmiss = build(changes, "dynamics", _dynamics_class)
        table.loc[dmiss & ~miss, "reason"] = "nicht klassifizierbar: fehlender Dynamikwert"
        sc = table["status_class"]
        dc = table["dynamics_class"]
        both = sc.notna() & dc.notna()
        table["gesamtindex"] = (sc.astype(str) + " / " + dc.astype(str)).where(both, None)
        code = (sc.cat.codes + 1).astype(str) + "." + (dc.cat.codes + 1).astype(str)
        table["gesamtindex_code"] = code.where(both, None)
    return MSSResult(z_status, z_dyn, table, changes)


def _pct_rank(frame: pd.DataFrame) -> pd.DataFrame:
    """(rank - 1) / (N - 1) with ties at the lowest rank, NaN kept, per column."""
    r = frame.rank(method="min", na_option="keep")
    n = frame.notna().sum()
    return (r - 1) / (n - 1)


@dataclass(repr=False)
class SVIResult(ShortRepr):
    """Result of :func:`percentile_rank`.

    Attributes
    ----------
    ranks : DataFrame
        Percentile rank of each variable (``polarity`` applied).
    theme_sums, theme_ranks : DataFrame
        Sum of the variables' ranks per theme and its percentile rank.
    overall : Series
        Percentile rank of the sum of the theme sums (overall SVI).
    flags : DataFrame
        1 where a variable's rank is at least ``flag_at``.
    flag_counts : DataFrame
        Number of flags per theme and in total (column ``total``).
    """

    ranks: pd.DataFrame
    theme_sums: pd.DataFrame
    theme_ranks: pd.DataFrame
    overall: pd.Series
    flags: pd.DataFrame
    flag_counts: pd.DataFrame


def percentile_rank(data: pd.DataFrame, themes: dict, *, higher_is_better=(),
                    flag_at: float = 0.90) -> SVIResult:
    """Percentile-rank index in the manner of the CDC/ATSDR Social Vulnerability Index.

    Parameters
    ----------
    data : DataFrame
        One row per area, one column per variable (higher = more vulnerable).
    themes : dict
        ``{theme: [columns]}``.
    higher_is_better : sequence of str
        Columns where a higher value means less vulnerable (e.g. income): ranked in
        descending order.
    flag_at : float
        Flag threshold on a variable's percentile rank (0.90 in the SVI).

    Returns
    -------
    SVIResult

    Notes
    -----
    Percentile rank :math:`PR = (r - 1) / (N - 1)` with rank :math:`r` (ties: lowest rank,
    ``method="min"``) and :math:`N` areas with a value (missing values keep NaN). Theme:
    sum of the variables' PR, ranked again. Overall: sum of the theme sums, ranked again.
    Flags: :math:`PR \\ge 0.90`. Unlike the published SVI, ranks are not rounded to four
    decimals.

    References
    ----------
    Flanagan BE, Gregory EW, Hallisey EJ, Heitgerd JL, Lewis B (2011). A social
    vulnerability index for disaster management. Journal of Homeland Security and Emergency
    Management 8(1). CDC/ATSDR SVI 2020 Documentation.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"pov": [10, 20, 20, 40], "unemp": [1, 4, 2, 3]})
    >>> r = percentile_rank(df, {"soz": ["pov", "unemp"]})
    >>> r.ranks["pov"].round(4).tolist()
    [0.0, 0.3333, 0.3333, 1.0]
    >>> r.overall.round(4).tolist()
    [0.0, 0.6667, 0.3333, 1.0]
    """
    cols = _groups("percentile_rank", themes, "themes")
    _indicators("percentile_rank", data, cols, "themes")
    hib = _polarity("percentile_rank", higher_is_better, cols)
    if not 0 <= flag_at <= 1:
        raise ValueError(f"percentile_rank(): flag_at is a percentile rank between 0 and 1, "
                         f"got {flag_at!r}")
    x = data[cols].astype(float)
    x[hib] = -x[hib]
    ranks = _pct_rank(x)
    sums = pd.DataFrame({t: ranks[list(cs)].sum(axis=1, min_count=len(cs))
                         for t, cs in themes.items()}, index=data.index)
    theme_ranks = _pct_rank(sums)
    overall_sum = sums.sum(axis=1, min_count=sums.shape[1])
    overall = _pct_rank(overall_sum.to_frame("svi"))["svi"]
    flags = (ranks >= flag_at).astype(int).where(ranks.notna())
    counts = pd.DataFrame({t: flags[list(cs)].sum(axis=1) for t, cs in themes.items()},
                          index=data.index)
    counts["total"] = counts.sum(axis=1)
    return SVIResult(ranks, sums, theme_ranks, overall, flags, counts)


@dataclass(repr=False)
class PCAIndexResult(ShortRepr):
    """Result of :func:`pca_index`.

    Attributes
    ----------
    weights : DataFrame
        Per dimension and indicator: weight (first eigenvector of the correlation matrix,
        sign oriented so that higher = more deprived), and ``explained`` variance share.
    scores : DataFrame
        Dimension scores rescaled to [0, 1], their ``sum`` and ``quintile`` (1 = least,
        5 = most deprived).
    """

    weights: pd.DataFrame
    scores: pd.DataFrame


def pca_index(data: pd.DataFrame, dimensions: dict, *, higher_is_better=(),
              n_classes: int = 5) -> PCAIndexResult:
    """Deprivation index in the manner of the German Index of Socioeconomic Deprivation (GISD).

    Parameters
    ----------
    data : DataFrame
        One row per area, one column per indicator; rows with a missing indicator are left
        out of the index (NaN).
    dimensions : dict
        ``{dimension: [columns]}``, e.g. Bildung, Beschäftigung, Einkommen.
    higher_is_better : sequence of str
        Indicators where higher means less deprived (e.g. income): their sign is flipped
        before the PCA.
    n_classes : int
        Number of quantile classes of the summed index (5: quintiles).

    Returns
    -------
    PCAIndexResult

    Notes
    -----
    Per dimension the indicators are z-standardised (``ddof=0``) and oriented
    (:math:`z \\to -z` for ``higher_is_better``). The weights :math:`v` are the eigenvector of
    the largest eigenvalue :math:`\\lambda_1` of their correlation matrix :math:`R`
    (:math:`R v = \\lambda_1 v`, :math:`\\|v\\| = 1`), with the sign chosen so that
    :math:`\\sum_k v_k > 0` (higher score = more deprived). The score :math:`Z v` is rescaled to
    [0, 1] by min-max; the dimension scores are summed and cut into quantile classes.

    References
    ----------
    Kroll LE, Schumann M, Hoebel J, Lampert T (2017). Regionale Unterschiede in der
    Gesundheit – Entwicklung eines sozioökonomischen Deprivationsindex für Deutschland.
    Journal of Health Monitoring 2(2): 103-120.
    Michalski N, Reis M, Tetzlaff F, et al. (2022). German Index of Socioeconomic Deprivation
    (GISD): Revision, update and applications. Journal of Health Monitoring 7(S5): 2-23.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5.], "b": [2, 1, 4, 3, 5.]})
    >>> r = pca_index(df, {"dim": ["a", "b"]})
    >>> r.weights["weight"].round(4).tolist()  # two indicators: (1, 1) / sqrt(2)
    [0.7071, 0.7071]
    >>> r.scores["dim"].round(2).tolist()
    [0.0, 0.0, 0.57, 0.57, 1.0]
    """
    used = _groups("pca_index", dimensions, "dimensions")
    _indicators("pca_index", data, used, "dimensions")
    hib = set(_polarity("pca_index", higher_is_better, used))
    if not (isinstance(n_classes, (int, np.integer)) and n_classes >= 1):
        raise ValueError(f"pca_index(): n_classes must be a whole number >= 1, got {n_classes!r}")
    rows, scores = [], {}
    complete = data[used].notna().all(axis=1)
    for dim, cols in dimensions.items():
        x = data.loc[complete, list(cols)].astype(float)
        z = (x - x.mean()) / x.std(ddof=0)
        z[[c for c in cols if c in hib]] *= -1
        if len(cols) == 1:
            vals, vecs = np.array([1.0]), np.array([[1.0]])
        else:
            corr = np.corrcoef(z.to_numpy(), rowvar=False)
            vals, vecs = np.linalg.eigh(corr)
        v = vecs[:, -1]
        if v.sum() < 0:
            v = -v
        s = z.to_numpy() @ v
        rng = s.max() - s.min()
        scores[dim] = pd.Series((s - s.min()) / rng if rng > 0 else np.zeros_like(s),
                                index=x.index).reindex(data.index)
        for c, wv in zip(cols, v):
            rows.append({"dimension": dim, "indicator": c, "weight": wv,
                         "explained": vals[-1] / vals.sum()})
    out = pd.DataFrame(scores, index=data.index)
    out["sum"] = out[list(dimensions)].sum(axis=1, min_count=len(dimensions))
    # quantile classes of equal size; ties are split in row order (rank method "first")
    out["quintile" if n_classes == 5 else "class"] = pd.qcut(
        out["sum"].rank(method="first"), n_classes, labels=list(range(1, n_classes + 1)))
    return PCAIndexResult(pd.DataFrame(rows), out)


def weighted_z(data: pd.DataFrame, weights: dict, *, higher_is_better=(), ddof: int = 0,
               clip: float | None = None) -> pd.DataFrame:
    """Weighted sum of z-scores in the manner of the County Health Rankings.

    Parameters
    ----------
    data : DataFrame
        One row per area, one column per measure.
    weights : dict
        ``{column: weight}``; weights are normalised to sum 1.
    higher_is_better : sequence of str
        Measures where higher is better (polarity -1); for all others higher is worse.
    ddof : int
        Degrees of freedom of the standard deviation (0: population SD).
    clip : float, optional
        Cap z-scores at ``±clip`` (the County Health Rankings cap at 3).

    Returns
    -------
    DataFrame
        The oriented z-score of each measure, ``score`` (weighted sum; higher = worse) and
        ``rank`` (1 = best); areas with a missing measure get NaN.

    Notes
    -----
    .. math:: \\text{score}_i = \\sum_k \\frac{w_k}{\\sum_l w_l} \\, p_k
              \\frac{x_{ik} - \\bar x_k}{s_k}

    with polarity :math:`p_k = -1` for higher-is-better measures, else +1.

    References
    ----------
    Remington PL, Catlin BB, Gennuso KP (2015). The County Health Rankings: rationale and
    methods. Population Health Metrics 13: 11.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"smoke": [10, 20, 30], "income": [3, 2, 1]})
    >>> weighted_z(df, {"smoke": 1, "income": 1}, higher_is_better=["income"])["rank"].tolist()
    [1.0, 2.0, 3.0]
    """
    if not isinstance(weights, dict) or not weights:
        raise TypeError(f"weighted_z(): weights must be a non-empty mapping {{column: weight}}, "
                        f"got {weights!r}")
    cols = list(weights)
    _indicators("weighted_z", data, cols, "weights")
    hib = _polarity("weighted_z", higher_is_better, cols)
    w = pd.to_numeric(pd.Series(weights, dtype=object), errors="coerce")
    bad = w.index[~np.isfinite(w.to_numpy(dtype=float)) | (w.to_numpy(dtype=float) < 0)]
    if len(bad):
        raise ValueError(f"weighted_z(): weights[{bad[0]!r}] must be a number >= 0, "
                         f"got {weights[bad[0]]!r}")
    if not w.sum() > 0:
        raise ValueError("weighted_z(): the weights must have a positive sum, got "
                         f"{float(w.sum()):g}")
    if clip is not None and not clip > 0:
        raise ValueError(f"weighted_z(): clip must be positive (e.g. 3), got {clip!r}")
    x = data[cols].astype(float)
    z = (x - x.mean()) / x.std(ddof=ddof)
    for c in hib:
        z[c] = -z[c]
    if clip is not None:
        z = z.clip(-clip, clip)
    w = w.astype(float) / w.sum()
    out = z.copy()
    out["score"] = (z * w).sum(axis=1, min_count=len(cols))
    out["rank"] = out["score"].rank(method="min")
    return out


@dataclass(repr=False)
class RobustnessResult(ShortRepr):
    """Result of :func:`robustness`.

    Attributes
    ----------
    summary : DataFrame
        Per left-out indicator: ``changed`` (number of areas whose class changes),
        ``share_changed`` and ``compared`` (areas classified both times).
    classes : DataFrame
        Class per area with all indicators (``"alle"``) and without each indicator.
    """

    summary: pd.DataFrame
    classes: pd.DataFrame


def robustness(data: pd.DataFrame, indicators, classify=None, **kwargs) -> RobustnessResult:
    """How many areas change class when each indicator in turn is left out.

    Parameters
    ----------
    data : DataFrame
        One row per area.
    indicators : list of str
        Indicators of the index.
    classify : callable, optional
        ``classify(data, indicators, **kwargs) -> Series`` of classes per area. Default: the
        MSS status class (:func:`mss` with ``status=indicators``).
    **kwargs
        Passed to ``classify``.

    Returns
    -------
    RobustnessResult

    Notes
    -----
    For each indicator :math:`k`: :math:`\\#\\{i : c_i(K \\setminus k) \\ne c_i(K)\\}` over
    areas classified in both runs.

    References
    ----------
    Saisana M, Saltelli A, Tarantola S (2005). Uncertainty and sensitivity analysis
    techniques as tools for the quality assessment of composite indicators. JRSS A 168(2):
    307-323.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5.], "b": [1, 2, 3, 4, 5.],
    ...                    "population": [1000] * 5})
    >>> robustness(df, ["a", "b"]).summary["changed"].tolist()
    [0, 0]
    """
    indicators = _names("robustness", indicators, "indicators")
    if len(indicators) < 2:
        raise ValueError(f"robustness(): leaving one indicator out needs at least 2, got "
                         f"{indicators!r}")
    _indicators("robustness", data, indicators, "indicators")
    if classify is not None and not callable(classify):
        raise TypeError(f"robustness(): classify must be a function, got {classify!r}")
    if classify is None:
        def classify(d, ind, **kw):
            return mss(d, ind, **kw).table["status_class"]
    base = pd.Series(classify(data, indicators, **kwargs), index=data.index)
    classes = {"alle": base.astype(object)}
    rows = []
    for k in indicators:  # one run per indicator (a handful), each vectorised over areas
        rest = [c for c in indicators if c != k]
        c = pd.Series(classify(data, rest, **kwargs), index=data.index).astype(object)
        classes[f"ohne {k}"] = c
        both = base.notna() & c.notna()
        changed = int((base.astype(object)[both] != c[both]).sum())
        rows.append({"left_out": k, "changed": changed, "compared": int(both.sum()),
                     "share_changed": changed / both.sum() if both.sum() else np.nan})
    return RobustnessResult(pd.DataFrame(rows).set_index("left_out"), pd.DataFrame(classes))
