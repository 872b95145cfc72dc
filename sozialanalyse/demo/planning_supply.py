"""Musterland's services against need: capacities of the facilities and the address points.

Beside the build (the demo floor). :func:`write` runs after :func:`sozialanalyse.demo.musterland.generate`
has written the folder, with its own seeded random generator (``np.random.default_rng([seed,
STREAM])``), so that the other files stay byte-identical. It

* adds ``staff_hours`` (weekly hours of the professional staff; a Hausarztpraxis: the doctors'
  hours) and ``opening_hours`` (weekly opening hours) to ``facilities.csv``; rows, ids and the
  existing columns are kept as written;
* writes ``adressen.csv``: address points (``point_id, area_id, x, y`` and the persons of every
  five-year age band), whose persons add up, per base area and age band, exactly to
  ``population.csv`` of the latest year (both sexes and nationalities summed).

Points lie inside their base area, clustered around settlement centres: the area's facilities
(they stand where people live) and one more centre per 3,000 inhabitants (at least one) drawn at
random, so that some people live far from any facility; a point is a centre plus a normal offset of 150 to
400 m, drawn again until it falls inside the area). Each point gets a weight from a gamma
distribution (a house or a block of flats), and the persons of each age band of the area are
spread over its points by a multinomial draw with those weights; points left without anybody
are dropped.

Then it writes ``strassen.csv``, a plausible street network (segments ``edge_id, x1, y1, x2, y2,
name``; :mod:`sozialanalyse.planning.streets`): a grid of :data:`BLOCK_M` metres laid over the
district whose cells hold an address point or a facility gets the four sides of each such cell
(the streets of the settlements), the junctions jittered by a normal offset (sd :data:`JITTER_M`)
and a share :data:`DROP` of the sides left out (dead ends, blocks without a through street); the
separate pieces are then joined by straight connecting roads along a minimum spanning tree of the
pieces' centres, each road between the closest junctions of the two pieces. The random draws
come after those of the address points, so ``adressen.csv`` stays as it was.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..model.areas import AGE_GROUPS

__all__ = ["BLOCK_M", "DROP", "JITTER_M", "PERSONS_PER_POINT", "STREAM", "write"]

#: The generator's own stream: ``np.random.default_rng([seed, STREAM])`` (issue 18).
STREAM = 18_001
#: Mean inhabitants per address point before empty points are dropped.
PERSONS_PER_POINT = 6.0
#: Side of a block of the generated street grid (metres).
BLOCK_M = 200.0
#: Standard deviation of the jitter of the grid's junctions (metres).
JITTER_M = 20.0
#: Share of the grid's sides left out.
DROP = 0.08


def _hours(fac: pd.DataFrame, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """Weekly staff and opening hours per facility, as text with one decimal."""
    staff, opening = [], []
    for t, cap in zip(fac["type"], fac["capacity"]):
        if t == "Kita":  # about one full-time post (39 h) per 8.5 places, in half hours
            s = round(float(cap) / 8.5 * 39 * rng.uniform(0.85, 1.1) * 2) / 2
            o = float(rng.choice([45.0, 47.5, 50.0, 52.5, 55.0]))
        elif t == "Hausarztpraxis":  # the doctors' hours: half to two and a half full-time posts
            s = float(rng.choice([20.0, 30.0, 40.0, 40.0, 40.0, 50.0, 60.0, 80.0, 100.0],
                                 p=[0.08, 0.1, 0.3, 0.14, 0.1, 0.1, 0.1, 0.05, 0.03]))
            o = float(rng.choice([25.0, 30.0, 32.5, 35.0, 40.0]))
        elif t == "Pflegestützpunkt":
            s = float(rng.choice([39.0, 58.5, 78.0]))
            o = float(rng.choice([20.0, 25.0, 30.0]))
        elif t == "Seniorenberatung":
            s = float(rng.choice([19.5, 29.25, 39.0]))
            o = float(rng.choice([8.0, 12.0, 16.0, 20.0]))
        else:  # Stadtteilhaus
            s = float(rng.choice([39.0, 58.5, 78.0]))
            o = float(rng.choice([30.0, 40.0, 50.0]))
        staff.append(f"{s:.1f}" if s * 10 == int(s * 10) else f"{s:.2f}")
        opening.append(f"{o:.1f}")
    return staff, opening


def _points(geom, n: int, centres: int, rng: np.random.Generator, seeds=()) -> np.ndarray:
    """``n`` points inside ``geom`` around settlement centres (rounded to 0.1 m): the ``seeds``
    (the area's facilities: they stand where people live) and ``centres`` more drawn at random."""
    import shapely  # shapely: GIS stack, loaded only where geometry is used

    shapely.prepare(geom)
    minx, miny, maxx, maxy = geom.bounds
    cx, cy = [float(x) for x, _ in seeds], [float(y) for _, y in seeds]
    centres += len(cx)
    while len(cx) < centres:
        x, y = rng.uniform(minx, maxx, 64), rng.uniform(miny, maxy, 64)
        ok = shapely.contains_xy(geom, x, y)
        cx += x[ok].tolist()
        cy += y[ok].tolist()
    cx, cy = np.array(cx[:centres]), np.array(cy[:centres])
    sigma = rng.uniform(150, 400, centres)
    out = np.empty((0, 2))
    while len(out) < n:
        c = rng.integers(0, centres, 2 * n)
        x = cx[c] + rng.normal(0, 1, 2 * n) * sigma[c]
        y = cy[c] + rng.normal(0, 1, 2 * n) * sigma[c]
        x, y = np.round(x, 1), np.round(y, 1)
        ok = shapely.contains_xy(geom, x, y)
        out = np.vstack([out, np.column_stack([x[ok], y[ok]])])
    return out[:n]


def _addresses(folder: Path, rng: np.random.Generator) -> pd.DataFrame:
    import geopandas as gpd  # GIS stack, loaded only where geometry is used

    pop = pd.read_csv(folder / "population.csv", dtype={"area_id": str})
    pop = pop[(pop["year"] == pop["year"].max()) & (pop["variable"] == "einwohner")]
    table = pop.pivot_table(index="area_id", columns="age_group", values="value", aggfunc="sum", sort=False)
    table = table.reindex(columns=list(AGE_GROUPS)).fillna(0).astype(int)
    geo = gpd.read_file(folder / "gebiete.gpkg")
    geoms = dict(zip(geo["area_id"], geo.geometry))
    fac = pd.read_csv(folder / "facilities.csv", dtype={"area_id": str})
    seeds = {a: list(zip(g["x"], g["y"])) for a, g in fac.groupby("area_id")}
    frames = []
    for area_id, row in table.iterrows():
        persons = row.to_numpy()
        total = int(persons.sum())
        n = max(1, round(total / PERSONS_PER_POINT))
        xy = _points(geoms[area_id], n, max(1, total // 3000), rng, seeds.get(area_id, ()))
        w = rng.gamma(0.8, 1.0, n)
        w = w / w.sum()
        counts = np.column_stack([rng.multinomial(int(k), w) for k in persons])
        keep = counts.sum(axis=1) > 0
        f = pd.DataFrame(counts[keep], columns=list(AGE_GROUPS))
        f.insert(0, "y", [f"{v:.1f}" for v in xy[keep, 1]])
        f.insert(0, "x", [f"{v:.1f}" for v in xy[keep, 0]])
        f.insert(0, "area_id", area_id)
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "point_id", [f"P{i:06d}" for i in range(1, len(out) + 1)])
    return out


def _streets(points: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """A street network around ``points`` (x, y): the grid sides of the occupied cells, jittered,
    a few left out, the pieces joined by connecting roads (see the module docstring)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
    from scipy.spatial import cKDTree

    ox, oy = np.floor(points.min(axis=0) / BLOCK_M) * BLOCK_M - BLOCK_M
    cells = np.unique(np.floor((points - (ox, oy)) / BLOCK_M).astype(int), axis=0)
    sides = set()
    for i, j in cells.tolist():  # a side: two grid corners (i, j) -> (i+1, j) or (i, j+1)
        sides.update({((i, j), (i + 1, j)), ((i, j + 1), (i + 1, j + 1)), ((i, j), (i, j + 1)),
                      ((i + 1, j), (i + 1, j + 1))})
    sides = sorted(sides)
    sides = [s for s, keep in zip(sides, rng.random(len(sides)) >= DROP) if keep]
    corners = sorted({c for s in sides for c in s})
    number = {c: k for k, c in enumerate(corners)}
    grid = np.array(corners, dtype=float)
    xy = np.round((ox, oy) + grid * BLOCK_M + rng.normal(0, JITTER_M, grid.shape), 1)
    a = np.array([number[s[0]] for s in sides])
    b = np.array([number[s[1]] for s in sides])
    n = len(xy)
    pieces, label = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)), directed=False)
    roads = []
    if pieces > 1:
        centre = np.array([xy[label == k].mean(axis=0) for k in range(pieces)])
        d = np.hypot(*(centre[:, None, :] - centre[None, :, :]).transpose(2, 0, 1))
        tree = minimum_spanning_tree(d + 1e-3 * (d == 0)).tocoo()  # a zero distance would be no edge
        for p, q in sorted(zip(tree.row.tolist(), tree.col.tolist())):
            ip, iq = np.flatnonzero(label == p), np.flatnonzero(label == q)
            dist, k = cKDTree(xy[iq]).query(xy[ip])
            best = int(np.argmin(dist))
            roads.append((int(ip[best]), int(iq[k[best]])))
    ends = [(x, y, "") for x, y in zip(a.tolist(), b.tolist())] + [(x, y, "Verbindungsstraße") for x, y in roads]
    f = pd.DataFrame({"edge_id": [f"S{i:06d}" for i in range(1, len(ends) + 1)],
                      "x1": [f"{xy[e[0], 0]:.1f}" for e in ends], "y1": [f"{xy[e[0], 1]:.1f}" for e in ends],
                      "x2": [f"{xy[e[1], 0]:.1f}" for e in ends], "y2": [f"{xy[e[1], 1]:.1f}" for e in ends],
                      "name": [e[2] for e in ends]})
    return f


def write(out_dir, seed: int) -> None:
    """Add the capacities to ``facilities.csv``, write ``adressen.csv`` and ``strassen.csv`` in ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        The Musterland folder :func:`sozialanalyse.demo.musterland.generate` has just written.
    seed : int
        The generator's seed; this part draws from ``np.random.default_rng([seed, STREAM])``.
    """
    folder = Path(out_dir)
    rng = np.random.default_rng([seed, STREAM])
    path = folder / "facilities.csv"
    fac = pd.read_csv(path, dtype=str, keep_default_na=False)  # the existing cells as written
    fac = fac[["facility_id", "name", "type", "area_id", "x", "y", "capacity"]]
    fac["staff_hours"], fac["opening_hours"] = _hours(fac, rng)
    fac.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    addresses = _addresses(folder, rng)
    addresses.to_csv(folder / "adressen.csv", index=False, lineterminator="\n", encoding="utf-8")
    points = np.vstack([addresses[["x", "y"]].to_numpy(dtype=float), fac[["x", "y"]].to_numpy(dtype=float)])
    _streets(points, rng).to_csv(folder / "strassen.csv", index=False, lineterminator="\n", encoding="utf-8")
