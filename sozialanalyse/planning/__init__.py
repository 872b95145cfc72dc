"""The planning floor: what is needed where (issue #18), built on the published counts of the
protected floor: services against need per Sozialraum (:mod:`.supply`: supply ratios against
guide values, reach from population-weighted address points, the gaps; :mod:`.streets`: the
street network and the reach along it), districts like ours
(:mod:`.peers`: nearest statistical neighbours, key figures against them) and data sheets for
funding applications (:mod:`.datenblatt`). Pages read them from here.
"""
from .._lazy import submodules

__getattr__, __dir__, __all__ = submodules(__name__, ['supply', 'streets', 'peers', 'datenblatt'])
