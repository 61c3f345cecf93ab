"""The named streets of a study, for the report: "近 人民南路" beside a place, and street names on the maps.

A study folder keeps its walking network without names, so the names are
read again from the OpenStreetMap file the study was built from (its
``source.path``), inside the study's bounding box: a quarter of a second on
the embedded central-Chengdu extract. When the file is gone, changed, or too
large to read again for a report, the report goes without street names and
says so once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from circle.analysis.assess import study_preset
from circle.errors import CircleError
from circle.report._street_labels import short_name
from circle.sources.osm import read_osm

#: a source file larger than this is not read again for street names (a report stays quick)
MAX_SOURCE_MB = 400.0
#: a place farther than this from any named street is not said to be near one
NEAR_M = 500.0
#: the study's box is widened by this much (about 500 m) to find the streets along its edge
MARGIN_DEG = 0.005
#: street classes, the most important first (the maps label these, in this order)
MAJOR = ("trunk", "primary", "secondary", "tertiary")


def named_streets(study) -> gpd.GeoDataFrame | None:
    """Return the study's named streets in its CRS (``name``, ``highway``, ``rank``, geometry), or None.

    ``rank`` orders the classes (0 for a trunk road, 4 for anything below a tertiary street). None when the
    source file cannot be read again (gone, changed, too large); empty when it names no street.
    """
    source = study.summary.source
    path = Path(source.path) if source.path else None
    if path is None or not path.is_file() or path.stat().st_size > MAX_SOURCE_MB * 1e6:
        return None
    if path.stat().st_size < 50e6 and _sha256(path) != source.sha256:  # another file now: its names would lie
        return None
    bbox = study.summary.bbox
    if bbox:  # the blocks' box, widened by the streets that bound them and those the maps show around them
        west, south, east, north = bbox
        bbox = (west - MARGIN_DEG, south - MARGIN_DEG, east + MARGIN_DEG, north + MARGIN_DEG)
    try:
        osm = read_osm(path, study_preset(study), bbox or None)
    except (CircleError, OSError, ValueError):
        return None
    lines = osm.street_lines
    if lines is None or lines.empty or "name" not in lines:  # read, and no street at all: none named
        return gpd.GeoDataFrame({"name": [], "highway": [], "rank": []}, geometry=[], crs=study.crs)
    names = lines["name"].astype("string").str.strip()
    named = lines[names.fillna("").ne("")].copy()
    named["name"] = named["name"].astype(str).str.strip()
    classes = named["highway"].astype(str).str.removesuffix("_link")
    named["rank"] = classes.map({c: i for i, c in enumerate(MAJOR)}).fillna(len(MAJOR)).astype(int)
    return named[["name", "highway", "rank", "geometry"]].to_crs(study.crs).reset_index(drop=True)


def nearest_street(points: gpd.GeoSeries, streets: gpd.GeoDataFrame | None) -> np.ndarray:
    """Return, per point, the name of the nearest named street within :data:`NEAR_M` ("" where none).

    A major street (trunk to tertiary) within half that distance is preferred to a nearer lane: "近 人民南路"
    finds a place better than the name of a back street.
    """
    found = np.full(len(points), "", dtype=object)
    if streets is None or streets.empty or not len(points):
        return found
    geometries = np.asarray(streets.geometry, dtype=object)
    tree = shapely.STRtree(geometries)
    where = np.asarray(points.to_crs(streets.crs) if points.crs != streets.crs else points, dtype=object)
    names = streets["name"].to_numpy(object)
    ranks = streets["rank"].to_numpy(int)
    for index, point in enumerate(where):
        if point is None or point.is_empty:
            continue
        near = tree.query(point, predicate="dwithin", distance=NEAR_M)
        if not len(near):
            continue
        distance = shapely.distance(geometries[near], point)
        major = (ranks[near] < len(MAJOR)) & (distance <= NEAR_M / 2)
        pool = near[major] if major.any() else near
        pool_distance = distance[major] if major.any() else distance
        found[index] = short_name(names[pool[int(np.argmin(pool_distance))]])
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
