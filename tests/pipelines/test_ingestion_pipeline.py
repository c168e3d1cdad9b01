"""The Dagster side of ingestion: the sensor asks for one run per waiting asset, and the job
ingests it against a real database and storage."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
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
from pipelines.ingestion import failed_ingestion_sensor, processing_assets_sensor, window_closing
from pipelines.ingestion_worker import run_window
from pipelines.resources import MediaStorage, PlatformDatabase
from signage.config import Settings
from signage.content.ingestion import BACKSTOP_AFTER, INGESTION_CHANNEL
from signage.db.models import Asset
from tests.support.media_factory import make_jpeg
from tests.support.redis_server import free_port
from tests.support.uploads import upload
from tests.support.world import VenueWorld


@pytest.fixture
def asset_url(world: VenueWorld, tmp_path: Path) -> str:
    """A JPEG uploaded and completed (PROCESSING); the address of its asset view."""
    photo = make_jpeg(tmp_path / "menu.jpg", 400, 300)
    url = f"/v1/venues/{world.demo.fortescue_id}/assets"
    uploaded = upload(world.client, url, world.as_role("editor"), photo, "image/jpeg")
    return f"{url}/{uploaded['assetId']}"


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


def test_the_sensor_leaves_a_fresh_upload_to_the_worker_and_backs_up_an_old_one(
    world: VenueWorld, database_url: str, tmp_path: Path
) -> None:
    """Issue 18 item 1: the sensor's run is the backstop, for an asset still PROCESSING
    BACKSTOP_AFTER after it was completed (the worker died or is not running)."""
    clock = world.clock
    clock.now = datetime.now(UTC)  # the sensor reads the real time
    photo = make_jpeg(tmp_path / "menu.jpg", 400, 300)
    url = f"/v1/venues/{world.demo.fortescue_id}/assets"
    asset_id = upload(world.client, url, world.as_role("editor"), photo, "image/jpeg")["assetId"]
    platform_db = PlatformDatabase(url=database_url)
    assert run_sensor(platform_db) == []  # the worker's

    with world.database.unit_of_work() as session:
        asset = session.get_one(Asset, uuid.UUID(asset_id))
        asset.processing_started_at = clock.now - BACKSTOP_AFTER - timedelta(seconds=1)
    assert [r.run_key for r in run_sensor(platform_db)] == [f"ingest-{asset_id}"]


def test_the_sensor_requests_one_run_per_processing_asset_and_the_job_makes_it_ready(
    client: TestClient, settings: Settings, database_url: str, asset_url: str, as_role, monkeypatch
) -> None:
    platform_db = PlatformDatabase(url=database_url)
    requests = run_sensor(platform_db)  # completed at the fixed clock's time: long ago
    assert [r.run_key for r in requests] == [f"ingest-{asset_url.rsplit('/', 1)[1]}"]

    result = run_ingest_job(platform_db, settings, requests[0], monkeypatch)
    assert result.success
    assert result.output_for_node("ingest") == "READY"
    assert client.get(asset_url, headers=as_role("editor")).json()["status"] == "READY"
    again = run_sensor(platform_db)
    assert again == []


def test_a_run_that_fails_on_storage_marks_the_asset_failed_with_a_reason(
    world: VenueWorld, settings: Settings, database_url: str, asset_url: str, monkeypatch
) -> None:
    """Issue 13 item 9: the media directory cannot be written while the run ingests."""
    # A regular file where the tenant's assets directory goes: every mkdir and open under it
    # fails with ENOTDIR, for root too (chmod would not stop root).
    assets_dir = settings.media_dir / str(world.demo.tenant_id) / "assets"
    if assets_dir.exists():
        assets_dir.rename(assets_dir.with_name("assets-moved-aside"))
    assets_dir.write_bytes(b"")

    platform_db = PlatformDatabase(url=database_url)
    result = run_ingest_job(platform_db, settings, run_sensor(platform_db)[0], monkeypatch)
    assert not result.success  # operators see the run fail...
    body = world.client.get(asset_url, headers=world.as_role("editor")).json()
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


def window_resources(
    settings: Settings, database_url: str
) -> tuple[PlatformDatabase, MediaStorage]:
    return PlatformDatabase(url=database_url), MediaStorage(local_root=str(settings.media_dir))


def test_a_worker_window_ingests_what_waits_as_a_dagster_run_with_its_logs(
    world: VenueWorld, settings: Settings, database_url: str, tmp_path: Path, monkeypatch
) -> None:
    """Issue 18 item 1: executed in the worker's process, recorded in Dagster as a run."""
    client, as_role = world.client, world.as_role
    monkeypatch.setenv("SIGNAGE_JWT_SECRET", settings.jwt_secret_value())
    world.clock.now = datetime.now(UTC)  # a fresh upload: the worker's, not the sensor's
    photo = make_jpeg(tmp_path / "menu.jpg", 400, 300)
    url = f"/v1/venues/{world.demo.fortescue_id}/assets"
    asset_id = upload(client, url, as_role("editor"), photo, "image/jpeg")["assetId"]
    instance = DagsterInstance.ephemeral()

    result = run_window(instance, *window_resources(settings, database_url), window_seconds=0.5)
    assert result.success
    assert client.get(f"{url}/{asset_id}", headers=as_role("editor")).json()["status"] == "READY"
    [run] = instance.get_runs()
    assert (run.job_name, run.tags["assets"]) == ("ingest_uploads_job", "1")
    logged = [e.user_message for e in instance.all_logs(run.run_id)]
    assert f"asset {asset_id}: READY" in logged


def test_a_window_leaves_an_asset_past_the_backstop_to_the_sensor_and_leaves_no_run(
    client: TestClient, settings: Settings, database_url: str, asset_url: str, as_role
) -> None:
    """The fixture's asset completed at the fixed clock's time, long ago: the sensor's."""
    instance = DagsterInstance.ephemeral()
    result = run_window(instance, *window_resources(settings, database_url), window_seconds=0.2)
    assert result.success
    assert client.get(asset_url, headers=as_role("editor")).json()["status"] == "PROCESSING"
    assert instance.get_runs() == []  # an empty window is not kept


def test_an_announced_upload_wakes_the_open_window(
    world: VenueWorld, settings: Settings, database_url: str, tmp_path: Path, monkeypatch
) -> None:
    """The completion's NOTIFY wakes the open run (it would otherwise look only every
    IDLE_LOOK_SECONDS, set far beyond this test's patience here)."""
    client, as_role = world.client, world.as_role
    monkeypatch.setenv("SIGNAGE_JWT_SECRET", settings.jwt_secret_value())
    monkeypatch.setattr("pipelines.ingestion.IDLE_LOOK_SECONDS", 600.0)
    world.clock.now = datetime.now(UTC)
    instance = DagsterInstance.ephemeral()
    resources = window_resources(settings, database_url)
    window = threading.Thread(target=run_window, args=(instance, *resources), daemon=True)
    window.start()
    try:
        wait_until(lambda: instance.get_runs(), "the window opened")
        time.sleep(0.5)  # let it LISTEN and go idle: the upload must wake it
        url = f"/v1/venues/{world.demo.fortescue_id}/assets"
        photo = make_jpeg(tmp_path / "late.jpg", 400, 300)
        asset_id = upload(client, url, as_role("editor"), photo, "image/jpeg")["assetId"]
        asset_url = f"{url}/{asset_id}"
        wait_until(
            lambda: client.get(asset_url, headers=as_role("editor")).json()["status"] == "READY",
            "the asset READY",
        )
    finally:
        window_closing.set()
        with psycopg.connect(PlatformDatabase(url=database_url).libpq_url()) as waker:
            waker.execute(f"NOTIFY {INGESTION_CHANNEL}")  # wakes the window to close
        window.join(timeout=30)
        window_closing.clear()


def wait_until(condition: Callable[[], object], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.1)
