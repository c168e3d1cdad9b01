"""Hourly telemetry copies from Postgres into the Parquet warehouse, through Dagster."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dagster import materialize
from sqlalchemy import select

from pipelines.resources import PlatformDatabase, Warehouse
from pipelines.telemetry import warehouse_events, warehouse_heartbeats
from signage.db.engine import Database
from signage.db.models import Device, DeviceEvent, DeviceHeartbeat, Venue
from signage.enums import DeviceEventType, EventSeverity, PlayerState
from signage.tenancy.demo import seed_demo
from warehouse.layout import WarehouseLayout
from warehouse.queries import heartbeats_per_device_hour

HOUR = datetime(2026, 6, 15, 13, tzinfo=UTC)


def seed_telemetry(database: Database) -> uuid.UUID:
    """Two devices; heartbeats every minute 13:00-14:59, one device ERROR_SCREEN after 14:30."""
    with database.unit_of_work() as session:
        seed_demo(session, "pw-for-warehouse")
        venue = session.scalars(select(Venue)).first()
        assert venue is not None
        devices = [
            Device(tenant_id=venue.tenant_id, venue_id=venue.id, name=f"d{i}") for i in range(2)
        ]
        session.add_all(devices)
        session.flush()
        for minute in range(120):
            at = HOUR + timedelta(minutes=minute)
            for index, device in enumerate(devices):
                broken = index == 1 and minute >= 90
                session.add(
                    DeviceHeartbeat(
                        tenant_id=venue.tenant_id,
                        venue_id=venue.id,
                        device_id=device.id,
                        received_at=at,
                        state=PlayerState.ERROR_SCREEN if broken else PlayerState.PLAYING,
                    )
                )
        session.add(
            DeviceEvent(
                tenant_id=venue.tenant_id,
                venue_id=venue.id,
                device_id=devices[1].id,
                event_type=DeviceEventType.ERROR_SCREEN_ENTERED,
                severity=EventSeverity.ERROR,
                event_time=HOUR + timedelta(minutes=90),
                received_at=HOUR + timedelta(minutes=90),
                payload={"reason": "NO_PLAYABLE_CONTENT"},
            )
        )
        return devices[1].id


def run_hour(database_url: str, root: Path, hour: datetime) -> None:
    result = materialize(
        [warehouse_heartbeats, warehouse_events],
        partition_key=hour.strftime("%Y-%m-%d-%H:%M"),
        resources={
            "platform_db": PlatformDatabase(url=database_url),
            "warehouse": Warehouse(root=str(root)),
        },
    )
    assert result.success


def test_an_hour_lands_in_its_partition_and_queries_see_it(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    broken_device = seed_telemetry(database)
    run_hour(database_url, tmp_path, HOUR + timedelta(hours=1))
    layout = WarehouseLayout(tmp_path)
    assert layout.partition_file("heartbeats", HOUR + timedelta(hours=1)).exists()
    rows = heartbeats_per_device_hour(layout, HOUR, HOUR + timedelta(hours=2))
    assert rows.height == 2  # only 14:00 has been loaded, for two devices
    assert set(rows["heartbeats"].to_list()) == {60}
    broken = rows.filter(rows["device_id"] == str(broken_device))
    assert broken["playing_share"].item() == 0.5


def test_backfilling_a_past_hour_and_rerunning_it_are_idempotent(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    seed_telemetry(database)
    for hour in (HOUR, HOUR + timedelta(hours=1), HOUR):  # the last is a re-run
        run_hour(database_url, tmp_path, hour)
    rows = heartbeats_per_device_hour(WarehouseLayout(tmp_path), HOUR, HOUR + timedelta(hours=2))
    assert rows.height == 4
    assert rows["heartbeats"].sum() == 240  # nothing doubled by the re-run
    empty_hour = HOUR - timedelta(hours=5)
    run_hour(database_url, tmp_path, empty_hour)  # an hour with no telemetry still loads
    assert WarehouseLayout(tmp_path).partition_file("heartbeats", empty_hour).exists()
