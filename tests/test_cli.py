"""The circle command: help a planner can follow, and the embedded default study."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import pytest

from circle.cli import main


def test_help_lists_the_commands_and_examples(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert "analyze" in text and "isochrone" in text and "examples:" in text


def test_analyze_help_explains_the_options(capsys):
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    text = capsys.readouterr().out
    for option in ("--bbox", "--blocks", "--preset", "--profile", "--overwrite", "--gpkg", "elderly 0.8 m/s"):
        assert option in text


def test_default_study_from_the_embedded_extract(tmp_path, capsys):
    out = tmp_path / "default"
    assert main(["analyze", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert f"Study written to {out}" in printed.out
    assert "circle isochrone --study" in printed.out
    summary = json.loads((out / "summary.json").read_text())
    assert "chengdu" in summary["source"]["label"]
    assert summary["crs"] == "EPSG:32648"
    assert summary["parameters"]["region"] == "china"
    blocks = gpd.read_parquet(out / "blocks.parquet")
    assert len(blocks) >= 200
    assert blocks["park_t1"].notna().mean() > 0.95
    # a Chinese planner recognises it: most blocks called by a name or by the streets around them
    named = blocks["name"].notna() | blocks["place_zh"].notna()
    assert named.mean() > 0.9


def test_helsinki_stays_available_by_name(tmp_path, capsys):
    out = tmp_path / "helsinki"
    assert main(["analyze", "helsinki", "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert "helsinki" in summary["source"]["label"]
    assert summary["crs"] == "EPSG:32635" and summary["parameters"]["region"] == "europe"
    assert main(["analyze", "atlantis", "--out", str(tmp_path / "x"), "--quiet"]) == 2


def test_console_script_runs_as_a_separate_process(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "circle.cli",
            "analyze",
            str(tmp_path / "missing.osm"),
            "--out",
            str(tmp_path / "s"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "does not exist" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
