"""Upload sessions (§13 steps 1-2, §27.5-27.6): the client declares the file, gets a signed
URL, PUTs the bytes straight to storage, then says it is complete. The API never sees a byte.

The signed URL names the session's staging key (`keys.asset_upload_key`), never the asset's
own key: ingestion copies the bytes it verified there, so no upload URL, however old, can
change what players fetch (issue 13 item 3)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage import audit
from signage.audit import AuditTarget
from signage.content.ingestion import announce_processing
from signage.content.scope import LibraryScope
from signage.db.models import Asset, UploadSession
from signage.enums import AssetStatus, AssetType, UploadSessionStatus
from signage.errors import (
    ConflictError,
    NotFoundError,
    ServiceUnavailableError,
    ValidationFailedError,
)
from signage.storage.base import ObjectInfo, ObjectStorage, PresignedUpload, StorageError
from signage.storage.keys import asset_original_key, asset_upload_key, extension_for

UPLOAD_WINDOW = timedelta(minutes=60)  # §13.5
ASSET_TYPE_BY_CONTENT_TYPE = {
    "image/jpeg": AssetType.IMAGE,
    "image/png": AssetType.IMAGE,
    "video/mp4": AssetType.VIDEO,
}
_SHA256 = re.compile(r"[0-9a-f]{64}")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


@dataclass(frozen=True)
class UploadRequest:
    file_name: str
    content_type: str
    file_size_bytes: int
    checksum_sha256: str


@dataclass(frozen=True)
class StartedUpload:
    upload: UploadSession
    asset: Asset
    presigned: PresignedUpload


def start_upload(
    session: Session,
    storage: ObjectStorage,
    scope: LibraryScope,
    request: UploadRequest,
    *,
    max_bytes: int,
    user_id: uuid.UUID,
    now: datetime,
    who: audit.AuditContext,
) -> StartedUpload:
    """Validate the declaration up front, create the UPLOADING asset and its signed PUT URL."""
    content_type = request.content_type.split(";")[0].strip().lower()
    checksum = request.checksum_sha256.strip().lower()
    display_name = _display_name(request.file_name)
    _validate(content_type, request.file_size_bytes, checksum, display_name, max_bytes)
    asset_id = uuid.uuid4()
    extension = extension_for(content_type)
    # The URL names a staging key; ingestion writes what players fetch (issue 13 item 3).
    upload_key = asset_upload_key(scope.tenant_id, asset_id, extension)
    asset = Asset(
        id=asset_id,
        tenant_id=scope.tenant_id,
        scope_type=scope.scope_type,
        scope_venue_id=scope.venue_id,
        type=ASSET_TYPE_BY_CONTENT_TYPE[content_type],
        status=AssetStatus.UPLOADING,
        display_name=display_name,
        original_file_name=display_name,
        content_type=content_type,
        file_size_bytes=request.file_size_bytes,
        checksum_sha256=checksum,
        storage_key=asset_original_key(scope.tenant_id, asset_id, extension),
        created_by_user_id=user_id,
    )
    expires_at = now + UPLOAD_WINDOW
    upload = UploadSession(
        tenant_id=scope.tenant_id,
        asset_id=asset_id,
        scope_venue_id=scope.venue_id,
        storage_key=upload_key,
        file_name=display_name,
        content_type=content_type,
        file_size_bytes=request.file_size_bytes,
        checksum_sha256=checksum,
        expires_at=expires_at,
        created_by_user_id=user_id,
    )
    session.add_all([asset, upload])
    session.flush()
    presigned = storage.presign_put(upload_key, content_type, request.file_size_bytes, expires_at)
    audit.record(
        session,
        who,
        audit.AuditAction.ASSET_UPLOAD_STARTED,
        tenant_id=scope.tenant_id,
        now=now,
        target_type=AuditTarget.ASSET,
        target_id=asset_id,
        details={"fileName": display_name, "sizeBytes": request.file_size_bytes},
    )
    return StartedUpload(upload, asset, presigned)


def complete_upload(
    session: Session,
    storage: ObjectStorage,
    scope: LibraryScope,
    upload_id: uuid.UUID,
    *,
    now: datetime,
    who: audit.AuditContext,
) -> Asset:
    """The client has PUT the file: hand the asset to ingestion (PROCESSING)."""
    upload = session.scalar(
        select(UploadSession)
        .where(
            UploadSession.id == upload_id,
            UploadSession.tenant_id == scope.tenant_id,
            UploadSession.scope_venue_id.is_(None)
            if scope.venue_id is None
            else UploadSession.scope_venue_id == scope.venue_id,
        )
        .with_for_update()
    )
    if upload is None:
        raise NotFoundError(f"Upload {upload_id} was not found.")
    if upload.status is UploadSessionStatus.COMPLETED:
        raise ConflictError("This upload is already complete.")
    if upload.status is UploadSessionStatus.EXPIRED or upload.expires_at <= now:
        raise ConflictError("This upload expired; start a new one (§13.4).")
    stored = _stored_upload(storage, upload.storage_key)
    if stored is None:
        raise ValidationFailedError(
            "No file has been received for this upload; PUT it to uploadUrl first.",
            errors=[{"location": "upload", "message": "no object stored"}],
        )
    asset = session.get_one(Asset, upload.asset_id, with_for_update=True)
    upload.status, upload.completed_at = UploadSessionStatus.COMPLETED, now
    asset.status, asset.processing_started_at = AssetStatus.PROCESSING, now
    announce_processing(session, asset.id)  # the warm ingestion worker starts at the commit
    audit.record(
        session,
        who,
        audit.AuditAction.ASSET_UPLOAD_COMPLETED,
        tenant_id=scope.tenant_id,
        now=now,
        target_type=AuditTarget.ASSET,
        target_id=asset.id,
        details={"storedBytes": stored.size},
    )
    return asset


def _stored_upload(storage: ObjectStorage, key: str) -> ObjectInfo | None:
    try:
        return storage.head(key)
    except (OSError, StorageError) as exc:  # the store is at fault, not the client
        raise ServiceUnavailableError(
            "The media storage cannot be read right now; complete the upload again later."
        ) from exc


def _display_name(file_name: str) -> str:
    """What people see. Names with path separators or control characters are refused by
    `_validate` (the storage key never contains the name anyway)."""
    return file_name.strip()[:255]


def _validate(
    content_type: str, size: int, checksum: str, display_name: str, max_bytes: int
) -> None:
    errors = []
    if content_type not in ASSET_TYPE_BY_CONTENT_TYPE:
        errors.append(
            {
                "location": "body.contentType",
                "message": "only image/jpeg, image/png and video/mp4 are accepted",
            }
        )
    if not 0 < size <= max_bytes:
        errors.append(
            {
                "location": "body.fileSizeBytes",
                "message": f"must be between 1 and {max_bytes} bytes",
            }
        )
    if not _SHA256.fullmatch(checksum):
        errors.append(
            {"location": "body.checksumSha256", "message": "64 hexadecimal characters (SHA-256)"}
        )
    if not display_name or display_name in (".", "..") or _UNSAFE_NAME.search(display_name):
        errors.append(
            {
                "location": "body.fileName",
                "message": "a plain file name, without folders or control characters",
            }
        )
    if errors:
        raise ValidationFailedError("The upload is not valid.", errors=errors)
