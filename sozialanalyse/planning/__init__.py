"""The planning floor: services against need per Sozialraum (:mod:`.supply`: supply ratios
against guide values, reach from population-weighted address points, the gaps), built on the
published counts of the protected floor. Pages read supply and reach from here.
"""
from .._lazy import submodules

__getattr__, __dir__, __all__ = submodules(__name__, ['supply'])
