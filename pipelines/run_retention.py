"""Dagster's own storage kept bounded (issue 15 item 10): successful runs of the frequent op
jobs are deleted once they are older than a week; failures stay until an operator deletes them.
Tick history is bounded by `retention:` in dagster_home/dagster.yaml.

Deleting a run deletes its events. The runs of asset jobs stay: their events are the
partitions' materialisation history the UI shows (a deleted one would look missing).

No `from __future__ import annotations` here: Dagster inspects annotations at definition time.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from dagster import (
    Config,
    DagsterInstance,
    DagsterRunStatus,
    OpExecutionContext,
    RunsFilter,
    job,
    op,
)

from pipelines.alerts import alerts_evaluation
from pipelines.ingestion import ingest_asset_job, ingest_uploads_job, media_cleanup
from pipelines.partitions import telemetry_partitions
from pipelines.retention import device_housekeeping, presence_retention, telemetry_retention
from pipelines.schedules import running_schedule

RUN_RETENTION_JOB = "dagster_run_retention"
# Op jobs only (no asset materialisations); alerts_evaluation alone is 1,440 runs a day.
PRUNED_JOBS = (
    alerts_evaluation.name,
    device_housekeeping.name,
    presence_retention.name,
    media_cleanup.name,
    telemetry_retention.name,
    telemetry_partitions.name,
    ingest_asset_job.name,
    ingest_uploads_job.name,
    RUN_RETENTION_JOB,
)
_BATCH = 500


def prune_successful_runs(
    instance: DagsterInstance, job_names: Iterable[str], created_before: datetime
) -> int:
    """Delete the SUCCESS runs of `job_names` created before `created_before`, with their
    events and captured logs; runs in any other status are kept. Returns how many went."""
    deleted = 0
    for job_name in job_names:
        old_successes = RunsFilter(
            job_name=job_name, statuses=[DagsterRunStatus.SUCCESS], created_before=created_before
        )
        while records := instance.get_run_records(old_successes, limit=_BATCH):
            for record in records:
                run_id = record.dagster_run.run_id
                instance.delete_run(run_id)
                instance.compute_log_manager.delete_logs(prefix=[run_id])
                deleted += 1
    return deleted


class RunRetentionConfig(Config):
    keep_days: int = 7  # successful runs younger than this stay visible


@op
def prune_old_successful_runs(context: OpExecutionContext, config: RunRetentionConfig) -> int:
    """Delete successful runs of the frequent op jobs older than `keep_days`."""
    cutoff = datetime.now(UTC) - timedelta(days=config.keep_days)
    deleted = prune_successful_runs(context.instance, PRUNED_JOBS, cutoff)
    context.log.info(f"deleted {deleted} successful runs created before {cutoff.isoformat()}")
    return deleted


@job(
    name=RUN_RETENTION_JOB,
    description="Delete old successful runs of the frequent op jobs (issue 15 item 10).",
)
def dagster_run_retention() -> None:
    prune_old_successful_runs()


dagster_run_retention_schedule = running_schedule(dagster_run_retention, "40 3 * * *")
