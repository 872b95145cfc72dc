"""The model floor: areas and their hierarchy, completeness of the input grid, the report config
(:mod:`.config`: every key typed and documented) and the errors of the input side.

Imports nothing else of the package.
"""
import importlib


__all__ = ['areas', 'completeness', 'config', 'errors']


def __getattr__(name: str):
    # submodules load on first use: ``import sozialanalyse`` stays fast
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
