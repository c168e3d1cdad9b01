"""Device tokens (§25.3, §25.7): a JWT the player presents, plus a hashed record per token so
removing a device, moving it to another venue or disabling its tenant revokes it at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from signage.auth.principal import DevicePrincipal
from signage.auth.tokens import TokenPolicy, decode_device_token, issue_device_token, token_digest
from signage.db.models import Device, DeviceAuthToken, Tenant
from signage.enums import DeviceLifecycle, DeviceTokenStatus, TenantStatus
from signage.errors import AuthenticationError


@dataclass(frozen=True)
class IssuedDeviceToken:
    token: str
    expires_at: datetime


def issue_for(
    session: Session, policy: TokenPolicy, device: Device, now: datetime
) -> IssuedDeviceToken:
    """Issue a new token for `device`, revoking every earlier one (one live token per device)."""
    revoke_for_device(session, device.id, now)
    token, expires_at = issue_device_token(
        policy.key,
        device_id=device.id,
        venue_id=device.venue_id,
        tenant_id=device.tenant_id,
        now=now,
        lifetime=policy.device_lifetime,
    )
    session.add(
        DeviceAuthToken(
            tenant_id=device.tenant_id,
            venue_id=device.venue_id,
            device_id=device.id,
            token_hash=token_digest(token),
            issued_at=now,
            expires_at=expires_at,
        )
    )
    return IssuedDeviceToken(token, expires_at)


# Set on a session whose transaction revokes device tokens, so the API can drop its cached
# token checks once (and only once) the revocation is committed.
REVOKED_FLAG = "device_tokens_revoked"


def revoke_for_device(session: Session, device_id: uuid.UUID, now: datetime) -> None:
    session.info[REVOKED_FLAG] = True
    session.execute(
        update(DeviceAuthToken)
        .where(
            DeviceAuthToken.device_id == device_id,
            DeviceAuthToken.status == DeviceTokenStatus.ACTIVE,
        )
        .values(status=DeviceTokenStatus.REVOKED, revoked_at=now)
    )


def authenticate(
    session: Session, policy: TokenPolicy, token: str, now: datetime
) -> DevicePrincipal:
    """Signature and claims first (no I/O), then one unique-index lookup that also sees the
    device's and tenant's state, so a revocation is effective on the very next request."""
    claims = decode_device_token(policy.key, token, now)
    row = session.execute(
        select(DeviceAuthToken.status, Device.status, Device.venue_id, Tenant.status)
        .join(Device, Device.id == DeviceAuthToken.device_id)
        .join(Tenant, Tenant.id == DeviceAuthToken.tenant_id)
        .where(DeviceAuthToken.token_hash == token_digest(token))
    ).one_or_none()
    if row is None:
        raise AuthenticationError("The device token is not recognised; pair the device again.")
    token_status, device_status, venue_id, tenant_status = row
    if (
        token_status is not DeviceTokenStatus.ACTIVE
        or device_status is not DeviceLifecycle.ACTIVE
        or tenant_status is not TenantStatus.ACTIVE
        or venue_id != claims.venue_id
    ):
        raise AuthenticationError("The device token has been revoked; pair the device again.")
    return DevicePrincipal(claims.device_id, claims.venue_id, claims.tenant_id)
