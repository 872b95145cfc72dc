"""The steering floor: what a council steers by, read from the district's own files and set
against the published figures (issue #17): goals with key figures and their progress
(:mod:`.goals`), the Teilkonzepte with their measures
(:mod:`.teilkonzepte`) and the standardised annual reports of the Sozialraum projects
(:mod:`.projects`).

Floor: steering, between the pages and the protected floor. It reads input files (Excel) with
their own validation and publishes no count of people itself: counts of people a page shows
(participants of a project) go through :mod:`sozialanalyse.protected.projects`; the values of
goals on catalog indicators come from the protected layer.
"""
from .._lazy import submodules

__getattr__, __dir__, __all__ = submodules(__name__, ['goals', 'teilkonzepte', 'projects'])
