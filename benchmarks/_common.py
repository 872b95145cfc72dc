"""What the benchmarks share (not a benchmark itself: ``make bench`` runs it and it prints nothing).

- :data:`ROOT`: the project folder these benchmarks belong to
- :func:`copy_project`: a copy of the project to build in, so that a benchmark never touches the
  checkout's cache or site
"""
from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def copy_project(dest: Path, data: str | None = None) -> Path:
    """Copy the project's book configuration, templates, narrative pages and configs to ``dest``
    (without ``book/_generated``); with ``data`` also the data folder ``data/<data>``."""
    dest.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, dest / name)
    for folder in ("notebooks", "book", "config"):
        shutil.copytree(ROOT / folder, dest / folder, ignore=shutil.ignore_patterns("_generated"))
    if data:
        shutil.copytree(ROOT / "data" / data, dest / "data" / data)
    return dest
