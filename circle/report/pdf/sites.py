"""The suggested sites and what each adds."""

from __future__ import annotations

from reportlab.platypus import (
    KeepTogether,
    PageBreak,
)

from circle.report.pdf.writer import Writer


def sites_section(w: Writer) -> list:
    """Return the suggested sites with their gains."""
    content = w.content
    story = [w.p(w.s("rpt_sites"), "h1")]
    if not content.suggestions:
        return [*story, w.p(w.s("rpt_no_sites")), PageBreak()]
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
    for number, payload in enumerate(content.suggestions, start=1):
        category = payload["category"]
        group = (payload.get("group") or {}).get(w.lang)  # the sites weigh the age group the category serves
        heading = f"{number}. {w.label(category)} ({w.standard(category)}) · " + (
            w.s("demand_unserved_before", value=payload["unserved_before"], group=group)
            if group
            else w.s("rpt_unserved_before", value=payload["unserved_before"])
        )
        rows = [[w.s("rpt_site_no"), w.s("rpt_location"), w.s("rpt_gain"), w.s("rpt_cumulative")]]
        for site in payload["sites"]:
            rows.append(
                [
                    f"{number}.{site['rank']}",
                    f"{site['lon']:.5f}, {site['lat']:.5f}",
                    f"{site['gain']:,.0f}",
                    f"{site['cumulative']:,.0f}",
                ]
            )
        story.append(KeepTogether([w.p(heading, "h2"), w.table(rows, [0.12, 0.4, 0.24, 0.24], numeric={2, 3})]))
    story.append(PageBreak())
    return story
