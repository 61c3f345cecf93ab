"""Catch a facility table declared in the wrong coordinate system by comparing it with OpenStreetMap.

The same clinic in a bureau's list and in OpenStreetMap is rarely more than a
few tens of metres apart; a GCJ-02 or BD-09 table read as WGS-84 is off by
hundreds of metres in one consistent direction. Each imported point is read
under every system in turn, and the median distance to the nearest
OpenStreetMap facility of its category is compared: when another system fits
clearly better than the declared one, the check says which.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from circle.coords import SYSTEMS, to_wgs84
from circle.geo import WGS84, transform_xy

MATCH_RADIUS_M = 1500.0
MIN_MATCHES = 5
CLEARLY_BETTER = 0.5  # the better system's median must be under half the declared one's …
MIN_GAIN_M = 50.0  # … and better by at least this many metres
SYSTEM_NAMES = {"wgs84": "WGS-84", "gcj02": "GCJ-02 (AMap/高德, Tencent/腾讯)", "bd09": "BD-09 (Baidu/百度)"}


def check_offset(table: gpd.GeoDataFrame, osm: gpd.GeoDataFrame, crs: str) -> dict[str, Any]:
    """Compare an imported table with the OSM facilities of the same categories under each coordinate system.

    Parameters
    ----------
    table : geopandas.GeoDataFrame
        From :func:`circle.sources.tables.read_facility_table` (``declared_*`` columns).
    osm : geopandas.GeoDataFrame
        The OpenStreetMap facilities (any CRS), with ``category``.
    crs : str
        A metric CRS to measure in.

    Returns
    -------
    dict
        ``declared``, ``median_m`` per system (None when too few matches),
        ``matched`` (points with an OSM counterpart within 1500 m under the best
        system), ``suggested`` (a better system, or None) and ``message``.
    """
    declared = str(table["declared_system"].iloc[0]) if len(table) else "wgs84"
    result: dict[str, Any] = {"declared": declared, "median_m": {}, "matched": 0, "suggested": None, "message": ""}
    if declared not in SYSTEMS or osm.empty or table.empty:
        result["message"] = "offset check skipped: the table is in projected x/y, or there is nothing to compare with"
        return result
    osm_points = osm.to_crs(crs).geometry.representative_point()
    trees = {
        category: (shapely.STRtree(osm_points[osm["category"].to_numpy() == category].to_numpy()))
        for category in set(table["category"])
        if (osm["category"].to_numpy() == category).any()
    }
    categories = table["category"].to_numpy(object)
    distances = {}
    for system in SYSTEMS:
        lon, lat = to_wgs84(table["declared_lon"].to_numpy(float), table["declared_lat"].to_numpy(float), system)
        x, y = transform_xy(lon, lat, WGS84, crs)
        nearest = np.full(len(table), np.inf)
        for category, tree in trees.items():
            rows = np.flatnonzero(categories == category)
            points = shapely.points(x[rows], y[rows])
            _, gaps = tree.query_nearest(points, return_distance=True, all_matches=False)
            nearest[rows] = gaps
        distances[system] = nearest
    close = np.zeros(len(table), bool)
    for nearest in distances.values():
        close |= nearest <= MATCH_RADIUS_M
    result["matched"] = int(close.sum())
    if close.sum() < MIN_MATCHES:
        result["message"] = (
            f"offset check skipped: only {int(close.sum())} imported facilities have an OpenStreetMap facility "
            f"of their category within {MATCH_RADIUS_M:.0f} m (at least {MIN_MATCHES} needed)"
        )
        return result
    medians = {system: float(np.median(np.minimum(d[close], 10 * MATCH_RADIUS_M))) for system, d in distances.items()}
    result["median_m"] = {system: round(value, 1) for system, value in medians.items()}
    result["suggested"], result["message"] = verdict(
        medians,
        declared,
        "the imported facilities",
        "from the nearest OpenStreetMap facility of their category",
        "the table",
        "its coordinates",
    )
    return result


def verdict(
    medians: dict[str, float],
    declared: str,
    subject: str,
    measure: str,
    container: str,
    declaration: str,
    min_gain_m: float = MIN_GAIN_M,
) -> tuple[str | None, str]:
    """Return the system that fits clearly better than the declared one (or None) and the sentence saying so.

    Parameters
    ----------
    medians : dict
        The misfit in metres under each of :data:`~circle.coords.SYSTEMS`.
    declared : str
        The system the data was read in (a projected ``EPSG:CODE`` is compared as ``wgs84``).
    subject, measure, container, declaration : str
        Words of the message: "the imported facilities" "lie a median 412 m" "from the nearest …";
        "the table" "is probably in GCJ-02"; "analyse again with its coordinates declared as gcj02".
    min_gain_m : float
        How many metres better another system must fit (besides fitting in under half the misfit).
    """
    compared = declared if declared in medians else "wgs84"
    best = min(medians, key=medians.get)
    if (
        best != compared
        and medians[best] < CLEARLY_BETTER * medians[compared]
        and medians[compared] - medians[best] > min_gain_m
    ):
        return best, (
            f"{subject}, read as {declared}, lie a median {medians[compared]:.0f} m {measure}; read as {best} "
            f"they lie {medians[best]:.0f} m away. {container[0].upper()}{container[1:]} is probably in "
            f"{SYSTEM_NAMES[best]}: analyse again with {declaration} declared as {best}."
        )
    return None, (
        f"offset check: read as {declared}, {subject} lie a median {medians[compared]:.0f} m {measure}; "
        "no other coordinate system fits better"
    )
