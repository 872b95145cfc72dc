"""Official open data on demand: ``sozialanalyse data fetch [--mirror DIR] [--cache DIR] [--config CFG]``.

The manifest ``sozialanalyse/datasets.yml`` lists every official file the real-data example uses,
with its publisher, landing page, licence, attribution text, size and **sha256**. :func:`fetch`
puts each file into a cache folder (``$SOZIALANALYSE_CACHE`` or ``~/.cache/sozialanalyse/data``),
whose layout is that of a mirror, so a report reads it like one (:func:`sozialanalyse.io.mirror_dir`
falls back to it):

* from a local mirror folder (``mirror=`` / ``--mirror`` / ``$SOZIALANALYSE_DATA_MIRROR``) for
  offline machines, else
* downloaded from the file's ``url`` (a commit-pinned raw URL, for example), else
* taken out of its dataset's ``archive`` (the publisher's zip, downloaded once per run into a
  temporary file of the cache and deleted afterwards) by the entry's ``member`` path; when the
  publisher's folder layout inside the archive differs from the recorded path, the one member with
  the same file name is used: the sha256 decides whether it is the right file, not its name.
* Files no publisher offers (GENESIS exports are generated on request and carry their own
  time stamp) have neither and are reported ``no_url``: take them from a mirror.

``url_checked`` in the manifest says how far a URL was checked when it was recorded (offline):
``content`` (the file at that URL was compared with the mirror file) or ``name`` (path and name
only, binary files). Either way the sha256 on download is the final word.

Every file is written to a temporary file in the target folder, checked against its recorded
size and sha256, and only then renamed into place (atomic), so an interrupted or corrupt
transfer leaves no file behind; the result says what happened. A file already in the cache with
the right sha256 is not fetched again. Long downloads print their progress to stderr.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import signal
import sys
import tempfile
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..model.config import read_config
from ..model.errors import DataError
from .mirror import CACHE_ENV, ENV_VAR, MANIFEST, cache_dir, load_manifest, sha256
from .official import mirror_files

__all__ = [
    "CACHE_ENV",
    "MANIFEST",
    "MIRROR_ENV",
    "FetchError",
    "FetchResult",
    "attributions",
    "cache_dir",
    "cli_fetch",
    "config_files",
    "fetch",
    "load_manifest",
]

MIRROR_ENV = ENV_VAR
_CHUNK = 1 << 16
_DOWNLOADS = ".downloads"  # temporary archives inside the cache; never left behind


class FetchError(RuntimeError):
    """A file could not be fetched or failed its checksum; no partial file was left."""


@dataclass
class FetchResult:
    path: str  # relative path in the cache, e.g. "gisd-2022/GISD_Bund_Kreis.csv"
    status: str  # cached | copied | downloaded | no_url | failed
    message: str = ""
    dataset: str = ""  # the manifest's dataset name

    def __str__(self) -> str:
        return f"{self.status:10s} {self.path}" + (f": {self.message}" if self.message else "")


def _install(target: Path, entry: dict, write) -> None:
    """Write via ``write()`` (an iterator of blocks) to a temp file beside ``target``, verify, rename."""
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
            raise FetchError(f"incomplete or different file: {size} bytes, expected {entry['size']}")
        if h.hexdigest() != entry["sha256"]:
            raise FetchError(f"sha256 mismatch: got {h.hexdigest()}, expected {entry['sha256']}")
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a cache may be shared like any folder
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _from_file(src: Path):
    def gen():
        with open(src, "rb") as fh:
            yield from iter(lambda: fh.read(_CHUNK), b"")
    return gen


class _Progress:
    """A line on stderr every few seconds while a large download runs (silent when quiet)."""

    def __init__(self, label: str, total: int | None, quiet: bool, every: float = 2.0):
        self.label, self.total, self.quiet, self.every = label, total, quiet, every
        self.start = self.last = time.monotonic()

    def __call__(self, got: int, final: bool = False) -> None:
        now = time.monotonic()
        if self.quiet or (not final and now - self.last < self.every):
            return
        self.last = now
        of = f" of {self.total / 1e6:.1f}" if self.total else ""
        print(f"  {self.label}: {got / 1e6:.1f}{of} MB, {now - self.start:.0f} s", file=sys.stderr)


def _from_url(url: str, timeout: float, quiet: bool = True):
    def gen():
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            expected = resp.headers.get("Content-Length")
            progress = _Progress(PurePosixPath(url).name, int(expected) if expected else None, quiet)
            got = 0
            while True:
                block = resp.read(_CHUNK)
                if not block:
                    break
                got += len(block)
                progress(got)
                yield block
            if expected is not None and got != int(expected):
                raise FetchError(f"interrupted: {got} of {expected} bytes received")
            if got > 8 << 20:
                progress(got, final=True)
    return gen


def _member(zf: zipfile.ZipFile, entry: dict) -> str:
    """The archive member of ``entry``: its recorded ``member`` path, else the file of that name.

    Several members of that name (an ``aktualitaet.txt`` per folder, say): the one whose sha256
    is the recorded one.
    """
    names = [n for n in zf.namelist() if not n.endswith("/")]
    wanted = entry.get("member") or PurePosixPath(entry["path"]).name
    if wanted in names:
        return wanted
    base = PurePosixPath(wanted).name.lower()
    same = [n for n in names if PurePosixPath(n).name.lower() == base]
    if len(same) == 1:
        return same[0]
    if not same:
        raise FetchError(f"{wanted} is not in the archive")
    for name in same:
        h = hashlib.sha256()
        for block in _from_zip(zf, name)():
            h.update(block)
        if h.hexdigest() == entry["sha256"]:
            return name
    raise FetchError(f"none of the {len(same)} files named {PurePosixPath(wanted).name} in the archive has the "
                     f"recorded sha256 ({', '.join(same)})")


def _from_zip(zf: zipfile.ZipFile, member: str):
    def gen():
        with zf.open(member) as fh:
            yield from iter(lambda: fh.read(_CHUNK), b"")
    return gen


def _download_archive(archive: dict, root: Path, timeout: float, quiet: bool) -> Path:
    """Download ``archive["url"]`` into ``root/.downloads`` (checked by sha256 if one is recorded)."""
    folder = root / _DOWNLOADS
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".archive.", suffix=".zip.part", dir=folder)
    try:
        h = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for block in _from_url(archive["url"], timeout, quiet)():
                out.write(block)
                h.update(block)
        if archive.get("sha256") and h.hexdigest() != archive["sha256"]:
            raise FetchError(f"archive sha256 mismatch: got {h.hexdigest()}, expected {archive['sha256']}")
        return Path(tmp)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        _rmdir_if_empty(folder)
        raise


def _rmdir_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


_ERRORS = (FetchError, OSError, ValueError, http.client.HTTPException, zipfile.BadZipFile)


def fetch(only: list[str] | None = None, *, mirror: str | os.PathLike | None = None,
          cache: str | os.PathLike | None = None, manifest: str | os.PathLike | dict | None = None,
          timeout: float = 60.0, quiet: bool = True) -> list[FetchResult]:
    """Fetch the manifest's files into the cache; returns one :class:`FetchResult` per file.

    ``only`` restricts to dataset names or file paths. Failures do not stop the other files; each
    failed file is reported with status ``failed`` and nothing is left at its place. Results
    come in manifest order.
    """
    m = manifest if isinstance(manifest, dict) else load_manifest(manifest)
    target_root = cache_dir(cache)
    if mirror is None and os.environ.get(MIRROR_ENV):
        mirror = os.environ[MIRROR_ENV]
    mirror_root = Path(mirror).expanduser() if mirror is not None else None
    if mirror_root is not None and not mirror_root.is_dir():
        raise FetchError(f"mirror {mirror_root} is not a directory")
    if only:
        known = set(m["datasets"]) | {f["path"] for ds in m["datasets"].values() for f in ds["files"]}
        unknown = [o for o in only if o not in known]
        if unknown:
            raise FetchError(f"not in the manifest: {', '.join(unknown)} (dataset names or file paths of "
                             f"{MANIFEST.name})")

    results: dict[str, FetchResult] = {}
    order: list[str] = []
    pending: dict[str, tuple[dict, list[tuple[dict, Path]]]] = {}  # archive url -> (archive, files)

    dataset_of = {f["path"]: name for name, ds in m["datasets"].items() for f in ds["files"]}

    def report(res: FetchResult) -> None:
        res.dataset = dataset_of[res.path]
        if not quiet:
            print(res, file=sys.stderr)
        results[res.path] = res

    for name, ds in m["datasets"].items():
        archive = ds.get("archive") or None
        for entry in ds["files"]:
            rel = entry["path"]
            if only and name not in only and rel not in only:
                continue
            order.append(rel)
            target = target_root / rel
            try:
                cached = target.is_file() and sha256(target) == entry["sha256"]
                stale = ""  # a mirror copy that is not the recorded file: say so, try the publisher
                if mirror_root is not None and (mirror_root / rel).is_file() and not cached:
                    try:
                        _install(target, entry, _from_file(mirror_root / rel))
                        report(FetchResult(rel, "copied", f"from {mirror_root}"))
                        continue
                    except FetchError as exc:
                        stale = f"the copy in the mirror {mirror_root / rel} is not the recorded file ({exc})"
                        if not (entry.get("url") or (archive and entry.get("member"))):
                            raise FetchError(stale) from None
                if cached:
                    report(FetchResult(rel, "cached"))
                elif entry.get("url"):
                    _install(target, entry, _from_url(entry["url"], timeout, quiet))
                    report(FetchResult(rel, "downloaded", entry["url"] + (f"; {stale}" if stale else "")))
                elif archive and entry.get("member", True) is not None:
                    pending.setdefault(archive["url"], (archive, []))[1].append((entry, target))
                else:
                    where = f"not in mirror {mirror_root}; " if mirror_root is not None else ""
                    why = entry.get("note") or ds.get("note") or "no download URL recorded"
                    report(FetchResult(rel, "no_url", f"{where}{' '.join(str(why).split())}; get it from "
                                                      f"{ds.get('landing')} and use --mirror"))
            except _ERRORS as exc:
                report(FetchResult(rel, "failed", f"{exc}; no file left at {target}"))

    for url, (archive, items) in pending.items():
        if not quiet:
            print(f"downloading {url} ({len(items)} files wanted)", file=sys.stderr)
        zpath = None
        try:
            zpath = _download_archive(archive, target_root, timeout, quiet)
            with zipfile.ZipFile(zpath) as zf:
                for entry, target in items:
                    try:
                        member = _member(zf, entry)
                        _install(target, entry, _from_zip(zf, member))
                        report(FetchResult(entry["path"], "downloaded", f"{url} :: {member}"))
                    except _ERRORS as exc:
                        report(FetchResult(entry["path"], "failed", f"{url}: {exc}; no file left at {target}"))
        except _ERRORS as exc:
            for entry, target in items:
                if entry["path"] not in results:
                    report(FetchResult(entry["path"], "failed", f"archive {url}: {exc}; no file left at {target}"))
        finally:
            if zpath is not None:
                zpath.unlink(missing_ok=True)
                _rmdir_if_empty(zpath.parent)
    return [results[rel] for rel in order]


def attributions(manifest: dict | None = None, datasets: list[str] | None = None) -> list[str]:
    """One attribution line per dataset (print them with any report that uses the data).

    >>> attributions(datasets=["gisd-2022"])[0].startswith("gisd-2022: Robert Koch-Institut")
    True
    """
    m = manifest or load_manifest()
    return [f"{name}: {ds['attribution']} ({ds['licence']})" for name, ds in m["datasets"].items()
            if datasets is None or name in datasets]


def config_files(config: str | os.PathLike) -> list[str]:
    """The manifest paths a report config reads (for ``data fetch --config``)."""
    try:
        cfg = read_config(config)
    except DataError as exc:
        raise FetchError(str(exc)) from exc
    if not cfg.official:
        raise FetchError(f"config {config} reads the project's own data format, not official files: "
                         "nothing to fetch")
    try:
        return mirror_files(cfg)
    except DataError as exc:
        raise FetchError(f"{config}: {exc}") from exc


def cli_fetch(args) -> int:
    """``sozialanalyse data fetch``: exit 1 if a file failed; files without a download source
    (``no_url``: take them from a mirror) fail the run only when they were asked for by name,
    dataset or config, not when everything was asked for."""
    def stop(signum, frame):  # kill, timeout, a closed terminal: clean up like Ctrl-C does
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        only = list(args.only or [])
        if getattr(args, "config", None):
            only += config_files(args.config)
        results = fetch(only or None, mirror=args.mirror, cache=args.cache, quiet=False)
    except KeyboardInterrupt as exc:
        print(f"sozialanalyse data fetch: interrupted ({exc or 'SIGINT'}); no partial file left behind",
              file=sys.stderr)
        return 130
    except FetchError as exc:
        print(f"sozialanalyse data fetch: error: {exc}", file=sys.stderr)
        return 2
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    print(f"{cache_dir(args.cache)}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if counts.get("no_url"):
        names = sorted({r.dataset for r in results if r.status == "no_url"})
        print(f"  no_url: {counts['no_url']} file(s) no publisher offers for download ({', '.join(names)}); "
              "take them from a mirror with --mirror DIR")
    print("Licences and attributions (print them with any report that uses these files):")
    for line in attributions(datasets=sorted({r.dataset for r in results})):
        print(f"  {line}")
    optional = {f["path"] for ds in load_manifest()["datasets"].values() for f in ds["files"] if f.get("optional")}
    wanted_missing = [r for r in results if r.status == "no_url" and r.path not in optional]
    return 1 if counts.get("failed") or (wanted_missing and only) else 0
