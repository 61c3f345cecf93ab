"""Compiled protobuf wire-format readers of a PBF data block: varints, packed fields, the string table, sizes."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _varint(buf, position, end):
    """Return (value as uint64, new position); position -1 when the number is cut off."""
    result = np.uint64(0)
    shift = np.uint64(0)
    while position < end:
        byte = buf[position]
        position += 1
        result |= np.uint64(byte & 0x7F) << shift
        if byte < 0x80:
            return result, position
        shift += np.uint64(7)
        if shift > np.uint64(63):
            return result, -1
    return result, -1


@njit(cache=True, nogil=True, inline="always")
def _sint(value):
    return np.int64(value >> np.uint64(1)) ^ -np.int64(value & np.uint64(1))


@njit(cache=True, nogil=True)
def _skip(buf, position, end, wire):
    """Skip one field's value; return the new position or -1."""
    if wire == 0:
        _, position = _varint(buf, position, end)
        return position
    if wire == 2:
        length, position = _varint(buf, position, end)
        if position < 0 or position + np.int64(length) > end:
            return -1
        return position + np.int64(length)
    if wire == 1:
        return position + 8 if position + 8 <= end else -1
    if wire == 5:
        return position + 4 if position + 4 <= end else -1
    return -1


@njit(cache=True, nogil=True)
def _count_varints(buf, start, end):
    count = 0
    for i in range(start, end):
        if buf[i] < 0x80:
            count += 1
    return count


@njit(cache=True, nogil=True)
def _block_layout(buf):
    """Scan a PrimitiveBlock's top level.

    Returns (ok, string table start, end, group starts, group ends,
    granularity, lat offset, lon offset, date granularity).
    """
    end = buf.shape[0]
    position = 0
    table_start, table_end = 0, 0
    groups = 0
    granularity, lat_offset, lon_offset, date_granularity = 100, 0, 0, 1000
    # first pass counts the groups
    while position < end:
        key, position = _varint(buf, position, end)
        if position < 0:
            return False, 0, 0, np.zeros(0, np.int64), np.zeros(0, np.int64), 0, 0, 0, 0
        number, wire = key >> np.uint64(3), key & np.uint64(7)
        if wire == 2:
            length, position = _varint(buf, position, end)
            if position < 0 or position + np.int64(length) > end:
                return False, 0, 0, np.zeros(0, np.int64), np.zeros(0, np.int64), 0, 0, 0, 0
            if number == 1:
                table_start, table_end = position, position + np.int64(length)
            elif number == 2:
                groups += 1
            position += np.int64(length)
        elif wire == 0:
            value, position = _varint(buf, position, end)
            if position < 0:
                return False, 0, 0, np.zeros(0, np.int64), np.zeros(0, np.int64), 0, 0, 0, 0
            if number == 17:
                granularity = np.int64(value)
            elif number == 18:
                date_granularity = np.int64(value)
            elif number == 19:
                lat_offset = np.int64(value)
            elif number == 20:
                lon_offset = np.int64(value)
        else:
            position = _skip(buf, position, end, wire)
            if position < 0:
                return False, 0, 0, np.zeros(0, np.int64), np.zeros(0, np.int64), 0, 0, 0, 0
    starts = np.zeros(groups, np.int64)
    ends = np.zeros(groups, np.int64)
    position = 0
    g = 0
    while position < end:
        key, position = _varint(buf, position, end)
        number, wire = key >> np.uint64(3), key & np.uint64(7)
        if wire == 2:
            length, position = _varint(buf, position, end)
            if number == 2:
                starts[g] = position
                ends[g] = position + np.int64(length)
                g += 1
            position += np.int64(length)
        else:
            position = _skip(buf, position, end, wire)
    return True, table_start, table_end, starts, ends, granularity, lat_offset, lon_offset, date_granularity


@njit(cache=True, nogil=True)
def _string_table(buf, start, end):
    """Return (ok, starts, lengths) of the strings of a StringTable."""
    count = 0
    position = start
    while position < end:
        key, position = _varint(buf, position, end)
        if position < 0 or (key & np.uint64(7)) != 2:
            return False, np.zeros(0, np.int64), np.zeros(0, np.int64)
        length, position = _varint(buf, position, end)
        if position < 0 or position + np.int64(length) > end:
            return False, np.zeros(0, np.int64), np.zeros(0, np.int64)
        position += np.int64(length)
        count += 1
    starts = np.zeros(count, np.int64)
    lengths = np.zeros(count, np.int64)
    position = start
    for i in range(count):
        _, position = _varint(buf, position, end)
        length, position = _varint(buf, position, end)
        starts[i] = position
        lengths[i] = np.int64(length)
        position += np.int64(length)
    return True, starts, lengths


@njit(cache=True, nogil=True)
def _key_class(buf, starts, lengths, hashes, classes, table_bytes, table_offsets):
    """Return each string's key class (see KEY_*), by FNV-1a hash and an exact byte check."""
    out = np.zeros(starts.shape[0], np.int8)
    for i in range(starts.shape[0]):
        h = np.uint64(0xCBF29CE484222325)
        s, n = starts[i], lengths[i]
        for j in range(s, s + n):
            h = (h ^ np.uint64(buf[j])) * np.uint64(0x100000001B3)
        lo, hi = 0, hashes.shape[0]
        while lo < hi:
            mid = (lo + hi) // 2
            if hashes[mid] < h:
                lo = mid + 1
            else:
                hi = mid
        if lo < hashes.shape[0] and hashes[lo] == h:
            a, b = table_offsets[lo], table_offsets[lo + 1]
            if b - a == n:
                same = True
                for j in range(n):
                    if table_bytes[a + j] != buf[s + j]:
                        same = False
                        break
                if same:
                    out[i] = classes[lo]
    return out


@njit(cache=True, nogil=True)
def _packed_range(buf, position, end):
    """Return (start, end) of a packed field's bytes, or (-1, -1)."""
    length, position = _varint(buf, position, end)
    if position < 0 or position + np.int64(length) > end:
        return -1, -1
    return position, position + np.int64(length)


@njit(cache=True, nogil=True)
def _sizes(buf, group_starts, group_ends):
    """Count objects and array lengths of a block. Returns ok and 8 counts."""
    n_nodes = 0
    n_node_kv = 0
    n_ways = 0
    n_refs = 0
    n_way_tags = 0
    n_rels = 0
    n_members = 0
    n_rel_tags = 0
    for g in range(group_starts.shape[0]):
        position, end = group_starts[g], group_ends[g]
        while position < end:
            key, position = _varint(buf, position, end)
            if position < 0:
                return False, 0, 0, 0, 0, 0, 0, 0, 0
            number, wire = key >> np.uint64(3), key & np.uint64(7)
            if wire != 2:
                position = _skip(buf, position, end, wire)
                if position < 0:
                    return False, 0, 0, 0, 0, 0, 0, 0, 0
                continue
            length, position = _varint(buf, position, end)
            if position < 0 or position + np.int64(length) > end:
                return False, 0, 0, 0, 0, 0, 0, 0, 0
            inner, inner_end = position, position + np.int64(length)
            position = inner_end
            if number == 1:  # plain node
                n_nodes += 1
                while inner < inner_end:
                    k, inner = _varint(buf, inner, inner_end)
                    if inner < 0:
                        return False, 0, 0, 0, 0, 0, 0, 0, 0
                    f, w = k >> np.uint64(3), k & np.uint64(7)
                    if f == 2 and w == 2:
                        a, b = _packed_range(buf, inner, inner_end)
                        if a < 0:
                            return False, 0, 0, 0, 0, 0, 0, 0, 0
                        n_node_kv += 2 * _count_varints(buf, a, b) + 1
                        inner = b
                    else:
                        inner = _skip(buf, inner, inner_end, w)
                        if inner < 0:
                            return False, 0, 0, 0, 0, 0, 0, 0, 0
            elif number == 2:  # dense nodes
                while inner < inner_end:
                    k, inner = _varint(buf, inner, inner_end)
                    if inner < 0:
                        return False, 0, 0, 0, 0, 0, 0, 0, 0
                    f, w = k >> np.uint64(3), k & np.uint64(7)
                    if w == 2 and (f == 1 or f == 10):
                        a, b = _packed_range(buf, inner, inner_end)
                        if a < 0:
                            return False, 0, 0, 0, 0, 0, 0, 0, 0
                        if f == 1:
                            n_nodes += _count_varints(buf, a, b)
                        else:
                            n_node_kv += _count_varints(buf, a, b)
                        inner = b
                    else:
                        inner = _skip(buf, inner, inner_end, w)
                        if inner < 0:
                            return False, 0, 0, 0, 0, 0, 0, 0, 0
            elif number == 3 or number == 4:  # way or relation
                if number == 3:
                    n_ways += 1
                else:
                    n_rels += 1
                while inner < inner_end:
                    k, inner = _varint(buf, inner, inner_end)
                    if inner < 0:
                        return False, 0, 0, 0, 0, 0, 0, 0, 0
                    f, w = k >> np.uint64(3), k & np.uint64(7)
                    if w == 2 and (f == 2 or f == 8 or f == 9):
                        a, b = _packed_range(buf, inner, inner_end)
                        if a < 0:
                            return False, 0, 0, 0, 0, 0, 0, 0, 0
                        count = _count_varints(buf, a, b)
                        if f == 2:
                            if number == 3:
                                n_way_tags += count
                            else:
                                n_rel_tags += count
                        elif number == 3 and f == 8:
                            n_refs += count
                        elif number == 4 and f == 9:
                            n_members += count
                        inner = b
                    else:
                        inner = _skip(buf, inner, inner_end, w)
                        if inner < 0:
                            return False, 0, 0, 0, 0, 0, 0, 0, 0
    return True, n_nodes, n_node_kv, n_ways, n_refs, n_way_tags, n_rels, n_members, n_rel_tags


@njit(cache=True, nogil=True)
def _info_timestamp(buf, position, end):
    """Return the timestamp field of an Info message (0 when absent), or -1 when damaged."""
    stamp = np.int64(0)
    while position < end:
        key, position = _varint(buf, position, end)
        if position < 0:
            return -1
        f, w = key >> np.uint64(3), key & np.uint64(7)
        if f == 2 and w == 0:
            value, position = _varint(buf, position, end)
            if position < 0:
                return -1
            stamp = np.int64(value)
        else:
            position = _skip(buf, position, end, w)
            if position < 0:
                return -1
    return stamp


@njit(cache=True, nogil=True)
def _read_packed_pairs(buf, key_range, value_range, obj, tag_obj, tag_key, tag_val, t):
    """Append (obj, key, value) rows from parallel packed keys/vals fields; return the new count or -1."""
    a, b = key_range
    c, d = value_range
    while a < b:
        k, a = _varint(buf, a, b)
        if a < 0 or c >= d:
            return -1
        v, c = _varint(buf, c, d)
        if c < 0:
            return -1
        tag_obj[t] = obj
        tag_key[t] = np.int64(k)
        tag_val[t] = np.int64(v)
        t += 1
    return t
