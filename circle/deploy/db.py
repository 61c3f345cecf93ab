"""The deployment's database: accounts, sign-ins, the build queue, the audit log, scenario owners, residents' reports.

One database holds every piece of state the servers of a deployment share,
so none of it lives in a Streamlit cache a visitor could empty, and several
app processes behind one proxy see the same state:

- SQLite ``STUDIES/.circle.db`` by default (nothing to install; WAL mode, so
  readers never wait for a writer; every write transaction starts with
  ``BEGIN IMMEDIATE``, so two writers queue instead of failing halfway);
- any SQLAlchemy URL named by ``database = "postgresql+psycopg://…"`` in
  ``circle.toml`` (a bureau running several app processes).

The schema is made and moved forward by the Alembic migrations shipped in
``circle/deploy/migrations/`` (:func:`upgrade`, ``circle db upgrade``); a
process upgrades a database the first time it opens it (:func:`open_database`).
Nothing happens at import time.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from circle.deploy.config import Deployment, load_deployment
from circle.errors import InputDataError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

DATABASE_FILE = ".circle.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_ADVISORY_LOCK = 0x0C1C1E  # PostgreSQL: one upgrade at a time

metadata = sa.MetaData()

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("added", sa.String(32), nullable=False),
)

signin_attempts = sa.Table(
    "signin_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(200), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
)

build_queue = sa.Table(
    "build_queue",
    metadata,
    sa.Column("ticket", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("state", sa.String(8), nullable=False),  # "waiting" or "running"
    sa.Column("owner", sa.String(200), nullable=False),  # host:pid of the server process
    sa.Column("seen", sa.Float, nullable=False),  # the owner's last sign of life
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("time", sa.String(32), nullable=False),
    sa.Column("user", sa.String(255), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("line", sa.Text, nullable=False),  # the event's exact JSON line, as hashed
    sa.Index("ix_audit_log_user_action", "user", "action"),
)

audit_head = sa.Table(
    "audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # always 1
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("last_hash", sa.String(64), nullable=False),
)

scenarios = sa.Table(
    "scenarios",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("study", sa.String(255), nullable=False),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("author", sa.String(255), nullable=True),
    sa.Column("state", sa.String(8), nullable=False),  # "saving" while written, then "saved"
    sa.Column("claimed", sa.Float, nullable=False),
    sa.UniqueConstraint("study", "name", name="uq_scenarios_study_name"),
)

secrets = sa.Table(
    "secrets",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(128), nullable=False),
)

resident_reports = sa.Table(  # what residents tell the bureau from the published site (circle.deploy.reports)
    "resident_reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("site", sa.String(120), nullable=False),
    sa.Column("block_id", sa.String(120), nullable=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("category", sa.String(40), nullable=True),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("text", sa.String(500), nullable=False),  # plain text, markup removed
    sa.Column("contact", sa.String(100), nullable=True),
    sa.Column("address_digest", sa.String(32), nullable=False),  # keyed hash of the sender's address
    sa.Column("created_at", sa.DateTime, nullable=False),  # UTC
    sa.Column("status", sa.String(8), nullable=False),  # "new", "accepted" or "rejected"
    sa.Column("reason", sa.String(500), nullable=True),
    sa.Column("decided_by", sa.String(255), nullable=True),
    sa.Column("decided_at", sa.DateTime, nullable=True),  # UTC
    sa.Column("scenario", sa.String(80), nullable=True),
    sa.Index("ix_resident_reports_address_created", "address_digest", "created_at"),
    sa.Index("ix_resident_reports_created", "created_at"),
    sa.Index("ix_resident_reports_site_status", "site", "status"),
)


@dataclass(frozen=True)
class Database:
    """An open deployment database: its URL (without a password) and its SQLAlchemy engine."""

    url: str
    engine: Engine

    @property
    def dialect(self) -> str:
        """Return ``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    def begin(self):
        """Return a context manager of one transaction (``BEGIN IMMEDIATE`` on SQLite)."""
        return self.engine.begin()

    def connect(self):
        """Return a connection for reads (each statement in its own short transaction)."""
        return self.engine.connect()


def sqlite_url(studies: Path) -> str:
    """Return the URL of the default database of a studies folder, ``STUDIES/.circle.db``."""
    return f"sqlite:///{Path(studies).expanduser().absolute() / DATABASE_FILE}"


def database_url(deployment: Deployment) -> str:
    """Return the deployment's database URL: its ``database`` setting, else SQLite in its studies folder."""
    return deployment.database or sqlite_url(deployment.studies)


def _make_engine(url: str) -> Engine:
    """Return an engine for ``url``; SQLite files get WAL, a busy timeout and ``BEGIN IMMEDIATE``."""
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # readable by its owner only (it holds the accounts' hashes); SQLite gives -wal and -shm the same mode
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None  # transactions begin below, not inside the driver
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    try:
        return sa.create_engine(url, pool_pre_ping=True)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as error:
        raise InputDataError(
            f"the database URL {sa.engine.make_url(url).render_as_string(hide_password=True)} cannot be used "
            f"({type(error).__name__}); use sqlite:///FILE or postgresql+psycopg://USER@HOST/NAME."
        ) from None


def _alembic_config(connection: Connection):
    # alembic (and mako) load only where a schema is migrated or read: the modules that need just the tables skip it
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(database: Database, revision: str = "head") -> str | None:
    """Bring the database's schema to ``revision`` with the shipped Alembic migrations; return the new revision.

    Two processes upgrading at once wait for each other (SQLite's write lock,
    a PostgreSQL advisory lock), so each migration runs once.
    """
    # alembic loads only to migrate (see _alembic_config)
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with database.begin() as connection:
        if database.dialect == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
        command.upgrade(_alembic_config(connection), revision)
        return MigrationContext.configure(connection).get_current_revision()


def downgrade(database: Database, revision: str) -> str | None:
    """Take the schema back to ``revision`` (``"base"``: no tables); return the revision reached."""
    # alembic loads only to migrate (see _alembic_config)
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with database.begin() as connection:
        command.downgrade(_alembic_config(connection), revision)
        return MigrationContext.configure(connection).get_current_revision()


def current_revision(database: Database) -> str | None:
    """Return the schema revision the database is at (None before the first upgrade)."""
    from alembic.runtime.migration import MigrationContext  # loaded only to read the schema (see _alembic_config)

    with database.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


#: the newest revision in ``migrations/versions`` (a test checks it against Alembic's head)
SCHEMA_REVISION = "0002"


def _at_schema_revision(database: Database) -> bool:
    """Whether the database already has the newest schema: one query, without loading Alembic (about 0.3 s)."""
    try:
        with database.connect() as connection:
            found = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    except sa.exc.DBAPIError:  # no version table yet: a new database
        return False
    return found == [SCHEMA_REVISION]


_OPEN: dict[tuple[int, str], Database] = {}
_OPEN_LOCK = threading.Lock()


def open_database(url: str) -> Database:
    """Return the database at ``url``, upgraded to the current schema (once per process and URL).

    The engine is kept for the process's life in a plain module dictionary:
    it holds connections, never state, so nothing is lost if it were made again.
    """
    key = (os.getpid(), url)  # a forked process makes its own connections
    with _OPEN_LOCK:
        found = _OPEN.get(key)
        if found is None:
            engine = _make_engine(url)
            shown = engine.url.render_as_string(hide_password=True)
            found = Database(shown, engine)
            try:
                if not _at_schema_revision(found):
                    upgrade(found)
            except sa.exc.OperationalError as error:
                engine.dispose()
                raise InputDataError(
                    f"the database {shown} cannot be opened ({type(error.orig).__name__}: "
                    f"{str(error.orig).splitlines()[0] if error.orig else ''}); check the `database` setting."
                ) from None
            _OPEN[key] = found
        return found


def database_of(deployment: Deployment) -> Database:
    """Return the deployment's database (see :func:`database_url`), upgraded, with any old accounts file imported."""
    from circle.deploy.accounts import import_accounts_file  # import cycle: accounts imports this module's tables

    database = open_database(database_url(deployment))
    import_accounts_file(database, deployment.accounts)
    return database


def database_for(studies: Path) -> Database:
    """Return the database that keeps the records of the studies folder ``studies``.

    That is the deployment's database when the settings in use
    (``CIRCLE_CONFIG`` or ``circle.toml``) name this folder as their studies,
    else ``STUDIES/.circle.db``; the command line finds the same database as
    the app for a study it works on.
    """
    folder = Path(studies).expanduser().absolute()
    deployment = load_deployment()
    if deployment.database and Path(deployment.studies).expanduser().absolute() == folder:
        return database_of(deployment)
    return open_database(sqlite_url(folder))


def close_all() -> None:
    """Dispose of every engine this process opened (tests; a server does not need it)."""
    with _OPEN_LOCK:
        for database in _OPEN.values():
            database.engine.dispose()
        _OPEN.clear()
