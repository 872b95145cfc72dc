"""Benchmark of the reach (issue 18): 100,000 address points and 2,000 facilities.

Measures :func:`sozialanalyse.planning.supply.reach_shares` (k-d tree, one query) on 100,000
weighted points in 200 areas and 2,000 facilities in a 40 km square (the size of a Landkreis),
with the distances 500 m and 1,000 m; the target is at most 2 s. The baseline is the
straightforward double loop (for every point, the distance to every facility in plain Python),
timed on a subsample of 1,000 points and scaled to 100,000 (the loop is linear in the points);
its results on the subsample are compared with the k-d tree's. A second baseline is the same
double loop vectorised with numpy (one row of distances per point), also scaled.

Prints seconds and the ratios. Usage: ``python benchmarks/reach.py`` (seeded, no network).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sozialanalyse.planning.supply import reach_shares  # noqa: E402

N_POINTS, N_FACILITIES, SIDE_M, SUBSAMPLE = 100_000, 2_000, 40_000.0, 1_000
DISTANCES = (500, 1000)


def double_loop(points, weights, groups, facilities, distances):
    """The straightforward implementation: every point against every facility, in Python."""
    within = {}
    for (x, y), w, g in zip(points.tolist(), weights.tolist(), groups.tolist()):
        best = float("inf")
        for fx, fy in facilities.tolist():
            d = ((x - fx) ** 2 + (y - fy) ** 2) ** 0.5
            if d < best:
                best = d
        for dist in distances:
            within[(g, dist)] = within.get((g, dist), 0.0) + (w if best <= dist else 0.0)
    return within


def numpy_rows(points, facilities):
    """Nearest distance with one numpy row of distances per block of points (no index)."""
    out = np.empty(len(points))
    for i in range(0, len(points), 500):
        p = points[i:i + 500]
        out[i:i + 500] = np.sqrt(((p[:, None, :] - facilities[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    return out


def main() -> None:
    rng = np.random.default_rng(18_002)
    points = rng.uniform(0, SIDE_M, (N_POINTS, 2))
    weights = rng.integers(1, 12, N_POINTS).astype(float)
    groups = (points[:, 0] // (SIDE_M / 20)).astype(int) * 10 + (points[:, 1] // (SIDE_M / 10)).astype(int)
    facilities = rng.uniform(0, SIDE_M, (N_FACILITIES, 2))

    reach_shares(points[:1000], weights[:1000], groups[:1000], facilities, DISTANCES)  # warm-up (imports)
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        result = reach_shares(points, weights, groups, facilities, DISTANCES)
        runs.append(time.perf_counter() - t)
    fast = min(runs)

    sub = slice(0, SUBSAMPLE)
    t = time.perf_counter()
    loop = double_loop(points[sub], weights[sub], groups[sub], facilities, DISTANCES)
    loop_s = (time.perf_counter() - t) * N_POINTS / SUBSAMPLE
    check = reach_shares(points[sub], weights[sub], groups[sub], facilities, DISTANCES).set_index("group")
    worst = max(abs(check.loc[g, f"within_{d}"] - loop.get((g, d), 0.0)) for g in check.index for d in DISTANCES)

    t = time.perf_counter()
    numpy_rows(points[:10 * SUBSAMPLE], facilities)
    numpy_s = (time.perf_counter() - t) * N_POINTS / (10 * SUBSAMPLE)

    print(f"reach of {N_POINTS:,} points and {N_FACILITIES:,} facilities, {len(result)} areas, distances {DISTANCES}")
    print(f"  k-d tree (reach_shares):        {fast:8.3f} s   (best of 3; target <= 2 s: "
          f"{'met' if fast <= 2 else 'NOT met'})")
    print(f"  double loop in Python (scaled): {loop_s:8.1f} s   ratio {loop_s / fast:,.0f} x  "
          f"({SUBSAMPLE:,} points timed; largest difference in persons within reach: {worst:g})")
    print(f"  numpy rows, no index (scaled):  {numpy_s:8.2f} s   ratio {numpy_s / fast:,.1f} x")


if __name__ == "__main__":
    main()
