"""Study areas from polygon files, building-based population, and the online source offline."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from circle.errors import OnlineSourceError
from circle.pipeline import AnalysisOptions, analyze
from tests.osm_builder import OsmBuilder, small_town, to_lonlat


def town_with_buildings(path):
    town = OsmBuilder()
    street = [town.node(100.0 * i, 0.0) for i in range(6)]
    town.way(street, highway="residential")
    town.node(400, 0.5, amenity="clinic")
    # compound A: 100 × 100 m, two apartment blocks of 20 × 50 m, 10 and 6 levels
    town.polygon([(0, 10), (100, 10), (100, 110), (0, 110)], landuse="residential", name="A")
    town.polygon([(10, 20), (30, 20), (30, 70), (10, 70)], building="apartments", building__levels="10")
    town.polygon([(50, 20), (70, 20), (70, 70), (50, 70)], building="apartments")
    # compound B: 100 × 100 m with one 5 × 5 m shed-sized house: footprints cover < 10 %
    town.polygon([(200, 10), (300, 10), (300, 110), (200, 110)], landuse="residential", name="B")
    town.polygon([(210, 20), (215, 20), (215, 25), (210, 25)], building="house", building__levels="2")
    # compound C: no building mapped. Only 1 of 3 compounds is well mapped, so
    # buildings are judged incomplete and B falls back to area × density.
    town.polygon([(400, 10), (500, 10), (500, 110), (400, 110)], landuse="residential", name="C")
    return town.write(path)


def test_population_from_floor_area_and_from_density(tmp_path):
    result = analyze(AnalysisOptions(source=town_with_buildings(tmp_path / "b.osm"), out=tmp_path / "s"))
    blocks = gpd.read_parquet(result.path / "blocks.parquet").set_index("name")
    # A: (20·50·10 + 20·50·6 default levels) m² × 0.85 occupied ÷ 40 m² per person = 16 000 · 0.85 / 40 = 340
    assert blocks.loc["A", "pop_source"] == "buildings"
    assert blocks.loc["A", "floor_area_m2"] == pytest.approx(16_000, rel=0.01)
    assert blocks.loc["A", "population"] == pytest.approx(340, rel=0.01)
    # B: 25 m² of 10 000 m² mapped → area × 20 000 per km² = 200
    assert blocks.loc["B", "pop_source"] == "area_density"
    assert blocks.loc["B", "population"] == pytest.approx(200, rel=0.01)
    assert result.summary.counts.blocks_by_pop_source == {"buildings": 1, "area_density": 2}


def test_sparse_block_counts_its_buildings_where_mapping_is_complete(tmp_path):
    town = OsmBuilder()
    town.way([town.node(100.0 * i, 0.0) for i in range(6)], highway="residential")
    # two densely built compounds and one sparse hillside estate: buildings are mapped everywhere
    for x0 in (0, 200):
        town.polygon([(x0, 10), (x0 + 100, 10), (x0 + 100, 110), (x0, 110)], landuse="residential")
        town.polygon([(x0 + 10, 20), (x0 + 60, 20), (x0 + 60, 70), (x0 + 10, 70)], building="apartments")
    town.polygon([(0, 200), (500, 200), (500, 700), (0, 700)], landuse="residential", name="hillside")
    town.polygon([(10, 210), (20, 210), (20, 220), (10, 220)], building="house", building__levels="2")
    result = analyze(AnalysisOptions(source=town.write(tmp_path / "h.osm"), out=tmp_path / "s"))
    blocks = gpd.read_parquet(result.path / "blocks.parquet")
    hillside = blocks[blocks["name"] == "hillside"]
    # 10 × 10 m × 2 levels × 0.85 ÷ 40 m² = 4.25 residents, not 0.25 km² × 20 000 = 5 000; the 25 ha estate is cut into
    # parts (over the 20 ha bound): the part holding the house holds all five, the empty ones are no blocks
    assert len(hillside) == 1 and hillside["pop_source"].iloc[0] == "buildings"
    assert hillside["population"].iloc[0] == pytest.approx(4.25, rel=0.03)
    assert hillside["parent_id"].iloc[0] != hillside["block_id"].iloc[0]
    assert hillside["area_m2"].iloc[0] <= 20e4


def test_area_polygon_file_limits_the_blocks(tmp_path):
    source = town_with_buildings(tmp_path / "b.osm")
    corners = [to_lonlat(e, n) for e, n in [(-20, -20), (150, -20), (150, 150), (-20, 150)]]
    area = tmp_path / "district.geojson"
    gpd.GeoDataFrame({"name": ["district"]}, geometry=[shapely.Polygon(corners)], crs=4326).to_file(area)
    result = analyze(AnalysisOptions(source=source, out=tmp_path / "s", area_file=area))
    blocks = gpd.read_parquet(result.path / "blocks.parquet")
    assert blocks["name"].tolist() == ["A"]
    # the clinic at x = 400 lies outside the district but still serves it
    assert blocks["clinic_t1"].notna().all()
    assert result.summary.study_area == "polygon district.geojson"


def test_bbox_and_area_together_are_refused(tmp_path):
    from circle.errors import AreaError

    with pytest.raises(AreaError, match="either a bounding box or a polygon file") as refused:
        analyze(
            AnalysisOptions(
                source=small_town(tmp_path / "t.osm"),
                out=tmp_path / "s",
                bbox="104,30,104.1,30.1",
                area_file=tmp_path / "x.gpkg",
            )
        )
    assert "--" not in str(refused.value), "a library error describes the data, not the command line's flags"
    assert refused.value.about == ("bbox", "area_file")


def test_the_cli_names_the_flags_a_library_error_is_about(tmp_path, capsys):
    from circle.cli import main

    source = small_town(tmp_path / "t.osm")
    code = main(
        ["analyze", str(source), "--out", str(tmp_path / "s"), "--bbox", "104,30,104.1,30.1", "--area", "x.gpkg"]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "either a bounding box or a polygon file, not both" in err and "[--bbox, --area]" in err


def test_place_name_without_internet_fails_with_advice(tmp_path, monkeypatch):
    import osmnx

    def offline(*args, **kwargs):
        raise ConnectionError("Failed to resolve 'nominatim': Temporary failure in name resolution")

    monkeypatch.setattr(osmnx, "geocode_to_gdf", offline)
    with pytest.raises(OnlineSourceError, match="could not reach the online OpenStreetMap services"):
        analyze(AnalysisOptions(place="Jinjiang District, Chengdu", out=tmp_path / "s"))
    assert not (tmp_path / "s").exists()
