"""Wire models of §27.5-27.6 assets and uploads (§13)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import Field

from api.schemas.base import ApiModel
from signage.enums import AssetFailureReason, AssetStatus, AssetType, ContentScope


class UploadIn(ApiModel):
    file_name: str = Field(min_length=1, max_length=1024)
    content_type: str = Field(min_length=3, max_length=100, examples=["video/mp4"])
    file_size_bytes: int = Field(gt=0, le=2**53)
    checksum_sha256: str = Field(min_length=64, max_length=64)


class UploadOut(ApiModel):
    upload_id: uuid.UUID
    asset_id: uuid.UUID
    upload_url: str = Field(description="PUT the file's bytes here, with uploadHeaders")
    upload_method: str = "PUT"
    upload_headers: dict[str, str]
    expires_at_utc: datetime


class AssetOut(ApiModel):
    asset_id: uuid.UUID
    tenant_id: uuid.UUID
    scope: ContentScope
    venue_id: uuid.UUID | None
    type: AssetType
    status: AssetStatus
    display_name: str
    content_type: str
    file_size_bytes: int | None
    checksum_sha256: str | None
    width_px: int | None
    height_px: int | None
    duration_seconds: Decimal | None
    frame_rate: Decimal | None
    bitrate_bps: int | None
    video_codec: str | None
    audio_codec: str | None
    thumbnail_url: str | None = Field(description="Signed, short-lived; present once READY")
    failure_reason: AssetFailureReason | None
    failure_detail: str | None
    failed_at_utc: datetime | None
    created_at_utc: datetime
    updated_at_utc: datetime
