"""Pooled connections idle for a while are checked before use (signage.db.engine)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from signage.db import engine as engine_module
from signage.db.engine import Database


def backend_pid(database: Database) -> int:
    with database.sessions() as session:
        return int(session.scalar(text("SELECT pg_backend_pid()")) or 0)


def test_a_connection_killed_while_idle_is_replaced_without_an_error(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = Database.connect(database_url, pool_size=1)
    try:
        first = backend_pid(database)
        with Database.connect(database_url, pool_size=1).sessions() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)
        second = backend_pid(database)  # the ping fails, the pool reconnects, no error
        assert second not in (0, first)
    finally:
        database.dispose()


def test_a_recently_used_connection_is_not_pinged(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No round trip is spent on a connection used moments ago: were it dead, the request
    itself finds out (and SQLAlchemy then invalidates the pool)."""
    database = Database.connect(database_url, pool_size=1)
    try:
        first = backend_pid(database)
        with Database.connect(database_url, pool_size=1).sessions() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 3600.0)
        with pytest.raises(OperationalError):
            backend_pid(database)
        assert backend_pid(database) != first  # the pool was invalidated and reconnects
    finally:
        database.dispose()
