"""The comparison folder's format (``circle compare``): its files, its per-block columns, its one writer and reader.

Layout::

    blocks.parquet    BLOCKS: the new side's blocks (EPSG:4326) with their old values and changes
    vanished.parquet  VANISHED: the old blocks no new one matches
    summary.json      SUMMARY: ``"kind": "comparison"``, both sides' provenance and the figures

Columns of ``blocks.parquet``: ``block_id``, ``old_block_id`` (:data:`OLD_BLOCK_ID`; empty for an
appeared block), ``match`` (:data:`MATCH`: ``id``, ``overlap`` or ``appeared``), the place names,
``population_old`` and ``population``, ``pop_{group}``, then for ``score``, ``tier_met`` and
``proximity_min`` the :func:`old_column`, :func:`new_column` and :func:`change_column`, and per category
the same three of its minutes to the nearest facility and its :func:`status_column` (``appeared``,
``gained``, ``lost``, ``served`` or ``unserved``). Computing a comparison is
:mod:`circle.analysis.compare`'s job.

Examples
--------
>>> old_column("score"), change_column("clinic_t1"), status_column("clinic")
('score_old', 'clinic_t1_change', 'clinic_status')
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np

from circle.errors import CircleError
from circle.study.columns import POPULATION
from circle.study.files import BLOCKS, SUMMARY
from circle.study.folder import json_default

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "APPEARED",
    "BLOCKS",
    "KIND",
    "MATCH",
    "OLD_BLOCK_ID",
    "POPULATION_OLD",
    "SUMMARY",
    "VANISHED",
    "change_column",
    "change_status",
    "check_destination",
    "is_comparison",
    "new_column",
    "old_column",
    "read_comparison",
    "status_column",
    "write_comparison",
]

#: ``summary.json``'s ``kind`` in a comparison folder
KIND = "comparison"
VANISHED = "vanished.parquet"

#: ``blocks.parquet``: the old block a new one matched, and how (``id``, ``overlap``, or :data:`APPEARED`)
OLD_BLOCK_ID = "old_block_id"
MATCH = "match"
#: a new block no old one matches (its ``match``, and its status in every category)
APPEARED = "appeared"


def old_column(name: str) -> str:
    """Name the column of a block's value ``name`` in the old study."""
    return f"{name}_old"


def new_column(name: str) -> str:
    """Name the column of a block's value ``name`` in the new study."""
    return f"{name}_new"


def change_column(name: str) -> str:
    """Name the column of the change of a block's value ``name``, new minus old."""
    return f"{name}_change"


def status_column(category: str) -> str:
    """Name the column saying what happened to a block's service in ``category`` (gained, lost, served …)."""
    return f"{category}_status"


#: the residents of the old block a new one matched (the new side's are ``population``)
POPULATION_OLD = old_column(POPULATION)


def write_comparison(
    staging: Path, summary: dict[str, Any], blocks: gpd.GeoDataFrame, vanished: gpd.GeoDataFrame
) -> None:
    """Write a comparison's three files into ``staging`` (a folder renamed into place once complete)."""
    blocks.to_parquet(staging / BLOCKS)
    vanished.to_parquet(staging / VANISHED)
    (staging / SUMMARY).write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, default=json_default) + "\n", encoding="utf-8"
    )


def check_destination(out: Path) -> None:
    """Refuse to write a comparison over anything but nothing, an empty folder or an earlier comparison.

    Raises
    ------
    CircleError
        When ``out`` holds something else.
    """
    if not out.exists() or (out.is_dir() and not any(out.iterdir())):
        return
    if not is_comparison(out):
        raise CircleError(
            f"{out} exists and is not a comparison; choose another folder (a comparison replaces only an "
            "earlier comparison).",
            about=("out",),
        )


def read_comparison(path: str | Path) -> tuple[dict[str, Any], gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return a comparison folder's summary, blocks and vanished blocks.

    Raises
    ------
    CircleError
        When the folder holds no comparison.
    """
    path = Path(path)
    summary = _summary_of(path)
    if summary.get("kind") != KIND:
        raise CircleError(f"{path} holds no comparison (made by `circle compare`).", about=("compare",))
    return summary, gpd.read_parquet(path / BLOCKS), gpd.read_parquet(path / VANISHED)


def is_comparison(path: str | Path) -> bool:
    """Whether a folder holds a comparison."""
    return _summary_of(Path(path)).get("kind") == KIND


def _summary_of(path: Path) -> dict[str, Any]:
    """Return the folder's ``summary.json`` as a mapping; empty when it is missing, damaged or not an object."""
    try:
        summary = json.loads((path / SUMMARY).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return summary if isinstance(summary, dict) else {}


def change_status(summary: dict[str, Any], blocks: pd.DataFrame) -> np.ndarray:
    """Return per block of a comparison what changed, in one word.

    ``appeared``, ``mixed`` (gained one category, lost another), ``lost``,
    ``gained`` or ``unchanged``: the first that holds.
    """
    keys = summary["categories_assessed"]
    statuses = blocks[[status_column(k) for k in keys]].to_numpy(object) if keys else np.zeros((len(blocks), 0))
    gained = (statuses == "gained").any(axis=1)
    lost = (statuses == "lost").any(axis=1)
    appeared = blocks[MATCH].to_numpy(object) == APPEARED
    return np.select([appeared, gained & lost, lost, gained], [APPEARED, "mixed", "lost", "gained"], "unchanged")
