"""The coordinate system a user declares for a layer (blocks, census polygons, closures, a study area).

A layer exported from a Chinese web map holds GCJ-02 (AMap/高德, Tencent/腾讯)
or BD-09 (Baidu/百度) degrees, but the tools that write it label it EPSG:4326.
A declared system says what the coordinates really are:

- ``wgs84``, ``gcj02`` or ``bd09``: the file's longitudes and latitudes are
  in that system, whatever its geographic label says (a file without a CRS
  is read in it). A file labelled with a *projected* CRS is first taken back
  to degrees by its label, as the tool that projected it did, and those
  degrees are in the declared system.
- ``EPSG:CODE``: the coordinates are in that CRS (the file's label, if any,
  is overridden) and are reprojected as usual.
- nothing (None): the file's own CRS, which it must then have.

Every reader converts through :func:`circle.coords.transform_geometry`
here, once, at the edge.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from circle.coords import SYSTEMS, check_system, transform_geometry
from circle.errors import CircleError, InputDataError
from circle.geo import WGS84

#: what each declared system is, for help texts and the app's choices.
SYSTEM_WORDS = {
    "wgs84": "WGS-84 (GPS, OpenStreetMap, most GIS files)",
    "gcj02": "GCJ-02 (AMap/高德, Tencent/腾讯)",
    "bd09": "BD-09 (Baidu/百度)",
    "epsg": "EPSG:CODE (projected x/y or another datum)",
}


def parse_system(text: str | None) -> str | None:
    """Return the normalised declared system: ``wgs84``, ``gcj02``, ``bd09``, ``EPSG:CODE``, or None for the file's own.

    Raises
    ------
    CircleError
        For a name that is none of these or an EPSG code pyproj does not know.

    Examples
    --------
    >>> parse_system("GCJ-02"), parse_system("epsg:32648"), parse_system(None)
    ('gcj02', 'EPSG:32648', None)
    """
    if text is None or not str(text).strip():
        return None
    name = str(text).strip()
    if name.upper().startswith("EPSG:"):
        code = f"EPSG:{name.split(':', 1)[1].strip()}"
        try:
            crs = CRS.from_user_input(code)
        except CRSError as error:
            raise CircleError(f"the coordinate system {name} is not a known EPSG code ({error}).") from None
        refuse_unless_horizontal(crs, name)
        return "wgs84" if code == WGS84 else code
    return check_system(name)


def refuse_unless_horizontal(crs, name: str) -> None:
    """Refuse a CRS that places nothing on a map: a vertical (heights), geocentric or compound one.

    Raises
    ------
    CircleError
        Naming what kind of system it is and what to declare instead.

    Examples
    --------
    >>> from pyproj import CRS
    >>> refuse_unless_horizontal(CRS.from_user_input("EPSG:4547"), "EPSG:4547")
    >>> try:
    ...     refuse_unless_horizontal(CRS.from_user_input("EPSG:5773"), "EPSG:5773")
    ... except CircleError as refused:
    ...     print(str(refused)[:65])
    the coordinate system EPSG:5773 (EGM96 height) gives heights, not
    """
    if crs.is_compound or crs.is_vertical:
        kind = "gives heights, not positions"
    elif crs.is_geocentric:
        kind = "is geocentric (x, y, z from the Earth's centre), not a map's"
    elif crs.is_projected or crs.is_geographic:
        return
    else:
        kind = "is not a map's system of positions"
    raise CircleError(
        f"the coordinate system {name} ({crs.name}) {kind}: declare the horizontal system of the x/y (EPSG:4547, "
        "EPSG:32648 …) or wgs84, gcj02, bd09."
    )


def declared_label(system: str | None, file_crs) -> str:
    """Return the system a layer was read in: the declared one, else its file's (``wgs84`` for geographic labels)."""
    if system is not None:
        return system
    if file_crs is None or file_crs.is_geographic:
        return "wgs84"
    epsg = file_crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else file_crs.to_string()


def apply_system(
    frame: gpd.GeoDataFrame, system: str | None, what: str, path, error: type[CircleError] = InputDataError
) -> gpd.GeoDataFrame:
    """Return ``frame`` with its coordinates read in the declared ``system`` (in WGS-84 when one is declared).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        As read from the file (its CRS may be None).
    system : str or None
        From :func:`parse_system`; None keeps the file's own CRS.
    what, path
        What the file is and where, for messages.
    error : type of CircleError
        The error raised.

    Raises
    ------
    CircleError
        (as ``error``) when no system is known, or the coordinates are not
        degrees where degrees are declared (with a hint for swapped latitude
        and longitude).
    """
    if system is None:
        if frame.crs is None:
            raise error(
                f"{what} {path} has no coordinate reference system. Declare it (wgs84, gcj02 for AMap/高德 and "
                "Tencent/腾讯, bd09 for Baidu/百度, or EPSG:CODE), or set it in the file (in QGIS: Layer ▸ Set CRS, "
                "then export) and run again."
            )
        check_degrees(frame, what, path, error)
        return frame
    if system not in SYSTEMS:
        frame = frame.set_crs(system, allow_override=True).to_crs(WGS84)
        check_degrees(frame, what, path, error)
        return frame
    if frame.crs is not None and not frame.crs.is_geographic:
        frame = frame.to_crs(WGS84)  # back to the degrees the projecting tool took for WGS-84
    else:
        frame = frame.set_crs(WGS84, allow_override=True)
    check_degrees(frame, what, path, error, declared=system)
    if system != "wgs84":
        geometry = transform_geometry(frame.geometry.to_numpy(), system, inverse=True)
        frame = frame.set_geometry(gpd.GeoSeries(geometry, index=frame.index, crs=WGS84))
    return frame


def check_degrees(
    frame: gpd.GeoDataFrame, what: str, path, error: type[CircleError], declared: str | None = None
) -> None:
    """Refuse degree coordinates beyond ±90° latitude or ±180° longitude (swapped, or metres taken for degrees)."""
    if frame.crs is None or not frame.crs.is_geographic or frame.empty:
        return
    west, south, east, north = frame.total_bounds
    biggest = max(abs(west), abs(east), abs(south), abs(north))
    if 1000 < biggest < 1e8:  # metres of a projected CRS (beyond, the numbers are no coordinates at all)
        hint = f" It was declared {declared}, which is in degrees." if declared else ""
        raise error(
            f"{what} {path} has coordinates up to {biggest:,.0f}, read as "
            f"degrees: they look like projected metres.{hint} Declare the file's real coordinate system as "
            "EPSG:CODE (e.g. EPSG:4547 for CGCS2000 Gauss-Krüger, EPSG:32648 for UTM 48N), or set it in the file."
        )
    if max(abs(south), abs(north)) > 90:
        raise error(
            f"{what} {path} has latitudes beyond ±90° ({south:.3f}…{north:.3f}): latitude and "
            "longitude look swapped. Write the file with x = longitude, y = latitude."
        )
    if max(abs(west), abs(east)) > 180:
        raise error(
            f"{what} {path} has longitudes beyond ±180° ({west:.3f}…{east:.3f}): the coordinates are not "
            "degrees. Set the file's real CRS (projected metres?) or declare it as EPSG:CODE, and run again."
        )


def refuse_for_raster(system: str | None, path) -> None:
    """Refuse a declared system for a population raster, whose own CRS is always used.

    Raises
    ------
    InputDataError
        For any declaration: GCJ-02 and BD-09 cannot be undone cell by cell.
    """
    if system is None:
        return
    if system in ("gcj02", "bd09"):
        raise InputDataError(
            f"the population raster {path} cannot be declared {system}: a grid of cells cannot be shifted back "
            "cell by cell. Use a raster in WGS-84 or a projected CRS (WorldPop and GHS-POP are), or give the "
            "population as census polygons, which can be declared GCJ-02 or BD-09.",
            about=("population_crs",),
        )
    raise InputDataError(
        f"the population raster {path} is read in its own CRS; a declared system ({system}) applies only to "
        "census polygons. Leave the declaration out, or set the raster's CRS with gdal_edit.py -a_srs.",
        about=("population_crs",),
    )


def finite_coordinates(frame: gpd.GeoDataFrame) -> bool:
    """Whether every coordinate of the frame is a finite number."""
    return bool(np.all(np.isfinite(shapely.get_coordinates(frame.geometry.to_numpy()))))
