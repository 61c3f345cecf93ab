"""Sign-ins a Streamlit session id cannot carry: server-side records bound to a browser's secret.

Streamlit names each browser tab's session by an id that is not secret: the
browser sends it back to reconnect, and it appears in every upload URL. So a
sign-in is never carried by the session id alone:

- ``circle serve`` gives every browser a random secret in an ``HttpOnly``
  cookie (:data:`COOKIE`, set by :mod:`circle.deploy.guard`); a new session is
  bound to the digest of that secret, and a WebSocket that names an existing
  session is joined to it only when it carries the same secret (else it gets
  a new, empty session);
- a sign-in creates a record here keyed by a fresh random token (a new one at
  every sign-in: the token of an earlier sign-in in the same tab ends), holding
  the session id and the browser's digest. The session keeps the token; every
  run of the page proves it (:meth:`SessionRecords.check`): the record must
  exist, name this session and be proved by the secret of the browser now
  connected, within the deployment's ``session_hours`` and ``idle_minutes``.

The records live in the server's process, as Streamlit's sessions do: a
session cannot outlive its process, so neither need its sign-in. (The
deployment's database keeps accounts, refused sign-ins and the audit log, which
must.) :class:`SessionRecords` is the interface a shared store would implement.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace

#: the cookie holding the browser's secret (HttpOnly: page scripts never see it)
COOKIE = "circle_browser"
#: sessions whose browser binding is remembered at most (the oldest are forgotten: they can no longer be resumed)
MAX_BINDINGS = 100_000
#: sign-in records kept at most (the oldest go first)
MAX_RECORDS = 10_000

_required = False


def require_browser_proof(on: bool = True) -> None:
    """Make every sign-in need the browser's secret (``circle serve``'s launcher turns this on).

    Off (tests driving the script directly, a bare ``streamlit run``), a session
    without the cookie proves itself with an empty secret and a record without
    a token is taken as it is.
    """
    global _required
    _required = on


def browser_proof_required() -> bool:
    """Whether this process serves through :mod:`circle.deploy.launch` (sign-ins need the browser's secret)."""
    return _required


def new_browser_secret() -> str:
    """Return a fresh secret for a browser's :data:`COOKIE` (256 random bits)."""
    return secrets.token_urlsafe(32)


def proof_of(secret: str | None) -> str:
    """Return what the server keeps of a browser's secret: its SHA-256 (``""`` without one)."""
    if not secret:
        return ""
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class SignIn:
    """One sign-in as the server keeps it."""

    session_id: str
    proof: str  # the digest of the browser's secret at sign-in
    name: str
    role: str
    via: str  # "local" or "oidc"
    since: float
    seen: float
    hours: float
    idle_minutes: float

    def live(self, now: float) -> bool:
        """Whether the sign-in is within its hours and idle time."""
        return now - self.since <= self.hours * 3600 and now - self.seen <= self.idle_minutes * 60

    def stale(self, now: float) -> bool:
        """Whether the sign-in ended more than a day ago (its record may go; the page told the user already)."""
        return not self.live(now - 86400)


class SessionRecords:
    """Browser bindings of sessions, and sign-ins keyed by random tokens (in this process; thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bindings: OrderedDict[str, str] = OrderedDict()
        self._signins: OrderedDict[str, SignIn] = OrderedDict()

    # -- sessions and browsers ------------------------------------------------
    def bind(self, session_id: str, proof: str) -> None:
        """Bind a new session to the browser whose secret's digest is ``proof`` (an existing binding stays)."""
        if not proof:
            return
        with self._lock:
            self._bindings.setdefault(session_id, proof)
            self._bindings.move_to_end(session_id)
            while len(self._bindings) > MAX_BINDINGS:
                self._bindings.popitem(last=False)

    def may_resume(self, session_id: str, proof: str) -> bool:
        """Whether a connection proving ``proof`` may join the existing session ``session_id``."""
        with self._lock:
            bound = self._bindings.get(session_id)
        return bool(proof) and bound is not None and hmac.compare_digest(bound, proof)

    # -- sign-ins --------------------------------------------------------------
    def sign_in(
        self,
        session_id: str,
        proof: str,
        name: str,
        role: str,
        via: str = "local",
        *,
        since: float | None = None,
        hours: float = 8.0,
        idle_minutes: float = 60.0,
    ) -> str:
        """Record a sign-in of ``session_id`` from the browser proving ``proof``; return its new token.

        Every sign-in gets a new token; an earlier one of the same session
        proves nothing once the session state holds the new one, and ends at
        sign-out or a day after it expired.
        """
        now = time.time()
        token = secrets.token_urlsafe(32)
        record = SignIn(session_id, proof, name, role, via, since or now, now, hours, idle_minutes)
        with self._lock:
            for old in [k for k, v in self._signins.items() if v.stale(now)]:
                del self._signins[old]
            self._signins[token] = record
            while len(self._signins) > MAX_RECORDS:
                self._signins.popitem(last=False)
        return token

    def check(self, token: str | None, session_id: str, proof: str) -> SignIn | None:
        """Return the sign-in ``token`` names when this session and browser prove it (and mark it seen).

        Whether it is still live is the caller's to judge (:meth:`SignIn.live`):
        the page tells an expired sign-in from one it cannot prove.
        """
        if not token:
            return None
        now = time.time()
        with self._lock:
            record = self._signins.get(token)
            if record is None:
                return None
            if record.session_id != session_id or not hmac.compare_digest(record.proof, proof):
                return None
            record = self._signins[token] = replace(record, seen=now)
            return record

    def end(self, token: str | None) -> None:
        """End the sign-in ``token`` names (sign-out, expiry)."""
        if token:
            with self._lock:
                self._signins.pop(token, None)

    def planner_session(self, session_id: str, proof: str) -> SignIn | None:
        """Return the live sign-in of ``session_id`` when the browser proving ``proof`` holds it (uploads ask)."""
        now = time.time()
        with self._lock:
            for record in self._signins.values():
                if record.session_id == session_id and record.live(now) and hmac.compare_digest(record.proof, proof):
                    return record
        return None


_records = SessionRecords()


def records() -> SessionRecords:
    """Return this server's session records (one per process)."""
    return _records
