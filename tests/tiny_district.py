"""A tiny constructed district for hand calculations (not a test file).

Kreis 09999 "Landkreis Klein" with the Stadt 09999001 "Astadt" (Sozialräume -01 "Nord" and -02
"Süd") and the Einheitsgemeinde 09999002 "Bedorf"; 1.000 inhabitants in every age band and sex
of each base area, 2020-2024; deaths only among women aged 90+ (Nord and Süd 3 a year each,
Bedorf 2 a year); a Pflegestützpunkt at (3000, 4000) in Süd and a Kita at (1, 1) in Nord. With
``with_geometry``, each base area is a 2 m square: Nord around (0, 0), Süd around (0, 6000),
Bedorf around (10000, 0) (EPSG:25832), written to ``gebiete.gpkg`` in ``tmp_path``.

Used by ``tests/test_mortality.py``, ``tests/test_access.py``, ``tests/test_care.py`` and
``tests/test_pages_health.py``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sozialanalyse.io.own import District
from sozialanalyse.model.areas import AGE_GROUPS

COLUMNS = ["area_id", "year", "variable", "age_group", "sex", "nationality", "type", "value"]


def rows(area, years, variable, values: dict, sexes=("m", "w")):
    """Rows for every age band and sex; ``values`` maps (sex, band) or band to a value (else 0)."""
    out = []
    for y in years:
        for s in sexes:
            for b in AGE_GROUPS:
                v = values.get((s, b), values.get(b, values.get("*", 0.0)))
                out.append([area, y, variable, b, s, "deutsch" if variable == "einwohner" else "insgesamt",
                            "insgesamt", float(v)])
    return out


def tiny(tmp_path: Path, with_geometry: bool = False) -> District:
    """The tiny district (see the module docstring)."""
    areas = pd.DataFrame({
        "area_id": ["09999", "09999001", "09999001-01", "09999001-02", "09999002"],
        "name": ["Landkreis Klein", "Astadt", "Nord", "Süd", "Bedorf"],
        "kind": ["Landkreis", "Stadt", "Sozialraum", "Sozialraum", "Einheitsgemeinde"],
        "parent_id": ["", "09999", "09999001", "09999001", "09999"],
    })
    years = range(2020, 2025)
    out = []
    for a in ("09999001-01", "09999001-02", "09999002"):
        out += rows(a, years, "einwohner", {"*": 1000.0})
    # deaths only among women aged 90+: Astadt 30 in five years (3 per year in each Sozialraum),
    # Bedorf 10 (2 per year)
    out += rows("09999001-01", years, "sterbefaelle", {("w", "90+"): 3.0})
    out += rows("09999001-02", years, "sterbefaelle", {("w", "90+"): 3.0})
    out += rows("09999002", years, "sterbefaelle", {("w", "90+"): 2.0})
    counts = pd.DataFrame(out, columns=COLUMNS)
    facilities = pd.DataFrame({
        "facility_id": ["PSP-1", "KITA-1"], "name": ["Pflegestützpunkt Astadt", "Kita Nord"],
        "type": ["Pflegestützpunkt", "Kita"], "area_id": ["09999001-02", "09999001-01"],
        "x": [3000.0, 1.0], "y": [4000.0, 1.0], "capacity": [np.nan, 50.0]})
    d = District(folder=tmp_path, areas=areas, counts=counts, facilities=facilities,
                 meta={"name": "Landkreis Klein"})
    if with_geometry:
        import geopandas as gpd  # GIS stack: only the distance tests need polygons
        from shapely.geometry import box

        def sq(x, y):  # a 2 m square around (x, y): its representative point is within 1,5 m
            return box(x - 1, y - 1, x + 1, y + 1)

        nord, sued, bedorf = sq(0, 0), sq(0, 6000), sq(10000, 0)
        geo = gpd.GeoDataFrame({"area_id": list(areas["area_id"])},
                               geometry=[nord.union(sued).union(bedorf), nord.union(sued), nord, sued, bedorf],
                               crs="EPSG:25832")
        geo.to_file(tmp_path / "gebiete.gpkg", layer="gebiete", driver="GPKG")
    return d


def set_population_80plus(d: District) -> District:
    """``d`` with the population set to 0 except 80+: Nord 100 (women 80-84) and 5.000 men aged
    20-24 (who must not count), Süd 300 (200 women, 100 men 90+), Bedorf 50 (women 85-89)."""
    c = d.counts
    pop = c["variable"] == "einwohner"
    c.loc[pop, "value"] = 0.0
    at = lambda a, band, sex: pop & (c["area_id"] == a) & (c["age_group"] == band) & (c["sex"] == sex)
    c.loc[at("09999001-01", "20-24", "m"), "value"] = 5000
    c.loc[at("09999001-01", "80-84", "w"), "value"] = 100
    c.loc[at("09999001-02", "90+", "w"), "value"] = 200
    c.loc[at("09999001-02", "90+", "m"), "value"] = 100
    c.loc[at("09999002", "85-89", "w"), "value"] = 50
    return d


def without_rows(d: District, drop) -> District:
    """A lenient copy of ``d`` without the count rows where ``drop`` (a boolean Series) is True."""
    return District(folder=d.folder, areas=d.areas, counts=d.counts[~drop].reset_index(drop=True),
                    facilities=d.facilities, meta=d.meta, lenient=True)
