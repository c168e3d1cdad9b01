"""Venue schedules, their published snapshots, overrides and the manifest epoch (§26.8, §26.9)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from signage.db.base import Base, Timestamps, UuidPk, enum_column, utcnow
from signage.enums import OverrideTargetType, SlotTargetType

# Checks shared by draft and published slots (§26.8, §30.10).
SLOT_CHECKS = (
    ("days_of_week_mask BETWEEN 1 AND 127", "day_mask_range"),
    ("start_minutes BETWEEN 0 AND 1439", "start_minutes_range"),
    ("end_minutes BETWEEN 0 AND 1439", "end_minutes_range"),
    (
        "valid_from_date IS NULL OR valid_to_date IS NULL OR valid_from_date <= valid_to_date",
        "date_range_ordered",
    ),
)


class VenueScheduleSet(UuidPk, Timestamps, Base):
    __tablename__ = "venue_schedule_sets"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    venue_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("venues.id", ondelete="CASCADE"), unique=True
    )
    draft_version: Mapped[int] = mapped_column(default=1)
    published_version: Mapped[int | None]


class _SlotColumns:
    """The columns a draft slot and a published slot share."""

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    target_type: Mapped[SlotTargetType] = enum_column(SlotTargetType)
    target_id: Mapped[uuid.UUID]
    playlist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("playlists.id", ondelete="RESTRICT"))
    days_of_week_mask: Mapped[int] = mapped_column(SmallInteger)  # bit 0 = Monday
    start_minutes: Mapped[int] = mapped_column(SmallInteger)
    end_minutes: Mapped[int] = mapped_column(SmallInteger)
    priority: Mapped[int] = mapped_column(default=0)
    valid_from_date: Mapped[date | None]
    valid_to_date: Mapped[date | None]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class ScheduleSlot(UuidPk, Timestamps, _SlotColumns, Base):
    __tablename__ = "schedule_slots"
    __table_args__ = (
        *(CheckConstraint(sql, name=name) for sql, name in SLOT_CHECKS),
        Index("ix_schedule_slots_venue", "venue_id"),
    )


class SchedulePublished(UuidPk, Base):
    __tablename__ = "schedule_published"
    __table_args__ = (UniqueConstraint("venue_id", "published_version"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    published_version: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    rolled_back_to_version: Mapped[int | None]


class SchedulePublishedSlot(UuidPk, Timestamps, _SlotColumns, Base):
    __tablename__ = "schedule_published_slots"
    __table_args__ = (
        *(CheckConstraint(sql, name=name) for sql, name in SLOT_CHECKS),
        ForeignKeyConstraint(
            ["venue_id", "published_version"],
            ["schedule_published.venue_id", "schedule_published.published_version"],
            ondelete="CASCADE",
            name="fk_schedule_published_slots_snapshot",
        ),
        # Manifest resolution reads one venue's published version at a time.
        Index("ix_schedule_published_slots_lookup", "venue_id", "published_version"),
    )

    published_version: Mapped[int]
    source_slot_id: Mapped[uuid.UUID]
    # The draft slot's updatedAtUtc at publish time: §7 "latest updated resolves ties".
    slot_updated_at: Mapped[datetime]


class VenueOverride(UuidPk, Timestamps, Base):
    """An urgent takeover of a playlist on a venue, group or device; beats every slot (§2)."""

    __tablename__ = "venue_overrides"
    __table_args__ = (
        CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends_after_start"),
        Index("ix_venue_overrides_active", "venue_id", "cancelled_at", "ends_at"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    target_type: Mapped[OverrideTargetType] = enum_column(OverrideTargetType)
    target_id: Mapped[uuid.UUID]
    playlist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("playlists.id", ondelete="RESTRICT"))
    name: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    cancelled_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class VenueEpoch(Base):
    """Moves with every playback-affecting change; keys the manifest cache (§26.9, §31.8)."""

    __tablename__ = "venue_epochs"

    venue_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("venues.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    manifest_epoch: Mapped[int] = mapped_column(BigInteger, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
