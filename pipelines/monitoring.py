"""The platform watching itself (issue 17 item 1): asset checks on the warehouse, run hourly by
`warehouse_checks_schedule`, and sensors that turn a failed Dagster run into an operator alert
(resolved when that job next succeeds).

- Copied row counts: each retained hour of `warehouse_heartbeats` / `warehouse_events` holds as
  many rows as PostgreSQL has for that hour.
- Freshness: every hourly rollup has a partition for each hour its schedule should have written
  (the last day), and the daily rollup one for yesterday.

No `from __future__ import annotations` here: Dagster inspects annotations at definition time.
"""

from datetime import UTC, datetime, timedelta

from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetsDefinition,
    AssetSelection,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunStatusSensorContext,
    asset_check,
    define_asset_job,
    in_process_executor,
    run_failure_sensor,
    run_status_sensor,
)

from pipelines.resources import PlatformDatabase, Warehouse, telemetry_retention_days
from pipelines.rollups import HOURLY_ROLLUP_ASSETS, warehouse_device_daily
from pipelines.schedules import running_schedule
from pipelines.telemetry import warehouse_events, warehouse_heartbeats
from signage.operator_alerts import raise_operator_alert, resolve_operator_alert
from warehouse import checks
from warehouse.extract import EVENTS, HEARTBEATS, SourceTable
from warehouse.rollups import DEVICE_DAILY, HOURLY_ROLLUPS

FRESHNESS_LOOKBACK = timedelta(days=1)
RUN_FAILED = "RUN_FAILED"


def _row_count_check(asset_def: AssetsDefinition, source: SourceTable) -> AssetChecksDefinition:
    @asset_check(
        asset=asset_def,
        name=f"{source.name}_rows_match_postgres",
        description="Each retained hour holds as many rows as PostgreSQL has for it.",
        blocking=False,
    )
    def check(platform_db: PlatformDatabase, warehouse: Warehouse) -> AssetCheckResult:
        retained = timedelta(days=telemetry_retention_days())
        wrong = checks.copied_row_mismatches(
            warehouse.layout(), platform_db.libpq_url(), source, datetime.now(UTC), retained
        )
        return AssetCheckResult(
            passed=not wrong,
            severity=AssetCheckSeverity.ERROR,
            metadata={
                "mismatched_hours": len(wrong),
                "first": _describe(wrong[:5]),
            },
        )

    return check


def _describe(counts: list[checks.HourCount]) -> str:
    return "; ".join(
        f"{c.hour:%Y-%m-%d %H}:00 postgres={c.postgres} warehouse={c.warehouse}" for c in counts
    )


def _hourly_freshness_check(asset_def: AssetsDefinition, table: str) -> AssetChecksDefinition:
    @asset_check(
        asset=asset_def,
        name=f"{table}_partitions_fresh",
        description="A partition for every hour of the last day its schedule should have written.",
        blocking=False,
    )
    def check(warehouse: Warehouse) -> AssetCheckResult:
        missing = checks.missing_hourly_partitions(
            warehouse.layout(), table, datetime.now(UTC), FRESHNESS_LOOKBACK
        )
        return AssetCheckResult(
            passed=not missing,
            metadata={"missing_hours": [f"{h:%Y-%m-%d %H}:00" for h in missing[:24]]},
        )

    return check


@asset_check(
    asset=warehouse_device_daily,
    name="device_daily_partition_fresh",
    description="Yesterday's partition exists once its nightly run is due.",
    blocking=False,
)
def device_daily_fresh(warehouse: Warehouse) -> AssetCheckResult:
    missing = checks.missing_daily_partition(
        warehouse.layout(), DEVICE_DAILY.name, datetime.now(UTC)
    )
    return AssetCheckResult(
        passed=missing is None,
        metadata={"missing_day": missing.date().isoformat() if missing else ""},
    )


WAREHOUSE_CHECKS = [
    _row_count_check(warehouse_heartbeats, HEARTBEATS),
    _row_count_check(warehouse_events, EVENTS),
    *(
        _hourly_freshness_check(asset_def, table.name)
        for asset_def, table in zip(HOURLY_ROLLUP_ASSETS, HOURLY_ROLLUPS, strict=True)
    ),
    device_daily_fresh,
]

warehouse_checks_job = define_asset_job(
    "warehouse_checks",
    selection=AssetSelection.checks(*WAREHOUSE_CHECKS),
    description="Check the warehouse against PostgreSQL and its schedules (issue 17).",
    executor_def=in_process_executor,
)
# After the hourly copy (:05) has had time to finish.
warehouse_checks_schedule = running_schedule(warehouse_checks_job, "40 * * * *")


def run_alert_key(job_name: str) -> str:
    return f"{RUN_FAILED}:{job_name}"


@run_failure_sensor(default_status=DefaultSensorStatus.RUNNING, minimum_interval_seconds=30)
def run_failure_alerts(context: RunFailureSensorContext, platform_db: PlatformDatabase) -> None:
    """A failed run of any job opens (or repeats) that job's operator alert."""
    run = context.dagster_run
    message = context.failure_event.message or "the run failed"
    with platform_db.unit_of_work() as session:
        raise_operator_alert(
            session,
            run_alert_key(run.job_name),
            RUN_FAILED,
            f"Dagster job {run.job_name} failed: {message}",
            {"jobName": run.job_name, "runId": run.run_id},
            datetime.now(UTC),
        )
    context.log.error(f"operator alert: job {run.job_name} failed (run {run.run_id})")


@run_status_sensor(
    run_status=DagsterRunStatus.SUCCESS,
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
)
def run_success_resolves_alerts(
    context: RunStatusSensorContext, platform_db: PlatformDatabase
) -> None:
    """A job's next success resolves its operator alert."""
    job_name = context.dagster_run.job_name
    with platform_db.unit_of_work() as session:
        resolve_operator_alert(session, run_alert_key(job_name), datetime.now(UTC))
