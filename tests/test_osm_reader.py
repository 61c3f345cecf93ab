"""The columnar OSM reader: the decoder against pyosmium, areas by hand, the vectorised filters."""

from __future__ import annotations

import itertools

import numpy as np
import osmium
import pytest
import shapely

from circle.geo import canonical_rings
from circle.sources.osm import read_osm, wanted_keys
from circle.sources.osm_walk import is_walkable, walkable_ways
from circle.sources.pbf import KEY_WHOLE_OBJECT, read_pbf
from circle.standards import load_preset
from tests.conftest import shared_extract
from tests.osm_builder import OsmBuilder, to_lonlat

PBF_EXTRACTS = ["aguascalientes_tiny.osm.pbf", "chengdu_central_2018.osm.pbf", "monaco_2016.osm.pbf"]


@pytest.mark.parametrize("name", PBF_EXTRACTS)
def test_decoder_reads_exactly_what_pyosmium_reads(name):
    path = shared_extract(name)
    keys = wanted_keys(load_preset())
    decoded = read_pbf(path, keys)
    node_ids, lons, lats, way_ids, refs, relation_ids, members = [], [], [], [], [], [], []
    expected_tags: dict[tuple[str, int], dict[str, str]] = {}
    for obj in osmium.FileProcessor(str(path)):
        tags = {t.k: t.v for t in obj.tags}
        whole = any(keys.get(k) == KEY_WHOLE_OBJECT for k in tags)
        kept = tags if whole else {k: v for k, v in tags.items() if k in keys}
        if obj.is_node():
            node_ids.append(obj.id)
            lons.append(obj.location.lon)
            lats.append(obj.location.lat)
        elif obj.is_way():
            way_ids.append(obj.id)
            refs.extend(n.ref for n in obj.nodes)
        else:
            relation_ids.append(obj.id)
            members.extend((m.ref, m.type, m.role) for m in obj.members)
        if kept:
            expected_tags[(obj.type_str(), obj.id)] = kept
    assert np.array_equal(decoded.node_id, node_ids)
    assert np.array_equal(decoded.node_lon, lons) and np.array_equal(decoded.node_lat, lats)
    assert np.array_equal(decoded.way_id, way_ids) and np.array_equal(decoded.way_refs, refs)
    assert np.array_equal(decoded.relation_id, relation_ids)
    assert list(zip(decoded.member_id.tolist(), ["nwr"[t] for t in decoded.member_type], strict=True)) == [
        m[:2] for m in members
    ]
    assert [decoded.strings[c] for c in decoded.member_role] == [m[2] for m in members]
    got: dict[tuple[str, int], dict[str, str]] = {}
    for kind, ids, tags in (
        ("n", decoded.node_id, decoded.node_tags),
        ("w", decoded.way_id, decoded.way_tags),
        ("r", decoded.relation_id, decoded.relation_tags),
    ):
        for obj, key, value in zip(tags.obj, tags.key, tags.value, strict=True):
            got.setdefault((kind, int(ids[obj])), {})[decoded.strings[key]] = decoded.strings[value]
    assert got == expected_tags
    assert decoded.objects == len(node_ids) + len(way_ids) + len(relation_ids)


def _courtyard_town(tmp_path):
    town = OsmBuilder()
    street = [town.node(100.0 * i, 0.0) for i in range(5)]
    town.way(street, highway="residential")
    outer = town.polygon([(50, 20), (350, 20), (350, 220), (50, 220)])
    inner = town.polygon([(150, 80), (250, 80), (250, 160), (150, 160)])
    town.relation([("way", outer, "outer"), ("way", inner, "inner")], type="multipolygon", landuse="residential")
    # a ring split in two open ways, tagged on the relation only (as modern multipolygons are)
    left = [town.node(400, 20), town.node(400, 120), town.node(500, 120)]
    right = [town.node(500, 20)]
    first = town.way([*left])
    second = town.way([left[-1], right[0], left[0]])
    town.relation([("way", first, "outer"), ("way", second, "outer")], type="multipolygon", leisure="park")
    # a closed way tagged area=no is no area, and a relation missing a member is none either
    town.polygon([(600, 20), (700, 20), (700, 120), (600, 120)], landuse="residential", area="no")
    town.relation([("way", 999, "outer")], type="multipolygon", landuse="residential")
    return town.write(tmp_path / "courtyard.osm")


def test_multipolygons_are_assembled_with_their_holes_from_open_ways(tmp_path):
    data = read_osm(_courtyard_town(tmp_path), load_preset())
    assert data.residential["osm_type"].tolist() == ["relation"]
    estate = data.residential.to_crs("EPSG:32648").geometry.iloc[0]
    assert estate.area == pytest.approx(300 * 200 - 100 * 80, rel=1e-3)
    parks = [f for f, categories in data.facilities if "park" in categories]
    assert len(parks) == 1 and parks[0].osm_type == "relation"
    park = parks[0].geometry  # assembled from two open ways into one ring
    assert park.geom_type == "MultiPolygon" and park.is_valid
    assert shapely.area(shapely.transform(park, lambda xy: xy * 1e5)) > 0
    # outlines come out as libosmium wrote them: exterior counter-clockwise, from its lowest vertex
    exterior = list(estate.geoms[0].exterior.coords)
    assert shapely.LinearRing(exterior).is_ccw and exterior[0] == min(exterior[:-1])


def test_canonical_rings_orient_and_rotate():
    square_cw = np.array([[1, 1], [1, 2], [2, 2], [2, 1], [1, 1]], float)
    out = canonical_rings(square_cw, np.zeros(5, int), exterior=True)
    assert out.tolist() == [[1, 1], [2, 1], [2, 2], [1, 2], [1, 1]]
    hole = canonical_rings(out, np.zeros(5, int), exterior=False)
    assert hole.tolist() == [[1, 1], [1, 2], [2, 2], [2, 1], [1, 1]]


def test_the_vectorised_walk_filter_is_the_documented_one():
    class Table:
        def __init__(self, rows):
            self.rows = rows

        def has(self, key):
            return np.array([key in r for r in self.rows])

        def equals(self, key, value):
            return np.array([r.get(key) == value for r in self.rows])

        def isin(self, key, values):
            return np.array([r.get(key) in values for r in self.rows])

    values = {
        "highway": [None, "footway", "cycleway", "trunk", "service", "motorway", "pedestrian", "steps"],
        "foot": [None, "yes", "no", "designated"],
        "access": [None, "no", "private"],
        "area": [None, "yes"],
        "sidewalk": [None, "no"],
        "segregated": [None, "yes"],
        "service": [None, "private"],
    }
    rows = [
        {k: v for k, v in zip(values, combo, strict=True) if v is not None}
        for combo in itertools.product(*values.values())
    ]
    vectorised = walkable_ways(Table(rows))
    assert vectorised.tolist() == [is_walkable(r) for r in rows]
    assert is_walkable({"highway": "footway"}) and not is_walkable({"highway": "footway", "foot": "no"})
    assert is_walkable({"highway": "cycleway", "foot": "yes"}) and not is_walkable({"highway": "cycleway"})


def test_node_ids_out_of_order_in_xml_are_refused_by_the_columnar_check(tmp_path):
    town = OsmBuilder()
    town.way([town.node(0, 0), town.node(100, 0)], highway="footway")
    path = town.write(tmp_path / "t.osm")
    text = path.read_text().replace('id="1" ', 'id="9" ', 1)
    path.write_text(text)
    from circle.errors import InputDataError

    with pytest.raises(InputDataError, match="node 2 appears more than once or out of order"):
        read_osm(path, load_preset())


def test_a_way_missing_nodes_keeps_its_located_ones_and_says_so(tmp_path):
    town = OsmBuilder()
    a, b = town.node(0, 0), town.node(100, 0)
    town.way([a, 777, b], highway="footway")
    data = read_osm(town.write(tmp_path / "t.osm"), load_preset())
    assert data.walk.u.tolist() == [a] and data.walk.v.tolist() == [b]
    assert data.warnings == ["way 1 references nodes missing from the file"]
    lon, lat = to_lonlat(100, 0)
    assert data.walk.node_lon[-1] == pytest.approx(lon) and data.walk.node_lat[-1] == pytest.approx(lat)
