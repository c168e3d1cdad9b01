"""A past week for the demo tenant's screens (issue 18 item 4; `signage seed-demo
--telemetry-days N`, SIGNAGE_DEMO_TELEMETRY_DAYS for `signage up`): five screens at the two
Hospitality Group venues, created when missing, and the heartbeats and events they would have
sent through each day's opening hours (signage/telemetry/demo_history.py), so the ops
dashboard, the device pages and, once the warehouse has copied them, the notebooks show real
-looking data. What the screens play is what the demo content published: each venue's fallback
playlist and the Fortescue bar screens' weekday happy hour.

The story: the Fortescue Arms' second bar screen and the café's window screen are on flaky
Wi-Fi; the café's screens are an older model that cannot decode the house clip; the pub's
dining-room screen got the new app a few days ago.

Idempotent: once the demo screens have a status, nothing more is written.
"""

from __future__ import annotations

import math
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.auth.principal import DevicePrincipal
from signage.db.engine import Database
from signage.db.models import (
    Asset,
    Device,
    DeviceGroup,
    DeviceStatus,
    Playlist,
    PlaylistPublishedItem,
    SchedulePublishedSlot,
    Tenant,
    Venue,
    VenueScheduleSet,
)
from signage.enums import AssetType, NetworkType, SlotTargetType
from signage.errors import ConflictError
from signage.telemetry.backfill import StoredHistory, store_history
from signage.telemetry.demo_history import (
    APP_VERSION,
    OpeningHours,
    PlayItem,
    Programme,
    ScreenPlan,
    Slot,
    demo_history,
)
from signage.tenancy import demo
from signage.tenancy.demo_content import BAR_GROUP

HARDWARE_PREFIX = "demo-screen-"
# Images without a set duration and videos without a known length (never in the demo).
FALLBACK_SECONDS = 10


def _hours(open_at: str, close_at: str) -> tuple[int, int]:
    def minutes(text: str) -> int:
        hours, mins = text.split(":")
        return int(hours) * 60 + int(mins)

    return minutes(open_at), minutes(close_at)


# Monday first, venue local time.
PUB = _hours("11:00", "23:00")
PUB_LATE = _hours("11:00", "23:45")
CAFE = _hours("07:30", "17:00")
OPENING_HOURS = {
    demo.FORTESCUE: OpeningHours((PUB,) * 4 + (PUB_LATE,) * 2 + (_hours("12:00", "22:30"),)),
    demo.GRUMPY_BADGER: OpeningHours((CAFE,) * 5 + (_hours("08:30", "17:00"), None)),
}
# The café's screens cannot decode the demo's clip (§27.8.3 PLAYBACK_FAILED, DECODE_ERROR).
FAILING_VIDEO_VENUE = demo.GRUMPY_BADGER


@dataclass(frozen=True)
class DemoScreen:
    venue: str
    name: str
    model: str
    network: NetworkType = NetworkType.ETHERNET
    group: str | None = None
    flaps: bool = False
    upgraded_days_ago: int | None = None

    @property
    def hardware_id(self) -> str:
        """How the demo's devices are found again: `demo-screen-grumpy-badger-cafe-counter`."""
        words = unicodedata.normalize("NFKD", f"{self.venue} {self.name}").encode("ascii", "ignore")
        return HARDWARE_PREFIX + "-".join(words.decode().lower().split())


DEMO_SCREENS = (
    DemoScreen(demo.FORTESCUE, "Bar screen 1", "NUC13", group=BAR_GROUP),
    DemoScreen(
        demo.FORTESCUE, "Bar screen 2", "NUC13", NetworkType.WIFI, group=BAR_GROUP, flaps=True
    ),
    DemoScreen(demo.FORTESCUE, "Dining room", "NUC13", upgraded_days_ago=3),
    DemoScreen(demo.GRUMPY_BADGER, "Counter", "Raspberry Pi 3B+"),
    DemoScreen(demo.GRUMPY_BADGER, "Window", "Raspberry Pi 3B+", NetworkType.WIFI, flaps=True),
)


@dataclass(frozen=True)
class DemoTelemetry:
    screens: int
    screens_created: int
    stored: StoredHistory | None  # None: the demo screens already had telemetry


def seed_demo_telemetry(
    database: Database, now: datetime, days: int, seed: int = demo.TELEMETRY_SEED
) -> DemoTelemetry:
    """Create the demo screens if missing and store their last `days` days up to `now`, unless
    they already have telemetry. Needs the demo content (signage.tenancy.demo_content)."""
    with database.unit_of_work() as session:
        tenant = session.scalars(select(Tenant).where(Tenant.name == demo.HOSPITALITY)).one()
        devices, created = _ensure_screens(session, tenant, now - timedelta(days=days))
        if _have_telemetry(session, devices.values()):
            return DemoTelemetry(len(devices), created, None)
        plans = [_plan(session, screen, devices[screen]) for screen in DEMO_SCREENS]
        stored = store_history(session, demo_history(plans, now, days, seed))
    return DemoTelemetry(len(devices), created, stored)


def _ensure_screens(
    session: Session, tenant: Tenant, since: datetime
) -> tuple[dict[DemoScreen, Device], int]:
    """The demo's devices by screen, created (as if paired at `since`) where missing."""
    venues = {v.name: v for v in session.scalars(select(Venue).where(Venue.tenant_id == tenant.id))}
    existing = {
        d.hardware_id: d
        for d in session.scalars(
            select(Device).where(
                Device.tenant_id == tenant.id, Device.hardware_id.startswith(HARDWARE_PREFIX)
            )
        )
    }
    devices: dict[DemoScreen, Device] = {}
    for screen in DEMO_SCREENS:
        device = existing.get(screen.hardware_id)
        if device is None:
            device = _new_device(session, venues[screen.venue], screen, since)
        devices[screen] = device
    session.flush()
    return devices, len(DEMO_SCREENS) - len(existing)


def _new_device(session: Session, venue: Venue, screen: DemoScreen, since: datetime) -> Device:
    group_id = (
        session.scalar(
            select(DeviceGroup.id).where(
                DeviceGroup.venue_id == venue.id, DeviceGroup.name == screen.group
            )
        )
        if screen.group
        else None
    )
    device = Device(
        tenant_id=venue.tenant_id,
        venue_id=venue.id,
        name=screen.name,
        primary_group_id=group_id,
        hardware_id=screen.hardware_id,
        model=screen.model,
        app_version=APP_VERSION,
        created_at=since,
        updated_at=since,
    )
    session.add(device)
    return device


def _have_telemetry(session: Session, devices: Iterable[Device]) -> bool:
    """Whether any of `devices` ever sent a heartbeat (it has a latest status)."""
    ids = [device.id for device in devices]
    found = select(DeviceStatus.device_id).where(DeviceStatus.device_id.in_(ids)).limit(1)
    return session.scalar(found) is not None


def _plan(session: Session, screen: DemoScreen, device: Device) -> ScreenPlan:
    venue = session.get_one(Venue, device.venue_id)
    if venue.fallback_playlist_id is None:
        raise ConflictError("the demo content is missing: seed it first (signage seed-demo)")
    fallback = _programme(session, venue.fallback_playlist_id)
    failing = None
    if screen.venue == FAILING_VIDEO_VENUE:
        failing = next((i.asset_id for i in fallback.items if _is_video(session, i)), None)
    return ScreenPlan(
        device=DevicePrincipal(device.id, device.venue_id, device.tenant_id),
        key=screen.hardware_id,
        timezone=device.timezone or venue.timezone,
        hours=OPENING_HOURS[screen.venue],
        fallback=fallback,
        slots=_slots(session, venue, device),
        model=screen.model,
        network=screen.network,
        flaps=screen.flaps,
        failing_asset_id=failing,
        upgraded_days_ago=screen.upgraded_days_ago,
        cache_budget_bytes=device.cache_budget_bytes,
    )


def _is_video(session: Session, item: PlayItem) -> bool:
    return session.get_one(Asset, item.asset_id).type is AssetType.VIDEO


def _programme(session: Session, playlist_id: uuid.UUID) -> Programme:
    """The playlist's published snapshot as a screen plays it."""
    version = session.get_one(Playlist, playlist_id).published_version
    if version is None:
        raise ConflictError("the demo playlist is not published: seed the demo content first")
    rows = session.execute(
        select(PlaylistPublishedItem.duration_seconds, Asset)
        .join(Asset, Asset.id == PlaylistPublishedItem.asset_id)
        .where(
            PlaylistPublishedItem.playlist_id == playlist_id,
            PlaylistPublishedItem.published_version == version,
        )
        .order_by(PlaylistPublishedItem.sequence)
    )
    items = tuple(
        PlayItem(asset.id, _seconds(duration, asset), asset.file_size_bytes or 0)
        for duration, asset in rows
    )
    return Programme(playlist_id, version, items)


def _seconds(duration: int | None, asset: Asset) -> int:
    """An image's set duration; a video plays to its end (§9)."""
    if duration is not None:
        return duration
    if asset.duration_seconds is not None:
        return max(1, math.ceil(asset.duration_seconds))
    return FALLBACK_SECONDS


def _slots(session: Session, venue: Venue, device: Device) -> tuple[Slot, ...]:
    """The venue's published weekly slots aimed at the device or its group."""
    version = session.scalar(
        select(VenueScheduleSet.published_version).where(VenueScheduleSet.venue_id == venue.id)
    )
    if version is None:
        return ()
    targets = [
        (SlotTargetType.DEVICE, device.id),
        *([(SlotTargetType.GROUP, device.primary_group_id)] if device.primary_group_id else []),
    ]
    slots = session.scalars(
        select(SchedulePublishedSlot)
        .where(
            SchedulePublishedSlot.venue_id == venue.id,
            SchedulePublishedSlot.published_version == version,
            SchedulePublishedSlot.enabled,
        )
        .order_by(SchedulePublishedSlot.priority.desc())
    )
    return tuple(
        Slot(
            s.days_of_week_mask, s.start_minutes, s.end_minutes, _programme(session, s.playlist_id)
        )
        for s in slots
        if (s.target_type, s.target_id) in targets
    )
