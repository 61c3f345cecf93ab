"""The compiled binary heap and bucket pool the searches share.

(cost, node, label) in parallel arrays, doubled when full.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_INITIAL_HEAP = 1024


@njit(cache=True, inline="always")
def _grow(costs, nodes, labels):
    size = costs.shape[0]
    new_costs = np.empty(size * 2, np.float64)
    new_nodes = np.empty(size * 2, np.int64)
    new_labels = np.empty(size * 2, np.int64)
    new_costs[:size] = costs
    new_nodes[:size] = nodes
    new_labels[:size] = labels
    return new_costs, new_nodes, new_labels


@njit(cache=True, inline="always")
def _sift_up(costs, nodes, labels, index):
    cost, node, label = costs[index], nodes[index], labels[index]
    while index > 0:
        parent = (index - 1) >> 1
        if costs[parent] <= cost:
            break
        costs[index], nodes[index], labels[index] = costs[parent], nodes[parent], labels[parent]
        index = parent
    costs[index], nodes[index], labels[index] = cost, node, label


@njit(cache=True, inline="always")
def _sift_down(costs, nodes, labels, size):
    cost, node, label = costs[0], nodes[0], labels[0]
    index = 0
    while True:
        child = 2 * index + 1
        if child >= size:
            break
        if child + 1 < size and costs[child + 1] < costs[child]:
            child += 1
        if costs[child] >= cost:
            break
        costs[index], nodes[index], labels[index] = costs[child], nodes[child], labels[child]
        index = child
    costs[index], nodes[index], labels[index] = cost, node, label


@njit(cache=True, inline="always")
def _push(heap_c, heap_n, heap_l, size, cost, node, label):
    """Push (cost, node, label); return the (possibly grown) heap arrays and the new size."""
    if size == heap_c.shape[0]:
        heap_c, heap_n, heap_l = _grow(heap_c, heap_n, heap_l)
    heap_c[size], heap_n[size], heap_l[size] = cost, node, label
    _sift_up(heap_c, heap_n, heap_l, size)
    return heap_c, heap_n, heap_l, size + 1


@njit(cache=True, inline="always")
def _pop(heap_c, heap_n, heap_l, size):
    """Pop the cheapest entry; return (cost, node, label, new size)."""
    cost, node, label = heap_c[0], heap_n[0], heap_l[0]
    size -= 1
    if size > 0:
        heap_c[0], heap_n[0], heap_l[0] = heap_c[size], heap_n[size], heap_l[size]
        _sift_down(heap_c, heap_n, heap_l, size)
    return cost, node, label, size


#: a two-level queue: pending entries wait in buckets this many per search limit, and only the current
#: bucket's entries sit in a binary heap. A city-wide frontier then never makes one heap of millions of
#: entries, whose sifts miss the cache at every level (the search grew as size^1.25 with a single heap).
_BUCKETS = 2048


@njit(cache=True, inline="always")
def _pool_add(pool_c, pool_n, pool_l, pool_next, head, free, used, bucket, cost, node, label):
    """File an entry in ``bucket``; return the (possibly grown) pool arrays, the free list head and the count used."""
    if free >= 0:
        slot = free
        free = pool_next[slot]
    else:
        if used == pool_c.shape[0]:
            size = pool_c.shape[0]
            grown_c = np.empty(2 * size, np.float64)
            grown_n = np.empty(2 * size, np.int64)
            grown_l = np.empty(2 * size, np.int64)
            grown_next = np.empty(2 * size, np.int64)
            grown_c[:size] = pool_c
            grown_n[:size] = pool_n
            grown_l[:size] = pool_l
            grown_next[:size] = pool_next
            pool_c, pool_n, pool_l, pool_next = grown_c, grown_n, grown_l, grown_next
        slot = used
        used += 1
    pool_c[slot], pool_n[slot], pool_l[slot] = cost, node, label
    pool_next[slot] = head[bucket]
    head[bucket] = slot
    return pool_c, pool_n, pool_l, pool_next, free, used
