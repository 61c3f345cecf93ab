"""What-if and site suggestions in the planner page (state per study, in the session: :mod:`circle.ui.study_state`)."""

from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path

import numpy as np
import streamlit as st

from circle.errors import CircleError
from circle.i18n import figure, percent, t
from circle.study.columns import FACILITY_ID
from circle.study.scenarios import (
    Change,
    check_name,
    list_scenarios,
    scenario_author,
    scenario_exists,
    scenario_reports,
)
from circle.tasks.suggest import suggest
from circle.tasks.whatif import delete, what_if
from circle.ui import closures
from circle.ui import state as key
from circle.ui.access import User
from circle.ui.builtin_words import placeholder
from circle.ui.paths import shown
from circle.ui.study_state import StudyState
from circle.ui.triage import report_numbers
from circle.ui.widgets import choice
from circle.words.findings import unscored_change

NEAR_FACILITIES = 30  # facilities offered for removal around the chosen point


def whatif_panel(lang: str, path: Path, study, result, labels: dict, user: User, work: StudyState) -> None:
    """Add or remove facilities around the chosen point, see who gains, save the scenario as ``user``.

    The point, the changes, the result and the last error are the study's own (``work``).
    """
    st.subheader(t("whatif_title", lang))
    add_col, remove_col = st.columns(2)
    with add_col:
        category = choice(
            st, "selectbox", t("category", lang), list(labels), "whatif_category", lang, lambda c: labels[c][lang]
        )
        point = work.point
        if st.button(t("whatif_add", lang), key="whatif_add", disabled=point is None):
            _recompute(study, result, work, [asdict(Change("add", category=category, lat=point[0], lon=point[1]))])
        if point is None:
            st.caption(t("whatif_pick_point", lang))
    with remove_col:
        nearby = facilities_near(study.facilities, point) if point is not None else study.facilities.iloc[:0]
        unnamed = t("unnamed", lang)
        names = {
            f: n if isinstance(n, str) and n else unnamed
            for f, n in zip(nearby[FACILITY_ID], nearby["name"], strict=True)
        }
        kinds = {
            f: labels.get(c, {}).get(lang, c) for f, c in zip(nearby[FACILITY_ID], nearby["category"], strict=True)
        }
        chosen = st.selectbox(
            t("whatif_remove", lang),
            nearby[FACILITY_ID].tolist(),
            key="whatif_remove_choice",
            format_func=lambda f: f"{names[f]} · {kinds[f]}",
            placeholder=placeholder(lang, nearby[FACILITY_ID].tolist()),
        )
        if st.button(t("whatif_remove", lang), key="whatif_remove", disabled=chosen is None):
            _recompute(study, result, work, [asdict(Change("remove", facility_id=chosen))])
        if point is None:
            st.caption(t("whatif_remove_pick", lang))
    closures.closure_controls(
        lang,
        st.session_state.get(work.map_key),
        st.session_state.get(key.DISPLAY, "wgs84"),
        lambda closed: _recompute(study, result, work, closed),
    )
    if "whatif" in work.errors:
        st.error(t("error", lang, message=shown(work.errors["whatif"])))
    if work.whatif is not None and work.whatif.preset != result.summary.preset:
        work.whatif = None  # its figures were scored under another preset: score the same changes again
        if work.changes:
            _recompute(study, result, work, [])
    outcome = work.scenario
    if outcome:
        diff = outcome["diff"]
        scored = {k: v for k, v in diff["categories"].items() if v.get("scored", True)}
        changed = {k: v for k, v in scored.items() if v["newly_served"] or v["losing_service"]}
        served, mixed = served_words(changed, lang)
        if not changed and len(scored) < len(diff["categories"]):  # the plan moved only unscored categories
            served = t("whatif_scored_unchanged", lang)
        st.success(
            t(
                "whatif_result",
                lang,
                served=served,
                f15_before=percent(diff["F15"]["baseline"]),
                f15_after=percent(diff["F15"]["scenario"]),
                within_before=_figure(diff, "categories_within_15", "baseline"),
                within_after=_figure(diff, "categories_within_15", "scenario"),
                proximity_before=_figure(diff, "proximity_min", "baseline"),
                proximity_after=_figure(diff, "proximity_min", "scenario"),
            )
        )
        for category, values in scored.items():  # whose people a category's figures are
            if values.get("group") or (mixed and category in changed):
                label = labels[category][lang]
                if values.get("group"):
                    label = t("demand_category_group", lang, label=label, group=values["group"][lang])
                gained, lost = values["newly_served"], values["losing_service"]
                st.caption(t("demand_changed", lang, label=label, gained=gained, lost=lost))
        for category, values in diff["categories"].items():  # added to a category the data leaves unscored
            if not values.get("scored", True):
                st.info(unscored_change(values, labels[category][lang], lang))
        if outcome.get("closure"):
            closures.closure_message(lang, outcome["closure"], labels)
        name_col, save_col, reset_col = st.columns([2, 1, 1])
        name = name_col.text_input(
            t("scenario_name", lang), value=t("scenario_default_name", lang), key="scenario_name"
        )
        if save_col.button(t("save_scenario", lang), key="save_scenario"):
            _save(lang, study, work.whatif, name, user)
        if reset_col.button(t("whatif_reset", lang), key="whatif_reset"):
            work.reset_scenario()
            key.rerun_fragment()
    saved_scenarios(lang, study, user)


def served_words(changed: dict, lang: str) -> tuple[str, bool]:
    """Say who a what-if newly serves and leaves, and whether the categories count different groups.

    People are added up only when every changed category counts the same group (all residents, or children
    aged 3–6 …): 14 children and 300 residents are no 314 of anything.

    Examples
    --------
    >>> children = {"en": "children aged 3–6", "zh": "3–6岁幼儿"}
    >>> kindergarten = {"newly_served": 14, "losing_service": 0, "group": children}
    >>> served_words({"kindergarten": kindergarten}, "en")
    ('14 children aged 3–6 newly served, 0 losing service', False)
    >>> served_words({"kindergarten": kindergarten, "park": {"newly_served": 300, "losing_service": 0}}, "en")[1]
    True
    """
    groups = {(v.get("group") or {}).get("en") for v in changed.values()}
    if len(groups) > 1:
        return t("whatif_served_mixed", lang), True
    gained = f"{sum(v['newly_served'] for v in changed.values()):,.0f}"
    lost = f"{sum(v['losing_service'] for v in changed.values()):,.0f}"
    group = next((v["group"][lang] for v in changed.values() if v.get("group")), None)
    if group:
        return t("whatif_served_group", lang, group=group, gained=gained, lost=lost), False
    return t("whatif_served_people", lang, gained=gained, lost=lost), False


def _figure(diff: dict, measure: str, side: str) -> str:
    """Return one headline figure of a what-if with two decimals (a dash where a saved diff lacks it or none is)."""
    return figure((diff.get(measure) or {}).get(side))


def _save(lang: str, study, whatif, name: str, user: User) -> None:
    """Save the what-if as computed, as ``user``, unless it would replace another planner's (admins may).

    The name is claimed in the deployment's database first (:meth:`circle.tasks.whatif.WhatIf.save`): of two
    planners saving a new scenario under one name at once, one saves and the other is told.
    """
    try:
        check_name(name)
        if scenario_exists(study, name) and _refused(lang, study, name, user):
            return
        whatif.save(name, user.name, role=user.role, may_replace=user.may_change)
        st.info(t("saved", lang, name=name))
    except CircleError as exc:
        st.error(t("error", lang, message=shown(exc)))


def saved_scenarios(lang: str, study, user: User) -> None:
    """List the study's saved scenarios with their authors; their author or an admin may delete one."""
    st.markdown(f"**{t('saved_scenarios', lang)}**")
    scenarios = list_scenarios(study)
    if not scenarios:
        st.caption(t("no_scenarios", lang))
        return
    for number, scenario in enumerate(scenarios):
        author = scenario.get("author")
        row, button = st.columns([4, 1])
        row.write(
            t(
                "scenario_row",
                lang,
                name=scenario.get("name", "?"),
                author=author or t("unknown_author", lang),
                created=scenario.get("created", ""),
            )
        )
        numbers = scenario_reports(scenario)
        if numbers:
            row.caption(t("triage_from_reports", lang, numbers=report_numbers(numbers, lang)))
        if user.may_change(author) and button.button(t("scenario_delete", lang), key=f"scenario_delete_{number}"):
            _delete(lang, study, str(scenario.get("name")), user)


def _delete(lang: str, study, name: str, user: User) -> None:
    """Delete a scenario after checking, again and on disk, that ``user`` may."""
    try:
        if _refused(lang, study, name, user):
            return
        delete(study, name, user.name, user.role)
    except CircleError as exc:
        st.error(t("error", lang, message=shown(exc)))
        return
    st.toast(t("scenario_deleted", lang, name=name))
    key.rerun_fragment()


def _refused(lang: str, study, name: str, user: User) -> bool:
    """Say so and return True when saved scenario ``name`` is another planner's and ``user`` is no admin."""
    author = scenario_author(study, name)
    if user.may_change(author):
        return False
    st.error(t("scenario_not_yours", lang, name=name, author=author or t("unknown_author", lang)))
    return True


def facilities_near(facilities, point: tuple[float, float], at_most: int = NEAR_FACILITIES):
    """Return the facilities nearest a (lat, lon) point, nearest first (what a planner would remove there)."""
    lat, lon = point
    where = facilities.geometry.representative_point()
    dx = (where.x.to_numpy(float) - lon) * np.cos(np.radians(lat))
    dy = where.y.to_numpy(float) - lat
    nearest = np.argsort(dx * dx + dy * dy, kind="stable")[:at_most]
    return facilities.iloc[nearest]


def _recompute(study, result, work: StudyState, new: list[dict]) -> None:
    """Apply the study's changes and ``new`` ones, and keep them with the result; on an error keep neither.

    A failed step (a point off the network, a closure of nothing) leaves the
    scenario as it was, with the message in ``work.errors["whatif"]``.
    """
    changes = [*work.changes, *new]
    work.errors.pop("whatif", None)
    try:  # computed on the session's own engine: the cached study is never modified
        scenario = what_if(study, [Change(**c) for c in changes], result.summary.preset)
    except CircleError as exc:
        work.errors["whatif"] = str(exc)  # shown by the panel below the buttons, in this run and the next
        return
    work.changes = changes
    work.whatif = scenario
    key.rerun_fragment()


def suggestions_panel(lang: str, study, labels: dict, work: StudyState) -> None:
    """Ask for the sites that would serve most residents not yet served, and show them on the map (kept in ``work``)."""
    st.subheader(t("suggest_title", lang))
    first, second, third = st.columns([2, 1, 1])
    category = choice(
        first, "selectbox", t("category", lang), list(labels), "suggest_category", lang, lambda c: labels[c][lang]
    )
    sites = second.number_input(t("suggest_sites", lang), min_value=1, max_value=20, value=3, key="suggest_sites")
    if third.button(t("suggest_go", lang), key="suggest_go"):
        work.errors.pop("suggest", None)
        try:
            suggested = suggest(study, category, int(sites))
        except CircleError as exc:
            work.errors["suggest"] = str(exc)
        else:  # each site's gain is of the age group the category serves
            group = suggested.payload.get("group")
            work.suggestions = [{**row, "group": group} for row in suggested.sites.to_dict("records")]
            st.rerun()
    if "suggest" in work.errors:
        st.error(t("error", lang, message=shown(work.errors["suggest"])))
    for row in work.suggestions or []:
        gain, total = f"{row['gain']:,.0f}", f"{row['cumulative']:,.0f}"
        words, show = st.columns([5, 1], vertical_alignment="center")
        if row.get("group"):
            group = row["group"][lang]
            words.write(t("suggest_row_group", lang, rank=row["rank"], gain=gain, total=total, group=group))
        else:
            words.write(t("suggest_row", lang, rank=row["rank"], gain=gain, total=total))
        if show.button(t("site_show", lang), key=f"site_show_{row['rank']}"):
            _bring_site_into_view(work, row)
            st.rerun()


def _bring_site_into_view(work: StudyState, row: dict) -> None:
    """Ask the map to show a suggested site and the streets around it (about 250 m each way)."""
    lat, lon = float(row["lat"]), float(row["lon"])
    dlat, dlon = 0.00225, 0.00225 / max(math.cos(math.radians(lat)), 0.1)
    work.bring_into_view((lon - dlon, lat - dlat, lon + dlon, lat + dlat))
