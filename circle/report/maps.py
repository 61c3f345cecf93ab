"""Maps and charts of the PDF report, drawn offline with matplotlib (no web tiles).

Every map is drawn in the study's metric CRS (a UTM zone, so north is up
within a fraction of a degree) over the study's own walking network, with a
north arrow, a scale bar, a legend and the OpenStreetMap attribution. Images
are PNG without a timestamp, so the same study gives the same bytes.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import matplotlib
import numpy as np
import shapely

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib import patheffects
from matplotlib.collections import PathCollection
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Patch, Rectangle
from matplotlib.path import Path as MplPath

from circle.colours import NO_GAP, OUT_OF_REACH, SERVED, UNSERVED, category_colour

DPI = 170
PAGE_WIDTH_IN = 6.85
FULL_MAP_HEIGHT_IN = 8.7
MAP_WIDTH_PX = 0.98 * PAGE_WIDTH_IN * DPI  # a full-width map: the page's width x the axes' share, in pixels
GREEN = "#d4ebc9"
NEARBY_M = 1000.0  # facilities this close to the blocks' bounding box widen the map to show them
ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
NICE_LENGTHS_M = (20, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000)
PRIORITY_COLOURS = ("#fee391", "#fec44f", "#fe9929", "#d95f0e", "#993404")
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
    """

    blocks: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    streets: np.ndarray
    outline: gpd.GeoSeries | None
    font: object
    green_categories: tuple[str, ...] = ()
    squares_note: str = ""
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


def _base(ax, layers: MapLayers, linewidth: float = 0.25) -> None:
    """Draw the frame, public green (for orientation) and the walking network."""
    _fit_extent(ax, layers.extent())
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


def _facility_points(ax, layers: MapLayers, category: str, colour: str, size: float) -> int:
    """Mark one category's facilities; at city scale as small dots that leave the squares' colour readable."""
    chosen = layers.facilities[layers.facilities["category"] == category]
    if chosen.empty:
        return 0
    points = chosen.geometry.representative_point()
    city = layers.squares() is not None
    ax.scatter(
        points.x,
        points.y,
        s=size / 8 if city else size,
        c=colour,
        edgecolors="none" if city else "white",
        linewidths=0.0 if city else 0.5,
        zorder=7,
    )
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


def score_map(
    layers: MapLayers,
    bands: Sequence[tuple[float, str]],
    categories: Sequence[tuple[str, str, int]],
    green_label: str,
) -> bytes:
    """Draw blocks coloured by score band, and every category's facilities.

    Parameters
    ----------
    layers : MapLayers
        What to draw.
    bands : sequence of (float, str)
        The preset's score bands as (lower bound, label), best first.
    categories : sequence of (str, str, int)
        (key, label, position in the preset) of the categories to show.
    green_label : str
        Legend label of the public green drawn under the blocks.
    """
    figure = plt.figure(figsize=(PAGE_WIDTH_IN, FULL_MAP_HEIGHT_IN))
    ax = figure.add_axes((0.01, 0.15, 0.98, 0.845))
    _base(ax, layers)
    palette = plt.get_cmap("RdYlGn")(np.linspace(0.92, 0.08, len(bands)))
    scores = layers.per_shape(layers.blocks["score"].fillna(0.0).to_numpy(float), "mean")
    band_index = np.array([next(i for i, (low, _) in enumerate(bands) if s >= low) for s in scores], dtype=int)
    layers.draw(ax, [palette[i] for i in band_index], "#444444", 0.3, alpha=0.85, zorder=3)
    handles = [
        Patch(facecolor=palette[i], edgecolor="#444444", linewidth=0.3, label=f"{label} (≥ {low:g})")
        for i, (low, label) in enumerate(bands)
    ]
    handles.append(Patch(facecolor=GREEN, label=green_label))
    for key, label, position in categories:
        colour = category_colour(position)
        count = _facility_points(ax, layers, key, colour, 14)
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=5,
                markerfacecolor=colour,
                markeredgecolor="white",
                label=f"{label} ({count})",
            )
        )
    _furniture(ax, layers.font)
    _legend(figure, handles, _sized(layers.font, 7), 3, 0.145)
    return png(figure)


def priority_map(
    layers: MapLayers,
    areas: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    labels: dict[str, str],
) -> bytes:
    """Draw blocks by renewal priority (quintiles of the blocks with a gap), numbered candidate areas and sites.

    Parameters
    ----------
    layers : MapLayers
        What to draw (``blocks`` must hold ``priority``).
    areas : geopandas.GeoDataFrame
        The candidate renewal areas to outline and number (in table order).
    sites : geopandas.GeoDataFrame
        Suggested sites (points) with a ``label`` column, or empty.
    labels : dict
        ``no_gap``, ``priority_class`` (with ``{low}``/``{high}``), ``area``, ``site`` in the report's language.
    """
    figure = plt.figure(figsize=(PAGE_WIDTH_IN, FULL_MAP_HEIGHT_IN))
    ax = figure.add_axes((0.01, 0.15, 0.98, 0.845))
    _base(ax, layers)
    priority = layers.per_shape(np.nan_to_num(layers.blocks["priority"].to_numpy(float)), "max")
    gap = priority > 0
    handles = (
        [Patch(facecolor=NO_GAP, edgecolor="#777777", linewidth=0.3, label=labels["no_gap"])] if (~gap).any() else []
    )
    colours = np.array([NO_GAP] * len(priority), dtype=object)
    if gap.any():
        edges = np.unique(np.quantile(priority[gap], np.linspace(0, 1, len(PRIORITY_COLOURS) + 1)))
        classes = np.clip(np.searchsorted(edges, priority[gap], side="right") - 1, 0, len(edges) - 2)
        offset = len(PRIORITY_COLOURS) - (len(edges) - 1)
        colours[gap] = [PRIORITY_COLOURS[offset + c] for c in classes]
        for c in range(len(edges) - 1):
            handles.append(
                Patch(
                    facecolor=PRIORITY_COLOURS[offset + c],
                    edgecolor="#777777",
                    linewidth=0.3,
                    label=labels["priority_class"].format(low=f"{edges[c]:,.0f}", high=f"{edges[c + 1]:,.0f}"),
                )
            )
    layers.draw(ax, list(colours), "#777777", 0.3, zorder=3)
    if not areas.empty:
        draw_polygons(ax, areas.geometry, "none", "#08306b", 1.1, zorder=5)
        for number, point in enumerate(areas.geometry.representative_point(), start=1):
            ax.text(
                point.x,
                point.y,
                str(number),
                fontproperties=_sized(layers.font, 8),
                ha="center",
                va="center",
                color="white",
                zorder=8,
                bbox={"boxstyle": "circle,pad=0.2", "facecolor": "#08306b", "edgecolor": "white", "linewidth": 0.5},
            )
        handles.append(Line2D([], [], color="#08306b", linewidth=1.1, label=labels["area"]))
    if not sites.empty:
        ax.scatter(
            sites.geometry.x,
            sites.geometry.y,
            marker="*",
            s=110,
            c="#6a00a8",
            edgecolors="white",
            linewidths=0.6,
            zorder=8,
        )
        for point, text in zip(sites.geometry, sites["label"], strict=True):
            ax.annotate(
                text,
                (point.x, point.y),
                xytext=(4, 3),
                textcoords="offset points",
                fontproperties=_sized(layers.font, 6.5),
                color="#4b0078",
                zorder=8,
                path_effects=[patheffects.withStroke(linewidth=2, foreground="white")],
            )
        handles.append(
            Line2D(
                [],
                [],
                marker="*",
                linestyle="",
                markersize=9,
                markerfacecolor="#6a00a8",
                markeredgecolor="white",
                label=labels["site"],
            )
        )
    _furniture(ax, layers.font)
    _legend(figure, handles, _sized(layers.font, 7), 3, 0.145)
    return png(figure)


def category_maps(
    layers: MapLayers,
    panels: Sequence[dict],
    labels: dict[str, str],
    per_page: int = 6,
) -> list[bytes]:
    """Draw one small map per category: blocks served or not, and that category's facilities.

    Parameters
    ----------
    layers : MapLayers
        What to draw (``blocks`` must hold ``pass_<key>`` and ``<key>_t1``).
    panels : sequence of dict
        Per category: ``key``, ``title``, ``position`` (in the preset).
    labels : dict
        ``served``, ``unserved``, ``out_of_reach``, ``facility`` in the report's language.
    per_page : int
        Maps per image (two columns).

    Returns
    -------
    list of bytes
        One PNG per page.
    """
    pages = []
    rows = (per_page + 1) // 2
    for start in range(0, len(panels), per_page):
        chunk = panels[start : start + per_page]
        figure = plt.figure(figsize=(PAGE_WIDTH_IN, FULL_MAP_HEIGHT_IN + 0.3))
        legend_height = 0.05
        cell_height = (1 - legend_height) / rows
        for index, panel in enumerate(chunk):
            row, column = divmod(index, 2)
            ax = figure.add_axes((0.01 + 0.5 * column, 1 - (row + 1) * cell_height + 0.005, 0.48, cell_height - 0.04))
            _base(ax, layers, linewidth=0.15)
            # a square (city scale) takes the colour of the majority of its residents
            served = layers.per_shape(layers.blocks[f"pass_{panel['key']}"].to_numpy(float), "mean") >= 0.5
            unreached = layers.per_shape(layers.blocks[f"{panel['key']}_t1"].isna().to_numpy(float), "mean") >= 0.5
            colours = np.where(served, SERVED, np.where(unreached, OUT_OF_REACH, UNSERVED))
            layers.draw(ax, list(colours), "white", 0.15, alpha=0.9, zorder=3)
            _facility_points(ax, layers, panel["key"], "#111111", 7)
            ax.set_title(panel["title"], fontproperties=_sized(layers.font, 8), loc="left", pad=3)
            _furniture(ax, layers.font, small=True)
        handles = [
            Patch(facecolor=SERVED, label=labels["served"]),
            Patch(facecolor=UNSERVED, label=labels["unserved"]),
            Patch(facecolor=OUT_OF_REACH, label=labels["out_of_reach"]),
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=4,
                markerfacecolor="#111111",
                markeredgecolor="white",
                label=labels["facility"],
            ),
        ]
        _legend(figure, handles, _sized(layers.font, 7.5), 4, legend_height)
        pages.append(png(figure))
    return pages


def scenario_map(
    layers: MapLayers,
    gained: np.ndarray,
    lost: np.ndarray,
    added: gpd.GeoDataFrame,
    removed: gpd.GeoDataFrame,
    labels: dict[str, str],
) -> bytes:
    """Draw the blocks a scenario newly serves or stops serving, and the facilities it adds or removes."""
    figure = plt.figure(figsize=(PAGE_WIDTH_IN, 5.6))
    ax = figure.add_axes((0.01, 0.12, 0.98, 0.87))
    _base(ax, layers)
    gained, lost = layers.per_shape(gained, "any"), layers.per_shape(lost, "any")
    colours = np.where(gained, SERVED, np.where(lost, UNSERVED, NO_GAP))
    layers.draw(ax, list(colours), "#888888", 0.3, zorder=3)
    handles = [
        Patch(facecolor=SERVED, label=labels["gained"]),
        Patch(facecolor=UNSERVED, label=labels["lost"]),
        Patch(facecolor=NO_GAP, edgecolor="#888888", linewidth=0.3, label=labels["unchanged"]),
    ]
    for points, marker, size, colour, label in (
        (added, "P", 90, "#1f77b4", "added"),
        (removed, "X", 80, "#222222", "removed"),
    ):
        if not points.empty:
            handles.append(_markers(ax, points, marker, size, colour, labels[label]))
    _furniture(ax, layers.font)
    _legend(figure, handles, _sized(layers.font, 7), 3, 0.11)
    return png(figure)


def _markers(ax, points: gpd.GeoDataFrame, marker: str, size: float, colour: str, label: str) -> Line2D:
    """Draw points with a white edge and return their legend handle."""
    ax.scatter(points.geometry.x, points.geometry.y, marker=marker, s=size, c=colour, edgecolors="white", zorder=8)
    return Line2D(
        [], [], marker=marker, linestyle="", markersize=8, markerfacecolor=colour, markeredgecolor="white", label=label
    )


def coverage_chart(rows: Sequence[tuple[str, float, float]], font, labels: dict[str, str]) -> bytes:
    """Draw population-weighted coverage per category as horizontal bars.

    Parameters
    ----------
    rows : sequence of (str, float, float)
        (category label, coverage share 0–1, threshold minutes), in preset order.
    font : FontProperties
        The report's font.
    labels : dict
        ``axis`` (the x-axis label) in the report's language.
    """
    height = 0.9 + 0.28 * len(rows)
    figure, ax = plt.subplots(figsize=(PAGE_WIDTH_IN, height))
    names = [r[0] for r in rows][::-1]
    shares = np.array([100 * r[1] for r in rows][::-1])
    colours = [SERVED if s >= 80 else ("#f0b400" if s >= 50 else UNSERVED) for s in shares]
    ax.barh(range(len(rows)), shares, color=colours, height=0.62)
    ax.barh(range(len(rows)), 100 - shares, left=shares, color="#eeeeee", height=0.62)
    for y, share in enumerate(shares):
        ax.text(
            share + 1 if share < 88 else share - 1,
            y,
            f"{share:.1f}%",
            va="center",
            ha="left" if share < 88 else "right",
            fontproperties=_sized(font, 7.5),
        )
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(names, fontproperties=_sized(font, 8))
    ax.set_xlim(0, 100)
    ax.set_xlabel(labels["axis"], fontproperties=_sized(font, 8))
    for tick in ax.get_xticklabels():
        tick.set_fontproperties(_sized(font, 7.5))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    figure.tight_layout()
    return png(figure)
