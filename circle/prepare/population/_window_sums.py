"""Sums of weights over a square window centred on each point, in O(n log n).

Querying a spatial index for every point's neighbours costs the number of
pairs: in a well-mapped city a 2 km square around a building holds tens of
thousands of others, so that query grows with density squared. Here the
sums are answered offline instead: points and window edges sorted by x, a
Fenwick tree over the points' y ranks, each window's sum the difference of
two prefix sums. Exact (a point on the window's edge counts, as the closed
square does), and independent of where the points lie.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _prefix_sums(order_x, px, rank, weights, edges, edge_order, lo, hi, n_ranks, inclusive):
    """Sum of ``weights`` over points with x ≤ edge (``inclusive``) or x < edge, y rank in [lo, hi)."""
    tree = np.zeros(n_ranks + 1)
    out = np.zeros(edges.shape[0])
    taken = 0
    for j in range(edge_order.shape[0]):
        query = edge_order[j]
        edge = edges[query]
        while taken < order_x.shape[0]:
            point = order_x[taken]
            x = px[point]
            if x > edge or (x == edge and not inclusive):
                break
            index = rank[point] + 1
            while index <= n_ranks:
                tree[index] += weights[point]
                index += index & -index
            taken += 1
        total = 0.0
        index = hi[query]
        while index > 0:
            total += tree[index]
            index -= index & -index
        index = lo[query]
        while index > 0:
            total -= tree[index]
            index -= index & -index
        out[query] = total
    return out


def window_sums(x: np.ndarray, y: np.ndarray, weights: np.ndarray, half: float) -> np.ndarray:
    """Return, for every point, the sum of ``weights`` over the points within the square of half-side ``half``.

    Parameters
    ----------
    x, y : numpy.ndarray
        The points' coordinates (metres).
    weights : numpy.ndarray
        One weight per point.
    half : float
        Half the side of the square centred on each point.

    Returns
    -------
    numpy.ndarray
        Σ weights over the points with ``|x_j − x_i| ≤ half`` and ``|y_j − y_i| ≤ half``, each point included.

    Examples
    --------
    >>> window_sums(np.array([0.0, 100.0, 5000.0]), np.zeros(3), np.array([1.0, 2.0, 4.0]), 1000.0).tolist()
    [3.0, 3.0, 4.0]
    """
    x = np.ascontiguousarray(x, float)
    y = np.ascontiguousarray(y, float)
    weights = np.ascontiguousarray(weights, float)
    if len(x) == 0:
        return np.zeros(0)
    levels = np.unique(y)
    rank = np.searchsorted(levels, y).astype(np.int64)
    lo = np.searchsorted(levels, y - half, side="left").astype(np.int64)
    hi = np.searchsorted(levels, y + half, side="right").astype(np.int64)
    order_x = np.argsort(x, kind="stable").astype(np.int64)
    upper_edges, lower_edges = x + half, x - half
    upper = _prefix_sums(
        order_x, x, rank, weights, upper_edges, np.argsort(upper_edges, kind="stable"), lo, hi, len(levels), True
    )
    lower = _prefix_sums(
        order_x, x, rank, weights, lower_edges, np.argsort(lower_edges, kind="stable"), lo, hi, len(levels), False
    )
    return upper - lower
