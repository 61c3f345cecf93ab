"""The new-study page: a study built from the server's files or an upload, then opened on the planner page.

It is a page of its own in the sidebar (``/new-study``), and the planner
page links to it from its top (:func:`new_study_link`): a planner finds it
without scrolling past the map, and a build's progress and errors have
the page to themselves. When the build ends, the new study is the chosen
one and the planner page opens on it, saying what the build found
(:func:`circle.ui.widgets.show_built_notes`).
"""

from __future__ import annotations

import streamlit as st

from circle.deploy.config import Deployment
from circle.i18n import t
from circle.ui import state as key
from circle.ui.access import User
from circle.ui.widgets import study_builder

URL_PATH = "new-study"


def page(deployment: Deployment, user: User, planner_page) -> None:
    """Render the new-study page; once a study is built, open ``planner_page`` (a ``st.Page``) on it."""
    lang = st.session_state.get(key.LANG, "zh")
    st.title(t("page_new_study", lang))
    st.caption(t("new_study_intro", lang))
    if study_builder(lang, deployment, user) is not None:
        st.switch_page(planner_page)


def new_study_link(lang: str, container=None) -> None:
    """Show a link to the new-study page (the page registered at ``/new-study`` in the navigation)."""

    def registered() -> None:  # never run: the navigation runs the page it registered at this address
        raise RuntimeError("the new-study link ran its stand-in page")

    target = st.Page(registered, title=t("page_new_study", lang), url_path=URL_PATH)
    (container or st).page_link(target, label=t("new_study_button", lang))
