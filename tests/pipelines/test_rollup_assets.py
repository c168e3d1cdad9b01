"""The rollup assets through Dagster on a few devices whose figures can be worked out by hand,
and backfills: a past day re-run replaces its partitions, and re-running changes nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import select

from pipelines.definitions import defs
from pipelines.resources import PlatformDatabase, Warehouse
from signage.db.engine import Database
from signage.db.models import Device, DeviceEvent, DeviceHeartbeat, Venue
from signage.devices.registry import ONLINE_WITHIN
from signage.enums import DeviceEventType, EventSeverity, PlayerState
from signage.tenancy.demo import seed_demo
from warehouse import queries, rollups
from warehouse.layout import WarehouseLayout

DAY = datetime(2026, 6, 15, tzinfo=UTC)
TEN = DAY + timedelta(hours=10)
ELEVEN = DAY + timedelta(hours=11)


@dataclass(frozen=True)
class SmallFleet:
    tenant_id: str
    venue_id: str
    steady: str  # beats every minute 10:00-11:59, upgrades to 1.3.0 at 11:00
    flaky: str  # silent 10:20-10:39: one incident
    quiet: str  # sends events only


def _beat(device: Device, at: datetime, **fields: Any) -> DeviceHeartbeat:
    return DeviceHeartbeat(
        tenant_id=device.tenant_id,
        venue_id=device.venue_id,
        device_id=device.id,
        received_at=at,
        state=PlayerState.PLAYING,
        cache_total_bytes=1000,
        **fields,
    )


def _event(device: Device, at: datetime, kind: DeviceEventType, **payload: Any) -> DeviceEvent:
    severity = {
        DeviceEventType.DOWNLOAD_FAILED: EventSeverity.WARNING,
        DeviceEventType.PLAYBACK_FAILED: EventSeverity.ERROR,
    }.get(kind, EventSeverity.INFO)
    return DeviceEvent(
        tenant_id=device.tenant_id,
        venue_id=device.venue_id,
        device_id=device.id,
        client_event_id=uuid.uuid4(),
        event_type=kind,
        severity=severity,
        event_time=at,
        received_at=at,
        payload=payload,
    )


def seed_small_fleet(database: Database) -> SmallFleet:
    with database.unit_of_work() as session:
        seed_demo(session, "pw-for-rollups")
        venue = session.scalars(select(Venue).order_by(Venue.name)).first()
        assert venue is not None
        steady, flaky, quiet = (
            Device(tenant_id=venue.tenant_id, venue_id=venue.id, name=name)
            for name in ("steady", "flaky", "quiet")
        )
        session.add_all([steady, flaky, quiet])
        session.flush()
        for minute in range(120):
            at = TEN + timedelta(minutes=minute)
            version = "1.2.0" if minute < 60 else "1.3.0"
            session.add(
                _beat(steady, at, app_version=version, cache_used_bytes=minute, playback_failures=1)
            )
            if not 20 <= minute < 40:
                session.add(_beat(flaky, at, app_version="1.2.0", cache_used_bytes=900))
        session.add_all(
            [
                _event(steady, TEN + timedelta(minutes=5), DeviceEventType.MANIFEST_APPLIED),
                _event(steady, TEN + timedelta(minutes=50), DeviceEventType.MANIFEST_APPLIED),
                _event(
                    flaky,
                    TEN + timedelta(minutes=41),
                    DeviceEventType.DOWNLOAD_FAILED,
                    assetId="a-1",
                    httpStatus=503,
                ),
                _event(
                    quiet,
                    ELEVEN + timedelta(minutes=1),
                    DeviceEventType.PLAYBACK_FAILED,
                    assetId="a-2",
                    reason="DECODE_ERROR",
                ),
            ]
        )
        return SmallFleet(
            str(venue.tenant_id), str(venue.id), str(steady.id), str(flaky.id), str(quiet.id)
        )


def run_job(name: str, partition: str, database_url: str, root: Path) -> None:
    result = defs.resolve_job_def(name).execute_in_process(
        partition_key=partition,
        resources={
            "platform_db": PlatformDatabase(url=database_url),
            "warehouse": Warehouse(root=str(root)),
        },
    )
    assert result.success


def run_day(database_url: str, root: Path, hours: tuple[datetime, ...] = (TEN, ELEVEN)) -> None:
    """A backfill of DAY as an operator runs it: its hours through `telemetry_hourly`, then
    the day through `telemetry_daily` (hours without telemetry hold nothing to roll up)."""
    for hour in hours:
        run_job("telemetry_hourly", f"{hour:%Y-%m-%d-%H:%M}", database_url, root)
    run_job("telemetry_daily", f"{DAY:%Y-%m-%d}", database_url, root)


def read(root: Path, table: rollups.RollupTable) -> pl.DataFrame:
    files = sorted((root / table.name).rglob("*.parquet"))
    return pl.concat([pl.read_parquet(path) for path in files]) if files else pl.DataFrame()


def row(frame: pl.DataFrame, **where: Any) -> dict[str, Any]:
    matched = frame.filter(*(pl.col(k) == v for k, v in where.items()))
    assert matched.height == 1, matched
    return matched.row(0, named=True)


def test_the_warehouse_grace_is_the_registry_online_window() -> None:
    assert rollups.ONLINE_GRACE == ONLINE_WITHIN


def test_hourly_rollups_hold_the_hand_worked_figures(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    fleet = seed_small_fleet(database)
    run_day(database_url, tmp_path)

    hourly = read(tmp_path, rollups.DEVICE_HOURLY)
    steady_ten = row(hourly, device_id=fleet.steady, hour_start=TEN)
    assert steady_ten["heartbeats"] == 60
    assert steady_ten["online_seconds"] == 3600
    assert steady_ten["uptime_pct"] == 100
    assert steady_ten["manifest_applies"] == 2
    assert steady_ten["playback_failures"] == 60
    assert steady_ten["cache_used_bytes_last"] == 59
    assert steady_ten["cache_used_pct_max"] == pytest.approx(5.9)
    assert row(hourly, device_id=fleet.steady, hour_start=ELEVEN)["app_version"] == "1.3.0"
    # flaky's last beat before the outage was 10:19; it counts as online until 10:21:30
    flaky_ten = row(hourly, device_id=fleet.flaky, hour_start=TEN)
    assert flaky_ten["heartbeats"] == 40
    assert flaky_ten["online_seconds"] == 3600 - (18 * 60 + 30)
    assert flaky_ten["download_failed_events"] == 1
    quiet = row(hourly, device_id=fleet.quiet, hour_start=ELEVEN)
    assert (quiet["heartbeats"], quiet["online_seconds"], quiet["playback_failed_events"]) == (
        0,
        0,
        1,
    )

    incident = row(read(tmp_path, rollups.OFFLINE_INCIDENTS), device_id=fleet.flaky)
    assert incident["last_heartbeat_at"] == TEN + timedelta(minutes=19)
    assert incident["started_at"] == TEN + timedelta(minutes=21, seconds=30)
    assert incident["ended_at"] == TEN + timedelta(minutes=40)
    assert incident["duration_seconds"] == 18 * 60 + 30

    counts = read(tmp_path, rollups.EVENT_COUNTS_HOURLY)
    assert row(counts, device_id=fleet.steady, event_type="MANIFEST_APPLIED")["events"] == 2
    failures = read(tmp_path, rollups.FAILURES_HOURLY)
    download = row(failures, event_type="DOWNLOAD_FAILED")
    assert (download["asset_id"], download["http_status"], download["reason"]) == ("a-1", 503, None)
    assert row(failures, event_type="PLAYBACK_FAILED")["reason"] == "DECODE_ERROR"


def test_the_daily_rollup_sums_the_hours_and_counts_the_incidents(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    fleet = seed_small_fleet(database)
    run_day(database_url, tmp_path)

    daily = read(tmp_path, rollups.DEVICE_DAILY)
    assert daily.schema == pl.Schema(rollups.DEVICE_DAILY.schema)
    flaky = row(daily, device_id=fleet.flaky)
    assert flaky["heartbeats"] == 100
    assert flaky["online_seconds"] == 2 * 3600 - (18 * 60 + 30)
    assert flaky["incidents"] == 1
    assert flaky["incident_seconds"] == 18 * 60 + 30
    assert flaky["uptime_pct"] == pytest.approx(100 * flaky["online_seconds"] / 86400)
    steady = row(daily, device_id=fleet.steady)
    assert (steady["app_version"], steady["incidents"], steady["manifest_applies"]) == (
        "1.3.0",
        0,
        2,
    )

    layout = WarehouseLayout(tmp_path)
    versions = queries.app_versions(layout, fleet.tenant_id, DAY, DAY + timedelta(days=1))
    assert dict(zip(versions["app_version"], versions["devices"], strict=True)) == {
        "1.3.0": 1,
        "1.2.0": 1,
        "unknown": 1,  # the quiet device never sent a heartbeat
    }
    venue = queries.venue_uptime(layout, fleet.tenant_id, DAY, DAY + timedelta(days=1), "day")
    assert venue["devices"].to_list() == [3]  # quiet sent events only: in the fleet, 0 % up


def test_every_partition_is_written_with_its_declared_columns_even_when_empty(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    seed_small_fleet(database)
    empty_hour = DAY + timedelta(hours=3)
    run_day(database_url, tmp_path, hours=(empty_hour,))
    layout = WarehouseLayout(tmp_path)
    for table in rollups.HOURLY_ROLLUPS:
        written = pl.read_parquet(layout.partition_file(table.name, empty_hour))
        assert written.height == 0
        assert written.schema == pl.Schema(table.schema), table.name
    assert pl.read_parquet(layout.day_partition_file("device_daily", DAY)).height == 0


def test_backfilling_a_past_day_replaces_it_and_rerunning_changes_nothing(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    fleet = seed_small_fleet(database)
    run_day(database_url, tmp_path)
    layout = WarehouseLayout(tmp_path)
    first = {t.name: read(tmp_path, t) for t in (*rollups.HOURLY_ROLLUPS, rollups.DEVICE_DAILY)}

    run_day(database_url, tmp_path)  # the same backfill again: identical partitions
    for table in (*rollups.HOURLY_ROLLUPS, rollups.DEVICE_DAILY):
        assert read(tmp_path, table).equals(first[table.name]), table.name

    # The flaky device's missing beats turn up in Postgres (a late import); backfilling the
    # day replaces its partitions: the incident is gone and nothing is counted twice.
    with database.unit_of_work() as session:
        flaky = session.get(Device, uuid.UUID(fleet.flaky))
        assert flaky is not None
        session.add_all(_beat(flaky, TEN + timedelta(minutes=m)) for m in range(20, 40))
    run_day(database_url, tmp_path)
    assert read(tmp_path, rollups.OFFLINE_INCIDENTS).height == 0
    day = row(read(tmp_path, rollups.DEVICE_DAILY), device_id=fleet.flaky)
    assert (day["heartbeats"], day["online_seconds"], day["incidents"]) == (120, 7200, 0)
    uptime = queries.device_uptime(layout, fleet.tenant_id, TEN, ELEVEN + timedelta(hours=1))
    assert uptime.filter(pl.col("device_id") == fleet.flaky)["uptime_pct"].to_list() == [100, 100]


def test_the_code_location_holds_the_rollups_their_jobs_and_schedules() -> None:
    repository = defs.get_repository_def()
    assets = {key.to_user_string() for key in repository.asset_graph.get_all_asset_keys()}
    assert assets >= {
        "warehouse_device_hourly",
        "warehouse_event_counts_hourly",
        "warehouse_failures_hourly",
        "warehouse_offline_incidents",
        "warehouse_device_daily",
    }
    assert {job.name for job in repository.get_all_jobs()} >= {
        "telemetry_hourly",
        "telemetry_daily",
        "telemetry_retention",
    }
    schedules = {schedule.name: schedule for schedule in repository.schedule_defs}
    assert schedules["telemetry_hourly_schedule"].cron_schedule == "5 * * * *"
    assert schedules["telemetry_daily_schedule"].cron_schedule == "15 1 * * *"
    assert schedules["telemetry_retention_schedule"].cron_schedule == "35 * * * *"
