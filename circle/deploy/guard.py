"""What ``circle serve`` puts around Streamlit's server: refusals made before Streamlit sees a request.

:func:`install` is called by :mod:`circle.deploy.launch` before Streamlit
starts. It wraps the server's ASGI application in :class:`Guard` and hooks
two methods of the runtime:

- **back-messages**: a browser may send Streamlit only what circle's pages
  need (rerun, stop, file URLs, heartbeat, backend operations); developer
  messages — ``clear_cache`` (which would empty every ``st.cache_*`` for all
  users), ``set_run_on_save``, ``load_git_info``, the debug ones — are dropped
  from every session, signed in or not;
- **reconnects**: a WebSocket that names an existing session joins it only
  when it carries the secret cookie of the browser that session was made for
  (:mod:`circle.deploy.sessions`); otherwise it gets a new session.

:class:`Guard` answers HTTP requests itself where Streamlit would say too much:

- ``/_stcore/metrics``: 404 for everyone;
- uploads (``PUT``/``DELETE`` ``/_stcore/upload_file/…``): on the public
  deployment 403 at once; on the full deployment only a session signed in as a
  planner, from the browser that signed in, may upload, at most
  :data:`SESSION_FILES` files and :data:`SESSION_BYTES` bytes held at once.
  Every refusal is decided from the request line and headers: the body is
  never read (the answer carries ``Connection: close``, so what the client
  keeps sending is not read either);
- drawn map files (``/app/static/drawn/…``): on the public deployment only
  those this process drew (for the public studies it shows;
  :mod:`circle.deploy.drawn_files`);
- every response to a browser without the :data:`~circle.deploy.sessions.COOKIE`
  cookie sets one (``HttpOnly; SameSite=Lax``; ``Secure`` behind HTTPS).
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from streamlit.web.server.starlette import starlette_server

from circle.deploy import sessions
from circle.deploy.drawn_files import DRAWN_PATH, was_drawn

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

#: the back-messages a browser may send (BackMsg's ``type``); any other is dropped
ALLOWED_BACK_MESSAGES = frozenset(
    {"rerun_script", "stop_script", "file_urls_request", "app_heartbeat", "backend_operation_request"}
)
#: files one session may hold uploaded at once (the study builder has four uploaders)
SESSION_FILES = 8
#: bytes one session may hold uploaded at once (an OSM file and a DEM at 200 MB, two tables)
SESSION_BYTES = 500 * 1024 * 1024
UPLOAD_PATH = "/_stcore/upload_file/"
METRICS_PATH = "/_stcore/metrics"


def _say(message: str) -> None:
    print(f"circle guard: {message}", file=sys.stderr, flush=True)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value.strip() or None
    return None


async def _answer(send: Send, status: int, text: str) -> None:
    """Send a short plain answer and close the connection (an unread body is never read)."""
    body = text.encode("utf-8")
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode("ascii")),
        (b"connection", b"close"),
        (b"cache-control", b"no-store"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class Guard:
    """ASGI middleware around Streamlit's application (see the module's notes).

    Parameters
    ----------
    app
        Streamlit's ASGI application.
    mode : str
        ``"public"`` or ``"full"``.
    held : callable, optional
        ``held(session_id) -> (files, bytes)`` that session's uploads hold now
        (Streamlit's uploaded-file manager); none held when not given.
    """

    def __init__(self, app, mode: str, held: Callable[[str], tuple[int, int]] | None = None) -> None:
        self.app = app
        self.mode = mode
        self.held = held or (lambda _session: (0, 0))
        self._reserved: dict[str, tuple[int, int]] = {}  # uploads under way, per session

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection: answer it here, or pass it to Streamlit."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path.endswith(METRICS_PATH) or path.endswith(METRICS_PATH + "/"):
            await _answer(send, 404, "Not found")
            return
        if path.startswith(DRAWN_PATH) and self.mode == "public" and not was_drawn(path[len(DRAWN_PATH) :]):
            await _answer(send, 404, "Not found")
            return
        secret = _cookie(scope, sessions.COOKIE)
        send = self._with_cookie(scope, send) if not secret else send
        if UPLOAD_PATH in path and scope.get("method") in ("PUT", "POST", "DELETE"):
            await self._upload(scope, receive, send, path, secret)
            return
        await self.app(scope, receive, send)

    def _with_cookie(self, scope: Scope, send: Send) -> Send:
        """Return ``send`` adding a new browser secret to the response's headers."""
        secure = scope.get("scheme") == "https" or (_header(scope, b"x-forwarded-proto") or "").lower() == "https"
        value = f"{sessions.COOKIE}={sessions.new_browser_secret()}; Path=/; HttpOnly; SameSite=Lax"
        cookie = (b"set-cookie", (value + ("; Secure" if secure else "")).encode("ascii"))

        async def sending(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), cookie]}
            await send(message)

        return sending

    async def _upload(self, scope: Scope, receive: Receive, send: Send, path: str, secret: str | None) -> None:
        """Refuse an upload from its headers alone, or pass it on within the session's caps."""
        if self.mode == "public":
            await _answer(send, 403, "Uploads are not accepted here.")
            return
        parts = path.split(UPLOAD_PATH, 1)[1].split("/")
        session_id = parts[0] if parts else ""
        signed = sessions.records().planner_session(session_id, sessions.proof_of(secret)) if secret else None
        if signed is None:
            await _answer(send, 403, "Sign in as a planner to upload.")
            return
        if scope["method"] == "DELETE":
            await self.app(scope, receive, send)
            return
        try:
            length = int(_header(scope, b"content-length") or "")
        except ValueError:
            await _answer(send, 411, "An upload must say its length.")
            return
        files, size = self.held(session_id)
        pending_files, pending_bytes = self._reserved.get(session_id, (0, 0))
        if files + pending_files + 1 > SESSION_FILES or size + pending_bytes + length > SESSION_BYTES:
            _say(f"upload refused: session of {signed.name} holds {files} files, {size} bytes")
            await _answer(send, 413, "This session holds as many uploads as it may.")
            return
        self._reserved[session_id] = (pending_files + 1, pending_bytes + length)
        try:
            await self.app(scope, receive, send)
        finally:
            left_files, left_bytes = self._reserved.pop(session_id, (1, length))
            if left_files > 1:
                self._reserved[session_id] = (left_files - 1, left_bytes - length)


def held_by(upload_manager) -> Callable[[str], tuple[int, int]]:
    """Return ``held(session_id)`` for Streamlit's in-memory uploaded-file manager (files, bytes)."""

    def held(session_id: str) -> tuple[int, int]:
        storage = getattr(upload_manager, "file_storage", {}).get(session_id) or {}
        files = list(storage.values())
        return len(files), sum(len(f.data) for f in files)

    return held


def hook_runtime(runtime) -> None:
    """Drop developer back-messages and bind sessions to browsers, on this Streamlit runtime."""
    handle_backmsg = runtime.handle_backmsg
    connect_session = runtime.connect_session

    def guarded_backmsg(session_id: str, msg, *args, **kwargs) -> None:
        kind = msg.WhichOneof("type")
        if kind not in ALLOWED_BACK_MESSAGES:
            _say(f"dropped a {kind!r} message from a browser")
            return
        handle_backmsg(session_id, msg, *args, **kwargs)

    def bound_connect(client, user_info, existing_session_id: str | None = None, **kwargs) -> str:
        try:
            secret = client.client_context.cookies.get(sessions.COOKIE)
        except Exception:  # a client without a handshake's context
            secret = None
        proof = sessions.proof_of(secret)
        store = sessions.records()
        if existing_session_id and not store.may_resume(existing_session_id, proof):
            _say("a connection named a session of another browser: it gets a new session")
            existing_session_id = None
        session_id = connect_session(client, user_info, existing_session_id=existing_session_id, **kwargs)
        store.bind(session_id, proof)
        return session_id

    runtime.handle_backmsg = guarded_backmsg
    runtime.connect_session = bound_connect


def install(mode: str) -> None:
    """Put :class:`Guard` and the runtime hooks into Streamlit's server before it starts (``mode``: public/full)."""
    sessions.require_browser_proof(True)
    create = starlette_server.create_starlette_app

    def create_guarded(runtime):
        hook_runtime(runtime)
        return Guard(create(runtime), mode, held_by(runtime.uploaded_file_mgr))

    starlette_server.create_starlette_app = create_guarded
