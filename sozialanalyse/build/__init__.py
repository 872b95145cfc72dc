"""The build floor: plan, execute (papermill), book (Jupyter Book), tidy, audit, publish, verify.

The facts about the code a build records (hashes, versions, git state) are one floor lower, in
:mod:`sozialanalyse.io.provenance`, because the page "Herkunft" prints them too.
"""
from .._lazy import submodules

__getattr__, __dir__, __all__ = submodules(__name__, [
    'report', 'executors', 'kernels', 'forkserver', 'profile', 'audit', 'site', 'verify', 'sphinx_escape', 'sphinx_shared', 'pdf', 'publisher',
])
