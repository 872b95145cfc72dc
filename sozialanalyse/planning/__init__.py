"""The planning floor: what is needed where (issue #18), above the protected layer, below the pages.

``peers`` (districts like ours: nearest statistical neighbours, key figures against them) and
``datenblatt`` (data sheets for funding applications) load on first use.
"""
from __future__ import annotations

from .._lazy import submodules

__getattr__, __dir__, __all__ = submodules(__name__, ["datenblatt", "peers"])
