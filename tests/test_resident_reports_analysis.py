"""Residents' reports in the analysis: accepted ones become scenario changes, counted by community, in the report.

A hand-made town of two communities, checked on paper: the clinic nearest a
pin is found from the builder's metres, the segments a blocked path closes
from the node coordinates, and the scenario's scores against the what-if
engine run directly.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
import shapely

from circle.analysis.assess import assessment_of, study_preset
from circle.analysis.resident_reports import (
    BY_BLOCK,
    BY_COMMUNITY,
    counts_by_place,
    outcomes,
    proposed_change,
    report_places,
)
from circle.analysis.saved_reach import blocks_with_reach, scenario_engine
from circle.analysis.scoring import score_blocks
from circle.deploy.reports import KINDS, STATUSES, ResidentReport
from circle.errors import CircleError
from circle.pipeline import AnalysisOptions, analyze
from circle.study import Study
from circle.study.scenarios import Change, link_reports, load_closed, load_scenario, scenario_reports
from circle.tasks.triage import take_into_scenario
from tests.osm_builder import ORIGIN_LAT, ORIGIN_LON, OsmBuilder, to_lonlat

WEST, EAST = "西城社区", "东城社区"


def _ring(town: OsmBuilder, corners):
    ids = [town.node(e, n) for e, n in corners]
    ids.append(ids[0])
    return [("way", town.way([a, b]), "outer") for a, b in itertools.pairwise(ids)]


def two_community_town(path):
    """Streets along y = 0 and y = 300 (x 0…1000), joined at x = 0, 500 and 1000.

    Communities (admin_level 10): 西城社区 west of x = 500, 东城社区 east of it.
    Compounds 西苑 (x 30–230), 中苑 (270–470) in the west, 东苑 (530–970) in the
    east. Clinics on the south street at x = 200 (西卫生站), 330 (中卫生站) and
    800 (东卫生站); a kindergarten on the north street at x = 600.
    """
    town = OsmBuilder()
    south = [town.node(100.0 * i, 0.0) for i in range(11)]
    town.way(south, highway="residential", name="南街")
    north = [town.node(100.0 * i, 300.0) for i in range(11)]
    town.way(north, highway="residential", name="北街")
    for i in (0, 5, 10):
        town.way([south[i], town.node(100.0 * i, 150.0), north[i]], highway="residential")
    for corners, name in (
        ([(-100, -100), (500, -100), (500, 400), (-100, 400)], WEST),
        ([(500, -100), (1100, -100), (1100, 400), (500, 400)], EAST),
    ):
        town.relation(_ring(town, corners), type="boundary", boundary="administrative", admin_level="10", name=name)
    town.polygon([(30, 30), (230, 30), (230, 270), (30, 270)], landuse="residential", name="西苑")
    town.polygon([(270, 30), (470, 30), (470, 270), (270, 270)], landuse="residential", name="中苑")
    town.polygon([(530, 30), (970, 30), (970, 270), (530, 270)], landuse="residential", name="东苑")
    town.node(200, 0.5, amenity="clinic", name="西卫生站")
    town.node(330, 0.5, amenity="clinic", name="中卫生站")
    town.node(800, 0.5, amenity="clinic", name="东卫生站")
    town.node(600, 300.5, amenity="kindergarten", name="东幼儿园")
    return town.write(path)


def metres(lon: float, lat: float) -> tuple[float, float]:
    """The builder's metres east and north of its origin (the inverse of :func:`tests.osm_builder.to_lonlat`)."""
    return (
        (lon - ORIGIN_LON) * 111_412.0 * math.cos(math.radians(ORIGIN_LAT)),
        (lat - ORIGIN_LAT) * 110_852.0,
    )


def report(number, kind, category, east, north, block_id=None, status="new", reason=None, scenario=None):
    lon, lat = to_lonlat(east, north)
    return ResidentReport(
        report_id=number,
        site="town",
        block_id=block_id,
        kind=kind,
        category=category,
        lon=lon,
        lat=lat,
        text="诊所已经关门了",
        contact=None,
        created_at=dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC),
        status=status,
        reason=reason,
        decided_by=None if status == "new" else "wang",
        decided_at=None,
        scenario=scenario,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports_town")
    result = analyze(AnalysisOptions(source=two_community_town(folder / "town.osm"), out=folder / "studies" / "town"))
    return result.path


@pytest.fixture
def town(built, tmp_path):
    """A fresh copy of the town's study (scenarios saved by one test never reach another)."""
    copy = tmp_path / "studies" / "town"
    shutil.copytree(built, copy)
    return Study.open(copy)


def block_of(study, where):
    """Return the id of the block whose outline holds the point ``where`` (east, north in metres)."""
    lon, lat = to_lonlat(*where)
    inside = study.blocks.geometry.contains(shapely.Point(lon, lat))
    (block_id,) = study.blocks.loc[inside, "block_id"].astype(str)
    return block_id


def facility_id_named(study, name):
    (found,) = study.facilities.loc[study.facilities["name"] == name, "facility_id"]
    return found


# closed, wrong, missing ------------------------------------------------------------------------------------


def test_the_nearest_clinic_to_the_pin_is_found_from_the_builders_metres(town):
    pin = (300.0, 5.0)
    by_hand = {}
    for name, east, north in (("西卫生站", 200, 0.5), ("中卫生站", 330, 0.5), ("东卫生站", 800, 0.5)):
        by_hand[name] = math.hypot(east - pin[0], north - pin[1])
    nearest = min(by_hand, key=by_hand.get)
    assert nearest == "中卫生站"
    proposal = proposed_change(town, report(1, "closed", "clinic", *pin))
    assert proposal.action == "remove"
    assert proposal.facility_name == nearest
    assert proposal.change == Change("remove", facility_id=facility_id_named(town, nearest))
    assert proposal.distance_m == pytest.approx(by_hand[nearest], abs=0.5)
    # a report of the wrong category: the kindergarten 15 m away is not a clinic, and no clinic is within 150 m
    far = proposed_change(town, report(2, "closed", "clinic", 610, 290))
    assert far.action == "none" and far.why == "none_near" and far.change is None
    lon, lat = to_lonlat(610, 290)
    assert far.alternative == Change("add", category="clinic", lat=round(lat, 7), lon=round(lon, 7))
    wrong = proposed_change(town, report(3, "wrong", "kindergarten", 610, 290))
    assert wrong.facility_name == "东幼儿园" and wrong.distance_m == pytest.approx(math.hypot(10, 10.5), abs=0.5)


def test_a_missing_facility_is_added_at_the_pin(town):
    proposal = proposed_change(town, report(4, "missing", "kindergarten", 100, 150))
    lon, lat = to_lonlat(100, 150)
    assert proposal.action == "add"
    assert proposal.change == Change("add", category="kindergarten", lat=round(lat, 7), lon=round(lon, 7))
    assert proposed_change(town, report(5, "missing", None, 100, 150)).why == "no_category"
    with pytest.raises(CircleError, match="does not hold"):
        proposed_change(town, report(6, "missing", "swimming_pool", 100, 150))


def test_an_accepted_closed_clinic_report_is_a_scenario_scored_as_the_engine_scores_it(town):
    proposal = proposed_change(town, report(7, "closed", "clinic", 300, 5))
    outcome = take_into_scenario(town, 7, proposal.change, "residents-7", "wang")
    assert outcome["reports"] == [7]
    description, blocks = load_scenario(town, "residents-7")
    assert description["reports"] == [7] and description["author"] == "wang"
    assert [c["kind"] for c in description["changes"]] == ["remove"]
    removed = description["changes"][0]["facility_id"]
    assert removed == facility_id_named(town, "中卫生站")
    # the what-if engine run directly, on the same change
    changes = [Change("remove", facility_id=removed)]
    engine = scenario_engine(town)
    engine.apply(changes)
    direct = blocks_with_reach(town, engine)
    assessment = assessment_of(town, study_preset(town))  # scored as the study is
    saved_scores = pd.read_parquet(town.path / "scenarios" / "residents-7" / "scores.parquet")
    pd.testing.assert_frame_equal(saved_scores, score_blocks(direct, assessment), check_dtype=False)
    reach = [c for c in town.blocks.columns if c.startswith("clinic_")]
    pd.testing.assert_frame_equal(blocks[reach], direct[reach], check_dtype=False)
    # 中苑 walked to 中卫生站; now it walks further, and no block has the removed clinic as its nearest
    middle = town.blocks["block_id"].astype(str).tolist().index(block_of(town, (370, 150)))
    assert town.blocks["clinic_id1"].iloc[middle] == removed
    assert blocks["clinic_t1"].iloc[middle] > town.blocks["clinic_t1"].iloc[middle]
    assert removed not in set(blocks["clinic_id1"].dropna())


def test_a_second_report_joins_the_scenario_and_the_same_report_twice_changes_nothing(town):
    first = proposed_change(town, report(8, "closed", "clinic", 300, 5)).change
    second = proposed_change(town, report(9, "missing", "kindergarten", 100, 150)).change
    take_into_scenario(town, 8, first, "both", "wang")
    outcome = take_into_scenario(town, 9, second, "both", "wang")
    assert outcome["reports"] == [8, 9]
    description, _ = load_scenario(town, "both")
    assert [c["kind"] for c in description["changes"]] == ["remove", "add"]
    again = take_into_scenario(town, 9, second, "both", "wang")
    assert again["reports"] == [8, 9] and len(load_scenario(town, "both")[0]["changes"]) == 2


# blocked paths ------------------------------------------------------------------------------------------------


def segments_within(study, east, north, radius_m):
    """The undirected segments within ``radius_m`` of (east, north), found from the nodes' degrees."""
    nodes = study.nodes.set_index("node")
    found = set()
    for u, v in zip(study.edges["u"], study.edges["v"], strict=True):
        a = metres(nodes.at[u, "lon"], nodes.at[u, "lat"])
        b = metres(nodes.at[v, "lon"], nodes.at[v, "lat"])
        if shapely.LineString([a, b]).distance(shapely.Point(east, north)) <= radius_m:
            found.add((min(u, v), max(u, v)))
    return found


def test_a_blocked_path_closes_the_segments_at_the_pin(town):
    pin = (500.0, 100.0)  # on the middle street, between its nodes at y = 0 and y = 150
    expected = segments_within(town, *pin, 15.0)
    assert len(expected) == 1  # on paper: the one segment from (500, 0) to (500, 150)
    proposal = proposed_change(town, report(10, "blocked_path", None, *pin))
    assert proposal.action == "close" and proposal.segments == 1
    outcome = take_into_scenario(town, 10, proposal.change, "blocked", "wang")
    closed = load_closed(town, "blocked")
    assert len(closed) == len(expected) == outcome["diff"]["closure"]["segments_closed"]
    assert closed["length_m"].sum() == pytest.approx(150.0, abs=1.0)
    for line in closed.geometry:
        local = shapely.LineString([metres(x, y) for x, y in line.coords])
        assert local.distance(shapely.Point(*pin)) <= 15.0
    # a pin in the middle of a compound, 150 m from any street, closes nothing
    assert segments_within(town, 250.0, 150.0, 15.0) == set()
    inside = proposed_change(town, report(11, "blocked_path", None, 250, 150))
    assert inside.action == "none" and inside.why == "no_segment"


# counting -----------------------------------------------------------------------------------------------------


def test_reports_are_counted_by_community(town):
    west_block, middle_block, east_block = (block_of(town, p) for p in ((100, 150), (370, 150), (700, 150)))
    reports = [
        report(1, "closed", "clinic", 300, 5, block_id=middle_block),  # sent from 中苑's page: 西城
        report(2, "missing", "kindergarten", 100, 150),  # pin in 西苑: 西城
        report(3, "blocked_path", None, 700, 150, status="accepted", scenario="s"),  # pin in 东苑: 东城
        report(4, "wrong", "clinic", 800, 200, block_id=east_block, status="rejected", reason="还开着"),
        report(5, "missing", "clinic", 5000, 5000),  # far outside: in no block
        report(6, "closed", "clinic", 150, 200, block_id=west_block, status="accepted", scenario="s"),
    ]
    places = report_places(reports, town.blocks, "zh")
    assert places.grouping == BY_COMMUNITY
    assert places.names == [WEST, WEST, EAST, EAST, None, WEST]
    table = counts_by_place(reports, places, KINDS, STATUSES)
    assert table["place"].tolist() == [WEST, EAST, None]
    assert table[[*KINDS, *STATUSES, "total"]].to_numpy().tolist() == [
        [1, 2, 0, 0, 2, 1, 0, 3],
        [0, 0, 1, 1, 0, 1, 1, 2],
        [1, 0, 0, 0, 1, 0, 0, 1],
    ]
    done = outcomes(reports)
    assert done.accepted == [(3, "s"), (6, "s")]
    assert done.rejected == [(4, "还开着")]
    assert done.open == [1, 2, 5]


def test_without_communities_reports_are_counted_by_block(town):
    blocks = town.blocks.assign(community=None)
    east_block = block_of(town, (700, 150))
    reports = [report(1, "closed", "clinic", 700, 150), report(2, "missing", "clinic", 800, 100)]
    places = report_places(reports, blocks, "zh")
    assert places.grouping == BY_BLOCK
    assert places.names == ["东苑", "东苑"]
    table = counts_by_place(reports, places, KINDS, STATUSES)
    assert table["total"].tolist() == [2] and table["missing"].tolist() == [1] and table["new"].tolist() == [2]
    assert counts_by_place([], places, KINDS, STATUSES).empty
    # blocks of one name are told apart by their ids, never counted as one place
    alike = report_places([*reports[:1], report(3, "closed", "clinic", 100, 150)], blocks.assign(name="同名"), "zh")
    assert alike.names == [f"同名 · {east_block}", f"同名 · {block_of(town, (100, 150))}"]


# scenario.json --------------------------------------------------------------------------------------------------


def test_scenarios_saved_before_reports_existed_have_none_and_can_take_some(town):
    from circle.tasks.whatif import what_if

    lon, lat = to_lonlat(100, 150)
    what_if(town, [Change("add", category="kindergarten", lat=lat, lon=lon)]).save("plain", "li")
    description, _ = load_scenario(town, "plain")
    assert "reports" not in description and scenario_reports(description) == []
    assert link_reports(town, "plain", [12, 3, 12]) == [3, 12]
    kept = json.loads((town.path / "scenarios" / "plain" / "scenario.json").read_text(encoding="utf-8"))
    assert kept["reports"] == [3, 12] and kept["changes"] == description["changes"] and kept["author"] == "li"
    with pytest.raises(CircleError, match="number"):
        link_reports(town, "plain", [0])
    with pytest.raises(CircleError, match="no scenario"):
        link_reports(town, "missing-one", [1])


# the report's section ----------------------------------------------------------------------------------------


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_report_counts_the_reports_by_community_and_says_what_was_done(town, tmp_path, monkeypatch):
    from circle.deploy.db import close_all, database_for
    from circle.deploy.reports import decide_report, submit_report
    from circle.report import build_report
    from circle.report.fonts import find_font

    monkeypatch.delenv("CIRCLE_CONFIG", raising=False)
    monkeypatch.delenv("CIRCLE_STUDIES", raising=False)
    monkeypatch.chdir(tmp_path)  # no circle.toml here: the studies folder's own database
    plain = build_report(town, tmp_path / "none.pdf", lang="en")
    assert "Residents' reports" not in pdf_text(plain.path)  # a study outside a deployment: no section
    assert not (town.path.parent / ".circle.db").exists()  # and no database made for it
    database = database_for(town.path.parent)
    middle_block = block_of(town, (370, 150))
    sent = []
    for number, (kind, category, where, block) in enumerate(
        [
            ("closed", "clinic", (300, 5), middle_block),
            ("missing", "kindergarten", (100, 150), None),
            ("blocked_path", None, (700, 150), None),
            ("wrong", "clinic", (800, 200), None),
            ("missing", "clinic", (120, 160), None),
        ]
    ):
        lon, lat = to_lonlat(*where)
        sent.append(
            submit_report(
                database,
                site=town.path.name,
                block_id=block,
                kind=kind,
                category=category,
                lon=lon,
                lat=lat,
                text="<b>写给规划局</b>",
                contact="13800000000",
                address=f"10.0.0.{number}",
            )
        )
    submit_report(
        database,
        site="another-study",
        block_id=None,
        kind="closed",
        category="clinic",
        lon=lon,
        lat=lat,
        text="not this study",
        contact=None,
        address="10.0.1.1",
    )
    decide_report(database, sent[0], accepted=True, by="wang", scenario="residents")
    decide_report(database, sent[3], accepted=False, by="wang", reason="The clinic is open: visited 2 December")
    english = pdf_text(build_report(town, tmp_path / "en.pdf", lang="en").path)
    section = english[english.index("Residents' reports") : english.index("Appendix: coordinates")]
    assert "Residents sent 5 reports from the published site: 1 accepted, 1 rejected, 3 still open" in section
    # the table: west (closed 1, missing 2; open 2, accepted 1), east (blocked 1, wrong 1; open 1, rejected 1)
    rows = {line.split()[0]: line.split()[1:] for line in section.splitlines() if line.strip()[:4] in (WEST, EAST)}
    assert rows[WEST] == ["2", "1", "0", "0", "2", "1", "0", "3"]
    assert rows[EAST] == ["0", "0", "1", "1", "1", "0", "1", "2"]
    assert "Taken into scenario “residents”: #" + str(sent[0]) in " ".join(section.split())
    assert f"No. {sent[3]} rejected: The clinic is open: visited 2 December" in " ".join(section.split())
    still_open = ", ".join(f"#{n}" for n in (sent[1], sent[2], sent[4]))
    assert f"Still open: {still_open}." in " ".join(section.split())
    assert "13800000000" not in english and "写给规划局" not in english  # neither contacts nor words are printed
    if find_font().has_cjk:
        chinese = " ".join(pdf_text(build_report(town, tmp_path / "zh.pdf", lang="zh").path).split())
        assert "居民通过公开页面反映了 5 条意见：已采纳 1 条，未采纳 1 条，待处理 3 条" in chinese
        assert f"纳入方案“residents”：第 {sent[0]} 号" in chinese
    close_all()


def test_the_counts_do_not_depend_on_the_order_reports_arrive(town):
    reports = [
        report(1, "closed", "clinic", 350, 100),  # in 中苑
        report(2, "missing", "kindergarten", 100, 150),  # in 西苑
        report(3, "blocked_path", None, 700, 150),  # in 东苑
        report(4, "closed", "clinic", 5000, 5000),  # far outside: in no block
    ]
    forwards = counts_by_place(reports, report_places(reports, town.blocks), KINDS, STATUSES)
    backwards = counts_by_place(reports[::-1], report_places(reports[::-1], town.blocks), KINDS, STATUSES)
    pd.testing.assert_frame_equal(forwards, backwards)
    assert forwards["place"].tolist() == [WEST, EAST, None]
    assert np.array_equal(forwards["total"].to_numpy(), [2, 1, 1])


def test_a_pin_on_a_street_belongs_to_the_nearest_block_within_150_m(town):
    on_streets = [
        report(1, "blocked_path", None, 300, 5),  # 25 m south of 中苑 (x 270–470), 70 m from 西苑
        report(2, "closed", "clinic", 900, 290),  # 20 m north of 东苑
        report(3, "closed", "clinic", 500, -400),  # 370 m south of every block
    ]
    places = report_places(on_streets, town.blocks, "zh")
    ids = town.blocks["block_id"].astype(str).tolist()
    assert [ids[b] if b >= 0 else None for b in places.blocks] == [
        block_of(town, (370, 150)),
        block_of(town, (700, 150)),
        None,
    ]
    assert places.names == [WEST, EAST, None]
