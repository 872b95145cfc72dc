"""The model floor: areas and their hierarchy, completeness of the input grid, the report config
(:mod:`.config`: every key typed and documented) and the errors of the input side.

Imports nothing else of the package.
"""
from .._lazy import submodules

__getattr__, __dir__, __all__ = submodules(__name__, [
    'areas', 'completeness', 'config', 'errors', 'district', 'names',
])
