"""Reader for the project's own input format (see ``data/README.md``) (io floor).

:func:`load_district` reads one district folder (or a report config that points at one) and
returns a :class:`~sozialanalyse.model.district.District` of kind ``"own"``: the area tree, one
long table of counts, the facilities and the boundaries (read on first use by
:func:`read_geometry`). It reads and checks the tables through
:func:`sozialanalyse.io.validate.validate` (one reading path): with ``validation: strict`` any
problem raises a :class:`DataError` listing every problem with its file, row, column, key and value.

The schema of the format and the reading of its files are in :mod:`sozialanalyse.io.tables`
(re-exported here: :data:`VARIABLES`, :func:`parse_values`, :func:`read_table`, ...). This
module also reads report configs (:func:`read_config`). The front door for both kinds of
district is :func:`sozialanalyse.io.load.load` (``sa.load``).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import yaml

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
    cfg = _load_config_yaml(path)
    _check_config(cfg, path)
    cfg = _plain_numbers(cfg)
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


#: Config entries holding area keys (each a key or a list of keys); a key must be YAML text.
CONFIG_AREA_KEYS = ("profiles", "kreis")
#: A report year outside this range is a typing error, not a report.
CONFIG_YEARS = (1950, 2100)
_ACK_KEY = "threshold_below_3_acknowledged"


class _ConfigLoader(yaml.SafeLoader):
    """PyYAML's safe loader that keeps, for every number, the text the file spelt it with and
    its line: ``03453001`` reads as the octal 939521 under YAML 1.1, and the message about it
    must show what was written, not the number it became."""


class _ConfigDict(dict):
    """The top level of a config as read, with ``lines``: the line of each key, by key path
    (``("disclosure", "threshold")``), for messages about values that carry no line themselves."""

    lines: dict


def _key_lines(node, prefix: tuple = (), out: dict | None = None) -> dict:
    out = {} if out is None else out
    if isinstance(node, yaml.MappingNode) and len(prefix) < 3:
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                out[(*prefix, k.value)] = k.start_mark.line + 1
                _key_lines(v, (*prefix, k.value), out)
    return out


class _Number:
    """Mixin of :class:`_RawInt` and :class:`_RawFloat`: the scalar's source text and line."""

    raw: str
    line: int


class _RawInt(int, _Number):
    pass


class _RawFloat(float, _Number):
    pass


def _construct_raw(cls, base):
    def construct(loader, node):
        value = cls(base(loader, node))
        value.raw, value.line = node.value, node.start_mark.line + 1
        return value
    return construct


_ConfigLoader.add_constructor("tag:yaml.org,2002:int",
                              _construct_raw(_RawInt, yaml.SafeLoader.construct_yaml_int))
_ConfigLoader.add_constructor("tag:yaml.org,2002:float",
                              _construct_raw(_RawFloat, yaml.SafeLoader.construct_yaml_float))


def _recursive_alias(node, path: tuple = ()) -> yaml.Node | None:
    """The first node of a YAML node graph that contains itself (a recursive anchor), else None."""
    if id(node) in path:
        return node
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    else:
        return None
    for child in children:
        found = _recursive_alias(child, (*path, id(node)))
        if found is not None:
            return found
    return None


def _load_config_yaml(path: Path) -> dict:
    """Read a config file; a syntax error, an unsafe tag (``!!python/...``), a recursive anchor
    or a top level that is not a mapping raise :class:`DataError` as one line
    (``config/x.yml, line 4: ...``). Numbers carry their source text (:class:`_RawInt`)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text (byte {exc.start}); save the config as UTF-8") from exc
    loader = _ConfigLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            rec = _recursive_alias(node)
            if rec is not None:
                raise DataError(f"{path}, line {rec.start_mark.line + 1}: a YAML anchor contains an alias of itself "
                                "(recursive anchor); write the values out")
        cfg = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}, line {mark.line + 1}" if mark is not None else str(path)
        what = " ".join(str(exc.problem or exc.context or exc).split())
        if "could not determine a constructor for the tag" in what:
            raise DataError(f"{where}: the tag {what.rsplit(' ', 1)[-1]} is not allowed in a config (only plain "
                            "YAML: text, numbers, true/false, lists, mappings)") from None
        if exc.context and exc.problem:
            what = f"{' '.join(exc.context.split())}: {what}"
        raise DataError(f"{where}: YAML syntax error: {what}") from None
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: YAML error: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise DataError(f"{path}: lists or mappings nested too deeply to be a report config") from None
    finally:
        loader.dispose()
    if cfg is None:
        return {}
    if not isinstance(cfg, dict):
        raise DataError(f"{path}: a config is a mapping of settings (title: ..., data: ...), "
                        f"got a {type(cfg).__name__}")
    cfg = _ConfigDict(cfg)
    cfg.lines = _key_lines(node)
    return cfg


def _plain_numbers(obj):
    """The config with its numbers as plain ``int``/``float`` (after the checks that need their text)."""
    if isinstance(obj, dict):
        return {k: _plain_numbers(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain_numbers(v) for v in obj]
    if isinstance(obj, _RawInt):
        return int(obj)
    if isinstance(obj, _RawFloat):
        return float(obj)
    return obj


def _key_hint(value) -> str:
    """What an area key written as a YAML number most likely meant, as quoted YAML text."""
    raw = str(getattr(value, "raw", value))
    if raw.isdigit() and len(raw) in (4, 7, 11):  # Kreis, AGS or 12-digit key without its leading zero
        return f"write it in quotes: '{raw.zfill(len(raw) + 1)}' (an area key keeps its leading zero)"
    return f"write it in quotes: '{raw}'"


def _check_config(cfg: dict, path: str | Path) -> None:
    """The checks of a report config that do not need its data (reused by a typed config).

    Raises :class:`DataError` naming the file, the line, the key path and the value:

    * area keys (``profiles``, ``kreis``) must be YAML text: a number is refused with the text to
      write (``03453001`` unquoted is the octal number 939521 in YAML 1.1);
    * ``report_year`` must be an integer year in :data:`CONFIG_YEARS`;
    * ``disclosure:`` must pass :func:`sozialanalyse.stats.disclosure.check_block` (a threshold below 3
      needs an acknowledgement).
    """
    lines = getattr(cfg, "lines", {})

    def at(*key) -> str:
        return f", line {lines[key]}" if key in lines else ""

    for name in CONFIG_AREA_KEYS:
        if name not in cfg:
            continue
        value = cfg[name]
        if name == "profiles" and (value is None or value == "all"):
            continue
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        if name == "profiles" and not isinstance(value, (list, int, float)):
            raise DataError(f"{path}{at(name)}: profiles: expected 'all' or a list of area keys, got {value!r}")
        for i, v in items:
            where = name if i is None else f"{name}[{i}]"
            line = f", line {v.line}" if isinstance(v, _Number) else ""
            if isinstance(v, bool) or not isinstance(v, str):
                shown = getattr(v, "raw", repr(v))
                read_as = f" (YAML reads it as the number {int(v) if isinstance(v, int) else v})" \
                    if isinstance(v, (int, float)) and str(v) != shown else ""
                raise DataError(f"{path}{line}: {where}: the area key {shown} is not text{read_as}; "
                                f"{_key_hint(v)}")
    if "report_year" in cfg:
        y = cfg["report_year"]
        line = f", line {y.line}" if isinstance(y, _Number) else at("report_year")
        if isinstance(y, bool) or not isinstance(y, int):
            raise DataError(f"{path}{line}: report_year: {getattr(y, 'raw', repr(y))} is not a year "
                            f"(write a whole number such as 2024)")
        if not CONFIG_YEARS[0] <= y <= CONFIG_YEARS[1]:
            raise DataError(f"{path}{line}: report_year: {y} is not a plausible report year "
                            f"({CONFIG_YEARS[0]}–{CONFIG_YEARS[1]})")
    if "disclosure" in cfg:
        from ..stats.disclosure import check_block

        try:
            check_block(cfg["disclosure"])
        except ValueError as exc:
            block = cfg["disclosure"] if isinstance(cfg["disclosure"], dict) else {}
            first = next((k for k in ("threshold", _ACK_KEY, "mode", "round_base", "zeros_visible")
                          if k in block and k in str(exc)), None)
            raise DataError(f"{path}{at('disclosure', first) if first else at('disclosure')}: {exc}") from None


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
    config: dict = {}
    src = Path(source) if source is not None else None
    if src is not None and src.is_dir():
        folder = src.resolve()
    else:
        config = read_config(source)
        if config.get("source") == "official":
            raise DataError(
                f"{config['_path']}: Diese Konfiguration liest amtliche Daten (source: official), keinen Datenordner "
                f"im eigenen Format; laden Sie sie mit sa.load({str(source)!r}). / This config reads official open "
                f"data (source: official), not a data folder of the own format: load it with "
                f"sa.load({str(source)!r}).")
        folder = Path(config["data"])
    if not folder.is_dir():
        raise DataError(f"data folder {folder} does not exist")
    mode = str(config.get("validation", "strict"))
    if mode not in ("strict", "lenient"):
        raise DataError(f"{config.get('_path')}: validation: {mode!r} is neither 'strict' nor 'lenient'")
    report_year = config.get("report_year")
    checked = validate(folder, strict=mode == "strict", geometry=False,
                       report_year=int(report_year) if isinstance(report_year, int) else None)
    areas, counts, facilities = checked.areas, checked.counts, checked.facilities
    if (areas["kind"] == "Landkreis").sum() != 1 or counts.empty:  # lenient: too much rejected
        raise DataError(f"{folder}: too little passed validation to build from (no Landkreis or no "
                        f"counts left):\n{checked.report()}")
    for col in ("area_id", "variable", *DIMENSIONS):
        counts[col] = counts[col].astype(str)
    meta_path = folder / "meta.yml"
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    return District(kind=OWN, folder=folder, areas=areas, counts=counts, facilities=facilities, meta=meta or {},
                    config=config, lenient=mode == "lenient", validation=checked)


def write_workbook(folder: str | Path, path: str | Path) -> Path:
    """Write the tables of a district folder into one Excel workbook, one sheet per table.

    Each sheet is named like its table (``areas``, ``population``, ..., ``facilities``); key
    columns are stored as text and formatted as text (``@``), so that keys typed into them keep
    their leading zeros; ``year``, ``value`` and coordinates are numbers. A copy of the workbook
    saved as ``areas.xlsx`` is read from its sheet ``areas``, as ``population.xlsx`` from its
    sheet ``population``, and so on (:func:`read_table`). ``data/vorlage/vorlage.xlsx`` is
    written by this function from the CSV files beside it.
    """
    import openpyxl
    from openpyxl.utils import get_column_letter

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


def file_hashes(folder: str | Path) -> dict[str, str]:
    """sha256 of every file in a district folder (for caching and provenance)."""
    out = {}
    for p in sorted(Path(folder).iterdir()):
        if p.is_file():
            out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out
