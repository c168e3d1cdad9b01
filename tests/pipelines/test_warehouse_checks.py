"""The warehouse's asset checks and the run-failure sensor (issue 17 items 1 and 5): copied
hours match PostgreSQL until a partition is tampered with, rollup partitions are fresh, and a
failed run raises an operator alert that the job's next success resolves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from dagster import (
    DagsterInstance,
    Definitions,
    ExecuteInProcessResult,
    build_run_status_sensor_context,
    instance_for_test,
    job,
    materialize,
    op,
)
from sqlalchemy import select

from pipelines.monitoring import (
    WAREHOUSE_CHECKS,
    run_failure_alerts,
    run_success_resolves_alerts,
    warehouse_checks_job,
)
from pipelines.resources import PlatformDatabase, Warehouse
from pipelines.telemetry import warehouse_events, warehouse_heartbeats
from signage.db.engine import Database
from signage.db.models import Device, DeviceHeartbeat, OperatorAlert, Venue
from signage.enums import PlayerState
from signage.tenancy.demo import seed_demo
from warehouse import checks
from warehouse.layout import HOUR, WarehouseLayout, hour_start


def seed_heartbeats(database: Database, hours: list[datetime]) -> None:
    with database.unit_of_work() as session:
        seed_demo(session, "pw-for-checks")
        venue = session.scalars(select(Venue)).first()
        assert venue is not None
        device = Device(tenant_id=venue.tenant_id, venue_id=venue.id, name="Bar")
        session.add(device)
        session.flush()
        for hour in hours:
            for minute in range(0, 60, 5):
                session.add(
                    DeviceHeartbeat(
                        tenant_id=venue.tenant_id,
                        venue_id=venue.id,
                        device_id=device.id,
                        received_at=hour + timedelta(minutes=minute),
                        state=PlayerState.PLAYING,
                    )
                )


def resources(database_url: str, root: Path) -> dict[str, object]:
    return {
        "platform_db": PlatformDatabase(url=database_url),
        "warehouse": Warehouse(root=str(root)),
    }


def copy_hours(database_url: str, root: Path, hours: list[datetime]) -> None:
    for hour in hours:
        result = materialize(
            [warehouse_heartbeats, warehouse_events],
            partition_key=hour.strftime("%Y-%m-%d-%H:%M"),
            resources=resources(database_url, root),
        )
        assert result.success


def check_results(database_url: str, root: Path) -> dict[str, tuple[bool, dict[str, object]]]:
    definitions = Definitions(
        assets=[warehouse_heartbeats, warehouse_events],
        asset_checks=WAREHOUSE_CHECKS,
        jobs=[warehouse_checks_job],
        resources=resources(database_url, root),
    )
    result = definitions.resolve_job_def("warehouse_checks").execute_in_process(
        raise_on_error=False
    )
    return {
        evaluation.check_name: (
            evaluation.passed,
            {key: entry.value for key, entry in evaluation.metadata.items()},
        )
        for evaluation in result.get_asset_check_evaluations()
    }


def test_copied_hours_match_postgres_until_a_partition_is_tampered_with(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    hours = [hour_start(now) - HOUR * 3, hour_start(now) - HOUR * 2]
    seed_heartbeats(database, hours)
    copy_hours(database_url, tmp_path, hours)
    passed, _ = check_results(database_url, tmp_path)["heartbeats_rows_match_postgres"]
    assert passed

    partition = WarehouseLayout(tmp_path).partition_file("heartbeats", hours[1])
    pl.read_parquet(partition).head(-1).write_parquet(partition)  # one row lost
    passed, metadata = check_results(database_url, tmp_path)["heartbeats_rows_match_postgres"]
    assert not passed
    assert metadata["mismatched_hours"] == 1
    assert f"{hours[1]:%Y-%m-%d %H}:00 postgres=12 warehouse=11" in str(metadata["first"])


def test_an_hour_postgres_has_but_the_warehouse_never_copied_fails_the_check(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    now = datetime(2026, 6, 15, 12, 50, tzinfo=UTC)
    hour = datetime(2026, 6, 15, 10, tzinfo=UTC)
    seed_heartbeats(database, [hour])
    from warehouse.extract import HEARTBEATS

    (missing,) = checks.copied_row_mismatches(
        WarehouseLayout(tmp_path),
        PlatformDatabase(url=database_url).libpq_url(),
        HEARTBEATS,
        now,
        timedelta(days=14),
    )
    assert (missing.hour, missing.postgres, missing.warehouse) == (hour, 12, None)


def test_rollup_freshness_names_the_hours_and_day_not_written(tmp_path: Path) -> None:
    layout = WarehouseLayout(tmp_path)
    now = datetime(2026, 6, 15, 12, 50, tzinfo=UTC)  # 11:00's partition is due since 11:35+1h
    assert checks.missing_hourly_partitions(layout, "device_hourly", now, timedelta(days=1)) == [
        datetime(2026, 6, 15, 11, tzinfo=UTC)
    ]
    for hour in (8, 9, 11):
        path = layout.partition_file("device_hourly", datetime(2026, 6, 15, hour, tzinfo=UTC))
        path.parent.mkdir(parents=True)
        pl.DataFrame({"x": [1]}).write_parquet(path)
    assert checks.missing_hourly_partitions(layout, "device_hourly", now, timedelta(days=1)) == [
        datetime(2026, 6, 15, 10, tzinfo=UTC)
    ]
    assert checks.missing_daily_partition(layout, "device_daily", now) == datetime(
        2026, 6, 14, tzinfo=UTC
    )


@op
def explode() -> None:
    raise RuntimeError("the warehouse disk is full")


@op
def fine() -> None:
    pass


@job
def nightly() -> None:
    explode()


@job(name="nightly")
def nightly_fixed() -> None:
    fine()


def open_operator_alerts(database: Database) -> list[OperatorAlert]:
    with database.sessions() as session:
        return list(
            session.scalars(select(OperatorAlert).where(OperatorAlert.resolved_at.is_(None)))
        )


def _evaluate(
    sensor: Any,
    instance: DagsterInstance,
    result: ExecuteInProcessResult,
    database_url: str,
    failure: bool,
) -> None:
    event = next(
        e
        for e in result.all_events
        if e.event_type_value == ("PIPELINE_FAILURE" if failure else "PIPELINE_SUCCESS")
    )
    context = build_run_status_sensor_context(
        sensor_name=sensor.name,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=event,
        resources={"platform_db": PlatformDatabase(url=database_url)},
    )
    sensor(context.for_run_failure() if failure else context)


def test_a_failed_run_raises_an_operator_alert_that_the_next_success_resolves(
    database: Database, database_url: str
) -> None:
    with instance_for_test() as instance:
        for _ in range(2):
            failed = nightly.execute_in_process(instance=instance, raise_on_error=False)
            assert not failed.success
            _evaluate(run_failure_alerts, instance, failed, database_url, failure=True)
        (alert,) = open_operator_alerts(database)
        assert (alert.kind, alert.dedup_key, alert.occurrences) == (
            "RUN_FAILED",
            "RUN_FAILED:nightly",
            2,
        )
        assert "nightly" in alert.summary
        succeeded = nightly_fixed.execute_in_process(instance=instance)
        _evaluate(run_success_resolves_alerts, instance, succeeded, database_url, failure=False)
    assert open_operator_alerts(database) == []
