"""A screen's recent status history for its detail page (§21 "Device detail"): the events it
reported and its heartbeats reduced to the moments something changed (§26.10).

Heartbeat and event history stays in Postgres until it is warehoused and pruned (§34.12); this
reads only Postgres, always bounded by a time window and a row count, and only the rows
recorded while the device was at its current venue (a re-assigned screen's past stays with
the venue it served).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from signage.db.models import Device, DeviceEvent, DeviceHeartbeat
from signage.devices.registry import ONLINE_WITHIN
from signage.enums import PlayerState

HEARTBEAT_WINDOW = timedelta(hours=24)
# The heartbeat rate limit is two a minute per device (§27.1), so a day holds at most this many.
MAX_HEARTBEATS = 2 * 24 * 60
MAX_CHANGES = 50
RECENT_EVENTS = 20
NETWORK_WORDS = {True: "connected", False: "disconnected"}


class ChangeKind(StrEnum):
    STATE = "STATE"  # the player's state (§27.8.2 `state`)
    APP_VERSION = "APP_VERSION"
    NETWORK = "NETWORK"  # what the player says about its own connection
    OFFLINE = "OFFLINE"  # heartbeats stopped for longer than the registry's online window
    ONLINE = "ONLINE"  # heartbeats resumed


@dataclass(frozen=True)
class Beat:
    """The parts of one heartbeat the history compares."""

    received_at: datetime
    state: PlayerState | None = None
    app_version: str | None = None
    network_connected: bool | None = None


@dataclass(frozen=True)
class StatusChange:
    kind: ChangeKind
    at: datetime  # server receive time (§30.9); OFFLINE: the last heartbeat before the silence
    before: str | None = None  # None: the first reading in the window, or OFFLINE/ONLINE
    after: str | None = None


# A first app version or network reading is only the baseline; the opening state is shown,
# so a screen that played all day still has one line saying so.
_BASELINE_ONLY = (ChangeKind.APP_VERSION, ChangeKind.NETWORK)


def _readings(beat: Beat) -> dict[ChangeKind, str | None]:
    connected = beat.network_connected
    return {
        ChangeKind.STATE: beat.state.value if beat.state is not None else None,
        ChangeKind.APP_VERSION: beat.app_version,
        ChangeKind.NETWORK: None if connected is None else NETWORK_WORDS[connected],
    }


def status_changes(
    beats: Sequence[Beat], now: datetime, offline_after: timedelta = ONLINE_WITHIN
) -> list[StatusChange]:
    """The changes `beats` show, newest first. A field a heartbeat leaves out keeps its last
    known value; a silence longer than `offline_after` is an OFFLINE, then an ONLINE when
    heartbeats resume (none if they have not by `now`)."""
    changes: list[StatusChange] = []
    known: dict[ChangeKind, str] = {}
    previous: Beat | None = None
    for beat in sorted(beats, key=lambda b: b.received_at):
        if previous is not None and beat.received_at - previous.received_at > offline_after:
            changes.append(StatusChange(ChangeKind.OFFLINE, previous.received_at))
            changes.append(StatusChange(ChangeKind.ONLINE, beat.received_at))
        for kind, value in _readings(beat).items():
            if value is None or known.get(kind) == value:
                continue
            if kind in known or kind not in _BASELINE_ONLY:
                changes.append(StatusChange(kind, beat.received_at, known.get(kind), value))
            known[kind] = value
        previous = beat
    if previous is not None and now - previous.received_at > offline_after:
        changes.append(StatusChange(ChangeKind.OFFLINE, previous.received_at))
    # newest first; a stable sort keeps one heartbeat's changes in the order read
    return sorted(changes, key=lambda change: change.at, reverse=True)


def recent_changes(session: Session, device: Device, now: datetime) -> list[StatusChange]:
    """The device's status changes over the last `HEARTBEAT_WINDOW`, newest first."""
    beats = [Beat(*row) for row in session.execute(heartbeat_window(device, now))]
    return status_changes(beats, now)[:MAX_CHANGES]


def heartbeat_window(
    device: Device, now: datetime
) -> Select[datetime, PlayerState | None, str | None, bool | None]:
    """The device's heartbeats of the last `HEARTBEAT_WINDOW`, newest first. Bounded on both
    sides in receive time, so only the day partitions the window covers are read (the days
    created ahead and the default partition are not)."""
    return (
        select(
            DeviceHeartbeat.received_at,
            DeviceHeartbeat.state,
            DeviceHeartbeat.app_version,
            DeviceHeartbeat.network_connected,
        )
        .where(
            DeviceHeartbeat.device_id == device.id,
            DeviceHeartbeat.venue_id == device.venue_id,
            DeviceHeartbeat.received_at >= now - HEARTBEAT_WINDOW,
            DeviceHeartbeat.received_at <= now,
        )
        .order_by(DeviceHeartbeat.received_at.desc())  # a busy day keeps its newest beats
        .limit(MAX_HEARTBEATS)
    )


def recent_events(
    session: Session, device: Device, limit: int = RECENT_EVENTS
) -> list[DeviceEvent]:
    """The events the device reported, newest first (ix_device_events_device_time)."""
    return list(
        session.scalars(
            select(DeviceEvent)
            .where(DeviceEvent.device_id == device.id, DeviceEvent.venue_id == device.venue_id)
            .order_by(DeviceEvent.event_time.desc(), DeviceEvent.id.desc())
            .limit(limit)
        )
    )
