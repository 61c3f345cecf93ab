"""Study builds on a shared server: a queue with a cap, and scratch folders that end with their session.

:class:`BuildQueue` lets at most ``slots`` builds run at once across every
app process of a deployment; the others wait in arrival order and can ask
their place. Its tickets are rows of the deployment database's
``build_queue`` table (no visitor can empty it, as one could a Streamlit
cache); each holder marks its row alive every few seconds, and a row not
marked for ``stale_s`` (a killed server) is dropped by the next caller.
:class:`SessionScratch` is a folder that is removed when the object is
collected (a Streamlit session keeps it in its state, so the folder goes
when the session does) or when the process exits; :func:`sweep_scratch`
removes what a killed server left.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from circle.deploy.db import build_queue

if TYPE_CHECKING:
    from circle.deploy.db import Database

SCRATCH_PREFIX = "circle-session-"


class BuildQueue:
    """At most ``slots`` builds at once; the rest wait their turn, first come first served.

    Parameters
    ----------
    database : Database
        The deployment's database, shared by its app processes.
    slots : int
        Builds that may run at once.
    stale_s : float
        A ticket whose holder gave no sign of life for this long is dropped.
    """

    def __init__(self, database: Database, slots: int = 1, stale_s: float = 60.0) -> None:
        self.database = database
        self.slots = max(1, int(slots))
        self.stale_s = stale_s
        self.owner = f"{socket.gethostname()}:{os.getpid()}"

    def _live(self, connection) -> list[tuple[int, str]]:
        """Drop stale tickets; return the live ones (ticket, state), oldest first."""
        now = time.time()
        connection.execute(build_queue.delete().where(build_queue.c.seen < now - self.stale_s))
        rows = connection.execute(sa.select(build_queue.c.ticket, build_queue.c.state).order_by("ticket"))
        return [(ticket, state) for ticket, state in rows]

    def position(self, ticket: int) -> int:
        """Return a waiting ticket's place in the queue (1 is next), or 0 when it is running or gone."""
        with self.database.begin() as connection:
            waiting = [t for t, state in self._live(connection) if state == "waiting"]
        return waiting.index(ticket) + 1 if ticket in waiting else 0

    @property
    def running(self) -> int:
        """Return how many builds run now."""
        with self.database.begin() as connection:
            return sum(state == "running" for _, state in self._live(connection))

    def _touch(self, ticket: int) -> None:
        with self.database.begin() as connection:
            connection.execute(build_queue.update().where(build_queue.c.ticket == ticket).values(seen=time.time()))

    @contextlib.contextmanager
    def turn(self, on_wait: Callable[[int], None] | None = None, poll_s: float = 0.5) -> Iterator[int]:
        """Wait for a free slot, hold it while the block runs, then give it to the next in line.

        ``on_wait(position)`` is called while waiting, at most every ``poll_s``.
        If the waiter is stopped (the session closed, the user moved on), its
        place is given up; a killed process's place is dropped after ``stale_s``.
        """
        with self.database.begin() as connection:
            ticket = connection.execute(
                build_queue.insert().values(state="waiting", owner=self.owner, seen=time.time())
            ).inserted_primary_key[0]
        alive = threading.Event()
        try:
            while True:
                with self.database.begin() as connection:
                    live = self._live(connection)
                    waiting = [t for t, state in live if state == "waiting"]
                    running = sum(state == "running" for _, state in live)
                    if ticket not in waiting:  # dropped as stale (this process was stalled): queue again
                        connection.execute(
                            build_queue.insert().values(
                                ticket=ticket, state="waiting", owner=self.owner, seen=time.time()
                            )
                        )
                        waiting.append(ticket)
                    place = waiting.index(ticket) + 1
                    if place <= self.slots - running:
                        connection.execute(
                            build_queue.update()
                            .where(build_queue.c.ticket == ticket)
                            .values(state="running", seen=time.time())
                        )
                        break
                if on_wait is not None:
                    on_wait(place)
                time.sleep(poll_s)
                self._touch(ticket)
            beat = threading.Thread(target=self._beat, args=(ticket, alive), daemon=True)
            beat.start()
            yield ticket
        finally:
            alive.set()
            with self.database.begin() as connection:
                connection.execute(build_queue.delete().where(build_queue.c.ticket == ticket))

    def _beat(self, ticket: int, done: threading.Event) -> None:
        """Mark a running ticket alive until ``done`` is set."""
        while not done.wait(self.stale_s / 6):
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._touch(ticket)


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
