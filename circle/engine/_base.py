"""The reach problem every backend solves, and the shape of its answer.

A block (an *origin*) reaches the network through several access points, each
with the seconds it takes to walk to a network node; so does a facility (a
*destination*). The time from a block to a facility is

    min over block access (a, s_a) and facility access (f, s_f) of
        s_a + d(a, f) + s_f

where ``d`` is the shortest walking time on the network. Backends agree on
this definition through :class:`AugmentedGraph`, which adds one virtual node
per block (edges out to its access nodes) and one per facility (edges in from
its access nodes), so that a single shortest-path search answers it. A
virtual facility node has no outgoing edge and a virtual block node no
incoming one: nobody walks *through* a block or a park for free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from scipy import sparse

from circle.errors import EngineError
from circle.prepare.network import AccessTable, WalkNetwork, min_weight_csr


@dataclass
class Destinations:
    """The facilities of one category and how each reaches the network.

    Attributes
    ----------
    ids : numpy.ndarray
        Facility ids (object array); position ``j`` is facility ``j``.
    access : AccessTable
        ``owner`` is the facility position; ``seconds`` is the walk from the
        network node to the facility.
    """

    ids: np.ndarray
    access: AccessTable


@dataclass
class ReachProblem:
    """Everything a backend needs.

    Attributes
    ----------
    network : WalkNetwork
        The walking network.
    origin_access : AccessTable
        How blocks reach the network; ``owner`` is the block position.
    n_origins : int
        Number of blocks (some may have no access rows).
    destinations : dict of str to Destinations
        Facilities per category key.
    k : int
        How many nearest facilities to report.
    thresholds_s : tuple of float
        Count facilities within each of these walking times.
    limit_s : float
        Longest walk searched; times beyond it are missing (NaN).
    """

    network: WalkNetwork
    origin_access: AccessTable
    n_origins: int
    destinations: dict[str, Destinations]
    k: int = 3
    thresholds_s: tuple[float, ...] = (300.0, 600.0, 900.0)
    limit_s: float = 1800.0
    graph: AugmentedGraph | None = field(default=None, repr=False)

    def validate(self) -> None:
        """Check that every access row names a network node and an owner in range.

        The compiled kernels do not check indices: a bad table would crash
        the process instead of raising.

        Raises
        ------
        EngineError
            Naming the table with out-of-range rows.
        """
        n = self.network.n_nodes
        tables = {"blocks": (self.origin_access, self.n_origins)}
        tables.update({c: (d.access, len(d.ids)) for c, d in self.destinations.items()})
        for name, (table, owners) in tables.items():
            if len(table) == 0:
                continue
            if table.node.min() < 0 or table.node.max() >= n:
                raise EngineError(f"access rows of {name} name network nodes outside 0…{n - 1}; rebuild the study.")
            if table.owner.min() < 0 or table.owner.max() >= owners:
                raise EngineError(f"access rows of {name} name owners outside 0…{owners - 1}; rebuild the study.")
            if not np.isfinite(table.seconds).all() or (table.seconds < 0).any():
                raise EngineError(f"access rows of {name} have negative or missing seconds; rebuild the study.")

    def augmented(self) -> AugmentedGraph:
        """Return (and keep) the augmented graph of this problem."""
        if self.graph is None:
            self.graph = AugmentedGraph.build(self)
        return self.graph


@dataclass
class CategoryReach:
    """A backend's answer for one category.

    Attributes
    ----------
    seconds : numpy.ndarray
        ``(n_origins, k)`` walking seconds to the 1st … k-th nearest facility,
        ascending, NaN where fewer than ``j`` are within the limit.
    nearest : numpy.ndarray
        ``(n_origins, k)`` facility positions, -1 where none.
    counts : numpy.ndarray
        ``(n_origins, len(thresholds_s))`` facilities within each threshold.
    """

    seconds: np.ndarray
    nearest: np.ndarray
    counts: np.ndarray

    @classmethod
    def empty(cls, n_origins: int, k: int, n_thresholds: int) -> CategoryReach:
        """Return the answer for a category with no reachable facility."""
        return cls(
            seconds=np.full((n_origins, k), np.nan),
            nearest=np.full((n_origins, k), -1, np.int64),
            counts=np.zeros((n_origins, n_thresholds), np.int64),
        )


class Backend(Protocol):
    """A routing backend: solves a :class:`ReachProblem` for every category."""

    name: str

    def solve(self, problem: ReachProblem, progress: bool = False) -> dict[str, CategoryReach]:
        """Return one :class:`CategoryReach` per category of ``problem``."""
        ...


@dataclass
class AugmentedGraph:
    """The network plus virtual block and facility nodes (see module docs).

    Node numbering: ``0 … n_network-1`` network nodes, then one node per
    origin (``origin_node(i) = n_network + i``), then the facilities of each
    category in turn (``destination_offset[c] + j``).
    """

    n_network: int
    n_origins: int
    destination_offset: dict[str, int]
    destination_count: dict[str, int]
    u: np.ndarray
    v: np.ndarray
    seconds: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Total number of nodes, virtual ones included."""
        return self.n_network + self.n_origins + sum(self.destination_count.values())

    def origin_nodes(self) -> np.ndarray:
        """Node index of every origin, in origin order."""
        return self.n_network + np.arange(self.n_origins, dtype=np.int64)

    def destination_nodes(self, category: str) -> np.ndarray:
        """Node index of every facility of ``category``, in facility order."""
        offset = self.destination_offset[category]
        return offset + np.arange(self.destination_count[category], dtype=np.int64)

    @classmethod
    def build(cls, problem: ReachProblem) -> AugmentedGraph:
        """Build the augmented edge list of a problem."""
        network = problem.network
        edges = network.directed_edges()
        us = [edges["u"].to_numpy()]
        vs = [edges["v"].to_numpy()]
        ws = [edges["seconds"].to_numpy()]
        n_network = network.n_nodes
        origins = problem.origin_access
        us.append(n_network + origins.owner)
        vs.append(origins.node)
        ws.append(origins.seconds)
        offset = n_network + problem.n_origins
        offsets, counts = {}, {}
        for category, destinations in problem.destinations.items():
            offsets[category] = offset
            counts[category] = len(destinations.ids)
            us.append(destinations.access.node)
            vs.append(offset + destinations.access.owner)
            ws.append(destinations.access.seconds)
            offset += len(destinations.ids)
        return cls(
            n_network=n_network,
            n_origins=problem.n_origins,
            destination_offset=offsets,
            destination_count=counts,
            u=np.concatenate(us).astype(np.int64),
            v=np.concatenate(vs).astype(np.int64),
            seconds=np.concatenate(ws).astype(float),
        )

    def matrix(self, reverse: bool = False) -> sparse.csr_array:
        """Return the adjacency matrix of seconds (transposed if ``reverse``).

        Parallel edges keep their minimum. Zero-cost edges are stored as
        explicit zeros, which scipy's graph routines treat as edges.
        """
        u, v = (self.v, self.u) if reverse else (self.u, self.v)
        return min_weight_csr(u, v, self.seconds, self.n_nodes)


def top_k_merge(
    best_s: np.ndarray, best_id: np.ndarray, new_s: np.ndarray, new_id: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Merge two sets of candidate (seconds, id) columns and keep the k smallest per row.

    Parameters
    ----------
    best_s, best_id : numpy.ndarray
        ``(n, k)`` current best, NaN / -1 where empty.
    new_s, new_id : numpy.ndarray
        ``(n, m)`` new candidates, NaN / -1 where empty.
    k : int
        How many to keep.

    Returns
    -------
    tuple of numpy.ndarray
        ``(n, k)`` seconds ascending (NaN last) and their ids.
    """
    seconds = np.concatenate([best_s, new_s], axis=1)
    ids = np.concatenate([best_id, new_id], axis=1)
    keyed = np.where(np.isnan(seconds), np.inf, seconds)
    order = np.argsort(keyed, axis=1, kind="stable")[:, :k]
    rows = np.arange(len(seconds))[:, None]
    return seconds[rows, order], ids[rows, order]
