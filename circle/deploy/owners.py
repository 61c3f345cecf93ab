"""Who owns each saved scenario, settled by the database: two saves under one name have one winner.

A save first *claims* the name, a row of the ``scenarios`` table with a unique
(study, name): the claim is made before any work, so when two planners save a
new scenario under one name at once, the database lets one insert and tells
the other (:class:`ScenarioTakenError`) before anything is computed or written.
A claim is ``saving`` while the scenario is written, ``saved`` after; a claim
left ``saving`` by a killed process for ``stale_s``, or ``saved`` for a
scenario no longer on disk, is taken over.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlalchemy as sa

from circle.deploy.db import scenarios
from circle.errors import CircleError

if TYPE_CHECKING:
    from circle.deploy.db import Database

STALE_S = 600.0


class ScenarioTakenError(CircleError):
    """Another save holds the scenario's name."""


def _where(study: str, name: str):
    return sa.and_(scenarios.c.study == study, scenarios.c.name == name)


def claim_scenario(
    database: Database,
    study: str,
    name: str,
    author: str | None,
    may_replace: Callable[[str | None], bool] | None = None,
    on_disk: Callable[[], bool] = lambda: True,
    stale_s: float = STALE_S,
) -> None:
    """Claim scenario ``name`` of ``study`` for ``author``'s save, or raise :class:`ScenarioTakenError`.

    Parameters
    ----------
    database : Database
        The deployment's database.
    study, name : str
        The study folder's name and the scenario's.
    author : str or None
        Who saves (a planner, ``cli:USER``).
    may_replace : callable, optional
        Given the current owner, whether ``author`` may replace their saved
        scenario; None: the save is of a new scenario and replaces nothing.
    on_disk : callable
        Whether the scenario is on disk now (a claim of one that is not is stale).
    stale_s : float
        How long a claim may stay ``saving``.
    """
    now = time.time()
    row = {"study": study, "name": name, "author": author, "state": "saving", "claimed": now}
    try:
        with database.begin() as connection:
            connection.execute(scenarios.insert().values(**row))
        return
    except sa.exc.IntegrityError:
        pass
    with database.begin() as connection:
        held = connection.execute(
            sa.select(scenarios.c.author, scenarios.c.state, scenarios.c.claimed).where(_where(study, name))
        ).first()
        if held is None:  # deleted meanwhile: claim afresh
            connection.execute(scenarios.insert().values(**row))
            return
        saving = held.state == "saving" and now - held.claimed < stale_s
        stale = (held.state == "saving" and not saving) or (held.state == "saved" and not on_disk())
        if saving:
            raise ScenarioTakenError(
                f"{held.author or 'someone'} is saving a scenario named {name!r} right now; "
                "choose another name, or wait and replace it."
            )
        if not stale and (may_replace is None or not may_replace(held.author)):
            raise ScenarioTakenError(
                f"{held.author or 'someone'} saved a scenario named {name!r} meanwhile; "
                "nothing was replaced: choose another name."
            )
        taken = connection.execute(
            scenarios.update()
            .where(_where(study, name), scenarios.c.claimed == held.claimed, scenarios.c.state == held.state)
            .values(author=author, state="saving", claimed=now)
        )
        if taken.rowcount != 1:
            raise ScenarioTakenError(f"another save of scenario {name!r} came first; nothing was replaced.")


def scenario_saved(database: Database, study: str, name: str, author: str | None) -> None:
    """Mark ``author``'s claim of ``name`` as saved."""
    with database.begin() as connection:
        connection.execute(
            scenarios.update()
            .where(_where(study, name), scenarios.c.author == author)
            .values(state="saved", claimed=time.time())
        )


def release_claim(database: Database, study: str, name: str, author: str | None) -> None:
    """Give up ``author``'s claim of ``name`` after a save that failed (a saved scenario's row stays)."""
    with database.begin() as connection:
        connection.execute(
            scenarios.delete().where(_where(study, name), scenarios.c.author == author, scenarios.c.state == "saving")
        )


def forget_scenario(database: Database, study: str, name: str) -> None:
    """Drop the row of a deleted scenario."""
    with database.begin() as connection:
        connection.execute(scenarios.delete().where(_where(study, name)))


def scenario_owner(database: Database, study: str, name: str) -> str | None:
    """Return who holds ``name``'s claim (None when no one does)."""
    with database.connect() as connection:
        return connection.scalar(sa.select(scenarios.c.author).where(_where(study, name)))
