"""Reader for the German Index of Socioeconomic Deprivation (GISD, Robert Koch-Institut).

Supported layouts (all ``,``-separated):

- release 2022 v1.1 (UTF-8, keys quoted as text): ``GISD_Bund_Kreis.csv`` with ``kreis_id,
  gisd_score, gisd_5, gisd_10, gisd_k, kreis_name, year``; ``GISD_Bund_Raumordnungsregion.csv``
  (``ror_id``); per Land ``GISD_<Land>_Gemeinde.csv`` (``gemeinde_id``),
  ``..._Gemeindeverband.csv`` (``gvb_id``), ``..._Kreis.csv`` with the score only (scaled
  within the Land),
- release 2025 v1.0 (UTF-8, keys unquoted but with leading zeros): same names, columns in the
  order ``<id>, <name>, year, gisd_score[, gisd_5, gisd_10, gisd_k]``,
- revision 2019 (latin-1, keys written as numbers without leading zeros): ``Bund_Kreis.csv``
  (``Kreiskennziffer``, ``Bevölkerung``, ``GISD_Score``, ``GISD_5``, ``GISD_10``, ``GISD_k``) and
  ``<Land>_Gemeinde_with_subscores.csv`` with the sub-scores ``TS_Arbeitswelt``,
  ``TS_Einkommen``, ``TS_Bildung`` and the keys of Gemeindeverband, Kreis, Raumordnungsregion
  and NUTS2.

Gemeindeverband keys come in two schemes: release 2022 and revision 2019 use the 8-digit BBSR
key of INKAR (Kreis + 3 digits, ``9xx`` for a Samtgemeinde/Verbandsgemeinde, e.g. ``03353901``
Elbmarsch), release 2025 uses the 9-digit ``ARS[:9]`` (``033535401``). The scheme is inferred
per file from all keys together and the Kreis column where there is one (see
:func:`sozialanalyse.io.inkar.gemeindeverband_key`: keys written as numbers lose the zero of
Länder 01-09 only, so an 8-digit number is a BBSR key of Land 10-16 or an ``ARS[:9]`` of Land
01-09), or named with ``gvb_key``, and recorded in ``attrs["gemeindeverband_key"]``.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..model.errors import DataError
from .inkar import GVB_KEYS, gemeindeverband_key

__all__ = ["GISD_COLUMNS", "read_gisd"]

#: Columns every result of :func:`read_gisd` has, in order (NaN/NA where the file lacks them).
GISD_COLUMNS = (
    "area_id",
    "area_name",
    "area_level",
    "year",
    "gisd_score",
    "gisd_5",
    "gisd_10",
    "gisd_k",
    "population",
    "ts_arbeitswelt",
    "ts_einkommen",
    "ts_bildung",
)

# source column (lower case) -> (level, role); role "id" or "name"
_KEY_COLUMNS = {
    "gemeinde_id": ("gemeinde", "id"),
    "gemeindekennziffer": ("gemeinde", "id"),
    "gvb_id": ("gemeindeverband", "id"),
    "kennziffer gemeindeverband": ("gemeindeverband", "id"),
    "kreis_id": ("kreis", "id"),
    "kreiskennziffer": ("kreis", "id"),
    "ror_id": ("raumordnungsregion", "id"),
    "raumordnungsregion nr": ("raumordnungsregion", "id"),
    "gemeinde_name": ("gemeinde", "name"),
    "name der gemeinde": ("gemeinde", "name"),
    "gvb_name": ("gemeindeverband", "name"),
    "name des gemeindeverbands": ("gemeindeverband", "name"),
    "kreis_name": ("kreis", "name"),
    "name des kreises": ("kreis", "name"),
    "ror_name": ("raumordnungsregion", "name"),
    "raumordnungsregion": ("raumordnungsregion", "name"),
}
_VALUE_COLUMNS = {
    "year": "year",
    "jahr": "year",
    "gisd_score": "gisd_score",
    "gisd_5": "gisd_5",
    "gisd_10": "gisd_10",
    "gisd_k": "gisd_k",
    "bevölkerung": "population",
    "ts_arbeitswelt": "ts_arbeitswelt",
    "ts_einkommen": "ts_einkommen",
    "ts_bildung": "ts_bildung",
}
_TEXT_COLUMNS = {"nuts2": "nuts2", "nuts2 name": "nuts2_name"}
_LEVEL_ORDER = ("gemeinde", "gemeindeverband", "kreis", "raumordnungsregion")
_WIDTH = {"gemeinde": 8, "kreis": 5, "raumordnungsregion": 4}
_INTEGER = {"year", "gisd_5", "gisd_10", "gisd_k", "population"}


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def read_gisd(path: str | Path, *, gvb_key: str | None = None) -> pd.DataFrame:
    """Read a GISD CSV (release 2022, 2025 or revision 2019) into one row per area and year.

    Parameters
    ----------
    path : str or path-like
        A GISD ``.csv`` file (UTF-8 or latin-1, detected).
    gvb_key : {None, "bbsr8", "ars9"}
        Scheme of the Gemeindeverband keys: 8-digit BBSR key or 9-digit ``ARS[:9]``. ``None``
        (default) infers it from all keys of the file and, where the file has one, the Kreis
        column; a named scheme is checked against the keys.

    Returns
    -------
    pandas.DataFrame
        Wide table, one row per area and year. Always the columns of :data:`GISD_COLUMNS`:

        - ``area_id`` (str): key with leading zeros restored: Gemeinde 8 digits (AGS), Kreis 5,
          Raumordnungsregion 4, Gemeindeverband 8 (BBSR key, releases 2022 and rev2019) or 9
          (``ARS[:9]``, release 2025),
        - ``area_name`` (str), ``area_level`` (str: ``gemeinde``, ``gemeindeverband``,
          ``kreis``, ``raumordnungsregion``; the most detailed key column of the file),
        - ``year`` (Int64), ``gisd_score`` (float),
        - ``gisd_5`` (quintile), ``gisd_10`` (decile), ``gisd_k`` (three classes) (Int64, NA
          where the file has none: the per-Land files),
        - ``population`` (Int64, rev2019 only),
        - ``ts_arbeitswelt``, ``ts_einkommen``, ``ts_bildung`` (float, sub-scores, rev2019
          Gemeinde files only);

        and, where the file has them, the keys and names of the enclosing areas:
        ``gemeindeverband_id``, ``gemeindeverband_name``, ``kreis_id``, ``kreis_name``,
        ``ror_id``, ``ror_name``, ``nuts2``, ``nuts2_name`` (for Gemeinde and Gemeindeverband
        files ``kreis_id`` is always there, taken from the first five digits if needed).

        ``attrs`` holds ``source``, ``encoding``, ``area_level`` and ``gemeindeverband_key``
        (``"bbsr8"`` or ``"ars9"`` when the file has Gemeindeverband keys).

    Raises
    ------
    DataError
        A :class:`ValueError` naming the file, the line and the problem: no key column, no
        ``gisd_score`` column, a row with a wrong number of fields, a value that is not a number,
        a key whose Kreis prefix contradicts the Kreis column, Gemeindeverband keys of no or no
        clear scheme (8-digit numbers all starting with ``10``: pass ``gvb_key``).

    Examples
    --------
    >>> import tempfile, os
    >>> text = ('"","Kreiskennziffer","Name des Kreises","Jahr","GISD_Score","GISD_5"\\n'
    ...         '"1",1001,"Flensburg, Stadt",2015,0.63,5\\n'
    ...         '"2",3353,"Harburg",2015,0.31,2\\n')
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "Bund_Kreis.csv")
    ...     with open(path, "w", encoding="latin-1") as fh:
    ...         _ = fh.write(text)
    ...     table = read_gisd(path)
    >>> table[["area_id", "area_name", "year", "gisd_score", "gisd_5"]]
      area_id         area_name  year  gisd_score  gisd_5
    0   01001  Flensburg, Stadt  2015        0.63       5
    1   03353           Harburg  2015        0.31       2
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    text, encoding = _decode(path.read_bytes())
    try:
        raw = pd.read_csv(io.StringIO(text), sep=",", dtype=str, keep_default_na=True)
    except pd.errors.ParserError as exc:
        raise DataError(f"{path}: {exc}") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: line 1: file is empty") from None
    columns = {str(c).strip().lower(): c for c in raw.columns}

    ids: dict[str, pd.Series] = {}
    names: dict[str, pd.Series] = {}
    for lower, original in columns.items():
        if lower in _KEY_COLUMNS:
            level, role = _KEY_COLUMNS[lower]
            series = raw[original].astype("str").str.strip()
            (ids if role == "id" else names)[level] = series
    levels = [lv for lv in _LEVEL_ORDER if lv in ids]
    if not levels:
        raise DataError(f"{path}: line 1: no key column (one of gemeinde_id, gvb_id, kreis_id, "
                        f"ror_id, Gemeindekennziffer, Kreiskennziffer, ...); found "
                        f"{list(raw.columns)}")
    if not any(_VALUE_COLUMNS.get(c) == "gisd_score" for c in columns):
        raise DataError(f"{path}: line 1: no 'gisd_score'/'GISD_Score' column; found "
                        f"{list(raw.columns)}")
    if not any(_VALUE_COLUMNS.get(c) == "year" for c in columns):
        raise DataError(f"{path}: line 1: no 'year'/'Jahr' column; found {list(raw.columns)}")
    level = levels[0]

    # Restore key widths.
    for lv, series in ids.items():
        bad = ~series.str.fullmatch(r"\d+")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"{path}: line {row + 2}: {lv} key {series.iloc[row]!r} is not a "
                            f"number")
    for lv in ("kreis", "raumordnungsregion", "gemeinde"):
        if lv in ids:
            ids[lv] = ids[lv].str.zfill(_WIDTH[lv])
    scheme = None
    if "gemeindeverband" in ids:
        keys = ids["gemeindeverband"]
        kreis = ids.get("kreis")
        scheme = gemeindeverband_key(keys, str(path), gvb_key=gvb_key,
                                     kreis=None if kreis is None else kreis.tolist())
        ids["gemeindeverband"] = keys.str.zfill(GVB_KEYS[scheme])
    if level in ("gemeinde", "gemeindeverband"):
        derived = ids[level].str[:5]
        if "kreis" in ids:
            bad = derived != ids["kreis"]
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(f"{path}: line {row + 2}: {level} key {ids[level].iloc[row]} "
                                f"does not lie in Kreis {ids['kreis'].iloc[row]}")
        else:
            ids["kreis"] = derived

    out = pd.DataFrame({
        "area_id": ids[level].to_numpy(dtype=object),
        "area_name": (names[level] if level in names else pd.Series(pd.NA, index=raw.index))
        .to_numpy(dtype=object),
        "area_level": level,
    })
    for lower, original in columns.items():
        target = _VALUE_COLUMNS.get(lower)
        if target is None:
            continue
        values = pd.to_numeric(raw[original], errors="coerce")
        bad = values.isna() & raw[original].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"{path}: line {row + 2}: column {original!r}: "
                            f"{raw[original].iloc[row]!r} is not a number")
        if target in _INTEGER:
            if (values.dropna() % 1 != 0).any():
                row = int(np.flatnonzero((values % 1 != 0).to_numpy())[0])
                raise DataError(f"{path}: line {row + 2}: column {original!r}: "
                                f"{raw[original].iloc[row]!r} is not a whole number")
            out[target] = values.round().astype("Int64").to_numpy()
        else:
            out[target] = values.astype(float).to_numpy()
    for target in GISD_COLUMNS[3:]:
        if target not in out:
            out[target] = pd.array([pd.NA] * len(out), dtype="Int64") if target in _INTEGER \
                else np.nan
    out = out[list(GISD_COLUMNS)]
    prefix = {"gemeindeverband": "gemeindeverband", "kreis": "kreis",
              "raumordnungsregion": "ror"}
    for lv in levels[1:]:
        out[f"{prefix[lv]}_id"] = ids[lv].to_numpy(dtype=object)
        if lv in names:
            out[f"{prefix[lv]}_name"] = names[lv].to_numpy(dtype=object)
    if "kreis" in ids and level in ("gemeinde", "gemeindeverband") and "kreis_id" not in out:
        out["kreis_id"] = ids["kreis"].to_numpy(dtype=object)
    for lower, original in columns.items():
        if lower in _TEXT_COLUMNS:
            out[_TEXT_COLUMNS[lower]] = raw[original].to_numpy(dtype=object)
    if out["year"].isna().any():
        row = int(np.flatnonzero(out["year"].isna().to_numpy())[0])
        raise DataError(f"{path}: line {row + 2}: missing year")
    out.attrs.update({
        "source": str(path),
        "encoding": encoding,
        "area_level": level,
        "gemeindeverband_key": scheme,
    })
    return out
