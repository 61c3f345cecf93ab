"""``circle isochrone``: walking bands from a point or a block of a study, as GeoJSON."""

from __future__ import annotations

import argparse
from pathlib import Path

from circle.cli._common import EXIT_OK
from circle.errors import CircleError


def add_parser(commands) -> None:
    """Add the sub-command to ``circle``'s sub-commands."""
    cmd = commands.add_parser(
        "isochrone",
        help="walking bands (5/10/15 minutes) from a point or a block, as GeoJSON",
        description="Draw the areas reachable on foot within each number of minutes, from a point "
        "(--lat/--lon) or from a block of the study (from all its entrances at once).",
    )
    cmd.add_argument("--study", required=True, help="a study folder made by `circle analyze`")
    origin = cmd.add_mutually_exclusive_group(required=True)
    origin.add_argument("--lat", type=float, help="latitude of the start (degrees); needs --lon")
    origin.add_argument("--block", help="block_id of the start")
    cmd.add_argument("--lon", type=float, help="longitude of the start (degrees)")
    cmd.add_argument("--minutes", default="5,10,15", help="band limits in minutes (default: 5,10,15)")
    cmd.add_argument("--margin", type=float, default=25.0, help="walkable margin around streets, metres")
    cmd.add_argument("--out", required=True, help="GeoJSON file to write")
    cmd.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the sub-command; return its exit code."""
    # circle --help must not load the study folder and the isochrones (pandas, geopandas: 0.5 s)
    from circle.study import Study
    from circle.tasks.walks import isochrone

    try:
        minutes = tuple(float(m) for m in args.minutes.split(","))
    except ValueError:
        raise CircleError(f"--minutes {args.minutes!r} must be numbers separated by commas, like 5,10,15.") from None
    if args.lat is not None and args.lon is None:
        raise CircleError("--lat needs --lon as well (or give --block ID).")
    out = Path(args.out)
    if out.exists() and out.is_dir():
        raise CircleError(f"--out {out} is a folder; give a .geojson file name.")
    study = Study.open(args.study)
    point = None if args.block is not None else (args.lat, args.lon)
    walked = isochrone(study, point, args.block, minutes, args.margin)
    walked.save(out)
    print(f"Isochrone from {walked.origin} written to {out}")
    for row in walked.bands.itertuples():
        print(f"  {row.from_minutes:g}–{row.minutes:g} min: {row.area_m2 / 1e4:,.1f} ha")
    return EXIT_OK
