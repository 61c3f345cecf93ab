"""Population from census counts: totals of sub-districts or communities shared among their blocks.

Each census polygon's total is divided among the residential blocks it
overlaps in proportion to their residential floor area inside it: the mapped
floor area where buildings are mapped, else the block's land area times the
floor-area ratio the preset's density implies (``density_per_km2 ×
floor_area_per_person_m2 / 10⁶``). A block cut by a census boundary gets a
share from each side. Every polygon that overlaps a block hands out exactly its
total; totals of polygons without a block are reported, never spread elsewhere.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from circle.standards import Preset


def allocate_census(
    blocks: gpd.GeoDataFrame, census: gpd.GeoDataFrame, preset: Preset
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Replace block populations with census totals shared by residential floor area.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Blocks in a metric CRS with ``population``, ``pop_source``, ``floor_area_m2``, ``area_m2``.
    census : geopandas.GeoDataFrame
        From :func:`read_census`, in the same CRS.
    preset : Preset
        Its population parameters give the floor-area ratio where floors are unknown.

    Returns
    -------
    tuple
        The blocks (``population`` and ``pop_source = "census"`` for blocks in a
        census polygon; others keep their estimate) and a report: totals read,
        allocated, left without a block, and blocks outside every polygon.
    """
    return share_totals(
        blocks, census.geometry.to_numpy(), census["census_population"].to_numpy(float), preset, "census"
    )


def share_totals(
    blocks: gpd.GeoDataFrame, polygons: np.ndarray, totals: np.ndarray, preset: Preset, source: str
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Share each polygon's total among the blocks it overlaps, by residential floor area in the overlap.

    A block's weight per m² is its residential floor area over its area
    (mapped buildings), else the floor-area ratio that the preset's density
    and floor area per person imply. Totals are conserved: every polygon that
    overlaps a block gives all its people to blocks; one that overlaps none is
    reported.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Blocks in a metric CRS with ``population``, ``pop_source``, ``floor_area_m2``.
    polygons : numpy.ndarray
        Census polygons or raster cells, in the same CRS.
    totals : numpy.ndarray
        Residents of each polygon.
    preset : Preset
        Population parameters (``density_per_km2``, ``floor_area_per_person_m2``).
    source : str
        The ``pop_source`` of the blocks that get a share.

    Returns
    -------
    tuple
        The blocks and a report (polygons, total, allocated, without blocks, blocks outside).
    """
    density = float(preset.population["density_per_km2"].value)
    per_person = float(preset.population["floor_area_per_person_m2"].value)
    ratio = density * per_person / 1e6
    geometry = blocks.geometry.to_numpy()
    block_area = shapely.area(geometry)
    floor = blocks["floor_area_m2"].to_numpy(float)
    weight_per_m2 = np.where(np.isfinite(floor) & (floor > 0), floor / np.maximum(block_area, 1e-9), ratio)

    tree = shapely.STRtree(geometry)
    polygon_index, block_index = tree.query(polygons, predicate="intersects")
    overlap = shapely.area(shapely.intersection(polygons[polygon_index], geometry[block_index]))
    weights = overlap * weight_per_m2[block_index]
    per_polygon = np.bincount(polygon_index, weights=weights, minlength=len(polygons))
    usable = weights > 0
    share = np.zeros(len(weights))
    share[usable] = weights[usable] / per_polygon[polygon_index[usable]]
    allocated = np.bincount(block_index, weights=share * totals[polygon_index], minlength=len(blocks))
    covered = np.bincount(block_index[usable], minlength=len(blocks)) > 0

    out = blocks.copy()
    out["population"] = np.where(covered, allocated, out["population"].to_numpy(float))
    out["pop_source"] = np.where(covered, source, out["pop_source"].to_numpy(object))
    empty = per_polygon <= 0
    report = {
        "polygons": len(polygons),
        "total": round(float(totals.sum()), 1),
        "allocated": round(float(allocated.sum()), 1),
        "polygons_without_blocks": int(empty.sum()),
        "population_without_blocks": round(float(totals[empty].sum()), 1),
        f"blocks_from_{source}": int(covered.sum()),
        f"blocks_outside_{source}": int((~covered).sum()),
        f"population_outside_{source}": round(float(out["population"].to_numpy(float)[~covered].sum()), 1),
        "weights": f"residential floor area (mapped buildings), else block area × {ratio:g} "
        f"(= {density:g} people/km² × {per_person:g} m²/person)",
    }
    return out, report
