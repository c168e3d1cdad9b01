"""An upload URL is single-use and READY media are immutable (issue 13 item 3).

The attacker holds an upload URL it was given (or saw) and PUTs other bytes of the same size
after the upload completed, and again after the asset is READY. What players fetch must not
change: the local origin refuses the PUT (409), and on S3, where a presigned PUT cannot be
revoked, the URL names a staging key that players never fetch.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from signage.config import Settings
from signage.content import uploads
from signage.content.ingestion import ingest_asset
from signage.content.scope import LibraryScope
from signage.db.engine import Database
from signage.db.models import Asset
from signage.enums import AssetStatus
from signage.media.rules import MediaLimits
from signage.storage.base import ObjectStorage
from signage.storage.s3 import S3Storage
from signage.tenancy.demo_content import SYSTEM
from tests.support.clock import FakeClock
from tests.support.demo import Demo
from tests.support.media_factory import make_jpeg
from tests.support.uploads import completed_upload, ingest, put_file, sha256_of
from tests.support.world import VenueWorld


def forged_twin(path: Path) -> Path:
    """Other bytes of exactly the same size (every byte inverted)."""
    twin = path.with_name(f"forged-{path.name}")
    twin.write_bytes(bytes(byte ^ 0xFF for byte in path.read_bytes()))
    return twin


def stored_sha256(storage: ObjectStorage, key: str) -> str:
    with storage.open_read(key) as stream:
        return hashlib.sha256(stream.read()).hexdigest()


def asset_row(database: Database, asset_id: str) -> Asset:
    with database.sessions() as session:
        return session.get_one(Asset, uuid.UUID(asset_id))


@pytest.fixture
def completed(world: VenueWorld, tmp_path: Path) -> tuple[dict, Path]:
    """An editor's JPEG, PUT and completed: its upload session (with the URL) and the file."""
    photo = make_jpeg(tmp_path / "menu.jpg", 320, 200)
    url = f"/v1/venues/{world.demo.fortescue_id}/assets"
    started, _ = completed_upload(world.client, url, world.as_role("editor"), photo, "image/jpeg")
    return started, photo


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code in (403, 409), response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_a_second_put_after_complete_is_refused_and_ready_keeps_the_declared_file(
    client: TestClient,
    app: FastAPI,
    database: Database,
    completed: tuple[dict, Path],
    clock: FakeClock,
) -> None:
    started, photo = completed

    response = put_file(client, started, forged_twin(photo))
    assert_refused(response)
    assert response.json()["code"] == "UPLOAD_ALREADY_RECEIVED"

    assert ingest(app, database, started["assetId"], clock) is AssetStatus.READY
    asset = asset_row(database, started["assetId"])
    assert asset.checksum_sha256 == sha256_of(photo)
    assert stored_sha256(app.state.context.storage, asset.storage_key) == sha256_of(photo)


def test_a_put_after_ready_is_refused_and_what_players_fetch_is_unchanged(
    client: TestClient,
    app: FastAPI,
    database: Database,
    completed: tuple[dict, Path],
    clock: FakeClock,
) -> None:
    started, photo = completed
    assert ingest(app, database, started["assetId"], clock) is AssetStatus.READY
    key = asset_row(database, started["assetId"]).storage_key
    download = app.state.context.storage.presign_get(key, clock.now + timedelta(hours=2))
    before = client.get(download)
    assert before.status_code == 200

    clock.advance(minutes=30)  # still inside the URL's hour
    assert_refused(put_file(client, started, forged_twin(photo)))

    after = client.get(download)
    assert after.status_code == 200
    assert after.content == photo.read_bytes()
    assert after.headers["etag"] == before.headers["etag"]
    assert asset_row(database, started["assetId"]).checksum_sha256 == sha256_of(photo)


def test_on_s3_an_old_upload_url_cannot_overwrite_the_ready_object(
    s3_storage: S3Storage,
    database: Database,
    demo: Demo,
    settings: Settings,
    tmp_path: Path,
) -> None:
    """A presigned S3 PUT cannot be revoked, so it must name a key players never fetch."""
    clock = FakeClock(datetime.now(UTC))  # S3Storage signs on the real clock
    photo = make_jpeg(tmp_path / "s3.jpg", 320, 200)
    data = photo.read_bytes()
    request = uploads.UploadRequest(photo.name, "image/jpeg", len(data), sha256_of(photo))
    scope = LibraryScope(demo.tenant_id, demo.fortescue_id)
    with database.unit_of_work() as session:
        started = uploads.start_upload(
            session,
            s3_storage,
            scope,
            request,
            max_bytes=settings.max_upload_bytes,
            user_id=demo.user_ids["editor"],
            now=clock.now,
            who=SYSTEM,
        )
        upload_id, asset_id = started.upload.id, started.asset.id
    put_url, put_headers = started.presigned.url, dict(started.presigned.headers)
    assert httpx.put(put_url, content=data, headers=put_headers).status_code == 200
    with database.unit_of_work() as session:
        uploads.complete_upload(session, s3_storage, scope, upload_id, now=clock.now, who=SYSTEM)
    assert (
        ingest_asset(
            database,
            s3_storage,
            asset_id,
            limits=MediaLimits.from_settings(settings),
            clock=clock,
        )
        is AssetStatus.READY
    )

    forged = forged_twin(photo).read_bytes()
    httpx.put(put_url, content=forged, headers=put_headers)  # S3 accepts it: it is not revocable

    asset = asset_row(database, str(asset_id))
    assert stored_sha256(s3_storage, asset.storage_key) == sha256_of(photo)
    assert asset.checksum_sha256 == sha256_of(photo)
