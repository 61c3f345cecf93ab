"""Study builds on a shared server: a queue with a cap, and scratch folders that end with their session.

:class:`BuildQueue` lets at most ``slots`` builds run at once; the others
wait in arrival order and can ask their place. :class:`SessionScratch` is a
folder that is removed when the object is collected (a Streamlit session
keeps it in its state, so the folder goes when the session does) or when
the process exits; :func:`sweep_scratch` removes what a killed server left.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

SCRATCH_PREFIX = "circle-session-"


class BuildQueue:
    """At most ``slots`` builds at once; the rest wait their turn, first come first served."""

    def __init__(self, slots: int = 1) -> None:
        self.slots = max(1, int(slots))
        self._lock = threading.Condition()
        self._tickets = itertools.count(1)
        self._waiting: list[int] = []
        self._running: set[int] = set()

    def position(self, ticket: int) -> int:
        """Return a waiting ticket's place in the queue (1 is next), or 0 when it is running or gone."""
        with self._lock:
            return self._waiting.index(ticket) + 1 if ticket in self._waiting else 0

    @property
    def running(self) -> int:
        """Return how many builds run now."""
        with self._lock:
            return len(self._running)

    @contextlib.contextmanager
    def turn(self, on_wait: Callable[[int], None] | None = None, poll_s: float = 0.5) -> Iterator[int]:
        """Wait for a free slot, hold it while the block runs, then give it to the next in line.

        ``on_wait(position)`` is called while waiting, whenever the position
        may have changed (at most every ``poll_s``). If the waiter is stopped
        (the session closed, the user moved on), its place is given up.
        """
        ticket = next(self._tickets)
        with self._lock:
            self._waiting.append(ticket)
        try:
            while True:
                with self._lock:
                    place = self._waiting.index(ticket) + 1
                    if place <= self.slots - len(self._running):
                        self._waiting.remove(ticket)
                        self._running.add(ticket)
                        break
                    self._lock.wait(poll_s)
                if on_wait is not None:
                    on_wait(place)
            yield ticket
        finally:
            with self._lock:
                if ticket in self._waiting:
                    self._waiting.remove(ticket)
                self._running.discard(ticket)
                self._lock.notify_all()


class SessionScratch:
    """A private temporary folder that is deleted with this object (or at exit, or by a later sweep)."""

    def __init__(self, parent: Path | None = None) -> None:
        parent = Path(parent or tempfile.gettempdir())
        parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=parent))
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.path), True)

    @contextlib.contextmanager
    def folder(self, prefix: str = "build-") -> Iterator[Path]:
        """Yield a fresh folder inside the scratch, removed when the block ends however it ends."""
        if not self.path.is_dir():
            self.path.mkdir(parents=True)
        made = Path(tempfile.mkdtemp(prefix=prefix, dir=self.path))
        try:
            yield made
        finally:
            shutil.rmtree(made, ignore_errors=True)

    def close(self) -> None:
        """Delete the folder now."""
        self._finalizer()


def sweep_scratch(parent: Path | None = None, alive: Callable[[int], bool] | None = None) -> list[Path]:
    """Remove scratch folders of server processes that no longer run; return what was removed."""
    parent = Path(parent or tempfile.gettempdir())
    alive = alive or _process_alive
    removed = []
    if not parent.is_dir():
        return removed
    for folder in parent.glob(f"{SCRATCH_PREFIX}*"):
        owner = folder.name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
        if owner.isdigit() and not alive(int(owner)) and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
