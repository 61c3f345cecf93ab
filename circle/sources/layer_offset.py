"""Catch a polygon or line layer declared in the wrong coordinate system by comparing its outlines with OpenStreetMap.

A compound outline, a census polygon or a study area drawn on a map follows
what is on the ground: its edges run along streets, along the outlines of
residential areas and along administrative boundaries, which OpenStreetMap
maps too. Read in the right system, most of an outline lies a few metres
from such an edge; a GCJ-02 or BD-09 layer read as WGS-84 is shifted by
300–600 m in one direction, and its outline then lies wherever the shift puts
it, typically 30–40 m from the nearest edge in a dense city.

The measure: each feature's outline is sampled every :data:`SPACING_M`
metres and cut into pieces of :data:`PIECE_SAMPLES` samples (200 m); a
piece's misfit is the median distance of its samples to the nearest
OpenStreetMap edge, and the layer's misfit under a system is the median over
the pieces that lie inside the OpenStreetMap data under every system and
near one of its edges under at least one (a piece shifted out of the
extract would otherwise count against its system). The
layer is read under every system in turn (the same samples, moved by the
exact conversions), and another system is suggested only when its misfit is
under half the declared one's and :data:`MIN_GAIN_M` smaller, with enough
features and outline to judge (:func:`check_layer_offset`). Where
OpenStreetMap maps streets only, compounds fit them only somewhat better in
the right place than in a wrong one (about 21 against 37 m in central
Chengdu), and the check says no other system fits clearly better rather than
guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from circle.coords import SYSTEMS, from_wgs84, out_of_china, to_wgs84, transform_geometry
from circle.geo import WGS84, transform_geometries, transform_xy
from circle.sources.offset_check import verdict

SPACING_M = 20.0  # outline samples every 20 m …
MAX_SAMPLES = 400  # … but at most this many per feature (a district's long boundary is sampled more sparsely)
PIECE_SAMPLES = 10  # a piece of outline: 10 samples, 200 m
CAP_M = 250.0  # a sample farther than this from every edge counts as this far
REACH_M = 100.0  # a piece is compared when its misfit is under this under at least one system
MIN_PIECES = 10  # at least 2 km of outline compared …
MIN_GAIN_M = 10.0  # … and a better system must fit at least this many metres better (and under half)
OSM_EDGES = "OpenStreetMap street, residential-area outline or administrative boundary"


@dataclass
class OffsetReference:
    """The edges a layer's outlines are compared with, as short segments in a metric CRS.

    Attributes
    ----------
    crs : str
        The metric CRS of the edges.
    lines : numpy.ndarray
        Shapely lines or polygons (their outlines are used).
    words : str
        What the edges are, for messages ("OpenStreetMap street, …").
    """

    crs: str
    lines: np.ndarray
    words: str = OSM_EDGES
    _tree: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_osm(cls, osm, crs: str) -> OffsetReference:
        """Return the streets, residential-area outlines and administrative boundaries of an :class:`OsmData`."""
        streets = osm.street_lines_in(crs).geometry.to_numpy()
        areas = np.concatenate([osm.residential.geometry.to_numpy(), osm.admin_areas.geometry.to_numpy()])
        outlines = shapely.boundary(transform_geometries(areas, WGS84, crs)) if len(areas) else np.zeros(0, object)
        return cls(crs, np.concatenate([streets, outlines]))

    @property
    def tree(self) -> shapely.STRtree:
        """An STRtree of the edges cut into their straight segments (built on first use)."""
        if self._tree is None:
            self._tree = shapely.STRtree(_segments(self.lines))
        return self._tree

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the edges: where the reference has data at all."""
        return tuple(float(v) for v in shapely.total_bounds(self.lines))

    @property
    def empty(self) -> bool:
        """Whether there is no edge to compare with."""
        return len(self.lines) == 0


def check_layer_offset(
    geometries: gpd.GeoSeries,
    declared: str,
    reference: OffsetReference,
    what: str,
    min_features: int = 5,
    min_pieces: int = MIN_PIECES,
    whole: bool = False,
    min_gain_m: float = MIN_GAIN_M,
) -> dict[str, Any]:
    """Compare a layer's outlines with the reference edges under each coordinate system.

    Parameters
    ----------
    geometries : geopandas.GeoSeries
        The layer as read in the declared system (any CRS): polygons (their
        outlines are compared) or lines (closures: compared as drawn).
    declared : str
        The system it was read in: ``wgs84``, ``gcj02``, ``bd09`` or a
        projected ``EPSG:CODE`` (whose degrees are compared as WGS-84).
    reference : OffsetReference
        The edges to compare with.
    what : str
        The layer, for messages ("blocks file").
    min_features : int
        Features near the reference needed to judge (1 for a study area).
    min_pieces : int
        Pieces of outline (200 m, or a shorter line's whole course) needed to judge.
    whole : bool
        Compare each feature whole, by its own distance to the nearest edge
        (a closure line drawn across a street is 0 m from it), not by its
        outline's samples.
    min_gain_m : float
        How many metres better another system must fit (besides under half).

    Returns
    -------
    dict
        ``declared``, ``measure``, ``median_m`` per system (empty when
        skipped), ``features``, ``compared_features``, ``compared_km``,
        ``suggested`` (a better system, or None) and ``message``.
    """
    result: dict[str, Any] = {
        "declared": declared,
        "measure": f"median distance of the outline to the nearest {reference.words}",
        "median_m": {},
        "features": len(geometries),
        "compared_features": 0,
        "compared_km": 0.0,
        "suggested": None,
        "message": "",
    }
    if reference.empty or geometries.empty:
        result["message"] = f"offset check skipped: there is no {reference.words} to compare the {what} with"
        return result
    metric = geometries.to_crs(reference.crs).geometry.to_numpy()
    x, y, feature, piece = outline_samples(metric)
    lon, lat = transform_xy(x, y, reference.crs, WGS84)
    if out_of_china(lon, lat).all():
        result["message"] = "offset check skipped: the layer lies outside China, where WGS-84, GCJ-02 and BD-09 agree"
        return result
    compared = declared if declared in SYSTEMS else "wgs84"
    if whole:
        misfits, inside, piece_feature = _whole_misfits(metric, compared, reference)
        result["measure"] = f"distance of each line to the nearest {reference.words}"
    else:
        misfits, inside, piece_feature = _outline_misfits(lon, lat, feature, piece, compared, reference)
    near = np.zeros(len(inside), bool)
    for values in misfits.values():
        near |= values < REACH_M
    near &= inside
    compared_features = len(np.unique(piece_feature[near]))
    result["compared_features"] = compared_features
    if whole:
        compared_m = float(shapely.length(metric[near]).sum())
    else:
        compared_m = float(np.bincount(piece, minlength=len(near))[near].sum()) * SPACING_M
    result["compared_km"] = round(compared_m / 1000.0, 1)
    if compared_features < min_features or near.sum() < min_pieces:
        needed = f"{min_features} feature{'s' if min_features > 1 else ''}"
        result["message"] = (
            f"offset check skipped: only {compared_features} of the {len(geometries)} features of the {what} "
            f"(about {result['compared_km']:g} km of outline) lie inside the data and within {REACH_M:.0f} "
            f"m of an {reference.words} under any coordinate system; at least {needed} and "
            f"{min_pieces} pieces of outline (up to {PIECE_SAMPLES * SPACING_M:.0f} m each) are needed to judge"
        )
        return result
    medians = {system: float(np.median(values[near])) for system, values in misfits.items()}
    result["median_m"] = {system: round(value, 1) for system, value in medians.items()}
    result["suggested"], result["message"] = verdict(
        medians,
        declared,
        f"the {'lines' if whole else 'outlines'} of the {what}",
        f"from the nearest {reference.words}",
        f"the {what}",
        "its coordinate system",
        min_gain_m=min_gain_m,
    )
    return result


def _outline_misfits(lon, lat, feature, piece, compared: str, reference: OffsetReference):
    """Return the pieces' misfits per system, whether each lies inside the data under every system, and its feature."""
    raw_lon, raw_lat = from_wgs84(lon, lat, compared)
    misfits = {}
    inside = np.ones(piece.max() + 1, bool)
    xmin, ymin, xmax, ymax = reference.extent
    for system in SYSTEMS:
        sx, sy = transform_xy(*to_wgs84(raw_lon, raw_lat, system), WGS84, reference.crs)
        misfits[system] = _piece_misfits(reference.tree, sx, sy, piece)
        outside = (sx < xmin) | (sx > xmax) | (sy < ymin) | (sy > ymax)
        inside[np.unique(piece[outside])] = False
    piece_feature = np.zeros(len(inside), np.int64)
    piece_feature[piece] = feature
    return misfits, inside, piece_feature


def _whole_misfits(metric: np.ndarray, compared: str, reference: OffsetReference):
    """As :func:`_outline_misfits`, each feature being one piece measured whole."""
    raw = transform_geometry(transform_geometries(metric, reference.crs, WGS84), compared)
    misfits = {}
    inside = np.ones(len(metric), bool)
    xmin, ymin, xmax, ymax = reference.extent
    for system in SYSTEMS:
        moved = transform_geometries(transform_geometry(raw, system, inverse=True), WGS84, reference.crs)
        distance = np.full(len(moved), CAP_M)
        (rows, _), gaps = reference.tree.query_nearest(
            moved, max_distance=CAP_M, return_distance=True, all_matches=False
        )
        distance[rows] = gaps
        misfits[system] = distance
        bounds = shapely.bounds(moved)
        inside &= (bounds[:, 0] >= xmin) & (bounds[:, 1] >= ymin) & (bounds[:, 2] <= xmax) & (bounds[:, 3] <= ymax)
    return misfits, inside, np.arange(len(metric))


def outline_samples(geometries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return points along each geometry's outline (a line's own course) every :data:`SPACING_M` metres.

    Returns
    -------
    tuple of numpy.ndarray
        ``x``, ``y``, the feature of each sample, and its piece (numbered
        across the layer; a piece never spans two features).
    """
    polygonal = np.isin(shapely.get_type_id(geometries), (3, 6))
    outlines = np.where(polygonal, shapely.boundary(geometries), geometries)
    lengths = shapely.length(outlines)
    counts = np.clip(np.ceil(lengths / SPACING_M).astype(np.int64), 3, MAX_SAMPLES)
    feature = np.repeat(np.arange(len(outlines)), counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(int(counts.sum())) - np.repeat(starts, counts)
    points = shapely.line_interpolate_point(outlines[feature], (rank + 0.5) / counts[feature], normalized=True)
    pieces_per_feature = -(-counts // PIECE_SAMPLES)
    first_piece = np.concatenate([[0], np.cumsum(pieces_per_feature)[:-1]])
    piece = first_piece[feature] + rank // PIECE_SAMPLES
    return shapely.get_x(points), shapely.get_y(points), feature, piece


def _piece_misfits(tree: shapely.STRtree, x: np.ndarray, y: np.ndarray, piece: np.ndarray) -> np.ndarray:
    """Return each piece's median distance (capped at :data:`CAP_M`) from its samples to the nearest edge."""
    distance = np.full(len(x), CAP_M)
    (rows, _), gaps = tree.query_nearest(
        shapely.points(x, y), max_distance=CAP_M, return_distance=True, all_matches=False
    )
    distance[rows] = gaps
    return pd.Series(distance).groupby(piece).median().reindex(np.arange(piece.max() + 1)).to_numpy(float)


def _segments(lines: np.ndarray) -> np.ndarray:
    """Return the straight segments of lines and polygon outlines (a long boundary is one segment per edge)."""
    polygonal = np.isin(shapely.get_type_id(lines), (3, 6))
    lines = np.where(polygonal, shapely.boundary(lines), lines)
    parts = shapely.get_parts(lines)
    coords, owner = shapely.get_coordinates(parts, return_index=True)
    same = owner[1:] == owner[:-1]
    starts, ends = coords[:-1][same], coords[1:][same]
    return shapely.linestrings(np.stack([starts, ends], axis=1))
