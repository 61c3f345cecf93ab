"""Recording a task's results in ``summary.json``: the scores, and each suggestion beside the earlier ones.

The file is read, changed and replaced atomically under the study's lock, so
two commands writing at once both land; the open :class:`~circle.study.Study`
then carries the new summary.
"""

from __future__ import annotations

from typing import Any

from circle.study.atomic import locked
from circle.study.folder import SUMMARY, Study, json_default
from circle.study.summary import ScoreSummary, read_summary, write_summary


def record_scores(study: Study, scores: ScoreSummary) -> None:
    """Record the scores in ``summary.json``, replacing earlier ones."""
    _update(study, scores=scores)


def record_suggestion(study: Study, key: str, suggestion: dict[str, Any]) -> None:
    """Record one suggestion (``CATEGORY-SITES``) in ``summary.json``, beside earlier ones."""
    _update(study, suggestion={key: suggestion})


def _update(study: Study, scores: ScoreSummary | None = None, suggestion: dict[str, Any] | None = None) -> None:
    path = study.path / SUMMARY
    with locked(path):
        summary = read_summary(path)
        if scores is not None:
            summary.scores = scores
        if suggestion is not None:
            summary.suggestions = {**(summary.suggestions or {}), **suggestion}
        write_summary(path, summary, json_default)
    study.summary = summary
