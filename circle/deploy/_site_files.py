"""A published site's files held in memory: read once, compressed once, each with its ETag and headers.

:func:`load_site` reads a folder written by ``circle publish`` (its
``data/site.json`` and every file under it that may be served) into a
:class:`Site`; :class:`circle.deploy._site_folder.SiteFolder` keeps the sites
of a folder and reloads one when it is replaced.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from circle.errors import InputDataError

log = logging.getLogger("circle.public")

#: seconds a browser (or a proxy) may keep scripts, styles and data without asking again
MAX_AGE = 300
#: files larger than this are not served (a site holds small files; posters are a few MB)
FILE_LIMIT = 64 * 1024 * 1024
SITE_FILE = "data/site.json"
#: the folder names served (and the block page ids a report may name): letters, digits, ``.``, ``_``, ``-``
SITE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")
_EARTH_M = 6371008.8
_BOUNDS_MARGIN_M = 1000.0  # a pin may lie this far outside the site's extent (its edge blocks' surroundings)

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".map": "application/json",
}
_COMPRESSIBLE = {".html", ".js", ".mjs", ".css", ".json", ".webmanifest", ".svg", ".txt", ".xml", ".map", ".ico"}


@dataclass(frozen=True)
class StaticFile:
    """One file held in memory: its bytes (or only their gzip), ETag and headers."""

    plain: bytes | None  # None when only the compressed bytes are kept
    gzipped: bytes | None
    etag: bytes
    content_type: bytes
    cache_control: bytes

    def body(self) -> bytes:
        """Return the file's own bytes (decompressed when only the gzip is kept)."""
        return self.plain if self.plain is not None else gzip.decompress(self.gzipped)


@dataclass(frozen=True)
class Site:
    """A published site held in memory."""

    name: str
    folder: Path
    stamp: tuple
    files: dict[str, StaticFile]
    title: str
    study: str
    reports: bool
    bounds: tuple[float, float, float, float] | None  # west, south, east, north in degrees
    categories: frozenset[str] | None

    @property
    def size(self) -> int:
        """Return the bytes held for the site (compressed where compressed)."""
        return sum(len(f.gzipped if f.plain is None else f.plain) for f in self.files.values())


def site_stamp(folder: Path) -> tuple | None:
    """Return what changes when a site folder is replaced or its site.json rewritten; None when it is no site."""
    try:
        own = os.stat(folder)
        described = os.stat(folder / SITE_FILE)
    except OSError:
        return None
    return (own.st_ino, own.st_mtime_ns, described.st_ino, described.st_mtime_ns, described.st_size)


def _static_file(relative: str, data: bytes) -> StaticFile:
    suffix = os.path.splitext(relative)[1].lower()
    content_type = CONTENT_TYPES.get(suffix, "application/octet-stream")
    page = suffix == ".html"
    cache = "no-cache" if page else f"public, max-age={MAX_AGE}"
    etag = b'"' + hashlib.blake2b(data, digest_size=12).hexdigest().encode("ascii") + b'"'
    gzipped = None
    if suffix in _COMPRESSIBLE and len(data) > 200:
        packed = gzip.compress(data, compresslevel=6, mtime=0)
        if len(packed) < len(data) * 0.9:
            gzipped = packed
    return StaticFile(
        plain=None if gzipped is not None else data,
        gzipped=gzipped,
        etag=etag,
        content_type=content_type.encode("ascii"),
        cache_control=cache.encode("ascii"),
    )


def _bounds(described: dict) -> tuple[float, float, float, float] | None:
    """Return the site's extent in degrees (with a margin), from its origin and plane extent; None when unknown."""
    try:
        lon0 = float(described["origin"]["lon"])
        lat0 = float(described["origin"]["lat"])
        xmin, ymin, xmax, ymax = (float(v) for v in described["extent"])
    except (KeyError, TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in (lon0, lat0, xmin, ymin, xmax, ymax)) or abs(lat0) >= 89:
        return None
    across = _EARTH_M * math.cos(math.radians(lat0))
    margin = _BOUNDS_MARGIN_M
    return (
        lon0 + math.degrees((xmin - margin) / across),
        lat0 + math.degrees((ymin - margin) / _EARTH_M),
        lon0 + math.degrees((xmax + margin) / across),
        lat0 + math.degrees((ymax + margin) / _EARTH_M),
    )


def load_site(folder: Path, name: str | None = None) -> Site:
    """Read a published site folder into memory.

    Files and folders whose names start with a dot, symbolic links and files
    over :data:`FILE_LIMIT` are left out.

    Raises
    ------
    InputDataError
        When the folder holds no readable ``data/site.json``.
    """
    folder = Path(folder)
    stamp = site_stamp(folder)
    try:
        described = json.loads((folder / SITE_FILE).read_bytes())
    except (OSError, ValueError) as error:
        raise InputDataError(
            f"{folder / SITE_FILE} is not a readable site description ({type(error).__name__})."
        ) from None
    if not isinstance(described, dict):
        raise InputDataError(f"{folder / SITE_FILE} does not describe a site (a JSON object is expected).")
    files: dict[str, StaticFile] = {}
    for top, folders, names in os.walk(folder, followlinks=False):
        folders[:] = sorted(d for d in folders if not d.startswith(".") and not os.path.islink(os.path.join(top, d)))
        for file_name in sorted(names):
            path = os.path.join(top, file_name)
            if file_name.startswith(".") or os.path.islink(path):
                continue
            try:
                if os.path.getsize(path) > FILE_LIMIT:
                    log.warning("not served (over %d MB): %s", FILE_LIMIT >> 20, path)
                    continue
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError:
                continue  # removed while read: the next look reloads the site
            relative = os.path.relpath(path, folder).replace(os.sep, "/")
            files[relative] = _static_file(relative, data)
    title = described.get("title") if isinstance(described.get("title"), dict) else {}
    categories = described.get("categories")
    keys = (
        frozenset(c["key"] for c in categories if isinstance(c, dict) and isinstance(c.get("key"), str))
        if isinstance(categories, list)
        else None
    )
    return Site(
        name=name or folder.name,
        folder=folder,
        stamp=stamp,
        files=files,
        title=str(title.get("zh") or title.get("en") or folder.name),
        study=str(described.get("name") or folder.name),
        reports=described.get("reports", True) is not False,
        bounds=_bounds(described),
        categories=keys,
    )
