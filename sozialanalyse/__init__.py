"""sozialanalyse: social and health reporting for German districts and towns.

Import as ``import sozialanalyse as sa``; the submodules load on first use so that
``import sozialanalyse`` stays fast (the build CLI imports no plotting or GIS code).
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "areas",
    "audit",
    "cli",
    "disparity",
    "disclosure",
    "display",
    "fmt",
    "geo",
    "health",
    "health_pages",
    "index",
    "indicators",
    "io",
    "methods",
    "monitoring",
    "musterland",
    "plots",
    "profile",
    "projection",
    "provenance",
    "report",
    "spatial",
    "trend",
    "verify",
)

__all__ = ["__version__", "load_district", *_SUBMODULES]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "load_district":
        from .io.own import load_district

        return load_district
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
