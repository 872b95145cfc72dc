"""Health reporting statistics: intervals for proportions and rates, standardisation, funnel limits.

The methods follow England's public health reporting (Fingertips, the R package
PHEindicatormethods); each function cites its method.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from ..model.areas import AGE_GROUPS
from . import _checks as check

__all__ = [
    "COMPARISON_LABELS_DE",
    "DSR_REASON_SMALL",
    "ESP2013",
    "ESP2013_FINE",
    "FUNNEL_LABELS_DE",
    "POLARITIES",
    "dsr",
    "funnel_axis",
    "funnel_limits",
    "funnel_plot_data",
    "funnel_significance",
    "isr",
    "overdispersion",
    "poisson_ci",
    "rate_ci",
    "smr",
    "spine_chart_data",
    "wilson_ci",
]


def _z(level: float, fn: str = "health", arg: str = "conf_level") -> float:
    if not 0 < level < 1:
        raise ValueError(f"{fn}(): {arg} must lie between 0 and 1 (e.g. 0.95), got {level!r}")
    return float(stats.norm.ppf(1 - (1 - level) / 2))


def wilson_ci(x, n, conf_level: float = 0.95):
    """Wilson score interval for a proportion ``x / n`` (statsmodels' ``proportion_confint``).

    Parameters
    ----------
    x, n : array_like
        Numerators and denominators (counts). ``n == 0`` gives NaN limits.
    conf_level : float
        Confidence level, e.g. 0.95 or 0.998.

    Returns
    -------
    (lower, upper) : tuple of numpy arrays
        Limits as proportions (0 to 1).

    Notes
    -----
    .. math:: \\frac{2x + z^2 \\pm z\\sqrt{z^2 + 4x(1 - x/n)}}{2(n + z^2)}

    Computed by :func:`statsmodels.stats.proportion.proportion_confint` with
    ``method="wilson"``; this function adds the checks and NaN limits for ``n == 0``.

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
    check.non_negative("wilson_ci", x, "x")
    check.non_negative("wilson_ci", n, "n")
    check.at_most("wilson_ci", x, n, ("x", "n"))
    _z(conf_level, "wilson_ci")  # checks the level
    x, n = np.broadcast_arrays(x, n)
    low = np.full(x.shape, np.nan)
    high = np.full(x.shape, np.nan)
    some = n > 0
    low[some], high[some] = proportion_confint(x[some], n[some], alpha=1 - conf_level, method="wilson")
    return low, high


def poisson_ci(x, conf_level: float = 0.95):
    """Confidence interval for a Poisson count ``x``: exact below 10 events, Byar from 10 on.

    Divide the limits by the denominator (and multiply by the multiplier) to get limits for a
    rate.

    Parameters
    ----------
    x : array_like
        Event counts.
    conf_level : float
        Confidence level, e.g. 0.95 or 0.998.

    Returns
    -------
    (lower, upper) : tuple of numpy arrays
        Limits of the count.

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
    check.non_negative("poisson_ci", x, "x")
    z = _z(conf_level, "poisson_ci")
    alpha = 1 - conf_level
    with np.errstate(invalid="ignore", divide="ignore"):
        exact_low = np.where(x > 0, stats.chi2.ppf(alpha / 2, 2 * x) / 2, 0.0)
        exact_high = stats.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2
        byar_low = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
        byar_high = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3
    small = x < 10
    return np.where(small, exact_low, byar_low), np.where(small, exact_high, byar_high)


# ---------------------------------------------------------------------------------------------
# Crude rates
# ---------------------------------------------------------------------------------------------


def rate_ci(x, n, multiplier: float = 100_000, conf_level: float = 0.95):
    """Confidence interval for a crude rate ``x / n * multiplier``.

    Exact Poisson limits below 10 events, Byar's approximation from 10 events on (the count
    limits of :func:`poisson_ci` divided by the denominator).

    Parameters
    ----------
    x : array_like
        Event counts.
    n : array_like
        Denominators (population or person-years). ``n == 0`` gives NaN limits.
    multiplier : float
        Rate per ``multiplier`` persons, e.g. 100 000.
    conf_level : float
        Confidence level, e.g. 0.95 or 0.998.

    Returns
    -------
    (lower, upper) : tuple of numpy arrays
        Limits on the scale of the rate (per ``multiplier``).

    Notes
    -----
    .. math:: \\left(\\frac{O_L}{n} m, \\frac{O_U}{n} m\\right)

    with :math:`O_L, O_U` the limits of :func:`poisson_ci`.

    References
    ----------
    Public Health England (2018). Technical Guide: Confidence intervals, section "Crude rates".
    PHEindicatormethods: ``phe_rate`` / ``calculate_rate`` (method "Byars" / "Exact").

    Examples
    --------
    >>> low, high = rate_ci(65, 100_000)
    >>> round(float(low), 5), round(float(high), 5)
    (50.16319, 82.84914)
    >>> [round(float(v), 4) for v in rate_ci(0, 1000, multiplier=1000)]
    [0.0, 3.6889]
    """
    n = np.asarray(n, dtype=float)
    check.non_negative("rate_ci", x, "x")
    check.non_negative("rate_ci", n, "n")
    _z(conf_level, "rate_ci")
    low, high = poisson_ci(x, conf_level)
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(n > 0, low / n * multiplier, np.nan)
        high = np.where(n > 0, high / n * multiplier, np.nan)
    return low, high


def _suffix(level: float) -> str:
    """Column suffix of a confidence level: 0.95 -> '95', 0.998 -> '998'."""
    return f"{level * 100:g}".replace(".", "")


def _levels(levels, fn: str) -> tuple[float, ...]:
    if np.isscalar(levels):
        levels = (levels,)
    out = tuple(float(v) for v in levels)
    for v in out:
        if not 0 < v < 1:
            raise ValueError(f"{fn}(): levels must lie between 0 and 1 (e.g. 0.95), got {v!r}")
    return out


# ---------------------------------------------------------------------------------------------
# Direct standardisation
# ---------------------------------------------------------------------------------------------

#: European Standard Population 2013, 19 bands ``0-4`` ... ``85-89``, ``90+`` (sums to 100 000).
ESP2013 = pd.Series(
    [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
     7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000],
    index=pd.Index(AGE_GROUPS, name="age_group"),
    name="esp2013",
    dtype=float,
)

#: ESP2013 with the finer split ``0`` / ``1-4`` and ``90-94`` / ``95+`` (21 bands).
ESP2013_FINE = pd.concat(
    [
        pd.Series({"0": 1000.0, "1-4": 4000.0}),
        ESP2013.iloc[1:-1],
        pd.Series({"90-94": 800.0, "95+": 200.0}),
    ]
).rename("esp2013")
ESP2013_FINE.index.name = "age_group"

#: Reason given in the ``reason`` column when a DSR is suppressed.
DSR_REASON_SMALL = "DSR nicht berechnet: weniger als {min_count} Ereignisse"


def _standard(standard) -> pd.Series:
    if standard is None:
        return ESP2013
    s = pd.Series(standard, dtype=float)
    if s.index.has_duplicates:
        raise ValueError(f"dsr(): standard has the age band {s.index[s.index.duplicated()][0]!r} "
                         "more than once")
    if (s < 0).any():
        raise ValueError(f"dsr(): standard has a negative value {s[s < 0].iloc[0]:g} for age band "
                         f"{s.index[(s < 0).to_numpy()][0]!r}")
    if not s.sum() > 0:
        raise ValueError(f"dsr(): standard must have a positive sum, got {s.sum():g}")
    s.index = s.index.astype(str)
    return s


def _group_label(keys, by) -> str:
    if not by:
        return ""
    if not isinstance(keys, tuple):
        keys = (keys,)
    return " (" + ", ".join(f"{b}={k}" for b, k in zip(by, keys)) + ")"


def _age_table(data, count, population, age_group, by, standard):
    """Validate a long age table: every standard band once per group, 0 <= count <= population."""
    if data is None:
        counts = np.asarray(count, dtype=float)
        pops = np.asarray(population, dtype=float)
        if counts.ndim != 1 or pops.ndim != 1:
            raise ValueError(f"dsr(): count and population arrays must be one-dimensional, got "
                             f"shapes {counts.shape} and {pops.shape}")
        check.same_length("dsr", count=counts, population=pops)
        bands = standard.index if isinstance(age_group, str) else np.asarray(age_group).astype(str)
        if len(bands) != len(counts):
            raise ValueError(
                f"dsr(): {len(counts)} counts given for {len(bands)} age bands of the standard "
                "population"
            )
        data = pd.DataFrame({"age_group": bands, "count": counts, "population": pops})
        count, population, age_group = "count", "population", "age_group"
    else:
        check.columns("dsr", data, (count, population, age_group, *by))
        check.numeric("dsr", data, (count, population), keys=[*by, age_group])
    keys = [*by, age_group]
    df = pd.DataFrame(
        {
            **{b: data[b].to_numpy() for b in by},
            "_band": data[age_group].astype(str).to_numpy(),
            "_x": pd.to_numeric(data[count]).astype(float).fillna(0.0).to_numpy(),
            "_n": pd.to_numeric(data[population]).astype(float).to_numpy(),
        },
        index=data.index,
    )
    unknown = sorted(set(df["_band"]) - set(standard.index))
    if unknown:
        raise ValueError(f"dsr(): age band(s) {unknown} are not in the standard population "
                         f"{list(standard.index)}")
    check.non_negative("dsr", df["_x"], count, data, keys)
    check.positive("dsr", df["_n"], population, data, keys)
    check.at_most("dsr", df["_x"], df["_n"], (count, population), data, keys)
    keys = [*by, "_band"]
    dup = df.duplicated(keys)
    if dup.any():
        row = df.index[dup.to_numpy()][0]
        raise ValueError(f"dsr(): age band {df.at[row, '_band']!r} occurs more than once"
                         f"{_group_label(tuple(df.loc[row, by]), by)} (row {row!r})")
    if by:
        nbands = df.groupby(by, sort=False)["_band"].nunique()
    else:
        nbands = pd.Series([df["_band"].nunique()])
    if (nbands < len(standard)).any():
        if by:
            present = df.groupby(by, sort=True)["_band"].agg(set)
            for keys_, bands in present.items():
                lost = [b for b in standard.index if b not in bands]
                if lost:
                    raise ValueError(f"dsr(): age band {lost[0]!r} missing{_group_label(keys_, by)}"
                                     f" (missing: {lost})")
        lost = [b for b in standard.index if b not in set(df["_band"])]
        raise ValueError(f"dsr(): age band {lost[0]!r} missing (missing: {lost})")
    return df


def dsr(
    data: pd.DataFrame | None = None,
    count="count",
    population="population",
    *,
    age_group="age_group",
    by=None,
    standard=None,
    multiplier: float = 100_000,
    conf_level: float = 0.95,
    min_count: int = 10,
) -> pd.DataFrame:
    """Directly age-standardised rates with Dobson et al. (1991) confidence limits.

    Parameters
    ----------
    data : DataFrame or None
        Long table with one row per age band (and group). ``None``: ``count`` and ``population``
        are arrays for one area, ordered like ``standard`` (or labelled by ``age_group``).
    count, population : str or array_like
        Columns (or arrays) of event counts and populations. Missing counts count as 0.
    age_group : str or array_like
        Column of age band labels (``"0-4"`` ... ``"90+"``, matching ``standard``).
    by : str or list of str, optional
        Group columns (e.g. ``["area_id", "year", "sex"]``); one DSR per group, computed with
        one vectorised groupby.
    standard : Series or dict, optional
        Standard population by age band; default :data:`ESP2013`. Use :data:`ESP2013_FINE` for
        the 0 / 1-4 and 90-94 / 95+ split or any other standard.
    multiplier : float
        Rate per ``multiplier`` (default 100 000).
    conf_level : float
        Confidence level of ``lower`` / ``upper`` (default 0.95; PHE's funnel level 0.998 is
        another call).
    min_count : int
        Below this total count the rate and its limits are NaN and ``reason`` says why (PHE: 10).

    Returns
    -------
    DataFrame
        Group columns, ``total_count``, ``total_pop``, ``value``, its limits ``lower`` /
        ``upper`` (at ``conf_level``) and ``reason`` ("" or why the value is NaN).

    Raises
    ------
    ValueError
        If an age band of the standard is missing in a group (the band is named), a band occurs
        twice, a count exceeds its population (the row is named) or a population is not positive.

    Notes
    -----
    With counts :math:`x_i`, populations :math:`n_i` and standard weights :math:`w_i`:

    .. math::

        DSR = \\frac{\\sum_i w_i x_i / n_i}{\\sum_i w_i}, \\quad
        \\mathrm{Var}(DSR) = \\frac{\\sum_i x_i (w_i/n_i)^2}{(\\sum_i w_i)^2}

    and with :math:`O = \\sum_i x_i` and its Poisson limits :math:`O_L, O_U`
    (:func:`poisson_ci`: Byar from 10 events, exact below):

    .. math:: DSR_{L,U} = DSR + \\sqrt{\\mathrm{Var}(DSR)/O}\\,(O_{L,U} - O)

    References
    ----------
    Dobson AJ, Kuulasmaa K, Eberle E, Scherer J (1991). Confidence intervals for weighted sums
    of Poisson parameters. Stat Med 10: 457-462.
    Eurostat (2013). Revision of the European Standard Population. Report of Eurostat's task
    force. Luxembourg: Publications Office of the EU.
    Public Health England (2018). Technical Guide: Confidence intervals; PHEindicatormethods
    ``phe_dsr`` / ``calculate_dsr``.

    Examples
    --------
    >>> counts = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]
    >>> out = dsr(count=counts, population=[10_000] * 19)
    >>> round(float(out["value"].iloc[0]), 4), int(out["total_count"].iloc[0])
    (89.25, 190)
    >>> dsr(count=[0] * 18 + [9], population=[1000] * 19)["reason"].iloc[0]
    'DSR nicht berechnet: weniger als 10 Ereignisse'
    """
    standard = _standard(standard)
    by = [by] if isinstance(by, str) else list(by or [])
    _z(conf_level, "dsr")
    df = _age_table(data, count, population, age_group, by, standard)
    w = df["_band"].map(standard).to_numpy()
    df["_wr"] = w * df["_x"] / df["_n"]
    df["_sq"] = df["_x"] * (w / df["_n"]) ** 2
    df["_w"] = w
    agg = ["_x", "_n", "_wr", "_sq", "_w"]
    if by:
        g = df.groupby(by, sort=True, dropna=False)[agg].sum().reset_index()
    else:
        g = df[agg].sum().to_frame().T
    total = g["_x"].to_numpy()
    value = g["_wr"].to_numpy() / g["_w"].to_numpy()
    var = g["_sq"].to_numpy() / g["_w"].to_numpy() ** 2
    out = g[by].copy() if by else pd.DataFrame(index=range(len(g)))
    out["total_count"] = total
    out["total_pop"] = g["_n"].to_numpy()
    small = total < min_count
    out["value"] = np.where(small, np.nan, value * multiplier)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.sqrt(var / total)
        o_low, o_high = poisson_ci(total, conf_level)
        out["lower"] = np.where(small, np.nan, (value + scale * (o_low - total)) * multiplier)
        out["upper"] = np.where(small, np.nan, (value + scale * (o_high - total)) * multiplier)
    out["reason"] = np.where(small, DSR_REASON_SMALL.format(min_count=min_count), "")
    return out


# ---------------------------------------------------------------------------------------------
# Indirect standardisation
# ---------------------------------------------------------------------------------------------


def smr(observed, expected, conf_level: float = 0.95, multiplier: float = 1.0):
    """Standardised (mortality/morbidity) ratio O/E with exact (O < 10) or Byar limits.

    Parameters
    ----------
    observed, expected : array_like
        Observed and expected counts (``expected > 0``).
    conf_level : float
        Confidence level.
    multiplier : float
        1 for a ratio, 100 for the usual SMR scale.

    Returns
    -------
    (value, lower, upper) : tuple of numpy arrays

    Notes
    -----
    .. math:: SMR = m\\,O/E, \\quad (m\\,O_L/E,\\; m\\,O_U/E)

    with :math:`O_L, O_U` from :func:`poisson_ci`; for :math:`O < 10` these are the exact limits
    :math:`\\chi^2_{\\alpha/2}(2O)/2` and :math:`\\chi^2_{1-\\alpha/2}(2O+2)/2`.

    References
    ----------
    Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, Vol. II. IARC, ch. 2.
    Public Health England (2018). Technical Guide: Confidence intervals; PHEindicatormethods
    ``calculate_ISRatio``.

    Examples
    --------
    >>> v, lo, hi = smr(5, 2.5)
    >>> round(float(v), 3), round(float(lo), 4), round(float(hi), 4)
    (2.0, 0.6494, 4.6673)
    """
    observed = np.asarray(observed, dtype=float)
    expected = np.asarray(expected, dtype=float)
    check.non_negative("smr", observed, "observed")
    check.non_negative("smr", expected, "expected")
    _z(conf_level, "smr")
    low, high = poisson_ci(observed, conf_level)
    with np.errstate(invalid="ignore", divide="ignore"):
        pos = expected > 0
        value = np.where(pos, observed / expected * multiplier, np.nan)
        low = np.where(pos, low / expected * multiplier, np.nan)
        high = np.where(pos, high / expected * multiplier, np.nan)
    return value, low, high


def _reference_rates(reference, age_group, count, population):
    """Reference rates per person by band, and the reference crude rate (or NaN)."""
    if isinstance(reference, pd.DataFrame):
        check.columns("isr", reference, (age_group, count, population), "reference")
        r = reference.groupby(reference[age_group].astype(str))[[count, population]].sum()
        if (r[population] <= 0).any():
            band = r.index[(r[population] <= 0).to_numpy()][0]
            raise ValueError(f"isr(): reference column {population!r} must be greater than zero "
                             f"in every age band, got {r.at[band, population]:g} for age_group "
                             f"{band!r}")
        return r[count] / r[population], float(r[count].sum() / r[population].sum())
    rates = pd.Series(reference, dtype=float)
    rates.index = rates.index.astype(str)
    return rates, np.nan


def isr(
    data: pd.DataFrame,
    reference,
    *,
    count: str = "count",
    population: str = "population",
    age_group: str = "age_group",
    by=None,
    conf_level: float = 0.95,
    ratio_multiplier: float = 100,
    rate_multiplier: float = 100_000,
    reference_rate: float | None = None,
) -> pd.DataFrame:
    """Indirect standardisation: expected counts, SMR (ratio) and indirectly standardised rate.

    Parameters
    ----------
    data : DataFrame
        Long table: observed counts and populations by age band (and ``by`` groups).
    reference : DataFrame or Series
        Reference (e.g. Land or Bund) as a table with ``age_group``, ``count``, ``population``
        columns, or a Series of rates per person by age band.
    by : str or list of str, optional
        Group columns (one result per group, vectorised with groupby).
    conf_level : float
        Confidence level of the limits (default 0.95).
    ratio_multiplier : float
        Scale of the ratio (100: SMR with reference = 100; 1: plain ratio).
    rate_multiplier : float
        Scale of the ISR rate (per 100 000).
    reference_rate : float, optional
        Crude rate of the reference per person; derived from ``reference`` when it is a table.

    Returns
    -------
    DataFrame
        Group columns, ``observed``, ``expected``, ``smr`` with its limits ``smr_lower`` /
        ``smr_upper`` and ``isr`` (rate) with ``isr_lower`` / ``isr_upper`` (at ``conf_level``).

    Notes
    -----
    .. math::

        E = \\sum_i n_i R_i, \\quad SMR = O/E, \\quad ISR = \\frac{O}{E} \\cdot
        \\frac{\\sum_i X_i}{\\sum_i N_i}

    with reference counts :math:`X_i`, populations :math:`N_i` and rates :math:`R_i = X_i/N_i`;
    limits of O from :func:`poisson_ci` (exact below 10, Byar from 10) divided by E.

    References
    ----------
    Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, Vol. II. IARC.
    Public Health England (2018). Technical Guide: Confidence intervals; PHEindicatormethods
    ``calculate_ISRatio`` and ``calculate_ISRate``.

    Examples
    --------
    >>> d = pd.DataFrame({"age_group": ["0-4", "5-9"], "count": [3, 7],
    ...                   "population": [1000, 2000]})
    >>> ref = pd.DataFrame({"age_group": ["0-4", "5-9"], "count": [20, 30],
    ...                     "population": [10000, 20000]})
    >>> r = isr(d, ref)
    >>> float(r["expected"].iloc[0]), round(float(r["smr"].iloc[0]), 2)
    (5.0, 200.0)
    >>> round(float(r["isr"].iloc[0]), 2)
    333.33
    """
    by = [by] if isinstance(by, str) else list(by or [])
    _z(conf_level, "isr")
    rates, crude = _reference_rates(reference, age_group, count, population)
    if reference_rate is not None:
        crude = float(reference_rate)
    check.columns("isr", data, (count, population, age_group, *by))
    check.numeric("isr", data, (count, population), keys=[*by, age_group])
    bands = data[age_group].astype(str)
    unknown = sorted(set(bands) - set(rates.index))
    if unknown:
        raise ValueError(f"isr(): no reference rate for age band(s) {unknown}")
    x = pd.to_numeric(data[count]).astype(float).fillna(0.0)
    n = pd.to_numeric(data[population]).astype(float)
    keys = [*by, age_group]
    check.non_negative("isr", x, count, data, keys)
    check.non_negative("isr", n, population, data, keys)
    check.at_most("isr", x, n, (count, population), data, keys)
    df = pd.DataFrame({**{b: data[b].to_numpy() for b in by},
                       "observed": x.to_numpy(), "expected": (n * bands.map(rates)).to_numpy()})
    if by:
        g = df.groupby(by, sort=True, dropna=False)[["observed", "expected"]].sum().reset_index()
    else:
        g = df[["observed", "expected"]].sum().to_frame().T
    out = g.copy()
    v, lo, hi = smr(g["observed"], g["expected"], conf_level, ratio_multiplier)
    out["smr"] = v
    out["smr_lower"] = lo
    out["smr_upper"] = hi
    to_rate = crude * rate_multiplier / ratio_multiplier
    out["isr"] = out["smr"] * to_rate
    out["isr_lower"] = out["smr_lower"] * to_rate
    out["isr_upper"] = out["smr_upper"] * to_rate
    return out


# ---------------------------------------------------------------------------------------------
# Funnel plots
# ---------------------------------------------------------------------------------------------

#: German labels of the funnel classification.
FUNNEL_LABELS_DE = {"below": "niedriger", "within": "im Rahmen", "above": "höher"}

_STATISTICS = ("proportion", "ratio", "rate")


def _proportion_limit(p0, n, z, side):
    """Value at which the Wilson interval of a proportion just touches ``p0`` (PHE)."""
    a = n / z**2 + 1
    first = p0 * a
    adj = np.sqrt(
        (-8 * p0 * a) ** 2
        - 64 * (1 / z**2 + 1 / n) * p0 * (n * (p0 * (n / z**2 + 2) - 1) + z**2 * (p0 - 1))
    )
    last = 1 / z**2 + 1 / n
    sign = -1 if side == "low" else 1
    return np.clip((first + sign * adj / 8) / last / n, 0, 1)


def _bisect(f, lo, hi, target, iterations=100):
    """Vectorised bisection for increasing ``f``: x in [lo, hi] with f(x) = target."""
    lo = np.array(lo, dtype=float)
    hi = np.array(hi, dtype=float)
    for _ in range(iterations):
        mid = (lo + hi) / 2
        up = f(mid) < target
        lo = np.where(up, mid, lo)
        hi = np.where(up, hi, mid)
    return (lo + hi) / 2


def _poisson_limit_counts(mu, level):
    """Observed counts at which the exact Poisson interval just touches the expected ``mu``.

    Lower: :math:`O_L` with :math:`\\chi^2_{1-\\alpha/2}(2O_L+2)/2 = \\mu` (0 if none);
    upper: :math:`O_U` with :math:`\\chi^2_{\\alpha/2}(2O_U)/2 = \\mu`, treating O as continuous.
    """
    mu = np.asarray(mu, dtype=float)
    alpha = 1 - level
    upper_of = lambda o: stats.chi2.ppf(1 - alpha / 2, 2 * o + 2) / 2
    lower_of = lambda o: np.where(o > 0, stats.chi2.ppf(alpha / 2, np.maximum(2 * o, 1e-300)) / 2,
                                  0.0)
    o_low = np.where(mu > upper_of(0.0), _bisect(upper_of, 0 * mu, mu, mu), 0.0)
    o_high = _bisect(lower_of, mu, mu + 10 * np.sqrt(mu) + 20, mu)
    return o_low, o_high


def _sampling_variance(statistic, baseline, denominator):
    """Variance of the indicator under the target, per unit (normal approximation)."""
    if statistic == "proportion":
        return baseline * (1 - baseline) / denominator
    return baseline / denominator  # ratio: target/E; rate: rate/person-years


def funnel_limits(
    statistic: str,
    baseline: float,
    denominators,
    *,
    levels=(0.95, 0.998),
    multiplier: float = 1.0,
    tau2: float = 0.0,
) -> pd.DataFrame:
    """Funnel-plot control limits around ``baseline`` for given denominators.

    Parameters
    ----------
    statistic : {"proportion", "ratio", "rate"}
        ``proportion``: denominator = persons, baseline = proportion (0-1);
        ``ratio``: denominator = expected count E, baseline = target ratio (usually 1);
        ``rate``: denominator = population or person-years, baseline = events per person.
    baseline : float
        Target on the unit scale (before ``multiplier``).
    denominators : array_like
        Where to evaluate the limits (see :func:`funnel_axis` for a plotting grid).
    levels : float or sequence of float
        Control limit levels, conventionally 0.95 (2 sigma) and 0.998 (3 sigma).
    multiplier : float
        Scale of the output (100: percent or SMR = 100; 100 000: rate per 100 000).
    tau2 : float
        Additive overdispersion variance (unit scale, from :func:`overdispersion`); if > 0 the
        limits are the normal random-effects limits of Spiegelhalter (2005).

    Returns
    -------
    DataFrame
        ``denominator``, ``baseline`` and per level ``lower_<level>`` / ``upper_<level>``
        (``lower_95``, ``upper_95``, ``lower_998``, ``upper_998`` for the default levels).

    Notes
    -----
    Without overdispersion (as PHEindicatormethods ``calculate_funnel_limits``):

    * proportion: the value at which the Wilson score interval with denominator n just
      reaches the baseline :math:`p_0` (PHE's closed form, ``sigma_adjustment``);
    * ratio and rate: with :math:`\\mu = \\theta_0 E` (ratio) or :math:`\\mu = r_0 n` (rate),
      the observed count :math:`O` at which the exact Poisson interval just reaches
      :math:`\\mu`, i.e. :math:`\\chi^2_{1-\\alpha/2}(2O+2)/2 = \\mu` (lower) and
      :math:`\\chi^2_{\\alpha/2}(2O)/2 = \\mu` (upper), O treated as continuous; the limit is
      :math:`O/E` or :math:`O/n`.

    With overdispersion: :math:`\\theta_0 \\pm z\\sqrt{s^2 + \\tau^2}` with
    :math:`s^2 = p_0(1-p_0)/n`, :math:`\\theta_0/E` or :math:`r_0/n`.

    References
    ----------
    Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. Stat Med
    24: 1185-1202. Spiegelhalter DJ (2005). Handling over-dispersion of performance
    indicators. Qual Saf Health Care 14: 347-351. Public Health England, Fingertips technical
    guidance (funnel plots); PHEindicatormethods ``calculate_funnel_limits`` (``phe_funnels``).

    Examples
    --------
    >>> t = funnel_limits("ratio", 1.0, [18.39035799], multiplier=100)
    >>> round(float(t["lower_95"].iloc[0]), 4)
    54.3763
    """
    if statistic not in _STATISTICS:
        raise ValueError(f"funnel_limits(): statistic must be one of {_STATISTICS}, "
                         f"got {statistic!r}")
    levels = _levels(levels, "funnel_limits")
    d = np.asarray(denominators, dtype=float)
    check.positive("funnel_limits", d, "denominators")
    if not baseline >= 0 or (statistic == "proportion" and baseline > 1):
        raise ValueError(f"funnel_limits(): baseline {baseline!r} out of range for a {statistic}")
    out = pd.DataFrame({"denominator": d, "baseline": baseline * multiplier})
    for lv in levels:
        z = _z(lv)
        if tau2 > 0:
            sd = np.sqrt(_sampling_variance(statistic, baseline, d) + tau2)
            low, high = baseline - z * sd, baseline + z * sd
            low = np.maximum(low, 0)
            if statistic == "proportion":
                high = np.minimum(high, 1)
        elif statistic == "proportion":
            low = _proportion_limit(baseline, d, z, "low")
            high = _proportion_limit(baseline, d, z, "high")
        else:
            o_low, o_high = _poisson_limit_counts(baseline * d, lv)
            low, high = o_low / d, o_high / d
        out[f"lower_{_suffix(lv)}"] = low * multiplier
        out[f"upper_{_suffix(lv)}"] = high * multiplier
    return out


def _signif_floor(x, down=0.95):
    v = np.floor(x * down)
    if v <= 0:
        return 0.0
    k = len(str(int(v))) - 1
    return float(np.floor(x * down / 10**k) * 10**k)


def _signif_ceiling(x, up=1.05):
    v = np.ceil(x * up)
    if v <= 0:
        return 0.0
    k = len(str(int(v))) - 2
    return float(np.ceil(x * up / 10.0**k) * 10.0**k)


def funnel_axis(min_denominator: float, max_denominator: float, n_points: int = 100):
    """Grid of ``n_points`` denominators for drawing funnel limits (PHE algorithm).

    The axis runs from 0 (if max > 2 min; otherwise from min rounded down after taking 95 %)
    to max times 1.05 rounded up to two significant digits; the grid starts at
    ``max(1, axis minimum)`` and grows geometrically, rounded to integers, by at least 1.

    Notes
    -----
    .. math:: d_j = \\max\\left(\\mathrm{round}\\left((d_{max}/d_{j-1})^{1/(101-j)}
              d_{j-1}\\right),\\, d_{j-1}+1\\right)

    References
    ----------
    PHEindicatormethods ``calculate_funnel_limits`` (``signif.floor``, ``signif.ceiling``).

    Examples
    --------
    >>> g = funnel_axis(1000, 104000)
    >>> int(g[0]), [int(v) for v in g[14:17]], int(g[-1])
    (1, [16, 18, 20], 110000)
    """
    if not 0 < min_denominator <= max_denominator:
        raise ValueError("funnel_axis(): need 0 < min_denominator <= max_denominator, got "
                         f"min_denominator={min_denominator!r}, max_denominator={max_denominator!r}")
    if max_denominator > 2 * min_denominator:
        axis_min = 0.0
    else:
        axis_min = _signif_floor(min_denominator)
    axis_max = _signif_ceiling(max_denominator)
    grid = [max(1.0, axis_min)]
    for j in range(2, n_points + 1):
        prev = grid[-1]
        step = (axis_max / prev) ** (1 / (n_points + 1 - j)) * prev
        grid.append(max(float(np.floor(step + 0.5)), prev + 1))
    return np.asarray(grid)


def overdispersion(values, denominators, statistic: str, baseline: float,
                   winsor: float = 0.10) -> tuple[float, float]:
    """Overdispersion factor phi and additive random-effects variance tau^2.

    Parameters
    ----------
    values : array_like
        Indicator values on the unit scale (proportion, ratio O/E, rate per person).
    denominators : array_like
        Persons, expected counts or person-years.
    statistic : {"proportion", "ratio", "rate"}
    baseline : float
        Target on the unit scale.
    winsor : float
        Share winsorised at each end (Spiegelhalter: 10 %).

    Returns
    -------
    (phi, tau2) : tuple of float

    Notes
    -----
    :math:`z_i = (y_i - \\theta_0)/s_i`, winsorised to the 10th and 90th percentiles;
    :math:`\\hat\\phi = \\frac{1}{I}\\sum z_i^2`; with :math:`w_i = 1/s_i^2`

    .. math:: \\hat\\tau^2 = \\max\\left(0, \\frac{I\\hat\\phi - (I-1)}
              {\\sum w_i - \\sum w_i^2 / \\sum w_i}\\right)

    (DerSimonian-Laird moment estimator on winsorised z-scores).

    References
    ----------
    Spiegelhalter DJ (2005). Handling over-dispersion of performance indicators. Qual Saf
    Health Care 14: 347-351. DerSimonian R, Laird N (1986). Control Clin Trials 7: 177-188.

    Examples
    --------
    >>> phi, tau2 = overdispersion([0.1, 0.1], [100, 100], "proportion", 0.1)
    >>> phi, tau2
    (0.0, 0.0)
    """
    y = np.asarray(values, dtype=float)
    d = np.asarray(denominators, dtype=float)
    check.same_length("overdispersion", values=y, denominators=d)
    ok = np.isfinite(y) & (d > 0)
    y, d = y[ok], d[ok]
    if len(y) < 2:
        raise ValueError(f"overdispersion(): needs at least two areas with a value and a positive "
                         f"denominator, got {len(y)}")
    s2 = _sampling_variance(statistic, baseline, d)
    z = (y - baseline) / np.sqrt(s2)
    lo, hi = np.percentile(z, [100 * winsor, 100 * (1 - winsor)])
    z = np.clip(z, lo, hi)
    n_areas = len(z)
    phi = float(np.mean(z**2))
    w = 1 / s2
    if n_areas * phi > n_areas - 1:
        tau2 = (n_areas * phi - (n_areas - 1)) / (w.sum() - (w**2).sum() / w.sum())
    else:
        tau2 = 0.0
    return phi, float(tau2)


def _funnel_inputs(data, numerator, denominator, statistic, target, fn):
    if statistic not in _STATISTICS:
        raise ValueError(f"{fn}(): statistic must be one of {_STATISTICS}, got {statistic!r}")
    check.columns(fn, data, (numerator, denominator))
    check.numeric(fn, data, (numerator, denominator))
    x = pd.to_numeric(data[numerator]).astype(float).to_numpy()
    d = pd.to_numeric(data[denominator]).astype(float).to_numpy()
    check.non_negative(fn, x, numerator, data)
    check.positive(fn, d, denominator, data)
    if statistic == "proportion":
        check.at_most(fn, x, d, (numerator, denominator), data)
    if target is not None:
        baseline = float(target)
    elif statistic == "ratio":
        baseline = 1.0
    else:
        baseline = float(x.sum() / d.sum())
    return x, d, baseline


def funnel_plot_data(
    data: pd.DataFrame,
    numerator: str,
    denominator: str,
    statistic: str,
    *,
    multiplier: float = 1.0,
    target: float | None = None,
    levels=(0.95, 0.998),
    n_points: int = 100,
    adjust_overdispersion: bool = False,
) -> pd.DataFrame:
    """Control limits over a range of denominators for drawing a funnel plot.

    Parameters
    ----------
    data : DataFrame
        One row per area with ``numerator`` (events/observed) and ``denominator`` (persons,
        expected counts for ``ratio``, person-years for ``rate``).
    statistic : {"proportion", "ratio", "rate"}
    multiplier : float
        Output scale (100 = percent / SMR; 100 000 = rate per 100 000).
    target : float, optional
        Baseline on the unit scale; default sum(numerator) / sum(denominator) (ratio: 1).
    levels, n_points :
        Limit levels; number of grid points (:func:`funnel_axis`).
    adjust_overdispersion : bool
        Widen the limits by tau^2 from :func:`overdispersion` when the data are overdispersed.

    Returns
    -------
    DataFrame
        As :func:`funnel_limits`, plus ``tau2``.

    Notes
    -----
    See :func:`funnel_limits`, :func:`funnel_axis` and :func:`overdispersion`.

    References
    ----------
    PHEindicatormethods ``calculate_funnel_limits`` / ``phe_funnels``; Spiegelhalter (2005).

    Examples
    --------
    >>> d = pd.DataFrame({"x": [50, 60, 70], "n": [100, 120, 130]})
    >>> t = funnel_plot_data(d, "x", "n", "proportion", multiplier=100)
    >>> len(t), round(float(t["baseline"].iloc[0]), 3)
    (100, 51.429)
    """
    x, d, baseline = _funnel_inputs(data, numerator, denominator, statistic, target, "funnel_plot_data")
    tau2 = 0.0
    if adjust_overdispersion:
        tau2 = overdispersion(x / d, d, statistic, baseline)[1]
    grid = funnel_axis(d.min(), d.max(), n_points) if statistic != "ratio" else np.geomspace(
        max(d.min() * 0.5, 1e-3), d.max() * 1.05, n_points)
    out = funnel_limits(statistic, baseline, grid, levels=levels, multiplier=multiplier,
                        tau2=tau2)
    out["tau2"] = tau2
    return out


def funnel_significance(
    data: pd.DataFrame,
    numerator: str,
    denominator: str,
    statistic: str,
    *,
    multiplier: float = 1.0,
    target: float | None = None,
    levels=(0.95, 0.998),
    adjust_overdispersion: bool = False,
) -> pd.DataFrame:
    """Classify each area against the funnel limits at its own denominator.

    Returns
    -------
    DataFrame
        ``data`` with ``value`` (numerator / denominator * multiplier), ``baseline``, the limits
        per level (``lower_95``, ``upper_95``, ``lower_998``, ``upper_998``), ``class_95`` /
        ``class_998`` (``below``/``within``/``above``) and the German labels ``einstufung_95`` /
        ``einstufung_998`` (``niedriger``/``im Rahmen``/``höher``).

    Notes
    -----
    An area is ``above`` when its value exceeds the upper limit, ``below`` when it is under the
    lower limit. Without overdispersion this equals the PHE test (the exact Poisson or Wilson
    interval of the area excludes the baseline), with limits as in :func:`funnel_limits`.

    References
    ----------
    PHEindicatormethods ``assign_funnel_significance`` (``phe_funnel_significance``);
    Spiegelhalter (2005), Stat Med 24: 1185-1202.

    Examples
    --------
    >>> d = pd.DataFrame({"area": ["A", "B", "C", "D"],
    ...                   "x": [10232, 12321, 15123, 13213],
    ...                   "n": [15232, 16123, 17932, 18475]})
    >>> funnel_significance(d, "x", "n", "proportion")["class_998"].tolist()
    ['below', 'above', 'above', 'below']
    """
    x, d, baseline = _funnel_inputs(data, numerator, denominator, statistic, target, "funnel_significance")
    tau2 = 0.0
    if adjust_overdispersion:
        tau2 = overdispersion(x / d, d, statistic, baseline)[1]
    lim = funnel_limits(statistic, baseline, d, levels=levels, multiplier=multiplier, tau2=tau2)
    out = data.copy()
    value = x / d * multiplier
    out["value"] = value
    out["baseline"] = baseline * multiplier
    for lv in _levels(levels, "funnel_significance"):
        s = _suffix(lv)
        low, high = lim[f"lower_{s}"].to_numpy(), lim[f"upper_{s}"].to_numpy()
        out[f"lower_{s}"] = low
        out[f"upper_{s}"] = high
        cls = np.where(value < low, "below", np.where(value > high, "above", "within"))
        out[f"class_{s}"] = cls
        out[f"einstufung_{s}"] = pd.Series(cls, index=out.index).map(FUNNEL_LABELS_DE)
    return out


# ---------------------------------------------------------------------------------------------
# Spine charts
# ---------------------------------------------------------------------------------------------

#: Polarity of an indicator, the terms of the indicator catalog
#: (:data:`sozialanalyse.stats.indicators.POLARITIES`).
POLARITIES = ("higher_is_worse", "higher_is_better", "neutral")

#: German labels of the comparison with the benchmark.
COMPARISON_LABELS_DE = {
    "better": "besser", "similar": "ähnlich", "worse": "schlechter",
    "higher": "höher", "lower": "niedriger",
}


def spine_chart_data(
    data: pd.DataFrame,
    *,
    value: str = "value",
    lower: str = "lower",
    upper: str = "upper",
    area: str = "area_id",
    by=None,
    benchmark=None,
    polarity="higher_is_better",
    comparison_areas=None,
) -> pd.DataFrame:
    """Data for a spine chart: each area's value against its comparison group and benchmark.

    Parameters
    ----------
    data : DataFrame
        One row per area (and indicator/year in ``by``) with value and confidence limits.
    value, lower, upper, area : str
        Column names.
    by : str or list of str, optional
        Columns defining separate spines, e.g. ``"indicator"``.
    benchmark : float, str, Series or None
        Benchmark value: a number, a column of ``data``, a Series indexed by the ``by`` key,
        or None for the median of the comparison group.
    polarity : str, Series or dict
        ``higher_is_better``, ``higher_is_worse`` or ``neutral`` (no judgement), the terms of
        the indicator catalog; per indicator as a mapping keyed by the (single) ``by`` column.
    comparison_areas : list, optional
        Areas whose values define min/Q1/Q3/max (default: all areas in ``data``).

    Returns
    -------
    DataFrame
        ``data`` with ``benchmark``, ``min``, ``q25``, ``q75``, ``max`` of the comparison
        group, ``comparison`` (``higher``/``similar``/``lower``) and ``bewertung``
        (``besser``/``ähnlich``/``schlechter``, or ``höher``/``ähnlich``/``niedriger`` when
        the polarity is ``neutral``).

    Notes
    -----
    Quartiles are pandas linear-interpolation quantiles (Hyndman-Fan type 7). An area is
    ``higher`` when its lower confidence limit lies above the benchmark, ``lower`` when its
    upper limit lies below it, ``similar`` otherwise (Fingertips' "compared with benchmark"
    based on the confidence interval); polarity turns that into better/worse.

    References
    ----------
    Public Health England, Fingertips technical guidance: spine charts and benchmarking;
    Hyndman RJ, Fan Y (1996). Sample quantiles in statistical packages. Am Stat 50: 361-365.

    Examples
    --------
    >>> d = pd.DataFrame({"area_id": list("ABCDE"), "value": [10., 20, 30, 40, 50],
    ...                   "lower": [8., 18, 28, 38, 48], "upper": [12., 22, 32, 42, 52]})
    >>> s = spine_chart_data(d, benchmark=30, polarity="higher_is_worse")
    >>> s["bewertung"].tolist()
    ['besser', 'besser', 'ähnlich', 'schlechter', 'schlechter']
    >>> float(s["q25"].iloc[0]), float(s["q75"].iloc[0])
    (20.0, 40.0)
    """
    by = [by] if isinstance(by, str) else list(by or [])
    check.columns("spine_chart_data", data, (value, lower, upper, area, *by))
    check.numeric("spine_chart_data", data, (value, lower, upper), keys=[area, *by])
    out = data.copy()
    comp = out if comparison_areas is None else out[out[area].isin(comparison_areas)]
    if comp.empty:
        raise ValueError(f"spine_chart_data(): the comparison group is empty (comparison_areas="
                         f"{list(comparison_areas)!r} matches no {area!r} of data)")
    stats_ = {"min": "min", "q25": lambda s: s.quantile(0.25), "q75": lambda s: s.quantile(0.75),
              "max": "max", "_median": "median"}
    if by:
        g = comp.groupby(by)[value].agg(list(stats_.values()))
        g.columns = list(stats_)
        out = out.merge(g, left_on=by, right_index=True, how="left")
    else:
        for name, f in stats_.items():
            out[name] = comp[value].agg(f)
    if benchmark is None:
        out["benchmark"] = out["_median"]
    elif isinstance(benchmark, str):
        out["benchmark"] = out[benchmark]
    elif isinstance(benchmark, (pd.Series, dict)):
        if len(by) != 1:
            raise ValueError(f"spine_chart_data(): a benchmark mapping needs exactly one 'by' column, got by={by!r}")
        out["benchmark"] = out[by[0]].map(pd.Series(benchmark))
    else:
        out["benchmark"] = float(benchmark)
    out = out.drop(columns="_median")
    if isinstance(polarity, str):
        pol = pd.Series(polarity, index=out.index)
    else:
        if len(by) != 1:
            raise ValueError(f"spine_chart_data(): a polarity mapping needs exactly one 'by' column, got by={by!r}")
        pol = out[by[0]].map(pd.Series(polarity))
    bad = ~pol.isin(POLARITIES)
    if bad.any():
        pos = check.first_bad(bad)
        raise ValueError(f"spine_chart_data(): unknown polarity {pol.iloc[pos]!r} "
                         f"{check.location(out, pos, [area, *by])}; use "
                         + ", ".join(map(repr, POLARITIES)))
    lo, hi = out[lower].to_numpy(float), out[upper].to_numpy(float)
    bm = out["benchmark"].to_numpy(float)
    cmp_ = np.where(lo > bm, "higher", np.where(hi < bm, "lower", "similar"))
    cmp_ = np.where(np.isnan(lo) | np.isnan(hi) | np.isnan(bm), None, cmp_)
    out["comparison"] = cmp_
    judged = np.select(
        [pol.eq("neutral").to_numpy(), pol.eq("higher_is_better").to_numpy()],
        [cmp_, np.where(cmp_ == "higher", "better", np.where(cmp_ == "lower", "worse", cmp_))],
        np.where(cmp_ == "higher", "worse", np.where(cmp_ == "lower", "better", cmp_)),
    )
    out["bewertung"] = pd.Series(judged, index=out.index).map(COMPARISON_LABELS_DE)
    return out
