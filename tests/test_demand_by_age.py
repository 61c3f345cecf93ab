"""A category's figures count the age group it serves (issue 30): coverage, priority, E2SFCA, sites.

The hand-made town of :func:`town_table` (figures worked out on paper)::

    block  residents  aged 3–6  aged 60+  kindergarten  elderly care
    a        1,000        20       400       3 min         20 min     (a block of retirees)
    b          500        60        50       3 min         20 min
    c          800        80        60      10 min          3 min
    d          200        40        10      none            3 min
    e          500         0       200       2 min         20 min
    total    3,000       200       720

The GB 50180 radii are 300 m for both (4.55 min at 1.1 m/s). Kindergarten:
a, b and e pass. By all residents 2,000 of 3,000 = 66.7 %; by children aged
3–6, 20 + 60 + 0 = 80 of 200 = 40 %. Elderly care: c and d pass; by all
residents 1,000 of 3,000 = 33.3 %, by residents aged 60 and over
60 + 10 = 70 of 720 = 9.72 %.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from circle.analysis.demand import NO_COLUMN, UNKNOWN_FOR_SOME, demand_of
from circle.analysis.planning import renewal_priority
from circle.analysis.scoring import Assessment, compare, score_blocks, summarize
from circle.standards import Sourced, load_preset
from circle.standards.categories import SERVES_EVERYONE
from tests.osm_builder import OsmBuilder

SERVES = {"kindergarten": "age_3_6", "elderly_care": "age_60_plus", "primary_school": "age_6_12"}


def aged_preset():
    """The GB 50180 preset whose kindergarten, primary school and elderly care say whom they serve."""
    preset = load_preset()
    categories = tuple(
        dataclasses.replace(c, serves=Sourced(SERVES[c.key], "test", False)) if c.key in SERVES else c
        for c in preset.categories
    )
    return dataclasses.replace(preset, categories=categories)


def everyone_preset():
    """The GB 50180 preset with every category serving everyone (as before residents by age)."""
    preset = load_preset()
    categories = tuple(dataclasses.replace(c, serves=SERVES_EVERYONE) for c in preset.categories)
    return dataclasses.replace(preset, categories=categories)


def town_table(ages: bool = True) -> pd.DataFrame:
    rows = {
        "block_id": ["a", "b", "c", "d", "e"],
        "population": [1000.0, 500.0, 800.0, 200.0, 500.0],
    }
    if ages:
        rows["pop_age_3_6"] = [20.0, 60.0, 80.0, 40.0, 0.0]
        rows["pop_age_60_plus"] = [400.0, 50.0, 60.0, 10.0, 200.0]
        rows["pop_age_6_12"] = [30.0, 70.0, 90.0, 50.0, 10.0]
    minutes = {"kindergarten": [3.0, 3.0, 10.0, np.nan, 2.0], "elderly_care": [20.0, 20.0, 3.0, 3.0, 20.0]}
    for category in load_preset().categories:
        for rank in (1, 2, 3):
            rows[f"{category.key}_t{rank}"] = np.array(minutes.get(category.key, [2.0] * 5)) + (rank - 1) * 100
    return pd.DataFrame(rows)


def assessed(preset):
    return Assessment.of(preset, 1.1, {c.key: 5 for c in preset.categories})


def test_kindergarten_coverage_counts_children_aged_3_to_6():
    preset = aged_preset()
    assessment = assessed(preset)
    summary = summarize(score_blocks(town_table(), assessment), assessment)
    kindergarten = summary.categories["kindergarten"]
    assert kindergarten.coverage == pytest.approx(80 / 200)  # not 2,000 / 3,000
    assert kindergarten.unserved == pytest.approx(120)
    assert kindergarten.group == {"key": "age_3_6", "zh": "3–6岁幼儿", "en": "children aged 3–6", "residents": 200.0}
    assert kindergarten.note is None
    # within 5 min: a, b, e (80 children); within 10: and c (160); within 15: d has none
    assert kindergarten.within_min == {"5": 0.4, "10": 0.8, "15": 0.8}
    # the same table with everyone counted: the all-residents figure of the docstring
    everyone = summarize(score_blocks(town_table(), assessed(everyone_preset())), assessed(everyone_preset()))
    assert everyone.categories["kindergarten"].coverage == pytest.approx(round(2000 / 3000, 4))
    assert everyone.categories["kindergarten"].group is None
    # tiers, F15 and the mean score stay over all residents
    assert summary.F15 == everyone.F15 and summary.mean_score == everyone.mean_score


def test_elderly_care_counts_the_over_60s():
    assessment = assessed(aged_preset())
    elderly = summarize(score_blocks(town_table(), assessment), assessment).categories["elderly_care"]
    assert elderly.coverage == pytest.approx(round(70 / 720, 4))
    assert elderly.unserved == pytest.approx(650)
    assert elderly.group["en"] == "residents aged 60 and over"
    park = summarize(score_blocks(town_table(), assessment), assessment).categories["park"]
    assert park.coverage == 1.0 and park.group is None  # everyone's category, everyone counted


def test_a_sub_area_counts_its_own_children():
    assessment = assessed(aged_preset())
    scores = score_blocks(town_table(), assessment)
    inner = summarize(scores.iloc[[2, 3]].reset_index(drop=True), assessment)  # blocks c and d: 120 children
    assert inner.categories["kindergarten"].coverage == 0.0
    assert inner.categories["kindergarten"].group["residents"] == pytest.approx(120)
    assert inner.categories["elderly_care"].coverage == 1.0


def test_an_old_study_without_ages_counts_everyone_and_says_so():
    preset = aged_preset()
    assessment = assessed(preset)
    summary = summarize(score_blocks(town_table(ages=False), assessment), assessment)
    kindergarten = summary.categories["kindergarten"]
    assert kindergarten.coverage == pytest.approx(round(2000 / 3000, 4))
    assert kindergarten.group is None
    assert kindergarten.note["en"] == (
        "Kindergarten coverage counts all residents, not children aged 3–6: this study has no "
        "residents by age; analyse it again"
    )
    assert kindergarten.note["zh"].startswith("幼儿园覆盖率按全体居民计算，而非3–6岁幼儿")
    assert summary.categories["park"].note is None  # a park serves everyone: nothing to say
    # ages unknown for some blocks: everyone again, with its own reason
    partial = town_table()
    partial.loc[1, "pop_age_3_6"] = np.nan
    demand = demand_of(preset, preset.category("kindergarten"), partial)
    assert demand.fallback == UNKNOWN_FOR_SOME and not demand.by_age
    assert "unknown for some blocks" in demand.note("en")
    assert demand_of(preset, preset.category("kindergarten"), town_table(ages=False)).fallback == NO_COLUMN


def test_ages_from_the_regions_average_structure_are_said_to_tell_no_block_apart():
    preset = aged_preset()
    assessment = assessed(preset)
    table = town_table().assign(pop_age_source="region")
    kindergarten = summarize(score_blocks(table, assessment), assessment).categories["kindergarten"]
    assert kindergarten.group["key"] == "age_3_6"  # still the children's figures …
    assert "the region's average age structure" in kindergarten.note["en"]  # … but said to be an average
    table.loc[0, "pop_age_source"] = "census"  # one block with its own census ages: no such note
    assert summarize(score_blocks(table, assessment), assessment).categories["kindergarten"].note is None


def test_priority_follows_the_children_when_retirees_and_young_families_swap():
    """Blocks x (retirees) and y (young families) both lack only a kindergarten (none within reach).

    priority = Σ_c w_c × shortfall_c × P_{b,g(c)}^α with α = 1 and w = 1:
    x = 1 × 1 × 10 = 10, y = 1 × 1 × 90 = 90, so y comes first, although x
    has more residents (by all residents x = 1,000, y = 600). Swapping who
    lives where swaps the order.
    """
    preset = aged_preset()
    assessment = assessed(preset)
    table = town_table().iloc[:2].reset_index(drop=True)
    table["block_id"] = ["x", "y"]
    table["population"] = [1000.0, 600.0]
    table["pop_age_3_6"] = [10.0, 90.0]
    for rank in (1, 2, 3):
        table[f"kindergarten_t{rank}"] = np.nan
        table[f"elderly_care_t{rank}"] = 2.0
    scored = renewal_priority(score_blocks(table, assessment), table, assessment)
    assert scored["priority"].tolist() == pytest.approx([10.0, 90.0])
    assert scored["priority_rank"].tolist() == [2, 1]
    assert scored["reasons_en"].iloc[1] == (
        "600 residents: no kindergarten within a 30-minute walk, for 90 children aged 3–6"
    )
    assert scored["reasons_zh"].iloc[1] == "居民600人：步行30分钟内无幼儿园（3–6岁幼儿90人）"
    swapped = table.assign(pop_age_3_6=[90.0, 10.0])
    assert renewal_priority(score_blocks(swapped, assessment), swapped, assessment)["priority_rank"].tolist() == [1, 2]
    # counted by all residents (no ages), the bigger block x would come first
    old = table.drop(columns=["pop_age_3_6", "pop_age_60_plus", "pop_age_6_12"])
    assert renewal_priority(score_blocks(old, assessment), old, assessment)["priority_rank"].tolist() == [1, 2]
    # a flagged block weighs nothing, as before
    flagged = table.assign(pop_flag=["", "too_dense"])
    assert renewal_priority(score_blocks(flagged, assessment), flagged, assessment)["priority"].tolist() == [10.0, 0.0]


def test_priority_sums_each_category_by_its_own_group():
    """Block c lacks the kindergarten (shortfall min(1, (10 − 4.545)/4.545) = 1, 80 children);
    block d lacks it too (none: 1, 40 children). a, b and e lack elderly care (20 min: 1) with
    400, 50 and 200 residents aged 60 and over, weight 1.25 in the GB preset."""
    preset = aged_preset()
    assessment = assessed(preset)
    table = town_table()
    scored = renewal_priority(score_blocks(table, assessment), table, assessment)
    weight = float(preset.category("elderly_care").weight.value)
    assert scored["priority"].tolist() == pytest.approx([weight * 400, weight * 50, 80.0, 40.0, weight * 200])


def test_a_scenario_counts_the_children_it_serves():
    assessment = assessed(aged_preset())
    baseline = score_blocks(town_table(), assessment)
    plan = town_table()
    plan.loc[[2, 3], "kindergarten_t1"] = 1.0  # a new kindergarten beside c and d
    diff = compare(baseline, score_blocks(plan, assessment), assessment)
    assert diff["categories"]["kindergarten"]["newly_served"] == pytest.approx(120)  # 80 + 40 children, not 1,000
    assert diff["categories"]["kindergarten"]["group"]["key"] == "age_3_6"
    # c and d now pass everything (a, b and e still miss elderly care): the 15-minute tier counts all
    # residents of c and d, 800 + 200, not their children
    assert diff["newly_meeting_15"] == pytest.approx(1000)
    assert diff["F15"]["scenario"] == pytest.approx(round(1000 / 3000, 4))


def test_only_the_served_groups_columns_are_carried_into_scores():
    from circle.analysis.demand import group_columns

    assert group_columns(aged_preset(), town_table()) == ["pop_age_3_6", "pop_age_6_12", "pop_age_60_plus"]
    assert group_columns(everyone_preset(), town_table()) == []  # a preset whose categories serve everyone


# ---------------------------------------------------------------- a study: E2SFCA and suggested sites


def three_compounds(path):
    """A street from x = 0 to 2000 m; compounds north of it at x 100–300 (A), 1100–1300 (B), 1700–1900 (C).

    A kindergarten of 30 places stands on the street at x = 1800, beside C.
    """
    town = OsmBuilder()
    street = [town.node(100.0 * i, 0.0) for i in range(21)]
    town.way(street, highway="residential", name="Main Street")
    for name, west in (("A", 100), ("B", 1100), ("C", 1700)):
        town.polygon([(west, 10), (west + 200, 10), (west + 200, 110), (west, 110)], landuse="residential", name=name)
    town.node(1800, 0.5, amenity="kindergarten", name="Sunflower kindergarten", capacity="30")
    return town.write(path)


#: residents and children aged 3–6 of A (retirees), B (young families) and C
RESIDENTS = {"A": (1200.0, 15.0), "B": (400.0, 70.0), "C": (300.0, 45.0)}


@pytest.fixture(scope="module")
def aged_study(tmp_path_factory):
    from circle.pipeline import AnalysisOptions, analyze

    folder = tmp_path_factory.mktemp("aged")
    study = analyze(AnalysisOptions(source=three_compounds(folder / "town.osm"), out=folder / "study"))
    preset_file = folder / "aged.yaml"
    preset_file.write_text(
        _builtin_preset_text().replace(
            "  - key: kindergarten\n",
            "  - key: kindergarten\n    serves: {value: age_3_6, source: test, verified: false}\n",
        ),
        encoding="utf-8",
    )
    return study.path, preset_file


def _builtin_preset_text() -> str:
    from importlib import resources

    return resources.files("circle.standards").joinpath("gb50180_2018.yaml").read_text(encoding="utf-8")


def _with_residents(path, ages: bool = True):
    """Open the study with the residents of :data:`RESIDENTS` on its blocks (west to east: A, B, C)."""
    from circle.study import Study

    study = Study.open(path)
    blocks = study.blocks.copy()
    assert len(blocks) == 3, blocks["block_id"].tolist()
    west_to_east = np.argsort(blocks.geometry.representative_point().x.to_numpy())
    names = np.empty(3, dtype=object)
    names[west_to_east] = ["A", "B", "C"]
    blocks["population"] = [RESIDENTS[n][0] for n in names]
    blocks = blocks.drop(columns=[c for c in blocks.columns if c.startswith("pop_age_")])  # as built before ages
    if ages:
        blocks["pop_age_3_6"] = [RESIDENTS[n][1] for n in names]
    study.blocks = blocks
    return study, names


@pytest.mark.slow  # building the study takes ~30 s on a busy machine
def test_e2sfca_demand_is_the_catchments_children(aged_study):
    """C (45 children) is within 5 minutes of the kindergarten (weight 1), B (70) 500–600 m away, in the
    5–10-minute band (weight 0.68), A beyond 15 minutes: demand 45 + 0.68 × 70 = 92.6 children for 30
    places, over-subscribed (one child per place). By all residents it was 300 + 0.68 × 400 = 572."""
    from circle.analysis.assess import compute_scores

    path, preset_file = aged_study
    study, _ = _with_residents(path)
    supply = compute_scores(study, preset_file).summary.supply["categories"]["kindergarten"]
    facility = supply["facilities"][0]
    assert facility["weighted_demand"] == pytest.approx(45 + 0.68 * 70)
    assert facility["ratio"] == pytest.approx(30 / (45 + 0.68 * 70), rel=1e-4)
    assert supply["group"]["key"] == "age_3_6" and supply["residents_per_place"] == 1.0
    assert supply["oversubscribed"] == [facility["facility_id"]]
    old, _ = _with_residents(path, ages=False)
    everyone = compute_scores(old, preset_file).summary
    assert everyone.supply["categories"]["kindergarten"]["facilities"][0]["weighted_demand"] == pytest.approx(
        300 + 0.68 * 400
    )
    assert "analyse it again" in everyone.categories["kindergarten"].note["en"]


@pytest.mark.slow
def test_a_suggested_kindergarten_goes_where_the_children_are(aged_study):
    """A (1,200 residents, 15 children) and B (400 residents, 70 children) lack a kindergarten within
    300 m, and no site reaches both (1 km apart). One new kindergarten: by children it goes to B (70);
    by all residents it would go to A (1,200)."""
    from circle.analysis.assess import compute_suggestions

    path, preset_file = aged_study
    study, _ = _with_residents(path)
    sites, payload = compute_suggestions(study, "kindergarten", 1, preset=preset_file)
    assert sites["gain"].tolist() == [70.0]
    assert 1000 <= _east_m(sites) <= 1400
    assert payload["unserved_before"] == pytest.approx(85)
    assert payload["group"]["en"] == "children aged 3–6"
    old, _ = _with_residents(path, ages=False)
    sites, payload = compute_suggestions(old, "kindergarten", 1, preset=preset_file)
    assert sites["gain"].tolist() == [1200.0]
    assert _east_m(sites) <= 400
    assert "no residents by age" in payload["note"]["en"]


def _east_m(sites) -> float:
    from tests.osm_builder import to_lonlat

    west, _ = to_lonlat(0.0, 0.0)
    east, _ = to_lonlat(1000.0, 0.0)
    return float((sites["lon"].iloc[0] - west) / (east - west) * 1000.0)


def test_circle_score_names_the_group_it_counts_and_the_summary_keeps_it():
    from circle.cli.score import category_line
    from circle.study.summary import ScoreSummary

    assessment = assessed(aged_preset())
    summary = summarize(score_blocks(town_table(), assessment), assessment)
    kindergarten = summary.categories["kindergarten"]
    assert category_line("Kindergarten", kindergarten, "en").endswith(
        "covers  40.0% of children aged 3–6 (80 of 200); unserved 120"
    )
    assert "覆盖3–6岁幼儿的  40.0%（80/200人）" in category_line("幼儿园", kindergarten, "zh")
    assert category_line("Park", summary.categories["park"], "en").split() == [
        "Park", "coverage", "100.0%", "unserved", "0"
    ]  # fmt: skip
    again = ScoreSummary.from_dict(summary.to_dict())  # as summary.json is read back
    assert again.categories["kindergarten"].group == kindergarten.group
    old = summarize(score_blocks(town_table(ages=False), assessment), assessment)
    assert ScoreSummary.from_dict(old.to_dict()).categories["kindergarten"].note == old.categories["kindergarten"].note


@pytest.mark.slow
def test_a_place_serves_what_the_preset_says_of_its_group(aged_study, tmp_path):
    """With ``served_per_place: 4`` (a place for every fourth child, say) the 30 places serve 120 children:
    the 92.6 children weighing on the kindergarten no longer over-subscribe it; 1 per place (the default) did."""
    from circle.analysis.assess import compute_scores

    path, preset_file = aged_study
    four = tmp_path / "four.yaml"
    four.write_text(
        preset_file.read_text(encoding="utf-8").replace(
            "    serves: {value: age_3_6, source: test, verified: false}\n",
            "    serves: {value: age_3_6, source: test, verified: false}\n"
            "    served_per_place: {value: 4, source: test, verified: false}\n",
        ),
        encoding="utf-8",
    )
    study, _ = _with_residents(path)
    supply = compute_scores(study, four).summary.supply["categories"]["kindergarten"]
    assert supply["residents_per_place"] == 4.0
    assert supply["facilities"][0]["weighted_demand"] == pytest.approx(45 + 0.68 * 70)
    assert supply["oversubscribed"] == []
