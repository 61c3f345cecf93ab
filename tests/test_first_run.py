"""A newcomer's first run does not wait for numba: the set-up's warm-up compiles every kernel once.

Each test runs Python in a subprocess with ``NUMBA_CACHE_DIR`` pointed at a
folder of its own (numba reads it once, when it is imported), so the cache
beside the sources is left alone. A real run after the warm-up must write no
cache file: anything it wrote, it compiled at first use.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from circle.warm_up import kernel_dispatchers, kernel_modules

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ANNOUNCEMENT = "circle setup: compiling the walking kernels once"


def run_python(
    args: list[str], cache: Path, cwd: Path, extra_path: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    """Run ``python ARGS`` on this checkout's package with numba's cache in ``cache`` (``check``: it must succeed)."""
    paths = [str(REPO), *([str(extra_path)] if extra_path else []), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    env.pop("NUMBA_DISABLE_JIT", None)
    result = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert result.returncode == 0 or not check, f"python {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def cache_files(cache: Path) -> dict[str, tuple[int, int]]:
    """Every numba cache file under ``cache`` with its size and modification time."""
    return {
        str(path.relative_to(cache)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(cache.rglob("*"))
        if path.suffix in {".nbi", ".nbc"}
    }


@pytest.fixture(scope="module")
def warmed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """A numba cache filled by one warm-up from empty, and what the warm-up printed."""
    cache = tmp_path_factory.mktemp("numba-cache")
    result = run_python(["-m", "circle.warm_up"], cache, cwd=cache)
    return cache, result


def test_the_warm_up_compiles_every_kernel_into_an_empty_cache_and_says_so_in_one_line(warmed):
    cache, result = warmed
    assert result.stdout.count(ANNOUNCEMENT) == 1, result.stdout
    assert result.stdout.strip().splitlines()[0].startswith(ANNOUNCEMENT)
    files = cache_files(cache)
    # every module that defines kernels has compiled code in the cache (numba names the folder after the
    # module's package folder, and the files after the module)
    compiled = {(Path(name).parts[0].rsplit("_", 1)[0], Path(name).name.split(".")[0]) for name in files}
    for module in kernel_modules():
        if all(kernel.targetoptions.get("inline") == "always" for kernel in kernel_dispatchers([module])):
            continue  # inlined into its callers' code, never compiled on its own
        *_, folder, stem = module.split(".")
        assert (folder, stem) in compiled, f"nothing of {module} was compiled"
    indexed = {Path(name).name.split("-")[0] for name in files if name.endswith(".nbi")}
    for kernel in (
        "_kernels.k_nearest_labels",
        "_kernels.count_within",
        "_kernels._bounded_times",
        "_kernels_local.k_nearest_for_origins",
        "_kernels_local.covered_origins",
        "_kernels.reached_cells",
        "_window_sums._prefix_sums",
        "snapping._nearest",
        "_pbf_decode._decode_kernel",
    ):
        assert kernel in indexed, f"{kernel} was not compiled into the cache"


def test_a_second_warm_up_only_loads_the_cache_and_prints_nothing(warmed):
    cache, _ = warmed
    before = cache_files(cache)
    result = run_python(["-m", "circle.warm_up"], cache, cwd=cache)
    assert result.stdout == ""
    assert cache_files(cache) == before


def test_the_default_study_and_its_what_ifs_site_and_catchments_compile_nothing_after_the_warm_up(warmed, tmp_path):
    cache, _ = warmed
    before = cache_files(cache)
    study = tmp_path / "study"
    cli = ["-m", "circle.cli"]
    run_python([*cli, "analyze", "--out", str(study), "--overwrite", "--quiet"], cache, cwd=tmp_path)
    assert cache_files(cache) == before, "the default study's analyze compiled a kernel at first use"
    first_facility = pd.read_parquet(study / "facilities.parquet", columns=["facility_id"])["facility_id"].iloc[0]
    runs = [
        ["score", "--study", str(study)],
        ["whatif", "--study", str(study), "--add", "clinic:30.66,104.07", "--remove", first_facility, "--name", "a"],
        ["whatif", "--study", str(study), "--close-steps", "--name", "steps"],
        ["suggest", "--study", str(study), "--category", "kindergarten"],
        ["isochrone", "--study", str(study), "--lat", "30.66", "--lon", "104.07", "--out", str(tmp_path / "i.geojson")],
        ["publish", "--study", str(study), "--out", str(tmp_path / "site"), "--no-reports"],
    ]
    for args in runs:
        run_python([*cli, *args], cache, cwd=tmp_path)
        assert cache_files(cache) == before, f"circle {args[0]} compiled a kernel at first use"


def test_a_cache_numba_cannot_read_is_cleared_and_compiled_again(warmed, tmp_path):
    # a cached version whose argument type lived in a module gone since (as circle.build after its rename):
    # numba raises ModuleNotFoundError while reading that kernel's index, before it looks at any entry
    source, _ = warmed
    cache = tmp_path / "cache"
    shutil.copytree(source, cache)
    gone = tmp_path / "gone"
    (gone / "renamed_since").mkdir(parents=True)
    (gone / "renamed_since" / "__init__.py").write_text(
        "from typing import NamedTuple\n\n\nclass CsrGraph(NamedTuple):\n    indptr: object\n    indices: object\n"
        "    weights: object\n",
        encoding="utf-8",
    )
    poison = (
        "import numpy as np\n"
        "from renamed_since import CsrGraph\n"
        "from circle.engine._kernels import bounded_times\n"
        "graph = CsrGraph(np.array([0, 1, 1]), np.array([1]), np.array([5.0]))\n"
        "bounded_times(graph, np.array([0]), np.array([0.0]), 10.0)\n"
    )
    run_python(["-c", poison], cache, cwd=tmp_path, extra_path=gone)
    shutil.rmtree(gone)
    # as it was seen: the run stops
    plain_run = run_python(
        ["-c", "import circle._kernel_samples as s\ns.compile_every_kernel()"], cache, tmp_path, check=False
    )
    assert plain_run.returncode != 0 and "No module named 'renamed_since'" in plain_run.stderr
    result = run_python(["-m", "circle.warm_up"], cache, cwd=tmp_path)
    assert "ModuleNotFoundError" in result.stdout and "renamed_since" in result.stdout
    assert ANNOUNCEMENT in result.stdout
    # the cache is whole again: the next warm-up loads it all, compiling nothing
    before = cache_files(cache)
    assert run_python(["-m", "circle.warm_up"], cache, cwd=tmp_path).stdout == ""
    assert cache_files(cache) == before
