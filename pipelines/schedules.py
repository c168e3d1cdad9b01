"""How the platform's own jobs are scheduled: on a UTC cron, running from the first start.

Retention, housekeeping, partitions, checks and backups are part of running the platform, not
options an operator turns on in the Dagster UI (issue 15: every cleanup running), and a UTC
cron keeps their times fixed across the venues' daylight-saving changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagster import DefaultScheduleStatus, JobDefinition, ScheduleDefinition

if TYPE_CHECKING:  # what define_asset_job returns; Dagster exports no public name for it
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )


def running_schedule(
    job: JobDefinition | UnresolvedAssetJobDefinition, cron_schedule: str
) -> ScheduleDefinition:
    """`job` on `cron_schedule` (UTC), on by default."""
    return ScheduleDefinition(
        job=job,
        cron_schedule=cron_schedule,
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING,
    )
