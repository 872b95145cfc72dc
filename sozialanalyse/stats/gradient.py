"""The social gradient of an indicator: Slope Index of Inequality (SII) and Relative Index of
Inequality (RII) across deprivation quantiles, with intervals by simulation.

:func:`sii` regresses the indicator's value per quantile on the quantile's relative rank (the
midpoint of its share of the population, cumulated from the most deprived), weighted by
population, as Public Health England does (R package PHEindicatormethods, ``phe_sii``); its
published test values are reproduced by the tests. The interval comes from a seeded simulation:
each quantile's value is drawn from a normal distribution around it with its standard error, the
regression repeated, and the percentiles of the simulated slopes taken.

Imports nothing of the package but the result repr.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._results import ShortRepr

__all__ = ["Gradient", "relative_rank", "sii"]

_Z95 = 1.959963984540054


@dataclass(repr=False)
class Gradient(ShortRepr):
    """SII and RII of one indicator with their simulated intervals.

    ``sii`` is in the indicator's unit (times ``multiplier``): the difference between the fitted
    values at the most and the least deprived end of the rank scale (rank 1 minus rank 0);
    ``rii`` their ratio; ``intercept`` the fitted value at rank 0. ``table`` holds per quantile
    ``quantile, population, value, rank`` (the regressor) and ``fitted``."""

    sii: float
    sii_lower: float
    sii_upper: float
    rii: float
    rii_lower: float
    rii_upper: float
    intercept: float
    conf_level: float
    repetitions: int
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    method: str = "SII/RII nach PHE (gewichtete Regression auf den relativen Rang, Simulation)"


def relative_rank(population) -> np.ndarray:
    """Midpoint of each quantile's share of the population, cumulated in the given order.

    Examples
    --------
    >>> relative_rank([25, 25, 50]).tolist()
    [0.125, 0.375, 0.75]
    """
    p = np.asarray(population, dtype=float)
    share = p / p.sum()
    return np.cumsum(share) - share / 2


def _forward(v, value_type: int):
    v = np.asarray(v, dtype=float)
    if value_type == 1:
        return np.log(v)
    if value_type == 2:
        return np.log(v / (1 - v))
    return v


def _back(v, value_type: int):
    if value_type == 1:
        return np.exp(v)
    if value_type == 2:
        return np.exp(v) / (1 + np.exp(v))
    return v


def sii(quantile, population, value, se=None, lower=None, upper=None, value_type: int = 0,
        transform: bool = False, multiplier: float = 1.0, conf_level: float = 0.95,
        repetitions: int = 100_000, seed: int = 1) -> Gradient:
    """Slope and Relative Index of Inequality with simulated confidence intervals.

    Parameters
    ----------
    quantile : array-like
        Quantile labels, ordered from the most to the least deprived as the rank should run
        (the rows are used in this order; 5 to 100 quantiles).
    population : array-like
        Population per quantile (weights; every one > 0).
    value : array-like
        The indicator per quantile (a proportion between 0 and 1 for ``value_type=2``).
    se : array-like, optional
        Standard error of ``value`` (on the log/logit scale for ``value_type`` 1/2).
    lower, upper : array-like, optional
        95 % limits of ``value`` instead of ``se``: ``se = (T(upper) - T(lower)) / (2 * 1.96)``
        with T the log (rates), logit (proportions) or identity.
    value_type : {0, 1, 2}
        0 other (e.g. life expectancy), 1 rate, 2 proportion.
    transform : bool
        Regress on the log/logit scale and transform back (PHE ``transform=TRUE``).
    multiplier : float
        Factor on the SII (e.g. 100 for percentage points, negative to turn the sign, which
        also inverts the RII).
    conf_level : float
        Level of the interval (default 0.95).
    repetitions : int
        Simulation draws (at least 1.000; default 100.000 as the reference).
    seed : int
        Seed of the numpy generator: the same inputs give the same interval.

    Returns
    -------
    Gradient

    Notes
    -----
    With population shares :math:`a_i`, relative ranks :math:`b_i = \\sum_{j<i} a_j + a_i/2`
    and values :math:`y_i`, the weighted least squares fit of :math:`y_i = \\beta_0 + \\beta_1 b_i`
    (weights :math:`a_i`; PHE fits :math:`\\sqrt{a_i} y_i` on :math:`\\sqrt{a_i}` and
    :math:`\\sqrt{a_i} b_i` without intercept, the same estimate) gives

    .. math::

        SII = m \\beta_1, \\qquad RII = (\\beta_0 + \\beta_1) / \\beta_0

    (RII inverted for :math:`m < 0`). With ``transform`` the fit is on :math:`T(y)` and
    :math:`SII = m [T^{-1}(\\beta_0 + \\beta_1) - T^{-1}(\\beta_0)]`; the simulated limits of
    :math:`\\beta_1` are then placed symmetrically around the fitted midpoint
    :math:`(2\\beta_0 + \\beta_1)/2` and transformed back. Interval: the
    :math:`\\mathrm{round}(R (1 \\mp c)/2)`-th of the :math:`R` sorted simulated values, each
    simulated from :math:`y_i^* \\sim N(T(y_i), se_i)` transformed back.

    References
    ----------
    Low A, Low A (2004). Measuring the gap: quantifying and comparing local health inequalities.
    J Public Health 26:388-395. doi:10.1093/pubmed/fdh175.
    Public Health England (2018). Technical Guide: Confidence intervals for the Slope Index of
    Inequality; R package PHEindicatormethods, ``phe_sii``.

    Examples
    --------
    A gradient of 10 years across five equal quintiles (values 70, 72.5, ... 80):

    >>> g = sii([1, 2, 3, 4, 5], [100] * 5, [70, 72.5, 75, 77.5, 80], se=[1] * 5, repetitions=1000)
    >>> round(g.sii, 6), round(g.intercept, 6), round(g.rii, 4)
    (12.5, 68.75, 1.1818)
    """
    q = np.asarray(quantile)
    pop = np.asarray(population, dtype=float)
    v = np.asarray(value, dtype=float)
    if not (q.shape == pop.shape == v.shape) or q.ndim != 1:
        raise ValueError("sii: quantile, population and value must be one value per quantile each")
    if not 5 <= len(set(q.tolist())) <= 100 or len(set(q.tolist())) != q.size:
        raise ValueError(f"sii: 5 to 100 distinct quantiles needed, got {q.tolist()}")
    if value_type not in (0, 1, 2):
        raise ValueError(f"sii: value_type must be 0, 1 or 2, got {value_type}")
    if transform and value_type == 0:
        raise ValueError("sii: transform needs value_type 1 (rate) or 2 (proportion)")
    if repetitions < 1000:
        raise ValueError(f"sii: at least 1000 repetitions, got {repetitions}")
    if not 0 < conf_level < 1:
        raise ValueError(f"sii: conf_level must lie between 0 and 1, got {conf_level}")
    bad = ~(pop > 0)
    if bad.any():
        raise ValueError(f"sii: population must be > 0, quantile {q[bad][0]} has {pop[bad][0]}")
    if np.isnan(v).any():
        raise ValueError(f"sii: value missing for quantile {q[np.isnan(v)][0]}")
    if value_type == 2 and ((v < 0) | (v > 1)).any():
        raise ValueError("sii: proportions (value_type 2) must lie between 0 and 1")
    tv = _forward(v, value_type)
    if se is not None:
        s = np.asarray(se, dtype=float)
    elif lower is not None and upper is not None:
        s = (_forward(upper, value_type) - _forward(lower, value_type)) / _Z95 / 2
    else:
        raise ValueError("sii: give se, or lower and upper")
    if np.isnan(s).any() or (s < 0).any():
        raise ValueError("sii: standard errors must be given and >= 0 for every quantile")
    a = pop / pop.sum()
    b = relative_rank(pop)
    sa = np.sqrt(a)
    X = np.column_stack([sa, b * sa])
    H = np.linalg.solve(X.T @ X, X.T)  # (2, k): least squares of sqrt(a)*y on X
    y_fit = tv if transform else v
    beta0, beta1 = H @ (sa * y_fit)
    draws = np.random.default_rng(seed).normal(tv[:, None], s[:, None], size=(v.size, repetitions))
    if not transform:
        draws = _back(draws, value_type)
    sim = H @ (sa[:, None] * draws)
    sim0, sim1 = sim[0], sim[1]
    cv = conf_level + (1 - conf_level) / 2
    lo_pos, hi_pos = int(np.rint(repetitions * (1 - cv))) - 1, int(np.rint(repetitions * cv)) - 1
    m = float(multiplier)
    if not transform:
        s_sii = np.sort(sim1 * m)
        r = (sim1 + sim0) / sim0
        s_rii = np.sort(1 / r if m < 0 else r)
        out_sii, out_int = m * beta1, beta0
        out_rii = (beta0 + beta1) / beta0
        out_rii = 1 / out_rii if m < 0 else out_rii
        sii_lo, sii_hi = s_sii[lo_pos], s_sii[hi_pos]
        rii_lo, rii_hi = s_rii[lo_pos], s_rii[hi_pos]
        fitted = beta0 + beta1 * b
    else:
        f = lambda t: _back(t, value_type)  # noqa: E731
        x1 = beta0 + beta1
        half = (beta0 + x1) / 2
        out_sii = (f(x1) - f(beta0)) * m
        ratio = f(x1) / f(beta0)
        out_rii = 1 / ratio if m < 0 else ratio
        out_int = f(beta0) * abs(m)
        s1 = np.sort(sim1)
        limits = []
        for lim in (s1[lo_pos], s1[hi_pos]):
            lo_end, hi_end = half - lim / 2, half + lim / 2
            limits.append(((f(hi_end) - f(lo_end)) * m, f(hi_end) / f(lo_end)))
        (sl, rl), (su, ru) = limits
        if m < 0:
            sii_lo, sii_hi, rii_lo, rii_hi = su, sl, 1 / ru, 1 / rl
        else:
            sii_lo, sii_hi, rii_lo, rii_hi = sl, su, rl, ru
        fitted = f(beta0 + beta1 * b)
    table = pd.DataFrame({"quantile": q, "population": pop, "value": v, "rank": b, "fitted": fitted})
    return Gradient(sii=float(out_sii), sii_lower=float(sii_lo), sii_upper=float(sii_hi), rii=float(out_rii),
                    rii_lower=float(rii_lo), rii_upper=float(rii_hi), intercept=float(out_int),
                    conf_level=conf_level, repetitions=int(repetitions), table=table)
