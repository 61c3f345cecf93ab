"""Walks on a saved study: isochrones from a point or a block, the facilities a point reaches, routes.

The study's tables become the engine's arrays here (:mod:`circle.engine.isochrones`,
:mod:`circle.engine.routes` work on a network and access rows and know nothing of the study folder).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from circle.engine.isochrones import DEFAULT_MARGIN_M, OffNetworkLinks, isochrone_from, reach_times
from circle.engine.routes import Route, quickest_route
from circle.errors import CircleError
from circle.geo import WGS84, polygonal_part, transform_geometry, transform_xy
from circle.prepare.network import AccessTable
from circle.study import Study
from circle.study.columns import BLOCK_ID, CATEGORY, FACILITY_ID


def point_isochrone(
    study: Study,
    lat: float,
    lon: float,
    minutes: tuple[float, ...] = (5, 10, 15),
    margin_m: float = DEFAULT_MARGIN_M,
) -> gpd.GeoDataFrame:
    """Return isochrone bands from a point (WGS-84 degrees).

    The point reaches the network through the nearest street segment, like a
    block boundary point does.

    Raises
    ------
    CircleError
        When the coordinates are out of range (with a hint if they look
        swapped) or the point is farther than the snapping limit from every
        walkable way.
    """
    access = snap_point(study, lat, lon)
    return _bands(study, access.node, access.seconds, access.x, access.y, minutes, margin_m)


def snap_point(study: Study, lat: float, lon: float) -> AccessTable:
    """Return how a point (WGS-84 degrees) reaches the study's network.

    Raises
    ------
    CircleError
        When the coordinates are out of range or outside the study (with a
        hint if they look swapped), or farther than the snapping limit from
        every walkable way.
    """
    _check_point(study, lat, lon)
    x, y = transform_xy(np.array([lon]), np.array([lat]), WGS84, study.crs)
    speed = study.summary.profile.speed
    max_snap = float(study.summary.parameters.max_snap_m)
    access = study.network.snap(np.zeros(1, np.int64), x, y, speed, max_snap)
    if len(access) == 0:
        raise CircleError(
            f"the point {lat:.6f}, {lon:.6f} is more than {max_snap:.0f} m from any walkable way of the "
            "study. Pick a point on or near a street inside the study area."
        )
    return access


def block_isochrone(
    study: Study,
    block_id: str,
    minutes: tuple[float, ...] = (5, 10, 15),
    margin_m: float = DEFAULT_MARGIN_M,
) -> gpd.GeoDataFrame:
    """Return isochrone bands from every access point of a block at once.

    Raises
    ------
    CircleError
        When the block does not exist or does not reach the network.
    """
    block_id = str(block_id)
    known = study.blocks[BLOCK_ID].astype(str)
    if not (known == block_id).any():
        examples = ", ".join(known.head(5))
        raise CircleError(f"the study has no block {block_id!r}. Block ids look like: {examples}.")
    rows = study.block_access[study.block_access[BLOCK_ID].astype(str) == block_id]
    if rows.empty:
        raise CircleError(f"block {block_id} does not reach the walking network (no access point).")
    return _bands(
        study,
        rows["node"].to_numpy(np.int64),
        rows["seconds"].to_numpy(float),
        rows["x"].to_numpy(float),
        rows["y"].to_numpy(float),
        minutes,
        margin_m,
    )


def _bands(study, nodes, seconds, x, y, minutes, margin_m) -> gpd.GeoDataFrame:
    minutes = tuple(sorted(float(m) for m in minutes))
    if not minutes or minutes[0] <= 0:
        raise CircleError(
            "isochrone bands must be positive numbers of minutes, for example 5, 10, 15.", about=("minutes",)
        )
    facility = study.facility_access
    links = OffNetworkLinks(
        facility["node"].to_numpy(np.int64),
        facility["seconds"].to_numpy(float),
        facility["x"].to_numpy(float),
        facility["y"].to_numpy(float),
        from_node=True,
    )
    bands = isochrone_from(study.network, nodes, seconds, x, y, minutes, margin_m, links).to_crs(WGS84)
    # Reprojection can pinch a ring where two bands touch: repair it.
    bands["geometry"] = [polygonal_part(g) for g in shapely.make_valid(bands.geometry.to_numpy())]
    return bands


def _check_point(study: Study, lat: float, lon: float) -> None:
    west, south, east, north = study.summary.bbox
    if not (-90 <= lat <= 90) or not (-180 <= lon <= 180):
        hint = " They look swapped: the latitude (−90…90) comes first." if -90 <= lon <= 90 else ""
        raise CircleError(f"latitude {lat}, longitude {lon} are not valid coordinates.{hint}", about=("lat", "lon"))
    margin = 0.05
    inside = west - margin <= lon <= east + margin and south - margin <= lat <= north + margin
    swapped_inside = west - margin <= lat <= east + margin and south - margin <= lon <= north + margin
    if not inside:
        hint = f" Did you swap them? Latitude {lon}, longitude {lat} lies inside." if swapped_inside else ""
        raise CircleError(
            f"the point at latitude {lat}, longitude {lon} lies outside the study, which covers "
            f"longitudes {west:.4f}…{east:.4f} and latitudes {south:.4f}…{north:.4f}.{hint}",
            about=("lat", "lon"),
        )


def facilities_reached(study: Study, lat: float, lon: float, limit_min: float = 15.0):
    """Return the facilities reachable on foot from a point within ``limit_min``, nearest first.

    Returns
    -------
    pandas.DataFrame
        ``facility_id``, ``category``, ``name`` and ``minutes``.
    """
    access = snap_point(study, lat, lon)
    times = reach_times(study.network, access.node, access.seconds, limit_min * 60.0)
    rows = study.facility_access
    arrival = times[rows["node"].to_numpy(np.int64)] + rows["seconds"].to_numpy(float)
    best = pd.Series(arrival, index=rows[FACILITY_ID].to_numpy()).groupby(level=0).min()
    best = best[best <= limit_min * 60.0]
    facilities = study.facilities.set_index(FACILITY_ID).loc[best.index, [CATEGORY, "name"]]
    frame = facilities.assign(minutes=(best / 60.0).round(1)).reset_index()
    return frame.sort_values([CATEGORY, "minutes"]).reset_index(drop=True)


def route(study: Study, block_id: str, facility_id: str) -> Route | None:
    """Return the quickest walk from a block to a facility (None when it does not reach it).

    The search is the same as the engine's: from every access point of the
    block, over the study's network, to every access point of the facility.
    """
    start, _ = study.access_table("blocks", [str(block_id)])
    end, _ = study.access_table("facilities", [facility_id])
    walk = quickest_route(study.network, start, end, study.summary.profile.speed)
    if walk is None:
        return None
    line, metres, steps_metres = walk
    return Route(transform_geometry(line, study.crs, WGS84), metres, steps_metres)
