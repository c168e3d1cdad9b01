"""Wire models of the player endpoints (§27.8). Unknown fields are ignored rather than refused
so that newer players keep talking to older servers; known fields are validated one by one."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field

from api.schemas.base import ApiModel
from signage.enums import (
    AssetType,
    CommandType,
    DeviceEventType,
    EventSeverity,
    NetworkType,
    Orientation,
    PlayerState,
    RunMode,
)
from signage.telemetry.ingest import MAX_EVENTS_PER_BATCH

Count = Field(default=None, ge=0, le=2**31 - 1)
Bytes = Field(default=None, ge=0, le=2**53)


class PlayerModel(ApiModel):
    model_config = ConfigDict(extra="ignore")


class PlaybackIn(PlayerModel):
    playlist_id: uuid.UUID | None = None
    published_version: int | None = Count
    current_asset_id: uuid.UUID | None = None
    current_item_index: int | None = Count
    loop_count: int | None = Count


class CacheIn(PlayerModel):
    total_bytes: int | None = Bytes
    used_bytes: int | None = Bytes
    asset_count: int | None = Count
    pending_downloads: int | None = Count


class NetworkIn(PlayerModel):
    connected: bool | None = None
    type: NetworkType | None = None
    last_sync_at_utc: datetime | None = None


class ErrorsIn(PlayerModel):
    playback_failures: int | None = Count
    download_failures: int | None = Count
    manifest_fetch_failures: int | None = Count


class HeartbeatIn(PlayerModel):
    """§27.8.2. `deviceTime` may be omitted by a player that does not trust its clock."""

    device_time: datetime | None = None
    app_version: str | None = Field(default=None, max_length=64)
    state: PlayerState
    manifest_etag: str | None = Field(default=None, max_length=128)
    playback: PlaybackIn = Field(default_factory=PlaybackIn)
    cache: CacheIn = Field(default_factory=CacheIn)
    network: NetworkIn = Field(default_factory=NetworkIn)
    errors: ErrorsIn = Field(default_factory=ErrorsIn)


class EventIn(PlayerModel):
    event_id: uuid.UUID | None = Field(
        default=None, description="Extension of §27.8.3: a client id that makes retries safe"
    )
    event_type: DeviceEventType
    event_time_utc: datetime
    severity: EventSeverity
    payload: dict[str, Any] = Field(default_factory=dict)


class EventBatchIn(PlayerModel):
    device_time: datetime | None = None
    events: list[EventIn] = Field(min_length=1, max_length=MAX_EVENTS_PER_BATCH)


class PlayerCommandOut(ApiModel):
    command_id: uuid.UUID
    type: CommandType
    parameters: dict[str, Any]
    issued_at_utc: datetime


class PlayerCommandsOut(ApiModel):
    items: list[PlayerCommandOut]
    next_cursor: str | None = None  # §27.1 pagination: more commands wait (issue 15 item 16)


class CommandResultIn(PlayerModel):
    status: str = Field(pattern="^(SUCCEEDED|FAILED)$")
    result: dict[str, Any] | None = None
    error: str | None = Field(default=None, max_length=2000)


# -- manifest (§27.8.1); documented here, served as pre-rendered JSON -------------------------


class ManifestSettingsOut(ApiModel):
    run_mode: RunMode
    launch_on_boot: bool
    auto_relaunch: bool
    keep_awake: bool
    watchdog_return_to_foreground: bool
    orientation: Orientation
    # Optional: absent from a last-good manifest kept before it was sent (§31.9).
    cache_budget_bytes: int | None = Field(
        default=None,
        description="The device's cache budget (§11.1): the player evicts to stay within it",
    )


class ManifestItemOut(ApiModel):
    asset_id: uuid.UUID
    type: AssetType
    url: str = Field(description="Signed download URL, valid past validToUtc by a grace period")
    checksum_sha256: str
    duration_seconds: int = Field(description="Images: display time. Videos: their length")
    width_px: int
    height_px: int
    file_size_bytes: int


class ManifestPlaylistOut(ApiModel):
    playlist_id: uuid.UUID
    published_version: int
    items: list[ManifestItemOut]


class ManifestScreenOut(ApiModel):
    """Extension of §27.8.1: which screen this is, shown on the player's own slides."""

    device_name: str
    venue_name: str


class ManifestOut(ApiModel):
    manifest_etag: str = Field(description="Send back as If-None-Match; also the ETag header")
    valid_to_utc: datetime
    next_check_seconds: int
    settings: ManifestSettingsOut
    screen: ManifestScreenOut | None = Field(
        default=None,
        description="Extension: the screen's name and venue, for the player's own slides "
        "(connecting, nothing to show, errors). Absent from manifests served from before it "
        "existed; players treat it as optional.",
    )
    playlist: ManifestPlaylistOut | None = Field(description="null: nothing to play (§28.4)")
