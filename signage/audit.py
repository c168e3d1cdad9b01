"""The tenant-scoped audit trail (§25.9): one call for every audited action."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from signage.db.models import AuditEntry
from signage.enums import ActorType


class AuditAction(StrEnum):
    LOGIN_SUCCEEDED = "LOGIN_SUCCEEDED"
    LOGIN_FAILED = "LOGIN_FAILED"
    LOGOUT = "LOGOUT"
    REFRESH_TOKEN_REUSED = "REFRESH_TOKEN_REUSED"  # noqa: S105 (an action name)
    USER_CREATED = "USER_CREATED"
    USER_UPDATED = "USER_UPDATED"
    ROLES_CHANGED = "ROLES_CHANGED"
    VENUE_CREATED = "VENUE_CREATED"
    VENUE_UPDATED = "VENUE_UPDATED"
    VENUE_ARCHIVED = "VENUE_ARCHIVED"
    DEVICE_PAIRED = "DEVICE_PAIRED"
    DEVICE_UPDATED = "DEVICE_UPDATED"
    DEVICE_REMOVED = "DEVICE_REMOVED"
    DEVICE_MOVED = "DEVICE_MOVED"
    GROUP_CREATED = "GROUP_CREATED"
    GROUP_UPDATED = "GROUP_UPDATED"
    GROUP_DELETED = "GROUP_DELETED"
    COMMAND_ISSUED = "COMMAND_ISSUED"
    COMMAND_RESULT = "COMMAND_RESULT"
    ASSET_UPLOAD_STARTED = "ASSET_UPLOAD_STARTED"
    ASSET_UPLOAD_COMPLETED = "ASSET_UPLOAD_COMPLETED"
    ASSET_DELETED = "ASSET_DELETED"
    ASSET_RENAMED = "ASSET_RENAMED"
    PLAYLIST_CREATED = "PLAYLIST_CREATED"
    PLAYLIST_UPDATED = "PLAYLIST_UPDATED"
    PLAYLIST_PUBLISHED = "PLAYLIST_PUBLISHED"
    PLAYLIST_ROLLED_BACK = "PLAYLIST_ROLLED_BACK"
    PLAYLIST_DELETED = "PLAYLIST_DELETED"
    SCHEDULE_UPDATED = "SCHEDULE_UPDATED"
    SCHEDULE_PUBLISHED = "SCHEDULE_PUBLISHED"
    SCHEDULE_ROLLED_BACK = "SCHEDULE_ROLLED_BACK"
    OVERRIDE_STARTED = "OVERRIDE_STARTED"
    OVERRIDE_CANCELLED = "OVERRIDE_CANCELLED"
    TENANT_DISABLED = "TENANT_DISABLED"
    TENANT_ENABLED = "TENANT_ENABLED"
    ALERT_ACKNOWLEDGED = "ALERT_ACKNOWLEDGED"
    CHANNEL_CREATED = "CHANNEL_CREATED"
    CHANNEL_UPDATED = "CHANNEL_UPDATED"
    CHANNEL_DELETED = "CHANNEL_DELETED"
    CHANNEL_TESTED = "CHANNEL_TESTED"


class AuditTarget(StrEnum):
    """What an audit entry is about (its target_type column), stored lower case."""

    TENANT = "tenant"
    VENUE = "venue"
    USER = "user"
    DEVICE = "device"
    GROUP = "group"
    ASSET = "asset"
    PLAYLIST = "playlist"
    OVERRIDE = "override"
    ALERT = "alert"
    NOTIFICATION_CHANNEL = "notification_channel"


@dataclass(frozen=True)
class AuditContext:
    """Who acts and from where, taken from the request once."""

    actor_type: ActorType
    actor_id: uuid.UUID | None
    ip_address: str | None
    request_id: str | None


def record(
    session: Session,
    context: AuditContext,
    action: AuditAction | str,
    *,
    tenant_id: uuid.UUID | None,
    now: datetime,
    target_type: AuditTarget | None = None,
    target_id: uuid.UUID | str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one audit entry (§25.9) to the caller's transaction; the caller commits it with the
    change."""
    entry = AuditEntry(
        tenant_id=tenant_id,
        occurred_at=now,
        actor_type=context.actor_type,
        actor_id=context.actor_id,
        action=str(action),
        target_type=None if target_type is None else str(target_type),
        target_id=None if target_id is None else str(target_id),
        ip_address=context.ip_address,
        request_id=context.request_id,
        details=details or {},
    )
    session.add(entry)
    return entry
