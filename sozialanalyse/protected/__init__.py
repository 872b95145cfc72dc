"""The protected floor: every count the report publishes, protected once and together
(:mod:`.layer`), the register of the count tables the pages publish (:mod:`.measures`), and the
published results of the domains that compute statistics from counts, returned already masked
(:mod:`.care`: care, projections and distances; :mod:`.health`: mortality and school entry;
:mod:`.monitoring`: the Sozialraum-Monitoring; :mod:`.population`: the population development of
a profile; :mod:`.projects`: participants, reach and costs of the Sozialraum projects).

Pages read counts, shares and indicators from here and from nowhere else; they never protect on
their own, so that a cell suppressed on one page is suppressed on all of them.

Imports the model, statistics, input and rendering floors (the German text of a suppressed
Einwohner cell, :func:`.monitoring.population`).
"""
from .._lazy import submodules

__getattr__, __dir__, __all__ = submodules(__name__, ['care', 'health', 'layer', 'measures', 'monitoring', 'population', 'projects'])
