"""Walking routes: the quickest line between two sets of access rows, metres, and minutes per profile."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from circle.prepare.network import AccessTable, WalkNetwork
from circle.standards import load_profile


@dataclass
class Route:
    """A walk from a block's access point to a facility's access point.

    Attributes
    ----------
    geometry : shapely.LineString
        WGS-84 line (access walk, street path, access walk).
    metres : float
        Length walked.
    steps_metres : float
        Of which on steps.
    """

    geometry: shapely.LineString
    metres: float
    steps_metres: float

    def minutes(self, profile: str) -> float:
        """Return walking minutes at a profile (see :func:`walking_minutes`)."""
        return walking_minutes(self.metres, self.steps_metres, profile)


def walking_minutes(metres: float, steps_metres: float, profile: str) -> float:
    """Return the minutes to walk ``metres``, ``steps_metres`` of them on steps, at a profile.

    Examples
    --------
    >>> round(walking_minutes(660.0, 0.0, "standard"), 2)
    10.0
    >>> round(walking_minutes(660.0, 0.0, "elderly"), 2)
    13.75
    """
    loaded = load_profile(profile)
    flat = metres - steps_metres
    return (flat / loaded.speed + steps_metres / loaded.steps_speed) / 60.0


def quickest_route(
    network: WalkNetwork, start: AccessTable, end: AccessTable, speed_m_s: float
) -> tuple[shapely.LineString, float, float] | None:
    """Return the quickest walk from any of ``start``'s access rows to any of ``end``'s (None when none reaches).

    The search is the engine's: one virtual start joined to every access node
    of ``start`` with its access seconds (the same quickest walk, not just the
    nearest node), over the network, to every access row of ``end``.

    Parameters
    ----------
    network : WalkNetwork
        The walking network (projected metres).
    start, end : AccessTable
        Where the walk leaves and joins the network (a block's and a facility's access rows).
    speed_m_s : float
        The walking speed the access seconds were computed at (to turn them back into metres).

    Returns
    -------
    tuple of (shapely.LineString, float, float) or None
        The line in the network's projected metres (access walk, streets, access walk), the metres walked,
        and of those the metres on steps.
    """
    if len(start) == 0 or len(end) == 0:
        return None
    n = network.n_nodes
    matrix = with_virtual_start(network.adjacency(), start.node, start.seconds)
    distances, predecessors = csgraph.dijkstra(matrix, indices=n, return_predecessors=True)
    arrival = distances[end.node] + end.seconds
    if not np.isfinite(arrival).any():
        return None
    best = int(np.argmin(arrival))
    path = [int(end.node[best])]
    while predecessors[path[-1]] not in (-9999, n) and predecessors[path[-1]] >= 0:
        path.append(int(predecessors[path[-1]]))
    path.reverse()
    at_first_node = np.flatnonzero(start.node == path[0])
    first = int(at_first_node[np.argmin(start.seconds[at_first_node])])
    points = [(start.x[first], start.y[first])] + [(network.x[node], network.y[node]) for node in path]
    points.append((end.x[best], end.y[best]))
    # metres as the engine walks them: the access walks (their seconds at the study's speed) and the streets
    street_m = float(np.hypot(np.diff(network.x[path]), np.diff(network.y[path])).sum())
    metres = float(start.seconds[first]) * speed_m_s + street_m + float(end.seconds[best]) * speed_m_s
    return shapely.LineString(points), metres, _steps_metres(network, path)


def with_virtual_start(base: sparse.csr_array, nodes: np.ndarray, seconds: np.ndarray) -> sparse.csr_array:
    """Return ``base`` with one more node (numbered ``n``) that leads to each of ``nodes`` in ``seconds``.

    A search from it is a search from all of ``nodes`` at once, each started
    at its own cost (the access walks of a block, or of every facility of a
    category over the reversed streets).
    """
    n = base.shape[0]
    order = np.argsort(nodes, kind="stable")
    return sparse.csr_array(
        (
            np.concatenate([base.data, seconds[order]]),
            np.concatenate([base.indices, nodes[order]]),
            np.concatenate([base.indptr, [base.indptr[-1] + len(nodes)]]),
        ),
        shape=(n + 1, n + 1),
    )


def _steps_metres(network, path: list[int]) -> float:
    if len(path) < 2:
        return 0.0
    lo = np.minimum(path[:-1], path[1:])
    hi = np.maximum(path[:-1], path[1:])
    key = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(network.a, network.b, strict=True))}
    total = 0.0
    for a, b in zip(lo, hi, strict=True):
        index = key.get((int(a), int(b)))
        if index is not None and network.highway[index] == "steps":
            total += float(network.length_m[index])
    return total
