"""Two studies of one place compared block by block: data of two years, or a study and a saved scenario.

``circle compare`` and the app's comparison page; computed and written by
:func:`circle.analysis.compare.compare_studies` into a comparison folder,
whose format (and reading it back) is :mod:`circle.study.comparison`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from circle.analysis.compare import compare_studies

__all__ = ["Comparison", "compare"]


@dataclass
class Comparison:
    """A comparison folder: where it is and its summary (blocks matched, residents, per-category changes)."""

    path: Path
    summary: dict[str, Any]


def compare(old: str | Path, new: str | Path, out: str | Path, preset: str | Path | None = None) -> Comparison:
    """Compare study (or scenario) ``old`` with ``new`` under one preset and write the comparison folder ``out``.

    ``out`` is replaced atomically when it is an earlier comparison; anything else there is refused.
    """
    return Comparison(Path(out), compare_studies(old, new, out, preset=preset))
