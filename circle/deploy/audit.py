"""The audit log: who built, saved or deleted what, who signed in or was refused, which accounts changed.

Every event is a row of the deployment database's ``audit_log`` table: its
sequence number and its exact JSON line, which carries the SHA-256 of the
line before it::

    {"seq": 12, "time": "2026-12-02T10:00:00.000000Z", "user": "wang.li", "role": "planner",
     "action": "build_study", "target": "xinjin-2026", "source": "xinjin.osm.pbf",
     "source_sha256": "9f…", "outcome": "done", "previous": "3a…"}

The chain's head (how many events there are and the SHA-256 of the last
line) is kept apart, in the ``audit_head`` table, and moved in the same
transaction as the event is added. The lines are also appended to
``STUDIES/.audit.jsonl`` (``O_APPEND``, ``fsync``, under a lock) for reading
with ordinary tools. :func:`verify_log` checks the chain in the database, the
head, and that the file holds the same lines: an edited, inserted, removed or
truncated line, and a removed file, are all found.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from circle.deploy.db import audit_head, audit_log, database_for
from circle.errors import InputDataError
from circle.files import file_sha256
from circle.study.atomic import locked

if TYPE_CHECKING:
    from circle.deploy.db import Database

AUDIT_LOG = ".audit.jsonl"
ACTIONS = (
    "build_study",
    "save_scenario",
    "delete_scenario",
    "upload_refused",
    "sign_in",
    "sign_in_refused",
    "sign_out",
    "account_added",
    "account_removed",
    "accounts_imported",
    "accept_report",
    "reject_report",
)
_START = "0" * 64  # the "previous line" of the first line


def _database(studies: Path) -> Database:
    return database_for(studies)


def _line_hash(line: str | bytes) -> str:
    return hashlib.sha256(line.encode("utf-8") if isinstance(line, str) else line).hexdigest()


def _last_line(path: Path) -> bytes | None:
    """Return the log's last line (without its newline), reading only the file's end."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            end = handle.tell()
            if end == 0:
                return None
            block = b""
            position = end
            while position > 0 and block.count(b"\n") < 2:
                step = min(4096, position)
                position -= step
                handle.seek(position)
                block = handle.read(step) + block
            lines = block.rstrip(b"\n").split(b"\n")
            return lines[-1]
    except FileNotFoundError:
        return None


def record(
    studies: Path,
    user: str,
    role: str | None,
    action: str,
    target: str,
    source: Path | None = None,
    source_name: str | None = None,
    source_sha256: str | None = None,
    database: Database | None = None,
    **details: Any,
) -> dict[str, Any]:
    """Append one event to the studies folder's audit log and return it.

    Parameters
    ----------
    studies : pathlib.Path
        The studies folder (the log is ``.audit.jsonl`` in it).
    user, role : str
        Who acted (an account name or an identity provider's e-mail) and in which role.
    action : str
        One of :data:`ACTIONS`.
    target : str
        What was acted on: a study, ``study/scenario``, or the account name.
    source : pathlib.Path, optional
        The file a build read; its SHA-256 is recorded.
    source_name : str, optional
        The name the source is shown by (an upload's own name); default the file's name.
    source_sha256 : str, optional
        The source's SHA-256 when already known (a build's summary records it);
        otherwise it is read from the file, when the file is there.
    database : Database, optional
        The deployment's database (default: :func:`circle.deploy.db.database_for` ``studies``).
    **details
        Further facts (``outcome``, ``bytes``, ``message``); they must be JSON-serialisable.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    event: dict[str, Any] = {
        "time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "user": user,
        "role": role,
        "action": action,
        "target": target,
    }
    if source is not None:
        event["source"] = source_name or Path(source).name
        if source_sha256 is None and Path(source).is_file():
            source_sha256 = file_sha256(Path(source))
        event["source_sha256"] = source_sha256
    event.update(details)
    database = database if database is not None else _database(studies)
    import_log_file(studies, database)
    log = Path(studies) / AUDIT_LOG
    with locked(log):  # the file's lines in the order of the database's (one writer at a time)
        with database.begin() as connection:
            head = _locked_head(connection, database)
            event["seq"] = head.count + 1
            event["previous"] = head.last_hash
            line = json.dumps(event, ensure_ascii=False, sort_keys=True)
            connection.execute(
                audit_log.insert().values(
                    seq=event["seq"], time=event["time"], user=str(user), action=action, line=line
                )
            )
            connection.execute(
                audit_head.update().where(audit_head.c.id == 1).values(count=event["seq"], last_hash=_line_hash(line))
            )
        _mirror(log, line, event["seq"])
    return event


def _locked_head(connection, database: Database):
    """Return the chain's head row, locked for this transaction (made, with any old log file, at first use)."""
    query = sa.select(audit_head.c.count, audit_head.c.last_hash).where(audit_head.c.id == 1)
    if database.dialect == "postgresql":
        query = query.with_for_update()
    head = connection.execute(query).first()
    if head is None:
        connection.execute(audit_head.insert().values(id=1, count=0, last_hash=_START))
        head = connection.execute(query).first()
    return head


def import_log_file(studies: Path, database: Database | None = None) -> int:
    """Take the events of an audit log file written before the database into an empty ``audit_log``.

    The file's chain is checked first; the events are numbered in order and
    the head set to the file's last line. Return how many were taken (0 when
    the database already holds events or there is no file).
    """
    log = Path(studies) / AUDIT_LOG
    database = database if database is not None else _database(studies)
    if not log.is_file():
        return 0
    with database.connect() as connection:  # the usual case, without taking a lock: already taken in
        if connection.scalar(sa.select(audit_head.c.count).where(audit_head.c.id == 1)):
            return 0
    with locked(log), database.begin() as connection:
        head = _locked_head(connection, database)
        if head.count:
            return 0
        lines = [raw.rstrip(b"\n") for raw in log.read_bytes().splitlines(keepends=True) if raw.strip()]
        if any(b'"seq":' in raw for raw in lines):
            raise InputDataError(
                f"{log} was written with a database that no longer holds its events; "
                "restore the database (or move the log aside to start a new one)."
            )
        _check_chain(log, lines)
        for number, raw in enumerate(lines, start=1):
            event = json.loads(raw)
            connection.execute(
                audit_log.insert().values(
                    seq=number,
                    time=str(event.get("time", "")),
                    user=str(event.get("user", "")),
                    action=str(event.get("action", "")),
                    line=raw.decode("utf-8"),
                )
            )
        if lines:
            connection.execute(
                audit_head.update()
                .where(audit_head.c.id == 1)
                .values(count=len(lines), last_hash=_line_hash(lines[-1]))
            )
        return len(lines)


def _mirror(log: Path, line: str, seq: int) -> None:
    """Append event ``seq``'s line to ``.audit.jsonl`` when the file ends at event ``seq - 1``.

    Called with the file's lock held. A file that was truncated, removed or
    edited is left as it is (never repaired silently): :func:`verify_log`
    reports it, and the database keeps every event.
    """
    last = _last_line(log)
    written = 0
    if last is not None:
        try:
            written = json.loads(last).get("seq")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            return
        if written is None:  # a file from before the database, taken in by import_log_file
            written = sum(1 for raw in log.read_bytes().splitlines() if raw.strip())
    if written != seq - 1:
        return
    descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(descriptor, (line + "\n").encode("utf-8"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_log(studies: Path, database: Database | None = None) -> Iterator[dict[str, Any]]:
    """Yield the audit log's events from the database, oldest first."""
    database = database if database is not None else _database(studies)
    import_log_file(studies, database)
    with database.connect() as connection:
        lines = list(connection.scalars(sa.select(audit_log.c.line).order_by("seq")))
    for line in lines:
        yield json.loads(line)


def _check_chain(where: object, lines: list[bytes], first: int = 1, expected: str = _START) -> str:
    """Check each line's link to the line before; return the last line's hash."""
    for number, line in enumerate(lines, start=first):
        try:
            previous = json.loads(line).get("previous")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            raise InputDataError(f"{where} line {number} is not an audit event; the log was edited.") from None
        if previous != expected:
            raise InputDataError(f"{where} line {number} does not follow the line before it; the log was edited.")
        expected = _line_hash(line)
    return expected


def verify_log(studies: Path, database: Database | None = None) -> int:
    """Check the audit log against its chain and its head; return the number of events.

    The database's events must link each to the one before, end at the head
    kept apart (count and last hash), and ``.audit.jsonl`` must hold the same
    lines: so an edited, inserted or removed event, a truncated log or a
    removed file are all found.

    Raises
    ------
    InputDataError
        Naming the first line that was changed, removed or inserted, or how the log and its head differ.
    """
    log = Path(studies) / AUDIT_LOG
    database = database if database is not None else _database(studies)
    import_log_file(studies, database)
    with database.connect() as connection:
        head = connection.execute(sa.select(audit_head.c.count, audit_head.c.last_hash)).first()
        rows = connection.execute(sa.select(audit_log.c.seq, audit_log.c.line).order_by("seq")).all()
    count, last_hash = (head.count, head.last_hash) if head is not None else (0, _START)
    where = f"the audit log in {database.url}"
    numbers = [seq for seq, _ in rows]
    if numbers != list(range(1, len(rows) + 1)):
        missing = sorted(set(range(1, max(numbers, default=0) + 1)) - set(numbers))
        raise InputDataError(f"{where} lacks event(s) {missing[:5]}; the log was edited.")
    lines = [line.encode("utf-8") for _, line in rows]
    reached = _check_chain(where, lines)
    if len(lines) != count or reached != last_hash:
        raise InputDataError(
            f"{where} ends at event {len(lines)} but {count} were recorded (the head kept apart differs); "
            "events were removed or the log was replaced."
        )
    if not log.is_file():
        if count:
            raise InputDataError(f"{log} is missing but {count} audit events were recorded; the log was removed.")
        return 0
    written = [raw.rstrip(b"\r") for raw in log.read_bytes().split(b"\n") if raw.strip()]
    for number, raw in enumerate(written, start=1):
        if number > len(lines) or raw != lines[number - 1]:
            kind = "is not" if number > len(lines) else "differs from"
            raise InputDataError(f"{log} line {number} {kind} the recorded event; the log was edited.")
    if len(written) < count:
        raise InputDataError(
            f"{log} ends at line {len(written)} but {count} events were recorded; the log was truncated."
        )
    return count


def uploaded_bytes(studies: Path, user: str, since: dt.datetime, database: Database | None = None) -> int:
    """Return the bytes ``user`` uploaded for builds recorded since ``since`` (for the upload quota)."""
    database = database if database is not None else _database(studies)
    cutoff = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with database.connect() as connection:
        lines = connection.scalars(
            sa.select(audit_log.c.line).where(
                audit_log.c.user == user, audit_log.c.action == "build_study", audit_log.c.time >= cutoff
            )
        ).all()
    return sum(int(json.loads(line).get("uploaded_bytes", 0) or 0) for line in lines)
