"""How walking times change between two states of the same blocks (a closure, a plan, a later year).

Both :func:`circle.analysis.assess.run_whatif` (closures) and
:mod:`circle.analysis.compare` read their per-category figures from here, so
"longer walk", "lost reach" and "cut off" mean one thing everywhere.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from circle.study.columns import time_column

#: Time differences below this (minutes) are rounding, not change.
TIME_TOLERANCE_MIN = 1e-6


def time_changes(
    before: pd.DataFrame,
    after: pd.DataFrame,
    population: np.ndarray | dict[str, np.ndarray],
    categories: list[str],
) -> dict[str, dict[str, Any]]:
    """Per category, who walks longer or shorter to the nearest facility, and who lost or gained any.

    Parameters
    ----------
    before, after : pandas.DataFrame
        The same blocks in the same order, with ``{c}_t1`` columns (minutes).
    population : numpy.ndarray or dict of str to numpy.ndarray
        Residents per block, or per category the residents it counts (the
        age group it serves, :mod:`circle.analysis.demand`).
    categories : list of str
        Category keys.

    Returns
    -------
    dict
        Per category: ``residents_longer`` and ``residents_shorter`` (people
        whose nearest facility is farther or nearer, among those who reach one
        both times), population-weighted ``mean_longer_min`` over them,
        ``max_longer_min``, ``residents_lost_reach`` (a facility within the
        search limit before, none after) and ``residents_gained_reach``.
    """
    out: dict[str, dict[str, Any]] = {}
    for category in categories:
        residents = population[category] if isinstance(population, dict) else population
        out[category] = _time_change(before, after, np.asarray(residents, float), category)
    return out


def _time_change(before: pd.DataFrame, after: pd.DataFrame, population: np.ndarray, category: str) -> dict[str, Any]:
    """Return :func:`time_changes` for one category."""
    column = time_column(category, 1)
    old = before[column].to_numpy(float)
    new = after[column].to_numpy(float)
    both = np.isfinite(old) & np.isfinite(new)
    delta = np.where(both, new - old, 0.0)
    longer = both & (delta > TIME_TOLERANCE_MIN)
    shorter = both & (delta < -TIME_TOLERANCE_MIN)
    lost = np.isfinite(old) & ~np.isfinite(new)
    gained = ~np.isfinite(old) & np.isfinite(new)
    weight_longer = population[longer].sum()
    return {
        "residents_longer": round(float(weight_longer), 1),
        "mean_longer_min": round(float(np.average(delta[longer], weights=population[longer])), 2)
        if weight_longer > 0
        else None,
        "max_longer_min": round(float(delta[longer].max()), 2) if longer.any() else None,
        "residents_shorter": round(float(population[shorter].sum()), 1),
        "residents_lost_reach": round(float(population[lost].sum()), 1),
        "residents_gained_reach": round(float(population[gained].sum()), 1),
    }


def reaches_any(blocks: pd.DataFrame, categories: list[str]) -> np.ndarray:
    """Per block, whether it reaches a facility of any category within the search limit."""
    if not categories:
        return np.zeros(len(blocks), bool)
    return np.column_stack([np.isfinite(blocks[time_column(c, 1)].to_numpy(float)) for c in categories]).any(axis=1)


def cut_off(before: pd.DataFrame, after: pd.DataFrame, categories: list[str]) -> np.ndarray:
    """Per block, whether it reached some facility before and reaches none after (cut off entirely)."""
    return reaches_any(before, categories) & ~reaches_any(after, categories)
