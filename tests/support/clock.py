"""A controllable clock: time is a parameter everywhere in the platform."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from signage.manifest.document import grid_valid_to


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 6, 15, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def clear_of_validity_boundary(
    clock: FakeClock, venue_id: uuid.UUID, span: timedelta = timedelta(minutes=10)
) -> None:
    """Move `clock` just past the venue's next 6-hourly validity boundary when it falls within
    `span`. The boundary's phase comes from the venue's random id, and crossing it rightly
    changes validToUtc and so the manifest's ETag: a test that polls twice expecting a 304
    would fail on the rare run whose boundary lies between the polls."""
    boundary = grid_valid_to(venue_id, clock.now, datetime.max.replace(tzinfo=UTC))
    if boundary - clock.now <= span:
        clock.now = boundary + timedelta(seconds=1)
