"""The alerts job (pipelines/alerts.py): registered, scheduled every minute, and reconciling the
alerts table when run through Dagster."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from pipelines.definitions import defs
from pipelines.resources import PlatformDatabase
from signage.auth.principal import DevicePrincipal
from signage.db.engine import Database
from signage.db.models import Alert, Device
from signage.enums import AlertStatus, AlertType
from signage.telemetry import ingest
from tests.signage.alerts.fleet import heartbeat
from tests.support.demo import Demo


def test_alerts_job_is_scheduled_every_minute_and_running_by_default() -> None:
    repository = defs.get_repository_def()
    assert "alerts_evaluation" in {job.name for job in repository.get_all_jobs()}
    schedule = repository.get_schedule_def("alerts_evaluation_schedule")
    assert schedule.cron_schedule == "* * * * *"
    assert schedule.job_name == "alerts_evaluation"
    assert schedule.default_status.value == "RUNNING"


def test_alerts_job_opens_an_offline_alert_and_refreshes_it_on_the_next_run(
    database: Database, database_url: str, demo: Demo
) -> None:
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
    job = defs.get_job_def("alerts_evaluation")
    resources = {"platform_db": PlatformDatabase(url=database_url)}

    first = job.execute_in_process(resources=resources)
    second = job.execute_in_process(resources=resources)

    assert first.success
    assert second.success
    assert first.output_for_node("evaluate_fleet_alerts")["opened"] == 1
    assert second.output_for_node("evaluate_fleet_alerts")["opened"] == 0
    assert second.output_for_node("evaluate_fleet_alerts")["refreshed"] == 1
    with database.sessions() as session:
        (alert,) = session.scalars(select(Alert)).all()
    assert (alert.device_id, alert.type, alert.status) == (
        principal.device_id,
        AlertType.DEVICE_OFFLINE,
        AlertStatus.OPEN,
    )
