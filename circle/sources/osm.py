"""Read OpenStreetMap files (``.osm.pbf`` and ``.osm`` XML) offline.

One streaming pass with pyosmium reads both formats the same way: the
walkable ways with their node coordinates, the objects a preset classifies as
facilities (nodes and areas), residential land use, buildings, and mapped
entrances. Everything stays in WGS-84 here; projection happens in
:mod:`circle.network` and :mod:`circle.blocks`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import osmium
import shapely
from shapely.geometry.base import BaseGeometry

from circle.errors import InputDataError
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
    """Everything circle reads from one OSM file."""

    path: Path
    walk: WalkWays
    facilities: list[tuple[OsmFeature, list[str]]]
    residential: list[OsmFeature]
    buildings: list[OsmFeature]
    entrances: list[OsmFeature]
    street_lines: list[BaseGeometry]
    data_timestamp: str | None
    file_bbox: tuple[float, float, float, float] | None
    warnings: list[str] = field(default_factory=list)


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
        f"{path} is neither an OpenStreetMap PBF nor an OSM XML file (its first bytes are "
        f"{head[:16]!r}). Give an .osm.pbf or .osm extract, for example from a regional "
        "OpenStreetMap download site."
    )


def read_osm(
    path: str | Path,
    preset: Preset,
    bounds: tuple[float, float, float, float] | None = None,
) -> OsmData:
    """Read the parts of an OSM file that a study needs.

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
    fmt = detect_format(path)
    reader = _Reader(preset, bounds)
    try:
        processor = osmium.FileProcessor(osmium.io.File(str(path), fmt)).with_locations().with_areas()
        for obj in processor:
            reader.take(obj)
        header = processor.header
    except osmium.InvalidLocationError as exc:
        raise InputDataError(
            f"{path} has a node whose coordinates are not numbers on the globe ({exc}): the file is damaged. "
            "Download the extract again."
        ) from exc
    except (RuntimeError, ValueError, OSError) as exc:
        raise InputDataError(
            f"{path} could not be read as OSM {fmt.upper()}: {exc}. The file is probably "
            "truncated or damaged; download the extract again."
        ) from exc
    box = header.box()
    file_bbox = (
        (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat) if box.valid() else None
    )
    stamp = header.get("osmosis_replication_timestamp") or reader.newest_timestamp()
    return OsmData(
        path=path,
        walk=reader.walk_ways(),
        facilities=reader.facilities,
        residential=reader.residential,
        buildings=reader.buildings,
        entrances=reader.entrances,
        street_lines=reader.street_lines,
        data_timestamp=stamp or None,
        file_bbox=file_bbox,
        warnings=reader.warnings,
    )


def is_walkable(tags: dict[str, str]) -> bool:
    """Return whether a way with these tags may be walked.

    Follows the osmnx ``walk`` filter (no motorways, no ``foot=no``, no
    private access, nothing under construction) and adds cycleways where
    pedestrians are allowed.

    Parameters
    ----------
    tags : dict of str to str
        The way's tags.

    Returns
    -------
    bool
        True for walkable ways.
    """
    highway = tags.get("highway")
    foot = tags.get("foot")
    if highway is None or foot in _FOOT_FORBIDDEN:
        return False
    if tags.get("access") in _ACCESS_FORBIDDEN and foot not in CYCLEWAY_FOOT_ALLOWED:
        return False
    if tags.get("service") == "private" or tags.get("motorroad") == "yes":
        return False
    if tags.get("area") == "yes" and highway != "pedestrian":
        return False
    if highway == "cycleway":
        return foot in CYCLEWAY_FOOT_ALLOWED or "segregated" in tags
    if highway in {"trunk", "trunk_link"}:
        return foot in CYCLEWAY_FOOT_ALLOWED or tags.get("sidewalk") not in {"no", "none"}
    return highway in WALKABLE_HIGHWAYS


class _Reader:
    """Collects what a study needs from a stream of osmium objects."""

    def __init__(self, preset: Preset, bounds: tuple[float, float, float, float] | None):
        self.preset = preset
        self.bounds = bounds
        self.facility_keys = preset.osm_keys
        self._u: list[int] = []
        self._v: list[int] = []
        self._way: list[int] = []
        self._highway: list[str] = []
        self._step_count: list[float] = []
        self._incline: list[float] = []
        self._coords: dict[int, tuple[float, float]] = {}
        self.facilities: list[tuple[OsmFeature, list[str]]] = []
        self.residential: list[OsmFeature] = []
        self.buildings: list[OsmFeature] = []
        self.entrances: list[OsmFeature] = []
        self.street_lines: list[BaseGeometry] = []
        self.warnings: list[str] = []
        self._newest: dt.datetime | None = None
        self._wkb = osmium.geom.WKBFactory()
        self._last_node_id = -(2**63)

    def take(self, obj) -> None:
        if obj.is_node():
            self._check_node(obj)
            if len(obj.tags):
                self._node(obj)
            return
        if not len(obj.tags):
            return
        if obj.is_way():
            self._way_obj(obj)
        elif obj.is_area():
            self._area(obj)

    def _check_node(self, node) -> None:
        """Refuse nodes out of order (duplicated ids) or off the globe: a damaged or hand-edited file."""
        if node.id <= self._last_node_id:
            raise InputDataError(
                f"node {node.id} appears more than once or out of order: the file is not a sorted OSM extract. "
                "Sort it (`osmium sort`) or download the extract again."
            )
        self._last_node_id = node.id
        location = node.location
        if not location.valid():
            raise InputDataError(
                f"node {node.id} has coordinates off the globe (lon {location.x / 1e7:g}, lat {location.y / 1e7:g}): "
                "the file is damaged. Download the extract again."
            )
        if location.x == 0 and location.y == 0:
            # 0°, 0° ("null island", in the Gulf of Guinea) is where unreadable coordinates such as 1e300 land
            raise InputDataError(
                f"node {node.id} has coordinates off the globe or unreadable (read as 0°, 0°): the file is damaged. "
                "Download the extract again."
            )

    def _inside(self, lon: float, lat: float) -> bool:
        if self.bounds is None:
            return True
        west, south, east, north = self.bounds
        return west <= lon <= east and south <= lat <= north

    def _note_time(self, obj) -> None:
        stamp = obj.timestamp
        if stamp is not None and stamp.year > 1970 and (self._newest is None or stamp > self._newest):
            self._newest = stamp

    def newest_timestamp(self) -> str | None:
        if self._newest is None:
            return None
        return self._newest.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _node(self, node) -> None:
        location = node.location
        if not location.valid() or not self._inside(location.lon, location.lat):
            return
        tags = dict(node.tags)
        point = shapely.Point(location.lon, location.lat)
        if "entrance" in tags or tags.get("barrier") in _ENTRANCE_BARRIERS:
            self.entrances.append(OsmFeature("node", node.id, _entrance_tags(tags), point))
        if self.facility_keys.intersection(tags):
            categories = self.preset.classify(tags)
            if categories:
                self._note_time(node)
                self.facilities.append((OsmFeature("node", node.id, _kept(tags), point), categories))

    def _way_obj(self, way) -> None:
        tags = way.tags
        highway = tags.get("highway")
        if highway is None:
            return
        try:
            refs = [(n.ref, n.lon, n.lat) for n in way.nodes]
        except osmium.InvalidLocationError:
            refs = [(n.ref, n.lon, n.lat) for n in way.nodes if n.location.valid()]
            self.warnings.append(f"way {way.id} references nodes missing from the file")
        if len(refs) < 2 or not any(self._inside(lon, lat) for _, lon, lat in refs):
            return
        tag_dict = {"highway": highway}
        for key in ("foot", "access", "area", "service", "motorroad", "sidewalk", "segregated"):
            if key in tags:
                tag_dict[key] = tags[key]
        if highway in BLOCK_STREETS and tag_dict.get("area") != "yes":
            self.street_lines.append(shapely.LineString([(lon, lat) for _, lon, lat in refs]))
        if not is_walkable(tag_dict):
            return
        self._note_time(way)
        pairs = [(a, b) for a, b in itertools.pairwise(refs) if a[0] != b[0]]
        for (ref_a, lon_a, lat_a), (ref_b, lon_b, lat_b) in pairs:
            self._u.append(ref_a)
            self._v.append(ref_b)
            self._coords[ref_a] = (lon_a, lat_a)
            self._coords[ref_b] = (lon_b, lat_b)
        self._way.extend([way.id] * len(pairs))
        self._highway.extend([highway] * len(pairs))
        steps = highway == "steps"
        self._step_count.extend([parse_step_count(tags.get("step_count")) if steps else np.nan] * len(pairs))
        self._incline.extend([parse_incline(tags.get("incline")) if steps else np.nan] * len(pairs))

    def _area(self, area) -> None:
        tags = dict(area.tags)
        is_building = "building" in tags
        is_residential = tags.get("landuse") == "residential"
        categories = self.preset.classify(tags) if self.facility_keys.intersection(tags) else []
        if not (is_building or is_residential or categories):
            return
        try:
            geometry = shapely.from_wkb(self._wkb.create_multipolygon(area))
        except RuntimeError:
            self.warnings.append(f"{'way' if area.from_way() else 'relation'} {area.orig_id()} has a broken outline")
            return
        if geometry.is_empty:
            return
        if not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
        west, south, east, north = geometry.bounds
        if self.bounds is not None and (
            east < self.bounds[0] or west > self.bounds[2] or north < self.bounds[1] or south > self.bounds[3]
        ):
            return
        feature = OsmFeature("way" if area.from_way() else "relation", area.orig_id(), {}, geometry)
        if categories:
            self._note_time(area)
            feature.tags = _kept(tags)
            self.facilities.append((feature, categories))
        if is_residential:
            self.residential.append(OsmFeature(feature.osm_type, feature.osm_id, _kept(tags), geometry))
        if is_building and tags["building"] != "no":
            building_tags = {
                "building": tags["building"],
                "building:levels": tags.get("building:levels", ""),
                "residential": "yes" if tags["building"] in _RESIDENTIAL_BUILDINGS else "no",
            }
            self.buildings.append(OsmFeature(feature.osm_type, feature.osm_id, building_tags, geometry))

    def walk_ways(self) -> WalkWays:
        u = np.asarray(self._u, dtype=np.int64)
        v = np.asarray(self._v, dtype=np.int64)
        node_ids = np.fromiter(self._coords.keys(), dtype=np.int64, count=len(self._coords))
        coords = np.array(list(self._coords.values()), dtype=float).reshape(-1, 2)
        return WalkWays(
            u=u,
            v=v,
            way_id=np.asarray(self._way, dtype=np.int64),
            highway=np.asarray(self._highway, dtype=object),
            node_ids=node_ids,
            node_lon=coords[:, 0],
            node_lat=coords[:, 1],
            step_count=np.asarray(self._step_count, dtype=float),
            incline=np.asarray(self._incline, dtype=float),
        )


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


def _entrance_tags(tags: dict[str, str]) -> dict[str, str]:
    return {k: tags[k] for k in ("entrance", "barrier", "access", "foot", "name") if k in tags}
