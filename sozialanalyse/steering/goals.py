"""Goals with key figures (Ziel/Ist): the council's goals, their current values, the progress
assessment of Eurostat's SDG monitoring and a trend forecast to the deadline.

A district's goals are written in ``goals.yml`` beside its data (or the file the config names,
key ``goals``; ``data/README.md`` describes it, ``data/vorlage/goals.yml`` is a template). Each
goal names an indicator of the catalog (its published values come from the protected layer,
:mod:`sozialanalyse.protected.layer`) or a custom *Kennzahl* (a table ``area_id, year, value``
with its unit and polarity), the area (Kreis, Gemeinde, Sozialraum), the baseline year (and
value: taken from the data when not given), a target value or a direction, the deadline, the
responsible unit and related measures.

:func:`read` checks the file (every problem names the file, the goal, the field and the value;
``validation: strict`` stops on any problem, ``lenient`` leaves the goal out and lists it);
:func:`of` gives the goals of a district, :func:`evaluate` the progress of one goal,
:func:`assess` the assessment from plain numbers.

Progress assessment (Eurostat)
------------------------------
As in the methodological annex of Eurostat's monitoring report *Sustainable development in the
European Union* (2023 and 2024 editions), the pace of a goal is its **compound annual growth
rate** (CAGR) from the baseline year :math:`t_0` to the latest year :math:`t`:

.. math:: \\mathrm{CAGR}_a = \\left(\\frac{y_t}{y_{t_0}}\\right)^{1/(t - t_0)} - 1

* **Quantified target** :math:`x` by the deadline :math:`T`: the rate required to reach it,

  .. math:: \\mathrm{CAGR}_r = \\left(\\frac{x}{y_{t_0}}\\right)^{1/(T - t_0)} - 1,

  and the ratio :math:`R = \\mathrm{CAGR}_a / \\mathrm{CAGR}_r` (positive when the values move
  towards the target, for a target above or below the baseline alike) are classed:
  :math:`R \\ge 95\\,\\%` *deutlicher Fortschritt* (substantial progress),
  :math:`60\\,\\% \\le R < 95\\,\\%` *mäßiger Fortschritt* (moderate progress),
  :math:`0 \\le R < 60\\,\\%` *unzureichender Fortschritt* (insufficient progress),
  :math:`R < 0` *Entwicklung weg vom Ziel* (movement away from the target).
* **Direction only** (increase or decrease, no target value): the actual rate :math:`g`, signed
  so that a positive value is the desired direction, is classed: :math:`g \\ge 1\\,\\%` per year
  *deutlicher Fortschritt* (significant progress), :math:`0 \\le g < 1\\,\\%` *mäßiger
  Fortschritt* (moderate progress), :math:`g < 0` *Entwicklung weg vom Ziel* (Eurostat's
  moderate, :math:`-1\\,\\% < g < 0`, and significant, :math:`g \\le -1\\,\\%`, movement away;
  the detail is kept in :attr:`Assessment.detail`).

Additions of this project, not Eurostat's: **Ziel erreicht** when the latest value has reached
the target (at or beyond it in the goal's direction); **zu wenige Werte** when fewer than
:data:`MIN_VALUES` (3) published values lie between the baseline year and the latest year (or
the latest year is the baseline year): a growth rate from two points is not a trend, and the
forecast's prediction interval needs at least three; **nicht bewertbar** when the growth rate is
not defined (a baseline value of 0 or below, a negative latest value) or the value is
suppressed (Geheimhaltung). The ratio and the rate are rounded to 9 decimal places before they
are classed, so that a ratio of exactly 95 % computed in floating point is not classed below.

Trend forecast
--------------
An ordinary least-squares line of the published values on the year (baseline year to latest
year, :mod:`statsmodels`), extended to the deadline with its 95 % prediction interval
(``get_prediction(...).summary_frame(alpha=0.05)``, ``obs_ci_lower``/``obs_ci_upper``): where the
values would be if the linear trend of the goal's period went on, and how far single years may
scatter around it. For a count, a share or a rate the line and the band are cut at 0 (a share in
% also at 100): values outside cannot occur. It is drawn with the target; it does not enter the
assessment.

Disclosure
----------
Values of a catalog indicator are the protected layer's published values: a suppressed value is
NaN with its ``status`` and is neither shown, nor used for the rate or the forecast; a goal whose
latest or baseline value is suppressed says so. A custom Kennzahl declared a count
(``kind: count``) has its values from 1 to the threshold minus 1 suppressed (primary
suppression; a single series has no sums to protect against).

References
----------
Eurostat (2023). *Sustainable development in the European Union. Monitoring report on progress
towards the SDGs in an EU context, 2023 edition*. Luxembourg: Publications Office of the
European Union, Annex II "Methodological notes" (assessment of indicator trends, CAGR, the
thresholds of 95 %, 60 % and 0 % of the required rate, and of 1 % and 0 % per year without a
target). The 2024 edition uses the same method.

Examples
--------
>>> a = assess(10.0, 8.5, 2019, 2024, target=6.0, deadline=2030)
>>> a.status, a.label, round(a.ratio, 3)
('moderate', 'mäßiger Fortschritt', 0.705)
"""
from __future__ import annotations

import copy
import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..io.tables import read_table
from ..model.areas import LEVELS
from ..model.errors import DataError
from ..protected import layer as protected_layer

__all__ = ["DIRECTIONS", "FILE", "MIN_VALUES", "STATUS", "Assessment", "Goal", "GoalSet", "GoalsError",
           "Kennzahl", "Progress", "assess", "cagr", "classify_growth", "classify_ratio", "evaluate",
           "forecast", "input_files", "of", "progress", "read"]

#: The file name of the goals beside the data.
FILE = "goals.yml"
#: Fewest published values from the baseline year to the latest year for an assessment.
MIN_VALUES = 3
#: Thresholds of the ratio actual / required growth rate (Eurostat, quantified targets).
RATIO_SUBSTANTIAL, RATIO_MODERATE = 0.95, 0.60
#: Threshold of the actual growth rate per year (Eurostat, no quantified target).
GROWTH_SIGNIFICANT = 0.01
DIRECTIONS = ("increase", "decrease")
POLARITIES = ("higher_is_better", "higher_is_worse", "neutral")
#: What a custom Kennzahl's values are, for the disclosure audit's kinds.
KENNZAHL_KINDS = ("count", "share", "rate", "index")
#: status key -> (German label, symbol, colour). The symbol points towards the goal (up) or away
#: from it (down), not in the direction of the values.
STATUS = {
    "reached": ("Ziel erreicht", "✓", "#1b7837"),
    "substantial": ("deutlicher Fortschritt", "↑", "#5aae61"),
    "moderate": ("mäßiger Fortschritt", "↗", "#c2a5cf"),
    "insufficient": ("unzureichender Fortschritt", "→", "#f1a340"),
    "away": ("Entwicklung weg vom Ziel", "↓", "#b2182b"),
    "too_few": ("zu wenige Werte", "?", "#9e9e9e"),
    "not_assessable": ("nicht bewertbar", "–", "#9e9e9e"),
}
_FIELDS = ("id", "title", "indicator", "kennzahl", "area", "baseline_year", "baseline_value", "target",
           "direction", "deadline", "responsible", "measures", "description")
_KENNZAHL_FIELDS = ("name", "file", "unit", "polarity", "kind", "decimals")
_LEVEL_OF_KIND = {"Landkreis": "kreis", "Stadt": "gemeindeverband", "Einheitsgemeinde": "gemeindeverband",
                  "Samtgemeinde": "gemeindeverband", "Mitgliedsgemeinde": "gemeinde", "Sozialraum": "sozialraum"}
_ATTRIBUTE = "_steering_goals"
_PROGRESS_ATTRIBUTE = "_steering_progress"  #: progress() per year, kept with the district


class GoalsError(DataError):
    """The goals file cannot be used (``validation: strict``); the message lists every problem,
    each naming the file, the goal, the field and the value."""


# ------------------------------------------------------------------------------- the method
def cagr(start: float, end: float, years: float) -> float:
    """Compound annual growth rate from ``start`` to ``end`` over ``years`` years.

    Parameters
    ----------
    start, end : float
        Values at the beginning and the end; ``start`` must be above 0 and ``end`` at least 0.
    years : float
        Years between them, above 0.

    Returns
    -------
    float
        :math:`(end / start)^{1/years} - 1` (``0.05`` is 5 % per year).

    Raises
    ------
    ValueError
        ``start`` at or below 0, ``end`` below 0 (the rate is not defined), ``years`` not above 0.

    Notes
    -----
    Eurostat (2023), Annex II: :math:`\\mathrm{CAGR} = (y_t / y_{t_0})^{1/(t - t_0)} - 1`.

    Examples
    --------
    >>> round(cagr(100, 121, 2), 10)
    0.1
    >>> cagr(0, 5, 3)
    Traceback (most recent call last):
    ...
    ValueError: the growth rate is not defined for a start value of 0 (it must be above 0)
    """
    start, end, years = float(start), float(end), float(years)
    if not years > 0:
        raise ValueError(f"the growth rate needs a positive number of years, got {years:g}")
    if not start > 0:
        raise ValueError(f"the growth rate is not defined for a start value of {start:g} (it must be above 0)")
    if end < 0:
        raise ValueError(f"the growth rate is not defined for an end value of {end:g} (it must be 0 or above)")
    return (end / start) ** (1.0 / years) - 1.0


def classify_ratio(ratio: float) -> str:
    """Eurostat's class of the ratio actual / required growth rate (quantified target).

    ``>= 0.95`` ``"substantial"``, ``0.60 <= r < 0.95`` ``"moderate"``, ``0 <= r < 0.60``
    ``"insufficient"``, ``< 0`` ``"away"``; the ratio is rounded to 9 decimals first.

    >>> [classify_ratio(r) for r in (1.2, 0.95, 0.9499, 0.6, 0.0, -0.01)]
    ['substantial', 'substantial', 'moderate', 'moderate', 'insufficient', 'away']
    """
    r = round(float(ratio), 9)
    if r >= RATIO_SUBSTANTIAL:
        return "substantial"
    if r >= RATIO_MODERATE:
        return "moderate"
    if r >= 0:
        return "insufficient"
    return "away"


def classify_growth(rate: float) -> str:
    """Eurostat's class of the actual growth rate of a goal without a target value, signed so
    that a positive rate is the desired direction: ``>= 0.01`` ``"substantial"``,
    ``0 <= g < 0.01`` ``"moderate"``, ``< 0`` ``"away"``; rounded to 9 decimals first.

    >>> [classify_growth(g) for g in (0.02, 0.01, 0.0099, 0.0, -0.001)]
    ['substantial', 'substantial', 'moderate', 'moderate', 'away']
    """
    g = round(float(rate), 9)
    if g >= GROWTH_SIGNIFICANT:
        return "substantial"
    if g >= 0:
        return "moderate"
    return "away"


@dataclass(frozen=True)
class Assessment:
    """The progress of one goal (:func:`assess`).

    ``status`` is a key of :data:`STATUS` (``label`` and ``symbol`` its German word and sign);
    ``actual`` the CAGR since the baseline, ``required`` the CAGR needed to reach the target by
    the deadline (None without a target), ``ratio`` actual / required (None without a target);
    ``detail`` says how the class was reached, in German."""

    status: str
    actual: float | None = None
    required: float | None = None
    ratio: float | None = None
    detail: str = ""
    method: str = "Eurostat, SDG-Monitoring (CAGR)"

    @property
    def label(self) -> str:
        return STATUS[self.status][0]

    @property
    def symbol(self) -> str:
        return STATUS[self.status][1]


def _direction_of(baseline: float, target: float | None, direction: str | None) -> str:
    if direction is not None and direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
    if target is None:
        if direction is None:
            raise ValueError("a goal needs a target value or a direction (increase or decrease)")
        return direction
    if target == baseline:
        raise ValueError(f"the target {target:g} is the baseline value: reached at baseline, nothing to assess")
    implied = "increase" if target > baseline else "decrease"
    if direction is not None and direction != implied:
        raise ValueError(f"the target {target:g} is already reached at baseline ({baseline:g}) for a goal to "
                         f"{direction} the value")
    return implied


def assess(baseline: float, current: float, baseline_year: int, year: int, *, target: float | None = None,
           deadline: int | None = None, direction: str | None = None, n_values: int | None = None) -> Assessment:
    """Eurostat's progress assessment of one goal (see the module docstring).

    Parameters
    ----------
    baseline : float
        Value in ``baseline_year``.
    current : float
        Latest value, in ``year``.
    baseline_year, year : int
        The baseline year and the year of the latest value.
    target : float, optional
        Target value to reach by ``deadline``; without it, ``direction`` is required.
    deadline : int, optional
        Year by which the target is to be reached (required with ``target``), after the
        baseline year.
    direction : {"increase", "decrease"}, optional
        Desired direction; with a target, it must agree with the target's side of the baseline.
    n_values : int, optional
        Published values from ``baseline_year`` to ``year``; below :data:`MIN_VALUES`:
        ``"too_few"``.

    Returns
    -------
    Assessment

    Raises
    ------
    ValueError
        A deadline not after the baseline year, a target equal to the baseline value or on the
        wrong side of it for ``direction`` (reached at baseline), no target and no direction, a
        growth rate that is not defined (baseline value at or below 0, latest value below 0,
        negative target).

    Notes
    -----
    :math:`\\mathrm{CAGR}_a = (y_t/y_{t_0})^{1/(t-t_0)} - 1`,
    :math:`\\mathrm{CAGR}_r = (x/y_{t_0})^{1/(T-t_0)} - 1`, :math:`R = \\mathrm{CAGR}_a/\\mathrm{CAGR}_r`,
    classed by :func:`classify_ratio`; without a target, :math:`\\pm\\mathrm{CAGR}_a` by
    :func:`classify_growth`. A target reached (the latest value at or beyond it) is
    ``"reached"``.

    References
    ----------
    Eurostat (2023), *Sustainable development in the European Union*, Annex II.

    Examples
    --------
    Reduce 10 % (2019) to 6 % by 2030, 8,5 % in 2024: actual −3,20 % a year, required −4,54 %,
    ratio 70 %:

    >>> a = assess(10.0, 8.5, 2019, 2024, target=6.0, deadline=2030)
    >>> round(a.actual, 4), round(a.required, 4), a.status
    (-0.032, -0.0454, 'moderate')
    >>> assess(50, 52, 2020, 2024, direction="increase").label
    'mäßiger Fortschritt'
    >>> assess(50, 60, 2020, 2024, target=58, deadline=2030).status
    'reached'
    """
    baseline, current = float(baseline), float(current)
    target = None if target is None else float(target)
    if target is not None:
        if deadline is None:
            raise ValueError("a target value needs a deadline")
        if int(deadline) <= int(baseline_year):
            raise ValueError(f"the deadline {int(deadline)} is not after the baseline year {int(baseline_year)}")
        if target < 0:
            raise ValueError(f"the growth rate is not defined for a negative target ({target:g})")
    way = _direction_of(baseline, target, direction)
    if not baseline > 0:
        raise ValueError(f"the growth rate is not defined for a baseline value of {baseline:g} (it must be above 0)")
    if current < 0:
        raise ValueError(f"the growth rate is not defined for a latest value of {current:g} (it must be 0 or above)")
    if target is not None and (current >= target if way == "increase" else current <= target):
        actual = cagr(baseline, current, year - baseline_year) if year > baseline_year else None
        return Assessment("reached", actual=actual, detail="Der letzte Wert hat den Zielwert erreicht.")
    if year <= baseline_year or (n_values is not None and n_values < MIN_VALUES):
        return Assessment("too_few", detail=f"Weniger als {MIN_VALUES} Werte seit dem Basisjahr.")
    actual = cagr(baseline, current, year - baseline_year)
    if target is None:
        g = actual if way == "increase" else -actual
        status = classify_growth(g)
        strength = "deutlich" if round(g, 9) <= -GROWTH_SIGNIFICANT else "leicht"
        detail = (f"Jährliche Veränderung {_pct(actual)} in der gewünschten Richtung" if status != "away" else
                  f"Jährliche Veränderung {_pct(actual)}, {strength} gegen die gewünschte Richtung")
        return Assessment(status, actual=actual, detail=detail + " (Schwellen: 1 % und 0 % pro Jahr).")
    required = cagr(baseline, target, int(deadline) - baseline_year)
    ratio = actual / required
    status = classify_ratio(ratio)
    return Assessment(status, actual=actual, required=required, ratio=ratio,
                      detail=f"Tatsächliche jährliche Veränderung {_pct(actual)}, nötig {_pct(required)}: "
                             f"{_pct(ratio, scale=100, decimals=0)} des nötigen Tempos "
                             "(Schwellen: 95 %, 60 % und 0 %).")


def _pct(x: float, scale: float = 100, decimals: int = 1) -> str:
    """German percentage with a true minus (the floor below the pages formats itself)."""
    v = round(float(x) * scale, decimals)
    text = f"{abs(v):,.{decimals}f}".replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    return ("\u2212" if v < 0 else "") + text + " %"


def forecast(years, values, until: int, alpha: float = 0.05) -> pd.DataFrame:
    """Linear trend of ``values`` on ``years`` (OLS, statsmodels), extended to ``until``.

    Parameters
    ----------
    years, values : sequences of numbers
        The observed points (NaN values are left out); at least 3 are needed.
    until : int
        Last year of the forecast.
    alpha : float
        1 − level of the prediction interval (0.05: 95 %).

    Returns
    -------
    DataFrame
        ``year, value, lower, upper`` for every year from the first observed one to ``until``:
        the fitted line and the prediction interval of a single year's value
        (``obs_ci_lower``/``obs_ci_upper`` of ``summary_frame``). Empty with fewer than 3 points.

    Notes
    -----
    :math:`\\hat y = a + b\\,t`; the prediction interval is
    :math:`\\hat y_0 \\pm t_{n-2,1-\\alpha/2}\\, s\\sqrt{1 + 1/n + (t_0-\\bar t)^2/\\sum(t-\\bar t)^2}`.

    Examples
    --------
    >>> f = forecast([2020, 2021, 2022], [10.0, 11.0, 12.0], 2024)
    >>> f["value"].round(6).tolist()
    [10.0, 11.0, 12.0, 13.0, 14.0]
    """
    import statsmodels.api as sm  # statsmodels: heavy, loaded on first forecast

    t = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    keep = np.isfinite(t) & np.isfinite(y)
    t, y = t[keep], y[keep]
    if len(t) < MIN_VALUES:
        return pd.DataFrame({"year": pd.Series(dtype=int), "value": pd.Series(dtype=float),
                             "lower": pd.Series(dtype=float), "upper": pd.Series(dtype=float)})
    fit = sm.OLS(y, sm.add_constant(t)).fit()
    grid = np.arange(int(t.min()), int(until) + 1, dtype=float)
    frame = fit.get_prediction(sm.add_constant(grid, has_constant="add")).summary_frame(alpha=alpha)
    return pd.DataFrame({"year": grid.astype(int), "value": frame["mean"].to_numpy(),
                         "lower": frame["obs_ci_lower"].to_numpy(), "upper": frame["obs_ci_upper"].to_numpy()})


# ------------------------------------------------------------------------------- the input
@dataclass(frozen=True)
class Kennzahl:
    """A custom key figure of a goal: its name, the table of values (``area_id, year, value``,
    optionally ``lower, upper``), unit, polarity, what its values are (``kind``) and decimals."""

    name: str
    file: Path
    unit: str = ""
    polarity: str = "neutral"
    kind: str = "index"
    decimals: int = 1


@dataclass(frozen=True)
class Goal:
    """One goal of ``goals.yml`` (the fields are documented in ``data/README.md``)."""

    id: str
    title: str
    area_id: str
    baseline_year: int
    deadline: int
    responsible: str
    indicator: str | None = None
    kennzahl: Kennzahl | None = None
    baseline_value: float | None = None
    target: float | None = None
    direction: str | None = None
    measures: tuple[str, ...] = ()
    description: str = ""


@dataclass
class GoalSet:
    """The goals of a district: ``goals`` (those that passed the checks), ``problems`` (one line
    per problem: file, goal, field, value; the goals they concern are left out), ``file`` (None:
    the district has no goals file)."""

    goals: list[Goal] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    file: Path | None = None
    values: dict = field(default_factory=dict, repr=False)  #: Kennzahl file -> its checked values

    def __iter__(self):
        return iter(self.goals)

    def __len__(self) -> int:
        return len(self.goals)

    def get(self, goal_id: str) -> Goal:
        for g in self.goals:
            if g.id == goal_id:
                return g
        raise KeyError(f"no goal {goal_id!r} (goals: {', '.join(g.id for g in self.goals)})")


def _closest(name: str, valid) -> str:
    hit = difflib.get_close_matches(str(name), list(valid), n=1)
    return f"; did you mean {hit[0]!r}?" if hit else ""


def _number(v) -> float | None:
    """A number written in YAML (int or float, not a boolean, finite); None otherwise."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return float(v) if math.isfinite(float(v)) else None


def _year(v) -> int | None:
    return int(v) if isinstance(v, int) and not isinstance(v, bool) and 1990 <= v <= 2100 else None


def goals_file(district) -> Path | None:
    """The goals file of ``district``: the config's ``goals`` key, else ``goals.yml`` in the
    data folder when it exists, else None."""
    cfg = getattr(district, "config", None)
    named = getattr(cfg, "goals", None)
    if named is not None:
        return Path(named)
    folder = getattr(district, "folder", None)
    if folder is not None and (Path(folder) / FILE).is_file():
        return Path(folder) / FILE
    return None


def input_files(district) -> list[Path]:
    """The files the goals of ``district`` are read from: the goals file and the tables of its
    Kennzahlen (empty without a goals file); for the build's cache keys."""
    gs = of(district)
    if gs.file is None:
        return []
    return [gs.file, *sorted({g.kennzahl.file for g in gs.goals if g.kennzahl is not None})]


def of(district) -> GoalSet:
    """The goals of ``district`` (:func:`goals_file`; read once and kept with the district), in
    the config's validation mode. A district without a goals file has an empty set."""
    hit = getattr(district, _ATTRIBUTE, None)
    if isinstance(hit, GoalSet):
        return hit
    path = goals_file(district)
    mode = getattr(getattr(district, "config", None), "validation", "strict")
    result = read(path, district, mode=mode) if path is not None else GoalSet()
    object.__setattr__(district, _ATTRIBUTE, result)
    return result


def read(path: str | Path, district, mode: str = "strict") -> GoalSet:
    """Read and check a goals file against ``district`` (areas, catalog, data years).

    Parameters
    ----------
    path : str or Path
        The YAML file (``goals.yml``).
    district : District
        The district the goals are about.
    mode : {"strict", "lenient"}
        ``strict``: any problem raises :class:`GoalsError` listing all of them; ``lenient``: the
        goals with a problem are left out and the problems listed in :attr:`GoalSet.problems`.

    Returns
    -------
    GoalSet

    Notes
    -----
    Checked: the YAML syntax; a list ``goals`` of mappings; unknown fields (with the closest
    valid one); ``id`` (text of letters, digits, ``-``, ``_``, ``.``; unique), ``title`` and
    ``responsible`` (text); exactly one of ``indicator`` (an id of the catalog, published at the
    area's level) and ``kennzahl``; ``area`` (a key of ``areas.csv``, written in quotes);
    ``baseline_year`` and ``deadline`` (years, the deadline after the baseline year);
    ``baseline_value`` (a number above 0, optional); ``target`` (a number, 0 or above) and/or
    ``direction`` (increase, decrease), a target not already reached at baseline; ``measures``
    (a list of text). A Kennzahl's table: columns ``area_id, year, value`` (``lower, upper``
    optional), every row's key in ``areas.csv``, years, numbers, no year twice for an area, the
    goal's area and baseline year present.
    """
    path = Path(path)
    where = path.name
    problems: list[str] = []
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GoalsError(f"{path}: goals file missing") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise GoalsError(f"{where}: cannot be read as YAML ({exc})".replace("\n", " ")) from None
    if raw is None:
        raw = {"goals": []}
    if isinstance(raw, dict) and set(raw) - {"goals"}:
        extra = sorted(set(raw) - {"goals"}, key=str)
        problems.append(f"{where}: unknown key {extra[0]!r} at the top{_closest(extra[0], ['goals'])} "
                        "(the file holds one list 'goals')")
    items = raw.get("goals") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise GoalsError(f"{where}: expected a list 'goals' of goals (goals: [- id: ..., title: ...]), "
                         f"got {type(items).__name__ if isinstance(raw, dict) else type(raw).__name__}")
    areas = district.areas.set_index(district.areas["area_id"].astype(str))
    from ..stats.indicators import district_catalog, load_catalog

    catalog = load_catalog(district_catalog(district))
    years = set(int(y) for y in district.years)
    report_year = int(district.report_year)
    seen: set[str] = set()
    out = GoalSet(file=path)
    for pos, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(f"{where}: goal {pos}: expected a mapping of fields (id: ..., title: ...), "
                            f"got {item!r}")
            continue
        gid = item.get("id")
        label = f"{where}: goal {gid!r}" if isinstance(gid, str) and gid else f"{where}: goal {pos}"
        own: list[str] = []

        def bad(name, message, _own=own, _label=label):
            _own.append(f"{_label}: {name}: {message}")

        for k in item:
            if k not in _FIELDS:
                bad(k, f"unknown field{_closest(k, _FIELDS)}")
        if not isinstance(gid, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", gid or ""):
            bad("id", f"{gid!r} is not an id (letters, digits, '-', '_', '.'; written as text)")
        elif gid in seen:
            bad("id", f"{gid!r} given twice")
        else:
            seen.add(gid)
        for name in ("title", "responsible"):
            v = item.get(name)
            if not isinstance(v, str) or not v.strip():
                bad(name, "missing" if v is None else f"expected text, got {v!r}")
        # the area
        area = item.get("area")
        area_ok = False
        if area is None:
            bad("area", "missing (the area key of the Kreis, a Gemeinde or a Sozialraum, in quotes)")
        elif not isinstance(area, str):
            bad("area", f"{area!r} is not written as text (write it in quotes: '{area}')")
        elif area not in areas.index:
            bad("area", f"unknown area {area!r} (not in areas.csv){_closest(area, areas.index)}")
        else:
            area_ok = True
        level = _LEVEL_OF_KIND.get(str(areas.loc[area, "kind"])) if area_ok else None
        # indicator or kennzahl
        ind, kz = item.get("indicator"), item.get("kennzahl")
        kennzahl = None
        if (ind is None) == (kz is None):
            bad("indicator", "give exactly one of 'indicator' (an id of the catalog) and 'kennzahl' (own values)")
        elif ind is not None:
            if not isinstance(ind, str) or ind not in catalog:
                bad("indicator", f"unknown indicator {ind!r}{_closest(ind, catalog)}")
            elif level is not None:
                lowest = str(catalog[ind].get("min_level") or "sozialraum")
                if lowest in LEVELS and LEVELS.index(level) > LEVELS.index(lowest):
                    bad("indicator", f"{ind!r} is not published below the level {lowest!r} (area {area!r} is a "
                                     f"{areas.loc[area, 'kind']})")
        else:
            kennzahl = _kennzahl(kz, path, bad)
        # years
        by, dl = item.get("baseline_year"), item.get("deadline")
        by_ok, dl_ok = _year(by), _year(dl)
        if by_ok is None:
            bad("baseline_year", "missing" if by is None else f"{by!r} is not a year (1990 to 2100)")
        elif ind is not None and by_ok not in years:
            bad("baseline_year", f"{by_ok} is not a year of the data ({min(years)}–{max(years)})")
        elif by_ok > report_year:
            bad("baseline_year", f"{by_ok} is after the report year {report_year}")
        if dl_ok is None:
            bad("deadline", "missing" if dl is None else f"{dl!r} is not a year (1990 to 2100)")
        elif by_ok is not None and dl_ok <= by_ok:
            bad("deadline", f"{dl_ok} is {'the' if dl_ok == by_ok else 'before the'} baseline year {by_ok}")
        # values
        bv = item.get("baseline_value")
        bv_ok = _number(bv)
        if bv is not None and bv_ok is None:
            bad("baseline_value", f"{bv!r} is not a number")
        elif bv_ok is not None and bv_ok <= 0:
            bad("baseline_value", f"{bv_ok:g} is not above 0 (the growth rate of the assessment divides by it)")
        tg, dr = item.get("target"), item.get("direction")
        tg_ok = _number(tg)
        if tg is not None and tg_ok is None:
            bad("target", f"{tg!r} is not a number")
        elif tg_ok is not None and tg_ok < 0:
            bad("target", f"{tg_ok:g} is below 0")
        if dr is not None and dr not in DIRECTIONS:
            bad("direction", f"{dr!r} is not one of {', '.join(DIRECTIONS)}{_closest(dr, DIRECTIONS)}")
        if tg is None and dr is None:
            bad("target", "give a target value or a direction (increase or decrease)")
        ms = item.get("measures", [])
        if ms is None:
            ms = []
        if isinstance(ms, str):
            ms = [ms]
        if not isinstance(ms, list) or not all(isinstance(m, str | int) and not isinstance(m, bool) for m in ms):
            bad("measures", f"expected a list of measure ids, got {ms!r}")
            ms = []
        desc = item.get("description", "")
        if desc is not None and not isinstance(desc, str):
            bad("description", f"expected text, got {desc!r}")
        if own:
            problems.extend(own)
            continue
        goal = Goal(id=gid, title=item["title"].strip(), area_id=area, baseline_year=by_ok, deadline=dl_ok,
                    responsible=item["responsible"].strip(), indicator=ind, kennzahl=kennzahl,
                    baseline_value=bv_ok, target=tg_ok, direction=dr, measures=tuple(str(m) for m in ms),
                    description=(desc or "").strip())
        # the values: a Kennzahl's table, the baseline from the data, the target's side
        if kennzahl is not None:
            vals = out.values.get(kennzahl.file)
            if vals is None:
                vals = _kennzahl_values(kennzahl, areas, report_year, own, label)
                out.values[kennzahl.file] = vals
            if own:
                problems.extend(own)
                continue
            if not (vals["area_id"] == area).any():
                bad("kennzahl", f"{kennzahl.file.name} holds no values for the area {area!r}")
            elif bv_ok is None and not ((vals["area_id"] == area) & (vals["year"] == by_ok)).any():
                bad("baseline_year", f"{kennzahl.file.name} holds no value of {area!r} in {by_ok} "
                                     "(give baseline_value or a row for that year)")
        if not own and tg_ok is not None:
            base = bv_ok if bv_ok is not None else _baseline_from_data(district, goal, out)
            if base is not None and not (isinstance(base, float) and math.isnan(base)):
                try:
                    _direction_of(base, tg_ok, dr)
                except ValueError:
                    said = f" for a goal to {dr}" if dr else ""
                    bad("target", f"{tg_ok:g} is already reached at baseline ({_plain(base)} in {by_ok}){said}")
        if own:
            problems.extend(own)
            continue
        out.goals.append(goal)
    if problems and mode == "strict":
        raise GoalsError(f"{path}: {len(problems)} problem(s) in the goals (set 'validation: lenient' to build "
                         "without the goals concerned):\n" + "\n".join(f"  {p}" for p in problems))
    out.problems = problems
    return out


def _plain(v: float) -> str:
    return f"{v:.6g}"


def _kennzahl(kz, path: Path, bad) -> Kennzahl | None:
    if not isinstance(kz, dict):
        bad("kennzahl", f"expected a mapping (name, file, unit, polarity), got {kz!r}")
        return None
    ok = True
    for k in kz:
        if k not in _KENNZAHL_FIELDS:
            bad(f"kennzahl.{k}", f"unknown field{_closest(k, _KENNZAHL_FIELDS)}")
            ok = False
    name, file = kz.get("name"), kz.get("file")
    if not isinstance(name, str) or not name.strip():
        bad("kennzahl.name", "missing" if name is None else f"expected text, got {name!r}")
        ok = False
    target = None
    if not isinstance(file, str) or not file.strip():
        bad("kennzahl.file", "missing" if file is None else f"expected a file name, got {file!r}")
        ok = False
    else:
        target = (path.parent / file).resolve()
        if not target.is_file():
            bad("kennzahl.file", f"file {file!r} missing (looked for {target})")
            ok = False
    unit = kz.get("unit", "")
    if unit is not None and not isinstance(unit, str):
        bad("kennzahl.unit", f"expected text, got {unit!r}")
        ok = False
    pol = kz.get("polarity", "neutral")
    if pol not in POLARITIES:
        bad("kennzahl.polarity", f"{pol!r} is not one of {', '.join(POLARITIES)}{_closest(pol, POLARITIES)}")
        ok = False
    kind = kz.get("kind", "index")
    if kind not in KENNZAHL_KINDS:
        bad("kennzahl.kind", f"{kind!r} is not one of {', '.join(KENNZAHL_KINDS)}{_closest(kind, KENNZAHL_KINDS)}")
        ok = False
    dec = kz.get("decimals", 0 if kind == "count" else 1)
    if isinstance(dec, bool) or not isinstance(dec, int) or not 0 <= dec <= 4:
        bad("kennzahl.decimals", f"{dec!r} is not a whole number from 0 to 4")
        ok = False
    if not ok:
        return None
    return Kennzahl(name=name.strip(), file=target, unit=unit or "", polarity=pol, kind=kind, decimals=dec)


_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _kennzahl_values(k: Kennzahl, areas: pd.DataFrame, report_year: int, problems: list[str],
                     label: str) -> pd.DataFrame:
    """The checked rows of a Kennzahl's table (``area_id, year, value, lower, upper``)."""
    name = k.file.name
    empty = pd.DataFrame({"area_id": pd.Series(dtype=object), "year": pd.Series(dtype=int),
                          "value": pd.Series(dtype=float), "lower": pd.Series(dtype=float),
                          "upper": pd.Series(dtype=float)})
    try:
        t = read_table(k.file)
    except DataError as exc:
        problems.append(f"{label}: kennzahl.file: {exc}")
        return empty
    for b in t.bad:
        problems.append(f"{name}, row {b.line}: {b.message}")
    df = t.df
    missing = [c for c in ("area_id", "year", "value") if c not in df.columns]
    if missing:
        problems.append(f"{name}: missing column {missing[0]!r} (columns: area_id, year, value; lower, upper "
                        f"optional; found: {', '.join(map(str, df.columns))})")
        return empty
    extra = [c for c in df.columns if c not in ("area_id", "year", "value", "lower", "upper")]
    if extra:
        problems.append(f"{name}: unknown column {extra[0]!r}"
                        f"{_closest(extra[0], ['area_id', 'year', 'value', 'lower', 'upper'])}")
        return empty
    rows = []
    seen = set()
    for i, r in enumerate(df.itertuples(index=False)):
        line = t.lines[i]
        rec = r._asdict()
        a, y = rec.get("area_id"), rec.get("year")
        row_ok = True
        if not isinstance(a, str) or a not in areas.index:
            problems.append(f"{name}, row {line}: area_id: unknown area {a!r} (not in areas.csv)")
            row_ok = False
        if not isinstance(y, str) or not re.fullmatch(r"[0-9]{4}", y.strip()) or not 1990 <= int(y) <= report_year:
            problems.append(f"{name}, row {line}: year: {y!r} is not a year from 1990 to {report_year}")
            row_ok = False
        vals = {}
        for col in ("value", "lower", "upper"):
            v = rec.get(col)
            if col != "value" and (v is None or (isinstance(v, float) and math.isnan(v))):
                vals[col] = np.nan
                continue
            if not isinstance(v, str) or not _NUMBER.fullmatch(v.strip()):
                problems.append(f"{name}, row {line}: {col}: {v!r} is not a number (digits, '.' as the decimal "
                                "point, no thousands separator)")
                row_ok = False
            else:
                vals[col] = float(v)
        if row_ok and (a, int(y)) in seen:
            problems.append(f"{name}, row {line}: area {a!r}, year {int(y)} given twice")
            row_ok = False
        if row_ok and k.kind == "count" and (vals["value"] < 0 or vals["value"] != round(vals["value"])):
            problems.append(f"{name}, row {line}: value: {rec['value']!r} is not a count (a whole number, 0 or above)")
            row_ok = False
        if row_ok:
            seen.add((a, int(y)))
            rows.append({"area_id": a, "year": int(y), **vals})
    return pd.DataFrame(rows) if rows else empty


# ------------------------------------------------------------------------------- the values
def _level_of(district, area_id: str) -> str:
    kind = str(district.areas.loc[district.areas["area_id"].astype(str) == area_id, "kind"].iloc[0])
    return _LEVEL_OF_KIND[kind]


def series(district, goal: Goal, goals: GoalSet | None = None) -> pd.DataFrame:
    """The published values of a goal's key figure in its area, every year up to the report
    year: ``year, value, lower, upper, status`` (``value`` NaN where suppressed or missing;
    ``status`` ``""``, ``"primary"`` or ``"secondary"``)."""
    report_year = int(district.report_year)
    if goal.indicator is not None:
        L = protected_layer.of(district)
        res = L.indicators([goal.indicator], level=_level_of(district, goal.area_id))
        res = res[res["area_id"].astype(str) == goal.area_id]
        out = pd.DataFrame({"year": res["year"].astype(int).to_numpy(),
                            "value": res["value"].to_numpy(dtype=float),
                            "lower": res["lower"].to_numpy(dtype=float),
                            "upper": res["upper"].to_numpy(dtype=float),
                            "status": res["status"].astype(str).to_numpy(dtype=object)})
    else:
        goals = goals if goals is not None else of(district)
        vals = goals.values.get(goal.kennzahl.file)
        if vals is None:
            vals = _kennzahl_values(goal.kennzahl, district.areas.set_index(district.areas["area_id"].astype(str)),
                                    report_year, [], goal.id)
        v = vals[vals["area_id"] == goal.area_id]
        out = pd.DataFrame({"year": v["year"].astype(int).to_numpy(), "value": v["value"].to_numpy(dtype=float),
                            "lower": v["lower"].to_numpy(dtype=float), "upper": v["upper"].to_numpy(dtype=float),
                            "status": ""})
        if goal.kennzahl.kind == "count":
            threshold = protected_layer.settings(district).threshold
            small = (out["value"] >= 1) & (out["value"] < threshold)
            out.loc[small, "status"] = "primary"
            out.loc[small, ["value", "lower", "upper"]] = np.nan
    out = out[out["year"] <= report_year].sort_values("year").reset_index(drop=True)
    return out


def _baseline_from_data(district, goal: Goal, goals: GoalSet | None = None) -> float | None:
    s = series(district, goal, goals)
    hit = s[s["year"] == goal.baseline_year]
    return float(hit["value"].iloc[0]) if len(hit) else None


@dataclass
class Progress:
    """Where one goal stands (:func:`evaluate`).

    ``history``: the published values (``year, value, lower, upper, status``); ``baseline``
    the baseline value (``baseline_source``: ``"goals.yml"`` or ``"Daten"``); ``year``,
    ``value``, ``lower``, ``upper``, ``status`` the latest year with a value (or the report year
    with its suppressed status); ``assessment`` the Eurostat assessment; ``forecast`` the trend to
    the deadline (``year, value, lower, upper``; empty without enough values); ``note`` a German
    sentence when the goal cannot be assessed."""

    goal: Goal
    name: str
    level: str
    unit: str
    decimals: int
    kind: str
    history: pd.DataFrame
    baseline: float | None
    baseline_source: str
    year: int | None
    value: float | None
    lower: float | None
    upper: float | None
    status: str
    assessment: Assessment
    forecast: pd.DataFrame
    note: str = ""
    n_values: int = 0
    figure: str = ""  #: the key figure's German name
    target_direction: str = ""  #: "increase" / "decrease" (from the target or the direction)


_KIND_OF_CATALOG = {"proportion": "share", "rate": "rate", "ratio": "rate", "mean": "index", "saldo": "index"}


def evaluate(district, goal: Goal, year: int | None = None, goals: GoalSet | None = None) -> Progress:
    """The progress of ``goal`` in ``year``: published values, baseline, latest value, Eurostat
    assessment and trend forecast (see the module docstring).

    Parameters
    ----------
    district : District
    goal : Goal
        A goal of :func:`of` (or :func:`read`).
    year : int, optional
        The year of the report (default: the district's report year); the latest value is that
        year's, else the latest year before it with a published value.
    goals : GoalSet, optional
        The set ``goal`` comes from (its Kennzahl tables); default :func:`of`.

    Returns
    -------
    Progress

    Notes
    -----
    The assessment is :func:`assess` of the baseline and the latest value, with ``n_values`` the
    published values from the baseline year to the latest year (the baseline counted once); a
    suppressed latest or baseline value, or a growth rate that is not defined, gives
    ``"not_assessable"`` with a German ``note``. The forecast is :func:`forecast` of the same
    values to the deadline (none once the deadline has passed).

    Examples
    --------
    >>> import sozialanalyse as sa
    >>> d = sa.load("musterland")
    >>> p = evaluate(d, of(d).get("Z3"))
    >>> p.name, p.year, p.assessment.label
    ('Hohenfeld', 2024, 'deutlicher Fortschritt')
    """
    year = int(year or district.report_year)
    names = dict(zip(district.areas["area_id"].astype(str), district.areas["name"].astype(str)))
    if goal.indicator is not None:
        from ..stats.indicators import district_catalog, load_catalog

        e = load_catalog(district_catalog(district))[goal.indicator]
        unit, decimals, kind, fig = str(e["unit"]), 1, _KIND_OF_CATALOG.get(str(e["kind"]), "index"), str(e["name"])
        if unit == "%":
            decimals = 1
    else:
        k = goal.kennzahl
        unit, decimals, kind, fig = k.unit, k.decimals, k.kind, k.name
    hist = series(district, goal, goals)
    hist = hist[hist["year"] <= year].reset_index(drop=True)
    # the baseline
    if goal.baseline_value is not None:
        baseline, source = goal.baseline_value, "goals.yml"
        base_status = ""
    else:
        hit = hist[hist["year"] == goal.baseline_year]
        baseline = float(hit["value"].iloc[0]) if len(hit) and pd.notna(hit["value"].iloc[0]) else None
        base_status = str(hit["status"].iloc[0]) if len(hit) else ""
        source = "Daten"
    # the latest value: the report year, else the latest year before it with a value
    at = hist[hist["year"] == year]
    if len(at) and at["status"].iloc[0]:
        cur = at.iloc[0]
    else:
        have = hist[hist["value"].notna()]
        cur = have.iloc[-1] if len(have) else None
    cur_year = int(cur["year"]) if cur is not None else None
    cur_value = float(cur["value"]) if cur is not None and pd.notna(cur["value"]) else None
    cur_status = str(cur["status"]) if cur is not None else ""
    period = hist[(hist["year"] >= goal.baseline_year) & (hist["year"] <= (cur_year or year))]
    n_values = int(period["value"].notna().sum()) + (1 if goal.baseline_value is not None and not (
        (period["year"] == goal.baseline_year) & period["value"].notna()).any() else 0)
    way = goal.direction
    note = ""
    if baseline is not None and goal.target is not None:
        way = way or ("increase" if goal.target > baseline else "decrease")
    if cur_status:
        assessment, note = Assessment("not_assessable"), (
            f"Der Wert {cur_year} ist gesperrt (Geheimhaltung kleiner Fallzahlen); das Ziel wird nicht bewertet.")
    elif baseline is None:
        assessment = Assessment("not_assessable")
        note = (f"Der Ausgangswert {goal.baseline_year} ist gesperrt (Geheimhaltung kleiner Fallzahlen); das Ziel "
                "wird nicht bewertet." if base_status else f"Für das Basisjahr {goal.baseline_year} liegt kein Wert vor.")
    elif cur_value is None:
        assessment, note = Assessment("not_assessable"), "Es liegt kein aktueller Wert vor."
    else:
        try:
            assessment = assess(baseline, cur_value, goal.baseline_year, cur_year, target=goal.target,
                                deadline=goal.deadline, direction=goal.direction, n_values=n_values)
        except ValueError as exc:
            assessment = Assessment("not_assessable")
            note = ("Die jährliche Wachstumsrate ist für einen Ausgangswert von 0 oder weniger nicht definiert; "
                    "das Ziel wird nicht bewertet." if "baseline value" in str(exc) else
                    f"Das Ziel kann nicht bewertet werden ({exc}).")
    if assessment.status == "too_few" and not note:
        note = (f"Seit dem Basisjahr {goal.baseline_year} liegen {n_values} veröffentlichte Werte vor; für eine "
                f"Bewertung sind mindestens {MIN_VALUES} nötig.")
    fit_years = period.loc[period["value"].notna(), "year"].tolist()
    fit_values = period.loc[period["value"].notna(), "value"].tolist()
    if goal.baseline_value is not None and goal.baseline_year not in fit_years:
        fit_years, fit_values = [goal.baseline_year, *fit_years], [goal.baseline_value, *fit_values]
    fc = forecast(fit_years, fit_values, goal.deadline) if goal.deadline > (cur_year or year) else forecast([], [], 0)
    if kind in ("count", "share", "rate") and len(fc):  # a count, share or rate is never below 0 (a share
        cols = ["value", "lower", "upper"]              # in % never above 100): the band is cut there
        fc[cols] = fc[cols].clip(lower=0.0, upper=100.0 if (kind == "share" and unit == "%") else None)
    p = Progress(goal=goal, name=names.get(goal.area_id, goal.area_id), level=_level_of(district, goal.area_id),
                 unit=unit, decimals=decimals, kind=kind, history=hist, baseline=baseline, baseline_source=source,
                 year=cur_year, value=cur_value,
                 lower=float(cur["lower"]) if cur is not None and pd.notna(cur["lower"]) else None,
                 upper=float(cur["upper"]) if cur is not None and pd.notna(cur["upper"]) else None,
                 status=cur_status, assessment=assessment, forecast=fc, note=note, n_values=n_values,
                 figure=fig, target_direction=way or "")
    return p


def progress(district, year: int | None = None) -> list[Progress]:
    """:func:`evaluate` for every goal of ``district`` (:func:`of`), in the file's order.

    Computed once per district and year and kept with the district, as the goal set is (the
    pages of a notebook ask for it in several cells, and a build's fork server computes it once
    for all the kernels it forks); every call gets copies, so a caller that changes a
    :class:`Progress` or its tables changes nothing another caller sees."""
    goals = of(district)
    key = int(year or district.report_year)  # as evaluate() reads the year: None is the report year
    kept = getattr(district, _PROGRESS_ATTRIBUTE, None)
    if not isinstance(kept, dict) or kept.get("goals") is not goals:
        kept = {"goals": goals, "years": {}}
        object.__setattr__(district, _PROGRESS_ATTRIBUTE, kept)
    hit = kept["years"].get(key)
    if hit is None:
        hit = kept["years"][key] = [evaluate(district, g, year, goals) for g in goals]
    return copy.deepcopy(hit)
