"""The administrative units a block lies in: its 街道 (sub-district) and 社区 (community).

A block is placed in the unit that holds its inner point (a point on its
surface). OpenStreetMap in China maps 街道 and 乡镇 as ``boundary=administrative``
with ``admin_level=8`` and 社区 and 村 with ``admin_level=10``; elsewhere level 8
is most often the municipality and 9 or 10 a borough or neighbourhood, so the
community is taken from level 10, else from level 9. Where units of one level
overlap (an error in the data, or two versions of one boundary), the smallest
holds the block. Where OpenStreetMap maps no unit of a level, the block keeps
the name its ``subdistrict``/``community`` column already holds: that of the
area of the user's boundary file (``--admin``) holding it, placed the same
way by :func:`circle.prepare.population.census_table.census_table_in_study`.
Where no data maps a unit, the columns are empty: nothing is guessed.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: ``admin_level`` of the 街道 (sub-district)
SUBDISTRICT_LEVELS = ("8",)
#: ``admin_level`` of the 社区 (community), in order of preference
COMMUNITY_LEVELS = ("10", "9")


def admin_units(blocks: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return, per block, the name of its sub-district and of its community (None where no unit holds it).

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Block outlines, in any CRS.
    units : geopandas.GeoDataFrame
        Administrative areas with ``admin_level`` and ``name`` (``name_zh``, ``name_en`` where the name
        is missing), as :attr:`circle.sources.osm.OsmData.admin_areas` holds them.

    Returns
    -------
    tuple of numpy.ndarray
        Object arrays ``(subdistrict, community)``, one entry per block; a
        level OpenStreetMap maps for no block keeps the blocks' own column.
    """
    if blocks.empty or units.empty:
        empty = np.full(len(blocks), None, dtype=object)
        return _or_own(blocks, "subdistrict", empty), _or_own(blocks, "community", empty.copy())
    if units.crs != blocks.crs:
        units = units.to_crs(blocks.crs)
    inner = shapely.point_on_surface(np.asarray(blocks.geometry, dtype=object))
    return (
        _or_own(blocks, "subdistrict", _unit_holding(inner, units, SUBDISTRICT_LEVELS)),
        _or_own(blocks, "community", _unit_holding(inner, units, COMMUNITY_LEVELS)),
    )


def _or_own(blocks: gpd.GeoDataFrame, column: str, found: np.ndarray) -> np.ndarray:
    """Return ``found``, or the blocks' own ``column`` (a boundary file's names) when ``found`` names no unit."""
    if column in blocks.columns and not pd.notna(found).any():
        return blocks[column].to_numpy(object).copy()
    return found


def _unit_holding(points: np.ndarray, units: gpd.GeoDataFrame, levels: tuple[str, ...]) -> np.ndarray:
    """Return the name of the unit of ``levels`` holding each point: the preferred level, then the smallest."""
    found = np.full(len(points), None, dtype=object)
    preference = units["admin_level"].astype(str).str.strip().map({v: i for i, v in enumerate(levels)})
    names = _names(units)
    usable = preference.notna() & names.notna()
    if not usable.any():
        return found
    outlines = np.asarray(units.geometry[usable], dtype=object)
    point_idx, unit_idx = shapely.STRtree(outlines).query(points, predicate="within")
    if not len(point_idx):
        return found
    pairs = pd.DataFrame(
        {
            "point": point_idx,
            "rank": preference[usable].to_numpy()[unit_idx],
            "area": shapely.area(outlines[unit_idx]),
            "unit": unit_idx,
        }
    )
    best = pairs.sort_values(["point", "rank", "area"], kind="stable").drop_duplicates("point")
    found[best["point"].to_numpy()] = names[usable].to_numpy(object)[best["unit"].to_numpy()]
    return found


def _names(units: pd.DataFrame) -> pd.Series:
    """Return each unit's ``name``, else ``name:zh``, else ``name:en`` (None for a unit without any)."""
    name = pd.Series(None, index=units.index, dtype=object)
    for column in ("name_en", "name_zh", "name"):
        if column in units:
            given = units[column].where(units[column].astype(str).str.strip().ne("") & units[column].notna())
            name = given.combine_first(name)
    return name
