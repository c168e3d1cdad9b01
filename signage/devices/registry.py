"""Devices and groups of a venue (§26.4, §27.6), with their live status merged in (§26.10)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from signage import audit
from signage.audit import AuditTarget
from signage.concurrency import etag_for, require_if_match
from signage.db.integrity import unique_or_conflict
from signage.db.models import Device, DeviceGroup, DeviceStatus, Venue
from signage.devices import tokens
from signage.enums import DeviceLifecycle, Orientation, RunMode
from signage.epochs import bump_venue_epoch
from signage.errors import NotFoundError, ValidationFailedError
from signage.pagination import Page, PageRequest, paginate
from signage.tenancy.timezones import is_valid_timezone

HEARTBEAT_INTERVAL = timedelta(seconds=60)  # §27.8.2: aligned with nextCheckSeconds
# Online while the last heartbeat is at most two intervals and a grace old (one lost beat is
# not an outage; alerts use three missed intervals, §21).
ONLINE_WITHIN = 2 * HEARTBEAT_INTERVAL + timedelta(seconds=30)
MIN_CACHE_BUDGET = 64 * 1024**2


@dataclass(frozen=True)
class DeviceView:
    device: Device
    status: DeviceStatus | None
    online: bool

    @property
    def etag(self) -> str:
        return etag_for("device", self.device.version)


@dataclass(frozen=True)
class DeviceFilters:
    online: bool | None = None
    group_id: uuid.UUID | None = None
    app_version: str | None = None
    q: str | None = None


@dataclass(frozen=True)
class DeviceChanges:
    """A PATCH: only fields that were sent are applied (`sent` names them)."""

    sent: frozenset[str]
    name: str | None = None
    primary_group_id: uuid.UUID | None = None
    timezone: str | None = None
    run_mode: RunMode | None = None
    launch_on_boot: bool | None = None
    auto_relaunch: bool | None = None
    keep_awake: bool | None = None
    watchdog_return_to_foreground: bool | None = None
    orientation: Orientation | None = None
    cache_budget_bytes: int | None = None


def is_online(status: DeviceStatus | None, now: datetime) -> bool:
    """Whether the device's last heartbeat is recent enough to count as online."""
    heartbeat = status.last_heartbeat_at if status else None
    return heartbeat is not None and now - heartbeat <= ONLINE_WITHIN


def list_devices(
    session: Session, venue: Venue, filters: DeviceFilters, page: PageRequest, now: datetime
) -> Page[DeviceView]:
    """A page of the venue's live devices with their status, filtered as asked."""
    statement = _devices_of(venue)
    if filters.group_id:
        statement = statement.where(Device.primary_group_id == filters.group_id)
    if filters.app_version:
        statement = statement.where(Device.app_version == filters.app_version)
    if filters.q:
        statement = statement.where(Device.name.ilike(f"%{filters.q}%"))
    if filters.online is not None:
        fresh = DeviceStatus.last_heartbeat_at >= now - ONLINE_WITHIN
        online_ids = select(DeviceStatus.device_id).where(fresh)
        statement = statement.where(
            Device.id.in_(online_ids) if filters.online else Device.id.not_in(online_ids)
        )
    found = paginate(session, statement, [Device.name, Device.id], page, parse=[str, uuid.UUID])
    return Page([_view(session, d, now) for d in found.items], found.next_cursor)


def get_device(session: Session, venue: Venue, device_id: uuid.UUID, now: datetime) -> DeviceView:
    """A live device of the venue with its status, or NotFoundError."""
    device = session.scalar(_devices_of(venue).where(Device.id == device_id))
    if device is None:
        raise NotFoundError(f"Device {device_id} was not found.")
    return _view(session, device, now)


def update_device(
    session: Session,
    venue: Venue,
    device_id: uuid.UUID,
    changes: DeviceChanges,
    *,
    if_match: str | None,
    now: datetime,
    who: audit.AuditContext,
) -> DeviceView:
    """Apply the sent fields under If-Match, bump the venue's epoch and audit the change."""
    view = get_device(session, venue, device_id, now)
    require_if_match(if_match, view.etag)
    _validate_changes(session, venue, changes)
    device = view.device
    for field in changes.sent:
        setattr(device, field, getattr(changes, field))
    device.version += 1
    bump_venue_epoch(session, venue.id, now)  # settings and group membership play out (§26.9)
    audit.record(
        session,
        who,
        audit.AuditAction.DEVICE_UPDATED,
        tenant_id=venue.tenant_id,
        now=now,
        target_type=AuditTarget.DEVICE,
        target_id=device.id,
        details={"fields": sorted(changes.sent)},
    )
    session.flush()
    return _view(session, device, now)


def move_device(
    session: Session,
    venue: Venue,
    device_id: uuid.UUID,
    to_venue: Venue,
    *,
    now: datetime,
    who: audit.AuditContext,
) -> DeviceView:
    """Reassign a device to another venue of its tenant (§25.1: devices stay unless an admin
    reassigns them; issue 15 item 6). The caller has checked TENANT_ADMIN and found both venues
    in its tenant. Identity, name, settings and history stay with the device; its group was the
    old venue's, so it has none. The move is silent: the screen's token keeps working and now
    acts in the new venue, and its next manifest poll hands over a token for the new venue that
    ends the old one at first use (signage.devices.tokens). A screen that was reset meanwhile is
    claimed in the new venue by its code and stays this device (signage.devices.pairing)."""
    device = get_device(session, venue, device_id, now).device
    if to_venue.id == venue.id or to_venue.tenant_id != venue.tenant_id:
        raise ValidationFailedError(
            "The device is already in that venue.",
            errors=[{"location": "body.toVenueId", "message": "the device's own venue"}],
        )
    device.venue_id, device.primary_group_id = to_venue.id, None
    device.version += 1
    device.updated_at = now
    session.execute(
        update(DeviceStatus).where(DeviceStatus.device_id == device.id).values(venue_id=to_venue.id)
    )
    tokens.forget_cached_checks(session)
    for moved in sorted((venue.id, to_venue.id)):  # both venues' screens change (§26.9)
        bump_venue_epoch(session, moved, now)
    audit.record(
        session,
        who,
        audit.AuditAction.DEVICE_MOVED,
        tenant_id=venue.tenant_id,
        now=now,
        target_type=AuditTarget.DEVICE,
        target_id=device.id,
        details={"fromVenueId": str(venue.id), "toVenueId": str(to_venue.id)},
    )
    session.flush()
    return _view(session, device, now)


def remove_device(
    session: Session,
    venue: Venue,
    device_id: uuid.UUID,
    *,
    now: datetime,
    who: audit.AuditContext,
) -> None:
    """Soft delete; its token stops working on the next request (§25.7)."""
    retire_device(session, get_device(session, venue, device_id, now).device, now=now, who=who)


def retire_device(
    session: Session,
    device: Device,
    *,
    now: datetime,
    who: audit.AuditContext,
    details: dict[str, str] | None = None,
) -> None:
    """Remove a device the caller has already been allowed to manage: revoke its token, move its
    venue's epoch, and audit it in the tenant that owned it (§25.9)."""
    device.status, device.deleted_at = DeviceLifecycle.REMOVED, now
    tokens.revoke_for_device(session, device.id, now)
    bump_venue_epoch(session, device.venue_id, now)
    audit.record(
        session,
        who,
        audit.AuditAction.DEVICE_REMOVED,
        tenant_id=device.tenant_id,
        now=now,
        target_type=AuditTarget.DEVICE,
        target_id=device.id,
        details=details,
    )


# -- groups ------------------------------------------------------------------------------------


def list_groups(session: Session, venue: Venue, page: PageRequest) -> Page[DeviceGroup]:
    """A page of the venue's device groups by name."""
    statement = select(DeviceGroup).where(DeviceGroup.venue_id == venue.id)
    return paginate(
        session, statement, [DeviceGroup.name, DeviceGroup.id], page, parse=[str, uuid.UUID]
    )


def get_group(session: Session, venue: Venue, group_id: uuid.UUID) -> DeviceGroup:
    """A group of the venue, or NotFoundError."""
    group = session.scalar(
        select(DeviceGroup).where(DeviceGroup.id == group_id, DeviceGroup.venue_id == venue.id)
    )
    if group is None:
        raise NotFoundError(f"Group {group_id} was not found.")
    return group


def create_group(
    session: Session, venue: Venue, name: str, *, now: datetime, who: audit.AuditContext
) -> DeviceGroup:
    """A new group in the venue with a name unique there, audited."""
    group = DeviceGroup(tenant_id=venue.tenant_id, venue_id=venue.id)
    _save_group(session, group, name)
    audit.record(
        session,
        who,
        audit.AuditAction.GROUP_CREATED,
        tenant_id=venue.tenant_id,
        now=now,
        target_type=AuditTarget.GROUP,
        target_id=group.id,
        details={"name": group.name},
    )
    return group


def rename_group(
    session: Session,
    venue: Venue,
    group_id: uuid.UUID,
    name: str,
    *,
    now: datetime,
    who: audit.AuditContext,
) -> DeviceGroup:
    """Rename a group of the venue (unique there), audited."""
    group = get_group(session, venue, group_id)
    _save_group(session, group, name)
    audit.record(
        session,
        who,
        audit.AuditAction.GROUP_UPDATED,
        tenant_id=venue.tenant_id,
        now=now,
        target_type=AuditTarget.GROUP,
        target_id=group.id,
        details={"name": group.name},
    )
    return group


def delete_group(
    session: Session,
    venue: Venue,
    group_id: uuid.UUID,
    *,
    now: datetime,
    who: audit.AuditContext,
) -> None:
    """Members fall back to no group; schedule slots aimed at the group stop matching."""
    group = get_group(session, venue, group_id)
    session.delete(group)
    bump_venue_epoch(session, venue.id, now)
    audit.record(
        session,
        who,
        audit.AuditAction.GROUP_DELETED,
        tenant_id=venue.tenant_id,
        now=now,
        target_type=AuditTarget.GROUP,
        target_id=group_id,
    )


def _save_group(session: Session, group: DeviceGroup, name: str) -> None:
    """Name (or rename) the group inside a savepoint: a name the venue already has is a 409."""
    name = name.strip()
    if not name:
        raise ValidationFailedError(
            "A group needs a name.", errors=[{"location": "body.name", "message": "blank"}]
        )
    with unique_or_conflict(session, detail=f"This venue already has a group named {name!r}."):
        group.name = name
        session.add(group)


# -- helpers -----------------------------------------------------------------------------------


def _devices_of(venue: Venue) -> Select[Device]:
    return select(Device).where(
        Device.venue_id == venue.id,
        Device.tenant_id == venue.tenant_id,
        Device.status == DeviceLifecycle.ACTIVE,
    )


def _view(session: Session, device: Device, now: datetime) -> DeviceView:
    status = session.get(DeviceStatus, device.id)
    return DeviceView(device, status, is_online(status, now))


def _validate_changes(session: Session, venue: Venue, changes: DeviceChanges) -> None:
    errors = []
    if "name" in changes.sent and not (changes.name or "").strip():
        errors.append({"location": "body.name", "message": "must not be blank"})
    if "timezone" in changes.sent and changes.timezone and not is_valid_timezone(changes.timezone):
        errors.append({"location": "body.timezone", "message": "not an IANA timezone"})
    if (
        "cache_budget_bytes" in changes.sent
        and (changes.cache_budget_bytes or 0) < MIN_CACHE_BUDGET
    ):
        errors.append(
            {"location": "body.cacheBudgetBytes", "message": f"at least {MIN_CACHE_BUDGET} bytes"}
        )
    if "primary_group_id" in changes.sent and changes.primary_group_id is not None:
        try:
            get_group(session, venue, changes.primary_group_id)
        except NotFoundError:
            errors.append({"location": "body.primaryGroupId", "message": "no such group here"})
    for required in (
        "name",
        "run_mode",
        "orientation",
        "cache_budget_bytes",
        "launch_on_boot",
        "auto_relaunch",
        "keep_awake",
        "watchdog_return_to_foreground",
    ):
        if required in changes.sent and getattr(changes, required) is None:
            errors.append({"location": f"body.{required}", "message": "must not be null"})
    if errors:
        raise ValidationFailedError("The device settings are not valid.", errors=errors)
