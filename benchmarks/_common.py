"""What the benchmarks share (not a benchmark itself: ``make bench`` runs it and it prints nothing).

- :data:`ROOT`: the project folder these benchmarks belong to
- :func:`copy_project`: a copy of the project to build in, so that a benchmark never touches the
  checkout's cache or site
- :func:`machine`: the line every timing is printed with (CPUs, model, memory, load average), so
  that a figure copied into the README says what it ran on
"""
from __future__ import annotations

import os
import platform
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def copy_project(dest: Path, data: str | None = None, src: Path = ROOT) -> Path:
    """Copy the project's book configuration, templates, narrative pages and configs to ``dest``
    (without ``book/_generated``); with ``data`` also the data folder ``data/<data>``. ``src``:
    another checkout of the project (``benchmarks/versions.py``)."""
    dest.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(src / name, dest / name)
    for folder in ("notebooks", "book", "config"):
        shutil.copytree(src / folder, dest / folder, ignore=shutil.ignore_patterns("_generated"))
    if data:
        shutil.copytree(src / "data" / data, dest / "data" / data)
    return dest


def machine() -> str:
    """CPUs, CPU model, memory and the load average (1, 5, 15 minutes) of this machine now."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            model = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), model)
    except OSError:
        pass
    try:
        mem = f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
    except (ValueError, OSError, AttributeError):
        mem = "memory unknown"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"
    return f"machine: {os.cpu_count()} CPUs ({model}), {mem}; load average (1, 5, 15 min): {load}"
