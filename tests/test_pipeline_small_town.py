"""End to end on a hand-made town whose walking times can be worked out on paper.

The compound 西园小区 spans x = 100…300 m, y = 10…110 m, north of a street at
y = 0. Its nearest boundary point to everything east is its corner
(300, 10): 10 m to the street. At 1.1 m/s (standard profile):

- clinic node at (800, 0.5): 10 + 500 + 0.5 m = 510.5 m → 7.735 min
- school grounds 500…600 × −10…−110 ("小学"): 10 + 200 + 10 m = 220 m → 3.333 min
- library node at (1000, 0.5): 10 + 700 + 0.5 m = 710.5 m → 10.765 min
- park 1100…1200 × −10…−110: 10 + 800 + 10 m = 820 m → 12.424 min
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from circle.cli import main
from circle.pipeline import AnalysisOptions, analyze
from circle.standards import load_preset
from circle.study import FORMAT_VERSION, Study
from circle.study.columns import category_columns
from tests.osm_builder import small_town

SPEED = 1.1
TOLERANCE_MIN = 2.0 / 60.0  # 2 s: metre-level differences between the test's flat layout and UTM


@pytest.fixture(scope="module")
def town_study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("town")
    source = small_town(folder / "town.osm")
    result = analyze(AnalysisOptions(source=source, out=folder / "study", gpkg=True))
    return result


def test_block_times_match_paper(town_study):
    blocks = gpd.read_parquet(town_study.path / "blocks.parquet")
    assert len(blocks) == 1
    block = blocks.iloc[0]
    assert block["name"] == "西园小区"
    assert block["clinic_t1"] == pytest.approx(510.5 / SPEED / 60, abs=TOLERANCE_MIN)
    assert block["primary_school_t1"] == pytest.approx(220 / SPEED / 60, abs=TOLERANCE_MIN)
    assert block["culture_t1"] == pytest.approx(710.5 / SPEED / 60, abs=TOLERANCE_MIN)
    assert block["park_t1"] == pytest.approx(820 / SPEED / 60, abs=TOLERANCE_MIN)
    assert block["clinic_id1"].startswith("clinic:n")
    assert block["park_id1"].startswith("park:w")


def test_counts_match_paper(town_study):
    block = gpd.read_parquet(town_study.path / "blocks.parquet").iloc[0]
    assert (block["clinic_n5"], block["clinic_n10"], block["clinic_n15"]) == (0, 1, 1)
    assert (block["primary_school_n5"], block["primary_school_n10"]) == (1, 1)
    assert (block["culture_n10"], block["culture_n15"]) == (0, 1)
    assert (block["park_n10"], block["park_n15"]) == (0, 1)


def test_category_without_facility_is_empty_not_an_error(town_study):
    block = gpd.read_parquet(town_study.path / "blocks.parquet").iloc[0]
    # "Riverside 小学" is a primary school only; no kindergarten is mapped
    for category in ("kindergarten", "middle_school", "elderly_care"):
        assert np.isnan(block[f"{category}_t1"])
        assert block[f"{category}_n15"] == 0
        assert block[f"{category}_id1"] is None
    summary = json.loads((town_study.path / "summary.json").read_text())
    assert summary["counts"]["per_category"]["kindergarten"]["facilities"] == 0


def test_study_folder_has_every_documented_table_and_column(town_study):
    path = town_study.path
    preset = load_preset()
    blocks = gpd.read_parquet(path / "blocks.parquet")
    assert blocks.crs.to_epsg() == 4326
    expected = ["block_id", "name", "population", "pop_source", "geometry"]
    for category in preset.categories:
        expected += category_columns(category.key, 3, (5, 10, 15))
    assert set(expected) <= set(blocks.columns)
    facilities = gpd.read_parquet(path / "facilities.parquet")
    assert {"facility_id", "category", "name", "osm_id", "source", "geometry"} <= set(facilities.columns)
    assert facilities.crs.to_epsg() == 4326
    nodes = pd.read_parquet(path / "network" / "nodes.parquet")
    assert {"node", "x", "y", "lon", "lat"} <= set(nodes.columns)
    edges = pd.read_parquet(path / "network" / "edges.parquet")
    assert {"u", "v", "length_m", "seconds"} <= set(edges.columns)
    pairs = set(zip(edges["u"], edges["v"], strict=True))
    assert all((v, u) in pairs for u, v in pairs), "two-way walking lists both directions"
    for table, key in (("blocks", "block_id"), ("facilities", "facility_id")):
        access = pd.read_parquet(path / "access" / f"{table}.parquet")
        assert {key, "node", "seconds"} <= set(access.columns)
    layers = gpd.list_layers(path / "study.gpkg")["name"].tolist()
    assert sorted(layers) == ["blocks", "facilities"]


def test_summary_records_provenance(town_study):
    summary = json.loads((town_study.path / "summary.json").read_text())
    assert summary["format_version"] == FORMAT_VERSION
    assert len(summary["source"]["sha256"]) == 64
    assert summary["crs"] == "EPSG:32648"
    assert summary["profile"]["name"] == "standard"
    assert summary["preset"]["name"] == "gb50180_2018"
    assert summary["attribution"] == "© OpenStreetMap contributors (ODbL)"
    labels = {c["key"]: c["label"] for c in summary["categories"]}
    assert labels["clinic"]["zh"] and labels["clinic"]["en"]
    assert {"read", "blocks", "facilities", "network", "engine", "write", "total"} <= set(summary["timings_s"])
    assert summary["source"]["data_timestamp"] == "2024-05-01T00:00:00Z"
    assert "dropped_islands" in summary


def test_population_from_area_density(town_study):
    block = gpd.read_parquet(town_study.path / "blocks.parquet").iloc[0]
    # 200 m × 100 m = 0.02 km², no buildings mapped → 0.02 × 20 000 residents/km²
    assert block["pop_source"] == "area_density"
    assert block["population"] == pytest.approx(0.02 * 20_000, rel=0.01)


def test_motorway_and_foot_no_are_not_in_the_network(town_study):
    edges = pd.read_parquet(town_study.path / "network" / "edges.parquet")
    assert set(edges["highway"]) == {"residential"}


def test_names_from_data_are_kept_verbatim(town_study):
    facilities = gpd.read_parquet(town_study.path / "facilities.parquet")
    assert "<b>Reading</b> & Co" in facilities["name"].tolist()


def test_block_isochrone_contains_the_facilities_it_counts(town_study, tmp_path):
    out = tmp_path / "iso.geojson"
    block_id = gpd.read_parquet(town_study.path / "blocks.parquet")["block_id"].iloc[0]
    assert main(["isochrone", "--study", str(town_study.path), "--block", block_id, "--out", str(out)]) == 0
    bands = gpd.read_file(out)
    assert bands["minutes"].tolist() == [5, 10, 15]
    assert (bands["attribution"] == "© OpenStreetMap contributors (ODbL)").all()
    reach15 = bands.union_all()
    reach10 = bands[bands["minutes"] <= 10].union_all()
    study = Study.open(town_study.path)
    facilities = study.facilities.set_index("facility_id")
    for category, inside_10 in (
        ("clinic", True),
        ("culture", False),
        ("park", False),
        ("primary_school", True),
    ):
        point = facilities[facilities["category"] == category].geometry.iloc[0].representative_point()
        access = study.facility_access[study.facility_access["facility_id"].str.startswith(category)]
        points = gpd.points_from_xy(access["lon"], access["lat"])
        assert any(reach15.covers(p) for p in points), category
        assert any(reach10.covers(p) for p in points) is inside_10, category
        assert point is not None


def test_point_isochrone_from_lat_lon(town_study, tmp_path):
    from tests.osm_builder import to_lonlat

    lon, lat = to_lonlat(600, 5)
    out = tmp_path / "p.geojson"
    assert (
        main(
            [
                "isochrone",
                "--study",
                str(town_study.path),
                "--lat",
                str(lat),
                "--lon",
                str(lon),
                "--minutes",
                "2,4",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    bands = gpd.read_file(out).to_crs("EPSG:32648")
    # 2 minutes at 1.1 m/s = 132 m of street each way (less the 5 m to the street)
    street_reach = bands.union_all()
    origin_x = gpd.GeoSeries.from_xy([lon], [lat], crs=4326).to_crs("EPSG:32648").x.iloc[0]
    assert bands["minutes"].tolist() == [2, 4]
    assert bands.geometry.iloc[0].bounds[2] - origin_x == pytest.approx(132 - 5 + 25, abs=3)
    assert street_reach.area > bands.geometry.iloc[0].area


def test_mapped_entrances_are_the_only_way_in_and_out(tmp_path):
    source = small_town(tmp_path / "gated.osm", entrances=True)
    result = analyze(AnalysisOptions(source=source, out=tmp_path / "study"))
    block = gpd.read_parquet(result.path / "blocks.parquet").iloc[0]
    assert block["access_via"] == "entrances"
    assert block["access_points"] == 2  # one gate, snapped to both ends of its street segment
    # out through the gate (60 m to the street), 500 m east, 0.5 m to the clinic
    assert block["clinic_t1"] == pytest.approx(560.5 / SPEED / 60, abs=TOLERANCE_MIN)
    # …and into the park only through its east entrance: 60 + 900 + 60 m
    assert block["park_t1"] == pytest.approx(1020 / SPEED / 60, abs=TOLERANCE_MIN)
