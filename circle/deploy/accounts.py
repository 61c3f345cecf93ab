"""Local planner accounts for intranets without an identity provider.

The accounts file is JSON written by ``circle users add NAME`` (readable by
its owner only)::

    {"users": {"wang.li": {"hash": "$argon2id$v=19$m=65536,t=3,p=4$…", "role": "planner",
                           "added": "2026-12-02T10:00:00Z"}}}

It holds argon2id hashes, never a password. :func:`check_password` spends
the same work whether or not the user exists, so the answer's timing does
not tell which names are accounts.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from circle.deploy.config import ROLES
from circle.errors import InputDataError
from circle.study.atomic import locked

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
    """Return the accounts file's users (an empty dict when there is no file).

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


def _write_accounts(path: Path, users: dict[str, dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"users": users}, handle, ensure_ascii=False, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(staging, path)


def add_account(path: Path, name: str, password: str, role: str = "planner") -> Account:
    """Add an account or set a new password and role for an existing one."""
    name = check_account_name(name)
    check_new_password(password)
    if role not in ROLES:
        raise InputDataError(f"role must be one of {', '.join(ROLES)}, not {role!r}.")
    with locked(Path(path)):
        users = read_accounts(path)
        users[name] = {
            "hash": _hasher().hash(password),
            "role": role,
            "added": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        _write_accounts(Path(path), users)
    return Account(name, role)


def remove_account(path: Path, name: str) -> None:
    """Remove an account; its sessions end at their next click."""
    name = check_account_name(name)
    with locked(Path(path)):
        users = read_accounts(path)
        if name not in users:
            raise InputDataError(f"there is no account {name!r} in {path}.")
        del users[name]
        _write_accounts(Path(path), users)


def list_accounts(path: Path) -> list[Account]:
    """Return the accounts, by name."""
    return [Account(name, entry.get("role", "planner")) for name, entry in sorted(read_accounts(path).items())]


@functools.cache
def _dummy_hash() -> str:
    """Return a hash no password matches, verified in place of an unknown account's (made once)."""
    return _hasher().hash("circle: no such account")


def check_password(path: Path, name: str, password: str) -> Account | None:
    """Return the account when ``password`` is its password, else None.

    An unknown or malformed name costs one argon2 verification too, and the
    answer (None) is the same as for a wrong password.
    """
    try:
        folded = check_account_name(name)
        entry = read_accounts(path).get(folded)
    except InputDataError:
        folded, entry = "", None
    stored = entry.get("hash") if isinstance(entry, dict) else None
    try:
        _hasher().verify(stored if isinstance(stored, str) else _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if entry is None:
        return None
    role = entry.get("role", "planner")
    return Account(folded, role if role in ROLES else "planner")


def account_role(path: Path, name: str) -> str | None:
    """Return an account's role now, or None when it was removed (checked at each click)."""
    try:
        entry = read_accounts(path).get(name)
    except InputDataError:
        return None
    if not isinstance(entry, dict):
        return None
    role = entry.get("role", "planner")
    return role if role in ROLES else "planner"
