"""Pairing (§8, §26.5): a screen shows a code, a manager claims it into a venue, the screen
collects its device token exactly once.

Flow and rules:
- `start` makes a PENDING pairing with a short code (8 characters from a 31-symbol alphabet
  without look-alikes: ~40 bits, far beyond what 10 minutes of rate-limited guessing covers)
  and a secret only the device knows; it polls status with both.
- `claim` (a manager) creates or reuses the Device record at once, so the manager can name and
  group it straight away, and marks the pairing CLAIMED.
- The device's next status poll issues its token and marks the pairing COMPLETED; the token is
  in that one response only. Later polls say COMPLETED without a token.
- Re-pairing hardware that is already a device: in the same venue the Device record is kept
  (settings, group and history survive) and its old token is revoked; anywhere else the old
  device is removed (its token revoked) and a new one is created in the claiming venue.
- Codes expire after 10 minutes; an expired code reads EXPIRED and cannot be claimed.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from signage import audit
from signage.auth.principal import UserPrincipal
from signage.auth.tokens import TokenPolicy, new_opaque_token, token_digest
from signage.db.integrity import unique_or_conflict
from signage.db.models import Device, DeviceGroup, DevicePairing, Venue
from signage.devices import tokens
from signage.enums import DeviceLifecycle, PairingStatus
from signage.epochs import bump_venue_epoch
from signage.errors import ConflictError, DuplicateError, NotFoundError, ValidationFailedError

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
CODE_LENGTH = 8
PAIRING_TTL = timedelta(minutes=10)
POLL_SECONDS = 5


@dataclass(frozen=True)
class StartedPairing:
    pairing: DevicePairing
    code: str
    secret: str


@dataclass(frozen=True)
class PairingState:
    status: PairingStatus
    expires_at: datetime
    device_id: uuid.UUID | None = None
    device_token: str | None = None


def display_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def normalise_code(typed: str) -> str:
    """What a person types from the screen: any case, with or without the dash or spaces."""
    return "".join(typed.split()).replace("-", "").upper()


def start(
    session: Session,
    *,
    hardware_id: str,
    model: str | None,
    app_version: str | None,
    now: datetime,
) -> StartedPairing:
    secret = new_opaque_token()
    for _ in range(5):  # a live-code collision is astronomically rare; retry anyway
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        pairing = DevicePairing(
            pairing_code=code,
            pairing_secret_hash=token_digest(secret),
            device_hardware_id=hardware_id,
            model=model,
            app_version=app_version,
            expires_at=now + PAIRING_TTL,
        )
        try:
            with unique_or_conflict(session):
                session.add(pairing)
        except DuplicateError:
            continue
        return StartedPairing(pairing, code, secret)
    raise ConflictError("Could not allocate a pairing code; try again.")


def status(
    session: Session,
    policy: TokenPolicy,
    *,
    pairing_id: uuid.UUID,
    secret: str,
    now: datetime,
) -> PairingState:
    pairing = session.scalar(
        select(DevicePairing).where(DevicePairing.id == pairing_id).with_for_update()
    )
    if pairing is None or not secrets.compare_digest(
        pairing.pairing_secret_hash, token_digest(secret)
    ):
        raise NotFoundError("No such pairing.")
    if pairing.status is PairingStatus.PENDING and pairing.expires_at <= now:
        pairing.status = PairingStatus.EXPIRED
    if pairing.status is PairingStatus.CLAIMED:
        return _complete(session, policy, pairing, now)
    return PairingState(pairing.status, pairing.expires_at, pairing.resulting_device_id)


def claim(
    session: Session,
    actor: UserPrincipal,
    venue: Venue,
    *,
    code: str,
    name: str,
    group_id: uuid.UUID | None,
    now: datetime,
    who: audit.AuditContext,
) -> Device:
    pairing = session.scalar(
        select(DevicePairing)
        .where(
            DevicePairing.pairing_code == normalise_code(code),
            DevicePairing.status.in_([PairingStatus.PENDING, PairingStatus.CLAIMED]),
        )
        .with_for_update()
    )
    if pairing is None or pairing.expires_at <= now:
        raise NotFoundError("No screen is showing that code; check it or restart pairing.")
    if pairing.status is PairingStatus.CLAIMED:
        raise ConflictError("That screen has already been claimed.")
    if group_id is not None:
        _require_group(session, venue, group_id)
    device = _device_for_hardware(session, venue, pairing, name, group_id, now)
    pairing.status = PairingStatus.CLAIMED
    pairing.claimed_by_user_id = actor.user_id
    pairing.claimed_tenant_id = venue.tenant_id
    pairing.claimed_venue_id = venue.id
    pairing.claimed_name = name
    pairing.claimed_group_id = group_id
    pairing.claimed_at = now
    pairing.resulting_device_id = device.id
    audit.record(
        session,
        who,
        audit.AuditAction.DEVICE_PAIRED,
        tenant_id=venue.tenant_id,
        now=now,
        target_type="device",
        target_id=device.id,
        details={"venueId": str(venue.id), "hardwareId": pairing.device_hardware_id},
    )
    return device


def expire_stale(session: Session, now: datetime) -> int:
    """Mark PENDING pairings past their expiry as EXPIRED (the cleanup job); returns how many."""
    result = session.execute(
        update(DevicePairing)
        .where(DevicePairing.status == PairingStatus.PENDING, DevicePairing.expires_at <= now)
        .values(status=PairingStatus.EXPIRED, updated_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _complete(
    session: Session, policy: TokenPolicy, pairing: DevicePairing, now: datetime
) -> PairingState:
    device = session.get(Device, pairing.resulting_device_id)
    if device is None or device.status is not DeviceLifecycle.ACTIVE:
        pairing.status = PairingStatus.EXPIRED  # removed between claim and collection
        return PairingState(pairing.status, pairing.expires_at)
    issued = tokens.issue_for(session, policy, device, now)
    pairing.status = PairingStatus.COMPLETED
    pairing.completed_at = now
    return PairingState(PairingStatus.COMPLETED, pairing.expires_at, device.id, issued.token)


def _device_for_hardware(
    session: Session,
    venue: Venue,
    pairing: DevicePairing,
    name: str,
    group_id: uuid.UUID | None,
    now: datetime,
) -> Device:
    existing = session.scalars(
        select(Device).where(
            Device.hardware_id == pairing.device_hardware_id,
            Device.status == DeviceLifecycle.ACTIVE,
        )
    ).all()
    for old in existing:
        tokens.revoke_for_device(session, old.id, now)
        if old.venue_id == venue.id:
            old.name, old.primary_group_id = name, group_id or old.primary_group_id
            old.model, old.app_version = pairing.model, pairing.app_version
            old.version += 1
            bump_venue_epoch(session, venue.id, now)
            return old
        old.status, old.deleted_at = DeviceLifecycle.REMOVED, now
        bump_venue_epoch(session, old.venue_id, now)
    device = Device(
        tenant_id=venue.tenant_id,
        venue_id=venue.id,
        name=name,
        primary_group_id=group_id,
        hardware_id=pairing.device_hardware_id,
        model=pairing.model,
        app_version=pairing.app_version,
    )
    session.add(device)
    session.flush()
    bump_venue_epoch(session, venue.id, now)
    return device


def _require_group(session: Session, venue: Venue, group_id: uuid.UUID) -> None:
    found = session.scalar(
        select(DeviceGroup.id).where(DeviceGroup.id == group_id, DeviceGroup.venue_id == venue.id)
    )
    if found is None:
        raise ValidationFailedError(
            "No such group at this venue.",
            errors=[{"location": "body.groupId", "message": "not a group of this venue"}],
        )
