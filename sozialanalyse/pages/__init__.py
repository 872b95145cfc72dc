"""The page floor: one module per template notebook, with the notebook's name.

A page module arranges results of the floors below into German text, tables and figures;
it computes nothing a planner would want outside the report.
"""
import importlib

__all__ = ['common', 'kreisuebersicht', 'gemeindeprofil', 'sozialraum_monitoring', 'gesundheit', 'pflege',
           'senioren', 'behinderung', 'daten_methoden', 'indikatorenkatalog', 'herkunft', 'amtlich_kreis',
           'amtlich_profil']


def __getattr__(name: str):
    # submodules load on first use: ``import sozialanalyse`` stays fast
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
