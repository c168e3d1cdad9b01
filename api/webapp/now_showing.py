"""What each screen is showing now, from its last heartbeat (issue 19 item 3, §27.8.2
`playback.currentAssetId`): the item's name and thumbnail, and the playlist it plays.

The ids come from the device, so they are looked up only among what the venue may see (its own
and the shared library, §6): an id of another tenant's asset names nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from api.schemas.devices import DeviceOut
from api.views import THUMBNAIL_URL_LIFETIME
from api.webapp.lookups import visible_by_id
from signage.db.models import Asset, Playlist, Venue
from signage.enums import AssetStatus, PlayerState
from signage.storage.base import ObjectStorage

_NONE = uuid.UUID(int=0)  # looked up in place of a missing id: names nothing


@dataclass(frozen=True)
class NowShowing:
    asset_name: str
    thumbnail_url: str | None
    playlist_name: str | None
    item_number: int | None  # 1-based, as people count


def now_showing(
    session: Session,
    storage: ObjectStorage,
    venue: Venue,
    devices: Iterable[DeviceOut],
    now: datetime,
) -> dict[uuid.UUID, NowShowing]:
    """By device id, what the online, playing screens among `devices` report on screen."""
    playing = [
        d
        for d in devices
        if d.status.online
        and d.status.state is PlayerState.PLAYING
        and d.status.current_asset_id is not None
    ]
    assets = visible_by_id(session, Asset, venue, {d.status.current_asset_id for d in playing})
    playlists = visible_by_id(session, Playlist, venue, {d.status.playlist_id for d in playing})
    shown: dict[uuid.UUID, NowShowing] = {}
    for device in playing:
        asset = assets.get(device.status.current_asset_id or _NONE)
        playlist = playlists.get(device.status.playlist_id or _NONE)
        index = device.status.current_item_index
        shown[device.device_id] = NowShowing(
            asset_name=asset.display_name if asset is not None else "an item no longer listed",
            thumbnail_url=thumbnail_url(storage, asset, now),
            playlist_name=playlist.name if playlist is not None else None,
            item_number=index + 1 if index is not None else None,
        )
    return shown


def thumbnail_url(storage: ObjectStorage, asset: Asset | None, now: datetime) -> str | None:
    """A READY asset's thumbnail, signed for an hour as the library shows it."""
    if asset is None or asset.status is not AssetStatus.READY or not asset.thumbnail_key:
        return None
    return storage.presign_get(asset.thumbnail_key, now + THUMBNAIL_URL_LIFETIME)
