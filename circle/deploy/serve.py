"""The Streamlit command ``circle serve`` runs, with the settings a production server needs.

``full`` serves ``app.py`` (the resident page to everyone, the planner's
pages after sign-in); ``public`` serves ``public_app.py``, which imports the
resident page and nothing else, for the open internet.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from circle.deploy.config import REPOSITORY

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
    """Return the command line that serves circle in ``mode`` (``full`` or ``public``).

    It is ``streamlit run`` started through :mod:`circle.deploy.launch`, which
    puts :mod:`circle.deploy.guard` in front of Streamlit's server first.
    """
    command = [sys.executable, "-m", "circle.deploy.launch", mode, str(ENTRY_SCRIPTS[mode])]
    for name, value in production_settings(mode, address, port, hosts).items():
        command += [f"--{name}", value]
    return command
