"""What the planner's offline map draws under the blocks: water and green areas from the study's own OSM file."""

from __future__ import annotations

from pathlib import Path

from circle.sources.osm_land import Land, read_land

__all__ = ["Land", "land_of"]


def land_of(source: str | Path, bounds: tuple[float, float, float, float]) -> Land | None:
    """Return the water and green areas (and river lines) of the OSM file ``source`` within ``bounds`` (degrees).

    None when the file is no longer there (a study keeps where it was built from, not the file).
    """
    if not source or not Path(source).is_file():
        return None
    return read_land(source, bounds)
