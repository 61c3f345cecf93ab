"""Figures read off ``blocks.parquet`` as every room needs them: each block's population flag, its gross density."""

from __future__ import annotations

import numpy as np
import pandas as pd

from circle.study.columns import POP_FLAG


def population_flags(blocks: pd.DataFrame) -> np.ndarray:
    """Return each block's population flag (``too_dense``, ``too_sparse`` or ``""``; all ``""`` in older studies)."""
    if POP_FLAG not in blocks:
        return np.full(len(blocks), "", dtype=object)
    return blocks[POP_FLAG].fillna("").astype(str).to_numpy(dtype=object)


def gross_density_per_ha(blocks: pd.DataFrame) -> np.ndarray:
    """Residents per hectare of each block (``population`` over ``area_m2``)."""
    return blocks["population"].to_numpy(float) / np.maximum(blocks["area_m2"].to_numpy(float) / 1e4, 1e-9)
