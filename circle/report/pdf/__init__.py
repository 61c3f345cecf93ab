"""Typeset the gap report with reportlab: cover, summary, maps, priorities, sites, indicators, and the rest.

One module per section (:mod:`~circle.report.pdf.cover`, ``summary``,
``map_pages``, ``priorities``, ``sites``, ``indicators``, ``scenario``,
``comparison``, ``residents``, ``method``), each a
function of a :class:`~circle.report.pdf.writer.Writer`; the facts they print
are gathered in :mod:`circle.report.content`.

The PDF is deterministic: reportlab runs in invariant mode (the document ID
depends on the content only, fonts are subset the same way, images carry no
timestamp) and only the creation date, which is the ``when`` given, changes
between two runs on the same study.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import TimeStamp
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import SimpleDocTemplate

from circle import __version__
from circle.i18n import t
from circle.report.content import ReportContent
from circle.report.filing import FilingDetails, make_filing
from circle.report.fonts import ReportFont
from circle.report.pdf import (
    appendix,
    comparison,
    cover,
    indicators,
    map_pages,
    method,
    priorities,
    residents,
    scenario,
    sites,
    summary,
)
from circle.report.pdf.writer import MARGIN, RULE, Writer, romanise

__all__ = ["Writer", "romanise", "write_pdf"]


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
    details: FilingDetails | None = None,
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
    details : FilingDetails, optional
        What the cover files the report under (see :mod:`circle.report.filing`).
    """
    report = progress or (lambda fraction, message: None)
    filing = make_filing(content.study, content.blocks, details or FilingDetails(), lang, when)
    writer = Writer(content, lang, font, filing)
    report(0.35, t("rpt_progress_maps", lang))
    story = cover.cover(writer, when) + summary.summary_section(writer) + map_pages.map_section(writer)
    report(0.7, t("rpt_progress_pdf", lang))
    story += priorities.priority_section(writer) + sites.sites_section(writer) + indicators.indicator_section(writer)
    story += scenario.scenario_section(writer) + comparison.comparison_section(writer)
    story += residents.residents_section(writer) + method.method_section(writer) + appendix.appendix_section(writer)
    title = filing.title(lang)
    if filing.number:
        header = t("filing_header_number", lang, title=title, number=filing.number)
    else:
        header = t("filing_header", lang, title=title)
    document = SimpleDocTemplate(
        str(destination),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        title=writer.plain(title),
        author=writer.plain(filing.author or filing.issuer or "circle"),
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
