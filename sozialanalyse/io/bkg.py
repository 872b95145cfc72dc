"""Reader for BKG administrative boundaries (VG250, VG5000) and VG250-EW attribute tables.

The Bundesamt für Kartographie und Geodäsie publishes one shapefile per level (``*_STA``,
``*_LAN``, ``*_RBZ``, ``*_KRS``, ``*_VWG``, ``*_GEM``) with the fields ``AGS`` (8-digit
Amtlicher Gemeindeschlüssel, or its prefix for upper levels), ``ARS`` (12-digit Amtlicher
Regionalschlüssel), ``GEN`` (name), ``BEZ`` (kind, e.g. ``Stadt``, ``Landkreis``), ``GF``
(Geofaktor) and, in the VG250-EW product, ``EWZ`` (inhabitants) and ``KFL`` (area in km²).

Notes on the files
------------------
- ``GF`` (Geofaktor): VG250 splits an area into land (``GF`` 3/4) and water (``GF`` 1/2,
  coastal waters, Bodensee) rows with the same ``AGS``; water rows have ``EWZ`` 0 and ``KFL`` 0.
  VG5000 has one land row per area (``GF`` 9) and, on the ``LAN`` layer, extra water rows
  (``GF`` 8: coastal waters, ``Baden-Württemberg (Bodensee)``). :func:`read_bkg` keeps the
  land rows only by default, so that ``ags`` is unique.
- Encoding: a ``.cpg`` file beside the ``.dbf`` names it (``UTF-8`` in the 2021/2022 products).
  When it is missing (``VG250_KRS.dbf`` of VG250-EW 2022) the dBase header carries no code page
  either and GDAL would fall back to ISO-8859-1, turning ``Lübeck`` into ``LÃ¼beck``;
  :func:`read_bkg` then decodes as UTF-8 when the file's bytes are valid UTF-8, else latin-1.
- CRS: the VG5000 2021 shapefiles are in EPSG:31467 (Gauß-Krüger zone 3); use
  ``to_crs=25832`` for ETRS89 / UTM 32N.
- Key widths: the BKG products write ``AGS`` and ``ARS`` as text with their leading zeros, as
  long as the level needs: ``GEM`` 8 and 12 digits, ``KRS`` 5 and 5, ``LAN`` 2 and 2 (VG5000
  2021 and VG250-EW 2022); ``RBZ`` has 3 (Land and Regierungsbezirk), the ``ARS`` of ``VWG`` 9
  (``ARS[:9]`` of its Gemeinden). A table that went through other software may hold the keys
  as numbers (``3353005``): :func:`read_bkg` puts back the one leading zero of Länder 01-09 and
  refuses keys that cannot be restored. The ``AGS`` of ``VWG`` takes the zero from its ``ARS``;
  ``STA`` keys are kept as read.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..model.errors import DataError

__all__ = ["BKG_LEVELS", "read_bkg"]

#: Layer suffix to level name.
BKG_LEVELS = {
    "STA": "staat",
    "LAN": "land",
    "RBZ": "regierungsbezirk",
    "KRS": "kreis",
    "VWG": "gemeindeverband",
    "GEM": "gemeinde",
}
_REQUIRED = ("AGS", "ARS", "GEN", "BEZ")
# Digits of AGS and ARS per layer (see the module notes); a layer/field not named has no fixed
# width (VWG AGS, STA).
_KEY_WIDTH = {
    "GEM": {"AGS": 8, "ARS": 12},
    "VWG": {"ARS": 9},
    "KRS": {"AGS": 5, "ARS": 5},
    "RBZ": {"AGS": 3, "ARS": 3},
    "LAN": {"AGS": 2, "ARS": 2},
}


def _digits(column: pd.Series) -> pd.Series:
    """Key column as text; numbers (int, or float without decimals) without a decimal point."""
    if pd.api.types.is_float_dtype(column):
        return column.map(lambda v: str(int(v)) if float(v).is_integer() else str(v))
    if pd.api.types.is_integer_dtype(column):
        return column.astype("int64").astype(str)
    return column.astype(str).str.strip()


def _restore_keys(frame: pd.DataFrame, layer: str, source: Path) -> dict[str, pd.Series]:
    """``AGS`` and ``ARS`` as text with their leading zeros, checked per layer."""
    keys = {}
    for field in ("AGS", "ARS"):
        text = _digits(frame[field])
        bad = ~text.str.fullmatch(r"\d+")
        if bad.any():
            first = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"{source}: record {first + 1}: field {field} "
                            f"{frame[field].iloc[first]!r} is not a numeric key")
        width = _KEY_WIDTH.get(layer, {}).get(field)
        if width is not None:
            lengths = text.str.len()
            bad = (lengths != width) & (lengths != width - 1)
            if bad.any():
                first = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(
                    f"{source}: record {first + 1}: field {field} {text.iloc[first]!r} has "
                    f"{lengths.iloc[first]} digits and cannot be restored: layer {layer} keys "
                    f"have {width} digits (a key stored as a number loses only the one leading "
                    f"zero of Länder 01-09)")
            text = text.str.zfill(width)
        keys[field] = text
    if layer == "VWG":  # AGS without a fixed width: its Land is that of the ARS
        ags, ars = keys["AGS"], keys["ARS"]
        lost = ars.str.startswith("0") & ~ags.str.startswith("0")
        keys["AGS"] = ags.where(~lost, "0" + ags)
    if layer != "STA":
        for field, text in keys.items():
            land = text.str[:2]
            bad = ~land.between("01", "16") | (land != keys["ARS"].str[:2])
            if bad.any():
                first = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(
                    f"{source}: record {first + 1}: field {field} {text.iloc[first]!r} "
                    f"(as read: {frame[field].iloc[first]!r}) gives Land {land.iloc[first]}"
                    + ("" if "01" <= land.iloc[first] <= "16" else ", not one of 01-16")
                    + ("" if land.iloc[first] == keys["ARS"].str[:2].iloc[first] else
                       f", but ARS {keys['ARS'].iloc[first]!r} Land "
                       f"{keys['ARS'].iloc[first][:2]}"))
    return keys


def _find_file(path: Path, layer: str | None) -> Path:
    if path.is_dir():
        if layer is None:
            raise ValueError(f"{path}: is a folder; name the layer, e.g. layer='GEM'")
        layer = layer.upper()
        for suffix in (".shp", ".dbf"):
            hits = sorted(p for p in path.glob(f"*_{layer}{suffix}"))
            hits += sorted(p for p in path.glob(f"*_{layer.lower()}{suffix}"))
            if hits:
                return hits[0]
        raise FileNotFoundError(f"{path}: no file '*_{layer}.shp' or '*_{layer}.dbf'")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    return path


def _layer_of(path: Path, layer: str | None) -> str:
    if layer is not None:
        return layer.upper()
    stem = path.stem.upper()
    for key in BKG_LEVELS:
        if stem.endswith("_" + key):
            return key
    raise ValueError(f"{path}: cannot tell the level from the file name; pass layer='GEM', "
                     f"'KRS', 'LAN', ... ({', '.join(BKG_LEVELS)})")


def _dbf_encoding(path: Path) -> str:
    """Encoding of the ``.dbf`` beside ``path``: the ``.cpg`` file, else sniffed."""
    dbf = path.with_suffix(".dbf")
    for cpg in (path.with_suffix(".cpg"), path.with_suffix(".CPG")):
        if cpg.exists():
            name = cpg.read_text(encoding="ascii", errors="replace").strip()
            if name:
                return {"UTF8": "UTF-8", "65001": "UTF-8"}.get(name.upper(), name)
    if not dbf.exists():
        return "UTF-8"
    raw = dbf.read_bytes()
    header_length = int.from_bytes(raw[8:10], "little") if len(raw) >= 32 else 0
    try:
        raw[header_length:].decode("utf-8")
    except UnicodeDecodeError:
        return "ISO-8859-1"
    return "UTF-8"


def read_bkg(
    path: str | Path,
    layer: str | None = None,
    *,
    to_crs=None,
    geometry: bool = True,
    land_only: bool = True,
):
    """Read a BKG VG250/VG5000 shapefile or a VG250-EW ``.dbf`` attribute table.

    Parameters
    ----------
    path : str or path-like
        A ``.shp`` or ``.dbf`` file, or the folder that holds ``*_<layer>.shp``/``.dbf``.
    layer : str, optional
        ``"GEM"``, ``"VWG"``, ``"KRS"``, ``"RBZ"``, ``"LAN"`` or ``"STA"``. Required when
        ``path`` is a folder; otherwise taken from the file name (``VG5000_GEM.shp``).
    to_crs : optional
        Target CRS for the geometry (anything :meth:`geopandas.GeoDataFrame.to_crs` accepts,
        e.g. ``25832`` or ``"EPSG:25832"``). Not allowed for a table without geometry.
    geometry : bool, default True
        Read the geometry (a ``.shp``). ``False`` reads the attributes only, much faster.
    land_only : bool, default True
        Keep only land rows (``GF`` 3, 4 or 9) so that ``ags`` is unique; water rows (``GF``
        1, 2 in VG250, 8 in VG5000) have no inhabitants.

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
        A GeoDataFrame when geometry is read, else a DataFrame. Columns:

        - ``ags`` (str): ``AGS`` (8 digits for Gemeinden, 5 Kreise, 2 Länder), leading zero
          restored where the file holds a number,
        - ``ars`` (str): ``ARS`` (12 digits for Gemeinden, 9 Gemeindeverbände, 5 Kreise,
          2 Länder), likewise,
        - ``name`` (str): ``GEN``; ``kind`` (str): ``BEZ``; ``level`` (str): from the layer,
        - ``gf`` (int): Geofaktor,
        - ``inhabitants`` (Int64): ``EWZ``, only where the file has it (VG250-EW),
        - ``area_km2`` (float): ``KFL``, only where the file has it,
        - ``gemeindeverband_ars`` (str): ``ARS[:9]``, Gemeinden only (Samtgemeinde,
          Verbandsgemeinde or the verbandsfreie Gemeinde itself),
        - ``kreis_ags`` (str): ``AGS[:5]``, Gemeinden and Gemeindeverbände only,
        - ``geometry`` when read.

        ``attrs`` holds ``source``, ``layer``, ``encoding`` and ``crs`` (as read).

    Raises
    ------
    FileNotFoundError
        If the file (or ``*_<layer>`` in the folder) does not exist.
    DataError
        A :class:`ValueError` naming the file and record when a required field (``AGS``,
        ``ARS``, ``GEN``, ``BEZ``) is missing, a key is not numeric, or a key cannot be restored
        to the width of its layer (more than one digit missing, too long, no Land 01-16, AGS
        and ARS of different Länder).

    Examples
    --------
    >>> import tempfile, os
    >>> import pandas as pd, pyogrio
    >>> table = pd.DataFrame({"AGS": ["03353005", "03353007"],
    ...                       "ARS": ["033530005005", "033535401007"],
    ...                       "GEN": ["Buchholz", "Drage"], "BEZ": ["Stadt", "Gemeinde"],
    ...                       "GF": [4, 4], "EWZ": [39000, 4300]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "VG250_GEM.dbf")
    ...     pyogrio.write_dataframe(table, path, driver="ESRI Shapefile")
    ...     gem = read_bkg(path)
    >>> gem[["ags", "name", "inhabitants", "gemeindeverband_ars"]]
            ags      name  inhabitants gemeindeverband_ars
    0  03353005  Buchholz        39000           033530005
    1  03353007     Drage         4300           033535401
    """
    import pyogrio  # pyogrio: GIS stack, loaded only where geometry is read

    path = _find_file(Path(path), layer)
    layer_key = _layer_of(path, layer)
    if layer_key not in BKG_LEVELS:
        raise ValueError(f"{path}: unknown layer {layer_key!r}; use one of {', '.join(BKG_LEVELS)}")
    has_shape = path.suffix.lower() == ".shp" or path.with_suffix(".shp").exists()
    read_geometry = geometry and has_shape
    if to_crs is not None and not read_geometry:
        raise ValueError(f"{path}: to_crs given, but no geometry is read "
                         f"({'geometry=False' if has_shape else 'attribute table without .shp'})")
    source = path.with_suffix(".shp") if read_geometry else path.with_suffix(".dbf")
    encoding = _dbf_encoding(source)
    fields = pyogrio.read_info(source, encoding=encoding)["fields"]
    missing = [f for f in _REQUIRED if f not in list(fields)]
    if missing:
        raise DataError(f"{source}: missing field(s) {missing}; a BKG VG table has "
                        f"{', '.join(_REQUIRED)} (found {list(fields)})")
    wanted = [f for f in ("AGS", "ARS", "GEN", "BEZ", "GF", "EWZ", "KFL") if f in list(fields)]
    frame = pyogrio.read_dataframe(source, columns=wanted, read_geometry=read_geometry,
                                   encoding=encoding)
    crs = getattr(frame, "crs", None)
    keys = _restore_keys(frame, layer_key, source)
    if "GF" in frame and land_only:
        land = frame["GF"].isin([3, 4, 9]).to_numpy()
        frame = frame[land].reset_index(drop=True)
        keys = {field: text[land].reset_index(drop=True) for field, text in keys.items()}
    out = pd.DataFrame({
        "ags": keys["AGS"].to_numpy(dtype=object),
        "ars": keys["ARS"].to_numpy(dtype=object),
        "name": frame["GEN"].astype(str).to_numpy(),
        "kind": frame["BEZ"].astype(str).to_numpy(),
        "level": BKG_LEVELS[layer_key],
    })
    if "GF" in frame:
        out["gf"] = frame["GF"].astype("int64").to_numpy()
    if "EWZ" in frame:
        out["inhabitants"] = pd.array(frame["EWZ"].to_numpy(), dtype="Int64")
    if "KFL" in frame:
        out["area_km2"] = frame["KFL"].astype(float).to_numpy()
    if layer_key == "GEM":
        out["gemeindeverband_ars"] = out["ars"].str[:9]
    if layer_key in ("GEM", "VWG"):
        out["kreis_ags"] = out["ags"].str[:5]
    if read_geometry:
        import geopandas as gpd  # geopandas: GIS stack, loaded only where geometry is used

        out = gpd.GeoDataFrame(out, geometry=frame.geometry.to_numpy(), crs=crs)
        if to_crs is not None:
            out = out.to_crs(to_crs)
    out.attrs.update({
        "source": str(source),
        "layer": layer_key,
        "encoding": encoding,
        "crs": None if crs is None else str(crs),
    })
    return out
