"""The default backend: k-label multi-source Dijkstra and bounded counts, compiled.

Per category, one k-label Dijkstra from all facilities at once on the reversed
network gives every node its k nearest distinct facilities (each node is
settled at most k times: about k passes over the edges, whatever the number
of facilities). Blocks then take the k best over their access points.
Counts within the thresholds come from one search per facility bounded by
the largest threshold, run in parallel on all cores; their total work is the
sum of the facilities' catchments, i.e. nodes × the mean count.

Unlike :mod:`circle.engine.csgraph`, no virtual nodes are added: the
network's reversed CSR arrays are built once and shared by every category,
the what-if updates and the isochrones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from circle.engine import kernels
from circle.engine.base import CategoryReach, ReachProblem
from circle.network import AccessTable, CsrGraph

#: facilities further than this (float rounding) past a threshold still count within it.
COUNT_TOLERANCE_S = 1e-6


def grouped(owner: np.ndarray, n_owners: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(order, ptr)`` so that rows of owner ``i`` are ``order[ptr[i]:ptr[i+1]]``."""
    order = np.argsort(owner, kind="stable")
    ptr = np.zeros(n_owners + 1, np.int64)
    np.cumsum(np.bincount(owner, minlength=n_owners), out=ptr[1:])
    return order, ptr


@dataclass
class PreparedOrigins:
    """Block access rows grouped by block and by network node, for the kernels."""

    n_origins: int
    origin_ptr: np.ndarray
    origin_node: np.ndarray
    origin_cost: np.ndarray
    node_ptr: np.ndarray
    node_origin: np.ndarray
    node_cost: np.ndarray

    @classmethod
    def build(cls, access: AccessTable, n_origins: int, n_nodes: int) -> PreparedOrigins:
        """Group an origin access table both ways."""
        by_origin, origin_ptr = grouped(access.owner, n_origins)
        by_node, node_ptr = grouped(access.node, n_nodes)
        return cls(
            n_origins=n_origins,
            origin_ptr=origin_ptr,
            origin_node=access.node[by_origin].astype(np.int64),
            origin_cost=access.seconds[by_origin].astype(np.float64),
            node_ptr=node_ptr,
            node_origin=access.owner[by_node].astype(np.int64),
            node_cost=access.seconds[by_node].astype(np.float64),
        )


class LabelBackend:
    """k-label multi-source Dijkstra (numba), with parallel bounded counts."""

    name = "labels"

    def solve(self, problem: ReachProblem, progress: bool = False) -> dict[str, CategoryReach]:
        """Solve ``problem`` for every category (see :class:`~circle.engine.base.Backend`)."""
        graph = problem.network.csr(reverse=True)
        origins = PreparedOrigins.build(problem.origin_access, problem.n_origins, graph.n_nodes)
        return {
            category: solve_category(graph, origins, destinations.access, len(destinations.ids), problem)
            for category, destinations in problem.destinations.items()
        }


def solve_category(
    graph: CsrGraph,
    origins: PreparedOrigins,
    access: AccessTable,
    n_facilities: int,
    problem: ReachProblem,
) -> CategoryReach:
    """Return the k nearest and the counts of one category for every origin."""
    reach = CategoryReach.empty(origins.n_origins, problem.k, len(problem.thresholds_s))
    if len(access) == 0 or origins.n_origins == 0:
        return reach
    node_costs, node_labels = kernels.k_nearest_labels(
        graph.indptr,
        graph.indices,
        graph.weights,
        access.node.astype(np.int64),
        access.seconds.astype(np.float64),
        access.owner.astype(np.int64),
        problem.k,
        float(problem.limit_s),
    )
    costs, labels = kernels.merge_origin_labels(
        origins.origin_ptr, origins.origin_node, origins.origin_cost, node_costs, node_labels, problem.k
    )
    found = np.isfinite(costs) & (costs <= problem.limit_s)
    reach.seconds = np.where(found, costs, np.nan)
    reach.nearest = np.where(found, labels, -1)
    order, fac_ptr = grouped(access.owner, n_facilities)
    thresholds = np.asarray(problem.thresholds_s, np.float64) + COUNT_TOLERANCE_S
    reach.counts = kernels.count_within(
        graph.indptr,
        graph.indices,
        graph.weights,
        fac_ptr,
        access.node[order].astype(np.int64),
        access.seconds[order].astype(np.float64),
        origins.node_ptr,
        origins.node_origin,
        origins.node_cost,
        thresholds,
        origins.n_origins,
        max(1, numba.get_num_threads()),
    )
    return reach
