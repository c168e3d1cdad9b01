"""Storing telemetry history after the fact (the demo's week, signage/telemetry/demo_history.py):
into the day partitions it belongs to, with COPY, and with each device's latest status and
last-seen set from its newest heartbeat by the same code the API's heartbeats go through."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date
from operator import attrgetter
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy.orm import Session

from signage.telemetry import partitions
from signage.telemetry.demo_history import DemoHistory, ReceivedEvent
from signage.telemetry.ingest import (
    Heartbeat,
    ReceivedHeartbeat,
    latest_per_device,
    record_heartbeats,
)

IDENTITY = ("device_id", "tenant_id", "venue_id", "received_at")
BEAT_FIELDS = tuple(f.name for f in fields(Heartbeat))
HEARTBEAT_COLUMNS = (*IDENTITY, *BEAT_FIELDS)
# A heartbeat's values in column order, in one call (a week of a few screens is ~25,000 rows).
# Enums go as they are: a StrEnum is a str, which COPY takes as its value.
_beat_values = attrgetter(*BEAT_FIELDS)
EVENT_COLUMNS = (
    *IDENTITY,
    *("client_event_id", "event_type", "severity", "event_time", "payload", "raw"),
)


@dataclass(frozen=True)
class StoredHistory:
    heartbeats: int
    events: int
    days: tuple[date, ...]  # the UTC days written, each with its partition


def store_history(session: Session, history: DemoHistory) -> StoredHistory:
    """Write `history` in the session's transaction: the day partitions it needs, the rows
    (streamed with COPY), and the latest status of each device that sent a heartbeat."""
    days = _days(history)
    if days:
        partitions.ensure_days_between(session, days[0], days[-1])
    latest = latest_per_device(history.heartbeats)
    newest = {id(beat) for beat in latest}
    earlier = [beat for beat in history.heartbeats if id(beat) not in newest]
    _copy(session, "device_heartbeats", HEARTBEAT_COLUMNS, map(_heartbeat_row, earlier))
    record_heartbeats(session, latest)  # the newest row too, with device_status and last-seen
    _copy(session, "device_events", EVENT_COLUMNS, map(_event_row, history.events))
    return StoredHistory(len(history.heartbeats), len(history.events), tuple(days))


def _days(history: DemoHistory) -> list[date]:
    moments = [b.received_at for b in history.heartbeats] + [e.received_at for e in history.events]
    return sorted({moment.astimezone(UTC).date() for moment in moments})


def _heartbeat_row(item: ReceivedHeartbeat) -> tuple[Any, ...]:
    device = item.device
    identity = (device.device_id, device.tenant_id, device.venue_id, item.received_at)
    return identity + _beat_values(item.beat)


def _event_row(item: ReceivedEvent) -> tuple[Any, ...]:
    device, event = item.device, item.event
    return (
        *(device.device_id, device.tenant_id, device.venue_id, item.received_at),
        *(event.event_id, event.event_type, event.severity, event.event_time),
        Jsonb(event.payload),
        None if event.raw is None else Jsonb(event.raw),
    )


def _copy(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Stream `rows` into `table` with COPY on the session's connection (its transaction):
    one statement, however many rows, and no more held in memory than COPY buffers."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor().copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
