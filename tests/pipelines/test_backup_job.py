"""The scheduled backup (issue 16 item 4): the job takes a backup through signage.backups and
shows it (id, sizes, duration, object key) in the run's metadata; it runs nightly by default."""

from __future__ import annotations

from pathlib import Path

from dagster import DefaultScheduleStatus
from fastapi import FastAPI

from pipelines.backups import BACKUP_JOB
from pipelines.definitions import defs
from pipelines.resources import BackupStore, MediaStorage, PlatformDatabase, Warehouse
from signage.backups.service import list_backups
from tests.support.content import ready_asset
from tests.support.demo import Demo


def test_the_job_backs_up_and_records_the_backup_in_its_metadata(
    app: FastAPI, demo: Demo, database_url: str, tmp_path: Path
) -> None:
    asset = ready_asset(app, demo.tenant_id, seed=4)
    store = BackupStore(local_root=str(tmp_path / "backups"))
    result = defs.get_job_def(BACKUP_JOB).execute_in_process(
        resources={
            "platform_db": PlatformDatabase(url=database_url),
            "media": MediaStorage(local_root=str(app.state.context.storage.root)),
            "warehouse": Warehouse(root=str(tmp_path / "warehouse")),
            "backup_store": store,
        },
        run_config={"ops": {"back_up_platform": {"config": {"keep": 3}}}},
    )
    assert result.success
    [listed] = list_backups(store.storage())
    assert result.output_for_node("back_up_platform") == listed.backup_id
    [materialised] = [
        event.event_specific_data.metadata  # type: ignore[union-attr]
        for event in result.all_node_events
        if event.event_type_value == "STEP_OUTPUT"
    ]
    assert materialised["database_key"].value == listed.database_key
    assert materialised["database_bytes"].value == listed.database_bytes > 0
    assert materialised["media_objects"].value == 1
    assert materialised["media_bytes"].value == len(asset.data)
    assert materialised["pruned"].value == "none"


def test_the_backup_runs_nightly_by_default() -> None:
    schedule = defs.get_repository_def().get_schedule_def("platform_backup_schedule")
    assert schedule.default_status is DefaultScheduleStatus.RUNNING
    assert schedule.job_name == BACKUP_JOB
