"""Benchmark of forked kernels (issue 19, part 2): the same cold build with every notebook's kernel
forked from a fork server that has imported the stack and loaded the district
(:mod:`sozialanalyse.build.forkserver`, the default on Linux) and with every kernel a process of
its own, started and warmed (``SOZIALANALYSE_KERNELS=fresh``, the build before).

In two copies of the project, side by side in one run: generates a synthetic Land
(``--municipalities N``, :mod:`sozialanalyse.demo.land`) once, builds ``config/musterland-land.yml``
(the Gemeindeprofile and the catalogue) cold with ``--jobs 2`` in each mode (``--order`` says
which first), and prints for each: the build's seconds, the seconds of its notebook phase,
profiles per minute, the peak memory (this process and all descendants, sampled), and the
ratio fork / fresh of the notebook phase. Then it checks that both builds executed the same
notebooks byte for byte (``book/_generated``).

Usage: ``python benchmarks/forked_kernels.py [--municipalities 60] [--jobs 2] [--order fork,fresh]``.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import copy_project, machine
from scale import CONFIG, PeakMemory

from sozialanalyse.build import forkserver, report
from sozialanalyse.build.profile import Profile
from sozialanalyse.demo import musterland

NOTEBOOKS = "notebooks (kernels and pages)"


def build(root: Path, mode: str, jobs: int) -> dict:
    os.environ[forkserver.ENV_VAR] = mode  # the workers (spawned) and their pools read it
    prof = Profile()
    t0 = time.perf_counter()
    with PeakMemory() as mem:
        out = report.build(root / "config" / CONFIG, jobs, True, root, pdf=False, profile=prof)
    seconds = time.perf_counter() - t0
    phases = dict(prof.phases)
    return {"seconds": seconds, "notebooks": phases[NOTEBOOKS], "executed": out["executed"], "peak": mem.peak}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--municipalities", type=int, default=60)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--order", default="fork,fresh", help="the modes in the order they run")
    args = ap.parse_args(argv)
    modes = [m.strip() for m in args.order.split(",")]
    assert sorted(modes) == ["fork", "fresh"], "--order: fork,fresh or fresh,fork"
    print(machine(), flush=True)
    if not forkserver.available():
        sys.exit("forked kernels are not available here (Linux only)")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "land"
        musterland.generate(data, municipalities=args.municipalities)
        results, roots = {}, {}
        for mode in modes:
            root = roots[mode] = copy_project(Path(tmp) / mode)
            shutil.copytree(data, root / "data" / "musterland-land")
            r = results[mode] = build(root, mode, args.jobs)
            print(f"{mode:5}: build {r['seconds']:.1f} s, notebooks {r['notebooks']:.1f} s ({r['executed']} executed, "
                  f"{r['executed'] / r['notebooks'] * 60:.1f} per minute), peak memory {r['peak'] / 2**30:.2f} GiB",
                  flush=True)
        fork, fresh = results["fork"], results["fresh"]
        print(f"\nratio fork / fresh: notebooks {fork['notebooks'] / fresh['notebooks']:.3f}, "
              f"whole build {fork['seconds'] / fresh['seconds']:.3f} (lower is faster); "
              f"{args.municipalities} municipalities, --jobs {args.jobs}, {os.cpu_count()} CPUs")
        gen = {m: {p.relative_to(roots[m] / report.GENERATED): p.read_bytes()
                   for p in (roots[m] / report.GENERATED).rglob("*.ipynb")} for m in modes}
        same = sum(gen["fork"][k] == gen["fresh"].get(k) for k in gen["fork"])
        print(f"executed notebooks byte for byte the same: {same} of {len(gen['fork'])} "
              f"(fresh built {len(gen['fresh'])})")
        print(f"after the run: {machine()}")
        os.environ.pop(forkserver.ENV_VAR, None)


if __name__ == "__main__":
    main()
