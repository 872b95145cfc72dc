"""The page "Herkunft und Nachvollziehbarkeit" (``notebooks/herkunft.ipynb``).

Floor: pages. Everything a reviewer needs to reproduce a page: every input file with sha256,
size, source and licence (from the district's ``meta.yml``), the report config, the git commit
of the project and whether its tree had uncommitted changes, the versions of Python and of the
packages that shape the output (the facts come from :mod:`sozialanalyse.io.provenance`), and the
build date. The build date (:func:`build_date`) is the only line that differs between two builds
from the same inputs; it is the one thing ``sozialanalyse verify`` ignores
(``nbval_sanitize.cfg``).

The footer every page ends with is :func:`sozialanalyse.pages.common.footer`.
"""
from __future__ import annotations

import hashlib
import html
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .._version import __version__
from ..io.load import load as load_any
from ..io.mirror import file_sha, load_manifest
from ..io.official import mirror_files
from ..io.own import file_hashes
from ..io.provenance import git_state, library_hash, package_versions
from ..model.config import resolve_config
from ..render import fmt
from ..render.tables import table, text

__all__ = [
    "BUILD_DATE_LABEL",
    "build_date",
    "code_version",
    "config",
    "inputs",
    "load",
    "versions",
]

BUILD_DATE_LABEL = "Erstellt am:"


def _size(n: int) -> str:
    if n < 1024:
        return f"{fmt.num(n)} B"
    if n < 1024 ** 2:
        return f"{fmt.num(n / 1024, 1)} KiB"
    return f"{fmt.num(n / 1024 ** 2, 1)} MiB"


def load(config_ref: str | Path):
    """The district of a report config: the project's own format, or official open data
    (``source: official``, :mod:`sozialanalyse.io.official`)."""
    return load_any(config_ref)


def inputs(district):
    """Table of every input file: name, size, sha256, source and licence.

    Own format: source and licence come from ``meta.yml`` (``source``, ``licence``); an optional
    mapping ``files: {name: {source: ..., licence: ...}}`` there overrides them for single files.
    Official open data: every file of the mirror the report read, with its sha256 checked
    against the manifest ``datasets.yml``, where to get it, the publisher and the licence.
    """
    if district.kind == "official":
        return _official_inputs(district)
    meta = district.meta or {}
    per_file = meta.get("files") or {}
    rows = []
    for name, sha in file_hashes(district.folder).items():
        own = per_file.get(name) or {}
        rows.append({
            "Datei": name,
            "Größe": _size((Path(district.folder) / name).stat().st_size),
            "SHA-256": sha,
            "Quelle": str(own.get("source") or meta.get("source") or "nicht angegeben"),
            "Lizenz": str(own.get("licence") or own.get("license") or meta.get("licence")
                          or meta.get("license") or "nicht angegeben"),
        })
    return table(pd.DataFrame(rows), caption=f"Eingangsdaten ({len(rows)} Dateien im Datenordner "
                                             f"{Path(district.folder).name}/)", align_right=["Größe"],
                 kinds={"Größe": "text", "SHA-256": "text"})


def _official_inputs(district):
    manifest = load_manifest()
    entries = {f["path"]: (name, f) for name, ds in manifest["datasets"].items() for f in ds["files"]}
    rows, differ = [], 0
    for rel in mirror_files(district.config):
        path = Path(district.mirror) / rel
        sha = file_sha(path)
        name, entry = entries.get(rel, ("", {}))
        ds = manifest["datasets"].get(name, {})
        if not entry:
            check = "nicht verzeichnet"
        elif entry["sha256"] == sha:
            check = "stimmt"
        else:
            check, differ = "weicht ab", differ + 1
        source = (ds.get("archive") or {}).get("url") or ds.get("landing", "")
        rep = ds.get("report") or {}
        group = (f"{rep.get('titel', name)}. {rep.get('quellenvermerk', '')}. Lizenz: {rep.get('lizenz', '')}. "
                 f"Bezug: {source}") if ds else rel.split("/")[0]
        rows.append({"Datensatz": group, "Datei": rel.split("/", 1)[-1], "Größe": _size(path.stat().st_size),
                     "Prüfsumme": check, "SHA-256": sha})
    notes = ["Prüfsumme: Die SHA-256-Prüfsumme jeder gelesenen Datei wird mit der im Projekt verzeichneten "
             "verglichen (sozialanalyse/datasets.yml, dort auch die Adresse jeder einzelnen Datei); "
             "„sozialanalyse data fetch“ lädt genau diese Dateien bei ihren Herausgebern und prüft sie ebenso."]
    if differ:
        notes.insert(0, f"Achtung: {differ} Datei(en) weichen von der verzeichneten Fassung ab; die Zahlen "
                        "dieses Berichts können von denen der veröffentlichten Daten abweichen.")
    return table(pd.DataFrame(rows), caption=f"Eingangsdaten ({len(rows)} amtliche Dateien)", group="Datensatz",
                 footnotes=notes, align_right=["Größe"], kinds={"Größe": "text", "SHA-256": "text"})


def config(config_ref: str | Path):
    """The report config used: its path (as passed to the notebook), sha256 and full text."""
    path = resolve_config(config_ref)
    raw = path.read_bytes()
    body = raw.decode("utf-8").rstrip("\n").replace("```", "'''")
    return text(f"**Konfiguration:** `{html.escape(str(config_ref))}`  \n"
                f"**SHA-256:** `{hashlib.sha256(raw).hexdigest()}`\n\n```yaml\n{body}\n```")


def code_version(root: str | Path | None = None):
    """Project version, git commit and whether the tree had uncommitted changes."""
    state = git_state(root)
    lines = [f"**sozialanalyse:** Version {__version__}, Quelltext-Hash `{library_hash()[:16]}`  "]
    if state["available"]:
        lines.append(f"**Git-Commit:** `{state['commit']}`  ")
        lines.append("**Arbeitsverzeichnis:** " + (
            "enthielt nicht eingecheckte Änderungen (der Bericht entspricht nicht genau diesem Commit)"
            if state["dirty"] else "sauber (keine nicht eingecheckten Änderungen)"))
    else:
        lines.append(f"**Git-Commit:** nicht ermittelbar. {state['reason']}")
    return text("\n".join(lines))


def versions():
    """Versions of Python and of every package that shapes the output (importlib.metadata)."""
    rows = [{"Paket": "Python", "Version": f"{platform.python_version()} ({platform.python_implementation()})"}]
    rows += [{"Paket": k, "Version": v} for k, v in package_versions().items()]
    return table(pd.DataFrame(rows), caption="Software", align_right=[], kinds={"Version": "text"})


def _now() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(UTC)


def build_date(when: datetime | None = None):
    """The single line that differs between builds: when this page was computed (UTC; honours
    ``SOURCE_DATE_EPOCH``).

    The date is shown from an attribute (CSS ``attr()``), so Sphinx's search index, which reads
    text but not attributes, is the same for every build.

    Examples
    --------
    >>> out = build_date(datetime(2025, 1, 31, 8, 5, tzinfo=UTC))
    >>> out.data.count("\\n"), "31.01.2025, 08:05 UTC" in out.data
    (0, True)
    """
    from IPython.display import HTML  # IPython: present in a kernel, not needed to import the page

    stamp = (when or _now()).astimezone(UTC).strftime("%d.%m.%Y, %H:%M UTC")
    return HTML('<style>.sa-build-date span[data-datum]::after{content:attr(data-datum)}</style>'
                f'<p class="sa-build-date">{BUILD_DATE_LABEL} <span data-datum="{stamp}"></span></p>')
