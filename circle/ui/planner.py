"""The planner's page: a map of service gaps, click-to-explore, priorities, what-if and suggestions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import shapely
import streamlit as st

from circle.deploy.config import Deployment
from circle.errors import CircleError
from circle.i18n import percent, t
from circle.standards import builtin_presets, load_preset, load_profile, profile_names
from circle.study.columns import BLOCK_ID, time_column
from circle.tasks.build import AnalysisOptions
from circle.tasks.walks import reachable
from circle.ui import changes, maps
from circle.ui import state as key
from circle.ui.access import User
from circle.ui.data import (
    draws_blocks_as_image,
    list_comparisons,
    list_studies,
    load_scores,
    load_study,
    stamp,
)
from circle.ui.new_study import new_study_link
from circle.ui.paths import shown
from circle.ui.planner_gaps import FLAGGED_KEPT, gaps_section
from circle.ui.planner_map import planner_map
from circle.ui.study_state import StudyState, study_state
from circle.ui.text import md
from circle.ui.whatif import suggestions_panel, whatif_panel
from circle.ui.widgets import build_study, choice, preset_title, show_built_notes
from circle.words.findings import counted_label, coverage_notes, share_text
from circle.words.findings import explain as explain_verdict
from circle.words.places import admin_unit_names, shown_names

MEASURES = ("score", "time", "tier", "priority", "population")


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
    gaps_section(lang, result, study, work)
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


@st.fragment
def _explorer(lang: str, path: Path, study, result, controls: dict, user: User, work: StudyState) -> None:
    """Show the map, what a click finds and the what-if: a click reruns only this part of the page."""
    _consume_click(study, work)
    planner_map(lang, path, study, result, controls, work)
    _explore(lang, study, result, result.labels, work)
    _whatif(lang, path, study, result, result.labels, user, work)


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


def _whatif(lang: str, path: Path, study, result, labels: dict, user: User, work: StudyState) -> None:
    whatif_panel(lang, path, study, result, labels, user, work)


def _suggestions(lang: str, study, labels: dict, work: StudyState) -> None:
    suggestions_panel(lang, study, labels, work)
