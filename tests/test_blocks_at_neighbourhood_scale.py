"""Large residential areas cut into parts, gated compounds entered through their gates, and the parts' residents."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pytest
import shapely

from circle.pipeline import AnalysisOptions, analyze
from circle.prepare._block_split import SLIVER_SHARE, SplitRule, span_m, split_geometries
from circle.prepare.access_points import polygon_access_points
from circle.prepare.blocks import split_large_blocks
from circle.standards import load_preset
from circle.standards.regions import region_for
from tests.osm_builder import OsmBuilder

RULE = SplitRule(max_area_m2=20e4, max_span_m=500.0, cell_m=250.0)


def test_span_is_the_long_side_of_the_rotated_rectangle():
    long_thin = shapely.box(0, 0, 600, 100)
    rotated = shapely.affinity.rotate(long_thin, 30, origin=(0, 0))
    assert span_m(np.array([long_thin, rotated])) == pytest.approx([600.0, 600.0])


def test_streets_cut_a_large_area_into_the_blocks_between_them():
    area = shapely.box(0, 0, 1200, 400)  # 48 ha, 1200 m long
    streets = np.array([shapely.LineString([(400, -50), (400, 450)]), shapely.LineString([(800, -50), (800, 450)])])
    parts, parent = split_geometries(np.array([area, shapely.box(2000, 0, 2100, 100)]), streets, RULE)
    assert parent.tolist() == [0, 0, 0, 1]
    # three 400 × 400 m blocks west to east (same latitude), and the small area untouched
    assert shapely.area(parts[:3]) == pytest.approx([160_000.0] * 3)
    assert [round(shapely.get_x(shapely.centroid(p))) for p in parts[:3]] == [200, 600, 1000]
    assert shapely.area(parts[3]) == pytest.approx(10_000.0)


def test_an_area_no_street_cuts_is_cut_by_the_grid_and_slivers_join_a_neighbour():
    area = shapely.box(10, 10, 620, 520)  # 31 ha, 610 × 510 m
    parts, parent = split_geometries(np.array([area]), np.zeros(0, object), RULE)
    assert (parent == 0).all() and len(parts) > 1
    assert shapely.area(parts).sum() == pytest.approx(area.area)
    assert shapely.union_all(parts).symmetric_difference(area).area < 1e-6
    assert not RULE.too_large(parts).any()
    assert shapely.area(parts).min() >= SLIVER_SHARE * RULE.cell_m**2
    # the grid is the area's own, a corner on its centroid (315, 265): x = 65, 315, 565 and y = 15, 265, 515
    # cut it into 4 × 4 pieces; the 55 m and 5 m strips at its edges (under a quarter of a square) joined the
    # pieces beside them, leaving four quarters of 305 × 255 m
    assert len(parts) == 4
    assert np.round(shapely.area(parts)).tolist() == [305 * 255] * 4
    # north to south, then west to east
    centres = [(round(shapely.get_x(c), 1), round(shapely.get_y(c), 1)) for c in shapely.centroid(parts)]
    assert centres == [(162.5, 392.5), (467.5, 392.5), (162.5, 137.5), (467.5, 137.5)]


def test_the_same_area_anywhere_is_cut_the_same():
    """The grid moves with the area: a copy far away (not on the old fixed grid's lines) gets the same parts."""
    area = shapely.Polygon([(10, 10), (700, 40), (640, 560), (200, 610), (-30, 300)])  # 36 ha, no street inside
    shift = (12_345.6, -7_654.3)
    moved = shapely.affinity.translate(area, *shift)
    parts, _ = split_geometries(np.array([area]), np.zeros(0, object), RULE)
    moved_parts, _ = split_geometries(np.array([moved]), np.zeros(0, object), RULE)
    assert len(parts) == len(moved_parts) > 1
    back = shapely.affinity.translate(shapely.union_all(moved_parts), -shift[0], -shift[1])
    assert back.symmetric_difference(area).area < 1e-3
    for part, twin in zip(parts, moved_parts, strict=True):
        assert shapely.affinity.translate(twin, -shift[0], -shift[1]).symmetric_difference(part).area < 1e-3


def town_with_a_large_area(path, gate: bool):
    town = OsmBuilder()
    south = [town.node(100.0 * i - 100, -20.0) for i in range(10)]
    town.way(south, highway="residential")
    # a street through the area from south to north, and a clinic on the south street
    middle = [town.node(300.0, -20.0 + 100.0 * i) for i in range(6)]
    town.way([south[4], *middle[1:]], highway="residential")
    town.node(700, -19.5, amenity="clinic")
    # one landuse=residential area of 800 × 400 m (32 ha): no building mapped, so area × density
    outline = [(0, 0), (800, 0), (800, 400), (0, 400)]
    ids = [town.node(e, n) for e, n in outline]
    if gate:
        gate_node = town.node(600, 0, barrier="gate")
        ids = [ids[0], gate_node, *ids[1:]]
    town.way([*ids, ids[0]], landuse="residential", name="大院")
    return town.write(path)


def test_a_split_area_keeps_its_residents_name_and_parent(tmp_path):
    result = analyze(AnalysisOptions(source=town_with_a_large_area(tmp_path / "t.osm", gate=False), out=tmp_path / "s"))
    blocks = gpd.read_parquet(result.path / "blocks.parquet")
    parent = "w3"
    parts = blocks[blocks["parent_id"] == parent]
    # the street through it cuts it in two, 12 ha and 20 ha (the street used to be clipped to the area and its
    # ends, a hair off the outline, were not noded onto it: it cut nothing and the grid cut the whole 32 ha)
    assert len(parts) >= 2 and (parts["block_id"] != parent).all()
    assert all(block_id.startswith(f"{parent}-") for block_id in parts["block_id"])
    assert set(parts["name"]) == {"大院"}
    # 32 ha × 20,000 per km² = 6,400 residents (the builder's metres are within 0.1 % of the study CRS's)
    assert parts["population"].sum() == pytest.approx(parts["area_m2"].sum() / 1e6 * 20_000, rel=1e-4)
    assert parts["population"].sum() == pytest.approx(6_400.0, rel=2e-3)
    assert parts["area_m2"].max() <= 20e4
    metric = parts.to_crs(result.summary.crs)
    assert span_m(metric.geometry.to_numpy()).max() <= 500.0 + 1.0
    assert result.summary.population["blocks_split"] == len(parts)
    assert result.summary.population["largest_block_ha"] <= 20.0


def test_parts_share_the_parents_residents_exactly_by_floor_area():
    crs = "EPSG:32648"
    parent = shapely.box(400_000, 3_390_000, 401_000, 3_390_400)  # 40 ha, cut by a street at x + 500
    street = np.array([shapely.LineString([(400_500, 3_389_000), (400_500, 3_391_000)])])
    blocks = gpd.GeoDataFrame(
        {
            "block_id": ["w1"],
            "name": ["东苑"],
            "population": [1234.5],
            "pop_source": ["buildings"],
            "area_m2": [parent.area],
            "floor_area_m2": [9000.0],
        },
        geometry=[parent],
        crs=crs,
    )
    buildings = gpd.GeoDataFrame(
        {
            "building": ["apartments", "apartments"],
            "levels": ["6", "3"],
            "height": [None, None],
            "residential": [True, True],
        },
        geometry=[
            shapely.box(400_100, 3_390_100, 400_150, 3_390_120),
            shapely.box(400_800, 3_390_100, 400_850, 3_390_120),
        ],
        crs=crs,
    )
    osm = SimpleNamespace(buildings=buildings)
    out = split_large_blocks(blocks, osm, street, _china_preset(), np.zeros(0), np.zeros(0))
    assert out["block_id"].tolist() == ["w1-1", "w1-2"] and set(out["parent_id"]) == {"w1"}
    # floor area 1000 m² × 6 in the west part, 1000 m² × 3 in the east: two thirds and one third
    assert out["floor_area_m2"].tolist() == pytest.approx([6000.0, 3000.0])
    assert out["population"].tolist() == pytest.approx([1234.5 * 2 / 3, 1234.5 / 3], rel=1e-12)
    assert out["population"].sum() == pytest.approx(1234.5, rel=1e-12)
    assert out["fence"].isna().all()


def _china_preset():
    return region_for(104.06, 30.66).apply(load_preset())


def test_parts_of_a_gated_compound_are_not_entered_across_its_fence():
    west, east = shapely.box(0, 0, 300, 300), shapely.box(300, 0, 600, 300)
    fence = shapely.boundary(shapely.box(0, 0, 600, 300))
    gate_x, gate_y = np.array([150.0]), np.array([0.0])  # a gate on the west part's south edge
    owner, x, y, via = polygon_access_points(
        np.array([west, east]), gate_x, gate_y, 50.0, fences=np.array([fence, fence], dtype=object)
    )
    east_points = np.flatnonzero(owner == 1)
    # the east part has no gate: it is entered only across the cut at x = 300, inside the compound
    assert len(east_points) >= 4 and np.allclose(x[east_points], 300.0)
    assert y[east_points].min() > 0.0 and y[east_points].max() < 300.0
    # the west part: through its gate, and across the same cut
    west_points = np.flatnonzero(owner == 0)
    assert via[west_points].sum() == 1 and (x[west_points][via[west_points]] == 150.0).all()
    assert np.allclose(x[west_points][~via[west_points]], 300.0)


def test_a_gated_compound_split_in_the_pipeline_keeps_its_gate(tmp_path):
    result = analyze(AnalysisOptions(source=town_with_a_large_area(tmp_path / "g.osm", gate=True), out=tmp_path / "s"))
    access = (
        gpd.read_parquet(result.path / "access" / "block_access.parquet")
        if (result.path / "access" / "block_access.parquet").exists()
        else None
    )
    blocks = gpd.read_parquet(result.path / "blocks.parquet")
    parts = blocks[blocks["parent_id"] == "w3"]
    assert len(parts) >= 2
    assert (parts["access_via"] == "entrances").sum() == 1
    assert parts["reachable"].all()
    assert access is None or len(access)
