"""Bad input ends in a one-paragraph message, a non-zero exit code, and nothing written."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from circle.cli import main
from tests.osm_builder import OsmBuilder, small_town, to_lonlat


@pytest.fixture
def town(tmp_path):
    return small_town(tmp_path / "town.osm")


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.err


def assert_clean_failure(code, err, *phrases):
    assert code == 2
    assert "Traceback" not in err
    assert "circle " in err
    message = err[err.index("circle ") :].replace("\n", " ")
    for phrase in phrases:
        assert phrase in message, err


def test_corrupt_file(tmp_path, capsys):
    bad = tmp_path / "broken.osm.pbf"
    good = small_town(tmp_path / "t.osm").read_bytes()
    bad.write_bytes(b"\x00\x00\x00\x0d\n\tOSMHeader" + good[:40])
    code, err = run(capsys, "analyze", bad, "--out", tmp_path / "s")
    assert_clean_failure(code, err, "could not be read", "download the extract again")
    assert not (tmp_path / "s").exists()


def test_truncated_xml(tmp_path, capsys, town):
    cut = tmp_path / "cut.osm"
    cut.write_bytes(town.read_bytes()[:-400])
    code, err = run(capsys, "analyze", cut, "--out", tmp_path / "s")
    assert_clean_failure(code, err, "truncated or damaged")


def test_empty_file(tmp_path, capsys):
    empty = tmp_path / "empty.osm.pbf"
    empty.write_bytes(b"")
    code, err = run(capsys, "analyze", empty, "--out", tmp_path / "s")
    assert_clean_failure(code, err, "is empty (0 bytes)")


def test_file_of_another_type(tmp_path, capsys):
    renamed = tmp_path / "photo.osm.pbf"
    renamed.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    code, err = run(capsys, "analyze", renamed, "--out", tmp_path / "s")
    assert_clean_failure(code, err, "neither an OpenStreetMap PBF nor an OSM XML")


def test_missing_file(tmp_path, capsys):
    code, err = run(capsys, "analyze", tmp_path / "nope.osm.pbf", "--out", tmp_path / "s")
    assert_clean_failure(code, err, "does not exist")


def test_bbox_outside_the_data(tmp_path, capsys, town):
    code, err = run(capsys, "analyze", town, "--out", tmp_path / "s", "--bbox", "2.0,41.0,2.1,41.1")
    assert_clean_failure(code, err, "lies outside the data", "which covers")


def test_bbox_with_latitude_and_longitude_swapped(tmp_path, capsys, town):
    code, err = run(capsys, "analyze", town, "--out", tmp_path / "s", "--bbox", "30.65,104.05,30.67,104.08")
    assert_clean_failure(code, err, "look swapped", "did you mean 104.05,30.65,104.08,30.67", "[--bbox]")


def test_bbox_swapped_but_in_range_is_caught_by_overlap(tmp_path, capsys, town):
    # lat/lon both < 90 elsewhere on earth: swapped order still misses the data; say so
    west, south = to_lonlat(0, -200)
    east, north = to_lonlat(1300, 300)
    src = OsmBuilder()
    src.way([src.node(0, 0), src.node(100, 0)], highway="footway")
    code, err = run(capsys, "analyze", town, "--out", tmp_path / "s", "--bbox", f"{south},{west},{north},{east}")
    assert code == 2
    assert "latitudes" in err or "outside the data" in err


def test_bbox_not_four_numbers(tmp_path, capsys, town):
    code, err = run(capsys, "analyze", town, "--out", tmp_path / "s", "--bbox", "104,30,105")
    assert_clean_failure(code, err, "is not four numbers")


def test_area_with_no_walkable_ways(tmp_path, capsys):
    town = OsmBuilder()
    town.polygon([(0, 0), (100, 0), (100, 100), (0, 100)], landuse="residential")
    town.way([town.node(0, 300), town.node(500, 300)], highway="motorway")
    source = town.write(tmp_path / "motorway_only.osm")
    code, err = run(capsys, "analyze", source, "--out", tmp_path / "s")
    assert_clean_failure(code, err, "no walkable ways")


def test_area_with_no_residential_blocks(tmp_path, capsys):
    town = OsmBuilder()
    town.way([town.node(0, 0), town.node(500, 0)], highway="footway")
    source = town.write(tmp_path / "no_blocks.osm")
    code, err = run(capsys, "analyze", source, "--out", tmp_path / "s")
    assert_clean_failure(code, err, "no residential blocks", "your own block polygons", "--blocks")


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")
def test_blocks_file_without_crs(tmp_path, capsys, town):
    lon, lat = to_lonlat(200, 60)
    frame = gpd.GeoDataFrame({"pop": [100]}, geometry=[shapely.Point(lon, lat).buffer(0.0003)], crs=None)
    blocks = tmp_path / "blocks.geojson"
    frame.to_file(blocks, driver="GeoJSON")
    text = blocks.read_text().replace('"crs"', '"_crs"')
    blocks.write_text(text)
    shp = tmp_path / "blocks.shp"
    frame.to_file(shp)  # a Shapefile without .prj has no CRS
    assert not (tmp_path / "blocks.prj").exists()
    code, err = run(capsys, "analyze", town, "--out", tmp_path / "s", "--blocks", shp)
    assert_clean_failure(code, err, "has no coordinate reference system", "Set CRS")


def test_blocks_file_with_swapped_coordinates(tmp_path, capsys, town):
    lon, lat = to_lonlat(200, 60)
    frame = gpd.GeoDataFrame({"pop": [100]}, geometry=[shapely.Point(lat, lon).buffer(0.0003)], crs=4326)
    blocks = tmp_path / "blocks.gpkg"
    frame.to_file(blocks)
    code, err = run(capsys, "analyze", town, "--out", tmp_path / "s", "--blocks", blocks)
    assert_clean_failure(code, err, "latitude and longitude look swapped")


def test_user_blocks_with_population_column(tmp_path, capsys, town):
    corners = [to_lonlat(e, n) for e, n in [(100, 10), (300, 10), (300, 110), (100, 110)]]
    frame = gpd.GeoDataFrame(
        {"code": ["A-1"], "label": ["东区"], "residents": [1234]},
        geometry=[shapely.Polygon(corners)],
        crs=4326,
    )
    blocks = tmp_path / "blocks.gpkg"
    frame.to_file(blocks)
    out = tmp_path / "s"
    code = main(
        [
            "analyze",
            str(town),
            "--out",
            str(out),
            "--blocks",
            str(blocks),
            "--block-id-column",
            "code",
            "--block-name-column",
            "label",
            "--population-column",
            "residents",
            "--quiet",
        ]
    )
    assert code == 0
    result = gpd.read_parquet(out / "blocks.parquet").iloc[0]
    assert (result["block_id"], result["name"], result["population"], result["pop_source"]) == (
        "A-1",
        "东区",
        1234,
        "user",
    )
    code, err = run(
        capsys, "analyze", town, "--out", tmp_path / "s2", "--blocks", blocks, "--population-column", "people"
    )
    assert_clean_failure(code, err, "no population column 'people'", "residents")


def test_output_folder_holding_other_files_is_refused_even_with_overwrite(tmp_path, capsys, town):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    for extra in ([], ["--overwrite"]):
        code, err = run(capsys, "analyze", town, "--out", out, *extra)
        assert_clean_failure(code, err, "not a circle study", "never deletes")
    assert (out / "thesis.docx").read_text() == "precious"


def test_existing_study_needs_overwrite_and_is_replaced_whole(tmp_path, capsys, town):
    out = tmp_path / "study"
    assert main(["analyze", str(town), "--out", str(out), "--quiet"]) == 0
    first = json.loads((out / "summary.json").read_text())["created"]
    code, err = run(capsys, "analyze", town, "--out", out)
    assert_clean_failure(code, err, "already holds a study", "--overwrite")
    assert main(["analyze", str(town), "--out", str(out), "--overwrite", "--profile", "elderly", "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["profile"]["name"] == "elderly"
    assert summary["created"] >= first
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".study") and p.name != ".study.lock"]
    assert leftovers == []


def test_failure_during_analysis_keeps_the_previous_study(tmp_path, capsys, town):
    out = tmp_path / "study"
    assert main(["analyze", str(town), "--out", str(out), "--quiet"]) == 0
    before = (out / "blocks.parquet").read_bytes()
    code, _ = run(capsys, "analyze", town, "--out", out, "--overwrite", "--bbox", "2.0,41.0,2.1,41.1")
    assert code == 2
    assert (out / "blocks.parquet").read_bytes() == before


def test_malformed_preset_names_the_bad_key(tmp_path, capsys, town):
    from importlib import resources

    text = (resources.files("circle.standards") / "gb50180_2018.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "mine.yaml"
    broken.write_text(text.replace("radius_m: {value: 300,", "radius_m: {value: three hundred,", 1), encoding="utf-8")
    code, err = run(capsys, "analyze", town, "--out", tmp_path / "s", "--preset", broken)
    assert_clean_failure(code, err, "kindergarten.radius_m.value")
    broken.write_text("name: [unclosed", encoding="utf-8")
    code, err = run(capsys, "analyze", town, "--out", tmp_path / "s", "--preset", broken)
    assert_clean_failure(code, err, "not valid YAML")


def test_isochrone_errors(tmp_path, capsys, town):
    out = tmp_path / "study"
    assert main(["analyze", str(town), "--out", str(out), "--quiet"]) == 0
    lon, lat = to_lonlat(600, 5)
    code, err = run(capsys, "isochrone", "--study", out, "--lat", lon, "--lon", lat, "--out", tmp_path / "i.geojson")
    assert_clean_failure(code, err, "not valid coordinates", "swapped")
    code, err = run(capsys, "isochrone", "--study", out, "--block", "nope", "--out", tmp_path / "i.geojson")
    assert_clean_failure(code, err, "has no block 'nope'")
    code, err = run(capsys, "isochrone", "--study", tmp_path, "--block", "x", "--out", tmp_path / "i.geojson")
    assert_clean_failure(code, err, "is not a circle study")
    far_lon, far_lat = to_lonlat(600, 2000)
    code, err = run(
        capsys,
        "isochrone",
        "--study",
        out,
        "--lat",
        far_lat,
        "--lon",
        far_lon,
        "--out",
        tmp_path / "i.geojson",
    )
    assert_clean_failure(code, err, "from any walkable way")
    assert not (tmp_path / "i.geojson").exists()
