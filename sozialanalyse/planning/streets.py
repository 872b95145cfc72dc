"""Distances along streets: the optional street network of a data folder and the network reach.

The planning floor. A data folder may hold ``strassen.csv``, the street network as straight
segments, one per row (what a GIS writes from OSM or ATKIS lines after "explode lines" and
"add geometry attributes", see ``data/README.md``)::

    edge_id,x1,y1,x2,y2[,name]

in projected coordinates (EPSG:25832, metres) like the facilities and address points.
Segments meet where their end points lie within :data:`NODE_TOLERANCE_M` of each other (a
crossing without a shared end point, a bridge, is no junction); every segment can be walked
both ways; its length is the straight length between its end points.

The network distance from a point :math:`p` (an address point) to the nearest facility of a
type is

.. math::

    D(p) = s_p + \\min\\bigl(d(a) + t_p L_e,\\; d(b) + (1 - t_p) L_e,\\;
            \\min_{f \\text{ on } e} (|t_p - t_f| L_e + s_f)\\bigr)

where :math:`p` is snapped to the nearest point of its nearest segment :math:`e = (a, b)` of
length :math:`L_e` at the fraction :math:`t_p` along it, :math:`s_p` the straight snap distance
(the way from the door to the street), and :math:`d(v)` the shortest network distance from a node
to the nearest facility, found with one multi-source Dijkstra run
(:func:`scipy.sparse.csgraph.dijkstra`) from a virtual source joined to both ends of each
facility's own segment with the lengths :math:`s_f + t_f L_e` and :math:`s_f + (1 - t_f) L_e`
(a facility is snapped like an address point). The last term covers a facility on the point's
own segment. A point whose part of the network has no facility has :math:`D = \\infty` (never
within reach).

Validation (:func:`read_streets`): the columns, numbers, keys and lengths are checked; each
problem names the file, row, column, edge key and value. With ``validation: strict`` (the default)
any problem raises :class:`sozialanalyse.model.errors.DataError` listing them all; with
``validation: lenient`` the rows with problems are left out, and :func:`network` keeps the
messages on ``district.street_problems`` for the chapter to name.

References
----------
Dijkstra, E. W. (1959): A note on two problems in connexion with graphs. Numerische Mathematik 1,
269-271. Higgs, C. et al. (2019): The Urban Liveability Index, International Journal of Health
Geographics 18:14 (address points snapped to the pedestrian network, distance along it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from ..model.errors import DataError

__all__ = ["K_NEAREST", "NODE_TOLERANCE_M", "PIECE_M", "STREET_COLUMNS", "STREET_FILE", "StreetNetwork", "network", "network_distances",
           "read_streets"]

#: The optional file of the street network in a data folder.
STREET_FILE = "strassen.csv"
#: Its required columns (an optional ``name`` column is kept).
STREET_COLUMNS = ("edge_id", "x1", "y1", "x2", "y2")
#: End points closer than this (metres) are one junction.
NODE_TOLERANCE_M = 1.0
#: Segments are cut into pieces of at most this length (metres) for the spatial index of snapping.
PIECE_M = 100.0
#: Nearest piece midpoints compared first when snapping.
K_NEAREST = 6
#: Coordinates outside this range are not EPSG:25832 metres (x: eastings, y: northings of Germany).
_X_RANGE, _Y_RANGE = (-500_000.0, 1_500_000.0), (4_500_000.0, 7_000_000.0)


def _number(v) -> float | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    s = str(v).strip()
    if not s:
        return None
    try:
        x = float(s)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def read_streets(path, strict: bool = True, check_range: bool = True) -> tuple[pd.DataFrame, list[str]]:
    """Read and check a street network file (``strassen.csv``).

    Parameters
    ----------
    path : str or Path
        The CSV file (UTF-8, comma-separated).
    strict : bool
        Raise on any problem (default); else leave the rows with problems out.
    check_range : bool
        Check that the coordinates are EPSG:25832 metres within Germany's range.

    Returns
    -------
    (DataFrame, list of str)
        The kept segments (``edge_id`` as text, ``x1``, ``y1``, ``x2``, ``y2`` as float, and
        ``name`` where given) and the problems (empty when strict).

    Raises
    ------
    DataError
        With ``strict``: every problem, each naming file, row (the line of the file), column,
        edge key and value.

    Examples
    --------
    >>> import io, tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "strassen.csv")
    >>> _ = open(p, "w").write("edge_id,x1,y1,x2,y2\\nE1,0,0,100,0\\nE2,100,0,abc,0\\n")
    >>> read_streets(p, check_range=False)
    Traceback (most recent call last):
    ...
    sozialanalyse.model.errors.DataError: strassen.csv: 1 problem(s):
      strassen.csv, row 3, column x2, edge E2: value 'abc' is not a number (metres, EPSG:25832)
    """
    path = Path(path)
    name = path.name
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{name}: cannot be read as a UTF-8 CSV file ({exc})") from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in STREET_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"{name}: column(s) {', '.join(missing)} missing (expected {', '.join(STREET_COLUMNS)}; "
                        f"found {', '.join(raw.columns) or 'none'})")
    problems: list[str] = []
    bad = np.zeros(len(raw), dtype=bool)
    seen: dict[str, int] = {}
    values = {c: np.full(len(raw), np.nan) for c in STREET_COLUMNS[1:]}
    for i, r in enumerate(raw.itertuples(index=False)):
        row = i + 2  # the header is line 1
        key = str(getattr(r, "edge_id")).strip()
        where = f"{name}, row {row}"
        if not key:
            problems.append(f"{where}, column edge_id: segment without edge_id")
            bad[i] = True
        elif key in seen:
            problems.append(f"{where}, column edge_id, edge {key}: duplicate edge_id (first in row {seen[key]})")
            bad[i] = True
        else:
            seen[key] = row
        for c in STREET_COLUMNS[1:]:
            v = getattr(r, c)
            x = _number(v)
            if x is None:
                problems.append(f"{where}, column {c}, edge {key or '?'}: value {str(v)!r} is not a number "
                                "(metres, EPSG:25832)")
                bad[i] = True
                continue
            lo, hi = _X_RANGE if c.startswith("x") else _Y_RANGE
            if check_range and not lo <= x <= hi:
                problems.append(f"{where}, column {c}, edge {key or '?'}: value {str(v)!r} outside the range of "
                                f"EPSG:25832 in Germany ({lo:,.0f} to {hi:,.0f}; x and y swapped, or degrees?)")
                bad[i] = True
                continue
            values[c][i] = x
        if not bad[i]:
            length = math.hypot(values["x2"][i] - values["x1"][i], values["y2"][i] - values["y1"][i])
            if length < NODE_TOLERANCE_M:
                problems.append(f"{where}, columns x1-y2, edge {key}: segment of length {length:.2f} m (its ends "
                                f"are one point, closer than {NODE_TOLERANCE_M:g} m)")
                bad[i] = True
    if problems and strict:
        raise DataError(f"{name}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    out = pd.DataFrame({"edge_id": raw["edge_id"].str.strip(), **values})
    if "name" in raw.columns:
        out["name"] = raw["name"]
    return out[~bad].reset_index(drop=True), problems


@dataclass
class StreetNetwork:
    """A street network: segments joined at junctions (see the module docstring).

    Attributes
    ----------
    segments : ndarray (e, 4)
        x1, y1, x2, y2 of each segment.
    ends : ndarray (e, 2) of int
        The junction (node) at each end.
    length : ndarray (e,)
        The segments' lengths (metres).
    nodes : int
        The number of junctions.
    """

    segments: np.ndarray
    ends: np.ndarray
    length: np.ndarray
    nodes: int

    @classmethod
    def from_segments(cls, segments) -> StreetNetwork:
        """Join segments (x1, y1, x2, y2) whose end points lie within :data:`NODE_TOLERANCE_M`.

        Examples
        --------
        >>> n = StreetNetwork.from_segments([(0, 0, 100, 0), (100.4, 0, 100, 50), (0, 10, 0, 20)])
        >>> n.nodes, n.ends.tolist(), n.length.round(1).tolist()
        (5, [[0, 1], [1, 2], [3, 4]], [100.0, 50.0, 10.0])
        """
        from scipy.spatial import cKDTree

        seg = np.asarray(segments, dtype=float).reshape(-1, 4)
        pts = np.vstack([seg[:, :2], seg[:, 2:]])
        pairs = cKDTree(pts).query_pairs(NODE_TOLERANCE_M, output_type="ndarray") if len(pts) else np.empty((0, 2))
        n = len(pts)
        g = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)) if len(pairs) else \
            coo_matrix((n, n))
        _, label = connected_components(g, directed=False)
        # number the junctions in order of first appearance (a stable numbering for tests and files)
        first = pd.unique(np.column_stack([label[:len(seg)], label[len(seg):]]).ravel())
        renum = np.empty(label.max() + 1 if n else 0, dtype=int)
        renum[first] = np.arange(len(first))
        ends = np.column_stack([renum[label[:len(seg)]], renum[label[len(seg):]]])
        length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
        return cls(seg, ends, length, len(first))

    def snap(self, xy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The nearest segment of each point, the fraction along it and the straight snap distance.

        Returns
        -------
        (ndarray of int, ndarray, ndarray)
            Segment index :math:`e`, fraction :math:`t \\in [0, 1]` from its first end and the
            distance to it (metres); on a tie the segment listed first.

        Notes
        -----
        Exact, with a k-d tree (:class:`scipy.spatial.cKDTree`) over the midpoints of the
        segments cut into pieces of at most :data:`PIECE_M` metres: the segments of the
        :data:`K_NEAREST` nearest midpoints give an upper bound :math:`d_0` of the distance; every
        segment nearer than :math:`d_0` has a piece whose midpoint lies within :math:`d_0 + h`
        (:math:`h` the largest half piece), and where not all of those are among the nearest
        midpoints, all within that radius are compared.

        Examples
        --------
        >>> n = StreetNetwork.from_segments([(0, 0, 100, 0), (100, 0, 100, 100)])
        >>> e, t, s = n.snap([(30, 40), (130, 80)])
        >>> e.tolist(), t.tolist(), s.tolist()
        ([0, 1], [0.3, 0.8], [40.0, 30.0])
        """
        p = np.asarray(xy, dtype=float).reshape(-1, 2)
        if not len(p) or not len(self.length):
            return np.full(len(p), -1, dtype=int), np.full(len(p), np.nan), np.full(len(p), np.inf)
        tree, owner, half = self._index()
        k = min(K_NEAREST, len(owner))
        dk, near = tree.query(p, k=k)
        dk, near = dk.reshape(len(p), k), near.reshape(len(p), k)
        cand = owner[near]
        t, d = self._foot(np.repeat(p, k, axis=0), cand.ravel())
        t, d = t.reshape(len(p), k), d.reshape(len(p), k)
        best = np.argmin(d + 1e-9 * cand / max(len(self.length), 1), axis=1)  # a tie: the segment listed first
        rows = np.arange(len(p))
        e, t, d = cand[rows, best], t[rows, best], d[rows, best]
        # where a piece beyond the k nearest could lie within d + h: every piece within it
        more = np.flatnonzero(dk[:, -1] <= d + half + 1e-6) if k < len(owner) else np.empty(0, dtype=int)
        if len(more):
            found = tree.query_ball_point(p[more], d[more] + half + 1e-6, return_sorted=False)
            sizes = np.fromiter((len(x) for x in found), dtype=int, count=len(more))
            c2 = owner[np.fromiter((i for x in found for i in x), dtype=int, count=int(sizes.sum()))]
            w2 = np.repeat(np.arange(len(more)), sizes)
            t2, d2 = self._foot(p[more][w2], c2)
            order = np.lexsort((c2, d2, w2))
            first = order[np.r_[True, w2[order][1:] != w2[order][:-1]]]
            e[more], t[more], d[more] = c2[first], t2[first], d2[first]
        return e, t, d

    def _foot(self, p: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fraction along segment ``e`` of the foot of ``p`` and the distance to it."""
        s = self.segments[e]
        d = s[:, 2:] - s[:, :2]
        t = np.clip(((p - s[:, :2]) * d).sum(axis=1) / (d ** 2).sum(axis=1), 0.0, 1.0)
        return t, np.hypot(*(p - s[:, :2] - t[:, None] * d).T)

    def _index(self):
        """k-d tree over the midpoints of the pieces, the segment of each piece, the largest half piece."""
        got = self.__dict__.get("_kdtree")
        if got is None:
            from scipy.spatial import cKDTree

            n = np.maximum(np.ceil(self.length / PIECE_M).astype(int), 1)
            owner = np.repeat(np.arange(len(n)), n)
            frac = (np.arange(len(owner)) - np.repeat(np.cumsum(n) - n, n) + 0.5) / n[owner]
            s = self.segments[owner]
            mid = s[:, :2] + frac[:, None] * (s[:, 2:] - s[:, :2])
            got = self.__dict__["_kdtree"] = (cKDTree(mid), owner, float((self.length / n).max()) / 2)
        return got

    def node_distances(self, facilities_xy) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Network distance from every junction to the nearest facility (one Dijkstra run).

        Returns
        -------
        (ndarray, (segment, t, snap) of the facilities)
            :math:`d(v)` per node (inf where no facility is connected) and the facilities' snaps.
        """
        fe, ft, fs = self.snap(facilities_xy)
        n = self.nodes
        a, b, L = self.ends[:, 0], self.ends[:, 1], self.length
        src = n  # the virtual source
        rows = np.concatenate([a, b, np.full(len(fe), src), np.full(len(fe), src)])
        cols = np.concatenate([b, a, a[fe], b[fe]])
        w = np.concatenate([L, L, fs + ft * L[fe], fs + (1 - ft) * L[fe]])
        w = np.maximum(w, 1e-9)  # an explicit zero would be no edge
        # parallel segments between the same junctions: the shorter counts (coo sums duplicates)
        key = pd.DataFrame({"r": rows, "c": cols, "w": w}).groupby(["r", "c"], sort=False)["w"].min()
        r, c = key.index.get_level_values(0).to_numpy(), key.index.get_level_values(1).to_numpy()
        g = coo_matrix((key.to_numpy(), (r, c)), shape=(n + 1, n + 1)).tocsr()
        d = dijkstra(g, directed=True, indices=src) if len(fe) else np.full(n + 1, np.inf)
        return d[:n], (fe, ft, fs)

    def distances(self, points_xy, facilities_xy) -> tuple[np.ndarray, np.ndarray]:
        """Network distance :math:`D(p)` of each point to the nearest facility, and its snap distance.

        Examples
        --------
        A path 0 - 100 - 200 m along x and a spur up at 100 m; a facility at (200, 10) (snap 10 m):

        >>> n = StreetNetwork.from_segments([(0, 0, 100, 0), (100, 0, 200, 0), (100, 0, 100, 300)])
        >>> D, s = n.distances([(0, 5), (100, 300), (150, -20)], [(200, 10)])
        >>> D.tolist(), s.tolist()
        ([215.0, 410.0, 80.0], [5.0, 0.0, 20.0])
        """
        p = np.asarray(points_xy, dtype=float).reshape(-1, 2)
        if not len(np.asarray(facilities_xy).reshape(-1, 2)):
            return np.full(len(p), np.inf), self.snap(p)[2]
        dn, (fe, ft, fs) = self.node_distances(facilities_xy)
        e, t, s = self.snap(p)
        L = self.length[e]
        D = np.minimum(dn[self.ends[e, 0]] + t * L, dn[self.ends[e, 1]] + (1 - t) * L)
        # a facility on the point's own segment: along it, without the detour over a junction
        same = pd.DataFrame({"e": fe, "tf": ft, "sf": fs})
        pts = pd.DataFrame({"e": e, "t": t, "i": np.arange(len(p))})
        m = pts.merge(same, on="e")
        if len(m):
            along = (np.abs(m["t"] - m["tf"]) * self.length[m["e"].to_numpy()] + m["sf"]).groupby(m["i"]).min()
            D[along.index.to_numpy()] = np.minimum(D[along.index.to_numpy()], along.to_numpy())
        return s + D, s


def network_distances(segments, points_xy, facilities_xy) -> np.ndarray:
    """:meth:`StreetNetwork.distances` for segments (x1, y1, x2, y2): the distances only."""
    return StreetNetwork.from_segments(segments).distances(points_xy, facilities_xy)[0]


def network(district) -> StreetNetwork | None:
    """The street network of ``district``'s data folder (``strassen.csv``), None without one.

    Read and checked on first use and cached on the district; with ``validation: lenient`` the
    problems are kept on ``district.street_problems`` (a list of messages; empty without any).
    """
    if "_street_network" in district.__dict__:
        return district.__dict__["_street_network"]
    folder = getattr(district, "folder", None)
    path = Path(folder) / STREET_FILE if folder else None
    net = None
    district.__dict__["street_problems"] = []
    if path is not None and path.is_file():
        frame, problems = read_streets(path, strict=not getattr(district, "lenient", False))
        district.__dict__["street_problems"] = problems
        if len(frame):
            net = StreetNetwork.from_segments(frame[["x1", "y1", "x2", "y2"]].to_numpy())
    district.__dict__["_street_network"] = net
    return net
