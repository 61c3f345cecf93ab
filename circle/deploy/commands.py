"""The deployment's commands: ``circle serve`` and ``circle users add|remove|list``.

Passwords are read from the terminal (asked twice, not echoed) or, for
scripts, as one line of standard input with ``--password-stdin``; never from
an argument, where they would stay in the shell's history and the process list.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import textwrap
from pathlib import Path

from circle.errors import InputDataError


def add_parsers(commands) -> None:
    """Add ``serve`` and ``users`` to the ``circle`` command's subcommands."""
    _serve_parser(commands)
    _users_parser(commands)


def _serve_parser(commands) -> None:
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
    cmd.set_defaults(handler=_run_serve)


def _users_parser(commands) -> None:
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
        sub.add_argument("--accounts", metavar="FILE", help="the accounts file (default: the settings' accounts)")
    cmd.set_defaults(handler=_run_users)


def _deployment(args: argparse.Namespace):
    from circle.deploy.config import load_deployment

    return load_deployment(Path(args.config) if args.config else None)


def _run_serve(args: argparse.Namespace) -> int:
    from circle.deploy.accounts import list_accounts
    from circle.deploy.serve import production_settings, streamlit_command

    deployment = _deployment(args)
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
        accounts = list_accounts(deployment.accounts)
        print(f"  planners sign in: {len(accounts)} local account(s) in {deployment.accounts}")
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


def _run_users(args: argparse.Namespace) -> int:
    from circle.deploy.accounts import add_account, check_new_password, list_accounts, remove_account

    accounts = Path(args.accounts) if args.accounts else _deployment(args).accounts
    if args.action == "list":
        found = list_accounts(accounts)
        for account in found:
            print(f"{account.name}\t{account.role}")
        if not found:
            print(f"no accounts in {accounts}; add one with `circle users add NAME`", file=sys.stderr)
        return 0
    if args.action == "remove":
        remove_account(accounts, args.name)
        print(f"account {args.name} removed from {accounts}")
        return 0
    password = _read_password(args.password_stdin)
    check_new_password(password)
    account = add_account(accounts, args.name, password, args.role)
    print(f"account {account.name} ({account.role}) written to {accounts}; the password is kept only as a hash")
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
