"""Scores, tiers, F15, Gini and priorities on tables whose answers can be worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from circle.analysis.planning import renewal_priority
from circle.analysis.scoring import Assessment, decay, score_blocks, summarize, weighted_gini
from circle.standards import load_preset


def test_weighted_gini_by_hand():
    # two people, times 0 and 1: mean |difference| over all ordered pairs = 0.5, mean 0.5 → 0.5
    assert weighted_gini(np.array([0.0, 1.0]), np.array([1.0, 1.0])) == pytest.approx(0.5)
    # a population weight is the same as repeating the value
    repeated = weighted_gini(np.array([1.0, 1.0, 1.0, 4.0]), np.ones(4))
    assert weighted_gini(np.array([1.0, 4.0]), np.array([3.0, 1.0])) == pytest.approx(repeated)
    # 1,1,1,4: Σ|xi−xj| over ordered pairs = 2·3·3 = 18; n² = 16; mean = 7/4 → 18 / (2·16·1.75) = 0.3214…
    assert repeated == pytest.approx(18 / (2 * 16 * 1.75))
    assert weighted_gini(np.array([5.0, 5.0]), np.array([2.0, 9.0])) == 0.0


def test_decay_is_linear_between_full_and_zero():
    assert decay(np.array([0.0, 5.0, 17.5, 30.0, 45.0, np.nan]), 5.0, 30.0).tolist() == [1, 1, 0.5, 0, 0, 0]


def blocks_table():
    # GB radii at 1.1 m/s: kindergarten 300 m → 4.545 min; primary 500 m → 7.576 min; clinic 1000 m → 15.15 min
    preset = load_preset()
    rows = {
        "block_id": ["a", "b", "c"],
        "population": [100.0, 300.0, 600.0],
    }
    minutes = {
        # a meets everything; b misses the kindergarten (10 min); c has no kindergarten within the limit
        "kindergarten": [3.0, 10.0, np.nan],
        "primary_school": [5.0, 5.0, 20.0],
        "middle_school": [10.0, 10.0, 10.0],
        "clinic": [10.0, 10.0, 10.0],
        "park": [2.0, 2.0, 2.0],
        "park_1ha": [5.0, 5.0, 5.0],
        "park_5ha": [10.0, 10.0, 10.0],
        "culture": [10.0, 10.0, 10.0],
        "sports": [5.0, 5.0, 5.0],
        "elderly_care": [3.0, 3.0, 3.0],
        "food_market": [5.0, 5.0, 5.0],
        "childcare": [3.0, 3.0, 3.0],
        "community_canteen": [3.0, 3.0, 3.0],
    }
    for category in preset.categories:
        for rank in (1, 2, 3):
            rows[f"{category.key}_t{rank}"] = np.array(minutes[category.key]) + (rank - 1) * 100
    return pd.DataFrame(rows), preset


def test_pass_tiers_f15_and_missing_by_hand():
    table, preset = blocks_table()
    assessment = Assessment.of(preset, 1.1, {c.key: 5 for c in preset.categories})
    scores = score_blocks(table, assessment)
    assert scores["pass_kindergarten"].tolist() == [True, False, False]
    assert scores["pass_primary_school"].tolist() == [True, True, False]
    # a: all pass → 15; b: a 5-minute category fails → none (0); c: fails at 5 and 10
    assert scores["tier_met"].tolist() == [15, 0, 0]
    assert scores["missing_en"].iloc[1] == "no kindergarten within 300 m"
    assert scores["missing_zh"].iloc[2] == "300米内无幼儿园；500米内无小学"
    summary = summarize(scores, assessment)
    assert pytest.approx(100 / 1000) == summary.F15
    assert summary.categories["kindergarten"].coverage == pytest.approx(0.1)
    assert summary.categories["kindergarten"].unserved == pytest.approx(900)
    assert summary.categories["primary_school"].unserved == pytest.approx(600)
    assert summary.worst_blocks[0]["block_id"] == "c"


def test_score_by_hand():
    table, preset = blocks_table()
    assessment = Assessment.of(preset, 1.1, {c.key: 5 for c in preset.categories})
    scores = score_blocks(table, assessment)
    # every category has one weight (1.0) and decays from its threshold T to 2T.
    # block b: kindergarten T = 300/1.1/60 = 4.545 min, 10 min → (9.091 − 10)/4.545 < 0 → 0 points; others full
    assert scores["score"].iloc[1] == pytest.approx(round(100 * 12 / 13, 1))
    # block c: kindergarten none (0); primary T = 7.576, 20 min ≥ 2T = 15.15 → 0; 11 of 13 full
    assert scores["score"].iloc[2] == pytest.approx(round(100 * 11 / 13, 1))
    assert scores["band_en"].iloc[0] == "Excellent" and scores["band_zh"].iloc[2] == "良好"


def test_category_without_any_facility_is_not_assessed():
    table, preset = blocks_table()
    counts = {c.key: 5 for c in preset.categories}
    counts["elderly_care"] = 0
    assessment = Assessment.of(preset, 1.1, counts)
    scores = score_blocks(table, assessment)
    assert "pass_elderly_care" not in scores
    assert summarize(scores, assessment).not_mapped == ["elderly_care"]


def test_partial_shortfall_by_hand():
    table, preset = blocks_table()
    table.loc[1, "kindergarten_t1"] = 6.0  # T = 4.545 min: shortfall (6 − 4.545)/4.545 = 0.32
    assessment = Assessment.of(preset, 1.1, {c.key: 5 for c in preset.categories})
    scored = renewal_priority(score_blocks(table, assessment), table, assessment)
    t_kg = 300 / 1.1 / 60
    assert scored["priority"].iloc[1] == pytest.approx(300 * (6 - t_kg) / t_kg, rel=1e-3)


def test_priority_formula_by_hand():
    table, preset = blocks_table()
    assessment = Assessment.of(preset, 1.1, {c.key: 5 for c in preset.categories})
    scored = renewal_priority(score_blocks(table, assessment), table, assessment)
    t_kg = 300 / 1.1 / 60
    t_primary = 500 / 1.1 / 60
    # b: 300 residents × weight 1.0 × kindergarten shortfall min(1, (10 − T)/T) = 1 (10 min is 2.2 T)
    assert (10 - t_kg) / t_kg > 1
    assert scored["priority"].iloc[1] == pytest.approx(300.0)
    # c: 600 × (kindergarten 1.0 × 1 (none) + primary 1.0 × min(1, (20 − T)/T) = 1)
    assert scored["priority"].iloc[2] == pytest.approx(600 * 2.0, rel=1e-3)
    assert (20 - t_primary) / t_primary > 1
    assert scored["priority_rank"].tolist() == [0, 2, 1]
    assert scored["reasons_en"].iloc[2].startswith("600 residents: no kindergarten within a 30-minute walk")
    assert scored["reasons_zh"].iloc[1].startswith("居民300人：最近的幼儿园需步行10分钟")
