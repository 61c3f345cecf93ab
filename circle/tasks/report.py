"""The PDF gap report of a study (``circle report``, the app's report page).

A report is written, not returned: :func:`report` computes what it needs as
``circle score`` does (never saving it into the study) and writes the PDF
under a temporary name renamed into place (:func:`circle.report.build_report`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from circle.report import ReportResult, build_report
from circle.report.filing import FilingDetails
from circle.sources.area import wgs84_copy
from circle.study import Study

__all__ = ["FilingDetails", "ReportResult", "area_in_wgs84", "report"]


def area_in_wgs84(path: str | Path, system: str | None, target: str | Path) -> Path:
    """Write a sub-area polygon file read in ``system`` (wgs84, gcj02, bd09, EPSG:CODE) as WGS-84 GeoJSON at ``target``.

    What a report's ``area_file`` takes when the planner's file is in a Chinese web map's coordinates.
    """
    return wgs84_copy(path, system, target)


def report(
    study: Study | str | Path,
    out: str | Path,
    lang: str = "zh",
    area_file: str | Path | None = None,
    scenario: str | None = None,
    compare: str | Path | None = None,
    include_flagged: bool = False,
    filing: FilingDetails | None = None,
    when: dt.datetime | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> ReportResult:
    """Write the PDF gap report of a study to ``out``; see :func:`circle.report.build_report` for the options."""
    return build_report(
        study,
        out,
        lang,
        area_file,
        scenario,
        compare=compare,
        when=when,
        progress=progress,
        include_flagged=include_flagged,
        filing=filing,
    )
