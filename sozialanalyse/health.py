"""Health reporting statistics: intervals for proportions and rates, standardisation, funnel limits.

The methods follow England's public health reporting (Fingertips, the R package
PHEindicatormethods); each function cites its method.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["wilson_ci", "poisson_ci"]


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"confidence level must lie between 0 and 1, got {level}")
    return float(stats.norm.ppf(1 - (1 - level) / 2))


def wilson_ci(x, n, level: float = 0.95):
    """Wilson score interval for a proportion ``x / n``.

    Parameters
    ----------
    x, n : array_like
        Numerators and denominators (counts). ``n == 0`` gives NaN limits.
    level : float
        Confidence level, e.g. 0.95 or 0.998.

    Returns
    -------
    (low, high) : tuple of numpy arrays
        Limits as proportions (0 to 1).

    Notes
    -----
    .. math:: \\frac{2x + z^2 \\pm z\\sqrt{z^2 + 4x(1 - x/n)}}{2(n + z^2)}

    References
    ----------
    Wilson EB (1927). Probable inference, the law of succession, and statistical inference.
    JASA 22: 209-212. Newcombe RG (1998). Stat Med 17: 857-872.

    Examples
    --------
    >>> low, high = wilson_ci(65, 100)
    >>> round(float(low), 6), round(float(high), 6)
    (0.552544, 0.736358)
    """
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(x < 0) or np.any(n < 0):
        raise ValueError("counts must not be negative")
    if np.any(x > n):
        raise ValueError("numerator greater than denominator")
    z = _z(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = 2 * x + z**2
        spread = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
        denom = 2 * (n + z**2)
        low = np.where(n > 0, (centre - spread) / denom, np.nan)
        high = np.where(n > 0, (centre + spread) / denom, np.nan)
    return low, high


def poisson_ci(x, level: float = 0.95):
    """Confidence interval for a Poisson count ``x``: exact below 10 events, Byar from 10 on.

    Divide the limits by the denominator (and multiply by the multiplier) to get limits for a
    rate.

    Notes
    -----
    Exact: :math:`\\chi^2_{\\alpha/2}(2x)/2` and :math:`\\chi^2_{1-\\alpha/2}(2x+2)/2`.
    Byar: :math:`x(1 - \\frac{1}{9x} - \\frac{z}{3\\sqrt{x}})^3` and
    :math:`(x+1)(1 - \\frac{1}{9(x+1)} + \\frac{z}{3\\sqrt{x+1}})^3`.

    References
    ----------
    Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, Vol. II. IARC, p. 69.
    Public Health England (2018). Technical Guide: Confidence intervals.

    Examples
    --------
    >>> low, high = poisson_ci(65)
    >>> round(float(low), 5), round(float(high), 5)
    (50.16319, 82.84914)
    >>> [round(float(v), 4) for v in poisson_ci(0)]
    [0.0, 3.6889]
    """
    x = np.asarray(x, dtype=float)
    if np.any(x < 0):
        raise ValueError("counts must not be negative")
    z = _z(level)
    alpha = 1 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        exact_low = np.where(x > 0, stats.chi2.ppf(alpha / 2, 2 * x) / 2, 0.0)
        exact_high = stats.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2
        byar_low = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
        byar_high = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3
    small = x < 10
    return np.where(small, exact_low, byar_low), np.where(small, exact_high, byar_high)
