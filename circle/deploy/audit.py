"""The audit log: who built, saved or deleted what, when, from which source file.

One JSON object per line in ``STUDIES/.audit.jsonl``, only ever appended
(under a lock, flushed to disk). Each line carries the SHA-256 of the line
before it, so :func:`verify_log` finds a line that was edited, removed or
put in between::

    {"time": "2026-12-02T10:00:00Z", "user": "wang.li", "role": "planner",
     "action": "build_study", "target": "xinjin-2026", "source": "xinjin.osm.pbf",
     "source_sha256": "9f…", "outcome": "done", "previous": "3a…"}
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from circle.errors import InputDataError
from circle.study import file_sha256
from circle.study.atomic import locked

AUDIT_LOG = ".audit.jsonl"
ACTIONS = ("build_study", "save_scenario", "delete_scenario", "sign_in", "sign_in_refused", "sign_out")
_START = "0" * 64  # the "previous line" of the first line


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
    log = Path(studies) / AUDIT_LOG
    log.parent.mkdir(parents=True, exist_ok=True)
    with locked(log):
        last = _last_line(log)
        event["previous"] = hashlib.sha256(last).hexdigest() if last is not None else _START
        line = json.dumps(event, ensure_ascii=False, sort_keys=True) + "\n"
        descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(descriptor, line.encode("utf-8"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    return event


def read_log(studies: Path) -> Iterator[dict[str, Any]]:
    """Yield the audit log's events, oldest first (none when there is no log)."""
    log = Path(studies) / AUDIT_LOG
    if not log.is_file():
        return
    with open(log, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def verify_log(studies: Path) -> int:
    """Check every line's link to the line before; return the number of events.

    Raises
    ------
    InputDataError
        Naming the first line that was changed, removed or inserted.
    """
    log = Path(studies) / AUDIT_LOG
    if not log.is_file():
        return 0
    expected = _START
    count = 0
    with open(log, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip(b"\n")
            try:
                previous = json.loads(line).get("previous")
            except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
                raise InputDataError(f"{log} line {number} is not an audit event; the log was edited.") from None
            if previous != expected:
                raise InputDataError(f"{log} line {number} does not follow the line before it; the log was edited.")
            expected = hashlib.sha256(line).hexdigest()
            count += 1
    return count


def uploaded_bytes(studies: Path, user: str, since: dt.datetime) -> int:
    """Return the bytes ``user`` uploaded for builds recorded since ``since`` (for the upload quota)."""
    total = 0
    for event in read_log(studies):
        if event.get("user") != user or event.get("action") != "build_study":
            continue
        try:
            when = dt.datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
        except (KeyError, ValueError):
            continue
        if when >= since:
            total += int(event.get("uploaded_bytes", 0) or 0)
    return total
