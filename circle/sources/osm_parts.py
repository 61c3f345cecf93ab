"""Split a decoded OSM file into parts, one per tile box, so that each tile reads only its part.

A part holds every way whose extent meets the box (all its nodes with it),
every relation whose member ways meet it (all their member ways, so that a
multipolygon stays whole), every administrative unit whose extent meets it
(a tile inside a sub-district still knows it), and the tagged nodes inside
the box: exactly what
:func:`circle.sources.osm.read_osm` keeps when given that box as ``bounds``,
so a tile built from its part equals one built from the whole file. Parts
are written as uncompressed ``.npz`` files of the decoded arrays (no
re-encoding, loaded in a fraction of a second).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from circle.errors import InputDataError
from circle.sources.osm_areas import NodeLookup, concat_ranges
from circle.sources.osm_features import is_admin_unit
from circle.sources.osm_tags import TagTable
from circle.sources.pbf import PbfData, TagColumns

BBox = tuple[float, float, float, float]
_ARRAYS = (
    "node_id",
    "node_lon",
    "node_lat",
    "node_time",
    "way_id",
    "way_ptr",
    "way_refs",
    "way_time",
    "relation_id",
    "relation_ptr",
    "member_id",
    "member_type",
    "member_role",
    "relation_time",
)


def part_of(pbf: PbfData, box: BBox, lookup: NodeLookup | None = None) -> PbfData:
    """Return the objects of ``pbf`` that a study reading within ``box`` (degrees) needs."""
    lookup = lookup or NodeLookup.build(pbf)
    west, south, east, north = box
    way_box = _way_boxes(pbf, lookup)
    keep_way = ~((way_box[2] < west) | (way_box[0] > east) | (way_box[3] < south) | (way_box[1] > north))
    # relations whose member ways meet the box keep all their member ways
    rel_ptr = pbf.relation_ptr
    owner = np.repeat(np.arange(len(pbf.relation_id)), np.diff(rel_ptr))
    is_way = pbf.member_type == 1
    position = np.searchsorted(pbf.way_id, pbf.member_id)
    position = np.minimum(position, max(len(pbf.way_id) - 1, 0))
    present = is_way & (pbf.way_id[position] == pbf.member_id) if len(pbf.way_id) else np.zeros(len(owner), bool)
    touching = np.zeros(len(pbf.relation_id), bool)
    touching[owner[present & keep_way[position]]] = True
    touching |= _admin_units_over(pbf, box, way_box, owner, present, position)
    keep_way[position[present & touching[owner]]] = True
    keep_relation = touching
    # nodes: tagged ones inside the box, and every node of a kept way
    tagged = np.zeros(len(pbf.node_id), bool)
    tagged[pbf.node_tags.obj] = True
    inside = (pbf.node_lon >= west) & (pbf.node_lon <= east) & (pbf.node_lat >= south) & (pbf.node_lat <= north)
    keep_node = tagged & inside
    refs_kept = keep_way[lookup.way_of_ref] & lookup.found
    node_position = np.searchsorted(pbf.node_id, pbf.way_refs[refs_kept])
    keep_node[node_position] = True
    return _subset(pbf, keep_node, keep_way, keep_relation)


def _admin_units_over(pbf: PbfData, box: BBox, way_box: tuple[np.ndarray, ...], owner, present, position) -> np.ndarray:
    """Administrative units whose extent (of their member ways) meets ``box``, though no member way does."""
    units = is_admin_unit(TagTable(pbf.relation_tags, len(pbf.relation_id), pbf))
    member = present & units[owner]
    over = np.zeros(len(pbf.relation_id), bool)
    if not member.any():
        return over
    west, south, east, north = (np.full(len(pbf.relation_id), fill) for fill in (np.inf, np.inf, -np.inf, -np.inf))
    ways = position[member]
    np.minimum.at(west, owner[member], way_box[0][ways])
    np.minimum.at(south, owner[member], way_box[1][ways])
    np.maximum.at(east, owner[member], way_box[2][ways])
    np.maximum.at(north, owner[member], way_box[3][ways])
    return units & ~((east < box[0]) | (west > box[2]) | (north < box[1]) | (south > box[3]))


def _way_boxes(pbf: PbfData, lookup: NodeLookup) -> tuple[np.ndarray, ...]:
    """(west, south, east, north) of every way's located nodes (inf/-inf where it has none)."""
    n = len(pbf.way_id)
    counts = np.diff(pbf.way_ptr)
    starts = pbf.way_ptr[:-1][counts > 0]
    boxes = []
    for values, reducer, fill in (
        (lookup.lon, np.minimum, np.inf),
        (lookup.lat, np.minimum, np.inf),
        (lookup.lon, np.maximum, -np.inf),
        (lookup.lat, np.maximum, -np.inf),
    ):
        out = np.full(n, fill)
        if len(starts):
            out[counts > 0] = reducer.reduceat(np.where(lookup.found, values, fill), starts)
        boxes.append(out)
    return tuple(boxes)


def _subset(pbf: PbfData, keep_node: np.ndarray, keep_way: np.ndarray, keep_relation: np.ndarray) -> PbfData:
    ways = np.flatnonzero(keep_way)
    relations = np.flatnonzero(keep_relation)
    way_counts = np.diff(pbf.way_ptr)[ways]
    rel_counts = np.diff(pbf.relation_ptr)[relations]
    refs = concat_ranges(pbf.way_ptr[ways], pbf.way_ptr[ways + 1])
    members = concat_ranges(pbf.relation_ptr[relations], pbf.relation_ptr[relations + 1])

    def tags(columns: TagColumns, keep: np.ndarray) -> TagColumns:
        new_index = np.cumsum(keep) - 1
        rows = keep[columns.obj]
        return TagColumns(new_index[columns.obj[rows]], columns.key[rows], columns.value[rows])

    part = PbfData(
        node_id=pbf.node_id[keep_node],
        node_lon=pbf.node_lon[keep_node],
        node_lat=pbf.node_lat[keep_node],
        node_time=pbf.node_time[keep_node],
        way_id=pbf.way_id[ways],
        way_ptr=np.concatenate([[0], np.cumsum(way_counts)]).astype(np.int64),
        way_refs=pbf.way_refs[refs],
        way_time=pbf.way_time[ways],
        relation_id=pbf.relation_id[relations],
        relation_ptr=np.concatenate([[0], np.cumsum(rel_counts)]).astype(np.int64),
        member_id=pbf.member_id[members],
        member_type=pbf.member_type[members],
        member_role=pbf.member_role[members],
        relation_time=pbf.relation_time[relations],
        node_tags=tags(pbf.node_tags, keep_node),
        way_tags=tags(pbf.way_tags, keep_way),
        relation_tags=tags(pbf.relation_tags, keep_relation),
        strings=pbf.strings,
        header_bbox=pbf.header_bbox,
        replication_timestamp=pbf.replication_timestamp,
        writing_program=pbf.writing_program,
    )
    part.objects = len(part.node_id) + len(part.way_id) + len(part.relation_id)
    return part


def save_part(part: PbfData, path: Path, extra: dict | None = None) -> None:
    """Write a part atomically (``.npz`` of the arrays; strings and header as JSON)."""
    arrays = {name: getattr(part, name) for name in _ARRAYS}
    for kind in ("node", "way", "relation"):
        columns = getattr(part, f"{kind}_tags")
        arrays[f"{kind}_tag_obj"], arrays[f"{kind}_tag_key"], arrays[f"{kind}_tag_value"] = (
            columns.obj,
            columns.key,
            columns.value,
        )
    meta = {
        "strings": part.strings,
        "header_bbox": part.header_bbox,
        "replication_timestamp": part.replication_timestamp,
        "writing_program": part.writing_program,
        "extra": extra or {},
    }
    arrays["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), np.uint8)
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with staging.open("wb") as handle:
        np.savez(handle, **arrays)
    staging.replace(path)


def load_part(path: str | Path) -> tuple[PbfData, dict]:
    """Read a part written by :func:`save_part`; return it and its extra record."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError) as exc:
        raise InputDataError(
            f"the tile part {path} could not be read ({exc}); run the batch again to redo it."
        ) from exc
    meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
    tags = {
        kind: TagColumns(arrays.pop(f"{kind}_tag_obj"), arrays.pop(f"{kind}_tag_key"), arrays.pop(f"{kind}_tag_value"))
        for kind in ("node", "way", "relation")
    }
    part = PbfData(
        **arrays,
        node_tags=tags["node"],
        way_tags=tags["way"],
        relation_tags=tags["relation"],
        strings=meta["strings"],
        header_bbox=tuple(meta["header_bbox"]) if meta["header_bbox"] else None,
        replication_timestamp=meta["replication_timestamp"],
        writing_program=meta["writing_program"],
    )
    part.objects = len(part.node_id) + len(part.way_id) + len(part.relation_id)
    return part, meta["extra"]
