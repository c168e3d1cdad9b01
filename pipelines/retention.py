"""Retention jobs (§34.12): short-lived rows pruned on a schedule.

No `from __future__ import annotations` here: Dagster inspects annotations at definition time.
"""

from datetime import UTC, datetime

from dagster import OpExecutionContext, ScheduleDefinition, job, op

from pipelines.resources import PlatformDatabase
from signage.devices import commands, pairing
from signage.retention import prune_expired_presence


@op
def prune_presence(context: OpExecutionContext, platform_db: PlatformDatabase) -> int:
    """Delete editor presence whose TTL has passed."""
    with platform_db.unit_of_work() as session:
        pruned = prune_expired_presence(session, datetime.now(UTC))
    context.log.info(f"pruned {pruned} expired presence rows")
    return pruned


@job(description="Prune expired editor presence (§26.12).")
def presence_retention() -> None:
    prune_presence()


presence_retention_schedule = ScheduleDefinition(
    job=presence_retention, cron_schedule="*/10 * * * *", execution_timezone="UTC"
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


@job(description="Expire pairing codes (§26.5) and undelivered commands (§18).")
def device_housekeeping() -> None:
    expire_device_housekeeping()


device_housekeeping_schedule = ScheduleDefinition(
    job=device_housekeeping, cron_schedule="* * * * *", execution_timezone="UTC"
)
