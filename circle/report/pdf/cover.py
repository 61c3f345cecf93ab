"""The cover a bureau files (its place, filing block, data and sources, approval lines) and the key findings."""

from __future__ import annotations

import datetime as dt

from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)

from circle import __version__
from circle.i18n import percent, t
from circle.prepare.population.totals import area_density_share
from circle.report.pdf.writer import FRAME_WIDTH, NAVY, RULE, Writer
from circle.report.standard_words import issued_by


def cover(w: Writer, when: dt.datetime) -> list:
    """Return the cover: the title with its place, the filing block, the data and its sources, the approval lines.

    The key findings open the summary (:func:`findings`); the cover is the page a bureau files.
    """
    content = w.content
    summary = content.study.summary
    filing = w.filing
    blank = ""  # a line left to fill in by hand: a taller row
    place = w.text(filing.place) if filing.place else w.s("filing_place_none")
    if filing.place_from == "admin":
        place += w.s("filing_place_admin")
    filed = [
        [w.s("filing_issuer"), w.text(filing.issuer) or blank],
        [w.s("filing_author"), w.text(filing.author) or blank],
        [w.s("filing_number"), w.text(filing.number) or blank],
        [w.s("filing_date"), when.strftime("%Y-%m-%d")],
        [w.s("filing_place"), place],
        [w.s("rpt_area"), w.area_text()],
    ]
    data = [[w.text(source.kind), w.text(source.text)] for source in filing.sources]
    if len(filing.sources) == 1:
        data.append(["", w.s("filing_src_none_imported")])
    data += [
        [w.s("rpt_profile"), w.text(summary.profile.label_in(w.lang))],
        [
            w.s("rpt_preset"),
            w.text(summary.preset.title_in(w.lang))
            + "<br/>"
            + w.text(issued_by(summary.preset.name, summary.preset.source, w.lang)),
        ],
    ]
    if content.scenario is not None:
        data.append([w.s("rpt_scenario"), w.text(content.scenario.name)])
    created = summary.created.replace("T", " ").rstrip("Z")
    data.append([w.s("filing_analysis"), w.s("filing_analysis_value", created=created, version=__version__)])
    story = [
        Spacer(1, 16 * mm),
        w.p(w.text(filing.title(w.lang)), "title"),
        w.p(w.s("rpt_subtitle"), "subtitle"),
        Spacer(1, 6 * mm),
        _facts(w, filed, rule_above=True, tall=[not value for _, value in filed]),
        w.p(w.s("filing_sources"), "h2"),
        _facts(w, data),
        Spacer(1, 3 * mm),
        w.p(w.s("rpt_cover_note"), "note"),
    ]
    if not w.font.has_cjk:
        story.append(w.p(w.s("rpt_no_cjk"), "warning"))
    facts = summary.population or {}
    if facts.get("mostly_area_density"):
        share = 100 * area_density_share(facts["by_source"])
        story.append(w.p(w.s("rpt_cover_area_density", share=share), "warning"))
    story += [w.p(w.s("filing_approval"), "h2"), approval_block(w), PageBreak()]
    return story


def _facts(w: Writer, rows: list[list[str]], rule_above: bool = False, tall: list[bool] | None = None) -> Table:
    """Return a two-column table of labels and values, ruled like a form; ``tall`` rows leave room to write in."""
    table = Table(
        [[w.p(a, "cell"), w.p(b, "cell")] for a, b in rows],
        colWidths=[0.24 * FRAME_WIDTH, 0.76 * FRAME_WIDTH],
        rowHeights=[9 * mm if t else None for t in tall] if tall else None,
        hAlign="LEFT",
    )
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), w.name),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if rule_above:
        commands.append(("LINEABOVE", (0, 0), (-1, 0), 1.2, NAVY))
    table.setStyle(TableStyle(commands))
    return table


def approval_block(w: Writer) -> Table:
    """Return the lines to sign: prepared, reviewed and approved, each with a name and a date."""
    rows = [["", w.s("filing_sign_name"), w.s("filing_sign_date")]]
    rows += [[w.s(key), "", ""] for key in ("filing_sign_prepared", "filing_sign_reviewed", "filing_sign_approved")]
    table = Table(
        [[w.p(cell, "cell") for cell in row] for row in rows],
        colWidths=[0.16 * FRAME_WIDTH, 0.54 * FRAME_WIDTH, 0.3 * FRAME_WIDTH],
        rowHeights=[6 * mm] + [11 * mm] * 3,
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), w.name),
                ("GRID", (0, 0), (-1, -1), 0.5, RULE),
                ("LINEABOVE", (0, 0), (-1, 0), 1.2, NAVY),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def misread_layers(imports) -> list[str]:
    """Return the imported files whose coordinate check found another system fitting better (read wrongly)."""
    if imports is None:
        return []
    misread = []
    for section in ("facilities", "area", "blocks", "census", "census_table"):
        layer = getattr(imports, section, None) or {}
        if (layer.get("offset_check") or {}).get("suggested"):
            misread.append(str(layer.get("boundary_file") or layer.get("file") or section))
    return misread


def findings(w: Writer) -> list:
    """Return the key findings for the cover: residents, the largest gaps, the circle met, the first priority."""
    summary = w.content.summary
    story = [w.p(w.s("rpt_findings"), "h2")]  # opens the summary section
    for file in misread_layers(w.content.study.summary.imports):  # read in the wrong coordinate system: first
        story += [w.p(w.s("rpt_finding_misread", file=file), "warning"), Spacer(1, 4 * mm)]
    story.append(w.p("• " + w.s("rpt_finding_population", population=summary.population, blocks=summary.blocks)))
    assessed = [(k, v) for k, v in summary.categories.items() if v.coverage is not None]
    lowest = sorted(assessed, key=lambda item: (item[1].coverage, item[0]))[:3]
    if lowest:
        separator = t("clause_sep", w.lang)
        gaps = separator.join(
            t(
                "demand_finding_gap" if v.group else "rpt_finding_gap",  # name the age group it counts
                w.lang,
                label=w.content.label(k, w.lang),
                coverage=percent(v.coverage),
                unserved=v.unserved,
                group=(v.group or {}).get(w.lang, ""),
            )
            for k, v in lowest
        )
        story.append(w.p("• " + w.s("rpt_finding_lowest", gaps=gaps)))
    apart = [*summary.likely_incomplete, *summary.not_mapped]
    if apart:
        labels = t("list_sep", w.lang).join(w.content.label(k, w.lang) for k in apart)
        story.append(w.p("• " + w.s("rpt_finding_data", labels=labels)))
    story.append(w.p("• " + w.s("rpt_finding_circle", f15=percent(summary.F15), score=summary.mean_score or 0.0)))
    if summary.categories_within_15 is not None:
        within = summary.categories_within_15
        count = len(summary.categories)
        story.append(w.p("• " + w.s("rpt_finding_within", count=count, mean=within, f15=percent(summary.F15))))
    flagged = summary.flagged_blocks or []
    if flagged and not summary.flagged_in_priorities:
        residents = sum(row["population"] for row in flagged)
        story.append(w.p("• " + w.s("rpt_finding_flagged", count=len(flagged), population=residents)))
    areas = w.content.areas
    if len(areas):
        first = areas.iloc[0]
        missing = first[f"missing_{w.lang}"]
        short = (missing.split(t("clause_sep", w.lang)) or [""])[0]
        story.append(
            w.p(
                "• "
                + w.s("rpt_finding_area", blocks=int(first["blocks"]), population=float(first["population"]))
                + " "
                + w.text(short)
            )
        )
    return [KeepTogether(story)]
