"""Sparse-graph backend: scipy's Dijkstra from every facility, in chunks.

For each category, a time-limited Dijkstra runs from every facility's
virtual node on the *reversed* augmented graph, so the distance it finds at a
block's virtual node is the walk from the block to that facility. Chunks of
facilities are searched together; the k smallest times and the counts within
each threshold are merged across chunks. Exact, simple, and fast when the
number of facilities times the network size stays moderate.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csgraph
from tqdm.auto import tqdm

from circle.engine._base import CategoryReach, ReachProblem, top_k_merge

#: upper bound on the floats held by one chunk's distance matrix (about 256 MB).
CHUNK_FLOATS = 32_000_000
#: a facility this close past a threshold (float rounding) still counts within it.
COUNT_TOLERANCE_S = 1e-6


class CsgraphBackend:
    """Exact k-nearest and threshold counts with :func:`scipy.sparse.csgraph.dijkstra`."""

    name = "csgraph"

    def solve(self, problem: ReachProblem, progress: bool = False) -> dict[str, CategoryReach]:
        """Solve ``problem`` for every category.

        Parameters
        ----------
        problem : ReachProblem
            Network, access tables and parameters.
        progress : bool
            Show a progress bar over facilities.

        Returns
        -------
        dict of str to CategoryReach
            One answer per category key.
        """
        graph = problem.augmented()
        reversed_matrix = graph.matrix(reverse=True)
        origin_nodes = graph.origin_nodes()
        thresholds = np.asarray(problem.thresholds_s, float)
        chunk = max(1, CHUNK_FLOATS // max(graph.n_nodes, 1))
        total = sum(len(d.ids) for d in problem.destinations.values())
        bar = tqdm(total=total, desc="reach (csgraph)", unit="facility", disable=not progress, leave=False)
        results = {}
        for category, destinations in problem.destinations.items():
            reach = CategoryReach.empty(problem.n_origins, problem.k, len(thresholds))
            nodes = graph.destination_nodes(category)
            reachable = np.unique(destinations.access.owner)
            for start in range(0, len(reachable), chunk):
                positions = reachable[start : start + chunk]
                distances = csgraph.dijkstra(
                    reversed_matrix, directed=True, indices=nodes[positions], limit=problem.limit_s
                )[:, origin_nodes].T  # (n_origins, chunk)
                distances[~np.isfinite(distances)] = np.nan
                reach.counts += np.stack([(distances <= t + COUNT_TOLERANCE_S).sum(axis=1) for t in thresholds], axis=1)
                candidate_ids = np.broadcast_to(positions, distances.shape)
                reach.seconds, reach.nearest = top_k_merge(
                    reach.seconds, reach.nearest, distances, candidate_ids, problem.k
                )
                bar.update(len(positions))
            reach.nearest[np.isnan(reach.seconds)] = -1
            results[category] = reach
        bar.close()
        return results
