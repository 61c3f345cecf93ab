"""Data as Chinese cities hold it: GCJ-02/BD-09 facility lists, census counts, gated compounds, slopes and stairs.

Known point pairs come from the widely used public implementations of the
GCJ-02 and BD-09 formulas (the coordtransform family); hand-made towns give
walking times that can be checked on paper.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from circle.coords import (
    bd09_to_gcj02,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    to_wgs84,
    wgs84_to_gcj02,
)
from circle.errors import CircleError, InputDataError
from circle.pipeline import AnalysisOptions, analyze
from circle.prepare.population.census import allocate_census
from circle.prepare.terrain import segment_seconds, tobler_factor
from circle.sources.tables import FacilityTableSpec, parse_columns, read_facility_table
from circle.standards import load_preset, load_profile
from circle.standards.regions import region_for
from circle.study import Study
from tests.conftest import shared_extract
from tests.osm_builder import OsmBuilder, small_town, to_lonlat

METRES_PER_DEGREE = 111_320.0


def metres_apart(lon1, lat1, lon2, lat2) -> np.ndarray:
    dx = (np.asarray(lon1) - np.asarray(lon2)) * METRES_PER_DEGREE * np.cos(np.radians(lat1))
    dy = (np.asarray(lat1) - np.asarray(lat2)) * METRES_PER_DEGREE
    return np.hypot(dx, dy)


# -- coordinate systems ----------------------------------------------------------------------


def test_known_pairs_forward():
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert (float(lon), float(lat)) == pytest.approx((116.41024449916938, 39.91640428150164), abs=1e-9)
    lon, lat = gcj02_to_bd09(116.404, 39.915)
    assert (float(lon), float(lat)) == pytest.approx((116.41036949371029, 39.92133699351021), abs=1e-9)
    # a Shanghai triple (WGS-84 → GCJ-02 → BD-09) published with another implementation: within a metre
    gcj = wgs84_to_gcj02(121.0917077, 30.6107779)
    assert metres_apart(*gcj, 121.09626935575027, 30.608604331756705) < 1.0
    bd = gcj02_to_bd09(*gcj)
    assert metres_apart(*bd, 121.10271732371203, 30.61484572185035) < 1.0


def test_known_pairs_inverse_within_a_metre_of_the_published_approximations():
    # published one-step inverses are approximations; the exact inverse is within a metre of them
    assert metres_apart(*gcj02_to_wgs84(116.404, 39.915), 116.39775550083061, 39.91359571849836) < 1.0
    assert metres_apart(*bd09_to_gcj02(116.404, 39.915), 116.39762729119315, 39.90865673957631) < 1.0


def test_round_trips_across_china_to_well_under_a_metre():
    rng = np.random.default_rng(7)
    lon = rng.uniform(75, 134, 2000)
    lat = rng.uniform(18, 53, 2000)
    for system in ("gcj02", "bd09"):
        back = to_wgs84(*from_wgs84(lon, lat, system), system)
        assert metres_apart(*back, lon, lat).max() < 0.01, system
    shifted = metres_apart(*wgs84_to_gcj02(lon, lat), lon, lat)
    assert 50 < np.median(shifted) < 1000, "the GCJ-02 offset is hundreds of metres"


def test_points_outside_china_are_unchanged():
    lon = np.array([2.35, -74.0, 139.7, 105.0])
    lat = np.array([48.85, 40.7, 35.7, 60.0])  # Paris, New York, Tokyo, north of the box
    assert out_of_china(lon, lat).all()
    for system in ("gcj02", "bd09"):
        assert np.array_equal(np.stack(from_wgs84(lon, lat, system)), np.stack([lon, lat]))
        assert np.array_equal(np.stack(to_wgs84(lon, lat, system)), np.stack([lon, lat]))


def test_unknown_system_names_the_choices():
    with pytest.raises(CircleError, match=r"gcj02 .*bd09"):
        to_wgs84(1.0, 2.0, "mercator")


# -- facility tables ------------------------------------------------------------------------


def _table(path, rows, encoding="utf-8", header=("名称", "类别", "经度", "纬度", "床位")):
    frame = pd.DataFrame(rows, columns=list(header))
    if path.suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False, encoding=encoding)
    return path


def test_csv_in_gb18030_with_chinese_headers_and_labels(tmp_path):
    lon, lat = from_wgs84(104.0700, 30.6600, "gcj02")
    path = _table(tmp_path / "list.csv", [["锦江社区卫生服务中心", "社区卫生服务/诊所", lon, lat, "80"]], "gb18030")
    table = read_facility_table(FacilityTableSpec(path, "gcj02"), load_preset())
    assert table["category"].tolist() == ["clinic"]
    assert table["name"].tolist() == ["锦江社区卫生服务中心"]
    assert table["capacity"].tolist() == [80.0]
    point = table.geometry.iloc[0]
    assert metres_apart(point.x, point.y, 104.07, 30.66) < 1e-3


def test_excel_with_explicit_columns_and_category_keys(tmp_path):
    lon, lat = from_wgs84(104.08, 30.67, "bd09")
    path = _table(tmp_path / "list.xlsx", [["A 幼儿园", "kindergarten", lon, lat]], header=("n", "c", "x1", "y1"))
    spec = FacilityTableSpec(path, "bd09", columns=parse_columns("name=n,category=c,lon=x1,lat=y1"))
    table = read_facility_table(spec, load_preset())
    point = table.geometry.iloc[0]
    assert table["category"].tolist() == ["kindergarten"]
    assert metres_apart(point.x, point.y, 104.08, 30.67) < 1e-3


def test_projected_xy_in_an_epsg_crs(tmp_path):
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", "EPSG:4547", always_xy=True).transform(104.07, 30.66)
    path = _table(tmp_path / "xy.csv", [["站", "clinic", x, y]], header=("name", "category", "x", "y"))
    point = read_facility_table(FacilityTableSpec(path, "EPSG:4547"), load_preset()).geometry.iloc[0]
    assert metres_apart(point.x, point.y, 104.07, 30.66) < 0.01


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["x", "hospital-ish", 104.0, 30.0, ""]], "does not know: 'hospital-ish'"),
        ([["x", "clinic", "", 30.0, ""], ["y", "clinic", 104.0, "abc", ""]], "file lines 2, 3"),
        ([["x", "clinic", 30.66, 104.07, ""]], "swapped"),
        ([["x", "clinic", 500000.0, 3390000.0, ""]], "EPSG:CODE"),
    ],
)
def test_bad_tables_name_the_rows_and_the_fix(tmp_path, rows, message):
    path = _table(tmp_path / "bad.csv", rows)
    with pytest.raises(InputDataError, match=message):
        read_facility_table(FacilityTableSpec(path, "wgs84"), load_preset())


def test_files_that_are_not_tables(tmp_path):
    fake = tmp_path / "list.xlsx"
    fake.write_text("name,category\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="not one"):
        read_facility_table(FacilityTableSpec(fake), load_preset())
    binary = tmp_path / "list.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(InputDataError, match="binary"):
        read_facility_table(FacilityTableSpec(binary), load_preset())
    empty = tmp_path / "empty.csv"
    empty.write_text("名称,类别,经度,纬度\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="no rows"):
        read_facility_table(FacilityTableSpec(empty), load_preset())
    with pytest.raises(InputDataError, match="ROLE=COLUMN"):
        parse_columns("name:名称")


def test_imported_facilities_add_or_replace_and_record_their_source(tmp_path):
    source = small_town(tmp_path / "town.osm")
    lon, lat = from_wgs84(*to_lonlat(300, 0.5), "gcj02")  # a clinic beside the compound, listed by AMap
    table = _table(tmp_path / "clinics.csv", [["新诊所", "clinic", float(lon), float(lat), "30"]])
    added = Study.open(
        analyze(
            AnalysisOptions(source=source, out=tmp_path / "add", facilities_file=table, facilities_crs="gcj02")
        ).path
    )
    clinics = added.facilities[added.facilities["category"] == "clinic"]
    assert sorted(clinics["source"]) == ["import:clinics.csv", "osm"]
    assert clinics.loc[clinics["source"] != "osm", "capacity"].tolist() == [30.0]
    imported = clinics[clinics["source"] != "osm"].to_crs(added.crs).geometry.iloc[0]
    expected = gpd.GeoSeries(shapely.points([to_lonlat(300, 0.5)]), crs=4326).to_crs(added.crs).iloc[0]
    assert imported.distance(expected) < 0.01
    # the compound's nearest clinic is now the imported one, a few metres away instead of 500 m
    assert added.blocks["clinic_id1"].iloc[0] == "clinic:x2"
    assert added.blocks["clinic_t1"].iloc[0] < 1.5
    replaced = Study.open(
        analyze(
            AnalysisOptions(
                source=source,
                out=tmp_path / "replace",
                facilities_file=table,
                facilities_crs="gcj02",
                facilities_mode="replace",
            )
        ).path
    )
    assert replaced.facilities.loc[replaced.facilities["category"] == "clinic", "source"].tolist() == [
        "import:clinics.csv"
    ]
    assert (replaced.facilities["category"] == "primary_school").sum() == 1, "other categories are untouched"
    report = replaced.summary.imports.facilities
    assert report["osm_facilities_replaced"] == 1 and report["mode"] == "replace"


@pytest.mark.slow
def test_chengdu_lists_in_gcj02_and_bd09_land_within_a_metre_and_a_mislabelled_one_is_caught(tmp_path):
    source = shared_extract("chengdu_central_2018.osm.pbf")
    base = Study.open(analyze(AnalysisOptions(source=source, out=tmp_path / "base")).path)
    osm = base.facilities[base.facilities["category"].isin(["clinic", "primary_school", "kindergarten"])]
    osm = osm.reset_index(drop=True)
    points = osm.geometry.representative_point()
    for system in ("gcj02", "bd09"):
        lon, lat = from_wgs84(points.x.to_numpy(), points.y.to_numpy(), system)
        rows = [[n, c, x, y, ""] for n, c, x, y in zip(osm["name"].fillna(""), osm["category"], lon, lat, strict=True)]
        table = _table(tmp_path / f"{system}.csv", rows, "gb18030")
        study = Study.open(
            analyze(
                AnalysisOptions(
                    source=source,
                    out=tmp_path / system,
                    facilities_file=table,
                    facilities_crs=system,
                    facilities_mode="replace",
                )
            ).path
        )
        imported = study.facilities[study.facilities["source"] == f"import:{system}.csv"]
        row = imported["facility_id"].str.split(":x").str[1].astype(int).to_numpy() - 2
        error = metres_apart(
            imported.geometry.x, imported.geometry.y, points.x.to_numpy()[row], points.y.to_numpy()[row]
        )
        assert len(imported) == len(osm) and error.max() < 1.0, system
        check = study.summary.imports.facilities["offset_check"]
        assert check["suggested"] is None and check["median_m"][system] < 1.0
    wrong = Study.open(
        analyze(AnalysisOptions(source=source, out=tmp_path / "wrong", facilities_file=tmp_path / "gcj02.csv")).path
    )
    check = wrong.summary.imports.facilities["offset_check"]
    assert check["suggested"] == "gcj02"
    assert check["median_m"]["wgs84"] > 100 and "declared as gcj02" in check["message"]
    assert "--" not in check["message"], "the app shows this message: no command-line flags in it"


# -- census ------------------------------------------------------------------------------------


def test_census_totals_are_shared_by_floor_area_and_conserved_exactly():
    blocks = gpd.GeoDataFrame(
        {
            "population": [10.0, 10.0, 10.0],
            "pop_source": ["buildings", "area_density", "area_density"],
            "floor_area_m2": [1000.0, 0.0, 0.0],
        },
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(20, 0, 30, 50), shapely.box(100, 0, 110, 10)],
        crs="EPSG:32648",
    )
    census = gpd.GeoDataFrame(
        {"census_population": [1400.0, 77.0, 5.0], "census_id": [1, 2, 3]},
        geometry=[shapely.box(-1, -1, 40, 60), shapely.box(90, -1, 120, 20), shapely.box(500, 500, 600, 600)],
        crs="EPSG:32648",
    )
    out, report = allocate_census(blocks, census, region_for(104.06, 30.66).apply(load_preset()))
    # block 2 has no floor area: 500 m² × (20,000 people/km² × 40 m²) = 400 m² of floor → 1000 : 400
    assert out["population"].tolist() == pytest.approx([1000.0, 400.0, 77.0])
    assert out["pop_source"].tolist() == ["census", "census", "census"]
    assert report["allocated"] == pytest.approx(1477.0)
    assert report["polygons_without_blocks"] == 1 and report["population_without_blocks"] == 5.0


def test_a_block_cut_by_a_census_boundary_takes_a_share_from_each_side():
    blocks = gpd.GeoDataFrame(
        {"population": [1.0, 1.0], "pop_source": ["x", "x"], "floor_area_m2": [0.0, 0.0]},
        geometry=[shapely.box(0, 0, 100, 10), shapely.box(100, 0, 200, 10)],
        crs="EPSG:32648",
    )
    census = gpd.GeoDataFrame(
        {"census_population": [300.0, 100.0]},
        geometry=[shapely.box(0, 0, 50, 10), shapely.box(50, 0, 200, 10)],
        crs="EPSG:32648",
    )
    out, _ = allocate_census(blocks, census, region_for(104.06, 30.66).apply(load_preset()))
    # left polygon: all 300 to block 0; right polygon: 50 m² of block 0 against 100 of block 1 → 33.3 : 66.7
    assert out["population"].tolist() == pytest.approx([300 + 100 / 3, 200 / 3])
    assert out["population"].sum() == pytest.approx(400.0, abs=1e-9)


def test_census_file_through_the_pipeline(tmp_path):
    source = small_town(tmp_path / "town.osm")
    corners = [to_lonlat(e, n) for e, n in [(0, 0), (400, 0), (400, 150), (0, 150), (0, 0)]]
    census = tmp_path / "communities.geojson"
    census.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"常住人口": 1234},
                        "geometry": {"type": "Polygon", "coordinates": [corners]},
                    }
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    study = Study.open(analyze(AnalysisOptions(source=source, out=tmp_path / "s", census_file=census)).path)
    assert study.blocks["population"].tolist() == pytest.approx([1234.0])
    assert study.blocks["pop_source"].tolist() == ["census"]
    assert study.summary.imports.census["total"] == 1234.0
    bad = tmp_path / "bad.geojson"
    bad.write_text(census.read_text(encoding="utf-8").replace("1234", '"many"'), encoding="utf-8")
    with pytest.raises(InputDataError, match="non-negative numbers"):
        analyze(AnalysisOptions(source=source, out=tmp_path / "t", census_file=bad))


# -- gated compounds -----------------------------------------------------------------------------


def test_gates_can_be_switched_off_and_private_gates_serve_residents(tmp_path):
    gated = small_town(tmp_path / "gated.osm", entrances=True)
    text = gated.read_text(encoding="utf-8").replace(
        '<tag k="barrier" v="gate"/>', '<tag k="barrier" v="gate"/>\n    <tag k="access" v="private"/>'
    )
    gated.write_text(text, encoding="utf-8")
    through_gate = Study.open(analyze(AnalysisOptions(source=gated, out=tmp_path / "g")).path)
    block = through_gate.blocks.iloc[0]
    assert block["access_via"] == "entrances" and block["access_points"] == 2
    # a residents-only gate: out at (300, 60), 60 m to the street, 500 m east, 0.5 m to the clinic
    assert block["clinic_t1"] == pytest.approx((60 + 500 + 0.5) / 1.1 / 60, abs=0.01)
    anywhere = Study.open(analyze(AnalysisOptions(source=gated, out=tmp_path / "a", use_gates=False)).path)
    free = anywhere.blocks.iloc[0]
    assert free["access_via"] == "boundary" and free["access_points"] > 2
    # from the south-east corner: 10 m to the street, 500 m, 0.5 m
    assert free["clinic_t1"] == pytest.approx((10 + 500 + 0.5) / 1.1 / 60, abs=0.01)
    assert anywhere.summary.imports.gates.startswith("ignored")


# -- slopes and stairs ---------------------------------------------------------------------------


def test_tobler_is_normalised_to_the_flat_speed_and_fastest_slightly_downhill():
    assert tobler_factor(np.array([0.0]))[0] == pytest.approx(1.0)
    slopes = np.linspace(-0.5, 0.5, 1001)
    assert slopes[np.argmax(tobler_factor(slopes))] == pytest.approx(-0.05)
    # Tobler's own numbers: 6 km/h at −5 %, 5.04 km/h on the flat
    assert tobler_factor(np.array([-0.05]))[0] == pytest.approx(6.0 / (6 * math.exp(-3.5 * 0.05)))


def test_stairs_cost_their_climb_up_and_down():
    standard = load_profile("standard")
    up, down, counts = segment_seconds(
        np.array([30.0, 30.0, 30.0]),
        np.array([True, True, True]),
        standard,
        step_rise_m=np.array([3.3, 3.3, np.nan]),
        incline=np.array([np.inf, np.nan, np.nan]),
    )
    # flight 1 rises along a → b: 30 m at 1.1 m/s plus 3.3 m at 0.25 m/s up, 0.32 m/s down
    assert up[0] == pytest.approx(30 / 1.1 + 3.3 / 0.25) and down[0] == pytest.approx(30 / 1.1 + 3.3 / 0.32)
    # flight 2: direction unknown: the mean of both, each way
    assert up[1] == down[1] == pytest.approx(30 / 1.1 + 0.5 * (3.3 / 0.25 + 3.3 / 0.32))
    # flight 3: rise unknown: half the flat speed, as without tags
    assert up[2] == down[2] == pytest.approx(30 / 0.55)
    assert counts == {"steep_segments_closed": 0, "steps_with_rise": 2, "steps_without_rise": 1}
    wheel_up, wheel_down, _ = segment_seconds(np.array([30.0]), np.array([True]), load_profile("wheelchair"))
    assert np.isinf(wheel_up[0]) and np.isinf(wheel_down[0])


def _stairs_town(path):
    town = OsmBuilder()
    street = [town.node(100.0 * i, 0.0) for i in range(5)]
    town.way(street, highway="residential")
    flight = [street[2], town.node(200, 30), town.node(200, 60)]
    town.way(flight, highway="steps", step_count="40", incline="up")
    town.way([flight[-1], town.node(200, 90)], highway="footway")
    town.polygon([(150, 95), (250, 95), (250, 195), (150, 195)], landuse="residential", name="山顶小区")
    town.node(400, 0.5, amenity="clinic", name="山脚诊所")
    return town.write(path)


def test_step_count_sets_the_climb_of_a_real_flight(tmp_path):
    study = Study.open(analyze(AnalysisOptions(source=_stairs_town(tmp_path / "stairs.osm"), out=tmp_path / "s")).path)
    edges = study.edges[study.edges["highway"] == "steps"]
    nodes = study.nodes.set_index("node")
    going_down = nodes.loc[edges["u"], "y"].to_numpy() > nodes.loc[edges["v"], "y"].to_numpy()
    # 40 steps × 16.5 cm = 6.6 m over two 30 m segments: 3.3 m each
    assert edges.loc[going_down, "seconds"].to_numpy() == pytest.approx(30 / 1.1 + 3.3 / 0.32, rel=1e-3)
    assert edges.loc[~going_down, "seconds"].to_numpy() == pytest.approx(30 / 1.1 + 3.3 / 0.25, rel=1e-3)
    # residents walk down the stairs to the clinic: 5 m to the footway, 30 m, 60 m of stairs, 200 m of street
    expected_s = (5 + 30 + 0.5) / 1.1 + 2 * (30 / 1.1 + 3.3 / 0.32) + 200 / 1.1
    assert study.blocks["clinic_t1"].iloc[0] == pytest.approx(expected_s / 60, rel=1e-3)
    assert study.summary.terrain["steps_with_rise"] == 2


def _hill_dem(path, bounds_m=(-200, -300, 1500, 400), slope=0.1, cell_m=10.0):
    """A GeoTIFF (EPSG:4326) over the test towns whose height rises ``slope`` metres per metre east."""
    import rasterio
    from rasterio.transform import from_origin

    west, south, east, north = bounds_m
    columns, rows = int((east - west) / cell_m), int((north - south) / cell_m)
    lon0, lat1 = to_lonlat(west, north)
    lon1, lat0 = to_lonlat(east, south)
    x_centres = west + cell_m * (np.arange(columns) + 0.5)
    heights = np.tile(100.0 + slope * x_centres, (rows, 1)).astype("float32")
    transform = from_origin(lon0, lat1, (lon1 - lon0) / columns, (lat1 - lat0) / rows)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=rows,
        width=columns,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=transform,
        nodata=-9999.0,
    ) as target:
        target.write(heights, 1)
    return path


def test_a_synthetic_hill_slows_uphill_not_downhill_and_costs_coverage(tmp_path):
    source = small_town(tmp_path / "town.osm")
    dem = _hill_dem(tmp_path / "hill.tif")
    flat = Study.open(analyze(AnalysisOptions(source=source, out=tmp_path / "flat")).path)
    hill = Study.open(analyze(AnalysisOptions(source=source, out=tmp_path / "hill", dem_file=dem)).path)
    edges = hill.edges[hill.edges["highway"] == "residential"]
    x = hill.nodes.set_index("node")["x"]
    east = x.loc[edges["v"]].to_numpy() > x.loc[edges["u"]].to_numpy()
    length = edges["length_m"].to_numpy()
    # 10 % up eastwards: Tobler factor exp(−3.5·0.10) = 0.705; westwards −10 % is as fast as the flat
    assert edges["seconds"].to_numpy()[east] == pytest.approx(length[east] / (1.1 * math.exp(-0.35)), rel=2e-3)
    assert edges["seconds"].to_numpy()[~east] == pytest.approx(length[~east] / 1.1, rel=2e-3)
    # every facility lies east of (uphill from) the compound: every time grows, by at most 1/0.705
    for category in ("clinic", "primary_school", "park"):
        ratio = hill.blocks[f"{category}_t1"].iloc[0] / flat.blocks[f"{category}_t1"].iloc[0]
        assert 1.2 < ratio < 1 / math.exp(-0.35), category
    comparison = hill.summary.imports.terrain_vs_flat
    assert comparison["clinic"]["median_change_min"] > 0
    assert all(v["change_points"] <= 0 for v in comparison.values())
    # the clinic: 10 m of flat access, then 500 m of street uphill: 500/1.1 s × (1/0.705 − 1) more
    uphill_extra_min = 500 / 1.1 * (1 / math.exp(-0.35) - 1) / 60
    assert comparison["clinic"]["median_change_min"] == pytest.approx(uphill_extra_min, rel=5e-3)
    from circle.report import build_report

    report = build_report(hill, tmp_path / "hill.pdf", "en")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(report.path), "-"], capture_output=True, text=True, check=True).stdout
        assert "elevation model hill.tif" in " ".join(text.split())
    wheelchair = Study.open(
        analyze(AnalysisOptions(source=source, out=tmp_path / "wheel", dem_file=dem, profile="wheelchair")).path
    )
    assert wheelchair.summary.terrain["steep_segments_closed"] > 0
    assert np.isnan(wheelchair.blocks["clinic_t1"].iloc[0]), "a 10 % street is too steep for a wheelchair"


def test_dem_errors_are_clear(tmp_path):
    source = small_town(tmp_path / "town.osm")
    not_raster = tmp_path / "dem.tif"
    not_raster.write_text("hello", encoding="utf-8")
    with pytest.raises(InputDataError, match="GeoTIFF"):
        analyze(AnalysisOptions(source=source, out=tmp_path / "a", dem_file=not_raster))
    far = _hill_dem(tmp_path / "far.tif", bounds_m=(50_000, 50_000, 51_000, 51_000))
    with pytest.raises(InputDataError, match="does not cover"):
        analyze(AnalysisOptions(source=source, out=tmp_path / "b", dem_file=far))
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.slow
def test_monaco_stairs_lengthen_the_walk_and_bar_wheelchairs(tmp_path):
    source = shared_extract("monaco_2016.osm.pbf")
    runs = {
        name: Study.open(analyze(AnalysisOptions(source=source, out=tmp_path / name, profile=name)).path)
        for name in ("standard", "elderly", "wheelchair")
    }
    steps = runs["standard"].edges[runs["standard"].edges["highway"] == "steps"]
    assert len(steps) > 200
    assert (runs["wheelchair"].edges["highway"] == "steps").sum() == 0
    # at equal flat speed the wheelchair (0.9 m/s) would be 1.1/0.9 slower; without stairs it is slower still
    column = "clinic_t1"
    standard = runs["standard"].blocks[column].to_numpy()
    wheelchair = runs["wheelchair"].blocks[column].to_numpy()
    both = np.isfinite(standard) & np.isfinite(wheelchair)
    assert np.median(wheelchair[both] / standard[both]) >= 1.1 / 0.9 - 1e-9
    assert np.nanmedian(runs["elderly"].blocks[column]) > np.nanmedian(standard)
