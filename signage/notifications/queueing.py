"""Turning alert changes into queued deliveries, in one transaction: load the alerts that may
need a message and the tenants' channels, plan (pure), write the deliveries and mark the alerts
handled. Run by the delivery sensor after each alert evaluation; never in a request."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from signage.db.models import Alert, Device, NotificationChannel, NotificationDelivery, Venue
from signage.enums import AlertStatus, DeliveryStatus, NotificationKind
from signage.notifications.planning import (
    CRITICAL,
    AlertFact,
    ChannelFact,
    NotificationPlan,
    PlannedDelivery,
    plan_notifications,
)
from signage.notifications.policy import NotificationPolicy

# Like the alert evaluation's: two overlapping runs never plan the same change twice.
QUEUEING_LOCK_KEY = 0x516E_A1E8


@dataclass(frozen=True)
class QueueingSummary:
    queued: int = 0
    announced: int = 0
    resolutions: int = 0
    held: int = 0
    skipped: bool = False


def queue_notifications(
    session: Session, now: datetime, policy: NotificationPolicy
) -> QueueingSummary:
    if not session.scalar(select(func.pg_try_advisory_xact_lock(QUEUEING_LOCK_KEY))):
        return QueueingSummary(skipped=True)
    alerts = _pending_alerts(session, now, policy)
    if not alerts:
        return QueueingSummary()
    tenants = {a.tenant_id for a in alerts}
    plan = plan_notifications([_fact(a) for a in alerts], _channels(session, tenants), now, policy)
    _write(session, plan, {a.id: a for a in alerts}, now, policy)
    return QueueingSummary(
        queued=len(plan.deliveries),
        announced=len(plan.announced),
        resolutions=len(plan.resolution_handled),
        held=len(plan.held),
    )


def _pending_alerts(session: Session, now: datetime, policy: NotificationPolicy) -> list[Alert]:
    """Openings and resolutions not yet handled, and critical alerts that may be due again."""
    is_open = Alert.status == AlertStatus.OPEN
    statement = select(Alert).where(
        or_(
            and_(is_open, Alert.notified_at.is_(None)),
            and_(Alert.status == AlertStatus.RESOLVED, Alert.resolution_notified_at.is_(None)),
            and_(
                is_open,
                Alert.severity == CRITICAL,
                Alert.acknowledged_at.is_(None),
                Alert.notified_at <= now - policy.renotify_interval,
            ),
        )
    )
    return list(session.scalars(statement.order_by(Alert.opened_at, Alert.id)))


def _fact(alert: Alert) -> AlertFact:
    return AlertFact(
        alert_id=alert.id,
        tenant_id=alert.tenant_id,
        venue_id=alert.venue_id,
        severity=alert.severity,
        status=alert.status,
        acknowledged=alert.acknowledged_at is not None,
        opened_at=alert.opened_at,
        resolved_at=alert.resolved_at,
        notified_at=alert.notified_at,
        resolution_notified_at=alert.resolution_notified_at,
    )


def _channels(session: Session, tenants: set[uuid.UUID]) -> list[ChannelFact]:
    rows = session.scalars(
        select(NotificationChannel).where(NotificationChannel.tenant_id.in_(tenants))
    )
    return [
        ChannelFact(
            channel_id=c.id,
            tenant_id=c.tenant_id,
            min_severity=c.min_severity,
            venue_ids=frozenset(uuid.UUID(v) for v in c.venue_ids),
        )
        for c in rows
    ]


def _write(
    session: Session,
    plan: NotificationPlan,
    alerts: dict[uuid.UUID, Alert],
    now: datetime,
    policy: NotificationPolicy,
) -> None:
    names = _names(session, list(alerts.values()))
    for planned in plan.deliveries:
        session.add(_delivery(planned, alerts, names, now, policy))
    _mark(session, Alert.notified_at, plan.announced, now)
    _mark(session, Alert.resolution_notified_at, plan.resolution_handled, now)
    session.flush()


def _mark(session: Session, column: Any, alert_ids: Sequence[uuid.UUID], now: datetime) -> None:
    if alert_ids:
        session.execute(
            update(Alert)
            .where(Alert.id.in_(alert_ids))
            .values({column: now})
            .execution_options(synchronize_session=False)
        )


@dataclass(frozen=True)
class _Names:
    venues: dict[uuid.UUID, str]
    devices: dict[uuid.UUID, str]


def _names(session: Session, alerts: list[Alert]) -> _Names:
    venue_ids = {a.venue_id for a in alerts}
    device_ids = {a.device_id for a in alerts if a.device_id}
    venues = session.execute(select(Venue.id, Venue.name).where(Venue.id.in_(venue_ids)))
    devices = session.execute(select(Device.id, Device.name).where(Device.id.in_(device_ids)))
    return _Names({r.id: r.name for r in venues}, {r.id: r.name for r in devices})


def _delivery(
    planned: PlannedDelivery,
    alerts: dict[uuid.UUID, Alert],
    names: _Names,
    now: datetime,
    policy: NotificationPolicy,
) -> NotificationDelivery:
    return NotificationDelivery(
        id=uuid.uuid4(),
        tenant_id=planned.tenant_id,
        channel_id=planned.channel_id,
        venue_id=planned.venue_id,
        kind=planned.kind,
        alert_ids=[str(a) for a in planned.alert_ids],
        message=message(planned, [alerts[a] for a in planned.alert_ids], names, now),
        status=DeliveryStatus.PENDING,
        next_attempt_at=now,
        give_up_at=now + policy.retry_window,
        attempts=[],
        created_at=now,
    )


def message(
    planned: PlannedDelivery, alerts: list[Alert], names: _Names, now: datetime
) -> dict[str, Any]:
    """The JSON a webhook receives, and what an e-mail is written from."""
    venue_name = names.venues.get(planned.venue_id, "a venue")
    return {
        "kind": planned.kind.value,
        "summary": summary(planned.kind, len(alerts), venue_name),
        "generatedAtUtc": now.isoformat(),
        "venue": {"venueId": str(planned.venue_id), "name": venue_name},
        "alerts": [_alert_json(a, names) for a in alerts],
    }


def summary(kind: NotificationKind, count: int, venue_name: str) -> str:
    alerts = "1 alert" if count == 1 else f"{count} alerts"
    verb = {
        NotificationKind.OPENED: "opened",
        NotificationKind.RESOLVED: "resolved",
        NotificationKind.REMINDER: "still open",
        NotificationKind.TEST: "test",
    }[kind]
    return f"{venue_name}: {alerts} {verb}"


def _alert_json(alert: Alert, names: _Names) -> dict[str, Any]:
    return {
        "alertId": str(alert.id),
        "type": alert.type.value,
        "severity": alert.severity.value,
        "status": alert.status.value,
        "deviceId": str(alert.device_id) if alert.device_id else None,
        "deviceName": names.devices.get(alert.device_id) if alert.device_id else None,
        "openedAtUtc": alert.opened_at.isoformat(),
        "resolvedAtUtc": alert.resolved_at.isoformat() if alert.resolved_at else None,
        "details": alert.details,
    }
