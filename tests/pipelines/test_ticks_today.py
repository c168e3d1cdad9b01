"""Every sensor and schedule evaluated as the daemon evaluates it, on the real clock's today,
against a real Dagster instance and database (issue 15 item 9): a run request that names a
partition which does not exist yet fails the whole tick, and only the real date shows it (a
fixed past date always has its partitions)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dagster import (
    DagsterInstance,
    RunRequest,
    build_schedule_context,
    build_sensor_context,
    instance_for_test,
)
from fastapi import FastAPI

from pipelines.definitions import defs
from pipelines.publishing import publishes_sensor
from pipelines.resources import PlatformDatabase, Warehouse
from signage.config import Settings
from signage.tenancy.demo_content import seed_demo_content
from tests.support.clock import FakeClock
from tests.support.demo import Demo
from warehouse import publishing
from warehouse.layout import WarehouseLayout


@pytest.fixture
def clock() -> FakeClock:
    """The API's clock on the real time, so the demo content is published today."""
    return FakeClock(datetime.now(UTC))


@pytest.fixture
def instance() -> Iterator[DagsterInstance]:
    with instance_for_test() as instance:
        yield instance


@pytest.fixture
def published_today(
    app: FastAPI, demo: Demo, settings: Settings, clock: FakeClock, database_url: str
) -> PlatformDatabase:
    seed_demo_content(app.state.context.database, app.state.context.storage, settings, clock)
    return PlatformDatabase(url=database_url)


def assert_partitions_exist(requests: list[RunRequest], default_job: str | None) -> None:
    repository = defs.get_repository_def()
    for request in requests:
        if request.partition_key is None:
            continue
        job_name = request.job_name or default_job
        assert job_name is not None
        partitions = repository.get_job(job_name).partitions_def
        assert partitions is not None, f"{job_name} is not partitioned"
        assert partitions.has_partition_key(request.partition_key), (
            f"{job_name} has no partition {request.partition_key} at {datetime.now(UTC)}"
        )


def test_a_publish_today_asks_for_todays_copy_and_the_copy_runs(
    published_today: PlatformDatabase, demo: Demo, instance: DagsterInstance, tmp_path: Path
) -> None:
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    context = build_sensor_context(
        instance=instance,
        repository_def=defs.get_repository_def(),
        resources={"platform_db": published_today},
    )
    # evaluate_tick resolves each request's partition as the daemon does (it raised
    # DagsterUnknownPartitionError for today while the day's partition did not exist yet).
    evaluation = publishes_sensor.evaluate_tick(context)
    requests = list(evaluation.run_requests or [])
    copies = [r for r in requests if r.job_name == "publish_events_daily"]
    assert [r.partition_key for r in copies] == [today]
    assert_partitions_exist(requests, None)

    result = defs.resolve_job_def("publish_events_daily").execute_in_process(
        instance=instance,
        partition_key=today,
        resources={"platform_db": published_today, "warehouse": Warehouse(root=str(tmp_path))},
    )
    assert result.success
    history = publishing.publish_history(
        WarehouseLayout(tmp_path),
        str(demo.tenant_id),
        datetime.now(UTC) - timedelta(days=1),
        datetime.now(UTC) + timedelta(days=1),
    )
    assert history.height == 3  # the demo content's two playlists and its schedule


def test_every_sensor_names_only_partitions_that_exist_today(
    published_today: PlatformDatabase, instance: DagsterInstance
) -> None:
    repository = defs.get_repository_def()
    assert repository.sensor_defs
    for sensor in repository.sensor_defs:
        context = build_sensor_context(
            instance=instance,
            repository_def=repository,
            resources={"platform_db": published_today},
        )
        evaluation = sensor.evaluate_tick(context)
        targets = sensor.targets
        default_job = targets[0].job_name if len(targets) == 1 else None
        assert_partitions_exist(list(evaluation.run_requests or []), default_job)


def test_every_schedule_names_only_partitions_that_exist_today(
    published_today: PlatformDatabase, instance: DagsterInstance
) -> None:
    repository = defs.get_repository_def()
    now = datetime.now(UTC)
    for schedule in repository.schedule_defs:
        context = build_schedule_context(
            instance=instance,
            scheduled_execution_time=now,
            repository_def=repository,
            resources={"platform_db": published_today},
        )
        evaluation = schedule.evaluate_tick(context)
        assert evaluation.run_requests, f"{schedule.name} asked for nothing"
        assert_partitions_exist(list(evaluation.run_requests), schedule.job_name)


def test_the_nightly_copy_takes_the_whole_day_that_ended(instance: DagsterInstance) -> None:
    now = datetime.now(UTC)
    repository = defs.get_repository_def()
    schedule = repository.get_schedule_def("publish_events_daily_schedule")
    context = build_schedule_context(
        instance=instance, scheduled_execution_time=now, repository_def=repository
    )
    [request] = schedule.evaluate_tick(context).run_requests or []
    assert request.partition_key == (now - timedelta(days=1)).strftime("%Y-%m-%d")
