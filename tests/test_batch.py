"""circle batch on a 2-worker local Dask cluster (loopback only)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import yaml

from circle.errors import InputDataError
from circle.pipeline import AnalysisOptions, analyze
from circle.pipeline.batch import run_batch
from circle.pipeline.batch_plan import read_batch_file
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
    # the source is split once; the west tile holds the compound, the east one none; both merge into one study
    assert report["tiled/split"]["status"] == "done"
    assert report["tiled/r0c0"]["status"] == "done" and report["tiled/r0c0"]["blocks"] == 1
    assert report["tiled/r0c1"]["status"] == "done" and report["tiled/r0c1"]["blocks"] == 0
    assert report["tiled"]["status"] == "done" and report["tiled"]["blocks"] == 1
    assert not (out / ".tiled.work").exists()  # parts and tile studies are gone once merged
    from circle.deploy.audit import read_log, verify_log

    built = sorted((e["target"], e["outcome"], e["user"][:4]) for e in read_log(out) if e["action"] == "build_study")
    expected = [("broken", "refused"), ("second", "done"), ("tiled", "done"), ("town", "done")]
    assert built == [(*study, "cli:") for study in expected]  # every study the batch built or could not; no tile
    assert verify_log(out) == 4

    for name, source, profile in (("town", first, "standard"), ("second", second, "elderly")):
        sequential = analyze(AnalysisOptions(source=source, out=tmp_path / f"seq-{name}", profile=profile))
        for table in ("blocks.parquet", "facilities.parquet", "access/blocks.parquet", "network/edges.parquet"):
            a = pd.read_parquet(out / name / table)
            b = pd.read_parquet(sequential.path / table)
            pd.testing.assert_frame_equal(a, b)
    merged = gpd.read_parquet(out / "tiled" / "blocks.parquet")
    whole = gpd.read_parquet(out / "town" / "blocks.parquet")
    assert merged["clinic_t1"].iloc[0] == pytest.approx(whole["clinic_t1"].iloc[0])

    before = (out / "town" / "summary.json").read_text()
    code = run_cli("batch", config, "--out", out, "--workers", 2)
    assert code == 2
    report = {r["name"]: r for r in json.loads((out / "batch-report.json").read_text())}
    assert report["town"]["status"] == "skipped" and report["second"]["status"] == "skipped"
    assert report["tiled"]["status"] == "skipped" and "tiled/split" not in report
    assert report["broken"]["status"] == "failed"
    assert (out / "town" / "summary.json").read_text() == before


def _tiled_equals_single(
    tmp_path, source, bbox: str, columns: int, rows: int, environment=None, keys=None, options=None
):
    """Run a tiled batch and the single study over the same bbox; compare block by block.

    ``keys`` are more batch-file keys of the study, ``options`` the same for the single run.
    """
    config = tmp_path / "tiled.yaml"
    study = {"name": "city", "source": str(source), "bbox": bbox, "tiles": {"columns": columns, "rows": rows}}
    config.write_text(yaml.safe_dump({"studies": [{**study, **(keys or {})}]}))
    out = tmp_path / "batch"
    completed = _cli(["batch", config, "--out", out, "--workers", 2], environment)
    assert completed.returncode == 0, completed.stderr[-3000:]
    single = analyze(AnalysisOptions(source=source, bbox=bbox, out=tmp_path / "single", **(options or {}))).path
    merged_blocks = gpd.read_parquet(out / "city" / "blocks.parquet").set_index("block_id")
    single_blocks = gpd.read_parquet(single / "blocks.parquet").set_index("block_id")
    assert sorted(merged_blocks.index) == sorted(single_blocks.index)
    merged_blocks = merged_blocks.loc[single_blocks.index]
    times = [c for c in single_blocks.columns if c[-3:-1] == "_t"]
    counts = [c for c in single_blocks.columns if c[-3:-2] == "_n" or c[-4:-2] == "_n"]
    a, b = merged_blocks[times].to_numpy(float), single_blocks[times].to_numpy(float)
    assert (np.isnan(a) == np.isnan(b)).all()
    assert np.nanmax(np.abs(a - b)) * 60 <= 1.0
    assert (merged_blocks[counts].to_numpy() == single_blocks[counts].to_numpy()).all()
    assert np.allclose(merged_blocks["population"], single_blocks["population"])
    assert (merged_blocks["pop_source"] == single_blocks["pop_source"]).all()
    assert (merged_blocks["pop_flag"] == single_blocks["pop_flag"]).all()
    return out, json.loads((out / "batch-report.json").read_text())


def _cli(args, environment=None):
    import os
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "circle.cli", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        env={**os.environ, **(environment or {})},
    )


def test_a_2x2_tiling_of_andorra_equals_the_whole_run_and_a_failing_tile_is_retried(tmp_path):
    """Also with a census polygon across the tiles' seams and the country's known total, counted after the merge."""
    import shapely

    from tests.conftest import shared_extract
    from tests.test_real_extracts import ANDORRA_RESIDENTS_2019

    source = shared_extract("andorra_2020.osm.pbf")
    census = tmp_path / "encamp.geojson"  # around Encamp, where the seams (1.5999° E, 42.5424° N) cross
    gpd.GeoDataFrame({"population": [12_000]}, geometry=[shapely.box(1.56, 42.52, 1.64, 42.56)], crs=4326).to_file(
        census
    )
    out, report = _tiled_equals_single(
        tmp_path,
        source,
        "1.412368,42.4276,1.787481,42.65717",
        2,
        2,
        {"CIRCLE_BATCH_FAULTS": "city/r1c0:1"},
        keys={"census": str(census), "population_total": ANDORRA_RESIDENTS_2019},
        options={"census_file": census, "population_total": ANDORRA_RESIDENTS_2019},
    )
    merged = gpd.read_parquet(out / "city" / "blocks.parquet")
    from_census = merged["pop_source"] == "census"
    assert from_census.sum() > 10 and merged.loc[from_census, "population"].sum() == pytest.approx(12_000)
    assert merged["population"].sum() == pytest.approx(ANDORRA_RESIDENTS_2019)
    by_name = {r["name"]: r for r in report}
    assert by_name["city/r1c0"]["status"] == "done" and by_name["city/r1c0"]["attempts"] == 2
    assert by_name["city"]["status"] == "done"
    summary = json.loads((out / "city" / "summary.json").read_text())
    assert summary["batch"]["grid"] == {"bbox": [1.412368, 42.4276, 1.787481, 42.65717], "columns": 2, "rows": 2}
    assert summary["batch"]["tile_attempts"]["r1c0"] == 2
    assert summary["imports"]["census"]["allocated"] == pytest.approx(12_000, abs=0.1)
    assert summary["imports"]["population_total"]["total"] == ANDORRA_RESIDENTS_2019
    assert summary["population"]["by_source"]["census"]["residents"] == pytest.approx(12_000, abs=0.1)
    assert summary["counts"]["population"] == pytest.approx(ANDORRA_RESIDENTS_2019, abs=1)


def test_a_tiling_across_a_mosaic_seams_equals_the_whole_run(tmp_path):
    from benchmarks.mosaic import build_mosaic
    from circle.sources.osm_format import header_bounds
    from tests.conftest import shared_extract

    mosaic = build_mosaic(shared_extract("chengdu_central_2018.osm.pbf"), 4, tmp_path / "mosaic.osm.pbf")
    bbox = ",".join(f"{v:.7f}" for v in header_bounds(mosaic.path))
    # 3 × 1 tiles over 2 × 2 copies: the tile seams cut through copies
    _tiled_equals_single(tmp_path, mosaic.path, bbox, 3, 1)


def test_batch_file_problems_are_listed(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "studies": [
                    {"name": "../escape", "source": "x.osm"},
                    {"name": "ok", "source": "x.osm", "colour": "red"},
                    {"name": "t", "source": "x.osm", "tiles": {"columns": 2}},
                    {"name": "n", "source": "x.osm", "population_total": "many"},
                    {"name": "r", "source": "x.osm", "region": "mars"},
                    {"name": "c", "source": "x.osm", "census": 3},
                ]
            }
        )
    )
    with pytest.raises(InputDataError) as caught:
        read_batch_file(config, tmp_path / "out")
    message = str(caught.value)
    assert "'../escape'" in message and "unknown key(s) colour" in message and "tiles needs" in message
    assert "population_total must be a number" in message and "region 'mars' is none of" in message
    assert "studies[5].census must be a file name" in message


def test_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    from circle.errors import CircleError
    from circle.pipeline.batch_plan import BatchPlan

    monkeypatch.setattr("circle.pipeline.batch.SCHEDULER_TIMEOUT_S", 2.0)  # nothing listens: no need to wait 20 s

    with pytest.raises(CircleError, match="cannot reach the Dask scheduler"):
        run_batch(BatchPlan([]), tmp_path, scheduler="tcp://127.0.0.1:1")


@pytest.mark.parametrize("profile", ["standard", "adult", "elderly", "wheelchair"])
def test_a_tile_reads_as_far_as_its_blocks_residents_are_judged(profile):
    """A block's residents are judged on blocks and buildings up to 4 km from it: every profile's tile reads that far.

    The walk's reach alone fell short for slow profiles (elderly: 30 minutes at 0.8 m/s, the snapping limit and
    the 2 km block margin make 3.7 km).
    """
    from circle.pipeline.resolve import expand_bounds, read_bounds_for
    from circle.prepare.blocks import population_reach_m
    from circle.standards import load_preset, load_profile

    preset = load_preset("gb50180_2018")
    cell = (1.50, 42.50, 1.60, 42.55)
    read = read_bounds_for(cell, preset, load_profile(profile))
    needed = expand_bounds(cell, population_reach_m(preset))
    assert population_reach_m(preset) == 4000.0
    assert read[0] <= needed[0] and read[1] <= needed[1] and read[2] >= needed[2] and read[3] >= needed[3]
