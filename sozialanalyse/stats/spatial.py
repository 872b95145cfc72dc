"""Spatial autocorrelation of an indicator over areas: global Moran's I and local clusters.

Thin, tidy wrappers around :mod:`esda` and :mod:`libpysal`: contiguity weights from the
polygons (Queen by default, row-standardised), permutation inference with a fixed seed,
empirical-Bayes standardised rates for counts, and German cluster labels for reports.
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import _checks as check

__all__ = [
    "CLUSTER_LABELS",
    "NOT_SIGNIFICANT",
    "contiguity_weights",
    "MoranResult",
    "moran",
    "lisa",
]

#: esda's quadrant codes (``geoda_quads=False``) and their German labels.
CLUSTER_LABELS = {1: "Hoch-Hoch", 2: "Niedrig-Hoch", 3: "Niedrig-Niedrig", 4: "Hoch-Niedrig"}
#: Label of areas without a significant local association.
NOT_SIGNIFICANT = "nicht signifikant"
_CATEGORIES = ["Hoch-Hoch", "Niedrig-Niedrig", "Hoch-Niedrig", "Niedrig-Hoch", NOT_SIGNIFICANT]


def contiguity_weights(gdf, kind: str = "queen", ids=None):
    """Row-standardised contiguity weights of polygons.

    Parameters
    ----------
    gdf : GeoDataFrame
        Polygons, one row per area.
    kind : {"queen", "rook"}
        Queen: common edge or corner; Rook: common edge.
    ids : str, optional
        Column with area ids (default: the positional order of ``gdf``).

    Returns
    -------
    libpysal.weights.W
        Row-standardised (``transform="r"``). Areas without neighbours (islands) keep a zero
        row; a warning names them.

    Notes
    -----
    :math:`w_{ij} = c_{ij} / \\sum_j c_{ij}` with :math:`c_{ij} = 1` for contiguous areas.

    References
    ----------
    Rey SJ, Anselin L (2007). PySAL: A Python Library of Spatial Analytical Methods. Review of
    Regional Studies 37(1): 5-27.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame(geometry=[box(i, 0, i + 1, 1) for i in range(3)])
    >>> w = contiguity_weights(g)
    >>> w.neighbors[1], w.weights[1]
    ([0, 2], [0.5, 0.5])
    """
    from libpysal import weights  # libpysal: heavy, loaded on first spatial statistic

    cls = {"queen": weights.Queen, "rook": weights.Rook}[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = cls.from_dataframe(gdf, ids=ids, use_index=False if ids is None else None)
    if w.islands:
        warnings.warn(f"areas without neighbours (islands): {w.islands}", UserWarning,
                      stacklevel=2)
    w.transform = "r"
    return w


@contextmanager
def _seeded(seed):
    """Seed numpy's global generator (used by esda's global Moran) and restore it after."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def _inputs(gdf, column, population, w, kind, fn):
    check.columns(fn, gdf, [column] + ([] if population is None else [population]), "gdf")
    check.numeric(fn, gdf, [column] + ([] if population is None else [population]), "gdf")
    if w is not None and getattr(w, "n", len(gdf)) != len(gdf):
        raise ValueError(f"{fn}(): w has {w.n} areas, gdf has {len(gdf)}")
    if w is None:
        w = contiguity_weights(gdf, kind)
    else:
        w.transform = "r"
    y = np.asarray(gdf[column], dtype=float)
    b = None if population is None else np.asarray(gdf[population], dtype=float)
    for name, v in ((column, y), (population, b)):
        pos = None if v is None else check.first_bad(np.isnan(v))
        if pos is not None:
            raise ValueError(f"{fn}(): column {name!r} has a missing value "
                             f"{check.location(gdf, pos)}; drop those areas (and rebuild the "
                             "weights) first")
    if b is not None:
        pos = check.first_bad(b <= 0)
        if pos is not None:
            raise ValueError(f"{fn}(): column {population!r} must be positive for empirical-Bayes "
                             f"rates, got {check.show(b[pos])} {check.location(gdf, pos)}")
    return y, b, w


@dataclass
class MoranResult:
    """Global Moran's I with permutation and normal-approximation inference.

    Attributes
    ----------
    I : float
        Moran's I.
    expected : float
        Expectation under no autocorrelation, :math:`-1/(n-1)`.
    p_sim : float
        Pseudo p-value from the permutations (one-sided, ``(extreme + 1) / (perm + 1)``).
    z_norm, p_norm : float
        z-value and two-sided p-value under the normality assumption.
    permutations : int
    rate : bool
        True if the empirical-Bayes rate was analysed.
    esda : object
        The underlying :class:`esda.Moran` or :class:`esda.Moran_Rate` object.
    """

    I: float  # noqa: E741
    expected: float
    p_sim: float
    z_norm: float
    p_norm: float
    permutations: int
    rate: bool
    esda: object

    def to_series(self) -> pd.Series:
        """The figures as one Series (for tables)."""
        return pd.Series({"I": self.I, "expected": self.expected, "p_sim": self.p_sim,
                          "z_norm": self.z_norm, "p_norm": self.p_norm,
                          "permutations": self.permutations, "rate": self.rate})


def moran(gdf, column: str, *, population: str | None = None, w=None, kind: str = "queen",
          permutations: int = 999, seed: int = 12345) -> MoranResult:
    """Global Moran's I of an indicator over polygons.

    Parameters
    ----------
    gdf : GeoDataFrame or DataFrame
        One row per area; a DataFrame suffices when ``w`` is given.
    column : str
        The indicator; with ``population`` the event counts.
    population : str, optional
        Column with the population at risk: then the empirical-Bayes standardised rate
        ``column / population`` is analysed (:class:`esda.Moran_Rate`, ``adjusted=True``).
    w : libpysal.weights.W, optional
        Spatial weights (row-standardised here); default: contiguity of ``gdf.geometry``.
    kind : {"queen", "rook"}
        Contiguity when ``w`` is not given.
    permutations : int
        Random permutations for the pseudo p-value.
    seed : int
        Seed for the permutations (numpy's global generator is restored afterwards).

    Returns
    -------
    MoranResult

    Notes
    -----
    With :math:`z_i = y_i - \\bar y` and :math:`S_0 = \\sum_{ij} w_{ij}`:

    .. math:: I = \\frac{n}{S_0} \\frac{\\sum_i \\sum_j w_{ij} z_i z_j}{\\sum_i z_i^2}

    For rates the values are the empirical-Bayes standardised rates of Assunção & Reis.

    References
    ----------
    Moran PAP (1950). Notes on continuous stochastic phenomena. Biometrika 37: 17-23.
    Assunção RM, Reis EA (1999). A new proposal to adjust Moran's I for population density.
    Statistics in Medicine 18: 2147-2162.

    Examples
    --------
    >>> import pandas as pd
    >>> from libpysal.weights import lat2W
    >>> w = lat2W(4, 4, rook=True)
    >>> df = pd.DataFrame({"y": [(i + j) % 2 for i in range(4) for j in range(4)]})
    >>> round(moran(df, "y", w=w).I, 6)  # checkerboard, rook neighbours
    -1.0
    """
    import esda  # esda: pysal, heavy, loaded on first spatial statistic

    y, b, w = _inputs(gdf, column, population, w, kind, "moran")
    with _seeded(seed), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if b is None:
            m = esda.Moran(y, w, transformation="r", permutations=permutations)
        else:
            m = esda.Moran_Rate(y, b, w, adjusted=True, transformation="r",
                                permutations=permutations)
    return MoranResult(float(m.I), float(m.EI), float(getattr(m, "p_sim", np.nan)),
                       float(m.z_norm), float(m.p_norm), permutations, b is not None, m)


def lisa(gdf, column: str, *, population: str | None = None, w=None, kind: str = "queen",
         permutations: int = 999, seed: int = 12345, alpha: float = 0.05) -> pd.DataFrame:
    """Local Moran's I (LISA) clusters with permutation p-values and German labels.

    Parameters
    ----------
    gdf : GeoDataFrame or DataFrame
        One row per area; a DataFrame suffices when ``w`` is given.
    column : str
        The indicator; with ``population`` the event counts.
    population : str, optional
        Population at risk: analyse the empirical-Bayes standardised rate
        (:class:`esda.Moran_Local_Rate`).
    w : libpysal.weights.W, optional
        Spatial weights; default: contiguity of ``gdf.geometry``.
    kind : {"queen", "rook"}
        Contiguity when ``w`` is not given.
    permutations : int
        Conditional random permutations per area.
    seed : int
        Seed of the permutations (reproducible p-values).
    alpha : float
        Significance level for the cluster label.

    Returns
    -------
    DataFrame
        Index of ``gdf``; columns ``value`` (the analysed value), ``Ii``, ``quadrant``
        (esda code 1-4), ``p_sim``, ``z_sim`` and ``cluster``: ``"Hoch-Hoch"``,
        ``"Niedrig-Niedrig"``, ``"Hoch-Niedrig"``, ``"Niedrig-Hoch"`` or
        ``"nicht signifikant"`` (``p_sim > alpha``).

    Notes
    -----
    .. math:: I_i = \\frac{z_i}{m_2} \\sum_j w_{ij} z_j, \\quad m_2 = \\sum_i z_i^2 / (n - 1)

    (esda's scaling, so that :math:`\\sum_i I_i = (n - 1) I` for row-standardised weights).

    Quadrant from the signs of :math:`z_i` and the spatial lag :math:`\\sum_j w_{ij} z_j`
    ("Hoch-Niedrig": high value among low neighbours). No correction for multiple testing
    is applied; consider a smaller ``alpha`` (e.g. 0.01) or the False Discovery Rate. The
    pseudo p-value is esda's one-sided ("directed") conditional-permutation p-value.

    References
    ----------
    Anselin L (1995). Local indicators of spatial association – LISA. Geographical Analysis
    27(2): 93-115.

    Examples
    --------
    >>> import pandas as pd
    >>> from libpysal.weights import lat2W
    >>> y = [j + 0.1 * i for i in range(8) for j in range(8)]  # 8 x 8, rising to the east
    >>> out = lisa(pd.DataFrame({"y": y}), "y", w=lat2W(8, 8), permutations=199)
    >>> out["cluster"].iloc[[8, 15]].tolist()  # west and east edge of the second row
    ['Niedrig-Niedrig', 'Hoch-Hoch']
    """
    import esda  # esda: pysal, heavy, loaded on first spatial statistic

    y, b, w = _inputs(gdf, column, population, w, kind, "lisa")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # esda: future default alternative
        if b is None:
            m = esda.Moran_Local(y, w, transformation="r", permutations=permutations,
                                 seed=seed, keep_simulations=False)
            value = y
        else:
            m = esda.Moran_Local_Rate(y, b, w, adjusted=True, transformation="r",
                                      permutations=permutations, seed=seed,
                                      keep_simulations=False)
            value = np.asarray(m.y, dtype=float).ravel()
    q = np.asarray(m.q).astype(int)
    p = np.asarray(m.p_sim, dtype=float)
    label = np.where(p <= alpha, pd.Series(q).map(CLUSTER_LABELS).to_numpy(), NOT_SIGNIFICANT)
    return pd.DataFrame({
        "value": value,
        "Ii": np.asarray(m.Is, dtype=float),
        "quadrant": q,
        "p_sim": p,
        "z_sim": np.asarray(m.z_sim, dtype=float),
        "cluster": pd.Categorical(label, categories=_CATEGORIES),
    }, index=gdf.index)
