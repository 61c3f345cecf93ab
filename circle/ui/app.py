"""The app's frame: the settings, who the user is, which pages they may open, the language switch.

``full`` (``app.py``) serves the resident page to everyone and the planner's
pages (planner, new study, report, residents' reports, account) after sign-in; a signed-out visitor who
opens a planner's address is sent to the sign-in page, and after signing in
to the page they asked for. ``public`` (``public_app.py``) serves the
resident page alone and never imports the planner's code; it is kept as the
Streamlit baseline of the capacity benchmark (``benchmarks/public_load.py``):
``circle serve --public`` serves the published static sites instead.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time

import streamlit as st

from circle.deploy.config import load_deployment
from circle.errors import CircleError
from circle.i18n import LANGUAGES, t
from circle.ui import resident
from circle.ui import state as key
from circle.ui.builtin_words import translate_builtin_words


def main(mode: str | None = None) -> None:
    """Run one script run of the app; ``mode="public"`` serves the resident page only, whatever the settings say."""
    st.set_page_config(page_title="circle · 15-minute living circle", layout="wide")
    lang = _language()
    try:
        deployment = load_deployment()
    except CircleError as error:  # the visitor sees no path; the server's log has the reason
        print(f"circle: {error}", file=sys.stderr, flush=True)
        st.error(t("misconfigured", lang))
        st.stop()
    if mode == "public":
        deployment = dataclasses.replace(deployment, mode="public")
    if deployment.public_only:
        resident = _resident_page(deployment, None, lang)
        navigation = st.navigation([_home(resident, lang), resident], position="hidden")
    else:
        navigation = _full_navigation(deployment, lang)
    started = time.perf_counter()
    try:
        navigation.run()
    finally:
        if os.environ.get("CIRCLE_UI_TIMING"):  # how long each run of the page takes, for the speed checks
            print(f"circle ui: run took {time.perf_counter() - started:.3f} s", file=sys.stderr, flush=True)
    st.sidebar.caption(t("attribution", lang))
    # Streamlit's and Leaflet's own words, which no API sets; last, as its element takes a line of the sidebar
    translate_builtin_words(lang, st.sidebar)


def _language() -> str:
    # a shared link carries the language: take it once, before the switch is drawn
    if key.LANG not in st.session_state and st.query_params.get("lang") in LANGUAGES:
        st.session_state[key.LANG] = st.query_params["lang"]
    if key.LANG not in st.session_state and _CHOSEN_LANG in st.session_state:
        # a page switched to from a script (st.switch_page) drops the widget's state: the reader's choice stays
        st.session_state[key.LANG] = st.session_state[_CHOSEN_LANG]
    chosen = st.sidebar.radio(
        t("language", st.session_state.get(key.LANG, "zh")),
        LANGUAGES,
        key=key.LANG,
        format_func=lambda code: {"zh": "中文", "en": "English"}[code],
        horizontal=True,
    )
    st.session_state[_CHOSEN_LANG] = chosen
    return chosen


_CHOSEN_LANG = "lang_chosen"  # the language last chosen, kept apart from the switch's own (widget) state


def _resident_page(deployment, user, lang: str):
    def page() -> None:
        # a visitor sees the studies the bureau opened to the public; a planner sees every study
        resident.page(None if user is not None else deployment.is_public_study, deployment.studies)

    return st.Page(page, title=t("page_resident", lang), url_path="resident")


def _home(target, lang: str):
    """Return the page at the bare address: it opens ``target`` with the link's query (block, pace, language).

    A default page is served at ``/`` only, so the page links point at (the
    resident's ``/resident?block=…``) must not be the default themselves.
    """

    def home() -> None:
        st.switch_page(target, query_params=st.query_params.to_dict())

    return st.Page(home, title=target.title, url_path="home", default=True)


def _full_navigation(deployment, lang: str):
    """Return the navigation of a full deployment; the menu lists only the pages this user may open."""
    # the public page never imports the planner's code: signing in loads SQLAlchemy and argon2 (0.1 s)
    from circle.ui.access import account_page, current_user, signin_page

    user = current_user(deployment)
    if user is None:
        asked: dict = {}  # this run's pages at planners' addresses, by address (filled below)

        def signed_in() -> None:
            # straight on to the page asked for, else the planner's: its address is the same once signed in,
            # so the next run opens the real page (no run of the sign-in address in between)
            st.switch_page(asked.get(st.session_state.pop(key.WANTED, None)) or asked["planner"])

        signin = st.Page(
            lambda: signin_page(deployment, lang, signed_in), title=t("page_signin", lang), url_path="signin"
        )

        def wanting(page_name: str):
            def redirect() -> None:  # a planner's address, asked for before signing in
                st.session_state[key.WANTED] = page_name
                st.switch_page(signin)

            return redirect

        shown = [_resident_page(deployment, None, lang), signin]
        hidden = [
            _home(shown[0], lang),
            st.Page(wanting("planner"), title=t("page_planner", lang), url_path="planner"),
            st.Page(wanting("new-study"), title=t("page_new_study", lang), url_path="new-study"),
            st.Page(wanting("report"), title=t("page_report", lang), url_path="report"),
            st.Page(wanting("triage"), title=t("page_triage", lang), url_path="triage"),
            st.Page(wanting("account"), title=t("page_account", lang), url_path="account"),
        ]
        asked.update({page.url_path: page for page in hidden[1:]})
    else:
        # the public page never imports the planner's code: its pages load SQLAlchemy and the build queue (0.1 s)
        from circle.ui import new_study, planner, report, triage

        planner_page = st.Page(
            lambda: planner.page(deployment, user), title=t("page_planner", lang), url_path="planner"
        )
        shown = [
            planner_page,
            st.Page(
                lambda: new_study.page(deployment, user, planner_page),
                title=t("page_new_study", lang),
                url_path=new_study.URL_PATH,
            ),
            _resident_page(deployment, user, lang),
            st.Page(lambda: report.page(deployment.studies), title=t("page_report", lang), url_path="report"),
            st.Page(lambda: triage.page(deployment, user), title=t("page_triage", lang), url_path="triage"),
            st.Page(lambda: account_page(deployment, user, lang), title=t("page_account", lang), url_path="account"),
        ]
        by_name = {page.url_path: page for page in shown}

        def after_signin() -> None:  # the sign-in page's address, once signed in: on to the page asked for
            st.switch_page(by_name.get(st.session_state.pop(key.WANTED, None), shown[0]))

        hidden = [_home(shown[0], lang), st.Page(after_signin, title=t("page_signin", lang), url_path="signin")]
        st.sidebar.caption(t("signin_as", lang, name=user.name, role=t(f"role_{user.role}", lang)))
    navigation = st.navigation(shown + hidden, position="hidden")
    for page in shown:
        st.sidebar.page_link(page)
    return navigation
