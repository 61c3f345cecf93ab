"""A page run's side of :mod:`circle.deploy.sessions`: sign-in records this session and browser must prove.

A signed-in session's state (:data:`circle.ui.state.USER`) holds, beside the
name and role, the ``token`` of its server-side record. :func:`bound` makes
that record (a new token at every sign-in); :func:`proved` checks on every run
that the record exists, names this Streamlit session, and is proved by the
secret cookie of the browser connected now. A WebSocket that takes over the
session by its id, without the browser's cookie, is therefore not signed in.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from circle.deploy import sessions


def _session_id() -> str:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def _proof() -> str:
    try:
        secret = st.context.cookies.get(sessions.COOKIE)
    except Exception:  # no browser connection (AppTest, a bare script run)
        secret = None
    return sessions.proof_of(secret if isinstance(secret, str) else None)


def bound(record: dict, deployment) -> dict:
    """Return ``record`` with the token of a new server-side sign-in of this session and browser.

    Parameters
    ----------
    record : dict
        The session-state record of the user signing in (:func:`circle.ui.access.session_record`).
    deployment : circle.deploy.config.Deployment
        Gives the sign-in's ``session_hours`` and ``idle_minutes``.
    """
    token = sessions.records().sign_in(
        _session_id(),
        _proof(),
        record["name"],
        record["role"],
        record.get("via", "local"),
        since=record.get("since"),
        hours=deployment.session_hours,
        idle_minutes=deployment.idle_minutes,
    )
    return {**record, "token": token}


def proved(record: dict | None) -> bool:
    """Whether this run may take ``record`` as its sign-in (None: nothing to prove).

    A record with a token must name a live server-side sign-in of this
    session, proved by the browser connected now. A record without one is
    taken only where :func:`~circle.deploy.sessions.browser_proof_required` is
    off (tests that drive the script, a bare ``streamlit run``).
    """
    if record is None:
        return True
    token = record.get("token")
    if token is None:
        return not sessions.browser_proof_required()
    return sessions.records().check(token, _session_id(), _proof()) is not None


def end(record: dict | None) -> None:
    """End the server-side sign-in of ``record`` (signing out, expiry)."""
    if record is not None:
        sessions.records().end(record.get("token"))
