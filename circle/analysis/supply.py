"""Supply and demand: the enhanced two-step floating catchment (E2SFCA).

For facility j with capacity S_j and blocks i with population P_i at walking
time t_ij within the catchment, using the preset's time bands and weights W:

    R_j = S_j / Σ_i P_i · W(t_ij)          (step 1: supply per weighted resident)
    A_i = Σ_j R_j · W(t_ij)                (step 2: accessibility of block i)

A facility is over-subscribed when its weighted demand Σ_i P_i · W(t_ij)
exceeds ``residents_per_capacity_unit`` × S_j. Only facilities with a known
capacity (OSM ``capacity`` or ``beds``) take part; categories where none is
known are reported as such, never filled with invented capacities.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from circle.engine import PreparedOrigins
from circle.prepare.network import AccessTable, WalkNetwork


def band_weight(seconds: np.ndarray, limits_min: list[float], weights: list[float]) -> np.ndarray:
    """Return the E2SFCA weight of each travel time (0 beyond the last band).

    Examples
    --------
    >>> band_weight(np.array([60.0, 400.0, 700.0, 1000.0]), [5, 10, 15], [1.0, 0.68, 0.22]).tolist()
    [1.0, 0.68, 0.22, 0.0]
    """
    seconds = np.asarray(seconds, float)
    result = np.zeros(len(seconds))
    lower = -np.inf
    for limit, weight in zip(limits_min, weights, strict=True):
        inside = (seconds > lower) & (seconds <= limit * 60.0 + 1e-6)
        result[inside] = weight
        lower = limit * 60.0 + 1e-6
    return result


def e2sfca(
    network: WalkNetwork,
    origins: PreparedOrigins,
    population: np.ndarray,
    facility_access: list[AccessTable],
    capacity: np.ndarray,
    limits_min: list[float],
    weights: list[float],
) -> tuple[np.ndarray, pd.DataFrame]:
    """Compute E2SFCA for one category's facilities with known capacity.

    Parameters
    ----------
    network : WalkNetwork
        The network.
    origins : PreparedOrigins
        Block access rows.
    population : numpy.ndarray
        Residents per block position.
    facility_access : list of AccessTable
        How each facility reaches the network.
    capacity : numpy.ndarray
        S_j per facility (all known and positive).
    limits_min, weights : list of float
        Time bands and their weights.

    Returns
    -------
    tuple of (numpy.ndarray, pandas.DataFrame)
        A_i per block, and per facility ``weighted_demand`` and ``ratio`` (R_j).
    """
    catchment = float(max(limits_min)) * 60.0
    pairs = []
    for j, access in enumerate(facility_access):
        hit, seconds = origins.reached_from(network, access.node, access.seconds, catchment)
        pairs.append((j, hit, band_weight(seconds, limits_min, weights)))
    demand = np.array([float((population[hit] * w).sum()) for _, hit, w in pairs])
    ratio = np.divide(capacity, demand, out=np.full(len(capacity), np.nan), where=demand > 0)
    accessibility = np.zeros(len(population))
    for j, hit, w in pairs:
        if demand[j] > 0:
            np.add.at(accessibility, hit, ratio[j] * w)
    return accessibility, pd.DataFrame({"weighted_demand": demand, "ratio": ratio})


def capacity_of(facilities: pd.DataFrame) -> np.ndarray:
    """Return each facility's capacity: ``capacity``, else ``beds``; NaN where unknown or not positive."""
    capacity = pd.to_numeric(facilities.get("capacity"), errors="coerce").to_numpy(float)
    beds = pd.to_numeric(facilities.get("beds"), errors="coerce").to_numpy(float)
    value = np.where(np.isfinite(capacity), capacity, beds)
    return np.where(value > 0, value, np.nan)


def capacity_report(facilities: pd.DataFrame, categories: list[str]) -> dict[str, Any]:
    """Say, per category, how many facilities have a known capacity."""
    capacity = capacity_of(facilities)
    report = {}
    for category in categories:
        mine = (facilities["category"] == category).to_numpy()
        known = int(np.isfinite(capacity[mine]).sum())
        report[category] = {"facilities": int(mine.sum()), "with_capacity": known}
    return report
