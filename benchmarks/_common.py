"""What the benchmarks share (not a benchmark itself: ``make bench`` runs it and it prints nothing).

- :data:`ROOT`: the project folder these benchmarks belong to
- :func:`copy_project`: a copy of the project to build in, so that a benchmark never touches the
  checkout's cache or site
- :func:`machine`: the line every timing is printed with (CPUs, model, memory, load average), so
  that a figure copied into the README says what it ran on
- :class:`ProcessCPU`: the CPU seconds of this process and its descendants by their role in a
  build (build, pool workers, fork servers, kernels, Sphinx), sampled
"""
from __future__ import annotations

import collections
import os
import platform
import shutil
import threading
import time
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


def role(cmdline: str, parent_cmdline: str) -> str:
    """The role of a process of a build, from its command line and its parent's: a kernel forked
    by a fork server keeps the server's command line.

    >>> server = "python -m sozialanalyse.build.forkserver {}"
    >>> role(server, "python -c from multiprocessing.spawn import spawn_main; spawn_main() --multiprocessing-fork")
    'fork server'
    >>> role(server, server)
    'kernel (forked)'
    >>> role("python -m ipykernel_launcher -f k.json", "python -m sozialanalyse build")
    'kernel (fresh)'
    """
    if "sozialanalyse.build.forkserver" in cmdline:
        return "kernel (forked)" if "sozialanalyse.build.forkserver" in parent_cmdline else "fork server"
    if "ipykernel" in cmdline:
        return "kernel (fresh)"
    if "jupyter_book" in cmdline:
        return "Sphinx (Jupyter Book)"
    if "resource_tracker" in cmdline:
        return "multiprocessing's resource tracker"
    if "multiprocessing" in cmdline:
        return "pool worker"
    return "other: " + cmdline[:60]


class ProcessCPU:
    """CPU seconds (user and system) of this process and of every descendant, by :func:`role`,
    sampled every ``every`` seconds from a thread: a process that ends is counted up to its last
    sample (the CPU of its last ``every`` seconds is missed; the machine's busy CPU from
    ``/proc/stat`` over the same time is printed beside the sum, so the share missed shows). This
    process counts from the moment the sampler starts; a pool worker also by the phase of the build
    in which it was first seen, where :meth:`table` is given the phases."""

    def __init__(self, every: float = 0.02):
        import psutil

        self._me = psutil.Process()
        self._every = every
        self._seen: dict = {}  # (pid, create time) -> [role, cpu seconds, first seen (s)]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _busy() -> float:
        try:
            with open("/proc/stat", encoding="ascii") as fh:
                f = fh.readline().split()
            return sum(int(x) for x in f[1:4]) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return float("nan")

    def _run(self) -> None:
        import psutil

        cmdlines: dict = {}
        while not self._stop.is_set():
            for p in [self._me, *self._me.children(recursive=True)]:
                try:
                    key = (p.pid, p.create_time())
                    ct = p.cpu_times()
                    if key not in self._seen:
                        cmd = " ".join(p.cmdline())
                        cmdlines[p.pid] = cmd
                        parent = cmdlines.get(p.ppid(), "")
                        kind = "build process" if p.pid == self._me.pid else role(cmd, parent)
                        base = ct.user + ct.system if p.pid == self._me.pid else 0.0
                        self._seen[key] = [kind, 0.0, time.perf_counter() - self._t0, base]
                    entry = self._seen[key]
                    entry[1] = max(entry[1], ct.user + ct.system - entry[3])
                except psutil.Error:
                    continue
            self._stop.wait(self._every)

    def __enter__(self):
        self._t0 = time.perf_counter()
        self._busy0 = self._busy()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.wall = time.perf_counter() - self._t0
        self.machine_busy = self._busy() - self._busy0

    def table(self, phases: list | None = None) -> str:
        """Lines ``seconds  processes  role`` (largest first), the sum and the machine's busy CPU;
        ``phases``: the build's ``(name, seconds)`` in order (:class:`sozialanalyse.build.profile.Profile`),
        by which pool workers are told apart."""
        def phase_at(t: float) -> str:
            end = 0.0
            for name, sec in phases or []:
                end += sec
                if t < end:
                    return name
            return "after the phases"

        by = collections.defaultdict(lambda: [0, 0.0])
        for kind, cpu, first, _ in self._seen.values():
            if kind == "pool worker" and phases:
                kind = f"pool worker ({phase_at(first)})"
            by[kind][0] += 1
            by[kind][1] += cpu
        lines = [f"  {cpu:9.1f} s  {n:5d}  {kind}" for kind, (n, cpu) in sorted(by.items(), key=lambda kv: -kv[1][1])]
        total = sum(cpu for _, cpu in by.values())
        lines.append(f"  {total:9.1f} s  {sum(n for n, _ in by.values()):5d}  sum (sampled every {self._every * 1000:.0f} ms); "
                     f"the machine's busy CPU meanwhile {self.machine_busy:.1f} s, wall {self.wall:.1f} s")
        return "\n".join(lines)

    def seconds(self, kind: str) -> float:
        """CPU seconds of the processes whose role starts with ``kind``."""
        return sum(cpu for k, cpu, _, _ in self._seen.values() if k.startswith(kind))
