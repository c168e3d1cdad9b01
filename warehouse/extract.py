"""Copying telemetry out of PostgreSQL one hour at a time, columnar end to end:
`COPY (SELECT ...) TO STDOUT` streams CSV that Polars parses straight into Arrow columns."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl
import psycopg

from warehouse.layout import hour_start


@dataclass(frozen=True)
class SourceTable:
    name: str
    select_sql: str  # with %(start)s / %(end)s placeholders over the receive time
    schema: dict[str, pl.DataType]


HEARTBEATS = SourceTable(
    name="heartbeats",
    select_sql=(
        "SELECT id, tenant_id, venue_id, device_id, received_at, state, app_version,"
        " manifest_etag, playlist_id, current_asset_id, cache_total_bytes, cache_used_bytes,"
        # booleans as true/false: COPY's CSV writes t/f, which Polars does not read as booleans
        " pending_downloads, network_connected::text AS network_connected, playback_failures,"
        " download_failures, manifest_fetch_failures FROM device_heartbeats"
        " WHERE received_at >= %(start)s AND received_at < %(end)s ORDER BY id"
    ),
    schema={
        "id": pl.Int64(),
        "tenant_id": pl.String(),
        "venue_id": pl.String(),
        "device_id": pl.String(),
        "received_at": pl.Datetime("us", "UTC"),
        "state": pl.String(),
        "app_version": pl.String(),
        "manifest_etag": pl.String(),
        "playlist_id": pl.String(),
        "current_asset_id": pl.String(),
        "cache_total_bytes": pl.Int64(),
        "cache_used_bytes": pl.Int64(),
        "pending_downloads": pl.Int32(),
        "network_connected": pl.Boolean(),
        "playback_failures": pl.Int32(),
        "download_failures": pl.Int32(),
        "manifest_fetch_failures": pl.Int32(),
    },
)

EVENTS = SourceTable(
    name="events",
    select_sql=(
        "SELECT id, tenant_id, venue_id, device_id, event_type, severity, event_time,"
        " received_at, payload::text AS payload FROM device_events"
        " WHERE received_at >= %(start)s AND received_at < %(end)s ORDER BY id"
    ),
    schema={
        "id": pl.Int64(),
        "tenant_id": pl.String(),
        "venue_id": pl.String(),
        "device_id": pl.String(),
        "event_type": pl.String(),
        "severity": pl.String(),
        "event_time": pl.Datetime("us", "UTC"),
        "received_at": pl.Datetime("us", "UTC"),
        "payload": pl.String(),
    },
)


def extract_hour(libpq_url: str, source: SourceTable, hour: datetime) -> pl.DataFrame:
    """Every row of `source` received in the UTC hour starting at `hour`."""
    start = hour_start(hour)
    buffer = io.BytesIO()
    # A client-side cursor binds the bounds into the COPY text (COPY takes no parameters).
    with psycopg.connect(libpq_url) as conn, psycopg.ClientCursor(conn) as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
        query = cursor.mogrify(
            source.select_sql, {"start": start, "end": start + timedelta(hours=1)}
        )
        with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv, HEADER)") as copy:
            for chunk in copy:
                buffer.write(chunk)
    buffer.seek(0)
    return (
        pl.read_csv(buffer, schema=source.schema, try_parse_dates=False)
        if buffer.getvalue()
        else pl.DataFrame(schema=source.schema)
    )
