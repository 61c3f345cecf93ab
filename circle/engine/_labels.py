"""The default backend: k-label multi-source Dijkstra and bounded counts, compiled.

Per category, one k-label Dijkstra from all facilities at once on the reversed
network gives every node its k nearest distinct facilities (each node is
settled at most k times: about k passes over the edges, whatever the number
of facilities). Blocks then take the k best over their access points.
Counts within the thresholds come from one search per facility bounded by
the largest threshold, run in parallel on all cores; their total work is the
sum of the facilities' catchments, i.e. nodes × the mean count.

Unlike :mod:`circle.engine._csgraph`, no virtual nodes are added: the
network's reversed CSR arrays are built once and shared by every category,
the what-if updates and the isochrones.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numba
import numpy as np

from circle.engine import _kernels as kernels
from circle.engine import _kernels_local as local_kernels
from circle.engine._base import CategoryReach, ReachProblem
from circle.engine._kernels import Groups, Regions, Starts
from circle.prepare.network import AccessTable, CsrGraph, min_weight_csr

#: facilities further than this (float rounding) past a threshold still count within it.
COUNT_TOLERANCE_S = 1e-6
#: the k-label search goes region by region, squares this many reaches wide (about 40 km walking at
#: 1.1 m/s), once the network spans one and a half of them. Measured on the 100-tile mosaic: one search
#: over the whole city 8.0 s, regions of 15 reaches 4.0 s, of 22 reaches 3.5 s (the margin of one reach
#: around each region costs (1 + 2/20)² = 1.21 × the work; a search over a whole city misses the cache
#: at nearly every step).
REGION_REACHES = 20.0


def grouped(owner: np.ndarray, n_owners: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(order, ptr)`` so that rows of owner ``i`` are ``order[ptr[i]:ptr[i+1]]``."""
    order = np.argsort(owner, kind="stable")
    ptr = np.zeros(n_owners + 1, np.int64)
    np.cumsum(np.bincount(owner, minlength=n_owners), out=ptr[1:])
    return order, ptr


@dataclass
class PreparedOrigins:
    """Block access rows grouped by block and by network node, for the kernels.

    Attributes
    ----------
    n_origins : int
        The number of origins (blocks).
    by_origin : Groups
        Each origin's access rows: the nodes it reaches and the seconds to them.
    by_node : Groups
        Each network node's access rows: the origins reaching it and their seconds.
    """

    n_origins: int
    by_origin: Groups
    by_node: Groups

    @classmethod
    def build(cls, access: AccessTable, n_origins: int, n_nodes: int) -> PreparedOrigins:
        """Group an origin access table both ways."""
        by_origin, origin_ptr = grouped(access.owner, n_origins)
        by_node, node_ptr = grouped(access.node, n_nodes)
        return cls(
            n_origins=n_origins,
            by_origin=Groups(
                origin_ptr, access.node[by_origin].astype(np.int64), access.seconds[by_origin].astype(np.float64)
            ),
            by_node=Groups(
                node_ptr, access.owner[by_node].astype(np.int64), access.seconds[by_node].astype(np.float64)
            ),
        )

    def reached_from(self, network, nodes: np.ndarray, seconds: np.ndarray, limit_s: float):
        """Return ``(origins, seconds)``: the origins a place reaches the other way round within ``limit_s``.

        One search bounded at ``limit_s`` on the reversed network from the
        place's access rows (``nodes``, ``seconds``): the time found at an
        origin is the walk from that origin to the place.
        """
        graph = network.csr(reverse=True)
        reached, costs = kernels.bounded_times(
            graph, np.asarray(nodes, np.int64), np.asarray(seconds, np.float64), float(limit_s)
        )
        return kernels.origin_best(reached, costs, self.by_node, self.n_origins, float(limit_s))


class LabelBackend:
    """k-label multi-source Dijkstra (numba), with parallel bounded counts."""

    name = "labels"

    def solve(self, problem: ReachProblem, progress: bool = False) -> dict[str, CategoryReach]:
        """Solve ``problem`` for every category (see :class:`~circle.engine._base.Backend`).

        The k-label searches of different categories run in parallel threads
        (the compiled kernels release the GIL); the counts of each category
        are parallel inside.
        """
        problem.validate()
        graph, renumber = contracted_reverse_graph(problem)
        layout = SearchLayout.of(problem, graph, renumber)
        origins = PreparedOrigins.build(_renumbered(problem.origin_access, renumber), problem.n_origins, graph.n_nodes)
        destinations = {c: _renumbered(d.access, renumber) for c, d in problem.destinations.items()}
        categories = list(problem.destinations)
        threads = max(1, min(numba.get_num_threads(), len(categories)))
        with ThreadPoolExecutor(max_workers=threads) as pool:
            nearest = dict(
                zip(
                    categories,
                    pool.map(
                        lambda c: nearest_of_category(graph, origins, destinations[c], problem, layout), categories
                    ),
                    strict=True,
                )
            )
        results = {}
        for category in categories:
            reach = nearest[category]
            n_facilities = len(problem.destinations[category].ids)
            reach.counts = counts_of_category(graph, origins, destinations[category], n_facilities, problem)
            results[category] = reach
        return results


def contracted_reverse_graph(problem: ReachProblem) -> tuple[CsrGraph, np.ndarray]:
    """Return the reversed graph with unneeded degree-2 nodes contracted away, and the renumbering.

    Only junctions, dead ends and the nodes where blocks or facilities join
    the network are needed by the searches; every chain of other nodes
    becomes one edge. On unsimplified OSM networks this removes most nodes.

    Returns
    -------
    tuple of (CsrGraph, numpy.ndarray)
        The reversed contracted graph and, for every original node, its new
        index (-1 where contracted away).
    """
    network = problem.network
    keep = np.bincount(np.concatenate([network.a, network.b]), minlength=network.n_nodes) != 2
    keep[problem.origin_access.node] = True
    for destinations in problem.destinations.values():
        keep[destinations.access.node] = True
    renumber = np.full(network.n_nodes, -1, np.int64)
    kept = np.flatnonzero(keep)
    # kept nodes in Z-order of their position: neighbours sit near each other in memory, so a search that
    # spreads over a whole city touches fewer cache lines (the k-label search is memory-bound at city size)
    renumber[kept[np.argsort(_z_order(network.x[kept], network.y[kept]), kind="stable")]] = np.arange(len(kept))
    u, v, seconds = local_kernels.contract_chains(
        network.n_nodes, network.a, network.b, network.seconds_ab, network.seconds_ba, keep
    )
    # reversed: an edge u→v is searched from v back to u
    matrix = min_weight_csr(renumber[v], renumber[u], seconds, int(keep.sum()))
    return CsrGraph.from_matrix(matrix), renumber


def _z_order(x: np.ndarray, y: np.ndarray, cell_m: float = 50.0) -> np.ndarray:
    """Morton code of each point on a grid of ``cell_m`` (16 bits per axis: 3,200 km at 50 m)."""
    if len(x) == 0:
        return np.zeros(0, np.uint64)
    ix = np.clip((x - x.min()) // cell_m, 0, 65535).astype(np.uint64)
    iy = np.clip((y - y.min()) // cell_m, 0, 65535).astype(np.uint64)
    code = np.zeros(len(x), np.uint64)
    for bit in range(16):
        shift = np.uint64(bit)
        code |= ((ix >> shift) & np.uint64(1)) << np.uint64(2 * bit)
        code |= ((iy >> shift) & np.uint64(1)) << np.uint64(2 * bit + 1)
    return code


def _renumbered(access: AccessTable, renumber: np.ndarray) -> AccessTable:
    return AccessTable(access.owner, renumber[access.node], access.seconds, access.x, access.y, access.snap_m)


@dataclass(frozen=True)
class SearchLayout:
    """Where the contracted graph's nodes lie, and how the k-label search cuts it into regions.

    ``reach_m`` is the search limit walked at the fastest speed of any segment, so that no
    walk within the limit leaves a region's margin.
    """

    node_x: np.ndarray
    node_y: np.ndarray
    region_m: float  # 0: one search over the whole graph
    reach_m: float

    @classmethod
    def of(cls, problem: ReachProblem, graph: CsrGraph, renumber: np.ndarray) -> SearchLayout:
        """Lay out the contracted graph of ``problem``; regions only when it spans two of them."""
        network = problem.network
        kept = renumber >= 0
        node_x = np.zeros(graph.n_nodes)
        node_y = np.zeros(graph.n_nodes)
        node_x[renumber[kept]] = network.x[kept]
        node_y[renumber[kept]] = network.y[kept]
        fastest = np.minimum(network.seconds_ab, network.seconds_ba)
        usable = np.isfinite(fastest) & (fastest > 0)
        speed = float((network.length_m[usable] / fastest[usable]).max()) if usable.any() else 0.0
        reach = problem.limit_s * speed
        region = REGION_REACHES * reach
        span = max(np.ptp(node_x), np.ptp(node_y)) if graph.n_nodes else 0.0
        if reach <= 0 or span < 1.5 * region or ((fastest == 0) & (network.length_m > 0)).any():
            region = 0.0  # small, or a zero-time segment makes reach unbounded: one search
        return cls(node_x, node_y, region, reach)


def nearest_of_category(
    graph: CsrGraph,
    origins: PreparedOrigins,
    access: AccessTable,
    problem: ReachProblem,
    layout: SearchLayout | None = None,
) -> CategoryReach:
    """Return the k nearest facilities of one category for every origin (counts left at zero)."""
    empty = np.zeros(graph.n_nodes)
    layout = layout or SearchLayout(empty, empty, 0.0, 0.0)
    reach = CategoryReach.empty(origins.n_origins, problem.k, len(problem.thresholds_s))
    if len(access) == 0 or origins.n_origins == 0:
        return reach
    node_costs, node_labels = kernels.k_nearest_labels(
        graph,
        Starts(access.node.astype(np.int64), access.seconds.astype(np.float64), access.owner.astype(np.int64)),
        problem.k,
        float(problem.limit_s),
        Regions(layout.node_x, layout.node_y, float(layout.region_m), float(layout.reach_m)),
    )
    costs, labels = kernels.merge_origin_labels(origins.by_origin, node_costs, node_labels, problem.k)
    found = np.isfinite(costs) & (costs <= problem.limit_s)
    reach.seconds = np.where(found, costs, np.nan)
    reach.nearest = np.where(found, labels, -1)
    return reach


def counts_of_category(
    graph: CsrGraph, origins: PreparedOrigins, access: AccessTable, n_facilities: int, problem: ReachProblem
) -> np.ndarray:
    """Return ``(n_origins, n_thresholds)`` counts of one category's facilities within each threshold."""
    if len(access) == 0 or origins.n_origins == 0:
        return np.zeros((origins.n_origins, len(problem.thresholds_s)), np.int64)
    order, fac_ptr = grouped(access.owner, n_facilities)
    thresholds = np.asarray(problem.thresholds_s, np.float64) + COUNT_TOLERANCE_S
    facilities = Groups(fac_ptr, access.node[order].astype(np.int64), access.seconds[order].astype(np.float64))
    return kernels.count_within(
        graph, facilities, origins.by_node, thresholds, origins.n_origins, max(1, numba.get_num_threads())
    )
