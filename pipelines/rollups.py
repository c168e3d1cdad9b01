"""Telemetry rollups (§17, §21, §29.4.9) as Dagster assets over the copied partitions, and the
jobs and schedules that keep the warehouse current: each hour the copy and the hourly rollups
of the hour that ended, in one run; each night the daily rollup of the day before.

Every asset rewrites its whole partition, so a backfill (or a re-run) of a past hour or day
replaces it; the computations are in warehouse/rollups.py.

No `from __future__ import annotations` here: Dagster inspects annotations at definition time.
"""

from collections.abc import Callable
from datetime import datetime

import polars as pl
from dagster import (
    AssetDep,
    AssetExecutionContext,
    DailyPartitionsDefinition,
    DefaultScheduleStatus,
    MaterializeResult,
    TimeWindowPartitionMapping,
    asset,
    build_schedule_from_partitioned_job,
    define_asset_job,
    in_process_executor,
)

from pipelines.resources import Warehouse
from pipelines.telemetry import HOURLY, WAREHOUSE_WRITERS, warehouse_events, warehouse_heartbeats
from warehouse import rollups
from warehouse.layout import WarehouseLayout
from warehouse.store import write_day_partition, write_partition

DAILY = DailyPartitionsDefinition(start_date="2026-01-01", timezone="UTC")
GROUP = "telemetry_rollups"
_LOOKBACK_HOURS = int(rollups.INCIDENT_LOOKBACK.total_seconds() // 3600)

Rollup = Callable[[WarehouseLayout, datetime], pl.DataFrame]


def _write_hour(
    context: AssetExecutionContext, warehouse: Warehouse, table: str, compute: Rollup
) -> MaterializeResult[None]:
    hour: datetime = context.partition_time_window.start
    layout = warehouse.layout()
    rows = write_partition(layout, table, hour, compute(layout, hour))
    return MaterializeResult(metadata={"rows": rows, "hour": hour.isoformat()})


@asset(
    partitions_def=HOURLY,
    pool=WAREHOUSE_WRITERS,
    group_name=GROUP,
    deps=[
        # the previous hour's last heartbeats still cover this hour's first minutes
        AssetDep(warehouse_heartbeats, partition_mapping=TimeWindowPartitionMapping(-1, 0)),
        warehouse_events,
    ],
)
def warehouse_device_hourly(
    context: AssetExecutionContext, warehouse: Warehouse
) -> MaterializeResult[None]:
    """Per device and hour: online minutes, uptime %, failures, events, app version, cache."""
    return _write_hour(context, warehouse, rollups.DEVICE_HOURLY.name, rollups.device_hourly)


@asset(partitions_def=HOURLY, pool=WAREHOUSE_WRITERS, group_name=GROUP, deps=[warehouse_events])
def warehouse_event_counts_hourly(
    context: AssetExecutionContext, warehouse: Warehouse
) -> MaterializeResult[None]:
    """Per device and hour: events by type and severity (errors are WARNING and ERROR)."""
    return _write_hour(
        context, warehouse, rollups.EVENT_COUNTS_HOURLY.name, rollups.event_counts_hourly
    )


@asset(partitions_def=HOURLY, pool=WAREHOUSE_WRITERS, group_name=GROUP, deps=[warehouse_events])
def warehouse_failures_hourly(
    context: AssetExecutionContext, warehouse: Warehouse
) -> MaterializeResult[None]:
    """Per device and hour: playback, download and manifest-fetch failures by asset and reason."""
    return _write_hour(context, warehouse, rollups.FAILURES_HOURLY.name, rollups.failures_hourly)


@asset(
    partitions_def=HOURLY,
    pool=WAREHOUSE_WRITERS,
    group_name=GROUP,
    deps=[
        warehouse_heartbeats,
        # where each device was last seen before this hour, up to the lookback
        AssetDep(
            warehouse_device_hourly,
            partition_mapping=TimeWindowPartitionMapping(
                start_offset=-_LOOKBACK_HOURS, end_offset=-1
            ),
        ),
    ],
)
def warehouse_offline_incidents(
    context: AssetExecutionContext, warehouse: Warehouse
) -> MaterializeResult[None]:
    """Offline incidents (heartbeat gaps past the online grace) that ended in the hour."""
    return _write_hour(
        context, warehouse, rollups.OFFLINE_INCIDENTS.name, rollups.offline_incidents
    )


@asset(
    partitions_def=DAILY,
    pool=WAREHOUSE_WRITERS,
    group_name=GROUP,
    deps=[warehouse_device_hourly, warehouse_offline_incidents],
)
def warehouse_device_daily(
    context: AssetExecutionContext, warehouse: Warehouse
) -> MaterializeResult[None]:
    """Per device and UTC day: the hourly figures summed, and the incidents that ended."""
    day: datetime = context.partition_time_window.start
    layout = warehouse.layout()
    frame = rollups.device_daily(layout, day)
    rows = write_day_partition(layout, rollups.DEVICE_DAILY.name, day, frame)
    return MaterializeResult(metadata={"rows": rows, "day": day.date().isoformat()})


HOURLY_ROLLUP_ASSETS = [
    warehouse_device_hourly,
    warehouse_event_counts_hourly,
    warehouse_failures_hourly,
    warehouse_offline_incidents,
]

# In-process: one run per hour, its steps ordered by their dependencies, without a process
# start per step (seconds each on a small box).
telemetry_hourly_job = define_asset_job(
    "telemetry_hourly",
    selection=[warehouse_heartbeats, warehouse_events, *HOURLY_ROLLUP_ASSETS],
    description="Copy one UTC hour of heartbeats and events, then roll it up (§29.4.9).",
    executor_def=in_process_executor,
)
# Each hour, the hour that just ended.
telemetry_hourly_schedule = build_schedule_from_partitioned_job(
    telemetry_hourly_job, minute_of_hour=5, default_status=DefaultScheduleStatus.RUNNING
)

telemetry_daily_job = define_asset_job(
    "telemetry_daily",
    selection=[warehouse_device_daily],
    description="Roll the hourly device figures of one UTC day up into the day.",
    executor_def=in_process_executor,
)
# Each night, the day that ended, once its last hour has had time to land (00:05 + its run).
telemetry_daily_schedule = build_schedule_from_partitioned_job(
    telemetry_daily_job,
    hour_of_day=1,
    minute_of_hour=15,
    default_status=DefaultScheduleStatus.RUNNING,
)
