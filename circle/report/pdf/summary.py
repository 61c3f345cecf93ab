"""The summary: key figures, the per-category table and the coverage chart."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Spacer,
)

from circle.i18n import percent, t
from circle.report import maps
from circle.report.pdf.cover import findings
from circle.report.pdf.writer import Writer
from circle.words.findings import coverage_notes, share_text


def summary_section(w: Writer) -> list:
    """Return the summary: key figures, the per-category table and the coverage chart."""
    content = w.content
    summary = content.summary
    figures = [
        [w.s("rpt_population"), f"{summary.population:,.0f}"],
        [w.s("rpt_blocks"), f"{summary.blocks:,}"],
    ]
    for tier, share in summary.tiers.items():
        key = "rpt_f15" if tier == "15" else "rpt_tier"
        figures.append([w.s(key, tier=tier), percent(share)])
    if summary.categories_within_15 is not None:
        figures.append([w.s("cat_within_15"), f"{summary.categories_within_15:.1f} / {len(summary.categories)}"])
    figures += [
        [w.s("rpt_proximity"), w.s("rpt_minutes", value=summary.proximity_min or 0.0)],
        [w.s("rpt_gini"), f"{summary.gini_proximity:.3f}"],
        [w.s("rpt_mean_score"), f"{summary.mean_score:.1f}"],
    ]
    green = content.result.summary.green
    if green and green.get("per_capita_m2") is not None and content.area_name is None:
        figures.append(
            [
                w.s("rpt_green"),
                w.s("rpt_green_value", value=green["per_capita_m2"], standard=green["standard_m2"]),
            ]
        )
    key_table = w.table(figures, [0.6, 0.4], numeric={1}, header=False)
    counts = content.facilities["category"].value_counts()
    rows = [
        [
            w.s("rpt_category"),
            w.s("rpt_standard"),
            w.s("rpt_facilities"),
            w.s("rpt_coverage"),
            w.s("rpt_unserved"),
        ]
    ]
    chart_rows = []
    for category in content.preset.categories:
        key = category.key
        facilities = int(counts.get(key, 0))
        if key in summary.categories:
            values = summary.categories[key]
            coverage, unserved = percent(values.coverage), f"{values.unserved:,.0f}"
            if values.group:  # the share and the people are of the age group the category serves
                group = values.group[w.lang]
                coverage = w.s("demand_share_of", coverage=coverage, group=group)
                unserved = w.s("demand_unserved_of", count=values.unserved, group=group)
            rows.append([w.label(key), w.standard(key, minutes=True), f"{facilities:,}", coverage, unserved])
            chart_rows.append((w.plain(content.label(key, w.lang)), values.coverage or 0.0, 0.0))
        elif key in (summary.set_apart or {}):
            lower = share_text(summary.set_apart[key], w.lang)
            shown = w.s("rpt_set_apart_coverage", coverage=lower)
            rows.append([w.label(key), w.standard(key, minutes=True), f"{facilities:,}", shown, "—"])
        else:
            rows.append([w.label(key), w.standard(key, minutes=True), f"{facilities:,}", w.s("rpt_not_mapped"), "—"])
    chart = maps.coverage_chart(chart_rows, w.mpl_font, {"axis": t("rpt_chart_axis", w.lang)})
    by_age = [w.p(w.s("demand_table_note"), "note")] if any(v.group for v in summary.categories.values()) else []
    by_age += [w.p(w.text(note), "note") for note in coverage_notes(summary.categories, w.lang)]
    return [
        w.p(w.s("rpt_summary"), "h1"),
        *findings(w),
        key_table,
        Spacer(1, 5 * mm),
        w.table(rows, [0.32, 0.17, 0.12, 0.2, 0.19], numeric={2, 3, 4}),
        Spacer(1, 2 * mm),
        w.p(w.s("rpt_table_note"), "note"),
        *by_age,
        KeepTogether([w.p(w.s("rpt_chart_title"), "h2"), w.image(chart)]),
        PageBreak(),
    ]
