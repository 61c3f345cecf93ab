"""Decode OpenStreetMap PBF files into arrays, with no Python work per object.

A PBF file is a sequence of blobs, each a zlib-compressed protobuf block of
about 8,000 objects with its own string table. Every block is decompressed
(zlib releases the GIL) and parsed by compiled code (numba, ``nogil``) in a
small thread pool; what comes out are flat arrays: node ids and coordinates,
way ids and node references, relation members, and the tags a study can use.

Tags are filtered while parsing: a tag is kept when its key is one of the
*wanted* keys, or when its object carries one of the *whole-object* keys
(facility keys: every tag of a possible facility is kept, so that presets can
test any key). Kept keys and values become codes into one string list, built
by a dictionary encoding of the bytes (pyarrow) rather than one Python string
per tag. On a 27 MB city file this reads about 4 million objects in a couple
of seconds on two cores.

Every damage check works on whole arrays: node ids must increase through the
file (a duplicated or unsorted id is refused), coordinates must lie on the
globe and not at exactly 0°, 0° (where unreadable coordinates land), blocks
must parse to their end, and a truncated file is refused.
"""

from __future__ import annotations

import datetime as dt
import lzma
import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numba import njit

from circle.errors import InputDataError

#: the largest blob the format allows (64 MiB uncompressed is far above any writer's 32 MiB).
MAX_BLOB_BYTES = 64 * 1024 * 1024
_SUPPORTED_FEATURES = frozenset({"OsmSchema-V0.6", "DenseNodes"})
_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_MASK64 = 0xFFFFFFFFFFFFFFFF

#: classes of a key: not wanted, wanted, and "keep every tag of an object that has it".
KEY_SKIPPED, KEY_WANTED, KEY_WHOLE_OBJECT = 0, 1, 2


@dataclass
class TagColumns:
    """The kept tags of one kind of object: one row per tag.

    Attributes
    ----------
    obj : numpy.ndarray
        Position of the object (int64) in its kind's arrays.
    key, value : numpy.ndarray
        Codes (int32) into :attr:`PbfData.strings`.
    """

    obj: np.ndarray
    key: np.ndarray
    value: np.ndarray

    def __len__(self) -> int:
        return len(self.obj)


@dataclass
class PbfData:
    """A PBF file decoded into arrays (see the module docs).

    Coordinates are degrees computed exactly as libosmium does (1e-7 degree
    units); ``*_time`` are seconds since 1970 (0 when the file has none).
    """

    node_id: np.ndarray
    node_lon: np.ndarray
    node_lat: np.ndarray
    node_time: np.ndarray
    way_id: np.ndarray
    way_ptr: np.ndarray
    way_refs: np.ndarray
    way_time: np.ndarray
    relation_id: np.ndarray
    relation_ptr: np.ndarray
    member_id: np.ndarray
    member_type: np.ndarray  # 0 node, 1 way, 2 relation
    member_role: np.ndarray  # codes into strings
    relation_time: np.ndarray
    node_tags: TagColumns
    way_tags: TagColumns
    relation_tags: TagColumns
    strings: list[str]
    header_bbox: tuple[float, float, float, float] | None = None
    replication_timestamp: str | None = None
    writing_program: str | None = None
    objects: int = 0
    _codes: dict[str, int] | None = field(default=None, repr=False)

    def code(self, text: str) -> int:
        """Return the code of a string, or -1 when no kept tag uses it."""
        if self._codes is None:
            self._codes = {s: i for i, s in enumerate(self.strings)}
        return self._codes.get(text, -1)

    def codes(self, texts) -> np.ndarray:
        """Return the codes of several strings (-1 for those not in the file)."""
        return np.array([self.code(t) for t in texts], np.int64)


def fnv1a(data: bytes) -> int:
    """Return the 64-bit FNV-1a hash of ``data`` (the same as the compiled key matcher uses).

    >>> hex(fnv1a(b"highway"))
    '0x5cdb94bd2c4d2e0b'
    """
    value = _FNV_OFFSET
    for byte in data:
        value = ((value ^ byte) * _FNV_PRIME) & _MASK64
    return value


def read_pbf(path: str | Path, key_classes: dict[str, int], threads: int | None = None) -> PbfData:
    """Decode a PBF file, keeping the tags ``key_classes`` asks for.

    Parameters
    ----------
    path : str or pathlib.Path
        An ``.osm.pbf`` file.
    key_classes : dict of str to int
        Per key, :data:`KEY_WANTED` or :data:`KEY_WHOLE_OBJECT`.
    threads : int, optional
        Threads that decompress and parse blocks (default: the CPU count, at most 4).

    Returns
    -------
    PbfData
        Every node, way and relation, and the kept tags.

    Raises
    ------
    InputDataError
        For a truncated or damaged file, an unsupported feature or compression,
        unsorted or duplicated ids, or coordinates off the globe.
    """
    path = Path(path)
    try:
        raw = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise InputDataError(f"{path} could not be read: {exc}.") from exc
    blobs, header = _blob_index(raw, path)
    table = _KeyTable(key_classes)
    workers = threads or min(4, os.cpu_count() or 1)

    def decode(index: int):
        start, length, kind = blobs[index]
        block = _inflate(raw, start, length, kind, path)
        return _decode_block(block, table, path)

    if workers > 1 and len(blobs) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(decode, range(len(blobs))))
    else:
        parts = [decode(i) for i in range(len(blobs))]
    return _assemble(parts, header, path)


# -- file structure (plain Python: one step per blob) -----------------------------------------


def _blob_index(raw: np.ndarray, path: Path) -> tuple[list[tuple[int, int, int]], dict]:
    """Return (start, length, compression) of every OSMData blob, and the parsed header."""
    size = len(raw)
    position, blobs, header = 0, [], None
    view = memoryview(raw)
    while position < size:
        if position + 4 > size:
            raise _truncated(path)
        header_length = int.from_bytes(view[position : position + 4], "big")
        position += 4
        if header_length <= 0 or header_length > 64 * 1024 or position + header_length > size:
            raise _truncated(path)
        blob_type, datasize = _parse_blob_header(bytes(view[position : position + header_length]), path)
        position += header_length
        if datasize < 0 or datasize > MAX_BLOB_BYTES or position + datasize > size:
            raise _truncated(path)
        payload_start, payload_length, kind = _parse_blob(bytes(view[position : position + datasize]), path)
        if blob_type == "OSMHeader":
            header = _parse_header(_inflate(raw, position + payload_start, payload_length, kind, path).tobytes(), path)
        elif blob_type == "OSMData":
            blobs.append((position + payload_start, payload_length, kind))
        position += datasize
    if header is None:
        raise InputDataError(f"{path} has no OSMHeader block: it is not a complete OpenStreetMap PBF file.")
    return blobs, header


def _truncated(path: Path) -> InputDataError:
    return InputDataError(
        f"{path} could not be read as OSM PBF: it ends in the middle of a block. The file is probably "
        "truncated or damaged; download the extract again."
    )


def _damaged(path: Path, what: str) -> InputDataError:
    return InputDataError(
        f"{path} could not be read as OSM PBF: {what}. The file is probably truncated or damaged; "
        "download the extract again."
    )


def _fields(data: bytes, path: Path):
    """Yield (field number, wire type, value) of a protobuf message (value: int or bytes)."""
    position, end = 0, len(data)
    while position < end:
        key, position = _py_varint(data, position, path)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, position = _py_varint(data, position, path)
        elif wire == 2:
            length, position = _py_varint(data, position, path)
            if position + length > end:
                raise _damaged(path, "a field runs past the end of its message")
            value = data[position : position + length]
            position += length
        elif wire == 1:
            value, position = data[position : position + 8], position + 8
        elif wire == 5:
            value, position = data[position : position + 4], position + 4
        else:
            raise _damaged(path, f"an unknown protobuf wire type {wire}")
        if position > end:
            raise _damaged(path, "a field runs past the end of its message")
        yield number, wire, value


def _py_varint(data: bytes, position: int, path: Path) -> tuple[int, int]:
    result, shift = 0, 0
    while True:
        if position >= len(data) or shift > 63:
            raise _damaged(path, "a number is cut off")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, position
        shift += 7


def _parse_blob_header(data: bytes, path: Path) -> tuple[str, int]:
    blob_type, datasize = None, -1
    for number, wire, value in _fields(data, path):
        if number == 1 and wire == 2:
            blob_type = value.decode("utf-8", "replace")
        elif number == 3 and wire == 0:
            datasize = value
    if blob_type is None:
        raise _damaged(path, "a block has no type")
    return blob_type, datasize


_COMPRESSION = {1: "raw", 3: "zlib", 4: "lzma", 5: "bzip2", 6: "lz4", 7: "zstd"}


def _parse_blob(data: bytes, path: Path) -> tuple[int, int, int]:
    """Return (offset of the payload in ``data``, its length, its field number)."""
    position, end = 0, len(data)
    while position < end:
        key, start = _py_varint(data, position, path)
        number, wire = key >> 3, key & 7
        if wire == 2:
            length, payload = _py_varint(data, start, path)
            if payload + length > end:
                raise _truncated(path)
            if number in _COMPRESSION:
                return payload, length, number
            position = payload + length
        elif wire == 0:
            _, position = _py_varint(data, start, path)
        else:
            raise _damaged(path, "a block has an unknown layout")
    raise _damaged(path, "a block holds no data")


def _inflate(raw: np.ndarray, start: int, length: int, kind: int, path: Path) -> np.ndarray:
    payload = raw[start : start + length]
    if kind == 1:
        return payload
    try:
        if kind == 3:
            return np.frombuffer(zlib.decompress(payload), dtype=np.uint8)
        if kind == 4:
            return np.frombuffer(lzma.decompress(payload.tobytes()), dtype=np.uint8)
    except (zlib.error, lzma.LZMAError) as exc:
        raise _damaged(path, f"a compressed block does not decompress ({exc})") from exc
    raise InputDataError(
        f"{path} uses {_COMPRESSION[kind]} compression, which circle does not read. Convert it with "
        f"`osmium cat {path.name} -o converted.osm.pbf` (zlib) and analyse that."
    )


def _parse_header(data: bytes, path: Path) -> dict:
    header: dict = {"bbox": None, "timestamp": None, "program": None}
    for number, wire, value in _fields(data, path):
        if number == 1 and wire == 2:
            box = {n: _zigzag(v) for n, w, v in _fields(value, path) if w == 0}
            if len(box) == 4:
                # as libosmium: nanodegrees to its 1e-7 degree units, then to degrees
                west, south, east, north = (int(box[n] / 100) / 1e7 for n in (1, 4, 2, 3))
                header["bbox"] = (west, south, east, north)
        elif number == 4 and wire == 2:
            feature = value.decode("utf-8", "replace")
            if feature not in _SUPPORTED_FEATURES:
                raise InputDataError(
                    f"{path} needs the PBF feature {feature!r}, which circle does not read"
                    + (" (it is a history file: use a current extract)" if "Histor" in feature else "")
                    + ". Use a plain extract of current OpenStreetMap data."
                )
        elif number == 16 and wire == 2:
            header["program"] = value.decode("utf-8", "replace")
        elif number == 32 and wire == 0 and value > 0:
            stamp = dt.datetime.fromtimestamp(value, dt.UTC)
            header["timestamp"] = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return header


def _zigzag(value: int) -> int:
    return (value >> 1) ^ -(value & 1)


# -- key matching ------------------------------------------------------------------------------


class _KeyTable:
    """The wanted keys as sorted hashes, with their bytes for an exact check."""

    def __init__(self, key_classes: dict[str, int]):
        encoded = sorted((fnv1a(k.encode("utf-8")), k.encode("utf-8"), c) for k, c in key_classes.items() if c)
        self.hashes = np.array([h for h, _, _ in encoded], np.uint64)
        self.classes = np.array([c for _, _, c in encoded], np.int8)
        joined = b"".join(b for _, b, _ in encoded)
        self.bytes = np.frombuffer(joined, np.uint8) if joined else np.zeros(0, np.uint8)
        lengths = np.array([len(b) for _, b, _ in encoded], np.int64)
        self.offsets = np.zeros(len(encoded) + 1, np.int64)
        np.cumsum(lengths, out=self.offsets[1:])


# -- compiled block parsing --------------------------------------------------------------------


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


def _degrees(nano: np.ndarray, exact: bool) -> np.ndarray:
    """Nanodegrees to degrees, as libosmium does (integer 1e-7 units, then ÷ 1e7)."""
    if exact:
        units = np.sign(nano) * (np.abs(nano) // 100)
        return units / 1e7
    return nano / 1e9


def _assemble(parts: list[dict], header: dict, path: Path) -> PbfData:
    import pyarrow as pa
    import pyarrow.compute as pc

    string_base = np.cumsum([0] + [len(p["strings"][1]) - 1 for p in parts])
    texts = [p["strings"][0] for p in parts]
    byte_base = np.cumsum([0] + [len(t) for t in texts])
    offsets = [p["strings"][1][:-1] + byte_base[i] for i, p in enumerate(parts)]
    data = np.concatenate(texts) if texts else np.zeros(0, np.uint8)
    starts = np.concatenate([*offsets, [len(data)]]).astype(np.int64)
    binary = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(starts) - 1, [None, pa.py_buffer(starts), pa.py_buffer(data)]
    )
    encoded = pc.dictionary_encode(binary)
    code_of_raw = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32)
    strings = [s.decode("utf-8", "replace") for s in encoded.dictionary.to_pylist()]

    def concat(kind: str, position: int, dtype) -> np.ndarray:
        arrays = [p[kind][position] for p in parts]
        return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype)

    exact = all(p["exact_degrees"] for p in parts)
    node_id = concat("node", 0, np.int64)
    node_lat = _degrees(concat("node", 1, np.int64), exact)
    node_lon = _degrees(concat("node", 2, np.int64), exact)
    counts = {kind: [len(p[kind][0]) for p in parts] for kind in ("node", "way", "relation")}
    bases = {kind: np.cumsum([0, *c[:-1]]).astype(np.int64) for kind, c in counts.items()}

    def tag_columns(kind: str) -> TagColumns:
        objs, keys, vals = [], [], []
        for i, p in enumerate(parts):
            obj, key, val = p["tags"][kind]
            objs.append(obj + bases[kind][i])
            keys.append(code_of_raw[key + string_base[i]])
            vals.append(code_of_raw[val + string_base[i]])
        if not objs:
            return TagColumns(np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32))
        return TagColumns(np.concatenate(objs), np.concatenate(keys), np.concatenate(vals))

    way_count = concat("way", 1, np.int64)
    way_ptr = np.zeros(len(way_count) + 1, np.int64)
    np.cumsum(way_count, out=way_ptr[1:])
    rel_count = concat("relation", 1, np.int64)
    relation_ptr = np.zeros(len(rel_count) + 1, np.int64)
    np.cumsum(rel_count, out=relation_ptr[1:])
    roles = [p["relation"][4] + string_base[i] for i, p in enumerate(parts)]
    member_role = (code_of_raw[np.concatenate(roles)] if roles and len(code_of_raw) else np.zeros(0, np.int32)).astype(
        np.int32
    )
    pbf = PbfData(
        node_id=node_id,
        node_lon=node_lon,
        node_lat=node_lat,
        node_time=concat("node", 3, np.int64),
        way_id=concat("way", 0, np.int64),
        way_ptr=way_ptr,
        way_refs=concat("way", 2, np.int64),
        way_time=concat("way", 3, np.int64),
        relation_id=concat("relation", 0, np.int64),
        relation_ptr=relation_ptr,
        member_id=concat("relation", 2, np.int64),
        member_type=concat("relation", 3, np.int8),
        member_role=member_role if len(member_role) == relation_ptr[-1] else np.zeros(relation_ptr[-1], np.int32),
        relation_time=concat("relation", 5, np.int64),
        node_tags=tag_columns("node"),
        way_tags=tag_columns("way"),
        relation_tags=tag_columns("relation"),
        strings=strings,
        header_bbox=header["bbox"],
        replication_timestamp=header["timestamp"],
        writing_program=header["program"],
    )
    pbf.objects = len(pbf.node_id) + len(pbf.way_id) + len(pbf.relation_id)
    check_order_and_locations(pbf, path)
    return pbf


def check_order_and_locations(pbf: PbfData, path: Path) -> None:
    """Refuse duplicated or unsorted ids and coordinates off the globe, on whole arrays.

    Raises
    ------
    InputDataError
        Naming the first offending object.
    """
    for kind, ids in (("node", pbf.node_id), ("way", pbf.way_id), ("relation", pbf.relation_id)):
        if len(ids) > 1:
            bad = np.flatnonzero(np.diff(ids) <= 0)
            if len(bad):
                raise InputDataError(
                    f"{kind} {ids[bad[0] + 1]} appears more than once or out of order: the file is not a sorted "
                    "OSM extract. Sort it (`osmium sort`) or download the extract again."
                )
    lon, lat = pbf.node_lon, pbf.node_lat
    off = ~((np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0))
    if off.any():
        first = int(np.flatnonzero(off)[0])
        raise InputDataError(
            f"node {pbf.node_id[first]} has coordinates off the globe (lon {lon[first]:g}, lat {lat[first]:g}): "
            "the file is damaged. Download the extract again."
        )
    null_island = (lon == 0.0) & (lat == 0.0)
    if null_island.any():
        first = int(np.flatnonzero(null_island)[0])
        raise InputDataError(
            f"node {pbf.node_id[first]} has coordinates off the globe or unreadable (read as 0°, 0°): the file "
            "is damaged. Download the extract again."
        )
