"""The report maps' drawing primitives.

Layers, city squares, polygons and streets, the extent, scale bar and north
arrow, legends.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field

import geopandas as gpd
import matplotlib
import numpy as np
import shapely

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.collections import PathCollection
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Rectangle
from matplotlib.path import Path as MplPath

from circle.report._street_labels import draw_street_labels

DPI = 170


PAGE_WIDTH_IN = 6.85


FULL_MAP_HEIGHT_IN = 8.7


MAP_WIDTH_PX = 0.98 * PAGE_WIDTH_IN * DPI  # a full-width map: the page's width x the axes' share, in pixels


GREEN = "#d4ebc9"


NEARBY_M = 1000.0  # facilities this close to the blocks' bounding box widen the map to show them


ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"


NICE_LENGTHS_M = (20, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000)


#: beyond this many blocks they are drawn without outlines (at city scale outlines would hide the colours).
OUTLINED_BLOCKS_UP_TO = 3000


#: blocks whose median side is drawn smaller than this many pixels are shown as squares of the city instead
SMALLEST_BLOCK_PX = 3.0


#: the side of those squares, in pixels of a full-width map, rounded up to a length below
SQUARE_PX = 8.0


SQUARE_SIDES_M = (250, 500, 1000, 2000, 2500, 5000, 10000)


@dataclass
class MapLayers:
    """What every map of a report is drawn from, in the study's metric CRS.

    Attributes
    ----------
    blocks : geopandas.GeoDataFrame
        The blocks reported on, with their score columns.
    facilities : geopandas.GeoDataFrame
        All facilities of the study (those outside the extent are clipped).
    streets : numpy.ndarray
        Walkable segments, shape (n, 2, 2).
    outline : geopandas.GeoSeries or None
        The sub-area reported on, if any.
    font : matplotlib.font_manager.FontProperties
        The report's font.
    green_categories : tuple of str
        Categories whose polygons are drawn as public green under the blocks.
    named_streets : geopandas.GeoDataFrame or None
        Named streets (``name``, ``rank``) whose names the full-page maps write along them.
    """

    blocks: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    streets: np.ndarray
    outline: gpd.GeoSeries | None
    font: object
    green_categories: tuple[str, ...] = ()
    squares_note: str = ""
    named_streets: gpd.GeoDataFrame | None = None
    street_text: object = None  # turns a street name into what the map writes (pinyin without a CJK font)
    _cache: dict = field(default_factory=dict, repr=False)

    def squares(self) -> Squares | None:
        """Return the squares the blocks are shown in when they are too small to see at the map's scale, or None."""
        if "squares" not in self._cache:
            self._cache["squares"] = city_squares(self.blocks, self.extent())
        return self._cache["squares"]

    def shapes(self) -> list[MplPath]:
        """Return what carries the colour: the blocks, or the squares holding them at city scale."""
        squares = self.squares()
        return squares.paths if squares is not None else self.block_paths()

    def per_shape(self, values: np.ndarray, how: str) -> np.ndarray:
        """Return ``values`` (one per block) for each shape :meth:`shapes` draws.

        ``how`` says how a square sums up its blocks: ``"mean"`` (weighted by
        residents), ``"max"``, or ``"any"`` (booleans).
        """
        squares = self.squares()
        if squares is None:
            return values
        return squares.combine(values, self.blocks["population"].to_numpy(float), how)

    def draw(self, ax, colours, edgecolor: str, width: float, **options) -> None:
        """Draw :meth:`shapes` in ``colours`` (outlined up to city scale) and say so when they are squares."""
        draw_polygons(ax, self.shapes(), colours, edgecolor, self.outline_width(width), **options)
        self.note_squares(ax)

    def note_squares(self, ax) -> None:
        """Say on the map that squares stand for blocks, and how large they are."""
        squares = self.squares()
        if squares is None or not self.squares_note:
            return
        ax.text(
            0.01,
            0.99,
            self.squares_note.format(size=f"{squares.side_m:,.0f}"),
            transform=ax.transAxes,
            va="top",
            fontproperties=_sized(self.font, 6.5),
            color="#333333",
            zorder=9,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.5},
        )

    def block_paths(self) -> list[MplPath]:
        """Return the blocks as matplotlib paths, made once for every map."""
        if "blocks" not in self._cache:
            self._cache["blocks"] = polygon_paths(self.blocks.geometry)
        return self._cache["blocks"]

    def outline_width(self, width: float) -> float:
        """Block outline width: none at city scale, where outlines would hide the colours."""
        return width if len(self.blocks) <= OUTLINED_BLOCKS_UP_TO else 0.0

    def extent(self) -> tuple[float, float, float, float]:
        """Return ``(xmin, ymin, xmax, ymax)``: the outline, or the blocks and facilities near them, plus a margin."""
        if self.outline is not None:
            xmin, ymin, xmax, ymax = self.outline.total_bounds
        else:
            xmin, ymin, xmax, ymax = self.blocks.geometry.total_bounds
            points = self.facilities.geometry.representative_point()
            near = (
                (points.x > xmin - NEARBY_M)
                & (points.x < xmax + NEARBY_M)
                & (points.y > ymin - NEARBY_M)
                & (points.y < ymax + NEARBY_M)
            )
            if near.any():
                xmin, ymin = min(xmin, points.x[near].min()), min(ymin, points.y[near].min())
                xmax, ymax = max(xmax, points.x[near].max()), max(ymax, points.y[near].max())
        margin = 0.04 * max(xmax - xmin, ymax - ymin, 200.0)
        return xmin - margin, ymin - margin, xmax + margin, ymax + margin


@dataclass
class Squares:
    """Squares of the city standing for the blocks whose inner point lies in each (city-scale maps)."""

    paths: list[MplPath]
    owner: np.ndarray  # per block, the index of its square
    side_m: float

    def combine(self, values: np.ndarray, weights: np.ndarray, how: str) -> np.ndarray:
        """Sum up each square's blocks: residents-weighted ``mean``, ``max`` or ``any``."""
        count = len(self.paths)
        if how == "any":
            return np.bincount(self.owner, weights=np.asarray(values, bool).astype(float), minlength=count) > 0
        if how == "max":
            out = np.full(count, -np.inf)
            np.maximum.at(out, self.owner, np.asarray(values, float))
            return out
        weights = np.where(weights > 0, weights, 1e-9)
        total = np.bincount(self.owner, weights=weights, minlength=count)
        return np.bincount(self.owner, weights=weights * np.asarray(values, float), minlength=count) / total


def city_squares(blocks: gpd.GeoDataFrame, extent: tuple[float, float, float, float]) -> Squares | None:
    """Return squares for the blocks when their median side would be drawn under a few pixels, else None.

    A city of tens of thousands of blocks drawn on one page shows specks; a
    grid of squares (each the blocks whose inner point lies in it) carries
    the colour instead, its side a round length of about eight pixels.
    """
    if blocks.empty:
        return None
    xmin, ymin, xmax, ymax = extent
    metres_per_px = max(xmax - xmin, ymax - ymin) / MAP_WIDTH_PX
    median_side = float(np.median(np.sqrt(blocks.geometry.area.to_numpy(float))))
    if median_side / metres_per_px >= SMALLEST_BLOCK_PX:
        return None
    wanted = SQUARE_PX * metres_per_px
    side = next((float(s) for s in SQUARE_SIDES_M if s >= wanted), float(SQUARE_SIDES_M[-1]))
    inner = shapely.point_on_surface(np.asarray(blocks.geometry, dtype=object))
    cell = np.floor(shapely.get_coordinates(inner) / side).astype(np.int64)
    keys, owner = np.unique(cell, axis=0, return_inverse=True)
    boxes = shapely.box(keys[:, 0] * side, keys[:, 1] * side, (keys[:, 0] + 1) * side, (keys[:, 1] + 1) * side)
    return Squares(polygon_paths(boxes), owner.reshape(-1), side)


def png(figure) -> bytes:
    """Return a figure as PNG bytes (no software or date metadata) and close it."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def polygon_paths(geometries) -> list[MplPath]:
    """Return one matplotlib path per (multi)polygon, holes included (rings gathered in whole-array passes)."""
    geometries = np.asarray(geometries, dtype=object)
    parts, owner = shapely.get_parts(geometries, return_index=True)
    polygon = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    rings, ring_part = shapely.get_rings(parts[polygon], return_index=True)
    ring_owner = owner[polygon][ring_part]
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    codes = np.full(len(coords), MplPath.LINETO, dtype=MplPath.code_type)
    if len(coords):
        starts = np.flatnonzero(np.r_[True, coord_ring[1:] != coord_ring[:-1]])
        codes[starts] = MplPath.MOVETO
        codes[np.r_[starts[1:], len(coords)] - 1] = MplPath.CLOSEPOLY
    coord_owner = ring_owner[coord_ring]
    bounds = np.searchsorted(coord_owner, np.arange(len(geometries) + 1))
    empty = MplPath(np.zeros((1, 2)))
    return [MplPath(coords[a:b], codes[a:b]) if b > a else empty for a, b in itertools.pairwise(bounds)]


def draw_polygons(ax, geometries, facecolors, edgecolor: str = "none", linewidth: float = 0.0, **options) -> None:
    """Draw polygons (or ready paths) as one collection (much faster than ``GeoSeries.plot``)."""
    paths = geometries if isinstance(geometries, list) else polygon_paths(geometries)
    collection = PathCollection(paths, facecolors=facecolors, edgecolors=edgecolor, linewidths=linewidth, **options)
    ax.add_collection(collection, autolim=False)


def street_path(segments: np.ndarray) -> MplPath:
    """All street segments ``(n, 2, 2)`` as one path (one draw call, however many segments)."""
    vertices = segments.reshape(-1, 2)
    codes = np.tile(np.array([MplPath.MOVETO, MplPath.LINETO], dtype=MplPath.code_type), len(segments))
    return MplPath(vertices, codes)


def draw_streets(ax, segments: np.ndarray, linewidth: float, **options) -> None:
    """Draw street segments ``(n, 2, 2)`` as one light grey path.

    Added without updating the axes' data limits (the maps set their own):
    matplotlib would otherwise walk every vertex of the path in Python.
    """
    collection = PathCollection(
        [street_path(segments)], facecolors="none", edgecolors="#b5b5b5", linewidths=linewidth, **options
    )
    ax.add_collection(collection, autolim=False)


def _fit_extent(ax, extent: tuple[float, float, float, float]) -> None:
    """Widen the extent to the axes' shape so the map fills its frame at equal scale."""
    xmin, ymin, xmax, ymax = extent
    box = ax.get_position()
    figure_width, figure_height = ax.figure.get_size_inches()
    frame_ratio = (box.height * figure_height) / (box.width * figure_width)
    width, height = xmax - xmin, ymax - ymin
    if height / width < frame_ratio:
        grow = (width * frame_ratio - height) / 2
        ymin, ymax = ymin - grow, ymax + grow
    else:
        grow = (height / frame_ratio - width) / 2
        xmin, xmax = xmin - grow, xmax + grow
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
        spine.set_color("#555555")


def _base(ax, layers: MapLayers, linewidth: float = 0.25, street_names: bool = True) -> None:
    """Draw the frame, public green (for orientation), the walking network and the major streets' names."""
    _fit_extent(ax, layers.extent())
    if street_names:
        draw_street_labels(ax, layers.named_streets, layers.font, layers.street_text, layers._cache)
    green = layers.facilities[
        layers.facilities["category"].isin(layers.green_categories)
        & layers.facilities.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    ]
    if not green.empty:
        draw_polygons(ax, green.geometry, GREEN, zorder=0)
    if len(layers.streets):
        draw_streets(ax, layers.streets, linewidth, zorder=1)
    if layers.outline is not None:
        draw_polygons(ax, layers.outline, "none", "#1f3a5f", 1.2, linestyle="--", zorder=6)


def nice_length(span_m: float) -> float:
    """Return a round scale-bar length close to a fifth of ``span_m`` metres.

    Examples
    --------
    >>> nice_length(5000)
    1000
    >>> nice_length(1200)
    250
    """
    target = span_m / 5.0
    return min(NICE_LENGTHS_M, key=lambda length: abs(np.log(length / target)))


def _furniture(ax, font, small: bool = False) -> None:
    """Draw the north arrow, the scale bar and the attribution."""
    xmin, xmax = ax.get_xlim()
    ymin, ymax = ax.get_ylim()
    width, height = xmax - xmin, ymax - ymin
    size = 6 if small else 8
    length = nice_length(width)
    x0, y0 = xmin + 0.04 * width, ymin + 0.04 * height
    bar = 0.011 * height
    ax.add_patch(
        Rectangle(
            (x0 - 0.02 * width, y0 - 0.02 * height),
            length + 0.06 * width,
            0.085 * height,
            facecolor="white",
            edgecolor="none",
            alpha=0.85,
            zorder=8,
        )
    )
    for step in range(2):
        ax.add_patch(
            Rectangle(
                (x0 + step * length / 2, y0),
                length / 2,
                bar,
                facecolor="#222222" if step == 0 else "white",
                edgecolor="#222222",
                linewidth=0.6,
                zorder=9,
            )
        )
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    above = y0 + bar + 0.006 * height
    ax.text(x0, above, "0", fontproperties=_sized(font, size - 1), ha="center", va="bottom", zorder=9)
    ax.text(x0 + length, above, label, fontproperties=_sized(font, size - 1), ha="center", va="bottom", zorder=9)
    ax_x, ax_y = xmax - 0.06 * width, ymax - 0.16 * height
    arrow_length = 0.08 * height
    ax.add_patch(
        FancyArrow(
            ax_x,
            ax_y,
            0,
            arrow_length,
            width=0.012 * width,
            head_width=0.045 * width,
            head_length=0.045 * height,
            length_includes_head=True,
            color="#222222",
            zorder=9,
        )
    )
    ax.text(
        ax_x, ax_y + arrow_length + 0.01 * height, "N", fontproperties=_sized(font, size + 1), ha="center", zorder=9
    )
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.text(
        xmax - 0.01 * width,
        ymin + 0.01 * height,
        ATTRIBUTION,
        fontproperties=_sized(font, size - 2),
        ha="right",
        va="bottom",
        color="#333333",
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.5},
        zorder=9,
    )


def _facility_points(ax, layers: MapLayers, category: str, colour: str, size: float, ring: bool = False) -> int:
    """Mark one category's facilities; at city scale as small dots that leave the squares' colour readable.

    ``ring`` draws white dots with a coloured edge: the categories past the
    palette's seven hues (:func:`circle.colours.category_marker`).
    """
    chosen = layers.facilities[layers.facilities["category"] == category]
    if chosen.empty:
        return 0
    points = chosen.geometry.representative_point()
    city = layers.squares() is not None
    if ring:
        face, edge, width = "#ffffff", colour, 0.6 if city else 1.2
    else:
        face, edge, width = colour, "none" if city else "white", 0.0 if city else 0.5
    ax.scatter(points.x, points.y, s=size / 8 if city else size, c=face, edgecolors=edge, linewidths=width, zorder=7)
    return len(chosen)


def _legend(figure, handles: list, font, columns: int, top: float) -> None:
    figure.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, top),
        ncol=columns,
        prop=font,
        frameon=False,
        handlelength=1.2,
        columnspacing=1.2,
    )


def _sized(font, size: float):
    copy = font.copy()
    copy.set_size(size)
    return copy


def _markers(ax, points: gpd.GeoDataFrame, marker: str, size: float, colour: str, label: str) -> Line2D:
    """Draw points with a white edge and return their legend handle."""
    ax.scatter(points.geometry.x, points.geometry.y, marker=marker, s=size, c=colour, edgecolors="white", zorder=8)
    return Line2D(
        [], [], marker=marker, linestyle="", markersize=8, markerfacecolor=colour, markeredgecolor="white", label=label
    )
