"""Build a study: source → network, blocks, facilities → reach → study folder.

:func:`analyze` is what ``circle analyze`` runs. Every stage is timed; the
timings, counts and parameters go into ``summary.json`` so that any number
in the study can be traced back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import circle
from circle.build.access_points import polygon_access_points
from circle.build.admin_units import admin_units
from circle.build.block_places import block_places
from circle.build.blocks import (
    NO_RESIDENTIAL_BLOCKS,
    blocks_from_osm,
    clip_to_area,
    estimate_population,
    read_blocks_file,
    split_large_blocks,
)
from circle.build.facilities import facilities_from_osm
from circle.build.network import NO_WALKABLE_WAYS, AccessTable, WalkNetwork, keep_reachable_part
from circle.build.population.counts import CountedSources, count_residents
from circle.build.population.totals import plausibility_flags, population_summary, scale_to_total
from circle.build.terrain import TOBLER_OFFSET, TOBLER_RATE, Dem
from circle.engine import CategoryReach, Destinations, ReachProblem, get_backend
from circle.errors import AreaError, InputDataError, NetworkError
from circle.geo import WGS84, transform_geometry, transform_xy, utm_crs_for
from circle.pipeline.memory import check_memory
from circle.pipeline.tiling import TileOf
from circle.sources.area import StudyArea, check_overlap, parse_bbox, read_area_file
from circle.sources.embedded import DEFAULT_SOURCE_NAME, EXTRACT_LABELS, default_source, embedded_source
from circle.sources.offset_check import check_offset
from circle.sources.osm import OsmData, header_bounds, osm_from_pbf, read_osm
from circle.sources.osm_parts import load_part
from circle.sources.tables import FacilityTableSpec, parse_columns, read_facility_table
from circle.standards import Preset, WalkingProfile, load_preset, load_profile
from circle.standards.regions import region_for
from circle.study import ATTRIBUTION, FORMAT_VERSION, StudyTables, prepare_destination, study_counts, write_study
from circle.study.columns import count_column, nearest_id_column, time_column
from circle.study.summary import (
    CategoryInfo,
    Imports,
    Memory,
    Parameters,
    PresetInfo,
    ProfileInfo,
    SourceInfo,
    StudySummary,
)


@dataclass
class AnalysisOptions:
    """What ``circle analyze`` was asked to do.

    Attributes
    ----------
    source : str or pathlib.Path or None
        An ``.osm.pbf`` / ``.osm`` file; None for the embedded default.
    out : str or pathlib.Path
        The study folder to write.
    bbox : str, optional
        ``"W,S,E,N"`` in degrees.
    area_file : str or pathlib.Path, optional
        A polygon file limiting the study area.
    place : str, optional
        A place name to fetch online (needs the internet).
    blocks_file : str or pathlib.Path, optional
        The user's residential blocks.
    block_id_column, block_name_column, population_column : str, optional
        Columns of ``blocks_file``.
    preset : str or pathlib.Path
        Standards preset name or YAML path.
    profile : str
        Walking profile name.
    engine : str
        Routing backend (``labels``, ``csgraph``, ``pandana``, ``bruteforce``).
    overwrite : bool
        Replace an existing study at ``out``.
    gpkg : bool
        Also write a GeoPackage.
    progress : bool
        Show progress bars.
    facilities_file : str or pathlib.Path, optional
        A CSV or ``.xlsx`` facility list (see :mod:`circle.sources.tables`).
    facilities_crs : str
        Its coordinates: ``wgs84``, ``gcj02``, ``bd09`` or ``EPSG:CODE``.
    facilities_mode : str
        ``add`` to the OSM facilities, or ``replace`` them in the categories the list holds.
    facilities_columns : str, optional
        ``"name=名称,category=类别,lon=经度,lat=纬度,capacity=床位"`` when not found by name.
    census_file : str or pathlib.Path, optional
        Census polygons with population totals, shared among their blocks.
    census_column : str, optional
        The totals' column (found by name when omitted).
    population_raster : str or pathlib.Path, optional
        A GeoTIFF of persons per cell (WorldPop, GHS-POP), shared among the blocks its cells overlap.
    population_total : float, optional
        The known residents of the study area: the estimated blocks are scaled to it.
    region : str, optional
        The region whose population defaults apply (``regions.yaml``); found from the area's centre when omitted.
    dem_file : str or pathlib.Path, optional
        A GeoTIFF DEM: slopes follow Tobler's hiking function.
    use_gates : bool
        Residents leave a block only through its mapped gates and entrances
        (where it has any); False samples its whole boundary instead.
    tile : circle.pipeline.tiling.TileOf, optional
        Build one tile of a tiled study (``circle batch``): its blocks, the
        whole study's CRS, and the network and facilities around them.
    osm_part : str or pathlib.Path, optional
        The tile's part of the source (:mod:`circle.sources.osm_parts`), read
        instead of the source itself; ``source`` still names the file.
    source_checksum : str, optional
        The source's SHA-256 when already known (a tile does not hash the city file again).
    """

    source: str | Path | None = None
    out: str | Path = "data/studies/default"
    bbox: str | None = None
    area_file: str | Path | None = None
    place: str | None = None
    blocks_file: str | Path | None = None
    block_id_column: str | None = None
    block_name_column: str | None = None
    population_column: str | None = None
    preset: str | Path = "gb50180_2018"
    profile: str = "standard"
    engine: str = "labels"
    overwrite: bool = False
    gpkg: bool = False
    progress: bool = False
    facilities_file: str | Path | None = None
    facilities_crs: str = "wgs84"
    facilities_mode: str = "add"
    facilities_columns: str | None = None
    census_file: str | Path | None = None
    census_column: str | None = None
    population_raster: str | Path | None = None
    population_total: float | None = None
    region: str | None = None
    dem_file: str | Path | None = None
    use_gates: bool = True
    tile: TileOf | None = None
    osm_part: str | Path | None = None
    source_checksum: str | None = None


@dataclass
class AnalysisResult:
    """Where the study went and its summary."""

    path: Path
    summary: StudySummary


class _Stopwatch:
    def __init__(self, on_stage: Callable[[str], None] | None):
        self.seconds: dict[str, float] = {}
        self.on_stage = on_stage

    @contextmanager
    def stage(self, name: str, message: str) -> Iterator[None]:
        if self.on_stage:
            self.on_stage(message)
        start = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - start, 3)


@dataclass
class StudyInputs:
    """Everything a study is computed from: the outcome of the first four stages."""

    preset: Preset
    profile: WalkingProfile
    path: Path
    source_label: str
    checksum: str
    osm: OsmData
    area: StudyArea | None
    crs: str
    blocks: gpd.GeoDataFrame
    block_origin: str
    facilities: gpd.GeoDataFrame
    network: WalkNetwork
    full_size: tuple[int, int]
    block_access: AccessTable
    facility_access: AccessTable
    block_point_owner: np.ndarray
    block_via_entrance: np.ndarray
    max_snap_m: float
    imports: dict[str, Any] = field(default_factory=dict)
    region: str = "world"
    memory_estimate_mb: float | None = None

    def problem(self) -> ReachProblem:
        """Return the reach problem of these inputs."""
        return ReachProblem(
            network=self.network,
            origin_access=self.block_access,
            n_origins=len(self.blocks),
            destinations=_destinations(self.facilities, self.facility_access, self.preset),
            k=self.preset.k_nearest,
            thresholds_s=self.preset.thresholds_s,
            limit_s=self.preset.search_limit_s,
        )


def analyze(options: AnalysisOptions, on_stage: Callable[[str], None] | None = None) -> AnalysisResult:
    """Build a study folder from an OSM source.

    Parameters
    ----------
    options : AnalysisOptions
        Source, area, blocks, preset, profile, engine and output.
    on_stage : callable, optional
        Called with a short message as each stage starts.

    Returns
    -------
    AnalysisResult
        The study folder and its summary.

    Raises
    ------
    circle.errors.CircleError
        For any bad input; nothing is written then.
    """
    clock = _Stopwatch(on_stage)
    backend = get_backend(options.engine)
    prepare_destination(options.out, options.overwrite)
    inputs = prepare_inputs(options, clock)

    with clock.stage("engine", f"computing walking times ({backend.name})"):
        reach = backend.solve(inputs.problem(), progress=options.progress)
    if inputs.network.elevation is not None:
        with clock.stage("flat", "computing flat-ground times to compare with the terrain"):
            flat = replace(inputs, network=inputs.network.flat_copy(inputs.profile))
            flat_reach = backend.solve(flat.problem())
        inputs.imports["terrain_vs_flat"] = terrain_comparison(inputs, reach, flat_reach)

    with clock.stage("write", "writing the study folder"):
        write_started = time.perf_counter()
        tables = _tables(inputs, reach)
        tables.summary = _summary(inputs, backend.name, tables, clock.seconds)

        def record_write_time(summary: StudySummary) -> None:
            # summary.json is the last file written: its own write is not counted.
            summary.timings_s["write"] = round(time.perf_counter() - write_started, 3)
            summary.timings_s["total"] = round(sum(summary.timings_s.values()), 3)

        folder = write_study(
            tables,
            options.out,
            overwrite=options.overwrite,
            gpkg=options.gpkg,
            before_summary=record_write_time,
        )
    return AnalysisResult(folder, tables.summary)


def prepare_inputs(options: AnalysisOptions, clock: _Stopwatch | None = None) -> StudyInputs:
    """Read the source and build the network, blocks, facilities and access tables.

    Parameters
    ----------
    options : AnalysisOptions
        What to read and how (``out`` and ``engine`` are not used here).
    clock : _Stopwatch, optional
        Times the stages ``read``, ``blocks``, ``facilities`` and ``network``.

    Returns
    -------
    StudyInputs
        The inputs of the engine.
    """
    clock = clock or _Stopwatch(None)
    preset = load_preset(options.preset)
    profile = load_profile(options.profile)
    area = _study_area(options)
    max_snap = float(preset.analysis["max_snap_m"].value)
    spacing = float(preset.analysis["boundary_spacing_m"].value)
    reach_m = walk_reach_m(preset, profile, terrain=options.dem_file is not None)

    with clock.stage("read", "reading OpenStreetMap data"):
        path, area, source_label = _resolve_source(options, area)
        checksum = options.source_checksum or _sha256(path)
        read_bounds = read_bounds_for(area.bounds, preset, profile, options.dem_file is not None) if area else None
        if options.osm_part:
            memory = check_memory(Path(options.osm_part), None, None)
            part, _ = load_part(options.osm_part)
            osm = osm_from_pbf(part, path, preset, read_bounds)
        else:
            memory = check_memory(path, header_bounds(path), area.bounds if area else None)
            osm = read_osm(path, preset, read_bounds)
        data_bounds = osm.file_bbox or _walk_bounds(osm) or (_node_extent(osm, path) if area else None)
        if area is not None and options.tile is None:
            check_overlap(area, data_bounds)
        if osm.walk.is_empty:
            raise NetworkError(NO_WALKABLE_WAYS)
        centre = area.geometry.centroid if area else shapely.box(*data_bounds).centroid
        crs = options.tile.grid.crs if options.tile else utm_crs_for(centre.x, centre.y)
        aoi = transform_geometry(area.geometry, WGS84, crs) if area else None

        region = region_for(centre.x, centre.y, options.region)
        preset = region.apply(preset)

    with clock.stage("blocks", "finding residential blocks and their population"):
        imports: dict[str, Any] = {"gates": "used" if options.use_gates else "ignored (--ignore-gates)"}
        gate_x, gate_y = _entrances_xy(osm, crs, residents=True) if options.use_gates else (np.zeros(0), np.zeros(0))
        if options.blocks_file:
            blocks = read_blocks_file(
                options.blocks_file,
                crs,
                options.block_id_column,
                options.block_name_column,
                options.population_column,
                aoi,
            )
            block_origin = "user_file"
            blocks = estimate_population(blocks, osm, preset)
            blocks["parent_id"] = blocks["block_id"].astype(str)
            blocks["fence"] = None
            blocks = count_residents(blocks, _counted_sources(options), preset, crs, imports)
        else:
            # population first, then the study area: a block's estimate looks at its neighbours too
            blocks, block_origin = blocks_from_osm(osm, crs)
            blocks = estimate_population(blocks, osm, preset)
            street_lines = osm.street_lines_in(crs).geometry.to_numpy()
            blocks = split_large_blocks(blocks, osm, street_lines, preset, gate_x, gate_y)
            # counts are shared before the study area is cut, so a cell or polygon on a tile's edge is not
            # given twice, once to each tile's blocks
            counted = count_residents(blocks, _counted_sources(options), preset, crs, imports)
            blocks = _owned_blocks(counted, aoi, options.tile)
        if blocks.empty and options.tile is None:
            raise InputDataError(NO_RESIDENTIAL_BLOCKS)
        if options.population_total is not None:
            blocks, imports["population_total"] = scale_to_total(blocks, float(options.population_total))
        blocks["pop_flag"] = plausibility_flags(blocks, preset.population)
        extent = _extent(aoi, blocks, reach_m + max_snap)
        blocks["place_zh"], blocks["place_en"] = block_places(blocks, osm.street_lines_in(crs))
        blocks["subdistrict"], blocks["community"] = admin_units(blocks, osm.admin_areas)

    with clock.stage("facilities", "sorting facilities into categories"):
        facilities = facilities_from_osm(osm.facilities, preset, crs)
        if options.facilities_file:
            facilities, imports["facilities"] = _import_facilities(options, preset, facilities, crs)
        if extent is not None and not facilities.empty:
            facilities = facilities[shapely.intersects(facilities.geometry.values, extent)].reset_index(drop=True)
        entrance_x, entrance_y = _entrances_xy(osm, crs, residents=False)
        block_points = polygon_access_points(
            blocks.geometry.values, gate_x, gate_y, spacing, fences=blocks["fence"].to_numpy(object)
        )
        facility_points = polygon_access_points(facilities.geometry.values, entrance_x, entrance_y, spacing)

    with clock.stage("network", "building the walking network"):
        dem = None
        if options.dem_file:
            dem = Dem.read(options.dem_file, _expand_bounds(_walk_bounds(osm) or data_bounds, 100.0))
            imports["dem"] = {"file": Path(options.dem_file).name, "crs": dem.crs}
        network = WalkNetwork.from_ways(osm.walk, profile, crs, keep_within=extent, dem=dem)
        full_size = (network.n_nodes, network.n_segments)
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
    return StudyInputs(
        preset=preset,
        profile=profile,
        path=path,
        source_label=source_label,
        checksum=checksum,
        osm=osm,
        area=area,
        crs=crs,
        blocks=blocks,
        block_origin=block_origin,
        facilities=facilities,
        network=network,
        full_size=full_size,
        block_access=block_access,
        facility_access=facility_access,
        block_point_owner=block_points[0],
        block_via_entrance=block_points[3],
        max_snap_m=max_snap,
        imports=imports,
        memory_estimate_mb=memory.needed_mb,
        region=region.key,
    )


#: how far beyond the study area a block may reach and still find the network it needs (metres): the area
#: is read this much wider than a 30-minute walk and the snapping limit.
BLOCK_MARGIN_M = 2000.0


def _counted_sources(options: AnalysisOptions) -> CountedSources:
    return CountedSources(options.population_raster, options.census_file, options.census_column)


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
    area, so that blocks at its edge find every street and service they use.
    """
    max_snap = float(preset.analysis["max_snap_m"].value)
    return _expand_bounds(bounds, walk_reach_m(preset, profile, terrain) + max_snap + BLOCK_MARGIN_M)


def _owned_blocks(blocks: gpd.GeoDataFrame, aoi, tile: TileOf | None) -> gpd.GeoDataFrame:
    """Keep the blocks of the study area, or, for a tile, the blocks whose inner point is in its cell."""
    if tile is None:
        return clip_to_area(blocks, aoi)
    if blocks.empty:
        return blocks.reset_index(drop=True)
    inner = shapely.point_on_surface(blocks.geometry.values)
    lon, lat = transform_xy(shapely.get_x(inner), shapely.get_y(inner), blocks.crs, WGS84)
    return blocks[tile.owns(lon, lat)].reset_index(drop=True)


def _extent(aoi, blocks: gpd.GeoDataFrame, reach_m: float):
    """Return the part of the network and facilities a study needs: its area and blocks, widened by a reach."""
    if aoi is None:
        return None
    west, south, east, north = aoi.bounds
    if not blocks.empty:
        b_west, b_south, b_east, b_north = blocks.total_bounds
        west, south, east, north = min(west, b_west), min(south, b_south), max(east, b_east), max(north, b_north)
    return shapely.box(west, south, east, north).buffer(reach_m)


def _study_area(options: AnalysisOptions) -> StudyArea | None:
    if options.tile is not None:
        tile = options.tile
        return StudyArea(shapely.box(*tile.bounds), f"tile {tile.name} of {','.join(f'{v:g}' for v in tile.grid.bbox)}")
    given = [name for name, value in (("--bbox", options.bbox), ("--area", options.area_file)) if value]
    if len(given) > 1:
        raise AreaError("give either --bbox or --area, not both.")
    if options.bbox:
        return parse_bbox(options.bbox)
    if options.area_file:
        return read_area_file(options.area_file)
    return None


def _resolve_source(options: AnalysisOptions, area: StudyArea | None) -> tuple[Path, StudyArea | None, str]:
    if options.place:
        if options.source:
            raise InputDataError("give either a SOURCE file or --place, not both.")
        from circle.sources.online import fetch_place

        path, boundary = fetch_place(options.place)
        return path, area or StudyArea(boundary, f"place {options.place}"), f"place: {options.place}"
    if options.source is None:
        return default_source(), area, DEFAULT_SOURCE_NAME
    if str(options.source) in EXTRACT_LABELS and not Path(options.source).exists():
        return embedded_source(str(options.source)), area, EXTRACT_LABELS[str(options.source)]
    path = Path(options.source).expanduser()
    return path, area, path.name


def _sha256(path: Path) -> str:
    try:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError:
        raise InputDataError(f"{path} does not exist. Check the path and run again.") from None
    except IsADirectoryError:
        raise InputDataError(f"{path} is a folder; give an .osm.pbf or .osm file.") from None
    return digest.hexdigest()


def _expand_bounds(bounds: tuple[float, float, float, float], metres: float) -> tuple[float, float, float, float]:
    west, south, east, north = bounds
    dlat = metres / 111_320.0
    dlon = metres / (111_320.0 * max(np.cos(np.radians(max(abs(south), abs(north)))), 0.05))
    return west - dlon, south - dlat, east + dlon, north + dlat


def _walk_bounds(osm: OsmData) -> tuple[float, float, float, float] | None:
    walk = osm.walk
    if walk.is_empty:
        return None
    return (
        float(walk.node_lon.min()),
        float(walk.node_lat.min()),
        float(walk.node_lon.max()),
        float(walk.node_lat.max()),
    )


def _node_extent(osm: OsmData, path: Path) -> tuple[float, float, float, float]:
    """Return the extent of every node of the file (only asked when the area missed all walkable data)."""
    if osm.node_extent is None:
        raise InputDataError(f"{path} holds no located nodes: it is not a usable OSM extract.")
    return osm.node_extent


def _import_facilities(
    options: AnalysisOptions, preset: Preset, osm_facilities: gpd.GeoDataFrame, crs: str
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Read a facility table, check its coordinate system against OSM, and add it or let it replace OSM's."""
    spec = FacilityTableSpec(
        path=Path(options.facilities_file),
        system=options.facilities_crs,
        mode=options.facilities_mode,
        columns=parse_columns(options.facilities_columns),
    )
    table = read_facility_table(spec, preset)
    offset = check_offset(table, osm_facilities, crs)
    imported = table.to_crs(crs)
    label = f"import:{spec.path.name}"
    rows = gpd.GeoDataFrame(
        {
            "facility_id": [f"{c}:x{r}" for c, r in zip(imported["category"], imported["row"], strict=True)],
            "category": imported["category"].to_numpy(object),
            "name": imported["name"].to_numpy(object),
            "osm_id": np.zeros(len(imported), np.int64),
            "osm_type": "import",
            "source": label,
            "tags": [{"capacity": str(c)} if np.isfinite(c) else {} for c in imported["capacity"]],
        },
        geometry=imported.geometry.to_numpy(),
        crs=crs,
    )
    categories = sorted(set(rows["category"]))
    replaced = 0
    if spec.mode == "replace":
        dropping = osm_facilities["category"].isin(categories)
        replaced = int(dropping.sum())
        osm_facilities = osm_facilities[~dropping]
    merged = pd.concat([osm_facilities, rows], ignore_index=True)
    order = {c.key: i for i, c in enumerate(preset.categories)}
    merged = merged.assign(_order=merged["category"].map(order)).sort_values(["_order", "facility_id"], kind="stable")
    merged = gpd.GeoDataFrame(merged.drop(columns="_order").reset_index(drop=True), geometry="geometry", crs=crs)
    report = {
        "file": spec.path.name,
        "declared_crs": spec.system,
        "mode": spec.mode,
        "rows": len(rows),
        "per_category": {c: int((rows["category"] == c).sum()) for c in categories},
        "osm_facilities_replaced": replaced,
        "offset_check": offset,
    }
    return merged, report


def _entrances_xy(osm: OsmData, crs: str, residents: bool) -> tuple[np.ndarray, np.ndarray]:
    """Return the mapped entrances and gates; private ones are doors for residents, not for the public."""
    closed = ["no"] if residents else ["private", "no"]
    usable = osm.entrances[~osm.entrances["access"].isin(closed).to_numpy()]
    if usable.empty:
        return np.zeros(0), np.zeros(0)
    return transform_xy(shapely.get_x(usable.geometry.values), shapely.get_y(usable.geometry.values), WGS84, crs)


def _destinations(facilities: gpd.GeoDataFrame, access: AccessTable, preset: Preset) -> dict[str, Destinations]:
    destinations = {}
    categories = facilities["category"].to_numpy(object) if len(facilities) else np.zeros(0, object)
    for category in preset.categories:
        positions = np.flatnonzero(categories == category.key)
        local = np.full(len(facilities), -1, np.int64)
        local[positions] = np.arange(len(positions))
        rows = np.flatnonzero(local[access.owner] >= 0) if len(access) else np.zeros(0, np.int64)
        table = access.take(rows)
        table.owner = local[table.owner]
        destinations[category.key] = Destinations(
            ids=facilities["facility_id"].to_numpy(object)[positions], access=table
        )
    return destinations


def _tables(inputs: StudyInputs, reach: dict[str, CategoryReach]) -> StudyTables:
    blocks, facilities, network = inputs.blocks, inputs.facilities, inputs.network
    block_access, facility_access, preset = inputs.block_access, inputs.facility_access, inputs.preset
    n_blocks = len(blocks)
    access_count = np.bincount(block_access.owner, minlength=n_blocks)
    block_reaches, facility_reaches = _reach_each_other(
        inputs.network, block_access, facility_access, n_blocks, len(facilities)
    )
    access_m = _min_per_owner(block_access.owner, block_access.snap_m, n_blocks)
    via = np.zeros(n_blocks, bool)
    via[inputs.block_point_owner[inputs.block_via_entrance]] = True
    out = pd.DataFrame(
        {
            "block_id": blocks["block_id"].astype(str).to_numpy(),
            "name": blocks["name"].to_numpy(object),
            "place_zh": blocks["place_zh"].to_numpy(object),
            "place_en": blocks["place_en"].to_numpy(object),
            "subdistrict": blocks["subdistrict"].to_numpy(object),
            "community": blocks["community"].to_numpy(object),
            "population": blocks["population"].to_numpy(float),
            "pop_source": blocks["pop_source"].to_numpy(object),
            "pop_flag": blocks["pop_flag"].to_numpy(object),
            "parent_id": blocks["parent_id"].astype(str).to_numpy(object),
            "area_m2": np.round(blocks["area_m2"].to_numpy(float), 1),
            "floor_area_m2": np.round(blocks["floor_area_m2"].to_numpy(float), 1),
            "access_points": access_count,
            "access_via": np.where(via, "entrances", "boundary"),
            "access_m": np.round(access_m, 1),
            "reachable": block_reaches,
        }
    )
    columns = {}
    for category in preset.categories:
        answer = reach[category.key]
        ids = answer.nearest[:, 0]
        for rank in range(preset.k_nearest):
            columns[time_column(category.key, rank + 1)] = answer.seconds[:, rank] / 60.0
        for position, minutes in enumerate(preset.thresholds_min):
            columns[count_column(category.key, minutes)] = answer.counts[:, position].astype(np.int32)
        category_ids = facilities.loc[facilities["category"] == category.key, "facility_id"].to_numpy(object)
        nearest = np.full(n_blocks, None, dtype=object)
        nearest[ids >= 0] = category_ids[ids[ids >= 0]]
        columns[nearest_id_column(category.key)] = nearest
    out = pd.concat([out, pd.DataFrame(columns)], axis=1)
    block_table = gpd.GeoDataFrame(out, geometry=blocks.geometry.to_crs(WGS84).to_numpy(), crs=WGS84)

    facility_count = np.bincount(facility_access.owner, minlength=len(facilities))
    facility_table = gpd.GeoDataFrame(
        {
            "facility_id": facilities["facility_id"].to_numpy(object),
            "category": facilities["category"].to_numpy(object),
            "name": facilities["name"].to_numpy(object),
            "osm_id": facilities["osm_id"].to_numpy(np.int64) if len(facilities) else np.zeros(0, np.int64),
            "osm_type": facilities["osm_type"].to_numpy(object),
            "source": facilities["source"].to_numpy(object),
            "capacity": [_number(t.get("capacity")) for t in facilities["tags"]],
            "beds": [_number(t.get("beds")) for t in facilities["tags"]],
            "access_points": facility_count,
            "access_m": np.round(_min_per_owner(facility_access.owner, facility_access.snap_m, len(facilities)), 1),
            "reachable": facility_reaches,
        },
        geometry=facilities.geometry.to_crs(WGS84).to_numpy(),
        crs=WGS84,
    )
    lon, lat = network.lonlat()
    nodes = pd.DataFrame(
        {
            "node": np.arange(network.n_nodes),
            "x": network.x,
            "y": network.y,
            "lon": lon,
            "lat": lat,
            "osm_id": network.osm_id,
        }
    )
    edges = network.directed_edges()
    block_ids = block_table["block_id"].to_numpy(object)
    facility_ids = facility_table["facility_id"].to_numpy(object)
    return StudyTables(
        blocks=block_table,
        facilities=facility_table,
        nodes=nodes,
        edges=edges,
        block_access=_access_frame(block_access, block_ids, "block_id", network.crs),
        facility_access=_access_frame(facility_access, facility_ids, "facility_id", network.crs),
    )


def _number(text: str | None) -> float:
    try:
        return float(str(text).strip()) if text is not None else np.nan
    except ValueError:
        return np.nan


def _off_ground_access(network, block_access, facility_access) -> dict[str, int]:
    """Count the blocks and facilities entered only from bridges, tunnels or other layers (nothing at ground near)."""
    ground = ~network.ground_flags()
    at_ground = np.zeros(network.n_nodes, bool)
    at_ground[network.a[ground]] = True
    at_ground[network.b[ground]] = True
    counts = {}
    for name, access in (("blocks", block_access), ("facilities", facility_access)):
        if not len(access):
            counts[name] = 0
            continue
        grounded = np.bincount(access.owner, weights=at_ground[access.node].astype(float))
        rows = np.bincount(access.owner)
        counts[name] = int(((rows > 0) & (grounded == 0)).sum())
    return counts


def _reach_each_other(
    network, block_access, facility_access, n_blocks: int, n_facilities: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return which blocks and which facilities are reachable, true by construction.

    A block is reachable when one of its access rows lies on a piece of the
    network that some facility's access row lies on too, and a facility when
    it shares a piece with some block: an owner that reaches only a detached
    piece (or no network at all) is counted and listed as unreachable.
    """
    labels = network.components() if network.n_nodes else np.zeros(0, np.int64)
    block_piece = labels[block_access.node] if len(block_access) else np.zeros(0, np.int64)
    facility_piece = labels[facility_access.node] if len(facility_access) else np.zeros(0, np.int64)
    # with nothing on the other side (no facility mapped at all), any piece will do
    block_ok = np.zeros(n_blocks, bool)
    block_ok[block_access.owner[np.isin(block_piece, facility_piece) if len(facility_piece) else slice(None)]] = True
    facility_ok = np.zeros(n_facilities, bool)
    facility_ok[facility_access.owner[np.isin(facility_piece, block_piece) if len(block_piece) else slice(None)]] = True
    return block_ok, facility_ok


def _min_per_owner(owner: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    result = np.full(n, np.nan)
    if len(owner):
        order = np.lexsort((values, owner))
        first = np.ones(len(order), bool)
        first[1:] = owner[order][1:] != owner[order][:-1]
        result[owner[order][first]] = values[order][first]
    return result


def _access_frame(access: AccessTable, ids: np.ndarray, id_column: str, crs: str) -> pd.DataFrame:
    lon, lat = transform_xy(access.x, access.y, crs, WGS84)
    return pd.DataFrame(
        {
            id_column: ids[access.owner] if len(access) else np.zeros(0, object),
            "node": access.node,
            "seconds": access.seconds,
            "x": access.x,
            "y": access.y,
            "lon": lon,
            "lat": lat,
            "snap_m": access.snap_m,
        }
    )


def terrain_comparison(
    inputs: StudyInputs, reach: dict[str, CategoryReach], flat_reach: dict[str, CategoryReach]
) -> dict[str, Any]:
    """Compare coverage with the terrain against flat ground, per category.

    Returns
    -------
    dict
        Per category: the population share whose nearest facility is within
        the preset's threshold on flat ground and with the terrain, the change
        in points, and the median change of the nearest time in minutes.
    """
    population = inputs.blocks["population"].to_numpy(float)
    total = float(population.sum()) or 1.0
    criterion = inputs.preset.scoring.criterion if inputs.preset.scoring else "time"
    result = {}
    for category in inputs.preset.categories:
        threshold = category.threshold_s(criterion, inputs.profile.speed)
        hilly = reach[category.key].seconds[:, 0]
        level = flat_reach[category.key].seconds[:, 0]
        both = np.isfinite(hilly) & np.isfinite(level)
        share_flat = float(population[np.isfinite(level) & (level <= threshold)].sum()) / total
        share_terrain = float(population[np.isfinite(hilly) & (hilly <= threshold)].sum()) / total
        result[category.key] = {
            "coverage_flat": round(share_flat, 4),
            "coverage_terrain": round(share_terrain, 4),
            "change_points": round(100 * (share_terrain - share_flat), 2),
            "median_change_min": round(float(np.median((hilly - level)[both])) / 60.0, 3) if both.any() else None,
        }
    return result


def _summary(
    inputs: StudyInputs,
    engine: str,
    tables: StudyTables,
    timings: dict[str, float],
) -> StudySummary:
    preset, profile, path, osm, area = inputs.preset, inputs.profile, inputs.path, inputs.osm, inputs.area
    network, full_size = inputs.network, inputs.full_size
    blocks = tables.blocks
    west, south, east, north = blocks.total_bounds if len(blocks) else (np.nan,) * 4
    return StudySummary(
        format_version=FORMAT_VERSION,
        circle_version=circle.__version__,
        created=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        source=SourceInfo(
            label=inputs.source_label,
            path=str(path.resolve()),
            file=path.name,
            sha256=inputs.checksum,
            data_timestamp=osm.data_timestamp,
            reader_warnings=osm.warnings[:20],
            reader_warning_count=len(osm.warnings),
        ),
        study_area=area.description if area else "whole extract",
        study_area_wkt=area.geometry.wkt if area else None,
        bbox=[float(west), float(south), float(east), float(north)],
        crs=inputs.crs,
        profile=ProfileInfo.from_dict(profile.to_dict()),
        preset=PresetInfo(
            name=preset.name,
            path=preset.path,
            title={"zh": preset.title_zh, "en": preset.title_en},
            source=preset.source,
        ),
        engine=engine,
        parameters=Parameters(
            k_nearest=preset.k_nearest,
            thresholds_min=list(preset.thresholds_min),
            search_limit_min=preset.search_limit_s / 60.0,
            max_snap_m=inputs.max_snap_m,
            analysis={k: v.to_dict() for k, v in preset.analysis.items()},
            population={k: v.to_dict() for k, v in preset.population.items()},
            region=inputs.region,
        ),
        population=population_summary(blocks),
        categories=[CategoryInfo.from_dict(c.to_dict()) for c in preset.categories],
        scoring=preset.scoring.to_dict() if preset.scoring else None,
        counts=study_counts(tables, [c.key for c in preset.categories], full_size[0], inputs.block_origin),
        dropped_islands=network.dropped,
        off_ground_access=_off_ground_access(network, inputs.block_access, inputs.facility_access),
        imports=Imports.from_dict(inputs.imports),
        memory=Memory(
            estimated_peak_mb=inputs.memory_estimate_mb,
            measured_peak_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        ),
        terrain=network.terrain or None,
        timings_s=dict(timings),
        attribution=ATTRIBUTION,
    )
