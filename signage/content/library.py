"""Reading and removing assets (§27.5-27.6), always through a LibraryScope."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage import audit
from signage.audit import AuditTarget
from signage.content.scope import LibraryScope
from signage.db.models import Asset, Playlist, PlaylistItem, PlaylistPublishedItem
from signage.enums import AssetStatus, AssetType, ContentScope
from signage.errors import ConflictError, NotFoundError, ValidationFailedError
from signage.pagination import Page, PageRequest, paginate
from signage.queries import contains, live, visible_to

ASSET_NAME_MAX = 255  # the display_name column
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class AssetFilters:
    q: str | None = None
    status: AssetStatus | None = None
    type: AssetType | None = None
    scope: ContentScope | None = None


def list_assets(
    session: Session, scope: LibraryScope, filters: AssetFilters, page: PageRequest
) -> Page[Asset]:
    """A page of the live assets the scope sees, newest first, filtered as asked."""
    statement = select(Asset).where(visible_to(scope, Asset))
    if filters.q:
        statement = statement.where(contains(Asset.display_name, filters.q))
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
    """A live asset the scope sees, or NotFoundError."""
    asset = session.scalar(select(Asset).where(Asset.id == asset_id, visible_to(scope, Asset)))
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
    asset = _owned_asset(session, scope, asset_id)
    users = playlists_using(session, asset_id)
    if users:
        names = ", ".join(sorted(p.name for p in users))
        raise ConflictError(
            f"The asset is used by playlists ({names}); remove it from them first.",
            context={"playlists": [{"playlistId": str(p.id), "name": p.name} for p in users]},
        )
    asset.deleted_at = now
    audit.record(
        session,
        who,
        audit.AuditAction.ASSET_DELETED,
        tenant_id=scope.tenant_id,
        now=now,
        target_type=AuditTarget.ASSET,
        target_id=asset_id,
        details={"displayName": asset.display_name},
    )


def _owned_asset(session: Session, scope: LibraryScope, asset_id: uuid.UUID) -> Asset:
    """A live asset the scope owns (and so may change), locked, or NotFoundError."""
    asset = session.scalar(
        select(Asset).where(Asset.id == asset_id, scope.owns(), live(Asset)).with_for_update()
    )
    if asset is None:
        raise NotFoundError(f"Asset {asset_id} was not found.")
    return asset


def rename_asset(
    session: Session,
    scope: LibraryScope,
    asset_id: uuid.UUID,
    name: str,
    *,
    now: datetime,
    who: audit.AuditContext,
) -> Asset:
    """Change what people see an asset as (issue 19 item 5); the file and its key stay."""
    display_name = name.strip()
    if not 0 < len(display_name) <= ASSET_NAME_MAX or _CONTROL.search(display_name):
        raise ValidationFailedError(
            f"An asset's name is 1 to {ASSET_NAME_MAX} characters on one line.",
            errors=[{"location": "body.displayName", "message": "1-255 characters"}],
        )
    asset = _owned_asset(session, scope, asset_id)
    before, asset.display_name = asset.display_name, display_name
    audit.record(
        session,
        who,
        audit.AuditAction.ASSET_RENAMED,
        tenant_id=scope.tenant_id,
        now=now,
        target_type=AuditTarget.ASSET,
        target_id=asset_id,
        details={"from": before, "to": display_name},
    )
    return asset


def playlists_using(session: Session, asset_id: uuid.UUID) -> list[Playlist]:
    """Live playlists whose draft or a published version has the asset."""
    in_drafts = select(PlaylistItem.playlist_id).where(PlaylistItem.asset_id == asset_id)
    in_snapshots = select(PlaylistPublishedItem.playlist_id).where(
        PlaylistPublishedItem.asset_id == asset_id
    )
    return list(
        session.scalars(
            select(Playlist).where(
                live(Playlist),
                Playlist.id.in_(in_drafts.union(in_snapshots)),
            )
        )
    )


def find_duplicate(session: Session, scope: LibraryScope, checksum_sha256: str) -> Asset | None:
    """A live asset the scope sees with these exact bytes (issue 19 item 4), so a second upload
    of a file can be offered as "already in your library". Failed and never-finished uploads
    do not count: uploading the file again is how those are retried (§13.4)."""
    return session.scalar(
        select(Asset)
        .where(
            visible_to(scope, Asset),
            Asset.checksum_sha256 == checksum_sha256.strip().lower(),
            Asset.status.in_([AssetStatus.PROCESSING, AssetStatus.READY]),
        )
        .order_by(Asset.created_at)
        .limit(1)
    )
