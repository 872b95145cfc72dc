"""Benchmark of the reach (issue 18): 100,000 address points and 2,000 facilities.

Measures :func:`sozialanalyse.planning.supply.reach_shares` (k-d tree, one query) on 100,000
weighted points in 200 areas and 2,000 facilities in a 40 km square (the size of a Landkreis),
with the distances 500 m and 1,000 m; the target is at most 2 s. The baseline is the
straightforward double loop (for every point, the distance to every facility in plain Python),
timed on a subsample of 1,000 points and scaled to 100,000 (the loop is linear in the points);
its results on the subsample are compared with the k-d tree's. A second baseline is the same
double loop vectorised with numpy (one row of distances per point), also scaled.

Along streets (:mod:`sozialanalyse.planning.streets`): the same points and facilities on a
generated street network, a jittered grid of 200 m blocks over the square with a share of its
sides left out (about 40,000 junctions and 75,000 segments). Timed: joining the segments into a
network, and the reach along it (snapping every point and facility with a k-d tree, one
multi-source Dijkstra run). The baseline is the straightforward way: one single-source Dijkstra
per facility (timed on 20 facilities, scaled to 2,000) and snapping each point by comparing it
with every segment (timed on 1,000 points, scaled); both answers are compared on a smaller
problem (1,000 points, 100 facilities) where the baseline runs in full.

Measured on 2 Dec 2026 on the 2-core machine under a load of about 14: straight line 0.16 s;
along streets 1.25 s (7.9 x the straight line; 40,398 junctions, 73,977 segments), against about
1,500 s for one Dijkstra per facility and snapping against every segment (ratio about 1,200;
largest difference 1e-12 m).

Prints seconds and the ratios. Usage: ``python benchmarks/reach.py`` (seeded, no network access).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sozialanalyse.planning.streets import StreetNetwork  # noqa: E402
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


def grid_network(rng, side=SIDE_M, block=200.0, jitter=20.0, drop=0.08) -> np.ndarray:
    """Segments of a jittered grid of ``block`` metres over the square, a share ``drop`` left out."""
    k = int(side // block) + 1
    ij = np.array([(i, j) for i in range(k) for j in range(k)])
    xy = ij * block + rng.normal(0, jitter, ij.shape)
    node = np.arange(k * k).reshape(k, k)
    a = np.concatenate([node[:-1, :].ravel(), node[:, :-1].ravel()])
    b = np.concatenate([node[1:, :].ravel(), node[:, 1:].ravel()])
    keep = rng.random(len(a)) >= drop
    return np.column_stack([xy[a[keep]], xy[b[keep]]])


def snap_by_loop(segments, points):
    """Nearest segment, fraction and distance of each point against every segment (no index)."""
    s = segments
    d = s[:, 2:] - s[:, :2]
    ll = (d ** 2).sum(axis=1)
    e, t, dist = np.empty(len(points), dtype=int), np.empty(len(points)), np.empty(len(points))
    for i, p in enumerate(points):
        ti = np.clip(((p - s[:, :2]) * d).sum(axis=1) / ll, 0, 1)
        di = np.hypot(*(p - s[:, :2] - ti[:, None] * d).T)
        j = int(np.argmin(di))
        e[i], t[i], dist[i] = j, ti[j], di[j]
    return e, t, dist


def per_facility(net, points, facilities):
    """The straightforward network distance: one single-source Dijkstra per facility (from both
    ends of its segment), points snapped by :func:`snap_by_loop`; the minimum over facilities."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    n = net.nodes
    a, b, L = net.ends[:, 0], net.ends[:, 1], net.length
    g = coo_matrix((np.concatenate([L, L]), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n)).tocsr()
    e, t, s = snap_by_loop(net.segments, points)
    fe, ft, fs = snap_by_loop(net.segments, facilities)
    best = np.full(len(points), np.inf)
    for j in range(len(facilities)):
        da, db = dijkstra(g, indices=[a[fe[j]], b[fe[j]]], min_only=False)
        dn = np.minimum(fs[j] + ft[j] * L[fe[j]] + da, fs[j] + (1 - ft[j]) * L[fe[j]] + db)
        d = np.minimum(dn[a[e]] + t * L[e], dn[b[e]] + (1 - t) * L[e])
        d = np.where(e == fe[j], np.minimum(d, np.abs(t - ft[j]) * L[e] + fs[j]), d)
        best = np.minimum(best, s + d)
    return best


def streets_benchmark(rng, points, weights, groups, facilities, straight_s) -> None:
    segments = grid_network(rng)
    t = time.perf_counter()
    net = StreetNetwork.from_segments(segments)
    build_s = time.perf_counter() - t
    runs = []
    for _ in range(3):
        net.__dict__.pop("_kdtree", None)  # the spatial index is built inside each run
        t = time.perf_counter()
        reach_shares(points, weights, groups, facilities, DISTANCES, network=net)
        runs.append(time.perf_counter() - t)
    fast = min(runs)

    t = time.perf_counter()
    per_facility(net, points[:10], facilities[:20])
    dijkstra_s = (time.perf_counter() - t) * N_FACILITIES / 20
    t = time.perf_counter()
    snap_by_loop(net.segments, points[:SUBSAMPLE])
    snap_s = (time.perf_counter() - t) * (N_POINTS + N_FACILITIES) / SUBSAMPLE
    slow = dijkstra_s + snap_s

    sub, few = points[:SUBSAMPLE], facilities[:100]
    worst = float(np.nanmax(np.abs(np.where(np.isinf(ref := per_facility(net, sub, few)), 0, ref)
                                   - np.where(np.isinf(got := net.distances(sub, few)[0]), 0, got))))

    print(f"along streets: {net.nodes:,} junctions, {len(net.length):,} segments")
    print(f"  joining the segments (once):    {build_s:8.3f} s")
    print(f"  snapping + one Dijkstra:        {fast:8.3f} s   (best of 3; {fast / straight_s:,.1f} x the straight line)")
    print(f"  one Dijkstra per facility and snapping against every segment (scaled): {slow:8.1f} s   "
          f"ratio {slow / fast:,.0f} x  (Dijkstra {dijkstra_s:.1f} s, snapping {snap_s:.1f} s; largest difference on "
          f"{SUBSAMPLE:,} points and 100 facilities: {worst:.2g} m)")


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
    streets_benchmark(rng, points, weights, groups, facilities, fast)


if __name__ == "__main__":
    main()
