"""The renewal priorities: the ranked table of the blocks most in need, with their gaps."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Spacer,
)

from circle.i18n import t
from circle.report.pdf.writer import Writer
from circle.study.columns import BLOCK_ID, shortfall_column, time_column
from circle.words.places import has_admin_units


def priority_section(w: Writer) -> list:
    """Return the renewal priority tables: top blocks and candidate areas."""
    content = w.content
    blocks = content.blocks
    gaps = blocks[blocks["priority"] > 0].sort_values(["priority", BLOCK_ID], ascending=[False, True])
    # the section follows the maps' last page; the sites flow on after it (no page left two-thirds blank)
    story = [
        w.p(w.s("rpt_priorities"), "h1"),
        *places_note(w),
        *flagged_table(w),
        w.p(w.s("rpt_priority_note"), "note"),
    ]
    if gaps.empty:
        return [*story, w.p(w.s("rpt_no_priorities"))]
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
    places = w.block_places(top)
    for rank, (row, (name, where)) in enumerate(zip(top.itertuples(), places, strict=True), start=1):
        rows.append(
            [
                str(rank),
                w.place_cell(name, where),
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
    return story


def places_note(w: Writer) -> list:
    """Return, once, how places are named: by 街道/社区 and street, or by street alone where the data has no units."""
    key = "rpt_places_units" if has_admin_units(w.content.blocks) else "rpt_places_no_units"
    if w.content.named_streets is None:
        key += "_no_streets"
    return [w.p(w.s(key), "note")]


def flagged_table(w: Writer) -> list:
    """Return "check these data first": the blocks whose population is flagged, before any priority."""
    summary = w.content.summary
    flagged = summary.flagged_blocks or []
    if not flagged:
        return []
    blocks = w.content.blocks
    listed = blocks.set_index(blocks[BLOCK_ID].astype(str).rename(None), drop=False)
    listed = listed.reindex([row[BLOCK_ID] for row in flagged]).assign(**{BLOCK_ID: lambda frame: frame.index})
    rows = [[w.s("rpt_block"), w.s("rpt_residents"), w.s("col_density"), w.s("col_flag")]]
    for row, (name, where) in zip(flagged, w.block_places(listed), strict=True):
        rows.append(
            [
                w.place_cell(name, where),
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
        if getattr(row, shortfall_column(category.key)) <= 0:
            continue
        minutes = getattr(row, time_column(category.key, 1))
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
