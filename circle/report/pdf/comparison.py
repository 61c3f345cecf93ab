"""A comparison of two studies (``circle compare``): what changed, per category, with maps of the change."""

from __future__ import annotations

import numpy as np
from reportlab.platypus import KeepTogether, PageBreak

from circle.i18n import percent
from circle.report import maps
from circle.report.pdf.writer import Writer
from circle.study.columns import PROXIMITY_MIN
from circle.study.comparison import change_column


def comparison_section(w: Writer) -> list:
    """Return the comparison's figures (blocks matched, per category served before and after) and two maps."""
    comparison = w.content.comparison
    if comparison is None:
        return []
    summary = comparison.summary
    blocks, residents = summary["blocks"], summary["residents"]
    story = [
        w.p(w.s("rpt_compare_title", number=w.section_number("comparison")), "h1"),
        w.p(
            w.s(
                "rpt_compare_intro",
                old=w.text(_side(summary["old"])),
                new=w.text(_side(summary["new"])),
                by_id=blocks["matched_by_id"],
                by_overlap=blocks["matched_by_overlap"],
                appeared=blocks["appeared"],
                appeared_residents=residents["appeared"],
                vanished=blocks["vanished"],
                vanished_residents=residents["vanished"],
            )
        ),
    ]
    rows = [
        [
            w.s("rpt_category"),
            w.s("rpt_compare_old"),
            w.s("rpt_compare_new"),
            w.s("rpt_newly_served"),
            w.s("rpt_compare_no_longer"),
            w.s("rpt_closure_longer"),
        ]
    ]
    for key, figures in summary["categories"].items():
        label = summary["labels"][key]["zh" if w.lang == "zh" else "en"]
        if figures.get("group"):  # its people are of the age group it serves
            label += f" ({figures['group']['zh' if w.lang == 'zh' else 'en']})"
        rows.append(
            [
                w.text(label),
                percent(figures["coverage_old"]),
                percent(figures["coverage_new"]),
                f"{figures['newly_served']:,.0f}",
                f"{figures['no_longer_served']:,.0f}",
                f"{figures['residents_longer']:,.0f}",
            ]
        )
    measures = summary["measures"]
    rows.append([w.s("rpt_f15", tier=15), percent(measures["F15"]["old"]), percent(measures["F15"]["new"]), "", "", ""])
    within = measures.get("categories_within_15") or {}
    if within.get("old") is not None and within.get("new") is not None:
        rows.append([w.s("cat_within_15"), f"{within['old']:.2f}", f"{within['new']:.2f}", "", "", ""])
    rows.append(
        [
            w.s("rpt_proximity"),
            _minutes(w, measures["proximity_min"]["old"]),
            _minutes(w, measures["proximity_min"]["new"]),
            "",
            "",
            "",
        ]
    )
    story.append(w.table(rows, [0.3, 0.13, 0.13, 0.15, 0.15, 0.14], numeric={1, 2, 3, 4, 5}))
    layers = w.layers_of(comparison.blocks)
    labels = {f"change_{key}": w.s(f"rpt_change_{key}") for key in ("gained", "lost", "mixed", "appeared", "unchanged")}
    labels["change_vanished"] = w.s("rpt_change_vanished")
    labels["time_unchanged"] = w.s("rpt_unchanged")
    status_map = maps.change_map(layers, comparison.status, comparison.vanished, labels)
    change = np.nan_to_num(comparison.blocks[change_column(PROXIMITY_MIN)].to_numpy(float))
    largest = float(np.abs(change).max()) if len(change) else 0.0
    scale = next((step for step in (1, 2, 5, 10, 20, 30) if largest <= step), 30)
    time_map = maps.time_change_map(layers, change, labels, limit_min=float(scale))
    story += [
        KeepTogether([w.p(w.s("rpt_compare_map"), "caption"), w.image(status_map)]),
        KeepTogether([w.p(w.s("rpt_compare_time_map"), "caption"), w.image(time_map)]),
        PageBreak(),
    ]
    return story


def _side(side: dict) -> str:
    when = side.get("data_timestamp") or side.get("created", "")[:10]
    return f"{side['label']} ({side.get('source', '')}, {when})"


def _minutes(w: Writer, value) -> str:
    return "—" if value is None else w.s("rpt_minutes", value=value)
