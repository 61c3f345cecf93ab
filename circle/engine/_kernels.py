"""Compiled shortest-path kernels (numba) on compact CSR arrays.

All searches run on a graph given as one named tuple of CSR arrays
(``indptr``, ``indices``, ``weights`` in seconds:
:class:`circle.prepare.network.CsrGraph`) and start from several network nodes
at once, each with its own starting cost. Access rows travel as
:class:`Groups` (rows grouped by their owner or by their node), so no kernel
takes more than eight arguments. No O(n) work is done per search where a search touches only a
small part of the graph: bounded searches keep a stamp per node instead of
resetting arrays.

The binary heap stores (cost, node, label) in three parallel arrays and
doubles them when full.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit, prange

from circle.engine._heap import _BUCKETS, _INITIAL_HEAP, _pool_add, _pop, _push
from circle.engine._kernels_local import _bounded_search, read_only

if TYPE_CHECKING:
    from circle.prepare.network import CsrGraph


class Groups(NamedTuple):
    """Rows grouped by a key: group ``g`` holds rows ``ptr[g]:ptr[g + 1]`` of ``member`` and ``cost``.

    Grouped by owner (a block, a facility, a candidate site), ``member`` is the
    network node the owner reaches and ``cost`` the seconds of that walk;
    grouped by network node, ``member`` is the owner.
    """

    ptr: np.ndarray
    member: np.ndarray
    cost: np.ndarray


class Starts(NamedTuple):
    """Where a multi-source search starts: network nodes, the seconds already walked, and a label each."""

    node: np.ndarray
    cost: np.ndarray
    label: np.ndarray


class Regions(NamedTuple):
    """Node coordinates and the square size a k-label search is split into (``region_m = 0``: one search)."""

    node_x: np.ndarray
    node_y: np.ndarray
    region_m: float
    reach_m: float


@njit(cache=True, nogil=True)
def k_nearest_labels(graph, starts, k, limit, regions):
    """Return, for every node, the k nearest distinct labels (k-label Dijkstra).

    A label is a facility; the search runs on the reversed graph so that
    ``costs[v, j]`` is the walk from node ``v`` to its j-th nearest facility.

    With ``regions.region_m > 0`` the graph is searched region by region (squares of
    ``region_m`` of the nodes' coordinates ``node_x``, ``node_y``): each
    region's nodes get their labels from a search seeded by the starts
    within ``reach_m`` of the region and kept within that margin. Every walk
    within ``limit`` from a node stays within ``reach_m`` of it, so the
    answer is exact, and each search works on a part of the city small
    enough to stay in the processor's cache (one search over a whole city
    misses it at nearly every step).

    Returns
    -------
    costs : (n, k) float64, ``inf`` where fewer labels are within ``limit``
    labels : (n, k) int64, -1 where empty
    """
    indptr = graph.indptr
    start_nodes, start_costs, start_labels = starts.node, starts.cost, starts.label
    node_x, node_y, region_m, reach_m = regions.node_x, regions.node_y, regions.region_m, regions.reach_m
    n = indptr.shape[0] - 1
    costs = np.full((n, k), np.inf)
    labels = np.full((n, k), -1, np.int64)
    count = np.zeros(n, np.int64)
    stamp = np.zeros(n, np.int64)
    if n == 0:
        return costs, labels
    if region_m <= 0.0:
        _label_search(
            graph, starts, k, limit, regions, (-np.inf, -np.inf, np.inf, np.inf), (stamp, 0), (costs, labels, count)
        )
        return costs, labels
    x0, y0 = node_x.min(), node_y.min()
    columns = int((node_x.max() - x0) // region_m) + 1
    rows = int((node_y.max() - y0) // region_m) + 1
    region = np.empty(n, np.int64)
    for v in range(n):
        region[v] = int((node_x[v] - x0) // region_m) + columns * int((node_y[v] - y0) // region_m)
    order = np.argsort(region, kind="mergesort")
    ptr = np.zeros(columns * rows + 1, np.int64)
    for v in range(n):
        ptr[region[v] + 1] += 1
    for r in range(columns * rows):
        ptr[r + 1] += ptr[r]
    work_costs = np.full((n, k), np.inf)
    work_labels = np.full((n, k), -1, np.int64)
    stamp[:] = -1
    seeds = np.empty(start_nodes.shape[0], np.int64)
    for r in range(columns * rows):
        if ptr[r + 1] == ptr[r]:
            continue
        west = x0 + (r % columns) * region_m - reach_m
        south = y0 + (r // columns) * region_m - reach_m
        east = west + region_m + 2 * reach_m
        north = south + region_m + 2 * reach_m
        m = 0
        for i in range(start_nodes.shape[0]):
            v = start_nodes[i]
            if west <= node_x[v] <= east and south <= node_y[v] <= north:
                seeds[m] = i
                m += 1
        chosen = seeds[:m]
        _label_search(
            graph,
            Starts(start_nodes[chosen], start_costs[chosen], start_labels[chosen]),
            k,
            limit,
            regions,
            (west, south, east, north),
            (stamp, r),
            (work_costs, work_labels, count),
        )
        for position in range(ptr[r], ptr[r + 1]):
            v = order[position]
            if stamp[v] == r:
                for j in range(count[v]):
                    costs[v, j] = work_costs[v, j]
                    labels[v, j] = work_labels[v, j]
    return costs, labels


@njit(cache=True, nogil=True)
def _label_search(graph, starts, k, limit, regions, box, marks, out):
    """One k-label search kept inside ``box`` (west, south, east, north).

    ``marks`` is ``(stamp, tag)``: ``count`` of a node is reset when it is
    first reached, which ``stamp[node] == tag`` records; ``out`` is
    ``(costs, labels, count)``, written in place.
    """
    indptr, indices, weights = graph
    start_nodes, start_costs, start_labels = starts.node, starts.cost, starts.label
    node_x, node_y = regions.node_x, regions.node_y
    west, south, east, north = box
    stamp, tag = marks
    costs, labels, count = out
    width = max(limit / _BUCKETS, 1e-9)
    n_buckets = int(limit / width) + 2
    head = np.full(n_buckets, -1, np.int64)
    pool_size = max(_INITIAL_HEAP, 2 * start_nodes.shape[0])
    pool_c = np.empty(pool_size, np.float64)
    pool_n = np.empty(pool_size, np.int64)
    pool_l = np.empty(pool_size, np.int64)
    pool_next = np.empty(pool_size, np.int64)
    free, used = -1, 0
    for i in range(start_nodes.shape[0]):
        if start_costs[i] > limit:
            continue
        bucket = int(start_costs[i] / width)
        pool_c, pool_n, pool_l, pool_next, free, used = _pool_add(
            pool_c, pool_n, pool_l, pool_next, head, free, used, bucket, start_costs[i], start_nodes[i], start_labels[i]
        )
    heap_c = np.empty(_INITIAL_HEAP, np.float64)
    heap_n = np.empty(_INITIAL_HEAP, np.int64)
    heap_l = np.empty(_INITIAL_HEAP, np.int64)
    size = 0
    for bucket in range(n_buckets):
        slot = head[bucket]
        head[bucket] = -1
        while slot >= 0:
            following = pool_next[slot]
            heap_c, heap_n, heap_l, size = _push(heap_c, heap_n, heap_l, size, pool_c[slot], pool_n[slot], pool_l[slot])
            pool_next[slot] = free
            free = slot
            slot = following
        bucket_end = (bucket + 1) * width
        while size > 0:
            cost, node, label, size = _pop(heap_c, heap_n, heap_l, size)
            if stamp[node] != tag:
                stamp[node] = tag
                count[node] = 0
            filled = count[node]
            if filled >= k:
                continue
            seen = False
            for j in range(filled):
                if labels[node, j] == label:
                    seen = True
                    break
            if seen:
                continue
            costs[node, filled] = cost
            labels[node, filled] = label
            count[node] = filled + 1
            for edge in range(indptr[node], indptr[node + 1]):
                target = indices[edge]
                new_cost = cost + weights[edge]
                if new_cost > limit:
                    continue
                tx, ty = node_x[target], node_y[target]
                if tx < west or tx > east or ty < south or ty > north:
                    continue
                target_filled = count[target] if stamp[target] == tag else 0
                if target_filled >= k:
                    continue
                duplicate = False
                for j in range(target_filled):
                    if labels[target, j] == label:
                        duplicate = True
                        break
                if duplicate:
                    continue
                if new_cost < bucket_end:
                    heap_c, heap_n, heap_l, size = _push(heap_c, heap_n, heap_l, size, new_cost, target, label)
                else:
                    pool_c, pool_n, pool_l, pool_next, free, used = _pool_add(
                        pool_c,
                        pool_n,
                        pool_l,
                        pool_next,
                        head,
                        free,
                        used,
                        int(new_cost / width),
                        new_cost,
                        target,
                        label,
                    )


@njit(cache=True, nogil=True)
def merge_origin_labels(origins, node_costs, node_labels, k):
    """Combine node labels into origin (block) labels through the origins' access rows.

    The time from origin ``b`` to facility ``f`` is ``min over b's rows (a, s)
    of s + cost(a, f)``; the k nearest of ``b`` are among the k nearest of its
    access nodes. ``origins`` are the origins' access rows grouped by origin.

    Returns
    -------
    costs : (n_origins, k) float64; labels : (n_origins, k) int64
    """
    origin_ptr, origin_node, origin_cost = origins
    n_origins = origin_ptr.shape[0] - 1
    kk = node_costs.shape[1]
    costs = np.full((n_origins, k), np.inf)
    labels = np.full((n_origins, k), -1, np.int64)
    for origin in range(n_origins):
        start, stop = origin_ptr[origin], origin_ptr[origin + 1]
        total = (stop - start) * kk
        cand_c = np.empty(total, np.float64)
        cand_l = np.empty(total, np.int64)
        m = 0
        for row in range(start, stop):
            node = origin_node[row]
            for j in range(kk):
                if node_labels[node, j] < 0:
                    break
                cand_c[m] = origin_cost[row] + node_costs[node, j]
                cand_l[m] = node_labels[node, j]
                m += 1
        order = np.argsort(cand_c[:m], kind="mergesort")
        filled = 0
        for idx in order:
            label = cand_l[idx]
            duplicate = False
            for j in range(filled):
                if labels[origin, j] == label:
                    duplicate = True
                    break
            if duplicate:
                continue
            costs[origin, filled] = cand_c[idx]
            labels[origin, filled] = label
            filled += 1
            if filled == k:
                break
    return costs, labels


def bounded_times(
    graph: CsrGraph, start_nodes: np.ndarray, start_costs: np.ndarray, limit: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(nodes, costs)`` of every node reached within ``limit`` from the starts.

    The starts may come in any integer and float arrays, writable or not: the
    compiled search takes them in one form (:func:`~circle.engine._kernels_local.read_only`).
    """
    return _bounded_times(graph, read_only(start_nodes, np.int64), read_only(start_costs, np.float64), float(limit))


@njit(cache=True, nogil=True)
def _bounded_times(graph, start_nodes, start_costs, limit):
    n = graph.indptr.shape[0] - 1
    dist = np.empty(n, np.float64)
    stamp = np.zeros(n, np.int64)
    reached = np.empty(n, np.int64)
    heap_c = np.empty(_INITIAL_HEAP, np.float64)
    heap_n = np.empty(_INITIAL_HEAP, np.int64)
    heap_l = np.empty(_INITIAL_HEAP, np.int64)
    settled, _, _, _ = _bounded_search(
        graph,
        start_nodes,
        start_costs,
        limit,
        dist,
        stamp,
        1,
        reached,
        heap_c,
        heap_n,
        heap_l,
    )
    nodes = reached[:settled].copy()
    costs = np.empty(settled, np.float64)
    for i in range(settled):
        costs[i] = dist[nodes[i]]
    return nodes, costs


@njit(cache=True)
def _count_chunk(graph, facilities, first, last, origins_by_node, thresholds, n_origins):
    fac_ptr, fac_node, fac_cost = facilities
    node_ptr, node_origin, node_cost = origins_by_node
    n = graph.indptr.shape[0] - 1
    limit = thresholds[-1]
    counts = np.zeros((n_origins, thresholds.shape[0]), np.int64)
    dist = np.empty(n, np.float64)
    stamp = np.zeros(n, np.int64)
    reached = np.empty(n, np.int64)
    best = np.full(n_origins, np.inf)
    touched = np.empty(n_origins, np.int64)
    heap_c = np.empty(_INITIAL_HEAP, np.float64)
    heap_n = np.empty(_INITIAL_HEAP, np.int64)
    heap_l = np.empty(_INITIAL_HEAP, np.int64)
    for facility in range(first, last):
        start, stop = fac_ptr[facility], fac_ptr[facility + 1]
        if start == stop:
            continue
        token = facility + 1
        settled, heap_c, heap_n, heap_l = _bounded_search(
            graph,
            fac_node[start:stop],
            fac_cost[start:stop],
            limit,
            dist,
            stamp,
            token,
            reached,
            heap_c,
            heap_n,
            heap_l,
        )
        n_touched = 0
        for i in range(settled):
            node = reached[i]
            d = dist[node]
            for row in range(node_ptr[node], node_ptr[node + 1]):
                total = d + node_cost[row]
                if total > limit:
                    continue
                origin = node_origin[row]
                if best[origin] == np.inf:
                    touched[n_touched] = origin
                    n_touched += 1
                if total < best[origin]:
                    best[origin] = total
        for i in range(n_touched):
            origin = touched[i]
            for t in range(thresholds.shape[0]):
                if best[origin] <= thresholds[t]:
                    counts[origin, t] += 1
            best[origin] = np.inf
    return counts


@njit(cache=True, parallel=True)
def count_within(graph, facilities, origins_by_node, thresholds, n_origins, n_chunks):
    """Count, for every origin, the facilities within each threshold (bounded searches from facilities).

    Facilities are split into ``n_chunks`` groups searched in parallel, each
    with private work arrays; their counts are summed. ``facilities`` are
    the facilities' access rows grouped by facility, ``origins_by_node`` the
    origins' grouped by node.
    """
    n_fac = facilities.ptr.shape[0] - 1
    per_chunk = (n_fac + n_chunks - 1) // n_chunks
    partial = np.zeros((n_chunks, n_origins, thresholds.shape[0]), np.int64)
    for chunk in prange(n_chunks):
        first = chunk * per_chunk
        last = min(n_fac, first + per_chunk)
        if first < last:
            partial[chunk] = _count_chunk(graph, facilities, first, last, origins_by_node, thresholds, n_origins)
    return partial.sum(axis=0)


@njit(cache=True, nogil=True)
def origin_best(nodes, costs, origins_by_node, n_origins, limit):
    """Return ``(origins, seconds)``: the best time of every origin reached through its access rows.

    ``nodes``/``costs`` are a search's reached nodes; an origin's time is the
    minimum over its access rows at those nodes of cost + access seconds.
    """
    node_ptr, node_origin, node_cost = origins_by_node
    best = np.full(n_origins, np.inf)
    touched = np.empty(n_origins, np.int64)
    n_touched = 0
    for i in range(nodes.shape[0]):
        node = nodes[i]
        for row in range(node_ptr[node], node_ptr[node + 1]):
            total = costs[i] + node_cost[row]
            if total > limit:
                continue
            origin = node_origin[row]
            if best[origin] == np.inf:
                touched[n_touched] = origin
                n_touched += 1
            if total < best[origin]:
                best[origin] = total
    origins = touched[:n_touched].copy()
    seconds = np.empty(n_touched, np.float64)
    for i in range(n_touched):
        seconds[i] = best[origins[i]]
    return origins, seconds
