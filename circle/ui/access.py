"""Who is using this session: signing in (local accounts or ``st.login``), expiry, signing out.

A signed-in session keeps a small record in its own session state
(:data:`circle.ui.state.USER`): the name, the role, how it signed in, when,
and when it was last active. Every run checks it: a record past the
deployment's ``session_hours`` or ``idle_minutes``, or of an account that was
removed, ends. Nothing about a session is shared with another, but the
refused sign-ins by name and address (:class:`~circle.deploy.throttle.SignInThrottle`),
kept in the deployment's database where no visitor can reset them.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from circle.deploy import audit
from circle.deploy.accounts import account_role, check_password, has_accounts
from circle.deploy.config import Deployment
from circle.deploy.db import database_of
from circle.deploy.throttle import SignInThrottle, name_digest
from circle.i18n import t
from circle.ui import signins
from circle.ui import state as key


@dataclass(frozen=True)
class User:
    """A signed-in planner as the pages see them."""

    name: str
    role: str  # "planner" or "admin"
    via: str  # "local" or "oidc"

    @property
    def is_admin(self) -> bool:
        """Whether this user may change what other planners saved."""
        return self.role == "admin"

    def may_change(self, author: str | None) -> bool:
        """Whether this user may replace or delete what ``author`` saved (their own, or anything as admin)."""
        return self.is_admin or (author is not None and author == self.name)


def session_record(name: str, role: str, via: str = "local", since: float | None = None) -> dict:
    """Return the session-state record of a signed-in user (what a sign-in stores)."""
    now = time.time()
    return {"name": name, "role": role, "via": via, "since": since or now, "seen": now}


def client_address(deployment: Deployment) -> str:
    """Return the address this session's browser connects from (``unknown`` where Streamlit does not say).

    Behind a proxy listed in the deployment's ``trusted_proxies``, the last
    address of ``X-Forwarded-For`` (the one that proxy added) is taken.
    """
    try:
        peer = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # no browser connection (AppTest, a bare script run)
        return "unknown"
    if not isinstance(peer, str) or not peer:  # AppTest's context is a mock
        return "unknown"
    if isinstance(forwarded, str) and forwarded and peer in deployment.trusted_proxies:
        return forwarded.split(",")[-1].strip()[:64] or peer
    return peer[:64]


def oidc_configured() -> bool:
    """Whether the server's secrets configure an identity provider for ``st.login``."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file: Streamlit raises its own not-found error
        return False


def _oidc_user(deployment: Deployment) -> dict | None:
    """Return a record for a user signed in through the identity provider who is a planner, else None."""
    if not oidc_configured() or not st.user.is_logged_in:
        return None
    email = st.user.get("email")
    role = deployment.oidc_role(email)
    if role is None:
        return None
    issued = st.user.get("iat")
    return session_record(str(email).lower(), role, "oidc", float(issued) if isinstance(issued, int | float) else None)


def current_user(deployment: Deployment) -> User | None:
    """Return the session's planner, or None for a visitor; end an expired or revoked sign-in."""
    if deployment.public_only:
        return None
    if not signins.proved(st.session_state.get(key.USER)):  # not this browser's sign-in (circle.ui.signins)
        st.session_state.pop(key.USER, None)
        _forget_planner_work()
    record = st.session_state.get(key.USER)
    if record is None:
        record = _oidc_user(deployment)
        if record is None:
            return None
    now = time.time()
    expired = now - record["since"] > deployment.session_hours * 3600 or now - record["seen"] > (
        deployment.idle_minutes * 60
    )
    if record["via"] == "local":
        role = account_role(database_of(deployment), record["name"])
    else:
        role = deployment.oidc_role(record["name"])
    if expired or role is None:
        sign_out(deployment, reason="expired" if expired else "revoked")
        st.session_state[key.SIGNIN_NOTICE] = "signin_expired"
        return None
    if record["via"] == "oidc" and "token" not in record:  # the identity provider's sign-in, first run here
        record = signins.bound(record, deployment)
    st.session_state[key.USER] = {**record, "role": role, "seen": now}
    return User(record["name"], role, record["via"])


def sign_out(deployment: Deployment, reason: str = "asked") -> None:
    """End this session's sign-in (and the identity provider's cookie, where it signed in that way)."""
    signed = st.session_state.pop(key.USER, None)
    signins.end(signed)
    _forget_planner_work()
    if signed is not None:
        database = database_of(deployment)
        name, role = signed["name"], signed["role"]
        audit.record(deployment.studies, name, role, "sign_out", name, database=database, reason=reason)
        if signed["via"] == "oidc":
            st.logout()


def _forget_planner_work() -> None:
    """Drop the planner's work in progress from this session (at every sign-in and sign-out)."""
    for private in key.PLANNER_STATE:
        st.session_state.pop(private, None)


def signin_page(deployment: Deployment, lang: str, signed_in: Callable[[], None] | None = None) -> None:
    """Show the sign-in form (and the identity provider's button, where one is configured).

    ``signed_in`` is called once a planner has signed in (it opens the page
    they asked for); without it the page is run again.
    """
    st.title(t("signin_title", lang))
    notice = st.session_state.pop(key.SIGNIN_NOTICE, None)
    if notice:
        st.info(t(notice, lang))
    st.caption(t("signin_intro", lang))
    if oidc_configured():
        if st.user.is_logged_in and deployment.oidc_role(st.user.get("email")) is None:
            st.warning(t("signin_oidc_not_planner", lang, email=str(st.user.get("email") or "?")))
        elif st.button(t("signin_oidc", lang), key="signin_oidc", type="primary"):
            st.login()
    if not has_accounts(database_of(deployment)):
        if not oidc_configured():
            st.info(t("signin_none_configured", lang))
        return
    with st.form("signin", clear_on_submit=True):
        name = st.text_input(t("signin_name", lang), key="signin_name", autocomplete="username")
        password = st.text_input(
            t("signin_password", lang), type="password", key="signin_password", autocomplete="current-password"
        )
        pressed = st.form_submit_button(t("signin_go", lang), type="primary")
    if pressed:
        _try_sign_in(deployment, lang, name, password, signed_in)


def _try_sign_in(
    deployment: Deployment, lang: str, name: str, password: str, signed_in: Callable[[], None] | None = None
) -> None:
    database = database_of(deployment)
    throttle = SignInThrottle(database)
    address = client_address(deployment)
    started = time.monotonic()
    wait = throttle.wait_s(name, address)
    account = None if wait > 0 else check_password(database, name, password)
    if account is None:
        throttle.refuse(name, address, checked=wait <= 0)
        # the same wait and words whether the name is an account or not; the typed name is logged only as a keyed hash
        time.sleep(max(0.0, deployment.signin_delay_s - (time.monotonic() - started)))
        facts = {"name_hmac": name_digest(database, name), "address": address, "checked": wait <= 0}
        audit.record(deployment.studies, "?", None, "sign_in_refused", "?", database=database, **facts)
        st.error(t("signin_refused", lang))
        if wait > 0:
            st.warning(t("signin_wait", lang, seconds=str(math.ceil(wait))))
        return
    throttle.forget(name, address)
    _forget_planner_work()  # nothing of a previous user's work carries over
    st.session_state[key.USER] = signins.bound(session_record(account.name, account.role), deployment)
    audit.record(
        deployment.studies, account.name, account.role, "sign_in", account.name, database=database, address=address
    )
    print(f"circle: {account.name} signed in", file=sys.stderr, flush=True)
    if signed_in is not None:
        signed_in()
    st.rerun()


def account_page(deployment: Deployment, user: User, lang: str) -> None:
    """Show who is signed in, and the sign-out button."""
    st.title(t("page_account", lang))
    st.write(t("signin_as", lang, name=user.name, role=t(f"role_{user.role}", lang)))
    if st.button(t("signout", lang), key="signout"):
        sign_out(deployment)
        st.session_state[key.SIGNIN_NOTICE] = "signed_out"
        st.rerun()
