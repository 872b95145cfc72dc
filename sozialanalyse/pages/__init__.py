"""The page floor: one module per template notebook, with the notebook's name.

A page module arranges results of the floors below into German text, tables and figures;
it computes nothing a planner would want outside the report.
"""
from .._lazy import submodules

__getattr__, __dir__, __all__ = submodules(__name__, [
    'common', 'kreisuebersicht', 'gemeindeprofil', 'sozialraum_monitoring', 'gesundheit', 'pflege',
    'senioren', 'behinderung', 'daten_methoden', 'indikatorenkatalog', 'herkunft', 'amtlich_kreis',
    'amtlich_profil', 'ziele', 'umsetzung', 'projekte', 'angebote', 'vergleichskreise', 'kennzahlen',
])
