"""Benchmark of the peer selection (issue #18): 400 Landkreise x 30 structural variables.

1. every unit's distance to every other at once (:func:`sozialanalyse.planning.peers.pairwise`,
   vectorised) and the 10 nearest of each unit;
2. the 10 nearest of one district (:func:`sozialanalyse.planning.peers.nearest`), as the page
   asks it;
3. the straightforward implementation: z-scores and distances in Python loops over the pairs
   and variables.

Prints seconds, the ratio of the loop against the vectorised code, and whether both give the same
peers. The issue's bound: 400 x 30 in under 0.5 s. Usage: ``python benchmarks/peers.py``.
"""
from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sozialanalyse.planning.peers import nearest, pairwise  # noqa: E402

N, P, K = 400, 30, 10


def loop_peers(rows: list[list[float]], k: int) -> list[list[int]]:
    """z-scores (sample sd) and Euclidean distances in plain loops; the k nearest of every unit."""
    n, p = len(rows), len(rows[0])
    means = [sum(r[j] for r in rows) / n for j in range(p)]
    sds = [math.sqrt(sum((r[j] - means[j]) ** 2 for r in rows) / (n - 1)) for j in range(p)]
    z = [[(r[j] - means[j]) / sds[j] for j in range(p)] for r in rows]
    out = []
    for a in range(n):
        d = []
        for b in range(n):
            if a != b:
                d.append((math.sqrt(sum((z[a][j] - z[b][j]) ** 2 for j in range(p))), b))
        d.sort()
        out.append([b for _, b in d[:k]])
    return out


def main() -> None:
    rng = np.random.default_rng(18)
    values = pd.DataFrame(rng.normal(size=(N, P)) @ rng.normal(size=(P, P)),
                          index=[f"{i:05d}" for i in range(N)], columns=[f"v{j}" for j in range(P)])
    t0 = time.perf_counter()
    d = pairwise(values)
    np.fill_diagonal(d, np.inf)
    fast = np.argsort(d, axis=1, kind="stable")[:, :K]
    t_all = time.perf_counter() - t0
    t0 = time.perf_counter()
    one = nearest(values, "00000", k=K)
    t_one = time.perf_counter() - t0
    t0 = time.perf_counter()
    slow = loop_peers(values.to_numpy().tolist(), K)
    t_loop = time.perf_counter() - t0
    same = all(set(fast[i]) == set(slow[i]) for i in range(N))
    same_one = [int(a) for a in one["area_id"]] == [int(values.index[b]) for b in slow[0]]
    print(f"peers of all {N} units, {P} variables (pairwise, vectorised): {t_all:.3f} s")
    print(f"peers of one unit (nearest):                          {t_one:.3f} s")
    print(f"peers of all units, straightforward loops:            {t_loop:.3f} s")
    print(f"ratio loops / vectorised (all units): {t_loop / t_all:.0f}x; same peers: {same and same_one}")
    print(f"bound 0.5 s: {'met' if max(t_all, t_one) < 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
