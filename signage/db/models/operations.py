"""Publishing history, editor presence and alerts (§26.11, §26.12, §21)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from signage.db.base import Base, Timestamps, UuidPk, enum_column, utcnow
from signage.enums import (
    AlertStatus,
    AlertType,
    EventSeverity,
    PresenceResourceType,
    PublishEventType,
)


class PublishEvent(UuidPk, Base):
    __tablename__ = "publish_events"
    __table_args__ = (Index("ix_publish_events_venue_time", "venue_id", "published_at"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    venue_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    type: Mapped[PublishEventType] = enum_column(PublishEventType)
    entity_id: Mapped[uuid.UUID]
    from_version: Mapped[int | None]
    to_version: Mapped[int | None]
    published_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the publish produced (items or slots), so history and the warehouse need no joins.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class EditorPresence(UuidPk, Base):
    __tablename__ = "editor_presence"
    __table_args__ = (
        Index(
            "uq_editor_presence_resource_user",
            "resource_type",
            "resource_id",
            "user_id",
            unique=True,
        ),
        Index("ix_editor_presence_expiry", "expires_at"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    resource_type: Mapped[PresenceResourceType] = enum_column(PresenceResourceType)
    resource_id: Mapped[uuid.UUID]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime]


class Alert(UuidPk, Timestamps, Base):
    __tablename__ = "alerts"
    __table_args__ = (
        # One open alert per problem; a resolved one may open again later as a new row.
        Index(
            "uq_alerts_open_dedup",
            "dedup_key",
            unique=True,
            postgresql_where=text("status = 'OPEN'"),
        ),
        Index("ix_alerts_tenant_status", "tenant_id", "status", "opened_at"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    device_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE")
    )
    type: Mapped[AlertType] = enum_column(AlertType)
    severity: Mapped[EventSeverity] = enum_column(EventSeverity)
    status: Mapped[AlertStatus] = enum_column(AlertStatus, default=AlertStatus.OPEN)
    dedup_key: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # Acknowledgement (issue 17 item 3): someone took it on; it stops re-notifying.
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    acknowledgement_note: Mapped[str | None] = mapped_column(String(1000))
    # Notification bookkeeping (issue 17 item 2): when its opening (or latest reminder) and its
    # resolution were handed to the channels; null: not yet.
    notified_at: Mapped[datetime | None]
    resolution_notified_at: Mapped[datetime | None]


class OperatorAlert(UuidPk, Timestamps, Base):
    """A problem of the platform itself for its operators (issue 17 item 1), not of a tenant:
    a failed Dagster run. One open row per key; it counts repeats and resolves when the job
    next succeeds."""

    __tablename__ = "operator_alerts"
    __table_args__ = (
        Index(
            "uq_operator_alerts_open_key",
            "dedup_key",
            unique=True,
            postgresql_where=text("resolved_at IS NULL"),
        ),
    )

    dedup_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(50))
    summary: Mapped[str] = mapped_column(String(500))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    occurrences: Mapped[int] = mapped_column(default=1)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
