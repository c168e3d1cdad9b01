"""Small factories for resolver inputs: defaults everywhere, tests name only what matters."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count

from signage.enums import OverrideTargetType, SlotTargetType
from signage.scheduling import DeviceContext, OverrideRule, RuleId, SlotRule

DEVICE = "dev-1"
VENUE = "ven-1"
GROUP = "grp-1"
OTHER_GROUP = "grp-2"
FALLBACK = "pl-fallback"
BASE_UPDATED = datetime(2026, 1, 1, tzinfo=UTC)

_ids = count(1)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """An aware UTC datetime: utc(2026, 3, 29, 1, 30)."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def hm(text: str) -> int:
    """Minutes since midnight for "HH:MM"."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def context(
    *,
    tz: str | None = "Europe/London",
    device_tz: str | None = None,
    groups: tuple[RuleId, ...] = (GROUP,),
    fallback: str | None = FALLBACK,
    tenant_default: str | None = None,
    last_published: str | None = None,
    tenant_tz: str = "UTC",
) -> DeviceContext:
    return DeviceContext(
        device_id=DEVICE,
        venue_id=VENUE,
        tenant_timezone=tenant_tz,
        group_ids=groups,
        device_timezone=device_tz,
        venue_timezone=tz,
        venue_fallback_playlist_id=fallback,
        tenant_default_playlist_id=tenant_default,
        last_published_playlist_id=last_published,
    )


def slot(
    start: str,
    end: str,
    *,
    playlist: str = "pl-slot",
    slot_id: str | None = None,
    target: SlotTargetType = SlotTargetType.GROUP,
    target_id: str | None = None,
    days: int = 0b111_1111,
    priority: int = 0,
    updated: datetime = BASE_UPDATED,
    valid_from: date | None = None,
    valid_to: date | None = None,
    enabled: bool = True,
) -> SlotRule:
    default_target = DEVICE if target is SlotTargetType.DEVICE else GROUP
    return SlotRule(
        slot_id=slot_id or f"slot-{next(_ids):04d}",
        target_type=target,
        target_id=target_id or default_target,
        playlist_id=playlist,
        days_of_week_mask=days,
        start_minutes=hm(start),
        end_minutes=hm(end),
        priority=priority,
        updated_at_utc=updated,
        valid_from_date=valid_from,
        valid_to_date=valid_to,
        enabled=enabled,
    )


def override(
    starts: datetime,
    ends: datetime | None = None,
    *,
    playlist: str = "pl-override",
    override_id: str | None = None,
    target: OverrideTargetType = OverrideTargetType.VENUE,
    target_id: str | None = None,
    created: datetime = BASE_UPDATED,
    cancelled: datetime | None = None,
) -> OverrideRule:
    default_targets = {
        OverrideTargetType.VENUE: VENUE,
        OverrideTargetType.GROUP: GROUP,
        OverrideTargetType.DEVICE: DEVICE,
    }
    return OverrideRule(
        override_id=override_id or f"ovr-{next(_ids):04d}",
        target_type=target,
        target_id=target_id or default_targets[target],
        playlist_id=playlist,
        starts_at_utc=starts,
        created_at_utc=created,
        ends_at_utc=ends,
        cancelled_at_utc=cancelled,
    )


MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = (1 << day for day in range(7))
