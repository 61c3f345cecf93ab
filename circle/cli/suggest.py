"""``circle suggest``: sites for new facilities that serve the most unserved residents."""

from __future__ import annotations

import argparse
from pathlib import Path

from circle.cli._common import EXIT_OK, cli_author


def add_parser(commands) -> None:
    """Add the sub-command to ``circle``'s sub-commands."""
    cmd = commands.add_parser(
        "suggest",
        help="suggest sites for new facilities that serve the most unserved residents",
        description="Choose N new sites for a category that together serve the most residents not yet "
        "served (maximal covering, greedy with lazy evaluation), from a file of candidate points or from "
        "the network nodes where unserved blocks join the network. Written to suggestions/.",
    )
    cmd.add_argument("--study", required=True, help="a study folder made by `circle analyze`")
    cmd.add_argument(
        "--category", required=True, help="the category: its key or its label, e.g. kindergarten or 幼儿园"
    )
    cmd.add_argument("--sites", type=int, default=3, help="how many sites (default 3)")
    cmd.add_argument("--candidates", metavar="FILE", help="candidate parcels (points or polygons with a CRS)")
    cmd.add_argument("--apply", metavar="NAME", help="also save the suggestions as a what-if scenario NAME")
    cmd.add_argument(
        "--include-flagged",
        action="store_true",
        help="let blocks whose population is flagged implausible weigh in the choice (left out by default)",
    )
    cmd.set_defaults(handler=run)


_VERDICT_WORDS = {"likely_incomplete": "likely incompletely mapped", "absent": "not in the map data at all"}


def run(args: argparse.Namespace) -> int:
    """Run the sub-command; return its exit code."""
    # circle --help must not load the study folder and the suggestions (pandas, geopandas, scipy: 0.6 s)
    from circle.study import Study
    from circle.study.completeness import ASSESSED
    from circle.tasks.score import preset_of
    from circle.tasks.suggest import category_key, suggest
    from circle.tasks.whatif import what_if
    from circle.words.findings import unscored_change

    study = Study.open(args.study)
    # a planner writes the category as the preset labels it (幼儿园, Elderly care) as often as by its key
    args.category = category_key(study, args.category)
    suggested = suggest(study, args.category, args.sites, args.candidates, include_flagged=args.include_flagged)
    written = suggested.save()
    sites = suggested.sites
    verdict = (study.summary.suggestions or {}).get(f"{args.category}-{args.sites}", {}).get("data_verdict")
    if verdict not in (None, ASSESSED):
        print(
            f"Note: {args.category} is {_VERDICT_WORDS[verdict]}, so these sites assume the "
            "mapped facilities are all there are; import the bureau's list with `circle analyze --facilities FILE` "
            "first for sites you can act on."
        )
    flagged_out = (
        (study.summary.suggestions or {}).get(f"{args.category}-{args.sites}", {}).get("flagged_blocks_left_out", 0)
    )
    if flagged_out:
        print(f"{flagged_out} block(s) with a flagged population weigh nothing here (--include-flagged keeps them).")
    saved = (study.summary.suggestions or {}).get(f"{args.category}-{args.sites}", {})
    if saved.get("note"):
        print(saved["note"]["en"])
    who = (saved.get("group") or {}).get("en", "residents")  # the age group the category serves
    print(f"Suggested sites for {args.category}, weighing {who} (written to {Path(args.study) / written.parent.name}):")
    for row in sites.itertuples():
        print(f"  {row.rank}. {row.lat:.6f}, {row.lon:.6f}: +{row.gain:,.0f} {who} (total {row.cumulative:,.0f})")
    if args.apply:
        scenario = what_if(study, suggested.as_changes())
        scenario.save(args.apply, cli_author())
        entry = scenario.diff["categories"].get(args.category, {})
        if entry.get("scored") is False:  # a category the study leaves unscored: no one is "newly served" of it
            label = preset_of(study).category(args.category).label_en
            print(f"Applied as scenario {args.apply}. {unscored_change(entry, label, 'en')}.")
        else:
            print(f"Applied as scenario {args.apply}: +{entry.get('newly_served', 0.0):,.0f} {who} newly served.")
    return EXIT_OK
