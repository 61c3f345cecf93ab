"""Catchments: which origins (blocks) lie within a walking time of each of many candidate sites.

One bounded search per site on the reversed network from its access rows,
exactly as adding that facility in a what-if would do; all sites at once, in
compiled code on every core (groups of sites in threads, the kernel releases
the GIL).
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from circle.engine import _kernels as kernels
from circle.engine import _kernels_local as local_kernels
from circle.engine._labels import COUNT_TOLERANCE_S, PreparedOrigins, grouped
from circle.prepare.network import AccessTable, WalkNetwork


def origins_within(
    network: WalkNetwork,
    origins: PreparedOrigins,
    sites: AccessTable,
    n_sites: int,
    threshold_s: float,
    wanted: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the wanted origins within ``threshold_s`` of each site, as ``(ptr, origins)``.

    Parameters
    ----------
    network : WalkNetwork
        The network.
    origins : PreparedOrigins
        The origins' access rows, grouped for the engine.
    sites : AccessTable
        How each site reaches the network (``owner`` = site position).
    n_sites : int
        The number of sites (a site without access rows covers no one).
    threshold_s : float
        The walking time an origin must be within (the engine's count
        tolerance is added, as for counts).
    wanted : numpy.ndarray
        One flag per origin: only these are listed.

    Returns
    -------
    tuple of (numpy.ndarray, numpy.ndarray)
        Site ``i`` covers ``origins[ptr[i]:ptr[i + 1]]`` (ascending positions).
    """
    graph = network.csr(reverse=True)
    order, ptr = grouped(sites.owner, n_sites)
    site_rows = kernels.Groups(ptr, sites.node[order].astype(np.int64), sites.seconds[order].astype(np.float64))
    wanted = np.asarray(wanted, np.bool_)
    limit = float(threshold_s) + COUNT_TOLERANCE_S
    threads = max(1, numba.get_num_threads())
    bounds = np.linspace(0, n_sites, 4 * threads + 1).astype(int)

    def group(pair: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        first, last = pair
        return local_kernels.covered_origins(graph, site_rows, int(first), int(last), origins.by_node, limit, wanted)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        parts = list(pool.map(group, itertools.pairwise(bounds)))
    counts = np.concatenate([c for c, _ in parts]) if parts else np.zeros(0, np.int64)
    covered = np.concatenate([b for _, b in parts]) if parts else np.zeros(0, np.int64)
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), covered
