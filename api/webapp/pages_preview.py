"""A playlist previewed in the browser (issue 19 item 3): its enabled items in order, each with
its thumbnail and how long it stays on screen, the loop's length, and a player that shows them
one after the other for those durations, as a screen would (§9). The media are the assets'
signed URLs, as a player fetches them (§32.3)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import APIRouter, Response

from api.schemas.playlists import PlaylistItemOut
from api.views import playlist_out
from api.webapp.access import venue_scope
from api.webapp.calls import PageView, PageViewDep
from api.webapp.lookups import visible_by_id
from api.webapp.now_showing import thumbnail_url
from api.webapp.pages_uploads import storage_policy
from api.webapp.rendering import PageRoute
from signage.auth.policy import VenueAction
from signage.db.models import Asset, Venue
from signage.enums import AssetStatus, AssetType
from signage.playlists import drafts
from signage.storage.base import ObjectStorage

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MEDIA_URL_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class PreviewItem:
    name: str
    video: bool
    seconds: float
    media_url: str | None  # None: not READY, shown as a gap with its reason
    thumbnail_url: str | None


def preview_items(
    items: list[PlaylistItemOut], assets: dict[uuid.UUID, Asset], storage: ObjectStorage,
    now: datetime,
) -> list[PreviewItem]:  # fmt: skip
    """The items a screen would play, in order: enabled ones, for their durations (a video for
    its own length)."""
    shown = []
    for item in items:
        asset = assets.get(item.asset_id)
        if not item.enabled or asset is None:
            continue
        ready = asset.status is AssetStatus.READY
        shown.append(
            PreviewItem(
                name=item.asset_display_name,
                video=item.asset_type is AssetType.VIDEO,
                seconds=float(item.duration_seconds or item.asset_duration_seconds or 0),
                media_url=storage.presign_get(asset.storage_key, now + MEDIA_URL_LIFETIME)
                if ready
                else None,
                thumbnail_url=thumbnail_url(storage, asset, now),
            )
        )
    return shown


def item_thumbnails(
    view: PageView, venue: Venue, items: list[PlaylistItemOut]
) -> dict[uuid.UUID, str | None]:
    """Each item's asset thumbnail by asset id, for the playlist editor's rows (item 3)."""
    assets = visible_by_id(view.session, Asset, venue, (i.asset_id for i in items))
    storage = view.context.storage
    return {asset_id: thumbnail_url(storage, a, view.now) for asset_id, a in assets.items()}


@router.get("/app/venues/{venue_id}/playlists/{playlist_id}/preview")
def preview_page(venue_id: uuid.UUID, playlist_id: uuid.UUID, view: PageViewDep) -> Response:
    venue = view.venue(venue_id, VenueAction.READ)
    playlist = drafts.get_playlist(view.session, venue_scope(venue), playlist_id)
    shown = playlist_out(view.session, view.context, playlist, view.user.user_id, view.now)
    assets = visible_by_id(view.session, Asset, venue, (i.asset_id for i in shown.items))
    items = preview_items(shown.items, assets, view.context.storage, view.now)
    response = view.render(
        "playlist_preview.html",
        venue=venue,
        playlist=shown,
        items=items,
        loop_seconds=sum(item.seconds for item in items),
    )
    response.headers["Content-Security-Policy"] = storage_policy(
        view.context, "img-src", "media-src"
    )
    return response
