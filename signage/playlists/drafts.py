"""Playlist drafts (§6, §26.7, §27.5-27.6): create, read, replace items, reorder.

Every draft change moves `draft_version`, which is the playlist's ETag (§16), and must present
the ETag the editor last read (§27.1 If-Match). A LibraryScope says where the caller stands: the
shared library edits tenant playlists; a venue reads shared plus its own and edits its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from signage import audit
from signage.audit import AuditTarget
from signage.concurrency import etag_for, require_if_match
from signage.content.scope import LibraryScope
from signage.db.models import Asset, Playlist, PlaylistItem
from signage.enums import AssetType, ContentScope
from signage.errors import NotFoundError, ValidationFailedError
from signage.pagination import Page, PageRequest, paginate
from signage.queries import contains, live, visible_to

MAX_ITEMS = 500
MIN_IMAGE_SECONDS = 1
MAX_IMAGE_SECONDS = 3600


@dataclass(frozen=True)
class ItemInput:
    """One entry of `PUT .../items`: durationSeconds is required for images (1-3600)."""

    asset_id: uuid.UUID
    duration_seconds: int | None
    enabled: bool = True


def playlist_etag(playlist: Playlist) -> str:
    """The playlist's ETag: its draft version (§16)."""
    return etag_for("playlist", playlist.draft_version)


def list_playlists(
    session: Session,
    scope: LibraryScope,
    page: PageRequest,
    q: str | None = None,
    *,
    only: ContentScope | None = None,
) -> Page[Playlist]:
    """`only`: §27.1's `?scope=TENANT|VENUE` filter (issue 15 item 16)."""
    statement = select(Playlist).where(visible_to(scope, Playlist))
    if only is not None:
        statement = statement.where(Playlist.scope_type == only)
    if q:
        statement = statement.where(contains(Playlist.name, q))
    return paginate(
        session,
        statement,
        [Playlist.created_at, Playlist.id],
        page,
        descending=True,
        parse=[datetime.fromisoformat, uuid.UUID],
    )


def item_counts(session: Session, playlist_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many draft items each playlist has."""
    rows = session.execute(
        select(PlaylistItem.playlist_id, func.count())
        .where(PlaylistItem.playlist_id.in_(playlist_ids))
        .group_by(PlaylistItem.playlist_id)
    )
    return {playlist_id: count for playlist_id, count in rows}


def create_playlist(
    session: Session,
    scope: LibraryScope,
    name: str,
    *,
    user_id: uuid.UUID,
    now: datetime,
    who: audit.AuditContext,
) -> Playlist:
    """A new empty playlist in the scope, audited."""
    playlist = Playlist(
        tenant_id=scope.tenant_id,
        scope_type=scope.scope_type,
        scope_venue_id=scope.venue_id,
        name=name.strip(),
        created_by_user_id=user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(playlist)
    session.flush()
    _audit(session, who, audit.AuditAction.PLAYLIST_CREATED, playlist, now, {"name": name})
    return playlist


def get_playlist(
    session: Session, scope: LibraryScope, playlist_id: uuid.UUID, *, for_update: bool = False
) -> Playlist:
    """A playlist the scope may read; with for_update, one it may change, locked."""
    condition = scope.owns(Playlist) if for_update else scope.sees(Playlist)
    statement = select(Playlist).where(Playlist.id == playlist_id, condition, live(Playlist))
    playlist = session.scalar(statement.with_for_update() if for_update else statement)
    if playlist is None:
        raise NotFoundError(f"Playlist {playlist_id} was not found.")
    return playlist


def visible_playlist(
    session: Session, scope: LibraryScope, playlist_id: uuid.UUID
) -> Playlist | None:
    """The playlist if `scope` may use it (a venue: shared or its own), else None."""
    return session.scalar(
        select(Playlist).where(Playlist.id == playlist_id, visible_to(scope, Playlist))
    )


def draft_items(session: Session, playlist_id: uuid.UUID) -> list[tuple[PlaylistItem, Asset]]:
    """The draft's items in order, each with its asset."""
    rows = session.execute(
        select(PlaylistItem, Asset)
        .join(Asset, Asset.id == PlaylistItem.asset_id)
        .where(PlaylistItem.playlist_id == playlist_id)
        .order_by(PlaylistItem.sequence)
    )
    return [(item, asset) for item, asset in rows]


def replace_items(
    session: Session,
    scope: LibraryScope,
    playlist_id: uuid.UUID,
    items: Sequence[ItemInput],
    *,
    if_match: str | None,
    now: datetime,
    who: audit.AuditContext,
) -> Playlist:
    """`PUT .../items`: the draft's items become exactly `items`, in that order."""
    playlist = get_playlist(session, scope, playlist_id, for_update=True)
    require_if_match(if_match, playlist_etag(playlist))
    assets = _validated_assets(session, playlist, items)
    session.execute(delete(PlaylistItem).where(PlaylistItem.playlist_id == playlist.id))
    session.add_all(
        PlaylistItem(
            playlist_id=playlist.id,
            asset_id=item.asset_id,
            sequence=sequence,
            # Videos play to completion (§9): a duration sent for one is not kept.
            duration_seconds=(
                item.duration_seconds if assets[item.asset_id].type is AssetType.IMAGE else None
            ),
            enabled=item.enabled,
            created_at=now,
            updated_at=now,
        )
        for sequence, item in enumerate(items)
    )
    _touch(playlist, now)
    _audit(session, who, audit.AuditAction.PLAYLIST_UPDATED, playlist, now, {"items": len(items)})
    return playlist


def reorder_items(
    session: Session,
    scope: LibraryScope,
    playlist_id: uuid.UUID,
    item_ids: Sequence[uuid.UUID],
    *,
    if_match: str | None,
    now: datetime,
    who: audit.AuditContext,
) -> Playlist:
    """`PUT .../reorder`: `item_ids` must name every draft item exactly once."""
    playlist = get_playlist(session, scope, playlist_id, for_update=True)
    require_if_match(if_match, playlist_etag(playlist))
    current = {item.id: item for item, _ in draft_items(session, playlist.id)}
    if len(item_ids) != len(set(item_ids)) or set(item_ids) != set(current):
        raise ValidationFailedError(
            "playlistItemIds must list every item of the playlist exactly once.",
            errors=[{"location": "body.playlistItemIds", "message": "not a permutation"}],
        )
    # Two passes so the (playlist, sequence) unique constraint never sees a duplicate.
    for offset, item_id in enumerate(item_ids):
        current[item_id].sequence = len(item_ids) + offset
    session.flush()
    for sequence, item_id in enumerate(item_ids):
        current[item_id].sequence = sequence
        current[item_id].updated_at = now
    _touch(playlist, now)
    _audit(session, who, audit.AuditAction.PLAYLIST_UPDATED, playlist, now, {"reordered": True})
    return playlist


def rename_playlist(
    session: Session,
    scope: LibraryScope,
    playlist_id: uuid.UUID,
    name: str,
    *,
    if_match: str | None,
    now: datetime,
    who: audit.AuditContext,
) -> Playlist:
    """Rename the scope's own playlist under If-Match, audited."""
    playlist = get_playlist(session, scope, playlist_id, for_update=True)
    require_if_match(if_match, playlist_etag(playlist))
    playlist.name = name.strip()
    _touch(playlist, now)
    _audit(session, who, audit.AuditAction.PLAYLIST_UPDATED, playlist, now, {"name": name})
    return playlist


def _validated_assets(
    session: Session, playlist: Playlist, items: Sequence[ItemInput]
) -> dict[uuid.UUID, Asset]:
    """The assets `items` name, or 422 listing every bad entry (§27.10)."""
    if len(items) > MAX_ITEMS:
        raise ValidationFailedError(
            f"A playlist holds at most {MAX_ITEMS} items.",
            errors=[{"location": "body.items", "message": f"more than {MAX_ITEMS}"}],
        )
    # An item may use what the playlist's own scope sees: shared playlists only shared assets.
    visible = LibraryScope(playlist.tenant_id, playlist.scope_venue_id)
    wanted = {item.asset_id for item in items}
    assets = {
        asset.id: asset
        for asset in session.scalars(
            select(Asset).where(Asset.id.in_(wanted), visible.sees(Asset), live(Asset))
        )
    }
    errors = [
        error
        for index, item in enumerate(items)
        if (error := _item_error(index, item, assets.get(item.asset_id))) is not None
    ]
    if errors:
        raise ValidationFailedError("Some playlist items are not valid.", errors=errors)
    return assets


def _item_error(index: int, item: ItemInput, asset: Asset | None) -> dict[str, str] | None:
    location = f"body.items[{index}]"
    if asset is None:
        return {"location": f"{location}.assetId", "message": "no such asset for this playlist"}
    if asset.type is not AssetType.IMAGE:
        return None
    seconds = item.duration_seconds
    if seconds is None or not MIN_IMAGE_SECONDS <= seconds <= MAX_IMAGE_SECONDS:
        return {
            "location": f"{location}.durationSeconds",
            "message": f"images need a duration of {MIN_IMAGE_SECONDS}-{MAX_IMAGE_SECONDS} s",
        }
    return None


def _touch(playlist: Playlist, now: datetime) -> None:
    playlist.draft_version += 1
    playlist.updated_at = now


def _audit(
    session: Session,
    who: audit.AuditContext,
    action: audit.AuditAction,
    playlist: Playlist,
    now: datetime,
    details: dict[str, object],
) -> None:
    audit.record(
        session,
        who,
        action,
        tenant_id=playlist.tenant_id,
        now=now,
        target_type=AuditTarget.PLAYLIST,
        target_id=playlist.id,
        details=details,
    )
