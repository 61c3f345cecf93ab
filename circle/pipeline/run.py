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
from circle.pipeline.assemble import study_summary, study_tables, terrain_comparison
from circle.pipeline.options import AnalysisOptions
from circle.pipeline.stages import Stopwatch, prepare_inputs
from circle.sources.tables import check_table
from circle.sources.taxonomy import check_mapping
from circle.study import prepare_destination, write_study
from circle.study.summary import (
    StudySummary,
)


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
    if options.facilities_file:
        # a facility list too large to read (a zip bomb) is refused in a moment, before the map is read
        check_table(Path(options.facilities_file))
    if options.facilities_mapping:
        # a malformed mapping copy is refused before the map is read, naming its lines
        check_mapping(Path(options.facilities_mapping))
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
