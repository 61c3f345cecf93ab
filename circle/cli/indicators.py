"""``circle indicators``: the city check-up's indicators and the study's figures, to a spreadsheet."""

from __future__ import annotations

import argparse
import math

from circle.cli._common import EXIT_OK
from circle.standards.indicator_sets import DEFAULT_SET


def add_parser(commands) -> None:
    """Add the sub-command to ``circle``'s sub-commands."""
    cmd = commands.add_parser(
        "indicators",
        help="write the city check-up indicators (official definition and walking network) to .xlsx or .csv",
        description="Compute an indicator set on a study: the 2021 city check-up's service-radius coverage "
        "(straight-line radius and land area, as the definition says, and beside it by the walking network), "
        "the compounds lacking each facility of the preset (also per 街道/社区), and the study's coverage, F15, "
        "proximity time and Gini. The sheet names each definition's source and whether it was verified, and "
        "the study's sources and dates.",
    )
    cmd.add_argument("--study", required=True, help="a study folder made by `circle analyze`")
    cmd.add_argument(
        "--set",
        dest="indicator_set",
        default=DEFAULT_SET,
        help=f"indicator set name or YAML file (default {DEFAULT_SET})",
    )
    cmd.add_argument("--preset", help="score with this preset (default: the study's)")
    cmd.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of headings and names (default zh)")
    cmd.add_argument("--out", required=True, metavar="FILE.xlsx|FILE.csv", help="the spreadsheet to write")
    cmd.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the sub-command; return its exit code."""
    # circle --help must not load the study folder and the indicators (pandas, geopandas: 0.5 s)
    from circle.study import Study
    from circle.tasks.indicators import indicators

    study = Study.open(args.study)
    sheet = indicators(study, args.indicator_set, args.lang, args.preset)
    path = sheet.save(args.out)
    table = sheet.table
    zh = args.lang == "zh"
    print(f"指标表已写入 {path}（{len(table)} 项）" if zh else f"Indicators written to {path} ({len(table)} rows)")
    for row in table[table["category"] == ""].itertuples():
        official = "—" if row.official_value is None or math.isnan(row.official_value) else f"{row.official_value:g}"
        network = "—" if row.network_value is None or math.isnan(row.network_value) else f"{row.network_value:g}"
        words = ("官方口径", "步行网络") if zh else ("official", "network")
        print(f"  {row.name}: {official} ({words[0]}) / {network} ({words[1]})")
    return EXIT_OK
