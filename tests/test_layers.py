"""The import contracts of pyproject.toml hold, and fail on a deliberately wrong import.

``lint-imports`` (import-linter) reads the contracts from ``pyproject.toml``:
the rooms' layers, the faces calling tasks only, the engine knowing nothing of
the study folder, the study vocabulary being a leaf. ``scripts/test.sh`` runs
it beside ruff; these tests also show that each contract can fail, on a copy
of the package with one wrong import added.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed (scripts/setup.sh)")


def lint(root: Path) -> subprocess.CompletedProcess:
    """Run lint-imports on the package at ``root`` (its pyproject.toml), without a cache."""
    environment = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory) -> Path:
    """A copy of the package's source and its pyproject.toml, to break on purpose."""
    root = tmp_path_factory.mktemp("layers")
    shutil.copytree(ROOT / "circle", root / "circle", ignore=shutil.ignore_patterns("__pycache__", "*.pbf", "assets"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_package_keeps_every_contract():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import", "broken"),
    [
        # the engine reads a study: an arrow the wrong way
        ("circle/engine/routes.py", "import circle.study", "circle.engine.routes -> circle.study"),
        # a page computes reach itself instead of asking a task
        ("circle/ui/text.py", "import circle.analysis.walks", "circle.ui.text -> circle.analysis.walks"),
        # the vocabulary grows a dependency
        ("circle/study/columns.py", "import circle.study.folder", "circle.study.columns -> circle.study.folder"),
        # a reader reaches up into the pipeline
        ("circle/sources/osm.py", "import circle.pipeline.options", "circle.sources.osm -> circle.pipeline.options"),
    ],
)
def test_a_wrong_import_breaks_a_contract(package_copy, module, wrong_import, broken):
    path = package_copy / module
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(original + f"\n{wrong_import}  # deliberately wrong\n", encoding="utf-8")
        result = lint(package_copy)
    finally:
        path.write_text(original, encoding="utf-8")
    assert result.returncode == 1, result.stdout
    assert broken in result.stdout
    assert "BROKEN" in result.stdout
