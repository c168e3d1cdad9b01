"""Telemetry partitioned by day (issue 18 item 3): the days exist before their rows arrive, on
the real clock as much as on a fixed date; a row without its day's partition is caught and
later moved; the reads of telemetry touch only the days they cover; event retries are stored
once across days and under concurrency; the migration keeps every row both ways."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ClauseElement

from pipelines.definitions import defs
from pipelines.resources import PlatformDatabase
from signage.alerts.facts import event_counts
from signage.auth.principal import DevicePrincipal
from signage.db import migrate
from signage.db.engine import Database
from signage.db.models import Device, DeviceEvent, DeviceHeartbeat, Venue
from signage.devices.history import heartbeat_window
from signage.enums import DeviceEventType, EventSeverity
from signage.telemetry.ingest import (
    Event,
    Heartbeat,
    ReceivedHeartbeat,
    record_events,
    record_heartbeats,
)
from signage.telemetry.partitions import (
    DAYS_AHEAD,
    days_held,
    default_partition,
    ensure_days,
    partition_name,
    scanned_partitions,
)
from signage.tenancy.demo import seed_demo
from tests.support import postgres
from warehouse.extract import EVENTS, HEARTBEATS

DAY = date(2026, 6, 15)
NOON = datetime(2026, 6, 15, 12, tzinfo=UTC)
TABLES = ("device_heartbeats", "device_events")


@pytest.fixture
def empty_database_url(pg_admin_url: str) -> Iterator[str]:
    yield from postgres.fresh_database(pg_admin_url, "template0")


def seed_device(database: Database) -> DevicePrincipal:
    with database.unit_of_work() as session:
        seed_demo(session, "pw-for-partitions")
        venue = session.scalars(select(Venue)).first()
        assert venue is not None
        device = Device(tenant_id=venue.tenant_id, venue_id=venue.id, name="screen")
        session.add(device)
        session.flush()
        return DevicePrincipal(device.id, venue.id, venue.tenant_id)


def beat() -> Heartbeat:
    return Heartbeat(*([None] * 19))


def event(event_id: uuid.UUID | None = None, at: datetime = NOON) -> Event:
    return Event(event_id, DeviceEventType.DOWNLOAD_FAILED, EventSeverity.ERROR, at, {})


def record(database: Database, device: DevicePrincipal, at: datetime) -> None:
    with database.unit_of_work() as session:
        record_heartbeats(session, [ReceivedHeartbeat(device, beat(), at)])
        record_events(session, device, [event(at=at)], at)


def partitions_holding(session: Session, table: str) -> dict[datetime, str]:
    """Each row's receive time and the partition it is stored in."""
    rows = session.execute(text(f"SELECT received_at, tableoid::regclass::text FROM {table}"))
    return {at.astimezone(UTC): partition for at, partition in rows}


def test_a_fresh_database_takes_todays_and_tomorrows_rows_in_their_days(
    empty_database_url: str,
) -> None:
    """On the real clock: the migration alone made today's and the coming days' partitions
    (the last but one of them, in case midnight passes between the migration and the rows)."""
    migrate.upgrade(empty_database_url)
    database = Database.connect(empty_database_url, pool_size=2)
    try:
        device = seed_device(database)
        now = datetime.now(UTC)
        for at in (now, now + timedelta(days=1), now + timedelta(days=DAYS_AHEAD - 1)):
            record(database, device, at)
        with database.sessions() as session:
            for table in TABLES:
                assert partitions_holding(session, table) == {
                    at: partition_name(table, at.date())
                    for at in (now, now + timedelta(days=1), now + timedelta(days=DAYS_AHEAD - 1))
                }
    finally:
        database.dispose()


def test_the_partition_job_keeps_a_week_ahead_on_the_real_clock(
    database: Database, database_url: str
) -> None:
    job = defs.resolve_job_def("telemetry_partitions")
    resources = {"platform_db": PlatformDatabase(url=database_url)}
    assert job.execute_in_process(resources=resources).success
    today = datetime.now(UTC).date()
    # DAYS_AHEAD + 1 days from the job's today; from ours, should midnight fall in between:
    week = {today + timedelta(days=n) for n in range(DAYS_AHEAD)}
    with database.sessions() as session:
        for table in TABLES:
            assert week <= set(days_held(session, table))
    again = job.execute_in_process(resources=resources)
    assert again.output_for_node("create_telemetry_partitions") == {t: [] for t in TABLES}


def test_a_row_without_its_day_waits_in_the_default_partition_then_moves(
    database: Database,
) -> None:
    device = seed_device(database)
    record(database, device, NOON)  # the template database has no partition for this day
    with database.sessions() as session:
        before = {table: ids(session, table) for table in TABLES}
        for table in TABLES:
            assert partitions_holding(session, table) == {NOON: default_partition(table)}

    with database.unit_of_work() as session:
        created = ensure_days(session, datetime.now(UTC).date())
    assert all(DAY in days for days in created.values())

    with database.sessions() as session:
        for table in TABLES:
            assert partitions_holding(session, table) == {NOON: partition_name(table, DAY)}
            assert ids(session, table) == before[table]
    record(database, device, NOON + timedelta(hours=1))  # the next row goes straight there
    with database.sessions() as session:
        assert set(partitions_holding(session, "device_heartbeats").values()) == {
            partition_name("device_heartbeats", DAY)
        }


def ids(session: Session, table: str) -> list[int]:
    return list(session.scalars(text(f"SELECT id FROM {table} ORDER BY id")))


def explain(session: Session, statement: ClauseElement) -> set[str]:
    compiled = statement.compile(dialect=session.get_bind().dialect)
    plan = session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
    return scanned_partitions(line for (line,) in plan)


def explain_sql(session: Session, sql: str, params: dict[str, datetime]) -> set[str]:
    plan = session.connection().exec_driver_sql(f"EXPLAIN {sql}", params)
    return scanned_partitions(line for (line,) in plan)


@pytest.fixture
def a_week_of_telemetry(database: Database) -> DevicePrincipal:
    """A row a day from 12 to 18 June, each day in its partition (three days after NOON
    stand for the days the job creates ahead)."""
    device = seed_device(database)
    with database.unit_of_work() as session:
        ensure_days(session, DAY - timedelta(days=3), ahead=6)
    for n in range(-3, 4):
        record(database, device, NOON + timedelta(days=n))
    return device


def days(table: str, *offsets: int) -> set[str]:
    return {partition_name(table, DAY + timedelta(days=n)) for n in offsets}


def test_the_reads_of_telemetry_touch_only_the_days_they_cover(
    database: Database, a_week_of_telemetry: DevicePrincipal
) -> None:
    heartbeats, events = TABLES
    with database.sessions() as session:
        device = session.get_one(Device, a_week_of_telemetry.device_id)
        # the whole table (with the template's own days), to show the plans name what they read
        everything = explain(session, select(func.count()).select_from(DeviceHeartbeat))
        assert everything >= days(heartbeats, *range(-3, 4)) | {default_partition(heartbeats)}

        # the device page's 24 h status history (NOON - 24 h is the day before at noon)
        assert explain(session, heartbeat_window(device, NOON)) == days(heartbeats, -1, 0)
        # the alert job's event counts: the last 25 hours
        assert explain(session, event_counts(NOON)) == days(events, -1, 0)
        assert explain(session, event_counts(NOON + timedelta(hours=13))) == days(events, 0, 1)
        # the warehouse's hourly copy
        hour = {"start": NOON, "end": NOON + timedelta(hours=1)}
        assert explain_sql(session, HEARTBEATS.select_sql, hour) == days(heartbeats, 0)
        assert explain_sql(session, EVENTS.select_sql, hour) == days(events, 0)


def test_a_retried_event_is_stored_once_even_on_another_day(
    database: Database, a_week_of_telemetry: DevicePrincipal
) -> None:
    device = a_week_of_telemetry
    sent = [event(uuid.uuid4()), event(uuid.uuid4()), event(None)]
    with database.unit_of_work() as session:
        assert record_events(session, device, sent, NOON) == 3
    with database.unit_of_work() as session:  # the retry, received the next day
        assert record_events(session, device, sent, NOON + timedelta(days=1)) == 1  # no eventId
    with database.sessions() as session:
        stored = session.scalars(
            select(DeviceEvent.client_event_id).where(DeviceEvent.client_event_id.is_not(None))
        ).all()
    assert sorted(map(str, stored)) == sorted(str(e.event_id) for e in sent[:2])


def test_a_retry_racing_the_first_batch_waits_for_it_and_adds_nothing(
    database: Database, a_week_of_telemetry: DevicePrincipal
) -> None:
    device = a_week_of_telemetry
    sent = [event(uuid.uuid4()) for _ in range(5)]
    stored_by_retry: list[int] = []
    with database.unit_of_work() as first:
        assert record_events(first, device, sent, NOON) == 5

        def retry() -> None:
            with database.unit_of_work() as session:
                stored_by_retry.append(record_events(session, device, sent, NOON))

        racing = threading.Thread(target=retry)
        racing.start()
        racing.join(timeout=1)
        assert racing.is_alive()  # waiting on the device's lock while the first is open
    racing.join(timeout=30)
    assert stored_by_retry == [0]
    with database.sessions() as session:
        assert (
            session.scalar(select(func.count()).where(DeviceEvent.client_event_id.is_not(None)))
            == 5
        )


def rows_with_ids(database: Database) -> dict[str, set[tuple[int, datetime]]]:
    with database.sessions() as session:
        return {
            table: {
                (row_id, at)
                for row_id, at in session.execute(text(f"SELECT id, received_at FROM {table}"))
            }
            for table in TABLES
        }


def relation_kinds(database: Database) -> dict[str, str]:
    with database.sessions() as session:
        rows = session.execute(
            text("SELECT relname, relkind FROM pg_class WHERE relname = ANY(:names)"),
            {"names": list(TABLES)},
        )
        return {name: str(kind) for name, kind in rows}


def test_the_migration_keeps_every_row_and_id_both_ways(
    database: Database, database_url: str
) -> None:
    device = seed_device(database)
    for at in (NOON - timedelta(days=40), NOON, datetime.now(UTC)):
        record(database, device, at)
    before = rows_with_ids(database)
    assert all(len(rows) == 3 for rows in before.values())
    database.dispose()

    migrate.downgrade(database_url, "0006")
    assert relation_kinds(database) == {t: "r" for t in TABLES}  # plain tables again
    assert rows_with_ids(database) == before
    database.dispose()

    migrate.upgrade(database_url)
    assert relation_kinds(database) == {t: "p" for t in TABLES}
    assert rows_with_ids(database) == before
    with database.sessions() as session:
        for table in TABLES:
            held = partitions_holding(session, table)
            assert default_partition(table) not in held.values()  # every old day got its own
    record(database, device, datetime.now(UTC))  # ids continue past the copied ones
    after = rows_with_ids(database)
    for table in TABLES:
        ((new_id, _),) = after[table] - before[table]
        assert new_id > max(i for i, _ in before[table])
