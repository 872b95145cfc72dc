"""Official open data on demand: ``sozialanalyse data fetch [--mirror DIR] [--cache DIR]``.

The manifest ``sozialanalyse/datasets.yml`` lists every official file the real-data example uses,
with its publisher, landing page, licence, attribution text, size and **sha256**. :func:`fetch`
puts each file into a cache folder (``$SOZIALANALYSE_CACHE`` or ``~/.cache/sozialanalyse/data``):

* from a local mirror folder (``mirror=`` / ``--mirror`` / ``$SOZIALANALYSE_DATA_MIRROR``) for
  offline machines, else
* downloaded from the file's ``url`` (files whose publisher offers no stable direct URL have
  ``url: null`` and a note; take them from a mirror).

Every file is written to a temporary file in the target folder, checked against its recorded
size and sha256, and only then renamed into place (atomic), so an interrupted or corrupt
transfer leaves no file behind; the result says what happened. A file already in the cache with
the right sha256 is not fetched again.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = ["CACHE_ENV", "MANIFEST", "FetchResult", "FetchError", "cache_dir", "load_manifest", "fetch", "attributions",
           "cli_fetch"]

CACHE_ENV = "SOZIALANALYSE_CACHE"
MIRROR_ENV = "SOZIALANALYSE_DATA_MIRROR"
MANIFEST = Path(__file__).with_name("datasets.yml")
_CHUNK = 1 << 16


class FetchError(RuntimeError):
    """A file could not be fetched or failed its checksum; no partial file was left."""


@dataclass
class FetchResult:
    path: str  # relative path in the cache, e.g. "gisd-2022/GISD_Bund_Kreis.csv"
    status: str  # cached | copied | downloaded | no_url | failed
    message: str = ""

    def __str__(self) -> str:
        return f"{self.status:10s} {self.path}" + (f": {self.message}" if self.message else "")


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


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _install(target: Path, entry: dict, write) -> None:
    """Write via ``write(fileobj)`` to a temp file beside ``target``, verify, rename atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        h = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out:
            for block in write():
                out.write(block)
                h.update(block)
                size += len(block)
        if entry.get("size") is not None and size != int(entry["size"]):
            raise FetchError(f"incomplete: {size} of {entry['size']} bytes received")
        if h.hexdigest() != entry["sha256"]:
            raise FetchError(f"sha256 mismatch: got {h.hexdigest()}, expected {entry['sha256']}")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _from_file(src: Path):
    def gen():
        with open(src, "rb") as fh:
            for block in iter(lambda: fh.read(_CHUNK), b""):
                yield block
    return gen


def _from_url(url: str, timeout: float):
    def gen():
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (URLs from our manifest)
            expected = resp.headers.get("Content-Length")
            got = 0
            while True:
                block = resp.read(_CHUNK)
                if not block:
                    break
                got += len(block)
                yield block
            if expected is not None and got != int(expected):
                raise FetchError(f"interrupted: {got} of {expected} bytes received")
    return gen


def fetch(only: list[str] | None = None, *, mirror: str | os.PathLike | None = None,
          cache: str | os.PathLike | None = None, manifest: str | os.PathLike | dict | None = None,
          timeout: float = 60.0, quiet: bool = True) -> list[FetchResult]:
    """Fetch the manifest's files into the cache; returns one :class:`FetchResult` per file.

    ``only`` restricts to dataset names or file paths. Failures do not stop the other files; each
    failed file is reported with status ``failed`` and nothing is left at its place.
    """
    m = manifest if isinstance(manifest, dict) else load_manifest(manifest)
    target_root = cache_dir(cache)
    if mirror is None and os.environ.get(MIRROR_ENV):
        mirror = os.environ[MIRROR_ENV]
    mirror_root = Path(mirror).expanduser() if mirror is not None else None
    if mirror_root is not None and not mirror_root.is_dir():
        raise FetchError(f"mirror {mirror_root} is not a directory")
    results = []
    for name, ds in m["datasets"].items():
        for entry in ds["files"]:
            rel = entry["path"]
            if only and name not in only and rel not in only:
                continue
            target = target_root / rel
            try:
                if target.is_file() and _sha256(target) == entry["sha256"]:
                    res = FetchResult(rel, "cached")
                elif mirror_root is not None and (mirror_root / rel).is_file():
                    _install(target, entry, _from_file(mirror_root / rel))
                    res = FetchResult(rel, "copied", f"from {mirror_root}")
                elif entry.get("url"):
                    _install(target, entry, _from_url(entry["url"], timeout))
                    res = FetchResult(rel, "downloaded", entry["url"])
                else:
                    where = f"not in mirror {mirror_root}; " if mirror_root is not None else ""
                    res = FetchResult(rel, "no_url", f"{where}no direct download URL recorded; get it from "
                                                     f"{ds.get('landing')} and use --mirror")
            except (FetchError, OSError, ValueError, http.client.HTTPException) as exc:
                res = FetchResult(rel, "failed", f"{exc}; no file left at {target}")
            if not quiet:
                print(res, file=sys.stderr)
            results.append(res)
    return results


def attributions(manifest: dict | None = None) -> list[str]:
    """One attribution line per dataset (print them with any report that uses the data)."""
    m = manifest or load_manifest()
    return [f"{name}: {ds['attribution']} ({ds['licence']})" for name, ds in m["datasets"].items()]


def cli_fetch(args) -> int:
    """``sozialanalyse data fetch``: exit 1 if any file failed or could not be fetched."""
    try:
        results = fetch(args.only, mirror=args.mirror, cache=args.cache, quiet=False)
    except FetchError as exc:
        print(f"sozialanalyse data fetch: error: {exc}", file=sys.stderr)
        return 2
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    print(f"{cache_dir(args.cache)}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for line in attributions():
        print(f"  {line}")
    return 1 if counts.get("failed") or counts.get("no_url") else 0

