"""Read OpenStreetMap files (``.osm.pbf`` and ``.osm`` XML) offline, as whole arrays.

A PBF file is decoded by :mod:`circle.sources.pbf` into arrays of nodes, ways,
relations and the tags a study reads; OSM XML is converted to PBF first, by
libosmium in C++. Everything a study needs is then assembled with
whole-array operations, never a Python step per node or way: the walkable
segments with their node coordinates, the objects a preset classifies as
facilities (nodes and areas), residential land use, buildings, mapped
entrances and the streets that enclose street blocks. Everything stays in
WGS-84 here; projection happens in :mod:`circle.build.network` and
:mod:`circle.build.blocks`.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import shapely
from shapely.geometry.base import BaseGeometry

from circle.errors import InputDataError
from circle.geo import WGS84
from circle.sources.osm_areas import Areas, NodeLookup, canonical_areas, closed_way_areas, relation_areas
from circle.sources.osm_tags import TagTable
from circle.sources.pbf import KEY_WANTED, KEY_WHOLE_OBJECT, PbfData, read_pbf
from circle.standards import Preset

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
#: building values that say "people live here" without doubt.
STRICT_RESIDENTIAL_BUILDINGS = frozenset(
    {
        "residential",
        "apartments",
        "house",
        "detached",
        "semidetached_house",
        "terrace",
        "dormitory",
        "bungalow",
    }
)
#: building values that may hold homes (``yes`` is the most common value of all).
_RESIDENTIAL_BUILDINGS = STRICT_RESIDENTIAL_BUILDINGS | {"farm", "yes"}
_ENTRANCE_BARRIERS = frozenset({"gate", "entrance", "lift_gate", "swing_gate", "turnstile"})
_KEPT_TAGS = ("name", "name:zh", "name:en", "capacity", "beds", "operator", "access")
#: ``admin_level`` values of the administrative units a block is placed in (see :mod:`circle.build.admin_units`)
ADMIN_LEVELS = ("8", "9", "10")


#: every key a study reads from any object (facility keys come from the preset).
_READ_KEYS = (
    "highway",
    "foot",
    "access",
    "area",
    "service",
    "motorroad",
    "sidewalk",
    "segregated",
    "step_count",
    "incline",
    "bridge",
    "tunnel",
    "layer",
    "covered",
    "name",
    "name:zh",
    "name:en",
    "building",
    "building:levels",
    "height",
    "landuse",
    "entrance",
    "barrier",
    "type",
    "boundary",
    "admin_level",
    *_KEPT_TAGS,
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


@dataclass
class OsmFeature:
    """A tagged OSM object with its WGS-84 geometry."""

    osm_type: str  # "node", "way" or "relation"
    osm_id: int
    tags: dict[str, str]
    geometry: BaseGeometry


@dataclass
class OsmData:
    """Everything circle reads from one OSM file, in WGS-84.

    Attributes
    ----------
    walk : WalkWays
        Walkable segments.
    facilities : list of (OsmFeature, list of str)
        Objects the preset classifies, with their category keys.
    residential : geopandas.GeoDataFrame
        ``landuse=residential`` areas: ``osm_type``, ``osm_id``, ``name``, ``name_zh``, ``name_en``.
    buildings : geopandas.GeoDataFrame
        Building footprints: ``osm_type``, ``osm_id``, ``building``, ``levels``, ``height``,
        ``residential`` (may hold homes).
    entrances : geopandas.GeoDataFrame
        Entrance and gate nodes: ``osm_id``, ``entrance``, ``barrier``, ``access``, ``foot``, ``name``.
    street_lines : geopandas.GeoDataFrame
        Streets that enclose street blocks: ``way_id``, ``highway``, ``name``.
    admin_areas : geopandas.GeoDataFrame
        ``boundary=administrative`` areas of an :data:`ADMIN_LEVELS` level, whole in the file:
        ``osm_type``, ``osm_id``, ``admin_level``, ``name``, ``name_zh``, ``name_en``.
    objects : int
        Nodes, ways and relations in the file.
    """

    path: Path
    walk: WalkWays
    facilities: list[tuple[OsmFeature, list[str]]]
    residential: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    entrances: gpd.GeoDataFrame
    street_lines: gpd.GeoDataFrame
    data_timestamp: str | None
    file_bbox: tuple[float, float, float, float] | None
    warnings: list[str] = field(default_factory=list)
    admin_areas: gpd.GeoDataFrame = field(default_factory=lambda: _frame([], _ADMIN_COLUMNS))
    objects: int = 0
    node_extent: tuple[float, float, float, float] | None = None
    _projected: dict = field(default_factory=dict, repr=False, compare=False)

    def street_lines_in(self, crs: str) -> gpd.GeoDataFrame:
        """Return :attr:`street_lines` projected to ``crs`` (projected once, for every stage that needs them)."""
        if crs not in self._projected:
            self._projected[crs] = self.street_lines.to_crs(crs)
        return self._projected[crs]


def detect_format(path: Path) -> str:
    """Return ``"pbf"`` or ``"osm"`` from a file's first bytes, not its name.

    Parameters
    ----------
    path : pathlib.Path
        The file to inspect.

    Returns
    -------
    str
        The osmium format name.

    Raises
    ------
    InputDataError
        When the file is missing, empty or neither PBF nor OSM XML.
    """
    if not path.exists():
        raise InputDataError(f"{path} does not exist. Check the path and run again.")
    if path.is_dir():
        raise InputDataError(f"{path} is a folder; give an .osm.pbf or .osm file.")
    size = path.stat().st_size
    if size == 0:
        raise InputDataError(
            f"{path} is empty (0 bytes): the download or copy was probably cut short. Fetch the extract again."
        )
    with path.open("rb") as handle:
        head = handle.read(64)
    if b"OSMHeader" in head[:32]:
        return "pbf"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<?xml") or text.startswith(b"<osm"):
        return "osm"
    raise InputDataError(
        f"{path} is neither an OpenStreetMap PBF nor an OSM XML file{_looks_like(head)}. Give an .osm.pbf or "
        ".osm extract, for example from a regional OpenStreetMap download site."
    )


_ARCHIVES = {
    b"\x1f\x8b": "a gzip archive: unpack it first",
    b"BZh": "a bzip2 archive: unpack it first (bunzip2)",
    b"PK\x03\x04": "a ZIP archive: unpack it first",
    b"\xfd7zXZ": "an xz archive: unpack it first (unxz)",
    b"7z\xbc\xaf": "a 7-Zip archive: unpack it first",
}


def _looks_like(head: bytes) -> str:
    """Say what kind of file ``head`` opens, naming a known archive format but never echoing the bytes."""
    for magic, kind in _ARCHIVES.items():
        if head.startswith(magic):
            return f" (it is {kind})"
    return ""


def wanted_keys(preset: Preset) -> dict[str, int]:
    """Return the keys a study reads, with the facility keys marked to keep whole objects."""
    classes = dict.fromkeys((*_READ_KEYS, *preset.osm_keys), KEY_WANTED)
    classes.update(dict.fromkeys(preset.trigger_keys, KEY_WHOLE_OBJECT))
    return classes


def read_osm(
    path: str | Path,
    preset: Preset,
    bounds: tuple[float, float, float, float] | None = None,
) -> OsmData:
    """Read the parts of an OSM file that a study needs.

    PBF files are decoded by :mod:`circle.sources.pbf`; OSM XML is first
    converted to PBF by libosmium (in C++, into a temporary folder), so both
    formats take the same path and give the same study.

    Parameters
    ----------
    path : str or pathlib.Path
        An ``.osm.pbf`` or ``.osm`` (XML) file.
    preset : Preset
        Decides which tagged objects are facilities, and of which category.
    bounds : tuple of float, optional
        ``(west, south, east, north)`` in degrees; objects wholly outside are
        skipped while reading. Exact clipping happens later, in metres.

    Returns
    -------
    OsmData
        Walkable segments, facilities, residential areas, buildings, entrances.

    Raises
    ------
    InputDataError
        When the file is missing, empty, damaged or not OSM data.
    """
    path = Path(path)
    return osm_from_pbf(read_decoded(path, preset), path, preset, bounds)


def read_decoded(path: str | Path, preset: Preset) -> PbfData:
    """Decode a PBF or OSM XML file into arrays, keeping the tags ``preset`` (and every study) reads.

    Raises
    ------
    InputDataError
        When the file is missing, empty, damaged or not OSM data.
    """
    path = Path(path)
    keys = wanted_keys(preset)
    return read_pbf(path, keys) if detect_format(path) == "pbf" else _read_xml(path, keys)


def _read_xml(path: Path, keys: dict[str, int]) -> PbfData:
    """Convert OSM XML to PBF with libosmium (no Python per object), then decode it."""
    with tempfile.TemporaryDirectory(prefix="circle-xml-") as scratch:
        converted = Path(scratch) / "converted.osm.pbf"
        try:
            osmium.apply(osmium.io.File(str(path), "osm"), osmium.WriteHandler(str(converted)))
        except osmium.InvalidLocationError as exc:
            raise InputDataError(
                f"{path} has a node whose coordinates are not numbers on the globe: the file is damaged. "
                "Download the extract again."
            ) from exc
        except (RuntimeError, ValueError, OSError) as exc:
            raise InputDataError(
                f"{path} could not be read as OSM XML ({_xml_problem(exc)}). The file is probably truncated or "
                "damaged; download the extract again."
            ) from exc
        pbf = read_pbf(converted, keys)
    header = _xml_header(path)
    pbf.header_bbox, pbf.replication_timestamp = header
    return pbf


_XML_PARSE_ERROR = re.compile(r"XML parsing error at line (\d+), column (\d+): ([a-z ()]+)")


def _xml_problem(exc: Exception) -> str:
    """Say where and how libosmium failed on an XML file without repeating the file's text.

    libosmium quotes attribute values in some messages (a version, a
    coordinate); only the parser's position and its fixed description are kept.
    """
    found = _XML_PARSE_ERROR.search(str(exc))
    if found:
        line, column, what = found.groups()
        return f"XML error at line {line}, column {column}: {what.strip()}"
    if "version" in str(exc).lower():
        return "its <osm> element declares a version other than 0.6"
    return type(exc).__name__


def _xml_header(path: Path) -> tuple[tuple[float, float, float, float] | None, str | None]:
    try:
        reader = osmium.io.Reader(osmium.io.File(str(path), "osm"), osmium.osm.osm_entity_bits.NOTHING)
        try:
            header = reader.header()
            box = header.box()
            stamp = header.get("osmosis_replication_timestamp") or None
        finally:
            reader.close()
    except (RuntimeError, ValueError, OSError):
        return None, None
    if not box.valid():
        return None, stamp
    return (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat), stamp


def osm_from_pbf(
    pbf: PbfData, path: Path, preset: Preset, bounds: tuple[float, float, float, float] | None = None
) -> OsmData:
    """Assemble what a study needs from a decoded file, with whole-array operations.

    Parameters
    ----------
    pbf : PbfData
        The decoded file.
    path : pathlib.Path
        Where it came from (for messages).
    preset : Preset
        Classifies facilities.
    bounds : tuple of float, optional
        ``(west, south, east, north)``: objects wholly outside are skipped.

    Returns
    -------
    OsmData
        As :func:`read_osm` returns it.
    """
    nodes_tags = TagTable(pbf.node_tags, len(pbf.node_id), pbf)
    ways = TagTable(pbf.way_tags, len(pbf.way_id), pbf)
    relations = TagTable(pbf.relation_tags, len(pbf.relation_id), pbf)
    lookup = NodeLookup.build(pbf)
    warnings: list[str] = []
    newest = [0]
    facility_keys = sorted(preset.osm_keys)

    def areas_and_facilities():
        # numpy and shapely work on whole arrays without the GIL: the streets are assembled meanwhile
        newest = [0]  # this thread's own
        way_interest = (
            ways.has("building")
            | ways.equals("landuse", "residential")
            | _may_be_facility(ways, preset)
            | is_admin_unit(ways)
        )
        relation_interest = (
            relations.has("building")
            | relations.equals("landuse", "residential")
            | _may_be_facility(relations, preset)
            | is_admin_unit(relations)
        )
        areas = [
            (ways, closed_way_areas(pbf, ways, lookup, way_interest), pbf.way_time),
            (relations, relation_areas(pbf, relations, lookup, relation_interest), pbf.relation_time),
        ]
        areas = [(table, _inside_bounds(found, bounds), times) for table, found, times in areas]
        broken = [message for _, found, _ in areas for message in found.broken]
        facilities = []
        residential, buildings, admin = [], [], []
        for table, found, times in areas:
            facilities.extend(_facility_areas(table, found, preset, facility_keys, times, newest))
            residential.append(_residential(table, found))
            buildings.append(_buildings(table, found))
            admin.append(_admin_areas(table, found))
        return broken, facilities, residential, buildings, admin, newest[0]

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(areas_and_facilities)
        walk, street_lines = _walk_and_streets(pbf, ways, lookup, bounds, warnings, newest)
        facility_nodes = _facility_nodes(pbf, nodes_tags, preset, facility_keys, bounds, newest)
        entrances = _entrances(pbf, nodes_tags, bounds)
        broken, facility_areas, residential, buildings, admin, newest_area = pending.result()
    facilities = facility_nodes + facility_areas
    warnings.extend(broken)
    newest[0] = max(newest[0], newest_area)
    if pbf.node_time.size == 0 and not newest[0]:
        newest[0] = 0
    stamp = pbf.replication_timestamp or _format_time(newest[0])
    extent = (
        (float(pbf.node_lon.min()), float(pbf.node_lat.min()), float(pbf.node_lon.max()), float(pbf.node_lat.max()))
        if len(pbf.node_id)
        else None
    )
    return OsmData(
        path=path,
        walk=walk,
        facilities=facilities,
        residential=_frame(residential, ["osm_type", "osm_id", "name", "name_zh", "name_en"]),
        buildings=_frame(buildings, ["osm_type", "osm_id", "building", "levels", "height", "residential"]),
        entrances=entrances,
        street_lines=street_lines,
        admin_areas=_frame(admin, _ADMIN_COLUMNS),
        data_timestamp=stamp,
        file_bbox=pbf.header_bbox,
        warnings=warnings,
        objects=pbf.objects,
        node_extent=extent,
    )


def _may_be_facility(table: TagTable, preset: Preset) -> np.ndarray:
    """Objects that satisfy at least one rule's necessary condition (all of them if a rule has none)."""
    triggers = preset.triggers
    if triggers is None:
        return np.ones(table.n, bool)
    return table.objects_with(triggers)


def _inside(lon: np.ndarray, lat: np.ndarray, bounds) -> np.ndarray:
    if bounds is None:
        return np.isfinite(lon)
    west, south, east, north = bounds
    return (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)


def _inside_bounds(found: Areas, bounds) -> Areas:
    if bounds is None or len(found.osm_id) == 0:
        return found
    west, south, east, north = shapely.bounds(found.geometry).T
    keep = ~((east < bounds[0]) | (west > bounds[2]) | (north < bounds[1]) | (south > bounds[3]))
    return Areas(
        found.osm_type[keep],
        found.osm_id[keep],
        found.source_row[keep],
        found.geometry[keep],
        found.repaired,
        found.broken,
    )


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


def _classify(table: TagTable, rows: np.ndarray, preset: Preset, facility_keys: list[str]) -> list[list[str]]:
    """Categories of the objects at ``rows``, classified once per distinct combination of rule values.

    A school's level comes from ``isced:level`` and every name, so schools
    get their levels one by one; the levels then join the combination.
    """
    if len(rows) == 0:
        return []
    matrix = np.column_stack([table.column_for(k, rows) for k in facility_keys] + [np.full(len(rows), -1)])
    levels_found: list[frozenset[str] | None] = [None]
    if preset.school_levels:
        school = table.pbf.code("school")
        schools = np.flatnonzero(table.column_for("amenity", rows) == school) if school >= 0 else np.zeros(0, int)
        known: dict[frozenset[str] | None, int] = {None: 0}
        for position, tags in zip(schools, table.dicts(rows[schools]), strict=True):
            levels = preset.school_levels_of(tags)
            matrix[position, -1] = known.setdefault(levels, len(known)) - 1
        levels_found = list(known)
    distinct, inverse = np.unique(matrix, axis=0, return_inverse=True)
    strings = table.pbf.strings
    by_signature = [
        preset.classify(
            {k: strings[c] for k, c in zip(facility_keys, row[:-1], strict=True) if c >= 0},
            levels_found[row[-1] + 1],
        )
        for row in distinct
    ]
    return [by_signature[i] for i in np.ravel(inverse)]


def _facility_nodes(pbf: PbfData, nodes: TagTable, preset: Preset, facility_keys, bounds, newest) -> list:
    candidates = np.flatnonzero(_may_be_facility(nodes, preset) & _inside(pbf.node_lon, pbf.node_lat, bounds))
    categories = _classify(nodes, candidates, preset, facility_keys)
    chosen = [i for i, c in enumerate(categories) if c]
    rows = candidates[chosen]
    _note(pbf.node_time[rows], newest)
    points = shapely.points(pbf.node_lon[rows], pbf.node_lat[rows])
    return [
        (OsmFeature("node", int(pbf.node_id[row]), _kept(tags), point), categories[i])
        for i, row, tags, point in zip(chosen, rows, nodes.dicts(rows), points, strict=True)
    ]


def _facility_areas(table: TagTable, found: Areas, preset: Preset, facility_keys, times, newest) -> list:
    interesting = np.flatnonzero(_may_be_facility(table, preset)[found.source_row])
    rows = found.source_row[interesting]
    categories = _classify(table, rows, preset, facility_keys)
    chosen = [i for i, c in enumerate(categories) if c]
    _note(times[rows[chosen]], newest)
    features = []
    for i, tags in zip(chosen, table.dicts(rows[chosen]), strict=True):
        area = interesting[i]
        features.append((OsmFeature(found.osm_type[area], int(found.osm_id[area]), _kept(tags), None), categories[i]))
    shapes = canonical_areas([found.geometry[interesting[i]] for i in chosen])
    for (feature, _), geometry in zip(features, shapes, strict=True):
        feature.geometry = geometry
    return features


def _residential(table: TagTable, found: Areas) -> dict:
    take = np.flatnonzero(table.equals("landuse", "residential")[found.source_row])
    rows = found.source_row[take]
    return {
        "osm_type": found.osm_type[take],
        "osm_id": found.osm_id[take],
        **_names(table, rows),
        "geometry": canonical_areas(found.geometry[take]),
    }


def is_admin_unit(table: TagTable) -> np.ndarray:
    """Objects that are administrative units of an :data:`ADMIN_LEVELS` level."""
    return table.equals("boundary", "administrative") & table.isin("admin_level", ADMIN_LEVELS)


_ADMIN_COLUMNS = ["osm_type", "osm_id", "admin_level", "name", "name_zh", "name_en"]


def _admin_areas(table: TagTable, found: Areas) -> dict:
    take = np.flatnonzero(is_admin_unit(table)[found.source_row])
    rows = found.source_row[take]
    return {
        "osm_type": found.osm_type[take],
        "osm_id": found.osm_id[take],
        "admin_level": table.values("admin_level", rows),
        **_names(table, rows),
        "geometry": found.geometry[take],
    }


def _names(table: TagTable, rows: np.ndarray) -> dict[str, list[str | None]]:
    """Return the ``name``, ``name:zh`` and ``name:en`` of the objects at ``rows``, as frame columns."""
    return {
        "name": table.values("name", rows),
        "name_zh": table.values("name:zh", rows),
        "name_en": table.values("name:en", rows),
    }


def _buildings(table: TagTable, found: Areas) -> dict:
    building = table.column("building")[found.source_row]
    no = table.pbf.code("no")
    take = np.flatnonzero((building >= 0) & (building != no))
    rows = found.source_row[take]
    kinds = table.values("building", rows)
    return {
        "osm_type": found.osm_type[take],
        "osm_id": found.osm_id[take],
        "building": kinds,
        "levels": table.values("building:levels", rows),
        "height": table.values("height", rows),
        "residential": np.array([kind in _RESIDENTIAL_BUILDINGS for kind in kinds], bool),
        "geometry": found.geometry[take],
    }


def _frame(parts: list[dict], columns: list[str]) -> gpd.GeoDataFrame:
    if not parts:
        return gpd.GeoDataFrame({c: np.zeros(0, object) for c in columns}, geometry=[], crs=WGS84)
    data = {
        c: np.concatenate([np.asarray(p[c], dtype=object if c != "residential" else bool) for p in parts])
        for c in columns
    }
    geometry = np.concatenate([np.asarray(p["geometry"], dtype=object) for p in parts])
    frame = gpd.GeoDataFrame(data, geometry=geometry, crs=WGS84)
    if "osm_id" in frame:
        frame["osm_id"] = frame["osm_id"].astype(np.int64)
    return frame


def _entrances(pbf: PbfData, nodes: TagTable, bounds) -> gpd.GeoDataFrame:
    is_entrance = nodes.has("entrance") | nodes.isin("barrier", _ENTRANCE_BARRIERS)
    rows = np.flatnonzero(is_entrance & _inside(pbf.node_lon, pbf.node_lat, bounds))
    columns = {"osm_id": pbf.node_id[rows]}
    for key in ("entrance", "barrier", "access", "foot", "name"):
        columns[key] = nodes.values(key, rows)
    return gpd.GeoDataFrame(columns, geometry=shapely.points(pbf.node_lon[rows], pbf.node_lat[rows]), crs=WGS84)


def header_bounds(path: Path) -> tuple[float, float, float, float] | None:
    """Return the bounding box a file's header declares (west, south, east, north), or None."""
    try:
        reader = osmium.io.Reader(osmium.io.File(str(path), detect_format(path)), osmium.osm.osm_entity_bits.NOTHING)
        try:
            box = reader.header().box()
        finally:
            reader.close()
    except (RuntimeError, ValueError, OSError, InputDataError):
        return None
    if not box.valid():
        return None
    return box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat


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


def _kept(tags: dict[str, str]) -> dict[str, str]:
    kept = {k: tags[k] for k in _KEPT_TAGS if k in tags}
    for key in ("amenity", "leisure", "landuse", "shop", "healthcare", "tourism", "social_facility"):
        if key in tags:
            kept[key] = tags[key]
    return kept
