"""Build the report: papermill runs the template notebooks, Jupyter Book assembles the HTML.

The build (``sozialanalyse build``) does four things:

1. **Plan**: one job for every chapter template (``notebooks/<chapter>.ipynb``, run once) and one
   Gemeindeprofil (``notebooks/gemeindeprofil.ipynb``) for every municipality the config names,
   and one status page (``notebooks/umsetzung.ipynb``) for every Teilkonzept of the data's
   ``massnahmen.xlsx`` (:mod:`sozialanalyse.steering.teilkonzepte`) when ``_toc.yml`` has the glob
   ``book/_generated/umsetzung/*``.
2. **Execute**: every job whose *content key* is not in the execution cache runs through papermill,
   in parallel worker processes. The key hashes the template, the parameters, the library source
   and the data the job depends on (:func:`job_data_hash`), so a rebuild with nothing changed
   executes nothing, and a change to one municipality re-executes only what shows that data.
3. **Assemble**: the executed notebooks are copied into ``book/_generated/`` (only when their bytes
   changed, so Sphinx re-reads only those), with a generated table of contents and config.
4. **Publish**: Jupyter Book builds the HTML in a work folder with warnings as errors; the result is
   copied to a new site folder and ``_build/html`` is switched to it atomically (a symlink swap).
   A failed or interrupted build leaves the previously published site as it was.
"""
from __future__ import annotations

import ast
import csv
import errno
import html
import inspect
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from unittest.mock import patch

import yaml

from .._version import __version__
from ..io import provenance as _provenance
from ..io.mirror import ENV_VAR
from ..io.official import data_hash, load_official
from ..io.own import DISTRICT_CACHE, file_hashes, load_district
from ..io.provenance import ProjectNotFoundError, digest_of, fingerprint, library_hash
from ..io.provenance import digest as _sha
from ..io.validate import config_references, validate
from ..model.config import SYMBOL, Config, ConfigError, read_config
from ..model.district import OFFICIAL
from ..model.errors import DataError
from ..render.tables import md_escape
from ..stats.disclosure import settings as disclosure_settings
from ..steering import goals as steering_goals
from ..steering.teilkonzepte import teilkonzepte
from .audit import audit_files, audit_site
from .kernels import KERNEL_TIMEOUT, run_papermill  # noqa: F401 - the build's own, and verify's
from .site import tidy as tidy_site

__all__ = ["BuildError", "BuildPlan", "ConfigError", "DiskFullError", "Job", "plan", "build", "project_root", "job_data_hash",
           "profile_data_hashes",
           "slug", "table_payloads", "write_downloads"]

GENERATED = Path("book") / "_generated"
CACHE = Path(".cache") / "executed"
#: The kernels' environment variable with a token of their build (:func:`execute`): a worker's
#: fork server and spare kernel serve the build that started them only.
BUILD_ENV = "SOZIALANALYSE_BUILD"
BUILD = Path("_build")
#: The protected layer the build computes once for all kernels (true values: never in the site).
LAYER_CACHE = Path(".cache") / "protected"
#: The validated tables of the data folder, read by every kernel (true values: never in the site).
DISTRICTS = Path(".cache") / "district"
#: The private disclosure manifest (suppressed cells with true values, suppressed cells per page):
#: beside the published site, never in it.
DISCLOSURE = BUILD / "disclosure"


#: Config keys that choose which pages are built, not what a page shows: not part of a job's key,
#: so a config that builds fewer profiles reuses the executed notebooks of a larger one.
_SELECTION_KEYS = {"profiles", "chapters", "toc_exclude"}


class BuildError(RuntimeError):
    """The build stopped; the message says which file, key, municipality or cell failed."""


class DiskFullError(BuildError):
    """The disk filled up (``ENOSPC``) while the build wrote the cache, the book or the site; the
    message is one line naming the folder and whether the published site changed."""


@dataclass(frozen=True)
class BuildPlan:
    """The checked config and what the plan learnt about its district, for the start page, the
    book config and the execution (derived here, never written into the config)."""

    config: Config
    district_name: str = ""
    synthetic: bool = False
    stand: str = ""  #: the data status (``meta.yml``'s ``stand``)
    report_year: int | None = None  #: the config's report year, else the latest year of the data
    attributions: tuple = ()  #: official data: the publishers' attributions
    mirror: str | None = None  #: official data: the mirror folder the plan checked
    #: the district the plan loaded (the build computes its protected layer once from it)
    district: object = field(default=None, repr=False, compare=False)


def project_root(start: Path | None = None) -> Path:
    """The folder holding ``_config.yml`` and ``_toc.yml``
    (:func:`sozialanalyse.io.provenance.project_root`); a :class:`BuildError` when there is none."""
    try:
        return _provenance.project_root(start)
    except ProjectNotFoundError as exc:
        raise BuildError(str(exc)) from None


def slug(text: str) -> str:
    """A file-name-safe, stable slug (ASCII letters, digits, ``-``)."""
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
    s = re.sub(r"[^A-Za-z0-9]+", "-", text.translate(table)).strip("-").lower()
    return s or "x"


@dataclass
class Job:
    """One notebook to execute."""

    template: str            # template name in notebooks/ (without .ipynb)
    output: str              # path below book/_generated/ (without .ipynb)
    title: str               # page title (replaces the template's first heading; "" keeps it)
    label: str               # what the progress line calls it
    parameters: dict = field(default_factory=dict)
    data_hash: str = ""
    key: str = ""


def _frame_bytes(df) -> bytes:
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _shared_profile_hash(district) -> str:
    """The part every Gemeindeprofil depends on alike: district totals, municipalities' names
    and outlines, metadata (computed once per plan, not once per profile)."""
    c = district.counts
    dims = [col for col in c.columns if col not in ("area_id", "value")]
    kreis = c.groupby(dims, as_index=False, observed=True)["value"].sum()
    munis = district.municipalities()
    geo = district.geometry
    outlines = geo[geo["area_id"].isin(set(munis["area_id"]))].sort_values("area_id")
    return _sha(_frame_bytes(kreis), _frame_bytes(munis), b"".join(outlines.geometry.to_wkb()),
                json.dumps(district.meta, sort_keys=True, default=str), _goal_files_hash(district))


def _goal_files_hash(district) -> str:
    """sha256 of the goals file and its Kennzahl tables (every profile lists its goals; a goals
    file the config names may lie outside the data folder)."""
    return _sha(*(p.read_bytes() for p in steering_goals.input_files(district)))


def job_data_hash(district, area_id: str | None, shared: str | None = None) -> str:
    """Hash of the data a notebook depends on.

    A chapter (``area_id=None``) depends on every input file. A Gemeindeprofil depends on the
    counts, facilities, address points, areas and boundaries inside its municipality, on the
    type and place of every facility (the reach crosses borders), on the district totals it
    is compared with (counts summed over all base areas), on the municipalities' names and
    outlines (locator map) and on the district's metadata. Changing a value in one
    municipality changes the district totals too, so all profiles that print those totals
    re-execute; changing e.g. a Sozialraum boundary or a facility re-executes only that
    municipality's profile and the chapters.

    The hashes of many profiles: :func:`profile_data_hashes` (the same values, with each table
    read once instead of once per profile).
    """
    if district.kind == OFFICIAL:  # sha256 of the mirror files read (the same for every page)
        return data_hash(district.config)
    if area_id is None:
        return _sha(json.dumps(file_hashes(district.folder), sort_keys=True), _goal_files_hash(district))
    return profile_data_hashes(district, [area_id], shared)[area_id]


def profile_data_hashes(district, area_ids: list[str], shared: str | None = None) -> dict[str, str]:
    """:func:`job_data_hash` of the Gemeindeprofile of ``area_ids``, ``{area_id: hash}``.

    The rows of each table are found through one index per table (positions by area key) and the
    table of every facility's type and place is written once: the plan of a Land of 200 searched
    its 750,000 count rows once per profile (issue 19)."""
    if district.kind == OFFICIAL:
        return {a: data_hash(district.config) for a in area_ids}
    shared = shared or _shared_profile_hash(district)
    c = _plain_strings(district.counts)
    cols = list(c.columns[:-1])
    rows = _positions(c)
    geo = district.geometry
    areas = district.areas
    fac = district.facilities
    fac_rows = _positions(fac)
    pts = _plain_strings(district.addresses)
    pts_rows = _positions(pts) if "area_id" in pts else None
    # the section "Angebote und Bedarf": the reach of the municipality's address points crosses its
    # borders, so it depends on where every facility of each type is (not on their names)
    everywhere = _frame_bytes(fac.reindex(columns=["type", "x", "y"]))
    out = {}
    for area_id in area_ids:
        base = district.base_of(area_id)
        own = c.take(_rows_of(rows, base)).sort_values(cols)
        inside = areas[areas["area_id"].isin(set(base) | {area_id}) | areas["parent_id"].isin({area_id})]
        shapes = geo[geo["area_id"].isin(set(inside["area_id"]))].sort_values("area_id")
        own_pts = pts.take(_rows_of(pts_rows, base)) if pts_rows is not None else pts
        out[area_id] = _sha(_frame_bytes(own), _frame_bytes(inside), b"".join(shapes.geometry.to_wkb()),
                            _frame_bytes(fac.take(_rows_of(fac_rows, base))), everywhere, _frame_bytes(own_pts),
                            shared)
    return out


def _plain_strings(df):
    """``df`` with its text columns as Python strings: a loaded table's Arrow strings come in
    dozens of chunks (one per file and block read), and taking a few thousand rows of them cost
    8 ms against 0.7 ms (a Land of 200's counts); they write the same CSV and sort the same
    (UTF-8 bytes and code points order alike)."""
    import pandas as pd

    text = [col for col in df.columns if isinstance(df[col].dtype, pd.StringDtype)]
    return df.astype({col: object for col in text}) if text else df


def _positions(df) -> dict:
    """The positions of ``df``'s rows by their ``area_id`` (rows without one belong to no area),
    each in table order."""
    return df.groupby("area_id", sort=False, dropna=True, observed=True).indices


def _rows_of(positions: dict, base: list[str]):
    """The positions of the rows of the areas ``base`` in table order: the rows a filter
    ``df[df["area_id"].isin(base)]`` keeps, in its order."""
    import numpy as np

    parts = [positions[b] for b in dict.fromkeys(base) if b in positions]
    return np.sort(np.concatenate(parts)) if parts else np.array([], dtype=np.intp)


def _validate(cfg: Config, root: Path) -> None:
    """Check the district folder (:mod:`sozialanalyse.io.validate`) and report every problem at once.

    ``validation: strict`` (the default) stops the build on any problem; ``lenient`` builds from
    the rows that pass and lists the problems on the page "Daten und Methoden". The result is
    cached by the data files' hashes, so an unchanged folder is checked once.
    """
    mode = cfg.validation
    key = _sha(json.dumps(file_hashes(cfg.data), sort_keys=True), mode, library_hash())
    marker = root / ".cache" / "validated" / key
    if marker.is_file():
        return
    result = validate(cfg.data, report_year=cfg.report_year)  # as load_district does
    if result.problems and mode == "strict":
        raise BuildError(f"{cfg.path}: the data did not pass validation (set 'validation: lenient' to "
                         f"build from the rows that pass):\n{result.report()}")
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(result.report(), encoding="utf-8")


def plan(config: str | Path | None = None, root: Path | None = None) -> tuple[BuildPlan, list[Job]]:
    """Read the config and list the notebooks to execute. Raises :class:`ConfigError` for a config
    that cannot be used, :class:`BuildError` for an unknown area key, a missing template or bad
    data (naming the file, key or column)."""
    root = root or project_root()
    cfg = read_config(config)  # ConfigError: one line naming the file, line, key and value
    try:
        if cfg.official:  # official open data of the mirror (sozialanalyse.io.official)

            district = load_official(cfg)
        else:
            _validate(cfg, root)
            district = load_district(cfg.path)
    except DataError as exc:
        raise BuildError(str(exc)) from exc
    config_ref = os.path.relpath(cfg.path, root) if cfg.path.is_relative_to(root) else str(cfg.path)
    munis = district.municipalities()
    if cfg.all_profiles:
        ids = list(munis["area_id"])
    else:
        ids = list(cfg.profiles)
        unknown = [a for a in ids if a not in set(munis["area_id"])]
        if unknown:
            raise BuildError(
                f"{cfg.path}: profiles: unknown area key(s) {', '.join(unknown)} "
                f"(municipalities of {district.name}: {', '.join(munis['area_id'])})"
            )
    if not cfg.official:  # indicator ids the pages will compute: named now, not in a notebook's traceback
        wrong = config_references(cfg)
        if wrong:
            raise BuildError("\n".join(wrong))
    if cfg.publish_inputs and (cfg.official or not district.synthetic):
        raise BuildError(f"{cfg.where}: publish_inputs: true only for a synthetic district (meta.yml: synthetic: "
                         "true); the input files of this one hold every count before protection and are not "
                         "published")
    report_year = district.report_year
    if report_year not in district.years:
        raise BuildError(f"{cfg.path}: report_year {report_year} not in the data ({district.years[0]}–{district.years[-1]})")
    if not cfg.official:  # goals.yml: every problem at once, now, not in a notebook's traceback
        _read_saved_layer(district, root)  # the goals' baselines are published figures
        try:
            steering_goals.of(district)
        except DataError as exc:
            raise BuildError(str(exc)) from exc
    chapters = [str(c) for c in cfg.chapters or toc_chapters(root)]
    jobs = []
    try:  # the hashes read the boundaries and facilities: a problem there is a BuildError too
        all_hash = job_data_hash(district, None)
        shared = None if district.kind == OFFICIAL else _shared_profile_hash(district)
        for chapter in chapters:
            title = f"Überblick {district.name}" if chapter in ("kreisuebersicht", "amtlich_kreis") else ""
            jobs.append(Job(chapter, chapter, title, chapter, {"config": config_ref}, all_hash))
        # one status page per Teilkonzept of the data (massnahmen.xlsx), when the toc has their glob
        if not cfg.official and (cfg.chapters is None or "umsetzung" in cfg.chapters) \
                and f"{GENERATED.as_posix()}/umsetzung/*" in (root / "_toc.yml").read_text(encoding="utf-8"):
            for tk in teilkonzepte(district):
                jobs.append(Job("umsetzung", f"umsetzung/{slug(tk)}", f"Umsetzungsstand: {tk}",
                                f"Umsetzungsstand {tk}", {"config": config_ref, "teilkonzept": tk}, all_hash))
        profile_template = cfg.profile_template
        hashes = profile_data_hashes(district, ids, shared)
        for area_id in ids:
            row = district.area(area_id)
            jobs.append(Job(profile_template, f"gemeinden/{area_id}", str(row.get("label", row["name"])),
                            f"Gemeindeprofil {row['name']} ({area_id})",
                            {"config": config_ref, "area_id": area_id}, hashes[area_id]))
    except DataError as exc:
        raise BuildError(f"{cfg.path}: {exc}") from exc
    lib = library_hash()
    env = fingerprint(root, git=False)  # Python and package versions shape every page
    user_catalog = b"".join(Path(c).read_bytes() for c in cfg.catalog)
    settings = {k: v for k, v in cfg.as_dict().items() if k not in _SELECTION_KEYS}
    for job in jobs:
        template = root / "notebooks" / f"{job.template}.ipynb"
        _check_parameters(job, str(cfg.path))
        if not template.is_file():
            raise BuildError(f"{cfg.path}: template notebook {template} missing")
        job.key = _sha(template.read_bytes(), json.dumps(job.parameters, sort_keys=True), user_catalog,
                       json.dumps(settings, sort_keys=True, default=str),
                       lib, job.data_hash, job.title,
                       fingerprint(root) if job.template == "herkunft" else env,  # + git state
                       cfg.path.read_bytes() if job.template == "herkunft" else b"")  # shows it
    mirror = district.mirror if district.kind == OFFICIAL else None
    return BuildPlan(config=cfg, district_name=district.name, synthetic=district.synthetic,
                     stand=str(district.meta.get("stand", "")), report_year=report_year,
                     attributions=tuple(district.attributions),
                     mirror=str(mirror) if mirror is not None else None,  # the kernels read that mirror
                     district=district), jobs


def _check_parameters(job: Job, config_path: str) -> None:
    """Parameters reach the notebook as Python literals written by papermill: each must read back
    as exactly the same value (data, never code), and a page name must be a plain relative path.
    A plain string (:func:`_plain_string`) reads back as itself in any case; the others are
    translated by papermill and read back."""
    for name, value in job.parameters.items():
        if _plain_string(value):
            continue
        from papermill.translators import (
            PythonTranslator,  # papermill: heavy (1.4 s, nbformat and jsonschema), only for other values
        )

        literal = PythonTranslator.translate(value)
        try:
            ok = ast.literal_eval(literal) == value
        except (ValueError, SyntaxError):
            ok = False
        if not ok:
            raise BuildError(f"{config_path}: {job.label}: parameter {name} = {value!r} is not a plain value")
    if not re.fullmatch(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)?", job.output):
        raise BuildError(f"{config_path}: {job.label}: unsafe page name {job.output!r}")


def _plain_string(value) -> bool:
    r"""Whether ``value`` is a string of printable characters without backslash and double quote:
    papermill writes a string as ``"`` + its ``unicode_escape`` encoding (which leaves printable
    ASCII as it is and writes any other character as an escape that Python reads back as that
    character) + ``"``, so such a string reads back as itself; the build's parameters (config
    path, area key, Teilkonzept) are such strings.

    >>> _plain_string("config/musterland.yml"), _plain_string("Menschen mit Behinderungen (§ 2 SGB IX)")
    (True, True)
    >>> _plain_string('a"b'), _plain_string("a\\b"), _plain_string("a\nb"), _plain_string(3)
    (False, False, False, False)
    """
    return isinstance(value, str) and value.isprintable() and "\\" not in value and '"' not in value


def toc_chapters(root: Path) -> list[str]:
    """Chapter templates named in ``_toc.yml`` (entries ``book/_generated/<template>``)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            f = node.get("file")
            if isinstance(f, str) and f.startswith(GENERATED.as_posix() + "/"):
                name = f[len(GENERATED.as_posix()) + 1:]
                if "/" not in name and name != "index":
                    found.append(name)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(toc)
    return found


def _failure_message(job: Job, exc: BaseException) -> str:
    text = str(exc)
    try:
        from papermill.exceptions import (
            PapermillExecutionError,  # papermill: heavy, loaded only when notebooks run
        )
    except ImportError:  # pragma: no cover
        PapermillExecutionError = ()  # type: ignore[assignment]
    if isinstance(exc, PapermillExecutionError):
        return (f"{job.label}: cell {exc.exec_count} failed: {exc.ename}: {exc.evalue}")
    return f"{job.label}: {type(exc).__name__}: {text.strip().splitlines()[-1] if text.strip() else ''}"


def _finish_notebook(path: Path, title: str, template: str) -> bytes:
    """Set the page title, hide papermill's parameter cells and record the template's name
    (``metadata.sozialanalyse.template``: ``verify`` runs that template of the project, never the
    code of the published notebook); returns the notebook bytes."""
    import nbformat  # nbformat: loaded only when notebooks are read

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.setdefault("tags", [])
        if "injected-parameters" in tags or "parameters" in tags:
            if "remove-cell" not in tags:
                tags.append("remove-cell")
    for cell in nb.cells:
        if title and cell.cell_type == "markdown" and cell.source.lstrip().startswith("# "):
            cell.source = "# " + markdown_escape(title)
            break
    # papermill records timings and paths; keep the executed notebook reproducible.
    nb.metadata.get("papermill", {}).pop("start_time", None)
    nb.metadata.get("papermill", {}).pop("end_time", None)
    nb.metadata.get("papermill", {}).pop("duration", None)
    nb.metadata.get("papermill", {}).pop("input_path", None)
    nb.metadata.get("papermill", {}).pop("output_path", None)
    nb.metadata["sozialanalyse"] = {"template": template}
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill gives it a random id
    return (nbformat.writes(nb) + "\n").encode("utf-8")


def markdown_escape(text: str) -> str:
    """Escape a name for a Markdown heading: no markup, no HTML, shown as written
    (:func:`sozialanalyse.render.tables.md_escape`)."""
    return md_escape(text)


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``path`` so that a reader (or a build killed at any moment) sees the old bytes or
    the new ones, never a part: a temp file beside it, flushed, then renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:  # disk full, killed: no half-written temp file is left to fill the disk
        tmp.unlink(missing_ok=True)
        raise


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.is_file() and path.read_bytes() == data:
        return False
    _write_atomic(path, data)
    return True


#: How often a build waiting for the lock looks again (seconds).
LOCK_POLL = 0.5


def _lock(root: Path, timeout: float | None = None, quiet: bool = False):
    """An exclusive lock on ``_build/.lock`` for the whole build (released by the OS when the
    process ends, also when it is killed): two builds never share the temp files below.

    If another build holds it, one line says so (with that build's process id, which the lock
    file holds) and this build waits until it is free; a lock held by a dead process cannot
    exist. With ``timeout`` (seconds) it gives up after that long with a :class:`BuildError`.
    """
    import fcntl  # fcntl: POSIX only

    (root / BUILD).mkdir(parents=True, exist_ok=True)
    path = root / BUILD / ".lock"
    fh = open(path, "a+")  # noqa: SIM115 - held until the build returns; "a+": the holder's pid stays readable
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip()
        who = f"another build (pid {holder})" if holder.isdigit() else "another build"
        limit = f" (at most {timeout:g} s)" if timeout is not None else ""
        print(f"sozialanalyse build: {who} holds {path}: waiting for it to finish{limit} ...",
              file=sys.stderr, flush=True)
        start = time.monotonic()
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if timeout is not None and time.monotonic() - start >= timeout:
                    fh.close()
                    raise BuildError(f"{who} still holds {path} after {timeout:g} s; nothing was built "
                                     "(the published site is unchanged)") from None
                time.sleep(LOCK_POLL)
        if not quiet:
            print(f"sozialanalyse build: the lock is free after {time.monotonic() - start:.0f} s; building",
                  file=sys.stderr, flush=True)
    fh.seek(0)
    fh.truncate()
    fh.write(str(os.getpid()))
    fh.flush()
    return fh


def clean_stale(root: Path) -> list[Path]:
    """Remove what an interrupted build left behind (under the build lock): half-executed
    notebooks and temp files in the cache, temp files in ``book/_generated``, unfinished site
    copies and temp links in ``_build``, and sites that are not published. Returns what it removed."""
    removed: list[Path] = []
    cache, gen, build = root / CACHE, root / GENERATED, root / BUILD
    patterns = [(cache, "*.run.ipynb"), (cache, "*.run.ipynb.log"), (cache, "*.tmp.ipynb"), (cache, "*.tmp"),
                (gen, "**/*.tmp"), (build, ".incoming-*"), (build, ".downloads-*"), (build, ".html-*"),
                (cache / "kernels", "*.log")]
    for folder, pattern in patterns:
        for p in folder.glob(pattern) if folder.is_dir() else []:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            removed.append(p)
    link = build / "html"
    current = link.resolve() if link.is_symlink() else None
    for site in build.glob("site-*") if build.is_dir() else []:
        if current is not None and site.resolve() != current:
            shutil.rmtree(site, ignore_errors=True)
            removed.append(site)
    return removed


def _progress(msg: str, quiet: bool) -> None:
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


def _cache_entry_problem(path: Path) -> str | None:
    """Why the cached notebook ``path`` cannot be used (not UTF-8, not JSON or cut off, not a
    notebook in nbformat 4), or ``None`` if it can. A structural check, not the full nbformat
    schema (which takes about a second per notebook)."""
    try:
        nb = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        return f"not UTF-8 at byte {exc.start}"
    except json.JSONDecodeError as exc:
        return f"not a complete notebook: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("metadata"), dict):
        return "not a notebook in nbformat 4"
    cells = nb.get("cells")
    if not isinstance(cells, list) or not all(
            isinstance(c, dict) and c.get("cell_type") in ("code", "markdown", "raw") and "source" in c
            and (c["cell_type"] != "code" or isinstance(c.get("outputs"), list)) for c in cells):
        return "its cells are not those of a notebook"
    return None


def discard_corrupt_cache(jobs: list[Job], root: Path) -> list[str]:
    """Check the cached notebook of every job; a corrupt one (a build killed or a disk filled up
    while it was written by another tool, a file edited by hand) is deleted so that its page is
    executed again, and named in one line on stderr. Returns those lines."""
    cache = root / CACHE
    lines = []
    for job in jobs:
        path = cache / f"{job.key}.ipynb"
        if not path.is_file():
            continue
        why = _cache_entry_problem(path)
        if why is not None:
            path.unlink(missing_ok=True)
            rel = os.path.relpath(path, root)
            lines.append(f"cache entry {rel} ({job.label}) is corrupt ({why}): discarded, the page is executed again")
            print(f"sozialanalyse build: {lines[-1]}", file=sys.stderr, flush=True)
    return lines


def execute(jobs: list[Job], root: Path, jobs_n: int = 2, quiet: bool = False, executor=None,
            profile=None) -> dict:
    """Execute the jobs not in the cache; copy every executed notebook into ``book/_generated``.

    ``executor`` runs the notebooks (:mod:`sozialanalyse.build.executors`; default: local worker
    processes, ``jobs_n`` of them, with warm kernels); whichever ran them, the executed notebooks
    are written into the cache here. ``profile`` (a :class:`sozialanalyse.build.profile.Profile`)
    collects every page's timings. Returns counts of executed and cached notebooks.
    """
    from . import executors as _executors

    cache = root / CACHE
    cache.mkdir(parents=True, exist_ok=True)
    discard_corrupt_cache(jobs, root)
    todo = [j for j in jobs if not (cache / f"{j.key}.ipynb").is_file()]
    start = time.perf_counter()
    total = len(todo)
    own = executor is None
    if todo and own:
        executor = _executors.LocalExecutor(jobs_n)
    workers = executor.workers(total) if todo else min(jobs_n, max(total, 1))
    where = f" on Dask at {executor.address}" if getattr(executor, "name", "") == "dask" else ""
    _progress(f"{len(jobs)} notebooks: {len(jobs) - total} from the cache, {total} to execute "
              f"({workers} worker(s){where})", quiet)
    if todo:
        # what the kernels need beyond the worker's own environment: the protected layer and the
        # mirror this build chose (sozialanalyse.protected.layer.ENV_VAR, sozialanalyse.io.mirror.ENV_VAR),
        # and this build's own token (BUILD_ENV): a worker that outlives a build (Dask) keeps its
        # fork server and a spare kernel, which match a task by its folder and environment; the
        # token makes them this build's. Kept, the server ran the library it had imported (the
        # environment of official data names neither code nor data) and the spare sat in the
        # folder of its start (removed and made again at the same path: every read failed)
        env = {k: v for k, v in os.environ.items() if k.startswith("SOZIALANALYSE_")}
        env[BUILD_ENV] = uuid.uuid4().hex
        tasks = [_executors.Task(key=j.key, label=j.label, template=str(root / "notebooks" / f"{j.template}.ipynb"),
                                 parameters=j.parameters, cwd=str(root), env=env,
                                 prestart=i < total - workers, log_dir=str(cache / "kernels"),
                                 preload=(j.parameters["config"],) if "config" in j.parameters else ())
                 for i, j in enumerate(todo)]
        by_key = {j.key: j for j in todo}
        outputs = {j.key: str(cache / f"{j.key}.run.ipynb") for j in todo}
        errors = []
        disk_full = None
        try:
            done = 0
            for task, outcome in executor.run(tasks, outputs):
                job = by_key[task.key]
                done += 1
                if outcome is None:  # cancelled after a full disk
                    _progress(f"[{done}/{total}] not started (disk full): {job.label}", quiet)
                    continue
                failure = outcome.failure if isinstance(outcome, _executors.Outcome) else outcome
                if failure is not None:
                    if isinstance(failure, OSError) and failure.errno == errno.ENOSPC:
                        disk_full = failure
                        executor.cancel()  # the others would fail alike: not started at all
                    on = (f" (on Dask worker {outcome.worker})" if getattr(outcome, "worker", "") and where
                          else f" (kernel log: {cache / job.key}.run.ipynb.log)")
                    errors.append(_failure_message(job, failure) + on)
                    _progress(f"[{done}/{total}] FAILED {job.label}", quiet)
                    continue
                run = cache / f"{job.key}.run.ipynb"
                if outcome.notebook is not None:  # from another machine: the cache is written here
                    _write_atomic(run, outcome.notebook)
                _write_atomic(cache / f"{job.key}.ipynb", _finish_notebook(run, job.title, job.template))
                run.unlink()
                Path(f"{run}.log").unlink(missing_ok=True)
                if profile is not None:
                    profile.page(job.label, outcome)
                _progress(f"[{done}/{total}] {job.label}: {outcome.seconds:.1f} s "
                          f"(elapsed {time.perf_counter() - start:.0f} s)", quiet)
        except _executors.ExecutorError as exc:
            raise BuildError(str(exc)) from None
        finally:
            if own:
                executor.close()
        if disk_full is not None:  # not the notebook's fault: one line (build() names the folder)
            if not disk_full.filename:  # a write() in the worker names no file: it wrote into the cache
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(cache))
            raise disk_full
        if errors:
            raise BuildError("notebook execution failed:\n  " + "\n  ".join(errors))
    gen = root / GENERATED
    wanted = set()
    for j in jobs:
        target = gen / f"{j.output}.ipynb"
        wanted.add(target)
        _write_if_changed(target, (cache / f"{j.key}.ipynb").read_bytes())
    for stale in gen.rglob("*.ipynb") if gen.is_dir() else []:
        if stale not in wanted:
            stale.unlink()
    return {"executed": total, "cached": len(jobs) - total}


def _toc_and_config(planned: BuildPlan, jobs: list[Job], root: Path) -> tuple[Path, Path]:
    """Write the generated table of contents and book config into ``book/_generated``."""
    gen = root / GENERATED
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    profile_template = planned.config.profile_template
    profiles = [f"{GENERATED.as_posix()}/{j.output}" for j in jobs if j.template == profile_template]

    def expand(entries):
        out = []
        for e in entries:
            if isinstance(e, dict) and e.get("glob") == f"{GENERATED.as_posix()}/gemeinden/*":
                out.extend({"file": p} for p in profiles)
                continue
            if isinstance(e, dict) and e.get("glob") == f"{GENERATED.as_posix()}/umsetzung/*":
                out.extend({"file": f"{GENERATED.as_posix()}/{j.output}"} for j in jobs if j.template == "umsetzung")
                continue
            if isinstance(e, dict):
                e = {k: (expand(v) if k in ("chapters", "sections", "parts") else v) for k, v in e.items()}
            out.append(e)
        return out

    toc = {k: (expand(v) if k in ("chapters", "parts") else v) for k, v in toc.items()}
    # Drop toc entries for generated chapters this config does not run.
    existing = {f"{GENERATED.as_posix()}/{j.output}" for j in jobs}
    excluded = set(planned.config.toc_exclude)  # e.g. book/pages that need a chapter not run

    def keep(entries):
        out = []
        for e in entries:
            if isinstance(e, dict) and e.get("file") in excluded:
                continue
            if isinstance(e, dict) and "file" in e and e["file"].startswith(GENERATED.as_posix() + "/") \
                    and e["file"] not in existing and not e["file"].endswith("/index"):
                continue
            if isinstance(e, dict):
                e = {k: (keep(v) if k in ("chapters", "sections") else v) for k, v in e.items()}
                if "caption" in e and not e.get("chapters"):
                    continue
            out.append(e)
        return out

    toc = {k: (keep(v) if k in ("chapters", "parts") else v) for k, v in toc.items()}
    # Chapters the config runs that _toc.yml does not name (e.g. amtlich_kreis) go first.
    listed = set(re.findall(r"file: (\S+)", yaml.safe_dump(toc)))
    extra = [{"file": f"{GENERATED.as_posix()}/{j.output}"} for j in jobs
             if j.template != profile_template and f"{GENERATED.as_posix()}/{j.output}" not in listed]
    if extra and "parts" in toc:
        toc["parts"].insert(0, {"caption": "Landkreis", "chapters": extra})
    elif extra:
        toc["chapters"] = extra + list(toc.get("chapters") or [])
    # The publisher's pages (build/publisher.py), last: Impressum, Datenschutz, Barrierefreiheit.
    legal = _write_publisher_pages(planned, root)
    if "parts" in toc:
        toc["parts"].append({"caption": "Herausgeber", "chapters": legal})
    else:
        toc["chapters"] = list(toc.get("chapters") or []) + legal
    toc_path = gen / "_toc.yml"
    _write_if_changed(toc_path, yaml.safe_dump(toc, allow_unicode=True, sort_keys=False).encode("utf-8"))
    book_cfg = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    # what Sphinx and the theme would compute for every page anew, computed once (the sidebar's
    # navigation grows with the square of the pages): in every build, also of a project whose
    # _config.yml predates it
    if not isinstance(book_cfg.get("sphinx"), dict):
        book_cfg["sphinx"] = {}
    sphinx_cfg = book_cfg["sphinx"]
    extensions = list(sphinx_cfg.get("extra_extensions") or [])
    if SHARED_EXTENSION not in extensions:
        sphinx_cfg["extra_extensions"] = extensions + [SHARED_EXTENSION]
    # plain text: sozialanalyse.build.sphinx_escape escapes it where the theme inserts it as HTML
    book_cfg["title"] = planned.config.title or f"Sozialbericht {planned.district_name}"
    if planned.synthetic:
        options = book_cfg.setdefault("sphinx", {}).setdefault("config", {}).setdefault("html_theme_options", {})
        # the theme inserts the announcement as HTML: the district's name is escaped
        options["announcement"] = ("Beispielbericht mit synthetischen Daten: Der "
                                   f"{html.escape(planned.district_name)} ist fiktiv, keine Zahl beschreibt "
                                   "einen realen Ort.")
    cfg_path = gen / "_config.yml"
    _write_if_changed(cfg_path, yaml.safe_dump(book_cfg, allow_unicode=True, sort_keys=False).encode("utf-8"))
    _write_index(planned, jobs, root)
    return toc_path, cfg_path


def _write_publisher_pages(planned: BuildPlan, root: Path) -> list[dict]:
    """Impressum, Datenschutz and Barrierefreiheit from the config's ``herausgeber`` block
    (:mod:`sozialanalyse.build.publisher`); their entries of the table of contents."""
    from . import publisher
    cfg = planned.config
    title = cfg.title or f"Sozialbericht {planned.district_name}"
    texts = {"impressum": publisher.impressum_page(cfg.herausgeber, title),
             "datenschutz": publisher.datenschutz_page(cfg.herausgeber),
             "barrierefreiheit": publisher.barrierefreiheit_page(cfg.herausgeber, _publication_date(planned))}
    for name, text in texts.items():
        _write_if_changed(root / GENERATED / f"{name}.md", text.encode("utf-8"))
    return [{"file": f"{GENERATED.as_posix()}/{name}"} for name, _ in publisher.PAGES]


def _start_page_extras(planned: BuildPlan, jobs: list[Job]) -> tuple[list[str], str]:
    """The start page's key messages and overview map (own data only: they read the protected
    layer); nothing for official data."""
    from . import publisher
    district = planned.district
    if district is None or district.kind == OFFICIAL or planned.report_year is None:
        return [], ""
    hrefs = {str(j.parameters.get("area_id")): f"{j.output}.html" for j in jobs
             if j.template == planned.config.profile_template}
    return (publisher.key_messages(district, planned.report_year),
            publisher.overview_map(district, hrefs))


def _write_index(planned: BuildPlan, jobs: list[Job], root: Path) -> None:
    """The start page: what the report is, the publication date, the data status, the synthetic
    note, the key messages, the overview map, the profiles and the Herausgeber."""
    from . import pdf as _pdf
    from . import publisher
    cfg = planned.config
    name = markdown_escape(planned.district_name)
    lines = [f"# {markdown_escape(cfg.title or 'Sozialbericht ' + planned.district_name)}", ""]
    if planned.synthetic:
        lines += [":::{warning}", f"Dies ist ein **Beispielbericht mit synthetischen Daten**. Der {name} ist "
                  "fiktiv; alle Zahlen wurden von einem Programm erzeugt und beschreiben keinen realen Ort.",
                  ":::", ""]
    lines += [
        markdown_escape(cfg.description) if cfg.description else
        (f"Dieser Bericht beschreibt die soziale Lage und die Gesundheit der Bevölkerung im {name}: "
         "Bevölkerung und Altersaufbau, Einkommen und Transferleistungen, Arbeit, Wohnen, Bildung, "
         "Gesundheit, Pflege, Migration und Teilhabe. Er zeigt den Landkreis im Überblick und jede "
         "Stadt, Gemeinde und Samtgemeinde in einem eigenen Gemeindeprofil."),
        "",
        f"**Veröffentlicht:** {_pdf.german_date(_publication_date(planned))}  ",
        f"**Berichtsjahr:** {planned.report_year}  ",
        f"**Datenstand:** {markdown_escape(planned.stand) or 'siehe Daten und Methoden'}",
        "",
        ("Alle Seiten wurden aus den Daten und den Vorlagen des Projekts *sozialanalyse* erzeugt; jede "
         "Seite lässt sich neu berechnen (siehe *Herkunft und Nachvollziehbarkeit* und *Für Prüfende* "
         "im Teil *Daten und Methoden*)."),
        "",
    ]
    messages, overview = _start_page_extras(planned, jobs)
    if messages:
        lines += ["## Auf einen Blick", "", *[f"- {m}" for m in messages], "",
                  "Mehr im Kapitel *Kreisübersicht* und in den Gemeindeprofilen.", ""]
    lines += ["## Gemeindeprofile", ""]
    if overview:
        lines += [overview, ""]
    for j in jobs:
        if j.template == cfg.profile_template:
            lines.append(f"- [{markdown_escape(j.title)}]({j.output}.ipynb)")
    lines.append("")
    if planned.attributions:  # official data: the publishers' attributions on every page
        lines += ["## Quellenangaben", ""] + [
            f"- {markdown_escape(a['titel'])}: [{markdown_escape(a['quellenvermerk'])}]({a['link']}). "
            f"Lizenz: [{markdown_escape(a['lizenz'])}]({a['lizenz_url']})" for a in planned.attributions] + [""]
    lines += publisher.publisher_block(cfg.herausgeber)
    _write_if_changed(root / GENERATED / "index.md", "\n".join(lines).encode("utf-8"))


def _publication_date(planned: BuildPlan):
    """The start page's and the PDFs' date: the config's ``herausgeber: veroeffentlicht``, else
    the build's day (UTC)."""
    import datetime as dt
    given = planned.config.herausgeber.veroeffentlicht
    return dt.date.fromisoformat(given) if given else dt.datetime.now(dt.timezone.utc).date()


def _pdfs(site: Path, planned: BuildPlan, jobs: list[Job], toc: Path, mode: bool | None, quiet: bool) -> None:
    """The PDFs of the audited site and their links (:func:`sozialanalyse.build.pdf.make_pdfs`)."""
    from . import pdf as _pdf
    cfg = planned.config
    stand = f", Datenstand {planned.stand}" if planned.stand else ""
    info = _pdf.PrintInfo(title=cfg.title or f"Sozialbericht {planned.district_name}", date=_publication_date(planned),
                          source=f"{planned.district_name}, eigene Berechnungen mit sozialanalyse{stand}",
                          publisher=cfg.herausgeber.name)
    profiles = [f"{GENERATED.as_posix()}/{j.output}.html" for j in jobs if j.template == cfg.profile_template]
    pages = _pdf.toc_pages(yaml.safe_load(toc.read_text(encoding="utf-8")))
    t = time.perf_counter()
    try:
        written = _pdf.make_pdfs(site, pages, profiles, info, mode=mode, say=print)
    except RuntimeError as exc:  # --pdf without Chromium
        shutil.rmtree(site, ignore_errors=True)
        raise BuildError(str(exc)) from None
    if written:
        _progress(f"PDFs: {len(written)} ({sum(written.values())} pages) in {time.perf_counter() - t:.0f} s", quiet)


def _inputs_hash(root: Path) -> str:
    """What the book is built from: :func:`~sozialanalyse.io.provenance.digest` of every file of
    ``book/`` (its path, then its bytes), the generated pages first. Hashed one file at a time:
    the executed notebooks of 400 profiles are hundreds of MB, which the build held all at once."""
    gen = root / GENERATED
    files = sorted(p for p in gen.rglob("*") if p.is_file())
    extra = sorted(p for p in (root / "book").rglob("*") if p.is_file() and gen not in p.parents)
    return digest_of(p.relative_to(root).as_posix().encode() + p.read_bytes() for p in files + extra)


#: The Sphinx extension every build's book config loads (:mod:`sozialanalyse.build.sphinx_shared`).
SHARED_EXTENSION = "sozialanalyse.build.sphinx_shared"

#: Jupyter Book's command line, run after :func:`_sphinx_setup`.
_JB_MAIN = "from jupyter_book.cli.main import main; main()"


def _sphinx_setup(jobs: int) -> str:
    """The Python run before Jupyter Book's command line (:func:`_jupyter_book`): Sphinx reads
    in ``jobs`` processes and writes each page's doctree to its pickle only (``_cache`` is
    Sphinx's own keyword; a Sphinx without it is left as it is)."""
    return ("import functools, inspect, jupyter_book.sphinx as s; "
            f"s.build_sphinx = functools.partial(s.build_sphinx, jobs={max(1, int(jobs))}); "
            "from sphinx.builders import Builder; w = Builder.write_doctree; "
            "Builder.write_doctree = ((lambda self, docname, doctree, **kw: w(self, docname, doctree, _cache=False)) "
            "if '_cache' in inspect.signature(w).parameters else w); ")


def _jupyter_book(root: Path, toc: Path, config: Path, work: Path, quiet: bool, jobs: int = 1) -> None:
    """Jupyter Book's build of the book in ``work`` (warnings as errors), Sphinx reading and
    writing pages in ``jobs`` processes (Jupyter Book 1.x's command line passes no ``-j`` to
    Sphinx, so its ``build_sphinx`` is given ``jobs`` here). The build uses 1: myst-nb and our
    extension declare themselves parallel-safe, but Jupyter Book's own
    ``sphinx_multitoc_numbering`` and ``sphinx_jupyterbook_latex`` declare nothing, so Sphinx
    warns "doing serial read" and ``-W`` fails the build (measured, issue 19). Declared safe for
    a trial (they are), two processes gained little once :mod:`sozialanalyse.build.sphinx_shared`
    had taken the navigation and the stems out of the per-page work: a Land of 200, 18.1 s → 17.4 s,
    with 1.46 times the memory (4 December 2026); Sphinx resolves and indexes every page in its
    main process also when it writes in parallel.
    The work folder's Sphinx environment persists between builds (:func:`_build` keeps it while
    the table of contents and config stay the same), so only changed pages are read again.

    Sphinx 7.2 and later keep every page's doctree in memory from reading until writing
    (``_write_doc_doctree_cache``; at 60 profiles 77 MB as pickles on disk, several times that as
    objects); the build has Sphinx write them to its pickles only, as its parallel reading does,
    and the writing reads each back (:func:`_sphinx_setup`; issue 19: Sphinx held 2,09 GiB at 400
    profiles; at 60 its peak fell from 464 to 294 MiB, the HTML the same bytes)."""
    cmd = [sys.executable, "-c", _sphinx_setup(jobs) + _JB_MAIN, "build", str(root),
           "--path-output", str(work), "--toc", str(toc), "--config", str(config), "-W", "-n", "--keep-going"]
    if quiet:
        cmd.append("-q")
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=env)
    if proc.returncode != 0 and re.search(r"No space left on device|\[Errno 28\]", proc.stdout + proc.stderr):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(work))
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stdout + "\n" + proc.stderr).splitlines()
                 if "WARNING" in ln or "ERROR" in ln or "Error" in ln]
        raise BuildError("Jupyter Book build failed (warnings count as errors):\n  "
                         + "\n  ".join(lines[-30:] or (proc.stdout + proc.stderr).splitlines()[-30:]))


def publish(site: Path, root: Path) -> Path:
    """Make ``site`` the published ``_build/html`` by an atomic symlink swap; drop older sites."""
    build = root / BUILD
    link = build / "html"
    tmp_link = build / f".html-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(site.name, tmp_link)
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)  # a real folder left by a plain `jupyter-book build`
    os.replace(tmp_link, link)
    for old in build.glob("site-*"):
        if old.resolve() != site.resolve():
            shutil.rmtree(old, ignore_errors=True)
    return link


def build(config: str | Path | None = None, jobs_n: int = 2, quiet: bool = False, root: Path | None = None,
          lock_timeout: float | None = None, pdf: bool | None = None, executor=None, profile=None) -> dict:
    """Build the report for ``config``; returns a summary (executed, cached, path, seconds).

    ``pdf``: the PDFs of the Gemeindeprofile and the whole report (:mod:`sozialanalyse.build.pdf`):
    ``None`` (default) if Chromium is found, ``True`` required, ``False`` none.

    ``executor`` runs the notebooks (:mod:`sozialanalyse.build.executors`: local worker processes
    with warm kernels by default, or a Dask cluster); ``profile`` (a
    :class:`sozialanalyse.build.profile.Profile`) is filled with where the time went.

    Waits (saying so) while another build of the same project runs, at most ``lock_timeout``
    seconds if given. Raises :class:`BuildError`; :class:`ConfigError` for a config that cannot
    be used, :class:`DiskFullError` when the disk fills up (the published site stays as it was).
    """
    t0 = time.perf_counter()
    root = (root or project_root()).resolve()
    lock = _lock(root, timeout=lock_timeout, quiet=quiet)
    link = root / BUILD / "html"
    site_before = os.readlink(link) if link.is_symlink() else None
    try:
        return _build(config, jobs_n, quiet, root, t0, pdf, executor, profile)
    except OSError as exc:
        full = _disk_full(exc)
        if full is None:
            raise
        raise DiskFullError(_disk_full_message(full, root, site_before)) from None
    finally:
        lock.close()


def _disk_full(exc: OSError) -> OSError | None:
    """``exc`` as an ``ENOSPC`` error if it says the disk is full, else ``None``. ``shutil.copytree``
    (the copy of the new site) collects the errors of its files into one ``shutil.Error`` without
    an errno: there the first "[Errno 28]" of its list counts, with its target file."""
    if exc.errno == errno.ENOSPC:
        return exc
    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list):
        for item in exc.args[0]:
            if isinstance(item, tuple) and len(item) == 3 and f"[Errno {errno.ENOSPC}]" in str(item[2]):
                return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(item[1]))
    return None


def _disk_full_message(exc: OSError, root: Path, site_before: str | None) -> str:
    """One line for a full disk: the folder being written, whether the published site changed;
    the build's temp files are removed to give the space back."""
    where = Path(exc.filename) if exc.filename else None
    if where is not None and not where.is_dir():
        where = where.parent
    if where is None:
        where_text = f"the build's files in {root}"
    else:
        rel = os.path.relpath(where, root)
        where_text = (str(where) if rel.startswith("..") else rel) + "/"
    try:
        clean_stale(root)
    except OSError:
        pass
    link = root / BUILD / "html"
    now = os.readlink(link) if link.is_symlink() else None
    site = ("the published site is unchanged" if now == site_before else
            f"the new site {now} was published, but the build did not finish")
    return (f"disk full (no space left on device) while writing {where_text}: {site}; free space on that disk "
            "and build again (what was executed is kept in the cache)")


def _build(config, jobs_n: int, quiet: bool, root: Path, t0: float, pdf: bool | None = None, executor=None,
           prof=None) -> dict:
    from .profile import Profile

    prof = prof if prof is not None else Profile()
    clean_stale(root)
    # the validated tables of the data folder, saved once (by the plan) for every kernel
    with patch.dict(os.environ, {DISTRICT_CACHE: str(root / DISTRICTS)}):
        return _build_planned(config, jobs_n, quiet, root, t0, pdf, executor, prof)


def _build_planned(config, jobs_n: int, quiet: bool, root: Path, t0: float, pdf: bool | None, executor,
                   prof) -> dict:
    planned, jobs = plan(config, root)
    prof.lap("plan")
    layer_env, manifest = protected_layer_once(planned, root, quiet)
    prof.lap("shared computation (protected layer)")
    # the last use of the loaded district: the start page's key messages and overview map (the
    # table of contents and the start page do not depend on the executed notebooks)
    toc, book_cfg = _toc_and_config(planned, jobs, root)
    copies = _input_copies(jobs, planned)
    # the kernels load their own district and the saved layer, the book needs none of it: while
    # the notebooks and Sphinx run, the build process holds the plan only
    planned = replace(planned, district=None)
    _give_memory_back()
    prof.lap("start page; release of the loaded data")
    # official data: the notebook kernels read the mirror the plan checked, not one of their own
    with patch.dict(os.environ, {**({ENV_VAR: planned.mirror} if planned.mirror else {}), **layer_env}):
        stats = execute(jobs, root, jobs_n=jobs_n, quiet=quiet, executor=executor, profile=prof)
    prof.lap("notebooks (kernels and pages)")
    inputs = _inputs_hash(root)
    build_dir = root / BUILD
    # What the published site was built from; kept beside the site, not in it, so the site holds
    # nothing but the report (two builds of the same inputs differ only in the build-date line).
    marker = build_dir / ".published.json"
    try:
        published = json.loads(marker.read_text()) if marker.is_file() else {}
    except (ValueError, UnicodeDecodeError):  # cut off (e.g. a full disk): the book is simply built again
        published = {}
    if not isinstance(published, dict):
        published = {}
    current = (build_dir / "html").resolve().name if (build_dir / "html").is_symlink() else None
    if published.get("inputs") == inputs and published.get("site") == current and current:
        _progress("book unchanged: the published site is up to date", quiet)
        prof.lap("book (unchanged)")
        return {**stats, "book": "unchanged", "index": str(build_dir / "html" / "index.html"),
                "seconds": time.perf_counter() - t0}
    _give_memory_back()  # what the execution loop freed (notebooks read and written): Sphinx runs beside
    _progress("building the book (Jupyter Book, warnings as errors) ...", quiet)
    work = build_dir / ".work"
    unfinished = build_dir / ".work-unfinished"
    # Sphinx never deletes the output of pages that left the book; a work folder built for another
    # table of contents or config (another district, a municipality dropped) starts afresh, so the
    # published site holds exactly this build's pages.
    stamp = work / ".sozialanalyse-toc"
    # Sphinx does not overwrite a changed static file (the report's CSS) in an existing output
    # folder, so those files are part of the stamp too.
    static = sorted(p for p in (root / "book" / "_static").rglob("*") if p.is_file())
    toc_hash = _sha(toc.read_bytes(), book_cfg.read_bytes(),
                    *[p.relative_to(root).as_posix().encode() + p.read_bytes() for p in static])
    stale = work.exists() and (not stamp.is_file() or stamp.read_text() != toc_hash)
    if unfinished.exists() or stale:  # after a kill Sphinx may have recorded unwritten pages too
        shutil.rmtree(work, ignore_errors=True)
    unfinished.touch()
    threshold = disclosure_settings(planned.config).threshold  # checked when the config was read
    # The downloads come from the executed notebooks, not from the book: they are written and
    # audited in a thread of this process while Jupyter Book's process writes the pages (serial:
    # see _jupyter_book), on the core it leaves idle; then moved into the site.
    staged = build_dir / f".downloads-{os.getpid()}"
    shutil.rmtree(staged, ignore_errors=True)
    stop = threading.Event()  # set when the book fails or the build is interrupted
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            ahead = pool.submit(_downloads_ahead, staged, jobs, root, planned, threshold, manifest, stop.is_set)
            try:
                _jupyter_book(root, toc, book_cfg, work, quiet)
            except BaseException:
                stop.set()  # the thread ends after its current table or file
                raise
        prof.lap("book (Jupyter Book)")
        stamp.write_text(toc_hash)
        unfinished.unlink()
        n_files, audited, ahead_seconds = ahead.result()  # an error of the downloads is raised here
        prof.beside("downloads and their audit, beside the book", ahead_seconds)
        site = build_dir / f"site-{inputs[:12]}-{os.getpid()}"
        tmp = build_dir / f".incoming-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(work / "_build" / "html", tmp)
        tidy_site(tmp)  # German interface text, no JavaScript errors, no unused files (build/site.py)
        prof.lap("site copy and tidy")
        _move_into(staged, tmp)
    finally:
        shutil.rmtree(staged, ignore_errors=True)  # moved into the site, or left by an error
    published_inputs = _copy_inputs(tmp, copies)
    _progress(f"downloads: {n_files} tables as CSV and Excel"
              + (f", {len(published_inputs)} input files (synthetic)" if published_inputs else ""), quiet)
    prof.lap("downloads")
    # --- disclosure audit (sozialanalyse.build.audit): no unprotected small count is ever published ---
    # (the downloads were audited ahead; their findings count where their bytes are still those audited)
    findings = audit_site(tmp, threshold=threshold, inputs=published_inputs, jobs=jobs_n, audited=audited,
                          **_audit_manifest(manifest))
    prof.lap("disclosure audit")
    if findings:
        shutil.rmtree(tmp, ignore_errors=True)
        raise BuildError(f"disclosure audit: {len(findings)} finding(s), the site was not published:\n  "
                         + "\n  ".join(str(f) for f in findings[:50]))
    # --- end of the disclosure audit ---
    _pdfs(tmp, planned, jobs, toc, pdf, quiet)  # prints of the audited pages (build/pdf.py)
    prof.lap("PDFs")
    os.replace(tmp, site)
    link = publish(site, root)
    suppressed_per_page(site, root, quiet)
    _write_atomic(marker, json.dumps({"inputs": inputs, "site": site.name, "version": __version__}).encode())
    prof.lap("publish")
    return {**stats, "book": "built", "index": str(link / "index.html"), "seconds": time.perf_counter() - t0}


# ------------------------------------------------------- downloads: every table as CSV and Excel
def table_payloads(notebook: Path) -> list[dict]:
    """The table data (:data:`sozialanalyse.render.downloads.MIME`) of every output the page
    shows (cells tagged ``remove-cell`` or ``remove-output`` show none), in page order."""
    from ..render.downloads import MIME

    nb = json.loads(notebook.read_text(encoding="utf-8"))
    found = []
    for cell in nb.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") != "code" or "remove-cell" in tags or "remove-output" in tags:
            continue
        for out in cell.get("outputs", []):
            body = (out.get("data") or {}).get(MIME)
            if isinstance(body, dict) and body.get("file"):
                found.append(body)
    return found


def _page_title(notebook: Path) -> str:
    """The page's title: the first Markdown heading of the notebook, as plain text."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        src = "".join(cell.get("source", "")) if isinstance(cell.get("source"), list) else cell.get("source", "")
        if cell.get("cell_type") == "markdown" and src.lstrip().startswith("# "):
            return re.sub(r"\\(.)", r"\1", src.lstrip()[2:].splitlines()[0]).strip()
    return ""


def write_downloads(site: Path, jobs: list[Job], root: Path, planned: BuildPlan | None = None) -> int:
    """Write every table a page shows as CSV and Excel (with their ``.kinds.json`` sidecars) into
    the folder :data:`sozialanalyse.render.tables.DOWNLOADS` beside the page in ``site``, where
    the links under the table point; the data come from the executed notebook (also a cached
    one), so the files are the same in every build of the same notebooks. Returns the number of
    tables written."""
    from ..render import downloads
    from ..render.tables import DOWNLOADS

    title = ""
    if planned is not None:
        title = planned.config.title or f"Sozialbericht {planned.district_name}"
    n = 0
    for job in jobs:
        nb = root / GENERATED / f"{job.output}.ipynb"
        if not nb.is_file():
            continue
        page_dir = site / GENERATED / Path(job.output).parent
        page = _page_title(nb) or job.title or job.label
        for body in table_payloads(nb):
            source = f"Quelle: {title}, Seite „{page}“" if title else f"Quelle: Seite „{page}“"
            if planned is not None and planned.report_year:
                source += f" (Berichtsjahr {planned.report_year})"
            downloads.write_files(body, page_dir / DOWNLOADS, source)
            n += 1
    return n


def _downloads_ahead(folder: Path, jobs: list[Job], root: Path, planned: BuildPlan, threshold: int,
                     manifest: Path | None, stop=lambda: False) -> tuple[int, dict, float]:
    """:func:`write_downloads` into ``folder`` (laid out as the site) and the disclosure audit of
    what it wrote (:func:`~sozialanalyse.build.audit.audit_files`): the number of tables, the
    audited files with their digests and findings, and the seconds it took. ``stop`` is asked
    before each page and each file: the build sets it when the book fails or is interrupted, and
    what was done so far is dropped."""
    t0 = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for job in jobs:
        if stop():
            return n, {}, time.perf_counter() - t0
        n += write_downloads(folder, [job], root, planned)
    audited = audit_files(folder, threshold=threshold, stop=stop, **_audit_manifest(manifest))
    return n, audited, time.perf_counter() - t0


def _move_into(folder: Path, site: Path) -> None:
    """Move every file of ``folder`` to the same place in ``site`` (one disk: renames), then
    remove ``folder``."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        target = site / path.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
    shutil.rmtree(folder, ignore_errors=True)


def copy_inputs(site: Path, jobs: list[Job], planned: BuildPlan) -> dict[str, str]:
    """Copy the district's input files beside the page "Daten und Methoden" (folder
    :data:`sozialanalyse.pages.daten_methoden.INPUTS`), where its table links them, if the
    report may publish them (:func:`sozialanalyse.pages.daten_methoden.inputs_published`: a
    synthetic district only). Returns ``{path in the site: sha256}`` of the copies, which the
    disclosure audit does not read as tables (raw input, published deliberately) but checks
    byte for byte against the data folder."""
    return _copy_inputs(site, _input_copies(jobs, planned))


def _input_copies(jobs: list[Job], planned: BuildPlan) -> dict[str, tuple[Path, str]]:
    """What :func:`copy_inputs` copies: ``{path in the site: (the data file, its sha256)}``,
    empty where the report does not publish its input files. The build lists them before it lets
    the district go (:func:`_give_memory_back`), so it need not be kept for the copy after the book."""
    from ..pages.daten_methoden import INPUTS, inputs_published

    district = planned.district
    page = next((j for j in jobs if j.template == "daten_methoden"), None)
    if page is None or district is None or not inputs_published(district):
        return {}
    folder = GENERATED / Path(page.output).parent / INPUTS
    return {(folder / name).as_posix(): (Path(district.folder) / name, sha)
            for name, sha in file_hashes(district.folder).items()}


def _copy_inputs(site: Path, copies: dict[str, tuple[Path, str]]) -> dict[str, str]:
    """Copy the files :func:`_input_copies` listed into ``site``; ``{path in the site: sha256}``."""
    out = {}
    for rel, (source, sha) in copies.items():
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)  # projekte/*.xlsx: one folder down
        shutil.copyfile(source, target)
        out[rel] = sha
    return out


def _give_memory_back() -> None:
    """Free what the build process no longer references and give that memory back to the
    system: called once the plan holds no district, before the notebooks and the book, for which
    the build process only waits (issue 19: at 400 municipalities the build held 2,35 GiB beside
    the 2,09 GiB of Sphinx). What the build needs after them (titles, report year, the input files
    to copy) is on the plan or listed before.

    The district goes with everything kept on it (its protected layer, the layer's shared
    frames, the health memo); ``gc.collect`` frees the cycles among them (the layer names its
    district). Freed memory stays with the process unless handed back: glibc's ``malloc_trim``
    returns the free pages of its heap, and Arrow's memory pool (mimalloc or jemalloc, which
    read the cached layer's and tables' Parquet files) releases what it keeps for reuse
    (measured at 60 municipalities, the plan, layer and start page done in a bare process:
    536 -> 343 MiB, most of it by these two)."""
    import gc

    gc.collect()
    pyarrow = sys.modules.get("pyarrow")
    if pyarrow is not None:
        pyarrow.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        import ctypes
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (e.g. musl): its allocator keeps what it keeps
            pass


# ------------------------------------------------------- disclosure: the layer once, the manifest
def protected_layer_once(planned: BuildPlan, root: Path, quiet: bool = False) -> tuple[dict, Path | None]:
    """Compute the protected layer (:mod:`sozialanalyse.protected.layer`), its indicator
    snapshot (:mod:`sozialanalyse.protected.snapshot`: every published indicator of every area
    and year) and the shared frames of the pages (:func:`shared_work_once`) once for all
    notebook kernels: saved in the build's cache under its fingerprint (data files, config,
    catalogs, library), reused while that holds, and named to the kernels in the environment
    variable :data:`sozialanalyse.protected.layer.ENV_VAR` (a kernel whose district has another
    fingerprint computes its own). Also writes the private manifest of suppressed cells
    (``_build/disclosure/suppressed.csv``, true values with area names; beside the site, never
    in it). Returns (environment for the kernels, the manifest's path); official data have no
    layer: ``({}, None)``."""
    district = planned.district
    if district is None or district.kind == OFFICIAL:
        return {}, None
    from ..protected import layer as protected_layer  # pandas and the statistics: only for own data

    t0 = time.perf_counter()
    fp, path = _layer_file(district, root)
    on_file = protected_layer.saved_fingerprint(path) == fp  # False: no file, or a stale one
    layer = protected_layer.kept(district)  # the plan's, for the goals: read from that file, or computed
    if on_file and (layer is None or layer._path != path):
        saved = protected_layer.load(district, path, fp)
        layer = saved if saved is not None else layer
    if layer is None:
        layer = protected_layer.of(district)
    if not on_file or layer._path != path:  # computed (here or in the plan), not read from that file
        protected_layer.save(layer, path)  # with the indicator snapshot beside it
        how = "computed"
    else:
        how = "read from the cache"
        snap = layer.snapshot()
        if snap is not None and snap.origin != "file":  # a layer saved without its snapshot
            protected_layer.save(layer, path)
    protected_layer.keep(layer)  # where the shared work's library calls find it (protected_layer.of)
    shared = shared_work_once(district, path)
    # the layer files: "<fingerprint>.parquet"; beside each its snapshot and shared frames
    layers = [p for p in path.parent.glob("*.parquet") if "." not in p.name.removesuffix(".parquet")]
    keep = sorted(layers, key=lambda p: p.stat().st_mtime, reverse=True)
    for old in keep[4:]:  # other districts' or configs' layers: the four newest stay
        if old != path:
            for companion in [old, *path.parent.glob(f"{old.name.removesuffix('.parquet')}.*.parquet")]:
                companion.unlink(missing_ok=True)
    manifest = root / DISCLOSURE / "suppressed.csv"
    _write_if_changed(manifest, _frame_bytes(layer.suppressed()))
    st = layer.cells["status"]
    _progress(f"protected layer {how} ({time.perf_counter() - t0:.1f} s): {len(st)} cells, "
              f"{int((st == 'primary').sum())} primary and {int((st == 'secondary').sum())} secondary "
              f"suppressions; shared: {shared}; manifest {os.path.relpath(manifest, root)}", quiet)
    return {protected_layer.ENV_VAR: str(path)}, manifest


def _read_saved_layer(district, root: Path) -> None:
    """Keep with ``district`` the protected layer an earlier build saved for the same data,
    config and library (:func:`protected_layer_once`), if there is one: the plan's check of
    ``goals.yml`` reads published figures, and without it computed the whole layer in every
    rebuild (3.0 s for Musterland) that :func:`protected_layer_once` then read from the file."""
    from ..protected import layer as protected_layer

    fp, path = _layer_file(district, root)
    layer = protected_layer.load(district, path, fp) if path.is_file() else None
    if layer is not None:
        protected_layer.keep(layer)


def _layer_file(district, root: Path) -> tuple[str, Path]:
    """The fingerprint of ``district``'s protected layer and the file in the build's cache that
    holds the layer saved for it."""
    from ..protected import layer as protected_layer

    fp = protected_layer.fingerprint(district)
    return fp, root / LAYER_CACHE / f"{fp}.parquet"


def shared_work_once(district, path: Path) -> str:
    """What every profile kernel would compute alike from the protected layer, computed once
    by the same library calls a planner makes and saved beside the layer file ``path``
    (:func:`sozialanalyse.protected.layer.save_shared`): the supply gaps of every area
    (:func:`sozialanalyse.planning.supply.gaps`, street network and reach), the published
    life expectancy (:func:`sozialanalyse.protected.health.published_life_expectancy`) and the
    tables over all municipalities of the Gemeindeprofil
    (:func:`sozialanalyse.pages.gemeindeprofil.shared_frames`: the key figures against the
    Kreis, the spine chart, the population), for the report year. A kernel reads them through
    those calls, which compute where no such file is (a reviewer's re-execution). A call that
    fails here is left to the page that makes it, which reports its own error. Returns a short
    account for the progress line."""
    from ..pages import gemeindeprofil
    from ..planning import supply
    from ..protected import health
    from ..protected import layer as protected_layer

    done = protected_layer.compute_each((("supply gaps", lambda: supply.gaps(district)),
                                         ("life expectancy", lambda: health.published_life_expectancy(district))))
    try:
        done += [f"profile {what}" for what in gemeindeprofil.shared_frames(district)]
    except Exception as e:  # noqa: BLE001 - as above: the profiles compute (and report) it themselves
        done.append(f"profile tables not computed ({type(e).__name__})")
    written = protected_layer.save_shared(protected_layer.of(district), path)
    return f"{', '.join(done)} ({len(written)} written)"


def _audit_manifest(manifest: Path | None) -> dict:
    """``suppressed=`` for :func:`~sozialanalyse.build.audit.audit_site` where it takes the
    manifest of suppressed cells (its text and cross-page checks), else nothing."""
    if manifest is None or "suppressed" not in inspect.signature(audit_site).parameters:
        return {}
    return {"suppressed": manifest}


class _SuppressedCells(HTMLParser):
    """Counts the cells of the report tables (``<table class="sa-table">``) that read
    :data:`~sozialanalyse.model.config.SYMBOL` (a suppressed value)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth, self.cell, self.text, self.count, self.tables = 0, False, [], 0, 0

    def handle_starttag(self, tag, attrs):
        if tag == "table" and (self.depth or "sa-table" in (dict(attrs).get("class") or "").split()):
            self.tables += not self.depth
            self.depth += 1
        elif tag in ("td", "th") and self.depth:
            self.cell, self.text = True, []

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif tag in ("td", "th") and self.cell:
            self.cell = False
            self.count += "".join(self.text).strip() == SYMBOL

    def handle_data(self, data):
        if self.cell:
            self.text.append(data)


def suppressed_per_page(site: Path, root: Path, quiet: bool = False) -> dict[str, int]:
    """How many suppressed cells (``.``) the report tables of each HTML page of ``site`` show
    (pages with report tables): one line per page on the console and
    ``_build/disclosure/pages.csv`` (``page, suppressed``)."""
    site = Path(site).resolve()
    counts = {}
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site)
        if "_sources" in rel.parts or "_static" in rel.parts:
            continue
        parser = _SuppressedCells()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        if parser.tables:  # pages with report tables (not the search page, the index, ...)
            counts[rel.as_posix()] = parser.count
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["page", "suppressed"])
    writer.writerows(counts.items())
    _write_if_changed(root / DISCLOSURE / "pages.csv", buf.getvalue().encode("utf-8"))
    for page, n in counts.items():
        _progress(f"  {page}: {n} suppressed cell{'' if n == 1 else 's'} ({SYMBOL!r})", quiet)
    _progress(f"suppressed cells shown: {sum(counts.values())} on {sum(1 for n in counts.values() if n)} "
              f"of {len(counts)} pages ({os.path.relpath(root / DISCLOSURE / 'pages.csv', root)})", quiet)
    return counts
