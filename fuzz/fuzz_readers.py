"""Coverage-guided fuzzing of circle's readers with atheris (libFuzzer).

Every reader a user's file reaches is fed mutated bytes; anything but an
answer or a CircleError is a crash that libFuzzer reports with the input that
caused it (saved as ``crash-*``). Usage::

    CIRCLE_FUZZ_TARGET=osm .venv/bin/python fuzz/fuzz_readers.py fuzz/corpus/osm -max_total_time=60

Targets: osm, table, polygons, census, preset, dem, batch. ``fuzz/seed.py``
writes small valid seed files into ``fuzz/corpus/TARGET``. Two targets read
two kinds of file, told apart by the input's first byte as users' files are
by their content: ``table`` a facility list (CSV) or a web map's POI answer
(JSON), ``census`` census polygons (GeoJSON) or a census table by community
(CSV) joined to boundaries.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

import atheris

# Compiled (numba) modules are left as they are: atheris rewrites a function's
# bytecode, which numba cannot compile; their inputs are still fuzzed, only
# without coverage feedback from inside the compiled code.
COMPILED = [
    "circle.sources.pbf",
    "circle.sources._pbf_decode",
    "circle.sources._pbf_wire",
    "circle.prepare.network.snapping",
    "circle.prepare.population._window_sums",
    "circle.engine._heap",
    "circle.engine._kernels",
    "circle.engine._kernels_local",
    "circle.engine._labels",
    "circle.engine.catchments",
    "circle.publish._kernels",
]

with atheris.instrument_imports(include=["circle"], exclude=COMPILED):
    from circle.errors import CircleError
    from circle.pipeline.batch_plan import read_batch_file
    from circle.sources.census import read_census
    from circle.sources.census_table import CensusTableSpec, read_census_table
    from circle.sources.dem import Dem
    from circle.sources.osm import read_osm
    from circle.sources.tables import FacilityTableSpec, read_facility_table
    from circle.sources.vector import read_polygons
    from circle.standards import load_preset

TARGET = os.environ.get("CIRCLE_FUZZ_TARGET", "osm")
SUFFIX = {
    "osm": ".osm.pbf",
    "table": ".csv",
    "polygons": ".geojson",
    "census": ".geojson",
    "preset": ".yaml",
    "dem": ".tif",
    "batch": ".yaml",
}[TARGET]
SCRATCH = Path(tempfile.mkdtemp(prefix="circle-fuzz-"))
PRESET = load_preset()


def read(path: Path) -> None:
    """Give ``path`` to the target's reader."""
    if TARGET == "osm":
        read_osm(path, PRESET, None)
    elif TARGET == "table":
        read_facility_table(FacilityTableSpec(path, system="auto"), PRESET)
    elif TARGET == "polygons":
        read_polygons(path, "area file", CircleError)
    elif TARGET == "census" and path.suffix == ".csv":
        read_census_table(CensusTableSpec(path))
    elif TARGET == "census":
        read_census(path, None, "EPSG:32648")
    elif TARGET == "preset":
        load_preset(path)
    elif TARGET == "dem":
        Dem.read(path, (104.0, 30.6, 104.1, 30.7))
    elif TARGET == "batch":
        read_batch_file(path, SCRATCH / "out")


def test_one_input(data: bytes) -> None:
    """Read the bytes as a file (libFuzzer's entry point); a CircleError is a proper refusal."""
    suffix = SUFFIX
    if TARGET == "table" and data[:1] in (b"{", b"["):
        suffix = ".json"  # a web map's answer as saved from its API
    elif TARGET == "census" and data[:1] not in (b"{", b"["):
        suffix = ".csv"  # a census table by community
    path = SCRATCH / f"input{suffix}"
    path.write_bytes(data)
    with contextlib.suppress(CircleError):
        read(path)


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
