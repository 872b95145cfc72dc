"""Benchmark of the protected layer once per build (:mod:`sozialanalyse.protected.layer`).

Every page runs in a notebook kernel of its own. Measured, each in a fresh Python process as a
kernel is (the district and the indicator catalog, which every page reads anyway, loaded first and
not timed):

1. cold: ``protected.layer.of(district)`` computes the layer (what every kernel did before);
2. warm: the same call with ``SOZIALANALYSE_PROTECTED_LAYER`` naming the file the build saved
   (it checks the fingerprint, then reads the file);
3. once: the build's own cost, computing and saving it in the parent process.

Prints the medians, the ratio cold / warm and what a build of ``--pages`` kernels spends on the
layer either way. Usage: ``python benchmarks/protected_layer.py [--config musterland] [--runs 3]
[--pages 22]``. Asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

KERNEL = """
import json, sys, time
import sozialanalyse as sa
from sozialanalyse.protected import layer as pl
from sozialanalyse.stats import indicators
d = sa.load(sys.argv[1])
indicators.load_catalog(indicators.district_catalog(d))  # every page reads it anyway: outside the timing
t = time.perf_counter()
L = pl.of(d)
took = time.perf_counter() - t
out = {"seconds": took, "loaded": L.loaded is not None, "cells": len(L.cells)}
if len(sys.argv) > 2:  # the build's part: save it
    t = time.perf_counter()
    pl.save(L, sys.argv[2])
    out["save"] = time.perf_counter() - t
print(json.dumps(out))
"""


def run(config: str, env_file: str | None, save_to: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "SOZIALANALYSE_PROTECTED_LAYER"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    if env_file:
        env["SOZIALANALYSE_PROTECTED_LAYER"] = env_file
    args = [sys.executable, "-c", KERNEL, config] + ([save_to] if save_to else [])
    out = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="musterland")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pages", type=int, default=22, help="kernels of a build (Musterland: 11 chapters + 11 profiles)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "layer.parquet")
        once = run(a.config, None, save_to=path)
        cold = [run(a.config, None) for _ in range(a.runs)]
        warm = [run(a.config, path) for _ in range(a.runs)]
    assert not any(r["loaded"] for r in cold) and all(r["loaded"] for r in warm)
    c = statistics.median(r["seconds"] for r in cold)
    w = statistics.median(r["seconds"] for r in warm)
    print(f"protected layer of {a.config}: {once['cells']:,} cells, median of {a.runs} fresh processes each")
    print(f"  cold (computed in the kernel):        {c:6.2f} s")
    print(f"  warm (read from the build's file):    {w:6.2f} s")
    print(f"  ratio cold / warm:                    {c / w:6.1f}x")
    print(f"  the build's part (compute + save):    {once['seconds'] + once['save']:6.2f} s "
          f"(save {once['save']:.2f} s)")
    print(f"  a build of {a.pages} kernels: {a.pages * c:.1f} s computing in every kernel, "
          f"{once['seconds'] + once['save'] + a.pages * w:.1f} s once + reading "
          f"(ratio {a.pages * c / (once['seconds'] + once['save'] + a.pages * w):.1f}x)")


if __name__ == "__main__":
    main()
