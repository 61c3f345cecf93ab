"""Tags of decoded OSM objects as integer columns, for vectorised filters."""

from __future__ import annotations

import numpy as np

from circle.sources.pbf import PbfData, TagColumns


class TagTable:
    """The kept tags of one kind of object (nodes, ways or relations), as columns of codes.

    ``column(key)`` gives, per object, the code of its value for ``key``
    (-1 where it has none); codes index :attr:`PbfData.strings`, so tests of
    values are integer comparisons.

    Parameters
    ----------
    tags : TagColumns
        The kept tag rows, in object order.
    n_objects : int
        How many objects of this kind the file holds.
    pbf : PbfData
        The decoded file (for its strings).
    """

    def __init__(self, tags: TagColumns, n_objects: int, pbf: PbfData):
        self.tags = tags
        self.n = n_objects
        self.pbf = pbf
        self._columns: dict[str, np.ndarray] = {}
        self._ptr: np.ndarray | None = None

    def column(self, key: str) -> np.ndarray:
        """Return the value code of ``key`` for every object (-1 where absent)."""
        if key not in self._columns:
            out = np.full(self.n, -1, np.int32)
            code = self.pbf.code(key)
            if code >= 0:
                rows = self.tags.key == code
                out[self.tags.obj[rows]] = self.tags.value[rows]
            self._columns[key] = out
        return self._columns[key]

    def column_for(self, key: str, rows: np.ndarray) -> np.ndarray:
        """Return the value codes of ``key`` for the objects at ``rows`` only (-1 where absent).

        Found through the tag rows (which come in object order), without a
        column over every object: cheap for a few objects among millions of nodes.
        """
        if key in self._columns:
            return self._columns[key][rows]
        out = np.full(len(rows), -1, np.int32)
        code = self.pbf.code(key)
        if code < 0 or len(rows) == 0:
            return out
        chosen = self.tags.key == code
        owners, values = self.tags.obj[chosen], self.tags.value[chosen]
        if len(owners) == 0:
            return out
        at = np.minimum(np.searchsorted(owners, rows), len(owners) - 1)
        hit = owners[at] == rows
        out[hit] = values[at[hit]]
        return out

    def has(self, key: str) -> np.ndarray:
        """Return whether each object has ``key``."""
        return self.column(key) >= 0

    def equals(self, key: str, value: str) -> np.ndarray:
        """Return whether each object has ``key=value``."""
        code = self.pbf.code(value)
        return self.column(key) == code if code >= 0 else np.zeros(self.n, bool)

    def isin(self, key: str, values) -> np.ndarray:
        """Return whether each object's value of ``key`` is one of ``values``."""
        codes = self.pbf.codes(values)
        codes = codes[codes >= 0]
        return np.isin(self.column(key), codes) if len(codes) else np.zeros(self.n, bool)

    def objects_with(self, conditions) -> np.ndarray:
        """Return which objects satisfy any of ``conditions`` (``(key, values)`` pairs; values None: any).

        Works on the tag rows, not on a column per key: cheap for millions of untagged nodes.
        """
        mask = np.zeros(self.n, bool)
        for key, values in conditions:
            code = self.pbf.code(key)
            if code < 0:
                continue
            rows = self.tags.key == code
            if values is not None:
                wanted = self.pbf.codes(values)
                rows &= np.isin(self.tags.value, wanted[wanted >= 0])
            mask[self.tags.obj[rows]] = True
        return mask

    def values(self, key: str, rows: np.ndarray) -> list[str | None]:
        """Return the values of ``key`` (None where absent) for the objects at ``rows``."""
        strings = self.pbf.strings
        return [strings[c] if c >= 0 else None for c in self.column_for(key, np.asarray(rows, np.int64))]

    def dicts(self, rows: np.ndarray) -> list[dict[str, str]]:
        """Return every kept tag of the objects at ``rows`` as dictionaries."""
        if self._ptr is None:
            self._ptr = np.searchsorted(self.tags.obj, np.arange(self.n + 1))
        strings, keys, values = self.pbf.strings, self.tags.key, self.tags.value
        out = []
        for row in np.asarray(rows, np.int64):
            start, end = self._ptr[row], self._ptr[row + 1]
            out.append({strings[k]: strings[v] for k, v in zip(keys[start:end], values[start:end], strict=True)})
        return out
