"""Publishing playlists (§15, §26.7, §27.9, §27.10): the draft becomes an immutable snapshot.

A publish or a rollback happens in the caller's one transaction: the snapshot rows, the new
published_version, the PublishEvent, the audit entry and the venue epoch bumps commit together
or not at all, so a failure midway leaves the previous published state whole.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage import audit
from signage.audit import AuditTarget
from signage.concurrency import require_if_match
from signage.content.scope import LibraryScope
from signage.db.models import Asset, Playlist, PlaylistPublished, PlaylistPublishedItem
from signage.enums import AssetStatus, PublishEventType, PublishSource
from signage.epochs import bump_venues_playing
from signage.errors import NotFoundError, ValidationFailedError
from signage.pagination import Page, PageRequest, paginate
from signage.playlists.drafts import (
    ItemInput,
    draft_items,
    get_playlist,
    playlist_etag,
    replace_items,
)
from signage.publish_history import Publication, record_publish


def publish_playlist(
    session: Session,
    scope: LibraryScope,
    playlist_id: uuid.UUID,
    *,
    if_match: str | None,
    user_id: uuid.UUID,
    now: datetime,
    who: audit.AuditContext,
) -> PlaylistPublished:
    """Copy the draft's enabled items into a new published version (§15). Refused with 422
    unless every item's asset is READY (§27.10) and at least one item is enabled."""
    playlist = get_playlist(session, scope, playlist_id, for_update=True)
    require_if_match(if_match, playlist_etag(playlist))
    enabled = [(item, asset) for item, asset in draft_items(session, playlist.id) if item.enabled]
    _require_publishable(enabled)
    rows = [(item.asset_id, item.duration_seconds) for item, _ in enabled]
    return _new_version(
        session, playlist, rows, PublishSource.PUBLISH, None, user_id=user_id, now=now, who=who
    )


def rollback_playlist(
    session: Session,
    scope: LibraryScope,
    playlist_id: uuid.UUID,
    to_version: int,
    *,
    if_match: str | None,
    user_id: uuid.UUID,
    now: datetime,
    who: audit.AuditContext,
) -> PlaylistPublished:
    """Publish again what version `to_version` held, as a new version (§27.9); the draft is
    left as it is. Refused with 422 if an asset of that version is no longer playable."""
    playlist = get_playlist(session, scope, playlist_id, for_update=True)
    require_if_match(if_match, playlist_etag(playlist))
    if playlist.published_version is None or not 1 <= to_version <= playlist.published_version:
        raise NotFoundError(f"Playlist {playlist_id} has no published version {to_version}.")
    old = [
        (item, asset)
        for item, asset in session.execute(
            select(PlaylistPublishedItem, Asset)
            .join(Asset, Asset.id == PlaylistPublishedItem.asset_id)
            .where(
                PlaylistPublishedItem.playlist_id == playlist.id,
                PlaylistPublishedItem.published_version == to_version,
            )
            .order_by(PlaylistPublishedItem.sequence)
        )
    ]
    _require_publishable(old)
    rows = [(item.asset_id, item.duration_seconds) for item, _ in old]
    return _new_version(
        session,
        playlist,
        rows,
        PublishSource.ROLLBACK,
        to_version,
        user_id=user_id,
        now=now,
        who=who,
    )


@dataclass(frozen=True)
class DraftStanding:
    """How a playlist's draft stands against what plays (issue 19 items 1-2): whether
    publishing it would change anything, could succeed at all, or would undo a rollback."""

    live_version: int | None
    rolled_back_to: int | None  # the live version is a rollback to this one
    unchanged: bool  # publishing would copy exactly what plays (a new, identical version)
    empty: bool  # no enabled item: a publish is refused (§15)
    not_ready: tuple[str, ...]  # names of items whose asset is not READY (§27.10)

    @property
    def refusal(self) -> str | None:
        """Why publishing now would mean nothing or fail, in words; None when it would not."""
        if self.empty:
            return "Add an item first: a playlist with nothing to show cannot be published."
        if self.unchanged:
            return "Nothing to publish: screens already play this draft."
        if self.not_ready:
            return f"Waiting for {', '.join(self.not_ready)} to be ready."
        return None

    @property
    def undoes_rollback(self) -> bool:
        """Publishing this draft would replace the rollback that is live (issue 19 item 1)."""
        return self.rolled_back_to is not None and not self.unchanged


def draft_standing(session: Session, playlist: Playlist) -> DraftStanding:
    """Compare what a publish would copy (the enabled items, §15) with the live version."""
    enabled = [(item, asset) for item, asset in draft_items(session, playlist.id) if item.enabled]
    live_version = playlist.published_version
    live = [] if live_version is None else snapshot_items(session, playlist.id, live_version)
    would_publish = [(item.asset_id, item.duration_seconds) for item, _ in enabled]
    return DraftStanding(
        live_version=live_version,
        rolled_back_to=_rolled_back_to(session, playlist),
        unchanged=live_version is not None
        and would_publish == [(item.asset_id, item.duration_seconds) for item in live],
        empty=not enabled,
        not_ready=tuple(asset.display_name for _, asset in enabled if not _playable(asset)),
    )


def _rolled_back_to(session: Session, playlist: Playlist) -> int | None:
    if playlist.published_version is None:
        return None
    return session.scalar(
        select(PlaylistPublished.rolled_back_to_version).where(
            PlaylistPublished.playlist_id == playlist.id,
            PlaylistPublished.published_version == playlist.published_version,
        )
    )


def discard_draft(
    session: Session,
    scope: LibraryScope,
    playlist_id: uuid.UUID,
    *,
    if_match: str | None,
    now: datetime,
    who: audit.AuditContext,
) -> Playlist:
    """The draft's items become the live version's again, as a draft change under If-Match
    (issue 19 item 1: after a rollback the draft still holds what was rolled back)."""
    playlist = get_playlist(session, scope, playlist_id, for_update=True)
    require_if_match(if_match, playlist_etag(playlist))
    if playlist.published_version is None:
        raise ValidationFailedError("This playlist was never published: there is no live version.")
    live = snapshot_items(session, playlist.id, playlist.published_version)
    items = [ItemInput(item.asset_id, item.duration_seconds) for item in live]
    return replace_items(session, scope, playlist_id, items, if_match=if_match, now=now, who=who)


def published_versions(session: Session, playlist: Playlist) -> list[PlaylistPublished]:
    """The playlist's publish history, newest first."""
    return list(
        session.scalars(
            select(PlaylistPublished)
            .where(PlaylistPublished.playlist_id == playlist.id)
            .order_by(PlaylistPublished.published_version.desc())
        )
    )


def page_of_versions(
    session: Session, playlist: Playlist, page: PageRequest
) -> Page[PlaylistPublished]:
    """`GET .../versions` as §27.1's cursor pages, newest first (issue 15 item 16)."""
    statement = select(PlaylistPublished).where(PlaylistPublished.playlist_id == playlist.id)
    order = [PlaylistPublished.published_version]  # unique within the playlist
    return paginate(session, statement, order, page, descending=True, parse=[int])


def snapshot_items(
    session: Session, playlist_id: uuid.UUID, version: int
) -> list[PlaylistPublishedItem]:
    """The items of one published version, in order."""
    return list(
        session.scalars(
            select(PlaylistPublishedItem)
            .where(
                PlaylistPublishedItem.playlist_id == playlist_id,
                PlaylistPublishedItem.published_version == version,
            )
            .order_by(PlaylistPublishedItem.sequence)
        )
    )


def _require_publishable(items: Sequence[tuple[Any, Asset]]) -> None:
    if not items:
        raise ValidationFailedError(
            "A playlist needs at least one enabled item to be published.",
            errors=[{"location": "items", "message": "no enabled items"}],
        )
    offending = [
        {
            "location": f"items[{index}]",
            "assetId": str(asset.id),
            "displayName": asset.display_name,
            "status": "DELETED" if asset.deleted_at is not None else str(asset.status),
            "message": "the asset is not READY",
        }
        for index, (_, asset) in enumerate(items)
        if not _playable(asset)
    ]
    if offending:
        raise ValidationFailedError(
            "Every item's asset must be READY before the playlist is published.",
            errors=offending,
        )


def _playable(asset: Asset) -> bool:
    return asset.status is AssetStatus.READY and asset.deleted_at is None


def _new_version(
    session: Session,
    playlist: Playlist,
    rows: list[tuple[uuid.UUID, int | None]],
    source: PublishSource,
    rolled_back_to: int | None,
    *,
    user_id: uuid.UUID,
    now: datetime,
    who: audit.AuditContext,
) -> PlaylistPublished:
    previous = playlist.published_version
    version = (previous or 0) + 1
    published = PlaylistPublished(
        tenant_id=playlist.tenant_id,
        playlist_id=playlist.id,
        published_version=version,
        published_at=now,
        published_by_user_id=user_id,
        source=source,
        rolled_back_to_version=rolled_back_to,
    )
    session.add(published)
    session.flush()  # the snapshot items reference (playlist, version)
    session.add_all(
        PlaylistPublishedItem(
            playlist_id=playlist.id,
            published_version=version,
            asset_id=asset_id,
            sequence=sequence,
            duration_seconds=duration,
        )
        for sequence, (asset_id, duration) in enumerate(rows)
    )
    playlist.published_version = version
    playlist.updated_at = now
    rollback = source is PublishSource.ROLLBACK
    snapshot = {
        "playlistId": str(playlist.id),
        "name": playlist.name,
        "rolledBackToVersion": rolled_back_to,
        "items": [
            {"assetId": str(asset_id), "sequence": sequence, "durationSeconds": duration}
            for sequence, (asset_id, duration) in enumerate(rows)
        ],
    }
    event = PublishEventType.PLAYLIST_ROLLBACK if rollback else PublishEventType.PLAYLIST_PUBLISH
    publication = Publication(
        tenant_id=playlist.tenant_id,
        venue_id=playlist.scope_venue_id,
        type=event,
        entity_id=playlist.id,
        snapshot=snapshot,
        audit_target=(AuditTarget.PLAYLIST, playlist.id),
        from_version=previous,
        to_version=version,
    )
    venues = bump_venues_playing(
        session, playlist.id, playlist.tenant_id, playlist.scope_venue_id, now
    )
    details = {"version": version, "rolledBackTo": rolled_back_to, "venues": len(venues)}
    record_publish(session, who, publication, user_id=user_id, now=now, details=details)
    session.flush()
    return published
