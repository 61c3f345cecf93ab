"""Images the planner's map lays over Leaflet: the blocks of a city and the study's own streets.

A city of 20,000 blocks sent as GeoJSON is megabytes of text on every rerun
and seconds of drawing in the browser; drawn once on the server as one PNG
(cached per study, measure and display system) it is a few hundred kilobytes
the browser shows at once. The images are drawn in Web Mercator, the
projection Leaflet stretches an image overlay in, so they sit exactly where
the vector layers would at every zoom.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from circle.colours import GREEN_AREA, WATER_AREA

EARTH_RADIUS_M = 6378137.0
#: what is drawn is cut into squares of this side (Web Mercator metres), one image each, cropped to what
#: they hold, so a city's empty land costs no pixels
CELL_M = 12000.0
#: a layer is at most this many images (squares grow until it is): each is one request to the app
MAX_IMAGES = 24
#: all images of one layer together hold at most this many pixels
PIXEL_BUDGET = 12_000_000
#: the streets are a faint base: larger squares, fewer pixels
STREET_CELL_M = 30000.0
STREET_PIXEL_BUDGET = 8_000_000
#: the finest ground resolution worth drawing, metres per pixel
FINEST_M_PER_PX = 2.0
DPI = 100


@dataclass(frozen=True)
class Overlay:
    """A PNG to lay over the map and its bounds ``[[south, west], [north, east]]``."""

    png: bytes
    bounds: list[list[float]]
    size_px: tuple[int, int]


def mercator(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return Web Mercator metres (EPSG:3857) of longitudes and latitudes in degrees."""
    lat = np.clip(lat, -85.0511, 85.0511)
    x = EARTH_RADIUS_M * np.radians(lon)
    y = EARTH_RADIUS_M * np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))
    return x, y


def lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return longitudes and latitudes in degrees of Web Mercator metres."""
    return np.degrees(x / EARTH_RADIUS_M), np.degrees(2 * np.arctan(np.exp(y / EARTH_RADIUS_M)) - np.pi / 2)


def _to_mercator(coords: np.ndarray) -> np.ndarray:
    x, y = mercator(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def cell_groups(boxes: np.ndarray, cell_m: float = CELL_M) -> list[tuple[np.ndarray, np.ndarray]]:
    """Group items by the square their box's centre lies in.

    Parameters
    ----------
    boxes : numpy.ndarray
        ``(n, 4)`` boxes ``xmin, ymin, xmax, ymax`` in Web Mercator metres.
    cell_m : float
        Side of the squares (widened until there are at most :data:`MAX_IMAGES`).

    Returns
    -------
    list of (numpy.ndarray, numpy.ndarray)
        For each square holding items: their indices and the box around all of them.
    """
    if not len(boxes):
        return []
    groups = _groups(boxes, cell_m)
    while len(groups) > MAX_IMAGES:
        cell_m *= 1.5
        groups = _groups(boxes, cell_m)
    return groups


def _groups(boxes: np.ndarray, cell_m: float) -> list[tuple[np.ndarray, np.ndarray]]:
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    cell = np.floor(centre / cell_m).astype(np.int64)
    key = (cell[:, 0] - cell[:, 0].min()) * (cell[:, 1].max() - cell[:, 1].min() + 1) + cell[:, 1] - cell[:, 1].min()
    order = np.argsort(key, kind="stable")
    starts = np.flatnonzero(np.r_[True, key[order][1:] != key[order][:-1]])
    groups = []
    for members in np.split(order, starts[1:]):
        box = np.r_[boxes[members, :2].min(axis=0), boxes[members, 2:].max(axis=0)]
        groups.append((members, box))
    return groups


def _resolution(groups, pad_m: float, budget: int) -> float:
    """Metres per pixel so that all the groups' images together stay within the pixel budget."""
    area = sum((box[2] - box[0] + 2 * pad_m) * (box[3] - box[1] + 2 * pad_m) for _, box in groups)
    return max(FINEST_M_PER_PX, float(np.sqrt(area / budget)))


def _render(groups, draw, pad_m: float, budget: int = PIXEL_BUDGET) -> list[Overlay]:
    """Draw each group into its own PNG (one reused figure); ``draw(ax, members)`` returns its artist."""
    # the public page loads this module (through circle.ui.data) and draws no overlay: matplotlib is 0.2 s
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # after the backend is chosen, as matplotlib asks

    per_px = _resolution(groups, pad_m, budget)
    figure = plt.figure(dpi=DPI)
    figure.patch.set_alpha(0.0)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    overlays = []
    try:
        for members, box in groups:
            x0, y0 = box[0] - pad_m, box[1] - pad_m
            width = max(int(np.ceil((box[2] + pad_m - x0) / per_px)), 1)
            height = max(int(np.ceil((box[3] + pad_m - y0) / per_px)), 1)
            x1, y1 = x0 + width * per_px, y0 + height * per_px
            figure.set_size_inches(width / DPI, height / DPI)
            ax.set_xlim(x0, x1)
            ax.set_ylim(y0, y1)
            artist = draw(ax, members)
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=DPI, transparent=True, metadata={"Software": None})
            artist.remove()
            (west, east), (south, north) = lonlat(np.array([x0, x1]), np.array([y0, y1]))
            bounds = [[float(south), float(west)], [float(north), float(east)]]
            overlays.append(Overlay(buffer.getvalue(), bounds, (width, height)))
    finally:
        plt.close(figure)
    return overlays


def block_overlays(blocks: gpd.GeoDataFrame, colours: list[str], opacity: float = 0.75) -> list[Overlay]:
    """Draw blocks (lon/lat in the display system) filled with ``colours`` as transparent PNGs.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Block outlines in longitude and latitude of the map's display system.
    colours : list of str
        One CSS colour per block.
    opacity : float
        Fill opacity of the blocks.

    Returns
    -------
    list of Overlay
        One image per square of :data:`CELL_M` holding blocks.
    """
    # matplotlib and the report's drawing (0.3 s) load only to draw an overlay, as in _render
    from matplotlib.collections import PathCollection

    from circle.report.maps import polygon_paths

    projected = shapely.transform(np.asarray(blocks.geometry, dtype=object), _to_mercator)
    paths = polygon_paths(projected)
    colours = np.asarray(colours, dtype=object)

    def draw(ax, members):
        collection = PathCollection(
            [paths[i] for i in members], facecolors=list(colours[members]), edgecolors="none", alpha=opacity
        )
        collection.set_antialiased(False)  # flat colours: sharp edges and a much smaller PNG
        ax.add_collection(collection, autolim=False)
        return collection

    return _render(cell_groups(shapely.bounds(projected)), draw, pad_m=20.0)


def street_overlays(lon: np.ndarray, lat: np.ndarray, u: np.ndarray, v: np.ndarray) -> list[Overlay]:
    """Draw the walking network (node longitudes and latitudes, edge ends ``u``-``v``) as light PNGs."""
    # matplotlib and the report's drawing (0.3 s) load only to draw an overlay, as in _render
    from matplotlib.collections import PathCollection

    from circle.report.maps import street_path

    x, y = mercator(lon, lat)
    segments = np.stack([np.column_stack([x[u], y[u]]), np.column_stack([x[v], y[v]])], axis=1)
    boxes = np.column_stack([segments.min(axis=1), segments.max(axis=1)])

    def draw(ax, members):
        streets = PathCollection(
            [street_path(segments[members])], facecolors="none", edgecolors="#9a9a9a", linewidths=0.7, alpha=0.9
        )
        ax.add_collection(streets, autolim=False)
        return streets

    return _render(cell_groups(boxes, STREET_CELL_M), draw, pad_m=10.0, budget=STREET_PIXEL_BUDGET)


def land_overlays(water: np.ndarray, green: np.ndarray, rivers: np.ndarray) -> list[Overlay]:
    """Draw water and green areas (lon/lat (multi)polygons) and river centre lines as faint PNGs (the offline base).

    Drawn at the streets' resolution: green first, water over it, then the
    rivers mapped only as lines.
    """
    # matplotlib and the report's drawing (0.3 s) load only to draw an overlay, as in _render
    from matplotlib.collections import PathCollection

    from circle.report.maps import polygon_paths, street_path

    areas = shapely.transform(np.concatenate([np.asarray(green, object), np.asarray(water, object)]), _to_mercator)
    fills = np.array([GREEN_AREA] * len(green) + [WATER_AREA] * len(water), dtype=object)
    paths = polygon_paths(areas) if len(areas) else []
    lines = shapely.transform(np.asarray(rivers, dtype=object), _to_mercator)
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    joined = np.flatnonzero(owner[1:] == owner[:-1])
    segments = np.stack([coords[joined], coords[joined + 1]], axis=1) if len(joined) else np.zeros((0, 2, 2))
    segment_line = owner[joined]
    boxes = np.concatenate([shapely.bounds(areas).reshape(-1, 4), shapely.bounds(lines).reshape(-1, 4)])
    if not len(boxes):
        return []
    polygons = len(areas)

    def draw(ax, members):
        shapes = members[members < polygons]
        chosen = np.isin(segment_line, members[members >= polygons] - polygons)
        collection = PathCollection(
            [paths[i] for i in shapes], facecolors=list(fills[shapes]), edgecolors="none", linewidths=0
        )
        collection.set_antialiased(False)
        ax.add_collection(collection, autolim=False)
        rivers_drawn = PathCollection(
            [street_path(segments[chosen])], facecolors="none", edgecolors=WATER_AREA, linewidths=2.2
        )
        ax.add_collection(rivers_drawn, autolim=False)
        return _Both(collection, rivers_drawn)

    return _render(cell_groups(boxes, STREET_CELL_M), draw, pad_m=10.0, budget=STREET_PIXEL_BUDGET)


class _Both:
    """Two artists removed together (:func:`_render` removes what ``draw`` returns)."""

    def __init__(self, *artists):
        self.artists = artists

    def remove(self) -> None:
        for artist in self.artists:
            artist.remove()
