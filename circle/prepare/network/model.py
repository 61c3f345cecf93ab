"""The walking network's model: nodes and segments in projected metres, their CSR graph, and access tables.

A :class:`WalkNetwork` holds every node of the walkable ways (no topological
simplification, so each segment is straight and an isochrone can cut it
exactly) and, per undirected segment, the seconds to walk it each way at a
walking profile. Building it (:mod:`~circle.prepare.network.building`), costing
it (:mod:`~circle.prepare.network.costing`) and connecting points to it
(:mod:`~circle.prepare.network.access`) live beside this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from circle.geo import WGS84, transform_xy
from circle.prepare.network.costing import STEPS, set_seconds
from circle.prepare.network.snapping import SegmentGrid
from circle.standards import WalkingProfile

__all__ = ["STEPS", "AccessTable", "CsrGraph", "WalkNetwork", "min_weight_csr"]


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
        (see :mod:`circle.prepare.terrain`).
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
    def from_ways(cls, ways, profile: WalkingProfile, crs: str, keep_within=None, dem=None) -> WalkNetwork:
        """Build the network from walkable ways read from OSM (:func:`~.building.network_from_ways`)."""
        from circle.prepare.network.building import network_from_ways  # import cycle: building imports this module

        return network_from_ways(ways, profile, crs, keep_within, dem)

    def set_seconds(self, profile: WalkingProfile, flat: bool = False) -> None:
        """Cost each segment both ways (see :func:`~circle.prepare.network.costing.set_seconds`)."""
        set_seconds(self, profile, flat)

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

    def segments_at(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return every (node, segment) pair where the segment ends at one of ``nodes``.

        Returns
        -------
        tuple of numpy.ndarray
            ``which`` (the position in ``nodes`` of each pair's node) and
            ``segment``; the node-to-segment index is built once per network.
        """
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
        return np.repeat(np.arange(len(nodes)), counts), segment_of[starts + offsets]

    def segments_touching(self, nodes: np.ndarray) -> np.ndarray:
        """Return the (sorted, unique) segments with an end among ``nodes``."""
        return np.unique(self.segments_at(nodes)[1])

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
        """Connect points to the network through their nearest segment (:func:`~.access.snap_points`)."""
        from circle.prepare.network.access import snap_points  # import cycle: access imports this module

        return snap_points(self, owner, x, y, speed_m_s, max_snap_m, towards_point)

    @cached_property
    def piece_size(self) -> np.ndarray:
        """Per segment, the number of nodes of the connected piece of the network it lies on."""
        if self.n_segments == 0:
            return np.zeros(0, np.int64)
        labels = self.components()
        return np.bincount(labels)[labels[self.a]]

    def nearest_segments(self, x: np.ndarray, y: np.ndarray, max_snap_m: float):
        """Return the segment each point steps onto (see :func:`~circle.prepare.network.access.nearest_segments`)."""
        from circle.prepare.network.access import nearest_segments  # import cycle: access imports this module

        return nearest_segments(self, x, y, max_snap_m)

    def access_rows(self, owner, x, y, segment, distance, fraction, speed_m_s: float, towards_point: bool = False):
        """Turn snapped points into access rows (see :func:`~circle.prepare.network.access.access_rows`)."""
        from circle.prepare.network.access import access_rows  # import cycle: access imports this module

        return access_rows(self, owner, x, y, segment, distance, fraction, speed_m_s, towards_point)
