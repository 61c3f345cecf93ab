"""Points reaching the walking network: each steps onto its nearest segment and walks to both ends."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from circle.prepare.network.model import AccessTable

if TYPE_CHECKING:
    from circle.prepare.network.model import WalkNetwork


def snap_points(
    network: WalkNetwork,
    owner: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    speed_m_s: float,
    max_snap_m: float,
    towards_point: bool = False,
) -> AccessTable:
    """Connect points to the network through their nearest segment.

    Parameters
    ----------
    owner : numpy.ndarray
        For each point, the index of what it belongs to (a block, a facility).
    x, y : numpy.ndarray
        Points in the study CRS.
    speed_m_s : float
        Walking speed off the network (flat ground).
    max_snap_m : float
        Points farther than this from every segment get no access rows.
    towards_point : bool
        Time the walk from each node to the point (a facility one walks to)
        instead of from the point to the node (a block, a start). The two
        differ on slopes and one-way steps.

    Returns
    -------
    AccessTable
        Two rows per snapped point (one per end node of its segment),
        reduced to the quickest row per (owner, node).
    """
    owner = np.asarray(owner, np.int64)
    if len(owner) == 0 or network.n_segments == 0:
        return AccessTable.empty()
    x, y = np.asarray(x, float), np.asarray(y, float)
    segment, distance, fraction = nearest_segments(network, x, y, max_snap_m)
    return access_rows(network, owner, x, y, segment, distance, fraction, speed_m_s, towards_point)


def nearest_segments(network: WalkNetwork, x: np.ndarray, y: np.ndarray, max_snap_m: float):
    """Return the segment each point steps onto, its distance and the projection's fraction along it.

    A point steps onto the largest connected piece of the network within
    ``max_snap_m`` of it (most nodes; a street network before a path ring or
    a pedestrian square sharing no node with it): onto that piece's nearest
    ground-level segment, failing that onto its nearest bridge, tunnel or
    upper layer. A viaduct overhead or a path ring beside the street is never
    where a resident enters the network while a street is within reach. The
    piece is the largest *near the point*, not the largest of the study, so
    a neighbourhood placed beside a larger one (or a copy beside its twin)
    enters its own streets as it would alone. ``-1`` where nothing is near.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    segment = np.full(len(x), -1, np.int64)
    distance = np.full(len(x), np.inf)
    fraction = np.zeros(len(x))
    if network.n_segments == 0 or len(x) == 0:
        return segment, distance, fraction
    ground = ~network.ground_flags()
    size = network.piece_size
    # points with nothing within reach are left out at once; the others take, from the largest piece size
    # down, the first size with a piece within reach
    away = np.flatnonzero(network.segment_grid.nearest(x, y, max_snap_m)[0] >= 0)
    if not len(away):
        return segment, distance, fraction
    for least in np.unique(size)[::-1]:
        on = size >= least
        tiers = ([] if ground.all() else [on & ground]) + [on]
        for allowed in tiers:
            found = network.segment_grid.nearest(
                x[away], y[away], max_snap_m, allowed=None if allowed.all() else allowed
            )
            hit = found[0] >= 0
            segment[away[hit]], distance[away[hit]], fraction[away[hit]] = (v[hit] for v in found)
            away = away[~hit]
            if not len(away):
                return segment, distance, fraction
    return segment, distance, fraction


def access_rows(
    network: WalkNetwork,
    owner: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    segment: np.ndarray,
    distance: np.ndarray,
    fraction: np.ndarray,
    speed_m_s: float,
    towards_point: bool = False,
) -> AccessTable:
    """Turn points snapped to segments (``segment`` -1 where none) into access rows.

    Each snapped point gets two rows, one per end of its segment: the walk
    off the network at ``speed_m_s`` plus the part of the segment between
    the projection and that end, walked towards the point when
    ``towards_point`` (see :func:`snap_points`).
    """
    point_idx = np.flatnonzero(segment >= 0)
    if len(point_idx) == 0:
        return AccessTable.empty()
    segment_idx = segment[point_idx]
    fraction = fraction[point_idx]
    off_m = distance[point_idx]
    off_s = off_m / speed_m_s
    # From the projection to end a runs along b→a, to end b along a→b; towards the point, the reverse.
    # (an impassable direction stays infinite, except from a point right at the node)
    a_side = network.seconds_ab if towards_point else network.seconds_ba
    b_side = network.seconds_ba if towards_point else network.seconds_ab
    with np.errstate(invalid="ignore"):
        to_a = off_s + np.where(fraction > 0, fraction * a_side[segment_idx], 0.0)
        to_b = off_s + np.where(fraction < 1, (1.0 - fraction) * b_side[segment_idx], 0.0)
    px, py = x[point_idx], y[point_idx]
    table = AccessTable(
        owner=np.concatenate([owner[point_idx], owner[point_idx]]),
        node=np.concatenate([network.a[segment_idx], network.b[segment_idx]]),
        seconds=np.concatenate([to_a, to_b]),
        x=np.concatenate([px, px]),
        y=np.concatenate([py, py]),
        snap_m=np.concatenate([off_m, off_m]),
    )
    finite = np.isfinite(table.seconds)
    return table.take(np.flatnonzero(finite)).best_per_owner_node()
