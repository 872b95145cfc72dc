"""The embedded demo district Musterland (a synthetic generator with a fixed seed).
"""
from .._lazy import submodules

__getattr__, __dir__, __all__ = submodules(__name__, [
    'musterland', 'steering_goals', 'steering_projects', 'planning_supply', 'planning_peers', 'land',
])
