"""Telemetry into the warehouse: each UTC hour of heartbeats and events copied from Postgres
into its Parquet partition. Partitioned, so a past hour is a backfill of one partition.
The jobs and schedules that run these with the rollups live in pipelines/rollups.py.

No `from __future__ import annotations` here: Dagster inspects annotations at definition time.
"""

from datetime import datetime

from dagster import (
    AssetExecutionContext,
    HourlyPartitionsDefinition,
    MaterializeResult,
    asset,
)

from pipelines.resources import PlatformDatabase, Warehouse
from warehouse.extract import EVENTS, HEARTBEATS, SourceTable, extract_hour
from warehouse.store import merge_into_partition

HOURLY = HourlyPartitionsDefinition(start_date="2026-01-01-00:00", timezone="UTC")
# One writer per table at a time (DESIGN.md: DuckDB and the Parquet files have one writer).
WAREHOUSE_WRITERS = "warehouse_writers"


def _copy_hour(
    context: AssetExecutionContext,
    platform_db: PlatformDatabase,
    warehouse: Warehouse,
    source: SourceTable,
) -> MaterializeResult[None]:
    hour: datetime = context.partition_time_window.start
    frame = extract_hour(platform_db.libpq_url(), source, hour)
    # Merged by id: rows retention already pruned from Postgres stay in the partition.
    rows = merge_into_partition(warehouse.layout(), source.name, hour, frame)
    return MaterializeResult(
        metadata={"rows": rows, "copied": frame.height, "hour": hour.isoformat()}
    )


@asset(partitions_def=HOURLY, pool=WAREHOUSE_WRITERS, group_name="telemetry")
def warehouse_heartbeats(
    context: AssetExecutionContext, platform_db: PlatformDatabase, warehouse: Warehouse
) -> MaterializeResult[None]:
    """Device heartbeats of one UTC hour, as received (§27.8.2)."""
    return _copy_hour(context, platform_db, warehouse, HEARTBEATS)


@asset(partitions_def=HOURLY, pool=WAREHOUSE_WRITERS, group_name="telemetry")
def warehouse_events(
    context: AssetExecutionContext, platform_db: PlatformDatabase, warehouse: Warehouse
) -> MaterializeResult[None]:
    """Device events of one UTC hour, as received (§27.8.3)."""
    return _copy_hour(context, platform_db, warehouse, EVENTS)
