"""Alembic's environment for circle's deployment database.

The connection comes from :func:`circle.deploy.db.upgrade` (``config.attributes["connection"]``),
so no ``alembic.ini`` is needed at run time. For ``alembic`` on the command line
(writing a new revision), set ``CIRCLE_DATABASE_URL``.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import context

from circle.deploy.db import metadata

config = context.config


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = sa.create_engine(os.environ.get("CIRCLE_DATABASE_URL", "sqlite:///.circle.db"))
    with engine.begin() as opened:
        _run(opened)
