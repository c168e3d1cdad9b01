"""Assets and upload sessions (§26.6, §13)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from signage.db.base import Base, Timestamps, UuidPk, enum_column
from signage.enums import (
    AssetFailureReason,
    AssetStatus,
    AssetType,
    ContentScope,
    UploadSessionStatus,
)

# Content is tenant-shared (no venue) or venue-local (§6 Content Scope).
SCOPE_CONSISTENT = (
    "(scope_type = 'TENANT' AND scope_venue_id IS NULL)"
    " OR (scope_type = 'VENUE' AND scope_venue_id IS NOT NULL)"
)


class Asset(UuidPk, Timestamps, Base):
    __tablename__ = "assets"
    __table_args__ = (
        CheckConstraint(SCOPE_CONSISTENT, name="scope_consistent"),
        CheckConstraint("file_size_bytes IS NULL OR file_size_bytes > 0", name="size_positive"),
        CheckConstraint(
            "status <> 'FAILED' OR (failure_reason IS NOT NULL AND failed_at IS NOT NULL)",
            name="failed_has_reason",
        ),
        Index("ix_assets_tenant_scope", "tenant_id", "scope_type", "scope_venue_id"),
        Index("ix_assets_status_updated", "status", "updated_at"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    scope_type: Mapped[ContentScope] = enum_column(ContentScope)
    scope_venue_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("venues.id", ondelete="CASCADE")
    )
    type: Mapped[AssetType] = enum_column(AssetType)
    status: Mapped[AssetStatus] = enum_column(AssetStatus, default=AssetStatus.UPLOADING)
    display_name: Mapped[str] = mapped_column(String(255))
    original_file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    file_size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    checksum_sha256: Mapped[str | None] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(512))
    thumbnail_key: Mapped[str | None] = mapped_column(String(512))
    width_px: Mapped[int | None]
    height_px: Mapped[int | None]
    duration_seconds: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    frame_rate: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))
    bitrate_bps: Mapped[int | None] = mapped_column(BigInteger)
    video_codec: Mapped[str | None] = mapped_column(String(32))
    audio_codec: Mapped[str | None] = mapped_column(String(32))
    cdn_url: Mapped[str | None] = mapped_column(Text)
    thumbnail_url: Mapped[str | None] = mapped_column(Text)
    failure_reason: Mapped[AssetFailureReason | None] = enum_column(
        AssetFailureReason, nullable=True
    )
    failure_detail: Mapped[str | None] = mapped_column(Text)
    failed_at: Mapped[datetime | None]
    processing_started_at: Mapped[datetime | None]
    ready_at: Mapped[datetime | None]
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    deleted_at: Mapped[datetime | None]


class UploadSession(UuidPk, Timestamps, Base):
    """One direct-to-storage upload (§13 steps 1-2); completing it hands the asset to ingestion."""

    __tablename__ = "upload_sessions"
    __table_args__ = (
        CheckConstraint("file_size_bytes > 0", name="size_positive"),
        Index("ix_upload_sessions_status_expiry", "status", "expires_at"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    asset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    scope_venue_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("venues.id", ondelete="CASCADE")
    )
    storage_key: Mapped[str] = mapped_column(String(512))
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    file_size_bytes: Mapped[int] = mapped_column(BigInteger)
    checksum_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[UploadSessionStatus] = enum_column(
        UploadSessionStatus, default=UploadSessionStatus.OPEN
    )
    expires_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
