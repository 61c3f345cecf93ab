"""Closures in the planner page: draw lines or areas on the map, close them, see who is cut off.

The map's drawing tools (Leaflet.draw, vendored) are shown while the
planner's "draw closures" switch is on; what is drawn comes back through
streamlit-folium as GeoJSON in the map's display system and is taken back
to WGS-84 here. Closing adds ``close`` changes to the study's scenario
(:class:`circle.ui.study_state.StudyState`), which the what-if recomputes and
saves like facility changes; the shapes drawn stay with the study's map.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import folium
import streamlit as st
from folium.plugins import Draw

from circle.i18n import t
from circle.study.columns import BLOCK_ID
from circle.study.scenarios import Change
from circle.ui import maps
from circle.ui import state as key
from circle.ui.builtin_words import localise_drawing

CLOSED_COLOUR = "#111111"
CUT_OFF_COLOUR = "#7f1d12"


def drawing_on() -> bool:
    """Whether this session shows the drawing tools on the map."""
    return bool(st.session_state.get(key.DRAWING))


def add_drawing_tools(fmap: folium.Map) -> None:
    """Add the line, polygon and rectangle tools (no markers or circles: a closure is a barrier or an area)."""
    localise_drawing(fmap)  # Leaflet.draw's tooltips and titles in the page's language, before the tools are made
    Draw(
        export=False,
        draw_options={
            "polyline": {"shapeOptions": {"color": CLOSED_COLOUR, "weight": 4}},
            "polygon": {"shapeOptions": {"color": CLOSED_COLOUR}},
            "rectangle": {"shapeOptions": {"color": CLOSED_COLOUR}},
            "circle": False,
            "marker": False,
            "circlemarker": False,
        },
        edit_options={"edit": False},
    ).add_to(fmap)


def drawn_geometries(map_state: dict[str, Any] | None, system: str) -> list[dict]:
    """Return the lines and polygons drawn on the map as GeoJSON geometries in WGS-84."""
    features = (map_state or {}).get("all_drawings") or []
    geometries = []
    for feature in features:
        geometry = (feature or {}).get("geometry") or {}
        kind = geometry.get("type")
        if kind == "LineString":
            geometries.append({"type": kind, "coordinates": _unshift(geometry["coordinates"], system)})
        elif kind == "Polygon":
            rings = [_unshift(ring, system) for ring in geometry["coordinates"]]
            geometries.append({"type": kind, "coordinates": rings})
    return geometries


def _unshift(coordinates: list, system: str) -> list[list[float]]:
    out = []
    for lon, lat, *_ in coordinates:
        lat_w, lon_w = maps.unshift_point(float(lat), float(lon), system)
        out.append([lon_w, lat_w])
    return out


def closure_controls(lang: str, map_state: dict | None, system: str, recompute: Callable[[list[dict]], None]) -> None:
    """Show the switch for the drawing tools and the buttons that close what is drawn or every flight of steps.

    ``map_state`` is what streamlit-folium returned for the study's map; ``recompute`` takes the new ``close``
    changes and applies them with the study's scenario.
    """
    st.markdown(f"**{t('close_title', lang)}**")
    st.toggle(t("close_draw_toggle", lang), key=key.DRAWING)
    drawn = drawn_geometries(map_state, system) if drawing_on() else []
    if drawing_on():
        st.caption(t("close_draw_hint", lang) + " " + t("map_drawing_no_click", lang))
    left, right = st.columns(2)
    if left.button(t("close_drawn", lang, count=len(drawn)), key="close_drawn", disabled=not drawn):
        recompute([asdict(Change("close", geometry=g)) for g in drawn])
    if right.button(t("close_steps", lang), key="close_steps"):
        recompute([asdict(Change("close", steps=True))])


def closure_message(lang: str, closure: dict[str, Any], labels: dict) -> None:
    """Say what the closures did: segments closed, blocks cut off, who walks longer to what."""
    st.warning(
        t(
            "close_result",
            lang,
            segments=closure["segments_closed"],
            length=f"{closure['length_closed_m']:,.0f}",
            blocks=closure["blocks_cut_off"],
            residents=f"{closure['residents_cut_off']:,.0f}",
        )
    )
    rows = [
        {
            t("category", lang): labels.get(category, {}).get(lang, category),
            t("rpt_closure_longer", lang): f"{figures['residents_longer']:,.0f}",
            t("rpt_closure_mean", lang): _plus(figures["mean_longer_min"]),
            t("rpt_closure_max", lang): _plus(figures["max_longer_min"]),
            t("rpt_closure_lost", lang): f"{figures['residents_lost_reach']:,.0f}",
        }
        for category, figures in closure["categories"].items()
    ]
    if rows:
        st.dataframe(rows, hide_index=True, use_container_width=True)


def _plus(minutes: float | None) -> str:
    return "—" if minutes is None else f"+{minutes:.1f}"


def closure_layers(lang: str, scenario: dict[str, Any], blocks, system: str) -> list:
    """Return the map layers of a closure: the closed segments and the blocks cut off."""
    layers = []
    lines = scenario.get("closed_lines") or []
    if lines:
        group = folium.FeatureGroup(name=t("layer_closed", lang, count=len(lines)))
        for line in lines:
            folium.PolyLine(
                [maps.shift_point(lat, lon, system) for lat, lon in line], color=CLOSED_COLOUR, weight=5, opacity=0.9
            ).add_to(group)
        layers.append(group)
    cut = set(scenario.get("cut_off") or [])
    if cut:
        group = folium.FeatureGroup(name=t("layer_cut_off", lang))
        chosen = blocks[blocks[BLOCK_ID].isin(cut)]
        folium.GeoJson(
            chosen[[BLOCK_ID, "geometry"]].to_json(),
            style_function=lambda _: {
                "color": CUT_OFF_COLOUR,
                "weight": 2,
                "fillColor": CUT_OFF_COLOUR,
                "fillOpacity": 0.6,
            },
        ).add_to(group)
        layers.append(group)
    return layers
