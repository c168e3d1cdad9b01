"""Turning domain objects into wire models where more than one route needs the same view."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from api.context import AppContext
from api.presence import other_editors
from api.schemas import Page
from api.schemas.assets import AssetOut
from api.schemas.auth import AccessibleVenue, CurrentUserOut, VenueRoleOut
from api.schemas.devices import (
    CacheStatusOut,
    CommandOut,
    DeviceOut,
    DeviceStatusOut,
    ErrorCountsOut,
    NetworkStatusOut,
)
from api.schemas.playlists import PlaylistItemOut, PlaylistOut, PlaylistSummaryOut
from api.schemas.scheduling import TimelineIntervalOut, TimelineOut
from api.schemas.tenancy import UserOut, VenueRoleIn
from signage.auth.principal import UserPrincipal
from signage.auth.roles import accessible_venues
from signage.db.models import Asset, DeviceCommand, DeviceStatus, Playlist, User, Venue
from signage.devices import screenshots
from signage.devices.registry import DeviceView
from signage.enums import AssetStatus, Capability, PresenceResourceType
from signage.manifest.timeline import (
    playlist_names,
    target_timeline,
    timeline_target,
    timeline_window,
)
from signage.pagination import PageRequest
from signage.playlists import drafts
from signage.presence import Resource
from signage.storage.base import ObjectStorage
from signage.tenancy.admin import UserView


def current_user_out(user: User, principal: UserPrincipal) -> CurrentUserOut:
    """The signed-in user as /v1/me shows them."""
    return CurrentUserOut(
        user_id=user.id,
        tenant_id=user.tenant_id,
        email=user.email,
        display_name=user.display_name,
        tenant_roles=sorted(principal.tenant_roles),
        venue_roles=[
            VenueRoleOut(venue_id=v, role=r) for v, r in sorted(principal.venue_roles.items())
        ],
        capabilities=sorted(principal.capabilities),
    )


def accessible_venues_out(
    session: Session, principal: UserPrincipal, page: PageRequest
) -> Page[AccessibleVenue]:
    """A page of the venues the user may open, with the role that grants each."""
    found = accessible_venues(session, principal, page)
    items = [
        AccessibleVenue(venue_id=v.id, name=v.name, timezone=v.timezone, access_role=role)
        for v, role in found.items
    ]
    return Page(items=items, next_cursor=found.next_cursor)


def user_out(view: UserView) -> UserOut:
    user = view.user
    return UserOut(
        user_id=user.id,
        tenant_id=user.tenant_id,
        email=user.email,
        display_name=user.display_name,
        status=user.status,
        tenant_roles=sorted(view.tenant_roles),
        venue_roles=[VenueRoleIn(venue_id=v, role=r) for v, r in sorted(view.venue_roles.items())],
        capabilities=sorted(Capability(c) for c in user.capabilities),
        last_login_at_utc=user.last_login_at,
        created_at_utc=user.created_at,
    )


def device_out(view: DeviceView) -> DeviceOut:
    """A device with its status and online flag, as /v1 and the web app show it."""
    device, status = view.device, view.status
    return DeviceOut(
        device_id=device.id,
        venue_id=device.venue_id,
        name=device.name,
        primary_group_id=device.primary_group_id,
        hardware_id=device.hardware_id,
        model=device.model,
        timezone=device.timezone,
        run_mode=device.run_mode,
        launch_on_boot=device.launch_on_boot,
        auto_relaunch=device.auto_relaunch,
        keep_awake=device.keep_awake,
        watchdog_return_to_foreground=device.watchdog_return_to_foreground,
        orientation=device.orientation,
        cache_budget_bytes=device.cache_budget_bytes,
        app_version=device.app_version,
        last_seen_at_utc=device.last_seen_at,
        created_at_utc=device.created_at,
        status=_status_out(status, view.online),
    )


def command_out(command: DeviceCommand, storage: ObjectStorage, now: datetime) -> CommandOut:
    """A support command as /v1 lists it; a screenshot's result points to its picture."""
    out = CommandOut.model_validate(command)
    return out.model_copy(update={"screenshot_url": screenshots.view_url(storage, command, now)})


def _status_out(status: DeviceStatus | None, online: bool) -> DeviceStatusOut:
    def field(name: str) -> Any:
        return getattr(status, name) if status is not None else None

    return DeviceStatusOut(
        online=online,
        state=field("state"),
        last_heartbeat_at_utc=field("last_heartbeat_at"),
        manifest_etag=field("manifest_etag"),
        playlist_id=field("playlist_id"),
        published_version=field("published_version"),
        current_asset_id=field("current_asset_id"),
        current_item_index=field("current_item_index"),
        loop_count=field("loop_count"),
        cache=CacheStatusOut(
            total_bytes=field("cache_total_bytes"),
            used_bytes=field("cache_used_bytes"),
            asset_count=field("cache_asset_count"),
            pending_downloads=field("pending_downloads"),
        ),
        network=NetworkStatusOut(
            connected=field("network_connected"),
            type=field("network_type"),
            last_sync_at_utc=field("last_sync_at"),
        ),
        errors=ErrorCountsOut(
            playback_failures=field("playback_failures"),
            download_failures=field("download_failures"),
            manifest_fetch_failures=field("manifest_fetch_failures"),
        ),
    )


# -- assets, playlists and the timeline: /v1 and the web app show them alike ---------------------

THUMBNAIL_URL_LIFETIME = timedelta(hours=1)


def asset_out(asset: Asset, storage: ObjectStorage, now: datetime) -> AssetOut:
    """An asset with a thumbnail URL valid for an hour when it has one."""
    thumbnail = (
        storage.presign_get(asset.thumbnail_key, now + THUMBNAIL_URL_LIFETIME)
        if asset.status is AssetStatus.READY and asset.thumbnail_key
        else None
    )
    return AssetOut(
        asset_id=asset.id,
        tenant_id=asset.tenant_id,
        scope=asset.scope_type,
        venue_id=asset.scope_venue_id,
        type=asset.type,
        status=asset.status,
        display_name=asset.display_name,
        content_type=asset.content_type,
        file_size_bytes=asset.file_size_bytes,
        checksum_sha256=asset.checksum_sha256,
        width_px=asset.width_px,
        height_px=asset.height_px,
        duration_seconds=asset.duration_seconds,
        frame_rate=asset.frame_rate,
        bitrate_bps=asset.bitrate_bps,
        video_codec=asset.video_codec,
        audio_codec=asset.audio_codec,
        thumbnail_url=thumbnail,
        failure_reason=asset.failure_reason,
        failure_detail=asset.failure_detail,
        failed_at_utc=asset.failed_at,
        created_at_utc=asset.created_at,
        updated_at_utc=asset.updated_at,
    )


def playlist_resource(playlist: Playlist) -> Resource:
    """The playlist as a presence resource."""
    return Resource(playlist.tenant_id, PresenceResourceType.PLAYLIST, playlist.id)


def playlist_out(
    session: Session, context: AppContext, playlist: Playlist, me: uuid.UUID, now: datetime
) -> PlaylistOut:
    """A playlist with its draft items and who else is editing it."""
    items = drafts.draft_items(session, playlist.id)
    return PlaylistOut(
        **playlist_summary(playlist, len(items)).model_dump(),
        items=[
            PlaylistItemOut(
                playlist_item_id=item.id,
                asset_id=asset.id,
                sequence=item.sequence,
                duration_seconds=item.duration_seconds,
                enabled=item.enabled,
                asset_type=asset.type,
                asset_status=asset.status,
                asset_display_name=asset.display_name,
                asset_duration_seconds=(
                    None if asset.duration_seconds is None else float(asset.duration_seconds)
                ),
            )
            for item, asset in items
        ],
        editors=other_editors(session, context, playlist_resource(playlist), me, now),
    )


def playlist_summary(playlist: Playlist, item_count: int) -> PlaylistSummaryOut:
    """A playlist without its items, for lists."""
    return PlaylistSummaryOut(
        playlist_id=playlist.id,
        tenant_id=playlist.tenant_id,
        scope=playlist.scope_type,
        venue_id=playlist.scope_venue_id,
        name=playlist.name,
        draft_version=playlist.draft_version,
        published_version=playlist.published_version,
        item_count=item_count,
        created_at_utc=playlist.created_at,
        updated_at_utc=playlist.updated_at,
    )


def timeline_out(
    session: Session,
    context: AppContext,
    venue: Venue,
    now: datetime,
    window: tuple[datetime | None, datetime | None],
    device_id: uuid.UUID | None,
    group_id: uuid.UUID | None,
) -> TimelineOut:
    """ "What plays when" for a device or group of `venue` (§31): the /v1 timeline and the web
    app's page of one screen. `window` is (from, to); either may be None (7 days from now)."""
    start, end = timeline_window(*window, now)
    target_type, target_id = timeline_target(session, venue, device_id, group_id)
    snapshot = context.manifests.snapshot(session, venue.id, now)
    zone, intervals = target_timeline(snapshot, target_type, target_id, start, end)
    names = playlist_names(session, {i.playlist_id for i in intervals if i.playlist_id})
    return TimelineOut(
        venue_id=venue.id,
        target_type=target_type,
        target_id=target_id,
        timezone=zone,
        from_utc=start,
        to_utc=end,
        intervals=[
            TimelineIntervalOut(
                start_utc=i.start_utc,
                end_utc=i.end_utc,
                playlist_id=None if i.playlist_id is None else uuid.UUID(str(i.playlist_id)),
                playlist_name=names.get(str(i.playlist_id)),
                reason=i.reason,
                rule_id=None if i.rule_id is None else uuid.UUID(str(i.rule_id)),
                fallback_source=i.fallback_source,
            )
            for i in intervals
        ],
    )
