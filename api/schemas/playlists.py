"""Wire models of playlists (§26.7, §27.5-27.6, §27.9) and editor presence (§26.12)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from api.schemas.base import ApiModel, DisplayName
from signage.enums import AssetStatus, AssetType, ContentScope, PublishSource


class EditorOut(ApiModel):
    """Someone else with the resource open in an editor (§16 presence indicators)."""

    user_id: uuid.UUID
    display_name: str
    expires_at_utc: datetime


class PresenceOut(ApiModel):
    editors: list[EditorOut] = Field(description="Other users editing this resource right now")
    ttl_seconds: int = Field(description="Announce again before this many seconds pass")


class PlaylistCreateIn(ApiModel):
    name: DisplayName


class PlaylistRenameIn(ApiModel):
    name: DisplayName


class PlaylistItemIn(ApiModel):
    asset_id: uuid.UUID
    duration_seconds: int | None = Field(
        default=None, ge=1, le=3600, description="Required for images; videos play to completion"
    )
    enabled: bool = True


class PlaylistItemsIn(ApiModel):
    items: list[PlaylistItemIn] = Field(max_length=500)


class PlaylistReorderIn(ApiModel):
    playlist_item_ids: list[uuid.UUID] = Field(max_length=500)


class RollbackIn(ApiModel):
    to_version: int = Field(ge=1, description="The published version to publish again")


class PlaylistItemOut(ApiModel):
    playlist_item_id: uuid.UUID
    asset_id: uuid.UUID
    sequence: int
    duration_seconds: int | None
    enabled: bool
    asset_type: AssetType
    asset_status: AssetStatus
    asset_display_name: str
    asset_duration_seconds: float | None


class PlaylistSummaryOut(ApiModel):
    playlist_id: uuid.UUID
    tenant_id: uuid.UUID
    scope: ContentScope
    venue_id: uuid.UUID | None
    name: str
    draft_version: int
    published_version: int | None
    item_count: int
    created_at_utc: datetime
    updated_at_utc: datetime


class PlaylistOut(PlaylistSummaryOut):
    items: list[PlaylistItemOut]
    editors: list[EditorOut] = Field(description="Other users editing it now (§16)")


class PlaylistVersionOut(ApiModel):
    published_version: int
    published_at_utc: datetime
    published_by_user_id: uuid.UUID | None
    source: PublishSource
    rolled_back_to_version: int | None
