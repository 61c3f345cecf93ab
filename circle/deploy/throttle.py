"""Refused sign-ins, counted in the deployment's database by name, by source address and by both.

A refusal is kept as rows of ``signin_attempts`` under three keys: the typed
name (as a keyed hash, :func:`name_digest`), the source address, and the
pair. Each key earns a growing delay once it has more refusals within
``window_s`` than it is allowed free: 1 s, then 2, 4, 8 … up to its cap.
An attempt made before the delay since the key's last refusal has passed is
refused unchecked (and is counted against its address only, so it does not
lengthen the name's delay)::

    key        free   cap     what it stops
    pair       3      15 min  guessing one name from one address
    address    10     15 min  trying many names from one address
    name       5      60 s    guessing one name from many addresses

There is no hard lock an outsider can set: a planner whose name is being
guessed waits at most the name's cap, and not at all from an address they
signed in from before (:meth:`SignInThrottle.forget` remembers it for
``known_days``). Names that are no account count the same, so the throttle
tells nothing about which exist. The counts live in the database: no visitor
can reset them, and every app process of a deployment shares them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as random_secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from circle.deploy.db import secrets, signin_attempts

if TYPE_CHECKING:
    from circle.deploy.db import Database


@dataclass(frozen=True)
class Rule:
    """How many refusals a key gets free within the window, and the longest delay after them."""

    free: int
    cap_s: float

    def delay_s(self, refusals: int) -> float:
        """Return the delay after ``refusals`` refusals: none while free, then 1, 2, 4 … seconds up to the cap."""
        if refusals < self.free:
            return 0.0
        return min(self.cap_s, 2.0 ** (refusals - self.free))


RULES = {"pair": Rule(3, 900.0), "address": Rule(10, 900.0), "name": Rule(5, 60.0)}
_SECRET = "signin_names"


def name_digest(database: Database, name: str) -> str:
    """Return a typed name's keyed hash (HMAC-SHA256 with the database's secret; the name is never stored).

    Who holds the database can tell whether a given name was tried, by
    computing its digest; a leaked log alone does not give the names away.
    """
    key = _secret(database)
    folded = (name or "").strip().lower().encode("utf-8")
    return hmac.new(key.encode("ascii"), folded, hashlib.sha256).hexdigest()[:32]


def _secret(database: Database) -> str:
    query = sa.select(secrets.c.value).where(secrets.c.name == _SECRET)
    with database.connect() as connection:
        value = connection.scalar(query)
    if value is not None:
        return value
    try:
        with database.begin() as connection:
            connection.execute(secrets.insert().values(name=_SECRET, value=random_secrets.token_hex(32)))
    except sa.exc.IntegrityError:
        pass  # another process made it first
    with database.connect() as connection:
        return connection.scalar(query)


class SignInThrottle:
    """Refused sign-ins by name, address and both, kept in the deployment's database.

    Parameters
    ----------
    database : Database
        The deployment's database.
    window_s : float
        How long a refusal counts.
    clock : callable
        Seconds since the epoch (tests pass their own).
    known_days : float
        How long an address a name signed in from skips the name's delay.
    """

    def __init__(
        self,
        database: Database,
        window_s: float = 900.0,
        clock: Callable[[], float] = time.time,
        known_days: float = 30.0,
        rules: dict[str, Rule] | None = None,
    ) -> None:
        self.database = database
        self.window_s = window_s
        self.known_s = known_days * 86400
        self.rules = rules or RULES
        self._clock = clock

    def keys(self, name: str, address: str) -> dict[str, str]:
        """Return the rows' keys of an attempt: ``pair``, ``address`` and ``name``."""
        digest = name_digest(self.database, name)
        return {"pair": f"pair:{digest}|{address}", "address": f"address:{address}", "name": f"name:{digest}"}

    def wait_s(self, name: str, address: str) -> float:
        """Return how many seconds must pass before an attempt for ``name`` from ``address`` is checked (0: now)."""
        now = self._clock()
        keys = self.keys(name, address)
        known = f"known:{keys['pair'][5:]}"
        with self.database.connect() as connection:
            rows = connection.execute(
                sa.select(signin_attempts.c.key, sa.func.count(), sa.func.max(signin_attempts.c.at))
                .where(signin_attempts.c.key.in_([*keys.values(), known]))
                .where(signin_attempts.c.at > now - max(self.window_s, self.known_s))
                .group_by(signin_attempts.c.key)
            ).all()
            counts = {key: (count, last) for key, count, last in rows}
            recent = {
                key: connection.scalar(
                    sa.select(sa.func.count()).where(
                        signin_attempts.c.key == key, signin_attempts.c.at > now - self.window_s
                    )
                )
                for key in keys.values()
                if key in counts
            }
        wait = 0.0
        for kind, key in keys.items():
            if key not in counts or (kind == "name" and known in counts):
                continue
            delay = self.rules[kind].delay_s(recent[key])
            wait = max(wait, counts[key][1] + delay - now)
        return max(0.0, wait)

    def blocked(self, name: str, address: str = "unknown") -> bool:
        """Whether an attempt for ``name`` from ``address`` must wait now."""
        return self.wait_s(name, address) > 0

    def refuse(self, name: str, address: str = "unknown", checked: bool = True) -> None:
        """Count one refusal; one refused unchecked (while waiting) counts against its address only."""
        now = self._clock()
        keys = self.keys(name, address)
        counted = keys.values() if checked else [keys["address"]]
        with self.database.begin() as connection:
            connection.execute(signin_attempts.insert(), [{"key": key, "at": now} for key in counted])
            connection.execute(
                signin_attempts.delete().where(
                    ~signin_attempts.c.key.startswith("known:"), signin_attempts.c.at < now - self.window_s
                )
            )

    def forget(self, name: str, address: str = "unknown") -> None:
        """After ``name`` signed in from ``address``: clear the pair's refusals and remember the address."""
        now = self._clock()
        keys = self.keys(name, address)
        known = f"known:{keys['pair'][5:]}"
        with self.database.begin() as connection:
            connection.execute(signin_attempts.delete().where(signin_attempts.c.key.in_([keys["pair"], known])))
            connection.execute(signin_attempts.insert().values(key=known, at=now))
            connection.execute(
                signin_attempts.delete().where(
                    signin_attempts.c.key.startswith("known:"), signin_attempts.c.at < now - self.known_s
                )
            )
