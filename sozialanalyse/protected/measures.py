"""The count tables the pages publish besides the indicators of the catalog.

Every count a page shows, or a share it computes from counts, must be a cell of the protected
layer (:mod:`.layer`), so that it is protected together with everything else. A page that
publishes a new table adds it here: a :class:`Measure` names the counts (specs of the indicator
catalog: ``{"variable": ..., "age": [lo, hi], "sex": [...], "type": [...]}``), the shares it
computes (numerator, denominator: their complement is protected too) and the years (``"all"``
or ``"report"``: the report year only) and the pool (years summed).

The layer finds by itself which of these cells add up to others (age bands, sexes, types, the
area tree, pools of years).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..model.areas import AGE_GROUPS

__all__ = ["MEASURES", "Measure"]


@dataclass(frozen=True)
class Measure:
    """Counts and shares one page (or several) publishes."""

    name: str
    counts: tuple = ()
    shares: tuple = ()  # ((numerator spec, denominator spec), ...)
    years: str = "all"  # "all" or "report"
    pool: int = 1
    pages: tuple = field(default=())  # the page modules that publish it (documentation)


def _band(label: str) -> list:
    lo, _, hi = label.replace("+", "-").partition("-")
    return [int(lo), int(hi) if hi else None]


def _by_age_and_sex(variable: str) -> tuple:
    """Five-year bands x (m, w, both), and each sex over all ages: a population pyramid with
    every margin."""
    out = []
    for band in AGE_GROUPS:
        for sex in (["m"], ["w"], None):
            spec = {"variable": variable, "age": _band(band)}
            if sex:
                spec["sex"] = sex
            out.append(spec)
    out += [{"variable": variable, "sex": ["m"]}, {"variable": variable, "sex": ["w"]}, {"variable": variable}]
    return tuple(out)


CARE_TYPES = ("ambulant", "pflegegeld", "stationaer")

MEASURES: list[Measure] = [
    Measure("population pyramid", _by_age_and_sex("einwohner"), years="report",
            pages=("gemeindeprofil",)),
    Measure("population", ({"variable": "einwohner"},), pages=("gemeindeprofil", "sozialraum_monitoring")),
    Measure("care by type", tuple({"variable": "pflegebeduerftige", "type": [t]} for t in CARE_TYPES)
            + ({"variable": "pflegebeduerftige"},),
            shares=(({"variable": "pflegebeduerftige", "type": ["ambulant", "pflegegeld"]},
                     {"variable": "pflegebeduerftige"}),),
            pages=("pflege",)),
    Measure("deaths, five-year pools", ({"variable": "sterbefaelle"},), pool=5, pages=("gesundheit",)),
    Measure("deaths per year", ({"variable": "sterbefaelle"},), pages=("gesundheit",)),
    Measure("school entry, three-year pools",
            ({"variable": "einschulung_untersuchte"},),
            shares=tuple(({"variable": v}, {"variable": "einschulung_untersuchte"})
                         for v in ("einschulung_uebergewicht", "einschulung_sprachfoerderbedarf")),
            pool=3, pages=("gesundheit",)),
    # the Kreis DSR trend by sex rests on the deaths of each sex per year
    Measure("deaths per year by sex", ({"variable": "sterbefaelle", "sex": ["m"]},
                                       {"variable": "sterbefaelle", "sex": ["w"]}), pages=("gesundheit",)),
]
