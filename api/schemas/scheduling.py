"""Wire models of venue scheduling (§26.8, §27.6, §27.9), overrides, publish history (§26.11)
and the timeline ("what plays when")."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field, model_validator

from api.schemas.base import ApiModel, DisplayName
from api.schemas.playlists import EditorOut
from signage.enums import OverrideTargetType, PublishEventType, SlotTargetType
from signage.scheduling.model import (
    ALL_DAYS_MASK,
    LAST_MINUTE,
    PRIORITY_LIMIT,
    FallbackSource,
    ResolutionReason,
)


class SlotIn(ApiModel):
    """A weekly slot in venue-local time (§30.4): [startMinutes, endMinutes), wrapping past
    midnight when endMinutes <= startMinutes. daysOfWeekMask bit 0 = Monday ... bit 6 = Sunday;
    the mask and date range apply to the day an occurrence starts on."""

    target_type: SlotTargetType
    target_id: uuid.UUID
    playlist_id: uuid.UUID
    days_of_week_mask: int = Field(ge=1, le=ALL_DAYS_MASK)
    start_minutes: int = Field(ge=0, le=LAST_MINUTE)
    end_minutes: int = Field(ge=0, le=LAST_MINUTE)
    priority: int = Field(
        default=0, ge=-PRIORITY_LIMIT, le=PRIORITY_LIMIT, description="Higher wins (§7)"
    )
    valid_from_date: date | None = None
    valid_to_date: date | None = None
    enabled: bool = True


class SlotOut(SlotIn):
    slot_id: uuid.UUID
    created_at_utc: datetime
    updated_at_utc: datetime


class ScheduleVersionOut(ApiModel):
    published_version: int
    published_at_utc: datetime
    published_by_user_id: uuid.UUID | None
    rolled_back_to_version: int | None


class ScheduleSetOut(ApiModel):
    venue_id: uuid.UUID
    timezone: str = Field(description="The venue's IANA timezone slots are read in (§30.2)")
    draft_version: int
    published_version: int | None
    slots: list[SlotOut]
    published_slots: list[SlotOut] = Field(description="What screens follow now")
    versions: list[ScheduleVersionOut]
    editors: list[EditorOut]


class OverrideIn(ApiModel):
    target_type: OverrideTargetType = OverrideTargetType.VENUE
    target_id: uuid.UUID | None = Field(default=None, description="Omit for the whole venue")
    playlist_id: uuid.UUID
    name: DisplayName | None = None
    starts_at_utc: datetime | None = Field(default=None, description="Omit to start now")
    ends_at_utc: datetime | None = Field(default=None, description="Omit: until cancelled")

    @model_validator(mode="after")
    def _aware(self) -> OverrideIn:
        for value in (self.starts_at_utc, self.ends_at_utc):
            if value is not None and value.tzinfo is None:
                raise ValueError("times need a UTC offset, e.g. 2026-12-01T20:00:00Z (§30.1)")
        return self


class OverrideOut(ApiModel):
    override_id: uuid.UUID
    venue_id: uuid.UUID
    target_type: OverrideTargetType
    target_id: uuid.UUID
    playlist_id: uuid.UUID
    name: str | None
    starts_at_utc: datetime
    ends_at_utc: datetime | None
    cancelled_at_utc: datetime | None
    active: bool
    created_by_user_id: uuid.UUID | None
    created_at_utc: datetime


class PublishEventOut(ApiModel):
    publish_event_id: uuid.UUID
    venue_id: uuid.UUID | None = Field(description="None for shared-library playlists")
    type: PublishEventType
    entity_id: uuid.UUID
    from_version: int | None
    to_version: int | None
    published_by_user_id: uuid.UUID | None
    published_at_utc: datetime
    snapshot: dict[str, Any]


class TimelineIntervalOut(ApiModel):
    start_utc: datetime
    end_utc: datetime
    playlist_id: uuid.UUID | None
    playlist_name: str | None
    reason: ResolutionReason
    rule_id: uuid.UUID | None = Field(description="The winning slot or override")
    fallback_source: FallbackSource | None


class TimelineOut(ApiModel):
    venue_id: uuid.UUID
    target_type: SlotTargetType
    target_id: uuid.UUID
    timezone: str
    from_utc: datetime
    to_utc: datetime
    intervals: list[TimelineIntervalOut]
