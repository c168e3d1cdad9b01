"""Telemetry partitioned by day (issue 18 item 3) beside the same rows in one unpartitioned
table, measured in the same run: `--rows` heartbeats (and a fortieth as many events, the
fleet's ratio in bench/rollup) for a `--devices` fleet spread over `--days` days, loaded with
COPY into the partitioned tables and into unpartitioned copies with the same indexes.

    .venv/bin/python -m bench.telemetry_partitions [--rows 10000000] [--devices 10000] [--days 7]

Prints, each beside the unpartitioned baseline: retention of the oldest day (dropping its
partition, and the same after reading its ids for the warehouse check, against the hourly
DELETEs by id that retention did before), the device page's 24 h status history, the alert
job's event counts, and the ops dashboard's device counts for the tenant. The two layouts'
queries alternate, so a change in the machine's load falls on both. Uses the test PostgreSQL
(embedded, or SIGNAGE_TEST_DATABASE_URL) with a fresh database. Prints figures; asserts
nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl
import psycopg
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ClauseElement

from bench.report import print_comparison
from signage.alerts.dashboard import device_counts_by_venue
from signage.alerts.facts import event_counts
from signage.db.engine import Database
from signage.db.models import Device, Venue
from signage.devices.history import heartbeat_window
from signage.telemetry import partitions, retention
from tests.support import postgres
from tests.support.demo import seed

FLAT = {"device_heartbeats": "flat_heartbeats", "device_events": "flat_events"}
INDEXES = {
    "device_heartbeats": ("received_at", "device_id, received_at"),
    "device_events": ("received_at", "device_id, event_time", "device_id, client_event_id"),
}
EVENTS_PER_HEARTBEAT = 1 / 40
REPEATS = 11
EVENT_KINDS = ["DOWNLOAD_FAILED", "PLAYBACK_FAILED", "APP_STARTED"]
HEARTBEAT_COLUMNS = ["received_at", "device_id", "tenant_id", "venue_id"]
EVENT_COLUMNS = [
    *HEARTBEAT_COLUMNS,
    *("event_type", "severity", "event_time", "client_event_id", "payload"),
]
CHUNK = 500_000


def add_fleet(database: Database, devices: int, now: datetime) -> tuple[uuid.UUID, pl.DataFrame]:
    """`devices` screens over the demo tenant's venues, each with a latest status."""
    demo = seed(database)
    with database.unit_of_work() as session:
        venues = list(session.scalars(select(Venue.id).where(Venue.tenant_id == demo.tenant_id)))
        rows = [
            {"tenant_id": demo.tenant_id, "venue_id": venues[n % len(venues)], "name": f"s{n}"}
            for n in range(devices)
        ]
        session.execute(insert(Device), rows)
        session.execute(
            text(
                "INSERT INTO device_status (device_id, tenant_id, venue_id, last_heartbeat_at,"
                " is_online, state, updated_at) SELECT id, tenant_id, venue_id, :now, true,"
                " 'PLAYING', :now FROM devices"
            ),
            {"now": now},
        )
        fleet = session.execute(select(Device.id, Device.tenant_id, Device.venue_id)).all()
    frame = pl.DataFrame(
        {
            "device_id": [str(d) for d, _, _ in fleet],
            "tenant_id": [str(t) for _, t, _ in fleet],
            "venue_id": [str(v) for _, _, v in fleet],
        }
    )
    return demo.tenant_id, frame


def telemetry_frames(
    fleet: pl.DataFrame, rows: int, start: datetime, end: datetime
) -> Iterator[pl.DataFrame]:
    """`rows` rows cycling through the fleet, evenly spread over [start, end), a chunk at a
    time (ten million rows of CSV would not fit in memory at once)."""
    step_us = (end - start) / timedelta(microseconds=1) / rows
    start_us = int(start.timestamp() * 1_000_000)
    numbered = fleet.with_row_index("device").cast({"device": pl.Int64})
    for first in range(0, rows, CHUNK):
        index = np.arange(first, min(rows, first + CHUNK), dtype=np.int64)
        received = pl.Series(start_us + (index * step_us).astype(np.int64))
        frame = pl.DataFrame(
            {"device": index % fleet.height, "received_at": received.cast(pl.Datetime("us", "UTC"))}
        )
        yield frame.join(numbered, on="device").select(HEARTBEAT_COLUMNS)


def as_events(frame: pl.DataFrame) -> pl.DataFrame:
    kinds = pl.Series(EVENT_KINDS * (frame.height // len(EVENT_KINDS) + 1))[: frame.height]
    return frame.with_columns(
        event_type=kinds,
        severity=pl.when(kinds == "APP_STARTED").then(pl.lit("INFO")).otherwise(pl.lit("ERROR")),
        event_time=pl.col("received_at"),
        client_event_id=pl.Series([str(uuid.uuid4()) for _ in range(frame.height)]),
        payload=pl.lit("{}"),
    ).select(EVENT_COLUMNS)


def copy_into(libpq: str, table: str, columns: list[str], frames: Iterator[pl.DataFrame]) -> float:
    """COPY the frames into `table` (the seconds this takes are returned), then ANALYZE it."""
    with psycopg.connect(libpq) as conn, conn.cursor() as cursor:
        started = time.perf_counter()
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)") as copy:
            for frame in frames:
                copy.write(frame.write_csv(include_header=False).encode())
        conn.commit()
        seconds = time.perf_counter() - started
        cursor.execute(f"ANALYZE {table}")
    return seconds


def make_flat_copies(libpq: str) -> None:
    """Tables like the ones before migration 0011: same columns, keys, foreign keys, indexes."""
    with psycopg.connect(libpq) as conn:
        for table, flat in FLAT.items():
            conn.execute(
                f"CREATE TABLE {flat} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
                " INCLUDING IDENTITY)"
            )
            conn.execute(f"ALTER TABLE {flat} ADD PRIMARY KEY (id)")
            for column, parent in (
                ("tenant_id", "tenants"),
                ("venue_id", "venues"),
                ("device_id", "devices"),
            ):
                conn.execute(
                    f"ALTER TABLE {flat} ADD FOREIGN KEY ({column}) REFERENCES {parent} (id)"
                    " ON DELETE CASCADE"
                )
            for columns in INDEXES[table]:
                conn.execute(f"CREATE INDEX ON {flat} ({columns})")


def load(libpq: str, fleet: pl.DataFrame, rows: int, start: datetime, end: datetime) -> None:
    """The same rows into the partitioned tables and their unpartitioned copies."""
    events = int(rows * EVENTS_PER_HEARTBEAT)
    for table in ("device_heartbeats", FLAT["device_heartbeats"]):
        seconds = copy_into(
            libpq, table, HEARTBEAT_COLUMNS, telemetry_frames(fleet, rows, start, end)
        )
        print(f"COPY of {rows:,} rows into {table}: {seconds:.1f} s")
    for table in ("device_events", FLAT["device_events"]):
        frames = map(as_events, telemetry_frames(fleet, events, start, end))
        seconds = copy_into(libpq, table, EVENT_COLUMNS, frames)
        print(f"COPY of {events:,} rows into {table}: {seconds:.1f} s")


def paired_medians(
    partitioned: Callable[[], object], flat: Callable[[], object]
) -> tuple[float, float]:
    """Median milliseconds of each, run alternately after one warm-up run each (both layouts
    are measured with their pages cached)."""
    samples: tuple[list[float], list[float]] = ([], [])
    for run in range(REPEATS + 1):
        for layout, query in enumerate((partitioned, flat)):
            started = time.perf_counter()
            query()
            if run:
                samples[layout].append(time.perf_counter() - started)
    return statistics.median(samples[0]) * 1000, statistics.median(samples[1]) * 1000


def compare(name: str, partitioned: Callable[[], object], flat: Callable[[], object]) -> None:
    print_comparison(name, *paired_medians(partitioned, flat), "ms", "unpartitioned")


def as_sql(session: Session, statement: ClauseElement, flat: bool = False) -> Callable[[], object]:
    """The statement compiled once and run as SQL, as is or against the unpartitioned copies
    (table names swapped), so both layouts pay the same client-side cost."""
    compiled = statement.compile(dialect=session.get_bind().dialect)
    sql = str(compiled)
    for table, copy in FLAT.items() if flat else ():
        sql = sql.replace(table, copy)
    return lambda: session.connection().exec_driver_sql(sql, compiled.params).all()


def compare_on_layouts(session: Session, name: str, statements: list[ClauseElement]) -> None:
    partitioned = [as_sql(session, statement) for statement in statements]
    flat = [as_sql(session, statement, flat=True) for statement in statements]
    compare(name, lambda: [run() for run in partitioned], lambda: [run() for run in flat])


def queries(database: Database, tenant_id: uuid.UUID, now: datetime) -> None:
    with database.sessions() as session:
        devices = random.Random(18).sample(list(session.scalars(select(Device))), 20)
        history: list[ClauseElement] = [heartbeat_window(device, now) for device in devices]
        compare_on_layouts(session, "device page 24 h status history (20 screens)", history)
        compare_on_layouts(
            session, "alert job's event counts (last 25 h, whole fleet)", [event_counts(now)]
        )
        # The dashboard reads the latest status per device (device_status), not the history:
        # both sides run the same query, to show partitioning leaves it alone.
        scope = select(Venue.id).where(Venue.tenant_id == tenant_id)
        compare(
            "ops dashboard device counts for the tenant (reads device_status only, both sides)",
            lambda: device_counts_by_venue(session, scope, now),
            lambda: device_counts_by_venue(session, scope, now),
        )


def retention_of_one_day(database: Database, day: date) -> None:
    """The oldest day: its partition dropped (alone, and after reading its ids for the
    warehouse check, as retention does) against the retention this replaced, on the same day
    of the unpartitioned copy: per hour, one transaction deleting the hour's rows by the ids
    the warehouse held (here the hour's own ids, read beforehand and not timed). Each timed
    with its commit."""
    started = time.perf_counter()
    with database.unit_of_work() as session:
        for hour in retention.hours_of(day):
            retention.ids_received_in_hour(session, "device_heartbeats", day, hour)
    check = time.perf_counter() - started
    started = time.perf_counter()
    with database.unit_of_work() as session:
        partitions.drop_day(session, "device_heartbeats", day)
    dropped = time.perf_counter() - started
    deleted = sum(_delete_hour_by_ids(database, hour) for hour in retention.hours_of(day))
    for name, seconds in (("DROP of its partition", dropped), ("id check + DROP", check + dropped)):
        print_comparison(
            f"retention of one day: {name}",
            seconds * 1000,
            deleted * 1000,
            "ms",
            "old hourly DELETE by id",
        )


def _delete_hour_by_ids(database: Database, hour: datetime) -> float:
    bounds = {"start": hour, "end": hour + retention.HOUR}
    in_hour = "received_at >= :start AND received_at < :end"
    flat = FLAT["device_heartbeats"]
    with database.sessions() as session:
        ids = list(session.scalars(text(f"SELECT id FROM {flat} WHERE {in_hour}"), bounds))  # noqa: S608
    started = time.perf_counter()
    with database.unit_of_work() as session:
        session.execute(
            text(f"DELETE FROM {flat} WHERE {in_hour} AND id = ANY(:ids)"),  # noqa: S608
            {**bounds, "ids": ids},
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args()
    admin = postgres.admin_url()
    for database_url in postgres.fresh_database(admin, postgres.ensure_template(admin)):
        database = Database.connect(database_url, pool_size=2)
        libpq = database_url.replace("postgresql+psycopg://", "postgresql://")
        now = datetime.now(UTC)
        first_day = (now - timedelta(days=args.days - 1)).date()
        with database.unit_of_work() as session:
            partitions.ensure_days(session, first_day, ahead=args.days + partitions.DAYS_AHEAD)
        tenant_id, fleet = add_fleet(database, args.devices, now)
        make_flat_copies(libpq)
        print(f"{args.rows:,} heartbeats for {args.devices:,} devices over {args.days} days")
        load(libpq, fleet, args.rows, partitions.day_start(first_day), now)
        queries(database, tenant_id, now)
        retention_of_one_day(database, first_day)
        database.dispose()


if __name__ == "__main__":
    main()
