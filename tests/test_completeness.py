"""Data completeness, flagged blocks and the figures a plan can move, on tables worked out by hand and on Chengdu.

A category the data does not hold (or holds only in part) is never a block's missing
service; a block whose population is flagged never leads the priorities; F15 is
joined by figures a plan can change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from circle.analysis.completeness import category_completeness
from circle.analysis.planning import flagged_blocks, renewal_priority
from circle.analysis.scoring import Assessment, compare, score_blocks, summarize
from circle.standards import load_preset
from circle.study.completeness import ABSENT, ASSESSED, LIKELY_INCOMPLETE, CategoryCompleteness
from circle.words.findings import explain

KEYS = (
    "kindergarten",
    "primary_school",
    "middle_school",
    "clinic",
    "park",
    "park_1ha",
    "park_5ha",
    "culture",
    "sports",
    "elderly_care",
    "food_market",
    "childcare",
    "community_canteen",
)


def town(minutes: dict[str, list[float]], population: list[float]) -> pd.DataFrame:
    """Blocks with the given nearest minutes per category (2nd and 3rd nearest far beyond)."""
    rows: dict[str, object] = {
        "block_id": [f"b{i}" for i in range(len(population))],
        "population": np.array(population, float),
        "area_m2": np.full(len(population), 10_000.0),
        "pop_flag": [""] * len(population),
    }
    for key in KEYS:
        first = np.array(minutes.get(key, [3.0] * len(population)), float)
        rows[f"{key}_t1"] = first
        rows[f"{key}_t2"] = first + 100
        rows[f"{key}_t3"] = first + 200
    return pd.DataFrame(rows)


def test_verdicts_by_hand():
    # 5 blocks of 6,000 residents = 30,000 residents. GB 50180 norms (preset): kindergarten one per 12,000
    # → 2.5 expected, floor 2; primary one per 25,000 → 1.2, floor 1; culture one per 12,000 → floor 2.
    preset = load_preset("gb50180_2018")
    nan = np.nan
    blocks = town(
        {
            # 1 of 5 blocks beyond the limit = 20 %: not more than 20 %, so not "unreached"
            "primary_school": [3, 3, 3, 3, nan],
            # 2 of 5 = 40 % beyond the limit: unreached
            "sports": [3, 3, 3, nan, nan],
        },
        [6000.0] * 5,
    )
    facilities = pd.Series(
        ["kindergarten"] * 1  # 1 < floor(2.5) = 2: below the norm
        + ["primary_school"] * 1  # 1 ≥ floor(1.2) = 1
        + ["culture"] * 2  # 2 ≥ 2
        + ["sports"] * 9  # many, but 40 % of blocks have none within 30 minutes
        + ["clinic"] * 3  # 3 ≥ floor(2.5) = 2
        + ["park"] * 1  # 1 < 2, but imported: the bureau's list is taken as complete
    )
    sources = pd.Series(["osm"] * 16 + ["bureau.csv"])
    found = category_completeness(preset, blocks, facilities, sources)
    assert found["kindergarten"].verdict == LIKELY_INCOMPLETE
    assert found["kindergarten"].reasons == ("below_norm",)
    assert found["kindergarten"].expected == pytest.approx(2.5)
    assert found["kindergarten"].per_1000 == pytest.approx(1 / 30, abs=1e-4)
    assert found["primary_school"].verdict == ASSESSED
    assert found["primary_school"].unreached_blocks == pytest.approx(0.2)
    assert found["culture"].verdict == ASSESSED
    assert found["sports"].verdict == LIKELY_INCOMPLETE and found["sports"].reasons == ("unreached",)
    assert found["sports"].unreached_residents == pytest.approx(0.4)
    assert found["clinic"].verdict == ASSESSED
    assert found["park"].verdict == ASSESSED and found["park"].imported == 1
    assert found["elderly_care"].verdict == ABSENT and found["elderly_care"].reasons == ("none_mapped",)
    # a facility a scenario adds is the planner's own: the first elderly-care centre makes the category assessed
    added = category_completeness(preset, blocks, facilities, sources, extra_facilities={"elderly_care": 1})
    assert added["elderly_care"].verdict == ASSESSED
    # facilities outside the study area serve edge blocks but are not the area's provision
    outside = np.array([True] * 15 + [False, True])  # one of the three clinics lies outside
    assert category_completeness(preset, blocks, facilities, sources, inside_area=outside)["clinic"].facilities == 2
    # the record survives summary.json
    record = found["kindergarten"]
    assert CategoryCompleteness.from_dict(record.to_dict()) == record


def test_explanations_name_the_figures_and_never_claim_missing_service():
    preset = load_preset("gb50180_2018")
    blocks = town({"sports": [3, np.nan, np.nan, np.nan]}, [6000.0] * 4)
    found = category_completeness(preset, blocks, pd.Series(["kindergarten", "sports"]))
    zh = explain(found["kindergarten"], "幼儿园", 24000, "zh")
    assert "仅录入 1 处" in zh and "约需 2 处" in zh and "录入不全" in zh
    en = explain(found["sports"], "Sports ground", 24000, "en")
    assert "75.0% of the blocks have none within a 30-minute walk" in en and "not scored" in en
    absent = explain(found["elderly_care"], "Elderly care", 24000, "en")
    assert "none in the map data" in absent and "says nothing about the service" in absent


def scored_town():
    """Three blocks; culture is likely incomplete, elderly care absent; c is flagged too dense."""
    preset = load_preset("gb50180_2018")
    nan = np.nan
    blocks = town(
        {
            "kindergarten": [3, 10, 20],  # radius 300 m at 1.1 m/s = 4.55 min: a passes, b and c fail
            "culture": [3, nan, nan],  # 2 of 3 blocks with none: likely incomplete
            "elderly_care": [nan, nan, nan],
            "middle_school": [10, 10, 20],  # 15.15 min: c fails
        },
        [1000.0, 2000.0, 3000.0],
    )
    blocks.loc[2, "pop_flag"] = "too_dense"
    facilities = pd.Series([k for k in KEYS if k != "elderly_care" for _ in range(10)])
    found = category_completeness(preset, blocks, facilities)
    return blocks, Assessment.of_completeness(preset, 1.1, found)


def test_set_apart_categories_are_never_a_missing_service():
    blocks, assessment = scored_town()
    assert assessment.likely_incomplete == ("culture",)
    assert assessment.not_mapped == ("elderly_care",)
    assert "culture" not in assessment.assessable and "elderly_care" not in assessment.assessable
    scores = score_blocks(blocks, assessment)
    assert "pass_culture" not in scores and "pass_elderly_care" not in scores
    for text in [*scores["missing_zh"], *scores["missing_en"]]:
        assert "文化" not in text and "养老" not in text
        assert "cultural" not in text.lower() and "elderly" not in text.lower()
    ranked = renewal_priority(scores, blocks, assessment, include_flagged=True)
    for text in [*ranked["reasons_zh"], *ranked["reasons_en"]]:
        assert "文化" not in text and "养老" not in text and "cultural" not in text.lower()
    summary = summarize(ranked, assessment)
    assert summary.likely_incomplete == ["culture"] and summary.not_mapped == ["elderly_care"]
    # culture's coverage from what is mapped is shown apart: block a only (1000 of 6000) → a lower bound
    assert summary.set_apart["culture"].coverage == pytest.approx(1000 / 6000, abs=1e-4)
    assert "culture" not in summary.categories
    assert summary.completeness["culture"]["verdict"] == LIKELY_INCOMPLETE


def test_headline_figures_a_plan_can_move_by_hand():
    blocks, assessment = scored_town()
    summary = summarize(score_blocks(blocks, assessment), assessment)
    assessed = len(summary.categories)
    assert assessed == 11  # 13 categories less culture and elderly care
    # within 15 minutes: a has all 11; b lacks none within 15 (kindergarten at 10 min is within 15) → 11;
    # c lacks the kindergarten and the middle school (both 20 min) → 9. Weighted: (1000·11 + 2000·11 + 3000·9)/6000
    assert summary.categories_within_15 == pytest.approx((1000 * 11 + 2000 * 11 + 3000 * 9) / 6000, abs=1e-3)
    # kindergarten within 5 / 10 / 15 minutes: a (3 min) / a, b (10 min) / a, b
    assert summary.categories["kindergarten"].within_min == {
        "5": pytest.approx(1000 / 6000, abs=1e-4),
        "10": pytest.approx(3000 / 6000, abs=1e-4),
        "15": pytest.approx(3000 / 6000, abs=1e-4),
    }
    # F15 counts the assessed categories: a passes all of them (culture, set apart, does not pin it at zero)
    assert pytest.approx(1000 / 6000, abs=1e-4) == summary.F15


def test_a_plan_moves_the_mean_categories_within_15_even_where_f15_stays():
    blocks, assessment = scored_town()
    baseline = score_blocks(blocks, assessment)
    better = blocks.copy()
    better.loc[2, "middle_school_t1"] = 12.0  # c now has a middle school within 15 minutes; still no kindergarten
    diff = compare(baseline, score_blocks(better, assessment), assessment)
    assert diff["F15"]["change"] == 0  # c still fails the 5-minute kindergarten: F15 does not move
    assert diff["categories_within_15"]["change"] == pytest.approx(3000 / 6000, abs=1e-3)
    within = diff["categories"]["middle_school"]["within_min"]
    assert within["baseline"]["15"] == pytest.approx(0.5, abs=1e-4)
    assert within["scenario"]["15"] == pytest.approx(1.0, abs=1e-4)


def test_flagged_blocks_never_lead_the_priorities():
    blocks, assessment = scored_town()
    scores = score_blocks(blocks, assessment)
    # c (3000 residents, no kindergarten, a far middle school) has the largest gap, but its population is flagged
    ranked = renewal_priority(scores, blocks, assessment)
    assert ranked.loc[2, "priority"] == 0 and ranked.loc[2, "priority_rank"] == 0
    assert ranked.loc[1, "priority_rank"] == 1
    assert ranked.loc[2, "pop_flag"] == "too_dense"
    kept = renewal_priority(scores, blocks, assessment, include_flagged=True)
    assert kept.loc[2, "priority_rank"] == 1
    assert kept.loc[2, "reasons_en"].split(": ", 1)[1].startswith("population flagged too dense")
    assert "人口数据异常" in kept.loc[2, "reasons_zh"]
    listed = flagged_blocks(blocks)
    assert listed == [{"block_id": "b2", "population": 3000.0, "density_per_ha": 3000.0, "pop_flag": "too_dense"}]


@pytest.mark.slow
def test_chengdu_says_what_the_data_cannot(chengdu_pbf, tmp_path):
    """On the embedded extract: kindergartens and culture are incompletely mapped, elderly care absent."""
    from circle.analysis.assess import compute_scores, compute_suggestions
    from circle.pipeline import AnalysisOptions, analyze
    from circle.study import Study

    study = Study.open(analyze(AnalysisOptions(source=chengdu_pbf, out=tmp_path / "cd")).path)
    result = compute_scores(study)
    summary = result.summary
    assert "elderly_care" in summary.not_mapped
    assert {"kindergarten", "culture"} <= set(summary.likely_incomplete)
    apart_zh = [result.labels[k]["zh"] for k in [*summary.likely_incomplete, *summary.not_mapped]]
    for column in ("missing_zh", "reasons_zh"):
        for text in result.scores[column]:
            assert not any(label in text for label in apart_zh), text
    # the blocks the study flags are listed to check and never lead the priorities
    flagged = {row["block_id"] for row in summary.flagged_blocks}
    assert flagged, "the Chengdu study flags implausibly dense blocks"
    first = result.scores.sort_values("priority_rank").query("priority_rank > 0").head(10)
    assert not set(first["block_id"]) & flagged
    # and weigh nothing where a new kindergarten would go
    _, payload = compute_suggestions(study, "primary_school", 2)
    assert payload["flagged_blocks_left_out"] == len(flagged)
    assert payload["data_verdict"] == ASSESSED
    _, payload = compute_suggestions(study, "kindergarten", 1)
    assert payload["data_verdict"] == LIKELY_INCOMPLETE
    # F15 counts the assessed categories only, and the mean within 15 minutes is neither 0 nor all of them
    assert 0 < summary.categories_within_15 < len(summary.categories)


def test_a_web_map_export_is_no_register_but_a_bureau_list_is():
    """Two elderly-care homes for 24,000 residents (the norm asks 2 per 12,000 → 2): enough by the norm, but a
    block has none within the search limit for half the blocks (> 20 %): from a bureau's register the
    category is taken as complete and assessed; from an AMap export it is judged like the map: likely incomplete."""
    from circle.analysis.completeness import register_mask

    preset = load_preset("gb50180_2018")
    blocks = pd.DataFrame({"population": [6000.0] * 4})
    for c in preset.categories:
        blocks[f"{c.key}_t1"] = [3.0, 4.0, np.nan, np.nan] if c.key == "elderly_care" else [3.0] * 4
    categories = pd.Series(["elderly_care", "elderly_care"])
    sources = pd.Series(["import:list.csv", "import:list.csv"])
    bureau = category_completeness(preset, blocks, categories, sources, registers=register_mask(sources, {}))
    assert bureau["elderly_care"].verdict == "assessed" and bureau["elderly_care"].imported == 2
    crawl = register_mask(sources, {"file": "amap.csv", "layout": {"platform": "amap"}})
    export = category_completeness(preset, blocks, categories, sources, registers=crawl)
    assert export["elderly_care"].verdict == "likely_incomplete" and export["elderly_care"].imported == 0
    assert export["elderly_care"].reasons == ("unreached",)
