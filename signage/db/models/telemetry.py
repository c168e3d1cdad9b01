"""Device status, heartbeat history, events and commands (§26.10)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Identity, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from signage.db.base import Base, enum_column, utcnow
from signage.enums import (
    CommandStatus,
    CommandType,
    DeviceEventType,
    EventSeverity,
    NetworkType,
    PlayerState,
)


class _HeartbeatFields:
    """What a heartbeat reports (§27.8.2); shared by the latest status and the history."""

    device_time: Mapped[datetime | None]
    app_version: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[PlayerState | None] = enum_column(PlayerState, nullable=True)
    manifest_etag: Mapped[str | None] = mapped_column(String(128))
    playlist_id: Mapped[uuid.UUID | None]
    published_version: Mapped[int | None]
    current_asset_id: Mapped[uuid.UUID | None]
    current_item_index: Mapped[int | None]
    loop_count: Mapped[int | None]
    cache_total_bytes: Mapped[int | None] = mapped_column(BigInteger)
    cache_used_bytes: Mapped[int | None] = mapped_column(BigInteger)
    cache_asset_count: Mapped[int | None]
    pending_downloads: Mapped[int | None]
    network_connected: Mapped[bool | None] = mapped_column(Boolean)
    network_type: Mapped[NetworkType | None] = enum_column(NetworkType, nullable=True)
    last_sync_at: Mapped[datetime | None]
    playback_failures: Mapped[int | None]
    download_failures: Mapped[int | None]
    manifest_fetch_failures: Mapped[int | None]
    # The heartbeat as sent, kept only when it held something not understood (issue 15 #4)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class DeviceStatus(_HeartbeatFields, Base):
    """The latest heartbeat per device, upserted; online is derived at read time (§26.10)."""

    __tablename__ = "device_status"

    device_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    last_heartbeat_at: Mapped[datetime | None]  # server receive time, authoritative (§30.9)
    is_online: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# Heartbeat and event history is partitioned by day of receive time (issue 18 item 3,
# migration 0011, signage/telemetry/partitions.py): a key must hold the partition key, so the
# primary key is (id, received_at); ids stay unique on their own (one identity sequence).
PARTITIONED_BY_DAY = {"postgresql_partition_by": "RANGE (received_at)"}


class DeviceHeartbeat(_HeartbeatFields, Base):
    """Append-only heartbeat history, copied hourly into the warehouse; a day is dropped whole
    once it is past retention and the warehouse holds all of it."""

    __tablename__ = "device_heartbeats"
    __table_args__ = (
        Index("ix_device_heartbeats_received", "received_at"),
        # One screen's last day for its status history (§21 device detail), out of the
        # day's partition of the whole fleet's heartbeats.
        Index("ix_device_heartbeats_device_received", "device_id", "received_at"),
        PARTITIONED_BY_DAY,
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, primary_key=True)


class DeviceEvent(Base):
    __tablename__ = "device_events"
    __table_args__ = (
        # A retried batch carries the same client eventIds; they are stored once. Not a unique
        # index (it would have to hold received_at, which a retry does not repeat): the ingest
        # checks it under a per-device lock (signage.telemetry.ingest.record_events).
        Index("ix_device_events_client_id", "device_id", "client_event_id"),
        Index("ix_device_events_received", "received_at"),
        Index("ix_device_events_device_time", "device_id", "event_time"),
        PARTITIONED_BY_DAY,
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    client_event_id: Mapped[uuid.UUID | None]
    event_type: Mapped[DeviceEventType] = enum_column(DeviceEventType)
    severity: Mapped[EventSeverity] = enum_column(EventSeverity)
    event_time: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow, primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # The event as sent, kept only when it held something not understood (issue 15 #4)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class DeviceCommand(Base):
    __tablename__ = "device_commands"
    __table_args__ = (
        Index("ix_device_commands_pending", "device_id", "status", "issued_at"),
        # The screens with commands waiting, read about once a second by the player fast path
        # (signage.devices.waiting_commands): a handful of rows however long the history is.
        Index(
            "ix_device_commands_open",
            "device_id",
            "expires_at",
            postgresql_where=text("status IN ('PENDING', 'DELIVERED')"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    type: Mapped[CommandType] = enum_column(CommandType)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    status: Mapped[CommandStatus] = enum_column(CommandStatus, default=CommandStatus.PENDING)
    issued_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
