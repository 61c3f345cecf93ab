"""The PDF gap report of a study (``circle report``, the app's report page).

A report is written, not returned: :func:`report` (the report room's
:func:`circle.report.build_report`, under the task's name) computes what it
needs as ``circle score`` does, never saving it into the study, and writes the
PDF under a temporary name renamed into place.
"""

from __future__ import annotations

from pathlib import Path

from circle.report import ReportResult
from circle.report import build_report as report
from circle.report.filing import FilingDetails
from circle.sources.area import wgs84_copy

__all__ = ["FilingDetails", "ReportResult", "area_in_wgs84", "report"]


def area_in_wgs84(path: str | Path, system: str | None, target: str | Path) -> Path:
    """Write a sub-area polygon file read in ``system`` (wgs84, gcj02, bd09, EPSG:CODE) as WGS-84 GeoJSON at ``target``.

    What a report's ``area_file`` takes when the planner's file is in a Chinese web map's coordinates.
    """
    return wgs84_copy(path, system, target)
