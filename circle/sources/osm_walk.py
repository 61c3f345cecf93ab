"""Walkable ways and street lines from OSM: which ways a pedestrian may use, steps, inclines, bridges and tunnels."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from circle.geo import WGS84
from circle.sources.osm_areas import NodeLookup
from circle.sources.osm_tags import TagTable
from circle.sources.pbf import PbfData

#: highway values pedestrians may use (with their sidewalks); others are dropped.
WALKABLE_HIGHWAYS = frozenset(
    {
        "footway",
        "path",
        "pedestrian",
        "steps",
        "living_street",
        "residential",
        "service",
        "unclassified",
        "tertiary",
        "tertiary_link",
        "secondary",
        "secondary_link",
        "primary",
        "primary_link",
        "trunk",
        "trunk_link",
        "track",
        "road",
        "corridor",
        "bridleway",
        "elevator",
        "crossing",
        "sidewalk",
    }
)


#: cycleways count only where pedestrians are allowed on them.
CYCLEWAY_FOOT_ALLOWED = frozenset({"yes", "designated", "permissive"})


_FOOT_FORBIDDEN = frozenset({"no", "private", "use_sidepath"})


_ACCESS_FORBIDDEN = frozenset({"no", "private"})


#: streets that enclose street blocks when landuse=residential is not mapped.
BLOCK_STREETS = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "residential",
        "unclassified",
        "living_street",
        "pedestrian",
    }
)


@dataclass
class WalkWays:
    """Walkable way segments in WGS-84, one row per consecutive node pair."""

    u: np.ndarray  # int64 OSM node ids
    v: np.ndarray
    way_id: np.ndarray
    highway: np.ndarray  # object (str)
    node_ids: np.ndarray  # int64, unique ids of every node used
    node_lon: np.ndarray
    node_lat: np.ndarray
    step_count: np.ndarray | None = None  # float per segment: the way's step_count (NaN when untagged)
    incline: np.ndarray | None = None  # float per segment: rise/run along u→v from `incline` (±inf: up/down only)
    off_ground: np.ndarray | None = None  # bool per segment: on a bridge, in a tunnel or on a layer other than 0

    @property
    def is_empty(self) -> bool:
        """Whether no walkable segment was read."""
        return len(self.u) == 0


def _inside(lon: np.ndarray, lat: np.ndarray, bounds) -> np.ndarray:
    if bounds is None:
        return np.isfinite(lon)
    west, south, east, north = bounds
    return (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)


def _note(times: np.ndarray, newest: list[int]) -> None:
    if len(times):
        newest[0] = max(newest[0], int(times.max()))


def _format_time(seconds: int) -> str | None:
    if seconds <= 0:
        return None
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _walk_and_streets(pbf: PbfData, ways: TagTable, lookup: NodeLookup, bounds, warnings: list[str], newest):
    """Return the walkable segments and the block-enclosing street lines of every highway way."""
    n_ways = len(pbf.way_id)
    highway = ways.column("highway")
    found = lookup.found
    is_highway_ref = (highway >= 0)[lookup.way_of_ref] if len(found) else np.zeros(0, bool)
    missing = np.bincount(lookup.way_of_ref[is_highway_ref & ~found], minlength=n_ways)
    for way_id in pbf.way_id[missing > 0]:
        warnings.append(f"way {way_id} references nodes missing from the file")
    ref_ok = found & is_highway_ref
    located = np.bincount(lookup.way_of_ref[ref_ok], minlength=n_ways)
    inside = np.bincount(lookup.way_of_ref[ref_ok & _inside(lookup.lon, lookup.lat, bounds)], minlength=n_ways)
    usable = (highway >= 0) & (located >= 2) & (inside > 0)
    walkable = usable & walkable_ways(ways)
    streets = usable & ways.isin("highway", BLOCK_STREETS) & ~ways.equals("area", "yes")
    street_lines = _lines(pbf, ways, lookup, np.flatnonzero(streets))
    _note(pbf.way_time[walkable], newest)
    # segments: consecutive located references of walkable ways, between distinct nodes
    refs = np.flatnonzero(ref_ok & walkable[lookup.way_of_ref])
    way_of = lookup.way_of_ref[refs]
    node = pbf.way_refs[refs]
    pair = (way_of[:-1] == way_of[1:]) & (node[:-1] != node[1:]) if len(refs) > 1 else np.zeros(0, bool)
    first = np.flatnonzero(pair)
    u, v = node[first], node[first + 1]
    segment_way = way_of[first]
    # nodes in the order they are first met (as the segments list them), each with one of its references
    sequence = np.column_stack([u, v]).ravel()
    sequence_ref = np.column_stack([refs[first], refs[first + 1]]).ravel()
    unique_ids, first_seen = np.unique(sequence, return_index=True)
    order = np.argsort(first_seen, kind="stable")
    node_ids = unique_ids[order]
    coordinate_ref = sequence_ref[first_seen[order]]
    highway_names = (
        np.array(pbf.strings, dtype=object)[highway[segment_way]] if len(segment_way) else np.zeros(0, object)
    )
    steps = highway_names == "steps"
    step_count = np.full(len(u), np.nan)
    incline = np.full(len(u), np.nan)
    if steps.any():
        step_count[steps] = _parsed(ways, "step_count", segment_way[steps], parse_step_count)
        incline[steps] = _parsed(ways, "incline", segment_way[steps], parse_incline)
    walk = WalkWays(
        off_ground=off_ground_ways(ways)[segment_way] if len(segment_way) else np.zeros(0, bool),
        u=u.astype(np.int64),
        v=v.astype(np.int64),
        way_id=pbf.way_id[segment_way],
        highway=highway_names.astype(object),
        node_ids=node_ids.astype(np.int64),
        node_lon=lookup.lon[coordinate_ref],
        node_lat=lookup.lat[coordinate_ref],
        step_count=step_count,
        incline=incline,
    )
    return walk, street_lines


def off_ground_ways(ways: TagTable) -> np.ndarray:
    """Return which ways are off the ground: a bridge or viaduct, a tunnel, or ``layer`` other than 0.

    A ``tunnel=building_passage`` is a way at ground level through a building
    and counts as ground; so does ``bridge=no``/``tunnel=no``.
    """
    bridge = ways.has("bridge") & ~ways.isin("bridge", {"no"})
    tunnel = ways.has("tunnel") & ~ways.isin("tunnel", {"no", "building_passage"})
    rows = np.flatnonzero(ways.has("layer"))
    layered = np.zeros(len(bridge), bool)
    if len(rows):
        layered[rows] = _parsed(ways, "layer", rows, _layer) != 0
    return bridge | tunnel | layered


def _layer(text: str | None) -> float:
    """Parse an OSM ``layer`` value (``"1"``, ``"-1"``, ``"0"``; anything else counts as ground)."""
    try:
        return float(str(text).strip().split(";")[0])
    except (TypeError, ValueError):
        return 0.0


def _parsed(table: TagTable, key: str, rows: np.ndarray, parse) -> np.ndarray:
    """Parse a tag's values once per distinct value, for the objects at ``rows``."""
    codes = table.column(key)[rows]
    distinct, inverse = np.unique(codes, return_inverse=True)
    parsed = np.array([parse(table.pbf.strings[c]) if c >= 0 else parse(None) for c in distinct], float)
    return parsed[inverse]


def _lines(pbf: PbfData, ways: TagTable, lookup: NodeLookup, rows: np.ndarray) -> gpd.GeoDataFrame:
    """Street lines of the ways at ``rows`` (their located nodes only), with highway and name."""
    columns = {"way_id": pbf.way_id[rows], "highway": ways.values("highway", rows), "name": ways.values("name", rows)}
    if len(rows) == 0:
        return gpd.GeoDataFrame(columns, geometry=[], crs=WGS84)
    chosen = np.zeros(len(pbf.way_id), bool)
    chosen[rows] = True
    refs = np.flatnonzero(lookup.found & chosen[lookup.way_of_ref])
    coords = np.column_stack([lookup.lon[refs], lookup.lat[refs]])
    line_of = np.searchsorted(rows, lookup.way_of_ref[refs])
    lines = shapely.linestrings(coords, indices=line_of)
    return gpd.GeoDataFrame(columns, geometry=lines, crs=WGS84)


def walkable_ways(ways) -> np.ndarray:
    """Return which ways pedestrians may use (the filter the README spells out).

    No motorways or ways under construction (their highway values are not
    walkable), no ``foot=no``/``private``/``use_sidepath``, no
    ``access=no``/``private`` unless foot is allowed, no ``service=private`` or
    ``motorroad=yes``, no areas other than pedestrian ones (walked along their
    outline); cycleways only where pedestrians are allowed or the way is
    segregated; trunk roads unless ``sidewalk=no``.

    Parameters
    ----------
    ways : TagTable
        Way tags (anything with ``has``, ``equals`` and ``isin`` per key).

    Returns
    -------
    numpy.ndarray
        A boolean per way.
    """
    foot_allowed = ways.isin("foot", CYCLEWAY_FOOT_ALLOWED)
    walkable = ways.has("highway") & ~ways.isin("foot", _FOOT_FORBIDDEN)
    walkable &= ~(ways.isin("access", _ACCESS_FORBIDDEN) & ~foot_allowed)
    walkable &= ~(ways.equals("service", "private") | ways.equals("motorroad", "yes"))
    walkable &= ~(ways.equals("area", "yes") & ~ways.equals("highway", "pedestrian"))
    by_kind = ways.isin("highway", WALKABLE_HIGHWAYS)
    by_kind = np.where(ways.equals("highway", "cycleway"), foot_allowed | ways.has("segregated"), by_kind)
    trunk = ways.isin("highway", {"trunk", "trunk_link"})
    by_kind = np.where(trunk, foot_allowed | ~ways.isin("sidewalk", {"no", "none"}), by_kind)
    return walkable & by_kind


class _OneObject:
    """The tags of one object, with the column interface of :class:`TagTable`."""

    def __init__(self, tags: dict[str, str]):
        self.tags = tags

    def has(self, key: str) -> np.ndarray:
        return np.array([key in self.tags])

    def equals(self, key: str, value: str) -> np.ndarray:
        return np.array([self.tags.get(key) == value])

    def isin(self, key: str, values) -> np.ndarray:
        return np.array([self.tags.get(key) in values])


def is_walkable(tags: dict[str, str]) -> bool:
    """Return whether a way with these tags may be walked (:func:`walkable_ways` for one way).

    Parameters
    ----------
    tags : dict of str to str
        The way's tags.

    Returns
    -------
    bool
        True for walkable ways.

    Examples
    --------
    >>> is_walkable({"highway": "footway"}), is_walkable({"highway": "motorway"})
    (True, False)
    >>> is_walkable({"highway": "cycleway", "foot": "yes"}), is_walkable({"highway": "service", "access": "no"})
    (True, False)
    """
    return bool(walkable_ways(_OneObject(tags))[0])


def parse_step_count(value: str | None) -> float:
    """Return an OSM ``step_count`` as a number of steps (NaN when absent or not a positive number).

    Examples
    --------
    >>> parse_step_count("42"), parse_step_count("about 40")
    (42.0, nan)
    """
    try:
        count = float(str(value).strip())
    except (TypeError, ValueError):
        return np.nan
    return count if 0 < count < 10_000 else np.nan


def parse_incline(value: str | None) -> float:
    """Return an OSM ``incline`` as rise/run along the way's direction.

    ``up``/``down`` give +inf/−inf (direction known, steepness not); ``12%``
    gives 0.12, ``-5°`` gives tan(−5°); anything else NaN.

    Examples
    --------
    >>> parse_incline("up"), parse_incline("-10%"), round(parse_incline("45°"), 6)
    (inf, -0.1, 1.0)
    """
    if value is None:
        return np.nan
    text = str(value).strip().lower()
    if text == "up":
        return np.inf
    if text == "down":
        return -np.inf
    try:
        if text.endswith("%"):
            return float(text[:-1]) / 100.0
        if text.endswith("°"):
            return float(np.tan(np.radians(float(text[:-1]))))
    except ValueError:
        return np.nan
    return np.nan
