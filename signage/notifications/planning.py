"""Which messages alert changes call for (issue 17 item 2). Pure: alerts, channels, time.

No flood:
- an alert is announced when it opens and when it resolves, nothing in between;
- openings of one venue are held for `group_window` after the first of them, then sent as one
  message, so several screens of a bar going dark within minutes make one e-mail;
- an alert that resolves before it was announced is never announced (a blip);
- a still-open ERROR alert nobody acknowledged is re-announced every `renotify_interval`.
Each channel gets the alerts at or above its minimum severity in the venues it covers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from signage.enums import AlertStatus, EventSeverity, NotificationKind
from signage.notifications.policy import NotificationPolicy

SEVERITY_RANK = {EventSeverity.INFO: 0, EventSeverity.WARNING: 1, EventSeverity.ERROR: 2}
CRITICAL = EventSeverity.ERROR


@dataclass(frozen=True)
class AlertFact:
    alert_id: uuid.UUID
    tenant_id: uuid.UUID
    venue_id: uuid.UUID
    severity: EventSeverity
    status: AlertStatus
    acknowledged: bool
    opened_at: datetime
    resolved_at: datetime | None = None
    notified_at: datetime | None = None  # opening (or last reminder) announced
    resolution_notified_at: datetime | None = None


@dataclass(frozen=True)
class ChannelFact:
    channel_id: uuid.UUID
    tenant_id: uuid.UUID
    min_severity: EventSeverity
    venue_ids: frozenset[uuid.UUID] = frozenset()  # empty: every venue

    def accepts(self, alert: AlertFact) -> bool:
        return (
            alert.tenant_id == self.tenant_id
            and SEVERITY_RANK[alert.severity] >= SEVERITY_RANK[self.min_severity]
            and (not self.venue_ids or alert.venue_id in self.venue_ids)
        )


@dataclass(frozen=True)
class PlannedDelivery:
    channel_id: uuid.UUID
    tenant_id: uuid.UUID
    venue_id: uuid.UUID
    kind: NotificationKind
    alert_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class NotificationPlan:
    deliveries: tuple[PlannedDelivery, ...] = ()
    # Alerts whose opening (or reminder) / resolution is now handled, announced or not.
    announced: tuple[uuid.UUID, ...] = ()
    resolution_handled: tuple[uuid.UUID, ...] = ()
    held: tuple[uuid.UUID, ...] = ()  # still gathering their group


def plan_notifications(
    alerts: Sequence[AlertFact],
    channels: Sequence[ChannelFact],
    now: datetime,
    policy: NotificationPolicy,
) -> NotificationPlan:
    openings = [a for a in alerts if _opening_pending(a)]
    resolutions = [a for a in alerts if _resolution_pending(a)]
    reminders = [a for a in alerts if _reminder_due(a, now, policy)]
    due_openings, held = _ripe_groups(openings, lambda a: a.opened_at, now, policy)
    announced_resolutions = [a for a in resolutions if a.notified_at is not None]
    due_resolutions, held_resolutions = _ripe_groups(
        announced_resolutions, lambda a: a.resolved_at or now, now, policy
    )
    deliveries = [
        *_fan_out(due_openings, channels, NotificationKind.OPENED),
        *_fan_out(due_resolutions, channels, NotificationKind.RESOLVED),
        *_fan_out(reminders, channels, NotificationKind.REMINDER),
    ]
    blips = [a for a in resolutions if a.notified_at is None]  # resolved before announced
    return NotificationPlan(
        deliveries=tuple(deliveries),
        announced=tuple(a.alert_id for a in [*due_openings, *reminders]),
        resolution_handled=tuple(a.alert_id for a in [*due_resolutions, *blips]),
        held=tuple(a.alert_id for a in [*held, *held_resolutions]),
    )


def _opening_pending(alert: AlertFact) -> bool:
    return alert.status is AlertStatus.OPEN and alert.notified_at is None


def _resolution_pending(alert: AlertFact) -> bool:
    return alert.status is AlertStatus.RESOLVED and alert.resolution_notified_at is None


def _reminder_due(alert: AlertFact, now: datetime, policy: NotificationPolicy) -> bool:
    return (
        alert.status is AlertStatus.OPEN
        and alert.severity is CRITICAL
        and not alert.acknowledged
        and alert.notified_at is not None
        and now - alert.notified_at >= policy.renotify_interval
    )


def _ripe_groups(
    alerts: Iterable[AlertFact],
    moment: Callable[[AlertFact], datetime],
    now: datetime,
    policy: NotificationPolicy,
) -> tuple[list[AlertFact], list[AlertFact]]:
    """Per venue: all of its pending alerts once the earliest is `group_window` old, else none."""
    ripe: list[AlertFact] = []
    held: list[AlertFact] = []
    for _, group in groupby(sorted(alerts, key=_venue_key), key=_venue_key):
        members = list(group)
        earliest = min(moment(a) for a in members)
        (ripe if now - earliest >= policy.group_window else held).extend(members)
    return ripe, held


def _fan_out(
    alerts: Sequence[AlertFact], channels: Sequence[ChannelFact], kind: NotificationKind
) -> list[PlannedDelivery]:
    """One delivery per channel and venue with the alerts that channel wants, if any."""
    planned = []
    for (tenant_id, venue_id), group in groupby(sorted(alerts, key=_venue_key), key=_venue_key):
        members = list(group)
        for channel in channels:
            wanted = tuple(sorted(a.alert_id for a in members if channel.accepts(a)))
            if wanted:
                planned.append(
                    PlannedDelivery(channel.channel_id, tenant_id, venue_id, kind, wanted)
                )
    return planned


def _venue_key(alert: AlertFact) -> tuple[uuid.UUID, uuid.UUID]:
    return (alert.tenant_id, alert.venue_id)
