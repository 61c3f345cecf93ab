"""Street names on the report's maps: the major named streets, written along their line where they fit.

Each name is written once, along the longest stretch of its street inside the
map, in the report's font with a white halo. A name is left out when its
stretch is shorter than the name, when it would cross a name already written,
or when it would sit on the scale bar and north arrow; the most important
streets (trunk, primary, secondary, tertiary, then the longest) are placed first.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import shapely
from matplotlib import patheffects

#: at most this many names on one map
MAX_LABELS = 28
#: ranks of the major streets (trunk to tertiary, see :data:`circle.report.streets.MAJOR`)
MAJOR_RANKS = 4
#: with this many major streets named in the view, lesser streets go unlabelled
ENOUGH_MAJOR = 10
#: the names' size, in points
LABEL_PT = 6.0
#: a CJK character's width, and a Latin one's, in ems (the font's size)
CJK_EM, LATIN_EM = 1.0, 0.56
#: the stretch of street must be this much longer than its name
ROOM = 1.25
#: the corner the scale bar and attribution use (axes fractions: x up to, y up to) and the north arrow's
KEEP_CLEAR = ((0.0, 0.0, 0.45, 0.14), (0.88, 0.82, 1.0, 1.0))
_CJK = re.compile(r"[\u3400-\u9fff]")


def short_name(name: str) -> str:
    """Return a street name as a map writes it: the Chinese half of "东城根南街 - Dongchenggen Street South".

    Examples
    --------
    >>> short_name("东城根南街 - Dongchenggen Street South")
    '东城根南街'
    >>> short_name("Mannerheimintie")
    'Mannerheimintie'
    """
    parts = [part.strip() for part in re.split(r"\s+[-–—/]\s+|;", name) if part.strip()]
    chinese = [part for part in parts if _CJK.search(part)]
    return (chinese or parts or [name])[0]


def label_width_pt(text: str, size: float = LABEL_PT) -> float:
    """Return the width of ``text`` in points, from its characters (CJK are square, Latin about half)."""
    return sum(CJK_EM if _CJK.match(c) else LATIN_EM for c in text) * size


def draw_street_labels(ax, streets: gpd.GeoDataFrame | None, font, names=None, cache: dict | None = None) -> int:
    """Write the names of the major streets along them on ``ax`` (extent already set); return how many.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        A map whose limits and aspect are final.
    streets : geopandas.GeoDataFrame or None
        Named streets in the map's CRS with ``name`` and ``rank`` (:func:`circle.report.streets.named_streets`).
    font : matplotlib.font_manager.FontProperties
        The report's font (with CJK glyphs for Chinese names).
    names : callable, optional
        Turns a name into the text written (e.g. to pinyin without a CJK font); default as it is.
    cache : dict, optional
        Keeps each view's stretches between maps of one report (they share their extent).
    """
    if streets is None or streets.empty:
        return 0
    xmin, xmax = ax.get_xlim()
    ymin, ymax = ax.get_ylim()
    view = shapely.box(xmin, ymin, xmax, ymax)
    inside = streets[streets.intersects(view)]
    major = inside[inside["rank"] < MAJOR_RANKS]
    inside = major if major["name"].nunique() >= ENOUGH_MAJOR else inside  # lanes only where few major streets are
    if inside.empty:
        return 0
    width_in = ax.get_position().width * ax.figure.get_size_inches()[0]
    points_per_m = width_in * 72.0 / (xmax - xmin)
    key = ("street_stretches", xmin, ymin, xmax, ymax)
    candidates = cache.get(key) if cache is not None else None
    if candidates is None:
        candidates = _longest_stretches(inside, view)
        if cache is not None:
            cache[key] = candidates
    placed: list[shapely.Geometry] = [
        shapely.box(
            xmin + a * (xmax - xmin), ymin + b * (ymax - ymin), xmin + c * (xmax - xmin), ymin + d * (ymax - ymin)
        )
        for a, b, c, d in KEEP_CLEAR
    ]
    labelled = 0
    label_font = font.copy()
    label_font.set_size(LABEL_PT)
    halo = [patheffects.withStroke(linewidth=2.0, foreground="white")]
    for name, line in candidates:
        text = names(short_name(name)) if names is not None else short_name(name)
        length_m = label_width_pt(text) / points_per_m
        if line.length < ROOM * length_m:
            continue
        middle = line.interpolate(0.5, normalized=True)
        ahead = line.interpolate(min(line.length, line.project(middle) + length_m / 2))
        behind = line.interpolate(max(0.0, line.project(middle) - length_m / 2))
        angle = np.degrees(np.arctan2(ahead.y - behind.y, ahead.x - behind.x))
        if angle > 90:
            angle -= 180
        elif angle <= -90:
            angle += 180
        box = _label_box(middle.x, middle.y, length_m, LABEL_PT * 1.4 / points_per_m, np.radians(angle))
        if not view.contains(box) or any(box.intersects(other) for other in placed):
            continue
        ax.text(
            middle.x,
            middle.y,
            text,
            fontproperties=label_font,
            color="#333333",
            rotation=angle,
            rotation_mode="anchor",
            ha="center",
            va="center",
            path_effects=halo,
            zorder=9,
            clip_on=True,
        )
        placed.append(box)
        labelled += 1
        if labelled >= MAX_LABELS:
            break
    return labelled


def _longest_stretches(streets: gpd.GeoDataFrame, view) -> list[tuple[str, shapely.LineString]]:
    """Return each name's longest continuous stretch inside ``view``, the most important streets first."""
    found = []
    for name, group in streets.groupby("name", sort=False):
        merged = shapely.line_merge(shapely.intersection(shapely.union_all(group.geometry.to_numpy()), view))
        pieces = [g for g in getattr(merged, "geoms", [merged]) if g.geom_type == "LineString" and not g.is_empty]
        if not pieces:
            continue
        longest = max(pieces, key=lambda g: g.length)
        found.append((int(group["rank"].min()), -longest.length, name, longest))
    found.sort(key=lambda item: (item[0], item[1], item[2]))
    return [(name, line) for _, _, name, line in found]


def _label_box(x: float, y: float, length: float, height: float, angle: float):
    """Return the rectangle a label of ``length`` by ``height`` (metres) centred on (x, y) at ``angle`` covers."""
    dx, dy = np.cos(angle), np.sin(angle)
    half_l, half_h = length / 2, height / 2
    corners = [
        (x + sx * half_l * dx - sy * half_h * dy, y + sx * half_l * dy + sy * half_h * dx)
        for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))
    ]
    return shapely.Polygon(corners)
