"""Facts about the code and the project a report was made with: hashes, versions, git state.

Floor: input/output. The page "Herkunft und Nachvollziehbarkeit"
(:mod:`sozialanalyse.pages.herkunft`) prints these facts and the build
(:mod:`sozialanalyse.build.report`) puts them into the cache key of every page, so they live
below both:

- :func:`project_root`: the project folder (``_config.yml`` and ``_toc.yml``)
- :func:`library_hash`: hash of the library's source and package data
- :func:`package_versions`: installed versions of the packages that shape the output
- :func:`git_state`: the project's git commit and whether its tree had uncommitted changes
- :func:`fingerprint`: hash of the versions and (optionally) the git state
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from .._version import __version__
from ..model.config import PACKAGE_DIR

__all__ = [
    "PACKAGE_DIR",
    "TOOLCHAIN",
    "ProjectNotFoundError",
    "digest",
    "digest_of",
    "fingerprint",
    "git_state",
    "library_hash",
    "package_versions",
    "project_root",
]

#: Packages that shape the published output besides the project's own dependencies.
TOOLCHAIN = ("sozialanalyse", "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "seaborn",
             "geopandas", "shapely", "pyogrio", "pyproj", "mapclassify", "libpysal", "esda",
             "pyyaml", "pyarrow", "duckdb", "openpyxl", "xlrd", "papermill", "nbformat", "nbclient",
             "ipykernel", "ipython", "jupyter-client", "jupyter-book", "sphinx", "myst-nb",
             "myst-parser", "sphinx-book-theme", "pydata-sphinx-theme", "docutils", "nbval")


class ProjectNotFoundError(RuntimeError):
    """No project folder (``_config.yml`` and ``_toc.yml``) was found; the message names where
    the search started."""


def project_root(start: Path | None = None) -> Path:
    """The folder holding ``_config.yml`` and ``_toc.yml``: ``start`` (default: the working
    directory) or a parent of it, else the folder above the package (a source checkout).

    Raises :class:`ProjectNotFoundError` when there is none.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").is_file() and (folder / "_config.yml").is_file():
            return folder
    fallback = PACKAGE_DIR.parent
    if (fallback / "_toc.yml").is_file():
        return fallback
    raise ProjectNotFoundError(f"no _config.yml and _toc.yml found in {here} or its parents")


def _root(root: str | Path | None = None) -> Path:
    """``root`` if given, else the project folder, else the working directory."""
    if root is not None:
        return Path(root)
    try:
        return project_root()
    except ProjectNotFoundError:
        return Path.cwd()


def digest(*parts: bytes | str) -> str:
    """sha256 (hex) of the parts, each followed by a zero byte (so ``("ab", "c")`` and
    ``("a", "bc")`` differ).

    Examples
    --------
    >>> digest("ab", "c") == digest("a", "bc")
    False
    >>> len(digest(b"x"))
    64
    """
    return digest_of(parts)


def digest_of(parts) -> str:
    """:func:`digest` of the parts of an iterable, read one at a time (a generator of file
    contents never holds more than one of them).

    >>> digest_of(iter(["ab", b"c"])) == digest("ab", "c")
    True
    """
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8") if isinstance(p, str) else p)
        h.update(b"\x00")
    return h.hexdigest()


def library_hash() -> str:
    """Hash of the library's source and package data: a code change invalidates the cache."""
    files = sorted(p for p in PACKAGE_DIR.rglob("*") if p.is_file() and p.suffix in {".py", ".yml", ".csv"}
                   and "__pycache__" not in p.parts)
    return digest(__version__, *[p.relative_to(PACKAGE_DIR).as_posix().encode() + p.read_bytes() for p in files])


def package_versions() -> dict[str, str]:
    """Installed version of every package that matters (``"nicht installiert"`` if absent).

    Examples
    --------
    >>> v = package_versions()
    >>> v["pandas"] != "nicht installiert" and "python" not in v
    True
    """
    names = {n.lower() for n in TOOLCHAIN}
    try:
        for req in metadata.requires("sozialanalyse") or []:
            name = req.split(";")[0].strip()
            for stop in "<>=!~[ (":
                name = name.split(stop)[0]
            if name:
                names.add(name.lower())
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a plain checkout
        pass
    out = {}
    for name in sorted(names):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "nicht installiert"
    return out


def git_state(root: str | Path | None = None) -> dict:
    """The project's git commit and whether the working tree had uncommitted changes.

    Returns ``{"available": False, "reason": ...}`` when git is missing or the project is no git
    repository (e.g. an unpacked archive); the reason is German, as the page prints it.
    """
    root = _root(root)
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True,
                             text=True, timeout=30, check=False)
    except (FileNotFoundError, OSError, subprocess.TimeoutExpired):
        return {"available": False, "reason": "Git ist auf diesem Rechner nicht installiert."}
    if top.returncode != 0:
        return {"available": False, "reason": "Das Projektverzeichnis ist kein Git-Repository."}
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                          timeout=30, check=False)
    if head.returncode != 0:
        return {"available": False, "reason": "Das Git-Repository hat noch keinen Commit."}
    status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True,
                            text=True, timeout=60, check=False)
    return {"available": True, "commit": head.stdout.strip(), "dirty": bool(status.stdout.strip())}


def fingerprint(root: str | Path | None = None, git: bool = True) -> str:
    """Hash of what the provenance page shows besides the data: versions and (``git=True``) the
    git state. Part of the build's cache key: a page is re-executed when one of them changes."""
    state = {"git": git_state(root) if git else None, "python": sys.version,
             "packages": package_versions()}
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode("utf-8")).hexdigest()
