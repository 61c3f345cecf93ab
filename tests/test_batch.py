"""circle batch on a 2-worker local Dask cluster (loopback only)."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import yaml

from circle.batch import read_batch_file, run_batch
from circle.errors import InputDataError
from circle.pipeline import AnalysisOptions, analyze
from tests.osm_builder import OsmBuilder, small_town, to_lonlat

pytestmark = pytest.mark.slow


def run_cli(*args) -> int:
    import subprocess
    import sys

    completed = subprocess.run(
        [sys.executable, "-m", "circle.cli", *map(str, args)], capture_output=True, text=True, check=False, timeout=600
    )
    assert "Traceback" not in completed.stderr, completed.stderr[-3000:]
    return completed.returncode


def second_town(path):
    town = OsmBuilder()
    street = [town.node(0, 100.0 * i) for i in range(8)]
    town.way(street, highway="footway")
    town.polygon([(10, 100), (110, 100), (110, 200), (10, 200)], landuse="residential", name="北苑")
    town.node(-5, 600, leisure="park")
    return town.write(path)


def test_batch_equals_sequential_runs_reports_failures_and_resumes(tmp_path):
    first = small_town(tmp_path / "town.osm")
    second = second_town(tmp_path / "second.osm")
    west, south = to_lonlat(-100, -300)
    east, north = to_lonlat(1300, 300)
    config = tmp_path / "batch.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "defaults": {"profile": "standard"},
                "studies": [
                    {"name": "town", "source": "town.osm"},
                    {"name": "second", "source": "second.osm", "profile": "elderly"},
                    {"name": "broken", "source": "missing.osm.pbf"},
                    {
                        "name": "tiled",
                        "source": "town.osm",
                        "bbox": f"{west},{south},{east},{north}",
                        "tiles": {"columns": 2, "rows": 1},
                    },
                ],
            },
            allow_unicode=True,
        )
    )
    out = tmp_path / "batch"
    # as a user runs it: a separate process (its Dask workers must not inherit pytest's __main__)
    code = run_cli("batch", config, "--out", out, "--workers", 2)
    assert code == 2  # one study failed
    report = {r["name"]: r for r in json.loads((out / "batch-report.json").read_text())}
    assert report["town"]["status"] == "done" and report["second"]["status"] == "done"
    assert report["broken"]["status"] == "failed" and "does not exist" in report["broken"]["message"]
    # the west tile holds the compound; the east tile has no residential block and says so
    assert report["tiled/r0c0"]["status"] == "done"
    assert report["tiled/r0c1"]["status"] == "failed" and "no residential blocks" in report["tiled/r0c1"]["message"]

    for name, source, profile in (("town", first, "standard"), ("second", second, "elderly")):
        sequential = analyze(AnalysisOptions(source=source, out=tmp_path / f"seq-{name}", profile=profile))
        for table in ("blocks.parquet", "facilities.parquet", "access/blocks.parquet", "network/edges.parquet"):
            a = pd.read_parquet(out / name / table)
            b = pd.read_parquet(sequential.path / table)
            pd.testing.assert_frame_equal(a, b)
    tile = gpd.read_parquet(out / "tiled" / "r0c0" / "blocks.parquet")
    whole = gpd.read_parquet(out / "town" / "blocks.parquet")
    assert tile["clinic_t1"].iloc[0] == pytest.approx(whole["clinic_t1"].iloc[0])

    before = (out / "town" / "summary.json").read_text()
    code = run_cli("batch", config, "--out", out, "--workers", 2)
    assert code == 2
    report = {r["name"]: r for r in json.loads((out / "batch-report.json").read_text())}
    assert report["town"]["status"] == "skipped" and report["second"]["status"] == "skipped"
    assert report["broken"]["status"] == "failed"
    assert (out / "town" / "summary.json").read_text() == before


def test_batch_file_problems_are_listed(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "studies": [
                    {"name": "../escape", "source": "x.osm"},
                    {"name": "ok", "source": "x.osm", "colour": "red"},
                    {"name": "t", "source": "x.osm", "tiles": {"columns": 2}},
                ]
            }
        )
    )
    with pytest.raises(InputDataError) as caught:
        read_batch_file(config, tmp_path / "out")
    message = str(caught.value)
    assert "'../escape'" in message and "unknown key(s) colour" in message and "tiles needs" in message


def test_unreachable_scheduler_is_a_clear_error(tmp_path):
    from circle.batch import BatchPlan
    from circle.errors import CircleError

    with pytest.raises(CircleError, match="cannot reach the Dask scheduler"):
        run_batch(BatchPlan([]), tmp_path, scheduler="tcp://127.0.0.1:1")
