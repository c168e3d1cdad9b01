"""Devices, groups, pairing and device tokens (§26.4, §26.5)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from signage.db.base import Base, Timestamps, UuidPk, enum_column, utcnow
from signage.enums import DeviceLifecycle, DeviceTokenStatus, Orientation, PairingStatus, RunMode

DEFAULT_CACHE_BUDGET_BYTES = 2 * 1024**3  # §11.1


class DeviceGroup(UuidPk, Timestamps, Base):
    __tablename__ = "device_groups"
    __table_args__ = (Index("uq_device_groups_venue_name", "venue_id", "name", unique=True),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))


class Device(UuidPk, Timestamps, Base):
    __tablename__ = "devices"
    __table_args__ = (
        CheckConstraint("cache_budget_bytes > 0", name="cache_budget_positive"),
        Index("ix_devices_venue", "venue_id"),
        Index("ix_devices_group", "primary_group_id"),
        Index("ix_devices_tenant", "tenant_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    primary_group_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("device_groups.id", ondelete="SET NULL")
    )
    hardware_id: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))  # §30.2: overrides the venue's
    run_mode: Mapped[RunMode] = enum_column(RunMode, default=RunMode.SHARED)
    launch_on_boot: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_relaunch: Mapped[bool] = mapped_column(Boolean, default=False)
    keep_awake: Mapped[bool] = mapped_column(Boolean, default=True)
    watchdog_return_to_foreground: Mapped[bool] = mapped_column(Boolean, default=False)
    orientation: Mapped[Orientation] = enum_column(Orientation, default=Orientation.LANDSCAPE)
    cache_budget_bytes: Mapped[int] = mapped_column(BigInteger, default=DEFAULT_CACHE_BUDGET_BYTES)
    status: Mapped[DeviceLifecycle] = enum_column(DeviceLifecycle, default=DeviceLifecycle.ACTIVE)
    last_seen_at: Mapped[datetime | None]
    app_version: Mapped[str | None] = mapped_column(String(64))
    # Optimistic concurrency for PATCH (§27.1): the ETag is derived from this counter.
    version: Mapped[int] = mapped_column(default=1)
    deleted_at: Mapped[datetime | None]


class DevicePairing(UuidPk, Timestamps, Base):
    __tablename__ = "device_pairings"
    __table_args__ = (
        # A code identifies one live pairing; expired/completed codes may be reused later.
        Index(
            "uq_device_pairings_live_code",
            "pairing_code",
            unique=True,
            postgresql_where=text("status IN ('PENDING', 'CLAIMED')"),
        ),
        Index("ix_device_pairings_expiry", "status", "expires_at"),
    )

    pairing_code: Mapped[str] = mapped_column(String(16))
    pairing_secret_hash: Mapped[str] = mapped_column(String(64))
    device_hardware_id: Mapped[str] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(200))
    app_version: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[PairingStatus] = enum_column(PairingStatus, default=PairingStatus.PENDING)
    expires_at: Mapped[datetime]
    claimed_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    claimed_tenant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE")
    )
    claimed_venue_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("venues.id", ondelete="CASCADE")
    )
    claimed_name: Mapped[str | None] = mapped_column(String(200))
    claimed_group_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("device_groups.id", ondelete="SET NULL")
    )
    claimed_at: Mapped[datetime | None]
    resulting_device_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("devices.id", ondelete="SET NULL")
    )
    completed_at: Mapped[datetime | None]


class DeviceAuthToken(UuidPk, Timestamps, Base):
    """A hashed record of each issued device token so revocation is immediate (§25.7)."""

    __tablename__ = "device_auth_tokens"
    __table_args__ = (Index("ix_device_auth_tokens_device", "device_id"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[DeviceTokenStatus] = enum_column(
        DeviceTokenStatus, default=DeviceTokenStatus.ACTIVE
    )
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
