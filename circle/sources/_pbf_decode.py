"""Decoding one PBF data block in compiled code: nodes, ways, relations and the tags worth keeping."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numba import njit

from circle.sources._pbf_blobs import _damaged
from circle.sources._pbf_wire import (
    _block_layout,
    _info_timestamp,
    _key_class,
    _packed_range,
    _read_packed_pairs,
    _sint,
    _sizes,
    _skip,
    _string_table,
    _varint,
)

_FNV_OFFSET = 0xCBF29CE484222325

_FNV_PRIME = 0x100000001B3
_MASK64 = 0xFFFFFFFFFFFFFFFF


def fnv1a(data: bytes) -> int:
    """Return the 64-bit FNV-1a hash of ``data`` (the same as the compiled key matcher uses).

    >>> hex(fnv1a(b"highway"))
    '0xc224d035c9910a7c'
    """
    value = _FNV_OFFSET
    for byte in data:
        value = ((value ^ byte) * _FNV_PRIME) & _MASK64
    return value


class _KeyTable:
    """The wanted keys as sorted hashes, with their bytes for an exact check."""

    def __init__(self, key_classes: dict[str, int]):
        encoded = sorted((fnv1a(k.encode("utf-8")), k.encode("utf-8"), c) for k, c in key_classes.items() if c)
        self.hashes = np.array([h for h, _, _ in encoded], np.uint64)
        self.classes = np.array([c for _, _, c in encoded], np.int8)
        joined = b"".join(b for _, b, _ in encoded)
        self.bytes = np.frombuffer(joined, np.uint8)  # read-only even when empty: one compiled decoder
        lengths = np.array([len(b) for _, b, _ in encoded], np.int64)
        self.offsets = np.zeros(len(encoded) + 1, np.int64)
        np.cumsum(lengths, out=self.offsets[1:])


@njit(cache=True, nogil=True)
def _parse_block(buf, group_starts, group_ends, granularity, lat_offset, lon_offset, date_granularity, sizes):
    """Fill the arrays of a block. Returns ok and the arrays (coordinates in nanodegrees)."""
    n_nodes, n_node_kv, n_ways, n_refs, n_way_tags, n_rels, n_members, n_rel_tags = sizes
    node_id = np.zeros(n_nodes, np.int64)
    node_lat = np.zeros(n_nodes, np.int64)
    node_lon = np.zeros(n_nodes, np.int64)
    node_time = np.zeros(n_nodes, np.int64)
    node_tag_obj = np.zeros(n_node_kv // 2 + 1, np.int64)
    node_tag_key = np.zeros(n_node_kv // 2 + 1, np.int64)
    node_tag_val = np.zeros(n_node_kv // 2 + 1, np.int64)
    way_id = np.zeros(n_ways, np.int64)
    way_count = np.zeros(n_ways, np.int64)
    way_refs = np.zeros(n_refs, np.int64)
    way_time = np.zeros(n_ways, np.int64)
    way_tag_obj = np.zeros(n_way_tags, np.int64)
    way_tag_key = np.zeros(n_way_tags, np.int64)
    way_tag_val = np.zeros(n_way_tags, np.int64)
    rel_id = np.zeros(n_rels, np.int64)
    rel_count = np.zeros(n_rels, np.int64)
    member_id = np.zeros(n_members, np.int64)
    member_type = np.zeros(n_members, np.int8)
    member_role = np.zeros(n_members, np.int64)
    rel_time = np.zeros(n_rels, np.int64)
    rel_tag_obj = np.zeros(n_rel_tags, np.int64)
    rel_tag_key = np.zeros(n_rel_tags, np.int64)
    rel_tag_val = np.zeros(n_rel_tags, np.int64)
    nn = 0
    nt = 0
    nw = 0
    nr = 0
    nwt = 0
    nrel = 0
    nm = 0
    nrt = 0
    ok = True
    for g in range(group_starts.shape[0]):
        position, end = group_starts[g], group_ends[g]
        while position < end and ok:
            key, position = _varint(buf, position, end)
            number, wire = key >> np.uint64(3), key & np.uint64(7)
            if wire != 2:
                position = _skip(buf, position, end, wire)
                continue
            length, position = _varint(buf, position, end)
            inner, inner_end = position, position + np.int64(length)
            position = inner_end
            if number == 2:  # DenseNodes
                ids = (-1, -1)
                lats = (-1, -1)
                lons = (-1, -1)
                kvs = (-1, -1)
                stamps = (-1, -1)
                while inner < inner_end:
                    k, inner = _varint(buf, inner, inner_end)
                    if inner < 0:
                        ok = False
                        break
                    f, w = k >> np.uint64(3), k & np.uint64(7)
                    if w != 2:
                        inner = _skip(buf, inner, inner_end, w)
                        if inner < 0:
                            ok = False
                            break
                        continue
                    a, b = _packed_range(buf, inner, inner_end)
                    if a < 0:
                        ok = False
                        break
                    if f == 1:
                        ids = (a, b)
                    elif f == 8:
                        lats = (a, b)
                    elif f == 9:
                        lons = (a, b)
                    elif f == 10:
                        kvs = (a, b)
                    elif f == 5:  # DenseInfo: find its timestamps
                        p = a
                        while p < b:
                            k2, p = _varint(buf, p, b)
                            if p < 0:
                                ok = False
                                break
                            f2, w2 = k2 >> np.uint64(3), k2 & np.uint64(7)
                            if f2 == 2 and w2 == 2:
                                s0, s1 = _packed_range(buf, p, b)
                                if s0 < 0:
                                    ok = False
                                    break
                                stamps = (s0, s1)
                                p = s1
                            else:
                                p = _skip(buf, p, b, w2)
                                if p < 0:
                                    ok = False
                                    break
                    inner = b
                if not ok:
                    break
                if ids[0] < 0:
                    continue
                first = nn
                value = np.int64(0)
                a, b = ids
                while a < b:
                    v, a = _varint(buf, a, b)
                    if a < 0:
                        ok = False
                        break
                    value += _sint(v)
                    node_id[nn] = value
                    nn += 1
                count = nn - first
                value = 0
                a, b = lats
                i = first
                while a < b and a >= 0 and i < nn:
                    v, a = _varint(buf, a, b)
                    value += _sint(v)
                    node_lat[i] = lat_offset + granularity * value
                    i += 1
                if i != nn:
                    ok = False
                value = 0
                a, b = lons
                i = first
                while a < b and a >= 0 and i < nn:
                    v, a = _varint(buf, a, b)
                    value += _sint(v)
                    node_lon[i] = lon_offset + granularity * value
                    i += 1
                if i != nn:
                    ok = False
                if stamps[0] >= 0:
                    value = 0
                    a, b = stamps
                    i = first
                    while a < b and a >= 0 and i < nn:
                        v, a = _varint(buf, a, b)
                        value += _sint(v)
                        node_time[i] = value * date_granularity // 1000
                        i += 1
                if kvs[0] >= 0 and count > 0:
                    a, b = kvs
                    i = first
                    while a < b and i < nn:
                        k3, a = _varint(buf, a, b)
                        if a < 0:
                            ok = False
                            break
                        if k3 == 0:
                            i += 1
                            continue
                        v3, a = _varint(buf, a, b)
                        if a < 0:
                            ok = False
                            break
                        node_tag_obj[nt] = i
                        node_tag_key[nt] = np.int64(k3)
                        node_tag_val[nt] = np.int64(v3)
                        nt += 1
            elif number == 1:  # a plain Node
                keys = (-1, -1)
                vals = (-1, -1)
                nid = np.int64(0)
                lat = np.int64(0)
                lon = np.int64(0)
                stamp = np.int64(0)
                while inner < inner_end:
                    k, inner = _varint(buf, inner, inner_end)
                    if inner < 0:
                        ok = False
                        break
                    f, w = k >> np.uint64(3), k & np.uint64(7)
                    if w == 0:
                        v, inner = _varint(buf, inner, inner_end)
                        if f == 1:
                            nid = _sint(v)
                        elif f == 8:
                            lat = _sint(v)
                        elif f == 9:
                            lon = _sint(v)
                    elif w == 2 and (f == 2 or f == 3 or f == 4):
                        a, b = _packed_range(buf, inner, inner_end)
                        if a < 0:
                            ok = False
                            break
                        if f == 2:
                            keys = (a, b)
                        elif f == 3:
                            vals = (a, b)
                        else:
                            stamp = _info_timestamp(buf, a, b)
                        inner = b
                    else:
                        inner = _skip(buf, inner, inner_end, w)
                    if inner < 0:
                        ok = False
                        break
                node_id[nn] = nid
                node_lat[nn] = lat_offset + granularity * lat
                node_lon[nn] = lon_offset + granularity * lon
                node_time[nn] = stamp * date_granularity // 1000
                if keys[0] >= 0:
                    nt = _read_packed_pairs(buf, keys, vals, nn, node_tag_obj, node_tag_key, node_tag_val, nt)
                    if nt < 0:
                        ok = False
                nn += 1
            elif number == 3 or number == 4:  # Way or Relation
                keys = (-1, -1)
                vals = (-1, -1)
                refs = (-1, -1)
                roles = (-1, -1)
                types = (-1, -1)
                oid = np.int64(0)
                stamp = np.int64(0)
                while inner < inner_end:
                    k, inner = _varint(buf, inner, inner_end)
                    if inner < 0:
                        ok = False
                        break
                    f, w = k >> np.uint64(3), k & np.uint64(7)
                    if w == 0:
                        v, inner = _varint(buf, inner, inner_end)
                        if f == 1:
                            oid = np.int64(v)
                    elif w == 2:
                        a, b = _packed_range(buf, inner, inner_end)
                        if a < 0:
                            ok = False
                            break
                        if f == 2:
                            keys = (a, b)
                        elif f == 3:
                            vals = (a, b)
                        elif f == 4:
                            stamp = _info_timestamp(buf, a, b)
                        elif f == 8:
                            if number == 3:
                                refs = (a, b)
                            else:
                                roles = (a, b)
                        elif f == 9 and number == 4:
                            refs = (a, b)
                        elif f == 10 and number == 4:
                            types = (a, b)
                        inner = b
                    else:
                        inner = _skip(buf, inner, inner_end, w)
                    if inner < 0:
                        ok = False
                        break
                if not ok:
                    break
                if number == 3:
                    way_id[nw] = oid
                    way_time[nw] = stamp * date_granularity // 1000
                    if keys[0] >= 0:
                        nwt = _read_packed_pairs(buf, keys, vals, nw, way_tag_obj, way_tag_key, way_tag_val, nwt)
                        if nwt < 0:
                            ok = False
                    first = nr
                    value = np.int64(0)
                    a, b = refs
                    while a < b and a >= 0:
                        v, a = _varint(buf, a, b)
                        if a < 0:
                            ok = False
                            break
                        value += _sint(v)
                        way_refs[nr] = value
                        nr += 1
                    way_count[nw] = nr - first
                    nw += 1
                else:
                    rel_id[nrel] = oid
                    rel_time[nrel] = stamp * date_granularity // 1000
                    if keys[0] >= 0:
                        nrt = _read_packed_pairs(buf, keys, vals, nrel, rel_tag_obj, rel_tag_key, rel_tag_val, nrt)
                        if nrt < 0:
                            ok = False
                    first = nm
                    value = np.int64(0)
                    a, b = refs
                    c, d = roles
                    e, h = types
                    while a < b and a >= 0:
                        v, a = _varint(buf, a, b)
                        if a < 0:
                            ok = False
                            break
                        value += _sint(v)
                        member_id[nm] = value
                        if c >= 0 and c < d:
                            r, c = _varint(buf, c, d)
                            member_role[nm] = np.int64(r) if c >= 0 else 0
                        if e >= 0 and e < h:
                            t, e = _varint(buf, e, h)
                            member_type[nm] = np.int8(t) if e >= 0 else 0
                        nm += 1
                    rel_count[nrel] = nm - first
                    nrel += 1
    return (
        ok and nn == n_nodes,
        node_id,
        node_lat,
        node_lon,
        node_time,
        node_tag_obj[:nt],
        node_tag_key[:nt],
        node_tag_val[:nt],
        way_id,
        way_count,
        way_refs[:nr],
        way_time,
        way_tag_obj[:nwt],
        way_tag_key[:nwt],
        way_tag_val[:nwt],
        rel_id,
        rel_count,
        member_id[:nm],
        member_type[:nm],
        member_role[:nm],
        rel_time,
        rel_tag_obj[:nrt],
        rel_tag_key[:nrt],
        rel_tag_val[:nrt],
    )


@njit(cache=True, nogil=True)
def _keep_tags(tag_obj, tag_key, tag_val, n_objects, key_class):
    """Return the rows to keep: wanted keys, and every tag of an object with a whole-object key."""
    whole = np.zeros(n_objects, np.bool_)
    n_strings = key_class.shape[0]
    for i in range(tag_obj.shape[0]):
        k = tag_key[i]
        if 0 <= k < n_strings and key_class[k] == 2:
            whole[tag_obj[i]] = True
    keep = np.zeros(tag_obj.shape[0], np.bool_)
    for i in range(tag_obj.shape[0]):
        k = tag_key[i]
        v = tag_val[i]
        if k < 0 or k >= n_strings or v < 0 or v >= n_strings:
            continue
        if key_class[k] > 0 or whole[tag_obj[i]]:
            keep[i] = True
    return keep


@njit(cache=True, nogil=True)
def _gather_strings(buf, starts, lengths, used):
    """Copy the used strings' bytes into one buffer; return (bytes, offsets, new index per string)."""
    total = 0
    count = 0
    for i in range(used.shape[0]):
        if used[i]:
            total += lengths[i]
            count += 1
    out = np.zeros(total, np.uint8)
    offsets = np.zeros(count + 1, np.int64)
    index = np.full(used.shape[0], -1, np.int64)
    j = 0
    position = 0
    for i in range(used.shape[0]):
        if used[i]:
            s, n = starts[i], lengths[i]
            out[position : position + n] = buf[s : s + n]
            position += n
            index[i] = j
            j += 1
            offsets[j] = position
    return out, offsets, index


@njit(cache=True, nogil=True)
def _filtered(obj, key, val, n_objects, key_class, used):
    keep = _keep_tags(obj, key, val, n_objects, key_class)
    obj, key, val = obj[keep], key[keep], val[keep]
    for i in range(key.shape[0]):
        used[key[i]] = True
        used[val[i]] = True
    return obj, key, val


@njit(cache=True, nogil=True)
def _decode_kernel(block, hashes, classes, table_bytes, table_offsets):
    """Parse one block, keep its wanted tags and gather their strings; raise ValueError when it is damaged.

    One compiled entry point per block: each separately cached function
    costs a tenth of a second or more to load in a fresh process.
    """
    ok, t0, t1, g0, g1, granularity, lat_offset, lon_offset, date_granularity = _block_layout(block)
    if not ok:
        raise ValueError("a data block does not parse")
    ok, starts, lengths = _string_table(block, t0, t1)
    if not ok:
        raise ValueError("a string table does not parse")
    sizes = _sizes(block, g0, g1)
    if not sizes[0]:
        raise ValueError("a data block does not parse")
    parsed = _parse_block(
        block,
        g0,
        g1,
        granularity,
        lat_offset,
        lon_offset,
        date_granularity,
        (sizes[1], sizes[2], sizes[3], sizes[4], sizes[5], sizes[6], sizes[7], sizes[8]),
    )
    if not parsed[0]:
        raise ValueError("a data block does not parse")
    key_class = _key_class(block, starts, lengths, hashes, classes, table_bytes, table_offsets)
    n_strings = starts.shape[0]
    used = np.zeros(n_strings, np.bool_)
    nto, ntk, ntv = _filtered(parsed[5], parsed[6], parsed[7], parsed[1].shape[0], key_class, used)
    wto, wtk, wtv = _filtered(parsed[12], parsed[13], parsed[14], parsed[8].shape[0], key_class, used)
    rto, rtk, rtv = _filtered(parsed[21], parsed[22], parsed[23], parsed[15].shape[0], key_class, used)
    member_role = parsed[19].copy()
    for i in range(member_role.shape[0]):
        if member_role[i] < 0 or member_role[i] >= n_strings:
            member_role[i] = 0
        if n_strings:
            used[member_role[i]] = True
    text, offsets, index = _gather_strings(block, starts, lengths, used)
    if n_strings:
        for i in range(member_role.shape[0]):
            member_role[i] = index[member_role[i]]
    exact = granularity % 100 == 0 and lat_offset % 100 == 0 and lon_offset % 100 == 0
    return (
        parsed[1],
        parsed[2],
        parsed[3],
        parsed[4],
        parsed[8],
        parsed[9],
        parsed[10],
        parsed[11],
        parsed[15],
        parsed[16],
        parsed[17],
        parsed[18],
        member_role,
        parsed[20],
        nto,
        index[ntk],
        index[ntv],
        wto,
        index[wtk],
        index[wtv],
        rto,
        index[rtk],
        index[rtv],
        text,
        offsets,
        exact,
    )


def _decode_block(block: np.ndarray, table: _KeyTable, path: Path) -> dict:
    # zlib blocks arrive read-only, raw ones as writable slices of the file: the decoder takes both
    # read-only, so the one version compiled at set-up serves every file
    block = block.view()
    block.flags.writeable = False
    try:
        out = _decode_kernel(block, table.hashes, table.classes, table.bytes, table.offsets)
    except ValueError as exc:
        raise _damaged(path, str(exc)) from exc
    return {
        "node": out[0:4],
        "way": out[4:8],
        "relation": out[8:14],
        "tags": {"node": out[14:17], "way": out[17:20], "relation": out[20:23]},
        "strings": (out[23], out[24]),
        "exact_degrees": bool(out[25]),
    }
