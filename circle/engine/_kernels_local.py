"""Compiled searches that start from origins or candidate sites.

The k nearest facilities of some origins, the catchments of candidate sites,
and the contraction of degree-2 chains.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from circle.engine._heap import _INITIAL_HEAP, _pop, _push


@njit(cache=True)
def _bounded_search(
    graph,
    start_nodes,
    start_costs,
    limit,
    dist,
    stamp,
    token,
    reached,
    heap_c,
    heap_n,
    heap_l,
):
    """Dijkstra from several starts up to ``limit``; return settled count and heap arrays.

    ``dist[v]`` is valid where ``stamp[v] == token``; settled nodes are
    written to ``reached`` in the order they are settled.
    """
    indptr, indices, weights = graph
    size = 0
    for i in range(start_nodes.shape[0]):
        node = start_nodes[i]
        cost = start_costs[i]
        if cost > limit:
            continue
        if stamp[node] == token and dist[node] <= cost:
            continue
        stamp[node] = token
        dist[node] = cost
        heap_c, heap_n, heap_l, size = _push(heap_c, heap_n, heap_l, size, cost, node, 0)
    settled = 0
    while size > 0:
        cost, node, _, size = _pop(heap_c, heap_n, heap_l, size)
        if stamp[node] == -token - 1 or cost > dist[node]:
            continue  # settled already, or a stale heap entry
        reached[settled] = node
        settled += 1
        for edge in range(indptr[node], indptr[node + 1]):
            target = indices[edge]
            new_cost = cost + weights[edge]
            if new_cost > limit:
                continue
            if stamp[target] == token and dist[target] <= new_cost:
                continue
            if stamp[target] == -token - 1:
                continue
            stamp[target] = token
            dist[target] = new_cost
            heap_c, heap_n, heap_l, size = _push(heap_c, heap_n, heap_l, size, new_cost, target, 0)
        stamp[node] = -token - 1  # settled
    return settled, heap_c, heap_n, heap_l


def read_only(array: np.ndarray, dtype: type) -> np.ndarray:
    """Return ``array`` as a C-contiguous read-only array of ``dtype`` (a view when it already is one).

    numba compiles a kernel once per argument type, and a read-only array is
    another type than a writable one: arrays read from a study folder are
    read-only, arrays just computed are not. Handing a kernel every array
    read-only lets the one version compiled at set-up serve both.
    """
    view = np.ascontiguousarray(array, dtype).view()
    view.flags.writeable = False
    return view


def contract_chains(
    n: int, seg_a: np.ndarray, seg_b: np.ndarray, sec_ab: np.ndarray, sec_ba: np.ndarray, keep: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Replace every chain of unkept degree-2 nodes by one edge between its kept ends.

    Segment ``s`` joins nodes ``seg_a[s]`` and ``seg_b[s]`` in ``sec_ab[s]``
    seconds one way and ``sec_ba[s]`` the other; ``keep`` flags the nodes to
    keep. The arrays may come in any integer and float types, writable or
    not: the compiled search takes them in one form (:func:`read_only`).

    Returns
    -------
    u, v : int64 arrays of kept-node indices (original numbering); seconds : float64
    """
    return _contract_chains(
        int(n),
        read_only(seg_a, np.int64),
        read_only(seg_b, np.int64),
        read_only(sec_ab, np.float64),
        read_only(sec_ba, np.float64),
        read_only(keep, np.bool_),
    )


@njit(cache=True, nogil=True)
def _contract_chains(n, seg_a, seg_b, sec_ab, sec_ba, keep):
    """Replace every chain of unkept degree-2 nodes by one edge between its kept ends (see :func:`contract_chains`).

    Every node that is not kept must have exactly two segment ends (the
    caller keeps all others). Each kept node walks along each of its
    segments until it meets a kept node and emits one directed edge with
    the summed seconds; the opposite direction is emitted from the other
    end. Chains that close on themselves are dropped.

    Returns
    -------
    u, v : int64 arrays of kept-node indices (original numbering); seconds : float64
    """
    n_seg = seg_a.shape[0]
    degree = np.zeros(n, np.int64)
    for s in range(n_seg):
        degree[seg_a[s]] += 1
        degree[seg_b[s]] += 1
    ptr = np.zeros(n + 1, np.int64)
    for i in range(n):
        ptr[i + 1] = ptr[i] + degree[i]
    fill = ptr[:-1].copy()
    incident = np.empty(2 * n_seg, np.int64)
    for s in range(n_seg):
        incident[fill[seg_a[s]]] = s
        fill[seg_a[s]] += 1
        incident[fill[seg_b[s]]] = s
        fill[seg_b[s]] += 1
    out_u = np.empty(2 * n_seg, np.int64)
    out_v = np.empty(2 * n_seg, np.int64)
    out_w = np.empty(2 * n_seg, np.float64)
    m = 0
    for start in range(n):
        if not keep[start]:
            continue
        for e in range(ptr[start], ptr[start + 1]):
            segment = incident[e]
            node = start
            total = 0.0
            while True:
                if seg_a[segment] == node:
                    total += sec_ab[segment]
                    node = seg_b[segment]
                else:
                    total += sec_ba[segment]
                    node = seg_a[segment]
                if keep[node]:
                    break
                # an unkept node has exactly two segments: continue on the other one
                first = incident[ptr[node]]
                segment = incident[ptr[node] + 1] if first == segment else first
            if node != start and total < np.inf:
                out_u[m] = start
                out_v[m] = node
                out_w[m] = total
                m += 1
    return out_u[:m].copy(), out_v[:m].copy(), out_w[:m].copy()


@njit(cache=True, nogil=True)
def k_nearest_for_origins(graph, origins_access, origins, facilities_by_node, excluded, k, limit):
    """Search forwards from each listed origin until its k nearest allowed facilities are known.

    ``origins_access`` are the origins' access rows grouped by origin;
    ``facilities_by_node`` the facilities' grouped by network node (facility
    and seconds from the node to it); facilities with ``excluded[f]`` set
    are ignored. The search stops once k facilities are found no farther
    than the next node to settle.

    Returns
    -------
    costs : (len(origins), k) float64 (inf where none); labels : (len(origins), k) int64
    """
    indptr, indices, weights = graph
    origin_ptr, origin_node, origin_cost = origins_access
    fac_node_ptr, fac_node_facility, fac_node_cost = facilities_by_node
    n = indptr.shape[0] - 1
    n_fac = excluded.shape[0]
    costs = np.full((origins.shape[0], k), np.inf)
    labels = np.full((origins.shape[0], k), -1, np.int64)
    dist = np.empty(n, np.float64)
    stamp = np.zeros(n, np.int64)
    best = np.full(n_fac, np.inf)
    found = np.empty(n_fac, np.int64)
    heap_c = np.empty(_INITIAL_HEAP, np.float64)
    heap_n = np.empty(_INITIAL_HEAP, np.int64)
    heap_l = np.empty(_INITIAL_HEAP, np.int64)
    for row in range(origins.shape[0]):
        origin = origins[row]
        token = row + 1
        size = 0
        for r in range(origin_ptr[origin], origin_ptr[origin + 1]):
            node, cost = origin_node[r], origin_cost[r]
            if cost > limit or (stamp[node] == token and dist[node] <= cost):
                continue
            stamp[node] = token
            dist[node] = cost
            heap_c, heap_n, heap_l, size = _push(heap_c, heap_n, heap_l, size, cost, node, 0)
        n_found = 0
        while size > 0:
            cost, node, _, size = _pop(heap_c, heap_n, heap_l, size)
            if stamp[node] == -token - 1 or cost > dist[node]:
                continue
            stamp[node] = -token - 1
            # stop when k facilities are known and none can come closer
            if n_found >= k:
                kth = np.inf
                values = np.empty(n_found)
                for i in range(n_found):
                    values[i] = best[found[i]]
                kth = np.sort(values)[k - 1]
                if kth <= cost:
                    break
            for r in range(fac_node_ptr[node], fac_node_ptr[node + 1]):
                facility = fac_node_facility[r]
                if excluded[facility]:
                    continue
                total = cost + fac_node_cost[r]
                if total > limit:
                    continue
                if best[facility] == np.inf:
                    found[n_found] = facility
                    n_found += 1
                if total < best[facility]:
                    best[facility] = total
            for edge in range(indptr[node], indptr[node + 1]):
                target = indices[edge]
                new_cost = cost + weights[edge]
                if new_cost > limit or stamp[target] == -token - 1:
                    continue
                if stamp[target] == token and dist[target] <= new_cost:
                    continue
                stamp[target] = token
                dist[target] = new_cost
                heap_c, heap_n, heap_l, size = _push(heap_c, heap_n, heap_l, size, new_cost, target, 0)
        values = np.empty(n_found)
        for i in range(n_found):
            values[i] = best[found[i]]
        order = np.argsort(values)
        for j in range(min(k, n_found)):
            costs[row, j] = values[order[j]]
            labels[row, j] = found[order[j]]
        for i in range(n_found):
            best[found[i]] = np.inf
    return costs, labels


@njit(cache=True, nogil=True)
def covered_origins(graph, candidates, first, last, origins_by_node, threshold, wanted):
    """Return ``(counts, origins)``: for candidates ``first … last``, the wanted origins within ``threshold``.

    One bounded search per candidate site from its access rows; ``origins``
    lists each candidate's origins (ascending) one candidate after another.
    Releases the GIL, so callers run groups of candidates in threads.
    ``candidates`` are the sites' access rows grouped by site,
    ``origins_by_node`` the origins' grouped by node.
    """
    cand_ptr, cand_node, cand_cost = candidates
    node_ptr, node_origin, node_cost = origins_by_node
    n = graph.indptr.shape[0] - 1
    n_origins = wanted.shape[0]
    dist = np.empty(n, np.float64)
    stamp = np.zeros(n, np.int64)
    reached = np.empty(n, np.int64)
    best = np.full(n_origins, np.inf)
    touched = np.empty(n_origins, np.int64)
    heap_c = np.empty(_INITIAL_HEAP, np.float64)
    heap_n = np.empty(_INITIAL_HEAP, np.int64)
    heap_l = np.empty(_INITIAL_HEAP, np.int64)
    counts = np.zeros(last - first, np.int64)
    out = np.empty(max(1024, 4 * (last - first)), np.int64)
    used = 0
    for candidate in range(first, last):
        start, stop = cand_ptr[candidate], cand_ptr[candidate + 1]
        if start == stop:
            continue
        settled, heap_c, heap_n, heap_l = _bounded_search(
            graph,
            cand_node[start:stop],
            cand_cost[start:stop],
            threshold,
            dist,
            stamp,
            candidate + 1,
            reached,
            heap_c,
            heap_n,
            heap_l,
        )
        n_touched = 0
        for i in range(settled):
            node = reached[i]
            for row in range(node_ptr[node], node_ptr[node + 1]):
                total = dist[node] + node_cost[row]
                origin = node_origin[row]
                if total > threshold or not wanted[origin]:
                    continue
                if best[origin] == np.inf:
                    touched[n_touched] = origin
                    n_touched += 1
                best[origin] = min(best[origin], total)
        if used + n_touched > out.shape[0]:
            grown = np.empty(2 * (used + n_touched), np.int64)
            grown[:used] = out[:used]
            out = grown
        out[used : used + n_touched] = touched[:n_touched]
        out[used : used + n_touched].sort()
        used += n_touched
        counts[candidate - first] = n_touched
        for i in range(n_touched):
            best[touched[i]] = np.inf
    return counts, out[:used].copy()
