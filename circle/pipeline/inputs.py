"""The hand-off from the prepare stages to the engine: everything a study is computed from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from circle.engine import Destinations, ReachProblem
from circle.prepare.network import AccessTable, WalkNetwork
from circle.sources.area import StudyArea
from circle.sources.osm import OsmData
from circle.standards import Preset, WalkingProfile
from circle.study.columns import FACILITY_ID


@dataclass
class StudyInputs:
    """Everything a study is computed from: the outcome of the first four stages."""

    preset: Preset
    profile: WalkingProfile
    path: Path
    source_label: str
    checksum: str
    osm: OsmData
    area: StudyArea | None
    crs: str
    blocks: gpd.GeoDataFrame
    block_origin: str
    facilities: gpd.GeoDataFrame
    network: WalkNetwork
    full_size: tuple[int, int]
    block_access: AccessTable
    facility_access: AccessTable
    block_point_owner: np.ndarray
    block_via_entrance: np.ndarray
    max_snap_m: float
    imports: dict[str, Any] = field(default_factory=dict)
    region: str = "world"
    memory_estimate_mb: float | None = None

    def problem(self) -> ReachProblem:
        """Return the reach problem of these inputs."""
        return ReachProblem(
            network=self.network,
            origin_access=self.block_access,
            n_origins=len(self.blocks),
            destinations=_destinations(self.facilities, self.facility_access, self.preset),
            k=self.preset.k_nearest,
            thresholds_s=self.preset.thresholds_s,
            limit_s=self.preset.search_limit_s,
        )


def _destinations(facilities: gpd.GeoDataFrame, access: AccessTable, preset: Preset) -> dict[str, Destinations]:
    destinations = {}
    categories = facilities["category"].to_numpy(object) if len(facilities) else np.zeros(0, object)
    for category in preset.categories:
        positions = np.flatnonzero(categories == category.key)
        local = np.full(len(facilities), -1, np.int64)
        local[positions] = np.arange(len(positions))
        rows = np.flatnonzero(local[access.owner] >= 0) if len(access) else np.zeros(0, np.int64)
        table = access.take(rows)
        table.owner = local[table.owner]
        destinations[category.key] = Destinations(ids=facilities[FACILITY_ID].to_numpy(object)[positions], access=table)
    return destinations
