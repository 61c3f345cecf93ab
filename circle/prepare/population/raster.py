"""Population from a gridded count (WorldPop, GHS-POP style GeoTIFF of persons per cell).

Every cell with people is a polygon (its four corners taken into the study's
CRS, so a raster in any CRS works); its count is shared among the blocks it
overlaps in proportion to their residential floor area in the overlap, as a
census polygon's is (:func:`circle.prepare.population.census.share_totals`). Totals are
conserved; the people of cells that overlap no block are reported, not lost
silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from circle.geo import WGS84, transform_xy
from circle.prepare.population.census import share_totals
from circle.sources.raster import read_window
from circle.standards import Preset

POP_RASTER = "raster"
#: more populated cells than this over the study area are refused (about a 600 × 600 km window of 100 m cells).
MAX_POPULATION_CELLS = 40_000_000


def allocate_raster(
    blocks: gpd.GeoDataFrame, path: str | Path, preset: Preset
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Replace block populations with the counts of a population raster.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Blocks in a metric CRS with ``population``, ``pop_source``, ``floor_area_m2``.
    path : str or Path
        The GeoTIFF: band 1 holds persons per cell; nodata and negative cells hold none.
    preset : Preset
        Population parameters, for blocks without mapped floor area.

    Returns
    -------
    tuple
        The blocks (``pop_source = "raster"`` where a populated cell overlaps
        them) and a report: cells read, their total, what was allocated, and
        the cells and people overlapping no block.

    Raises
    ------
    InputDataError
        When the file is not a georeferenced GeoTIFF covering the blocks.
    """
    bounds = tuple(blocks.to_crs(WGS84).total_bounds) if len(blocks) else None
    window = read_window(path, "population raster", bounds, MAX_POPULATION_CELLS, "clip it to the city first")
    cells, counts = _populated_cells(window, blocks.crs)
    out, report = share_totals(blocks, cells, counts, preset, POP_RASTER)
    report["file"] = Path(path).name
    report["crs"] = window.crs
    return out, report


def _populated_cells(window, crs) -> tuple[np.ndarray, np.ndarray]:
    """Polygons (in ``crs``) and counts of the cells holding people."""
    values = window.values
    rows, cols = np.nonzero(np.isfinite(values) & (values > 0))
    return cell_polygons(window, rows, cols, crs), values[rows, cols]


def cell_polygons(window, rows: np.ndarray, cols: np.ndarray, crs) -> np.ndarray:
    """Return the polygons, in ``crs``, of the cells ``(rows, cols)`` of a raster window (four corners each)."""
    corners_col = np.stack([cols, cols + 1, cols + 1, cols], axis=1).astype(float)
    corners_row = np.stack([rows, rows, rows + 1, rows + 1], axis=1).astype(float)
    t = window.transform
    x = t.a * corners_col + t.b * corners_row + t.c
    y = t.d * corners_col + t.e * corners_row + t.f
    px, py = transform_xy(x.ravel(), y.ravel(), window.crs, crs)
    ring = np.stack([px.reshape(x.shape), py.reshape(y.shape)], axis=2)
    return shapely.polygons(ring)


def cell_block_shares(
    blocks: gpd.GeoDataFrame, cells: np.ndarray, preset: Preset
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share each cell among the blocks it overlaps, by residential floor area in the overlap.

    The weights are those :func:`circle.prepare.population.census.share_totals`
    uses (mapped floor area per m² of block, else the floor-area ratio the
    preset's density implies), computed once so that many rasters on one grid
    (an age band each) are shared alike.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Blocks in a metric CRS with ``floor_area_m2``.
    cells : numpy.ndarray
        Cell polygons in the same CRS.
    preset : Preset
        With the region's population values.

    Returns
    -------
    tuple of numpy.ndarray
        ``cell``, ``block`` and ``share`` of every overlap; a cell's shares sum to 1 (none where it overlaps no block).
    """
    density = float(preset.population["density_per_km2"].value)
    per_person = float(preset.population["floor_area_per_person_m2"].value)
    geometry = blocks.geometry.to_numpy()
    floor = blocks["floor_area_m2"].to_numpy(float)
    weight_per_m2 = np.where(
        np.isfinite(floor) & (floor > 0), floor / np.maximum(shapely.area(geometry), 1e-9), density * per_person / 1e6
    )
    cell, block = shapely.STRtree(geometry).query(cells, predicate="intersects")
    weights = shapely.area(shapely.intersection(cells[cell], geometry[block])) * weight_per_m2[block]
    per_cell = np.bincount(cell, weights=weights, minlength=len(cells))
    usable = weights > 0
    return cell[usable], block[usable], weights[usable] / per_cell[cell[usable]]
