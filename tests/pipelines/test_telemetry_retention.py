"""Telemetry retention (§34.12): Postgres rows go only once the warehouse holds them, a whole
day partition at a time, and neither a second pass nor a later re-copy of the hour loses
anything (issue 18 item 3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
from dagster import materialize
from sqlalchemy import func, select

from pipelines.definitions import defs
from pipelines.resources import PlatformDatabase, Warehouse
from pipelines.telemetry import warehouse_events, warehouse_heartbeats
from signage.db.engine import Database
from signage.db.models import Device, DeviceEvent, DeviceHeartbeat, Venue
from signage.enums import DeviceEventType, EventSeverity, PlayerState
from signage.telemetry.partitions import days_held, ensure_days
from signage.telemetry.retention import droppable_days
from signage.tenancy.demo import seed_demo
from warehouse.layout import WarehouseLayout
from warehouse.retention import prune_warehoused_telemetry

ARCHIVED = datetime(2026, 6, 15, 9, tzinfo=UTC)  # copied to the warehouse
NOT_ARCHIVED = datetime(2026, 6, 16, 10, tzinfo=UTC)  # not copied at first


def seed_device(database: Database) -> Device:
    with database.unit_of_work() as session:
        seed_demo(session, "pw-for-retention")
        venue = session.scalars(select(Venue)).first()
        assert venue is not None
        device = Device(tenant_id=venue.tenant_id, venue_id=venue.id, name="old screen")
        session.add(device)
        session.flush()
        return device


def add_telemetry(database: Database, device: Device, hour: datetime, minutes: range) -> None:
    with database.unit_of_work() as session:
        for minute in minutes:
            at = hour + timedelta(minutes=minute)
            identity = {
                "tenant_id": device.tenant_id,
                "venue_id": device.venue_id,
                "device_id": device.id,
                "received_at": at,
            }
            session.add(DeviceHeartbeat(**identity, state=PlayerState.PLAYING))
            session.add(
                DeviceEvent(
                    **identity,
                    event_type=DeviceEventType.MANIFEST_APPLIED,
                    severity=EventSeverity.INFO,
                    event_time=at,
                    payload={},
                )
            )


def copy_hour(database_url: str, root: Path, hour: datetime) -> None:
    result = materialize(
        [warehouse_heartbeats, warehouse_events],
        partition_key=f"{hour:%Y-%m-%d-%H:%M}",
        resources={
            "platform_db": PlatformDatabase(url=database_url),
            "warehouse": Warehouse(root=str(root)),
        },
    )
    assert result.success


def rows_by_hour(database: Database) -> dict[tuple[str, datetime], int]:
    counts = {}
    with database.sessions() as session:
        for name, model in (("heartbeats", DeviceHeartbeat), ("events", DeviceEvent)):
            hour = func.date_trunc("hour", model.received_at)
            for at, count in session.execute(select(hour, func.count()).group_by(hour)):
                counts[(name, at.astimezone(UTC))] = count
    return counts


def adopt_days(database: Database) -> None:
    """What the hourly partition job does: rows inserted at a fixed past date landed in the
    default partition; their days get partitions of their own."""
    with database.unit_of_work() as session:
        ensure_days(session, datetime.now(UTC).date())


def test_droppable_days_are_whole_days_before_the_cutoff() -> None:
    days = [date(2026, 6, 14), date(2026, 6, 15), date(2026, 6, 16)]
    assert droppable_days(days, datetime(2026, 6, 16, tzinfo=UTC)) == days[:2]
    assert droppable_days(days, datetime(2026, 6, 15, 23, 59, tzinfo=UTC)) == days[:1]
    assert droppable_days([], datetime(2026, 6, 16, tzinfo=UTC)) == []


def test_a_day_goes_only_once_the_warehouse_holds_all_of_it_and_a_recopy_loses_nothing(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    device = seed_device(database)
    add_telemetry(database, device, ARCHIVED, range(60))
    add_telemetry(database, device, NOT_ARCHIVED, range(60))
    adopt_days(database)
    copy_hour(database_url, tmp_path, ARCHIVED)
    add_telemetry(database, device, ARCHIVED, range(59, 60))  # arrived after the copy
    layout = WarehouseLayout(tmp_path)
    cutoff = NOT_ARCHIVED + timedelta(days=2)
    everything = rows_by_hour(database)

    report = prune_warehoused_telemetry(database, layout, cutoff)

    for table in ("heartbeats", "events"):
        assert report[table].dropped == 0
        assert report[table].days_kept == (ARCHIVED.date(), NOT_ARCHIVED.date())
        assert report[table].hours_not_in_warehouse == (NOT_ARCHIVED,)
        assert report[table].rows_not_in_warehouse == 1
    assert (
        rows_by_hour(database)
        == everything
        == {
            ("heartbeats", ARCHIVED): 61,
            ("events", ARCHIVED): 61,
            ("heartbeats", NOT_ARCHIVED): 60,
            ("events", NOT_ARCHIVED): 60,
        }
    )

    # The re-copy brings the late row in: the day is complete and goes, as a whole partition.
    copy_hour(database_url, tmp_path, ARCHIVED)
    report = prune_warehoused_telemetry(database, layout, cutoff)
    for table in ("heartbeats", "events"):
        assert report[table].dropped == 61
        assert report[table].days_dropped == (ARCHIVED.date(),)
        assert report[table].days_kept == (NOT_ARCHIVED.date(),)
    assert set(rows_by_hour(database)) == {("heartbeats", NOT_ARCHIVED), ("events", NOT_ARCHIVED)}
    with database.sessions() as session:
        assert ARCHIVED.date() not in days_held(session, "device_heartbeats")
        assert ARCHIVED.date() not in days_held(session, "device_events")

    # Backfilling the dropped hour keeps what only the warehouse still holds.
    copy_hour(database_url, tmp_path, ARCHIVED)
    for table in ("heartbeats", "events"):
        assert pl.read_parquet(layout.partition_file(table, ARCHIVED)).height == 61

    copy_hour(database_url, tmp_path, NOT_ARCHIVED)
    assert prune_warehoused_telemetry(database, layout, cutoff)["events"].dropped == 60
    assert rows_by_hour(database) == {}
    again = prune_warehoused_telemetry(database, layout, cutoff)
    assert {table: pruning.dropped for table, pruning in again.items()} == {
        "heartbeats": 0,
        "events": 0,
    }


def test_the_retention_job_keeps_days_younger_than_the_setting(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    device = seed_device(database)
    this_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    old, recent = this_hour - timedelta(days=20), this_hour - timedelta(days=2)
    for hour in (old, recent):
        add_telemetry(database, device, hour, range(0, 60, 10))
    resources = {
        "platform_db": PlatformDatabase(url=database_url),
        "warehouse": Warehouse(root=str(tmp_path)),
    }
    assert defs.resolve_job_def("telemetry_partitions").execute_in_process(resources=resources)
    for hour in (old, recent):
        copy_hour(database_url, tmp_path, hour)

    result = defs.resolve_job_def("telemetry_retention").execute_in_process(
        run_config={"ops": {"prune_telemetry_history": {"config": {"retention_days": 14}}}},
        resources=resources,
    )

    assert result.success
    assert result.output_for_node("prune_telemetry_history") == {"heartbeats": 6, "events": 6}
    assert set(rows_by_hour(database)) == {("heartbeats", recent), ("events", recent)}


def test_a_drop_that_cannot_get_its_lock_gives_up_and_the_next_run_drops_the_day(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    device = seed_device(database)
    add_telemetry(database, device, ARCHIVED, range(0, 60, 10))
    adopt_days(database)
    copy_hour(database_url, tmp_path, ARCHIVED)
    layout = WarehouseLayout(tmp_path)
    cutoff = ARCHIVED + timedelta(days=2)

    with database.engine.connect() as reader:  # a long query holding the heartbeats
        reader.execute(select(func.count()).select_from(DeviceHeartbeat))
        report = prune_warehoused_telemetry(database, layout, cutoff, lock_timeout="200ms")
        reader.rollback()

    assert report["heartbeats"].days_busy == (ARCHIVED.date(),)
    assert report["heartbeats"].dropped == 0
    assert report["events"].days_dropped == (ARCHIVED.date(),)  # not held: it went
    assert set(rows_by_hour(database)) == {("heartbeats", ARCHIVED)}
    again = prune_warehoused_telemetry(database, layout, cutoff)
    assert again["heartbeats"].days_dropped == (ARCHIVED.date(),)
    assert rows_by_hour(database) == {}
