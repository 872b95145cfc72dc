"""The build floor: plan, execute (papermill), book (Jupyter Book), audit, publish, verify.

The facts about the code a build records (hashes, versions, git state) are one floor lower, in
:mod:`sozialanalyse.io.provenance`, because the page "Herkunft" prints them too.
"""
import importlib


__all__ = ['report', 'audit', 'verify', 'sphinx_escape']


def __getattr__(name: str):
    # submodules load on first use: ``import sozialanalyse`` stays fast
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
