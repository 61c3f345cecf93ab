"""Residents estimated without a census: figures and ranges on paper, the same wherever an area lies, real countries."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from circle.pipeline import AnalysisOptions, analyze
from circle.study import Study
from tests.conftest import shared_extract
from tests.osm_builder import OsmBuilder
from tests.test_sources_and_population import town_with_buildings

#: Monaco's residents at the 2016 census (IMSEE), within its own boundary (relation 1124039 of the extract).
MONACO_RESIDENTS_2016 = 37_308

#: Andorra's residents at the end of 2019 (Departament d'Estadística).
ANDORRA_RESIDENTS_2019 = 77_543


def test_each_estimated_block_has_a_range_worked_out_on_paper(tmp_path):
    result = analyze(AnalysisOptions(source=town_with_buildings(tmp_path / "b.osm"), out=tmp_path / "s"))
    blocks = gpd.read_parquet(result.path / "blocks.parquet").set_index("name")
    # China: 6 storeys untagged (3–11), 40 m² per person (30–50), 85 % of homes occupied (all for the high end).
    # A: 20·50 m × 10 tagged storeys = 10 000 m² (sure) + 20·50 m untagged = 6 000 (3 000–11 000)
    assert blocks.loc["A", "population"] == pytest.approx(16_000 * 0.85 / 40, rel=0.01)
    assert blocks.loc["A", "population_low"] == pytest.approx(13_000 * 0.85 / 50, rel=0.01)
    assert blocks.loc["A", "population_high"] == pytest.approx(21_000 / 30, rel=0.01)
    # B: 1 of 3 blocks around is well covered, so its 25 m² house (2 storeys) may be all there is, or
    # the land holds 1 ha × 20 000 per km²: the figure is the latter, the range spans both
    assert blocks.loc["B", "population"] == pytest.approx(200, rel=0.01)
    assert blocks.loc["B", "population_low"] == pytest.approx(50 * 0.85 / 50, abs=0.06)
    assert blocks.loc["B", "population_high"] == pytest.approx(200, rel=0.01)
    # C: no building at all: 0 to 200
    assert blocks.loc["C", "population_low"] == 0
    assert blocks.loc["C", "population_high"] == pytest.approx(200, rel=0.01)
    population = result.summary.population
    assert population["range"]["low"] == pytest.approx(blocks["population_low"].sum(), abs=0.2)
    assert population["range"]["high"] == pytest.approx(blocks["population_high"].sum(), abs=0.2)
    assert population["estimated_share"] == 1.0


def test_a_known_total_leaves_no_range_on_the_total(tmp_path):
    source = town_with_buildings(tmp_path / "b.osm")
    result = analyze(AnalysisOptions(source=source, out=tmp_path / "s", population_total=1000))
    population = result.summary.population
    assert population["range"] == {"low": pytest.approx(1000, abs=0.5), "high": pytest.approx(1000, abs=0.5)}
    assert population["estimated_share"] == 1.0


def _town_copies(path, offsets):
    """Copies of one town (a well-built compound, a sparse one, one with no building), ``offsets`` metres apart."""
    town = OsmBuilder()
    for dx, dy in offsets:
        town.way([town.node(dx + 100.0 * i, dy) for i in range(6)], highway="residential")
        for k, x0 in enumerate((0, 200, 400)):
            town.polygon(
                [(dx + x0, dy + 10), (dx + x0 + 100, dy + 10), (dx + x0 + 100, dy + 110), (dx + x0, dy + 110)],
                landuse="residential",
                name=f"{dx}-{k}",
            )
        box = [(dx + 10, dy + 20), (dx + 60, dy + 20), (dx + 60, dy + 70), (dx + 10, dy + 70)]
        town.polygon(box, building="apartments")
        town.polygon(
            [(dx + 210, dy + 20), (dx + 230, dy + 20), (dx + 230, dy + 30), (dx + 210, dy + 30)], building="yes"
        )
        town.node(dx + 300, dy + 0.5, amenity="clinic")
    return town.write(path)


def test_copies_of_an_area_side_by_side_get_the_same_residents(tmp_path):
    # 3.3 km and 7.1 km apart: a grid fixed to the CRS would judge the copies' building mapping in different
    # squares; the square centred on each block sees the same neighbours in every copy
    offsets = [(0, 0), (3_300, 700), (7_100, -1_900)]
    result = analyze(AnalysisOptions(source=_town_copies(tmp_path / "c.osm", offsets), out=tmp_path / "s"))
    blocks = gpd.read_parquet(result.path / "blocks.parquet")
    blocks["copy"] = blocks["name"].str.split("-").str[0]
    blocks["k"] = blocks["name"].str.split("-").str[1]
    table = blocks.pivot_table(index="k", columns="copy", values=["population", "population_low", "population_high"])
    for column in ("population", "population_low", "population_high"):
        values = table[column].to_numpy()
        assert values == pytest.approx(values[:, :1].repeat(values.shape[1], axis=1), rel=1e-3), column


@pytest.mark.slow
def test_monaco_within_its_own_boundary_is_near_its_census_without_one(tmp_path):
    from tests.monaco_area import monaco_boundary

    source = shared_extract("monaco_2016.osm.pbf")
    area = monaco_boundary(source, tmp_path / "monaco.geojson")
    study = Study.open(analyze(AnalysisOptions(source=source, out=tmp_path / "s", area_file=area)).path)
    residents = study.blocks["population"].sum()
    assert abs(residents / MONACO_RESIDENTS_2016 - 1) < 0.35, residents
    low, high = study.blocks["population_low"].sum(), study.blocks["population_high"].sum()
    assert low <= MONACO_RESIDENTS_2016 <= high


@pytest.mark.slow
def test_andorra_is_near_its_official_figure_and_inside_its_range(tmp_path):
    source = shared_extract("andorra_2020.osm.pbf")
    study = Study.open(analyze(AnalysisOptions(source=source, out=tmp_path / "s")).path)
    residents = study.blocks["population"].sum()
    assert abs(residents / ANDORRA_RESIDENTS_2019 - 1) < 0.35, residents
    assert (
        study.summary.population["range"]["low"] <= ANDORRA_RESIDENTS_2019 <= study.summary.population["range"]["high"]
    )


def test_window_sums_equal_brute_force_and_ignore_where_points_lie():
    """The O(n log n) sweep gives every pair count a brute force gives, ties and window edges included."""
    from circle.prepare.population._window_sums import window_sums

    rng = np.random.default_rng(27)
    # on a 10 m lattice many points share an x or a y, and many lie exactly on another's window edge
    x = rng.integers(0, 300, 2000) * 10.0
    y = rng.integers(0, 300, 2000) * 10.0
    weights = rng.uniform(0.0, 5.0, 2000)
    inside = (np.abs(x[:, None] - x[None, :]) <= 500.0) & (np.abs(y[:, None] - y[None, :]) <= 500.0)
    expected = inside.astype(float) @ weights
    np.testing.assert_allclose(window_sums(x, y, weights, 500.0), expected, rtol=1e-12, atol=1e-9)
    moved = window_sums(x + 123_456.0, y - 7_654_321.0, weights, 500.0)
    np.testing.assert_allclose(moved, expected, rtol=1e-12, atol=1e-9)
