"""Deleting a playlist (§29.4.4 "playlist CRUD", issue 15 item 15).

A playlist nothing will play is deleted (soft: its published snapshots stay for history); one
that something plays or is about to play is refused with a 409 naming each use, so a screen
never loses its content to a delete: the published schedule of a venue, a draft slot (its next
publish would fail), a venue's fallback, or an override that has not ended."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from signage import audit
from signage.audit import AuditTarget
from signage.content.scope import LibraryScope
from signage.db.models import (
    SchedulePublishedSlot,
    ScheduleSlot,
    Venue,
    VenueOverride,
    VenueScheduleSet,
)
from signage.epochs import bump_venues_playing
from signage.errors import ConflictError
from signage.playlists.drafts import get_playlist
from signage.queries import live


@dataclass(frozen=True)
class PlaylistUse:
    """One place that plays (or will play) a playlist."""

    kind: str  # PUBLISHED_SCHEDULE, DRAFT_SCHEDULE, VENUE_FALLBACK or OVERRIDE
    venue_id: uuid.UUID
    venue_name: str
    override_id: uuid.UUID | None = None

    def as_context(self) -> dict[str, str]:
        found = {"kind": self.kind, "venueId": str(self.venue_id), "venueName": self.venue_name}
        if self.override_id is not None:
            found["overrideId"] = str(self.override_id)
        return found


def uses_of(session: Session, playlist_id: uuid.UUID, now: datetime) -> list[PlaylistUse]:
    """Every live use of the playlist, in its tenant's venues that still exist."""
    venue = select(Venue.id, Venue.name).where(live(Venue)).subquery()
    published = (
        select(venue.c.id, venue.c.name)
        .join(VenueScheduleSet, VenueScheduleSet.venue_id == venue.c.id)
        .join(
            SchedulePublishedSlot,
            and_(
                SchedulePublishedSlot.venue_id == venue.c.id,
                SchedulePublishedSlot.published_version == VenueScheduleSet.published_version,
            ),
        )
        .where(SchedulePublishedSlot.playlist_id == playlist_id)
        .distinct()
    )
    drafted = (
        select(venue.c.id, venue.c.name)
        .join(ScheduleSlot, ScheduleSlot.venue_id == venue.c.id)
        .where(ScheduleSlot.playlist_id == playlist_id)
        .distinct()
    )
    fallback = select(Venue.id, Venue.name).where(
        Venue.fallback_playlist_id == playlist_id, live(Venue)
    )
    overrides = (
        select(venue.c.id, venue.c.name, VenueOverride.id)
        .join(VenueOverride, VenueOverride.venue_id == venue.c.id)
        .where(
            VenueOverride.playlist_id == playlist_id,
            VenueOverride.cancelled_at.is_(None),
            or_(VenueOverride.ends_at.is_(None), VenueOverride.ends_at > now),
        )
    )
    return [
        *(PlaylistUse("PUBLISHED_SCHEDULE", i, n) for i, n in session.execute(published)),
        *(PlaylistUse("DRAFT_SCHEDULE", i, n) for i, n in session.execute(drafted)),
        *(PlaylistUse("VENUE_FALLBACK", i, n) for i, n in session.execute(fallback)),
        *(PlaylistUse("OVERRIDE", i, n, o) for i, n, o in session.execute(overrides)),
    ]


def in_use_error(uses: list[PlaylistUse]) -> ConflictError:
    """The 409 that names where a playlist is still used."""
    where = "; ".join(f"{u.kind.lower().replace('_', ' ')} at {u.venue_name}" for u in uses)
    return ConflictError(
        f"This playlist is in use ({where}); take it out of those first.",
        context={"usedBy": [u.as_context() for u in uses]},
    )


def delete_playlist(
    session: Session,
    scope: LibraryScope,
    playlist_id: uuid.UUID,
    *,
    now: datetime,
    who: audit.AuditContext,
) -> None:
    """Soft-delete a playlist `scope` owns, unless something uses it (409 naming the uses)."""
    playlist = get_playlist(session, scope, playlist_id, for_update=True)
    uses = uses_of(session, playlist.id, now)
    if uses:
        raise in_use_error(uses)
    playlist.deleted_at = now
    if playlist.published_version is not None:
        # It may still be a venue's §31.5 "last published" fallback with no other use: the
        # venues that see it move to their next fallback at their next poll.
        bump_venues_playing(session, playlist.id, playlist.tenant_id, playlist.scope_venue_id, now)
    audit.record(
        session,
        who,
        audit.AuditAction.PLAYLIST_DELETED,
        tenant_id=playlist.tenant_id,
        now=now,
        target_type=AuditTarget.PLAYLIST,
        target_id=playlist.id,
        details={"name": playlist.name},
    )
