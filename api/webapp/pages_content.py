"""A venue's playlists: reading, reordering and publishing (§15, §16); the weekly schedule is
api/webapp/pages_schedule.py.

Every change is made with the ETag the page was rendered with (a hidden field standing in for
If-Match), so a change someone else made in between is a 412 and the user is told to reload,
never silently overwritten (§16). Presence ("Sam Editor is editing") is the /v1 presence board.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from api.auth import user_audit_context
from api.deps import ContextDep, NowDep, SessionDep
from api.presence import announce
from api.routes.playlists import playlist_out, publish_rate_limit
from api.webapp.access import abilities, open_venue
from api.webapp.rendering import PageRoute, redirect, render
from api.webapp.session import CheckedForm, WebUser
from signage.auth.policy import VenueAction
from signage.concurrency import require_if_match
from signage.content import library
from signage.content.scope import LibraryScope
from signage.db.models import Asset, Playlist, Venue
from signage.enums import AssetStatus, PresenceResourceType
from signage.errors import ValidationFailedError
from signage.pagination import MAX_LIMIT, PageRequest
from signage.playlists import drafts, publishing
from signage.playlists.drafts import playlist_etag
from signage.presence import Resource

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _scope(venue: Venue) -> LibraryScope:
    """A venue sees the shared library and its own content; it changes only its own (§6)."""
    return LibraryScope(venue.tenant_id, venue.id)


def _presence_of(playlist: Playlist) -> Resource:
    return Resource(playlist.tenant_id, PresenceResourceType.PLAYLIST, playlist.id)


def _playlist_url(venue: Venue, playlist: Playlist) -> str:
    return f"/app/venues/{venue.id}/playlists/{playlist.id}"


@router.get("/app/venues/{venue_id}/playlists")
def playlists_page(
    venue_id: uuid.UUID, request: Request, user: WebUser, session: SessionDep
) -> Response:
    venue = open_venue(session, user, venue_id, VenueAction.READ)
    found = drafts.list_playlists(session, _scope(venue), PageRequest(limit=MAX_LIMIT))
    counts = drafts.item_counts(session, [p.id for p in found.items])
    return render(
        request,
        "playlists.html",
        venue=venue,
        playlists=found.items,
        counts=counts,
        more=found.next_cursor is not None,
        can=abilities(user, venue.id),
    )


@router.get("/app/venues/{venue_id}/playlists/{playlist_id}")
def playlist_page(
    venue_id: uuid.UUID,
    playlist_id: uuid.UUID,
    request: Request,
    user: WebUser,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
    published: bool = False,
) -> Response:
    venue = open_venue(session, user, venue_id, VenueAction.READ)
    playlist = drafts.get_playlist(session, _scope(venue), playlist_id)
    can = abilities(user, venue.id)
    own = playlist.scope_venue_id == venue.id  # shared playlists are changed in the library
    return render(
        request,
        "playlist.html",
        venue=venue,
        playlist=playlist_out(session, context, playlist, user.user_id, now),
        etag=playlist_etag(playlist),
        can=can,
        editable=can.edit and own,
        publishable=can.manage and own,
        presence_every=max(5, context.settings.presence_ttl_seconds // 2),
        published=published,
        ready_assets=_ready_assets(session, venue) if can.edit and own else [],
    )


def _ready_assets(session: Session, venue: Venue) -> list[Asset]:
    """What an editor may add: READY assets the venue sees (its own and shared, §6)."""
    ready = library.AssetFilters(status=AssetStatus.READY)
    return library.list_assets(session, _scope(venue), ready, PageRequest(limit=MAX_LIMIT)).items


def _moved(order: list[uuid.UUID], item_id: uuid.UUID, direction: str) -> list[uuid.UUID]:
    """`order` with `item_id` one place up or down (unchanged at either end)."""
    if item_id not in order or direction not in {"up", "down"}:
        raise ValidationFailedError("Choose an item of this playlist and a direction.")
    index = order.index(item_id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    return order


def _item_id(form: dict[str, str]) -> uuid.UUID:
    try:
        return uuid.UUID(form.get("item_id", ""))
    except ValueError:
        raise ValidationFailedError("Choose an item of this playlist.") from None


@router.post("/app/venues/{venue_id}/playlists/{playlist_id}/move")
def move_item(
    venue_id: uuid.UUID,
    playlist_id: uuid.UUID,
    request: Request,
    user: WebUser,
    form: CheckedForm,
    session: SessionDep,
    now: NowDep,
) -> Response:
    """Up/down: PUT .../reorder with the page's ETag as If-Match (§16)."""
    venue = open_venue(session, user, venue_id, VenueAction.EDIT_CONTENT)
    scope = _scope(venue)
    etag = form.get("etag")
    # Stale first: a concurrent change may also have removed the item asked about (§16 412).
    require_if_match(etag, playlist_etag(drafts.get_playlist(session, scope, playlist_id)))
    order = [item.id for item, _ in drafts.draft_items(session, playlist_id)]
    wanted = _moved(order, _item_id(form), form.get("direction", ""))
    playlist = drafts.reorder_items(
        session,
        scope,
        playlist_id,
        wanted,
        if_match=etag,
        now=now,
        who=user_audit_context(request, user),
    )
    return redirect(request, _playlist_url(venue, playlist))


@router.post("/app/venues/{venue_id}/playlists/{playlist_id}/publish")
def publish_playlist(
    venue_id: uuid.UUID,
    playlist_id: uuid.UUID,
    request: Request,
    user: WebUser,
    form: CheckedForm,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
) -> Response:
    venue = open_venue(session, user, venue_id, VenueAction.MANAGE)
    publish_rate_limit(request, context, user)
    publishing.publish_playlist(
        session,
        _scope(venue),
        playlist_id,
        if_match=form.get("etag"),
        user_id=user.user_id,
        now=now,
        who=user_audit_context(request, user),
    )
    playlist = drafts.get_playlist(session, _scope(venue), playlist_id)
    return redirect(request, _playlist_url(venue, playlist) + "?published=true")


@router.post("/app/venues/{venue_id}/playlists/{playlist_id}/presence")
def playlist_presence(
    venue_id: uuid.UUID,
    playlist_id: uuid.UUID,
    request: Request,
    user: WebUser,
    form: CheckedForm,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
) -> Response:
    """ "I am editing this", repeated by the page within the TTL; answers who else is (§16)."""
    venue = open_venue(session, user, venue_id, VenueAction.EDIT_CONTENT)
    playlist = drafts.get_playlist(session, _scope(venue), playlist_id)
    presence = announce(session, context, _presence_of(playlist), user.user_id, now)
    return render(request, "_editors.html", editors=presence.editors)
