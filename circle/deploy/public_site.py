"""The public server: published resident sites from memory, and the one endpoint residents' reports come in by.

``circle serve --public`` runs this ASGI app on uvicorn. It serves every
folder ``SITES/NAME/`` that holds ``data/site.json`` (written by ``circle
publish``) at ``/NAME/``; ``/`` lists the sites, or leads to the only one.
Nothing of the planner's app is imported (no Streamlit, no ``circle.ui``, no
engine or analysis): the process holds the sites' files, the deployment's
database for reports, and this module.

Static files
    read into memory when the server starts, compressed once (gzip, kept
    compressed only; the rare client that does not take gzip gets them
    decompressed), with a strong ETag (``304 Not Modified`` on
    ``If-None-Match``), ``Cache-Control`` (pages revalidate, the rest may be
    kept :data:`MAX_AGE` seconds), the right content type, ``HEAD``. A path
    is only ever a key of the files read at start: no directory listing, no
    dotfile, no symbolic link, nothing outside a site folder. Every
    :data:`CHECK_SECONDS` a request looks (a few ``stat`` calls) whether a site
    folder was replaced (``circle publish`` renames the new folder in place)
    and reloads that site in a background thread; the old files are served
    until the new ones are ready (and a site missing at one look, as between
    the two renames of a publish, is served until a second look).
Reports
    ``GET /api/reports/token`` gives a page a signed token good for an hour;
    ``POST /api/reports`` takes one report as JSON of at most
    :data:`BODY_LIMIT` bytes (``Content-Type: application/json``), from the
    same origin, with the token in ``X-Circle-Token``::

        {"site": "<the site's folder or site.json name>", "block_id": "<the block page's ID>" | null,
         "kind": "missing" | "closed" | "wrong" | "blocked_path", "category": "<a category key>" | null,
         "lon": 104.06, "lat": 30.66, "text": "<1-500 characters>", "contact": "<at most 100>" | null}

    for a served site that takes reports (``"reports": true``), and stores it
    under the site's study (``site.json``'s ``name``, with the block's own
    ``block_id``) through :func:`circle.deploy.reports.submit_report`, which
    checks every field and counts the sender's reports in the database, so
    several worker processes keep one limit. Answers ``{"ok": true}``, or
    ``{"error": "<plain words>", "code": "<key>"}`` with 400, 403, 413, 415
    or 429 (``code`` lets the page say it in the resident's language).
    Nothing is ever read back: there is no GET of reports.

Every response carries :data:`SECURITY_HEADERS` (a strict Content-Security-Policy,
``nosniff``, ``same-origin`` referrers). There is no WebSocket route (uvicorn
is started with WebSockets off, and the app closes any that reaches it) and no
upload.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import html
import ipaddress
import json
import logging
import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from circle.deploy.config import Deployment
    from circle.deploy.db import Database

log = logging.getLogger("circle.public")

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode("ascii")),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)
#: seconds a browser (or a proxy) may keep scripts, styles and data without asking again
MAX_AGE = 300
#: seconds a report's body may take to arrive
BODY_SECONDS = 10.0
#: seconds between looks at whether a site folder was replaced
CHECK_SECONDS = 2.0
#: the largest report body taken, in bytes
BODY_LIMIT = 4096
#: files larger than this are not served (a site holds small files; posters are a few MB)
FILE_LIMIT = 64 * 1024 * 1024
SITE_FILE = "data/site.json"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")
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
_REPORT_KEYS = {"site", "block_id", "kind", "category", "lon", "lat", "text", "contact"}


# the files of one site ----------------------------------------------------------------------------------


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


def _stamp(folder: Path) -> tuple | None:
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
    from circle.errors import InputDataError

    folder = Path(folder)
    stamp = _stamp(folder)
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


class SiteFolder:
    """The published sites under one folder, held in memory and reloaded when a site folder is replaced.

    Parameters
    ----------
    root : pathlib.Path
        The folder whose subfolders ``NAME/`` holding ``data/site.json`` are served at ``/NAME/``.
    allowed : callable, optional
        ``allowed(folder_name, study_name)``: whether a site may be served (default: all).
    check_seconds : float
        How often a request looks for replaced sites.
    """

    def __init__(
        self,
        root: Path,
        allowed: Callable[[str, str], bool] | None = None,
        check_seconds: float = CHECK_SECONDS,
    ) -> None:
        self.root = Path(root)
        self.allowed = allowed or (lambda _folder, _study: True)
        self.check_seconds = check_seconds
        self.sites: dict[str, Site] = {}
        self.left_out: dict[str, str] = {}  # folder name -> why it is not served
        self._checked = 0.0
        self._root_stamp: tuple | None = None
        self._missing: set[str] = set()  # served sites not found at the last look (kept for one more)
        self._loading = threading.Lock()
        self.refresh()

    def refresh(self) -> bool:
        """Look at the folder now and load every site that is new or replaced; return whether anything changed."""
        with self._loading:
            self._checked = time.monotonic()
            self._root_stamp = self._stat_root()
            sites: dict[str, Site] = {}
            left_out: dict[str, str] = {}
            try:
                entries = sorted(os.scandir(self.root), key=lambda e: e.name)
            except OSError:
                entries = []
            for entry in entries:
                if entry.name.startswith(".") or entry.is_symlink() or not entry.is_dir():
                    continue  # a symbolic link could lead anywhere on the server
                folder = Path(entry.path)
                stamp = _stamp(folder)
                if stamp is None:
                    continue
                if not _NAME.match(entry.name):
                    left_out[entry.name] = "its name is not usable in an address"
                    continue
                known = self.sites.get(entry.name)
                if known is not None and known.stamp == stamp:
                    sites[entry.name] = known
                    continue
                try:
                    site = load_site(folder)
                except Exception as error:  # one broken site must not stop the others
                    left_out[entry.name] = str(error)
                    if known is not None:
                        sites[entry.name] = known  # keep what was served until a readable one replaces it
                    continue
                if not self.allowed(entry.name, site.study):
                    left_out[entry.name] = f"the study {site.study!r} is not among the deployment's public studies"
                    continue
                sites[entry.name] = site
                log.info("serving %s at /%s/ (%d files)", folder, entry.name, len(site.files))
            gone = set(self.sites) - set(sites) - set(left_out)
            for name in gone - self._missing:  # between publish's two renames: keep it until a second look
                sites[name] = self.sites[name]
            self._missing = gone - self._missing
            changed = sites.keys() != self.sites.keys() or any(sites[k] is not self.sites[k] for k in sites)
            self.sites = sites  # one assignment: a request sees the old set or the new one
            self.left_out = left_out
            return changed

    def find(self, name: object) -> Site | None:
        """Return the served site whose folder or study is called ``name`` (a report names either), or None."""
        if not isinstance(name, str):
            return None
        found = self.sites.get(name)
        if found is None:
            found = next((site for site in self.sites.values() if site.study == name), None)
        return found

    def maybe_refresh(self) -> None:
        """Look for replaced sites when :attr:`check_seconds` have passed, reloading in a background thread."""
        now = time.monotonic()
        if now - self._checked < self.check_seconds or self._loading.locked():
            return
        self._checked = now
        if not self._changed_on_disk():
            return
        threading.Thread(target=self.refresh, name="circle-sites-reload", daemon=True).start()

    def _stat_root(self) -> tuple | None:
        try:
            own = os.stat(self.root)
        except OSError:
            return None
        return (own.st_ino, own.st_mtime_ns)

    def _changed_on_disk(self) -> bool:
        """Whether the root or any served site's stamp differs from what is held (a few ``stat`` calls)."""
        root_stamp = self._stat_root()
        if root_stamp != self._root_stamp:
            self._root_stamp = root_stamp
            return True
        return bool(self._missing) or any(_stamp(site.folder) != site.stamp for site in self.sites.values())


# the ASGI app --------------------------------------------------------------------------------------------


def _header(scope: dict, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


def _host_name(value: bytes | None) -> str:
    """Return the host name of a Host header, without its port, in lower case."""
    text = (value or b"").decode("latin-1").strip().lower()
    if text.startswith("["):
        return text[1:].partition("]")[0]
    return text.rpartition(":")[0] if text.count(":") == 1 else text


def _accepts_gzip(value: bytes | None) -> bool:
    if not value:
        return False
    for part in value.decode("latin-1").lower().split(","):
        token, _, params = part.strip().partition(";")
        if token.strip() in ("gzip", "*"):
            quality = params.strip()
            return not (quality.startswith("q=") and quality[2:].strip() in ("0", "0.0", "0.00", "0.000"))
    return False


def _etag_matches(value: bytes | None, etag: bytes) -> bool:
    if not value:
        return False
    if value.strip() == b"*":
        return True
    for candidate in value.split(b","):
        candidate = candidate.strip()
        if candidate.startswith(b"W/"):
            candidate = candidate[2:]
        if candidate in (etag, etag[:-1] + b'-gz"'):
            return True
    return False


async def _respond(
    send,
    status: int,
    body: bytes = b"",
    headers: Iterable[tuple[bytes, bytes]] = (),
    content_type: bytes = b"text/plain; charset=utf-8",
    head: bool = False,
) -> None:
    extra = list(headers)
    names = {k for k, _ in extra}
    if b"content-type" not in names and status != 304:
        extra.append((b"content-type", content_type))
    if status != 304:
        extra.append((b"content-length", str(len(body)).encode("ascii")))
    await send({"type": "http.response.start", "status": status, "headers": [*extra, *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": b"" if head or status == 304 else body})


def _page(title: str, paragraphs: Iterable[str]) -> bytes:
    inner = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head>"
        '<body style="font: 20px/1.5 sans-serif; margin: 1.5em; max-width: 40em">'
        f"<h1>{html.escape(title)}</h1>{inner}</body></html>"
    ).encode()


_NOT_FOUND = _page("没有这个页面 · Not found", ["这个地址没有页面。The page you asked for is not here."])


class PublicSite:
    """The public server's ASGI app: static sites (a lean path of its own) and the reports' endpoint (Starlette).

    Parameters
    ----------
    sites : SiteFolder
        The sites served.
    database : Database or callable returning one, optional
        The deployment's database, for reports; without it the reports' endpoint answers 503.
    trusted_proxies : iterable of str
        Peers whose ``X-Forwarded-For`` names the visitor's address.
    hosts : iterable of str
        The host names browsers reach the server by; requests naming another are refused (none: any).
    """

    def __init__(
        self,
        sites: SiteFolder,
        database: Database | Callable[[], Database] | None = None,
        trusted_proxies: Iterable[str] = (),
        hosts: Iterable[str] = (),
    ) -> None:
        self.sites = sites
        self._database = database
        self.trusted = _networks(trusted_proxies)
        self.hosts = frozenset(h.strip().lower() for h in hosts if h.strip())
        self.api = _api(self)

    def database(self) -> Database | None:
        """Return the deployment's database (opened on first use when given as a callable)."""
        if callable(self._database):
            self._database = self._database()
        return self._database

    async def __call__(self, scope: dict, receive, send) -> None:
        """Answer one ASGI connection: HTTP, a refused WebSocket, or the server's lifespan."""
        kind = scope["type"]
        if kind in ("http", "websocket") and self.hosts and _host_name(_header(scope, b"host")) not in self.hosts:
            if kind == "http":
                await _respond(send, 421, b"this server does not answer to that host name\n")
            else:
                await send({"type": "websocket.close", "code": 1008})
            return
        if kind == "http":
            if scope["path"].startswith("/api/"):
                await self.api(scope, receive, _secured(send))
            else:
                await self.static(scope, send)
        elif kind == "websocket":  # there is none: refuse before accepting (an HTTP 403 to the upgrade)
            await send({"type": "websocket.close", "code": 1008})
        elif kind == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return

    async def static(self, scope: dict, send) -> None:
        """Answer a GET or HEAD for a file of a served site from memory."""
        method = scope["method"]
        head = method == "HEAD"
        if method not in ("GET", "HEAD"):
            await _respond(send, 405, b"only GET and HEAD are served here\n", [(b"allow", b"GET, HEAD")])
            return
        self.sites.maybe_refresh()
        path: str = scope["path"]
        sites = self.sites.sites
        if path == "/":
            await self._home(send, sites, head)
            return
        name, slash, rest = path[1:].partition("/")
        site = sites.get(name)
        if site is None or "\\" in path or "\x00" in path:
            await _respond(send, 404, _NOT_FOUND, content_type=b"text/html; charset=utf-8", head=head)
            return
        if not slash:
            query = scope.get("query_string") or b""
            location = f"/{name}/".encode() + (b"?" + query if query else b"")
            await _respond(send, 301, b"", [(b"location", location)], head=head)
            return
        if rest == "" or rest.endswith("/"):
            rest += "index.html"
        found = None
        if not any(part in ("", ".", "..") or part.startswith(".") for part in rest.split("/")):
            found = site.files.get(rest)
        if found is None:
            await _respond(send, 404, _NOT_FOUND, content_type=b"text/html; charset=utf-8", head=head)
            return
        await self._file(scope, send, found, head)

    async def _file(self, scope: dict, send, found: StaticFile, head: bool) -> None:
        compressed = found.gzipped is not None
        use_gzip = compressed and _accepts_gzip(_header(scope, b"accept-encoding"))
        etag = found.etag[:-1] + b'-gz"' if use_gzip else found.etag
        headers = [(b"etag", etag), (b"cache-control", found.cache_control)]
        if compressed:
            headers.append((b"vary", b"Accept-Encoding"))
        if _etag_matches(_header(scope, b"if-none-match"), found.etag):
            await _respond(send, 304, b"", headers)
            return
        headers.append((b"content-type", found.content_type))
        if use_gzip:
            headers.append((b"content-encoding", b"gzip"))
            body = found.gzipped
        else:
            body = found.body()
        await _respond(send, 200, body, headers, head=head)

    async def _home(self, send, sites: dict[str, Site], head: bool) -> None:
        if len(sites) == 1:
            (name,) = sites
            await _respond(send, 302, b"", [(b"location", f"/{name}/".encode()), (b"cache-control", b"no-cache")])
            return
        if not sites:
            body = _page(
                "尚未发布 · Nothing published yet",
                ["这里还没有发布的生活圈网站。No resident site is published here yet."],
            )
            await _respond(send, 404, body, content_type=b"text/html; charset=utf-8", head=head)
            return
        links = [
            f'<a href="/{html.escape(name)}/">{html.escape(site.title)}</a>' for name, site in sorted(sites.items())
        ]
        body = _page("15分钟生活圈 · 15-minute living circles", links)
        await _respond(
            send, 200, body, [(b"cache-control", b"no-cache")], content_type=b"text/html; charset=utf-8", head=head
        )

    def client_address(self, scope: dict) -> str:
        """Return the visitor's address: the peer, or behind a trusted proxy the last untrusted X-Forwarded-For hop."""
        peer = (scope.get("client") or ("unknown", 0))[0]
        if not self.trusted or not _trusted(peer, self.trusted):
            return peer
        forwarded = _header(scope, b"x-forwarded-for")
        if not forwarded:
            return peer
        hops = [hop.strip() for hop in forwarded.decode("latin-1").split(",") if hop.strip()]
        for hop in reversed(hops):
            if not _trusted(hop, self.trusted):
                return hop
        return hops[0] if hops else peer


def _networks(values: Iterable[str]) -> tuple:
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            log.warning("trusted proxy %r is no address or network; ignored", value)
    return tuple(networks)


def _trusted(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _secured(send):
    """Return ``send`` adding :data:`SECURITY_HEADERS` to the response's start."""

    async def wrapped(message: dict) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), *SECURITY_HEADERS]}
        await send(message)

    return wrapped


# the reports' endpoint ----------------------------------------------------------------------------------


class _RefusedError(Exception):
    def __init__(self, status: int, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def _same_origin(headers, host: str | None) -> bool:
    """Whether the request comes from a page of this server (its Origin, else Sec-Fetch-Site, says so)."""
    origin = headers.get("origin")
    if origin is not None:
        if not host or origin == "null":
            return False
        scheme, _, rest = origin.partition("://")
        return scheme in ("http", "https") and rest.lower() == host.lower()
    return headers.get("sec-fetch-site") == "same-origin"


async def _body(request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise _RefusedError(400, "the request's length is not a number.")
        if int(declared) > limit:
            raise _RefusedError(413, f"a report is at most {limit} bytes.", "too_large")
    from starlette.requests import ClientDisconnect

    received = bytearray()

    async def read() -> None:
        async for chunk in request.stream():
            received.extend(chunk)
            if len(received) > limit:
                raise _RefusedError(413, f"a report is at most {limit} bytes.", "too_large")

    try:
        async with asyncio.timeout(BODY_SECONDS):  # a body sent a byte at a time must not hold a connection
            await read()
    except ClientDisconnect:
        raise _RefusedError(400, "the report was not sent whole.", "invalid") from None
    except TimeoutError:
        raise _RefusedError(408, "the report took too long to arrive.", "invalid") from None
    return bytes(received)


def _no_constants(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _payload(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _RefusedError(400, "the report is not readable JSON.") from None
    if not isinstance(payload, dict):
        raise _RefusedError(400, "the report is not a JSON object.")
    unknown = sorted(set(payload) - _REPORT_KEYS)
    if unknown:
        raise _RefusedError(400, f"the report has fields no report has: {', '.join(map(str, unknown))[:200]}.")
    return payload


def _api(app: PublicSite):
    """Return the Starlette app of ``/api/``: the report token and the report itself."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from circle.deploy import reports

    no_store = {"cache-control": "no-store"}

    def answer(status: int, content: dict) -> JSONResponse:
        return JSONResponse(content, status_code=status, headers=no_store)

    async def token(request) -> JSONResponse:
        database = await run_in_threadpool(app.database)
        if database is None:
            return answer(503, {"error": "this server takes no reports."})
        issued = await run_in_threadpool(reports.issue_token, database)
        return answer(200, {"token": issued})

    async def submit(request) -> JSONResponse:
        try:
            database = await run_in_threadpool(app.database)
            if database is None:
                raise _RefusedError(503, "this server takes no reports.", "off")
            if not _same_origin(request.headers, request.headers.get("host")):
                raise _RefusedError(403, "reports are taken only from this site's own pages.", "origin")
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != "application/json":
                raise _RefusedError(415, "a report is sent as application/json.", "content_type")
            body = await _body(request, BODY_LIMIT)
            valid = await run_in_threadpool(reports.token_valid, database, request.headers.get("x-circle-token"))
            if not valid:
                raise _RefusedError(403, "the page's report token is missing or expired; reload the page.", "token")
            payload = _payload(body)
            site = app.sites.find(payload.get("site"))
            if site is None:
                raise _RefusedError(400, "the report does not name a site served here.", "site")
            if not site.reports:
                raise _RefusedError(403, "this site takes no reports.", "off")
            block = _block_id(site, payload.get("block_id"))
            await run_in_threadpool(
                lambda: reports.submit_report(
                    database,
                    site=site.study,  # the study's name: the planner's triage lists a study's reports
                    block_id=block,
                    kind=payload.get("kind"),
                    category=payload.get("category"),
                    lon=payload.get("lon"),
                    lat=payload.get("lat"),
                    text=payload.get("text"),
                    contact=payload.get("contact"),
                    address=app.client_address(request.scope),
                    bounds=site.bounds,
                    categories=site.categories,
                )
            )
        except _RefusedError as refused:
            return answer(refused.status, {"error": str(refused), "code": refused.code})
        except reports.ReportRefused as refused:
            status = 429 if refused.code == "too_many" else 400
            return answer(status, {"error": str(refused), "code": refused.code})
        return answer(200, {"ok": True})

    api = Starlette(
        routes=[
            Route("/api/reports/token", token, methods=["GET"]),
            Route("/api/reports", submit, methods=["POST"]),
        ],
    )
    api.router.redirect_slashes = False  # no redirect that echoes the Host header
    return api


def _block_id(site: Site, value: object) -> str | None:
    """Return the study's block id of the page ``value`` names (its page id), or None when no block is named."""
    if value is None:
        return None
    if not isinstance(value, str) or not _NAME.match(value) or f"data/blocks/{value}.json" not in site.files:
        raise _RefusedError(400, "the report's block is not one of the site's blocks.", "block")
    try:
        page = json.loads(site.files[f"data/blocks/{value}.json"].body())
        return str(page.get("block_id") or value)
    except (ValueError, AttributeError):
        return value


# making the app from the deployment -----------------------------------------------------------------------


def sites_allowed(deployment: Deployment) -> Callable[[str, str], bool]:
    """Return which sites a deployment serves: all, or those of its public studies when its settings name them."""
    if not deployment.public_studies_set:
        return lambda _folder, _study: True
    return lambda folder, study: deployment.is_public_study(folder) or deployment.is_public_study(study)


def find_sites(root: Path, allowed: Callable[[str, str], bool]) -> list[tuple[str, str, str | None]]:
    """Return the site folders under ``root`` as (folder name, study name, why it is not served or None).

    Only each ``data/site.json`` is read (for the command line to say what it will serve).
    """
    found = []
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return []
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir() or _stamp(Path(entry.path)) is None:
            continue
        try:
            described = json.loads((Path(entry.path) / SITE_FILE).read_bytes())
            study = str(described.get("name") or entry.name)
        except (OSError, ValueError, AttributeError):
            found.append((entry.name, entry.name, f"its {SITE_FILE} is not readable"))
            continue
        if not _NAME.match(entry.name):
            found.append((entry.name, study, "its name is not usable in an address"))
        elif not allowed(entry.name, study):
            found.append((entry.name, study, f"the study {study!r} is not among the deployment's public studies"))
        else:
            found.append((entry.name, study, None))
    return found


def create_app(
    deployment: Deployment, sites: Path | None = None, reports: bool = True, hosts: Iterable[str] = ()
) -> PublicSite:
    """Return the public server's app for a deployment, its sites read into memory and its database upgraded.

    Parameters
    ----------
    deployment : Deployment
        The settings (sites folder, public studies, database, trusted proxies).
    sites : pathlib.Path, optional
        The sites folder (default: :attr:`Deployment.sites_folder`).
    reports : bool
        Whether to take residents' reports (the deployment's database is opened now when so).
    hosts : iterable of str
        The host names the server answers to (default: any).
    """
    from circle.deploy.db import database_url, open_database

    folder = SiteFolder(Path(sites) if sites is not None else deployment.sites_folder, sites_allowed(deployment))
    database = open_database(database_url(deployment)) if reports else None
    return PublicSite(folder, database, deployment.trusted_proxies, hosts)


def _quiet_upgrades(record: logging.LogRecord) -> bool:
    """Drop uvicorn's two warnings per refused WebSocket upgrade (a stranger could fill the log with them)."""
    message = str(record.msg)
    return not message.startswith(("Unsupported upgrade request", "No supported WebSocket library"))


#: environment variables :func:`app_from_environment` reads (set by ``circle serve --public``)
ENV_SITES = "CIRCLE_PUBLIC_SITES"
ENV_REPORTS = "CIRCLE_PUBLIC_REPORTS"
ENV_HOSTS = "CIRCLE_PUBLIC_HOSTS"  # comma-separated host names


def app_from_environment() -> PublicSite:
    """Return the app for the settings in the environment (uvicorn's factory, once in each worker process)."""
    from circle.deploy.config import load_deployment

    logging.getLogger("uvicorn.error").addFilter(_quiet_upgrades)
    sites = os.environ.get(ENV_SITES)
    return create_app(
        load_deployment(),
        Path(sites) if sites else None,
        reports=os.environ.get(ENV_REPORTS, "1") != "0",
        hosts=os.environ.get(ENV_HOSTS, "").split(","),
    )
