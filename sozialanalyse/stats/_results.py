"""A short ``repr`` for the result objects of the statistics floor.

A result holds whole frames; printed in JupyterLab it should say what it holds (a few lines with
each field's shape), not print kilobytes of tables. The frames are one attribute away.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd


def describe(value) -> str:
    """One short line for a field's value.

    Examples
    --------
    >>> describe(pd.DataFrame({"a": [1, 2]})), describe(None), describe(0.5)
    ('DataFrame 2 × 1 (a)', 'None', '0.5')
    """
    if isinstance(value, pd.DataFrame):
        cols = ", ".join(map(str, value.columns[:6])) + (", …" if value.shape[1] > 6 else "")
        return f"DataFrame {value.shape[0]} × {value.shape[1]} ({cols})"
    if isinstance(value, pd.Series):
        return f"Series of {len(value)}" + (f" ({value.name})" if value.name is not None else "")
    if isinstance(value, np.ndarray):
        return f"array {' × '.join(map(str, value.shape))}"
    if isinstance(value, (list, tuple, dict, set)) and len(value) > 6:
        return f"{type(value).__name__} of {len(value)}"
    if isinstance(value, ShortRepr):
        return f"{type(value).__name__} (print it for its fields)"
    text = repr(value).splitlines()[0] if repr(value) else ""
    return text if len(text) <= 80 else text[:77] + "…"


class ShortRepr:
    """Mixin for result dataclasses (declare them ``@dataclass(repr=False)``)."""

    def __repr__(self) -> str:
        lines = [type(self).__name__]
        for f in dataclasses.fields(self):
            lines.append(f"  {f.name}: {describe(getattr(self, f.name))}")
        return "\n".join(lines)
