"""Disabling and re-enabling a tenant (issue 15 item 8), a platform operator's act (the CLI).

A disabled tenant keeps all its data. Its users cannot sign in or refresh (signage.auth.sessions
checks the tenant's status) and the access tokens they hold end at once: every user's session
epoch moves. Its devices are refused at their next request: device-token checks read the
tenant's status (signage.devices.tokens.authenticate), and the transaction is flagged so the
API's cached checks are dropped. Devices keep their tokens, so re-enabling brings the screens
back without pairing them again; users sign in again."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from signage import audit
from signage.audit import AuditTarget
from signage.auth.sessions import EPOCH_MOVED_FLAG
from signage.db.models import Tenant, User
from signage.devices.tokens import REVOKED_FLAG
from signage.enums import TenantStatus
from signage.errors import NotFoundError


def find_tenant(session: Session, reference: str) -> Tenant:
    """A tenant by its id or its exact name."""
    try:
        by_id = session.get(Tenant, uuid.UUID(reference))
    except ValueError:
        by_id = None
    tenant = by_id or session.scalar(select(Tenant).where(Tenant.name == reference))
    if tenant is None:
        raise NotFoundError(f"Tenant {reference!r} was not found.")
    return tenant


def set_tenant_status(
    session: Session,
    reference: str,
    status: TenantStatus,
    *,
    now: datetime,
    who: audit.AuditContext,
) -> Tenant:
    """Disable or re-enable the tenant; doing what is already done changes nothing."""
    tenant = find_tenant(session, reference)
    if tenant.status is status:
        return tenant
    tenant.status = status
    tenant.updated_at = now
    if status is TenantStatus.DISABLED:
        _end_every_session(session, tenant.id)
        session.info[REVOKED_FLAG] = True  # cached device-token checks are dropped on commit
    action = (
        audit.AuditAction.TENANT_DISABLED
        if status is TenantStatus.DISABLED
        else audit.AuditAction.TENANT_ENABLED
    )
    audit.record(
        session,
        who,
        action,
        tenant_id=tenant.id,
        now=now,
        target_type=AuditTarget.TENANT,
        target_id=tenant.id,
    )
    return tenant


def _end_every_session(session: Session, tenant_id: uuid.UUID) -> None:
    """Every access token of the tenant's users stops working once this commits."""
    session.info[EPOCH_MOVED_FLAG] = True
    session.execute(
        update(User).where(User.tenant_id == tenant_id).values(session_epoch=User.session_epoch + 1)
    )
