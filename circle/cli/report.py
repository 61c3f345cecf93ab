"""``circle report``: a printable PDF gap report."""

from __future__ import annotations

import argparse

from circle.cli._common import EXIT_OK
from circle.i18n import t


def add_parser(commands) -> None:
    """Add the sub-command to ``circle``'s sub-commands."""
    cmd = commands.add_parser(
        "report",
        help="write a printable PDF gap report (Chinese or English)",
        description="Write a PDF gap report of a study: cover with sources and dates, summary table and chart, "
        "maps drawn offline (score, renewal priority, one per category), the renewal priority table, "
        "suggested sites with their gains, the city check-up indicators, a scenario against the baseline, a comparison "
        "of two studies, and the method and limits of the data. "
        "Set SOURCE_DATE_EPOCH to fix the report date (the same study then gives the same bytes).",
    )
    cmd.add_argument("--study", required=True, help="a study folder made by `circle analyze`")
    cmd.add_argument("--area", dest="area_file", metavar="FILE", help="report on the blocks inside this polygon only")
    cmd.add_argument("--scenario", metavar="NAME", help="compare a saved what-if scenario with the baseline")
    cmd.add_argument(
        "--compare", metavar="DIR", help="add a section with maps of a comparison made by `circle compare`"
    )
    cmd.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the report (default zh)")
    cmd.add_argument(
        "--include-flagged",
        action="store_true",
        help="rank blocks whose population is flagged implausible among the priorities (checked data only)",
    )
    cmd.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF to write, e.g. reports/chengdu.pdf")
    cmd.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the sub-command; return its exit code."""
    from circle.report import build_report

    result = build_report(
        args.study,
        args.out,
        args.lang,
        args.area_file,
        args.scenario,
        compare=args.compare,
        include_flagged=args.include_flagged,
    )
    size = result.size_bytes / 1e6
    print(
        t(
            "cli_report_written",
            args.lang,
            path=result.path,
            pages=result.pages,
            size=size,
            seconds=result.seconds,
            font=result.font,
        )
    )
    return EXIT_OK
