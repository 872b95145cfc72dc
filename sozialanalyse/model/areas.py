"""Area hierarchy of a district: kinds, levels and the mapping of base areas to any level.

A district is a tree of areas (``areas`` table: ``area_id, name, kind, parent_id``):

* ``Landkreis`` (5-digit Kreis key, e.g. ``03499``)
* ``Stadt`` / ``Einheitsgemeinde`` (8-digit AGS) and ``Samtgemeinde`` (12-digit ARS-like key):
  the children of the Landkreis, i.e. the *Gemeindeverband* level used by INKAR and the
  level at which the report has one Gemeindeprofil each;
* ``Mitgliedsgemeinde`` (8-digit AGS): member municipalities of a Samtgemeinde;
* ``Sozialraum`` (``<AGS>-<nn>``): small areas inside a Stadt or Einheitsgemeinde.

Counts are stored only for *base areas* (the leaves of the tree). Every level is an
aggregation of base areas: :func:`base_to_level` maps each base area to its area at a level,
and counts are summed along that mapping before any rate is computed.
"""
from __future__ import annotations

import pandas as pd

__all__ = [
    "KINDS",
    "LEVELS",
    "LEVEL_KINDS",
    "AGE_GROUPS",
    "age_groups_between",
    "base_areas",
    "ancestors",
    "base_to_level",
    "areas_at_level",
    "area_names",
    "level_ids",
    "level_of",
    "pool_years",
    "report_year",
]

KINDS = (
    "Landkreis",
    "Stadt",
    "Einheitsgemeinde",
    "Samtgemeinde",
    "Mitgliedsgemeinde",
    "Sozialraum",
)

#: Which kinds of area form each level. Städte and Einheitsgemeinden belong to both the
#: ``gemeindeverband`` level (with Samtgemeinden) and the ``gemeinde`` level (with the
#: member municipalities of Samtgemeinden).
LEVEL_KINDS: dict[str, tuple[str, ...]] = {
    "kreis": ("Landkreis",),
    "gemeindeverband": ("Stadt", "Einheitsgemeinde", "Samtgemeinde"),
    "gemeinde": ("Stadt", "Einheitsgemeinde", "Mitgliedsgemeinde"),
    "sozialraum": ("Sozialraum",),
}
LEVELS = tuple(LEVEL_KINDS)

#: The 19 five-year age bands of the European Standard Population 2013.
AGE_GROUPS = tuple([f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"])


def age_groups_between(lower: int, upper: int | None = None) -> list[str]:
    """Five-year age bands covering ages ``lower`` to ``upper`` (inclusive; None = open end).

    Examples
    --------
    >>> age_groups_between(15, 64)[:2], age_groups_between(15, 64)[-1]
    (['15-19', '20-24'], '60-64')
    >>> age_groups_between(80)
    ['80-84', '85-89', '90+']
    """
    if lower % 5:
        raise ValueError(f"lower age {lower} is not the start of a five-year band")
    if upper is not None and (upper + 1) % 5:
        raise ValueError(f"upper age {upper} is not the end of a five-year band")
    out = []
    for band in AGE_GROUPS:
        start = int(band.split("-")[0].rstrip("+"))
        end = 200 if band.endswith("+") else int(band.split("-")[1])
        if start >= lower and (upper is None or end <= upper):
            out.append(band)
    return out


def base_areas(areas: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``areas`` that have no children (the areas counts are stored for)."""
    parents = set(areas["parent_id"].dropna())
    return areas[~areas["area_id"].isin(parents)]


def ancestors(areas: pd.DataFrame, area_id: str) -> list[str]:
    """``area_id`` and all its ancestors, from the area itself up to the root."""
    parent = dict(zip(areas["area_id"], areas["parent_id"]))
    if area_id not in parent:
        raise KeyError(f"unknown area key {area_id!r}")
    chain = [area_id]
    while isinstance(parent.get(chain[-1]), str) and parent[chain[-1]]:
        chain.append(parent[chain[-1]])
    return chain


def base_to_level(areas: pd.DataFrame, level: str) -> pd.Series:
    """Map every base area to its area at ``level``.

    Returns a Series indexed by base ``area_id`` whose values are the area ids at ``level``.
    Base areas that have no area at that level (e.g. a Mitgliedsgemeinde at level
    ``sozialraum``) are left out.

    Examples
    --------
    >>> areas = pd.DataFrame({
    ...     "area_id": ["03499", "03499001", "03499001-01", "03499001-02", "03499002"],
    ...     "name": ["LK", "Stadt A", "SR 1", "SR 2", "Gemeinde B"],
    ...     "kind": ["Landkreis", "Stadt", "Sozialraum", "Sozialraum", "Einheitsgemeinde"],
    ...     "parent_id": [None, "03499", "03499001", "03499001", "03499"]})
    >>> base_to_level(areas, "gemeinde").to_dict()
    {'03499001-01': '03499001', '03499001-02': '03499001', '03499002': '03499002'}
    """
    if level not in LEVEL_KINDS:
        raise ValueError(f"unknown level {level!r}; known levels: {', '.join(LEVELS)}")
    kinds = set(LEVEL_KINDS[level])
    kind_of = dict(zip(areas["area_id"], areas["kind"]))
    parent = dict(zip(areas["area_id"], areas["parent_id"]))
    memo: dict[str, str | None] = {}

    def at_level(a):  # nearest ancestor-or-self of a kind at the level (memoised: O(n) in all)
        if a in memo:
            return memo[a]
        if kind_of.get(a) in kinds:
            hit = a
        else:
            p = parent.get(a)
            hit = at_level(p) if isinstance(p, str) and p else None
        memo[a] = hit
        return hit

    out = {}
    for base in base_areas(areas)["area_id"]:
        hit = at_level(base)
        if hit is not None:
            out[base] = hit
    return pd.Series(out, name=level, dtype="object").rename_axis("area_id")


def areas_at_level(areas: pd.DataFrame, level: str) -> pd.DataFrame:
    """Rows of ``areas`` at ``level``, in the table's order."""
    if level not in LEVEL_KINDS:
        raise ValueError(f"unknown level {level!r}; known levels: {', '.join(LEVELS)}")
    return areas[areas["kind"].isin(LEVEL_KINDS[level])]

# --------------------------------------------------------------------------- a district's areas

def report_year(district, year=None) -> int:
    """``year``, or the district's report year when ``year`` is None or 0.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> d = SimpleNamespace(report_year=2024)
    >>> report_year(d), report_year(d, 0), report_year(d, 2021)
    (2024, 2024, 2021)
    """
    return int(year or district.report_year)


def pool_years(district, year: int, pool: int) -> list[int]:
    """The district's data years among the last ``pool`` years up to ``year`` (ascending).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> pool_years(SimpleNamespace(years=[2019, 2020, 2021, 2022]), 2022, 3)
    [2020, 2021, 2022]
    >>> pool_years(SimpleNamespace(years=[2020, 2022]), 2022, 3)  # 2021 has no data
    [2020, 2022]
    """
    return [y for y in district.years if year - pool < y <= year]


def area_names(district) -> dict[str, str]:
    """``area_id`` -> name of every area of the district.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> area_names(SimpleNamespace(areas=pd.DataFrame({"area_id": ["01", "01001"],
    ...                                                "name": ["Kreis", "Astadt"]})))
    {'01': 'Kreis', '01001': 'Astadt'}
    """
    return dict(zip(district.areas["area_id"], district.areas["name"]))


def level_of(district, level: str) -> pd.Series:
    """Base area -> its area at ``level``.

    Parameters
    ----------
    district : District
    level : str
        A level of the area tree (:data:`sozialanalyse.model.areas.LEVELS`), ``kreis`` (every
        base area maps to the Kreis) or ``base`` (every base area maps to itself).

    Returns
    -------
    Series
        Indexed by the base ``area_id``; base areas without an area at ``level`` are left out.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> areas = pd.DataFrame({"area_id": ["01", "01001", "01001-01", "01002"],
    ...                       "name": ["Kreis", "Astadt", "Nord", "Bedorf"],
    ...                       "kind": ["Landkreis", "Stadt", "Sozialraum", "Einheitsgemeinde"],
    ...                       "parent_id": ["", "01", "01001", "01"]})
    >>> d = SimpleNamespace(areas=areas, kreis={"area_id": "01"})
    >>> level_of(d, "gemeindeverband").to_dict()
    {'01001-01': '01001', '01002': '01002'}
    >>> level_of(d, "sozialraum").to_dict(), level_of(d, "kreis").to_dict()
    ({'01001-01': '01001-01'}, {'01001-01': '01', '01002': '01'})
    """
    if level == "kreis":
        base = base_areas(district.areas)["area_id"]
        return pd.Series(district.kreis["area_id"], index=pd.Index(base, name="area_id"))
    if level == "base":
        base = base_areas(district.areas)["area_id"]
        return pd.Series(base.to_numpy(), index=pd.Index(base, name="area_id"))
    return base_to_level(district.areas, level)


def level_ids(district, level: str) -> list[str]:
    """Ids of the areas at ``level`` in the order of the area tree (``gemeindeverband``: the
    municipalities; ``base``: the base areas).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> areas = pd.DataFrame({"area_id": ["01", "01001", "01001-01", "01001-02", "01002"],
    ...                       "kind": ["Landkreis", "Stadt", "Sozialraum", "Sozialraum", "Einheitsgemeinde"],
    ...                       "parent_id": ["", "01", "01001", "01001", "01"]})
    >>> d = SimpleNamespace(areas=areas)
    >>> level_ids(d, "sozialraum"), level_ids(d, "base")
    (['01001-01', '01001-02'], ['01001-01', '01001-02', '01002'])
    """
    if level == "gemeindeverband":
        return list(district.municipalities()["area_id"])
    if level == "base":
        return base_areas(district.areas)["area_id"].tolist()
    return areas_at_level(district.areas, level)["area_id"].tolist()
