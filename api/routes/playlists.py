"""§27.5 shared-library playlists and §27.6 venue playlists; rollback of §27.9; presence (§16).

Both sets of routes are the same operations on a different LibraryScope. Draft changes need
If-Match (428 without, 412 with a stale ETag); publish and rollback need it too, so nobody
publishes a draft they have not seen.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.auth import management_rate_limit as rate_limit
from api.calls import Call, CallDep
from api.deps import IfMatch, PageQuery, SessionDep
from api.openapi import sends_etag
from api.presence import announce, withdraw
from api.problems import raises
from api.schemas import Page
from api.schemas.playlists import (
    PlaylistCreateIn,
    PlaylistItemsIn,
    PlaylistOut,
    PlaylistRenameIn,
    PlaylistReorderIn,
    PlaylistSummaryOut,
    PlaylistVersionOut,
    PresenceOut,
    RollbackIn,
)
from api.scopes import (
    library_editor,
    library_reader,
    publish_rate_limit,
    venue_editor,
    venue_publisher,
    venue_reader,
)
from api.views import playlist_out, playlist_resource, playlist_summary
from signage.content.scope import LibraryScope
from signage.db.models import Playlist
from signage.enums import ContentScope
from signage.errors import ConflictError
from signage.playlists import deletion, drafts, publishing
from signage.playlists.drafts import ItemInput, playlist_etag

library_router = APIRouter(
    prefix="/v1/library/playlists", tags=["library"], dependencies=[Depends(rate_limit)]
)
venue_router = APIRouter(
    prefix="/v1/venues/{venueId}/playlists",
    tags=["venue content"],
    dependencies=[Depends(rate_limit)],
)


def _answer(call: Call, playlist: Playlist) -> PlaylistOut:
    """The playlist view with its ETag header (§16), as every playlist route answers."""
    call.send_etag(playlist_etag(playlist))
    return playlist_out(call.session, call.context, playlist, call.user.user_id, call.now)


def add_playlist_routes(
    router: APIRouter,
    reader: Callable[..., LibraryScope],
    editor: Callable[..., LibraryScope],
    publisher: Callable[..., LibraryScope],
    where: str,
) -> None:
    """The playlist routes of `where`; `reader`, `editor` and `publisher` decide who may."""

    def editable(
        playlistId: uuid.UUID, session: SessionDep, scope: LibraryScope = Depends(editor)
    ) -> None:
        """404 for a playlist out of reach before the body is looked at (422 would tell
        nothing either, but a client should hear about the missing playlist first)."""
        drafts.get_playlist(session, scope, playlistId)

    exists = [Depends(editable)]

    @router.get("", summary=f"Playlists of {where}")
    def list_playlists(
        session: SessionDep,
        page: PageQuery,
        q: Annotated[str | None, Query(max_length=200)] = None,
        scope_filter: Annotated[ContentScope | None, Query(alias="scope")] = None,
        scope: LibraryScope = Depends(reader),
    ) -> Page[PlaylistSummaryOut]:
        found = drafts.list_playlists(session, scope, page, q, only=scope_filter)
        counts = drafts.item_counts(session, [p.id for p in found.items])
        return Page(
            items=[playlist_summary(p, counts.get(p.id, 0)) for p in found.items],
            next_cursor=found.next_cursor,
        )

    @router.delete(
        "/{playlistId}",
        status_code=204,
        summary="Delete a playlist nothing uses; 409 names where it is used (context.usedBy)",
    )
    @raises(ConflictError)
    def delete_playlist(
        playlistId: uuid.UUID, call: CallDep, scope: LibraryScope = Depends(editor)
    ) -> Response:
        deletion.delete_playlist(call.session, scope, playlistId, now=call.now, who=call.who)
        return Response(status_code=204)

    @router.post("", status_code=201, summary=f"Create a playlist in {where}")
    @sends_etag
    def create_playlist(
        body: PlaylistCreateIn, call: CallDep, scope: LibraryScope = Depends(editor)
    ) -> PlaylistOut:
        playlist = drafts.create_playlist(
            call.session, scope, body.name, user_id=call.user.user_id, now=call.now, who=call.who
        )
        return _answer(call, playlist)

    @router.get("/{playlistId}", summary="A playlist's draft, with its ETag and editors")
    @sends_etag
    def get_playlist(
        playlistId: uuid.UUID, call: CallDep, scope: LibraryScope = Depends(reader)
    ) -> PlaylistOut:
        return _answer(call, drafts.get_playlist(call.session, scope, playlistId))

    @router.patch("/{playlistId}", summary="Rename (If-Match)", dependencies=exists)
    @sends_etag
    def rename_playlist(
        playlistId: uuid.UUID,
        body: PlaylistRenameIn,
        if_match: IfMatch,
        call: CallDep,
        scope: LibraryScope = Depends(editor),
    ) -> PlaylistOut:
        playlist = drafts.rename_playlist(
            call.session,
            scope,
            playlistId,
            body.name,
            if_match=if_match,
            now=call.now,
            who=call.who,
        )
        return _answer(call, playlist)

    @router.put(
        "/{playlistId}/items", summary="Replace the draft's items (If-Match)", dependencies=exists
    )
    @sends_etag
    def put_items(
        playlistId: uuid.UUID,
        body: PlaylistItemsIn,
        if_match: IfMatch,
        call: CallDep,
        scope: LibraryScope = Depends(editor),
    ) -> PlaylistOut:
        wanted = [ItemInput(i.asset_id, i.duration_seconds, i.enabled) for i in body.items]
        playlist = drafts.replace_items(
            call.session, scope, playlistId, wanted, if_match=if_match, now=call.now, who=call.who
        )
        return _answer(call, playlist)

    @router.put(
        "/{playlistId}/reorder", summary="Reorder the draft's items (If-Match)", dependencies=exists
    )
    @sends_etag
    def reorder(
        playlistId: uuid.UUID,
        body: PlaylistReorderIn,
        if_match: IfMatch,
        call: CallDep,
        scope: LibraryScope = Depends(editor),
    ) -> PlaylistOut:
        order = body.playlist_item_ids
        playlist = drafts.reorder_items(
            call.session, scope, playlistId, order, if_match=if_match, now=call.now, who=call.who
        )
        return _answer(call, playlist)

    @router.post(
        "/{playlistId}/publish",
        summary="Publish the draft (If-Match); 422 lists items whose asset is not READY",
        dependencies=[Depends(publish_rate_limit)],
    )
    @sends_etag
    def publish(
        playlistId: uuid.UUID,
        if_match: IfMatch,
        call: CallDep,
        scope: LibraryScope = Depends(publisher),
    ) -> PlaylistOut:
        publishing.publish_playlist(
            call.session,
            scope,
            playlistId,
            if_match=if_match,
            user_id=call.user.user_id,
            now=call.now,
            who=call.who,
        )
        return _answer(call, drafts.get_playlist(call.session, scope, playlistId))

    @router.post(
        "/{playlistId}/rollback",
        summary="Publish an earlier version again, as a new version (§27.9)",
        dependencies=[Depends(publish_rate_limit), *exists],
    )
    @sends_etag
    def rollback(
        playlistId: uuid.UUID,
        body: RollbackIn,
        if_match: IfMatch,
        call: CallDep,
        scope: LibraryScope = Depends(publisher),
    ) -> PlaylistOut:
        publishing.rollback_playlist(
            call.session,
            scope,
            playlistId,
            body.to_version,
            if_match=if_match,
            user_id=call.user.user_id,
            now=call.now,
            who=call.who,
        )
        return _answer(call, drafts.get_playlist(call.session, scope, playlistId))

    @router.get("/{playlistId}/versions", summary="Publish history of the playlist")
    def versions(
        playlistId: uuid.UUID,
        session: SessionDep,
        page: PageQuery,
        scope: LibraryScope = Depends(reader),
    ) -> Page[PlaylistVersionOut]:
        playlist = drafts.get_playlist(session, scope, playlistId)
        found = publishing.page_of_versions(session, playlist, page)
        items = [
            PlaylistVersionOut(
                published_version=v.published_version,
                published_at_utc=v.published_at,
                published_by_user_id=v.published_by_user_id,
                source=v.source,
                rolled_back_to_version=v.rolled_back_to_version,
            )
            for v in found.items
        ]
        return Page(items=items, next_cursor=found.next_cursor)

    @router.post("/{playlistId}/presence", summary="I am editing this (repeat within ttl)")
    def enter(
        playlistId: uuid.UUID, call: CallDep, scope: LibraryScope = Depends(editor)
    ) -> PresenceOut:
        playlist = drafts.get_playlist(call.session, scope, playlistId)
        return announce(call, playlist_resource(playlist))

    @router.delete("/{playlistId}/presence", status_code=204, summary="I stopped editing")
    def leave(
        playlistId: uuid.UUID, call: CallDep, scope: LibraryScope = Depends(editor)
    ) -> Response:
        playlist = drafts.get_playlist(call.session, scope, playlistId)
        withdraw(call, playlist_resource(playlist))
        return Response(status_code=204)


add_playlist_routes(
    library_router, library_reader, library_editor, library_editor, "the shared library"
)
add_playlist_routes(
    venue_router, venue_reader, venue_editor, venue_publisher, "a venue (shared and its own)"
)

router = APIRouter()
router.include_router(library_router)
router.include_router(venue_router)
