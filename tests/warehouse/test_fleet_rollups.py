"""A synthetic fleet of 200 devices over a UTC day (and the hour before it), heartbeats every
minute with jitter and events of every kind the rollups count, with outages placed by hand.
The rollups must equal an independent computation written in PostgreSQL over the very rows
the API stored, and the incidents must be exactly the outages that were planted."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import psycopg
import pytest

from pipelines.resources import PlatformDatabase
from signage.db.engine import Database
from signage.tenancy.demo import seed_demo
from tests.support import postgres
from tests.warehouse import fleet
from warehouse import rollups
from warehouse.extract import EVENTS, HEARTBEATS, extract_hour
from warehouse.layout import WarehouseLayout, hours_between
from warehouse.store import merge_into_partition

DAY = datetime(2026, 6, 15, tzinfo=UTC)
START = DAY - timedelta(hours=1)  # the hour before the day: its beats cover 00:00-00:02:30
MINUTES = 25 * 60
DEVICES = 200
GRACE_SECONDS = 150
OUTAGES = {
    0: [(90, 100)],  # inside one hour
    10: [(118, 125)],  # across an hour boundary
    20: [(200, 400)],  # several hours
    30: [(61, 62)],  # one lost beat: a 2-minute gap is not an outage
    40: [(55, 70)],  # across midnight: ends on DAY, started the day before
    50: [(1400, MINUTES)],  # still offline at the end: no incident yet
    60: [(300, 305), (320, 330)],  # two in one hour
    70: [(0, 30)],  # a device that starts late has not recovered from anything
    80: [(1439, 1441)],  # three-minute gap at 23:00: a half-minute incident
}

# -- the oracle: PostgreSQL, written from the definitions, not from the DuckDB code ------------

_ORACLE_SPANS = """
WITH beats AS (
    SELECT h.*, lead(received_at) OVER (PARTITION BY device_id ORDER BY received_at, id) AS next_at
    FROM device_heartbeats h
),
spans AS (  -- online from a beat until the next, at most the grace
    SELECT tenant_id, venue_id, device_id, received_at AS span_start,
        least(received_at + interval '150 seconds', coalesce(next_at, 'infinity')) AS span_end
    FROM beats
),
online AS (  -- a span reaches into its own bucket and at most the next one
    SELECT tenant_id, venue_id, device_id, bucket,
        sum(greatest(0, extract(epoch FROM
            least(span_end, bucket + interval '1 {unit}') - greatest(span_start, bucket)
        ) * 1000000))::bigint AS online_us
    FROM spans CROSS JOIN LATERAL (VALUES
        (date_trunc('{unit}', span_start)),
        (date_trunc('{unit}', span_start) + interval '1 {unit}')
    ) AS buckets (bucket)
    GROUP BY 1, 2, 3, 4
),
beat_stats AS (
    SELECT tenant_id, venue_id, device_id, date_trunc('{unit}', received_at) AS bucket,
        count(*) AS heartbeats,
        count(*) FILTER (WHERE state = 'PLAYING') AS playing_heartbeats,
        count(*) FILTER (WHERE state = 'ERROR_SCREEN') AS error_screen_heartbeats,
        min(received_at) AS first_heartbeat_at,
        max(received_at) AS last_heartbeat_at,
        coalesce(sum(playback_failures), 0) AS playback_failures,
        coalesce(sum(download_failures), 0) AS download_failures,
        coalesce(sum(manifest_fetch_failures), 0) AS manifest_fetch_failures,
        (array_agg(app_version ORDER BY received_at DESC)
            FILTER (WHERE app_version IS NOT NULL))[1] AS app_version,
        (array_agg(cache_used_bytes ORDER BY received_at DESC)
            FILTER (WHERE cache_used_bytes IS NOT NULL))[1] AS cache_used_bytes_last,
        (array_agg(cache_total_bytes ORDER BY received_at DESC)
            FILTER (WHERE cache_total_bytes IS NOT NULL))[1] AS cache_total_bytes_last,
        max(cache_used_bytes) AS cache_used_bytes_max,
        max(cache_used_bytes::float8 / cache_total_bytes * 100) AS cache_used_pct_max,
        max(pending_downloads) AS pending_downloads_max
    FROM device_heartbeats GROUP BY 1, 2, 3, 4
),
event_stats AS (
    SELECT tenant_id, venue_id, device_id, date_trunc('{unit}', received_at) AS bucket,
        count(*) AS events,
        count(*) FILTER (WHERE severity = 'ERROR') AS error_events,
        count(*) FILTER (WHERE severity = 'WARNING') AS warning_events,
        count(*) FILTER (WHERE event_type = 'PLAYBACK_FAILED') AS playback_failed_events,
        count(*) FILTER (WHERE event_type = 'DOWNLOAD_FAILED') AS download_failed_events,
        count(*) FILTER (WHERE event_type = 'MANIFEST_APPLIED') AS manifest_applies,
        count(*) FILTER (WHERE event_type = 'MANIFEST_REJECTED') AS manifest_rejections,
        count(*) FILTER (WHERE event_type = 'APP_STARTED') AS app_starts
    FROM device_events GROUP BY 1, 2, 3, 4
)
SELECT tenant_id::text, venue_id::text, device_id::text, bucket AS {time_column},
    coalesce(heartbeats, 0) AS heartbeats,
    coalesce(playing_heartbeats, 0) AS playing_heartbeats,
    coalesce(error_screen_heartbeats, 0) AS error_screen_heartbeats,
    first_heartbeat_at, last_heartbeat_at,
    coalesce(online_us, 0) AS online_us,
    (coalesce(online_us, 0) / 1000000.0)::float8 AS online_seconds,  -- correctly rounded
    coalesce(playback_failures, 0) AS playback_failures,
    coalesce(download_failures, 0) AS download_failures,
    coalesce(manifest_fetch_failures, 0) AS manifest_fetch_failures,
    coalesce(events, 0) AS events,
    coalesce(error_events, 0) AS error_events,
    coalesce(warning_events, 0) AS warning_events,
    coalesce(playback_failed_events, 0) AS playback_failed_events,
    coalesce(download_failed_events, 0) AS download_failed_events,
    coalesce(manifest_applies, 0) AS manifest_applies,
    coalesce(manifest_rejections, 0) AS manifest_rejections,
    coalesce(app_starts, 0) AS app_starts,
    app_version, cache_used_bytes_last, cache_total_bytes_last, cache_used_bytes_max,
    cache_used_pct_max, pending_downloads_max
FROM online
    FULL JOIN beat_stats USING (tenant_id, venue_id, device_id, bucket)
    FULL JOIN event_stats USING (tenant_id, venue_id, device_id, bucket)
WHERE bucket >= %(start)s AND bucket < %(end)s
    AND (coalesce(heartbeats, 0) > 0 OR coalesce(online_us, 0) > 0 OR events > 0)
"""

_ORACLE_INCIDENTS = """
SELECT tenant_id::text, venue_id::text, device_id::text,
    date_trunc('hour', received_at) AS hour_start,
    previous_at AS last_heartbeat_at,
    previous_at + interval '150 seconds' AS started_at,
    received_at AS ended_at,
    (extract(epoch FROM received_at - previous_at) - 150)::float8 AS duration_seconds
FROM (
    SELECT *, lag(received_at) OVER (PARTITION BY device_id ORDER BY received_at, id)
        AS previous_at
    FROM device_heartbeats
) gaps
WHERE received_at - previous_at > interval '150 seconds'
"""

_ORACLE_EVENT_COUNTS = """
SELECT tenant_id::text, venue_id::text, device_id::text,
    date_trunc('hour', received_at) AS hour_start, event_type, severity, count(*) AS events
FROM device_events GROUP BY 1, 2, 3, 4, 5, 6
"""

_ORACLE_FAILURES = """
SELECT tenant_id::text, venue_id::text, device_id::text,
    date_trunc('hour', received_at) AS hour_start, event_type,
    payload ->> 'assetId' AS asset_id, payload ->> 'reason' AS reason,
    (payload ->> 'httpStatus')::bigint AS http_status, count(*) AS failures
FROM device_events
WHERE event_type IN ('PLAYBACK_FAILED', 'DOWNLOAD_FAILED', 'MANIFEST_FETCH_FAILED')
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""


def oracle(libpq_url: str, sql: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
    with psycopg.connect(libpq_url) as conn, conn.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
        cursor.execute(sql, params or {})
        assert cursor.description is not None
        names = [column.name for column in cursor.description]
        return pl.DataFrame(cursor.fetchall(), schema=names, orient="row", infer_schema_length=None)


def device_oracle(libpq_url: str, unit: str, time_column: str, seconds: int) -> pl.DataFrame:
    sql = _ORACLE_SPANS.format(unit=unit, time_column=time_column)
    end = DAY + timedelta(days=1)
    start = START if unit == "hour" else DAY
    found = oracle(libpq_url, sql, {"start": start, "end": end})
    return found.with_columns(uptime_pct=pl.col("online_us") / 1e6 * 100 / seconds).drop(
        "online_us"
    )


def daily_oracle(libpq_url: str) -> pl.DataFrame:
    incidents = (
        oracle(libpq_url, _ORACLE_INCIDENTS)
        .filter((pl.col("ended_at") >= DAY) & (pl.col("ended_at") < DAY + timedelta(days=1)))
        .group_by("tenant_id", "venue_id", "device_id")
        .agg(
            incidents=pl.len().cast(pl.Int64),
            incident_seconds=pl.col("duration_seconds").sum(),
            longest_incident_seconds=pl.col("duration_seconds").max(),
        )
    )
    days = device_oracle(libpq_url, "day", "day_start", 86400)
    return days.join(incidents, on=["tenant_id", "venue_id", "device_id"], how="left").with_columns(
        pl.col("incidents").fill_null(0), pl.col("incident_seconds").fill_null(0.0)
    )


# -- comparing -----------------------------------------------------------------------------------

_APPROXIMATE = {"uptime_pct", "cache_used_pct_max"}  # ratios: same value, different arithmetic


def assert_same_rows(computed: pl.DataFrame, expected: pl.DataFrame, keys: list[str]) -> None:
    expected = expected.select(
        [pl.col(name).cast(dtype) for name, dtype in computed.schema.items()]
    )
    computed, expected = computed.sort(keys, nulls_last=True), expected.sort(keys, nulls_last=True)
    assert computed.height == expected.height
    assert computed.height > 0
    for name in computed.columns:
        if name in _APPROXIMATE:
            got, want = computed[name].to_list(), expected[name].to_list()
            assert got == [pytest.approx(w) if w is not None else None for w in want], name
        else:
            assert computed[name].equals(expected[name]), name


def load_warehouse(database_url: str, layout: WarehouseLayout) -> None:
    """What the hourly job does for each hour (copy, then roll up), and the daily job once."""
    libpq = PlatformDatabase(url=database_url).libpq_url()
    for hour in hours_between(START, DAY + timedelta(days=1)):
        for source in (HEARTBEATS, EVENTS):
            merge_into_partition(layout, source.name, hour, extract_hour(libpq, source, hour))
    fleet.roll_up(layout, START, DAY + timedelta(days=1))


def read(layout: WarehouseLayout, table: rollups.RollupTable) -> pl.DataFrame:
    return pl.concat(
        [pl.read_parquet(path) for path in sorted(layout.root.glob(f"{table.name}/**/*.parquet"))]
    )


@dataclass(frozen=True)
class LoadedFleet:
    layout: WarehouseLayout
    libpq_url: str
    heartbeats: pl.DataFrame
    device_ids: list[str]  # by device number, as OUTAGES names them


@pytest.fixture(scope="module")
def loaded(
    pg_admin_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LoadedFleet]:
    """Built once for the module (it is read-only to the tests): seeded, copied, rolled up."""
    for database_url in postgres.fresh_database(pg_admin_url, pg_template):
        database = Database.connect(database_url, pool_size=1)
        try:
            with database.unit_of_work() as session:
                seed_demo(session, "pw-for-the-fleet")
            identities = fleet.create_devices(database, DEVICES)
        finally:
            database.dispose()
        heartbeats = fleet.heartbeat_frame(identities, START, MINUTES, OUTAGES)
        events = fleet.event_frame(identities, START, MINUTES, OUTAGES)
        libpq = PlatformDatabase(url=database_url).libpq_url()
        fleet.copy_into_postgres(libpq, heartbeats, events)
        layout = WarehouseLayout(tmp_path_factory.mktemp("fleet-warehouse"))
        load_warehouse(database_url, layout)
        yield LoadedFleet(layout, libpq, heartbeats, [i.device_id for i in identities])


def test_fleet_rollups_equal_an_independent_postgres_computation(loaded: LoadedFleet) -> None:
    layout, libpq = loaded.layout, loaded.libpq_url
    device_keys = ["tenant_id", "venue_id", "device_id"]
    assert_same_rows(
        read(layout, rollups.DEVICE_HOURLY),
        device_oracle(libpq, "hour", "hour_start", 3600),
        [*device_keys, "hour_start"],
    )
    assert_same_rows(
        read(layout, rollups.DEVICE_DAILY).filter(pl.col("day_start") == DAY),
        daily_oracle(libpq),
        [*device_keys, "day_start"],
    )
    assert_same_rows(
        read(layout, rollups.EVENT_COUNTS_HOURLY),
        oracle(libpq, _ORACLE_EVENT_COUNTS).filter(pl.col("hour_start") < DAY + timedelta(days=1)),
        [*device_keys, "hour_start", "event_type", "severity"],
    )
    assert_same_rows(
        read(layout, rollups.FAILURES_HOURLY),
        oracle(libpq, _ORACLE_FAILURES).filter(pl.col("hour_start") < DAY + timedelta(days=1)),
        [*device_keys, "hour_start", "event_type", "asset_id", "reason", "http_status"],
    )
    assert_same_rows(
        read(layout, rollups.OFFLINE_INCIDENTS),
        oracle(libpq, _ORACLE_INCIDENTS),
        [*device_keys, "ended_at"],
    )


def test_fleet_incidents_are_the_planted_outages_and_uptime_adds_up(loaded: LoadedFleet) -> None:
    layout, heartbeats, device_ids = loaded.layout, loaded.heartbeats, loaded.device_ids
    expected = set()
    for device, spans in OUTAGES.items():
        for first, end in spans:
            if first == 0 or end == MINUTES:
                continue  # nothing before it, or not over yet
            last = fleet.beat_time(heartbeats, device_ids[device], first - 1, START)
            back = fleet.beat_time(heartbeats, device_ids[device], end, START)
            if back - last > timedelta(seconds=GRACE_SECONDS):
                expected.add((device_ids[device], last + timedelta(seconds=150), back))
    incidents = read(layout, rollups.OFFLINE_INCIDENTS)
    found = set(
        zip(incidents["device_id"], incidents["started_at"], incidents["ended_at"], strict=True)
    )
    assert found == expected
    assert (
        len(expected) == 7
    )  # every planted outage but the lost beat, the late start, the open one

    # Online time and incident time tile the day for every device whose outages lie inside it.
    daily = read(layout, rollups.DEVICE_DAILY).filter(pl.col("day_start") == DAY)
    crossing = {device_ids[40], device_ids[50]}  # began the day before / has not ended
    tiled = daily.filter(~pl.col("device_id").is_in(list(crossing)))
    assert tiled.height == DEVICES - 2
    tiles = (tiled["online_seconds"] + tiled["incident_seconds"]).to_list()
    assert tiles == [pytest.approx(86400, abs=1e-6)] * tiled.height
