"""Chinese web-map coordinates: GCJ-02 (AMap, Tencent) and BD-09 (Baidu) to and from WGS-84.

GCJ-02 is WGS-84 shifted by a public obfuscation formula (offsets of about
100–700 m); BD-09 is GCJ-02 rotated and shifted again. The forward formulas
are closed-form; GCJ-02 → WGS-84 has none, so it is solved by fixed-point
iteration until the forward map reproduces the input to 1e-10 degrees
(about 0.01 mm). Points outside China's bounding box are left unchanged, as
the web maps do. All functions take and return NumPy arrays (or scalars) of
longitude and latitude in degrees.
"""

from __future__ import annotations

import numpy as np
import shapely

from circle.errors import CircleError

SYSTEMS = ("wgs84", "gcj02", "bd09")
_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0
_TOLERANCE_DEG = 1e-10
_MAX_ITERATIONS = 30


def out_of_china(lon, lat) -> np.ndarray:
    """Return True where a point lies outside the box in which the web maps apply the offset."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    return ~((lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271))


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the GCJ-02 shift (degrees) at a WGS-84 point."""
    x, y = lon - 105.0, lat - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    d_lat += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    d_lon += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = np.radians(lat)
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon, lat):
    """Return GCJ-02 coordinates of WGS-84 points.

    Examples
    --------
    >>> [round(float(v), 8) for v in wgs84_to_gcj02(116.404, 39.915)]
    [116.4102445, 39.91640428]
    """
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    d_lon, d_lat = _offset(lon, lat)
    outside = out_of_china(lon, lat)
    return np.where(outside, lon, lon + d_lon), np.where(outside, lat, lat + d_lat)


def gcj02_to_wgs84(lon, lat):
    """Return WGS-84 coordinates of GCJ-02 points (exact inverse by iteration)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    return _invert(wgs84_to_gcj02, lon, lat, lon.copy(), lat.copy())


def gcj02_to_bd09(lon, lat):
    """Return BD-09 coordinates of GCJ-02 points.

    Examples
    --------
    >>> [round(float(v), 8) for v in gcj02_to_bd09(116.404, 39.915)]
    [116.41036949, 39.92133699]
    """
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    out_lon, out_lat = z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006
    outside = out_of_china(lon, lat)
    return np.where(outside, lon, out_lon), np.where(outside, lat, out_lat)


def bd09_to_gcj02(lon, lat):
    """Return GCJ-02 coordinates of BD-09 points (inverse refined by iteration)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _invert(gcj02_to_bd09, lon, lat, z * np.cos(theta), z * np.sin(theta))


def _invert(forward, lon: np.ndarray, lat: np.ndarray, guess_lon: np.ndarray, guess_lat: np.ndarray):
    """Solve ``forward(x) = (lon, lat)`` by fixed-point iteration from a guess (points outside China unchanged).

    Only the points not yet solved are iterated again. A point the iteration cannot solve (on the edge of the
    box in which the offset applies, where the forward map jumps) is NaN: no position is better than one
    500–900 m off.
    """
    shape = np.broadcast_shapes(np.shape(lon), np.shape(lat))
    lon = np.broadcast_to(np.asarray(lon, float), shape).ravel()
    lat = np.broadcast_to(np.asarray(lat, float), shape).ravel()
    out_lon = np.broadcast_to(np.asarray(guess_lon, float), shape).ravel().copy()
    out_lat = np.broadcast_to(np.asarray(guess_lat, float), shape).ravel().copy()
    active = np.isfinite(lon) & np.isfinite(lat)
    for _ in range(_MAX_ITERATIONS):
        if not active.any():
            break
        forward_lon, forward_lat = forward(out_lon[active], out_lat[active])
        error_lon, error_lat = forward_lon - lon[active], forward_lat - lat[active]
        out_lon[active] -= error_lon
        out_lat[active] -= error_lat
        solved = (np.abs(error_lon) < _TOLERANCE_DEG) & (np.abs(error_lat) < _TOLERANCE_DEG)
        active[np.flatnonzero(active)[solved]] = False
    out_lon[active], out_lat[active] = np.nan, np.nan  # no solution
    outside = out_of_china(lon, lat)
    return np.where(outside, lon, out_lon).reshape(shape), np.where(outside, lat, out_lat).reshape(shape)


def to_wgs84(lon, lat, system: str):
    """Return WGS-84 coordinates of points given in ``system`` (``wgs84``, ``gcj02`` or ``bd09``).

    Raises
    ------
    CircleError
        For an unknown system.
    """
    system = check_system(system)
    if system == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if system == "bd09":
        return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))
    return np.asarray(lon, float), np.asarray(lat, float)


def from_wgs84(lon, lat, system: str):
    """Return coordinates in ``system`` of WGS-84 points (what a Chinese web map would show)."""
    system = check_system(system)
    if system == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if system == "bd09":
        return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
    return np.asarray(lon, float), np.asarray(lat, float)


def check_system(system: str) -> str:
    """Return the normalised system name, or raise a CircleError naming the choices."""
    name = str(system).strip().lower().replace("-", "").replace("_", "")
    aliases = {"wgs84": "wgs84", "epsg4326": "wgs84", "gcj02": "gcj02", "gcj": "gcj02", "bd09": "bd09", "bd": "bd09"}
    if name not in aliases:
        raise CircleError(
            f"unknown coordinate system {system!r}: use wgs84 (GPS, OpenStreetMap), gcj02 (AMap/高德, Tencent/腾讯) "
            "or bd09 (Baidu/百度)."
        )
    return aliases[name]


def transform_geometry(geometry, system: str, inverse: bool = False):
    """Return a shapely geometry (lon/lat) moved from WGS-84 into ``system`` (or back with ``inverse``)."""
    convert = to_wgs84 if inverse else from_wgs84

    def move(coords: np.ndarray) -> np.ndarray:
        lon, lat = convert(coords[:, 0], coords[:, 1], system)
        return np.column_stack([lon, lat])

    return shapely.transform(geometry, move)
