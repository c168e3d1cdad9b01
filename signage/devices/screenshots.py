"""What a screen shows, on request (issue 19 item 3, an extension of §18): a CAPTURE_SCREENSHOT
command is polled like any other; the device asks for a signed upload URL for its JPEG of the
exact size it made, PUTs it straight to storage (§32.3: the API never proxies media) and then
reports SUCCEEDED. Who may read the command (any role at the venue) gets a short-lived signed
URL to the picture with the command; nobody else ever sees its key.

The key is derived from the command (tenant, device, command ids), never sent by the client, so
a device can only ever write the one object its own open command names.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from signage.auth.principal import DevicePrincipal
from signage.db.models import DeviceCommand
from signage.devices.commands import OPEN_STATUSES
from signage.enums import CommandStatus, CommandType
from signage.errors import ConflictError, NotFoundError, ValidationFailedError
from signage.storage.base import ObjectStorage, PresignedUpload
from signage.storage.keys import screenshot_key

CONTENT_TYPE = "image/jpeg"
MAX_BYTES = 10 * 1024 * 1024  # a 4K JPEG at high quality stays well below
UPLOAD_URL_LIFETIME = timedelta(minutes=10)
VIEW_URL_LIFETIME = timedelta(minutes=15)
RETENTION = timedelta(days=7)  # a screenshot answers "what is on screen now", not an archive
PURGED = "screenshotPurged"  # marks a result whose picture retention deleted


def key_of(command: DeviceCommand) -> str:
    return screenshot_key(command.tenant_id, command.device_id, command.id)


def upload_url(
    session: Session,
    storage: ObjectStorage,
    device: DevicePrincipal,
    command_id: uuid.UUID,
    size_bytes: int,
    now: datetime,
) -> PresignedUpload:
    """A signed PUT for exactly `size_bytes` of JPEG, for the device's own open screenshot
    command; another device's command, or one of another type, is not found (404)."""
    command = _own_screenshot_command(session, device, command_id)
    if command.status not in OPEN_STATUSES or command.expires_at <= now:
        raise ConflictError(f"Command {command_id} is no longer open ({command.status.value}).")
    if not 1 <= size_bytes <= MAX_BYTES:
        detail = f"A screenshot is 1 byte to {MAX_BYTES} bytes."
        errors = [{"location": "body.sizeBytes", "message": detail}]
        raise ValidationFailedError(detail, errors=errors)
    return storage.presign_put(key_of(command), CONTENT_TYPE, size_bytes, now + UPLOAD_URL_LIFETIME)


def require_upload_before_success(
    session: Session,
    storage: ObjectStorage,
    device: DevicePrincipal,
    command_id: uuid.UUID,
    succeeded: bool,
) -> None:
    """A screenshot command reported SUCCEEDED must have its picture in storage (422 if not),
    so the result always points at something; other commands and failures pass."""
    if not succeeded:
        return
    command = session.scalar(
        select(DeviceCommand).where(
            DeviceCommand.id == command_id, DeviceCommand.device_id == device.device_id
        )
    )
    if command is None or command.type is not CommandType.CAPTURE_SCREENSHOT:
        return  # not found is record_result's to say
    if storage.head(key_of(command)) is None:
        raise ValidationFailedError(
            "Upload the screenshot (POST .../screenshot-upload, then PUT it) before success.",
            errors=[{"location": "body.status", "message": "no screenshot was uploaded"}],
        )


def view_url(storage: ObjectStorage, command: DeviceCommand, now: datetime) -> str | None:
    """A signed GET of the command's screenshot once it succeeded; None otherwise."""
    if command.type is not CommandType.CAPTURE_SCREENSHOT:
        return None
    if command.status is not CommandStatus.SUCCEEDED or was_purged(command):
        return None
    return storage.presign_get(key_of(command), now + VIEW_URL_LIFETIME)


def was_purged(command: DeviceCommand) -> bool:
    return bool((command.result or {}).get(PURGED))


def purge_old(session: Session, storage: ObjectStorage, now: datetime) -> int:
    """Delete the pictures of screenshot commands issued more than RETENTION ago (answered or
    not: a device may have uploaded before its result was lost) and mark them; idempotent."""
    old = session.scalars(
        select(DeviceCommand)
        .where(
            DeviceCommand.type == CommandType.CAPTURE_SCREENSHOT,
            DeviceCommand.issued_at <= now - RETENTION,
            or_(DeviceCommand.result.is_(None), ~DeviceCommand.result.contains({PURGED: True})),
        )
        .with_for_update(skip_locked=True)
    ).all()
    for command in old:
        storage.delete(key_of(command))
        command.result = {**(command.result or {}), PURGED: True}
    return len(old)


def _own_screenshot_command(
    session: Session, device: DevicePrincipal, command_id: uuid.UUID
) -> DeviceCommand:
    command = session.scalar(
        select(DeviceCommand).where(
            DeviceCommand.id == command_id,
            DeviceCommand.device_id == device.device_id,
            DeviceCommand.type == CommandType.CAPTURE_SCREENSHOT,
        )
    )
    if command is None:
        raise NotFoundError(f"Screenshot command {command_id} was not found.")
    return command
