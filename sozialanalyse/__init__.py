"""sozialanalyse: social and health reporting for German districts and towns.

Import as ``import sozialanalyse as sa``. The package is a house with floors; each imports only
the floors below it (the contract is in ``pyproject.toml``, checked by the tests):

========================  =====================================================================
``sa.model``              areas and their hierarchy, the district (``District``), the typed report
                          config (``Config``), completeness of the input grid, ``DataError``
``sa.stats``              indicators and catalog, disparity, indices, health rates, projection,
                          trend, spatial statistics, disclosure control
``sa.io``                 the own input format, official readers, register, mirror, fetch,
                          validation, provenance (hashes, versions, git state)
``sa.render``             German formats, tables, figures and maps
``sa.steering``           what a council steers by: goals with key figures (``sa.goals``: Ziel/Ist,
                          Eurostat's progress assessment, trend to the deadline), Teilkonzepte
                          (``sa.teilkonzepte``), project reports (``sa.projects``)
``sa.planning``           planning what is needed where: services against need (``sa.supply``),
                          districts like ours (``sa.peers``), data sheets for funding
                          applications (``datenblatt``)
``sa.pages``              one module per template notebook, with the notebook's name
``sa.build``              plan, execution, book, audit, publish, verify
``sa.cli``                every subcommand of ``sozialanalyse``
``sa.demo``               the Musterland generator
========================  =====================================================================

What a planner uses daily is at the front door: ``sa.load`` (a district of either kind from a
data folder, a config or a config's name), ``sa.compute`` and ``sa.catalog`` (indicators),
``sa.validate``, ``sa.read_config``, ``sa.District``, ``sa.Config`` and ``sa.load_district``.

Everything loads on first use, so ``import sozialanalyse`` stays fast (the build CLI imports
no plotting or GIS code).
"""
from __future__ import annotations

import importlib

from ._version import __version__

_FLOORS = ("model", "stats", "io", "render", "protected", "steering", "planning", "pages", "build", "cli", "demo")

# what a planner uses daily, at the front door: name -> (module, attribute)
_DAILY = {
    "load": ("sozialanalyse.io.load", "load"),
    "District": ("sozialanalyse.model.district", "District"),
    "load_district": ("sozialanalyse.io.own", "load_district"),
    "read_config": ("sozialanalyse.model.config", "read_config"),
    "Config": ("sozialanalyse.model.config", "Config"),
    "validate": ("sozialanalyse.io.validate", "validate"),
    "catalog": ("sozialanalyse.stats.indicators", "catalog"),
    "compute": ("sozialanalyse.stats.indicators", "compute"),
}
# families of a floor at the front door: name -> module (``sa.projects.read(...)``)
_FAMILIES = {
    "goals": "sozialanalyse.steering.goals",
    "projects": "sozialanalyse.steering.projects",
    "teilkonzepte": "sozialanalyse.steering.teilkonzepte",
    "supply": "sozialanalyse.planning.supply",
    "peers": "sozialanalyse.planning.peers",
}

__all__ = ["__version__", *_FLOORS, *_DAILY, *_FAMILIES]


def __getattr__(name: str):
    if name in _FLOORS:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _FAMILIES:
        return importlib.import_module(_FAMILIES[name])
    if name in _DAILY:
        module, attribute = _DAILY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
