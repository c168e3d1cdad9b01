"""The pure parts of the manifest (§27.8.1): validity grid and ETag."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from signage.manifest.document import (
    ManifestItem,
    PlaylistSnapshot,
    grid_valid_to,
    manifest_etag,
)

SIX_HOURS = timedelta(hours=6)
FAR = datetime(2100, 1, 1, tzinfo=UTC)
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
)
SETTINGS = {"runMode": "KIOSK", "orientation": "LANDSCAPE"}


def snapshot(checksum: str = "a" * 64, version: int = 1) -> PlaylistSnapshot:
    item = ManifestItem(uuid.UUID(int=7), "IMAGE", "t/a.png", checksum, 10, 64, 36, 1000)
    return PlaylistSnapshot(uuid.UUID(int=1), version, (item,))


@given(st.uuids(), instants)
def test_the_grid_point_is_after_now_and_at_most_six_hours_ahead(
    venue: uuid.UUID, now: datetime
) -> None:
    valid_to = grid_valid_to(venue, now, FAR)
    assert now < valid_to <= now + SIX_HOURS
    assert valid_to.microsecond == 0


@given(st.uuids(), instants, st.floats(min_value=0, max_value=1))
def test_every_instant_before_the_grid_point_gets_the_same_one(
    venue: uuid.UUID, now: datetime, fraction: float
) -> None:
    """So requests in any process during one window agree on validToUtc and the ETag."""
    valid_to = grid_valid_to(venue, now, FAR)
    later = now + (valid_to - now) * fraction
    if later < valid_to:
        assert grid_valid_to(venue, later, FAR) == valid_to


@given(st.uuids(), instants, st.timedeltas(min_value=timedelta(seconds=1), max_value=SIX_HOURS))
def test_a_nearer_change_wins(venue: uuid.UUID, now: datetime, ahead: timedelta) -> None:
    change = now + ahead
    assert grid_valid_to(venue, now, change) == min(change, grid_valid_to(venue, now, FAR))


def test_venues_roll_over_at_different_times() -> None:
    now = datetime(2026, 6, 15, 12, tzinfo=UTC)
    points = {grid_valid_to(uuid.UUID(int=n), now, FAR) for n in range(50)}
    assert len(points) > 40


def test_the_etag_follows_content_settings_and_validity_only() -> None:
    valid_to = datetime(2026, 6, 15, 13, tzinfo=UTC)
    base = manifest_etag(SETTINGS, snapshot(), valid_to)
    assert base == manifest_etag(dict(SETTINGS), snapshot(), valid_to)
    assert base.startswith("m:")
    different = [
        manifest_etag(SETTINGS, snapshot(version=2), valid_to),
        manifest_etag(SETTINGS, snapshot(checksum="b" * 64), valid_to),
        manifest_etag({**SETTINGS, "orientation": "PORTRAIT"}, snapshot(), valid_to),
        manifest_etag(SETTINGS, snapshot(), valid_to + timedelta(seconds=1)),
        manifest_etag(SETTINGS, None, valid_to),
    ]
    assert base not in different
    assert len(set(different)) == len(different)
