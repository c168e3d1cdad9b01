"""Media ingestion (§13): one run per uploaded asset, launched by a sensor that watches for
PROCESSING assets (every 2 s, so a completed upload starts promptly, and after a restart nothing
is missed), plus the hourly §13.5 timeouts and cleanup.

No `from __future__ import annotations` here: Dagster inspects annotations at definition time.
"""

import uuid
from datetime import UTC, datetime
from pathlib import Path

from dagster import (
    Config,
    ConfigurableResource,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    OpExecutionContext,
    RunFailureSensorContext,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    in_process_executor,
    job,
    op,
    run_failure_sensor,
    sensor,
)

from pipelines.resources import PlatformDatabase
from signage.config import Settings
from signage.content import cleanup
from signage.content.ingestion import (
    SERVER_FAULT_DETAIL,
    fail_if_still_processing,
    ingest_asset,
    processing_asset_ids,
)
from signage.db.engine import Database
from signage.media.rules import MediaLimits
from signage.storage.base import ObjectStorage
from signage.storage.factory import storage_from_settings
from signage.storage.local import LocalStorage


class MediaStorage(ConfigurableResource):  # type: ignore[type-arg]
    """The object store of SIGNAGE_* settings; `local_root` pins local disk (tests)."""

    local_root: str = ""

    def storage(self) -> ObjectStorage:
        settings = Settings()
        if not self.local_root:
            return storage_from_settings(settings)
        return LocalStorage(
            Path(self.local_root),
            public_base_url=settings.api_base_url,
            signing_secret=settings.jwt_secret_value(),
            max_object_bytes=settings.max_upload_bytes,
        )


class IngestConfig(Config):
    asset_id: str


@op
def ingest(
    context: OpExecutionContext,
    config: IngestConfig,
    platform_db: PlatformDatabase,
    media: MediaStorage,
) -> str:
    """Verify, probe, check §14 limits, thumbnail, and mark the asset READY or FAILED."""
    database = Database.connect(platform_db.sqlalchemy_url(), pool_size=1)
    try:
        status = ingest_asset(
            database,
            media.storage(),
            uuid.UUID(config.asset_id),
            limits=MediaLimits.from_settings(Settings()),
            clock=lambda: datetime.now(UTC),
        )
    finally:
        database.dispose()
    outcome = status.value if status else "nothing to do"
    context.log.info(f"asset {config.asset_id}: {outcome}")
    return outcome


# In-process: a one-op run starts its op ~1 s after launch instead of ~4 s (DESIGN.md).
@job(
    description="Ingest one uploaded asset (§13).",
    tags={"pipeline": "ingestion"},
    executor_def=in_process_executor,
)
def ingest_asset_job() -> None:
    ingest()


@sensor(
    job=ingest_asset_job,
    minimum_interval_seconds=2,
    default_status=DefaultSensorStatus.RUNNING,
)
def processing_assets_sensor(context: SensorEvaluationContext, platform_db: PlatformDatabase):  # type: ignore[no-untyped-def]
    """One run per asset waiting in PROCESSING; the run key makes each asset's run unique."""
    with platform_db.unit_of_work() as session:
        waiting = processing_asset_ids(session)
    for asset_id in waiting:
        yield RunRequest(
            run_key=f"ingest-{asset_id}",
            run_config={"ops": {"ingest": {"config": {"asset_id": str(asset_id)}}}},
            tags={"assetId": str(asset_id)},
        )


@run_failure_sensor(
    monitored_jobs=[ingest_asset_job],
    minimum_interval_seconds=5,
    default_status=DefaultSensorStatus.RUNNING,
)
def failed_ingestion_sensor(
    context: RunFailureSensorContext, platform_db: PlatformDatabase
) -> None:
    """A run that failed before it could settle its asset (it lost the database, its process
    died) marks the asset FAILED with a reason at once, instead of leaving it PROCESSING until
    the hourly cleanup (issue 13 item 9). Runs that settled their asset change nothing."""
    asset_id = context.dagster_run.tags.get("assetId")
    if not asset_id:
        return
    with platform_db.unit_of_work() as session:
        settled = fail_if_still_processing(
            session, uuid.UUID(asset_id), SERVER_FAULT_DETAIL, datetime.now(UTC)
        )
    if settled:
        context.log.warning(f"asset {asset_id}: FAILED after run {context.dagster_run.run_id}")


@op
def clean_up_media(
    context: OpExecutionContext, platform_db: PlatformDatabase, media: MediaStorage
) -> dict[str, int]:
    """Time out stuck uploads and processing, purge old failures, drop unused sessions."""
    with platform_db.unit_of_work() as session:
        report = cleanup.run_cleanup(session, media.storage(), datetime.now(UTC))
    context.log.info(f"media cleanup: {report}")
    return {
        "uploadsTimedOut": report.uploads_timed_out,
        "processingTimedOut": report.processing_timed_out,
        "failedPurged": report.failed_purged,
        "sessionsRemoved": report.sessions_removed,
        "uploadsRetired": report.uploads_retired,
    }


@job(description="§13.5 timeouts and orphan cleanup.")
def media_cleanup() -> None:
    clean_up_media()


media_cleanup_schedule = ScheduleDefinition(
    job=media_cleanup,
    cron_schedule="7 * * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)
