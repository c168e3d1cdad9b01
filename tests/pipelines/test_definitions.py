from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from itertools import takewhile
from pathlib import Path

import pytest
from dagster import DefaultScheduleStatus, DefaultSensorStatus, Definitions, EnvVar
from dagster._utils.schedules import cron_string_iterator
from sqlalchemy import select

from pipelines.definitions import defs
from pipelines.resources import (
    BackupStore,
    MediaStorage,
    PlatformDatabase,
    Warehouse,
    deployment_resources,
)
from signage.db.engine import Database
from signage.db.models import (
    Device,
    DeviceCommand,
    DevicePairing,
    EditorPresence,
    User,
    Venue,
)
from signage.enums import CommandStatus, CommandType, PairingStatus, PresenceResourceType
from signage.tenancy.demo import seed_demo


def test_definitions_load_with_their_jobs_and_schedules() -> None:
    repository = defs.get_repository_def()
    assert "presence_retention" in {job.name for job in repository.get_all_jobs()}
    assert {s.name for s in repository.schedule_defs} >= {"presence_retention_schedule"}


OPERATIONS = Path(__file__).parents[2] / "docs" / "operations.md"


def documented_opt_ins() -> set[str]:
    """The names docs/operations.md lists after "Opt-in schedules and sensors" (or none)."""
    text = " ".join(OPERATIONS.read_text().split())
    found = re.search(r"Opt-in schedules and sensors \([^)]*\): ([^.]*)\.", text)
    assert found, "docs/operations.md no longer says which schedules and sensors are opt-in"
    return set(re.findall(r"`([a-z_]+)`", found.group(1)))


def test_every_schedule_and_sensor_runs_by_default_unless_the_docs_call_it_opt_in() -> None:
    """Issue 15 item 3: a cleanup the docs say runs must not start stopped."""
    repository = defs.get_repository_def()
    opt_in = documented_opt_ins()
    statuses = {
        **{
            s.name: s.default_status is DefaultScheduleStatus.RUNNING
            for s in repository.schedule_defs
        },
        **{s.name: s.default_status is DefaultSensorStatus.RUNNING for s in repository.sensor_defs},
    }
    assert opt_in <= statuses.keys(), "the docs name an opt-in that does not exist"
    assert {name for name, running in statuses.items() if not running} == opt_in


def test_presence_retention_deletes_only_expired_rows(
    database: Database, database_url: str
) -> None:
    now = datetime.now(UTC)
    with database.unit_of_work() as session:
        seed_demo(session, "pw-for-presence")
        user = session.scalars(select(User)).first()
        assert user is not None
        for minutes in (-5, -1, 3):
            session.add(
                EditorPresence(
                    tenant_id=user.tenant_id,
                    resource_type=PresenceResourceType.PLAYLIST,
                    resource_id=uuid.uuid4(),
                    user_id=user.id,
                    expires_at=now + timedelta(minutes=minutes),
                )
            )
    job = defs.get_job_def("presence_retention")
    result = job.execute_in_process(resources={"platform_db": PlatformDatabase(url=database_url)})
    assert result.success
    assert result.output_for_node("prune_presence") == 2
    with database.sessions() as session:
        remaining = session.scalars(select(EditorPresence)).all()
    assert len(remaining) == 1
    assert remaining[0].expires_at > now


def test_device_housekeeping_expires_stale_pairings_and_commands(
    database: Database, database_url: str
) -> None:
    past = datetime.now(UTC) - timedelta(hours=25)
    with database.unit_of_work() as session:
        seed_demo(session, "pw-for-housekeeping")
        user = session.scalars(select(User)).first()
        assert user is not None
        venue = session.scalars(select(Venue).where(Venue.tenant_id == user.tenant_id)).first()
        assert venue is not None
        device = Device(tenant_id=venue.tenant_id, venue_id=venue.id, name="Old")
        session.add(device)
        session.flush()
        session.add(
            DeviceCommand(
                tenant_id=venue.tenant_id,
                venue_id=venue.id,
                device_id=device.id,
                type=CommandType.REBOOT_APP,
                issued_at=past,
                expires_at=past + timedelta(hours=24),
            )
        )
        session.add(
            DevicePairing(
                pairing_code="ABCDEFGH",
                pairing_secret_hash="0" * 64,
                device_hardware_id="hw-1",
                expires_at=past,
            )
        )
    job = defs.get_job_def("device_housekeeping")
    result = job.execute_in_process(resources={"platform_db": PlatformDatabase(url=database_url)})
    assert result.output_for_node("expire_device_housekeeping") == {"pairings": 1, "commands": 1}
    with database.sessions() as session:
        assert session.scalar(select(DeviceCommand.status)) is CommandStatus.EXPIRED
        assert session.scalar(select(DevicePairing.status)) is PairingStatus.EXPIRED


def test_no_schedule_launches_a_run_more_often_than_every_ten_minutes() -> None:
    """Issue 15 item 10: a run is a new process costing seconds of CPU; minute-level work is
    done in a sensor tick (alerts_sensor), not a run a minute."""
    day = datetime(2026, 6, 15, tzinfo=UTC)
    end = day + timedelta(days=1)
    for schedule in defs.get_repository_def().schedule_defs:
        cron = schedule.cron_schedule
        assert isinstance(cron, str)  # one cron string each: a list would need summing
        ticks = cron_string_iterator(day.timestamp(), cron, "UTC")
        per_day = sum(1 for _ in takewhile(lambda tick: tick < end, ticks))
        assert per_day <= 144, f"{schedule.name} runs {per_day} times a day"


def test_the_definitions_load_and_run_with_test_resources(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    """As Dagster's examples' test_defs: the code location loads, every job and sensor finds
    each resource it asks for among the test set, and a job runs on them (issue 14 item 5)."""
    test_resources = {
        "platform_db": PlatformDatabase(url=database_url),
        "warehouse": Warehouse(root=str(tmp_path / "warehouse")),
        "media": MediaStorage(local_root=str(tmp_path / "media")),
        "backup_store": BackupStore(local_root=str(tmp_path / "backups")),
    }
    Definitions.validate_loadable(defs)
    repository = defs.get_repository_def()
    for job in repository.get_all_jobs():  # io_manager: Dagster's own default
        assert job.required_resource_keys - {"io_manager"} <= test_resources.keys(), job.name
    for sensor in repository.sensor_defs:
        assert sensor.required_resource_keys <= test_resources.keys(), sensor.name

    result = defs.get_job_def("device_housekeeping").execute_in_process(resources=test_resources)

    assert result.success
    assert result.output_for_node("expire_device_housekeeping") == {"pairings": 0, "commands": 0}


def test_each_deployment_has_its_resource_set_and_production_names_its_variable(
    database: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14 item 5: as Dagster's examples pick resources per deployment. Production's
    database comes from SIGNAGE_DATABASE_URL by name (the UI shows the name, not the URL);
    elsewhere from the SIGNAGE_* settings, whose embedded default exists only at run time."""
    assert deployment_resources("development")["platform_db"].url == ""
    production = deployment_resources("production")
    assert production.keys() == deployment_resources("development").keys()
    assert production["platform_db"].url == EnvVar("SIGNAGE_DATABASE_URL")

    monkeypatch.setenv("SIGNAGE_DATABASE_URL", database_url)
    job = defs.get_job_def("device_housekeeping")
    result = job.execute_in_process(resources={"platform_db": production["platform_db"]})
    assert result.success
