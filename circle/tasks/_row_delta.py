"""A frame kept as the rows where it differs from a frame it can be rebuilt from.

A what-if held in a planner's session changes the reach of a few blocks (a
kindergarten added: 3 of 39,498 on the 100-tile city); keeping its whole
blocks and scores frames cost 65 MB a session there. :class:`RowDelta` keeps
the rows that differ, exactly as computed, and rebuilds the whole frame from
the base on demand: every value it gives back is the computed one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class RowDelta:
    """The rows of a frame that differ from a base frame with the same index, kept as computed.

    Attributes
    ----------
    rows : numpy.ndarray
        Positions of the rows kept (sorted).
    kept : pandas.DataFrame
        Those rows of the frame, all its columns, in its column order and dtypes.
    """

    rows: np.ndarray
    kept: pd.DataFrame

    @classmethod
    def at(cls, full: pd.DataFrame, rows: np.ndarray) -> RowDelta:
        """Keep the given rows of ``full`` (the caller knows the others equal the base's)."""
        rows = np.asarray(rows, np.int64)
        return cls(rows, full.iloc[rows].copy())

    @classmethod
    def of(
        cls,
        full: pd.DataFrame,
        base: pd.DataFrame,
        columns: list[str] | None = None,
        also: np.ndarray | None = None,
    ) -> RowDelta:
        """Keep the rows of ``full`` that differ from ``base`` in ``columns`` (default: all of its own), and ``also``.

        Equal means the same value, or missing in both (NaN, None). Give
        ``columns`` only when ``full``'s other columns are ``base``'s by
        construction (a copy of them). A column ``base`` lacks makes every
        row count as different (the delta is then the whole frame).

        Examples
        --------
        >>> base = pd.DataFrame({"t": [1.0, np.nan, 3.0], "id": ["a", None, "c"]})
        >>> full = base.assign(t=[1.0, np.nan, 2.5])
        >>> delta = RowDelta.of(full, base)
        >>> delta.rows.tolist()
        [2]
        >>> delta.rebuild(base).equals(full)
        True
        """
        if len(full) != len(base) or not full.index.equals(base.index):
            raise ValueError("a row delta needs a base frame with the same rows")
        differs = np.zeros(len(full), bool)
        for column in full.columns if columns is None else columns:
            if column not in base.columns:
                differs[:] = True
                break
            mine, theirs = full[column].to_numpy(), base[column].to_numpy()
            missing = pd.isna(mine)
            differs |= (missing != pd.isna(theirs)) | (~missing & (mine != theirs))
        if also is not None and len(also):
            differs[np.asarray(also, np.int64)] = True
        return cls.at(full, np.flatnonzero(differs))

    def rebuild(self, base: pd.DataFrame) -> pd.DataFrame:
        """Return the whole frame: ``base``'s values (in the kept frame's dtypes) with the kept rows put back."""
        out = {}
        for column in self.kept.columns:
            values = base[column].astype(self.kept[column].dtype)  # copied on write: the base is left as it was
            values.iloc[self.rows] = self.kept[column].to_numpy()
            out[column] = values
        return pd.DataFrame(out, index=base.index)
