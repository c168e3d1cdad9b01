"""Publishing history (§15, §26.11): one PublishEvent per playlist or schedule publish, rollback,
and override start or cancel, each carrying the snapshot it produced."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from signage.audit import AuditAction, AuditContext, AuditTarget
from signage.audit import record as record_audit
from signage.db.models import PublishEvent, Venue
from signage.enums import PublishEventType
from signage.pagination import Page, PageRequest, paginate
from signage.queries import live

# Each kind of publish is also an audited action (§25.9).
AUDIT_ACTIONS = {
    PublishEventType.PLAYLIST_PUBLISH: AuditAction.PLAYLIST_PUBLISHED,
    PublishEventType.PLAYLIST_ROLLBACK: AuditAction.PLAYLIST_ROLLED_BACK,
    PublishEventType.SCHEDULE_PUBLISH: AuditAction.SCHEDULE_PUBLISHED,
    PublishEventType.SCHEDULE_ROLLBACK: AuditAction.SCHEDULE_ROLLED_BACK,
    PublishEventType.OVERRIDE_STARTED: AuditAction.OVERRIDE_STARTED,
    PublishEventType.OVERRIDE_CANCELLED: AuditAction.OVERRIDE_CANCELLED,
}


@dataclass(frozen=True)
class Publication:
    """What was published: the PublishEvent's fields and what the audit entry names."""

    tenant_id: uuid.UUID
    venue_id: uuid.UUID | None
    type: PublishEventType
    entity_id: uuid.UUID
    snapshot: dict[str, Any]
    audit_target: tuple[AuditTarget, uuid.UUID]  # (target type, target id) of the audit entry
    from_version: int | None = None
    to_version: int | None = None


def record_publish(
    session: Session,
    who: AuditContext,
    publication: Publication,
    *,
    user_id: uuid.UUID | None,
    now: datetime,
    details: dict[str, Any],
) -> PublishEvent:
    """Write the PublishEvent and its audit entry, in the caller's transaction."""
    event = PublishEvent(
        tenant_id=publication.tenant_id,
        venue_id=publication.venue_id,
        type=publication.type,
        entity_id=publication.entity_id,
        from_version=publication.from_version,
        to_version=publication.to_version,
        published_by_user_id=user_id,
        published_at=now,
        snapshot=publication.snapshot,
    )
    session.add(event)
    target_type, target_id = publication.audit_target
    record_audit(
        session,
        who,
        AUDIT_ACTIONS[publication.type],
        tenant_id=publication.tenant_id,
        now=now,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )
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


def published_since(
    session: Session, since: datetime | None
) -> tuple[datetime | None, set[uuid.UUID], set[str]]:
    """What publishing after `since` (all of it when None) touched: the newest publish time,
    the venues whose screens it can change (a shared playlist: every venue of its tenant) and
    the UTC days it happened on. For refreshing warehouse copies incrementally."""
    statement = select(PublishEvent.published_at, PublishEvent.tenant_id, PublishEvent.venue_id)
    if since is not None:
        statement = statement.where(PublishEvent.published_at > since)
    rows = session.execute(statement).all()
    if not rows:
        return None, set(), set()
    venues = {venue_id for _, _, venue_id in rows if venue_id is not None}
    tenant_wide = {tenant_id for _, tenant_id, venue_id in rows if venue_id is None}
    if tenant_wide:
        venues |= set(
            session.scalars(select(Venue.id).where(Venue.tenant_id.in_(tenant_wide), live(Venue)))
        )
    days = {published_at.astimezone(UTC).strftime("%Y-%m-%d") for published_at, _, _ in rows}
    return max(published_at for published_at, _, _ in rows), venues, days
