"""Reading a digital elevation model (GeoTIFF) for a study's extent, and sampling heights from it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from circle.errors import InputDataError
from circle.geo import transform_xy
from circle.sources.raster import read_window

MAX_DEM_CELLS = 400_000_000


PLAUSIBLE_HEIGHTS_M = (-500.0, 9000.0)  # heights outside are undeclared nodata or damage, never terrain


@dataclass
class Dem:
    """A digital elevation model read into memory for the study's extent.

    Attributes
    ----------
    path : pathlib.Path
        The GeoTIFF.
    crs : str
        Its CRS.
    elevation : numpy.ndarray
        Heights in metres (NaN where nodata).
    transform : affine.Affine
        Pixel to CRS coordinates.
    """

    path: Path
    crs: str
    elevation: np.ndarray
    transform: object

    @classmethod
    def read(cls, path: str | Path, bounds_wgs84: tuple[float, float, float, float] | None = None) -> Dem:
        """Read the part of a GeoTIFF DEM covering ``bounds_wgs84`` (all of it when None).

        Raises
        ------
        InputDataError
            When the file is missing, not a raster, has no CRS, or does not cover the area.
        """
        window = read_window(path, "DEM", bounds_wgs84, MAX_DEM_CELLS, "resample it coarser (30 m is enough)")
        elevation = window.values
        low, high = PLAUSIBLE_HEIGHTS_M
        elevation[(elevation < low) | (elevation > high)] = np.nan
        if elevation.size == 0 or np.isnan(elevation).all():
            raise InputDataError(f"DEM {path} does not cover the study area (no heights there).")
        return cls(path=Path(path), crs=window.crs, elevation=elevation, transform=window.transform)

    def sample(self, x: np.ndarray, y: np.ndarray, crs: str) -> np.ndarray:
        """Return bilinear heights at points given in ``crs`` (NaN outside the DEM or at nodata)."""
        x, y = transform_xy(np.asarray(x, float), np.asarray(y, float), crs, self.crs)
        inverse = ~self.transform
        col = inverse.a * x + inverse.b * y + inverse.c - 0.5  # from pixel corners to pixel centres
        row = inverse.d * x + inverse.e * y + inverse.f - 0.5
        rows, cols = self.elevation.shape
        c0, r0 = np.floor(col).astype(np.int64), np.floor(row).astype(np.int64)
        fc, fr = col - c0, row - r0
        c0, r0 = np.clip(c0, 0, cols - 1), np.clip(r0, 0, rows - 1)
        c1, r1 = np.clip(c0 + 1, 0, cols - 1), np.clip(r0 + 1, 0, rows - 1)
        z = self.elevation
        top = z[r0, c0] * (1 - fc) + z[r0, c1] * fc
        bottom = z[r1, c0] * (1 - fc) + z[r1, c1] * fc
        heights = top * (1 - fr) + bottom * fr
        outside = (col < -0.5) | (row < -0.5) | (col > cols - 0.5) | (row > rows - 0.5)
        return np.where(outside, np.nan, heights)
