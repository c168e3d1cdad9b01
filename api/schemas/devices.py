"""Wire models of §27.6 (devices, groups, commands) and §27.7 (pairing)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from api.schemas.base import ApiModel, DisplayName
from signage.enums import (
    CommandStatus,
    CommandType,
    NetworkType,
    Orientation,
    PairingStatus,
    PlayerState,
    RunMode,
)

# -- pairing (§27.7) ---------------------------------------------------------------------------


class PairingStartIn(ApiModel):
    device_hardware_id: str = Field(min_length=4, max_length=200)
    model: str | None = Field(default=None, max_length=200)
    app_version: str | None = Field(default=None, max_length=64)


class PairingStartOut(ApiModel):
    pairing_id: uuid.UUID
    pairing_code: str = Field(description="Shown on screen as XXXX-XXXX; typed or scanned")
    qr_payload: str
    expires_at_utc: datetime
    poll_seconds: int
    pairing_secret: str = Field(description="Only the device knows it; send it when polling")


class PairingStatusOut(ApiModel):
    status: PairingStatus
    expires_at_utc: datetime
    device_id: uuid.UUID | None = None
    device_token: str | None = Field(
        default=None, description="Present exactly once: on the first poll after the claim"
    )


class PairingClaimIn(ApiModel):
    pairing_code: str = Field(min_length=4, max_length=16, pattern=r"^[0-9A-Za-z-]+$")
    name: DisplayName
    group_id: uuid.UUID | None = None


# -- devices and groups (§27.6) ----------------------------------------------------------------


class CacheStatusOut(ApiModel):
    total_bytes: int | None
    used_bytes: int | None
    asset_count: int | None
    pending_downloads: int | None


class NetworkStatusOut(ApiModel):
    connected: bool | None
    type: NetworkType | None
    last_sync_at_utc: datetime | None


class ErrorCountsOut(ApiModel):
    playback_failures: int | None
    download_failures: int | None
    manifest_fetch_failures: int | None


class DeviceStatusOut(ApiModel):
    online: bool
    state: PlayerState | None
    last_heartbeat_at_utc: datetime | None
    manifest_etag: str | None
    playlist_id: uuid.UUID | None
    published_version: int | None
    current_asset_id: uuid.UUID | None
    current_item_index: int | None
    loop_count: int | None
    cache: CacheStatusOut
    network: NetworkStatusOut
    errors: ErrorCountsOut


class DeviceOut(ApiModel):
    device_id: uuid.UUID
    venue_id: uuid.UUID
    name: str
    primary_group_id: uuid.UUID | None
    hardware_id: str | None
    model: str | None
    timezone: str | None
    run_mode: RunMode
    launch_on_boot: bool
    auto_relaunch: bool
    keep_awake: bool
    watchdog_return_to_foreground: bool
    orientation: Orientation
    cache_budget_bytes: int
    app_version: str | None
    last_seen_at_utc: datetime | None
    created_at_utc: datetime
    status: DeviceStatusOut


class DeviceMoveIn(ApiModel):
    """Extension (issue 15 item 6, §25.1): reassign a device to another venue of the tenant."""

    to_venue_id: uuid.UUID


class DevicePatch(ApiModel):
    name: DisplayName | None = None
    primary_group_id: uuid.UUID | None = None
    timezone: str | None = Field(default=None, max_length=64)
    run_mode: RunMode | None = None
    launch_on_boot: bool | None = None
    auto_relaunch: bool | None = None
    keep_awake: bool | None = None
    watchdog_return_to_foreground: bool | None = None
    orientation: Orientation | None = None
    cache_budget_bytes: int | None = Field(default=None, gt=0)


class GroupIn(ApiModel):
    name: DisplayName


class GroupOut(ApiModel):
    group_id: uuid.UUID = Field(validation_alias="id")
    venue_id: uuid.UUID
    name: str
    created_at_utc: datetime = Field(validation_alias="created_at")


# -- commands (§18, §27.6) ---------------------------------------------------------------------


class CommandIn(ApiModel):
    type: CommandType
    parameters: dict[str, Any] = Field(default_factory=dict)


class CommandOut(ApiModel):
    command_id: uuid.UUID = Field(validation_alias="id")
    device_id: uuid.UUID
    type: CommandType
    parameters: dict[str, Any]
    status: CommandStatus
    issued_by_user_id: uuid.UUID | None
    issued_at_utc: datetime = Field(validation_alias="issued_at")
    delivered_at_utc: datetime | None = Field(validation_alias="delivered_at")
    completed_at_utc: datetime | None = Field(validation_alias="completed_at")
    expires_at_utc: datetime = Field(validation_alias="expires_at")
    result: dict[str, Any] | None
    error: str | None = Field(validation_alias="error_message")
    screenshot_url: str | None = Field(
        default=None,
        description="CAPTURE_SCREENSHOT that succeeded: a signed GET of the JPEG, valid 15 min",
    )
