"""Coordinate helpers: the local UTM zone and transforms to and from WGS-84."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

WGS84 = "EPSG:4326"


def utm_crs_for(lon: float, lat: float) -> str:
    """Return the EPSG code of the UTM zone holding a point.

    Parameters
    ----------
    lon, lat : float
        A point in degrees (WGS-84).

    Returns
    -------
    str
        For example ``"EPSG:32648"`` for Chengdu (zone 48 N).

    Examples
    --------
    >>> utm_crs_for(104.07, 30.67)
    'EPSG:32648'
    >>> utm_crs_for(24.94, 60.17)
    'EPSG:32635'
    """
    zone = int(np.floor((lon + 180.0) / 6.0)) % 60 + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


@lru_cache(maxsize=32)
def _transformer(source: str, target: str) -> pyproj.Transformer:
    # Transformers are immutable once built: caching them shares no user state.
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def transform_xy(x: np.ndarray, y: np.ndarray, source: str, target: str) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinate arrays between two CRSs (x = easting or longitude)."""
    tx, ty = _transformer(source, target).transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(tx, float), np.asarray(ty, float)


def transform_geometry(geometry: BaseGeometry, source: str, target: str) -> BaseGeometry:
    """Transform a shapely geometry between two CRSs."""
    transformer = _transformer(source, target)
    return shapely.transform(geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def transform_geometries(geometries: np.ndarray, source: str, target: str) -> np.ndarray:
    """Transform an array of shapely geometries between two CRSs."""
    transformer = _transformer(source, target)
    return shapely.transform(
        np.asarray(geometries, dtype=object),
        lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])),
    )


def polygonal_part(geometry: BaseGeometry) -> BaseGeometry:
    """Return only the polygon parts of a geometry (cuts and repairs can leave lines or points).

    Examples
    --------
    >>> collection = shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.LineString([(2, 2), (3, 3)])])
    >>> polygonal_part(collection).geom_type
    'MultiPolygon'
    """
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in ("Polygon", "MultiPolygon")]
    polygons = [q for p in parts for q in shapely.get_parts(p)]
    return shapely.MultiPolygon(polygons) if polygons else shapely.Polygon()
