"""The rendering floor: German number and date formats (:mod:`.fmt`), escaped HTML tables
(:mod:`.tables`) and figures and maps (:mod:`.figures`).

Imports the model and statistics floors and the input floor's district type.
"""
import importlib

__all__ = ['fmt', 'tables', 'figures']


def __getattr__(name: str):
    # submodules load on first use: ``import sozialanalyse`` stays fast
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
