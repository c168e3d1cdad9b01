"""Urgent takeovers (the "Overrides/events" of §2): a manager plays a playlist on a whole venue,
a group or one device from now (or a start time) until an end time or until cancelled.

An override beats every schedule slot (resolver rule 5). Starting or cancelling one bumps the
venue epoch (§26.9) so screens pick it up at their next poll, and is written to the publish
history (§26.11) and the audit trail (§25.9).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from signage import audit
from signage.audit import AuditTarget
from signage.content.scope import LibraryScope
from signage.db.models import Device, DeviceGroup, Venue, VenueOverride
from signage.enums import OverrideTargetType, PublishEventType
from signage.epochs import bump_venue_epoch
from signage.errors import ConflictError, NotFoundError, ValidationFailedError
from signage.pagination import Page, PageRequest, paginate
from signage.playlists.drafts import visible_playlist
from signage.publish_history import Publication, record_publish
from signage.scheduling.model import OverrideRule

MAX_OVERRIDE_DURATION = timedelta(days=31)


@dataclass(frozen=True)
class OverrideInput:
    target_type: OverrideTargetType
    target_id: uuid.UUID | None  # None for VENUE: the venue itself
    playlist_id: uuid.UUID
    starts_at: datetime | None = None  # None: now
    ends_at: datetime | None = None  # None: until cancelled
    name: str | None = None


def start_override(
    session: Session,
    venue: Venue,
    wanted: OverrideInput,
    *,
    user_id: uuid.UUID,
    now: datetime,
    who: audit.AuditContext,
) -> VenueOverride:
    """Start a takeover now or later on the venue, a group or a screen, audited (§2)."""
    starts_at = max(wanted.starts_at or now, now)
    target_id = venue.id if wanted.target_type is OverrideTargetType.VENUE else wanted.target_id
    _validate(session, venue, wanted, target_id, starts_at)
    assert target_id is not None  # _validate refuses a missing group or device id
    override = VenueOverride(
        tenant_id=venue.tenant_id,
        venue_id=venue.id,
        target_type=wanted.target_type,
        target_id=target_id,
        playlist_id=wanted.playlist_id,
        name=wanted.name,
        starts_at=starts_at,
        ends_at=wanted.ends_at,
        created_by_user_id=user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(override)
    session.flush()
    _announce(session, venue, override, PublishEventType.OVERRIDE_STARTED, user_id, now, who)
    return override


def cancel_override(
    session: Session,
    venue: Venue,
    override_id: uuid.UUID,
    *,
    user_id: uuid.UUID,
    now: datetime,
    who: audit.AuditContext,
) -> VenueOverride:
    """Stop a takeover now. Cancelling one already cancelled changes nothing; one that has
    already ended is a 409 (there is nothing to stop)."""
    override = session.scalar(
        select(VenueOverride)
        .where(VenueOverride.id == override_id, VenueOverride.venue_id == venue.id)
        .with_for_update()
    )
    if override is None:
        raise NotFoundError(f"Override {override_id} was not found.")
    if override.cancelled_at is not None:
        return override
    if override.ends_at is not None and override.ends_at <= now:
        raise ConflictError("The override has already ended.")
    override.cancelled_at = now
    override.cancelled_by_user_id = user_id
    override.updated_at = now
    _announce(session, venue, override, PublishEventType.OVERRIDE_CANCELLED, user_id, now, who)
    return override


def list_overrides(
    session: Session, venue_id: uuid.UUID, now: datetime, *, include_over: bool = False
) -> list[VenueOverride]:
    """The venue's takeovers, newest first; past ones only when asked."""
    statement = select(VenueOverride).where(VenueOverride.venue_id == venue_id)
    if not include_over:
        statement = statement.where(_not_over(now))
    return list(session.scalars(statement.order_by(VenueOverride.starts_at.desc()).limit(200)))


def page_overrides(
    session: Session,
    venue_id: uuid.UUID,
    now: datetime,
    page: PageRequest,
    *,
    include_over: bool = False,
) -> Page[VenueOverride]:
    """`GET .../overrides` as §27.1's cursor pages, latest start first (issue 15 item 16)."""
    statement = select(VenueOverride).where(VenueOverride.venue_id == venue_id)
    if not include_over:
        statement = statement.where(_not_over(now))
    order = [VenueOverride.starts_at, VenueOverride.id]
    return paginate(
        session, statement, order, page, descending=True, parse=[datetime.fromisoformat, uuid.UUID]
    )


def override_rules(session: Session, venue_id: uuid.UUID, now: datetime) -> list[OverrideRule]:
    """The venue's overrides that are active now or later, for the resolver."""
    return [override_rule(o) for o in list_overrides(session, venue_id, now)]


def override_rule(override: VenueOverride) -> OverrideRule:
    """The takeover in the resolver's terms."""
    return OverrideRule(
        override_id=override.id,
        target_type=override.target_type,
        target_id=override.target_id,
        playlist_id=override.playlist_id,
        starts_at_utc=override.starts_at,
        created_at_utc=override.created_at,
        ends_at_utc=override.ends_at,
        cancelled_at_utc=override.cancelled_at,
    )


def _not_over(now: datetime) -> ColumnElement[bool]:
    return and_(
        VenueOverride.cancelled_at.is_(None),
        or_(VenueOverride.ends_at.is_(None), VenueOverride.ends_at > now),
    )


def _validate(
    session: Session,
    venue: Venue,
    wanted: OverrideInput,
    target_id: uuid.UUID | None,
    starts_at: datetime,
) -> None:
    errors = []
    if not _target_in_venue(session, venue, wanted.target_type, target_id):
        errors.append({"location": "body.targetId", "message": "no such target here"})
    scope = LibraryScope(venue.tenant_id, venue.id)
    playlist = visible_playlist(session, scope, wanted.playlist_id)
    if playlist is None:
        errors.append({"location": "body.playlistId", "message": "no such playlist here"})
    elif playlist.published_version is None:
        errors.append({"location": "body.playlistId", "message": "the playlist is not published"})
    if wanted.ends_at is not None and wanted.ends_at <= starts_at:
        errors.append({"location": "body.endsAtUtc", "message": "must be after the start"})
    elif wanted.ends_at is not None and wanted.ends_at - starts_at > MAX_OVERRIDE_DURATION:
        errors.append({"location": "body.endsAtUtc", "message": "at most 31 days; use a slot"})
    if errors:
        raise ValidationFailedError("The override is not valid.", errors=errors)


def _target_in_venue(
    session: Session, venue: Venue, target_type: OverrideTargetType, target_id: uuid.UUID | None
) -> bool:
    if target_type is OverrideTargetType.VENUE:
        return True
    if target_id is None:
        return False
    if target_type is OverrideTargetType.GROUP:
        group = session.get(DeviceGroup, target_id)
        return group is not None and group.venue_id == venue.id
    device = session.get(Device, target_id)
    return device is not None and device.venue_id == venue.id and device.deleted_at is None


def _announce(
    session: Session,
    venue: Venue,
    override: VenueOverride,
    event: PublishEventType,
    user_id: uuid.UUID,
    now: datetime,
    who: audit.AuditContext,
) -> None:
    bump_venue_epoch(session, venue.id, now)
    snapshot = {
        "overrideId": str(override.id),
        "name": override.name,
        "targetType": str(override.target_type),
        "targetId": str(override.target_id),
        "playlistId": str(override.playlist_id),
        "startsAtUtc": override.starts_at.isoformat(),
        "endsAtUtc": override.ends_at.isoformat() if override.ends_at else None,
        "cancelledAtUtc": override.cancelled_at.isoformat() if override.cancelled_at else None,
    }
    publication = Publication(
        tenant_id=venue.tenant_id,
        venue_id=venue.id,
        type=event,
        entity_id=override.id,
        snapshot=snapshot,
        audit_target=(AuditTarget.OVERRIDE, override.id),
    )
    record_publish(session, who, publication, user_id=user_id, now=now, details=snapshot)
