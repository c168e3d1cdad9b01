"""Engine and session factory for the system of record."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from signage.config import Settings
from signage.db.embedded import embedded_server_url


class DatabaseUnavailableError(RuntimeError):
    """The configured database cannot be reached; the message is one line for a human."""


def database_url(settings: Settings) -> str:
    """The configured URL, or the embedded server's (started on demand)."""
    if settings.database_url:
        return normalise_url(settings.database_url)
    return embedded_server_url(settings.postgres_dir)


def normalise_url(url: str) -> str:
    """Accept `postgresql://` URLs and use the psycopg 3 driver for them."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUnavailableError(
            f"SIGNAGE_DATABASE_URL is not a database URL: {exc}"
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


# A request holds its connection across thread-pool hops (dependencies, handler, commit), so
# the pool must hold more connections than the API has threads (40, anyio's default) or
# waiting threads could starve the requests that hold connections. The API also caps in-flight
# requests (api/inflight.py, docs/operations.md) and a wait past POOL_TIMEOUT is a
# 503 the player backs off from, not a hang.
POOL_TIMEOUT_SECONDS = 10


# A connection idle this long is pinged before use (it may have died with a database restart
# or a network blip); busier ones are not: under load, SQLAlchemy's ping on every checkout was
# a third of the database round trips of a manifest or heartbeat request (bench/manifest).
PING_AFTER_IDLE_SECONDS = 5.0


def make_engine(url: str, *, pool_size: int = 20) -> Engine:
    """A PostgreSQL engine with the platform's pool sizes and timeouts."""
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=2 * pool_size,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        connect_args={"connect_timeout": 5},
    )
    event.listen(engine, "checkin", _note_idle_since)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


def _note_idle_since(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return  # new, or in use moments ago
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure means: do not hand this connection out
        # The pool discards it and retries with a fresh connection (up to three times).
        raise DisconnectionError("stale pooled connection") from exc


@dataclass(frozen=True)
class Database:
    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def connect(cls, url: str, *, pool_size: int = 20) -> Database:
        engine = make_engine(url, pool_size=pool_size)
        return cls(engine, sessionmaker(engine, expire_on_commit=False))

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self.sessions.begin() as session:
            yield session

    def check_reachable(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            url = self.engine.url.render_as_string(hide_password=True)
            raise DatabaseUnavailableError(f"cannot reach database {url}: {reason}") from exc

    def dispose(self) -> None:
        self.engine.dispose()
