"""The steering floor: what the council and the administration agreed to reach, and how far they
are: goals with key figures and their progress (:mod:`.goals`). Sibling modules of the same
floor (Teilkonzepte and their measures, the reports of Sozialraum projects) add their names to
the list below.

Floor: between the pages and the protected floor. Reads published values only (the protected
layer, :mod:`sozialanalyse.protected.layer`) and the steering inputs beside the data
(``goals.yml``); the pages arrange its results.
"""
from .._lazy import submodules

__getattr__, __dir__, __all__ = submodules(__name__, ["goals"])
