"""Coverage-guided fuzzing with atheris: each reader for a bounded time in CI, from small valid seeds.

A crash (anything but an answer or a CircleError) fails the test and leaves
the input as ``test-artifacts/fuzz/crash-*`` to add to the hostile suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "fuzz"
SECONDS = int(os.environ.get("CIRCLE_FUZZ_SECONDS", "2"))  # brief in CI; set it longer to fuzz for real

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    pytest.importorskip("atheris")
    folder = tmp_path_factory.mktemp("corpus")
    subprocess.run([sys.executable, str(ROOT / "fuzz" / "seed.py"), str(folder)], check=True, cwd=ROOT)
    return folder


@pytest.mark.parametrize("target", ["osm", "table", "polygons", "census", "preset", "dem", "batch"])
def test_atheris_finds_no_crash(target, corpus):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "fuzz" / "fuzz_readers.py"),
            str(corpus / target),
            f"-max_total_time={SECONDS}",
            "-max_len=8192",
            "-rss_limit_mb=4096",
            "-timeout=30",
            f"-artifact_prefix={ARTIFACTS}/crash-{target}-",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "CIRCLE_FUZZ_TARGET": target},
        timeout=SECONDS + 120,
    )
    runs = [line for line in completed.stderr.splitlines() if line.startswith("Done ")]
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert runs, completed.stderr[-1000:]


def test_every_compiled_module_is_left_uninstrumented():
    # atheris rewrites bytecode, which numba cannot compile: a module with @njit missing from COMPILED
    # makes every fuzz run die at import
    import ast

    text = (ROOT / "fuzz" / "fuzz_readers.py").read_text(encoding="utf-8")
    listed = next(
        ast.literal_eval(node.value)
        for node in ast.parse(text).body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "COMPILED"
    )
    compiled = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "circle").rglob("*.py")
        if "@njit" in path.read_text(encoding="utf-8")
    }
    assert compiled <= set(listed), sorted(compiled - set(listed))
