"""Ingestion (§13 steps 3-6): download the stored file, inspect it, record READY or FAILED.

Safe when two runs race for one asset: the asset row is locked with SKIP LOCKED for the whole
processing, so the second run finds nothing to do; and only PROCESSING assets are picked up, so
READY and FAILED ones are never processed again (§13.4)."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.db.engine import Database
from signage.db.models import Asset
from signage.enums import AssetFailureReason, AssetStatus
from signage.media.ingest import Inspection, inspect_upload
from signage.media.rules import MediaLimits, MediaVerdict
from signage.storage.base import ObjectNotFoundError, ObjectStorage
from signage.storage.keys import asset_thumbnail_key


def processing_asset_ids(session: Session, limit: int = 100) -> list[uuid.UUID]:
    """Assets waiting for ingestion, oldest first (what the sensor launches runs for)."""
    return list(
        session.scalars(
            select(Asset.id)
            .where(Asset.status == AssetStatus.PROCESSING, Asset.deleted_at.is_(None))
            .order_by(Asset.processing_started_at)
            .limit(limit)
        )
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
    """Process one asset; returns its new status, or None when there was nothing to do."""
    with database.unit_of_work() as session:
        asset = session.scalar(
            select(Asset)
            .where(Asset.id == asset_id, Asset.status == AssetStatus.PROCESSING)
            .with_for_update(skip_locked=True)
        )
        if asset is None:
            return None  # already done, never completed, or another run holds it
        with tempfile.TemporaryDirectory(dir=work_dir) as scratch:
            inspection = _inspect(storage, asset, Path(scratch) / "original", limits)
        if inspection.verdict.ok:
            _mark_ready(storage, asset, inspection, clock())
        else:
            reason = inspection.verdict.reason or AssetFailureReason.INTERNAL_ERROR
            mark_failed(asset, reason, inspection.verdict.detail, clock())
        return asset.status


def mark_failed(
    asset: Asset, reason: AssetFailureReason, detail: str | None, now: datetime
) -> None:
    asset.status = AssetStatus.FAILED
    asset.failure_reason = reason
    asset.failure_detail = detail or MediaVerdict.reject(reason).detail
    asset.failed_at = now


def _inspect(storage: ObjectStorage, asset: Asset, local: Path, limits: MediaLimits) -> Inspection:
    try:
        storage.download_to(asset.storage_key, local)
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
