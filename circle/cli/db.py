"""``circle db upgrade|status``: the deployment database's schema (Alembic migrations shipped with circle)."""

from __future__ import annotations

import argparse

from circle.cli._common import deployment_of


def add_parser(commands) -> None:
    """Add the sub-command to ``circle``'s sub-commands."""
    cmd = commands.add_parser(
        "db",
        help="the deployment's database: accounts, sign-in attempts, build queue, audit log, scenario owners",
    )
    actions = cmd.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    upgrade = actions.add_parser("upgrade", help="create the database or bring its schema up to date")
    status = actions.add_parser("status", help="print the database's URL, schema revision and audit log check")
    for sub in (upgrade, status):
        sub.add_argument("--config", metavar="FILE", help="the deployment's settings (they name the database)")
    cmd.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the sub-command; return its exit code."""
    # circle --help must not load SQLAlchemy and the study folder: 0.9 s
    from circle.deploy.audit import verify_log
    from circle.deploy.db import current_revision, database_of, upgrade

    deployment = deployment_of(args)
    database = database_of(deployment)  # opening upgrades; an old accounts file is imported
    if args.action == "upgrade":
        revision = upgrade(database)
        print(f"{database.url}: schema at revision {revision}")
        return 0
    print(f"{database.url}: schema at revision {current_revision(database)}")
    print(f"audit log: {verify_log(deployment.studies, database)} events, chain and head intact")
    return 0
