"""Which administrative area each row of a census table names: by statistical code, else by name.

Codes match exactly. Names match as :mod:`circle.sources.chinese_names`
folds them, level for level (a 街道 row names a 街道/乡镇 area, a 社区 row a
社区/村 area); a name that several areas share is matched only through the
row's 街道 (its column, or the 街道 row above it), else reported ambiguous.
Two rows naming one area are both left unmatched: neither is guessed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from circle.sources.chinese_names import UPPER_KINDS, UnitKey, fold, unit_key


@dataclass
class RowMatches:
    """Per joined row: the area it names (-1 for none), how (``code``/``name``), and why not."""

    area: np.ndarray
    by: np.ndarray
    reason: np.ndarray


def area_parent_index(areas: gpd.GeoDataFrame) -> np.ndarray:
    """Return the 街道/乡镇 area holding each 社区/村 area's inner point (-1 for none, and for 街道 areas)."""
    parents = np.full(len(areas), -1, np.int64)
    upper = np.flatnonzero(areas["upper"].to_numpy(object) == True)  # noqa: E712
    lower = np.flatnonzero(areas["upper"].to_numpy(object) != True)  # noqa: E712
    if not len(upper) or not len(lower):
        return parents
    geometry = areas.geometry.to_numpy()
    inner = shapely.point_on_surface(geometry[lower])
    point, holder = shapely.STRtree(geometry[upper]).query(inner, predicate="within")
    parents[lower[point]] = upper[holder]
    return parents


def area_parents(areas: gpd.GeoDataFrame) -> list[UnitKey | None]:
    """Return the key of the 街道/乡镇 area holding each 社区/村 area (None where none does, and for 街道 areas)."""
    names = [n or a or "" for n, a in zip(areas["name"], areas["alt_name"], strict=True)]
    return [unit_key(names[p]) if p >= 0 else None for p in area_parent_index(areas)]


def _row_level(name: str, code: str | None) -> bool | None:
    kind = unit_key(name).kind
    if kind:
        return kind in UPPER_KINDS
    if code is not None:
        return code.endswith("000")
    return None


def _same(a: UnitKey, b: UnitKey) -> bool:
    return a.stem == b.stem and (not a.kind or not b.kind or a.kind == b.kind)


class _NameIndex:
    """Areas by the keys of their names."""

    def __init__(self, areas: gpd.GeoDataFrame):
        self.full: dict[tuple[str, str], set[int]] = defaultdict(set)
        self.stem: dict[str, set[int]] = defaultdict(set)
        self.whole: dict[str, set[int]] = defaultdict(set)
        for i, names in enumerate(zip(areas["name"], areas["alt_name"], strict=True)):
            for name in names:
                if not name or not fold(name):
                    continue
                key = unit_key(name)
                self.full[key].add(i)
                self.stem[key.stem].add(i)
                self.whole[fold(name)].add(i)

    def candidates(self, name: str) -> set[int]:
        key = unit_key(name)
        if key.kind:
            found = set(self.full.get(key, set())) | set(self.full.get((key.stem, ""), set()))
        else:
            found = set(self.stem.get(key.stem, set()))
        if not found:  # 曹杨新村 (a 村 suffix that is part of the name) against 曹杨新村社区, and the reverse
            found = set(self.stem.get(fold(name), set())) | set(self.whole.get(key.stem, set()))
        return found


def match_rows(rows: pd.DataFrame, areas: gpd.GeoDataFrame) -> RowMatches:
    """Find the area each row names.

    Parameters
    ----------
    rows : pandas.DataFrame
        The joined rows of a :class:`~circle.sources.census_table.CensusTable` (``name``, ``code``, ``subdistrict``).
    areas : geopandas.GeoDataFrame
        Administrative areas (``name``, ``alt_name``, ``code``, ``upper``).

    Returns
    -------
    RowMatches
    """
    n = len(rows)
    area = np.full(n, -1, np.int64)
    by = np.full(n, None, dtype=object)
    reason = np.full(n, None, dtype=object)
    by_code: dict[str, list[int]] = defaultdict(list)
    for i, code in enumerate(areas["code"]):
        if code:
            by_code[code].append(i)
    index = _NameIndex(areas)
    parents = area_parents(areas)
    levels = areas["upper"].to_numpy(object)
    for r, (name, code, parent) in enumerate(zip(rows["name"], rows["code"], rows["subdistrict"], strict=True)):
        if code and len(by_code.get(code, [])) == 1:
            area[r], by[r] = by_code[code][0], "code"
            continue
        if not fold(name):
            reason[r] = f"no area has the code {code}" if code else "no name"
            continue
        level = _row_level(name, code)
        found = sorted(i for i in index.candidates(name) if level is None or levels[i] is None or levels[i] == level)
        if len(found) > 1 and parent:
            within = [i for i in found if parents[i] is not None and _same(parents[i], unit_key(parent))]
            if len(within) == 1:
                area[r], by[r] = within[0], "name and 街道"
                continue
            reason[r] = f"ambiguous: {len(found)} areas are called so, and {len(within) or 'none'} of them in {parent}"
            continue
        if len(found) > 1:
            reason[r] = f"ambiguous: {len(found)} areas are called so (give the table a 街道 column to tell them apart)"
        elif found:
            area[r], by[r] = found[0], "name"
        else:
            reason[r] = "no area of this name" + (f" or code {code}" if code else "")
    _unmatch_shared(area, by, reason, rows)
    return RowMatches(area, by, reason)


def _unmatch_shared(area: np.ndarray, by: np.ndarray, reason: np.ndarray, rows: pd.DataFrame) -> None:
    """Leave unmatched every row that names an area another row names too."""
    matched = area >= 0
    values, counts = np.unique(area[matched], return_counts=True)
    for value in values[counts > 1]:
        same = np.flatnonzero(area == value)
        lines = ", ".join(str(rows["line"].iloc[i]) for i in same)
        for i in same:
            area[i], by[i] = -1, None
            reason[i] = f"lines {lines} all name one area: none is used"
