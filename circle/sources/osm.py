"""Read OpenStreetMap files (``.osm.pbf`` and ``.osm`` XML) offline, as whole arrays.

A PBF file is decoded by :mod:`circle.sources.pbf` into arrays of nodes, ways,
relations and the tags a study reads; OSM XML is converted to PBF first, by
libosmium in C++. Everything a study needs is then assembled with
whole-array operations, never a Python step per node or way: the walkable
segments with their node coordinates, the objects a preset classifies as
facilities (nodes and areas), residential land use, buildings, mapped
entrances and the streets that enclose street blocks. Everything stays in
WGS-84 here; projection happens in :mod:`circle.prepare.network` and
:mod:`circle.prepare.blocks`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from circle.sources.osm_areas import NodeLookup, closed_way_areas, relation_areas
from circle.sources.osm_features import (
    _ADMIN_CODE_KEYS,
    _ADMIN_COLUMNS,
    _KEPT_TAGS,
    OsmFeature,
    _admin_areas,
    _buildings,
    _entrances,
    _facility_areas,
    _facility_nodes,
    _frame,
    _inside_bounds,
    _may_be_facility,
    _residential,
    is_admin_unit,
)
from circle.sources.osm_format import _read_xml, detect_format
from circle.sources.osm_tags import TagTable
from circle.sources.osm_walk import WalkWays, _format_time, _walk_and_streets
from circle.sources.pbf import KEY_WANTED, KEY_WHOLE_OBJECT, PbfData, read_pbf
from circle.standards import Preset

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
    *_ADMIN_CODE_KEYS,
    *_KEPT_TAGS,
)


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
        ``osm_type``, ``osm_id``, ``admin_level``, ``name``, ``name_zh``, ``name_en``, ``code`` (the
        statistical code its ``ref:admin:CN:nbs``, else ``ref:admin:CN`` tag holds).
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
