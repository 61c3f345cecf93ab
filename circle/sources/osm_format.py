"""What an OSM file is (PBF, XML, an archive, something else), its header's bounds, and reading OSM XML."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import osmium

from circle.errors import InputDataError
from circle.sources.pbf import PbfData, read_pbf


def detect_format(path: Path) -> str:
    """Return ``"pbf"`` or ``"osm"`` from a file's first bytes, not its name.

    Parameters
    ----------
    path : pathlib.Path
        The file to inspect.

    Returns
    -------
    str
        The osmium format name.

    Raises
    ------
    InputDataError
        When the file is missing, empty or neither PBF nor OSM XML.
    """
    if not path.exists():
        raise InputDataError(f"{path} does not exist. Check the path and run again.")
    if path.is_dir():
        raise InputDataError(f"{path} is a folder; give an .osm.pbf or .osm file.")
    size = path.stat().st_size
    if size == 0:
        raise InputDataError(
            f"{path} is empty (0 bytes): the download or copy was probably cut short. Fetch the extract again."
        )
    with path.open("rb") as handle:
        head = handle.read(64)
    if b"OSMHeader" in head[:32]:
        return "pbf"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<?xml") or text.startswith(b"<osm"):
        return "osm"
    raise InputDataError(
        f"{path} is neither an OpenStreetMap PBF nor an OSM XML file{_looks_like(head)}. Give an .osm.pbf or "
        ".osm extract, for example from a regional OpenStreetMap download site."
    )


_ARCHIVES = {
    b"\x1f\x8b": "a gzip archive: unpack it first",
    b"BZh": "a bzip2 archive: unpack it first (bunzip2)",
    b"PK\x03\x04": "a ZIP archive: unpack it first",
    b"\xfd7zXZ": "an xz archive: unpack it first (unxz)",
    b"7z\xbc\xaf": "a 7-Zip archive: unpack it first",
}


def _looks_like(head: bytes) -> str:
    """Say what kind of file ``head`` opens, naming a known archive format but never echoing the bytes."""
    for magic, kind in _ARCHIVES.items():
        if head.startswith(magic):
            return f" (it is {kind})"
    return ""


def _read_xml(path: Path, keys: dict[str, int]) -> PbfData:
    """Convert OSM XML to PBF with libosmium (no Python per object), then decode it."""
    with tempfile.TemporaryDirectory(prefix="circle-xml-") as scratch:
        converted = Path(scratch) / "converted.osm.pbf"
        try:
            osmium.apply(osmium.io.File(str(path), "osm"), osmium.WriteHandler(str(converted)))
        except osmium.InvalidLocationError as exc:
            raise InputDataError(
                f"{path} has a node whose coordinates are not numbers on the globe: the file is damaged. "
                "Download the extract again."
            ) from exc
        except (RuntimeError, ValueError, OSError) as exc:
            raise InputDataError(
                f"{path} could not be read as OSM XML ({_xml_problem(exc)}). The file is probably truncated or "
                "damaged; download the extract again."
            ) from exc
        pbf = read_pbf(converted, keys)
    header = _xml_header(path)
    pbf.header_bbox, pbf.replication_timestamp = header
    return pbf


_XML_PARSE_ERROR = re.compile(r"XML parsing error at line (\d+), column (\d+): ([a-z ()]+)")


def _xml_problem(exc: Exception) -> str:
    """Say where and how libosmium failed on an XML file without repeating the file's text.

    libosmium quotes attribute values in some messages (a version, a
    coordinate); only the parser's position and its fixed description are kept.
    """
    found = _XML_PARSE_ERROR.search(str(exc))
    if found:
        line, column, what = found.groups()
        return f"XML error at line {line}, column {column}: {what.strip()}"
    if "version" in str(exc).lower():
        return "its <osm> element declares a version other than 0.6"
    return type(exc).__name__


def _xml_header(path: Path) -> tuple[tuple[float, float, float, float] | None, str | None]:
    try:
        reader = osmium.io.Reader(osmium.io.File(str(path), "osm"), osmium.osm.osm_entity_bits.NOTHING)
        try:
            header = reader.header()
            box = header.box()
            stamp = header.get("osmosis_replication_timestamp") or None
        finally:
            reader.close()
    except (RuntimeError, ValueError, OSError):
        return None, None
    if not box.valid():
        return None, stamp
    return (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat), stamp


def header_bounds(path: Path) -> tuple[float, float, float, float] | None:
    """Return the bounding box a file's header declares (west, south, east, north), or None."""
    try:
        reader = osmium.io.Reader(osmium.io.File(str(path), detect_format(path)), osmium.osm.osm_entity_bits.NOTHING)
        try:
            box = reader.header().box()
        finally:
            reader.close()
    except (RuntimeError, ValueError, OSError, InputDataError):
        return None
    if not box.valid():
        return None
    return box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat
