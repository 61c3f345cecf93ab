"""Local planner accounts for intranets without an identity provider, kept in the deployment's database.

``circle users add NAME`` writes a row of the ``accounts`` table (name, argon2id
hash, role, when added); the database holds hashes, never a password.
:func:`check_password` spends the same work whether or not the user exists,
so the answer's timing does not tell which names are accounts.

Earlier versions kept the accounts in a JSON file (the ``accounts`` setting)::

    {"users": {"wang.li": {"hash": "$argon2id$v=19$m=65536,t=3,p=4$…", "role": "planner",
                           "added": "2026-12-02T10:00:00Z"}}}

:func:`import_accounts_file` moves such a file's accounts into the database
once and renames the file ``accounts.json.imported`` so it is not read again.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from circle.deploy.config import ROLES
from circle.deploy.db import accounts as accounts_table
from circle.errors import InputDataError
from circle.study.atomic import locked

if TYPE_CHECKING:
    from circle.deploy.db import Database

_NAME = re.compile(r"[a-z0-9][a-z0-9._@-]{1,63}")
MIN_PASSWORD = 10


@dataclass(frozen=True)
class Account:
    """One account as the app needs it: its name and role (never its hash)."""

    name: str
    role: str


def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id, RFC 9106's low-memory defaults (64 MiB, 3 passes)


def check_account_name(name: str) -> str:
    """Return ``name`` lower-cased, or raise when it cannot name an account."""
    folded = (name or "").strip().lower()
    if not _NAME.fullmatch(folded):
        raise InputDataError(
            f"account name {name!r} must be 2 to 64 lower-case letters, digits, '.', '_', '-' or '@', "
            "starting with a letter or digit."
        )
    return folded


def check_new_password(password: str) -> None:
    """Refuse a password too short to keep an intranet account."""
    if len(password) < MIN_PASSWORD:
        raise InputDataError(f"a password needs at least {MIN_PASSWORD} characters.")


def read_accounts(path: Path) -> dict[str, dict]:
    """Return the users of an old accounts file (an empty dict when there is no file).

    Raises
    ------
    InputDataError
        When the file exists but is not an accounts file (its content is never quoted).
    """
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise InputDataError(
            f"the accounts file {path} is not readable; restore it or add the accounts again."
        ) from None
    users = payload.get("users") if isinstance(payload, dict) else None
    if not isinstance(users, dict):
        raise InputDataError(f"the accounts file {path} holds no 'users'; restore it or add the accounts again.")
    return users


def import_accounts_file(database: Database, path: Path | None) -> int:
    """Move the accounts of an old accounts file into the database; return how many were added.

    Accounts already in the database are kept as they are. The file is then
    renamed ``NAME.imported`` (its hashes stay readable by its owner only), so
    an account removed later is not brought back by a second import.
    """
    if path is None or not Path(path).is_file():
        return 0
    path = Path(path)
    with locked(path):
        users = read_accounts(path)
        if not path.is_file():  # another process imported it meanwhile
            return 0
        added = 0
        with database.begin() as connection:
            known = set(connection.scalars(sa.select(accounts_table.c.name)))
            for name, entry in users.items():
                if name in known or not isinstance(entry, dict) or not isinstance(entry.get("hash"), str):
                    continue
                role = entry.get("role") if entry.get("role") in ROLES else "planner"
                connection.execute(
                    accounts_table.insert().values(
                        name=name, hash=entry["hash"], role=role, added=str(entry.get("added") or _now())
                    )
                )
                added += 1
        os.replace(path, path.with_name(path.name + ".imported"))
    return added


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_account(database: Database, name: str, password: str, role: str = "planner") -> Account:
    """Add an account or set a new password and role for an existing one."""
    name = check_account_name(name)
    check_new_password(password)
    if role not in ROLES:
        raise InputDataError(f"role must be one of {', '.join(ROLES)}, not {role!r}.")
    row = {"hash": _hasher().hash(password), "role": role, "added": _now()}
    with database.begin() as connection:
        changed = connection.execute(accounts_table.update().where(accounts_table.c.name == name).values(**row))
        if changed.rowcount == 0:
            connection.execute(accounts_table.insert().values(name=name, **row))
    return Account(name, role)


def remove_account(database: Database, name: str) -> None:
    """Remove an account; its sessions end at their next click."""
    name = check_account_name(name)
    with database.begin() as connection:
        removed = connection.execute(accounts_table.delete().where(accounts_table.c.name == name))
    if removed.rowcount == 0:
        raise InputDataError(f"there is no account {name!r} in {database.url}.")


def list_accounts(database: Database) -> list[Account]:
    """Return the accounts, by name."""
    with database.connect() as connection:
        rows = connection.execute(sa.select(accounts_table.c.name, accounts_table.c.role).order_by("name"))
        return [Account(name, role if role in ROLES else "planner") for name, role in rows]


def has_accounts(database: Database) -> bool:
    """Whether any local account exists (the sign-in form is shown only then)."""
    with database.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(accounts_table)) > 0


@functools.cache
def _dummy_hash() -> str:
    """Return a hash no password matches, verified in place of an unknown account's (made once)."""
    return _hasher().hash("circle: no such account")


def check_password(database: Database, name: str, password: str) -> Account | None:
    """Return the account when ``password`` is its password, else None.

    An unknown or malformed name costs one argon2 verification too, and the
    answer (None) is the same as for a wrong password.
    """
    try:
        folded = check_account_name(name)
    except InputDataError:
        folded = ""
    row = None
    if folded:
        with database.connect() as connection:
            row = connection.execute(
                sa.select(accounts_table.c.hash, accounts_table.c.role).where(accounts_table.c.name == folded)
            ).first()
    try:
        _hasher().verify(row.hash if row is not None else _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    return Account(folded, row.role if row.role in ROLES else "planner")


def account_role(database: Database, name: str) -> str | None:
    """Return an account's role now, or None when it was removed (checked at each click)."""
    with database.connect() as connection:
        role = connection.scalar(sa.select(accounts_table.c.role).where(accounts_table.c.name == name))
    if role is None:
        return None
    return role if role in ROLES else "planner"
