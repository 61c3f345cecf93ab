"""What to call a block: its name, else the streets that bound it, else the community and sub-district it lies in.

Read from ``blocks.parquet``'s ``name``, ``place_zh``/``place_en`` (made by
:mod:`circle.prepare.block_places`), ``subdistrict`` and ``community``
(:mod:`circle.prepare.admin_units`); said in the page's or report's language.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from circle.i18n import t
from circle.study.columns import BLOCK_ID


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
    own = column_texts(blocks, "name")
    place = column_texts(blocks, f"place_{lang}")
    last = blocks[BLOCK_ID].astype(str).to_numpy(object) if unnamed is None else np.full(len(blocks), unnamed)
    return np.array([n or p or u or i for n, p, u, i in zip(own, place, units, last, strict=True)], dtype=object)


def admin_unit_names(blocks: pd.DataFrame, lang: str) -> np.ndarray:
    """Return, per block, its sub-district and community as one address ("" where neither is known).

    Chinese puts the larger unit first ("玉林街道玉林社区"); English the smaller ("Yulin community, Yulin").
    """
    subdistrict, community = column_texts(blocks, "subdistrict"), column_texts(blocks, "community")
    if lang == "zh":
        return np.array([s + c if s != c else s for s, c in zip(subdistrict, community, strict=True)], dtype=object)
    return np.array(
        [
            ", ".join(part for part in dict.fromkeys((c, s)) if part)
            for s, c in zip(subdistrict, community, strict=True)
        ],
        dtype=object,
    )


def column_texts(blocks: pd.DataFrame, column: str) -> list[str]:
    """Return the column's non-empty strings, "" for anything else (missing column, None, NaN)."""
    if column not in blocks:
        return [""] * len(blocks)
    return [v.strip() if isinstance(v, str) else "" for v in blocks[column].to_numpy(object)]
