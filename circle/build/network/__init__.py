"""The walking network: nodes and street segments in projected metres.

A :class:`WalkNetwork` holds every node of the walkable ways (no topological
simplification, so each segment is straight and an isochrone can cut it
exactly) and, per undirected segment, the seconds to walk it each way at a
walking profile. Points (block boundaries, facility entrances, a clicked
location) reach the network by snapping to the nearest segment; the walk from
the point to the segment and along it to either end node is counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from typing import NamedTuple

import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from circle.errors import NetworkError
from circle.geo import WGS84, transform_xy
from circle.build.network.snapping import SegmentGrid
from circle.sources.osm import WalkWays
from circle.standards import WalkingProfile

STEPS = "steps"
NO_WALKABLE_WAYS = (
    "the area has no walkable ways (footways, paths, streets). Check that the bounding box or polygon "
    "covers a built-up area of the file, or use a larger extract."
)


@dataclass
class AccessTable:
    """How a set of points reaches the network.

    One row per (point, network node) pair: ``seconds`` is the walk from the
    point to that node. A point snapped to a segment has two rows, one per
    end node. Points farther than the snapping limit have no rows.

    Attributes
    ----------
    owner : numpy.ndarray
        Index of the point's owner (block or facility position), int64.
    node : numpy.ndarray
        Network node index, int64.
    seconds : numpy.ndarray
        Walking seconds from the point to the node.
    x, y : numpy.ndarray
        The point in the study CRS (metres).
    snap_m : numpy.ndarray
        Straight distance from the point to the segment.
    """

    owner: np.ndarray
    node: np.ndarray
    seconds: np.ndarray
    x: np.ndarray
    y: np.ndarray
    snap_m: np.ndarray

    def __len__(self) -> int:
        return len(self.owner)

    @classmethod
    def empty(cls) -> AccessTable:
        """Return a table with no rows."""
        ints, floats = np.zeros(0, np.int64), np.zeros(0, float)
        return cls(ints, ints.copy(), floats, floats.copy(), floats.copy(), floats.copy())

    def best_per_owner_node(self) -> AccessTable:
        """Keep, for each (owner, node) pair, only the quickest row."""
        if len(self) == 0:
            return self
        order = np.lexsort((self.seconds, self.node, self.owner))
        owner, node = self.owner[order], self.node[order]
        first = np.ones(len(order), bool)
        first[1:] = (owner[1:] != owner[:-1]) | (node[1:] != node[:-1])
        keep = order[first]
        return self.take(keep)

    def take(self, rows: np.ndarray) -> AccessTable:
        """Return the rows at positions ``rows``."""
        return AccessTable(
            self.owner[rows],
            self.node[rows],
            self.seconds[rows],
            self.x[rows],
            self.y[rows],
            self.snap_m[rows],
        )

    def to_frame(self) -> pd.DataFrame:
        """Return the table as a DataFrame (owner positions, not ids)."""
        return pd.DataFrame(
            {
                "owner": self.owner,
                "node": self.node,
                "seconds": self.seconds,
                "x": self.x,
                "y": self.y,
                "snap_m": self.snap_m,
            }
        )


def _flight_rise(step_count: np.ndarray, way_id: np.ndarray, length: np.ndarray, is_steps: np.ndarray) -> np.ndarray:
    """Share each flight's ``step_count`` rise among its segments by length (NaN where untagged)."""
    from circle.build.terrain import RISER_M

    rise = np.full(len(length), np.nan)
    tagged = is_steps & np.isfinite(step_count)
    if not tagged.any():
        return rise
    flights, position = np.unique(way_id[tagged], return_inverse=True)
    flight_length = np.bincount(position, weights=length[tagged], minlength=len(flights))
    share = length[tagged] / np.maximum(flight_length[position], 0.01)
    rise[tagged] = step_count[tagged] * RISER_M * share
    return rise


def min_weight_csr(u: np.ndarray, v: np.ndarray, seconds: np.ndarray, n: int) -> sparse.csr_array:
    """Return an n × n CSR matrix of edge seconds, parallel edges reduced to their minimum.

    Zero-second edges are kept as explicit zeros, which scipy's graph
    routines treat as edges.
    """
    u = np.asarray(u, np.int64)
    v = np.asarray(v, np.int64)
    key = u * n + v
    order = np.argsort(key, kind="stable")
    key, seconds = key[order], np.asarray(seconds, float)[order]
    first = np.ones(len(key), bool)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    best = np.minimum.reduceat(seconds, starts) if len(starts) else seconds[:0]
    rows, cols = key[starts] // n, key[starts] % n
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return sparse.csr_array((best, cols, indptr), shape=(n, n))


class CsrGraph(NamedTuple):
    """A directed graph as compact CSR arrays of walking seconds.

    A named tuple, so the engine's compiled kernels take it as one argument.
    """

    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.indptr) - 1

    @classmethod
    def from_matrix(cls, matrix: sparse.csr_array) -> CsrGraph:
        """Take the arrays of a canonical CSR matrix (sorted, no duplicates)."""
        return cls(
            indptr=np.ascontiguousarray(matrix.indptr, dtype=np.int64),
            indices=np.ascontiguousarray(matrix.indices, dtype=np.int64),
            weights=np.ascontiguousarray(matrix.data, dtype=np.float64),
        )


@dataclass
class WalkNetwork:
    """A walking network in a projected CRS with seconds per directed segment.

    Attributes
    ----------
    crs : str
        The projected CRS of ``x`` and ``y`` (a UTM zone).
    osm_id : numpy.ndarray
        OSM node id of each node (int64); node ``i`` is row ``i``.
    x, y : numpy.ndarray
        Node coordinates in metres.
    a, b : numpy.ndarray
        End nodes of each undirected segment (int64 indices).
    length_m : numpy.ndarray
        Segment length.
    seconds_ab, seconds_ba : numpy.ndarray
        Walking seconds from ``a`` to ``b`` and back (``inf`` if impassable).
    highway : numpy.ndarray
        OSM highway value of each segment.
    step_rise_m, incline : numpy.ndarray, optional
        Per segment: rise of a flight from ``step_count``, and ``incline`` along a → b
        (see :mod:`circle.build.terrain`).
    elevation : numpy.ndarray, optional
        Height of each node from a DEM (NaN where unknown); None without a DEM.
    terrain : dict
        What the DEM and the steps' tags did (for the summary).
    off_ground : numpy.ndarray, optional
        Per segment: on a bridge, in a tunnel or on a layer other than 0
        (never where a resident steps on while a street at ground level is near).
    """

    crs: str
    osm_id: np.ndarray
    x: np.ndarray
    y: np.ndarray
    a: np.ndarray
    b: np.ndarray
    length_m: np.ndarray
    seconds_ab: np.ndarray
    seconds_ba: np.ndarray
    highway: np.ndarray
    profile_name: str = ""
    dropped: dict = field(default_factory=dict)
    step_rise_m: np.ndarray | None = None
    incline: np.ndarray | None = None
    elevation: np.ndarray | None = None
    terrain: dict = field(default_factory=dict)
    off_ground: np.ndarray | None = None
    _csr_cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.x)

    @property
    def n_segments(self) -> int:
        """Number of undirected segments."""
        return len(self.a)

    @classmethod
    def from_ways(
        cls,
        ways: WalkWays,
        profile: WalkingProfile,
        crs: str,
        keep_within=None,
        dem=None,
    ) -> WalkNetwork:
        """Build the network from walkable ways read from OSM.

        Parameters
        ----------
        ways : WalkWays
            Segments in WGS-84 from :func:`circle.sources.osm.read_osm`.
        profile : WalkingProfile
            Flat and steps speeds.
        crs : str
            Projected CRS to work in.
        keep_within : shapely.Geometry, optional
            A polygon in ``crs``; segments with an end outside it are dropped.
        dem : circle.build.terrain.Dem, optional
            Heights: segments then follow Tobler's hiking function, each direction its own.

        Returns
        -------
        WalkNetwork
            The network, not yet cut to its connected part.

        Raises
        ------
        NetworkError
            When no walkable segment is left.
        """
        if ways.is_empty:
            raise NetworkError(NO_WALKABLE_WAYS)
        x_all, y_all = transform_xy(ways.node_lon, ways.node_lat, WGS84, crs)
        position = pd.Series(np.arange(len(ways.node_ids)), index=ways.node_ids)
        ua = position.loc[ways.u].to_numpy()
        vb = position.loc[ways.v].to_numpy()
        keep = np.ones(len(ua), bool)
        if keep_within is not None:
            inside = shapely.contains_xy(keep_within, x_all, y_all)
            keep &= inside[ua] & inside[vb]
        highway = ways.highway
        off_ground = ways.off_ground if ways.off_ground is not None else np.zeros(len(ua), bool)
        step_count = ways.step_count if ways.step_count is not None else np.full(len(ua), np.nan)
        incline = ways.incline if ways.incline is not None else np.full(len(ua), np.nan)
        way_id = ways.way_id
        if not profile.steps_passable:
            keep &= highway != STEPS
        ua, vb, highway, off_ground = ua[keep], vb[keep], highway[keep], off_ground[keep]
        step_count, incline, way_id = step_count[keep], incline[keep], way_id[keep]
        if len(ua) == 0:
            raise NetworkError(
                "no walkable ways lie inside the study area. Check the bounding box or polygon "
                "(west,south,east,north in degrees) against the extract's coverage."
            )
        # Reindex to the nodes still used, and drop duplicated segments.
        used, inverse = np.unique(np.concatenate([ua, vb]), return_inverse=True)
        a, b = inverse[: len(ua)], inverse[len(ua) :]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        incline = np.where(a > b, -incline, incline)  # keep it along lo → hi
        _, unique_rows = np.unique(np.column_stack([lo, hi]), axis=0, return_index=True)
        unique_rows = np.sort(unique_rows)
        a, b, highway, off_ground = lo[unique_rows], hi[unique_rows], highway[unique_rows], off_ground[unique_rows]
        step_count, incline, way_id = step_count[unique_rows], incline[unique_rows], way_id[unique_rows]
        x, y = x_all[used], y_all[used]
        length = np.hypot(x[a] - x[b], y[a] - y[b])
        step_rise = _flight_rise(step_count, way_id, length, highway == STEPS)
        elevation = dem.sample(x, y, crs) if dem is not None else None
        network = cls(
            crs=crs,
            osm_id=ways.node_ids[used],
            x=x,
            y=y,
            a=a.astype(np.int64),
            b=b.astype(np.int64),
            length_m=length,
            seconds_ab=length.copy(),
            seconds_ba=length.copy(),
            highway=highway,
            profile_name=profile.name,
            step_rise_m=step_rise,
            incline=incline,
            elevation=elevation,
            off_ground=np.asarray(off_ground, bool),
        )
        network.set_seconds(profile)
        return network

    def set_seconds(self, profile: WalkingProfile, flat: bool = False) -> None:
        """Compute each segment's seconds both ways from its length, steps' tags and (unless ``flat``) heights."""
        from circle.build.terrain import segment_seconds

        dz = None
        if self.elevation is not None and not flat:
            dz = self.elevation[self.b] - self.elevation[self.a]
        seconds_ab, seconds_ba, counts = segment_seconds(
            self.length_m, self.highway == STEPS, profile, dz, self.step_rise_m, self.incline
        )
        self.seconds_ab, self.seconds_ba = seconds_ab, seconds_ba
        self._csr_cache.clear()
        if self.elevation is not None and not flat:
            known = np.isfinite(self.elevation)
            slopes = np.abs(dz[np.isfinite(dz)]) / np.maximum(self.length_m[np.isfinite(dz)], 0.01)
            counts.update(
                nodes_with_height=int(known.sum()),
                nodes_without_height=int((~known).sum()),
                median_abs_slope=round(float(np.median(slopes)), 4) if len(slopes) else None,
            )
        self.terrain = counts

    def flat_copy(self, profile: WalkingProfile) -> WalkNetwork:
        """Return the same network with seconds as on flat ground (to compare a DEM run with)."""
        copy = self.subset(np.ones(self.n_nodes, bool))
        copy.set_seconds(profile, flat=True)
        return copy

    # -- structure ---------------------------------------------------------

    def components(self) -> np.ndarray:
        """Return the connected-component label of every node (undirected; found once per network)."""
        if "components" not in self._csr_cache:
            n = self.n_nodes
            graph = sparse.coo_array((np.ones(self.n_segments), (self.a, self.b)), shape=(n, n))
            self._csr_cache["components"] = csgraph.connected_components(graph, directed=False)[1]
        return self._csr_cache["components"]

    def subset(self, node_mask: np.ndarray) -> WalkNetwork:
        """Return the network restricted to the nodes where ``node_mask`` is true."""
        keep_segment = node_mask[self.a] & node_mask[self.b]
        new_index = np.full(self.n_nodes, -1, np.int64)
        new_index[node_mask] = np.arange(int(node_mask.sum()))
        return WalkNetwork(
            crs=self.crs,
            osm_id=self.osm_id[node_mask],
            x=self.x[node_mask],
            y=self.y[node_mask],
            a=new_index[self.a[keep_segment]],
            b=new_index[self.b[keep_segment]],
            length_m=self.length_m[keep_segment],
            seconds_ab=self.seconds_ab[keep_segment],
            seconds_ba=self.seconds_ba[keep_segment],
            highway=self.highway[keep_segment],
            profile_name=self.profile_name,
            dropped=dict(self.dropped),
            step_rise_m=None if self.step_rise_m is None else self.step_rise_m[keep_segment],
            incline=None if self.incline is None else self.incline[keep_segment],
            elevation=None if self.elevation is None else self.elevation[node_mask],
            terrain=dict(self.terrain),
            off_ground=None if self.off_ground is None else self.off_ground[keep_segment],
        )

    def directed_edges(self) -> pd.DataFrame:
        """Return every directed edge: ``u``, ``v``, ``length_m``, ``seconds``, ``highway``, ``off_ground``.

        Both directions of a two-way segment are listed; an impassable
        direction (infinite seconds) is left out.
        """
        frame = pd.DataFrame(
            {
                "u": np.concatenate([self.a, self.b]),
                "v": np.concatenate([self.b, self.a]),
                "length_m": np.concatenate([self.length_m, self.length_m]),
                "seconds": np.concatenate([self.seconds_ab, self.seconds_ba]),
                "highway": np.concatenate([self.highway, self.highway]),
                "off_ground": np.concatenate([self.ground_flags(), self.ground_flags()]),
            }
        )
        return frame[np.isfinite(frame["seconds"])].reset_index(drop=True)

    def ground_flags(self) -> np.ndarray:
        """Per segment, whether it is off the ground (False everywhere when the source did not say)."""
        return self.off_ground if self.off_ground is not None else np.zeros(self.n_segments, bool)

    def adjacency(self, reverse: bool = False) -> sparse.csr_array:
        """Return the directed adjacency matrix of walking seconds.

        Parameters
        ----------
        reverse : bool
            Transpose it (for searches towards a destination).

        Returns
        -------
        scipy.sparse.csr_array
            ``n_nodes`` square; entry (u, v) is the quickest seconds from u to v.
        """
        csr = self.csr(reverse)
        n = self.n_nodes
        return sparse.csr_array((csr.weights, csr.indices, csr.indptr), shape=(n, n))

    def csr(self, reverse: bool = False) -> CsrGraph:
        """Return the (reversed) adjacency as compact arrays, built once per network.

        Parallel segments between the same two nodes keep their quickest time.
        """
        key = "reverse" if reverse else "forward"
        if key not in self._csr_cache:
            u = np.concatenate([self.a, self.b])
            v = np.concatenate([self.b, self.a])
            seconds = np.concatenate([self.seconds_ab, self.seconds_ba])
            passable = np.isfinite(seconds)
            u, v, seconds = u[passable], v[passable], seconds[passable]
            if reverse:
                u, v = v, u
            self._csr_cache[key] = CsrGraph.from_matrix(min_weight_csr(u, v, seconds, self.n_nodes))
        return self._csr_cache[key]

    def lonlat(self) -> tuple[np.ndarray, np.ndarray]:
        """Return node coordinates in WGS-84 degrees."""
        return transform_xy(self.x, self.y, self.crs, WGS84)

    def segments_touching(self, nodes: np.ndarray) -> np.ndarray:
        """Return the (sorted, unique) segments with an end among ``nodes``."""
        if "incidence" not in self._csr_cache:
            ends = np.concatenate([self.a, self.b])
            order = np.argsort(ends, kind="stable")
            ptr = np.zeros(self.n_nodes + 1, np.int64)
            np.cumsum(np.bincount(ends, minlength=self.n_nodes), out=ptr[1:])
            self._csr_cache["incidence"] = (ptr, (order % self.n_segments).astype(np.int64))
        ptr, segment_of = self._csr_cache["incidence"]
        nodes = np.asarray(nodes, np.int64)
        counts = ptr[nodes + 1] - ptr[nodes]
        starts = np.repeat(ptr[nodes], counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        return np.unique(segment_of[starts + offsets])

    @cached_property
    def segment_grid(self) -> SegmentGrid:
        """The segments filed in a grid, for nearest-segment searches (built once per network)."""
        return SegmentGrid.build(self.x[self.a], self.y[self.a], self.x[self.b], self.y[self.b])

    # -- access --------------------------------------------------------------

    def snap(
        self,
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
        if len(owner) == 0 or self.n_segments == 0:
            return AccessTable.empty()
        x, y = np.asarray(x, float), np.asarray(y, float)
        segment, distance, fraction = self.nearest_segments(x, y, max_snap_m)
        return self.access_rows(owner, x, y, segment, distance, fraction, speed_m_s, towards_point)

    @cached_property
    def on_main_piece(self) -> np.ndarray:
        """Per segment, whether it lies on the largest connected piece of the network."""
        if self.n_segments == 0:
            return np.zeros(0, bool)
        labels = self.components()
        return labels[self.a] == int(np.argmax(np.bincount(labels)))

    def nearest_segments(self, x: np.ndarray, y: np.ndarray, max_snap_m: float):
        """Return the segment each point steps onto, its distance and the projection's fraction along it.

        A point steps onto the nearest ground-level segment of the network's
        largest connected piece when one lies within ``max_snap_m``; failing
        that onto a bridge, tunnel or upper layer of that piece; only where
        nothing of it is near (the point's whole neighbourhood is a detached
        piece) onto the nearest segment of any piece. A viaduct overhead or a
        path ring sharing no node with the streets is never where a resident
        enters the network while a street is within reach. ``-1`` where
        nothing is near.
        """
        x, y = np.asarray(x, float), np.asarray(y, float)
        ground = ~self.ground_flags()
        tiers = ([] if ground.all() else [self.on_main_piece & ground]) + [self.on_main_piece, None]
        segment = np.full(len(x), -1, np.int64)
        distance = np.full(len(x), np.inf)
        fraction = np.zeros(len(x))
        away = np.arange(len(x))
        for allowed in tiers:
            if allowed is not None and allowed.all():
                allowed = None
            found = self.segment_grid.nearest(x[away], y[away], max_snap_m, allowed=allowed)
            segment[away], distance[away], fraction[away] = found
            away = away[found[0] < 0]
            if not len(away) or allowed is None:
                break
        return segment, distance, fraction

    def access_rows(
        self,
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
        ``towards_point`` (see :meth:`snap`).
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
        a_side = self.seconds_ab if towards_point else self.seconds_ba
        b_side = self.seconds_ba if towards_point else self.seconds_ab
        with np.errstate(invalid="ignore"):
            to_a = off_s + np.where(fraction > 0, fraction * a_side[segment_idx], 0.0)
            to_b = off_s + np.where(fraction < 1, (1.0 - fraction) * b_side[segment_idx], 0.0)
        px, py = x[point_idx], y[point_idx]
        table = AccessTable(
            owner=np.concatenate([owner[point_idx], owner[point_idx]]),
            node=np.concatenate([self.a[segment_idx], self.b[segment_idx]]),
            seconds=np.concatenate([to_a, to_b]),
            x=np.concatenate([px, px]),
            y=np.concatenate([py, py]),
            snap_m=np.concatenate([off_m, off_m]),
        )
        finite = np.isfinite(table.seconds)
        return table.take(np.flatnonzero(finite)).best_per_owner_node()


def keep_reachable_part(
    network: WalkNetwork,
    anchors_x: np.ndarray,
    anchors_y: np.ndarray,
    max_snap_m: float,
) -> WalkNetwork:
    """Keep the connected parts that blocks and facilities reach; report the rest.

    The largest component is always kept. Another component is kept when an
    anchor point (a block or facility access point) steps onto it because no
    segment of the largest one is within reach (see
    :meth:`WalkNetwork.nearest_segments`): an island that residents or
    services actually sit on is not thrown away. Everything else is dropped and counted in
    ``network.dropped``.

    Parameters
    ----------
    network : WalkNetwork
        The full network.
    anchors_x, anchors_y : numpy.ndarray
        Access points of blocks and facilities (study CRS).
    max_snap_m : float
        Snapping limit used for the anchors.

    Returns
    -------
    WalkNetwork
        The kept part, with ``dropped`` holding the count of dropped
        components, nodes, segments and their length.
    """
    labels = network.components()
    sizes = np.bincount(labels)
    kept_labels = {int(np.argmax(sizes))}
    if len(anchors_x):
        segment_idx, _, _ = network.nearest_segments(anchors_x, anchors_y, max_snap_m)
        segment_idx = segment_idx[segment_idx >= 0]
        kept_labels.update(int(label) for label in np.unique(labels[network.a[segment_idx]]))
    node_mask = np.isin(labels, list(kept_labels))
    dropped_segments = ~(node_mask[network.a] & node_mask[network.b])
    kept = network.subset(node_mask)
    kept.dropped = {
        "components": int(len(sizes) - len(kept_labels)),
        "nodes": int((~node_mask).sum()),
        "segments": int(dropped_segments.sum()),
        "length_m": round(float(network.length_m[dropped_segments].sum()), 1),
        "kept_components": len(kept_labels),
    }
    return kept
