"""The tasks layer: each task computes once, returns a result, and saving writes that result as computed."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from circle.study import Study
from circle.study.files import SCENARIO, SCENARIOS, SCORES, SUGGESTIONS
from circle.study.scenarios import Change, load_scenario
from circle.tasks import score as score_task
from circle.tasks import whatif as whatif_task
from circle.tasks.suggest import suggest
from circle.tasks.whatif import what_if
from tests.osm_builder import small_town, to_lonlat


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Study:
    from circle.tasks.build import AnalysisOptions, build

    folder = tmp_path_factory.mktemp("tasks")
    return Study.open(build(AnalysisOptions(source=small_town(folder / "town.osm"), out=folder / "study")).path)


def test_a_saved_what_if_is_what_was_computed_and_is_not_computed_again(town, monkeypatch):
    lon, lat = to_lonlat(200, 20)
    computed = what_if(town, [Change("add", category="kindergarten", lat=lat, lon=lon)])
    assert computed.diff["categories"]["kindergarten"]["newly_served"] > 0
    assert computed.affected, "adding a kindergarten changes some blocks' reach"

    def no_engine(*_args, **_kwargs):
        raise AssertionError("saving a what-if must not compute it again")

    monkeypatch.setattr(whatif_task, "scenario_engine", no_engine)
    folder = computed.save("kg-here", "wang", role="planner")

    saved, _ = load_scenario(town, "kg-here")
    assert folder == town.path / SCENARIOS / "kg-here"
    assert saved["author"] == "wang"
    assert saved["diff"] == json.loads(json.dumps(computed.diff))
    pd.testing.assert_frame_equal(pd.read_parquet(folder / SCORES), computed.scores.reset_index(drop=True))
    assert json.loads((folder / SCENARIO).read_text(encoding="utf-8"))["changes"][0]["category"] == "kindergarten"


def test_a_what_if_leaves_the_study_as_it_was(town):
    before = town.blocks.drop(columns="geometry").copy()
    lon, lat = to_lonlat(200, 20)
    what_if(town, [Change("add", category="kindergarten", lat=lat, lon=lon)])
    pd.testing.assert_frame_equal(town.blocks.drop(columns="geometry"), before)


def test_a_what_if_with_no_change_is_refused(town):
    from circle.errors import CircleError

    with pytest.raises(CircleError, match="at least one change"):
        what_if(town, [])


def test_scores_are_written_only_when_saved(town):
    (town.path / SCORES).unlink(missing_ok=True)
    scored = score_task.score(town)
    assert not (town.path / SCORES).exists(), "scoring alone writes nothing"
    written = scored.save()
    assert written == town.path / SCORES
    pd.testing.assert_frame_equal(pd.read_parquet(written), scored.result.scores.reset_index(drop=True))
    assert Study.open(town.path).summary.scores.population == scored.result.summary.population


def test_suggestions_save_their_file_and_become_what_if_changes(town):
    suggested = suggest(town, "kindergarten", 1)
    assert not (town.path / SUGGESTIONS / "kindergarten-1.json").exists()
    path = suggested.save()
    assert path == town.path / SUGGESTIONS / "kindergarten-1.json"
    assert json.loads(path.read_text(encoding="utf-8"))["sites"][0]["rank"] == 1
    (change,) = suggested.as_changes()
    assert (change.kind, change.category) == ("add", "kindergarten")
    assert (change.lat, change.lon) == (suggested.sites["lat"].iloc[0], suggested.sites["lon"].iloc[0])


def test_an_isochrone_starts_from_a_point_or_a_block_not_both(town):
    from circle.errors import CircleError
    from circle.tasks.walks import isochrone

    lon, lat = to_lonlat(200, 20)
    block = str(town.blocks["block_id"].iloc[0])
    with pytest.raises(CircleError, match="give one of them"):
        isochrone(town)
    with pytest.raises(CircleError, match="give one of them"):
        isochrone(town, (lat, lon), block)
    assert len(isochrone(town, (lat, lon)).bands) == 3


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param(
            lambda town: [Change("add", category="kindergarten", lat=to_lonlat(200, 20)[1], lon=to_lonlat(200, 20)[0])],
            id="add",
        ),
        pytest.param(
            lambda town: [Change("remove", facility_id=str(town.facilities["facility_id"].iloc[0]))], id="remove"
        ),
        pytest.param(lambda town: [Change("close", steps=True)], id="close-steps"),
    ],
)
def test_a_what_if_keeps_only_the_rows_it_changed_and_gives_back_exactly_what_it_computed(town, changes):
    # a planner's session holds a what-if until it is saved: it keeps the rows that differ from the study's
    # and rebuilds the whole frames with exactly the values the engine and the scoring computed
    from circle.analysis.assess import assessment_of, study_preset
    from circle.analysis.saved_reach import blocks_with_reach, scenario_engine
    from circle.analysis.scoring import score_blocks

    plan = changes(town)
    computed = what_if(town, plan)
    engine = scenario_engine(town)
    engine.apply(plan)
    blocks = blocks_with_reach(town, engine)
    pd.testing.assert_frame_equal(computed.blocks, blocks, check_exact=True)
    scores = score_blocks(blocks, assessment_of(town, study_preset(town)))
    pd.testing.assert_frame_equal(computed.scores, scores, check_exact=True)
    kept = computed.changed_blocks.rows
    assert len(kept) <= len(town.blocks) and set(computed.affected) <= set(town.blocks["block_id"].astype(str)[kept])
    assert computed.changed_scores.rows.tolist() == kept.tolist()


def test_a_row_delta_on_paper():
    from circle.tasks._row_delta import RowDelta

    base = pd.DataFrame({"t": [1.0, float("nan"), 3.0, 4.0], "id": ["a", None, "c", "d"], "n": [1, 2, 3, 4]})
    full = base.assign(t=[1.0, 2.0, 3.0, 4.0], id=["a", "b", "c", "x"], n=pd.array([1, 2, 3, 4], "int32"))
    delta = RowDelta.of(full, base)  # row 1: NaN → 2.0 and None → "b"; row 3: "d" → "x"; dtypes are full's
    assert delta.rows.tolist() == [1, 3]
    pd.testing.assert_frame_equal(delta.rebuild(base), full, check_exact=True)
    assert RowDelta.of(full, base, columns=["t"]).rows.tolist() == [1]  # the other columns taken as equal
    assert RowDelta.of(full, base, columns=["t"], also=np.array([0])).rows.tolist() == [0, 1]
    with pytest.raises(ValueError, match="same rows"):
        RowDelta.of(full, base.iloc[:3])
