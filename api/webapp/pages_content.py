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
from api.webapp.access import venue_scope
from api.webapp.calls import FormPostDep, PageViewDep
from api.webapp.forms import uuid_field
from api.webapp.pages_playlists import PLAYLIST, editable_playlist, playlist_url, save_order
from api.webapp.presence import editors_fragment, presence_every
from api.webapp.rendering import PageRoute
from signage.auth.policy import VenueAction
from signage.content import library
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
    )


@router.get(PLAYLIST)
def playlist_page(
    venue_id: uuid.UUID, playlist_id: uuid.UUID, view: PageViewDep, published: bool = False
) -> Response:
    venue = view.venue(venue_id, VenueAction.READ)
    playlist = drafts.get_playlist(view.session, venue_scope(venue), playlist_id)
    can = view.abilities(venue)
    own = playlist.scope_venue_id == venue.id  # shared playlists are changed in the library
    return view.render(
        "playlist.html",
        venue=venue,
        playlist=playlist_out(view.session, view.context, playlist, view.user.user_id, view.now),
        etag=playlist_etag(playlist),
        can=can,
        editable=can.edit and own,
        publishable=can.manage and own,
        presence_every=presence_every(view.context),
        published=published,
        ready_assets=_ready_assets(view.session, venue) if can.edit and own else [],
    )


def _ready_assets(session: Session, venue: Venue) -> list[Asset]:
    """What an editor may add: READY assets the venue sees (its own and shared, §6)."""
    ready = library.AssetFilters(status=AssetStatus.READY)
    return library.list_assets(
        session, venue_scope(venue), ready, PageRequest(limit=MAX_LIMIT)
    ).items


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
    publishing.publish_playlist(
        post.session,
        venue_scope(venue),
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
    playlist = drafts.get_playlist(post.session, venue_scope(venue), playlist_id)
    return editors_fragment(post, _presence_of(playlist))
