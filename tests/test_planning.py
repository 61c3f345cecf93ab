"""E2SFCA, MCLP, scenarios and suggestions on hand-made networks and towns."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest

from circle.analysis.suggest import Coverage, exact_mclp, greedy_mclp
from circle.analysis.supply import e2sfca
from circle.cli import main
from circle.engine import PreparedOrigins
from circle.errors import CircleError
from circle.study.scenarios import Change, check_name
from tests.conftest import make_access, make_network
from tests.osm_builder import small_town, to_lonlat


def test_e2sfca_by_hand():
    # a line 0─1─2─3 with 300 s per segment; blocks at nodes 0 (100 people) and 3 (50 people);
    # facility F (capacity 30) at node 1, facility G (capacity 10) at node 3.
    network = make_network([(0, 0), (300, 0), (600, 0), (900, 0)], [(0, 1), (1, 2), (2, 3)])
    origins = PreparedOrigins.build(make_access([(0, 0, 0.0), (1, 3, 0.0)]), 2, 4)
    accessibility, facilities = e2sfca(
        network,
        origins,
        np.array([100.0, 50.0]),
        [make_access([(0, 1, 0.0)]), make_access([(0, 3, 0.0)])],
        np.array([30.0, 10.0]),
        [5, 10, 15],
        [1.0, 0.68, 0.22],
    )
    # F: block 0 at 300 s (band 1, w = 1), block 3 at 600 s (band 2, w = 0.68) → demand 100 + 34 = 134
    # G: block 3 at 0 s (w = 1), block 0 at 900 s (band 3, w = 0.22) → demand 50 + 22 = 72
    assert facilities["weighted_demand"].tolist() == pytest.approx([134.0, 72.0])
    r_f, r_g = 30 / 134, 10 / 72
    assert facilities["ratio"].tolist() == pytest.approx([r_f, r_g])
    assert accessibility.tolist() == pytest.approx([r_f * 1.0 + r_g * 0.22, r_f * 0.68 + r_g * 1.0])


def test_greedy_mclp_against_the_exact_optimum():
    # the classic case where greedy is not optimal: the big middle candidate overlaps both others
    coverage = Coverage(np.array([0, 2, 5, 7]), np.array([0, 1, 1, 2, 3, 3, 4]), np.array([4.0, 3.0, 3.0, 3.0, 4.0]))
    chosen, best = exact_mclp(coverage, 2)
    assert sorted(chosen) == [0, 2] and best == pytest.approx(14.0)
    greedy = greedy_mclp(coverage, 2)
    assert greedy[0] == (1, 9.0)
    total = sum(g for _, g in greedy)
    assert total == pytest.approx(13.0)
    assert (best - total) / best == pytest.approx(1 / 14)  # the optimality gap, reported in the closing note


def test_greedy_matches_exact_on_random_small_cases():
    rng = np.random.default_rng(0)
    gaps = []
    for _ in range(30):
        n_blocks, n_candidates = 12, 8
        parts = [np.sort(rng.choice(n_blocks, size=rng.integers(1, 5), replace=False)) for _ in range(n_candidates)]
        ptr = np.concatenate([[0], np.cumsum([len(p) for p in parts])])
        coverage = Coverage(ptr, np.concatenate(parts), rng.uniform(1, 100, n_blocks))
        _, best = exact_mclp(coverage, 3)
        greedy = sum(g for _, g in greedy_mclp(coverage, 3))
        assert greedy <= best + 1e-6
        assert greedy >= (1 - 1 / np.e) * best - 1e-6
        gaps.append((best - greedy) / best)
    assert np.mean(gaps) < 0.05


@pytest.fixture
def town_study(tmp_path):
    from circle.pipeline import AnalysisOptions, analyze

    return analyze(AnalysisOptions(source=small_town(tmp_path / "town.osm"), out=tmp_path / "study")).path


def test_score_command_writes_scores_and_summary(town_study, capsys):
    assert main(["score", "--study", str(town_study)]) == 0
    scores = gpd.pd.read_parquet(town_study / "scores.parquet")
    assert {"pass_clinic", "tier_met", "score", "band_en", "priority", "reasons_zh", "missing_en"} <= set(scores)
    summary = json.loads((town_study / "summary.json").read_text())["scores"]
    assert summary["population"] == pytest.approx(400, rel=0.01)
    assert "kindergarten" in summary["not_mapped"]
    assert summary["supply"]["categories"]["clinic"] == "no facility has a known capacity: E2SFCA not computed"
    assert (town_study / "renewal_areas.parquet").is_file()


def test_whatif_add_remove_move_and_saved_scenarios(town_study, capsys):
    lon, lat = to_lonlat(300, 0.5)
    assert main(["whatif", "--study", str(town_study), "--add", f"clinic:{lat},{lon}", "--name", "near"]) == 0
    scenario = json.loads((town_study / "scenarios" / "near" / "scenario.json").read_text())
    # the block's corner (300, 10) is 10 m + 0.5 m from the new clinic: now within 300 m… and within 1000 m already
    blocks = gpd.pd.read_parquet(town_study / "scenarios" / "near" / "blocks.parquet")
    assert blocks["clinic_t1"].iloc[0] == pytest.approx(10.5 / 1.1 / 60, abs=0.05)
    assert blocks["clinic_id1"].iloc[0] == "clinic:new1"
    assert scenario["diff"]["blocks_updated"]["clinic"] == 1
    import getpass

    assert scenario["author"] == f"cli:{getpass.getuser()}"  # who saved it, as the app shows it
    clinic = gpd.read_parquet(town_study / "facilities.parquet").query("category == 'clinic'")["facility_id"].iloc[0]
    assert main(["whatif", "--study", str(town_study), "--remove", clinic, "--name", "no-clinic"]) == 0
    gone = json.loads((town_study / "scenarios" / "no-clinic" / "scenario.json").read_text())
    assert gone["diff"]["categories"]["clinic"]["losing_service"] == pytest.approx(400, rel=0.01)
    blocks = gpd.pd.read_parquet(town_study / "scenarios" / "no-clinic" / "blocks.parquet")
    assert np.isnan(blocks["clinic_t1"].iloc[0]) and blocks["clinic_n15"].iloc[0] == 0
    assert main(["whatif", "--study", str(town_study), "--move", f"{clinic}@{lat},{lon}", "--name", "moved"]) == 0
    moved = gpd.pd.read_parquet(town_study / "scenarios" / "moved" / "blocks.parquet")
    assert moved["clinic_t1"].iloc[0] == pytest.approx(10.5 / 1.1 / 60, abs=0.05)
    assert moved["clinic_n15"].iloc[0] == 1
    assert main(["whatif", "--study", str(town_study), "--list"]) == 0
    listed = capsys.readouterr().out
    assert "near:" in listed and "no-clinic:" in listed and "moved:" in listed
    assert f"by cli:{getpass.getuser()}" in listed
    assert main(["whatif", "--study", str(town_study), "--delete", "near"]) == 0
    assert not (town_study / "scenarios" / "near").exists()


def test_first_facility_of_an_unmapped_category_counts(town_study):
    from circle.study import Study
    from circle.tasks.whatif import what_if

    lon, lat = to_lonlat(200, 5)  # on the street beside the compound; the town has no kindergarten
    study = Study.open(town_study)
    scenario = what_if(study, [Change("add", category="kindergarten", lat=lat, lon=lon)])
    scenario.save("kg", None)
    diff = scenario.diff
    # the people a kindergarten serves: the compound's children aged 3–6 once the study has ages, else its 400
    counted = study.blocks["pop_age_3_6" if "pop_age_3_6" in study.blocks else "population"].sum()
    assert counted == pytest.approx(400, rel=0.01) or counted < 400 * 0.1
    assert diff["categories"]["kindergarten"]["newly_served"] == pytest.approx(counted, rel=0.01)


def test_scenario_names_cannot_escape(town_study, capsys):
    for bad in ("../evil", "a/b", "", ".hidden"):
        with pytest.raises(CircleError):
            check_name(bad)
    code = main(["whatif", "--study", str(town_study), "--add", "clinic:1,2", "--name", "../../x"])
    assert code == 2
    assert not (town_study.parent / "x").exists()


def test_removal_equals_full_recomputation_on_chengdu(chengdu_pbf, tmp_path):
    from circle.analysis.saved_reach import blocks_with_reach, scenario_engine
    from circle.pipeline import AnalysisOptions, analyze
    from circle.study import Study

    study = Study.open(analyze(AnalysisOptions(source=chengdu_pbf, out=tmp_path / "base")).path)
    facilities = study.facilities
    removed = facilities.query("category == 'clinic'")["facility_id"].iloc[[0, 5]].tolist()
    engine = scenario_engine(study)
    engine.apply([Change("remove", facility_id=f) for f in removed])
    scenario = blocks_with_reach(study, engine)
    # the same study recomputed from scratch without those clinics
    from circle.engine import get_backend
    from circle.pipeline import prepare_inputs

    inputs = prepare_inputs(AnalysisOptions(source=chengdu_pbf))
    keep = ~inputs.facilities["facility_id"].isin(removed).to_numpy()
    rows = keep[inputs.facility_access.owner]
    position = np.cumsum(keep) - 1
    inputs.facility_access = inputs.facility_access.take(np.flatnonzero(rows))
    inputs.facility_access.owner = position[inputs.facility_access.owner]
    inputs.facilities = inputs.facilities[keep].reset_index(drop=True)
    full = get_backend("labels").solve(inputs.problem())["clinic"]
    np.testing.assert_allclose(
        scenario[[f"clinic_t{r}" for r in (1, 2, 3)]].to_numpy() * 60, full.seconds, atol=1e-6, equal_nan=True
    )
    np.testing.assert_array_equal(scenario[["clinic_n5", "clinic_n10", "clinic_n15"]].to_numpy(), full.counts)


def test_suggestions_gain_equals_applying_them(tmp_path, chengdu_pbf):
    from circle.pipeline import AnalysisOptions, analyze
    from circle.study import Study
    from circle.tasks.suggest import suggest
    from circle.tasks.whatif import what_if

    study = Study.open(analyze(AnalysisOptions(source=chengdu_pbf, out=tmp_path / "base")).path)
    suggested = suggest(study, "kindergarten", 4)
    suggested.save()
    sites = suggested.sites
    assert len(sites) == 4 and (np.diff(sites["gain"]) <= 1e-9).all()
    changes = [Change("add", category="kindergarten", lat=r.lat, lon=r.lon) for r in sites.itertuples()]
    scenario = what_if(study, changes)
    scenario.save("suggested", None)
    diff = scenario.diff
    assert diff["categories"]["kindergarten"]["newly_served"] == pytest.approx(sites["gain"].sum(), abs=0.5)


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["walkscore", "bruno2024"])
def test_other_presets_analyse_and_score_chengdu(chengdu_pbf, tmp_path, preset):
    from circle.pipeline import AnalysisOptions, analyze
    from circle.study import Study
    from circle.tasks.score import score

    study = Study.open(analyze(AnalysisOptions(source=chengdu_pbf, out=tmp_path / preset, preset=preset)).path)
    if preset == "walkscore":
        assert "restaurants_t10" in study.blocks.columns  # k = 10 for the restaurant weights
    scored = score(study)
    scored.save()
    result = scored.result
    assert 0 <= result.scores["score"].min() <= result.scores["score"].max() <= 100
    assert 0 < result.summary.proximity_min <= 30
    assert 0 <= result.summary.gini_proximity < 1


def test_scoring_with_a_preset_the_study_lacks_is_refused(town_study):
    from circle.study import Study
    from circle.tasks.score import score

    with pytest.raises(CircleError, match="Analyse the study again with preset walkscore"):
        score(Study.open(town_study), "walkscore")


def test_sub_area_summary(town_study, tmp_path):
    import shapely

    corners = [to_lonlat(e, n) for e, n in [(0, 0), (400, 0), (400, 200), (0, 200)]]
    area = tmp_path / "district.geojson"
    gpd.GeoDataFrame({"name": ["d"]}, geometry=[shapely.Polygon(corners)], crs=4326).to_file(area)
    assert main(["score", "--study", str(town_study), "--area", str(area)]) == 0
    summary = json.loads((town_study / "summary.json").read_text())["scores"]
    assert summary["areas"]["district.geojson"]["blocks"] == 1
