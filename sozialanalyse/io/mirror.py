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

The manifest ``datasets.yml`` (:func:`load_manifest`) records every file a mirror may hold, with
its sha256. :func:`sha256` and :func:`file_sha` hash a file, :func:`files_hash` a set of mirror
files (the cache key of a report built from them). io floor: imports nothing of the package,
so the official loader (:mod:`sozialanalyse.io.official`) and the download
(:mod:`sozialanalyse.io.fetch`) both build on it.
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import yaml

__all__ = ["CACHE_ENV", "ENV_VAR", "MANIFEST", "cache_dir", "file_sha", "files_hash", "load_manifest", "mirror_dir",
           "sha256"]

#: Name of the environment variable that points at the mirror directory.
ENV_VAR = "SOZIALANALYSE_DATA_MIRROR"
#: Name of the environment variable that points at the cache of ``sozialanalyse data fetch``.
CACHE_ENV = "SOZIALANALYSE_CACHE"
#: The dataset manifest: every official file, its publisher, licence, attribution and sha256.
MANIFEST = Path(__file__).with_name("datasets.yml")
_CHUNK = 1 << 16


def cache_dir(explicit: str | os.PathLike | None = None) -> Path:
    """``explicit``, else ``$SOZIALANALYSE_CACHE``, else ``~/.cache/sozialanalyse/data``.

    >>> cache_dir("/tmp/x") == Path("/tmp/x")
    True
    """
    if explicit is not None:
        return Path(explicit).expanduser()
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    return Path.home() / ".cache" / "sozialanalyse" / "data"


def load_manifest(path: str | os.PathLike | None = None) -> dict:
    """The dataset manifest (``datasets.yml``).

    >>> m = load_manifest()
    >>> all(len(f["sha256"]) == 64 for d in m["datasets"].values() for f in d["files"])
    True
    """
    with open(path or MANIFEST, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def sha256(path: Path) -> str:
    """sha256 of a file, read in blocks (files of the mirror reach hundreds of megabytes)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


@lru_cache(maxsize=64)
def _file_sha(path: str, size: int, mtime: float) -> str:
    return sha256(Path(path))


def file_sha(path: Path) -> str:
    """sha256 of a mirror file, computed once per process for an unchanged file."""
    st = path.stat()
    return _file_sha(str(path), st.st_size, st.st_mtime)


def files_hash(folder: Path, files: list[str], settings: dict) -> str:
    """sha256 over the sha256 of every file ``files`` names (paths relative to ``folder``, in
    this order) and the ``settings`` that shape what is built from them (keys starting with
    ``_`` left out): the cache key of a report read from the mirror."""
    h = hashlib.sha256()
    for rel in files:
        h.update(f"{rel}\x00{file_sha(Path(folder) / rel)}\x00".encode())
    h.update(repr(sorted((k, str(v)) for k, v in settings.items() if not k.startswith("_"))).encode())
    return h.hexdigest()


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
    cache = cache_dir()
    return cache.resolve() if cache.is_dir() else None
