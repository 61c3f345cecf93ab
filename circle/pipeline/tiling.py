"""A study cut into tiles: the grid, which tile owns a block, and how far each tile must see.

A tiled study (``circle batch`` with ``tiles``) is computed tile by tile and
merged into one study folder. Every block belongs to exactly one tile: the
one whose cell holds the block's inner point, cells being half-open in
longitude and latitude (``west ≤ lon < east``), so a point on a seam is
owned once. Every tile works in the projected CRS of the whole study, so the
same street has the same length in every tile, and sees the network and
facilities around its blocks as far as a whole run would use them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from circle.geo import utm_crs_for

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class TileGrid:
    """A grid of ``columns`` × ``rows`` cells over ``bbox`` (west, south, east, north in degrees)."""

    bbox: BBox
    columns: int
    rows: int

    @property
    def crs(self) -> str:
        """The projected CRS of the whole study (the UTM zone of the grid's centre)."""
        west, south, east, north = self.bbox
        return utm_crs_for((west + east) / 2, (south + north) / 2)

    def cell(self, column: int, row: int) -> BBox:
        """Return the bounds of one cell.

        >>> TileGrid((0.0, 0.0, 2.0, 1.0), 2, 1).cell(1, 0)
        (1.0, 0.0, 2.0, 1.0)
        """
        west, south, east, north = self.bbox
        width, height = (east - west) / self.columns, (north - south) / self.rows
        return (west + column * width, south + row * height, west + (column + 1) * width, south + (row + 1) * height)

    def index_of(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the (column, row) of the cell holding each point; -1 for points outside the grid.

        >>> TileGrid((0.0, 0.0, 2.0, 1.0), 2, 1).index_of(np.array([0.5, 1.0, 2.0]), np.array([0.5, 0.5, 0.5]))
        (array([ 0,  1, -1]), array([ 0,  0, -1]))
        """
        west, south, east, north = self.bbox
        column = np.floor((np.asarray(lon, float) - west) / (east - west) * self.columns).astype(np.int64)
        row = np.floor((np.asarray(lat, float) - south) / (north - south) * self.rows).astype(np.int64)
        outside = (column < 0) | (column >= self.columns) | (row < 0) | (row >= self.rows)
        return np.where(outside, -1, column), np.where(outside, -1, row)

    def nearest_index(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Like :meth:`index_of`, with points outside the grid given to the nearest cell."""
        west, south, east, north = self.bbox
        column = np.floor((np.asarray(lon, float) - west) / (east - west) * self.columns).astype(np.int64)
        row = np.floor((np.asarray(lat, float) - south) / (north - south) * self.rows).astype(np.int64)
        return np.clip(column, 0, self.columns - 1), np.clip(row, 0, self.rows - 1)


@dataclass(frozen=True)
class TileOf:
    """One tile of a tiled study: the grid and which cell it is."""

    grid: TileGrid
    column: int
    row: int

    @property
    def name(self) -> str:
        """``rRcC``, as the batch report names tiles."""
        return f"r{self.row}c{self.column}"

    @property
    def bounds(self) -> BBox:
        """The cell of this tile."""
        return self.grid.cell(self.column, self.row)

    def owns(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Return which points (block inner points, in degrees) this tile owns."""
        column, row = self.grid.index_of(lon, lat)
        return (column == self.column) & (row == self.row)
