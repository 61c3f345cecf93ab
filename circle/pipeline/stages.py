"""The stages that build a study's inputs: read the source, find the blocks, sort the facilities, build the network.

Each stage is a function that returns a small dataclass; :func:`prepare_inputs`
runs them in order and times each (``read``, ``blocks``, ``facilities``,
``network`` in ``summary.json``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from circle.errors import InputDataError, NetworkError
from circle.geo import WGS84, transform_geometry, transform_xy, utm_crs_for
from circle.pipeline.inputs import StudyInputs
from circle.pipeline.memory import check_memory
from circle.pipeline.options import AnalysisOptions
from circle.pipeline.resolve import (
    expand_bounds,
    node_extent,
    read_bounds_for,
    resolve_source,
    source_checksum,
    study_area_of,
    walk_bounds,
    walk_reach_m,
)
from circle.pipeline.tiling import TileOf
from circle.prepare.access_points import entrances_xy, polygon_access_points
from circle.prepare.admin_units import admin_units
from circle.prepare.block_places import block_places
from circle.prepare.blocks import (
    NO_RESIDENTIAL_BLOCKS,
    blocks_from_osm,
    estimate_population,
    split_large_blocks,
)
from circle.prepare.facilities import facilities_from_osm, import_facility_table
from circle.prepare.network import NO_WALKABLE_WAYS, AccessTable, WalkNetwork, keep_reachable_part
from circle.prepare.population.ages import assign_age_groups
from circle.prepare.population.census_table import census_table_in_study
from circle.prepare.population.counts import CountedSources, count_residents
from circle.prepare.population.totals import plausibility_flags, scale_to_total
from circle.sources.area import StudyArea, check_area_offset, check_overlap
from circle.sources.blocks_file import clip_to_area, import_blocks_file
from circle.sources.census_table import CensusTableSpec
from circle.sources.census_table import parse_columns as parse_census_table_columns
from circle.sources.dem import Dem
from circle.sources.layer_offset import OffsetReference
from circle.sources.osm import OsmData, osm_from_pbf, read_osm
from circle.sources.osm_format import header_bounds
from circle.sources.osm_parts import load_part
from circle.sources.tables import FacilityTableSpec, parse_columns
from circle.standards import Preset, WalkingProfile, load_preset, load_profile
from circle.standards.regions import region_for
from circle.study.columns import BLOCK_ID


class StageMessage(str):
    """A stage's message (English, as the CLI prints it) that also carries the stage's name, for other languages."""

    stage: str

    def __new__(cls, message: str, stage: str) -> StageMessage:  # noqa: D102
        text = super().__new__(cls, message)
        text.stage = stage
        return text


class Stopwatch:
    """Times the stages of a run and tells ``on_stage`` as each begins (a :class:`StageMessage`)."""

    def __init__(self, on_stage: Callable[[str], None] | None):
        self.seconds: dict[str, float] = {}
        self.on_stage = on_stage

    @contextmanager
    def stage(self, name: str, message: str) -> Iterator[None]:
        """Time the stage ``name`` (in seconds), saying ``message`` as it begins."""
        if self.on_stage:
            self.on_stage(StageMessage(message, name))
        start = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - start, 3)


@dataclass
class SourceRead:
    """The first stage's outcome: the source read over the study area, and where the study lies."""

    preset: Preset
    profile: WalkingProfile
    path: Path
    source_label: str
    checksum: str
    osm: OsmData
    area: StudyArea | None
    data_bounds: tuple[float, float, float, float] | None
    crs: str
    aoi: Any
    region: str
    memory_estimate_mb: float | None


@dataclass
class BlocksFound:
    """The blocks stage's outcome: residential blocks with residents, and the gates they are left by."""

    blocks: gpd.GeoDataFrame
    block_origin: str
    gate_x: np.ndarray
    gate_y: np.ndarray
    extent: Any
    imports: dict[str, Any]


@dataclass
class FacilitiesSorted:
    """The facilities stage's outcome: facilities by category, and where blocks and facilities meet streets."""

    facilities: gpd.GeoDataFrame
    block_points: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    facility_points: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass
class NetworkBuilt:
    """The network stage's outcome: the walking network and how blocks and facilities reach it."""

    network: WalkNetwork
    full_size: tuple[int, int]
    block_access: AccessTable
    facility_access: AccessTable


def read_source(options: AnalysisOptions) -> SourceRead:
    """Read the source over the study area (widened by a walk's reach), and choose the CRS and region.

    Raises
    ------
    circle.errors.CircleError
        For a missing or unreadable source, an area that misses the data, or no walkable ways.
    """
    preset = load_preset(options.preset)
    profile = load_profile(options.profile)
    area = study_area_of(options)
    path, area, source_label = resolve_source(options, area)
    checksum = options.source_checksum or source_checksum(path)
    read_bounds = read_bounds_for(area.bounds, preset, profile, options.dem_file is not None) if area else None
    if options.osm_part:
        memory = check_memory(Path(options.osm_part), None, None)
        part, _ = load_part(options.osm_part)
        osm = osm_from_pbf(part, path, preset, read_bounds)
    else:
        memory = check_memory(path, header_bounds(path), area.bounds if area else None)
        osm = read_osm(path, preset, read_bounds)
    data_bounds = osm.file_bbox or walk_bounds(osm) or (node_extent(osm, path) if area else None)
    if area is not None and options.tile is None:
        check_overlap(area, data_bounds)
    if osm.walk.is_empty:
        raise NetworkError(NO_WALKABLE_WAYS)
    centre = area.geometry.centroid if area else shapely.box(*data_bounds).centroid
    crs = options.tile.grid.crs if options.tile else utm_crs_for(centre.x, centre.y)
    region = region_for(centre.x, centre.y, options.region)
    return SourceRead(
        preset=region.apply(preset),
        profile=profile,
        path=path,
        source_label=source_label,
        checksum=checksum,
        osm=osm,
        area=area,
        data_bounds=data_bounds,
        crs=crs,
        aoi=transform_geometry(area.geometry, WGS84, crs) if area else None,
        region=region.key,
        memory_estimate_mb=memory.needed_mb,
    )


def find_blocks(options: AnalysisOptions, source: SourceRead) -> BlocksFound:
    """Find the residential blocks (the user's file, else OSM's) and count their residents.

    Raises
    ------
    circle.errors.InputDataError
        When the study area holds no residential block.
    """
    osm, preset, crs, aoi = source.osm, source.preset, source.crs, source.aoi
    max_snap = float(preset.analysis["max_snap_m"].value)
    reach_m = walk_reach_m(preset, source.profile, terrain=options.dem_file is not None)
    imports: dict[str, Any] = {"gates": "used" if options.use_gates else "ignored (residents leave anywhere)"}
    gate_x, gate_y = entrances_xy(osm, crs, residents=True) if options.use_gates else (np.zeros(0), np.zeros(0))
    # what imported layers are offset-checked against
    imported = options.area_file or options.blocks_file or options.census_file or options.admin_file
    reference = OffsetReference.from_osm(osm, crs) if imported else None
    if reference is not None and options.area_file and source.area is not None and options.tile is None:
        imports["area"] = check_area_offset(source.area, reference)
    if options.blocks_file:
        blocks, imports["blocks"] = import_blocks_file(
            options.blocks_file,
            crs,
            options.block_id_column,
            options.block_name_column,
            options.population_column,
            aoi,
            system=options.blocks_crs,
            reference=reference,
        )
        block_origin = "user_file"
        blocks = estimate_population(blocks, osm, preset, user_blocks=True)
        blocks["parent_id"] = blocks[BLOCK_ID].astype(str)
        blocks["fence"] = None
        blocks = count_residents(
            blocks, _counted_sources(options), preset, crs, imports, admin_areas=osm.admin_areas, reference=reference
        )
    else:
        # population first, then the study area: a block's estimate looks at its neighbours too
        blocks, block_origin = blocks_from_osm(osm, crs, preset)
        blocks = estimate_population(blocks, osm, preset)
        street_lines = osm.street_lines_in(crs).geometry.to_numpy()
        blocks = split_large_blocks(blocks, osm, street_lines, preset, gate_x, gate_y)
        # counts are shared before the study area is cut, so a cell or polygon on a tile's edge is not
        # given twice, once to each tile's blocks
        counted = count_residents(
            blocks, _counted_sources(options), preset, crs, imports, admin_areas=osm.admin_areas, reference=reference
        )
        blocks = _owned_blocks(counted, aoi, options.tile)
    blocks = census_table_in_study(blocks, imports.get("census_table"))
    if blocks.empty and options.tile is None:
        raise InputDataError(NO_RESIDENTIAL_BLOCKS, about=("blocks_file", "bbox", "area_file"))
    if options.population_total is not None:
        blocks, imports["population_total"] = scale_to_total(blocks, float(options.population_total))
    blocks["pop_flag"] = plausibility_flags(blocks, preset.population)
    # residents by age group, once the totals are final (census bands, age rasters, else the region's structure)
    blocks, imports["population_ages"] = assign_age_groups(blocks, preset, source.region, options.population_ages)
    extent = _extent(aoi, blocks, reach_m + max_snap)
    blocks["place_zh"], blocks["place_en"] = block_places(blocks, osm.street_lines_in(crs))
    blocks["subdistrict"], blocks["community"] = admin_units(blocks, osm.admin_areas)
    return BlocksFound(blocks, block_origin, gate_x, gate_y, extent, imports)


def sort_facilities(options: AnalysisOptions, source: SourceRead, found: BlocksFound) -> FacilitiesSorted:
    """Sort OSM's facilities (and the bureau's list) into the preset's categories, and find every access point."""
    osm, preset, crs = source.osm, source.preset, source.crs
    spacing = float(preset.analysis["boundary_spacing_m"].value)
    facilities = facilities_from_osm(osm.facilities, preset, crs)
    if options.facilities_file:
        spec = FacilityTableSpec(
            path=Path(options.facilities_file),
            system=options.facilities_crs,
            mode=options.facilities_mode,
            columns=parse_columns(options.facilities_columns),
            mapping=Path(options.facilities_mapping) if options.facilities_mapping else None,
        )
        facilities, found.imports["facilities"] = import_facility_table(
            spec, preset, facilities, crs, extent=_map_extent(options, source, found)
        )
    if found.extent is not None and not facilities.empty:
        facilities = facilities[shapely.intersects(facilities.geometry.values, found.extent)].reset_index(drop=True)
    entrance_x, entrance_y = entrances_xy(osm, crs, residents=False)
    blocks = found.blocks
    block_points = polygon_access_points(
        blocks.geometry.values, found.gate_x, found.gate_y, spacing, fences=blocks["fence"].to_numpy(object)
    )
    facility_points = polygon_access_points(facilities.geometry.values, entrance_x, entrance_y, spacing)
    return FacilitiesSorted(facilities, block_points, facility_points)


def build_network(
    options: AnalysisOptions, source: SourceRead, found: BlocksFound, sorted_: FacilitiesSorted
) -> NetworkBuilt:
    """Build the walking network the study needs (with a DEM, its slopes), keep the parts blocks reach, snap to it."""
    osm, profile = source.osm, source.profile
    max_snap = float(source.preset.analysis["max_snap_m"].value)
    dem = None
    if options.dem_file:
        dem = Dem.read(options.dem_file, expand_bounds(walk_bounds(osm) or source.data_bounds, 100.0))
        found.imports["dem"] = {"file": Path(options.dem_file).name, "crs": dem.crs}
    network = WalkNetwork.from_ways(osm.walk, profile, source.crs, keep_within=found.extent, dem=dem)
    full_size = (network.n_nodes, network.n_segments)
    block_points, facility_points = sorted_.block_points, sorted_.facility_points
    network = keep_reachable_part(
        network,
        np.concatenate([block_points[1], facility_points[1]]),
        np.concatenate([block_points[2], facility_points[2]]),
        max_snap,
    )
    block_access = network.snap(block_points[0], block_points[1], block_points[2], profile.speed, max_snap)
    facility_access = network.snap(
        facility_points[0], facility_points[1], facility_points[2], profile.speed, max_snap, towards_point=True
    )
    return NetworkBuilt(network, full_size, block_access, facility_access)


def prepare_inputs(options: AnalysisOptions, clock: Stopwatch | None = None) -> StudyInputs:
    """Read the source and build the network, blocks, facilities and access tables.

    Parameters
    ----------
    options : AnalysisOptions
        What to read and how (``out`` and ``engine`` are not used here).
    clock : Stopwatch, optional
        Times the stages ``read``, ``blocks``, ``facilities`` and ``network``.

    Returns
    -------
    StudyInputs
        The inputs of the engine.
    """
    clock = clock or Stopwatch(None)
    with clock.stage("read", "reading OpenStreetMap data"):
        source = read_source(options)
    with clock.stage("blocks", "finding residential blocks and their population"):
        found = find_blocks(options, source)
    with clock.stage("facilities", "sorting facilities into categories"):
        sorted_ = sort_facilities(options, source, found)
    with clock.stage("network", "building the walking network"):
        built = build_network(options, source, found, sorted_)
    return StudyInputs(
        preset=source.preset,
        profile=source.profile,
        path=source.path,
        source_label=source.source_label,
        checksum=source.checksum,
        osm=source.osm,
        area=source.area,
        crs=source.crs,
        blocks=found.blocks,
        block_origin=found.block_origin,
        facilities=sorted_.facilities,
        network=built.network,
        full_size=built.full_size,
        block_access=built.block_access,
        facility_access=built.facility_access,
        block_point_owner=sorted_.block_points[0],
        block_via_entrance=sorted_.block_points[3],
        max_snap_m=float(source.preset.analysis["max_snap_m"].value),
        imports=found.imports,
        memory_estimate_mb=source.memory_estimate_mb,
        region=source.region,
    )


def _counted_sources(options: AnalysisOptions) -> CountedSources:
    table = None
    if options.census_table:
        table = CensusTableSpec(Path(options.census_table), parse_census_table_columns(options.census_table_columns))
    return CountedSources(
        options.population_raster,
        options.census_file,
        options.census_column,
        census_table=table,
        admin_file=options.admin_file,
        admin_name_column=options.admin_name_column,
        admin_code_column=options.admin_code_column,
        system=options.population_crs,
        admin_system=options.admin_crs,
    )


def _owned_blocks(blocks: gpd.GeoDataFrame, aoi, tile: TileOf | None) -> gpd.GeoDataFrame:
    """Keep the blocks of the study area, or, for a tile, the blocks whose inner point is in its cell."""
    if tile is None:
        return clip_to_area(blocks, aoi)
    if blocks.empty:
        return blocks.reset_index(drop=True)
    inner = shapely.point_on_surface(blocks.geometry.values)
    lon, lat = transform_xy(shapely.get_x(inner), shapely.get_y(inner), blocks.crs, WGS84)
    return blocks[tile.owns(lon, lat)].reset_index(drop=True)


def _map_extent(options: AnalysisOptions, source: SourceRead, found: BlocksFound):
    """Return where an imported facility can count: the study's extent, else the map data widened by the reach."""
    if found.extent is not None:
        return found.extent
    if source.data_bounds is None:
        return None
    reach_m = walk_reach_m(source.preset, source.profile, terrain=options.dem_file is not None)
    bounds = gpd.GeoSeries([shapely.box(*source.data_bounds)], crs=WGS84).to_crs(source.crs)
    return bounds.iloc[0].buffer(reach_m + float(source.preset.analysis["max_snap_m"].value))


def _extent(aoi, blocks: gpd.GeoDataFrame, reach_m: float):
    """Return the part of the network and facilities a study needs: its area and blocks, widened by a reach."""
    if aoi is None:
        return None
    west, south, east, north = aoi.bounds
    if not blocks.empty:
        b_west, b_south, b_east, b_north = blocks.total_bounds
        west, south, east, north = min(west, b_west), min(south, b_south), max(east, b_east), max(north, b_north)
    return shapely.box(west, south, east, north).buffer(reach_m)
