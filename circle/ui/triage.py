"""The planner's triage of residents' reports: a map and a table of a study's reports, accept or reject each.

A report (:mod:`circle.deploy.reports`) is a pin, a kind, a category, a short
text and an optional contact, sent from the published resident site. The
planner filters the study's reports, reads one (its text shown as plain
text: it is a stranger's), and accepts it into a scenario or rejects it with
a reason. Accepting makes the change the report asks for
(:func:`circle.analysis.resident_reports.proposed_change`) in a new or saved
scenario, computes and saves the scenario with the report's number in it,
and records the decision in the deployment's database. Every decision, and
every scenario saved by one, goes to the audit log.

The decisions are :func:`circle.tasks.triage.accept` and
:func:`circle.tasks.triage.reject`; :func:`page` draws the page.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import folium
import shapely.geometry
import streamlit as st
from streamlit_folium import st_folium

from circle.deploy.config import Deployment
from circle.deploy.db import database_for
from circle.deploy.reports import KINDS, STATUSES, ResidentReport, list_reports, plain_text
from circle.errors import CircleError
from circle.i18n import t
from circle.study import Study
from circle.study.columns import BLOCK_ID, FACILITY_ID
from circle.study.scenarios import Change, list_scenarios, scenario_reports
from circle.tasks.triage import (
    BY_COMMUNITY,
    CLOSURE_RADIUS_M,
    NEAR_M,
    Proposal,
    accept,
    proposed_change,
    reject,
    report_places,
)
from circle.ui import maps
from circle.ui import state as key
from circle.ui.access import User
from circle.ui.data import list_studies, load_study, stamp, street_overlay
from circle.ui.paths import shown
from circle.ui.text import md
from circle.ui.widgets import choice
from circle.words.places import names_with_units

#: pin colours by kind (the legend says which is which)
KIND_COLOURS = {"missing": "#1f6fb2", "closed": "#c0392b", "wrong": "#e08e0b", "blocked_path": "#4a235a"}
NEW_SCENARIO = "__new__"  # the scenario choice "a new scenario…" (no scenario name starts with "_")
TEXT_SHOWN = 60  # characters of a report's text in the table
FLASH = "triage_flash"  # the message of the last decision, shown after the page is drawn again
LAST_CLICK = "triage_last_click"  # the map click already taken (a click is returned on every rerun)
PICKED = "triage_report"
PENDING = "triage_clicked_report"  # the report whose pin was clicked, chosen at the start of the next run


def scenarios_from_reports(study: Study) -> list[tuple[str, list[int]]]:
    """Return the study's saved scenarios that came from residents' reports, with the reports' numbers."""
    found = []
    for description in list_scenarios(study):
        numbers = scenario_reports(description)
        if numbers:
            found.append((str(description.get("name", "?")), numbers))
    return found


def report_numbers(numbers: list[int], lang: str) -> str:
    """Return report numbers as a short list ("3、7" / "#3, #7")."""
    return t("list_sep", lang).join(t("triage_number", lang, number=n) for n in numbers)


# the page ---------------------------------------------------------------------------------------------------


def _database(path: Path):
    return database_for(path.parent)


def page(deployment: Deployment, user: User) -> None:
    """Render the triage page for a signed-in planner."""
    lang = st.session_state.get(key.LANG, "zh")
    st.title(t("triage_title", lang))
    st.caption(t("triage_intro", lang))
    studies = list_studies(deployment.studies)
    if not studies:
        st.info(t("no_study", lang))
        return
    names = [p.name for p in studies]
    chosen = st.sidebar.selectbox(t("study", lang), names, key=key.STUDY)
    path = studies[names.index(chosen)]
    study = load_study(str(path), stamp(path))
    database = _database(path)
    if FLASH in st.session_state:
        kind, message = st.session_state.pop(FLASH)
        (st.success if kind == "ok" else st.error)(md(message))
    reports = list_reports(database, site=path.name)
    if not reports:
        st.info(t("triage_none", lang, study=path.name))
        _linked_scenarios(lang, study)
        return
    labels = {c.key: c.label_in(lang) for c in study.summary.categories}
    places = report_places(reports, study.blocks, lang)
    place_of = {r.report_id: places.names[i] for i, r in enumerate(reports)}
    block_of = {r.report_id: int(places.blocks[i]) for i, r in enumerate(reports)}
    shown_reports = _filtered(lang, reports, labels, places.grouping, place_of)
    open_count = sum(r.status == "new" for r in reports)
    st.markdown(md(t("triage_count", lang, total=len(reports), shown=len(shown_reports), new=open_count)))
    if not shown_reports:
        st.info(t("triage_filtered_none", lang))
        _linked_scenarios(lang, study)
        return
    picked = _picked(lang, shown_reports)
    proposal = _proposal(study, picked)
    _map(lang, path, study, shown_reports, picked, proposal)
    _table(lang, shown_reports, labels, place_of, places.grouping)
    _details(lang, study, picked, labels, place_of, block_of)
    _decision(lang, database, study, picked, proposal, labels, user)
    _linked_scenarios(lang, study)


def _place_label(lang: str, place: str | None, grouping: str) -> str:
    if place is not None:
        return place
    return t("triage_no_community" if grouping == BY_COMMUNITY else "triage_no_place", lang)


def _filtered(lang: str, reports, labels: dict, grouping: str, place_of: dict) -> list[ResidentReport]:
    """Draw the filters; return the reports they keep (an empty filter keeps everything)."""
    status_col, kind_col, category_col, place_col = st.columns(4)
    every = t("triage_filter_all", lang)
    statuses = choice(
        status_col,
        "multiselect",
        t("triage_filter_status", lang),
        list(STATUSES),
        "triage_status",
        lang,
        lambda s: t(f"triage_status_{s}", lang),
        default=[],
        placeholder=every,
    )
    kinds = choice(
        kind_col,
        "multiselect",
        t("triage_filter_kind", lang),
        list(KINDS),
        "triage_kind",
        lang,
        lambda k: t(f"triage_kind_{k}", lang),
        default=[],
        placeholder=every,
    )
    present = sorted({r.category for r in reports if r.category is not None})
    categories = choice(
        category_col,
        "multiselect",
        t("triage_filter_category", lang),
        present,
        "triage_category",
        lang,
        lambda c: labels.get(c, c),
        default=[],
        placeholder=every,
    )
    named = sorted({p for p in place_of.values() if p is not None})
    options = [*named, ""] if any(p is None for p in place_of.values()) else named
    places = choice(
        place_col,
        "multiselect",
        t("triage_filter_community" if grouping == BY_COMMUNITY else "triage_filter_block", lang),
        options,
        "triage_place",
        lang,
        lambda p: _place_label(lang, p or None, grouping),
        default=[],
        placeholder=every,
    )
    return [
        r
        for r in reports
        if (not statuses or r.status in statuses)
        and (not kinds or r.kind in kinds)
        and (not categories or r.category in categories)
        and (not places or (place_of[r.report_id] or "") in places)
    ]


def _date(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def _picked(lang: str, reports: list[ResidentReport]) -> ResidentReport:
    """Return the chosen report (by the selector, or a click on its pin); the first when none is chosen."""
    by_id = {r.report_id: r for r in reports}
    widget = f"{PICKED}__{lang}"
    clicked = st.session_state.pop(PENDING, None)
    if clicked in by_id:
        st.session_state[PICKED] = st.session_state[widget] = clicked
    if st.session_state.get(widget) not in by_id:
        st.session_state.pop(widget, None)
    number = choice(
        st,
        "selectbox",
        t("triage_pick", lang),
        list(by_id),
        PICKED,
        lang,
        lambda n: t(
            "triage_pick_row",
            lang,
            number=n,
            kind=t(f"triage_kind_{by_id[n].kind}", lang),
            date=_date(by_id[n].created_at),
        ),
    )
    return by_id[number]


def _proposal(study: Study, report: ResidentReport) -> Proposal | None:
    try:
        return proposed_change(study, report)
    except CircleError:
        return None  # a category the study does not hold: the report can be rejected, or accepted without change


def _map(
    lang: str, path: Path, study, reports: list[ResidentReport], picked: ResidentReport, proposal: Proposal | None
) -> None:
    """Draw the reports as pins coloured by kind, the chosen one larger, with what accepting it would change."""
    system = maps.display_system(st.session_state.get(key.BASEMAP, "osm"), bool(st.session_state.get(key.TILE_GCJ02)))
    basemap = st.session_state.get(key.BASEMAP, "osm")
    west, south, east, north = study.summary.bbox
    south, west = maps.shift_point(south, west, system)
    north, east = maps.shift_point(north, east, system)
    fmap = maps.base_map(
        (west, south, east, north),
        basemap,
        st.session_state.get(key.TILE_URL, ""),
        st.session_state.get(key.TILE_ATTRIBUTION, ""),
        lang,
    )
    maps.add_street_base(fmap, street_overlay(str(path), stamp(path), system), lang)
    layer = folium.FeatureGroup(name=t("triage_layer", lang))
    for report in reports:
        lat, lon = maps.shift_point(report.lat, report.lon, system)
        chosen = report.report_id == picked.report_id
        label = f"{t('triage_number', lang, number=report.report_id)} · {t(f'triage_kind_{report.kind}', lang)}"
        folium.CircleMarker(
            [lat, lon],
            radius=11 if chosen else 7,
            color="#000000" if chosen else "#ffffff",
            weight=3 if chosen else 1.5,
            fill=True,
            fill_color=KIND_COLOURS.get(report.kind, "#666666"),
            fill_opacity=0.95,
            tooltip=maps.escape(label),
        ).add_to(layer)
    layer.add_to(fmap)
    if proposal is not None and proposal.change is not None:
        _proposal_layer(lang, study, proposal, system).add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    maps.use_local_leaflet(fmap)
    st.markdown(_legend(lang), unsafe_allow_html=True)
    center, zoom = maps.view_of((west, south, east, north), pixels=480)
    output = st_folium(
        fmap,
        key=f"triage_map_{path.name}",
        height=480,
        use_container_width=True,
        center=center,
        zoom=zoom,
        returned_objects=["last_object_clicked"],
    )
    _take_click(lang, (output or {}).get("last_object_clicked"), reports, system)


def _proposal_layer(lang: str, study, proposal: Proposal, system: str) -> folium.FeatureGroup:
    """Return what accepting the chosen report would change: the facility removed, or the area closed."""
    group = folium.FeatureGroup(name=t("triage_choice_proposed", lang))
    change = proposal.change
    if change.kind == "remove":
        facilities = study.facilities
        shape = facilities.loc[facilities[FACILITY_ID] == change.facility_id, "geometry"]
        if len(shape):
            point = shape.iloc[0].representative_point()
            lat, lon = maps.shift_point(point.y, point.x, system)
            folium.CircleMarker([lat, lon], radius=12, color="#c0392b", weight=3, dash_array="4 3", fill=False).add_to(
                group
            )
    elif change.kind == "close":
        ring = shapely.geometry.shape(change.geometry).exterior.coords
        folium.Polygon(
            [maps.shift_point(y, x, system) for x, y in ring], color="#111111", weight=2, fill_opacity=0.3
        ).add_to(group)
    return group


def _legend(lang: str) -> str:
    """Return the pins' legend (HTML of the page's own strings only)."""
    items = "".join(
        f'<span style="margin-right:1em;white-space:nowrap"><span style="display:inline-block;width:12px;'
        f"height:12px;border-radius:50%;background:{colour};border:1px solid #fff;vertical-align:middle;"
        f'margin-right:4px"></span>{maps.escape(t(f"triage_kind_{kind}", lang))}</span>'
        for kind, colour in KIND_COLOURS.items()
    )
    return f'<div style="font-size:0.85rem">{maps.escape(t("triage_legend", lang))}: {items}</div>'


def _take_click(lang: str, clicked: dict | None, reports: list[ResidentReport], system: str) -> None:
    """Choose the report whose pin was clicked (once per click: the map returns its last click on every run)."""
    if not clicked or "lat" not in clicked:
        return
    where = (round(float(clicked["lat"]), 7), round(float(clicked["lng"]), 7))
    if st.session_state.get(LAST_CLICK) == where:
        return
    st.session_state[LAST_CLICK] = where
    for report in reports:
        lat, lon = maps.shift_point(report.lat, report.lon, system)
        if abs(lat - where[0]) < 1e-6 and abs(lon - where[1]) < 1e-6:
            st.session_state[PENDING] = report.report_id  # the selector is drawn already: set it in the next run
            st.rerun()


def _table(lang: str, reports: list[ResidentReport], labels: dict, place_of: dict, grouping: str) -> None:
    rows = [
        {
            t("triage_col_number", lang): r.report_id,
            t("triage_col_date", lang): _date(r.created_at),
            t("triage_col_kind", lang): t(f"triage_kind_{r.kind}", lang),
            t("triage_col_category", lang): labels.get(r.category, r.category) if r.category else "—",
            t("triage_col_place", lang): _place_label(lang, place_of[r.report_id], grouping),
            t("triage_col_status", lang): t(f"triage_status_{r.status}", lang),
            t("triage_col_scenario", lang): r.scenario or "",
            t("triage_col_text", lang): r.text if len(r.text) <= TEXT_SHOWN else r.text[: TEXT_SHOWN - 1] + "…",
        }
        for r in reports
    ]
    st.dataframe(rows, hide_index=True, use_container_width=True)  # cells are drawn as text, never as HTML


def _details(lang: str, study, report: ResidentReport, labels: dict, place_of: dict, block_of: dict) -> None:
    """Show the chosen report: kind, category, block, date, pin, its text (plain) and the contact."""
    st.subheader(t("triage_report_title", lang, number=report.report_id))
    block = block_of[report.report_id]
    if block >= 0:
        name = names_with_units(study.blocks.iloc[[block]], lang)[0]
        where = f"{name} ({study.blocks[BLOCK_ID].iloc[block]})"
    else:
        where = t("triage_no_place", lang)
    facts = [
        (t("triage_field_kind", lang), t(f"triage_kind_{report.kind}", lang)),
        (
            t("triage_field_category", lang),
            labels.get(report.category, report.category) if report.category else t("triage_no_category", lang),
        ),
        (t("triage_field_block", lang), where),
        (t("triage_field_date", lang), _date(report.created_at)),
        (t("triage_field_pin", lang), f"{report.lat:.6f}, {report.lon:.6f}"),
    ]
    st.markdown("  \n".join(f"**{md(label)}**: {md(value)}" for label, value in facts))
    # a stranger's words: shown as text, never as markdown (no link, image or formatting of theirs is drawn)
    st.markdown(f"**{md(t('triage_field_text', lang))}**")
    st.text(report.text)
    st.markdown(f"**{md(t('triage_field_contact', lang))}**")
    st.text(report.contact or t("triage_field_no_contact", lang))
    if report.status != "new":
        status = t(f"triage_status_{report.status}", lang)
        st.info(
            md(
                t(
                    "triage_field_decision",
                    lang,
                    status=status,
                    by=report.decided_by or "?",
                    at=_date(report.decided_at),
                )
                + (f" · {t('triage_field_reason', lang, reason=report.reason)}" if report.reason else "")
                + (f" · {t('triage_field_scenario', lang, scenario=report.scenario)}" if report.scenario else "")
            )
        )


def _proposal_text(lang: str, report: ResidentReport, proposal: Proposal | None, labels: dict) -> str:
    category = labels.get(report.category, report.category) if report.category else t("triage_no_category", lang)
    if proposal is None:
        return t("triage_no_category_to_add", lang)
    if proposal.action == "remove":
        name = proposal.facility_name or proposal.facility_id
        return t("triage_proposal_remove", lang, category=category, name=name, distance=proposal.distance_m)
    if proposal.action == "add":
        return t("triage_proposal_add", lang, category=category)
    if proposal.action == "close":
        return t("triage_proposal_close", lang, radius=CLOSURE_RADIUS_M, segments=proposal.segments)
    if proposal.why == "none_near":
        return t("triage_none_near", lang, category=category, radius=NEAR_M)
    if proposal.why == "no_segment":
        return t("triage_no_segment", lang, radius=CLOSURE_RADIUS_M)
    return t("triage_no_category_to_add", lang)


def _decision(
    lang: str, database, study, report: ResidentReport, proposal: Proposal | None, labels: dict, user: User
) -> None:
    """Draw Accept (with the change and the scenario) and Reject (with its reason), and act on them."""
    st.markdown(md(_proposal_text(lang, report, proposal, labels)))
    options: dict[str, Change | None] = {}
    if proposal is not None and proposal.change is not None:
        options["proposed"] = proposal.change
    elif proposal is not None and proposal.alternative is not None:
        options["add_instead"] = proposal.alternative
    options["nothing"] = None
    accept_col, reject_col = st.columns(2)
    with accept_col:
        picked = choice(
            st,
            "radio",
            t("triage_choice_change", lang),
            list(options),
            f"triage_change_{report.report_id}",
            lang,
            lambda o: t(f"triage_choice_{o}", lang),
        )
        change = options[picked]
        scenario = None
        if change is not None:
            saved = [str(s.get("name")) for s in list_scenarios(study) if s.get("name")]
            target = choice(
                st,
                "selectbox",
                t("triage_scenario_pick", lang),
                [NEW_SCENARIO, *saved],
                "triage_scenario",
                lang,
                lambda s: t("triage_scenario_new", lang) if s == NEW_SCENARIO else s,
            )
            scenario = target
            if target == NEW_SCENARIO:
                scenario = st.text_input(t("triage_scenario_name", lang), value="residents", key="triage_new_name")
        if st.button(t("triage_accept", lang), key="triage_accept", type="primary"):
            _act(lang, lambda: accept(database, study, report.report_id, user, change, scenario), report, change)
    with reject_col:
        reason = st.text_area(t("triage_reject_reason", lang), key=f"triage_reason_{report.report_id}", max_chars=500)
        if st.button(t("triage_reject", lang), key="triage_reject"):
            if not plain_text(reason or ""):
                st.error(t("triage_reason_needed", lang))
            else:
                _act(lang, lambda: reject(database, study, report.report_id, user, reason), report, None)


def _act(lang: str, decide, report: ResidentReport, change: Change | None) -> None:
    """Make a decision; keep its message for the next run and draw the page again (the list changed)."""
    try:
        decided = decide()
    except CircleError as exc:
        st.error(t("error", lang, message=shown(exc)))
        return
    if decided.status == "rejected":
        message = t("triage_rejected", lang, number=decided.report_id)
    elif change is not None:
        message = t("triage_accepted", lang, number=decided.report_id, scenario=decided.scenario)
    else:
        message = t("triage_accepted_plain", lang, number=decided.report_id)
    st.session_state[FLASH] = ("ok", message)
    st.rerun()


def _linked_scenarios(lang: str, study) -> None:
    """List the study's scenarios that came from residents' reports, with the reports' numbers."""
    linked = scenarios_from_reports(study)
    if not linked:
        return
    st.markdown(f"**{md(t('triage_scenarios', lang))}**")
    for name, numbers in linked:
        st.markdown(md(t("triage_scenario_row", lang, name=name, numbers=report_numbers(numbers, lang))))
