"""The report's writing primitives: strings in the report's language, paragraphs, tables, images, map layers.

:class:`Writer` holds what every section needs (the content, the language,
the font and its styles); each section is a function of a writer in its own
module beside this one.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from typing import Any
from xml.sax.saxutils import escape

import geopandas as gpd
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    Image,
    Paragraph,
    Table,
    TableStyle,
)

from circle.geo import WGS84
from circle.i18n import t
from circle.report import maps
from circle.report.content import ReportContent
from circle.report.filing import Filing, FilingDetails, make_filing
from circle.report.fonts import ReportFont, has_cjk, matplotlib_font, register
from circle.report.standard_words import standard_words, walked_minutes
from circle.report.streets import nearest_street
from circle.study.columns import BLOCK_ID
from circle.words.places import admin_unit_names, column_texts, shown_names

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
    filing : Filing, optional
        What the cover files the report under (default: nothing given, the place from the data).
    """

    def __init__(self, content: ReportContent, lang: str, font: ReportFont, filing: Filing | None = None) -> None:
        self.content = content
        if filing is None:
            when = dt.datetime.now(dt.UTC)
            filing = make_filing(content.study, content.blocks, FilingDetails(), lang, when)
        self.filing = filing
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
    def section_number(self, section: str) -> str:
        """Return a numbered section's number (一、二、… in Chinese): the optional sections shift the later ones."""
        order = ["summary", "maps", "priorities", "sites", "indicators"]
        order += ["scenario"] if self.content.scenario is not None else []
        order += ["comparison"] if self.content.comparison is not None else []
        order += ["residents"] if self.content.residents is not None else []
        order.append("method")
        number = order.index(section) + 1
        return "一二三四五六七八九十"[number - 1] if self.lang == "zh" else str(number)

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

    def standard(self, category: str, minutes: bool = False) -> str:
        """Return a category's standard in the standard's own numbers, e.g. ``300米内`` / ``within 300 m``.

        With ``minutes``, a distance standard adds, smaller, what it takes the study's walkers
        ("300米内 / 该人群约4.5分钟"), to the half minute: the gap tables give walking minutes.
        """
        rules = self.content.preset.category(category)
        criterion = self.content.preset.scoring.criterion
        described = self.text(standard_words(rules, criterion, self.lang))
        walked = walked_minutes(rules, criterion, self.content.study.summary.profile.speed) if minutes else None
        if walked is None:
            return described
        second = self.s("rpt_standard_minutes", minutes=f"{walked:g}")
        return f"{described}<br/><font size=6.5 color='#666666'>{second}</font>"

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
            self._layers = self.layers_of(self.content.blocks)
        return self._layers

    def layers_of(self, blocks) -> maps.MapLayers:
        """Return map layers of other blocks (a comparison's) over the study's streets and facilities."""
        return maps.MapLayers(
            blocks=blocks,
            facilities=self.content.facilities,
            streets=self.content.streets,
            outline=self.content.outline,
            font=self.mpl_font,
            green_categories=tuple(c.key for c in self.content.preset.categories if c.group == "parks"),
            squares_note=self.plain(t("rpt_map_squares", self.lang, size="{size}")),
            named_streets=self.content.named_streets,
            street_text=self.plain,
        )

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
            "closed": "rpt_closed_legend",
            "cut_off": "rpt_cut_off_legend",
        }
        labels = {name: t(key, self.lang, limit=self.search_limit()) for name, key in keys.items()}
        labels["priority_class"] = t("rpt_priority_class", self.lang, low="{low}", high="{high}")
        return labels

    def site_points(self):
        """Return the suggested sites as points in the study CRS, labelled like the sites table."""
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

    def search_limit(self) -> str:
        """Return the search limit in minutes (times beyond it are unknown)."""
        return f"{float(self.content.study.summary.parameters.search_limit_min):g}"

    def block_places(self, frame) -> list[tuple[str, str]]:
        """Return, per block of ``frame``, its name and where it is, both escaped for a table cell.

        The name is the block's own, else the streets that bound it, else its 社区/街道
        (:func:`~circle.prepare.block_places.shown_names`); where adds its 社区 and 街道 when the name
        does not already say them, and the nearest named street ("近 人民南路") when the name is not
        a street's. Coordinates and ids are left to the appendix (:mod:`~circle.report.pdf.appendix`).
        """
        names = [bilingual_folded(name, self.lang) for name in shown_names(frame, self.lang, unnamed="")]
        units = admin_unit_names(frame, self.lang)
        by_streets = [
            bool(own) is False and bool(place)
            for own, place in zip(column_texts(frame, "name"), column_texts(frame, f"place_{self.lang}"), strict=True)
        ]
        points = frame.geometry.representative_point()
        near = nearest_street(points, self.content.named_streets)
        places = []
        for name, unit, streets, street in zip(names, units, by_streets, near, strict=True):
            shown = self.text(name) if name else self.s("rpt_unnamed")
            where = [unit] if unit and unit != name else []
            if street and not streets:
                where.append(t("rpt_near_street", self.lang, street=street))
            places.append((shown, self.text(t("place_sep", self.lang).join(where))))
        return places

    def point_places(self, points) -> list[str]:
        """Return, per point (study CRS), where it is: the 社区/街道 of the block nearest it and the nearest street."""
        blocks = self.content.blocks
        units = [""] * len(points)
        if len(points) and len(blocks):
            frame = gpd.GeoDataFrame(geometry=gpd.GeoSeries(points, crs=blocks.crs).reset_index(drop=True))
            joined = gpd.sjoin_nearest(frame, blocks[["geometry"]].reset_index(drop=True), how="left")
            joined = joined[~joined.index.duplicated()]
            holding = blocks.iloc[joined["index_right"].to_numpy(int)]
            units = list(admin_unit_names(holding, self.lang))
        near = nearest_street(gpd.GeoSeries(points, crs=blocks.crs), self.content.named_streets)
        separator = t("place_sep", self.lang)
        shown = []
        for unit, street in zip(units, near, strict=True):
            parts = [unit] if unit else []
            if street:
                parts.append(t("rpt_near_street", self.lang, street=street))
            shown.append(self.text(separator.join(parts)) or "—")
        return shown

    def place_cell(self, name: str, where: str) -> str:
        """Return a table cell: a place's name over where it is, in small grey type."""
        return f"{name}<br/><font size=6.5 color='#666666'>{where}</font>" if where else name

    def names_of(self, block_ids: list[str]) -> str:
        """Return the blocks named in words (name, else streets, else units, with where they are), joined (escaped).

        Their ids and coordinates are in the appendix, never in the text.
        """
        blocks = self.content.blocks.set_index(BLOCK_ID)
        known = [b for b in block_ids if b in blocks.index]
        places = self.block_places(blocks.loc[known].reset_index()) if known else []
        separator = t("names_sep", self.lang)
        shown = (t("rpt_name_where", self.lang, name=n, where=w) if w else n for n, w in places)
        return separator.join(shown)


_ENGLISH_HALF = re.compile(r"\s+-\s+[A-Za-z][A-Za-z0-9 .'’-]*?(?=以[东西南北]|、|$)")


def bilingual_folded(name: str, lang: str) -> str:
    """Return a place for a Chinese report without the English half of bilingual street names.

    Examples
    --------
    >>> bilingual_folded("东城根南街 - Dongchenggen Street South以西、商业街以北", "zh")
    '东城根南街以西、商业街以北'
    >>> bilingual_folded("west of 东城根南街 - Dongchenggen Street South", "en")
    'west of 东城根南街 - Dongchenggen Street South'
    """
    return _ENGLISH_HALF.sub("", name) if lang == "zh" and name else name


def _value(section: dict, key: str, default: float) -> float:
    entry = section.get(key)
    return float(entry["value"]) if isinstance(entry, dict) and "value" in entry else default


def romanise(text: str) -> str:
    """Return ``text`` with Chinese characters in pinyin and full-width punctuation folded to ASCII.

    Examples
    --------
    >>> romanise("锦江区（东）")
    'Jin Jiang Qu (Dong)'
    """
    from pypinyin import lazy_pinyin  # loaded only when no Chinese font is installed: pypinyin is 0.2 s

    folded = unicodedata.normalize("NFKC", text).replace("、", ", ").replace("。", ". ").replace("；", "; ")
    pieces = lazy_pinyin(folded)
    out = []
    for piece in pieces:
        if piece and piece.isascii() and piece.isalpha() and out and out[-1][-1:].isalpha():
            out.append(" ")
        out.append(piece.capitalize() if piece.isalpha() else piece)
    return re.sub(r"(?<=[A-Za-z])\(", " (", "".join(out))
