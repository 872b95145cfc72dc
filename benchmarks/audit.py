"""Benchmark of the disclosure audit of a built site (issue 19): its cost per page must not grow with
the manifest of suppressed cells, and a large site is read in processes.

Audits a built site (default ``_build/html``, with ``_build/disclosure/suppressed.csv``, as ``make
report`` leaves them) side by side in one run:

1. the manifest as the build writes it, read by one process (``jobs=1``) and by two (``jobs=2``);
2. the manifest made ``--grow`` times larger by cells of areas that are on no page (a Land's
   manifest holds tens of thousands of cells; their names on no page of this site), read by one
   process, each page preparing the manifest for itself (the way every page went through the
   whole manifest before; with the comparison of all names against all names it did then, left
   out here, it was slower still) and prepared once for the site (the way it is now).

Prints seconds, the findings (the same in every run, else it says so) and the ratios. A folder
without a site is reported and skipped, so that ``make bench`` runs without a built site.
Usage: ``python benchmarks/audit.py [SITE] [--manifest CSV] [--grow 10]``.

Measured (3 December 2026, Musterland's site at cce314f, 33 pages and 228 downloads (the input
files' copies are checked by their sha256, not read); manifest of 2.698 cells; the machine shared
with one other build): see the README's Performance section.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import machine  # noqa: E402


def grown(manifest: Path, times: int):
    """The manifest with ``times - 1`` copies of its cells under names no page holds."""
    import pandas as pd

    df = pd.read_csv(manifest, dtype=str, keep_default_na=False)
    copies = [df.assign(name=df["name"] + f" Kopie {k}") for k in range(1, times)]
    return pd.concat([df, *copies], ignore_index=True)


def per_page(site: Path, cells: list[dict], inputs: dict[str, str]) -> list:
    """The audit with the manifest prepared by every page (``audit_text`` given the plain list)."""
    from sozialanalyse.build import audit

    out = []
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        if not path.is_file() or "_sources" in path.relative_to(site).parts or rel in inputs:
            continue
        suffix = path.suffix.lower()
        if suffix == ".html":
            out.extend(audit.audit_html(path.read_text(encoding="utf-8"), rel, 3, cells))
        elif suffix in (".csv", ".tsv", ".xlsx", ".xls"):
            out.extend(audit.audit_download(path, rel, 3, cells))
        elif suffix in (".json", ".geojson") and not path.name.endswith(".kinds.json"):
            found, tables = audit.audit_embedded(path.read_text(encoding="utf-8"), rel, 3)
            out.extend(found)
            out.extend(audit.audit_text([u for t in tables for u in audit._row_units(t)], rel, cells))
    return out


def inputs_of(site: Path) -> dict[str, str]:
    """The synthetic district's input files the site publishes (checked by sha256, as the build does)."""
    import hashlib

    folder = site / "book" / "_generated" / "eingangsdaten"
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()} if folder.is_dir() else {}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("site", nargs="?", default=str(ROOT / "_build" / "html"))
    p.add_argument("--manifest", default=None, help="default: _build/disclosure/suppressed.csv beside the site")
    p.add_argument("--grow", type=int, default=10, help="make the manifest this many times larger (default 10)")
    a = p.parse_args(argv)
    site = Path(a.site).resolve()
    manifest = Path(a.manifest) if a.manifest else site.parent / "disclosure" / "suppressed.csv"
    if not (site / "index.html").is_file() or not manifest.is_file():
        print(f"audit: no built site with a manifest at {a.site} (run `make report` first); skipped")
        return 0
    from sozialanalyse.build import audit

    print(machine())
    inputs = inputs_of(site)
    runs = {}

    def timed(label, fn):
        t = time.perf_counter()
        found = [str(f) for f in fn()]
        runs[label] = (time.perf_counter() - t, found)
        print(f"{label:<58} {runs[label][0]:7.1f} s  {len(found)} finding(s)", flush=True)

    timed("manifest as built, 1 process", lambda: audit.audit_site(site, suppressed=manifest, inputs=inputs, jobs=1))
    audit._FILES_PER_WORKER = 1  # this site is small: two processes even so, to measure them
    timed("manifest as built, 2 processes", lambda: audit.audit_site(site, suppressed=manifest, inputs=inputs, jobs=2))
    big = audit.read_suppressed(grown(manifest, a.grow))
    timed(f"manifest x{a.grow} ({len(big)} cells), prepared by every page", lambda: per_page(site, big, inputs))
    timed(f"manifest x{a.grow} ({len(big)} cells), prepared once", lambda: audit.audit_site(
        site, suppressed=big, inputs=inputs, jobs=1))
    (s1, f1), (s2, f2) = runs["manifest as built, 1 process"], runs["manifest as built, 2 processes"]
    big_keys = [k for k in runs if k.startswith("manifest x")]
    (sp, fp), (so, fo) = runs[big_keys[0]], runs[big_keys[1]]
    print(f"2 processes / 1 process: {s2 / s1:.2f}")
    print(f"manifest x{a.grow}: prepared once / prepared by every page: {so / sp:.3f}")
    same = f1 == f2 and sorted(fp) == sorted(fo)
    print("findings: " + ("the same in every run" if same else "DIFFER between runs"))
    print(machine())
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
