"""Submodules that load on first use (``sa.stats.health`` imports ``health`` when first touched),
so that ``import sozialanalyse`` stays fast: the build's command line imports no plotting or GIS code."""
from __future__ import annotations

import importlib


def submodules(package: str, names: list[str]):
    """``__getattr__``, ``__dir__`` and ``__all__`` for the package named ``package`` whose
    submodules ``names`` load on first attribute access.

    Examples
    --------
    >>> getattr_, dir_, all_ = submodules("sozialanalyse.render", ["fmt"])
    >>> getattr_("fmt").pct(12.5), dir_(), all_
    ('12,5\\xa0%', ['fmt'], ['fmt'])
    """
    names = list(names)

    def __getattr__(name: str):
        if name in names:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(names)

    return __getattr__, __dir__, names
