"""Heartbeats and event batches from players. The server's receive time is authoritative
(§30.9); a retried batch never double-counts events that carry an `eventId`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from signage.auth.principal import DevicePrincipal
from signage.db.models import DeviceEvent
from signage.enums import DeviceEventType, EventSeverity, NetworkType, PlayerState
from signage.telemetry import bulk

MAX_EVENTS_PER_BATCH = 100  # §27.8.3
# A device clock this far ahead is broken, not skewed (§30.9); the player should omit the time.
MAX_CLOCK_AHEAD = timedelta(days=1)
# The first key of the per-device advisory lock that serialises a device's event batches (the
# second is the device id's hash); the two-key lock space is apart from the one-key locks.
EVENT_BATCH_LOCK = 1827
EVENT_TIME_AHEAD = "eventTimeUtc is more than a day in the future; check the device clock"


@dataclass(frozen=True)
class Heartbeat:
    """§27.8.2, flattened into the columns DeviceStatus and DeviceHeartbeat share."""

    device_time: datetime | None
    app_version: str | None
    state: PlayerState | None
    manifest_etag: str | None
    playlist_id: uuid.UUID | None
    published_version: int | None
    current_asset_id: uuid.UUID | None
    current_item_index: int | None
    loop_count: int | None
    cache_total_bytes: int | None
    cache_used_bytes: int | None
    cache_asset_count: int | None
    pending_downloads: int | None
    network_connected: bool | None
    network_type: NetworkType | None
    last_sync_at: datetime | None
    playback_failures: int | None
    download_failures: int | None
    manifest_fetch_failures: int | None
    raw: dict[str, Any] | None = None  # as sent, when something in it was not understood


@dataclass(frozen=True)
class Event:
    event_id: uuid.UUID | None
    event_type: DeviceEventType
    severity: EventSeverity
    event_time: datetime
    payload: dict[str, Any]
    raw: dict[str, Any] | None = None  # as sent, when something in it was not understood


@dataclass(frozen=True)
class SkippedEvent:
    index: int  # in the batch as sent
    reason: str


def refused_event(index: int, error: str) -> SkippedEvent:
    """An event of a batch that is structurally broken or lacks a required field (§27.8.3):
    refused on its own, named like a skipped one."""
    return SkippedEvent(index, f"refused: {error}")


def too_far_ahead(moment: datetime | None, now: datetime) -> bool:
    """Whether a device's time is further ahead of ours than clock skew explains."""
    return moment is not None and moment - now > MAX_CLOCK_AHEAD


def split_by_clock(
    events: Sequence[Event], now: datetime
) -> tuple[list[Event], list[SkippedEvent]]:
    """The events to store, and those a broken clock dated too far ahead: one such event is
    skipped on its own, never the batch with it (issue 13 item 10)."""
    kept: list[Event] = []
    skipped: list[SkippedEvent] = []
    for index, event in enumerate(events):
        if too_far_ahead(event.event_time, now):
            skipped.append(SkippedEvent(index, EVENT_TIME_AHEAD))
        else:
            kept.append(event)
    return kept, skipped


def record_heartbeat(
    session: Session, device: DevicePrincipal, beat: Heartbeat, received_at: datetime
) -> None:
    """Upsert the latest status, append the history row and touch the device's last-seen."""
    record_heartbeats(session, [ReceivedHeartbeat(device, beat, received_at)])


def record_events(
    session: Session, device: DevicePrincipal, events: list[Event], received_at: datetime
) -> int:
    """Append a batch in one insert, less the events the device already sent; returns how many
    were new (a retry inserts nothing)."""
    if not events:
        return 0
    fresh = _not_yet_stored(session, device.device_id, _unique_within_batch(events))
    if not fresh:
        return 0
    rows = [
        {
            "tenant_id": device.tenant_id,
            "venue_id": device.venue_id,
            "device_id": device.device_id,
            "client_event_id": event.event_id,
            "event_type": event.event_type,
            "severity": event.severity,
            "event_time": event.event_time,
            "received_at": received_at,
            "payload": event.payload,
            "raw": event.raw,
        }
        for event in fresh
    ]
    session.execute(insert(DeviceEvent), rows)
    return len(rows)


def _not_yet_stored(session: Session, device_id: uuid.UUID, events: list[Event]) -> list[Event]:
    """`events` less those whose eventId this device already sent, over every day held.

    device_events is partitioned by receive time, which a retry does not repeat, so no unique
    index can span the days (issue 18 item 3, docs/architecture.md). Instead a device's batches
    take turns on a transaction lock, and each looks up its eventIds (one index probe per day
    partition) before inserting: a concurrent retry waits for the first batch to commit, then
    sees its rows. The reach is the same as the unique index's was: the days Postgres holds."""
    event_ids = [event.event_id for event in events if event.event_id is not None]
    if not event_ids:
        return events
    session.execute(
        select(func.pg_advisory_xact_lock(EVENT_BATCH_LOCK, func.hashtext(str(device_id))))
    )
    stored = set(
        session.scalars(
            select(DeviceEvent.client_event_id).where(
                DeviceEvent.device_id == device_id, DeviceEvent.client_event_id.in_(event_ids)
            )
        )
    )
    return [event for event in events if event.event_id not in stored]


def _unique_within_batch(events: list[Event]) -> list[Event]:
    seen: set[uuid.UUID] = set()
    unique = []
    for event in events:
        if event.event_id is not None:
            if event.event_id in seen:
                continue
            seen.add(event.event_id)
        unique.append(event)
    return unique


@dataclass(frozen=True)
class ReceivedHeartbeat:
    device: DevicePrincipal
    beat: Heartbeat
    received_at: datetime


BEAT_FIELDS = tuple(f.name for f in fields(Heartbeat))
_beat_values = attrgetter(*BEAT_FIELDS)  # a heartbeat's values in column order, in one call
_IDENTITY = ("device_id", "tenant_id", "venue_id")
HISTORY_COLUMNS = (*_IDENTITY, "received_at", *BEAT_FIELDS)
STATUS_COLUMNS = (*_IDENTITY, *BEAT_FIELDS, "last_heartbeat_at", "is_online", "updated_at")
_INSERT_HISTORY = bulk.insert_statement("device_heartbeats", HISTORY_COLUMNS)
_UPSERT_STATUS = bulk.insert_statement("device_status", STATUS_COLUMNS, replacing_on="device_id")
# A heartbeat is not an edit of the device record: updated_at stays. The rows are locked in
# the plan's order, not the batch's: should two replicas' batches deadlock, PostgreSQL fails
# one, and the batcher stores its heartbeats one by one.
_TOUCH_DEVICES = (
    "UPDATE devices SET last_seen_at = seen.at,"
    " app_version = coalesce(seen.version, devices.app_version)"
    " FROM unnest(%s::uuid[], %s::timestamptz[], %s::varchar[]) AS seen(id, at, version)"
    " WHERE devices.id = seen.id"
)


def record_heartbeats(session: Session, received: Sequence[ReceivedHeartbeat]) -> None:
    """Heartbeats of many devices in three statements, whatever their number (signage.telemetry.
    bulk): the history rows, the latest status per device and the devices' last-seen
    (api.heartbeat_batcher group-commits requests with it)."""
    if not received:
        return
    connection = session.connection()
    history = [(*_identity(r), r.received_at, *_beat_values(r.beat)) for r in received]
    connection.exec_driver_sql(_INSERT_HISTORY, (bulk.rows_json(HISTORY_COLUMNS, history),))
    latest = latest_per_device(received)
    statuses = [
        (*_identity(r), *_beat_values(r.beat), r.received_at, True, r.received_at) for r in latest
    ]
    connection.exec_driver_sql(_UPSERT_STATUS, (bulk.rows_json(STATUS_COLUMNS, statuses),))
    connection.exec_driver_sql(
        _TOUCH_DEVICES,
        (
            [r.device.device_id for r in latest],
            [r.received_at for r in latest],
            [r.beat.app_version for r in latest],
        ),
    )


def _identity(item: ReceivedHeartbeat) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    return item.device.device_id, item.device.tenant_id, item.device.venue_id


def latest_per_device(received: Sequence[ReceivedHeartbeat]) -> list[ReceivedHeartbeat]:
    """One heartbeat per device (the last received): an upsert may touch a row only once."""
    latest: dict[uuid.UUID, ReceivedHeartbeat] = {}
    for item in received:
        current = latest.get(item.device.device_id)
        if current is None or item.received_at >= current.received_at:
            latest[item.device.device_id] = item
    return sorted(latest.values(), key=lambda r: str(r.device.device_id))  # fixed lock order
