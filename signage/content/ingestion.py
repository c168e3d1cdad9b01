"""Ingestion (§13 steps 3-6): download the stored file, inspect it, record READY or FAILED.

Safe when two runs race for one asset: the asset row is locked with SKIP LOCKED for the whole
processing, so the second run finds nothing to do; and only PROCESSING assets are picked up, so
READY and FAILED ones are never processed again (§13.4).

The file is read from the upload's staging key and, once verified, those same bytes are stored
under the asset's own key, the one players fetch and no upload URL names (issue 13 item 3)."""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from signage.db.engine import Database
from signage.db.models import Asset, UploadSession
from signage.enums import AssetFailureReason, AssetStatus
from signage.media.ingest import Inspection, inspect_upload
from signage.media.rules import MediaLimits, MediaVerdict
from signage.queries import live
from signage.storage.base import ObjectNotFoundError, ObjectStorage, StorageError
from signage.storage.keys import asset_thumbnail_key

log = logging.getLogger(__name__)

STORAGE_FAULT_DETAIL = (
    "The server could not read or write its media storage while processing this file; "
    "nothing is wrong with the file itself. Upload it again, and if that fails too, ask "
    "your administrator to check the media storage."
)
SERVER_FAULT_DETAIL = (
    "Processing stopped on an unexpected server error, not because of this file. Upload it "
    "again, and if that fails too, ask your administrator (the ingestion run's log has the "
    "details)."
)


# The API announces every completed upload on this PostgreSQL channel (NOTIFY, delivered at
# commit); the warm ingestion worker LISTENs on it, so it starts within milliseconds instead of
# polling (pipelines.ingestion_worker).
INGESTION_CHANNEL = "signage_ingestion"
# Assets younger than this belong to the warm worker; older ones to the sensor's one-run-per-
# asset backstop (a worker that died or is not running). Long enough that a worker busy with a
# batch of videos is not raced by a second process on a 2-core machine; short enough that a
# lost asset waits half a minute, not the hourly cleanup (docs/architecture.md, Ingestion).
BACKSTOP_AFTER = timedelta(seconds=30)


def processing_asset_ids(
    session: Session,
    limit: int = 100,
    *,
    started_before: datetime | None = None,
    started_since: datetime | None = None,
) -> list[uuid.UUID]:
    """Assets waiting for ingestion, oldest first; `started_before`/`started_since` bound when
    their processing started (the sensor takes the old ones, the worker the young ones)."""
    query = select(Asset.id).where(Asset.status == AssetStatus.PROCESSING, live(Asset))
    if started_before is not None:
        query = query.where(Asset.processing_started_at < started_before)
    if started_since is not None:
        query = query.where(Asset.processing_started_at >= started_since)
    return list(session.scalars(query.order_by(Asset.processing_started_at).limit(limit)))


def announce_processing(session: Session, asset_id: uuid.UUID) -> None:
    """Tell a listening ingestion worker that `asset_id` waits; delivered when the session's
    transaction commits, so the worker never looks before the asset reads PROCESSING."""
    session.execute(
        text("SELECT pg_notify(:channel, :asset_id)"),
        {"channel": INGESTION_CHANNEL, "asset_id": str(asset_id)},
    )


def ingest_asset(
    database: Database,
    storage: ObjectStorage,
    asset_id: uuid.UUID,
    *,
    limits: MediaLimits,
    clock: Callable[[], datetime],
    work_dir: Path | None = None,
) -> AssetStatus | None:
    """Process one asset; returns its new status, or None when there was nothing to do.

    A fault that is not the file's (storage unreadable or unwritable, a bug) still settles the
    asset: it is marked FAILED/INTERNAL_ERROR with a detail saying what to do, then the error
    is raised again so the run fails where operators look (issue 13 item 9). Without this the
    asset would sit in PROCESSING until the cleanup's timeout, with no reason given."""
    try:
        return _process(database, storage, asset_id, limits, clock, work_dir)
    except Exception as fault:
        _record_fault(database, asset_id, fault, clock())
        log.warning(
            "asset %s marked FAILED: ingestion stopped on %s", asset_id, type(fault).__name__
        )
        raise


def _process(
    database: Database,
    storage: ObjectStorage,
    asset_id: uuid.UUID,
    limits: MediaLimits,
    clock: Callable[[], datetime],
    work_dir: Path | None,
) -> AssetStatus | None:
    with database.unit_of_work() as session:
        asset = _lock_processing(session, asset_id)
        if asset is None:
            return None  # already done, never completed, or another run holds it
        uploaded_key = _uploaded_key(session, asset)
        with tempfile.TemporaryDirectory(dir=work_dir) as scratch:
            local = Path(scratch) / "original"
            inspection = _inspect(storage, uploaded_key, asset, local, limits)
            if inspection.verdict.ok:
                _publish_original(storage, uploaded_key, asset, local)
                _mark_ready(storage, asset, inspection, clock())
            else:
                reason = inspection.verdict.reason or AssetFailureReason.INTERNAL_ERROR
                mark_failed(asset, reason, inspection.verdict.detail, clock())
        return asset.status


def _lock_processing(session: Session, asset_id: uuid.UUID) -> Asset | None:
    return session.scalar(
        select(Asset)
        .where(Asset.id == asset_id, Asset.status == AssetStatus.PROCESSING)
        .with_for_update(skip_locked=True)
    )


def _uploaded_key(session: Session, asset: Asset) -> str:
    """Where the client's PUT put the file: its upload session's staging key. Assets stored
    before staging keys existed (or put straight in place) are read from their own key."""
    staged = session.scalar(
        select(UploadSession.storage_key).where(UploadSession.asset_id == asset.id).limit(1)
    )
    return staged or asset.storage_key


def _record_fault(database: Database, asset_id: uuid.UUID, fault: Exception, now: datetime) -> None:
    with database.unit_of_work() as session:
        fail_if_still_processing(session, asset_id, fault_detail(fault), now)


def fail_if_still_processing(
    session: Session, asset_id: uuid.UUID, detail: str, now: datetime
) -> bool:
    """FAILED/INTERNAL_ERROR for an asset whose ingestion stopped on a server fault. False when
    there is nothing to settle: it is READY or FAILED already, or another run is processing it."""
    asset = _lock_processing(session, asset_id)
    if asset is None:
        return False
    mark_failed(asset, AssetFailureReason.INTERNAL_ERROR, detail, now)
    return True


def fault_detail(fault: Exception) -> str:
    """What the person who uploaded the file can do about a server fault (§13.2 detail)."""
    if isinstance(fault, OSError | StorageError):
        return STORAGE_FAULT_DETAIL
    return SERVER_FAULT_DETAIL


def mark_failed(
    asset: Asset, reason: AssetFailureReason, detail: str | None, now: datetime
) -> None:
    """Mark the asset FAILED with a reason and a readable detail (§13.4)."""
    asset.status = AssetStatus.FAILED
    asset.failure_reason = reason
    asset.failure_detail = detail or MediaVerdict.reject(reason).detail
    asset.failed_at = now


def _inspect(
    storage: ObjectStorage, key: str, asset: Asset, local: Path, limits: MediaLimits
) -> Inspection:
    try:
        storage.download_to(key, local)
    except ObjectNotFoundError:
        return Inspection(
            MediaVerdict.reject(
                AssetFailureReason.FILE_CORRUPT, "The uploaded file is missing from storage."
            )
        )
    return inspect_upload(
        local,
        declared_size=asset.file_size_bytes or 0,
        declared_sha256=asset.checksum_sha256 or "",
        limits=limits,
        declared_type=asset.type,
    )


def _publish_original(storage: ObjectStorage, uploaded_key: str, asset: Asset, local: Path) -> None:
    """Store the bytes just verified (not the staging object, which an upload URL may still
    reach) under the asset's own key, which no upload URL names."""
    if uploaded_key != asset.storage_key:
        storage.put_file(asset.storage_key, local, asset.content_type)


def _mark_ready(
    storage: ObjectStorage, asset: Asset, inspection: Inspection, now: datetime
) -> None:
    info = inspection.info
    assert info is not None
    assert inspection.thumbnail_jpeg is not None
    thumbnail_key = asset_thumbnail_key(asset.tenant_id, asset.id)
    storage.put_bytes(thumbnail_key, inspection.thumbnail_jpeg, "image/jpeg")
    asset.status = AssetStatus.READY
    asset.ready_at = now
    asset.thumbnail_key = thumbnail_key
    asset.checksum_sha256 = inspection.sha256
    asset.file_size_bytes = info.file_size_bytes
    asset.width_px, asset.height_px = info.width, info.height
    asset.duration_seconds = _decimal(info.duration_seconds)
    asset.frame_rate = _decimal(info.fps)
    asset.bitrate_bps = info.video_bitrate_bps or info.overall_bitrate_bps
    asset.video_codec, asset.audio_codec = info.video_codec, info.audio_codec


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 3)))
