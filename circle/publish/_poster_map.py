"""The small map of a notice-board poster: a compound, its 15-minute area, its streets and five services.

Everything is read from the published site (the site's plane, whole metres,
x east and y north; see :mod:`circle.publish`) and drawn as vectors on a
reportlab canvas, inside a frame the caller gives.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import shapely
from reportlab.pdfgen.canvas import FILL_EVEN_ODD

#: the street kinds of ``data/streets/0`` (0 main road, 1 street, 2 path): grey level and width in points
STREET_STYLE = {0: (0.52, 2.2), 1: (0.66, 1.2), 2: (0.78, 0.6)}
AREA_FILL = (0.99, 0.85, 0.55)  # the 15-minute area
OUTLINE = (0.80, 0.16, 0.12)  # the compound
DOT = (0.10, 0.30, 0.62)  # the numbered services
MIN_VIEW_M = 700.0
SCALE_STEPS_M = (50, 100, 200, 250, 500, 1000, 2000, 5000)


@dataclass(frozen=True)
class View:
    """The part of the site's plane a map frame shows, and where the frame lies on the page."""

    xmin: float
    ymin: float
    metres: float  # the side shown, along the frame's longer side
    x: float
    y: float
    width: float
    height: float

    @property
    def scale(self) -> float:
        """Points per metre."""
        return max(self.width, self.height) / self.metres

    def page(self, px: float, py: float) -> tuple[float, float]:
        """Return the page position of a point of the plane."""
        return self.x + (px - self.xmin) * self.scale, self.y + (py - self.ymin) * self.scale

    @property
    def xmax(self) -> float:
        """The east edge shown, in metres."""
        return self.xmin + self.width / self.scale

    @property
    def ymax(self) -> float:
        """The north edge shown, in metres."""
        return self.ymin + self.height / self.scale


def fit_view(
    points: Sequence[Sequence[float]],
    x: float,
    y: float,
    width: float,
    height: float,
    inset: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0),
) -> View:
    """Return the view that holds every point (with a margin) in a frame of ``width × height`` points.

    ``inset`` (left, bottom, right, top, in points) keeps the points clear of
    what is drawn along the frame's edges (the scale bar, the north arrow).

    Examples
    --------
    The 1000 m between two points and a 6 % margin on each side fill a frame 200 points wide:

    >>> view = fit_view([[0, 0], [1000, 0]], 0, 0, 200, 100)
    >>> round(200 / view.scale), view.page(500, 0)
    (1120, (100.0, 50.0))
    """
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    cx, cy = (min(xs) + max(xs)) / 2.0, (min(ys) + max(ys)) / 2.0
    span_x = max(max(xs) - min(xs), 1.0) * 1.12
    span_y = max(max(ys) - min(ys), 1.0) * 1.12
    left, bottom, right, top = inset
    inner_w, inner_h = width - left - right, height - bottom - top
    # metres per point, so that both spans fit the inner frame
    per_point = max(span_x / inner_w, span_y / inner_h, MIN_VIEW_M / max(width, height))
    metres = per_point * max(width, height)
    xmin = cx - per_point * (inner_w / 2.0 + left)
    ymin = cy - per_point * (inner_h / 2.0 + bottom)
    return View(xmin, ymin, metres, x, y, width, height)


def _level_zero_size(streets_dir: Path) -> float:
    """Return the side of the level-0 squares as the site's ``site.json`` gives it (``data/streets/0`` → ``data``)."""
    site = json.loads((streets_dir.parent.parent / "site.json").read_text(encoding="utf-8"))
    return float(next(level["size"] for level in site["levels"] if level["level"] == 0))


def read_streets(streets_dir: Path, view: View) -> list[tuple[int, list[tuple[float, float]]]]:
    """Return the lines ``(kind, points)`` of the level-0 squares the view touches (absent squares have none)."""
    size = _level_zero_size(streets_dir)
    lines: list[tuple[int, list[tuple[float, float]]]] = []
    for i in range(math.floor(view.xmin / size), math.floor(view.xmax / size) + 1):
        for j in range(math.floor(view.ymin / size), math.floor(view.ymax / size) + 1):
            path = streets_dir / f"{i}_{j}.json"
            if not path.is_file():
                continue
            tile = json.loads(path.read_text(encoding="utf-8"))
            for line in tile.get("lines", []):
                lines.append((int(line[0]), _absolute(line[1:])))
    return lines


def _absolute(flat: Sequence[int]) -> list[tuple[float, float]]:
    """Return the points of a line stored as a first point and then steps from the one before.

    Examples
    --------
    >>> _absolute([10, 20, 5, 0, 0, -5])
    [(10, 20), (15, 20), (15, 15)]
    """
    points = []
    x = y = 0
    for k in range(0, len(flat) - 1, 2):
        x, y = (flat[k], flat[k + 1]) if k == 0 else (x + flat[k], y + flat[k + 1])
        points.append((x, y))
    return points


def merged_area(rings: Iterable[Sequence[Sequence[float]]]):
    """Return the rings of the 15-minute area as one shape (its rectangles merged, so no seams show)."""
    polygons = [shapely.Polygon(ring) for ring in rings if len(ring) >= 3]
    if not polygons:
        return []
    merged = shapely.union_all(polygons)
    out = []
    for polygon in getattr(merged, "geoms", [merged]):
        if isinstance(polygon, shapely.Polygon) and not polygon.is_empty:
            out.extend([list(polygon.exterior.coords), *[list(r.coords) for r in polygon.interiors]])
    return out


def draw_map(
    canvas,
    frame: tuple[float, float, float, float],
    block: dict,
    services: Sequence[dict],
    streets_dir: Path,
    font: str,
) -> View:
    """Draw the compound's map in ``frame`` (x, y, width, height in points) and return its view.

    Parameters
    ----------
    canvas : reportlab.pdfgen.canvas.Canvas
        The page.
    frame : tuple
        Where the map goes on the page.
    block : dict
        The block's page (``data/blocks/ID.json``): its ``outline``, ``isochrone`` and ``centre``.
    services : sequence of dict
        The services listed on the poster, in their order: each with ``facility`` ``{"x", "y"}``;
        drawn as dots numbered from 1.
    streets_dir : pathlib.Path
        The site's ``data/streets/0`` folder.
    font : str
        The registered font for the numbers and the scale.
    """
    x, y, width, height = frame
    area = merged_area(block.get("isochrone") or [])
    points = [p for ring in block.get("outline") or [] for p in ring]
    points += [p for ring in area for p in ring]
    points += [(s["facility"]["x"], s["facility"]["y"]) for s in services]
    points = points or [block.get("centre") or (0, 0)]
    view = fit_view(points, x, y, width, height, inset=(6.0, 24.0, 26.0, 6.0))

    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setStrokeColorRGB(0.5, 0.5, 0.5)
    canvas.setLineWidth(0.8)
    canvas.rect(x, y, width, height, stroke=1, fill=1)
    clip = canvas.beginPath()
    clip.rect(x, y, width, height)
    canvas.clipPath(clip, stroke=0, fill=0)

    if area:
        canvas.setFillColorRGB(*AREA_FILL)
        _fill_rings(canvas, view, area)
    canvas.setLineCap(1)
    canvas.setLineJoin(1)
    for kind in (2, 1, 0):  # main roads drawn last, on top
        grey, line_width = STREET_STYLE.get(kind, STREET_STYLE[1])
        canvas.setStrokeColorRGB(grey, grey, grey)
        canvas.setLineWidth(line_width)
        path = canvas.beginPath()
        drawn = False
        for line_kind, line in read_streets(streets_dir, view):
            if line_kind != kind or len(line) < 2:
                continue
            path.moveTo(*view.page(*line[0]))
            for point in line[1:]:
                path.lineTo(*view.page(*point))
            drawn = True
        if drawn:
            canvas.drawPath(path, stroke=1, fill=0)
    outline = block.get("outline") or []
    if outline:
        canvas.saveState()
        canvas.setFillColorRGB(*OUTLINE, alpha=0.25)
        canvas.setStrokeColorRGB(*OUTLINE)
        canvas.setLineWidth(2.2)
        _fill_rings(canvas, view, outline, stroke=1)
        canvas.restoreState()
    _scale_bar(canvas, view, font)
    _north(canvas, view, font)
    radius = 8.5
    at = [view.page(s["facility"]["x"], s["facility"]["y"]) for s in services]
    spots = place_dots(at, radius)
    for number, ((px, py), (dx, dy)) in reversed(list(enumerate(zip(at, spots, strict=True), start=1))):
        if (dx, dy) != (px, py):  # moved off a dot it would hide: a leader to where it is
            canvas.setStrokeColorRGB(*DOT, alpha=1.0)
            canvas.setFillColorRGB(*DOT, alpha=1.0)
            canvas.setLineWidth(1.0)
            canvas.line(px, py, dx, dy)
            canvas.circle(px, py, 2.2, stroke=0, fill=1)
        number_dot(canvas, dx, dy, number, font, radius=radius)
    canvas.restoreState()
    return view


def place_dots(points: Sequence[tuple[float, float]], radius: float) -> list[tuple[float, float]]:
    """Return where to draw numbered dots so none hides another: each at its point, or moved a little off it.

    Examples
    --------
    >>> place_dots([(0, 0), (3, 0), (100, 0)], 8)
    [(0, 0), (3.0, 18.0), (100, 0)]
    """
    gap = 2.0 * radius + 1.0
    step = gap + 1.0
    offsets = [(0.0, 0.0)] + [
        (round(step * ring * math.sin(angle), 6), round(step * ring * math.cos(angle), 6))
        for ring in (1, 2, 3)
        for angle in (k * math.pi / 4.0 for k in range(8))
    ]
    placed: list[tuple[float, float]] = []
    for px, py in points:
        for ox, oy in offsets:
            spot = (px + ox, py + oy) if (ox, oy) != (0.0, 0.0) else (px, py)
            if all(math.hypot(spot[0] - qx, spot[1] - qy) >= gap for qx, qy in placed):
                break
        placed.append(spot)
    return placed


def number_dot(canvas, x: float, y: float, number: int, font: str, radius: float = 9.0) -> None:
    """Draw a service's numbered dot centred at ``(x, y)`` (the same mark on the map and in the list)."""
    canvas.saveState()
    canvas.setFillColorRGB(*DOT, alpha=1.0)
    canvas.setStrokeColorRGB(1, 1, 1, alpha=1.0)
    canvas.setLineWidth(1.4)
    canvas.circle(x, y, radius, stroke=1, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    size = radius * 1.3
    canvas.setFont(font, size)
    canvas.drawCentredString(x, y - size * 0.36, str(number))
    canvas.restoreState()


def _fill_rings(canvas, view: View, rings, stroke: int = 0) -> None:
    path = canvas.beginPath()
    for ring in rings:
        if len(ring) < 3:
            continue
        path.moveTo(*view.page(*ring[0]))
        for point in ring[1:]:
            path.lineTo(*view.page(*point))
        path.close()
    canvas.drawPath(path, stroke=stroke, fill=1, fillMode=FILL_EVEN_ODD)  # holes stay open


def _north(canvas, view: View, font: str) -> None:
    """Draw a north arrow in the frame's upper-right corner (the plane's y axis points north)."""
    x = view.x + view.width - 14
    top = view.y + view.height - 8
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1, alpha=0.85)
    canvas.rect(x - 10, top - 34, 20, 34, stroke=0, fill=1)
    canvas.setFillColorRGB(0.1, 0.1, 0.1, alpha=1.0)
    path = canvas.beginPath()
    path.moveTo(x, top - 2)
    path.lineTo(x - 5, top - 14)
    path.lineTo(x + 5, top - 14)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.setFont(font, 8)
    canvas.drawCentredString(x, top - 23, "北")
    canvas.drawCentredString(x, top - 32, "N")
    canvas.restoreState()


def _scale_bar(canvas, view: View, font: str) -> None:
    """Draw a scale bar in the frame's lower-left corner: a round length about a quarter of the frame."""
    target = view.width / view.scale / 4.0
    metres = max((s for s in SCALE_STEPS_M if s <= target), default=SCALE_STEPS_M[0])
    length = metres * view.scale
    x0, y0 = view.x + 8, view.y + 8
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1, alpha=0.85)
    canvas.rect(x0 - 4, y0 - 4, length + 56, 18, stroke=0, fill=1)
    canvas.setStrokeColorRGB(0.1, 0.1, 0.1)
    canvas.setLineWidth(1.6)
    canvas.line(x0, y0 + 2, x0 + length, y0 + 2)
    canvas.line(x0, y0, x0, y0 + 5)
    canvas.line(x0 + length, y0, x0 + length, y0 + 5)
    canvas.setFillColorRGB(0.1, 0.1, 0.1, alpha=1.0)
    canvas.setFont(font, 8)
    canvas.drawString(x0 + length + 4, y0, f"{metres} 米 / m")
    canvas.restoreState()
