"""Blocks placed in the 街道 and 社区 the data maps, shown wherever a block has no name of its own."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from circle.pipeline import AnalysisOptions, analyze
from circle.prepare.admin_units import admin_units
from circle.sources.osm import osm_from_pbf, read_decoded, read_osm
from circle.sources.osm_parts import part_of
from circle.standards import load_preset
from circle.words.places import admin_unit_names, names_with_units, shown_names
from tests.osm_builder import OsmBuilder, to_lonlat


def _ring_of_ways(town: OsmBuilder, corners: list[tuple[float, float]]) -> list[tuple[str, int, str]]:
    """An outline drawn as one way per side (how boundaries are mapped: ways shared by neighbours)."""
    ids = [town.node(e, n) for e, n in corners]
    ids.append(ids[0])
    return [("way", town.way([a, b]), "outer") for a, b in itertools.pairwise(ids)]


def town_with_sub_districts(path):
    """Two sub-districts split at x = 500 (west 玉林街道, east 芳草街道) inside a district (level 6, not used).

    West holds the community 玉林社区 (x 0–400) and a smaller one drawn over it by mistake, 小社区 (x 100–200,
    which must win for a block inside it); east holds a community with only ``name:en``. Residential blocks:
    a named compound at x 250 (in 小社区), an unnamed one at x 50 far from any named street (in 玉林社区 only),
    and one at x 700 (east).
    """
    town = OsmBuilder()
    street = [town.node(100.0 * i - 100, -20.0) for i in range(12)]
    town.way(street, highway="residential")  # no name: blocks are not described by streets
    town.node(950, -19.5, amenity="clinic")
    town.node(1050, -19.5, amenity="school")  # over 10 minutes from the western blocks: they are priorities
    town.relation(
        _ring_of_ways(town, [(-200, -300), (1200, -300), (1200, 600), (-200, 600)]),
        type="boundary",
        boundary="administrative",
        admin_level="6",
        name="武侯区",
    )
    for corners, name in (
        ([(-150, -250), (500, -250), (500, 550), (-150, 550)], "玉林街道"),
        ([(500, -250), (1150, -250), (1150, 550), (500, 550)], "芳草街道"),
    ):
        town.relation(
            _ring_of_ways(town, corners), type="boundary", boundary="administrative", admin_level="8", name=name
        )
    town.relation(
        _ring_of_ways(town, [(-100, -200), (400, -200), (400, 500), (-100, 500)]),
        type="boundary",
        boundary="administrative",
        admin_level="10",
        name="玉林社区",
    )
    town.relation(
        _ring_of_ways(town, [(200, 0), (320, 0), (320, 200), (200, 200)]),
        type="boundary",
        boundary="administrative",
        admin_level="10",
        name="小社区",
    )
    town.relation(
        _ring_of_ways(town, [(600, -200), (1100, -200), (1100, 500), (600, 500)]),
        type="boundary",
        boundary="administrative",
        admin_level="10",
        name__en="Fangcao community",
    )
    town.polygon([(220, 10), (300, 10), (300, 90), (220, 90)], landuse="residential", name="西园小区")
    town.polygon([(0, 10), (80, 10), (80, 90), (0, 90)], landuse="residential")
    town.polygon([(660, 10), (740, 10), (740, 90), (660, 90)], landuse="residential")
    return town.write(path)


def test_the_reader_keeps_whole_units_of_the_levels_it_uses(tmp_path):
    osm = read_osm(town_with_sub_districts(tmp_path / "t.osm"), load_preset("gb50180_2018"))
    units = osm.admin_areas.sort_values("osm_id")
    assert units["admin_level"].tolist() == ["8", "8", "10", "10", "10"]  # the district (level 6) is not read
    assert units["name"].tolist()[:4] == ["玉林街道", "芳草街道", "玉林社区", "小社区"]
    assert units["name"].isna().tolist() == [False] * 4 + [True]
    assert units["name_en"].tolist()[-1] == "Fangcao community"
    # each was assembled from its four side ways into one polygon of the drawn size
    west = units.iloc[0].geometry
    assert west.geom_type in {"Polygon", "MultiPolygon"}
    assert west.contains(shapely.Point(to_lonlat(0, 0))) and not west.contains(shapely.Point(to_lonlat(700, 0)))


def test_each_block_lies_in_the_smallest_unit_of_its_level():
    units = gpd.GeoDataFrame(
        {
            "admin_level": ["8", "10", "10", "9", "10"],
            "name": ["A街道", "大社区", "小社区", "邻里", None],
            "name_zh": [None, None, None, None, None],
            "name_en": [None, None, None, None, "Nameless"],
        },
        geometry=[
            shapely.box(0, 0, 1000, 1000),
            shapely.box(0, 0, 600, 600),
            shapely.box(100, 100, 300, 300),
            shapely.box(600, 600, 1000, 1000),  # level 9 only where no level 10 unit is
            shapely.box(2000, 0, 2500, 500),
        ],
        crs="EPSG:32648",
    )
    blocks = gpd.GeoDataFrame(
        geometry=[
            shapely.box(150, 150, 200, 200),  # in 小社区 and 大社区: the smaller
            shapely.box(400, 400, 450, 450),  # in 大社区
            shapely.box(800, 800, 850, 850),  # in 邻里 (level 9)
            shapely.box(2100, 100, 2150, 150),  # in an unnamed-but-for-English unit, no sub-district
            shapely.box(5000, 5000, 5050, 5050),  # in nothing
        ],
        crs="EPSG:32648",
    )
    subdistrict, community = admin_units(blocks, units)
    assert subdistrict.tolist() == ["A街道", "A街道", "A街道", None, None]
    assert community.tolist() == ["小社区", "大社区", "邻里", "Nameless", None]


def test_units_in_another_crs_give_the_same_answer():
    units = gpd.GeoDataFrame(
        {"admin_level": ["8"], "name": ["A街道"]}, geometry=[shapely.box(0, 0, 1000, 1000)], crs="EPSG:32648"
    )
    blocks = gpd.GeoDataFrame(geometry=[shapely.box(400, 400, 450, 450)], crs="EPSG:32648")
    assert admin_units(blocks, units.to_crs("EPSG:4326"))[0].tolist() == ["A街道"]


def test_a_block_is_called_by_its_name_else_streets_else_its_units():
    blocks = pd.DataFrame(
        {
            "block_id": ["w1", "s00010", "g00020", "w4"],
            "name": ["西园小区", None, None, None],
            "place_zh": [None, "蜀都大道以北", None, None],
            "place_en": [None, "north of 蜀都大道", None, None],
            "subdistrict": ["玉林街道", "玉林街道", "玉林街道", None],
            "community": ["玉林社区", None, "小社区", None],
        }
    )
    assert shown_names(blocks, "zh").tolist() == ["西园小区", "蜀都大道以北", "玉林街道小社区", "w4"]
    assert shown_names(blocks, "en").tolist() == ["西园小区", "north of 蜀都大道", "小社区, 玉林街道", "w4"]
    assert admin_unit_names(blocks, "zh").tolist() == ["玉林街道玉林社区", "玉林街道", "玉林街道小社区", ""]
    assert names_with_units(blocks, "zh").tolist() == [
        "西园小区，玉林街道玉林社区",
        "蜀都大道以北，玉林街道",
        "玉林街道小社区",
        "w4",
    ]


def test_the_study_names_each_blocks_sub_district_and_community(tmp_path):
    result = analyze(AnalysisOptions(source=town_with_sub_districts(tmp_path / "t.osm"), out=tmp_path / "s"))
    blocks = gpd.read_parquet(result.path / "blocks.parquet").set_index("block_id")
    assert len(blocks) == 3
    by_x = blocks.assign(x=blocks.geometry.representative_point().x).sort_values("x")
    assert by_x["subdistrict"].tolist() == ["玉林街道", "玉林街道", "芳草街道"]
    assert by_x["community"].tolist() == ["玉林社区", "小社区", "Fangcao community"]
    # the unnamed compound away from named streets is called by its units, never by its id
    unnamed = by_x.iloc[[0]].reset_index()
    assert unnamed["name"].isna().all() and unnamed["place_zh"].isna().all()
    assert shown_names(unnamed, "zh").tolist() == ["玉林街道玉林社区"]


def test_a_tile_inside_a_sub_district_still_knows_it(tmp_path):
    """A batch tile whose box meets none of a unit's boundary ways is given the unit whole."""
    path = town_with_sub_districts(tmp_path / "t.osm")
    preset = load_preset("gb50180_2018")
    decoded = read_decoded(path, preset)
    west, south = to_lonlat(20, 20)
    east, north = to_lonlat(60, 60)  # inside 玉林街道 and 玉林社区, far from their outlines
    part = part_of(decoded, (west, south, east, north))
    units = osm_from_pbf(part, path, preset, (west, south, east, north)).admin_areas
    assert set(units["name"].dropna()) == {"玉林街道", "玉林社区"}
    assert np.isin(["小社区", "芳草街道"], units["name"].dropna()).sum() == 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_english_address_puts_the_smaller_unit_first(lang):
    blocks = pd.DataFrame({"block_id": ["a"], "subdistrict": ["Yulin"], "community": ["Yulin community"]})
    expected = {"zh": "YulinYulin community", "en": "Yulin community, Yulin"}[lang]
    assert admin_unit_names(blocks, lang).tolist() == [expected]


def test_the_planners_gap_table_names_each_blocks_units(tmp_path, monkeypatch):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from tests.deployment import sign_in, use_deployment, write_deployment

    analyze(AnalysisOptions(source=town_with_sub_districts(tmp_path / "t.osm"), out=tmp_path / "studies" / "default"))
    use_deployment(monkeypatch, write_deployment(tmp_path / "deployment", tmp_path / "studies"))
    app = sign_in(AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120))
    app.run()
    assert not app.exception, app.exception
    gaps = next(frame.value for frame in app.dataframe if "街道·社区" in frame.value.columns)
    where = dict(zip(gaps["名称"], gaps["街道·社区"], strict=True))
    assert where["西园小区"] == "玉林街道小社区"
    # the unnamed compound away from named streets is listed by its units, with them beside it
    assert where["玉林街道玉林社区"] == "玉林街道玉林社区"
