"""pandana backend: contraction hierarchies, used the way pandana documents.

The augmented graph (see :mod:`circle.engine._base`) is handed to
``pandana.Network`` as directed edges. Virtual nodes get coordinates far
outside the study area, one apart from the next, so that pandana's mapping
of POI coordinates to nodes lands each facility on its own virtual node.
``nearest_pois`` gives the k nearest; ``aggregate`` (sum of ones, flat decay)
gives the counts within each threshold.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys

import numpy as np
import pandas as pd

try:
    import pandana
except ImportError:  # pragma: no cover - pandana is pinned; solve() says what to do
    pandana = None

from circle.engine._base import CategoryReach, ReachProblem
from circle.errors import EngineError

#: virtual nodes sit this far (metres) west of the network, spaced 1 m apart.
_VIRTUAL_OFFSET_M = 1.0e6
#: pandana keeps weights in single precision: a facility this close past a
#: threshold still counts within it.
_COUNT_TOLERANCE_S = 0.01


class PandanaBackend:
    """Reach through ``pandana.Network.nearest_pois`` and ``aggregate``."""

    name = "pandana"

    def solve(self, problem: ReachProblem, progress: bool = False) -> dict[str, CategoryReach]:
        """Solve ``problem`` for every category (see :class:`~circle.engine._base.Backend`)."""
        if pandana is None:  # pragma: no cover - pandana is pinned
            raise EngineError("the pandana backend needs the pandana package; run scripts/setup.sh.")
        graph = problem.augmented()
        network = problem.network
        n_virtual = graph.n_nodes - graph.n_network
        west = float(network.x.min()) - _VIRTUAL_OFFSET_M
        south = float(network.y.min())
        x = np.concatenate([network.x, west + np.arange(n_virtual, dtype=float)])
        y = np.concatenate([network.y, np.full(n_virtual, south)])
        node_ids = np.arange(graph.n_nodes, dtype=np.int64)
        nodes = pd.DataFrame({"x": x, "y": y}, index=node_ids)
        weights = pd.DataFrame({"seconds": np.maximum(graph.seconds, 1e-6)})
        with _quiet(not progress):
            net = pandana.Network(nodes["x"], nodes["y"], pd.Series(graph.u), pd.Series(graph.v), weights, twoway=False)
            net.precompute(problem.limit_s + 1.0)
        origin_nodes = graph.origin_nodes()
        results = {}
        for category, destinations in problem.destinations.items():
            reach = CategoryReach.empty(problem.n_origins, problem.k, len(problem.thresholds_s))
            if len(destinations.access) == 0:
                results[category] = reach
                continue
            dest_nodes = graph.destination_nodes(category)
            positions = np.unique(destinations.access.owner)
            with _quiet(not progress):
                net.set_pois(
                    category=category,
                    maxdist=problem.limit_s,
                    maxitems=problem.k,
                    x_col=pd.Series(x[dest_nodes[positions]], index=positions),
                    y_col=pd.Series(y[dest_nodes[positions]], index=positions),
                )
                nearest = net.nearest_pois(
                    problem.limit_s,
                    category,
                    num_pois=problem.k,
                    max_distance=np.nan,
                    include_poi_ids=True,
                )
            nearest = nearest.loc[origin_nodes]
            seconds = nearest[[i + 1 for i in range(problem.k)]].to_numpy(dtype=float)
            ids = nearest[[f"poi{i + 1}" for i in range(problem.k)]].to_numpy(dtype=float)
            reach.seconds = np.where(seconds <= problem.limit_s, seconds, np.nan)
            reach.nearest = np.where(np.isnan(reach.seconds) | np.isnan(ids), -1, ids).astype(np.int64)
            net.set(
                pd.Series(dest_nodes[positions]),
                variable=pd.Series(np.ones(len(positions))),
                name=f"n_{category}",
            )
            for column, threshold in enumerate(problem.thresholds_s):
                with _quiet(not progress):
                    counted = net.aggregate(
                        threshold + _COUNT_TOLERANCE_S, type="sum", decay="flat", name=f"n_{category}"
                    )
                reach.counts[:, column] = np.rint(counted.loc[origin_nodes].to_numpy()).astype(np.int64)
            results[category] = reach
        return results


@contextlib.contextmanager
def _quiet(enabled: bool):
    """Silence pandana's C++ progress output (it writes to the process's stdout)."""
    if not enabled:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
