"""Notification channels and their deliveries (issue 17 item 2)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from signage.db.base import Base, Timestamps, UuidPk, enum_column, utcnow
from signage.enums import ChannelType, DeliveryStatus, EventSeverity, NotificationKind


class NotificationChannel(UuidPk, Timestamps, Base):
    """Where a tenant's alerts go: e-mail recipients or a signed webhook."""

    __tablename__ = "notification_channels"
    __table_args__ = (Index("ix_notification_channels_tenant", "tenant_id", "name"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    type: Mapped[ChannelType] = enum_column(ChannelType)
    name: Mapped[str] = mapped_column(String(100))
    min_severity: Mapped[EventSeverity] = enum_column(EventSeverity)
    # Venues it covers (ids as strings); empty: every venue of the tenant.
    venue_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    recipients: Mapped[list[str]] = mapped_column(JSONB, default=list)
    url: Mapped[str | None] = mapped_column(String(2000))
    # The webhook's HMAC key: shown once at creation, never read back by the API.
    secret: Mapped[str | None] = mapped_column(String(100))
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None]


class NotificationDelivery(UuidPk, Base):
    """One message to one channel, with every attempt to send it."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        Index("ix_notification_deliveries_due", "status", "next_attempt_at"),
        Index("ix_notification_deliveries_channel", "channel_id", "created_at"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notification_channels.id", ondelete="CASCADE")
    )
    venue_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = enum_column(NotificationKind)
    alert_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    message: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    status: Mapped[DeliveryStatus] = enum_column(DeliveryStatus, default=DeliveryStatus.PENDING)
    next_attempt_at: Mapped[datetime | None]
    give_up_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    # [{"atUtc", "ok", "error"}], oldest first
    attempts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
