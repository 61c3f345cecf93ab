"""Typeset the gap report with reportlab: cover, summary, maps, priorities, sites, scenario, method.

The PDF is deterministic: reportlab runs in invariant mode (the document ID
depends on the content only, fonts are subset the same way, images carry no
timestamp) and only the creation date, which is the ``when`` given, changes
between two runs on the same study.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, TimeStamp
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import (
    CondPageBreak,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from circle import __version__
from circle.build.block_places import admin_unit_names, shown_names
from circle.build.population.totals import area_density_share
from circle.i18n import t
from circle.report import maps
from circle.report.content import ReportContent
from circle.report.fonts import ReportFont, has_cjk, matplotlib_font, register
from circle.standards.regions import regions
from circle.study.summary import Parameters

NAVY = colors.HexColor("#1f3a5f")
ZEBRA = colors.HexColor("#f2f5f9")
RULE = colors.HexColor("#9aa8b8")
MARGIN = 18 * mm
FRAME_WIDTH = A4[0] - 2 * MARGIN


class Writer:
    """Turns report content into flowables in one language and font.

    Parameters
    ----------
    content : ReportContent
        What to report.
    lang : str
        ``"zh"`` or ``"en"``.
    font : ReportFont
        The embedded font; without CJK glyphs Chinese data strings are written in pinyin.
    """

    def __init__(self, content: ReportContent, lang: str, font: ReportFont) -> None:
        self.content = content
        self.lang = lang
        self.font = font
        self._layers: maps.MapLayers | None = None
        self.name = register(font)
        wrap = "CJK" if lang == "zh" else None
        base = {"fontName": self.name, "wordWrap": wrap}
        self.styles = {
            "title": ParagraphStyle("title", fontSize=22, leading=30, textColor=NAVY, **base),
            "subtitle": ParagraphStyle(
                "subtitle", fontSize=13, leading=19, textColor=colors.HexColor("#445566"), **base
            ),
            "area": ParagraphStyle("area", fontSize=16, leading=22, spaceBefore=18, spaceAfter=10, **base),
            "h1": ParagraphStyle("h1", fontSize=14, leading=20, spaceBefore=4, spaceAfter=8, textColor=NAVY, **base),
            "h2": ParagraphStyle("h2", fontSize=10.5, leading=15, spaceBefore=8, spaceAfter=4, textColor=NAVY, **base),
            "body": ParagraphStyle("body", fontSize=9, leading=14, spaceAfter=5, **base),
            "cell": ParagraphStyle("cell", fontSize=8, leading=10.5, **base),
            "head": ParagraphStyle("head", fontSize=8, leading=10.5, textColor=colors.white, **base),
            "number": ParagraphStyle("number", fontSize=8, leading=10.5, alignment=2, **base),
            "note": ParagraphStyle("note", fontSize=7.5, leading=11, textColor=colors.HexColor("#444444"), **base),
            "caption": ParagraphStyle("caption", fontSize=10, leading=14, spaceAfter=4, textColor=NAVY, **base),
            "warning": ParagraphStyle(
                "warning",
                fontSize=9,
                leading=13,
                borderColor=colors.HexColor("#b85c00"),
                borderWidth=0.8,
                borderPadding=6,
                backColor=colors.HexColor("#fff4e5"),
                spaceBefore=12,
                **base,
            ),
            "centre": ParagraphStyle("centre", fontSize=9, leading=13, alignment=TA_CENTER, **base),
        }
        self.mpl_font = matplotlib_font(font)

    # text ------------------------------------------------------------------
    def s(self, key: str, **values) -> str:
        """Return a report string in the report's language, safe for a Paragraph."""
        return self.text(t(key, self.lang, **values))

    def text(self, value: Any) -> str:
        """Return data text escaped for reportlab markup (in pinyin when the font has no Chinese)."""
        value = "" if value is None else str(value)
        if not self.font.has_cjk and has_cjk(value):
            value = romanise(value)
        return escape(value)

    def plain(self, value: Any) -> str:
        """Return text for matplotlib (not escaped), in pinyin when the font has no Chinese."""
        value = "" if value is None else str(value)
        return romanise(value) if not self.font.has_cjk and has_cjk(value) else value

    def p(self, markup: str, style: str = "body") -> Paragraph:
        """Return a paragraph of already-escaped markup."""
        return Paragraph(markup, self.styles[style])

    def label(self, category: str) -> str:
        """Return a category label (escaped)."""
        return self.text(self.content.label(category, self.lang))

    def standard(self, category: str) -> str:
        """Return a category's standard in words, e.g. ``300米内`` / ``within 300 m``."""
        rules = self.content.preset.category(category)
        described = rules.describe_threshold(self.content.preset.scoring.criterion, self.lang)
        return t("rpt_within", self.lang, value=described)

    # building blocks ---------------------------------------------------------
    def table(
        self, rows: list[list[Any]], widths: list[float], numeric: set[int] = frozenset(), header: bool = True
    ) -> Table:
        """Return a table with zebra rows and wrapped cells, its first row a navy header when ``header``."""
        cells = []
        for r, row in enumerate(rows):
            line = []
            for c, value in enumerate(row):
                if isinstance(value, Paragraph):
                    line.append(value)
                    continue
                style = "head" if r == 0 and header else ("number" if c in numeric else "cell")
                line.append(Paragraph(str(value), self.styles[style]))
            cells.append(line)
        table = Table(cells, colWidths=[w * FRAME_WIDTH for w in widths], repeatRows=1, hAlign="LEFT")
        commands = [
            ("FONTNAME", (0, 0), (-1, -1), self.name),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("BACKGROUND", (0, 0), (-1, 0), NAVY) if header else ("LINEABOVE", (0, 0), (-1, 0), 1.2, NAVY),
        ]
        first_body = 1 if header else 0
        commands += [("BACKGROUND", (0, r), (-1, r), ZEBRA) for r in range(first_body + 1, len(rows), 2)]
        table.setStyle(TableStyle(commands))
        return table

    def image(self, data: bytes) -> Image:
        """Return a PNG scaled to the frame width."""
        width, height = ImageReader(io.BytesIO(data)).getSize()
        return Image(io.BytesIO(data), width=FRAME_WIDTH, height=FRAME_WIDTH * height / width)

    def layers(self) -> maps.MapLayers:
        """Return the map layers (made once: they cache what every map draws)."""
        if self._layers is None:
            self._layers = self._make_layers()
        return self._layers

    def _make_layers(self) -> maps.MapLayers:
        return maps.MapLayers(
            blocks=self.content.blocks,
            facilities=self.content.facilities,
            streets=self.content.streets,
            outline=self.content.outline,
            font=self.mpl_font,
            green_categories=tuple(c.key for c in self.content.preset.categories if c.group == "parks"),
            squares_note=self.plain(t("rpt_map_squares", self.lang, size="{size}")),
        )

    # sections ------------------------------------------------------------------
    def area_text(self) -> str:
        """Return the study area in words."""
        content = self.content
        source = content.study.summary.source
        if content.area_name is not None:
            return self.s("rpt_sub_area", name=content.area_name, blocks=len(content.blocks))
        recorded = content.study.summary.study_area or "whole extract"
        if recorded == "whole extract":
            return self.s("rpt_whole_extract", file=source.file)
        return self.text(recorded)

    def cover(self, when: dt.datetime) -> list:
        """Return the cover page."""
        content = self.content
        summary = content.study.summary
        source = summary.source
        rows = [
            [self.s("rpt_area"), self.area_text()],
            [self.s("rpt_report_date"), when.strftime("%Y-%m-%d")],
            [self.s("rpt_study_date"), self.text(summary.created.replace("T", " ").rstrip("Z") + " UTC")],
            [self.s("rpt_data"), self.s("rpt_data_value", file=source.file, sha=source.sha256[:12])],
            [self.s("rpt_data_date"), self.text(source.data_timestamp) or self.s("rpt_data_date_unknown")],
            [self.s("rpt_profile"), self.text(summary.profile.label_in(self.lang))],
            [
                self.s("rpt_preset"),
                self.text(summary.preset.title_in(self.lang)) + "<br/>" + self.text(summary.preset.source),
            ],
        ]
        if content.scenario is not None:
            rows.append([self.s("rpt_scenario"), self.text(content.scenario.name)])
        rows.append([self.s("rpt_software"), f"circle {__version__}"])
        facts = Table(
            [[self.p(a, "cell"), self.p(b, "cell")] for a, b in rows],
            colWidths=[0.27 * FRAME_WIDTH, 0.73 * FRAME_WIDTH],
            hAlign="LEFT",
        )
        facts.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), self.name),
                    ("LINEABOVE", (0, 0), (-1, 0), 1.2, NAVY),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 4),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        story = [
            Spacer(1, 30 * mm),
            self.p(self.s("rpt_title"), "title"),
            self.p(self.s("rpt_subtitle"), "subtitle"),
            self.p(self.area_text(), "area"),
            facts,
            Spacer(1, 8 * mm),
            *self.findings(),
            Spacer(1, 4 * mm),
            self.p(self.s("rpt_cover_note"), "note"),
        ]
        if not self.font.has_cjk:
            story.append(self.p(self.s("rpt_no_cjk"), "warning"))
        facts = summary.population or {}
        if facts.get("mostly_area_density"):
            share = 100 * area_density_share(facts["by_source"])
            story.append(self.p(self.s("rpt_cover_area_density", share=share), "warning"))
        story.append(PageBreak())
        return story

    def findings(self) -> list:
        """Return the key findings for the cover: residents, the largest gaps, the circle met, the first priority."""
        summary = self.content.summary
        story = [self.p(self.s("rpt_findings"), "h2")]
        story.append(
            self.p("• " + self.s("rpt_finding_population", population=summary.population, blocks=summary.blocks))
        )
        assessed = [(k, v) for k, v in summary.categories.items() if v.coverage is not None]
        lowest = sorted(assessed, key=lambda item: (item[1].coverage, item[0]))[:3]
        if lowest:
            separator = "；" if self.lang == "zh" else "; "
            gaps = separator.join(
                t(
                    "rpt_finding_gap",
                    self.lang,
                    label=self.content.label(k, self.lang),
                    coverage=percent(v.coverage),
                    unserved=v.unserved,
                )
                for k, v in lowest
            )
            story.append(self.p("• " + self.s("rpt_finding_lowest", gaps=gaps)))
        if summary.not_mapped:
            labels = ("、" if self.lang == "zh" else ", ").join(
                self.content.label(k, self.lang) for k in summary.not_mapped
            )
            story.append(self.p("• " + self.s("rpt_finding_not_mapped", labels=labels)))
        story.append(
            self.p("• " + self.s("rpt_finding_circle", f15=percent(summary.F15), score=summary.mean_score or 0.0))
        )
        areas = self.content.areas
        if len(areas):
            first = areas.iloc[0]
            missing = first["missing_zh"] if self.lang == "zh" else first["missing_en"]
            short = (missing.split("；" if self.lang == "zh" else "; ") or [""])[0]
            story.append(
                self.p(
                    "• "
                    + self.s("rpt_finding_area", blocks=int(first["blocks"]), population=float(first["population"]))
                    + " "
                    + self.text(short)
                )
            )
        return [KeepTogether(story)]

    def summary_section(self) -> list:
        """Return the summary: key figures, the per-category table and the coverage chart."""
        content = self.content
        summary = content.summary
        figures = [
            [self.s("rpt_population"), f"{summary.population:,.0f}"],
            [self.s("rpt_blocks"), f"{summary.blocks:,}"],
        ]
        for tier, share in summary.tiers.items():
            key = "rpt_f15" if tier == "15" else "rpt_tier"
            figures.append([self.s(key, tier=tier), percent(share)])
        figures += [
            [self.s("rpt_proximity"), self.s("rpt_minutes", value=summary.proximity_min or 0.0)],
            [self.s("rpt_gini"), f"{summary.gini_proximity:.3f}"],
            [self.s("rpt_mean_score"), f"{summary.mean_score:.1f}"],
        ]
        green = content.result.summary.green
        if green and green.get("per_capita_m2") is not None and content.area_name is None:
            figures.append(
                [
                    self.s("rpt_green"),
                    self.s("rpt_green_value", value=green["per_capita_m2"], standard=green["standard_m2"]),
                ]
            )
        key_table = self.table(figures, [0.6, 0.4], numeric={1}, header=False)
        counts = content.facilities["category"].value_counts()
        rows = [
            [
                self.s("rpt_category"),
                self.s("rpt_standard"),
                self.s("rpt_facilities"),
                self.s("rpt_coverage"),
                self.s("rpt_unserved"),
            ]
        ]
        chart_rows = []
        for category in content.preset.categories:
            key = category.key
            facilities = int(counts.get(key, 0))
            if key in summary.categories:
                values = summary.categories[key]
                rows.append(
                    [
                        self.label(key),
                        self.standard(key),
                        f"{facilities:,}",
                        percent(values.coverage),
                        f"{values.unserved:,.0f}",
                    ]
                )
                chart_rows.append((self.plain(content.label(key, self.lang)), values.coverage or 0.0, 0.0))
            else:
                rows.append([self.label(key), self.standard(key), f"{facilities:,}", self.s("rpt_not_mapped"), "—"])
        chart = maps.coverage_chart(chart_rows, self.mpl_font, {"axis": t("rpt_chart_axis", self.lang)})
        return [
            self.p(self.s("rpt_summary"), "h1"),
            key_table,
            Spacer(1, 5 * mm),
            self.table(rows, [0.32, 0.17, 0.12, 0.2, 0.19], numeric={2, 3, 4}),
            Spacer(1, 2 * mm),
            self.p(self.s("rpt_table_note"), "note"),
            KeepTogether([self.p(self.s("rpt_chart_title"), "h2"), self.image(chart)]),
            PageBreak(),
        ]

    def map_section(self) -> list:
        """Return the score map, the priority map and the per-category maps."""
        content = self.content
        layers = self.layers()
        bands = [
            (band.minimum, self.plain(band.zh if self.lang == "zh" else band.en))
            for band in content.preset.scoring.bands
        ]
        shown = [
            (c.key, self.plain(content.label(c.key, self.lang)), position)
            for position, c in enumerate(content.preset.categories)
            if (content.facilities["category"] == c.key).any()
        ]
        story = [self.p(self.s("rpt_maps"), "h1"), self.p(self.s("rpt_score_map"), "caption")]
        story += [self.image(maps.score_map(layers, bands, shown, t("rpt_green_background", self.lang))), PageBreak()]
        story += [self.p(self.s("rpt_priority_map"), "caption")]
        story += [
            self.image(maps.priority_map(layers, content.areas.head(10), self.site_points(), self.map_labels())),
            PageBreak(),
        ]
        panels = []
        for position, category in enumerate(content.preset.categories):
            key = category.key
            if key not in content.summary.categories:
                continue
            title = t(
                "rpt_panel_title",
                self.lang,
                label=content.label(key, self.lang),
                standard=t(
                    "rpt_within",
                    self.lang,
                    value=category.describe_threshold(content.preset.scoring.criterion, self.lang),
                ),
                coverage=percent(content.summary.categories[key].coverage),
            )
            panels.append({"key": key, "title": self.plain(title), "position": position})
        for number, page in enumerate(maps.category_maps(layers, panels, self.map_labels())):
            if number:
                story.append(PageBreak())
            story += [self.p(self.s("rpt_category_maps"), "caption"), self.image(page)]
        story.append(PageBreak())
        return story

    def map_labels(self) -> dict[str, str]:
        """Return the legend labels of the maps."""
        keys = {
            "no_gap": "rpt_no_gap",
            "area": "rpt_area_outline",
            "site": "rpt_site",
            "served": "rpt_served",
            "unserved": "rpt_unserved_legend",
            "out_of_reach": "rpt_out_of_reach",
            "facility": "rpt_facility",
            "gained": "rpt_gained",
            "lost": "rpt_lost",
            "unchanged": "rpt_unchanged",
            "added": "rpt_added",
            "removed": "rpt_removed",
        }
        labels = {name: t(key, self.lang, limit=self.search_limit()) for name, key in keys.items()}
        labels["priority_class"] = t("rpt_priority_class", self.lang, low="{low}", high="{high}")
        return labels

    def site_points(self):
        """Return the suggested sites as points in the study CRS, labelled like the sites table."""
        import geopandas as gpd

        from circle.geo import WGS84

        rows = []
        for number, payload in enumerate(self.content.suggestions, start=1):
            for site in payload["sites"]:
                rows.append((f"{number}.{site['rank']}", site["lon"], site["lat"]))
        frame = gpd.GeoDataFrame(
            {"label": [r[0] for r in rows]},
            geometry=gpd.points_from_xy([r[1] for r in rows], [r[2] for r in rows]),
            crs=WGS84,
        )
        return frame.to_crs(self.content.study.crs)

    def priority_section(self) -> list:
        """Return the renewal priority tables: top blocks and candidate areas."""
        content = self.content
        blocks = content.blocks
        gaps = blocks[blocks["priority"] > 0].sort_values(["priority", "block_id"], ascending=[False, True])
        story = [self.p(self.s("rpt_priorities"), "h1"), self.p(self.s("rpt_priority_note"), "note")]
        if gaps.empty:
            return [*story, self.p(self.s("rpt_no_priorities")), PageBreak()]
        top = gaps.head(15)
        rows = [
            [
                self.s("rpt_rank"),
                self.s("rpt_block"),
                self.s("rpt_residents"),
                self.s("rpt_score"),
                self.s("rpt_priority"),
                self.s("rpt_reasons"),
            ]
        ]
        points = top.geometry.representative_point().to_crs("EPSG:4326")
        names = shown_names(top, self.lang, unnamed="")
        units = admin_unit_names(top, self.lang)
        for rank, (row, point, shown, unit) in enumerate(
            zip(top.itertuples(), points, names, units, strict=True), start=1
        ):
            name = self.text(shown) if shown else self.s("rpt_unnamed")
            where = f"{self.text(unit)}<br/>" if unit and unit != shown else ""
            block = (
                f"{name}<br/><font size=6.5 color='#666666'>{where}{self.text(row.block_id)}<br/>"
                f"{point.x:.5f}, {point.y:.5f}</font>"
            )
            rows.append(
                [
                    str(rank),
                    block,
                    f"{row.population:,.0f}",
                    f"{row.score:.0f}",
                    f"{row.priority:,.0f}",
                    self.gaps_of(row),
                ]
            )
        story += [
            self.p(self.s("rpt_top_blocks", n=len(top)), "h2"),
            self.table(rows, [0.05, 0.2, 0.11, 0.08, 0.1, 0.46], numeric={0, 2, 3, 4}),
        ]
        areas = content.areas.head(10)
        if len(areas):
            missing = "missing_zh" if self.lang == "zh" else "missing_en"
            rows = [
                [
                    self.s("rpt_area_no"),
                    self.s("rpt_area_blocks"),
                    self.s("rpt_residents"),
                    self.s("rpt_priority"),
                    self.s("rpt_missing"),
                ]
            ]
            for number, row in enumerate(areas.itertuples(), start=1):
                rows.append(
                    [
                        str(number),
                        f"{row.blocks:,}",
                        f"{row.population:,.0f}",
                        f"{row.priority:,.0f}",
                        self.text(getattr(row, missing)),
                    ]
                )
            story += [
                CondPageBreak(60 * mm),
                self.p(self.s("rpt_areas", n=len(areas), total=len(content.areas)), "h2"),
                self.table(rows, [0.07, 0.09, 0.12, 0.12, 0.6], numeric={0, 1, 2, 3}),
            ]
        story.append(PageBreak())
        return story

    def search_limit(self) -> str:
        """Return the search limit in minutes (times beyond it are unknown)."""
        return f"{float(self.content.study.summary.parameters.search_limit_min):g}"

    def gaps_of(self, row) -> str:
        """Return a block's failing categories with their walking times, the farthest last (escaped)."""
        timed, absent = [], []
        for category in self.content.assessment.categories():
            if getattr(row, f"shortfall_{category.key}") <= 0:
                continue
            minutes = getattr(row, f"{category.key}_t1")
            if minutes != minutes:  # NaN: nothing within the search limit
                absent.append(self.content.label(category.key, self.lang))
            else:
                timed.append(
                    t("rpt_gap_minutes", self.lang, label=self.content.label(category.key, self.lang), minutes=minutes)
                )
        separator = "；" if self.lang == "zh" else "; "
        parts = list(timed)
        if absent:
            parts.append(
                t(
                    "rpt_gap_none",
                    self.lang,
                    labels=("、" if self.lang == "zh" else ", ").join(absent),
                    limit=self.search_limit(),
                )
            )
        return self.text(separator.join(parts))

    def sites_section(self) -> list:
        """Return the suggested sites with their gains."""
        content = self.content
        story = [self.p(self.s("rpt_sites"), "h1")]
        if not content.suggestions:
            return [*story, self.p(self.s("rpt_no_sites")), PageBreak()]
        if content.suggestions_saved:
            story.append(self.p(self.s("rpt_sites_note_saved"), "note"))
        else:
            story.append(
                self.p(
                    self.s(
                        "rpt_sites_note_computed",
                        n=len(content.suggestions),
                        sites=content.suggestions[0]["sites_requested"],
                    ),
                    "note",
                )
            )
        for number, payload in enumerate(content.suggestions, start=1):
            category = payload["category"]
            heading = f"{number}. {self.label(category)} ({self.standard(category)}) · " + self.s(
                "rpt_unserved_before", value=payload["unserved_before"]
            )
            rows = [[self.s("rpt_site_no"), self.s("rpt_location"), self.s("rpt_gain"), self.s("rpt_cumulative")]]
            for site in payload["sites"]:
                rows.append(
                    [
                        f"{number}.{site['rank']}",
                        f"{site['lon']:.5f}, {site['lat']:.5f}",
                        f"{site['gain']:,.0f}",
                        f"{site['cumulative']:,.0f}",
                    ]
                )
            story.append(
                KeepTogether([self.p(heading, "h2"), self.table(rows, [0.12, 0.4, 0.24, 0.24], numeric={2, 3})])
            )
        story.append(PageBreak())
        return story

    def scenario_section(self) -> list:
        """Return the scenario against the baseline: its changes, the figures before and after, and a map."""
        scenario = self.content.scenario
        if scenario is None:
            return []
        story = [self.p(self.s("rpt_scenario_title", name=scenario.name), "h1"), self.p(self.s("rpt_changes"), "h2")]
        for change in scenario.changes:
            story.append(self.p("• " + self.describe_change(change)))
        rows = [
            [
                self.s("rpt_category"),
                self.s("rpt_baseline"),
                self.s("rpt_with_scenario"),
                self.s("rpt_change"),
                self.s("rpt_newly_served"),
                self.s("rpt_losing"),
            ]
        ]
        population = self.content.blocks["population"].to_numpy(float)
        for key, before in scenario.baseline.categories.items():
            after = scenario.scenario.categories[key]
            passed_before = scenario.baseline_pass[key]
            passed_after = scenario.scenario_pass[key]
            newly = float(population[passed_after & ~passed_before].sum())
            losing = float(population[passed_before & ~passed_after].sum())
            change = (after.coverage or 0.0) - (before.coverage or 0.0)
            rows.append(
                [
                    self.label(key),
                    percent(before.coverage),
                    percent(after.coverage),
                    f"{100 * change:+.1f}",
                    f"{newly:,.0f}",
                    f"{losing:,.0f}",
                ]
            )
        measures = [
            ("rpt_f15", lambda s: percent(s.F15)),
            ("rpt_proximity", lambda s: self.s("rpt_minutes", value=s.proximity_min or 0.0)),
            ("rpt_gini", lambda s: f"{s.gini_proximity:.3f}"),
            ("rpt_mean_score", lambda s: f"{s.mean_score:.1f}"),
        ]
        for key, show in measures:
            rows.append([self.s(key, tier=15), show(scenario.baseline), show(scenario.scenario), "", "", ""])
        story.append(self.table(rows, [0.3, 0.13, 0.13, 0.1, 0.17, 0.17], numeric={1, 2, 3, 4, 5}))
        picture = maps.scenario_map(
            self.layers(), scenario.gained, scenario.lost, scenario.added, scenario.removed, self.map_labels()
        )
        story += [KeepTogether([self.p(self.s("rpt_scenario_map"), "caption"), self.image(picture)]), PageBreak()]
        return story

    def describe_change(self, change: dict[str, Any]) -> str:
        """Return one scenario change in words."""
        kind = change["kind"]
        if kind == "add":
            key = "rpt_change_add" if change.get("name") else "rpt_change_add_unnamed"
            return self.s(
                key,
                category=self.content.label(change["category"], self.lang),
                name=change.get("name") or "",
                lon=change["lon"],
                lat=change["lat"],
            )
        facilities = self.content.facilities
        match = facilities.loc[facilities["facility_id"] == change["facility_id"], ["category", "name"]]
        facility = change["facility_id"]
        if len(match):
            category, name = match.iloc[0]
            label = self.content.label(category, self.lang) if category in self.content.result.labels else category
            facility = f"{label} {name} ({facility})" if isinstance(name, str) and name else f"{label} ({facility})"
        if kind == "remove":
            return self.s("rpt_change_remove", facility=facility)
        return self.s("rpt_change_move", facility=facility, lon=change["lon"], lat=change["lat"])

    def imports_paragraphs(self) -> list:
        """Return what the bureau's own data changed: facility list, census, elevation."""
        imports = self.content.study.summary.imports
        story = []
        facilities = imports.facilities
        if facilities:
            story.append(
                self.p(
                    self.s(
                        "rpt_import_facilities",
                        file=facilities["file"],
                        rows=facilities["rows"],
                        crs=facilities["declared_crs"],
                        mode=t(f"build_mode_{facilities['mode']}", self.lang),
                    )
                    + " "
                    + self.text(facilities["offset_check"]["message"])
                )
            )
        census = imports.census
        if census:
            story.append(
                self.p(
                    self.s(
                        "rpt_import_census",
                        file=census["file"],
                        total=census["total"],
                        polygons=census["polygons"],
                        blocks=census["blocks_from_census"],
                        outside=census["blocks_outside_census"],
                    )
                )
            )
        comparison = imports.terrain_vs_flat
        if imports.dem and comparison:
            changes = ("，" if self.lang == "zh" else ", ").join(
                f"{self.content.label(key, self.lang)} {values['change_points']:+.1f}"
                for key, values in comparison.items()
                if key in self.content.result.labels
            )
            story.append(self.p(self.s("rpt_import_dem", file=imports.dem["file"], changes=changes)))
        return story

    def population_paragraphs(self, parameters: Parameters) -> list:
        """Return the region, the cutting of large areas and the plausibility check, as said in the summary."""
        summary = self.content.study.summary
        facts = summary.population or {}
        population = parameters.population
        analysis = parameters.analysis
        story = []
        region = parameters.region
        if region:
            names = {r.key: (r.title_zh if self.lang == "zh" else r.title_en) for r in regions()}
            story.append(self.p(self.s("rpt_pop_region", region=names.get(region, region))))
        if facts.get("largest_block_ha") is not None:
            story.append(
                self.p(
                    self.s(
                        "rpt_pop_split",
                        area=_value(analysis, "max_block_area_ha", 20),
                        span=_value(analysis, "max_block_span_m", 500),
                        cell=_value(analysis, "block_cell_m", 250),
                        parts=facts.get("blocks_split", 0),
                        largest=facts["largest_block_ha"],
                    )
                )
            )
        if "flagged" in facts:
            flagged = facts["flagged"]
            bounds = {
                "high": _value(population, "max_density_per_ha", 1500),
                "low": _value(population, "min_density_per_ha", 1),
            }
            if flagged:
                shown = self.names_of(facts.get("flagged_blocks", [])[:12])
                story.append(
                    self.p(
                        self.s(
                            "rpt_pop_flags",
                            dense=flagged.get("too_dense", 0),
                            sparse=flagged.get("too_sparse", 0),
                            blocks=shown,
                            **bounds,
                        )
                    )
                )
            else:
                story.append(self.p(self.s("rpt_pop_flags_none", **bounds)))
        return story

    def names_of(self, block_ids: list[str]) -> str:
        """Return the blocks' shown names (name, else place, else id), joined."""
        blocks = self.content.blocks.set_index("block_id")
        known = [b for b in block_ids if b in blocks.index]
        names = shown_names(blocks.loc[known].reset_index(), self.lang) if known else []
        separator = "，" if self.lang == "zh" else "; "
        return self.text(separator.join(f"{n} ({b})" if n != b else b for n, b in zip(names, known, strict=True)))

    def method_section(self) -> list:
        """Return the method: walking, standard values and sources, population, scoring, limits of the data."""
        content = self.content
        summary = content.study.summary
        profile = summary.profile
        parameters = summary.parameters
        analysis = parameters.analysis
        dropped = summary.dropped_islands or {}
        number = "六" if content.scenario is not None else "五"
        if self.lang == "en":
            number = "6" if content.scenario is not None else "5"
        story = [
            self.p(self.s("rpt_method", number=number), "h1"),
            self.p(
                self.s(
                    "rpt_method_walk",
                    islands=dropped.get("segments", 0),
                    length=dropped.get("length_m", 0.0),
                    speed=profile.speed_m_s["value"],
                    speed_source=profile.speed_m_s["source"],
                    steps=profile.steps_speed_factor["value"],
                    spacing=analysis.get("boundary_spacing_m", {}).get("value", 50),
                    snap=f"{parameters.max_snap_m:g}",
                    engine=summary.engine,
                )
            ),
            self.p(self.s("rpt_method_standard"), "h2"),
        ]
        rows = [[self.s("rpt_category"), self.s("rpt_standard"), self.s("rpt_source"), self.s("rpt_checked")]]
        criterion = content.preset.scoring.criterion
        for category in content.preset.categories:
            threshold = category.radius_m if criterion == "distance" and category.radius_m else category.threshold_min
            tier = category.tier
            sources = [self.text(threshold.source)] if threshold is not None else []
            if tier.source not in (threshold.source if threshold else ""):
                sources.append(self.text(f"{t('rpt_tier_name', self.lang, tier=int(tier.value))}: {tier.source}"))
            verified = threshold is not None and threshold.verified
            rows.append(
                [
                    self.label(category.key),
                    self.standard(category.key),
                    "<br/>".join(sources),
                    self.s("rpt_yes") if verified else self.s("rpt_to_check"),
                ]
            )
        story.append(self.table(rows, [0.22, 0.13, 0.53, 0.12]))
        story += [CondPageBreak(50 * mm), self.p(self.s("rpt_method_population"), "h2")]
        population = parameters.population
        described = {
            "buildings": self.s(
                "rpt_pop_buildings",
                per_person=population.get("floor_area_per_person_m2", {}).get("value", "—"),
                levels=population.get("default_levels", {}).get("value", "—"),
            ),
            "area_density": self.s(
                "rpt_pop_area_density", density=population.get("density_per_km2", {}).get("value", 0)
            ),
            "user": self.s("rpt_pop_user"),
            "census": self.s("rpt_pop_census"),
            "raster": self.s("rpt_pop_raster"),
        }
        for method in ("buildings", "area_density"):
            described[f"{method}_scaled"] = self.s("rpt_pop_scaled", method=described[method])
        rows = [[self.s("rpt_pop_source"), self.s("rpt_blocks"), self.s("rpt_residents")]]
        grouped = content.blocks.groupby("pop_source")["population"].agg(["count", "sum"])
        for source, row in grouped.iterrows():
            rows.append([described.get(source, self.text(source)), f"{int(row['count']):,}", f"{row['sum']:,.0f}"])
        story += [self.table(rows, [0.64, 0.16, 0.2], numeric={1, 2}), Spacer(1, 3 * mm)]
        story += self.population_paragraphs(parameters)
        story += self.imports_paragraphs()
        scoring = content.preset.scoring
        bands = "，".join if self.lang == "zh" else ", ".join
        band_text = bands(f"{(b.zh if self.lang == 'zh' else b.en)} ≥ {b.minimum:g}" for b in scoring.bands)
        factor = scoring.zero_at_factor.value if scoring.zero_at_factor is not None else 2
        story.append(self.p(self.s("rpt_method_scoring", factor=factor, bands=band_text)))
        story += [CondPageBreak(40 * mm), self.p(self.s("rpt_limits"), "h2"), self.p("• " + self.s("rpt_limit_osm"))]
        counts = content.facilities["category"].value_counts()
        separator = "，" if self.lang == "zh" else ", "
        listed = separator.join(
            f"{content.label(c.key, self.lang)} {int(counts.get(c.key, 0))}" for c in content.preset.categories
        )
        story.append(self.p("• " + self.s("rpt_limit_counts", counts=listed)))
        not_mapped = content.summary.not_mapped
        if not_mapped:
            names = separator.join(content.label(c, self.lang) for c in not_mapped)
            story.append(self.p("• " + self.s("rpt_limit_not_mapped", categories=names)))
        study_counts = summary.counts
        story.append(
            self.p(
                "• "
                + self.s(
                    "rpt_limit_unreachable",
                    blocks=study_counts.blocks_unreachable,
                    facilities=study_counts.facilities_unreachable,
                    snap=f"{parameters.max_snap_m:g}",
                )
            )
        )
        if "user" not in set(content.blocks["pop_source"]) and "census" not in set(content.blocks["pop_source"]):
            story.append(self.p("• " + self.s("rpt_limit_population")))
        date = summary.source.data_timestamp or t("rpt_data_date_unknown", self.lang)
        story.append(self.p("• " + self.s("rpt_limit_date", date=date)))
        supply = content.result.summary.supply or {}
        categories = supply.get("categories", {}) if isinstance(supply, dict) else {}
        if not categories or all(isinstance(v, str) for v in categories.values()):
            story.append(self.p("• " + self.s("rpt_capacity_none")))
        return story


def _value(section: dict, key: str, default: float) -> float:
    entry = section.get(key)
    return float(entry["value"]) if isinstance(entry, dict) and "value" in entry else default


def percent(share: float | None) -> str:
    """Return a share as a percentage with one decimal, or a dash."""
    return "—" if share is None else f"{100 * share:.1f}%"


def romanise(text: str) -> str:
    """Return ``text`` with Chinese characters in pinyin and full-width punctuation folded to ASCII.

    Examples
    --------
    >>> romanise("锦江区（东）")
    'Jin Jiang Qu (Dong)'
    """
    from pypinyin import lazy_pinyin

    folded = unicodedata.normalize("NFKC", text).replace("、", ", ").replace("。", ". ").replace("；", "; ")
    pieces = lazy_pinyin(folded)
    out = []
    for piece in pieces:
        if piece and piece.isascii() and piece.isalpha() and out and out[-1][-1:].isalpha():
            out.append(" ")
        out.append(piece.capitalize() if piece.isalpha() else piece)
    return re.sub(r"(?<=[A-Za-z])\(", " (", "".join(out))


def _canvas_class(writer: Writer, when: dt.datetime, header: str) -> type:
    """Return a canvas that stamps the header, the attribution and "page X of Y" on every page."""

    class ReportCanvas(pdfcanvas.Canvas):
        def __init__(self, *args, **kwargs) -> None:
            kwargs["invariant"] = 1
            kwargs["initialFontName"] = writer.name
            super().__init__(*args, **kwargs)
            stamp = TimeStamp(invariant=True)
            epoch = when.timestamp()
            stamp.t, stamp.lt = epoch, time.gmtime(epoch)
            stamp.YMDhms = tuple(stamp.lt)[:6]
            self._doc._timeStamp = stamp
            self._pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._decorate(number, total)
                super().showPage()
            super().save()

        def _decorate(self, number: int, total: int) -> None:
            width, height = A4
            self.setFont(writer.name, 7.5)
            self.setFillColor(colors.HexColor("#555555"))
            self.setStrokeColor(RULE)
            self.setLineWidth(0.4)
            if number > 1:
                self.drawString(MARGIN, height - 12 * mm, writer.plain(header))
                self.drawRightString(width - MARGIN, height - 12 * mm, when.strftime("%Y-%m-%d"))
                self.line(MARGIN, height - 13.5 * mm, width - MARGIN, height - 13.5 * mm)
            self.line(MARGIN, 13 * mm, width - MARGIN, 13 * mm)
            self.drawString(MARGIN, 9 * mm, t("rpt_attribution", writer.lang))
            self.drawRightString(width - MARGIN, 9 * mm, t("rpt_page", writer.lang, page=number, pages=total))

    return ReportCanvas


def write_pdf(
    content: ReportContent,
    lang: str,
    font: ReportFont,
    destination: Path,
    when: dt.datetime,
    progress: Callable[[float, str], None] | None = None,
) -> int:
    """Typeset the report into ``destination`` and return its page count.

    Parameters
    ----------
    content : ReportContent
        What to report (see :func:`circle.report.content.gather`).
    lang : str
        ``"zh"`` or ``"en"``.
    font : ReportFont
        The font to embed.
    destination : pathlib.Path
        The file to write (the caller makes the write atomic).
    when : datetime.datetime
        The report date (also the PDF creation date).
    progress : callable, optional
        Called with (fraction done, message).
    """
    report = progress or (lambda fraction, message: None)
    writer = Writer(content, lang, font)
    report(0.35, t("rpt_progress_maps", lang))
    story = writer.cover(when) + writer.summary_section() + writer.map_section()
    report(0.7, t("rpt_progress_pdf", lang))
    story += writer.priority_section() + writer.sites_section() + writer.scenario_section() + writer.method_section()
    header = t("rpt_header", lang, area=content.area_name or content.study.summary.source.file)
    document = SimpleDocTemplate(
        str(destination),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        title=writer.plain(f"{t('rpt_title', lang)} · {content.area_name or content.study.path.name}"),
        author="circle",
        subject=writer.plain(content.study.summary.preset.title_in(lang)),
        creator=f"circle {__version__}",
        invariant=1,
        initialFontName=writer.name,
    )
    pages = []

    class Counter(_canvas_class(writer, when, header)):
        def save(self) -> None:
            pages.append(len(self._pages))
            super().save()

    document.build(story, canvasmaker=Counter)
    return pages[0]
