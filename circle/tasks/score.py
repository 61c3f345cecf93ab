"""Scoring a study: every block against a standard, renewal priorities, supply and green (``circle score``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from circle.analysis.assess import ScoreResult, assessment_of, compute_scores
from circle.analysis.assess import study_preset as preset_of
from circle.analysis.scoring import Assessment
from circle.sources.area import read_area_file
from circle.study import Study, write_table
from circle.study.files import RENEWAL_AREAS, SCORES
from circle.study.records import record_scores

__all__ = ["Assessment", "ScoreResult", "Scores", "data_assessment", "preset_of", "score"]


@dataclass
class Scores:
    """A study scored under a preset: the blocks' scores, their summary and the candidate renewal areas.

    Attributes
    ----------
    study : Study
        The study scored.
    result : ScoreResult
        What was computed (:func:`circle.analysis.assess.compute_scores`).
    """

    study: Study
    result: ScoreResult

    def save(self) -> Path:
        """Write ``scores.parquet``, ``renewal_areas.parquet`` and the ``scores`` section of ``summary.json``.

        Each file is written atomically; returns the path of ``scores.parquet``.
        """
        path = self.study.path / SCORES
        write_table(self.result.scores, path)
        write_table(self.result.areas, self.study.path / RENEWAL_AREAS)
        record_scores(self.study, self.result.summary)
        return path


def data_assessment(study: Study, preset: str | Path | None = None) -> Assessment:
    """Return which categories the study's data holds completely enough to score, and why the others not.

    ``set_apart`` lists the categories left out; ``completeness`` holds each one's verdict and figures.
    """
    return assessment_of(study, preset_of(study, preset))


def score(
    study: Study,
    preset: str | Path | None = None,
    area_file: str | Path | None = None,
    include_flagged: bool = False,
) -> Scores:
    """Score every block, rank renewal priorities and compute E2SFCA where capacities are known (nothing is written).

    Parameters
    ----------
    study : Study
        The study folder.
    preset : str or pathlib.Path, optional
        A preset name or file (default: the study's own).
    area_file : str or pathlib.Path, optional
        A sub-area polygon file (a district): its summary is added under ``areas``.
    include_flagged : bool, default False
        Rank blocks whose population is flagged implausible among the renewal
        priorities too (by default they are listed apart, to be checked first).

    Returns
    -------
    Scores
        The result; :meth:`Scores.save` writes it into the study folder.
    """
    sub_area = None
    if area_file is not None:
        sub_area = (Path(area_file).name, read_area_file(area_file).geometry)
    return Scores(study, compute_scores(study, preset, sub_area, include_flagged))
