"""The appendix: the coordinates and data ids of every place the text names (priorities, blocks to check, sites)."""

from __future__ import annotations

from circle.geo import WGS84
from circle.report.pdf.writer import Writer
from circle.study.columns import BLOCK_ID

#: how many priority blocks the text lists (and the appendix locates)
PRIORITY_ROWS = 15


def appendix_section(w: Writer) -> list:
    """Return the appendix table: reference in the text, place, data id, WGS-84 lon/lat."""
    rows = [[w.s("rpt_appendix_ref"), w.s("rpt_block"), w.s("rpt_appendix_id"), w.s("rpt_appendix_lonlat")]]
    blocks = w.content.blocks
    flagged_ids = [row[BLOCK_ID] for row in (w.content.summary.flagged_blocks or [])]
    if flagged_ids:
        listed = blocks.set_index(blocks[BLOCK_ID].astype(str).rename(None), drop=False)
        listed = listed.reindex(flagged_ids).assign(**{BLOCK_ID: lambda frame: frame.index})
        rows += _block_rows(w, listed, "rpt_appendix_flagged")
    gaps = blocks[blocks["priority"] > 0].sort_values(["priority", BLOCK_ID], ascending=[False, True])
    rows += _block_rows(w, gaps.head(PRIORITY_ROWS), "rpt_appendix_priority")
    if w.content.suggestions:
        points = w.site_points()
        places = w.point_places(points.geometry)
        for (label, point), place in zip(
            zip(points["label"], points.to_crs(WGS84).geometry, strict=True), places, strict=True
        ):
            rows.append([w.s("rpt_appendix_site", label=label), place, "—", f"{point.x:.5f}, {point.y:.5f}"])
    if len(rows) == 1:
        return []
    return [
        w.p(w.s("rpt_appendix"), "h1"),
        w.p(w.s("rpt_appendix_intro"), "note"),
        w.table(rows, [0.16, 0.44, 0.18, 0.22], numeric=set()),
    ]


def _block_rows(w: Writer, frame, key: str) -> list[list[str]]:
    """Return one row per block: its reference, name, id and inner point in WGS-84."""
    if not len(frame):
        return []
    present = frame[frame.geometry.notna()]
    points = present.geometry.representative_point().to_crs(WGS84)
    rows = []
    for rank, (row, (name, where), point) in enumerate(
        zip(present.itertuples(), w.block_places(present), points, strict=True), start=1
    ):
        rows.append(
            [
                w.s(key, rank=rank),
                w.place_cell(name, where),
                w.text(getattr(row, BLOCK_ID)),
                f"{point.x:.5f}, {point.y:.5f}",
            ]
        )
    return rows
