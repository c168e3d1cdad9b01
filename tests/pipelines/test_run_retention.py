"""Dagster's own storage stays bounded (issue 15 item 10): the instance `make run` uses
(dagster_home/dagster.yaml) purges old ticks, and the run-retention job deletes old
successful runs of the op jobs, keeping failures, asset runs and the recent past."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus
from dagster._core.definitions.run_request import InstigatorType

from pipelines.definitions import defs
from pipelines.resources import PlatformDatabase, Warehouse
from pipelines.run_retention import PRUNED_JOBS, RUN_RETENTION_JOB, prune_successful_runs

DAGSTER_HOME = Path(__file__).parents[2] / "dagster_home"
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/nowhere"


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DagsterInstance]:
    """The platform's own instance configuration, its storage in a temporary directory."""
    monkeypatch.setenv("SIGNAGE_DAGSTER_STORAGE_DIR", str(tmp_path / "dagster"))
    instance = DagsterInstance.from_config(str(DAGSTER_HOME))
    yield instance
    instance.dispose()


def alerts_run(instance: DagsterInstance, database_url: str) -> str:
    result = defs.get_job_def("alerts_evaluation").execute_in_process(
        instance=instance,
        resources={"platform_db": PlatformDatabase(url=database_url)},
        raise_on_error=False,
    )
    return result.run_id


def test_the_instance_purges_schedule_and_sensor_ticks(instance: DagsterInstance) -> None:
    for instigator in (InstigatorType.SCHEDULE, InstigatorType.SENSOR):
        days = instance.get_tick_retention_settings(instigator)
        assert all(0 < kept <= 30 for kept in days.values()), (instigator, days)


def test_old_successful_op_runs_go_and_failures_asset_runs_and_recent_runs_stay(
    instance: DagsterInstance, database_url: str, tmp_path: Path
) -> None:
    old_successes = [alerts_run(instance, database_url) for _ in range(2)]
    failure = alerts_run(instance, UNREACHABLE)
    timelines = (
        defs.resolve_job_def("venue_timelines")
        .execute_in_process(
            instance=instance,
            resources={
                "platform_db": PlatformDatabase(url=database_url),
                "warehouse": Warehouse(root=str(tmp_path / "warehouse")),
            },
        )
        .run_id
    )
    cutoff = datetime.now(UTC)
    recent = alerts_run(instance, database_url)
    assert instance.get_run_by_id(failure).status is DagsterRunStatus.FAILURE  # type: ignore[union-attr]

    assert prune_successful_runs(instance, PRUNED_JOBS, cutoff) == 2
    for run_id in old_successes:
        assert instance.get_run_by_id(run_id) is None
        assert instance.all_logs(run_id) == []
    assert {failure, timelines, recent} <= {r.run_id for r in instance.get_runs()}

    # The scheduled job itself, with nothing kept: the recent success goes too.
    pruning = defs.get_job_def(RUN_RETENTION_JOB).execute_in_process(
        instance=instance,
        run_config={"ops": {"prune_old_successful_runs": {"config": {"keep_days": 0}}}},
    )
    assert pruning.output_for_node("prune_old_successful_runs") == 1
    assert {r.run_id for r in instance.get_runs()} == {failure, timelines, pruning.run_id}
