"""Residents by age group on every block: ``pop_{group}`` for the groups a preset serves, and ``pop_age_source``.

A block's residents (``population``, however counted) are split into age
groups by the block's age *structure*, taken from the best source that
covers it:

``census``
    census age bands left on the block (``age_band_{lo}_{hi}`` columns,
    ``hi`` ``inf`` for the open band; NaN where unknown), split into groups
    by the regional structure inside each band;
``raster``
    WorldPop-style age/sex rasters (``--population-ages``), each band's cells
    shared among the blocks they overlap by residential floor area (as a
    population raster is), the block's band shares split the same way;
``region``
    the study region's structure (``circle/standards/age_structure.yaml``:
    China's 2020 census, EU-27, the UN's world figures).

Sources give shares only: a block keeps its total, and each group, an age
range, is its share of it, so no group exceeds ``population`` (groups may
overlap, as 60+ and 65+ do). The band columns are dropped once read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from circle.geo import WGS84
from circle.prepare.population.raster import MAX_POPULATION_CELLS, cell_block_shares, cell_polygons
from circle.sources.age_rasters import read_age_rasters
from circle.standards import Preset
from circle.standards.age_groups import AgeGroup, population_column
from circle.standards.age_structure import AgeStructure, band_to_group_fractions, structure_for
from circle.study.columns import POP_AGE_SOURCE

#: ``pop_age_source`` of a block whose structure came from census bands, age rasters, or the region's table
AGE_FROM_CENSUS = "census"
AGE_FROM_RASTER = "raster"
AGE_FROM_REGION = "region"

_BAND = re.compile(r"^age_band_(\d+(?:\.\d+)?)_(\d+(?:\.\d+)?|inf)$")


def census_band_columns(columns) -> list[tuple[str, float, float]]:
    """Return the census age-band columns among ``columns``: ``(name, low, high)``, youngest first.

    Examples
    --------
    >>> census_band_columns(["population", "age_band_60_inf", "age_band_0_3"])
    [('age_band_0_3', 0.0, 3.0), ('age_band_60_inf', 60.0, inf)]
    """
    bands = [(str(c), float(m[1]), float(m[2])) for c in columns if (m := _BAND.match(str(c)))]
    return sorted(bands, key=lambda band: band[1])


def assign_age_groups(
    blocks: gpd.GeoDataFrame,
    preset: Preset,
    region: str | None,
    age_rasters: str | Path | tuple[str, ...] | None = None,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Give every block its residents of each group ``preset`` serves, and say where its structure came from.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Blocks in a metric CRS with their final ``population`` (and
        ``floor_area_m2`` when ``age_rasters`` is given); census
        ``age_band_*`` columns where a census gave them.
    preset : Preset
        Its :attr:`~circle.standards.loader.Preset.served_groups` are counted.
    region : str or None
        The study's region (``regions.yaml``), whose age structure is the fallback.
    age_rasters : str, pathlib.Path or tuple of str, optional
        A folder or glob of WorldPop age/sex GeoTIFFs, or the files themselves.

    Returns
    -------
    tuple
        The blocks with ``pop_{group}`` and ``pop_age_source`` (band columns
        dropped), and a report: the structure of each source, blocks per source.

    Raises
    ------
    InputDataError
        When the age rasters cannot be read (see :mod:`circle.sources.age_rasters`).
    """
    groups = preset.served_groups
    structure = structure_for(region)
    shares = np.tile(structure.group_shares(groups), (len(blocks), 1))
    source = np.full(len(blocks), AGE_FROM_REGION, dtype=object)
    report: dict[str, Any] = {"regional_structure": structure.key}
    if age_rasters and len(blocks):
        counts, lower, report["raster"] = _raster_band_counts(blocks, age_rasters, preset)
        _take(counts, lower, np.append(lower[1:], np.inf), groups, structure, shares, source, AGE_FROM_RASTER)
    bands = census_band_columns(blocks.columns)
    if bands:
        counts = blocks[[name for name, _, _ in bands]].to_numpy(float)
        low, high = np.array([b[1] for b in bands]), np.array([b[2] for b in bands])
        report["census"] = {"bands": [name for name, _, _ in bands], **_band_gaps(low, high)}
        _take(counts, low, high, groups, structure, shares, source, AGE_FROM_CENSUS)
    out = blocks.drop(columns=[name for name, _, _ in bands])
    population = out["population"].to_numpy(float)
    for position, group in enumerate(groups):
        out[population_column(group.key)] = population * shares[:, position]
    out[POP_AGE_SOURCE] = source
    report["blocks"] = {kind: int((source == kind).sum()) for kind in dict.fromkeys(source.tolist())}
    return out, report


def age_summary(
    blocks: pd.DataFrame, groups: Mapping[str, tuple[float, float | None]], region: str | None
) -> dict[str, Any]:
    """Return the ``ages`` entry of the summary's ``population`` section.

    Parameters
    ----------
    blocks : pandas.DataFrame
        With ``population``, ``pop_age_source`` and the ``pop_{group}`` columns.
    groups : mapping of str to (float, float or None)
        The groups counted, with their ages (:func:`group_ages`).
    region : str or None
        The study's region, whose structure the split rests on.

    Returns
    -------
    dict
        Residents of each group (and their share of all), residents and
        blocks by ``pop_age_source``, and the regional structure; empty when the
        blocks carry no age columns (a study made before them).
    """
    if POP_AGE_SOURCE not in blocks.columns:
        return {}
    population = blocks["population"].to_numpy(float)
    total = float(population.sum())
    residents = {}
    for key, (low, high) in groups.items():
        column = population_column(key)
        if column in blocks.columns:
            count = float(blocks[column].to_numpy(float).sum())
            residents[key] = {
                "residents": round(count, 1),
                "share": round(count / total, 4) if total > 0 else None,
                "min_age": low,
                "max_age": high,
            }
    frame = pd.DataFrame({"source": blocks[POP_AGE_SOURCE].astype(str).to_numpy(), "population": population})
    by_source = frame.groupby("source")["population"].agg(["size", "sum"]).sort_values("sum", ascending=False)
    return {
        "groups": residents,
        "by_source": {
            str(kind): {"blocks": int(row["size"]), "residents": round(float(row["sum"]), 1)}
            for kind, row in by_source.iterrows()
        },
        "structure": structure_for(region).to_dict(),
    }


def group_ages(groups: tuple[AgeGroup, ...]) -> dict[str, tuple[float, float | None]]:
    """Return ``{key: (min_age, max_age)}`` of ``groups``, as :func:`age_summary` takes them."""
    return {group.key: (group.min_age, group.max_age) for group in groups}


def recorded_group_ages(ages: Mapping[str, Any] | None) -> dict[str, tuple[float, float | None]]:
    """Return the groups' ages recorded in a summary's ``population.ages`` (empty without one)."""
    groups = (ages or {}).get("groups") or {}
    return {key: (entry["min_age"], entry["max_age"]) for key, entry in groups.items()}


def _take(
    counts: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    groups: tuple[AgeGroup, ...],
    structure: AgeStructure,
    shares: np.ndarray,
    source: np.ndarray,
    kind: str,
) -> None:
    """Replace ``shares`` of the blocks whose band ``counts`` are all known and hold someone (in place)."""
    total = counts.sum(axis=1)
    usable = np.isfinite(counts).all(axis=1) & (counts >= 0).all(axis=1) & (total > 0)
    if not usable.any():
        return
    fractions = band_to_group_fractions(low, high, groups, structure)
    shares[usable] = (counts[usable] @ fractions) / total[usable, None]
    source[usable] = kind


def _band_gaps(low: np.ndarray, high: np.ndarray) -> dict[str, Any]:
    """Say whether census bands partition all ages (they should: a gap's residents are not counted in any group)."""
    covers = low[0] == 0 and np.isinf(high[-1]) and np.array_equal(high[:-1], low[1:])
    return {} if covers else {"warning": "the census age bands do not cover every age from 0 without gaps"}


def _raster_band_counts(
    blocks: gpd.GeoDataFrame, spec: str | Path | tuple[str, ...], preset: Preset
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Residents of each WorldPop band on each block: every band's cells shared by residential floor area."""
    bounds = tuple(blocks.to_crs(WGS84).total_bounds)
    grid = read_age_rasters(spec, bounds, MAX_POPULATION_CELLS)
    per_cell = np.nan_to_num(grid.values).reshape(len(grid.lower), -1)
    rows, cols = np.nonzero(per_cell.sum(axis=0).reshape(grid.values.shape[1:]) > 0)
    flat = rows * grid.values.shape[2] + cols
    cells = cell_polygons(grid.window, rows, cols, blocks.crs)
    cell, block, share = cell_block_shares(blocks, cells, preset)
    counts = np.stack(
        [
            np.bincount(block, weights=share * per_cell[b, flat[cell]], minlength=len(blocks))
            for b in range(len(grid.lower))
        ],
        axis=1,
    )
    report = {
        "files": len(grid.files),
        "first_file": grid.files[0],
        "year": grid.year,
        "crs": grid.window.crs,
        "cells": len(cells),
        "residents_in_cells": round(float(per_cell[:, flat].sum()), 1),
        "residents_on_blocks": round(float(counts.sum()), 1),
        "blocks_with_raster_residents": int((counts.sum(axis=1) > 0).sum()),
    }
    return counts, grid.lower, report
