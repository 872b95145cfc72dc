"""The errors of the input side, shared by every floor (the model floor; imports nothing else).

:class:`DataError` is the problem with an input a user can fix: a data file, a table cell or the
report config (its subclass :class:`sozialanalyse.model.config.ConfigError`). The readers of
:mod:`sozialanalyse.io` raise it with a message naming the file, row, column, key and value.
"""
from __future__ import annotations

__all__ = ["DataError"]


class DataError(ValueError):
    """A problem with the input data; the message names file, row, column and key."""
