"""Shared fixtures: paths to the real extracts and hand-made networks."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from circle.prepare.network import AccessTable, WalkNetwork

SHARED_OSM = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "osm"

os.environ.setdefault("CIRCLE_PROGRESS", "0")


def shared_extract(name: str) -> Path:
    """Return ``../shared/data/osm/<name>``, or skip the test with the reason."""
    path = SHARED_OSM / name
    if not path.is_file():
        pytest.skip(f"needs the shared OSM extract {path} (present in CI beside the clone; absent here)")
    return path


@pytest.fixture
def chengdu_pbf() -> Path:
    return shared_extract("chengdu_central_2018.osm.pbf")


@pytest.fixture
def chengdu_xml() -> Path:
    return shared_extract("chengdu_central_2018.osm")


@pytest.fixture
def aguascalientes_pbf() -> Path:
    return shared_extract("aguascalientes_tiny.osm.pbf")


@pytest.fixture
def andorra_pbf() -> Path:
    return shared_extract("andorra_2020.osm.pbf")


@pytest.fixture
def monaco_pbf() -> Path:
    return shared_extract("monaco_2016.osm.pbf")


def make_network(
    xy: list[tuple[float, float]],
    segments: list[tuple[int, int]],
    seconds: list[float] | None = None,
    back_seconds: list[float] | None = None,
) -> WalkNetwork:
    """Build a network by hand: nodes at ``xy`` (metres), segments between them.

    Seconds default to the length in metres (1 m/s), so answers are easy to
    work out on paper.
    """
    x = np.array([p[0] for p in xy], float)
    y = np.array([p[1] for p in xy], float)
    a = np.array([s[0] for s in segments], np.int64)
    b = np.array([s[1] for s in segments], np.int64)
    length = np.hypot(x[a] - x[b], y[a] - y[b])
    forward = np.array(seconds, float) if seconds is not None else length.copy()
    backward = np.array(back_seconds, float) if back_seconds is not None else forward.copy()
    return WalkNetwork(
        crs="EPSG:32648",
        osm_id=np.arange(len(x), dtype=np.int64) + 1000,
        x=x,
        y=y,
        a=a,
        b=b,
        length_m=length,
        seconds_ab=forward,
        seconds_ba=backward,
        highway=np.array(["footway"] * len(a), dtype=object),
    )


def make_access(rows: list[tuple[int, int, float]]) -> AccessTable:
    """Build an access table from ``(owner, node, seconds)`` rows."""
    owner = np.array([r[0] for r in rows], np.int64)
    node = np.array([r[1] for r in rows], np.int64)
    seconds = np.array([r[2] for r in rows], float)
    zeros = np.zeros(len(rows))
    return AccessTable(owner, node, seconds, zeros, zeros.copy(), zeros.copy())
