"""A saved study's reach as the engine's arrays, and a scenario's reach back as the study's columns.

The engine knows nothing of the study folder: :func:`saved_reach` reads a
study's tables into a :class:`~circle.engine.whatif.SavedReach` (and
:func:`study_problem` into the :class:`~circle.engine.ReachProblem` it was
computed from); :func:`blocks_with_reach` writes a
:class:`~circle.engine.whatif.ScenarioEngine`'s current reach in the layout of
``blocks.parquet``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from circle.engine import CategoryReach, Destinations, ReachProblem
from circle.engine.whatif import SavedReach, ScenarioEngine
from circle.prepare.network import AccessTable
from circle.study import Study
from circle.study.columns import BLOCK_ID, CATEGORY, FACILITY_ID, count_column, nearest_id_column, time_column


def saved_reach(study: Study) -> SavedReach:
    """Return a study's network, origins and per-category reach as the engine reads them."""
    summary = study.summary
    k = int(summary.parameters.k_nearest)
    thresholds_min = tuple(summary.parameters.thresholds_min)
    blocks = study.blocks
    block_ids, block_access = block_access_by_position(study)
    categories = {}
    for category, (ids, access) in category_access(study).items():
        index = pd.Series(np.arange(len(ids)), index=ids)
        seconds = np.column_stack([blocks[time_column(category, r)].to_numpy(float) * 60.0 for r in range(1, k + 1)])
        nearest = np.full((len(blocks), k), -1, np.int64)
        nearest[:, 0] = blocks[nearest_id_column(category)].map(index).fillna(-1).to_numpy(np.int64)
        counts = np.column_stack([blocks[count_column(category, m)].to_numpy(np.int64) for m in thresholds_min])
        categories[category] = (list(ids), access, CategoryReach(seconds, nearest, counts))
    return SavedReach(
        network=study.network,
        crs=study.crs,
        block_ids=block_ids,
        block_access=block_access,
        categories=categories,
        k=k,
        thresholds_min=thresholds_min,
        limit_s=summary.parameters.search_limit_s,
        speed_m_s=summary.profile.speed,
        max_snap_m=float(summary.parameters.max_snap_m),
    )


def scenario_engine(study: Study) -> ScenarioEngine:
    """Return a scenario engine holding the study's reach (private to the caller: the study is not modified)."""
    return ScenarioEngine(saved_reach(study))


def reach_columns(engine: ScenarioEngine) -> list[str]:
    """Return the blocks' columns the engine's reach fills (:func:`blocks_with_reach` writes them, and only them)."""
    columns = []
    for category in engine.states:
        columns += [time_column(category, rank + 1) for rank in range(engine.k)]
        columns += [count_column(category, minutes) for minutes in engine.thresholds_min]
        columns.append(nearest_id_column(category))
    return columns


def blocks_with_reach(study: Study, engine: ScenarioEngine) -> pd.DataFrame:
    """Return the study's blocks (no geometry) with the engine's current reach columns, as in ``blocks.parquet``."""
    frame = study.blocks.drop(columns="geometry").copy()
    for category, state in engine.states.items():
        for rank in range(engine.k):
            frame[time_column(category, rank + 1)] = state.reach.seconds[:, rank] / 60.0
        for column, minutes in enumerate(engine.thresholds_min):
            frame[count_column(category, minutes)] = state.reach.counts[:, column].astype(np.int32)
        ids = np.array(state.ids, dtype=object)
        first = state.reach.nearest[:, 0]
        nearest = np.full(len(frame), None, dtype=object)
        nearest[first >= 0] = ids[first[first >= 0]]
        frame[nearest_id_column(category)] = nearest
    return frame


def category_access(study: Study) -> dict[str, tuple[np.ndarray, AccessTable]]:
    """Return, per category of the study, its facility ids and their access rows (owner = position in the ids)."""
    facility_access, facility_ids = study.access_table("facilities")
    facilities = study.facilities
    category_of = facilities.set_index(FACILITY_ID)[CATEGORY]
    owner_category = category_of.reindex(facility_ids).to_numpy(object)[facility_access.owner]
    out = {}
    for category in study.summary.category_keys:
        ids = facilities.loc[facilities[CATEGORY] == category, FACILITY_ID].astype(str).to_numpy(object)
        local = pd.Series(np.arange(len(ids)), index=ids)
        access = facility_access.take(np.flatnonzero(owner_category == category))
        access.owner = local.reindex(facility_ids[access.owner]).to_numpy(np.int64)
        out[category] = (ids, access)
    return out


def block_access_by_position(study: Study) -> tuple[np.ndarray, AccessTable]:
    """Return the study's block ids and their access rows, ``owner`` being the block's row in ``blocks.parquet``."""
    block_ids = study.blocks[BLOCK_ID].astype(str).to_numpy()
    block_access, owner_ids = study.access_table("blocks")
    position = pd.Series(np.arange(len(block_ids)), index=block_ids)
    block_access.owner = position.loc[owner_ids[block_access.owner]].to_numpy()
    return block_ids, block_access


def study_problem(study: Study) -> ReachProblem:
    """Return the reach problem a study was computed from, rebuilt from its own tables."""
    summary = study.summary
    block_ids, block_access = block_access_by_position(study)
    destinations = {c: Destinations(ids, access) for c, (ids, access) in category_access(study).items()}
    return ReachProblem(
        network=study.network,
        origin_access=block_access,
        n_origins=len(block_ids),
        destinations=destinations,
        k=int(summary.parameters.k_nearest),
        thresholds_s=summary.parameters.thresholds_s,
        limit_s=summary.parameters.search_limit_s,
    )
