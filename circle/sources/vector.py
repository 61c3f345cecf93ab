"""Read a user's polygon file (GeoPackage, GeoJSON, Shapefile) with the checks every reader needs.

A Shapefile written by Chinese GIS software without its ``.cpg`` holds GBK
text that GDAL reads as Latin-1 (``Èý½Ö·»ÉçÇø`` for 三街坊社区); such a file
is read again as GBK, and ``attrs["text_encoding"]`` says so.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from circle.errors import CircleError
from circle.sources.layer_systems import (
    apply_system,
    declared_label,
    finite_coordinates,
    parse_system,
    refuse_unless_horizontal,
)

POLYGONS = ("Polygon", "MultiPolygon")
LINES_AND_POLYGONS = ("LineString", "MultiLineString", *POLYGONS)


def read_polygons(
    path: str | Path,
    what: str,
    error: type[CircleError],
    kinds: tuple[str, ...] = POLYGONS,
    system: str | None = None,
) -> gpd.GeoDataFrame:
    """Read the polygons (or the geometries of ``kinds``) of a vector file, refusing files a study cannot trust.

    Parameters
    ----------
    path : str or pathlib.Path
        A GeoPackage, GeoJSON, Shapefile or any format GDAL reads.
    what : str
        What the file is, for messages (``"blocks file"``, ``"area file"``).
    error : type of CircleError
        The error raised on any problem.
    kinds : tuple of str
        The geometry types kept (default: polygons and multipolygons).
    system : str, optional
        The declared coordinate system (:func:`circle.sources.layer_systems.parse_system`):
        ``wgs84``, ``gcj02``, ``bd09`` or ``EPSG:CODE``; None for the file's own.

    Returns
    -------
    geopandas.GeoDataFrame
        Only the non-empty rows of those types: in the file's CRS, or in
        WGS-84 when a system is declared.

    Raises
    ------
    CircleError
        (as ``error``) when the file is missing or unreadable, has no CRS and
        none is declared, holds no polygon, or has latitudes beyond ±90°
        (swapped coordinates).
    """
    return read_layer(path, what, error, kinds, system)[0]


def repair_polygons(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Make invalid polygons valid (a bow-tie ring becomes two triangles), keeping only their areas; count them.

    Overlays and areas of invalid polygons fail or lie (a GEOS "side location conflict" stopped a whole run).
    Lines are left as they are.

    Examples
    --------
    >>> import shapely
    >>> bow = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    >>> fixed, count = repair_polygons(gpd.GeoDataFrame(geometry=[bow]))
    >>> count, fixed.geometry.iloc[0].geom_type, round(fixed.geometry.iloc[0].area, 3)
    (1, 'MultiPolygon', 2.0)
    """
    geometry = frame.geometry.to_numpy()
    polygonal = np.isin(shapely.get_type_id(geometry), (3, 6))
    invalid = polygonal & ~shapely.is_valid(geometry)
    if not invalid.any():
        return frame, 0
    fixed = geometry.copy()
    for index in np.flatnonzero(invalid):
        made = shapely.make_valid(geometry[index])
        parts = [g for g in getattr(made, "geoms", [made]) if g.geom_type in POLYGONS]
        fixed[index] = shapely.multipolygons([p for g in parts for p in getattr(g, "geoms", [g])]) if parts else None
    out = frame.set_geometry(gpd.GeoSeries(fixed, index=frame.index, crs=frame.crs))
    out = out[[g is not None and not g.is_empty for g in fixed]]
    return out, int(invalid.sum())


def read_layer(
    path: str | Path,
    what: str,
    error: type[CircleError],
    kinds: tuple[str, ...] = POLYGONS,
    system: str | None = None,
) -> tuple[gpd.GeoDataFrame, str]:
    """Read a layer as :func:`read_polygons` does; return it with the system it was read in (for the offset check).

    The system is the declared one, else ``wgs84`` for a file labelled in
    degrees, else the file's projected CRS (``EPSG:32648``).
    """
    path = Path(path)
    if not path.exists():
        raise error(f"{what} {path} does not exist. Check the path.")
    try:
        system = parse_system(system)
    except CircleError as exc:
        raise error(f"{what} {path}: {exc}") from None
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several unrelated types
        raise error(f"{what} {path} could not be read ({exc}). Give a GeoPackage, GeoJSON or Shapefile.") from exc
    if frame.crs is not None and system is None:
        try:
            refuse_unless_horizontal(frame.crs, f"of {what} {path.name}")
        except CircleError as exc:
            raise error(str(exc)) from None
    encoding = None
    if looks_like_gbk_read_as_latin1(frame):
        with contextlib.suppress(Exception):  # not GBK after all: the text stays as GDAL read it
            frame, encoding = gpd.read_file(path, encoding="gbk"), "gbk"
    label = declared_label(system, frame.crs)
    present = np.array([g is not None and not g.is_empty for g in frame.geometry.to_numpy()], dtype=bool)
    frame = frame[present]
    frame = frame[frame.geometry.geom_type.isin(list(kinds))]
    if frame.empty:
        if kinds == POLYGONS:
            raise error(f"{what} {path} holds no polygons; it must hold areas.")
        raise error(f"{what} {path} holds no lines or polygons; it must hold lines or areas.")
    if not finite_coordinates(frame):
        raise error(f"{what} {path} has coordinates that are not finite numbers (NaN or infinite). Fix the file.")
    out = apply_system(frame, system, what, path, error)
    out, repaired = repair_polygons(out)  # in the true coordinates: a shift may bend a valid ring at a vertex
    if repaired:
        out.attrs["repaired"] = (
            f"{repaired} self-intersecting or otherwise invalid polygon(s) repaired (shapely.make_valid): check "
            "their outlines"
        )
    if encoding:
        out.attrs["text_encoding"] = (
            "its text read as GBK: no .cpg file beside it says its encoding, and read as GDAL's default it was "
            f"Latin-1 letters like Èý½Ö (put a {path.stem}.cpg holding GBK beside it to say so)"
        )
    return out, label


#: the letters GBK's bytes become when read as Latin-1
_LATIN1_LETTERS = (0x00C0, 0x00FF)
#: Chinese characters (the CJK unified ideographs)
_CJK = (0x4E00, 0x9FFF)


def looks_like_gbk_read_as_latin1(frame: gpd.GeoDataFrame) -> bool:
    """Whether a layer's text (column names and text cells) looks like GBK read as Latin-1.

    It does when it holds no Chinese character, its words with letters past
    ASCII are mostly made of them (as every Chinese character becomes two:
    ``三`` → ``Èý``; French or Catalan names have one here and there), at
    least 4 are letters of U+00C0–U+00FF, and all of it decodes as GBK.

    Examples
    --------
    >>> import geopandas as gpd
    >>> looks_like_gbk_read_as_latin1(gpd.GeoDataFrame({"name": ["Èý½Ö·»ÉçÇø"]}))
    True
    >>> looks_like_gbk_read_as_latin1(gpd.GeoDataFrame({"name": ["三街坊社区", "Café"]}))
    False
    >>> looks_like_gbk_read_as_latin1(gpd.GeoDataFrame({"name": ["Sant Julià de Lòria", "Château-Thierry"]}))
    False
    """
    texts = [str(c) for c in frame.columns]
    for column in frame.columns:
        if column != "geometry" and not pd.api.types.is_numeric_dtype(frame[column]):
            texts += [v for v in frame[column].head(500) if isinstance(v, str)]
    words = [w for t in texts for w in t.split() if any(ord(c) > 0x7F for c in w)]
    text = "".join(words)
    wide = [ord(c) for c in text if ord(c) > 0x7F]
    if not wide or len(wide) < 0.6 * len(text) or any(_CJK[0] <= c <= _CJK[1] for c in wide):
        return False
    letters = sum(_LATIN1_LETTERS[0] <= c <= _LATIN1_LETTERS[1] for c in wide)
    if letters < 4:
        return False
    try:
        "".join(words).encode("latin-1").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return True
