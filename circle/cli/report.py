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
    filing = cmd.add_argument_group(
        "the cover (default: the [report] table of circle.toml; what neither gives is a line to fill in by hand)"
    )
    filing.add_argument("--place", metavar="NAME", help="the place in the title (default: the data's 街道/社区)")
    filing.add_argument("--place-en", metavar="NAME", help="the place in an English report (default: --place)")
    filing.add_argument("--issuer", metavar="BODY", help="the issuing body (编制单位)")
    filing.add_argument("--author", metavar="NAME", help="who prepared the report (编制人)")
    filing.add_argument("--number", metavar="NO", help="the report number (报告编号)")
    cmd.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF to write, e.g. reports/chengdu.pdf")
    cmd.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the sub-command; return its exit code."""
    from circle.tasks.report import FilingDetails, report  # circle --help must not load the report (pandas: 0.5 s)

    details = FilingDetails(
        place=args.place or "",
        place_en=args.place_en or "",
        issuer=args.issuer or "",
        author=args.author or "",
        number=args.number or "",
    )
    result = report(
        args.study,
        args.out,
        args.lang,
        args.area_file,
        args.scenario,
        compare=args.compare,
        include_flagged=args.include_flagged,
        filing=details,
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
    for key, values in result.hints:  # what the report tells its readers in words, the terminal says as commands
        if "missing" in values:  # the cover's lines left blank, named with their flags
            shown = (f"{t(f'filing_{name}', args.lang)} (--{name})" for name in values["missing"])
            values = {**values, "missing": t("list_sep", args.lang).join(shown)}
        print(t(key, args.lang, study=args.study, **values))
    return EXIT_OK
