"""Builders for wire objects used across the player tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from player.wire import Manifest

T0 = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def item_json(
    asset_id: str,
    kind: str = "IMAGE",
    duration: int = 1,
    url: str | None = None,
    checksum: str | None = None,
    size: int = 1000,
    enabled: bool = True,
) -> dict[str, Any]:
    return {
        "assetId": asset_id,
        "type": kind,
        "url": url or f"http://cdn.invalid/{asset_id}",
        "checksumSha256": checksum or hashlib.sha256(asset_id.encode()).hexdigest(),
        "durationSeconds": duration,
        "widthPx": 64,
        "heightPx": 48,
        "fileSizeBytes": size,
        "enabled": enabled,
    }


def manifest_json(
    etag: str,
    items: list[dict[str, Any]] | None,
    valid_to: datetime | None = None,
    next_check: int = 60,
    playlist_id: str = "pl_1",
) -> dict[str, Any]:
    return {
        "manifestEtag": etag,
        "validToUtc": (valid_to or T0 + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "nextCheckSeconds": next_check,
        "settings": {"runMode": "KIOSK", "orientation": "LANDSCAPE"},
        "playlist": None
        if items is None
        else {"playlistId": playlist_id, "publishedVersion": 1, "items": items},
    }


def manifest(etag: str, *asset_ids: str, valid_to: datetime | None = None) -> Manifest:
    return Manifest.from_json(manifest_json(etag, [item_json(a) for a in asset_ids], valid_to))
