"""Interrupted work: a study, a scenario or a batch killed at any point leaves the old or the new version.

Two kinds of test: a forked child killed (``os._exit``, as SIGKILL would: no
cleanup runs) just before each file write and each rename of a write, so
every window is hit; and real ``circle`` processes killed with SIGKILL at
random moments. After each kill, what is at the destination must open and be
complete, old or new — never half.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from circle.errors import StudyError
from circle.pipeline import AnalysisOptions, analyze
from circle.study import MANIFEST, Study
from circle.study.scenarios import Change, list_scenarios, load_scenario
from tests.conftest import shared_extract
from tests.osm_builder import small_town, to_lonlat

# A fork server: children are forked from a fresh process that has imported circle but never run
# its parallel kernels (forking a process that has started OpenMP threads is unsafe).
SERVER = multiprocessing.get_context("forkserver")
SERVER.set_forkserver_preload(["circle.pipeline", "circle.analysis.assess", "pandas", "tests.test_interrupted"])


def _child(event: int, job: str, arguments: dict) -> None:
    """Do ``job`` and die (no cleanup, as under SIGKILL) just before the ``event``-th write or rename."""
    import pandas

    import circle.study.atomic

    counter = {"n": 0}

    def tick() -> None:
        counter["n"] += 1
        if counter["n"] == event:
            os._exit(9)

    import geopandas

    real_rename, real_parquet = os.rename, pandas.DataFrame.to_parquet
    real_geoparquet = geopandas.GeoDataFrame.to_parquet

    def rename(*args, **kwargs):
        tick()
        return real_rename(*args, **kwargs)

    def to_parquet(self, *args, **kwargs):
        tick()
        return real_parquet(self, *args, **kwargs)

    def to_geoparquet(self, *args, **kwargs):
        tick()
        return real_geoparquet(self, *args, **kwargs)

    circle.study.atomic.os.rename = rename
    pandas.DataFrame.to_parquet = to_parquet
    geopandas.GeoDataFrame.to_parquet = to_geoparquet
    if job == "analyze":
        analyze(AnalysisOptions(**arguments))
    else:
        from circle.study.scenarios import save_scenario
        from circle.tasks.whatif import what_if

        # the folder's own write (the deployment's claim on the name is another test's)
        study = Study.open(arguments["study"])
        done = what_if(study, [Change(**c) for c in arguments["changes"]])
        save_scenario(study, arguments["name"], done.changes, done.blocks, done.scores, done.diff, done.timings)
    os._exit(0)


@pytest.fixture
def town(tmp_path) -> Path:
    return small_town(tmp_path / "town.osm")


def _killed_at(event: int, job: str, arguments: dict) -> int:
    import types

    # children must not re-run whatever script is __main__ now (AppTest swaps in its own)
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        process = SERVER.Process(target=_child, args=(event, job, arguments))
        process.start()
    finally:
        sys.modules["__main__"] = main
    process.join(120)
    return process.exitcode


def test_integrity_messages_for_damaged_old_newer_and_incomplete_folders(town, tmp_path):
    out = analyze(AnalysisOptions(source=town, out=tmp_path / "study")).path
    Study.open(out)
    edges = out / "network" / "edges.parquet"
    data = bytearray(edges.read_bytes())
    data[len(data) // 2] ^= 0xFF
    edges.write_bytes(bytes(data))
    with pytest.raises(StudyError, match=r"edges\.parquet is damaged"):
        Study.open(out)
    edges.unlink()
    with pytest.raises(StudyError, match=r"edges\.parquet is missing"):
        Study.open(out)
    (out / MANIFEST).unlink()
    with pytest.raises(StudyError, match="older circle or is damaged"):
        Study.open(out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for version, message in ((1, "old or unknown study format"), (99, "newer circle"), (None, "old or unknown")):
        summary["format_version"] = version
        (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
        with pytest.raises(StudyError, match=message):
            Study.open(out)
    (out / "summary.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(StudyError, match="damaged"):
        Study.open(out)


def test_a_manifest_cannot_point_outside_the_study(town, tmp_path):
    out = analyze(AnalysisOptions(source=town, out=tmp_path / "study")).path
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"]["../../etc/passwd"] = {"bytes": 1, "sha256": "0"}
    (out / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(StudyError, match="outside the study"):
        Study.open(out)


def test_analyze_killed_before_every_write_and_rename_leaves_old_or_new(town, tmp_path):
    out = tmp_path / "study"
    analyze(AnalysisOptions(source=town, out=out))
    old_created = Study.open(out).summary.created
    time.sleep(1.1)  # "created" has one-second resolution

    rewrite = {"source": str(town), "out": str(out), "overwrite": True, "profile": "elderly"}
    seen = {"old": 0, "new": 0}
    for event in range(1, 40):
        code = _killed_at(event, "analyze", rewrite)
        assert code in (0, 9), f"the child failed at event {event} (exit {code})"
        study = Study.open(out)  # restores an interrupted swap, then checks every checksum
        _ = study.blocks, study.edges, study.block_access
        version = "new" if study.summary.profile.name == "elderly" else "old"
        seen[version] += 1
        if version == "old":
            assert study.summary.created == old_created
        if code == 0:
            break
        # put the old study back for the next kill point
        if version == "new":
            analyze(AnalysisOptions(source=town, out=out, overwrite=True))
            old_created = Study.open(out).summary.created
            time.sleep(1.1)
    assert event >= 9, "six tables and three renames are each a kill point"
    assert seen["old"] >= 8 and seen["new"] >= 2
    from circle.ui.data import list_studies

    assert [p.name for p in list_studies(tmp_path)] == ["study"], "hidden leftovers never list as studies"


def test_scenario_save_killed_at_every_step_leaves_none_or_a_whole_one(town, tmp_path):

    study = Study.open(analyze(AnalysisOptions(source=town, out=tmp_path / "study")).path)
    lon, lat = to_lonlat(200, 20)
    change = {"kind": "add", "category": "kindergarten", "lat": lat, "lon": lon, "name": "新幼儿园"}
    save = {"study": str(study.path), "changes": [change], "name": "plan"}

    outcomes = set()
    for event in range(1, 40):
        code = _killed_at(event, "whatif", save)
        assert code in (0, 9), f"the child failed at event {event} (exit {code})"
        names = [s["name"] for s in list_scenarios(study)]
        if names:
            description, blocks = load_scenario(study, "plan")
            assert description["changes"][0]["name"] == "新幼儿园" and len(blocks) == len(study.blocks)
            outcomes.add("saved")
        else:
            outcomes.add("none")
        if code == 0:
            break
        if names:
            from circle.study.scenarios import delete_scenario

            delete_scenario(study, "plan")
    assert outcomes == {"saved", "none"}


#: kills of `circle analyze` at random moments: brief in CI; CIRCLE_KILL_ROUNDS=50 for a long run
KILL_ROUNDS = int(os.environ.get("CIRCLE_KILL_ROUNDS", "7"))


def _kill_loop(command: list[str], out: Path, check, rounds: int, seed: int) -> dict[str, int]:
    """Start ``command``, SIGKILL it after a random delay, check ``out``; ``rounds`` times."""
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, timeout=600)
    full = time.perf_counter() - started
    rng = random.Random(seed)
    tally = {"killed": 0, "finished": 0}
    for _ in range(rounds):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            process.wait(timeout=rng.uniform(0.2 * full, 1.05 * full))
            tally["finished"] += 1
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            tally["killed"] += 1
        check(out)
    return tally


def _study_is_whole(out: Path) -> None:
    study = Study.open(out)
    assert len(study.blocks) > 0 and len(study.edges) > 0 and len(study.block_access) > 0


@pytest.mark.slow
def test_circle_analyze_killed_at_random_never_leaves_half_a_study(tmp_path):
    source = shared_extract("chengdu_central_2018.osm.pbf")
    out = tmp_path / "chengdu"
    command = [sys.executable, "-m", "circle.cli", "analyze", str(source), "--out", str(out), "--overwrite", "--quiet"]
    rounds = KILL_ROUNDS
    tally = _kill_loop(command, out, _study_is_whole, rounds=rounds, seed=2026)
    assert tally["killed"] >= rounds // 2, tally


@pytest.mark.slow
def test_circle_batch_killed_at_random_resumes_to_whole_studies(tmp_path):
    import yaml

    small_town(tmp_path / "town.osm")
    config = tmp_path / "batch.yaml"
    config.write_text(
        yaml.safe_dump({"studies": [{"name": f"t{i}", "source": "town.osm"} for i in range(4)]}), encoding="utf-8"
    )
    out = tmp_path / "batch"
    command = [sys.executable, "-m", "circle.cli", "batch", str(config), "--out", str(out), "--workers", "2"]

    def check(folder: Path) -> None:
        for name in ("t0", "t1", "t2", "t3"):
            if (folder / name).exists():
                _study_is_whole(folder / name)
        report = folder / "batch-report.json"
        if report.exists():
            json.loads(report.read_text(encoding="utf-8"))

    for name in ("t0", "t1", "t2", "t3"):
        if (out / name).exists():
            import shutil

            shutil.rmtree(out / name)
    tally = _kill_loop(command, out, check, rounds=4, seed=7)
    assert tally["killed"] >= 1, tally
    completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-2000:]
    report = {r["name"]: r["status"] for r in json.loads((out / "batch-report.json").read_text(encoding="utf-8"))}
    assert set(report.values()) <= {"done", "skipped"} and len(report) == 4
    frames = [pd.read_parquet(out / n / "blocks.parquet") for n in ("t0", "t1", "t2", "t3")]
    assert all(f.equals(frames[0]) for f in frames)
