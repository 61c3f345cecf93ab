"""The planner map's legend, classes, ticks, bands, scale and offline base, on hand-made data."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pytest
import shapely

from circle import colours
from circle.deploy.config import load_deployment
from circle.errors import InputDataError
from circle.ui import maps
from circle.ui.legend import Swatch, nice_ticks, section_html, swatch_html
from circle.ui.measure_scales import measure_scale
from tests.osm_builder import OsmBuilder, small_town, to_lonlat

BANDS = tuple(
    SimpleNamespace(minimum=m, zh=zh, en=en)
    for m, zh, en in (
        (90, "优秀", "Excellent"),
        (70, "良好", "Good"),
        (50, "一般", "Fair"),
        (25, "较差", "Poor"),
        (0, "很差", "Very poor"),
    )
)


def _rows(html: str) -> list[str]:
    """The labels of a legend section's rows, in order."""
    return re.findall(r'<div class="circle-legend-row"><svg.*?</svg><span>(.*?)</span></div>', html)


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 29.9791, [0, 5, 10, 15, 20, 25]),
        (0, 14.9895, [0, 2.5, 5, 7.5, 10, 12.5]),
        (0, 100, [0, 20, 40, 60, 80, 100]),
        (0, 54529.6, [0, 10000, 20000, 30000, 40000, 50000]),
        (12.3, 12.3, [12.3]),
    ],
)
def test_ticks_are_round_numbers(low, high, expected):
    assert nice_ticks(low, high) == pytest.approx(expected)


def test_tier_legend_is_discrete_with_none_and_no_raw_numbers():
    values = np.array([0, 5, 5, 10, 15, 0], float)
    scale = measure_scale("tier", values, "zh", tiers=(5.0, 10.0, 15.0, 5.0))
    html = scale.legend_html("达到的生活圈层级")
    assert _rows(html) == ["15 分钟生活圈", "10 分钟生活圈", "5 分钟生活圈", "未达到任何层级"]
    assert "linear-gradient" not in html and "14.9895" not in html and "16" not in "".join(_rows(html))
    shown = list(scale.colours_of(values))
    assert shown[0] == shown[5] == colours.TIER_NONE
    assert len({shown[1], shown[3], shown[4], shown[0]}) == 4  # four tiers, four colours


def test_time_classes_round_ticks_no_service_named():
    values = np.array([0.0, 5.0, 7.5, 14.9895, 15.01, 29.9791, np.nan])
    scale = measure_scale("time", values, "en", limit_min=30.0)
    assert list(scale.colours_of(values)) == [
        colours.TIME_COLOURS[0],
        colours.TIME_COLOURS[0],  # 5 minutes is within the first class (≤ 5)
        colours.TIME_COLOURS[1],
        colours.TIME_COLOURS[2],
        colours.TIME_COLOURS[3],
        colours.TIME_COLOURS[4],
        colours.NO_SERVICE,
    ]
    rows = _rows(scale.legend_html("Walking time"))
    assert rows == ["≤ 5 min", "5–10 min", "10–15 min", "15–20 min", "20–30 min", "None within 30 min"]
    assert "14.9895" not in scale.legend_html("x") and "29.9791" not in scale.legend_html("x")


def test_time_of_an_unmapped_category_is_not_assessable():
    values = np.array([np.nan, np.nan])
    scale = measure_scale("time", values, "zh", assessable=False, category="托儿所")
    assert set(scale.colours_of(values)) == {colours.NOT_ASSESSABLE}
    assert _rows(scale.legend_html("到最近托儿所的步行时间")) == ["不可评估：数据未收录托儿所"]


def test_score_bands_follow_the_preset():
    values = np.array([95.0, 90.0, 89.9, 70.0, 50.0, 24.9, 0.0])
    scale = measure_scale("score", values, "en", bands=BANDS)
    best, second, *_, worst = colours.SCORE_COLOURS
    assert list(scale.colours_of(values)) == [best, best, second, second, colours.SCORE_COLOURS[2], worst, worst]
    assert _rows(scale.legend_html("Score"))[0] == "Excellent (≥ 90)"
    assert _rows(scale.legend_html("Score"))[-1] == "Very poor (≥ 0)"


def test_priority_classes_are_quintiles_with_round_edges():
    values = np.array([0.0, 0.0, *np.linspace(1000.0, 54529.6, 10)])
    scale = measure_scale("priority", values, "en")
    rows = _rows(scale.legend_html("Priority"))
    assert rows[0] == "No gap" and len(rows) == 6
    assert "54,529.6" not in " ".join(rows) and rows[-1].endswith("55,000")
    shown = scale.colours_of(values)
    assert shown[0] == colours.NO_GAP and shown[-1] == colours.PRIORITY_COLOURS[-1]


def test_population_ramp_has_round_ticks():
    scale = measure_scale("population", np.array([0.0, 812.0, 2987.4]), "en")
    html = scale.legend_html("Population")
    assert "linear-gradient" in html
    assert re.findall(r"translateX\(-50%\)\">([^<]*)<", html) == ["0", "500", "1,000", "1,500", "2,000", "2,500"]


def test_labels_are_escaped():
    html = section_html("<b>t</b>", [Swatch("<img src=x onerror=alert(1)>", "#e69f00", "dot")])
    assert "<img" not in html and "<b>" not in html and "&lt;img" in html
    assert 'fill="#ffffff" stroke="#e69f00"' in swatch_html(Swatch("x", "#e69f00", "ring"))


def _rendered(fmap) -> str:
    return fmap.get_root().render()


def test_map_has_a_metric_scale_only_and_no_tiles_by_default():
    html = _rendered(maps.base_map((104.0, 30.6, 104.1, 30.7), "study", lang="zh"))
    assert "L.control.scale({imperial: false, metric: true" in html
    assert "imperial: true" not in html and '"imperial": true' not in html
    assert "tile.openstreetmap.org" not in html and "L.tileLayer" not in html
    online = _rendered(maps.base_map((104.0, 30.6, 104.1, 30.7), "osm", lang="zh"))
    assert "tile.openstreetmap.org" in online


def test_facility_layers_carry_swatches_in_the_layer_list_and_the_legend():
    import folium

    from circle.ui.legend import LegendControl

    fmap = maps.base_map((104.0, 30.6, 104.1, 30.7), "study", lang="en")
    points = [
        ("/a.json", "<i>Kindergarten</i>", colours.category_colour(0), "dot"),
        ("/b.json", "Canteen", colours.category_colour(7), "ring"),
    ]
    maps.add_facilities(fmap, points, "en")
    folium.LayerControl().add_to(fmap)
    LegendControl("Legend", "fold").add_to(fmap)
    html = _rendered(fmap)
    # the layer list's names hold a swatch and the escaped label (JSON-escaped inside the script)
    assert '\\u003csvg class=\\"circle-swatch\\"' in html or '\\u003csvg class=\\"circle-swatch\\"' in html
    assert "\\u0026lt;i\\u0026gt;Kindergarten" in html and "<i>Kindergarten" not in html
    # each layer registers its legend rows with the control; the ring is named
    assert html.count('layer.on("add", shown)') >= 2
    assert "Past seven categories" in html
    assert 'data-testid", "map-legend"' in html


def test_isochrone_bands_are_filled_rings_labelled_as_drawn():
    # streets around a 200 m square block, reached within the first band; its inside is enclosed, so within reach
    def streets(box):
        return box.buffer(25, join_style="mitre").difference(box.buffer(-25, join_style="mitre"))

    square, outer = streets(shapely.box(0, 0, 200, 200)), streets(shapely.box(-300, -300, 500, 500))
    bands = gpd.GeoDataFrame(
        {"from_minutes": [0.0, 10 / 3, 20 / 3], "minutes": [10 / 3, 20 / 3, 10.0]},
        geometry=[square, outer, shapely.box(600, 0, 620, 20)],
        crs=3857,
    )
    filled = maps.filled_bands(bands, close_m=0.0)
    assert filled.geometry.iloc[0].area == pytest.approx(250 * 250, rel=1e-6)  # the hole is filled
    assert filled.geometry.iloc[1].area == pytest.approx(850 * 850 - 250 * 250, rel=1e-6)
    # two parallel streets 100 m apart (edges 50 m apart): closing by 30 m bridges them, by 20 m does not
    streets_apart = gpd.GeoDataFrame(
        {"from_minutes": [0.0], "minutes": [5.0]},
        geometry=[shapely.union(shapely.box(0, 0, 50, 400), shapely.box(100, 0, 150, 400))],
        crs=3857,
    )
    # (bridged but for the rounded corners at the gap's two ends)
    assert maps.filled_bands(streets_apart, close_m=30.0).geometry.iloc[0].area == pytest.approx(150 * 400, rel=0.02)
    assert maps.filled_bands(streets_apart, close_m=20.0).geometry.iloc[0].area == pytest.approx(100 * 400, rel=1e-3)
    assert filled.geometry.iloc[0].intersection(filled.geometry.iloc[1]).area == pytest.approx(0, abs=1e-6)
    group = __import__("folium").FeatureGroup(name="x")
    maps.add_isochrone(group, bands.to_crs(4326), "zh")
    script = group.get_root().render() if group._parent else _rendered_group(group)
    assert "≤ 3.3分钟" in script and "3.3–6.7分钟" in script and "6.7–10分钟" in script
    assert "3.33333" not in script


def _rendered_group(group) -> str:
    import folium

    fmap = folium.Map()
    group.add_to(fmap)
    return fmap.get_root().render()


def test_minutes_text():
    assert [maps.minutes_text(v) for v in (5, 10 / 3, 20 / 3, 29.979, 1.25)] == ["5", "3.3", "6.7", "30", "1.2"]


def test_online_basemaps_is_off_unless_the_deployment_turns_it_on(tmp_path):
    on = tmp_path / "on.toml"
    on.write_text("online_basemaps = true\n", encoding="utf-8")
    assert load_deployment(on).online_basemaps is True
    off = tmp_path / "off.toml"
    off.write_text('studies = "s"\n', encoding="utf-8")
    assert load_deployment(off).online_basemaps is False
    bad = tmp_path / "bad.toml"
    bad.write_text('online_basemaps = "yes"\n', encoding="utf-8")
    with pytest.raises(InputDataError, match="online_basemaps must be true or false"):
        load_deployment(bad)


def test_water_and_green_are_read_from_the_osm_file(tmp_path):
    from circle.sources.osm_land import read_land
    from circle.ui.overlays import land_overlays

    town = OsmBuilder()
    town.way([town.node(100.0 * i, 0.0) for i in range(5)], highway="residential")
    town.polygon([(0, 50), (100, 50), (100, 150), (0, 150)], natural="water", name="湖")
    town.polygon([(200, 50), (300, 50), (300, 150), (200, 150)], leisure="park")
    town.polygon([(400, 50), (500, 50), (500, 150), (400, 150)], landuse="retail")
    town.way([town.node(0, -50), town.node(200, -60), town.node(400, -50)], waterway="river")
    land = read_land(town.write(tmp_path / "land.osm"))
    assert (len(land.water), len(land.green), len(land.rivers)) == (1, 1, 1)
    west, south = to_lonlat(0, 50)
    assert land.water[0].bounds[:2] == pytest.approx((west, south), abs=1e-7)
    images = land_overlays(land.water, land.green, land.rivers)
    assert images and all(image.png.startswith(b"\x89PNG") for image in images)
    # the hand-checkable town's park is green; nothing else there is water or green
    town_land = read_land(small_town(tmp_path / "town.osm"))
    assert (len(town_land.water), len(town_land.green), len(town_land.rivers)) == (0, 1, 0)


def test_closure_layers_are_named_in_the_legend():
    import folium

    from circle.ui.closures import closure_layers
    from circle.ui.planner_map import _closure_legends

    lon, lat = to_lonlat(0, 0)
    blocks = gpd.GeoDataFrame(
        {"block_id": ["b1"]}, geometry=[shapely.box(lon, lat, lon + 0.001, lat + 0.001)], crs=4326
    )
    scenario = {"closed_lines": [[(lat, lon), (lat + 0.001, lon)]], "cut_off": ["b1"]}
    fmap = folium.Map()
    for group in _closure_legends(closure_layers("en", scenario, blocks, "wgs84"), scenario, "en"):
        group.add_to(fmap)
    html = fmap.get_root().render()
    assert "Closed segments (1)" in html and "Blocks cut off" in html
    only_cut = {"cut_off": ["b1"]}
    fmap = folium.Map()
    for group in _closure_legends(closure_layers("en", only_cut, blocks, "wgs84"), only_cut, "en"):
        group.add_to(fmap)
    html = fmap.get_root().render()
    assert "Blocks cut off" in html and "Closed segments" not in html


def test_the_study_base_draws_the_towns_park(tmp_path):
    from circle.ui.data import _draw_land

    source = small_town(tmp_path / "town.osm")
    west, south = to_lonlat(-100, -200)
    east, north = to_lonlat(1300, 300)
    images = _draw_land(str(source), (west, south, east, north), "wgs84")
    assert len(images) == 1 and images[0].png.startswith(b"\x89PNG")
    (image_south, image_west), (image_north, image_east) = images[0].bounds
    park_west, park_south = to_lonlat(1100, -110)
    park_east, park_north = to_lonlat(1200, -10)
    assert image_west <= park_west and image_east >= park_east
    assert image_south <= park_south and image_north >= park_north
    assert _draw_land(str(tmp_path / "gone.osm"), (west, south, east, north), "wgs84") == []


def test_the_planner_offers_online_tiles_only_when_the_deployment_does(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from circle.pipeline import AnalysisOptions, analyze
    from tests.deployment import sign_in, use_deployment, write_deployment

    analyze(AnalysisOptions(source=small_town(tmp_path / "town.osm"), out=tmp_path / "studies" / "default"))
    app = str(Path(__file__).resolve().parents[1] / "app.py")
    for online in (False, True):
        config = write_deployment(tmp_path / f"deployment-{online}", tmp_path / "studies", online_basemaps=online)
        use_deployment(monkeypatch, config)
        at = sign_in(AppTest.from_file(app, default_timeout=120))
        at.run()
        assert not at.exception, at.exception
        radios = [r for r in at.sidebar.radio if r.key == "basemap__zh"]
        if online:
            assert radios and radios[0].options == [
                "本研究区街道",
                "OpenStreetMap 标准",
                "高德地图（GCJ-02）",
                "自定义瓦片服务",
            ]
            assert radios[0].value == "study"
        else:
            assert not radios
            assert at.session_state["basemap"] == "study"
