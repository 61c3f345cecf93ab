"""A throw-away PostgreSQL server for tests: Debian's binaries, a cluster in a temporary folder, loopback only.

``scripts/system_packages.sh --tests`` installs the ``postgresql`` package;
:func:`start` runs ``initdb`` and ``pg_ctl`` from ``/usr/lib/postgresql/*/bin``
(as ``nobody`` when the tests run as root, since PostgreSQL refuses root),
listening on 127.0.0.1 at a free port with trust authentication and no
Unix socket outside the cluster's folder. It raises :class:`UnavailableError`
with the reason when it cannot start, for the tests to skip with.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path


class UnavailableError(RuntimeError):
    """PostgreSQL cannot be started here (the message says why)."""


@dataclass
class Server:
    """A running cluster: where it lives, its port and how to stop it."""

    folder: Path
    port: int
    bin: Path
    runner: list[str]

    def url(self, database: str = "postgres") -> str:
        """Return the SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg://circle@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """Create an empty database; return its URL."""
        import sqlalchemy as sa

        name = f"t_{uuid.uuid4().hex[:12]}"
        engine = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        finally:
            engine.dispose()
        return self.url(name)

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            subprocess.run(
                [*self.runner, str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop"],
                capture_output=True,
                timeout=30,
            )
        shutil.rmtree(self.folder, ignore_errors=True)


def _binaries() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts[-3])
    if not found:
        raise UnavailableError("no PostgreSQL in /usr/lib/postgresql/*/bin (scripts/system_packages.sh --tests)")
    return found[-1].parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start() -> Server:
    """Start a cluster on 127.0.0.1 at a free port; raise :class:`UnavailableError` when it cannot."""
    binaries = _binaries()
    runner: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="circle-pg-"))
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            raise UnavailableError("the tests run as root and there is no runuser to start PostgreSQL as another user")
        runner = [runuser, "-u", "nobody", "--"]
        os.chmod(folder, 0o755)
        shutil.chown(folder, "nobody")
    port = _free_port()
    data = folder / "data"
    try:
        subprocess.run(
            [*runner, str(binaries / "initdb"), "-D", str(data), "-U", "circle", "-A", "trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off -c full_page_writes=off"
        subprocess.run(
            [*runner, str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", f"{folder}/log", "-w", "start"],
            check=True,
            capture_output=True,
            timeout=90,
        )
    except (subprocess.SubprocessError, OSError) as error:
        detail = getattr(error, "stderr", b"") or b""
        log = folder / "log"
        tail = log.read_text(errors="replace")[-300:] if log.is_file() else ""
        shutil.rmtree(folder, ignore_errors=True)
        said = detail.decode(errors="replace")[-300:]
        raise UnavailableError(f"PostgreSQL did not start: {error}; {said} {tail}") from None
    return Server(folder, port, binaries, runner)
