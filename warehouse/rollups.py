"""Telemetry rollups (§17, §21, §29.4.9): per device and UTC hour, and per device and UTC day,
computed by DuckDB over the copied heartbeat and event partitions (set-based, never row by row).

The availability model is the live one of the device registry (§26.10): a heartbeat keeps its
device online until the next heartbeat, for at most ONLINE_GRACE. So
- online seconds of an hour = the measure of the union of [beat, beat + grace) inside the hour
  (a beat shortly before the hour still covers its first minutes);
- an offline incident is a gap longer than the grace between consecutive heartbeats: it starts
  when the device stops counting as online (last beat + grace) and ends at the next heartbeat.
  An incident belongs to the hour in which it ended, so every incident is final when written
  and re-running a partition cannot change its past; an outage still going on has no row yet
  (the live dashboard shows those).
Online time plus incident time covers a device's whole history without overlap.

Hours and days are buckets of server receive time (§30.9: the receive time is authoritative,
and events buffered during an outage are counted when they arrive, so a written hour is final).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from warehouse.extract import EVENTS, HEARTBEATS
from warehouse.layout import DAY, HOUR, WarehouseLayout, day_start, hour_start
from warehouse.scan import Schema, duck, query, register_files

# Equal to signage.devices.registry.ONLINE_WITHIN (two 60 s intervals and a grace), so the
# warehouse and the live status agree on what online means; a test keeps them equal.
ONLINE_GRACE = timedelta(seconds=150)
# How far back an incident's last heartbeat is looked for. A device silent for longer comes
# back as if new, with no incident row: its days show 0 % uptime, and alerts flag it live.
INCIDENT_LOOKBACK = timedelta(days=7)

UTC_TIME = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class RollupTable:
    name: str
    schema: Schema


_DEVICE = {"tenant_id": pl.String(), "venue_id": pl.String(), "device_id": pl.String()}
_DEVICE_FIGURES: dict[str, pl.DataType] = {
    "heartbeats": pl.Int64(),
    "playing_heartbeats": pl.Int64(),
    "error_screen_heartbeats": pl.Int64(),
    "first_heartbeat_at": UTC_TIME,
    "last_heartbeat_at": UTC_TIME,
    "online_seconds": pl.Float64(),
    "uptime_pct": pl.Float64(),
    # failure counters the heartbeats carry ("since last heartbeat", §27.8.2), summed
    "playback_failures": pl.Int64(),
    "download_failures": pl.Int64(),
    "manifest_fetch_failures": pl.Int64(),
    # discrete events (§27.8.3)
    "events": pl.Int64(),
    "error_events": pl.Int64(),
    "warning_events": pl.Int64(),
    "playback_failed_events": pl.Int64(),
    "download_failed_events": pl.Int64(),
    "manifest_applies": pl.Int64(),
    "manifest_rejections": pl.Int64(),
    "app_starts": pl.Int64(),
    # the last reported value wins for versions and cache state
    "app_version": pl.String(),
    "cache_used_bytes_last": pl.Int64(),
    "cache_total_bytes_last": pl.Int64(),
    "cache_used_bytes_max": pl.Int64(),
    "cache_used_pct_max": pl.Float64(),
    "pending_downloads_max": pl.Int64(),
}

DEVICE_HOURLY = RollupTable("device_hourly", {**_DEVICE, "hour_start": UTC_TIME, **_DEVICE_FIGURES})
EVENT_COUNTS_HOURLY = RollupTable(
    "event_counts_hourly",
    {
        **_DEVICE,
        "hour_start": UTC_TIME,
        "event_type": pl.String(),
        "severity": pl.String(),
        "events": pl.Int64(),
    },
)
FAILURES_HOURLY = RollupTable(
    "failures_hourly",
    {
        **_DEVICE,
        "hour_start": UTC_TIME,
        "event_type": pl.String(),
        "asset_id": pl.String(),
        "reason": pl.String(),
        "http_status": pl.Int64(),
        "failures": pl.Int64(),
    },
)
OFFLINE_INCIDENTS = RollupTable(
    "offline_incidents",
    {
        **_DEVICE,
        "hour_start": UTC_TIME,  # the hour the device came back in
        "last_heartbeat_at": UTC_TIME,
        "started_at": UTC_TIME,
        "ended_at": UTC_TIME,
        "duration_seconds": pl.Float64(),
    },
)
DEVICE_DAILY = RollupTable(
    "device_daily",
    {
        **_DEVICE,
        "day_start": UTC_TIME,
        **_DEVICE_FIGURES,
        "incidents": pl.Int64(),  # incidents that ended this day
        "incident_seconds": pl.Float64(),
        "longest_incident_seconds": pl.Float64(),
    },
)
HOURLY_ROLLUPS = (DEVICE_HOURLY, EVENT_COUNTS_HOURLY, FAILURES_HOURLY, OFFLINE_INCIDENTS)
DAILY_ROLLUPS = (DEVICE_DAILY,)

# What each computation reads of the heartbeats (the rest is never rolled up).
_HEARTBEAT_FIGURES = (
    "id",
    "tenant_id",
    "venue_id",
    "device_id",
    "received_at",
    "state",
    "app_version",
    "cache_total_bytes",
    "cache_used_bytes",
    "pending_downloads",
    "playback_failures",
    "download_failures",
    "manifest_fetch_failures",
)
_HEARTBEAT_TIMES = ("id", "tenant_id", "venue_id", "device_id", "received_at")

_FAILURE_TYPES = ("PLAYBACK_FAILED", "DOWNLOAD_FAILED", "MANIFEST_FETCH_FAILED")

_DEVICE_HOURLY_SQL = """
WITH coverage AS (
    SELECT *,
        received_at >= $hour_start AS in_hour,
        -- online until the next heartbeat, for at most the grace, and only inside the hour
        least(
            received_at + to_microseconds($grace_us),
            coalesce(
                lead(received_at) OVER (PARTITION BY device_id ORDER BY received_at, id),
                $hour_end
            ),
            $hour_end
        ) AS online_until
    FROM heartbeats
    WHERE received_at >= $window_start AND received_at < $hour_end
),
beat_figures AS (
    SELECT tenant_id, venue_id, device_id,
        sum(greatest(epoch_us(online_until) - epoch_us(greatest(received_at, $hour_start)), 0))
            ::BIGINT AS online_us,
        count(*) FILTER (in_hour) AS heartbeats,
        count(*) FILTER (in_hour AND state = 'PLAYING') AS playing_heartbeats,
        count(*) FILTER (in_hour AND state = 'ERROR_SCREEN') AS error_screen_heartbeats,
        min(received_at) FILTER (in_hour) AS first_heartbeat_at,
        max(received_at) FILTER (in_hour) AS last_heartbeat_at,
        coalesce(sum(playback_failures) FILTER (in_hour), 0)::BIGINT AS playback_failures,
        coalesce(sum(download_failures) FILTER (in_hour), 0)::BIGINT AS download_failures,
        coalesce(sum(manifest_fetch_failures) FILTER (in_hour), 0)::BIGINT
            AS manifest_fetch_failures,
        arg_max(app_version, (received_at, id))
            FILTER (in_hour AND app_version IS NOT NULL) AS app_version,
        arg_max(cache_used_bytes, (received_at, id))
            FILTER (in_hour AND cache_used_bytes IS NOT NULL) AS cache_used_bytes_last,
        arg_max(cache_total_bytes, (received_at, id))
            FILTER (in_hour AND cache_total_bytes IS NOT NULL) AS cache_total_bytes_last,
        max(cache_used_bytes) FILTER (in_hour) AS cache_used_bytes_max,
        max(100.0 * cache_used_bytes / nullif(cache_total_bytes, 0)) FILTER (in_hour)
            AS cache_used_pct_max,
        max(pending_downloads) FILTER (in_hour) AS pending_downloads_max
    FROM coverage
    GROUP BY tenant_id, venue_id, device_id
),
event_figures AS (
    SELECT tenant_id, venue_id, device_id,
        count(*) AS events,
        count(*) FILTER (severity = 'ERROR') AS error_events,
        count(*) FILTER (severity = 'WARNING') AS warning_events,
        count(*) FILTER (event_type = 'PLAYBACK_FAILED') AS playback_failed_events,
        count(*) FILTER (event_type = 'DOWNLOAD_FAILED') AS download_failed_events,
        count(*) FILTER (event_type = 'MANIFEST_APPLIED') AS manifest_applies,
        count(*) FILTER (event_type = 'MANIFEST_REJECTED') AS manifest_rejections,
        count(*) FILTER (event_type = 'APP_STARTED') AS app_starts
    FROM events
    WHERE received_at >= $hour_start AND received_at < $hour_end
    GROUP BY tenant_id, venue_id, device_id
)
SELECT tenant_id, venue_id, device_id,
    $hour_start AS hour_start,
    coalesce(heartbeats, 0) AS heartbeats,
    coalesce(playing_heartbeats, 0) AS playing_heartbeats,
    coalesce(error_screen_heartbeats, 0) AS error_screen_heartbeats,
    first_heartbeat_at,
    last_heartbeat_at,
    coalesce(online_us, 0) / 1e6 AS online_seconds,
    coalesce(online_us, 0) / 36e6 AS uptime_pct,  -- share of 3,600 s, in percent
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
    app_version,
    cache_used_bytes_last,
    cache_total_bytes_last,
    cache_used_bytes_max,
    cache_used_pct_max,
    pending_downloads_max
FROM beat_figures FULL OUTER JOIN event_figures USING (tenant_id, venue_id, device_id)
-- a beat just before the hour whose grace ended before it says nothing about this hour
WHERE coalesce(heartbeats, 0) > 0 OR coalesce(online_us, 0) > 0 OR events IS NOT NULL
ORDER BY tenant_id, venue_id, device_id
"""

_EVENT_COUNTS_SQL = """
SELECT tenant_id, venue_id, device_id, $hour_start AS hour_start, event_type, severity,
    count(*) AS events
FROM events
WHERE received_at >= $hour_start AND received_at < $hour_end
GROUP BY ALL
ORDER BY ALL
"""

_FAILURES_SQL = f"""
SELECT tenant_id, venue_id, device_id, $hour_start AS hour_start, event_type,
    json_extract_string(payload, '$.assetId') AS asset_id,
    json_extract_string(payload, '$.reason') AS reason,
    TRY_CAST(json_extract_string(payload, '$.httpStatus') AS BIGINT) AS http_status,
    count(*) AS failures
FROM events
WHERE received_at >= $hour_start AND received_at < $hour_end
    AND event_type IN {_FAILURE_TYPES!r}
GROUP BY ALL
ORDER BY ALL
"""  # noqa: S608 (the IN list is a constant of this module)

_OFFLINE_INCIDENTS_SQL = """
WITH seen_before AS (
    SELECT device_id, max(last_heartbeat_at) AS previous_at
    FROM device_hourly
    WHERE hour_start >= $lookback_start AND hour_start < $hour_start
    GROUP BY device_id
),
gaps AS (
    SELECT tenant_id, venue_id, device_id, received_at AS ended_at,
        coalesce(
            lag(received_at) OVER (PARTITION BY device_id ORDER BY received_at, id),
            previous_at
        ) AS previous_at
    FROM heartbeats LEFT JOIN seen_before USING (device_id)
    WHERE received_at >= $hour_start AND received_at < $hour_end
)
SELECT tenant_id, venue_id, device_id, $hour_start AS hour_start,
    previous_at AS last_heartbeat_at,
    previous_at + to_microseconds($grace_us) AS started_at,
    ended_at,
    (epoch_us(ended_at) - epoch_us(previous_at) - $grace_us) / 1e6 AS duration_seconds
FROM gaps
WHERE epoch_us(ended_at) - epoch_us(previous_at) > $grace_us
ORDER BY tenant_id, venue_id, device_id, ended_at
"""

# Sums of seconds go through whole microseconds, so a day's figure does not depend on the
# order DuckDB happens to add its hours in.
_DEVICE_DAILY_SQL = """
WITH device_figures AS (
    SELECT tenant_id, venue_id, device_id,
        sum(heartbeats)::BIGINT AS heartbeats,
        sum(playing_heartbeats)::BIGINT AS playing_heartbeats,
        sum(error_screen_heartbeats)::BIGINT AS error_screen_heartbeats,
        min(first_heartbeat_at) AS first_heartbeat_at,
        max(last_heartbeat_at) AS last_heartbeat_at,
        sum(round(online_seconds * 1e6)::BIGINT)::BIGINT AS online_us,
        sum(playback_failures)::BIGINT AS playback_failures,
        sum(download_failures)::BIGINT AS download_failures,
        sum(manifest_fetch_failures)::BIGINT AS manifest_fetch_failures,
        sum(events)::BIGINT AS events,
        sum(error_events)::BIGINT AS error_events,
        sum(warning_events)::BIGINT AS warning_events,
        sum(playback_failed_events)::BIGINT AS playback_failed_events,
        sum(download_failed_events)::BIGINT AS download_failed_events,
        sum(manifest_applies)::BIGINT AS manifest_applies,
        sum(manifest_rejections)::BIGINT AS manifest_rejections,
        sum(app_starts)::BIGINT AS app_starts,
        arg_max(app_version, hour_start) FILTER (app_version IS NOT NULL) AS app_version,
        arg_max(cache_used_bytes_last, hour_start) FILTER (cache_used_bytes_last IS NOT NULL)
            AS cache_used_bytes_last,
        arg_max(cache_total_bytes_last, hour_start) FILTER (cache_total_bytes_last IS NOT NULL)
            AS cache_total_bytes_last,
        max(cache_used_bytes_max) AS cache_used_bytes_max,
        max(cache_used_pct_max) AS cache_used_pct_max,
        max(pending_downloads_max) AS pending_downloads_max
    FROM device_hourly
    WHERE hour_start >= $day_start AND hour_start < $day_end
    GROUP BY tenant_id, venue_id, device_id
),
incident_figures AS (
    SELECT tenant_id, venue_id, device_id,
        count(*) AS incidents,
        sum(round(duration_seconds * 1e6)::BIGINT)::BIGINT AS incident_us,
        max(duration_seconds) AS longest_incident_seconds
    FROM offline_incidents
    WHERE hour_start >= $day_start AND hour_start < $day_end
    GROUP BY tenant_id, venue_id, device_id
)
SELECT tenant_id, venue_id, device_id,
    $day_start AS day_start,
    * EXCLUDE (tenant_id, venue_id, device_id, online_us, incidents, incident_us,
               longest_incident_seconds),
    coalesce(online_us, 0) / 1e6 AS online_seconds,
    coalesce(online_us, 0) / 864e6 AS uptime_pct,  -- share of 86,400 s, in percent
    coalesce(incidents, 0) AS incidents,
    coalesce(incident_us, 0) / 1e6 AS incident_seconds,
    longest_incident_seconds
FROM device_figures FULL OUTER JOIN incident_figures USING (tenant_id, venue_id, device_id)
ORDER BY tenant_id, venue_id, device_id
"""


def device_hourly(layout: WarehouseLayout, hour: datetime) -> pl.DataFrame:
    """Availability, failures, events, versions and cache state per device for one hour."""
    start = hour_start(hour)
    window_start = start - ONLINE_GRACE  # beats of the previous hour still covering this one
    with duck() as connection:
        register_files(
            connection,
            "heartbeats",
            layout.hourly_files("heartbeats", window_start, start + HOUR),
            HEARTBEATS.schema,
            _HEARTBEAT_FIGURES,
        )
        register_files(
            connection, "events", layout.hourly_files("events", start, start + HOUR), EVENTS.schema
        )
        params = {**_hour_params(start), "window_start": window_start}
        return query(connection, _DEVICE_HOURLY_SQL, params, DEVICE_HOURLY.schema)


def event_counts_hourly(layout: WarehouseLayout, hour: datetime) -> pl.DataFrame:
    """Events per device, type and severity for one hour (errors are WARNING and ERROR)."""
    return _over_events(layout, hour, _EVENT_COUNTS_SQL, EVENT_COUNTS_HOURLY)


def failures_hourly(layout: WarehouseLayout, hour: datetime) -> pl.DataFrame:
    """Playback, download and manifest-fetch failure events per device, asset and reason."""
    return _over_events(layout, hour, _FAILURES_SQL, FAILURES_HOURLY)


def offline_incidents(layout: WarehouseLayout, hour: datetime) -> pl.DataFrame:
    """Offline incidents that ended in one hour; needs `device_hourly` of the hours before."""
    start = hour_start(hour)
    with duck() as connection:
        register_files(
            connection,
            "heartbeats",
            layout.hourly_files("heartbeats", start, start + HOUR),
            HEARTBEATS.schema,
            _HEARTBEAT_TIMES,
        )
        register_files(
            connection,
            "device_hourly",
            layout.hourly_files(DEVICE_HOURLY.name, start - INCIDENT_LOOKBACK, start),
            DEVICE_HOURLY.schema,
            ("device_id", "hour_start", "last_heartbeat_at"),
        )
        params = {**_hour_params(start), "lookback_start": start - INCIDENT_LOOKBACK}
        return query(connection, _OFFLINE_INCIDENTS_SQL, params, OFFLINE_INCIDENTS.schema)


def device_daily(layout: WarehouseLayout, day: datetime) -> pl.DataFrame:
    """One UTC day per device, from its hourly rollups and the incidents that ended that day."""
    start = day_start(day)
    with duck() as connection:
        for table in (DEVICE_HOURLY, OFFLINE_INCIDENTS):
            files = layout.hourly_files(table.name, start, start + DAY)
            register_files(connection, table.name, files, table.schema)
        params = {"day_start": start, "day_end": start + DAY}
        return query(connection, _DEVICE_DAILY_SQL, params, DEVICE_DAILY.schema)


def _over_events(
    layout: WarehouseLayout, hour: datetime, sql: str, table: RollupTable
) -> pl.DataFrame:
    start = hour_start(hour)
    with duck() as connection:
        files = layout.hourly_files("events", start, start + HOUR)
        register_files(connection, "events", files, EVENTS.schema)
        return query(connection, sql, _hour_params(start), table.schema)


def _hour_params(start: datetime) -> dict[str, Any]:
    return {
        "hour_start": start,
        "hour_end": start + HOUR,
        "grace_us": int(ONLINE_GRACE / timedelta(microseconds=1)),
    }
