"""Inputs and outputs of the schedule resolver (§26.8, §30, §31): frozen values, no I/O.

Every datetime here must be timezone-aware (§30.1: "no naive datetimes"); constructors raise
ValueError otherwise, and for values the database would refuse (§26.8 CHECKs, §30.10).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TypeAlias

from signage.enums import OverrideTargetType, SlotTargetType

# Ids arrive as UUIDs from the database or as strings from tests and the wire; the resolver
# compares and orders them by their string form, so either works.
RuleId: TypeAlias = str | uuid.UUID

MINUTES_PER_DAY = 1440
LAST_MINUTE = MINUTES_PER_DAY - 1
ALL_DAYS_MASK = 0b111_1111  # bit 0 = Monday ... bit 6 = Sunday
# A slot's priority is a whole number from -PRIORITY_LIMIT to PRIORITY_LIMIT, higher wins (§7).
# These bounds are the only copy: the /v1 schema and the web app's form read them from here.
PRIORITY_LIMIT = 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def require_aware(value: datetime, name: str) -> None:
    """Raise ValueError unless `value` carries a UTC offset (§30.1)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


def epoch_micros(value: datetime) -> int:
    """Exact integer microseconds since the epoch, for orderings that must not round."""
    return (value - _EPOCH) // _MICROSECOND


def weekday_bit(day: date) -> int:
    """The days_of_week_mask bit of `day`: bit 0 = Monday ... bit 6 = Sunday (§26.8)."""
    return 1 << day.weekday()


@dataclass(frozen=True, slots=True)
class SlotRule:
    """A published schedule slot (§26.8 SchedulePublishedSlot) in the resolver's terms.

    The window is [start_minutes, end_minutes) of venue-local wall-clock time. When
    end_minutes <= start_minutes the slot wraps past midnight (§30.4); start == end is a full
    24 h occurrence ending at the same minute the next day. The weekday mask and the inclusive
    date range apply to the local date an occurrence STARTS on.
    """

    slot_id: RuleId
    target_type: SlotTargetType
    target_id: RuleId
    playlist_id: RuleId
    days_of_week_mask: int
    start_minutes: int
    end_minutes: int
    priority: int
    updated_at_utc: datetime
    valid_from_date: date | None = None
    valid_to_date: date | None = None
    enabled: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.days_of_week_mask <= ALL_DAYS_MASK:
            raise ValueError(f"days_of_week_mask must be 1..127, got {self.days_of_week_mask}")
        for name, minutes in (("start", self.start_minutes), ("end", self.end_minutes)):
            if not 0 <= minutes <= LAST_MINUTE:
                raise ValueError(f"{name}_minutes must be 0..{LAST_MINUTE}, got {minutes}")
        if (
            self.valid_from_date is not None
            and self.valid_to_date is not None
            and self.valid_from_date > self.valid_to_date
        ):
            raise ValueError("valid_from_date must not be after valid_to_date")
        require_aware(self.updated_at_utc, "updated_at_utc")

    @property
    def wraps(self) -> bool:
        """Whether an occurrence runs past local midnight into the next date (§30.4)."""
        return self.end_minutes <= self.start_minutes

    def starts_on(self, day: date) -> bool:
        """Whether an occurrence begins on local date `day` (weekday mask and date range)."""
        if not self.days_of_week_mask & weekday_bit(day):
            return False
        if self.valid_from_date is not None and day < self.valid_from_date:
            return False
        return self.valid_to_date is None or day <= self.valid_to_date


@dataclass(frozen=True, slots=True)
class OverrideRule:
    """A takeover (venue_overrides): plays its playlist over every slot while active.

    Active on [starts_at_utc, stops_at_utc): ends_at_utc None means until cancelled.
    """

    override_id: RuleId
    target_type: OverrideTargetType
    target_id: RuleId
    playlist_id: RuleId
    starts_at_utc: datetime
    created_at_utc: datetime
    ends_at_utc: datetime | None = None
    cancelled_at_utc: datetime | None = None

    def __post_init__(self) -> None:
        require_aware(self.starts_at_utc, "starts_at_utc")
        require_aware(self.created_at_utc, "created_at_utc")
        if self.ends_at_utc is not None:
            require_aware(self.ends_at_utc, "ends_at_utc")
            if self.ends_at_utc <= self.starts_at_utc:
                raise ValueError("ends_at_utc must be after starts_at_utc")
        if self.cancelled_at_utc is not None:
            require_aware(self.cancelled_at_utc, "cancelled_at_utc")

    @property
    def stops_at_utc(self) -> datetime | None:
        """When the takeover stops: its end or its cancellation, whichever is first."""
        stops = [t for t in (self.ends_at_utc, self.cancelled_at_utc) if t is not None]
        return min(stops, default=None)

    def is_active_at(self, instant: datetime) -> bool:
        stops = self.stops_at_utc
        return self.starts_at_utc <= instant and (stops is None or instant < stops)


@dataclass(frozen=True, slots=True)
class DeviceContext:
    """What the resolver needs to know about the device asking (§31.1, §30.2, §31.5).

    Fallback playlist ids must name published playlists; pass None for any that is not.
    """

    device_id: RuleId
    venue_id: RuleId
    tenant_timezone: str
    group_ids: tuple[RuleId, ...] = ()
    device_timezone: str | None = None
    venue_timezone: str | None = None
    venue_fallback_playlist_id: RuleId | None = None
    tenant_default_playlist_id: RuleId | None = None
    last_published_playlist_id: RuleId | None = None


class ResolutionReason(StrEnum):
    """Why the playlist won."""

    OVERRIDE = "OVERRIDE"
    DEVICE_SLOT = "DEVICE_SLOT"
    GROUP_SLOT = "GROUP_SLOT"
    FALLBACK = "FALLBACK"
    NONE = "NONE"  # nothing matched and no fallback: the error manifest of §27.8.1


class FallbackSource(StrEnum):
    """Which step of the §31.5 fallback chain supplied the playlist."""

    VENUE_FALLBACK = "VENUE_FALLBACK"
    TENANT_DEFAULT = "TENANT_DEFAULT"
    LAST_PUBLISHED = "LAST_PUBLISHED"


@dataclass(frozen=True, slots=True)
class Decision:
    """What plays and why; two instants with equal decisions show the same thing."""

    playlist_id: RuleId | None
    reason: ResolutionReason
    rule_id: RuleId | None = None  # the winning override or slot; None for fallbacks
    fallback_source: FallbackSource | None = None


class _DecisionFields:
    """Read-through accessors for classes that carry a `decision`."""

    __slots__ = ()
    decision: Decision

    @property
    def playlist_id(self) -> RuleId | None:
        return self.decision.playlist_id

    @property
    def reason(self) -> ResolutionReason:
        return self.decision.reason

    @property
    def rule_id(self) -> RuleId | None:
        return self.decision.rule_id

    @property
    def fallback_source(self) -> FallbackSource | None:
        return self.decision.fallback_source


@dataclass(frozen=True, slots=True)
class Resolution(_DecisionFields):
    """The resolver's answer at one instant (§31.2) and until when it holds (§31.6)."""

    decision: Decision
    valid_to_utc: datetime  # the next instant the answer can change, <= now + 6 h
    timezone: str  # the effective timezone used (§30.2)


@dataclass(frozen=True, slots=True)
class TimelineInterval(_DecisionFields):
    """A maximal stretch [start_utc, end_utc) during which the decision does not change."""

    start_utc: datetime
    end_utc: datetime
    decision: Decision
