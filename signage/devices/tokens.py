"""Device tokens (§25.3, §25.7): a JWT the player presents, plus a hashed record per token so
removing a device or disabling its tenant revokes it at once.

Tokens rotate (§25.7 "rotating tokens with renewal", issue 15 item 1): a token within its
renewal window is given a successor on the device's manifest poll. The presented token stays
valid until the successor is first used, so a device that loses the answer is not locked out;
that first use revokes every older token of the device.

A device moved to another venue (§25.1, issue 15 item 6) keeps its token: the token names the
device, and the device row says where it is now, so the screen carries on without a pairing
code. Its token's venue claim is then stale, which makes it due for renewal: the next manifest
poll hands over a token for the new venue, and its first use ends the old one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.orm import Session, aliased

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
    return _issue(session, policy, device, now)


def renewal_due(expires_at: datetime, now: datetime, window: timedelta) -> bool:
    """Whether a token ending at `expires_at` is close enough to its end to be renewed."""
    return expires_at - now <= window


def renew(
    session: Session, policy: TokenPolicy, presented: str, now: datetime
) -> IssuedDeviceToken | None:
    """A successor for `presented` (already authenticated) when it is due for renewal, else
    None. The presented token stays active; a successor offered earlier and never used (the
    device lost that answer) is replaced, so a device has at most two live tokens."""
    claims = decode_device_token(policy.key, presented, now)
    device = session.get(Device, claims.device_id)
    if device is None:
        return None
    moved = device.venue_id != claims.venue_id
    if not moved and not renewal_due(claims.expires_at, now, policy.device_renewal_window):
        return None
    # Never used (a used successor would have revoked `presented`), so never cached: no
    # revocation epoch bump is needed.
    _revoke_active(session, device.id, now, DeviceAuthToken.token_hash != token_digest(presented))
    return _issue(session, policy, device, now)


def _issue(
    session: Session, policy: TokenPolicy, device: Device, now: datetime
) -> IssuedDeviceToken:
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
    """Revoke the device's active tokens; the API's token cache forgets them after the commit."""
    session.info[REVOKED_FLAG] = True
    _revoke_active(session, device_id, now)


def forget_cached_checks(session: Session) -> None:
    """Once this transaction commits, token checks cached by API processes are redone (a moved
    device's cached check names its old venue)."""
    session.info[REVOKED_FLAG] = True


def _revoke_predecessors(
    session: Session, device_id: uuid.UUID, issued_before: datetime, now: datetime
) -> None:
    """A renewed token's first use: the tokens it replaces end now."""
    session.info[REVOKED_FLAG] = True
    _revoke_active(session, device_id, now, DeviceAuthToken.issued_at < issued_before)


def _revoke_active(
    session: Session, device_id: uuid.UUID, now: datetime, *narrower: ColumnElement[bool]
) -> None:
    """Revoke the device's active tokens (those matching `narrower` too, when given)."""
    session.execute(
        update(DeviceAuthToken)
        .where(
            DeviceAuthToken.device_id == device_id,
            DeviceAuthToken.status == DeviceTokenStatus.ACTIVE,
            *narrower,
        )
        .values(status=DeviceTokenStatus.REVOKED, revoked_at=now)
    )


def authenticate(
    session: Session, policy: TokenPolicy, token: str, now: datetime
) -> DevicePrincipal:
    """Signature and claims first (no I/O), then one unique-index lookup that also sees the
    device's and tenant's state, so a revocation is effective on the very next request."""
    claims = decode_device_token(policy.key, token, now)
    older = aliased(DeviceAuthToken)
    supersedes = (
        exists()
        .where(
            older.device_id == DeviceAuthToken.device_id,
            older.status == DeviceTokenStatus.ACTIVE,
            older.issued_at < DeviceAuthToken.issued_at,
        )
        .label("supersedes")
    )
    row = session.execute(
        select(
            DeviceAuthToken.status,
            Device.status,
            Device.venue_id,
            Tenant.status,
            DeviceAuthToken.issued_at,
            supersedes,
        )
        .join(Device, Device.id == DeviceAuthToken.device_id)
        .join(Tenant, Tenant.id == DeviceAuthToken.tenant_id)
        .where(DeviceAuthToken.token_hash == token_digest(token))
    ).one_or_none()
    if row is None:
        raise AuthenticationError("The device token is not recognised; pair the device again.")
    token_status, device_status, venue_id, tenant_status, issued_at, supersedes_older = row
    if (
        token_status is not DeviceTokenStatus.ACTIVE
        or device_status is not DeviceLifecycle.ACTIVE
        or tenant_status is not TenantStatus.ACTIVE
    ):
        raise AuthenticationError("The device token has been revoked; pair the device again.")
    if supersedes_older:
        _revoke_predecessors(session, claims.device_id, issued_at, now)
    # The device's venue, not the token's: a moved device plays its new venue at once (module doc).
    return DevicePrincipal(claims.device_id, venue_id, claims.tenant_id)
