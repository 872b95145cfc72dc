"""What the benchmarks share (not a benchmark itself: ``make bench`` skips files that begin with ``_``).

- :data:`ROOT`: the project folder these benchmarks belong to
- :func:`copy_project`: a copy of the project to build in, so that a benchmark never touches the
  checkout's cache or site
- :func:`machine`: the line every timing is printed with (CPUs, model, memory, load average), so
  that a figure copied into the README says what it ran on
- :class:`ProcessCPU`: the CPU seconds of this process and its descendants by their role in a
  build (build, pool workers, fork servers, kernels, Sphinx), sampled from ``/proc`` by a process
  of its own (``python _common.py --sample-cpu PID SECONDS`` is that process)
"""
from __future__ import annotations

import collections
import json
import os
import platform
import shutil
import subprocess
import sys
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
    return "other: " + " ".join(cmdline.split())[:60]


def _proc_stat(pid) -> tuple[int, int, int]:
    """``(parent pid, user + system ticks, start tick)`` of ``pid`` from ``/proc/PID/stat`` (the
    fields after the command name, which may hold spaces and parentheses)."""
    with open(f"/proc/{pid}/stat", "rb") as fh:
        data = fh.read()
    f = data[data.rindex(b")") + 2:].split()
    return int(f[1]), int(f[11]) + int(f[12]), int(f[19])


def _proc_cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _sample_cpu(root: int, every: float, stop: threading.Event, ready=lambda: None) -> dict:
    """The sampling loop of :class:`ProcessCPU`, run in a process of its own (``python _common.py
    --sample-cpu PID SECONDS``) until ``stop``: every process below ``root`` (this sampler left
    out) with its role, CPU seconds and the wall clock (``time.time``) it was first seen at; and
    ``root``'s own CPU over time. ``ready`` is called once the first sample is taken."""
    tick = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    live: dict = {}  # pid -> (pid, start tick)
    foreign: set = {me}  # live pids that are not descendants of root (and this sampler)
    cmdlines: dict = {}
    seen: dict = {}  # (pid, start) -> [role, cpu seconds, first seen, parent pid, ticks at start]
    timeline: list = []  # (time, root's CPU seconds)
    first = True  # processes alive at the first sample count from then on
    stopped = False
    while True:
        now = time.time()
        try:
            pids = sorted(int(n) for n in os.listdir("/proc") if n.isdigit())
        except OSError:
            pids = []
        for pid in pids:  # ascending: a parent is usually met before its children
            if pid in foreign:
                continue
            try:
                ppid, ticks, start = _proc_stat(pid)
            except (OSError, ValueError, IndexError):
                continue
            key = live.get(pid)
            if key is not None and key[1] != start:  # the pid was reused
                key = None
            if key is None:
                if pid != root and ppid not in live:
                    foreign.add(pid)
                    continue
                key = live[pid] = (pid, start)
                cmdlines[pid] = _proc_cmdline(pid)
                kind = "build process" if pid == root else role(cmdlines[pid], cmdlines.get(ppid, ""))
                seen[key] = [kind, 0.0, now, ppid, ticks if first else 0]
            entry = seen[key]
            if now - entry[2] < 1 and pid != root:
                # perhaps seen between fork and exec, with its parent's command line: read again
                cmdlines[pid] = _proc_cmdline(pid) or cmdlines[pid]
                entry[0] = role(cmdlines[pid], cmdlines.get(entry[3], ""))
            ticks -= entry[4]
            if pid == root:
                timeline.append((now, ticks / tick))
            entry[1] = max(entry[1], ticks / tick)
        if first:
            ready()
            first = False
        alive = set(pids)
        for pid in [p for p in live if p not in alive]:
            del live[pid]
        foreign &= alive  # a pid that ended may come back as a descendant
        foreign.add(me)
        if stopped:  # the sample after the stop: the last
            break
        stopped = stop.wait(every)
    t = os.times()
    return {"seen": [e[:4] for e in seen.values()], "timeline": timeline, "sampler": t.user + t.system}


class ProcessCPU:
    """CPU seconds (user and system) of this process and of every descendant, by :func:`role`,
    sampled every ``every`` seconds from ``/proc`` (Linux) by a process of its own: a thread of
    this process would wait for the interpreter lock whenever a thread of the build computes, and
    sample seldom then (its CPU is printed apart, not counted). A process that ends is counted up
    to its last sample (the CPU of its last ``every`` seconds is missed; the machine's busy CPU from
    ``/proc/stat`` over the same time is printed beside the sum, so the share missed shows). This
    process counts from the sampler's first sample, before ``__enter__`` returns, and is split by
    the build's phases where :meth:`table` is given them (phases that begin when the block does);
    a pool worker is told apart by the phase it was first seen in. ``exclude`` (name to CPU seconds, set before :meth:`table`): threads of this process that are
    not the build (another sampler), printed apart and taken off this process's. Processes already
    running when it starts (a resource tracker) count from then on, as this process does."""

    def __init__(self, every: float = 0.02):
        self._every = every
        self.available = os.path.isdir("/proc/self")
        self.seen: list = []
        self.timeline: list = []
        self.sampler = float("nan")
        self.exclude: dict = {}

    @staticmethod
    def _busy() -> float:
        try:
            with open("/proc/stat", encoding="ascii") as fh:
                f = fh.readline().split()
            return sum(int(x) for x in f[1:4]) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return float("nan")

    def __enter__(self):
        if self.available:
            self._proc = subprocess.Popen([sys.executable, __file__, "--sample-cpu", str(os.getpid()), str(self._every)],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            self._proc.stdout.readline()  # its first sample is taken: everything counts from here
        self._t0_perf = time.perf_counter()
        self._t0 = time.time()  # the origin of the phases given to table()
        self._busy0 = self._busy()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self._t0_perf
        self.machine_busy = self._busy() - self._busy0
        if self.available:
            out, _ = self._proc.communicate(b"")  # end of its stdin: the sampler stops and answers
            got = json.loads(out)
            self.seen, self.timeline, self.sampler = got["seen"], got["timeline"], got["sampler"]

    def _cpu(self, kind: str, cpu: float) -> float:
        """A process's CPU seconds; the build process's without the threads in ``exclude``."""
        return cpu - sum(self.exclude.values()) if kind == "build process" else cpu

    def _build_by_phase(self, phases: list) -> list:
        """The build process's CPU seconds within each phase (from the sampled timeline)."""
        def cpu_at(t: float) -> float:
            last = 0.0
            for when, cpu in self.timeline:
                if when > t:
                    break
                last = cpu
            return last

        out, start = [], self._t0
        for name, sec in phases:
            out.append((name, cpu_at(start + sec) - cpu_at(start)))
            start += sec
        return out

    def table(self, phases: list | None = None) -> str:
        """Lines ``seconds  processes  role`` (largest first), the sampler, the sum and the
        machine's busy CPU; ``phases``: the build's ``(name, seconds)`` in order
        (:class:`sozialanalyse.build.profile.Profile`), by which the build process's CPU is split
        and pool workers are told apart."""
        if not self.available:
            return "  (no /proc on this system: CPU by process not sampled)"

        def phase_at(t: float) -> str:
            end = self._t0
            for name, sec in phases or []:
                end += sec
                if t < end:
                    return name
            return "after the phases"

        by = collections.defaultdict(lambda: [0, 0.0])
        for kind, cpu, first, _ in self.seen:
            if kind == "pool worker" and phases:
                kind = f"pool worker ({phase_at(first)})"
            by[kind][0] += 1
            by[kind][1] += self._cpu(kind, cpu)
        lines = []
        for kind, (n, cpu) in sorted(by.items(), key=lambda kv: -kv[1][1]):
            lines.append(f"  {cpu:9.1f} s  {n:5d}  {kind}")
            if kind == "build process" and phases:
                lines += [f"  {sec:9.1f} s         of it in the phase: {name}" + (" (with the threads below)" if self.exclude else "")
                          for name, sec in self._build_by_phase(phases) if sec >= 0.05]
        for name, sec in self.exclude.items():
            lines.append(f"  {sec:9.1f} s         {name} (a thread of the build process, not counted above)")
        lines.append(f"  {self.sampler:9.1f} s         this sampler (a process of its own, not counted above)")
        total = sum(cpu for _, cpu in by.values())
        lines.append(f"  {total:9.1f} s  {sum(n for n, _ in by.values()):5d}  sum (sampled every {self._every * 1000:.0f} ms); "
                     f"the machine's busy CPU meanwhile {self.machine_busy:.1f} s, wall {self.wall:.1f} s")
        return "\n".join(lines)

    def seconds(self, kind: str) -> float:
        """CPU seconds of the processes whose role starts with ``kind``."""
        return sum(self._cpu(k, cpu) for k, cpu, *_ in self.seen if k.startswith(kind))


if __name__ == "__main__" and sys.argv[1:2] == ["--sample-cpu"]:  # ProcessCPU's sampling process
    _stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.buffer.read(), _stop.set()), daemon=True).start()
    json.dump(_sample_cpu(int(sys.argv[2]), float(sys.argv[3]), _stop, ready=lambda: print(flush=True)), sys.stdout)
