"""The telemetry tables' day partitions made ahead of time (issue 18 item 3): hourly, today's
and the next week's partitions of device_heartbeats and device_events are created if missing,
and rows that fell into the default partition are moved into a day of their own.

No `from __future__ import annotations` here: Dagster inspects annotations at definition time.
"""

from datetime import UTC, datetime

from dagster import (
    OpExecutionContext,
    in_process_executor,
    job,
    op,
)

from pipelines.resources import PlatformDatabase
from pipelines.schedules import running_schedule
from signage.telemetry.partitions import ensure_days


@op
def create_telemetry_partitions(
    context: OpExecutionContext, platform_db: PlatformDatabase
) -> dict[str, list[str]]:
    """Create the missing day partitions; returns the days created per table."""
    with platform_db.unit_of_work() as session:
        created = ensure_days(session, datetime.now(UTC).date())
    days = {table: [f"{day:%Y-%m-%d}" for day in made] for table, made in created.items()}
    context.log.info(f"created day partitions: {days}")
    return days


@job(
    description="Create the telemetry tables' day partitions ahead of time (issue 18 item 3).",
    executor_def=in_process_executor,
)
def telemetry_partitions() -> None:
    create_telemetry_partitions()


# Hourly though a day needs one run: any run in the week before a day creates it, so the
# schedule can stop for a week before a row lands in the default partition.
telemetry_partitions_schedule = running_schedule(telemetry_partitions, "50 * * * *")
