"""Resolving a study's inputs: which file to read, over which area and how much wider, and its checksum.

What the user named (a file, an embedded extract, a place, a bounding box, a
polygon, a tile of a batch) becomes a path, a study area and the degree
bounds to read, widened so that blocks at the area's edge find every street
and service a walk within the search limit can use.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

from circle.errors import AreaError, InputDataError
from circle.files import file_sha256
from circle.prepare.blocks import population_reach_m
from circle.prepare.terrain import TOBLER_OFFSET, TOBLER_RATE
from circle.sources.area import StudyArea, parse_bbox, read_area_file
from circle.sources.embedded import DEFAULT_SOURCE_NAME, EXTRACT_LABELS, default_source, embedded_source
from circle.sources.online import fetch_place
from circle.sources.osm import OsmData
from circle.standards import Preset, WalkingProfile

if TYPE_CHECKING:
    from circle.pipeline.options import AnalysisOptions


#: how far beyond the study area a block may reach and still find the network it needs (metres): the area
#: is read this much wider than a 30-minute walk and the snapping limit.
BLOCK_MARGIN_M = 2000.0


def walk_reach_m(preset: Preset, profile: WalkingProfile, terrain: bool = False) -> float:
    """Return the farthest a walk within the search limit can go, in straight metres.

    On terrain, Tobler's function walks a gentle descent faster than the flat.
    """
    fastest = float(np.exp(TOBLER_RATE * TOBLER_OFFSET)) if terrain else 1.0
    return preset.search_limit_s * profile.speed * fastest


def read_bounds_for(
    bounds: tuple[float, float, float, float], preset: Preset, profile: WalkingProfile, terrain: bool = False
) -> tuple[float, float, float, float]:
    """Return the bounds to read the source within for a study area (degrees).

    A walk's reach, the snapping limit and :data:`BLOCK_MARGIN_M` beyond the
    area, so that blocks at its edge find every street and service they use;
    and at least as far as the data a block's residents are judged by may
    lie (:func:`circle.prepare.blocks.population_reach_m`, 4 km by default), so
    that a tile of a batch judges its blocks as a whole run does even for a
    slow profile (an elderly walk of 30 minutes reaches 1.4 km: 3.7 km in all).
    """
    max_snap = float(preset.analysis["max_snap_m"].value)
    network = walk_reach_m(preset, profile, terrain) + max_snap + BLOCK_MARGIN_M
    return expand_bounds(bounds, max(network, population_reach_m(preset)))


def study_area_of(options: AnalysisOptions) -> StudyArea | None:
    """Return the study area the options name (a tile's cell, a bounding box, a polygon file), None for all."""
    if options.tile is not None:
        tile = options.tile
        return StudyArea(shapely.box(*tile.bounds), f"tile {tile.name} of {','.join(f'{v:g}' for v in tile.grid.bbox)}")
    if options.bbox and options.area_file:
        raise AreaError(
            "a study area is either a bounding box or a polygon file, not both.", about=("bbox", "area_file")
        )
    if options.bbox:
        return parse_bbox(options.bbox)
    if options.area_file:
        return read_area_file(options.area_file, options.area_crs)
    return None


def resolve_source(options: AnalysisOptions, area: StudyArea | None) -> tuple[Path, StudyArea | None, str]:
    """Return the file to read, the study area (a place's boundary when none was given) and the source's label."""
    if options.place:
        if options.source:
            raise InputDataError(
                "a study is read either from a file or from a place name, not both.", about=("source", "place")
            )
        path, boundary = fetch_place(options.place)
        return path, area or StudyArea(boundary, f"place {options.place}"), f"place: {options.place}"
    if options.source is None:
        return default_source(), area, DEFAULT_SOURCE_NAME
    if str(options.source) in EXTRACT_LABELS and not Path(options.source).exists():
        return embedded_source(str(options.source)), area, EXTRACT_LABELS[str(options.source)]
    path = Path(options.source).expanduser()
    return path, area, path.name


def source_checksum(path: Path) -> str:
    """Return the SHA-256 of the source file, saying plainly when it is missing or a folder."""
    try:
        return file_sha256(path)
    except FileNotFoundError:
        raise InputDataError(f"{path} does not exist. Check the path and run again.") from None
    except IsADirectoryError:
        raise InputDataError(f"{path} is a folder; give an .osm.pbf or .osm file.") from None


def expand_bounds(bounds: tuple[float, float, float, float], metres: float) -> tuple[float, float, float, float]:
    """Return degree bounds widened by ``metres`` on every side."""
    west, south, east, north = bounds
    dlat = metres / 111_320.0
    dlon = metres / (111_320.0 * max(np.cos(np.radians(max(abs(south), abs(north)))), 0.05))
    return west - dlon, south - dlat, east + dlon, north + dlat


def walk_bounds(osm: OsmData) -> tuple[float, float, float, float] | None:
    """Return the extent of the walkable ways' nodes (degrees), None when there are none."""
    walk = osm.walk
    if walk.is_empty:
        return None
    return (
        float(walk.node_lon.min()),
        float(walk.node_lat.min()),
        float(walk.node_lon.max()),
        float(walk.node_lat.max()),
    )


def node_extent(osm: OsmData, path: Path) -> tuple[float, float, float, float]:
    """Return the extent of every node of the file (only asked when the area missed all walkable data)."""
    if osm.node_extent is None:
        raise InputDataError(f"{path} holds no located nodes: it is not a usable OSM extract.")
    return osm.node_extent
