"""Large residential areas cut into blocks at neighbourhood scale.

A ``landuse=residential`` polygon may outline a whole village or valley,
several kilometres across; as one block, all its residents would get the time
from the best point of its edge. An area larger than the preset's
``max_block_area_ha`` or longer than ``max_block_span_m`` (the long side of
its minimum rotated rectangle) is cut by the streets inside it
(:data:`circle.sources.osm.BLOCK_STREETS`, the same streets that bound street
blocks; footpaths do not cut); a piece still over either bound is cut by the
squares of a grid of ``block_cell_m`` laid on the area itself (a corner on its
centroid), so the same area is cut the same wherever it lies, and a tile of a
batch, which reads an area whole, cuts it as a whole run does. A sliver under :data:`SLIVER_SHARE` of a grid square
joins the part it shares the longest edge with, where that stays within the
bounds. Parts are named ``<parent id>-<k>``, numbered from north to south,
then west to east, and keep the parent's id in ``parent_id`` and its name.

A gated compound (an area with a mapped gate or entrance on its edge) keeps
its gates: its parts are entered through the gates on their edge and across
the cuts inside the compound, never through its fence (``fence`` holds the
compound's outline for :func:`circle.prepare.access_points.polygon_access_points`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from circle.geo import canonical_multipolygons, polygonal_part
from circle.prepare.access_points import ENTRANCE_TOLERANCE_M

#: a piece of a cut smaller than this share of a grid square is no block of its own: it joins a neighbouring part.
SLIVER_SHARE = 0.25


@dataclass(frozen=True)
class SplitRule:
    """When an area is too large to be one block, and how it is cut.

    Attributes
    ----------
    max_area_m2 : float
        Areas larger than this are cut.
    max_span_m : float
        Areas whose minimum rotated rectangle is longer than this are cut.
    cell_m : float
        Side of the grid squares that cut what streets leave too large (each area's grid has a corner on
        its centroid).
    """

    max_area_m2: float
    max_span_m: float
    cell_m: float

    def too_large(self, geometries: np.ndarray) -> np.ndarray:
        """Whether each geometry is over either bound."""
        return (shapely.area(geometries) > self.max_area_m2 + 1e-6) | (span_m(geometries) > self.max_span_m + 1e-6)


def span_m(geometries: np.ndarray) -> np.ndarray:
    """Return the long side of each geometry's minimum rotated rectangle (metres)."""
    geometries = np.asarray(geometries, dtype=object)
    if len(geometries) == 0:
        return np.zeros(0)
    envelopes = shapely.oriented_envelope(geometries)
    coords, owner = shapely.get_coordinates(shapely.boundary(envelopes), return_index=True)
    out = np.zeros(len(geometries))
    if len(coords) < 2:
        return out
    step = np.hypot(*np.diff(coords, axis=0).T)
    same = owner[1:] == owner[:-1]
    np.maximum.at(out, owner[1:][same], step[same])
    return out


def split_geometries(
    geometries: np.ndarray, street_lines: np.ndarray, rule: SplitRule
) -> tuple[np.ndarray, np.ndarray]:
    """Cut each geometry over the rule's bounds into parts.

    Parameters
    ----------
    geometries : numpy.ndarray
        Block outlines (projected metres).
    street_lines : numpy.ndarray
        Streets that may cut them, in the same CRS.
    rule : SplitRule
        The bounds and the grid.

    Returns
    -------
    tuple of numpy.ndarray
        The parts (canonical MultiPolygons) and the position of the geometry
        each came from; a geometry within the bounds is its own single part.
        Parts of one geometry follow each other, north to south, then west to east.
    """
    geometries = np.asarray(geometries, dtype=object)
    large = rule.too_large(geometries)
    tree = shapely.STRtree(np.asarray(street_lines, dtype=object)) if len(street_lines) else None
    parts, parent = [], []
    for index, geometry in enumerate(geometries):
        if not large[index]:
            parts.append(geometry)
            parent.append(index)
            continue
        pieces = _street_pieces(geometry, street_lines, tree)
        centre = shapely.centroid(geometry)
        pieces = np.concatenate(
            [_grid_pieces(p, rule.cell_m, centre) if rule.too_large(np.array([p]))[0] else [p] for p in pieces]
        )
        pieces = _north_to_south(_merge_slivers(pieces, rule))
        parts.extend(pieces)
        parent.extend([index] * len(pieces))
    out = np.empty(len(parts), dtype=object)
    out[:] = parts
    return canonical_multipolygons(out), np.asarray(parent, dtype=np.int64)


def gated(geometries: np.ndarray, gate_x: np.ndarray, gate_y: np.ndarray) -> np.ndarray:
    """Whether each outline has a mapped gate or entrance on its edge (within the entrance tolerance)."""
    flags = np.zeros(len(geometries), bool)
    if len(geometries) == 0 or len(gate_x) == 0:
        return flags
    tree = shapely.STRtree(shapely.points(gate_x, gate_y))
    ring_idx, _ = tree.query(shapely.boundary(geometries), predicate="dwithin", distance=ENTRANCE_TOLERANCE_M)
    flags[ring_idx] = True
    return flags


def _street_pieces(geometry, street_lines: np.ndarray, tree: shapely.STRtree | None) -> np.ndarray:
    """Return the faces the streets inside ``geometry`` cut it into (the geometry itself when none do)."""
    if tree is None:
        return np.array([geometry], dtype=object)
    crossing = street_lines[tree.query(geometry, predicate="intersects")]
    if len(crossing) == 0:
        return np.array([geometry], dtype=object)
    # the streets are noded whole with the outline: clipped first, a street's end came out a hair off the outline
    # (the crossing computed in floating point), was not noded onto it and cut nothing, in one copy of an area
    # and not in another (Andorra: 8, 5, 6 and 4 pieces of one area in four copies)
    noded = shapely.union_all(np.concatenate([[shapely.boundary(geometry)], crossing]))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    kept = faces[shapely.within(shapely.point_on_surface(faces), geometry)]
    if len(kept) == 0:
        return np.array([geometry], dtype=object)
    # a face of the noded lines is the block's own wherever its inside is; clip it so the parts tile the block
    clipped = np.array([polygonal_part(p) for p in shapely.intersection(kept, geometry)], dtype=object)
    return clipped[~shapely.is_empty(clipped) & (shapely.area(clipped) > 0)]


def _grid_pieces(piece, cell_m: float, centre) -> np.ndarray:
    """``piece`` of an area cut by the squares of a grid of ``cell_m`` with a corner on the area's ``centre``.

    The grid is the area's own: the same area is cut the same wherever it lies (a grid fixed to the CRS's
    origin cut two copies of an area differently), and a tile of a batch, which reads an area whole, cuts it
    as a whole run does.
    """
    ox, oy = shapely.get_x(centre), shapely.get_y(centre)
    west, south, east, north = shapely.bounds(piece)
    xs = ox + np.arange(np.floor((west - ox) / cell_m), np.ceil((east - ox) / cell_m)) * cell_m
    ys = oy + np.arange(np.floor((south - oy) / cell_m), np.ceil((north - oy) / cell_m)) * cell_m
    gx, gy = np.meshgrid(xs, ys)
    squares = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + cell_m, gy.ravel() + cell_m)
    squares = squares[shapely.intersects(squares, piece)]
    cut = np.array([polygonal_part(p) for p in shapely.intersection(squares, piece)], dtype=object)
    return cut[~shapely.is_empty(cut) & (shapely.area(cut) > 0)]


def _merge_slivers(pieces: np.ndarray, rule: SplitRule) -> np.ndarray:
    """Join every piece under a quarter of a grid square to the neighbour it shares the longest edge with.

    A sliver joins the first neighbour (longest shared edge first) with which it stays within the bounds;
    one that can join none stays a part of its own.
    """
    pieces = list(pieces)
    smallest = SLIVER_SHARE * rule.cell_m**2
    settled: set[int] = set()
    while len(pieces) > 1:
        areas = shapely.area(np.array(pieces, dtype=object))
        small = [i for i in np.argsort(areas, kind="stable") if areas[i] < smallest and id(pieces[i]) not in settled]
        if not small:
            break
        sliver = small[0]
        others = np.array([i for i in range(len(pieces)) if i != sliver])
        neighbours = np.array([pieces[i] for i in others], dtype=object)
        shared = shapely.length(shapely.intersection(shapely.boundary(pieces[sliver]), shapely.boundary(neighbours)))
        # a sliver touching none (an island of a multipolygon) tries the nearest pieces first
        order = (
            np.argsort(-shared, kind="stable")
            if shared.max() > 0
            else np.argsort(shapely.distance(pieces[sliver], neighbours), kind="stable")
        )
        joined = None
        for candidate in others[order]:
            union = polygonal_part(shapely.union(pieces[candidate], pieces[sliver]))
            if not rule.too_large(np.array([union], dtype=object))[0]:
                joined = candidate
                break
        if joined is None:
            settled.add(id(pieces[sliver]))
            continue
        pieces[joined] = union
        del pieces[sliver]
    return np.array(pieces, dtype=object)


def _north_to_south(pieces: np.ndarray) -> np.ndarray:
    inner = shapely.point_on_surface(pieces)
    order = np.lexsort((np.round(shapely.get_x(inner)), -np.round(shapely.get_y(inner))))
    return pieces[order]
