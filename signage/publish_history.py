"""Publishing history (§15, §26.11): one PublishEvent per playlist or schedule publish, rollback,
and override start or cancel, each carrying the snapshot it produced."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from signage.db.models import PublishEvent
from signage.enums import PublishEventType
from signage.pagination import Page, PageRequest, paginate


def record_publish(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    venue_id: uuid.UUID | None,
    type: PublishEventType,
    entity_id: uuid.UUID,
    from_version: int | None,
    to_version: int | None,
    user_id: uuid.UUID | None,
    now: datetime,
    snapshot: dict[str, Any],
) -> PublishEvent:
    event = PublishEvent(
        tenant_id=tenant_id,
        venue_id=venue_id,
        type=type,
        entity_id=entity_id,
        from_version=from_version,
        to_version=to_version,
        published_by_user_id=user_id,
        published_at=now,
        snapshot=snapshot,
    )
    session.add(event)
    return event


def venue_publishes(
    session: Session, tenant_id: uuid.UUID, venue_id: uuid.UUID, page: PageRequest
) -> Page[PublishEvent]:
    """The venue's own events and the tenant-wide ones (shared playlists play everywhere)."""
    statement = select(PublishEvent).where(
        PublishEvent.tenant_id == tenant_id,
        or_(PublishEvent.venue_id == venue_id, PublishEvent.venue_id.is_(None)),
    )
    return paginate(
        session,
        statement,
        [PublishEvent.published_at, PublishEvent.id],
        page,
        descending=True,
        parse=[datetime.fromisoformat, uuid.UUID],
    )
