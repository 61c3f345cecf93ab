"""The renewal priorities: the ranked table of the blocks most in need, with their gaps."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    PageBreak,
    Spacer,
)

from circle.build.block_places import admin_unit_names, shown_names
from circle.i18n import t
from circle.report.pdf.writer import Writer


def priority_section(w: Writer) -> list:
    """Return the renewal priority tables: top blocks and candidate areas."""
    content = w.content
    blocks = content.blocks
    gaps = blocks[blocks["priority"] > 0].sort_values(["priority", "block_id"], ascending=[False, True])
    story = [w.p(w.s("rpt_priorities"), "h1"), *flagged_table(w), w.p(w.s("rpt_priority_note"), "note")]
    if gaps.empty:
        return [*story, w.p(w.s("rpt_no_priorities")), PageBreak()]
    top = gaps.head(15)
    rows = [
        [
            w.s("rpt_rank"),
            w.s("rpt_block"),
            w.s("rpt_residents"),
            w.s("rpt_score"),
            w.s("rpt_priority"),
            w.s("rpt_reasons"),
        ]
    ]
    points = top.geometry.representative_point().to_crs("EPSG:4326")
    names = shown_names(top, w.lang, unnamed="")
    units = admin_unit_names(top, w.lang)
    for rank, (row, point, shown, unit) in enumerate(zip(top.itertuples(), points, names, units, strict=True), start=1):
        name = w.text(shown) if shown else w.s("rpt_unnamed")
        where = f"{w.text(unit)}<br/>" if unit and unit != shown else ""
        block = (
            f"{name}<br/><font size=6.5 color='#666666'>{where}{w.text(row.block_id)}<br/>"
            f"{point.x:.5f}, {point.y:.5f}</font>"
        )
        rows.append(
            [
                str(rank),
                block,
                f"{row.population:,.0f}",
                f"{row.score:.0f}",
                f"{row.priority:,.0f}",
                gaps_of(w, row),
            ]
        )
    story += [
        w.p(w.s("rpt_top_blocks", n=len(top)), "h2"),
        w.table(rows, [0.05, 0.2, 0.11, 0.08, 0.1, 0.46], numeric={0, 2, 3, 4}),
    ]
    areas = content.areas.head(10)
    if len(areas):
        missing = f"missing_{w.lang}"
        rows = [
            [
                w.s("rpt_area_no"),
                w.s("rpt_area_blocks"),
                w.s("rpt_residents"),
                w.s("rpt_priority"),
                w.s("rpt_missing"),
            ]
        ]
        for number, row in enumerate(areas.itertuples(), start=1):
            rows.append(
                [
                    str(number),
                    f"{row.blocks:,}",
                    f"{row.population:,.0f}",
                    f"{row.priority:,.0f}",
                    w.text(getattr(row, missing)),
                ]
            )
        story += [
            CondPageBreak(60 * mm),
            w.p(w.s("rpt_areas", n=len(areas), total=len(content.areas)), "h2"),
            w.table(rows, [0.07, 0.09, 0.12, 0.12, 0.6], numeric={0, 1, 2, 3}),
        ]
    story.append(PageBreak())
    return story


def flagged_table(w: Writer) -> list:
    """Return "check these data first": the blocks whose population is flagged, before any priority."""
    summary = w.content.summary
    flagged = summary.flagged_blocks or []
    if not flagged:
        return []
    blocks = w.content.blocks
    listed = blocks.set_index(blocks["block_id"].astype(str).rename(None), drop=False)
    listed = listed.reindex([row["block_id"] for row in flagged]).assign(block_id=lambda frame: frame.index)
    names = shown_names(listed, w.lang, unnamed="")
    units = admin_unit_names(listed, w.lang)
    rows = [[w.s("rpt_block"), w.s("rpt_residents"), w.s("col_density"), w.s("col_flag")]]
    for row, shown, unit in zip(flagged, names, units, strict=True):
        name = w.text(shown) if shown else w.s("rpt_unnamed")
        where = f"{w.text(unit)}<br/>" if unit and unit != shown else ""
        rows.append(
            [
                f"{name}<br/><font size=6.5 color='#666666'>{where}{w.text(row['block_id'])}</font>",
                f"{row['population']:,.0f}",
                "—" if row["density_per_ha"] is None else f"{row['density_per_ha']:,.0f}",
                w.s(f"flag_{row['pop_flag']}"),
            ]
        )
    intro = "rpt_flag_kept" if summary.flagged_in_priorities else "rpt_flag_intro"
    return [
        w.p(w.s("flag_title"), "h2"),
        w.p(w.s(intro), "note"),
        w.table(rows, [0.46, 0.16, 0.16, 0.22], numeric={1, 2}),
        Spacer(1, 3 * mm),
    ]


def gaps_of(w: Writer, row) -> str:
    """Return a block's failing categories with their walking times, the farthest last (escaped).

    A block whose population is flagged (kept in the ranking by the planner) says so first.
    """
    timed, absent = [], []
    if str(getattr(row, "pop_flag", "") or ""):
        timed.append(t("rpt_flag_in_row", w.lang))
    for category in w.content.assessment.categories():
        if getattr(row, f"shortfall_{category.key}") <= 0:
            continue
        minutes = getattr(row, f"{category.key}_t1")
        if minutes != minutes:  # NaN: nothing within the search limit
            absent.append(w.content.label(category.key, w.lang))
        else:
            timed.append(t("rpt_gap_minutes", w.lang, label=w.content.label(category.key, w.lang), minutes=minutes))
    separator = t("clause_sep", w.lang)
    parts = list(timed)
    if absent:
        parts.append(
            t(
                "rpt_gap_none",
                w.lang,
                labels=t("list_sep", w.lang).join(absent),
                limit=w.search_limit(),
            )
        )
    return w.text(separator.join(parts))
