"""Building a venue playlist: create, rename, add, remove and drag items, publish history,
rollback.

Each change is a /v1 playlist operation (§27.6, §27.9) made with the ETag the page was rendered
with as If-Match, so a change someone else made in between is the 412 "reload" page (§16).
Adding or removing an item is `PUT .../items` with the draft's items plus or minus one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import user_audit_context
from api.deps import ContextDep, NowDep, SessionDep
from api.routes.playlists import publish_rate_limit
from api.webapp.access import abilities, open_venue
from api.webapp.rendering import PageRoute, redirect, render
from api.webapp.session import CheckedForm, WebUser
from signage.auth.policy import VenueAction
from signage.concurrency import require_if_match
from signage.content.scope import LibraryScope
from signage.db.models import Playlist, User, Venue
from signage.errors import ValidationFailedError
from signage.playlists import drafts, publishing
from signage.playlists.drafts import ItemInput, playlist_etag

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PLAYLIST = "/app/venues/{venue_id}/playlists/{playlist_id}"


def own_scope(venue: Venue) -> LibraryScope:
    return LibraryScope(venue.tenant_id, venue.id)


def playlist_url(venue: Venue, playlist: Playlist) -> str:
    return f"/app/venues/{venue.id}/playlists/{playlist.id}"


def _uuid_field(form: dict[str, str], name: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(form.get(name, ""))
    except ValueError:
        raise ValidationFailedError(f"Choose {what}.") from None


def _seconds_field(form: dict[str, str]) -> int | None:
    """An image's duration; left empty (or for a video) it is None and the domain decides."""
    text = form.get("duration_seconds", "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValidationFailedError("The duration is a whole number of seconds.") from None


def _current_items(session: Session, playlist_id: uuid.UUID) -> list[ItemInput]:
    return [
        ItemInput(item.asset_id, item.duration_seconds, item.enabled)
        for item, _ in drafts.draft_items(session, playlist_id)
    ]


def _editable_playlist(
    session: Session, venue: Venue, playlist_id: uuid.UUID, etag: str | None
) -> Playlist:
    """The venue's own playlist, checked against the page's ETag before anything else, so a
    stale page hears "reload" rather than about an item someone else removed (§16)."""
    playlist = drafts.get_playlist(session, own_scope(venue), playlist_id)
    require_if_match(etag, playlist_etag(playlist))
    return playlist


@router.post("/app/venues/{venue_id}/playlists/new")
def create_playlist(
    venue_id: uuid.UUID,
    request: Request,
    user: WebUser,
    form: CheckedForm,
    session: SessionDep,
    now: NowDep,
) -> Response:
    venue = open_venue(session, user, venue_id, VenueAction.EDIT_CONTENT)
    playlist = drafts.create_playlist(
        session,
        own_scope(venue),
        form.get("name", "").strip(),
        user_id=user.user_id,
        now=now,
        who=user_audit_context(request, user),
    )
    return redirect(request, playlist_url(venue, playlist))


@router.post(PLAYLIST + "/rename")
def rename_playlist(
    venue_id: uuid.UUID,
    playlist_id: uuid.UUID,
    request: Request,
    user: WebUser,
    form: CheckedForm,
    session: SessionDep,
    now: NowDep,
) -> Response:
    venue = open_venue(session, user, venue_id, VenueAction.EDIT_CONTENT)
    playlist = drafts.rename_playlist(
        session,
        own_scope(venue),
        playlist_id,
        form.get("name", "").strip(),
        if_match=form.get("etag"),
        now=now,
        who=user_audit_context(request, user),
    )
    return redirect(request, playlist_url(venue, playlist))


def _replace_items(
    request: Request,
    user: WebUser,
    session: Session,
    venue: Venue,
    playlist_id: uuid.UUID,
    items: Iterable[ItemInput],
    etag: str | None,
    now: NowDep,
) -> Response:
    playlist = drafts.replace_items(
        session,
        own_scope(venue),
        playlist_id,
        list(items),
        if_match=etag,
        now=now,
        who=user_audit_context(request, user),
    )
    return redirect(request, playlist_url(venue, playlist))


@router.post(PLAYLIST + "/add")
def add_item(
    venue_id: uuid.UUID,
    playlist_id: uuid.UUID,
    request: Request,
    user: WebUser,
    form: CheckedForm,
    session: SessionDep,
    now: NowDep,
) -> Response:
    """Append an asset; images need 1-3600 s, videos play to completion (§9, §27.10)."""
    venue = open_venue(session, user, venue_id, VenueAction.EDIT_CONTENT)
    etag = form.get("etag")
    _editable_playlist(session, venue, playlist_id, etag)
    added = ItemInput(_uuid_field(form, "asset_id", "an asset"), _seconds_field(form))
    items = [*_current_items(session, playlist_id), added]
    return _replace_items(request, user, session, venue, playlist_id, items, etag, now)


def _order_field(form: dict[str, str]) -> list[uuid.UUID]:
    """The item ids of a dragged list, in their new order, comma-separated (playlist-drag.js)."""
    try:
        return [uuid.UUID(part) for part in form.get("order", "").split(",") if part.strip()]
    except ValueError:
        raise ValidationFailedError("Drag the items of this playlist into order.") from None


@router.post(PLAYLIST + "/reorder")
def reorder_items(
    venue_id: uuid.UUID,
    playlist_id: uuid.UUID,
    request: Request,
    user: WebUser,
    form: CheckedForm,
    session: SessionDep,
    now: NowDep,
) -> Response:
    """Drag and drop: `PUT .../reorder` with the whole new order and the page's ETag (§16)."""
    venue = open_venue(session, user, venue_id, VenueAction.EDIT_CONTENT)
    etag = form.get("etag")
    _editable_playlist(session, venue, playlist_id, etag)
    playlist = drafts.reorder_items(
        session,
        own_scope(venue),
        playlist_id,
        _order_field(form),
        if_match=etag,
        now=now,
        who=user_audit_context(request, user),
    )
    return redirect(request, playlist_url(venue, playlist))


@router.post(PLAYLIST + "/remove")
def remove_item(
    venue_id: uuid.UUID,
    playlist_id: uuid.UUID,
    request: Request,
    user: WebUser,
    form: CheckedForm,
    session: SessionDep,
    now: NowDep,
) -> Response:
    venue = open_venue(session, user, venue_id, VenueAction.EDIT_CONTENT)
    etag = form.get("etag")
    _editable_playlist(session, venue, playlist_id, etag)
    removed = _uuid_field(form, "item_id", "an item of this playlist")
    rows = drafts.draft_items(session, playlist_id)
    if removed not in {item.id for item, _ in rows}:
        raise ValidationFailedError("Choose an item of this playlist.")
    items = [
        ItemInput(item.asset_id, item.duration_seconds, item.enabled)
        for item, _ in rows
        if item.id != removed
    ]
    return _replace_items(request, user, session, venue, playlist_id, items, etag, now)


def user_names(session: Session, user_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}


@router.get(PLAYLIST + "/versions")
def versions_page(
    venue_id: uuid.UUID,
    playlist_id: uuid.UUID,
    request: Request,
    user: WebUser,
    session: SessionDep,
    rolled_back: int | None = None,
) -> Response:
    """The playlist's publish history (§27.9), newest first; managers roll back from here."""
    venue = open_venue(session, user, venue_id, VenueAction.READ)
    playlist = drafts.get_playlist(session, own_scope(venue), playlist_id)
    versions = publishing.published_versions(session, playlist)
    can = abilities(user, venue.id)
    return render(
        request,
        "versions.html",
        venue=venue,
        playlist=playlist,
        etag=playlist_etag(playlist),
        versions=versions,
        names=user_names(session, (v.published_by_user_id for v in versions)),
        may_roll_back=can.manage and playlist.scope_venue_id == venue.id,
        rolled_back=rolled_back,
    )


@router.post(PLAYLIST + "/versions/rollback")
def roll_back(
    venue_id: uuid.UUID,
    playlist_id: uuid.UUID,
    request: Request,
    user: WebUser,
    form: CheckedForm,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
) -> Response:
    """Publish an earlier version again as a new version (§27.9), managers only."""
    venue = open_venue(session, user, venue_id, VenueAction.MANAGE)
    publish_rate_limit(request, context, user)
    try:
        to_version = int(form.get("to_version", ""))
    except ValueError:
        raise ValidationFailedError("Choose a version to roll back to.") from None
    publishing.rollback_playlist(
        session,
        own_scope(venue),
        playlist_id,
        to_version,
        if_match=form.get("etag"),
        user_id=user.user_id,
        now=now,
        who=user_audit_context(request, user),
    )
    url = f"/app/venues/{venue.id}/playlists/{playlist_id}/versions?rolled_back={to_version}"
    return redirect(request, url)
