"""circle's Streamlit app: navigation and the language switch only; pages live in circle/ui/."""

import os
import sys
import time

import streamlit as st

from circle.i18n import LANGUAGES, t
from circle.ui import planner, report, resident
from circle.ui import state as key

st.set_page_config(page_title="circle · 15-minute living circle", layout="wide")
# a shared link carries the language: take it once, before the switch is drawn
if key.LANG not in st.session_state and st.query_params.get("lang") in LANGUAGES:
    st.session_state[key.LANG] = st.query_params["lang"]
lang = st.sidebar.radio(
    t("language", st.session_state.get(key.LANG, "zh")),
    LANGUAGES,
    key=key.LANG,
    format_func=lambda code: {"zh": "中文", "en": "English"}[code],
    horizontal=True,
)
navigation = st.navigation(
    [
        st.Page(planner.page, title=t("page_planner", lang), url_path="planner", default=True),
        st.Page(resident.page, title=t("page_resident", lang), url_path="resident"),
        st.Page(report.page, title=t("page_report", lang), url_path="report"),
    ]
)
started = time.perf_counter()
try:
    navigation.run()
finally:
    if os.environ.get("CIRCLE_UI_TIMING"):  # how long each run of the page takes, for the speed checks
        print(f"circle ui: run took {time.perf_counter() - started:.3f} s", file=sys.stderr, flush=True)
st.sidebar.caption(t("attribution", lang))
