"""Wire models of the player endpoints (§27.8). Telemetry is forward-compatible (issue 15 item
4, §32.4): unknown fields are allowed and kept, enumerated values and ids are read as strings and
understood by signage.telemetry.reading, so a newer or foreign player is never refused for them;
known fields are validated one by one."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
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
    model_config = ConfigDict(extra="allow")

    def has_extras(self) -> bool:
        """Whether it or a part of it carries fields this server does not know."""
        parts = (getattr(self, name) for name in type(self).model_fields)
        nested = any(p.has_extras() for p in parts if isinstance(p, PlayerModel))
        return bool(self.model_extra) or nested


def open_enum(values: type[StrEnum], required: bool = False) -> Any:
    """A value of `values`, or one a newer client knows and this server keeps as sent."""
    described = ", ".join(values)
    return Field(
        default=... if required else None,
        max_length=64,
        description=f"One of {described}; another value is accepted and kept as sent",
    )


def foreign_id() -> Any:
    """An id: a UUID here, another client's own format (`pl_042`) accepted and kept as sent."""
    return Field(default=None, max_length=200, description="A UUID; other formats kept as sent")


class PlaybackIn(PlayerModel):
    playlist_id: str | None = foreign_id()
    published_version: int | None = Count
    current_asset_id: str | None = foreign_id()
    current_item_index: int | None = Count
    loop_count: int | None = Count


class CacheIn(PlayerModel):
    total_bytes: int | None = Bytes
    used_bytes: int | None = Bytes
    asset_count: int | None = Count
    pending_downloads: int | None = Count


class NetworkIn(PlayerModel):
    connected: bool | None = None
    type: str | None = open_enum(NetworkType)
    last_sync_at_utc: datetime | None = None


class ErrorsIn(PlayerModel):
    playback_failures: int | None = Count
    download_failures: int | None = Count
    manifest_fetch_failures: int | None = Count


class HeartbeatIn(PlayerModel):
    """§27.8.2. `deviceTime` may be omitted by a player that does not trust its clock."""

    device_time: datetime | None = None
    app_version: str | None = Field(default=None, max_length=64)
    state: str = open_enum(PlayerState, required=True)
    manifest_etag: str | None = Field(default=None, max_length=128)
    playback: PlaybackIn = Field(default_factory=PlaybackIn)
    cache: CacheIn = Field(default_factory=CacheIn)
    network: NetworkIn = Field(default_factory=NetworkIn)
    errors: ErrorsIn = Field(default_factory=ErrorsIn)


class EventIn(PlayerModel):
    event_id: str | None = Field(
        default=None,
        max_length=200,
        description="Extension of §27.8.3: a client id (a UUID) that makes retries safe",
    )
    event_type: str = open_enum(DeviceEventType, required=True)
    event_time_utc: datetime
    severity: str = open_enum(EventSeverity, required=True)
    payload: dict[str, Any] = Field(default_factory=dict)


class EventBatchIn(PlayerModel):
    """Each event is read on its own (api.routes.player.events): a broken one is refused alone
    and named in X-Skipped-Events, the others are stored (§27.8.3, issue 15 item 4)."""

    device_time: datetime | None = None
    events: list[Any] = Field(
        min_length=1,
        max_length=MAX_EVENTS_PER_BATCH,
        description="Events, each as EventIn; a broken one is refused alone",
    )


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


class ScreenshotUploadIn(PlayerModel):
    """Extension (issue 19 item 3): the size of the JPEG the device made for its open
    CAPTURE_SCREENSHOT command; the URL it gets accepts exactly that many bytes."""

    size_bytes: int = Field(gt=0, le=2**53, description="The JPEG's exact size in bytes")


class ScreenshotUploadOut(ApiModel):
    upload_url: str = Field(description="PUT the JPEG here, with uploadHeaders, then report")
    upload_method: str = "PUT"
    upload_headers: dict[str, str]
    expires_at_utc: datetime


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
