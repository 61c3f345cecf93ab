"""``circle whatif``: add, remove or move facilities, and list, show or delete saved scenarios."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from circle.cli._common import EXIT_OK, cli_author
from circle.errors import CircleError
from circle.i18n import figure, percent

if TYPE_CHECKING:
    from circle.study.scenarios import Change


def add_parser(commands) -> None:
    """Add the sub-command to ``circle``'s sub-commands."""
    cmd = commands.add_parser(
        "whatif",
        help="add, remove or move facilities, close streets, and see who gains or loses service",
        description="Apply changes to a study (facility changes update only the blocks affected; closures "
        "recompute the reach over the streets left open), compare with the baseline, and save the scenario "
        "in the study's scenarios/ folder.",
    )
    cmd.add_argument("--study", required=True, help="a study folder made by `circle analyze`")
    cmd.add_argument(
        "--add",
        action="append",
        default=[],
        metavar="CATEGORY:LAT,LON",
        help="add a facility, e.g. clinic:30.66,104.07 (repeatable)",
    )
    cmd.add_argument(
        "--remove",
        action="append",
        default=[],
        metavar="FACILITY_ID",
        help="remove a facility, e.g. clinic:n123456 (repeatable)",
    )
    cmd.add_argument(
        "--move",
        action="append",
        default=[],
        metavar="FACILITY_ID@LAT,LON",
        help="move a facility, e.g. clinic:n123456@30.66,104.07 (repeatable)",
    )
    cmd.add_argument(
        "--close",
        action="append",
        default=[],
        metavar="FILE",
        help="close the walking segments the lines or polygons of FILE (GeoJSON, GeoPackage, Shapefile) "
        "cross or cover: a flooded underpass, a bridge under works (repeatable)",
    )
    cmd.add_argument(
        "--close-steps",
        nargs="?",
        const="",
        default=None,
        metavar="AREA_FILE",
        help="close every flight of steps (highway=steps): of the whole study, or inside the polygons of AREA_FILE",
    )
    cmd.add_argument(
        "--close-crs",
        "--closures-crs",
        dest="close_crs",
        metavar="SYSTEM",
        help="coordinates of the --close and --close-steps files: wgs84 (GPS, OSM), gcj02 (drawn on AMap 高德 or "
        "Tencent 腾讯), bd09 (Baidu 百度) or EPSG:CODE; overrides the files' EPSG:4326 label (default: their own CRS)",
    )
    cmd.add_argument("--name", default="scenario", help="scenario name (default: scenario; replaces one of that name)")
    cmd.add_argument("--list", action="store_true", help="list the saved scenarios")
    cmd.add_argument("--show", metavar="NAME", help="print a saved scenario")
    cmd.add_argument("--delete", metavar="NAME", help="delete a saved scenario")
    cmd.set_defaults(handler=run)


def parse_add(text: str) -> Change:
    """Parse ``CATEGORY:LAT,LON`` (``--add``)."""
    from circle.study.scenarios import Change  # circle --help must not load the study folder: 0.6 s

    try:
        category, coordinates = text.split(":", 1)
        lat, lon = (float(v) for v in coordinates.split(","))
    except ValueError:
        raise CircleError(f"--add {text!r} must look like clinic:30.66,104.07 (category:lat,lon).") from None
    return Change("add", category=category.strip(), lat=lat, lon=lon)


def parse_move(text: str) -> Change:
    """Parse ``FACILITY_ID@LAT,LON`` (``--move``)."""
    from circle.study.scenarios import Change  # circle --help must not load the study folder: 0.6 s

    try:
        facility_id, coordinates = text.rsplit("@", 1)
        lat, lon = (float(v) for v in coordinates.split(","))
    except ValueError:
        raise CircleError(f"--move {text!r} must look like clinic:n123@30.66,104.07 (facility_id@lat,lon).") from None
    return Change("move", facility_id=facility_id.strip(), lat=lat, lon=lon)


def closures(args: argparse.Namespace, network=None) -> list[Change]:
    """Return the ``close`` changes of ``--close`` and ``--close-steps`` (files read in ``--close-crs``).

    With the study's walking ``network``, each ``--close`` file's lines are
    checked against it: a warning names the coordinate system that fits better.
    """
    from circle.tasks.whatif import closure_changes  # circle --help must not load the what-if task: 0.7 s

    changes, warnings = closure_changes(args.close, args.close_steps, getattr(args, "close_crs", None), network)
    for warning in warnings:
        print(f"  WARNING: {warning}", file=sys.stderr)
    return changes


def print_closure(closure: dict) -> None:
    """Print what the closures closed and did."""
    steps = f", {closure['steps_closed']} of them steps" if closure["steps_closed"] else ""
    print(f"  walking segments closed: {closure['segments_closed']} ({closure['length_closed_m']:,.0f} m{steps})")
    if closure["blocks_cut_off"]:
        shown = ", ".join(closure["cut_off_blocks"][:5])
        more = " …" if closure["blocks_cut_off"] > 5 else ""
        print(
            f"  blocks cut off entirely: {closure['blocks_cut_off']}, with "
            f"{closure['residents_cut_off']:,.0f} residents ({shown}{more})"
        )
    for category, figures in closure["categories"].items():
        longer = figures["residents_longer"]
        if longer:
            print(
                f"  {category}: {longer:,.0f} residents walk longer (mean +{figures['mean_longer_min']} min, "
                f"max +{figures['max_longer_min']} min); {figures['residents_lost_reach']:,.0f} reach none "
                "within the search limit"
            )
        elif figures["residents_lost_reach"]:
            print(f"  {category}: {figures['residents_lost_reach']:,.0f} residents reach none within the search limit")


def run(args: argparse.Namespace) -> int:
    """Run the sub-command; return its exit code."""
    # circle --help must not load the study folder and the what-if task (pandas, geopandas: 0.7 s)
    from circle.study import Study
    from circle.study.scenarios import Change, check_name, list_scenarios, load_scenario
    from circle.tasks.score import preset_of
    from circle.tasks.whatif import delete, what_if
    from circle.words.findings import unscored_change

    study = Study.open(args.study)
    if args.list:
        for scenario in list_scenarios(study):
            author = scenario.get("author") or "unknown author"
            print(
                f"{scenario['name']}: {len(scenario['changes'])} change(s), created {scenario['created']} by {author}"
            )
        return EXIT_OK
    if args.show:
        scenario, _ = load_scenario(study, args.show)
        print(json.dumps(scenario, ensure_ascii=False, indent=2))
        return EXIT_OK
    if args.delete:
        delete(study, args.delete, cli_author())
        print(f"Scenario {args.delete} deleted.")
        return EXIT_OK
    changes = [parse_add(text) for text in args.add]
    changes += [Change("remove", facility_id=text) for text in args.remove]
    changes += [parse_move(text) for text in args.move]
    changes += closures(args, study.network if args.close else None)
    check_name(args.name)
    scenario = what_if(study, changes)
    # the command line replaces a scenario of that name, whoever saved it; a save in progress still wins
    folder = scenario.save(args.name, cli_author())
    diff = scenario.diff
    print(
        f"Scenario {args.name} saved in {Path(args.study) / folder.parent.name / folder.name} "
        f"(updated in {scenario.timings['update_s']} s)"
    )
    for category, values in diff["categories"].items():
        if values.get("scored") is False:  # a category the data leaves unscored: beside the score, never in it
            print(f"  {unscored_change(values, preset_of(study).category(category).label_en, 'en')}")
            continue
        group = f" ({values['group']['en']})" if values.get("group") else ""  # people of the group it serves
        print(
            f"  {category}{group}: +{values['newly_served']:,.0f} newly served, "
            f"{'-' if values['losing_service'] else ''}{values['losing_service']:,.0f} losing service"
        )
        if values.get("note"):
            print(f"    {values['note']['en']}")
    if "closure" in diff:
        print_closure(diff["closure"])
    print(
        f"  F15 {percent(diff['F15']['baseline'])} → {percent(diff['F15']['scenario'])}; "
        f"categories within 15 min per resident {_pair(diff, 'categories_within_15', '.3f')}; "
        f"proximity time {_pair(diff, 'proximity_min', '.2f')} min; Gini {_pair(diff, 'gini_proximity', '.4f')}; "
        f"mean score {_pair(diff, 'mean_score', '.1f')}"
    )
    return EXIT_OK


def _pair(diff: dict, measure: str, spec: str) -> str:
    """Return a headline figure's baseline and scenario with a fixed number of decimals (``—`` where none is)."""
    sides = diff.get(measure) or {}
    return " → ".join(figure(sides.get(side), spec) for side in ("baseline", "scenario"))
