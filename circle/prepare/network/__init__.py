"""The walking network: its model, building it from OSM, costing it, and connecting points to it.

- :mod:`~circle.prepare.network.model`: :class:`WalkNetwork`, :class:`AccessTable`, :class:`CsrGraph`;
- :mod:`~circle.prepare.network.building`: from the walkable ways of OSM, and the parts blocks reach;
- :mod:`~circle.prepare.network.costing`: seconds per segment from length, steps and slope;
- :mod:`~circle.prepare.network.access`: points stepping onto their nearest segment;
- :mod:`~circle.prepare.network.snapping`: the grid of segments that nearest-segment searches use.
"""

from circle.prepare.network.building import NO_WALKABLE_WAYS, keep_reachable_part, network_from_ways
from circle.prepare.network.model import STEPS, AccessTable, CsrGraph, WalkNetwork, min_weight_csr

__all__ = [
    "NO_WALKABLE_WAYS",
    "STEPS",
    "AccessTable",
    "CsrGraph",
    "WalkNetwork",
    "keep_reachable_part",
    "min_weight_csr",
    "network_from_ways",
]
