"""Is an indicator rising or falling? Trend tests over years with generalised linear models.

A proportion (numerator of denominator) is modelled as binomial with a logit link, a rate as
Poisson with the log denominator as offset, each with ``year`` as the only regressor (statsmodels
GLM). The slope gives the average annual change (odds ratio or rate ratio per year) with its
Wald p-value; the result also states the fitted change in the indicator's own unit between the
first and last year, which is what a report sentence needs.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["trend", "TREND_LABELS"]

#: German labels for the trend direction at the chosen significance level.
TREND_LABELS = {"up": "steigend", "down": "fallend", "none": "kein signifikanter Trend"}


def _fit(years: np.ndarray, x: np.ndarray, n: np.ndarray, kind: str):
    import warnings

    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    exog = sm.add_constant(years - years.min())
    if kind == "proportion":
        endog = np.column_stack([x, n - x])
        model = sm.GLM(endog, exog, family=sm.families.Binomial())
    else:
        model = sm.GLM(x, exog, family=sm.families.Poisson(), offset=np.log(n))
    with warnings.catch_warnings():
        # Two years make the model saturated (a perfect fit): statsmodels warns, the Wald test
        # of the slope is still the usual one (see the test's hand calculation).
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        return model.fit()


def trend(result: pd.DataFrame, catalog=None, alpha: float = 0.05) -> pd.DataFrame:
    """Trend test per area and indicator for an ``indicators.compute`` result over several years.

    Parameters
    ----------
    result : DataFrame
        Output of :func:`sozialanalyse.indicators.compute` (columns ``area_id, indicator, year,
        numerator, denominator``) covering at least two years.
    catalog : optional
        Indicator catalog (to know each indicator's kind and multiplier); default: the shipped one.
    alpha : float
        Significance level of the two-sided Wald test of the slope.

    Returns
    -------
    DataFrame
        ``area_id, indicator, first_year, last_year, ratio_per_year, p_value, fitted_first,
        fitted_last, direction, label``; ``ratio_per_year`` is the odds ratio (proportions) or rate
        ratio (rates) per year. Indicators of kind ``mean`` or ``saldo`` and areas with fewer
        than two years or no events are left out.

    Notes
    -----
    Binomial GLM: :math:`\\operatorname{logit} p_t = \\beta_0 + \\beta_1 (t - t_0)`; Poisson GLM:
    :math:`\\log E[x_t] = \\log n_t + \\beta_0 + \\beta_1 (t - t_0)`. The ratio per year is
    :math:`e^{\\beta_1}`. With two years the binomial fit is saturated and
    :math:`\\beta_1 = \\operatorname{logit} p_1 - \\operatorname{logit} p_0` exactly.

    References
    ----------
    McCullagh P, Nelder JA (1989). Generalized Linear Models, 2nd ed. Chapman & Hall.

    Examples
    --------
    >>> res = pd.DataFrame({"area_id": ["A", "A"], "indicator": ["sgb2_quote"] * 2,
    ...                     "year": [2023, 2024], "numerator": [10, 20], "denominator": [100, 100]})
    >>> t = trend(res)
    >>> round(float(t["ratio_per_year"].iloc[0]), 4)  # (20/80) / (10/90) = 2.25
    2.25
    """
    from . import indicators

    cat = indicators.load_catalog() if catalog is None else catalog
    rows = []
    for (area, ind), g in result.groupby(["area_id", "indicator"], observed=True, sort=True):
        spec = cat.get(str(ind), {})
        kind = spec.get("kind", "proportion")
        if kind not in ("proportion", "rate", "ratio"):
            continue
        g = g.dropna(subset=["numerator", "denominator"])
        g = g[g["denominator"] > 0].sort_values("year")
        if g["year"].nunique() < 2 or g["numerator"].sum() == 0:
            continue
        years = g["year"].to_numpy(dtype=float)
        x, n = g["numerator"].to_numpy(dtype=float), g["denominator"].to_numpy(dtype=float)
        fit = _fit(years, x, n, "proportion" if kind == "proportion" else "rate")
        b0, b1 = fit.params
        p = float(fit.pvalues[1])
        mult = float(spec.get("multiplier", 100 if kind == "proportion" else 1000))
        t_last = years.max() - years.min()
        if kind == "proportion":
            first, last = (mult / (1 + np.exp(-(b0 + b1 * t))) for t in (0.0, t_last))
        else:
            first, last = (mult * np.exp(b0 + b1 * t) for t in (0.0, t_last))
        direction = "none" if p >= alpha else ("up" if b1 > 0 else "down")
        rows.append({"area_id": area, "indicator": ind, "first_year": int(years.min()),
                     "last_year": int(years.max()), "ratio_per_year": float(np.exp(b1)), "p_value": p,
                     "fitted_first": float(first), "fitted_last": float(last), "direction": direction,
                     "label": TREND_LABELS[direction]})
    return pd.DataFrame(rows, columns=["area_id", "indicator", "first_year", "last_year", "ratio_per_year",
                                       "p_value", "fitted_first", "fitted_last", "direction", "label"])
