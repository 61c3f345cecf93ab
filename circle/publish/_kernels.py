"""Compiled loops of the published site: following predecessor chains, and the cells each block reaches."""

from __future__ import annotations

import numpy as np
from numba import njit

from circle.engine._heap import _INITIAL_HEAP
from circle.engine._kernels_local import _bounded_search


@njit(cache=True)
def trace_chains(predecessors, starts, virtual):
    """Follow ``predecessors`` from each start until the node whose predecessor is ``virtual``.

    Returns ``(nodes, offsets)``: chain ``i`` is ``nodes[offsets[i]:offsets[i + 1]]``,
    from its start to the node next to ``virtual``; a start with no predecessor
    (unreached) gives an empty chain.
    """
    n_starts = starts.shape[0]
    offsets = np.zeros(n_starts + 1, np.int64)
    for i in range(n_starts):
        node = starts[i]
        length = 0
        if node >= 0 and predecessors[node] >= 0:
            length = 1
            while predecessors[node] != virtual and predecessors[node] >= 0:
                node = predecessors[node]
                length += 1
        offsets[i + 1] = offsets[i] + length
    nodes = np.empty(offsets[n_starts], np.int64)
    for i in range(n_starts):
        if offsets[i + 1] == offsets[i]:
            continue
        node = starts[i]
        at = offsets[i]
        nodes[at] = node
        while predecessors[node] != virtual and predecessors[node] >= 0:
            node = predecessors[node]
            at += 1
            nodes[at] = node
    return nodes, offsets


@njit(cache=True)
def reached_cells(graph, x, y, start_offsets, start_nodes, start_costs, limit, cell):
    """Return the grid cells each origin reaches within ``limit`` seconds, walking along the streets.

    Origin ``i`` starts from ``start_nodes[start_offsets[i]:start_offsets[i + 1]]``
    at their costs. A cell is reached when a settled node lies in it or a
    point of a street walked from a settled node (up to the time left) does;
    points along a street are taken every half cell. Returns ``(codes, offsets)``
    with each origin's sorted unique cell codes ``ix * 2**21 + iy`` (``ix, iy``
    the floor of the coordinate over ``cell``, shifted by 2**20).
    """
    indptr, indices, weights = graph
    n = indptr.shape[0] - 1
    n_origins = start_offsets.shape[0] - 1
    dist = np.empty(n, np.float64)
    stamp = np.zeros(n, np.int64)
    reached = np.empty(n, np.int64)
    heap_c = np.empty(_INITIAL_HEAP, np.float64)
    heap_n = np.empty(_INITIAL_HEAP, np.int64)
    heap_l = np.empty(_INITIAL_HEAP, np.int64)
    shift = 1 << 20
    out = np.empty(1024, np.int64)
    used = 0
    offsets = np.zeros(n_origins + 1, np.int64)
    step = cell / 2.0
    for origin in range(n_origins):
        first, last = start_offsets[origin], start_offsets[origin + 1]
        settled, heap_c, heap_n, heap_l = _bounded_search(
            graph,
            start_nodes[first:last],
            start_costs[first:last],
            limit,
            dist,
            stamp,
            origin + 1,
            reached,
            heap_c,
            heap_n,
            heap_l,
        )
        local = np.empty(64, np.int64)
        count = 0
        for s in range(settled):
            node = reached[s]
            left = limit - dist[node]
            for edge in range(indptr[node], indptr[node + 1]):
                target = indices[edge]
                dx = x[target] - x[node]
                dy = y[target] - y[node]
                length = np.sqrt(dx * dx + dy * dy)
                share = 1.0 if weights[edge] <= left else left / weights[edge]
                walked = length * share
                points = int(walked // step) + 1
                for p in range(points + 1):
                    t = 0.0 if length == 0.0 else min(p * step, walked) / length
                    px = x[node] + dx * t
                    py = y[node] + dy * t
                    code = (int(np.floor(px / cell)) + shift) * (1 << 21) + int(np.floor(py / cell)) + shift
                    if count == local.shape[0]:
                        grown = np.empty(count * 2, np.int64)
                        grown[:count] = local
                        local = grown
                    local[count] = code
                    count += 1
        unique = np.unique(local[:count])
        while used + unique.shape[0] > out.shape[0]:
            grown = np.empty(out.shape[0] * 2, np.int64)
            grown[:used] = out[:used]
            out = grown
        out[used : used + unique.shape[0]] = unique
        used += unique.shape[0]
        offsets[origin + 1] = used
    return out[:used].copy(), offsets


@njit(cache=True)
def chain_lines(n_nodes, seg_a, seg_b):
    """Join segments into lines through the nodes where exactly two of them meet.

    Returns ``(nodes, offsets)``: line ``i`` runs through
    ``nodes[offsets[i]:offsets[i + 1]]``. Every segment is in exactly one line;
    a closed loop of degree-2 nodes is one line that ends where it starts.
    Linear in the number of segments (a general line merge is not, on a city).
    """
    m = seg_a.shape[0]
    degree = np.zeros(n_nodes, np.int64)
    for s in range(m):
        degree[seg_a[s]] += 1
        degree[seg_b[s]] += 1
    first = np.zeros(n_nodes + 1, np.int64)
    for v in range(n_nodes):
        first[v + 1] = first[v] + degree[v]
    fill = first[:-1].copy()
    incident = np.empty(2 * m, np.int64)
    for s in range(m):
        incident[fill[seg_a[s]]] = s
        fill[seg_a[s]] += 1
        incident[fill[seg_b[s]]] = s
        fill[seg_b[s]] += 1
    used = np.zeros(m, np.bool_)
    nodes = np.empty(2 * m + 1, np.int64)
    offsets = np.zeros(m + 1, np.int64)
    at = 0
    lines = 0
    for sweep in range(2):  # first from the ends and junctions, then the loops left over
        for start in range(n_nodes):
            if sweep == 0 and degree[start] == 2:
                continue
            for k in range(first[start], first[start + 1]):
                s = incident[k]
                if used[s]:
                    continue
                nodes[at] = start
                at += 1
                node = start
                while True:
                    used[s] = True
                    node = seg_b[s] if seg_a[s] == node else seg_a[s]
                    nodes[at] = node
                    at += 1
                    if degree[node] != 2 or node == start:
                        break
                    nxt = -1
                    for q in range(first[node], first[node + 1]):
                        if not used[incident[q]]:
                            nxt = incident[q]
                            break
                    if nxt < 0:
                        break
                    s = nxt
                lines += 1
                offsets[lines] = at
    return nodes[:at].copy(), offsets[: lines + 1].copy()
