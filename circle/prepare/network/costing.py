"""Costing the walking network: seconds per segment each way, from length, steps and (with a DEM) slope."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from circle.prepare.terrain import RISER_M, segment_seconds
from circle.standards import WalkingProfile

if TYPE_CHECKING:
    from circle.prepare.network.model import WalkNetwork

STEPS = "steps"


def flight_rise(step_count: np.ndarray, way_id: np.ndarray, length: np.ndarray, is_steps: np.ndarray) -> np.ndarray:
    """Share each flight's ``step_count`` rise among its segments by length (NaN where untagged)."""
    rise = np.full(len(length), np.nan)
    tagged = is_steps & np.isfinite(step_count)
    if not tagged.any():
        return rise
    flights, position = np.unique(way_id[tagged], return_inverse=True)
    flight_length = np.bincount(position, weights=length[tagged], minlength=len(flights))
    share = length[tagged] / np.maximum(flight_length[position], 0.01)
    rise[tagged] = step_count[tagged] * RISER_M * share
    return rise


def set_seconds(network: WalkNetwork, profile: WalkingProfile, flat: bool = False) -> None:
    """Compute each segment's seconds both ways from its length, steps' tags and (unless ``flat``) heights."""
    dz = None
    if network.elevation is not None and not flat:
        dz = network.elevation[network.b] - network.elevation[network.a]
    seconds_ab, seconds_ba, counts = segment_seconds(
        network.length_m, network.highway == STEPS, profile, dz, network.step_rise_m, network.incline
    )
    network.seconds_ab, network.seconds_ba = seconds_ab, seconds_ba
    network._csr_cache.clear()
    if network.elevation is not None and not flat:
        known = np.isfinite(network.elevation)
        slopes = np.abs(dz[np.isfinite(dz)]) / np.maximum(network.length_m[np.isfinite(dz)], 0.01)
        counts.update(
            nodes_with_height=int(known.sum()),
            nodes_without_height=int((~known).sum()),
            median_abs_slope=round(float(np.median(slopes)), 4) if len(slopes) else None,
        )
    network.terrain = counts
