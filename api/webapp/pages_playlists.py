"""Building a venue playlist: create, rename, add, remove and drag items, publish history,
rollback, and discarding the draft's changes.

Each change is a /v1 playlist operation (§27.6, §27.9) made with the ETag the page was rendered
with as If-Match, so a change someone else made in between is the 412 "reload" page (§16).
Adding or removing an item is `PUT .../items` with the draft's items plus or minus one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from api.webapp.access import editing_scope, playlist_scope, venue_scope
from api.webapp.calls import FormPost, FormPostDep, PageViewDep
from api.webapp.forms import uuid_field, version_field
from api.webapp.lookups import user_names
from api.webapp.rendering import PageRoute
from signage.auth.policy import VenueAction
from signage.concurrency import require_if_match
from signage.db.models import Playlist, Venue
from signage.errors import ValidationFailedError
from signage.playlists import deletion, drafts, publishing
from signage.playlists.drafts import ItemInput, playlist_etag

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PLAYLIST = "/app/venues/{venue_id}/playlists/{playlist_id}"


def playlist_url(venue: Venue, playlist: Playlist) -> str:
    return f"/app/venues/{venue.id}/playlists/{playlist.id}"


def _seconds_field(form: dict[str, str]) -> int | None:
    """An image's duration; left empty (or for a video) it is None and the domain decides."""
    text = form.get("duration_seconds", "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValidationFailedError("The duration is a whole number of seconds.") from None


def _current_items(session: Session, playlist_id: uuid.UUID) -> dict[uuid.UUID, ItemInput]:
    """The draft's items in their order, by item id."""
    return {
        item.id: ItemInput(item.asset_id, item.duration_seconds, item.enabled)
        for item, _ in drafts.draft_items(session, playlist_id)
    }


def editable_playlist(post: FormPost, venue: Venue, playlist_id: uuid.UUID) -> Playlist:
    """The venue's own playlist, checked against the page's ETag before anything else, so a
    stale page hears "reload" rather than about an item someone else removed (§16)."""
    scope = playlist_scope(post.session, post.user, venue, playlist_id)
    playlist = drafts.get_playlist(post.session, scope, playlist_id)
    require_if_match(post.etag, playlist_etag(playlist))
    return playlist


@router.post("/app/venues/{venue_id}/playlists/new")
def create_playlist(venue_id: uuid.UUID, post: FormPostDep) -> Response:
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    shared = post.form.get("where") == "shared"  # for those who may change the shared library
    playlist = drafts.create_playlist(
        post.session,
        editing_scope(post.user, venue, shared),
        post.form.get("name", "").strip(),
        user_id=post.user.user_id,
        now=post.now,
        who=post.who,
    )
    return post.redirect(playlist_url(venue, playlist))


@router.post(PLAYLIST + "/rename")
def rename_playlist(venue_id: uuid.UUID, playlist_id: uuid.UUID, post: FormPostDep) -> Response:
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    playlist = drafts.rename_playlist(
        post.session,
        playlist_scope(post.session, post.user, venue, playlist_id),
        playlist_id,
        post.form.get("name", "").strip(),
        if_match=post.etag,
        now=post.now,
        who=post.who,
    )
    return post.redirect(playlist_url(venue, playlist))


@router.post(PLAYLIST + "/delete")
def delete_playlist(venue_id: uuid.UUID, playlist_id: uuid.UUID, post: FormPostDep) -> Response:
    """The API's DELETE (issue 15 item 15): a playlist still in use is the 409 page naming
    where."""
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    deletion.delete_playlist(
        post.session,
        playlist_scope(post.session, post.user, venue, playlist_id),
        playlist_id,
        now=post.now,
        who=post.who,
    )
    return post.redirect(f"/app/venues/{venue.id}/playlists")


def _replace_items(
    post: FormPost, venue: Venue, playlist_id: uuid.UUID, items: Iterable[ItemInput]
) -> Response:
    playlist = drafts.replace_items(
        post.session,
        playlist_scope(post.session, post.user, venue, playlist_id),
        playlist_id,
        list(items),
        if_match=post.etag,
        now=post.now,
        who=post.who,
    )
    return post.redirect(playlist_url(venue, playlist))


def save_order(
    post: FormPost, venue: Venue, playlist_id: uuid.UUID, order: list[uuid.UUID]
) -> Response:
    """`PUT .../reorder`: the draft's items in `order`, with the page's ETag (§16)."""
    playlist = drafts.reorder_items(
        post.session,
        playlist_scope(post.session, post.user, venue, playlist_id),
        playlist_id,
        order,
        if_match=post.etag,
        now=post.now,
        who=post.who,
    )
    return post.redirect(playlist_url(venue, playlist))


@router.post(PLAYLIST + "/add")
def add_item(venue_id: uuid.UUID, playlist_id: uuid.UUID, post: FormPostDep) -> Response:
    """Append an asset; images need 1-3600 s, videos play to completion (§9, §27.10)."""
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    editable_playlist(post, venue, playlist_id)
    added = ItemInput(uuid_field(post.form, "asset_id", "an asset"), _seconds_field(post.form))
    items = [*_current_items(post.session, playlist_id).values(), added]
    return _replace_items(post, venue, playlist_id, items)


def _order_field(form: dict[str, str]) -> list[uuid.UUID]:
    """The item ids of a dragged list, in their new order, comma-separated (playlist-drag.js)."""
    try:
        return [uuid.UUID(part) for part in form.get("order", "").split(",") if part.strip()]
    except ValueError:
        raise ValidationFailedError("Drag the items of this playlist into order.") from None


@router.post(PLAYLIST + "/reorder")
def reorder_items(venue_id: uuid.UUID, playlist_id: uuid.UUID, post: FormPostDep) -> Response:
    """Drag and drop: `PUT .../reorder` with the whole new order and the page's ETag (§16)."""
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    editable_playlist(post, venue, playlist_id)
    return save_order(post, venue, playlist_id, _order_field(post.form))


@router.post(PLAYLIST + "/remove")
def remove_item(venue_id: uuid.UUID, playlist_id: uuid.UUID, post: FormPostDep) -> Response:
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    editable_playlist(post, venue, playlist_id)
    removed = uuid_field(post.form, "item_id", "an item of this playlist")
    items = _current_items(post.session, playlist_id)
    if items.pop(removed, None) is None:
        raise ValidationFailedError("Choose an item of this playlist.")
    return _replace_items(post, venue, playlist_id, items.values())


def refuse_a_pointless_publish(post: FormPost, venue: Venue, playlist_id: uuid.UUID) -> None:
    """The page offers no publish that means nothing or must fail (issue 19 item 2); one sent
    anyway (twice, or from a stale page) hears why in words. /v1 keeps its own rules (§15)."""
    playlist = editable_playlist(post, venue, playlist_id)
    refusal = publishing.draft_standing(post.session, playlist).refusal
    if refusal is not None:
        raise ValidationFailedError(refusal)


@router.post(PLAYLIST + "/discard")
def discard_draft(venue_id: uuid.UUID, playlist_id: uuid.UUID, post: FormPostDep) -> Response:
    """The draft becomes what plays again (issue 19 item 1): after a rollback, the way out of
    publishing the rolled-back changes by accident."""
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    playlist = publishing.discard_draft(
        post.session,
        venue_scope(venue),
        playlist_id,
        if_match=post.etag,
        now=post.now,
        who=post.who,
    )
    return post.redirect(playlist_url(venue, playlist) + "?discarded=true")


@router.get(PLAYLIST + "/versions")
def versions_page(
    venue_id: uuid.UUID, playlist_id: uuid.UUID, view: PageViewDep, rolled_back: int | None = None
) -> Response:
    """The playlist's publish history (§27.9), newest first; managers roll back from here."""
    venue = view.venue(venue_id, VenueAction.READ)
    playlist = drafts.get_playlist(view.session, venue_scope(venue), playlist_id)
    versions = publishing.published_versions(view.session, playlist)
    return view.render(
        "versions.html",
        venue=venue,
        playlist=playlist,
        etag=playlist_etag(playlist),
        versions=versions,
        names=user_names(view.session, (v.published_by_user_id for v in versions)),
        may_roll_back=view.abilities(venue).manage and playlist.scope_venue_id == venue.id,
        rolled_back=rolled_back,
        standing=publishing.draft_standing(view.session, playlist),
    )


@router.post(PLAYLIST + "/versions/rollback")
def roll_back(venue_id: uuid.UUID, playlist_id: uuid.UUID, post: FormPostDep) -> Response:
    """Publish an earlier version again as a new version (§27.9), managers only."""
    venue = post.venue(venue_id, VenueAction.MANAGE)
    post.limit_publishing()
    to_version = version_field(post.form)
    publishing.rollback_playlist(
        post.session,
        playlist_scope(post.session, post.user, venue, playlist_id),
        playlist_id,
        to_version,
        if_match=post.etag,
        user_id=post.user.user_id,
        now=post.now,
        who=post.who,
    )
    url = f"/app/venues/{venue.id}/playlists/{playlist_id}/versions?rolled_back={to_version}"
    return post.redirect(url)
