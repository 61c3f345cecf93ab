"""The public server's HTTP: reading a request's headers, the visitor behind trusted proxies, and answering.

Every answer carries :data:`SECURITY_HEADERS`; a site's file is answered from
memory with its ETag (``304 Not Modified`` on ``If-None-Match``) and gzip when
the client takes it (:func:`send_file`).
"""

from __future__ import annotations

import html
import ipaddress
import logging
from collections.abc import Iterable

from circle.deploy._site_files import StaticFile

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


def header(scope: dict, name: bytes) -> bytes | None:
    """Return the value of the request header ``name`` (lower case), or None."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


def host_name(value: bytes | None) -> str:
    """Return the host name of a Host header, without its port, in lower case."""
    text = (value or b"").decode("latin-1").strip().lower()
    if text.startswith("["):
        return text[1:].partition("]")[0]
    return text.rpartition(":")[0] if text.count(":") == 1 else text


def accepts_gzip(value: bytes | None) -> bool:
    """Whether an ``Accept-Encoding`` value takes gzip (and does not refuse it with ``q=0``)."""
    if not value:
        return False
    for part in value.decode("latin-1").lower().split(","):
        token, _, params = part.strip().partition(";")
        if token.strip() in ("gzip", "*"):
            quality = params.strip()
            return not (quality.startswith("q=") and quality[2:].strip() in ("0", "0.0", "0.00", "0.000"))
    return False


def etag_matches(value: bytes | None, etag: bytes) -> bool:
    """Whether an ``If-None-Match`` value names ``etag`` (plain or gzip, strong or weak) or ``*``."""
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


async def respond(
    send,
    status: int,
    body: bytes = b"",
    headers: Iterable[tuple[bytes, bytes]] = (),
    content_type: bytes = b"text/plain; charset=utf-8",
    head: bool = False,
) -> None:
    """Send a whole answer with its length, content type and :data:`SECURITY_HEADERS` (no body for HEAD or 304)."""
    extra = list(headers)
    names = {k for k, _ in extra}
    if b"content-type" not in names and status != 304:
        extra.append((b"content-type", content_type))
    if status != 304:
        extra.append((b"content-length", str(len(body)).encode("ascii")))
    await send({"type": "http.response.start", "status": status, "headers": [*extra, *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": b"" if head or status == 304 else body})


def page(title: str, paragraphs: Iterable[str]) -> bytes:
    """Return a small bilingual HTML page (``paragraphs`` are HTML, the title is escaped)."""
    inner = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head>"
        '<body style="font: 20px/1.5 sans-serif; margin: 1.5em; max-width: 40em">'
        f"<h1>{html.escape(title)}</h1>{inner}</body></html>"
    ).encode()


NOT_FOUND = page("没有这个页面 · Not found", ["这个地址没有页面。The page you asked for is not here."])


async def send_file(scope: dict, send, found: StaticFile, head: bool) -> None:
    """Answer a request for a site's file from memory: gzip when the client takes it, 304 when its ETag matches."""
    compressed = found.gzipped is not None
    use_gzip = compressed and accepts_gzip(header(scope, b"accept-encoding"))
    etag = found.etag[:-1] + b'-gz"' if use_gzip else found.etag
    headers = [(b"etag", etag), (b"cache-control", found.cache_control)]
    if compressed:
        headers.append((b"vary", b"Accept-Encoding"))
    if etag_matches(header(scope, b"if-none-match"), found.etag):
        await respond(send, 304, b"", headers)
        return
    headers.append((b"content-type", found.content_type))
    if use_gzip:
        headers.append((b"content-encoding", b"gzip"))
        body = found.gzipped
    else:
        body = found.body()
    await respond(send, 200, body, headers, head=head)


def client_address(scope: dict, trusted: tuple) -> str:
    """Return the visitor's address: the peer, or behind a trusted proxy the last untrusted X-Forwarded-For hop."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    if not trusted or not is_trusted(peer, trusted):
        return peer
    forwarded = header(scope, b"x-forwarded-for")
    if not forwarded:
        return peer
    hops = [hop.strip() for hop in forwarded.decode("latin-1").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


def trusted_networks(values: Iterable[str]) -> tuple:
    """Return the trusted proxies' networks; a value that is no address or network is logged and left out."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            log.warning("trusted proxy %r is no address or network; ignored", value)
    return tuple(networks)


def is_trusted(address: str, networks: tuple) -> bool:
    """Whether ``address`` lies in one of ``networks`` (an unreadable address never does)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def secured(send):
    """Return ``send`` adding :data:`SECURITY_HEADERS` to the response's start."""

    async def wrapped(message: dict) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), *SECURITY_HEADERS]}
        await send(message)

    return wrapped
