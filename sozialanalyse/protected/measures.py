"""The count tables the pages publish besides the indicators of the catalog.

Every count a page shows, or a share it computes from counts, must be a cell of the protected
layer (:mod:`.layer`), so that it is protected together with everything else. A page that
publishes a new table adds it here: a :class:`Measure` names the counts (specs of the indicator
catalog: ``{"variable": ..., "age": [lo, hi], "sex": [...], "type": [...]}``), the shares it
computes (numerator, denominator: their complement is protected too) and the years (``"all"``
or ``"report"``: the report year only) and the pool (years summed), and optionally the levels
it is published at (``levels=("kreis",)``: its cells exist for the Kreis only, so that cells
no page shows at the small areas do not draw suppressions into the ones that are shown).

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
    levels: tuple = ()  # the levels it is published at (``("kreis",)``); empty: every level


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
    # Pools of years only where a page prints them: overlapping pools of every year would give a
    # single year back by differencing chains (pool(e) - pool(e-1) = x(e) - x(e-k)) that no single
    # relation shows, and would spread one small year over all years.
    Measure("deaths, five-year pools", ({"variable": "sterbefaelle"},), pool=5, years="report",
            pages=("gesundheit", "gemeindeprofil")),
    Measure("deaths per year", ({"variable": "sterbefaelle"},), pages=("gesundheit",)),
    Measure("school entry, three-year pools",
            ({"variable": "einschulung_untersuchte"},),
            shares=tuple(({"variable": v}, {"variable": "einschulung_untersuchte"})
                         for v in ("einschulung_uebergewicht", "einschulung_sprachfoerderbedarf")),
            pool=3, years="report", pages=("gesundheit",)),
    Measure("school entry of the Kreis, three-year pools of every year",
            ({"variable": "einschulung_untersuchte"},),
            shares=tuple(({"variable": v}, {"variable": "einschulung_untersuchte"})
                         for v in ("einschulung_uebergewicht", "einschulung_sprachfoerderbedarf")),
            pool=3, levels=("kreis",), pages=("gesundheit",)),
    # the Kreis DSR trend by sex rests on the deaths of each sex per year
    Measure("deaths per year by sex", ({"variable": "sterbefaelle", "sex": ["m"]},
                                       {"variable": "sterbefaelle", "sex": ["w"]}), pages=("gesundheit",)),
]

# --- Pflege, Senioren, Menschen mit Behinderungen (pages pflege, senioren, behinderung) ---------------

#: The age bands of the care-by-age figure: under 60, then the five-year bands from 60.
CARE_AGE_BANDS = ([0, 59], *[_band(b) for b in AGE_GROUPS if _band(b)[0] >= 60])


def _rates_by_band_and_sex(variable: str, bands) -> tuple:
    """``variable`` per age band and sex as shares of the inhabitants of that band and sex."""
    return tuple(({"variable": variable, "age": band, "sex": [sex]},
                  {"variable": "einwohner", "age": band, "sex": [sex]})
                 for band in bands for sex in ("m", "w"))


MEASURES += [
    # care_by_age: bars by band x type, Pflegequote by band x sex with Wilson intervals; the band
    # totals are cells so that types and sexes are both known to add up to them
    Measure("care by age band and type",
            tuple({"variable": "pflegebeduerftige", "age": band, "type": [t]}
                  for band in CARE_AGE_BANDS for t in CARE_TYPES)
            + tuple({"variable": "pflegebeduerftige", "age": band} for band in CARE_AGE_BANDS),
            shares=_rates_by_band_and_sex("pflegebeduerftige", CARE_AGE_BANDS),
            years="report", pages=("pflege",), levels=("kreis",)),
    # psp_table / psp_map / care_projection_table: the people aged 80+ (already a catalog numerator;
    # named here for the pages that print it as a count)
    Measure("population 80+", ({"variable": "einwohner", "age": [80, None]},), pages=("pflege", "senioren")),
    # senior_projection: the observed people aged 65-79 and 80+ per year
    Measure("population 65-79", ({"variable": "einwohner", "age": [65, 79]},), pages=("senioren",)),
    # disability_by_age: Schwerbehindertenquote by five-year band and sex with Wilson intervals
    Measure("disability by age band and sex",
            tuple({"variable": "schwerbehinderte", "age": _band(b)} for b in AGE_GROUPS),
            shares=_rates_by_band_and_sex("schwerbehinderte", [_band(b) for b in AGE_GROUPS]),
            years="report", pages=("behinderung",), levels=("kreis",)),
]

# --- Lebenserwartung (issue #20; pages gesundheit, gemeindeprofil) ----------------------------------

MEASURES += [
    # life expectancy by sex per Gemeindeverband and the Kreis over the five years up to the report
    # year: the pages print the deaths of each sex behind it; the life expectancy is published only
    # where that cell is (protected.health.published_life_expectancy)
    Measure("deaths by sex, five-year pools", ({"variable": "sterbefaelle", "sex": ["m"]},
                                                {"variable": "sterbefaelle", "sex": ["w"]}),
            pool=5, years="report", pages=("gesundheit", "gemeindeprofil"), levels=("gemeindeverband", "kreis")),
]

# --- Angebote und Bedarf (page angebote, the profiles' section, the data sheet) -------------------

MEASURES += [
    # the served population of each facility type of the default supply settings
    # (sozialanalyse.model.config.SUPPLY_TYPES) per area in the report year: everyone, 65+, 80+, and
    # the bands 0-4 and 5-9 from which the children aged 1-5 are estimated (4/5 and 1/5 of them)
    Measure("served population (Angebote und Bedarf)",
            ({"variable": "einwohner"}, {"variable": "einwohner", "age": [65, None]},
             {"variable": "einwohner", "age": [80, None]}, {"variable": "einwohner", "age": [0, 4]},
             {"variable": "einwohner", "age": [5, 9]}),
            years="report", pages=("angebote", "gemeindeprofil")),
]
