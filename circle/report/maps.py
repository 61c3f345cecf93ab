"""Maps and charts of the PDF report, drawn offline with matplotlib (no web tiles).

Every map is drawn in the study's metric CRS (a UTM zone, so north is up
within a fraction of a degree) over the study's own walking network, with a
north arrow, a scale bar, a legend and the OpenStreetMap attribution. Images
are PNG without a timestamp, so the same study gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from circle.colours import (
    CLOSED_STREET,
    NO_GAP,
    OUT_OF_REACH,
    PRIORITY_COLOURS,
    SERVED,
    UNSERVED,
    category_colour,
    category_marker_style,
    score_colours,
)
from circle.report._map_drawing import (  # the drawing primitives, public here: MapLayers, paths, squares
    FULL_MAP_HEIGHT_IN,
    GREEN,
    PAGE_WIDTH_IN,
    MapLayers,
    _base,
    _facility_points,
    _furniture,
    _legend,
    _markers,
    _sized,
    city_squares,
    draw_polygons,
    png,
    polygon_paths,
    street_path,
)
from circle.study.columns import pass_column, time_column

__all__ = [
    "MapLayers",
    "category_maps",
    "city_squares",
    "coverage_chart",
    "polygon_paths",
    "priority_map",
    "scenario_map",
    "score_map",
    "street_path",
]


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
    palette = score_colours(len(bands))  # the web map's bands: blue (good) to red, safe for colour-blind readers
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
        marker = category_marker_style(position)  # the 8th category on is a ring, as on the web map
        count = _facility_points(ax, layers, key, colour, 14, ring=marker["markerfacecolor"] == "#ffffff")
        handles.append(Line2D([], [], marker="o", linestyle="", markersize=5, label=f"{label} ({count})", **marker))
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
            _base(ax, layers, linewidth=0.15, street_names=False)  # too small to name streets
            # a square (city scale) takes the colour of the majority of its residents
            served = layers.per_shape(layers.blocks[pass_column(panel["key"])].to_numpy(float), "mean") >= 0.5
            unreached = (
                layers.per_shape(layers.blocks[time_column(panel["key"], 1)].isna().to_numpy(float), "mean") >= 0.5
            )
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
    closed: gpd.GeoDataFrame | None = None,
    cut_off: np.ndarray | None = None,
) -> bytes:
    """Draw the blocks a scenario changes, the facilities it adds or removes, and the streets it closes.

    ``closed`` holds the closed segments (lines in the study CRS), ``cut_off``
    flags the blocks they cut off entirely.
    """
    figure = plt.figure(figsize=(PAGE_WIDTH_IN, 5.6))
    ax = figure.add_axes((0.01, 0.12, 0.98, 0.87))
    _base(ax, layers)
    gained, lost = layers.per_shape(gained, "any"), layers.per_shape(lost, "any")
    colours = np.where(gained, SERVED, np.where(lost, UNSERVED, NO_GAP))
    if cut_off is not None:
        colours = np.where(layers.per_shape(cut_off, "any"), OUT_OF_REACH, colours)
    layers.draw(ax, list(colours), "#888888", 0.3, zorder=3)
    handles = [
        Patch(facecolor=SERVED, label=labels["gained"]),
        Patch(facecolor=UNSERVED, label=labels["lost"]),
        Patch(facecolor=NO_GAP, edgecolor="#888888", linewidth=0.3, label=labels["unchanged"]),
    ]
    if cut_off is not None and cut_off.any():
        handles.append(Patch(facecolor=OUT_OF_REACH, label=labels["cut_off"]))
    if closed is not None and not closed.empty:
        closed.plot(ax=ax, color=CLOSED_STREET, linewidth=2.2, zorder=7)
        handles.append(Line2D([], [], color=CLOSED_STREET, linewidth=2.2, label=labels["closed"]))
    for points, marker, size, colour, label in (
        (added, "P", 90, "#1f77b4", "added"),
        (removed, "X", 80, "#222222", "removed"),
    ):
        if not points.empty:
            handles.append(_markers(ax, points, marker, size, colour, labels[label]))
    _furniture(ax, layers.font)
    _legend(figure, handles, _sized(layers.font, 7), 3, 0.11)
    return png(figure)


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


#: Colours of a comparison's block statuses.
CHANGE_COLOURS = {
    "gained": SERVED,
    "lost": UNSERVED,
    "mixed": "#f2a541",
    "appeared": "#5b8fd6",
    "unchanged": NO_GAP,
}


def change_map(layers: MapLayers, status: np.ndarray, vanished: gpd.GeoDataFrame, labels: dict[str, str]) -> bytes:
    """Draw a comparison's blocks by what changed (gained, lost, both, appeared, unchanged) and the vanished ones.

    ``status`` holds one key of :data:`CHANGE_COLOURS` per block of
    ``layers``; ``vanished`` the old blocks no new one matches (outlined).
    """
    figure = plt.figure(figsize=(PAGE_WIDTH_IN, 5.6))
    ax = figure.add_axes((0.01, 0.12, 0.98, 0.87))
    _base(ax, layers)
    order = list(CHANGE_COLOURS)
    rank = np.array([order.index(s) for s in status]) if len(status) else np.zeros(0, int)
    # a square of several blocks shows the most telling status among them
    shown = _square_rank(layers, rank)
    layers.draw(ax, [CHANGE_COLOURS[order[int(r)]] for r in shown], "#888888", 0.3, zorder=3)
    handles = [
        Patch(facecolor=CHANGE_COLOURS[key], edgecolor="#888888", linewidth=0.3, label=labels[f"change_{key}"])
        for key in order
        if key == "unchanged" or (status == key).any()
    ]
    if not vanished.empty:
        vanished.boundary.plot(ax=ax, color="#222222", linewidth=0.8, linestyle="--", zorder=6)
        handles.append(Line2D([], [], color="#222222", linewidth=0.8, linestyle="--", label=labels["change_vanished"]))
    _furniture(ax, layers.font)
    _legend(figure, handles, _sized(layers.font, 7), 3, 0.11)
    return png(figure)


def _square_rank(layers: MapLayers, rank: np.ndarray) -> np.ndarray:
    """Per drawn square, the status of its blocks that matters most (lost, then gained, …)."""
    importance = np.array([3, 4, 2, 1, 0])  # gained, lost, mixed, appeared, unchanged
    best = layers.per_shape(importance[rank].astype(float), "max")
    inverse = {int(v): k for k, v in enumerate(importance)}
    return np.array([inverse[round(v)] for v in best])


def time_change_map(layers: MapLayers, minutes: np.ndarray, labels: dict[str, str], limit_min: float = 10.0) -> bytes:
    """Draw the change of proximity time per block (minutes; longer in red, shorter in blue, for every reader)."""
    figure = plt.figure(figsize=(PAGE_WIDTH_IN, 5.6))
    ax = figure.add_axes((0.01, 0.12, 0.98, 0.87))
    _base(ax, layers)
    values = layers.per_shape(np.nan_to_num(np.asarray(minutes, float)), "mean")
    colour_map = plt.get_cmap("RdYlBu_r")
    scaled = 0.5 + 0.5 * np.clip(values / limit_min, -1.0, 1.0)
    colours = [NO_GAP if abs(v) < 1e-9 else colour_map(s) for v, s in zip(values, scaled, strict=True)]
    layers.draw(ax, colours, "#888888", 0.3, zorder=3)
    steps = [-limit_min, -limit_min / 2, 0.0, limit_min / 2, limit_min]
    handles = [
        Patch(
            facecolor=NO_GAP if step == 0 else colour_map(0.5 + 0.5 * step / limit_min),
            label=labels["time_unchanged"] if step == 0 else f"{step:+.0f} min",
        )
        for step in steps
    ]
    _furniture(ax, layers.font)
    _legend(figure, handles, _sized(layers.font, 7), 5, 0.11)
    return png(figure)
