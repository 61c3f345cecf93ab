"""What-if: add, remove or move facilities and update only the blocks affected.

Closing streets (:mod:`circle.engine.closures`) recomputes every
category over the closed network; facility changes after it are updated
locally on that network as before.

Adding a facility searches only from it (a bounded Dijkstra from its access
points on the reversed network, up to the search limit); blocks it reaches
take it into their k nearest where it is nearer than their current k-th, and
count it within every threshold it falls under. Removing one runs one
bounded search from it to find the blocks that counted it or may have had it
among their k nearest, then re-searches only those blocks forwards until
their k nearest remaining facilities are known. Moving is removing then
adding. Nothing else is recomputed, so the result equals a full
recomputation with the change made (tested on Chengdu).

:class:`ScenarioEngine` holds a reach in memory (:class:`SavedReach`: arrays,
not the study folder) and applies a list of changes; reading a study into a
:class:`SavedReach` and writing the scenario's columns back are
:mod:`circle.analysis.saved_reach`'s job, saving a scenario the study folder's
(:mod:`circle.study.scenarios`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import shapely
import shapely.errors
import shapely.geometry

from circle.engine import _kernels as kernels
from circle.engine import _kernels_local as local_kernels
from circle.engine._base import CategoryReach, Destinations, ReachProblem, top_k_merge
from circle.engine._labels import COUNT_TOLERANCE_S, LabelBackend, PreparedOrigins, grouped
from circle.engine.closures import ClosedSegments, closed_network, open_access, segments_closed_by
from circle.errors import CircleError
from circle.geo import WGS84, transform_geometries, transform_xy
from circle.prepare.network import AccessTable, WalkNetwork

CLOSURE_TYPES = ("LineString", "MultiLineString", "Polygon", "MultiPolygon")


def add_facility(
    network: WalkNetwork,
    origins: PreparedOrigins,
    reach: CategoryReach,
    facility_position: int,
    access: AccessTable,
    thresholds_s: tuple[float, ...],
    limit_s: float,
) -> tuple[CategoryReach, np.ndarray]:
    """Return the category's reach with one more facility, and the blocks it changed.

    Parameters
    ----------
    network : WalkNetwork
        The network (its reversed CSR is built once and reused).
    origins : PreparedOrigins
        Block access rows grouped for the kernels.
    reach : CategoryReach
        The category's current answer; it is not modified.
    facility_position : int
        The id (position) the new facility gets in ``reach.nearest``.
    access : AccessTable
        How the new facility reaches the network (``owner`` ignored).
    thresholds_s : tuple of float
        The count thresholds.
    limit_s : float
        The search limit.

    Returns
    -------
    tuple of (CategoryReach, numpy.ndarray)
        The new answer (a copy) and the positions of the blocks whose times or
        counts changed.
    """
    hit, seconds = origins.reached_from(network, access.node, access.seconds, limit_s)
    updated = CategoryReach(reach.seconds.copy(), reach.nearest.copy(), reach.counts.copy())
    if len(hit) == 0:
        return updated, hit
    k = reach.seconds.shape[1]
    kth = np.where(np.isnan(updated.seconds[hit, k - 1]), np.inf, updated.seconds[hit, k - 1])
    closer = seconds < kth
    rows = hit[closer]
    merged_s, merged_id = top_k_merge(
        updated.seconds[rows],
        updated.nearest[rows],
        seconds[closer][:, None],
        np.full((len(rows), 1), facility_position, np.int64),
        k,
    )
    updated.seconds[rows] = merged_s
    updated.nearest[rows] = np.where(np.isnan(merged_s), -1, merged_id)
    within = seconds[:, None] <= np.asarray(thresholds_s, float)[None, :] + COUNT_TOLERANCE_S
    updated.counts[hit] += within.astype(np.int64)
    changed = np.unique(np.concatenate([rows, hit[within.any(axis=1)]]))
    return updated, changed


def remove_facility(
    network: WalkNetwork,
    origins: PreparedOrigins,
    reach: CategoryReach,
    access: AccessTable,
    excluded: np.ndarray,
    position: int,
    thresholds_s: tuple[float, ...],
    limit_s: float,
) -> tuple[CategoryReach, np.ndarray]:
    """Return the category's reach without the facility at ``position``, and the blocks it changed.

    Parameters
    ----------
    network : WalkNetwork
        The network.
    origins : PreparedOrigins
        Block access rows grouped for the kernels.
    reach : CategoryReach
        The category's current answer (the facilities ``excluded`` other than
        ``position`` already taken out); it is not modified.
    access : AccessTable
        The access rows of all the category's facilities (``owner`` = position).
    excluded : numpy.ndarray
        One flag per facility position, set for every facility removed,
        ``position`` included: none of them may come back among a block's nearest.
    position : int
        The facility removed now.
    thresholds_s : tuple of float
        The count thresholds.
    limit_s : float
        The search limit.

    Returns
    -------
    tuple of (CategoryReach, numpy.ndarray)
        The new answer (a copy) and the positions of the blocks whose times or
        counts changed.
    """
    rows = np.flatnonzero(access.owner == position)
    hit, seconds = origins.reached_from(network, access.node[rows], access.seconds[rows], limit_s)
    updated = CategoryReach(reach.seconds.copy(), reach.nearest.copy(), reach.counts.copy())
    within = seconds[:, None] <= np.asarray(thresholds_s, float)[None, :] + COUNT_TOLERANCE_S
    updated.counts[hit] -= within.astype(np.int64)
    kth = np.where(np.isnan(updated.seconds[hit, -1]), np.inf, updated.seconds[hit, -1])
    affected = hit[seconds <= kth + 1e-6]
    if len(affected):
        order, node_ptr = grouped(access.node, network.n_nodes)
        found_s, found_id = local_kernels.k_nearest_for_origins(
            network.csr(),
            origins.by_origin,
            affected.astype(np.int64),
            kernels.Groups(node_ptr, access.owner[order].astype(np.int64), access.seconds[order].astype(np.float64)),
            np.asarray(excluded, np.bool_),
            reach.seconds.shape[1],
            float(limit_s),
        )
        updated.seconds[affected] = np.where(np.isfinite(found_s), found_s, np.nan)
        updated.nearest[affected] = found_id
    return updated, np.unique(np.concatenate([hit[within.any(axis=1)], affected]))


@dataclass
class CategoryState:
    """A category's current answer and its facilities' access, kept in facility-position order."""

    ids: list[str]
    reach: CategoryReach
    access: AccessTable
    removed: set[int] = field(default_factory=set)


class Change(Protocol):
    """What the engine reads of one change of a scenario (:class:`circle.study.scenarios.Change` is one).

    ``kind`` is ``"add"``, ``"remove"``, ``"move"`` or ``"close"``; a move's ``category`` is set by
    :meth:`ScenarioEngine.apply` from the facility it moves.
    """

    kind: str
    category: str | None
    facility_id: str | None
    lat: float | None
    lon: float | None
    geometry: dict | None
    steps: bool


@dataclass
class SavedReach:
    """A computed reach to start a scenario from: the network, the origins, and per category its facilities.

    Attributes
    ----------
    network : WalkNetwork
        The walking network (projected metres).
    crs : str
        Its projected CRS (points and closures arrive in WGS-84 and are converted to it).
    block_ids : numpy.ndarray
        The origins' ids, in row order.
    block_access : AccessTable
        How origins reach the network, ``owner`` being the origin's row.
    categories : dict of str to tuple of (list of str, AccessTable, CategoryReach)
        Per category: facility ids, their access rows (``owner`` = position in the ids) and the reach.
    k : int
        Nearest facilities kept per origin.
    thresholds_min : tuple of int
        Minutes within which facilities are counted.
    limit_s : float
        Search limit (seconds).
    speed_m_s : float
        Walking speed of the access walks (m/s).
    max_snap_m : float
        Farthest a new facility may be from the network (metres).
    """

    network: WalkNetwork
    crs: str
    block_ids: np.ndarray
    block_access: AccessTable
    categories: dict[str, tuple[list[str], AccessTable, CategoryReach]]
    k: int
    thresholds_min: tuple[int, ...]
    limit_s: float
    speed_m_s: float
    max_snap_m: float


class ScenarioEngine:
    """Holds a network and reach in memory and applies changes to them.

    Parameters
    ----------
    reach : SavedReach
        The baseline (the engine's copy: the arrays it was given are not modified).
    """

    def __init__(self, reach: SavedReach):
        self.crs = reach.crs
        self.base_network = reach.network
        self.network = self.base_network
        self.closed = ClosedSegments.of(self.base_network, np.zeros(0, np.int64))
        self.k = int(reach.k)
        self.thresholds_min = tuple(reach.thresholds_min)
        self.thresholds_s = tuple(60.0 * m for m in self.thresholds_min)
        self.limit_s = reach.limit_s
        self.speed = reach.speed_m_s
        self.max_snap = float(reach.max_snap_m)
        self.block_ids = reach.block_ids
        self.block_access = reach.block_access
        self.origins = PreparedOrigins.build(self.block_access, len(self.block_ids), self.network.n_nodes)
        self.states: dict[str, CategoryState] = {
            category: CategoryState(list(ids), category_reach, access)
            for category, (ids, access, category_reach) in reach.categories.items()
        }

    def snap(self, lat: float, lon: float) -> AccessTable:
        """Return how a point reaches the network (as a new facility would)."""
        x, y = transform_xy(np.array([lon]), np.array([lat]), WGS84, self.crs)
        access = self.base_network.snap(np.zeros(1, np.int64), x, y, self.speed, self.max_snap, towards_point=True)
        access = open_access(self.base_network, access, self.closed)
        if len(access) == 0 and self.closed.count:
            raise CircleError(
                f"the point {lat:.6f}, {lon:.6f} steps onto a street this scenario closes; place the facility "
                "beside an open street."
            )
        if len(access) == 0:
            raise CircleError(
                f"the point {lat:.6f}, {lon:.6f} is more than {self.max_snap:.0f} m from any walkable way of the "
                "study; place the facility on or near a street inside the study area."
            )
        return access

    def add(self, category: str, access: AccessTable, facility_id: str) -> np.ndarray:
        """Add a facility reached through ``access``; return the positions of the blocks changed."""
        state = self._state(category)
        position = len(state.ids)
        state.ids.append(facility_id)
        table = AccessTable(
            np.full(len(access), position, np.int64), access.node, access.seconds, access.x, access.y, access.snap_m
        )
        state.access = AccessTable(
            *(
                np.concatenate([getattr(state.access, f), getattr(table, f)])
                for f in ("owner", "node", "seconds", "x", "y", "snap_m")
            )
        )
        state.reach, changed = add_facility(
            self.network, self.origins, state.reach, position, table, self.thresholds_s, self.limit_s
        )
        return changed

    def remove(self, facility_id: str) -> tuple[str, np.ndarray]:
        """Remove a facility; return its category and the positions of the blocks changed."""
        for category, state in self.states.items():
            if facility_id in state.ids:
                position = state.ids.index(facility_id)
                if position in state.removed:
                    raise CircleError(f"facility {facility_id} is already removed in this scenario.")
                return category, self._remove_position(state, position)
        raise CircleError(f"the study has no facility {facility_id!r}; ids look like clinic:n123456.")

    def _remove_position(self, state: CategoryState, position: int) -> np.ndarray:
        state.removed.add(position)
        excluded = np.zeros(len(state.ids), bool)
        excluded[list(state.removed)] = True
        state.reach, changed = remove_facility(
            self.network, self.origins, state.reach, state.access, excluded, position, self.thresholds_s, self.limit_s
        )
        return changed

    def close(self, closed: ClosedSegments) -> dict[str, np.ndarray]:
        """Close segments (on top of any closed before) and recompute every category on what stays open.

        Returns
        -------
        dict of str to numpy.ndarray
            Per category, the positions of the blocks whose times or counts changed.
        """
        self.closed = ClosedSegments.of(self.base_network, np.union1d(self.closed.segments, closed.segments))
        self.network = closed_network(self.base_network, self.closed)
        block_access = open_access(self.base_network, self.block_access, self.closed)
        self.origins = PreparedOrigins.build(block_access, len(self.block_ids), self.network.n_nodes)
        destinations = {}
        for category, state in self.states.items():
            state.access = open_access(self.base_network, state.access, self.closed)
            present = ~np.isin(state.access.owner, np.fromiter(state.removed, np.int64, len(state.removed)))
            destinations[category] = Destinations(np.array(state.ids, dtype=object), state.access.take(present))
        problem = ReachProblem(
            network=self.network,
            origin_access=block_access,
            n_origins=len(self.block_ids),
            destinations=destinations,
            k=self.k,
            thresholds_s=self.thresholds_s,
            limit_s=self.limit_s,
        )
        reach = LabelBackend().solve(problem)
        changed = {}
        for category, state in self.states.items():
            new = reach[category]
            old = state.reach
            differs = ~np.isclose(new.seconds, old.seconds, rtol=0.0, atol=1e-6, equal_nan=True).all(axis=1)
            differs |= (new.counts != old.counts).any(axis=1)
            changed[category] = np.flatnonzero(differs)
            state.reach = new
        return changed

    def closure_of(self, change: Change) -> ClosedSegments:
        """Return the segments a ``close`` change closes."""
        geometries = []
        if change.geometry:
            try:
                shape = shapely.geometry.shape(change.geometry)
            except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
                raise CircleError(
                    f"a closure's geometry is not a GeoJSON line or polygon ({exc}).", about=("closure",)
                ) from None
            if shape.geom_type not in CLOSURE_TYPES:
                raise CircleError(f"a closure is a line or a polygon, not a {shape.geom_type}.", about=("closure",))
            geometries = list(transform_geometries([shape], WGS84, self.crs))
        elif not change.steps:
            raise CircleError("a closure needs a line or polygon, or steps to close.", about=("closure",))
        return segments_closed_by(self.base_network, geometries, steps_only=change.steps)

    def _state(self, category: str) -> CategoryState:
        if category not in self.states:
            raise CircleError(f"the study has no category {category!r}; it has: {', '.join(self.states)}.")
        return self.states[category]

    def apply(self, changes: list[Change]) -> dict[str, np.ndarray]:
        """Apply changes in order; return, per category, the positions of the blocks changed.

        Consecutive closures are closed together, with one recomputation.
        """
        changed: dict[str, list[np.ndarray]] = {}
        pending: list[ClosedSegments] = []
        for number, change in enumerate(changes, start=1):
            if change.kind == "close":
                pending.append(self.closure_of(change))
                if number < len(changes) and changes[number].kind == "close":
                    continue
                together = ClosedSegments.of(self.base_network, np.concatenate([p.segments for p in pending]))
                pending = []
                for category, blocks in self.close(together).items():
                    changed.setdefault(category, []).append(blocks)
                continue
            if change.kind in {"remove", "move"}:
                category, blocks = self.remove(str(change.facility_id))
                changed.setdefault(category, []).append(blocks)
                if change.kind == "move":
                    change.category = category
            if change.kind in {"add", "move"}:
                access = self.snap(float(change.lat), float(change.lon))
                new_id = f"{change.category}:new{number}"
                changed.setdefault(str(change.category), []).append(self.add(str(change.category), access, new_id))
        return {c: np.unique(np.concatenate(parts)) for c, parts in changed.items() if sum(map(len, parts))}
