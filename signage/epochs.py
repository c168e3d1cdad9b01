"""The venue manifest epoch (§26.9): moved in the same transaction as every change that can
alter what a venue's screens play, so manifest caches keyed by it (§31.8) never serve stale."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from signage.db.models import VenueEpoch


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
