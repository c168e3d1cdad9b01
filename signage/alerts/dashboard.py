"""The ops dashboard (§21 "Dashboard: device status, playback health, alerts"): per venue the
caller may see, how many screens are online, offline or on the error screen, how many of the
online ones are playing, and the open alerts by type and severity.

Device status is live, with the same "online" as the device views (a heartbeat within
`ONLINE_WITHIN`, §26.10); alerts come from the last evaluation. The buckets are disjoint:
every active device is exactly one of online, error (online but showing the error screen,
§28.4) or offline. Playback health covers online devices only: what an offline screen shows is
unknown (it may well be playing from cache, §10).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from signage.alerts.queries import visible_venue_ids
from signage.auth.principal import UserPrincipal
from signage.db.models import Alert, Device, DeviceStatus, Venue
from signage.devices.registry import ONLINE_WITHIN
from signage.enums import AlertStatus, AlertType, DeviceLifecycle, EventSeverity, PlayerState
from signage.pagination import Page, PageRequest, paginate

VenueScope = Select[uuid.UUID]


@dataclass(frozen=True)
class DeviceCounts:
    total: int = 0
    online: int = 0
    error: int = 0
    offline: int = 0
    playing: int = 0
    not_playing: int = 0  # online (or on the error screen) but not PLAYING
    last_heartbeat_at: datetime | None = None


@dataclass(frozen=True)
class AlertCounts:
    total: int = 0
    by_type: dict[AlertType, int] = field(default_factory=lambda: dict.fromkeys(AlertType, 0))
    by_severity: dict[EventSeverity, int] = field(
        default_factory=lambda: dict.fromkeys(EventSeverity, 0)
    )
    oldest_opened_at: datetime | None = None


@dataclass(frozen=True)
class VenueHealth:
    venue: Venue
    devices: DeviceCounts
    alerts: AlertCounts


@dataclass(frozen=True)
class Dashboard:
    devices: DeviceCounts  # over every venue the caller may see, not just this page
    alerts: AlertCounts
    venues: Page[VenueHealth]


def dashboard(
    session: Session, principal: UserPrincipal, page: PageRequest, now: datetime
) -> Dashboard:
    """The caller's venues by name, one page at a time, with totals over all of them."""
    scope = visible_venue_ids(principal)
    devices = device_counts_by_venue(session, scope, now)
    alerts = open_alert_counts_by_venue(session, scope)
    venues: Page[Venue] = paginate(
        session,
        select(Venue).where(Venue.id.in_(scope)),
        [Venue.name, Venue.id],
        page,
        parse=[str, uuid.UUID],
    )
    rows = [
        VenueHealth(v, devices.get(v.id, DeviceCounts()), alerts.get(v.id, AlertCounts()))
        for v in venues.items
    ]
    return Dashboard(
        devices=sum_device_counts(devices.values()),
        alerts=sum_alert_counts(alerts.values()),
        venues=Page(rows, venues.next_cursor),
    )


def device_counts_by_venue(
    session: Session, scope: VenueScope, now: datetime
) -> dict[uuid.UUID, DeviceCounts]:
    online = DeviceStatus.last_heartbeat_at >= now - ONLINE_WITHIN
    on_error_screen = and_(online, DeviceStatus.state == PlayerState.ERROR_SCREEN)
    rows = session.execute(
        select(
            Device.venue_id,
            func.count().label("total"),
            func.count().filter(online).label("reachable"),
            func.count().filter(on_error_screen).label("error"),
            func.count().filter(online, DeviceStatus.state == PlayerState.PLAYING).label("playing"),
            func.max(DeviceStatus.last_heartbeat_at).label("last_heartbeat_at"),
        )
        .outerjoin(DeviceStatus, DeviceStatus.device_id == Device.id)
        .where(Device.status == DeviceLifecycle.ACTIVE, Device.venue_id.in_(scope))
        .group_by(Device.venue_id)
    )
    return {
        row.venue_id: DeviceCounts(
            total=row.total,
            online=row.reachable - row.error,
            error=row.error,
            offline=row.total - row.reachable,
            playing=row.playing,
            not_playing=row.reachable - row.playing,
            last_heartbeat_at=row.last_heartbeat_at,
        )
        for row in rows
    }


def open_alert_counts_by_venue(session: Session, scope: VenueScope) -> dict[uuid.UUID, AlertCounts]:
    rows = session.execute(
        select(
            Alert.venue_id,
            Alert.type,
            Alert.severity,
            func.count().label("open"),
            func.min(Alert.opened_at).label("oldest"),
        )
        .where(Alert.status == AlertStatus.OPEN, Alert.venue_id.in_(scope))
        .group_by(Alert.venue_id, Alert.type, Alert.severity)
    )
    grouped: dict[uuid.UUID, list[AlertCounts]] = {}
    for row in rows:
        grouped.setdefault(row.venue_id, []).append(
            _single_group(row.type, row.severity, row.open, row.oldest)
        )
    return {venue_id: sum_alert_counts(parts) for venue_id, parts in grouped.items()}


def _single_group(
    alert_type: AlertType, severity: EventSeverity, count: int, oldest: datetime
) -> AlertCounts:
    return AlertCounts(
        total=count,
        by_type={t: count if t is alert_type else 0 for t in AlertType},
        by_severity={s: count if s is severity else 0 for s in EventSeverity},
        oldest_opened_at=oldest,
    )


def sum_device_counts(parts: Iterable[DeviceCounts]) -> DeviceCounts:
    counted = list(parts)
    return DeviceCounts(
        total=sum(p.total for p in counted),
        online=sum(p.online for p in counted),
        error=sum(p.error for p in counted),
        offline=sum(p.offline for p in counted),
        playing=sum(p.playing for p in counted),
        not_playing=sum(p.not_playing for p in counted),
        last_heartbeat_at=max(
            (p.last_heartbeat_at for p in counted if p.last_heartbeat_at), default=None
        ),
    )


def sum_alert_counts(parts: Iterable[AlertCounts]) -> AlertCounts:
    counted = list(parts)
    return AlertCounts(
        total=sum(p.total for p in counted),
        by_type={t: sum(p.by_type.get(t, 0) for p in counted) for t in AlertType},
        by_severity={s: sum(p.by_severity.get(s, 0) for p in counted) for s in EventSeverity},
        oldest_opened_at=min(
            (p.oldest_opened_at for p in counted if p.oldest_opened_at), default=None
        ),
    )
