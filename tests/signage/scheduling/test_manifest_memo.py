"""A venue snapshot remembers each device's resolved manifest until its validToUtc (issue 18
item 2): the remembered answer is the one resolving afresh would give, at every instant."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from signage.enums import SlotTargetType
from signage.manifest.cache import LocalManifestStore
from signage.manifest.document import ManifestItem, PlaylistSnapshot
from signage.manifest.service import ManifestService
from signage.manifest.snapshot import DeviceFacts, VenueSnapshot
from signage.scheduling.model import SlotRule
from signage.storage.local import LocalStorage

START = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)  # the evening before London's clocks go forward
VENUE, DEVICE, GROUP = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)
LUNCH, EVENING = uuid.UUID(int=10), uuid.UUID(int=11)


def playlist(playlist_id: uuid.UUID) -> PlaylistSnapshot:
    item = ManifestItem(uuid.UUID(int=99), "IMAGE", "t/a.png", "a" * 64, 10, 64, 36, 1000)
    return PlaylistSnapshot(playlist_id, 1, (item,))


def slot(playlist_id: uuid.UUID, start: int, end: int) -> SlotRule:
    return SlotRule(
        slot_id=uuid.uuid4(),
        target_type=SlotTargetType.GROUP,
        target_id=GROUP,
        playlist_id=playlist_id,
        days_of_week_mask=127,
        start_minutes=start,
        end_minutes=end,
        priority=1,
        updated_at_utc=START,
    )


def venue_snapshot() -> VenueSnapshot:
    """The bar group's lunch 12:00-14:00 and evening 18:00-01:00 (across midnight), London."""
    return VenueSnapshot(
        venue_id=VENUE,
        epoch=1,
        venue_name="The Fortescue Arms",
        tenant_timezone="Europe/London",
        venue_timezone="Europe/London",
        fallback_playlist_id=None,
        last_published_playlist_id=None,
        slots=(slot(LUNCH, 12 * 60, 14 * 60), slot(EVENING, 18 * 60, 60)),
        overrides=(),
        devices={DEVICE: DeviceFacts(DEVICE, GROUP, None, {"orientation": "LANDSCAPE"}, "Bar")},
        playlists={LUNCH: playlist(LUNCH), EVENING: playlist(EVENING)},
    )


def service() -> ManifestService:
    """A service whose documents would be signed for local storage (never read here)."""
    storage = LocalStorage(
        Path("/nonexistent"),
        public_base_url="http://testserver",
        signing_secret="s" * 40,
        max_object_bytes=1,
        clock=lambda: START,
    )
    return ManifestService(storage, LocalManifestStore(lambda: START), timedelta(minutes=5))


instants = st.integers(0, 3 * 24 * 3600).map(lambda seconds: START + timedelta(seconds=seconds))


@settings(max_examples=200, deadline=None)
@given(st.lists(instants, min_size=2, max_size=12).map(sorted))
def test_the_remembered_manifest_is_what_resolving_afresh_gives(polls: list[datetime]) -> None:
    """Polls across two midnights and a DST change: each answer equals a fresh resolution."""
    remembering, snapshot = service(), venue_snapshot()
    for now in polls:
        answered = remembering._resolve_in(snapshot, DEVICE, now)
        fresh = service()._resolve_in(venue_snapshot(), DEVICE, now)
        assert answered == fresh, now


def test_it_is_used_until_valid_to_and_not_before_it_was_resolved() -> None:
    snapshot = venue_snapshot()
    lunch = START.replace(day=30, hour=11, minute=30)  # 12:30 BST
    manifest = service()._resolve_in(snapshot, DEVICE, lunch)
    assert manifest.playlist == playlist(LUNCH)
    assert manifest.valid_to_utc <= START.replace(day=30, hour=13)  # lunch ends at 14:00 BST
    assert snapshot.resolved(DEVICE, lunch + timedelta(minutes=20)) is manifest
    assert snapshot.resolved(DEVICE, manifest.valid_to_utc) is None
    assert snapshot.resolved(DEVICE, lunch - timedelta(seconds=1)) is None
    assert snapshot.resolved(uuid.UUID(int=4), lunch) is None
