"""Alerts in Dagster (pipelines/alerts.py): a sensor evaluates them every minute in its own tick
without launching a run (issue 15 item 10), and the job does the same when run by hand; both
reconcile the alerts table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dagster import DefaultSensorStatus, build_sensor_context, instance_for_test
from sqlalchemy import select

from pipelines.alerts import alerts_sensor
from pipelines.definitions import defs
from pipelines.resources import PlatformDatabase
from signage.auth.principal import DevicePrincipal
from signage.db.engine import Database
from signage.db.models import Alert, Device
from signage.enums import AlertStatus, AlertType
from signage.telemetry import ingest
from tests.signage.alerts.fleet import heartbeat
from tests.support.demo import Demo


def test_alerts_are_evaluated_every_minute_by_a_running_sensor_not_a_scheduled_run() -> None:
    repository = defs.get_repository_def()
    sensor = repository.get_sensor_def("alerts_sensor")
    assert sensor.minimum_interval_seconds == 60
    assert sensor.default_status is DefaultSensorStatus.RUNNING
    assert sensor.targets == []  # it launches no run
    scheduled_jobs = {schedule.job_name for schedule in repository.schedule_defs}
    assert "alerts_evaluation" not in scheduled_jobs
    assert "alerts_evaluation" in {job.name for job in repository.get_all_jobs()}  # by hand


def offline_device(database: Database, demo: Demo) -> DevicePrincipal:
    """A device whose last heartbeat was 10 minutes ago: offline by the §21 rule."""
    now = datetime.now(UTC)
    with database.unit_of_work() as session:
        device = Device(
            tenant_id=demo.tenant_id,
            venue_id=demo.fortescue_id,
            name="Bar",
            created_at=now - timedelta(hours=1),
        )
        session.add(device)
        session.flush()
        principal = DevicePrincipal(device.id, device.venue_id, device.tenant_id)
        ingest.record_heartbeat(session, principal, heartbeat(), now - timedelta(minutes=10))
    return principal


def assert_one_open_offline_alert(database: Database, principal: DevicePrincipal) -> None:
    with database.sessions() as session:
        (alert,) = session.scalars(select(Alert)).all()
    assert (alert.device_id, alert.type, alert.status) == (
        principal.device_id,
        AlertType.DEVICE_OFFLINE,
        AlertStatus.OPEN,
    )


def test_the_sensor_tick_opens_an_offline_alert_then_refreshes_it_and_launches_no_run(
    database: Database, database_url: str, demo: Demo
) -> None:
    principal = offline_device(database, demo)
    resources = {"platform_db": PlatformDatabase(url=database_url)}
    with instance_for_test() as instance:
        ticks = []
        for _ in range(2):
            context = build_sensor_context(
                instance=instance, repository_def=defs.get_repository_def(), resources=resources
            )
            ticks.append(alerts_sensor.evaluate_tick(context))
        assert instance.get_runs() == []
    first, second = (tick.skip_message or "" for tick in ticks)
    assert all(not tick.run_requests for tick in ticks)
    assert "'opened': 1" in first
    assert "'opened': 0" in second
    assert "'refreshed': 1" in second
    assert_one_open_offline_alert(database, principal)


def test_alerts_job_opens_an_offline_alert_and_refreshes_it_on_the_next_run(
    database: Database, database_url: str, demo: Demo
) -> None:
    principal = offline_device(database, demo)
    job = defs.get_job_def("alerts_evaluation")
    resources = {"platform_db": PlatformDatabase(url=database_url)}

    first = job.execute_in_process(resources=resources)
    second = job.execute_in_process(resources=resources)

    assert first.success
    assert second.success
    assert first.output_for_node("evaluate_fleet_alerts")["opened"] == 1
    assert second.output_for_node("evaluate_fleet_alerts")["opened"] == 0
    assert second.output_for_node("evaluate_fleet_alerts")["refreshed"] == 1
    assert_one_open_offline_alert(database, principal)
