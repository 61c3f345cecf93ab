"""The suggested sites and what each adds."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
)

from circle.report.pdf.writer import Writer

#: a section starts on a new page only when less than this is left of the page
SECTION_ROOM = 70 * mm


def sites_section(w: Writer) -> list:
    """Return the suggested sites with their gains."""
    content = w.content
    story = [CondPageBreak(SECTION_ROOM), w.p(w.s("rpt_sites"), "h1")]  # flows on after the priorities
    if not content.suggestions:
        return [*story, w.p(w.s("rpt_no_sites"))]
    if content.suggestions_saved:
        story.append(w.p(w.s("rpt_sites_note_saved"), "note"))
    else:
        story.append(
            w.p(
                w.s(
                    "rpt_sites_note_computed",
                    n=len(content.suggestions),
                    sites=content.suggestions[0]["sites_requested"],
                ),
                "note",
            )
        )
    points = w.site_points()
    places = dict(zip(points["label"], w.point_places(points.geometry), strict=True))
    for number, payload in enumerate(content.suggestions, start=1):
        category = payload["category"]
        group = (payload.get("group") or {}).get(w.lang)  # the sites weigh the age group the category serves
        heading = f"{number}. {w.label(category)} ({w.standard(category)}) · " + (
            w.s("demand_unserved_before", value=payload["unserved_before"], group=group)
            if group
            else w.s("rpt_unserved_before", value=payload["unserved_before"])
        )
        rows = [[w.s("rpt_site_no"), w.s("rpt_site_place"), w.s("rpt_gain"), w.s("rpt_cumulative")]]
        for site in payload["sites"]:
            label = f"{number}.{site['rank']}"
            rows.append(
                [
                    label,
                    places[label],
                    f"{site['gain']:,.0f}",
                    f"{site['cumulative']:,.0f}",
                ]
            )
        story.append(KeepTogether([w.p(heading, "h2"), w.table(rows, [0.1, 0.5, 0.2, 0.2], numeric={2, 3})]))
    return story
