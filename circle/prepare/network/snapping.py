"""Nearest street segment of many points at once: a uniform grid and a compiled search.

Every segment is filed in the grid cells its pieces (at most one cell long)
touch; a point is compared with the segments of the cells around it, ring
after ring, until no unvisited cell can hold anything closer, or the
snapping limit is reached. Distances are exact (projection onto the
segment, clamped to its ends); ties go to the lowest segment index, so the
answer does not depend on threads or on the order of the input. A mask can
rule segments out (a bridge, a detached piece) without rebuilding the grid.

At city scale (a million segments, a million points) this takes well under a
second, where an R-tree's nearest query took several.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

#: grid cell size: four median segment lengths, within these bounds (metres).
MIN_CELL_M = 50.0
MAX_CELL_M = 250.0


@dataclass(frozen=True)
class SegmentGrid:
    """Segments filed in a uniform grid (CSR: cell → segment indices).

    Attributes
    ----------
    ax, ay, bx, by : numpy.ndarray
        Segment end points (metres).
    x0, y0 : float
        The grid's lower-left corner.
    cell : float
        Cell size in metres.
    nx, ny : int
        Columns and rows.
    ptr, items : numpy.ndarray
        Segments of cell ``c`` are ``items[ptr[c]:ptr[c + 1]]`` (ascending).
    """

    ax: np.ndarray
    ay: np.ndarray
    bx: np.ndarray
    by: np.ndarray
    x0: float
    y0: float
    cell: float
    nx: int
    ny: int
    ptr: np.ndarray
    items: np.ndarray

    @classmethod
    def build(cls, ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray) -> SegmentGrid:
        """File segments ``(ax, ay) – (bx, by)`` in a grid sized to their lengths."""
        ax, ay, bx, by = (np.ascontiguousarray(v, dtype=np.float64) for v in (ax, ay, bx, by))
        if len(ax) == 0:
            empty = np.zeros(1, np.int64)
            return cls(ax, ay, bx, by, 0.0, 0.0, 1.0, 1, 1, np.zeros(2, np.int64), empty[:0])
        length = np.hypot(bx - ax, by - ay)
        cell = float(np.clip(4.0 * np.median(length), MIN_CELL_M, MAX_CELL_M))
        x0 = float(min(ax.min(), bx.min())) - cell
        y0 = float(min(ay.min(), by.min())) - cell
        nx = int((max(ax.max(), bx.max()) - x0) // cell) + 2
        ny = int((max(ay.max(), by.max()) - y0) // cell) + 2
        ptr, items = _file_segments(ax, ay, bx, by, x0, y0, cell, nx, ny)
        return cls(ax, ay, bx, by, x0, y0, cell, nx, ny, ptr, items)

    def nearest(
        self,
        px: np.ndarray,
        py: np.ndarray,
        max_distance: float,
        allowed: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return, per point, the nearest allowed segment within ``max_distance``.

        Parameters
        ----------
        px, py : numpy.ndarray
            Points (metres, the grid's CRS).
        max_distance : float
            Points farther than this from every allowed segment get -1.
        allowed : numpy.ndarray, optional
            Boolean per segment; all segments when omitted.

        Returns
        -------
        tuple of numpy.ndarray
            ``(segment, distance, t)``: the segment index (-1: none), the
            distance to it, and where the point projects on it (0 at ``a``, 1 at ``b``).
        """
        px = np.ascontiguousarray(px, dtype=np.float64)
        py = np.ascontiguousarray(py, dtype=np.float64)
        mask = np.ones(len(self.ax), np.bool_) if allowed is None else np.ascontiguousarray(allowed, dtype=np.bool_)
        return _nearest(
            px,
            py,
            float(max_distance),
            self.ax,
            self.ay,
            self.bx,
            self.by,
            mask,
            self.x0,
            self.y0,
            self.cell,
            self.nx,
            self.ny,
            self.ptr,
            self.items,
        )


@njit(cache=True)
def _file_segments(ax, ay, bx, by, x0, y0, cell, nx, ny):
    """File every segment in the cells its pieces (each at most a cell long) overlap; return CSR arrays."""
    n = ax.shape[0]
    counts = np.zeros(nx * ny + 1, np.int64)
    for pass_number in range(2):
        if pass_number == 1:
            ptr = np.zeros(nx * ny + 1, np.int64)
            for c in range(nx * ny):
                ptr[c + 1] = ptr[c] + counts[c]
            items = np.empty(ptr[nx * ny], np.int64)
            fill = ptr[:-1].copy()
        last_cell = -1
        for s in range(n):
            dx, dy = bx[s] - ax[s], by[s] - ay[s]
            pieces = int(np.sqrt(dx * dx + dy * dy) / cell) + 1
            last_cell = -1
            for k in range(pieces):
                t0, t1 = k / pieces, (k + 1) / pieces
                xa, ya = ax[s] + t0 * dx, ay[s] + t0 * dy
                xb, yb = ax[s] + t1 * dx, ay[s] + t1 * dy
                i0 = int((min(xa, xb) - x0) // cell)
                i1 = int((max(xa, xb) - x0) // cell)
                j0 = int((min(ya, yb) - y0) // cell)
                j1 = int((max(ya, yb) - y0) // cell)
                for j in range(j0, j1 + 1):
                    for i in range(i0, i1 + 1):
                        c = i + j * nx
                        if c == last_cell:
                            continue
                        if pass_number == 0:
                            counts[c] += 1
                        else:
                            items[fill[c]] = s
                            fill[c] += 1
                        last_cell = c
    # a long segment may be filed twice in one cell (pieces not adjacent in the loop): harmless for a nearest search
    return ptr, items


@njit(cache=True, inline="always")
def _distance(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0
    if length2 > 0.0:
        t = ((px - ax) * dx + (py - ay) * dy) / length2
        t = min(1.0, max(0.0, t))
    qx, qy = ax + t * dx, ay + t * dy
    return np.sqrt((px - qx) * (px - qx) + (py - qy) * (py - qy)), t


@njit(cache=True, parallel=True)
def _nearest(px, py, max_distance, ax, ay, bx, by, allowed, x0, y0, cell, nx, ny, ptr, items):
    n = px.shape[0]
    best = np.full(n, -1, np.int64)
    best_d = np.full(n, np.inf)
    best_t = np.zeros(n)
    max_ring = int(max_distance / cell) + 1
    for p in prange(n):
        x, y = px[p], py[p]
        ci = int((x - x0) // cell)
        cj = int((y - y0) // cell)
        found = -1
        found_d = np.inf
        found_t = 0.0
        for ring in range(max_ring + 1):
            # cells at Chebyshev distance `ring` from the point's cell
            for j in range(cj - ring, cj + ring + 1):
                if j < 0 or j >= ny:
                    continue
                on_edge_row = j == cj - ring or j == cj + ring
                step = 1 if on_edge_row else 2 * ring
                i = ci - ring
                while i <= ci + ring:
                    if 0 <= i < nx:
                        c = i + j * nx
                        for k in range(ptr[c], ptr[c + 1]):
                            s = items[k]
                            if not allowed[s]:
                                continue
                            d, t = _distance(x, y, ax[s], ay[s], bx[s], by[s])
                            if d < found_d or (d == found_d and s < found):
                                found, found_d, found_t = s, d, t
                    if step == 0:
                        break
                    i += step
            # every cell not yet visited is at least `ring * cell` away from the point
            if found >= 0 and found_d <= ring * cell:
                break
        if found >= 0 and found_d <= max_distance:
            best[p], best_d[p], best_t[p] = found, found_d, found_t
    return best, best_d, best_t
