"""The suite of named hostile files: every one is refused with a useful CircleError (or read correctly), never a
traceback, a hang or a silent wrong answer."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from circle.errors import CircleError
from circle.pipeline import AnalysisOptions, analyze
from circle.standards import load_preset
from tests.hostile_files import HOSTILE_FILES, Hostile
from tests.osm_builder import small_town

TIME_LIMIT_S = 60


class HangError(Exception):
    pass


def _alarm(signum, frame):
    raise HangError(f"no answer within {TIME_LIMIT_S} s")


def read_with(hostile: Hostile, path: Path, tmp_path: Path):
    """Give ``path`` to the reader a user would reach it through."""
    if hostile.reader == "osm":
        return analyze(AnalysisOptions(source=path, out=tmp_path / "out"))
    if hostile.reader == "table":
        from circle.sources.tables import FacilityTableSpec, read_facility_table

        return read_facility_table(FacilityTableSpec(path), load_preset())
    if hostile.reader == "preset":
        return load_preset(path)
    if hostile.reader == "batch":
        from circle.pipeline.batch_plan import read_batch_file

        return read_batch_file(path, tmp_path / "batch-out")
    town = small_town(tmp_path / "town.osm")
    options = {
        "area": {"area_file": path},
        "blocks": {"blocks_file": path, "block_id_column": "id"},
        "census": {"census_file": path},
        "dem": {"dem_file": path},
    }[hostile.reader]
    return analyze(AnalysisOptions(source=town, out=tmp_path / "out", **options))


@pytest.mark.parametrize("hostile", HOSTILE_FILES, ids=[h.name for h in HOSTILE_FILES])
def test_hostile_file(hostile, tmp_path):
    path = tmp_path / hostile.name
    path.write_bytes(hostile.make(tmp_path))
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIME_LIMIT_S)
    try:
        if hostile.expect is None:
            result = read_with(hostile, path, tmp_path)
            assert hostile.verify(result), f"{hostile.name} was read wrongly"
            return
        with pytest.raises(CircleError) as caught:
            read_with(hostile, path, tmp_path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    message = str(caught.value)
    assert re.search(hostile.expect, message), f"{hostile.name}: {message}"
    assert len(message) > 30 and "Traceback" not in message
    assert not (tmp_path / "out").exists(), "a refused input wrote a study"
    assert not os.path.exists("/tmp/circle-pwned"), "a preset ran code"


@pytest.mark.parametrize("name", ["truncated.osm.pbf", "png-renamed.osm.pbf", "nan-coordinates.osm", "empty.osm.pbf"])
def test_the_command_line_says_it_in_one_paragraph(name, tmp_path):
    hostile = next(h for h in HOSTILE_FILES if h.name == name)
    path = tmp_path / name
    path.write_bytes(hostile.make(tmp_path))
    completed = subprocess.run(
        [sys.executable, "-m", "circle.cli", "analyze", str(path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    # the message is wrapped to the terminal: a long path may start the line after "circle analyze:"
    assert completed.stderr.splitlines()[-1].strip() and "circle analyze: " in " ".join(completed.stderr.split())


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["cut-half-way", "garbage-half-way"])
def test_a_city_sized_file_damaged_half_way_is_refused_and_the_old_study_survives(tmp_path, damage):
    from benchmarks.mosaic import build_mosaic
    from tests.conftest import shared_extract

    mosaic = build_mosaic(shared_extract("chengdu_central_2018.osm.pbf"), 4, tmp_path / "city.osm.pbf").path
    out = tmp_path / "study"
    assert (
        subprocess.run(
            [sys.executable, "-m", "circle.cli", "analyze", str(mosaic), "--out", str(out), "--quiet"]
        ).returncode
        == 0
    )
    before = (out / "summary.json").read_bytes()
    data = bytearray(mosaic.read_bytes())
    middle = len(data) // 2
    broken = tmp_path / "broken.osm.pbf"
    if damage == "cut-half-way":
        broken.write_bytes(bytes(data[:middle]))
    else:
        data[middle : middle + 4096] = os.urandom(4096)
        broken.write_bytes(bytes(data))
    completed = subprocess.run(
        [sys.executable, "-m", "circle.cli", "analyze", str(broken), "--out", str(out), "--overwrite", "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 2 and "Traceback" not in completed.stderr
    assert re.search(r"truncated or damaged", completed.stderr), completed.stderr
    assert (out / "summary.json").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".study.tmp", ".study.new"))]
