"""The Dagster side of ingestion: the sensor asks for one run per waiting asset, and the job
ingests it against a real database and storage."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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


@dataclass
class Ingestion:
    """What these tests drive: the demo world, the settings a run reads and Dagster's resources
    on the same database and media folder."""

    world: VenueWorld
    settings: Settings
    platform_db: PlatformDatabase
    media: MediaStorage

    def asset(self, asset_url: str) -> dict:
        """The asset's view, as its editor reads it."""
        world = self.world
        return world.client.get(asset_url, headers=world.as_role("editor")).json()

    def upload_photo(self, folder: Path, name: str = "menu.jpg") -> str:
        """A JPEG uploaded and completed now; the address of its asset view."""
        world = self.world
        photo = make_jpeg(folder / name, 400, 300)
        url = f"/v1/venues/{world.demo.fortescue_id}/assets"
        uploaded = upload(world.client, url, world.as_role("editor"), photo, "image/jpeg")
        return f"{url}/{uploaded['assetId']}"


@pytest.fixture
def ingestion(world: VenueWorld, settings: Settings, database_url: str) -> Ingestion:
    return Ingestion(
        world,
        settings,
        PlatformDatabase(url=database_url),
        MediaStorage(local_root=str(settings.media_dir)),
    )


@pytest.fixture
def asset_url(ingestion: Ingestion, tmp_path: Path) -> str:
    """A JPEG uploaded and completed at the fixed clock's time, long ago (PROCESSING)."""
    return ingestion.upload_photo(tmp_path)


def run_sensor(platform_db: PlatformDatabase) -> list[RunRequest]:
    context = build_sensor_context(resources={"platform_db": platform_db})
    evaluation = processing_assets_sensor(context)
    assert isinstance(evaluation, Iterator)
    return [r for r in evaluation if isinstance(r, RunRequest)]


def run_ingest_job(
    ingestion: Ingestion,
    request: RunRequest,
    monkeypatch,
    instance: DagsterInstance | None = None,
    platform_db: PlatformDatabase | None = None,
) -> ExecuteInProcessResult:
    """Execute the ingestion job for one sensor request, as the daemon would (on another
    database than the platform's when `platform_db` is given)."""
    # The job reads SIGNAGE_* settings at run time, as the daemon's runs do.
    settings = ingestion.settings
    monkeypatch.setenv("SIGNAGE_JWT_SECRET", settings.jwt_secret_value())
    monkeypatch.setenv("SIGNAGE_DATA_DIR", str(settings.data_dir))
    return defs.get_job_def("ingest_asset_job").execute_in_process(
        run_config=request.run_config,
        resources={"platform_db": platform_db or ingestion.platform_db, "media": ingestion.media},
        raise_on_error=False,
        instance=instance,
        tags=request.tags,
    )


def test_the_sensor_leaves_a_fresh_upload_to_the_worker_and_backs_up_an_old_one(
    ingestion: Ingestion, tmp_path: Path
) -> None:
    """Issue 18 item 1: the sensor's run is the backstop, for an asset still PROCESSING
    BACKSTOP_AFTER after it was completed (the worker died or is not running)."""
    world = ingestion.world
    world.clock.now = datetime.now(UTC)  # the sensor reads the real time
    asset_id = ingestion.upload_photo(tmp_path).rsplit("/", 1)[1]
    assert run_sensor(ingestion.platform_db) == []  # the worker's

    with world.database.unit_of_work() as session:
        asset = session.get_one(Asset, uuid.UUID(asset_id))
        asset.processing_started_at = world.clock.now - BACKSTOP_AFTER - timedelta(seconds=1)
    assert [r.run_key for r in run_sensor(ingestion.platform_db)] == [f"ingest-{asset_id}"]


def test_the_sensor_requests_one_run_per_processing_asset_and_the_job_makes_it_ready(
    ingestion: Ingestion, asset_url: str, monkeypatch
) -> None:
    requests = run_sensor(ingestion.platform_db)  # completed at the fixed clock's time: long ago
    assert [r.run_key for r in requests] == [f"ingest-{asset_url.rsplit('/', 1)[1]}"]

    result = run_ingest_job(ingestion, requests[0], monkeypatch)
    assert result.success
    assert result.output_for_node("ingest") == "READY"
    assert ingestion.asset(asset_url)["status"] == "READY"
    again = run_sensor(ingestion.platform_db)
    assert again == []


def test_a_run_that_fails_on_storage_marks_the_asset_failed_with_a_reason(
    ingestion: Ingestion, asset_url: str, monkeypatch
) -> None:
    """Issue 13 item 9: the media directory cannot be written while the run ingests."""
    # A regular file where the tenant's assets directory goes: every mkdir and open under it
    # fails with ENOTDIR, for root too (chmod would not stop root).
    tenant_id = ingestion.world.demo.tenant_id
    assets_dir = ingestion.settings.media_dir / str(tenant_id) / "assets"
    if assets_dir.exists():
        assets_dir.rename(assets_dir.with_name("assets-moved-aside"))
    assets_dir.write_bytes(b"")

    result = run_ingest_job(ingestion, run_sensor(ingestion.platform_db)[0], monkeypatch)
    assert not result.success  # operators see the run fail...
    body = ingestion.asset(asset_url)
    assert body["status"] == "FAILED"  # ...and the asset does not sit in PROCESSING
    assert body["failureReason"] == "INTERNAL_ERROR"
    assert "storage" in body["failureDetail"]
    assert "upload it again" in body["failureDetail"].lower()
    assert body["failedAtUtc"]
    assert run_sensor(ingestion.platform_db) == []  # nothing left waiting


def test_a_run_that_fails_before_settling_its_asset_is_settled_by_the_failure_sensor(
    ingestion: Ingestion, asset_url: str, monkeypatch
) -> None:
    """Issue 13 item 9: the run could not reach the database, so it could not mark the asset
    itself; the run-failure sensor does, instead of the hourly cleanup much later."""
    request = run_sensor(ingestion.platform_db)[0]
    unreachable = PlatformDatabase(url=f"postgresql+psycopg://signage@127.0.0.1:{free_port()}/x")
    instance = DagsterInstance.ephemeral()
    failed = run_ingest_job(
        ingestion, request, monkeypatch, instance=instance, platform_db=unreachable
    )
    assert not failed.success
    assert ingestion.asset(asset_url)["status"] == "PROCESSING"  # the run recorded nothing

    context = build_run_status_sensor_context(
        sensor_name="failed_ingestion_sensor",
        dagster_event=failed.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=failed.dagster_run,
        resources={"platform_db": ingestion.platform_db},
    ).for_run_failure()
    failed_ingestion_sensor(context)

    body = ingestion.asset(asset_url)
    assert (body["status"], body["failureReason"]) == ("FAILED", "INTERNAL_ERROR")
    assert "upload it again" in body["failureDetail"].lower()
    failed_ingestion_sensor(context)  # a second look changes nothing
    assert ingestion.asset(asset_url) == body


def test_a_worker_window_ingests_what_waits_as_a_dagster_run_with_its_logs(
    ingestion: Ingestion, tmp_path: Path, monkeypatch
) -> None:
    """Issue 18 item 1: executed in the worker's process, recorded in Dagster as a run."""
    monkeypatch.setenv("SIGNAGE_JWT_SECRET", ingestion.settings.jwt_secret_value())
    ingestion.world.clock.now = datetime.now(UTC)  # a fresh upload: the worker's, not the sensor's
    asset_url = ingestion.upload_photo(tmp_path)
    instance = DagsterInstance.ephemeral()

    result = run_window(instance, ingestion.platform_db, ingestion.media, window_seconds=0.5)
    assert result.success
    assert ingestion.asset(asset_url)["status"] == "READY"
    [run] = instance.get_runs()
    assert (run.job_name, run.tags["assets"]) == ("ingest_uploads_job", "1")
    logged = [e.user_message for e in instance.all_logs(run.run_id)]
    assert f"asset {asset_url.rsplit('/', 1)[1]}: READY" in logged


def test_a_window_leaves_an_asset_past_the_backstop_to_the_sensor_and_leaves_no_run(
    ingestion: Ingestion, asset_url: str
) -> None:
    """The fixture's asset completed at the fixed clock's time, long ago: the sensor's."""
    instance = DagsterInstance.ephemeral()
    result = run_window(instance, ingestion.platform_db, ingestion.media, window_seconds=0.2)
    assert result.success
    assert ingestion.asset(asset_url)["status"] == "PROCESSING"
    assert instance.get_runs() == []  # an empty window is not kept


def test_an_announced_upload_wakes_the_open_window(
    ingestion: Ingestion, tmp_path: Path, monkeypatch
) -> None:
    """The completion's NOTIFY wakes the open run (it would otherwise look only every
    IDLE_LOOK_SECONDS, set far beyond this test's patience here)."""
    monkeypatch.setenv("SIGNAGE_JWT_SECRET", ingestion.settings.jwt_secret_value())
    monkeypatch.setattr("pipelines.ingestion.IDLE_LOOK_SECONDS", 600.0)
    ingestion.world.clock.now = datetime.now(UTC)
    instance = DagsterInstance.ephemeral()
    window = threading.Thread(
        target=run_window, args=(instance, ingestion.platform_db, ingestion.media), daemon=True
    )
    window.start()
    try:
        wait_until(lambda: instance.get_runs(), "the window opened")
        time.sleep(0.5)  # let it LISTEN and go idle: the upload must wake it
        asset_url = ingestion.upload_photo(tmp_path, "late.jpg")
        wait_until(lambda: ingestion.asset(asset_url)["status"] == "READY", "the asset READY")
    finally:
        window_closing.set()
        with psycopg.connect(ingestion.platform_db.libpq_url()) as waker:
            waker.execute(f"NOTIFY {INGESTION_CHANNEL}")  # wakes the window to close
        window.join(timeout=30)
        window_closing.clear()


def wait_until(condition: Callable[[], object], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.1)
