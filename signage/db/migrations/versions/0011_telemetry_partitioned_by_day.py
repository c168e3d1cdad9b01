"""Telemetry history partitioned by day (issue 18 item 3): `device_heartbeats` and
`device_events` become RANGE-partitioned on `received_at`, one partition per UTC day plus a
DEFAULT one, so retention drops whole days and time-bounded reads touch only their days.

Every existing row is kept, with its id: the old table is renamed aside, the partitioned one
created with the same columns (LIKE), a partition made for every day the old rows cover and for
today and the next week, the rows copied, the old table dropped. The downgrade does the same in
reverse into an unpartitioned table.

The primary key becomes (id, received_at): a key of a partitioned table must hold the partition
key. The unique index on (device_id, client_event_id) that deduplicated event retries cannot
exist for the same reason; it becomes a plain index and signage.telemetry.ingest deduplicates
under a per-device lock (docs/architecture.md, "Telemetry partitions").

This runs in the migration's transaction and copies the history once: at fleet scale (hundreds
of millions of rows) plan it in a maintenance window (docs/operations.md).

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-05 03:45:00
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from alembic import op
from sqlalchemy import text

revision: str = "0011"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAYS_AHEAD = 7  # as signage.telemetry.partitions.DAYS_AHEAD, frozen here


@dataclass(frozen=True)
class Index:
    name: str
    columns: str
    unique: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    indexes: tuple[Index, ...]  # partitioned
    unpartitioned_indexes: tuple[Index, ...]  # before this migration


HEARTBEAT_INDEXES = (
    Index("ix_device_heartbeats_received", "received_at"),
    Index("ix_device_heartbeats_device_received", "device_id, received_at"),
)
EVENT_INDEXES = (
    Index("ix_device_events_received", "received_at"),
    Index("ix_device_events_device_time", "device_id, event_time"),
)
TABLES = (
    Table("device_heartbeats", HEARTBEAT_INDEXES, HEARTBEAT_INDEXES),
    Table(
        "device_events",
        (*EVENT_INDEXES, Index("ix_device_events_client_id", "device_id, client_event_id")),
        (*EVENT_INDEXES, Index("uq_device_events_client_id", "device_id, client_event_id", True)),
    ),
)
FOREIGN_KEYS = (("tenant_id", "tenants"), ("venue_id", "venues"), ("device_id", "devices"))


def upgrade() -> None:
    for table in TABLES:
        old = _set_aside(table, table.unpartitioned_indexes, "unpartitioned")
        op.execute(
            f"CREATE TABLE {table.name} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
            " INCLUDING IDENTITY) PARTITION BY RANGE (received_at)"
        )
        op.execute(f"CREATE TABLE {table.name}_default PARTITION OF {table.name} DEFAULT")
        for day in _days_to_create(old):
            _create_day(table.name, day)
        _copy_rows(old, table.name)
        _add_keys_and_indexes(table.name, "id, received_at", table.indexes)
        op.execute(f"DROP TABLE {old}")
        _name_id_sequence(table.name)


def downgrade() -> None:
    for table in TABLES:
        partitioned = _set_aside(table, table.indexes, "partitioned")
        op.execute(
            f"CREATE TABLE {table.name} (LIKE {partitioned} INCLUDING DEFAULTS"
            " INCLUDING CONSTRAINTS INCLUDING IDENTITY)"
        )
        _copy_rows(partitioned, table.name)
        _add_keys_and_indexes(table.name, "id", table.unpartitioned_indexes)
        op.execute(f"DROP TABLE {partitioned}")  # with its partitions
        _name_id_sequence(table.name)


def _set_aside(table: Table, indexes: tuple[Index, ...], suffix: str) -> str:
    """Rename the current table out of the way and free the names its replacement takes."""
    aside = f"{table.name}_{suffix}"
    op.execute(f"ALTER TABLE {table.name} RENAME TO {aside}")
    op.execute(f"ALTER TABLE {aside} RENAME CONSTRAINT pk_{table.name} TO pk_{aside}")
    for index in indexes:
        op.execute(f"DROP INDEX {index.name}")
    return aside


def _days_to_create(old: str) -> list[date]:
    held = op.get_bind().scalars(
        text(f"SELECT DISTINCT CAST(received_at AT TIME ZONE 'UTC' AS date) FROM {old}")  # noqa: S608
    )
    today = datetime.now(UTC).date()
    return sorted(set(held) | {today + timedelta(days=n) for n in range(DAYS_AHEAD + 1)})


def _create_day(table: str, day: date) -> None:
    start = datetime.combine(day, time(), tzinfo=UTC)
    end = start + timedelta(days=1)
    op.execute(
        f"CREATE TABLE {table}_p{day:%Y%m%d} PARTITION OF {table}"
        f" FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
    )


def _copy_rows(source: str, target: str) -> None:
    """Every row with its id (both tables have the same columns in the same order), then the
    id sequence past the highest copied id."""
    op.execute(f"INSERT INTO {target} OVERRIDING SYSTEM VALUE SELECT * FROM {source}")  # noqa: S608
    op.execute(
        f"SELECT setval(pg_get_serial_sequence('{target}', 'id'), max(id)) FROM {target}"  # noqa: S608
    )


def _name_id_sequence(table: str) -> None:
    """The new identity's sequence was named while the old one held `{table}_id_seq`."""
    sequence = op.get_bind().scalar(text(f"SELECT pg_get_serial_sequence('{table}', 'id')"))
    if sequence != f"public.{table}_id_seq":
        op.execute(f"ALTER SEQUENCE {sequence} RENAME TO {table}_id_seq")


def _add_keys_and_indexes(table: str, primary_key: str, indexes: tuple[Index, ...]) -> None:
    """After the copy: building keys and indexes once is cheaper than maintaining them."""
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({primary_key})")
    for column, parent in FOREIGN_KEYS:
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT fk_{table}_{column}_{parent}"
            f" FOREIGN KEY ({column}) REFERENCES {parent} (id) ON DELETE CASCADE"
        )
    for index in indexes:
        unique = "UNIQUE " if index.unique else ""
        op.execute(f"CREATE {unique}INDEX {index.name} ON {table} ({index.columns})")
