"""Water and green areas of an OSM file, for the offline base map (rivers, lakes, parks, woods, grass).

The planner's map has no tiles by default (a bureau's intranet reaches no
tile server): its base is the study's own streets, and these areas read
from the same OSM file the study was built from. Only the few tags below
are decoded, with the same array readers as the study's import
(:mod:`circle.sources.pbf`, :mod:`circle.sources.osm_areas`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from circle.sources.osm_areas import NodeLookup, closed_way_areas, concat_ranges, relation_areas
from circle.sources.osm_format import _read_xml, detect_format
from circle.sources.osm_tags import TagTable
from circle.sources.pbf import KEY_WANTED, read_pbf

#: tag values that make an area water, and green
WATER_TAGS = {
    "natural": ("water", "bay", "wetland"),
    "waterway": ("riverbank", "dock"),
    "landuse": ("reservoir", "basin"),
}
GREEN_TAGS = {
    "leisure": ("park", "garden", "nature_reserve", "golf_course"),
    "landuse": ("grass", "forest", "meadow", "recreation_ground", "village_green", "orchard", "cemetery"),
    "natural": ("wood", "scrub", "grassland", "heath"),
}
#: waterways drawn as lines (a river mapped only by its centre line)
RIVER_LINES = ("river", "canal", "stream")
_KEYS = ("natural", "waterway", "landuse", "leisure", "area", "type")


@dataclass(frozen=True)
class Land:
    """Water and green of an area, in WGS-84 longitude and latitude."""

    water: np.ndarray  # (multi)polygons
    green: np.ndarray  # (multi)polygons
    rivers: np.ndarray  # line strings of river and canal centre lines

    @property
    def empty(self) -> bool:
        """Whether nothing was found."""
        return not (len(self.water) or len(self.green) or len(self.rivers))


def read_land(path: str | Path, bounds: tuple[float, float, float, float] | None = None, threads: int = 1) -> Land:
    """Read the water and green areas (and river lines) of an OSM file, within ``bounds`` if given.

    Parameters
    ----------
    path : str or pathlib.Path
        An ``.osm.pbf`` or ``.osm`` file.
    bounds : tuple of float, optional
        ``(west, south, east, north)`` in degrees: what lies wholly outside is left out.
    threads : int
        Threads decoding the file (one by default: the app reads it beside its pages).

    Raises
    ------
    InputDataError
        When the file is missing, damaged or not OSM data.
    """
    path = Path(path)
    keys = dict.fromkeys(_KEYS, KEY_WANTED)
    pbf = read_pbf(path, keys, threads) if detect_format(path) == "pbf" else _read_xml(path, keys)
    ways = TagTable(pbf.way_tags, len(pbf.way_id), pbf)
    relations = TagTable(pbf.relation_tags, len(pbf.relation_id), pbf)
    lookup = NodeLookup.build(pbf)
    water, green = [], []
    for table, areas in (
        (ways, lambda wanted: closed_way_areas(pbf, ways, lookup, wanted)),
        (relations, lambda wanted: relation_areas(pbf, relations, lookup, wanted)),
    ):
        is_water, is_green = _matches(table, WATER_TAGS), _matches(table, GREEN_TAGS)
        found = areas(is_water | is_green)
        kind_water = is_water[found.source_row]
        water.append(found.geometry[kind_water])
        green.append(found.geometry[~kind_water])
    rivers = _lines(pbf, lookup, np.flatnonzero(ways.isin("waterway", RIVER_LINES)))
    box = shapely.box(*bounds) if bounds is not None else None

    def inside(geometries: np.ndarray) -> np.ndarray:
        geometries = np.concatenate(geometries) if isinstance(geometries, list) else geometries
        geometries = np.asarray(geometries, dtype=object)
        if box is None or not len(geometries):
            return geometries
        return geometries[shapely.intersects(geometries, box)]

    return Land(inside(water), inside(green), inside(rivers))


def _matches(table: TagTable, tags: dict[str, tuple[str, ...]]) -> np.ndarray:
    found = np.zeros(table.n, bool)
    for key, values in tags.items():
        found |= table.isin(key, values)
    return found


def _lines(pbf, lookup: NodeLookup, rows: np.ndarray) -> np.ndarray:
    """Return the ways at ``rows`` as line strings (ways with a missing node or fewer than two are left out)."""
    if not len(rows):
        return np.empty(0, dtype=object)
    ptr = pbf.way_ptr
    counts = np.diff(ptr)[rows]
    missing = np.bincount(lookup.way_of_ref[~lookup.found], minlength=len(ptr) - 1)[rows] if len(ptr) > 1 else 0
    rows = rows[(counts >= 2) & (missing == 0)]
    if not len(rows):
        return np.empty(0, dtype=object)
    refs = concat_ranges(ptr[rows], ptr[rows + 1])
    line_of = np.repeat(np.arange(len(rows)), np.diff(ptr)[rows])
    return np.asarray(shapely.linestrings(np.column_stack([lookup.lon[refs], lookup.lat[refs]]), indices=line_of))
