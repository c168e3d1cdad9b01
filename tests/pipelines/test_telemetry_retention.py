"""Telemetry retention (§34.12): Postgres rows go only once the warehouse holds them, whole
hours at a time, and neither a second pass nor a later re-copy of the hour loses anything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
from dagster import materialize
from sqlalchemy import func, select

from pipelines.definitions import defs
from pipelines.resources import PlatformDatabase, Warehouse
from pipelines.retention import prune_warehoused_telemetry
from pipelines.telemetry import warehouse_events, warehouse_heartbeats
from signage.db.engine import Database
from signage.db.models import Device, DeviceEvent, DeviceHeartbeat, Venue
from signage.enums import DeviceEventType, EventSeverity, PlayerState
from signage.telemetry.retention import prunable_hours
from signage.tenancy.demo import seed_demo
from warehouse.layout import WarehouseLayout

ARCHIVED = datetime(2026, 6, 15, 9, tzinfo=UTC)  # copied to the warehouse
NOT_ARCHIVED = ARCHIVED + timedelta(hours=1)  # never copied


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


def test_prunable_hours_are_whole_hours_before_the_cutoff() -> None:
    oldest = datetime(2026, 6, 15, 10, 30, tzinfo=UTC)
    whole = [datetime(2026, 6, 15, h, tzinfo=UTC) for h in (10, 11, 12)]
    assert prunable_hours(oldest, datetime(2026, 6, 15, 13, tzinfo=UTC)) == whole
    assert prunable_hours(oldest, datetime(2026, 6, 15, 12, 59, tzinfo=UTC)) == whole[:2]
    assert prunable_hours(None, datetime(2026, 6, 15, 13, tzinfo=UTC)) == []


def test_only_rows_in_the_warehouse_are_pruned_and_a_recopy_loses_nothing(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    device = seed_device(database)
    add_telemetry(database, device, ARCHIVED, range(60))
    add_telemetry(database, device, NOT_ARCHIVED, range(60))
    copy_hour(database_url, tmp_path, ARCHIVED)
    add_telemetry(database, device, ARCHIVED, range(59, 60))  # arrived after the copy
    layout = WarehouseLayout(tmp_path)
    cutoff = NOT_ARCHIVED + timedelta(hours=2)

    report = prune_warehoused_telemetry(database, layout, cutoff)

    for table in ("heartbeats", "events"):
        assert report[table].deleted == 60
        assert report[table].hours_pruned == 1
        assert report[table].hours_not_in_warehouse == (NOT_ARCHIVED,)
        assert report[table].rows_not_in_warehouse == 1
    assert rows_by_hour(database) == {
        ("heartbeats", ARCHIVED): 1,
        ("events", ARCHIVED): 1,
        ("heartbeats", NOT_ARCHIVED): 60,
        ("events", NOT_ARCHIVED): 60,
    }
    again = prune_warehoused_telemetry(database, layout, cutoff)
    assert {table: pruning.deleted for table, pruning in again.items()} == {
        "heartbeats": 0,
        "events": 0,
    }

    # Backfilling the pruned hour keeps what only the warehouse still holds, adds the late row.
    copy_hour(database_url, tmp_path, ARCHIVED)
    for table in ("heartbeats", "events"):
        assert pl.read_parquet(layout.partition_file(table, ARCHIVED)).height == 61
    assert prune_warehoused_telemetry(database, layout, cutoff)["heartbeats"].deleted == 1
    assert ("heartbeats", ARCHIVED) not in rows_by_hour(database)


def test_the_retention_job_keeps_hours_younger_than_the_setting(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    device = seed_device(database)
    this_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    old, recent = this_hour - timedelta(days=20), this_hour - timedelta(days=2)
    for hour in (old, recent):
        add_telemetry(database, device, hour, range(0, 60, 10))
        copy_hour(database_url, tmp_path, hour)

    result = defs.resolve_job_def("telemetry_retention").execute_in_process(
        run_config={"ops": {"prune_telemetry_history": {"config": {"retention_days": 14}}}},
        resources={
            "platform_db": PlatformDatabase(url=database_url),
            "warehouse": Warehouse(root=str(tmp_path)),
        },
    )

    assert result.success
    assert result.output_for_node("prune_telemetry_history") == {"heartbeats": 6, "events": 6}
    assert set(rows_by_hour(database)) == {("heartbeats", recent), ("events", recent)}
