"""Reading and removing assets (§27.5-27.6), always through a LibraryScope."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage import audit
from signage.content.scope import LibraryScope
from signage.db.models import Asset, Playlist, PlaylistItem, PlaylistPublishedItem
from signage.enums import AssetStatus, AssetType, ContentScope
from signage.errors import ConflictError, NotFoundError
from signage.pagination import Page, PageRequest, paginate


@dataclass(frozen=True)
class AssetFilters:
    q: str | None = None
    status: AssetStatus | None = None
    type: AssetType | None = None
    scope: ContentScope | None = None


def list_assets(
    session: Session, scope: LibraryScope, filters: AssetFilters, page: PageRequest
) -> Page[Asset]:
    statement = select(Asset).where(scope.sees(), Asset.deleted_at.is_(None))
    if filters.q:
        escaped = filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Asset.display_name.ilike(f"%{escaped}%", escape="\\"))
    if filters.status:
        statement = statement.where(Asset.status == filters.status)
    if filters.type:
        statement = statement.where(Asset.type == filters.type)
    if filters.scope:
        statement = statement.where(Asset.scope_type == filters.scope)
    return paginate(
        session,
        statement,
        [Asset.created_at, Asset.id],
        page,
        descending=True,
        parse=[datetime.fromisoformat, uuid.UUID],
    )


def get_asset(session: Session, scope: LibraryScope, asset_id: uuid.UUID) -> Asset:
    asset = session.scalar(
        select(Asset).where(Asset.id == asset_id, scope.sees(), Asset.deleted_at.is_(None))
    )
    if asset is None:
        raise NotFoundError(f"Asset {asset_id} was not found.")
    return asset


def delete_asset(
    session: Session,
    scope: LibraryScope,
    asset_id: uuid.UUID,
    *,
    now: datetime,
    who: audit.AuditContext,
) -> None:
    """Soft delete. Refused (409) while any playlist, draft or published, still uses it: content
    on screens must not vanish, and a draft would silently lose an item. Remove it from those
    playlists first. The file stays in storage until the retention job (§13.5) or forever for
    audit; READY files are never deleted while a published snapshot names them."""
    asset = session.scalar(
        select(Asset)
        .where(Asset.id == asset_id, scope.owns(), Asset.deleted_at.is_(None))
        .with_for_update()
    )
    if asset is None:
        raise NotFoundError(f"Asset {asset_id} was not found.")
    users = playlists_using(session, asset_id)
    if users:
        raise ConflictError(
            "The asset is used by playlists; remove it from them first.",
            context={"playlists": [{"playlistId": str(p.id), "name": p.name} for p in users]},
        )
    asset.deleted_at = now
    audit.record(
        session,
        who,
        audit.AuditAction.ASSET_DELETED,
        tenant_id=scope.tenant_id,
        now=now,
        target_type="asset",
        target_id=asset_id,
        details={"displayName": asset.display_name},
    )


def playlists_using(session: Session, asset_id: uuid.UUID) -> list[Playlist]:
    in_drafts = select(PlaylistItem.playlist_id).where(PlaylistItem.asset_id == asset_id)
    in_snapshots = select(PlaylistPublishedItem.playlist_id).where(
        PlaylistPublishedItem.asset_id == asset_id
    )
    return list(
        session.scalars(
            select(Playlist).where(
                Playlist.deleted_at.is_(None),
                Playlist.id.in_(in_drafts.union(in_snapshots)),
            )
        )
    )
