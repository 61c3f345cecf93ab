"""The study's own streets as the site's base map: squares of three levels of detail.

Level 0 (1 km squares) holds every walkable way, merged into lines and
simplified to 2 m, and the blocks whose centre lies in the square; level 1
(4 km) the streets and main roads simplified to 10 m; level 2 (one square
over the whole study) the main roads simplified to 40 m. A page loads only
the squares of the level that suits its view.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import shapely

from circle.publish._kernels import chain_lines

#: the main roads (kind 0); paths (kind 2); everything else a street (kind 1)
MAIN = {"motorway", "trunk", "primary", "secondary", "tertiary"}
PATHS = {"footway", "path", "pedestrian", "steps", "cycleway", "track", "corridor", "bridleway"}


@dataclass(frozen=True)
class Level:
    """One level of detail of the base map."""

    level: int
    size: float | None  # square side in metres (None: one square over everything)
    kinds: tuple[int, ...]
    tolerance_m: float
    max_view_m: float | None  # the widest view (metres) this level is drawn for

    def as_json(self, extent_size: float) -> dict:
        """Return the level as ``site.json`` lists it."""
        return {"level": self.level, "size": round(self.size or extent_size), "max_view_m": self.max_view_m}


LEVELS = (
    Level(0, 1000.0, (0, 1, 2), 2.0, 3000.0),
    Level(1, 4000.0, (0, 1), 10.0, 12000.0),
    Level(2, None, (0,), 40.0, None),
)


def street_kind(highway: np.ndarray) -> np.ndarray:
    """Return the kind (0 main road, 1 street, 2 path) of each OSM highway value."""
    base = np.array([str(h).removesuffix("_link") for h in highway], dtype=object)
    return np.where(np.isin(base, list(MAIN)), 0, np.where(np.isin(base, list(PATHS)), 2, 1)).astype(np.int8)


def street_squares(
    x: np.ndarray,
    y: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    kind: np.ndarray,
    extent: tuple[float, float, float, float],
) -> Iterator[tuple[Level, int, int, list]]:
    """Yield ``(level, i, j, lines)`` for every non-empty square of every level.

    ``extent`` is the nodes' bounds (the single square of the last level covers it).
    ``x, y`` are the nodes on the site's plane, ``a, b`` the segments' end
    nodes and ``kind`` their kinds. A segment belongs to the square holding
    its midpoint; its lines are ``[kind, x0, y0, dx1, dy1, ...]`` in whole
    metres, each point after the first relative to the one before.
    """
    mid_x = (x[a] + x[b]) / 2.0
    mid_y = (y[a] + y[b]) / 2.0
    for level in LEVELS:
        chosen = np.isin(kind, level.kinds)
        if level.size is None:
            i = np.zeros(len(a), np.int64)
            j = np.zeros(len(a), np.int64)
        else:
            i = np.floor(mid_x / level.size).astype(np.int64)
            j = np.floor(mid_y / level.size).astype(np.int64)
        order = np.lexsort((kind, j, i))
        order = order[chosen[order]]
        if not len(order):
            continue
        key = np.stack([i[order], j[order]], axis=1)
        breaks = np.flatnonzero((np.diff(key, axis=0) != 0).any(axis=1)) + 1
        for group in np.split(order, breaks):
            lines = []
            for k in np.unique(kind[group]):
                segments = group[kind[group] == k]
                lines += _joined_lines(x, y, a[segments], b[segments], int(k), level.tolerance_m)
            yield level, int(i[group[0]]), int(j[group[0]]), lines


def _joined_lines(x, y, a, b, kind: int, tolerance_m: float) -> list[list[int]]:
    """Return the segments joined into lines, simplified, as ``[kind, x0, y0, dx1, dy1, ...]``."""
    used, local = np.unique(np.concatenate([a, b]), return_inverse=True)
    nodes, offsets = chain_lines(len(used), local[: len(a)], local[len(a) :])
    points = np.column_stack([x[used][nodes], y[used][nodes]])
    lines = shapely.linestrings(points, indices=np.repeat(np.arange(len(offsets) - 1), np.diff(offsets)))
    simplified = shapely.simplify(lines, tolerance_m)
    coords, owner = shapely.get_coordinates(simplified, return_index=True)
    coords = np.rint(coords).astype(np.int64)
    out = []
    for part in np.split(np.arange(len(coords)), np.flatnonzero(np.diff(owner)) + 1):
        line = coords[part]
        if len(line) < 2:
            continue
        deltas = np.vstack([line[:1], np.diff(line, axis=0)])
        out.append([kind, *deltas.ravel().tolist()])
    return out
