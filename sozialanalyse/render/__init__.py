"""The rendering floor: German number and date formats (:mod:`.fmt`), escaped HTML tables
(:mod:`.tables`), every table as data for CSV and Excel downloads (:mod:`.downloads`), figures
and static maps (:mod:`.figures`) in one figure style (:mod:`.figstyle`) and interactive maps
(:mod:`.maps`).

Imports the model and statistics floors and the input floor's district type.
"""
from .._lazy import submodules

__getattr__, __dir__, __all__ = submodules(__name__, [
    'fmt', 'tables', 'downloads', 'figures', 'figstyle', 'maps',
])
