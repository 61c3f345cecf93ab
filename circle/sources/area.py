"""Study areas: a bounding box or a polygon file, checked before any work."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from circle.errors import AreaError
from circle.geo import WGS84
from circle.sources.layer_offset import OffsetReference, check_layer_offset
from circle.sources.vector import read_layer

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class StudyArea:
    """The area whose blocks are studied, in WGS-84.

    Attributes
    ----------
    geometry : shapely.Geometry
        The polygon (a bounding box is a rectangle).
    description : str
        How the user gave it, for the summary.
    declared_system : str, optional
        For a polygon file, the system it was read in (``wgs84``, ``gcj02``, ``bd09``, ``EPSG:CODE``).
    """

    geometry: BaseGeometry
    description: str
    declared_system: str | None = None

    @property
    def bounds(self) -> BBox:
        """``(west, south, east, north)`` in degrees."""
        return tuple(float(v) for v in self.geometry.bounds)


def parse_bbox(text: str) -> StudyArea:
    """Parse ``"W,S,E,N"`` (degrees) into a study area.

    Parameters
    ----------
    text : str
        Four comma-separated numbers: west, south, east, north.

    Returns
    -------
    StudyArea
        The rectangle.

    Raises
    ------
    AreaError
        For anything but four numbers, values out of range (with a hint when
        latitude and longitude look swapped), or west ≥ east / south ≥ north.

    Examples
    --------
    >>> parse_bbox("104.05,30.65,104.10,30.70").bounds
    (104.05, 30.65, 104.1, 30.7)
    """
    parts = [p.strip() for p in str(text).split(",")]
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise AreaError(
            f"the bounding box {text!r} is not four numbers. Give west,south,east,north in degrees, "
            "for example 104.04,30.65,104.13,30.73.",
            about=("bbox",),
        ) from None
    problems = []
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        if -90 <= west <= 90 and -90 <= east <= 90:
            problems.append(
                "south and north must be latitudes (−90…90): latitude and longitude look swapped; "
                f"did you mean {south},{west},{north},{east}?"
            )
        else:
            problems.append("south and north must be latitudes between −90 and 90")
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        problems.append("west and east must be longitudes between −180 and 180")
    if not problems and west >= east:
        problems.append(f"west ({west}) must be less than east ({east})")
    if not problems and south >= north:
        problems.append(f"south ({south}) must be less than north ({north})")
    if problems:
        raise AreaError(
            f"the bounding box {text}: " + "; ".join(problems) + ". The order is west,south,east,north.",
            about=("bbox",),
        )
    return StudyArea(shapely.box(west, south, east, north), f"bbox {west},{south},{east},{north}")


def read_area_file(path: str | Path, system: str | None = None) -> StudyArea:
    """Read a study-area polygon (GeoPackage, GeoJSON, Shapefile); all features are merged.

    ``system`` is its declared coordinate system (``wgs84``, ``gcj02`` for an
    area drawn on AMap/高德 or Tencent/腾讯, ``bd09`` for Baidu/百度,
    ``EPSG:CODE``); None for the file's own CRS.

    Raises
    ------
    AreaError
        When the file is missing, unreadable, has no CRS (and none is declared) or no polygon.
    """
    path = Path(path)
    try:
        polygons, declared = read_layer(path, "area file", AreaError, system=system)
    except AreaError as exc:
        raise AreaError(str(exc), about=("area_file",)) from None
    merged = shapely.union_all(polygons.to_crs(WGS84).geometry.values)
    return StudyArea(merged, f"polygon {path.name}", declared)


def wgs84_copy(path: str | Path, system: str | None, target: str | Path) -> Path:
    """Write the study area of ``path``, read in ``system``, as a WGS-84 GeoJSON at ``target``; return ``target``.

    For readers that take an area file in its own CRS (the PDF report) when
    the area was drawn on a GCJ-02 or BD-09 map.
    """
    area = read_area_file(path, system)
    gpd.GeoDataFrame(geometry=[area.geometry], crs=WGS84).to_file(target, driver="GeoJSON")
    return Path(target)


def check_area_offset(area: StudyArea, reference: OffsetReference) -> dict:
    """Compare a study area's outline with OpenStreetMap's streets and area outlines under each coordinate system.

    One polygon is judged by its outline alone (at least 2 km of it near the
    data); an area drawn freely across blocks, not along streets, fits no
    system better and is reported so.

    Returns
    -------
    dict
        ``declared_crs`` and ``offset_check`` (:func:`circle.sources.layer_offset.check_layer_offset`).
    """
    declared = area.declared_system or "wgs84"
    geometry = gpd.GeoSeries([area.geometry], crs=WGS84)
    return {
        "file": area.description.removeprefix("polygon "),
        "declared_crs": declared,
        "offset_check": check_layer_offset(geometry, declared, reference, "area file", min_features=1),
    }


def check_overlap(area: StudyArea, data_bounds: BBox | None) -> None:
    """Refuse an area that misses the data, with a hint for swapped coordinates.

    Parameters
    ----------
    area : StudyArea
        The requested area.
    data_bounds : tuple of float or None
        ``(west, south, east, north)`` of the data; None skips the check.

    Raises
    ------
    AreaError
        When the two do not overlap.
    """
    if data_bounds is None:
        return
    data_box = shapely.box(*data_bounds)
    if area.geometry.intersects(data_box):
        return
    west, south, east, north = area.bounds
    hint = ""
    swapped = shapely.box(south, west, north, east)
    if swapped.intersects(data_box):
        hint = f" Swapped, it would overlap: did you mean {south},{west},{north},{east}?"
    dw, ds, de, dn = data_bounds
    raise AreaError(
        f"the study area ({west:.4f},{south:.4f},{east:.4f},{north:.4f}) lies outside the data, "
        f"which covers {dw:.4f},{ds:.4f},{de:.4f},{dn:.4f} (west,south,east,north).{hint} "
        "Choose an area inside the extract, or use an extract that covers it."
    )
