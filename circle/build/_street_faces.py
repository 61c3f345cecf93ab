"""Faces of the street network that hold given points, found window by window.

Noding and polygonizing every street of a city at once grows faster than the
city (GEOS's union of 190,000 streets took 5.6 s, sixteen times the time of
30,000). The arrangement is instead built per window: the city is cut into
squares of :data:`WINDOW_M` on a fixed grid of the study CRS, and only the
squares holding points are worked, each with the streets within the first of
:data:`MARGINS_M` around it. A face found there is a face of the whole
arrangement when it lies inside that window (every street that could cut it
is in the window); points whose face does not are tried again with the next,
wider margin, and a point enclosed by nothing within the widest lies in no
street block (the caller files it in a grid cell instead, see
:mod:`circle.build.blocks`).
The grid is fixed, so a tile of a batch finds the same faces as a whole run.
"""

from __future__ import annotations

import hashlib

import numpy as np
import shapely

from circle.geo import canonical_multipolygons

WINDOW_M = 1000.0
#: margins tried in turn; a face that the last one cannot hold is no street block (fields, a whole valley).
MARGINS_M = (250.0, 1000.0)


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
    for margin in MARGINS_M:
        if len(unresolved) == 0:
            break
        cells = np.column_stack([np.floor(x[unresolved] / WINDOW_M), np.floor(y[unresolved] / WINDOW_M)])
        distinct, cell_of = np.unique(cells, axis=0, return_inverse=True)
        by_cell = np.argsort(np.ravel(cell_of), kind="stable")
        bounds = np.searchsorted(np.ravel(cell_of)[by_cell], np.arange(len(distinct) + 1))
        resolved = np.zeros(len(unresolved), bool)
        for index, (cx, cy) in enumerate(distinct):
            window = shapely.box(
                cx * WINDOW_M - margin,
                cy * WINDOW_M - margin,
                (cx + 1) * WINDOW_M + margin,
                (cy + 1) * WINDOW_M + margin,
            )
            mine = by_cell[bounds[index] : bounds[index + 1]]
            faces = _faces(lines[tree.query(window)])
            if len(faces) == 0:
                continue
            point_idx, face_idx = shapely.STRtree(faces).query(points[unresolved[mine]], predicate="within")
            whole = shapely.within(faces[face_idx], window)
            for face in canonical_multipolygons(faces[np.unique(face_idx[whole])]):
                found.setdefault(shapely.to_wkb(face), face)
            resolved[mine[point_idx[whole]]] = True
        unresolved = unresolved[~resolved]
    keys = sorted(found)
    ids = np.array([f"s{hashlib.sha1(key).hexdigest()[:10]}" for key in keys], dtype=object)
    order = np.argsort(ids, kind="stable")
    return np.array([found[keys[i]] for i in order], dtype=object), ids[order], unresolved


def _faces(lines: np.ndarray) -> np.ndarray:
    """Faces (polygons) of the arrangement of ``lines``, noded where they cross."""
    if len(lines) == 0:
        return np.zeros(0, object)
    noded = shapely.union_all(lines)
    return shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))


def cells_holding(points: np.ndarray, size_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the squares of a fixed grid (``size_m``) that hold ``points``, and their ids (``"g"`` + hash)."""
    points = np.asarray(points, dtype=object)
    if len(points) == 0:
        return np.zeros(0, object), np.zeros(0, object)
    cells = np.unique(
        np.column_stack([np.floor(shapely.get_x(points) / size_m), np.floor(shapely.get_y(points) / size_m)]), axis=0
    )
    squares = shapely.box(
        cells[:, 0] * size_m, cells[:, 1] * size_m, (cells[:, 0] + 1) * size_m, (cells[:, 1] + 1) * size_m
    )
    ids = np.array(
        [f"g{hashlib.sha1(f'{size_m:g}:{cx:.0f}:{cy:.0f}'.encode()).hexdigest()[:10]}" for cx, cy in cells],
        dtype=object,
    )
    return canonical_multipolygons(squares), ids
