"""``circle serve``: the planner's app with production settings; ``--public``: the published resident sites."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

from circle.cli._common import (
    deployment_of,
)
from circle.deploy.serve import production_settings, public_command, public_settings, streamlit_command
from circle.errors import InputDataError


def add_parser(commands) -> None:
    """Add the sub-command to ``circle``'s sub-commands."""
    cmd = commands.add_parser(
        "serve",
        help="serve the app with production settings (sign-in for planners; --public: the published resident sites)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=textwrap.dedent(
            """\
            examples:
              circle users add wang --role admin     # a first planner account
              circle serve                           # intranet: resident page + planner pages after sign-in
              circle publish --study data/studies/default --out data/sites/default
              circle serve --public --address 0.0.0.0 --host circle.example.gov.cn
            """
        ),
    )
    cmd.add_argument(
        "--public",
        action="store_true",
        help="serve the sites written by `circle publish` and take residents' reports; no planner page, "
        "upload or WebSocket is reachable",
    )
    cmd.add_argument(
        "--sites",
        metavar="DIR",
        help="with --public: the folder of published sites, each DIR/NAME/ served at /NAME/ "
        "(default: the `sites` setting, else the folder `sites` next to the studies folder)",
    )
    cmd.add_argument(
        "--workers",
        type=int,
        default=1,
        help="with --public: server processes (default 1; reports' limits are kept in the database)",
    )
    cmd.add_argument(
        "--no-reports", action="store_true", help="with --public: take no residents' reports (no database is opened)"
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
    deployment = deployment_of(args)
    if not 0 < args.port < 65536:
        raise InputDataError(f"--port {args.port} is not a port number (1–65535).")
    environment = dict(os.environ)
    if args.config:
        environment["CIRCLE_CONFIG"] = str(Path(args.config).resolve())
    if args.public or deployment.public_only:
        command = _public(args, deployment, environment)
    else:
        command = _full(args, deployment)
    if args.address not in {"127.0.0.1", "localhost", "::1"} and not args.host:
        print("  listening beyond this machine: name the public host with --host to refuse other host names")
    if args.dry_run:
        print(" ".join(command))
        return 0
    sys.stdout.flush()
    os.execve(command[0], command, environment)
    return 0  # pragma: no cover (execve does not return)


def _full(args: argparse.Namespace, deployment) -> list[str]:
    """Print what the planner's app will serve; return its command."""
    # circle --help must not load SQLAlchemy, argon2 and the study folder: 0.7 s
    from circle.deploy.accounts import list_accounts
    from circle.deploy.db import database_of

    database = database_of(deployment)  # upgraded here
    where = f"http://{args.address}:{args.port}"
    print(f"circle serve: full deployment at {where}; studies in {deployment.studies}")
    accounts = list_accounts(database)
    print(f"  planners sign in: {len(accounts)} local account(s) in {database.url}")
    if not accounts and not deployment.oidc_planners and not deployment.oidc_admins:
        print("  no planner can sign in yet: add one with `circle users add NAME --role admin`")
    if args.dry_run:
        for name, value in production_settings("full", args.address, args.port, args.host).items():
            print(f"  {name} = {value}")
    return streamlit_command("full", args.address, args.port, args.host)


def _public(args: argparse.Namespace, deployment, environment: dict[str, str]) -> list[str]:
    """Check the sites folder, print what will be served, set the server's environment; return its command."""
    # circle --help must not load the public server (Starlette, SQLAlchemy: 0.15 s)
    from circle.deploy.public_site import ENV_HOSTS, ENV_REPORTS, ENV_SITES, find_sites, sites_allowed

    if not 1 <= args.workers <= 64:
        raise InputDataError(f"--workers {args.workers} is not a number of server processes (1–64).")
    sites = Path(args.sites).expanduser().absolute() if args.sites else deployment.sites_folder
    if not sites.is_dir():
        named = "--sites" if args.sites else "the `sites` setting" if deployment.sites else "the default"
        raise InputDataError(
            f"the sites folder {sites} ({named}) does not exist; write a site into it with "
            f"`circle publish --study STUDY --out {sites / 'NAME'}`, or name another with --sites."
        )
    found = find_sites(sites, sites_allowed(deployment))
    served = [name for name, _study, why in found if why is None]
    where = f"http://{args.address}:{args.port}"
    print(f"circle serve: public deployment at {where}; published sites in {sites}")
    for name, study, why in found:
        print(f"  /{name}/  (study {study})" + (f": not served, {why}" if why else ""))
    if not served:
        print(f"  no site to serve yet: `circle publish --study STUDY --out {sites / 'NAME'}` writes one")
    if args.no_reports:
        print("  residents' reports: off")
    else:
        from circle.deploy.db import database_url, open_database  # circle --help must not load SQLAlchemy: 0.13 s

        database = open_database(database_url(deployment))  # upgraded once here, not by each worker
        print(f"  residents' reports kept in {database.url}")
    environment[ENV_SITES] = str(sites)
    environment[ENV_REPORTS] = "0" if args.no_reports else "1"
    environment[ENV_HOSTS] = ",".join(args.host)
    if args.dry_run:
        for name, value in public_settings(args.address, args.port, args.workers).items():
            print(f"  {name} = {value}")
    return public_command(args.address, args.port, args.workers)
