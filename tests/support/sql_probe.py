"""The `statements` fixture: what a request made the app do in the database, for tests of the
paths that answer from memory (api.player_fast_path). A plugin module the root conftest lists."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import event

from signage.db.engine import Database

__all__ = ["statements"]

A_SESSION = "a session"


class CountingSessions:
    """The app's database, noting each session opened."""

    def __init__(self, database: Database, seen: list[str]) -> None:
        self._database, self._seen = database, seen

    def sessions(self) -> object:
        self._seen.append(A_SESSION)
        return self._database.sessions()

    def __getattr__(self, name: str) -> object:
        return getattr(self._database, name)


@pytest.fixture
def statements(
    app: FastAPI, database: Database, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[str]]:
    """The SQL statements run and the sessions opened (FastAPI's route opens one per request
    through its dependencies, even when it then runs no SQL), as they happen."""
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    monkeypatch.setattr(app.state.context, "database", CountingSessions(database, seen))
    event.listen(database.engine, "before_cursor_execute", record)
    yield seen
    event.remove(database.engine, "before_cursor_execute", record)
