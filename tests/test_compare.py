"""Comparing studies: a study with itself, with a scenario of itself, and with its blocks redrawn."""

from __future__ import annotations

import json
import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from circle.analysis.compare import compare_studies, match_blocks
from circle.cli import main
from circle.pipeline import AnalysisOptions, analyze
from circle.study import Study
from circle.study.comparison import read_comparison
from circle.study.scenarios import Change
from circle.tasks.whatif import what_if


@pytest.fixture(scope="module")
def chengdu(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    return Study.open(analyze(AnalysisOptions(out=folder / "study")).path)


def test_a_study_against_itself_changes_nothing(chengdu, tmp_path):
    summary = compare_studies(chengdu.path, chengdu.path, tmp_path / "same")
    assert summary["blocks"]["matched_by_id"] == len(chengdu.blocks)
    assert summary["blocks"]["appeared"] == summary["blocks"]["vanished"] == 0
    for figures in summary["categories"].values():
        assert figures["newly_served"] == figures["no_longer_served"] == 0
        assert figures["residents_longer"] == figures["residents_shorter"] == 0
    assert all(m["change"] == 0 for m in summary["measures"].values())
    assert summary["blocks_changed"] == 0
    _, blocks, vanished = read_comparison(tmp_path / "same")
    changes = [c for c in blocks.columns if c.endswith("_change")]
    assert np.nanmax(np.abs(blocks[changes].to_numpy(float))) == 0
    assert vanished.empty
    assert set(blocks.filter(like="_status").to_numpy().ravel()) <= {"served", "unserved"}


def test_against_two_schools_removed_gives_the_what_if_newly_unserved(chengdu, tmp_path):
    # primary schools: a category the 2018 data holds completely enough to be scored (clinics are too few)
    schools = chengdu.facilities.loc[chengdu.facilities["category"] == "primary_school", "facility_id"]
    # the two schools that are the nearest one for the most blocks
    removed = chengdu.blocks["primary_school_id1"].value_counts().index[:2].tolist()
    assert set(removed) <= set(schools)
    scenario = what_if(chengdu, [Change("remove", facility_id=f) for f in removed])
    scenario.save("two-schools", None)
    diff = scenario.diff
    summary = compare_studies(chengdu.path, chengdu.path / "scenarios" / "two-schools", tmp_path / "plan")
    expected = diff["categories"]["primary_school"]["losing_service"]
    assert expected > 0
    assert summary["categories"]["primary_school"]["no_longer_served"] == expected
    newly = diff["categories"]["primary_school"]["newly_served"]
    assert summary["categories"]["primary_school"]["newly_served"] == newly
    others = {k: v for k, v in summary["categories"].items() if k != "primary_school"}
    assert all(v["newly_served"] == v["no_longer_served"] == 0 for v in others.values())
    assert summary["measures"]["F15"]["change"] == diff["F15"]["change"]
    _, blocks, _ = read_comparison(tmp_path / "plan")
    lost = blocks["primary_school_status"] == "lost"
    counted = "pop_age_6_12" if "pop_age_6_12" in blocks else "population"  # whom a primary school serves
    assert blocks.loc[lost, counted].sum() == pytest.approx(expected, abs=0.1)
    farther = (blocks["primary_school_t1_change"] > 0) | blocks["primary_school_t1_new"].isna()
    assert farther[lost].all()


def test_redrawn_compounds_match_by_overlap(chengdu, tmp_path):
    blocks = chengdu.blocks.to_crs(chengdu.crs)
    redrawn = gpd.GeoDataFrame(
        {"编号": "new-" + blocks["block_id"].astype(str), "人口": blocks["population"]},
        geometry=blocks.geometry.buffer(-3.0),
        crs=chengdu.crs,
    )
    redrawn = redrawn[~redrawn.geometry.is_empty].iloc[3:]
    path = tmp_path / "blocks_2024.gpkg"
    redrawn.to_crs(4326).to_file(path)
    newer = analyze(
        AnalysisOptions(out=tmp_path / "newer", blocks_file=path, block_id_column="编号", population_column="人口")
    )
    summary = compare_studies(chengdu.path, newer.path, tmp_path / "years")
    assert summary["blocks"]["matched_by_id"] == 0
    assert summary["blocks"]["matched_by_overlap"] == len(redrawn)
    assert summary["blocks"]["vanished"] == len(blocks) - len(redrawn)
    assert summary["blocks"]["appeared"] == 0
    _, table, vanished = read_comparison(tmp_path / "years")
    assert (table["old_block_id"] == table["block_id"].str.removeprefix("new-")).all()
    assert set(vanished["block_id"]) == set(blocks["block_id"].iloc[:3]) | (
        set(blocks["block_id"]) - set(table["old_block_id"])
    )


def test_match_blocks_takes_the_larger_overlap_once():
    from shapely.geometry import box

    old = gpd.GeoDataFrame({"block_id": ["a", "b"]}, geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=32648)
    new = gpd.GeoDataFrame(
        {"block_id": ["x", "y", "z"]},
        geometry=[box(10, 0, 110, 100), box(150, 0, 200, 100), box(500, 500, 600, 600)],
        crs=32648,
    )
    pairs = match_blocks(old, new, "EPSG:32648")
    assert sorted(zip(pairs["old"], pairs["new"], pairs["match"], strict=True)) == [
        (0, 0, "overlap"),
        (1, 1, "overlap"),
    ]


def test_cli_compare_and_refusals(chengdu, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(chengdu.path), str(chengdu.path), "--out", str(out), "--lang", "zh"]) == 0
    printed = capsys.readouterr().out
    assert f"按编号匹配 {len(chengdu.blocks)} 个" in printed.replace(",", "")
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["kind"] == "comparison"
    # a second run replaces the comparison; a folder holding anything else is refused
    assert main(["compare", str(chengdu.path), str(chengdu.path), "--out", str(out)]) == 0
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine", encoding="utf-8")
    assert main(["compare", str(chengdu.path), str(chengdu.path), "--out", str(other)]) == 2
    assert (other / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert main(["compare", str(tmp_path), str(chengdu.path), "--out", str(tmp_path / "x")]) == 2
    assert "neither a study folder" in " ".join(capsys.readouterr().err.split())
    assert pd.read_parquet(out / "blocks.parquet").shape[0] == len(chengdu.blocks)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_report_with_a_comparison_a_closure_and_the_indicators(chengdu, tmp_path):
    from circle.report import build_report
    from tests.test_report import pdf_text, render

    removed = chengdu.blocks["clinic_id1"].value_counts().index[:2].tolist()
    what_if(chengdu, [Change("remove", facility_id=f) for f in removed]).save("report-plan", None)
    compare_studies(chengdu.path, chengdu.path / "scenarios" / "report-plan", tmp_path / "cmp")
    street = chengdu.edges.iloc[0]
    nodes = chengdu.nodes.set_index("node")
    a, b = nodes.loc[street["u"]], nodes.loc[street["v"]]
    barrier = {
        "type": "LineString",
        "coordinates": [
            [(a.lon + b.lon) / 2 - 0.0002, (a.lat + b.lat) / 2 - 0.0002],
            [(a.lon + b.lon) / 2 + 0.0002, (a.lat + b.lat) / 2 + 0.0002],
        ],
    }
    what_if(chengdu, [Change("close", geometry=barrier)]).save("report-closure", None)
    out = tmp_path / "report.pdf"
    build_report(chengdu, out, "en", scenario="report-closure", compare=tmp_path / "cmp")
    text = " ".join(pdf_text(out).split())
    assert "5. City check-up indicators" in text and "Park service-radius coverage" in text
    assert "6. Scenario against the baseline: report-closure" in text
    assert "What the closures do" in text and "Walking segments closed" in text
    assert "7. What changed" in text and "Map 5 Blocks whose service changed" in text
    assert "8. Method and data" in text
    assert len(render(out, "comparison")) >= 14  # pages kept in test-artifacts/report/ to look at
