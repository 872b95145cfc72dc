"""The protected floor: every count the report publishes, protected once and together
(:mod:`.layer`), the register of the count tables the pages publish (:mod:`.measures`), and the
statistics computed from the counts as the pages may publish them, one module per domain
(:mod:`.health`).

Pages read counts, shares and indicators from here and from nowhere else; they never protect on
their own, so that a cell suppressed on one page is suppressed on all of them.

Imports the model, statistics and input floors.
"""
from .._lazy import submodules

__getattr__, __dir__, __all__ = submodules(__name__, ['health', 'layer', 'measures'])
