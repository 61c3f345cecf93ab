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

from circle.engine import BACKENDS, DEFAULT_BACKEND
from circle.errors import InputDataError
from circle.pipeline import AnalysisOptions, AnalysisResult, analyze
from circle.sources.tables import check_table

__all__ = ["BACKENDS", "DEFAULT_BACKEND", "AnalysisOptions", "AnalysisResult", "build", "check_inputs"]


def check_inputs(options: AnalysisOptions) -> None:
    """Refuse a facility list or a census table past the import limits (sizes, zip bombs, declared rows).

    Raises
    ------
    InputDataError
        Naming the table and the limit it passes.
    """
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
    return analyze(options, on_stage=on_stage)
