"""The PBF file's framing: blob headers and blobs, their compression, the header block; errors naming the damage."""

from __future__ import annotations

import datetime as dt
import lzma
import zlib
from pathlib import Path

import numpy as np

from circle.errors import InputDataError

#: the largest blob the format allows (64 MiB uncompressed is far above any writer's 32 MiB).
MAX_BLOB_BYTES = 64 * 1024 * 1024

_SUPPORTED_FEATURES = frozenset({"OsmSchema-V0.6", "DenseNodes"})


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
