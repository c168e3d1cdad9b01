"""Storing telemetry history after the fact (the demo's week, signage/telemetry/demo_history.py):
into the day partitions it belongs to, with COPY, and with each device's latest status and
last-seen set from its newest heartbeat by the same code the API's heartbeats go through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from sqlalchemy.orm import Session

from signage.telemetry import partitions
from signage.telemetry.bulk import copy_rows
from signage.telemetry.demo_history import DemoHistory, ReceivedEvent
from signage.telemetry.ingest import record_heartbeats

EVENT_COLUMNS = (
    *("device_id", "tenant_id", "venue_id", "received_at"),
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
    # every row, and each device's newest as its status and last-seen, as the API stores them
    record_heartbeats(session, history.heartbeats)
    copy_rows(session, "device_events", EVENT_COLUMNS, map(_event_row, history.events))
    return StoredHistory(len(history.heartbeats), len(history.events), tuple(days))


def _days(history: DemoHistory) -> list[date]:
    moments = [b.received_at for b in history.heartbeats] + [e.received_at for e in history.events]
    return sorted({moment.astimezone(UTC).date() for moment in moments})


def _event_row(item: ReceivedEvent) -> tuple[Any, ...]:
    device, event = item.device, item.event
    return (
        *(device.device_id, device.tenant_id, device.venue_id, item.received_at),
        *(event.event_id, event.event_type, event.severity, event.event_time),
        event.payload,
        event.raw,
    )
