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

import contextlib
import io
import os
import time
import warnings
from pathlib import Path

from ..model.config import read_config
from ..model.district import District
from .official import load_official
from .own import data_files, load_district

__all__ = ["load", "preload", "preloaded"]

#: Districts a build's fork server loaded before forking its kernels (:func:`preload`): ``(folder
#: of the call, source) -> (stamp of the files read, District)``. Empty in any other process.
_PRELOADED: dict = {}


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
    if _PRELOADED:  # once: a second load in the same kernel reads the files, as it would anywhere
        hit = _PRELOADED.pop((os.getcwd(), str(source)), None)
        if hit is not None and hit[0] == _stamp(source, hit[1]):
            return hit[1]
    folder = Path(source)
    if folder.is_dir():
        return load_district(folder)
    cfg = read_config(source)
    if cfg.official:
        return load_official(cfg)
    return load_district(cfg.path)


def preloaded(source: str | Path) -> tuple[District, list[Path]] | None:
    """The district :func:`preload` kept for ``source`` in this folder, with the files its stamp
    covers (those a change of which makes :func:`load` read again), without taking it: the next
    :func:`load` of ``source`` still returns it. None where nothing is kept (any process but a
    build's fork server). What the fork server computes for its kernels before forking reads
    the district from here (:func:`sozialanalyse.build.forkserver._warm`)."""
    hit = _PRELOADED.get((os.getcwd(), str(source)))
    if hit is None:
        return None
    stamp, district = hit
    return district, [Path(p) for p, _, _ in stamp or ()]


def _stamp(source, district: District) -> tuple | None:
    """Path, size and modification time of every file a load of ``source`` read (its config, and
    the data folder's :func:`~sozialanalyse.io.own.data_files`), or None where that is not known
    (official data, a data folder that is gone: the next load then reads and reports it)."""
    if district.kind != "own" or district.folder is None:
        return None
    try:
        paths = [p for _, p in data_files(district.folder)]
        if not Path(source).is_dir() and district.config.path is not None:  # a config: its file too
            paths.insert(0, Path(district.config.path))
        return tuple((str(p), st.st_size, st.st_mtime_ns) for p in paths for st in (p.stat(),))
    except OSError:
        return None


#: A file modified this long before :func:`preload` began may still have been written during its
#: load on a file system whose timestamps are coarse (FAT: 2 s).
_SETTLED_NS = 2_000_000_000


def preload(source: str | Path) -> bool:
    """Load ``source`` now so that the first :func:`load` of the same ``source`` in the same folder
    returns this district while its files stay unchanged: what a build's fork server
    (:mod:`sozialanalyse.build.forkserver`) does once before it forks the notebooks' kernels, each
    of which then has the district without loading it. Kept only: a district of the own format
    whose load printed and warned nothing (a notebook's own load would have shown that output),
    and none of whose files was modified in the two seconds before the load or since (a file
    saved while it was read would otherwise be stamped with its new time and its old contents).
    Returns whether it was kept.

    A planner's session never calls this: there every :func:`load` reads the files.
    """
    if not Path(source).is_dir() and read_config(source).official:
        return False  # official data: read from the data mirror, which is not stamped here
    started = time.time_ns() - _SETTLED_NS
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        warnings.simplefilter("always")
        district = load(source)
    stamp = _stamp(source, district)
    if caught or out.getvalue() or err.getvalue() or stamp is None:
        return False
    if any(mtime >= started for _, _, mtime in stamp):
        return False  # a file modified while it was read (or just before)
    _PRELOADED[(os.getcwd(), str(source))] = (stamp, district)
    return True

