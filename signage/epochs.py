"""The venue manifest epoch (§26.9): moved in the same transaction as every change that can
alter what a venue's screens play, so manifest caches keyed by it (§31.8) never serve stale."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, union, update
from sqlalchemy.orm import Session

from signage.db.models import (
    SchedulePublishedSlot,
    Venue,
    VenueEpoch,
    VenueOverride,
    VenueScheduleSet,
)
from signage.queries import live


def bump_venue_epoch(session: Session, venue_id: uuid.UUID, now: datetime) -> None:
    """Move the venue's epoch on, so cached manifests of its screens are rebuilt (§26.9)."""
    session.execute(
        update(VenueEpoch)
        .where(VenueEpoch.venue_id == venue_id)
        .values(manifest_epoch=VenueEpoch.manifest_epoch + 1, updated_at=now)
    )


def venue_epoch(session: Session, venue_id: uuid.UUID) -> int:
    """The venue's current epoch."""
    return (
        session.scalar(select(VenueEpoch.manifest_epoch).where(VenueEpoch.venue_id == venue_id))
        or 0
    )


def bump_venues_playing(
    session: Session,
    playlist_id: uuid.UUID,
    tenant_id: uuid.UUID,
    home_venue_id: uuid.UUID | None,
    now: datetime,
) -> set[uuid.UUID]:
    """Bump every venue whose snapshot a publish of `playlist_id` can change (§15 "devices
    refresh automatically", §26.9): those playing it through their published schedule, their
    fallback or an override not yet over, and every venue that sees it, because a publish makes
    it that venue's §31.5 "last published" fallback (a shared playlist: every venue of the
    tenant). A bump of a venue whose manifests end up unchanged costs a snapshot read, never
    a re-download: the manifestEtag is a digest of the content (docs/architecture.md)."""
    venue_ids = set(session.scalars(_venues_playing(playlist_id, now)))
    venue_ids |= set(session.scalars(_venues_seeing(tenant_id, home_venue_id)))
    for venue_id in sorted(venue_ids):  # a fixed order, so concurrent publishes never deadlock
        bump_venue_epoch(session, venue_id, now)
    return venue_ids


def _venues_seeing(tenant_id: uuid.UUID, home_venue_id: uuid.UUID | None) -> Any:
    """The venues whose library includes a playlist of this scope (§6 Content Scope)."""
    if home_venue_id is not None:
        return select(Venue.id).where(Venue.id == home_venue_id)
    return select(Venue.id).where(Venue.tenant_id == tenant_id, live(Venue))


def _venues_playing(playlist_id: uuid.UUID, now: datetime) -> Any:
    scheduled = (
        select(SchedulePublishedSlot.venue_id)
        .join(
            VenueScheduleSet,
            (VenueScheduleSet.venue_id == SchedulePublishedSlot.venue_id)
            & (VenueScheduleSet.published_version == SchedulePublishedSlot.published_version),
        )
        .where(SchedulePublishedSlot.playlist_id == playlist_id)
    )
    fallback = select(Venue.id).where(Venue.fallback_playlist_id == playlist_id)
    overridden = select(VenueOverride.venue_id).where(
        VenueOverride.playlist_id == playlist_id,
        VenueOverride.cancelled_at.is_(None),
        or_(VenueOverride.ends_at.is_(None), VenueOverride.ends_at > now),
    )
    return union(scheduled, fallback, overridden)
