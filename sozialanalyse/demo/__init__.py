"""The embedded demo district Musterland (a synthetic generator with a fixed seed).
"""
import importlib


__all__ = ['musterland']


def __getattr__(name: str):
    # submodules load on first use: ``import sozialanalyse`` stays fast
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
