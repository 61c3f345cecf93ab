"""Isochrones on a network and access rows: the engine's polygon builders.

:func:`isochrone_from`, :func:`reach_times`, :func:`isochrone_bands`,
:func:`reached_lines` and :class:`OffNetworkLinks` work on a network and
access rows; the walks from a point or a block of a saved study are
:mod:`circle.analysis.walks`.
"""

from __future__ import annotations

from circle.engine._polygons import (
    DEFAULT_MARGIN_M,
    OffNetworkLinks,
    isochrone_bands,
    isochrone_from,
    reach_times,
    reached_lines,
)

__all__ = [
    "DEFAULT_MARGIN_M",
    "OffNetworkLinks",
    "isochrone_bands",
    "isochrone_from",
    "reach_times",
    "reached_lines",
]
