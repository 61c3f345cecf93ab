"""TD/T 1062-2021, complete communities and emergency shelters: presets that are data, on a town checked on paper."""

from __future__ import annotations

import csv

import pytest

from circle.analysis.assess import compute_scores
from circle.pipeline import AnalysisOptions, analyze
from circle.standards import builtin_presets, load_preset
from circle.study import Study
from tests.osm_builder import OsmBuilder, to_lonlat

SPEED = 1.1


def test_the_presets_are_shipped_with_their_tiers_and_the_shelter_category():
    assert {"tdt1062_2021", "complete_community"} <= set(builtin_presets())
    guideline = load_preset("tdt1062_2021")
    assert sorted({int(c.tier.value) for c in guideline.categories}) == [10, 15]
    community = load_preset("complete_community")
    assert {int(c.tier.value) for c in community.categories} == {10}
    for preset in (guideline, community):
        shelter = next(c for c in preset.categories if c.key == "emergency_shelter")
        assert shelter.radius_m.value == 500 and shelter.radius_m.verified is False
        assert "GB 51143-2015" in shelter.radius_m.source
        # what is not confirmed stays marked
        assert all(not c.radius_m.verified for c in preset.categories)


def shelter_town(path):
    """A street y = 0 (x 0…1200); compound 南苑 north of it (x 100…300); an assembly point at x = 700,
    a kindergarten at x = 400 and a nursery at x = 1200 (900 m away: too far)."""
    town = OsmBuilder()
    town.way([town.node(100.0 * i, 0.0) for i in range(13)], highway="residential", name="Main Street")
    town.polygon([(100, 10), (300, 10), (300, 110), (100, 110)], landuse="residential", name="南苑")
    town.node(700, 0.5, emergency="assembly_point", name="应急避难点")
    town.node(400, 0.5, amenity="kindergarten", name="幼儿园")
    town.node(1200, 0.5, amenity="childcare", name="托儿所")
    return town.write(path)


def test_an_assembly_point_is_an_emergency_shelter_and_a_bureau_list_adds_more(tmp_path):
    source = shelter_town(tmp_path / "town.osm")
    study = Study.open(analyze(AnalysisOptions(source=source, preset="complete_community", out=tmp_path / "s")).path)
    block = study.blocks.iloc[0]
    # from the compound's corner (300, 10) to the street and 400 m east
    assert block["emergency_shelter_t1"] == pytest.approx((10 + 400 + 0.5) / SPEED / 60, abs=0.1)
    scores = compute_scores(study).scores.iloc[0]
    assert scores["pass_emergency_shelter"]  # 410 m is within the 500 m radius
    table = tmp_path / "shelters.csv"
    lon, lat = to_lonlat(310, 0.5)
    with open(table, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(
            [["名称", "类别", "经度", "纬度"], ["学校操场避难场所", "emergency_shelter", lon, lat]]
        )
    listed = Study.open(
        analyze(
            AnalysisOptions(source=source, preset="complete_community", out=tmp_path / "l", facilities_file=table)
        ).path
    )
    assert listed.blocks.iloc[0]["emergency_shelter_t1"] < 0.5
    lacking = compute_scores(listed).scores.iloc[0]
    assert lacking["pass_emergency_shelter"] and lacking["pass_kindergarten"]
    # a block lists what it lacks of the complete community
    assert "托儿所" in lacking["missing_zh"] and "应急避难场所" not in lacking["missing_zh"]
    assert lacking["tier_met"] == 0
