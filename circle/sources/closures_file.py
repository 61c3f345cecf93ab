"""Read a closures file: lines drawn across the streets to close, or polygons of areas closed off."""

from __future__ import annotations

from pathlib import Path

import shapely.geometry

from circle.errors import InputDataError
from circle.geo import WGS84
from circle.sources.vector import LINES_AND_POLYGONS, read_polygons


def read_closures(path: str | Path) -> list[dict]:
    """Return each line or polygon of a closures file as a GeoJSON geometry in WGS-84 degrees.

    Parameters
    ----------
    path : str or pathlib.Path
        A GeoJSON, GeoPackage or Shapefile with a CRS holding lines and/or
        polygons (points and other rows are ignored).

    Returns
    -------
    list of dict
        One GeoJSON geometry per feature, in the file's order.

    Raises
    ------
    InputDataError
        When the file is missing, unreadable, has no CRS or holds no line or polygon.
    """
    try:
        frame = read_polygons(path, "closures file", InputDataError, kinds=LINES_AND_POLYGONS).to_crs(WGS84)
    except InputDataError as exc:
        raise InputDataError(str(exc), about=("closures_file",)) from None
    return [shapely.geometry.mapping(geometry) for geometry in frame.geometry.to_numpy()]
