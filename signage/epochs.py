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


def bump_venue_epoch(session: Session, venue_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        update(VenueEpoch)
        .where(VenueEpoch.venue_id == venue_id)
        .values(manifest_epoch=VenueEpoch.manifest_epoch + 1, updated_at=now)
    )


def venue_epoch(session: Session, venue_id: uuid.UUID) -> int:
    return (
        session.scalar(select(VenueEpoch.manifest_epoch).where(VenueEpoch.venue_id == venue_id))
        or 0
    )


def bump_venues_playing(
    session: Session, playlist_id: uuid.UUID, home_venue_id: uuid.UUID | None, now: datetime
) -> set[uuid.UUID]:
    """Bump every venue whose screens can be showing `playlist_id` (§15 "devices refresh
    automatically"): through its published schedule, its fallback, an override not yet over,
    or, for a venue's own playlist, the last-published fallback (§31.5)."""
    venue_ids = set(session.scalars(_venues_playing(playlist_id, now)))
    if home_venue_id is not None:
        venue_ids.add(home_venue_id)
    for venue_id in sorted(venue_ids):  # a fixed order, so concurrent publishes never deadlock
        bump_venue_epoch(session, venue_id, now)
    return venue_ids


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
