"""Scores: pass/fail per category, tiers, the 0–100 score, proximity time, and summaries.

Every formula reads its numbers from the preset (see ``circle/standards``):

- **pass** for category *c*: the nearest facility within the threshold
  ``T_c`` (``radius_m`` walked at the profile's flat speed, or
  ``threshold_min``, as ``scoring.criterion`` says);
- **tier met**: the largest tier *t* (5, 10, 15) such that every assessable
  category of tier ≤ *t* passes; 0 when the 5-minute tier fails;
- **score** = 100 × Σ_c Σ_j w_cj · d_c(t_cj) / Σ_c Σ_j w_cj over the j-th
  nearest facilities, with ``score_weights`` w_cj and the decay d_c equal to
  1 up to the full-points time, 0 from the zero-points time, linear between;
- **proximity time** = mean over categories of the minutes to the nearest
  facility (Bruno et al. 2024), a category with none within the search limit
  counting as the limit;
- **F15** = share of residents whose block meets the 15-minute tier;
- **Gini** of proximity time over residents (population-weighted).

A category with no facility at all in the study, or one the data seems to
hold only in part (see :mod:`circle.analysis.completeness`), cannot be
assessed from the data: it is reported as such and left out of tiers, F15,
scores and priorities, never as a block's missing service.

Beside F15, which one hard category can pin at zero, the figures a plan can
move: the mean number of assessed categories within 15 minutes per resident
(``categories_within_15``), the share of residents within each tier's
minutes per category (``within_min``), and the population-weighted proximity
time.

Whose residents count (:mod:`circle.analysis.demand`): a category's own
figures (its ``coverage``, ``unserved``, ``within_min``, and the people a
scenario gains or loses for it in :func:`compare`) count the age group it
serves, so kindergarten coverage is the share of children aged 3–6 within
reach. The figures over all categories at once (tiers, F15, the mean score,
proximity time, its Gini and ``categories_within_15``) count all residents:
they describe the whole living circle of the block a resident lives in, and a
block's tier or score does not depend on who lives there. A category whose
group the study lacks counts all residents, and its coverage carries a note
saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from circle.analysis.demand import AGE_SOURCE_COLUMN, Demand, demand_of, group_columns
from circle.standards import Category, Preset
from circle.study.columns import BLOCK_ID, nearest_minutes_column, pass_column, shortfall_column, time_column
from circle.study.completeness import ABSENT, LIKELY_INCOMPLETE, CategoryCompleteness
from circle.study.summary import CategoryCoverage, ScoreSummary


@dataclass(frozen=True)
class Assessment:
    """What can be scored in a study: categories with data, their thresholds, the search limit.

    ``not_mapped`` are the categories with no facility in the data,
    ``likely_incomplete`` those the data seems to hold only in part; neither is
    scored. ``completeness`` holds the figures behind each verdict (empty when
    the assessment was made from counts alone).
    """

    preset: Preset
    speed_m_s: float
    assessable: tuple[str, ...]
    not_mapped: tuple[str, ...]
    likely_incomplete: tuple[str, ...] = ()
    completeness: dict[str, CategoryCompleteness] = field(default_factory=dict)

    @classmethod
    def of(cls, preset: Preset, speed_m_s: float, facility_counts: dict[str, int]) -> Assessment:
        """Return the assessment of a study whose facilities per category are ``facility_counts``."""
        keys = [c.key for c in preset.categories]
        not_mapped = tuple(k for k in keys if facility_counts.get(k, 0) == 0)
        return cls(preset, speed_m_s, tuple(k for k in keys if k not in not_mapped), not_mapped)

    @classmethod
    def of_completeness(
        cls, preset: Preset, speed_m_s: float, completeness: dict[str, CategoryCompleteness]
    ) -> Assessment:
        """Return the assessment that scores only the categories ``completeness`` judges assessed."""
        keys = [c.key for c in preset.categories]
        verdict = {k: completeness[k].verdict if k in completeness else ABSENT for k in keys}
        return cls(
            preset,
            speed_m_s,
            assessable=tuple(k for k in keys if completeness.get(k) is not None and completeness[k].assessable),
            not_mapped=tuple(k for k in keys if verdict[k] == ABSENT),
            likely_incomplete=tuple(k for k in keys if verdict[k] == LIKELY_INCOMPLETE),
            completeness=completeness,
        )

    @property
    def set_apart(self) -> tuple[str, ...]:
        """Categories not scored (absent or likely incomplete), in preset order."""
        return tuple(c.key for c in self.preset.categories if c.key not in self.assessable)

    def threshold_s(self, category: Category) -> float:
        """Return the pass/fail threshold of a category, in seconds."""
        return category.threshold_s(self.preset.scoring.criterion, self.speed_m_s)

    def categories(self) -> list[Category]:
        """Return the assessable categories, in preset order."""
        return [c for c in self.preset.categories if c.key in self.assessable]

    def passes(self, category: Category, minutes: np.ndarray) -> np.ndarray:
        """Return whether each nearest time (minutes; NaN: none within the limit) is within the category's threshold."""
        return np.asarray(minutes, float) <= self.threshold_s(category) / 60.0 + 1e-9


def decay(minutes: np.ndarray, full_min: float, zero_min: float) -> np.ndarray:
    """Return points in [0, 1]: 1 up to ``full_min``, 0 from ``zero_min``, linear between; 0 for NaN.

    Examples
    --------
    >>> decay(np.array([3.0, 10.0, 20.0, np.nan]), 5.0, 15.0).tolist()
    [1.0, 0.5, 0.0, 0.0]
    """
    minutes = np.asarray(minutes, float)
    points = np.clip((zero_min - minutes) / (zero_min - full_min), 0.0, 1.0)
    return np.where(np.isnan(minutes), 0.0, points)


def weighted_gini(values: np.ndarray, weights: np.ndarray) -> float:
    """Return the Gini index of ``values`` over a population given by ``weights``.

    G = Σ_i Σ_j w_i w_j |x_i − x_j| / (2 W² μ), with W = Σ w and μ the
    weighted mean; 0 when everyone has the same value.

    Examples
    --------
    >>> weighted_gini(np.array([0.0, 1.0]), np.array([1.0, 1.0]))
    0.5
    >>> weighted_gini(np.array([2.0, 2.0, 2.0]), np.array([1.0, 5.0, 2.0]))
    0.0
    """
    values = np.asarray(values, float)
    weights = np.asarray(weights, float)
    keep = np.isfinite(values) & (weights > 0)
    values, weights = values[keep], weights[keep]
    total = weights.sum()
    if total == 0:
        return float("nan")
    mean = (weights * values).sum() / total
    if mean == 0:
        return 0.0
    order = np.argsort(values, kind="stable")
    x, w = values[order], weights[order]
    below_w = np.cumsum(w) - w  # weight of smaller values
    below_wx = np.cumsum(w * x) - w * x  # weighted sum of smaller values
    pair_sum = 2.0 * np.sum(w * (x * below_w - below_wx))
    return float(pair_sum / (2.0 * total**2 * mean))


def score_blocks(blocks: pd.DataFrame, assessment: Assessment) -> pd.DataFrame:
    """Score every block.

    Parameters
    ----------
    blocks : pandas.DataFrame
        A study's blocks with their reach columns (``{c}_t1`` …).
    assessment : Assessment
        Preset, speed and assessable categories.

    Returns
    -------
    pandas.DataFrame
        ``block_id``, ``population``, the ``pop_{group}`` columns of the
        blocks for the age groups some category serves, ``pass_{c}`` per assessable category,
        ``shortfall_{c}``, ``tier_met``, ``score``, ``band_zh``, ``band_en``,
        ``proximity_min``, ``missing_zh``, ``missing_en``, and ``minutes_{c}``
        (the nearest, NaN beyond the search limit) for every category with data,
        assessed or likely incomplete.
    """
    preset = assessment.preset
    rules = preset.scoring
    limit_min = preset.search_limit_s / 60.0
    out = pd.DataFrame({BLOCK_ID: blocks[BLOCK_ID].to_numpy(), "population": blocks["population"].to_numpy()})
    for column in group_columns(preset, blocks):  # so summaries of the scores count each category's group
        values = blocks[column]
        out[column] = values.to_numpy(object) if column == AGE_SOURCE_COLUMN else pd.to_numeric(values).to_numpy(float)
    numerator = np.zeros(len(blocks))
    denominator = 0.0
    tier_ok: dict[float, np.ndarray] = {}
    missing_zh = [[] for _ in range(len(blocks))]
    missing_en = [[] for _ in range(len(blocks))]
    nearest_minutes = []
    for category in assessment.preset.categories:
        if category.key not in assessment.not_mapped and time_column(category.key, 1) in blocks:
            out[nearest_minutes_column(category.key)] = blocks[time_column(category.key, 1)].to_numpy(float)
    for category in assessment.categories():
        threshold_min = assessment.threshold_s(category) / 60.0
        t1 = blocks[time_column(category.key, 1)].to_numpy(float)
        nearest_minutes.append(np.where(np.isnan(t1), limit_min, t1))
        passed = assessment.passes(category, t1)
        out[pass_column(category.key)] = passed
        shortfall = np.where(np.isnan(t1), 1.0, np.clip((t1 - threshold_min) / threshold_min, 0.0, 1.0))
        out[shortfall_column(category.key)] = np.where(passed, 0.0, shortfall)
        tier = float(category.tier.value)
        tier_ok[tier] = tier_ok.get(tier, np.ones(len(blocks), bool)) & passed
        if rules.zero_at_factor is not None:
            full, zero = threshold_min, threshold_min * float(rules.zero_at_factor.value)
        else:
            full, zero = float(rules.full_at_min.value), float(rules.zero_at_min.value)
        for rank, weight in enumerate(category.score_weights.value, start=1):
            column = time_column(category.key, rank)
            if column in blocks:
                numerator += weight * decay(blocks[column].to_numpy(float), full, zero)
            denominator += weight
        phrase_en = f"no {category.label_en.lower()} within {category.describe_threshold(rules.criterion, 'en')}"
        phrase_zh = f"{category.describe_threshold(rules.criterion, 'zh')}内无{category.label_zh}"
        for index in np.flatnonzero(~passed):
            missing_en[index].append(phrase_en)
            missing_zh[index].append(phrase_zh)
    met = np.zeros(len(blocks))
    cumulative = np.ones(len(blocks), bool)
    for tier in sorted(tier_ok):
        cumulative &= tier_ok[tier]
        met = np.where(cumulative, tier, met)
    out["tier_met"] = met.astype(int)
    score = 100.0 * numerator / denominator if denominator else np.full(len(blocks), np.nan)
    out["score"] = np.round(score, 1)
    bands = [rules.band(s) for s in out["score"].fillna(0.0)]
    out["band_zh"] = [b.zh for b in bands]
    out["band_en"] = [b.en for b in bands]
    out["proximity_min"] = np.mean(nearest_minutes, axis=0) if nearest_minutes else np.nan
    out["missing_zh"] = ["；".join(items) for items in missing_zh]
    out["missing_en"] = ["; ".join(items) for items in missing_en]
    return out


def summarize(scores: pd.DataFrame, assessment: Assessment, worst: int = 10) -> ScoreSummary:
    """Summarise scored blocks (the whole study or a sub-area's blocks).

    Returns
    -------
    ScoreSummary
        ``population``, ``blocks``, per-category ``coverage`` (the share of
        the residents it counts, its age group's, passing) and ``unserved``
        (people of that group), ``F15``, the share meeting
        each tier, population-weighted ``proximity_min``, ``gini_proximity``,
        population-weighted ``mean_score`` and the ``worst_blocks``.
    """
    population = scores["population"].to_numpy(float)
    total = float(population.sum())
    counted_min = assessment.preset.thresholds_min
    categories = {}
    within_15 = np.zeros(len(scores))
    for category in assessment.categories():
        passed = scores[pass_column(category.key)].to_numpy(bool)
        categories[category.key] = _coverage(scores, category, passed, assessment)
        minutes = _nearest_minutes(scores, category.key)
        if minutes is not None:
            within_15 += minutes <= max(counted_min) + 1e-9
    set_apart = {}
    for key in assessment.likely_incomplete:
        category = assessment.preset.category(key)
        minutes = _nearest_minutes(scores, key)
        if minutes is not None:
            set_apart[key] = _coverage(scores, category, assessment.passes(category, minutes), assessment)
    tier_values = sorted({int(c.tier.value) for c in assessment.categories()})
    tier_met = scores["tier_met"].to_numpy()
    tiers = {str(t): round(float(population[tier_met >= t].sum()) / total, 4) if total else None for t in tier_values}
    proximity = scores["proximity_min"].to_numpy(float)
    order = scores.sort_values(["score", "population"], ascending=[True, False]).head(worst)
    return ScoreSummary(
        population=round(total, 1),
        blocks=len(scores),
        categories=categories,
        tiers=tiers,
        F15=tiers.get("15"),
        proximity_min=round(float(np.average(proximity, weights=population)), 2) if total else None,
        gini_proximity=round(weighted_gini(proximity, population), 4) if total else None,
        mean_score=round(float(np.average(scores["score"], weights=population)), 1) if total else None,
        worst_blocks=[
            {
                BLOCK_ID: str(getattr(row, BLOCK_ID)),
                "population": round(float(row.population), 1),
                "score": float(row.score),
                "tier_met": int(row.tier_met),
                "missing_en": row.missing_en,
                "missing_zh": row.missing_zh,
            }
            for row in order.itertuples()
        ],
        not_mapped=list(assessment.not_mapped),
        likely_incomplete=list(assessment.likely_incomplete),
        completeness={k: v.to_dict() for k, v in assessment.completeness.items()} or None,
        set_apart=set_apart or None,
        categories_within_15=round(float(np.average(within_15, weights=population)), 3)
        if total and categories
        else None,
    )


def _nearest_minutes(scores: pd.DataFrame, category: str) -> np.ndarray | None:
    column = nearest_minutes_column(category)
    return scores[column].to_numpy(float) if column in scores else None


def _coverage(scores: pd.DataFrame, category: Category, passed: np.ndarray, assessment: Assessment) -> CategoryCoverage:
    """Return one category's coverage of the residents it counts, with their share within each counted minute."""
    demand = demand_of(assessment.preset, category, scores)
    population = demand.residents(scores)
    total = float(population.sum())
    served = float(population[passed].sum())
    minutes = _nearest_minutes(scores, category.key)
    within = None
    if minutes is not None and total:
        within = {
            str(m): round(float(population[minutes <= m + 1e-9].sum()) / total, 4)
            for m in assessment.preset.thresholds_min
        }
    return CategoryCoverage(
        coverage=round(served / total, 4) if total else None,
        unserved=round(total - served, 1),
        threshold_min=round(assessment.threshold_s(category) / 60.0, 2),
        within_min=within,
        group=demand.record(total),
        note=demand.notes(),
    )


def compare(baseline: pd.DataFrame, scenario: pd.DataFrame, assessment: Assessment) -> dict[str, Any]:
    """Return what a scenario changes against the baseline (both from :func:`score_blocks`).

    Returns
    -------
    dict
        Per category ``newly_served`` and ``losing_service`` (people of the
        age group it serves, named under ``group``; see :mod:`circle.analysis.demand`),
        ``newly_meeting_15`` / ``no_longer_meeting_15`` (people), and the
        changes in ``F15``, ``categories_within_15`` (the mean number of assessed
        categories within 15 minutes per resident), ``gini_proximity``,
        ``proximity_min`` and ``mean_score``; per category also the residents within
        each counted minute before and after (``within_min``).
    """
    population = baseline["population"].to_numpy(float)
    result: dict[str, Any] = {"categories": {}}
    counted: dict[str, Demand] = {}
    for category in assessment.categories():
        demand = counted[category.key] = demand_of(assessment.preset, category, baseline)
        residents = demand.residents(baseline)
        before = baseline[pass_column(category.key)].to_numpy(bool)
        after = scenario[pass_column(category.key)].to_numpy(bool)
        gained = float(residents[~before & after].sum())
        lost = float(residents[before & ~after].sum())
        if gained or lost:
            result["categories"][category.key] = _changed(demand, gained, lost)
    met_before = baseline["tier_met"].to_numpy() >= 15
    met_after = scenario["tier_met"].to_numpy() >= 15
    result["newly_meeting_15"] = round(float(population[~met_before & met_after].sum()), 1)
    result["no_longer_meeting_15"] = round(float(population[met_before & ~met_after].sum()), 1)
    before_summary = summarize(baseline, assessment, worst=0)
    after_summary = summarize(scenario, assessment, worst=0)
    for key, before_coverage in before_summary.categories.items():
        before_within = before_coverage.within_min or {}
        after_within = after_summary.categories[key].within_min or {}
        if before_within != after_within:
            entry = result["categories"].setdefault(key, _changed(counted[key], 0.0, 0.0))
            entry["within_min"] = {"baseline": before_within, "scenario": after_within}
    for key in ("F15", "categories_within_15", "gini_proximity", "proximity_min", "mean_score"):
        old, new = getattr(before_summary, key), getattr(after_summary, key)
        result[key] = {
            "baseline": old,
            "scenario": new,
            "change": None if old is None or new is None else round(new - old, 4),
        }
    return result


def unscored_changes(
    baseline_blocks: pd.DataFrame, scenario_blocks: pd.DataFrame, assessment: Assessment, with_added: Assessment
) -> dict[str, dict[str, Any]]:
    """Return what a plan does for the categories it adds to that the data leaves unscored.

    A what-if is scored under the study's own assessment, so its baseline is
    the study's score, and a category set apart (none mapped, or likely
    incompletely mapped) stays out of F15, the tiers and the mean score even
    when the plan adds facilities to it. What the plan does for such a
    category is told beside the score: the residents of the group it serves
    the plan brings within the category's threshold of a facility, and those
    it takes out, counting the mapped facilities with the added ones.

    Parameters
    ----------
    baseline_blocks, scenario_blocks : pandas.DataFrame
        The blocks' reach (``{c}_t1`` columns, ``population``, ``pop_{group}``) before and after the plan.
    assessment : Assessment
        The study's own: the categories it scores are left to :func:`compare`.
    with_added : Assessment
        The assessment with the plan's added facilities counted
        (:func:`circle.analysis.assess.assessment_of` given the changes);
        the set-apart categories the plan adds to are assessable there.

    Returns
    -------
    dict of str to dict
        Per such category the plan changes for someone: ``newly_served``,
        ``losing_service`` (and ``group``, ``note`` as in :func:`compare`),
        ``scored`` (False) and the category's ``verdict`` in the study
        (``absent``: who is served today the data cannot tell;
        ``likely_incomplete``: some of those newly within reach may be
        served by facilities the data lacks).

    Examples
    --------
    >>> from circle.standards import load_preset
    >>> preset = load_preset("gb50180_2018")
    >>> before = pd.DataFrame({"population": [100.0, 200.0], "culture_t1": [np.nan, np.nan]})
    >>> after = before.assign(culture_t1=[4.0, np.nan])
    >>> study = Assessment.of(preset, 1.0, {})
    >>> planned = Assessment.of(preset, 1.0, {"culture": 1})
    >>> unscored_changes(before, after, study, planned)["culture"]
    {'newly_served': 100.0, 'losing_service': 0.0, 'scored': False, 'verdict': 'absent'}
    """
    result: dict[str, dict[str, Any]] = {}
    for category in with_added.categories():
        if category.key in assessment.assessable:
            continue
        demand = demand_of(with_added.preset, category, baseline_blocks)
        residents = demand.residents(baseline_blocks)
        column = time_column(category.key, 1)
        before = with_added.passes(category, baseline_blocks[column].to_numpy(float))
        after = with_added.passes(category, scenario_blocks[column].to_numpy(float))
        gained, lost = float(residents[~before & after].sum()), float(residents[before & ~after].sum())
        if gained or lost:
            verdict = ABSENT if category.key in assessment.not_mapped else LIKELY_INCOMPLETE
            result[category.key] = {**_changed(demand, gained, lost), "scored": False, "verdict": verdict}
    return result


def _changed(demand: Demand, gained: float, lost: float) -> dict[str, Any]:
    """Return one category's entry of :func:`compare`: people gained and lost, and whose they are."""
    entry: dict[str, Any] = {"newly_served": round(gained, 1), "losing_service": round(lost, 1)}
    if demand.by_age:
        entry["group"] = demand.record()
    if demand.fallback:
        entry["note"] = demand.notes()
    return entry
