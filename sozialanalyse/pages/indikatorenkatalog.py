"""The page "Indikatorenkatalog" (``notebooks/indikatorenkatalog.ipynb``): every indicator of the
catalog (:mod:`sozialanalyse.stats.indicators`, ``catalog.yml``) with its definition, one row each,
with an anchor that tables of values on other pages link to.

Floor: pages.
"""
from __future__ import annotations

import pandas as pd

from ..render.tables import table
from ..stats import indicators

__all__ = ["catalog_anchor", "catalog_href", "definitions"]


def catalog_anchor(indicator_id: str) -> str:
    """The HTML id of an indicator's row on the page "Indikatorenkatalog"."""
    return f"ind-{indicator_id}"


def catalog_href(indicator_id: str, from_profile: bool) -> str:
    """Link to an indicator's entry in the Indikatorenkatalog, from a chapter page or from a
    Gemeindeprofil (which lives one folder deeper, in ``gemeinden/``).

    Examples
    --------
    >>> catalog_href("sgb2_quote", from_profile=True)
    '../indikatorenkatalog.html#ind-sgb2_quote'
    """
    return f"{'../' if from_profile else ''}indikatorenkatalog.html#{catalog_anchor(indicator_id)}"


def definitions(fields: list[str] | None = None):
    """The indicator catalog grouped by Handlungsfeld: name, definition, unit, direction, source
    and the lowest area level; each row carries an anchor that tables of values link to."""
    cat = indicators.catalog()
    if fields:
        cat = cat[cat["field"].isin(fields)]
    order = {f: i for i, f in enumerate(indicators.FIELDS)}
    cat = cat.assign(_o=cat["field"].map(order)).sort_values(["_o"], kind="stable")
    polarity = {"higher_is_worse": "höher = ungünstiger", "higher_is_better": "höher = günstiger",
                "neutral": "neutral"}
    levels = {"sozialraum": "Sozialraum", "gemeinde": "Gemeinde", "gemeindeverband": "Gemeindeverband",
              "kreis": "Kreis"}
    df = pd.DataFrame({
        "Handlungsfeld": cat["field"],
        "Kennzahl": cat["name"],
        "Definition": cat["definition"],
        "Einheit": cat["unit"],
        "Richtung": cat["polarity"].map(polarity).fillna(cat["polarity"]),
        "ab Ebene": cat["min_level"].map(levels).fillna(cat["min_level"]),
        "Quelle": cat["source"],
    })
    return table(df, caption=f"Indikatorenkatalog ({len(df)} Kennzahlen)", group="Handlungsfeld", align_right=[],
                 row_ids=[catalog_anchor(i) for i in cat["id"]],
                 kinds=dict.fromkeys(df.columns, "text"))  # definitions: no figure of any area
