"""The population development of an area as published: Einwohner per year, births minus deaths
and the migration balance.

Floor: protected. The Einwohner are the layer's cells (:meth:`.layer.Layer.counts`: a suppressed
year is NaN with its ``status``). The two balances are sums over the area's base areas of the
counts (:func:`sozialanalyse.model.district.totals`) and are published as they are: a balance
identifies nobody. Except births minus deaths in a year whose deaths are suppressed in the
layer: there the balance and the published births would give the deaths back, so it is NaN
with the deaths' status. A year with incomplete input rows is NaN (missing, never 0).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..model.district import totals
from . import layer as protected_layer

__all__ = ["BALANCES", "development"]

#: The variables of :func:`development` besides ``einwohner``: German meaning.
BALANCES = {"natuerlicher_saldo": "Geburten minus Sterbefälle", "wanderungssaldo": "Zuzüge minus Fortzüge"}


def development(district, area_id: str) -> pd.DataFrame:
    """Einwohner and the balances of ``area_id`` in every year of the data.

    Returns a long table ``area_id, name, year, variable, value, status`` with ``variable``
    ``"einwohner"`` (the layer's published count), ``"natuerlicher_saldo"`` (births minus
    deaths; NaN with the deaths' ``status`` where the layer suppresses the deaths) and
    ``"wanderungssaldo"`` (in-migration minus out-migration, always ``status`` ``""``), each
    sorted by year. A year or variable without data has ``value`` NaN and ``status`` ``""``.
    """
    area_id = str(area_id)
    L = protected_layer.of(district)
    name = district.name_of(area_id)
    pop = L.counts({"variable": "einwohner"}, area_ids=[area_id]).sort_values("year")
    flows = totals(district, area_id, ["geburten", "sterbefaelle", "zuzuege", "fortzuege"], by=["variable"])
    # one row per year and variable; a year with absent rows stays NaN, never 0
    wide = flows.pivot(index="year", columns="variable", values="value")
    nan = pd.Series(np.nan, index=wide.index, dtype=float)
    natural = wide.get("geburten", nan) - wide.get("sterbefaelle", nan)
    held = pd.Series("", index=wide.index, dtype=object)
    if "sterbefaelle" in wide.columns:
        st = L.counts({"variable": "sterbefaelle"}, area_ids=[area_id]).set_index("year")["status"]
        held = st.reindex(wide.index).fillna("").astype(str)
        natural = natural.where(held == "")
    migration = wide.get("zuzuege", nan) - wide.get("fortzuege", nan)
    years = wide.index.to_numpy(dtype=int)
    parts = [
        pd.DataFrame({"year": pop["year"].to_numpy(dtype=int), "variable": "einwohner",
                      "value": pop["value"].to_numpy(dtype=float), "status": pop["status"].astype(str).to_numpy()}),
        pd.DataFrame({"year": years, "variable": "natuerlicher_saldo", "value": natural.to_numpy(dtype=float),
                      "status": held.to_numpy(dtype=object)}),
        pd.DataFrame({"year": years, "variable": "wanderungssaldo", "value": migration.to_numpy(dtype=float),
                      "status": ""}),
    ]
    out = pd.concat(parts, ignore_index=True)
    out.insert(0, "area_id", area_id)
    out.insert(1, "name", name)
    out["status"] = out["status"].astype(object)
    return out
