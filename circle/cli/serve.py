"""``circle serve``: the app with production settings (``--public``: the resident page alone)."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

from circle.cli._common import (
    deployment_of,
)
from circle.errors import InputDataError


def add_parser(commands) -> None:
    """Add the sub-command to ``circle``'s sub-commands."""
    cmd = commands.add_parser(
        "serve",
        help="serve the app with production settings (sign-in for planners; --public: resident page only)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=textwrap.dedent(
            """\
            examples:
              circle users add wang --role admin     # a first planner account
              circle serve                           # intranet: resident page + planner pages after sign-in
              circle serve --public --address 0.0.0.0 --host circle.example.gov.cn
            """
        ),
    )
    cmd.add_argument(
        "--public",
        action="store_true",
        help="serve the resident page only (no planner page, upload or server file is reachable)",
    )
    cmd.add_argument(
        "--config", metavar="FILE", help="the deployment's settings (default: CIRCLE_CONFIG or circle.toml)"
    )
    cmd.add_argument("--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine)")
    cmd.add_argument("--port", type=int, default=8501, help="port to listen on (default 8501)")
    cmd.add_argument(
        "--host",
        action="append",
        default=[],
        metavar="NAME",
        help="host name browsers use to reach the server; connections under other names are refused (repeatable)",
    )
    cmd.add_argument("--dry-run", action="store_true", help="print the server command and settings, start nothing")
    cmd.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the sub-command; return its exit code."""
    from circle.deploy.accounts import list_accounts
    from circle.deploy.db import database_of
    from circle.deploy.serve import production_settings, streamlit_command

    deployment = deployment_of(args)
    database = None if deployment.public_only or args.public else database_of(deployment)  # upgraded here
    mode = "public" if args.public or deployment.public_only else "full"
    if not 0 < args.port < 65536:
        raise InputDataError(f"--port {args.port} is not a port number (1–65535).")
    environment = dict(os.environ)
    if args.config:
        environment["CIRCLE_CONFIG"] = str(Path(args.config).resolve())
    command = streamlit_command(mode, args.address, args.port, args.host)
    where = f"http://{args.address}:{args.port}"
    print(f"circle serve: {mode} deployment at {where}; studies in {deployment.studies}")
    if mode == "public":
        shown = ", ".join(deployment.public_studies)
        print(f"  resident page only; studies open to the public: {shown}")
    else:
        accounts = list_accounts(database)
        print(f"  planners sign in: {len(accounts)} local account(s) in {database.url}")
        if not accounts and not deployment.oidc_planners and not deployment.oidc_admins:
            print("  no planner can sign in yet: add one with `circle users add NAME --role admin`")
    if args.address not in {"127.0.0.1", "localhost", "::1"} and not args.host:
        print("  listening beyond this machine: name the public host with --host to refuse other host names")
    if args.dry_run:
        print(" ".join(command))
        for name, value in production_settings(mode, args.address, args.port, args.host).items():
            print(f"  {name} = {value}")
        return 0
    sys.stdout.flush()
    os.execve(command[0], command, environment)
    return 0  # pragma: no cover (execve does not return)
