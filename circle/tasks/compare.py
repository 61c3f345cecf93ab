"""Two studies of one place compared block by block: data of two years, or a study and a saved scenario.

``circle compare`` and the app's comparison page; computed and written by
:func:`circle.analysis.compare.compare_studies` into a comparison folder
(its format: :mod:`circle.study`), read back with :func:`read`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd

from circle.analysis.compare import change_status, compare_studies, is_comparison, read_comparison

__all__ = ["Comparison", "change_status", "compare", "is_comparison", "read"]


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


def read(path: str | Path) -> tuple[dict[str, Any], gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return a comparison folder's summary, its matched blocks and the blocks that vanished."""
    return read_comparison(path)
