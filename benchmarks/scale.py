"""Benchmark at scale (issue 19): a synthetic Land of many municipalities, profiles only.

In a copy of the project: generates the Land (``sozialanalyse musterland ... --municipalities N``,
:mod:`sozialanalyse.demo.land`), builds ``config/musterland-land.yml`` (the Gemeindeprofile and
the indicator catalogue they link to) cold with ``--jobs 2``, and measures, side by side in one
run:

1. the cold build: seconds, Gemeindeprofile per minute, and the peak memory: the largest sum of
   the resident memory of this process and all its descendants (the workers and their kernels),
   sampled every 0.25 s, beside ``getrusage``'s largest single child process; and where the CPU
   went: the CPU seconds of the build process (by phase), its pool workers, fork servers, kernels
   and Sphinx (``_common.ProcessCPU``, sampled every 20 ms by a process of its own). Both samplers
   cost CPU beside the build and so lengthen it a little: the memory sampler's thread (psutil's
   process tree and each process's ``smaps_rollup``) about a tenth of a core, printed and taken
   off the build process's CPU; the CPU sampler a few hundredths of a core, printed. For the
   seconds of a build compared with another version, ``versions.py`` samples only the memory;
2. a sequential papermill loop over a sample of the same profiles (default 20: one fresh kernel
   per notebook, no cache, no book), extrapolated to N;

and prints the ratio build / (papermill loop extrapolated to N). Targets of the issue: 400
profiles in at most 5 minutes on 2 cores, under 4 GiB.

Usage: ``python benchmarks/scale.py [--municipalities 400] [--sample 20] [--jobs 2]``.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import ProcessCPU, copy_project, machine

from sozialanalyse.build import report
from sozialanalyse.build.profile import Profile
from sozialanalyse.demo import musterland

CONFIG = "musterland-land.yml"


class PeakMemory:
    """The largest sum of resident memory of this process and its descendants, sampled: ``peak``
    sums each process's RSS (pages a forked kernel shares with its fork server count once in
    each), ``peak_pss`` their proportional set size (a shared page split between the processes
    sharing it: what the machine holds; Linux only, else 0)."""

    def __init__(self, every: float = 0.25):
        import psutil

        self._me = psutil.Process()
        self._every = every
        self.peak = 0
        self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="PeakMemory", daemon=True)

    @staticmethod
    def _pss(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
                for line in f:
                    if line.startswith(b"Pss:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _run(self):
        import psutil

        t0 = time.thread_time()
        while not self._stop.is_set():
            total = pss = 0
            for p in [self._me, *self._me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    continue
                pss += self._pss(p.pid)
            self.peak = max(self.peak, total)
            self.peak_pss = max(self.peak_pss, pss)
            self._stop.wait(self._every)
        self.cpu = time.thread_time() - t0  # this thread's own CPU (ProcessCPU takes it off the build's)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def papermill_loop(root: Path, jobs: list, out: Path) -> float:
    """Seconds of a sequential papermill loop over ``jobs`` (a fresh kernel each)."""
    import papermill as pm

    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for job in jobs:
        pm.execute_notebook(str(root / "notebooks" / f"{job.template}.ipynb"),
                            str(out / f"{job.output.replace('/', '_')}.ipynb"),
                            parameters=job.parameters, cwd=str(root), progress_bar=False, kernel_name="python3")
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--municipalities", type=int, default=400)
    ap.add_argument("--sample", type=int, default=20, help="profiles of the sequential papermill loop (0: none)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="build in this folder and keep it (default: a temp folder)")
    ap.add_argument("--pdf", action="store_true",
                    help="also print every profile as PDF (default: HTML only; the target counts the pages)")
    args = ap.parse_args(argv)
    n = args.municipalities
    print(machine(), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_project((args.keep or Path(tmp)) / "projekt")
        t0 = time.perf_counter()
        musterland.generate(root / "data" / "musterland-land", municipalities=n)
        print(f"generated the Land of {n} municipalities: {time.perf_counter() - t0:.1f} s", flush=True)
        config = root / "config" / CONFIG
        planned, jobs = report.plan(config, root)
        profiles = [j for j in jobs if j.template == planned.config.profile_template]
        print(f"plan: {len(jobs)} notebooks, {len(profiles)} Gemeindeprofile, "
              f"{len(planned.district.areas)} areas", flush=True)
        del planned  # its district would count in this process's memory below (the build loads its own)
        with PeakMemory() as mem, ProcessCPU() as cpu:
            prof = Profile()  # its phases begin where ProcessCPU's clock does
            t0 = time.perf_counter()
            out = report.build(config, args.jobs, True, root, pdf=args.pdf, profile=prof)
        build_s = time.perf_counter() - t0
        child_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"1 cold build (jobs={args.jobs}, {'with' if args.pdf else 'without'} PDFs): {build_s:.1f} s, {out['executed']} executed; "
              f"{len(profiles) / build_s * 60:.1f} Gemeindeprofile per minute", flush=True)
        print(f"  phases: " + "; ".join(f"{name} {sec:.1f} s" for name, sec in prof.phases)
              + "".join(f"; beside it: {name} {sec:.1f} s" for name, sec in prof.alongside), flush=True)
        print(f"  peak memory (this process + descendants, sampled): {mem.peak / 2**30:.2f} GiB summed RSS, "
              f"{mem.peak_pss / 2**30:.2f} GiB summed PSS (shared pages split); "
              f"largest single child process: {child_kib / 2**20:.2f} GiB", flush=True)
        cpu.exclude["PeakMemory's sampling thread"] = mem.cpu
        kernels = cpu.seconds("kernel")
        print(f"  CPU seconds by process (kernels: {kernels / max(1, out['executed']):.2f} s per executed notebook):\n"
              + cpu.table(prof.phases), flush=True)
        if args.sample <= 0:
            print(f"\n{len(profiles)} profiles in {build_s / 60:.1f} min (target: 400 in <= 5 min, < 4 GiB); "
                  f"no papermill loop (--sample 0); {os.cpu_count()} CPUs")
            print(f"after the run: {machine()}")
            return
        sample = profiles[:args.sample]
        loop_s = papermill_loop(root, sample, root / "_pm")
        per = loop_s / len(sample)
        print(f"2 sequential papermill loop, {len(sample)} profiles: {loop_s:.1f} s ({per:.2f} s per profile; "
              f"extrapolated to {len(profiles)}: {per * len(profiles):.0f} s)", flush=True)
        print(f"\nratio build / papermill loop extrapolated: {build_s / (per * len(profiles)):.3f} "
              f"(lower is faster); {len(profiles)} profiles in {build_s / 60:.1f} min "
              f"(target: 400 in <= 5 min, < 4 GiB); {os.cpu_count()} CPUs")
        print(f"after the run: {machine()}")


if __name__ == "__main__":
    main()
