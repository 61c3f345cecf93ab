"""Running an analysis from a source to a study folder.

On one machine (:mod:`~circle.pipeline.run`, whose input stages are
:mod:`~circle.pipeline.stages`), or in tiles on Dask that are merged into one
study (:mod:`~circle.pipeline.batch`, :mod:`~circle.pipeline.merge`).
"""

from circle.pipeline.inputs import StudyInputs
from circle.pipeline.options import AnalysisOptions
from circle.pipeline.run import AnalysisResult, analyze
from circle.pipeline.stages import prepare_inputs

__all__ = ["AnalysisOptions", "AnalysisResult", "StudyInputs", "analyze", "prepare_inputs"]
