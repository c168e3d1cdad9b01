"""Where resolved manifests are kept (§31.8, §31.9): Redis when configured, else in-process.

Two kinds of entry:
- rendered documents by manifestEtag: the ETag covers settings, playlist snapshot and validity,
  so one document serves every device (of any venue) with that ETag, until its validToUtc;
- the last good manifest of each device, served when resolution fails (§31.9), never expiring
  on its own: an old manifest beats a blank screen.
The per-venue snapshots the ETags are computed from are cached in each process by epoch
(signage.manifest.snapshot); they are cheap to rebuild and must not cross versions of the code.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any, Protocol

from signage.manifest.document import (
    Manifest,
    ManifestItem,
    PlaylistSnapshot,
    iso_utc,
    screen_from_json,
    screen_json,
)
from signage.manifest.snapshot import VenueSnapshot

MAX_LOCAL_DOCUMENTS = 10_000
MAX_LOCAL_LAST_GOOD = 100_000
MAX_LOCAL_SNAPSHOTS = 10_000


class ManifestStore(Protocol):
    def document(self, etag: str) -> dict[str, Any] | None: ...

    def keep_document(self, etag: str, document: dict[str, Any], ttl_seconds: int) -> None: ...

    def last_good(self, device_id: uuid.UUID) -> Manifest | None: ...

    def keep_last_good(self, device_id: uuid.UUID, manifest: Manifest) -> None: ...


class _Bounded(OrderedDict[Any, Any]):
    """A dict that forgets its least recently stored entry beyond `limit`."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def store(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


class LocalManifestStore:
    """One process's store; documents expire at their validToUtc via the given clock."""

    def __init__(self, clock: Any) -> None:
        self._clock = clock
        self._documents = _Bounded(MAX_LOCAL_DOCUMENTS)
        self._last_good = _Bounded(MAX_LOCAL_LAST_GOOD)
        self._lock = threading.Lock()

    def document(self, etag: str) -> dict[str, Any] | None:
        entry = self._documents.get(etag)
        if entry is None or entry[0] <= self._clock():
            return None
        document: dict[str, Any] = entry[1]
        return document

    def keep_document(self, etag: str, document: dict[str, Any], ttl_seconds: int) -> None:
        with self._lock:
            self._documents.store(etag, (self._clock() + timedelta(seconds=ttl_seconds), document))

    def last_good(self, device_id: uuid.UUID) -> Manifest | None:
        found: Manifest | None = self._last_good.get(device_id)
        return found

    def keep_last_good(self, device_id: uuid.UUID, manifest: Manifest) -> None:
        with self._lock:
            self._last_good.store(device_id, manifest)


class RedisManifestStore:
    """Shared by every API replica, so a failing replica can still serve what another resolved."""

    def __init__(self, client: Any, prefix: str = "signage:manifest") -> None:
        self._redis = client
        self._prefix = prefix

    def document(self, etag: str) -> dict[str, Any] | None:
        raw = self._redis.get(f"{self._prefix}:doc:{etag}")
        return None if raw is None else dict(json.loads(raw))

    def keep_document(self, etag: str, document: dict[str, Any], ttl_seconds: int) -> None:
        self._redis.set(f"{self._prefix}:doc:{etag}", json.dumps(document), ex=max(1, ttl_seconds))

    def last_good(self, device_id: uuid.UUID) -> Manifest | None:
        raw = self._redis.get(f"{self._prefix}:last:{device_id}")
        return None if raw is None else manifest_from_json(json.loads(raw))

    def keep_last_good(self, device_id: uuid.UUID, manifest: Manifest) -> None:
        self._redis.set(f"{self._prefix}:last:{device_id}", json.dumps(manifest_to_json(manifest)))


class SnapshotCache:
    """The newest snapshot of each venue this process has read; an epoch change replaces it.
    Each entry remembers when its epoch was last confirmed, so that under load the manifest
    path can skip the epoch read for a moment (`recent`)."""

    def __init__(self) -> None:
        self._snapshots = _Bounded(MAX_LOCAL_SNAPSHOTS)
        self._lock = threading.Lock()

    def get(self, venue_id: uuid.UUID, epoch: int) -> VenueSnapshot | None:
        entry = self._snapshots.get(venue_id)
        return entry[0] if entry is not None and entry[0].epoch == epoch else None

    def recent(self, venue_id: uuid.UUID, now: datetime, within: timedelta) -> VenueSnapshot | None:
        """The snapshot if its epoch was confirmed less than `within` before `now`."""
        entry = self._snapshots.get(venue_id)
        if entry is None or not timedelta(0) <= now - entry[1] < within:
            return None
        snapshot: VenueSnapshot = entry[0]
        return snapshot

    def put(self, snapshot: VenueSnapshot, confirmed_at: datetime) -> None:
        with self._lock:
            current = self._snapshots.get(snapshot.venue_id)
            if current is None or current[0].epoch <= snapshot.epoch:
                self._snapshots.store(snapshot.venue_id, (snapshot, confirmed_at))


def manifest_to_json(manifest: Manifest) -> dict[str, Any]:
    """The manifest as JSON a shared cache can hold."""
    playlist = manifest.playlist
    return {
        "etag": manifest.etag,
        "validToUtc": iso_utc(manifest.valid_to_utc),
        "settings": dict(manifest.settings),
        "screen": screen_json(manifest.screen),
        "playlist": None
        if playlist is None
        else {
            "playlistId": str(playlist.playlist_id),
            "publishedVersion": playlist.published_version,
            "items": [
                {
                    "assetId": str(i.asset_id),
                    "type": i.type,
                    "storageKey": i.storage_key,
                    "checksumSha256": i.checksum_sha256,
                    "durationSeconds": i.duration_seconds,
                    "widthPx": i.width_px,
                    "heightPx": i.height_px,
                    "fileSizeBytes": i.file_size_bytes,
                }
                for i in playlist.items
            ],
        },
    }


def manifest_from_json(data: dict[str, Any]) -> Manifest:
    """The manifest `manifest_to_json` stored."""
    raw = data["playlist"]
    playlist = (
        None
        if raw is None
        else PlaylistSnapshot(
            uuid.UUID(raw["playlistId"]),
            int(raw["publishedVersion"]),
            tuple(
                ManifestItem(
                    asset_id=uuid.UUID(i["assetId"]),
                    type=i["type"],
                    storage_key=i["storageKey"],
                    checksum_sha256=i["checksumSha256"],
                    duration_seconds=i["durationSeconds"],
                    width_px=i["widthPx"],
                    height_px=i["heightPx"],
                    file_size_bytes=i["fileSizeBytes"],
                )
                for i in raw["items"]
            ),
        )
    )
    return Manifest(
        etag=data["etag"],
        valid_to_utc=datetime.fromisoformat(data["validToUtc"]),
        settings=data["settings"],
        playlist=playlist,
        screen=screen_from_json(data.get("screen")),  # absent in entries kept before it existed
    )
