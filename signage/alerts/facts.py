"""Gathering the fleet's telemetry facts for the alert rules: two set-based queries over the
whole fleet (no per-device round trips), so an evaluation costs the same at 10 or 10,000 devices
in queries, and grows only with the rows it aggregates."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from signage.alerts.rules import DeviceFacts, baseline_window, recent_window
from signage.db.models import Device, DeviceEvent, DeviceStatus, Tenant, Venue
from signage.enums import (
    DeviceEventType,
    DeviceLifecycle,
    EventSeverity,
    TenantStatus,
)
from signage.queries import live


@dataclass(frozen=True)
class EventCounts:
    errors_recent: int = 0
    errors_baseline: int = 0
    download_failures_recent: int = 0


def load_fleet_facts(session: Session, now: datetime) -> list[DeviceFacts]:
    """Facts of every active device of an active tenant in a venue that still exists. Removed
    devices, deleted venues and disabled tenants drop out, so their alerts resolve."""
    counts = load_event_counts(session, now)
    rows = session.execute(
        select(
            Device.id,
            Device.tenant_id,
            Device.venue_id,
            Device.created_at,
            Device.app_version,
            Device.cache_budget_bytes,
            DeviceStatus.last_heartbeat_at,
            DeviceStatus.cache_total_bytes,
            DeviceStatus.cache_used_bytes,
        )
        .join(Venue, and_(Venue.id == Device.venue_id, live(Venue)))
        .join(Tenant, and_(Tenant.id == Device.tenant_id, Tenant.status == TenantStatus.ACTIVE))
        .outerjoin(DeviceStatus, DeviceStatus.device_id == Device.id)
        .where(Device.status == DeviceLifecycle.ACTIVE)
        .order_by(Device.id)
    )
    facts = []
    for row in rows:
        events = counts.get(row.id, EventCounts())
        facts.append(
            DeviceFacts(
                device_id=row.id,
                tenant_id=row.tenant_id,
                venue_id=row.venue_id,
                paired_at=row.created_at,
                last_heartbeat_at=row.last_heartbeat_at,
                app_version=row.app_version,
                cache_total_bytes=row.cache_total_bytes,
                cache_used_bytes=row.cache_used_bytes,
                cache_budget_bytes=row.cache_budget_bytes,
                errors_recent=events.errors_recent,
                errors_baseline=events.errors_baseline,
                download_failures_recent=events.download_failures_recent,
            )
        )
    return facts


def load_event_counts(session: Session, now: datetime) -> dict[uuid.UUID, EventCounts]:
    """Per device: ERROR events in the recent and baseline windows, DOWNLOAD_FAILED in the
    recent one."""
    return {
        row.device_id: EventCounts(row.errors_recent, row.errors_baseline, row.downloads_recent)
        for row in session.execute(event_counts(now))
    }


def event_counts(now: datetime) -> Select[uuid.UUID, int, int, int]:
    """The query of `load_event_counts`. Windows are on the server's receive time, which is
    authoritative (§30.9) and the partition key of device_events, so only the one or two day
    partitions the windows cover are read (issue 18 item 3), and within them the index
    `ix_device_events_received`, as the warehouse's hourly partitions are."""
    recent, baseline = recent_window(now), baseline_window(now)
    received = DeviceEvent.received_at
    is_error = DeviceEvent.severity == EventSeverity.ERROR
    is_download_failure = DeviceEvent.event_type == DeviceEventType.DOWNLOAD_FAILED
    in_recent = and_(received > recent.start, received <= recent.end)
    in_baseline = and_(received > baseline.start, received <= baseline.end)
    return (
        select(
            DeviceEvent.device_id,
            func.count().filter(is_error, in_recent).label("errors_recent"),
            func.count().filter(is_error, in_baseline).label("errors_baseline"),
            func.count().filter(is_download_failure, in_recent).label("downloads_recent"),
        )
        .where(received > baseline.start, received <= recent.end)
        .where(or_(is_error, is_download_failure))
        .group_by(DeviceEvent.device_id)
    )
