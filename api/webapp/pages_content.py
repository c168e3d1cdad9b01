"""A venue's playlists: reading, reordering and publishing (§15, §16); the weekly schedule is
api/webapp/pages_schedule.py.

Every change is made with the ETag the page was rendered with (a hidden field standing in for
If-Match), so a change someone else made in between is a 412 and the user is told to reload,
never silently overwritten (§16). Presence ("Sam Editor is editing") is the /v1 presence board.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from api.views import playlist_out
from api.webapp.access import may_edit_shared, playlist_scope, venue_scope
from api.webapp.calls import FormPostDep, PageViewDep
from api.webapp.forms import uuid_field
from api.webapp.pages_playlists import (
    PLAYLIST,
    editable_playlist,
    playlist_url,
    refuse_a_pointless_publish,
    save_order,
)
from api.webapp.pages_preview import item_thumbnails
from api.webapp.pages_uploads import storage_policy
from api.webapp.presence import editors_fragment, presence_every
from api.webapp.rendering import PageRoute
from signage.auth.policy import VenueAction
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


def _presence_of(playlist: Playlist) -> Resource:
    return Resource(playlist.tenant_id, PresenceResourceType.PLAYLIST, playlist.id)


@router.get("/app/venues/{venue_id}/playlists")
def playlists_page(venue_id: uuid.UUID, view: PageViewDep) -> Response:
    venue = view.venue(venue_id, VenueAction.READ)
    found = drafts.list_playlists(view.session, venue_scope(venue), PageRequest(limit=MAX_LIMIT))
    return view.render(
        "playlists.html",
        venue=venue,
        playlists=found.items,
        counts=drafts.item_counts(view.session, [p.id for p in found.items]),
        more=found.next_cursor is not None,
        can=view.abilities(venue),
        shared_editor=may_edit_shared(view.user),
    )


@router.get(PLAYLIST)
def playlist_page(
    venue_id: uuid.UUID,
    playlist_id: uuid.UUID,
    view: PageViewDep,
    published: bool = False,
    discarded: bool = False,
) -> Response:
    venue = view.venue(venue_id, VenueAction.READ)
    playlist = drafts.get_playlist(view.session, venue_scope(venue), playlist_id)
    can = view.abilities(venue)
    # A shared playlist is changed by those the shared library allows (§25.4, issue 19 item 5).
    shared = playlist.scope_venue_id is None
    own = not shared or may_edit_shared(view.user)
    shown = playlist_out(view.session, view.context, playlist, view.user.user_id, view.now)
    response = view.render(
        "playlist.html",
        venue=venue,
        playlist=shown,
        thumbnails=item_thumbnails(view, venue, shown.items),  # issue 19 item 3
        etag=playlist_etag(playlist),
        can=can,
        editable=can.edit and own,
        publishable=can.manage and own,
        standing=publishing.draft_standing(view.session, playlist),
        presence_every=presence_every(view.context),
        published=published,
        discarded=discarded,
        ready_assets=_ready_assets(view.session, venue, shared) if can.edit and own else [],
    )
    response.headers["Content-Security-Policy"] = storage_policy(view.context, "img-src")
    return response


def _ready_assets(session: Session, venue: Venue, shared: bool) -> list[Asset]:
    """What an editor may add: READY assets the venue sees (its own and shared, §6); a shared
    playlist only shared ones, as every venue plays it."""
    ready = library.AssetFilters(status=AssetStatus.READY)
    scope = LibraryScope(venue.tenant_id) if shared else venue_scope(venue)
    return library.list_assets(session, scope, ready, PageRequest(limit=MAX_LIMIT)).items


def _moved(order: list[uuid.UUID], item_id: uuid.UUID, direction: str) -> list[uuid.UUID]:
    """`order` with `item_id` one place up or down (unchanged at either end)."""
    if item_id not in order or direction not in {"up", "down"}:
        raise ValidationFailedError("Choose an item of this playlist and a direction.")
    index = order.index(item_id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    return order


@router.post(PLAYLIST + "/move")
def move_item(venue_id: uuid.UUID, playlist_id: uuid.UUID, post: FormPostDep) -> Response:
    """Up/down: PUT .../reorder with the page's ETag as If-Match (§16)."""
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    # Stale first: a concurrent change may also have removed the item asked about (§16 412).
    editable_playlist(post, venue, playlist_id)
    order = [item.id for item, _ in drafts.draft_items(post.session, playlist_id)]
    item_id = uuid_field(post.form, "item_id", "an item of this playlist")
    wanted = _moved(order, item_id, post.form.get("direction", ""))
    return save_order(post, venue, playlist_id, wanted)


@router.post(PLAYLIST + "/publish")
def publish_playlist(venue_id: uuid.UUID, playlist_id: uuid.UUID, post: FormPostDep) -> Response:
    venue = post.venue(venue_id, VenueAction.MANAGE)
    post.limit_publishing()
    refuse_a_pointless_publish(post, venue, playlist_id)
    publishing.publish_playlist(
        post.session,
        playlist_scope(post.session, post.user, venue, playlist_id),
        playlist_id,
        if_match=post.etag,
        user_id=post.user.user_id,
        now=post.now,
        who=post.who,
    )
    playlist = drafts.get_playlist(post.session, venue_scope(venue), playlist_id)
    return post.redirect(playlist_url(venue, playlist) + "?published=true")


@router.post(PLAYLIST + "/presence")
def playlist_presence(venue_id: uuid.UUID, playlist_id: uuid.UUID, post: FormPostDep) -> Response:
    """ "I am editing this", repeated by the page within the TTL; answers who else is (§16)."""
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    scope = playlist_scope(post.session, post.user, venue, playlist_id)
    playlist = drafts.get_playlist(post.session, scope, playlist_id)
    return editors_fragment(post, _presence_of(playlist))
