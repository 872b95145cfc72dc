"""Benchmark of :func:`sozialanalyse.io.validate.validate` on large count tables with duplicates.

A synthetic, seeded district (1 Kreis, 40 Städte, 3,960 Sozialräume) gets a ``population.csv``
of ``--rows`` rows (default 2,000,000) over 2015-2024 x 19 age bands x sex x nationality, of
which a share are duplicates of other rows (default shares 0, 0.5 and 0.98: 1,960,000 duplicate
rows, the case of issue #12), shuffled into the file. The other count tables are left out (each
is one ``missing_file`` problem). Every run happens in a fresh subprocess that reports its wall
time, the number of problems and the length of ``result.report()``.

Baseline: the library as of ``--baseline`` (a git ref, default ``main``; exported with
``git archive`` into a temporary folder), run side by side on a smaller input
(``--baseline-rows``, default 128,000: the old code took 91 s for that many duplicates and did
not finish 1.96 million in 15 minutes), with ``--timeout`` seconds at most. Target (issue #12):
2 million rows with any share of duplicates validated in at most 30 s.

Run: ``python benchmarks/validate.py [--rows 2000000] [--shares 0 0.5 0.98] [--baseline main]
[--baseline-rows 128000] [--timeout 600]``. Prints figures, asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
AGE = ["0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54",
       "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+"]


def make_district(folder: Path, rows: int, share: float, seed: int = 20261202) -> None:
    """``areas.csv`` and a ``population.csv`` of ``rows`` rows, ``share`` of them duplicates."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    towns = [f"03499{t:03d}" for t in range(1, 41)]
    soz = [f"{t}-{s:02d}" for t in towns for s in range(1, 100)]
    areas = ([("03499", "Landkreis Benchmark", "Landkreis", "")]
             + [(t, f"Stadt {i}", "Stadt", "03499") for i, t in enumerate(towns, 1)]
             + [(s, f"Sozialraum {s}", "Sozialraum", s[:8]) for s in soz])
    pd.DataFrame(areas, columns=["area_id", "name", "kind", "parent_id"]).to_csv(folder / "areas.csv", index=False)
    n_dup = int(round(rows * share))
    n_unique = rows - n_dup
    cells = len(soz) * 10 * len(AGE) * 4
    if n_unique > cells:
        raise SystemExit(f"{n_unique:,} distinct rows requested, the district has {cells:,} cells")
    cell = rng.choice(cells, size=n_unique, replace=False)
    cell = np.concatenate([cell, rng.choice(cell, size=n_dup)])[rng.permutation(rows)]
    area, rest = np.divmod(cell, 10 * len(AGE) * 4)
    year, rest = np.divmod(rest, len(AGE) * 4)
    age, rest = np.divmod(rest, 4)
    df = pd.DataFrame({
        "area_id": np.array(soz)[area], "year": 2015 + year, "variable": "einwohner",
        "age_group": np.array(AGE)[age], "sex": np.array(["m", "w"])[rest // 2],
        "nationality": np.array(["deutsch", "nichtdeutsch"])[rest % 2],
        "value": rng.integers(0, 400, rows)})
    df.to_csv(folder / "population.csv", index=False)


_RUN = """
import json, sys, time
t = time.perf_counter()
from sozialanalyse.io.validate import validate
r = validate(sys.argv[1], geometry=False)
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "problems": len(r.problems), "report_chars": len(r.report()),
                  "report_lines": len(r.report().splitlines())}))
"""


def run(library: Path, folder: Path, timeout: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(library)}
    try:
        out = subprocess.run([sys.executable, "-c", _RUN, str(folder)], env=env, capture_output=True, text=True,
                             timeout=timeout, check=True, cwd=folder).stdout  # cwd: not this tree's package
    except subprocess.TimeoutExpired:
        return {"seconds": float("inf"), "problems": None, "report_chars": None, "report_lines": None}
    return json.loads(out.strip().splitlines()[-1])


def export(ref: str, target: Path) -> Path:
    """The package ``sozialanalyse`` as of git ``ref`` in ``target`` (for the baseline)."""
    archive = target / "baseline.tar"
    with open(archive, "wb") as fh:
        subprocess.run(["git", "-C", str(ROOT), "archive", ref, "sozialanalyse"], stdout=fh, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target / "baseline", filter="data")
    return target / "baseline"


def _fmt(r: dict) -> str:
    if r["seconds"] == float("inf"):
        return "did not finish (timeout)"
    return (f"{r['seconds']:7.2f} s, {r['problems']:,} problem(s), report {r['report_lines']:,} lines "
            f"/ {r['report_chars']:,} chars")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--shares", type=float, nargs="+", default=[0.0, 0.5, 0.98])
    ap.add_argument("--baseline", default="main", help="git ref of the baseline library ('' to skip)")
    ap.add_argument("--baseline-rows", type=int, default=128_000)
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = None
        if args.baseline:
            try:
                base = export(args.baseline, tmp)
            except (subprocess.CalledProcessError, OSError) as exc:  # no such ref (a shallow clone, CI)
                print(f"baseline {args.baseline!r} skipped: {exc}")
        if base is not None:
            folder = tmp / "small"
            make_district(folder, args.baseline_rows, 0.98)
            print(f"side by side, {args.baseline_rows:,} rows, 98 % duplicates:")
            old, new = run(base, folder, args.timeout), run(ROOT, folder, args.timeout)
            print(f"  baseline ({args.baseline}): {_fmt(old)}")
            print(f"  this tree:       {_fmt(new)}")
            print(f"  ratio this tree / baseline: {new['seconds'] / old['seconds']:.4f}")
        for share in args.shares:
            folder = tmp / f"rows{share}"
            t = time.perf_counter()
            make_district(folder, args.rows, share)
            made = time.perf_counter() - t
            r = run(ROOT, folder, args.timeout)
            print(f"{args.rows:,} rows, {share:.0%} duplicates (written in {made:.1f} s): {_fmt(r)} "
                  f"(target 30 s: ratio {r['seconds'] / 30:.2f})")


if __name__ == "__main__":
    main()
