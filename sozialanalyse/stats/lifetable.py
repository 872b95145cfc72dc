"""Life expectancy from an abridged life table (Chiang II) with Silcocks' variance, and the
rules under which Public Health England does not publish it.

:func:`life_table` computes life expectancy at the start of every age band with its standard
error and confidence interval, from deaths and population (or person-years) per age band;
:func:`life_expectancy` picks one start age. The method and its non-publication rules follow the
PHE technical guidance and the R package PHEindicatormethods (``phe_life_expectancy``), whose
published test values the tests reproduce to four decimals.

Not published (every value NaN, ``reason`` set), as in the reference:

* ``negative_deaths``: an age band with negative deaths;
* ``population_not_positive``: an age band with population (person-years) 0 or less;
* ``deaths_exceed_population``: an age band with more deaths than population;
* ``population_at_most_5000``: total population (person-years over all bands) of 5.000 or less;
* ``no_deaths_in_top_band``: no deaths in the open top band (its mean length of life is then
  infinite; the reference returns NaN too);
* ``ci_wider_than_20_years``: the 95 % interval of that start age is wider than 20 years (only
  that start age; the reference keeps the limits, this module withholds them with the value).

Age bands: the reference uses 0, 1-4, 5-9, ..., 85-89, 90+. German small-area counts come in
five-year bands from 0-4; a first band of width 5 is allowed and gets the separation factor
:data:`A_0_4` (see Notes). Every band but the last must be closed and the bands must be
contiguous.

Imports nothing of the package but the result repr.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._results import ShortRepr

__all__ = ["A_0_4", "MIN_POPULATION", "MAX_CI_WIDTH", "LifeExpectancy", "life_expectancy", "life_table"]

#: Fraction of the 0-4 band lived on average by those who die in it (see :func:`life_table`).
A_0_4 = 0.1
#: Total population (person-years) at or below which nothing is published (PHE rule).
MIN_POPULATION = 5000
#: Width of the 95 % interval (years) above which a life expectancy is not published (PHE rule).
MAX_CI_WIDTH = 20.0
_RADIX = 100_000.0


@dataclass(repr=False)
class LifeExpectancy(ShortRepr):
    """Life expectancy at ``age`` with its interval; ``reason`` says why ``value`` is NaN."""

    age: int
    value: float
    lower: float
    upper: float
    se: float
    deaths: float
    population: float
    reason: str
    method: str = "Chiang II, Varianz nach Silcocks et al. (2001)"


def _separation(start: np.ndarray, width: np.ndarray, a) -> np.ndarray:
    if a is not None:
        out = np.asarray(a, dtype=float)
        if out.shape != start.shape:
            raise ValueError(f"life_table: a has {out.size} values for {start.size} age bands")
        return out
    out = np.full(start.shape, 0.5)
    out[(start == 0) & (width == 1)] = 0.1
    out[(start == 0) & (width == 5)] = A_0_4
    return out


def life_table(deaths, population, start_ages, a=None, conf_level: float = 0.95) -> pd.DataFrame:
    """Abridged life table by Chiang's method II with Silcocks' variance of the top band.

    Parameters
    ----------
    deaths, population : array-like
        Deaths and population (person-years: the population summed over the years pooled) per
        age band, in the order of ``start_ages``.
    start_ages : array-like of int
        Start age of each band, ascending from 0; the last band is open (e.g. 90+).
    a : array-like, optional
        Fraction of the band lived by those who die in it. Default: 0.1 for a band ``0`` of width
        1, :data:`A_0_4` for a band ``0-4``, 0.5 otherwise.
    conf_level : float
        Level of ``lower``/``upper`` (default 0.95).

    Returns
    -------
    pandas.DataFrame
        One row per band: ``start_age, deaths, population, value`` (life expectancy at the band's
        start), ``se, lower, upper, reason`` ("" or why NaN, see the module docstring),
        ``pops_used, dths_used`` (population and deaths from that age up).

    Notes
    -----
    With band width :math:`n_i` (last band: :math:`2/M_i`), :math:`M_i = D_i / P_i` and
    separation factor :math:`a_i`:

    .. math::

        q_i = \\frac{n_i M_i}{1 + n_i M_i (1 - a_i)}\\ (q_i = 1 \\text{ if } D_i > P_i / (n_i a_i)),
        \\quad l_0 = 10^5,\\ l_{i+1} = l_i (1 - q_i),\\ d_i = l_i - l_{i+1},

        L_i = n_i (l_{i+1} + a_i d_i),\\quad L_{last} = l_{last} / M_{last},\\quad
        T_i = \\sum_{j \\ge i} L_j,\\quad e_i = T_i / l_i.

    Variance (Chiang; Silcocks et al. for the open top band):

    .. math::

        s^2_{p_i} = q_i^2 (1 - q_i) / D_i,\\quad s^2_{p_{last}} = 4 / (D_{last} M_{last}^2),

        \\operatorname{Var}(e_i) = \\frac{1}{l_i^2} \\Big(\\sum_{i \\le j < last}
        s^2_{p_j} l_j^2 [(1 - a_j) n_j + e_{j+1}]^2 + (l_{last}/2)^2 s^2_{p_{last}}\\Big).

    Interval: :math:`e_i \\pm z \\sqrt{\\operatorname{Var}(e_i)}`.

    **The 0-4 band.** Chiang's separation factors are 0.1 for the first year of life and 0.5 for
    ages 1-4 (Chiang 1984; PHE). For a single band 0-4 the factor is the mean age at death
    under 5 divided by 5: in Germany about 85 % of the deaths under 5 are infant deaths
    (Destatis, Statistik der Sterbefälle, rounded), so the mean age at death is about
    :math:`0.85 \\cdot 0.1 + 0.15 \\cdot (1 + 0.5 \\cdot 4) \\approx 0.5` years and
    :math:`a_{0-4} = 0.1` (:data:`A_0_4`). Life expectancy hardly depends on it: under-5
    deaths are rare, and moving :math:`a_{0-4}` from 0.1 to 0.2 moves :math:`e_0` by about
    :math:`5 \\cdot 0.1 \\cdot {}_5q_0`, well under 0.01 years at German mortality; on the
    reference data, merging 0 and 1-4 into one band 0-4 changes :math:`e_0` by 0.03 years
    (tested). Eayres and Williams (2004) found the same insensitivity of small-area life
    expectancy to the treatment of the youngest ages.

    References
    ----------
    Chiang CL (1984). *The Life Table and its Applications.* Malabar: Krieger.
    Silcocks PBS, Jenner DA, Reza R (2001). Life expectancy as a summary of mortality in a
    population: statistical considerations and suitability for use by health authorities.
    J Epidemiol Community Health 55:38-43. doi:10.1136/jech.55.1.38.
    Eayres D, Williams ES (2004). Evaluation of methodologies for small area life expectancy
    estimation. J Epidemiol Community Health 58:243-249. doi:10.1136/jech.2003.009654.
    Public Health England: Fingertips Public Health Technical Guidance, life expectancy; R
    package PHEindicatormethods, ``phe_life_expectancy``.

    Examples
    --------
    The reference's test data (PHEindicatormethods, ``testLifeExpectancy.R``):

    >>> ages = [0, 1] + list(range(5, 95, 5))
    >>> pops = [7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601, 50209,
    ...         56416, 46411, 39820, 37978, 37039, 33288, 23306, 11936, 11936]
    >>> dths = [17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390, 1605,
    ...         1936, 1937]
    >>> t = life_table(dths, pops, ages)
    >>> [round(float(t[c].iloc[0]), 4) for c in ("value", "lower", "upper")]
    [80.1696, 79.8827, 80.4565]
    """
    D = np.asarray(deaths, dtype=float)
    P = np.asarray(population, dtype=float)
    x = np.asarray(start_ages, dtype=float)
    if not (D.shape == P.shape == x.shape) or D.ndim != 1:
        raise ValueError(f"life_table: deaths ({D.size}), population ({P.size}) and start_ages ({x.size}) "
                         "must be one value per age band each")
    if x.size < 2 or x[0] != 0 or np.any(np.diff(x) <= 0):
        raise ValueError(f"life_table: start_ages must ascend from 0, got {list(x)}")
    if not 0 < conf_level < 1:
        raise ValueError(f"life_table: conf_level must lie between 0 and 1, got {conf_level}")
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + conf_level / 2))
    out = pd.DataFrame({"start_age": x.astype(int), "deaths": D, "population": P})
    out["pops_used"] = P[::-1].cumsum()[::-1]
    out["dths_used"] = D[::-1].cumsum()[::-1]
    reason = ""
    if np.isnan(D).any() or np.isnan(P).any():
        reason = "missing_age_band"
    elif (D < 0).any():
        reason = "negative_deaths"
    elif (P <= 0).any():
        reason = "population_not_positive"
    elif (D > P).any():
        reason = "deaths_exceed_population"
    elif P.sum() <= MIN_POPULATION:
        reason = "population_at_most_5000"
    elif D[-1] <= 0:
        reason = "no_deaths_in_top_band"
    if reason:
        for c in ("value", "se", "lower", "upper"):
            out[c] = np.nan
        out["reason"] = reason
        return out
    n = np.append(np.diff(x), np.nan)
    a = _separation(x, np.append(np.diff(x), 0), a)
    M = D / P
    n[-1] = 2 / M[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(D <= P / n / a, M * n / (1 + M * n * (1 - a)), 1.0)
    p = 1 - q
    l = _RADIX * np.concatenate([[1.0], np.cumprod(p[:-1])])
    l_next = np.append(l[1:], 0.0)
    d = l - l_next
    L = n * (l_next + a * d)
    L[-1] = l[-1] / M[-1]
    T = L[::-1].cumsum()[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.where(l == 0, 0.0, T / l)
        sp = np.where(d == 0, 0.0, q ** 2 * (1 - q) / D)
    sp[-1] = 4 / (D[-1] * M[-1] ** 2)
    e_next = np.append(e[1:], np.nan)
    W = sp * l ** 2 * ((1 - a) * n + e_next) ** 2
    W[-1] = (l[-1] / 2) ** 2 * sp[-1]
    ST = W[::-1].cumsum()[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(ST / l ** 2)
    wide = 2 * float(norm.ppf(0.975)) * se > MAX_CI_WIDTH
    out["value"] = np.where(wide, np.nan, e)
    out["se"] = np.where(wide, np.nan, se)
    out["lower"] = np.where(wide, np.nan, e - z * se)
    out["upper"] = np.where(wide, np.nan, e + z * se)
    out["reason"] = np.where(wide, "ci_wider_than_20_years", "")
    return out


def life_expectancy(deaths, population, start_ages, age: int = 0, a=None,
                    conf_level: float = 0.95) -> LifeExpectancy:
    """Life expectancy at ``age`` (a start age of the bands) from :func:`life_table`.

    Parameters
    ----------
    deaths, population, start_ages, a, conf_level
        As for :func:`life_table`.
    age : int
        The start age (default 0: at birth).

    Returns
    -------
    LifeExpectancy
        ``value, lower, upper, se`` (NaN where not published), ``deaths`` and ``population``
        from ``age`` up, ``reason``.

    Notes
    -----
    See :func:`life_table`.

    References
    ----------
    See :func:`life_table`.

    Examples
    --------
    >>> ages = [0, 1] + list(range(5, 95, 5))
    >>> pops = [7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601, 50209,
    ...         56416, 46411, 39820, 37978, 37039, 33288, 23306, 11936, 11936]
    >>> dths = [17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390, 1605,
    ...         1936, 1937]
    >>> round(life_expectancy(dths, pops, ages, age=65).value, 4)
    18.7686
    """
    t = life_table(deaths, population, start_ages, a=a, conf_level=conf_level)
    rows = t[t["start_age"] == int(age)]
    if rows.empty:
        raise ValueError(f"life_expectancy: age {age} is not a start age of the bands {t['start_age'].tolist()}")
    r = rows.iloc[0]
    return LifeExpectancy(age=int(age), value=float(r["value"]), lower=float(r["lower"]), upper=float(r["upper"]),
                          se=float(r["se"]), deaths=float(r["dths_used"]), population=float(r["pops_used"]),
                          reason=str(r["reason"]))
