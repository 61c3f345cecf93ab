"""``circle publish``: the static resident site of a study, for any web server (and ``circle serve --public``)."""

from __future__ import annotations

import argparse
import re
import textwrap
import time
from pathlib import Path

from circle.cli._common import EXIT_OK
from circle.errors import CircleError


def add_parser(commands) -> None:
    """Add the sub-command to ``circle``'s sub-commands."""
    cmd = commands.add_parser(
        "publish",
        help="write the resident site of a study: static files any web server can serve",
        description="Write a self-contained static site for residents: search by name or pinyin, a page per "
        "residential block (score, nearest services, walking routes, what is missing), share links and QR codes.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=textwrap.dedent(
            """\
            examples:
              circle publish --study data/studies/default          # into data/sites/default
              circle publish --study data/studies/default --out data/sites/default \
                  --place 成都市中心 --place-en "Central Chengdu"
              circle publish --study data/studies/default --out data/sites/default \
                  --url https://circle.example.gov.cn/default/ --posters
            """
        ),
    )
    cmd.add_argument("--study", required=True, help="a scored study folder made by `circle analyze`")
    cmd.add_argument(
        "--out",
        help="the site folder to write, replaced whole when it exists "
        "(default: the deployment's sites folder / the study's name, which `circle serve --public` serves)",
    )
    cmd.add_argument("--place", help="the place's name residents know, in Chinese (default: the study's area)")
    cmd.add_argument("--place-en", help="the place's name in English (default: --place)")
    cmd.add_argument(
        "--data-date", metavar="DATE", help="when the map data was taken, e.g. 2018 or 2018-06-01 (shown to residents)"
    )
    cmd.add_argument(
        "--url", help="the address the site will be reached at, e.g. https://circle.example.gov.cn/default/"
    )
    cmd.add_argument(
        "--posters", action="store_true", help="also write an A4 notice-board poster per community (needs --url)"
    )
    cmd.add_argument(
        "--no-reports",
        action="store_true",
        help="leave out the residents' report form (for a host without `circle serve`)",
    )
    cmd.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the sub-command; return its exit code."""
    # circle --help must not load the site writer (pandas, geopandas: 0.6 s)
    from circle.tasks.publish import PublishOptions, default_site_folder, publish

    if args.posters and not args.url:
        raise CircleError("--posters needs --url: the posters' QR codes lead to the site's public address.")
    if args.url and not args.url.startswith(("https://", "http://")):
        raise CircleError(f"--url {args.url!r} must start with https:// (or http://).")
    out = Path(args.out) if args.out else default_site_folder(args.study)
    if out.exists() and not out.is_dir():
        raise CircleError(f"--out {out} is a file; give a folder for the site.")
    url = args.url if not args.url or args.url.endswith("/") else args.url + "/"
    place = {key: value for key, value in (("zh", args.place), ("en", args.place_en)) if value}
    if args.data_date and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", args.data_date):
        raise CircleError(
            f"--data-date {args.data_date!r} must be a year, year-month or date: 2018, 2018-06, 2018-06-01."
        )
    options = PublishOptions(
        place=place, url=url, reports=not args.no_reports, posters=args.posters, data_date=args.data_date
    )
    started = time.perf_counter()

    def progress(text: str) -> None:
        print(f"  [{time.perf_counter() - started:6.1f} s] {text} …", flush=True)

    result = publish(args.study, out, options, progress=progress)
    print(
        f"Resident site written to {result.path}: {result.blocks:,} block pages, {result.files:,} files, "
        f"{result.bytes / 1e6:.1f} MB in {result.seconds:.1f} s"
        + (f"; {result.posters} poster file(s) in {result.path / 'posters'}" if result.posters else "")
    )
    print(f"  serve it: circle serve --public --sites {result.path.parent}   (or copy the folder to any web server)")
    if not args.place:
        print(f"  the site calls the place {result.place!r}; name it as residents do with --place, --place-en")
    return EXIT_OK
