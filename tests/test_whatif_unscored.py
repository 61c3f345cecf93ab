"""A what-if is scored as the study is: its baseline is ``circle score``'s, and a category the data
leaves unscored stays out of the score when a plan adds to it, told beside the score instead.

The hand-made town of :mod:`tests.test_resident_reports_analysis` maps clinics and one kindergarten
(both scored) and nothing else: parks, elderly care and the rest are "not mapped". Its blocks are
西苑 (x 30–230), 中苑 (270–470) and 东苑 (530–970) between streets along y = 0 and y = 300.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from circle.analysis.assess import study_preset
from circle.analysis.scoring import Assessment, unscored_changes
from circle.cli import main
from circle.pipeline import AnalysisOptions, analyze
from circle.study import Study
from circle.study.columns import pass_column, time_column
from circle.study.completeness import ABSENT, LIKELY_INCOMPLETE
from circle.study.files import SCENARIOS, SCORES
from circle.study.scenarios import Change
from circle.tasks.score import data_assessment, score
from circle.tasks.whatif import what_if
from tests.osm_builder import to_lonlat
from tests.test_resident_reports_analysis import block_of, two_community_town

HEADLINE = ("F15", "categories_within_15", "gini_proximity", "proximity_min", "mean_score")


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Study:
    folder = tmp_path_factory.mktemp("unscored_town")
    result = analyze(AnalysisOptions(source=two_community_town(folder / "town.osm"), out=folder / "studies" / "town"))
    return Study.open(result.path)


def add(category: str, east: float, north: float) -> Change:
    lon, lat = to_lonlat(east, north)
    return Change("add", category=category, lat=lat, lon=lon)


def test_the_town_scores_clinics_and_kindergartens_and_maps_no_park(town):
    assessment = data_assessment(town)
    assert assessment.assessable == ("kindergarten", "clinic")
    assert "park" in assessment.not_mapped and "elderly_care" in assessment.not_mapped


def test_a_park_added_where_none_is_mapped_is_told_beside_the_score_not_in_it(town):
    summary = score(town).result.summary
    plan = what_if(town, [add("park", 130, 0.5)])  # on the south street, at 西苑's door
    for measure in HEADLINE:
        # the baseline is circle score's, and a park outside the score moves none of its figures
        assert plan.diff[measure]["baseline"] == pytest.approx(getattr(summary, measure)), measure
        assert plan.diff[measure]["scenario"] == plan.diff[measure]["baseline"], measure
    entry = plan.diff["categories"]["park"]
    assert entry["scored"] is False and entry["verdict"] == ABSENT
    preset = study_preset(town)
    threshold_min = (
        Assessment.of(preset, town.summary.profile.speed, {"park": 1}).threshold_s(preset.category("park")) / 60.0
    )
    reached = plan.blocks[time_column("park", 1)].to_numpy(float) <= threshold_min + 1e-9
    assert entry["newly_served"] == pytest.approx(town.blocks["population"].to_numpy(float)[reached].sum(), abs=0.1)
    ids = town.blocks["block_id"].astype(str).to_numpy()
    assert block_of(town, (130, 150)) in ids[reached], "西苑 is within the park's walk"
    assert block_of(town, (750, 150)) not in ids[reached], "东苑 lies 400 m and more away"
    assert entry["newly_served"] > 0 and entry["losing_service"] == 0
    # scored as the study is: the scenario's scores have no park column to pass or fail
    assert pass_column("park") not in plan.scores.columns


def test_an_unscored_addition_leaves_the_headline_of_a_scored_one_as_it_was(town):
    kindergarten = add("kindergarten", 130, 0.5)
    alone = what_if(town, [kindergarten])
    with_park = what_if(town, [kindergarten, add("park", 130, 0.5), add("elderly_care", 800, 0.5)])
    for measure in HEADLINE:
        assert with_park.diff[measure] == alone.diff[measure], measure
    assert with_park.diff["categories"]["kindergarten"] == alone.diff["categories"]["kindergarten"]
    assert "scored" not in alone.diff["categories"]["kindergarten"]
    assert {k for k, v in with_park.diff["categories"].items() if v.get("scored") is False} == {"park", "elderly_care"}
    pd.testing.assert_frame_equal(with_park.scores, alone.scores)


def test_a_category_mapped_only_in_part_counts_the_mapped_ones_and_says_so():
    # on paper: a clinic reached in 4 min by block a (100 residents) and none by b (200); the plan adds one
    # 3 min from b and moves nothing for a; clinics are likely incompletely mapped in this study
    from circle.standards import load_preset
    from circle.study.completeness import CategoryCompleteness

    preset = load_preset("gb50180_2018")
    incomplete = CategoryCompleteness(LIKELY_INCOMPLETE, 1, 0, 0.1, 10.0, 0.5, 0.5, 0.5, ("unreached",))
    study = Assessment.of_completeness(preset, 1.0, {"clinic": incomplete})  # the others: none mapped
    planned = Assessment.of(preset, 1.0, {"clinic": 2})
    before = pd.DataFrame({"population": [100.0, 200.0], "clinic_t1": [4.0, np.nan]})
    after = before.assign(clinic_t1=[4.0, 3.0])
    entry = unscored_changes(before, after, study, planned)["clinic"]
    assert entry == {"newly_served": 200.0, "losing_service": 0.0, "scored": False, "verdict": LIKELY_INCOMPLETE}
    # a scored category is compare()'s, never told twice
    assert unscored_changes(before, after, planned, planned) == {}


def test_the_command_line_and_the_report_say_the_park_is_outside_the_score(town, tmp_path, capsys):
    copy = tmp_path / "town"
    shutil.copytree(town.path, copy)
    lon, lat = to_lonlat(130, 0.5)
    assert main(["whatif", "--study", str(copy), "--add", f"park:{lat},{lon}", "--name", "park-here"]) == 0
    said = capsys.readouterr().out
    assert "Park / public green: none in the map data, so not scored; the added facilities put" in said
    assert "the data cannot tell whether they are served today" in said
    assert "newly served" not in said, "an unscored category's residents are no 'newly served' of the score"
    saved = pd.read_parquet(copy / SCENARIOS / "park-here" / SCORES)
    assert pass_column("park") not in saved.columns
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed; scripts/system_packages.sh --tests installs it")
    pdf = tmp_path / "report.pdf"
    assert main(["report", "--study", str(copy), "--scenario", "park-here", "--lang", "en", "--out", str(pdf)]) == 0
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "Park / public green * none mapped — — — —" in flat
    assert "* Park / public green: none in the map data, so not scored" in flat
    assert "Categories not scored (marked * in the table) are not drawn" in flat  # under Map 4


def test_a_scenario_saved_when_added_categories_were_scored_is_reported_as_its_study_scores(town, tmp_path):
    # what-ifs saved before this rule scored the park their plan added: the report scores their saved reach
    # again, as the study scores it, instead of showing a headline the baseline beside it does not share
    from circle.analysis.assess import assessment_of
    from circle.analysis.scoring import score_blocks
    from circle.report.content import gather
    from circle.study.scenarios import load_scenario

    copy = tmp_path / "town"
    shutil.copytree(town.path, copy)
    study = Study.open(copy)
    plan = [add("park", 130, 0.5), add("kindergarten", 130, 0.5)]
    what_if(study, plan).save("old-style", "wang")
    _, reach = load_scenario(study, "old-style")
    as_then = score_blocks(reach, assessment_of(study, study_preset(study), plan))
    assert pass_column("park") in as_then
    as_then.to_parquet(copy / SCENARIOS / "old-style" / SCORES, index=False)
    reported = gather(study, scenario="old-style", lang="en").scenario
    now = what_if(study, plan).diff
    f15_reported = reported.scenario.F15
    assert f15_reported == pytest.approx(now["F15"]["scenario"])
    assert reported.scenario.mean_score == pytest.approx(now["mean_score"]["scenario"])
    assert reported.baseline.mean_score == pytest.approx(now["mean_score"]["baseline"])
    assert set(reported.unscored) == {"park"} and reported.unscored["park"] == now["categories"]["park"]


def test_a_study_that_scores_nothing_shows_dashes_not_nan():
    # Monaco 2016 and Andorra 2020 map every category too thinly to score it: no proximity time, Gini or mean score
    from circle.cli.whatif import _pair
    from circle.ui.whatif import _figure

    nothing = {"baseline": float("nan"), "scenario": float("nan")}
    assert _pair({"gini_proximity": nothing}, "gini_proximity", ".4f") == "— → —"
    assert _pair({"mean_score": {"baseline": 41.25, "scenario": None}}, "mean_score", ".1f") == "41.2 → —"
    assert _figure({"proximity_min": nothing}, "proximity_min", "scenario") == "—"
