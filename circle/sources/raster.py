"""Read the window of a GeoTIFF that covers a study area, with errors that say what is wrong with the file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from circle.errors import InputDataError


@dataclass(frozen=True)
class RasterWindow:
    """Cells of one band of a GeoTIFF.

    Attributes
    ----------
    values : numpy.ndarray
        The band as floats, NaN at nodata.
    transform : affine.Affine
        From (column, row) of ``values`` to the raster's CRS.
    crs : str
        The raster's CRS.
    """

    values: np.ndarray
    transform: object
    crs: str


def read_window(
    path: str | Path,
    what: str,
    bounds_wgs84: tuple[float, float, float, float] | None,
    max_cells: int,
    coarser: str,
) -> RasterWindow:
    """Read band 1 of the GeoTIFF ``path`` over ``bounds_wgs84`` (all of it when None), one cell of margin.

    Parameters
    ----------
    path : str or Path
        The GeoTIFF.
    what : str
        What the file is, for messages (``"DEM"``, ``"population raster"``).
    bounds_wgs84 : tuple of float or None
        ``(W, S, E, N)`` in degrees.
    max_cells : int
        More cells than this over the area are refused.
    coarser : str
        The advice given then (e.g. ``"resample it coarser (30 m is enough)"``).

    Raises
    ------
    InputDataError
        When the file is missing, not a GeoTIFF, not georeferenced, has no CRS,
        does not cover the area or is too fine.
    """
    # loaded only when a raster is given (population, ages, terrain): rasterio and GDAL are 70 ms
    import rasterio
    from rasterio.errors import RasterioError, WindowError
    from rasterio.warp import transform_bounds
    from rasterio.windows import Window, from_bounds

    path = Path(path)
    if not path.is_file():
        raise InputDataError(f"{what} {path} does not exist.")
    try:
        with rasterio.open(path) as source:
            if source.driver != "GTiff":
                raise InputDataError(f"{what} {path} is a {source.driver} file, not a GeoTIFF. Give a GeoTIFF {what}.")
            if source.transform.is_identity or source.transform.determinant == 0:
                raise InputDataError(
                    f"{what} {path} is not georeferenced (no geotransform): its pixels have no place on the ground."
                )
            if source.crs is None:
                raise InputDataError(
                    f"{what} {path} has no coordinate reference system; add one (gdal_edit.py -a_srs)."
                )
            window = None
            if bounds_wgs84 is not None:
                try:
                    west, south, east, north = transform_bounds("EPSG:4326", source.crs, *bounds_wgs84)
                except Exception as error:  # rasterio raises CPLE_* errors of its own
                    raise InputDataError(
                        f"{what} {path} is in a coordinate system that cannot be related to longitude and "
                        f"latitude ({source.crs.to_string()[:80]}). Reproject it to a standard CRS."
                    ) from error
                wanted = from_bounds(west, south, east, north, source.transform).round_offsets().round_lengths()
                wanted = Window(wanted.col_off - 1, wanted.row_off - 1, wanted.width + 2, wanted.height + 2)
                try:
                    window = wanted.intersection(Window(0, 0, source.width, source.height))
                except WindowError as error:
                    raise InputDataError(
                        f"{what} {path} does not cover the study area; give a {what} of this city."
                    ) from error
            height = window.height if window is not None else source.height
            width = window.width if window is not None else source.width
            if height * width > max_cells:
                raise InputDataError(f"{what} {path} covers {height * width:,} cells over the study; {coarser}.")
            data = source.read(1, window=window, masked=True).astype(float)
            transform = source.window_transform(window) if window is not None else source.transform
            crs = source.crs.to_string()
    except InputDataError:
        raise
    except (RasterioError, ValueError, ArithmeticError) as error:
        raise InputDataError(f"cannot read {what} {path}: {error}. It must be a GeoTIFF with a CRS.") from error
    except Exception as error:  # GDAL and rasterio raise many types of their own for damaged files
        raise InputDataError(
            f"cannot read {what} {path} ({type(error).__name__}: {error}). It must be a GeoTIFF with a CRS."
        ) from error
    return RasterWindow(values=np.ma.filled(data, np.nan), transform=transform, crs=crs)
