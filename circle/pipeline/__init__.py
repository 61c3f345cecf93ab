"""Running an analysis from a source to a study folder.

On one machine (:mod:`~circle.pipeline.run`, whose input stages are
:mod:`~circle.pipeline.stages`), or in tiles on Dask that are merged into one
study (:mod:`~circle.pipeline.batch`, :mod:`~circle.pipeline.merge`).

The names below are imported when first used, so that reading
:class:`AnalysisOptions` (``circle --help``, the app's new-study form) does not
load the stages and with them geopandas and numba.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from circle._lazy import lazy_names

if TYPE_CHECKING:
    from circle.pipeline.inputs import StudyInputs
    from circle.pipeline.options import AnalysisOptions
    from circle.pipeline.run import AnalysisResult, analyze
    from circle.pipeline.stages import prepare_inputs

#: public name → the module that defines it
_PUBLIC = {
    "AnalysisOptions": "circle.pipeline.options",
    "AnalysisResult": "circle.pipeline.run",
    "StudyInputs": "circle.pipeline.inputs",
    "analyze": "circle.pipeline.run",
    "prepare_inputs": "circle.pipeline.stages",
}

__all__ = ["AnalysisOptions", "AnalysisResult", "StudyInputs", "analyze", "prepare_inputs"]


__getattr__, __dir__ = lazy_names(__name__, _PUBLIC)
