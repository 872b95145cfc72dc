"""The build floor: plan, execute (papermill), book (Jupyter Book), audit, publish, verify,
and the provenance of a build.
"""
import importlib


__all__ = ['report', 'provenance', 'audit', 'verify', 'sphinx_escape']


def __getattr__(name: str):
    # submodules load on first use: ``import sozialanalyse`` stays fast
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
