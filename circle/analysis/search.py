"""Find a residential compound by name: Chinese characters, pinyin without tones, or Latin script.

Partial names match. Results are ranked: exact, then prefix, then anywhere
in the name; the same in full pinyin and in pinyin initials ("xyxq" for
西园小区); shorter names first among equals. No geocoding service is used.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd
from pypinyin import Style, lazy_pinyin

from circle.study.columns import BLOCK_ID

_SPACES = re.compile(r"[\s'’·•.．,，、()（）\[\]【】「」《》\-_]+")  # also in circle/publish/assets/site.js


def normalise(text: str) -> str:
    """Lower-case, strip accents and tone marks, drop spaces, apostrophes, dots, commas and brackets.

    Examples
    --------
    >>> normalise("Xī Yuán  Xiǎoqū")
    'xiyuanxiaoqu'
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub("", stripped.lower())


def pinyin_forms(text: str) -> tuple[str, str]:
    """Return the full pinyin and the initials of a name (Latin characters kept as they are).

    Examples
    --------
    >>> pinyin_forms("西园小区")
    ('xiyuanxiaoqu', 'xyxq')
    """
    full = lazy_pinyin(str(text), errors=lambda chars: list(chars))
    initials = lazy_pinyin(str(text), style=Style.FIRST_LETTER, errors=lambda chars: list(chars))
    return normalise("".join(full)), normalise("".join(initials))


@dataclass(frozen=True)
class NameIndex:
    """Searchable forms of the names of a study's blocks."""

    frame: pd.DataFrame  # block_id, name, plain, pinyin, initials

    @classmethod
    def build(cls, blocks: pd.DataFrame) -> NameIndex:
        """Index the named blocks of a study."""
        named = blocks[blocks["name"].notna() & (blocks["name"].astype(str).str.len() > 0)]
        names = named["name"].astype(str).tolist()
        forms = [pinyin_forms(n) for n in names]
        return cls(
            pd.DataFrame(
                {
                    BLOCK_ID: named[BLOCK_ID].astype(str).to_numpy(),
                    "name": names,
                    "plain": [normalise(n) for n in names],
                    "pinyin": [f[0] for f in forms],
                    "initials": [f[1] for f in forms],
                }
            )
        )

    def search(self, query: str, limit: int = 10) -> pd.DataFrame:
        """Return up to ``limit`` matching blocks (``block_id``, ``name``, ``rank``), best first."""
        wanted = normalise(query)
        if not wanted:
            return self.frame.iloc[:0][[BLOCK_ID, "name"]].assign(rank=[])
        wanted_pinyin = pinyin_forms(query)[0]
        best = []
        for row in self.frame.itertuples():
            rank = None
            for weight, (form, term) in enumerate(
                ((row.plain, wanted), (row.pinyin, wanted_pinyin), (row.initials, wanted))
            ):
                if form == term:
                    score = 0
                elif form.startswith(term):
                    score = 1
                elif term in form:
                    score = 2
                else:
                    continue
                candidate = score * 3 + weight
                rank = candidate if rank is None else min(rank, candidate)
            if rank is not None:
                best.append((rank, len(row.name), getattr(row, BLOCK_ID), row.name))
        best.sort()
        return pd.DataFrame(
            [{BLOCK_ID: b, "name": n, "rank": r} for r, _, b, n in best[:limit]], columns=[BLOCK_ID, "name", "rank"]
        )
