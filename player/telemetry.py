"""Heartbeat body (§27.8.2) and the error counters it reports, built from plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from player.wire import format_utc


@dataclass
class ErrorCounters:
    """Failures since the last heartbeat the server accepted (§27.8.2 `errors`)."""

    playback_failures: int = 0
    download_failures: int = 0
    manifest_fetch_failures: int = 0

    def subtract(self, sent: ErrorCounters) -> None:
        """Forget what a delivered heartbeat reported; failures since then stay counted."""
        self.playback_failures -= sent.playback_failures
        self.download_failures -= sent.download_failures
        self.manifest_fetch_failures -= sent.manifest_fetch_failures

    def copy(self) -> ErrorCounters:
        return ErrorCounters(
            self.playback_failures, self.download_failures, self.manifest_fetch_failures
        )


@dataclass(frozen=True)
class PlaybackReport:
    playlist_id: str | None
    published_version: int | None
    current_asset_id: str | None
    current_item_index: int | None
    loop_count: int


@dataclass(frozen=True)
class CacheReport:
    total_bytes: int
    used_bytes: int
    asset_count: int
    pending_downloads: int


@dataclass(frozen=True)
class NetworkReport:
    connected: bool
    type: str  # ETHERNET, WIFI or NONE
    last_sync_at_utc: datetime | None


def heartbeat_body(
    device_time: datetime,
    app_version: str,
    state: str,
    manifest_etag: str | None,
    playback: PlaybackReport,
    cache: CacheReport,
    network: NetworkReport,
    errors: ErrorCounters,
) -> dict[str, Any]:
    """The exact JSON of §27.8.2."""
    return {
        "deviceTime": format_utc(device_time),
        "appVersion": app_version,
        "state": state,
        "manifestEtag": manifest_etag,
        "playback": {
            "playlistId": playback.playlist_id,
            "publishedVersion": playback.published_version,
            "currentAssetId": playback.current_asset_id,
            "currentItemIndex": playback.current_item_index,
            "loopCount": playback.loop_count,
        },
        "cache": {
            "totalBytes": cache.total_bytes,
            "usedBytes": cache.used_bytes,
            "assetCount": cache.asset_count,
            "pendingDownloads": cache.pending_downloads,
        },
        "network": {
            "connected": network.connected,
            "type": network.type if network.connected else "NONE",
            "lastSyncAtUtc": format_utc(network.last_sync_at_utc)
            if network.last_sync_at_utc
            else None,
        },
        "errors": {
            "playbackFailures": errors.playback_failures,
            "downloadFailures": errors.download_failures,
            "manifestFetchFailures": errors.manifest_fetch_failures,
        },
    }
