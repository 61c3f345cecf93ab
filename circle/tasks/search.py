"""Finding a block by what residents call it: its name, its streets, its community, in characters or pinyin."""

from __future__ import annotations

from circle.analysis.search import NameIndex
from circle.study import Study

__all__ = ["NameIndex", "name_index"]


def name_index(study: Study) -> NameIndex:
    """Return the search index of a study's blocks (built once per study; searching it is cheap)."""
    return NameIndex.build(study.blocks)
