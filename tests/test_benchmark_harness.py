"""The benchmark harness runs end to end and reports what the issue asks (no timing assertions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import shared_extract

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

REQUIRED = {
    "name",
    "nodes",
    "edges",
    "blocks",
    "facilities",
    "ingest_s",
    "engine_s",
    "pandana_s",
    "naive_s_estimated",
    "ratio_vs_pandana",
    "isochrone_ms_median",
    "whatif_ms_median",
    "peak_rss_mb",
}


def test_harness_on_andorra_writes_the_documented_json(tmp_path):
    shared_extract("andorra_2020.osm.pbf")
    out = tmp_path / "bench.json"
    completed = subprocess.run(
        [
            sys.executable,
            "benchmarks/run.py",
            "--quick",
            "--workloads",
            "andorra",
            "--runs",
            "1",
            "--naive-sample",
            "2",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["machine"]["cores"] >= 1 and report["machine"]["memory_gb"] > 0
    (andorra,) = report["workloads"]
    assert set(andorra) >= REQUIRED
    assert andorra["nodes"] > 90_000
    # same answers as pandana on the same node-to-node problem
    assert andorra["answers_disagreements_unexplained"] == 0
    assert andorra["answers_max_time_difference_s"] < 1.0
    assert "× pandana" in completed.stdout and "andorra" in completed.stdout


def test_the_city_harness_knows_every_what_if_headline_the_planner_page_shows():
    # the harness times a what-if until its headline shows; a reworded headline must not leave it waiting
    from benchmarks.city import WHATIF_DONE
    from circle.i18n import t

    shown = [
        t("whatif_served_people", "zh", gained="1,324", lost="0"),
        t("whatif_served_group", "zh", group="3–6岁幼儿", gained="14", lost="0"),
        t("whatif_served_mixed", "zh"),
        t("whatif_scored_unchanged", "zh"),
    ]
    for headline in shown:
        assert WHATIF_DONE.search(
            t(
                "whatif_result",
                "zh",
                served=headline,
                f15_before="0.7%",
                f15_after="0.7%",
                within_before="2.52",
                within_after="2.57",
                proximity_before="15.96",
                proximity_after="15.80",
            )
        ), headline
