"""The published site's local plane: whole metres east and north of an origin.

The page draws, measures and places pins on this plane; the formula is simple
enough to invert in a browser (see the format in :mod:`circle.publish`).
Over a city (tens of kilometres) it is off by less than 0.5 % in scale, which a
map for residents does not show.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

EARTH_RADIUS_M = 6371008.8


@dataclass(frozen=True)
class LocalPlane:
    """An equirectangular plane centred on ``(lon0, lat0)``.

    Examples
    --------
    >>> plane = LocalPlane(104.0, 30.0)
    >>> x, y = plane.to_local(np.array([104.01]), np.array([30.0]))
    >>> round(float(x[0])), round(float(y[0]))
    (963, 0)
    >>> lon, lat = plane.to_lonlat(x, y)
    >>> round(float(lon[0]), 5)
    104.01
    """

    lon0: float
    lat0: float

    @property
    def _x_scale(self) -> float:
        return EARTH_RADIUS_M * np.pi / 180.0 * float(np.cos(np.radians(self.lat0)))

    @property
    def _y_scale(self) -> float:
        return EARTH_RADIUS_M * np.pi / 180.0

    def to_local(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return x, y in metres (floats) of WGS-84 degrees."""
        return (np.asarray(lon, float) - self.lon0) * self._x_scale, (
            np.asarray(lat, float) - self.lat0
        ) * self._y_scale

    def to_lonlat(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return WGS-84 degrees of x, y in metres."""
        return self.lon0 + np.asarray(x, float) / self._x_scale, self.lat0 + np.asarray(y, float) / self._y_scale

    def as_json(self) -> dict[str, float]:
        """Return the origin as ``site.json`` holds it."""
        return {"lon": round(self.lon0, 7), "lat": round(self.lat0, 7)}


def rings_local(geometry, plane: LocalPlane) -> list[list[list[int]]]:
    """Return the rings of a (multi)polygon in WGS-84 as lists of whole-metre points on ``plane``."""
    rings = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.is_empty or not isinstance(polygon, shapely.Polygon):
            continue
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = np.asarray(ring.coords)
            x, y = plane.to_local(coords[:, 0], coords[:, 1])
            rings.append(np.column_stack([np.rint(x), np.rint(y)]).astype(int).tolist())
    return rings
