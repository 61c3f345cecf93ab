"""The resident's page: my neighbourhood's score, what is near, what is missing.

One column that works at phone width, large type, words before numbers,
Chinese first. The page state (block, language, pace) lives in the URL so a
link opens the same neighbourhood.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import shapely
import streamlit as st
from streamlit_folium import st_folium

from circle.i18n import t
from circle.study.columns import BLOCK_ID, FACILITY_ID, nearest_id_column
from circle.study.completeness import ABSENT, ASSESSED, LIKELY_INCOMPLETE
from circle.tasks.search import name_index
from circle.tasks.walks import route, walking_minutes
from circle.ui import maps
from circle.ui import state as key
from circle.ui.data import choose_study, load_study, stamp
from circle.ui.text import md

GROUP_ICONS = {
    "clinics": "🏥",
    "schools": "🏫",
    "parks": "🌳",
    "culture": "📚",
    "sports": "⚽",
    "care": "👵",
    "shops": "🛒",
}
ROUTE_COLOURS = ["#d7301f", "#0570b0", "#238b45", "#6a51a3", "#ec7014", "#8c510a"]
LARGE_TYPE = "<style>.stMarkdown p, .stMarkdown li {font-size: 1.15rem; line-height: 1.6}</style>"


@st.cache_resource(max_entries=6, show_spinner=False)
def _name_index(path: str, _stamp: float):
    return name_index(load_study(path, _stamp))


@st.cache_data(max_entries=256, show_spinner=False)
def _route(path: str, _stamp: float, block_id: str, facility_id: str):
    found = route(load_study(path, _stamp), block_id, facility_id)
    if found is None:
        return None
    return list(found.geometry.coords), found.metres, found.steps_metres


def page(visible: Callable[[str], bool] | None = None, studies: Path | None = None) -> None:
    """Render the resident page, offering the studies under ``studies`` whose names ``visible`` accepts.

    ``visible`` None offers every study; ``studies`` None is :func:`~circle.ui.data.studies_root`.
    """
    lang = st.session_state.get(key.LANG, "zh")
    st.markdown(LARGE_TYPE, unsafe_allow_html=True)
    st.title(t("resident_title", lang))
    chosen = choose_study(lang, "resident_study", visible, studies)
    if chosen is None:
        return
    path, study, result = chosen
    params = st.query_params
    pace = st.radio(
        t("resident_walker", lang),
        ["standard", "elderly"],
        horizontal=True,
        index=1 if params.get("pace") == "elderly" else 0,
        key=f"resident_pace__{lang}",
        format_func=lambda p: {
            "standard": {"zh": "一般（1.1 米/秒）", "en": "Typical (1.1 m/s)"},
            "elderly": {"zh": "老年人（0.8 米/秒）", "en": "Older people (0.8 m/s)"},
        }[p][lang],
    )
    index = _name_index(str(path), stamp(path))
    block_id = params.get("block")
    query = st.text_input(t("resident_search", lang), key="resident_query")
    if query:
        matches = index.search(query)
        if matches.empty:
            st.info(t("resident_no_match", lang))
        else:
            options = matches[BLOCK_ID].tolist()
            names = dict(zip(matches[BLOCK_ID], matches["name"], strict=True))
            picked = st.radio(t("resident_pick", lang), options, key="resident_pick", format_func=lambda b: names[b])
            block_id = picked
    known = set(study.blocks[BLOCK_ID].astype(str))
    if block_id not in known:
        block_id = None
    if block_id is not None:
        params["block"] = block_id
    params["lang"] = lang
    params["pace"] = pace
    with st.expander(t("resident_tap", lang), expanded=block_id is None):
        # the map of every compound is drawn only when wanted: a neighbourhood's page stays light
        wanted = block_id is None or st.toggle(t("resident_show_map", lang), key="resident_show_map")
        clicked = _tap_map(study, lang) if wanted else None
        first, second, third = st.columns([2, 2, 1])
        lat = first.number_input(t("latitude", lang), value=None, format="%.6f", key="resident_lat")
        lon = second.number_input(t("longitude", lang), value=None, format="%.6f", key="resident_lon")
        if third.button(t("explore", lang), key="resident_coordinates") and lat is not None and lon is not None:
            clicked = _block_near(study, lat, lon)
        if clicked is not None and clicked != block_id:
            params["block"] = clicked
            st.rerun()
    if block_id is None:
        return
    _answer(lang, path, study, result, block_id, pace)


def _tap_map(study, lang: str) -> str | None:
    west, south, east, north = study.summary.bbox
    fmap = maps.base_map((west, south, east, north), "osm", lang=lang)
    folium.GeoJson(
        study.blocks[[BLOCK_ID, "geometry"]].to_json(),
        style_function=lambda _: {"color": "#555555", "weight": 1, "fillOpacity": 0.2},
    ).add_to(fmap)
    maps.use_local_leaflet(fmap)
    output = st_folium(fmap, key="resident_tap_map", height=320, width="stretch", returned_objects=["last_clicked"])
    last = (output or {}).get("last_clicked")
    return _block_near(study, last["lat"], last["lng"]) if last else None


def _block_near(study, lat: float, lon: float) -> str:
    """Return the block holding a point, else the nearest one."""
    point = shapely.Point(lon, lat)
    hits = study.blocks.sindex.query(point, predicate="intersects")
    if len(hits):
        return str(study.blocks[BLOCK_ID].iloc[hits[0]])
    nearest = study.blocks.sindex.nearest(point)[1]
    return str(study.blocks[BLOCK_ID].iloc[nearest[0]])


def _answer(lang: str, path, study, result, block_id: str, pace: str) -> None:
    blocks = study.blocks.set_index(BLOCK_ID)
    block = blocks.loc[block_id]
    row = result.scores.set_index(BLOCK_ID).loc[block_id]
    name = block["name"] if isinstance(block["name"], str) and block["name"] else t("unnamed", lang)
    st.header(md(name))
    st.subheader(t("resident_score", lang, score=f"{row['score']:.0f}", band=md(row[f"band_{lang}"])))
    tier = int(row["tier_met"])
    st.markdown(t("resident_circle", lang, tier=tier) if tier else t("resident_no_circle", lang))
    median = float(np.median(result.scores["score"]))
    st.markdown(
        t(
            "resident_compare_better" if row["score"] >= median else "resident_compare_worse",
            lang,
            median=f"{median:.0f}",
        )
    )
    facilities = study.facilities.set_index(FACILITY_ID)
    groups = {c.key: c.group for c in study.summary.categories}
    verdicts = {key: record["verdict"] for key, record in (result.summary.completeness or {}).items()}
    routes = []
    lines = []
    for category, label in result.labels.items():
        icon = GROUP_ICONS.get(groups.get(category, ""), "📍")
        verdict = verdicts.get(category, ASSESSED)
        facility_id = block[nearest_id_column(category)]
        if verdict == ABSENT or not isinstance(facility_id, str):
            said = {ABSENT: "resident_not_held", LIKELY_INCOMPLETE: "resident_partly_held_none"}.get(
                verdict, "resident_none"
            )
            lines.append(f"{icon} **{md(label[lang])}** — {t(said, lang, category=md(label[lang]))}")
            continue
        found = _route(str(path), stamp(path), block_id, facility_id)
        facility_name = facilities.loc[facility_id, "name"]
        shown_name = md(facility_name) if isinstance(facility_name, str) and facility_name else t("unnamed", lang)
        if found is None:
            continue
        coords, metres, steps_metres = found
        minutes = walking_minutes(metres, steps_metres, pace)
        lines.append(
            f"{icon} **{md(label[lang])}** — "
            + t("resident_walk", lang, name=shown_name, minutes=f"{minutes:.0f}", metres=f"{metres:,.0f}")
            + (t("resident_partly_held_note", lang, category=md(label[lang])) if verdict == LIKELY_INCOMPLETE else "")
        )
        routes.append((coords, f"{label[lang]}: {shown_name}"))
    for line in lines:
        st.markdown(line)
    missing = row[f"missing_{lang}"]
    if missing:
        st.subheader(t("resident_missing_title", lang))
        for item in missing.split(t("clause_sep", lang)):
            st.markdown(f"• {md(item)}")
    gaps = [result.labels[k][lang] for k, v in verdicts.items() if v != ASSESSED and k in result.labels]
    if gaps:
        st.subheader(t("resident_data_title", lang))
        st.markdown(md(t("resident_data_gaps", lang, categories=t("list_sep", lang).join(gaps))))
    _route_map(lang, study, block, routes)
    st.caption(t("resident_map_note", lang))
    st.info(t("resident_share", lang))
    date = study.summary.source.data_date or "—"
    st.caption(t("resident_data", lang, date=date, attribution=t("attribution", lang)))


def _route_map(lang: str, study, block, routes: list) -> None:
    west, south, east, north = block.geometry.bounds
    pad = 0.006
    fmap = maps.base_map((west - pad, south - pad, east + pad, north + pad), "osm", lang=lang)
    folium.GeoJson(
        gpd.GeoSeries([block.geometry], crs=study.blocks.crs).to_json(),
        style_function=lambda _: {"color": "#000000", "weight": 3, "fillOpacity": 0.15},
    ).add_to(fmap)
    for index, (coords, label) in enumerate(routes):
        folium.PolyLine(
            [(lat, lon) for lon, lat in coords],
            color=ROUTE_COLOURS[index % len(ROUTE_COLOURS)],
            weight=5,
            opacity=0.85,
            tooltip=label,
        ).add_to(fmap)
        folium.CircleMarker(
            [coords[-1][1], coords[-1][0]],
            radius=7,
            color="#ffffff",
            weight=2,
            fill=True,
            fill_color=ROUTE_COLOURS[index % len(ROUTE_COLOURS)],
            fill_opacity=1.0,
            tooltip=label,
        ).add_to(fmap)
    maps.use_local_leaflet(fmap)
    st_folium(fmap, key="resident_route_map", height=380, width="stretch", returned_objects=[])
