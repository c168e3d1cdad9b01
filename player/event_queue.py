"""On-disk telemetry queue (§17, §27.8.3, §33.3.7): events survive restarts until uploaded."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from player.wire import PlayerEvent, Severity, format_utc, parse_utc

MAX_BATCH = 100  # §27.8.3 maximum events per request
MAX_AGE = timedelta(days=7)  # §27.8.3 older events may be discarded
MAX_ROWS = 10_000  # §33.3.7 limit the local queue: oldest go first

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    event_time_utc TEXT NOT NULL,
    severity TEXT NOT NULL,
    payload TEXT NOT NULL
)
"""


class EventQueue:
    """A FIFO of events keyed by a UUID `eventId`, so a resent batch can be de-duplicated."""

    def __init__(self, db_path: Path) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def put(
        self, event_type: str, severity: Severity, payload: dict[str, Any], now: datetime
    ) -> str:
        """Append an event; returns its eventId."""
        event_id = str(uuid.uuid4())
        with self._lock:
            self._db.execute(
                "INSERT INTO events (event_id, event_type, event_time_utc, severity, payload)"
                " VALUES (?, ?, ?, ?, ?)",
                (event_id, event_type, format_utc(now), severity, json.dumps(payload)),
            )
            self._db.execute(
                "DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?", (MAX_ROWS,)
            )
        return event_id

    def next_batch(self, now: datetime, limit: int = MAX_BATCH) -> list[PlayerEvent]:
        """The oldest events (at most 100), after dropping those older than 7 days."""
        cutoff = format_utc(now - MAX_AGE)
        with self._lock:
            self._db.execute("DELETE FROM events WHERE event_time_utc < ?", (cutoff,))
            rows = self._db.execute(
                "SELECT event_id, event_type, event_time_utc, severity, payload"
                " FROM events ORDER BY seq LIMIT ?",
                (min(limit, MAX_BATCH),),
            ).fetchall()
        return [
            PlayerEvent(event_id, event_type, parse_utc(when), severity, json.loads(payload))
            for event_id, event_type, when, severity, payload in rows
        ]

    def acknowledge(self, event_ids: list[str]) -> None:
        """Remove events the server accepted."""
        with self._lock:
            self._db.executemany("DELETE FROM events WHERE event_id = ?", [(e,) for e in event_ids])

    def __len__(self) -> int:
        with self._lock:
            (count,) = self._db.execute("SELECT COUNT(*) FROM events").fetchone()
        return int(count)
