"""Checks that the warehouse is complete and current (issue 17 item 1), as Dagster asset checks
run them: each copied hour holds as many rows as PostgreSQL has for that hour while PostgreSQL
still retains it, and every rollup partition its schedule should have written exists.

Time is an argument; PostgreSQL is read with one grouped query per table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
import pyarrow.parquet as pq

from warehouse.extract import SourceTable
from warehouse.layout import HOUR, WarehouseLayout, day_start, hour_start, hours_between

# The hourly job runs at :05 for the hour that ended; this leaves it time to finish.
HOURLY_GRACE = timedelta(minutes=35)
# The daily job runs at 01:15 for the day that ended.
DAILY_GRACE = timedelta(hours=2)


@dataclass(frozen=True)
class HourCount:
    hour: datetime
    postgres: int
    warehouse: int | None  # None: the partition was never written


def due_hours(now: datetime, since: datetime) -> list[datetime]:
    """Hours from `since` whose copy should have run by `now`."""
    last_due = hour_start(now - HOURLY_GRACE) - HOUR
    return hours_between(hour_start(since), last_due + HOUR)


def postgres_hour_counts(
    libpq_url: str, source: SourceTable, since: datetime, until: datetime
) -> dict[datetime, int]:
    """Rows per UTC hour of receive time in [since, until)."""
    sql = (
        f"SELECT date_trunc('hour', received_at AT TIME ZONE 'UTC') AS hour, count(*)"  # noqa: S608 (a constant table name)
        f" FROM {_table_of(source)} WHERE received_at >= %(since)s AND received_at < %(until)s"
        " GROUP BY 1"
    )
    with psycopg.connect(libpq_url) as conn:
        rows = conn.execute(sql, {"since": since, "until": until}).fetchall()
    return {hour.replace(tzinfo=since.tzinfo): count for hour, count in rows}


def _table_of(source: SourceTable) -> str:
    return {"heartbeats": "device_heartbeats", "events": "device_events"}[source.name]


def warehouse_rows(layout: WarehouseLayout, table: str, hour: datetime) -> int | None:
    path = layout.partition_file(table, hour)
    return pq.ParquetFile(path).metadata.num_rows if path.exists() else None


def copied_row_mismatches(
    layout: WarehouseLayout, libpq_url: str, source: SourceTable, now: datetime, retained: timedelta
) -> list[HourCount]:
    """Retained, due hours whose partition is missing or holds another number of rows than
    PostgreSQL. The oldest retained hour is skipped: retention may be pruning it right now."""
    since = hour_start(now - retained) + HOUR
    hours = due_hours(now, since)
    if not hours:
        return []
    counts = postgres_hour_counts(libpq_url, source, hours[0], hours[-1] + HOUR)
    wrong = []
    for hour, expected in sorted(counts.items()):
        stored = warehouse_rows(layout, source.name, hour)
        if stored != expected:
            wrong.append(HourCount(hour, expected, stored))
    return wrong


def missing_hourly_partitions(
    layout: WarehouseLayout, table: str, now: datetime, lookback: timedelta
) -> list[datetime]:
    """Due hours of the last `lookback` without a partition, from the table's first partition
    on (a new installation has nothing older to write)."""
    hours = due_hours(now, now - lookback)
    present = [h for h in hours if layout.partition_file(table, h).exists()]
    if not present:
        return hours[-1:]  # not even the latest due hour: the table is stale
    return [h for h in hours if h >= present[0] and h not in present]


def missing_daily_partition(layout: WarehouseLayout, table: str, now: datetime) -> datetime | None:
    """The last day whose partition should exist by now, if it does not."""
    due = day_start(now - DAILY_GRACE) - timedelta(days=1)
    return None if layout.day_partition_file(table, due).exists() else due
