"""The manifest of §27.8.1 as pure functions: validity, ETag and the JSON document.

ETag (§12 "ETag supports conditional updates"): a digest of what the player acts on: the
settings, the playlist snapshot (id, version, items and their checksums) and validToUtc. Signed
URLs are left out, so re-signing never changes it. validToUtc is in it because a player that got
a 304 would otherwise keep an expired validToUtc and poll at its "expired" cadence.

validToUtc: the resolver's next change (§31.6), but when nothing changes for 6 h it is cut at a
point of a fixed 6-hourly grid whose phase is drawn from the venue id, not at now + 6 h. Every
request in the same window, in any API process, then gets the same validToUtc and ETag (so 304s
keep working), and venues roll their windows over at different times (no fleet-wide 200 storm).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from signage.scheduling.model import epoch_micros
from signage.scheduling.resolver import MAX_VALIDITY

_GRID = MAX_VALIDITY
_GRID_SECONDS = int(_GRID.total_seconds())
_GRID_MICROS = _GRID_SECONDS * 1_000_000


@dataclass(frozen=True, slots=True)
class ManifestItem:
    """One asset of a published playlist snapshot, with what the player needs to fetch it."""

    asset_id: uuid.UUID
    type: str
    storage_key: str
    checksum_sha256: str
    duration_seconds: int  # images: as set; videos: their length, informational (§9)
    width_px: int
    height_px: int
    file_size_bytes: int


@dataclass(frozen=True, slots=True)
class PlaylistSnapshot:
    playlist_id: uuid.UUID
    published_version: int
    items: tuple[ManifestItem, ...]


@dataclass(frozen=True, slots=True)
class ScreenIdentity:
    """Which screen this is, for the player's own slides (an extension of §27.8.1: staff tell
    screens apart by the name and venue shown on "connecting" and error slides)."""

    device_name: str
    venue_name: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """A resolved manifest: the document minus nextCheckSeconds, which is per device."""

    etag: str
    valid_to_utc: datetime
    settings: Mapping[str, Any]
    playlist: PlaylistSnapshot | None
    screen: ScreenIdentity | None = None


def grid_valid_to(venue_id: uuid.UUID, now_utc: datetime, change_utc: datetime) -> datetime:
    """min(change, the venue's next 6-hourly grid point strictly after now)."""
    seed = int.from_bytes(hashlib.sha256(venue_id.bytes).digest()[:8], "big")
    phase = seed % _GRID_SECONDS * 1_000_000  # whole seconds, for readable validToUtc values
    now = epoch_micros(now_utc)
    steps = (now - phase) // _GRID_MICROS + 1
    grid_point = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(
        microseconds=phase + steps * _GRID_MICROS
    )
    return min(change_utc, grid_point)


def manifest_etag(
    settings: Mapping[str, Any],
    playlist: PlaylistSnapshot | None,
    valid_to_utc: datetime,
    screen: ScreenIdentity | None = None,
) -> str:
    """The manifestEtag: opaque, strong, the same for the same content in every process.
    A renamed screen or venue changes it, so the new name reaches the screen's slides."""
    content = {
        "settings": dict(settings),
        "screen": screen_json(screen),
        "validToUtc": iso_utc(valid_to_utc),
        "playlist": None
        if playlist is None
        else {
            "id": str(playlist.playlist_id),
            "version": playlist.published_version,
            "items": [
                [str(i.asset_id), i.checksum_sha256, i.duration_seconds] for i in playlist.items
            ],
        },
    }
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    return f"m:{digest[:32]}"


def render(
    manifest: Manifest,
    next_check_seconds: int,
    sign_url: Callable[[str], str],
) -> dict[str, Any]:
    """The §27.8.1 body. `sign_url` turns a storage key into a download URL."""
    return {
        "manifestEtag": manifest.etag,
        "validToUtc": iso_utc(manifest.valid_to_utc),
        "nextCheckSeconds": next_check_seconds,
        "settings": dict(manifest.settings),
        "screen": screen_json(manifest.screen),
        "playlist": None
        if manifest.playlist is None
        else {
            "playlistId": str(manifest.playlist.playlist_id),
            "publishedVersion": manifest.playlist.published_version,
            "items": [_item(item, sign_url) for item in manifest.playlist.items],
        },
    }


def screen_json(screen: ScreenIdentity | None) -> dict[str, str] | None:
    """The manifest's `screen` member, or None."""
    if screen is None:
        return None
    return {"deviceName": screen.device_name, "venueName": screen.venue_name}


def screen_from_json(data: Mapping[str, Any] | None) -> ScreenIdentity | None:
    """The screen identity a manifest's `screen` member names, or None."""
    if not data:
        return None
    return ScreenIdentity(str(data["deviceName"]), str(data["venueName"]))


def _item(item: ManifestItem, sign_url: Callable[[str], str]) -> dict[str, Any]:
    return {
        "assetId": str(item.asset_id),
        "type": item.type,
        "url": sign_url(item.storage_key),
        "checksumSha256": item.checksum_sha256,
        "durationSeconds": item.duration_seconds,
        "widthPx": item.width_px,
        "heightPx": item.height_px,
        "fileSizeBytes": item.file_size_bytes,
    }


def iso_utc(value: datetime) -> str:
    """An ISO 8601 UTC time ending in Z, as the wire writes times (§30.1)."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
