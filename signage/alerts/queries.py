"""Reading alerts for the ops views (§21 Dashboard/Alerts), always through a scope built from
the caller: a venue already authorised by the API, or the venues a principal may see."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, not_, select
from sqlalchemy.orm import Session

from signage.auth.principal import UserPrincipal
from signage.db.models import Alert, Device, Venue
from signage.enums import AlertState, AlertStatus, AlertType, EventSeverity
from signage.pagination import Page, PageRequest, paginate
from signage.queries import live


@dataclass(frozen=True)
class AlertFilters:
    status: AlertStatus | None = None
    type: AlertType | None = None
    severity: EventSeverity | None = None
    state: AlertState | None = None  # issue 17 item 3


@dataclass(frozen=True)
class AlertView:
    alert: Alert
    device_name: str | None


def visible_venue_ids(principal: UserPrincipal) -> Select[uuid.UUID]:
    """Venues of the principal's tenant it may read (§25.5): every one for TENANT_ADMIN and
    TENANT_VIEWER, otherwise those where it holds a venue role. Deleted venues are gone."""
    statement = select(Venue.id).where(Venue.tenant_id == principal.tenant_id, live(Venue))
    if not (principal.is_tenant_admin or principal.is_tenant_viewer):
        statement = statement.where(Venue.id.in_(list(principal.venue_roles)))
    return statement


def venue_alerts(
    session: Session, venue: Venue, filters: AlertFilters, page: PageRequest
) -> Page[AlertView]:
    """Alerts of one venue (already authorised), newest first."""
    statement = select(Alert).where(Alert.tenant_id == venue.tenant_id, Alert.venue_id == venue.id)
    return _page(session, _filtered(statement, filters), page)


def visible_alerts(
    session: Session, principal: UserPrincipal, filters: AlertFilters, page: PageRequest
) -> Page[AlertView]:
    """Alerts of every venue the principal may read, newest first."""
    statement = select(Alert).where(
        Alert.tenant_id == principal.tenant_id,
        Alert.venue_id.in_(visible_venue_ids(principal)),
    )
    return _page(session, _filtered(statement, filters), page)


def _filtered(statement: Select[Alert], filters: AlertFilters) -> Select[Alert]:
    if filters.status is not None:
        statement = statement.where(Alert.status == filters.status)
    if filters.type is not None:
        statement = statement.where(Alert.type == filters.type)
    if filters.severity is not None:
        statement = statement.where(Alert.severity == filters.severity)
    if filters.state is not None:
        statement = statement.where(_in_state(filters.state))
    return statement


def _in_state(state: AlertState) -> ColumnElement[bool]:
    if state is AlertState.RESOLVED:
        return Alert.status == AlertStatus.RESOLVED
    acknowledged = Alert.acknowledged_at.is_not(None)
    return and_(
        Alert.status == AlertStatus.OPEN,
        acknowledged if state is AlertState.ACKNOWLEDGED else not_(acknowledged),
    )


def _page(session: Session, statement: Select[Alert], page: PageRequest) -> Page[AlertView]:
    found: Page[Alert] = paginate(
        session,
        statement,
        [Alert.opened_at, Alert.id],
        page,
        descending=True,
        parse=[datetime.fromisoformat, uuid.UUID],
    )
    names = device_names(session, {a.device_id for a in found.items if a.device_id})
    views = [AlertView(a, names.get(a.device_id) if a.device_id else None) for a in found.items]
    return Page(views, found.next_cursor)


def device_names(session: Session, device_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not device_ids:
        return {}
    rows = session.execute(select(Device.id, Device.name).where(Device.id.in_(device_ids)))
    return {device_id: name for device_id, name in rows}
