"""Turning domain objects into wire models where more than one route needs the same view."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.context import AppContext
from api.presence import other_editors
from api.schemas import Page
from api.schemas.assets import AssetOut
from api.schemas.auth import AccessibleVenue, CurrentUserOut, VenueRoleOut
from api.schemas.devices import (
    CacheStatusOut,
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
from signage.db.models import Asset, DeviceGroup, DeviceStatus, Playlist, User, Venue
from signage.devices.registry import DeviceView
from signage.enums import AssetStatus, Capability, PresenceResourceType, SlotTargetType
from signage.errors import NotFoundError, ValidationFailedError
from signage.manifest.timeline import target_timeline
from signage.pagination import PageRequest
from signage.playlists import drafts
from signage.presence import Resource
from signage.scheduling.resolver import MAX_TIMELINE_WINDOW
from signage.storage.base import ObjectStorage
from signage.tenancy.admin import UserView


def current_user_out(user: User, principal: UserPrincipal) -> CurrentUserOut:
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
DEFAULT_TIMELINE_WINDOW = timedelta(days=7)


def asset_out(asset: Asset, storage: ObjectStorage, now: datetime) -> AssetOut:
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
    return Resource(playlist.tenant_id, PresenceResourceType.PLAYLIST, playlist.id)


def playlist_out(
    session: Session, context: AppContext, playlist: Playlist, me: uuid.UUID, now: datetime
) -> PlaylistOut:
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
    from_utc, to_utc = window
    start, end = _window(from_utc, to_utc, now)
    target_type, target_id = _target(session, venue, device_id, group_id)
    snapshot = context.manifests.snapshot(session, venue.id, now)
    zone, intervals = target_timeline(snapshot, target_type, target_id, start, end)
    names = _playlist_names(session, {i.playlist_id for i in intervals if i.playlist_id})
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


def _window(
    from_utc: datetime | None, to_utc: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    for name, value in (("from", from_utc), ("to", to_utc)):
        if value is not None and value.tzinfo is None:
            raise ValidationFailedError(
                "Times need a UTC offset (§30.1).",
                errors=[{"location": f"query.{name}", "message": "no UTC offset"}],
            )
    start = from_utc or now
    end = to_utc or start + DEFAULT_TIMELINE_WINDOW
    if not start < end <= start + MAX_TIMELINE_WINDOW:
        raise ValidationFailedError(
            "The window must end after it starts and span at most 14 days.",
            errors=[{"location": "query.to", "message": "window empty or over 14 days"}],
        )
    return start, end


def _target(
    session: Session, venue: Venue, device_id: uuid.UUID | None, group_id: uuid.UUID | None
) -> tuple[SlotTargetType, uuid.UUID]:
    if (device_id is None) == (group_id is None):
        raise ValidationFailedError(
            "Give exactly one of deviceId and groupId.",
            errors=[{"location": "query.deviceId", "message": "exactly one of deviceId, groupId"}],
        )
    if device_id is not None:
        return SlotTargetType.DEVICE, device_id  # the snapshot knows the venue's devices
    assert group_id is not None
    group = session.get(DeviceGroup, group_id)
    if group is None or group.venue_id != venue.id:
        raise NotFoundError(f"Group {group_id} was not found.")
    return SlotTargetType.GROUP, group_id


def _playlist_names(session: Session, playlist_ids: set[object]) -> dict[str, str]:
    ids = [uuid.UUID(str(p)) for p in playlist_ids]
    rows = session.execute(select(Playlist.id, Playlist.name).where(Playlist.id.in_(ids)))
    return {str(playlist_id): name for playlist_id, name in rows}
