"""Residents counted where they live: the sources of a study's population, a known total, plausibility.

Sources, in order of trust, each named in a block's ``pop_source``:
``user`` (the user's block column), ``census`` (census polygons shared among
their blocks), ``raster`` (a population grid shared among the blocks its cells
overlap), then the estimates ``buildings`` (residential floor area ÷ floor
area per person) and ``area_density`` (block area × density). A known total
(``--population-total``) scales the estimates, never the counted sources;
scaled blocks say ``buildings_scaled`` or ``area_density_scaled``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from circle.errors import InputDataError
from circle.prepare.population.estimate import ESTIMATED, POP_AREA
from circle.study.columns import BLOCK_ID, POPULATION_HIGH, POPULATION_LOW

SCALED_SUFFIX = "_scaled"
FLAG_DENSE = "too_dense"
FLAG_SPARSE = "too_sparse"


def scale_to_total(blocks: gpd.GeoDataFrame, total: float) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Scale the estimated blocks so that the study holds ``total`` residents.

    Blocks counted from a user column, a census or a raster keep their
    figures; the estimated ones (``buildings``, ``area_density``) are all
    multiplied by one factor.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        With ``population`` and ``pop_source``.
    total : float
        The known number of residents of the study area.

    Returns
    -------
    tuple
        The blocks (estimated ones now ``<source>_scaled``) and a report with
        the total, the estimate before and the factor.

    Raises
    ------
    InputDataError
        When the total is negative, smaller than the counted residents, or no block is estimated.
    """
    if not np.isfinite(total) or total < 0:
        raise InputDataError(f"a known total population must be a non-negative number, not {total!r}.")
    population = blocks["population"].to_numpy(float)
    source = blocks["pop_source"].to_numpy(object)
    estimated = np.isin(source, ESTIMATED)
    counted = float(population[~estimated].sum())
    before = float(population[estimated].sum())
    if before <= 0:
        raise InputDataError(
            f"the known total of {total:,.0f} residents cannot be applied: no block's population is estimated "
            f"(all {len(blocks)} come from counts, or none holds anyone)."
        )
    if total < counted:
        raise InputDataError(
            f"the known total of {total:,.0f} residents is smaller than the {counted:,.0f} already counted "
            "(user column, census or raster) in the study area; give the total of this area."
        )
    factor = (total - counted) / before
    out = blocks.copy()
    out["population"] = np.where(estimated, population * factor, population)
    for column in (POPULATION_LOW, POPULATION_HIGH):
        if column in out.columns:
            out[column] = np.where(estimated, out[column].to_numpy(float) * factor, out[column].to_numpy(float))
    out["pop_source"] = np.where(estimated, source.astype(str) + SCALED_SUFFIX, source).astype(object)
    report = {
        "total": round(float(total), 1),
        "estimate_before": round(before + counted, 1),
        "factor": round(factor, 4),
        "blocks_scaled": int(estimated.sum()),
    }
    return out, report


def plausibility_flags(blocks: gpd.GeoDataFrame, values: Mapping[str, Any]) -> np.ndarray:
    """Flag blocks whose gross density lies outside the region's plausible bounds.

    A block denser than ``max_density_per_ha`` is ``too_dense``; one larger
    than ``min_flag_area_ha`` and sparser than ``min_density_per_ha`` is
    ``too_sparse``; others get ``""``.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        With ``population`` and ``area_m2``.
    values : mapping of str to Sourced
        A preset's ``population`` values with the region's applied
        (:meth:`circle.standards.regions.Region.apply`).

    Returns
    -------
    numpy.ndarray
        One flag per block.
    """
    params = {key: float(value.value) for key, value in values.items()}
    hectares = blocks["area_m2"].to_numpy(float) / 1e4
    density = gross_density_per_ha(blocks)
    flags = np.full(len(blocks), "", dtype=object)
    flags[density > params["max_density_per_ha"]] = FLAG_DENSE
    flags[(hectares > params["min_flag_area_ha"]) & (density < params["min_density_per_ha"])] = FLAG_SPARSE
    return flags


def gross_density_per_ha(blocks: pd.DataFrame) -> np.ndarray:
    """Residents per hectare of each block (``population`` over ``area_m2``)."""
    return blocks["population"].to_numpy(float) / np.maximum(blocks["area_m2"].to_numpy(float) / 1e4, 1e-9)


def by_source(blocks: gpd.GeoDataFrame) -> dict[str, dict[str, float]]:
    """Blocks and residents per ``pop_source``, largest first."""
    frame = blocks.groupby("pop_source")["population"].agg(["size", "sum"]).sort_values("sum", ascending=False)
    return {
        str(source): {"blocks": int(row["size"]), "residents": round(float(row["sum"]), 1)}
        for source, row in frame.iterrows()
    }


def area_density_share(sources: dict[str, dict[str, float]]) -> float:
    """Return the share (0–1) of residents counted as block area × density, scaled or not (see :func:`by_source`)."""
    total = sum(entry["residents"] for entry in sources.values())
    area = sum(entry["residents"] for key, entry in sources.items() if key.startswith(POP_AREA))
    return area / total if total > 0 else 0.0


def mostly_area_density(sources: dict[str, dict[str, float]]) -> bool:
    """Whether more than half the residents come from block area × density (scaled or not)."""
    return area_density_share(sources) > 0.5


def total_range(blocks: pd.DataFrame) -> dict[str, Any]:
    """Return the low and high figure of the study's residents and the share of them estimated.

    ``range`` sums the blocks' ``population_low`` and ``population_high``
    (a block without them, or one scaled to a known total, counts its
    figure: the total is known); ``estimated_share`` (0–1) is the share of
    residents from buildings or area × density, scaled or not. Both are
    absent from studies made before they were recorded.

    Examples
    --------
    >>> frame = pd.DataFrame({"population": [10.0, 5.0], "population_low": [4.0, 5.0],
    ...                       "population_high": [30.0, 5.0], "pop_source": ["buildings", "census"]})
    >>> total_range(frame)
    {'range': {'low': 9.0, 'high': 35.0}, 'estimated_share': 0.6667}
    """
    population = blocks["population"].to_numpy(float)
    source = blocks["pop_source"].astype(str)
    own_range = source.isin(ESTIMATED).to_numpy()
    estimated = own_range | source.str.endswith(SCALED_SUFFIX).to_numpy()
    ends = {}
    for key, column in (("low", POPULATION_LOW), ("high", POPULATION_HIGH)):
        values = blocks[column].to_numpy(float) if column in blocks.columns else population
        ends[key] = round(float(np.where(own_range & np.isfinite(values), values, population).sum()), 1)
    total = float(population.sum())
    share = round(float(population[estimated].sum()) / total, 4) if total > 0 else 0.0
    return {"range": ends, "estimated_share": share}


def population_summary(blocks: pd.DataFrame) -> dict[str, Any]:
    """Return the ``population`` section of a study's summary.

    Residents by source, the blocks flagged implausible (densest first, at most 50 listed), the blocks
    split, and the largest and median block.
    """
    sources = by_source(blocks) if len(blocks) else {}
    flags = blocks["pop_flag"].to_numpy(object)
    flagged = np.flatnonzero(flags != "")
    area = blocks["area_m2"].to_numpy(float)
    density = gross_density_per_ha(blocks)
    return {
        "by_source": sources,
        **total_range(blocks),
        "mostly_area_density": mostly_area_density(sources),
        "flagged": {str(flag): int((flags == flag).sum()) for flag in np.unique(flags[flagged])},
        "flagged_blocks": blocks[BLOCK_ID].to_numpy(object)[flagged[np.argsort(-density[flagged])]][:50].tolist(),
        "blocks_split": int((blocks["parent_id"] != blocks[BLOCK_ID]).sum()),
        "largest_block_ha": round(float(area.max()) / 1e4, 2) if len(area) else None,
        "median_density_per_ha": round(float(np.median(density)), 1) if len(area) else None,
    }
