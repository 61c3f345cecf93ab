"""Writing folders and files so that a reader sees the old version or the new one, never half of either.

A folder (a study, a scenario) is written in four steps, each a rename:

1. everything is written and flushed into ``.NAME.tmp-ID`` (incomplete);
2. ``.NAME.tmp-ID`` becomes ``.NAME.new-ID`` (complete, not yet in place);
3. ``NAME`` (the old version, if any) becomes ``.NAME.old-ID``;
4. ``.NAME.new-ID`` becomes ``NAME``, and ``.NAME.old-ID`` is deleted.

A process killed at any point leaves ``NAME`` complete (old or new), or
missing between steps 3 and 4; :func:`recover_folder` then puts the newest
complete version back, and deletes incomplete leftovers. Writers of one
destination take an exclusive lock (``.NAME.lock``), so two writers never
interleave and recovery never touches a folder being written.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

LOCK_SUFFIX = ".lock"


@contextlib.contextmanager
def locked(target: Path, blocking: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on ``.NAME.lock`` beside ``target``; yield whether it was obtained.

    Parameters
    ----------
    target : pathlib.Path
        The file or folder the lock protects.
    blocking : bool
        Wait for the lock (True) or give up at once when another process holds it.
    """
    lock_path = target.parent / f".{target.name}{LOCK_SUFFIX}"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _siblings(destination: Path, kind: str) -> list[Path]:
    prefix = f".{destination.name}.{kind}-"
    if not destination.parent.is_dir():
        return []
    found = [p for p in destination.parent.iterdir() if p.name.startswith(prefix) and p.is_dir()]
    return sorted(found, key=lambda p: p.stat().st_mtime)


def recover_folder(destination: Path) -> str | None:
    """Finish or undo an interrupted replacement of ``destination``; return what was done.

    Call with the destination's lock held. When ``destination`` is missing,
    the newest complete new version (``.new-``), else the newest old version
    (``.old-``), is renamed back into place. Incomplete writes (``.tmp-``)
    and versions no longer needed are deleted.
    """
    action = None
    if not destination.exists():
        for kind in ("new", "old"):
            candidates = _siblings(destination, kind)
            if candidates:
                os.rename(candidates[-1], destination)
                action = f"restored {destination.name} from an interrupted write ({kind} version)"
                break
    for kind in ("tmp", "new", "old", "del"):
        for leftover in _siblings(destination, kind):
            shutil.rmtree(leftover, ignore_errors=True)
    return action


def fsync_tree(folder: Path) -> None:
    """Flush every file under ``folder`` and the folders themselves to disk."""
    for item in sorted(folder.rglob("*")):
        if item.is_file():
            with item.open("rb") as handle:
                os.fsync(handle.fileno())
    for directory in [folder, *sorted(p for p in folder.rglob("*") if p.is_dir())]:
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def replace_folder(destination: Path, write: Callable[[Path], None], durable: bool = True) -> Path:
    """Write a folder with ``write(staging)`` and put it in place of ``destination`` atomically.

    ``destination`` may exist (it is replaced only once the new version is
    complete) or not. On any exception, the staging folder is removed and
    ``destination`` is left as it was. With ``durable`` false the files are
    not flushed to disk before the rename (readers still never see half a
    folder; after a power cut the folder may need writing again): for what
    can be made again from a study, like a published site of 50,000 files.
    """
    token = uuid.uuid4().hex[:8]
    parent = destination.parent
    staging = parent / f".{destination.name}.tmp-{token}"
    complete = parent / f".{destination.name}.new-{token}"
    retired = parent / f".{destination.name}.old-{token}"
    with locked(destination):
        recover_folder(destination)
        try:
            staging.mkdir(parents=True)
            write(staging)
            if durable:
                fsync_tree(staging)
            os.rename(staging, complete)
            if destination.exists():
                if destination.is_dir() and not any(destination.iterdir()):
                    destination.rmdir()
                else:
                    os.rename(destination, retired)
            os.rename(complete, destination)
            _fsync_dir(parent)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            if not destination.exists() and complete.exists():
                os.rename(complete, destination)
            elif not destination.exists() and retired.exists():
                os.rename(retired, destination)
            shutil.rmtree(complete, ignore_errors=True)
            raise
        shutil.rmtree(retired, ignore_errors=True)
    return destination


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a flushed temporary file and an atomic rename."""
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        with open(partial, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
