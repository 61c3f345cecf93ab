"""What-if at engine level: add one facility and update every block it affects.

Only the new facility is searched (a bounded Dijkstra from its access points
on the reversed network, up to the search limit); blocks it reaches take it
into their k nearest where it is nearer than their current k-th, and count
it within every threshold it falls under. Nothing else is recomputed, so the
result equals a full recomputation with the facility added.
"""

from __future__ import annotations

import numpy as np

from circle.build.network import AccessTable, WalkNetwork
from circle.engine._base import CategoryReach, top_k_merge
from circle.engine._labels import COUNT_TOLERANCE_S, PreparedOrigins


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
