"""A scenario against the baseline: its changes, the figures before and after, a map."""

from __future__ import annotations

from typing import Any

from reportlab.platypus import (
    KeepTogether,
    PageBreak,
)

from circle.analysis.demand import demand_of
from circle.i18n import percent
from circle.report import maps
from circle.report.pdf.writer import Writer
from circle.study.columns import FACILITY_ID
from circle.study.completeness import ABSENT
from circle.words.findings import unscored_change


def scenario_section(w: Writer) -> list:
    """Return the scenario against the baseline: its changes, the figures before and after, and a map."""
    scenario = w.content.scenario
    if scenario is None:
        return []
    story = [
        w.p(w.s("rpt_scenario_title", name=scenario.name, number=w.section_number("scenario")), "h1"),
        w.p(w.s("rpt_changes"), "h2"),
    ]
    for change in scenario.changes:
        story.append(w.p("• " + describe_change(w, change)))
    rows = [
        [
            w.s("rpt_category"),
            w.s("rpt_baseline"),
            w.s("rpt_with_scenario"),
            w.s("rpt_change"),
            w.s("rpt_newly_served"),
            w.s("rpt_losing"),
        ]
    ]
    preset = w.content.preset
    for key, before in scenario.baseline.categories.items():
        after = scenario.scenario.categories[key]
        passed_before = scenario.baseline_pass[key]
        passed_after = scenario.scenario_pass[key]
        population = demand_of(preset, preset.category(key), w.content.blocks).residents(w.content.blocks)
        newly = float(population[passed_after & ~passed_before].sum())
        losing = float(population[passed_before & ~passed_after].sum())
        change = (after.coverage or 0.0) - (before.coverage or 0.0)
        group = f" ({w.text(before.group[w.lang])})" if before.group else ""  # people of the group it serves
        rows.append(
            [
                w.label(key) + group,
                percent(before.coverage),
                percent(after.coverage),
                f"{100 * change:+.1f}",
                f"{newly:,.0f}",
                f"{losing:,.0f}",
            ]
        )
    for key, entry in scenario.unscored.items():  # added to a category the study leaves unscored: no coverage
        cell = "rpt_unscored_absent_cell" if entry["verdict"] == ABSENT else "rpt_unscored_incomplete_cell"
        group = f" ({w.text(entry['group'][w.lang])})" if entry.get("group") else ""
        # no coverage moves: the people the added facilities reach are told under the table, not as "newly served"
        rows.append([w.label(key) + group + " *", w.s(cell), "—", "—", "—", "—"])
    measures = [
        ("rpt_f15", lambda s: percent(s.F15)),
        ("cat_within_15", lambda s: "—" if s.categories_within_15 is None else f"{s.categories_within_15:.2f}"),
        ("rpt_proximity", lambda s: w.s("rpt_minutes", value=s.proximity_min or 0.0)),
        ("rpt_gini", lambda s: f"{s.gini_proximity:.3f}"),
        ("rpt_mean_score", lambda s: f"{s.mean_score:.1f}"),
    ]
    for key, show in measures:
        rows.append([w.s(key, tier=15), show(scenario.baseline), show(scenario.scenario), "", "", ""])
    story.append(w.table(rows, [0.3, 0.13, 0.13, 0.1, 0.17, 0.17], numeric={1, 2, 3, 4, 5}))
    for key, entry in scenario.unscored.items():
        label = w.content.label(key, w.lang)
        story.append(w.p("* " + w.text(unscored_change(entry, label, w.lang)), "note"))
    if scenario.closure is not None:
        story += closure_part(w, scenario.closure)
    picture = maps.scenario_map(
        w.layers(),
        scenario.gained,
        scenario.lost,
        scenario.added,
        scenario.removed,
        w.map_labels(),
        closed=scenario.closed,
        cut_off=scenario.cut_off,
    )
    caption = w.s("rpt_scenario_map")
    if scenario.unscored:
        caption += ("。" if w.lang == "zh" else ". ") + w.s("rpt_scenario_map_unscored")
    story += [KeepTogether([w.p(caption, "caption"), w.image(picture)]), PageBreak()]
    return story


def closure_part(w: Writer, closure: dict[str, Any]) -> list:
    """Return what the closures do: segments closed, blocks cut off, and per category who walks longer."""
    story = [
        w.p(w.s("rpt_closure_title"), "h2"),
        w.p(
            w.s(
                "rpt_closure_summary",
                segments=closure["segments_closed"],
                length=closure["length_closed_m"],
                steps=closure["steps_closed"],
                blocks=closure["blocks_cut_off"],
                residents=closure["residents_cut_off"],
            )
        ),
    ]
    rows = [
        [
            w.s("rpt_category"),
            w.s("rpt_closure_longer"),
            w.s("rpt_closure_mean"),
            w.s("rpt_closure_max"),
            w.s("rpt_closure_lost"),
        ]
    ]
    for key, figures in closure["categories"].items():
        rows.append(
            [
                w.label(key) if key in w.content.result.labels else key,
                f"{figures['residents_longer']:,.0f}",
                "—" if figures["mean_longer_min"] is None else f"{figures['mean_longer_min']:.1f}",
                "—" if figures["max_longer_min"] is None else f"{figures['max_longer_min']:.1f}",
                f"{figures['residents_lost_reach']:,.0f}",
            ]
        )
    if len(rows) > 1:
        story.append(w.table(rows, [0.32, 0.17, 0.17, 0.17, 0.17], numeric={1, 2, 3, 4}))
    return story


def describe_change(w: Writer, change: dict[str, Any]) -> str:
    """Return one scenario change in words."""
    kind = change["kind"]
    if kind == "close":
        closure = w.content.scenario.closure or {}
        geometry = (change.get("geometry") or {}).get("type", "")
        if change.get("steps"):
            what = w.s("rpt_close_steps_area" if geometry else "rpt_close_steps")
        else:
            what = w.s("rpt_close_area" if "Polygon" in geometry else "rpt_close_line")
        return w.s(
            "rpt_change_close",
            what=what,
            segments=closure.get("segments_closed", 0),
            length=closure.get("length_closed_m", 0.0),
        )
    if kind == "add":
        key = "rpt_change_add" if change.get("name") else "rpt_change_add_unnamed"
        return w.s(
            key,
            category=w.content.label(change["category"], w.lang),
            name=change.get("name") or "",
            lon=change["lon"],
            lat=change["lat"],
        )
    facilities = w.content.facilities
    match = facilities.loc[facilities[FACILITY_ID] == change[FACILITY_ID], ["category", "name"]]
    facility = change[FACILITY_ID]
    if len(match):
        category, name = match.iloc[0]
        label = w.content.label(category, w.lang) if category in w.content.result.labels else category
        facility = f"{label} {name} ({facility})" if isinstance(name, str) and name else f"{label} ({facility})"
    if kind == "remove":
        return w.s("rpt_change_remove", facility=facility)
    return w.s("rpt_change_move", facility=facility, lon=change["lon"], lat=change["lat"])
