"""The servers ``circle serve`` runs, with the settings a production server needs.

``full`` is Streamlit serving ``app.py`` (the resident page to everyone, the
planner's pages after sign-in), behind :mod:`circle.deploy.guard`
(:func:`streamlit_command`). ``public`` (``circle serve --public``) is the
public server of :mod:`circle.deploy.public_site`: the published resident
sites from memory and the residents' reports endpoint, on uvicorn, with no
Streamlit, no planner code, no WebSocket and no upload
(:func:`public_command`, which runs ``python -m circle.deploy.serve``).

``streamlit_command("public")`` (the Streamlit resident page alone,
``public_app.py``) is kept for measuring the old page against the published
site (``benchmarks/``); ``circle serve`` no longer runs it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from circle.deploy.config import REPOSITORY

try:
    import httptools  # noqa: F401 (probed: the faster HTTP parser, when installed)

    HTTP_PARSER = "httptools"
except ImportError:  # pragma: no cover (a pinned dependency)
    HTTP_PARSER = "h11"

ENTRY_SCRIPTS = {"full": REPOSITORY / "app.py", "public": REPOSITORY / "public_app.py"}
#: megabytes a browser may send in one file: the planner's OSM uploads; the resident page takes none
UPLOAD_LIMIT_MB = {"full": 200, "public": 1}


def production_settings(mode: str, address: str, port: int, hosts: Sequence[str] = ()) -> dict[str, str]:
    """Return the Streamlit settings of a production server, as ``--section.option`` values.

    - no developer toolbar, no source-file watching, no error details or
      tracebacks in the browser (they go to the server's log);
    - XSRF protection on and CORS protection on (no ``Access-Control-Allow-Origin: *``);
    - uploads capped (:data:`UPLOAD_LIMIT_MB`), bound to ``address``;
    - with ``hosts``, WebSocket connections only for those host names (against DNS rebinding).
    """
    settings = {
        "server.address": address,
        "server.port": str(port),
        "server.headless": "true",
        "server.enableXsrfProtection": "true",
        "server.enableCORS": "true",
        "server.maxUploadSize": str(UPLOAD_LIMIT_MB[mode]),
        "server.fileWatcherType": "none",
        "server.runOnSave": "false",
        "server.enableStaticServing": "true",
        "client.toolbarMode": "minimal",
        "client.showErrorDetails": "none",
        "global.developmentMode": "false",
        "browser.gatherUsageStats": "false",
    }
    if hosts:
        settings["server.allowedHosts"] = "[" + ",".join(f'"{host}"' for host in hosts) + "]"
    return settings


def streamlit_command(mode: str, address: str = "127.0.0.1", port: int = 8501, hosts: Sequence[str] = ()) -> list[str]:
    """Return the command line that serves the Streamlit app in ``mode`` (``full``, or ``public`` for measuring).

    It is ``streamlit run`` started through :mod:`circle.deploy.launch`, which
    puts :mod:`circle.deploy.guard` in front of Streamlit's server first.
    """
    command = [sys.executable, "-m", "circle.deploy.launch", mode, str(ENTRY_SCRIPTS[mode])]
    for name, value in production_settings(mode, address, port, hosts).items():
        command += [f"--{name}", value]
    return command


def public_settings(address: str, port: int, workers: int = 1) -> dict:
    """Return uvicorn's settings for the public server.

    - the app made in each worker by :func:`circle.deploy.public_site.app_from_environment`;
    - HTTP by httptools, WebSockets off (an upgrade request is answered as plain HTTP, never switched);
    - no ``Server`` header, no access log (one line per file of every visit costs CPU; errors are logged);
    - X-Forwarded-For read by the app itself, from the deployment's ``trusted_proxies`` only;
    - ``workers`` processes: the reports' limits live in the database, so they hold across workers.
    """
    return {
        "app": "circle.deploy.public_site:app_from_environment",
        "factory": True,
        "host": address,
        "port": port,
        "workers": workers,
        "http": HTTP_PARSER,
        "ws": "none",
        "lifespan": "on",
        "proxy_headers": False,
        "server_header": False,
        "access_log": False,
        "log_level": "warning",
        "backlog": 2048,
        "timeout_keep_alive": 15,
    }


def public_command(address: str = "127.0.0.1", port: int = 8501, workers: int = 1) -> list[str]:
    """Return the command line of the public server (``python -m circle.deploy.serve``)."""
    return [
        sys.executable,
        "-m",
        "circle.deploy.serve",
        "--address",
        address,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the public server (what :func:`public_command` starts); its settings come from the environment."""
    parser = argparse.ArgumentParser(prog="python -m circle.deploy.serve", description="circle's public server")
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    import uvicorn  # only the server process needs it; the app and the CLI import this module for its settings

    settings = public_settings(args.address, args.port, args.workers)
    uvicorn.run(settings.pop("app"), **settings)


if __name__ == "__main__":
    main()
