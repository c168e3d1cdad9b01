"""Acknowledging an alert (issue 17 item 3): someone who may act on the venue takes it on.

An alert's state is its status plus the acknowledgement: OPEN, ACKNOWLEDGED (open, taken on)
or RESOLVED (the evaluation found it no longer true). Acknowledged alerts stop re-notifying;
they still resolve by themselves, and a problem that comes back opens a new, unacknowledged row.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage import audit
from signage.audit import AuditAction, AuditContext, AuditTarget
from signage.auth.policy import VenueAction, authorize_venue, can_see_venue
from signage.auth.principal import UserPrincipal
from signage.db.models import Alert
from signage.enums import AlertState, AlertStatus
from signage.errors import ConflictError, NotFoundError

NOTE_MAX_LENGTH = 1000


def alert_state(alert: Alert) -> AlertState:
    if alert.status is AlertStatus.RESOLVED:
        return AlertState.RESOLVED
    return AlertState.ACKNOWLEDGED if alert.acknowledged_at else AlertState.OPEN


def acknowledge(
    session: Session,
    principal: UserPrincipal,
    alert_id: uuid.UUID,
    note: str | None,
    now: datetime,
    who: AuditContext,
) -> Alert:
    """Mark the alert acknowledged by `principal` (VENUE_MANAGER at its venue or TENANT_ADMIN).
    Acknowledging an acknowledged alert changes nothing; a resolved one is a conflict."""
    alert = _visible_alert(session, principal, alert_id)
    authorize_venue(principal, alert.venue_id, VenueAction.MANAGE)
    if alert.status is AlertStatus.RESOLVED:
        raise ConflictError(f"Alert {alert_id} is already resolved.")
    if alert.acknowledged_at is not None:
        return alert
    alert.acknowledged_at = now
    alert.acknowledged_by_user_id = principal.user_id
    alert.acknowledgement_note = note
    audit.record(
        session,
        who,
        AuditAction.ALERT_ACKNOWLEDGED,
        tenant_id=alert.tenant_id,
        now=now,
        target_type=AuditTarget.ALERT,
        target_id=alert.id,
        details={"venueId": str(alert.venue_id), "type": alert.type.value, "note": note},
    )
    session.flush()
    return alert


def _visible_alert(session: Session, principal: UserPrincipal, alert_id: uuid.UUID) -> Alert:
    """The alert, if it is in the principal's tenant at a venue it may see; else 404 (§25.6)."""
    alert = session.scalar(
        select(Alert).where(Alert.id == alert_id, Alert.tenant_id == principal.tenant_id)
    )
    if alert is None or not can_see_venue(principal, alert.venue_id):
        raise NotFoundError(f"Alert {alert_id} was not found.")
    return alert
