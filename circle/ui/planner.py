"""The planner's page: a map of service gaps, click-to-explore, priorities, what-if and suggestions."""

from __future__ import annotations

import tempfile
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from circle.colours import SUGGESTED, WHATIF, category_colour, category_marker
from circle.deploy.config import Deployment
from circle.errors import CircleError
from circle.i18n import percent, t
from circle.standards import builtin_presets, load_preset, load_profile, profile_names
from circle.study.block_figures import population_flags
from circle.study.columns import BLOCK_ID, time_column
from circle.tasks.build import AnalysisOptions
from circle.tasks.walks import isochrone, reachable
from circle.ui import changes, closures, maps
from circle.ui import state as key
from circle.ui.access import User
from circle.ui.closures import CLOSED_COLOUR, CUT_OFF_COLOUR
from circle.ui.data import (
    block_overlay,
    blocks_for_display,
    draws_blocks_as_image,
    facility_points,
    land_overlay_url,
    list_comparisons,
    list_studies,
    load_scores,
    load_study,
    stamp,
    street_overlay,
    study_hull,
)
from circle.ui.legend import LegendControl, Swatch, explain, section_html
from circle.ui.new_study import new_study_link
from circle.ui.paths import shown
from circle.ui.study_state import StudyState, study_state
from circle.ui.text import csv_bytes, md
from circle.ui.whatif import suggestions_panel, whatif_panel
from circle.ui.widgets import build_study, choice, preset_title, show_built_notes
from circle.words.findings import counted_label, coverage_notes, share_text
from circle.words.findings import explain as explain_verdict
from circle.words.places import admin_unit_names, has_admin_units, shown_names

MEASURES = ("score", "time", "tier", "priority", "population")
TABLE_ROWS = 500  # rows of the priority table on the page
FLAGGED_KEPT = "flagged_kept"  # the check box keeping flagged blocks in the priorities (one per study)
FLAGGED_LIST = "flagged_list"  # the expander listing the flagged blocks (one per study)
GAP_TABS = "gap_tabs"  # the priority tables' tabs (blocks, areas): the areas' table is built only when opened


def page(deployment: Deployment, user: User) -> None:
    """Render the planner page for a signed-in planner."""
    lang = st.session_state.get(key.LANG, "zh")
    st.title(t("app_title", lang))
    show_built_notes()  # the study just built on the new-study page: it is the chosen one
    new_study_link(lang)
    studies = list_studies(deployment.studies)
    if not studies:
        st.info(t("no_study_build", lang))
        return
    names = [p.name for p in studies]
    chosen = st.sidebar.selectbox(t("study", lang), names, key=key.STUDY)
    path = studies[names.index(chosen)]
    work = study_state(path)  # this study's point, what-if, closures, sites: nothing of another study shows
    study = load_study(str(path), stamp(path))
    presets = _presets_for(study)
    preset = st.sidebar.selectbox(
        t("preset", lang), presets, key=key.PRESET, format_func=lambda n: preset_title(n, lang)
    )
    if work.preset not in (None, preset):
        work.suggestions = None  # chosen against another preset's thresholds
    work.preset = preset
    try:
        # the planner keeps flagged blocks in the priorities only by ticking the box under "check these data"
        include_flagged = bool(st.session_state.get(work.widget_key(FLAGGED_KEPT), False))
        result = load_scores(str(path), stamp(path), preset, include_flagged)
    except CircleError as exc:
        st.error(t("error", lang, message=shown(exc)))
        return
    labels = result.labels
    controls = _controls(lang, labels, study, deployment, user)
    _overview(lang, result, labels)
    _explorer(lang, path, study, result, controls, user, work)
    _gaps(lang, result, study, work)
    _suggestions(lang, study, labels, work)
    with st.expander(t("changes_title", lang)):
        changes.changes_panel(lang, deployment.studies, list_comparisons(deployment.studies))


def _presets_for(study) -> list[str]:
    return _usable_presets(tuple(study.blocks.columns), study.summary.preset.name)


@st.cache_data(max_entries=16, show_spinner=False)
def _usable_presets(columns: tuple[str, ...], own: str) -> list[str]:
    """Return the built-in presets whose categories the study has times for, its own first."""
    usable = []
    for name in builtin_presets():
        categories = [c.key for c in load_preset(name).categories]
        if all(time_column(c, 1) in columns for c in categories):
            usable.append(name)
    return sorted(usable, key=lambda n: n != own) or [own]


def _controls(lang: str, labels: dict, study, deployment: Deployment, user: User) -> dict:
    sidebar = st.sidebar
    measure = choice(
        sidebar, "selectbox", t("measure", lang), list(MEASURES), key.MEASURE, lang, lambda m: t(f"measure_{m}", lang)
    )
    categories = list(labels)
    category = choice(
        sidebar, "selectbox", t("category", lang), categories, key.CATEGORY, lang, lambda c: labels[c][lang]
    )
    # a city shows one category's facilities at first: all of them would bury the blocks' colours
    shown = choice(
        sidebar,
        "multiselect",
        t("categories_shown", lang),
        categories,
        key.SHOWN,
        lang,
        lambda c: labels[c][lang],
        default=[category] if draws_blocks_as_image(study) else None,
    )
    threshold = sidebar.slider(t("threshold", lang), 5, 30, 15, step=5, key="threshold")
    _profile_control(lang, study, deployment, user)
    # online tiles only where the deployment allows them: by default the base is the study's own (offline)
    basemaps = ["study", "osm", "amap", "custom"] if deployment.online_basemaps else ["study"]
    basemap = st.session_state[key.BASEMAP] = "study"  # other pages' maps read the choice too
    if len(basemaps) > 1:
        basemap = choice(
            sidebar,
            "radio",
            t("basemap", lang),
            basemaps,
            key.BASEMAP,
            lang,
            lambda b: t(f"basemap_{b}", lang),
            horizontal=True,
        )
    tile_url = attribution = ""
    custom_gcj02 = False
    if basemap == "custom":
        tile_url = sidebar.text_input(t("tile_url", lang), key=key.TILE_URL)
        attribution = sidebar.text_input(t("tile_attribution", lang), key=key.TILE_ATTRIBUTION)
        custom_gcj02 = sidebar.checkbox(t("tile_gcj02", lang), key=key.TILE_GCJ02)
    system = maps.display_system(basemap, custom_gcj02)
    return {
        "display": system,
        "measure": measure,
        "category": category,
        "shown": shown,
        "threshold": threshold,
        "basemap": basemap,
        "tile_url": tile_url,
        "attribution": attribution,
    }


def _profile_control(lang: str, study, deployment: Deployment, user: User) -> None:
    built = study.summary.profile.name
    names = profile_names()
    wanted = choice(
        st.sidebar,
        "selectbox",
        t("profile", lang),
        names,
        key.PROFILE,
        lang,
        lambda n: getattr(load_profile(n), f"label_{lang}"),
        default=built,
    )
    if wanted == built:
        return
    st.sidebar.warning(
        t(
            "profile_rebuild",
            lang,
            built=getattr(load_profile(built), f"label_{lang}"),
            wanted=getattr(load_profile(wanted), f"label_{lang}"),
        )
    )
    if st.sidebar.button(t("rebuild", lang), key="rebuild_profile"):
        # the study's own source, as its summary records it (not a path a user typed)
        source = study.summary.source.path
        target = deployment.studies / f"{study.path.name}-{wanted}"
        options = AnalysisOptions(source=source, out=target, profile=wanted, overwrite=True)
        with st.sidebar:
            try:
                build_study(lang, deployment, user, options, study.summary.source.file)
            except CircleError as exc:
                st.error(t("error", lang, message=shown(exc)))
                return
        st.session_state[key.STUDY] = target.name
        st.rerun()


def _overview(lang: str, result, labels: dict) -> None:
    summary = result.summary
    st.subheader(t("summary_title", lang))
    first, second, third, fourth = st.columns(4)
    first.metric(t("f15", lang), percent(summary.F15))
    within = summary.categories_within_15
    second.metric(t("cat_within_15", lang), "—" if within is None else f"{within:.1f} / {len(summary.categories)}")
    known = summary.proximity_min is not None and np.isfinite(summary.proximity_min)  # no category assessed: none
    third.metric(t("proximity", lang), t("minutes", lang, value=summary.proximity_min) if known else "—")
    gini = summary.gini_proximity
    fourth.metric(t("gini", lang), f"{gini:.3f}" if gini is not None and np.isfinite(gini) else "—")
    first_category = next(iter(summary.categories.values()), None)
    counted = list(first_category.within_min or {}) if first_category is not None else []
    table = pd.DataFrame(
        {
            t("category", lang): [labels[c][lang] for c in summary.categories],
            t("demand_counts", lang): [counted_label(v, lang) for v in summary.categories.values()],
            t("coverage", lang): [percent(v.coverage) for v in summary.categories.values()],
            t("unserved", lang): [f"{v.unserved:,.0f}" for v in summary.categories.values()],
            **{
                t("within_minutes", lang, minutes=m): [
                    percent((v.within_min or {}).get(m)) for v in summary.categories.values()
                ]
                for m in counted
            },
        }
    )
    apart = [*summary.likely_incomplete, *summary.not_mapped]
    assessed = t("list_sep", lang).join(md(labels[c][lang]) for c in summary.categories)
    st.caption(
        t("dq_assessed_list", lang, categories=assessed)
        + (" " + t("dq_f15_over", lang, count=len(summary.categories)) if apart else "")
    )
    with st.expander(t("coverage", lang), expanded=False):
        st.table(table.set_index(t("category", lang)))  # plain HTML: the page need not load the grid first
        for note in coverage_notes(summary.categories, lang):  # a category counting everyone for want of ages
            st.caption(md(note))
    if apart:
        _data_gaps(lang, summary, labels, apart)


def _data_gaps(lang: str, summary, labels: dict, apart: list[str]) -> None:
    """Say which categories are left out of the scores, why, and what the bureau can do."""
    with st.expander(t("dq_apart_list", lang, categories=t("list_sep", lang).join(labels[c][lang] for c in apart))):
        for key in apart:
            line = explain_verdict(summary.completeness[key], labels[key][lang], summary.population, lang)
            lower = (summary.set_apart or {}).get(key)
            if lower is not None:
                line += t("clause_sep", lang) + t("dq_lower_bound", lang, coverage=share_text(lower, lang))
            st.markdown("• " + md(line))
        st.caption(t("dq_fix_app", lang))


def _legend(measure: str, category: str, labels: dict, lang: str) -> str:
    if measure == "time":
        return t("legend_time", lang, category=labels[category][lang])
    return t(f"legend_{measure}", lang)


@st.fragment
def _explorer(lang: str, path: Path, study, result, controls: dict, user: User, work: StudyState) -> None:
    """Show the map, what a click finds and the what-if: a click reruns only this part of the page."""
    _consume_click(study, work)
    _map(lang, path, study, result, controls, work)
    _explore(lang, study, result, result.labels, work)
    _whatif(lang, path, study, result, result.labels, user, work)


def _map(lang: str, path: Path, study, result, controls: dict, work: StudyState):
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


def _consume_click(study, work: StudyState) -> None:
    """Take the map's last click (kept by streamlit-folium under its key) before the map is drawn again."""
    value = st.session_state.get(work.map_key) or {}
    last = value.get("last_clicked")
    if not last:
        return
    clicked = (round(float(last["lat"]), 6), round(float(last["lng"]), 6))
    if clicked == work.last_click:
        return
    work.last_click = clicked
    # a click on a map drawn in GCJ-02 (to match Chinese tiles) is taken back to WGS-84
    lat, lon = maps.unshift_point(*clicked, st.session_state.get(key.DISPLAY, "wgs84"))
    seen = (round(lat, 6), round(lon, 6))
    work.choose(seen, _block_at(study, seen[0], seen[1]))


def _explore(lang: str, study, result, labels: dict, work: StudyState) -> None:
    with st.expander(t("or_coordinates", lang)):
        west, south, east, north = study.summary.bbox
        lat = st.number_input(t("latitude", lang), value=(south + north) / 2, format="%.6f", key=key.LAT_INPUT)
        lon = st.number_input(t("longitude", lang), value=(west + east) / 2, format="%.6f", key=key.LON_INPUT)
        if st.button(t("explore", lang), key="explore_point"):
            work.choose((float(lat), float(lon)), _block_at(study, lat, lon))
            key.rerun_fragment()
    point, block_id = work.point, work.block
    card, reached = st.columns(2)
    if block_id is not None:
        with card:
            _block_card(lang, study, result, labels, block_id)
    if point is not None:
        with reached:
            _reached_list(lang, study, labels, point)


def _block_at(study, lat: float, lon: float) -> str | None:
    hits = study.blocks.sindex.query(shapely.Point(lon, lat), predicate="intersects")
    return str(study.blocks[BLOCK_ID].iloc[hits[0]]) if len(hits) else None


def _block_card(lang: str, study, result, labels: dict, block_id: str) -> None:
    scores = result.scores.set_index(BLOCK_ID)
    if block_id not in scores.index:
        return
    row = scores.loc[block_id]
    block = study.blocks.set_index(BLOCK_ID).loc[block_id]
    chosen = study.blocks[study.blocks[BLOCK_ID] == block_id]
    name = shown_names(chosen, lang, t("unnamed", lang))[0]
    st.markdown(f"#### {t('block_title', lang, name=md(name))}")
    unit = admin_unit_names(chosen, lang)[0]
    if unit and unit != name:
        st.caption(md(unit))
    first, second, third = st.columns(3)
    first.metric(t("residents", lang), f"{row['population']:,.0f}")
    second.metric(t("score", lang), f"{row['score']:.0f}", row[f"band_{lang}"], delta_color="off")
    third.metric(
        t("tier", lang), t("minutes", lang, value=int(row["tier_met"])) if row["tier_met"] else t("tier_none", lang)
    )
    times = pd.DataFrame(
        {
            t("category", lang): [labels[c][lang] for c in labels],
            t("minutes_unit", lang): [
                "—" if np.isnan(block[time_column(c, 1)]) else f"{float(block[time_column(c, 1)]):.1f}" for c in labels
            ],
        }
    )
    st.dataframe(times, hide_index=True, width="stretch")
    missing = row[f"missing_{lang}"]
    st.markdown(f"**{t('missing', lang)}**: {md(missing) if missing else t('nothing_missing', lang)}")


def _reached_list(lang: str, study, labels: dict, point: tuple[float, float]) -> None:
    st.markdown(f"#### {t('reached_title', lang)}")
    try:
        reached = reachable(study, point[0], point[1])
    except CircleError as exc:
        st.warning(t("error", lang, message=shown(exc)))
        return
    rows = []
    for category in labels:
        mine = reached[reached["category"] == category].head(3)
        if mine.empty:
            rows.append(
                {t("category", lang): labels[category][lang], t("col_name", lang): "—", t("minutes_unit", lang): "—"}
            )
        for item in mine.itertuples():
            rows.append(
                {
                    t("category", lang): labels[category][lang],
                    t("col_name", lang): item.name if isinstance(item.name, str) else t("unnamed", lang),
                    t("minutes_unit", lang): f"{item.minutes:.1f}",
                }
            )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _flagged(lang: str, result, study, work: StudyState) -> None:
    """List the blocks whose population is flagged, to be checked before any priority is read."""
    flagged = result.summary.flagged_blocks or []
    if not flagged:
        return
    st.markdown(f"**{t('flag_title', lang)}**")
    st.caption(t("flag_kept_in" if result.summary.flagged_in_priorities else "flag_left_out", lang))
    # the list is built when opened: a city flags a thousand blocks or more, and the map comes first
    listing = st.expander(
        t("flag_list", lang, count=f"{len(flagged):,}"), on_change="rerun", key=work.widget_key(FLAGGED_LIST)
    )
    if listing.open:
        with listing:
            _flagged_table(lang, study, flagged)
    st.checkbox(t("flag_keep", lang), key=work.widget_key(FLAGGED_KEPT))


def _flagged_table(lang: str, study, flagged: list[dict]) -> None:
    """List the flagged blocks (the first :data:`TABLE_ROWS`; the downloads hold every one)."""
    if len(flagged) > TABLE_ROWS:
        st.caption(t("table_first", lang, shown=f"{TABLE_ROWS:,}", total=f"{len(flagged):,}"))
        flagged = flagged[:TABLE_ROWS]
    listed = study.blocks.set_index(study.blocks[BLOCK_ID].astype(str).rename(None), drop=False)
    listed = listed.reindex([row[BLOCK_ID] for row in flagged]).assign(**{BLOCK_ID: lambda frame: frame.index})
    table = pd.DataFrame(
        {
            t("col_name", lang): shown_names(listed, lang),
            t("col_population", lang): [round(row["population"]) for row in flagged],
            t("col_density", lang): [row["density_per_ha"] for row in flagged],
            t("col_flag", lang): [t(f"flag_{row['pop_flag']}", lang) for row in flagged],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")


def _gaps(lang: str, result, study, work: StudyState) -> None:
    st.subheader(t("gaps_title", lang))
    _flagged(lang, result, study, work)
    # the areas' tab is built only when opened: a city has thousands of areas, and the map comes first
    blocks_tab, areas_tab = st.tabs([t("blocks_tab", lang), t("areas_tab", lang)], on_change="rerun", key=GAP_TABS)
    ranked = result.scores[result.scores["priority_rank"] > 0].sort_values("priority_rank")
    everyone = len(ranked)
    ranked = ranked.head(TABLE_ROWS)  # the page lists the first; the downloads hold every block
    # only the listed blocks are named (a city has tens of thousands); one missing from the blocks is called by its id
    listed = study.blocks.set_index(study.blocks[BLOCK_ID].astype(str).rename(None), drop=False)
    listed = listed.reindex(ranked[BLOCK_ID].astype(str).to_numpy()).assign(**{BLOCK_ID: lambda frame: frame.index})
    units = admin_unit_names(listed, lang)
    where = {t("col_admin", lang): units} if has_admin_units(study.blocks) else {}
    table = pd.DataFrame(
        {
            t("col_rank", lang): ranked["priority_rank"].to_numpy(),
            t("col_name", lang): shown_names(listed, lang),
            **where,
            t("col_population", lang): ranked["population"].round(0).to_numpy(),
            t("col_score", lang): ranked["score"].to_numpy(),
            t("col_priority", lang): ranked["priority"].round(1).to_numpy(),
            t("col_reasons", lang): ranked[f"reasons_{lang}"].to_numpy(),
        }
    )
    with blocks_tab:
        st.caption(t("select_row_hint", lang))
        if everyone > len(ranked):
            st.caption(t("table_first", lang, shown=f"{len(ranked):,}", total=f"{everyone:,}"))
        event = st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-row",
            key=work.widget_key(key.GAP_TABLE),  # a selection made in one study selects nothing in another
            height=300,
            column_config=_priority_columns(lang),
        )
        rows = event.selection.rows if event is not None else []
        if not rows:
            work.picked_row = None
        else:
            block_id = str(ranked[BLOCK_ID].iloc[rows[0]])
            if work.picked_row != block_id:  # a new selection (the same one comes back on every rerun)
                work.picked_row = block_id
                geometry = study.blocks.set_index(study.blocks[BLOCK_ID].astype(str)).loc[block_id, "geometry"]
                work.bring_into_view(tuple(geometry.bounds), block_id)
                st.rerun()
            _row_detail(lang, table.iloc[rows[0]])
        _downloads(lang, study, result.summary.preset, "blocks", empty=not everyone)
    if areas_tab.open is False:
        return
    with areas_tab:
        areas = result.areas
        if len(areas) > TABLE_ROWS:  # listed by priority; the downloads hold every area
            st.caption(t("table_first", lang, shown=f"{TABLE_ROWS:,}", total=f"{len(areas):,}"))
            areas = areas.head(TABLE_ROWS)
        area_table = pd.DataFrame(
            {
                t("col_area", lang): areas["area_id"].to_numpy() if len(areas) else [],
                t("col_blocks", lang): areas["blocks"].to_numpy() if len(areas) else [],
                t("col_population", lang): areas["population"].round(0).to_numpy() if len(areas) else [],
                t("col_priority", lang): areas["priority"].round(1).to_numpy() if len(areas) else [],
                t("col_missing", lang): areas[f"missing_{lang}"].to_numpy() if len(areas) else [],
            }
        )
        st.dataframe(area_table, hide_index=True, width="stretch", height=300, column_config=_priority_columns(lang))
        _downloads(lang, study, result.summary.preset, "areas", empty=not len(result.areas))


def _priority_columns(lang: str) -> dict:
    """Return the priority tables' column settings: the priority's unit and meaning, room for the reasons."""
    return {
        t("col_priority", lang): st.column_config.NumberColumn(
            t("col_priority", lang), help=t("col_priority_help", lang), format="%,.0f"
        ),
        t("col_population", lang): st.column_config.NumberColumn(t("col_population", lang), format="%,.0f"),
        t("col_reasons", lang): st.column_config.TextColumn(
            t("col_reasons", lang), help=t("col_reasons_help", lang), width="large"
        ),
        t("col_missing", lang): st.column_config.TextColumn(t("col_missing", lang), width="large"),
    }


def _row_detail(lang: str, row: pd.Series) -> None:
    """Show the selected priority row whole: its place, figures and every reason, wrapped."""
    name = row[t("col_name", lang)]
    where = row.get(t("col_admin", lang))
    heading = f"**#{int(row[t('col_rank', lang)])} {md(name)}**"
    if where and where != name:
        heading += f" · {md(where)}"
    figures = t(
        "row_detail_figures",
        lang,
        population=f"{row[t('col_population', lang)]:,.0f}",
        score=f"{row[t('col_score', lang)]:.0f}",
        priority=f"{row[t('col_priority', lang)]:,.0f}",
    )
    text = str(row[t("col_reasons", lang)])
    _, colon, rest = text.partition("：" if lang == "zh" else ": ")  # "居民 1,234 人：" is in the figures
    reasons = [r.strip() for r in (rest if colon else text).split(t("clause_sep", lang).strip()) if r.strip()]
    with st.container(border=True):
        st.markdown(f"{heading}  \n{figures}")
        st.markdown("\n".join(f"- {md(reason)}" for reason in reasons))


def _downloads(lang: str, study, preset: str, what: str, empty: bool = False) -> None:
    """Offer the CSV and GeoPackage, made only when the button is pressed (a city's files are megabytes)."""
    where, created = str(study.path), study.summary.created
    first, second = st.columns(2)
    first.download_button(
        t("download_csv", lang),
        lambda: _download_files(where, created, preset, what)[0],
        file_name=f"{study.path.name}-{what}.csv",
        mime="text/csv",
        key=f"csv_{what}",
        on_click="ignore",
    )
    second.download_button(
        t("download_gpkg", lang),
        lambda: _download_files(where, created, preset, what)[1],
        file_name=f"{study.path.name}-{what}.gpkg",
        mime="application/geopackage+sqlite3",
        key=f"gpkg_{what}",
        on_click="ignore",
        disabled=empty,
    )


@st.cache_data(max_entries=16, show_spinner=False)
def _download_files(path: str, _created: str, preset: str, what: str) -> tuple[bytes, bytes]:
    """Return the CSV and GeoPackage of the ranked blocks or areas (made once per study and preset)."""
    path_obj = Path(path)
    result = load_scores(path, stamp(path_obj), preset)
    study = load_study(path, stamp(path_obj))
    if what == "blocks":
        ranked = result.scores[result.scores["priority_rank"] > 0].sort_values("priority_rank")
        geometry = study.blocks.set_index(BLOCK_ID).loc[ranked[BLOCK_ID], "geometry"].to_numpy()
        geo = gpd.GeoDataFrame(ranked.reset_index(drop=True), geometry=geometry, crs="EPSG:4326")
    else:
        geo = result.areas
    csv = csv_bytes(pd.DataFrame(geo.drop(columns="geometry")))
    if not len(geo):
        return csv, b""
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / f"{what}.gpkg"
        geo.to_file(target, driver="GPKG", layer=what)
        return csv, target.read_bytes()


def _whatif(lang: str, path: Path, study, result, labels: dict, user: User, work: StudyState) -> None:
    whatif_panel(lang, path, study, result, labels, user, work)


def _suggestions(lang: str, study, labels: dict, work: StudyState) -> None:
    suggestions_panel(lang, study, labels, work)
