"""Benchmark of the Dask executor (issue 19): the same cold build on a ``LocalCluster`` of two
workers and with the local executor, on the same machine, side by side in one run.

In a copy of the project: generates a synthetic Land of ``--municipalities N``
(:mod:`sozialanalyse.demo.land`), starts a ``distributed.LocalCluster`` of 2 worker processes
with one thread each (``distributed.scheduler.allowed-failures`` 1, as the README's scheduler),
and builds ``config/musterland-land.yml`` cold (execution cache, generated notebooks and site
removed before each build) ``--rounds`` times each way, alternating local, Dask, then Dask,
local (``--jobs 2``, HTML only). Each build runs in this process; the cluster's start is not
part of a build (a cluster is started once and serves many builds), and its idle workers stay up
while the local build runs. Before each Dask build the workers are restarted (not timed): a
worker keeps its kernel pool and fork server, with the stack imported and the district loaded,
from one build to the next, as the local build's new worker processes do not. The Dask nanny
starts its workers with ``OMP_NUM_THREADS=1`` and ``MALLOC_TRIM_THRESHOLD_=65536`` (its
``distributed.nanny.pre-spawn-environ``), which the kernels inherit: measured as a cluster runs. Prints each build's seconds and phases, the ratio Dask / local of the
whole build and of the notebook phase (means over the rounds), and whether both executors
executed the same notebooks and published the same site, byte for byte. Target of the issue:
the Dask build within 15 % of the local one (ratio at most 1.15).

Usage: ``python benchmarks/dask_cluster.py [--municipalities 60] [--rounds 1]``.
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

from _common import copy_project, machine
from versions import first_difference, site_files

from sozialanalyse.build import executors, report
from sozialanalyse.build.profile import Profile
from sozialanalyse.demo import musterland

CONFIG = "musterland-land.yml"
NOTEBOOKS = "notebooks (kernels and pages)"


def cold(root: Path) -> None:
    """Nothing of an earlier build left: the execution cache, the generated notebooks, the site."""
    for folder in (".cache", "_build", str(report.GENERATED)):
        shutil.rmtree(root / folder, ignore_errors=True)


def build(root: Path, executor) -> dict:
    """One cold build with ``executor`` (None: the local one): seconds, phases, executed notebooks
    (path -> bytes) and the site (path -> sha256)."""
    cold(root)
    prof = Profile()
    t0 = time.perf_counter()
    out = report.build(root / "config" / CONFIG, 2, True, root, pdf=False, executor=executor, profile=prof)
    seconds = time.perf_counter() - t0
    gen = root / report.GENERATED
    return {"seconds": seconds, "phases": dict(prof.phases), "executed": out["executed"],
            "notebooks": {p.relative_to(gen).as_posix(): p.read_bytes() for p in sorted(gen.rglob("*.ipynb"))},
            "site": site_files(root)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--municipalities", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=1, help="builds each way, alternating local and Dask")
    args = ap.parse_args(argv)
    import dask
    import distributed

    print(machine(), flush=True)
    # what a build process imports on its first build, imported here: no build pays it alone
    import jupyter_client  # noqa: F401
    import nbformat  # noqa: F401
    import papermill  # noqa: F401

    import sozialanalyse.pages  # noqa: F401
    import sozialanalyse.render.figures  # noqa: F401

    with tempfile.TemporaryDirectory(prefix="sa-dask-") as tmp:
        root = copy_project(Path(tmp) / "projekt")
        musterland.generate(root / "data" / "musterland-land", municipalities=args.municipalities)
        t0 = time.perf_counter()
        with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
                distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                         silence_logs=40) as cluster:
            print(f"LocalCluster of 2 workers (1 thread each) started in {time.perf_counter() - t0:.1f} s "
                  f"at {cluster.scheduler_address}", flush=True)
            runs: dict[str, list[dict]] = {"local": [], "dask": []}
            for k in range(args.rounds):
                for name in ("local", "dask") if k % 2 == 0 else ("dask", "local"):
                    ex = executors.DaskExecutor(cluster.scheduler_address) if name == "dask" else None
                    try:
                        if ex is not None:  # cold workers: no pool, fork server or loaded district left
                            ex.client.restart()
                        r = build(root, ex)
                    finally:
                        if ex is not None:
                            ex.close()
                    runs[name].append(r)
                    print(f"round {k + 1}, {name:5}: build {r['seconds']:.1f} s, notebooks {r['phases'][NOTEBOOKS]:.1f} s "
                          f"({r['executed']} executed); phases: "
                          + "; ".join(f"{n} {s:.1f} s" for n, s in r["phases"].items()), flush=True)
        mean = {n: sum(r["seconds"] for r in rs) / len(rs) for n, rs in runs.items()}
        nb = {n: sum(r["phases"][NOTEBOOKS] for r in rs) / len(rs) for n, rs in runs.items()}
        ratio = mean["dask"] / mean["local"]
        print(f"\nratio Dask / local: whole build {ratio:.3f}, notebooks {nb['dask'] / nb['local']:.3f} "
              f"(means of {args.rounds} build(s) each; target: whole build at most 1.15: "
              f"{'met' if ratio <= 1.15 else 'not met'}); {args.municipalities} municipalities, --jobs 2 and "
              f"2 Dask workers, {os.cpu_count()} CPUs")
        local, other = runs["local"][0], runs["dask"][0]
        names = sorted(set(local["notebooks"]) | set(other["notebooks"]))  # either's, also one's alone
        differ = [k for k in names if other["notebooks"].get(k) != local["notebooks"].get(k)]
        print(f"executed notebooks byte for byte the same (first local and Dask build): {len(names) - len(differ)} of "
              f"{len(names)} (local executed {len(local['notebooks'])}, Dask {len(other['notebooks'])})")
        for name in differ[:5]:
            if name in local["notebooks"] and name in other["notebooks"]:
                print(f"  {name}: {first_difference(local['notebooks'][name], other['notebooks'][name])}")
            else:
                print(f"  {name}: only in the {'local' if name in local['notebooks'] else 'Dask'} build")
        files = sorted(set(local["site"]) | set(other["site"]))
        differ = [k for k in files if other["site"].get(k) != local["site"].get(k)]
        print(f"published site byte for byte the same: {len(files) - len(differ)} of {len(files)} files"
              f" (local published {len(local['site'])}, Dask {len(other['site'])})"
              + (f"; differing: {', '.join(differ[:5])}" + (" ..." if len(differ) > 5 else "") if differ else ""))
    print(f"after the run: {machine()}")


if __name__ == "__main__":
    main()
