"""Named queries shared by pipelines, notebooks and ops endpoints. Each reader opens a
short-lived in-memory DuckDB over the Parquet partitions, so readers never block a writer.

Rollup queries take the tenant (tenant isolation is structural, §25.6) and a period
[start, end) of UTC instants, and answer per venue or device and per hour or day (`grain`).
Venue figures are sums of device rows made at read time, so they never disagree with them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal

import duckdb
import polars as pl

from warehouse.extract import HEARTBEATS
from warehouse.layout import WarehouseLayout
from warehouse.rollups import (
    DAILY_ROLLUPS,
    DEVICE_DAILY,
    DEVICE_HOURLY,
    EVENT_COUNTS_HOURLY,
    FAILURES_HOURLY,
    HOURLY_ROLLUPS,
    OFFLINE_INCIDENTS,
    UTC_TIME,
    RollupTable,
)
from warehouse.scan import Schema, duck, query, register_files

TABLES = ("heartbeats", "events", *(table.name for table in HOURLY_ROLLUPS + DAILY_ROLLUPS))

Grain = Literal["hour", "day"]
_GRAIN_SECONDS = {"hour": 3600, "day": 86400}
_DEVICE_KEYS = {"venue_id": pl.String(), "device_id": pl.String()}


@contextmanager
def reader(layout: WarehouseLayout) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with one view per warehouse table (empty until data lands), for
    exploring. DuckDB reads these files lazily, so a query racing a rewrite of a partition can
    fail (retry it); the named queries below read snapshots and never do."""
    connection = duckdb.connect(":memory:")
    try:
        connection.execute("SET TimeZone = 'UTC'")
        for table in TABLES:
            if any(layout.table_dir(table).rglob("*.parquet")):
                source = layout.glob(table).replace("'", "''")
                # Names and paths are ours (TABLES, the layout), never a caller's input.
                view = (
                    f"CREATE VIEW {table} AS "  # noqa: S608
                    f"SELECT * FROM read_parquet('{source}', hive_partitioning = true)"
                )
                connection.execute(view)
        yield connection
    finally:
        connection.close()


def heartbeats_per_device_hour(
    layout: WarehouseLayout, start: datetime, end: datetime, tenant_id: str | None = None
) -> pl.DataFrame:
    """Heartbeats received per device and hour, with the share that reported PLAYING."""
    schema = {
        "device_id": pl.String(),
        "hour": UTC_TIME,
        "heartbeats": pl.Int64(),
        "playing_share": pl.Float64(),
    }
    with duck() as connection:
        files = layout.hourly_files("heartbeats", start, end)
        register_files(connection, "heartbeats", files, HEARTBEATS.schema)
        params = {"start": start, "end": end, "tenant_id": tenant_id}
        return query(connection, _HEARTBEATS_PER_DEVICE_HOUR_SQL, params, schema)


_HEARTBEATS_PER_DEVICE_HOUR_SQL = """
SELECT device_id,
    date_trunc('hour', received_at) AS hour,
    count(*) AS heartbeats,
    avg(CASE WHEN state = 'PLAYING' THEN 1.0 ELSE 0.0 END) AS playing_share
FROM heartbeats
WHERE received_at >= $start AND received_at < $end
    AND ($tenant_id IS NULL OR tenant_id = $tenant_id)
GROUP BY ALL
ORDER BY device_id, hour
"""


# -- rollups -----------------------------------------------------------------------------------

# Device-rollup queries start from `rollup`: the device table of their grain, restricted to
# the tenant and period, with each row's period start as `period_start`.
_ROLLUP_CTE = """rollup AS (
    SELECT *, {time_column} AS period_start FROM {table}
    WHERE tenant_id = $tenant_id AND {time_column} >= $start AND {time_column} < $end
)"""

_DEVICE_UPTIME_SQL = """
WITH {rollup},
fleet AS (SELECT DISTINCT venue_id, device_id FROM rollup),
periods AS (
    SELECT unnest(generate_series(
        min(period_start), max(period_start), CAST($step AS INTERVAL)
    )) AS period_start
    FROM rollup
)
SELECT venue_id, device_id, period_start,
    coalesce(sum(heartbeats), 0) AS heartbeats,
    coalesce(sum(online_seconds), 0) / 60 AS online_minutes,
    coalesce(sum(online_seconds), 0) * 100 / $period_seconds AS uptime_pct
FROM fleet CROSS JOIN periods LEFT JOIN rollup USING (venue_id, device_id, period_start)
GROUP BY ALL
ORDER BY venue_id, device_id, period_start
"""

_VENUE_UPTIME_SQL = """
WITH {rollup},
fleet AS (SELECT venue_id, count(DISTINCT device_id) AS devices FROM rollup GROUP BY ALL),
periods AS (
    SELECT unnest(generate_series(
        min(period_start), max(period_start), CAST($step AS INTERVAL)
    )) AS period_start
    FROM rollup
)
SELECT venue_id, period_start, any_value(devices) AS devices,
    count(DISTINCT device_id) FILTER (heartbeats > 0) AS reporting_devices,
    coalesce(sum(online_seconds), 0) / 60 AS online_minutes,
    coalesce(sum(online_seconds), 0) * 100 / (any_value(devices) * $period_seconds)
        AS uptime_pct
FROM fleet CROSS JOIN periods LEFT JOIN rollup USING (venue_id, period_start)
GROUP BY ALL
ORDER BY venue_id, period_start
"""

_FAILURE_COUNTS_SQL = """
WITH {rollup}
SELECT venue_id, period_start,
    sum(playback_failures)::BIGINT AS playback_failures,
    sum(download_failures)::BIGINT AS download_failures,
    sum(manifest_fetch_failures)::BIGINT AS manifest_fetch_failures,
    sum(playback_failed_events)::BIGINT AS playback_failed_events,
    sum(download_failed_events)::BIGINT AS download_failed_events,
    sum(error_events)::BIGINT AS error_events,
    sum(warning_events)::BIGINT AS warning_events
FROM rollup
GROUP BY ALL
ORDER BY venue_id, period_start
"""

_MANIFEST_APPLIES_SQL = """
WITH {rollup}
SELECT venue_id, period_start,
    sum(manifest_applies)::BIGINT AS manifest_applies,
    sum(manifest_rejections)::BIGINT AS manifest_rejections,
    count(DISTINCT device_id) FILTER (manifest_applies > 0) AS devices_applying
FROM rollup
GROUP BY ALL
ORDER BY venue_id, period_start
"""

_CACHE_USAGE_SQL = """
WITH {rollup}
SELECT venue_id, device_id, period_start, cache_used_bytes_last, cache_total_bytes_last,
    cache_used_bytes_max, cache_used_pct_max, pending_downloads_max
FROM rollup
ORDER BY venue_id, device_id, period_start
"""

_APP_VERSIONS_SQL = """
WITH {rollup},
latest AS (
    SELECT venue_id, device_id,
        arg_max(app_version, period_start) FILTER (app_version IS NOT NULL) AS app_version
    FROM rollup
    GROUP BY ALL
)
SELECT venue_id, coalesce(app_version, 'unknown') AS app_version, count(*) AS devices
FROM latest
GROUP BY ALL
ORDER BY venue_id, devices DESC, app_version
"""

_EVENTS_BY_TYPE_SQL = """
SELECT venue_id, date_trunc($grain, hour_start) AS period_start, event_type, severity,
    sum(events)::BIGINT AS events
FROM event_counts_hourly
WHERE tenant_id = $tenant_id AND hour_start >= $start AND hour_start < $end
    AND list_contains($severities, severity)
GROUP BY ALL
ORDER BY venue_id, period_start, events DESC, event_type, severity
"""

_FAILURE_REASONS_SQL = """
SELECT venue_id, event_type, asset_id, reason, http_status,
    sum(failures)::BIGINT AS failures,
    count(DISTINCT device_id) AS devices
FROM failures_hourly
WHERE tenant_id = $tenant_id AND hour_start >= $start AND hour_start < $end
GROUP BY ALL
ORDER BY failures DESC, venue_id, event_type, asset_id, reason, http_status
"""

_OFFLINE_INCIDENTS_SQL = """
SELECT venue_id, device_id, started_at, ended_at, duration_seconds,
    duration_seconds / 60 AS duration_minutes
FROM offline_incidents
WHERE tenant_id = $tenant_id AND ended_at >= $start AND ended_at < $end
ORDER BY venue_id, device_id, ended_at
"""

_TENANTS_SQL = "SELECT DISTINCT tenant_id FROM device_hourly ORDER BY tenant_id"


def device_uptime(
    layout: WarehouseLayout, tenant_id: str, start: datetime, end: datetime, grain: Grain = "hour"
) -> pl.DataFrame:
    """Online minutes and uptime % per device and period. A device of the period's fleet (it
    reported at least once) gets 0 % for periods it sent nothing in, rather than no row."""
    schema = {
        **_DEVICE_KEYS,
        "period_start": UTC_TIME,
        "heartbeats": pl.Int64(),
        "online_minutes": pl.Float64(),
        "uptime_pct": pl.Float64(),
    }
    return _over_device_rollup(layout, tenant_id, start, end, grain, _DEVICE_UPTIME_SQL, schema)


def venue_uptime(
    layout: WarehouseLayout, tenant_id: str, start: datetime, end: datetime, grain: Grain = "day"
) -> pl.DataFrame:
    """Uptime % per venue and period: online time over (devices in the period x its length)."""
    schema = {
        "venue_id": pl.String(),
        "period_start": UTC_TIME,
        "devices": pl.Int64(),
        "reporting_devices": pl.Int64(),
        "online_minutes": pl.Float64(),
        "uptime_pct": pl.Float64(),
    }
    return _over_device_rollup(layout, tenant_id, start, end, grain, _VENUE_UPTIME_SQL, schema)


def failure_counts(
    layout: WarehouseLayout, tenant_id: str, start: datetime, end: datetime, grain: Grain = "hour"
) -> pl.DataFrame:
    """Download, playback and manifest-fetch failures per venue and period: the heartbeat
    counters (§27.8.2) beside the failure events (§27.8.3), and error/warning event totals."""
    schema = {
        "venue_id": pl.String(),
        "period_start": UTC_TIME,
        **dict.fromkeys(
            (
                "playback_failures",
                "download_failures",
                "manifest_fetch_failures",
                "playback_failed_events",
                "download_failed_events",
                "error_events",
                "warning_events",
            ),
            pl.Int64(),
        ),
    }
    return _over_device_rollup(layout, tenant_id, start, end, grain, _FAILURE_COUNTS_SQL, schema)


def manifest_applies(
    layout: WarehouseLayout, tenant_id: str, start: datetime, end: datetime, grain: Grain = "day"
) -> pl.DataFrame:
    """Manifests applied and rejected by the players of each venue, per period (§28.5)."""
    schema = {
        "venue_id": pl.String(),
        "period_start": UTC_TIME,
        "manifest_applies": pl.Int64(),
        "manifest_rejections": pl.Int64(),
        "devices_applying": pl.Int64(),
    }
    return _over_device_rollup(layout, tenant_id, start, end, grain, _MANIFEST_APPLIES_SQL, schema)


def cache_usage(
    layout: WarehouseLayout, tenant_id: str, start: datetime, end: datetime, grain: Grain = "day"
) -> pl.DataFrame:
    """Cache state per device and period, from the heartbeats' cache stats (§11, §27.8.2)."""
    schema = {
        **_DEVICE_KEYS,
        "period_start": UTC_TIME,
        "cache_used_bytes_last": pl.Int64(),
        "cache_total_bytes_last": pl.Int64(),
        "cache_used_bytes_max": pl.Int64(),
        "cache_used_pct_max": pl.Float64(),
        "pending_downloads_max": pl.Int64(),
    }
    return _over_device_rollup(layout, tenant_id, start, end, grain, _CACHE_USAGE_SQL, schema)


def app_versions(
    layout: WarehouseLayout, tenant_id: str, start: datetime, end: datetime
) -> pl.DataFrame:
    """How many devices of each venue ran each app version, by the last one each reported."""
    schema = {"venue_id": pl.String(), "app_version": pl.String(), "devices": pl.Int64()}
    return _over_device_rollup(layout, tenant_id, start, end, "hour", _APP_VERSIONS_SQL, schema)


def events_by_type(
    layout: WarehouseLayout,
    tenant_id: str,
    start: datetime,
    end: datetime,
    grain: Grain = "hour",
    severities: tuple[str, ...] = ("WARNING", "ERROR"),
) -> pl.DataFrame:
    """Events per venue, period, type and severity; by default the errors and warnings."""
    schema = {
        "venue_id": pl.String(),
        "period_start": UTC_TIME,
        "event_type": pl.String(),
        "severity": pl.String(),
        "events": pl.Int64(),
    }
    params = {"grain": grain, "severities": list(severities)}
    return _over_hourly(
        layout, EVENT_COUNTS_HOURLY, tenant_id, start, end, _EVENTS_BY_TYPE_SQL, schema, params
    )


def failure_reasons(
    layout: WarehouseLayout, tenant_id: str, start: datetime, end: datetime
) -> pl.DataFrame:
    """Failure events of the period per venue, type, asset and reason, most frequent first."""
    schema = {
        "venue_id": pl.String(),
        "event_type": pl.String(),
        "asset_id": pl.String(),
        "reason": pl.String(),
        "http_status": pl.Int64(),
        "failures": pl.Int64(),
        "devices": pl.Int64(),
    }
    return _over_hourly(
        layout, FAILURES_HOURLY, tenant_id, start, end, _FAILURE_REASONS_SQL, schema
    )


def offline_incidents(
    layout: WarehouseLayout, tenant_id: str, start: datetime, end: datetime
) -> pl.DataFrame:
    """Offline incidents that ended in the period, with start, end and duration."""
    schema = {
        **_DEVICE_KEYS,
        "started_at": UTC_TIME,
        "ended_at": UTC_TIME,
        "duration_seconds": pl.Float64(),
        "duration_minutes": pl.Float64(),
    }
    return _over_hourly(
        layout, OFFLINE_INCIDENTS, tenant_id, start, end, _OFFLINE_INCIDENTS_SQL, schema
    )


def tenants(layout: WarehouseLayout, start: datetime, end: datetime) -> list[str]:
    """Tenants with device rollups in the period (notebooks offer them when none is set)."""
    with duck() as connection:
        files = layout.hourly_files(DEVICE_HOURLY.name, start, end)
        register_files(connection, DEVICE_HOURLY.name, files, DEVICE_HOURLY.schema)
        found = query(connection, _TENANTS_SQL, {}, {"tenant_id": pl.String()})
    return [str(tenant) for tenant in found["tenant_id"].to_list()]


def _over_device_rollup(
    layout: WarehouseLayout,
    tenant_id: str,
    start: datetime,
    end: datetime,
    grain: Grain,
    sql: str,
    schema: Schema,
) -> pl.DataFrame:
    table, time_column = (
        (DEVICE_HOURLY, "hour_start") if grain == "hour" else (DEVICE_DAILY, "day_start")
    )
    files = (
        layout.hourly_files(table.name, start, end)
        if grain == "hour"
        else layout.daily_files(table.name, start, end)
    )
    params = {
        "tenant_id": tenant_id,
        "start": start,
        "end": end,
        "step": f"1 {grain}",
        "period_seconds": _GRAIN_SECONDS[grain],
    }
    # Table and column names are this module's constants, never a caller's input.
    rollup = _ROLLUP_CTE.format(table=table.name, time_column=time_column)
    with duck() as connection:
        register_files(connection, table.name, files, table.schema)
        return query(connection, sql.format(rollup=rollup), params, schema)


def _over_hourly(
    layout: WarehouseLayout,
    table: RollupTable,
    tenant_id: str,
    start: datetime,
    end: datetime,
    sql: str,
    schema: Schema,
    extra: dict[str, Any] | None = None,
) -> pl.DataFrame:
    with duck() as connection:
        register_files(
            connection, table.name, layout.hourly_files(table.name, start, end), table.schema
        )
        params = {"tenant_id": tenant_id, "start": start, "end": end, **(extra or {})}
        return query(connection, sql, params, schema)
