"""Building a study from a source: the walking network, blocks, population, facilities and their reach.

:func:`build` is what ``circle analyze`` and the app's "build study" run
(:func:`circle.pipeline.analyze`, on one machine); :func:`check_inputs`
refuses oversized or malformed uploaded tables in a moment, before a build
waits for its turn. :class:`AnalysisOptions` is the task's options, and
:data:`BACKENDS` the engines it may compute reach with.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from circle.engine import BACKENDS, DEFAULT_BACKEND
from circle.errors import InputDataError
from circle.pipeline.options import AnalysisOptions

if TYPE_CHECKING:
    from circle.pipeline.run import AnalysisResult

__all__ = ["BACKENDS", "DEFAULT_BACKEND", "AnalysisOptions", "AnalysisResult", "build", "check_inputs"]


def check_inputs(options: AnalysisOptions) -> None:
    """Refuse a facility list or a census table past the import limits (sizes, zip bombs, declared rows).

    Raises
    ------
    InputDataError
        Naming the table and the limit it passes.
    """
    # circle --help reads BACKENDS from this module: the table readers load geopandas (0.5 s)
    from circle.sources.tables import check_table

    if options.facilities_file:
        check_table(Path(options.facilities_file))
    if options.census_table:
        try:
            check_table(Path(options.census_table))
        except InputDataError as error:  # they share a reader: say it in the census table's words
            raise InputDataError(
                str(error).replace("facility table", "census table"), about=("census_table",)
            ) from None


def build(options: AnalysisOptions, on_stage: Callable[[str], None] | None = None) -> AnalysisResult:
    """Build the study folder ``options.out`` from its source (see :func:`circle.pipeline.analyze`).

    Raises
    ------
    circle.errors.CircleError
        For any bad input; nothing is written then.
    """
    # circle --help reads BACKENDS from this module: the pipeline loads numba, geopandas and the engine (1.5 s)
    from circle.pipeline.run import analyze

    return analyze(options, on_stage=on_stage)


def __getattr__(name: str) -> Any:
    """Return :class:`AnalysisResult`, importing the pipeline only when it is asked for (see :func:`build`)."""
    if name == "AnalysisResult":
        from circle.pipeline.run import AnalysisResult  # circle --help reads BACKENDS from this module (see build)

        return AnalysisResult
    raise AttributeError(f"module 'circle.tasks.build' has no attribute {name!r}")
