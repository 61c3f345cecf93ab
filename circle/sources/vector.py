"""Read a user's polygon file (GeoPackage, GeoJSON, Shapefile) with the checks every reader needs."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from circle.errors import CircleError

POLYGONS = ("Polygon", "MultiPolygon")
LINES_AND_POLYGONS = ("LineString", "MultiLineString", *POLYGONS)


def read_polygons(
    path: str | Path, what: str, error: type[CircleError], kinds: tuple[str, ...] = POLYGONS
) -> gpd.GeoDataFrame:
    """Read the polygons (or the geometries of ``kinds``) of a vector file, refusing files a study cannot trust.

    Parameters
    ----------
    path : str or pathlib.Path
        A GeoPackage, GeoJSON, Shapefile or any format GDAL reads.
    what : str
        What the file is, for messages (``"blocks file"``, ``"area file"``).
    error : type of CircleError
        The error raised on any problem.
    kinds : tuple of str
        The geometry types kept (default: polygons and multipolygons).

    Returns
    -------
    geopandas.GeoDataFrame
        Only the non-empty rows of those types, in the file's CRS.

    Raises
    ------
    CircleError
        (as ``error``) when the file is missing or unreadable, has no CRS,
        holds no polygon, or has latitudes beyond ±90° (swapped coordinates).
    """
    path = Path(path)
    if not path.exists():
        raise error(f"{what} {path} does not exist. Check the path.")
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several unrelated types
        raise error(f"{what} {path} could not be read ({exc}). Give a GeoPackage, GeoJSON or Shapefile.") from exc
    if frame.crs is None:
        raise error(
            f"{what} {path} has no coordinate reference system. Set it (in QGIS: Layer ▸ Set CRS, then "
            "export) or save it as GeoJSON in WGS-84, and run again."
        )
    present = np.array([g is not None and not g.is_empty for g in frame.geometry.to_numpy()], dtype=bool)
    frame = frame[present]
    frame = frame[frame.geometry.geom_type.isin(list(kinds))]
    if frame.empty:
        if kinds == POLYGONS:
            raise error(f"{what} {path} holds no polygons; it must hold areas.")
        raise error(f"{what} {path} holds no lines or polygons; it must hold lines or areas.")
    if not np.all(np.isfinite(shapely.get_coordinates(frame.geometry.to_numpy()))):
        raise error(f"{what} {path} has coordinates that are not finite numbers (NaN or infinite). Fix the file.")
    if frame.crs.is_geographic:
        west, south, east, north = frame.total_bounds
        if max(abs(south), abs(north)) > 90:
            raise error(
                f"{what} {path} has latitudes beyond ±90° ({south:.3f}…{north:.3f}): latitude and "
                "longitude look swapped. Write the file with x = longitude, y = latitude."
            )
        if max(abs(west), abs(east)) > 180:
            raise error(
                f"{what} {path} has longitudes beyond ±180° ({west:.3f}…{east:.3f}): the coordinates are not "
                "degrees. Set the file's real CRS (projected metres?) and export it again."
            )
    return frame
