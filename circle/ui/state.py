"""Session-state keys, in one place (each user session has its own values), and the fragment rerun."""

import streamlit as st
from streamlit.errors import StreamlitAPIException

LANG = "lang"
STUDY = "study_path"
MEASURE = "measure"
CATEGORY = "category"
SHOWN = "categories_shown"
PRESET = "preset"
PROFILE = "profile"
BASEMAP = "basemap"
TILE_URL = "tile_url"
TILE_ATTRIBUTION = "tile_attribution"
TILE_GCJ02 = "tile_gcj02"  # the custom tile server draws in GCJ-02
DISPLAY = "display_system"  # the system the map was last drawn in (wgs84 or gcj02)
#: the planner's work per study version: {study id: circle.ui.study_state.StudyState} (point, what-if, sites …)
STUDY_STATES = "study_states"
ACTIVE_STUDY = "active_study"  # the id of the study version the planner page showed last
#: the planner map's key, followed by the study's token: streamlit-folium keeps its clicks and drawings there
PLANNER_MAP = "planner_map"
GAP_TABLE = "gap_table"  # the priority table (its selected row), followed by the study's token
#: widgets keyed per study (``<name>_<token>``): forgotten when another study is chosen, so none comes back stale
STUDY_WIDGETS = (PLANNER_MAP, GAP_TABLE)
DRAWING = "drawing_closures"  # the map shows the drawing tools (closures)
COMPARISON = "comparison_chosen"
LAT_INPUT = "lat_input"
LON_INPUT = "lon_input"
#: inputs holding a place in the study shown: forgotten when another study is chosen
STUDY_INPUTS = (LAT_INPUT, LON_INPUT)
USER = "signed_in_user"  # the sign-in record of this session (circle.ui.access), absent for a visitor
SIGNIN_NOTICE = "signin_notice"  # a message for the sign-in page (expired, signed out)
WANTED = "wanted_page"  # the planner page a signed-out visitor asked for, opened after sign-in
SCRATCH = "session_scratch"  # this session's temporary folder (removed with the session)
#: a planner's work in progress, dropped when someone signs in or out in the same browser session
PLANNER_STATE = (
    STUDY_STATES,
    ACTIVE_STUDY,
    STUDY,
    DRAWING,
    COMPARISON,
    "server_osm_path",
)


def rerun_fragment() -> None:
    """Rerun the fragment this runs in when it is a fragment rerun (a click in it), else the whole page."""
    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:  # the fragment is running as part of a whole-page run
        st.rerun()
