"""Closures: walking segments a flood, works or a landslide makes impassable.

A closure is a line (a barrier drawn across streets) or a polygon (an area
closed off); the walking segments it crosses or covers are closed in both
directions. A steps closure closes only the flights of steps
(``highway=steps``) inside its polygon, or every flight of the study.

Closing a segment also closes the access rows that step onto it: a block's
or a facility's access point reaches the network through its nearest
segment, and a row that walked along a closed segment to one of its ends is
dropped (the point is not re-snapped elsewhere: a compound whose streets are
all closed is cut off, as it is on the ground). A block left with no access
row, or whose access reaches no facility, is *cut off*.

After a closure the reach of every category is recomputed over the whole
network (one search per block with the compiled labels backend: linear in
the network and the blocks, well under a second for a city district), so
the answer is by construction what a study built on the closed network
would say.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from circle.prepare.network import AccessTable, WalkNetwork

STEPS_HIGHWAY = "steps"
SNAP_TOLERANCE_M = 0.05


@dataclass(frozen=True)
class ClosedSegments:
    """The segments a closure closes.

    Attributes
    ----------
    segments : numpy.ndarray
        Positions of the closed undirected segments (sorted, unique).
    length_m : float
        Their total length.
    steps : int
        How many of them are flights of steps.
    """

    segments: np.ndarray
    length_m: float
    steps: int

    @classmethod
    def of(cls, network: WalkNetwork, segments: np.ndarray) -> ClosedSegments:
        """Return the closure of the given segment positions, with their length and steps counted."""
        segments = np.unique(np.asarray(segments, np.int64))
        steps = int((np.asarray(network.highway, dtype=object)[segments] == STEPS_HIGHWAY).sum())
        return cls(segments, float(network.length_m[segments].sum()), steps)

    @property
    def count(self) -> int:
        """Number of segments closed."""
        return len(self.segments)


def segment_lines(network: WalkNetwork, segments: np.ndarray | None = None) -> np.ndarray:
    """Return the network's segments (all, or those at ``segments``) as shapely lines in the study CRS."""
    if segments is None:
        segments = np.arange(network.n_segments)
    a, b = network.a[segments], network.b[segments]
    coords = np.stack([np.column_stack([network.x[a], network.y[a]]), np.column_stack([network.x[b], network.y[b]])], 1)
    return shapely.linestrings(coords)


def segments_closed_by(network: WalkNetwork, geometries: list | np.ndarray, steps_only: bool = False) -> ClosedSegments:
    """Return the segments that closure geometries cross or cover.

    Parameters
    ----------
    network : WalkNetwork
        The study's walking network.
    geometries : sequence of shapely geometries
        Lines and polygons in the study CRS.
    steps_only : bool
        Close only the flights of steps (``highway=steps``) the geometries
        cross or hold, or every flight of the study when none is given.

    Returns
    -------
    ClosedSegments
        The closed segments, their length and how many are steps.
    """
    geometries = [g for g in geometries if g is not None and not g.is_empty]
    closed = np.zeros(network.n_segments, bool)
    if geometries:
        tree = shapely.STRtree(segment_lines(network))
        _, hit = tree.query(np.asarray(geometries, dtype=object), predicate="intersects")
        closed[hit] = True
    elif steps_only:
        closed[:] = True
    if steps_only:
        closed &= np.asarray(network.highway, dtype=object) == STEPS_HIGHWAY
    return ClosedSegments.of(network, np.flatnonzero(closed))


def closed_network(network: WalkNetwork, closed: ClosedSegments) -> WalkNetwork:
    """Return a copy of the network whose closed segments are impassable both ways (nodes keep their numbers)."""
    copy = network.subset(np.ones(network.n_nodes, bool))
    copy.seconds_ab = copy.seconds_ab.copy()
    copy.seconds_ba = copy.seconds_ba.copy()
    copy.seconds_ab[closed.segments] = np.inf
    copy.seconds_ba[closed.segments] = np.inf
    return copy


def open_access(network: WalkNetwork, access: AccessTable, closed: ClosedSegments) -> AccessTable:
    """Drop the access rows that walk along a closed segment.

    A row reaches ``node`` from its point ``(x, y)`` through the segment the
    point snapped onto, at ``snap_m`` from it. The row is dropped when a
    closed segment ending at ``node`` lies at that distance from the point and
    no open one ending there does (a point that projects onto the node itself
    walks along neither).

    Parameters
    ----------
    network : WalkNetwork
        The network before the closure (its segment ends).
    access : AccessTable
        Access rows of blocks or facilities.
    closed : ClosedSegments
        The closure.

    Returns
    -------
    AccessTable
        The rows still open.
    """
    if len(access) == 0 or closed.count == 0:
        return access
    is_closed = np.zeros(network.n_segments, bool)
    is_closed[closed.segments] = True
    touches_closed = np.zeros(network.n_nodes, bool)
    touches_closed[network.a[closed.segments]] = True
    touches_closed[network.b[closed.segments]] = True
    rows = np.flatnonzero(touches_closed[access.node])
    if not len(rows):
        return access
    which, segment = network.segments_at(access.node[rows])
    row_of = rows[which]
    points = shapely.points(access.x[row_of], access.y[row_of])
    distance = shapely.distance(points, segment_lines(network, segment))
    matches = np.abs(distance - access.snap_m[row_of]) <= SNAP_TOLERANCE_M + 1e-6 * access.snap_m[row_of]
    via_open = np.zeros(len(access), bool)
    via_closed = np.zeros(len(access), bool)
    np.logical_or.at(via_open, row_of, matches & ~is_closed[segment])
    np.logical_or.at(via_closed, row_of, matches & is_closed[segment])
    return access.take(np.flatnonzero(~(via_closed & ~via_open)))
