"""Walking routes from a block to a facility: the line to draw, metres, and minutes per profile."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from circle.geo import WGS84, transform_geometry
from circle.standards import load_profile
from circle.study import Study


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


def route(study: Study, block_id: str, facility_id: str) -> Route | None:
    """Return the quickest walk from a block to a facility (None when it does not reach it).

    The search is the same as the engine's: from every access point of the
    block, over the study's network, to every access point of the facility.
    """
    network = study.network
    block_rows = study.block_access[study.block_access["block_id"].astype(str) == str(block_id)]
    facility_rows = study.facility_access[study.facility_access["facility_id"] == facility_id]
    if block_rows.empty or facility_rows.empty:
        return None
    # one virtual start joined to every access node of the block with its access seconds,
    # exactly as the engine searches (the same quickest walk, not just the nearest node)
    n = network.n_nodes
    matrix = with_virtual_start(
        network.adjacency(), block_rows["node"].to_numpy(np.int64), block_rows["seconds"].to_numpy(float)
    )
    distances, predecessors = csgraph.dijkstra(matrix, indices=n, return_predecessors=True)
    arrival = distances[facility_rows["node"].to_numpy(np.int64)] + facility_rows["seconds"].to_numpy(float)
    if not np.isfinite(arrival).any():
        return None
    best_row = list(facility_rows.itertuples())[int(np.argmin(arrival))]
    path = [int(best_row.node)]
    while predecessors[path[-1]] not in (-9999, n) and predecessors[path[-1]] >= 0:
        path.append(int(predecessors[path[-1]]))
    path.reverse()
    start_row = block_rows[block_rows["node"] == path[0]].sort_values("seconds").iloc[0]
    points = [(start_row["x"], start_row["y"])] + [(network.x[n], network.y[n]) for n in path]
    points.append((best_row.x, best_row.y))
    line = shapely.LineString(points)
    # metres as the engine walks them: the access walks (their seconds at the study's speed) and the streets
    speed = study.summary.profile.speed
    street_m = float(np.hypot(np.diff(network.x[path]), np.diff(network.y[path])).sum())
    metres = float(start_row["seconds"]) * speed + street_m + float(best_row.seconds) * speed
    steps = _steps_metres(network, path)
    return Route(transform_geometry(line, study.crs, WGS84), metres, steps)


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
