"""Reader for the project's own input format (see ``data/README.md``).

:func:`load_district` reads one district folder (or a report config that points at one) and
returns a :class:`District`: the area tree, one long table of counts, the facilities and the
boundaries. Every problem with the files raises :class:`DataError` naming the file, the column,
the row and the key.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
import yaml

from .. import areas as _areas

__all__ = ["DataError", "District", "load_district", "totals", "COUNT_FILES", "DIMENSIONS", "resolve_config", "read_config"]

DIMENSIONS = ("age_group", "sex", "nationality", "type")
COUNT_COLUMNS = ("area_id", "year", "variable", *DIMENSIONS, "value")
COUNT_FILES = (
    "population.csv",
    "households.csv",
    "movements.csv",
    "transfers.csv",
    "labour.csv",
    "housing.csv",
    "school_entry.csv",
    "care.csv",
    "disability.csv",
    "elections.csv",
)
FACILITY_TYPES = ("Stadtteilhaus", "Pflegestützpunkt", "Seniorenberatung", "Kita", "Hausarztpraxis")
_DIMENSION_VALUES = {
    "age_group": set(_areas.AGE_GROUPS),
    "sex": {"m", "w"},
    "nationality": {"deutsch", "nichtdeutsch"},
}
TOTAL = "insgesamt"


#: Area keys as documented in data/README.md: Kreis ``03499``, AGS ``03499001``, Samtgemeinde
#: ``034995401000``, Sozialraum ``03499001-07``. Keys become page and file names and notebook
#: parameters, so nothing else is accepted.
AREA_KEY_PATTERN = r"[0-9]{5}|[0-9]{8}|[0-9]{12}|[0-9]{8}(?:[0-9]{4})?-[0-9]{1,4}"


class DataError(ValueError):
    """A problem with the input data; the message names file, row, column and key."""


def _project_root() -> Path:
    return Path(__file__).resolve().parents[2]


def resolve_config(config: str | Path | None = None) -> Path:
    """Path of a report config.

    ``None`` or a bare name like ``"musterland"`` means ``config/<name>.yml`` of the project
    (looked up from the working directory, then beside the installed package), so notebooks run
    from any folder.
    """
    name = "musterland" if config is None else str(config)
    candidates = [Path(name)]
    if not name.endswith((".yml", ".yaml")):
        candidates += [Path.cwd() / "config" / f"{name}.yml", _project_root() / "config" / f"{name}.yml"]
    elif not Path(name).is_absolute():  # an executed notebook opened in book/_generated/ (JupyterLab)
        candidates += [p / name for p in Path.cwd().parents if (p / "_toc.yml").is_file()]
    for c in candidates:
        if c.is_file():
            return c.resolve()
    raise DataError(f"config {name!r} not found (looked at: {', '.join(str(c) for c in candidates)})")


def read_config(config: str | Path | None = None) -> dict:
    """Read a report config; relative paths in it are made absolute (relative to the file)."""
    path = resolve_config(config)
    with open(path, encoding="utf-8") as fh:
        cfg = yaml.safe_load(fh) or {}
    if "data" not in cfg and cfg.get("source") != "official":  # official: files of the data mirror
        raise DataError(f"{path}: the config has no 'data' entry (the district's data folder)")
    cfg["_path"] = str(path)
    if "data" in cfg:
        cfg["data"] = str((path.parent / cfg["data"]).resolve())
    if cfg.get("catalog"):  # user indicator catalog(s) extending the packaged one, relative to the config
        cats = cfg["catalog"] if isinstance(cfg["catalog"], list) else [cfg["catalog"]]
        resolved = [str((path.parent / str(c)).resolve()) for c in cats]
        for c in resolved:
            if not Path(c).is_file():
                raise DataError(f"{path}: catalog: file {c} missing")
        cfg["catalog"] = resolved
    return cfg


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"{path}: file missing")
    df = pd.read_csv(path, dtype={"area_id": str, "parent_id": str, "facility_id": str}, keep_default_na=False,
                     na_values=[""], encoding="utf-8")
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError(f"{path.name}: column(s) {', '.join(missing)} missing (has: {', '.join(df.columns)})")
    return df


def _check_keys(df: pd.DataFrame, known: set[str], fname: str) -> None:
    bad = ~df["area_id"].isin(known)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(
            f"{fname}: row {i + 2}, column area_id: unknown area key {df['area_id'].iloc[i]!r} "
            f"({int(bad.sum())} row(s) with keys not in areas.csv)"
        )


def _read_counts(folder: Path, areas: pd.DataFrame) -> pd.DataFrame:
    base = set(_areas.base_areas(areas)["area_id"])
    frames = []
    for fname in COUNT_FILES:
        df = _read_csv(folder / fname, ("area_id", "year", "variable", "value"))
        _check_keys(df, base, fname)
        for col in ("year", "value"):
            num = pd.to_numeric(df[col], errors="coerce")
            if num.isna().any():
                i = int(num.isna().to_numpy().nonzero()[0][0])
                raise DataError(
                    f"{fname}: row {i + 2}, column {col}: {df[col].iloc[i]!r} is not a number "
                    f"(area {df['area_id'].iloc[i]})"
                )
            df[col] = num
        if (df["value"] < 0).any():
            i = int((df["value"] < 0).to_numpy().nonzero()[0][0])
            raise DataError(f"{fname}: row {i + 2}, column value: negative count {df['value'].iloc[i]} "
                            f"(area {df['area_id'].iloc[i]}, variable {df['variable'].iloc[i]})")
        for dim in DIMENSIONS:
            if dim not in df.columns:
                df[dim] = TOTAL
            else:
                df[dim] = df[dim].fillna(TOTAL).astype(str)
                allowed = _DIMENSION_VALUES.get(dim)
                if allowed is not None:
                    bad = ~df[dim].isin(allowed | {TOTAL})
                    if bad.any():
                        i = int(bad.to_numpy().nonzero()[0][0])
                        raise DataError(f"{fname}: row {i + 2}, column {dim}: unknown value {df[dim].iloc[i]!r}")
        df["year"] = df["year"].astype(int)
        frames.append(df[list(COUNT_COLUMNS)])
    counts = pd.concat(frames, ignore_index=True)
    for col in ("area_id", "variable", *DIMENSIONS):
        counts[col] = counts[col].astype(str)
    return counts


@dataclass
class District:
    """A district's data: area tree, long counts, facilities, boundaries and metadata."""

    folder: Path
    areas: pd.DataFrame
    counts: pd.DataFrame
    facilities: pd.DataFrame
    meta: dict
    config: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.meta.get("name") or self.kreis["name"]

    @property
    def kreis(self) -> pd.Series:
        return self.areas[self.areas["kind"] == "Landkreis"].iloc[0]

    @property
    def synthetic(self) -> bool:
        return bool(self.meta.get("synthetic", False))

    @property
    def years(self) -> list[int]:
        return sorted(self.counts["year"].unique().tolist())

    @property
    def report_year(self) -> int:
        return int(self.config.get("report_year") or max(self.years))

    def area(self, area_id: str) -> pd.Series:
        """The row of ``areas`` for ``area_id``; a clear error for an unknown key."""
        hit = self.areas[self.areas["area_id"] == str(area_id)]
        if hit.empty:
            raise DataError(f"unknown area key {area_id!r} (not in {self.folder / 'areas.csv'})")
        return hit.iloc[0]

    def name_of(self, area_id: str) -> str:
        return str(self.area(area_id)["name"])

    def children(self, area_id: str) -> pd.DataFrame:
        return self.areas[self.areas["parent_id"] == str(area_id)]

    def municipalities(self) -> pd.DataFrame:
        """Städte, Einheitsgemeinden and Samtgemeinden: one Gemeindeprofil each."""
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
        """Boundaries of every area (GeoDataFrame, EPSG:25832) joined with the area tree."""
        import geopandas as gpd

        path = self.folder / "gebiete.gpkg"
        if not path.is_file():
            raise DataError(f"{path}: file missing")
        gdf = gpd.read_file(path, layer="gebiete")
        gdf["area_id"] = gdf["area_id"].astype(str)
        _check_keys(gdf, set(self.areas["area_id"]), "gebiete.gpkg")
        return gdf.merge(self.areas, on="area_id", how="left")

    def facilities_gdf(self):
        import geopandas as gpd

        f = self.facilities
        return gpd.GeoDataFrame(f, geometry=gpd.points_from_xy(f["x"], f["y"]), crs="EPSG:25832")


def _read_areas(folder: Path) -> pd.DataFrame:
    areas = _read_csv(folder / "areas.csv", ("area_id", "name", "kind", "parent_id"))
    bad = ~areas["kind"].isin(_areas.KINDS)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(f"areas.csv: row {i + 2}, column kind: unknown kind {areas['kind'].iloc[i]!r} "
                        f"(allowed: {', '.join(_areas.KINDS)})")
    for col in ("area_id", "parent_id"):  # keys name pages and files and are notebook parameters
        keys = areas[col].fillna("").astype(str)
        bad = ~keys.str.fullmatch(AREA_KEY_PATTERN) & ~((col == "parent_id") & (keys == ""))
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise DataError(f"areas.csv: row {i + 2}, column {col}: invalid area key {keys.iloc[i][:80]!r} "
                            "(allowed: 5-digit Kreis key, 8-digit AGS, 12-digit Samtgemeinde key, "
                            "<AGS>-<nn> for a Sozialraum; see data/README.md)")
    dup = areas["area_id"].duplicated()
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise DataError(f"areas.csv: row {i + 2}, column area_id: duplicate key {areas['area_id'].iloc[i]!r}")
    known = set(areas["area_id"])
    orphan = areas["parent_id"].notna() & ~areas["parent_id"].isin(known)
    if orphan.any():
        i = int(orphan.to_numpy().nonzero()[0][0])
        raise DataError(f"areas.csv: row {i + 2}, column parent_id: unknown parent {areas['parent_id'].iloc[i]!r} "
                        f"of area {areas['area_id'].iloc[i]!r}")
    if (areas["kind"] == "Landkreis").sum() != 1:
        raise DataError("areas.csv: exactly one area of kind 'Landkreis' is required")
    return areas


def load_district(source: str | Path | None = None) -> District:
    """Load a district from its data folder or from a report config.

    Parameters
    ----------
    source : str or Path, optional
        A data folder (containing ``areas.csv``), a config file, or a config name such as
        ``"musterland"`` (the default: the embedded demo district).

    Examples
    --------
    >>> d = load_district("musterland")
    >>> d.kreis["area_id"], d.synthetic
    ('03499', True)
    """
    config: dict = {}
    src = Path(source) if source is not None else None
    if src is not None and src.is_dir():
        folder = src.resolve()
    else:
        config = read_config(source)
        folder = Path(config["data"])
    if not folder.is_dir():
        raise DataError(f"data folder {folder} does not exist")
    mode = str(config.get("validation", "strict"))
    if mode not in ("strict", "lenient"):
        raise DataError(f"{config.get('_path')}: validation: {mode!r} is neither 'strict' nor 'lenient'")
    if mode == "lenient":  # build from the rows that pass; the data page lists what was rejected
        from ..validate import validate

        checked = validate(folder, geometry=False)
        areas, counts = checked.areas, checked.counts
        for col in ("area_id", "variable", *DIMENSIONS):
            counts[col] = counts[col].astype(str)
    else:
        areas = _read_areas(folder)
        counts = _read_counts(folder, areas)
    facilities = _read_csv(folder / "facilities.csv", ("facility_id", "name", "type", "area_id", "x", "y"))
    _check_keys(facilities, set(areas["area_id"]), "facilities.csv")
    meta_path = folder / "meta.yml"
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    return District(folder=folder, areas=areas, counts=counts, facilities=facilities, meta=meta or {},
                    config=config)


def file_hashes(folder: str | Path) -> dict[str, str]:
    """sha256 of every file in a district folder (for caching and provenance)."""
    out = {}
    for p in sorted(Path(folder).iterdir()):
        if p.is_file():
            out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def totals(district: District, area_id: str, variable: str | list[str], by: list[str] | tuple = (),
           years: list[int] | None = None) -> pd.DataFrame:
    """Counts of ``variable`` summed over the base areas of ``area_id``, by ``year`` and ``by``.

    Examples
    --------
    >>> d = load_district("musterland")
    >>> t = totals(d, "03499", "einwohner", by=["sex"], years=[2024])
    >>> sorted(t["sex"])
    ['m', 'w']
    """
    variables = [variable] if isinstance(variable, str) else list(variable)
    c = district.counts
    mask = c["variable"].isin(variables) & c["area_id"].isin(district.base_of(area_id))
    if years is not None:
        mask &= c["year"].isin(years)
    keys = ["year", *by]
    return c[mask].groupby(keys, as_index=False, observed=True)["value"].sum()
