"""§13.5 timeouts and cleanup, with time as a parameter."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import select

from signage.content.cleanup import run_cleanup
from signage.db.engine import Database
from signage.db.models import Asset, UploadSession
from signage.enums import AssetFailureReason, AssetStatus
from tests.support.clock import FakeClock
from tests.support.media_factory import make_jpeg
from tests.support.uploads import completed_upload, declare, ingest, put_file, upload
from tests.support.world import VenueWorld


def asset_row(database: Database, asset_id: str) -> Asset | None:
    with database.sessions() as session:
        return session.get(Asset, uuid.UUID(asset_id))


def upload_row(database: Database, upload_id: str) -> UploadSession:
    with database.sessions() as session:
        return session.get_one(UploadSession, uuid.UUID(upload_id))


def cleanup(app: FastAPI, database: Database, clock: FakeClock):
    with database.unit_of_work() as session:
        return run_cleanup(session, app.state.context.storage, clock.now)


def test_uploads_never_completed_time_out_after_an_hour_and_their_files_go(
    world: VenueWorld, tmp_path: Path
) -> None:
    client, app, database, clock = world.client, world.app, world.database, world.clock
    photo = make_jpeg(tmp_path / "late.jpg", 80, 80)
    url = f"/v1/venues/{world.demo.fortescue_id}/assets"
    started = declare(client, url, world.as_role("editor"), photo, "image/jpeg").json()
    put_file(client, started, photo)  # bytes arrived, but "complete" never came
    storage = app.state.context.storage
    key = upload_row(database, started["uploadId"]).storage_key
    assert storage.exists(key)
    clock.advance(minutes=59)
    assert cleanup(app, database, clock).uploads_timed_out == 0
    clock.advance(minutes=2)
    report = cleanup(app, database, clock)
    assert report.uploads_timed_out == 1
    assert report.sessions_removed == 1
    asset = asset_row(database, started["assetId"])
    assert asset is not None
    assert asset.status is AssetStatus.FAILED
    assert asset.failure_reason is AssetFailureReason.PROCESSING_TIMEOUT
    assert not storage.exists(key)
    with database.sessions() as session:
        assert session.scalars(select(UploadSession)).all() == []


def test_processing_times_out_after_ten_minutes(world: VenueWorld, tmp_path: Path) -> None:
    app, database, clock = world.app, world.database, world.clock
    photo = make_jpeg(tmp_path / "stuck.jpg", 80, 80)
    asset = upload(
        world.client,
        f"/v1/venues/{world.demo.fortescue_id}/assets",
        world.as_role("editor"),
        photo,
        "image/jpeg",
    )
    clock.advance(minutes=9)
    assert cleanup(app, database, clock).processing_timed_out == 0
    clock.advance(minutes=2)
    assert cleanup(app, database, clock).processing_timed_out == 1
    row = asset_row(database, asset["assetId"])
    assert row is not None
    assert row.failure_reason is AssetFailureReason.PROCESSING_TIMEOUT
    assert row.failure_detail


def test_failed_assets_are_purged_with_their_files_after_thirty_days(
    world: VenueWorld, tmp_path: Path
) -> None:
    app, database, clock = world.app, world.database, world.clock
    photo = make_jpeg(tmp_path / "bad.jpg", 80, 80)
    started, asset = completed_upload(
        world.client,
        f"/v1/venues/{world.demo.fortescue_id}/assets",
        world.as_role("editor"),
        photo,
        "image/jpeg",
    )
    staging_key = upload_row(database, started["uploadId"]).storage_key
    clock.advance(minutes=11)
    cleanup(app, database, clock)  # PROCESSING → FAILED
    key = asset_row(database, asset["assetId"]).storage_key  # type: ignore[union-attr]
    clock.advance(days=29)
    assert cleanup(app, database, clock).failed_purged == 0
    clock.advance(days=2)
    assert cleanup(app, database, clock).failed_purged == 1
    assert asset_row(database, asset["assetId"]) is None
    assert not app.state.context.storage.exists(key)
    assert not app.state.context.storage.exists(staging_key)
    assert cleanup(app, database, clock).failed_purged == 0  # idempotent


def test_a_finished_upload_keeps_its_staging_file_until_its_url_expires(
    world: VenueWorld, tmp_path: Path
) -> None:
    """Issue 13 item 3: the staging object is what makes a live upload URL answer 409; once the
    URL has expired it and the session go, and the asset's own file stays."""
    app, database, clock = world.app, world.database, world.clock
    photo = make_jpeg(tmp_path / "done.jpg", 80, 80)
    url = f"/v1/venues/{world.demo.fortescue_id}/assets"
    started, _ = completed_upload(world.client, url, world.as_role("editor"), photo, "image/jpeg")
    assert ingest(app, database, started["assetId"], clock) is AssetStatus.READY
    storage = app.state.context.storage
    staging_key = upload_row(database, started["uploadId"]).storage_key
    asset_key = asset_row(database, started["assetId"]).storage_key  # type: ignore[union-attr]
    clock.advance(minutes=59)
    assert cleanup(app, database, clock).uploads_retired == 0
    assert storage.exists(staging_key)
    clock.advance(minutes=3)
    assert cleanup(app, database, clock).uploads_retired == 1
    assert not storage.exists(staging_key)
    assert storage.exists(asset_key)
    with database.sessions() as session:
        assert session.scalars(select(UploadSession)).all() == []
    assert cleanup(app, database, clock).uploads_retired == 0  # idempotent
