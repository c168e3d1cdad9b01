""" "What plays when" for a device or a group of a venue: the resolver stepped over a window,
from the same snapshot the manifests are built from, so the two always agree (§31.10)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.db.models import DeviceGroup, Playlist, Venue
from signage.enums import SlotTargetType
from signage.errors import NotFoundError, ValidationFailedError
from signage.manifest.snapshot import DeviceFacts, VenueSnapshot, current_epoch, load_snapshot
from signage.scheduling.model import TimelineInterval
from signage.scheduling.resolver import (
    MAX_TIMELINE_WINDOW,
    CompiledSchedule,
    compile_schedule,
    timeline_compiled,
)

DEFAULT_TIMELINE_WINDOW = timedelta(days=7)


def target_timeline(
    snapshot: VenueSnapshot,
    target_type: SlotTargetType,
    target_id: uuid.UUID,
    start_utc: datetime,
    end_utc: datetime,
) -> tuple[str, list[TimelineInterval]]:
    """(effective timezone, intervals) for the target over [start_utc, end_utc)."""
    compiled = _compiled(snapshot, target_type, target_id)
    intervals = timeline_compiled(compiled, snapshot.overrides, start_utc, end_utc)
    return compiled.timezone.key, intervals


def _compiled(
    snapshot: VenueSnapshot, target_type: SlotTargetType, target_id: uuid.UUID
) -> CompiledSchedule:
    if target_type is SlotTargetType.DEVICE:
        device = snapshot.devices.get(target_id)
        if device is None:
            raise NotFoundError(f"Device {target_id} was not found.")
        return snapshot.compiled_for(device)
    # A group's timeline is what a device of the group with no slots of its own would play.
    stand_in = DeviceFacts(uuid.UUID(int=0), target_id, None, {})
    return compile_schedule(snapshot.context_for(stand_in), snapshot.slots)


def venue_timeline_rows(
    session: Session, venue_id: uuid.UUID, now: datetime, window: timedelta
) -> list[dict[str, Any]]:
    """Every target of the venue (each group, each device) over [now, now + window), as rows
    for the warehouse (§29.4.9 "what ran where"), from the same snapshot as the manifests."""
    snapshot = load_snapshot(session, venue_id, current_epoch(session, venue_id), now)
    venue = session.get_one(Venue, venue_id)
    groups = session.scalars(select(DeviceGroup.id).where(DeviceGroup.venue_id == venue_id))
    targets = [(SlotTargetType.GROUP, group_id) for group_id in groups]
    targets += [(SlotTargetType.DEVICE, device_id) for device_id in snapshot.devices]
    rows = []
    for target_type, target_id in targets:
        _, intervals = target_timeline(snapshot, target_type, target_id, now, now + window)
        rows += [
            {
                "tenant_id": venue.tenant_id,
                "venue_id": venue_id,
                "target_type": str(target_type),
                "target_id": target_id,
                "start_utc": interval.start_utc,
                "end_utc": interval.end_utc,
                "playlist_id": interval.playlist_id,
                "reason": str(interval.reason),
                "rule_id": interval.rule_id,
                "computed_at": now,
                "epoch": snapshot.epoch,
            }
            for interval in intervals
        ]
    return rows


def timeline_window(
    from_utc: datetime | None, to_utc: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """[start, end) of a timeline asked for from/to: either may be None (now; 7 days on), and
    the span is at most MAX_TIMELINE_WINDOW (§31.10)."""
    for name, value in (("from", from_utc), ("to", to_utc)):
        if value is not None and value.tzinfo is None:
            raise ValidationFailedError(
                "Times need a UTC offset (§30.1).",
                errors=[{"location": f"query.{name}", "message": "no UTC offset"}],
            )
    start = from_utc or now
    end = to_utc or start + DEFAULT_TIMELINE_WINDOW
    if not start < end <= start + MAX_TIMELINE_WINDOW:
        raise ValidationFailedError(
            "The window must end after it starts and span at most 14 days.",
            errors=[{"location": "query.to", "message": "window empty or over 14 days"}],
        )
    return start, end


def timeline_target(
    session: Session, venue: Venue, device_id: uuid.UUID | None, group_id: uuid.UUID | None
) -> tuple[SlotTargetType, uuid.UUID]:
    """The one device or group of `venue` a timeline is asked for, or a 422/404."""
    if (device_id is None) == (group_id is None):
        raise ValidationFailedError(
            "Give exactly one of deviceId and groupId.",
            errors=[{"location": "query.deviceId", "message": "exactly one of deviceId, groupId"}],
        )
    if device_id is not None:
        return SlotTargetType.DEVICE, device_id  # the snapshot knows the venue's devices
    assert group_id is not None
    group = session.get(DeviceGroup, group_id)
    if group is None or group.venue_id != venue.id:
        raise NotFoundError(f"Group {group_id} was not found.")
    return SlotTargetType.GROUP, group_id


def playlist_names(session: Session, playlist_ids: set[object]) -> dict[str, str]:
    """Playlist names by the string form of their ids, for the timeline's intervals."""
    ids = [uuid.UUID(str(p)) for p in playlist_ids]
    rows = session.execute(select(Playlist.id, Playlist.name).where(Playlist.id.in_(ids)))
    return {str(playlist_id): name for playlist_id, name in rows}
