"""Benchmark of data input: register microdata and the INKAR files of the mirror.

1. A synthetic, seeded register extract of 1,000,000 persons (about 480,000 households, 60
   Sozialräume, 1,200 streets with odd/even sections, 1 % of addresses outside the directory) is
   written as CSV and as Parquet, then aggregated by
   :func:`sozialanalyse.io.register.aggregate_register` to Sozialraum x age band x sex x
   nationality (and household types). Each run happens in a fresh subprocess, which reports its
   wall time and peak resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``, so the
   interpreter and libraries count too). Baseline: plain ``pandas.read_csv`` + address merge +
   ``groupby`` computing the person counts only (no households). Target: <= 2 s, < 1 GiB.
2. Reading all INKAR workbooks of the mirror (``inkar-1998-2019/**/*.xlsx``) with
   :func:`sozialanalyse.io.read_inkar`. Target: <= 5 s.

Run: ``python benchmarks/io.py [--persons 1000000] [--threads 2]``. Prints figures, asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

N_PERSONS = 1_000_000


def make_extract(folder: Path, n: int = N_PERSONS, seed: int = 20240501) -> dict:
    """Write ``register.csv``, ``register.parquet`` and ``directory.csv`` to ``folder``."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    n_streets, n_areas = 1200, 60
    areas = [f"03499{1 + i // 12:03d}-{1 + i % 12:02d}" for i in range(n_areas)]
    street_keys = np.array([f"{k:05d}" for k in range(1, n_streets + 1)])
    # directory: each street split at a random number into odd/even sections
    rows = []
    for s, key in enumerate(street_keys):
        split = int(rng.integers(20, 120))
        a1, a2, a3 = rng.integers(0, n_areas, 3)
        rows += [(key, 1, split, "odd", areas[a1]), (key, split + 1, 400, "odd", areas[a2]),
                 (key, 2, 400, "even", areas[a3])]
    directory = pd.DataFrame(rows, columns=["street_key", "number_from", "number_to", "side", "area_id"])
    directory.to_csv(folder / "directory.csv", index=False)
    # households of size 1-6; members share an address
    sizes = rng.choice([1, 2, 3, 4, 5, 6], p=[0.41, 0.34, 0.12, 0.09, 0.03, 0.01], size=n)
    hh_of = np.repeat(np.arange(n), sizes)[:n]
    n_hh = int(hh_of[-1]) + 1
    hh_street = rng.integers(0, n_streets, n_hh)
    hh_number = rng.integers(1, 400, n_hh)
    unmatched = rng.random(n_hh) < 0.01
    hh_number[unmatched] = 400 + rng.integers(1, 50, unmatched.sum())  # beyond every section
    suffix = np.where(rng.random(n_hh) < 0.05, "a", "")
    house = np.char.add(hh_number.astype(str), suffix)
    birth = 2024 - np.clip(rng.gamma(4.0, 11.0, n).astype(int), 0, 105)
    table = pa.table({
        "person_id": np.arange(n),
        "birth_year": birth,
        "sex": np.where(rng.random(n) < 0.49, "m", "w"),
        "nationality": np.where(rng.random(n) < 0.88, "deutsch", "nichtdeutsch"),
        "household_id": np.char.add("H", hh_of.astype(str)),
        "street_key": street_keys[hh_street][hh_of],
        "house_number": house[hh_of],
    })
    pacsv.write_csv(table, folder / "register.csv")
    pq.write_table(table, folder / "register.parquet")
    return {"persons": n, "households": n_hh, "csv_mb": (folder / "register.csv").stat().st_size / 2**20,
            "parquet_mb": (folder / "register.parquet").stat().st_size / 2**20}


def _child(mode: str, path: str, directory: str, threads: int) -> None:
    """Run one aggregation in this (fresh) process and print JSON with time and peak memory."""
    import resource

    t0 = time.perf_counter()
    if mode == "register":
        from sozialanalyse.io.register import aggregate_register

        r = aggregate_register(path, directory, year=2024, threads=threads)
        info = {"rows": len(r.counts), "persons_counted": r.summary["persons_counted"],
                "persons_unmatched": r.summary["persons_unmatched"], "households": r.summary["households"]}
    else:  # plain pandas baseline: persons by Sozialraum x band x sex x nationality
        df = pd.read_csv(path, dtype={"street_key": str, "house_number": str})
        d = pd.read_csv(directory, dtype={"street_key": str})
        num = pd.to_numeric(df["house_number"].str.extract(r"^(\d+)", expand=False))
        df["odd"] = num % 2 == 1
        d["odd"] = d["side"] == "odd"
        df["num"] = num
        df["row"] = np.arange(len(df))
        m = df.merge(d, on=["street_key", "odd"], how="left")
        m = m[(m["num"] >= m["number_from"]) & (m["num"] <= m["number_to"])]
        m["band"] = np.minimum((2024 - m["birth_year"]) // 5, 18)
        out = m.groupby(["area_id", "band", "sex", "nationality"]).size()
        info = {"rows": len(out), "persons_counted": int(out.sum())}
    info["seconds"] = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    info["cpu_seconds"] = ru.ru_utime + ru.ru_stime  # includes the imports; a load-independent figure
    info["maxrss_mib"] = ru.ru_maxrss / 1024  # KiB on Linux
    print(json.dumps(info))


def _run_child(mode: str, path: Path, directory: Path, threads: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(path), str(directory), str(threads)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_register(n: int, threads: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        meta = make_extract(folder, n)
        print(f"register extract: {meta['persons']:,} persons, {meta['households']:,} households; "
              f"CSV {meta['csv_mb']:.0f} MiB, Parquet {meta['parquet_mb']:.0f} MiB "
              f"(generated in {time.perf_counter() - t0:.1f} s)")
        directory = folder / "directory.csv"
        results = {}
        for label, mode, path in (("aggregate_register, CSV", "register", folder / "register.csv"),
                                  ("aggregate_register, Parquet", "register", folder / "register.parquet"),
                                  ("pandas read_csv + groupby (persons only)", "baseline",
                                   folder / "register.csv")):
            runs = [_run_child(mode, path, directory, threads) for _ in range(2)]
            best = min(runs, key=lambda r: r["seconds"])
            results[label] = best
            extra = (f", {best['persons_unmatched']:,} unmatched, {best['households']:,} households"
                     if "households" in best else "")
            print(f"  {label:45s} {best['seconds']:6.2f} s wall, {best['cpu_seconds']:5.2f} s CPU, peak RSS {best['maxrss_mib']:6.0f} MiB  "
                  f"({best['persons_counted']:,} persons counted{extra})")
        base = results["pandas read_csv + groupby (persons only)"]["seconds"]
        for label in ("aggregate_register, CSV", "aggregate_register, Parquet"):
            r = results[label]
            print(f"  ratio {label} / pandas baseline: {r['seconds'] / base:.2f} "
                  f"(target <= 2 s: {'met' if r['seconds'] <= 2 else 'MISSED'}; "
                  f"< 1 GiB: {'met' if r['maxrss_mib'] < 1024 else 'MISSED'})")


def bench_inkar() -> None:
    from sozialanalyse.io import mirror_dir, read_inkar

    mirror = mirror_dir()
    if mirror is None or not (mirror / "inkar-1998-2019").is_dir():
        print("INKAR: no mirror with inkar-1998-2019/ found (set SOZIALANALYSE_DATA_MIRROR); skipped")
        return
    files = sorted((mirror / "inkar-1998-2019").rglob("*.xlsx"))
    times = []
    for _ in range(2):
        t0 = time.perf_counter()
        rows = sum(len(read_inkar(f)) for f in files)
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    for f in files:
        pd.read_excel(f, sheet_name="Daten", header=[0, 1])
    base = time.perf_counter() - t0
    print(f"INKAR: {len(files)} workbooks, {rows:,} values: read_inkar {min(times):.2f} s "
          f"(target <= 5 s: {'met' if min(times) <= 5 else 'MISSED'}); "
          f"pandas.read_excel (openpyxl) {base:.2f} s; ratio {min(times) / base:.2f}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=N_PERSONS)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    print(f"load average before the run: {', '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"(wall times on a shared machine are noisy; CPU seconds are not)")
    bench_register(args.persons, args.threads)
    bench_inkar()


if __name__ == "__main__":
    main()
