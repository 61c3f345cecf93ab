"""Faces of the street network that hold given points, found window by window.

Noding and polygonizing every street of a city at once grows faster than the
city (GEOS's union of 190,000 streets took 5.6 s, sixteen times the time of
30,000). The arrangement is instead built per window: the city is cut into
squares on a grid of the study CRS (:data:`WINDOWS_M`, one size per margin),
and only the squares holding points are worked, each with the streets within
the first of :data:`MARGINS_M` around it. A face found there is a face of the whole
arrangement when it lies inside that window (every street that could cut it
is in the window); points whose face does not are tried again with the next,
wider margin, and a point enclosed by nothing within the widest lies in no
street block (the caller files it in a square of its own group instead, see
:func:`cells_holding`).
The windows only decide where to look, never what is found: a face wider or
taller than the widest margin is no street block wherever it lies (every
window holding one of its points would hold it whole at some places and not
at others), and every face within that size is found from any window holding
one of its points. So the same streets give the same faces wherever they lie,
and a tile of a batch finds the faces a whole run finds.
"""

from __future__ import annotations

import hashlib

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from circle.geo import canonical_multipolygons

#: margins tried in turn; a face that the last one cannot hold is no street block (fields, a whole valley).
MARGINS_M = (2000.0,)
#: the square each margin is laid around. One pass of 8 km squares with the whole 2 km margin nodes each
#: street about 2.3 times; narrower first passes left the faces along a window's edge to wider ones, and
#: those re-noded most of the city again (16-tile Chengdu mosaic, the blocks stage: 1 km squares with
#: margins 250/1000/2000 m 5.8 s, 3 km squares 4.5 s, one pass of 8 km squares 2.9 s, the same blocks).
#: What is found does not depend on it: a face within the widest margin lies whole in the window of any
#: square holding one of its points, whatever the square's size.
WINDOWS_M = (8000.0,)
#: points of one group of :func:`cells_holding` lie within this many squares' diagonals of each other (chained):
#: two, so squares of different groups never overlap.
GROUP_SPAN = 2.0


def faces_holding(lines: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the distinct faces of the arrangement of ``lines`` that contain ``points``.

    Parameters
    ----------
    lines : numpy.ndarray
        Street lines (projected metres).
    points : numpy.ndarray
        Points to enclose (projected metres).

    Returns
    -------
    tuple of numpy.ndarray
        The faces as canonical MultiPolygons, sorted by their stable ids;
        those ids (``"s"`` and 10 hex digits of a hash of the outline); and
        the positions of the points no face within the widest margin holds.
    """
    lines = np.asarray(lines, dtype=object)
    points = np.asarray(points, dtype=object)
    if len(lines) == 0 or len(points) == 0:
        return np.zeros(0, object), np.zeros(0, object), np.arange(len(points))
    tree = shapely.STRtree(lines)
    x, y = shapely.get_x(points), shapely.get_y(points)
    unresolved = np.arange(len(points))
    found: dict[bytes, object] = {}
    for margin, window_m in zip(MARGINS_M, WINDOWS_M, strict=True):
        if len(unresolved) == 0:
            break
        cells = np.column_stack([np.floor(x[unresolved] / window_m), np.floor(y[unresolved] / window_m)])
        distinct, cell_of = np.unique(cells, axis=0, return_inverse=True)
        by_cell = np.argsort(np.ravel(cell_of), kind="stable")
        bounds = np.searchsorted(np.ravel(cell_of)[by_cell], np.arange(len(distinct) + 1))
        resolved = np.zeros(len(unresolved), bool)
        for index, (cx, cy) in enumerate(distinct):
            window = shapely.box(
                cx * window_m - margin,
                cy * window_m - margin,
                (cx + 1) * window_m + margin,
                (cy + 1) * window_m + margin,
            )
            mine = by_cell[bounds[index] : bounds[index + 1]]
            faces = _faces(lines[tree.query(window)])
            if len(faces) == 0:
                continue
            small = _within_size(faces, MARGINS_M[-1])
            point_idx, face_idx = shapely.STRtree(faces).query(points[unresolved[mine]], predicate="within")
            whole = shapely.within(faces[face_idx], window) & small[face_idx]
            for face in canonical_multipolygons(faces[np.unique(face_idx[whole])]):
                found.setdefault(shapely.to_wkb(face), face)
            resolved[mine[point_idx[whole]]] = True
        unresolved = unresolved[~resolved]
    keys = sorted(found)
    ids = np.array([f"s{hashlib.sha1(key).hexdigest()[:10]}" for key in keys], dtype=object)
    order = np.argsort(ids, kind="stable")
    return np.array([found[keys[i]] for i in order], dtype=object), ids[order], unresolved


def _within_size(faces: np.ndarray, size_m: float) -> np.ndarray:
    """Whether each face is at most ``size_m`` wide and tall.

    Such a face lies whole in any window that reaches ``size_m`` beyond the square of a point inside it.
    """
    west, south, east, north = shapely.bounds(faces).T
    return (east - west <= size_m) & (north - south <= size_m)


def _faces(lines: np.ndarray) -> np.ndarray:
    """Faces (polygons) of the arrangement of ``lines``, noded where they cross."""
    if len(lines) == 0:
        return np.zeros(0, object)
    noded = shapely.union_all(lines)
    return shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))


def cells_holding(points: np.ndarray, size_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Return squares of ``size_m`` that hold ``points``, laid on each group of points, and their ids.

    Points closer than :data:`GROUP_SPAN` squares' diagonals (chained) form a group, and each group gets
    its own grid, with a corner on the centre of the group's bounding box: the same buildings are filed
    in the same squares wherever they lie (a grid fixed to the CRS's origin filed two copies of a village
    differently), and a tile of a batch, which reads some kilometres around its cell, files a group it
    sees whole as a whole run does. Squares of different groups never overlap, as the groups lie more
    than two diagonals apart.

    Parameters
    ----------
    points : numpy.ndarray
        Points to file (projected metres).
    size_m : float
        Side of a square.

    Returns
    -------
    tuple of numpy.ndarray
        The squares holding points (canonical MultiPolygons) and their ids (``"g"`` and 10 hex digits of
        a hash of the square's corner).
    """
    points = np.asarray(points, dtype=object)
    if len(points) == 0:
        return np.zeros(0, object), np.zeros(0, object)
    x, y = shapely.get_x(points), shapely.get_y(points)
    group = _groups(points, GROUP_SPAN * size_m * np.sqrt(2.0))
    count = int(group.max()) + 1
    west, south = np.full(count, np.inf), np.full(count, np.inf)
    east, north = np.full(count, -np.inf), np.full(count, -np.inf)
    np.minimum.at(west, group, x)
    np.minimum.at(south, group, y)
    np.maximum.at(east, group, x)
    np.maximum.at(north, group, y)
    ox, oy = ((west + east) / 2)[group], ((south + north) / 2)[group]
    cells = np.unique(
        np.column_stack([group, np.floor((x - ox) / size_m), np.floor((y - oy) / size_m)]).astype(np.int64), axis=0
    )
    left = (west + east)[cells[:, 0]] / 2 + cells[:, 1] * size_m
    bottom = (south + north)[cells[:, 0]] / 2 + cells[:, 2] * size_m
    squares = shapely.box(left, bottom, left + size_m, bottom + size_m)
    keys = [f"{size_m:g}:{cx:.3f}:{cy:.3f}" for cx, cy in zip(left, bottom, strict=True)]
    ids = np.array([f"g{hashlib.sha1(key.encode()).hexdigest()[:10]}" for key in keys], dtype=object)
    return canonical_multipolygons(squares), ids


def _groups(points: np.ndarray, distance_m: float) -> np.ndarray:
    """Return the group (0, 1, …) of each point: points joined by chains of steps of ``distance_m`` at most."""
    a, b = shapely.STRtree(points).query(points, predicate="dwithin", distance=distance_m)
    graph = coo_matrix((np.ones(len(a), np.int8), (a, b)), shape=(len(points), len(points)))
    return connected_components(graph, directed=False)[1]
