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

from circle.i18n import t
from circle.study.columns import BLOCK_ID

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


def shown_names(blocks: pd.DataFrame, lang: str, unnamed: str | None = None) -> np.ndarray:
    """Return what to call each block: its name, else its streets, else its community and sub-district.

    The streets are those that bound it, in ``lang``; the units those it lies in (:mod:`circle.prepare.admin_units`).
    Without ``unnamed``, a block with none of these is called by its id.
    """
    return _shown(blocks, lang, unnamed, admin_unit_names(blocks, lang))


def names_with_units(blocks: pd.DataFrame, lang: str, unnamed: str | None = None) -> np.ndarray:
    """Return :func:`shown_names` followed by the block's community and sub-district where these add to it."""
    units = admin_unit_names(blocks, lang)
    separator = t("place_sep", lang)
    return np.array(
        [
            n + separator + u if u and u != n else n
            for n, u in zip(_shown(blocks, lang, unnamed, units), units, strict=True)
        ],
        dtype=object,
    )


def has_admin_units(blocks: pd.DataFrame) -> bool:
    """Whether any block lies in a sub-district or community the data names."""
    return any(
        blocks[column].astype("string").str.strip().fillna("").ne("").any()
        for column in ("subdistrict", "community")
        if column in blocks
    )


def _shown(blocks: pd.DataFrame, lang: str, unnamed: str | None, units: np.ndarray) -> np.ndarray:
    """:func:`shown_names`, given the blocks' :func:`admin_unit_names`."""
    own = _texts(blocks, "name")
    place = _texts(blocks, f"place_{lang}")
    last = blocks[BLOCK_ID].astype(str).to_numpy(object) if unnamed is None else np.full(len(blocks), unnamed)
    return np.array([n or p or u or i for n, p, u, i in zip(own, place, units, last, strict=True)], dtype=object)


def admin_unit_names(blocks: pd.DataFrame, lang: str) -> np.ndarray:
    """Return, per block, its sub-district and community as one address ("" where neither is known).

    Chinese puts the larger unit first ("玉林街道玉林社区"); English the smaller ("Yulin community, Yulin").
    """
    subdistrict, community = _texts(blocks, "subdistrict"), _texts(blocks, "community")
    if lang == "zh":
        return np.array([s + c if s != c else s for s, c in zip(subdistrict, community, strict=True)], dtype=object)
    return np.array(
        [
            ", ".join(part for part in dict.fromkeys((c, s)) if part)
            for s, c in zip(subdistrict, community, strict=True)
        ],
        dtype=object,
    )


def _texts(blocks: pd.DataFrame, column: str) -> list[str]:
    """Return the column's non-empty strings, "" for anything else (missing column, None, NaN)."""
    if column not in blocks:
        return [""] * len(blocks)
    return [v.strip() if isinstance(v, str) else "" for v in blocks[column].to_numpy(object)]
