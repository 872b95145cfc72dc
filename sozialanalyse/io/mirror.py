"""Locate a local, read-only mirror of official open data files.

The project never commits official files (GENESIS exports, INKAR workbooks, BKG boundaries,
GISD tables). Code and tests read them from a *mirror directory* that the user names. The
lookup order of :func:`mirror_dir` is

1. an explicit argument,
2. the environment variable ``SOZIALANALYSE_DATA_MIRROR``,
3. ``<repo>/../shared/data`` if that folder exists (``<repo>`` is the folder that holds the
   ``sozialanalyse`` package),
4. the cache folder of ``sozialanalyse data fetch`` (``$SOZIALANALYSE_CACHE`` or
   ``~/.cache/sozialanalyse/data``) if it exists: it has the mirror's layout,
5. otherwise ``None``.
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ENV_VAR", "mirror_dir"]

#: Name of the environment variable that points at the mirror directory.
ENV_VAR = "SOZIALANALYSE_DATA_MIRROR"


def _default_mirror() -> Path:
    repo = Path(__file__).resolve().parents[2]
    return repo.parent / "shared" / "data"


def mirror_dir(explicit: str | os.PathLike | None = None) -> Path | None:
    """Return the folder of the local mirror of official data files.

    Parameters
    ----------
    explicit : str or path-like, optional
        Mirror folder given by the caller. It wins over everything else and must exist.

    Returns
    -------
    pathlib.Path or None
        The mirror folder (resolved), or ``None`` when no argument and no environment variable
        is given and neither ``<repo>/../shared/data`` nor the fetch cache exists.

    Raises
    ------
    FileNotFoundError
        If ``explicit`` or the environment variable ``SOZIALANALYSE_DATA_MIRROR`` names a path
        that is not an existing directory (a typo should not silently fall back to another
        mirror).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     mirror_dir(tmp) == Path(tmp).resolve()
    True
    >>> mirror_dir("/no/such/folder")
    Traceback (most recent call last):
    ...
    FileNotFoundError: data mirror '/no/such/folder' (explicit argument) is not a directory
    """
    candidates: list[tuple[str | os.PathLike, str]] = []
    if explicit is not None:
        candidates.append((explicit, "explicit argument"))
    elif os.environ.get(ENV_VAR):
        candidates.append((os.environ[ENV_VAR], f"environment variable {ENV_VAR}"))
    for value, origin in candidates:
        path = Path(value).expanduser()
        if not path.is_dir():
            raise FileNotFoundError(f"data mirror '{value}' ({origin}) is not a directory")
        return path.resolve()
    default = _default_mirror()
    if default.is_dir():
        return default.resolve()
    from .fetch import cache_dir

    cache = cache_dir()
    return cache.resolve() if cache.is_dir() else None
