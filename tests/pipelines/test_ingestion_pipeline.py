"""The Dagster side of ingestion: the sensor asks for one run per waiting asset, and the job
ingests it against a real database and storage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import (
    DagsterInstance,
    ExecuteInProcessResult,
    RunRequest,
    build_run_status_sensor_context,
    build_sensor_context,
)
from fastapi.testclient import TestClient

from pipelines.definitions import defs
from pipelines.ingestion import MediaStorage, failed_ingestion_sensor, processing_assets_sensor
from pipelines.resources import PlatformDatabase
from signage.config import Settings
from tests.support.demo import Demo
from tests.support.media_factory import make_jpeg
from tests.support.redis_server import free_port
from tests.support.uploads import upload


@pytest.fixture
def asset_url(client: TestClient, demo: Demo, as_role, tmp_path: Path) -> str:
    """A JPEG uploaded and completed (PROCESSING); the address of its asset view."""
    photo = make_jpeg(tmp_path / "menu.jpg", 400, 300)
    url = f"/v1/venues/{demo.fortescue_id}/assets"
    return f"{url}/{upload(client, url, as_role('editor'), photo, 'image/jpeg')['assetId']}"


def run_sensor(platform_db: PlatformDatabase) -> list[RunRequest]:
    context = build_sensor_context(resources={"platform_db": platform_db})
    evaluation = processing_assets_sensor(context)
    assert isinstance(evaluation, Iterator)
    return [r for r in evaluation if isinstance(r, RunRequest)]


def run_ingest_job(
    platform_db: PlatformDatabase,
    settings: Settings,
    request: RunRequest,
    monkeypatch,
    instance: DagsterInstance | None = None,
) -> ExecuteInProcessResult:
    """Execute the ingestion job for one sensor request, as the daemon would."""
    # The job reads SIGNAGE_* settings at run time, as the daemon's runs do.
    monkeypatch.setenv("SIGNAGE_JWT_SECRET", settings.jwt_secret_value())
    monkeypatch.setenv("SIGNAGE_DATA_DIR", str(settings.data_dir))
    return defs.get_job_def("ingest_asset_job").execute_in_process(
        run_config=request.run_config,
        resources={
            "platform_db": platform_db,
            "media": MediaStorage(local_root=str(settings.media_dir)),
        },
        raise_on_error=False,
        instance=instance,
        tags=request.tags,
    )


def test_the_sensor_requests_one_run_per_processing_asset_and_the_job_makes_it_ready(
    client: TestClient, settings: Settings, database_url: str, asset_url: str, as_role, monkeypatch
) -> None:
    platform_db = PlatformDatabase(url=database_url)
    requests = run_sensor(platform_db)
    assert [r.run_key for r in requests] == [f"ingest-{asset_url.rsplit('/', 1)[1]}"]

    result = run_ingest_job(platform_db, settings, requests[0], monkeypatch)
    assert result.success
    assert result.output_for_node("ingest") == "READY"
    assert client.get(asset_url, headers=as_role("editor")).json()["status"] == "READY"
    again = run_sensor(platform_db)
    assert again == []


def test_a_run_that_fails_on_storage_marks_the_asset_failed_with_a_reason(
    demo: Demo,
    client: TestClient,
    settings: Settings,
    database_url: str,
    asset_url: str,
    as_role,
    monkeypatch,
) -> None:
    """Issue 13 item 9: the media directory cannot be written while the run ingests."""
    # A regular file where the tenant's assets directory goes: every mkdir and open under it
    # fails with ENOTDIR, for root too (chmod would not stop root).
    assets_dir = settings.media_dir / str(demo.tenant_id) / "assets"
    if assets_dir.exists():
        assets_dir.rename(assets_dir.with_name("assets-moved-aside"))
    assets_dir.write_bytes(b"")

    platform_db = PlatformDatabase(url=database_url)
    result = run_ingest_job(platform_db, settings, run_sensor(platform_db)[0], monkeypatch)
    assert not result.success  # operators see the run fail...
    body = client.get(asset_url, headers=as_role("editor")).json()
    assert body["status"] == "FAILED"  # ...and the asset does not sit in PROCESSING
    assert body["failureReason"] == "INTERNAL_ERROR"
    assert "storage" in body["failureDetail"]
    assert "upload it again" in body["failureDetail"].lower()
    assert body["failedAtUtc"]
    assert run_sensor(platform_db) == []  # nothing left waiting


def test_a_run_that_fails_before_settling_its_asset_is_settled_by_the_failure_sensor(
    client: TestClient, settings: Settings, database_url: str, asset_url: str, as_role, monkeypatch
) -> None:
    """Issue 13 item 9: the run could not reach the database, so it could not mark the asset
    itself; the run-failure sensor does, instead of the hourly cleanup much later."""
    platform_db = PlatformDatabase(url=database_url)
    request = run_sensor(platform_db)[0]
    unreachable = PlatformDatabase(url=f"postgresql+psycopg://signage@127.0.0.1:{free_port()}/x")
    instance = DagsterInstance.ephemeral()
    failed = run_ingest_job(unreachable, settings, request, monkeypatch, instance=instance)
    assert not failed.success
    status = client.get(asset_url, headers=as_role("editor")).json()["status"]
    assert status == "PROCESSING"  # the run could not record anything

    context = build_run_status_sensor_context(
        sensor_name="failed_ingestion_sensor",
        dagster_event=failed.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=failed.dagster_run,
        resources={"platform_db": platform_db},
    ).for_run_failure()
    failed_ingestion_sensor(context)

    body = client.get(asset_url, headers=as_role("editor")).json()
    assert (body["status"], body["failureReason"]) == ("FAILED", "INTERNAL_ERROR")
    assert "upload it again" in body["failureDetail"].lower()
    failed_ingestion_sensor(context)  # a second look changes nothing
    assert client.get(asset_url, headers=as_role("editor")).json() == body
