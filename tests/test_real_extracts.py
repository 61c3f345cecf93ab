"""Real OpenStreetMap extracts from ../shared/data: plausibility and independent checks."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from circle.analysis.walks import block_isochrone
from circle.pipeline import AnalysisOptions, analyze
from circle.standards import load_preset
from circle.study import Study
from tests.reach_oracle import check_study

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chengdu_study(tmp_path_factory):
    from tests.conftest import shared_extract

    source = shared_extract("chengdu_central_2018.osm.pbf")
    out = tmp_path_factory.mktemp("chengdu") / "study"
    analyze(AnalysisOptions(source=source, out=out))
    return Study.open(out)


def test_chengdu_every_block_has_times_and_counts_for_every_category(chengdu_study):
    blocks = chengdu_study.blocks
    preset = load_preset()
    assert len(blocks) > 150
    for category in preset.categories:
        for column in (f"{category.key}_t1", f"{category.key}_n15", f"{category.key}_id1"):
            assert column in blocks.columns
        counts = blocks[f"{category.key}_n15"]
        assert (counts >= 0).all() and counts.dtype.kind == "i"
    # Names are Chinese, as mapped.
    assert blocks["name"].dropna().str.contains(r"[\u4e00-\u9fff]").any()


def test_chengdu_figures_are_plausible(chengdu_study):
    blocks = chengdu_study.blocks
    # Central Chengdu: most residents have a park and a school within 15 minutes' walk.
    for category in ("park", "primary_school", "food_market"):
        median = blocks[f"{category}_t1"].median()
        assert 1.0 < median < 15.0, (category, median)
    # times ascend, counts nest
    assert (blocks["clinic_t1"] <= blocks["clinic_t2"]).where(blocks["clinic_t2"].notna(), True).all()
    assert (blocks["park_n5"] <= blocks["park_n10"]).all() and (blocks["park_n10"] <= blocks["park_n15"]).all()
    density = blocks["population"].sum() / (blocks["area_m2"].sum() / 1e6)
    assert 5_000 < density < 60_000  # residents per km² of residential land
    # a block is unreachable only when no walkable way lies within the snapping limit (squares of loose
    # buildings at the extract's eastern edge, where the 2018 data maps buildings but not the streets)
    unreachable = blocks[~blocks["reachable"]]
    assert chengdu_study.summary.counts.blocks_unreachable == len(unreachable) <= 0.01 * len(blocks)
    assert (unreachable["access_points"] == 0).all()


def test_chengdu_times_match_an_independent_dijkstra(chengdu_study):
    rng = np.random.default_rng(7)
    ids = rng.choice(chengdu_study.blocks["block_id"].to_numpy(), size=25, replace=False)
    assert check_study(chengdu_study, ids) == 25 * len(chengdu_study.summary.categories) * 3


@pytest.mark.parametrize("engine", ["pandana", "csgraph"])
def test_chengdu_other_backends_agree_with_the_default(chengdu_study, tmp_path, engine):
    out = tmp_path / engine
    source = chengdu_study.summary.source.path
    analyze(AnalysisOptions(source=source, out=out, engine=engine))
    assert chengdu_study.summary.engine == "labels"
    other = Study.open(out).blocks.set_index("block_id")
    mine = chengdu_study.blocks.set_index("block_id")
    for category in chengdu_study.summary.category_keys:
        for rank in (1, 2, 3):
            column = f"{category}_t{rank}"
            a, b = mine[column], other[column]
            assert (a.isna() == b.isna()).all(), column
            assert ((a - b).abs().fillna(0) * 60 <= 1.0).all(), column
        for minutes in (5, 10, 15):
            column = f"{category}_n{minutes}"
            assert (mine[column] == other[column]).all(), column


def test_chengdu_xml_and_pbf_give_the_same_study(chengdu_study, tmp_path):
    from tests.conftest import shared_extract

    out = tmp_path / "xml"
    analyze(AnalysisOptions(source=shared_extract("chengdu_central_2018.osm"), out=out))
    xml = Study.open(out)
    assert len(xml.blocks) == len(chengdu_study.blocks)
    assert len(xml.facilities) == len(chengdu_study.facilities)
    merged = chengdu_study.blocks.merge(xml.blocks, on="block_id", suffixes=("", "_xml"))
    assert np.allclose(merged["park_t1"], merged["park_t1_xml"], equal_nan=True, atol=1e-6)


def test_chengdu_block_isochrone_contains_what_n15_counts(chengdu_study):
    blocks = chengdu_study.blocks
    rng = np.random.default_rng(3)
    sample = blocks[blocks["clinic_n15"] > 0].sample(8, random_state=rng)
    matrix_checked = 0
    for block_id in sample["block_id"]:
        reach = gpd.GeoSeries(block_isochrone(chengdu_study, block_id).geometry).union_all().buffer(1e-7)
        for category in ("clinic", "park", "primary_school", "culture"):
            counted = _counted_facilities(chengdu_study, block_id, category)
            for points in counted:
                assert any(reach.covers(p) for p in points), (block_id, category)
                matrix_checked += 1
    assert matrix_checked > 10


def _counted_facilities(study, block_id, category):
    from tests.reach_oracle import facility_times, network_matrix

    matrix = network_matrix(study.edges, len(study.nodes))
    access = study.block_access[study.block_access["block_id"] == block_id]
    ids = set(study.facilities.loc[study.facilities["category"] == category, "facility_id"])
    fac_access = study.facility_access[study.facility_access["facility_id"].isin(ids)]
    times = facility_times(matrix, access, fac_access, 900.0)
    row = study.blocks.set_index("block_id").loc[block_id]
    assert len(times) == row[f"{category}_n15"]
    rows = fac_access[fac_access["facility_id"].isin(times.index)]
    return [gpd.points_from_xy(g["lon"], g["lat"]) for _, g in rows.groupby("facility_id")]


def test_bbox_keeps_services_beyond_the_edge(chengdu_pbf, tmp_path):
    out = tmp_path / "core"
    analyze(AnalysisOptions(source=chengdu_pbf, out=out, bbox="104.07,30.66,104.09,30.68"))
    study = Study.open(out)
    inner = study.blocks.representative_point()
    assert inner.x.between(104.07, 104.09).all() and inner.y.between(30.66, 30.68).all()
    facilities = study.facilities.representative_point()
    outside = ~(facilities.x.between(104.07, 104.09) & facilities.y.between(30.66, 30.68))
    assert outside.any(), "facilities just beyond the box still serve its blocks"
    assert check_study(study, study.blocks["block_id"].head(5)) > 0


def test_elderly_profile_is_slower_than_standard(chengdu_pbf, chengdu_study, tmp_path):
    out = tmp_path / "elderly"
    analyze(AnalysisOptions(source=chengdu_pbf, out=out, profile="elderly"))
    elderly = Study.open(out).blocks.set_index("block_id")["park_t1"]
    standard = chengdu_study.blocks.set_index("block_id")["park_t1"]
    both = elderly.notna() & standard.notna()
    ratio = (elderly[both] / standard[both]).median()
    assert ratio == pytest.approx(1.1 / 0.8, rel=0.05)


def test_monaco_steps_are_slower_than_flat_ground(monaco_pbf, tmp_path):
    out = tmp_path / "monaco"
    analyze(AnalysisOptions(source=monaco_pbf, out=out))
    edges = pd.read_parquet(out / "network" / "edges.parquet")
    steps = edges[edges["highway"] == "steps"]
    flat = edges[edges["highway"] == "footway"]
    assert len(steps) > 1000
    assert np.allclose(steps["seconds"], steps["length_m"] / (1.1 * 0.5))
    assert np.allclose(flat["seconds"], flat["length_m"] / 1.1)


def test_aguascalientes_runs_and_checks_out(aguascalientes_pbf, tmp_path):
    out = tmp_path / "ags"
    analyze(AnalysisOptions(source=aguascalientes_pbf, out=out))
    study = Study.open(out)
    assert len(study.blocks) > 0
    assert check_study(study, study.blocks["block_id"].head(10)) > 0


@pytest.fixture(scope="module")
def andorra_study(tmp_path_factory):
    from tests.conftest import shared_extract

    out = tmp_path_factory.mktemp("andorra") / "study"
    analyze(AnalysisOptions(source=shared_extract("andorra_2020.osm.pbf"), out=out))
    return Study.open(out)


#: Andorra's residents at the end of 2019 (Departament d'Estadística, Govern d'Andorra).
ANDORRA_RESIDENTS_2019 = 77_543


def test_andorra_population_is_near_the_official_figure_without_a_census(andorra_study):
    residents = andorra_study.blocks["population"].sum()
    assert abs(residents / ANDORRA_RESIDENTS_2019 - 1) < 0.35, residents
    assert andorra_study.summary.parameters.region == "europe"


def test_andorra_with_the_known_total_matches_it(andorra_pbf, tmp_path):
    out = tmp_path / "scaled"
    analyze(AnalysisOptions(source=andorra_pbf, out=out, population_total=ANDORRA_RESIDENTS_2019))
    blocks = Study.open(out).blocks
    assert abs(blocks["population"].sum() / ANDORRA_RESIDENTS_2019 - 1) < 0.01
    assert set(blocks["pop_source"]) <= {"buildings_scaled", "area_density_scaled"}


def test_andorra_blocks_are_within_the_bound_and_parts_hold_their_parents_residents(andorra_study, andorra_pbf):
    from circle.prepare._block_split import span_m
    from circle.prepare.blocks import blocks_from_osm, estimate_population
    from circle.sources.osm import read_osm
    from circle.standards.regions import region_for

    blocks = andorra_study.blocks
    metric = blocks.to_crs(andorra_study.summary.crs)
    assert metric.area.max() <= 20e4 + 1.0
    assert span_m(metric.geometry.to_numpy()).max() <= 500.0 + 1.0
    # the valley of r2813720 (306 ha in one landuse=residential polygon) is now many blocks
    assert (blocks["parent_id"] == "r2813720").sum() > 20
    preset = region_for(1.52, 42.51).apply(load_preset())
    osm = read_osm(andorra_pbf, preset, None)
    whole, _ = blocks_from_osm(osm, andorra_study.summary.crs, preset)
    parents = estimate_population(whole, osm, preset).set_index("block_id")["population"]
    parts = blocks.groupby("parent_id")["population"].sum()
    assert np.allclose(parts.to_numpy(), parents.loc[parts.index].to_numpy(), rtol=1e-9, atol=0.05)


def test_andorra_times_match_an_independent_dijkstra(andorra_study):
    study = andorra_study
    assert study.summary.counts.network_nodes > 90_000
    ids = np.random.default_rng(11).choice(study.blocks["block_id"].to_numpy(), size=10, replace=False)
    assert check_study(study, ids) == 10 * len(study.summary.categories) * 3
