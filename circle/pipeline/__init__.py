"""Running an analysis from a source to a study folder.

On one machine (:mod:`~circle.pipeline.run`), or in tiles on Dask that are
merged into one study (:mod:`~circle.pipeline.batch`, :mod:`~circle.pipeline.merge`).
"""

from circle.pipeline.run import AnalysisOptions, AnalysisResult, StudyInputs, analyze, prepare_inputs

__all__ = ["AnalysisOptions", "AnalysisResult", "StudyInputs", "analyze", "prepare_inputs"]
