"""Published figures of the Sozialraum projects' annual reports: participants by group, reach
and costs per participant, masked by the disclosure control.

Floor: protected. The reports are read and checked by :mod:`sozialanalyse.steering.projects`
(a floor above); the functions here take its frames and return *published* numbers: a value
is NaN where it is suppressed, with ``status`` "" / "primary" / "secondary" beside it.

* :func:`participants`: a project's participants of a year are counts of people by group; the
  groups are a partition, so their sum, the total (group ``"insgesamt"``), is a cell too. All
  cells of all projects and years are protected in one call of
  :func:`sozialanalyse.stats.disclosure.protect` with the partition as the additive constraint
  (total = sum of its groups, within each project and year): a group from 1 to ``threshold - 1``
  is suppressed (primary), and so is one more cell of its project and year (secondary: the
  smallest other non-zero group, else the total), so that the total minus the visible groups
  does not give it back.
* :func:`key_figures`: per project and year the total participants (published), the population
  of the project's area (the protected layer's ``einwohner``, :mod:`.layer`), the reach
  :math:`100 \\cdot N / P` and the costs per participant :math:`K / N`. A reach or a cost per
  participant is computed from published counts only, and withheld (status of its input) where
  the total or the population is suppressed: with the published costs, ``K / (K/N)`` would give
  the suppressed total back, and so would the reach with the published population.

The settings (threshold, mode) are the report's (:func:`.layer.settings`); in the modes
``round`` and ``cellkey`` every cell is rounded or perturbed on its own and the derived figures
are computed from those published counts.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats import disclosure
from . import layer as _layer

__all__ = ["TOTAL", "cost_per_participant", "key_figures", "participants", "reach"]

#: The group of a project's total.
TOTAL = disclosure.TOTAL
POPULATION = {"variable": "einwohner"}


def reach(participants, population):
    """Reach of a project: participants per 100 inhabitants of its area, in per cent.

    .. math:: R = 100 \\cdot N / P

    NaN where either is missing or the population is 0 (never a 0 for an unknown value).

    Examples
    --------
    >>> reach([120, 40, np.nan], [2400, 0, 1000]).tolist()
    [5.0, nan, nan]
    """
    n = np.asarray(participants, dtype=float)
    p = np.asarray(population, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, 100.0 * n / p, np.nan)


def cost_per_participant(cost, participants):
    """Costs per participant in euros, :math:`K / N`; NaN where either is missing or N is 0.

    Examples
    --------
    >>> cost_per_participant([36000, 5000, np.nan], [120, 0, 10]).tolist()
    [300.0, nan, nan]
    """
    k = np.asarray(cost, dtype=float)
    n = np.asarray(participants, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, k / n, np.nan)


def participants(config, counts: pd.DataFrame) -> pd.DataFrame:
    """Participants by group and their total, protected: ``project``, ``year``, ``group`` (the
    groups in their order, then :data:`TOTAL`), ``value`` (published: NaN where suppressed),
    ``status``.

    Parameters
    ----------
    config
        A district, a report config or its ``disclosure`` block (the threshold and mode).
    counts
        ``project``, ``year``, ``group``, ``value``: the raw counts
        (:attr:`sozialanalyse.steering.projects.ProjectReports.participants`).

    Notes
    -----
    The total is :math:`N = \\sum_g n_g` over the groups of a project and year; the constraint
    ``N = sum of the groups`` is what the secondary suppression protects against.

    Examples
    --------
    A planted small group (2 Senioren): suppressed, and the smallest other group with it:

    >>> c = pd.DataFrame({"project": "P", "year": 2024, "group": ["Kinder", "Eltern", "Senioren"],
    ...                   "value": [40, 12, 2]})
    >>> participants({"disclosure": {"threshold": 3}}, c)[["group", "value", "status"]].values.tolist()
    [['Kinder', 40.0, ''], ['Eltern', nan, 'secondary'], ['Senioren', nan, 'primary'], ['insgesamt', 54.0, '']]
    """
    cols = ["project", "year", "group", "value", "status"]
    if counts.empty:
        return pd.DataFrame(columns=cols)
    c = counts[["project", "year", "group", "value"]].copy()
    c["year"] = c["year"].astype(int)
    totals = c.groupby(["project", "year"], sort=False, as_index=False)["value"].sum()
    totals["group"] = TOTAL
    table = pd.concat([c, totals[["project", "year", "group", "value"]]], ignore_index=True)
    table["order"] = np.arange(len(table))
    table = table.sort_values(["project", "year", "order"], kind="stable").drop(columns="order")
    settings = _layer.settings(config)
    p = disclosure.protect(table.reset_index(drop=True), additive=["group"], config=settings)
    problems = p.check()
    if problems:  # the heuristic guarantees this; a failure must stop the page, not leak
        raise RuntimeError("participants: protection incomplete: " + "; ".join(problems))
    out = p.table.drop(columns="value").rename(columns={"published": "value"})
    return out[cols].reset_index(drop=True)


def key_figures(district, reports: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Per project and year: ``project``, ``year``, ``area_id``, ``name``, ``participants``
    (the published total) and ``participants_status``, ``population`` and
    ``population_status`` (the protected layer's Einwohner of the area in that year),
    ``reach`` with ``reach_status``, ``cost_eur`` (published as reported: money, no count of
    people), ``cost_per_participant`` with ``cost_status``, ``hours``, ``staff_fte``.

    ``published`` is the result of :func:`participants`. A derived figure whose input is
    suppressed is NaN with the input's status (the stronger of the two: primary before
    secondary); NaN with status "" means an input is missing (no population row, no costs).
    """
    cols = ["project", "year", "area_id", "name", "participants", "participants_status", "population",
            "population_status", "reach", "reach_status", "cost_eur", "cost_per_participant", "cost_status",
            "hours", "staff_fte"]
    if reports.empty:
        return pd.DataFrame(columns=cols)
    tot = published[published["group"] == TOTAL].set_index(["project", "year"])
    L = _layer.of(district)
    ids = sorted(set(reports["area_id"].astype(str)))
    years = sorted({int(y) for y in reports["year"]} & set(int(y) for y in district.years))
    pop = L.counts(POPULATION, area_ids=ids, years=years) if years else pd.DataFrame(
        columns=["area_id", "name", "year", "value", "status"])
    pop = pop.set_index(["area_id", "year"])
    names = dict(zip(district.areas["area_id"].astype(str), district.areas["name"]))
    rows = []
    for _, r in reports.iterrows():
        k = (r["project"], int(r["year"]))
        n, n_st = (tot.loc[k, "value"], tot.loc[k, "status"]) if k in tot.index else (np.nan, "")
        pk = (str(r["area_id"]), int(r["year"]))
        p, p_st = (pop.loc[pk, "value"], pop.loc[pk, "status"]) if pk in pop.index else (np.nan, "")
        p_st = p_st if isinstance(p_st, str) else ""
        r_st = str(disclosure.rate_status([n_st], [p_st])[0])
        rows.append({
            "project": r["project"], "year": int(r["year"]), "area_id": str(r["area_id"]),
            "name": names.get(str(r["area_id"]), str(r["area_id"])),
            "participants": n, "participants_status": n_st, "population": p, "population_status": p_st,
            "reach": np.nan if r_st else float(reach([n], [p])[0]), "reach_status": r_st,
            "cost_eur": r["cost_eur"],
            "cost_per_participant": np.nan if n_st else float(cost_per_participant([r["cost_eur"]], [n])[0]),
            "cost_status": n_st, "hours": r["hours"], "staff_fte": r["staff_fte"],
        })
    return pd.DataFrame(rows, columns=cols)
