"""Deployments for tests: a settings file, local accounts in its database, and a signed-in AppTest session."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

#: the test accounts: name -> (password, role)
ACCOUNTS = {
    "wang": ("wang-correct-horse", "planner"),
    "li": ("li-battery-staple", "planner"),
    "zhao": ("zhao-admin-password", "admin"),
}


def write_deployment(
    folder: Path,
    studies: Path,
    data_folders: tuple[Path, ...] = (),
    accounts: dict[str, tuple[str, str]] | None = None,
    **settings,
) -> Path:
    """Write ``folder/circle.toml`` and add its accounts to its database; return the settings file's path.

    ``settings`` are further top-level settings (``mode="public"``,
    ``signin_delay_s=0.1``, ``database="postgresql+psycopg://…"``); the sign-in
    delay defaults to 0.05 s so tests stay quick.
    """
    from circle.deploy.accounts import add_account
    from circle.deploy.config import load_deployment
    from circle.deploy.db import database_of

    folder.mkdir(parents=True, exist_ok=True)
    accounts_file = folder / "accounts.json"
    settings.setdefault("signin_delay_s", 0.05)
    lines = [
        f"studies = {str(studies)!r}".replace("'", '"'),
        f"accounts = {str(accounts_file)!r}".replace("'", '"'),
        "data_folders = [" + ", ".join(f'"{p}"' for p in data_folders) + "]",
    ]
    for name, value in settings.items():
        if isinstance(value, bool):
            lines.append(f"{name} = {str(value).lower()}")
        elif isinstance(value, str):
            lines.append(f'{name} = "{value}"')
        elif isinstance(value, list | tuple):
            lines.append(f"{name} = [" + ", ".join(f'"{v}"' for v in value) + "]")
        else:
            lines.append(f"{name} = {value}")
    config = folder / "circle.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    database = database_of(replace(load_deployment(config), studies=Path(studies)))  # whatever CIRCLE_STUDIES says
    for name, (password, role) in (ACCOUNTS if accounts is None else accounts).items():
        add_account(database, name, password, role)
    return config


def use_deployment(monkeypatch, config: Path) -> None:
    """Point the app at ``config`` (and away from any ``CIRCLE_STUDIES`` of the environment)."""
    monkeypatch.setenv("CIRCLE_CONFIG", str(config))
    monkeypatch.delenv("CIRCLE_STUDIES", raising=False)


def sign_in(at, name: str = "wang"):
    """Put a signed-in record for account ``name`` in an AppTest session (as the sign-in form does)."""
    from circle.ui import state as key
    from circle.ui.access import session_record

    at.session_state[key.USER] = session_record(name, ACCOUNTS[name][1])
    return at
