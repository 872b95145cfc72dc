"""The statistics floor: indicators with their catalog, disparity, composite indices, health
rates, life expectancy, inequality gradients (SII/RII), benchmark markers, projections, trend
tests, spatial statistics and disclosure control; sums of a
district's counts (aggregate) and what is built on them: mortality, school entry, care
projection, access to facilities.

Imports only :mod:`sozialanalyse.model`.

Vocabulary
----------
Every result of this floor names the same thing alike (``tests/test_vocabulary.py`` checks it
on Musterland):

==============================  ================================================================
column                          meaning
==============================  ================================================================
``area_id``                     area key (string: AGS, ARS, Gemeindeverband key or Sozialraum
                                id)
``name``                        the area's name, right after ``area_id`` in every per-area
                                result of a district (methods on plain frames keep the columns
                                they are given)
``level``                       level of the area tree, lower case: ``sozialraum``,
                                ``gemeinde``, ``gemeindeverband``, ``kreis``
                                (:data:`sozialanalyse.model.areas.LEVELS`)
``value``                       the statistic, in its unit
``lower``, ``upper``            the confidence interval of ``value`` at the level ``conf_level``
                                (argument, default 0.95); with the statistic's name in front
                                where a result carries several statistics (``dsr_lower``,
                                ``smr_upper``, ``isr_lower``)
``lower_95``, ``upper_998``     limits per level where a result carries several levels at once
                                (funnel limits, ``levels=(0.95, 0.998)``: ``lower_95``,
                                ``upper_95``, ``lower_998``, ``upper_998``); ``class_95``,
                                ``einstufung_998`` likewise
``notes``                       ``;``-separated caveats on a value that is shown
                                (``small_denominator``, ``below_min_level``, ...); not
                                ``flags``, which is :attr:`pandas.DataFrame.flags`
``reason``                      "" or why a value is missing (NaN): never a 0
``polarity``                    ``higher_is_worse``, ``higher_is_better`` or ``neutral``: the
                                indicator catalog's terms, also taken by
                                :func:`~sozialanalyse.stats.health.spine_chart_data`
==============================  ================================================================

Key columns of :func:`~sozialanalyse.stats.indicators.compute` (``area_id``, ``name``,
``level``, ``indicator``, ``notes``, ``reason``) are categoricals of strings, small for millions
of rows; they merge with plain string columns as they are.
"""
from .._lazy import submodules

__getattr__, __dir__, __all__ = submodules(__name__, [
    'indicators', 'disparity', 'index', 'health', 'projection', 'trend', 'spatial', 'disclosure',
    'monitoring', 'aggregate', 'mortality', 'school_entry', 'care', 'access', 'lifetable', 'gradient',
    'benchmark',
])
