"""Where a polygon is entered: mapped entrances on its edge, else points along it."""

from __future__ import annotations

import numpy as np
import shapely

#: an entrance node this close to an outline (metres) counts as a door in it.
ENTRANCE_TOLERANCE_M = 15.0


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
    owners, xs, ys = [], [], []
    boundaries = shapely.boundary(np.asarray(geometries, dtype=object))
    lengths = shapely.length(boundaries)
    for index, (boundary, length) in enumerate(zip(boundaries, lengths, strict=True)):
        if boundary is None or length == 0:
            point = shapely.point_on_surface(geometries[index])
            owners.append(np.array([index]))
            xs.append(np.array([point.x]))
            ys.append(np.array([point.y]))
            continue
        parts = shapely.get_parts(boundary)
        for part in parts:
            part_len = part.length
            count = max(4, int(np.ceil(part_len / spacing_m)))
            distances = np.linspace(0.0, part_len, count, endpoint=False)
            pts = shapely.line_interpolate_point(part, distances)
            coords = shapely.get_coordinates(pts)
            owners.append(np.full(len(coords), index))
            xs.append(coords[:, 0])
            ys.append(coords[:, 1])
    if not owners:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty, empty
    return np.concatenate(owners).astype(np.int64), np.concatenate(xs), np.concatenate(ys)


def polygon_access_points(
    geometries: np.ndarray,
    entrance_x: np.ndarray,
    entrance_y: np.ndarray,
    spacing_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the points through which each polygon is entered.

    A polygon with mapped entrances on its outline (within
    :data:`ENTRANCE_TOLERANCE_M`) is entered only through them; otherwise
    through points spaced along its boundary. Point geometries are their own
    access point.

    Parameters
    ----------
    geometries : numpy.ndarray
        Points, polygons or multipolygons in a projected CRS.
    entrance_x, entrance_y : numpy.ndarray
        Mapped entrances (``entrance=*``, gates) in the same CRS.
    spacing_m : float
        Spacing of boundary points where no entrance is mapped.

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
    sampled = areas[~with_entrances[areas]]
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
