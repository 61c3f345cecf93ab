"""Areas of decoded OSM data: closed ways and multipolygon relations as polygons.

The rules follow libosmium's multipolygon manager, which pyosmium applied
before: a closed way of four or more nodes whose ends share a location is an
area unless tagged ``area=no``; a relation tagged ``type=multipolygon`` or
``type=boundary`` with at least one way member is an area once every member
way is in the file. Rings are built from the member ways' linework
(``shapely.build_area``: outer and inner rings by nesting, as libosmium does,
whatever the roles say). Geometries are built for whole arrays at once;
invalid ones (self-touching or crossing outlines) are repaired with
``make_valid`` rather than dropped, and counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from circle.geo import canonical_multipolygons, polygonal_part
from circle.sources.osm_tags import TagTable
from circle.sources.pbf import PbfData

WAY_MEMBER = 1


@dataclass
class NodeLookup:
    """Coordinates of every way's node references (NaN where a node is missing from the file)."""

    lon: np.ndarray
    lat: np.ndarray
    found: np.ndarray
    way_of_ref: np.ndarray

    @classmethod
    def build(cls, pbf: PbfData) -> NodeLookup:
        """Look up every reference of every way in the sorted node ids."""
        refs = pbf.way_refs
        position = np.searchsorted(pbf.node_id, refs)
        position = np.minimum(position, max(len(pbf.node_id) - 1, 0))
        found = (pbf.node_id[position] == refs) if len(pbf.node_id) else np.zeros(len(refs), bool)
        lon = np.where(found, pbf.node_lon[position] if len(pbf.node_id) else np.nan, np.nan)
        lat = np.where(found, pbf.node_lat[position] if len(pbf.node_id) else np.nan, np.nan)
        counts = np.diff(pbf.way_ptr)
        way_of_ref = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        return cls(lon, lat, found, way_of_ref)


@dataclass
class Areas:
    """Areas of interest: the object each came from and its WGS-84 (multi)polygon."""

    osm_type: np.ndarray  # "way" or "relation"
    osm_id: np.ndarray
    source_row: np.ndarray  # position in the way or relation arrays
    geometry: np.ndarray
    repaired: int
    broken: list[str]


def closed_way_areas(pbf: PbfData, ways: TagTable, nodes: NodeLookup, wanted: np.ndarray) -> Areas:
    """Return the areas of the closed ways where ``wanted`` is true.

    Parameters
    ----------
    pbf : PbfData
        The decoded file.
    ways : TagTable
        Way tags.
    nodes : NodeLookup
        Coordinates of the way references.
    wanted : numpy.ndarray
        Ways whose tags make them interesting (buildings, land use, facilities).

    Returns
    -------
    Areas
        One (multi)polygon per usable closed way.
    """
    ptr = pbf.way_ptr
    counts = np.diff(ptr)
    first, last = ptr[:-1], ptr[1:] - 1
    usable = wanted & (counts > 3) & ~ways.equals("area", "no")
    rows = np.flatnonzero(usable)
    rows = rows[nodes.found[first[rows]] & nodes.found[last[rows]]]
    same_end = (nodes.lon[first[rows]] == nodes.lon[last[rows]]) & (nodes.lat[first[rows]] == nodes.lat[last[rows]])
    rows = rows[same_end]
    # every node must be located (libosmium gives up on a way with a missing node)
    missing = np.bincount(nodes.way_of_ref[~nodes.found], minlength=len(counts)) if len(counts) else np.zeros(0)
    rows = rows[missing[rows] == 0]
    if len(rows) == 0:
        return _empty("way")
    ref_index = concat_ranges(ptr[rows], ptr[rows + 1])
    ring_of = np.repeat(np.arange(len(rows)), counts[rows])
    coords = np.column_stack([nodes.lon[ref_index], nodes.lat[ref_index]])
    rings = shapely.linearrings(coords, indices=ring_of)
    geometry, repaired = _valid_polygons(shapely.polygons(rings))
    keep = ~shapely.is_empty(geometry)
    return Areas(
        np.full(int(keep.sum()), "way", dtype=object),
        pbf.way_id[rows][keep],
        rows[keep],
        geometry[keep],
        repaired,
        [f"way {i} has a broken outline" for i in pbf.way_id[rows][~keep]],
    )


def relation_areas(pbf: PbfData, relations: TagTable, nodes: NodeLookup, wanted: np.ndarray) -> Areas:
    """Return the areas of the multipolygon and boundary relations where ``wanted`` is true."""
    is_area = relations.isin("type", ["multipolygon", "boundary"]) & wanted
    rows = np.flatnonzero(is_area)
    if len(rows) == 0:
        return _empty("relation")
    ptr = pbf.relation_ptr
    member_rows = concat_ranges(ptr[rows], ptr[rows + 1])
    owner = np.repeat(np.arange(len(rows)), np.diff(ptr)[rows])
    way_member = pbf.member_type[member_rows] == WAY_MEMBER
    member_rows, owner = member_rows[way_member], owner[way_member]
    has_way = np.bincount(owner, minlength=len(rows)) > 0
    position = np.searchsorted(pbf.way_id, pbf.member_id[member_rows])
    position = np.minimum(position, max(len(pbf.way_id) - 1, 0))
    present = (pbf.way_id[position] == pbf.member_id[member_rows]) if len(pbf.way_id) else np.zeros(0, bool)
    complete = has_way & (np.bincount(owner[~present], minlength=len(rows)) == 0)
    missing_nodes = np.bincount(nodes.way_of_ref[~nodes.found], minlength=len(pbf.way_id))
    located = missing_nodes[position] == 0 if len(position) else np.zeros(0, bool)
    complete &= np.bincount(owner[~located], minlength=len(rows)) == 0
    take = complete[owner]
    member_ways, owner = position[take], owner[take]
    if len(member_ways) == 0:
        return _empty("relation")
    way_ptr = pbf.way_ptr
    lengths = np.diff(way_ptr)[member_ways]
    short = lengths < 2
    member_ways, owner, lengths = member_ways[~short], owner[~short], lengths[~short]
    ref_index = concat_ranges(way_ptr[member_ways], way_ptr[member_ways + 1])
    line_of = np.repeat(np.arange(len(member_ways)), lengths)
    coords = np.column_stack([nodes.lon[ref_index], nodes.lat[ref_index]])
    lines = shapely.linestrings(coords, indices=line_of)
    kept_relations = np.unique(owner)
    regroup = np.searchsorted(kept_relations, owner)
    linework = shapely.multilinestrings(lines, indices=regroup)
    built = shapely.build_area(linework)
    geometry, repaired = _valid_polygons(built)
    keep = ~shapely.is_empty(geometry)
    source = rows[kept_relations]
    broken = [f"relation {i} has a broken outline" for i in pbf.relation_id[source][~keep]]
    return Areas(
        np.full(int(keep.sum()), "relation", dtype=object),
        pbf.relation_id[source][keep],
        source[keep],
        geometry[keep],
        repaired,
        broken,
    )


def _empty(kind: str) -> Areas:
    return Areas(np.zeros(0, object), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, object), 0, [])


def concat_ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenate ``arange(s, e)`` for every pair, without a Python loop."""
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return np.arange(total, dtype=np.int64) + offsets


def _valid_polygons(geometries: np.ndarray) -> tuple[np.ndarray, int]:
    """Repair invalid outlines (``make_valid``, polygonal parts only); return them and how many were repaired."""
    geometries = np.asarray(geometries, dtype=object).copy()
    invalid = np.flatnonzero(~shapely.is_valid(geometries))
    if len(invalid):
        geometries[invalid] = [polygonal_part(g) for g in shapely.make_valid(geometries[invalid])]
    return geometries, len(invalid)


def canonical_areas(geometries: np.ndarray) -> np.ndarray:
    """Return areas as MultiPolygons with canonical rings, as libosmium wrote them (see :mod:`circle.geo`)."""
    return canonical_multipolygons(np.asarray(geometries, dtype=object))
