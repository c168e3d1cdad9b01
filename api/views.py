"""Turning domain objects into wire models where more than one route needs the same view."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api.schemas import Page
from api.schemas.auth import AccessibleVenue, CurrentUserOut, VenueRoleOut
from api.schemas.devices import (
    CacheStatusOut,
    DeviceOut,
    DeviceStatusOut,
    ErrorCountsOut,
    NetworkStatusOut,
)
from api.schemas.tenancy import UserOut, VenueRoleIn
from signage.auth.principal import UserPrincipal
from signage.auth.roles import accessible_venues
from signage.db.models import DeviceStatus, User
from signage.devices.registry import DeviceView
from signage.enums import Capability
from signage.pagination import PageRequest
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
