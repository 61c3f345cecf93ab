"""Facilities, residential areas, buildings, administrative units and entrances read from OSM's tagged objects."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from circle.geo import WGS84
from circle.sources.osm_areas import Areas, canonical_areas
from circle.sources.osm_tags import TagTable
from circle.sources.osm_walk import _inside, _note
from circle.sources.pbf import PbfData
from circle.standards import Preset

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


#: ``admin_level`` values of the administrative units a block is placed in (see :mod:`circle.prepare.admin_units`)
ADMIN_LEVELS = ("8", "9", "10")


@dataclass
class OsmFeature:
    """A tagged OSM object with its WGS-84 geometry.

    ``matched`` names, per category the object is in, the rule that put it
    there (:meth:`circle.standards.categories.TagRule.describe`).
    """

    osm_type: str  # "node", "way" or "relation"
    osm_id: int
    tags: dict[str, str]
    geometry: BaseGeometry
    matched: dict[str, str] = field(default_factory=dict)


def _may_be_facility(table: TagTable, preset: Preset) -> np.ndarray:
    """Objects that satisfy at least one rule's necessary condition (all of them if a rule has none)."""
    triggers = preset.triggers
    if triggers is None:
        return np.ones(table.n, bool)
    return table.objects_with(triggers)


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


def _classify(
    table: TagTable, rows: np.ndarray, preset: Preset, facility_keys: list[str]
) -> list[list[tuple[str, str]]]:
    """Categories of the objects at ``rows``, each with its rule, classified once per distinct combination of values.

    A school's level comes from ``isced:level`` and every name, so schools
    get their levels one by one; the levels then join the combination. A key
    read only through patterns (a name) joins it as its class of values: the
    patterns it matches, not the value itself.
    """
    if len(rows) == 0:
        return []
    matrix = np.column_stack([table.column_for(k, rows) for k in facility_keys] + [np.full(len(rows), -1)])
    strings = table.pbf.strings
    for position, key in enumerate(facility_keys):
        patterns = preset.pattern_only_keys.get(key)
        if patterns:
            matrix[:, position] = _pattern_classes(matrix[:, position], patterns, strings)
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
    by_signature = [
        preset.classify_with_rules(
            {k: strings[c] for k, c in zip(facility_keys, row[:-1], strict=True) if c >= 0},
            levels_found[row[-1] + 1],
        )
        for row in distinct
    ]
    return [by_signature[i] for i in np.ravel(inverse)]


def _pattern_classes(codes: np.ndarray, patterns, strings) -> np.ndarray:
    """Replace each value code by the first code of its class: the values every pattern finds or misses alike.

    Each distinct value is searched once; -1 (absent) stays -1.
    """
    distinct, inverse = np.unique(codes, return_inverse=True)
    first: dict[tuple[bool, ...], int] = {}
    representative = np.array(
        [
            code if code < 0 else first.setdefault(tuple(bool(p.search(strings[code])) for p in patterns), code)
            for code in distinct
        ],
        dtype=codes.dtype,
    )
    return representative[np.ravel(inverse)]


def _facility_nodes(pbf: PbfData, nodes: TagTable, preset: Preset, facility_keys, bounds, newest) -> list:
    candidates = np.flatnonzero(_may_be_facility(nodes, preset) & _inside(pbf.node_lon, pbf.node_lat, bounds))
    categories = _classify(nodes, candidates, preset, facility_keys)
    chosen = [i for i, c in enumerate(categories) if c]
    rows = candidates[chosen]
    _note(pbf.node_time[rows], newest)
    points = shapely.points(pbf.node_lon[rows], pbf.node_lat[rows])
    return [
        (
            OsmFeature("node", int(pbf.node_id[row]), _kept(tags), point, dict(categories[i])),
            [key for key, _ in categories[i]],
        )
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
        feature = OsmFeature(found.osm_type[area], int(found.osm_id[area]), _kept(tags), None, dict(categories[i]))
        features.append((feature, [key for key, _ in categories[i]]))
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


_ADMIN_COLUMNS = ["osm_type", "osm_id", "admin_level", "name", "name_zh", "name_en", "code"]
#: tags of an administrative unit's statistical code (统计用区划代码: National Bureau of Statistics, else Civil Affairs)
_ADMIN_CODE_KEYS = ("ref:admin:CN:nbs", "ref:admin:CN")


def _admin_areas(table: TagTable, found: Areas) -> dict:
    take = np.flatnonzero(is_admin_unit(table)[found.source_row])
    rows = found.source_row[take]
    return {
        "osm_type": found.osm_type[take],
        "osm_id": found.osm_id[take],
        "admin_level": table.values("admin_level", rows),
        **_names(table, rows),
        "code": [
            nbs if nbs is not None else mca
            for nbs, mca in zip(
                table.values(_ADMIN_CODE_KEYS[0], rows), table.values(_ADMIN_CODE_KEYS[1], rows), strict=True
            )
        ],
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


def _kept(tags: dict[str, str]) -> dict[str, str]:
    kept = {k: tags[k] for k in _KEPT_TAGS if k in tags}
    for key in ("amenity", "leisure", "landuse", "shop", "healthcare", "tourism", "social_facility"):
        if key in tags:
            kept[key] = tags[key]
    return kept
