"""A memory guard: estimate what building a study will need, and refuse what the machine cannot hold.

The estimate is empirical, from the peak resident memory of whole
``circle analyze`` processes on the shared extracts and the city mosaics of
the benchmark harness (2 cores, Python 3.11, 2026-12): about 390 MB for the
interpreter and libraries, plus about 17.5 bytes per byte of PBF for
decoding the whole file (every node, way and kept tag as arrays), plus about
17 bytes per byte of PBF kept inside the study area (blocks, facilities,
the network, the engine's arrays and the tables written). It was fitted on
the 16- and 100-tile mosaics (535 and 1,306 MB measured) and the 100-tile
file cut to a small bounding box (854 MB), and over-estimates small
extracts by up to a quarter. An OSM XML file counts as a tenth of its size
in PBF; a tile's part of a tiled study (uncompressed arrays) as a 5.4th.
The machine's allowance is 80 % of the memory available now, or
``CIRCLE_MEMORY_LIMIT_MB`` when set (e.g. a server that runs several studies
at once).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import psutil

from circle.errors import CircleError

BASE_MB = 390.0
PER_KEPT_BYTE = 17.0
PER_FILE_BYTE = 17.5
XML_TO_PBF = 0.1
PART_TO_PBF = 1 / 5.4
SHARE_OF_AVAILABLE = 0.8


class MemoryLimitError(CircleError):
    """The study would need more memory than the machine can give it."""


@dataclass(frozen=True)
class MemoryEstimate:
    """What a build is expected to need, and what the machine allows."""

    needed_mb: float
    allowed_mb: float
    kept_share: float

    @property
    def fits(self) -> bool:
        """Whether the build fits."""
        return self.needed_mb <= self.allowed_mb


def allowed_mb(environ: dict[str, str] | None = None) -> float:
    """Return the memory a build may use: ``CIRCLE_MEMORY_LIMIT_MB``, else 80 % of what is available now."""
    environ = os.environ if environ is None else environ
    limit = environ.get("CIRCLE_MEMORY_LIMIT_MB", "").strip()
    if limit:
        try:
            return float(limit)
        except ValueError as error:
            raise CircleError(f"CIRCLE_MEMORY_LIMIT_MB={limit!r} must be a number of megabytes.") from error
    return SHARE_OF_AVAILABLE * psutil.virtual_memory().available / 1e6


def kept_share(
    file_bounds: tuple[float, float, float, float] | None, area_bounds: tuple[float, float, float, float] | None
) -> float:
    """Return the share of the file's extent the study area covers (1 when either is unknown)."""
    if file_bounds is None or area_bounds is None:
        return 1.0
    west, south, east, north = file_bounds
    a_west, a_south, a_east, a_north = area_bounds
    file_area = max(east - west, 1e-9) * max(north - south, 1e-9)
    overlap = max(0.0, min(east, a_east) - max(west, a_west)) * max(0.0, min(north, a_north) - max(south, a_south))
    return min(1.0, max(overlap / file_area, 0.0))


def estimate(
    path: Path,
    file_bounds: tuple[float, float, float, float] | None = None,
    area_bounds: tuple[float, float, float, float] | None = None,
    environ: dict[str, str] | None = None,
    decode_only: bool = False,
) -> MemoryEstimate:
    """Estimate the peak memory of building a study from ``path`` limited to ``area_bounds``.

    With ``decode_only``, of decoding the file and nothing more (the split of a tiled study).
    """
    size = Path(path).stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(64).lstrip()
    factor = XML_TO_PBF if head.startswith(b"<") else PART_TO_PBF if head.startswith(b"PK") else 1.0
    pbf_bytes = size * factor
    share = 0.0 if decode_only else kept_share(file_bounds, area_bounds)
    needed = BASE_MB + (PER_KEPT_BYTE * share + PER_FILE_BYTE) * pbf_bytes / 1e6
    return MemoryEstimate(needed_mb=round(needed, 1), allowed_mb=round(allowed_mb(environ), 1), kept_share=share)


def check_memory(
    path: Path,
    file_bounds: tuple[float, float, float, float] | None = None,
    area_bounds: tuple[float, float, float, float] | None = None,
    decode_only: bool = False,
) -> MemoryEstimate:
    """Refuse a build that would not fit in memory, before any work is done.

    Raises
    ------
    MemoryLimitError
        Saying how much is needed and allowed, and how to make the area smaller.
    """
    result = estimate(path, file_bounds, area_bounds, decode_only=decode_only)
    if not result.fits:
        raise MemoryLimitError(
            f"this study would need about {result.needed_mb / 1000:.1f} GB of memory, but only "
            f"{result.allowed_mb / 1000:.1f} GB can be used here. Limit the study to a smaller area, a bounding box "
            "or a polygon (a district rather than the whole city), or build it in tiles with `circle batch` "
            "(tiles: {columns: 4, rows: 4}): each tile needs a fraction of the memory, and the tiles are "
            "merged into one study of the whole city.",
            about=("bbox", "area_file"),
        )
    return result
