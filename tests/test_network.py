"""The walking network: which ways are walkable, seconds per edge, snapping, islands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from circle.errors import NetworkError
from circle.prepare.network import keep_reachable_part
from circle.sources.osm_walk import WalkWays, is_walkable
from circle.standards import load_profile
from tests.conftest import make_network


@pytest.mark.parametrize(
    ("tags", "walkable"),
    [
        ({"highway": "footway"}, True),
        ({"highway": "residential"}, True),
        ({"highway": "steps"}, True),
        ({"highway": "pedestrian", "area": "yes"}, True),
        ({"highway": "service"}, True),
        ({"highway": "motorway"}, False),
        ({"highway": "motorway_link"}, False),
        ({"highway": "residential", "foot": "no"}, False),
        ({"highway": "service", "access": "private"}, False),
        ({"highway": "service", "access": "private", "foot": "yes"}, True),
        ({"highway": "construction"}, False),
        ({"highway": "cycleway"}, False),
        ({"highway": "cycleway", "foot": "designated"}, True),
        ({"highway": "trunk"}, True),
        ({"highway": "trunk", "sidewalk": "no"}, False),
        ({"highway": "primary", "motorroad": "yes"}, False),
        ({"building": "yes"}, False),
    ],
)
def test_walkable_filter(tags, walkable):
    assert is_walkable(tags) is walkable


def _ways(highways: list[str]) -> WalkWays:
    # a straight line of nodes 100 m apart along the equator-ish, in degrees
    count = len(highways) + 1
    lon = 104.0 + np.arange(count) * (100.0 / (111_320.0 * np.cos(np.radians(30.0))))
    lat = np.full(count, 30.0)
    ids = np.arange(count, dtype=np.int64) + 1
    return WalkWays(
        u=ids[:-1],
        v=ids[1:],
        way_id=np.arange(len(highways)),
        highway=np.array(highways, object),
        node_ids=ids,
        node_lon=lon,
        node_lat=lat,
    )


def test_seconds_follow_the_profile_and_steps_are_slower():
    from circle.prepare.network import WalkNetwork

    standard = load_profile("standard")
    network = WalkNetwork.from_ways(_ways(["footway", "steps"]), standard, "EPSG:32648")
    footway, steps = np.argsort(network.highway == "steps")
    assert network.length_m[footway] == pytest.approx(100.0, rel=2e-3)
    assert network.seconds_ab[footway] == pytest.approx(network.length_m[footway] / 1.1)
    assert network.seconds_ab[steps] == pytest.approx(network.length_m[steps] / (1.1 * 0.5))
    elderly = WalkNetwork.from_ways(_ways(["footway", "steps"]), load_profile("elderly"), "EPSG:32648")
    assert elderly.seconds_ab[footway] == pytest.approx(elderly.length_m[footway] / 0.8)
    # both directions are listed, each with its own seconds
    edges = network.directed_edges()
    assert len(edges) == 4
    assert set(map(tuple, edges[["u", "v"]].to_numpy())) == {(0, 1), (1, 0), (1, 2), (2, 1)}


def test_profiles_have_the_speeds_of_the_issue():
    assert load_profile("standard").speed == 1.1
    assert load_profile("adult").speed == 1.31
    assert load_profile("elderly").speed == 0.8
    for name in ("standard", "adult", "elderly"):
        profile = load_profile(name)
        assert profile.steps_speed < profile.speed


def test_no_walkable_way_is_a_network_error():
    from circle.prepare.network import WalkNetwork

    empty = WalkWays(
        *(np.zeros(0, np.int64),) * 3, np.zeros(0, object), np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    )
    with pytest.raises(NetworkError, match="no walkable ways"):
        WalkNetwork.from_ways(empty, load_profile(), "EPSG:32648")


def test_snap_counts_the_walk_to_both_ends_of_the_segment():
    # segment from (0,0) to (100,0) walked at 1 m/s; a point at (30, 40):
    # 40 m to the street, then 30 m to node 0 or 70 m to node 1.
    network = make_network([(0, 0), (100, 0)], [(0, 1)])
    access = network.snap(np.array([7]), np.array([30.0]), np.array([40.0]), speed_m_s=2.0, max_snap_m=100)
    by_node = dict(zip(access.node.tolist(), access.seconds.tolist(), strict=True))
    assert by_node[0] == pytest.approx(40 / 2.0 + 30.0)
    assert by_node[1] == pytest.approx(40 / 2.0 + 70.0)
    assert set(access.owner.tolist()) == {7}
    assert access.snap_m[0] == pytest.approx(40.0)


def test_snap_towards_a_facility_walks_each_part_of_a_slope_the_right_way():
    # 100 m uphill from node 0 to node 1: 200 s up, 50 s down. A point at (30, 0) on it, walked at 1 m/s off it.
    network = make_network([(0, 0), (100, 0)], [(0, 1)], seconds=[200.0], back_seconds=[50.0])
    leaving = network.snap(np.array([0]), np.array([30.0]), np.array([0.0]), 1.0, max_snap_m=10)
    arriving = network.snap(np.array([0]), np.array([30.0]), np.array([0.0]), 1.0, max_snap_m=10, towards_point=True)
    from_point = dict(zip(leaving.node.tolist(), leaving.seconds.tolist(), strict=True))
    to_point = dict(zip(arriving.node.tolist(), arriving.seconds.tolist(), strict=True))
    # a block at the point walks down to node 0 (30 % of 50 s) and up to node 1 (70 % of 200 s)
    assert from_point == pytest.approx({0: 15.0, 1: 140.0})
    # a facility there is reached up from node 0 (30 % of 200 s) and down from node 1 (70 % of 50 s)
    assert to_point == pytest.approx({0: 60.0, 1: 35.0})


def test_nearest_segment_search_matches_an_exhaustive_one():
    from circle.prepare.network.snapping import SegmentGrid

    rng = np.random.default_rng(3)
    a = rng.uniform(0, 3000, size=(4000, 2))
    b = a + rng.normal(0, 40, size=(4000, 2))
    b[:20] = a[:20] + rng.normal(0, 900, size=(20, 2))  # a few long segments spanning many cells
    points = rng.uniform(-200, 3200, size=(3000, 2))
    grid = SegmentGrid.build(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    segment, distance, t = grid.nearest(points[:, 0], points[:, 1], 120.0)
    d = b - a
    rel = points[:, None, :] - a[None, :, :]
    along = np.clip((rel * d[None]).sum(-1) / (d * d).sum(-1)[None], 0, 1)
    gap = np.hypot(*(rel - along[..., None] * d[None]).transpose(2, 0, 1))
    best = gap.argmin(axis=1)
    within = gap[np.arange(len(points)), best] <= 120.0
    assert (segment[~within] == -1).all()
    assert np.allclose(distance[within], gap[np.arange(len(points)), best][within])
    assert (segment[within] == best[within]).all()
    assert np.allclose(t[within], along[np.arange(len(points)), best][within])


def test_snap_beyond_the_limit_gives_no_access():
    network = make_network([(0, 0), (100, 0)], [(0, 1)])
    access = network.snap(np.array([0]), np.array([50.0]), np.array([400.0]), 1.0, max_snap_m=300)
    assert len(access) == 0


def test_islands_are_dropped_unless_something_sits_on_them():
    # main part: 0-1-2 (3 nodes); island A: 3-4 (far east); island B: 5-6 (far north)
    network = make_network(
        [(0, 0), (100, 0), (200, 0), (5000, 0), (5100, 0), (0, 5000), (100, 5000)],
        [(0, 1), (1, 2), (3, 4), (5, 6)],
    )
    # one anchor (a block boundary point) sits beside island B
    kept = keep_reachable_part(network, np.array([50.0]), np.array([5010.0]), max_snap_m=300)
    assert kept.n_nodes == 5
    assert kept.dropped == {
        "components": 1,
        "nodes": 2,
        "segments": 1,
        "length_m": 100.0,
        "kept_components": 2,
    }
    assert sorted(kept.osm_id.tolist()) == [1000, 1001, 1002, 1005, 1006]


def test_a_path_ring_beside_the_street_is_not_where_residents_step_on():
    # the street 0-1-2-9-10 along y = 0 (the largest piece); a footway ring 3-4-5-6 sharing no node with
    # it, 5 m from the block's point; far north, island 7-8, the only way within reach of a second point
    street_and_pieces = [(0, 0), (100, 0), (200, 0), (80, 35), (120, 35), (120, 60), (80, 60), (0, 5000)]
    street_and_pieces += [(100, 5000), (300, 0), (400, 0)]
    network = make_network(
        street_and_pieces,
        [(0, 1), (1, 2), (3, 4), (4, 5), (5, 6), (6, 3), (7, 8), (2, 9), (9, 10)],
    )
    segment, distance, _ = network.nearest_segments(np.array([100.0, 50.0]), np.array([30.0, 5010.0]), 300.0)
    # the ring's segment (3-4) is 5 m away, the street (0-1 or 1-2, both 30 m at x = 100) wins
    assert network.a[segment[0]] in (0, 1) and network.b[segment[0]] in (1, 2)
    assert distance[0] == pytest.approx(30.0)
    # with nothing of the street within 300 m, the island is where the point steps on
    assert (network.a[segment[1]], network.b[segment[1]]) == (7, 8)
    assert distance[1] == pytest.approx(10.0)
    # the ring is dropped: no anchor steps onto it; the island stays for its anchor
    kept = keep_reachable_part(network, np.array([100.0, 50.0]), np.array([30.0, 5010.0]), max_snap_m=300)
    assert kept.dropped["nodes"] == 4 and kept.dropped["kept_components"] == 2


def test_owners_on_a_piece_nobody_else_reaches_are_unreachable(tmp_path):
    from circle.pipeline.assemble import reach_each_other as _reach_each_other
    from circle.prepare.network import AccessTable

    # main street 0-1, island 2-3; block 0 on the street, block 1 on the island; facility 0 on the street
    network = make_network([(0, 0), (100, 0), (0, 5000), (100, 5000)], [(0, 1), (2, 3)])

    def rows(owner, node):
        n = len(owner)
        return AccessTable(np.array(owner), np.array(node), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n))

    blocks, facilities = _reach_each_other(network, rows([0, 0, 1, 1], [0, 1, 2, 3]), rows([0], [1]), 3, 2)
    assert blocks.tolist() == [True, False, False]  # block 2 has no access row at all
    assert facilities.tolist() == [True, False]
    # with no facility mapped at all, a block on any piece is reachable (nothing to reach is another matter)
    blocks, _ = _reach_each_other(network, rows([0, 1], [0, 2]), AccessTable.empty(), 2, 0)
    assert blocks.tolist() == [True, True]


def test_a_viaduct_overhead_is_not_where_residents_step_on(tmp_path):
    from circle.sources.osm import read_osm
    from circle.standards import load_preset
    from tests.osm_builder import OsmBuilder

    # a ground street along y = 0 and, 8 m north of a block's point, a viaduct (bridge=yes, layer=1) joined to it
    town = OsmBuilder()
    west, middle, east = town.node(0, 0), town.node(150, 0), town.node(300, 0)
    town.way([west, middle, east], highway="residential")
    up, over, down = town.node(0, 0.5), town.node(150, 40), town.node(300, 0.5)
    town.way([west, up], highway="primary")
    town.way([up, over, down], highway="primary", bridge="yes", layer="1")
    town.way([down, east], highway="primary")
    tunnel = [town.node(0, -300), town.node(300, -300)]
    town.way(tunnel, highway="footway", tunnel="building_passage")
    data = read_osm(town.write(tmp_path / "viaduct.osm"), load_preset())
    ways = data.walk
    assert ways.off_ground.sum() == 2  # the two segments of the viaduct; a building passage is at ground level
    from circle.prepare.network import WalkNetwork
    from circle.standards import load_profile

    network = WalkNetwork.from_ways(ways, load_profile("standard"), "EPSG:32648")
    assert network.ground_flags().sum() == 2
    # the point 8 m south of the viaduct's top and 32 m north of the street steps onto the street
    at = int(np.flatnonzero(network.osm_id == middle)[0])
    segment, distance, _ = network.nearest_segments(network.x[[at]], network.y[[at]] + 32.0, 300.0)
    assert not network.ground_flags()[segment[0]] and distance[0] == pytest.approx(32.0, abs=0.5)
    nearest_of_all = network.segment_grid.nearest(network.x[[at]], network.y[[at]] + 32.0, 300.0)[0]
    assert network.ground_flags()[nearest_of_all[0]]  # the viaduct is nearer, 8 m overhead
    # the flag survives the study's tables
    from circle.study import network_from_tables

    edges = network.directed_edges()
    nodes = pd.DataFrame({"node": np.arange(network.n_nodes), "osm_id": network.osm_id, "x": network.x, "y": network.y})
    again = network_from_tables(nodes, edges, network.crs)
    assert again.ground_flags().sum() == 2


def test_owners_entered_only_from_off_the_ground_are_counted():
    from circle.pipeline.assemble import off_ground_access as _off_ground_access
    from circle.prepare.network import AccessTable

    # ground street 0-1; a viaduct 1-2-3 whose inner node 2 touches no ground segment
    network = make_network([(0, 0), (100, 0), (200, 10), (300, 0)], [(0, 1), (1, 2), (2, 3)])
    network.off_ground = np.array([False, True, True])

    def rows(owner, node):
        n = len(owner)
        return AccessTable(np.array(owner), np.array(node), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n))

    # block 0 enters at node 1 (a ground street ends there), block 1 only at node 2; facility 0 only at nodes 2 and 3
    counts = _off_ground_access(network, rows([0, 1], [1, 2]), rows([0, 0], [2, 3]))
    assert counts == {"blocks": 1, "facilities": 1}


def test_an_unnamed_block_is_called_by_the_streets_that_bound_it():
    import geopandas as gpd
    import shapely

    from circle.prepare.block_places import block_places
    from circle.words.places import shown_names

    # a 100 m block between 东大街 (20 m south, running east-west, 169 m of it along the block) and 蜀都大道
    # (15 m west, north-south, 107 m along it),
    # with a shorter lane north of it; a second block far from any street
    blocks = gpd.GeoDataFrame(
        {"block_id": ["s1", "s2"], "name": [None, None]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(5000, 5000, 5100, 5100)],
        crs="EPSG:32648",
    )
    streets = gpd.GeoDataFrame(
        {"name": ["东大街", "蜀都大道", "小巷", None]},
        geometry=[
            shapely.LineString([(-50, -20), (150, -20)]),
            shapely.LineString([(-15, 30), (-15, 150)]),
            shapely.LineString([(40, 120), (60, 120)]),
            shapely.LineString([(0, 110), (100, 110)]),
        ],
        crs="EPSG:32648",
    )
    place_zh, place_en = block_places(blocks, streets)
    assert place_zh[0] == "东大街以北、蜀都大道以东"
    assert place_en[0] == "north of 东大街, east of 蜀都大道"
    assert place_zh[1] is None
    blocks["place_zh"], blocks["place_en"] = place_zh, place_en
    assert shown_names(blocks, "en").tolist() == ["north of 东大街, east of 蜀都大道", "s2"]
