"""``circle users add|remove|list``: planners' accounts, kept in the deployment's database.

Passwords are read from the terminal (asked twice, not echoed) or, for
scripts, as one line of standard input with ``--password-stdin``; never from
an argument, where they would stay in the shell's history and the process list.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from dataclasses import replace
from pathlib import Path

from circle.cli._common import cli_author, deployment_of
from circle.errors import InputDataError


def add_parser(commands) -> None:
    """Add the sub-command to ``circle``'s sub-commands."""
    cmd = commands.add_parser("users", help="planner accounts for sign-in without an identity provider")
    actions = cmd.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    add = actions.add_parser("add", help="add an account, or set a new password and role for one")
    add.add_argument("name", help="account name: letters, digits, '.', '_', '-' or '@'")
    add.add_argument("--role", choices=("planner", "admin"), default="planner", help="admin may delete any scenario")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password as one line of standard input (for scripts)"
    )
    remove = actions.add_parser("remove", help="remove an account (its open sessions end at their next click)")
    remove.add_argument("name")
    actions.add_parser("list", help="list the accounts and their roles")
    for sub in (add, remove, actions.choices["list"]):
        sub.add_argument("--config", metavar="FILE", help="the deployment's settings (they name the accounts file)")
        sub.add_argument(
            "--accounts", metavar="FILE", help="an old accounts file to import first (default: the settings' accounts)"
        )
    cmd.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the sub-command; return its exit code."""
    # circle --help must not load SQLAlchemy, argon2 and the study folder: 0.7 s
    from circle.deploy.accounts import add_account, check_new_password, list_accounts, remove_account
    from circle.deploy.audit import record
    from circle.deploy.db import database_of

    deployment = deployment_of(args)
    if args.accounts:
        deployment = replace(deployment, accounts=Path(args.accounts))
    database = database_of(deployment)  # an old accounts file is imported here
    if args.action == "list":
        found = list_accounts(database)
        for account in found:
            print(f"{account.name}\t{account.role}")
        if not found:
            print(f"no accounts in {database.url}; add one with `circle users add NAME`", file=sys.stderr)
        return 0
    who = cli_author()
    if args.action == "remove":
        remove_account(database, args.name)
        record(deployment.studies, who, None, "account_removed", args.name.strip().lower(), database=database)
        print(f"account {args.name} removed from {database.url}")
        return 0
    password = _read_password(args.password_stdin)
    check_new_password(password)
    account = add_account(database, args.name, password, args.role)
    record(deployment.studies, who, None, "account_added", account.name, database=database, account_role=account.role)
    print(f"account {account.name} ({account.role}) written to {database.url}; the password is kept only as a hash")
    return 0


def _read_password(from_stdin: bool) -> str:
    """Return a new password from standard input (one line) or the terminal (asked twice)."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise InputDataError("--password-stdin read nothing; pipe the password in as one line.")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise InputDataError("no terminal to ask for the password on; pipe it in with --password-stdin.")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise InputDataError("the two passwords differ; run the command again.")
    return first
