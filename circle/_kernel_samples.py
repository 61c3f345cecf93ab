"""Every compiled kernel, called once on tiny hand-made inputs of the types the real runs pass.

numba compiles a kernel for each combination of argument types it is called
with (an int32 array and an int64 one are two versions, a read-only array
and a writable one too), and caches each version beside its source. Calling
a kernel here with arguments of the same types as ``circle analyze``, the
what-if, the closures, the catchments, the isochrones and the published site
compiles exactly the versions those runs load. Only the types matter, so the
inputs are a five-node street graph with two blocks and two facilities, and a
PBF data block holding an empty string table. Nothing here reads a study.

Used by :mod:`circle.warm_up`; ``tests/test_first_run.py`` checks that a real
run after it compiles nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from circle.engine import _kernels as kernels
from circle.engine import _kernels_local as local_kernels
from circle.engine._kernels import Groups
from circle.prepare.network import CsrGraph, min_weight_csr
from circle.prepare.network.snapping import SegmentGrid
from circle.prepare.population._window_sums import window_sums
from circle.publish._kernels import chain_lines, reached_cells, trace_chains
from circle.sources._pbf_decode import _decode_block, _KeyTable
from circle.sources.pbf import KEY_WANTED, KEY_WHOLE_OBJECT


def compile_every_kernel() -> None:
    """Call every compiled kernel of the package once (compiling it, or loading it from numba's cache)."""
    _engine_kernels()
    _publish_kernels()
    _prepare_kernels()
    _source_kernels()


class _TinyCity:
    """Five street nodes ``0-1-2-3`` with ``4`` off node 1, 100 m apart; blocks at 0 and 3, facilities at 2 and 4."""

    x = np.array([0.0, 100.0, 200.0, 300.0, 100.0])
    y = np.array([0.0, 0.0, 0.0, 0.0, 100.0])
    seg_a = np.array([0, 1, 2, 1], np.int64)
    seg_b = np.array([1, 2, 3, 4], np.int64)
    seconds = np.array([100.0, 100.0, 100.0, 100.0])
    limit_s = 900.0


def _grouped(key: np.ndarray, n_groups: int, member: np.ndarray, cost: np.ndarray):
    order = np.argsort(key, kind="stable")
    ptr = np.zeros(n_groups + 1, np.int64)
    np.cumsum(np.bincount(key, minlength=n_groups), out=ptr[1:])
    return Groups(ptr, member[order].astype(np.int64), cost[order].astype(np.float64))


def _engine_kernels() -> None:
    city = _TinyCity
    n = len(city.x)
    keep = np.bincount(np.concatenate([city.seg_a, city.seg_b]), minlength=n) != 2
    local_kernels.contract_chains(n, city.seg_a, city.seg_b, city.seconds, city.seconds, keep)
    both_a = np.concatenate([city.seg_a, city.seg_b])
    both_b = np.concatenate([city.seg_b, city.seg_a])
    graph = CsrGraph.from_matrix(min_weight_csr(both_a, both_b, np.concatenate([city.seconds, city.seconds]), n))
    # two blocks (owners 0, 1) joined at nodes 0 and 3; two facilities (owners 0, 1) at nodes 2 and 4
    block_owner, block_node, block_cost = np.array([0, 1]), np.array([0, 3]), np.array([10.0, 20.0])
    fac_owner, fac_node, fac_cost = np.array([0, 1]), np.array([2, 4]), np.array([5.0, 15.0])
    blocks_by_block = _grouped(block_owner, 2, block_node, block_cost)
    blocks_by_node = _grouped(block_node, n, block_owner, block_cost)
    facilities = _grouped(fac_owner, 2, fac_node, fac_cost)
    facilities_by_node = _grouped(fac_node, n, fac_owner, fac_cost)

    starts = kernels.Starts(fac_node.astype(np.int64), fac_cost.astype(np.float64), fac_owner.astype(np.int64))
    regions = kernels.Regions(city.x, city.y, 0.0, 0.0)
    node_costs, node_labels = kernels.k_nearest_labels(graph, starts, 2, city.limit_s, regions)
    kernels.merge_origin_labels(blocks_by_block, node_costs, node_labels, 2)
    thresholds = np.array([300.0, 600.0, 900.0])
    kernels.count_within(graph, facilities, blocks_by_node, thresholds, 2, 2)
    reached, costs = kernels.bounded_times(graph, fac_node, fac_cost, city.limit_s)
    kernels.origin_best(reached, costs, blocks_by_node, 2, city.limit_s)
    excluded = np.zeros(2, np.bool_)
    local_kernels.k_nearest_for_origins(
        graph, blocks_by_block, np.array([0, 1], np.int64), facilities_by_node, excluded, 2, city.limit_s
    )
    local_kernels.covered_origins(graph, facilities, 0, 2, blocks_by_node, city.limit_s, np.ones(2, np.bool_))


def _publish_kernels() -> None:
    city = _TinyCity
    n = len(city.x)
    # predecessors towards a virtual node n, as scipy's Dijkstra gives them (cast to int64 by the caller)
    predecessors = np.array([1, 2, n, 2, 1, -9999], np.int64)
    trace_chains(predecessors, np.array([0, -1], np.int64), n)
    graph = CsrGraph.from_matrix(min_weight_csr(city.seg_a, city.seg_b, city.seconds, n))
    reached_cells(
        graph, city.x, city.y, np.array([0, 1, 2], np.int64), np.array([0, 3], np.int64), np.zeros(2), 300.0, 25.0
    )
    chain_lines(n, city.seg_a, city.seg_b)


def _prepare_kernels() -> None:
    city = _TinyCity
    window_sums(city.x, city.y, np.ones(len(city.x)), 150.0)
    grid = SegmentGrid.build(city.x[city.seg_a], city.y[city.seg_a], city.x[city.seg_b], city.y[city.seg_b])
    grid.nearest(np.array([50.0, 250.0]), np.array([10.0, -10.0]), 100.0)


def _source_kernels() -> None:
    # a PrimitiveBlock holding one string table with one empty string: field 1, 2 bytes long: field 1, 0 bytes long
    block = np.frombuffer(bytes([0x0A, 0x02, 0x0A, 0x00]), np.uint8)
    table = _KeyTable({"highway": KEY_WANTED, "building": KEY_WHOLE_OBJECT})
    _decode_block(block, table, Path("set-up sample.osm.pbf"))
