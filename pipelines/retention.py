"""Retention jobs (§34.12): short-lived rows pruned on a schedule, and telemetry history
pruned from Postgres once the warehouse holds it.

No `from __future__ import annotations` here: Dagster inspects annotations at definition time.
"""

from datetime import UTC, datetime, timedelta

from dagster import (
    Config,
    OpExecutionContext,
    in_process_executor,
    job,
    op,
)

from pipelines.resources import PlatformDatabase, Warehouse, telemetry_retention_days
from pipelines.schedules import running_schedule
from signage.devices import commands, pairing
from signage.retention import prune_expired_presence
from warehouse.retention import prune_warehoused_telemetry


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


presence_retention_schedule = running_schedule(presence_retention, "*/10 * * * *")


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
device_housekeeping_schedule = running_schedule(device_housekeeping, "5-59/10 * * * *")


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
    """Drop the days of heartbeat and event history past retention that the warehouse holds."""
    days = config.retention_days or telemetry_retention_days()
    cutoff = datetime.now(UTC) - timedelta(days=days)
    with platform_db.connected() as database:
        report = prune_warehoused_telemetry(database, warehouse.layout(), cutoff)
    for table, pruning in report.items():
        gone = ", ".join(f"{day:%Y-%m-%d}" for day in pruning.days_dropped) or "none"
        context.log.info(f"{table}: dropped the days [{gone}], {pruning.dropped} rows")
        if pruning.days_kept:
            kept = ", ".join(f"{day:%Y-%m-%d}" for day in pruning.days_kept)
            hours = ", ".join(f"{hour:%Y-%m-%d-%H:00}" for hour in pruning.hours_not_in_warehouse)
            context.log.warning(
                f"{table}: kept the days [{kept}] whole: the hours [{hours}] are missing from the"
                f" warehouse and {pruning.rows_not_in_warehouse} rows arrived after their hour"
                " was copied; backfill those partitions of telemetry_hourly"
            )
        if pruning.days_busy:
            busy = ", ".join(f"{day:%Y-%m-%d}" for day in pruning.days_busy)
            context.log.warning(
                f"{table}: the days [{busy}] are complete in the warehouse but their drop gave"
                " up waiting for the table's lock (a long query); the next run drops them"
            )
    return {table: pruning.dropped for table, pruning in report.items()}


@job(description="Drop days of heartbeat and event history the warehouse holds (§34.12).")
def telemetry_retention() -> None:
    prune_telemetry_history()


# Hourly, clear of the copy at :05: a day goes at the first run after its last hour passes the
# cutoff and was copied (a day held back by a backfill goes at the run after the backfill).
telemetry_retention_schedule = running_schedule(telemetry_retention, "35 * * * *")
