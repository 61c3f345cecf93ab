"""An independent check of a study: plain scipy Dijkstra over its own tables.

It reads only ``network/edges.parquet``, ``access/*.parquet`` and
``facilities.parquet`` and shares no code with circle's engine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph


def network_matrix(edges: pd.DataFrame, n_nodes: int) -> sparse.csr_array:
    best = edges.groupby(["u", "v"], as_index=False)["seconds"].min()
    return sparse.csr_array(
        (best["seconds"].to_numpy(), (best["u"].to_numpy(), best["v"].to_numpy())), shape=(n_nodes, n_nodes)
    )


def facility_times(
    matrix: sparse.csr_array,
    block_access: pd.DataFrame,
    facility_access: pd.DataFrame,
    limit_s: float,
) -> pd.Series:
    """Seconds from one block (its access rows) to every facility (by id) within ``limit_s``."""
    distances = csgraph.dijkstra(matrix, indices=block_access["node"].to_numpy(), limit=limit_s)
    start = block_access["seconds"].to_numpy()[:, None] + distances  # (access points, nodes)
    best_to_node = start.min(axis=0)
    arrival = best_to_node[facility_access["node"].to_numpy()] + facility_access["seconds"].to_numpy()
    per_facility = pd.Series(arrival, index=facility_access["facility_id"].to_numpy()).groupby(level=0).min()
    return per_facility[per_facility <= limit_s].sort_values()


def check_study(study, block_ids, limit_s: float | None = None, tolerance_s: float = 1.0) -> int:
    """Compare every category's t1..t3 and n15 of ``block_ids`` with the oracle; return checks made."""
    limit_s = limit_s or study.summary.parameters.search_limit_min * 60.0
    matrix = network_matrix(study.edges, len(study.nodes))
    blocks = study.blocks.set_index("block_id")
    facilities = study.facilities
    checks = 0
    for block_id in block_ids:
        access = study.block_access[study.block_access["block_id"] == block_id]
        for category in study.summary.category_keys:
            ids = set(facilities.loc[facilities["category"] == category, "facility_id"])
            fac_access = study.facility_access[study.facility_access["facility_id"].isin(ids)]
            expected = facility_times(matrix, access, fac_access, limit_s) if len(access) else pd.Series(dtype=float)
            row = blocks.loc[block_id]
            for rank in range(3):
                got = row[f"{category}_t{rank + 1}"] * 60.0
                if rank < len(expected):
                    assert abs(got - expected.iloc[rank]) <= tolerance_s, (
                        block_id,
                        category,
                        rank,
                        got,
                        expected,
                    )
                else:
                    assert np.isnan(got), (block_id, category, rank, got)
                checks += 1
            near_threshold = ((expected - 900.0).abs() < 0.01).sum()
            assert abs(int(row[f"{category}_n15"]) - int((expected <= 900.0).sum())) <= near_threshold
            if len(expected):
                best = expected[expected == expected.iloc[0]].index
                assert row[f"{category}_id1"] in set(best), (block_id, category)
    return checks
