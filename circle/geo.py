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
    """Return the MultiPolygons in one canonical form: every ring canonical, holes and polygons in order.

    Every ring is made canonical (see :func:`canonical_rings`); a polygon's
    holes, and a multipolygon's polygons, then follow one another by their
    rings' first vertices (x, then y; then their second vertices and their
    sizes). The same shape thus has the same coordinates, in the same order,
    whichever way it was made: polygonizing the streets of a tile and of a
    whole city gave one face its holes in two orders, and the face's id (a
    hash of its outline) differed.

    Examples
    --------
    >>> hole_a = [(1, 1), (1, 2), (2, 2), (2, 1)]
    >>> hole_b = [(5, 5), (5, 6), (6, 6), (6, 5)]
    >>> shell = [(0, 0), (10, 0), (10, 10), (0, 10)]
    >>> one = shapely.MultiPolygon([shapely.Polygon(shell, [hole_a, hole_b])])
    >>> two = shapely.MultiPolygon([shapely.Polygon(shell, [hole_b, hole_a])])
    >>> a, b = canonical_multipolygons(np.array([one, two], dtype=object))
    >>> shapely.to_wkb(a) == shapely.to_wkb(b)
    True
    """
    if len(geometries) == 0:
        return geometries
    polygons, geometry_of = shapely.get_parts(geometries, return_index=True)
    solid = ~shapely.is_empty(polygons)  # an empty part has no ring: its geometry, if nothing else, is empty
    polygons, geometry_of = polygons[solid], geometry_of[solid]
    rings, polygon_of = shapely.get_rings(polygons, return_index=True)
    is_exterior = np.r_[True, polygon_of[1:] != polygon_of[:-1]]
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    coords = canonical_rings(coords, ring_of, is_exterior)
    if len(coords):
        coords, ring_of, polygon_of, geometry_of = _ordered_rings(coords, ring_of, polygon_of, is_exterior, geometry_of)
    rebuilt_rings = shapely.linearrings(coords, indices=ring_of)
    rebuilt = shapely.polygons(rebuilt_rings, indices=polygon_of)
    out = np.empty(len(geometries), dtype=object)
    present = np.unique(geometry_of)
    if len(present):
        out[present] = shapely.multipolygons(rebuilt, indices=np.searchsorted(present, geometry_of))
    missing = np.setdiff1d(np.arange(len(geometries)), present)
    for i in missing:
        out[i] = shapely.MultiPolygon()
    return out


def _ordered_rings(
    coords: np.ndarray, ring_of: np.ndarray, polygon_of: np.ndarray, is_exterior: np.ndarray, geometry_of: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Put canonical rings in canonical order: each polygon's shell, then its holes; polygons in order.

    Rings and polygons are ordered by their (shell's) first two vertices and their size, so the order does
    not depend on how GEOS happened to list them. Returns the coordinates, the ring of each coordinate,
    the polygon of each ring and the geometry of each polygon, renumbered in the new order.
    """
    starts = np.flatnonzero(np.r_[True, ring_of[1:] != ring_of[:-1]])
    lengths = np.diff(np.r_[starts, len(coords)])
    second = np.minimum(starts + 1, len(coords) - 1)
    x0, y0, x1, y1 = coords[starts, 0], coords[starts, 1], coords[second, 0], coords[second, 1]
    shell = np.flatnonzero(is_exterior)  # the shell of polygon i is ring shell[i]
    polygon_order = np.lexsort((lengths[shell], y1[shell], x1[shell], y0[shell], x0[shell], geometry_of))
    polygon_rank = np.empty(len(polygon_order), np.int64)
    polygon_rank[polygon_order] = np.arange(len(polygon_order))
    ring_order = np.lexsort((lengths, y1, x1, y0, x0, ~is_exterior, polygon_rank[polygon_of]))
    new_lengths = lengths[ring_order]
    new_base = np.r_[0, np.cumsum(new_lengths)[:-1]]
    source = np.repeat(starts[ring_order] - new_base, new_lengths) + np.arange(int(new_lengths.sum()))
    new_ring_of = np.repeat(np.arange(len(ring_order)), new_lengths)
    return coords[source], new_ring_of, polygon_rank[polygon_of][ring_order], geometry_of[polygon_order]


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
