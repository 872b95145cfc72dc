"""Reader for the project's own input format (see ``data/README.md``) (io floor).

:func:`load_district` reads one district folder (or a report config that points at one) and
returns a :class:`~sozialanalyse.model.district.District` of kind ``"own"``: the area tree, one
long table of counts, the facilities and the boundaries (read on first use by
:func:`read_geometry`). It reads and checks the tables through
:func:`sozialanalyse.io.validate.validate` (one reading path): with ``validation: strict`` any
problem raises a :class:`DataError` listing every problem with its file, row, column, key and value.

The schema of the format and the reading of its files are in :mod:`sozialanalyse.io.tables`
(re-exported here: :data:`VARIABLES`, :func:`parse_values`, :func:`read_table`, ...). The report
config is :class:`sozialanalyse.model.config.Config` (:func:`read_config`, re-exported here). The front door for both kinds of
district is :func:`sozialanalyse.io.load.load` (``sa.load``).
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
from pathlib import Path

import pandas as pd
import yaml

from ..model import names as _names
from ..model.config import Config, ConfigError, read_config, resolve_config
from ..model.district import BOUNDARY_READERS, OWN, District, totals
from ..model.errors import DataError
from .tables import (  # the schema and readers of the format, re-exported for old imports
    COUNT_FILES,
    DIMENSIONS,
    VALUE_MAX,
    VARIABLES,
    YEAR_MIN,
    Table,
    boundary_path,
    check_keys,
    geometry_problems,
    parse_values,
    read_boundaries,
    read_required,
    read_table,
    table_path,
    year_range,
)
from .validate import validate

__all__ = [
    "COUNT_FILES",
    "Config",
    "ConfigError",
    "DIMENSIONS",
    "VALUE_MAX",
    "VARIABLES",
    "YEAR_MIN",
    "DataError",
    "District",
    "Table",
    "boundary_path",
    "load_district",
    "parse_values",
    "read_boundaries",
    "read_config",
    "read_geometry",
    "read_table",
    "resolve_config",
    "table_path",
    "totals",
    "write_workbook",
    "year_range",
]


def read_geometry(district: District):
    """Boundaries of every area of an own-format district (GeoDataFrame, EPSG:25832) joined with
    the area tree: what :attr:`District.geometry` returns (registered in
    :data:`sozialanalyse.model.district.BOUNDARY_READERS`).

    With ``validation: lenient`` the boundaries of areas whose row was rejected (and
    boundaries the validation rejects: a second one of an area, a key stored as a number, a
    NULL, EMPTY or invalid geometry) are left out, as the data page lists; otherwise an unknown
    key or an unusable geometry (:func:`geometry_problems`) raises :class:`DataError`.
    """
    folder = Path(district.folder)
    path = boundary_path(folder)
    if path is None:
        raise DataError(f"{folder / 'gebiete.gpkg'}: file missing (or gebiete.shp)")
    gdf, numeric = read_boundaries(path)
    known = set(district.areas["area_id"])
    bad_shape = geometry_problems(gdf)  # NULL, EMPTY, invalid: refused (strict) or left out (lenient)
    if district.lenient:
        usable = pd.Series([i not in bad_shape for i in range(len(gdf))], index=gdf.index)
        gdf = gdf[~numeric & gdf["area_id"].isin(known) & ~gdf["area_id"].duplicated() & usable]
    elif bad_shape:
        i, (code, reason) = next(iter(bad_shape.items()))
        more = f" (and {len(bad_shape) - 1} more; sozialanalyse validate lists them)" if len(bad_shape) > 1 else ""
        raise DataError(f"{path.name}: row {i + 2}, column geometry, area {gdf['area_id'].iloc[i]}: {reason}; "
                        f"correct the boundary in the GIS (it is not repaired) [{code}]{more}")
    elif numeric.any():
        i = int(numeric.to_numpy().nonzero()[0][0])
        raise DataError(f"{path.name}: row {i + 2}, column area_id: key stored as a number "
                        f"({gdf['area_id'].iloc[i]}): a leading zero may be lost; store area_id as text")
    else:
        check_keys(Table(path.name, gdf, list(range(2, len(gdf) + 2))), known)
    return gdf.merge(district.areas, on="area_id", how="left")


BOUNDARY_READERS[OWN] = read_geometry


def load_district(source: str | Path) -> District:
    """Load a district of the own format from its data folder or from a report config.

    Parameters
    ----------
    source : str or Path
        A data folder (containing ``areas.csv``), a config file, or a config name such as
        ``"musterland"`` (the embedded demo district). A config of official open data
        (``source: official``) is refused with a message pointing to
        :func:`sozialanalyse.io.load.load` (``sa.load``), which loads both kinds.

    Notes
    -----
    The tables are read and checked by :func:`sozialanalyse.io.validate.validate`, the same path as
    ``sozialanalyse validate``, so the loader refuses or leaves out exactly the rows validation
    lists (a duplicate row is never counted twice, ``2015.6`` is never year 2015). With
    ``validation: strict`` (the default, also for a data folder) any problem raises
    :class:`sozialanalyse.io.validate.ValidationError` (a :class:`DataError`) listing every problem
    with file, row, column, area key and value; with ``validation: lenient`` the district holds
    the rows that pass and ``district.validation`` the problems. The boundaries are checked when
    :attr:`District.geometry` is first used.

    Examples
    --------
    >>> d = load_district("musterland")
    >>> d.kreis["area_id"], d.synthetic
    ('03499', True)
    """
    config = Config()
    src = Path(source) if source is not None else None
    if src is not None and src.is_dir():
        folder = src.resolve()
    else:
        config = read_config(source)  # checks validation, report_year and that the folder exists
        if config.data is None:  # source: official
            raise DataError(
                f"{config.where}: Diese Konfiguration liest amtliche Daten (source: official), keinen Datenordner "
                f"im eigenen Format; laden Sie sie mit sa.load({str(source)!r}). / This config reads official open "
                f"data (source: official), not a data folder of the own format: load it with "
                f"sa.load({str(source)!r}).")
        folder = config.data
    if not folder.is_dir():
        raise DataError(f"data folder {folder} does not exist")
    mode = config.validation
    checked = _validated(folder, mode, config.report_year)
    areas, counts, facilities = checked.areas, checked.counts, checked.facilities
    if (areas["kind"] == "Landkreis").sum() != 1 or counts.empty:  # lenient: too much rejected
        raise DataError(f"{folder}: too little passed validation to build from (no Landkreis or no "
                        f"counts left):\n{checked.report()}")
    for col in ("area_id", "variable", *DIMENSIONS):
        counts[col] = counts[col].astype(str)
    meta_path = folder / "meta.yml"
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    # lenient: texts without bidirectional control characters (strict validation refused them)
    if isinstance(meta, dict):
        meta = {k: _names.strip(v) if isinstance(v, str) else v for k, v in meta.items()}
    addresses = checked.addresses if checked.addresses is not None else pd.DataFrame()
    return District(kind=OWN, folder=folder, areas=areas, counts=counts, facilities=facilities, meta=meta or {},
                    addresses=addresses,
                    config=config, lenient=mode == "lenient", validation=checked)


#: The environment variable naming a folder (the build's cache, never the site) where
#: :func:`load_district` keeps the validated tables of a data folder, so that each notebook kernel
#: of a build reads them (0.2 s on Musterland) instead of validating again (about 1 s).
DISTRICT_CACHE = "SOZIALANALYSE_DISTRICT_CACHE"


def _validated(folder: Path, mode: str, report_year):
    """:func:`~sozialanalyse.io.validate.validate` of ``folder``, read from the folder
    :data:`DISTRICT_CACHE` names where an earlier call saved it. The file is named by the sha256
    of every data file, the mode, the report year, the library source and the versions of
    Python, pandas and numpy: other data, another config or another library never hit it. An
    unreadable file is validated again (and replaced)."""
    strict = mode == "strict"
    cache = os.environ.get(DISTRICT_CACHE)
    if not cache:
        return validate(folder, strict=strict, geometry=False, report_year=report_year)
    import numpy as np

    from .provenance import digest, library_hash

    key = digest("validated district", json.dumps(file_hashes(folder), sort_keys=True), str(mode), str(report_year),
                 library_hash(), sys.version, pd.__version__, np.__version__)
    path = Path(cache) / f"{key}.pickle"
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)  # the build's own cache, written below
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
        pass
    checked = validate(folder, strict=strict, geometry=False, report_year=report_year)  # raises in strict mode
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(checked, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        for old in sorted(path.parent.glob("*.pickle"), key=lambda q: q.stat().st_mtime)[:-4]:
            old.unlink(missing_ok=True)  # the four newest stay (other districts, configs)
    except OSError:
        pass  # a cache that cannot be written costs time, not correctness
    return checked


def write_workbook(folder: str | Path, path: str | Path) -> Path:
    """Write the tables of a district folder into one Excel workbook, one sheet per table.

    Each sheet is named like its table (``areas``, ``population``, ..., ``facilities``); key
    columns are stored as text and formatted as text (``@``), so that keys typed into them keep
    their leading zeros; ``year``, ``value`` and coordinates are numbers. A copy of the workbook
    saved as ``areas.xlsx`` is read from its sheet ``areas``, as ``population.xlsx`` from its
    sheet ``population``, and so on (:func:`read_table`). ``data/vorlage/vorlage.xlsx`` is
    written by this function from the CSV files beside it.
    """
    import openpyxl  # openpyxl: loaded only for Excel files
    from openpyxl.utils import get_column_letter  # openpyxl: loaded only for Excel files

    folder, path = Path(folder), Path(path)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for fname in ("areas.csv", *COUNT_FILES, "facilities.csv"):
        found = table_path(folder, fname)
        if found is None:
            continue
        t = read_required(found, ())
        ws = wb.create_sheet(Path(fname).stem)
        ws.append(list(t.df.columns))
        numeric = [c in ("year", "value", "x", "y", "capacity") for c in t.df.columns]
        for row in t.df.itertuples(index=False):
            ws.append([None if pd.isna(v) else _number(v) if num else str(v) for v, num in zip(row, numeric)])
        for j, num in enumerate(numeric, start=1):
            if not num:  # text columns stay text when a user types digits into them
                ws.column_dimensions[get_column_letter(j)].number_format = "@"
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = "@"
        ws.freeze_panes = "A2"
    wb.save(path)
    return path


def _number(text: str):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def data_files(folder: str | Path) -> list[tuple[str, Path]]:
    """``(name, path)`` of every file in a district folder and in its subfolders one level down
    (the project reports ``projekte/*.xlsx``, named ``projekte/<file>``; hidden folders left out),
    sorted: the files a load may read, which :func:`file_hashes` hashes."""
    out = []
    for p in sorted(Path(folder).iterdir()):
        if p.is_file():
            out.append((p.name, p))
        elif p.is_dir() and not p.name.startswith("."):
            out.extend((f"{p.name}/{q.name}", q) for q in sorted(p.iterdir()) if q.is_file())
    return out


def file_hashes(folder: str | Path) -> dict[str, str]:
    """sha256 of every file of :func:`data_files`, by its name, for caching and provenance."""
    return {name: hashlib.sha256(p.read_bytes()).hexdigest() for name, p in data_files(folder)}
