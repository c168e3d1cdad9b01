"""Retention jobs (§34.12): short-lived rows pruned on a schedule, and telemetry history
pruned from Postgres once the warehouse holds it.

No `from __future__ import annotations` here: Dagster inspects annotations at definition time.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dagster import (
    Config,
    DefaultScheduleStatus,
    OpExecutionContext,
    ScheduleDefinition,
    in_process_executor,
    job,
    op,
)

from pipelines.resources import PlatformDatabase, Warehouse
from signage.config import Settings
from signage.db.engine import Database
from signage.db.models import DeviceEvent, DeviceHeartbeat
from signage.devices import commands, pairing
from signage.retention import prune_expired_presence
from signage.telemetry import retention as telemetry_history
from signage.telemetry.retention import TelemetryModel
from warehouse.layout import WarehouseLayout
from warehouse.store import partition_keys


@op
def prune_presence(context: OpExecutionContext, platform_db: PlatformDatabase) -> int:
    """Delete editor presence whose TTL has passed."""
    with platform_db.unit_of_work() as session:
        pruned = prune_expired_presence(session, datetime.now(UTC))
    context.log.info(f"pruned {pruned} expired presence rows")
    return pruned


# In-process (no subprocess per step): these small jobs run 144 times a day each.
@job(description="Prune expired editor presence (§26.12).", executor_def=in_process_executor)
def presence_retention() -> None:
    prune_presence()


presence_retention_schedule = ScheduleDefinition(
    job=presence_retention,
    cron_schedule="*/10 * * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)


@op
def expire_device_housekeeping(
    context: OpExecutionContext, platform_db: PlatformDatabase
) -> dict[str, int]:
    """Expire pairing codes past their 10 minutes and commands past their 24 hours."""
    now = datetime.now(UTC)
    with platform_db.unit_of_work() as session:
        expired = {
            "pairings": pairing.expire_stale(session, now),
            "commands": commands.expire_overdue(session, now),
        }
    context.log.info(f"expired {expired}")
    return expired


@job(
    description="Expire pairing codes (§26.5) and undelivered commands (§18).",
    executor_def=in_process_executor,
)
def device_housekeeping() -> None:
    expire_device_housekeeping()


# Every 10 minutes, not every minute: a run costs seconds of CPU (issue 15 item 10), and
# nothing waits for it: pairing and command reads treat a code or command past its expiry as
# expired to the second; this only records the status for lists and history.
device_housekeeping_schedule = ScheduleDefinition(
    job=device_housekeeping,
    cron_schedule="5-59/10 * * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)


@dataclass(frozen=True)
class TelemetryPruning:
    """What one pass of telemetry retention did to one table."""

    deleted: int = 0
    hours_pruned: int = 0
    # hours past the cutoff whose partition is missing: kept whole until they are copied
    hours_not_in_warehouse: tuple[datetime, ...] = ()
    # rows past the cutoff that arrived after their hour was copied: kept until a re-copy
    rows_not_in_warehouse: int = 0


TELEMETRY_TABLES = (("heartbeats", DeviceHeartbeat), ("events", DeviceEvent))


def prune_warehoused_telemetry(
    database: Database, layout: WarehouseLayout, cutoff: datetime
) -> dict[str, TelemetryPruning]:
    """Delete heartbeat and event rows received before `cutoff`, one whole hour per
    transaction, and only rows whose id the hour's warehouse partition holds (§34.12).
    Running it again deletes nothing more, so it is idempotent."""
    return {
        table: _prune_table(database, layout, table, model, cutoff)
        for table, model in TELEMETRY_TABLES
    }


def _prune_table(
    database: Database,
    layout: WarehouseLayout,
    table: str,
    model: TelemetryModel,
    cutoff: datetime,
) -> TelemetryPruning:
    with database.sessions() as session:
        oldest = telemetry_history.oldest_received_at(session, model)
    deleted = pruned = left = 0
    missing: list[datetime] = []
    for hour in telemetry_history.prunable_hours(oldest, cutoff):
        with database.sessions() as session:
            if not telemetry_history.rows_in_hour(session, model, hour):
                continue  # nothing left to prune: skip reading the partition
        archived = partition_keys(layout, table, hour)
        if archived is None:
            missing.append(hour)
            continue
        with database.unit_of_work() as session:
            deleted += telemetry_history.delete_archived_hour(session, model, hour, archived)
            left += telemetry_history.rows_in_hour(session, model, hour)
        pruned += 1
    return TelemetryPruning(deleted, pruned, tuple(missing), left)


class TelemetryRetentionConfig(Config):
    # 0: the SIGNAGE_TELEMETRY_RETENTION_DAYS setting
    retention_days: int = 0


@op
def prune_telemetry_history(
    context: OpExecutionContext,
    config: TelemetryRetentionConfig,
    platform_db: PlatformDatabase,
    warehouse: Warehouse,
) -> dict[str, int]:
    """Delete heartbeat and event history past retention that the warehouse holds."""
    days = config.retention_days or Settings().telemetry_retention_days
    cutoff = datetime.now(UTC) - timedelta(days=days)
    database = Database.connect(platform_db.sqlalchemy_url(), pool_size=1)
    try:
        report = prune_warehoused_telemetry(database, warehouse.layout(), cutoff)
    finally:
        database.dispose()
    for table, pruning in report.items():
        context.log.info(f"{table}: {pruning.deleted} rows in {pruning.hours_pruned} hours")
        if pruning.hours_not_in_warehouse or pruning.rows_not_in_warehouse:
            hours = ", ".join(f"{hour:%Y-%m-%d-%H:00}" for hour in pruning.hours_not_in_warehouse)
            context.log.warning(
                f"{table}: kept {pruning.rows_not_in_warehouse} rows copied after their hour and"
                f" the hours [{hours}] missing from the warehouse; backfill those partitions"
            )
    return {table: pruning.deleted for table, pruning in report.items()}


@job(description="Prune heartbeat and event history already in the warehouse (§34.12).")
def telemetry_retention() -> None:
    prune_telemetry_history()


# Hourly, clear of the copy at :05, so each hour goes as soon as it passes the cutoff.
telemetry_retention_schedule = ScheduleDefinition(
    job=telemetry_retention,
    cron_schedule="35 * * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)
