"""Timeouts and orphan cleanup (§13.5), with time as a parameter. Run hourly by a Dagster
schedule; each rule is idempotent."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from signage.content.ingestion import mark_failed
from signage.db.models import Asset, PlaylistItem, PlaylistPublishedItem, UploadSession
from signage.devices import screenshots
from signage.enums import AssetFailureReason, AssetStatus, UploadSessionStatus
from signage.storage.base import ObjectStorage

log = logging.getLogger(__name__)

PROCESSING_TIMEOUT = timedelta(minutes=10)
FAILED_RETENTION = timedelta(days=30)
# Signed URLs expire at most a second or two after their session (rounded up to whole
# seconds, signed a moment after the session was made).
UPLOAD_URL_GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class CleanupReport:
    uploads_timed_out: int
    processing_timed_out: int
    failed_purged: int
    sessions_removed: int
    uploads_retired: int = 0
    screenshots_purged: int = 0


def run_cleanup(session: Session, storage: ObjectStorage, now: datetime) -> CleanupReport:
    """One pass of §13.5 timeouts and purges; what each step did."""
    return CleanupReport(
        uploads_timed_out=time_out_uploads(session, storage, now),
        processing_timed_out=time_out_processing(session, now),
        failed_purged=purge_failed(session, storage, now),
        sessions_removed=remove_stale_sessions(session, now),
        uploads_retired=retire_finished_uploads(session, storage, now),
        screenshots_purged=screenshots.purge_old(session, storage, now),
    )


def time_out_uploads(session: Session, storage: ObjectStorage, now: datetime) -> int:
    """UPLOADING past its session's hour: FAILED/PROCESSING_TIMEOUT, any stored file deleted.
    The session's `expires_at` (declaration time + 60 min) is the clock for this rule."""
    stale = session.execute(
        select(Asset, UploadSession.storage_key)
        .join(UploadSession, UploadSession.asset_id == Asset.id)
        .where(
            Asset.status == AssetStatus.UPLOADING,
            UploadSession.status == UploadSessionStatus.OPEN,
            UploadSession.expires_at <= now,
        )
        .with_for_update(of=Asset, skip_locked=True)
    ).all()
    for asset, upload_key in stale:
        mark_failed(asset, AssetFailureReason.PROCESSING_TIMEOUT, None, now)
        for key in {asset.storage_key, upload_key}:
            storage.delete(key)
    return len(stale)


def time_out_processing(session: Session, now: datetime) -> int:
    """PROCESSING for 10 minutes: FAILED/PROCESSING_TIMEOUT (a run still holding the row lock
    is skipped; it will finish or time out on the next pass)."""
    stale = session.scalars(
        select(Asset)
        .where(
            Asset.status == AssetStatus.PROCESSING,
            Asset.processing_started_at <= now - PROCESSING_TIMEOUT,
        )
        .with_for_update(skip_locked=True)
    ).all()
    for asset in stale:
        mark_failed(asset, AssetFailureReason.PROCESSING_TIMEOUT, None, now)
    return len(stale)


def purge_failed(session: Session, storage: ObjectStorage, now: datetime) -> int:
    """FAILED for 30 days: the row and its files are deleted for good. An asset a playlist
    still names is kept (the foreign key would refuse it) and logged."""
    referenced = exists().where(PlaylistItem.asset_id == Asset.id) | exists().where(
        PlaylistPublishedItem.asset_id == Asset.id
    )
    old = session.scalars(
        select(Asset).where(
            Asset.status == AssetStatus.FAILED,
            Asset.failed_at <= now - FAILED_RETENTION,
            ~referenced,
        )
    ).all()
    for asset in old:
        upload_keys = session.scalars(
            select(UploadSession.storage_key).where(UploadSession.asset_id == asset.id)
        ).all()
        for key in {asset.storage_key, asset.thumbnail_key, *upload_keys}:
            if key:
                storage.delete(key)
        session.delete(asset)  # its upload session goes with it (ON DELETE CASCADE)
    return len(old)


def retire_finished_uploads(session: Session, storage: ObjectStorage, now: datetime) -> int:
    """Completed uploads whose URL has expired and whose asset is settled (READY or FAILED):
    the staging object and the session go. Not sooner: on local storage the staging object
    is what makes a second PUT of a live URL answer 409 (issue 13 item 3), and ingestion
    reads it until the asset is settled."""
    finished = session.execute(
        select(UploadSession, Asset.storage_key)
        .join(Asset, Asset.id == UploadSession.asset_id)
        .where(
            UploadSession.status == UploadSessionStatus.COMPLETED,
            UploadSession.expires_at <= now - UPLOAD_URL_GRACE,
            Asset.status.in_([AssetStatus.READY, AssetStatus.FAILED]),
        )
    ).all()
    for upload, asset_key in finished:
        if upload.storage_key != asset_key:  # sessions from before staging keys share it
            storage.delete(upload.storage_key)
        session.delete(upload)
    return len(finished)


def remove_stale_sessions(session: Session, now: datetime) -> int:
    """Upload sessions never completed within their hour are deleted (§13.5)."""
    result = session.execute(
        delete(UploadSession).where(
            UploadSession.status == UploadSessionStatus.OPEN,
            UploadSession.expires_at <= now,
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
