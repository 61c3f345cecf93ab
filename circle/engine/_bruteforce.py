"""Reference backend: one plain Dijkstra per block, in pure Python.

Slow (use it on small graphs only) and deliberately simple, so that its
answers can be trusted as an oracle for the fast backends.
"""

from __future__ import annotations

import heapq
from collections import defaultdict

import numpy as np

from circle.engine._base import CategoryReach, ReachProblem


class BruteForceBackend:
    """A textbook Dijkstra from every origin over the augmented graph."""

    name = "bruteforce"

    def solve(self, problem: ReachProblem, progress: bool = False) -> dict[str, CategoryReach]:
        """Solve ``problem`` for every category (see :class:`~circle.engine._base.Backend`)."""
        graph = problem.augmented()
        neighbours: dict[int, list[tuple[int, float]]] = defaultdict(list)
        for u, v, w in zip(graph.u.tolist(), graph.v.tolist(), graph.seconds.tolist(), strict=True):
            neighbours[u].append((v, w))
        results = {
            c: CategoryReach.empty(problem.n_origins, problem.k, len(problem.thresholds_s))
            for c in problem.destinations
        }
        node_to_facility = {}
        for category in problem.destinations:
            for position, node in enumerate(graph.destination_nodes(category).tolist()):
                node_to_facility[node] = (category, position)
        for origin, source in enumerate(graph.origin_nodes().tolist()):
            found = defaultdict(list)
            for node, seconds in _dijkstra(neighbours, source, problem.limit_s).items():
                if node in node_to_facility:
                    category, position = node_to_facility[node]
                    found[category].append((seconds, position))
            for category, hits in found.items():
                hits.sort()
                reach = results[category]
                for rank, (seconds, position) in enumerate(hits[: problem.k]):
                    reach.seconds[origin, rank] = seconds
                    reach.nearest[origin, rank] = position
                times = np.array([s for s, _ in hits])
                reach.counts[origin] = [(times <= t).sum() for t in problem.thresholds_s]
        return results


def _dijkstra(neighbours, source: int, limit: float) -> dict[int, float]:
    settled: dict[int, float] = {}
    heap = [(0.0, source)]
    while heap:
        seconds, node = heapq.heappop(heap)
        if node in settled:
            continue
        settled[node] = seconds
        for nxt, weight in neighbours.get(node, ()):
            candidate = seconds + weight
            if candidate <= limit and nxt not in settled:
                heapq.heappush(heap, (candidate, nxt))
    return settled
