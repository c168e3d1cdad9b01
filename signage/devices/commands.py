"""Remote support commands (§18, §28.7): issued by managers, polled by the device, acknowledged
once. Delivery is at least once (a command stays in the poll until its result arrives or it
expires); the player dedups by commandId."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from signage import audit
from signage.audit import AuditTarget
from signage.auth.principal import DevicePrincipal
from signage.db.models import Device, DeviceCommand
from signage.enums import CommandStatus, CommandType
from signage.errors import ConflictError, NotFoundError, ValidationFailedError
from signage.pagination import Page, PageRequest, paginate

COMMAND_TTL = timedelta(hours=24)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
MAX_DIAGNOSTICS_MINUTES = 24 * 60
OPEN_STATUSES = (CommandStatus.PENDING, CommandStatus.DELIVERED)


def validate_parameters(command_type: CommandType, parameters: dict[str, Any]) -> dict[str, Any]:
    """The parameters each command type takes; anything else is refused (422)."""
    if command_type is CommandType.SET_LOG_LEVEL:
        level = str(parameters.get("level", "")).upper()
        if level not in LOG_LEVELS or set(parameters) != {"level"}:
            raise _bad_parameters(f"SET_LOG_LEVEL takes {{level}}, one of {', '.join(LOG_LEVELS)}.")
        return {"level": level}
    if command_type is CommandType.ENABLE_DIAGNOSTICS:
        minutes = parameters.get("durationMinutes")
        in_range = (
            isinstance(minutes, int)
            and not isinstance(minutes, bool)
            and 1 <= minutes <= MAX_DIAGNOSTICS_MINUTES
        )
        if not in_range or len(parameters) != 1:
            raise _bad_parameters(
                f"ENABLE_DIAGNOSTICS takes {{durationMinutes}} from 1 to {MAX_DIAGNOSTICS_MINUTES}."
            )
        return {"durationMinutes": minutes}
    if parameters:
        raise _bad_parameters(f"{command_type.value} takes no parameters.")
    return {}


def issue(
    session: Session,
    device: Device,
    command_type: CommandType,
    parameters: dict[str, Any],
    *,
    issued_by: uuid.UUID,
    now: datetime,
    who: audit.AuditContext,
) -> DeviceCommand:
    """Queue a validated command for the device, audited (§18); delivered on its next poll."""
    command = DeviceCommand(
        tenant_id=device.tenant_id,
        venue_id=device.venue_id,
        device_id=device.id,
        type=command_type,
        parameters=validate_parameters(command_type, parameters),
        issued_by_user_id=issued_by,
        issued_at=now,
        expires_at=now + COMMAND_TTL,
    )
    session.add(command)
    session.flush()
    audit.record(
        session,
        who,
        audit.AuditAction.COMMAND_ISSUED,
        tenant_id=device.tenant_id,
        now=now,
        target_type=AuditTarget.DEVICE,
        target_id=device.id,
        details={"commandId": str(command.id), "type": command_type.value},
    )
    return command


def history(
    session: Session, device: Device, page: PageRequest, now: datetime
) -> Page[DeviceCommand]:
    """A page of the device's commands, newest first, overdue ones expired first."""
    expire_overdue(session, now, device_id=device.id)
    statement = select(DeviceCommand).where(DeviceCommand.device_id == device.id)
    return paginate(
        session,
        statement,
        [DeviceCommand.issued_at, DeviceCommand.id],
        page,
        descending=True,
        parse=[datetime.fromisoformat, uuid.UUID],
    )


def poll(
    session: Session, device: DevicePrincipal, now: datetime, page: PageRequest | None = None
) -> Page[DeviceCommand]:
    """Open commands for the device, oldest first, as §27.1's cursor pages (issue 15 item 16);
    marks the ones handed out DELIVERED."""
    statement = select(DeviceCommand).where(
        DeviceCommand.device_id == device.device_id,
        DeviceCommand.status.in_(OPEN_STATUSES),
        DeviceCommand.expires_at > now,
    )
    found: Page[DeviceCommand] = paginate(
        session,
        statement,
        [DeviceCommand.issued_at, DeviceCommand.id],
        page or PageRequest(),
        parse=[datetime.fromisoformat, uuid.UUID],
    )
    for command in found.items:
        if command.status is CommandStatus.PENDING:
            command.status, command.delivered_at = CommandStatus.DELIVERED, now
    return found


def record_result(
    session: Session,
    device: DevicePrincipal,
    command_id: uuid.UUID,
    *,
    succeeded: bool,
    result: dict[str, Any] | None,
    error: str | None,
    now: datetime,
    who: audit.AuditContext,
) -> DeviceCommand:
    """Idempotent: the same result again changes nothing; a different one is a 409."""
    command = session.scalar(
        select(DeviceCommand)
        .where(DeviceCommand.id == command_id, DeviceCommand.device_id == device.device_id)
        .with_for_update()
    )
    if command is None:
        raise NotFoundError(f"Command {command_id} was not found.")
    outcome = CommandStatus.SUCCEEDED if succeeded else CommandStatus.FAILED
    if command.status in (CommandStatus.SUCCEEDED, CommandStatus.FAILED):
        if command.status is not outcome:
            raise ConflictError(f"Command {command_id} already reported {command.status.value}.")
        return command
    if command.status is CommandStatus.EXPIRED or command.expires_at <= now:
        command.status = CommandStatus.EXPIRED
        raise ConflictError(f"Command {command_id} expired before its result arrived.")
    command.status, command.completed_at = outcome, now
    command.result = result
    command.error_message = error
    command.error_code = None if succeeded else "DEVICE_REPORTED_FAILURE"
    audit.record(
        session,
        who,
        audit.AuditAction.COMMAND_RESULT,
        tenant_id=command.tenant_id,
        now=now,
        target_type=AuditTarget.DEVICE,
        target_id=device.device_id,
        details={"commandId": str(command.id), "status": outcome.value},
    )
    return command


def expire_overdue(session: Session, now: datetime, device_id: uuid.UUID | None = None) -> int:
    """Open commands past their expiry become EXPIRED (also run by the cleanup job)."""
    statement = update(DeviceCommand).where(
        DeviceCommand.status.in_(OPEN_STATUSES), DeviceCommand.expires_at <= now
    )
    if device_id is not None:
        statement = statement.where(DeviceCommand.device_id == device_id)
    result = session.execute(statement.values(status=CommandStatus.EXPIRED, updated_at=now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _bad_parameters(detail: str) -> ValidationFailedError:
    return ValidationFailedError(
        detail, errors=[{"location": "body.parameters", "message": detail}]
    )
