"""The study's own streets as the site's base map: squares of three levels of detail.

Level 0 (2 km squares: a phone's first view needs four to nine of them) holds every walkable way, merged into lines and
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
    Level(0, 2000.0, (0, 1, 2), 2.0, 3000.0),
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
) -> Iterator[tuple[Level, int, int, list]]:
    """Yield ``(level, i, j, lines)`` for every non-empty square of every level.

    ``x, y`` are the nodes on the site's plane, ``a, b`` the segments' end
    nodes and ``kind`` their kinds; the last level has one square (0, 0)
    over everything. A segment belongs to the square
    holding its midpoint; its lines are ``[kind, x0, y0, dx1, dy1, ...]`` in
    whole metres, each point after the first relative to the one before.
    Each level's lines are joined and simplified in one pass over the whole
    study (a node is a different node in each square and kind, so no line
    leaves its square), not square by square.
    """
    mid_x = (x[a] + x[b]) / 2.0
    mid_y = (y[a] + y[b]) / 2.0
    n = len(x)
    for level in LEVELS:
        chosen = np.flatnonzero(np.isin(kind, level.kinds))
        if not len(chosen):
            continue
        if level.size is None:
            i = np.zeros(len(chosen), np.int64)
            j = np.zeros(len(chosen), np.int64)
        else:
            i = np.floor(mid_x[chosen] / level.size).astype(np.int64)
            j = np.floor(mid_y[chosen] / level.size).astype(np.int64)
        squares, square = np.unique(np.stack([i, j], axis=1), axis=0, return_inverse=True)
        group = square.ravel() * 3 + kind[chosen]
        nodes, local = np.unique(np.concatenate([group * n + a[chosen], group * n + b[chosen]]), return_inverse=True)
        chain, offsets = chain_lines(len(nodes), local[: len(chosen)], local[len(chosen) :])
        original = nodes[chain] % n
        owner = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        lines = shapely.linestrings(np.column_stack([x[original], y[original]]), indices=owner)
        simplified = shapely.simplify(lines, level.tolerance_m)
        line_group = nodes[chain[offsets[:-1]]] // n
        order = np.argsort(line_group, kind="stable")
        simplified = simplified[order]
        coords = np.rint(shapely.get_coordinates(simplified)).astype(np.int64)
        bounds = np.concatenate([[0], np.cumsum(shapely.get_num_coordinates(simplified))])
        deltas = coords.copy()
        deltas[1:] -= coords[:-1]
        starts = bounds[:-1][bounds[:-1] < len(coords)]
        deltas[starts] = coords[starts]
        sorted_groups = line_group[order]
        current = None
        lines_out: list = []
        for k in range(len(order)):
            first, last = bounds[k], bounds[k + 1]
            square_index = sorted_groups[k] // 3
            if square_index != current:
                if current is not None:
                    yield level, int(squares[current, 0]), int(squares[current, 1]), lines_out
                current, lines_out = square_index, []
            if last - first >= 2:
                lines_out.append([int(sorted_groups[k] % 3), *deltas[first:last].ravel().tolist()])
        if current is not None:
            yield level, int(squares[current, 0]), int(squares[current, 1]), lines_out
