"""Media ingestion (§13): the warm ingestion worker (pipelines.ingestion_worker) keeps an
`ingest_uploads_job` run open in its own long-lived process, which ingests the uploads
announced to it as they come, with a log line each; a sensor is the backstop, one run per asset
still PROCESSING half a minute later (after a restart nothing is missed); plus the hourly §13.5
timeouts and cleanup.

No `from __future__ import annotations` here: Dagster inspects annotations at definition time.
"""

import threading
import time
import uuid
from datetime import UTC, datetime

import psycopg
from dagster import (
    Config,
    DefaultSensorStatus,
    OpExecutionContext,
    RunFailureSensorContext,
    RunRequest,
    SensorEvaluationContext,
    in_process_executor,
    job,
    op,
    run_failure_sensor,
    sensor,
)

from pipelines.resources import MediaStorage, PlatformDatabase, media_limits
from pipelines.schedules import running_schedule
from signage.content import cleanup
from signage.content.ingestion import (
    BACKSTOP_AFTER,
    INGESTION_CHANNEL,
    SERVER_FAULT_DETAIL,
    fail_if_still_processing,
    ingest_asset,
    processing_asset_ids,
)
from signage.db.engine import Database
from signage.storage.base import ObjectStorage


class IngestConfig(Config):
    asset_id: str


class IngestWindowConfig(Config):
    window_seconds: float = 300.0


# Set by the ingestion worker on SIGTERM: the open window ingests what it holds and closes.
window_closing = threading.Event()
BATCH_LIMIT = 50  # assets taken per look; more waiting are taken at the next
# Announcements are the trigger; this look is only for ones sent while no window was open.
IDLE_LOOK_SECONDS = 5.0


def _ingest_each(
    context: OpExecutionContext,
    database: Database,
    storage: ObjectStorage,
    asset_ids: list[uuid.UUID],
) -> tuple[dict[str, str], list[Exception]]:
    """Ingest the assets one after another; the outcome of each, logged per asset, and the
    faults met. A fault settles its own asset (FAILED, signage.content.ingestion) and the
    others still go."""
    limits = media_limits()
    outcomes: dict[str, str] = {}
    faults: list[Exception] = []
    for asset_id in asset_ids:
        try:
            status = ingest_asset(database, storage, asset_id, limits=limits, clock=_utc_now)
            outcomes[str(asset_id)] = status.value if status else "nothing to do"
        except Exception as fault:
            outcomes[str(asset_id)], faults = f"fault: {type(fault).__name__}", [*faults, fault]
        context.log.info(f"asset {asset_id}: {outcomes[str(asset_id)]}")
    return outcomes, faults


def _utc_now() -> datetime:
    return datetime.now(UTC)


@op
def ingest(
    context: OpExecutionContext,
    config: IngestConfig,
    platform_db: PlatformDatabase,
    media: MediaStorage,
) -> str:
    """Verify, probe, check §14 limits, thumbnail, and mark the asset READY or FAILED."""
    with platform_db.connected() as database:
        asset_id = uuid.UUID(config.asset_id)
        outcomes, faults = _ingest_each(context, database, media.storage(), [asset_id])
    if faults:
        raise faults[0]  # the run fails where operators look (issue 13 item 9)
    return outcomes[config.asset_id]


@op
def ingest_announced(
    context: OpExecutionContext,
    config: IngestWindowConfig,
    platform_db: PlatformDatabase,
    media: MediaStorage,
) -> dict[str, str]:
    """Ingest the uploads announced while this run is open (issue 18 item 1): the run is
    started before they arrive, so an upload waits for its own work, not for a run to start.
    Takes only assets younger than BACKSTOP_AFTER; older ones are the sensor's."""
    outcomes: dict[str, str] = {}
    faults: list[Exception] = []
    closes_at = time.monotonic() + config.window_seconds
    with (
        platform_db.connected() as database,
        psycopg.connect(platform_db.libpq_url(), autocommit=True) as listener,
    ):
        listener.execute(f"LISTEN {INGESTION_CHANNEL}")
        while time.monotonic() < closes_at and not window_closing.is_set():
            with database.unit_of_work() as session:
                since = _utc_now() - BACKSTOP_AFTER
                waiting = processing_asset_ids(session, BATCH_LIMIT, started_since=since)
            done, met = _ingest_each(context, database, media.storage(), waiting)
            outcomes, faults = outcomes | done, faults + met
            if set(done.values()) - {"nothing to do"}:
                continue  # more may have come meanwhile
            wait = min(IDLE_LOOK_SECONDS, max(0.0, closes_at - time.monotonic()))
            for _ in listener.notifies(timeout=wait, stop_after=1):
                pass
    if faults:
        raise faults[0]
    return outcomes


# In-process: a one-op run starts its op ~1 s after launch instead of ~4 s (DESIGN.md).
@job(
    description="Ingest one uploaded asset (§13): the sensor's backstop run.",
    tags={"pipeline": "ingestion"},
    executor_def=in_process_executor,
)
def ingest_asset_job() -> None:
    ingest()


@job(
    description="Ingest the uploads announced while the run is open (§13): started ahead by "
    "the warm ingestion worker (pipelines.ingestion_worker) in its own process.",
    tags={"pipeline": "ingestion"},
    executor_def=in_process_executor,
)
def ingest_uploads_job() -> None:
    ingest_announced()


@sensor(
    job=ingest_asset_job,
    minimum_interval_seconds=2,
    default_status=DefaultSensorStatus.RUNNING,
)
def processing_assets_sensor(context: SensorEvaluationContext, platform_db: PlatformDatabase):  # type: ignore[no-untyped-def]
    """The backstop: one run per asset still PROCESSING `BACKSTOP_AFTER` after its upload
    completed (the warm worker died or is not running); the run key makes each unique.
    Younger assets are the worker's (pipelines.ingestion_worker)."""
    with platform_db.unit_of_work() as session:
        waiting = processing_asset_ids(session, started_before=_utc_now() - BACKSTOP_AFTER)
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
    """Time out stuck uploads and processing, purge old failures and screenshots, drop unused
    sessions."""
    with platform_db.unit_of_work() as session:
        report = cleanup.run_cleanup(session, media.storage(), datetime.now(UTC))
    context.log.info(f"media cleanup: {report}")
    return {
        "uploadsTimedOut": report.uploads_timed_out,
        "processingTimedOut": report.processing_timed_out,
        "failedPurged": report.failed_purged,
        "sessionsRemoved": report.sessions_removed,
        "uploadsRetired": report.uploads_retired,
        "screenshotsPurged": report.screenshots_purged,
    }


@job(description="§13.5 timeouts and orphan cleanup.")
def media_cleanup() -> None:
    clean_up_media()


media_cleanup_schedule = running_schedule(media_cleanup, "7 * * * *")
