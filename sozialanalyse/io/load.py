"""The front door for districts: :func:`load` (``sa.load``) (io floor, top module).

One call for both kinds of input; it returns a :class:`~sozialanalyse.model.district.District`
whose :attr:`~sozialanalyse.model.district.District.kind` says which it is:

- a data folder of the project's own format (``data/musterland``), or a report config that
  names one (``"musterland"``, ``"config/musterland.yml"``): :func:`sozialanalyse.io.own.load_district`;
- a report config of official open data (``source: official``; ``"harburg"``,
  ``"config/harburg.yml"``): :func:`sozialanalyse.io.official.load_official`, read from the local
  data mirror (:func:`sozialanalyse.io.mirror.mirror_dir`).
"""
from __future__ import annotations

from pathlib import Path

from ..model.config import read_config
from ..model.district import District
from .official import load_official
from .own import load_district

__all__ = ["load"]


def load(source: str | Path) -> District:
    """Load a district: a data folder, a report config, or a config's name.

    Parameters
    ----------
    source : str or Path
        A data folder (with ``areas.csv``), a config file (``config/harburg.yml``), or the name
        of a config of the project (``"musterland"`` for ``config/musterland.yml``).

    Returns
    -------
    District
        ``kind == "own"`` for the own format, ``kind == "official"`` for official open data.

    Raises
    ------
    DataError
        If the folder or config cannot be read or its data do not pass validation (the message
        names file, row, column and key); :class:`sozialanalyse.io.official.MirrorMissing` (a
        ``DataError``) if the official files of a config are not in the data mirror.

    Examples
    --------
    >>> d = load("musterland")
    >>> d.kind, d.kreis_id, d.name
    ('own', '03499', 'Landkreis Musterland')
    """
    folder = Path(source)
    if folder.is_dir():
        return load_district(folder)
    cfg = read_config(source)
    if cfg.official:
        return load_official(cfg)
    return load_district(cfg.path)
