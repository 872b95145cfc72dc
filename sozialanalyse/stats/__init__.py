"""The statistics floor: indicators with their catalog, disparity, composite indices, health
rates, projections, trend tests, spatial statistics and disclosure control; sums of a
district's counts (aggregate) and what is built on them: mortality, school entry, care
projection, access to facilities.

Imports only :mod:`sozialanalyse.model`.
"""
import importlib


__all__ = ['indicators', 'disparity', 'index', 'health', 'projection', 'trend', 'spatial', 'disclosure',
           'monitoring', 'aggregate', 'mortality', 'school_entry', 'care', 'access']


def __getattr__(name: str):
    # submodules load on first use: ``import sozialanalyse`` stays fast
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
