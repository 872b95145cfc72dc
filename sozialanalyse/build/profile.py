"""Where a build's time went (``sozialanalyse build --profile``).

A :class:`Profile` records the wall-clock seconds of each phase of the build (plan, shared
computation, execution, book, downloads, audit, publish) and, for every executed notebook, its
seconds, what it waited for its kernel, how long that kernel took to start and to import the stack
(in the background when it was warm: :mod:`sozialanalyse.build.kernels`) and the seconds of each
code cell (papermill's per-cell timing; the cached notebooks keep none of it, so their bytes do
not depend on ``--profile``). Beside each phase it records the build process's own resident memory
at the phase's end (:func:`rss`, Linux: ``/proc/self/status``), which says what the build holds
while Jupyter Book runs beside it (issue 19). :meth:`Profile.report` prints it as a table, slowest
pages first.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["Profile", "rss"]


def rss() -> int | None:
    """The resident memory of this process now, in bytes (``VmRSS`` of ``/proc/self/status``);
    ``None`` where there is no such file (not Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024  # the file counts kB (KiB)
    except OSError:
        pass
    return None


@dataclass
class Profile:
    """Phases (name, seconds) in the order they ran, the build process's resident memory at the
    end of each (``memory``: name to bytes) and the executed pages' timings."""

    phases: list = field(default_factory=list)
    memory: dict = field(default_factory=dict)
    #: work that ran in parallel with a phase (name, seconds): shown, not added to the wall clock
    alongside: list = field(default_factory=list)
    pages: list = field(default_factory=list)
    _last: float = field(default_factory=time.perf_counter, repr=False)

    def lap(self, name: str) -> None:
        """Record the seconds since the previous lap (or since the profile began) as phase ``name``,
        and this process's resident memory now."""
        now = time.perf_counter()
        self.add(name, now - self._last)
        self.memory[name] = rss()
        self._last = now

    @contextmanager
    def phase(self, name: str):
        """Time the block as phase ``name`` (a phase entered twice adds up)."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - t0)

    def add(self, name: str, seconds: float) -> None:
        for i, (n, s) in enumerate(self.phases):
            if n == name:
                self.phases[i] = (n, s + seconds)
                return
        self.phases.append((name, seconds))

    def beside(self, name: str, seconds: float) -> None:
        """Record ``seconds`` of work that ran in parallel with a phase (e.g. the downloads
        beside the book): the report shows it apart, not as a share of the wall clock."""
        self.alongside.append((name, seconds))

    def page(self, label: str, outcome) -> None:
        """Record an executed page (an :class:`sozialanalyse.build.executors.Outcome`)."""
        self.pages.append((label, outcome))

    def report(self, pages: int = 10, cells: int = 3) -> str:
        """The table: phases with their share of the total, the kernels, then the ``pages``
        slowest pages with their ``cells`` slowest cells (``[n]`` is the cell's execution count).

        >>> p = Profile()
        >>> p.add("plan", 1.0); p.add("book", 3.0); p.beside("downloads, beside the book", 2.0)
        >>> print(p.report())
        where the time went (wall clock, seconds)
          plan                                       1.0     25 %
          book                                       3.0     75 %
          total                                      4.0
          beside it: downloads, beside the book      2.0
        """
        total = sum(s for _, s in self.phases)
        out = ["where the time went (wall clock, seconds)" + ("; the build process's resident memory at each "
                                                             "phase's end" if self.memory else "")]
        for name, s in self.phases:
            share = f"{100 * s / total:5.0f} %" if total else ""
            held = self.memory.get(name)
            mem = f"  {held / 2**20:8.0f} MiB" if held is not None else ""
            out.append(f"  {name:<38} {s:7.1f}  {share}{mem}")
        out.append(f"  {'total':<38} {total:7.1f}")
        out += [f"  {'beside it: ' + name:<38} {s:7.1f}" for name, s in self.alongside]
        if not self.pages:
            return "\n".join(out)
        oc = [o for _, o in self.pages]
        n = len(oc)
        out += ["", f"notebooks executed: {n}",
                f"  {'page execution (sum over workers)':<38} {sum(o.seconds for o in oc):7.1f}",
                f"  {'waited for a kernel (sum)':<38} {sum(o.kernel_wait for o in oc):7.1f}",
                f"  {'kernel start (sum, mostly ahead)':<38} {sum(o.kernel_start for o in oc):7.1f}",
                f"  {'stack import in kernels (sum, idem)':<38} {sum(o.kernel_warm for o in oc):7.1f}",
                f"  {'cells (sum)':<38} {sum(c[1] for o in oc for c in o.cells):7.1f}",
                "", f"slowest pages (of {n}): seconds, kernel wait; slowest cells"]
        for label, o in sorted(self.pages, key=lambda p: -p[1].seconds)[:pages]:
            out.append(f"  {label:<50} {o.seconds:6.1f}  {o.kernel_wait:5.1f}")
            for count, s, first in sorted(o.cells, key=lambda c: -c[1])[:cells]:
                out.append(f"      [{count}] {first[:60]:<60} {s:6.2f}")
        return "\n".join(out)
