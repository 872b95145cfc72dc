"""Is an indicator rising or falling? Trend tests over years with generalised linear models.

A proportion (numerator of denominator) is modelled as binomial with a logit link, a rate as
Poisson with the log denominator as offset, each with ``year`` as the only regressor (statsmodels
GLM). Rates of small areas wobble from year to year by more than binomial or Poisson chance
(people move, a Jobcenter changes its practice, one family is many cases): the test therefore
estimates that extra variation from the data (quasi-likelihood, Pearson χ² / df) and widens the
standard error by it, so that a label says "rising" only where the rise stands out against the
wobble actually observed. The slope gives the average annual change (odds ratio or rate ratio per
year) with its p-value; the result also states the fitted change in the indicator's own unit
between the first and last year, which is what a report sentence needs.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats  # already loaded through indicators -> health

from . import _checks as check
from . import indicators

__all__ = ["trend", "TREND_LABELS", "TREND_COLUMNS"]

#: German labels for the trend direction at the chosen significance level.
TREND_LABELS = {"up": "steigend", "down": "fallend", "none": "kein signifikanter Trend",
                "untested": "nicht prüfbar (nur zwei Jahre)"}

#: Columns of :func:`trend`'s result, in order.
TREND_COLUMNS = ["area_id", "indicator", "first_year", "last_year", "ratio_per_year", "p_value",
                 "fitted_first", "fitted_last", "direction", "label", "slope", "std_error",
                 "dispersion", "df_resid", "method"]

_PLAIN = {"proportion": "binomial", "rate": "poisson"}
_QUASI = {"proportion": "quasibinomial", "rate": "quasipoisson"}


def _fit(years: np.ndarray, x: np.ndarray, n: np.ndarray, kind: str):
    import statsmodels.api as sm  # statsmodels: heavy, loaded on the first trend test
    from statsmodels.tools.sm_exceptions import (
        PerfectSeparationWarning,  # statsmodels: heavy, loaded on the first trend test
    )

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


def _slope_test(fit, kind: str, overdispersion: bool) -> dict:
    """Standard error, p-value, dispersion and method of the slope (see :func:`trend`, Notes)."""
    b1 = float(fit.params[1])
    se1 = float(fit.bse[1])  # plain model: dispersion 1
    df = int(round(fit.df_resid))
    x2 = float(fit.pearson_chi2)
    if overdispersion and df == 0:
        # Two years: the fit is saturated and leaves nothing to estimate the year-to-year
        # variation from, so no test is made (the plain model would call any change of a
        # large count significant).
        return {"std_error": np.nan, "p_value": np.nan, "dispersion": np.nan, "df_resid": df,
                "method": _PLAIN[kind]}
    phi = x2 / df if overdispersion and df > 0 else 1.0
    if phi > 1:  # extra variation: quasi-likelihood, t with the residual df (R's summary.glm)
        se = se1 * np.sqrt(phi)
        p = float(2 * stats.t.sf(abs(b1 / se), df))
        return {"std_error": se, "p_value": p, "dispersion": phi, "df_resid": df, "method": _QUASI[kind]}
    p = float(2 * stats.norm.sf(abs(b1 / se1)))  # no extra variation: the plain model, Wald z
    return {"std_error": se1, "p_value": p, "dispersion": 1.0, "df_resid": df, "method": _PLAIN[kind]}


def trend(result: pd.DataFrame, catalog=None, alpha: float = 0.05, overdispersion: bool = True) -> pd.DataFrame:
    """Trend test per area and indicator for an ``indicators.compute`` result over several years.

    Parameters
    ----------
    result : DataFrame
        Output of :func:`sozialanalyse.stats.indicators.compute` (columns ``area_id, indicator, year,
        numerator, denominator``) covering at least two years.
    catalog : optional
        Indicator catalog (to know each indicator's kind and multiplier); default: the shipped one.
    alpha : float
        Significance level of the two-sided test of the slope.
    overdispersion : bool
        True (default): estimate extra variation from the data (see Notes). False: the plain
        binomial / Poisson model with dispersion 1 and a Wald z test, also for two years (only
        for comparison: it calls year-to-year wobble of large counts significant).

    Returns
    -------
    DataFrame
        Columns :data:`TREND_COLUMNS`: ``area_id, indicator, first_year, last_year,
        ratio_per_year, p_value, fitted_first, fitted_last, direction, label, slope, std_error,
        dispersion, df_resid, method``. ``ratio_per_year`` is the odds ratio (proportions) or
        rate ratio (rates) per year, ``slope`` its logarithm with ``std_error``; ``dispersion``
        is the scale the standard error was widened by (1: none; NaN: not estimable);
        ``df_resid`` the residual degrees of freedom (years − 2); ``method`` is
        ``"quasibinomial"`` / ``"quasipoisson"`` (dispersion estimated, > 1) or ``"binomial"`` /
        ``"poisson"`` (dispersion 1). ``direction`` is ``up``, ``down``, ``none`` or
        ``untested`` (two years: ``p_value`` NaN), ``label`` its German label
        (:data:`TREND_LABELS`). Indicators of kind ``mean`` or ``saldo`` and areas with fewer
        than two years or no events are left out.

    Notes
    -----
    Binomial GLM: :math:`\\operatorname{logit} p_t = \\beta_0 + \\beta_1 (t - t_0)`; Poisson GLM:
    :math:`\\log E[x_t] = \\log n_t + \\beta_0 + \\beta_1 (t - t_0)`. The ratio per year is
    :math:`e^{\\beta_1}`. With two years the binomial fit is saturated and
    :math:`\\beta_1 = \\operatorname{logit} p_1 - \\operatorname{logit} p_0` exactly.

    Overdispersion (quasi-likelihood): with :math:`m` years and :math:`m - 2` residual degrees
    of freedom the dispersion is estimated by Pearson's statistic,
    :math:`\\hat\\phi = X^2 / (m - 2)`, :math:`X^2 = \\sum_t (x_t - \\hat\\mu_t)^2 / V(\\hat\\mu_t)`
    (:math:`V = n p (1 - p)` resp. :math:`\\mu`). The estimates stay those of the plain model.
    If :math:`\\hat\\phi > 1` (more variation than binomial or Poisson chance) the standard error
    of :math:`\\beta_1` is multiplied by :math:`\\sqrt{\\hat\\phi}` and the statistic
    :math:`\\hat\\beta_1 / \\mathrm{se}` is referred to Student's t with :math:`m - 2` degrees of
    freedom, as R's ``summary.glm`` does for ``family = quasibinomial`` / ``quasipoisson``.
    Otherwise (:math:`\\hat\\phi \\le 1`) the plain model with :math:`\\phi = 1` and a Wald z
    test is used: the test is never narrower than the plain model, i.e.
    :math:`\\phi = \\max(1, X^2 / (m - 2))`. With two years (:math:`m - 2 = 0`) the dispersion
    cannot be estimated and no test is made (``direction = "untested"``).

    References
    ----------
    McCullagh P, Nelder JA (1989). Generalized Linear Models, 2nd ed. Chapman & Hall,
    sections 4.5 (overdispersion) and 9 (quasi-likelihood).
    Wedderburn RWM (1974). Quasi-likelihood functions, generalized linear models, and the
    Gauss-Newton method. Biometrika 61(3): 439-447.

    Examples
    --------
    >>> res = pd.DataFrame({"area_id": "A", "indicator": "sgb2_quote", "year": range(2018, 2024),
    ...                     "numerator": [120, 95, 140, 110, 160, 150],
    ...                     "denominator": [1000, 1010, 990, 1005, 1000, 995]})
    >>> t = trend(res).iloc[0]
    >>> t["method"], round(float(t["dispersion"]), 4), round(float(t["p_value"]), 4)  # R: glm(quasibinomial)
    ('quasibinomial', 4.0728, 0.1488)
    >>> round(float(trend(res, overdispersion=False)["p_value"].iloc[0]), 5)  # binomial chance only
    0.00031
    """
    check.columns("trend", result, ["area_id", "indicator", "year", "numerator", "denominator"],
                  "result")
    check.numeric("trend", result, ["numerator", "denominator"], "result")
    check.non_negative("trend", result["numerator"], "numerator", result)
    check.non_negative("trend", result["denominator"], "denominator", result)
    if not 0 < alpha < 1:
        raise ValueError(f"trend(): alpha must lie between 0 and 1 (e.g. 0.05), got {alpha!r}")
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
        model = "proportion" if kind == "proportion" else "rate"
        fit = _fit(years, x, n, model)
        b0, b1 = (float(v) for v in fit.params)
        test = _slope_test(fit, model, overdispersion)
        p = test["p_value"]
        mult = float(spec.get("multiplier", 100 if kind == "proportion" else 1000))
        t_last = years.max() - years.min()
        if kind == "proportion":
            first, last = (mult / (1 + np.exp(-(b0 + b1 * t))) for t in (0.0, t_last))
        else:
            first, last = (mult * np.exp(b0 + b1 * t) for t in (0.0, t_last))
        if np.isnan(p):
            direction = "untested"
        else:
            direction = "none" if p >= alpha else ("up" if b1 > 0 else "down")
        rows.append({"area_id": area, "indicator": ind, "first_year": int(years.min()),
                     "last_year": int(years.max()), "ratio_per_year": float(np.exp(b1)), "p_value": p,
                     "fitted_first": float(first), "fitted_last": float(last), "direction": direction,
                     "label": TREND_LABELS[direction], "slope": b1, **{k: test[k] for k in
                     ("std_error", "dispersion", "df_resid", "method")}})
    return pd.DataFrame(rows, columns=TREND_COLUMNS)
