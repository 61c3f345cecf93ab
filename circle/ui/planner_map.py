"""The planner's map: blocks by the chosen measure, facilities, the chosen point's walk, what-if and closures.

Drawn by :func:`planner_map` in the page's fragment (:mod:`circle.ui.planner`): the base (blocks, streets,
water and green) stays, and a click redraws only the layers it changes.
"""

from __future__ import annotations

from pathlib import Path

import folium
import numpy as np
import streamlit as st
from streamlit_folium import st_folium

from circle.colours import SUGGESTED, WHATIF, category_colour, category_marker
from circle.errors import CircleError
from circle.i18n import t
from circle.study.block_figures import population_flags
from circle.study.columns import BLOCK_ID
from circle.tasks.walks import isochrone
from circle.ui import closures, maps
from circle.ui import state as key
from circle.ui.closures import CLOSED_COLOUR, CUT_OFF_COLOUR
from circle.ui.data import (
    block_overlay,
    blocks_for_display,
    draws_blocks_as_image,
    facility_points,
    land_overlay_url,
    load_study,
    stamp,
    street_overlay,
    study_hull,
)
from circle.ui.legend import LegendControl, Swatch, explain, section_html
from circle.ui.study_state import StudyState


def _legend(measure: str, category: str, labels: dict, lang: str) -> str:
    if measure == "time":
        return t("legend_time", lang, category=labels[category][lang])
    return t(f"legend_{measure}", lang)


def planner_map(lang: str, path: Path, study, result, controls: dict, work: StudyState):
    """Draw the map: a base that stays the same between clicks, and the layers a click or a what-if changes.

    The base (tiles, the study's own streets, blocks, facilities, outline) is
    rebuilt from cached parts on every run and is the same script each time,
    so the browser keeps its map; what changes travels as separate layers.
    A city's blocks are server-drawn images; near the chosen point they are
    vectors with tooltips. The map's key holds the study's token: a click
    or a shape drawn on one study's map never reaches another study.
    """
    system = controls["display"]
    st.session_state[key.DISPLAY] = system
    where, when = str(path), stamp(path)
    blocks = blocks_for_display(where, when, system)
    west, south, east, north = study.summary.bbox
    pad_lat, pad_lon = 0.003, 0.003 / max(np.cos(np.radians((south + north) / 2)), 0.1)
    south, west = maps.shift_point(south - pad_lat, west - pad_lon, system)
    north, east = maps.shift_point(north + pad_lat, east + pad_lon, system)
    fmap = maps.base_map(
        (west, south, east, north), controls["basemap"], controls["tile_url"], controls["attribution"], lang
    )
    maps.add_street_base(fmap, street_overlay(where, when, system), lang, land_overlay_url(where, when, system))
    measure, category = controls["measure"], controls["category"]
    values = maps.measure_values(measure, category, study.blocks, result.scores)
    caption = _legend(measure, category, result.labels, lang)
    as_image = draws_blocks_as_image(study)
    label = result.labels[category][lang]
    scale = maps.scale_for(measure, category, values, result.summary.preset, lang, result.summary.not_mapped, label)
    legend = scale.legend_html(caption)
    if as_image:
        images = block_overlay(where, when, system, result.summary.preset, measure, category)
        maps.add_images(fmap, images, t("layer_blocks", lang), opacity=1.0, legend=legend)
    else:
        maps.add_blocks(fmap, blocks, values, scale, legend, lang, result.scores)
    maps.add_facilities(fmap, _facility_layers(lang, where, when, system, result.labels, controls["shown"]), lang)
    maps.add_outline(fmap, study_hull(where, when, system), lang)
    folium.LayerControl(collapsed=True).add_to(fmap)
    LegendControl(t("legend_title", lang), t("legend_toggle_hint", lang)).add_to(fmap)
    maps.MapBehaviour(_first_view(blocks), view_key=work.map_key).add_to(fmap)
    if closures.drawing_on():
        closures.add_drawing_tools(fmap)
    maps.use_local_leaflet(fmap)
    layers = _changing_layers(lang, path, study, result, controls, blocks, values, (scale, legend), as_image, work)
    if as_image:
        st.caption(t("city_blocks_hint", lang, count=f"{len(study.blocks):,}"))
    else:
        bands = "/".join(f"{m:.2g}" for m in _band_minutes(controls["threshold"]))
        st.caption(f"{t('click_hint', lang, bands=bands)} {t('wheel_hint', lang)}")
    if system != "wgs84":
        st.info(t("gcj02_note", lang))
    center, zoom = _focus(work, system)
    if center is not None:  # a row or a site chosen below the map: bring the map into view
        st.html(SCROLL_TO_MAP, unsafe_allow_javascript=True)
    output = st_folium(
        fmap,
        key=work.map_key,
        height=620,
        use_container_width=True,
        feature_group_to_add=layers,
        center=center,
        zoom=zoom,
        returned_objects=["last_clicked", "all_drawings"] if closures.drawing_on() else ["last_clicked"],
    )
    return output or {}


def _facility_layers(lang: str, where: str, when: float, system: str, labels: dict, shown: list[str]) -> list:
    """Return ``(url, label, colour, marker)`` of each shown category's facilities."""
    layers = []
    for index, category in enumerate(labels):
        if category not in shown:
            continue
        label = labels[category][lang]
        url = facility_points(where, when, system, category, label, t("unnamed", lang))
        if url is not None:
            layers.append((url, label, category_colour(index), category_marker(index)))
    return layers


def _changing_layers(
    lang: str, path: Path, study, result, controls, blocks, values, scale: tuple, as_image: bool, work: StudyState
) -> list:
    """Return the layers a click, a what-if or a suggestion changes (sent beside the base, which stays)."""
    system = controls["display"]
    layers = []
    point = work.point
    scenario = work.scenario
    if point is not None and as_image:
        near = maps.blocks_near(blocks, *maps.shift_point(point[0], point[1], system))
        group = folium.FeatureGroup(name=t("layer_nearby", lang))
        if len(near):
            maps.add_blocks(group, blocks.iloc[near], values[near], *scale, lang, result.scores.iloc[near])
        layers.append(group)
    chosen = work.block
    outlined = set(scenario["affected"]) if scenario else set()
    if chosen is not None:
        outlined.add(chosen)
    flagged = _flagged_outlines(str(path), stamp(path), system, lang)
    if flagged is not None:
        layers.append(flagged)
    if outlined:
        group = folium.FeatureGroup(name=t("layer_affected", lang))
        maps.add_block_outlines(group, blocks[blocks[BLOCK_ID].isin(outlined - {chosen})], lang)
        if chosen is not None:  # the chosen block stands out on any colour: a white halo under a black line
            _add_halo(group, blocks[blocks[BLOCK_ID] == chosen], lang)
        layers.append(group)
    if point is not None:
        bands = _isochrone(str(path), stamp(path), point, _band_minutes(controls["threshold"]))
        if bands is not None:
            group = folium.FeatureGroup(name=t("layer_isochrone", lang))
            maps.add_isochrone(group, maps.shift_frame(bands, system), lang)
            layers.append(group)
    if scenario:
        group = folium.FeatureGroup(name=t("layer_whatif", lang))
        maps.add_points(
            group,
            [(*maps.shift_point(c["lat"], c["lon"], system), c["category"]) for c in scenario["added"]],
            t("layer_whatif", lang),
            WHATIF,
            t("legend_whatif", lang),
        )
        layers.append(group)
    if scenario:
        layers += _closure_legends(closures.closure_layers(lang, scenario, blocks, system), scenario, lang)
    suggestions = work.suggestions
    if suggestions:
        group = folium.FeatureGroup(name=t("layer_suggestions", lang))
        maps.add_points(
            group,
            [(*maps.shift_point(r["lat"], r["lon"], system), f"#{r['rank']}: +{r['gain']:,.0f}") for r in suggestions],
            t("layer_suggestions", lang),
            SUGGESTED,
            t("legend_suggested", lang),
        )
        layers.append(group)
    return layers


def _flagged_outlines(where: str, when: float, system: str, lang: str):
    """Return the layer of the blocks whose population is flagged, or None when there are none."""
    found = _flagged_file(where, when, system, lang)
    return None if found is None else maps.flagged_layer(*found, lang)


@st.cache_data(max_entries=32, show_spinner=False)
def _flagged_file(where: str, when: float, system: str, lang: str) -> tuple[str, int] | None:
    """Write the flagged blocks' outlines and why each is flagged once per study, system and language."""
    blocks = blocks_for_display(where, when, system)
    flagged = blocks[population_flags(blocks) != ""]
    return None if flagged.empty else (maps.flagged_shapes_url(flagged, lang), len(flagged))


def _add_halo(group, chosen, lang: str) -> None:
    """Outline the chosen block twice, white under black, so it shows on every colour of the map."""
    if chosen.empty:
        return
    shapes = chosen[[BLOCK_ID, "geometry"]].to_json()
    for style in ({"color": "#ffffff", "weight": 7, "opacity": 0.9}, {"color": "#000000", "weight": 3}):
        line = folium.GeoJson(shapes, style_function=lambda _, s=style: {**s, "fill": False}, interactive=False)
        line.add_to(group)
    explain(line, section_html("", [Swatch(t("legend_chosen", lang), "#000000", "dashed", stroke="#ffffff")]), order=59)


def _closure_legends(groups: list, scenario: dict, lang: str) -> list:
    """Give the closure's layers (closed segments, then blocks cut off, each when there are any) their legend rows."""
    rows = [
        Swatch(t("layer_closed", lang, count=len(scenario.get("closed_lines") or [])), CLOSED_COLOUR, "line"),
        Swatch(t("layer_cut_off", lang), CUT_OFF_COLOUR),
    ]
    present = [
        row for row, shown in zip(rows, (scenario.get("closed_lines"), scenario.get("cut_off")), strict=True) if shown
    ]
    for group, row in zip(groups, present, strict=False):
        explain(group, section_html("", [row]), order=62)
    return groups


def _band_minutes(threshold: float) -> tuple[float, float, float]:
    """Return the walking bands drawn around a chosen point: the threshold's thirds (5/10/15 at 15 minutes)."""
    limit = float(threshold)
    return (limit / 3, 2 * limit / 3, limit)


def _first_view(blocks) -> list[list[float]]:
    """Return the first view: the residential blocks (what the study is about), a little padded."""
    west, south, east, north = (float(v) for v in blocks.total_bounds)
    pad_x, pad_y = max((east - west) * 0.04, 0.002), max((north - south) * 0.04, 0.002)
    return [[south - pad_y, west - pad_x], [north + pad_y, east + pad_x]]


def _focus(work: StudyState, system: str) -> tuple[list[float] | None, int | None]:
    """Centre and zoom of a place just chosen (a priority row, a suggested site), on the run after the choice only.

    The map pans there without being rebuilt; on later runs it keeps the view
    the planner has moved to (the browser remembers it, see
    :class:`circle.ui.maps.MapBehaviour`). The centre moves by a few
    millimetres on each choice, so choosing the same place again after
    panning away brings it back (streamlit-folium moves the map only when the
    centre it is given changes).
    """
    focus = work.take_focus()
    if not focus:
        return None, None
    (lat, lon), zoom = maps.view_of(tuple(focus), zooms=(12, 18))
    lat, lon = maps.shift_point(lat, lon, system)
    return [lat + (work.focus_moves % 2) * 1e-8, lon], zoom


#: scrolls the page so the planner's map is in view (run in the page by st.html once a place is chosen)
SCROLL_TO_MAP = """<script>
(function (tries) {
    function scroll() {
        // the map's frame, by its own title or the one kept when its title was put in Chinese (builtin_words)
        var name = "streamlit_folium.st_folium";
        var wanted = 'iframe[title="' + name + '"], iframe[data-circle-en-title="' + name + '"]';
        var map = document.querySelector(wanted) || window.parent.document.querySelector(wanted);
        if (map) { map.scrollIntoView({behavior: "smooth", block: "center"}); return; }
        if (tries-- > 0) { setTimeout(scroll, 150); }
    }
    setTimeout(scroll, 100);
})(20);
</script>"""


@st.cache_data(max_entries=64, show_spinner=False)
def _isochrone(path: str, _stamp: float, point: tuple[float, float], minutes: tuple[float, ...]):
    try:
        return isochrone(load_study(path, _stamp), point, minutes=minutes).bands
    except CircleError:
        return None
