"""One district type for both kinds of input (model floor: imports only the model).

A :class:`District` holds what every page asks of a district: the area tree, the years, the
report year, the municipalities, the boundaries. Its :attr:`District.kind` says where the data
came from, so nothing has to guess by looking for attributes:

=============  ===============================================================================
``"own"``      the project's own format (a data folder, ``data/README.md``): long ``counts`` per
               base area, ``facilities``, boundaries read from the folder on first use;
               built by :func:`sozialanalyse.io.own.load_district`
``"official"`` official open data of the local mirror (INKAR, GISD, BKG) for one Landkreis at
               Gemeindeverband level: long ``indicators`` per area, the Landkreise of the Land
               as ``comparison``, the key ``mapping`` and a reconciliation line per file read
               (``loads``); built by :func:`sozialanalyse.io.official.load_official`
=============  ===============================================================================

Both are loaded through one front door, :func:`sozialanalyse.io.load.load` (``sa.load``).
:func:`totals` sums the counts of a district over the base areas of an area.

The model reads no files: the boundaries of an own-format district are read by the reader
that :mod:`sozialanalyse.io.own` registers in :data:`BOUNDARY_READERS` (the io floor lends the
model its reader; the model never imports it).
"""
from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from . import areas as _areas
from . import completeness as _completeness
from .config import Config
from .errors import DataError

__all__ = ["BOUNDARY_READERS", "KINDS", "OFFICIAL", "OWN", "District", "totals"]

#: The project's own input format (a data folder).
OWN = "own"
#: Official open data of the local mirror.
OFFICIAL = "official"
KINDS = (OWN, OFFICIAL)

#: How the boundaries of a district of a kind are read when they were not loaded with it:
#: ``{kind: reader(district) -> GeoDataFrame}``; :mod:`sozialanalyse.io.own` registers the
#: reader of its data folders.
BOUNDARY_READERS: dict[str, Callable[[District], object]] = {}


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


@dataclass(kw_only=True, repr=False)
class District:
    """A district's data: area tree, long tables, boundaries and metadata.

    Every field is given by keyword; only ``areas`` is required. An own-format district has
    ``folder``, ``counts`` and ``facilities``; an official one ``indicators``, ``comparison``,
    ``mapping``, ``gemeinden``, ``attributions``, ``mirror``, ``loads`` and ``boundaries``.
    """

    #: Where the data came from: :data:`OWN` or :data:`OFFICIAL`.
    kind: str = OWN
    areas: pd.DataFrame
    #: Own format: long counts ``area_id, year, variable, age_group, sex, nationality, type, value``.
    counts: pd.DataFrame = field(default_factory=_empty)
    facilities: pd.DataFrame = field(default_factory=_empty)
    #: Own format, optional: address points or a population grid (``point_id, area_id, x, y`` and
    #: the persons of each age band), the population-weighted points of the reach
    #: (:mod:`sozialanalyse.planning.supply`); empty without ``adressen.csv``.
    addresses: pd.DataFrame = field(default_factory=_empty)
    meta: dict = field(default_factory=dict)
    config: Config = field(default_factory=Config)  #: the report config (defaults for a data folder)
    #: Own format: the data folder (``areas.csv``, the count tables, ``gebiete.gpkg``).
    folder: Path | None = None
    lenient: bool = False  #: built from the rows that pass validation (``validation: lenient``)
    #: The :class:`sozialanalyse.io.validate.ValidationResult` the tables were taken from (without the
    #: boundaries' checks), so that the data page lists it without validating again.
    validation: object = None
    #: Official data: long indicators ``area_id, year, indicator, value, unit, source``.
    indicators: pd.DataFrame = field(default_factory=_empty)
    #: Official data: the same indicators for every Landkreis of the Land.
    comparison: pd.DataFrame = field(default_factory=_empty)
    #: Official data: how the keys of every source were matched (``status`` ``ok`` or why not).
    mapping: pd.DataFrame = field(default_factory=_empty)
    #: Official data: the member Gemeinden (ags, ars9, name, kind, inhabitants).
    gemeinden: pd.DataFrame = field(default_factory=_empty)
    #: Official data: the publishers' attributions the report prints.
    attributions: list = field(default_factory=list)
    #: Official data: the mirror folder the files were read from.
    mirror: Path | None = None
    #: Official data: one reconciliation line per file read: read = used + outside + unmatched + no_value.
    loads: pd.DataFrame = field(default_factory=_empty)
    #: Boundaries loaded with the district (GeoDataFrame, EPSG:25832); ``None``: read on first use.
    boundaries: object = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"District kind {self.kind!r} is neither {OWN!r} nor {OFFICIAL!r}")

    # --- what every district answers ------------------------------------------------------

    @property
    def kreis(self) -> pd.Series:
        """The row of ``areas`` of the Landkreis."""
        a = self.areas
        return a[a["level"] == "kreis"].iloc[0] if self.kind == OFFICIAL else a[a["kind"] == "Landkreis"].iloc[0]

    @property
    def kreis_id(self) -> str:
        return str(self.kreis["area_id"])

    @property
    def land_id(self) -> str:
        return self.kreis_id[:2]

    @property
    def name(self) -> str:
        return self.meta.get("name") or self.kreis["name"]

    @property
    def synthetic(self) -> bool:
        return bool(self.meta.get("synthetic", False))

    @property
    def years(self) -> list[int]:
        if self.kind == OFFICIAL:
            return sorted(int(y) for y in self.indicators["year"].unique())
        return sorted(self.counts["year"].unique().tolist())

    @property
    def variables(self) -> list[str]:
        """The variables of the counts (own format) or the indicators (official data)."""
        if self.kind == OFFICIAL:
            return sorted(self.indicators["indicator"].unique().tolist())
        return sorted(self.counts["variable"].astype(str).unique().tolist())

    @property
    def report_year(self) -> int:
        return int(self.config.report_year or max(self.years))

    @property
    def unmatched(self) -> pd.DataFrame:
        """Official data: every key of a source without a partner (empty for the own format)."""
        if self.mapping.empty:
            return self.mapping
        return self.mapping[self.mapping["status"] != "ok"]

    @property
    def problems(self) -> int:
        """Number of problems found while loading: rows refused by validation (own format) or
        keys without a partner (official data)."""
        if self.kind == OFFICIAL:
            return len(self.unmatched)
        return len(getattr(self.validation, "problems", None) or [])

    @cached_property
    def gaps(self) -> pd.DataFrame:
        """Absent rows the format requires: base area, year and variable
        (:func:`sozialanalyse.model.completeness.find_gaps`). With ``validation: lenient`` rows the
        validation rejected are absent too. :func:`sozialanalyse.stats.indicators.compute` and the pages
        publish such a value as missing ("fehlt"), never as 0. Official data: none (no counts)."""
        if self.kind == OFFICIAL:
            return pd.DataFrame(columns=_completeness.GAP_COLUMNS)
        if self.validation is not None:  # the loader's validation found them in the same rows
            return self.validation.gaps
        return _completeness.find_gaps(self.areas, self.counts)

    def area(self, area_id: str) -> pd.Series:
        """The row of ``areas`` for ``area_id``; a clear error for an unknown key."""
        hit = self.areas[self.areas["area_id"] == str(area_id)]
        if hit.empty:
            if self.kind == OFFICIAL:
                raise DataError(f"unknown area key {area_id!r} (Gemeindeverbände of {self.name}: "
                                f"{', '.join(self.municipalities()['area_id'])})")
            raise DataError(f"unknown area key {area_id!r} (not in {Path(self.folder or '.') / 'areas.csv'})")
        return hit.iloc[0]

    def name_of(self, area_id: str) -> str:
        return str(self.area(area_id)["name"])

    def children(self, area_id: str) -> pd.DataFrame:
        return self.areas[self.areas["parent_id"] == str(area_id)]

    def municipalities(self) -> pd.DataFrame:
        """Städte, Einheitsgemeinden and Samtgemeinden: one Gemeindeprofil each (official data:
        area_id (ARS[:9]), name, kind, label, bbsr_key, inhabitants)."""
        if self.kind == OFFICIAL:
            return self.areas[self.areas["level"] == "gemeindeverband"].reset_index(drop=True)
        return _areas.areas_at_level(self.areas, "gemeindeverband")

    @cached_property
    def _base_members(self) -> dict[str, list[str]]:
        parent = dict(zip(self.areas["area_id"], self.areas["parent_id"]))
        members: dict[str, list[str]] = {}
        for base in _areas.base_areas(self.areas)["area_id"]:
            a = base
            while isinstance(a, str) and a:
                members.setdefault(a, []).append(base)
                a = parent.get(a)
        return members

    def base_of(self, area_id: str) -> list[str]:
        """The base areas inside ``area_id`` (itself if it is a base area)."""
        if area_id not in self._base_members:
            self.area(area_id)  # raises a clear error for an unknown key
        return list(self._base_members.get(area_id, []))

    @cached_property
    def geometry(self):
        """Boundaries of every area (GeoDataFrame, EPSG:25832).

        Official data: the Gemeindeverbände as loaded. Own format: read from the data folder on
        first use and joined with the area tree (:func:`sozialanalyse.io.own.read_geometry`:
        with ``validation: lenient`` unusable boundaries are left out, otherwise they raise
        :class:`DataError`).
        """
        if self.boundaries is not None:
            return self.boundaries
        reader = BOUNDARY_READERS.get(self.kind)
        if reader is None:  # only when the io floor was never imported: a district built by hand
            raise DataError(f"{self.name}: no boundaries loaded and no reader for a district of kind "
                            f"{self.kind!r} (load districts with sozialanalyse.load)")
        return reader(self)

    def facilities_gdf(self):
        import geopandas as gpd  # optional heavy dependency: only for maps

        f = self.facilities
        return gpd.GeoDataFrame(f, geometry=gpd.points_from_xy(f["x"], f["y"]), crs="EPSG:25832")

    # --- official data: one indicator of one area -----------------------------------------

    def series(self, indicator: str, area_id: str) -> pd.DataFrame:
        """The rows of ``indicator`` for ``area_id``, by year (official data)."""
        t = self.indicators
        if t.empty:
            return t
        return t[(t["indicator"] == indicator) & (t["area_id"] == area_id)].sort_values("year")

    def value(self, indicator: str, area_id: str, year: int) -> float:
        """The value of ``indicator`` for ``area_id`` in ``year`` (official data); NaN if absent."""
        s = self.series(indicator, area_id)
        s = s[s["year"] == year]
        return float(s["value"].iloc[0]) if len(s) else float("nan")

    # --- a short summary in the console and in JupyterLab ----------------------------------

    def _summary(self) -> list[tuple[str, str]]:
        if self.kind == OFFICIAL:
            levels = self.areas["level"].value_counts()
            per_level = [(lv, int(levels.get(lv, 0))) for lv in ("kreis", "gemeindeverband")]
        else:
            per_level = [(lv, len(_areas.areas_at_level(self.areas, lv))) for lv in _areas.LEVELS]
        years = self.years
        span = f"{years[0]}–{years[-1]} ({len(years)})" if years else "none"
        variables = self.variables
        shown = ", ".join(variables[:6]) + (f", … ({len(variables)})" if len(variables) > 6 else "")
        kind = {OWN: "own format", OFFICIAL: "official open data"}[self.kind]
        return [("kind", kind + (", synthetic" if self.synthetic else "")),
                ("Kreis", self.kreis_id),
                ("areas", ", ".join(f"{n} {lv}" for lv, n in per_level if n)),
                ("years", span),
                ("variables", shown),
                ("problems", str(self.problems))]

    def __repr__(self) -> str:
        lines = [f"District {self.name!r}"] + [f"  {k}: {v}" for k, v in self._summary()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>"
                       f"{html.escape(v)}</td></tr>" for k, v in self._summary())
        return f"<p><strong>District {html.escape(self.name)}</strong></p><table>{rows}</table>"


def totals(district: District, area_id: str, variable: str | list[str], by: list[str] | tuple = (),
           years: list[int] | None = None) -> pd.DataFrame:
    """Counts of ``variable`` summed over the base areas of ``area_id``, by ``year`` and ``by``.

    A year in which a base area of ``area_id`` lacks rows of a variable (:attr:`District.gaps`)
    has ``value`` NaN in every group: an absent row is missing, not 0.

    Examples
    --------
    >>> areas = pd.DataFrame({"area_id": ["03499", "03499001", "03499002"], "name": ["LK", "A", "B"],
    ...                       "kind": ["Landkreis", "Stadt", "Einheitsgemeinde"],
    ...                       "parent_id": [None, "03499", "03499"]})
    >>> counts = pd.DataFrame({"area_id": ["03499001", "03499001", "03499002", "03499002"],
    ...                        "year": 2024, "variable": "einwohner", "age_group": "insgesamt",
    ...                        "sex": ["m", "w", "m", "w"], "nationality": "insgesamt", "type": "insgesamt",
    ...                        "value": [60.0, 40.0, 30.0, 20.0]})
    >>> totals(District(areas=areas, counts=counts), "03499", "einwohner", by=["sex"])
       year sex  value
    0  2024   m   90.0
    1  2024   w   60.0
    """
    variables = [variable] if isinstance(variable, str) else list(variable)
    c = district.counts
    mask = c["variable"].isin(variables) & c["area_id"].isin(district.base_of(area_id))
    if years is not None:
        mask &= c["year"].isin(years)
    keys = ["year", *by]
    out = c[mask].groupby(keys, as_index=False, observed=True)["value"].sum()
    gaps = district.gaps
    if len(gaps):
        g = gaps[gaps["variable"].isin(variables) & gaps["area_id"].isin(district.base_of(area_id))]
        out.loc[out["year"].isin(set(g["year"])), "value"] = float("nan")
    return out
