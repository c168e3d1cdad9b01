"""Playlists: drafts and immutable published snapshots (§26.7)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from signage.db.base import Base, Timestamps, UuidPk, enum_column, utcnow
from signage.db.models.content import SCOPE_CONSISTENT
from signage.enums import ContentScope, PublishSource

DURATION_RANGE = "duration_seconds IS NULL OR duration_seconds BETWEEN 1 AND 3600"


class Playlist(UuidPk, Timestamps, Base):
    __tablename__ = "playlists"
    __table_args__ = (
        CheckConstraint(SCOPE_CONSISTENT, name="scope_consistent"),
        CheckConstraint("draft_version >= 1", name="draft_version_positive"),
        Index("ix_playlists_tenant_scope", "tenant_id", "scope_type", "scope_venue_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    scope_type: Mapped[ContentScope] = enum_column(ContentScope)
    scope_venue_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("venues.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    # draftVersion moves on every draft change and is the playlist's ETag (§16).
    draft_version: Mapped[int] = mapped_column(default=1)
    published_version: Mapped[int | None]
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    deleted_at: Mapped[datetime | None]


class PlaylistItem(UuidPk, Timestamps, Base):
    __tablename__ = "playlist_items"
    __table_args__ = (
        UniqueConstraint("playlist_id", "sequence"),
        CheckConstraint("sequence >= 0", name="sequence_non_negative"),
        CheckConstraint(DURATION_RANGE, name="duration_range"),
    )

    playlist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("playlists.id", ondelete="CASCADE"))
    asset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assets.id", ondelete="RESTRICT"))
    sequence: Mapped[int]
    duration_seconds: Mapped[int | None]  # required for images; videos play to completion
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class PlaylistPublished(UuidPk, Base):
    __tablename__ = "playlist_published"
    __table_args__ = (UniqueConstraint("playlist_id", "published_version"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    playlist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("playlists.id", ondelete="CASCADE"))
    published_version: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    source: Mapped[PublishSource] = enum_column(PublishSource, default=PublishSource.PUBLISH)
    rolled_back_to_version: Mapped[int | None]


class PlaylistPublishedItem(UuidPk, Base):
    __tablename__ = "playlist_published_items"
    __table_args__ = (
        ForeignKeyConstraint(
            ["playlist_id", "published_version"],
            ["playlist_published.playlist_id", "playlist_published.published_version"],
            ondelete="CASCADE",
            name="fk_playlist_published_items_snapshot",
        ),
        UniqueConstraint("playlist_id", "published_version", "sequence"),
        CheckConstraint(DURATION_RANGE, name="duration_range"),
    )

    playlist_id: Mapped[uuid.UUID]
    published_version: Mapped[int]
    asset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assets.id", ondelete="RESTRICT"))
    sequence: Mapped[int]
    duration_seconds: Mapped[int | None]
