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
- Codes expire after 10 minutes; an expired code reads EXPIRED and cannot be claimed.

Re-pairing hardware that is already a device. The hardware id is not a secret (it is in the QR
payload and in device views) and anyone may start a pairing with any hardware id, so it only
says "this may be the same box"; it never lets anyone act on a device they do not manage
(issue 13). `plan_repairing` decides, for the ACTIVE devices that carry the hardware id:
- Only devices of the claimer's own tenant are considered, and of those only the ones at a venue
  the claimer may manage (§5: a VENUE_MANAGER there, or TENANT_ADMIN) - exactly who could have
  removed that device by hand.
- Such a device in the claiming venue is kept (settings, group and history survive): its old
  token is revoked and the screen collects a new one. The DEVICE_PAIRED entry says
  `repaired: true`.
- Such a device in another venue is removed (token revoked, DEVICE_REMOVED audited in its
  tenant with `reason: REPAIRED_ELSEWHERE`, the new venue and the new device): a move between
  venues by someone who manages both.
- Every other device with that hardware id - another tenant's, or one at a venue the claimer
  does not manage - is left exactly as it was, token and screen included; the claim makes a
  separate device in the claiming venue. A device never moves between tenants implicitly; its
  own admins remove the stale one when the box really has moved.
- Starting a pairing touches no device at all: nothing changes until a claim, and a claim only
  changes what the claimer could change anyway.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from signage import audit
from signage.audit import AuditTarget
from signage.auth.policy import VenueAction, permits
from signage.auth.principal import UserPrincipal
from signage.auth.tokens import TokenPolicy, new_opaque_token, token_digest
from signage.db.integrity import unique_or_conflict
from signage.db.models import Device, DeviceGroup, DevicePairing, Venue
from signage.devices import registry, tokens
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
class RepairPlan:
    """What a claim does to the devices that already carry the screen's hardware id."""

    reuse: Device | None  # in the claiming venue: kept, re-tokened
    retire: tuple[Device, ...]  # at other venues the claimer manages: removed


@dataclass(frozen=True)
class PairingState:
    status: PairingStatus
    expires_at: datetime
    device_id: uuid.UUID | None = None
    device_token: str | None = None


def display_code(code: str) -> str:
    """The pairing code as screens show it, ABCD-EFGH."""
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
    """A new pending pairing with a fresh unique code and the secret only the screen holds (§8)."""
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
    """Where the screen's pairing stands; once claimed, hands out the device token once."""
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
    """Pair the screen showing `code` to the venue as a new device, audited (§8)."""
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
    plan = plan_repairing(actor, venue.id, _same_hardware(session, venue, pairing))
    if plan.reuse is not None:
        device = _reuse(session, plan.reuse, pairing, name, group_id, now)
    else:
        device = _new_device(session, venue, pairing, name, group_id, now)
    for old in plan.retire:
        registry.retire_device(
            session,
            old,
            now=now,
            who=who,
            details={
                "reason": "REPAIRED_ELSEWHERE",
                "venueId": str(old.venue_id),
                "newVenueId": str(venue.id),
                "newDeviceId": str(device.id),
            },
        )
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
        target_type=AuditTarget.DEVICE,
        target_id=device.id,
        details={
            "venueId": str(venue.id),
            "hardwareId": pairing.device_hardware_id,
            "repaired": plan.reuse is not None,
        },
    )
    return device


def plan_repairing(
    actor: UserPrincipal, venue_id: uuid.UUID, same_hardware: Sequence[Device]
) -> RepairPlan:
    """Which of the devices carrying the hardware id a claim into `venue_id` may reuse or
    remove: only the claimer's own tenant's, at venues the claimer may manage (module doc)."""
    managed = [
        device
        for device in same_hardware
        if device.tenant_id == actor.tenant_id
        and permits(actor, device.venue_id, VenueAction.MANAGE)
    ]
    reuse = next((device for device in managed if device.venue_id == venue_id), None)
    return RepairPlan(reuse, tuple(device for device in managed if device is not reuse))


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


def _same_hardware(session: Session, venue: Venue, pairing: DevicePairing) -> list[Device]:
    """The claiming tenant's active devices with the pairing's hardware id, oldest first; no
    other tenant's device is even read (§25.6)."""
    return list(
        session.scalars(
            select(Device)
            .where(
                Device.tenant_id == venue.tenant_id,
                Device.hardware_id == pairing.device_hardware_id,
                Device.status == DeviceLifecycle.ACTIVE,
            )
            .order_by(Device.created_at, Device.id)
            .with_for_update()
        )
    )


def _reuse(
    session: Session,
    device: Device,
    pairing: DevicePairing,
    name: str,
    group_id: uuid.UUID | None,
    now: datetime,
) -> Device:
    """Re-pair a device in its own venue: its old token stops now, the screen collects a new one."""
    tokens.revoke_for_device(session, device.id, now)
    device.name, device.primary_group_id = name, group_id or device.primary_group_id
    device.model, device.app_version = pairing.model, pairing.app_version
    device.version += 1
    bump_venue_epoch(session, device.venue_id, now)
    return device


def _new_device(
    session: Session,
    venue: Venue,
    pairing: DevicePairing,
    name: str,
    group_id: uuid.UUID | None,
    now: datetime,
) -> Device:
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
