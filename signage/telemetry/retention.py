"""Telemetry retention in the system of record (§34.12 "controlled telemetry retention",
§29.5): heartbeat and event history leaves PostgreSQL a whole day at a time, by dropping the
day's partition (signage/telemetry/partitions.py), and only once the caller has checked that
the warehouse holds every row of it (warehouse/retention.py), so a row never copied is never
lost. Dropping a partition costs the same whatever it holds, where deleting a day's rows one
by one cost as much as writing them (bench/telemetry_partitions.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from signage.telemetry.partitions import DAY, day_start, partition_name

HOUR = timedelta(hours=1)


def droppable_days(held: Iterable[date], cutoff: datetime) -> list[date]:
    """The days among `held` that end at or before `cutoff`: a day is never half pruned."""
    return [day for day in sorted(held) if day_start(day + DAY) <= cutoff]


def hours_of(day: date) -> list[datetime]:
    start = day_start(day)
    return [start + HOUR * n for n in range(24)]


def ids_received_in_hour(session: Session, table: str, day: date, hour: datetime) -> list[int]:
    """The ids of the rows of `table`'s partition for `day` received in `hour`, streamed with
    COPY (an hour of a large fleet is millions of rows)."""
    statement = (
        f'COPY (SELECT id FROM "{partition_name(table, day)}"'  # noqa: S608 (constant names)
        f" WHERE received_at >= '{hour.isoformat()}'"
        f" AND received_at < '{(hour + HOUR).isoformat()}') TO STDOUT"
    )
    raw = session.connection().connection.driver_connection
    assert raw is not None
    chunks = []
    with raw.cursor().copy(statement) as copy:
        for chunk in copy:
            chunks.append(bytes(chunk))
    return [int(line) for line in b"".join(chunks).split()]
