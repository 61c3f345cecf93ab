"""Where a block is, in words a person can find on a map: the named streets that bound it.

A block without a name of its own (a street block ``s…``, a square ``g…``, an
unnamed compound ``w…``) is described by the named street running longest
along its edge (within :data:`ALONG_M`) and the longest on another side, with
the side of each the block lies on: "蜀都大道以北、东大街以西" in Chinese,
"north of 蜀都大道, west of 东大街" in English.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: a street this close to a block's outline bounds it
ALONG_M = 40.0
#: at most this many streets describe a block
AT_MOST = 2
_SIDES_ZH = {"north": "以北", "south": "以南", "east": "以东", "west": "以西"}


def block_places(blocks: gpd.GeoDataFrame, streets: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return, per block, its bounding streets in Chinese and in English (None where no named street is near).

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Block outlines in a projected CRS (metres).
    streets : geopandas.GeoDataFrame
        Street lines with a ``name`` column, in any CRS.

    Returns
    -------
    tuple of numpy.ndarray
        Object arrays ``(place_zh, place_en)``, one entry per block.
    """
    place_zh = np.full(len(blocks), None, dtype=object)
    place_en = np.full(len(blocks), None, dtype=object)
    if blocks.empty or streets.empty:
        return place_zh, place_en
    named = streets[streets["name"].notna() & (streets["name"].astype(str).str.strip() != "")]
    if named.empty:
        return place_zh, place_en
    lines = named.geometry if named.crs == blocks.crs else named.geometry.to_crs(blocks.crs)
    lines = np.asarray(lines, dtype=object)
    names = named["name"].astype(str).str.strip().to_numpy(object)
    outlines = np.asarray(blocks.geometry, dtype=object)
    zones = shapely.buffer(outlines, ALONG_M)
    block_idx, line_idx = shapely.STRtree(lines).query(zones, predicate="intersects")
    if not len(block_idx):
        return place_zh, place_en
    pieces = _in_two_threads(shapely.intersection, lines[line_idx], zones[block_idx])
    length = shapely.length(pieces)
    # the side: where the street's piece lies seen from the block's inner point
    inner = shapely.point_on_surface(outlines)[block_idx]
    towards = shapely.centroid(pieces)  # the middle of the part of the street along the block
    dx = shapely.get_x(towards) - shapely.get_x(inner)
    dy = shapely.get_y(towards) - shapely.get_y(inner)
    street_side = np.where(
        np.abs(dy) >= np.abs(dx), np.where(dy > 0, "north", "south"), np.where(dx > 0, "east", "west")
    )
    block_side = pd.Series(street_side).map({"north": "south", "south": "north", "east": "west", "west": "east"})
    pairs = pd.DataFrame({"block": block_idx, "name": names[line_idx], "length": length, "side": block_side})
    pairs = pairs[pairs["length"] > 0]
    # each street once per block, on the side where most of it runs
    by_side = pairs.groupby(["block", "name", "side"], sort=False)["length"].sum().reset_index()
    by_side = by_side.sort_values(["block", "name", "length"], ascending=[True, True, False], kind="stable")
    best = by_side.drop_duplicates(["block", "name"]).sort_values(["block", "length"], ascending=[True, False])
    # the longest street, then the longest on another side (two parallel streets on one side say little more)
    best = best.drop_duplicates(["block", "side"]).groupby("block", sort=True).head(AT_MOST)
    zh = (best["name"] + best["side"].map(_SIDES_ZH)).to_numpy(object)
    en = (best["side"] + " of " + best["name"]).to_numpy(object)
    blocks_of = best["block"].to_numpy()
    rank = best.groupby("block", sort=False).cumcount().to_numpy()  # 0 for a block's longest street
    for position in range(AT_MOST):
        at = rank == position
        where = blocks_of[at]
        place_zh[where] = zh[at] if position == 0 else place_zh[where] + "、" + zh[at]
        place_en[where] = en[at] if position == 0 else place_en[where] + ", " + en[at]
    return place_zh, place_en


def _in_two_threads(function, *arrays: np.ndarray) -> np.ndarray:
    """Apply a vectorised shapely ``function`` to two halves of ``arrays`` at once (shapely releases the GIL)."""
    half = len(arrays[0]) // 2
    parts = (slice(None, half), slice(half, None))
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda part: function(*(array[part] for array in arrays)), parts))
    return np.concatenate(done)
