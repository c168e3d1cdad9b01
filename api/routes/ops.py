"""Operations views (§21 Dashboard and Alerts, §29.4.10 "admin views to triage device issues").

Who sees what: a venue's alerts need any role at the venue (or a tenant-wide role). The
tenant-wide list and the dashboard answer every signed-in user, over the venues that user may
read: all of the tenant for TENANT_ADMIN and TENANT_VIEWER, otherwise the venues where the user
holds a role (none: an empty answer, not a 403, so one client screen serves every role).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from api.auth import CurrentUser, VenueReader, management_rate_limit
from api.calls import CallDep
from api.deps import NowDep, PageQuery, SessionDep
from api.problems import raises
from api.schemas import Page
from api.schemas.ops import (
    AcknowledgeIn,
    AlertOut,
    DashboardOut,
    DeviceCountsOut,
    HealthOut,
    OpenAlertCountsOut,
    PlaybackHealthOut,
    VenueHealthOut,
)
from signage.alerts import dashboard as ops_dashboard
from signage.alerts import queries
from signage.alerts.acknowledgement import acknowledge, alert_state
from signage.db.models import Alert
from signage.enums import AlertState, AlertStatus, AlertType, EventSeverity
from signage.errors import ConflictError, NotFoundError, PermissionDeniedError
from signage.pagination import Page as DomainPage

router = APIRouter(tags=["operations"], dependencies=[Depends(management_rate_limit)])


def alert_filters(
    status: AlertStatus | None = None,
    alert_type: Annotated[AlertType | None, Query(alias="type")] = None,
    severity: EventSeverity | None = None,
    state: AlertState | None = None,
) -> queries.AlertFilters:
    """§27.1 filters: `?status=OPEN|RESOLVED`, `?type=`, `?severity=`, and (issue 17 item 3)
    `?state=OPEN|ACKNOWLEDGED|RESOLVED`."""
    return queries.AlertFilters(status=status, type=alert_type, severity=severity, state=state)


AlertFiltersQuery = Annotated[queries.AlertFilters, Depends(alert_filters)]


@router.get("/v1/venues/{venueId}/alerts", summary="Alerts of the venue, newest first")
def list_venue_alerts(
    venue: VenueReader, session: SessionDep, page: PageQuery, filters: AlertFiltersQuery
) -> Page[AlertOut]:
    return _alerts_out(queries.venue_alerts(session, venue, filters, page))


@router.get("/v1/alerts", summary="Alerts of every venue the caller may read, newest first")
def list_alerts(
    user: CurrentUser, session: SessionDep, page: PageQuery, filters: AlertFiltersQuery
) -> Page[AlertOut]:
    return _alerts_out(queries.visible_alerts(session, user, filters, page))


@router.post(
    "/v1/alerts/{alertId}/acknowledge",
    summary="Acknowledge an open alert (VENUE_MANAGER at its venue or TENANT_ADMIN)",
)
@raises(NotFoundError, PermissionDeniedError, ConflictError)
def acknowledge_alert(
    alertId: uuid.UUID, call: CallDep, body: AcknowledgeIn | None = None
) -> AlertOut:
    """Stops the alert re-notifying; it still resolves by itself. Repeating it changes nothing;
    a resolved alert answers 409."""
    note = body.note if body else None
    alert = acknowledge(call.session, call.user, alertId, note, call.now, call.who)
    return _alert_out(queries.AlertView(alert, _device_name(call.session, alert)))


@router.get("/v1/ops/dashboard", summary="Device status, playback health and open alerts")
def get_dashboard(
    user: CurrentUser, session: SessionDep, now: NowDep, page: PageQuery
) -> DashboardOut:
    board = ops_dashboard.dashboard(session, user, page, now)
    return DashboardOut(
        generated_at_utc=now,
        totals=_health_out(board.devices, board.alerts),
        items=[_venue_health_out(v) for v in board.venues.items],
        next_cursor=board.venues.next_cursor,
    )


def _device_name(session: Session, alert: Alert) -> str | None:
    return (
        queries.device_names(session, {alert.device_id}).get(alert.device_id)
        if alert.device_id
        else None
    )


def _alerts_out(found: DomainPage[queries.AlertView]) -> Page[AlertOut]:
    return Page(items=[_alert_out(v) for v in found.items], next_cursor=found.next_cursor)


def _alert_out(view: queries.AlertView) -> AlertOut:
    alert = view.alert
    return AlertOut(
        alert_id=alert.id,
        venue_id=alert.venue_id,
        device_id=alert.device_id,
        device_name=view.device_name,
        type=alert.type,
        severity=alert.severity,
        status=alert.status,
        opened_at_utc=alert.opened_at,
        last_seen_at_utc=alert.last_seen_at,
        resolved_at_utc=alert.resolved_at,
        details=alert.details,
        state=alert_state(alert),
        acknowledged_at_utc=alert.acknowledged_at,
        acknowledged_by_user_id=alert.acknowledged_by_user_id,
        acknowledgement_note=alert.acknowledgement_note,
    )


def _health_out(
    devices: ops_dashboard.DeviceCounts, alerts: ops_dashboard.AlertCounts
) -> HealthOut:
    return HealthOut(
        devices=DeviceCountsOut(
            total=devices.total,
            online=devices.online,
            error=devices.error,
            offline=devices.offline,
            last_heartbeat_at_utc=devices.last_heartbeat_at,
        ),
        playback=PlaybackHealthOut(playing=devices.playing, not_playing=devices.not_playing),
        open_alerts=OpenAlertCountsOut(
            total=alerts.total,
            by_type=alerts.by_type,
            by_severity=alerts.by_severity,
            oldest_opened_at_utc=alerts.oldest_opened_at,
        ),
    )


def _venue_health_out(health: ops_dashboard.VenueHealth) -> VenueHealthOut:
    venue, summary = health.venue, _health_out(health.devices, health.alerts)
    return VenueHealthOut(
        venue_id=venue.id,
        name=venue.name,
        timezone=venue.timezone,
        devices=summary.devices,
        playback=summary.playback,
        open_alerts=summary.open_alerts,
    )
