"""Every imported layer (blocks, census polygons, study areas, closures) in any coordinate system, offset-checked.

Real residential compounds of the shared Chinese extracts are written to
files as an AMap (GCJ-02) or Baidu (BD-09) export would hold them, with the
forward formulas written again below, vertex by vertex, independently of
:mod:`circle.coords` (and checked against published point pairs):
declared wrongly, the offset check names the right system; declared rightly,
every vertex lands within a metre of the original.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
import shapely.affinity

from circle.cli import main
from circle.errors import AreaError, InputDataError
from circle.geo import WGS84, transform_geometries, utm_crs_for
from circle.prepare.blocks import blocks_from_osm
from circle.prepare.population.counts import CountedSources, count_residents
from circle.sources.area import check_area_offset, read_area_file
from circle.sources.blocks_file import import_blocks_file, read_blocks_file
from circle.sources.census import read_census_layer
from circle.sources.closures_file import check_closures_offset, read_closure_layer, read_closures
from circle.sources.layer_offset import OffsetReference, check_layer_offset
from circle.sources.osm import read_osm
from circle.sources.vector import read_polygons
from circle.standards import load_preset
from circle.study import Study
from tests.conftest import SHARED_OSM, make_network, shared_extract

# files without a CRS are written on purpose
pytestmark = pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")

EMBEDDED = Path(__file__).resolve().parents[1] / "circle" / "data" / "chengdu_central_2018.osm.pbf"
CHINESE_EXTRACTS = ["chengdu_central_2018.osm.pbf", "beijing_haidian_2026.osm", "shanghai_baoshan_2021.osm"]


# -- the web maps' formulas, written again vertex by vertex (public GCJ-02 obfuscation and BD-09 rotation) ----------


def _gcj_shift_lat(x: float, y: float) -> float:
    value = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    value += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    value += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    value += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return value


def _gcj_shift_lon(x: float, y: float) -> float:
    value = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    value += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    value += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    value += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return value


def wgs_to_gcj(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 → GCJ-02 (Krasovsky ellipsoid, as every web-map SDK does it)."""
    a, ee = 6378245.0, 0.00669342162296594323
    d_lat, d_lon = _gcj_shift_lat(lon - 105.0, lat - 35.0), _gcj_shift_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1.0 - ee * math.sin(rad) ** 2
    d_lat = (d_lat * 180.0) / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    d_lon = (d_lon * 180.0) / (a / math.sqrt(magic) * math.cos(rad) * math.pi)
    return lon + d_lon, lat + d_lat


def gcj_to_bd(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 → BD-09."""
    x_pi = math.pi * 3000.0 / 180.0
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * x_pi)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * x_pi)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def to_web_map(geometries: np.ndarray, system: str) -> np.ndarray:
    """Return WGS-84 geometries as a GCJ-02 or BD-09 map shows them, one vertex at a time."""

    def move(coords: np.ndarray) -> np.ndarray:
        out = []
        for lon, lat in coords:
            point = wgs_to_gcj(float(lon), float(lat))
            out.append(gcj_to_bd(*point) if system == "bd09" else point)
        return np.array(out)

    return shapely.transform(geometries, move)


def test_the_test_formulas_match_published_pairs():
    # the coordtransform README's pairs (also quoted in test_chinese_data)
    assert wgs_to_gcj(116.404, 39.915) == pytest.approx((116.41024449916938, 39.91640428150164), abs=1e-9)
    assert gcj_to_bd(116.404, 39.915) == pytest.approx((116.41036949371029, 39.92133699351021), abs=1e-9)


# -- real compounds ---------------------------------------------------------------------------------------------------


def extract_path(name: str) -> Path:
    """A shared Chinese extract; central Chengdu falls back to the embedded copy when the shared data is absent."""
    if name == CHINESE_EXTRACTS[0] and not (SHARED_OSM / name).is_file():
        return EMBEDDED
    return shared_extract(name)


_OSM: dict[str, object] = {}


def osm_of(name: str):
    if name not in _OSM:
        _OSM[name] = read_osm(extract_path(name), load_preset("gb50180_2018"))
    return _OSM[name]


def crs_of(osm) -> str:
    west, south, east, north = osm.street_lines.total_bounds
    return utm_crs_for((west + east) / 2, (south + north) / 2)


def redrawn(geometries: np.ndarray, crs: str, seed: int = 7) -> np.ndarray:
    """Compounds as another map draws them: outlines grown or shrunk up to 8 m, simplified, moved up to ~10 m."""
    rng = np.random.default_rng(seed)
    metric = transform_geometries(geometries, WGS84, crs)
    metric = shapely.simplify(shapely.buffer(metric, rng.uniform(-8, 8, len(metric)), join_style="mitre"), 5)
    moved = [shapely.affinity.translate(g, *rng.normal(0, 6, 2)) for g in metric]
    return transform_geometries(np.array(moved, dtype=object), crs, WGS84)


def write_layer(path: Path, geometries: np.ndarray, crs: str | None = WGS84, **columns) -> Path:
    frame = gpd.GeoDataFrame(columns or {"n": np.arange(len(geometries))}, geometry=list(geometries), crs=crs)
    frame.to_file(path, driver="GeoJSON")
    return path


def max_vertex_gap_m(read: np.ndarray, original: np.ndarray, crs: str) -> float:
    a = shapely.get_coordinates(transform_geometries(read, WGS84, crs))
    b = shapely.get_coordinates(transform_geometries(original, WGS84, crs))
    assert a.shape == b.shape
    return float(np.hypot(*(a - b).T).max())


@pytest.fixture(scope="module")
def chengdu():
    osm = osm_of(CHINESE_EXTRACTS[0])
    crs = crs_of(osm)
    compounds = osm.residential.geometry.to_numpy()
    return osm, crs, OffsetReference.from_osm(osm, crs), compounds


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_compounds_exported_from_a_web_map_are_caught_and_read_back(tmp_path, chengdu, system):
    _, crs, reference, compounds = chengdu
    drawn = redrawn(compounds, crs)
    path = write_layer(tmp_path / "compounds.geojson", to_web_map(drawn, system))  # labelled EPSG:4326, as exported

    _, wrong = import_blocks_file(path, crs, system="wgs84", reference=reference)
    offset = wrong["offset_check"]
    assert wrong["declared_crs"] == "wgs84" and offset["suggested"] == system, offset
    assert offset["median_m"][system] < 10 < 25 < offset["median_m"]["wgs84"]
    assert f"read as {system}" in offset["message"] and f"declared as {system}" in offset["message"]
    assert offset["compared_features"] >= 150

    # the file's own label (EPSG:4326) is the same mistake
    _, own = import_blocks_file(path, crs, reference=reference)
    assert own["offset_check"]["suggested"] == system

    blocks, right = import_blocks_file(path, crs, system=system, reference=reference)
    assert right["declared_crs"] == system and right["offset_check"]["suggested"] is None
    assert len(blocks) == len(compounds)
    read = read_polygons(path, "blocks file", InputDataError, system=system).geometry.to_numpy()
    assert max_vertex_gap_m(read, drawn, crs) < 1.0


def test_gcj02_compounds_in_beijing_are_caught(tmp_path):
    osm = osm_of(CHINESE_EXTRACTS[1])
    crs = crs_of(osm)
    blocks, _ = blocks_from_osm(osm, crs, load_preset("gb50180_2018"))
    original = blocks.to_crs(WGS84).geometry.to_numpy()
    path = write_layer(tmp_path / "haidian.geojson", to_web_map(redrawn(original, crs), "gcj02"))
    _, report = import_blocks_file(path, crs, system="wgs84", reference=OffsetReference.from_osm(osm, crs))
    assert report["offset_check"]["suggested"] == "gcj02", report


@pytest.mark.parametrize("name", CHINESE_EXTRACTS)
def test_a_layer_truly_in_wgs84_raises_no_alarm(tmp_path, name):
    osm = osm_of(name)
    crs = crs_of(osm)
    reference = OffsetReference.from_osm(osm, crs)
    blocks, _ = blocks_from_osm(osm, crs, load_preset("gb50180_2018"))
    layers = {
        "compounds": osm.residential.geometry.to_numpy(),
        "blocks": blocks.to_crs(WGS84).geometry.to_numpy(),
        "buildings": osm.buildings.geometry.to_numpy(),  # outlines that follow no street: nothing to judge by
    }
    judged = 0
    for kind, geometries in layers.items():
        if len(geometries) == 0:
            continue
        path = write_layer(tmp_path / f"{kind}.geojson", redrawn(geometries, crs))
        for system in ("wgs84", None):
            _, report = import_blocks_file(path, crs, system=system, reference=reference)
            assert report["offset_check"]["suggested"] is None, (kind, report)
        judged += bool(report["offset_check"]["median_m"])
    assert judged >= 1  # at least one layer of each extract was judged, not only skipped


def test_too_few_compounds_are_not_judged(tmp_path, chengdu):
    _, crs, reference, compounds = chengdu
    path = write_layer(tmp_path / "two.geojson", to_web_map(compounds[:2], "gcj02"))
    _, report = import_blocks_file(path, crs, system="wgs84", reference=reference)
    offset = report["offset_check"]
    assert offset["suggested"] is None and offset["median_m"] == {}
    assert offset["message"].startswith("offset check skipped: only 2 of the 2 features of the blocks file")
    assert "at least 5 features" in offset["message"]


def test_outside_china_the_check_is_skipped():
    reference = OffsetReference("EPSG:32631", np.array([shapely.LineString([(400000, 4700000), (401000, 4700000)])]))
    square = gpd.GeoSeries([shapely.box(1.5, 42.5, 1.51, 42.51)], crs=WGS84)
    report = check_layer_offset(square, "gcj02", reference, "blocks file")
    assert "outside China" in report["message"] and report["suggested"] is None


# -- projected files and files without a CRS -----------------------------------------------------------------------


@pytest.mark.parametrize("code", ["EPSG:4547", "EPSG:32648"])
def test_a_projected_file_is_reprojected_as_declared(tmp_path, chengdu, code):
    _, crs, reference, compounds = chengdu
    projected = transform_geometries(compounds, WGS84, code)
    labelled = write_layer(tmp_path / "labelled.geojson", projected, crs=code)
    unlabelled = tmp_path / "unlabelled.gpkg"  # a GeoPackage whose layer has no spatial reference
    gpd.GeoDataFrame({"n": np.arange(len(projected))}, geometry=list(projected), crs=None).to_file(unlabelled)

    read = read_polygons(labelled, "blocks file", InputDataError).to_crs(WGS84).geometry.to_numpy()
    assert max_vertex_gap_m(read, compounds, crs) < 0.01
    with pytest.raises(InputDataError, match=r"has no coordinate reference system\. Declare it"):
        read_polygons(unlabelled, "blocks file", InputDataError)
    read = read_polygons(unlabelled, "blocks file", InputDataError, system=code).geometry.to_numpy()
    assert max_vertex_gap_m(read, compounds, crs) < 0.01
    _, report = import_blocks_file(unlabelled, crs, system=code, reference=reference)
    assert report["declared_crs"] == code and report["offset_check"]["suggested"] is None
    assert report["offset_check"]["median_m"]["wgs84"] == 0.0


def test_gcj02_degrees_projected_as_if_wgs84_are_read_back(tmp_path, chengdu):
    # an AMap export projected in QGIS (which took its degrees for WGS-84): labelled EPSG:32648, declared gcj02
    _, crs, reference, compounds = chengdu
    projected = transform_geometries(to_web_map(compounds, "gcj02"), WGS84, "EPSG:32648")
    path = write_layer(tmp_path / "projected.geojson", projected, crs="EPSG:32648")
    _, wrong = import_blocks_file(path, crs, reference=reference)
    assert wrong["declared_crs"] == "EPSG:32648" and wrong["offset_check"]["suggested"] == "gcj02"
    assert "read as EPSG:32648" in wrong["offset_check"]["message"]
    read = read_polygons(path, "blocks file", InputDataError, system="gcj02").geometry.to_numpy()
    assert max_vertex_gap_m(read, compounds, crs) < 1.0


def test_a_file_without_crs_is_read_in_the_declared_system(tmp_path, chengdu):
    _, crs, _, compounds = chengdu
    path = write_layer(tmp_path / "bare.geojson", to_web_map(compounds[:20], "bd09"), crs=None)
    read = read_blocks_file(path, crs, system="bd09").to_crs(WGS84).geometry.to_numpy()
    assert max_vertex_gap_m(read, compounds[:20], crs) < 1.0


def test_unknown_systems_and_metres_declared_as_degrees_are_refused(tmp_path, chengdu):
    _, crs, _, compounds = chengdu
    path = write_layer(tmp_path / "c.geojson", compounds[:3])
    with pytest.raises(InputDataError, match="unknown coordinate system 'baidu-mercator'"):
        read_blocks_file(path, crs, system="baidu-mercator")
    with pytest.raises(InputDataError, match="not a known EPSG code"):
        read_blocks_file(path, crs, system="EPSG:999999")
    metres = write_layer(tmp_path / "m.geojson", transform_geometries(compounds[:3], WGS84, crs), crs=None)
    with pytest.raises(InputDataError, match=r"look like projected metres\. It was declared gcj02, .* EPSG:CODE"):
        read_blocks_file(metres, crs, system="gcj02")
    with pytest.raises(InputDataError, match=r"look like projected metres\. Declare"):
        read_blocks_file(metres, crs)


# -- census polygons, study areas, closures --------------------------------------------------------------------------


def street_districts(osm, crs: str, size_m: float = 600.0) -> np.ndarray:
    """Census-like districts: street blocks merged on a 600 m grid (outlines along streets), in WGS-84."""
    blocks, _ = blocks_from_osm(osm, crs, load_preset("gb50180_2018"))
    street = blocks[blocks.get("origin", "street") != "landuse"] if "origin" in blocks else blocks
    inner = shapely.point_on_surface(street.geometry.to_numpy())
    cell = np.floor(shapely.get_x(inner) / size_m) * 1000 + np.floor(shapely.get_y(inner) / size_m)
    merged = street.geometry.groupby(cell).agg(lambda g: shapely.union_all(g.to_numpy())).to_numpy()
    return transform_geometries(np.array([g for g in merged if g.geom_type == "Polygon"], dtype=object), crs, WGS84)


def test_census_polygons_in_gcj02_are_caught_and_read_back(tmp_path, chengdu):
    osm, crs, reference, _ = chengdu
    districts = street_districts(osm, crs)
    districts = districts[shapely.is_valid(districts)]  # an invalid one is repaired on reading: its vertices change
    assert len(districts) >= 10
    path = write_layer(tmp_path / "census.geojson", to_web_map(districts, "gcj02"), 人口=np.full(len(districts), 5000))
    wrong, declared = read_census_layer(path, None, crs)
    offset = check_layer_offset(wrong.geometry, declared, reference, "census file", min_features=3)
    assert declared == "wgs84" and offset["suggested"] == "gcj02", offset
    right, declared = read_census_layer(path, None, crs, "gcj02")
    assert declared == "gcj02"
    assert max_vertex_gap_m(right.to_crs(WGS84).geometry.to_numpy(), districts, crs) < 1.0
    assert right["census_population"].sum() == 5000 * len(districts)


def test_a_raster_refuses_gcj02(tmp_path):
    blocks = gpd.GeoDataFrame({"population": [1.0]}, geometry=[shapely.box(0, 0, 10, 10)], crs="EPSG:32648")
    sources = CountedSources(raster=tmp_path / "pop.tif", system="gcj02")
    with pytest.raises(InputDataError, match="cannot be declared gcj02: a grid of cells cannot be shifted back"):
        count_residents(blocks, sources, load_preset("gb50180_2018"), "EPSG:32648", {})


def test_a_study_area_drawn_on_baidu_is_read_back_and_checked(tmp_path, chengdu):
    osm, crs, reference, _ = chengdu
    districts = street_districts(osm, crs)
    outline = shapely.union_all(districts[:12])  # an area drawn along streets
    path = write_layer(tmp_path / "area.geojson", to_web_map(np.array([outline], dtype=object), "bd09"))
    area = read_area_file(path, "bd09")
    assert area.declared_system == "bd09"
    assert max_vertex_gap_m(np.array([area.geometry]), np.array([shapely.union_all([outline])]), crs) < 1.0
    assert check_area_offset(area, reference)["offset_check"]["suggested"] is None
    wrong = check_area_offset(read_area_file(path), reference)
    assert wrong["declared_crs"] == "wgs84" and wrong["offset_check"]["suggested"] == "bd09", wrong
    with pytest.raises(AreaError, match="unknown coordinate system"):
        read_area_file(path, "mars")


def crossing_lines(count: int) -> tuple[object, np.ndarray]:
    """A 3 km street grid in Chengdu (UTM 48N, 100 m squares), and ``count`` 30 m lines across its streets (WGS-84)."""
    size = 30
    x0, y0 = 405000.0, 3393000.0
    xy = [(x0 + 100 * i, y0 + 100 * j) for j in range(size) for i in range(size)]
    segments = [(j * size + i, j * size + i + 1) for j in range(size) for i in range(size - 1)]
    segments += [(j * size + i, (j + 1) * size + i) for j in range(size - 1) for i in range(size)]
    network = make_network(xy, segments)
    lines = [
        shapely.LineString(
            [
                (x0 + 1050 + 100 * (k % 8), y0 + 1085 + 100 * (k // 8)),
                (x0 + 1050 + 100 * (k % 8), y0 + 1115 + 100 * (k // 8)),
            ]
        )
        for k in range(count)
    ]
    return network, transform_geometries(np.array(lines, dtype=object), "EPSG:32648", WGS84)


def test_closures_drawn_on_amap_are_read_back_and_checked(tmp_path):
    network, lines = crossing_lines(24)
    path = write_layer(tmp_path / "closures.geojson", to_web_map(lines, "gcj02"))
    frame, declared = read_closure_layer(path, "gcj02")
    assert declared == "gcj02"
    assert max_vertex_gap_m(frame.geometry.to_numpy(), lines, "EPSG:32648") < 1.0
    geojson = read_closures(path, "gcj02")
    assert len(geojson) == 24 and geojson[0]["type"] == "LineString"
    assert check_closures_offset(frame, declared, network)["suggested"] is None
    wrong, declared = read_closure_layer(path)
    offset = check_closures_offset(wrong, declared, network)
    assert offset["suggested"] == "gcj02" and offset["median_m"]["gcj02"] == 0.0, offset

    few = write_layer(tmp_path / "few.geojson", to_web_map(lines[:3], "gcj02"))
    offset = check_closures_offset(*read_closure_layer(few), network)
    assert offset["suggested"] is None and offset["message"].startswith("offset check skipped: only 3 of the 3")


def test_whatif_warns_about_gcj02_closures_declared_wgs84(tmp_path, capsys):
    from circle.cli.whatif import closures

    network, lines = crossing_lines(24)
    path = write_layer(tmp_path / "closures.geojson", to_web_map(lines, "gcj02"))

    class Args:
        close, close_steps, close_crs = [str(path)], None, "wgs84"

    changes = closures(Args(), network)
    assert len(changes) == 24
    assert "[--close-crs gcj02]" in capsys.readouterr().err
    Args.close_crs = "gcj02"
    closures(Args(), network)
    assert "WARNING" not in capsys.readouterr().err


# -- end to end ------------------------------------------------------------------------------------------------------


def test_analyze_reads_gcj02_blocks_and_warns_when_they_are_declared_wgs84(tmp_path, capsys):
    osm = read_osm(EMBEDDED, load_preset("gb50180_2018"), (104.055, 30.655, 104.085, 30.685))
    crs = utm_crs_for(104.07, 30.67)
    compounds = redrawn(osm.residential.geometry.to_numpy(), crs)
    path = write_layer(
        tmp_path / "amap.geojson", to_web_map(compounds, "gcj02"), name=[f"c{i}" for i in range(len(compounds))]
    )
    census = write_layer(tmp_path / "census.geojson", to_web_map(compounds, "gcj02"), 人口=np.full(len(compounds), 800))
    bbox = "104.062,30.662,104.078,30.678"
    out = tmp_path / "study"
    argv = ["analyze", "--bbox", bbox, "--blocks", str(path), "--out", str(out), "--quiet"]
    argv += ["--population", str(census), "--population-crs", "gcj02"]
    assert main([*argv, "--blocks-crs", "gcj02"]) == 0
    printed = capsys.readouterr()
    assert "WARNING" not in printed.err
    imports = Study.open(out).summary.imports
    assert imports.blocks["declared_crs"] == "gcj02" and imports.blocks["offset_check"]["suggested"] is None
    assert "amap.geojson (gcj02): offset check: read as gcj02" in printed.out
    assert imports.census["declared_crs"] == "gcj02" and imports.census["offset_check"]["suggested"] is None
    assert imports.census["blocks_outside_census"] == 0  # every compound lies in its census polygon

    assert main([*argv, "--blocks-crs", "wgs84", "--overwrite"]) == 0
    printed = capsys.readouterr()
    assert "read as wgs84" in printed.err and "[--blocks-crs gcj02]" in printed.err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["imports"]["blocks"]["offset_check"]["suggested"] == "gcj02"


# -- the app -----------------------------------------------------------------------------------------------------------


def test_the_app_offers_the_four_systems_and_says_which_map_uses_which():
    from streamlit.testing.v1 import AppTest

    def script():
        import streamlit as st

        from circle.ui.widgets import layer_system_choice

        st.write(f"chosen={layer_system_choice('zh', '普查面坐标系', 'census_crs')}")

    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    radio = at.radio(key="census_crs")
    assert radio.options == [
        "WGS-84（GPS、OpenStreetMap、多数 GIS 文件）",
        "GCJ-02（高德、腾讯地图）",
        "BD-09（百度地图）",
        "EPSG 代码（投影坐标等）",
    ]
    assert at.markdown[-1].value == "chosen=wgs84"
    radio.set_value("bd09").run()
    assert at.markdown[-1].value == "chosen=bd09"
    at.radio(key="census_crs").set_value("epsg").run()
    at.text_input(key="census_crs_code").input("4547").run()
    assert not at.exception and at.markdown[-1].value == "chosen=EPSG:4547"


@pytest.mark.parametrize(
    ("code", "kind"),
    [("EPSG:5773", "gives heights"), ("EPSG:4326+5773", "gives heights"), ("EPSG:4978", "is geocentric")],
)
def test_a_system_that_places_nothing_on_a_map_is_refused(code, kind, tmp_path):
    """A vertical, compound or geocentric CRS put a point at lon 3,385,690, or every vertex on one spot."""
    from circle.errors import CircleError
    from circle.sources.layer_systems import parse_system
    from circle.sources.tables import FacilityTableSpec, read_facility_table
    from circle.standards import load_preset

    with pytest.raises(CircleError, match=kind):
        parse_system(code)
    table = tmp_path / "x.csv"
    table.write_text("name,category,x,y\n甲,clinic,500000,3400000\n", encoding="utf-8")
    with pytest.raises(CircleError, match=kind):
        read_facility_table(FacilityTableSpec(table, system=code), load_preset())


def test_a_self_intersecting_polygon_is_repaired_not_a_traceback(tmp_path):
    """A bow-tie 社区 outline stopped a whole run with GEOS's "side location conflict"; it is made valid (two
    triangles, the same area) and the repair said."""
    import json

    from circle.errors import InputDataError
    from circle.sources.admin_file import read_admin_file
    from circle.sources.vector import read_polygons

    west, south, east, north = 104.056, 30.656, 104.075, 30.667
    bow = [[west, south], [east, north], [east, south], [west, north], [west, south]]
    path = tmp_path / "bow.geojson"
    feature = {
        "type": "Feature",
        "properties": {"名称": "玉林社区"},
        "geometry": {"type": "Polygon", "coordinates": [bow]},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    frame = read_polygons(path, "census file", InputDataError)
    assert frame.geometry.is_valid.all() and frame.geometry.iloc[0].geom_type == "MultiPolygon"
    assert "1 self-intersecting" in frame.attrs["repaired"]
    areas = read_admin_file(path, None, None, "EPSG:32648")
    assert areas.geometry.is_valid.all() and areas["name"].tolist() == ["玉林社区"]
