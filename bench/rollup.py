"""Telemetry rollups: one hour of a 10,000-device fleet (a heartbeat a minute per device, plus
events) through the Dagster copy and rollup assets, beside a direct DuckDB aggregation of the
same rows in the same run.

    .venv/bin/python -m bench.rollup [--devices 10000] [--minutes 60]

The direct baseline reads the same rows out of Postgres the same way (COPY into Arrow) and
computes the same device-hour figures, event counts, failures and incidents in one DuckDB
query over memory: no Dagster, no Parquet written or read back. Goal (issue #8): the pipeline
within 3x of it. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
from dagster import materialize

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import print_comparison
from pipelines.resources import PlatformDatabase, Warehouse
from pipelines.rollups import HOURLY_ROLLUP_ASSETS
from pipelines.telemetry import warehouse_events, warehouse_heartbeats
from signage.db.engine import Database
from signage.tenancy.demo import seed_demo
from tests.support import postgres
from tests.warehouse import fleet
from warehouse.extract import EVENTS, HEARTBEATS, extract_hour

HOUR = datetime(2026, 6, 15, 10, tzinfo=UTC)

DIRECT_SQL = """
WITH ordered AS (
    SELECT *, lead(received_at) OVER (PARTITION BY device_id ORDER BY received_at, id) AS next_at,
        lag(received_at) OVER (PARTITION BY device_id ORDER BY received_at, id) AS previous_at
    FROM heartbeats
),
devices AS (
    SELECT tenant_id, venue_id, device_id, count(*) AS heartbeats,
        count(*) FILTER (state = 'PLAYING') AS playing,
        sum(epoch_us(least(received_at + INTERVAL 150 SECOND, coalesce(next_at, $end), $end))
            - epoch_us(received_at)) AS online_us,
        sum(playback_failures) AS playback_failures, sum(download_failures) AS download_failures,
        arg_max(app_version, received_at) AS app_version,
        arg_max(cache_used_bytes, received_at) AS cache_used,
        max(100.0 * cache_used_bytes / cache_total_bytes) AS cache_pct,
        count(*) FILTER (received_at - previous_at > INTERVAL 150 SECOND) AS incidents
    FROM ordered GROUP BY ALL
),
event_counts AS (
    SELECT tenant_id, venue_id, device_id, event_type, severity, count(*) AS events,
        count(*) FILTER (event_type IN ('PLAYBACK_FAILED', 'DOWNLOAD_FAILED')) AS failures,
        any_value(json_extract_string(payload, '$.assetId')) AS asset_id
    FROM events GROUP BY ALL
)
SELECT (SELECT count(*) FROM devices) AS device_rows,
    (SELECT sum(online_us) FROM devices) AS online_us,
    (SELECT count(*) FROM event_counts) AS event_rows
"""


def prepare(url: str, devices: int, minutes: int) -> tuple[int, int]:
    database = Database.connect(url, pool_size=1)
    try:
        with database.unit_of_work() as session:
            seed_demo(session, "bench-password")
        identities = fleet.create_devices(database, devices)
    finally:
        database.dispose()
    heartbeats = fleet.heartbeat_frame(identities, HOUR, minutes, {})
    events = fleet.event_frame(identities, HOUR, minutes, {})
    fleet.copy_into_postgres(PlatformDatabase(url=url).libpq_url(), heartbeats, events)
    return heartbeats.height, events.filter(
        events["received_at"] < HOUR + timedelta(hours=1)
    ).height


def run_pipeline(url: str, root: Path) -> tuple[float, dict[str, float]]:
    started = time.perf_counter()
    result = materialize(
        [warehouse_heartbeats, warehouse_events, *HOURLY_ROLLUP_ASSETS],
        partition_key=f"{HOUR:%Y-%m-%d-%H:%M}",
        resources={
            "platform_db": PlatformDatabase(url=url),
            "warehouse": Warehouse(root=str(root)),
        },
        raise_on_error=True,
    )
    elapsed = time.perf_counter() - started
    steps = {
        event.step_key or "?": event.event_specific_data.duration_ms / 1000  # type: ignore[union-attr]
        for event in result.get_step_success_events()
    }
    return elapsed, steps


def run_direct(url: str) -> tuple[float, float]:
    """Seconds for extract + aggregate, and for the aggregation alone."""
    libpq = PlatformDatabase(url=url).libpq_url()
    started = time.perf_counter()
    heartbeats = extract_hour(libpq, HEARTBEATS, HOUR).to_arrow()
    events = extract_hour(libpq, EVENTS, HOUR).to_arrow()
    aggregating = time.perf_counter()
    connection = duckdb.connect(":memory:")
    connection.execute("SET TimeZone = 'UTC'")
    connection.register("heartbeats", heartbeats)
    connection.register("events", events)
    connection.sql(DIRECT_SQL, params={"end": HOUR + timedelta(hours=1)}).fetchall()
    connection.close()
    finished = time.perf_counter()
    return finished - started, finished - aggregating


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    admin = postgres.admin_url()
    template = postgres.ensure_template(admin)
    name = postgres.create_database_from(admin, template)
    url = postgres.with_database(admin, name)
    try:
        beats, events = prepare(url, args.devices, args.minutes)
        rows = beats + events
        # Alternating runs, the best of each: both sides get a warm Postgres and warm imports.
        pipelines, directs = [], []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="bench-rollup-") as root:
                pipelines.append(run_pipeline(url, Path(root)))  # a fresh warehouse each time
            directs.append(run_direct(url))
        pipeline, steps = min(pipelines, key=lambda run: run[0])
        direct, aggregation = min(directs)
        print(
            f"one hour of {args.devices:,} devices: {beats:,} heartbeats + {events:,} events;"
            f" best of {args.repeat}: Dagster run {pipeline:.2f} s, of which steps: "
            + ", ".join(f"{step} {seconds:.2f} s" for step, seconds in sorted(steps.items()))
        )
        print(f"direct: {direct:.2f} s, of which the DuckDB aggregation {aggregation:.2f} s")
        print_comparison(
            "pipeline rows/s", rows / pipeline, rows / direct, "rows/s", "direct DuckDB rows/s"
        )
        print_comparison(
            "pipeline seconds", pipeline, direct, "s", "direct (COPY + one DuckDB query) seconds"
        )
    finally:
        postgres.drop_database(admin, name)


if __name__ == "__main__":
    main()
