"""The map pages: the score map, the priority map and one map per category."""

from __future__ import annotations

from reportlab.platypus import (
    PageBreak,
)

from circle.i18n import t
from circle.report import maps
from circle.report.pdf.writer import Writer
from circle.words.findings import share_text


def map_section(w: Writer) -> list:
    """Return the score map, the priority map and the per-category maps."""
    content = w.content
    layers = w.layers()
    bands = [(band.minimum, w.plain(getattr(band, w.lang))) for band in content.preset.scoring.bands]
    shown = [
        (c.key, w.plain(content.label(c.key, w.lang)), position)
        for position, c in enumerate(content.preset.categories)
        if (content.facilities["category"] == c.key).any()
    ]
    story = [w.p(w.s("rpt_maps"), "h1"), w.p(w.s("rpt_score_map"), "caption")]
    story += [w.image(maps.score_map(layers, bands, shown, t("rpt_green_background", w.lang))), PageBreak()]
    story += [w.p(w.s("rpt_priority_map"), "caption")]
    story += [
        w.image(maps.priority_map(layers, content.areas.head(10), w.site_points(), w.map_labels())),
        PageBreak(),
    ]
    panels = []
    for position, category in enumerate(content.preset.categories):
        key = category.key
        if key not in content.summary.categories:
            continue
        title = t(
            "rpt_panel_title",
            w.lang,
            label=content.label(key, w.lang),
            standard=t(
                "rpt_within",
                w.lang,
                value=category.describe_threshold(content.preset.scoring.criterion, w.lang),
            ),
            coverage=share_text(content.summary.categories[key], w.lang),
        )
        panels.append({"key": key, "title": w.plain(title), "position": position})
    for number, page in enumerate(maps.category_maps(layers, panels, w.map_labels())):
        if number:
            story.append(PageBreak())
        story += [w.p(w.s("rpt_category_maps"), "caption"), w.image(page)]
    story.append(PageBreak())
    return story
