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


def canonical_multipolygons(geometries: np.ndarray) -> np.ndarray:
    """Return the MultiPolygons with every ring made canonical (see :func:`canonical_rings`)."""
    if len(geometries) == 0:
        return geometries
    polygons, geometry_of = shapely.get_parts(geometries, return_index=True)
    rings, polygon_of = shapely.get_rings(polygons, return_index=True)
    is_exterior = np.r_[True, polygon_of[1:] != polygon_of[:-1]]
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    coords = canonical_rings(coords, ring_of, is_exterior)
    rebuilt_rings = shapely.linearrings(coords, indices=ring_of)
    rebuilt = shapely.polygons(rebuilt_rings, indices=polygon_of)
    out = np.empty(len(geometries), dtype=object)
    present = np.unique(geometry_of)
    out[present] = shapely.multipolygons(rebuilt, indices=np.searchsorted(present, geometry_of))
    missing = np.setdiff1d(np.arange(len(geometries)), present)
    for i in missing:
        out[i] = shapely.MultiPolygon()
    return out


def canonical_rings(coords: np.ndarray, ring_of: np.ndarray, exterior) -> np.ndarray:
    """Orient closed rings as libosmium does and start each at its lowest (x, then y) vertex.

    Exteriors run counter-clockwise and holes clockwise; each ring starts at
    its lexicographically smallest vertex. The same outline thus gives the
    same coordinates whichever way it was mapped, and boundary points
    sampled from it fall in the same places.

    Parameters
    ----------
    coords : numpy.ndarray
        ``(n, 2)`` coordinates of closed rings (first point repeated last), ring after ring.
    ring_of : numpy.ndarray
        The ring of each coordinate (non-decreasing).
    exterior : bool or numpy.ndarray
        Per ring (or for all): counter-clockwise (exteriors) or clockwise (holes).

    Returns
    -------
    numpy.ndarray
        The same rings, reoriented and rotated.
    """
    if len(coords) == 0:
        return coords
    x, y = coords[:, 0], coords[:, 1]
    starts = np.flatnonzero(np.r_[True, ring_of[1:] != ring_of[:-1]])
    ends = np.r_[starts[1:], len(x)]  # one past each ring's closing point
    # signed area (shoelace) of each ring, over its edges i → i + 1
    term = np.zeros(len(x))
    term[:-1] = x[:-1] * y[1:] - x[1:] * y[:-1]
    term[ends - 1] = 0.0
    signed = np.add.reduceat(term, starts)
    exterior = np.broadcast_to(np.asarray(exterior, bool), signed.shape)
    flip = np.where(exterior, signed < 0, signed > 0)
    lengths = ends - starts - 1  # vertices without the closing point
    base = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    ring = np.repeat(np.arange(len(starts)), lengths)
    k = np.arange(int(lengths.sum())) - np.repeat(base, lengths)
    size = np.repeat(lengths, lengths)
    source = np.repeat(starts, lengths) + np.where(flip[ring], size - 1 - k, k)
    ox, oy = x[source], y[source]
    order = np.lexsort((oy, ox, ring))
    first = np.r_[True, ring[order][1:] != ring[order][:-1]]
    lowest = np.zeros(len(starts), np.int64)
    lowest[ring[order][first]] = order[first] - base[ring[order][first]]
    rotated = np.repeat(base, lengths) + (k + lowest[ring]) % size
    out = np.empty_like(coords)
    out[np.repeat(starts, lengths) + k] = np.column_stack([ox[rotated], oy[rotated]])
    out[ends - 1] = out[starts]
    return out
