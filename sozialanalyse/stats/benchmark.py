"""Benchmark markers as the Fingertips profiles show them: is a value significantly better,
similar or worse than its comparator, and is it significantly rising or falling recently.

* :func:`compare`: the comparator against the value's 95 % and 99.8 % intervals; the result
  is ``better``/``similar``/``worse`` where the indicator has a polarity, ``higher``/``similar``/
  ``lower`` where it has none (Fingertips colours these blue), ``not_compared`` where there is
  no value, interval or comparator.
* :func:`recent_trend`: the Fingertips recent-trend marker over the last five points: a
  weighted regression of the values on time with weights from their 95 % intervals, a
  chi-squared test at 99.8 % and the check that no single point makes the trend (the slope must
  keep its sign when any one point is left out).
* :func:`recent_trend_proportion`: the chi-squared test for trend in proportions (Armitage)
  over the last five points, from counts and denominators, which Fingertips uses for
  proportions.

The results are codes (``increasing``, ``decreasing``, ``no_change``, ``cannot_be_calculated``);
the pages say them in German with a symbol and a colour.

Imports the intervals of :mod:`.health`.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ._results import ShortRepr

__all__ = ["POINTS", "Trend", "chi2_critical", "compare", "limits", "recent_trend", "recent_trend_proportion"]

#: Number of most recent points the trend markers use.
POINTS = 5


@functools.lru_cache(maxsize=None)
def chi2_critical(conf_level: float) -> float:
    """Critical value of the chi-squared distribution with one degree of freedom (computed once
    per level: a profile tests some sixty series at the same level).

    >>> round(chi2_critical(0.998), 4), round(chi2_critical(0.95), 4)
    (9.5495, 3.8415)
    """
    from scipy.stats import chi2

    return float(chi2.ppf(conf_level, 1))


def compare(value, lower, upper, comparator, polarity: str = "neutral") -> np.ndarray:
    """Marker of each value against its comparator by the value's interval.

    Parameters
    ----------
    value, lower, upper : array-like
        The values and the limits of their interval (95 % or 99.8 %).
    comparator : array-like or float
        The comparator's value (e.g. the Kreis).
    polarity : {"higher_is_better", "higher_is_worse", "neutral"}
        The indicator catalog's polarity.

    Returns
    -------
    numpy.ndarray of str
        ``better``/``worse`` (with a polarity) or ``higher``/``lower`` (neutral) where the
        interval lies wholly above or below the comparator, ``similar`` where it contains it,
        ``not_compared`` where something is missing.

    Notes
    -----
    Fingertips: the value is significantly different from the comparator if the comparator lies
    outside the value's confidence interval (:math:`c < L` or :math:`c > U`); the value's
    interval, not the comparator's, is used, as the comparator (England, a region; here the
    Kreis) is estimated far more precisely.

    References
    ----------
    Public Health England: Fingertips Public Health Technical Guidance, "Comparisons with a
    benchmark".

    Examples
    --------
    >>> compare([10, 10, 10], [8, 11, 4], [12, 13, 9], 10.5, "higher_is_worse").tolist()
    ['similar', 'worse', 'better']
    >>> compare([10, np.nan], [8, 1], [9, 2], 10.5).tolist()
    ['lower', 'not_compared']
    """
    if polarity not in ("higher_is_better", "higher_is_worse", "neutral"):
        raise ValueError(f"compare: polarity must be higher_is_better, higher_is_worse or neutral, got {polarity!r}")
    v = np.atleast_1d(np.asarray(value, dtype=float))
    lo = np.broadcast_to(np.asarray(lower, dtype=float), v.shape)
    hi = np.broadcast_to(np.asarray(upper, dtype=float), v.shape)
    c = np.broadcast_to(np.asarray(comparator, dtype=float), v.shape)
    up = {"higher_is_better": "better", "higher_is_worse": "worse"}.get(polarity, "higher")
    down = {"higher_is_better": "worse", "higher_is_worse": "better"}.get(polarity, "lower")
    missing = np.isnan(v) | np.isnan(lo) | np.isnan(hi) | np.isnan(c)
    with np.errstate(invalid="ignore"):
        out = np.where(lo > c, up, np.where(hi < c, down, "similar"))
    return np.where(missing, "not_compared", out).astype(object)


def limits(kind: str, numerator, denominator, multiplier: float = 1.0, conf_level: float = 0.998):
    """Interval of an indicator of the catalog at another level than 95 % (for the 99,8 % marker).

    Parameters
    ----------
    kind : str
        The catalog's kind: ``proportion`` (Wilson) or ``rate`` (exact Poisson of the numerator
        divided by the denominator); other kinds have no interval (NaN).
    numerator, denominator : array-like
    multiplier : float
        The indicator's multiplier (100 for %, 1000 for "je 1.000").
    conf_level : float

    Returns
    -------
    (lower, upper) : tuple of numpy arrays, in the indicator's unit.

    Notes
    -----
    The same intervals as the indicator engine uses at 95 %
    (:func:`sozialanalyse.stats.health.wilson_ci`, :func:`sozialanalyse.stats.health.poisson_ci`).

    Examples
    --------
    >>> lo, hi = limits("proportion", [50], [100], 100, 0.95)
    >>> round(float(lo[0]), 2), round(float(hi[0]), 2)
    (40.38, 59.62)
    """
    from .health import poisson_ci, wilson_ci

    x = np.atleast_1d(np.asarray(numerator, dtype=float))
    n = np.atleast_1d(np.asarray(denominator, dtype=float))
    ok = ~np.isnan(x) & ~np.isnan(n) & (n > 0) & (x >= 0)
    lo, hi = np.full(x.shape, np.nan), np.full(x.shape, np.nan)
    if kind == "proportion":
        okp = ok & (x <= n)
        if okp.any():
            a, b = wilson_ci(x[okp], n[okp], conf_level=conf_level)
            lo[okp], hi[okp] = a * multiplier, b * multiplier
    elif kind == "rate" and ok.any():
        a, b = poisson_ci(x[ok], conf_level=conf_level)
        lo[ok], hi[ok] = a / n[ok] * multiplier, b / n[ok] * multiplier
    return lo, hi


@dataclass(repr=False)
class Trend(ShortRepr):
    """A recent-trend marker: ``marker`` (``increasing``, ``decreasing``, ``no_change``,
    ``cannot_be_calculated``), the slope per year, the chi-squared statistic, the years used
    and ``reason`` ("" or why no marker could be calculated)."""

    marker: str
    slope: float
    chi2: float
    years: tuple
    reason: str = ""


def _last(years, **columns) -> tuple[tuple, dict, str]:
    """The last :data:`POINTS` entries by year among those with every column present (not NaN):
    ``(years, {name: values}, reason)``, ``reason`` ``"fewer_than_five_points"`` (then all
    present entries), ``"duplicate_year"`` where one of the last five years is given twice or the
    year before them is (which row would count is not defined) or ``"gap_in_series"`` where the years are not consecutive, else
    empty; the years as Python integers. Plain arrays: the trend markers of a Gemeindeprofil
    test some sixty short series, where a DataFrame built, cleaned and sorted for each cost more
    than the test.

    >>> y, c, reason = _last([2024, 2020, 2021, 2022, 2023, 2019], v=[6, 2, np.nan, 4, 5, 1])
    >>> y, c["v"].tolist(), reason
    ((2019, 2020, 2022, 2023, 2024), [1.0, 2.0, 4.0, 5.0, 6.0], 'gap_in_series')
    >>> _last([2020, 2021, 2021, 2022, 2023, 2024], v=[1, 2, 3, 4, 5, 6])[2]
    'duplicate_year'
    """
    y = np.asarray(years, dtype=int)
    cols = {k: np.asarray(v, dtype=float) for k, v in columns.items()}
    present = np.ones(len(y), dtype=bool)
    for v in cols.values():
        present &= ~np.isnan(v)
    take = np.flatnonzero(present)
    take = take[np.argsort(y[take], kind="stable")]
    duplicate = bool(np.any(np.diff(y[take][-(POINTS + 1):]) == 0))  # where it decides which row counts
    if len(take) >= POINTS:
        take = take[-POINTS:]
    yrs, cols = tuple(y[take].tolist()), {k: v[take] for k, v in cols.items()}
    if duplicate:
        return yrs, cols, "duplicate_year"
    if len(take) < POINTS:
        return yrs, cols, "fewer_than_five_points"
    if np.any(np.diff(y[take]) != 1):
        return yrs, cols, "gap_in_series"
    return yrs, cols, ""


def recent_trend(years, value, lower, upper, conf_level: float = 0.998) -> Trend:
    """Fingertips' recent-trend marker from values and their 95 % intervals.

    Parameters
    ----------
    years, value, lower, upper : array-like
        One entry per year; rows with a missing value or limit are not used (a year given twice
        among the last: ``cannot_be_calculated``, reason ``duplicate_year``).
    conf_level : float
        Level of the chi-squared test (default 0.998, as Fingertips).

    Returns
    -------
    Trend

    Notes
    -----
    On the last five consecutive years :math:`t = 1..5` with values :math:`y_t` and variances
    :math:`v_t = ((U_t - L_t) / 3.92)^2`, weights :math:`w_t = 1/v_t`:

    .. math::

        \\hat\\beta = \\frac{\\sum w \\sum w t y - \\sum w t \\sum w y}{\\sum w \\sum w t^2 - (\\sum w t)^2},
        \\qquad \\chi^2 = \\hat\\beta^2 \\, \\frac{\\sum w \\sum w t^2 - (\\sum w t)^2}{\\sum w}.

    The trend is significant if :math:`\\chi^2` exceeds the critical value of
    :math:`\\chi^2_1` (9,55 at 99,8 %) and the slope keeps its sign when any one of the five
    points is left out.

    References
    ----------
    Public Health England: Fingertips Public Health Technical Guidance, "Fingertips trend
    markers"; Fingertips source (``TrendMarkerCalculator``).

    Examples
    --------
    >>> t = recent_trend([2020, 2021, 2022, 2023, 2024], [10, 11, 12, 13, 14], [9.5, 10.5, 11.5, 12.5, 13.5],
    ...                  [10.5, 11.5, 12.5, 13.5, 14.5])
    >>> t.marker, round(t.slope, 6)
    ('increasing', 1.0)
    """
    yrs, f, reason = _last(years, value=value, lower=lower, upper=upper)
    if reason:
        return Trend("cannot_be_calculated", np.nan, np.nan, yrs, reason)
    se = (f["upper"] - f["lower"]) / 3.92
    if not (se > 0).all():
        return Trend("cannot_be_calculated", np.nan, np.nan, yrs, "interval_of_width_zero")
    w = 1 / se ** 2
    t = np.arange(1, POINTS + 1, dtype=float)
    y = f["value"]

    def fit(keep):
        s1, s2, s3, s4, s5 = (w[keep].sum(), (w * t * y)[keep].sum(), (w * t)[keep].sum(), (w * y)[keep].sum(),
                              (w * t * t)[keep].sum())
        den = s1 * s5 - s3 ** 2
        return (s1 * s2 - s3 * s4) / den, den / s1

    slope, sxx = fit(np.ones(POINTS, bool))
    chi2 = slope ** 2 * sxx
    signs = [np.sign(fit(np.arange(POINTS) != i)[0]) for i in range(POINTS)]
    robust = all(s == np.sign(slope) and s != 0 for s in signs)
    marker = "no_change"
    if robust and chi2 > chi2_critical(conf_level):
        marker = "increasing" if slope > 0 else "decreasing"
    return Trend(marker, float(slope), float(chi2), yrs)


def recent_trend_proportion(years, count, denominator, conf_level: float = 0.998) -> Trend:
    """Chi-squared test for trend in proportions (Armitage) over the last five points.

    Parameters
    ----------
    years, count, denominator : array-like
        One entry per year; rows with a missing count or denominator are not used (a year given
        twice among the last: ``cannot_be_calculated``, reason ``duplicate_year``).
    conf_level : float
        Level of the test (default 0.998).

    Returns
    -------
    Trend
        ``slope``: change of the proportion per year (the least squares slope of
        :math:`r_t / n_t` on :math:`t` weighted by :math:`n_t`).

    Notes
    -----
    With counts :math:`r_t`, denominators :math:`n_t`, :math:`R = \\sum r_t`,
    :math:`N = \\sum n_t` over the last five consecutive years :math:`t = 1..5`:

    .. math::

        \\chi^2 = \\frac{N (N \\sum r_t t - R \\sum n_t t)^2}
                       {R (N - R) (N \\sum n_t t^2 - (\\sum n_t t)^2)}

    compared with :math:`\\chi^2_1`; the sign of :math:`N \\sum r_t t - R \\sum n_t t` gives the
    direction.

    References
    ----------
    Armitage P, Berry G, Matthews JNS (2002). *Statistical Methods in Medical Research*, 4th ed.,
    section 15.7. Oxford: Blackwell. Public Health England: Fingertips trend markers.

    Examples
    --------
    >>> t = recent_trend_proportion([1, 2, 3, 4, 5], [10, 20, 30, 40, 50], [100] * 5)
    >>> t.marker, round(t.chi2, 4)
    ('increasing', 47.619)
    """
    yrs, f, reason = _last(years, r=count, n=denominator)
    if reason:
        return Trend("cannot_be_calculated", np.nan, np.nan, yrs, reason)
    r, n = f["r"], f["n"]
    if (n <= 0).any() or (r < 0).any() or (r > n).any():
        return Trend("cannot_be_calculated", np.nan, np.nan, yrs, "invalid_count")
    t = np.arange(1, POINTS + 1, dtype=float)
    R, N = r.sum(), n.sum()
    if R == 0 or R == N:
        return Trend("no_change", 0.0, 0.0, yrs)
    num = N * (r * t).sum() - R * (n * t).sum()
    sxx = N * (n * t * t).sum() - (n * t).sum() ** 2
    chi2 = N * num ** 2 / (R * (N - R) * sxx)
    slope = num / sxx
    marker = "no_change"
    if chi2 > chi2_critical(conf_level):
        marker = "increasing" if num > 0 else "decreasing"
    return Trend(marker, float(slope), float(chi2), yrs)
