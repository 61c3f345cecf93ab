"""The ``circle`` command line: one module per sub-command.

``circle analyze`` builds a study folder; ``score``, ``whatif``, ``suggest``,
``isochrone``, ``compare``, ``indicators`` and ``report`` read one; ``batch`` runs many on Dask;
``serve``, ``users`` and ``db`` deploy the app. Library errors describe the data;
this package adds the flag names (:func:`circle.cli._common.flag_words`).
Errors are printed as one paragraph without a traceback and end with exit
code 2 (bad input) or 1 (anything else).
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap

from circle.cli import (
    analyze,
    batch,
    compare,
    db,
    indicators,
    isochrone,
    publish,
    report,
    score,
    serve,
    suggest,
    users,
    whatif,
)
from circle.cli._common import EXIT_BAD_INPUT, EXIT_OK, EXIT_UNEXPECTED, with_flags
from circle.errors import CircleError

SUBCOMMANDS = (
    analyze,
    isochrone,
    batch,
    score,
    whatif,
    suggest,
    compare,
    indicators,
    report,
    publish,
    serve,
    users,
    db,
)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``circle`` command."""
    parser = argparse.ArgumentParser(
        prog="circle",
        description="15-minute living-circle accessibility: who can walk to a clinic, a school, "
        "a park or a library within 5, 10 and 15 minutes.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=textwrap.dedent(
            """\
            examples:
              circle analyze --out data/studies/chengdu
              circle analyze chengdu.osm.pbf --out data/studies/chengdu --profile elderly
              circle analyze city.osm.pbf --bbox 104.05,30.65,104.10,30.70 --out data/studies/core
              circle isochrone --study data/studies/chengdu --lat 30.66 --lon 104.07 --out iso.geojson
              circle users add wang --role admin && circle serve
            """
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for subcommand in SUBCOMMANDS:
        subcommand.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``circle`` command; return its exit code.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 for bad input, 1 for an unexpected failure.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except CircleError as exc:
        print(
            textwrap.fill(f"circle {args.command}: {with_flags(exc)}", width=100, break_on_hyphens=False),
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader of our output (e.g. `| head`) went away; the work itself is done.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print(f"circle {args.command}: interrupted; nothing was changed.", file=sys.stderr)
        return 130
    except MemoryError:
        print(
            f"circle {args.command}: ran out of memory. Limit the area with --bbox or --area and run again.",
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED
