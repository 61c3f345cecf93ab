"""The reports' endpoint of the public server: ``GET /api/reports/token`` and ``POST /api/reports``.

A report is refused from its headers where it can be (origin, type, length),
its body is read within :data:`BODY_LIMIT` bytes and :data:`BODY_SECONDS`,
and it is stored through :func:`circle.deploy.reports.submit_report`, which
checks every field and counts the sender's reports in the database.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse
from starlette.routing import Route

from circle.deploy import reports
from circle.deploy._site_files import SITE_NAME, Site

if TYPE_CHECKING:
    from circle.deploy.public_site import PublicSite

#: seconds a report's body may take to arrive
BODY_SECONDS = 10.0
#: the largest report body taken, in bytes
BODY_LIMIT = 4096
_REPORT_KEYS = {"site", "block_id", "kind", "category", "lon", "lat", "text", "contact"}


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


def reports_api(app: PublicSite) -> Starlette:
    """Return the Starlette app of ``/api/``: the report token and the report itself."""
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
    if not isinstance(value, str) or not SITE_NAME.match(value) or f"data/blocks/{value}.json" not in site.files:
        raise _RefusedError(400, "the report's block is not one of the site's blocks.", "block")
    try:
        page = json.loads(site.files[f"data/blocks/{value}.json"].body())
        return str(page.get("block_id") or value)
    except (ValueError, AttributeError):
        return value
