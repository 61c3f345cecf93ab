"""Build a study: source → network, blocks, facilities → reach → study folder.

:func:`analyze` is what ``circle analyze`` runs. Every stage is timed; the
timings, counts and parameters go into ``summary.json`` so that any number
in the study can be traced back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from circle.engine import get_backend
from circle.pipeline.stages import Stopwatch, prepare_inputs
from circle.pipeline.tiling import TileOf
from circle.study import prepare_destination, write_study
from circle.study.assemble import study_summary, study_tables, terrain_comparison
from circle.study.summary import (
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
    clock = Stopwatch(on_stage)
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
        tables = study_tables(inputs, reach)
        tables.summary = study_summary(inputs, backend.name, tables, clock.seconds)

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
