"""Where a polygon is entered: mapped entrances on its edge, else points along it."""

from __future__ import annotations

import numpy as np
import shapely

from circle.geo import WGS84, transform_xy
from circle.sources.osm import OsmData

#: an entrance node this close to an outline (metres) counts as a door in it.
ENTRANCE_TOLERANCE_M = 15.0
#: a part's outline this close to its compound's fence (metres) is the fence.
FENCE_TOLERANCE_M = 1.0


def boundary_points(geometries: np.ndarray, spacing_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample points along the outer boundary of each polygon.

    Parameters
    ----------
    geometries : numpy.ndarray
        Polygons or multipolygons in a projected CRS.
    spacing_m : float
        Distance between consecutive points; every polygon gets at least 4
        points (or 1 for a degenerate one).

    Returns
    -------
    tuple of numpy.ndarray
        ``(owner, x, y)``: the index of the polygon each point belongs to and
        its coordinates.
    """
    geometries = np.asarray(geometries, dtype=object)
    boundaries = shapely.boundary(geometries)
    lengths = np.where(shapely.is_missing(boundaries), 0.0, shapely.length(boundaries))
    degenerate = np.flatnonzero(lengths == 0)
    owner, x, y = _points_along(boundaries, spacing_m)
    centres = shapely.point_on_surface(geometries[degenerate])
    owner = np.concatenate([owner, degenerate]).astype(np.int64)
    x = np.concatenate([x, shapely.get_x(centres)])
    y = np.concatenate([y, shapely.get_y(centres)])
    order = np.argsort(owner, kind="stable")
    return owner[order], x[order], y[order]


def _points_along(lines: np.ndarray, spacing_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points every ``spacing_m`` along each line's parts (at least 4 a part); empty lines get none."""
    lengths = np.where(shapely.is_missing(lines), 0.0, shapely.length(lines))
    parts, owner_of_part = shapely.get_parts(lines[lengths > 0], return_index=True)
    owner_of_part = np.flatnonzero(lengths > 0)[owner_of_part]
    part_length = shapely.length(parts)
    counts = np.maximum(4, np.ceil(part_length / spacing_m)).astype(np.int64)
    part_of_point = np.repeat(np.arange(len(parts)), counts)
    rank = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    distances = rank * (part_length / counts)[part_of_point]
    points = shapely.line_interpolate_point(parts[part_of_point], distances)
    coords = shapely.get_coordinates(points)
    return owner_of_part[part_of_point].astype(np.int64), coords[:, 0], coords[:, 1]


def polygon_access_points(
    geometries: np.ndarray,
    entrance_x: np.ndarray,
    entrance_y: np.ndarray,
    spacing_m: float,
    fences: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the points through which each polygon is entered.

    A polygon with mapped entrances on its outline (within
    :data:`ENTRANCE_TOLERANCE_M`) is entered only through them; otherwise
    through points spaced along its boundary. Point geometries are their own
    access point. A polygon with a fence (a part of a gated compound) is
    entered through the entrances on its outline and through points spaced
    along the rest of its outline that is not the fence (the cuts inside
    the compound), never across the fence.

    Parameters
    ----------
    geometries : numpy.ndarray
        Points, polygons or multipolygons in a projected CRS.
    entrance_x, entrance_y : numpy.ndarray
        Mapped entrances (``entrance=*``, gates) in the same CRS.
    spacing_m : float
        Spacing of boundary points where no entrance is mapped.
    fences : numpy.ndarray, optional
        Per polygon, the line it may not be entered across, or None.

    Returns
    -------
    tuple of numpy.ndarray
        ``(owner, x, y, via_entrance)``.
    """
    geometries = np.asarray(geometries, dtype=object)
    type_ids = shapely.get_type_id(geometries)
    is_point = type_ids == 0
    owners, xs, ys, via = [], [], [], []
    if is_point.any():
        index = np.flatnonzero(is_point)
        owners.append(index)
        xs.append(shapely.get_x(geometries[index]))
        ys.append(shapely.get_y(geometries[index]))
        via.append(np.zeros(len(index), bool))
    areas = np.flatnonzero(~is_point)
    with_entrances = np.zeros(len(geometries), bool)
    if len(areas) and len(entrance_x):
        entrances = shapely.points(entrance_x, entrance_y)
        tree = shapely.STRtree(entrances)
        rings = shapely.boundary(geometries[areas])
        ring_idx, entrance_idx = tree.query(rings, predicate="dwithin", distance=ENTRANCE_TOLERANCE_M)
        if len(ring_idx):
            owners.append(areas[ring_idx])
            xs.append(np.asarray(entrance_x)[entrance_idx])
            ys.append(np.asarray(entrance_y)[entrance_idx])
            via.append(np.ones(len(ring_idx), bool))
            with_entrances[areas[ring_idx]] = True
    fenced = np.zeros(len(geometries), bool)
    if fences is not None:
        fences = np.asarray(fences, dtype=object)
        fenced = ~shapely.is_missing(fences)
    sampled = areas[~with_entrances[areas] & ~fenced[areas]]
    inside = np.flatnonzero(fenced)
    if len(inside):
        cuts = shapely.difference(
            shapely.boundary(geometries[inside]), shapely.buffer(fences[inside], FENCE_TOLERANCE_M)
        )
        owner, x, y = _points_along(cuts, spacing_m)
        owners.append(inside[owner])
        xs.append(x)
        ys.append(y)
        via.append(np.zeros(len(owner), bool))
    if len(sampled):
        owner, x, y = boundary_points(geometries[sampled], spacing_m)
        owners.append(sampled[owner])
        xs.append(x)
        ys.append(y)
        via.append(np.zeros(len(owner), bool))
    if not owners:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty, empty, empty.astype(bool)
    return (
        np.concatenate(owners).astype(np.int64),
        np.concatenate(xs),
        np.concatenate(ys),
        np.concatenate(via),
    )


def entrances_xy(osm: OsmData, crs: str, residents: bool) -> tuple[np.ndarray, np.ndarray]:
    """Return the mapped entrances and gates; private ones are doors for residents, not for the public."""
    closed = ["no"] if residents else ["private", "no"]
    usable = osm.entrances[~osm.entrances["access"].isin(closed).to_numpy()]
    if usable.empty:
        return np.zeros(0), np.zeros(0)
    return transform_xy(shapely.get_x(usable.geometry.values), shapely.get_y(usable.geometry.values), WGS84, crs)
