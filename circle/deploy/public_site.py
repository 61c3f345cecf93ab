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

This module routes and makes the app; the work is done in internal modules:
:mod:`~circle.deploy._site_files` (a site's files in memory),
:mod:`~circle.deploy._site_folder` (the sites of a folder, reloaded when
replaced), :mod:`~circle.deploy._http` (headers, ETag and gzip, the visitor's
address) and :mod:`~circle.deploy._reports_api` (the reports' endpoint).
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from circle.deploy._http import (
    CSP,
    NOT_FOUND,
    SECURITY_HEADERS,
    client_address,
    header,
    host_name,
    page,
    respond,
    secured,
    send_file,
    trusted_networks,
)
from circle.deploy._reports_api import BODY_LIMIT, BODY_SECONDS, reports_api
from circle.deploy._site_files import (
    CONTENT_TYPES,
    FILE_LIMIT,
    MAX_AGE,
    SITE_FILE,
    Site,
    StaticFile,
    load_site,
)
from circle.deploy._site_folder import CHECK_SECONDS, SiteFolder, find_sites
from circle.deploy.config import Deployment, load_deployment
from circle.deploy.db import Database, database_url, open_database

__all__ = [
    "BODY_LIMIT",
    "BODY_SECONDS",
    "CHECK_SECONDS",
    "CONTENT_TYPES",
    "CSP",
    "ENV_HOSTS",
    "ENV_REPORTS",
    "ENV_SITES",
    "FILE_LIMIT",
    "MAX_AGE",
    "SECURITY_HEADERS",
    "SITE_FILE",
    "PublicSite",
    "Site",
    "SiteFolder",
    "StaticFile",
    "app_from_environment",
    "create_app",
    "find_sites",
    "load_site",
    "sites_allowed",
]

#: environment variables :func:`app_from_environment` reads (set by ``circle serve --public``)
ENV_SITES = "CIRCLE_PUBLIC_SITES"
ENV_REPORTS = "CIRCLE_PUBLIC_REPORTS"
ENV_HOSTS = "CIRCLE_PUBLIC_HOSTS"  # comma-separated host names


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
        self.trusted = trusted_networks(trusted_proxies)
        self.hosts = frozenset(h.strip().lower() for h in hosts if h.strip())
        self.api = reports_api(self)

    def database(self) -> Database | None:
        """Return the deployment's database (opened on first use when given as a callable)."""
        if callable(self._database):
            self._database = self._database()
        return self._database

    async def __call__(self, scope: dict, receive, send) -> None:
        """Answer one ASGI connection: HTTP, a refused WebSocket, or the server's lifespan."""
        kind = scope["type"]
        if kind in ("http", "websocket") and self.hosts and host_name(header(scope, b"host")) not in self.hosts:
            if kind == "http":
                await respond(send, 421, b"this server does not answer to that host name\n")
            else:
                await send({"type": "websocket.close", "code": 1008})
            return
        if kind == "http":
            if scope["path"].startswith("/api/"):
                await self.api(scope, receive, secured(send))
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
            await respond(send, 405, b"only GET and HEAD are served here\n", [(b"allow", b"GET, HEAD")])
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
            await respond(send, 404, NOT_FOUND, content_type=b"text/html; charset=utf-8", head=head)
            return
        if not slash:
            query = scope.get("query_string") or b""
            location = f"/{name}/".encode() + (b"?" + query if query else b"")
            await respond(send, 301, b"", [(b"location", location)], head=head)
            return
        if rest == "" or rest.endswith("/"):
            rest += "index.html"
        found = None
        if not any(part in ("", ".", "..") or part.startswith(".") for part in rest.split("/")):
            found = site.files.get(rest)
        if found is None:
            await respond(send, 404, NOT_FOUND, content_type=b"text/html; charset=utf-8", head=head)
            return
        await send_file(scope, send, found, head)

    async def _home(self, send, sites: dict[str, Site], head: bool) -> None:
        if len(sites) == 1:
            (name,) = sites
            await respond(send, 302, b"", [(b"location", f"/{name}/".encode()), (b"cache-control", b"no-cache")])
            return
        if not sites:
            body = page(
                "尚未发布 · Nothing published yet",
                ["这里还没有发布的生活圈网站。No resident site is published here yet."],
            )
            await respond(send, 404, body, content_type=b"text/html; charset=utf-8", head=head)
            return
        links = [
            f'<a href="/{html.escape(name)}/">{html.escape(site.title)}</a>' for name, site in sorted(sites.items())
        ]
        body = page("15分钟生活圈 · 15-minute living circles", links)
        await respond(
            send, 200, body, [(b"cache-control", b"no-cache")], content_type=b"text/html; charset=utf-8", head=head
        )

    def client_address(self, scope: dict) -> str:
        """Return the visitor's address: the peer, or behind a trusted proxy the last untrusted X-Forwarded-For hop."""
        return client_address(scope, self.trusted)


# making the app from the deployment -----------------------------------------------------------------------


def sites_allowed(deployment: Deployment) -> Callable[[str, str], bool]:
    """Return which sites a deployment serves: all, or those of its public studies when its settings name them."""
    if not deployment.public_studies_set:
        return lambda _folder, _study: True
    return lambda folder, study: deployment.is_public_study(folder) or deployment.is_public_study(study)


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
    folder = SiteFolder(Path(sites) if sites is not None else deployment.sites_folder, sites_allowed(deployment))
    database = open_database(database_url(deployment)) if reports else None
    return PublicSite(folder, database, deployment.trusted_proxies, hosts)


def _quiet_upgrades(record: logging.LogRecord) -> bool:
    """Drop uvicorn's two warnings per refused WebSocket upgrade (a stranger could fill the log with them)."""
    message = str(record.msg)
    return not message.startswith(("Unsupported upgrade request", "No supported WebSocket library"))


def app_from_environment() -> PublicSite:
    """Return the app for the settings in the environment (uvicorn's factory, once in each worker process)."""
    logging.getLogger("uvicorn.error").addFilter(_quiet_upgrades)
    sites = os.environ.get(ENV_SITES)
    return create_app(
        load_deployment(),
        Path(sites) if sites else None,
        reports=os.environ.get(ENV_REPORTS, "1") != "0",
        hosts=os.environ.get(ENV_HOSTS, "").split(","),
    )
