"""Daily partitions of the telemetry history (issue 18 item 3, §34.12 "cost scaling").

`device_heartbeats` and `device_events` are partitioned by RANGE of `received_at` (the server's
receive time, §30.9), one partition per UTC day named `{table}_pYYYYMMDD`, so retention drops a
whole day at once and every query bounded in receive time reads only the days it covers.

The partition job (pipelines/partitions.py) creates each day ahead of time. A DEFAULT partition
catches a row whose day has no partition yet (the job stopped for longer than it creates ahead,
or a test inserting at a fixed past date), so an insert never fails; the next run of the job
creates that day and moves the rows out of the default into it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

PARTITIONED_TABLES = ("device_heartbeats", "device_events")
# How far ahead the job creates days: it runs hourly, so a week of outage is absorbed.
DAYS_AHEAD = 7
DAY = timedelta(days=1)
# How long a drop waits for the parent's lock before giving up until the next retention run.
DROP_LOCK_TIMEOUT = "10s"
LOCK_NOT_AVAILABLE = "55P03"  # the SQLSTATE of a lock_timeout
_PARTITION_NAME = re.compile(r"^(device_heartbeats|device_events)_(p(\d{8})|default)$")


def partition_name(table: str, day: date) -> str:
    return f"{table}_p{day:%Y%m%d}"


def default_partition(table: str) -> str:
    return f"{table}_default"


def is_partition(name: str) -> bool:
    """Whether `name` is one of the partitions above (not a table of the models)."""
    return _PARTITION_NAME.match(name) is not None


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def days_held(session: Session, table: str) -> list[date]:
    """The days `table` has a partition for, oldest first."""
    children = session.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = CAST(:table AS regclass)"
        ),
        {"table": table},
    )
    days = []
    for name in children:
        found = _PARTITION_NAME.match(name)
        if found and found.group(3):
            days.append(datetime.strptime(found.group(3), "%Y%m%d").date())  # noqa: DTZ007
    return sorted(days)


def days_in_default(session: Session, table: str) -> list[date]:
    """The UTC days of the rows that landed in the default partition."""
    rows = session.scalars(
        text(
            "SELECT DISTINCT CAST(received_at AT TIME ZONE 'UTC' AS date)"  # noqa: S608 (constant names)
            f' FROM "{default_partition(table)}"'
        )
    )
    return sorted(rows)


def create_day(session: Session, table: str, day: date) -> None:
    """Create the partition of `day`, moving any rows of that day out of the default.

    Built detached and then attached, not `CREATE TABLE ... PARTITION OF`: ATTACH takes only a
    SHARE UPDATE EXCLUSIVE lock on the parent, so heartbeats keep flowing meanwhile."""
    name, start, end = partition_name(table, day), day_start(day), day_start(day + DAY)
    session.execute(
        text(f'CREATE TABLE "{name}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
    )
    session.execute(
        text(
            f'WITH moved AS (DELETE FROM "{default_partition(table)}"'  # noqa: S608 (constant names)
            " WHERE received_at >= :start AND received_at < :end RETURNING *)"
            f' INSERT INTO "{name}" SELECT * FROM moved'
        ),
        {"start": start, "end": end},
    )
    session.execute(
        text(
            f'ALTER TABLE "{table}" ATTACH PARTITION "{name}"'
            f" FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
        )
    )


def ensure_days(session: Session, today: date, ahead: int = DAYS_AHEAD) -> dict[str, list[date]]:
    """Per table, the partitions created: today's and the next `ahead` days', and a day for
    every row that fell into the default partition. Idempotent."""
    coming = {today + DAY * n for n in range(ahead + 1)}
    return {
        table: _create_missing(session, table, coming | set(days_in_default(session, table)))
        for table in PARTITIONED_TABLES
    }


def ensure_days_between(session: Session, first: date, last: date) -> dict[str, list[date]]:
    """Per table, the partitions created for the days from `first` to `last`: past days too,
    for history written after the fact (the demo's telemetry). Idempotent."""
    days = {first + DAY * n for n in range((last - first).days + 1)}
    return {table: _create_missing(session, table, days) for table in PARTITIONED_TABLES}


def _create_missing(session: Session, table: str, wanted: set[date]) -> list[date]:
    missing = sorted(wanted - set(days_held(session, table)))
    for day in missing:
        create_day(session, table, day)
    return missing


def drop_day(
    session: Session, table: str, day: date, lock_timeout: str = DROP_LOCK_TIMEOUT
) -> None:
    """Drop the partition of `day`. Dropping needs an ACCESS EXCLUSIVE lock on the parent for
    a moment; waiting for it behind a long reader would queue every insert behind the drop, so
    it gives up after `lock_timeout` (the next retention run tries again)."""
    session.execute(text(f"SET LOCAL lock_timeout = '{lock_timeout}'"))
    session.execute(text(f'DROP TABLE "{partition_name(table, day)}"'))


def lock_timed_out(error: DBAPIError) -> bool:
    """Whether `error` is a statement that gave up waiting for a lock (`lock_timeout`)."""
    return getattr(error.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE


def scanned_partitions(plan_lines: Iterable[str]) -> set[str]:
    """The telemetry partitions an EXPLAIN plan reads (for tests and the benchmark)."""
    found = set()
    for line in plan_lines:
        for word in re.findall(r"\b(?:device_heartbeats|device_events)_\w+", line):
            if is_partition(word):
                found.add(word)
    return found
