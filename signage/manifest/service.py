"""The manifest resolver's shell (§12, §31): epoch -> venue snapshot -> pure resolver -> ETag.

Per request the database is asked one thing, the venue's epoch (a primary-key read); the
snapshot for that epoch, the compiled schedule of the device's group and the rendered document
are cached. A 304 therefore costs the epoch read, one resolver call and a hash (§31.7).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from signage.errors import AuthenticationError
from signage.manifest.cache import ManifestStore, SnapshotCache
from signage.manifest.document import (
    Manifest,
    ScreenIdentity,
    grid_valid_to,
    manifest_etag,
    render,
)
from signage.manifest.snapshot import VenueSnapshot, current_epoch, load_snapshot
from signage.scheduling.resolver import next_check_seconds, resolve_compiled
from signage.storage.base import ObjectStorage

DEFAULT_POLL_SECONDS = 60
# Under load many screens of a venue poll each second; one epoch read per venue per second
# serves them all, and a publish still reaches every screen at its next poll (§15).
EPOCH_RECHECK = timedelta(seconds=1)
# After a failure the player is asked back sooner than usual, but not in a tight loop.
DEGRADED_POLL_SECONDS = 30


@dataclass
class ManifestService:
    storage: ObjectStorage
    store: ManifestStore
    url_grace: timedelta
    poll_seconds: int = DEFAULT_POLL_SECONDS

    def __post_init__(self) -> None:
        self.snapshots = SnapshotCache()

    def resolve(
        self, session: Session, venue_id: uuid.UUID, device_id: uuid.UUID, now: datetime
    ) -> Manifest:
        """What `device_id` should play now, as a Manifest with its ETag (§27.8.1)."""
        return self._resolve_in(self.snapshot(session, venue_id, now, fresh=False), device_id, now)

    def resolve_cached(
        self,
        venue_id: uuid.UUID,
        device_id: uuid.UUID,
        now: datetime,
        within: timedelta = EPOCH_RECHECK,
    ) -> Manifest | None:
        """`resolve` from this process's memory alone: None when the venue's snapshot has not
        been confirmed `within` before `now` (then `resolve` reads the epoch)."""
        recent = self.snapshots.recent(venue_id, now, within)
        return None if recent is None else self._resolve_in(recent, device_id, now)

    def needs_epoch_check(self, venue_id: uuid.UUID, now: datetime) -> bool:
        """Whether the venue's snapshot was last confirmed EPOCH_RECHECK or more ago."""
        return self.snapshots.recent(venue_id, now, EPOCH_RECHECK) is None

    def _resolve_in(self, snapshot: VenueSnapshot, device_id: uuid.UUID, now: datetime) -> Manifest:
        manifest = snapshot.resolved(device_id, now)
        if manifest is None:
            manifest = self._resolve_afresh(snapshot, device_id, now)
            snapshot.keep_resolved(device_id, now, manifest)
        return manifest

    def _resolve_afresh(
        self, snapshot: VenueSnapshot, device_id: uuid.UUID, now: datetime
    ) -> Manifest:
        venue_id = snapshot.venue_id
        device = snapshot.devices.get(device_id)
        if device is None:  # removed, or moved to another venue since the token was issued
            raise AuthenticationError("This device is not registered here; pair it again.")
        resolution = resolve_compiled(snapshot.compiled_for(device), snapshot.overrides, now)
        playlist = (
            None
            if resolution.playlist_id is None
            else snapshot.playlists.get(uuid.UUID(str(resolution.playlist_id)))
        )
        valid_to = grid_valid_to(venue_id, now, resolution.valid_to_utc)
        screen = ScreenIdentity(device.name, snapshot.venue_name)
        etag = manifest_etag(device.settings, playlist, valid_to, screen)
        return Manifest(etag, valid_to, device.settings, playlist, screen)

    def snapshot(
        self, session: Session, venue_id: uuid.UUID, now: datetime, *, fresh: bool = True
    ) -> VenueSnapshot:
        """The venue's snapshot at its current epoch, from this process's cache when it can.
        Not `fresh`: an epoch confirmed within EPOCH_RECHECK is trusted without reading it."""
        if not fresh:
            recent = self.snapshots.recent(venue_id, now, EPOCH_RECHECK)
            if recent is not None:
                return recent
        epoch = current_epoch(session, venue_id)
        snapshot = self.snapshots.get(venue_id, epoch)
        if snapshot is None:
            snapshot = load_snapshot(session, venue_id, epoch, now)
        self.snapshots.put(snapshot, now)
        return snapshot

    def body(
        self, manifest: Manifest, device_id: uuid.UUID, now: datetime, *, degraded: bool = False
    ) -> dict[str, Any]:
        """The 200 document: rendered once per ETag, with this device's poll interval."""
        check = self.next_check(manifest, device_id, now, degraded=degraded)
        return {**self.document(manifest, now), "nextCheckSeconds": check}

    def document(self, manifest: Manifest, now: datetime) -> dict[str, Any]:
        """The document every device with this ETag gets, its URLs signed: rendered once."""
        document = self.store.document(manifest.etag)
        if document is None:
            # A last-good manifest served in a failure may be past its window: sign from now.
            expires = max(manifest.valid_to_utc, now) + self.url_grace
            document = render(manifest, 0, lambda key: self.storage.presign_get(key, expires))
            ttl = int((manifest.valid_to_utc - now).total_seconds())
            if ttl > 0:
                self.store.keep_document(manifest.etag, document, ttl)
        return document

    def next_check(
        self, manifest: Manifest, device_id: uuid.UUID, now: datetime, *, degraded: bool = False
    ) -> int:
        """This device's nextCheckSeconds (jittered per device, never past validToUtc)."""
        if degraded or manifest.valid_to_utc <= now:
            return DEGRADED_POLL_SECONDS
        return next_check_seconds(device_id, now, manifest.valid_to_utc, self.poll_seconds)

    def remember(self, device_id: uuid.UUID, manifest: Manifest) -> None:
        self.store.keep_last_good(device_id, manifest)

    def last_good(self, device_id: uuid.UUID) -> Manifest | None:
        return self.store.last_good(device_id)
